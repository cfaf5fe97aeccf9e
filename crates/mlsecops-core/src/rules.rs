//! The rule registry: every rule mlsecops can report, declared once.
//!
//! Docs (`docs/rules.md`), `mlsecops rules`, `mlsecops explain` and SARIF `rules[]` are all
//! generated from [`RULES`]. Ids are stable kebab-case and never reused.

use serde::Serialize;

use crate::Severity;

/// Version of the rule set; bump when rules are added, removed or change severity.
pub const RULESET_VERSION: &str = "2026.11.0";

/// What a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Pickle-family deserialisation (`PyTorch`, joblib, `NumPy` object arrays, dill…).
    Pickle,
    /// ZIP, tar, 7z and compression containers around model files.
    Archive,
    /// File-level format checks (sniffing, polyglots, disguised content).
    Format,
}

impl Category {
    /// Kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Pickle => "pickle",
            Category::Archive => "archive",
            Category::Format => "format",
        }
    }
}

/// Compliance and weakness mappings of a rule. Ids carry their edition
/// (`ML06:2023`, `LLM03:2025`); ATLAS ids refer to ATLAS v5.6.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Compliance {
    /// CWE ids, e.g. `CWE-502`.
    pub cwe: &'static [&'static str],
    /// OWASP Machine Learning Security Top 10 (2023 draft).
    pub owasp_ml: &'static [&'static str],
    /// OWASP Top 10 for LLM Applications 2025.
    pub owasp_llm: &'static [&'static str],
    /// MITRE ATLAS technique and mitigation ids (v5.6.0).
    pub atlas: &'static [&'static str],
    /// EU AI Act (Regulation (EU) 2024/1689) articles / Annex IV items.
    pub eu_ai_act: &'static [&'static str],
    /// NIST AI RMF 1.0 subcategories.
    pub nist_ai_rmf: &'static [&'static str],
    /// ISO/IEC 42001:2023 Annex A controls.
    pub iso_42001: &'static [&'static str],
}

impl Compliance {
    /// True when the rule maps to at least one governance framework (not counting CWE).
    pub fn has_framework(&self) -> bool {
        !(self.owasp_ml.is_empty()
            && self.owasp_llm.is_empty()
            && self.atlas.is_empty()
            && self.eu_ai_act.is_empty()
            && self.nist_ai_rmf.is_empty()
            && self.iso_42001.is_empty())
    }
}

/// One rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Stable kebab-case id.
    pub id: &'static str,
    /// Short title.
    pub title: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// Area.
    pub category: Category,
    /// What it detects and why it matters.
    pub description: &'static str,
    /// What to do about it.
    pub remediation: &'static str,
    /// Advisories, CVEs, papers.
    pub references: &'static [&'static str],
    /// Compliance mappings.
    pub compliance: Compliance,
}

/// Looks a rule up by id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

const DESERIALIZATION: Compliance = Compliance {
    cwe: &["CWE-502"],
    owasp_ml: &["ML06:2023"],
    owasp_llm: &["LLM03:2025", "LLM04:2025"],
    atlas: &["AML.T0011.000", "AML.T0010.003", "AML.M0011", "AML.M0016"],
    eu_ai_act: &["Art. 15(5)", "Annex IV 2(h)"],
    nist_ai_rmf: &["MEASURE 2.7", "MANAGE 3.2", "GOVERN 6.1"],
    iso_42001: &["A.10.3", "A.6.2.4"],
};

const CORRUPT_MODEL: Compliance = Compliance {
    cwe: &["CWE-20"],
    owasp_ml: &["ML06:2023", "ML10:2023"],
    owasp_llm: &["LLM03:2025"],
    atlas: &["AML.T0076", "AML.T0011.000"],
    eu_ai_act: &["Art. 15(5)"],
    nist_ai_rmf: &["MEASURE 2.7"],
    iso_42001: &["A.6.2.4"],
};

const PARSER_DIFFERENTIAL: Compliance = Compliance {
    cwe: &["CWE-436"],
    owasp_ml: &["ML06:2023"],
    owasp_llm: &["LLM03:2025"],
    atlas: &["AML.T0010.003", "AML.T0011.000"],
    eu_ai_act: &["Art. 15(5)"],
    nist_ai_rmf: &["MEASURE 2.7", "MANAGE 3.2"],
    iso_42001: &["A.10.3"],
};

const RESOURCE: Compliance = Compliance {
    cwe: &["CWE-409", "CWE-400"],
    owasp_ml: &["ML06:2023"],
    owasp_llm: &["LLM03:2025", "LLM10:2025"],
    atlas: &["AML.T0011.000"],
    eu_ai_act: &["Art. 15(5)"],
    nist_ai_rmf: &["MEASURE 2.7"],
    iso_42001: &["A.6.2.4"],
};

const PICKLE_REFS: &[&str] = &[
    "https://docs.python.org/3/library/pickle.html (\"Warning: the pickle module is not secure\")",
    "https://huggingface.co/docs/hub/security-pickle",
];

/// Every rule, sorted by category then id.
pub static RULES: &[Rule] = &[
    // ---- pickle ----
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
    // ---- archive ----
    Rule {
        id: "zip-flag-bits",
        title: "ZIP entry has unusual general-purpose flag bits",
        severity: Severity::Medium,
        category: Category::Archive,
        description: "A ZIP entry sets general-purpose flag bits (0x1 encrypted, 0x20 patched data, 0x40 strong \
            encryption, or reserved bits) although its data is readable. Python's zipfile refuses such entries \
            while PyTorch's loader ignores the bits, a differential used to hide payloads (CVE-2025-1945).",
        remediation: "Re-create the archive with a standard writer; treat the file as tampered.",
        references: &["CVE-2025-1945", "GHSA-w8jq-xcqf-f792"],
        compliance: PARSER_DIFFERENTIAL,
    },
    Rule {
        id: "zip-name-mismatch",
        title: "ZIP local header name differs from central directory",
        severity: Severity::High,
        category: Category::Archive,
        description: "The file name in an entry's local header differs from the central directory. Different \
            readers pick different names, so a scanner and a loader can see different members (CVE-2025-1944).",
        remediation: "Treat the archive as tampered; do not load it.",
        references: &["CVE-2025-1944", "GHSA-7q5r-7gvp-wc82"],
        compliance: PARSER_DIFFERENTIAL,
    },
    Rule {
        id: "zip-crc-mismatch",
        title: "ZIP entry CRC-32 does not match its data",
        severity: Severity::Medium,
        category: Category::Archive,
        description: "The stored CRC-32 of an entry does not match its content: the member was edited after \
            archiving. PyTorch does not check CRCs, so the edited bytes are what gets loaded (CVE-2025-10156).",
        remediation: "Treat the archive as tampered; compare against a trusted copy or signature.",
        references: &["CVE-2025-10156", "GHSA-mjqp-26hc-grxg"],
        compliance: PARSER_DIFFERENTIAL,
    },
    Rule {
        id: "zip-duplicate-name",
        title: "ZIP archive has duplicate member names",
        severity: Severity::High,
        category: Category::Archive,
        description: "Two entries share a name (e.g. two `data.pkl`). Readers disagree on which one wins, so a \
            benign copy can shadow a malicious one for a scanner. Every copy is analysed.",
        remediation: "Treat the archive as tampered; do not load it.",
        references: &[
            "PKWARE APPNOTE 4.4.17",
            "model-formats reference §1.2 rule 5",
        ],
        compliance: PARSER_DIFFERENTIAL,
    },
    Rule {
        id: "zip-structure",
        title: "ZIP structure anomaly",
        severity: Severity::Medium,
        category: Category::Archive,
        description: "The archive structure is inconsistent: entry counts differ between the end record and the \
            central directory, entries overlap, bytes are prepended before the first entry or appended after the \
            end record, a local header is missing, or ZIP64 fields disagree. Standard writers never do this.",
        remediation: "Re-create the archive with a standard writer; treat the file as tampered.",
        references: &[
            "PKWARE APPNOTE",
            "David Fifield, A better zip bomb (overlapping entries)",
        ],
        compliance: PARSER_DIFFERENTIAL,
    },
    Rule {
        id: "archive-path-traversal",
        title: "Archive member path escapes the extraction directory",
        severity: Severity::High,
        category: Category::Archive,
        description: "A member name is absolute, has a drive letter, or contains `..` components that leave the \
            extraction directory after normalisation (zip slip). Tools that extract model archives would write \
            outside their target.",
        remediation: "Do not extract the archive; re-create it with relative member names.",
        references: &["Protect AI PAIT-ARV-100", "CWE-22"],
        compliance: Compliance {
            cwe: &["CWE-22"],
            ..PARSER_DIFFERENTIAL
        },
    },
    Rule {
        id: "archive-link-member",
        title: "Archive contains a symbolic or hard link",
        severity: Severity::High,
        category: Category::Archive,
        description: "A member is a symbolic or hard link. On extraction it can point at files outside the archive \
            (e.g. ~/.ssh or /etc/passwd) that later members overwrite or that get loaded as the model. Model \
            writers never produce link members.",
        remediation: "Extract with link members refused, or re-create the archive without links.",
        references: &["CWE-59", "modelaudit S406"],
        compliance: Compliance {
            cwe: &["CWE-59"],
            ..PARSER_DIFFERENTIAL
        },
    },
    Rule {
        id: "archive-bomb",
        title: "Archive or compressed stream exceeds size or ratio limits",
        severity: Severity::High,
        category: Category::Archive,
        description: "A member or compressed stream has an extreme compression ratio, or declares or produces \
            more data than the caps allow. When a cap stops decompression, the rest is not analysed and the file \
            is inconclusive; a small bomb that fits the caps is analysed completely and still reported.",
        remediation: "Do not extract the file; it is a decompression bomb or needs review with raised caps.",
        references: &["CWE-409", "modelaudit S410"],
        compliance: RESOURCE,
    },
    Rule {
        id: "archive-depth-limit",
        title: "Archive nesting too deep",
        severity: Severity::High,
        category: Category::Archive,
        description: "Containers are nested deeper than the cap (5 levels: ZIP in ZIP in gzip…). The innermost \
            content was not analysed and the file is inconclusive. Real model files are never nested this deep; \
            deep nesting is a known way to push payloads past scanners (modelscan stops at one level).",
        remediation: "Unpack the file by hand in a sandbox and scan the inner content; real models are not nested \
            this deep.",
        references: &["CWE-674", "modelscan NestedZipError"],
        compliance: RESOURCE,
    },
    Rule {
        id: "archive-encrypted",
        title: "Archive member is encrypted and cannot be analysed",
        severity: Severity::High,
        category: Category::Archive,
        description: "A member is encrypted (ZIP or 7z password protection) and its content cannot be read \
            without the password, so it was not analysed and the file is inconclusive. Model archives have no \
            reason to hide members; scanners that skip such archives (modelscan BAD_ZIP) are bypassed this way.",
        remediation: "Obtain the decrypted model and scan it; never load an encrypted archive you cannot inspect.",
        references: &["modelscan skip category BAD_ZIP"],
        compliance: PARSER_DIFFERENTIAL,
    },
    Rule {
        id: "archive-limit",
        title: "Archive entry count or size limit reached",
        severity: Severity::Medium,
        category: Category::Archive,
        description: "The archive has more entries than the cap, or a member is larger than the per-member cap, \
            so part of it was not analysed. The file is inconclusive.",
        remediation: "Review the archive; raise the caps knowingly if the model is genuinely that large.",
        references: &["modelaudit PR #990"],
        compliance: RESOURCE,
    },
    Rule {
        id: "container-malformed",
        title: "Container or header is malformed",
        severity: Severity::Medium,
        category: Category::Archive,
        description: "A ZIP, tar, 7z, compressed stream or NumPy header could not be parsed (truncated, corrupt, \
            unsupported method). What could be read was analysed; the file is inconclusive.",
        remediation: "Re-download the file from a trusted source and scan again.",
        references: &["picklescan #18"],
        compliance: CORRUPT_MODEL,
    },
    // ---- format ----
    Rule {
        id: "disguised-pickle",
        title: "Pickle hidden under a non-pickle name",
        severity: Severity::High,
        category: Category::Format,
        description: "A file or archive member whose name claims another type (.json, .txt, .png, .yaml, .md…) \
            holds a pickle stream. `torch.load(..., pickle_file=…)` and custom loaders load such members, and \
            scanners that route by extension skip them (CVE-2025-1889).",
        remediation: "Treat the file as tampered; legitimate writers name pickles as pickles.",
        references: &["CVE-2025-1889", "GHSA-769v-p64c-89pr"],
        compliance: PARSER_DIFFERENTIAL,
    },
    Rule {
        id: "polyglot-file",
        title: "File is valid as two formats",
        severity: Severity::High,
        category: Category::Format,
        description: "The file parses as a pickle and also as a ZIP (or another container): `pickle.load` runs the \
            leading stream while ZIP-aware tools look only at the archive. Both views were analysed.",
        remediation: "Treat the file as tampered; split or re-export the model from a trusted source.",
        references: &["fickling polyglot module", "model-formats reference A10"],
        compliance: PARSER_DIFFERENTIAL,
    },
    Rule {
        id: "numpy-object-array",
        title: "NumPy array with object dtype",
        severity: Severity::Low,
        category: Category::Format,
        description: "A .npy file or .npz member stores an object-dtype array, which is a pickle after the header \
            and needs `allow_pickle=True` to load. The embedded pickle was analysed; its findings are listed \
            separately.",
        remediation: "Store numeric arrays only, or convert object arrays to a structured format.",
        references: &[
            "CVE-2019-6446",
            "https://numpy.org/doc/stable/reference/generated/numpy.load.html",
        ],
        compliance: DESERIALIZATION,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_unique_kebab_and_mapped() {
        let mut seen = std::collections::BTreeSet::new();
        for rule in RULES {
            assert!(seen.insert(rule.id), "duplicate rule id {}", rule.id);
            assert!(
                rule.id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{} is not kebab-case",
                rule.id
            );
            assert!(
                rule.compliance.has_framework(),
                "{} maps to no framework",
                rule.id
            );
            assert!(!rule.compliance.cwe.is_empty(), "{} has no CWE", rule.id);
            assert!(!rule.description.is_empty() && !rule.remediation.is_empty());
            if rule.category == Category::Pickle {
                assert!(rule.id.starts_with("pickle-"), "{}", rule.id);
            }
        }
    }

    #[test]
    fn framework_ids_carry_their_edition() {
        for rule in RULES {
            for id in rule.compliance.owasp_ml {
                assert!(id.ends_with(":2023"), "{id}");
            }
            for id in rule.compliance.owasp_llm {
                assert!(id.ends_with(":2025"), "{id}");
            }
            for id in rule.compliance.atlas {
                assert!(id.starts_with("AML.T") || id.starts_with("AML.M"), "{id}");
            }
        }
    }
}
