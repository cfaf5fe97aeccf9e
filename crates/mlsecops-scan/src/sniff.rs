//! Content sniffing: magic bytes and bounded trial parses, never the extension alone.

use mlsecops_archive::compress::{self, Codec};
use mlsecops_archive::{sevenz, tar, zip};

/// What a byte string looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// ZIP with a local header at offset 0.
    Zip,
    /// ZIP whose central directory is found from the end although offset 0 is something
    /// else (self-extracting stub, prepended data).
    ZipWithPrefix,
    /// 7z archive.
    SevenZ,
    /// POSIX / GNU tar.
    Tar,
    /// Single-stream compression wrapper.
    Compressed(Codec),
    /// `NumPy` `.npy` array.
    Npy,
    /// A pickle stream (any protocol).
    Pickle,
    /// safetensors.
    Safetensors,
    /// GGUF.
    Gguf,
    /// HDF5, e.g. Keras `.h5`.
    Hdf5,
    /// `TFLite` flatbuffer (`TFL3` file identifier).
    Tflite,
    /// An image (PNG, JPEG, GIF).
    Image,
    /// A native executable (ELF, PE, Mach-O).
    Executable,
    /// Nothing recognised.
    Unknown,
}

impl Sniffed {
    /// Short format label used in reports.
    pub fn label(self) -> &'static str {
        match self {
            Sniffed::Zip | Sniffed::ZipWithPrefix => "zip",
            Sniffed::SevenZ => "7z",
            Sniffed::Tar => "tar",
            Sniffed::Compressed(codec) => codec_label(codec),
            Sniffed::Npy => "numpy-npy",
            Sniffed::Pickle => "pickle",
            Sniffed::Safetensors => "safetensors",
            Sniffed::Gguf => "gguf",
            Sniffed::Hdf5 => "hdf5",
            Sniffed::Tflite => "tflite",
            Sniffed::Image => "image",
            Sniffed::Executable => "executable",
            Sniffed::Unknown => "unknown",
        }
    }

    /// Containers and pickle-family formats handled by the engine itself; structured
    /// formats (GGUF, safetensors, HDF5, `TFLite`, …) are routed to their own analysers.
    pub fn is_analysed(self) -> bool {
        matches!(
            self,
            Sniffed::Zip
                | Sniffed::ZipWithPrefix
                | Sniffed::SevenZ
                | Sniffed::Tar
                | Sniffed::Compressed(_)
                | Sniffed::Npy
                | Sniffed::Pickle
        )
    }
}

pub(crate) fn codec_label(codec: Codec) -> &'static str {
    match codec {
        Codec::Gzip => "gzip",
        Codec::Zlib => "zlib",
        Codec::Bzip2 => "bzip2",
        Codec::Xz => "xz",
        Codec::Lzma => "lzma",
        Codec::Zstd => "zstd",
        Codec::Lz4Frame => "lz4",
    }
}

/// Classifies a whole file or member by content; every check here is bounded.
pub fn sniff(data: &[u8]) -> Sniffed {
    match sniff_prefix(data) {
        Sniffed::Unknown if zip::find_eocd(data).is_some() && zip::looks_like_zip(data) => {
            Sniffed::ZipWithPrefix
        }
        other => other,
    }
}

/// Classifies the first bytes of a file or member (e.g. the first 64 KiB of an archive
/// member, without inflating the rest). Never reports [`Sniffed::ZipWithPrefix`], which
/// needs the end of the data.
pub(crate) fn sniff_prefix(data: &[u8]) -> Sniffed {
    if data.starts_with(b"PK\x03\x04") || data.starts_with(b"PK\x05\x06") {
        return Sniffed::Zip;
    }
    if sevenz::looks_like_7z(data) {
        return Sniffed::SevenZ;
    }
    if let Some(codec) = compress::sniff(data)
        && is_strong_codec(codec)
    {
        return Sniffed::Compressed(codec);
    }
    if data.starts_with(b"\x93NUMPY") {
        return Sniffed::Npy;
    }
    if data.starts_with(b"GGUF") {
        return Sniffed::Gguf;
    }
    if is_hdf5(data) {
        return Sniffed::Hdf5;
    }
    if is_safetensors(data) {
        return Sniffed::Safetensors;
    }
    if data.get(4..8) == Some(b"TFL3".as_slice()) {
        return Sniffed::Tflite;
    }
    if data.starts_with(b"\x89PNG\r\n\x1a\n")
        || data.starts_with(b"\xff\xd8\xff")
        || data.starts_with(b"GIF8")
    {
        return Sniffed::Image;
    }
    if data.starts_with(b"\x7fELF")
        || data.starts_with(b"MZ")
        || data.starts_with(&[0xcf, 0xfa, 0xed, 0xfe])
        || data.starts_with(&[0xce, 0xfa, 0xed, 0xfe])
        || data.starts_with(&[0xca, 0xfe, 0xba, 0xbe])
    {
        return Sniffed::Executable;
    }
    if tar::looks_like_tar(data) {
        return Sniffed::Tar;
    }
    if mlsecops_pickle::sniff(data) {
        return Sniffed::Pickle;
    }
    if let Some(codec) = compress::sniff(data) {
        // zlib and lzma-alone have weak magics: accept them only when they really inflate.
        if compress::decompress_prefix(codec, data, 512).is_ok_and(|out| !out.is_empty()) {
            return Sniffed::Compressed(codec);
        }
    }
    Sniffed::Unknown
}

fn is_strong_codec(codec: Codec) -> bool {
    !matches!(codec, Codec::Zlib | Codec::Lzma)
}

fn is_hdf5(data: &[u8]) -> bool {
    const SIG: &[u8] = b"\x89HDF\r\n\x1a\n";
    [0usize, 512, 1024, 2048]
        .iter()
        .any(|&off| data.get(off..).is_some_and(|rest| rest.starts_with(SIG)))
}

fn is_safetensors(data: &[u8]) -> bool {
    let Some(len_bytes) = data.get(..8) else {
        return false;
    };
    let mut buf = [0u8; 8];
    buf.copy_from_slice(len_bytes);
    let header_len = u64::from_le_bytes(buf);
    (2..=100_000_000).contains(&header_len) && data.get(8) == Some(&b'{')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes() {
        assert_eq!(sniff(b"PK\x03\x04rest"), Sniffed::Zip);
        assert_eq!(sniff(b"\x93NUMPY\x01\x00"), Sniffed::Npy);
        assert_eq!(sniff(b"GGUF\x03\x00\x00\x00"), Sniffed::Gguf);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Sniffed::Image);
        assert_eq!(sniff(b"\x80\x02}q\x00."), Sniffed::Pickle);
        assert_eq!(sniff(b"cos\nsystem\n(S'echo'\ntR."), Sniffed::Pickle);
        assert_eq!(sniff(b"# README\nhello world\n"), Sniffed::Unknown);
        let mut st = 2u64.to_le_bytes().to_vec();
        st.extend_from_slice(b"{}");
        assert_eq!(sniff(&st), Sniffed::Safetensors);
        assert_eq!(sniff(b""), Sniffed::Unknown);
    }
}
