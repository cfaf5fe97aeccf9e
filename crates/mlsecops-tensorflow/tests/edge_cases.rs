//! Edge cases: truncation, nesting, malformed flatbuffers, routing trials, limits.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use mlsecops_tensorflow::{
    Limits, analyze_graph_def, analyze_keras_metadata, analyze_saved_model,
    analyze_saved_model_with_limits, analyze_tflite, is_tflite, looks_like_graph_def,
    looks_like_saved_model,
};

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(rel),
    )
    .unwrap()
}

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

#[test]
fn truncated_saved_models_never_panic() {
    for rel in [
        "benign/saved_model_tf2/saved_model.pb",
        "malicious/E3_savev2_const_absolute_path/saved_model.pb",
    ] {
        let data = fixture(rel);
        for cut in 0..data.len() {
            let fa = analyze_saved_model(&data[..cut]);
            let _ = looks_like_saved_model(&data[..cut]);
            let _ = looks_like_graph_def(&data[..cut]);
            let _ = analyze_graph_def(&data[..cut]);
            let _ = analyze_keras_metadata(&data[..cut]);
            if let Some(reason) = &fa.incomplete {
                assert!(!reason.is_empty());
                assert!(fa.observations.iter().any(|o| o.rule == "tf-malformed"));
            }
        }
    }
}

#[test]
fn truncated_tflite_is_always_flagged() {
    for rel in [
        "benign/tiny.tflite",
        "malicious/E3_tflite_flex_pyfunc.tflite",
    ] {
        let data = fixture(rel);
        for cut in 0..data.len() {
            let fa = analyze_tflite(&data[..cut]);
            // Flatbuffer offsets point forward into the whole file: any cut loses something
            // the reader follows, or the identifier.
            assert!(fa.incomplete.is_some() || cut > data.len() / 2, "cut {cut}");
        }
    }
}

#[test]
fn flipped_bytes_in_tflite_never_panic() {
    let data = fixture("benign/tiny.tflite");
    for i in 0..data.len() {
        for v in [0x00, 0x7f, 0x80, 0xff] {
            let mut d = data.clone();
            d[i] = v;
            let _ = analyze_tflite(&d);
        }
    }
}

#[test]
fn tflite_bad_root_and_opcode_index() {
    let mut d = vec![0u8; 16];
    d[4..8].copy_from_slice(b"TFL3");
    d[0..4].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
    let fa = analyze_tflite(&d);
    assert!(fa.incomplete.unwrap().contains("past the end"));
    assert!(!is_tflite(b"TFL3"));
    assert!(is_tflite(b"\x1c\x00\x00\x00TFL3"));
    let fa = analyze_tflite(b"not a flatbuffer");
    assert!(fa.incomplete.is_some());
}

/// `AttrValue` → `NameAttrList` → `AttrValue` nesting past prost's recursion limit.
#[test]
fn deep_attr_nesting_is_a_decode_error() {
    let mut value = ld(0x12, b"x"); // AttrValue{s}
    for _ in 0..200 {
        // NameAttrList{name, attr{key, value}}
        let entry = [ld(0x0a, b"k"), ld(0x12, &value)].concat();
        let list = [ld(0x0a, b"f"), ld(0x12, &entry)].concat();
        value = ld(0x52, &list); // AttrValue.func
    }
    let attr_entry = [ld(0x0a, b"f"), ld(0x12, &value)].concat();
    let node = [
        ld(0x0a, b"n"),
        ld(0x12, b"PartitionedCall"),
        ld(0x2a, &attr_entry),
    ]
    .concat();
    let graph = ld(0x0a, &node);
    let fa = analyze_graph_def(&graph);
    assert!(fa.incomplete.unwrap().contains("recursion limit"));
}

#[test]
fn routing_trials() {
    let sm = fixture("benign/saved_model_tf2/saved_model.pb");
    let gd = fixture("benign/frozen_graph.pb");
    let km = fixture("benign/keras2_savedmodel/keras_metadata.pb");
    assert!(looks_like_saved_model(&sm) && !looks_like_graph_def(&sm));
    assert!(looks_like_graph_def(&gd) && !looks_like_saved_model(&gd));
    assert!(!looks_like_graph_def(&km) && !looks_like_saved_model(&km));
    for junk in [
        &b""[..],
        b"\x80\x04",
        b"PK\x03\x04",
        b"GGUF\x03\x00\x00\x00",
    ] {
        assert!(!looks_like_saved_model(junk) && !looks_like_graph_def(junk));
    }
}

#[test]
fn empty_messages_are_incomplete() {
    assert!(analyze_saved_model(b"").incomplete.is_some());
    assert!(analyze_graph_def(b"").incomplete.is_some());
    assert!(analyze_keras_metadata(b"").0.incomplete.is_some());
}

#[test]
fn keras_metadata_strings_returned() {
    let (fa, md) = analyze_keras_metadata(&fixture("benign/keras2_savedmodel/keras_metadata.pb"));
    assert!(fa.incomplete.is_none());
    assert_eq!(md.len(), 2);
    assert!(md[0].contains("\"Sequential\""));
}

#[test]
fn node_cap_marks_incomplete() {
    let limits = Limits {
        max_nodes: 3,
        ..Limits::default()
    };
    let fa =
        analyze_saved_model_with_limits(&fixture("benign/saved_model_tf2/saved_model.pb"), &limits);
    assert!(fa.incomplete.unwrap().contains("more than 3 nodes"));
}

#[test]
fn benign_savers_stay_silent_and_relative_consts_pass() {
    for rel in [
        "benign/saved_model_tf1/saved_model.pb",
        "benign/saved_model_tf2/saved_model.pb",
    ] {
        let fa = analyze_saved_model(&fixture(rel));
        assert!(fa.observations.is_empty(), "{rel}: {:?}", fa.observations);
    }
}

#[test]
fn observations_use_registered_rules() {
    for rel in [
        "malicious/E3_tflite_flex_pyfunc.tflite",
        "benign/custom_op.tflite",
    ] {
        for o in analyze_tflite(&fixture(rel)).observations {
            assert!(mlsecops_core::rule(o.rule).is_some(), "{}", o.rule);
        }
    }
}
