//! Protobuf types for the ONNX and TensorFlow formats, as *scanner views*.
//!
//! The Rust code in `src/generated/` is produced at development time by
//! `tests/codegen.rs` (protox + prost-build, no `protoc`, no build script) from the vendored
//! `.proto` files in `protos/` and committed. The messages are trimmed copies of the upstream
//! schemas: the same field numbers, minus tensor payloads and other fields a security scan
//! never reads, so that prost skips those bytes without allocating (see `PROTOS.md`).
//!
//! Decoding uses prost's default recursion limit (100 nested messages); a deeper message
//! is a decode error, never a stack overflow.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use prost::{DecodeError, Message};

/// ONNX IR scanner view (package `mlsecops.onnx`, from `protos/onnx_scan.proto`).
#[allow(
    missing_docs,
    clippy::all,
    clippy::pedantic,
    unreachable_pub,
    rust_2018_idioms
)]
pub mod onnx {
    include!("generated/onnx.rs");
}

/// TensorFlow scanner view (package `mlsecops.tensorflow`, from `protos/tensorflow_scan.proto`).
#[allow(
    missing_docs,
    clippy::all,
    clippy::pedantic,
    unreachable_pub,
    rust_2018_idioms
)]
pub mod tensorflow {
    include!("generated/tensorflow.rs");
}
