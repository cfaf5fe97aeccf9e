//! ECDSA keys (P-256/SHA-256, P-384/SHA-384, P-521/SHA-512), PEM loading and key generation.

use ecdsa::signature::{Signer as _, Verifier as _};
use pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use sha2::{Digest, Sha256};
use spki::{DecodePublicKey, EncodePublicKey};

use crate::{Error, Result, hex};

/// Supported curves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    /// secp256r1 with SHA-256.
    P256,
    /// secp384r1 with SHA-384.
    P384,
    /// secp521r1 with SHA-512.
    P521,
}

impl std::str::FromStr for Curve {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().replace('-', "").as_str() {
            "p256" | "secp256r1" | "prime256v1" => Ok(Curve::P256),
            "p384" | "secp384r1" => Ok(Curve::P384),
            "p521" | "secp521r1" => Ok(Curve::P521),
            _ => Err(Error::Unsupported(format!("curve `{s}`"))),
        }
    }
}

/// An ECDSA private key.
#[derive(Clone)]
pub enum PrivateKey {
    /// P-256.
    P256(p256::ecdsa::SigningKey),
    /// P-384.
    P384(p384::ecdsa::SigningKey),
    /// P-521.
    P521(p521::ecdsa::SigningKey),
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKey({:?})", self.curve())
    }
}

/// An ECDSA public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// P-256.
    P256(p256::ecdsa::VerifyingKey),
    /// P-384.
    P384(p384::ecdsa::VerifyingKey),
    /// P-521.
    P521(p521::PublicKey),
}

fn key_err<E: std::fmt::Display>(e: E) -> Error {
    Error::Key(e.to_string())
}

impl PrivateKey {
    /// Generates a fresh key.
    pub fn generate(curve: Curve) -> Self {
        let mut rng = rand_core::OsRng;
        match curve {
            Curve::P256 => PrivateKey::P256(p256::ecdsa::SigningKey::random(&mut rng)),
            Curve::P384 => PrivateKey::P384(p384::ecdsa::SigningKey::random(&mut rng)),
            Curve::P521 => PrivateKey::P521(p521::ecdsa::SigningKey::random(&mut rng)),
        }
    }

    /// Loads a PEM private key: PKCS#8 (`PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`), unencrypted.
    pub fn from_pem(pem: &str) -> Result<Self> {
        if pem.len() > 64 * 1024 {
            return Err(Error::Key("key file too large".into()));
        }
        if pem.contains("ENCRYPTED PRIVATE KEY") {
            return Err(Error::Unsupported("encrypted private keys".into()));
        }
        if let Ok(k) =
            p256::SecretKey::from_pkcs8_pem(pem).or_else(|_| p256::SecretKey::from_sec1_pem(pem))
        {
            return Ok(PrivateKey::P256(k.into()));
        }
        if let Ok(k) =
            p384::SecretKey::from_pkcs8_pem(pem).or_else(|_| p384::SecretKey::from_sec1_pem(pem))
        {
            return Ok(PrivateKey::P384(k.into()));
        }
        if let Ok(k) =
            p521::SecretKey::from_pkcs8_pem(pem).or_else(|_| p521::SecretKey::from_sec1_pem(pem))
        {
            let sk = p521::ecdsa::SigningKey::from_bytes(&k.to_bytes()).map_err(key_err)?;
            return Ok(PrivateKey::P521(sk));
        }
        Err(Error::Key(
            "not an unencrypted PKCS#8 or SEC1 PEM ECDSA key on P-256, P-384 or P-521".into(),
        ))
    }

    /// PKCS#8 PEM.
    pub fn to_pem(&self) -> Result<String> {
        let doc = match self {
            PrivateKey::P256(k) => p256::SecretKey::from(k).to_pkcs8_pem(LineEnding::LF),
            PrivateKey::P384(k) => p384::SecretKey::from(k).to_pkcs8_pem(LineEnding::LF),
            PrivateKey::P521(k) => p521::SecretKey::from_bytes(&k.to_bytes())
                .map_err(key_err)?
                .to_pkcs8_pem(LineEnding::LF),
        }
        .map_err(key_err)?;
        Ok(doc.as_str().to_owned())
    }

    /// The curve.
    pub fn curve(&self) -> Curve {
        match self {
            PrivateKey::P256(_) => Curve::P256,
            PrivateKey::P384(_) => Curve::P384,
            PrivateKey::P521(_) => Curve::P521,
        }
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        match self {
            PrivateKey::P256(k) => PublicKey::P256(*k.verifying_key()),
            PrivateKey::P384(k) => PublicKey::P384(*k.verifying_key()),
            PrivateKey::P521(k) => PublicKey::P521(
                p521::PublicKey::from_sec1_bytes(
                    &p521::ecdsa::VerifyingKey::from(k)
                        .to_encoded_point(false)
                        .to_bytes(),
                )
                .unwrap_or_else(|_| unreachable!("a signing key's point is valid")),
            ),
        }
    }

    /// DER ECDSA signature over `msg` with the curve's hash.
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        match self {
            PrivateKey::P256(k) => {
                let s: p256::ecdsa::Signature = k.sign(msg);
                s.to_der().as_bytes().to_vec()
            }
            PrivateKey::P384(k) => {
                let s: p384::ecdsa::Signature = k.sign(msg);
                s.to_der().as_bytes().to_vec()
            }
            PrivateKey::P521(k) => {
                let s: p521::ecdsa::Signature =
                    <p521::ecdsa::SigningKey as ecdsa::signature::Signer<_>>::sign(k, msg);
                s.to_der().as_bytes().to_vec()
            }
        }
    }
}

impl PublicKey {
    /// Loads a PEM `PUBLIC KEY` (`SubjectPublicKeyInfo`).
    pub fn from_pem(pem: &str) -> Result<Self> {
        if pem.len() > 64 * 1024 {
            return Err(Error::Key("key file too large".into()));
        }
        if let Ok(k) = p256::ecdsa::VerifyingKey::from_public_key_pem(pem) {
            return Ok(PublicKey::P256(k));
        }
        if let Ok(k) = p384::ecdsa::VerifyingKey::from_public_key_pem(pem) {
            return Ok(PublicKey::P384(k));
        }
        if let Ok(k) = p521::PublicKey::from_public_key_pem(pem) {
            return Ok(PublicKey::P521(k));
        }
        Err(Error::Key(
            "not a PEM SubjectPublicKeyInfo ECDSA key on P-256, P-384 or P-521".into(),
        ))
    }

    /// Loads a DER `SubjectPublicKeyInfo` (e.g. from a certificate).
    pub fn from_spki_der(der: &[u8]) -> Result<Self> {
        if let Ok(k) = p256::ecdsa::VerifyingKey::from_public_key_der(der) {
            return Ok(PublicKey::P256(k));
        }
        if let Ok(k) = p384::ecdsa::VerifyingKey::from_public_key_der(der) {
            return Ok(PublicKey::P384(k));
        }
        if let Ok(k) = p521::PublicKey::from_public_key_der(der) {
            return Ok(PublicKey::P521(k));
        }
        Err(Error::Key(
            "unsupported public key (ECDSA P-256/384/521 only)".into(),
        ))
    }

    /// PEM SPKI text (LF, 64 columns, trailing newline), as Python `cryptography` writes it.
    pub fn to_pem(&self) -> Result<String> {
        let pem = match self {
            PublicKey::P256(k) => k.to_public_key_pem(LineEnding::LF),
            PublicKey::P384(k) => k.to_public_key_pem(LineEnding::LF),
            PublicKey::P521(k) => k.to_public_key_pem(LineEnding::LF),
        }
        .map_err(key_err)?;
        Ok(pem)
    }

    /// `publicKey.hint`: hex SHA-256 of the PEM text.
    pub fn hint(&self) -> Result<String> {
        Ok(hex(&Sha256::digest(self.to_pem()?.as_bytes())))
    }

    /// The curve.
    pub fn curve(&self) -> Curve {
        match self {
            PublicKey::P256(_) => Curve::P256,
            PublicKey::P384(_) => Curve::P384,
            PublicKey::P521(_) => Curve::P521,
        }
    }

    /// Verifies a DER ECDSA signature over `msg` with the curve's hash.
    pub fn verify(&self, msg: &[u8], der_sig: &[u8]) -> Result<()> {
        let ok = match self {
            PublicKey::P256(k) => p256::ecdsa::DerSignature::try_from(der_sig)
                .ok()
                .is_some_and(|s| k.verify(msg, &s).is_ok()),
            PublicKey::P384(k) => p384::ecdsa::DerSignature::try_from(der_sig)
                .ok()
                .is_some_and(|s| k.verify(msg, &s).is_ok()),
            PublicKey::P521(k) => p521::ecdsa::Signature::from_der(der_sig)
                .ok()
                .zip(p521::ecdsa::VerifyingKey::from_affine(*k.as_affine()).ok())
                .is_some_and(|(s, vk)| vk.verify(msg, &s).is_ok()),
        };
        if ok { Ok(()) } else { Err(Error::BadSignature) }
    }

    /// Verifies a DER ECDSA signature over an already computed digest (certificate checks,
    /// where the hash comes from the signature algorithm, not the curve).
    pub fn verify_prehash(&self, digest: &[u8], der_sig: &[u8]) -> Result<()> {
        use ecdsa::signature::hazmat::PrehashVerifier;
        let ok = match self {
            PublicKey::P256(k) => p256::ecdsa::Signature::from_der(der_sig)
                .ok()
                .is_some_and(|s| k.verify_prehash(digest, &s).is_ok()),
            PublicKey::P384(k) => p384::ecdsa::Signature::from_der(der_sig)
                .ok()
                .is_some_and(|s| k.verify_prehash(digest, &s).is_ok()),
            PublicKey::P521(k) => p521::ecdsa::Signature::from_der(der_sig)
                .ok()
                .zip(p521::ecdsa::VerifyingKey::from_affine(*k.as_affine()).ok())
                .is_some_and(|(s, vk)| vk.verify_prehash(digest, &s).is_ok()),
        };
        if ok { Ok(()) } else { Err(Error::BadSignature) }
    }
}

/// Generates a key pair: (PKCS#8 private PEM, SPKI public PEM).
pub fn keygen(curve: Curve) -> Result<(String, String)> {
    let k = PrivateKey::generate(curve);
    Ok((k.to_pem()?, k.public_key().to_pem()?))
}
