//! Replays the fuzz corpus and regressions for the `hdf5` target as ordinary tests.

use mlsecops_hdf5::{Hdf5, Limits};

#[test]
fn fuzz_corpus_and_regressions_never_panic() {
    let corpus = mlsecops_testkit::replay_fuzz_target("hdf5", |data| {
        if let Ok(f) = Hdf5::open(data, &Limits::default()) {
            let _ = f.root_attributes();
            let _ = f.walk();
        }
    });
    assert!(corpus >= 10, "seed corpus present ({corpus} files)");
}
