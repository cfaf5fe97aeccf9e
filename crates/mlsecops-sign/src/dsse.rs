//! DSSE envelopes: PAE encoding and the envelope JSON.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Payload type of in-toto statements.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// Largest decoded payload accepted (hostile input).
pub const MAX_PAYLOAD: usize = 128 << 20;

/// DSSE v1 pre-authentication encoding: `DSSEv1 SP len(type) SP type SP len(body) SP body`.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + payload_type.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(payload_type.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

/// One DSSE signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    /// Base64 DER ECDSA signature.
    pub sig: String,
    /// Key id: `""` from `model_signing` key/cert modes, absent or `null` elsewhere.
    #[serde(default)]
    pub keyid: Option<String>,
}

/// A DSSE envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    /// Base64 of the payload bytes.
    pub payload: String,
    /// Payload media type.
    pub payload_type: String,
    /// Signatures (OMS requires exactly one).
    pub signatures: Vec<Signature>,
}

impl Envelope {
    /// Builds an envelope by signing `payload` with `sign` over the PAE.
    pub fn sign(
        payload_type: &str,
        payload: &[u8],
        keyid: &str,
        sign: impl FnOnce(&[u8]) -> Result<Vec<u8>>,
    ) -> Result<Self> {
        let sig = sign(&pae(payload_type, payload))?;
        Ok(Envelope {
            payload: STANDARD.encode(payload),
            payload_type: payload_type.to_owned(),
            signatures: vec![Signature {
                sig: STANDARD.encode(sig),
                keyid: Some(keyid.to_owned()),
            }],
        })
    }

    /// Decodes the payload and the single signature; returns (payload, PAE, signature).
    pub fn decode(&self) -> Result<(Vec<u8>, Vec<u8>, Vec<u8>)> {
        if self.signatures.len() != 1 {
            return Err(Error::Bundle(format!(
                "expected exactly one DSSE signature, found {}",
                self.signatures.len()
            )));
        }
        if self.payload.len() / 4 * 3 > MAX_PAYLOAD {
            return Err(Error::Limit("DSSE payload too large".into()));
        }
        let payload = STANDARD
            .decode(self.payload.as_bytes())
            .map_err(|e| Error::Bundle(format!("payload is not base64: {e}")))?;
        let sig_b64 = self
            .signatures
            .first()
            .map(|s| s.sig.as_str())
            .unwrap_or_default();
        if sig_b64.len() > 4096 {
            return Err(Error::Bundle("signature too long".into()));
        }
        let sig = STANDARD
            .decode(sig_b64.as_bytes())
            .map_err(|e| Error::Bundle(format!("signature is not base64: {e}")))?;
        let pae = pae(&self.payload_type, &payload);
        Ok((payload, pae, sig))
    }
}
