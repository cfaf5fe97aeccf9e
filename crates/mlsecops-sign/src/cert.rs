//! X.509 certificate chains for the OMS certificate mode: parsing and a small, strict path
//! check (issuer/subject chaining, ECDSA signatures, validity, CA flags, leaf key usage).

use std::time::{Duration, SystemTime};

use der::oid::ObjectIdentifier;
use der::{Decode, Encode};
use sha2::{Digest, Sha256, Sha384, Sha512};
use x509_cert::Certificate;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages};

use crate::keys::PublicKey;
use crate::{Error, Result};

/// Most certificates in a chain or a root file.
pub const MAX_CHAIN: usize = 16;
const ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const ECDSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");
const CODE_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");

fn cert_err<E: std::fmt::Display>(e: E) -> Error {
    Error::Certificate(e.to_string())
}

/// Parses every certificate in a PEM text (one or more `CERTIFICATE` blocks) into DER.
pub fn pem_chain_to_der(pem: &str) -> Result<Vec<Vec<u8>>> {
    if pem.len() > 1 << 20 {
        return Err(Error::Certificate("certificate file too large".into()));
    }
    let certs = Certificate::load_pem_chain(pem.as_bytes()).map_err(cert_err)?;
    if certs.is_empty() || certs.len() > MAX_CHAIN {
        return Err(Error::Certificate(format!(
            "expected 1 to {MAX_CHAIN} certificates, found {}",
            certs.len()
        )));
    }
    certs.iter().map(|c| c.to_der().map_err(cert_err)).collect()
}

/// Public key of a DER certificate.
pub fn leaf_public_key(der: &[u8]) -> Result<PublicKey> {
    let cert = Certificate::from_der(der).map_err(cert_err)?;
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(cert_err)?;
    PublicKey::from_spki_der(&spki)
}

fn unix(t: &x509_cert::time::Time) -> SystemTime {
    SystemTime::UNIX_EPOCH + t.to_unix_duration()
}

fn check_signed_by(cert: &Certificate, issuer: &Certificate) -> Result<()> {
    if cert.tbs_certificate.issuer != issuer.tbs_certificate.subject {
        return Err(Error::Certificate("issuer name does not match".into()));
    }
    let tbs = cert.tbs_certificate.to_der().map_err(cert_err)?;
    let oid = cert.signature_algorithm.oid;
    let digest: Vec<u8> = if oid == ECDSA_SHA256 {
        Sha256::digest(&tbs).to_vec()
    } else if oid == ECDSA_SHA384 {
        Sha384::digest(&tbs).to_vec()
    } else if oid == ECDSA_SHA512 {
        Sha512::digest(&tbs).to_vec()
    } else {
        return Err(Error::Unsupported(format!(
            "certificate signature algorithm {oid} (ECDSA only)"
        )));
    };
    let key_der = issuer
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(cert_err)?;
    let key = PublicKey::from_spki_der(&key_der)?;
    let sig = cert
        .signature
        .as_bytes()
        .ok_or_else(|| Error::Certificate("signature has unused bits".into()))?;
    key.verify_prehash(&digest, sig)
        .map_err(|_| Error::Certificate("certificate signature does not verify".into()))
}

fn is_ca(cert: &Certificate) -> bool {
    cert.tbs_certificate
        .get::<BasicConstraints>()
        .ok()
        .flatten()
        .is_some_and(|(_, bc)| bc.ca)
}

fn valid_at(cert: &Certificate, at: SystemTime) -> bool {
    let v = &cert.tbs_certificate.validity;
    unix(&v.not_before) <= at && at <= unix(&v.not_after)
}

fn can_sign(cert: &Certificate) -> bool {
    let ku = cert
        .tbs_certificate
        .get::<KeyUsage>()
        .ok()
        .flatten()
        .is_some_and(|(_, ku)| ku.0.contains(KeyUsages::DigitalSignature));
    let eku = cert
        .tbs_certificate
        .get::<ExtendedKeyUsage>()
        .ok()
        .flatten()
        .is_some_and(|(_, eku)| eku.0.contains(&CODE_SIGNING));
    ku || eku
}

/// Verifies `chain` (DER, leaf first, then intermediates in any order) up to one of `roots`
/// and returns the leaf public key.
///
/// Checks: every link's issuer name and ECDSA signature, `cA` on every issuer, leaf key usage
/// (digitalSignature or codeSigning, as `model_signing` requires), and validity of every
/// certificate at the verification time. Like `model_signing`, the time is the leaf's
/// notBefore unless `at` is given (signatures carry no trusted timestamp in key/cert mode).
pub fn verify_chain(
    chain: &[Vec<u8>],
    roots: &[Vec<u8>],
    at: Option<SystemTime>,
) -> Result<PublicKey> {
    if chain.is_empty() || chain.len() > MAX_CHAIN || roots.len() > MAX_CHAIN * 8 {
        return Err(Error::Certificate(
            "empty or oversized certificate chain".into(),
        ));
    }
    let parsed: Vec<Certificate> = chain
        .iter()
        .map(|d| Certificate::from_der(d).map_err(cert_err))
        .collect::<Result<_>>()?;
    let roots_parsed: Vec<Certificate> = roots
        .iter()
        .map(|d| Certificate::from_der(d).map_err(cert_err))
        .collect::<Result<_>>()?;
    let leaf = parsed
        .first()
        .ok_or_else(|| Error::Certificate("empty chain".into()))?;
    let at = at.unwrap_or_else(|| unix(&leaf.tbs_certificate.validity.not_before));
    if !can_sign(leaf) {
        return Err(Error::Certificate(
            "leaf certificate allows neither digitalSignature nor codeSigning".into(),
        ));
    }
    let mut current = leaf;
    for _ in 0..=MAX_CHAIN {
        if !valid_at(current, at) {
            return Err(Error::Certificate(
                "a certificate in the chain is outside its validity period".into(),
            ));
        }
        // Reached a trusted root (byte-equal)?
        if roots_parsed.iter().any(|r| r == current) {
            let der = current
                .tbs_certificate
                .subject_public_key_info
                .to_der()
                .map_err(cert_err)?;
            let _ = der;
            let leaf_spki = leaf
                .tbs_certificate
                .subject_public_key_info
                .to_der()
                .map_err(cert_err)?;
            return PublicKey::from_spki_der(&leaf_spki);
        }
        // Issued directly by a root?
        if let Some(root) = roots_parsed
            .iter()
            .find(|r| check_signed_by(current, r).is_ok())
        {
            if !is_ca(root) {
                return Err(Error::Certificate("root is not a CA certificate".into()));
            }
            if !valid_at(root, at) {
                return Err(Error::Certificate(
                    "root is outside its validity period".into(),
                ));
            }
            let leaf_spki = leaf
                .tbs_certificate
                .subject_public_key_info
                .to_der()
                .map_err(cert_err)?;
            return PublicKey::from_spki_der(&leaf_spki);
        }
        // Otherwise an intermediate from the bundle.
        let next = parsed
            .iter()
            .skip(1)
            .find(|c| !std::ptr::eq(*c, current) && check_signed_by(current, c).is_ok())
            .ok_or_else(|| Error::Certificate("chain does not lead to a trusted root".into()))?;
        if !is_ca(next) {
            return Err(Error::Certificate(
                "intermediate is not a CA certificate".into(),
            ));
        }
        current = next;
    }
    Err(Error::Certificate("certificate chain too long".into()))
}

/// Seconds since the epoch → `SystemTime` (helper for callers pinning a time).
pub fn at_unix(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}
