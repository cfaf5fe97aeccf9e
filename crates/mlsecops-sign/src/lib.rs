//! `OpenSSF` model signing (OMS v1.0) compatible with the `model_signing` 1.x reference, and
//! DSSE-signed scan attestations.
//!
//! Layers: [`manifest`] (walk, per-file/per-shard SHA-256, ordering, root digest) →
//! [`bundle`] (in-toto Statement v1, DSSE envelope, Sigstore bundle v0.3, signer and verifier
//! traits) → [`keys`] / [`cert`] (ECDSA keys, X.509 chains) and [`attest`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod attest;
pub mod bundle;
pub mod cert;
pub mod dsse;
pub mod keys;
pub mod manifest;

use std::path::{Path, PathBuf};

pub use attest::{Attestation, SCAN_PREDICATE_TYPE, attest, verify_attestation};
pub use bundle::{
    Bundle, BundleSigner, BundleVerifier, CertificateSigner, CertificateVerifier, KeySigner,
    KeyVerifier, Verified, VerifyOptions, sign_model, verify_model,
};
pub use keys::{Curve, PrivateKey, PublicKey, keygen};
pub use manifest::{HashConfig, Manifest, ManifestDiff, Method};

/// Errors of signing and verification.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// File-system error.
    #[error("{path}: {source}")]
    Io {
        /// Path involved.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// A symlink in the model while symlinks are not allowed.
    #[error("{0}: symbolic links are not allowed in a signed model")]
    Symlink(PathBuf),
    /// A special file (socket, device, FIFO).
    #[error("{0}: not a regular file or directory")]
    SpecialFile(PathBuf),
    /// A file name that is not UTF-8.
    #[error("{0}: file name is not valid UTF-8")]
    NonUtf8(PathBuf),
    /// A file shrank while it was hashed.
    #[error("{0}: file changed while it was hashed")]
    Changed(PathBuf),
    /// A size or count cap was hit.
    #[error("limit exceeded: {0}")]
    Limit(String),
    /// Malformed bundle, envelope or statement.
    #[error("malformed signature bundle: {0}")]
    Bundle(String),
    /// Valid but unsupported input.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// Unusable key.
    #[error("key: {0}")]
    Key(String),
    /// The bundle names another key (hint mismatch).
    #[error("the signature was made with a different key (public key hint mismatch)")]
    KeyMismatch,
    /// Certificate or chain problem.
    #[error("certificate: {0}")]
    Certificate(String),
    /// The signature does not verify.
    #[error("signature does not verify")]
    BadSignature,
    /// The model differs from the signed manifest.
    #[error("model does not match the signature: {}", describe_diff(.0))]
    Mismatch(Box<ManifestDiff>),
    /// The signed manifest lists no file at all (e.g. `ignore_paths` covers the whole model):
    /// such a signature would "verify" any model, so it is refused (fail closed).
    #[error(
        "the signature covers no file of the model (every path is ignored or the manifest is empty)"
    )]
    EmptyManifest,
}

impl Error {
    fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

fn describe_diff(d: &ManifestDiff) -> String {
    let mut parts = Vec::new();
    if !d.added.is_empty() {
        parts.push(format!("added {}", d.added.join(", ")));
    }
    if !d.removed.is_empty() {
        parts.push(format!("removed {}", d.removed.join(", ")));
    }
    if !d.changed.is_empty() {
        parts.push(format!("changed {}", d.changed.join(", ")));
    }
    parts.join("; ")
}

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Decodes hex (either case); `None` when malformed or longer than 128 bytes.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.len() > 256 {
        return None;
    }
    s.as_bytes()
        .chunks_exact(2)
        .map(|p| {
            let hi = char::from(*p.first()?).to_digit(16)?;
            let lo = char::from(*p.get(1)?).to_digit(16)?;
            u8::try_from(hi * 16 + lo).ok()
        })
        .collect()
}

#[cfg(test)]
mod tests;
