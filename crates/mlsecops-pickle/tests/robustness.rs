//! "Never panics" checks over every committed test file, plus the pickletools cross-check.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation
)]

use std::path::PathBuf;

use mlsecops_pickle::decode::ops;
use mlsecops_pickle::{Limits, analyze, sniff};

fn data_files() -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/data")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e != "ops"))
        .map(|p| {
            let bytes = std::fs::read(&p).expect("read");
            (p, bytes)
        })
        .collect();
    files.sort();
    assert!(files.len() >= 20, "expected the generated test data");
    files
}

fn check(data: &[u8]) {
    let _ = sniff(data);
    let a = analyze(data, &Limits::default());
    assert!(a.end_offset <= data.len() as u64);
    for f in &a.findings {
        assert!(f.offset <= data.len() as u64);
        assert!(f.args.as_ref().is_none_or(|s| s.chars().count() <= 200));
    }
}

#[test]
fn every_prefix_never_panics() {
    for (_, data) in data_files() {
        for len in 0..=data.len() {
            check(&data[..len]);
        }
    }
}

#[test]
fn byte_flips_never_panic() {
    let replacements = [0x00, 0xff, b'(', b'.', 0x93, b'\n'];
    for (_, data) in data_files() {
        let mut buf = data.clone();
        // Every byte of small files, every third byte of the larger ones (debug builds are slow).
        let stride = if data.len() > 512 { 3 } else { 1 };
        for i in (0..data.len()).step_by(stride) {
            for r in replacements {
                buf[i] = r;
                check(&buf);
            }
            buf[i] ^= 0x5a;
            check(&buf);
            buf[i] = data[i];
        }
    }
}

/// Compares the decoder with listings produced by `CPython`'s `pickletools.genops`
/// (`tests/gen_data.py` writes `<file>.ops`).
#[test]
fn pickletools_cross_check() {
    let mut checked = 0;
    for (path, data) in data_files() {
        let listing = path.with_file_name(format!(
            "{}.ops",
            path.file_name().and_then(|n| n.to_str()).expect("name")
        ));
        let Ok(expected) = std::fs::read_to_string(&listing) else {
            continue;
        };
        let expected: Vec<&str> = expected.lines().collect();
        let ours: Vec<String> = ops(&data)
            .map(|op| {
                let op = op.expect("CPython-produced pickles decode");
                format!("{} {}", op.offset, op.opcode.name())
            })
            .collect();
        assert_eq!(ours, expected, "{}", path.display());
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} listings checked");
}

/// `sniff` accepts every committed pickle and rejects some non-pickles.
#[test]
fn sniff_on_files() {
    for (path, data) in data_files() {
        assert!(sniff(&data), "{}", path.display());
    }
    assert!(!sniff(b"README.md\n# Title\n"));
    assert!(!sniff(b"PK\x03\x04\x14\x00\x00\x00"));
    assert!(!sniff(b"{\"a\": 1}"));
}

/// A data.pkl-like pickle of ~40 MB (~8.3M opcodes, under the default 10M-opcode cap): many tensors rebuilt over persistent storages.
#[test]
fn large_pickle_is_fast_enough() {
    let mut p = vec![0x80, 0x02];
    p.extend_from_slice(b"ccollections\nOrderedDict\nq\x00)Rq\x01(");
    p.extend_from_slice(b"ctorch._utils\n_rebuild_tensor_v2\nq\x02");
    p.extend_from_slice(b"ctorch\nFloatStorage\nq\x03");
    p.push(b'0');
    p.push(b'0');
    let mut i: u32 = 0;
    while p.len() < 40_000_000 {
        let key = format!("model.encoder.layers.{i}.self_attn.q_proj.weight");
        p.push(b'X');
        p.extend_from_slice(&(key.len() as u32).to_le_bytes());
        p.extend_from_slice(key.as_bytes());
        p.extend_from_slice(b"h\x02((X\x07\x00\x00\x00storageh\x03");
        let sk = i.to_string();
        p.push(b'X');
        p.extend_from_slice(&(sk.len() as u32).to_le_bytes());
        p.extend_from_slice(sk.as_bytes());
        p.extend_from_slice(
            b"X\x03\x00\x00\x00cpuK\x06tQK\x00K\x02K\x03\x86K\x03K\x01\x86\x89h\x00)RtR",
        );
        i += 1;
        if i.is_multiple_of(500) {
            p.extend_from_slice(b"u(");
        }
    }
    p.extend_from_slice(b"u.");
    let start = std::time::Instant::now();
    let a = analyze(&p, &Limits::default());
    let elapsed = start.elapsed();
    assert!(a.is_complete(), "{:?}", a.outcome);
    assert!(a.findings.is_empty(), "{:?}", a.findings.first());
    // Generous bound for unoptimised test builds; release builds are far faster.
    assert!(
        elapsed.as_secs() < 30 && std::env::var_os("SHOW_TIMING").is_none(),
        "{elapsed:?} for {} opcodes",
        a.opcodes
    );
}
