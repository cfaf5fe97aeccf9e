//! Test-only helpers shared by the mlsecops crates (a dev-dependency, never shipped):
//!
//! - [`replay_fuzz_target`]: runs a parser over the committed fuzz corpus and regression
//!   inputs of a cargo-fuzz target, so `cargo test` catches regressions without cargo-fuzz;
//! - [`manifest`]: reads a crate's `tests/fixtures/manifest.toml` and checks a format
//!   analyser against every entry.
#![forbid(unsafe_code)]
#![allow(clippy::missing_panics_doc, clippy::unwrap_used)]

pub mod manifest;

use std::path::{Path, PathBuf};

/// The workspace's `fuzz/` directory.
pub fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// Feeds every file of `fuzz/corpus/<target>` and `fuzz/regressions/<target>` to `exercise`
/// and returns how many corpus files there were (regressions are optional). A panic inside
/// `exercise` fails the calling test and names the input.
pub fn replay_fuzz_target(target: &str, exercise: impl Fn(&[u8])) -> usize {
    let corpus = replay_dir(&fuzz_dir().join("corpus").join(target), &exercise);
    replay_dir(&fuzz_dir().join("regressions").join(target), &exercise);
    corpus
}

fn replay_dir(dir: &Path, exercise: &impl Fn(&[u8])) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    for path in &paths {
        let data = std::fs::read(path).unwrap();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| exercise(&data)));
        assert!(outcome.is_ok(), "input {} panicked", path.display());
    }
    paths.len()
}
