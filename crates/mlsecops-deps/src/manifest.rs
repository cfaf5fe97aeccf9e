//! Manifest model shared by every parser: dependencies plus the issues seen while parsing.

use std::fmt;

/// Manifest formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ManifestKind {
    /// `requirements*.txt` / `constraints*.txt` (pip).
    Requirements,
    /// `pyproject.toml` (PEP 621, PEP 735, Poetry).
    Pyproject,
    /// `poetry.lock`.
    PoetryLock,
    /// `uv.lock`.
    UvLock,
    /// `Pipfile.lock`.
    PipfileLock,
    /// `pylock.toml` (PEP 751).
    Pylock,
    /// conda `environment.yml`.
    CondaEnv,
    /// Notebook shell lines (`!pip install`, `%conda install`).
    Shell,
}

impl ManifestKind {
    /// Format label for reports.
    pub fn label(self) -> &'static str {
        match self {
            ManifestKind::Requirements => "requirements",
            ManifestKind::Pyproject => "pyproject",
            ManifestKind::PoetryLock => "poetry-lock",
            ManifestKind::UvLock => "uv-lock",
            ManifestKind::PipfileLock => "pipfile-lock",
            ManifestKind::Pylock => "pylock",
            ManifestKind::CondaEnv => "conda-env",
            ManifestKind::Shell => "notebook-shell",
        }
    }

    /// Lockfiles: versions there are what gets installed.
    pub fn is_lockfile(self) -> bool {
        matches!(
            self,
            ManifestKind::PoetryLock
                | ManifestKind::UvLock
                | ManifestKind::PipfileLock
                | ManifestKind::Pylock
        )
    }

    /// Kind of a file name (basename; case-insensitive), `None` when not a manifest.
    #[allow(clippy::case_sensitive_file_extension_comparisons)] // `base` is lowercased
    pub fn from_name(name: &str) -> Option<Self> {
        let base = name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(name)
            .to_ascii_lowercase();
        let kind = match base.as_str() {
            "pyproject.toml" => ManifestKind::Pyproject,
            "poetry.lock" => ManifestKind::PoetryLock,
            "uv.lock" => ManifestKind::UvLock,
            "pipfile.lock" => ManifestKind::PipfileLock,
            "pylock.toml" => ManifestKind::Pylock,
            "conda.yaml" | "conda.yml" => ManifestKind::CondaEnv,
            b if b.starts_with("pylock.") && b.ends_with(".toml") => ManifestKind::Pylock,
            b if (b.starts_with("environment")
                || b.starts_with("conda-env")
                || b.starts_with("conda_env"))
                && (b.ends_with(".yml") || b.ends_with(".yaml")) =>
            {
                ManifestKind::CondaEnv
            }
            b if (b.contains("requirements") || b.contains("constraints"))
                && (b.ends_with(".txt") || b.ends_with(".in")) =>
            {
                ManifestKind::Requirements
            }
            _ => return None,
        };
        Some(kind)
    }
}

impl fmt::Display for ManifestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Which package index namespace a dependency name lives in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ecosystem {
    /// A PyPI name.
    PyPi,
    /// A conda package mapped to this PyPI name through the alias map.
    CondaMapped {
        /// The conda package name as written.
        conda_name: String,
    },
    /// A conda package with no PyPI equivalent in the alias map (not matched).
    CondaUnmapped,
}

/// One declared or locked dependency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    /// Name as written (for conda-mapped entries: the PyPI name).
    pub name: String,
    /// PEP 503 normalised (PyPI) name.
    pub normalized_name: String,
    /// Version specifier (PEP 440; Poetry constraints translated, `||` kept between
    /// alternatives), `None` when absent.
    pub specifier: Option<String>,
    /// Exact version when pinned (`==`, `===`, lockfiles, conda `=V=build`), as written.
    pub version: Option<String>,
    /// Extras.
    pub extras: Vec<String>,
    /// Environment markers (text; never evaluated).
    pub markers: Option<String>,
    /// Direct URL / VCS source, credentials redacted.
    pub url: Option<String>,
    /// Number of `--hash` / lockfile hashes.
    pub hashes: usize,
    /// 1-based line in the manifest (0 when unknown).
    pub source_line: u32,
    /// Byte offset of that line in the analysed bytes (`None` in included files).
    pub offset: Option<u64>,
    /// Included file this came from (`-r other.txt`), relative to the manifest directory.
    pub file: Option<String>,
    /// Manifest type.
    pub origin: ManifestKind,
    /// Group / extra / section (`dev`, `optional:gpu`, `develop`), when any.
    pub group: Option<String>,
    /// Name space of `name`.
    pub ecosystem: Ecosystem,
}

impl Dependency {
    /// New PyPI dependency.
    pub fn new(name: &str, origin: ManifestKind, line: u32) -> Self {
        Dependency {
            name: name.to_owned(),
            normalized_name: crate::pep::normalize_name(name),
            specifier: None,
            version: None,
            extras: Vec::new(),
            markers: None,
            url: None,
            hashes: 0,
            source_line: line,
            offset: None,
            file: None,
            origin,
            group: None,
            ecosystem: Ecosystem::PyPi,
        }
    }
}

/// A problem seen while parsing (credentials, includes, malformed lines…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Registry rule id.
    pub rule: &'static str,
    /// One sentence.
    pub message: String,
    /// 1-based line (0 when unknown).
    pub line: u32,
    /// Byte offset of the line (`None` in included files).
    pub offset: Option<u64>,
    /// Included file, relative to the manifest directory.
    pub file: Option<String>,
    /// Extra evidence.
    pub evidence: Vec<(&'static str, String)>,
}

impl Issue {
    pub(crate) fn new(rule: &'static str, message: impl Into<String>, line: u32) -> Self {
        Issue {
            rule,
            message: message.into(),
            line,
            offset: None,
            file: None,
            evidence: Vec::new(),
        }
    }

    pub(crate) fn with(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.evidence.push((key, value.into()));
        self
    }
}

/// Result of parsing one manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// Manifest type.
    pub kind: ManifestKind,
    /// Dependencies in file order.
    pub dependencies: Vec<Dependency>,
    /// Parse-time issues.
    pub issues: Vec<Issue>,
    /// Set when part of the manifest was not read (limit, unfollowed include, error).
    pub incomplete: Option<String>,
}

impl Parsed {
    pub(crate) fn new(kind: ManifestKind) -> Self {
        Parsed {
            kind,
            dependencies: Vec::new(),
            issues: Vec::new(),
            incomplete: None,
        }
    }

    pub(crate) fn incomplete(&mut self, reason: impl Into<String>) {
        if self.incomplete.is_none() {
            self.incomplete = Some(reason.into());
        }
    }
}

/// Why a manifest could not be parsed at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestError {
    /// Not a manifest name.
    #[error("not a dependency manifest name")]
    NotManifest,
    /// Larger than the per-format limit.
    #[error("manifest is {size} bytes, limit is {limit}")]
    TooLarge {
        /// Size.
        size: usize,
        /// Limit.
        limit: usize,
    },
    /// Not UTF-8.
    #[error("manifest is not UTF-8 (byte {0})")]
    NotUtf8(usize),
    /// Syntax error (TOML, JSON, YAML).
    #[error("line {line}: {message}")]
    Syntax {
        /// 1-based line (0 when unknown).
        line: u32,
        /// Parser message.
        message: String,
    },
}

impl ManifestError {
    /// 1-based line of the error, when known.
    pub fn line(&self) -> u32 {
        match self {
            ManifestError::Syntax { line, .. } => *line,
            _ => 0,
        }
    }
}

/// Byte offsets of line starts, for line numbers of spans and searched text.
pub(crate) struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i.saturating_add(1)));
        Lines { text, starts }
    }

    /// 1-based line holding byte `pos`.
    pub(crate) fn line_of(&self, pos: usize) -> u32 {
        let idx = self.starts.partition_point(|&s| s <= pos);
        u32::try_from(idx).unwrap_or(u32::MAX)
    }

    /// Byte offset where 1-based `line` starts.
    pub(crate) fn start_of(&self, line: u32) -> Option<u64> {
        let idx = usize::try_from(line).ok()?.checked_sub(1)?;
        self.starts.get(idx).map(|&s| s as u64)
    }

    /// First occurrence of `needle` at or after `from`: (line, byte).
    pub(crate) fn find_from(&self, needle: &str, from: usize) -> Option<(u32, usize)> {
        let rest = self.text.get(from..)?;
        let at = rest.find(needle)?.checked_add(from)?;
        Some((self.line_of(at), at))
    }
}

/// Decodes manifest bytes: strips a UTF-8 BOM, rejects non-UTF-8 and oversize input.
pub(crate) fn decode(data: &[u8], limit: usize) -> Result<&str, ManifestError> {
    if data.len() > limit {
        return Err(ManifestError::TooLarge {
            size: data.len(),
            limit,
        });
    }
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    std::str::from_utf8(data).map_err(|e| ManifestError::NotUtf8(e.valid_up_to()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn manifest_names() {
        assert_eq!(
            ManifestKind::from_name("requirements.txt"),
            Some(ManifestKind::Requirements)
        );
        assert_eq!(
            ManifestKind::from_name("dev-requirements.txt"),
            Some(ManifestKind::Requirements)
        );
        assert_eq!(
            ManifestKind::from_name("requirements-gpu.in"),
            Some(ManifestKind::Requirements)
        );
        assert_eq!(
            ManifestKind::from_name("a/b/Pipfile.lock"),
            Some(ManifestKind::PipfileLock)
        );
        assert_eq!(
            ManifestKind::from_name("pylock.dev.toml"),
            Some(ManifestKind::Pylock)
        );
        assert_eq!(
            ManifestKind::from_name("environment-cuda.yaml"),
            Some(ManifestKind::CondaEnv)
        );
        assert_eq!(
            ManifestKind::from_name("conda.yaml"),
            Some(ManifestKind::CondaEnv)
        );
        assert_eq!(ManifestKind::from_name("config.yaml"), None);
        assert_eq!(ManifestKind::from_name("README.txt"), None);
        assert_eq!(ManifestKind::from_name("Cargo.toml"), None);
    }

    #[test]
    fn line_index() {
        let l = Lines::new("a\nbb\nccc");
        assert_eq!(l.line_of(0), 1);
        assert_eq!(l.line_of(2), 2);
        assert_eq!(l.line_of(5), 3);
        assert_eq!(l.start_of(3), Some(5));
        assert_eq!(l.find_from("c", 0), Some((3, 5)));
    }
}
