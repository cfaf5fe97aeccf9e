//! Truncated and edited headers: never a panic, always flagged.
#![allow(clippy::unwrap_used)]

use mlsecops_core::Severity;
use mlsecops_safetensors::{analyze, is_safetensors};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

fn max_severity(data: &[u8]) -> Option<Severity> {
    let (a, _) = analyze(data);
    a.observations
        .iter()
        .map(|o| mlsecops_core::rule(o.rule).unwrap().severity)
        .max()
}

#[test]
fn every_truncation_is_flagged() {
    for name in [
        "benign/torch_state_dict.safetensors",
        "benign/numpy_arrays.safetensors",
    ] {
        let data = fixture(name);
        for cut in 0..data.len() {
            assert!(
                max_severity(&data[..cut]) >= Some(Severity::High),
                "{name} cut at {cut} passed"
            );
        }
        assert_eq!(max_severity(&data), None);
    }
}

#[test]
fn sniffing() {
    assert!(is_safetensors(&fixture("benign/zero_tensors.safetensors")));
    assert!(!is_safetensors(b"PK\x03\x04\x00\x00\x00\x00"));
    assert!(!is_safetensors(&[0xFF; 9]));
    assert!(!is_safetensors(b"\x02\x00\x00\x00\x00\x00\x00\x00["));
}

#[test]
fn header_length_edge_cases() {
    assert!(max_severity(b"") >= Some(Severity::High));
    assert!(max_severity(&u64::MAX.to_le_bytes()) >= Some(Severity::High));
    assert!(max_severity(&0u64.to_le_bytes()) >= Some(Severity::High));
    let mut d = 2u64.to_le_bytes().to_vec();
    d.extend(b"{}");
    assert_eq!(max_severity(&d), None, "an empty header is valid");
    let mut d = 4u64.to_le_bytes().to_vec();
    d.extend(b"  {}");
    assert_eq!(
        max_severity(&d),
        None,
        "leading whitespace is accepted by the reference"
    );
}

#[test]
fn deep_json_nesting_is_rejected_not_overflowed() {
    let inner = "[".repeat(100_000);
    let h = format!("{{\"a\":{inner}");
    let mut d = u64::try_from(h.len()).unwrap().to_le_bytes().to_vec();
    d.extend(h.as_bytes());
    assert!(max_severity(&d) >= Some(Severity::High));
}
