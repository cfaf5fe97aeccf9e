//! Signed scan attestations: DSSE-signed in-toto statements whose subject is the OMS root
//! digest of the scanned model.

use serde_json::Value;

use crate::bundle::{STATEMENT_TYPE, Statement, Subject};
use crate::dsse::{Envelope, IN_TOTO_PAYLOAD_TYPE};
use crate::keys::{PrivateKey, PublicKey};
use crate::{Error, Result};

/// Predicate type of mlsecops scan attestations (a URI naming the project, in the style of
/// `https://model_signing/signature/v1.0`).
pub const SCAN_PREDICATE_TYPE: &str = "https://mlsecops/scan/v1";
/// Largest attestation file read.
pub const MAX_ATTESTATION_BYTES: usize = 64 << 20;

/// Signs an attestation: returns the DSSE envelope as pretty JSON. `keyid` is the key hint.
pub fn attest(
    subject_name: &str,
    root_digest_hex: &str,
    predicate_type: &str,
    predicate: Value,
    key: &PrivateKey,
) -> Result<String> {
    let stmt = Statement {
        type_: STATEMENT_TYPE.to_owned(),
        subject: vec![Subject {
            name: subject_name.to_owned(),
            digest: [("sha256".to_owned(), root_digest_hex.to_ascii_lowercase())].into(),
        }],
        predicate_type: predicate_type.to_owned(),
        predicate,
    };
    let payload = serde_json::to_vec_pretty(&stmt).map_err(|e| Error::Bundle(e.to_string()))?;
    let hint = key.public_key().hint()?;
    let env = Envelope::sign(IN_TOTO_PAYLOAD_TYPE, &payload, &hint, |pae| {
        Ok(key.sign(pae))
    })?;
    let mut s = serde_json::to_string_pretty(&env).map_err(|e| Error::Bundle(e.to_string()))?;
    s.push('\n');
    Ok(s)
}

/// A verified attestation.
#[derive(Debug, Clone)]
pub struct Attestation {
    /// Subject root digest (lowercase hex).
    pub root_digest: String,
    /// Subject name.
    pub subject_name: String,
    /// Predicate type.
    pub predicate_type: String,
    /// Predicate.
    pub predicate: Value,
}

/// Verifies an attestation envelope (untrusted JSON) with `key`.
pub fn verify_attestation(json: &[u8], key: &PublicKey) -> Result<Attestation> {
    if json.len() > MAX_ATTESTATION_BYTES {
        return Err(Error::Limit("attestation too large".into()));
    }
    let env: Envelope = serde_json::from_slice(json)
        .map_err(|e| Error::Bundle(format!("attestation is not a DSSE envelope: {e}")))?;
    let (payload, pae, sig) = env.decode()?;
    key.verify(&pae, &sig)?;
    if env.payload_type != IN_TOTO_PAYLOAD_TYPE {
        return Err(Error::Bundle(
            "attestation payloadType is not in-toto".into(),
        ));
    }
    let stmt: Statement = serde_json::from_slice(&payload)
        .map_err(|e| Error::Bundle(format!("attestation statement: {e}")))?;
    if stmt.type_ != STATEMENT_TYPE {
        return Err(Error::Bundle(
            "attestation is not an in-toto Statement v1".into(),
        ));
    }
    let [subject] = stmt.subject.as_slice() else {
        return Err(Error::Bundle(
            "attestation must have exactly one subject".into(),
        ));
    };
    let root = subject
        .digest
        .get("sha256")
        .ok_or_else(|| Error::Bundle("attestation subject has no sha256 digest".into()))?;
    Ok(Attestation {
        root_digest: root.to_ascii_lowercase(),
        subject_name: subject.name.clone(),
        predicate_type: stmt.predicate_type,
        predicate: stmt.predicate,
    })
}
