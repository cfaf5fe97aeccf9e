//! Technique fixtures from model-formats.md §4.3/§4.4, assembled by hand, plus benign
//! look-alikes. Each assertion can fail: it checks the finding family, the global and the
//! completeness of the analysis.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::many_single_char_names
)]

use mlsecops_pickle::{Analysis, FindingKind, Limits, Outcome, analyze};

/// A tiny pickle assembler.
#[derive(Default, Clone)]
struct Asm(Vec<u8>);

impl Asm {
    fn new() -> Self {
        Self::default()
    }
    fn raw(mut self, b: &[u8]) -> Self {
        self.0.extend_from_slice(b);
        self
    }
    fn op(self, b: u8) -> Self {
        self.raw(&[b])
    }
    fn proto(self, p: u8) -> Self {
        self.raw(&[0x80, p])
    }
    fn global(self, m: &str, n: &str) -> Self {
        self.raw(format!("c{m}\n{n}\n").as_bytes())
    }
    fn inst(self, m: &str, n: &str) -> Self {
        self.raw(format!("i{m}\n{n}\n").as_bytes())
    }
    /// `SHORT_BINUNICODE`
    fn su(self, s: &str) -> Self {
        let b = s.as_bytes();
        self.raw(&[0x8c, b.len() as u8]).raw(b)
    }
    /// BINUNICODE
    fn bu(self, s: &str) -> Self {
        let b = s.as_bytes();
        self.op(b'X').raw(&(b.len() as u32).to_le_bytes()).raw(b)
    }
    /// `SHORT_BINSTRING`
    fn sbs(self, s: &str) -> Self {
        let b = s.as_bytes();
        self.raw(&[b'U', b.len() as u8]).raw(b)
    }
    /// BINSTRING
    fn bs(self, s: &str) -> Self {
        let b = s.as_bytes();
        self.op(b'T').raw(&(b.len() as i32).to_le_bytes()).raw(b)
    }
    /// STRING (quoted)
    fn string(self, s: &str) -> Self {
        self.raw(format!("S'{s}'\n").as_bytes())
    }
    fn bytes(self, b: &[u8]) -> Self {
        if b.len() < 256 {
            self.raw(&[b'C', b.len() as u8]).raw(b)
        } else {
            self.op(b'B').raw(&(b.len() as u32).to_le_bytes()).raw(b)
        }
    }
    fn int(self, i: u8) -> Self {
        self.raw(&[b'K', i])
    }
    fn binput(self, i: u8) -> Self {
        self.raw(&[b'q', i])
    }
    fn binget(self, i: u8) -> Self {
        self.raw(&[b'h', i])
    }
    fn mark(self) -> Self {
        self.op(b'(')
    }
    fn tuple(self) -> Self {
        self.op(b't')
    }
    fn tuple1(self) -> Self {
        self.op(0x85)
    }
    fn reduce(self) -> Self {
        self.op(b'R')
    }
    fn stack_global(self) -> Self {
        self.op(0x93)
    }
    fn memoize(self) -> Self {
        self.op(0x94)
    }
    fn pop(self) -> Self {
        self.op(b'0')
    }
    fn none(self) -> Self {
        self.op(b'N')
    }
    fn stop(self) -> Self {
        self.op(b'.')
    }
    fn build(self) -> Self {
        self.op(b'b')
    }
    fn empty_dict(self) -> Self {
        self.op(b'}')
    }
    fn empty_tuple(self) -> Self {
        self.op(b')')
    }
    fn bytes_out(self) -> Vec<u8> {
        self.0
    }
}

/// `module.name('arg',)` via GLOBAL + REDUCE, protocol 0 framing-free.
fn call_global(m: &str, n: &str, arg: &str) -> Asm {
    Asm::new().global(m, n).string(arg).tuple1().reduce()
}

fn run(data: &[u8]) -> Analysis {
    analyze(data, &Limits::default())
}

fn kinds(a: &Analysis) -> Vec<(FindingKind, Option<String>)> {
    a.findings
        .iter()
        .map(|f| (f.kind, f.global.clone()))
        .collect()
}

fn has(a: &Analysis, kind: FindingKind, global: &str) -> bool {
    a.findings
        .iter()
        .any(|f| f.kind == kind && f.global.as_deref() == Some(global))
}

fn has_kind(a: &Analysis, kind: FindingKind) -> bool {
    a.findings.iter().any(|f| f.kind == kind)
}

fn no_high(a: &Analysis) -> bool {
    a.findings.iter().all(|f| !f.kind.is_high_or_above())
}

#[test]
fn os_system_protocol0_with_args() {
    let a = run(&call_global("os", "system", "echo pwned").stop().bytes_out());
    assert!(a.is_complete(), "{:?}", a.outcome);
    let f = a
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::CodeExecution)
        .expect("finding");
    assert_eq!(f.global.as_deref(), Some("os.system"));
    assert_eq!(f.opcode, "REDUCE");
    assert_eq!(f.args.as_deref(), Some("('echo pwned',)"));
    assert_eq!(f.offset, 26);
    assert!(
        f.message.contains("REDUCE calls os.system"),
        "{}",
        f.message
    );
    assert_eq!(a.findings.len(), 1, "{:?}", kinds(&a));
    assert_eq!(a.globals.len(), 1);
    assert!(a.globals[0].called && !a.globals[0].allowlisted);
}

#[test]
fn c1_protocolless_stack_global_with_string_opcodes() {
    for a in [
        Asm::new().sbs("os").sbs("system"),
        Asm::new().bs("os").bs("system"),
        Asm::new().string("os").string("system"),
        Asm::new().su("posix").bu("system"),
    ] {
        let data = a
            .stack_global()
            .sbs("id")
            .tuple1()
            .reduce()
            .stop()
            .bytes_out();
        let r = run(&data);
        assert!(r.is_complete(), "{:?}", r.outcome);
        assert!(
            has(&r, FindingKind::CodeExecution, "os.system")
                || has(&r, FindingKind::CodeExecution, "posix.system"),
            "{:?}",
            kinds(&r)
        );
        assert_eq!(r.protocol, None);
    }
}

#[test]
fn c2_memo_indirection_variants() {
    // (a) operands through BINPUT/BINGET with decoys in between.
    let a = Asm::new()
        .proto(2)
        .su("os")
        .binput(0)
        .su("system")
        .binput(1)
        .pop()
        .pop()
        .su("collections")
        .su("OrderedDict")
        .pop()
        .pop()
        .binget(0)
        .binget(1)
        .stack_global()
        .su("id")
        .tuple1()
        .reduce()
        .stop();
    let r = run(&a.bytes_out());
    assert!(
        has(&r, FindingKind::CodeExecution, "os.system"),
        "{:?}",
        kinds(&r)
    );
    assert!(!has(
        &r,
        FindingKind::UnknownGlobal,
        "collections.OrderedDict"
    ));

    // (b) MEMOIZE numbering.
    let b = Asm::new()
        .proto(4)
        .su("decoy")
        .memoize()
        .su("os")
        .memoize()
        .su("system")
        .memoize()
        .pop()
        .pop()
        .pop()
        .binget(1)
        .binget(2)
        .stack_global()
        .su("id")
        .tuple1()
        .reduce()
        .stop();
    let r = run(&b.bytes_out());
    assert!(r.is_complete(), "{:?}", r.outcome);
    assert!(
        has(&r, FindingKind::CodeExecution, "os.system"),
        "{:?}",
        kinds(&r)
    );

    // (c) never-PUT key: unresolved import, dynamic call, no crash.
    let c = Asm::new()
        .proto(4)
        .binget(7)
        .su("system")
        .stack_global()
        .su("id")
        .tuple1()
        .reduce()
        .stop();
    let r = run(&c.bytes_out());
    assert!(has_kind(&r, FindingKind::DynamicCall), "{:?}", kinds(&r));
    assert!(has_kind(&r, FindingKind::Anomaly));

    // (d) non-string memo value as the module operand.
    let d = Asm::new()
        .proto(4)
        .int(5)
        .binput(0)
        .pop()
        .binget(0)
        .su("system")
        .stack_global()
        .su("id")
        .tuple1()
        .reduce()
        .stop();
    let r = run(&d.bytes_out());
    assert!(r.is_complete());
    assert!(has_kind(&r, FindingKind::DynamicCall), "{:?}", kinds(&r));
}

#[test]
fn c3_dotted_names() {
    let a = Asm::new()
        .proto(4)
        .su("pathlib")
        .su("os.system")
        .stack_global()
        .su("id")
        .tuple1()
        .reduce()
        .stop();
    let r = run(&a.bytes_out());
    assert!(
        has(&r, FindingKind::CodeExecution, "pathlib.os.system"),
        "{:?}",
        kinds(&r)
    );

    let b = Asm::new()
        .proto(4)
        .su("builtins")
        .su("print.__class__.__base__.__subclasses__")
        .stack_global()
        .empty_tuple()
        .reduce()
        .stop();
    let r = run(&b.bytes_out());
    assert!(
        has(
            &r,
            FindingKind::CodeExecution,
            "builtins.print.__class__.__base__.__subclasses__"
        ),
        "{:?}",
        kinds(&r)
    );
}

#[test]
fn c4_truncated_after_reduce_keeps_findings() {
    let data = call_global("os", "system", "id").bytes_out();
    let r = run(&data);
    assert!(has(&r, FindingKind::CodeExecution, "os.system"));
    assert!(
        matches!(r.outcome, Outcome::Malformed { offset, .. } if offset == data.len() as u64),
        "{:?}",
        r.outcome
    );
    assert!(!r.is_complete());
    assert!(has_kind(&r, FindingKind::Malformed));

    let garbage = call_global("os", "system", "id")
        .raw(b"\xff\xfe")
        .bytes_out();
    let r = run(&garbage);
    assert!(has(&r, FindingKind::CodeExecution, "os.system"));
    assert!(matches!(r.outcome, Outcome::Malformed { .. }));
}

#[test]
fn c5_payload_in_second_stream() {
    let data = Asm::new()
        .proto(2)
        .op(b']')
        .stop()
        .raw(&call_global("os", "system", "id").stop().bytes_out())
        .bytes_out();
    let r = run(&data);
    assert!(r.is_complete());
    assert_eq!(r.streams, 2);
    let f = r
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::CodeExecution)
        .expect("finding");
    assert_eq!(f.stream, 1);
    assert_eq!(r.protocol, Some(2));
}

fn data_file(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).expect("test data")
}

#[test]
fn c6_joblib_raw_block_then_payload() {
    let benign = data_file("joblib_i4be.joblib");
    let r = run(&benign);
    assert!(r.is_complete(), "{:?} {:?}", r.outcome, kinds(&r));
    assert!(r.joblib);
    assert!(r.findings.is_empty(), "{:?}", kinds(&r));

    // Insert a payload after the raw block, before the final STOP (neutral stack effect).
    let stop = benign.len() - 1;
    assert_eq!(benign[stop], b'.');
    let mut evil = benign[..stop].to_vec();
    evil.extend(call_global("os", "system", "id").pop().bytes_out());
    evil.push(b'.');
    let r = run(&evil);
    assert!(r.is_complete(), "{:?}", r.outcome);
    assert!(
        has(&r, FindingKind::CodeExecution, "os.system"),
        "{:?}",
        kinds(&r)
    );
    assert!(r.findings[0].offset as usize >= stop);
}

#[test]
fn joblib_files_are_clean_and_complete() {
    for name in ["f8", "i4be", "u3", "obj", "struct", "scalar0d", "fortran"] {
        let r = run(&data_file(&format!("joblib_{name}.joblib")));
        assert!(r.is_complete(), "{name}: {:?}", r.outcome);
        assert!(r.joblib, "{name}");
        assert!(r.findings.is_empty(), "{name}: {:?}", r.findings);
    }
}

#[test]
fn c7_frame_length_mismatch() {
    // FRAME claims 3 bytes; the SHORT_BINBYTES inside runs past it (CPython reads it anyway).
    let data = Asm::new()
        .proto(4)
        .op(0x95)
        .raw(&3u64.to_le_bytes())
        .bytes(b"hidden")
        .pop()
        .raw(&call_global("os", "system", "id").stop().bytes_out())
        .bytes_out();
    let r = run(&data);
    assert!(r.is_complete(), "{:?}", r.outcome);
    assert!(
        r.findings
            .iter()
            .any(|f| f.kind == FindingKind::Anomaly && f.message.contains("FRAME")),
        "{:?}",
        r.findings
    );
    assert!(has(&r, FindingKind::CodeExecution, "os.system"));
}

#[test]
fn c8_obj_inst_newobj_newobj_ex_build() {
    // OBJ whose result is POPped.
    let obj = Asm::new()
        .mark()
        .global("os", "system")
        .string("id")
        .op(b'o')
        .pop()
        .none()
        .stop();
    let r = run(&obj.bytes_out());
    assert!(r.is_complete());
    assert!(
        r.findings
            .iter()
            .any(|f| f.kind == FindingKind::CodeExecution && f.opcode == "OBJ"),
        "{:?}",
        r.findings
    );

    let inst = Asm::new().mark().string("id").inst("os", "system").stop();
    let r = run(&inst.bytes_out());
    assert!(
        r.findings
            .iter()
            .any(|f| f.kind == FindingKind::CodeExecution && f.opcode == "INST"),
        "{:?}",
        r.findings
    );

    let newobj = Asm::new()
        .proto(2)
        .global("subprocess", "Popen")
        .string("id")
        .tuple1()
        .op(0x81)
        .stop();
    let r = run(&newobj.bytes_out());
    assert!(
        r.findings
            .iter()
            .any(|f| f.kind == FindingKind::CodeExecution && f.opcode == "NEWOBJ"),
        "{:?}",
        r.findings
    );

    let newobj_ex = Asm::new()
        .proto(4)
        .global("subprocess", "Popen")
        .string("id")
        .tuple1()
        .empty_dict()
        .op(0x92)
        .stop();
    let r = run(&newobj_ex.bytes_out());
    assert!(
        r.findings
            .iter()
            .any(|f| f.kind == FindingKind::CodeExecution && f.opcode == "NEWOBJ_EX"),
        "{:?}",
        r.findings
    );

    // BUILD on an instance of a non-allowlisted class: __setstate__ call.
    let build = Asm::new()
        .proto(2)
        .global("evil", "Thing")
        .empty_tuple()
        .op(0x81)
        .empty_dict()
        .build()
        .stop();
    let r = run(&build.bytes_out());
    assert!(
        r.findings
            .iter()
            .any(|f| f.kind == FindingKind::UnknownCallable && f.opcode == "NEWOBJ")
    );
    assert!(
        r.findings
            .iter()
            .any(|f| f.kind == FindingKind::UnknownCallable && f.opcode == "BUILD"),
        "{:?}",
        r.findings
    );
}

#[test]
fn c9_extension_codes() {
    for ext in [
        &[0x82u8, 0x05][..],
        &[0x83, 0x05, 0x01],
        &[0x84, 0x05, 0, 0, 1],
    ] {
        let r = run(&Asm::new()
            .proto(2)
            .raw(ext)
            .string("id")
            .tuple1()
            .reduce()
            .stop()
            .bytes_out());
        assert!(r.is_complete(), "{:?}", r.outcome);
        assert!(
            r.findings
                .iter()
                .any(|f| f.kind == FindingKind::DynamicCall && f.opcode == "REDUCE"),
            "{:?}",
            r.findings
        );
    }
}

#[test]
fn c10_duplicate_proto_invalid_opcode_and_expansion() {
    let r = run(&Asm::new().proto(2).proto(2).none().stop().bytes_out());
    assert!(
        r.findings
            .iter()
            .any(|f| f.kind == FindingKind::Anomaly && f.message.contains("duplicate PROTO"))
    );
    let r = run(&Asm::new().none().proto(2).stop().bytes_out());
    assert!(
        r.findings
            .iter()
            .any(|f| f.kind == FindingKind::Anomaly && f.message.contains("not at the start"))
    );

    let r = run(&Asm::new().proto(2).op(0xff).bytes_out());
    assert!(
        matches!(r.outcome, Outcome::Malformed { offset: 2, .. }),
        "{:?}",
        r.outcome
    );

    // Billion laughs: 9 levels, each a list of 60 GETs of the previous level.
    let mut a = Asm::new().proto(2).op(b']').binput(0);
    for _ in 0..9 {
        a = a.pop().mark();
        for _ in 0..60 {
            a = a.binget(0);
        }
        a = a.op(b'l').binput(0);
    }
    let r = run(&a.stop().bytes_out());
    assert!(r.is_complete(), "{:?}", r.outcome);
    assert!(has_kind(&r, FindingKind::MemoExpansion), "{:?}", r.findings);
}

#[test]
fn d1_pip_main() {
    let a = Asm::new()
        .proto(2)
        .global("pip", "main")
        .op(b']')
        .mark()
        .su("install")
        .su("evil-package")
        .op(b'e')
        .tuple1()
        .reduce()
        .stop();
    let r = run(&a.bytes_out());
    let f = r
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::CodeExecution)
        .expect("pip finding");
    assert_eq!(f.global.as_deref(), Some("pip.main"));
    assert_eq!(f.args.as_deref(), Some("(['install', 'evil-package'],)"));
}

#[test]
fn d2_asyncio_submodule() {
    let a = Asm::new()
        .proto(4)
        .su("asyncio.unix_events")
        .su("_UnixSubprocessTransport._start")
        .stack_global()
        .empty_tuple()
        .reduce()
        .stop();
    let r = run(&a.bytes_out());
    assert!(
        has(
            &r,
            FindingKind::CodeExecution,
            "asyncio.unix_events._UnixSubprocessTransport._start"
        ),
        "{:?}",
        kinds(&r)
    );
}

#[test]
fn d4_universal_resolvers() {
    let a = Asm::new()
        .proto(2)
        .raw(&call_global("pkgutil", "resolve_name", "os:system").bytes_out())
        .string("id")
        .tuple1()
        .reduce()
        .stop();
    let r = run(&a.bytes_out());
    assert!(
        has(&r, FindingKind::ResolverCall, "pkgutil.resolve_name"),
        "{:?}",
        kinds(&r)
    );
    assert!(
        has(&r, FindingKind::DynamicCall, "pkgutil.resolve_name"),
        "{:?}",
        kinds(&r)
    );

    let b = Asm::new()
        .proto(2)
        .raw(&call_global("_operator", "methodcaller", "system").bytes_out())
        .global("os", "path")
        .tuple1()
        .reduce()
        .stop();
    let r = run(&b.bytes_out());
    assert!(
        has(&r, FindingKind::ResolverCall, "_operator.methodcaller"),
        "{:?}",
        kinds(&r)
    );
    assert!(
        has(&r, FindingKind::CodeExecution, "os.path"),
        "{:?}",
        kinds(&r)
    );
}

#[test]
fn d5_code_object_chain() {
    let a = Asm::new()
        .proto(2)
        .global("types", "FunctionType")
        .global("marshal", "loads")
        .raw(&call_global("base64", "b64decode", "YWJj").bytes_out())
        .tuple1()
        .reduce()
        .empty_dict()
        .op(0x86)
        .reduce()
        .empty_tuple()
        .reduce()
        .stop();
    let r = run(&a.bytes_out());
    assert!(r.is_complete(), "{:?}", r.outcome);
    assert!(
        has(&r, FindingKind::UnknownCallable, "base64.b64decode"),
        "{:?}",
        kinds(&r)
    );
    assert!(has(&r, FindingKind::NestedLoader, "marshal.loads"));
    assert!(has(&r, FindingKind::NestedLoader, "types.FunctionType"));
    assert!(has_kind(&r, FindingKind::DynamicCall));
}

#[test]
fn d6_numpy_gadget_with_build() {
    let a = Asm::new()
        .proto(2)
        .global("numpy", "size")
        .global("numpy", "__builtins__")
        .tuple1()
        .reduce()
        .empty_dict()
        .build()
        .stop();
    let r = run(&a.bytes_out());
    assert!(
        has(&r, FindingKind::UnknownCallable, "numpy.size"),
        "{:?}",
        kinds(&r)
    );
    assert!(
        has(&r, FindingKind::CodeExecution, "numpy.__builtins__"),
        "{:?}",
        kinds(&r)
    );
    assert!(
        r.findings.iter().any(|f| f.opcode == "BUILD"),
        "{:?}",
        r.findings
    );
}

#[test]
fn d7_runtime_name_construction() {
    let join = Asm::new()
        .global("builtins", "getattr")
        .global("builtins", "str")
        .string("join")
        .op(0x86)
        .reduce();
    let a = Asm::new()
        .proto(2)
        .global("importlib", "import_module")
        .raw(&join.bytes_out())
        .string("")
        .mark()
        .string("o")
        .string("s")
        .op(b'l')
        .op(0x86)
        .reduce()
        .tuple1()
        .reduce()
        .stop();
    let r = run(&a.bytes_out());
    assert!(
        has(&r, FindingKind::ResolverCall, "builtins.getattr"),
        "{:?}",
        kinds(&r)
    );
    assert!(
        has(&r, FindingKind::ResolverCall, "importlib.import_module"),
        "{:?}",
        kinds(&r)
    );
    assert!(has_kind(&r, FindingKind::DynamicCall));
}

#[test]
fn d8_import_module_and_getattr_static() {
    let a = Asm::new()
        .proto(2)
        .global("inspect", "getattr_static")
        .raw(&call_global("importlib", "import_module", "os").bytes_out())
        .string("system")
        .op(0x86)
        .reduce()
        .string("id")
        .tuple1()
        .reduce()
        .stop();
    let r = run(&a.bytes_out());
    assert!(
        has(&r, FindingKind::ResolverCall, "importlib.import_module"),
        "{:?}",
        kinds(&r)
    );
    assert!(has(&r, FindingKind::ResolverCall, "inspect.getattr_static"));
    assert!(
        has(&r, FindingKind::DynamicCall, "inspect.getattr_static"),
        "{:?}",
        kinds(&r)
    );
}

#[test]
fn d9_embedded_pickle_raw_and_base64() {
    let inner = call_global("os", "system", "id").stop().bytes_out();
    let outer = Asm::new()
        .proto(2)
        .global("pickle", "loads")
        .bytes(&inner)
        .tuple1()
        .reduce()
        .stop()
        .bytes_out();
    let r = run(&outer);
    assert!(r.is_complete());
    assert!(has(&r, FindingKind::NestedLoader, "pickle.loads"));
    assert!(has_kind(&r, FindingKind::EmbeddedPickle));
    let nested = r
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::CodeExecution)
        .expect("nested finding");
    assert_eq!(nested.embedded_at, vec![nested.offset]);
    assert_eq!(nested.global.as_deref(), Some("os.system"));
    assert!(
        r.globals.iter().all(|g| g.module != "os"),
        "nested globals are not top-level globals"
    );

    let b64 = "Y29zCnN5c3RlbQpTJ2lkJwqFUi4="; // base64 of the inner pickle above
    let outer = Asm::new()
        .proto(2)
        .global("pickle", "loads")
        .global("base64", "b64decode")
        .su(b64)
        .tuple1()
        .reduce()
        .tuple1()
        .reduce()
        .stop()
        .bytes_out();
    let r = run(&outer);
    assert!(
        r.findings
            .iter()
            .any(|f| f.kind == FindingKind::CodeExecution && !f.embedded_at.is_empty()),
        "{:?}",
        r.findings
    );
}

#[test]
fn d10_scanner_deactivation() {
    let r = run(&call_global("fickling", "always_safe", "x")
        .stop()
        .bytes_out());
    assert!(
        has(&r, FindingKind::ScannerEvasion, "fickling.always_safe"),
        "{:?}",
        kinds(&r)
    );
    let r = run(&Asm::new()
        .proto(4)
        .su("pickle")
        .su("_loads")
        .stack_global()
        .bytes(b"x")
        .tuple1()
        .reduce()
        .stop()
        .bytes_out());
    assert!(
        has(&r, FindingKind::ScannerEvasion, "pickle._loads"),
        "{:?}",
        kinds(&r)
    );
}

#[test]
fn python2_names_are_mapped_below_protocol_3() {
    let r = run(&Asm::new()
        .proto(2)
        .raw(&call_global("__builtin__", "eval", "1").bytes_out())
        .stop()
        .bytes_out());
    assert!(
        has(&r, FindingKind::CodeExecution, "builtins.eval"),
        "{:?}",
        kinds(&r)
    );
    let r = run(&call_global("commands", "getoutput", "id")
        .stop()
        .bytes_out());
    assert!(
        has(&r, FindingKind::CodeExecution, "subprocess.getoutput"),
        "{:?}",
        kinds(&r)
    );
}

#[test]
fn referenced_only_globals() {
    // Denylisted but only referenced: keeps its family.
    let r = run(&Asm::new()
        .proto(2)
        .global("os", "system")
        .stop()
        .bytes_out());
    assert!(
        has(&r, FindingKind::CodeExecution, "os.system"),
        "{:?}",
        kinds(&r)
    );
    // Unknown and only referenced: UnknownGlobal.
    let r = run(&Asm::new()
        .proto(2)
        .global("numpy", "log")
        .stop()
        .bytes_out());
    assert!(
        has(&r, FindingKind::UnknownGlobal, "numpy.log"),
        "{:?}",
        kinds(&r)
    );
    assert!(no_high(&r));
}

#[test]
fn identical_findings_are_capped() {
    let mut a = Asm::new()
        .proto(2)
        .global("os", "system")
        .binput(0)
        .pop()
        .mark();
    for _ in 0..40 {
        a = a.binget(0).string("id").tuple1().reduce();
    }
    let r = run(&a.op(b'l').stop().bytes_out());
    let n = r
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::CodeExecution)
        .count();
    assert_eq!(n, 16);
    assert!(
        r.findings.iter().any(|f| f.message.contains("24 more")),
        "{:?}",
        r.findings.last()
    );
}

#[test]
fn legacy_torch_streams() {
    let magic: [u8; 10] = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
    let mut data = Asm::new()
        .proto(2)
        .op(0x8a)
        .raw(&[10])
        .raw(&magic)
        .stop()
        .proto(2)
        .op(b'M')
        .raw(&1001u16.to_le_bytes())
        .stop()
        .proto(2)
        .empty_dict()
        .stop()
        .proto(2)
        .empty_dict()
        .stop()
        .proto(2)
        .op(b']')
        .stop()
        .bytes_out();
    data.extend_from_slice(&[0x00, 0x00, 0x80, 0x3f, 0xde, 0xad]); // raw storage bytes
    let r = run(&data);
    assert!(r.legacy_torch);
    assert_eq!(r.streams, 5);
    assert!(r.is_complete(), "{:?}", r.outcome);
    assert!(r.findings.is_empty(), "{:?}", r.findings);

    // B2: magic produced by eval still recognised through the 1001 stream; eval reported.
    let data = Asm::new()
        .raw(
            &call_global("builtins", "eval", "0x1950a86a20f9469cfc6c")
                .stop()
                .bytes_out(),
        )
        .proto(2)
        .op(b'M')
        .raw(&1001u16.to_le_bytes())
        .stop()
        .bytes_out();
    let r = run(&data);
    assert!(r.legacy_torch);
    assert!(has(&r, FindingKind::CodeExecution, "builtins.eval"));
}

#[test]
fn trailing_data_and_broken_second_stream() {
    let r = run(&Asm::new()
        .proto(2)
        .none()
        .stop()
        .raw(b"\x00\x01garbage")
        .bytes_out());
    assert!(r.is_complete());
    assert!(
        r.findings
            .iter()
            .any(|f| f.kind == FindingKind::Anomaly && f.message.contains("trailing"))
    );
    assert_eq!(r.end_offset, 4);

    let r = run(&Asm::new().proto(2).none().stop().raw(b"(K").bytes_out());
    assert!(
        matches!(r.outcome, Outcome::Malformed { offset: 5, .. }),
        "{:?}",
        r.outcome
    );
}

#[test]
fn stack_underflow_and_pop_past_mark_are_malformed() {
    let r = run(b"R.");
    assert!(matches!(r.outcome, Outcome::Malformed { offset: 0, .. }));
    let r = run(b"N(0.");
    assert!(
        r.is_complete(),
        "POP of an empty mark pops the mark: {:?}",
        r.outcome
    );
    let r = run(b"N(\x85.");
    assert!(
        matches!(r.outcome, Outcome::Malformed { offset: 2, .. }),
        "{:?}",
        r.outcome
    );
    let r = run(b"");
    assert!(matches!(r.outcome, Outcome::Malformed { .. }));
}

#[test]
fn limits_are_enforced() {
    let limits = Limits {
        max_opcodes: 3,
        ..Limits::default()
    };
    let r = analyze(
        &call_global("os", "system", "id").stop().bytes_out(),
        &limits,
    );
    assert!(
        matches!(
            r.outcome,
            Outcome::LimitExceeded {
                limit: "max_opcodes",
                ..
            }
        ),
        "{:?}",
        r.outcome
    );
    assert!(has_kind(&r, FindingKind::LimitExceeded));

    let limits = Limits {
        max_stack_depth: 4,
        ..Limits::default()
    };
    let r = analyze(b"NNNNNNNN.", &limits);
    assert!(matches!(
        r.outcome,
        Outcome::LimitExceeded {
            limit: "max_stack_depth",
            ..
        }
    ));

    let limits = Limits {
        max_streams: 2,
        ..Limits::default()
    };
    let r = analyze(b"N.N.N.N.", &limits);
    assert!(matches!(
        r.outcome,
        Outcome::LimitExceeded {
            limit: "max_streams",
            ..
        }
    ));
}

// ----- benign look-alikes ---------------------------------------------------------------------

#[test]
fn benign_cpython_pickles_have_no_findings() {
    for proto in 0..=5 {
        for stem in ["stdlib", "ordereddict"] {
            let name = format!("{stem}_p{proto}.pkl");
            let r = run(&data_file(&name));
            assert!(r.is_complete(), "{name}: {:?}", r.outcome);
            assert!(r.findings.is_empty(), "{name}: {:?}", r.findings);
            assert_eq!(r.streams, 1);
        }
    }
    let r = run(&data_file("concat_p2.pkl"));
    assert!(r.is_complete() && r.findings.is_empty() && r.streams == 2);
}

#[test]
fn benign_numpy_pickles() {
    for proto in [2, 4, 5] {
        let r = run(&data_file(&format!("numpy_p{proto}.pkl")));
        assert!(r.is_complete(), "{:?}", r.outcome);
        assert!(r.findings.is_empty(), "p{proto}: {:?}", r.findings);
    }
}

#[test]
fn benign_torch_rebuild_tensor_with_binpersid() {
    // Shape of a torch ZIP data.pkl: OrderedDict of _rebuild_tensor_v2 over persistent storages.
    let a = Asm::new()
        .proto(2)
        .global("collections", "OrderedDict")
        .binput(0)
        .empty_tuple()
        .reduce()
        .binput(1)
        .su("layer.weight")
        .global("torch._utils", "_rebuild_tensor_v2")
        .binput(2)
        .mark()
        .mark()
        .su("storage")
        .global("torch", "FloatStorage")
        .su("0")
        .su("cpu")
        .int(6)
        .tuple()
        .op(b'Q')
        .int(0)
        .int(2)
        .int(3)
        .op(0x86)
        .int(3)
        .int(1)
        .op(0x86)
        .op(0x89)
        .global("collections", "OrderedDict")
        .empty_tuple()
        .reduce()
        .tuple()
        .reduce()
        .op(b's')
        .stop();
    let r = run(&a.bytes_out());
    assert!(r.is_complete(), "{:?}", r.outcome);
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    assert!(r.globals.iter().all(|g| g.allowlisted));
}

#[test]
fn benign_sklearn_like_newobj_build_and_reconstructor() {
    let a = Asm::new()
        .proto(2)
        .global("sklearn.linear_model._base", "LinearRegression")
        .empty_tuple()
        .op(0x81)
        .empty_dict()
        .su("fit_intercept")
        .op(0x88)
        .op(b's')
        .build()
        .global("copyreg", "_reconstructor")
        .global("sklearn.tree._tree", "Tree")
        .global("builtins", "object")
        .none()
        .op(0x87)
        .reduce()
        .op(0x86)
        .stop();
    let r = run(&a.bytes_out());
    assert!(r.is_complete(), "{:?}", r.outcome);
    assert!(no_high(&r), "{:?}", r.findings);
    assert!(r.findings.is_empty(), "{:?}", r.findings);

    // The same trampoline with a non-allowlisted class is a call of that class.
    let a = Asm::new()
        .proto(2)
        .global("copyreg", "_reconstructor")
        .global("evil", "Gadget")
        .global("builtins", "object")
        .none()
        .op(0x87)
        .reduce()
        .stop();
    let r = run(&a.bytes_out());
    assert!(
        has(&r, FindingKind::UnknownCallable, "evil.Gadget"),
        "{:?}",
        kinds(&r)
    );
}
