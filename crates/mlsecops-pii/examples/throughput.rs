//! Single-thread throughput of `scan_text` over the text files under the given paths.
//!
//! ```sh
//! cargo run --release -p mlsecops-pii --example throughput -- docs crates
//! ```
#![allow(clippy::print_stdout, clippy::cast_precision_loss)]

use std::path::Path;
use std::time::Instant;

const EXTENSIONS: &[&str] = &[
    "md", "rs", "py", "toml", "json", "jsonl", "csv", "txt", "yaml", "yml", "ipynb",
];
const MAX_BYTES: usize = 64 * 1024 * 1024;

fn collect(path: &Path, out: &mut Vec<String>, total: &mut usize) {
    if *total >= MAX_BYTES {
        return;
    }
    if path.is_dir() {
        if path
            .file_name()
            .is_some_and(|n| n == "target" || n == ".git")
        {
            return;
        }
        let Ok(entries) = std::fs::read_dir(path) else {
            return;
        };
        let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            collect(&p, out, total);
        }
    } else if path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e))
        && let Ok(text) = std::fs::read_to_string(path)
    {
        *total += text.len();
        out.push(text);
    }
}

fn main() {
    let mut files = Vec::new();
    let mut total = 0usize;
    let mut show = false;
    for arg in std::env::args().skip(1) {
        if arg == "--show" {
            show = true;
            continue;
        }
        collect(Path::new(&arg), &mut files, &mut total);
    }
    if show {
        // Print every match (masked) with its line, to review false positives.
        for text in &files {
            for m in mlsecops_pii::scan_text(text) {
                let line = text.lines().nth(m.line as usize - 1).unwrap_or("");
                let line: String = line.chars().take(120).collect();
                println!(
                    "{:<16} {:.2} {:<28} | {line}",
                    m.kind.as_str(),
                    m.confidence,
                    m.masked
                );
            }
        }
    }
    // Data-file analysers on files named directly on the command line.
    for arg in std::env::args().skip(1) {
        if !mlsecops_pii::is_data_file_name(&arg) {
            continue;
        }
        let Ok(data) = std::fs::read(&arg) else {
            continue;
        };
        let start = Instant::now();
        let mut observations = 0usize;
        for _ in 0..10 {
            observations =
                mlsecops_pii::analyze_data_file(&arg, &data).map_or(0, |a| a.observations.len());
        }
        let secs = start.elapsed().as_secs_f64() / 10.0;
        println!(
            "{arg}: {:.2} MB, {observations} column findings, {:.4} s = {:.1} MB/s",
            data.len() as f64 / 1e6,
            secs,
            data.len() as f64 / 1e6 / secs
        );
    }
    let mut best = f64::MAX;
    let mut matches = 0usize;
    for _ in 0..3 {
        let start = Instant::now();
        matches = files.iter().map(|t| mlsecops_pii::scan_text(t).len()).sum();
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "{} files, {:.1} MB, {matches} matches, best of 3: {:.3} s = {:.1} MB/s",
        files.len(),
        total as f64 / 1e6,
        best,
        total as f64 / 1e6 / best
    );
}
