//! TOML manifests: `pyproject.toml` (PEP 621, PEP 735, Poetry), `poetry.lock`, `uv.lock`,
//! `pylock.toml` (PEP 751); and the JSON `Pipfile.lock`.

use toml::{Table, Value};

use crate::manifest::{Dependency, Issue, Lines, ManifestError, ManifestKind, Parsed};
use crate::pep::{SpecInfo, clip, is_valid_name, spec_info};
use crate::requirements::{Pos, add_requirement};
use crate::url::inspect;

/// Largest TOML/JSON manifest.
pub(crate) const MAX_BYTES: usize = 16 * 1024 * 1024;
/// Most dependencies taken from one manifest.
const MAX_DEPS: usize = 50_000;

fn parse_toml(text: &str, lines: &Lines<'_>) -> Result<Table, ManifestError> {
    text.parse::<Table>().map_err(|e| ManifestError::Syntax {
        line: e.span().map_or(0, |s| lines.line_of(s.start)),
        message: e.message().trim().to_owned(),
    })
}

fn pos_at<'a>(lines: &Lines<'_>, line: u32, kind: ManifestKind) -> Pos<'a> {
    Pos {
        line,
        offset: lines.start_of(line),
        file: None,
        dir: None,
        depth: 0,
        kind,
    }
}

/// Line of the first quoted occurrence of `s` (0 when not found).
fn line_of_literal(lines: &Lines<'_>, s: &str, from: usize) -> u32 {
    for quoted in [format!("\"{s}\""), format!("'{s}'")] {
        if let Some((line, _)) = lines.find_from(&quoted, from) {
            return line;
        }
    }
    0
}

fn check_url(url: &str, what: &str, line: u32, lines: &Lines<'_>, out: &mut Parsed) -> String {
    let facts = inspect(url);
    if facts.credentials {
        let mut issue = Issue::new(
            "dep-index-credentials",
            format!("{what} URL embeds credentials"),
            line,
        )
        .with("url", facts.redacted.clone());
        issue.offset = lines.start_of(line);
        out.issues.push(issue);
    }
    facts.redacted
}

fn push(out: &mut Parsed, dep: Dependency) {
    if out.dependencies.len() < MAX_DEPS {
        out.dependencies.push(dep);
    } else {
        out.incomplete(format!("more than {MAX_DEPS} dependencies"));
    }
}

// ------------------------------------------------------------------------------------------
// pyproject.toml

pub(crate) fn pyproject(text: &str, out: &mut Parsed) -> Result<(), ManifestError> {
    let lines = Lines::new(text);
    let doc = parse_toml(text, &lines)?;
    let kind = ManifestKind::Pyproject;
    let pep508 = |s: &str, group: Option<String>, out: &mut Parsed| {
        let line = line_of_literal(&lines, s, 0);
        let before = out.dependencies.len();
        add_requirement(s, 0, pos_at(&lines, line, kind), out);
        for dep in out.dependencies.iter_mut().skip(before) {
            dep.group.clone_from(&group);
        }
    };
    if let Some(project) = doc.get("project").and_then(Value::as_table) {
        for s in strings(project.get("dependencies")) {
            pep508(s, None, out);
        }
        if let Some(opt) = project
            .get("optional-dependencies")
            .and_then(Value::as_table)
        {
            for (extra, list) in opt {
                for s in strings(Some(list)) {
                    pep508(s, Some(format!("optional:{extra}")), out);
                }
            }
        }
    }
    if let Some(groups) = doc.get("dependency-groups").and_then(Value::as_table) {
        for (group, list) in groups {
            // Entries are PEP 508 strings or `{include-group = "…"}` tables (resolved by name).
            for s in strings(Some(list)) {
                pep508(s, Some(group.clone()), out);
            }
        }
    }
    let tool = doc.get("tool").and_then(Value::as_table);
    if let Some(poetry) = tool.and_then(|t| t.get("poetry")).and_then(Value::as_table) {
        poetry_section(
            poetry.get("dependencies"),
            None,
            "[tool.poetry.dependencies]",
            &lines,
            out,
        );
        poetry_section(
            poetry.get("dev-dependencies"),
            Some("dev"),
            "[tool.poetry.dev-dependencies]",
            &lines,
            out,
        );
        if let Some(groups) = poetry.get("group").and_then(Value::as_table) {
            for (name, group) in groups {
                let header = format!("[tool.poetry.group.{name}.dependencies]");
                poetry_section(group.get("dependencies"), Some(name), &header, &lines, out);
            }
        }
        for source in poetry
            .get("source")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(url) = source.get("url").and_then(Value::as_str) {
                let line = line_of_literal(&lines, url, 0);
                check_url(url, "Poetry source", line, &lines, out);
            }
        }
    }
    if let Some(uv) = tool.and_then(|t| t.get("uv")).and_then(Value::as_table) {
        for key in ["index-url", "extra-index-url", "find-links"] {
            for url in strings(uv.get(key))
                .into_iter()
                .chain(uv.get(key).and_then(Value::as_str))
            {
                let line = line_of_literal(&lines, url, 0);
                check_url(url, &format!("tool.uv {key}"), line, &lines, out);
            }
        }
        for index in uv
            .get("index")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(url) = index.get("url").and_then(Value::as_str) {
                let line = line_of_literal(&lines, url, 0);
                check_url(url, "tool.uv index", line, &lines, out);
            }
        }
    }
    Ok(())
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn poetry_section(
    section: Option<&Value>,
    group: Option<&str>,
    header: &str,
    lines: &Lines<'_>,
    out: &mut Parsed,
) {
    let Some(table) = section.and_then(Value::as_table) else {
        return;
    };
    let start = lines.find_from(header, 0).map_or(0, |(_, at)| at);
    for (name, spec) in table {
        if name.eq_ignore_ascii_case("python") {
            continue;
        }
        let line = [
            format!("\n{name} ="),
            format!("\n{name}="),
            format!("\n\"{name}\""),
        ]
        .iter()
        .find_map(|n| lines.find_from(n, start))
        .map_or(0, |(l, _)| l.saturating_add(1));
        let line = if line == 0 {
            line_of_literal(lines, name, 0)
        } else {
            line
        };
        // A dependency may be a string, a table, or an array of tables (per-marker variants).
        let variants: Vec<&Value> = match spec {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        for variant in variants {
            if !is_valid_name(name) {
                let mut issue = Issue::new(
                    "dep-manifest-malformed",
                    format!("invalid Poetry dependency name `{}`", clip(name)),
                    line,
                );
                issue.offset = lines.start_of(line);
                out.issues.push(issue);
                break;
            }
            let mut dep = Dependency::new(name, ManifestKind::Pyproject, line);
            dep.offset = lines.start_of(line);
            dep.group = group.map(str::to_owned);
            let constraint = match variant {
                Value::String(s) => Some(s.as_str()),
                Value::Table(t) => {
                    for key in ["git", "url"] {
                        if let Some(url) = t.get(key).and_then(Value::as_str) {
                            dep.url = Some(check_url(url, "Poetry dependency", line, lines, out));
                        }
                    }
                    if t.contains_key("path") {
                        continue; // local path dependency
                    }
                    dep.markers = t.get("markers").and_then(Value::as_str).map(str::to_owned);
                    dep.extras = strings(t.get("extras"))
                        .into_iter()
                        .map(str::to_owned)
                        .collect();
                    t.get("version").and_then(Value::as_str)
                }
                _ => None,
            };
            if let Some(c) = constraint {
                match poetry_constraint(c) {
                    Ok(spec) if !spec.is_empty() => {
                        if let SpecInfo::Pinned(v) = spec_info(&spec) {
                            dep.version = Some(v);
                        }
                        dep.specifier = Some(spec);
                    }
                    Ok(_) => {}
                    Err(e) => {
                        let mut issue =
                            Issue::new("dep-unparseable-version", format!("`{name}`: {e}"), line)
                                .with("package", name.clone())
                                .with("specifier", clip(c));
                        issue.offset = lines.start_of(line);
                        out.issues.push(issue);
                    }
                }
            }
            push(out, dep);
        }
    }
}

/// Translates a Poetry constraint (`^1.2`, `~1.2.3`, `1.2.3`, `>=1,<2`, `>=1 <2`, `a || b`) to
/// PEP 440 specifiers; alternatives stay separated by ` || `.
pub(crate) fn poetry_constraint(c: &str) -> Result<String, String> {
    let mut alts = Vec::new();
    for alt in c.split("||") {
        let mut parts: Vec<String> = Vec::new();
        // Tokens separated by commas or spaces; an operator may be followed by a space.
        let mut pending_op: Option<&str> = None;
        for tok in alt
            .split([',', ' '])
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            let tok_owned;
            let tok = if let Some(op) = pending_op.take() {
                tok_owned = format!("{op}{tok}");
                tok_owned.as_str()
            } else if matches!(
                tok,
                ">=" | "<=" | ">" | "<" | "==" | "!=" | "~=" | "^" | "~" | "="
            ) {
                pending_op = Some(tok);
                continue;
            } else {
                tok
            };
            if tok == "*" {
                continue;
            }
            if let Some(v) = tok.strip_prefix('^') {
                let (lo, hi) = caret(v)?;
                parts.push(format!(">={lo}"));
                parts.push(format!("<{hi}"));
            } else if let Some(v) = tok.strip_prefix("~=") {
                parts.push(format!("~={v}"));
            } else if let Some(v) = tok.strip_prefix('~') {
                let (lo, hi) = tilde(v)?;
                parts.push(format!(">={lo}"));
                parts.push(format!("<{hi}"));
            } else if tok.starts_with(['>', '<', '!']) || tok.starts_with("==") {
                parts.push(tok.to_owned());
            } else if let Some(v) = tok.strip_prefix('=') {
                parts.push(format!("=={v}"));
            } else if tok.starts_with(|c: char| c.is_ascii_digit()) {
                parts.push(format!("=={tok}"));
            } else {
                return Err(format!("unsupported Poetry constraint `{}`", clip(tok)));
            }
        }
        if pending_op.is_some() {
            return Err(format!("dangling operator in `{}`", clip(c)));
        }
        alts.push(parts.join(","));
    }
    if alts.iter().all(String::is_empty) {
        return Ok(String::new());
    }
    Ok(alts.join(" || "))
}

fn release(v: &str) -> Result<Vec<u64>, String> {
    let nums: Vec<u64> = v.split('.').map_while(|p| p.parse::<u64>().ok()).collect();
    if nums.is_empty() || nums.len() > 16 {
        return Err(format!("`{}` is not a version", clip(v)));
    }
    Ok(nums)
}

fn join(nums: &[u64]) -> String {
    nums.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// `^V`: below the next change of the left-most non-zero component.
fn caret(v: &str) -> Result<(String, String), String> {
    let nums = release(v)?;
    let idx = nums
        .iter()
        .position(|&n| n != 0)
        .unwrap_or(nums.len().saturating_sub(1));
    let mut hi: Vec<u64> = nums.get(..=idx).unwrap_or(&nums).to_vec();
    if let Some(last) = hi.last_mut() {
        *last = last.checked_add(1).ok_or("version overflow")?;
    }
    Ok((v.to_owned(), join(&hi)))
}

/// `~V`: `~1.2.3` → `<1.3`, `~1.2` → `<1.3`, `~1` → `<2`.
fn tilde(v: &str) -> Result<(String, String), String> {
    let nums = release(v)?;
    let keep = if nums.len() >= 2 { 2 } else { 1 };
    let mut hi: Vec<u64> = nums.get(..keep).unwrap_or(&nums).to_vec();
    if let Some(last) = hi.last_mut() {
        *last = last.checked_add(1).ok_or("version overflow")?;
    }
    Ok((v.to_owned(), join(&hi)))
}

// ------------------------------------------------------------------------------------------
// Lockfiles

fn locked(
    name: &str,
    version: Option<&str>,
    kind: ManifestKind,
    lines: &Lines<'_>,
    cursor: &mut usize,
) -> Dependency {
    // The name right after the next `[[package]]` / `[[packages]]` header (names also appear
    // in dependency lists, so a plain search would hit those first).
    let needle = format!("name = \"{name}\"");
    let from = lines
        .find_from("[[package", *cursor)
        .map_or(*cursor, |(_, at)| at);
    let line = match lines
        .find_from(&needle, from)
        .or_else(|| lines.find_from(&needle, *cursor))
    {
        Some((line, at)) => {
            *cursor = at.saturating_add(needle.len());
            line
        }
        None => 0,
    };
    let mut dep = Dependency::new(name, kind, line);
    dep.offset = lines.start_of(line);
    if let Some(v) = version {
        dep.version = Some(v.to_owned());
        dep.specifier = Some(format!("=={v}"));
    }
    dep
}

pub(crate) fn poetry_lock(text: &str, out: &mut Parsed) -> Result<(), ManifestError> {
    let lines = Lines::new(text);
    let doc = parse_toml(text, &lines)?;
    let mut cursor = 0;
    for pkg in doc
        .get("package")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(name) = pkg.get("name").and_then(Value::as_str) else {
            continue;
        };
        let mut dep = locked(
            name,
            pkg.get("version").and_then(Value::as_str),
            ManifestKind::PoetryLock,
            &lines,
            &mut cursor,
        );
        if let Some(source) = pkg.get("source").and_then(Value::as_table) {
            let stype = source.get("type").and_then(Value::as_str).unwrap_or("");
            if matches!(stype, "directory" | "file") {
                continue;
            }
            if let Some(url) = source.get("url").and_then(Value::as_str) {
                dep.url = Some(check_url(
                    url,
                    "poetry.lock source",
                    dep.source_line,
                    &lines,
                    out,
                ));
            }
        }
        dep.hashes = pkg
            .get("files")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        dep.group = pkg
            .get("category")
            .and_then(Value::as_str)
            .map(str::to_owned);
        push(out, dep);
    }
    Ok(())
}

pub(crate) fn uv_lock(text: &str, out: &mut Parsed) -> Result<(), ManifestError> {
    let lines = Lines::new(text);
    let doc = parse_toml(text, &lines)?;
    let mut cursor = 0;
    for pkg in doc
        .get("package")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(name) = pkg.get("name").and_then(Value::as_str) else {
            continue;
        };
        let mut dep = locked(
            name,
            pkg.get("version").and_then(Value::as_str),
            ManifestKind::UvLock,
            &lines,
            &mut cursor,
        );
        if let Some(source) = pkg.get("source").and_then(Value::as_table) {
            if ["editable", "virtual", "path", "directory"]
                .iter()
                .any(|k| source.contains_key(*k))
            {
                continue; // the project itself or local code
            }
            for key in ["registry", "git", "url"] {
                if let Some(url) = source.get(key).and_then(Value::as_str) {
                    dep.url = Some(check_url(
                        url,
                        "uv.lock source",
                        dep.source_line,
                        &lines,
                        out,
                    ));
                }
            }
        }
        dep.hashes = pkg
            .get("wheels")
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
            + usize::from(pkg.get("sdist").is_some());
        push(out, dep);
    }
    Ok(())
}

pub(crate) fn pylock(text: &str, out: &mut Parsed) -> Result<(), ManifestError> {
    let lines = Lines::new(text);
    let doc = parse_toml(text, &lines)?;
    let mut cursor = 0;
    for pkg in doc
        .get("packages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(name) = pkg.get("name").and_then(Value::as_str) else {
            continue;
        };
        if pkg.get("directory").is_some() {
            continue;
        }
        let mut dep = locked(
            name,
            pkg.get("version").and_then(Value::as_str),
            ManifestKind::Pylock,
            &lines,
            &mut cursor,
        );
        dep.markers = pkg.get("marker").and_then(Value::as_str).map(str::to_owned);
        let mut urls: Vec<&str> = Vec::new();
        urls.extend(pkg.get("index").and_then(Value::as_str));
        for key in ["vcs", "archive", "sdist"] {
            urls.extend(
                pkg.get(key)
                    .and_then(|t| t.get("url"))
                    .and_then(Value::as_str),
            );
        }
        for wheel in pkg
            .get("wheels")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            urls.extend(wheel.get("url").and_then(Value::as_str));
        }
        for url in urls {
            let line = line_of_literal(&lines, url, 0);
            let redacted = check_url(
                url,
                "pylock.toml",
                if line == 0 { dep.source_line } else { line },
                &lines,
                out,
            );
            dep.url.get_or_insert(redacted);
        }
        dep.hashes = pkg
            .get("wheels")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        push(out, dep);
    }
    Ok(())
}

pub(crate) fn pipfile_lock(text: &str, out: &mut Parsed) -> Result<(), ManifestError> {
    let lines = Lines::new(text);
    let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| ManifestError::Syntax {
        line: u32::try_from(e.line()).unwrap_or(0),
        message: e.to_string(),
    })?;
    let sources = doc
        .get("_meta")
        .and_then(|m| m.get("sources"))
        .and_then(serde_json::Value::as_array);
    for source in sources.into_iter().flatten() {
        if let Some(url) = source.get("url").and_then(serde_json::Value::as_str) {
            let line = line_of_literal(&lines, url, 0);
            check_url(url, "Pipfile.lock source", line, &lines, out);
        }
    }
    for section in ["default", "develop"] {
        let Some(table) = doc.get(section).and_then(serde_json::Value::as_object) else {
            continue;
        };
        let start = lines
            .find_from(&format!("\"{section}\""), 0)
            .map_or(0, |(_, at)| at);
        for (name, info) in table {
            let line = lines
                .find_from(&format!("\"{name}\""), start)
                .map_or(0, |(l, _)| l);
            if info.get("path").is_some()
                || info.get("file").is_some() && info.get("version").is_none()
            {
                continue;
            }
            let mut dep = Dependency::new(name, ManifestKind::PipfileLock, line);
            dep.offset = lines.start_of(line);
            dep.group = Some(section.to_owned());
            if let Some(spec) = info.get("version").and_then(serde_json::Value::as_str) {
                if let SpecInfo::Pinned(v) = spec_info(spec) {
                    dep.version = Some(v);
                }
                dep.specifier = Some(spec.to_owned());
            }
            if let Some(url) = info.get("git").and_then(serde_json::Value::as_str) {
                dep.url = Some(check_url(url, "Pipfile.lock git", line, &lines, out));
            }
            dep.markers = info
                .get("markers")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned);
            dep.hashes = info
                .get("hashes")
                .and_then(serde_json::Value::as_array)
                .map_or(0, Vec::len);
            push(out, dep);
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn poetry_constraints_translate() {
        assert_eq!(poetry_constraint("^1.2.3").unwrap(), ">=1.2.3,<2");
        assert_eq!(poetry_constraint("^0.2.3").unwrap(), ">=0.2.3,<0.3");
        assert_eq!(poetry_constraint("^0.0.3").unwrap(), ">=0.0.3,<0.0.4");
        assert_eq!(poetry_constraint("^0").unwrap(), ">=0,<1");
        assert_eq!(poetry_constraint("~1.2.3").unwrap(), ">=1.2.3,<1.3");
        assert_eq!(poetry_constraint("~1").unwrap(), ">=1,<2");
        assert_eq!(poetry_constraint("2.5.1").unwrap(), "==2.5.1");
        assert_eq!(poetry_constraint(">= 1.2 < 2.0").unwrap(), ">=1.2,<2.0");
        assert_eq!(
            poetry_constraint("^1.0 || ^2.0").unwrap(),
            ">=1.0,<2 || >=2.0,<3"
        );
        assert_eq!(poetry_constraint("*").unwrap(), "");
        assert!(poetry_constraint("latest").is_err());
    }
}
