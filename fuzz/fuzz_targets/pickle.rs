#![no_main]
use libfuzzer_sys::fuzz_target;
use mlsecops_pickle::{Limits, analyze, sniff};

fuzz_target!(|data: &[u8]| {
    let _ = sniff(data);
    let analysis = analyze(data, &Limits::default());
    assert!(analysis.end_offset <= data.len() as u64);
});
