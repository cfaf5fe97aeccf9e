//! Runs every fixture in `tests/fixtures/manifest.toml` through [`mlsecops_onnx::analyze`]
//! and checks the manifest's expectations (rules present, severity, completeness).
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::path::{Path, PathBuf};

use mlsecops_core::FormatAnalysis;
use mlsecops_onnx::{OnnxContext, analyze};

fn analyse(path: &Path) -> FormatAnalysis {
    let data = std::fs::read(path).unwrap();
    let ctx = OnnxContext {
        model_dir: path.parent(),
    };
    let (fa, _) = analyze(&data, &ctx);
    fa
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
