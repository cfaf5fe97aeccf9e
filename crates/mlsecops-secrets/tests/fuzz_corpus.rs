//! Replays the fuzz corpus and regressions for the `secrets` target as ordinary tests.

#[test]
fn fuzz_corpus_and_regressions_never_panic() {
    let corpus = mlsecops_testkit::replay_fuzz_target("secrets", |data| {
        for m in mlsecops_secrets::scan(data) {
            assert!(m.start <= m.end && m.end <= data.len());
            let _ = m.to_observation();
        }
        if let Ok(text) = std::str::from_utf8(data)
            && let Ok(baseline) = mlsecops_secrets::Baseline::parse(text, "fuzz.json")
        {
            let _ = baseline.to_json();
        }
    });
    assert!(corpus >= 10, "seed corpus present ({corpus} files)");
}
