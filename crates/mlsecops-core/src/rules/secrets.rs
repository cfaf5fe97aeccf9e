//! Secret and credential rules. The detectors themselves are data (`crates/mlsecops-secrets/data/rules.toml`); each detector names one of these registry rules as its group.

#[allow(unused_imports)]
use super::{Category, Compliance, Rule};
#[allow(unused_imports)]
use crate::Severity;

pub(super) static RULES: &[Rule] = &[];
