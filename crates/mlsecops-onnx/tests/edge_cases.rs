//! Edge cases: truncation, deep nesting, symlinks, info extraction.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use mlsecops_onnx::{Limits, OnnxContext, analyze, analyze_with_limits, looks_like_onnx};

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(rel),
    )
    .unwrap()
}

#[test]
fn info_of_benign_models() {
    let (fa, info) = analyze(&fixture("benign/tiny_mlp.onnx"), &OnnxContext::default());
    assert!(fa.incomplete.is_none());
    let info = info.unwrap();
    assert_eq!(info.ir_version, 8);
    assert_eq!(info.opsets, vec![(String::new(), 17)]);
    assert_eq!(info.parameter_count, Some(15));
    assert_eq!(info.initializer_count, 2);
    assert_eq!(info.dtypes.get("FLOAT"), Some(&2));
    assert_eq!(info.node_count, 3);
    assert!(info.producer.starts_with("mlsecops-fixtures"));

    let (_, info) = analyze(
        &fixture("benign/external_data/model.onnx"),
        &OnnxContext::default(),
    );
    assert_eq!(
        info.unwrap().external_data_files,
        vec!["weights.bin".to_owned()]
    );

    let (_, info) = analyze(&fixture("benign/if_subgraph.onnx"), &OnnxContext::default());
    assert_eq!(info.unwrap().node_count, 6);
}

#[test]
fn every_fixture_looks_like_onnx() {
    for rel in [
        "benign/tiny_mlp.onnx",
        "benign/if_subgraph.onnx",
        "benign/external_data/model.onnx",
        "malicious/E4_subgraph_hides_pyop.onnx",
    ] {
        assert!(looks_like_onnx(&fixture(rel)), "{rel}");
    }
    assert!(!looks_like_onnx(b"\x80\x02}q\x00."));
    assert!(!looks_like_onnx(b"{\"a\": 1}"));
}

#[test]
fn truncation_never_panics_and_is_flagged() {
    for rel in [
        "benign/if_subgraph.onnx",
        "malicious/E4_function_hides_pyop.onnx",
    ] {
        let data = fixture(rel);
        for cut in 0..data.len() {
            let (fa, _) = analyze(&data[..cut], &OnnxContext::default());
            // A cut exactly at a field boundary decodes to a smaller valid model; any other
            // cut must be reported.
            let _ = looks_like_onnx(&data[..cut]);
            if fa.incomplete.is_some() {
                assert!(fa.observations.iter().any(|o| o.rule == "onnx-malformed"));
            }
        }
    }
}

/// Builds `depth` nested If nodes by hand (graph{node{attribute{g{...}}}}).
fn nested(depth: usize) -> Vec<u8> {
    fn ld(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let mut n = body.len();
        loop {
            let b = u8::try_from(n & 0x7f).unwrap();
            n >>= 7;
            if n == 0 {
                out.push(b);
                break;
            }
            out.push(b | 0x80);
        }
        out.extend_from_slice(body);
        out
    }
    // Innermost graph holds a PyOp node.
    let mut graph = ld(
        0x0a,
        &[ld(0x22, b"PyOp"), ld(0x3a, b"ai.onnx.contrib")].concat(),
    );
    for _ in 0..depth {
        let attr = [ld(0x0a, b"then_branch"), ld(0x32, &graph)].concat();
        let node = [ld(0x22, b"If"), ld(0x2a, &attr)].concat();
        graph = ld(0x0a, &node);
    }
    [vec![0x08, 0x08], ld(0x3a, &graph)].concat()
}

#[test]
fn empty_or_graphless_models_are_incomplete() {
    for data in [&b""[..], b"\x08\x08", b"\x08\x08\x12\x03abc"] {
        let (fa, info) = analyze(data, &OnnxContext::default());
        assert!(fa.incomplete.is_some() && info.is_none());
    }
}

#[test]
fn nesting_within_limits_is_walked() {
    let (fa, _) = analyze(&nested(10), &OnnxContext::default());
    assert!(fa.incomplete.is_none(), "{:?}", fa.incomplete);
    assert!(fa.observations.iter().any(|o| o.rule == "onnx-python-op"));
}

#[test]
fn nesting_beyond_prost_limit_is_incomplete_not_a_crash() {
    let (fa, info) = analyze(&nested(200), &OnnxContext::default());
    assert!(info.is_none());
    assert!(fa.incomplete.is_some());
    assert!(fa.observations.iter().any(|o| o.rule == "onnx-malformed"));
}

#[test]
fn walker_depth_cap_marks_incomplete() {
    let limits = Limits {
        max_graph_depth: 3,
        ..Limits::default()
    };
    let (fa, _) = analyze_with_limits(&nested(10), &OnnxContext::default(), &limits);
    assert!(fa.incomplete.unwrap().contains("deeper than 3"));
}

#[test]
fn node_cap_marks_incomplete() {
    let limits = Limits {
        max_nodes: 2,
        ..Limits::default()
    };
    let (fa, _) = analyze_with_limits(
        &fixture("benign/tiny_mlp.onnx"),
        &OnnxContext::default(),
        &limits,
    );
    assert!(fa.incomplete.is_some());
}

#[cfg(unix)]
#[test]
fn symlinked_external_data_is_flagged_without_following() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/etc/hostname", dir.path().join("weights.bin")).unwrap();
    let data = fixture("benign/external_data/model.onnx");
    let ctx = OnnxContext {
        model_dir: Some(dir.path()),
    };
    let (fa, _) = analyze(&data, &ctx);
    assert!(
        fa.observations
            .iter()
            .any(|o| o.rule == "onnx-external-data-special-file"),
        "{:?}",
        fa.observations
    );

    // A directory where the data file should be.
    let dir2 = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir2.path().join("weights.bin")).unwrap();
    let (fa, _) = analyze(
        &data,
        &OnnxContext {
            model_dir: Some(dir2.path()),
        },
    );
    assert!(
        fa.observations
            .iter()
            .any(|o| o.rule == "onnx-external-data-special-file")
    );
}

#[test]
fn observations_use_registered_rules() {
    for rel in [
        "malicious/E4_function_hides_pyop.onnx",
        "malicious/E4_external_data_unc.onnx",
    ] {
        let (fa, _) = analyze(&fixture(rel), &OnnxContext::default());
        for o in &fa.observations {
            assert!(mlsecops_core::rule(o.rule).is_some(), "{}", o.rule);
        }
    }
}

fn ld(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag, u8::try_from(body.len()).unwrap()];
    out.extend_from_slice(body);
    out
}

fn model_with_tensor(tensor: &[u8]) -> Vec<u8> {
    [vec![0x08, 0x08], ld(0x3a, &ld(0x2a, tensor))].concat()
}

fn kv(key: &str, value: &str) -> Vec<u8> {
    ld(
        0x6a,
        &[ld(0x0a, key.as_bytes()), ld(0x12, value.as_bytes())].concat(),
    )
}

#[test]
fn external_without_entries_and_overflowing_ranges() {
    // data_location = EXTERNAL (field 14) and nothing else.
    let (fa, _) = analyze(&model_with_tensor(&[0x70, 0x01]), &OnnxContext::default());
    assert!(
        fa.observations
            .iter()
            .any(|o| o.rule == "onnx-external-data-malformed"),
        "{:?}",
        fa.observations
    );
    let t = [
        kv("location", "w.bin"),
        kv("offset", "18446744073709551615"),
        kv("length", "2"),
    ]
    .concat();
    let (fa, _) = analyze(&model_with_tensor(&t), &OnnxContext::default());
    assert!(
        fa.observations
            .iter()
            .any(|o| o.message.contains("overflows"))
    );
    let t = [kv("location", "w.bin"), kv("length", "12abc")].concat();
    let (fa, _) = analyze(&model_with_tensor(&t), &OnnxContext::default());
    assert!(fa.observations.iter().any(|o| o.message.contains("12abc")));
}

#[test]
fn negative_and_overflowing_dims() {
    // dims = [-1] (varint of -1 is ten bytes).
    let mut t = vec![0x08];
    t.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    let (fa, info) = analyze(&model_with_tensor(&t), &OnnxContext::default());
    assert!(
        fa.observations
            .iter()
            .any(|o| o.rule == "onnx-tensor-shape-invalid")
    );
    assert_eq!(info.unwrap().parameter_count, None);
    // dims = [2^62, 8].
    let t = [
        vec![0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40],
        vec![0x08, 0x08],
    ]
    .concat();
    let (fa, _) = analyze(&model_with_tensor(&t), &OnnxContext::default());
    assert!(
        fa.observations
            .iter()
            .any(|o| o.message.contains("overflows"))
    );
}
