//! Replays the fuzz corpus and regressions for the `safetensors` target as ordinary tests.

#[test]
fn fuzz_corpus_and_regressions_never_panic() {
    let corpus = mlsecops_testkit::replay_fuzz_target("safetensors", |data| {
        let _ = mlsecops_safetensors::is_safetensors(data);
        let _ = mlsecops_safetensors::analyze(data);
    });
    assert!(corpus >= 10, "seed corpus present ({corpus} files)");
}
