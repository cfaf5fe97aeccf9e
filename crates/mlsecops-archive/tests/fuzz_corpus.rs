//! Replays the fuzz corpus and regressions for the `zip` target as ordinary tests.

mod common;

#[test]
fn fuzz_corpus_and_regressions_never_panic() {
    let corpus = mlsecops_testkit::replay_fuzz_target("zip", common::exercise);
    assert!(corpus >= 10, "seed corpus present ({corpus} files)");
}
