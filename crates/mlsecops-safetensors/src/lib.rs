//! Strict safetensors header validation with security findings.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
