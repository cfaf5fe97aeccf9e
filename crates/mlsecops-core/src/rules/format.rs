//! File-level format rules: disguised content, polyglots, `NumPy` arrays, executables.

use super::{Category, Compliance, DESERIALIZATION, PARSER_DIFFERENTIAL, Rule};
use crate::Severity;

pub(super) static RULES: &[Rule] = &[
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
    Rule {
        id: "embedded-executable",
        title: "Native executable inside a model or archive",
        severity: Severity::High,
        category: Category::Format,
        description: "An archive member, or a file named like a model, is a native executable (ELF, PE/MZ, \
            Mach-O, universal binary). Model archives (.keras, .mar, .nemo, PyTorch ZIPs, tarballs) have no \
            reason to carry programs; a loader, handler or install step that runs it gives the publisher code \
            execution, and llamafile-style polyglots hide a model inside an executable (PAIT-LMAFL-300).",
        remediation: "Do not run or unpack the archive into a PATH or plugin directory; obtain the model without \
            the binary, or build the binary yourself from reviewed source.",
        references: &[
            "model-formats reference E10",
            "modelaudit suspicious_symbols (executable signatures)",
        ],
        compliance: Compliance {
            cwe: &["CWE-506", "CWE-829"],
            owasp_ml: &["ML06:2023"],
            owasp_llm: &["LLM03:2025"],
            atlas: &["AML.T0010.003", "AML.T0011.000"],
            eu_ai_act: &["Art. 15(5)"],
            nist_ai_rmf: &["MEASURE 2.7", "MANAGE 3.2"],
            iso_42001: &["A.10.3"],
        },
    },
];
