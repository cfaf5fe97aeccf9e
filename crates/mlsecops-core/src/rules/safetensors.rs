//! safetensors header rules.

use super::{Category, Compliance, PARSER_DIFFERENTIAL, Rule};
use crate::Severity;

/// Headers the reference loader rejects or misreads: out-of-bounds / allocation risks.
const ST_BOUNDS: Compliance = Compliance {
    cwe: &["CWE-20", "CWE-125", "CWE-789"],
    owasp_ml: &["ML06:2023", "ML10:2023"],
    owasp_llm: &["LLM03:2025"],
    atlas: &["AML.T0010.003", "AML.T0076"],
    eu_ai_act: &["Art. 15(5)"],
    nist_ai_rmf: &["MEASURE 2.7"],
    iso_42001: &["A.6.2.4"],
};

const ST_REFS: &[&str] = &[
    "https://huggingface.co/docs/safetensors/index#format",
    "https://docs.rs/safetensors/0.8.0/safetensors/tensor/enum.SafeTensorError.html",
    "ml-explore/mlx PR #3364 (out-of-bounds safetensors read)",
];

pub(super) static RULES: &[Rule] = &[
    Rule {
        id: "safetensors-header-length",
        title: "safetensors header length is invalid",
        severity: Severity::High,
        category: Category::Safetensors,
        description: "The 8-byte little-endian header length exceeds the reference cap of 100,000,000 bytes, \
            points past the end of the file, or the file is shorter than 8 bytes. The reference loader rejects it \
            (HeaderTooLarge / InvalidHeaderLength / HeaderTooSmall); loaders that trust the length allocate \
            gigabytes or read out of bounds.",
        remediation: "Do not load the file with a hand-written reader; re-download it from a trusted source.",
        references: ST_REFS,
        compliance: ST_BOUNDS,
    },
    Rule {
        id: "safetensors-header-invalid",
        title: "safetensors header is not a valid JSON object",
        severity: Severity::High,
        category: Category::Safetensors,
        description: "The header does not start with `{`, is not UTF-8, is not valid JSON, or is not a JSON object \
            of tensor entries. The reference loader rejects it; lenient JSON parsers in other tools may accept \
            it and see different tensors (parser differential).",
        remediation: "Treat the file as crafted or corrupt; re-export it with the safetensors library.",
        references: ST_REFS,
        compliance: PARSER_DIFFERENTIAL,
    },
    Rule {
        id: "safetensors-duplicate-key",
        title: "safetensors header repeats a key",
        severity: Severity::High,
        category: Category::Safetensors,
        description: "The JSON header contains the same tensor name (or `__metadata__`) twice. JSON parsers disagree \
            on which one wins (serde_json and Python keep the last, others the first or reject), so a scanner and \
            a loader can see different tensors or metadata. The reference crate silently keeps the last one.",
        remediation: "Treat the file as tampered; safetensors writers never emit duplicate keys.",
        references: ST_REFS,
        compliance: PARSER_DIFFERENTIAL,
    },
    Rule {
        id: "safetensors-tensor-invalid",
        title: "safetensors tensor entry is invalid",
        severity: Severity::High,
        category: Category::Safetensors,
        description: "A tensor entry has an unknown dtype, a shape or data_offsets that are not unsigned integers, \
            data_offsets that are not a [begin, end] pair with begin <= end, a byte span that differs from \
            dtype size x product(shape), or a size computation that overflows (TensorInvalidInfo, \
            ValidationOverflow, MisalignedSlice in the reference crate). Readers that trust the shape read past \
            the tensor's bytes.",
        remediation: "Do not load the file; re-export it with the safetensors library.",
        references: ST_REFS,
        compliance: ST_BOUNDS,
    },
    Rule {
        id: "safetensors-offsets-invalid",
        title: "safetensors tensor offsets overlap, leave gaps or exceed the buffer",
        severity: Severity::High,
        category: Category::Safetensors,
        description: "Sorted by offset, the tensors do not tile the data buffer exactly: two tensors overlap, a gap \
            hides unreferenced bytes, or the last tensor ends before or after the end of the buffer \
            (InvalidOffset / MetadataIncompleteBuffer). Overlaps and gaps are a tampering signal; extents past the \
            end make naive readers read out of bounds.",
        remediation: "Treat the file as tampered or truncated; re-obtain it from a trusted source.",
        references: ST_REFS,
        compliance: ST_BOUNDS,
    },
    Rule {
        id: "safetensors-trailing-data",
        title: "Bytes after the safetensors data buffer",
        severity: Severity::High,
        category: Category::Safetensors,
        description: "The file continues after the last tensor's bytes. The reference loader rejects the file \
            (MetadataIncompleteBuffer); the extra bytes are a place to hide a second payload.",
        remediation: "Treat the file as tampered; inspect the trailing bytes (their type is given in the evidence).",
        references: ST_REFS,
        compliance: PARSER_DIFFERENTIAL,
    },
    Rule {
        id: "safetensors-metadata-invalid",
        title: "safetensors __metadata__ is not a string-to-string map",
        severity: Severity::High,
        category: Category::Safetensors,
        description: "`__metadata__` holds numbers, arrays, objects or other non-string values. The format allows \
            only string values and the reference loader rejects anything else; structured values are a way to \
            smuggle data past tools that only display strings.",
        remediation: "Re-export the model with string-only metadata.",
        references: ST_REFS,
        compliance: PARSER_DIFFERENTIAL,
    },
    Rule {
        id: "safetensors-polyglot",
        title: "safetensors file is also a ZIP, pickle or executable",
        severity: Severity::High,
        category: Category::Safetensors,
        description: "The header-length bytes read as a ZIP or pickle signature, the file ends with a ZIP \
            end-of-central-directory record, or the bytes after the header or after the data buffer start with a \
            ZIP, pickle or executable signature. Loaders that sniff content (`torch.load`, `zipfile`) take the \
            other view and may unpickle code.",
        remediation: "Treat the file as tampered; safetensors files contain nothing but header and tensor bytes.",
        references: &[
            "model-formats reference E9 (safetensors polyglots)",
            "modelaudit safetensors_scanner.py",
        ],
        compliance: PARSER_DIFFERENTIAL,
    },
];
