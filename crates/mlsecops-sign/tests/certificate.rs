//! Certificate-chain mode against committed openssl-made fixtures (see fixtures/certs/README.md).
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};

use mlsecops_sign::bundle::{
    Bundle, CertificateSigner, CertificateVerifier, VerifyOptions, sign_model, verify_model,
};
use mlsecops_sign::{Error, HashConfig, PrivateKey, cert};

fn certs(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/certs")
        .join(name)
}

fn der(name: &str) -> Vec<Vec<u8>> {
    cert::pem_chain_to_der(&fs::read_to_string(certs(name)).unwrap()).unwrap()
}

fn leaf_key() -> PrivateKey {
    PrivateKey::from_pem(&fs::read_to_string(certs("leaf.key")).unwrap()).unwrap()
}

fn model() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("w.bin"), b"weights").unwrap();
    t
}

#[test]
fn chain_verifies_to_root_and_bundle_round_trips() {
    let m = model();
    let chain = [der("leaf.pem"), der("inter.pem")].concat();
    let signer = CertificateSigner::new(leaf_key(), chain).unwrap();
    let (_, bundle) = sign_model(m.path(), &HashConfig::default(), &signer).unwrap();
    let bundle = Bundle::from_json(bundle.to_json().unwrap().as_bytes()).unwrap();
    let material = bundle
        .verification_material
        .x509_certificate_chain
        .as_ref()
        .unwrap();
    assert_eq!(material.certificates.len(), 2);
    let ok = CertificateVerifier {
        roots: der("root.pem"),
    };
    verify_model(m.path(), &bundle, &ok, &VerifyOptions::default()).unwrap();

    let wrong = CertificateVerifier {
        roots: der("other-root.pem"),
    };
    let r = verify_model(m.path(), &bundle, &wrong, &VerifyOptions::default());
    assert!(matches!(r, Err(Error::Certificate(_))), "{r:?}");
}

#[test]
fn missing_intermediate_or_non_ca_issuer_is_rejected() {
    let root = der("root.pem");
    assert!(cert::verify_chain(&der("leaf.pem"), &root, None).is_err());
    let chain = [der("leaf-under-noca.pem"), der("noca.pem")].concat();
    let r = cert::verify_chain(&chain, &root, None);
    assert!(
        matches!(r, Err(Error::Certificate(ref m)) if m.contains("not a CA")),
        "{r:?}"
    );
    // The full chain is fine, and the leaf key comes back.
    let key =
        cert::verify_chain(&[der("leaf.pem"), der("inter.pem")].concat(), &root, None).unwrap();
    assert_eq!(key, leaf_key().public_key());
    // Outside every validity period.
    let late = cert::at_unix(4_200_000_000 + 1_000_000_000);
    assert!(
        cert::verify_chain(
            &[der("leaf.pem"), der("inter.pem")].concat(),
            &root,
            Some(late)
        )
        .is_err()
    );
}

#[test]
fn signer_key_must_match_leaf() {
    let other = PrivateKey::generate(mlsecops_sign::Curve::P256);
    let r = CertificateSigner::new(other, der("leaf.pem"));
    assert!(matches!(r, Err(Error::Certificate(_))));
}

#[test]
fn mutated_bundles_never_panic() {
    let m = model();
    let chain = [der("leaf.pem"), der("inter.pem")].concat();
    let signer = CertificateSigner::new(leaf_key(), chain).unwrap();
    let (_, bundle) = sign_model(m.path(), &HashConfig::default(), &signer).unwrap();
    let json = bundle.to_json().unwrap().into_bytes();
    let verifier = CertificateVerifier {
        roots: der("root.pem"),
    };
    // Deterministic byte mutations at spread positions; every outcome must be a clean result.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..600 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let mut j = json.clone();
        let pos = usize::try_from(x % j.len() as u64).unwrap();
        j[pos] = u8::try_from(x >> 56).unwrap();
        if let Ok(b) = Bundle::from_json(&j) {
            let _ = verify_model(m.path(), &b, &verifier, &VerifyOptions::default());
        }
    }
}
