//! Reads `tests/fixtures/manifest.toml` and checks one `FormatAnalysis` per fixture.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::str::FromStr;

use mlsecops_core::{FormatAnalysis, Severity};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Manifest {
    pub fixture: Vec<Fixture>,
}

#[derive(Debug, Deserialize)]
pub struct Fixture {
    pub path: String,
    pub technique: String,
    #[serde(default)]
    pub verdict: Option<String>,
    #[serde(default)]
    pub min_severity: Option<String>,
    #[serde(default)]
    pub rules: Vec<String>,
    #[serde(default)]
    pub status: Option<String>,
}

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn manifest() -> Manifest {
    let path = fixtures_dir().join("manifest.toml");
    let text = std::fs::read_to_string(&path).expect("manifest");
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn severity(rule: &str) -> Severity {
    mlsecops_core::rule(rule)
        .unwrap_or_else(|| panic!("rule {rule} is not in the registry"))
        .severity
}

/// Checks every manifest entry with `analyse`; returns the number of (benign, malicious).
pub fn check_all(analyse: impl Fn(&Path) -> FormatAnalysis) -> (usize, usize) {
    let m = manifest();
    let mut errors = Vec::new();
    let (mut benign, mut malicious) = (0, 0);
    for f in &m.fixture {
        let path = fixtures_dir().join(&f.path);
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
                if max.is_none_or(|s| s < want.max(Severity::High)) {
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
