//! Secret and credential rules. The detectors themselves are data (`crates/mlsecops-secrets/data/rules.toml`); each detector names one of these registry rules as its group.

use super::{Category, Compliance, Rule};
use crate::Severity;

/// A live credential in a file: hard-coded credential, sensitive information disclosure.
const SECRET_LEAK: Compliance = Compliance {
    cwe: &["CWE-798", "CWE-540"],
    owasp_ml: &[],
    owasp_llm: &["LLM02:2025"],
    atlas: &["AML.T0055"],
    eu_ai_act: &["Art. 15(5)"],
    nist_ai_rmf: &["MEASURE 2.7", "MAP 4.2"],
    iso_42001: &["A.4.4"],
};

/// Housekeeping of the secrets baseline (no leak by itself).
const SECRET_HYGIENE: Compliance = Compliance {
    cwe: &["CWE-798"],
    owasp_ml: &[],
    owasp_llm: &["LLM02:2025"],
    atlas: &[],
    eu_ai_act: &[],
    nist_ai_rmf: &["MEASURE 2.7"],
    iso_42001: &["A.4.4"],
};

const SECRET_REFS: &[&str] = &[
    "https://cwe.mitre.org/data/definitions/798.html",
    "https://genai.owasp.org/llmrisk/llm022025-sensitive-information-disclosure/",
    "https://atlas.mitre.org/techniques/AML.T0055",
    "https://github.com/gitleaks/gitleaks (detector formats, MIT)",
];

const ROTATE: &str = "Revoke and rotate the credential at the provider now (assume it is compromised once it \
    was committed, pushed or shared), remove it from the file and from history (notebook outputs included), \
    and load it at run time from the environment or a secret manager. If it is a known false positive, add \
    `mlsecops:allow` on the line or record it in the secrets baseline.";

pub(super) static RULES: &[Rule] = &[
    Rule {
        id: "secret-ml-platform-token",
        title: "ML platform or model-provider token in text",
        severity: Severity::Critical,
        category: Category::Secrets,
        description: "A token of an ML platform or model API (Hugging Face, OpenAI, Anthropic, Cohere, Replicate, \
            Groq, Mistral, Pinecone, Weights & Biases, Kaggle, Databricks, Comet, Neptune, LangSmith, xAI, \
            Perplexity, DeepSeek, Together…) appears in code, a notebook, a config or an output. Such tokens give \
            write access to models and datasets (model poisoning, supply-chain attacks) or run up inference bills.",
        remediation: ROTATE,
        references: SECRET_REFS,
        compliance: SECRET_LEAK,
    },
    Rule {
        id: "secret-cloud-credential",
        title: "Cloud provider credential in text",
        severity: Severity::Critical,
        category: Category::Secrets,
        description: "An AWS, Google Cloud, Azure, Alibaba, DigitalOcean or similar cloud credential appears in \
            the text. Cloud keys reach training data buckets, model registries and compute.",
        remediation: ROTATE,
        references: SECRET_REFS,
        compliance: SECRET_LEAK,
    },
    Rule {
        id: "secret-vcs-token",
        title: "Source-control or package-registry token in text",
        severity: Severity::High,
        category: Category::Secrets,
        description: "A GitHub, GitLab, Bitbucket, npm, PyPI, Docker Hub or similar token appears in the text. \
            These tokens can push code or publish packages (supply-chain compromise).",
        remediation: ROTATE,
        references: SECRET_REFS,
        compliance: SECRET_LEAK,
    },
    Rule {
        id: "secret-messaging-token",
        title: "Messaging or e-mail service token in text",
        severity: Severity::High,
        category: Category::Secrets,
        description: "A Slack, Discord, Telegram, Twilio, SendGrid, Mailchimp or similar token or webhook URL \
            appears in the text; it allows sending messages as the owner (phishing, data exfiltration).",
        remediation: ROTATE,
        references: SECRET_REFS,
        compliance: SECRET_LEAK,
    },
    Rule {
        id: "secret-payment-key",
        title: "Payment provider key in text",
        severity: Severity::Critical,
        category: Category::Secrets,
        description: "A Stripe, Square, PayPal/Braintree, Shopify or similar payment or commerce key appears in \
            the text.",
        remediation: ROTATE,
        references: SECRET_REFS,
        compliance: SECRET_LEAK,
    },
    Rule {
        id: "secret-database-credential",
        title: "Database or message-broker password in a connection URI",
        severity: Severity::High,
        category: Category::Secrets,
        description: "A connection URI (`postgres://`, `mysql://`, `mongodb://`, `redis://`, `amqp://`…) carries a \
            password (`scheme://user:password@host`). ML pipelines often embed feature-store and MLflow backend \
            URIs this way.",
        remediation: ROTATE,
        references: SECRET_REFS,
        compliance: SECRET_LEAK,
    },
    Rule {
        id: "secret-private-key",
        title: "Private key in text",
        severity: Severity::Critical,
        category: Category::Secrets,
        description: "A PEM/OpenSSH/PGP private key block (or a service-account JSON with one) appears in the text.",
        remediation: "Revoke the key pair (certificates, deploy keys, service accounts), generate a new one, \
            and keep private keys out of repositories and notebooks.",
        references: SECRET_REFS,
        compliance: SECRET_LEAK,
    },
    Rule {
        id: "secret-api-key",
        title: "SaaS API key in text",
        severity: Severity::High,
        category: Category::Secrets,
        description: "An API key or token of a SaaS provider (monitoring, CI, CRM, storage, maps…) appears in the \
            text; the detector id in the evidence names the provider.",
        remediation: ROTATE,
        references: SECRET_REFS,
        compliance: SECRET_LEAK,
    },
    Rule {
        id: "secret-generic-credential",
        title: "High-entropy value assigned to a secret-like name",
        severity: Severity::Medium,
        category: Category::Secrets,
        description: "A high-entropy string (or a JWT) is assigned to a name such as `password`, `secret`, \
            `api_key` or `token`. No provider format matched, so this may be a false positive; review it.",
        remediation: ROTATE,
        references: SECRET_REFS,
        compliance: SECRET_LEAK,
    },
    Rule {
        id: "secret-baseline-unused",
        title: "Secrets baseline entry no longer matches anything",
        severity: Severity::Info,
        category: Category::Secrets,
        description: "An entry of the secrets baseline (`.mlsecops-secrets-baseline.json`) matched no finding in \
            this scan: the secret was removed or the file moved. Stale entries hide nothing today but could \
            silently accept the same secret if it comes back.",
        remediation: "Regenerate the baseline with `mlsecops secrets baseline PATH…` or delete the entry.",
        references: &["https://github.com/Yelp/detect-secrets#baseline"],
        compliance: SECRET_HYGIENE,
    },
];
