//! ML infrastructure posture: exposed notebook, tracking and inference servers, disabled
//! authentication and browser protections, public buckets.

use super::{Category, Compliance, Rule};
use crate::Severity;

/// A server reachable without authentication (notebooks, tracking servers, dashboards): code
/// execution or model/data theft for anyone who can reach it.
const UNAUTH_SERVER: Compliance = Compliance {
    cwe: &["CWE-306", "CWE-1327"],
    owasp_ml: &["ML05:2023"],
    owasp_llm: &["LLM10:2025"],
    atlas: &["AML.T0049", "AML.T0040", "AML.M0019"],
    eu_ai_act: &["Art. 15(5)"],
    nist_ai_rmf: &["MEASURE 2.7", "MANAGE 2.4"],
    iso_42001: &["A.6.2.5", "A.6.2.6"],
};

/// Inference endpoints and model-management APIs open to the network.
const EXPOSED_INFERENCE: Compliance = Compliance {
    cwe: &["CWE-1327", "CWE-306"],
    owasp_ml: &["ML05:2023"],
    owasp_llm: &["LLM10:2025"],
    atlas: &["AML.T0040", "AML.T0049", "AML.M0019"],
    eu_ai_act: &["Art. 15(5)"],
    nist_ai_rmf: &["MEASURE 2.7", "MANAGE 2.4"],
    iso_42001: &["A.6.2.5", "A.6.2.6"],
};

const BROWSER: Compliance = Compliance {
    cwe: &["CWE-942", "CWE-352"],
    owasp_ml: &[],
    owasp_llm: &[],
    atlas: &["AML.T0049"],
    eu_ai_act: &["Art. 15(5)"],
    nist_ai_rmf: &["MEASURE 2.7"],
    iso_42001: &["A.6.2.5", "A.6.2.6"],
};

const MODEL_FETCH: Compliance = Compliance {
    cwe: &["CWE-918", "CWE-494"],
    owasp_ml: &["ML06:2023"],
    owasp_llm: &["LLM03:2025"],
    atlas: &["AML.T0010.003", "AML.T0049", "AML.M0019"],
    eu_ai_act: &["Art. 15(5)"],
    nist_ai_rmf: &["MEASURE 2.7", "MANAGE 2.4"],
    iso_42001: &["A.6.2.5", "A.10.3"],
};

const PUBLIC_BUCKET: Compliance = Compliance {
    cwe: &["CWE-732"],
    owasp_ml: &["ML05:2023", "ML02:2023"],
    owasp_llm: &["LLM02:2025", "LLM04:2025"],
    atlas: &["AML.T0024", "AML.M0005"],
    eu_ai_act: &["Art. 15(5)", "Art. 10(2)"],
    nist_ai_rmf: &["MEASURE 2.7", "MEASURE 2.10"],
    iso_42001: &["A.7.3", "A.6.2.5"],
};

const ROOT: Compliance = Compliance {
    cwe: &["CWE-250"],
    owasp_ml: &[],
    owasp_llm: &[],
    atlas: &["AML.T0049"],
    eu_ai_act: &["Art. 15(5)"],
    nist_ai_rmf: &["MEASURE 2.7"],
    iso_42001: &["A.6.2.5"],
};

const JUPYTER_DOC: &str =
    "https://jupyter-server.readthedocs.io/en/latest/operators/public-server.html";

pub(super) static RULES: &[Rule] = &[
    Rule {
        id: "posture-jupyter-no-auth",
        title: "Jupyter server without authentication",
        severity: Severity::High,
        category: Category::Posture,
        description: "A Jupyter Server / Notebook configuration or command line sets an empty token \
            (`c.ServerApp.token = ''`, `--NotebookApp.token=''`, `--IdentityProvider.token=`) without a \
            password. Anyone who can reach the port gets a Python kernel: code execution, credentials, \
            training data and models. Internet-facing unauthenticated notebooks are routinely hijacked for \
            crypto-mining and data theft.",
        remediation: "Keep token authentication (the default) or set a hashed password; bind to 127.0.0.1 and \
            reach the server through SSH port-forwarding, a VPN or an authenticating proxy (JupyterHub).",
        references: &[
            JUPYTER_DOC,
            "https://jupyter-server.readthedocs.io/en/latest/operators/security.html",
        ],
        compliance: UNAUTH_SERVER,
    },
    Rule {
        id: "posture-jupyter-allow-root",
        title: "Jupyter server allowed to run as root",
        severity: Severity::Low,
        category: Category::Posture,
        description: "`allow_root = True` / `--allow-root`: every notebook kernel runs as root, so any code \
            execution through the notebook (or a malicious model loaded in it) owns the container or host.",
        remediation: "Run the server as an unprivileged user (`USER` in the Dockerfile, `runAsNonRoot` in \
            Kubernetes).",
        references: &[JUPYTER_DOC],
        compliance: ROOT,
    },
    Rule {
        id: "posture-cors-wildcard",
        title: "Cross-origin protection disabled on an ML web server",
        severity: Severity::Medium,
        category: Category::Posture,
        description: "The Jupyter server accepts requests from any origin (`allow_origin = '*'`, \
            `allow_origin_pat` matching everything) or Streamlit's CORS protection is off \
            (`enableCORS = false`). A web page the user visits can then drive the server's API with the \
            user's session.",
        remediation: "Remove the wildcard; list the exact origins that need access.",
        references: &[
            "https://jupyter-server.readthedocs.io/en/latest/other/full-config.html",
            "https://docs.streamlit.io/develop/api-reference/configuration/config.toml",
        ],
        compliance: BROWSER,
    },
    Rule {
        id: "posture-xsrf-disabled",
        title: "XSRF protection disabled on an ML web server",
        severity: Severity::Medium,
        category: Category::Posture,
        description: "`disable_check_xsrf = True` (Jupyter) or `enableXsrfProtection = false` (Streamlit): \
            cross-site request forgery checks are off, so a malicious page can make the user's browser run \
            actions (for Jupyter: execute code in a kernel).",
        remediation: "Keep XSRF protection enabled; authenticate API clients with tokens instead of disabling it.",
        references: &[
            "https://jupyter-server.readthedocs.io/en/latest/other/full-config.html",
            "https://docs.streamlit.io/develop/api-reference/configuration/config.toml",
        ],
        compliance: BROWSER,
    },
    Rule {
        id: "posture-mlflow-server-exposed",
        title: "MLflow server on all interfaces without authentication",
        severity: Severity::High,
        category: Category::Posture,
        description: "`mlflow server` / `mlflow ui` listens on 0.0.0.0 (`--host 0.0.0.0`) without the \
            `--app-name basic-auth` authentication app. The tracking server has no authentication by \
            default: anyone on the network can read and overwrite models and artifacts (model theft, \
            poisoning) and several path-traversal CVEs give file read/write on the host.",
        remediation: "Bind to 127.0.0.1 behind an authenticating reverse proxy, or enable \
            `--app-name basic-auth`; keep MLflow up to date.",
        references: &[
            "https://mlflow.org/docs/latest/self-hosting/security/basic-http-auth/",
            "https://nvd.nist.gov/vuln/detail/CVE-2023-6831",
        ],
        compliance: UNAUTH_SERVER,
    },
    Rule {
        id: "posture-ray-dashboard-exposed",
        title: "Ray dashboard exposed on all interfaces",
        severity: Severity::High,
        category: Category::Posture,
        description: "`ray start --head --dashboard-host 0.0.0.0` (or `ray.init(dashboard_host=\"0.0.0.0\")`) \
            exposes the Ray dashboard and Jobs API, which have no authentication and run arbitrary jobs \
            (CVE-2023-48022, exploited in the wild as \"ShadowRay\").",
        remediation: "Keep the dashboard on 127.0.0.1 (the default) and reach it through port-forwarding or an \
            authenticating proxy; isolate the cluster network.",
        references: &[
            "https://docs.ray.io/en/latest/ray-security/index.html",
            "https://nvd.nist.gov/vuln/detail/CVE-2023-48022",
        ],
        compliance: UNAUTH_SERVER,
    },
    Rule {
        id: "posture-inference-server-exposed",
        title: "Inference server listens on all interfaces",
        severity: Severity::Medium,
        category: Category::Posture,
        description: "A model server (Triton `tritonserver`, TorchServe `inference_address`/`metrics_address`) \
            binds all interfaces. Triton has no authentication of its own, so anyone on the network can query \
            the model (model extraction, resource exhaustion) and, with `--model-control-mode=explicit`, \
            load and unload models.",
        remediation: "Bind to 127.0.0.1 or an internal interface and put an authenticating gateway in front; \
            restrict Triton's protocol endpoints (`--http-restricted-api`, `--grpc-restricted-protocol`).",
        references: &[
            "https://docs.nvidia.com/deeplearning/triton-inference-server/user-guide/docs/customization_guide/deploy.html",
            "https://pytorch.org/serve/configuration.html",
        ],
        compliance: EXPOSED_INFERENCE,
    },
    Rule {
        id: "posture-torchserve-management-exposed",
        title: "TorchServe management API exposed or unauthenticated",
        severity: Severity::High,
        category: Category::Posture,
        description: "TorchServe's `management_address` binds all interfaces, token authorization is disabled \
            (`disable_token_authorization=true`, `--disable-token-auth`) or the model API is enabled \
            (`enable_model_api=true`). The management API registers models from URLs, and a registered \
            `.mar` runs its handler code (\"ShellTorch\", CVE-2023-43654).",
        remediation: "Keep the management API on 127.0.0.1, keep token authorization on and the model API off; \
            upgrade to TorchServe >= 0.8.2.",
        references: &[
            "https://pytorch.org/serve/configuration.html",
            "https://pytorch.org/serve/token_authorization_api.html",
            "https://nvd.nist.gov/vuln/detail/CVE-2023-43654",
        ],
        compliance: UNAUTH_SERVER,
    },
    Rule {
        id: "posture-torchserve-allowed-urls",
        title: "TorchServe allowed_urls is a wildcard",
        severity: Severity::High,
        category: Category::Posture,
        description: "`allowed_urls` in TorchServe's `config.properties` matches any URL, so model registration \
            fetches `.mar` files (and their handler code) from anywhere: server-side request forgery and \
            remote code execution (CVE-2023-43654).",
        remediation: "List only the exact model-store URLs you trust (anchored regular expressions).",
        references: &[
            "https://pytorch.org/serve/configuration.html",
            "https://nvd.nist.gov/vuln/detail/CVE-2023-43654",
        ],
        compliance: MODEL_FETCH,
    },
    Rule {
        id: "posture-gradio-exposed",
        title: "Gradio app shared publicly without authentication",
        severity: Severity::Medium,
        category: Category::Posture,
        description: "A Gradio app is launched with `share=True` (public `*.gradio.live` tunnel) or \
            `server_name=\"0.0.0.0\"` and no `auth=`: anyone with the link can call the model and every \
            function the app exposes, including file access through Gradio's file routes.",
        remediation: "Pass `auth=` (or an auth dependency), keep `server_name` on 127.0.0.1 and avoid \
            `share=True` for anything but throw-away demos.",
        references: &["https://www.gradio.app/guides/sharing-your-app#security-and-file-access"],
        compliance: EXPOSED_INFERENCE,
    },
    Rule {
        id: "posture-public-bucket",
        title: "Public bucket ACL for ML data or models",
        severity: Severity::High,
        category: Category::Posture,
        description: "A training or deployment config or script grants public access to a storage bucket or \
            object (`acl: public-read`, `public-read-write`, `--acl public-read`, `allUsers`/\
            `allAuthenticatedUsers` grants). Models and training data become downloadable by anyone, and a \
            public-write bucket lets anyone replace them.",
        remediation: "Keep buckets private (S3 Block Public Access, GCS uniform bucket-level access with \
            public access prevention) and share through signed URLs or IAM principals.",
        references: &[
            "https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl",
            "https://cloud.google.com/storage/docs/public-access-prevention",
        ],
        compliance: PUBLIC_BUCKET,
    },
];
