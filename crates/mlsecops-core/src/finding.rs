use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::Severity;
use crate::rules::rule;

/// Where a finding was made.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// File on disk, as given on the command line or found by the walk.
    pub path: String,
    /// Member inside an archive; nested archives are joined with `!/`
    /// (e.g. `outer.zip!/inner.zip!/archive/data.pkl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// Byte offset inside the innermost member (or the file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Index of the pickle opcode (0-based, counted across all streams).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opcode_index: Option<u64>,
    /// Notebook cell index (0-based, in document order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell: Option<u32>,
    /// Output index inside the notebook cell (0-based); absent for the cell source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<u32>,
    /// Line (1-based) inside the text that was analysed: the file, or the notebook cell
    /// source / output named by `cell` and `output`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Column (1-based, in characters) on `line`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

impl Location {
    /// A location naming only a file.
    pub fn file(path: impl Into<String>) -> Self {
        Location {
            path: path.into(),
            ..Location::default()
        }
    }

    /// Human form: `path!/member @ offset 12 (opcode #3)`, or for text
    /// `notebook.ipynb cell 3 output 1:4:17` (cell, output, line, column).
    pub fn display(&self) -> String {
        let mut out = self.path.clone();
        if let Some(member) = &self.member {
            out.push_str("!/");
            out.push_str(member);
        }
        if let Some(cell) = self.cell {
            let _ = write!(out, " cell {cell}");
        }
        if let Some(output) = self.output {
            let _ = write!(out, " output {output}");
        }
        if let Some(line) = self.line {
            let _ = write!(out, ":{line}");
            if let Some(column) = self.column {
                let _ = write!(out, ":{column}");
            }
        }
        if let Some(offset) = self.offset {
            let _ = write!(out, " @ offset {offset}");
        }
        if let Some(op) = self.opcode_index {
            let _ = write!(out, " (opcode #{op})");
        }
        out
    }
}

/// Machine-readable facts backing a finding (e.g. `global = posix.system`, `opcode = REDUCE`).
/// Keys are sorted so reports are deterministic.
pub type Evidence = BTreeMap<String, String>;

/// One problem found in one file. Findings are data, never errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable rule id from the registry (kebab-case).
    pub rule: String,
    /// Severity (the rule's default unless overridden).
    pub severity: Severity,
    /// One human sentence.
    pub message: String,
    /// Where.
    pub location: Location,
    /// Supporting facts.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub evidence: Evidence,
    /// Stable hash of rule, path, member and evidence: identifies "the same finding" across
    /// runs (used by SARIF `partialFingerprints`, baselines and waivers). Offsets are not
    /// part of it, so unrelated edits that move bytes keep the fingerprint.
    pub fingerprint: String,
    /// The rule's default severity, present only when a config override changed
    /// [`Finding::severity`] (so reports can show that the project config decided it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_severity: Option<Severity>,
    /// The active waiver covering this finding, if any. A waived finding is still reported
    /// but does not count towards `--fail-on`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<crate::AppliedWaiver>,
}

impl Finding {
    /// Builds a finding for `rule_id` at the rule's default severity.
    ///
    /// # Panics
    /// In debug builds, if `rule_id` is not in the registry (a programming error caught by tests).
    pub fn new(rule_id: &str, message: impl Into<String>, location: Location) -> Self {
        let known = rule(rule_id);
        debug_assert!(known.is_some(), "unknown rule id {rule_id}");
        let severity = known.map_or(Severity::High, |r| r.severity);
        let mut finding = Finding {
            rule: rule_id.to_owned(),
            severity,
            message: message.into(),
            location,
            evidence: Evidence::new(),
            fingerprint: String::new(),
            default_severity: None,
            waiver: None,
        };
        finding.refresh_fingerprint();
        finding
    }

    /// Adds one evidence entry (builder style) and updates the fingerprint.
    #[must_use]
    pub fn with_evidence(mut self, key: &str, value: impl Into<String>) -> Self {
        self.evidence.insert(key.to_owned(), value.into());
        self.refresh_fingerprint();
        self
    }

    /// Overrides the severity (builder style).
    #[must_use]
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// Whether an active waiver covers this finding.
    pub fn is_waived(&self) -> bool {
        self.waiver.is_some()
    }

    /// Recomputes [`Finding::fingerprint`] after the location or evidence changed.
    pub fn refresh_fingerprint(&mut self) {
        let mut hasher = Sha256::new();
        for part in [
            self.rule.as_str(),
            self.location.path.as_str(),
            self.location.member.as_deref().unwrap_or(""),
        ] {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
        for (key, value) in &self.evidence {
            // Offsets move with unrelated edits; keep them out of the identity.
            if key == "embedded_at" {
                continue;
            }
            hasher.update(key.as_bytes());
            hasher.update([1]);
            hasher.update(value.as_bytes());
            hasher.update([0]);
        }
        let digest = hasher.finalize();
        let mut hex = String::with_capacity(32);
        for byte in digest.iter().take(16) {
            let _ = write!(hex, "{byte:02x}");
        }
        self.fingerprint = hex;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_depends_on_identity_not_offset() {
        let mut loc = Location::file("a.pkl");
        let a = Finding::new("pickle-code-execution", "x", loc.clone())
            .with_evidence("global", "posix.system");
        loc.offset = Some(99);
        let b =
            Finding::new("pickle-code-execution", "y", loc).with_evidence("global", "posix.system");
        assert_eq!(a.fingerprint, b.fingerprint);
        let c = Finding::new("pickle-code-execution", "x", Location::file("a.pkl"))
            .with_evidence("global", "nt.system");
        assert_ne!(a.fingerprint, c.fingerprint);
        assert_eq!(a.fingerprint.len(), 32);
    }

    #[test]
    fn location_display() {
        let loc = Location {
            path: "m.pt".into(),
            member: Some("archive/data.pkl".into()),
            offset: Some(12),
            opcode_index: Some(3),
            ..Location::default()
        };
        assert_eq!(
            loc.display(),
            "m.pt!/archive/data.pkl @ offset 12 (opcode #3)"
        );
    }
}
