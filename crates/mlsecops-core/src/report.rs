use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Finding, PolicyReport, RULESET_VERSION, Severity, WaiverReport};

/// How completely one file was analysed. Nothing but `complete` means "fully analysed";
/// a file that was not fully analysed is never reported as clean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    /// Every byte that a loader would interpret was analysed.
    Complete,
    /// Partly analysed: truncated or malformed stream, a cap was hit, an encrypted or
    /// over-large member, an unknown opcode… Findings made before that point are kept.
    Inconclusive,
    /// Could not be read at all (I/O error, vanished file, permission denied).
    Error,
    /// Named or shaped like a model, but in a format this version does not analyse.
    Unsupported,
    /// Deliberately not analysed: not a model file (by content and name) or excluded.
    Skipped,
}

impl FileStatus {
    /// All statuses, in report order.
    pub const ALL: [FileStatus; 5] = [
        FileStatus::Complete,
        FileStatus::Inconclusive,
        FileStatus::Error,
        FileStatus::Unsupported,
        FileStatus::Skipped,
    ];

    /// Lower-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            FileStatus::Complete => "complete",
            FileStatus::Inconclusive => "inconclusive",
            FileStatus::Error => "error",
            FileStatus::Unsupported => "unsupported",
            FileStatus::Skipped => "skipped",
        }
    }

    /// True when the file was not fully analysed although it may hold a model.
    pub fn is_incomplete(self) -> bool {
        matches!(
            self,
            FileStatus::Inconclusive | FileStatus::Error | FileStatus::Unsupported
        )
    }
}

/// Result for one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileReport {
    /// Path as given or found by the walk.
    pub path: String,
    /// Detected format, e.g. `pytorch-zip`, `pickle`, `joblib`, `gzip:pickle`, `unknown`.
    pub format: String,
    /// Analysis status.
    pub status: FileStatus,
    /// Why the status is not `complete` (first reason), if it is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// File size in bytes (0 if unknown).
    pub size: u64,
    /// Findings, sorted by location then rule.
    pub findings: Vec<Finding>,
}

impl FileReport {
    /// Highest severity among the findings.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// Name and versions of the producing tool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    /// Always `mlsecops`.
    pub name: String,
    /// Tool version.
    pub version: String,
    /// Version of the rule registry.
    pub ruleset: String,
}

impl ToolInfo {
    /// Tool info for a given binary version.
    pub fn new(version: &str) -> Self {
        ToolInfo {
            name: "mlsecops".to_owned(),
            version: version.to_owned(),
            ruleset: RULESET_VERSION.to_owned(),
        }
    }
}

/// Totals of one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Number of files reported.
    pub files: usize,
    /// Files per status (every status present, zero included).
    pub status: BTreeMap<String, usize>,
    /// Coverage: files per detected format, then per status (`{"gguf": {"complete": 2}}`).
    /// Skipped files are counted too, so nothing is silently dropped.
    #[serde(default)]
    pub formats: BTreeMap<String, BTreeMap<String, usize>>,
    /// Number of findings (waived ones included).
    pub findings: usize,
    /// Findings covered by an active waiver (they do not count towards `fail_on`).
    #[serde(default)]
    pub waived: usize,
    /// Policy-gate messages that fail the run (`deny*` / `violation*`).
    #[serde(default)]
    pub policy_denies: usize,
    /// Policy-gate warnings (`warn*`).
    #[serde(default)]
    pub policy_warnings: usize,
    /// Findings per severity (every severity present, zero included).
    pub severity: BTreeMap<String, usize>,
    /// Highest severity found, if any.
    pub max_severity: Option<Severity>,
    /// Threshold used for the exit code.
    pub fail_on: Severity,
    /// Whether incompletely analysed files count as failures.
    pub strict: bool,
    /// Process exit code this run ends with (see [`ExitCode`]).
    pub exit_code: i32,
}

/// Documented process exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// 0: every file fully analysed (or deliberately skipped), nothing at or above `--fail-on`.
    Clean = 0,
    /// 1: at least one finding at or above `--fail-on` that no active waiver covers (even if
    /// some files also failed), a policy `deny`/`violation` (or a `warn` with
    /// `--fail-on-warn`), or, with `--strict`, a file that was not fully analysed.
    Findings = 1,
    /// 2: nothing at or above `--fail-on`, but some file could not be fully analysed
    /// (inconclusive, error, unsupported), or nothing at all was analysed.
    Incomplete = 2,
    /// 3: usage error or fatal error before scanning (bad flag, unwritable output).
    Usage = 3,
}

/// The whole run: the stable JSON schema of `--format json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanReport {
    /// Schema version of this document.
    pub schema_version: u32,
    /// Producing tool.
    pub tool: ToolInfo,
    /// Per-file results, sorted by path.
    pub files: Vec<FileReport>,
    /// Totals and the exit code.
    pub summary: Summary,
    /// Waivers and what they did (absent when no waiver file was used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waivers: Option<WaiverReport>,
    /// Policy-gate outcome (absent when no policy was evaluated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyReport>,
}

impl ScanReport {
    /// Current JSON schema version.
    pub const SCHEMA_VERSION: u32 = 1;

    /// Assembles a report, sorting files and computing the summary and exit code.
    pub fn new(
        tool: ToolInfo,
        mut files: Vec<FileReport>,
        fail_on: Severity,
        strict: bool,
    ) -> Self {
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let mut report = ScanReport {
            schema_version: Self::SCHEMA_VERSION,
            tool,
            files,
            summary: Summary {
                files: 0,
                status: BTreeMap::new(),
                formats: BTreeMap::new(),
                findings: 0,
                waived: 0,
                policy_denies: 0,
                policy_warnings: 0,
                severity: BTreeMap::new(),
                max_severity: None,
                fail_on,
                strict,
                exit_code: 0,
            },
            waivers: None,
            policy: None,
        };
        report.refresh_summary();
        report
    }

    /// Recomputes the summary and exit code from the files, waivers and policy results
    /// (call after changing any of them).
    pub fn refresh_summary(&mut self) {
        let mut status: BTreeMap<String, usize> = FileStatus::ALL
            .iter()
            .map(|s| (s.as_str().to_owned(), 0))
            .collect();
        let mut severity: BTreeMap<String, usize> = Severity::ALL
            .iter()
            .map(|s| (s.as_str().to_owned(), 0))
            .collect();
        let mut findings = 0;
        let mut waived = 0;
        let mut max_severity = None;
        let mut formats: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
        for file in &self.files {
            *status.entry(file.status.as_str().to_owned()).or_default() += 1;
            *formats
                .entry(file.format.clone())
                .or_default()
                .entry(file.status.as_str().to_owned())
                .or_default() += 1;
            for finding in &file.findings {
                findings += 1;
                if finding.is_waived() {
                    waived += 1;
                }
                *severity
                    .entry(finding.severity.as_str().to_owned())
                    .or_default() += 1;
                max_severity = max_severity.max(Some(finding.severity));
            }
        }
        let summary = &mut self.summary;
        summary.files = self.files.len();
        summary.status = status;
        summary.formats = formats;
        summary.findings = findings;
        summary.waived = waived;
        summary.severity = severity;
        summary.max_severity = max_severity;
        summary.policy_denies = self
            .policy
            .as_ref()
            .map_or(0, |p| p.count(crate::PolicyLevel::Deny));
        summary.policy_warnings = self
            .policy
            .as_ref()
            .map_or(0, |p| p.count(crate::PolicyLevel::Warn));
        self.summary.exit_code = self.exit_code() as i32;
    }

    /// Exit code from the findings and statuses, per the documented contract.
    pub fn exit_code(&self) -> ExitCode {
        let fail_on = self.summary.fail_on;
        let failing = self
            .files
            .iter()
            .flat_map(|f| &f.findings)
            .any(|f| f.severity >= fail_on && !f.is_waived());
        let policy_fails = self.policy.as_ref().is_some_and(PolicyReport::fails);
        let incomplete = self.files.iter().any(|f| f.status.is_incomplete());
        let analysed = self.files.iter().any(|f| f.status != FileStatus::Skipped);
        if failing || policy_fails || (self.summary.strict && incomplete) {
            ExitCode::Findings
        } else if incomplete || !analysed {
            ExitCode::Incomplete
        } else {
            ExitCode::Clean
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Finding, Location};

    fn file(status: FileStatus, findings: Vec<Finding>) -> FileReport {
        FileReport {
            path: "f".into(),
            format: "pickle".into(),
            status,
            reason: None,
            size: 1,
            findings,
        }
    }

    fn crit() -> Finding {
        Finding::new("pickle-code-execution", "m", Location::file("f"))
    }

    fn exit(files: Vec<FileReport>, fail_on: Severity, strict: bool) -> ExitCode {
        ScanReport::new(ToolInfo::new("0"), files, fail_on, strict).exit_code()
    }

    #[test]
    fn exit_code_contract() {
        use FileStatus::*;
        assert_eq!(
            exit(vec![file(Complete, vec![])], Severity::High, false),
            ExitCode::Clean
        );
        assert_eq!(
            exit(vec![file(Complete, vec![crit()])], Severity::High, false),
            ExitCode::Findings
        );
        // A finding and an error together still exit 1.
        assert_eq!(
            exit(
                vec![file(Complete, vec![crit()]), file(Error, vec![])],
                Severity::High,
                false
            ),
            ExitCode::Findings
        );
        assert_eq!(
            exit(vec![file(Inconclusive, vec![])], Severity::High, false),
            ExitCode::Incomplete
        );
        assert_eq!(
            exit(vec![file(Inconclusive, vec![])], Severity::High, true),
            ExitCode::Findings
        );
        assert_eq!(
            exit(vec![file(Unsupported, vec![])], Severity::High, false),
            ExitCode::Incomplete
        );
        // Skipped files alone: nothing was analysed.
        assert_eq!(
            exit(vec![file(Skipped, vec![])], Severity::High, false),
            ExitCode::Incomplete
        );
        assert_eq!(exit(vec![], Severity::High, false), ExitCode::Incomplete);
        assert_eq!(
            exit(
                vec![file(Complete, vec![]), file(Skipped, vec![])],
                Severity::High,
                false
            ),
            ExitCode::Clean
        );
        let low = crit().with_severity(Severity::Low);
        assert_eq!(
            exit(
                vec![file(Complete, vec![low.clone()])],
                Severity::High,
                false
            ),
            ExitCode::Clean
        );
        assert_eq!(
            exit(vec![file(Complete, vec![low])], Severity::Low, false),
            ExitCode::Findings
        );
    }

    #[test]
    fn summary_counts() {
        let report = ScanReport::new(
            ToolInfo::new("0"),
            vec![
                file(FileStatus::Complete, vec![crit()]),
                file(FileStatus::Error, vec![]),
            ],
            Severity::High,
            false,
        );
        assert_eq!(report.summary.files, 2);
        assert_eq!(report.summary.findings, 1);
        assert_eq!(report.summary.severity["critical"], 1);
        assert_eq!(report.summary.status["error"], 1);
        assert_eq!(report.summary.max_severity, Some(Severity::Critical));
        assert_eq!(report.summary.exit_code, 1);
    }
}
