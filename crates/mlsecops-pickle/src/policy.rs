//! Layer 3: the import policy — allowlist first, denylist for severity.
//!
//! [`classify`] takes a module and a (possibly dotted) name, as `find_class` would receive them,
//! and returns whether the fully qualified path is allowlisted, denylisted (with the
//! [`FindingKind`] family and a reason), or unknown.
//!
//! # Rules
//!
//! 1. Python 2 module names are normalised (`__builtin__` → `builtins`, `copy_reg` → `copyreg`,
//!    `cPickle` → `pickle`, `commands` → `subprocess`, …) before matching.
//! 2. Every dotted component is checked. The denylist is matched by component prefix against the
//!    full path and against every suffix that starts inside the *name* (so module `pathlib` with
//!    name `os.system` matches the `os` family). Entries cover their submodules (`asyncio` covers
//!    `asyncio.unix_events`; CVE-2025-10157), but `os` never matches `osx`.
//! 3. A name component that is a dunder (`__class__`, `__globals__`, `__subclasses__`, …) is an
//!    introspection chain and always denied.
//! 4. When several families match, the most severe wins, in the order `ScannerEvasion`,
//!    `CodeExecution`, `NestedLoader`, `ResolverCall`, `NetworkAccess`, `FilesystemAccess`, `UnknownCallable`.
//! 5. Only names without dots can be allowlisted: exact `(module, name)` pairs in [`ALLOWLIST`]
//!    plus a few class-shaped families: `torch.*Storage` and torch dtypes/layouts, `datetime`
//!    types, CamelCase classes under `sklearn.`, `xgboost.`, `lightgbm.`, `scipy.sparse.`
//!    (and its lowercase `*_matrix`/`*_array` containers), `tokenizers.`, `torch.nn.modules.`,
//!    config/tokenizer classes under `transformers.`, and numpy bit-generator classes.
//! 6. Everything else is unknown: called → `UnknownCallable`, referenced → `UnknownGlobal`.

use crate::FindingKind;

/// Outcome of [`classify`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Classification {
    /// On the allowlist: loading or calling it is expected in model files.
    Allowed,
    /// On the denylist.
    Denied {
        /// Finding family.
        kind: FindingKind,
        /// Short human reason, e.g. "operating-system command execution".
        reason: &'static str,
    },
    /// Neither: not allowlisted, no known-dangerous family.
    Unknown,
}

impl Classification {
    /// True for [`Classification::Allowed`].
    pub fn is_allowed(self) -> bool {
        matches!(self, Self::Allowed)
    }
}

use FindingKind::{
    CodeExecution as CE, FilesystemAccess as FS, NestedLoader as NL, NetworkAccess as NET,
    ResolverCall as RES, ScannerEvasion as EV, UnknownCallable as GAD,
};

const OS: &str = "operating-system command execution";
const EXEC: &str = "arbitrary Python code execution";
const PKG: &str = "package installation or environment modification";
const NATIVE: &str = "native code loading";
const SHELL: &str = "shell command through a standard-library internal";
const TORCH: &str = "PyTorch code-execution gadget";
const THIRD: &str = "third-party code execution";
const RESOLVE: &str = "resolves or calls an arbitrary attribute";
const NESTED: &str = "nested deserialisation of attacker data";
const NETR: &str = "network access";
const FSR: &str = "filesystem access";
const EVADE: &str = "disables or bypasses pickle scanners";
const GADGET: &str = "known bypass gadget";

/// Denylist: dotted path prefix (matched by whole components), family, reason.
pub static DENYLIST: &[(&str, FindingKind, &str)] = &[
    // Builtins.
    ("builtins.eval", CE, EXEC),
    ("builtins.exec", CE, EXEC),
    ("builtins.compile", CE, EXEC),
    ("builtins.open", CE, "opens arbitrary files"),
    ("builtins.__import__", CE, EXEC),
    ("builtins.__build_class__", CE, EXEC),
    ("builtins.breakpoint", CE, EXEC),
    ("builtins.input", CE, "reads interactive input"),
    ("builtins.globals", CE, EXEC),
    ("builtins.locals", CE, EXEC),
    ("builtins.vars", CE, EXEC),
    ("builtins.apply", CE, EXEC),
    ("builtins.execfile", CE, EXEC),
    ("builtins.getattr", RES, RESOLVE),
    ("builtins.setattr", RES, RESOLVE),
    ("builtins.delattr", RES, RESOLVE),
    // OS and processes.
    ("os", CE, OS),
    ("posix", CE, OS),
    ("nt", CE, OS),
    ("subprocess", CE, OS),
    ("_posixsubprocess", CE, OS),
    ("pty", CE, OS),
    ("commands", CE, OS),
    ("multiprocessing", CE, OS),
    ("_multiprocessing", CE, OS),
    ("_thread", CE, EXEC),
    ("threading", CE, EXEC),
    ("signal", CE, EXEC),
    // Code execution modules.
    ("runpy", CE, EXEC),
    ("code", CE, EXEC),
    ("codeop", CE, EXEC),
    ("timeit", CE, EXEC),
    ("cProfile", CE, EXEC),
    ("profile", CE, EXEC),
    ("_lsprof", CE, EXEC),
    ("trace", CE, EXEC),
    ("pdb", CE, EXEC),
    ("bdb", CE, EXEC),
    ("doctest", CE, EXEC),
    ("idlelib", CE, EXEC),
    ("lib2to3", CE, EXEC),
    (
        "logging.config",
        CE,
        "configuration that instantiates arbitrary classes",
    ),
    ("numpy.testing._private.utils.runstring", CE, EXEC),
    ("numpy.f2py", CE, EXEC),
    ("numpy.distutils", CE, OS),
    ("ctypes", CE, NATIVE),
    ("_ctypes", CE, NATIVE),
    ("pip", CE, PKG),
    ("ensurepip", CE, PKG),
    ("venv", CE, PKG),
    ("site", CE, PKG),
    ("setuptools", CE, PKG),
    ("distutils.spawn", CE, OS),
    ("uuid._get_command_stdout", CE, SHELL),
    ("uuid._popen", CE, SHELL),
    ("_osx_support", CE, SHELL),
    ("_aix_support", CE, SHELL),
    ("_pyrepl", CE, SHELL),
    ("pydoc.pipepager", CE, SHELL),
    ("pydoc.tempfilepager", CE, SHELL),
    ("pydoc.pager", CE, SHELL),
    ("pydoc.getpager", CE, SHELL),
    ("imaplib.IMAP4_stream", CE, SHELL),
    ("test.support", CE, SHELL),
    ("platform.popen", CE, SHELL),
    ("platform._syscmd_file", CE, SHELL),
    ("platform._syscmd_ver", CE, SHELL),
    ("asyncio", CE, "asyncio subprocess and event-loop internals"),
    // PyTorch gadgets.
    ("torch.utils.collect_env", CE, TORCH),
    ("torch._inductor", CE, TORCH),
    ("torch.jit", CE, TORCH),
    ("torch._dynamo", CE, TORCH),
    ("torch.fx.experimental.symbolic_shapes", CE, TORCH),
    ("torch.utils.bottleneck", CE, TORCH),
    ("torch.utils.cpp_extension", CE, TORCH),
    ("torch.hub", CE, TORCH),
    ("torch.distributed.rpc", CE, TORCH),
    ("torch.compile", CE, TORCH),
    ("torch.utils._config_module", CE, TORCH),
    ("torch.utils.data.datapipes", CE, TORCH),
    // Third-party execution.
    ("mlflow.projects", CE, THIRD),
    ("sympy.utilities.lambdify", CE, THIRD),
    ("sympy.parsing", CE, THIRD),
    ("sympy.sympify", CE, THIRD),
    ("sympy.core.sympify", CE, THIRD),
    ("transformers.dynamic_module_utils", CE, THIRD),
    // Resolvers and trampolines.
    ("pkgutil", RES, RESOLVE),
    ("importlib", RES, "imports an arbitrary module"),
    ("pydoc.locate", RES, RESOLVE),
    ("operator", RES, RESOLVE),
    ("_operator", RES, RESOLVE),
    ("functools", RES, "calls a function passed as data"),
    ("inspect", RES, RESOLVE),
    ("zipimport", RES, "imports code from an archive"),
    (
        "copyreg.add_extension",
        RES,
        "rewrites the pickle extension registry",
    ),
    ("copyreg.pickle", RES, "rewrites pickle reducers"),
    (
        "transformers.models.auto.auto_factory.getattribute_from_module",
        RES,
        RESOLVE,
    ),
    // Nested loaders.
    ("pickle", NL, NESTED),
    ("_pickle", NL, NESTED),
    ("dill", NL, NESTED),
    ("cloudpickle", NL, NESTED),
    ("jsonpickle", NL, NESTED),
    ("joblib.load", NL, NESTED),
    ("joblib.numpy_pickle.load", NL, NESTED),
    ("joblib.numpy_pickle.NumpyUnpickler", NL, NESTED),
    ("joblib.numpy_pickle_compat.load_compatibility", NL, NESTED),
    ("marshal", NL, "loads marshalled code objects"),
    ("types.CodeType", NL, "constructs a code object"),
    (
        "types.FunctionType",
        NL,
        "constructs a function from a code object",
    ),
    (
        "types.LambdaType",
        NL,
        "constructs a function from a code object",
    ),
    ("types.MethodType", NL, "binds an arbitrary function"),
    ("torch.load", NL, NESTED),
    ("torch.serialization.load", NL, NESTED),
    ("torch.serialization._load", NL, NESTED),
    ("torch.storage._load_from_bytes", NL, NESTED),
    ("torch.package", NL, NESTED),
    ("numpy.load", NL, NESTED),
    ("numpy.lib.npyio.load", NL, NESTED),
    ("numpy.lib._npyio_impl.load", NL, NESTED),
    ("numpy.lib.format.read_array", NL, NESTED),
    ("pandas.read_pickle", NL, NESTED),
    ("yaml.load", NL, NESTED),
    ("yaml.load_all", NL, NESTED),
    ("yaml.unsafe_load", NL, NESTED),
    ("yaml.unsafe_load_all", NL, NESTED),
    ("yaml.full_load", NL, NESTED),
    ("yaml.full_load_all", NL, NESTED),
    ("yaml.UnsafeLoader", NL, NESTED),
    ("yaml.Loader", NL, NESTED),
    ("yaml.FullLoader", NL, NESTED),
    ("shelve", NL, NESTED),
    // Network.
    ("socket", NET, NETR),
    ("_socket", NET, NETR),
    ("ssl", NET, NETR),
    ("_ssl", NET, NETR),
    ("http", NET, NETR),
    ("httplib", NET, NETR),
    ("urllib", NET, NETR),
    ("urllib2", NET, NETR),
    ("urllib3", NET, NETR),
    ("requests", NET, NETR),
    ("aiohttp", NET, NETR),
    ("httpx", NET, NETR),
    ("webbrowser", NET, NETR),
    ("smtplib", NET, NETR),
    ("imaplib", NET, NETR),
    ("ftplib", NET, NETR),
    ("poplib", NET, NETR),
    ("telnetlib", NET, NETR),
    ("nntplib", NET, NETR),
    ("socketserver", NET, NETR),
    ("xmlrpc", NET, NETR),
    ("xmlrpclib", NET, NETR),
    ("select", NET, NETR),
    ("selectors", NET, NETR),
    ("asyncore", NET, NETR),
    ("asynchat", NET, NETR),
    // Filesystem.
    ("shutil", FS, FSR),
    ("tempfile", FS, FSR),
    ("distutils", FS, FSR),
    ("logging.FileHandler", FS, FSR),
    ("logging.handlers", FS, FSR),
    ("_io", FS, FSR),
    ("io.open", FS, FSR),
    ("io.open_code", FS, FSR),
    ("io.FileIO", FS, FSR),
    ("fileinput", FS, FSR),
    ("glob", FS, FSR),
    ("tarfile", FS, FSR),
    ("zipfile", FS, FSR),
    ("sqlite3", FS, FSR),
    ("_sqlite3", FS, FSR),
    ("linecache", FS, FSR),
    ("filecmp", FS, FSR),
    ("compileall", FS, FSR),
    ("py_compile", FS, FSR),
    ("gzip.open", FS, FSR),
    ("gzip.GzipFile", FS, FSR),
    ("bz2.open", FS, FSR),
    ("bz2.BZ2File", FS, FSR),
    ("lzma.open", FS, FSR),
    ("lzma.LZMAFile", FS, FSR),
    ("dbm", FS, FSR),
    ("ntpath", FS, FSR),
    ("posixpath", FS, FSR),
    ("mmap", FS, "memory-maps files"),
    // Scanner deactivation.
    ("fickling", EV, EVADE),
    ("picklescan", EV, EVADE),
    ("modelscan", EV, EVADE),
    ("model_unpickler", EV, EVADE),
    ("saferpickle", EV, EVADE),
    ("modelaudit", EV, EVADE),
    // Candidate gadgets: at least "unknown callable", even when only referenced.
    ("getpass", GAD, GADGET),
    ("resource", GAD, GADGET),
    ("syslog", GAD, GADGET),
    ("weakref.finalize", GAD, GADGET),
    ("atexit", GAD, GADGET),
    ("xml.dom.minidom", GAD, GADGET),
    ("xml.etree", GAD, GADGET),
    ("gc", GAD, GADGET),
    ("sys", GAD, GADGET),
];

/// Exact globals that are safe although they live under a denied module (sorted). Each one is
/// a pure data constructor or a lookup whose result the VM judges separately.
pub static ALLOW_OVERRIDES: &[(&str, &str)] = &[
    // dill: array rebuild (calls its first argument, checked as a trampoline) and the
    // type-table lookup (resolved statically by the VM).
    ("dill._dill", "_create_array"),
    ("dill._dill", "_load_type"),
    ("dill.dill", "_load_type"),
    // TorchScript archive list/tensor builders (torch/jit/_pickle.py): data only.
    ("torch.jit._pickle", "build_boollist"),
    ("torch.jit._pickle", "build_doublelist"),
    ("torch.jit._pickle", "build_intlist"),
    ("torch.jit._pickle", "build_tensor_from_id"),
    ("torch.jit._pickle", "build_tensorlist"),
    ("torch.jit._pickle", "restore_type_tag"),
];

/// Allowlist of exact `(module, name)` pairs, sorted for binary search.
pub static ALLOWLIST: &[(&str, &str)] = &[
    ("_codecs", "encode"),
    ("builtins", "bool"),
    ("builtins", "bytearray"),
    ("builtins", "bytes"),
    ("builtins", "complex"),
    ("builtins", "dict"),
    ("builtins", "float"),
    ("builtins", "frozenset"),
    ("builtins", "int"),
    ("builtins", "list"),
    ("builtins", "object"),
    ("builtins", "range"),
    ("builtins", "set"),
    ("builtins", "slice"),
    ("builtins", "str"),
    ("builtins", "tuple"),
    ("collections", "Counter"),
    ("collections", "OrderedDict"),
    ("collections", "defaultdict"),
    ("collections", "deque"),
    ("copyreg", "__newobj__"),
    ("copyreg", "_reconstructor"),
    ("decimal", "Decimal"),
    ("fractions", "Fraction"),
    ("joblib.numpy_pickle", "NumpyArrayWrapper"),
    ("joblib.numpy_pickle_compat", "NDArrayWrapper"),
    ("joblib.numpy_pickle_compat", "ZNDArrayWrapper"),
    ("numpy", "dtype"),
    ("numpy", "matrix"),
    ("numpy", "ndarray"),
    ("numpy", "recarray"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy.ma.core", "MaskedArray"),
    ("numpy.ma.core", "_mareconstruct"),
    ("numpy.random._pickle", "__bit_generator_ctor"),
    ("numpy.random._pickle", "__generator_ctor"),
    ("numpy.random._pickle", "__randomstate_ctor"),
    ("pathlib", "PosixPath"),
    ("pathlib", "PurePosixPath"),
    ("pathlib", "PureWindowsPath"),
    ("pathlib", "WindowsPath"),
    ("torch", "Size"),
    ("torch", "device"),
    ("torch._tensor", "_rebuild_from_type_v2"),
    ("torch._utils", "_rebuild_device_tensor_from_numpy"),
    ("torch._utils", "_rebuild_meta_tensor_no_storage"),
    ("torch._utils", "_rebuild_parameter"),
    ("torch._utils", "_rebuild_parameter_with_state"),
    ("torch._utils", "_rebuild_qtensor"),
    ("torch._utils", "_rebuild_sparse_tensor"),
    ("torch._utils", "_rebuild_tensor"),
    ("torch._utils", "_rebuild_tensor_v2"),
    ("torch._utils", "_rebuild_tensor_v3"),
    ("torch._utils", "_rebuild_wrapper_subclass"),
    ("torch.nn.parameter", "Parameter"),
    ("torch.serialization", "_get_layout"),
    ("torch.storage", "TypedStorage"),
    ("torch.storage", "UntypedStorage"),
    ("uuid", "UUID"),
];

/// Torch dtype, layout and memory-format attributes (`torch.<name>`).
static TORCH_ATTRS: &[&str] = &[
    "bfloat16",
    "bits16",
    "bits1x8",
    "bits2x4",
    "bits4x2",
    "bits8",
    "bool",
    "cdouble",
    "cfloat",
    "chalf",
    "channels_last",
    "channels_last_3d",
    "complex128",
    "complex32",
    "complex64",
    "contiguous_format",
    "double",
    "float",
    "float16",
    "float32",
    "float64",
    "float8_e4m3fn",
    "float8_e4m3fnuz",
    "float8_e5m2",
    "float8_e5m2fnuz",
    "half",
    "int",
    "int16",
    "int32",
    "int64",
    "int8",
    "long",
    "preserve_format",
    "qint32",
    "qint8",
    "quint2x4",
    "quint4x2",
    "quint8",
    "short",
    "sparse_bsc",
    "sparse_bsr",
    "sparse_coo",
    "sparse_csc",
    "sparse_csr",
    "strided",
    "uint16",
    "uint32",
    "uint64",
    "uint8",
];

static NUMPY_BIT_GENERATORS: &[&str] = &[
    "BitGenerator",
    "Generator",
    "MT19937",
    "PCG64",
    "PCG64DXSM",
    "Philox",
    "RandomState",
    "SFC64",
    "SeedSequence",
];

/// Python 2 → 3 module renames applied by `find_class` for protocol < 3 (`_compat_pickle`
/// `IMPORT_MAPPING`, the entries that matter for security and common model files).
static IMPORT_MAPPING: &[(&str, &str)] = &[
    ("BaseHTTPServer", "http.server"),
    ("CGIHTTPServer", "http.server"),
    ("ConfigParser", "configparser"),
    ("Cookie", "http.cookies"),
    ("DocXMLRPCServer", "xmlrpc.server"),
    ("HTMLParser", "html.parser"),
    ("Queue", "queue"),
    ("SimpleHTTPServer", "http.server"),
    ("SimpleXMLRPCServer", "xmlrpc.server"),
    ("SocketServer", "socketserver"),
    ("StringIO", "io"),
    ("UserDict", "collections"),
    ("UserList", "collections"),
    ("UserString", "collections"),
    ("__builtin__", "builtins"),
    ("_abcoll", "collections.abc"),
    ("_elementtree", "xml.etree.ElementTree"),
    ("_winreg", "winreg"),
    ("anydbm", "dbm"),
    ("cPickle", "pickle"),
    ("cStringIO", "io"),
    ("commands", "subprocess"),
    ("cookielib", "http.cookiejar"),
    ("copy_reg", "copyreg"),
    ("dbhash", "dbm.bsd"),
    ("dbm", "dbm.ndbm"),
    ("dumbdbm", "dbm.dumb"),
    ("dummy_thread", "_dummy_thread"),
    ("exceptions", "builtins"),
    ("gdbm", "dbm.gnu"),
    ("htmlentitydefs", "html.entities"),
    ("httplib", "http.client"),
    ("repr", "reprlib"),
    ("robotparser", "urllib.robotparser"),
    ("test.test_support", "test.support"),
    ("thread", "_thread"),
    ("urllib2", "urllib.request"),
    ("urlparse", "urllib.parse"),
    ("whichdb", "dbm"),
    ("xmlrpclib", "xmlrpc.client"),
];

/// `_compat_pickle` `NAME_MAPPING` entries (module, name) → (module, name).
/// A `(module, name)` pair.
type Pair = (&'static str, &'static str);

static NAME_MAPPING: &[(Pair, Pair)] = &[
    (("__builtin__", "basestring"), ("builtins", "str")),
    (("__builtin__", "intern"), ("sys", "intern")),
    (("__builtin__", "long"), ("builtins", "int")),
    (("__builtin__", "raw_input"), ("builtins", "input")),
    (("__builtin__", "reduce"), ("functools", "reduce")),
    (("__builtin__", "unichr"), ("builtins", "chr")),
    (("__builtin__", "unicode"), ("builtins", "str")),
    (("__builtin__", "xrange"), ("builtins", "range")),
    (
        ("_multiprocessing", "Connection"),
        ("multiprocessing.connection", "Connection"),
    ),
    (("_socket", "fromfd"), ("socket", "fromfd")),
    (("itertools", "ifilter"), ("builtins", "filter")),
    (("itertools", "ifilterfalse"), ("itertools", "filterfalse")),
    (("itertools", "imap"), ("builtins", "map")),
    (("itertools", "izip"), ("builtins", "zip")),
    (("itertools", "izip_longest"), ("itertools", "zip_longest")),
    (
        ("multiprocessing.forking", "Popen"),
        ("multiprocessing.popen_fork", "Popen"),
    ),
    (
        ("multiprocessing.process", "Process"),
        ("multiprocessing.context", "Process"),
    ),
    (("urllib", "getproxies"), ("urllib.request", "getproxies")),
    (
        ("urllib", "pathname2url"),
        ("urllib.request", "pathname2url"),
    ),
    (("urllib", "quote"), ("urllib.parse", "quote")),
    (("urllib", "quote_plus"), ("urllib.parse", "quote_plus")),
    (("urllib", "unquote"), ("urllib.parse", "unquote")),
    (("urllib", "unquote_plus"), ("urllib.parse", "unquote_plus")),
    (
        ("urllib", "url2pathname"),
        ("urllib.request", "url2pathname"),
    ),
    (("urllib", "urlcleanup"), ("urllib.request", "urlcleanup")),
    (("urllib", "urlencode"), ("urllib.parse", "urlencode")),
    (("urllib", "urlopen"), ("urllib.request", "urlopen")),
    (("urllib", "urlretrieve"), ("urllib.request", "urlretrieve")),
    (("urllib2", "HTTPError"), ("urllib.error", "HTTPError")),
    (("urllib2", "URLError"), ("urllib.error", "URLError")),
    (("whichdb", "whichdb"), ("dbm", "whichdb")),
];

/// Applies `CPython`'s Python-2 compatibility mapping (`fix_imports`, used when the stream's
/// protocol is below 3). Returns `None` when nothing changes.
pub fn fix_imports(module: &str, name: &str) -> Option<(&'static str, Option<&'static str>)> {
    if let Some((_, (m, n))) = NAME_MAPPING
        .iter()
        .find(|((m, n), _)| *m == module && *n == name)
    {
        return Some((m, Some(n)));
    }
    IMPORT_MAPPING
        .iter()
        .find(|(from, _)| *from == module)
        .map(|(_, to)| (*to, None))
}

fn normalise_module(module: &str) -> &str {
    if module == "__builtins__" {
        return "builtins";
    }
    IMPORT_MAPPING
        .iter()
        .find(|(from, _)| *from == module)
        .map_or(module, |(_, to)| to)
}

fn rank(kind: FindingKind) -> u8 {
    match kind {
        FindingKind::ScannerEvasion => 7,
        FindingKind::CodeExecution => 6,
        FindingKind::NestedLoader => 5,
        FindingKind::ResolverCall => 4,
        FindingKind::NetworkAccess => 3,
        FindingKind::FilesystemAccess => 2,
        _ => 1,
    }
}

fn is_introspection_dunder(component: &str) -> bool {
    component.len() > 4
        && component.starts_with("__")
        && component.ends_with("__")
        && !matches!(component, "__newobj__" | "__newobj_ex__")
}

fn is_camel_class(name: &str) -> bool {
    let trimmed = name.trim_start_matches('_');
    !name.contains('.')
        && trimmed
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_uppercase())
        && trimmed
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        && trimmed.chars().any(|c| c.is_ascii_lowercase())
}

fn module_under(module: &str, root: &str) -> bool {
    module == root
        || module
            .strip_prefix(root)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// Classifies `module` + `name` (name may be dotted).
pub fn classify(module: &str, name: &str) -> Classification {
    let module = normalise_module(module);
    if ALLOW_OVERRIDES.binary_search(&(module, name)).is_ok() {
        return Classification::Allowed;
    }
    let mut best: Option<(FindingKind, &'static str)> = None;
    let mut consider = |kind: FindingKind, reason: &'static str| {
        if best.is_none_or(|(k, _)| rank(kind) > rank(k)) {
            best = Some((kind, reason));
        }
    };

    let module_parts: Vec<&str> = module.split('.').collect();
    let name_parts: Vec<&str> = name.split('.').collect();
    let parts: Vec<&str> = module_parts
        .iter()
        .chain(name_parts.iter())
        .copied()
        .collect();

    // Dunder introspection anywhere in the name.
    if name_parts.iter().any(|c| is_introspection_dunder(c)) {
        consider(CE, "object-model introspection chain (sandbox escape)");
    }
    // Private internals of the pickle machinery: scanner deactivation / fallback loaders.
    if matches!(module_parts.first(), Some(&("pickle" | "_pickle")))
        && name_parts.first().is_some_and(|n| n.starts_with('_'))
    {
        consider(
            EV,
            "uses pickle's pure-Python internals, which bypass scanners and hooks",
        );
    }
    if matches!(module_parts.first(), Some(&("pickle" | "_pickle")))
        && name_parts.iter().any(|n| {
            matches!(
                *n,
                "find_class" | "persistent_load" | "dispatch" | "dispatch_table"
            )
        })
    {
        consider(EV, "patches unpickler internals");
    }
    // pathlib methods reached through dotted names.
    if module_parts.first() == Some(&"pathlib") && name_parts.len() > 1 {
        consider(FS, FSR);
    }

    // Denylist: full path, plus every suffix starting inside the name.
    // Suffixes inside the name must keep at least two components (`os.system` reached through
    // `pathlib`), so a plain attribute such as `numpy.trace` is not mistaken for module `trace`.
    let first_name_index = module_parts.len();
    let last_start = parts.len().saturating_sub(1);
    let starts = std::iter::once(0).chain(first_name_index..last_start);
    for start in starts {
        let Some(tail) = parts.get(start..) else {
            continue;
        };
        for (entry, kind, reason) in DENYLIST {
            if entry.split('.').count() <= tail.len()
                && entry.split('.').zip(tail.iter()).all(|(a, b)| a == *b)
            {
                consider(*kind, reason);
            }
        }
    }
    if let Some((kind, reason)) = best {
        return Classification::Denied { kind, reason };
    }
    if is_allowlisted(module, name) {
        Classification::Allowed
    } else {
        Classification::Unknown
    }
}

fn is_allowlisted(module: &str, name: &str) -> bool {
    if name.contains('.') || name.is_empty() {
        return false;
    }
    if ALLOWLIST.binary_search(&(module, name)).is_ok() {
        return true;
    }
    let camel = is_camel_class(name);
    // TorchScript class types (`__torch__.Module`): resolved by the TorchScript compilation
    // unit of the archive, never imported as Python modules.
    if module_under(module, "__torch__") {
        return true;
    }
    match module {
        "torch" | "torch.cuda" if name.ends_with("Storage") && camel => return true,
        "torch" if TORCH_ATTRS.binary_search(&name).is_ok() => return true,
        "datetime" => {
            return matches!(
                name,
                "date" | "datetime" | "time" | "timedelta" | "timezone" | "tzinfo"
            );
        }
        _ => {}
    }
    if (module_under(module, "sklearn")
        || module_under(module, "xgboost")
        || module_under(module, "lightgbm"))
        && camel
    {
        return true;
    }
    if module_under(module, "scipy.sparse") {
        let container = name.split_once('_').is_some_and(|(fmt, kind)| {
            matches!(fmt, "csr" | "csc" | "coo" | "bsr" | "dia" | "dok" | "lil")
                && matches!(kind, "matrix" | "array")
        });
        return camel || container;
    }
    if module_under(module, "tokenizers") && camel {
        return true;
    }
    if module_under(module, "torch.nn.modules") && camel {
        return true;
    }
    if module_under(module, "transformers")
        && camel
        && (name.contains("Config")
            || name.contains("Tokenizer")
            || matches!(name, "BatchEncoding" | "AddedToken"))
    {
        return true;
    }
    if module_under(module, "numpy.random") && NUMPY_BIT_GENERATORS.contains(&name) {
        return true;
    }
    if module == "numpy.dtypes" && camel && name.ends_with("DType") {
        return true;
    }
    false
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    fn kind(module: &str, name: &str) -> Option<FindingKind> {
        match classify(module, name) {
            Classification::Denied { kind, .. } => Some(kind),
            _ => None,
        }
    }

    #[test]
    fn tables_are_sorted() {
        assert!(
            ALLOWLIST.windows(2).all(|w| w[0] < w[1]),
            "ALLOWLIST must stay sorted"
        );
        assert!(
            TORCH_ATTRS.windows(2).all(|w| w[0] < w[1]),
            "TORCH_ATTRS must stay sorted"
        );
        assert!(
            ALLOW_OVERRIDES.windows(2).all(|w| w[0] < w[1]),
            "ALLOW_OVERRIDES must stay sorted"
        );
    }

    #[test]
    fn overrides_are_narrow() {
        assert_eq!(
            classify("torch.jit._pickle", "build_intlist"),
            Classification::Allowed
        );
        assert!(!classify("torch.jit", "load").is_allowed());
        assert!(!classify("torch.jit._pickle", "build_intlist.__globals__").is_allowed());
        assert_eq!(
            classify("__torch__.torch.nn.modules.linear", "Linear"),
            Classification::Allowed
        );
        assert!(!classify("dill._dill", "_create_code").is_allowed());
        assert!(!classify("dill._dill", "_import_module").is_allowed());
    }

    #[test]
    fn allowlist_never_overlaps_denylist() {
        for (m, n) in ALLOWLIST {
            assert_eq!(classify(m, n), Classification::Allowed, "{m}.{n}");
        }
    }

    #[test]
    fn denylist_families() {
        assert_eq!(kind("posix", "system"), Some(CE));
        assert_eq!(kind("os", "system"), Some(CE));
        assert_eq!(kind("osx", "system"), None);
        assert_eq!(kind("__builtin__", "eval"), Some(CE));
        assert_eq!(kind("builtins", "getattr"), Some(RES));
        assert_eq!(kind("pathlib", "os.system"), Some(CE));
        assert_eq!(kind("pathlib", "Path.write_text"), Some(FS));
        assert_eq!(
            kind("builtins", "print.__class__.__base__.__subclasses__"),
            Some(CE)
        );
        assert_eq!(
            kind("asyncio.unix_events", "_UnixSubprocessTransport._start"),
            Some(CE)
        );
        assert_eq!(kind("pip", "main"), Some(CE));
        assert_eq!(kind("pkgutil", "resolve_name"), Some(RES));
        assert_eq!(kind("_operator", "methodcaller"), Some(RES));
        assert_eq!(kind("pickle", "loads"), Some(NL));
        assert_eq!(kind("pickle", "_loads"), Some(EV));
        assert_eq!(kind("fickling", "analysis"), Some(EV));
        assert_eq!(kind("imaplib", "IMAP4_stream"), Some(CE));
        assert_eq!(kind("imaplib", "IMAP4"), Some(NET));
        assert_eq!(kind("torch.serialization", "load"), Some(NL));
        assert_eq!(kind("numpy", "__builtins__"), Some(CE));
        assert_eq!(kind("copy_reg", "add_extension"), Some(RES));
        assert_eq!(kind("commands", "getoutput"), Some(CE));
        assert_eq!(kind("sys", "modules"), Some(GAD));
    }

    #[test]
    fn allowlist_families() {
        for (m, n) in [
            ("torch", "FloatStorage"),
            ("torch", "float32"),
            ("sklearn.tree._tree", "Tree"),
            ("scipy.sparse._csr", "csr_matrix"),
            ("torch.nn.modules.linear", "Linear"),
            ("datetime", "datetime"),
            ("__builtin__", "set"),
        ] {
            assert_eq!(classify(m, n), Classification::Allowed, "{m}.{n}");
        }
        for (m, n) in [
            ("sklearn.utils", "some_function"),
            ("numpy", "size"),
            ("builtins", "print"),
            ("torch", "FloatStorage.x"),
            ("collections", "OrderedDict.fromkeys"),
        ] {
            assert_eq!(classify(m, n), Classification::Unknown, "{m}.{n}");
        }
    }

    #[test]
    fn compat_mapping() {
        assert_eq!(fix_imports("__builtin__", "eval"), Some(("builtins", None)));
        assert_eq!(
            fix_imports("__builtin__", "reduce"),
            Some(("functools", Some("reduce")))
        );
        assert_eq!(fix_imports("os", "system"), None);
    }
}
