//! Replays the fuzz corpus and regressions for the `hdf5` and `keras` targets as ordinary tests.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

fn replay(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut n = 0;
    for e in entries {
        let p = e.unwrap().path();
        if p.is_file() {
            let data = std::fs::read(&p).unwrap();
            common::exercise(&data);
            if let Ok(f) = mlsecops_hdf5::Hdf5::open(&data, &mlsecops_hdf5::Limits::default()) {
                let _ = f.walk();
            }
            n += 1;
        }
    }
    n
}

#[test]
fn fuzz_corpus_and_regressions_never_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut corpus = 0;
    for target in ["hdf5", "keras"] {
        corpus += replay(&root.join("corpus").join(target));
        let _ = replay(&root.join("regressions").join(target));
    }
    assert!(corpus >= 10, "seed corpus present ({corpus} files)");
}
