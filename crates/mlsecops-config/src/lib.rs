//! The `mlsecops.toml` project config: parsing, validation and discovery.
//!
//! Unknown keys and bad values are errors that point at `file:line:column` with a caret
//! snippet of the offending line. Nothing here prints; callers render [`ConfigError`].
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use mlsecops_core::{Category, FileReport, Severity, rule};
use serde::Deserialize;
use toml::Spanned;

mod waivers;

pub use waivers::{Date, DateError, MAX_WAIVERS, WAIVERS_FILE_NAME, Waiver, Waivers};

/// Name of the project config file.
pub const FILE_NAME: &str = "mlsecops.toml";

/// The commented default config written by `mlsecops init`. It parses to
/// [`Config::default()`]; every `# key = value` line is a valid setting once uncommented.
pub const DEFAULT_TEMPLATE: &str = r#"## mlsecops project config.
##
## `mlsecops scan` uses `--config FILE`, or else the first `mlsecops.toml` found walking up
## from the first scanned path (the walk stops at a directory containing `.git`).
## Every setting below is commented out and shows its default or an example.
## Unknown keys and bad values are errors.

## Waivers file, relative to this file [default: .mlsecops-waivers.toml next to this file].
## Waivers can also be written here as [[waiver]] tables (docs/governance.md):
##   [[waiver]]
##   rule = "pickle-unknown-global"   # or "*"
##   path = "models/legacy/**"        # glob relative to this file's directory
##   reason = "reviewed in SEC-123"
##   owner = "ml-platform@example.com"
##   expires = "2027-03-31"           # YYYY-MM-DD, last day it applies
# waivers = ".mlsecops-waivers.toml"

[scan]
## Lowest severity that fails the run (exit 1): critical | high | medium | low | info.
## `--fail-on` on the command line wins.
# fail_on = "high"
## Treat files that could not be fully analysed as failures (`--strict` also turns it on).
# strict = false
## Paths never scanned: globs relative to this file's directory (`*` stays within one
## directory, `**` crosses directories). A pattern without `/` matches a file or directory
## name anywhere; a matching directory excludes everything below it.
# exclude = ["tests/fixtures/**", "*.bak"]
## Maximum container nesting (ZIP in gzip in tar ...).
# max_depth = 5
## Scanners (rule categories) switched off: their passes are not run and their findings are
## dropped. Categories: pickle, archive, format, keras, tensorflow, onnx, gguf, template,
## safetensors, repository, notebook, secrets, pii, code, dependency, posture, governance.
# disable = ["pii"]

## Per-rule overrides keyed by rule id (`mlsecops rules` lists them), either inline as below
## or as tables:  [rules."pickle-unknown-global"]  severity = "medium"
[rules]
# "pickle-unknown-global" = { severity = "medium" }
# "zip-crc-mismatch" = { enabled = false }

[policy]
## Policy directories (stored for policy gates; not evaluated yet).
# paths = ["policies/"]

[advisories]
## OSV advisory database for dependency checks: a PyPI `all.zip` or a directory of OSV JSON
## files, relative to this file. `--advisories` wins; default: the cache filled by
## `mlsecops db update|import`, else the built-in seed set.
# source = "advisories/osv-pypi-all.zip"
"#;

/// An error loading or validating a config file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{}: {error}", path.display())]
    Io {
        /// The config file.
        path: PathBuf,
        /// The I/O error.
        error: std::io::Error,
    },
    /// The file is not valid TOML, has an unknown key or a bad value.
    #[error("{}:{line}:{column}: {message}\n{snippet}", path.display())]
    Invalid {
        /// The config file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column (in characters).
        column: usize,
        /// What is wrong.
        message: String,
        /// The offending line with a caret underline (no trailing newline).
        snippet: String,
    },
}

impl ConfigError {
    fn invalid(path: &Path, text: &str, span: Option<Range<usize>>, message: String) -> Self {
        let span = span.unwrap_or(0..0);
        let (line, column, snippet) = locate(text, span);
        ConfigError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            message,
            snippet,
        }
    }
}

/// Returns 1-based line and column of `span.start` and a caret snippet.
fn locate(text: &str, span: Range<usize>) -> (usize, usize, String) {
    let mut start = span.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let source = text[line_start..line_end]
        .trim_end_matches('\r')
        .replace('\t', " ");
    let column = text[line_start..start].chars().count() + 1;
    let mut end = span.end.clamp(start, line_end);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let width = text[start..end].trim_end().chars().count().max(1);
    let gutter = " ".repeat(line.to_string().len());
    let snippet = format!(
        "{gutter} |\n{line} | {source}\n{gutter} | {}{}",
        " ".repeat(column - 1),
        "^".repeat(width)
    );
    (line, column, snippet)
}

/// The `[scan]` section.
#[derive(Debug, Clone, Default)]
pub struct ScanConfig {
    /// Lowest severity that fails the run; `None` leaves the command-line default.
    pub fail_on: Option<Severity>,
    /// Strict mode; `None` leaves the command-line default.
    pub strict: Option<bool>,
    /// Exclude globs as written.
    pub exclude: Vec<String>,
    /// Maximum container nesting.
    pub max_depth: Option<usize>,
    /// Scanners (rule categories) switched off.
    pub disable: Vec<Category>,
    excludes: GlobSet,
}

impl PartialEq for ScanConfig {
    fn eq(&self, other: &Self) -> bool {
        // `excludes` is compiled from `exclude`.
        self.fail_on == other.fail_on
            && self.strict == other.strict
            && self.exclude == other.exclude
            && self.max_depth == other.max_depth
            && self.disable == other.disable
    }
}

impl Eq for ScanConfig {}

/// One `[rules."id"]` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleConfig {
    /// Severity override for the rule's findings.
    pub severity: Option<Severity>,
    /// `false` drops the rule's findings.
    pub enabled: bool,
}

impl Default for RuleConfig {
    fn default() -> Self {
        RuleConfig {
            severity: None,
            enabled: true,
        }
    }
}

/// The `[policy]` section (stored; evaluated by a later feature).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyConfig {
    /// Policy directories, relative to the config file's directory.
    pub paths: Vec<PathBuf>,
}

/// The `[advisories]` section.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdvisoriesConfig {
    /// Advisory database (`all.zip` or directory) as written, relative to the config's
    /// directory; see [`Config::advisories_path`].
    pub source: Option<String>,
}

/// A parsed and validated `mlsecops.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// Directory relative paths and exclude globs are resolved against (the file's directory).
    pub base_dir: PathBuf,
    /// `[scan]`.
    pub scan: ScanConfig,
    /// `[rules]`, keyed by rule id (every id exists in the registry).
    pub rules: BTreeMap<String, RuleConfig>,
    /// `[policy]`.
    pub policy: PolicyConfig,
    /// `[advisories]`.
    pub advisories: AdvisoriesConfig,
    /// Top-level `waivers` file, as written (relative to [`Config::base_dir`]).
    pub waivers: Option<PathBuf>,
    /// `[[waiver]]` tables written in the config itself.
    pub inline_waivers: Vec<Waiver>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    scan: RawScan,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, RawRule>,
    #[serde(default)]
    policy: RawPolicy,
    #[serde(default)]
    advisories: RawAdvisories,
    waivers: Option<String>,
    #[serde(default)]
    waiver: Vec<Spanned<waivers::RawWaiver>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawScan {
    fail_on: Option<Spanned<String>>,
    strict: Option<bool>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    max_depth: Option<usize>,
    #[serde(default)]
    disable: Vec<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRule {
    severity: Option<Spanned<String>>,
    enabled: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(default)]
    paths: Vec<PathBuf>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAdvisories {
    source: Option<String>,
}

impl Config {
    /// Parses and validates config `text`; `path` names the file in errors and gives the
    /// base directory.
    pub fn from_str(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let invalid = |span: Range<usize>, message: String| {
            ConfigError::invalid(path, text, Some(span), message)
        };
        let raw: RawConfig = toml::from_str(text).map_err(|err| {
            ConfigError::invalid(path, text, err.span(), err.message().to_owned())
        })?;
        let severity = |value: &Spanned<String>| {
            value
                .get_ref()
                .parse::<Severity>()
                .map_err(|err| invalid(value.span(), err.to_string()))
        };

        let fail_on = raw.scan.fail_on.as_ref().map(severity).transpose()?;
        let mut builder = GlobSetBuilder::new();
        for pattern in &raw.scan.exclude {
            for glob in expand_pattern(pattern.get_ref()) {
                let glob = GlobBuilder::new(&glob)
                    .literal_separator(true)
                    .build()
                    .map_err(|err| {
                        invalid(
                            pattern.span(),
                            format!(
                                "invalid exclude glob `{}`: {}",
                                pattern.get_ref(),
                                err.kind()
                            ),
                        )
                    })?;
                builder.add(glob);
            }
            if pattern.get_ref().trim_matches('/').is_empty() {
                return Err(invalid(pattern.span(), "empty exclude pattern".to_owned()));
            }
        }
        let excludes = builder
            .build()
            .map_err(|err| invalid(0..0, format!("exclude globs: {err}")))?;

        let mut disable = Vec::new();
        for name in &raw.scan.disable {
            let Some(category) = Category::ALL
                .iter()
                .copied()
                .find(|c| c.as_str() == name.get_ref())
            else {
                let known: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
                return Err(invalid(
                    name.span(),
                    format!(
                        "unknown scanner `{}` (one of: {})",
                        name.get_ref(),
                        known.join(", ")
                    ),
                ));
            };
            disable.push(category);
        }

        let mut rules = BTreeMap::new();
        for (id, entry) in &raw.rules {
            if rule(id.get_ref()).is_none() {
                return Err(invalid(
                    id.span(),
                    format!(
                        "unknown rule id `{}` (`mlsecops rules` lists them)",
                        id.get_ref()
                    ),
                ));
            }
            let config = RuleConfig {
                severity: entry.severity.as_ref().map(severity).transpose()?,
                enabled: entry.enabled.unwrap_or(true),
            };
            rules.insert(id.get_ref().clone(), config);
        }

        Ok(Config {
            base_dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            scan: ScanConfig {
                fail_on,
                strict: raw.scan.strict,
                exclude: raw
                    .scan
                    .exclude
                    .iter()
                    .map(|p| p.get_ref().clone())
                    .collect(),
                max_depth: raw.scan.max_depth,
                disable,
                excludes,
            },
            rules,
            policy: PolicyConfig {
                paths: raw.policy.paths,
            },
            advisories: AdvisoriesConfig {
                source: raw.advisories.source,
            },
            waivers: raw.waivers.map(PathBuf::from),
            inline_waivers: waivers::validate(&raw.waiver, text, path)?,
        })
    }

    /// Reads and parses the config file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Io {
            path: path.to_path_buf(),
            error,
        })?;
        Config::from_str(&text, path)
    }

    /// Resolves a path written in the config against the config file's directory.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        self.base_dir.join(path)
    }

    /// The `[advisories] source` path resolved against the config's directory.
    pub fn advisories_path(&self) -> Option<PathBuf> {
        self.advisories
            .source
            .as_ref()
            .map(|source| self.base_dir.join(source))
    }

    /// Whether findings of rule `id` are kept.
    pub fn rule_enabled(&self, id: &str) -> bool {
        self.rules.get(id).is_none_or(|r| r.enabled)
    }

    /// Applies rule overrides to scanned files: drops findings of disabled rules and
    /// replaces the severity of overridden ones, recording the severity it replaced in
    /// [`Finding::default_severity`](mlsecops_core::Finding::default_severity). Apply before
    /// building the report, whose summary and exit code come from the findings.
    pub fn apply(&self, files: &mut [FileReport]) {
        if self.rules.is_empty() && self.scan.disable.is_empty() {
            return;
        }
        for file in files {
            file.findings.retain(|f| {
                self.rule_enabled(&f.rule)
                    && rule(&f.rule).is_none_or(|r| !self.scan.disable.contains(&r.category))
            });
            for finding in &mut file.findings {
                if let Some(severity) = self.rules.get(&finding.rule).and_then(|r| r.severity)
                    && severity != finding.severity
                {
                    finding.default_severity.get_or_insert(finding.severity);
                    finding.severity = severity;
                }
            }
        }
    }

    /// Whether `path` (as given on the command line or found by the walk) matches an
    /// exclude glob. Globs match the path relative to the config's directory, or the path
    /// as given when it lies outside that directory.
    pub fn is_excluded(&self, path: &Path) -> bool {
        if self.scan.exclude.is_empty() {
            return false;
        }
        let given = normalize(path);
        if self.scan.excludes.is_match(&given) {
            return true;
        }
        let base = if self.base_dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &self.base_dir
        };
        let (Ok(abs_path), Ok(abs_base)) = (std::path::absolute(path), std::path::absolute(base))
        else {
            return false;
        };
        let (abs_path, abs_base) = (normalize(&abs_path), normalize(&abs_base));
        abs_path
            .strip_prefix(&abs_base)
            .is_ok_and(|rel| self.scan.excludes.is_match(rel))
    }
}

/// Gitignore-like expansion: a pattern without `/` (other than a trailing one) matches at
/// any depth, a leading `/` anchors it, and a match also covers everything below it.
fn expand_pattern(pattern: &str) -> Vec<String> {
    let trimmed = pattern.trim_end_matches('/');
    let base = if let Some(anchored) = trimmed.strip_prefix('/') {
        anchored.to_owned()
    } else if trimmed.contains('/') {
        trimmed.strip_prefix("./").unwrap_or(trimmed).to_owned()
    } else {
        format!("**/{trimmed}")
    };
    if base.is_empty() {
        return Vec::new();
    }
    let below = format!("{base}/**");
    vec![base, below]
}

/// Lexically removes `.` and resolves `..` components.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Finds the project config for a scan of `start`: walks upward from `start` (or its
/// directory, for a file) to the filesystem root looking for `mlsecops.toml`, and stops
/// after checking a directory that contains `.git` (the repository root).
pub fn discover(start: &Path) -> Option<PathBuf> {
    let start = normalize(&std::path::absolute(start).ok()?);
    let mut dir = if start.is_dir() {
        start
    } else {
        start.parent()?.to_path_buf()
    };
    loop {
        let candidate = dir.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        if dir.join(".git").exists() || !dir.pop() {
            return None;
        }
    }
}

#[cfg(test)]
mod tests;
