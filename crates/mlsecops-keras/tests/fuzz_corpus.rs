//! Replays the fuzz corpus and regressions for the `hdf5` and `keras` targets as ordinary tests.

mod common;

#[test]
fn fuzz_corpus_and_regressions_never_panic() {
    let mut corpus = 0;
    for target in ["hdf5", "keras"] {
        corpus += mlsecops_testkit::replay_fuzz_target(target, |data| {
            common::exercise(data);
            if let Ok(f) = mlsecops_hdf5::Hdf5::open(data, &mlsecops_hdf5::Limits::default()) {
                let _ = f.walk();
            }
        });
    }
    assert!(corpus >= 10, "seed corpus present ({corpus} files)");
}
