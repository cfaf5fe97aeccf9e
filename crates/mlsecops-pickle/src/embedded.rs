//! Helpers for finding pickles embedded in string/bytes literals.

/// Minimum literal length considered for embedded-payload scanning.
pub(crate) const MIN_EMBEDDED_LEN: usize = 16;

fn b64_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c.wrapping_sub(b'A')),
        b'a'..=b'z' => Some(c.wrapping_sub(b'a').wrapping_add(26)),
        b'0'..=b'9' => Some(c.wrapping_sub(b'0').wrapping_add(52)),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

/// Cheap pre-check: only base64 alphabet characters (standard or URL-safe), optional `=`
/// padding and line breaks, and long enough to hold a pickle.
pub(crate) fn looks_base64(s: &[u8]) -> bool {
    let body = s.trim_ascii_end();
    let unpadded = body
        .strip_suffix(b"==")
        .or_else(|| body.strip_suffix(b"="))
        .unwrap_or(body);
    unpadded.len() >= MIN_EMBEDDED_LEN
        && unpadded
            .iter()
            .all(|&c| b64_value(c).is_some() || c == b'\n' || c == b'\r')
}

/// Decodes standard or URL-safe base64 (padding optional, line breaks ignored).
pub(crate) fn base64_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len().saturating_mul(3) / 4);
    let mut acc: u32 = 0;
    let mut bits: u32 = 0;
    let mut padding = false;
    for &c in s {
        match c {
            b'\n' | b'\r' | b' ' => continue,
            b'=' => {
                padding = true;
                continue;
            }
            _ if padding => return None,
            _ => {}
        }
        let v = b64_value(c)?;
        acc = (acc << 6) | u32::from(v);
        bits = bits.checked_add(6)?;
        if bits >= 8 {
            bits = bits.checked_sub(8)?;
            out.push(u8::try_from((acc >> bits) & 0xFF).ok()?);
        }
        acc &= (1u32 << bits).wrapping_sub(1);
    }
    Some(out)
}

/// Latin-1 bytes of a `str` literal when every character is ≤ U+00FF (how `_codecs.encode(s,
/// 'latin1')` turns a protocol-2 string back into bytes). `None` when it is not representable
/// or when it is plain ASCII (then the UTF-8 bytes are already identical).
pub(crate) fn latin1_bytes(s: &str) -> Option<Vec<u8>> {
    if s.is_ascii() {
        return None;
    }
    s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect()
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip() {
        assert_eq!(
            base64_decode(b"Y29zCnN5c3RlbQo=").as_deref(),
            Some(&b"cos\nsystem\n"[..])
        );
        assert_eq!(
            base64_decode(b"gAJjb3MKc3lzdGVtCnEAWAIAAABpZHEBhXECUnEDLg==").map(|v| v.len()),
            Some(31)
        );
        assert!(looks_base64(b"Y29zCnN5c3RlbQpTJ2lkJwqFUi4="));
        assert!(!looks_base64(b"Y29zCnN5c3RlbQo="));
        assert!(!looks_base64(b"encoder.layer.0.weight"));
        assert_eq!(base64_decode(b"Y2=9z"), None);
        assert_eq!(latin1_bytes("\u{80}\u{2}"), Some(vec![0x80, 0x02]));
        assert_eq!(latin1_bytes("abc"), None);
        assert_eq!(latin1_bytes("\u{100}"), None);
    }
}
