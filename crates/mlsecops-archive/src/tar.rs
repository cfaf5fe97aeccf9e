//! Zero-copy tar listing (POSIX ustar, GNU, pax, v7), e.g. legacy `PyTorch` tar checkpoints
//! (`sys_info`, `pickle`, `storages`, `tensors`) and `NeMo` archives.
//!
//! Entries borrow their data from the input. GNU long names (`L`/`K`) and pax `path`/`linkpath`/
//! `size` records are applied to the following header; pax global headers are skipped.

use crate::anomaly::{Anomaly, AnomalyKind, path_traversal};

const BLOCK: usize = 512;

/// Limits for [`list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarLimits {
    /// Maximum number of entries (metadata headers not counted). Default 65,536.
    pub max_entries: usize,
    /// Maximum length of a GNU long name or a pax extended header. Default 64 KiB.
    pub max_name_len: usize,
}

impl Default for TarLimits {
    fn default() -> Self {
        Self {
            max_entries: 65_536,
            max_name_len: 64 * 1024,
        }
    }
}

/// Why listing stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TarError {
    /// The first block is not a tar header.
    #[error("not a tar archive")]
    NotTar,
    /// A header at `offset` has a bad checksum or unreadable fields.
    #[error("invalid tar header at {offset}")]
    BadHeader {
        /// Offset of the header.
        offset: u64,
    },
    /// An entry's data (or a header) runs past the end of the input.
    #[error("entry at {offset} is truncated")]
    Truncated {
        /// Offset of the header.
        offset: u64,
    },
    /// More entries than [`TarLimits::max_entries`].
    #[error("more than {limit} entries")]
    TooManyEntries {
        /// The configured limit.
        limit: usize,
    },
    /// A long name or pax header is over [`TarLimits::max_name_len`].
    #[error("long name or pax header at {offset} exceeds the limit")]
    NameTooLong {
        /// Offset of the header.
        offset: u64,
    },
}

/// Kind of a tar member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TarKind {
    /// Regular (or contiguous) file.
    File,
    /// Directory.
    Dir,
    /// Symbolic link.
    Symlink,
    /// Hard link.
    Hardlink,
    /// Anything else (devices, FIFOs, sparse files, unknown types).
    Other,
}

/// One listed member, borrowing its data from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarEntry<'a> {
    /// Name after applying GNU long names / pax `path` / ustar prefix (lossy UTF-8).
    pub name: String,
    /// Link target for links.
    pub link_name: Option<String>,
    /// Member kind.
    pub kind: TarKind,
    /// Data size in bytes.
    pub size: u64,
    /// Offset of the (last) header block of this member.
    pub header_offset: u64,
    /// Offset of the data.
    pub data_offset: u64,
    /// The data, borrowed from the input.
    pub data: &'a [u8],
}

/// Result of listing a tar archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarArchive<'a> {
    /// Entries, in archive order, that were read completely.
    pub entries: Vec<TarEntry<'a>>,
    /// Anomalies: path traversal, symlinks, hard links, bad checksums, truncation.
    pub anomalies: Vec<Anomaly>,
    /// Set when listing stopped early; `entries` holds everything before that point.
    pub error: Option<TarError>,
}

fn to_u64(v: usize) -> u64 {
    u64::try_from(v).unwrap_or(u64::MAX)
}

/// Parse an octal (NUL/space padded) or base-256 numeric field.
fn parse_num(field: &[u8]) -> Option<u64> {
    if let Some((&first, rest)) = field.split_first()
        && first & 0x80 != 0
    {
        // Base-256: the first byte's low bits then big-endian bytes. Negative values rejected.
        if first & 0x40 != 0 {
            return None;
        }
        let mut v = u64::from(first & 0x3F);
        for &b in rest {
            v = v.checked_mul(256)?.checked_add(u64::from(b))?;
        }
        return Some(v);
    }
    let s = field
        .iter()
        .skip_while(|b| **b == b' ' || **b == 0)
        .take_while(|b| **b != b' ' && **b != 0);
    let mut v: u64 = 0;
    let mut any = false;
    for &b in s {
        if !(b'0'..=b'7').contains(&b) {
            return None;
        }
        v = v
            .checked_mul(8)?
            .checked_add(u64::from(b.wrapping_sub(b'0')))?;
        any = true;
    }
    any.then_some(v)
}

fn field(h: &[u8], start: usize, len: usize) -> &[u8] {
    start
        .checked_add(len)
        .and_then(|end| h.get(start..end))
        .unwrap_or(&[])
}

fn cstr(f: &[u8]) -> &[u8] {
    f.iter()
        .position(|&b| b == 0)
        .and_then(|n| f.get(..n))
        .unwrap_or(f)
}

/// Header checksum valid (unsigned or historic signed sum), with the field read as octal.
fn checksum_ok(h: &[u8]) -> bool {
    let Some(stored) = parse_num(field(h, 148, 8)) else {
        return false;
    };
    let mut unsigned: u64 = 0;
    let mut signed: i64 = 0;
    for (i, &b) in h.iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { b };
        unsigned = unsigned.wrapping_add(u64::from(b));
        signed = signed.wrapping_add(i64::from(b.cast_signed()));
    }
    stored == unsigned || i64::try_from(stored).is_ok_and(|s| s == signed)
}

/// `true` if `data` starts with a tar header: `ustar` at offset 257, or a non-empty v7 header
/// with a valid checksum.
pub fn looks_like_tar(data: &[u8]) -> bool {
    let Some(h) = data.get(..BLOCK) else {
        return false;
    };
    if field(h, 257, 5) == b"ustar" {
        return true;
    }
    h.first().is_some_and(|&b| b != 0) && checksum_ok(h)
}

fn trim_nl(v: &[u8]) -> &[u8] {
    cstr(v.strip_suffix(b"\n").unwrap_or(v))
}

/// Pending pax/GNU overrides for the next header.
#[derive(Default)]
struct Pending {
    path: Option<Vec<u8>>,
    link: Option<Vec<u8>>,
    size: Option<u64>,
}

fn parse_pax(body: &[u8], p: &mut Pending) {
    let mut rest = body;
    while !rest.is_empty() {
        let Some(sp) = rest.iter().position(|&b| b == b' ') else {
            return;
        };
        let len = std::str::from_utf8(rest.get(..sp).unwrap_or(&[]))
            .ok()
            .and_then(|s| s.parse::<usize>().ok());
        let Some(len) = len.filter(|&l| l > sp && l <= rest.len()) else {
            return;
        };
        let record = rest.get(sp.saturating_add(1)..len).unwrap_or(&[]);
        rest = rest.get(len..).unwrap_or(&[]);
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        let Some(eq) = record.iter().position(|&b| b == b'=') else {
            continue;
        };
        let key = record.get(..eq).unwrap_or(&[]);
        let value = record.get(eq.saturating_add(1)..).unwrap_or(&[]);
        match key {
            b"path" => p.path = Some(value.to_vec()),
            b"linkpath" => p.link = Some(value.to_vec()),
            b"size" => {
                p.size = std::str::from_utf8(value).ok().and_then(|s| s.parse().ok());
            }
            _ => {}
        }
    }
}

/// List the members of a tar archive without copying data.
///
/// Fails only if the first block is not a tar header; later problems stop the listing, are
/// recorded in [`TarArchive::error`] (and as a [`AnomalyKind::Truncated`] anomaly when the input
/// ends early), and keep the entries read so far.
pub fn list<'a>(data: &'a [u8], limits: &TarLimits) -> Result<TarArchive<'a>, TarError> {
    if !looks_like_tar(data) {
        return Err(TarError::NotTar);
    }
    let mut ar = TarArchive {
        entries: Vec::new(),
        anomalies: Vec::new(),
        error: None,
    };
    let mut pos = 0usize;
    let mut pending = Pending::default();
    loop {
        let off = to_u64(pos);
        let Some(h) = pos.checked_add(BLOCK).and_then(|end| data.get(pos..end)) else {
            // End of input without end-of-archive blocks: accepted (many writers omit them)
            // unless it ends mid-block.
            if pos < data.len() {
                stop(&mut ar, TarError::Truncated { offset: off });
            }
            break;
        };
        if h.iter().all(|&b| b == 0) {
            break;
        }
        if !checksum_ok(h) {
            ar.anomalies.push(Anomaly::new(
                AnomalyKind::BadChecksum,
                None,
                off,
                "header checksum mismatch",
            ));
            ar.error = Some(TarError::BadHeader { offset: off });
            break;
        }
        let typeflag = h.get(156).copied().unwrap_or(0);
        let Some(hdr_size) = parse_num(field(h, 124, 12)).or_else(|| {
            // An empty size field means zero.
            field(h, 124, 12)
                .iter()
                .all(|&b| b == 0 || b == b' ')
                .then_some(0)
        }) else {
            ar.error = Some(TarError::BadHeader { offset: off });
            break;
        };
        let is_meta = matches!(typeflag, b'x' | b'g' | b'L' | b'K');
        let size = if is_meta {
            hdr_size
        } else {
            pending.size.take().unwrap_or(hdr_size)
        };
        let data_start = pos.saturating_add(BLOCK);
        let body = usize::try_from(size)
            .ok()
            .and_then(|s| data_start.checked_add(s).map(|end| (s, end)))
            .and_then(|(s, end)| data.get(data_start..end).map(|b| (s, b)));
        let Some((size_us, body)) = body else {
            stop(&mut ar, TarError::Truncated { offset: off });
            break;
        };
        let padded = size_us.div_ceil(BLOCK).saturating_mul(BLOCK);
        let next = data_start.saturating_add(padded);

        if is_meta {
            if size_us > limits.max_name_len {
                ar.error = Some(TarError::NameTooLong { offset: off });
                break;
            }
            match typeflag {
                b'x' => parse_pax(body, &mut pending),
                b'L' => pending.path = Some(trim_nl(body).to_vec()),
                b'K' => pending.link = Some(trim_nl(body).to_vec()),
                _ => {} // pax global header: nothing per-entry
            }
            pos = next;
            continue;
        }

        if ar.entries.len() >= limits.max_entries {
            ar.error = Some(TarError::TooManyEntries {
                limit: limits.max_entries,
            });
            break;
        }
        let ustar_posix = field(h, 257, 6) == b"ustar\0";
        let name_bytes = pending.path.take().unwrap_or_else(|| {
            let name = cstr(field(h, 0, 100));
            let prefix = cstr(field(h, 345, 155));
            if ustar_posix && !prefix.is_empty() {
                [prefix, b"/", name].concat()
            } else {
                name.to_vec()
            }
        });
        let link_bytes = pending
            .link
            .take()
            .or_else(|| Some(cstr(field(h, 157, 100)).to_vec()).filter(|l| !l.is_empty()));
        pending = Pending::default();
        let name = String::from_utf8_lossy(&name_bytes).into_owned();
        let link_name = link_bytes.map(|l| String::from_utf8_lossy(&l).into_owned());
        let kind = match typeflag {
            b'0' | 0 | b'7' => {
                if name.ends_with('/') {
                    TarKind::Dir
                } else {
                    TarKind::File
                }
            }
            b'1' => TarKind::Hardlink,
            b'2' => TarKind::Symlink,
            b'5' => TarKind::Dir,
            _ => TarKind::Other,
        };
        if let Some(why) = path_traversal(&name) {
            ar.anomalies.push(Anomaly::new(
                AnomalyKind::PathTraversal,
                Some(&name),
                off,
                why,
            ));
        }
        let target = link_name.as_deref().unwrap_or("");
        match kind {
            TarKind::Symlink => ar.anomalies.push(Anomaly::new(
                AnomalyKind::Symlink,
                Some(&name),
                off,
                format!("symbolic link to {target:?}"),
            )),
            TarKind::Hardlink => ar.anomalies.push(Anomaly::new(
                AnomalyKind::Hardlink,
                Some(&name),
                off,
                format!("hard link to {target:?}"),
            )),
            _ => {}
        }
        if matches!(kind, TarKind::Symlink | TarKind::Hardlink)
            && let Some(why) = path_traversal(target)
        {
            ar.anomalies.push(Anomaly::new(
                AnomalyKind::PathTraversal,
                Some(&name),
                off,
                format!("link target {target:?}: {why}"),
            ));
        }
        ar.entries.push(TarEntry {
            name,
            link_name,
            kind,
            size,
            header_offset: off,
            data_offset: to_u64(data_start),
            data: body,
        });
        pos = next;
    }
    Ok(ar)
}

fn stop(ar: &mut TarArchive<'_>, err: TarError) {
    if let TarError::Truncated { offset } = err {
        ar.anomalies.push(Anomaly::new(
            AnomalyKind::Truncated,
            None,
            offset,
            "archive ends inside this entry",
        ));
    }
    ar.error = Some(err);
}
