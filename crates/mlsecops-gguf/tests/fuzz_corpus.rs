//! Replays the fuzz corpus and regressions for the `gguf` target as ordinary tests.

#[test]
fn fuzz_corpus_and_regressions_never_panic() {
    let corpus = mlsecops_testkit::replay_fuzz_target("gguf", |data| {
        let (_, info) = mlsecops_gguf::analyze(data, &mlsecops_gguf::Limits::default());
        for (_, source) in info.iter().flat_map(|i| &i.templates) {
            let _ = mlsecops_template::check(source);
        }
    });
    assert!(corpus >= 10, "seed corpus present ({corpus} files)");
}
