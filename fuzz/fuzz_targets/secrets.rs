#![no_main]
//! Fuzz the secret scanner (keyword windows, JSON unescaping, masking) and the baseline parser.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for m in mlsecops_secrets::scan(data) {
        assert!(m.start <= m.end && m.end <= data.len());
        assert!(m.line >= 1 && m.column >= 1);
        assert_eq!(m.sha256.len(), 64);
        let _ = m.to_observation();
    }
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(baseline) = mlsecops_secrets::Baseline::parse(text, "fuzz.json")
    {
        let _ = baseline.to_json();
    }
});
