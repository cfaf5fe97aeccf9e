//! Fixture manifests (`crates/<crate>/tests/fixtures/manifest.toml`): one `[[fixture]]` per
//! file or directory with its expected verdict, minimum severity, rules and status. The scan
//! crate runs every manifest through the whole scanner; format crates check their analyser
//! directly with [`check_all`].

use std::path::Path;
use std::str::FromStr;

use mlsecops_core::{FormatAnalysis, Severity};
use serde::Deserialize;

/// A whole manifest.
#[derive(Debug, Deserialize)]
pub struct Manifest {
    /// Entries in file order.
    pub fixture: Vec<Fixture>,
}

/// One fixture file or directory.
#[derive(Debug, Deserialize)]
pub struct Fixture {
    /// Path relative to the manifest's directory.
    pub path: String,
    /// Technique id from the format reference (`E5`, `A10`…) or `benign`.
    pub technique: String,
    /// `benign` or `malicious`.
    #[serde(default)]
    pub verdict: Option<String>,
    /// Malicious only: the highest finding must reach this (default high).
    #[serde(default)]
    pub min_severity: Option<String>,
    /// Rule ids that must appear (a minimum, not an exhaustive list).
    #[serde(default)]
    pub rules: Vec<String>,
    /// Expected status of a single-file fixture: `complete` or `inconclusive`.
    #[serde(default)]
    pub status: Option<String>,
    /// Per-file expectations of a directory fixture.
    #[serde(default)]
    pub files: Vec<Expectation>,
}

/// Expectation for one file of a directory fixture.
#[derive(Debug, Deserialize)]
pub struct Expectation {
    /// Path relative to the fixture directory.
    pub path: String,
    /// `benign` or `malicious`.
    #[serde(default)]
    pub verdict: Option<String>,
    /// As [`Fixture::min_severity`].
    #[serde(default)]
    pub min_severity: Option<String>,
    /// As [`Fixture::rules`].
    #[serde(default)]
    pub rules: Vec<String>,
    /// Expected per-file status.
    pub status: String,
}

/// Reads `<fixtures_dir>/manifest.toml`.
pub fn load(fixtures_dir: &Path) -> Manifest {
    let path = fixtures_dir.join("manifest.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn severity(rule: &str) -> Severity {
    mlsecops_core::rule(rule)
        .unwrap_or_else(|| panic!("rule {rule} is not in the registry"))
        .severity
}

/// Checks every single-file entry of `<fixtures_dir>/manifest.toml` with `analyse` (rules
/// present, malicious at or above `max(min_severity, high)` unless a lower `min_severity` is
/// declared for malformed input, benign below high, status); returns (benign, malicious).
pub fn check_all(fixtures_dir: &Path, analyse: impl Fn(&Path) -> FormatAnalysis) -> (usize, usize) {
    let m = load(fixtures_dir);
    let mut errors = Vec::new();
    let (mut benign, mut malicious) = (0, 0);
    for f in &m.fixture {
        let path = fixtures_dir.join(&f.path);
        let a = analyse(&path);
        for o in &a.observations {
            severity(o.rule);
        }
        let max = a.observations.iter().map(|o| severity(o.rule)).max();
        let ids: Vec<&str> = a.observations.iter().map(|o| o.rule).collect();
        let status = if a.incomplete.is_some() {
            "inconclusive"
        } else {
            "complete"
        };
        let ctx = format!(
            "{} ({}): rules {ids:?}, incomplete {:?}",
            f.path, f.technique, a.incomplete
        );
        match f.verdict.as_deref() {
            Some("benign") => {
                benign += 1;
                if max.is_some_and(|s| s >= Severity::High) {
                    errors.push(format!("benign fixture has a finding >= high: {ctx}"));
                }
            }
            Some("malicious") => {
                malicious += 1;
                let want = f
                    .min_severity
                    .as_deref()
                    .map_or(Severity::High, |s| Severity::from_str(s).unwrap());
                if max.is_none_or(|s| s < want) {
                    errors.push(format!("malicious fixture below {want:?}: {ctx}"));
                }
            }
            other => errors.push(format!("bad verdict {other:?}: {ctx}")),
        }
        for r in &f.rules {
            if !ids.contains(&r.as_str()) {
                errors.push(format!("missing rule {r}: {ctx}"));
            }
        }
        if let Some(want) = f.status.as_deref()
            && want != status
        {
            errors.push(format!("status {status}, expected {want}: {ctx}"));
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    (benign, malicious)
}
