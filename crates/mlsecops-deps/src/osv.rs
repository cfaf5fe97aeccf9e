//! OSV records (ossf/osv-schema) reduced to what PyPI matching needs, with exact PEP 440
//! range evaluation.

use std::collections::Bound;
use std::str::FromStr;

use mlsecops_core::Severity;
use pep440_rs::Version;
use serde::Deserialize;
use serde_json::Value;
use version_ranges::Ranges;

use crate::pep::{normalize_name, parse_version};

/// One advisory, restricted to its PyPI packages.
#[derive(Debug, Clone)]
pub struct Advisory {
    /// OSV id (`GHSA-…`, `PYSEC-…`, `MAL-…`, `CVE-…`).
    pub id: String,
    /// Other ids of the same vulnerability.
    pub aliases: Vec<String>,
    /// One-line summary (or the start of `details`).
    pub summary: String,
    /// `modified` timestamp as written.
    pub modified: Option<String>,
    /// Severity from GHSA `database_specific.severity` or a CVSS vector.
    pub severity: Option<Severity>,
    /// OpenSSF malicious-packages record (`MAL-…`): any version is malicious.
    pub malicious: bool,
    /// Affected PyPI packages.
    pub packages: Vec<AffectedPackage>,
}

/// Affected versions of one PyPI package in one advisory.
#[derive(Debug, Clone)]
pub struct AffectedPackage {
    /// PEP 503 normalised name.
    pub name: String,
    /// Union of all evaluable ECOSYSTEM/SEMVER ranges (PEP 440 order).
    pub ranges: Ranges<Version>,
    /// Explicit `versions` that parse as PEP 440 (local labels stripped).
    pub versions: Vec<Version>,
    /// Explicit `versions` that are not PEP 440 (compared as exact strings).
    pub legacy_versions: Vec<String>,
    /// `fixed` events, as written.
    pub fixed: Vec<String>,
    /// Ranges that could not be evaluated (an event version is not PEP 440).
    pub skipped_ranges: usize,
}

impl AffectedPackage {
    /// `true` when `version` (local label already stripped) is affected.
    pub fn affects(&self, version: &Version) -> bool {
        self.ranges.contains(version) || self.versions.iter().any(|v| v == version)
    }

    /// `true` when the non-PEP 440 `raw` version is listed verbatim.
    pub fn affects_legacy(&self, raw: &str) -> bool {
        let raw = raw.trim();
        self.legacy_versions
            .iter()
            .any(|v| v.eq_ignore_ascii_case(raw))
    }

    /// Every affected version as one interval set.
    pub fn affected_set(&self) -> Ranges<Version> {
        self.versions.iter().fold(self.ranges.clone(), |acc, v| {
            acc.union(&Ranges::singleton(v.clone()))
        })
    }

    /// `fixed` versions above `version` in PEP 440 order (all when `version` is `None`).
    pub fn fixed_after(&self, version: Option<&Version>) -> Vec<String> {
        let mut out: Vec<(Version, &String)> = self
            .fixed
            .iter()
            .filter_map(|f| parse_version(f).map(|v| (v, f)))
            .filter(|(v, _)| version.is_none_or(|cur| v > cur))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out.dedup_by(|a, b| a.0 == b.0);
        out.into_iter().map(|(_, f)| f.clone()).collect()
    }
}

/// Why a record was not indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordOutcome {
    /// Indexed with this many PyPI packages.
    Indexed,
    /// `withdrawn` is set.
    Withdrawn,
    /// No PyPI package in `affected`.
    NotPyPi,
}

#[derive(Deserialize)]
struct RawRecord {
    id: String,
    modified: Option<String>,
    withdrawn: Option<String>,
    aliases: Option<Vec<String>>,
    summary: Option<String>,
    details: Option<String>,
    severity: Option<Vec<RawSeverity>>,
    affected: Option<Vec<RawAffected>>,
    database_specific: Option<Value>,
}

#[derive(Deserialize)]
struct RawSeverity {
    #[serde(rename = "type")]
    kind: Option<String>,
    score: Option<String>,
}

#[derive(Deserialize)]
struct RawAffected {
    package: Option<RawPackage>,
    ranges: Option<Vec<RawRange>>,
    versions: Option<Vec<String>>,
    severity: Option<Vec<RawSeverity>>,
}

#[derive(Deserialize)]
struct RawPackage {
    ecosystem: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
struct RawRange {
    #[serde(rename = "type")]
    kind: Option<String>,
    events: Option<Vec<serde_json::Map<String, Value>>>,
}

/// Parses one OSV JSON record. `Ok(None)`-like outcomes are reported through
/// [`RecordOutcome`].
pub fn parse_record(bytes: &[u8]) -> Result<(RecordOutcome, Option<Advisory>), String> {
    let raw: RawRecord = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    if raw.id.trim().is_empty() {
        return Err("record has an empty id".into());
    }
    if raw
        .withdrawn
        .as_deref()
        .is_some_and(|w| !w.trim().is_empty())
    {
        return Ok((RecordOutcome::Withdrawn, None));
    }
    let malicious = raw.id.starts_with("MAL-");
    let mut severity = raw
        .database_specific
        .as_ref()
        .and_then(|d| d.get("severity"))
        .and_then(Value::as_str)
        .and_then(ghsa_severity);
    if severity.is_none() {
        severity = raw.severity.as_deref().and_then(cvss_severity);
    }
    let mut packages = Vec::new();
    for affected in raw.affected.unwrap_or_default() {
        let Some(pkg) = affected.package else {
            continue;
        };
        if pkg.ecosystem.as_deref().map(str::trim) != Some("PyPI") {
            continue;
        }
        let Some(name) = pkg
            .name
            .as_deref()
            .map(normalize_name)
            .filter(|n| !n.is_empty())
        else {
            continue;
        };
        if severity.is_none() {
            severity = affected.severity.as_deref().and_then(cvss_severity);
        }
        packages.push(affected_package(name, affected.ranges, affected.versions));
    }
    if packages.is_empty() {
        return Ok((RecordOutcome::NotPyPi, None));
    }
    if malicious {
        severity = Some(Severity::Critical);
    }
    let summary = raw
        .summary
        .filter(|s| !s.trim().is_empty())
        .or_else(|| {
            raw.details
                .map(|d| d.lines().next().unwrap_or("").to_owned())
        })
        .unwrap_or_default();
    let mut aliases = raw.aliases.unwrap_or_default();
    aliases.retain(|a| !a.trim().is_empty() && *a != raw.id);
    Ok((
        RecordOutcome::Indexed,
        Some(Advisory {
            id: raw.id,
            aliases,
            summary: crate::pep::clip(summary.trim()),
            modified: raw.modified,
            severity,
            malicious,
            packages,
        }),
    ))
}

fn affected_package(
    name: String,
    ranges: Option<Vec<RawRange>>,
    versions: Option<Vec<String>>,
) -> AffectedPackage {
    let mut out = AffectedPackage {
        name,
        ranges: Ranges::empty(),
        versions: Vec::new(),
        legacy_versions: Vec::new(),
        fixed: Vec::new(),
        skipped_ranges: 0,
    };
    for raw in versions.unwrap_or_default() {
        match parse_version(&raw) {
            Some(v) => out.versions.push(v),
            None => out.legacy_versions.push(raw.trim().to_owned()),
        }
    }
    for range in ranges.unwrap_or_default() {
        let kind = range.kind.as_deref().unwrap_or("");
        if kind != "ECOSYSTEM" && kind != "SEMVER" {
            continue; // GIT ranges name commits; the `versions` list covers them.
        }
        let events = range.events.unwrap_or_default();
        for e in &events {
            if let Some(f) = e.get("fixed").and_then(Value::as_str) {
                out.fixed.push(f.trim().to_owned());
            }
        }
        match evaluate_events(&events) {
            Some(r) => out.ranges = out.ranges.union(&r),
            None => out.skipped_ranges = out.skipped_ranges.saturating_add(1),
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum EventKind {
    Introduced,
    Fixed,
    LastAffected,
    Limit,
}

/// Turns an OSV event list into the affected interval set, walking events in version order
/// (`introduced` opens, `fixed` closes exclusively, `last_affected` inclusively, `limit`
/// caps). `None` when an event version is not PEP 440.
pub(crate) fn evaluate_events(
    events: &[serde_json::Map<String, Value>],
) -> Option<Ranges<Version>> {
    // (version; None = "0" / "*"), kind
    let mut parsed: Vec<(Option<Version>, EventKind)> = Vec::new();
    let mut limits: Vec<Option<Version>> = Vec::new();
    for event in events {
        for (key, value) in event {
            let text = value.as_str()?.trim();
            let kind = match key.as_str() {
                "introduced" => EventKind::Introduced,
                "fixed" => EventKind::Fixed,
                "last_affected" => EventKind::LastAffected,
                "limit" => EventKind::Limit,
                _ => continue,
            };
            let version = if (kind == EventKind::Introduced && text == "0")
                || (kind == EventKind::Limit && text == "*")
            {
                None
            } else {
                Some(parse_version(text)?)
            };
            if kind == EventKind::Limit {
                limits.push(version);
            } else {
                parsed.push((version, kind));
            }
        }
    }
    // `None` (introduced "0") sorts first; ties keep introduced before closing events.
    parsed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut out = Ranges::empty();
    let mut open: Option<Bound<Version>> = None;
    for (version, kind) in parsed {
        match (kind, version) {
            (EventKind::Introduced, v) if open.is_none() => {
                open = Some(v.map_or(Bound::Unbounded, Bound::Included));
            }
            (EventKind::Fixed, Some(v)) => {
                if let Some(lo) = open.take() {
                    out = out.union(&Ranges::from_range_bounds((lo, Bound::Excluded(v))));
                }
            }
            (EventKind::LastAffected, Some(v)) => {
                if let Some(lo) = open.take() {
                    out = out.union(&Ranges::from_range_bounds((lo, Bound::Included(v))));
                }
            }
            _ => {}
        }
    }
    if let Some(lo) = open {
        out = out.union(&Ranges::from_range_bounds((
            lo,
            Bound::<Version>::Unbounded,
        )));
    }
    if !limits.is_empty() && limits.iter().all(Option::is_some) {
        // Affected only below some limit: cap at the highest one.
        if let Some(max) = limits.into_iter().flatten().max() {
            out = out.intersection(&Ranges::strictly_lower_than(max));
        }
    }
    Some(out)
}

/// GHSA `database_specific.severity` → severity.
pub(crate) fn ghsa_severity(s: &str) -> Option<Severity> {
    match s.trim().to_ascii_uppercase().as_str() {
        "CRITICAL" => Some(Severity::Critical),
        "HIGH" => Some(Severity::High),
        "MODERATE" | "MEDIUM" => Some(Severity::Medium),
        "LOW" => Some(Severity::Low),
        _ => None,
    }
}

/// Highest severity of the CVSS v3 vectors in an OSV `severity` list (v4-only records from
/// GitHub also carry `database_specific.severity`, which is preferred).
fn cvss_severity(list: &[RawSeverity]) -> Option<Severity> {
    list.iter()
        .filter(|s| s.kind.as_deref() == Some("CVSS_V3"))
        .filter_map(|s| cvss::Cvss::from_str(s.score.as_deref()?.trim()).ok())
        .map(|c| match c.severity() {
            cvss::Severity::None => Severity::Info,
            cvss::Severity::Low => Severity::Low,
            cvss::Severity::Medium => Severity::Medium,
            cvss::Severity::High => Severity::High,
            cvss::Severity::Critical => Severity::Critical,
        })
        .max()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn events(json: &str) -> Vec<serde_json::Map<String, Value>> {
        serde_json::from_str(json).unwrap()
    }

    fn v(s: &str) -> Version {
        parse_version(s).unwrap()
    }

    #[test]
    fn introduced_fixed_is_half_open() {
        let r = evaluate_events(&events(r#"[{"introduced":"1.0"},{"fixed":"2.0"}]"#)).unwrap();
        assert!(!r.contains(&v("0.9")));
        assert!(r.contains(&v("1.0")));
        assert!(r.contains(&v("2.0rc1")));
        assert!(!r.contains(&v("2.0")));
        assert!(!r.contains(&v("2.0.post1")));
    }

    #[test]
    fn last_affected_is_inclusive_and_events_are_sorted() {
        let r = evaluate_events(&events(
            r#"[{"last_affected":"0.2.71"},{"introduced":"0.2.30"}]"#,
        ))
        .unwrap();
        assert!(r.contains(&v("0.2.71")));
        assert!(r.contains(&v("0.2.30")));
        assert!(!r.contains(&v("0.2.71.post1")));
        assert!(!r.contains(&v("0.2.29")));
    }

    #[test]
    fn limit_caps_open_ranges() {
        let r = evaluate_events(&events(r#"[{"introduced":"0"},{"limit":"3.0"}]"#)).unwrap();
        assert!(r.contains(&v("0.1")));
        assert!(!r.contains(&v("3.0")));
        let star = evaluate_events(&events(r#"[{"introduced":"0"},{"limit":"*"}]"#)).unwrap();
        assert!(star.contains(&v("99")));
    }

    #[test]
    fn multiple_windows() {
        let r = evaluate_events(&events(
            r#"[{"introduced":"0"},{"fixed":"1.0"},{"introduced":"2.0"},{"fixed":"2.1"}]"#,
        ))
        .unwrap();
        assert!(r.contains(&v("0.5")));
        assert!(!r.contains(&v("1.5")));
        assert!(r.contains(&v("2.0.5")));
        assert!(!r.contains(&v("2.1")));
    }

    #[test]
    fn non_pep440_event_is_not_evaluable() {
        assert!(evaluate_events(&events(r#"[{"introduced":"0"},{"fixed":"2004d"}]"#)).is_none());
    }

    #[test]
    fn cvss_v3_is_the_fallback_and_ghsa_wins() {
        let rec = |sev: &str, db: &str| {
            format!(
                r#"{{"id":"X-1","severity":[{sev}],"database_specific":{db},
                "affected":[{{"package":{{"ecosystem":"PyPI","name":"p"}},"versions":["1"]}}]}}"#
            )
        };
        let v3 = r#"{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}"#;
        let parse = |s: String| parse_record(s.as_bytes()).unwrap().1.unwrap().severity;
        assert_eq!(parse(rec(v3, "{}")), Some(Severity::Critical));
        assert_eq!(parse(rec(v3, r#"{"severity":"LOW"}"#)), Some(Severity::Low));
        let v4 = r#"{"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}"#;
        assert_eq!(parse(rec(v4, "{}")), None, "v4 scoring is not built in");
    }

    #[test]
    fn ghsa_levels() {
        assert_eq!(ghsa_severity("MODERATE"), Some(Severity::Medium));
        assert_eq!(ghsa_severity("bogus"), None);
    }
}
