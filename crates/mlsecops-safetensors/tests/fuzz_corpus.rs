//! Replays the fuzz corpus and regressions for the `safetensors` target as ordinary tests.
#![allow(clippy::unwrap_used)]

use std::path::Path;

fn exercise(data: &[u8]) {
    let _ = mlsecops_safetensors::is_safetensors(data);
    let _ = mlsecops_safetensors::analyze(data);
}

fn replay(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut n = 0;
    for e in entries {
        let p = e.unwrap().path();
        if p.is_file() {
            exercise(&std::fs::read(&p).unwrap());
            n += 1;
        }
    }
    n
}

#[test]
fn fuzz_corpus_and_regressions_never_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let corpus = replay(&root.join("corpus/safetensors"));
    let _regressions = replay(&root.join("regressions/safetensors"));
    assert!(corpus >= 10, "seed corpus present ({corpus} files)");
}
