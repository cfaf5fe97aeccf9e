//! Jupyter notebook document rules (structure, metadata).

#[allow(unused_imports)]
use super::{Category, Compliance, Rule};
#[allow(unused_imports)]
use crate::Severity;

pub(super) static RULES: &[Rule] = &[];
