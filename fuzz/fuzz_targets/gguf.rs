#![no_main]
//! Fuzz the GGUF header parser with default and with tiny limits, then check every extracted
//! chat template (as the scan engine does).
use libfuzzer_sys::fuzz_target;
use mlsecops_gguf::{Limits, analyze, is_gguf};

fuzz_target!(|data: &[u8]| {
    let _ = is_gguf(data);
    let (_, info) = analyze(data, &Limits::default());
    let tiny = Limits {
        max_tensors: 4,
        max_kv: 4,
        max_string_len: 64,
        max_array_len: 8,
        max_array_depth: 2,
        max_total_elements: 16,
        max_dims: 8,
        max_template_len: 64,
    };
    let _ = analyze(data, &tiny);
    if let Some(info) = info {
        for (_, source) in &info.templates {
            let _ = mlsecops_template::check(source);
        }
    }
});
