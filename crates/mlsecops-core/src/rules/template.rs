//! Jinja chat-template rules.

use super::{Category, Compliance, RESOURCE, Rule};
use crate::Severity;

/// Server-side template injection in chat templates shipped with a model.
const SSTI: Compliance = Compliance {
    cwe: &["CWE-1336", "CWE-94"],
    owasp_ml: &["ML06:2023"],
    owasp_llm: &["LLM03:2025", "LLM05:2025"],
    atlas: &["AML.T0010.003", "AML.T0011.000", "AML.M0016"],
    eu_ai_act: &["Art. 15(5)", "Annex IV 2(h)"],
    nist_ai_rmf: &["MEASURE 2.7", "MANAGE 3.2", "GOVERN 6.1"],
    iso_42001: &["A.10.3", "A.6.2.4"],
};

const SSTI_REFS: &[&str] = &[
    "CVE-2024-34359 (llama-cpp-python chat template SSTI)",
    "CVE-2026-5760 (SGLang chat template SSTI), CERT VU#915947",
    "https://jinja.palletsprojects.com/en/stable/sandbox/",
    "modelaudit jinja2_template_scanner.py (JINJA2_SSTI_PATTERNS)",
];

pub(super) static RULES: &[Rule] = &[
    Rule {
        id: "template-ssti-dunder",
        title: "Chat template accesses Python dunder attributes",
        severity: Severity::Critical,
        category: Category::Template,
        description: "The Jinja chat template reads a double-underscore attribute or item (`__class__`, `__mro__`, \
            `__subclasses__`, `__globals__`, `__builtins__`, `__init__`, `__import__`…), directly, through \
            `|attr(...)` or through a string that folds to such a name. This is the sandbox-escape chain of \
            server-side template injection: rendered by an unsandboxed Jinja2 environment (llama-cpp-python \
            before 0.2.72, vLLM/SGLang chat serving) it reaches `os.popen` and runs commands when a chat request \
            is formatted. No real chat template needs these names.",
        remediation: "Do not serve the model with this template. Replace the chat template with a known-good one \
            and render templates only in a sandboxed Jinja environment (ImmutableSandboxedEnvironment).",
        references: SSTI_REFS,
        compliance: SSTI,
    },
    Rule {
        id: "template-attr-dynamic",
        title: "Chat template calls |attr with a computed name",
        severity: Severity::Critical,
        category: Category::Template,
        description: "`|attr(x)` is given a name that is not a plain literal (built with `~`, `join`, `format`, \
            `%`, `replace`, reversal, a variable…). Building attribute names at render time is how SSTI payloads \
            hide `__class__`/`__globals__` from string scanners.",
        remediation: "Do not serve the model with this template; replace it with a known-good chat template.",
        references: SSTI_REFS,
        compliance: SSTI,
    },
    Rule {
        id: "template-obfuscated-name",
        title: "Chat template builds a lookup name from strings",
        severity: Severity::High,
        category: Category::Template,
        description: "A subscript (`x[...]`) uses a key assembled from string pieces (`~` or `+` concatenation, \
            `join`, `format`, `%` formatting, `replace`, `[::-1]` reversal, `|string`, `chr`) or a string constant \
            naming a Python internal. Chat templates index messages with plain keys; constructed keys are an \
            obfuscation technique of SSTI payloads.",
        remediation: "Review the template; replace it with a known-good chat template if the construction is not \
            clearly benign.",
        references: SSTI_REFS,
        compliance: SSTI,
    },
    Rule {
        id: "template-ssti-gadget",
        title: "Chat template reaches into an SSTI gadget",
        severity: Severity::High,
        category: Category::Template,
        description: "The template takes attributes of Jinja/Flask globals used as SSTI entry points (`cycler`, \
            `joiner`, `lipsum`, `namespace`, `range`, `self`, `request`, `config`, `url_for`…), reads private \
            `_`-prefixed attributes, or names Python execution primitives (`os`, `popen`, `system`, \
            `subprocess`, `eval`, `exec`, `open`, `import`, `getattr`) in an attribute chain or call. Calling \
            `namespace(...)`, `raise_exception(...)` or `strftime_now(...)` as chat templates do is not flagged.",
        remediation: "Do not serve the model with this template; replace it with a known-good chat template.",
        references: SSTI_REFS,
        compliance: SSTI,
    },
    Rule {
        id: "template-attr-filter",
        title: "Chat template uses the attr filter",
        severity: Severity::Medium,
        category: Category::Template,
        description: "The template uses `|attr('name')` with a plain, harmless-looking name. `attr` bypasses \
            item lookup and is rarely needed in chat templates; it is the building block of filter-based SSTI \
            chains.",
        remediation: "Prefer `x.name` or `x['name']`; review why the template needs attr.",
        references: SSTI_REFS,
        compliance: SSTI,
    },
    Rule {
        id: "template-unparsed",
        title: "Chat template could not be parsed",
        severity: Severity::Medium,
        category: Category::Template,
        description: "The template is not valid Jinja syntax for the analyser (minijinja is close to, not identical \
            to, Jinja2). A lexical scan looked for the same dangerous names; its findings are listed. When the \
            lexical scan sees string-building constructs it cannot judge, the template is inconclusive.",
        remediation: "Check that the template renders in the target runtime; review it by hand.",
        references: SSTI_REFS,
        compliance: SSTI,
    },
    Rule {
        id: "template-limit-exceeded",
        title: "Chat template exceeds a scanner limit",
        severity: Severity::Medium,
        category: Category::Template,
        description: "The template is longer, has longer expressions or nests deeper than the analyser's caps; the \
            rest was not analysed and the template is inconclusive. Real chat templates are a few kilobytes.",
        remediation: "Review the template by hand; raise the caps knowingly.",
        references: SSTI_REFS,
        compliance: RESOURCE,
    },
];
