//! ONNX model security checks (external data, custom domains, functions).
#![forbid(unsafe_code)]
#![warn(missing_docs)]
