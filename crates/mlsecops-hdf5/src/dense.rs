//! Dense attribute and link storage: fractal heaps (`FRHP`/`FHIB`/`FHDB`) indexed by
//! version 2 B-trees (`BTHD`/`BTIN`/`BTLF`). Read-only, every count capped.

use std::collections::HashSet;

use crate::{Cursor, Hdf5, Hdf5Error, malformed};

/// Fractal heap blocks enumerated per heap.
const MAX_HEAP_BLOCKS: usize = 100_000;
/// Indirect-block entries read per heap (all indirect blocks together).
const MAX_HEAP_ENTRIES: u64 = 4_000_000;
/// Records read per v2 B-tree (all nodes together).
const MAX_BTREE_RECORDS: u64 = 4_000_000;
/// Indirect-block nesting followed.
const MAX_HEAP_DEPTH: usize = 16;
/// v2 B-tree depth accepted.
const MAX_BTREE_DEPTH: u16 = 16;
/// v2 B-tree node prefix: signature, version, type, checksum.
const PREFIX: u64 = 10;

/// Parsed fractal heap header plus the list of its managed direct blocks.
pub(crate) struct FractalHeap {
    id_len: usize,
    off_size: usize,
    len_size: usize,
    /// (heap offset, absolute file offset, size) of each direct block.
    blocks: Vec<(u64, u64, u64)>,
    huge_btree: u64,
    huge_direct: bool,
}

/// `floor(log2(n))`, 0 for 0.
fn log2(n: u64) -> u32 {
    63u32.saturating_sub(n.leading_zeros())
}

/// Bytes needed to encode values up to `n` (`H5VM_limit_enc_size`).
fn limit_enc_size(n: u64) -> usize {
    usize::try_from(log2(n) / 8 + 1).unwrap_or(8)
}

impl<'a> Hdf5<'a> {
    pub(crate) fn fractal_heap(&self, addr: u64) -> Result<FractalHeap, Hdf5Error> {
        let mut c = self.at(addr, None, "fractal heap header")?;
        let start = c.offset();
        if c.take(4)? != b"FRHP" {
            return Err(malformed(
                start,
                "fractal heap header",
                "missing FRHP signature",
            ));
        }
        let version = c.u8()?;
        if version != 0 {
            return Err(malformed(
                start,
                "fractal heap header",
                format!("version {version}"),
            ));
        }
        let id_len = usize::from(c.u16()?);
        let filter_len = c.u16()?;
        let _flags = c.u8()?;
        let max_managed = c.u32()?;
        let _next_huge_id = self.length(&mut c)?;
        let huge_btree = self.addr(&mut c)?;
        let _free_space = self.length(&mut c)?;
        let _free_manager = self.addr(&mut c)?;
        for _ in 0..8 {
            self.length(&mut c)?; // managed space, allocated, iterator, counts, sizes
        }
        let width = u64::from(c.u16()?);
        let start_block = self.length(&mut c)?;
        let max_direct = self.length(&mut c)?;
        let max_heap_bits = c.u16()?;
        let _start_rows = c.u16()?;
        let root = self.addr(&mut c)?;
        let cur_rows = u64::from(c.u16()?);
        if filter_len != 0 {
            return Err(Hdf5Error::Unsupported {
                offset: start,
                what: "filtered (compressed) fractal heap".into(),
            });
        }
        let pow2 = |v: u64| v != 0 && v.is_power_of_two();
        if width == 0
            || width > 65_536
            || !pow2(start_block)
            || !pow2(max_direct)
            || max_direct < start_block
            || !(1..=64).contains(&max_heap_bits)
        {
            return Err(malformed(
                start,
                "fractal heap header",
                "inconsistent doubling table",
            ));
        }
        let off_size = usize::from(max_heap_bits).div_ceil(8);
        let len_size = usize::try_from(log2(max_direct).div_ceil(8))
            .unwrap_or(8)
            .min(limit_enc_size(u64::from(max_managed)));
        let mut heap = FractalHeap {
            id_len,
            off_size,
            len_size,
            blocks: Vec::new(),
            huge_btree,
            huge_direct: 1 + self.offset_size + self.length_size <= id_len,
        };
        if self.is_undefined(root) {
            return Ok(heap);
        }
        let max_direct_rows = u64::from(log2(max_direct) - log2(start_block)) + 2;
        let row_size = |r: u64| -> u64 {
            if r < 2 {
                start_block
            } else {
                start_block
                    .checked_shl(u32::try_from(r - 1).unwrap_or(64))
                    .unwrap_or(u64::MAX)
            }
        };
        if cur_rows == 0 {
            let a = self.abs(root, "fractal heap direct block")?;
            heap.blocks.push((0, a, start_block));
            return Ok(heap);
        }
        // Indirect blocks: (address, heap offset of the block, rows, depth).
        let mut stack = vec![(root, 0u64, cur_rows, 0usize)];
        let mut seen = HashSet::new();
        let mut entries: u64 = 0;
        while let Some((iaddr, base, rows, depth)) = stack.pop() {
            let mut ic = self.at(iaddr, None, "fractal heap indirect block")?;
            let ioff = ic.offset();
            if !seen.insert(iaddr) {
                return Err(Hdf5Error::Cycle {
                    offset: ioff,
                    what: "fractal heap",
                });
            }
            if depth > MAX_HEAP_DEPTH || rows > 64 {
                return Err(Hdf5Error::Limit {
                    offset: ioff,
                    what: "fractal heap too deep".into(),
                });
            }
            if ic.take(4)? != b"FHIB" {
                return Err(malformed(
                    ioff,
                    "fractal heap indirect block",
                    "missing FHIB signature",
                ));
            }
            ic.skip(1 + self.offset_size + off_size)?;
            let mut row_start = base;
            for r in 0..rows {
                let size = row_size(r);
                for col in 0..width {
                    entries += 1;
                    if entries > MAX_HEAP_ENTRIES {
                        return Err(Hdf5Error::Limit {
                            offset: ioff,
                            what: format!(
                                "more than {MAX_HEAP_ENTRIES} fractal heap block entries"
                            ),
                        });
                    }
                    let child = self.addr(&mut ic)?;
                    let child_off = row_start.saturating_add(col.saturating_mul(size));
                    if self.is_undefined(child) || child == 0 {
                        continue;
                    }
                    if heap.blocks.len() + stack.len() >= MAX_HEAP_BLOCKS {
                        return Err(Hdf5Error::Limit {
                            offset: ioff,
                            what: format!("more than {MAX_HEAP_BLOCKS} fractal heap blocks"),
                        });
                    }
                    if r < max_direct_rows {
                        let a = self.abs(child, "fractal heap direct block")?;
                        heap.blocks.push((child_off, a, size));
                    } else {
                        let child_rows = u64::from(
                            log2(size).saturating_sub(log2(start_block.saturating_mul(width))),
                        ) + 1;
                        stack.push((child, child_off, child_rows, depth + 1));
                    }
                }
                row_start = row_start.saturating_add(size.saturating_mul(width));
            }
        }
        Ok(heap)
    }

    /// Bytes of the heap object named by `id`.
    pub(crate) fn heap_object(
        &self,
        heap: &FractalHeap,
        id: &'a [u8],
        at: u64,
    ) -> Result<(u64, &'a [u8]), Hdf5Error> {
        let mut c = Cursor::new(id, at, "fractal heap ID");
        let first = c.u8()?;
        if first >> 6 != 0 {
            return Err(malformed(
                at,
                "fractal heap ID",
                format!("version {}", first >> 6),
            ));
        }
        match (first >> 4) & 3 {
            0 => {
                let off = c.uint(heap.off_size)?;
                let len = c.uint(heap.len_size)?;
                let (boff, babs, bsize) = heap
                    .blocks
                    .iter()
                    .copied()
                    .find(|&(b, _, s)| off >= b && off - b < s)
                    .ok_or_else(|| {
                        malformed(
                            at,
                            "fractal heap ID",
                            format!("offset {off} not in any direct block"),
                        )
                    })?;
                let rel = off - boff;
                if rel.checked_add(len).is_none_or(|end| end > bsize) {
                    return Err(malformed(
                        at,
                        "fractal heap ID",
                        "object runs past its direct block",
                    ));
                }
                let start = usize::try_from(babs.saturating_add(rel)).unwrap_or(usize::MAX);
                let end = start.saturating_add(usize::try_from(len).unwrap_or(usize::MAX));
                let body = self.data.get(start..end).ok_or(Hdf5Error::Truncated {
                    offset: babs,
                    what: "fractal heap direct block",
                })?;
                Ok((babs.saturating_add(rel), body))
            }
            1 => {
                let (addr, len) = if heap.huge_direct {
                    (self.addr(&mut c)?, self.length(&mut c)?)
                } else {
                    let key = c.uint(heap.id_len.saturating_sub(1).min(8))?;
                    self.huge_lookup(heap.huge_btree, key, at)?
                };
                if len > self.limits.max_attribute_size {
                    return Err(Hdf5Error::Limit {
                        offset: at,
                        what: format!("huge heap object of {len} bytes"),
                    });
                }
                let cur = self.at(addr, Some(len), "huge heap object")?;
                Ok((cur.base, cur.buf))
            }
            2 => {
                let len = usize::from(first & 0x0F) + 1;
                let body = c.take(len).map_err(|_| {
                    malformed(at, "fractal heap ID", "tiny object longer than its ID")
                })?;
                Ok((at + 1, body))
            }
            t => Err(malformed(at, "fractal heap ID", format!("type {t}"))),
        }
    }

    fn huge_lookup(&self, btree: u64, key: u64, at: u64) -> Result<(u64, u64), Hdf5Error> {
        let mut found = None;
        self.btree2_records(btree, |rtype, rec, roff| {
            if rtype != 1 {
                return Err(Hdf5Error::Unsupported {
                    offset: roff,
                    what: format!("huge object B-tree record type {rtype}"),
                });
            }
            let mut c = Cursor::new(rec, roff, "huge object record");
            let a = self.addr(&mut c)?;
            let l = self.length(&mut c)?;
            let id = self.length(&mut c)?;
            if id == key && found.is_none() {
                found = Some((a, l));
            }
            Ok(())
        })?;
        found.ok_or_else(|| {
            malformed(
                at,
                "fractal heap ID",
                format!("huge object {key} not found"),
            )
        })
    }

    /// Calls `f(record type, record bytes, absolute offset)` for every record of the v2
    /// B-tree at `addr`, in key order.
    pub(crate) fn btree2_records(
        &self,
        addr: u64,
        mut f: impl FnMut(u8, &'a [u8], u64) -> Result<(), Hdf5Error>,
    ) -> Result<(), Hdf5Error> {
        let mut c = self.at(addr, None, "v2 B-tree header")?;
        let start = c.offset();
        if c.take(4)? != b"BTHD" {
            return Err(malformed(
                start,
                "v2 B-tree header",
                "missing BTHD signature",
            ));
        }
        c.skip(1)?;
        let rtype = c.u8()?;
        let node_size = u64::from(c.u32()?);
        let rec_size = u64::from(c.u16()?);
        let depth = c.u16()?;
        c.skip(2)?;
        let root = self.addr(&mut c)?;
        let root_n = u64::from(c.u16()?);
        let _total = self.length(&mut c)?;
        if rec_size == 0 || node_size < 16 || depth > MAX_BTREE_DEPTH {
            return Err(malformed(
                start,
                "v2 B-tree header",
                "bad node/record size or depth",
            ));
        }
        if self.is_undefined(root) {
            return Ok(());
        }
        // Per-depth sizes as libhdf5 derives them.
        let o = self.offset_size as u64;
        let leaf_max = (node_size - PREFIX) / rec_size;
        let max_nrec_size = limit_enc_size(leaf_max);
        let mut max_nrec = vec![leaf_max];
        let mut cum = vec![leaf_max];
        let mut cum_size = vec![0usize];
        for u in 1..=usize::from(depth) {
            let ptr = o
                + max_nrec_size as u64
                + if u > 1 {
                    cum_size.get(u - 1).copied().unwrap_or(0) as u64
                } else {
                    0
                };
            let n = node_size.saturating_sub(PREFIX + ptr) / (rec_size + ptr);
            let prev = cum.get(u - 1).copied().unwrap_or(0);
            let cm = n.saturating_add(1).saturating_mul(prev).saturating_add(n);
            max_nrec.push(n);
            cum.push(cm);
            cum_size.push(limit_enc_size(cm));
        }
        let rec_len = usize::try_from(rec_size).unwrap_or(usize::MAX);
        let node_len = node_size;
        // Explicit stack: (node address, record count, depth), visited children in order.
        let mut stack = vec![(root, root_n, depth)];
        let mut visited = HashSet::new();
        let mut nodes = 0usize;
        let mut total_records: u64 = 0;
        while let Some((naddr, n, d)) = stack.pop() {
            let mut nc = self.at(naddr, Some(node_len), "v2 B-tree node")?;
            let noff = nc.offset();
            nodes += 1;
            if !visited.insert(naddr) || nodes > self.limits.max_btree_nodes {
                return Err(Hdf5Error::Limit {
                    offset: noff,
                    what: "v2 B-tree revisits a node or has too many nodes".into(),
                });
            }
            let sig = nc.take(4)?;
            nc.skip(1)?;
            let t = nc.u8()?;
            if t != rtype {
                return Err(malformed(
                    noff,
                    "v2 B-tree node",
                    format!("record type {t}, header says {rtype}"),
                ));
            }
            let cap = max_nrec.get(usize::from(d)).copied().unwrap_or(0);
            if n > cap {
                return Err(malformed(
                    noff,
                    "v2 B-tree node",
                    format!("{n} records, at most {cap} fit"),
                ));
            }
            total_records = total_records.saturating_add(n);
            if total_records > MAX_BTREE_RECORDS || stack.len() > self.limits.max_btree_nodes {
                return Err(Hdf5Error::Limit {
                    offset: noff,
                    what: "v2 B-tree has too many records".into(),
                });
            }
            let mut records = Vec::with_capacity(usize::try_from(n).unwrap_or(0));
            for _ in 0..n {
                let roff = nc.offset();
                records.push((nc.take(rec_len)?, roff));
            }
            if d == 0 {
                if sig != b"BTLF" {
                    return Err(malformed(noff, "v2 B-tree node", "missing BTLF signature"));
                }
                for (rec, roff) in records {
                    f(rtype, rec, roff)?;
                }
                continue;
            }
            if sig != b"BTIN" {
                return Err(malformed(noff, "v2 B-tree node", "missing BTIN signature"));
            }
            // Children interleave with records: child0, rec0, child1, rec1, … childN. Keep
            // key order by emitting records when their left subtree is done: simplest bounded
            // approach is to visit children and then records (order is not needed by callers).
            let child_d = d - 1;
            let mut children = Vec::with_capacity(records.len() + 1);
            for _ in 0..=n {
                let caddr = self.addr(&mut nc)?;
                let cn = nc.uint(max_nrec_size)?;
                if child_d > 0 {
                    nc.skip(cum_size.get(usize::from(child_d)).copied().unwrap_or(0))?;
                }
                children.push((caddr, cn, child_d));
            }
            for (rec, roff) in records {
                f(rtype, rec, roff)?;
            }
            for ch in children.into_iter().rev() {
                stack.push(ch);
            }
        }
        Ok(())
    }

    /// Raw messages (attribute or link) stored densely: `heap` fractal heap, `btree` name
    /// index. `kind` 8 = attributes, 5 = links.
    pub(crate) fn dense_messages(
        &self,
        heap_addr: u64,
        btree: u64,
        at: u64,
    ) -> Result<Vec<(u64, &'a [u8])>, Hdf5Error> {
        let heap = self.fractal_heap(heap_addr)?;
        let mut out = Vec::new();
        let limit = self.limits.max_attributes.max(self.limits.max_objects);
        self.btree2_records(btree, |rtype, rec, roff| {
            let id = match rtype {
                8 | 9 => rec.get(..8),
                5 => rec.get(4..11),
                6 => rec.get(8..15),
                t => {
                    return Err(Hdf5Error::Unsupported {
                        offset: roff,
                        what: format!("dense storage index record type {t}"),
                    });
                }
            }
            .ok_or_else(|| {
                malformed(roff, "v2 B-tree record", "record shorter than its heap ID")
            })?;
            if rtype == 8 && rec.get(8).is_some_and(|fl| fl & 0x02 != 0) {
                return Err(Hdf5Error::Unsupported {
                    offset: roff,
                    what: "shared attribute in dense storage".into(),
                });
            }
            let id = id.get(..heap.id_len.min(id.len())).unwrap_or(id);
            let (off, body) = self.heap_object(&heap, id, roff)?;
            if out.len() >= limit {
                return Err(Hdf5Error::Limit {
                    offset: at,
                    what: format!("more than {limit} densely stored messages"),
                });
            }
            out.push((off, body));
            Ok(())
        })?;
        Ok(out)
    }
}
