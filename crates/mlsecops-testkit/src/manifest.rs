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

/// Checks every entry of `<fixtures_dir>/manifest.toml` with `analyse`: single files
/// directly, directory fixtures file by file from their `[[fixture.files]]`. Rules must be
/// present, malicious entries reach `min_severity` (default high; only malformed-input entries
/// declare less), benign entries stay below high, and the status matches. Returns the number
/// of (benign, malicious) files checked.
pub fn check_all(fixtures_dir: &Path, analyse: impl Fn(&Path) -> FormatAnalysis) -> (usize, usize) {
    let m = load(fixtures_dir);
    let mut errors = Vec::new();
    let mut counts = (0, 0);
    for f in &m.fixture {
        let path = fixtures_dir.join(&f.path);
        if f.files.is_empty() {
            let want = Want {
                label: format!("{} ({})", f.path, f.technique),
                verdict: f.verdict.as_deref(),
                min_severity: f.min_severity.as_deref(),
                rules: &f.rules,
                status: f.status.as_deref(),
            };
            check_one(&analyse(&path), &want, &mut counts, &mut errors);
        } else {
            for e in &f.files {
                let want = Want {
                    label: format!("{}/{} ({})", f.path, e.path, f.technique),
                    // A file without its own verdict inherits the fixture's.
                    verdict: e.verdict.as_deref().or(f.verdict.as_deref()),
                    min_severity: e.min_severity.as_deref(),
                    rules: &e.rules,
                    status: Some(e.status.as_str()),
                };
                check_one(
                    &analyse(&path.join(&e.path)),
                    &want,
                    &mut counts,
                    &mut errors,
                );
            }
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    counts
}

struct Want<'a> {
    label: String,
    verdict: Option<&'a str>,
    min_severity: Option<&'a str>,
    rules: &'a [String],
    status: Option<&'a str>,
}

fn check_one(
    a: &FormatAnalysis,
    want: &Want<'_>,
    counts: &mut (usize, usize),
    errors: &mut Vec<String>,
) {
    let max = a.observations.iter().map(|o| severity(o.rule)).max();
    let ids: Vec<&str> = a.observations.iter().map(|o| o.rule).collect();
    let status = if a.incomplete.is_some() {
        "inconclusive"
    } else {
        "complete"
    };
    let ctx = format!(
        "{}: rules {ids:?}, incomplete {:?}",
        want.label, a.incomplete
    );
    match want.verdict {
        Some("benign") => {
            counts.0 += 1;
            if max.is_some_and(|s| s >= Severity::High) {
                errors.push(format!("benign fixture has a finding >= high: {ctx}"));
            }
        }
        Some("malicious") => {
            counts.1 += 1;
            let min = want
                .min_severity
                .map_or(Severity::High, |s| Severity::from_str(s).unwrap());
            if max.is_none_or(|s| s < min) {
                errors.push(format!("malicious fixture below {min:?}: {ctx}"));
            }
        }
        // Directory files without a verdict: only rules and status are checked.
        None => {}
        Some(other) => errors.push(format!("bad verdict {other:?}: {ctx}")),
    }
    for r in want.rules {
        if !ids.contains(&r.as_str()) {
            errors.push(format!("missing rule {r}: {ctx}"));
        }
    }
    if let Some(expected) = want.status
        && expected != status
    {
        errors.push(format!("status {status}, expected {expected}: {ctx}"));
    }
}
