//! ML infrastructure posture rules: exposed servers, disabled auth, public buckets.

#[allow(unused_imports)]
use super::{Category, Compliance, Rule};
#[allow(unused_imports)]
use crate::Severity;

pub(super) static RULES: &[Rule] = &[];
