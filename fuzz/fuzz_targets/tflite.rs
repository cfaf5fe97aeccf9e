#![no_main]
//! Fuzz the bounded TFLite flatbuffer reader. The identifier is forced so that mutations
//! reach the table walk.
use libfuzzer_sys::fuzz_target;
use mlsecops_tensorflow::analyze_tflite;

fuzz_target!(|data: &[u8]| {
    let _ = analyze_tflite(data);
    if data.len() >= 8 {
        let mut d = data.to_vec();
        d[4..8].copy_from_slice(b"TFL3");
        let _ = analyze_tflite(&d);
    }
});
