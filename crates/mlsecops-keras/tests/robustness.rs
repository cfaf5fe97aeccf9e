//! Hostile-input tests: truncation at every byte of valid fixtures must not panic and must
//! be incomplete (or flagged).
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(rel),
    )
    .unwrap()
}

#[test]
fn truncated_h5_is_always_incomplete() {
    for rel in [
        "malicious/E1_lambda_os_system.h5",
        "benign/fixed_string_latest.h5",
    ] {
        let data = fixture(rel);
        let step = (data.len() / 3000).max(1);
        for i in (0..data.len()).step_by(step) {
            let a = mlsecops_keras::analyze_h5(&data[..i]);
            assert!(
                a.incomplete.is_some() || !a.observations.is_empty(),
                "{rel}: prefix {i}"
            );
            assert!(
                a.incomplete.is_some(),
                "{rel}: prefix {i} reported complete"
            );
        }
    }
}

#[test]
fn truncated_config_json_is_incomplete() {
    let data = fixture("malicious/E1_lambda_os_system.keras");
    let archive =
        mlsecops_archive::zip::parse(&data, &mlsecops_archive::zip::Limits::default()).unwrap();
    let entry = archive.by_name("config.json").next().unwrap();
    let cfg = archive
        .read(&data, entry, 1 << 20)
        .unwrap()
        .data
        .into_owned();
    for i in 0..cfg.len() {
        let a = mlsecops_keras::analyze_config_json(&cfg[..i], "config.json");
        assert!(a.incomplete.is_some(), "prefix {i}");
    }
}

#[test]
fn truncated_keras_zip_never_panics() {
    let data = fixture("malicious/E2_enable_unsafe_deserialization.keras");
    for i in 0..data.len() {
        let _ = common::analyze(&data[..i]);
    }
}

#[test]
fn corrupted_h5_never_panics() {
    let data = fixture("benign/functional_nested.h5");
    for i in 0..data.len().min(6000) {
        let mut d = data.clone();
        if let Some(b) = d.get_mut(i) {
            *b ^= 0xFF;
        }
        let _ = mlsecops_keras::analyze_h5(&d);
    }
}
