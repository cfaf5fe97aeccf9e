//! Pickle-family deserialisation rules.

use super::{CORRUPT_MODEL, Category, DESERIALIZATION, PICKLE_REFS, RESOURCE, Rule};
use crate::Severity;

pub(super) static RULES: &[Rule] = &[
    Rule {
        id: "pickle-code-execution",
        title: "Pickle calls a code-execution callable",
        severity: Severity::Critical,
        category: Category::Pickle,
        description: "The pickle imports and calls (or hands to a trampoline) a callable that runs code or \
            commands when the file is loaded: builtins eval/exec/compile/__import__/open, os/posix/nt/subprocess/pty, \
            runpy, code, timeit, pdb, ctypes, pip, torch gadgets such as torch.utils.collect_env.run, or stdlib \
            internals that spawn a shell (uuid._get_command_stdout, pydoc.pipepager, platform.popen…). Every dotted \
            component of the resolved name is checked, so `pathlib` + `os.system` or `asyncio.unix_events` submodules \
            are caught. `torch.load`, `pickle.load`, `joblib.load` and `numpy.load(allow_pickle=True)` would run it.",
        remediation: "Do not load this file. Obtain the model from a trusted source in a non-executable format \
            (safetensors, GGUF, ONNX) or re-export it yourself; if it must be loaded, use `torch.load(..., \
            weights_only=True)` or a restricted unpickler and treat the source as compromised.",
        references: &[
            "CVE-2025-1716 (pip.main)",
            "CVE-2025-10157 (submodules of blocked modules)",
            "GHSA-g38g-8gr9-h9xp (stdlib shell gadgets)",
            "https://docs.python.org/3/library/pickle.html",
        ],
        compliance: DESERIALIZATION,
    },
    Rule {
        id: "pickle-scanner-evasion",
        title: "Pickle tampers with scanners or pickle internals",
        severity: Severity::Critical,
        category: Category::Pickle,
        description: "The pickle references security scanners (fickling, picklescan, modelscan, modelaudit, \
            saferpickle, model_unpickler) or pickle's pure-Python fallbacks (`pickle._loads`, `pickle._Unpickler`), \
            a known technique to disable or sidestep scanning at load time. No legitimate model does this.",
        remediation: "Treat the file as malicious: do not load it, report it to the publishing hub and rotate \
            any credentials on machines that loaded it.",
        references: &[
            "GHSA-fphw-536r-4p88",
            "GHSA-wccx-j62j-r448",
            "trailofbits/fickling PR #249",
        ],
        compliance: DESERIALIZATION,
    },
    Rule {
        id: "pickle-resolver-call",
        title: "Pickle uses a resolver or trampoline",
        severity: Severity::High,
        category: Category::Pickle,
        description: "The pickle uses a callable that resolves or invokes other callables by name at load time: \
            builtins getattr/setattr, importlib.import_module, pkgutil.resolve_name (a universal bypass), \
            pydoc.locate, operator.attrgetter/methodcaller, functools.partial/reduce, inspect.getattr_static. \
            These hide the real target from name-based scanners.",
        remediation: "Do not load the file; inspect the listed arguments to see what is being resolved. \
            Legitimate model checkpoints do not need these.",
        references: &[
            "GHSA-vvpj-8cmc-gx39",
            "GHSA-955r-x9j8-7rhh",
            "GHSA-46h3-79wf-xr6c",
            "picklescan #66",
        ],
        compliance: DESERIALIZATION,
    },
    Rule {
        id: "pickle-nested-loader",
        title: "Pickle deserialises a nested payload",
        severity: Severity::High,
        category: Category::Pickle,
        description: "The pickle calls another deserialiser or code-object constructor: pickle.loads, dill, \
            cloudpickle internals (_make_function, _builtin_type), joblib.load, torch.load, \
            torch.storage._load_from_bytes, numpy.load, marshal.loads, types.FunctionType/CodeType, yaml.load. \
            The inner payload runs with the same privileges and is invisible to a scanner that does not recurse.",
        remediation: "Do not load the file. If the inner payload is embedded, its own findings are listed too; \
            re-export the model without serialised functions.",
        references: &[
            "GHSA-vv6j-3g6g-2pvj",
            "GHSA-h3qp-7fh3-f8h4",
            "GHSA-9m3x-qqw2-h32h",
        ],
        compliance: DESERIALIZATION,
    },
    Rule {
        id: "pickle-network-access",
        title: "Pickle calls a network API",
        severity: Severity::High,
        category: Category::Pickle,
        description: "The pickle calls socket, ssl, http, urllib, requests, aiohttp, smtplib, webbrowser or \
            similar at load time: data exfiltration, DNS beacons or second-stage downloads.",
        remediation: "Do not load the file; check egress logs of any machine that did.",
        references: &[
            "modelscan settings (network family)",
            "ssl.get_server_certificate DNS exfiltration",
        ],
        compliance: DESERIALIZATION,
    },
    Rule {
        id: "pickle-filesystem-access",
        title: "Pickle calls a filesystem API",
        severity: Severity::High,
        category: Category::Pickle,
        description: "The pickle calls shutil, tempfile, io/FileIO, glob, tarfile, zipfile, shelve, sqlite3, \
            py_compile, logging.FileHandler or similar at load time: files can be read, written or deleted.",
        remediation: "Do not load the file; a model has no reason to touch the filesystem while unpickling.",
        references: &["picklescan dangerous globals (shutil, FileIO, FileHandler)"],
        compliance: DESERIALIZATION,
    },
    Rule {
        id: "pickle-unknown-callable",
        title: "Pickle calls a callable outside the allowlist",
        severity: Severity::High,
        category: Category::Pickle,
        description: "A global that is not on the allowlist of known-safe model classes is called at load time \
            (REDUCE, INST, OBJ, NEWOBJ, NEWOBJ_EX, or BUILD on its instance). Denylists are never complete \
            (Hide-and-Seek found 133 working gadgets), so mlsecops reports every unknown call at high severity \
            rather than as 'suspicious'. Custom model classes of your own code base also land here.",
        remediation: "Check that the named callable is part of a library you trust; if it is your own class, \
            prefer saving a state_dict or safetensors. Waive the finding only for vetted globals.",
        references: &[
            "arXiv 2508.19774 (Hide-and-Seek)",
            "picklescan #70",
            "modelscan #338",
        ],
        compliance: DESERIALIZATION,
    },
    Rule {
        id: "pickle-dynamic-call",
        title: "Pickle calls a target computed at load time",
        severity: Severity::High,
        category: Category::Pickle,
        description: "The callee of a call opcode is not a static global: the result of another call, a \
            STACK_GLOBAL whose module or name is not a literal string (memo indirection, non-string operands), or \
            an EXT1/EXT2/EXT4 extension-registry code. The real target cannot be named statically.",
        remediation: "Do not load the file. Legitimate pickles written by torch, joblib or numpy never build call \
            targets dynamically.",
        references: &[
            "GHSA-9gvj-pp9x-gcfr",
            "modelaudit PR #623 (EXT opcodes)",
            "modelscan #331",
        ],
        compliance: DESERIALIZATION,
    },
    Rule {
        id: "pickle-unknown-global",
        title: "Pickle references a global outside the allowlist",
        severity: Severity::Medium,
        category: Category::Pickle,
        description: "A global that is not on the allowlist is imported but never called directly. Importing it \
            still runs the module's import-time code, and the object may be passed to something that calls it.",
        remediation: "Review the global; if it belongs to a library you trust, waive the finding.",
        references: PICKLE_REFS,
        compliance: DESERIALIZATION,
    },
    Rule {
        id: "pickle-embedded-pickle",
        title: "Pickle embeds another pickle",
        severity: Severity::Medium,
        category: Category::Pickle,
        description: "A bytes or string literal inside the pickle (raw or base64) is itself a pickle stream. It was \
            analysed recursively and its own findings are reported with `embedded_at` evidence.",
        remediation: "Look at what the outer pickle does with the literal; nested pickles are a classic way to \
            hide payloads from shallow scanners.",
        references: &["modelscan #267", "GHSA-vv6j-3g6g-2pvj"],
        compliance: DESERIALIZATION,
    },
    Rule {
        id: "pickle-memo-expansion",
        title: "Pickle memo expansion (billion laughs)",
        severity: Severity::High,
        category: Category::Pickle,
        description: "The pickle reuses memo entries or DUPs far more often than it creates them (GET/PUT ratio \
            above 50 or more than 100 DUPs with a large reachable structure), which makes loaders and naive scanners \
            build exponentially large objects.",
        remediation: "Do not load the file; it is a denial-of-service payload or an attempt to exhaust scanners.",
        references: &["fickling ExpansionAttack", "CWE-776"],
        compliance: RESOURCE,
    },
    Rule {
        id: "pickle-malformed",
        title: "Pickle stream is malformed or truncated",
        severity: Severity::Medium,
        category: Category::Pickle,
        description: "The stream ends early, contains an unknown opcode, an argument that runs past the end, or a \
            stack/mark underflow. Loaders execute everything before the error (the nullifAI technique relies on \
            this), so all findings before this point are reported, and the file is marked inconclusive.",
        remediation: "Treat the file as untrusted; a model produced by a real library is never malformed.",
        references: &["ReversingLabs nullifAI (2025-02)", "picklescan #57"],
        compliance: CORRUPT_MODEL,
    },
    Rule {
        id: "pickle-anomaly",
        title: "Pickle structure anomaly",
        severity: Severity::Low,
        category: Category::Pickle,
        description: "Structure that real pickle writers do not produce: duplicate or misplaced PROTO, an opcode \
            argument that crosses its FRAME, a STOP with more than one value on the stack, an unclosed MARK, \
            trailing data. Often a sign of a hand-crafted file.",
        remediation: "Inspect the file's origin; combined with other findings this indicates tampering.",
        references: &[
            "fickling DuplicateProto/MisplacedProto",
            "CPython gh-115163 (frame mismatch)",
        ],
        compliance: CORRUPT_MODEL,
    },
    Rule {
        id: "pickle-limit-exceeded",
        title: "Pickle analysis limit reached",
        severity: Severity::Medium,
        category: Category::Pickle,
        description: "A hard cap (opcodes, stack depth, memo size, literal bytes, nesting) was reached, so the rest \
            of the stream was not analysed. The file is marked inconclusive, never clean.",
        remediation: "Inspect the file by other means or raise the cap knowingly; oversized pickles are unusual.",
        references: &["fickling InterpreterLimits"],
        compliance: RESOURCE,
    },
];
