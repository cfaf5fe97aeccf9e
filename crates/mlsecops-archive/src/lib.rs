//! Lenient, bounded, anomaly-reporting readers for the containers that wrap ML model files.
//!
//! Everything here works on `&[u8]` (the caller memory-maps the file) and nothing is ever
//! extracted to disk. The readers are deliberately *lenient*: they accept what the real loaders
//! accept (`PyTorch`'s miniz-based ZIP reader ignores CRCs, odd flag bits and local/central name
//! mismatches), and report every oddity as an [`Anomaly`] value instead of failing, so that a
//! scanner sees exactly what the victim's loader would see *and* learns that the file was
//! tampered with.
//!
//! Modules:
//! - [`zip`]: own ZIP reader (EOCD/ZIP64, central directory, local headers, stored/deflate/
//!   bzip2/lzma/zstd members, lazy CRC), with anomalies for published scanner bypasses.
//! - [`compress`]: single-stream wrappers (gzip, zlib, bzip2, xz, lzma-alone, zstd, lz4 frame)
//!   with output and ratio caps; recognises every joblib compressor.
//! - [`tar`]: zero-copy POSIX/GNU/pax tar listing.
//! - [`sevenz`]: bounded in-memory 7z extraction.
//!
//! All parsers are total: no input makes them panic, every declared length is checked against
//! the input before anything is allocated, and all offsets use checked arithmetic.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

mod anomaly;
pub mod compress;
pub mod sevenz;
pub mod tar;
pub mod zip;

pub use anomaly::{Anomaly, AnomalyKind};
