//! A bounded reader for the parts of the `TFLite` flatbuffer schema a scan needs.
//!
//! Schema facts (`tensorflow/lite/schema/schema.fbs`, file identifier `TFL3`; field index:
//! name):
//!
//! ```text
//! Model        = {0 version: uint, 1 operator_codes: [OperatorCode], 2 subgraphs: [SubGraph],
//!                 3 description: string, 4 buffers: [Buffer], ...}
//! OperatorCode = {0 deprecated_builtin_code: byte, 1 custom_code: string, 2 version: int,
//!                 3 builtin_code: BuiltinOperator (int)}   effective code = max of the two
//! SubGraph     = {..., 3 operators: [Operator], 4 name: string}
//! Operator     = {0 opcode_index: uint, ...}
//! Buffer       = {0 data: [ubyte], 1 offset: ulong, 2 size: ulong}
//! ```
//!
//! Every offset, vtable and vector is bounds-checked; nothing is followed twice, so a
//! crafted file cannot loop.

use std::collections::BTreeSet;

use mlsecops_core::{FormatAnalysis, Observation};

use crate::Limits;
use crate::graph::{Scanner, trunc};

/// `BuiltinOperator.CUSTOM`.
const CUSTOM: i32 = 32;

type FbResult<T> = Result<T, String>;

struct Fb<'a> {
    data: &'a [u8],
}

#[derive(Clone, Copy)]
struct Table {
    pos: usize,
    vtable: usize,
    vtable_len: usize,
}

impl<'a> Fb<'a> {
    fn bytes<const N: usize>(&self, pos: usize) -> FbResult<[u8; N]> {
        pos.checked_add(N)
            .and_then(|end| self.data.get(pos..end))
            .and_then(|s| <[u8; N]>::try_from(s).ok())
            .ok_or_else(|| format!("read of {N} bytes at offset {pos} is out of bounds"))
    }

    fn u16(&self, pos: usize) -> FbResult<u16> {
        self.bytes::<2>(pos).map(u16::from_le_bytes)
    }

    fn u32(&self, pos: usize) -> FbResult<u32> {
        self.bytes::<4>(pos).map(u32::from_le_bytes)
    }

    fn i32(&self, pos: usize) -> FbResult<i32> {
        self.bytes::<4>(pos).map(i32::from_le_bytes)
    }

    fn u64(&self, pos: usize) -> FbResult<u64> {
        self.bytes::<8>(pos).map(u64::from_le_bytes)
    }

    /// Follows a uoffset stored at `pos`.
    fn deref(&self, pos: usize) -> FbResult<usize> {
        let off = usize::try_from(self.u32(pos)?).map_err(|e| e.to_string())?;
        let target = pos
            .checked_add(off)
            .ok_or_else(|| format!("offset overflow at {pos}"))?;
        if target >= self.data.len() {
            return Err(format!(
                "offset at {pos} points to {target}, past the end ({})",
                self.data.len()
            ));
        }
        Ok(target)
    }

    fn table(&self, pos: usize) -> FbResult<Table> {
        let soff = i64::from(self.i32(pos)?);
        let vtable = i64::try_from(pos)
            .ok()
            .and_then(|p| p.checked_sub(soff))
            .and_then(|v| usize::try_from(v).ok())
            .ok_or_else(|| format!("table at {pos} has an out-of-range vtable offset {soff}"))?;
        let vtable_len = usize::from(self.u16(vtable)?);
        if vtable_len < 4 || vtable_len % 2 != 0 {
            return Err(format!(
                "vtable at {vtable} has invalid length {vtable_len}"
            ));
        }
        let end = vtable
            .checked_add(vtable_len)
            .ok_or_else(|| format!("vtable at {vtable} overflows"))?;
        if end > self.data.len() {
            return Err(format!("vtable at {vtable} runs past the end"));
        }
        let table_len = usize::from(self.u16(vtable + 2)?);
        if pos
            .checked_add(table_len)
            .is_none_or(|e| e > self.data.len())
        {
            return Err(format!("table at {pos} runs past the end"));
        }
        Ok(Table {
            pos,
            vtable,
            vtable_len,
        })
    }

    /// Absolute position of field `idx`, or `None` when absent.
    fn field(&self, t: Table, idx: usize) -> FbResult<Option<usize>> {
        let slot = 4 + 2 * idx;
        if slot + 2 > t.vtable_len {
            return Ok(None);
        }
        let off = usize::from(self.u16(t.vtable + slot)?);
        if off == 0 {
            return Ok(None);
        }
        let pos = t
            .pos
            .checked_add(off)
            .ok_or_else(|| format!("field overflow in table at {}", t.pos))?;
        Ok(Some(pos))
    }

    fn field_i32(&self, t: Table, idx: usize, default: i32) -> FbResult<i32> {
        match self.field(t, idx)? {
            Some(p) => self.i32(p),
            None => Ok(default),
        }
    }

    fn field_u32(&self, t: Table, idx: usize, default: u32) -> FbResult<u32> {
        match self.field(t, idx)? {
            Some(p) => self.u32(p),
            None => Ok(default),
        }
    }

    fn field_i8(&self, t: Table, idx: usize, default: i8) -> FbResult<i8> {
        match self.field(t, idx)? {
            Some(p) => self.bytes::<1>(p).map(i8::from_le_bytes),
            None => Ok(default),
        }
    }

    fn field_u64(&self, t: Table, idx: usize, default: u64) -> FbResult<u64> {
        match self.field(t, idx)? {
            Some(p) => self.u64(p),
            None => Ok(default),
        }
    }

    /// (element count, first element position) of the vector at field `idx`.
    fn field_vector(&self, t: Table, idx: usize, elem: usize) -> FbResult<Option<(usize, usize)>> {
        let Some(p) = self.field(t, idx)? else {
            return Ok(None);
        };
        let v = self.deref(p)?;
        let len = usize::try_from(self.u32(v)?).map_err(|e| e.to_string())?;
        let start = v + 4;
        let bytes = len
            .checked_mul(elem)
            .and_then(|b| start.checked_add(b))
            .ok_or_else(|| format!("vector at {v} length {len} overflows"))?;
        if bytes > self.data.len() {
            return Err(format!(
                "vector at {v} with {len} elements runs past the end"
            ));
        }
        Ok(Some((len, start)))
    }

    fn field_string(&self, t: Table, idx: usize) -> FbResult<Option<&'a [u8]>> {
        let Some((len, start)) = self.field_vector(t, idx, 1)? else {
            return Ok(None);
        };
        Ok(self.data.get(start..start + len))
    }

    /// Tables of a vector of tables at field `idx`.
    fn field_tables(&self, t: Table, idx: usize, cap: usize) -> FbResult<Vec<Table>> {
        let Some((len, start)) = self.field_vector(t, idx, 4)? else {
            return Ok(Vec::new());
        };
        if len > cap {
            return Err(format!("vector of {len} tables exceeds the cap of {cap}"));
        }
        let mut out = Vec::with_capacity(len);
        for i in 0..len {
            let target = self.deref(start + 4 * i)?;
            out.push(self.table(target)?);
        }
        Ok(out)
    }
}

/// True when `prefix` carries the `TFLite` file identifier `TFL3` at bytes 4..8.
pub fn is_tflite(prefix: &[u8]) -> bool {
    prefix.get(4..8) == Some(b"TFL3")
}

pub(crate) fn analyze(data: &[u8], limits: &Limits) -> FormatAnalysis {
    let mut scanner = Scanner::new(crate::FORMAT_TFLITE, limits);
    if let Err(reason) = walk(data, limits, &mut scanner) {
        scanner.out.fail(
            Observation::new(
                "tf-malformed",
                format!("TFLite flatbuffer is malformed: {reason}"),
            )
            .with_evidence("error", reason),
        );
    }
    scanner.out
}

fn walk(data: &[u8], limits: &Limits, scanner: &mut Scanner<'_>) -> FbResult<()> {
    let fb = Fb { data };
    if !is_tflite(data) {
        return Err("missing TFL3 file identifier".to_owned());
    }
    let root = fb.deref(0)?;
    let model = fb.table(root)?;
    let codes = fb.field_tables(model, 1, limits.max_tflite_entries)?;
    let mut names: Vec<Option<String>> = Vec::with_capacity(codes.len());
    let no_functions = BTreeSet::new();
    for (i, code) in codes.iter().enumerate() {
        let deprecated = i32::from(fb.field_i8(*code, 0, 0)?);
        let builtin = fb.field_i32(*code, 3, 0)?;
        let effective = deprecated.max(builtin);
        let custom = fb.field_string(*code, 1)?;
        if effective != CUSTOM {
            names.push(None);
            continue;
        }
        let name = String::from_utf8_lossy(custom.unwrap_or_default()).into_owned();
        let where_ = format!("operator_codes[{i}]");
        if let Some(tf_op) = name.strip_prefix("Flex") {
            scanner.emit(
                Observation::new(
                    "tf-tflite-flex-op",
                    format!("{where_} is the Flex (select TF) op {}", trunc(tf_op)),
                )
                .with_evidence("op", trunc(tf_op)),
            );
            scanner.check_op_name(tf_op, &where_, &no_functions);
        } else {
            scanner.emit(
                Observation::new(
                    "tf-tflite-custom-op",
                    format!("{where_} is the custom op '{}'", trunc(&name)),
                )
                .with_evidence("custom_code", trunc(&name)),
            );
        }
        names.push(Some(name));
    }
    let subgraphs = fb.field_tables(model, 2, limits.max_tflite_entries)?;
    let mut operators = 0usize;
    for (s, sg) in subgraphs.iter().enumerate() {
        let ops = fb.field_tables(*sg, 3, limits.max_tflite_entries)?;
        operators = operators
            .checked_add(ops.len())
            .filter(|n| *n <= limits.max_nodes)
            .ok_or_else(|| format!("more than {} operators", limits.max_nodes))?;
        for (o, op) in ops.iter().enumerate() {
            let idx = fb.field_u32(*op, 0, 0)?;
            if usize::try_from(idx).map_or(true, |i| i >= names.len()) {
                return Err(format!(
                    "subgraphs[{s}].operators[{o}] uses opcode_index {idx} but only {} operator codes exist",
                    names.len()
                ));
            }
        }
    }
    let buffers = fb.field_tables(model, 4, limits.max_tflite_entries)?;
    for (b, buf) in buffers.iter().enumerate() {
        // Large models keep tensor data after the flatbuffer: offset/size into the file.
        let offset = fb.field_u64(*buf, 1, 0)?;
        let size = fb.field_u64(*buf, 2, 0)?;
        if offset > 0 || size > 0 {
            let end = offset
                .checked_add(size)
                .ok_or_else(|| format!("buffers[{b}] offset + size overflows"))?;
            if end > u64::try_from(data.len()).unwrap_or(u64::MAX) {
                return Err(format!(
                    "buffers[{b}] points to bytes {offset}..{end}, past the end of the file"
                ));
            }
        }
        // Inline data: bounds-checked by field_vector.
        fb.field_vector(*buf, 0, 1)?;
    }
    Ok(())
}
