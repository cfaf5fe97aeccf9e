#![no_main]
//! Fuzz the personal-data detectors: the data-file analysers (CSV, TSV, JSON Lines, their gzip
//! variants, Parquet) and the text scanner over arbitrary bytes. The first byte picks the file
//! name so every reader sees every input.
use libfuzzer_sys::fuzz_target;
use mlsecops_pii::{analyze_data_file, scan_table, scan_text};

const NAMES: [&str; 7] = [
    "data.csv",
    "data.tsv",
    "data.jsonl",
    "data.csv.gz",
    "data.jsonl.gz",
    "data.parquet",
    "data.ndjson",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(selector) % NAMES.len()];
    if let Some(analysis) = analyze_data_file(name, rest) {
        for obs in &analysis.observations {
            assert_eq!(obs.rule, "pii-data-column");
        }
    }
    let text = String::from_utf8_lossy(rest);
    for m in scan_text(&text) {
        assert!(m.start < m.end && m.end <= text.len());
        assert!(text.is_char_boundary(m.start) && text.is_char_boundary(m.end));
        let _ = m.to_observation();
    }
    // Tab-separated rows, as the scan engine passes notebook tables.
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap_or_default()
        .split('\t')
        .map(str::to_owned)
        .collect();
    let rows: Vec<Vec<String>> = lines
        .take(64)
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect();
    let _ = scan_table(&header, &rows);
});
