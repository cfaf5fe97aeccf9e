//! Replays the fuzz corpus and regressions for the `onnx` target as ordinary tests.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use mlsecops_onnx::{OnnxContext, analyze, looks_like_onnx};

fn replay(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut n = 0;
    for e in entries {
        let p = e.unwrap().path();
        if p.is_file() {
            let data = std::fs::read(&p).unwrap();
            let _ = looks_like_onnx(&data);
            let _ = analyze(&data, &OnnxContext::default());
            n += 1;
        }
    }
    n
}

#[test]
fn fuzz_corpus_and_regressions_never_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let corpus = replay(&root.join("corpus/onnx"));
    let _ = replay(&root.join("regressions/onnx"));
    assert!(corpus >= 10, "seed corpus present ({corpus} files)");
}
