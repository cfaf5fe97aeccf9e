//! The code-and-data passes over text files: Jupyter notebooks (every cell, output and
//! metadata fragment, then the raw JSON once more), dependency manifests, tabular data
//! files, Python code (unsafe ML API use), ML infrastructure configs, and the secrets and
//! personal-data passes that every text file gets.
//!
//! Findings land at `Location { line, column }` (text files) or `{ cell, output, line,
//! column }` (notebooks); secrets are never carried whole, only masked and hashed.

use std::collections::HashSet;
use std::path::Path;
use std::sync::LazyLock;

use mlsecops_core::{Category, Location, Observation, Severity};
use mlsecops_deps::AdvisoryDb;
use mlsecops_notebook::{Fragment, FragmentKind, MimeClass};

use crate::engine::{Cx, base_name, has_ext};

/// Bytes looked at to decide whether a file is text.
const TEXT_SNIFF_LEN: usize = 8 * 1024;

/// Advisory database used when the caller gave none: the built-in seed set.
static SEED_DB: LazyLock<AdvisoryDb> = LazyLock::new(AdvisoryDb::seed);

/// Files whose content is machine-generated hashes or vocabularies: the secrets and PII
/// passes only produce noise there (their dependency content is still analysed).
const NO_TEXT_PASS_NAMES: &[&str] = &[
    "tokenizer.json",
    "vocab.json",
    "vocab.txt",
    "merges.txt",
    "added_tokens.json",
    "special_tokens_map.json",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "cargo.lock",
    "poetry.lock",
    "uv.lock",
    "pipfile.lock",
    "pylock.toml",
    "go.sum",
];

/// Whether `data` looks like text: no NUL byte and at most a few invalid UTF-8 sequences
/// in its first 8 KiB.
pub(crate) fn is_text(data: &[u8]) -> bool {
    let head = data.get(..TEXT_SNIFF_LEN.min(data.len())).unwrap_or(data);
    if head.is_empty() || head.contains(&0) {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        // A multi-byte character cut at the end of the window is fine.
        Err(err) => err.error_len().is_none() && err.valid_up_to() + 4 >= head.len(),
    }
}

/// Whether `name` is a Jupyter notebook by name.
pub(crate) fn is_notebook_name(name: &str) -> bool {
    has_ext(base_name(name), &["ipynb"])
}

fn skip_text_pass(base: &str) -> bool {
    let lower = base.to_ascii_lowercase();
    NO_TEXT_PASS_NAMES.contains(&lower.as_str()) || lower.starts_with("pylock.")
}

/// 1-based line and column (in characters) of `offset` in `text`.
pub(crate) fn line_column(text: &[u8], offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or_default();
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    // Segments between newlines = newlines + 1 = the 1-based line number.
    let line = before.split(|&b| b == b'\n').count();
    let column = String::from_utf8_lossy(before.get(line_start..).unwrap_or_default())
        .chars()
        .count()
        + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

/// Moves `line` / `column` evidence (kept out of fingerprints) into the location.
fn take_position(obs: &mut Observation, location: &mut Location) {
    if let Some(line) = obs.evidence.remove("line").and_then(|v| v.parse().ok()) {
        location.line = Some(line);
    }
    if let Some(column) = obs.evidence.remove("column").and_then(|v| v.parse().ok()) {
        location.column = Some(column);
    }
}

/// A per-finding severity (dependency advisories carry their own).
fn take_severity(obs: &mut Observation) -> Option<Severity> {
    obs.evidence
        .get("severity")
        .and_then(|s| s.parse::<Severity>().ok())
}

impl<'o> Cx<'o> {
    /// The advisory database of this run (borrowed from the options, not from `self`).
    fn advisories(&self) -> &'o AdvisoryDb {
        let opts: &'o crate::ScanOptions = self.opts;
        opts.advisories.as_deref().unwrap_or(&SEED_DB)
    }

    /// Whether the scanner for `category` is switched on.
    fn on(&self, category: Category) -> bool {
        !self.opts.disabled.contains(&category)
    }

    /// The secrets pass over `text` (empty when the scanner is switched off).
    fn secrets(&self, text: &[u8]) -> Vec<mlsecops_secrets::SecretMatch> {
        if self.on(Category::Secrets) {
            mlsecops_secrets::scan(text)
        } else {
            Vec::new()
        }
    }

    /// Reports one secret at its line and column under `base` (`keep_offset`: the match's
    /// byte range addresses the file itself).
    fn push_secret(
        &mut self,
        m: &mlsecops_secrets::SecretMatch,
        base: &Location,
        keep_offset: bool,
    ) {
        let mut location = base.clone();
        location.line = Some(m.line);
        location.column = Some(m.column);
        let mut obs = m.to_observation();
        if !keep_offset {
            obs.offset = None;
        }
        self.push(obs.into_finding(location));
    }

    /// The line-by-line personal-data pass over `text`, reported under `base`.
    fn push_pii_text(&mut self, text: &str, base: &Location) {
        if !self.on(Category::Pii) {
            return;
        }
        for m in mlsecops_pii::scan_text(text) {
            let mut location = base.clone();
            location.line = Some(m.line);
            location.column = Some(m.column);
            let mut obs = m.to_observation();
            // Positions live in the location (evidence feeds the fingerprint), and the
            // offset indexes the decoded text, not the file's bytes.
            obs.evidence.remove("line");
            obs.evidence.remove("column");
            obs.offset = None;
            self.push(obs.into_finding(location));
        }
    }

    /// Places an observation made over `text` (a whole file, or one notebook fragment at
    /// `base`): evidence positions win, else the offset is turned into line/column.
    fn place_text(&mut self, mut obs: Observation, text: Option<&[u8]>, base: &Location) {
        let mut location = base.clone();
        take_position(&mut obs, &mut location);
        if location.line.is_none()
            && let (Some(text), Some(offset)) = (text, obs.offset)
        {
            let (line, column) = line_column(text, usize::try_from(offset).unwrap_or(usize::MAX));
            location.line = Some(line);
            location.column = Some(column);
        }
        // Offsets inside a notebook fragment do not address the file's bytes.
        if base.cell.is_some() {
            obs.offset = None;
        }
        let severity = take_severity(&mut obs);
        let mut finding = obs.into_finding(location);
        if let Some(severity) = severity {
            finding.severity = severity;
        }
        self.push(finding);
    }

    /// Absorbs an analysis made over a whole text file.
    fn absorb_text(&mut self, analysis: mlsecops_core::FormatAnalysis, text: &[u8]) -> String {
        let base = self.location(None, None);
        for obs in analysis.observations {
            self.place_text(obs, Some(text), &base);
        }
        if let Some(reason) = analysis.incomplete {
            self.mark_incomplete(None, reason);
        }
        analysis.format
    }

    /// The text passes over a top-level file on disk that is text. `format` is the label
    /// an earlier analyser gave it, if any; returns the label to report.
    pub(crate) fn text_file(&mut self, data: &[u8], name: &str, format: Option<String>) -> String {
        let base_name = base_name(name).to_owned();
        let dir = Path::new(self.path).parent();
        let mut label = format;
        let limit = usize::try_from(self.opts.max_text_size).unwrap_or(usize::MAX);
        let text = if data.len() > limit {
            self.mark_incomplete(
                None,
                format!(
                    "text of {} bytes exceeds the {limit}-byte cap of the secrets and PII passes; \
                     only the first {limit} bytes were read",
                    data.len()
                ),
            );
            data.get(..limit).unwrap_or(data)
        } else {
            data
        };

        let db = self.advisories();
        if self.on(Category::Dependency)
            && let Some(analysis) = mlsecops_deps::analyze_manifest(&base_name, text, dir, db)
        {
            let format = self.absorb_text(analysis, text);
            label.get_or_insert(format);
        }
        let data_file = mlsecops_pii::is_data_file_name(&base_name);
        if data_file
            && self.on(Category::Pii)
            && let Some(analysis) = mlsecops_pii::analyze_data_file(&base_name, data)
        {
            let format = self.absorb_text(analysis, text);
            label.get_or_insert(format);
        }
        if has_ext(&base_name, &["py", "pyw"]) && self.on(Category::Code) {
            let analysis = mlsecops_repo::lint::lint(text);
            let format = self.absorb_text(analysis, text);
            label.get_or_insert(format);
        }
        if self.on(Category::Posture)
            && mlsecops_repo::posture::is_posture_candidate(self.path)
            && let Some(analysis) = mlsecops_repo::posture::analyze(self.path, text)
        {
            let format = self.absorb_text(analysis, text);
            label.get_or_insert(format);
        }
        if !skip_text_pass(&base_name) {
            let base = self.location(None, None);
            for m in self.secrets(text) {
                self.push_secret(&m, &base, true);
            }
            // Data files get the column-aware pass instead of the line-by-line one.
            if !data_file {
                self.push_pii_text(&String::from_utf8_lossy(text), &base);
            }
        }
        label.unwrap_or_else(|| text_label(&base_name).to_owned())
    }

    /// A Jupyter notebook: document checks, then every fragment through the secrets, PII,
    /// code-lint and dependency passes, then the raw JSON through the secrets pass once
    /// more for anything the structured pass could not see.
    pub(crate) fn notebook(&mut self, data: &[u8]) -> String {
        let limits = mlsecops_notebook::Limits::default();
        let (analysis, notebook, fragments) =
            mlsecops_notebook::analyze_with_fragments(data, &limits);
        let file = self.location(None, None);
        for mut obs in analysis.observations {
            let at = mlsecops_notebook::take_location(&mut obs);
            let mut location = file.clone();
            location.cell = at.cell;
            location.output = at.output;
            location.line = at.line;
            location.column = at.column;
            if at.cell.is_some() {
                obs.offset = None;
            }
            self.push(obs.into_finding(location));
        }
        if let Some(reason) = analysis.incomplete {
            self.mark_incomplete(None, reason);
        }
        let mut seen = Seen::default();
        if notebook.is_some() {
            // Outputs rendered both as an HTML table and as plain text: the table pass
            // (column-aware) covers them, the plain-text copy would only repeat it.
            seen.tables = fragments
                .iter()
                .filter(|f| is_html(f) && table(&f.text).is_some())
                .map(|f| (f.cell, f.output))
                .collect();
            for fragment in &fragments {
                self.notebook_fragment(fragment, &file, &mut seen);
            }
        }
        for m in self.secrets(data) {
            if !seen.secrets.contains(&(m.detector, m.sha256.clone())) {
                self.push_secret(&m, &file, true);
            }
        }
        mlsecops_notebook::FORMAT.to_owned()
    }

    fn notebook_fragment(&mut self, fragment: &Fragment, file: &Location, seen: &mut Seen) {
        let mut base = file.clone();
        base.cell = fragment.cell;
        base.output = fragment.output;
        let text = fragment.text.as_bytes();
        for m in self.secrets(text) {
            // The same output often comes in several mime types (text/plain and text/html).
            let key = (m.detector, m.sha256.clone(), fragment.cell, fragment.output);
            if seen.located.insert(key) {
                seen.secrets.insert((m.detector, m.sha256.clone()));
                // Offsets inside a fragment do not address the file's bytes.
                self.push_secret(&m, &base, false);
            }
        }
        let table_output = seen.tables.contains(&(fragment.cell, fragment.output));
        if !self.on(Category::Pii) {
            // Personal-data pass switched off.
        } else if is_html(fragment)
            && let Some((header, rows)) = table(&fragment.text)
        {
            for obs in mlsecops_pii::scan_table(&header, &rows) {
                self.place_text(obs, None, &base);
            }
        } else if !(table_output && fragment.kind.is_output()) {
            self.push_pii_text(&fragment.text, &base);
        }
        if fragment.kind == FragmentKind::CodeSource && self.on(Category::Code) {
            let source = mlsecops_notebook::python_source(&fragment.text);
            for obs in mlsecops_repo::lint::lint_source(&source) {
                self.place_text(obs, Some(source.as_bytes()), &base);
            }
        }
        if fragment.kind == FragmentKind::CodeSource && self.on(Category::Dependency) {
            // `%%bash` cell bodies come without the `!` that marks a shell line.
            let lines: Vec<(u32, String)> = mlsecops_notebook::shell_lines(&fragment.text)
                .into_iter()
                .map(|(n, l)| {
                    if l.starts_with(['!', '%']) {
                        (n, l)
                    } else {
                        (n, format!("!{l}"))
                    }
                })
                .collect();
            if !lines.is_empty() {
                let db = self.advisories();
                for obs in mlsecops_deps::analyze_shell_lines(&lines, db) {
                    self.place_text(obs, Some(text), &base);
                }
            }
        }
    }
}

/// What the notebook passes already reported.
#[derive(Default)]
struct Seen {
    /// Secrets found by the structured pass: (detector, hash), for the raw pass.
    secrets: HashSet<(&'static str, String)>,
    /// Secrets per output: (detector, hash, cell, output).
    located: HashSet<(&'static str, String, Option<u32>, Option<u32>)>,
    /// Outputs that carry an HTML table.
    tables: HashSet<(Option<u32>, Option<u32>)>,
}

fn is_html(fragment: &Fragment) -> bool {
    fragment
        .mime
        .as_deref()
        .is_some_and(|m| mlsecops_notebook::mime_class(m) == MimeClass::Html)
}

/// A tab-separated table (notebook HTML rendered by `html_to_text`): header and rows, when
/// the text has at least a header and one row with tabs.
fn table(text: &str) -> Option<(Vec<String>, Vec<Vec<String>>)> {
    let mut lines = text.lines().filter(|l| l.contains('\t'));
    let header: Vec<String> = lines
        .next()?
        .split('\t')
        .map(|c| c.trim().to_owned())
        .collect();
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split('\t').map(|c| c.trim().to_owned()).collect())
        .collect();
    (!rows.is_empty()).then_some((header, rows))
}

/// Format label of a text file no analyser claimed.
fn text_label(base: &str) -> &'static str {
    let lower = base.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map_or("", |(_, e)| e);
    match ext {
        "md" | "markdown" | "rst" => "markdown",
        "py" | "pyw" => "python",
        "sh" | "bash" | "zsh" => "shell",
        "yaml" | "yml" => "yaml",
        "json" => "json",
        "toml" => "toml",
        "cfg" | "ini" | "conf" | "properties" | "env" => "config",
        _ if lower.starts_with("dockerfile") => "dockerfile",
        _ if lower.starts_with(".env") => "config",
        _ => "text",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_sniff() {
        assert!(is_text(b"import torch\n"));
        assert!(!is_text(b"PK\x03\x04\0\0"));
        assert!(!is_text(b""));
        assert!(is_text("caf\u{e9}\n".as_bytes()));
        assert!(!is_text(b"\xff\xfe\xfd\xfc garbage \xff\xff"));
    }

    #[test]
    fn positions() {
        assert_eq!(line_column(b"ab\ncd", 4), (2, 2));
        assert_eq!(line_column(b"ab", 0), (1, 1));
        assert_eq!(line_column("\u{e9}x".as_bytes(), 2), (1, 2));
        assert_eq!(line_column(b"a", 99), (1, 2));
    }

    #[test]
    fn tables() {
        let (h, rows) = table("name\temail\nA\ta@x.org\nB\tb@y.org").unwrap_or_default();
        assert_eq!(h, vec!["name", "email"]);
        assert_eq!(rows.len(), 2);
        assert!(table("no tabs here").is_none());
    }
}
