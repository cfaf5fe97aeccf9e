//! Replays the fuzz corpora and regressions for the `tensorflow` and `tflite` targets as
//! ordinary tests.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use mlsecops_tensorflow::{
    analyze_graph_def, analyze_keras_metadata, analyze_saved_model, analyze_tflite,
    looks_like_graph_def, looks_like_saved_model,
};

fn exercise(data: &[u8]) {
    let _ = looks_like_saved_model(data);
    let _ = looks_like_graph_def(data);
    let _ = analyze_saved_model(data);
    let _ = analyze_graph_def(data);
    let _ = analyze_keras_metadata(data);
    let _ = analyze_tflite(data);
    if data.len() >= 8 {
        let mut d = data.to_vec();
        d[4..8].copy_from_slice(b"TFL3");
        let _ = analyze_tflite(&d);
    }
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
    let tf = replay(&root.join("corpus/tensorflow"));
    let tflite = replay(&root.join("corpus/tflite"));
    let _ = replay(&root.join("regressions/tensorflow"));
    let _ = replay(&root.join("regressions/tflite"));
    assert!(tf >= 10, "tensorflow seed corpus present ({tf} files)");
    assert!(tflite >= 3, "tflite seed corpus present ({tflite} files)");
}
