//! Cheap content sniffing: does this look like the start of a pickle stream?

use std::collections::HashMap;

use crate::decode::{Arg, Op, decode_op};
use crate::opcode::Opcode;

/// Bytes examined by the structural trial decode.
const SNIFF_WINDOW: usize = 64 * 1024;
/// Opcodes that must decode cleanly when the window is exhausted without a STOP.
const MIN_OPS_AT_WINDOW_END: usize = 64;

/// Cheap content sniff: true if `data` plausibly starts a pickle stream.
///
/// Accepts PROTO (`0x80`) with protocol 0–5 followed by a decodable opcode; otherwise runs a
/// structural trial decode (stack depth, marks, memo, string-ness of `STACK_GLOBAL` operands) over
/// at most the first 64 KiB and accepts when it reaches STOP with exactly one item and no open
/// mark, decodes an identifier-shaped `GLOBAL`/`INST` or a `STACK_GLOBAL` of two strings, or runs
/// out of window after at least 64 valid opcodes. Random binary data, images and prose fail in a
/// few bytes.
pub fn sniff(data: &[u8]) -> bool {
    if let [0x80, proto, ..] = data {
        return *proto <= 5 && decode_op(data, 2).is_ok();
    }
    let window = data.get(..SNIFF_WINDOW.min(data.len())).unwrap_or(data);
    let mut trial = Trial::new(0, &[], true);
    let mut pos = 0usize;
    let mut ops = 0usize;
    loop {
        let Ok(op) = decode_op(window, pos) else {
            return window.len() < data.len()
                && pos >= window.len().saturating_sub(1024)
                && ops >= MIN_OPS_AT_WINDOW_END;
        };
        ops = ops.saturating_add(1);
        match trial.step(&op) {
            Step::Continue => pos = op.end(),
            Step::Stop => return trial.kinds.len() == 1 && trial.marks.is_empty(),
            Step::Import => return true,
            Step::Fail => return false,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Str,
    Other,
}

pub(crate) enum Step {
    Continue,
    Stop,
    Import,
    Fail,
}

/// A structural pickle machine that tracks only stack shape.
pub(crate) struct Trial {
    pub(crate) kinds: Vec<Kind>,
    pub(crate) marks: Vec<usize>,
    memo: HashMap<u64, Kind>,
    strict_memo: bool,
}

fn identifier_path(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|part| {
            part.chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
                && part.chars().all(|c| c.is_alphanumeric() || c == '_')
        })
}

impl Trial {
    pub(crate) fn new(depth: usize, marks: &[usize], strict_memo: bool) -> Self {
        Self {
            kinds: vec![Kind::Other; depth],
            marks: marks.to_vec(),
            memo: HashMap::new(),
            strict_memo,
        }
    }

    fn fence(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn pop(&mut self) -> Option<Kind> {
        if self.kinds.len() <= self.fence() {
            return None;
        }
        self.kinds.pop()
    }

    fn pop_mark(&mut self) -> Option<usize> {
        let mark = self.marks.pop()?;
        if mark > self.kinds.len() {
            return None;
        }
        Some(mark)
    }

    /// Pops a mark and requires a target object just below it (APPENDS/SETITEMS/ADDITEMS).
    fn pop_mark_with_target(&mut self) -> Option<usize> {
        let mark = self.pop_mark()?;
        if mark <= self.fence() {
            return None;
        }
        self.kinds.truncate(mark);
        Some(mark)
    }

    pub(crate) fn step(&mut self, op: &Op<'_>) -> Step {
        self.try_step(op).unwrap_or(Step::Fail)
    }

    fn try_step(&mut self, op: &Op<'_>) -> Option<Step> {
        use Opcode as O;
        let o = Kind::Other;
        match op.opcode {
            O::Mark => self.marks.push(self.kinds.len()),
            O::Stop => {
                self.pop()?;
                self.kinds.push(o);
                return Some(Step::Stop);
            }
            O::Pop => {
                if self.marks.last() == Some(&self.kinds.len()) {
                    self.marks.pop();
                } else {
                    self.pop()?;
                }
            }
            O::PopMark => {
                let m = self.pop_mark()?;
                self.kinds.truncate(m);
            }
            O::Dup => {
                let k = self.pop()?;
                self.kinds.push(k);
                self.kinds.push(k);
            }
            O::String
            | O::BinString
            | O::ShortBinString
            | O::Unicode
            | O::BinUnicode
            | O::ShortBinUnicode
            | O::BinUnicode8 => self.kinds.push(Kind::Str),
            O::Float
            | O::Int
            | O::BinInt
            | O::BinInt1
            | O::Long
            | O::BinInt2
            | O::None
            | O::PersId
            | O::EmptyDict
            | O::EmptyList
            | O::EmptyTuple
            | O::BinFloat
            | O::Ext1
            | O::Ext2
            | O::Ext4
            | O::NewTrue
            | O::NewFalse
            | O::Long1
            | O::Long4
            | O::BinBytes
            | O::ShortBinBytes
            | O::BinBytes8
            | O::EmptySet
            | O::ByteArray8
            | O::NextBuffer => self.kinds.push(o),
            O::BinPersId | O::ReadonlyBuffer => {
                self.pop()?;
                self.kinds.push(o);
            }
            O::Reduce | O::NewObj => {
                self.pop()?;
                self.pop()?;
                self.kinds.push(o);
            }
            O::NewObjEx => {
                self.pop()?;
                self.pop()?;
                self.pop()?;
                self.kinds.push(o);
            }
            O::Append | O::Build => {
                self.pop()?;
                if self.kinds.len() <= self.fence() {
                    return None;
                }
            }
            O::SetItem => {
                self.pop()?;
                self.pop()?;
                if self.kinds.len() <= self.fence() {
                    return None;
                }
            }
            O::Appends | O::AddItems => {
                self.pop_mark_with_target()?;
            }
            O::SetItems => {
                let mark = self.marks.last().copied()?;
                if self.kinds.len().checked_sub(mark)? % 2 != 0 {
                    return None;
                }
                self.pop_mark_with_target()?;
            }
            O::Dict | O::List | O::Tuple | O::FrozenSet => {
                let m = self.pop_mark()?;
                if op.opcode == O::Dict && self.kinds.len().checked_sub(m)? % 2 != 0 {
                    return None;
                }
                self.kinds.truncate(m);
                self.kinds.push(o);
            }
            O::Obj => {
                let m = self.pop_mark()?;
                if self.kinds.len() <= m {
                    return None;
                }
                self.kinds.truncate(m);
                self.kinds.push(o);
            }
            O::Tuple1 | O::Tuple2 | O::Tuple3 => {
                let n = match op.opcode {
                    O::Tuple1 => 1,
                    O::Tuple2 => 2,
                    _ => 3,
                };
                for _ in 0..n {
                    self.pop()?;
                }
                self.kinds.push(o);
            }
            O::Get | O::BinGet | O::LongBinGet => {
                let Arg::Uint(i) = op.arg else { return None };
                match self.memo.get(&i) {
                    Some(k) => self.kinds.push(*k),
                    None if self.strict_memo => return None,
                    None => self.kinds.push(o),
                }
            }
            O::Put | O::BinPut | O::LongBinPut => {
                let Arg::Uint(i) = op.arg else { return None };
                let k = *self
                    .kinds
                    .last()
                    .filter(|_| self.kinds.len() > self.fence())?;
                if self.memo.len() < 100_000 {
                    self.memo.insert(i, k);
                }
            }
            O::Memoize => {
                let k = *self
                    .kinds
                    .last()
                    .filter(|_| self.kinds.len() > self.fence())?;
                let i = u64::try_from(self.memo.len()).ok()?;
                if self.memo.len() < 100_000 {
                    self.memo.insert(i, k);
                }
            }
            O::Global | O::Inst => {
                let Arg::Global { module, name } = &op.arg else {
                    return None;
                };
                return (identifier_path(module) && identifier_path(name)).then_some(Step::Import);
            }
            O::StackGlobal => {
                let name = self.pop()?;
                let module = self.pop()?;
                return (name == Kind::Str && module == Kind::Str).then_some(Step::Import);
            }
            O::Proto => {
                let Arg::Uint(p) = op.arg else { return None };
                if p > 5 {
                    return None;
                }
            }
            O::Frame => {}
        }
        Some(Step::Continue)
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn accepts_pickles() {
        assert!(sniff(b"\x80\x04\x95\x02\x00\x00\x00\x00\x00\x00\x00N."));
        assert!(sniff(b"(dp0\nS'a'\np1\nI1\ns."));
        assert!(sniff(b"cos\nsystem\n"));
        assert!(sniff(b"U\x02osU\x06system\x93"));
        assert!(sniff(b"N."));
    }

    #[test]
    fn rejects_non_pickles() {
        assert!(!sniff(b"README\nThis is a readme.\n"));
        assert!(!sniff(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"));
        assert!(!sniff(b"\x00\x00\x80\x3f\x00\x00\x00\x40"));
        assert!(!sniff(b""));
        assert!(!sniff(b"\x80\x07N."));
        assert!(!sniff(b"cmake_minimum_required(VERSION 3.1)\nproject(x)\n"));
        // Pseudo-random float data.
        let mut x: u32 = 12345;
        let mut buf = Vec::new();
        for _ in 0..4096 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            buf.extend_from_slice(&(f32::from_bits(x >> 1) * 0.0).to_le_bytes());
            buf.extend_from_slice(
                &(f32::from(u16::try_from(x >> 16).unwrap_or(0)) / 1e3).to_le_bytes(),
            );
        }
        assert!(!sniff(&buf));
    }
}
