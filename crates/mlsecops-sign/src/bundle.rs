//! Sigstore bundle v0.3 in the OMS layout: signers, verifiers, `sign_model`, `verify_model`.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::dsse::{Envelope, IN_TOTO_PAYLOAD_TYPE};
use crate::keys::{PrivateKey, PublicKey};
use crate::manifest::{self, HashConfig, Manifest, ManifestDiff, Resource};
use crate::{Error, Result, cert, hex, unhex};

/// Bundle media type written and required.
pub const BUNDLE_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// Equivalent spelling accepted on input.
const BUNDLE_MEDIA_TYPE_ALT: &str = "application/vnd.dev.sigstore.bundle+json;version=0.3";
/// in-toto Statement v1 type.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// OMS v1.0 predicate type.
pub const PREDICATE_TYPE: &str = "https://model_signing/signature/v1.0";
/// Largest bundle file read.
pub const MAX_BUNDLE_BYTES: u64 = 256 << 20;

/// `{rawBytes}` wrapper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawBytes {
    /// Base64 DER (certificates) or PEM text (old public keys).
    pub raw_bytes: String,
}

/// `publicKey` identifier.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKeyId {
    /// Hex SHA-256 of the public key PEM (1.1+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// Base64 of the PEM (0.3.1–1.0.x; ignored on verify).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_bytes: Option<String>,
    /// Key details (0.3.1–1.0.x; ignored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_details: Option<Value>,
}

/// `x509CertificateChain`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateChain {
    /// Leaf first.
    pub certificates: Vec<RawBytes>,
}

/// `verificationMaterial`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationMaterial {
    /// Key mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<PublicKeyId>,
    /// Certificate mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x509_certificate_chain: Option<CertificateChain>,
    /// Sigstore mode (single Fulcio leaf); reserved for keyless support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<RawBytes>,
    /// Transparency-log entries (empty for key and certificate modes).
    #[serde(default)]
    pub tlog_entries: Vec<Value>,
    /// RFC 3161 timestamps (sigstore mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_verification_data: Option<Value>,
}

/// A Sigstore bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    /// Media type.
    pub media_type: String,
    /// Keys or certificates.
    pub verification_material: VerificationMaterial,
    /// The signed statement.
    pub dsse_envelope: Envelope,
}

impl Bundle {
    /// Parses bundle JSON (untrusted).
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        if bytes.len() as u64 > MAX_BUNDLE_BYTES {
            return Err(Error::Limit("bundle too large".into()));
        }
        let b: Bundle = serde_json::from_slice(bytes)
            .map_err(|e| Error::Bundle(format!("invalid JSON: {e}")))?;
        if b.verification_material.tlog_entries.len() > 64 {
            return Err(Error::Limit("too many tlog entries".into()));
        }
        if b.media_type != BUNDLE_MEDIA_TYPE && b.media_type != BUNDLE_MEDIA_TYPE_ALT {
            return Err(Error::Bundle(format!(
                "unsupported bundle mediaType `{}`",
                b.media_type
            )));
        }
        Ok(b)
    }

    /// Compact JSON, as `model_signing` writes it.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| Error::Bundle(e.to_string()))
    }
}

/// Something that signs PAE bytes and describes how to verify the signature.
/// Implemented for keys and certificates; keyless Sigstore can implement it later
/// (Fulcio leaf in `certificate`, Rekor entry in `tlogEntries`).
pub trait BundleSigner {
    /// DER signature over `pae`.
    fn sign(&self, pae: &[u8]) -> Result<Vec<u8>>;
    /// `verificationMaterial` for the bundle.
    fn verification_material(&self) -> Result<VerificationMaterial>;
}

/// Something that checks a bundle's signature against trusted material.
pub trait BundleVerifier {
    /// Verifies `sig` over `pae`; returns a short description of the signer.
    fn verify(&self, material: &VerificationMaterial, pae: &[u8], sig: &[u8]) -> Result<String>;
}

/// Key mode signer.
#[derive(Debug, Clone)]
pub struct KeySigner {
    /// The private key.
    pub key: PrivateKey,
}

impl BundleSigner for KeySigner {
    fn sign(&self, pae: &[u8]) -> Result<Vec<u8>> {
        Ok(self.key.sign(pae))
    }
    fn verification_material(&self) -> Result<VerificationMaterial> {
        Ok(VerificationMaterial {
            public_key: Some(PublicKeyId {
                hint: Some(self.key.public_key().hint()?),
                ..PublicKeyId::default()
            }),
            ..VerificationMaterial::default()
        })
    }
}

/// Certificate mode signer: the leaf's key signs; leaf and chain go into the bundle.
#[derive(Debug, Clone)]
pub struct CertificateSigner {
    key: PrivateKey,
    chain: Vec<Vec<u8>>,
}

impl CertificateSigner {
    /// `chain` is DER, leaf first. Fails when the key does not match the leaf.
    pub fn new(key: PrivateKey, chain: Vec<Vec<u8>>) -> Result<Self> {
        let leaf = chain
            .first()
            .ok_or_else(|| Error::Certificate("no signing certificate".into()))?;
        if cert::leaf_public_key(leaf)? != key.public_key() {
            return Err(Error::Certificate(
                "private key does not match the signing certificate".into(),
            ));
        }
        Ok(CertificateSigner { key, chain })
    }
}

impl BundleSigner for CertificateSigner {
    fn sign(&self, pae: &[u8]) -> Result<Vec<u8>> {
        Ok(self.key.sign(pae))
    }
    fn verification_material(&self) -> Result<VerificationMaterial> {
        Ok(VerificationMaterial {
            x509_certificate_chain: Some(CertificateChain {
                certificates: self
                    .chain
                    .iter()
                    .map(|d| RawBytes {
                        raw_bytes: STANDARD.encode(d),
                    })
                    .collect(),
            }),
            ..VerificationMaterial::default()
        })
    }
}

/// Key mode verifier.
#[derive(Debug, Clone)]
pub struct KeyVerifier {
    /// The trusted public key.
    pub key: PublicKey,
}

impl BundleVerifier for KeyVerifier {
    fn verify(&self, material: &VerificationMaterial, pae: &[u8], sig: &[u8]) -> Result<String> {
        let hint = self.key.hint()?;
        if let Some(h) = material.public_key.as_ref().and_then(|p| p.hint.as_deref())
            && !h.is_empty()
            && !h.eq_ignore_ascii_case(&hint)
        {
            return Err(Error::KeyMismatch);
        }
        self.key.verify(pae, sig)?;
        Ok(format!("public key {hint}"))
    }
}

/// Certificate mode verifier.
#[derive(Debug, Clone)]
pub struct CertificateVerifier {
    /// Trusted roots (DER).
    pub roots: Vec<Vec<u8>>,
}

impl BundleVerifier for CertificateVerifier {
    fn verify(&self, material: &VerificationMaterial, pae: &[u8], sig: &[u8]) -> Result<String> {
        let chain = material
            .x509_certificate_chain
            .as_ref()
            .ok_or_else(|| Error::Bundle("no x509CertificateChain in the bundle".into()))?;
        if chain.certificates.len() > cert::MAX_CHAIN {
            return Err(Error::Limit("certificate chain too long".into()));
        }
        let der: Vec<Vec<u8>> = chain
            .certificates
            .iter()
            .map(|c| {
                if c.raw_bytes.len() > 256 * 1024 {
                    return Err(Error::Limit("certificate too large".into()));
                }
                STANDARD
                    .decode(c.raw_bytes.as_bytes())
                    .map_err(|e| Error::Bundle(format!("certificate is not base64: {e}")))
            })
            .collect::<Result<_>>()?;
        let key = cert::verify_chain(&der, &self.roots, None)?;
        key.verify(pae, sig)?;
        Ok(format!("certificate chain ({} certificates)", der.len()))
    }
}

/// Builds the in-toto statement bytes for a manifest.
pub fn statement_bytes(manifest: &Manifest) -> Result<Vec<u8>> {
    let stmt = Statement {
        type_: STATEMENT_TYPE.to_owned(),
        subject: vec![Subject {
            name: manifest.model_name.clone(),
            digest: [("sha256".to_owned(), manifest.root_digest_hex())].into(),
        }],
        predicate_type: PREDICATE_TYPE.to_owned(),
        predicate: json!({
            "serialization": manifest.config.serialization_json(),
            "resources": manifest.resources_json(),
        }),
    };
    serde_json::to_vec_pretty(&stmt).map_err(|e| Error::Bundle(e.to_string()))
}

/// in-toto Statement v1.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Statement {
    /// `https://in-toto.io/Statement/v1`.
    #[serde(rename = "_type")]
    pub type_: String,
    /// Subjects.
    pub subject: Vec<Subject>,
    /// Predicate type.
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    /// Predicate.
    #[serde(default)]
    pub predicate: Value,
}

/// Statement subject.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Subject {
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Algorithm → hex digest.
    pub digest: std::collections::BTreeMap<String, String>,
}

/// Signs a manifest into a bundle.
pub fn sign_manifest(manifest: &Manifest, signer: &dyn BundleSigner) -> Result<Bundle> {
    let payload = statement_bytes(manifest)?;
    let envelope = Envelope::sign(IN_TOTO_PAYLOAD_TYPE, &payload, "", |pae| signer.sign(pae))?;
    Ok(Bundle {
        media_type: BUNDLE_MEDIA_TYPE.to_owned(),
        verification_material: signer.verification_material()?,
        dsse_envelope: envelope,
    })
}

/// Hashes `model` and signs it.
pub fn sign_model(
    model: &Path,
    config: &HashConfig,
    signer: &dyn BundleSigner,
) -> Result<(Manifest, Bundle)> {
    let manifest = manifest::compute(model, config)?;
    if manifest.resources.is_empty() {
        return Err(Error::EmptyManifest);
    }
    let bundle = sign_manifest(&manifest, signer)?;
    Ok((manifest, bundle))
}

/// Verifies a bundle's signature and statement; returns the signed manifest and the signer.
pub fn open_bundle(bundle: &Bundle, verifier: &dyn BundleVerifier) -> Result<(Manifest, String)> {
    let (payload, pae, sig) = bundle.dsse_envelope.decode()?;
    let signer = verifier.verify(&bundle.verification_material, &pae, &sig)?;
    if bundle.dsse_envelope.payload_type != IN_TOTO_PAYLOAD_TYPE {
        return Err(Error::Bundle(format!(
            "payloadType `{}` is not in-toto",
            bundle.dsse_envelope.payload_type
        )));
    }
    let stmt: Statement =
        serde_json::from_slice(&payload).map_err(|e| Error::Bundle(format!("statement: {e}")))?;
    if stmt.type_ != STATEMENT_TYPE {
        return Err(Error::Bundle(format!("statement _type `{}`", stmt.type_)));
    }
    if stmt.predicate_type != PREDICATE_TYPE {
        return Err(Error::Unsupported(format!(
            "predicateType `{}`",
            stmt.predicate_type
        )));
    }
    let [subject] = stmt.subject.as_slice() else {
        return Err(Error::Bundle(format!(
            "expected one subject, found {}",
            stmt.subject.len()
        )));
    };
    let expected = subject
        .digest
        .get("sha256")
        .ok_or_else(|| Error::Bundle("subject has no sha256 digest".into()))?;
    let config = HashConfig::from_serialization(
        stmt.predicate.get("serialization").unwrap_or(&Value::Null),
    )?;
    let list = stmt
        .predicate
        .get("resources")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::Bundle("predicate.resources is not an array".into()))?;
    if list.len() > manifest::MAX_RESOURCES {
        return Err(Error::Limit("too many resources".into()));
    }
    let mut resources = Vec::with_capacity(list.len());
    for r in list {
        let field = |k: &str| {
            r.get(k)
                .and_then(Value::as_str)
                .ok_or_else(|| Error::Bundle(format!("resource without string `{k}`")))
        };
        let digest = unhex(field("digest")?)
            .ok_or_else(|| Error::Bundle("resource digest is not hex".into()))?;
        resources.push(Resource {
            name: field("name")?.to_owned(),
            algorithm: field("algorithm")?.to_owned(),
            digest,
        });
    }
    let m = Manifest {
        model_name: subject.name.clone(),
        resources,
        config,
    };
    if !m.root_digest_hex().eq_ignore_ascii_case(expected) {
        return Err(Error::Bundle(
            "subject digest does not match the listed resources".into(),
        ));
    }
    Ok((m, signer))
}

/// What a successful verification established.
#[derive(Debug, Clone, Serialize)]
pub struct Verified {
    /// Subject name in the signature.
    pub model_name: String,
    /// OMS root digest (hex).
    pub root_digest: String,
    /// Number of resources (files or shards).
    pub resources: usize,
    /// `files` or `shards`.
    pub method: String,
    /// Ignore paths recorded by the signer.
    pub signed_ignore_paths: Vec<String>,
    /// Ignore paths the verifier added (git defaults, signature file, `--ignore-paths`) that
    /// the signer did not record.
    pub extra_ignore_paths: Vec<String>,
    /// Who signed.
    pub signer: String,
}

/// Verification options.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Extra ignore paths (relative to the model root), e.g. the signature file.
    pub ignore_paths: Vec<String>,
    /// Also ignore the root-level git paths (`model_signing`'s default).
    pub ignore_git_paths: bool,
}

/// Verifies `model` against `bundle`: signature, statement, then the recomputed manifest with
/// the recorded serialization. A differing model gives [`Error::Mismatch`] with the diff.
pub fn verify_model(
    model: &Path,
    bundle: &Bundle,
    verifier: &dyn BundleVerifier,
    opts: &VerifyOptions,
) -> Result<Verified> {
    let (signed, signer) = open_bundle(bundle, verifier)?;
    if signed.resources.is_empty() {
        return Err(Error::EmptyManifest);
    }
    let signed_ignores = signed.config.ignore_paths.clone();
    let mut config = signed.config.clone();
    config.ignore_git_paths = opts.ignore_git_paths;
    config
        .ignore_paths
        .extend(opts.ignore_paths.iter().cloned());
    let effective = config.effective_ignores();
    let signed_norm: Vec<String> = signed_ignores
        .iter()
        .filter_map(|p| manifest::normalize_relative(p))
        .collect();
    let extra: Vec<String> = effective
        .iter()
        .filter(|p| !signed_norm.contains(p))
        .cloned()
        .collect();
    let actual = manifest::compute(model, &config)?;
    let diff: ManifestDiff = manifest::diff(&signed.resources, &actual.resources);
    if !diff.is_empty() {
        return Err(Error::Mismatch(Box::new(diff)));
    }
    Ok(Verified {
        model_name: signed.model_name.clone(),
        root_digest: hex(&signed.root_digest()),
        resources: signed.resources.len(),
        method: match signed.config.method {
            manifest::Method::Files => "files".into(),
            manifest::Method::Shards { .. } => "shards".into(),
        },
        signed_ignore_paths: signed_ignores,
        extra_ignore_paths: extra,
        signer,
    })
}
