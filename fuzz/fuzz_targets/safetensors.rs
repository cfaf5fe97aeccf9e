#![no_main]
//! Fuzz the safetensors header validator.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = mlsecops_safetensors::is_safetensors(data);
    let _ = mlsecops_safetensors::analyze(data);
});
