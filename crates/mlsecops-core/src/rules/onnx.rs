//! ONNX model rules.

#[allow(unused_imports)]
use super::{Category, Rule};
#[allow(unused_imports)]
use crate::Severity;

pub(super) static RULES: &[Rule] = &[];
