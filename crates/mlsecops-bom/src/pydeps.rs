//! Small bounded readers of Python dependency manifests: `requirements.txt`, `pyproject.toml`
//! (`[project].dependencies`, `[tool.poetry.dependencies]`) and the `pip:` section of
//! `conda.yaml` / `environment.yml`.

use crate::yaml::{self, Node};

/// Largest manifest read.
pub(crate) const MAX_MANIFEST_BYTES: u64 = 1 << 20;
/// Most requirements taken from one manifest.
const MAX_REQUIREMENTS: usize = 4096;

/// One Python requirement.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Requirement {
    /// PEP 503 normalised name.
    pub(crate) name: String,
    /// Exact version when pinned with `==` (or `===`).
    pub(crate) version: Option<String>,
    /// The version specifier as written, when not an exact pin.
    pub(crate) specifier: Option<String>,
}

impl Requirement {
    /// `pkg:pypi/<name>[@<version>]`.
    pub(crate) fn purl(&self) -> String {
        match &self.version {
            Some(v) => format!("pkg:pypi/{}@{}", self.name, percent_encode(v)),
            None => format!("pkg:pypi/{}", self.name),
        }
    }
}

fn percent_encode(s: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Manifest kinds recognised by file name.
pub(crate) fn is_manifest(file_name: &str) -> bool {
    matches!(
        file_name,
        "requirements.txt"
            | "pyproject.toml"
            | "conda.yaml"
            | "conda.yml"
            | "environment.yml"
            | "environment.yaml"
    )
}

/// Parses manifest `file_name` with contents `text`.
pub(crate) fn parse(file_name: &str, text: &str) -> Vec<Requirement> {
    let mut reqs = match file_name {
        "requirements.txt" => text.lines().filter_map(parse_pep508).collect(),
        "pyproject.toml" => parse_pyproject(text),
        _ => parse_conda(text),
    };
    reqs.truncate(MAX_REQUIREMENTS);
    reqs
}

fn normalise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut last_sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !last_sep {
                out.push('-');
            }
            last_sep = true;
        } else {
            out.push(c.to_ascii_lowercase());
            last_sep = false;
        }
    }
    out
}

/// One PEP 508 requirement line (pip options, URLs, paths and comments yield `None`).
pub(crate) fn parse_pep508(line: &str) -> Option<Requirement> {
    let line = match line.find(" #") {
        Some(i) => line.get(..i)?,
        None => line,
    };
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') || line.starts_with('-') {
        return None;
    }
    let line = line.split(';').next()?.trim();
    let name_len = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(line.len());
    let name = line.get(..name_len)?;
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return None;
    }
    let mut rest = line.get(name_len..)?.trim_start();
    if rest.starts_with('[') {
        rest = rest.get(rest.find(']')? + 1..)?.trim_start();
    }
    if rest.starts_with('@') || rest.starts_with(':') || rest.starts_with('/') {
        return None;
    }
    let spec = rest.trim_start_matches('(').trim_end_matches(')').trim();
    let spec: String = spec.chars().filter(|c| !c.is_whitespace()).collect();
    let exact = spec
        .strip_prefix("===")
        .or_else(|| spec.strip_prefix("=="))
        .filter(|v| !v.is_empty() && !v.contains([',', '*', '<', '>', '!', '~', '=']));
    Some(Requirement {
        name: normalise(name),
        version: exact.map(str::to_owned),
        specifier: if exact.is_none() && !spec.is_empty() {
            Some(spec)
        } else {
            None
        },
    })
}

fn parse_pyproject(text: &str) -> Vec<Requirement> {
    let Ok(doc) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(deps) = doc
        .get("project")
        .and_then(|p| p.get("dependencies"))
        .and_then(toml::Value::as_array)
    {
        out.extend(
            deps.iter()
                .filter_map(toml::Value::as_str)
                .filter_map(parse_pep508),
        );
    }
    if let Some(deps) = doc
        .get("tool")
        .and_then(|t| t.get("poetry"))
        .and_then(|p| p.get("dependencies"))
        .and_then(toml::Value::as_table)
    {
        for (name, value) in deps {
            if name == "python" {
                continue;
            }
            let spec = match value {
                toml::Value::String(s) => Some(s.clone()),
                toml::Value::Table(t) => t
                    .get("version")
                    .and_then(toml::Value::as_str)
                    .map(str::to_owned),
                _ => None,
            };
            let line = match spec {
                Some(s) if s.chars().next().is_some_and(|c| c.is_ascii_digit()) => {
                    format!("{name}=={s}")
                }
                Some(s) if s != "*" => format!("{name}{s}"),
                _ => name.clone(),
            };
            out.extend(parse_pep508(&line));
        }
    }
    out
}

fn parse_conda(text: &str) -> Vec<Requirement> {
    let Some(doc) = yaml::parse_first(text) else {
        return Vec::new();
    };
    let Some(Node::Seq(deps)) = doc.get("dependencies") else {
        return Vec::new();
    };
    deps.iter()
        .filter_map(|d| d.get("pip"))
        .flat_map(Node::strings)
        .filter_map(|l| parse_pep508(&l))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(name: &str, version: Option<&str>, spec: Option<&str>) -> Requirement {
        Requirement {
            name: name.into(),
            version: version.map(Into::into),
            specifier: spec.map(Into::into),
        }
    }

    #[test]
    fn requirements_lines() {
        let text = "# c\nscikit_learn==1.9.1\nTorch[cuda] >= 2.1, <3 ; python_version>'3.8'\n-r other.txt\n--index-url x\nfoo @ https://x/y.whl\nnumpy\nbad==1.*\n";
        assert_eq!(
            parse("requirements.txt", text),
            [
                req("scikit-learn", Some("1.9.1"), None),
                req("torch", None, Some(">=2.1,<3")),
                req("numpy", None, None),
                req("bad", None, Some("==1.*")),
            ]
        );
        assert_eq!(
            req("a.b", Some("1.0+cpu"), None).purl(),
            "pkg:pypi/a.b@1.0%2Bcpu"
        );
    }

    #[test]
    fn pyproject_and_conda() {
        let py = "[project]\ndependencies = [\"transformers==4.57.0\", \"tokenizers>=0.20\"]\n[tool.poetry.dependencies]\npython = \"^3.10\"\nrich = \"13.0\"\n";
        assert_eq!(
            parse("pyproject.toml", py),
            [
                req("transformers", Some("4.57.0"), None),
                req("tokenizers", None, Some(">=0.20")),
                req("rich", Some("13.0"), None),
            ]
        );
        let conda = "dependencies:\n- python=3.11\n- pip:\n  - mlflow==3.17.2\n";
        assert_eq!(
            parse("conda.yaml", conda),
            [req("mlflow", Some("3.17.2"), None)]
        );
        assert!(parse("pyproject.toml", "[[[").is_empty());
    }
}
