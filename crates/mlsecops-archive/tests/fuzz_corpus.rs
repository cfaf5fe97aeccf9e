//! Replays the fuzz corpus and regressions for the `zip` target as ordinary tests.
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
            n += 1;
        }
    }
    n
}

#[test]
fn fuzz_corpus_and_regressions_never_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let corpus = replay(&root.join("corpus/zip"));
    let regressions = replay(&root.join("regressions/zip"));
    assert!(corpus >= 10, "seed corpus present ({corpus} files)");
    let _ = regressions;
}
