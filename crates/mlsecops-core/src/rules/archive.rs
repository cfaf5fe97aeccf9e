//! Container rules: ZIP, tar, 7z and compression wrappers.

use super::{CORRUPT_MODEL, Category, Compliance, PARSER_DIFFERENTIAL, RESOURCE, Rule};
use crate::Severity;

pub(super) static RULES: &[Rule] = &[
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
];
