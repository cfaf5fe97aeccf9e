//! Secrets baseline (`.mlsecops-secrets-baseline.json`): accepted secrets, stored as SHA-256
//! only, so a scan fails only on new secrets. Entries that no longer match are reported.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Deserializer, Serialize};

use mlsecops_core::{Category, FileReport, FileStatus, Finding, Location};

/// Current baseline format version.
const VERSION: u32 = 1;
/// Largest baseline file read (bytes).
const MAX_BASELINE_BYTES: u64 = 64 << 20;
/// Registry rule of unused baseline entries.
const UNUSED_RULE: &str = "secret-baseline-unused";

/// Why a baseline could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// The file could not be read.
    #[error("{path}: cannot read secrets baseline: {source}")]
    Io {
        /// Baseline path.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The file is larger than the cap.
    #[error("{path}: secrets baseline is larger than {MAX_BASELINE_BYTES} bytes")]
    TooLarge {
        /// Baseline path.
        path: String,
    },
    /// Not valid JSON or not the baseline schema.
    #[error("{path}:{line}:{column}: invalid secrets baseline: {message}")]
    Parse {
        /// Baseline path.
        path: String,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What is wrong.
        message: String,
    },
}

/// One accepted secret.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    /// Registry rule id of the finding.
    pub rule: String,
    /// Detector id (informational).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detector: String,
    /// Lower-case hex SHA-256 of the secret.
    #[serde(deserialize_with = "sha256_hex")]
    pub secret_sha256: String,
    /// Line where it was found when the baseline was made (informational).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

fn sha256_hex<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let value = String::deserialize(deserializer)?;
    if value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(value.to_ascii_lowercase())
    } else {
        Err(serde::de::Error::custom(
            "secret_sha256 must be 64 hex digits (the baseline never stores secrets)",
        ))
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    #[serde(default)]
    generated_by: String,
    /// File path → accepted secrets.
    results: BTreeMap<String, Vec<BaselineEntry>>,
}

/// Accepted secrets, keyed by file path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    /// Where the baseline lives (unused entries are reported there).
    pub path: String,
    /// Normalised file path → entries.
    pub results: BTreeMap<String, Vec<BaselineEntry>>,
}

/// What applying a baseline did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BaselineOutcome {
    /// Findings removed because the baseline accepts them.
    pub suppressed: usize,
    /// Entries for scanned files that matched nothing (also added as findings).
    pub unused: Vec<(String, BaselineEntry)>,
    /// Entries for files that were not part of this scan (left alone).
    pub not_scanned: usize,
}

/// `./a/b` and `a\b` name the same file as `a/b`.
fn normalise(path: &str) -> String {
    let mut p = path.replace('\\', "/");
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.to_owned();
    }
    p
}

fn is_secret_finding(finding: &Finding) -> bool {
    finding.rule != UNUSED_RULE
        && mlsecops_core::rule(&finding.rule).is_some_and(|r| r.category == Category::Secrets)
}

impl Baseline {
    /// Default file name, looked up in the current directory.
    pub const DEFAULT_FILE: &'static str = ".mlsecops-secrets-baseline.json";

    /// Reads and parses a baseline file.
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let shown = path.display().to_string();
        let io = |source| BaselineError::Io {
            path: shown.clone(),
            source,
        };
        let size = std::fs::metadata(path).map_err(io)?.len();
        if size > MAX_BASELINE_BYTES {
            return Err(BaselineError::TooLarge { path: shown });
        }
        let text = std::fs::read_to_string(path).map_err(io)?;
        Baseline::parse(&text, &shown)
    }

    /// Parses baseline JSON; `path` names the file in errors and unused-entry findings.
    pub fn parse(text: &str, path: &str) -> Result<Baseline, BaselineError> {
        let file: BaselineFile = serde_json::from_str(text).map_err(|e| BaselineError::Parse {
            path: path.to_owned(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        if file.version != VERSION {
            return Err(BaselineError::Parse {
                path: path.to_owned(),
                line: 1,
                column: 1,
                message: format!("unsupported version {} (expected {VERSION})", file.version),
            });
        }
        let mut results: BTreeMap<String, Vec<BaselineEntry>> = BTreeMap::new();
        for (file_path, entries) in file.results {
            results
                .entry(normalise(&file_path))
                .or_default()
                .extend(entries);
        }
        Ok(Baseline {
            path: path.to_owned(),
            results,
        })
    }

    /// A baseline accepting every secret finding (findings carrying `secret_sha256`) in `files`.
    pub fn from_files(files: &[FileReport]) -> Baseline {
        let mut results: BTreeMap<String, BTreeSet<BaselineEntry>> = BTreeMap::new();
        for file in files {
            for finding in &file.findings {
                if !is_secret_finding(finding) {
                    continue;
                }
                let Some(sha) = finding.evidence.get("secret_sha256") else {
                    continue;
                };
                let set = results
                    .entry(normalise(&finding.location.path))
                    .or_default();
                if set.iter().any(|e| &e.secret_sha256 == sha) {
                    continue;
                }
                set.insert(BaselineEntry {
                    rule: finding.rule.clone(),
                    detector: finding
                        .evidence
                        .get("detector")
                        .cloned()
                        .unwrap_or_default(),
                    secret_sha256: sha.clone(),
                    line: finding.location.line,
                });
            }
        }
        Baseline {
            path: Baseline::DEFAULT_FILE.to_owned(),
            results: results
                .into_iter()
                .map(|(k, v)| (k, v.into_iter().collect()))
                .collect(),
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.results.values().map(Vec::len).sum()
    }

    /// True when the baseline accepts nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Pretty JSON of the baseline (hashes only, never secrets).
    pub fn to_json(&self) -> String {
        let file = BaselineFile {
            version: VERSION,
            generated_by: format!("mlsecops {}", env!("CARGO_PKG_VERSION")),
            results: self.results.clone(),
        };
        let mut json = serde_json::to_string_pretty(&file).unwrap_or_default();
        json.push('\n');
        json
    }

    /// Removes findings whose (path, secret SHA-256) the baseline accepts, and reports entries
    /// for scanned files that matched nothing as `secret-baseline-unused` findings located at
    /// the baseline file. Entries for files outside this scan are left alone.
    pub fn apply(&self, files: &mut Vec<FileReport>) -> BaselineOutcome {
        let mut outcome = BaselineOutcome::default();
        let mut used: BTreeSet<(String, String)> = BTreeSet::new();
        let mut scanned: BTreeSet<String> = BTreeSet::new();
        for file in files.iter_mut() {
            scanned.insert(normalise(&file.path));
            file.findings.retain(|finding| {
                if !is_secret_finding(finding) {
                    return true;
                }
                let Some(sha) = finding.evidence.get("secret_sha256") else {
                    return true;
                };
                let path = normalise(&finding.location.path);
                let accepted = self
                    .results
                    .get(&path)
                    .is_some_and(|entries| entries.iter().any(|e| &e.secret_sha256 == sha));
                if accepted {
                    used.insert((path, sha.clone()));
                    outcome.suppressed += 1;
                }
                !accepted
            });
        }
        let mut unused_findings = Vec::new();
        for (path, entries) in &self.results {
            for entry in entries {
                if !scanned.contains(path) {
                    outcome.not_scanned += 1;
                    continue;
                }
                if used.contains(&(path.clone(), entry.secret_sha256.clone())) {
                    continue;
                }
                let short = entry.secret_sha256.get(..12).unwrap_or_default();
                let finding = Finding::new(
                    UNUSED_RULE,
                    format!(
                        "secrets baseline entry for {path} ({}, sha256 {short}…) matched nothing",
                        entry.rule
                    ),
                    Location::file(self.path.clone()),
                )
                .with_evidence("baselined_path", path.clone())
                .with_evidence("secret_sha256", entry.secret_sha256.clone());
                unused_findings.push(finding);
                outcome.unused.push((path.clone(), entry.clone()));
            }
        }
        if !unused_findings.is_empty() {
            let normalised = normalise(&self.path);
            if let Some(report) = files.iter_mut().find(|f| normalise(&f.path) == normalised) {
                report.findings.extend(unused_findings);
            } else {
                let size = std::fs::metadata(&self.path).map_or(0, |m| m.len());
                files.push(FileReport {
                    path: self.path.clone(),
                    format: "secrets-baseline".to_owned(),
                    status: FileStatus::Complete,
                    reason: None,
                    size,
                    findings: unused_findings,
                });
            }
        }
        outcome
    }
}
