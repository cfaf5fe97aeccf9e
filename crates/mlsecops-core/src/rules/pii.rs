//! Personal-data rules (notebook outputs, code, tabular data files).

#[allow(unused_imports)]
use super::{Category, Compliance, Rule};
#[allow(unused_imports)]
use crate::Severity;

pub(super) static RULES: &[Rule] = &[];
