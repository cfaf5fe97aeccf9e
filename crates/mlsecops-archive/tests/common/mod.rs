//! Tiny ZIP writer for crafting hostile archives in tests.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::cast_possible_truncation,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use std::io::Write;
use std::path::PathBuf;

pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

pub fn read_data(name: &str) -> Vec<u8> {
    std::fs::read(data_dir().join(name)).expect("test data file")
}

pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("deflate");
    e.finish().expect("deflate")
}

/// One member; every header field can be overridden.
#[derive(Clone)]
pub struct Member {
    pub name: Vec<u8>,
    /// Name written in the local header (defaults to `name`).
    pub local_name: Option<Vec<u8>>,
    /// Bytes written as the member data (already compressed for non-stored methods).
    pub raw: Vec<u8>,
    pub method: u16,
    pub local_flags: u16,
    pub central_flags: u16,
    pub crc: u32,
    pub uncompressed_size: u64,
    pub external_attr: u32,
    /// Write 0xFFFFFFFF sizes/offset with a ZIP64 extra field in the central directory.
    pub zip64: bool,
}

impl Member {
    pub fn stored(name: &str, data: &[u8]) -> Self {
        Self {
            name: name.as_bytes().to_vec(),
            local_name: None,
            raw: data.to_vec(),
            method: 0,
            local_flags: 0,
            central_flags: 0,
            crc: crc32fast::hash(data),
            uncompressed_size: data.len() as u64,
            external_attr: 0,
            zip64: false,
        }
    }

    pub fn deflated(name: &str, data: &[u8]) -> Self {
        Self {
            raw: deflate(data),
            method: 8,
            ..Self::stored(name, data)
        }
    }

    pub fn flags(mut self, f: u16) -> Self {
        self.local_flags = f;
        self.central_flags = f;
        self
    }
}

#[derive(Default, Clone)]
pub struct ZipBuilder {
    pub members: Vec<Member>,
    pub prefix: Vec<u8>,
    /// Offsets in headers are relative to the ZIP start (like a ZIP appended with `cat`) when
    /// true; absolute (like `zipfile` in append mode) when false.
    pub relative_offsets: bool,
    /// Extra central entries pointing at an existing member's local header: (name, member idx).
    pub aliases: Vec<(String, usize)>,
    pub eocd_count: Option<u16>,
    pub comment: Vec<u8>,
    pub trailing: Vec<u8>,
    /// Write a ZIP64 EOCD record + locator with saturated classic fields.
    pub zip64_eocd: bool,
}

impl ZipBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn member(mut self, m: Member) -> Self {
        self.members.push(m);
        self
    }

    pub fn build(&self) -> Vec<u8> {
        let mut out = self.prefix.clone();
        let base = if self.relative_offsets {
            self.prefix.len() as u64
        } else {
            0
        };
        let mut offsets = Vec::new();
        for m in &self.members {
            offsets.push(out.len() as u64 - base);
            let lname = m.local_name.as_ref().unwrap_or(&m.name);
            out.extend_from_slice(b"PK\x03\x04");
            out.extend_from_slice(&20u16.to_le_bytes());
            out.extend_from_slice(&m.local_flags.to_le_bytes());
            out.extend_from_slice(&m.method.to_le_bytes());
            out.extend_from_slice(&[0; 4]); // time, date
            out.extend_from_slice(&m.crc.to_le_bytes());
            out.extend_from_slice(&(m.raw.len() as u32).to_le_bytes());
            out.extend_from_slice(&(m.uncompressed_size as u32).to_le_bytes());
            out.extend_from_slice(&(lname.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(lname);
            out.extend_from_slice(&m.raw);
        }
        let cd_start = out.len() as u64 - base;
        let mut count = 0u16;
        let mut central = |out: &mut Vec<u8>, m: &Member, name: &[u8], off: u64| {
            count += 1;
            let mut extra = Vec::new();
            if m.zip64 {
                extra.extend_from_slice(&1u16.to_le_bytes());
                extra.extend_from_slice(&24u16.to_le_bytes());
                extra.extend_from_slice(&m.uncompressed_size.to_le_bytes());
                extra.extend_from_slice(&(m.raw.len() as u64).to_le_bytes());
                extra.extend_from_slice(&off.to_le_bytes());
            }
            let (cs, us, lo) = if m.zip64 {
                (u32::MAX, u32::MAX, u32::MAX)
            } else {
                (m.raw.len() as u32, m.uncompressed_size as u32, off as u32)
            };
            out.extend_from_slice(b"PK\x01\x02");
            out.extend_from_slice(&0x031Eu16.to_le_bytes()); // made by unix, 3.0
            out.extend_from_slice(&20u16.to_le_bytes());
            out.extend_from_slice(&m.central_flags.to_le_bytes());
            out.extend_from_slice(&m.method.to_le_bytes());
            out.extend_from_slice(&[0; 4]);
            out.extend_from_slice(&m.crc.to_le_bytes());
            out.extend_from_slice(&cs.to_le_bytes());
            out.extend_from_slice(&us.to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&(extra.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes()); // comment
            out.extend_from_slice(&0u16.to_le_bytes()); // disk
            out.extend_from_slice(&0u16.to_le_bytes()); // internal attr
            out.extend_from_slice(&m.external_attr.to_le_bytes());
            out.extend_from_slice(&lo.to_le_bytes());
            out.extend_from_slice(name);
            out.extend_from_slice(&extra);
        };
        for (m, &off) in self.members.iter().zip(&offsets) {
            central(&mut out, m, &m.name, off);
        }
        for (name, idx) in &self.aliases {
            central(
                &mut out,
                &self.members[*idx],
                name.as_bytes(),
                offsets[*idx],
            );
        }
        let cd_end = out.len() as u64 - base;
        let cd_size = cd_end - cd_start;
        let n = self.eocd_count.unwrap_or(count);
        if self.zip64_eocd {
            out.extend_from_slice(b"PK\x06\x06");
            out.extend_from_slice(&44u64.to_le_bytes());
            out.extend_from_slice(&45u16.to_le_bytes());
            out.extend_from_slice(&45u16.to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&u64::from(n).to_le_bytes());
            out.extend_from_slice(&u64::from(n).to_le_bytes());
            out.extend_from_slice(&cd_size.to_le_bytes());
            out.extend_from_slice(&cd_start.to_le_bytes());
            out.extend_from_slice(b"PK\x06\x07");
            out.extend_from_slice(&0u32.to_le_bytes());
            out.extend_from_slice(&cd_end.to_le_bytes());
            out.extend_from_slice(&1u32.to_le_bytes());
        }
        out.extend_from_slice(b"PK\x05\x06");
        out.extend_from_slice(&[0; 4]);
        if self.zip64_eocd {
            out.extend_from_slice(&[0xFF; 4]);
            out.extend_from_slice(&[0xFF; 8]);
        } else {
            out.extend_from_slice(&n.to_le_bytes());
            out.extend_from_slice(&n.to_le_bytes());
            out.extend_from_slice(&(cd_size as u32).to_le_bytes());
            out.extend_from_slice(&(cd_start as u32).to_le_bytes());
        }
        out.extend_from_slice(&(self.comment.len() as u16).to_le_bytes());
        out.extend_from_slice(&self.comment);
        out.extend_from_slice(&self.trailing);
        out
    }
}

/// A minimal protocol-2 pickle that calls `os.system("id")`.
pub fn evil_pickle() -> Vec<u8> {
    b"\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.".to_vec()
}

/// A PyTorch-like archive: `archive/data.pkl`, `archive/version`, one storage.
pub fn torch_like() -> ZipBuilder {
    ZipBuilder::new()
        .member(Member::stored("archive/data.pkl", &evil_pickle()))
        .member(Member::stored("archive/version", b"3\n"))
        .member(Member::stored("archive/data/0", &[0u8; 256]))
}

/// Run every reader over `data` the way the fuzz target does; must never panic.
pub fn exercise(data: &[u8]) {
    use mlsecops_archive::{compress, sevenz, tar, zip};
    let _ = zip::looks_like_zip(data);
    let _ = zip::find_eocd(data);
    if let Ok(ar) = zip::parse(data, &zip::Limits::default()) {
        for e in &ar.entries {
            let _ = ar.read_prefix(data, e, 64);
            let _ = ar.read(data, e, 1 << 16);
        }
    }
    let small = compress::DecompressLimits {
        max_output: 1 << 16,
        max_ratio: 1000,
        ratio_min_output: 1 << 12,
    };
    if let Some(codec) = compress::sniff(data) {
        let _ = compress::decompress(codec, data, &small);
        let _ = compress::decompress_prefix(codec, data, 16);
    }
    for codec in [
        compress::Codec::Gzip,
        compress::Codec::Zlib,
        compress::Codec::Bzip2,
        compress::Codec::Xz,
        compress::Codec::Lzma,
        compress::Codec::Zstd,
        compress::Codec::Lz4Frame,
    ] {
        let _ = compress::decompress_prefix(codec, data, 16);
    }
    let _ = tar::looks_like_tar(data);
    let _ = tar::list(data, &tar::TarLimits::default());
    // 7z extraction is not exercised on mutated input: sevenz-rust2 sizes allocations from
    // header counts before they can be checked, so a mutated header can abort the process on
    // allocation failure (documented residual risk in `sevenz`). Only the sniff runs here.
    let _ = sevenz::looks_like_7z(data);
}

/// Every small input the tests know about: committed files and crafted archives.
pub fn all_inputs() -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(data_dir())
        .expect("data dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    for p in files {
        v.push((p.display().to_string(), std::fs::read(&p).expect("read")));
    }
    let mut b = torch_like();
    v.push(("torch_like".into(), b.build()));
    b.members[0] = b.members[0].clone().flags(0x41);
    b.members[1].local_name = Some(b"x".to_vec());
    b.aliases.push(("alias".into(), 2));
    v.push(("torch_like_odd".into(), b.build()));
    let mut b = torch_like();
    for m in &mut b.members {
        m.zip64 = true;
    }
    b.zip64_eocd = true;
    b.prefix = evil_pickle();
    b.relative_offsets = true;
    v.push(("zip64_prefixed".into(), b.build()));
    let d = ZipBuilder::new()
        .member(Member::deflated("a.txt", &b"hello ".repeat(100)))
        .build();
    v.push(("deflate".into(), d));
    v
}
