//! Layer 2: the symbolic pickle VM (`CPython` `_Unpickler` semantics), stream loop, legacy `PyTorch`
//! and joblib handling, embedded payloads, and finding bookkeeping.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;

use crate::decode::{Arg, BigInt, DecodeErrorKind, Op, decode_op};
use crate::embedded;
use crate::opcode::Opcode;
use crate::policy::{self, Classification};
use crate::sniff::{self, Step, Trial};
use crate::{Analysis, Finding, FindingKind, GlobalRef, Limits, Outcome};

/// Identical findings (same kind and global) kept per analysis before counting the rest.
const MAX_IDENTICAL_FINDINGS: u32 = 16;
/// Maximum characters of rendered call arguments.
const MAX_ARGS_CHARS: usize = 200;
/// GET/PUT ratio above which the result structure is checked for expansion (fickling).
const EXPANSION_GET_RATIO: u64 = 50;
/// DUP count above which the result structure is checked for expansion (fickling).
const EXPANSION_DUP_COUNT: u64 = 100;
/// Memo reuses (GETs + DUPs) above which the expansion factor is measured even when the
/// fickling ratios are not met (nested lists of 10 GETs each reach 10^6 with a ratio of 10).
const EXPANSION_MIN_REUSE: u64 = 16;
/// Expanded size / built nodes ratio that marks an expansion attack.
const EXPANSION_FACTOR: u64 = 64;
/// Expanded element count that makes a structure "large".
const EXPANSION_MIN_SIZE: u64 = 1_000_000;
/// Maximum nesting of joblib object arrays (each is a nested stream).
const MAX_JOBLIB_NESTING: u32 = 8;
/// Legacy `PyTorch` magic number 0x1950a86a20f9469cfc6c, little-endian.
const TORCH_MAGIC_LE: [u8; 10] = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
const TORCH_MAGIC_DEC: &[u8] = b"119547037146038801333356";
const TORCH_PROTOCOL_VERSION: i64 = 1001;
/// dill's type-table lookup (`_load_type(name)`), resolved statically.
const DILL_LOAD_TYPE: &[&str] = &["dill._dill._load_type", "dill.dill._load_type"];
/// Names in dill's type table that are plain builtins; every other name resolves to `types.*`.
const DILL_BUILTIN_TYPES: &[&str] = &[
    "bool",
    "bytearray",
    "bytes",
    "complex",
    "dict",
    "float",
    "frozenset",
    "int",
    "list",
    "memoryview",
    "object",
    "range",
    "set",
    "slice",
    "str",
    "tuple",
];
/// Allowlisted callables that call (or instantiate) some of their positional arguments.
const TRAMPOLINES: &[(&str, &[usize])] = &[
    ("dill._dill._create_array", &[0]),
    ("collections.defaultdict", &[0]),
    ("copyreg.__newobj__", &[0]),
    ("copyreg._reconstructor", &[0, 1]),
    ("numpy._core.multiarray._reconstruct", &[0]),
    ("numpy.core.multiarray._reconstruct", &[0]),
    ("numpy.ma.core._mareconstruct", &[0, 1]),
    ("torch._tensor._rebuild_from_type_v2", &[0, 1]),
    ("torch._utils._rebuild_wrapper_subclass", &[0]),
];

pub(crate) struct Shared<'l> {
    limits: &'l Limits,
    literal_bytes: u64,
    opcodes: u64,
}

pub(crate) fn analyze_root(data: &[u8], limits: &Limits) -> Analysis {
    let mut shared = Shared {
        limits,
        literal_bytes: 0,
        opcodes: 0,
    };
    let mut analysis = Analyzer::new(data, &mut shared, 0).run();
    analysis.opcodes = shared.opcodes;
    analysis
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Val {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Ref(u32),
}

struct Call {
    callee: Val,
    args: Val,
    state: Option<Val>,
}

enum Node<'a> {
    Str(Cow<'a, str>),
    Bytes(Cow<'a, [u8]>),
    Big(BigInt<'a>),
    Tuple(Vec<Val>),
    List(Vec<Val>),
    Dict(Vec<(Val, Val)>),
    Set(Vec<Val>),
    FrozenSet(Vec<Val>),
    Global(u32),
    Dyn(u32),
    Call(Box<Call>),
    PersId(Val),
    Unknown(&'static str),
}

enum Halt {
    Malformed(String),
    Limit(&'static str),
}

type R<T> = Result<T, Halt>;

fn malformed<T>(msg: impl Into<String>) -> R<T> {
    Err(Halt::Malformed(msg.into()))
}

#[derive(Default)]
struct Memo {
    dense: Vec<Option<Val>>,
    sparse: HashMap<u64, Val>,
    len: usize,
}

impl Memo {
    fn get(&self, idx: u64) -> Option<Val> {
        match usize::try_from(idx).ok().and_then(|i| self.dense.get(i)) {
            Some(v) => *v,
            None => self.sparse.get(&idx).copied(),
        }
    }

    /// Stores and returns the previous value.
    fn put(&mut self, idx: u64, v: Val) -> Option<Val> {
        let dense_idx = usize::try_from(idx)
            .ok()
            .filter(|i| *i < self.dense.len().saturating_add(4096) && *i < (1 << 24));
        let old = if let Some(i) = dense_idx {
            if i >= self.dense.len() {
                self.dense.resize(i.saturating_add(1), None);
            }
            self.dense.get_mut(i).and_then(|slot| slot.replace(v))
        } else {
            self.sparse.insert(idx, v)
        };
        if old.is_none() {
            self.len = self.len.saturating_add(1);
        }
        old
    }
}

struct Machine<'a> {
    arena: Vec<Node<'a>>,
    stack: Vec<Val>,
    marks: Vec<usize>,
    memo: Memo,
    proto: u8,
    saw_proto: bool,
    start: usize,
    frame_end: Option<usize>,
    gets: u64,
    puts: u64,
    dups: u64,
}

impl<'a> Machine<'a> {
    fn new(start: usize) -> Self {
        Self {
            arena: Vec::new(),
            stack: Vec::new(),
            marks: Vec::new(),
            memo: Memo::default(),
            proto: 0,
            saw_proto: false,
            start,
            frame_end: None,
            gets: 0,
            puts: 0,
            dups: 0,
        }
    }

    fn node(&self, v: Val) -> Option<&Node<'a>> {
        match v {
            Val::Ref(i) => self.arena.get(usize::try_from(i).ok()?),
            _ => None,
        }
    }

    fn node_mut(&mut self, v: Val) -> Option<&mut Node<'a>> {
        match v {
            Val::Ref(i) => self.arena.get_mut(usize::try_from(i).ok()?),
            _ => None,
        }
    }

    fn alloc(&mut self, node: Node<'a>) -> R<Val> {
        let idx = u32::try_from(self.arena.len()).map_err(|_| Halt::Limit("max_opcodes"))?;
        self.arena.push(node);
        Ok(Val::Ref(idx))
    }

    fn fence(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn pop(&mut self) -> R<Val> {
        if self.stack.len() <= self.fence() {
            return malformed(if self.marks.is_empty() {
                "unpickling stack underflow"
            } else {
                "unexpected MARK found"
            });
        }
        self.stack
            .pop()
            .ok_or_else(|| Halt::Malformed("unpickling stack underflow".into()))
    }

    fn top(&self) -> R<Val> {
        if self.stack.len() <= self.fence() {
            return malformed("unpickling stack underflow");
        }
        self.stack
            .last()
            .copied()
            .ok_or_else(|| Halt::Malformed("unpickling stack underflow".into()))
    }

    fn pop_mark(&mut self) -> R<usize> {
        let mark = self
            .marks
            .pop()
            .ok_or_else(|| Halt::Malformed("could not find MARK".into()))?;
        if mark > self.stack.len() {
            return malformed("could not find MARK");
        }
        Ok(mark)
    }

    /// Pops the mark and the items above it; returns them with the index of the target below.
    /// Pops the items above the top MARK and returns them with the object below the MARK
    /// that APPENDS/SETITEMS/ADDITEMS act on (an underflow when there is none).
    fn pop_mark_items(&mut self) -> R<(Vec<Val>, Val)> {
        let mark = self.pop_mark()?;
        let items = self.stack.split_off(mark);
        let target = if mark > self.fence() {
            self.stack.last().copied()
        } else {
            None
        };
        let target = target.ok_or_else(|| Halt::Malformed("unpickling stack underflow".into()))?;
        Ok((items, target))
    }

    fn str_of(&self, v: Val) -> Option<&str> {
        match self.node(v)? {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }

    fn int_of(v: Val) -> Option<i64> {
        match v {
            Val::Int(i) => Some(i),
            Val::Bool(b) => Some(i64::from(b)),
            _ => None,
        }
    }

    fn tuple_items(&self, v: Val) -> Option<&[Val]> {
        match self.node(v)? {
            Node::Tuple(items) | Node::List(items) => Some(items),
            _ => None,
        }
    }

    fn dict_get(&self, dict: Val, key: &str) -> Option<Val> {
        match self.node(dict)? {
            Node::Dict(pairs) => pairs
                .iter()
                .rev()
                .find(|(k, _)| self.str_of(*k) == Some(key))
                .map(|(_, v)| *v),
            _ => None,
        }
    }
}

struct GlobalInfo {
    module: String,
    name: String,
    qualified: String,
    site: Site,
    stream: u32,
    called: bool,
    class: Classification,
    /// Argument positions this allowlisted callable calls or instantiates.
    trampoline: Option<&'static [usize]>,
}

struct DynInfo {
    desc: String,
    site: Site,
    stream: u32,
    called: bool,
}

#[derive(Clone, Copy)]
struct Site {
    offset: usize,
    index: u64,
    opcode: Opcode,
}

enum Next<'a> {
    Continue,
    Jump(usize),
    Stop(Val),
    #[allow(dead_code)]
    Marker(std::marker::PhantomData<&'a ()>),
}

enum StreamEnd {
    Stop { next: usize, value: Val },
    Halt { offset: usize, halt: Halt },
}

/// How a value is used at a call site (for messages).
#[derive(Clone, Copy)]
enum Use {
    Call,
    SetState,
    Mutate(&'static str),
}

struct Analyzer<'a, 's, 'l> {
    data: &'a [u8],
    shared: &'s mut Shared<'l>,
    depth: u32,
    findings: Vec<Finding>,
    dedupe: HashMap<(FindingKind, Option<String>), (u32, usize)>,
    globals: Vec<GlobalInfo>,
    global_ids: HashMap<String, u32>,
    key_buf: String,
    dyns: Vec<DynInfo>,
    index: u64,
    stream: u32,
    streams: u32,
    protocol: Option<u8>,
    legacy_torch: bool,
    joblib: bool,
    joblib_nesting: u32,
    soft_limit: Option<(&'static str, u64)>,
}

fn u64_of(v: usize) -> u64 {
    u64::try_from(v).unwrap_or(u64::MAX)
}

impl<'a, 's, 'l> Analyzer<'a, 's, 'l> {
    fn new(data: &'a [u8], shared: &'s mut Shared<'l>, depth: u32) -> Self {
        Self {
            data,
            shared,
            depth,
            findings: Vec::new(),
            dedupe: HashMap::new(),
            globals: Vec::new(),
            global_ids: HashMap::new(),
            key_buf: String::new(),
            dyns: Vec::new(),
            index: 0,
            stream: 0,
            streams: 0,
            protocol: None,
            legacy_torch: false,
            joblib: false,
            joblib_nesting: 0,
            soft_limit: None,
        }
    }

    fn limits(&self) -> &'l Limits {
        self.shared.limits
    }

    // ----- findings -------------------------------------------------------------------------

    fn report(
        &mut self,
        kind: FindingKind,
        site: Site,
        global: Option<String>,
        args: Option<String>,
        message: String,
    ) {
        let key = (kind, global.clone());
        if let Some((count, _)) = self.dedupe.get_mut(&key) {
            *count = count.saturating_add(1);
            if *count > MAX_IDENTICAL_FINDINGS {
                return;
            }
        }
        let idx = self.findings.len();
        self.dedupe
            .entry(key)
            .and_modify(|e| e.1 = idx)
            .or_insert((1, idx));
        self.findings.push(Finding {
            kind,
            offset: u64_of(site.offset),
            opcode_index: site.index,
            stream: self.stream,
            opcode: site.opcode.name(),
            global,
            args,
            embedded_at: Vec::new(),
            message,
        });
    }

    fn anomaly(&mut self, site: Site, message: String) {
        self.report(FindingKind::Anomaly, site, None, None, message);
    }

    // ----- top-level loop -------------------------------------------------------------------

    fn run(mut self) -> Analysis {
        let mut pos = 0usize;
        let mut first_value_magic = false;
        let outcome = loop {
            if pos >= self.data.len() {
                if self.streams == 0 {
                    let site = Site {
                        offset: pos,
                        index: self.index,
                        opcode: Opcode::Stop,
                    };
                    self.report(
                        FindingKind::Malformed,
                        site,
                        None,
                        None,
                        "empty input: no pickle stream".into(),
                    );
                    break Outcome::Malformed {
                        offset: u64_of(pos),
                        message: "empty input".into(),
                    };
                }
                break Outcome::Complete;
            }
            if self.streams > 0 {
                if self.legacy_torch && self.streams >= 5 {
                    break Outcome::Complete; // raw storage bytes follow
                }
                let byte = self.data.get(pos).copied().unwrap_or(0);
                // Not a pickle at all after the STOP (no opcode, or the very first opcode
                // cannot be decoded, e.g. `PK\x03\x04` of an appended ZIP read as PERSID):
                // loaders stop at the first STOP, so this is trailing data, not a broken stream.
                if Opcode::from_byte(byte).is_none()
                    || crate::decode::decode_op(self.data, pos).is_err()
                {
                    let site = Site {
                        offset: pos,
                        index: self.index,
                        opcode: Opcode::Stop,
                    };
                    let n = self.data.len().saturating_sub(pos);
                    self.anomaly(
                        site,
                        format!("{n} bytes of trailing data after the last STOP"),
                    );
                    break Outcome::Complete;
                }
                if self.streams >= self.limits().max_streams {
                    break self.limit_outcome("max_streams", pos);
                }
            }
            self.stream = self.streams;
            let mut m = Machine::new(pos);
            match self.run_stream(&mut m, pos) {
                StreamEnd::Stop { next, value } => {
                    if self.streams == 0 && is_torch_magic(&m, value) {
                        first_value_magic = true;
                        self.legacy_torch = true;
                    }
                    if self.streams == 1 && value == Val::Int(TORCH_PROTOCOL_VERSION) {
                        self.legacy_torch = true;
                    }
                    let _ = first_value_magic;
                    self.streams = self.streams.saturating_add(1);
                    pos = next;
                }
                StreamEnd::Halt { offset, halt } => {
                    pos = offset;
                    break self.halt_outcome(halt, offset);
                }
            }
        };
        self.finish(outcome, pos)
    }

    fn limit_outcome(&mut self, limit: &'static str, offset: usize) -> Outcome {
        let site = Site {
            offset,
            index: self.index,
            opcode: Opcode::Stop,
        };
        self.report(
            FindingKind::LimitExceeded,
            site,
            None,
            None,
            format!("analysis stopped: limit `{limit}` exceeded"),
        );
        Outcome::LimitExceeded {
            limit,
            offset: u64_of(offset),
        }
    }

    fn halt_outcome(&mut self, halt: Halt, offset: usize) -> Outcome {
        match halt {
            Halt::Malformed(message) => {
                let opcode = self
                    .data
                    .get(offset)
                    .and_then(|b| Opcode::from_byte(*b))
                    .unwrap_or(Opcode::Stop);
                let site = Site {
                    offset,
                    index: self.index,
                    opcode,
                };
                self.report(
                    FindingKind::Malformed,
                    site,
                    None,
                    None,
                    format!("malformed pickle: {message}"),
                );
                Outcome::Malformed {
                    offset: u64_of(offset),
                    message,
                }
            }
            Halt::Limit(limit) => self.limit_outcome(limit, offset),
        }
    }

    fn finish(mut self, mut outcome: Outcome, end: usize) -> Analysis {
        // Globals and dynamic targets that were referenced but never called.
        let mut pending = Vec::new();
        for g in &self.globals {
            if g.called {
                continue;
            }
            let (kind, message) = match g.class {
                Classification::Allowed => continue,
                Classification::Denied { kind, reason } => (
                    kind,
                    format!(
                        "{} references {} ({reason}) without calling it directly; it can still be reached through another call",
                        g.site.opcode.name(),
                        g.qualified
                    ),
                ),
                Classification::Unknown => (
                    FindingKind::UnknownGlobal,
                    format!(
                        "{} imports {}, which is not on the allowlist",
                        g.site.opcode.name(),
                        g.qualified
                    ),
                ),
            };
            pending.push((kind, g.site, g.stream, g.qualified.clone(), message));
        }
        for (kind, site, stream, q, message) in pending {
            self.stream = stream;
            self.report(kind, site, Some(q), None, message);
        }
        let dyn_pending: Vec<_> = self
            .dyns
            .iter()
            .filter(|d| !d.called)
            .map(|d| {
                (
                    d.site,
                    d.stream,
                    format!(
                        "{} produces {}; the call target is only known at load time",
                        d.site.opcode.name(),
                        d.desc
                    ),
                )
            })
            .collect();
        for (site, stream, message) in dyn_pending {
            self.stream = stream;
            self.report(FindingKind::DynamicCall, site, None, None, message);
        }
        // Suppressed duplicates.
        for (count, idx) in self.dedupe.values() {
            if *count > MAX_IDENTICAL_FINDINGS
                && let Some(f) = self.findings.get_mut(*idx)
            {
                let more = count.saturating_sub(MAX_IDENTICAL_FINDINGS);
                let _ = write!(f.message, " ({more} more identical findings not listed)");
            }
        }
        if let (Outcome::Complete, Some((limit, offset))) = (&outcome, self.soft_limit) {
            outcome = Outcome::LimitExceeded { limit, offset };
        }
        let mut findings = self.findings;
        findings.sort_by_key(|f| {
            (
                f.embedded_at.first().copied().unwrap_or(f.offset),
                !f.embedded_at.is_empty(),
                f.offset,
            )
        });
        let globals = self
            .globals
            .iter()
            .map(|g| GlobalRef {
                module: g.module.clone(),
                name: g.name.clone(),
                offset: u64_of(g.site.offset),
                called: g.called,
                allowlisted: g.class.is_allowed(),
            })
            .collect();
        Analysis {
            findings,
            globals,
            streams: self.streams,
            opcodes: self.index,
            protocol: self.protocol,
            legacy_torch: self.legacy_torch,
            joblib: self.joblib,
            end_offset: u64_of(end.min(self.data.len())),
            outcome,
        }
    }

    // ----- one stream -----------------------------------------------------------------------

    fn run_stream(&mut self, m: &mut Machine<'a>, start: usize) -> StreamEnd {
        let mut pos = start;
        loop {
            if self.shared.opcodes >= self.limits().max_opcodes {
                return StreamEnd::Halt {
                    offset: pos,
                    halt: Halt::Limit("max_opcodes"),
                };
            }
            let op = match decode_op(self.data, pos) {
                Ok(op) => op,
                Err(e) => {
                    let msg = match e.kind {
                        DecodeErrorKind::Eof => {
                            "pickle data was truncated (end of data before STOP)".to_string()
                        }
                        _ => e.to_string(),
                    };
                    return StreamEnd::Halt {
                        offset: e.offset,
                        halt: Halt::Malformed(msg),
                    };
                }
            };
            self.shared.opcodes = self.shared.opcodes.saturating_add(1);
            let site = Site {
                offset: op.offset,
                index: self.index,
                opcode: op.opcode,
            };
            self.index = self.index.saturating_add(1);
            self.check_frame(m, &op, site);
            let end = op.end();
            match self.step(m, op, site) {
                Ok(Next::Continue | Next::Marker(_)) => pos = end,
                Ok(Next::Jump(p)) => pos = p,
                Ok(Next::Stop(value)) => {
                    self.on_stop(m, site, value);
                    return StreamEnd::Stop { next: end, value };
                }
                Err(halt) => {
                    return StreamEnd::Halt {
                        offset: site.offset,
                        halt,
                    };
                }
            }
        }
    }

    fn check_frame(&mut self, m: &mut Machine<'a>, op: &Op<'a>, site: Site) {
        if let Some(frame_end) = m.frame_end {
            if op.offset >= frame_end {
                m.frame_end = None;
            } else if op.end() > frame_end {
                self.anomaly(
                    site,
                    format!(
                        "{} at offset {} extends {} bytes past the end of its FRAME (frame-length mismatch; CPython still reads it)",
                        op.opcode.name(),
                        op.offset,
                        op.end().saturating_sub(frame_end)
                    ),
                );
                m.frame_end = None;
            } else if op.opcode == Opcode::Frame {
                self.anomaly(site, "FRAME starts before the previous frame ended".into());
            }
        }
        if let (Opcode::Frame, Arg::Uint(len)) = (op.opcode, &op.arg) {
            m.frame_end = usize::try_from(*len)
                .ok()
                .and_then(|l| op.end().checked_add(l));
        }
    }

    fn on_stop(&mut self, m: &Machine<'a>, site: Site, value: Val) {
        if m.stack.len() != 1 {
            self.anomaly(
                site,
                format!(
                    "STOP with {} items on the stack (expected 1)",
                    m.stack.len()
                ),
            );
        }
        if !m.marks.is_empty() {
            self.anomaly(
                site,
                format!("STOP with {} MARK(s) still open", m.marks.len()),
            );
        }
        let gets_high = m.gets > EXPANSION_GET_RATIO.saturating_mul(m.puts.max(1));
        let reuse = m.gets.saturating_add(m.dups);
        if gets_high || m.dups > EXPANSION_DUP_COUNT || reuse > EXPANSION_MIN_REUSE {
            let size = expanded_size(m, value);
            let nodes = u64::try_from(m.arena.len()).unwrap_or(u64::MAX).max(1);
            // Large, and far larger than what the stream actually built: shared references
            // multiplied (a 150-byte file that expands to 10^6 elements).
            if size >= EXPANSION_MIN_SIZE
                && size.checked_div(nodes).unwrap_or(0) >= EXPANSION_FACTOR
            {
                self.report(
                    FindingKind::MemoExpansion,
                    site,
                    None,
                    None,
                    format!(
                        "memo/DUP expansion: {} GETs for {} PUTs and {} DUPs build a structure of about {} elements (billion-laughs)",
                        m.gets, m.puts, m.dups, size
                    ),
                );
            }
        }
    }

    fn push(&self, m: &mut Machine<'a>, v: Val) -> R<()> {
        if m.stack.len() >= self.limits().max_stack_depth {
            return Err(Halt::Limit("max_stack_depth"));
        }
        m.stack.push(v);
        Ok(())
    }

    fn push_node(&self, m: &mut Machine<'a>, node: Node<'a>) -> R<()> {
        let v = m.alloc(node)?;
        self.push(m, v)
    }

    #[allow(clippy::too_many_lines)]
    fn step(&mut self, m: &mut Machine<'a>, op: Op<'a>, site: Site) -> R<Next<'a>> {
        use Opcode as O;
        let end = op.end();
        match (op.opcode, op.arg) {
            (O::Mark, _) => {
                if m.marks.len() >= self.limits().max_mark_depth {
                    return Err(Halt::Limit("max_mark_depth"));
                }
                m.marks.push(m.stack.len());
            }
            (O::Stop, _) => {
                let v = m
                    .top()
                    .map_err(|_| Halt::Malformed("STOP with an empty stack".into()))?;
                return Ok(Next::Stop(v));
            }
            (O::Pop, _) => {
                if m.marks.last() == Some(&m.stack.len()) {
                    m.marks.pop();
                } else {
                    m.pop()?;
                }
            }
            (O::PopMark, _) => {
                let mark = m.pop_mark()?;
                m.stack.truncate(mark);
            }
            (O::Dup, _) => {
                let v = m.top()?;
                m.dups = m.dups.saturating_add(1);
                self.push(m, v)?;
            }
            (_, Arg::Int(i)) => self.push(m, Val::Int(i))?,
            (_, Arg::Bool(b)) => self.push(m, Val::Bool(b))?,
            (_, Arg::Float(f)) => self.push(m, Val::Float(f))?,
            (_, Arg::BigInt(b)) => self.push_node(m, Node::Big(b))?,
            (O::None, _) => self.push(m, Val::None)?,
            (O::NewTrue, _) => self.push(m, Val::Bool(true))?,
            (O::NewFalse, _) => self.push(m, Val::Bool(false))?,
            (_, Arg::StrBytes(bytes)) => {
                self.scan_literal(site, &bytes);
                let s = match bytes {
                    Cow::Borrowed(b) => String::from_utf8_lossy(b),
                    Cow::Owned(b) => Cow::Owned(String::from_utf8_lossy(&b).into_owned()),
                };
                self.push_node(m, Node::Str(s))?;
            }
            (_, Arg::Str(s)) => {
                if s.len() >= embedded::MIN_EMBEDDED_LEN {
                    match embedded::latin1_bytes(&s) {
                        Some(bytes) => self.scan_literal(site, &bytes),
                        None => self.scan_literal(site, s.as_bytes()),
                    }
                }
                self.push_node(m, Node::Str(s))?;
            }
            (_, Arg::Bytes(b)) => {
                self.scan_literal(site, b);
                self.push_node(m, Node::Bytes(Cow::Borrowed(b)))?;
            }
            (O::PersId, Arg::PersId(pid)) => {
                let inner = m.alloc(Node::Str(Cow::Borrowed(pid)))?;
                self.push_node(m, Node::PersId(inner))?;
            }
            (O::BinPersId, _) => {
                let pid = m.pop()?;
                self.push_node(m, Node::PersId(pid))?;
            }
            (O::Reduce | O::NewObj, _) => {
                let args = m.pop()?;
                let callee = m.pop()?;
                let r = self.call(m, site, callee, args)?;
                self.push(m, r)?;
            }
            (O::EmptyDict, _) => self.push_node(m, Node::Dict(Vec::new()))?,
            (O::EmptyList, _) => self.push_node(m, Node::List(Vec::new()))?,
            (O::EmptyTuple, _) => self.push_node(m, Node::Tuple(Vec::new()))?,
            (O::EmptySet, _) => self.push_node(m, Node::Set(Vec::new()))?,
            (O::Append, _) => {
                if m.stack.len().saturating_sub(1) <= m.fence() {
                    return malformed("unpickling stack underflow");
                }
                let item = m.pop()?;
                let target = m.top()?;
                self.mutate(m, site, target, vec![item], "append")?;
            }
            (O::Appends, _) => {
                let (items, target) = m.pop_mark_items()?;
                self.mutate(m, site, target, items, "extend")?;
            }
            (O::SetItem, _) => {
                if m.stack.len().saturating_sub(2) <= m.fence() || m.stack.len() < 2 {
                    return malformed("unpickling stack underflow");
                }
                let value = m.pop()?;
                let key = m.pop()?;
                let target = m.top()?;
                self.mutate(m, site, target, vec![key, value], "__setitem__")?;
            }
            (O::SetItems, _) => {
                let (items, target) = m.pop_mark_items()?;
                if items.len() % 2 != 0 {
                    return malformed("odd number of items for SETITEMS");
                }
                self.mutate(m, site, target, items, "__setitem__")?;
            }
            (O::AddItems, _) => {
                let (items, target) = m.pop_mark_items()?;
                self.mutate(m, site, target, items, "add")?;
            }
            (O::Dict, _) => {
                let mark = m.pop_mark()?;
                let items = m.stack.split_off(mark);
                if !items.len().is_multiple_of(2) {
                    return malformed("odd number of items for DICT");
                }
                let pairs = items
                    .chunks_exact(2)
                    .filter_map(|c| Some((*c.first()?, *c.get(1)?)))
                    .collect();
                self.push_node(m, Node::Dict(pairs))?;
            }
            (O::List | O::Tuple | O::FrozenSet, _) => {
                let mark = m.pop_mark()?;
                let items = m.stack.split_off(mark);
                let node = match op.opcode {
                    O::List => Node::List(items),
                    O::Tuple => Node::Tuple(items),
                    _ => Node::FrozenSet(items),
                };
                self.push_node(m, node)?;
            }
            (O::Tuple1 | O::Tuple2 | O::Tuple3, _) => {
                let n = match op.opcode {
                    O::Tuple1 => 1,
                    O::Tuple2 => 2,
                    _ => 3,
                };
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(m.pop()?);
                }
                items.reverse();
                self.push_node(m, Node::Tuple(items))?;
            }
            (O::Get | O::BinGet | O::LongBinGet, Arg::Uint(idx)) => {
                m.gets = m.gets.saturating_add(1);
                let v = if let Some(v) = m.memo.get(idx) {
                    v
                } else {
                    self.anomaly(
                        site,
                        format!(
                            "{} of memo index {idx} that was never stored (CPython raises here)",
                            op.opcode.name()
                        ),
                    );
                    m.alloc(Node::Unknown("a memo entry that was never stored"))?
                };
                self.push(m, v)?;
            }
            (O::Put | O::BinPut | O::LongBinPut, Arg::Uint(idx)) => {
                let v = m.top()?;
                self.memo_put(m, site, idx, v)?;
            }
            (O::Memoize, _) => {
                let v = m.top()?;
                let idx = u64_of(m.memo.len);
                self.memo_put(m, site, idx, v)?;
            }
            (O::Global, Arg::Global { module, name }) => {
                let g = self.intern_global(m.proto, &module, &name, site);
                self.push_node(m, Node::Global(g))?;
            }
            (O::StackGlobal, _) => {
                let name = m.pop()?;
                let module = m.pop()?;
                let node = if let (Some(mo), Some(na)) = (m.str_of(module), m.str_of(name)) {
                    let (mo, na) = (mo.to_owned(), na.to_owned());
                    Node::Global(self.intern_global(m.proto, &mo, &na, site))
                } else {
                    let desc = format!(
                        "an import from non-string or unknown operands (module {}, name {})",
                        render(m, module, &self.globals),
                        render(m, name, &self.globals)
                    );
                    Node::Dyn(self.new_dyn(site, desc))
                };
                self.push_node(m, node)?;
            }
            (O::Inst, Arg::Global { module, name }) => {
                let mark = m.pop_mark()?;
                let items = m.stack.split_off(mark);
                let g = self.intern_global(m.proto, &module, &name, site);
                let callee = m.alloc(Node::Global(g))?;
                let args = m.alloc(Node::Tuple(items))?;
                let r = self.call(m, site, callee, args)?;
                self.push(m, r)?;
            }
            (O::Obj, _) => {
                let mark = m.pop_mark()?;
                if m.stack.len() <= mark {
                    return malformed("unpickling stack underflow");
                }
                let mut items = m.stack.split_off(mark);
                let callee = items.remove(0);
                let args = m.alloc(Node::Tuple(items))?;
                let r = self.call(m, site, callee, args)?;
                self.push(m, r)?;
            }
            (O::NewObjEx, _) => {
                let kwargs = m.pop()?;
                let args = m.pop()?;
                let cls = m.pop()?;
                let both = m.alloc(Node::Tuple(vec![args, kwargs]))?;
                let r = self.call(m, site, cls, both)?;
                self.push(m, r)?;
            }
            (O::Build, _) => {
                if m.stack.len() < m.fence().saturating_add(2) {
                    return malformed("unpickling stack underflow");
                }
                let state = m.pop()?;
                let inst = m.top()?;
                if let Some(next) = self.build(m, site, inst, state, end)? {
                    return Ok(Next::Jump(next));
                }
            }
            (O::Ext1 | O::Ext2 | O::Ext4, Arg::Uint(code)) => {
                let desc = format!("extension-registry code {code} (copyreg; empty by default)");
                let d = self.new_dyn(site, desc);
                self.push_node(m, Node::Dyn(d))?;
            }
            (O::Proto, Arg::Uint(p)) => {
                let p8 = u8::try_from(p).unwrap_or(u8::MAX);
                if m.saw_proto {
                    self.anomaly(site, "duplicate PROTO opcode in one stream".into());
                } else if site.offset != m.start {
                    self.anomaly(site, "PROTO opcode not at the start of the stream".into());
                }
                if p8 > 5 {
                    self.anomaly(site, format!("unsupported pickle protocol {p}"));
                }
                m.saw_proto = true;
                m.proto = p8;
                if self.protocol.is_none_or(|old| p8 > old) {
                    self.protocol = Some(p8);
                }
            }
            (O::Frame, _) => {}
            (O::NextBuffer, _) => self.push_node(m, Node::Unknown("an out-of-band buffer"))?,
            (O::ReadonlyBuffer, _) => {
                m.top()?;
            }
            (opcode, arg) => {
                return malformed(format!(
                    "{} with unexpected argument {arg:?}",
                    opcode.name()
                ));
            }
        }
        Ok(Next::Continue)
    }

    fn memo_put(&mut self, m: &mut Machine<'a>, site: Site, idx: u64, v: Val) -> R<()> {
        m.puts = m.puts.saturating_add(1);
        if m.memo.len >= self.limits().max_memo_entries && m.memo.get(idx).is_none() {
            return Err(Halt::Limit("max_memo_entries"));
        }
        if let Some(old) = m.memo.put(idx, v) {
            let is_global = |v: Val| matches!(m.node(v), Some(Node::Global(_) | Node::Dyn(_)));
            if old != v && (is_global(old) || is_global(v)) {
                self.anomaly(
                    site,
                    format!("memo index {idx} holding a global is overwritten"),
                );
            }
        }
        Ok(())
    }

    fn intern_global(&mut self, proto: u8, module: &str, name: &str, site: Site) -> u32 {
        let (module, name): (&str, &str) = if proto < 3 {
            match policy::fix_imports(module, name) {
                Some((m2, Some(n2))) => (m2, n2),
                Some((m2, None)) => (m2, name),
                None => (module, name),
            }
        } else {
            (module, name)
        };
        self.key_buf.clear();
        self.key_buf.push_str(module);
        self.key_buf.push('\0');
        self.key_buf.push_str(name);
        if let Some(id) = self.global_ids.get(&self.key_buf) {
            return *id;
        }
        let id = u32::try_from(self.globals.len()).unwrap_or(u32::MAX);
        self.globals.push(GlobalInfo {
            module: module.to_owned(),
            name: name.to_owned(),
            qualified: format!("{module}.{name}"),
            site,
            stream: self.stream,
            called: false,
            class: policy::classify(module, name),
            trampoline: None,
        });
        if let Some(info) = self.globals.last_mut()
            && info.class.is_allowed()
        {
            info.trampoline = TRAMPOLINES
                .iter()
                .find(|(q, _)| *q == info.qualified)
                .map(|(_, p)| *p);
        }
        self.global_ids.insert(self.key_buf.clone(), id);
        id
    }

    fn new_dyn(&mut self, site: Site, desc: String) -> u32 {
        let id = u32::try_from(self.dyns.len()).unwrap_or(u32::MAX);
        self.dyns.push(DynInfo {
            desc,
            site,
            stream: self.stream,
            called: false,
        });
        id
    }

    fn global_info(&self, g: u32) -> Option<&GlobalInfo> {
        self.globals.get(usize::try_from(g).ok()?)
    }

    // ----- call sites -----------------------------------------------------------------------

    fn call(&mut self, m: &mut Machine<'a>, site: Site, callee: Val, args: Val) -> R<Val> {
        self.check_target(m, site, callee, Use::Call, Some(args));
        // dill's `_load_type('name')` returns a type from a fixed table: resolve it to the
        // global it stands for, so that calling it is judged like any other global
        // (`_load_type('CodeType')(…)` is a code-object constructor, `'list'` is harmless).
        if let Some(Node::Global(g)) = m.node(callee)
            && self
                .global_info(*g)
                .is_some_and(|i| DILL_LOAD_TYPE.contains(&i.qualified.as_str()))
            && let Some(&[arg]) = m.tuple_items(args)
            && let Some(Node::Str(type_name)) = m.node(arg)
        {
            let type_name = type_name.to_string();
            let module = if DILL_BUILTIN_TYPES.contains(&type_name.as_str()) {
                "builtins"
            } else {
                "types"
            };
            let id = self.intern_global(m.proto, module, &type_name, site);
            return m.alloc(Node::Global(id));
        }
        // Trampolines: allowlisted callables that call some of their arguments.
        if let Some(Node::Global(g)) = m.node(callee)
            && let Some(info) = self.global_info(*g).filter(|i| i.trampoline.is_some())
        {
            let q = info.qualified.clone();
            let positions = info.trampoline.unwrap_or(&[]);
            let items: Vec<Val> = m.tuple_items(args).map(<[Val]>::to_vec).unwrap_or_default();
            for &p in positions {
                if let Some(arg) = items.get(p).copied() {
                    self.check_trampolined(m, site, arg, &q);
                }
            }
        }
        m.alloc(Node::Call(Box::new(Call {
            callee,
            args,
            state: None,
        })))
    }

    fn check_trampolined(&mut self, m: &Machine<'a>, site: Site, arg: Val, via: &str) {
        match m.node(arg) {
            Some(Node::Global(g)) => {
                let Some(info) = self
                    .globals
                    .get_mut(usize::try_from(*g).unwrap_or(usize::MAX))
                else {
                    return;
                };
                if info.class.is_allowed() {
                    return;
                }
                info.called = true;
                let (kind, why) = match info.class {
                    Classification::Denied { kind, reason } => (kind, reason),
                    _ => (FindingKind::UnknownCallable, "not on the allowlist"),
                };
                let q = info.qualified.clone();
                let msg = format!(
                    "{} calls {via}, which instantiates or calls {q} ({why})",
                    site.opcode.name()
                );
                self.report(kind, site, Some(q), None, msg);
            }
            Some(Node::Dyn(d)) => {
                if let Some(info) = self.dyns.get_mut(usize::try_from(*d).unwrap_or(usize::MAX)) {
                    info.called = true;
                    let msg = format!(
                        "{} calls {via} on {}, a target only known at load time",
                        site.opcode.name(),
                        info.desc
                    );
                    self.report(FindingKind::DynamicCall, site, None, None, msg);
                }
            }
            _ => {}
        }
    }

    /// Reports a call (or implicit method call) on `target`.
    fn check_target(
        &mut self,
        m: &Machine<'a>,
        site: Site,
        target: Val,
        how: Use,
        args: Option<Val>,
    ) {
        // Fast path: calls of allowlisted globals and containers need no bookkeeping beyond `called`.
        if let (Use::Call, Some(Node::Global(g))) = (how, m.node(target))
            && let Some(info) = self
                .globals
                .get_mut(usize::try_from(*g).unwrap_or(usize::MAX))
            && info.class.is_allowed()
        {
            info.called = true;
            return;
        }
        let args = args.map(|a| render_args(m, a, &self.globals));
        let op = site.opcode.name();
        let action = |what: &str| match how {
            Use::Call => format!("{op} calls {what}"),
            Use::SetState => format!("{op} invokes __setstate__ on an instance of {what}"),
            Use::Mutate(method) => format!("{op} invokes .{method}() on an instance of {what}"),
        };
        match m.node(target) {
            Some(Node::Global(g)) => {
                let Some(info) = self
                    .globals
                    .get_mut(usize::try_from(*g).unwrap_or(usize::MAX))
                else {
                    return;
                };
                let q = info.qualified.clone();
                match how {
                    Use::Call => {
                        info.called = true;
                        match info.class {
                            Classification::Allowed => {}
                            Classification::Denied { kind, reason } => {
                                let msg = format!("{op} calls {q} ({reason})");
                                self.report(kind, site, Some(q), args, msg);
                            }
                            Classification::Unknown => {
                                let msg = format!("{op} calls {q}, which is not on the allowlist");
                                self.report(FindingKind::UnknownCallable, site, Some(q), args, msg);
                            }
                        }
                    }
                    Use::SetState | Use::Mutate(_) => {
                        info.called = true;
                        let kind = match info.class {
                            Classification::Denied { kind, .. } => kind,
                            _ => FindingKind::UnknownCallable,
                        };
                        let msg = format!(
                            "{op} modifies the global object {q} itself (attribute or item tampering)"
                        );
                        self.report(kind, site, Some(q), args, msg);
                    }
                }
            }
            Some(Node::Call(call)) => {
                if matches!(how, Use::Call) {
                    let inner = self.describe_callee(m, call.callee);
                    let msg = format!(
                        "{op} calls the result of another call ({inner}(...)), a target only known at load time"
                    );
                    self.report(
                        FindingKind::DynamicCall,
                        site,
                        self.callee_name(m, call.callee),
                        args,
                        msg,
                    );
                    return;
                }
                if let Some(Node::Global(g)) = m.node(call.callee) {
                    let Some(info) = self.global_info(*g) else {
                        return;
                    };
                    let q = info.qualified.clone();
                    let kind = match info.class {
                        Classification::Allowed => return,
                        Classification::Denied { kind, .. } => kind,
                        Classification::Unknown => FindingKind::UnknownCallable,
                    };
                    let msg = action(&q);
                    self.report(kind, site, Some(q), args, msg);
                } else {
                    let inner = self.describe_callee(m, call.callee);
                    let msg = action(&format!("the result of a dynamic call ({inner}(...))"));
                    self.report(FindingKind::DynamicCall, site, None, args, msg);
                }
            }
            Some(Node::Dyn(d)) => {
                let Some(info) = self.dyns.get_mut(usize::try_from(*d).unwrap_or(usize::MAX))
                else {
                    return;
                };
                info.called = true;
                let msg = match how {
                    Use::Call => {
                        format!("{op} calls {}, a target only known at load time", info.desc)
                    }
                    _ => action(&info.desc),
                };
                self.report(FindingKind::DynamicCall, site, None, args, msg);
            }
            Some(Node::PersId(_)) if matches!(how, Use::Call) => {
                let msg = format!("{op} calls an object returned by persistent_load");
                self.report(FindingKind::DynamicCall, site, None, args, msg);
            }
            Some(Node::Unknown(why)) if matches!(how, Use::Call) => {
                let msg = format!("{op} calls {why}, a target only known at load time");
                self.report(FindingKind::DynamicCall, site, None, args, msg);
            }
            // Literal containers and scalars: CPython would raise; nothing runs.
            _ => {}
        }
    }

    fn callee_name(&self, m: &Machine<'a>, callee: Val) -> Option<String> {
        match m.node(callee)? {
            Node::Global(g) => self.global_info(*g).map(|i| i.qualified.clone()),
            Node::Call(c) => self.callee_name(m, c.callee),
            _ => None,
        }
    }

    fn describe_callee(&self, m: &Machine<'a>, callee: Val) -> String {
        match m.node(callee) {
            Some(Node::Global(g)) => self
                .global_info(*g)
                .map_or_else(|| "?".into(), |i| i.qualified.clone()),
            Some(Node::Dyn(d)) => self
                .dyns
                .get(usize::try_from(*d).unwrap_or(usize::MAX))
                .map_or_else(|| "?".into(), |i| i.desc.clone()),
            Some(Node::Call(c)) => format!("{}(...)", self.describe_callee(m, c.callee)),
            Some(Node::PersId(_)) => "persistent_load(...)".into(),
            _ => "an unknown value".into(),
        }
    }

    fn mutate(
        &mut self,
        m: &mut Machine<'a>,
        site: Site,
        target: Val,
        items: Vec<Val>,
        method: &'static str,
    ) -> R<()> {
        // Like CPython, an empty APPENDS/SETITEMS/ADDITEMS calls nothing.
        if items.is_empty() {
            return Ok(());
        }
        match m.node_mut(target) {
            Some(Node::List(v)) if method != "__setitem__" && method != "add" => v.extend(items),
            Some(Node::Dict(pairs)) if method == "__setitem__" => {
                pairs.extend(
                    items
                        .chunks_exact(2)
                        .filter_map(|c| Some((*c.first()?, *c.get(1)?))),
                );
            }
            Some(Node::Set(v)) if method == "add" => v.extend(items),
            Some(Node::List(_) | Node::Dict(_) | Node::Set(_)) => {}
            _ => {
                let args = m.alloc(Node::Tuple(items))?;
                self.check_target(m, site, target, Use::Mutate(method), Some(args));
            }
        }
        Ok(())
    }

    /// BUILD: returns a new position when a joblib raw block follows.
    fn build(
        &mut self,
        m: &mut Machine<'a>,
        site: Site,
        inst: Val,
        state: Val,
        end: usize,
    ) -> R<Option<usize>> {
        let mut joblib_wrapper = false;
        if let Some(Node::Call(call)) = m.node_mut(inst) {
            call.state = Some(state);
        }
        if let Some(Node::Call(call)) = m.node(inst)
            && let Some(Node::Global(g)) = m.node(call.callee)
            && let Some(info) = self.global_info(*g)
        {
            joblib_wrapper = info.class.is_allowed()
                && info.name == "NumpyArrayWrapper"
                && info.module.ends_with("numpy_pickle");
        }
        self.check_target(m, site, inst, Use::SetState, Some(state));
        if joblib_wrapper {
            return self.joblib_skip(m, site, state, end).map(Some);
        }
        Ok(None)
    }

    // ----- joblib ---------------------------------------------------------------------------

    fn joblib_skip(&mut self, m: &mut Machine<'a>, site: Site, state: Val, pos: usize) -> R<usize> {
        self.joblib = true;
        let layout = joblib_layout(m, state);
        // joblib replaces the wrapper on the stack by the array.
        m.pop()?;
        let arr = m.alloc(Node::Unknown("a joblib array"))?;
        self.push(m, arr)?;
        match layout {
            Some(JoblibLayout::Object) => {
                if self.joblib_nesting >= MAX_JOBLIB_NESTING {
                    return Err(Halt::Limit("max_embedded_depth"));
                }
                self.joblib_nesting = self.joblib_nesting.saturating_add(1);
                let mut inner = Machine::new(pos);
                let end = self.run_stream(&mut inner, pos);
                self.joblib_nesting = self.joblib_nesting.saturating_sub(1);
                match end {
                    StreamEnd::Stop { next, .. } => Ok(next),
                    StreamEnd::Halt { halt, .. } => Err(halt),
                }
            }
            Some(JoblibLayout::Raw { bytes, padded }) => {
                let mut p = pos;
                if padded {
                    let pad = *self
                        .data
                        .get(p)
                        .ok_or_else(|| Halt::Malformed("joblib padding byte missing".into()))?;
                    p = p.saturating_add(1).saturating_add(usize::from(pad));
                }
                let end = usize::try_from(bytes).ok().and_then(|b| p.checked_add(b));
                match end {
                    Some(e) if e <= self.data.len() => Ok(e),
                    _ => malformed(format!(
                        "joblib raw array block of {bytes} bytes extends past the end of the data"
                    )),
                }
            }
            None => self.joblib_resync(m, site, pos),
        }
    }

    fn joblib_resync(&mut self, m: &Machine<'a>, site: Site, pos: usize) -> R<usize> {
        let budget = self.limits().joblib_resync_bytes;
        let stop = pos.saturating_add(budget).min(self.data.len());
        for q in pos..stop {
            if self
                .data
                .get(q)
                .and_then(|b| Opcode::from_byte(*b))
                .is_none()
            {
                continue;
            }
            if trial_continues(self.data, q, m.stack.len(), &m.marks) {
                self.anomaly(
                    site,
                    format!(
                        "joblib raw array block of unknown length; resynchronised after {} bytes",
                        q.saturating_sub(pos)
                    ),
                );
                return Ok(q);
            }
        }
        malformed(format!(
            "could not find the end of a joblib raw array block within {budget} bytes"
        ))
    }

    // ----- embedded payloads ----------------------------------------------------------------

    fn scan_literal(&mut self, site: Site, bytes: &[u8]) {
        if bytes.len() < embedded::MIN_EMBEDDED_LEN
            || self.depth >= self.limits().max_embedded_depth
        {
            return;
        }
        let window = u64_of(bytes.len().min(64 * 1024));
        if !self.charge_literal(window, site) {
            return;
        }
        if sniff::sniff(bytes) {
            self.nested(site, bytes, false);
            return;
        }
        if embedded::looks_base64(bytes) {
            if !self.charge_literal(u64_of(bytes.len()), site) {
                return;
            }
            if let Some(decoded) = embedded::base64_decode(bytes)
                && decoded.len() >= 2
                && sniff::sniff(&decoded)
            {
                self.nested(site, &decoded, true);
            }
        }
    }

    fn charge_literal(&mut self, n: u64, site: Site) -> bool {
        self.shared.literal_bytes = self.shared.literal_bytes.saturating_add(n);
        if self.shared.literal_bytes > self.limits().max_literal_bytes {
            if self.soft_limit.is_none() {
                self.soft_limit = Some(("max_literal_bytes", u64_of(site.offset)));
                self.report(
                    FindingKind::LimitExceeded,
                    site,
                    None,
                    None,
                    "limit `max_literal_bytes` exceeded: further literals are not scanned for embedded pickles".into(),
                );
            }
            return false;
        }
        true
    }

    fn nested(&mut self, site: Site, payload: &[u8], base64: bool) {
        let depth = self.depth.saturating_add(1);
        let inner = Analyzer::new(payload, &mut *self.shared, depth).run();
        let security = inner.findings.iter().any(|f| f.kind.is_high_or_above());
        if inner.streams == 0 && !security {
            return;
        }
        let count = inner.findings.len();
        let encoding = if base64 { " (base64-encoded)" } else { "" };
        self.report(
            FindingKind::EmbeddedPickle,
            site,
            None,
            None,
            format!(
                "{} literal of {} bytes{encoding} holds an embedded pickle with {count} finding(s); pickle.loads of it would run them",
                site.opcode.name(),
                payload.len()
            ),
        );
        for mut f in inner.findings {
            if f.embedded_at.is_empty() {
                let _ = write!(
                    f.message,
                    " (at offset {} of the embedded payload)",
                    f.offset
                );
            }
            f.embedded_at.insert(0, u64_of(site.offset));
            f.offset = u64_of(site.offset);
            self.findings.push(f);
        }
    }
}

enum JoblibLayout {
    Object,
    Raw { bytes: u64, padded: bool },
}

fn joblib_layout(m: &Machine<'_>, state: Val) -> Option<JoblibLayout> {
    let dtype = m.dict_get(state, "dtype")?;
    let Some(Node::Call(call)) = m.node(dtype) else {
        return None;
    };
    let typestr = m
        .tuple_items(call.args)?
        .first()
        .and_then(|v| m.str_of(*v))?
        .to_owned();
    let dstate: Vec<Val> = call
        .state
        .and_then(|s| m.tuple_items(s))
        .map(<[Val]>::to_vec)
        .unwrap_or_default();
    let elsize = dstate
        .get(5)
        .and_then(|v| Machine::int_of(*v))
        .filter(|e| *e > 0);
    let flags = dstate.get(7).and_then(|v| Machine::int_of(*v)).unwrap_or(0);
    let kind = typestr
        .trim_start_matches(['<', '>', '|', '='])
        .chars()
        .next()?;
    if kind == 'O' || flags & 1 != 0 {
        return Some(JoblibLayout::Object);
    }
    let itemsize = match elsize {
        Some(e) => u64::try_from(e).ok()?,
        None => itemsize_of(&typestr)?,
    };
    let shape = m.dict_get(state, "shape")?;
    let mut count: u64 = 1;
    for dim in m.tuple_items(shape)? {
        let d = u64::try_from(Machine::int_of(*dim)?).ok()?;
        count = count.checked_mul(d)?;
    }
    let padded = m
        .dict_get(state, "numpy_array_alignment_bytes")
        .is_some_and(|v| v != Val::None);
    Some(JoblibLayout::Raw {
        bytes: count.checked_mul(itemsize)?,
        padded,
    })
}

fn itemsize_of(typestr: &str) -> Option<u64> {
    let t = typestr.trim_start_matches(['<', '>', '|', '=']);
    let mut chars = t.chars();
    let kind = chars.next()?;
    let digits: String = chars.take_while(char::is_ascii_digit).collect();
    if !digits.is_empty() {
        let n: u64 = digits.parse().ok()?;
        return if kind == 'U' {
            n.checked_mul(4)
        } else {
            Some(n)
        };
    }
    Some(match kind {
        '?' | 'b' | 'B' => 1,
        'h' | 'H' | 'e' => 2,
        'i' | 'I' | 'f' => 4,
        'l' | 'L' | 'q' | 'Q' | 'd' | 'F' => 8,
        'g' | 'D' => 16,
        'G' => 32,
        _ => return None,
    })
}

/// Can decoding continue at `pos` with the given stack shape (joblib resynchronisation)?
fn trial_continues(data: &[u8], pos: usize, depth: usize, marks: &[usize]) -> bool {
    let mut trial = Trial::new(depth, marks, false);
    let mut p = pos;
    for _ in 0..32 {
        let Ok(op) = decode_op(data, p) else {
            return false;
        };
        match trial.step(&op) {
            Step::Continue | Step::Import => p = op.end(),
            Step::Stop => return trial.kinds.len() == 1 || !trial.kinds.is_empty(),
            Step::Fail => return false,
        }
    }
    true
}

fn is_torch_magic(m: &Machine<'_>, v: Val) -> bool {
    match m.node(v) {
        Some(Node::Big(BigInt::Le(bytes))) => {
            let mut b: &[u8] = bytes;
            while let [rest @ .., 0] = b {
                b = rest;
            }
            b == TORCH_MAGIC_LE
        }
        Some(Node::Big(BigInt::Text(t))) => t.trim_ascii() == TORCH_MAGIC_DEC,
        _ => false,
    }
}

fn children(node: &Node<'_>) -> Vec<Val> {
    match node {
        Node::Tuple(v) | Node::List(v) | Node::Set(v) | Node::FrozenSet(v) => v.clone(),
        Node::Dict(p) => p.iter().flat_map(|(k, v)| [*k, *v]).collect(),
        Node::Call(c) => {
            let mut out = vec![c.callee, c.args];
            out.extend(c.state);
            out
        }
        Node::PersId(v) => vec![*v],
        _ => Vec::new(),
    }
}

/// Number of elements the structure would have if every reference were a copy (saturating).
fn expanded_size(m: &Machine<'_>, root: Val) -> u64 {
    let Val::Ref(root_idx) = root else { return 1 };
    let n = m.arena.len();
    let mut size: Vec<Option<u64>> = vec![None; n];
    let mut on_path = vec![false; n];
    let mut work: Vec<(u32, bool)> = vec![(root_idx, false)];
    while let Some((idx, expanded)) = work.pop() {
        let Ok(i) = usize::try_from(idx) else {
            continue;
        };
        let Some(node) = m.arena.get(i) else { continue };
        if expanded {
            let total = children(node).iter().fold(1u64, |acc, c| {
                let s = match c {
                    Val::Ref(j) => usize::try_from(*j)
                        .ok()
                        .and_then(|j| size.get(j).copied().flatten())
                        .unwrap_or(1),
                    _ => 1,
                };
                acc.saturating_add(s)
            });
            if let Some(slot) = size.get_mut(i) {
                *slot = Some(total);
            }
            if let Some(p) = on_path.get_mut(i) {
                *p = false;
            }
            continue;
        }
        if size.get(i).copied().flatten().is_some() || on_path.get(i).copied().unwrap_or(true) {
            continue;
        }
        if let Some(p) = on_path.get_mut(i) {
            *p = true;
        }
        work.push((idx, true));
        for c in children(node) {
            if let Val::Ref(j) = c {
                work.push((j, false));
            }
        }
    }
    usize::try_from(root_idx)
        .ok()
        .and_then(|i| size.get(i).copied().flatten())
        .unwrap_or(1)
}

fn render_args(m: &Machine<'_>, v: Val, globals: &[GlobalInfo]) -> String {
    let mut out = String::new();
    render_into(m, v, &mut out, 0, globals);
    if out.chars().count() > MAX_ARGS_CHARS {
        out = out.chars().take(MAX_ARGS_CHARS.saturating_sub(1)).collect();
        out.push('…');
    }
    out
}

fn render(m: &Machine<'_>, v: Val, globals: &[GlobalInfo]) -> String {
    render_args(m, v, globals)
}

fn render_str(out: &mut String, s: &str) {
    out.push('\'');
    for c in s.chars().take(MAX_ARGS_CHARS) {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('\'');
}

fn render_into(m: &Machine<'_>, v: Val, out: &mut String, depth: u32, globals: &[GlobalInfo]) {
    if out.len() > MAX_ARGS_CHARS.saturating_mul(2) {
        return;
    }
    match v {
        Val::None => out.push_str("None"),
        Val::Bool(true) => out.push_str("True"),
        Val::Bool(false) => out.push_str("False"),
        Val::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Val::Float(f) => {
            let _ = write!(out, "{f:?}");
        }
        Val::Ref(_) => {
            let Some(node) = m.node(v) else {
                return out.push('?');
            };
            if depth > 6 {
                out.push('…');
                return;
            }
            let d = depth.saturating_add(1);
            let seq =
                |out: &mut String, items: &[Val], open: &str, close: &str, single_comma: bool| {
                    out.push_str(open);
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        if out.len() > MAX_ARGS_CHARS.saturating_mul(2) {
                            out.push('…');
                            break;
                        }
                        render_into(m, *item, out, d, globals);
                    }
                    if single_comma && items.len() == 1 {
                        out.push(',');
                    }
                    out.push_str(close);
                };
            match node {
                Node::Str(s) => render_str(out, s),
                Node::Bytes(b) => {
                    out.push_str("b'");
                    for &c in b.iter().take(MAX_ARGS_CHARS) {
                        if c.is_ascii_graphic() && c != b'\'' && c != b'\\' || c == b' ' {
                            out.push(char::from(c));
                        } else {
                            let _ = write!(out, "\\x{c:02x}");
                        }
                    }
                    out.push('\'');
                }
                Node::Big(BigInt::Text(t)) => out.push_str(&String::from_utf8_lossy(t)),
                Node::Big(BigInt::Le(b)) => {
                    let _ = write!(out, "<{}-byte integer>", b.len());
                }
                Node::Tuple(items) => seq(out, items, "(", ")", true),
                Node::List(items) => seq(out, items, "[", "]", false),
                Node::Set(items) => seq(out, items, "{", "}", false),
                Node::FrozenSet(items) => seq(out, items, "frozenset({", "})", false),
                Node::Dict(pairs) => {
                    out.push('{');
                    for (i, (k, val)) in pairs.iter().enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        if out.len() > MAX_ARGS_CHARS.saturating_mul(2) {
                            out.push('…');
                            break;
                        }
                        render_into(m, *k, out, d, globals);
                        out.push_str(": ");
                        render_into(m, *val, out, d, globals);
                    }
                    out.push('}');
                }
                Node::Global(g) => match usize::try_from(*g).ok().and_then(|g| globals.get(g)) {
                    Some(info) => out.push_str(&info.qualified),
                    None => out.push_str("<global>"),
                },
                Node::Dyn(_) => out.push_str("<dynamic global>"),
                Node::Unknown(_) => out.push_str("<unknown>"),
                Node::Call(c) => {
                    render_into(m, c.callee, out, d, globals);
                    render_into(m, c.args, out, d, globals);
                }
                Node::PersId(p) => {
                    out.push_str("persistent_id(");
                    render_into(m, *p, out, d, globals);
                    out.push(')');
                }
            }
        }
    }
}
