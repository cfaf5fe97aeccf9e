//! Python dependencies of a model directory for the BOM, read with `mlsecops-deps` — the same
//! bounded parsers the scanner's dependency check uses (requirements with includes,
//! `pyproject.toml`, lock files, conda environments).

use std::path::Path;

/// Largest manifest read.
pub(crate) const MAX_MANIFEST_BYTES: u64 = 4 << 20;
/// Most requirements taken from one manifest.
const MAX_REQUIREMENTS: usize = 4096;

/// One Python requirement.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Requirement {
    /// PEP 503 normalised name.
    pub(crate) name: String,
    /// Exact version when pinned with `==` (or `===`, or locked).
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

/// Whether `file_name` is a dependency manifest.
pub(crate) fn is_manifest(file_name: &str) -> bool {
    mlsecops_deps::is_manifest_name(file_name)
}

/// The `PyPI` requirements of manifest `file_name` (conda packages only when they map to a
/// `PyPI` name). `dir` (the manifest's directory) lets `-r` includes be followed.
pub(crate) fn parse(file_name: &str, data: &[u8], dir: Option<&Path>) -> Vec<Requirement> {
    let Ok(parsed) = mlsecops_deps::parse_manifest(file_name, data, dir) else {
        return Vec::new();
    };
    let mut reqs: Vec<Requirement> = parsed
        .dependencies
        .into_iter()
        .filter(|d| !matches!(d.ecosystem, mlsecops_deps::Ecosystem::CondaUnmapped))
        .filter(|d| d.normalized_name != "python")
        .map(|d| Requirement {
            name: d.normalized_name,
            specifier: if d.version.is_some() {
                None
            } else {
                d.specifier
            },
            version: d.version,
        })
        .collect();
    reqs.truncate(MAX_REQUIREMENTS);
    reqs
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

    fn names(reqs: &[Requirement]) -> Vec<&str> {
        reqs.iter().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn requirements_lines() {
        let text = "# c\nscikit_learn==1.9.1\nTorch[cuda] >= 2.1, <3 ; python_version>'3.8'\n--index-url https://pypi.org/simple\nnumpy\n";
        let reqs = parse("requirements.txt", text.as_bytes(), None);
        assert_eq!(names(&reqs), ["scikit-learn", "torch", "numpy"]);
        assert_eq!(reqs[0], req("scikit-learn", Some("1.9.1"), None));
        assert!(reqs[1].version.is_none());
        assert!(
            reqs[1]
                .specifier
                .as_deref()
                .is_some_and(|s| s.contains("2.1")),
            "{:?}",
            reqs[1]
        );
        assert_eq!(
            req("a.b", Some("1.0+cpu"), None).purl(),
            "pkg:pypi/a.b@1.0%2Bcpu"
        );
    }

    #[test]
    fn pyproject_and_conda() {
        let py = "[project]\ndependencies = [\"transformers==4.57.0\", \"tokenizers>=0.20\"]\n[tool.poetry.dependencies]\npython = \"^3.10\"\nrich = \"13.0\"\n";
        let reqs = parse("pyproject.toml", py.as_bytes(), None);
        assert_eq!(names(&reqs), ["transformers", "tokenizers", "rich"]);
        assert_eq!(reqs[0], req("transformers", Some("4.57.0"), None));
        let conda = "dependencies:\n- python=3.11\n- pip:\n  - mlflow==3.17.2\n";
        let reqs = parse("conda.yaml", conda.as_bytes(), None);
        assert!(
            reqs.contains(&req("mlflow", Some("3.17.2"), None)),
            "{reqs:?}"
        );
        assert!(!names(&reqs).contains(&"python"));
        assert!(parse("pyproject.toml", b"[[[", None).is_empty());
    }
}
