//! Expands command-line paths into the files to scan.

use std::path::PathBuf;

use mlsecops_core::FileReport;

use crate::engine::error_report;

/// One file to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Path to the file.
    pub path: PathBuf,
    /// Named directly on the command line (as opposed to found by walking a directory).
    pub explicit: bool,
}

/// Expands `paths`: files are kept, directories are walked recursively (hidden files
/// included, ignore files not honoured — attackers hide payloads there; `.git` is skipped;
/// symbolic links are followed, loops are reported). Paths that cannot be read become
/// `error` reports so nothing is silently lost.
pub fn collect_targets(paths: &[PathBuf]) -> (Vec<Target>, Vec<FileReport>) {
    let mut targets = Vec::new();
    let mut errors = Vec::new();
    for root in paths {
        match std::fs::metadata(root) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                targets.push(Target {
                    path: root.clone(),
                    explicit: true,
                });
                continue;
            }
            Err(err) => {
                errors.push(error_report(
                    root.to_string_lossy().into_owned(),
                    err.to_string(),
                ));
                continue;
            }
        }
        let walker = ignore::WalkBuilder::new(root)
            .standard_filters(false)
            .follow_links(true)
            .filter_entry(|entry| entry.file_name() != ".git")
            .build();
        for entry in walker {
            match entry {
                Ok(entry) => {
                    if entry.file_type().is_some_and(|t| t.is_file()) {
                        targets.push(Target {
                            path: entry.into_path(),
                            explicit: false,
                        });
                    }
                }
                Err(err) => {
                    let path = match &err {
                        ignore::Error::WithPath { path, .. } => path.to_string_lossy().into_owned(),
                        _ => root.to_string_lossy().into_owned(),
                    };
                    errors.push(error_report(path, err.to_string()));
                }
            }
        }
    }
    targets.sort_by(|a, b| a.path.cmp(&b.path));
    targets.dedup_by(|a, b| a.path == b.path);
    (targets, errors)
}
