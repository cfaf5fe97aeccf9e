//! Replays the fuzz corpus and regressions for the `gguf` target as ordinary tests.
#![allow(clippy::unwrap_used)]

use std::path::Path;

fn exercise(data: &[u8]) {
    let (_, info) = mlsecops_gguf::analyze(data, &mlsecops_gguf::Limits::default());
    for (_, source) in info.iter().flat_map(|i| &i.templates) {
        let _ = mlsecops_template::check(source);
    }
}

fn replay(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut n = 0;
    for e in entries {
        let p = e.unwrap().path();
        if p.is_file() {
            exercise(&std::fs::read(&p).unwrap());
            n += 1;
        }
    }
    n
}

#[test]
fn fuzz_corpus_and_regressions_never_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let corpus = replay(&root.join("corpus/gguf"));
    let _regressions = replay(&root.join("regressions/gguf"));
    assert!(corpus >= 10, "seed corpus present ({corpus} files)");
}
