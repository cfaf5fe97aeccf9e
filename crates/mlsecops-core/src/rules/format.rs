//! File-level format rules: disguised content, polyglots, NumPy.

use super::{Category, DESERIALIZATION, PARSER_DIFFERENTIAL, Rule};
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
];
