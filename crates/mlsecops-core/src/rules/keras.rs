//! Keras `.keras` and HDF5 `.h5` model rules.

use super::{CORRUPT_MODEL, Category, Compliance, DESERIALIZATION, Rule};
use crate::Severity;

/// Outdated component (a Keras version with known deserialisation CVEs).
const OUTDATED: Compliance = Compliance {
    cwe: &["CWE-1395"],
    owasp_ml: &["ML06:2023"],
    owasp_llm: &["LLM03:2025"],
    atlas: &["AML.T0010.003"],
    eu_ai_act: &["Art. 15(5)"],
    nist_ai_rmf: &["MANAGE 3.2"],
    iso_42001: &["A.6.2.4"],
};

/// Loading external, unverified resources (downloads, external `SavedModel`s).
const EXTERNAL_RESOURCE: Compliance = Compliance {
    cwe: &["CWE-829"],
    owasp_ml: &["ML06:2023"],
    owasp_llm: &["LLM03:2025"],
    atlas: &["AML.T0010.003", "AML.T0011.000"],
    eu_ai_act: &["Art. 15(5)"],
    nist_ai_rmf: &["MEASURE 2.7", "MANAGE 3.2"],
    iso_42001: &["A.10.3"],
};

pub(super) static RULES: &[Rule] = &[
    Rule {
        id: "keras-lambda-bytecode",
        title: "Keras Lambda layer carries marshalled Python bytecode",
        severity: Severity::Critical,
        category: Category::Keras,
        description: "A Lambda layer stores its function as base64 marshalled Python bytecode (Keras 3 \
            `__lambda__` code, Keras 2 `function` list with `function_type: lambda`). Loading the model \
            unmarshals and runs it. `.keras` files need `safe_mode=False`, but legacy `.h5` loading ignored \
            `safe_mode` entirely (CVE-2025-9905, Keras < 3.11.3; CVE-2024-3660, Keras < 2.13), and \
            `enable_unsafe_deserialization` in the config turns it off (CVE-2025-9906). The decoded code \
            object's names, string constants and filename are listed as evidence; nothing is executed.",
        remediation: "Do not load this model. Re-create the layer in code (a registered custom layer) and \
            save weights only; load untrusted models with Keras >= 3.13.2, `safe_mode=True` and never from `.h5`.",
        references: &[
            "CVE-2025-9905",
            "CVE-2024-3660",
            "GHSA-36rr-ww3j-vrjv",
            "https://keras.io/api/models/model_saving_apis/model_saving_and_loading/",
        ],
        compliance: DESERIALIZATION,
    },
    Rule {
        id: "keras-lambda-reference",
        title: "Keras Lambda layer references a named function",
        severity: Severity::High,
        category: Category::Keras,
        description: "A Lambda layer's function is a reference by name (module + function, registered name) \
            rather than bytecode. Keras resolves and calls it when the model runs; combined with an \
            attacker-chosen module it reaches arbitrary callables.",
        remediation: "Check the named function belongs to code you trust; prefer a registered custom layer.",
        references: &["CVE-2025-1550", "GHSA-36rr-ww3j-vrjv"],
        compliance: DESERIALIZATION,
    },
    Rule {
        id: "keras-unsafe-module",
        title: "Keras config imports a dangerous module",
        severity: Severity::Critical,
        category: Category::Keras,
        description: "An object in the Keras config names a module such as os, subprocess, builtins, posix, \
            importlib, runpy, pickle, shutil, socket or urllib (`module`, `class_name`, `registered_name` or a \
            function reference). Keras < 3.9 imports the module and calls the named attribute while loading, \
            even with `safe_mode=True` (CVE-2025-1550).",
        remediation: "Do not load this model; upgrade Keras to >= 3.9.0 and treat the source as malicious.",
        references: &["CVE-2025-1550"],
        compliance: DESERIALIZATION,
    },
    Rule {
        id: "keras-custom-object",
        title: "Keras config needs custom code to load",
        severity: Severity::Medium,
        category: Category::Keras,
        description: "An object in the config names a module outside Keras/TensorFlow built-ins. Loading needs \
            that package importable (or `custom_objects`), and whatever it does at import or construction \
            time runs. Legitimate for models with custom layers, losses or metrics.",
        remediation: "Check the named package is one you trust and have installed from a trusted source.",
        references: &["https://keras.io/guides/serialization_and_saving/"],
        compliance: DESERIALIZATION,
    },
    Rule {
        id: "keras-get-file",
        title: "Keras config calls keras.utils.get_file",
        severity: Severity::High,
        category: Category::Keras,
        description: "The config references `get_file` (keras.utils / keras.src.utils.file_utils), a known \
            gadget: deserialising it downloads a URL and writes it to an attacker-chosen path, bypassing \
            `safe_mode` in Keras < 3.11.0 (CVE-2025-8747).",
        remediation: "Do not load this model; upgrade Keras to >= 3.11.0.",
        references: &["CVE-2025-8747"],
        compliance: EXTERNAL_RESOURCE,
    },
    Rule {
        id: "keras-torch-module-wrapper",
        title: "Keras TorchModuleWrapper layer (torch.load of embedded pickle)",
        severity: Severity::Critical,
        category: Category::Keras,
        description: "A TorchModuleWrapper layer stores a serialised torch module that Keras restores with \
            `torch.load(weights_only=False)`: an embedded pickle runs on load (CVE-2025-49655).",
        remediation: "Do not load this model from an untrusted source; upgrade Keras and rebuild the wrapped \
            torch module in code.",
        references: &["CVE-2025-49655"],
        compliance: DESERIALIZATION,
    },
    Rule {
        id: "keras-tfsm-layer",
        title: "Keras TFSMLayer loads an external SavedModel",
        severity: Severity::High,
        category: Category::Keras,
        description: "A TFSMLayer points at a TensorFlow SavedModel path that is loaded with the model; the \
            SavedModel can carry its own ops and files outside the scanned artifact (CVE-2026-1462, Keras < 3.13.2).",
        remediation: "Check the path; scan the referenced SavedModel too, and upgrade Keras to >= 3.13.2.",
        references: &["CVE-2026-1462"],
        compliance: EXTERNAL_RESOURCE,
    },
    Rule {
        id: "keras-unsafe-deserialization",
        title: "Keras config enables unsafe deserialisation",
        severity: Severity::Critical,
        category: Category::Keras,
        description: "The config references `enable_unsafe_deserialization`, turning `safe_mode` off while the \
            model loads so that later Lambda bytecode runs (CVE-2025-9906).",
        remediation: "Do not load this model; upgrade Keras.",
        references: &["CVE-2025-9906"],
        compliance: DESERIALIZATION,
    },
    Rule {
        id: "keras-op-lambda",
        title: "Keras op-lambda or Python-function layer",
        severity: Severity::High,
        category: Category::Keras,
        description: "A TFOpLambda/SlicingOpLambda layer names a function outside TensorFlow, or a layer wraps \
            an arbitrary Python function (PyFunc, CallbackLambda…). These call named Python callables at run time.",
        remediation: "Check the function named in the evidence; rebuild the layer with built-in ops.",
        references: &["modelscan keras scanner", "modelaudit keras_zip_scanner"],
        compliance: DESERIALIZATION,
    },
    Rule {
        id: "keras-archive-code-member",
        title: ".keras archive contains code or an executable",
        severity: Severity::High,
        category: Category::Keras,
        description: "The `.keras` ZIP holds a Python source/bytecode file, a native library or an executable \
            (ELF, PE, Mach-O, shebang). Keras never writes these; they ride along for a second-stage loader.",
        remediation: "Do not extract or import the member; re-export the model from a trusted source.",
        references: &["modelaudit keras_zip_scanner"],
        compliance: DESERIALIZATION,
    },
    Rule {
        id: "keras-archive-extra-member",
        title: ".keras archive has unexpected members",
        severity: Severity::Low,
        category: Category::Keras,
        description: "The `.keras` ZIP holds top-level members other than config.json, metadata.json, \
            model.weights.h5/npz and assets/. Keras ignores them, but they can hide payloads for other tools.",
        remediation: "Check what the extra members are and why they are there.",
        references: &["https://keras.io/guides/serialization_and_saving/"],
        compliance: CORRUPT_MODEL,
    },
    Rule {
        id: "keras-version-vulnerable",
        title: "Model written by a Keras version with known loading CVEs",
        severity: Severity::Low,
        category: Category::Keras,
        description: "The `keras_version` recorded in the file is older than the fixes of Keras deserialisation \
            CVEs. What matters is the Keras version that loads the file, not the one that wrote it: the \
            finding lists the CVEs that apply if the file is loaded with the same version.",
        remediation: "Load models only with an up-to-date Keras (>= 3.13.2) and `safe_mode=True`.",
        references: &[
            "CVE-2025-1550",
            "CVE-2025-8747",
            "CVE-2025-9905",
            "CVE-2026-1462",
        ],
        compliance: OUTDATED,
    },
    Rule {
        id: "keras-config-malformed",
        title: "Keras config could not be fully analysed",
        severity: Severity::Medium,
        category: Category::Keras,
        description: "config.json, metadata.json, model_config or a Lambda's bytecode is not valid JSON / \
            base64 / marshal, or exceeds the analysis caps (depth, size). The model is inconclusive.",
        remediation: "Re-download the model from a trusted source and scan again.",
        references: &["CWE-20"],
        compliance: CORRUPT_MODEL,
    },
    Rule {
        id: "keras-hdf5-malformed",
        title: "HDF5 file is malformed or unsupported",
        severity: Severity::Medium,
        category: Category::Keras,
        description: "The HDF5 structure (superblock, object headers, messages, heaps) is truncated, \
            inconsistent, cyclic, exceeds a cap, or uses a feature the bounded reader does not implement \
            (dense attribute storage). Its root attributes, where model_config lives, could not be read.",
        remediation: "Re-download the file from a trusted source and scan again.",
        references: &["HDFGroup/hdf5 #3220"],
        compliance: CORRUPT_MODEL,
    },
];
