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

/// Reads one base-128 varint at `pos`; returns the value and the position after it, or
/// `None` when the data ends or the varint is longer than ten bytes. Used by the bounded
/// wire-format trials that route `.pb` files before a full decode.
pub fn read_varint(data: &[u8], mut pos: usize) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *data.get(pos)?;
        pos = pos.checked_add(1)?;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some((value, pos));
        }
    }
    None
}

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
