//! Truncated, overflowing and capped inputs: never a panic, always flagged or incomplete.
#![allow(clippy::unwrap_used)]

use mlsecops_gguf::{Limits, analyze};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

#[test]
fn every_truncation_is_flagged_or_incomplete() {
    for name in [
        "benign/tiny_llama_q8_chatml.gguf",
        "benign/tiny_big_endian.gguf",
    ] {
        let data = fixture(name);
        // GGUFWriter pads after the last tensor; losing (part of) that padding loses no data.
        for cut in 0..data.len().saturating_sub(31) {
            let (a, _) = analyze(&data[..cut], &Limits::default());
            assert!(
                a.incomplete.is_some()
                    || a.observations.iter().any(|o| o.rule != "gguf-big-endian"),
                "{name} cut at {cut} passed silently"
            );
        }
        let (a, _) = analyze(&data, &Limits::default());
        assert!(a.incomplete.is_none(), "{name}: {:?}", a.incomplete);
    }
}

#[test]
fn every_single_byte_flip_terminates() {
    let data = fixture("benign/tiny_llama_q8_chatml.gguf");
    let header = 1200.min(data.len());
    for i in 0..header {
        for v in [0x00, 0xFF, 0x7F, 0x80] {
            let mut d = data.clone();
            d[i] = v;
            let _ = analyze(&d, &Limits::default());
        }
    }
}

fn header(version: u32, n_tensors: u64, n_kv: u64) -> Vec<u8> {
    let mut v = b"GGUF".to_vec();
    v.extend(version.to_le_bytes());
    v.extend(n_tensors.to_le_bytes());
    v.extend(n_kv.to_le_bytes());
    v
}

#[test]
fn caps_stop_parsing_with_a_limit_finding() {
    let limits = Limits {
        max_kv: 2,
        ..Limits::default()
    };
    let mut d = header(3, 0, 3);
    d.extend(vec![0u8; 100]);
    let (a, _) = analyze(&d, &limits);
    assert!(a.incomplete.is_some());
    assert!(
        a.observations
            .iter()
            .any(|o| o.rule == "gguf-limit-exceeded")
    );
}

#[test]
fn unsupported_versions_and_bad_magic() {
    let (a, info) = analyze(b"GGUX\x03\x00\x00\x00", &Limits::default());
    assert!(info.is_none() && a.incomplete.is_some());
    let (a, info) = analyze(&header(4, 0, 0), &Limits::default());
    assert!(info.is_none() && a.incomplete.is_some());
    let (a, info) = analyze(&header(0, 0, 0), &Limits::default());
    assert!(info.is_none() && a.incomplete.is_some());
}

#[test]
fn version_1_uses_32_bit_counts() {
    // v1: u32 counts and lengths. One KV (general.name = "x"), no tensors.
    let mut d = b"GGUF".to_vec();
    d.extend(1u32.to_le_bytes());
    d.extend(0u32.to_le_bytes());
    d.extend(1u32.to_le_bytes());
    d.extend(12u32.to_le_bytes());
    d.extend(b"general.name");
    d.extend(8u32.to_le_bytes());
    d.extend(1u32.to_le_bytes());
    d.extend(b"x");
    let (a, info) = analyze(&d, &Limits::default());
    assert!(a.observations.is_empty(), "{:?}", a.observations);
    assert_eq!(info.unwrap().name.as_deref(), Some("x"));
}

#[test]
fn empty_file_with_no_tensors_is_clean() {
    let (a, info) = analyze(&header(3, 0, 0), &Limits::default());
    assert!(a.observations.is_empty() && a.incomplete.is_none());
    assert_eq!(info.unwrap().tensor_count, 0);
}

#[test]
fn header_only_cost_on_a_large_sparse_buffer() {
    // A valid header followed by 256 MiB of zeros: analysis must not touch the data.
    let data = fixture("benign/tiny_llama_q8_chatml.gguf");
    let mut big = data.clone();
    big.resize(256 << 20, 0);
    let start = std::time::Instant::now();
    let (a, _) = analyze(&big, &Limits::default());
    assert!(a.incomplete.is_none());
    assert!(start.elapsed().as_millis() < 500, "{:?}", start.elapsed());
}

#[test]
fn legacy_repacked_type_is_medium_not_high() {
    let mut d = header(3, 1, 0);
    d.extend(1u64.to_le_bytes());
    d.extend(b"t");
    d.extend(1u32.to_le_bytes());
    d.extend(32u64.to_le_bytes());
    d.extend(31u32.to_le_bytes()); // Q4_0_4_4
    d.extend(0u64.to_le_bytes());
    d.resize(d.len().next_multiple_of(32) + 18, 0);
    let (a, info) = analyze(&d, &Limits::default());
    let rules: Vec<&str> = a.observations.iter().map(|o| o.rule).collect();
    assert_eq!(rules, ["gguf-malformed"]);
    assert!(a.incomplete.is_none());
    assert_eq!(info.unwrap().tensor_types.get("Q4_0_4_4"), Some(&1));
}
