//! Lenient ZIP reader, as permissive as `PyTorch`'s miniz-based loader, that reports every
//! deviation as an [`Anomaly`].
//!
//! What it accepts (like `PyTorch`) and reports:
//! - CRC-32 is never checked while parsing; [`ZipArchive::read`] computes it lazily and returns a
//!   [`AnomalyKind::CrcMismatch`] next to the data.
//! - General-purpose flag bits other than the deflate/lzma option bits, the data-descriptor bit
//!   (0x8) and the UTF-8 bit (0x800) are reported as [`AnomalyKind::FlagBits`] and otherwise
//!   ignored; an entry flagged "encrypted" (0x1) is still read as if it were not.
//! - The central directory name is authoritative; the data starts after the *local* name and
//!   extra field, as in miniz. A differing local name is [`AnomalyKind::NameMismatch`].
//! - Sizes come from the central directory (so the data-descriptor flag needs no special case).
//! - A ZIP appended to other bytes (pickle + ZIP polyglot, SFX stub) is read either with absolute
//!   offsets or, like `zipfile`, with offsets shifted by the length of the prefix.
//!
//! Parsing only touches headers: a multi-GiB checkpoint with hundreds of stored members parses
//! in microseconds to milliseconds.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, Read, Write};

use crate::anomaly::{Anomaly, AnomalyKind, path_traversal};

const SIG_LOCAL: [u8; 4] = *b"PK\x03\x04";
const SIG_CENTRAL: [u8; 4] = *b"PK\x01\x02";
const SIG_EOCD: [u8; 4] = *b"PK\x05\x06";
const SIG_Z64_LOCATOR: [u8; 4] = *b"PK\x06\x07";
const SIG_Z64_EOCD: [u8; 4] = *b"PK\x06\x06";

const EOCD_LEN: usize = 22;
const MAX_COMMENT: usize = 65_535;
const LOCAL_LEN: usize = 30;
const CENTRAL_LEN: usize = 46;
const Z64_LOCATOR_LEN: usize = 20;
const Z64_EOCD_LEN: usize = 56;

/// Flag bits that are expected: deflate/lzma options (0x2, 0x4), data descriptor (0x8),
/// UTF-8 names (0x800).
const EXPECTED_FLAGS: u16 = 0x0002 | 0x0004 | 0x0008 | 0x0800;
const FLAG_ENCRYPTED: u16 = 0x0001;
const FLAG_LZMA_EOS: u16 = 0x0002;
const FLAG_CD_ENCRYPTED: u16 = 0x2000;

/// Stored.
pub const METHOD_STORED: u16 = 0;
/// Deflate.
pub const METHOD_DEFLATE: u16 = 8;
/// bzip2.
pub const METHOD_BZIP2: u16 = 12;
/// LZMA (with the 4-byte ZIP LZMA header).
pub const METHOD_LZMA: u16 = 14;
/// Zstandard.
pub const METHOD_ZSTD: u16 = 93;
/// `WinZip` AES encryption marker.
pub const METHOD_AES: u16 = 99;

/// Dictionary-buffer allowance for lzma-rs, whatever the output cap.
pub(crate) const LZMA_MIN_MEMLIMIT: u64 = 64 << 20;

/// Minimum size for a ratio anomaly: small members can have any ratio.
const RATIO_MIN_SIZE: u64 = 10 * 1024 * 1024;

/// Limits applied while parsing a ZIP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Maximum number of central directory entries (declared or found). Default 65,536.
    /// Exceeding it is an error: the entry list is never materialised.
    pub max_entries: usize,
    /// Declared uncompressed size above which an entry gets a [`AnomalyKind::SizeLimit`].
    /// Default 64 GiB (single 17 GB checkpoints exist).
    pub max_entry_size: u64,
    /// Sum of declared uncompressed sizes above which the archive gets a
    /// [`AnomalyKind::SizeLimit`]. Default 256 GiB.
    pub max_total_size: u64,
    /// Uncompressed/compressed ratio above which a member larger than 10 MiB gets a
    /// [`AnomalyKind::CompressionRatio`]. Default 100.
    pub max_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_entries: 65_536,
            max_entry_size: 64 << 30,
            max_total_size: 256 << 30,
            max_ratio: 100,
        }
    }
}

/// Why a buffer could not be read as a ZIP at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ZipError {
    /// No end-of-central-directory record whose central directory can be located.
    #[error("no end-of-central-directory record with a usable central directory")]
    NotZip,
    /// More entries than [`Limits::max_entries`] (declared in the EOCD or found).
    #[error("archive has {count} entries, limit is {limit}")]
    TooManyEntries {
        /// Declared or found count.
        count: u64,
        /// The configured limit.
        limit: usize,
    },
}

/// Why one member could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EntryError {
    /// The local header is missing or damaged.
    #[error("local header missing or damaged")]
    LocalHeaderMissing,
    /// The member's data runs past the end of the input.
    #[error("member data out of bounds")]
    OutOfBounds,
    /// A compression method this reader does not decode.
    #[error("unsupported compression method {0}")]
    UnsupportedMethod(u16),
    /// Flagged as encrypted and the data does not decode.
    #[error("member is encrypted and cannot be read")]
    Encrypted,
    /// Decompressed output would exceed the caller's `max_out`.
    #[error("decompressed output exceeds {limit} bytes")]
    OutputLimit {
        /// The caller's limit.
        limit: u64,
    },
    /// The compressed stream is corrupt.
    #[error("corrupt compressed data: {0}")]
    Corrupt(String),
}

/// One central directory entry, resolved against its local header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipEntry {
    /// Central directory name (what `PyTorch` uses), lossy UTF-8.
    pub name: String,
    /// Local header name, lossy UTF-8; `None` when the local header is missing.
    pub local_name: Option<String>,
    /// Compression method from the central directory.
    pub method: u16,
    /// General-purpose flags from the central directory.
    pub flags: u16,
    /// Declared CRC-32.
    pub crc32: u32,
    /// Compressed size (central directory, ZIP64-resolved).
    pub compressed_size: u64,
    /// Declared uncompressed size (central directory, ZIP64-resolved).
    pub uncompressed_size: u64,
    /// Absolute offset of the local header in the input (already shifted for prepended data).
    pub header_offset: u64,
    /// Absolute offset of the member data; 0 when the local header is missing.
    pub data_offset: u64,
    /// Name ends with `/`.
    pub is_dir: bool,
    /// Unix mode in the external attributes says symbolic link.
    pub is_symlink: bool,
}

/// A parsed archive: the entry list plus every anomaly seen while parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipArchive {
    /// Central directory entries, in directory order (duplicates kept).
    pub entries: Vec<ZipEntry>,
    /// Structural anomalies (CRC anomalies come from [`ZipArchive::read`]).
    pub anomalies: Vec<Anomaly>,
    /// Bytes before the first local header (or before the central directory when empty).
    pub prefix_len: u64,
    /// Declared length of the archive comment.
    pub comment_len: u16,
    max_ratio: u64,
}

/// Data of one member plus the anomalies only visible after decompression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryData<'a> {
    /// Decompressed bytes (borrowed from the input for stored members).
    pub data: Cow<'a, [u8]>,
    /// CRC mismatch, if any.
    pub crc: Option<Anomaly>,
    /// Other anomalies seen while reading: actual ratio, actual size differing from declared.
    pub anomalies: Vec<Anomaly>,
}

// ---------------------------------------------------------------------------------------------
// Little-endian field access; every read is bounds-checked.

fn slice(data: &[u8], off: usize, len: usize) -> Option<&[u8]> {
    data.get(off..off.checked_add(len)?)
}

fn u16_at(data: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_le_bytes(slice(data, off, 2)?.try_into().ok()?))
}

fn u32_at(data: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes(slice(data, off, 4)?.try_into().ok()?))
}

fn u64_at(data: &[u8], off: usize) -> Option<u64> {
    Some(u64::from_le_bytes(slice(data, off, 8)?.try_into().ok()?))
}

fn sig_at(data: &[u8], off: usize, sig: [u8; 4]) -> bool {
    slice(data, off, 4) == Some(sig.as_slice())
}

fn to_usize(v: u64) -> Option<usize> {
    usize::try_from(v).ok()
}

fn to_u64(v: usize) -> u64 {
    // usize is at most 64 bits on every supported target.
    u64::try_from(v).unwrap_or(u64::MAX)
}

// ---------------------------------------------------------------------------------------------
// End of central directory.

/// A located end-of-central-directory, validated against the central directory.
#[derive(Debug)]
struct Located {
    eocd_offset: usize,
    /// Where the central directory region must end (EOCD, or ZIP64 record when present).
    cd_limit: usize,
    cd_start: usize,
    cd_size: u64,
    total_entries: u64,
    disk_entries: u64,
    /// Added to every stored offset (length of data prepended after the ZIP was written).
    shift: u64,
    comment_len: u16,
    trailing: usize,
    anomalies: Vec<Anomaly>,
}

/// Offset of the end-of-central-directory record, if `data` ends with a ZIP whose central
/// directory can be found (scanning backwards over at most 65,557 bytes).
///
/// A `PK\x05\x06` that does not point at a central directory is ignored, so random data with the
/// signature inside is not taken for a ZIP. Used to detect pickle + ZIP polyglots: a file that
/// does not start with a local header but has an EOCD.
pub fn find_eocd(data: &[u8]) -> Option<u64> {
    locate(data).map(|l| to_u64(l.eocd_offset))
}

/// `true` if `data` starts with a local header signature, or ends with an EOCD whose central
/// directory can be located.
pub fn looks_like_zip(data: &[u8]) -> bool {
    data.starts_with(&SIG_LOCAL) || locate(data).is_some()
}

fn locate(data: &[u8]) -> Option<Located> {
    let last = data.len().checked_sub(EOCD_LEN)?;
    let first = last.saturating_sub(MAX_COMMENT);
    let window = data.get(first..last.checked_add(4)?)?;
    // Backwards over the window: the last valid record wins (comments may contain signatures).
    let max_start = window.len().checked_sub(4)?;
    for start in (0..=max_start).rev() {
        if window.get(start..start.checked_add(4)?) == Some(SIG_EOCD.as_slice()) {
            let pos = first.checked_add(start)?;
            if let Some(l) = try_eocd(data, pos) {
                return Some(l);
            }
        }
    }
    None
}

struct Z64Record {
    record_offset: usize,
    disk_entries: u64,
    total_entries: u64,
    cd_size: u64,
    cd_offset: u64,
}

fn read_z64_record(data: &[u8], off: usize) -> Option<Z64Record> {
    if !sig_at(data, off, SIG_Z64_EOCD) {
        return None;
    }
    // Fixed part must be present; the variable extensible data is ignored.
    slice(data, off, Z64_EOCD_LEN)?;
    Some(Z64Record {
        record_offset: off,
        disk_entries: u64_at(data, off.checked_add(24)?)?,
        total_entries: u64_at(data, off.checked_add(32)?)?,
        cd_size: u64_at(data, off.checked_add(40)?)?,
        cd_offset: u64_at(data, off.checked_add(48)?)?,
    })
}

fn try_eocd(data: &[u8], pos: usize) -> Option<Located> {
    let disk = u16_at(data, pos.checked_add(4)?)?;
    let cd_disk = u16_at(data, pos.checked_add(6)?)?;
    let disk_entries16 = u16_at(data, pos.checked_add(8)?)?;
    let total16 = u16_at(data, pos.checked_add(10)?)?;
    let cd_size32 = u32_at(data, pos.checked_add(12)?)?;
    let cd_offset32 = u32_at(data, pos.checked_add(16)?)?;
    let comment_len = u16_at(data, pos.checked_add(20)?)?;
    let mut anomalies = Vec::new();
    let eocd_u64 = to_u64(pos);

    // Multi-disk archives are not produced by any model tool; miniz rejects them too.
    if (disk != 0 && disk != 0xFFFF) || (cd_disk != 0 && cd_disk != 0xFFFF) {
        return None;
    }

    let mut disk_entries = u64::from(disk_entries16);
    let mut total = u64::from(total16);
    let mut cd_size = u64::from(cd_size32);
    let mut cd_offset = u64::from(cd_offset32);
    let mut cd_limit = pos;
    let saturated = total16 == 0xFFFF
        || disk_entries16 == 0xFFFF
        || cd_size32 == u32::MAX
        || cd_offset32 == u32::MAX;

    let locator = pos
        .checked_sub(Z64_LOCATOR_LEN)
        .filter(|&l| sig_at(data, l, SIG_Z64_LOCATOR));
    if let Some(loc) = locator {
        let declared = u64_at(data, loc.checked_add(8)?)?;
        // The record normally sits right before the locator; its stored offset may be
        // relative to a ZIP that had data prepended.
        let adjacent = loc.checked_sub(Z64_EOCD_LEN);
        let rec = to_usize(declared)
            .and_then(|o| read_z64_record(data, o))
            .or_else(|| adjacent.and_then(|o| read_z64_record(data, o)));
        match rec {
            Some(r) => {
                if to_u64(r.record_offset) != declared {
                    anomalies.push(Anomaly::new(
                        AnomalyKind::Zip64Inconsistent,
                        None,
                        to_u64(loc),
                        format!(
                            "ZIP64 locator points at {declared}, record found at {}",
                            r.record_offset
                        ),
                    ));
                }
                let pairs = [
                    (
                        "total entry count",
                        u64::from(total16),
                        r.total_entries,
                        total16 == 0xFFFF,
                    ),
                    (
                        "central directory size",
                        u64::from(cd_size32),
                        r.cd_size,
                        cd_size32 == u32::MAX,
                    ),
                    (
                        "central directory offset",
                        u64::from(cd_offset32),
                        r.cd_offset,
                        cd_offset32 == u32::MAX,
                    ),
                ];
                for (what, classic, z64, sat) in pairs {
                    if !sat && classic != z64 {
                        anomalies.push(Anomaly::new(
                            AnomalyKind::Zip64Inconsistent,
                            None,
                            eocd_u64,
                            format!("EOCD {what} is {classic}, ZIP64 record says {z64}"),
                        ));
                    }
                }
                disk_entries = r.disk_entries;
                total = r.total_entries;
                cd_size = r.cd_size;
                cd_offset = r.cd_offset;
                cd_limit = r.record_offset;
            }
            None => anomalies.push(Anomaly::new(
                AnomalyKind::Zip64Inconsistent,
                None,
                to_u64(loc),
                "ZIP64 locator present but no ZIP64 end-of-central-directory record found",
            )),
        }
    } else if saturated {
        anomalies.push(Anomaly::new(
            AnomalyKind::Zip64Inconsistent,
            None,
            eocd_u64,
            "EOCD fields saturated (0xFFFF/0xFFFFFFFF) but no ZIP64 locator",
        ));
    }

    // Find the central directory: at its stored offset, or shifted by prepended data.
    let cd_limit_u64 = to_u64(cd_limit);
    let valid_start = |start: u64| -> bool {
        if total == 0 && cd_size == 0 {
            return start == cd_limit_u64;
        }
        start < cd_limit_u64 && to_usize(start).is_some_and(|s| sig_at(data, s, SIG_CENTRAL))
    };
    let (cd_start, shift) = if valid_start(cd_offset) {
        (cd_offset, 0)
    } else {
        let expected = cd_limit_u64.checked_sub(cd_size)?;
        let shift = expected.checked_sub(cd_offset)?;
        if shift == 0 || !valid_start(expected) {
            return None;
        }
        (expected, shift)
    };
    let cd_start = to_usize(cd_start)?;

    let comment_end = pos
        .checked_add(EOCD_LEN)?
        .checked_add(usize::from(comment_len))?;
    let trailing = data.len().saturating_sub(comment_end);
    Some(Located {
        eocd_offset: pos,
        cd_limit,
        cd_start,
        cd_size,
        total_entries: total,
        disk_entries,
        shift,
        comment_len,
        trailing,
        anomalies,
    })
}

// ---------------------------------------------------------------------------------------------
// Central directory.

/// Raw central directory entry before local-header resolution.
struct Central {
    offset: usize,
    ver_made: u16,
    flags: u16,
    method: u16,
    crc32: u32,
    csize: u64,
    usize_: u64,
    lho: u64,
    ext_attr: u32,
    name: String,
    /// Set when a saturated field had no ZIP64 value.
    z64_missing: Vec<&'static str>,
    /// Total length of this header (46 + name + extra + comment).
    len: usize,
}

fn parse_central(data: &[u8], pos: usize, limit: usize) -> Option<Central> {
    let fixed = slice(data, pos, CENTRAL_LEN)?;
    if !fixed.starts_with(&SIG_CENTRAL) {
        return None;
    }
    let ver_made = u16_at(fixed, 4)?;
    let flags = u16_at(fixed, 8)?;
    let method = u16_at(fixed, 10)?;
    let crc32 = u32_at(fixed, 16)?;
    let csize32 = u32_at(fixed, 20)?;
    let usize32 = u32_at(fixed, 24)?;
    let name_len = usize::from(u16_at(fixed, 28)?);
    let extra_len = usize::from(u16_at(fixed, 30)?);
    let comment_len = usize::from(u16_at(fixed, 32)?);
    let disk16 = u16_at(fixed, 34)?;
    let ext_attr = u32_at(fixed, 38)?;
    let lho32 = u32_at(fixed, 42)?;
    let len = CENTRAL_LEN
        .checked_add(name_len)?
        .checked_add(extra_len)?
        .checked_add(comment_len)?;
    if pos.checked_add(len)? > limit {
        return None;
    }
    let name_start = pos.checked_add(CENTRAL_LEN)?;
    let name_bytes = slice(data, name_start, name_len)?;
    let extra = slice(data, name_start.checked_add(name_len)?, extra_len)?;

    let mut usize_ = u64::from(usize32);
    let mut csize = u64::from(csize32);
    let mut lho = u64::from(lho32);
    let mut z64_missing = Vec::new();
    let need_u = usize32 == u32::MAX;
    let need_c = csize32 == u32::MAX;
    let need_o = lho32 == u32::MAX;
    if need_u || need_c || need_o || disk16 == 0xFFFF {
        let z64 = find_extra(extra, 0x0001);
        let mut cursor = 0usize;
        let mut take = |needed: bool, what: &'static str, target: &mut u64| {
            if !needed {
                return;
            }
            match z64.and_then(|z| u64_at(z, cursor)) {
                Some(v) => {
                    *target = v;
                    cursor = cursor.saturating_add(8);
                }
                None => z64_missing.push(what),
            }
        };
        take(need_u, "uncompressed size", &mut usize_);
        take(need_c, "compressed size", &mut csize);
        take(need_o, "local header offset", &mut lho);
    }
    Some(Central {
        offset: pos,
        ver_made,
        flags,
        method,
        crc32,
        csize,
        usize_,
        lho,
        ext_attr,
        name: String::from_utf8_lossy(name_bytes).into_owned(),
        z64_missing,
        len,
    })
}

/// Body of the first extra field with `id`.
fn find_extra(extra: &[u8], id: u16) -> Option<&[u8]> {
    let mut pos = 0usize;
    loop {
        let tag = u16_at(extra, pos)?;
        let len = usize::from(u16_at(extra, pos.checked_add(2)?)?);
        let body_start = pos.checked_add(4)?;
        let body = slice(extra, body_start, len)?;
        if tag == id {
            return Some(body);
        }
        pos = body_start.checked_add(len)?;
    }
}

/// Parse the archive structure (EOCD, ZIP64, central directory, local headers) of `data`.
///
/// Fails only when no central directory can be located, or when the entry count is over
/// [`Limits::max_entries`]; everything else becomes an [`Anomaly`].
pub fn parse(data: &[u8], limits: &Limits) -> Result<ZipArchive, ZipError> {
    let loc = locate(data).ok_or(ZipError::NotZip)?;
    if loc.total_entries > to_u64(limits.max_entries) {
        return Err(ZipError::TooManyEntries {
            count: loc.total_entries,
            limit: limits.max_entries,
        });
    }
    let mut anomalies = loc.anomalies;
    let eocd_u64 = to_u64(loc.eocd_offset);
    if loc.disk_entries != loc.total_entries {
        anomalies.push(Anomaly::new(
            AnomalyKind::CountMismatch,
            None,
            eocd_u64,
            format!(
                "EOCD entries on this disk ({}) differ from total entries ({})",
                loc.disk_entries, loc.total_entries
            ),
        ));
    }
    if loc.trailing > 0 {
        anomalies.push(Anomaly::new(
            AnomalyKind::TrailingData,
            None,
            eocd_u64,
            format!(
                "{} bytes after the end-of-central-directory record and comment",
                loc.trailing
            ),
        ));
    }
    let comment_end = loc
        .eocd_offset
        .saturating_add(EOCD_LEN)
        .saturating_add(usize::from(loc.comment_len));
    if comment_end > data.len() {
        anomalies.push(Anomaly::new(
            AnomalyKind::Truncated,
            None,
            eocd_u64,
            format!(
                "archive comment declared as {} bytes runs past the end",
                loc.comment_len
            ),
        ));
    }

    // Capacity is bounded by the limit and by what the central directory can physically hold.
    let room = loc.cd_limit.saturating_sub(loc.cd_start) / CENTRAL_LEN;
    let cap = to_usize(loc.total_entries)
        .unwrap_or(usize::MAX)
        .min(room)
        .min(limits.max_entries);
    let mut centrals: Vec<Central> = Vec::with_capacity(cap);
    let mut pos = loc.cd_start;
    while sig_at(data, pos, SIG_CENTRAL) && pos < loc.cd_limit {
        if centrals.len() >= limits.max_entries {
            return Err(ZipError::TooManyEntries {
                count: to_u64(centrals.len()).saturating_add(1),
                limit: limits.max_entries,
            });
        }
        let Some(c) = parse_central(data, pos, loc.cd_limit) else {
            anomalies.push(Anomaly::new(
                AnomalyKind::Truncated,
                None,
                to_u64(pos),
                "central directory entry runs past the end of the central directory",
            ));
            break;
        };
        pos = pos.saturating_add(c.len);
        centrals.push(c);
    }
    let found = to_u64(centrals.len());
    if found != loc.total_entries {
        anomalies.push(Anomaly::new(
            AnomalyKind::CountMismatch,
            None,
            eocd_u64,
            format!(
                "EOCD declares {} entries, central directory holds {found}",
                loc.total_entries
            ),
        ));
    }
    let consumed = to_u64(pos.saturating_sub(loc.cd_start));
    if consumed != loc.cd_size {
        anomalies.push(Anomaly::new(
            AnomalyKind::CountMismatch,
            None,
            eocd_u64,
            format!(
                "EOCD declares a {}-byte central directory, entries span {consumed} bytes",
                loc.cd_size
            ),
        ));
    }

    let mut entries = Vec::with_capacity(centrals.len());
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(centrals.len());
    let mut total_size: u64 = 0;
    for c in &centrals {
        let entry = resolve(data, c, loc.shift, limits, &mut anomalies);
        if let Some(first) = seen.insert(c.name.as_str(), entries.len()) {
            anomalies.push(Anomaly::new(
                AnomalyKind::DuplicateName,
                Some(&c.name),
                entry.header_offset,
                format!("name also used by entry #{first}"),
            ));
        }
        total_size = total_size.saturating_add(entry.uncompressed_size);
        entries.push(entry);
    }
    if total_size > limits.max_total_size {
        anomalies.push(Anomaly::new(
            AnomalyKind::SizeLimit,
            None,
            eocd_u64,
            format!(
                "declared total uncompressed size {total_size} exceeds {}",
                limits.max_total_size
            ),
        ));
    }
    check_overlaps(&entries, to_u64(loc.cd_start), &mut anomalies);

    let prefix_len = entries
        .iter()
        .filter(|e| e.local_name.is_some())
        .map(|e| e.header_offset)
        .min()
        .unwrap_or(to_u64(loc.cd_start));
    if prefix_len > 0 {
        anomalies.push(Anomaly::new(
            AnomalyKind::PrependedData,
            None,
            0,
            format!("{prefix_len} bytes before the first local header"),
        ));
    }

    Ok(ZipArchive {
        entries,
        anomalies,
        prefix_len,
        comment_len: loc.comment_len,
        max_ratio: limits.max_ratio,
    })
}

fn flag_anomaly(flags: u16, which: &str, name: &str, offset: u64, out: &mut Vec<Anomaly>) {
    let odd = flags & !EXPECTED_FLAGS;
    if odd != 0 {
        let mut detail = format!("{which} header sets unexpected flag bits {odd:#06x}");
        if odd & FLAG_ENCRYPTED != 0 {
            detail.push_str(" (0x1 encrypted)");
        }
        out.push(Anomaly::new(
            AnomalyKind::FlagBits,
            Some(name),
            offset,
            detail,
        ));
    }
}

/// Resolve a central entry against its local header and collect per-entry anomalies.
fn resolve(
    data: &[u8],
    c: &Central,
    shift: u64,
    limits: &Limits,
    anomalies: &mut Vec<Anomaly>,
) -> ZipEntry {
    let name = c.name.as_str();
    let header_offset = c.lho.saturating_add(shift);
    let cd_off = to_u64(c.offset);
    flag_anomaly(c.flags, "central", name, cd_off, anomalies);
    if c.flags & FLAG_CD_ENCRYPTED != 0 {
        anomalies.push(Anomaly::new(
            AnomalyKind::EncryptedUnreadable,
            Some(name),
            cd_off,
            "central directory encryption flag (0x2000) set",
        ));
    }
    for what in &c.z64_missing {
        anomalies.push(Anomaly::new(
            AnomalyKind::Zip64Inconsistent,
            Some(name),
            cd_off,
            format!("{what} is 0xFFFFFFFF but the ZIP64 extra field does not provide it"),
        ));
    }
    if let Some(why) = path_traversal(name) {
        anomalies.push(Anomaly::new(
            AnomalyKind::PathTraversal,
            Some(name),
            header_offset,
            why,
        ));
    }
    // Unix host or not, S_IFLNK in the high half of the external attributes is what
    // extraction tools honour.
    let mode = c.ext_attr >> 16;
    let is_symlink = mode & 0o170_000 == 0o120_000;
    if is_symlink {
        anomalies.push(Anomaly::new(
            AnomalyKind::Symlink,
            Some(name),
            header_offset,
            format!(
                "unix mode {mode:#o} (host {}) is a symbolic link",
                c.ver_made >> 8
            ),
        ));
    }
    match c.method {
        METHOD_STORED | METHOD_DEFLATE | METHOD_BZIP2 | METHOD_LZMA | METHOD_ZSTD => {}
        METHOD_AES => anomalies.push(Anomaly::new(
            AnomalyKind::EncryptedUnreadable,
            Some(name),
            header_offset,
            "WinZip AES-encrypted member (method 99)",
        )),
        m => anomalies.push(Anomaly::new(
            AnomalyKind::UnsupportedMethod,
            Some(name),
            header_offset,
            format!("compression method {m}"),
        )),
    }
    if c.usize_ > limits.max_entry_size {
        anomalies.push(Anomaly::new(
            AnomalyKind::SizeLimit,
            Some(name),
            header_offset,
            format!(
                "declared uncompressed size {} exceeds {}",
                c.usize_, limits.max_entry_size
            ),
        ));
    }
    if c.usize_ > RATIO_MIN_SIZE
        && c.usize_.checked_div(c.csize.max(1)).unwrap_or(0) > limits.max_ratio
    {
        anomalies.push(Anomaly::new(
            AnomalyKind::CompressionRatio,
            Some(name),
            header_offset,
            format!(
                "declared {} bytes from {} compressed (ratio over {})",
                c.usize_, c.csize, limits.max_ratio
            ),
        ));
    }

    let mut entry = ZipEntry {
        name: c.name.clone(),
        local_name: None,
        method: c.method,
        flags: c.flags,
        crc32: c.crc32,
        compressed_size: c.csize,
        uncompressed_size: c.usize_,
        header_offset,
        data_offset: 0,
        is_dir: name.ends_with('/') || name.ends_with('\\'),
        is_symlink,
    };

    let local = to_usize(header_offset).and_then(|lho| parse_local(data, lho));
    let Some(local) = local else {
        anomalies.push(Anomaly::new(
            AnomalyKind::LocalHeaderMissing,
            Some(name),
            header_offset,
            "no local header signature at the offset given by the central directory",
        ));
        return entry;
    };
    flag_anomaly(local.flags, "local", name, header_offset, anomalies);
    if local.name != c.name {
        anomalies.push(Anomaly::new(
            AnomalyKind::NameMismatch,
            Some(name),
            header_offset,
            format!(
                "local header name {:?} differs from central name {name:?}",
                local.name
            ),
        ));
    }
    entry.data_offset = to_u64(local.data_offset);
    entry.local_name = Some(local.name);
    let end = entry.data_offset.checked_add(c.csize);
    if end.is_none_or(|e| e > to_u64(data.len())) {
        anomalies.push(Anomaly::new(
            AnomalyKind::DataOutOfBounds,
            Some(name),
            header_offset,
            format!(
                "{} compressed bytes at {} run past the end of the input ({} bytes)",
                c.csize,
                entry.data_offset,
                data.len()
            ),
        ));
    }
    entry
}

struct Local {
    flags: u16,
    name: String,
    data_offset: usize,
}

fn parse_local(data: &[u8], lho: usize) -> Option<Local> {
    let fixed = slice(data, lho, LOCAL_LEN)?;
    if !fixed.starts_with(&SIG_LOCAL) {
        return None;
    }
    let flags = u16_at(fixed, 6)?;
    let name_len = usize::from(u16_at(fixed, 26)?);
    let extra_len = usize::from(u16_at(fixed, 28)?);
    let name_start = lho.checked_add(LOCAL_LEN)?;
    let name = slice(data, name_start, name_len)?;
    let data_offset = name_start.checked_add(name_len)?.checked_add(extra_len)?;
    Some(Local {
        flags,
        name: String::from_utf8_lossy(name).into_owned(),
        data_offset,
    })
}

fn check_overlaps(entries: &[ZipEntry], cd_start: u64, anomalies: &mut Vec<Anomaly>) {
    let mut ranges: Vec<(u64, u64, usize)> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.local_name.is_some())
        .map(|(i, e)| {
            (
                e.header_offset,
                e.data_offset.saturating_add(e.compressed_size),
                i,
            )
        })
        .collect();
    ranges.sort_unstable();
    let mut reach: Option<(u64, usize)> = None;
    for &(start, end, i) in &ranges {
        let Some(e) = entries.get(i) else { continue };
        if let Some((max_end, j)) = reach
            && start < max_end
        {
            let other = entries.get(j).map_or("?", |o| o.name.as_str());
            anomalies.push(Anomaly::new(
                AnomalyKind::OverlappingEntries,
                Some(&e.name),
                start,
                format!("data range {start}..{end} overlaps entry {other:?} (ends at {max_end})"),
            ));
        }
        if start < cd_start && end > cd_start {
            anomalies.push(Anomaly::new(
                AnomalyKind::OverlappingEntries,
                Some(&e.name),
                start,
                format!("data range {start}..{end} overlaps the central directory at {cd_start}"),
            ));
        }
        if reach.is_none_or(|(m, _)| end > m) {
            reach = Some((end, i));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reading members.

impl ZipArchive {
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// `true` when the archive has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries whose central directory name is `name` (several when names are duplicated).
    pub fn by_name<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s ZipEntry> + 's {
        self.entries.iter().filter(move |e| e.name == name)
    }

    /// Decompress `entry` fully (at most `max_out` bytes), the way `PyTorch` would: flag bits are
    /// ignored, the CRC is computed and a mismatch is returned as an anomaly, not an error.
    ///
    /// Stored members are returned as a borrowed slice of `data`.
    pub fn read<'a>(
        &self,
        data: &'a [u8],
        entry: &ZipEntry,
        max_out: u64,
    ) -> Result<EntryData<'a>, EntryError> {
        let input = compressed(data, entry)?;
        let out: Cow<'a, [u8]> = if entry.method == METHOD_STORED {
            if to_u64(input.len()) > max_out {
                return Err(EntryError::OutputLimit { limit: max_out });
            }
            Cow::Borrowed(input)
        } else {
            let mut buf = Vec::new();
            let more = decode(entry, input, max_out, &mut buf).map_err(|e| encrypted(entry, e))?;
            if more {
                return Err(EntryError::OutputLimit { limit: max_out });
            }
            Cow::Owned(buf)
        };
        let out_len = to_u64(out.len());
        let mut anomalies = Vec::new();
        if out_len != entry.uncompressed_size {
            anomalies.push(Anomaly::new(
                AnomalyKind::SizeMismatch,
                Some(&entry.name),
                entry.header_offset,
                format!(
                    "declared {} uncompressed bytes, got {out_len}",
                    entry.uncompressed_size
                ),
            ));
        }
        if out_len > RATIO_MIN_SIZE
            && out_len
                .checked_div(entry.compressed_size.max(1))
                .unwrap_or(0)
                > self.max_ratio
        {
            anomalies.push(Anomaly::new(
                AnomalyKind::CompressionRatio,
                Some(&entry.name),
                entry.header_offset,
                format!(
                    "{out_len} bytes from {} compressed (ratio over {})",
                    entry.compressed_size, self.max_ratio
                ),
            ));
        }
        let actual = crc32fast::hash(&out);
        let crc = (actual != entry.crc32).then(|| {
            Anomaly::new(
                AnomalyKind::CrcMismatch,
                Some(&entry.name),
                entry.header_offset,
                format!(
                    "declared CRC-32 {:#010x}, computed {actual:#010x}",
                    entry.crc32
                ),
            )
        });
        Ok(EntryData {
            data: out,
            crc,
            anomalies,
        })
    }

    /// The first `n` decompressed bytes of `entry` (fewer if the member is shorter). Only as
    /// much input as needed is inflated, so sniffing a multi-GiB tensor member is cheap.
    pub fn read_prefix<'a>(
        &self,
        data: &'a [u8],
        entry: &ZipEntry,
        n: usize,
    ) -> Result<Cow<'a, [u8]>, EntryError> {
        let input = compressed(data, entry)?;
        if entry.method == METHOD_STORED {
            return Ok(Cow::Borrowed(input.get(..n).unwrap_or(input)));
        }
        let mut buf = Vec::new();
        decode(entry, input, to_u64(n), &mut buf).map_err(|e| encrypted(entry, e))?;
        Ok(Cow::Owned(buf))
    }
}

fn encrypted(entry: &ZipEntry, e: EntryError) -> EntryError {
    if entry.flags & FLAG_ENCRYPTED != 0 && matches!(e, EntryError::Corrupt(_)) {
        EntryError::Encrypted
    } else {
        e
    }
}

fn compressed<'a>(data: &'a [u8], entry: &ZipEntry) -> Result<&'a [u8], EntryError> {
    if entry.local_name.is_none() {
        return Err(EntryError::LocalHeaderMissing);
    }
    let start = to_usize(entry.data_offset).ok_or(EntryError::OutOfBounds)?;
    let len = to_usize(entry.compressed_size).ok_or(EntryError::OutOfBounds)?;
    slice(data, start, len).ok_or(EntryError::OutOfBounds)
}

/// Decode at most `cap` bytes of `entry` into `out`. Returns `true` when the stream had more
/// output than `cap`.
fn decode(entry: &ZipEntry, input: &[u8], cap: u64, out: &mut Vec<u8>) -> Result<bool, EntryError> {
    // A panic inside a third-party decoder becomes a corrupt-data error.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        decode_inner(entry, input, cap, out)
    }))
    .unwrap_or_else(|_| Err(EntryError::Corrupt("decoder panicked".into())))
}

fn decode_inner(
    entry: &ZipEntry,
    input: &[u8],
    cap: u64,
    out: &mut Vec<u8>,
) -> Result<bool, EntryError> {
    // Never trust the declared size for the allocation beyond a modest reservation.
    out.reserve(to_usize(entry.uncompressed_size.min(cap).min(1 << 20)).unwrap_or(0));
    match entry.method {
        METHOD_DEFLATE => read_capped(flate2::read::DeflateDecoder::new(input), cap, out),
        METHOD_BZIP2 => read_capped(bzip2::read::BzDecoder::new(input), cap, out),
        METHOD_ZSTD => {
            let dec = ruzstd::decoding::StreamingDecoder::new(input)
                .map_err(|e| EntryError::Corrupt(e.to_string()))?;
            read_capped(dec, cap, out)
        }
        METHOD_LZMA => decode_zip_lzma(entry, input, cap, out),
        METHOD_AES => Err(EntryError::Encrypted),
        m => Err(EntryError::UnsupportedMethod(m)),
    }
}

fn read_capped<R: Read>(reader: R, cap: u64, out: &mut Vec<u8>) -> Result<bool, EntryError> {
    let mut limited = reader.take(cap.saturating_add(1));
    limited
        .read_to_end(out)
        .map_err(|e| EntryError::Corrupt(e.to_string()))?;
    let capped = to_usize(cap).unwrap_or(usize::MAX);
    if out.len() > capped {
        out.truncate(capped);
        return Ok(true);
    }
    Ok(false)
}

/// ZIP method 14: 2-byte version, 2-byte properties length, LZMA properties, raw stream (no
/// 8-byte size field; size from the central directory unless the EOS flag is set).
fn decode_zip_lzma(
    entry: &ZipEntry,
    input: &[u8],
    cap: u64,
    out: &mut Vec<u8>,
) -> Result<bool, EntryError> {
    let bad = || EntryError::Corrupt("bad ZIP LZMA header".into());
    let props_len = usize::from(u16_at(input, 2).ok_or_else(bad)?);
    if props_len != 5 {
        return Err(bad());
    }
    let props = slice(input, 4, props_len).ok_or_else(bad)?;
    let stream = input
        .get(4usize.saturating_add(props_len)..)
        .ok_or_else(bad)?;
    let size = if entry.flags & FLAG_LZMA_EOS != 0 {
        None
    } else {
        Some(entry.uncompressed_size)
    };
    let opts = lzma_rs::decompress::Options {
        unpacked_size: lzma_rs::decompress::UnpackedSize::UseProvided(size),
        // lzma-rs hands output over only when its dictionary buffer wraps, so the buffer (not
        // our writer) bounds memory: allow at least 64 MiB so small prefixes still decode.
        memlimit: Some(to_usize(cap.max(LZMA_MIN_MEMLIMIT)).unwrap_or(usize::MAX)),
        allow_incomplete: false,
    };
    let mut reader = io::BufReader::new(props.chain(stream));
    lzma_to_capped(cap, out, |w| {
        lzma_rs::lzma_decompress_with_options(&mut reader, w, &opts)
    })
}

/// Run a push-style decoder into a bounded writer. Returns `true` when output exceeded `cap`.
pub(crate) fn lzma_to_capped(
    cap: u64,
    out: &mut Vec<u8>,
    run: impl FnOnce(&mut CappedWriter<'_>) -> Result<(), lzma_rs::error::Error>,
) -> Result<bool, EntryError> {
    let mut w = CappedWriter {
        out,
        remaining: cap,
        overflow: false,
    };
    let res = run(&mut w);
    if w.overflow {
        return Ok(true);
    }
    res.map_err(|e| EntryError::Corrupt(e.to_string()))?;
    Ok(false)
}

/// A `Write` that accepts at most `remaining` bytes, then fails and records the overflow.
pub(crate) struct CappedWriter<'v> {
    pub(crate) out: &'v mut Vec<u8>,
    pub(crate) remaining: u64,
    pub(crate) overflow: bool,
}

impl Write for CappedWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.remaining == 0 {
            self.overflow = true;
            return Err(io::Error::other("output limit reached"));
        }
        let n = buf
            .len()
            .min(to_usize(self.remaining).unwrap_or(usize::MAX));
        self.out.extend_from_slice(buf.get(..n).unwrap_or(buf));
        self.remaining = self.remaining.saturating_sub(to_u64(n));
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
