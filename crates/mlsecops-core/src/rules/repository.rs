//! Model repository rules: Hugging Face configs and code, `MLflow`, skops, `TorchServe`, `NeMo`,
//! custom Python code shipped with models and known-safe configuration formats.

use super::{CORRUPT_MODEL, Category, Compliance, DESERIALIZATION, REMOTE_CODE, RESOURCE, Rule};
use crate::Severity;

/// Commands and dynamic code in Python shipped with a model.
const CODE_INJECTION: Compliance = Compliance {
    cwe: &["CWE-78", "CWE-94"],
    owasp_ml: &["ML06:2023"],
    owasp_llm: &["LLM03:2025"],
    atlas: &["AML.T0011.000", "AML.T0010.003", "AML.M0016"],
    eu_ai_act: &["Art. 15(5)"],
    nist_ai_rmf: &["MEASURE 2.7", "MANAGE 3.2"],
    iso_42001: &["A.10.3", "A.6.2.4"],
};

/// Exfiltration and network access from model code.
const EXFILTRATION: Compliance = Compliance {
    cwe: &["CWE-200", "CWE-506"],
    owasp_ml: &["ML06:2023"],
    owasp_llm: &["LLM03:2025", "LLM02:2025"],
    atlas: &["AML.T0011.000", "AML.T0025", "AML.M0016"],
    eu_ai_act: &["Art. 15(5)"],
    nist_ai_rmf: &["MEASURE 2.7", "MANAGE 3.2"],
    iso_42001: &["A.10.3"],
};

pub(super) static RULES: &[Rule] = &[
    // ---- Hugging Face ----
    Rule {
        id: "hf-auto-map-cross-repo",
        title: "auto_map points into another repository",
        severity: Severity::High,
        category: Category::Repository,
        description: "A Hugging Face config (`config.json`, `tokenizer_config.json`, processor configs) maps an \
            Auto class to `other-org/other-repo--module.Class`. With `trust_remote_code=True` transformers downloads \
            and runs that module from a repository the model author does not control; vLLM loaded such code even \
            with `trust_remote_code=False` (CVE-2025-66448, CVE-2026-22807, CVE-2026-27893).",
        remediation: "Do not load the model with remote code enabled. Pin the referenced repository to a reviewed \
            revision or vendor the code after review; upgrade vLLM to ≥ 0.18.0.",
        references: &[
            "CVE-2025-66448",
            "CVE-2026-22807",
            "CVE-2026-27893",
            "https://huggingface.co/docs/transformers/custom_models",
        ],
        compliance: REMOTE_CODE,
    },
    Rule {
        id: "hf-auto-map-remote-code",
        title: "auto_map loads Python code from the repository",
        severity: Severity::High,
        category: Category::Repository,
        description: "A Hugging Face config maps an Auto class to `module.Class`: loading the model with \
            `trust_remote_code=True` imports `module.py` from the repository and runs it with the user's \
            privileges. The evidence says whether the module file is present next to the config; a missing file \
            is fetched from the Hub at load time and was not scanned.",
        remediation: "Review the referenced Python files (their own findings are listed separately) before \
            enabling `trust_remote_code`, and pin the model revision.",
        references: &[
            "https://huggingface.co/docs/transformers/custom_models",
            "model-formats reference E7",
        ],
        compliance: REMOTE_CODE,
    },
    Rule {
        id: "hf-trust-remote-code",
        title: "Config asks for trust_remote_code",
        severity: Severity::Medium,
        category: Category::Repository,
        description: "A configuration file sets `trust_remote_code: true`, custom pipelines or custom module \
            types, so tools that honour it import Python from the repository or the Hub.",
        remediation: "Load with `trust_remote_code=False` unless the repository's code has been reviewed and the \
            revision is pinned.",
        references: &["https://huggingface.co/docs/transformers/custom_models"],
        compliance: REMOTE_CODE,
    },
    Rule {
        id: "hf-custom-module",
        title: "sentence-transformers module outside the library",
        severity: Severity::Medium,
        category: Category::Repository,
        description: "`modules.json` (sentence-transformers) or a custom pipeline entry names a class outside the \
            library's own namespace; it is imported from the repository (or an installed package) when the \
            model loads.",
        remediation: "Check that the named module is a trusted package; review repository code it points to.",
        references: &["https://sbert.net/docs/sentence_transformer/usage/custom_models.html"],
        compliance: REMOTE_CODE,
    },
    Rule {
        id: "hf-external-reference",
        title: "Config references a base model",
        severity: Severity::Info,
        category: Category::Repository,
        description: "An adapter or model config names a base model (`base_model_name_or_path`, `base_model`) \
            that is downloaded when the model loads; its contents are outside this scan.",
        remediation: "Scan the referenced base model too and pin its revision.",
        references: &["https://huggingface.co/docs/peft/package_reference/config"],
        compliance: REMOTE_CODE,
    },
    // ---- Python code ----
    Rule {
        id: "python-process-execution",
        title: "Python code runs shell commands",
        severity: Severity::Critical,
        category: Category::Repository,
        description: "Python shipped with the model (remote-code modelling files, handlers, loader modules) calls \
            os.system, os.popen, os.exec*/spawn*, subprocess, pty.spawn or commands. It runs when the model is \
            loaded with remote code enabled or served.",
        remediation: "Do not load the model with remote code; remove the call or vendor reviewed code.",
        references: &["CWE-78", "model-formats reference E7, E10"],
        compliance: CODE_INJECTION,
    },
    Rule {
        id: "python-dynamic-code",
        title: "Python code evaluates computed code",
        severity: Severity::Critical,
        category: Category::Repository,
        description: "eval, exec or compile receives a non-literal argument (a variable, a call, a decoded \
            string), so what runs cannot be known from the file.",
        remediation: "Treat as malicious unless the source of the evaluated string is reviewed; models do not \
            need eval.",
        references: &["CWE-95"],
        compliance: CODE_INJECTION,
    },
    Rule {
        id: "python-literal-eval",
        title: "Python code calls eval/exec on a literal",
        severity: Severity::High,
        category: Category::Repository,
        description: "eval, exec or compile is called on a string literal. It is visible, but the use of \
            code-evaluation primitives in model code is an obfuscation technique and is rarely legitimate.",
        remediation: "Review the literal and replace it with plain code.",
        references: &["CWE-95"],
        compliance: CODE_INJECTION,
    },
    Rule {
        id: "python-obfuscated-exec",
        title: "Python code executes decoded data",
        severity: Severity::Critical,
        category: Category::Repository,
        description: "A base64/zlib/codecs/bytes.fromhex/marshal decode feeds eval, exec or compile: the classic \
            packed-payload dropper.",
        remediation: "Treat the repository as malicious; do not load it.",
        references: &["CWE-506", "MITRE ATT&CK T1027"],
        compliance: CODE_INJECTION,
    },
    Rule {
        id: "python-network-access",
        title: "Python code opens network connections",
        severity: Severity::High,
        category: Category::Repository,
        description: "Model code calls socket, urllib.request, requests, httpx, http.client, aiohttp, ftplib, \
            smtplib, telnetlib or paramiko: downloads, beacons or exfiltration at load time.",
        remediation: "Review every network call; model code should not reach the network when loading.",
        references: &["modelscan settings (network family)"],
        compliance: EXFILTRATION,
    },
    Rule {
        id: "python-env-exfiltration",
        title: "Python code reads the environment and uses the network",
        severity: Severity::High,
        category: Category::Repository,
        description: "The same module reads environment variables (os.environ, os.getenv) and calls a network \
            API: the pattern of token and credential theft (HF_TOKEN, AWS keys).",
        remediation: "Treat as malicious; rotate credentials on machines that loaded it.",
        references: &["CWE-200"],
        compliance: EXFILTRATION,
    },
    Rule {
        id: "python-unsafe-deserialization",
        title: "Python code deserialises with pickle",
        severity: Severity::High,
        category: Category::Repository,
        description: "Model code calls pickle/dill/cloudpickle/joblib/marshal loads, torch.load without \
            weights_only=True, numpy.load(allow_pickle=True), yaml.load without a safe loader or shelve.open: \
            any file it reads can run code.",
        remediation: "Use torch.load(weights_only=True), safetensors, yaml.safe_load and numpy.load without \
            allow_pickle.",
        references: &["CWE-502", "https://docs.python.org/3/library/pickle.html"],
        compliance: DESERIALIZATION,
    },
    Rule {
        id: "python-native-code",
        title: "Python code loads native libraries",
        severity: Severity::High,
        category: Category::Repository,
        description: "Model code uses ctypes or cffi to load a shared library or call native memory, which \
            bypasses any Python-level review.",
        remediation: "Review the library being loaded; prefer published, signed extensions.",
        references: &["CWE-111"],
        compliance: CODE_INJECTION,
    },
    Rule {
        id: "python-sensitive-file-write",
        title: "Python code writes to sensitive paths",
        severity: Severity::High,
        category: Category::Repository,
        description: "Model code opens for writing (or copies to) ~/.ssh, /etc, shell start-up files \
            (.bashrc, .profile, .zshrc), crontabs or similar: persistence on the loading machine.",
        remediation: "Treat as malicious; inspect the named path on machines that loaded the model.",
        references: &["CWE-73", "MITRE ATT&CK T1546.004"],
        compliance: CODE_INJECTION,
    },
    Rule {
        id: "python-runtime-tampering",
        title: "Python code patches the runtime",
        severity: Severity::High,
        category: Category::Repository,
        description: "Model code rebinds builtins (setattr(builtins, …)), monkeypatches torch.load / pickle \
            functions, or edits sys.modules: it changes how other code (including safety checks) behaves.",
        remediation: "Review the patch; loading code should not alter global interpreter state.",
        references: &["CWE-913"],
        compliance: CODE_INJECTION,
    },
    Rule {
        id: "python-dynamic-import",
        title: "Python code imports a computed module name",
        severity: Severity::Medium,
        category: Category::Repository,
        description: "__import__ or importlib.import_module is called with a non-literal name, hiding which \
            module is loaded from static review.",
        remediation: "Review where the module name comes from.",
        references: &["CWE-470"],
        compliance: CODE_INJECTION,
    },
    Rule {
        id: "python-syntax-error",
        title: "Python file has syntax errors",
        severity: Severity::Low,
        category: Category::Repository,
        description: "The Python parser recovered from syntax errors; the recovered tree was analysed, but \
            Python itself would reject the file (or a different Python version would read it differently).",
        remediation: "Check whether the file is really Python and whether it was truncated.",
        references: &["https://docs.python.org/3/reference/grammar.html"],
        compliance: CORRUPT_MODEL,
    },
    Rule {
        id: "python-limit-exceeded",
        title: "Python file exceeds analysis limits",
        severity: Severity::Medium,
        category: Category::Repository,
        description: "The file is larger, more deeply nested or has more syntax nodes than the analyser's limits; \
            it was not (fully) analysed.",
        remediation: "Review the file by hand; legitimate model code is small and shallow.",
        references: &["model-formats reference §8"],
        compliance: RESOURCE,
    },
    // ---- MLflow ----
    Rule {
        id: "mlflow-loader-module",
        title: "MLflow model runs a custom loader module",
        severity: Severity::High,
        category: Category::Repository,
        description: "The `MLmodel` `python_function` flavour names a `loader_module` outside `mlflow.`: \
            `mlflow.pyfunc.load_model` imports it (from the model's `code` paths) and calls `_load_pyfunc`, running \
            arbitrary code on load.",
        remediation: "Review the loader module and the files under `code/`; load only models from trusted \
            registries.",
        references: &[
            "CVE-2024-37052",
            "CVE-2024-37060",
            "https://mlflow.org/docs/latest/models.html",
        ],
        compliance: REMOTE_CODE,
    },
    Rule {
        id: "mlflow-code-paths",
        title: "MLflow model ships code paths",
        severity: Severity::Medium,
        category: Category::Repository,
        description: "The `MLmodel` lists `code`/`code_paths` directories that are put on `sys.path` when the \
            model loads, so modules in them can shadow installed packages.",
        remediation: "Review the Python files under the listed directories (their own findings are listed).",
        references: &["https://mlflow.org/docs/latest/models.html"],
        compliance: REMOTE_CODE,
    },
    Rule {
        id: "mlflow-pickle-model",
        title: "MLflow flavour loads a pickle",
        severity: Severity::Medium,
        category: Category::Repository,
        description: "The flavour loads its model through pickle or cloudpickle (`python_model.pkl`, \
            `pickled_model`, `serialization_format: pickle|cloudpickle`, torch.save). The pickle is scanned \
            separately; this finding records that loading the model deserialises it (CVE-2024-37052…37060).",
        remediation: "Prefer formats that do not execute code (ONNX, safetensors, skops) and load models only \
            from trusted registries.",
        references: &[
            "CVE-2024-37052",
            "CVE-2024-37053",
            "CVE-2024-37054",
            "CVE-2024-37057",
        ],
        compliance: DESERIALIZATION,
    },
    Rule {
        id: "mlflow-missing-file",
        title: "MLmodel references a missing file",
        severity: Severity::Medium,
        category: Category::Repository,
        description: "A file or directory named in `MLmodel` is not present in the model directory, so what \
            would be loaded was not scanned.",
        remediation: "Scan the complete model artifact, including referenced files.",
        references: &["https://mlflow.org/docs/latest/models.html"],
        compliance: CORRUPT_MODEL,
    },
    // ---- skops ----
    Rule {
        id: "skops-dangerous-type",
        title: "skops file references a code-execution callable",
        severity: Severity::Critical,
        category: Category::Repository,
        description: "The `schema.json` of a `.skops` file names a type or function that runs code \
            (builtins.eval/exec, os.system, subprocess, operator.methodcaller, functools.partial, importlib…). \
            skops refuses it by default, but users routinely pass `trusted=get_untrusted_types(...)`.",
        remediation: "Do not load the file; never pass the untrusted-type list back as `trusted=` without \
            reviewing it.",
        references: &[
            "CVE-2024-37065",
            "https://skops.readthedocs.io/en/stable/persistence.html",
        ],
        compliance: DESERIALIZATION,
    },
    Rule {
        id: "skops-untrusted-type",
        title: "skops file needs an untrusted type",
        severity: Severity::Medium,
        category: Category::Repository,
        description: "The `schema.json` names a type outside skops's default trusted set; loading needs it to be \
            passed in `trusted=`, and it is constructed from the file when loaded.",
        remediation: "Review each listed type before trusting it.",
        references: &["https://skops.readthedocs.io/en/stable/persistence.html"],
        compliance: DESERIALIZATION,
    },
    // ---- TorchServe ----
    Rule {
        id: "torchserve-custom-handler",
        title: "TorchServe archive ships a custom handler",
        severity: Severity::Medium,
        category: Category::Repository,
        description: "`MAR-INF/MANIFEST.json` names a handler that is not one of TorchServe's built-ins; its \
            Python runs in the model server when the model is registered (its own findings are listed).",
        remediation: "Review the handler source before registering the archive.",
        references: &["https://github.com/pytorch/serve/blob/master/model-archiver/README.md"],
        compliance: REMOTE_CODE,
    },
    Rule {
        id: "torchserve-requirements",
        title: "TorchServe archive installs packages",
        severity: Severity::Medium,
        category: Category::Repository,
        description: "The manifest names a requirements file; with `install_py_dep_per_model` TorchServe runs \
            pip on it at registration, installing whatever it lists.",
        remediation: "Review and pin the listed packages, or disable per-model dependency installation.",
        references: &["https://pytorch.org/serve/configuration.html"],
        compliance: REMOTE_CODE,
    },
    Rule {
        id: "torchserve-model-file",
        title: "TorchServe archive ships a Python model file",
        severity: Severity::Low,
        category: Category::Repository,
        description: "The manifest names a Python model file (eager-mode model definition) that is imported \
            when the model loads.",
        remediation: "Review the model file; its own findings are listed separately.",
        references: &["https://github.com/pytorch/serve/blob/master/model-archiver/README.md"],
        compliance: REMOTE_CODE,
    },
    // ---- NeMo / Hydra ----
    Rule {
        id: "nemo-target-code-execution",
        title: "NeMo config instantiates a code-execution target",
        severity: Severity::Critical,
        category: Category::Repository,
        description: "A Hydra `_target_` in the NeMo `model_config.yaml` names a function that runs commands or \
            code (os.system, subprocess, builtins.eval/exec, importlib, runpy…). `restore_from` instantiates it \
            with the config's arguments.",
        remediation: "Do not restore the model; treat it as malicious.",
        references: &[
            "CVE-2025-23304",
            "https://hydra.cc/docs/advanced/instantiate_objects/overview/",
        ],
        compliance: REMOTE_CODE,
    },
    Rule {
        id: "nemo-untrusted-target",
        title: "NeMo config instantiates a target outside trusted libraries",
        severity: Severity::Medium,
        category: Category::Repository,
        description: "A Hydra `_target_` names a class outside nemo, torch, omegaconf, lightning, transformers or \
            megatron; it is imported and called when the model is restored.",
        remediation: "Check that the named callable belongs to a trusted package.",
        references: &["CVE-2025-23304"],
        compliance: REMOTE_CODE,
    },
    // ---- Generic configuration ----
    Rule {
        id: "config-malformed",
        title: "Configuration file is malformed",
        severity: Severity::Medium,
        category: Category::Repository,
        description: "A JSON/YAML configuration, model metadata or known-safe model file could not be parsed or \
            failed validation; it was not fully analysed and loaders may read it differently.",
        remediation: "Regenerate the file with its writer; check whether it was truncated or tampered with.",
        references: &["https://www.rfc-editor.org/rfc/rfc8259"],
        compliance: CORRUPT_MODEL,
    },
    Rule {
        id: "config-limit-exceeded",
        title: "Configuration file exceeds analysis limits",
        severity: Severity::Medium,
        category: Category::Repository,
        description: "A configuration or metadata file is larger or more deeply nested than the analyser's limits, \
            or uses YAML aliases/anchors beyond the limit; it was not fully analysed.",
        remediation: "Review the file by hand; legitimate configs are small.",
        references: &["https://en.wikipedia.org/wiki/Billion_laughs_attack"],
        compliance: RESOURCE,
    },
];
