//! `NumPy` `.npy` header parsing (format versions 1.0, 2.0 and 3.0).

/// What the header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NpyHeader {
    /// Offset of the array data (or the pickle, for object arrays).
    pub(crate) data_offset: usize,
    /// The dtype has object fields: the payload is a pickle.
    pub(crate) object: bool,
    /// The `descr` text, for evidence.
    pub(crate) descr: String,
}

/// Largest header numpy itself accepts by default is 10,000 bytes; allow some slack.
const MAX_HEADER: usize = 1 << 20;

pub(crate) fn parse_header(data: &[u8]) -> Result<NpyHeader, String> {
    let rest = data
        .strip_prefix(b"\x93NUMPY")
        .ok_or_else(|| "missing \\x93NUMPY magic".to_owned())?;
    let (&major, rest) = rest.split_first().ok_or("truncated version")?;
    let (_minor, rest) = rest.split_first().ok_or("truncated version")?;
    let (len, fixed) = match major {
        1 => {
            let b = rest.get(..2).ok_or("truncated header length")?;
            (usize::from(u16::from_le_bytes([b[0], b[1]])), 10usize)
        }
        2 | 3 => {
            let b = rest.get(..4).ok_or("truncated header length")?;
            let len = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            (
                usize::try_from(len).map_err(|_| "header length overflow")?,
                12usize,
            )
        }
        other => return Err(format!("unsupported .npy format version {other}")),
    };
    if len > MAX_HEADER {
        return Err(format!(
            "header length {len} exceeds the {MAX_HEADER}-byte cap"
        ));
    }
    let data_offset = fixed.checked_add(len).ok_or("header length overflow")?;
    let header = data
        .get(fixed..data_offset)
        .ok_or_else(|| format!("header declares {len} bytes but the file ends first"))?;
    let header = std::str::from_utf8(header).map_err(|_| "header is not UTF-8".to_owned())?;
    let descr = descr_text(header).ok_or("header has no 'descr' key")?;
    let object = quoted_strings(descr).any(|s| {
        let s = s.trim_start_matches(['<', '>', '|', '=']);
        s == "O" || (s.starts_with('O') && s[1..].chars().all(|c| c.is_ascii_digit()))
    });
    Ok(NpyHeader {
        data_offset,
        object,
        descr: descr.trim().trim_end_matches(',').trim().to_owned(),
    })
}

/// The text of the `descr` value: from after `'descr':` to the next top-level key.
fn descr_text(header: &str) -> Option<&str> {
    let start = header
        .find("'descr'")
        .or_else(|| header.find("\"descr\""))?;
    let after = &header[start + 7..];
    let colon = after.find(':')?;
    let value = &after[colon + 1..];
    let end = [
        "'fortran_order'",
        "'shape'",
        "\"fortran_order\"",
        "\"shape\"",
    ]
    .iter()
    .filter_map(|k| value.find(k))
    .min()
    .unwrap_or(value.len());
    Some(&value[..end])
}

fn quoted_strings(text: &str) -> impl Iterator<Item = &str> {
    text.split(['\'', '"']).skip(1).step_by(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(header: &str) -> Vec<u8> {
        let mut v = b"\x93NUMPY\x01\x00".to_vec();
        let len = u16::try_from(header.len()).unwrap_or(0);
        v.extend_from_slice(&len.to_le_bytes());
        v.extend_from_slice(header.as_bytes());
        v
    }

    #[test]
    fn object_and_numeric() {
        let h = parse_header(&npy(
            "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }",
        ));
        assert!(
            h.as_ref()
                .is_ok_and(|h| h.object && h.data_offset == 10 + 56)
        );
        let h = parse_header(&npy(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
        ));
        assert!(h.is_ok_and(|h| !h.object));
        let h = parse_header(&npy(
            "{'descr': [('a', '<i4'), ('b', '|O')], 'fortran_order': False, 'shape': (2,), }",
        ));
        assert!(h.is_ok_and(|h| h.object));
    }

    #[test]
    fn malformed() {
        assert!(parse_header(b"\x93NUMPY\x01\x00\xff\xff{").is_err());
        assert!(parse_header(b"\x93NUMPY\x09\x00").is_err());
        assert!(parse_header(b"\x93NUMPY").is_err());
        assert!(parse_header(&npy("{'shape': (2,)}")).is_err());
    }
}
