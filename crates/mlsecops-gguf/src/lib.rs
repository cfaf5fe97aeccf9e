//! Bounded GGUF header and metadata parser with security checks.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
