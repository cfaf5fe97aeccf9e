//! Replays the fuzz corpus and regression inputs through `sniff` and `analyze`.

use std::path::PathBuf;

use mlsecops_pickle::{Limits, analyze, sniff};

fn replay(dir: &str) -> usize {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return 0;
    };
    let mut n = 0;
    for entry in entries {
        let path = entry.expect("entry").path();
        if !path.is_file() || path.file_name().is_some_and(|f| f == ".keep") {
            continue;
        }
        let data = std::fs::read(&path).expect("read");
        let _ = sniff(&data);
        let a = analyze(&data, &Limits::default());
        assert!(a.end_offset <= data.len() as u64, "{}", path.display());
        n += 1;
    }
    n
}

#[test]
fn corpus_and_regressions_never_panic() {
    let corpus = replay("../../fuzz/corpus/pickle");
    let _ = replay("../../fuzz/regressions/pickle");
    assert!(
        corpus >= 10,
        "fuzz corpus should be seeded (found {corpus})"
    );
}
