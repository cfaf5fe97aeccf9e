//! PEP 503 names, PEP 508 requirement lines and PEP 440 version helpers.

use std::str::FromStr;

use pep440_rs::{Operator, Version, VersionSpecifiers};
use version_ranges::Ranges;

/// Longest requirement string accepted (longer ones are reported as malformed).
pub(crate) const MAX_REQUIREMENT_LEN: usize = 8 * 1024;

/// PEP 503 normalised name: lowercase, runs of `-`, `_`, `.` collapsed to one `-`.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// `true` for a valid PEP 508 distribution name (ASCII letters/digits with inner `-_.`).
pub fn is_valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(f), Some(l)) => {
            f.is_ascii_alphanumeric()
                && l.is_ascii_alphanumeric()
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

/// A PEP 508 requirement, as written (markers are kept as text, never evaluated).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Requirement {
    /// Distribution name as written.
    pub name: String,
    /// Extras (`pkg[a,b]`).
    pub extras: Vec<String>,
    /// Version specifier text (may be empty).
    pub specifier: String,
    /// Direct reference (`pkg @ URL`).
    pub url: Option<String>,
    /// Environment markers after `;`.
    pub markers: Option<String>,
}

/// Parses one PEP 508 requirement (`name[extras] (specifier) ; markers` or
/// `name[extras] @ url ; markers`). The specifier is only split off, not validated.
pub fn parse_requirement(input: &str) -> Result<Requirement, String> {
    let s = input.trim();
    if s.len() > MAX_REQUIREMENT_LEN {
        return Err(format!(
            "requirement longer than {MAX_REQUIREMENT_LEN} bytes"
        ));
    }
    let name_end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(s.len());
    let (name, mut rest) = s.split_at(name_end);
    if !is_valid_name(name) {
        return Err(format!(
            "`{}` does not start with a valid package name",
            clip(s)
        ));
    }
    let mut req = Requirement {
        name: name.to_owned(),
        ..Requirement::default()
    };
    rest = rest.trim_start();
    if let Some(after) = rest.strip_prefix('[') {
        let close = after
            .find(']')
            .ok_or_else(|| format!("unclosed extras in `{}`", clip(s)))?;
        let (extras, tail) = after.split_at(close);
        for extra in extras.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if !is_valid_name(extra) {
                return Err(format!("invalid extra `{}`", clip(extra)));
            }
            req.extras.push(extra.to_owned());
        }
        rest = tail.get(1..).unwrap_or("").trim_start();
    }
    if let Some(url_part) = rest.strip_prefix('@') {
        // URL requirement: the marker separator must be preceded by whitespace.
        let url_part = url_part.trim_start();
        let (url, markers) = match url_part.find(" ;").or_else(|| url_part.find("\t;")) {
            Some(i) => (
                url_part.get(..i).unwrap_or(""),
                url_part.get(i.saturating_add(2)..),
            ),
            None => (url_part, None),
        };
        let url = url.trim();
        if url.is_empty() {
            return Err(format!("empty URL in `{}`", clip(s)));
        }
        req.url = Some(url.to_owned());
        req.markers = markers
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_owned);
        return Ok(req);
    }
    let (spec, markers) = match rest.find(';') {
        Some(i) => (rest.get(..i).unwrap_or(""), rest.get(i.saturating_add(1)..)),
        None => (rest, None),
    };
    let mut spec = spec.trim();
    if let Some(inner) = spec.strip_prefix('(') {
        spec = inner
            .strip_suffix(')')
            .ok_or_else(|| format!("unclosed `(` in `{}`", clip(s)))?
            .trim();
    }
    if !spec.is_empty() && !spec.starts_with(['=', '<', '>', '!', '~']) {
        return Err(format!(
            "unexpected `{}` after the package name",
            clip(spec)
        ));
    }
    spec.clone_into(&mut req.specifier);
    req.markers = markers
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(str::to_owned);
    Ok(req)
}

/// Shortens text for messages (never more than 80 characters).
pub(crate) fn clip(s: &str) -> String {
    if s.chars().count() <= 80 {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(77).collect();
        out.push_str("...");
        out
    }
}

/// A parsed PEP 440 version with its local label removed (`2.5.1+cu121` → `2.5.1`).
pub fn parse_version(raw: &str) -> Option<Version> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > 256 {
        return None;
    }
    Version::from_str(raw).ok().map(Version::without_local)
}

/// What a specifier says about the installed version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpecInfo {
    /// No specifier: any version.
    Any,
    /// `==V` / `===V`: the raw pinned version text.
    Pinned(String),
    /// A range (possibly a union of alternatives, e.g. translated Poetry `||`).
    Range(Ranges<Version>),
    /// Not PEP 440: the offending text.
    Unparseable(String),
}

/// Interprets a specifier string. Alternatives separated by `||` (Poetry) are unioned.
pub fn spec_info(spec: &str) -> SpecInfo {
    let spec = spec.trim();
    if spec.is_empty() || spec == "*" {
        return SpecInfo::Any;
    }
    if spec.len() > MAX_REQUIREMENT_LEN {
        return SpecInfo::Unparseable(clip(spec));
    }
    if !spec.contains("||") {
        // Exact pins first, so legacy (non-PEP 440) pinned versions stay visible.
        if let Some(v) = single_pin(spec) {
            return SpecInfo::Pinned(v);
        }
    }
    let multi = spec.contains("||");
    let mut union = Ranges::empty();
    for alt in spec.split("||") {
        let alt = alt.trim();
        let Ok(specs) = VersionSpecifiers::from_str(alt) else {
            return SpecInfo::Unparseable(clip(alt));
        };
        if !multi
            && let Some(pin) = specs
                .iter()
                .find(|s| matches!(s.operator(), Operator::Equal | Operator::ExactEqual))
        {
            return SpecInfo::Pinned(pin.version().to_string());
        }
        union = union.union(&Ranges::from(specs));
    }
    SpecInfo::Range(union)
}

/// `==V` or `===V` with nothing else (V may be non-PEP 440).
fn single_pin(spec: &str) -> Option<String> {
    let v = spec
        .strip_prefix("===")
        .or_else(|| spec.strip_prefix("=="))?
        .trim();
    if v.is_empty() || v.contains([',', '*', ' ', '<', '>', '!', '=', '~']) {
        return None;
    }
    Some(v.to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_names_per_pep_503() {
        assert_eq!(normalize_name("Llama_CPP.python"), "llama-cpp-python");
        assert_eq!(normalize_name("a--_.b"), "a-b");
        assert_eq!(normalize_name("Torch"), "torch");
    }

    #[test]
    fn parses_requirements() {
        let r = parse_requirement(
            "Requests[security, socks] (>=2.8.1,==2.8.*) ; python_version < '2.7'",
        )
        .unwrap();
        assert_eq!(r.name, "Requests");
        assert_eq!(r.extras, ["security", "socks"]);
        assert_eq!(r.specifier, ">=2.8.1,==2.8.*");
        assert_eq!(r.markers.as_deref(), Some("python_version < '2.7'"));
        let u = parse_requirement(
            "pip @ https://github.com/pypa/pip/archive/1.3.1.zip ; os_name == 'nt'",
        )
        .unwrap();
        assert_eq!(
            u.url.as_deref(),
            Some("https://github.com/pypa/pip/archive/1.3.1.zip")
        );
        assert_eq!(u.markers.as_deref(), Some("os_name == 'nt'"));
        assert!(parse_requirement("-bad").is_err());
        assert!(parse_requirement("torch[cpu").is_err());
        assert!(parse_requirement("torch 2.0").is_err());
    }

    #[test]
    fn spec_info_classifies() {
        assert_eq!(
            spec_info("==2.5.1+cu121"),
            SpecInfo::Pinned("2.5.1+cu121".into())
        );
        assert_eq!(spec_info("==2004d"), SpecInfo::Pinned("2004d".into()));
        assert_eq!(spec_info(""), SpecInfo::Any);
        assert!(matches!(spec_info(">=1.0,<2"), SpecInfo::Range(_)));
        assert!(matches!(spec_info(">=1.0,==1.2.3"), SpecInfo::Pinned(v) if v == "1.2.3"));
        assert!(matches!(spec_info(">=banana"), SpecInfo::Unparseable(_)));
        assert_eq!(parse_version("2.5.1+cu121"), parse_version("2.5.1"));
        assert!(parse_version("2004d").is_none());
    }
}
