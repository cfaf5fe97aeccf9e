//! Entropy, masking and hashing of secrets.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

/// Shannon entropy of `bytes` in bits per byte (0 for empty input).
pub fn shannon_entropy(bytes: &[u8]) -> f32 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        let slot = &mut counts[usize::from(b)];
        *slot = slot.saturating_add(1);
    }
    #[allow(clippy::cast_precision_loss)] // lengths of secrets are far below 2^52
    let len = bytes.len() as f64;
    let entropy: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / len;
            -p * p.log2()
        })
        .sum();
    #[allow(clippy::cast_possible_truncation)] // at most 8.0
    let entropy = entropy as f32;
    entropy
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// Masked form of a secret: never the whole secret. Short secrets (< 16 bytes) and non-ASCII
/// ones become `****`; otherwise at most a quarter of the characters is shown: a provider
/// prefix (up to the last `_`/`-` in the first 16 bytes, when `reveal_prefix`) plus two
/// characters, `…`, and the last two characters. PEM blocks show their header line only.
pub fn mask(secret: &[u8], reveal_prefix: bool) -> String {
    const HIDDEN: &str = "****";
    let n = secret.len();
    if n < 16 || !secret.is_ascii() {
        return HIDDEN.to_owned();
    }
    if secret.starts_with(b"-----BEGIN") {
        let header_end = secret
            .get(5..)
            .and_then(|rest| memchr::memmem::find(rest, b"-----"))
            .map_or(10, |i| i + 10);
        return format!(
            "{}…",
            String::from_utf8_lossy(secret.get(..header_end).unwrap_or(b""))
        );
    }
    let budget = n / 4;
    let suffix = 2usize;
    let mut prefix = 2usize;
    if reveal_prefix
        && let Some(p) = secret
            .get(..16)
            .and_then(|head| head.iter().rposition(|&b| b == b'_' || b == b'-'))
    {
        prefix = p + 3;
    }
    if prefix + suffix > budget {
        prefix = budget.saturating_sub(suffix);
    }
    let head = secret.get(..prefix).unwrap_or_default();
    let tail = secret.get(n - suffix..).unwrap_or_default();
    format!(
        "{}…{}",
        String::from_utf8_lossy(head),
        String::from_utf8_lossy(tail)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_of_known_strings() {
        assert!(shannon_entropy(b"aaaa").abs() < 1e-6);
        assert!((shannon_entropy(b"abcd") - 2.0).abs() < 1e-6);
        assert!((shannon_entropy(b"0123456789abcdef") - 4.0).abs() < 1e-6);
    }

    #[test]
    fn masks_never_reveal_the_secret() {
        let hf = b"hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh";
        let m = mask(hf, true);
        assert_eq!(m, "hf_Ab…Gh");
        assert_eq!(mask(b"short", true), "****");
        let ant = b"sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuAA";
        assert_eq!(mask(ant, true), "sk-ant-api03-ab…AA");
        let generic = b"my-secret-password-value";
        let m = mask(generic, false);
        assert_eq!(m, "my…ue");
        let pem = b"-----BEGIN RSA PRIVATE KEY-----\nMIIEow...\n-----END RSA PRIVATE KEY-----";
        assert_eq!(mask(pem, true), "-----BEGIN RSA PRIVATE KEY-----…");
    }

    #[test]
    fn sha256_of_empty() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
