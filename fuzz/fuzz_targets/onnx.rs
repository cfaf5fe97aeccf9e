#![no_main]
//! Fuzz the ONNX analyser (prost decode of the scanner view + graph walk) and the sniffer.
use libfuzzer_sys::fuzz_target;
use mlsecops_onnx::{OnnxContext, analyze, looks_like_onnx};

fuzz_target!(|data: &[u8]| {
    let _ = looks_like_onnx(data);
    let _ = analyze(data, &OnnxContext::default());
});
