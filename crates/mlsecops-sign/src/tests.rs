//! Unit tests: PAE, ordering, shards, bundle round trip, tamper detection, hostile bundles.
#![allow(clippy::unwrap_used)]

use std::fs;

use base64::Engine as _;
use std::path::Path;

use crate::bundle::{Bundle, KeySigner, KeyVerifier, VerifyOptions, sign_model, verify_model};
use crate::dsse::pae;
use crate::keys::{Curve, PrivateKey, PublicKey};
use crate::manifest::{self, HashConfig, Method};
use crate::{Error, attest, verify_attestation};

fn model(dir: &Path) {
    fs::create_dir_all(dir.join("sub/.hid")).unwrap();
    fs::create_dir_all(dir.join(".git")).unwrap();
    fs::write(dir.join("a.txt"), b"a").unwrap();
    fs::write(dir.join("a-b"), b"b").unwrap();
    fs::write(dir.join("a/b"), b"").unwrap_or(());
    fs::write(dir.join(".hidden"), b"h").unwrap();
    fs::write(dir.join("sub/.hid/x"), b"xxxxxxxxxx").unwrap();
    fs::write(dir.join(".git/HEAD"), b"ref").unwrap();
}

#[test]
fn pae_matches_dsse_spec() {
    assert_eq!(
        pae("http://example.com/HelloWorld", b"hello world"),
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
    );
    assert_eq!(pae("", b""), b"DSSEv1 0  0 ".to_vec());
}

#[test]
fn ordering_is_component_wise_and_numeric_for_shards() {
    use std::cmp::Ordering::Less;
    assert_eq!(manifest::compare_names("a/b", "a-b", false), Less);
    assert_eq!(manifest::compare_names("a-b", "a.txt", false), Less);
    assert_eq!(
        manifest::compare_names("w:2000000000:3000000000", "w:10000000000:11000000000", true),
        Less
    );
}

#[test]
fn walk_includes_hidden_ignores_root_git_and_orders() {
    let t = tempfile::tempdir().unwrap();
    let m = t.path().join("m");
    model(&m);
    fs::create_dir_all(m.join("sub/.git")).unwrap();
    fs::write(m.join("sub/.git/y"), b"y").unwrap();
    let man = manifest::compute(&m, &HashConfig::default()).unwrap();
    let names: Vec<&str> = man.resources.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [".hidden", "a-b", "a.txt", "sub/.git/y", "sub/.hid/x"]
    );
    assert_eq!(man.model_name, "m");
    let ser = man.config.serialization_json();
    assert_eq!(
        ser["ignore_paths"],
        serde_json::json!([".git", ".gitattributes", ".github", ".gitignore"])
    );
}

#[test]
fn shards_split_and_skip_empty_files() {
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("w"), vec![7u8; 25]).unwrap();
    fs::write(t.path().join("empty"), b"").unwrap();
    let cfg = HashConfig {
        method: Method::Shards { shard_size: 10 },
        ..HashConfig::default()
    };
    let man = manifest::compute(t.path(), &cfg).unwrap();
    let names: Vec<&str> = man.resources.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["w:0:10", "w:10:20", "w:20:25"]);
    assert!(
        man.resources
            .iter()
            .all(|r| r.algorithm == "sha256-sharded-10")
    );
}

#[test]
fn single_file_is_named_dot() {
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("model.bin");
    fs::write(&f, b"weights").unwrap();
    let man = manifest::compute(&f, &HashConfig::default()).unwrap();
    assert_eq!(man.resources.len(), 1);
    assert_eq!(man.resources[0].name, ".");
    assert_eq!(man.model_name, "model.bin");
}

fn sign_verify(curve: Curve) {
    let t = tempfile::tempdir().unwrap();
    let m = t.path().join("m");
    model(&m);
    let key = PrivateKey::generate(curve);
    let (_, bundle) =
        sign_model(&m, &HashConfig::default(), &KeySigner { key: key.clone() }).unwrap();
    let json = bundle.to_json().unwrap();
    let parsed = Bundle::from_json(json.as_bytes()).unwrap();
    assert_eq!(parsed, bundle);
    let pem = key.public_key().to_pem().unwrap();
    let verifier = KeyVerifier {
        key: PublicKey::from_pem(&pem).unwrap(),
    };
    let opts = VerifyOptions {
        ignore_git_paths: true,
        ..VerifyOptions::default()
    };
    let ok = verify_model(&m, &parsed, &verifier, &opts).unwrap();
    assert_eq!(ok.resources, 4);
    // Key round trip through PEM.
    let again = PrivateKey::from_pem(&key.to_pem().unwrap()).unwrap();
    assert_eq!(again.public_key(), key.public_key());
}

#[test]
fn round_trip_p256() {
    sign_verify(Curve::P256);
}
#[test]
fn round_trip_p384() {
    sign_verify(Curve::P384);
}
#[test]
fn round_trip_p521() {
    sign_verify(Curve::P521);
}

#[test]
fn tamper_is_reported_precisely() {
    let t = tempfile::tempdir().unwrap();
    let m = t.path().join("m");
    model(&m);
    let key = PrivateKey::generate(Curve::P256);
    let (_, bundle) =
        sign_model(&m, &HashConfig::default(), &KeySigner { key: key.clone() }).unwrap();
    let verifier = KeyVerifier {
        key: key.public_key(),
    };
    let opts = VerifyOptions {
        ignore_git_paths: true,
        ..VerifyOptions::default()
    };
    fs::write(m.join("a.txt"), b"A").unwrap();
    fs::write(m.join("new"), b"n").unwrap();
    fs::remove_file(m.join(".hidden")).unwrap();
    let Err(Error::Mismatch(d)) = verify_model(&m, &bundle, &verifier, &opts) else {
        panic!("expected a mismatch");
    };
    assert_eq!(d.added, ["new"]);
    assert_eq!(d.removed, [".hidden"]);
    assert_eq!(d.changed, ["a.txt"]);
    // Another key is rejected.
    let other = KeyVerifier {
        key: PrivateKey::generate(Curve::P256).public_key(),
    };
    assert!(matches!(
        verify_model(&m, &bundle, &other, &opts),
        Err(Error::KeyMismatch)
    ));
}

#[test]
fn edited_payload_fails_signature() {
    let t = tempfile::tempdir().unwrap();
    let m = t.path().join("m");
    model(&m);
    let key = PrivateKey::generate(Curve::P256);
    let (_, mut bundle) =
        sign_model(&m, &HashConfig::default(), &KeySigner { key: key.clone() }).unwrap();
    let (payload, _, _) = bundle.dsse_envelope.decode().unwrap();
    let text = String::from_utf8(payload)
        .unwrap()
        .replace("\".gitignore\"", "\".gitignore\", \"a.txt\"");
    bundle.dsse_envelope.payload = base64::engine::general_purpose::STANDARD.encode(text);
    let verifier = KeyVerifier {
        key: key.public_key(),
    };
    let r = verify_model(&m, &bundle, &verifier, &VerifyOptions::default());
    assert!(matches!(r, Err(Error::BadSignature)), "{r:?}");
}

#[test]
fn malformed_bundles_never_panic() {
    let key = PrivateKey::generate(Curve::P256);
    let verifier = KeyVerifier {
        key: key.public_key(),
    };
    let t = tempfile::tempdir().unwrap();
    let inputs: Vec<&[u8]> = vec![
        b"",
        b"null",
        b"[]",
        b"{}",
        br#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}"#,
        br#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{},"dsseEnvelope":{"payload":"!!","payloadType":"x","signatures":[]}}"#,
        br#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":7}},"dsseEnvelope":{"payload":"e30=","payloadType":"x","signatures":[{"sig":"AAAA"}]}}"#,
        br#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{},"dsseEnvelope":{"payload":"e30=","payloadType":"x","signatures":[{"sig":"AAAA","keyid":null}]}}"#,
    ];
    for input in inputs {
        if let Ok(b) = Bundle::from_json(input) {
            assert!(verify_model(t.path(), &b, &verifier, &VerifyOptions::default()).is_err());
        }
    }
    // Deep nesting is refused by serde_json's recursion limit, not a stack overflow.
    let deep = "[".repeat(100_000);
    assert!(Bundle::from_json(deep.as_bytes()).is_err());
    // Statement-level garbage signed with the right key is still rejected cleanly.
    for payload in [
        "{}",
        r#"{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"https://model_signing/signature/v1.0","predicate":{}}"#,
        r#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"m","digest":{"sha256":"00"}}],"predicateType":"https://model_signing/signature/v1.0","predicate":{"serialization":{"method":"shards","hash_type":"sha256","allow_symlinks":false,"shard_size":0},"resources":[]}}"#,
        r#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"m","digest":{"sha256":"00"}}],"predicateType":"https://model_signing/signature/v1.0","predicate":{"serialization":{"method":"files","hash_type":"sha256","allow_symlinks":false},"resources":[{"name":1}]}}"#,
    ] {
        let env = crate::dsse::Envelope::sign(
            crate::dsse::IN_TOTO_PAYLOAD_TYPE,
            payload.as_bytes(),
            "",
            |p| Ok(key.sign(p)),
        )
        .unwrap();
        let b = Bundle {
            media_type: crate::bundle::BUNDLE_MEDIA_TYPE.into(),
            verification_material: crate::bundle::VerificationMaterial::default(),
            dsse_envelope: env,
        };
        assert!(verify_model(t.path(), &b, &verifier, &VerifyOptions::default()).is_err());
    }
}

#[test]
fn attestation_round_trip_and_tamper() {
    let key = PrivateKey::generate(Curve::P384);
    let env = attest(
        "m",
        &"ab".repeat(32),
        crate::SCAN_PREDICATE_TYPE,
        serde_json::json!({"x": 1}),
        &key,
    )
    .unwrap();
    let a = verify_attestation(env.as_bytes(), &key.public_key()).unwrap();
    assert_eq!(a.root_digest, "ab".repeat(32));
    assert_eq!(a.predicate["x"], 1);
    let other = PrivateKey::generate(Curve::P384).public_key();
    assert!(verify_attestation(env.as_bytes(), &other).is_err());
    assert!(verify_attestation(b"{\"payload\":1}", &key.public_key()).is_err());
}

#[test]
fn empty_manifest_is_refused_on_both_sides() {
    let t = tempfile::tempdir().unwrap();
    let m = t.path().join("m");
    fs::create_dir_all(&m).unwrap();
    fs::write(m.join("w.bin"), b"weights").unwrap();
    let key = PrivateKey::generate(Curve::P256);
    let signer = KeySigner { key: key.clone() };
    let everything = HashConfig {
        ignore_paths: vec!["w.bin".into()],
        ..HashConfig::default()
    };
    assert!(matches!(
        sign_model(&m, &everything, &signer),
        Err(Error::EmptyManifest)
    ));
    // A bundle over an empty manifest made by another producer would "verify" any model.
    let empty = manifest::compute(&m, &everything).unwrap();
    let bundle = crate::bundle::sign_manifest(&empty, &signer).unwrap();
    let verifier = KeyVerifier {
        key: key.public_key(),
    };
    assert!(matches!(
        verify_model(&m, &bundle, &verifier, &VerifyOptions::default()),
        Err(Error::EmptyManifest)
    ));
}
