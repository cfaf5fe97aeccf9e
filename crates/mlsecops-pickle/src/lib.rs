//! `mlsecops-pickle`: find code execution in Python pickle streams without ever loading them.
//!
//! Three layers, all total (never panic) and bounded on hostile input:
//!
//! 1. **Decoder** ([`decode`]): every opcode of protocols 0–5 as `(offset, opcode, argument)`
//!    with arguments borrowed from the input; text arguments parsed with `CPython`'s rules;
//!    declared lengths checked against the remaining input before anything is touched.
//! 2. **Symbolic VM** (private): `CPython` `_Unpickler` semantics — stack, mark stack, memo
//!    (explicit indices and `MEMOIZE`), `GLOBAL`/`STACK_GLOBAL`/`INST` resolution with the
//!    Python-2 compatibility map for protocol < 3, and every call site (`REDUCE`, `INST`, `OBJ`,
//!    `NEWOBJ`, `NEWOBJ_EX`, `BUILD`, container mutation of non-containers, `EXT*`). Values are
//!    arena indices, so `GET`/`DUP` never copy (billion-laughs safe). It follows concatenated
//!    streams, legacy `PyTorch` files (5 stacked pickles then raw storage bytes) and joblib files
//!    (raw array blocks written inline after each `NumpyArrayWrapper`), and recursively analyses
//!    pickles embedded in bytes/str literals (raw or base64).
//! 3. **Policy** ([`policy`]): allowlist first, denylist for the finding family. See
//!    [`policy::classify`] for the rules and [`policy::ALLOWLIST`] / [`policy::DENYLIST`] for the
//!    tables.
//!
//! # Allowlist (summary)
//!
//! Torch rebuild helpers (`torch._utils._rebuild_*`, `torch._tensor._rebuild_from_type_v2`,
//! `torch.serialization._get_layout`), `torch.*Storage`, torch dtypes/layouts, `torch.device`,
//! `torch.Size`, `torch.nn.parameter.Parameter`; `collections.OrderedDict`/`defaultdict`/
//! `Counter`/`deque`; numpy reconstruction (`numpy(._)core.multiarray._reconstruct`/`scalar`,
//! `numpy.ndarray`, `numpy.dtype`, `numpy.random._pickle` constructors and bit generators,
//! `numpy.ma.core._mareconstruct`); `_codecs.encode`; `copyreg._reconstructor`,
//! `copyreg.__newobj__`; harmless builtins (`set`, `frozenset`, `slice`, `complex`, `range`,
//! `bytearray`, `object`, `list`, `dict`, `tuple`, `int`, `float`, `str`, `bytes`, `bool`);
//! `datetime` types; `decimal.Decimal`; `fractions.Fraction`; `uuid.UUID`; concrete `pathlib`
//! path classes; joblib array wrappers; CamelCase classes under `sklearn.`, `xgboost.`,
//! `lightgbm.`, `scipy.sparse.` (plus its `*_matrix`/`*_array` containers), `tokenizers.`,
//! `torch.nn.modules.`, and config/tokenizer classes under `transformers.`.
//!
//! # Limits
//!
//! See [`Limits`]. Hitting one yields a [`FindingKind::LimitExceeded`] finding and an
//! [`Outcome::LimitExceeded`] (analysis incomplete). joblib raw blocks whose length cannot be
//! computed are skipped with a bounded resynchronisation scan ([`Limits::joblib_resync_bytes`]).
//!
//! ```
//! let analysis = mlsecops_pickle::analyze(b"cos\nsystem\n(S'id'\ntR.", &Default::default());
//! assert!(analysis.is_complete());
//! assert_eq!(analysis.findings[0].global.as_deref(), Some("os.system"));
//! assert_eq!(analysis.findings[0].kind.rule_id(), "pickle-code-execution");
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![warn(clippy::indexing_slicing, clippy::arithmetic_side_effects)]

pub mod decode;
mod embedded;
mod opcode;
pub mod policy;
mod sniff;
mod text;
mod vm;

pub use opcode::{Opcode, opcode_name};
pub use sniff::sniff;

/// Resource limits for one analysis. All caps are inclusive maxima.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Opcodes decoded per file, over all streams and nested payloads (default 50,000,000;
    /// large `PyTorch` checkpoints have many small opcodes, fickling uses 1,000,000 per pickle).
    pub max_opcodes: u64,
    /// VM stack depth (default 10,000).
    pub max_stack_depth: usize,
    /// Memo entries per stream (default 1,000,000).
    pub max_memo_entries: usize,
    /// Total literal bytes examined for embedded payloads (sniffing windows plus base64
    /// decoding), over the whole analysis (default 512 MiB). Literals are borrowed, never copied
    /// for the VM itself.
    pub max_literal_bytes: u64,
    /// Nesting depth of embedded pickles analysed recursively (default 4).
    pub max_embedded_depth: u32,
    /// Mark-stack depth (default 10,000).
    pub max_mark_depth: usize,
    /// Concatenated pickle streams per file (default 10,000).
    pub max_streams: u32,
    /// Bytes scanned to resynchronise after a joblib raw array block of unknown length
    /// (default 1 MiB).
    pub joblib_resync_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_opcodes: 50_000_000,
            max_stack_depth: 10_000,
            max_memo_entries: 1_000_000,
            max_literal_bytes: 512 * 1024 * 1024,
            max_embedded_depth: 4,
            max_mark_depth: 10_000,
            max_streams: 10_000,
            joblib_resync_bytes: 1024 * 1024,
        }
    }
}

/// Analyses `data` as one or more concatenated pickle streams. Never panics, never loads
/// anything; bounded by `limits`.
pub fn analyze(data: &[u8], limits: &Limits) -> Analysis {
    vm::analyze_root(data, limits)
}

/// Result of [`analyze`].
#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    /// Findings, in offset order (embedded findings sort at their outermost literal).
    pub findings: Vec<Finding>,
    /// Every distinct resolved global of the top-level streams, in order of first reference.
    pub globals: Vec<GlobalRef>,
    /// Streams analysed to their STOP.
    pub streams: u32,
    /// Opcodes decoded (top level and nested).
    pub opcodes: u64,
    /// Highest PROTO seen at top level.
    pub protocol: Option<u8>,
    /// Legacy (non-ZIP) `PyTorch` file: magic-number stream or protocol-version 1001 stream.
    pub legacy_torch: bool,
    /// joblib `NumpyArrayWrapper` seen (raw array blocks were skipped).
    pub joblib: bool,
    /// Offset where analysis stopped.
    pub end_offset: u64,
    /// How the analysis ended.
    pub outcome: Outcome,
}

impl Analysis {
    /// True when every byte that `CPython` would unpickle was analysed.
    pub fn is_complete(&self) -> bool {
        matches!(self.outcome, Outcome::Complete)
    }
}

/// How an analysis ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// All streams analysed (trailing non-pickle data, legacy torch storage bytes and joblib
    /// raw blocks are not errors).
    Complete,
    /// The input is not a valid pickle from `offset` on (findings before it are kept).
    Malformed {
        /// Offset of the failing opcode.
        offset: u64,
        /// What went wrong.
        message: String,
    },
    /// A [`Limits`] cap was hit.
    LimitExceeded {
        /// Name of the `Limits` field.
        limit: &'static str,
        /// Offset where it was hit.
        offset: u64,
    },
}

/// A global referenced by the pickle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GlobalRef {
    /// Module, after the Python-2 compatibility mapping when it applied.
    pub module: String,
    /// Name (may be dotted).
    pub name: String,
    /// Offset of the first opcode that produced it.
    pub offset: u64,
    /// Called directly (or through a known trampoline) at least once.
    pub called: bool,
    /// On the allowlist.
    pub allowlisted: bool,
}

impl GlobalRef {
    /// `module.name`.
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.module, self.name)
    }
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Family.
    pub kind: FindingKind,
    /// Byte offset of the opcode in `data`. For findings inside embedded pickles this is the
    /// offset of the outermost enclosing literal (see `embedded_at`); the offset inside the
    /// payload is given in `message`.
    pub offset: u64,
    /// Index of the opcode (0-based, over all top-level streams; inside the payload for
    /// embedded findings).
    pub opcode_index: u64,
    /// 0-based stream index (inside the payload for embedded findings).
    pub stream: u32,
    /// `CPython` opcode name, e.g. `"REDUCE"`.
    pub opcode: &'static str,
    /// Fully qualified global, e.g. `"posix.system"`.
    pub global: Option<String>,
    /// Short rendering of literal call arguments (at most 200 characters).
    pub args: Option<String>,
    /// Offsets of the enclosing literals for embedded pickles, outermost first (the first is an
    /// offset in `data`, each next one an offset inside the previous payload). Empty at top level.
    pub embedded_at: Vec<u64>,
    /// One human sentence.
    pub message: String,
}

/// Finding families. Severities live in the caller's registry; suggested levels are noted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FindingKind {
    /// Calls or references code execution (critical).
    CodeExecution,
    /// Disables or bypasses scanners (critical).
    ScannerEvasion,
    /// Universal resolvers and trampolines (high).
    ResolverCall,
    /// Nested deserialisers (high).
    NestedLoader,
    /// Network access (high).
    NetworkAccess,
    /// Filesystem access (high).
    FilesystemAccess,
    /// Non-allowlisted callable is called (high).
    UnknownCallable,
    /// Call target computed at load time (high).
    DynamicCall,
    /// Non-allowlisted global referenced but not called (medium).
    UnknownGlobal,
    /// A literal holds a pickle (medium).
    EmbeddedPickle,
    /// GET/DUP expansion (billion laughs) (high).
    MemoExpansion,
    /// Not a valid pickle from here on (medium).
    Malformed,
    /// Structural oddity (low).
    Anomaly,
    /// A resource cap was hit (medium).
    LimitExceeded,
}

impl FindingKind {
    /// Stable rule id, e.g. `"pickle-code-execution"`.
    pub fn rule_id(self) -> &'static str {
        match self {
            Self::CodeExecution => "pickle-code-execution",
            Self::ScannerEvasion => "pickle-scanner-evasion",
            Self::ResolverCall => "pickle-resolver-call",
            Self::NestedLoader => "pickle-nested-loader",
            Self::NetworkAccess => "pickle-network-access",
            Self::FilesystemAccess => "pickle-filesystem-access",
            Self::UnknownCallable => "pickle-unknown-callable",
            Self::DynamicCall => "pickle-dynamic-call",
            Self::UnknownGlobal => "pickle-unknown-global",
            Self::EmbeddedPickle => "pickle-embedded-pickle",
            Self::MemoExpansion => "pickle-memo-expansion",
            Self::Malformed => "pickle-malformed",
            Self::Anomaly => "pickle-anomaly",
            Self::LimitExceeded => "pickle-limit-exceeded",
        }
    }

    /// Every kind, in declaration order.
    pub const ALL: [FindingKind; 14] = [
        Self::CodeExecution,
        Self::ScannerEvasion,
        Self::ResolverCall,
        Self::NestedLoader,
        Self::NetworkAccess,
        Self::FilesystemAccess,
        Self::UnknownCallable,
        Self::DynamicCall,
        Self::UnknownGlobal,
        Self::EmbeddedPickle,
        Self::MemoExpansion,
        Self::Malformed,
        Self::Anomaly,
        Self::LimitExceeded,
    ];

    /// True for the families the lead's registry rates high or critical.
    pub fn is_high_or_above(self) -> bool {
        !matches!(
            self,
            Self::UnknownGlobal
                | Self::EmbeddedPickle
                | Self::Malformed
                | Self::Anomaly
                | Self::LimitExceeded
        )
    }
}
