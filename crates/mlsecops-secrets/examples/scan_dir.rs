//! Prints every secret match under a directory (`path:line:column detector masked`), for
//! tuning rules against real trees (false-positive hunting).
//!
//! ```text
//! cargo run --release -p mlsecops-secrets --example scan_dir -- DIR [MAX_FILE_BYTES]
//! ```
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::path::Path;

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => walk(&path, out),
            Ok(t) if t.is_file() => out.push(path),
            _ => {}
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: scan_dir DIR [MAX_FILE_BYTES]");
        return;
    };
    let max: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(8 << 20);
    let mut files = Vec::new();
    walk(Path::new(dir), &mut files);
    files.sort();
    let (mut bytes, mut per_detector) = (0u64, BTreeMap::<&str, usize>::new());
    for file in &files {
        if std::fs::metadata(file).map_or(true, |m| m.len() > max) {
            continue;
        }
        let Ok(text) = std::fs::read(file) else {
            continue;
        };
        bytes += text.len() as u64;
        for m in mlsecops_secrets::scan(&text) {
            *per_detector.entry(m.detector).or_default() += 1;
            println!(
                "{}:{}:{} {} {}",
                file.display(),
                m.line,
                m.column,
                m.detector,
                m.masked
            );
        }
    }
    eprintln!(
        "{} files, {bytes} bytes; matches per detector: {per_detector:?}",
        files.len()
    );
}
