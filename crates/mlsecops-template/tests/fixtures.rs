//! Every fixture in `tests/fixtures/manifest.toml` through `mlsecops_template::check`.

use std::path::{Path, PathBuf};

use mlsecops_testkit::manifest::check_all;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

#[test]
fn manifest_fixtures_meet_expectations() {
    let (benign, malicious) = check_all(&fixtures_dir(), |p| {
        let text = std::fs::read_to_string(p).unwrap_or_default();
        mlsecops_template::check(&text)
    });
    assert!(benign >= 10, "{benign} benign templates");
    assert!(malicious >= 15, "{malicious} malicious templates");
}
