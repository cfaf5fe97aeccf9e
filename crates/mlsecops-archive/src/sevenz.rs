//! Bounded in-memory 7z extraction (nullifAI-style 7z-compressed checkpoints renamed `.pt`).
//!
//! Uses `sevenz-rust2` over a `Cursor` on the input. Bounds applied here:
//! - the signature header is validated first (CRC, next header inside the input);
//! - entry count, each declared size and the declared total are checked against [`SevenZLimits`]
//!   *before* any member is decoded;
//! - every member is read through a `take` bounded by the remaining budget, so a member that
//!   decodes to more than it declared fails instead of growing without bound;
//! - a panic inside the decoder is caught and returned as [`SevenZError::Decoder`].
//!
//! Residual risk (documented, not fixable from outside the crate): while parsing the archive
//! *header*, `sevenz-rust2` allocates vectors sized by counts read from the header (number of
//! files, pack streams, digests) and a buffer sized by the declared unpacked size of an encoded
//! (compressed) header, before we can check them. A crafted header can therefore make the
//! process allocate a lot of memory, or abort on allocation failure. The header itself must lie
//! inside the input (checked here), which bounds the *plain* header allocation, but not the
//! encoded-header or per-count ones. Callers that scan untrusted 7z files at scale should run
//! this in a memory-limited worker.

use std::io::{Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};

use sevenz_rust2::{Archive, ArchiveReader, Password};

const SIGNATURE: [u8; 6] = [b'7', b'z', 0xBC, 0xAF, 0x27, 0x1C];
const SIGNATURE_HEADER_LEN: u64 = 32;
/// Coder id of 7-Zip's AES-256 + SHA-256 encryption.
const AES_ID: [u8; 4] = [0x06, 0xF1, 0x07, 0x01];

/// Limits for [`extract`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SevenZLimits {
    /// Maximum number of entries. Default 4,096.
    pub max_entries: usize,
    /// Maximum size of one member. Default 1 GiB.
    pub max_entry_size: u64,
    /// Maximum total extracted bytes. Default 4 GiB.
    pub max_total_size: u64,
}

impl Default for SevenZLimits {
    fn default() -> Self {
        Self {
            max_entries: 4096,
            max_entry_size: 1 << 30,
            max_total_size: 4 << 30,
        }
    }
}

/// Why extraction failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SevenZError {
    /// No 7z signature.
    #[error("not a 7z archive")]
    NotSevenZ,
    /// The signature header is damaged or points outside the input.
    #[error("invalid 7z signature header: {0}")]
    BadHeader(String),
    /// Encrypted members or header: cannot be read without a password.
    #[error("7z archive is encrypted")]
    Encrypted,
    /// More entries than allowed.
    #[error("7z archive has {count} entries, limit is {limit}")]
    TooManyEntries {
        /// Declared count.
        count: usize,
        /// Configured limit.
        limit: usize,
    },
    /// A member (declared or actual) is larger than allowed.
    #[error("7z member {name:?} is larger than {limit} bytes")]
    EntryTooLarge {
        /// Member name.
        name: String,
        /// Configured limit.
        limit: u64,
    },
    /// The running or declared total exceeds the limit.
    #[error("7z archive expands to more than {limit} bytes")]
    TotalTooLarge {
        /// Configured limit.
        limit: u64,
    },
    /// `sevenz-rust2` reported an error (or panicked).
    #[error("7z decoder error: {0}")]
    Decoder(String),
}

/// One extracted member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SevenZEntry {
    /// Member name as stored.
    pub name: String,
    /// Decompressed content (empty for directories).
    pub data: Vec<u8>,
    /// The member is a directory.
    pub is_dir: bool,
}

/// `true` if `data` starts with the 7z signature `7z\xBC\xAF\x27\x1C`.
pub fn looks_like_7z(data: &[u8]) -> bool {
    data.starts_with(&SIGNATURE)
}

fn check_signature_header(data: &[u8]) -> Result<(), SevenZError> {
    let bad = |m: &str| SevenZError::BadHeader(m.to_owned());
    let hdr = data.get(..32).ok_or_else(|| bad("shorter than 32 bytes"))?;
    let crc = hdr
        .get(8..12)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
        .ok_or_else(|| bad("short"))?;
    let rest = hdr.get(12..32).ok_or_else(|| bad("short"))?;
    if crc32fast::hash(rest) != crc {
        // sevenz-rust2 can recover some archives with a zeroed start header by scanning for
        // the end header; anything else is rejected.
        if crc == 0 && rest.iter().all(|&b| b == 0) {
            return Ok(());
        }
        return Err(bad("start header CRC mismatch"));
    }
    let field = |o: usize| {
        rest.get(o..o.saturating_add(8))
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
    };
    let (Some(off), Some(size)) = (field(0), field(8)) else {
        return Err(bad("short"));
    };
    let end = SIGNATURE_HEADER_LEN
        .checked_add(off)
        .and_then(|v| v.checked_add(size));
    let len = u64::try_from(data.len()).unwrap_or(u64::MAX);
    if end.is_none_or(|e| e > len) {
        return Err(bad("next header lies outside the input"));
    }
    Ok(())
}

fn map_err(e: &sevenz_rust2::Error) -> SevenZError {
    match e {
        sevenz_rust2::Error::PasswordRequired | sevenz_rust2::Error::MaybeBadPassword(_) => {
            SevenZError::Encrypted
        }
        sevenz_rust2::Error::UnsupportedCompressionMethod(m)
            if m.to_ascii_uppercase().contains("AES") =>
        {
            SevenZError::Encrypted
        }
        other => SevenZError::Decoder(other.to_string()),
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_owned())
}

/// Extract every member of a 7z archive held in memory, under `limits`.
pub fn extract(data: &[u8], limits: &SevenZLimits) -> Result<Vec<SevenZEntry>, SevenZError> {
    if !looks_like_7z(data) {
        return Err(SevenZError::NotSevenZ);
    }
    check_signature_header(data)?;
    let archive = catch_unwind(AssertUnwindSafe(|| {
        Archive::read(&mut Cursor::new(data), &Password::empty())
    }))
    .map_err(|p| SevenZError::Decoder(panic_message(p.as_ref())))?
    .map_err(|e| map_err(&e))?;

    if archive.files.len() > limits.max_entries {
        return Err(SevenZError::TooManyEntries {
            count: archive.files.len(),
            limit: limits.max_entries,
        });
    }
    if archive
        .blocks
        .iter()
        .flat_map(|b| b.coders.iter())
        .any(|c| c.encoder_method_id() == AES_ID)
    {
        return Err(SevenZError::Encrypted);
    }
    let mut declared_total: u64 = 0;
    for f in &archive.files {
        if f.size > limits.max_entry_size {
            return Err(SevenZError::EntryTooLarge {
                name: f.name.clone(),
                limit: limits.max_entry_size,
            });
        }
        declared_total = declared_total.saturating_add(f.size);
    }
    if declared_total > limits.max_total_size {
        return Err(SevenZError::TotalTooLarge {
            limit: limits.max_total_size,
        });
    }

    let mut out: Vec<SevenZEntry> = Vec::with_capacity(archive.files.len());
    let mut total: u64 = 0;
    let mut limit_hit: Option<SevenZError> = None;
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut reader = ArchiveReader::from_archive(archive, Cursor::new(data), Password::empty());
        reader.set_thread_count(1);
        reader.for_each_entries(|entry, r| {
            let budget = limits
                .max_entry_size
                .min(limits.max_total_size.saturating_sub(total));
            // Reserve only what was declared (already checked), never more than the budget.
            let reserve = usize::try_from(entry.size.min(budget).min(64 << 20)).unwrap_or(0);
            let mut buf = Vec::with_capacity(reserve);
            r.take(budget.saturating_add(1)).read_to_end(&mut buf)?;
            let got = u64::try_from(buf.len()).unwrap_or(u64::MAX);
            if got > budget {
                limit_hit = Some(if got > limits.max_entry_size {
                    SevenZError::EntryTooLarge {
                        name: entry.name.clone(),
                        limit: limits.max_entry_size,
                    }
                } else {
                    SevenZError::TotalTooLarge {
                        limit: limits.max_total_size,
                    }
                });
                return Ok(false);
            }
            total = total.saturating_add(got);
            out.push(SevenZEntry {
                name: entry.name.clone(),
                data: buf,
                is_dir: entry.is_directory,
            });
            Ok(true)
        })
    }));
    if let Some(e) = limit_hit {
        return Err(e);
    }
    result
        .map_err(|p| SevenZError::Decoder(panic_message(p.as_ref())))?
        .map_err(|e| map_err(&e))?;
    Ok(out)
}
