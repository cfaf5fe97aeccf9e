//! Governance results carried by a run report: waivers (exceptions with an owner, a reason
//! and an expiry) and policy-gate outcomes (Rego `deny` / `violation` / `warn` results).
//!
//! The waiver file format and the policy engine live in their own crates; this module only
//! holds what every renderer and the exit code need to see.

use serde::{Deserialize, Serialize};

/// The waiver that covers a finding, copied onto the finding so every report shows why it
/// does not fail the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedWaiver {
    /// Where the waiver is declared: `file:line` of its `[[waiver]]` table.
    pub id: String,
    /// Why the finding is accepted.
    pub reason: String,
    /// Who accepted it.
    pub owner: String,
    /// Last day the waiver applies (`YYYY-MM-DD`, inclusive).
    pub expires: String,
}

/// State of one waiver entry in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WaiverState {
    /// In force and matched at least one finding.
    Active,
    /// Past its expiry date: it no longer waives anything (the findings it matches fail
    /// as usual).
    Expired,
    /// In force but matched no finding: the list is rotting and should be cleaned up.
    Unused,
}

impl WaiverState {
    /// Lower-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            WaiverState::Active => "active",
            WaiverState::Expired => "expired",
            WaiverState::Unused => "unused",
        }
    }
}

/// One waiver entry and what it did in this run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaiverEntry {
    /// `file:line` of the `[[waiver]]` table.
    pub id: String,
    /// Rule id the waiver applies to (`*` for any rule).
    pub rule: String,
    /// Path glob the waiver applies to.
    pub path: String,
    /// Finding fingerprint the waiver is pinned to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// Why.
    pub reason: String,
    /// Who.
    pub owner: String,
    /// Expiry date (`YYYY-MM-DD`, inclusive).
    pub expires: String,
    /// What it did in this run.
    pub state: WaiverState,
    /// Number of findings it matched (for an expired waiver: the findings it would have
    /// waived).
    pub matched: usize,
}

/// Waiver bookkeeping of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaiverReport {
    /// Files the waivers were read from.
    pub sources: Vec<String>,
    /// Date the expiries were evaluated against (`YYYY-MM-DD`).
    pub today: String,
    /// Every entry with its state.
    pub entries: Vec<WaiverEntry>,
}

impl WaiverReport {
    /// Entries in `state`.
    pub fn in_state(&self, state: WaiverState) -> impl Iterator<Item = &WaiverEntry> {
        self.entries.iter().filter(move |e| e.state == state)
    }
}

/// Whether a policy result fails the run or only warns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyLevel {
    /// `deny*` / `violation*` rules: fail the run.
    Deny,
    /// `warn*` rules: reported; fail the run only with `fail_on_warn`.
    Warn,
}

/// One message produced by a policy rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyMessage {
    /// Deny or warn.
    pub level: PolicyLevel,
    /// Policy package (`main`, `mlsecops.default`).
    pub package: String,
    /// Rule name (`deny`, `deny_unsigned`, `violation`, `warn_licence`).
    pub rule: String,
    /// The message (`msg`).
    pub msg: String,
    /// Extra keys of a `violation` object (`rule_id`, `severity`, `path`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

/// Outcome of the policy gate for one run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PolicyReport {
    /// Policy sources evaluated (`builtin:default`, file paths).
    pub sources: Vec<String>,
    /// Whether warnings fail the run too.
    pub fail_on_warn: bool,
    /// Every message, denies first.
    pub results: Vec<PolicyMessage>,
}

impl PolicyReport {
    /// Number of messages at `level`.
    pub fn count(&self, level: PolicyLevel) -> usize {
        self.results.iter().filter(|m| m.level == level).count()
    }

    /// Whether the policy results fail the run.
    pub fn fails(&self) -> bool {
        self.count(PolicyLevel::Deny) > 0
            || (self.fail_on_warn && self.count(PolicyLevel::Warn) > 0)
    }
}
