//! Shared data model of mlsecops: severities, the rule registry, findings, per-file
//! status and the run report. Every scanner produces [`Finding`]s that reference a rule
//! declared once in [`rules::RULES`]; renderers (human, JSON, SARIF) and docs are generated
//! from the same registry.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod calendar;
mod finding;
pub mod frameworks;
mod governance;
mod observation;
pub mod paths;
mod report;
pub mod rules;
mod severity;

pub use finding::{Evidence, Finding, Location};
pub use governance::{
    AppliedWaiver, PolicyLevel, PolicyMessage, PolicyReport, WaiverEntry, WaiverReport, WaiverState,
};
pub use observation::{FormatAnalysis, Observation};
pub use report::{ExitCode, FileReport, FileStatus, ScanReport, Summary, ToolInfo};
pub use rules::{Category, Compliance, RULES, RULESET_VERSION, Rule, rule};
pub use severity::{ParseSeverityError, Severity};
