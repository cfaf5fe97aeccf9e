//! Replays the fuzz corpus and regression inputs through `sniff` and `analyze`.

use mlsecops_pickle::{Limits, analyze, sniff};

#[test]
fn corpus_and_regressions_never_panic() {
    let corpus = mlsecops_testkit::replay_fuzz_target("pickle", |data| {
        let _ = sniff(data);
        let a = analyze(data, &Limits::default());
        assert!(a.end_offset <= data.len() as u64);
    });
    assert!(
        corpus >= 10,
        "fuzz corpus should be seeded (found {corpus})"
    );
}
