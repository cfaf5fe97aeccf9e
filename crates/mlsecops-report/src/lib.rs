//! Renderers for mlsecops: human text, JSON, SARIF 2.1.0 and the rule documentation.
//!
//! Everything here is generated from the core data model ([`ScanReport`]) and the rule
//! registry ([`RULES`](mlsecops_core::RULES)); nothing prints. Text renderers either write
//! to a caller-supplied [`std::io::Write`] or return a `String`, so the CLI decides where
//! output goes and whether colour is on.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod compliance;
mod human;
mod rules_doc;
mod sarif;
mod style;

pub use human::{HumanOptions, render_human};
pub use rules_doc::{render_rule_explain, render_rules_markdown, render_rules_table};
pub use sarif::render_sarif;

use mlsecops_core::ScanReport;

/// Repository URL (from Cargo metadata), used for SARIF `informationUri` and rule help links.
pub const REPOSITORY_URL: &str = env!("CARGO_PKG_REPOSITORY");

/// URL of the documentation of one rule (`docs/rules.md#<id>` in the repository).
pub fn rule_help_uri(rule_id: &str) -> String {
    format!("{REPOSITORY_URL}/blob/main/docs/rules.md#{rule_id}")
}

/// The report as pretty-printed JSON with a trailing newline: exactly the serde form of
/// [`ScanReport`], the stable schema of `--format json`.
pub fn render_json(report: &ScanReport) -> String {
    let mut out = serde_json::to_string_pretty(report)
        .expect("ScanReport serialises: all map keys are strings");
    out.push('\n');
    out
}
