//! Layer 1: a total, zero-copy pickle opcode decoder.
//!
//! [`decode_op`] decodes one opcode at a byte position exactly as `CPython`'s C unpickler reads it:
//! declared lengths are checked against the remaining input before anything is sliced, all
//! arithmetic is checked, and text arguments are parsed with `CPython`'s rules. Frame boundaries are
//! ignored for decoding (`CPython`'s C unpickler does the same); the VM reports mismatches.

use std::borrow::Cow;

use crate::opcode::{ArgKind, Opcode};
use crate::text::{self, TextInt};

/// A big integer that does not fit in `i64`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BigInt<'a> {
    /// Text digits from `INT`/`LONG` (as written, validated).
    Text(&'a [u8]),
    /// Little-endian two's-complement bytes from `LONG1`/`LONG4`.
    Le(&'a [u8]),
}

/// A decoded opcode argument. Borrowed from the input wherever no unescaping is needed.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg<'a> {
    /// The opcode takes no argument.
    None,
    /// An integer value (`INT`, `BININT*`, `LONG*` when it fits).
    Int(i64),
    /// A boolean written as `INT` (`I00` / `I01`).
    Bool(bool),
    /// An integer too large for `i64`.
    BigInt(BigInt<'a>),
    /// A float (`FLOAT`, `BINFLOAT`).
    Float(f64),
    /// A text string (all string opcodes; `STRING`/`BINSTRING` decode to `str` under
    /// `CPython`'s default `encoding="ASCII"`, shown here lossily when not UTF-8).
    Str(Cow<'a, str>),
    /// Raw string bytes of `STRING`/`BINSTRING`/`SHORT_BINSTRING` (after escape decoding),
    /// kept alongside [`Arg::Str`] semantics for payload sniffing.
    StrBytes(Cow<'a, [u8]>),
    /// Bytes (`BINBYTES*`, `SHORT_BINBYTES`, `BYTEARRAY8`).
    Bytes(&'a [u8]),
    /// Module and name lines (`GLOBAL`, `INST`).
    Global {
        /// Module line.
        module: Cow<'a, str>,
        /// Name line.
        name: Cow<'a, str>,
    },
    /// Persistent id text (`PERSID`).
    PersId(&'a str),
    /// An unsigned count or index: memo index (`PUT`/`GET` family), protocol (`PROTO`),
    /// frame length (`FRAME`), extension code (`EXT*`).
    Uint(u64),
}

/// One decoded opcode.
#[derive(Clone, Debug, PartialEq)]
pub struct Op<'a> {
    /// Byte offset of the opcode byte.
    pub offset: usize,
    /// The opcode.
    pub opcode: Opcode,
    /// Its argument.
    pub arg: Arg<'a>,
    /// Total encoded length (opcode byte plus argument).
    pub len: usize,
}

impl Op<'_> {
    /// Offset of the first byte after this opcode.
    pub fn end(&self) -> usize {
        self.offset.saturating_add(self.len)
    }
}

/// Why decoding stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeErrorKind {
    /// No byte at the position.
    Eof,
    /// The byte is not an opcode of protocols 0–5.
    UnknownOpcode(u8),
    /// The argument extends past the end of the input.
    Truncated,
    /// The argument is present but `CPython` would reject it.
    BadArgument(&'static str),
}

/// A decoding failure at a byte offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// Offset of the opcode that failed.
    pub offset: usize,
    /// What went wrong.
    pub kind: DecodeErrorKind,
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            DecodeErrorKind::Eof => write!(f, "unexpected end of data at offset {}", self.offset),
            DecodeErrorKind::UnknownOpcode(b) => {
                write!(f, "invalid opcode byte 0x{b:02x} at offset {}", self.offset)
            }
            DecodeErrorKind::Truncated => {
                write!(f, "opcode argument truncated at offset {}", self.offset)
            }
            DecodeErrorKind::BadArgument(why) => {
                write!(f, "bad opcode argument at offset {}: {why}", self.offset)
            }
        }
    }
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N).and_then(|s| s.try_into().ok())
    }

    fn line(&mut self) -> Option<&'a [u8]> {
        let rest = self.data.get(self.pos..)?;
        let nl = rest.iter().position(|&b| b == b'\n')?;
        let line = rest.get(..nl)?;
        self.pos = self.pos.checked_add(nl)?.checked_add(1)?;
        Some(line)
    }

    fn counted(&mut self, len: u64) -> Option<&'a [u8]> {
        // Checked against the remaining input before slicing; nothing is allocated.
        let n = usize::try_from(len).ok()?;
        self.take(n)
    }
}

/// Decodes the opcode at `pos`.
pub fn decode_op<'a>(data: &'a [u8], pos: usize) -> Result<Op<'a>, DecodeError> {
    let err = |kind| DecodeError { offset: pos, kind };
    let byte = *data.get(pos).ok_or_else(|| err(DecodeErrorKind::Eof))?;
    let opcode =
        Opcode::from_byte(byte).ok_or_else(|| err(DecodeErrorKind::UnknownOpcode(byte)))?;
    let start = pos
        .checked_add(1)
        .ok_or_else(|| err(DecodeErrorKind::Truncated))?;
    let mut r = Reader { data, pos: start };
    let truncated = || err(DecodeErrorKind::Truncated);
    let bad = |why| err(DecodeErrorKind::BadArgument(why));
    let arg = match opcode.arg_kind() {
        ArgKind::None => Arg::None,
        ArgKind::U1 => {
            let [b] = r.array::<1>().ok_or_else(truncated)?;
            match opcode {
                Opcode::BinInt1 => Arg::Int(i64::from(b)),
                Opcode::Ext1 if b == 0 => return Err(bad("EXT specifies code <= 0")),
                _ => Arg::Uint(u64::from(b)),
            }
        }
        ArgKind::U2 => {
            let v = u16::from_le_bytes(r.array::<2>().ok_or_else(truncated)?);
            match opcode {
                Opcode::BinInt2 => Arg::Int(i64::from(v)),
                Opcode::Ext2 if v == 0 => return Err(bad("EXT specifies code <= 0")),
                _ => Arg::Uint(u64::from(v)),
            }
        }
        ArgKind::I4 => {
            let v = i32::from_le_bytes(r.array::<4>().ok_or_else(truncated)?);
            match opcode {
                Opcode::Ext4 => {
                    let code = u64::try_from(v).ok().filter(|c| *c > 0);
                    Arg::Uint(code.ok_or_else(|| bad("EXT specifies code <= 0"))?)
                }
                _ => Arg::Int(i64::from(v)),
            }
        }
        ArgKind::U4 => Arg::Uint(u64::from(u32::from_le_bytes(
            r.array::<4>().ok_or_else(truncated)?,
        ))),
        ArgKind::U8 => {
            let v = u64::from_le_bytes(r.array::<8>().ok_or_else(truncated)?);
            if opcode == Opcode::Frame {
                if v > i64::MAX.unsigned_abs() {
                    return Err(bad("FRAME length exceeds system's maximum size"));
                }
                // CPython reads the whole frame up front: it must be present.
                let remaining = data.len().saturating_sub(r.pos);
                if usize::try_from(v).map_or(true, |n| n > remaining) {
                    return Err(truncated());
                }
            }
            Arg::Uint(v)
        }
        ArgKind::F8 => Arg::Float(f64::from_be_bytes(r.array::<8>().ok_or_else(truncated)?)),
        ArgKind::Line => {
            let line = r.line().ok_or_else(truncated)?;
            text_arg(opcode, line).ok_or_else(|| bad(text_error(opcode)))?
        }
        ArgKind::TwoLines => {
            let module = r.line().ok_or_else(truncated)?;
            let name = r.line().ok_or_else(truncated)?;
            let decode = |b: &'a [u8]| -> Option<Cow<'a, str>> {
                if opcode == Opcode::Inst && !b.is_ascii() {
                    return None;
                }
                std::str::from_utf8(b).ok().map(Cow::Borrowed)
            };
            match (decode(module), decode(name)) {
                (Some(module), Some(name)) => Arg::Global { module, name },
                _ => return Err(bad("module or class name is not valid text")),
            }
        }
        ArgKind::Counted1 => {
            let [n] = r.array::<1>().ok_or_else(truncated)?;
            let bytes = r.counted(u64::from(n)).ok_or_else(truncated)?;
            counted_arg(opcode, bytes).ok_or_else(|| bad("invalid UTF-8 in string"))?
        }
        ArgKind::CountedI4 => {
            let n = i32::from_le_bytes(r.array::<4>().ok_or_else(truncated)?);
            let n = u64::try_from(n).map_err(|_| bad("negative byte count"))?;
            let bytes = r.counted(n).ok_or_else(truncated)?;
            counted_arg(opcode, bytes).ok_or_else(|| bad("invalid UTF-8 in string"))?
        }
        ArgKind::CountedU4 => {
            let n = u32::from_le_bytes(r.array::<4>().ok_or_else(truncated)?);
            let bytes = r.counted(u64::from(n)).ok_or_else(truncated)?;
            counted_arg(opcode, bytes).ok_or_else(|| bad("invalid UTF-8 in string"))?
        }
        ArgKind::Counted8 => {
            let n = u64::from_le_bytes(r.array::<8>().ok_or_else(truncated)?);
            if n > i64::MAX.unsigned_abs() {
                return Err(bad("length exceeds system's maximum size"));
            }
            let bytes = r.counted(n).ok_or_else(truncated)?;
            counted_arg(opcode, bytes).ok_or_else(|| bad("invalid UTF-8 in string"))?
        }
    };
    let len = r.pos.checked_sub(pos).ok_or_else(truncated)?;
    Ok(Op {
        offset: pos,
        opcode,
        arg,
        len,
    })
}

fn text_error(opcode: Opcode) -> &'static str {
    match opcode {
        Opcode::Int | Opcode::Long => "invalid integer literal",
        Opcode::Float => "invalid float literal",
        Opcode::String => "STRING argument must be a quoted, validly escaped string",
        Opcode::Unicode => "invalid raw-unicode-escape text",
        Opcode::PersId => "persistent IDs in protocol 0 must be ASCII strings",
        Opcode::Put => "invalid or negative PUT argument",
        Opcode::Get => "invalid GET argument",
        _ => "invalid text argument",
    }
}

fn text_arg(opcode: Opcode, line: &[u8]) -> Option<Arg<'_>> {
    Some(match opcode {
        Opcode::Int => {
            if line.is_empty() {
                return None; // CPython: bad readline
            }
            let (v, via_strtol) = text::parse_int_line(line)?;
            match v {
                // CPython: a 2-character literal equal to 0 or 1 is a bool.
                TextInt::Small(x @ (0 | 1)) if via_strtol && line.len() == 2 => Arg::Bool(x == 1),
                TextInt::Small(x) => Arg::Int(x),
                TextInt::Big(t) => Arg::BigInt(BigInt::Text(t)),
            }
        }
        Opcode::Long => {
            let digits = match line.split_last() {
                Some((b'L', rest)) if !rest.is_empty() => rest,
                _ => line,
            };
            match text::parse_int_base0(digits)? {
                TextInt::Small(x) => Arg::Int(x),
                TextInt::Big(t) => Arg::BigInt(BigInt::Text(t)),
            }
        }
        Opcode::Float => Arg::Float(text::parse_float(line)?),
        Opcode::String => Arg::StrBytes(text::parse_quoted_string(line)?),
        Opcode::Unicode => Arg::Str(text::parse_raw_unicode_escape(line)?),
        Opcode::PersId => {
            if !line.is_ascii() {
                return None;
            }
            Arg::PersId(std::str::from_utf8(line).ok()?)
        }
        Opcode::Put | Opcode::Get => Arg::Uint(text::parse_memo_index(line)?),
        _ => return None,
    })
}

fn counted_arg(opcode: Opcode, bytes: &[u8]) -> Option<Arg<'_>> {
    Some(match opcode {
        Opcode::BinString | Opcode::ShortBinString => Arg::StrBytes(Cow::Borrowed(bytes)),
        Opcode::BinUnicode | Opcode::ShortBinUnicode | Opcode::BinUnicode8 => {
            Arg::Str(text::decode_utf8_surrogatepass(bytes)?)
        }
        Opcode::Long1 | Opcode::Long4 => match text::le_signed(bytes) {
            Some(v) => Arg::Int(v),
            None => Arg::BigInt(BigInt::Le(bytes)),
        },
        _ => Arg::Bytes(bytes),
    })
}

/// Iterates over the opcodes of `data` from offset 0, across STOPs (concatenated pickles), until
/// the end of input or the first error (which is yielded, then iteration ends).
pub fn ops(data: &[u8]) -> Ops<'_> {
    Ops {
        data,
        pos: 0,
        done: false,
    }
}

/// Iterator returned by [`ops`].
#[derive(Debug)]
pub struct Ops<'a> {
    data: &'a [u8],
    pos: usize,
    done: bool,
}

impl<'a> Iterator for Ops<'a> {
    type Item = Result<Op<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.pos >= self.data.len() {
            return None;
        }
        match decode_op(self.data, self.pos) {
            Ok(op) => {
                self.pos = op.end();
                Some(Ok(op))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    fn one(data: &[u8]) -> Result<Op<'_>, DecodeError> {
        decode_op(data, 0)
    }

    #[test]
    fn decodes_binary_arguments() {
        assert_eq!(one(b"K\x05").expect("op").arg, Arg::Int(5));
        assert_eq!(one(b"M\x01\x02").expect("op").arg, Arg::Int(0x0201));
        assert_eq!(one(b"J\xff\xff\xff\xff").expect("op").arg, Arg::Int(-1));
        assert_eq!(one(b"\x8a\x01\xff").expect("op").arg, Arg::Int(-1));
        assert_eq!(one(b"\x80\x05").expect("op").arg, Arg::Uint(5));
        assert_eq!(
            one(b"G?\xf0\x00\x00\x00\x00\x00\x00").expect("op").arg,
            Arg::Float(1.0)
        );
        let op = one(b"\x8c\x02osX").expect("op");
        assert_eq!(op.arg, Arg::Str(Cow::Borrowed("os")));
        assert_eq!(op.len, 4);
    }

    #[test]
    fn decodes_text_arguments() {
        assert_eq!(one(b"I01\n").expect("op").arg, Arg::Bool(true));
        assert_eq!(one(b"I00\n").expect("op").arg, Arg::Bool(false));
        assert_eq!(one(b"I10\n").expect("op").arg, Arg::Int(10));
        assert_eq!(one(b"L12L\n").expect("op").arg, Arg::Int(12));
        assert_eq!(one(b"F1.5\n").expect("op").arg, Arg::Float(1.5));
        assert_eq!(one(b"p3\n").expect("op").arg, Arg::Uint(3));
        assert_eq!(
            one(b"cos\nsystem\n").expect("op").arg,
            Arg::Global {
                module: Cow::Borrowed("os"),
                name: Cow::Borrowed("system")
            }
        );
        assert_eq!(
            one(b"S'os'\n").expect("op").arg,
            Arg::StrBytes(Cow::Borrowed(b"os"))
        );
        assert_eq!(
            one(b"V\\u0073ys\n").expect("op").arg,
            Arg::Str(Cow::Owned("sys".into()))
        );
    }

    #[test]
    fn rejects_bad_and_truncated_input() {
        assert_eq!(one(b"").expect_err("error").kind, DecodeErrorKind::Eof);
        assert_eq!(
            one(b"\xff").expect_err("error").kind,
            DecodeErrorKind::UnknownOpcode(0xff)
        );
        assert_eq!(
            one(b"K").expect_err("error").kind,
            DecodeErrorKind::Truncated
        );
        assert_eq!(
            one(b"B\xff\xff\xff\xffab").expect_err("error").kind,
            DecodeErrorKind::Truncated
        );
        assert_eq!(
            one(b"\x8e\xff\xff\xff\xff\xff\xff\xff\xff")
                .expect_err("error")
                .kind,
            DecodeErrorKind::BadArgument("length exceeds system's maximum size")
        );
        assert_eq!(
            one(b"cos\nsystem").expect_err("error").kind,
            DecodeErrorKind::Truncated
        );
        assert!(matches!(
            one(b"T\xff\xff\xff\xff").expect_err("error").kind,
            DecodeErrorKind::BadArgument(_)
        ));
        assert!(matches!(
            one(b"Iabc\n").expect_err("error").kind,
            DecodeErrorKind::BadArgument(_)
        ));
        assert!(matches!(
            one(b"\x82\x00").expect_err("error").kind,
            DecodeErrorKind::BadArgument(_)
        ));
        assert!(matches!(
            one(b"X\x01\x00\x00\x00\xff").expect_err("error").kind,
            DecodeErrorKind::BadArgument(_)
        ));
        // A FRAME longer than the rest of the input is truncated (CPython reads it whole).
        assert_eq!(
            one(b"\x95\x10\x00\x00\x00\x00\x00\x00\x00N.")
                .expect_err("error")
                .kind,
            DecodeErrorKind::Truncated
        );
    }

    #[test]
    fn iterates_across_streams() {
        let all: Vec<_> = ops(b"N.K\x01.").collect();
        assert_eq!(all.len(), 4);
        assert!(all.iter().all(Result::is_ok));
    }
}
