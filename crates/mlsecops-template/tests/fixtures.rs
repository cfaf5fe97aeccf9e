//! Every fixture in `tests/fixtures/manifest.toml` through `mlsecops_template::check`.

#[path = "common/manifest.rs"]
mod manifest;

#[test]
fn manifest_fixtures_meet_expectations() {
    let (benign, malicious) = manifest::check_all(|p| {
        let text = std::fs::read_to_string(p).unwrap_or_default();
        mlsecops_template::check(&text)
    });
    assert!(benign >= 10, "{benign} benign templates");
    assert!(malicious >= 15, "{malicious} malicious templates");
}
