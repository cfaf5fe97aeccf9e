//! Replays the fuzz corpora and regressions of the `python` and `repo_configs` targets as
//! ordinary tests.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

fn replay(dir: &Path, f: &dyn Fn(&[u8])) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut n = 0;
    for e in entries {
        let p = e.unwrap().path();
        if p.is_file() {
            f(&std::fs::read(&p).unwrap());
            n += 1;
        }
    }
    n
}

fn fuzz_root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

#[test]
fn python_corpus_and_regressions_never_panic() {
    let run = |d: &[u8]| {
        let _ = mlsecops_repo::python::estimate_nesting(d);
        let _ = mlsecops_repo::python::analyze(d);
    };
    let corpus = replay(&fuzz_root().join("corpus/python"), &run);
    let _ = replay(&fuzz_root().join("regressions/python"), &run);
    assert!(corpus >= 5, "seed corpus present ({corpus} files)");
}

#[test]
fn repo_configs_corpus_and_regressions_never_panic() {
    let corpus = replay(
        &fuzz_root().join("corpus/repo_configs"),
        &common::exercise_configs,
    );
    let _ = replay(
        &fuzz_root().join("regressions/repo_configs"),
        &common::exercise_configs,
    );
    assert!(corpus >= 10, "seed corpus present ({corpus} files)");
}
