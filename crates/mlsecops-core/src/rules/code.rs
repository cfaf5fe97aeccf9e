//! Unsafe ML API use in Python code and notebook cells.

use super::{Category, Compliance, DESERIALIZATION, REMOTE_CODE, Rule};
use crate::Severity;

/// Model output executed as code (improper output handling).
const OUTPUT_EXEC: Compliance = Compliance {
    cwe: &["CWE-95", "CWE-94"],
    owasp_ml: &["ML09:2023"],
    owasp_llm: &["LLM05:2025", "LLM06:2025"],
    atlas: &["AML.T0050", "AML.T0051", "AML.M0020"],
    eu_ai_act: &["Art. 15(5)"],
    nist_ai_rmf: &["MEASURE 2.7", "MANAGE 2.4"],
    iso_42001: &["A.6.2.4", "A.6.2.6"],
};

/// Agent tools that execute generated code.
const AGENT_CODE: Compliance = Compliance {
    cwe: &["CWE-94"],
    owasp_ml: &[],
    owasp_llm: &["LLM06:2025", "LLM05:2025"],
    atlas: &["AML.T0053", "AML.T0050", "AML.M0020"],
    eu_ai_act: &["Art. 15(5)", "Art. 14"],
    nist_ai_rmf: &["MEASURE 2.7", "MANAGE 2.4"],
    iso_42001: &["A.6.2.4", "A.6.2.6"],
};

const SHELL: Compliance = Compliance {
    cwe: &["CWE-78"],
    owasp_ml: &[],
    owasp_llm: &["LLM05:2025"],
    atlas: &["AML.T0050"],
    eu_ai_act: &["Art. 15(5)"],
    nist_ai_rmf: &["MEASURE 2.7"],
    iso_42001: &["A.6.2.4"],
};

const TLS: Compliance = Compliance {
    cwe: &["CWE-295"],
    owasp_ml: &["ML06:2023"],
    owasp_llm: &["LLM03:2025"],
    atlas: &["AML.T0010"],
    eu_ai_act: &["Art. 15(5)"],
    nist_ai_rmf: &["MEASURE 2.7"],
    iso_42001: &["A.6.2.4"],
};

const INCOMPLETE: Compliance = Compliance {
    cwe: &["CWE-400"],
    owasp_ml: &[],
    owasp_llm: &[],
    atlas: &[],
    eu_ai_act: &["Art. 15(5)"],
    nist_ai_rmf: &["MEASURE 2.7"],
    iso_42001: &["A.6.2.4"],
};

const PICKLE_DOC: &str =
    "https://docs.python.org/3/library/pickle.html (\"Warning: the pickle module is not secure\")";

pub(super) static RULES: &[Rule] = &[
    Rule {
        id: "code-torch-load-unsafe",
        title: "torch.load without weights_only=True",
        severity: Severity::Medium,
        category: Category::Code,
        description: "`torch.load` (or `torch.serialization.load`) is called without `weights_only=True`. PyTorch \
            before 2.6 defaults to the full unpickler, so loading an untrusted checkpoint runs arbitrary code; \
            from 2.6 the default is `weights_only=True`, but the code then silently depends on the installed \
            version (and on the `TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` environment variable).",
        remediation: "Pass `weights_only=True` explicitly (allow-list extra classes with \
            `torch.serialization.add_safe_globals`), or store weights as safetensors and load them with \
            `safetensors.torch.load_file`.",
        references: &[
            "https://pytorch.org/docs/stable/generated/torch.load.html",
            "https://dev-discuss.pytorch.org/t/bc-breaking-change-torch-load-is-being-flipped-to-use-weights-only-true-by-default-in-the-nightlies-after-137602/2573",
            PICKLE_DOC,
        ],
        compliance: DESERIALIZATION,
    },
    Rule {
        id: "code-torch-load-weights-only-disabled",
        title: "torch.load with weights_only=False",
        severity: Severity::High,
        category: Category::Code,
        description: "`torch.load(..., weights_only=False)` explicitly turns on the full pickle loader on every \
            PyTorch version: any checkpoint passed to this call can execute code when loaded.",
        remediation: "Use `weights_only=True` (with `torch.serialization.add_safe_globals` for the few classes the \
            checkpoint needs) or convert the checkpoint to safetensors; only load full pickles you produced \
            yourself and verify their hash or signature first.",
        references: &[
            "https://pytorch.org/docs/stable/generated/torch.load.html",
            PICKLE_DOC,
        ],
        compliance: DESERIALIZATION,
    },
    Rule {
        id: "code-pickle-load",
        title: "Pickle-based loader in code",
        severity: Severity::High,
        category: Category::Code,
        description: "The code loads data with a pickle-family loader (`pickle`/`_pickle`/`cPickle` `load(s)` or \
            `Unpickler`, `joblib.load`, `dill.load(s)`, `cloudpickle.load(s)`, `pandas.read_pickle`, \
            `torch.package.PackageImporter`, `shelve.open`). Unpickling runs the callables named in the \
            stream, so an attacker-supplied model or dataset file executes code.",
        remediation: "Load models from safetensors/ONNX/skops (with an explicit trusted-type list) and data from \
            Parquet/CSV/JSON; if a pickle cannot be avoided, scan it with `mlsecops scan` and pin its hash.",
        references: &[
            PICKLE_DOC,
            "https://huggingface.co/docs/hub/security-pickle",
        ],
        compliance: DESERIALIZATION,
    },
    Rule {
        id: "code-numpy-allow-pickle",
        title: "numpy.load with allow_pickle=True",
        severity: Severity::High,
        category: Category::Code,
        description: "`numpy.load(..., allow_pickle=True)` unpickles object arrays in `.npy`/`.npz` files; a crafted \
            file runs code (CVE-2019-6446 made `False` the default).",
        remediation: "Drop `allow_pickle=True`; store object data in a safe format (JSON, Parquet) instead.",
        references: &[
            "https://numpy.org/doc/stable/reference/generated/numpy.load.html",
            "https://nvd.nist.gov/vuln/detail/CVE-2019-6446",
        ],
        compliance: DESERIALIZATION,
    },
    Rule {
        id: "code-yaml-unsafe-load",
        title: "YAML loaded with an unsafe loader",
        severity: Severity::High,
        category: Category::Code,
        description: "`yaml.load` / `yaml.load_all` without `Loader=SafeLoader` (or `CSafeLoader`/`BaseLoader`), \
            `yaml.unsafe_load` or `yaml.full_load`: the unsafe and full loaders construct Python objects from \
            tags such as `!!python/object/apply`, so a crafted training or model config runs code \
            (CVE-2017-18342, CVE-2020-1747 and CVE-2020-14343 for FullLoader).",
        remediation: "Use `yaml.safe_load` / `yaml.load(f, Loader=yaml.SafeLoader)`.",
        references: &[
            "https://pyyaml.org/wiki/PyYAMLDocumentation",
            "https://nvd.nist.gov/vuln/detail/CVE-2020-14343",
        ],
        compliance: DESERIALIZATION,
    },
    Rule {
        id: "code-keras-unsafe-deserialization",
        title: "Keras safe mode disabled",
        severity: Severity::High,
        category: Category::Code,
        description: "A Keras load call passes `safe_mode=False`, or the code calls \
            `keras.config.enable_unsafe_deserialization()`. Either lets `Lambda` layers deserialize Python \
            bytecode from the model file, so loading an untrusted `.keras` model runs code.",
        remediation: "Keep the default `safe_mode=True`; replace `Lambda` layers with registered custom layers \
            whose code lives in your package.",
        references: &[
            "https://keras.io/api/models/model_saving_apis/model_saving_and_loading/",
            "https://nvd.nist.gov/vuln/detail/CVE-2024-3660",
        ],
        compliance: DESERIALIZATION,
    },
    Rule {
        id: "code-trust-remote-code",
        title: "Model or dataset repository code executed (trust_remote_code=True, torch.hub.load)",
        severity: Severity::High,
        category: Category::Code,
        description: "A call passes `trust_remote_code=True` (transformers `from_pretrained`/`pipeline`, \
            datasets `load_dataset`, sentence-transformers, vLLM…). The library then downloads and imports \
            Python files from the model or dataset repository, which run with the caller's privileges; a \
            compromised or typo-squatted repository executes code. `torch.hub.load` from a GitHub repository \
            (any source but `source=\"local\"`) likewise imports the repository's `hubconf.py`.",
        remediation: "Prefer models supported natively by the library; otherwise review the remote code and pin \
            the repository to a commit (`revision=\"<sha>\"`) so reviewed code cannot change.",
        references: &[
            "https://huggingface.co/docs/transformers/models#custom-models",
            "https://huggingface.co/docs/hub/security",
        ],
        compliance: REMOTE_CODE,
    },
    Rule {
        id: "code-eval-model-output",
        title: "eval/exec on model output",
        severity: Severity::Critical,
        category: Category::Code,
        description: "`eval`, `exec` or `compile` receives a value derived from model output. Heuristic: the \
            argument contains a call to an LLM/generation API (`*.completions.create`, `*.messages.create`, \
            `*.generate`, `*.invoke`, `*.predict`, `*.chat`…), a variable assigned from one, or a name that \
            reads like model output (response, completion, output, generated, answer, reply, llm_…). Prompt \
            injection then becomes code execution. Literal arguments are not reported here.",
        remediation: "Never execute model output. Parse it as data (`json.loads`, `ast.literal_eval` for \
            literals) and validate it against a schema; run generated code only in an isolated sandbox \
            without credentials.",
        references: &[
            "https://genai.owasp.org/llmrisk/llm052025-improper-output-handling/",
            "https://cwe.mitre.org/data/definitions/95.html",
        ],
        compliance: OUTPUT_EXEC,
    },
    Rule {
        id: "code-agent-code-execution",
        title: "Agent tool executes generated code",
        severity: Severity::High,
        category: Category::Code,
        description: "An LLM agent or chain is given a tool that runs model-written code in the host process: \
            `allow_dangerous_code=True` (pandas/CSV/Spark agents), `PythonREPLTool`, `PythonAstREPLTool`, \
            `PythonREPL`, `load_tools([\"python_repl\"])`, `LLMMathChain` or `PALChain` (CVE-2023-29374, \
            CVE-2023-36258). A prompt injected through any input the agent reads becomes code execution.",
        remediation: "Remove code-execution tools, or run them in a sandbox (container without network and \
            secrets, resource limits) and require human approval for each execution.",
        references: &[
            "https://python.langchain.com/docs/security/",
            "https://nvd.nist.gov/vuln/detail/CVE-2023-29374",
            "https://genai.owasp.org/llmrisk/llm062025-excessive-agency/",
        ],
        compliance: AGENT_CODE,
    },
    Rule {
        id: "code-shell-injection",
        title: "Shell command built from a non-literal value",
        severity: Severity::High,
        category: Category::Code,
        description: "`subprocess.*(..., shell=True)`, `os.system`, `os.popen` or `subprocess.getoutput` run a \
            command string that is not a literal (f-string, concatenation, variable). Any file name, model id \
            or model output interpolated into it can inject shell commands.",
        remediation: "Pass an argument list without `shell=True` (`subprocess.run([\"cmd\", arg])`); never \
            interpolate untrusted values into shell strings (`shlex.quote` only as a last resort).",
        references: &["https://docs.python.org/3/library/subprocess.html#security-considerations"],
        compliance: SHELL,
    },
    Rule {
        id: "code-tls-verify-disabled",
        title: "TLS certificate verification disabled",
        severity: Severity::Medium,
        category: Category::Code,
        description: "An HTTP call (`requests`, `httpx`, or an HTTP-verb method) passes `verify=False`, so models, \
            datasets or API responses fetched by it can be replaced by anyone on the network path.",
        remediation: "Remove `verify=False`; point `verify=` at the right CA bundle when a private CA is used.",
        references: &[
            "https://requests.readthedocs.io/en/latest/user/advanced/#ssl-cert-verification",
        ],
        compliance: TLS,
    },
    Rule {
        id: "code-analysis-incomplete",
        title: "Python code not fully linted",
        severity: Severity::Low,
        category: Category::Code,
        description: "The unsafe-ML-code lint stopped early on this source (size, nesting depth or AST node \
            limit, or an unusable parse); calls past that point were not checked.",
        remediation: "Review the file manually or raise the limits.",
        references: &[],
        compliance: INCOMPLETE,
    },
];
