//! Secret and credential detection over text: rules as data, keyword prefilter, entropy, allowlists, masking, baselines.
//!
//! The built-in detectors live in `data/rules.toml` (a gitleaks-like schema). [`scan`] runs
//! them over bytes: an ASCII case-insensitive Aho-Corasick pass finds keywords, only the
//! detectors whose keyword occurred run, and only on a bounded window (the line) around each
//! keyword hit. Windows holding JSON or string-literal escapes (`\"`, `\n`) are unescaped
//! first, so raw notebook JSON is scanned like its cell text. Candidates pass an entropy check,
//! per-rule and global allowlists and inline allow comments (`mlsecops:allow`,
//! `gitleaks:allow`, `pragma: allowlist secret`, `pragma: allowlist nextline secret` on the line
//! before). Secrets are never returned whole: a match carries a mask and a SHA-256.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::sync::LazyLock;

mod baseline;
mod engine;
mod mask;
mod rules;

pub use baseline::{Baseline, BaselineEntry, BaselineError, BaselineOutcome};
pub use mask::{mask, sha256_hex, shannon_entropy};
pub use rules::{Detector, MAX_DETECTORS, RuleSet, RulesError};

/// The built-in rules file.
pub const BUILTIN_RULES: &str = include_str!("../data/rules.toml");

static BUILTIN: LazyLock<RuleSet> = LazyLock::new(|| {
    RuleSet::from_toml(BUILTIN_RULES)
        .unwrap_or_else(|e| panic!("built-in secret rules are invalid (a test checks this): {e}"))
});

/// The built-in rule set (compiled on first use).
pub fn builtin() -> &'static RuleSet {
    &BUILTIN
}

/// Scans `text` with the built-in rules. Matches are sorted by position and never overlap.
pub fn scan(text: &[u8]) -> Vec<SecretMatch> {
    builtin().scan(text)
}

/// One secret found in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct SecretMatch {
    /// Registry rule id (`secret-ml-platform-token`).
    pub rule: &'static str,
    /// Detector id from the rules file (`huggingface-access-token`).
    pub detector: &'static str,
    /// Detector description (`Hugging Face access token`).
    pub description: &'static str,
    /// Byte offset of the secret in the scanned text.
    pub start: usize,
    /// Byte offset just past the secret (for escaped input this spans the escaped form).
    pub end: usize,
    /// Line (1-based) of `start`.
    pub line: u32,
    /// Column (1-based, in characters) of `start`.
    pub column: u32,
    /// Masked secret (`hf_ab…9z`, or `****` for short secrets); never the secret itself.
    pub masked: String,
    /// Lower-case hex SHA-256 of the (unescaped) secret: its identity in reports and baselines.
    pub sha256: String,
    /// Length of the (unescaped) secret in bytes.
    pub length: usize,
    /// Shannon entropy of the secret in bits per byte.
    pub entropy: f32,
}

impl SecretMatch {
    /// The match as an observation for the scan engine: rule = registry id, offset = `start`,
    /// evidence `detector`, `masked`, `secret_sha256`. Line and column are not evidence (the
    /// evidence is part of the finding fingerprint, and lines move): set
    /// `Location::line` / `Location::column` from [`SecretMatch::line`] / [`SecretMatch::column`].
    pub fn to_observation(&self) -> mlsecops_core::Observation {
        mlsecops_core::Observation::new(
            self.rule,
            format!(
                "{} ({}, {} chars)",
                self.description, self.masked, self.length
            ),
        )
        .at(self.start as u64)
        .with_evidence("detector", self.detector)
        .with_evidence("masked", self.masked.clone())
        .with_evidence("secret_sha256", self.sha256.clone())
    }
}
