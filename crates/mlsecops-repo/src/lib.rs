//! Model repository checks: Hugging Face configs and code, MLflow, skops, TorchServe, NeMo, known-safe formats.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
