//! Waivers: accepted findings with a reason, an owner and an expiry date.
//!
//! A waiver file (`.mlsecops-waivers.toml`, or `[[waiver]]` tables inside `mlsecops.toml`)
//! holds `[[waiver]]` tables:
//!
//! ```toml
//! [[waiver]]
//! rule = "pickle-unknown-global"      # rule id from the registry, or "*"
//! path = "models/legacy/**"           # glob relative to this file's directory
//! fingerprint = "0123…"               # optional: pin to one finding
//! reason = "vendor model, reviewed in SEC-123"
//! owner = "ml-platform@example.com"
//! expires = "2027-03-31"              # last day the waiver applies (UTC)
//! ```
//!
//! A finding matched by a waiver that has not expired keeps being reported but carries an
//! [`AppliedWaiver`] and no longer fails the run. Expired waivers waive nothing; they and the
//! waivers that matched nothing are listed in the run's [`WaiverReport`].

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use mlsecops_core::{AppliedWaiver, Finding, ScanReport, WaiverEntry, WaiverReport, WaiverState};
use serde::Deserialize;
use toml::Spanned;

use crate::{ConfigError, expand_pattern, normalize};

/// Default name of the waiver file, looked up next to the config file and at the scan root.
pub const WAIVERS_FILE_NAME: &str = ".mlsecops-waivers.toml";

/// Most waiver entries accepted from one file (a cap on input-controlled work).
pub const MAX_WAIVERS: usize = 10_000;

/// A calendar date (proleptic Gregorian, UTC), parsed from and shown as `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

/// Why a `YYYY-MM-DD` string is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid date `{0}`: expected YYYY-MM-DD (a real calendar day)")]
pub struct DateError(String);

impl Date {
    /// Builds a date, checking the day exists in that month.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        let leap =
            (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (year >= 1 && (1..=days).contains(&day)).then_some(Date { year, month, day })
    }

    /// The date `days` days after 1970-01-01 (negative: before).
    pub fn from_unix_days(days: i64) -> Option<Date> {
        let (year, month, day) = mlsecops_core::calendar::civil_from_days(days)?;
        Date::new(
            u16::try_from(year).ok()?,
            u8::try_from(month).ok()?,
            u8::try_from(day).ok()?,
        )
    }

    /// Today's date in UTC from the system clock.
    pub fn today_utc() -> Option<Date> {
        let secs = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
        Date::from_unix_days(i64::try_from(secs / 86_400).ok()?)
    }
}

impl std::str::FromStr for Date {
    type Err = DateError;

    fn from_str(s: &str) -> Result<Date, DateError> {
        let err = || DateError(s.to_owned());
        let bytes = s.as_bytes();
        let shape_ok = bytes.len() == 10
            && bytes.get(4) == Some(&b'-')
            && bytes.get(7) == Some(&b'-')
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shape_ok {
            return Err(err());
        }
        let year = s.get(0..4).and_then(|p| p.parse().ok()).ok_or_else(err)?;
        let month = s.get(5..7).and_then(|p| p.parse().ok()).ok_or_else(err)?;
        let day = s.get(8..10).and_then(|p| p.parse().ok()).ok_or_else(err)?;
        Date::new(year, month, day).ok_or_else(err)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// One validated `[[waiver]]` entry.
#[derive(Debug, Clone)]
pub struct Waiver {
    /// `file:line` of the `[[waiver]]` table (stable id in reports).
    pub id: String,
    /// Rule id, or `*` for any rule.
    pub rule: String,
    /// Path glob as written (relative to [`Waiver::base_dir`]).
    pub path: String,
    /// Finding fingerprint the waiver is pinned to.
    pub fingerprint: Option<String>,
    /// Why the finding is accepted.
    pub reason: String,
    /// Who accepted it.
    pub owner: String,
    /// Last day the waiver applies.
    pub expires: Date,
    /// Directory the path glob is relative to (the waiver file's directory).
    pub base_dir: PathBuf,
    matcher: GlobSet,
    /// `base_dir` made absolute and normalised (against the current directory at parse time).
    abs_base: Option<PathBuf>,
}

impl PartialEq for Waiver {
    fn eq(&self, other: &Self) -> bool {
        // `matcher` is compiled from `path`.
        self.id == other.id
            && self.rule == other.rule
            && self.path == other.path
            && self.fingerprint == other.fingerprint
            && self.reason == other.reason
            && self.owner == other.owner
            && self.expires == other.expires
            && self.base_dir == other.base_dir
    }
}

impl Eq for Waiver {}

impl Waiver {
    /// Whether this waiver covers `finding` (ignoring expiry).
    pub fn matches(&self, finding: &Finding) -> bool {
        self.matches_prepared(finding, &PreparedPath::new(&finding.location.path))
    }

    fn matches_prepared(&self, finding: &Finding, path: &PreparedPath) -> bool {
        (self.rule == "*" || self.rule == finding.rule)
            && self
                .fingerprint
                .as_ref()
                .is_none_or(|fp| fp.eq_ignore_ascii_case(&finding.fingerprint))
            && self.matches_path_prepared(path)
    }

    /// Whether `path` (as reported) matches the glob: relative to the waiver file's
    /// directory, or as given when it lies outside that directory.
    pub fn matches_path(&self, path: &Path) -> bool {
        self.matches_path_prepared(&PreparedPath::new(path))
    }

    fn matches_path_prepared(&self, path: &PreparedPath) -> bool {
        if self.matcher.is_match(&path.given) {
            return true;
        }
        let (Some(abs_path), Some(abs_base)) = (&path.absolute, &self.abs_base) else {
            return false;
        };
        abs_path
            .strip_prefix(abs_base)
            .is_ok_and(|rel| self.matcher.is_match(rel))
    }

    /// Whether the waiver is past its expiry on `today`.
    pub fn is_expired(&self, today: Date) -> bool {
        today > self.expires
    }
}

/// A finding's path, normalised as given and made absolute once for all waivers.
struct PreparedPath {
    given: PathBuf,
    absolute: Option<PathBuf>,
}

impl PreparedPath {
    fn new(path: impl AsRef<Path>) -> Self {
        let path = path.as_ref();
        PreparedPath {
            given: normalize(path),
            absolute: std::path::absolute(path).ok().map(|p| normalize(&p)),
        }
    }
}

/// `[[waiver]]` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWaiver {
    rule: Option<Spanned<String>>,
    path: Option<Spanned<String>>,
    fingerprint: Option<Spanned<String>>,
    reason: Option<Spanned<String>>,
    owner: Option<Spanned<String>>,
    expires: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiverFile {
    #[serde(default)]
    waiver: Vec<Spanned<RawWaiver>>,
}

/// Validates raw `[[waiver]]` tables of `text` (the file at `path`).
pub(crate) fn validate(
    raw: &[Spanned<RawWaiver>],
    text: &str,
    path: &Path,
) -> Result<Vec<Waiver>, ConfigError> {
    let invalid =
        |span: Range<usize>, message: String| ConfigError::invalid(path, text, Some(span), message);
    if raw.len() > MAX_WAIVERS {
        return Err(invalid(
            0..0,
            format!("more than {MAX_WAIVERS} waivers in one file"),
        ));
    }
    let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let abs_base = std::path::absolute(if base_dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        &base_dir
    })
    .ok()
    .map(|p| normalize(&p));
    let mut out = Vec::with_capacity(raw.len());
    // Line numbers are counted incrementally (tables come in file order), so ids cost one
    // pass over the text rather than one per table.
    let (mut counted_to, mut line) = (0usize, 1usize);
    for entry in raw {
        let table = entry.span();
        let start = table.start.min(text.len());
        if start >= counted_to {
            line += text
                .get(counted_to..start)
                .map_or(0, |part| part.matches('\n').count());
        } else {
            line = text
                .get(..start)
                .map_or(1, |before| before.matches('\n').count() + 1);
        }
        counted_to = start;
        let id = format!("{}:{line}", path.display());
        let entry = entry.get_ref();
        let required = |value, key| required(value, key, &table, text, path);
        let rule_id = required(entry.rule.as_ref(), "rule")?;
        if rule_id.get_ref() != "*" && mlsecops_core::rule(rule_id.get_ref()).is_none() {
            return Err(invalid(
                rule_id.span(),
                format!(
                    "unknown rule id `{}` (`mlsecops rules` lists them; `*` waives any rule)",
                    rule_id.get_ref()
                ),
            ));
        }
        let glob = required(entry.path.as_ref(), "path")?;
        let mut builder = GlobSetBuilder::new();
        for pattern in expand_pattern(glob.get_ref()) {
            let compiled = GlobBuilder::new(&pattern)
                .literal_separator(true)
                .build()
                .map_err(|err| {
                    invalid(
                        glob.span(),
                        format!("invalid path glob `{}`: {}", glob.get_ref(), err.kind()),
                    )
                })?;
            builder.add(compiled);
        }
        if glob.get_ref().trim_matches('/').is_empty() {
            return Err(invalid(glob.span(), "empty path glob".to_owned()));
        }
        let matcher = builder
            .build()
            .map_err(|err| invalid(glob.span(), format!("path glob: {err}")))?;
        let fingerprint = match &entry.fingerprint {
            Some(fp) => {
                let value = fp.get_ref();
                if value.is_empty() || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(invalid(
                        fp.span(),
                        "`fingerprint` must be the hex fingerprint of a finding".to_owned(),
                    ));
                }
                Some(value.to_ascii_lowercase())
            }
            None => None,
        };
        let reason = required(entry.reason.as_ref(), "reason")?;
        let owner = required(entry.owner.as_ref(), "owner")?;
        let expires_raw = required(entry.expires.as_ref(), "expires")?;
        let expires = expires_raw
            .get_ref()
            .parse::<Date>()
            .map_err(|err| invalid(expires_raw.span(), err.to_string()))?;
        out.push(Waiver {
            id,
            rule: rule_id.get_ref().clone(),
            path: glob.get_ref().clone(),
            fingerprint,
            reason: reason.get_ref().trim().to_owned(),
            owner: owner.get_ref().trim().to_owned(),
            expires,
            base_dir: base_dir.clone(),
            matcher,
            abs_base: abs_base.clone(),
        });
    }
    Ok(out)
}

/// The value of required key `key`, which must be present and not blank.
fn required<'a>(
    value: Option<&'a Spanned<String>>,
    key: &str,
    table: &Range<usize>,
    text: &str,
    path: &Path,
) -> Result<&'a Spanned<String>, ConfigError> {
    let Some(value) = value else {
        return Err(ConfigError::invalid(
            path,
            text,
            Some(table.clone()),
            format!("waiver lacks the required key `{key}`"),
        ));
    };
    if value.get_ref().trim().is_empty() {
        return Err(ConfigError::invalid(
            path,
            text,
            Some(value.span()),
            format!("`{key}` is empty"),
        ));
    }
    Ok(value)
}

/// Waivers from one or more sources, ready to apply to a report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Waivers {
    /// Files the entries came from, in load order.
    pub sources: Vec<PathBuf>,
    /// Every entry, in file order.
    pub entries: Vec<Waiver>,
}

impl Waivers {
    /// Parses a waiver file's `text`; `path` names it in errors and ids and gives the
    /// directory path globs are relative to. Unknown keys, unknown rule ids, bad globs and
    /// bad dates are errors with `file:line:column`.
    pub fn from_str(text: &str, path: &Path) -> Result<Waivers, ConfigError> {
        let raw: RawWaiverFile = toml::from_str(text).map_err(|err| {
            ConfigError::invalid(path, text, err.span(), err.message().to_owned())
        })?;
        Ok(Waivers {
            sources: vec![path.to_path_buf()],
            entries: validate(&raw.waiver, text, path)?,
        })
    }

    /// Reads and parses the waiver file at `path`.
    pub fn load(path: &Path) -> Result<Waivers, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Io {
            path: path.to_path_buf(),
            error,
        })?;
        Waivers::from_str(&text, path)
    }

    /// Appends the entries of `other`.
    pub fn extend(&mut self, other: Waivers) {
        self.sources.extend(other.sources);
        self.entries.extend(other.entries);
    }

    fn apply_one(
        entries: &[Waiver],
        matched: &mut [usize],
        finding: &mut Finding,
        path: &PreparedPath,
        today: Date,
    ) {
        for (index, waiver) in entries.iter().enumerate() {
            if !waiver.matches_prepared(finding, path) {
                continue;
            }
            let expired = waiver.is_expired(today);
            if (expired || finding.waiver.is_none())
                && let Some(n) = matched.get_mut(index)
            {
                *n = n.saturating_add(1);
            }
            if !expired && finding.waiver.is_none() {
                finding.waiver = Some(AppliedWaiver {
                    id: waiver.id.clone(),
                    reason: waiver.reason.clone(),
                    owner: waiver.owner.clone(),
                    expires: waiver.expires.to_string(),
                });
            }
        }
    }

    /// Applies the waivers to `report` as of `today`: every finding matched by an unexpired
    /// waiver (the first one in file order) gets [`Finding::waiver`]; `report.waivers` lists
    /// each entry as active, expired (with the findings it would have matched) or unused.
    /// Call [`ScanReport::refresh_summary`] afterwards.
    pub fn apply(&self, report: &mut ScanReport, today: Date) {
        let mut matched = vec![0usize; self.entries.len()];
        for file in &mut report.files {
            let mut prepared: Option<(String, PreparedPath)> = None;
            for finding in &mut file.findings {
                let path = match &prepared {
                    Some((p, prepared)) if *p == finding.location.path => prepared,
                    _ => {
                        let fresh = PreparedPath::new(&finding.location.path);
                        &prepared.insert((finding.location.path.clone(), fresh)).1
                    }
                };
                Self::apply_one(&self.entries, &mut matched, finding, path, today);
            }
        }
        let entries = self
            .entries
            .iter()
            .zip(matched)
            .map(|(waiver, matched)| WaiverEntry {
                id: waiver.id.clone(),
                rule: waiver.rule.clone(),
                path: waiver.path.clone(),
                fingerprint: waiver.fingerprint.clone(),
                reason: waiver.reason.clone(),
                owner: waiver.owner.clone(),
                expires: waiver.expires.to_string(),
                state: if waiver.is_expired(today) {
                    WaiverState::Expired
                } else if matched > 0 {
                    WaiverState::Active
                } else {
                    WaiverState::Unused
                },
                matched,
            })
            .collect();
        report.waivers = Some(WaiverReport {
            sources: self
                .sources
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
            today: today.to_string(),
            entries,
        });
    }
}

#[cfg(test)]
mod tests {
    use mlsecops_core::{FileReport, FileStatus, Location, Severity, ToolInfo};

    use super::*;

    const GOOD: &str = r#"
[[waiver]]
rule = "pickle-code-execution"
path = "models/*.pkl"
reason = "red-team sample"
owner = "sec@example.com"
expires = "2027-01-31"

[[waiver]]
rule = "*"
path = "old/"
reason = "legacy"
owner = "ml"
expires = "2026-01-01"

[[waiver]]
rule = "pickle-unknown-global"
path = "nothing/**"
reason = "never matches"
owner = "ml"
expires = "2099-12-31"
"#;

    fn report(paths: &[&str]) -> ScanReport {
        let files = paths
            .iter()
            .map(|p| FileReport {
                path: (*p).to_owned(),
                format: "pickle".into(),
                status: FileStatus::Complete,
                reason: None,
                size: 1,
                findings: vec![Finding::new(
                    "pickle-code-execution",
                    "m",
                    Location::file(*p),
                )],
            })
            .collect();
        ScanReport::new(ToolInfo::new("0"), files, Severity::High, false)
    }

    fn date(s: &str) -> Date {
        s.parse().expect("date")
    }

    #[test]
    fn dates() {
        assert_eq!(Date::from_unix_days(0), Some(date("1970-01-01")));
        assert_eq!(Date::from_unix_days(11_016), Some(date("2000-02-29")));
        assert_eq!(Date::from_unix_days(20_517), Some(date("2026-03-05")));
        assert_eq!(Date::from_unix_days(-1), Some(date("1969-12-31")));
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-1-01",
            "26-01-01",
            "2026/01/01",
            "2026-01-00",
            "+026-01-01",
            "2026-01-01x",
        ] {
            assert!(bad.parse::<Date>().is_err(), "{bad} accepted");
        }
        assert_eq!(date("2024-02-29").to_string(), "2024-02-29");
        assert!(date("2026-12-31") < date("2027-01-01"));
        assert!(Date::today_utc().is_some_and(|d| d > date("2020-01-01")));
    }

    #[test]
    fn parses_and_applies() {
        let path = Path::new("w.toml");
        let waivers = Waivers::from_str(GOOD, path).expect("valid");
        assert_eq!(waivers.entries.len(), 3);
        assert_eq!(waivers.entries[0].id, "w.toml:2");
        assert_eq!(waivers.entries[1].id, "w.toml:9");
        let mut r = report(&["models/a.pkl", "old/sub/b.pkl", "c.pkl"]);
        assert_eq!(r.exit_code(), mlsecops_core::ExitCode::Findings);
        waivers.apply(&mut r, date("2026-11-26"));
        r.refresh_summary();
        let waived: Vec<(&str, bool)> = r
            .files
            .iter()
            .map(|f| (f.path.as_str(), f.findings[0].is_waived()))
            .collect();
        assert_eq!(
            waived,
            [
                ("c.pkl", false),
                ("models/a.pkl", true),
                ("old/sub/b.pkl", false)
            ]
        );
        let w = r.files[1].findings[0].waiver.as_ref().expect("waiver");
        assert_eq!(
            (w.owner.as_str(), w.expires.as_str()),
            ("sec@example.com", "2027-01-31")
        );
        let info = r.waivers.as_ref().expect("waiver report");
        let states: Vec<(WaiverState, usize)> =
            info.entries.iter().map(|e| (e.state, e.matched)).collect();
        assert_eq!(
            states,
            [
                (WaiverState::Active, 1),
                (WaiverState::Expired, 1),
                (WaiverState::Unused, 0)
            ]
        );
        assert_eq!(info.today, "2026-11-26");
        assert_eq!(r.summary.waived, 1);
    }

    #[test]
    fn expiry_is_inclusive() {
        let waivers = Waivers::from_str(GOOD, Path::new("w.toml")).expect("valid");
        let mut r = report(&["models/a.pkl"]);
        waivers.apply(&mut r, date("2027-01-31"));
        assert!(r.files[0].findings[0].is_waived());
        let mut r = report(&["models/a.pkl"]);
        waivers.apply(&mut r, date("2027-02-01"));
        assert!(!r.files[0].findings[0].is_waived());
        r.refresh_summary();
        assert_eq!(r.exit_code(), mlsecops_core::ExitCode::Findings);
        let first = &r.waivers.as_ref().expect("report").entries[0];
        assert_eq!((first.state, first.matched), (WaiverState::Expired, 1));
    }

    #[test]
    fn fingerprint_pins_one_finding() {
        let r0 = report(&["a.pkl", "b.pkl"]);
        let fp = r0.files[1].findings[0].fingerprint.clone();
        let text = format!(
            "[[waiver]]\nrule = \"*\"\npath = \"*.pkl\"\nfingerprint = \"{fp}\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2099-01-01\"\n"
        );
        let waivers = Waivers::from_str(&text, Path::new("w.toml")).expect("valid");
        let mut r = r0.clone();
        waivers.apply(&mut r, date("2026-01-01"));
        let waived: Vec<bool> = r.files.iter().map(|f| f.findings[0].is_waived()).collect();
        assert_eq!(waived, [false, true]);
    }

    fn error(text: &str) -> String {
        Waivers::from_str(text, Path::new("w.toml"))
            .expect_err("invalid")
            .to_string()
    }

    #[test]
    fn errors_are_positioned() {
        let base = "[[waiver]]\nrule = \"pickle-code-execution\"\npath = \"a\"\nreason = \"r\"\nowner = \"o\"\n";
        let e = error(&format!("{base}expires = \"2026-02-30\"\n"));
        assert!(
            e.starts_with("w.toml:6:11: invalid date `2026-02-30`"),
            "{e}"
        );
        let e = error(&format!(
            "{base}expires = \"2026-01-01\"\ncolour = \"red\"\n"
        ));
        assert!(e.starts_with("w.toml:7:1: unknown field `colour`"), "{e}");
        let e = error("[[waiver]]\nrule = \"no-such-rule\"\n");
        assert!(
            e.starts_with("w.toml:2:8: unknown rule id `no-such-rule`"),
            "{e}"
        );
        let e = error(base);
        assert!(
            e.starts_with("w.toml:1:1: waiver lacks the required key `expires`"),
            "{e}"
        );
        let e = error(&format!("{base}expires = 2026-01-01\n"));
        assert!(e.starts_with("w.toml:6:11:"), "{e}");
        let e = error("[[waiver]]\nrule = \"*\"\npath = \"a[\"\n");
        assert!(e.starts_with("w.toml:3:8: invalid path glob"), "{e}");
        let e = error("[[waiver]]\nrule = \"*\"\npath = \"a\"\nfingerprint = \"xyz\"\n");
        assert!(e.starts_with("w.toml:4:15:"), "{e}");
        let e = error("waivers = 1\n");
        assert!(e.starts_with("w.toml:1:1: unknown field `waivers`"), "{e}");
    }
}
