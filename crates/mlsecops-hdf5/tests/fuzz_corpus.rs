//! Replays the fuzz corpus and regressions for the `hdf5` target as ordinary tests.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use mlsecops_hdf5::{Hdf5, Limits};

fn replay(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut n = 0;
    for e in entries {
        let p = e.unwrap().path();
        if p.is_file() {
            let data = std::fs::read(&p).unwrap();
            if let Ok(f) = Hdf5::open(&data, &Limits::default()) {
                let _ = f.root_attributes();
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
    let corpus = replay(&root.join("corpus/hdf5"));
    let regressions = replay(&root.join("regressions/hdf5"));
    assert!(corpus >= 10, "seed corpus present ({corpus} files)");
    let _ = regressions;
}
