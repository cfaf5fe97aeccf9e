//! ONNX model rules.

use super::{CORRUPT_MODEL, Category, Compliance, DESERIALIZATION, EXTERNAL_CODE, RESOURCE, Rule};
use crate::Severity;

/// External data that reads files outside the model directory.
const PATH_TRAVERSAL: Compliance = Compliance {
    cwe: &["CWE-22", "CWE-59"],
    owasp_ml: &["ML06:2023"],
    owasp_llm: &["LLM03:2025"],
    atlas: &["AML.T0010.003", "AML.T0011.000", "AML.M0016"],
    eu_ai_act: &["Art. 15(5)"],
    nist_ai_rmf: &["MEASURE 2.7", "MANAGE 3.2"],
    iso_42001: &["A.6.2.4", "A.10.3"],
};

pub(super) static RULES: &[Rule] = &[
    Rule {
        id: "onnx-external-data-path-traversal",
        title: "ONNX external data points outside the model directory",
        severity: Severity::High,
        category: Category::Onnx,
        description: "An initializer's `external_data` `location` is an absolute path (`/etc/passwd`, `C:\\x`, a \
            UNC `\\\\host\\share` path) or contains `..` components that escape the model directory after \
            normalisation (`../../x`, `sub/../../x`). Loading the model with onnx/onnxruntime reads that file into \
            a tensor (arbitrary file read, CVE-2022-25882, CVE-2024-27318); a writer with the same path overwrites \
            it.",
        remediation: "Do not load the model. External data must be a relative path inside the model directory; \
            re-export the model with `onnx.save_model(..., save_as_external_data=True)` from a trusted source.",
        references: &[
            "CVE-2022-25882",
            "CVE-2024-27318",
            "https://onnx.ai/onnx/repo-docs/ExternalData.html",
        ],
        compliance: PATH_TRAVERSAL,
    },
    Rule {
        id: "onnx-external-data-special-file",
        title: "ONNX external data file is a symlink or special file",
        severity: Severity::High,
        category: Category::Onnx,
        description: "The external data `location` names a symbolic link, directory, device, FIFO or socket next \
            to the model. A symlink makes a path that looks local read any file on the loading machine; devices and \
            FIFOs hang or exhaust the loader.",
        remediation: "Replace the link with the real tensor file produced by the exporter, or obtain the model \
            from a trusted source.",
        references: &[
            "CVE-2024-27318",
            "https://onnx.ai/onnx/repo-docs/ExternalData.html",
        ],
        compliance: PATH_TRAVERSAL,
    },
    Rule {
        id: "onnx-external-data-malformed",
        title: "ONNX external data reference is malformed",
        severity: Severity::High,
        category: Category::Onnx,
        description: "A tensor is marked `data_location = EXTERNAL` without `external_data` entries, an \
            `external_data` list has no `location`, or `offset`/`length` are not non-negative decimal integers \
            (or overflow). Exporters never write these; they are used to probe loader path handling and \
            integer parsing.",
        remediation: "Re-export the model with the official onnx external-data helpers; do not load this copy.",
        references: &[
            "CVE-2022-25882",
            "modelaudit onnx_scanner.py (missing location)",
        ],
        compliance: CORRUPT_MODEL,
    },
    Rule {
        id: "onnx-python-op",
        title: "ONNX node calls a Python operator",
        severity: Severity::High,
        category: Category::Onnx,
        description: "A node (in the main graph, a subgraph or a model-local function) uses a Python-backed \
            operator (`PyOp`, `PyFunc`, `PythonOp`, onnxruntime-extensions `ai.onnx.contrib` Python ops, or a \
            domain naming Python). Such operators run arbitrary host Python registered under that name when the \
            session executes, and are a way to smuggle behaviour past graph review.",
        remediation: "Do not run the model unless you wrote and reviewed the Python operator implementation; \
            prefer models that use only standard ONNX domains.",
        references: &[
            "https://github.com/microsoft/onnxruntime-extensions/blob/main/docs/pyop.md",
            "modelaudit onnx_scanner.py (python ops)",
        ],
        compliance: DESERIALIZATION,
    },
    Rule {
        id: "onnx-custom-domain",
        title: "ONNX node uses a custom operator domain",
        severity: Severity::Low,
        category: Category::Onnx,
        description: "A node uses an operator domain outside the standard ONNX and ONNX Runtime domains. Its \
            implementation is a native custom-op library the runtime must load, outside the model file.",
        remediation: "Make sure the custom-op library comes from a trusted source before registering it with \
            the runtime.",
        references: &["https://onnxruntime.ai/docs/reference/operators/add-custom-op.html"],
        compliance: EXTERNAL_CODE,
    },
    Rule {
        id: "onnx-model-function",
        title: "ONNX model defines local functions",
        severity: Severity::Info,
        category: Category::Onnx,
        description: "The model carries model-local functions (`FunctionProto`). Their bodies are checked like \
            graph nodes; listed because a function body is an easy place to hide operators from a reviewer \
            who reads only the main graph.",
        remediation: "None required; review the listed functions if the model's origin is unknown.",
        references: &["https://onnx.ai/onnx/repo-docs/IR.html#functions"],
        compliance: EXTERNAL_CODE,
    },
    Rule {
        id: "onnx-tensor-shape-invalid",
        title: "ONNX tensor shape is invalid",
        severity: Severity::Medium,
        category: Category::Onnx,
        description: "An initializer has a negative dimension or a dimension product that overflows 64 bits. \
            Loaders that trust the declared shape can over-allocate or mis-index memory.",
        remediation: "Re-export the model; do not load it with native runtimes that trust the shape.",
        references: &["https://onnx.ai/onnx/repo-docs/IR.html#tensor-definition"],
        compliance: RESOURCE,
    },
    Rule {
        id: "onnx-malformed",
        title: "ONNX model could not be fully parsed",
        severity: Severity::Medium,
        category: Category::Onnx,
        description: "The ModelProto failed to decode (truncated, wrong wire type, invalid UTF-8, nesting deeper \
            than the protobuf recursion limit) or exceeded a scanner cap (graph depth, node count). The file is \
            inconclusive.",
        remediation: "Re-download the model from a trusted source and scan again; raise caps knowingly.",
        references: &["https://onnx.ai/onnx/repo-docs/IR.html"],
        compliance: CORRUPT_MODEL,
    },
];
