//! pip requirements files: PEP 508 lines plus pip options, `-r`/`-c` includes (read from disk
//! relative to the including file, bounded and loop-safe), index URLs and VCS references.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::manifest::{Dependency, Issue, Lines, ManifestKind, Parsed};
use crate::pep::{SpecInfo, clip, is_valid_name, parse_requirement, spec_info};
use crate::url::{inspect, is_pypi_host};

/// Largest requirements file.
pub(crate) const MAX_BYTES: usize = 4 * 1024 * 1024;
/// Most logical lines per file.
const MAX_LINES: usize = 100_000;
/// Deepest `-r` nesting.
const MAX_INCLUDE_DEPTH: usize = 8;
/// Most included files per manifest.
const MAX_INCLUDES: usize = 64;
/// Most bytes over all included files.
const MAX_TOTAL_BYTES: usize = 32 * 1024 * 1024;

/// Include-following state shared by one top-level manifest.
pub(crate) struct IncludeCtx {
    /// Directory of the top-level manifest (labels are relative to it).
    root: Option<PathBuf>,
    /// Canonical paths on the current include chain.
    stack: Vec<PathBuf>,
    /// Canonical paths already read.
    seen: HashSet<PathBuf>,
    includes: usize,
    bytes: usize,
    /// An `--index-url` that is not PyPI was seen (a PyPI extra index then mixes public
    /// packages into a private namespace).
    private_primary: bool,
}

impl IncludeCtx {
    pub(crate) fn new(dir: Option<&Path>, top: Option<&str>) -> Self {
        let mut ctx = IncludeCtx {
            root: dir.map(Path::to_path_buf),
            stack: Vec::new(),
            seen: HashSet::new(),
            includes: 0,
            bytes: 0,
            private_primary: false,
        };
        if let (Some(dir), Some(name)) = (dir, top)
            && let Ok(canon) = dir.join(name).canonicalize()
        {
            ctx.stack.push(canon.clone());
            ctx.seen.insert(canon);
        }
        ctx
    }
}

/// Where the current line is.
#[derive(Clone, Copy)]
pub(crate) struct Pos<'a> {
    pub line: u32,
    pub offset: Option<u64>,
    pub file: Option<&'a str>,
    pub dir: Option<&'a Path>,
    pub depth: usize,
    pub kind: ManifestKind,
}

/// Parses a requirements file's text into `out`.
pub(crate) fn parse(text: &str, dir: Option<&Path>, name: &str, out: &mut Parsed) {
    let mut ctx = IncludeCtx::new(dir, Some(name));
    parse_text(
        text,
        dir,
        None,
        0,
        &mut ctx,
        out,
        ManifestKind::Requirements,
    );
}

fn parse_text(
    text: &str,
    dir: Option<&Path>,
    file: Option<&str>,
    depth: usize,
    ctx: &mut IncludeCtx,
    out: &mut Parsed,
    kind: ManifestKind,
) {
    let lines = Lines::new(text);
    let mut logical = String::new();
    let mut start_line = 0u32;
    let mut count = 0usize;
    let physical: Vec<&str> = text.split('\n').collect();
    let total = physical.len();
    for (idx, raw) in physical.into_iter().enumerate() {
        let lineno = u32::try_from(idx.saturating_add(1)).unwrap_or(u32::MAX);
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if logical.is_empty() {
            start_line = lineno;
        }
        // pip joins a line ending in `\` with the next one before stripping comments.
        if let Some(cont) = raw.strip_suffix('\\')
            && idx.saturating_add(1) < total
        {
            logical.push_str(cont);
            if logical.len() > MAX_BYTES {
                break;
            }
            continue;
        }
        logical.push_str(raw);
        count = count.saturating_add(1);
        if count > MAX_LINES {
            out.incomplete(format!(
                "more than {MAX_LINES} lines; the rest was not read"
            ));
            break;
        }
        let pos = Pos {
            line: start_line,
            offset: if file.is_none() {
                lines.start_of(start_line)
            } else {
                None
            },
            file,
            dir,
            depth,
            kind,
        };
        let line = strip_comment(&logical);
        handle_line(line.trim(), pos, ctx, out);
        logical.clear();
    }
}

/// Removes a `#` comment that starts the line or follows whitespace (pip's rule).
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#'
            && (i == 0
                || bytes
                    .get(i.wrapping_sub(1))
                    .is_some_and(u8::is_ascii_whitespace))
        {
            return line.get(..i).unwrap_or("");
        }
    }
    line
}

fn issue(pos: Pos<'_>, rule: &'static str, message: impl Into<String>) -> Issue {
    let mut i = Issue::new(rule, message, pos.line);
    i.offset = pos.offset;
    i.file = pos.file.map(str::to_owned);
    i
}

/// One logical line (comment removed, trimmed).
pub(crate) fn handle_line(line: &str, pos: Pos<'_>, ctx: &mut IncludeCtx, out: &mut Parsed) {
    if line.is_empty() {
        return;
    }
    if line.starts_with('-') {
        handle_option(line, pos, ctx, out);
        return;
    }
    // pip: the requirement is every token up to the first one starting with `-`.
    let mut req_tokens = Vec::new();
    let mut hashes = 0usize;
    let mut options = line.split_whitespace().peekable();
    while let Some(tok) = options.peek() {
        if tok.starts_with('-') {
            break;
        }
        req_tokens.push(*tok);
        options.next();
    }
    while let Some(opt) = options.next() {
        if opt == "--hash" {
            if options.next().is_some() {
                hashes = hashes.saturating_add(1);
            }
        } else if opt.starts_with("--hash=") {
            hashes = hashes.saturating_add(1);
        }
    }
    let req = req_tokens.join(" ");
    add_requirement(&req, hashes, pos, out);
}

/// A requirement string (PEP 508, URL, VCS or local path).
pub(crate) fn add_requirement(req: &str, hashes: usize, pos: Pos<'_>, out: &mut Parsed) {
    let req = req.trim();
    if req.is_empty() {
        return;
    }
    let first = req.split_whitespace().next().unwrap_or("");
    if first.contains("://")
        || first.starts_with("git+")
        || first.starts_with("hg+")
        || first.starts_with("svn+")
        || first.starts_with("bzr+")
    {
        add_url_requirement(first, pos, out);
        return;
    }
    if first.starts_with(['.', '/', '~', '\\']) || (first.contains('/') && !first.contains('@')) {
        return; // local path: nothing to match
    }
    match parse_requirement(req) {
        Ok(r) => {
            let mut dep = Dependency::new(&r.name, pos.kind, pos.line);
            dep.offset = pos.offset;
            dep.file = pos.file.map(str::to_owned);
            dep.extras = r.extras;
            dep.markers = r.markers;
            dep.hashes = hashes;
            if let Some(url) = r.url {
                let facts = inspect(&url);
                if facts.credentials {
                    out.issues.push(
                        issue(
                            pos,
                            "dep-index-credentials",
                            format!("direct reference for `{}` embeds credentials", r.name),
                        )
                        .with("url", facts.redacted.clone()),
                    );
                }
                dep.url = Some(facts.redacted);
            } else if !r.specifier.is_empty() {
                if let SpecInfo::Pinned(v) = spec_info(&r.specifier) {
                    dep.version = Some(v);
                }
                dep.specifier = Some(r.specifier);
            }
            out.dependencies.push(dep);
        }
        Err(e) => out.issues.push(issue(
            pos,
            "dep-manifest-malformed",
            format!("line {} is not a valid requirement: {e}", pos.line),
        )),
    }
}

fn add_url_requirement(url: &str, pos: Pos<'_>, out: &mut Parsed) {
    let facts = inspect(url);
    if facts.credentials {
        out.issues.push(
            issue(
                pos,
                "dep-index-credentials",
                "VCS/URL requirement embeds credentials",
            )
            .with("url", facts.redacted.clone()),
        );
    }
    // `#egg=name` names the project of a VCS/URL requirement.
    let egg = url
        .split_once('#')
        .and_then(|(_, frag)| frag.split('&').find_map(|kv| kv.strip_prefix("egg=")))
        .map(|e| e.split(['[', '=', '-']).next().unwrap_or(e));
    if let Some(name) = egg.filter(|n| is_valid_name(n)) {
        let mut dep = Dependency::new(name, pos.kind, pos.line);
        dep.offset = pos.offset;
        dep.file = pos.file.map(str::to_owned);
        dep.url = Some(facts.redacted);
        out.dependencies.push(dep);
    }
}

/// Splits `--opt=value`, `--opt value`, `-ovalue`, `-o value`.
fn split_option(line: &str) -> (&str, &str) {
    if let Some(long) = line.strip_prefix("--") {
        let end = long.find(['=', ' ', '\t']).unwrap_or(long.len());
        let name = line.get(..end.saturating_add(2)).unwrap_or(line);
        let value = long
            .get(end..)
            .unwrap_or("")
            .trim_start_matches(['=', ' ', '\t']);
        (name, value.trim())
    } else {
        let name = line.get(..2).unwrap_or(line);
        let value = line
            .get(2..)
            .unwrap_or("")
            .trim_start_matches(['=', ' ', '\t']);
        (name, value.trim())
    }
}

fn handle_option(line: &str, pos: Pos<'_>, ctx: &mut IncludeCtx, out: &mut Parsed) {
    let (name, value) = split_option(line);
    match name {
        "-r" | "--requirement" | "-c" | "--constraint" => {
            let value = value.split_whitespace().next().unwrap_or("");
            include(value, pos, ctx, out);
        }
        "-i" | "--index-url" | "--extra-index-url" | "-f" | "--find-links" => {
            let url = value.split_whitespace().next().unwrap_or("");
            let facts = inspect(url);
            if facts.credentials {
                out.issues.push(
                    issue(
                        pos,
                        "dep-index-credentials",
                        format!("`{name}` URL embeds credentials"),
                    )
                    .with("url", facts.redacted.clone()),
                );
            }
            let public = is_pypi_host(facts.host.as_deref());
            if matches!(name, "-i" | "--index-url") && !public {
                ctx.private_primary = true;
            }
            if name == "--extra-index-url" && (!public || ctx.private_primary) {
                out.issues.push(
                    issue(
                        pos,
                        "dep-extra-index-url",
                        "`--extra-index-url` adds a second index: pip picks the highest version from any index, \
                         so a public package can shadow a private one (dependency confusion)",
                    )
                    .with("url", facts.redacted),
                );
            }
        }
        "-e" | "--editable" => add_requirement(value, 0, pos, out),
        _ => {} // other pip options change nothing we match
    }
}

fn include(target: &str, pos: Pos<'_>, ctx: &mut IncludeCtx, out: &mut Parsed) {
    let report = |out: &mut Parsed, msg: String| {
        out.issues
            .push(issue(pos, "dep-include-error", msg.clone()).with("include", clip(target)));
        out.incomplete(msg);
    };
    if target.is_empty() {
        report(out, format!("line {}: `-r`/`-c` without a file", pos.line));
        return;
    }
    if target.contains("://") {
        report(
            out,
            format!("remote include `{}` was not fetched", clip(target)),
        );
        return;
    }
    let Some(dir) = pos.dir else {
        report(
            out,
            format!(
                "include `{}` not followed (no directory on disk)",
                clip(target)
            ),
        );
        return;
    };
    let rel = Path::new(target);
    if rel.is_absolute() {
        report(
            out,
            format!("absolute include `{}` not followed", clip(target)),
        );
        return;
    }
    if pos.depth >= MAX_INCLUDE_DEPTH {
        report(
            out,
            format!(
                "include depth limit ({MAX_INCLUDE_DEPTH}) reached at `{}`",
                clip(target)
            ),
        );
        return;
    }
    if ctx.includes >= MAX_INCLUDES {
        report(out, format!("include limit ({MAX_INCLUDES} files) reached"));
        return;
    }
    let path = dir.join(rel);
    let canon = match path.canonicalize() {
        Ok(c) => c,
        Err(e) => {
            report(out, format!("cannot read include `{}`: {e}", clip(target)));
            return;
        }
    };
    // Never read outside the manifest's directory or its parent (`-r ../base.txt` from a
    // `requirements/` folder is common; `-r ../../../etc/passwd` is not a dependency list).
    let allowed = ctx
        .root
        .as_deref()
        .and_then(|r| r.canonicalize().ok())
        .map(|r| match r.parent() {
            Some(parent) if parent.parent().is_some() => parent.to_path_buf(),
            _ => r,
        });
    if allowed.as_ref().is_some_and(|a| !canon.starts_with(a)) {
        report(
            out,
            format!(
                "include `{}` resolves outside the project directory; not followed",
                clip(target)
            ),
        );
        return;
    }
    if ctx.stack.contains(&canon) {
        out.issues.push(
            issue(
                pos,
                "dep-include-error",
                format!(
                    "include loop: `{}` includes itself (directly or indirectly)",
                    clip(target)
                ),
            )
            .with("include", clip(target)),
        );
        return; // a loop adds nothing new: not incomplete
    }
    if !ctx.seen.insert(canon.clone()) {
        return; // already read through another include (diamond)
    }
    let meta = match std::fs::metadata(&canon) {
        Ok(m) if m.is_file() => m,
        Ok(_) => {
            report(out, format!("include `{}` is not a file", clip(target)));
            return;
        }
        Err(e) => {
            report(out, format!("cannot read include `{}`: {e}", clip(target)));
            return;
        }
    };
    let size = usize::try_from(meta.len()).unwrap_or(usize::MAX);
    if size > MAX_BYTES || ctx.bytes.saturating_add(size) > MAX_TOTAL_BYTES {
        report(
            out,
            format!("include `{}` exceeds the size limit", clip(target)),
        );
        return;
    }
    let bytes = match std::fs::read(&canon) {
        Ok(b) => b,
        Err(e) => {
            report(out, format!("cannot read include `{}`: {e}", clip(target)));
            return;
        }
    };
    let text = match crate::manifest::decode(&bytes, MAX_BYTES) {
        Ok(t) => t,
        Err(e) => {
            report(out, format!("include `{}`: {e}", clip(target)));
            return;
        }
    };
    ctx.includes = ctx.includes.saturating_add(1);
    ctx.bytes = ctx.bytes.saturating_add(size);
    let label = match &ctx.root {
        Some(root) => root
            .canonicalize()
            .ok()
            .and_then(|r| {
                canon
                    .strip_prefix(r)
                    .ok()
                    .map(|p| p.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| target.to_owned()),
        None => target.to_owned(),
    };
    let child_dir = canon.parent().map(Path::to_path_buf);
    ctx.stack.push(canon);
    parse_text(
        text,
        child_dir.as_deref(),
        Some(&label),
        pos.depth.saturating_add(1),
        ctx,
        out,
        pos.kind,
    );
    ctx.stack.pop();
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn run(text: &str) -> Parsed {
        let mut out = Parsed::new(ManifestKind::Requirements);
        parse(text, None, "requirements.txt", &mut out);
        out
    }

    #[test]
    fn lines_comments_continuations_crlf() {
        let p = run(
            "# c\r\ntorch==2.5.1+cu121 \\\r\n  --hash=sha256:aa \\\r\n  --hash=sha256:bb\r\nnumpy>=1.26 # trailing\r\nurl#frag==1\r\n",
        );
        assert_eq!(p.dependencies.len(), 2, "{p:?}");
        let torch = &p.dependencies[0];
        assert_eq!(torch.version.as_deref(), Some("2.5.1+cu121"));
        assert_eq!(torch.hashes, 2);
        assert_eq!(torch.source_line, 2);
        assert_eq!(p.dependencies[1].specifier.as_deref(), Some(">=1.26"));
        assert_eq!(p.dependencies[1].source_line, 5);
        // `#` not after whitespace is not a comment: the line stays and is malformed.
        assert_eq!(p.issues.len(), 1);
        assert_eq!(
            (p.issues[0].rule, p.issues[0].line),
            ("dep-manifest-malformed", 6)
        );
    }

    #[test]
    fn index_urls_and_vcs() {
        let p = run(
            "--index-url https://u:p@corp.example/simple\n--extra-index-url https://corp.example/simple\n--extra-index-url=https://pypi.org/simple\n-e git+https://ghp_tok@github.com/o/r.git#egg=mypkg\n",
        );
        let rules: Vec<_> = p.issues.iter().map(|i| (i.rule, i.line)).collect();
        assert_eq!(
            rules,
            [
                ("dep-index-credentials", 1),
                ("dep-extra-index-url", 2),
                // PyPI as an extra index next to the private primary of line 1.
                ("dep-extra-index-url", 3),
                ("dep-index-credentials", 4)
            ]
        );
        assert!(p.issues.iter().all(|i| {
            i.evidence
                .iter()
                .all(|(_, v)| !v.contains("ghp_tok") && !v.contains("u:p"))
        }));
        assert_eq!(p.dependencies[0].name, "mypkg");
    }

    #[test]
    fn public_extra_index_next_to_a_private_primary() {
        let p =
            run("-i https://pypi.corp.example/simple\n--extra-index-url https://pypi.org/simple\n");
        assert_eq!(p.issues.len(), 1);
        assert_eq!(
            (p.issues[0].rule, p.issues[0].line),
            ("dep-extra-index-url", 2)
        );
        assert!(
            run("--extra-index-url https://pypi.org/simple\n")
                .issues
                .is_empty()
        );
    }

    #[test]
    fn includes_without_dir_are_incomplete() {
        let p = run("-r other.txt\n");
        assert_eq!(p.issues[0].rule, "dep-include-error");
        assert!(p.incomplete.is_some());
    }

    #[test]
    fn malformed_lines_are_positioned() {
        let p = run("ok==1\n\n!!bad\n");
        assert_eq!(p.issues.len(), 1);
        assert_eq!(p.issues[0].line, 3);
        assert_eq!(p.issues[0].offset, Some(7));
    }
}
