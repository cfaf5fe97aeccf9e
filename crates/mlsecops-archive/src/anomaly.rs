//! Anomalies: suspicious but readable structure, reported as values (never as errors).

use std::fmt;

/// What kind of oddity an [`Anomaly`] describes.
///
/// The kinds are shared by the ZIP and tar readers. [`AnomalyKind::code`] gives a stable
/// kebab-case identifier suitable for mapping onto scanner rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum AnomalyKind {
    /// Unexpected general-purpose flag bits (e.g. 0x1 "encrypted", 0x20, 0x40) in a ZIP header;
    /// `zipfile` refuses these, `PyTorch` ignores them (CVE-2025-1945).
    FlagBits,
    /// The local header name differs from the central directory name (CVE-2025-1944).
    NameMismatch,
    /// The CRC-32 of the decompressed data differs from the declared one (CVE-2025-10156).
    CrcMismatch,
    /// Two members share a name; loaders disagree on which one wins.
    DuplicateName,
    /// A member name escapes the extraction root (`..`, leading `/` or `\`, drive letter).
    PathTraversal,
    /// A member is a symbolic link.
    Symlink,
    /// A tar member is a hard link.
    Hardlink,
    /// The declared entry count (or central directory size) disagrees with what was found.
    CountMismatch,
    /// Two members' data ranges overlap (overlap-based ZIP bombs), or a member overlaps the
    /// central directory.
    OverlappingEntries,
    /// Bytes before the first local header (a pickle with a ZIP appended, an SFX stub...).
    PrependedData,
    /// Bytes after the end-of-central-directory record and its comment.
    TrailingData,
    /// A central directory entry points at something that is not a local header.
    LocalHeaderMissing,
    /// The uncompressed/compressed ratio is above the limit for a large member.
    CompressionRatio,
    /// A declared uncompressed size (or the total) is above the configured cap.
    SizeLimit,
    /// The actual decompressed size differs from the declared one.
    SizeMismatch,
    /// A member's data runs past the end of the input.
    DataOutOfBounds,
    /// ZIP64 records or extra fields disagree with the classic fields or with each other.
    Zip64Inconsistent,
    /// A member uses a compression method this reader cannot decode.
    UnsupportedMethod,
    /// A member is encrypted with a scheme that cannot be read without a password.
    EncryptedUnreadable,
    /// The archive (or its central directory) ends in the middle of a structure.
    Truncated,
    /// A header checksum is wrong (tar).
    BadChecksum,
}

impl AnomalyKind {
    /// Stable kebab-case identifier of the kind.
    pub fn code(self) -> &'static str {
        match self {
            Self::FlagBits => "flag-bits",
            Self::NameMismatch => "name-mismatch",
            Self::CrcMismatch => "crc-mismatch",
            Self::DuplicateName => "duplicate-name",
            Self::PathTraversal => "path-traversal",
            Self::Symlink => "symlink",
            Self::Hardlink => "hardlink",
            Self::CountMismatch => "count-mismatch",
            Self::OverlappingEntries => "overlapping-entries",
            Self::PrependedData => "prepended-data",
            Self::TrailingData => "trailing-data",
            Self::LocalHeaderMissing => "local-header-missing",
            Self::CompressionRatio => "compression-ratio",
            Self::SizeLimit => "size-limit",
            Self::SizeMismatch => "size-mismatch",
            Self::DataOutOfBounds => "data-out-of-bounds",
            Self::Zip64Inconsistent => "zip64-inconsistent",
            Self::UnsupportedMethod => "unsupported-method",
            Self::EncryptedUnreadable => "encrypted-unreadable",
            Self::Truncated => "truncated",
            Self::BadChecksum => "bad-checksum",
        }
    }
}

impl fmt::Display for AnomalyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One suspicious structure found while reading an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anomaly {
    /// What was found.
    pub kind: AnomalyKind,
    /// The member concerned (central directory name for ZIP), if any.
    pub entry: Option<String>,
    /// Byte offset in the input where the anomaly was seen (header offset for members).
    pub offset: u64,
    /// Human-readable detail (which bits, which names, how many bytes...).
    pub message: String,
}

impl Anomaly {
    pub(crate) fn new(
        kind: AnomalyKind,
        entry: Option<&str>,
        offset: u64,
        message: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            entry: entry.map(str::to_owned),
            offset,
            message: message.into(),
        }
    }
}

impl fmt::Display for Anomaly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.entry {
            Some(e) => write!(
                f,
                "{} at {} ({e}): {}",
                self.kind, self.offset, self.message
            ),
            None => write!(f, "{} at {}: {}", self.kind, self.offset, self.message),
        }
    }
}

/// Path checks shared by the ZIP and tar readers.
///
/// Returns a reason if `name` escapes the extraction root: a leading `/` or `\`, a drive letter
/// (`C:`), or a `..` component that climbs above the root after normalisation (`a/../../x`).
pub(crate) fn path_traversal(name: &str) -> Option<&'static str> {
    if name.starts_with('/') || name.starts_with('\\') {
        return Some("absolute path");
    }
    let mut chars = name.chars();
    if let (Some(c), Some(':')) = (chars.next(), chars.next())
        && c.is_ascii_alphabetic()
    {
        return Some("drive letter");
    }
    let mut depth: usize = 0;
    for comp in name.split(['/', '\\']) {
        match comp {
            "" | "." => {}
            ".." => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return Some("`..` component escapes the root"),
            },
            _ => depth = depth.saturating_add(1),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::path_traversal;

    #[test]
    fn traversal() {
        assert!(path_traversal("../../x").is_some());
        assert!(path_traversal("a/../../x").is_some());
        assert!(path_traversal("/etc/x").is_some());
        assert!(path_traversal("\\x").is_some());
        assert!(path_traversal("C:x").is_some());
        assert!(path_traversal("..\\x").is_some());
        assert!(path_traversal("a/../b").is_none());
        assert!(path_traversal("archive/data.pkl").is_none());
        assert!(path_traversal("a/..b").is_none());
    }
}
