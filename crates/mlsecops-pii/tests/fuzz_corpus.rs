//! Replays the fuzz corpus and regressions for the `pii_tables` target as ordinary tests.

const NAMES: [&str; 7] = [
    "data.csv",
    "data.tsv",
    "data.jsonl",
    "data.csv.gz",
    "data.jsonl.gz",
    "data.parquet",
    "data.ndjson",
];

#[test]
fn fuzz_corpus_and_regressions_never_panic() {
    let corpus = mlsecops_testkit::replay_fuzz_target("pii_tables", |data| {
        let Some((&selector, rest)) = data.split_first() else {
            return;
        };
        let name = NAMES[usize::from(selector) % NAMES.len()];
        let _ = mlsecops_pii::analyze_data_file(name, rest);
        let text = String::from_utf8_lossy(rest);
        for m in mlsecops_pii::scan_text(&text) {
            assert!(m.start < m.end && m.end <= text.len());
            let _ = m.to_observation();
        }
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
        let _ = mlsecops_pii::scan_table(&header, &rows);
    });
    assert!(corpus >= 10, "seed corpus present ({corpus} files)");
}
