//! The scanning engine of mlsecops: walks files and directories, sniffs every file and
//! archive member by content (never by extension alone), recurses through containers under
//! depth, size and ratio caps, and hands pickle streams to [`mlsecops_pickle`].
//!
//! The result for each file is a [`FileReport`] with findings and an honest status: a file
//! that was not fully analysed is `inconclusive`, `error` or `unsupported`, never clean.
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod engine;
mod formats;
mod numpy;
mod sniff;
mod source;
mod text;
mod walk;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use mlsecops_core::FileReport;
use rayon::prelude::*;

pub use sniff::{Sniffed, sniff};
pub use walk::{Target, collect_targets};

/// Caps that bound the work done on one top-level file, whatever its content.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Pickle VM limits.
    pub pickle: mlsecops_pickle::Limits,
    /// Maximum container nesting (ZIP in gzip in tar…). Default 5.
    pub max_depth: usize,
    /// Maximum bytes decompressed in total for one top-level file. Default 4 GiB.
    pub max_decompressed: u64,
    /// Maximum size of one decompressed member or stream. Default 2 GiB.
    pub max_member_size: u64,
    /// Maximum number of entries read from one archive. Default 65,536.
    pub max_entries: usize,
    /// Maximum findings kept per file (the rest are counted). Default 10,000.
    pub max_findings: usize,
    /// Maximum bytes of one text file read by the secrets and PII passes; larger files are
    /// read up to the cap and reported inconclusive. Default 256 MiB.
    pub max_text_size: u64,
    /// OSV advisories for dependency manifests and notebook `pip install` lines (`None`:
    /// the built-in seed set).
    pub advisories: Option<std::sync::Arc<mlsecops_deps::AdvisoryDb>>,
    /// Scanners (rule categories) switched off: the text passes for `secrets`, `pii`,
    /// `dependency`, `code` and `posture` are not run. (Findings of other disabled
    /// categories are dropped by the caller, e.g. the project config.)
    pub disabled: Vec<mlsecops_core::Category>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            pickle: mlsecops_pickle::Limits::default(),
            max_depth: 5,
            max_decompressed: 4 << 30,
            max_member_size: 2 << 30,
            max_entries: 65_536,
            max_findings: 10_000,
            max_text_size: 256 << 20,
            advisories: None,
            disabled: Vec::new(),
        }
    }
}

/// Scans files and directories.
#[derive(Debug, Clone, Default)]
pub struct Scanner {
    options: ScanOptions,
}

impl Scanner {
    /// A scanner with the given caps.
    pub fn new(options: ScanOptions) -> Self {
        Scanner { options }
    }

    /// Walks `paths` and scans every file in parallel. `on_file` is called once per finished
    /// file (from worker threads), e.g. to drive a progress bar. Paths that cannot be read
    /// become `error` reports; the run always continues.
    pub fn scan_paths(
        &self,
        paths: &[PathBuf],
        on_file: &(dyn Fn(&FileReport) + Sync),
    ) -> Vec<FileReport> {
        let (targets, mut reports) = collect_targets(paths);
        reports.extend(self.scan_targets(&targets, on_file));
        reports.sort_by(|a, b| a.path.cmp(&b.path));
        reports
    }

    /// Scans already collected targets in parallel (see [`collect_targets`]).
    ///
    /// ONNX models are scanned first: the external-data files they name inside their own
    /// directory are then reported as `onnx-external-data` instead of unrecognised bytes.
    pub fn scan_targets(
        &self,
        targets: &[Target],
        on_file: &(dyn Fn(&FileReport) + Sync),
    ) -> Vec<FileReport> {
        let is_onnx = |t: &Target| {
            t.path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("onnx"))
        };
        let (models, rest): (Vec<&Target>, Vec<&Target>) = targets.iter().partition(|t| is_onnx(t));
        let first: Vec<(FileReport, Vec<PathBuf>)> = models
            .par_iter()
            .map(|target| {
                let out = self.scan_target(target, engine::Hint::None);
                on_file(&out.0);
                out
            })
            .collect();
        let mut claimed = HashSet::new();
        let mut reports = Vec::with_capacity(targets.len());
        for (report, claims) in first {
            claimed.extend(claims);
            reports.push(report);
        }
        reports.par_extend(rest.par_iter().map(|target| {
            let hint = if claimed.contains(&formats::normalise(&target.path)) {
                engine::Hint::OnnxExternalData
            } else {
                engine::Hint::None
            };
            let (report, _) = self.scan_target(target, hint);
            on_file(&report);
            report
        }));
        reports
    }

    fn scan_target(&self, target: &Target, hint: engine::Hint) -> (FileReport, Vec<PathBuf>) {
        let display = target.path.to_string_lossy().into_owned();
        match source::Source::open(&target.path) {
            Ok(source) => engine::scan(
                &self.options,
                &display,
                source.bytes(),
                target.explicit,
                hint,
            ),
            Err(err) => (
                engine::error_report(display, format!("cannot read file: {err}")),
                Vec::new(),
            ),
        }
    }

    /// Scans one file. `explicit` means the user named it directly (then an unrecognised
    /// file is `unsupported`, not `skipped`).
    pub fn scan_file(&self, path: &Path, explicit: bool) -> FileReport {
        let target = Target {
            path: path.to_path_buf(),
            explicit,
        };
        self.scan_target(&target, engine::Hint::None).0
    }

    /// Scans an in-memory file; `display_path` names it in the report and its file name is
    /// used for name-based hints (never for routing alone).
    pub fn scan_bytes(&self, display_path: &str, data: &[u8], explicit: bool) -> FileReport {
        engine::scan(
            &self.options,
            display_path,
            data,
            explicit,
            engine::Hint::None,
        )
        .0
    }
}
