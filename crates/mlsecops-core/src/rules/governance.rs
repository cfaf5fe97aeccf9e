//! Governance rules: model cards and the documentation the frameworks ask for.

#[allow(unused_imports)]
use super::{Category, Compliance, Rule};
#[allow(unused_imports)]
use crate::Severity;

pub(super) static RULES: &[Rule] = &[];
