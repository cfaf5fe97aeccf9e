//! GGUF header and metadata rules.

use super::{CORRUPT_MODEL, Category, Compliance, PARSER_DIFFERENTIAL, RESOURCE, Rule};
use crate::Severity;

/// Memory-safety class bugs in GGUF loaders (integer overflow, out-of-bounds read/write).
const GGUF_MEMORY: Compliance = Compliance {
    cwe: &["CWE-190", "CWE-125", "CWE-787"],
    owasp_ml: &["ML06:2023"],
    owasp_llm: &["LLM03:2025"],
    atlas: &["AML.T0010.003", "AML.T0011.000", "AML.M0016"],
    eu_ai_act: &["Art. 15(5)"],
    nist_ai_rmf: &["MEASURE 2.7", "MANAGE 3.2"],
    iso_42001: &["A.6.2.4", "A.10.3"],
};

const GGUF_REFS: &[&str] = &[
    "https://github.com/ggml-org/ggml/blob/master/docs/gguf.md",
    "CVE-2025-53630 (llama.cpp gguf_init integer overflow)",
    "CVE-2026-27940",
    "CVE-2026-33298",
    "llama.cpp PR #19856 (prevent integer overflows)",
];

pub(super) static RULES: &[Rule] = &[
    Rule {
        id: "gguf-size-overflow",
        title: "GGUF size or offset arithmetic overflows",
        severity: Severity::High,
        category: Category::Gguf,
        description: "A tensor's element count (product of its dimensions), its byte size (from the ggml type's \
            block size) or its end offset (data start + tensor offset + size) does not fit in 64 bits, or a \
            dimension exceeds INT64_MAX. Loaders that compute these sizes with unchecked arithmetic allocate a \
            small buffer and then read or write past it: the llama.cpp gguf_init integer overflows \
            (CVE-2025-53630 and its follow-ups) were triggered exactly this way.",
        remediation: "Do not load the file with llama.cpp, Ollama or other GGUF readers older than the fixes; \
            obtain the model from a trusted source.",
        references: GGUF_REFS,
        compliance: GGUF_MEMORY,
    },
    Rule {
        id: "gguf-length-out-of-bounds",
        title: "GGUF count or length exceeds the file",
        severity: Severity::High,
        category: Category::Gguf,
        description: "A declared count or length in the GGUF header (tensor count, metadata KV count, string \
            length, array length) is larger than the remaining bytes of the file could hold. Readers that \
            allocate from the declared value exhaust memory or, with an overflowing size computation, read out \
            of bounds (llama.cpp and Ollama GGUF header CVEs).",
        remediation: "Treat the file as crafted; legitimate writers never declare more entries than they write.",
        references: GGUF_REFS,
        compliance: GGUF_MEMORY,
    },
    Rule {
        id: "gguf-tensor-out-of-bounds",
        title: "GGUF tensor data lies outside the file",
        severity: Severity::High,
        category: Category::Gguf,
        description: "A tensor's data extent (aligned data-section start + tensor offset + byte size) ends past the \
            end of the file. A loader that maps the file and trusts the offset reads out of bounds.",
        remediation: "Re-download the file; if it is complete, it was crafted to make loaders read past the end.",
        references: GGUF_REFS,
        compliance: GGUF_MEMORY,
    },
    Rule {
        id: "gguf-invalid-type",
        title: "GGUF value or tensor type out of range",
        severity: Severity::High,
        category: Category::Gguf,
        description: "A metadata value type is not one of the 13 GGUF value types, or a tensor's ggml type is \
            unknown or was removed before GGUF existed (Q4_2, Q4_3). Type-indexed tables in loaders are \
            read out of range with such values. (The repacked Q4_0_x_y / IQ4_NL_x_y types of late 2024 are \
            reported as gguf-malformed instead.)",
        remediation: "Treat the file as crafted or produced by an incompatible writer; do not load it.",
        references: GGUF_REFS,
        compliance: GGUF_MEMORY,
    },
    Rule {
        id: "gguf-invalid-dimensions",
        title: "GGUF tensor has invalid dimensions",
        severity: Severity::High,
        category: Category::Gguf,
        description: "A tensor declares more than GGML_MAX_DIMS (4) dimensions, or its first dimension is not a \
            multiple of its quantisation block size. ggml stores dimensions in a fixed 4-element array; more \
            dimensions overflow it in readers that do not check.",
        remediation: "Do not load the file; it was not written by a conforming GGUF writer.",
        references: GGUF_REFS,
        compliance: GGUF_MEMORY,
    },
    Rule {
        id: "gguf-bad-alignment",
        title: "GGUF general.alignment is invalid",
        severity: Severity::High,
        category: Category::Gguf,
        description: "`general.alignment` is zero, not a power of two, or not a u32. Loaders divide by or mask \
            with the alignment when locating the data section and tensors: zero divides by zero, other values \
            shift every tensor to an attacker-chosen offset.",
        remediation: "Do not load the file; conforming writers use 32 or another power of two.",
        references: GGUF_REFS,
        compliance: GGUF_MEMORY,
    },
    Rule {
        id: "gguf-misaligned-tensor",
        title: "GGUF tensor offset is not aligned",
        severity: Severity::Medium,
        category: Category::Gguf,
        description: "A tensor's offset is not a multiple of the file's alignment. llama.cpp rejects such files; \
            other readers accept them, so the file means different things to different tools.",
        remediation: "Re-export the model with a conforming writer.",
        references: GGUF_REFS,
        compliance: PARSER_DIFFERENTIAL,
    },
    Rule {
        id: "gguf-overlapping-tensors",
        title: "GGUF tensors overlap",
        severity: Severity::High,
        category: Category::Gguf,
        description: "Two tensors' data extents overlap. Writers lay tensors out one after another; overlapping \
            extents make one set of bytes serve two tensors, a tampering signal that llama.cpp rejects while \
            other readers accept it.",
        remediation: "Treat the file as tampered; re-obtain the model from a trusted source.",
        references: GGUF_REFS,
        compliance: PARSER_DIFFERENTIAL,
    },
    Rule {
        id: "gguf-duplicate-entry",
        title: "GGUF duplicate metadata key or tensor name",
        severity: Severity::High,
        category: Category::Gguf,
        description: "The same metadata key or tensor name appears twice. llama.cpp rejects the file, other readers \
            keep the first or the last entry: a scanner can be shown one chat template while the runtime uses \
            another.",
        remediation: "Treat the file as tampered; every key and tensor name must be unique.",
        references: GGUF_REFS,
        compliance: PARSER_DIFFERENTIAL,
    },
    Rule {
        id: "gguf-malformed",
        title: "GGUF file is malformed or truncated",
        severity: Severity::Medium,
        category: Category::Gguf,
        description: "The GGUF header could not be parsed to the end (truncated, unsupported version, string not \
            UTF-8, metadata of the wrong type), or a tensor uses a repacked type (Q4_0_4_4…) that current \
            llama.cpp no longer loads. What was read was analysed; truncated files are inconclusive.",
        remediation: "Re-download the file from a trusted source and scan again.",
        references: GGUF_REFS,
        compliance: CORRUPT_MODEL,
    },
    Rule {
        id: "gguf-limit-exceeded",
        title: "GGUF header exceeds a scanner limit",
        severity: Severity::Medium,
        category: Category::Gguf,
        description: "The header declares more tensors, metadata entries, array elements or nesting than the \
            scanner's caps, although the file might hold them. The rest was not analysed.",
        remediation: "Review the file; raise the limits knowingly if the model is genuinely that large.",
        references: GGUF_REFS,
        compliance: RESOURCE,
    },
    Rule {
        id: "gguf-big-endian",
        title: "Big-endian GGUF file",
        severity: Severity::Low,
        category: Category::Gguf,
        description: "The file is a big-endian GGUF (version field byte-swapped). It was parsed as big-endian; \
            most runtimes only load little-endian files and will misread it.",
        remediation: "Use a little-endian export unless the target platform is big-endian.",
        references: GGUF_REFS,
        compliance: CORRUPT_MODEL,
    },
];
