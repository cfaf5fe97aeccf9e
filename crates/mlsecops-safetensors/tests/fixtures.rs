//! Every fixture in `tests/fixtures/manifest.toml` through `mlsecops_safetensors::analyze`.

use std::path::{Path, PathBuf};

use mlsecops_testkit::manifest::check_all;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

#[test]
fn manifest_fixtures_meet_expectations() {
    let (benign, malicious) = check_all(&fixtures_dir(), |p| {
        mlsecops_safetensors::analyze(&std::fs::read(p).unwrap_or_default()).0
    });
    assert!(benign >= 4, "{benign} benign files");
    assert!(malicious >= 15, "{malicious} malicious files");
}

#[test]
fn benign_file_info() {
    let data = std::fs::read(fixtures_dir().join("benign/torch_state_dict.safetensors"))
        .unwrap_or_default();
    assert!(mlsecops_safetensors::is_safetensors(&data));
    let (a, info) = mlsecops_safetensors::analyze(&data);
    assert!(a.observations.is_empty(), "{:?}", a.observations);
    let info = info.expect("info");
    assert_eq!(info.tensor_count, 4);
    assert_eq!(info.parameter_count, 12 + 4 + 4 + 3);
    assert_eq!(info.dtypes.get("BF16"), Some(&1));
    assert_eq!(info.metadata.get("format").map(String::as_str), Some("pt"));
}
