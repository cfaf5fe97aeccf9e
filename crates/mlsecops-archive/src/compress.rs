//! Single-stream compression wrappers (`.pkl.gz`, joblib `compress=`, `.dill.bz2`, ...).
//!
//! [`sniff`] recognises the format by magic bytes; it accepts every stream joblib writes
//! (`zlib`, `gzip`, `bz2`, `lzma`, `xz`, `lz4`; joblib routes by the same prefixes). Output is
//! streamed into a bounded buffer: declared sizes are never trusted, and both an absolute output
//! cap and a ratio cap apply.
//!
//! Not handled: joblib's pre-0.10 `ZF` container (a `ZF` prefix, a hex length, then zlib data).

use std::io::{self, Read, Write};

/// A single-stream compression format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// gzip (RFC 1952), multi-member as Python's `gzip` reads it.
    Gzip,
    /// zlib (RFC 1950): joblib's `zlib` compressor writes a raw zlib stream.
    Zlib,
    /// bzip2, multi-stream.
    Bzip2,
    /// xz container.
    Xz,
    /// Legacy `.lzma` ("LZMA alone") format, used by joblib's `lzma` compressor.
    Lzma,
    /// Zstandard frames.
    Zstd,
    /// LZ4 frame format (joblib's `lz4` compressor).
    Lz4Frame,
}

impl Codec {
    /// Short lowercase name (`gzip`, `zlib`, `bzip2`, `xz`, `lzma`, `zstd`, `lz4`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Gzip => "gzip",
            Self::Zlib => "zlib",
            Self::Bzip2 => "bzip2",
            Self::Xz => "xz",
            Self::Lzma => "lzma",
            Self::Zstd => "zstd",
            Self::Lz4Frame => "lz4",
        }
    }
}

/// Limits applied by [`decompress`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecompressLimits {
    /// Maximum output in bytes. Default 4 GiB.
    pub max_output: u64,
    /// Maximum output/input ratio once output exceeds [`DecompressLimits::ratio_min_output`].
    /// Default 1000.
    pub max_ratio: u64,
    /// Output size from which the ratio cap applies. Default 64 MiB.
    pub ratio_min_output: u64,
}

impl Default for DecompressLimits {
    fn default() -> Self {
        Self {
            max_output: 4 << 30,
            max_ratio: 1000,
            ratio_min_output: 64 << 20,
        }
    }
}

/// Why decompression stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecompressError {
    /// Ratio cap hit: likely a decompression bomb.
    #[error("decompression bomb: {produced} bytes from {input} input bytes")]
    Bomb {
        /// Bytes produced when decoding stopped.
        produced: u64,
        /// Input length.
        input: u64,
    },
    /// Output cap hit.
    #[error("decompressed output exceeds {limit} bytes")]
    OutputLimit {
        /// The configured cap.
        limit: u64,
    },
    /// The stream is corrupt or truncated.
    #[error("corrupt {codec} stream: {message}")]
    Corrupt {
        /// Codec name.
        codec: &'static str,
        /// Decoder message.
        message: String,
    },
}

fn u32_le(data: &[u8], off: usize) -> Option<u32> {
    let end = off.checked_add(4)?;
    Some(u32::from_le_bytes(data.get(off..end)?.try_into().ok()?))
}

fn u64_le(data: &[u8], off: usize) -> Option<u64> {
    let end = off.checked_add(8)?;
    Some(u64::from_le_bytes(data.get(off..end)?.try_into().ok()?))
}

/// Identify a compression wrapper by its magic bytes.
///
/// - gzip `1F 8B 08`; bzip2 `BZh[1-9]` followed by a block or end-of-stream magic;
///   xz `FD 37 7A 58 5A 00`; zstd `28 B5 2F FD`; lz4 frame `04 22 4D 18`;
/// - zlib `78 01|5E|9C|DA` (deflate, 32 KiB window, valid header checksum, no preset dictionary);
/// - LZMA alone: properties byte `5D`, a dictionary size of 2^n or 2^n + 2^(n-1) (4 KiB ..
///   3 GiB), and an unpacked size that is "unknown" or below 2^48.
pub fn sniff(data: &[u8]) -> Option<Codec> {
    if data.starts_with(&[0x1F, 0x8B, 0x08]) {
        return Some(Codec::Gzip);
    }
    if data.starts_with(b"BZh")
        && data.get(3).is_some_and(|b| (b'1'..=b'9').contains(b))
        && data.get(4..10).is_some_and(|m| {
            m == [0x31, 0x41, 0x59, 0x26, 0x53, 0x59] || m == [0x17, 0x72, 0x45, 0x38, 0x50, 0x90]
        })
    {
        return Some(Codec::Bzip2);
    }
    if data.starts_with(&[0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) {
        return Some(Codec::Xz);
    }
    if data.starts_with(&[0x28, 0xB5, 0x2F, 0xFD]) {
        return Some(Codec::Zstd);
    }
    if data.starts_with(&[0x04, 0x22, 0x4D, 0x18]) {
        return Some(Codec::Lz4Frame);
    }
    if let [0x78, flg, ..] = data
        && matches!(flg, 0x01 | 0x5E | 0x9C | 0xDA)
    {
        return Some(Codec::Zlib);
    }
    if data.first() == Some(&0x5D) && lzma_alone_plausible(data) {
        return Some(Codec::Lzma);
    }
    None
}

fn lzma_alone_plausible(data: &[u8]) -> bool {
    let (Some(dict), Some(size)) = (u32_le(data, 1), u64_le(data, 5)) else {
        return false;
    };
    let dict_ok = dict == u32::MAX
        || (12..=31u32).any(|n| {
            let p = 1u32 << n;
            dict == p || (n >= 13 && dict == p | (p >> 1))
        });
    dict_ok && (size == u64::MAX || size < 1 << 48)
}

/// Decompress a whole stream under `limits`.
pub fn decompress(
    codec: Codec,
    data: &[u8],
    limits: &DecompressLimits,
) -> Result<Vec<u8>, DecompressError> {
    let mut sink = Sink {
        out: Vec::new(),
        input: u64::try_from(data.len()).unwrap_or(u64::MAX),
        limits: limits.clone(),
        stop: None,
        prefix: false,
    };
    let res = run(codec, data, &mut sink);
    if let Some(e) = sink.stop {
        return Err(e);
    }
    res?;
    Ok(sink.out)
}

/// The first `n` decompressed bytes (fewer if the stream is shorter). Decoding stops as soon as
/// `n` bytes are produced. A stream that breaks after producing some output returns that
/// output (a truncated `.pkl.gz` can still be sniffed); one that breaks before any is an error.
pub fn decompress_prefix(codec: Codec, data: &[u8], n: usize) -> Result<Vec<u8>, DecompressError> {
    let mut sink = Sink {
        out: Vec::new(),
        input: u64::try_from(data.len()).unwrap_or(u64::MAX),
        limits: DecompressLimits {
            max_output: u64::try_from(n).unwrap_or(u64::MAX),
            max_ratio: u64::MAX,
            ratio_min_output: u64::MAX,
        },
        stop: None,
        prefix: true,
    };
    let res = run(codec, data, &mut sink);
    if sink.stop.is_some() || res.is_ok() || !sink.out.is_empty() {
        return Ok(sink.out);
    }
    res.map(|()| sink.out)
}

/// Bounded output buffer shared by pull (Read) and push (Write) decoders.
struct Sink {
    out: Vec<u8>,
    input: u64,
    limits: DecompressLimits,
    /// Why writing stopped (limit reached); set before returning an I/O error to the decoder.
    stop: Option<DecompressError>,
    prefix: bool,
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let produced = u64::try_from(self.out.len()).unwrap_or(u64::MAX);
        let room = self.limits.max_output.saturating_sub(produced);
        if room == 0 {
            self.stop = Some(DecompressError::OutputLimit {
                limit: self.limits.max_output,
            });
            return Err(io::Error::other("output limit"));
        }
        let n = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        self.out.extend_from_slice(buf.get(..n).unwrap_or(buf));
        let produced = u64::try_from(self.out.len()).unwrap_or(u64::MAX);
        if !self.prefix
            && produced > self.limits.ratio_min_output
            && produced.checked_div(self.input.max(1)).unwrap_or(0) > self.limits.max_ratio
        {
            self.stop = Some(DecompressError::Bomb {
                produced,
                input: self.input,
            });
            return Err(io::Error::other("ratio limit"));
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn corrupt(codec: Codec, e: impl std::fmt::Display) -> DecompressError {
    DecompressError::Corrupt {
        codec: codec.name(),
        message: e.to_string(),
    }
}

fn pump<R: Read>(codec: Codec, mut reader: R, sink: &mut Sink) -> Result<(), DecompressError> {
    io::copy(&mut reader, sink)
        .map(|_| ())
        .map_err(|e| corrupt(codec, e))
}

/// Run the decoder; a panic inside a third-party decoder (e.g. an arithmetic overflow check in
/// a debug build) becomes a [`DecompressError::Corrupt`].
fn run(codec: Codec, data: &[u8], sink: &mut Sink) -> Result<(), DecompressError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_inner(codec, data, sink)
    }))
    .unwrap_or_else(|_| Err(corrupt(codec, "decoder panicked")))
}

fn run_inner(codec: Codec, data: &[u8], sink: &mut Sink) -> Result<(), DecompressError> {
    match codec {
        Codec::Gzip => pump(codec, flate2::read::MultiGzDecoder::new(data), sink),
        Codec::Zlib => pump(codec, flate2::read::ZlibDecoder::new(data), sink),
        Codec::Bzip2 => pump(codec, bzip2::read::MultiBzDecoder::new(data), sink),
        Codec::Lz4Frame => pump(codec, lz4_flex::frame::FrameDecoder::new(data), sink),
        Codec::Zstd => {
            // One decoder per frame; concatenated frames are decoded in turn.
            let mut rest = data;
            while !rest.is_empty() {
                let before = rest.len();
                let dec = ruzstd::decoding::StreamingDecoder::new(&mut rest)
                    .map_err(|e| corrupt(codec, e))?;
                pump(codec, dec, sink)?;
                if rest.len() >= before {
                    break;
                }
            }
            Ok(())
        }
        Codec::Xz => {
            let mut input = io::BufReader::new(data);
            lzma_rs::xz_decompress(&mut input, sink).map_err(|e| corrupt(codec, e))
        }
        Codec::Lzma => {
            let mut input = io::BufReader::new(data);
            // lzma-rs only flushes when its dictionary buffer wraps; bound that buffer by the
            // output cap (at least 64 MiB so that short prefixes still decode).
            let memlimit =
                usize::try_from(sink.limits.max_output.max(crate::zip::LZMA_MIN_MEMLIMIT))
                    .unwrap_or(usize::MAX);
            let opts = lzma_rs::decompress::Options {
                unpacked_size: lzma_rs::decompress::UnpackedSize::ReadFromHeader,
                memlimit: Some(memlimit),
                allow_incomplete: false,
            };
            lzma_rs::lzma_decompress_with_options(&mut input, sink, &opts)
                .map_err(|e| corrupt(codec, e))
        }
    }
}
