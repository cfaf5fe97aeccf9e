//! Bounded, read-only HDF5 reader for Keras model metadata.
//!
//! Reads what a scanner needs from files written by h5py 3.x / libhdf5 (which Keras uses):
//! the superblock (versions 0–3, user block prefixes), object headers (v1 and v2 with
//! continuation blocks), dataspace, datatype and attribute messages (v1/v2/v3 encodings),
//! global heap collections for variable-length strings, and group traversal through
//! symbol tables (v1 B-tree + local heap) and link messages.
//!
//! Dense attribute and link storage (fractal heap + version 2 B-tree name index, managed,
//! tiny and huge heap objects) is read too.
//!
//! Not supported (reported as [`Hdf5Error::Unsupported`] with the byte offset): filtered
//! fractal heaps, shared (committed) datatypes in attributes; soft and external links are
//! never followed.
//!
//! Every read is bounds-checked against the input, every count is capped by [`Limits`],
//! cycles between object headers are detected, and nothing recurses without a depth cap.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::collections::{HashMap, HashSet};

mod dense;
mod value;

pub use value::{AttrValue, Attribute};

/// HDF5 superblock signature.
pub const SIGNATURE: [u8; 8] = *b"\x89HDF\r\n\x1a\n";

const UNDEFINED: u64 = u64::MAX;

/// Caps applied while reading. Defaults suit Keras models of any realistic size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Highest user-block size probed for the superblock signature (0, 512, 1024 … ≤ this).
    /// Default 1 MiB.
    pub max_userblock: u64,
    /// Object headers visited by [`Hdf5::walk`]. Default 100,000.
    pub max_objects: usize,
    /// Group nesting depth followed by [`Hdf5::walk`]. Default 64.
    pub max_depth: usize,
    /// Header chunks (the first plus continuations) per object header. Default 256.
    pub max_header_chunks: usize,
    /// Messages per object header. Default 65,536.
    pub max_messages: usize,
    /// Object header messages read per call, all headers together. Default 4,000,000.
    pub max_total_messages: usize,
    /// Attributes per object. Default 10,000.
    pub max_attributes: usize,
    /// Bytes of one attribute's raw data, and of one variable-length element. Default 64 MiB.
    pub max_attribute_size: u64,
    /// Elements (strings) of one attribute. Default 1,000,000.
    pub max_elements: u64,
    /// Size of one heap (local heap data segment or global heap collection). Default 256 MiB.
    pub max_heap_size: u64,
    /// B-tree / symbol-table nodes visited per group. Default 100,000.
    pub max_btree_nodes: usize,
    /// Total bytes of decoded attribute values per call. Default 256 MiB.
    pub max_total_value_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_userblock: 1 << 20,
            max_objects: 100_000,
            max_depth: 64,
            max_header_chunks: 256,
            max_messages: 65_536,
            max_total_messages: 4_000_000,
            max_attributes: 10_000,
            max_attribute_size: 64 << 20,
            max_elements: 1_000_000,
            max_heap_size: 256 << 20,
            max_btree_nodes: 100_000,
            max_total_value_bytes: 256 << 20,
        }
    }
}

/// Why a file (or part of it) could not be read. Every variant carries the absolute byte
/// offset in the input where the problem was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Hdf5Error {
    /// No superblock signature at 0, 512, 1024, 2048 …
    #[error("no HDF5 superblock signature found")]
    NotHdf5,
    /// A structure runs past the end of the input.
    #[error("{what} truncated at byte {offset}")]
    Truncated {
        /// Absolute byte offset.
        offset: u64,
        /// The structure.
        what: &'static str,
    },
    /// A structure is inconsistent (bad signature, version, size, address).
    #[error("malformed {what} at byte {offset}: {detail}")]
    Malformed {
        /// Absolute byte offset.
        offset: u64,
        /// The structure.
        what: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// A valid feature this reader does not implement.
    #[error("unsupported HDF5 feature at byte {offset}: {what}")]
    Unsupported {
        /// Absolute byte offset.
        offset: u64,
        /// The feature.
        what: String,
    },
    /// A [`Limits`] cap was reached.
    #[error("limit reached at byte {offset}: {what}")]
    Limit {
        /// Absolute byte offset.
        offset: u64,
        /// Which cap.
        what: String,
    },
    /// Object headers or continuation blocks form a cycle.
    #[error("cycle in {what} at byte {offset}")]
    Cycle {
        /// Absolute byte offset.
        offset: u64,
        /// The structure.
        what: &'static str,
    },
}

impl Hdf5Error {
    /// Absolute byte offset of the problem (0 for [`Hdf5Error::NotHdf5`]).
    pub fn offset(&self) -> u64 {
        match self {
            Hdf5Error::NotHdf5 => 0,
            Hdf5Error::Truncated { offset, .. }
            | Hdf5Error::Malformed { offset, .. }
            | Hdf5Error::Unsupported { offset, .. }
            | Hdf5Error::Limit { offset, .. }
            | Hdf5Error::Cycle { offset, .. } => *offset,
        }
    }
}

pub(crate) fn malformed(offset: u64, what: &'static str, detail: impl Into<String>) -> Hdf5Error {
    Hdf5Error::Malformed {
        offset,
        what,
        detail: detail.into(),
    }
}

/// Kind of an object reached by [`Hdf5::walk`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    /// A group (symbol table, link messages or link info).
    Group,
    /// A dataset (has a data layout message).
    Dataset,
    /// Anything else (committed datatype…).
    Other,
}

/// One object reached by [`Hdf5::walk`].
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    /// Path from the root (`/`, `/model_weights/dense`).
    pub path: String,
    /// What it is.
    pub kind: ObjectKind,
    /// Absolute byte offset of its object header.
    pub offset: u64,
    /// Its attributes, in header order.
    pub attributes: Vec<Attribute>,
}

/// A link from a group to a child.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Link {
    Hard { name: String, addr: u64 },
    Other,
}

/// Messages of one object header that this reader uses.
#[derive(Debug, Default)]
struct Header<'a> {
    /// Raw attribute messages with their absolute offset.
    attributes: Vec<(u64, &'a [u8])>,
    /// Symbol table message: (v1 B-tree address, local heap address).
    symbol_table: Option<(u64, u64)>,
    /// Link messages.
    links: Vec<(u64, &'a [u8])>,
    has_link_info: bool,
    has_layout: bool,
    /// Dense attribute storage: (fractal heap, name-index B-tree, message offset).
    dense_attributes: Option<(u64, u64, u64)>,
    /// Dense link storage: (fractal heap, name-index B-tree, message offset).
    dense_links: Option<(u64, u64, u64)>,
}

/// Little-endian cursor over a slice with absolute offsets for errors.
#[derive(Clone)]
pub(crate) struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    base: u64,
    what: &'static str,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(buf: &'a [u8], base: u64, what: &'static str) -> Self {
        Cursor {
            buf,
            pos: 0,
            base,
            what,
        }
    }

    pub(crate) fn offset(&self) -> u64 {
        self.base.saturating_add(self.pos as u64)
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], Hdf5Error> {
        let end = self.pos.checked_add(n).ok_or(Hdf5Error::Truncated {
            offset: self.offset(),
            what: self.what,
        })?;
        let s = self.buf.get(self.pos..end).ok_or(Hdf5Error::Truncated {
            offset: self.offset(),
            what: self.what,
        })?;
        self.pos = end;
        Ok(s)
    }

    pub(crate) fn skip(&mut self, n: usize) -> Result<(), Hdf5Error> {
        self.take(n).map(|_| ())
    }

    pub(crate) fn u8(&mut self) -> Result<u8, Hdf5Error> {
        Ok(self.take(1)?.first().copied().unwrap_or(0))
    }

    /// Little-endian unsigned integer of `n` (1..=8) bytes.
    pub(crate) fn uint(&mut self, n: usize) -> Result<u64, Hdf5Error> {
        let s = self.take(n)?;
        Ok(le(s))
    }

    pub(crate) fn u16(&mut self) -> Result<u16, Hdf5Error> {
        let v = self.uint(2)?;
        Ok(u16::try_from(v).unwrap_or(u16::MAX))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, Hdf5Error> {
        let v = self.uint(4)?;
        Ok(u32::try_from(v).unwrap_or(u32::MAX))
    }

    pub(crate) fn align(&mut self, to: usize) -> Result<(), Hdf5Error> {
        let rem = self.pos % to;
        if rem != 0 {
            self.skip(to - rem)?;
        }
        Ok(())
    }
}

/// Little-endian value of up to 8 bytes.
pub(crate) fn le(s: &[u8]) -> u64 {
    s.iter()
        .take(8)
        .rev()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
}

fn to_usize(v: u64, offset: u64, what: &'static str) -> Result<usize, Hdf5Error> {
    usize::try_from(v).map_err(|_| malformed(offset, what, format!("size {v} too large")))
}

/// An opened HDF5 file.
#[derive(Debug, Clone)]
pub struct Hdf5<'a> {
    data: &'a [u8],
    base: u64,
    superblock_offset: u64,
    superblock_version: u8,
    offset_size: usize,
    length_size: usize,
    root: u64,
    eof: u64,
    limits: Limits,
}

/// Per-call state: budgets and caches.
struct Ctx<'a> {
    value_bytes: u64,
    messages: usize,
    gcol: HashMap<u64, Vec<(u16, &'a [u8])>>,
}

/// Finds the superblock signature at 0, 512, 1024, 2048 … (at most `max_userblock`).
pub fn find_superblock(data: &[u8], max_userblock: u64) -> Option<u64> {
    let mut off: u64 = 0;
    loop {
        let start = usize::try_from(off).ok()?;
        let end = start.checked_add(8)?;
        if data.get(start..end)? == SIGNATURE {
            return Some(off);
        }
        off = if off == 0 { 512 } else { off.checked_mul(2)? };
        if off > max_userblock {
            return None;
        }
    }
}

impl<'a> Hdf5<'a> {
    /// Parses the superblock and locates the root group.
    pub fn open(data: &'a [u8], limits: &Limits) -> Result<Hdf5<'a>, Hdf5Error> {
        let sb = find_superblock(data, limits.max_userblock).ok_or(Hdf5Error::NotHdf5)?;
        let start = to_usize(sb, sb, "superblock")?;
        let mut c = Cursor::new(data.get(start..).unwrap_or_default(), sb, "superblock");
        c.skip(8)?;
        let version = c.u8()?;
        let (offset_size, length_size, root, root_at, eof);
        match version {
            0 | 1 => {
                c.skip(4)?; // free-space, root symbol table entry, reserved, shared header versions
                offset_size = usize::from(c.u8()?);
                length_size = usize::from(c.u8()?);
                check_sizes(offset_size, length_size, c.offset())?;
                c.skip(1 + 2 + 2 + 4)?; // reserved, group leaf K, group internal K, flags
                if version == 1 {
                    c.skip(4)?; // indexed storage K + reserved
                }
                c.skip(2 * offset_size)?; // base, free space
                eof = c.uint(offset_size)?;
                c.skip(offset_size)?; // driver info
                c.skip(offset_size)?; // root entry: link name offset
                root_at = c.offset();
                root = c.uint(offset_size)?;
                c.skip(4 + 4 + 16)?;
            }
            2 | 3 => {
                offset_size = usize::from(c.u8()?);
                length_size = usize::from(c.u8()?);
                check_sizes(offset_size, length_size, c.offset())?;
                c.skip(1)?; // flags
                c.skip(2 * offset_size)?; // base, superblock extension
                eof = c.uint(offset_size)?;
                root_at = c.offset();
                root = c.uint(offset_size)?;
                c.skip(4)?; // checksum
            }
            v => {
                return Err(Hdf5Error::Unsupported {
                    offset: sb + 8,
                    what: format!("superblock version {v}"),
                });
            }
        }
        let file = Hdf5 {
            data,
            base: sb,
            superblock_offset: sb,
            superblock_version: version,
            offset_size,
            length_size,
            root,
            eof,
            limits: limits.clone(),
        };
        if file.is_undefined(root) {
            return Err(malformed(sb, "superblock", "root group address undefined"));
        }
        if let Err(e) = file.abs(root, "root object header") {
            return Err(malformed(
                root_at,
                "superblock",
                format!("root group address: {e}"),
            ));
        }
        Ok(file)
    }

    /// Absolute offset of the superblock signature (non-zero with a user block).
    pub fn superblock_offset(&self) -> u64 {
        self.superblock_offset
    }

    /// End-of-file address declared by the superblock, as an absolute offset.
    pub fn declared_end(&self) -> u64 {
        self.eof.saturating_add(self.base)
    }

    /// True when the input is shorter than the superblock's end-of-file address (the file
    /// was cut: data or metadata past the end is missing).
    pub fn is_truncated(&self) -> bool {
        self.declared_end() > self.data.len() as u64
    }

    /// Superblock version (0–3).
    pub fn superblock_version(&self) -> u8 {
        self.superblock_version
    }

    fn is_undefined(&self, addr: u64) -> bool {
        let bits = u32::try_from(self.offset_size * 8).unwrap_or(64);
        addr == UNDEFINED || (bits < 64 && addr == (1u64 << bits) - 1)
    }

    /// Absolute offset of file address `addr`, checked to lie inside the input.
    fn abs(&self, addr: u64, what: &'static str) -> Result<u64, Hdf5Error> {
        let a = addr
            .checked_add(self.base)
            .ok_or_else(|| malformed(addr, what, "address overflows"))?;
        if a >= self.data.len() as u64 {
            return Err(malformed(
                a,
                what,
                format!(
                    "address {addr:#x} past end of file ({} bytes)",
                    self.data.len()
                ),
            ));
        }
        Ok(a)
    }

    /// Cursor over `len` bytes at file address `addr` (len `None`: to end of input).
    fn at(&self, addr: u64, len: Option<u64>, what: &'static str) -> Result<Cursor<'a>, Hdf5Error> {
        let a = self.abs(addr, what)?;
        let start = to_usize(a, a, what)?;
        let rest = self.data.get(start..).unwrap_or_default();
        let buf = match len {
            None => rest,
            Some(l) => {
                let l = to_usize(l, a, what)?;
                rest.get(..l)
                    .ok_or(Hdf5Error::Truncated { offset: a, what })?
            }
        };
        Ok(Cursor::new(buf, a, what))
    }

    fn addr(&self, c: &mut Cursor<'_>) -> Result<u64, Hdf5Error> {
        c.uint(self.offset_size)
    }

    fn length(&self, c: &mut Cursor<'_>) -> Result<u64, Hdf5Error> {
        c.uint(self.length_size)
    }

    /// Attributes of the root group.
    pub fn root_attributes(&self) -> Result<Vec<Attribute>, Hdf5Error> {
        let mut ctx = Ctx {
            value_bytes: 0,
            messages: 0,
            gcol: HashMap::new(),
        };
        let header = self.header(self.root, &mut ctx)?;
        self.attributes(&header, &mut ctx)
    }

    /// Every object reachable from the root through hard links (each once, depth-first),
    /// with its attributes.
    pub fn walk(&self) -> Result<Vec<Object>, Hdf5Error> {
        let mut ctx = Ctx {
            value_bytes: 0,
            messages: 0,
            gcol: HashMap::new(),
        };
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut stack = vec![(self.root, String::from("/"), 0usize)];
        while let Some((addr, path, depth)) = stack.pop() {
            let offset = self.abs(addr, "object header")?;
            if !seen.insert(addr) {
                continue;
            }
            if out.len() >= self.limits.max_objects {
                return Err(Hdf5Error::Limit {
                    offset,
                    what: format!("more than {} objects", self.limits.max_objects),
                });
            }
            let header = self.header(addr, &mut ctx)?;
            let attributes = self.attributes(&header, &mut ctx)?;
            let is_group =
                header.symbol_table.is_some() || !header.links.is_empty() || header.has_link_info;
            let kind = if is_group {
                ObjectKind::Group
            } else if header.has_layout {
                ObjectKind::Dataset
            } else {
                ObjectKind::Other
            };
            if is_group {
                let children = self.children(&header)?;
                if !children.is_empty() && depth >= self.limits.max_depth {
                    return Err(Hdf5Error::Limit {
                        offset,
                        what: format!("group depth over {}", self.limits.max_depth),
                    });
                }
                if stack.len().saturating_add(children.len()) > self.limits.max_objects {
                    return Err(Hdf5Error::Limit {
                        offset,
                        what: format!("more than {} pending objects", self.limits.max_objects),
                    });
                }
                // Reverse so that the depth-first order follows link order.
                for (name, child) in children.into_iter().rev() {
                    let p = if path == "/" {
                        format!("/{name}")
                    } else {
                        format!("{path}/{name}")
                    };
                    stack.push((child, p, depth + 1));
                }
            }
            out.push(Object {
                path,
                kind,
                offset,
                attributes,
            });
        }
        Ok(out)
    }

    // -----------------------------------------------------------------------------------------
    // Object headers

    /// Takes the next pending continuation block of an object header (v1 or v2), refusing
    /// a block seen before (cycle) and chains longer than `max_header_chunks`; returns its
    /// address, length and absolute offset.
    fn next_continuation(
        &self,
        chunks: &mut Vec<(u64, u64)>,
        visited: &mut HashSet<u64>,
        n_chunks: &mut usize,
    ) -> Result<Option<(u64, u64, u64)>, Hdf5Error> {
        if chunks.is_empty() {
            return Ok(None);
        }
        let (caddr, clen) = chunks.remove(0);
        let off = self.abs(caddr, "continuation block")?;
        if !visited.insert(caddr) {
            return Err(Hdf5Error::Cycle {
                offset: off,
                what: "object header continuation chain",
            });
        }
        *n_chunks += 1;
        if *n_chunks > self.limits.max_header_chunks {
            return Err(Hdf5Error::Limit {
                offset: off,
                what: format!("more than {} header chunks", self.limits.max_header_chunks),
            });
        }
        Ok(Some((caddr, clen, off)))
    }

    fn header(&self, addr: u64, ctx: &mut Ctx<'a>) -> Result<Header<'a>, Hdf5Error> {
        let mut c = self.at(addr, None, "object header")?;
        let start = c.offset();
        let mut header = Header::default();
        let mut chunks: Vec<(u64, u64)> = Vec::new();
        let mut visited: HashSet<u64> = HashSet::new();
        let mut messages = 0usize;
        visited.insert(addr);
        let sig = c.take(4)?;
        if sig == b"OHDR" {
            let version = c.u8()?;
            if version != 2 {
                return Err(malformed(
                    start + 4,
                    "object header",
                    format!("OHDR version {version}"),
                ));
            }
            let flags = c.u8()?;
            if flags & 0x20 != 0 {
                c.skip(16)?;
            }
            if flags & 0x10 != 0 {
                c.skip(4)?;
            }
            let size_len = 1usize << (flags & 3);
            let size = c.uint(size_len)?;
            let chunk_start = c.offset() - self.base;
            self.v2_messages(
                chunk_start,
                size,
                flags,
                &mut header,
                &mut chunks,
                &mut messages,
            )?;
            let mut n_chunks = 1usize;
            while let Some((caddr, clen, off)) =
                self.next_continuation(&mut chunks, &mut visited, &mut n_chunks)?
            {
                let mut cc = self.at(caddr, Some(clen), "continuation block")?;
                if cc.take(4)? != b"OCHK" {
                    return Err(malformed(
                        off,
                        "continuation block",
                        "missing OCHK signature",
                    ));
                }
                let body = clen
                    .checked_sub(8)
                    .ok_or_else(|| malformed(off, "continuation block", "shorter than 8 bytes"))?;
                self.v2_messages(
                    caddr + 4,
                    body,
                    flags,
                    &mut header,
                    &mut chunks,
                    &mut messages,
                )?;
            }
        } else {
            // Version 1 header: version, reserved, message count, ref count, header size.
            c = self.at(addr, None, "object header")?;
            let version = c.u8()?;
            if version != 1 {
                return Err(malformed(
                    start,
                    "object header",
                    format!("version {version}"),
                ));
            }
            c.skip(1)?;
            let declared = usize::from(c.u16()?);
            c.skip(4)?;
            let size = u64::from(c.u32()?);
            c.skip(4)?; // align to 16 (header prefix is 12 bytes, padded)
            let first = addr
                .checked_add(16)
                .ok_or_else(|| malformed(start, "object header", "address overflow"))?;
            self.v1_messages(first, size, &mut header, &mut chunks, &mut messages)?;
            let mut n_chunks = 1usize;
            while let Some((caddr, clen, _)) =
                self.next_continuation(&mut chunks, &mut visited, &mut n_chunks)?
            {
                self.v1_messages(caddr, clen, &mut header, &mut chunks, &mut messages)?;
            }
            // More messages than declared is malformed; fewer happens with trailing NILs.
            if messages > declared {
                return Err(malformed(
                    start,
                    "object header",
                    format!("{messages} messages, header declares {declared}"),
                ));
            }
        }
        ctx.messages = ctx.messages.saturating_add(messages);
        if ctx.messages > self.limits.max_total_messages {
            return Err(Hdf5Error::Limit {
                offset: start,
                what: format!(
                    "more than {} header messages in total",
                    self.limits.max_total_messages
                ),
            });
        }
        Ok(header)
    }

    fn count_message(&self, messages: &mut usize, offset: u64) -> Result<(), Hdf5Error> {
        *messages += 1;
        if *messages > self.limits.max_messages {
            return Err(Hdf5Error::Limit {
                offset,
                what: format!(
                    "more than {} messages in one header",
                    self.limits.max_messages
                ),
            });
        }
        Ok(())
    }

    fn v1_messages(
        &self,
        addr: u64,
        len: u64,
        header: &mut Header<'a>,
        chunks: &mut Vec<(u64, u64)>,
        messages: &mut usize,
    ) -> Result<(), Hdf5Error> {
        let mut c = self.at(addr, Some(len), "object header messages")?;
        while c.remaining() >= 8 {
            let moff = c.offset();
            let mtype = c.u16()?;
            let msize = usize::from(c.u16()?);
            let mflags = c.u8()?;
            c.skip(3)?;
            let body = c.take(msize).map_err(|_| {
                malformed(
                    moff,
                    "object header message",
                    format!("size {msize} runs past its block"),
                )
            })?;
            self.count_message(messages, moff)?;
            self.message(mtype, mflags, moff + 8, body, header, chunks)?;
        }
        Ok(())
    }

    fn v2_messages(
        &self,
        addr: u64,
        len: u64,
        hflags: u8,
        header: &mut Header<'a>,
        chunks: &mut Vec<(u64, u64)>,
        messages: &mut usize,
    ) -> Result<(), Hdf5Error> {
        let mut c = self.at(addr, Some(len), "object header messages")?;
        let prefix = if hflags & 0x04 != 0 { 6 } else { 4 };
        while c.remaining() >= prefix {
            let moff = c.offset();
            let mtype = u16::from(c.u8()?);
            let msize = usize::from(c.u16()?);
            let mflags = c.u8()?;
            if hflags & 0x04 != 0 {
                c.skip(2)?;
            }
            let body = c.take(msize).map_err(|_| {
                malformed(
                    moff,
                    "object header message",
                    format!("size {msize} runs past its block"),
                )
            })?;
            self.count_message(messages, moff)?;
            self.message(mtype, mflags, moff + prefix as u64, body, header, chunks)?;
        }
        Ok(())
    }

    fn message(
        &self,
        mtype: u16,
        mflags: u8,
        off: u64,
        body: &'a [u8],
        header: &mut Header<'a>,
        chunks: &mut Vec<(u64, u64)>,
    ) -> Result<(), Hdf5Error> {
        let shared = mflags & 0x02 != 0;
        match mtype {
            0x0008 => header.has_layout = true,
            0x000C => {
                if shared {
                    return Err(Hdf5Error::Unsupported {
                        offset: off,
                        what: "shared attribute message".into(),
                    });
                }
                if header.attributes.len() >= self.limits.max_attributes {
                    return Err(Hdf5Error::Limit {
                        offset: off,
                        what: format!("more than {} attributes", self.limits.max_attributes),
                    });
                }
                header.attributes.push((off, body));
            }
            0x0010 => {
                let mut c = Cursor::new(body, off, "continuation message");
                let a = self.addr(&mut c)?;
                let l = self.length(&mut c)?;
                self.abs(a, "continuation block")?;
                if chunks.len() >= self.limits.max_header_chunks {
                    return Err(Hdf5Error::Limit {
                        offset: off,
                        what: "too many pending continuation blocks".into(),
                    });
                }
                chunks.push((a, l));
            }
            0x0011 => {
                let mut c = Cursor::new(body, off, "symbol table message");
                let btree = self.addr(&mut c)?;
                let heap = self.addr(&mut c)?;
                header.symbol_table = Some((btree, heap));
            }
            0x0006 => header.links.push((off, body)),
            0x0002 => {
                header.has_link_info = true;
                let mut c = Cursor::new(body, off, "link info message");
                c.skip(1)?;
                let flags = c.u8()?;
                if flags & 1 != 0 {
                    c.skip(8)?;
                }
                let heap = self.addr(&mut c)?;
                let btree = self.addr(&mut c)?;
                if !self.is_undefined(heap) {
                    header.dense_links = Some((heap, btree, off));
                }
            }
            0x0015 => {
                let mut c = Cursor::new(body, off, "attribute info message");
                c.skip(1)?;
                let flags = c.u8()?;
                if flags & 1 != 0 {
                    c.skip(2)?;
                }
                let heap = self.addr(&mut c)?;
                let btree = self.addr(&mut c)?;
                if !self.is_undefined(heap) {
                    header.dense_attributes = Some((heap, btree, off));
                }
            }
            _ => {}
        }
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // Attributes

    fn attributes(
        &self,
        header: &Header<'a>,
        ctx: &mut Ctx<'a>,
    ) -> Result<Vec<Attribute>, Hdf5Error> {
        let mut out = Vec::with_capacity(header.attributes.len());
        for &(off, body) in &header.attributes {
            out.push(self.attribute(off, body, ctx)?);
        }
        if let Some((heap, btree, at)) = header.dense_attributes {
            for (off, body) in self.dense_messages(heap, btree, at)? {
                if out.len() >= self.limits.max_attributes {
                    return Err(Hdf5Error::Limit {
                        offset: at,
                        what: format!("more than {} attributes", self.limits.max_attributes),
                    });
                }
                out.push(self.attribute(off, body, ctx)?);
            }
        }
        Ok(out)
    }

    fn attribute(
        &self,
        off: u64,
        body: &'a [u8],
        ctx: &mut Ctx<'a>,
    ) -> Result<Attribute, Hdf5Error> {
        let mut c = Cursor::new(body, off, "attribute message");
        let version = c.u8()?;
        let flags = c.u8()?;
        let name_size = usize::from(c.u16()?);
        let dt_size = usize::from(c.u16()?);
        let ds_size = usize::from(c.u16()?);
        if version == 3 {
            c.skip(1)?; // name character set
        }
        let pad = |n: usize| if version == 1 { n.div_ceil(8) * 8 } else { n };
        if !(1..=3).contains(&version) {
            return Err(malformed(
                off,
                "attribute message",
                format!("version {version}"),
            ));
        }
        if flags & 0x03 != 0 {
            return Err(Hdf5Error::Unsupported {
                offset: off,
                what: "attribute with a shared datatype or dataspace".into(),
            });
        }
        let name_raw = c.take(pad(name_size))?;
        let name_raw = name_raw.get(..name_size).unwrap_or(name_raw);
        let name_end = name_raw
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(name_raw.len());
        let name =
            String::from_utf8_lossy(name_raw.get(..name_end).unwrap_or_default()).into_owned();
        let dt_off = c.offset();
        let dt = c.take(pad(dt_size))?;
        let dt = value::Datatype::parse(dt.get(..dt_size).unwrap_or(dt), dt_off)?;
        let ds_off = c.offset();
        let ds = c.take(pad(ds_size))?;
        let count = self.dataspace(ds.get(..ds_size).unwrap_or(ds), ds_off)?;
        if count > self.limits.max_elements {
            return Err(Hdf5Error::Limit {
                offset: ds_off,
                what: format!("attribute {name:?} has {count} elements"),
            });
        }
        let data_off = c.offset();
        let total = count
            .checked_mul(u64::from(dt.size))
            .filter(|t| *t <= self.limits.max_attribute_size)
            .ok_or_else(|| Hdf5Error::Limit {
                offset: data_off,
                what: format!(
                    "attribute {name:?} larger than {} bytes",
                    self.limits.max_attribute_size
                ),
            })?;
        let raw = c
            .take(to_usize(total, data_off, "attribute data")?)
            .map_err(|_| {
                malformed(
                    data_off,
                    "attribute message",
                    format!("{total} data bytes run past the message"),
                )
            })?;
        let value = self.value(&dt, count, raw, data_off, ctx)?;
        Ok(Attribute { name, value })
    }

    /// Number of elements described by a dataspace message.
    fn dataspace(&self, body: &[u8], off: u64) -> Result<u64, Hdf5Error> {
        let mut c = Cursor::new(body, off, "dataspace message");
        let version = c.u8()?;
        let rank = usize::from(c.u8()?);
        let _flags = c.u8()?;
        match version {
            1 => {
                c.skip(5)?;
                if rank == 0 {
                    return Ok(1);
                }
            }
            2 => {
                let kind = c.u8()?;
                match kind {
                    0 => return Ok(1),
                    2 => return Ok(0),
                    1 => {}
                    k => return Err(malformed(off, "dataspace message", format!("type {k}"))),
                }
            }
            v => return Err(malformed(off, "dataspace message", format!("version {v}"))),
        }
        if rank > 32 {
            return Err(malformed(off, "dataspace message", format!("rank {rank}")));
        }
        let mut n: u64 = 1;
        for _ in 0..rank {
            let d = self.length(&mut c)?;
            n = n
                .checked_mul(d)
                .ok_or_else(|| malformed(off, "dataspace message", "element count overflows"))?;
        }
        Ok(n)
    }

    fn value(
        &self,
        dt: &value::Datatype,
        count: u64,
        raw: &'a [u8],
        off: u64,
        ctx: &mut Ctx<'a>,
    ) -> Result<AttrValue, Hdf5Error> {
        use value::Class;
        let charge = |ctx: &mut Ctx<'a>, n: u64| -> Result<(), Hdf5Error> {
            ctx.value_bytes = ctx.value_bytes.saturating_add(n);
            if ctx.value_bytes > self.limits.max_total_value_bytes {
                return Err(Hdf5Error::Limit {
                    offset: off,
                    what: format!(
                        "more than {} bytes of attribute values",
                        self.limits.max_total_value_bytes
                    ),
                });
            }
            Ok(())
        };
        let size = usize::try_from(dt.size).unwrap_or(usize::MAX).max(1);
        match &dt.class {
            Class::FixedString { .. } => {
                charge(ctx, raw.len() as u64)?;
                let strings: Vec<String> = raw.chunks(size).map(value::fixed_string).collect();
                Ok(value::one_or_many(strings, count))
            }
            Class::VlenString => {
                let mut strings = Vec::new();
                let mut c = Cursor::new(raw, off, "variable-length string");
                for _ in 0..count {
                    let elem_off = c.offset();
                    let mut e = Cursor::new(c.take(size)?, elem_off, "variable-length string");
                    let len = u64::from(e.u32()?);
                    let coll = self.addr(&mut e)?;
                    let index = e.u32()?;
                    if len > self.limits.max_attribute_size {
                        return Err(Hdf5Error::Limit {
                            offset: elem_off,
                            what: format!("variable-length string of {len} bytes"),
                        });
                    }
                    charge(ctx, len)?;
                    if len == 0 && (coll == 0 || self.is_undefined(coll)) {
                        strings.push(String::new());
                        continue;
                    }
                    let bytes = self.global_object(coll, index, elem_off, ctx)?;
                    let l = to_usize(len, elem_off, "variable-length string")?;
                    let s = bytes.get(..l).ok_or_else(|| {
                        malformed(
                            elem_off,
                            "variable-length string",
                            "length exceeds heap object",
                        )
                    })?;
                    strings.push(String::from_utf8_lossy(s).into_owned());
                }
                Ok(value::one_or_many(strings, count))
            }
            Class::Int { signed, big_endian } => {
                if count != 1 {
                    return Ok(AttrValue::Unsupported(format!(
                        "{count} x int{}",
                        dt.size * 8
                    )));
                }
                Ok(value::int(raw, *signed, *big_endian))
            }
            Class::Float { big_endian } => {
                if count != 1 {
                    return Ok(AttrValue::Unsupported(format!(
                        "{count} x float{}",
                        dt.size * 8
                    )));
                }
                Ok(value::float(raw, *big_endian))
            }
            Class::Opaque => {
                charge(ctx, raw.len() as u64)?;
                Ok(AttrValue::Bytes(raw.to_vec()))
            }
            Class::Other(desc) => Ok(AttrValue::Unsupported(desc.clone())),
        }
    }

    /// Bytes of object `index` in the global heap collection at `addr` (cached per call).
    fn global_object(
        &self,
        addr: u64,
        index: u32,
        from: u64,
        ctx: &mut Ctx<'a>,
    ) -> Result<&'a [u8], Hdf5Error> {
        if !ctx.gcol.contains_key(&addr) {
            let objects = self.global_collection(addr, from)?;
            // Parsing a collection costs its size: charge it against the value budget.
            let cost: u64 = objects
                .iter()
                .map(|(_, b)| b.len() as u64 + 16)
                .sum::<u64>()
                + 16;
            ctx.value_bytes = ctx.value_bytes.saturating_add(cost);
            if ctx.value_bytes > self.limits.max_total_value_bytes {
                return Err(Hdf5Error::Limit {
                    offset: from,
                    what: format!(
                        "more than {} bytes of attribute values and heaps",
                        self.limits.max_total_value_bytes
                    ),
                });
            }
            if ctx.gcol.len() >= 4096 {
                ctx.gcol.clear();
            }
            ctx.gcol.insert(addr, objects);
        }
        let objects = ctx.gcol.get(&addr).map(Vec::as_slice).unwrap_or_default();
        objects
            .iter()
            .find(|(i, _)| u32::from(*i) == index)
            .map(|(_, b)| *b)
            .ok_or_else(|| {
                malformed(
                    from,
                    "global heap reference",
                    format!("object {index} not in collection {addr:#x}"),
                )
            })
    }

    fn global_collection(&self, addr: u64, from: u64) -> Result<Vec<(u16, &'a [u8])>, Hdf5Error> {
        let mut c = self.at(addr, None, "global heap collection")?;
        let start = c.offset();
        if c.take(4)? != b"GCOL" {
            return Err(malformed(
                start,
                "global heap collection",
                format!("missing GCOL signature (referenced at byte {from})"),
            ));
        }
        c.skip(4)?;
        let size = self.length(&mut c)?;
        if size > self.limits.max_heap_size {
            return Err(Hdf5Error::Limit {
                offset: start,
                what: format!("global heap collection of {size} bytes"),
            });
        }
        let mut c = self.at(addr, Some(size), "global heap collection")?;
        c.skip(8 + self.length_size)?;
        let mut out = Vec::new();
        let header = 8 + self.length_size;
        while c.remaining() >= header {
            let index = c.u16()?;
            c.skip(6)?;
            let osize = self.length(&mut c)?;
            if index == 0 {
                break; // free space
            }
            let osize = to_usize(osize, c.offset(), "global heap object")?;
            let body = c.take(osize)?;
            out.push((index, body));
            if c.align(8).is_err() {
                break;
            }
        }
        Ok(out)
    }

    // -----------------------------------------------------------------------------------------
    // Groups

    fn children(&self, header: &Header<'a>) -> Result<Vec<(String, u64)>, Hdf5Error> {
        let mut out = Vec::new();
        for &(off, body) in &header.links {
            if let Link::Hard { name, addr } = self.link(off, body)? {
                out.push((name, addr));
            }
        }
        if let Some((heap, btree, at)) = header.dense_links {
            for (off, body) in self.dense_messages(heap, btree, at)? {
                if let Link::Hard { name, addr } = self.link(off, body)? {
                    out.push((name, addr));
                }
            }
        }
        if let Some((btree, heap)) = header.symbol_table {
            self.symbol_table(btree, heap, &mut out)?;
        }
        Ok(out)
    }

    fn link(&self, off: u64, body: &[u8]) -> Result<Link, Hdf5Error> {
        let mut c = Cursor::new(body, off, "link message");
        let version = c.u8()?;
        if version != 1 {
            return Err(malformed(off, "link message", format!("version {version}")));
        }
        let flags = c.u8()?;
        let kind = if flags & 0x08 != 0 { c.u8()? } else { 0 };
        if flags & 0x04 != 0 {
            c.skip(8)?;
        }
        if flags & 0x10 != 0 {
            c.skip(1)?;
        }
        let name_len = c.uint(1usize << (flags & 3))?;
        let name = c.take(to_usize(name_len, off, "link message")?)?;
        let name = String::from_utf8_lossy(name).into_owned();
        if kind == 0 {
            let addr = self.addr(&mut c)?;
            Ok(Link::Hard { name, addr })
        } else {
            Ok(Link::Other)
        }
    }

    fn symbol_table(
        &self,
        btree: u64,
        heap: u64,
        out: &mut Vec<(String, u64)>,
    ) -> Result<(), Hdf5Error> {
        // Local heap holding the link names.
        let mut h = self.at(heap, None, "local heap")?;
        let hoff = h.offset();
        if h.take(4)? != b"HEAP" {
            return Err(malformed(hoff, "local heap", "missing HEAP signature"));
        }
        h.skip(4)?;
        let seg_size = self.length(&mut h)?;
        let _free = self.length(&mut h)?;
        let seg_addr = self.addr(&mut h)?;
        if seg_size > self.limits.max_heap_size {
            return Err(Hdf5Error::Limit {
                offset: hoff,
                what: format!("local heap of {seg_size} bytes"),
            });
        }
        let seg = self.at(seg_addr, Some(seg_size), "local heap data")?;
        let seg_bytes = seg.buf;
        let mut nodes = 0usize;
        let mut visited = HashSet::new();
        let mut stack = vec![(btree, 0usize)];
        while let Some((node, depth)) = stack.pop() {
            let mut c = self.at(node, None, "group B-tree node")?;
            let noff = c.offset();
            if !visited.insert(node) {
                return Err(Hdf5Error::Cycle {
                    offset: noff,
                    what: "group B-tree",
                });
            }
            nodes += 1;
            if nodes > self.limits.max_btree_nodes || depth > 64 {
                return Err(Hdf5Error::Limit {
                    offset: noff,
                    what: "group B-tree too large or deep".into(),
                });
            }
            let sig = c.take(4)?;
            if sig == b"SNOD" {
                c.skip(2)?;
                let n = c.u16()?;
                for _ in 0..n {
                    let name_off = self.addr(&mut c)?;
                    let obj = self.addr(&mut c)?;
                    c.skip(4 + 4 + 16)?;
                    let start = to_usize(name_off, noff, "symbol table entry")?;
                    let rest = seg_bytes.get(start..).ok_or_else(|| {
                        malformed(noff, "symbol table entry", "name offset past local heap")
                    })?;
                    let end = rest.iter().position(|&b| b == 0).ok_or_else(|| {
                        malformed(noff, "symbol table entry", "unterminated name")
                    })?;
                    let name =
                        String::from_utf8_lossy(rest.get(..end).unwrap_or_default()).into_owned();
                    out.push((name, obj));
                    if out.len() > self.limits.max_objects {
                        return Err(Hdf5Error::Limit {
                            offset: noff,
                            what: format!("more than {} links in a group", self.limits.max_objects),
                        });
                    }
                }
                continue;
            }
            if sig != b"TREE" {
                return Err(malformed(
                    noff,
                    "group B-tree node",
                    "missing TREE/SNOD signature",
                ));
            }
            let node_type = c.u8()?;
            if node_type != 0 {
                return Err(malformed(
                    noff,
                    "group B-tree node",
                    format!("node type {node_type}"),
                ));
            }
            let _level = c.u8()?;
            let used = c.u16()?;
            c.skip(2 * self.offset_size)?;
            let mut children = Vec::with_capacity(usize::from(used).min(c.remaining()));
            for _ in 0..used {
                self.length(&mut c)?; // key
                children.push(self.addr(&mut c)?);
            }
            if stack.len().saturating_add(children.len()) > self.limits.max_btree_nodes {
                return Err(Hdf5Error::Limit {
                    offset: noff,
                    what: "group B-tree has too many nodes".into(),
                });
            }
            for child in children.into_iter().rev() {
                stack.push((child, depth + 1));
            }
        }
        Ok(())
    }
}

fn check_sizes(offset_size: usize, length_size: usize, offset: u64) -> Result<(), Hdf5Error> {
    let ok = |n: usize| matches!(n, 2 | 4 | 8);
    if ok(offset_size) && ok(length_size) {
        Ok(())
    } else {
        Err(malformed(
            offset,
            "superblock",
            format!("size of offsets {offset_size} / lengths {length_size}"),
        ))
    }
}
