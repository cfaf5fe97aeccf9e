//! Generated protobuf types for ONNX and TensorFlow (committed, no protoc at build).
#![forbid(unsafe_code)]
#![warn(missing_docs)]
