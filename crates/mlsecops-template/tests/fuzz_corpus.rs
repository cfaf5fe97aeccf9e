//! Replays the fuzz corpus and regressions for the `template` target as ordinary tests.

#[test]
fn fuzz_corpus_and_regressions_never_panic() {
    let corpus = mlsecops_testkit::replay_fuzz_target("template", |data| {
        let _ = mlsecops_template::check(&String::from_utf8_lossy(data));
    });
    assert!(corpus >= 10, "seed corpus present ({corpus} files)");
}
