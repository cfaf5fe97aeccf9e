//! Python dependency rules: OSV advisories, malicious and typo-squatted packages, manifests.

#[allow(unused_imports)]
use super::{Category, Compliance, Rule};
#[allow(unused_imports)]
use crate::Severity;

pub(super) static RULES: &[Rule] = &[];
