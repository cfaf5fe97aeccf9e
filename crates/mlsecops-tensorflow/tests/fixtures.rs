//! Runs every fixture in `tests/fixtures/manifest.toml` through [`mlsecops_tensorflow::*`]
//! and checks the manifest's expectations (rules present, severity, completeness).
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::path::{Path, PathBuf};

use mlsecops_core::FormatAnalysis;
use mlsecops_tensorflow::{
    analyze_graph_def, analyze_keras_metadata, analyze_saved_model, analyze_tflite, is_tflite,
    looks_like_graph_def, looks_like_saved_model,
};

/// The routing the scan engine uses for these formats.
fn analyse(path: &Path) -> FormatAnalysis {
    let data = std::fs::read(path).unwrap();
    let name = path.file_name().unwrap().to_str().unwrap();
    if is_tflite(&data) {
        analyze_tflite(&data)
    } else if name == "saved_model.pb" {
        assert!(looks_like_saved_model(&data), "{name}");
        assert!(!looks_like_graph_def(&data), "{name}");
        analyze_saved_model(&data)
    } else if name == "keras_metadata.pb" {
        let (fa, metadata) = analyze_keras_metadata(&data);
        assert!(metadata.iter().all(|m| m.starts_with('{')));
        fa
    } else {
        assert!(looks_like_graph_def(&data), "{name}");
        assert!(!looks_like_saved_model(&data), "{name}");
        analyze_graph_def(&data)
    }
}

#[test]
fn manifest_expectations_hold() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let (benign, malicious) = mlsecops_testkit::manifest::check_all(&dir, analyse);
    assert!(
        benign + malicious >= 15,
        "{benign} benign, {malicious} malicious checked"
    );
}
