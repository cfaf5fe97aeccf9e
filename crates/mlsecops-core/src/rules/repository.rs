//! Model repository rules: Hugging Face configs and code, MLflow, skops, TorchServe, NeMo.

#[allow(unused_imports)]
use super::{Category, Rule};
#[allow(unused_imports)]
use crate::Severity;

pub(super) static RULES: &[Rule] = &[];
