//! Unsafe-ML-code lint for any Python source (project code, scripts, notebook cells).
//!
//! Where [`crate::python`] looks for what *model-shipped* code does when a model is loaded
//! (process execution, network access, …), this lint looks for unsafe *uses* of ML APIs in
//! the project's own code: pickle-family and `torch.load` loads, `numpy.load(allow_pickle=True)`,
//! unsafe YAML loaders, Keras `safe_mode=False`, `trust_remote_code=True`, model output fed to
//! `eval`/`exec`, agent tools that run generated code, shell commands built from variables,
//! disabled TLS verification, and three posture rules visible in code: Gradio apps shared
//! without authentication (`posture-gradio-exposed`), Ray dashboards opened on all interfaces
//! (`ray.init(dashboard_host="0.0.0.0")`) and public storage ACLs in boto3/GCS calls
//! (`ACL="public-read"`, `ExtraArgs={"ACL": ...}`, `predefined_acl=`).
//!
//! It reuses the parser driver, limits and import-alias [`Resolver`] of [`crate::python`]:
//! the source is parsed (never imported or run), names are resolved through imports
//! (`from torch import load as L`, `import joblib as jl`), then each call is checked.
//!
//! # Model-output heuristic (`code-eval-model-output`)
//! The argument of `eval`/`exec`/`compile` counts as model output when it contains
//! - a call to an LLM / generation API: resolved names ending in `completions.create`,
//!   `ChatCompletion.create`, `Completion.create`, `messages.create`, or a method named
//!   `generate`, `generate_content`, `invoke`, `ainvoke`, `predict`, `chat`, `complete`,
//!   `completion`, `create_completion`, `create_chat_completion`, `text_generation`,
//!   `chat_completion`, `run` on a non-`subprocess` receiver;
//! - a variable assigned (earlier in the module, flow-insensitively) from such a value;
//! - a name, attribute or string subscript key whose `_`-separated words include response,
//!   resp, completion(s), output(s), generated, generation(s), answer, reply, llm, gpt.
//!
//! A string-literal argument is never reported by this rule (the model-load-time analyser
//! reports literal eval separately).

use std::collections::HashSet;

use mlsecops_core::{FormatAnalysis, Observation};
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{Expr, ExprCall, ModModule, Stmt};
use ruff_text_size::Ranged;

use crate::python::{
    DriverIds, Limits, LineIndex, Resolver, admit_node, bind_module, is_literal, pattern_matches,
    run_parsed, string_literal,
};

/// Format label of lint analyses.
pub const FORMAT: &str = "python-lint";

const TORCH_UNSAFE: &str = "code-torch-load-unsafe";
const TORCH_DISABLED: &str = "code-torch-load-weights-only-disabled";
const PICKLE: &str = "code-pickle-load";
const NUMPY: &str = "code-numpy-allow-pickle";
const YAML: &str = "code-yaml-unsafe-load";
const KERAS: &str = "code-keras-unsafe-deserialization";
const REMOTE: &str = "code-trust-remote-code";
const EVAL: &str = "code-eval-model-output";
const AGENT: &str = "code-agent-code-execution";
const SHELL: &str = "code-shell-injection";
const TLS: &str = "code-tls-verify-disabled";
const INCOMPLETE: &str = "code-analysis-incomplete";
const GRADIO: &str = "posture-gradio-exposed";
const RAY: &str = "posture-ray-dashboard-exposed";
const BUCKET: &str = "posture-public-bucket";

/// Every rule id the lint can report (for registry tests and documentation).
pub const RULE_IDS: &[&str] = &[
    TORCH_UNSAFE,
    TORCH_DISABLED,
    PICKLE,
    NUMPY,
    YAML,
    KERAS,
    REMOTE,
    EVAL,
    AGENT,
    SHELL,
    TLS,
    INCOMPLETE,
    GRADIO,
    RAY,
    BUCKET,
];

/// Pickle-family loaders (dotted-name patterns, `*` suffix = prefix match).
const PICKLE_LOADERS: &[&str] = &[
    "pickle.load",
    "pickle.loads",
    "pickle.Unpickler",
    "pickle._load*",
    "pickle._Unpickler",
    "_pickle.load*",
    "_pickle.Unpickler",
    "cPickle.load*",
    "cPickle.Unpickler",
    "pickle5.load*",
    "joblib.load",
    "sklearn.externals.joblib.load",
    "dill.load*",
    "dill.Unpickler",
    "cloudpickle.load*",
    "pandas.read_pickle",
    "torch.package.PackageImporter",
    "torch.package.package_importer.PackageImporter",
    "shelve.open",
];

/// Subprocess entry points taking `shell=`.
const SUBPROCESS_SHELL: &[&str] = &[
    "subprocess.run",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
    "subprocess.Popen",
];

/// Calls that always hand their first argument to a shell.
const ALWAYS_SHELL: &[&str] = &[
    "os.system",
    "os.popen",
    "posix.system",
    "subprocess.getoutput",
    "subprocess.getstatusoutput",
    "commands.getoutput",
    "commands.getstatusoutput",
    "asyncio.create_subprocess_shell",
];

/// Class names of agent tools and chains that execute model-written code.
const AGENT_CLASSES: &[&str] = &[
    "PythonREPLTool",
    "PythonAstREPLTool",
    "PythonREPL",
    "LLMMathChain",
    "PALChain",
];

/// `load_tools` names of code-executing tools.
const AGENT_TOOL_NAMES: &[&str] = &["python_repl", "terminal", "llm-math"];

/// Method names of HTTP clients that accept `verify=`.
const HTTP_METHODS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "request",
    "stream",
    "send",
    "Client",
    "AsyncClient",
    "Session",
];

/// Resolved-name suffixes of LLM API calls.
const LLM_CALL_SUFFIXES: &[&str] = &[
    "completions.create",
    "ChatCompletion.create",
    "Completion.create",
    "messages.create",
    "responses.create",
];

/// Method names of generation calls.
const LLM_METHODS: &[&str] = &[
    "generate",
    "generate_content",
    "invoke",
    "ainvoke",
    "predict",
    "chat",
    "complete",
    "completion",
    "create_completion",
    "create_chat_completion",
    "text_generation",
    "chat_completion",
    "run",
];

/// `_`-separated words of identifiers that read like model output.
const OUTPUT_WORDS: &[&str] = &[
    "response",
    "responses",
    "resp",
    "completion",
    "completions",
    "output",
    "outputs",
    "generated",
    "generation",
    "generations",
    "answer",
    "reply",
    "llm",
    "gpt",
];

/// Lints one Python source with default limits.
pub fn lint(data: &[u8]) -> FormatAnalysis {
    lint_with(data, &Limits::default())
}

/// Lints one notebook code cell (`IPython` magics already blanked); offsets are byte offsets
/// into `src`. A cell that could not be fully analysed carries a `code-analysis-incomplete`
/// observation.
pub fn lint_source(src: &str) -> Vec<Observation> {
    lint_source_analysis(src).observations
}

/// [`lint_source`] keeping the completeness flag.
pub fn lint_source_analysis(src: &str) -> FormatAnalysis {
    lint(src.as_bytes())
}

/// Lints one Python source with explicit limits.
pub fn lint_with(data: &[u8], limits: &Limits) -> FormatAnalysis {
    let ids = DriverIds {
        format: FORMAT,
        syntax_error: None,
        limit: INCOMPLETE,
    };
    let mut analysis = run_parsed(data, limits, ids, check_module);
    if let Some(reason) = analysis.incomplete.clone()
        && !analysis.observations.iter().any(|o| o.rule == INCOMPLETE)
    {
        analysis.push(Observation::new(INCOMPLETE, reason));
    }
    analysis
}

fn check_module(
    module: &ModModule,
    _text: &str,
    lines: &LineIndex,
    limits: &Limits,
    analysis: &mut FormatAnalysis,
) {
    let (resolver, truncated) = bind_module(module, limits);
    if let Some(reason) = truncated {
        analysis.fail(Observation::new(INCOMPLETE, reason));
    }
    let mut lint = Lint {
        gradio: resolver.imports_module("gradio"),
        resolver: &resolver,
        lines,
        limits,
        depth: 0,
        nodes: 0,
        truncated: None,
        observations: Vec::new(),
        suppressed: 0,
        tainted: HashSet::new(),
    };
    lint.visit_body(&module.body);
    if let Some(reason) = lint.truncated.take() {
        analysis.fail(Observation::new(INCOMPLETE, reason));
    }
    if lint.suppressed > 0 {
        analysis.push(
            Observation::new(
                INCOMPLETE,
                format!(
                    "{} further lint findings suppressed (limit {})",
                    lint.suppressed, limits.max_observations
                ),
            )
            .with_evidence("suppressed", lint.suppressed.to_string()),
        );
    }
    analysis.observations.extend(lint.observations);
}

struct Lint<'r> {
    resolver: &'r Resolver,
    lines: &'r LineIndex,
    limits: &'r Limits,
    depth: u32,
    nodes: usize,
    truncated: Option<String>,
    observations: Vec<Observation>,
    suppressed: usize,
    /// Variables assigned from model output.
    tainted: HashSet<String>,
    /// The module imports gradio.
    gradio: bool,
}

/// Value of keyword `key` of a call.
fn keyword<'c>(call: &'c ExprCall, key: &str) -> Option<&'c Expr> {
    call.arguments
        .keywords
        .iter()
        .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == key))
        .map(|k| &k.value)
}

fn bool_literal(expr: Option<&Expr>) -> Option<bool> {
    match expr? {
        Expr::BooleanLiteral(b) => Some(b.value),
        Expr::NumberLiteral(n) => match &n.value {
            ruff_python_ast::Number::Int(i) => Some(i.as_u64() != Some(0)),
            _ => None,
        },
        _ => None,
    }
}

fn last_segment(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

fn any_pattern(patterns: &[&str], name: &str) -> bool {
    patterns.iter().any(|p| pattern_matches(p, name))
}

fn words_look_like_output(ident: &str) -> bool {
    ident
        .split(['_', '.', '-'])
        .any(|w| OUTPUT_WORDS.iter().any(|o| w.eq_ignore_ascii_case(o)))
}

/// A string literal, or a list/tuple of string literals (a fixed argv).
fn is_fixed_command(expr: &Expr) -> bool {
    match expr {
        Expr::List(l) => l.elts.iter().all(is_literal),
        Expr::Tuple(t) => t.elts.iter().all(is_literal),
        e => is_literal(e),
    }
}

fn is_all_interfaces(expr: Option<&Expr>) -> bool {
    expr.and_then(string_literal)
        .is_some_and(|s| matches!(s.trim(), "0.0.0.0" | "::" | "*" | "[::]"))
}

impl Lint<'_> {
    fn emit(&mut self, obs: Observation) {
        if self.observations.len() >= self.limits.max_observations {
            self.suppressed += 1;
        } else {
            self.observations.push(obs);
        }
    }

    fn report(&mut self, rule: &'static str, message: String, call: &str, offset: usize) -> usize {
        let (line, column) = self.lines.line_col(offset);
        self.emit(
            Observation::new(rule, message)
                .at(offset as u64)
                .with_evidence("call", call)
                .with_evidence("line", line.to_string())
                .with_evidence("column", column.to_string()),
        );
        self.observations.len()
    }

    /// Adds an evidence entry to the observation just emitted by [`Self::report`] (`len` is
    /// what `report` returned; nothing happens when it was suppressed).
    fn add_evidence(&mut self, len: usize, key: &str, value: impl Into<String>) {
        if let Some(obs) = len
            .checked_sub(1)
            .and_then(|i| self.observations.get_mut(i))
        {
            obs.evidence.insert(key.to_owned(), value.into());
        }
    }

    /// Dotted name of a callee; bare names are tried against `from m import *` modules.
    fn qualify(&self, expr: &Expr) -> Option<String> {
        let name = self.resolver.resolve(expr)?;
        if name.contains('.') {
            return Some(name);
        }
        for module in self.resolver.star_modules() {
            let candidate = format!("{module}.{name}");
            if known_call(&candidate) {
                return Some(candidate);
            }
        }
        Some(name)
    }

    /// Callee label for evidence: the resolved name, else `<expr>.method`.
    fn callee(&self, call: &ExprCall) -> String {
        if let Some(name) = self.qualify(&call.func) {
            return name;
        }
        match call.func.as_ref() {
            Expr::Attribute(a) => format!("<expr>.{}", a.attr.as_str()),
            _ => "<expr>".to_owned(),
        }
    }

    fn is_llm_call(&self, call: &ExprCall) -> bool {
        let name = self.qualify(&call.func);
        if let Some(name) = &name
            && LLM_CALL_SUFFIXES.iter().any(|s| name.ends_with(s))
        {
            return true;
        }
        let method = match call.func.as_ref() {
            Expr::Attribute(a) => a.attr.as_str(),
            _ => return false,
        };
        if !LLM_METHODS.contains(&method) {
            return false;
        }
        // `subprocess.run`, `asyncio.run`, `trio.run`… are not model calls.
        !name.as_deref().is_some_and(|n| {
            [
                "subprocess.",
                "asyncio.",
                "trio.",
                "anyio.",
                "uvicorn.",
                "os.",
                "builtins.",
            ]
            .iter()
            .any(|m| n.starts_with(m))
        })
    }

    /// True when `expr` is (derived from) model output; see the module docs.
    fn is_model_output(&self, expr: &Expr, depth: u32) -> bool {
        if depth > 32 {
            return false;
        }
        let next = depth + 1;
        match expr {
            Expr::Name(n) => {
                self.tainted.contains(n.id.as_str()) || words_look_like_output(n.id.as_str())
            }
            Expr::Attribute(a) => {
                words_look_like_output(a.attr.as_str()) || self.is_model_output(&a.value, next)
            }
            Expr::Subscript(s) => {
                s.slice
                    .as_ref()
                    .as_string_literal_expr()
                    .is_some_and(|k| words_look_like_output(k.value.to_str()))
                    || self.is_model_output(&s.value, next)
            }
            Expr::Call(call) => {
                self.is_llm_call(call)
                    || self.is_model_output(&call.func, next)
                    || call
                        .arguments
                        .args
                        .iter()
                        .any(|a| self.is_model_output(a, next))
                    || call
                        .arguments
                        .keywords
                        .iter()
                        .any(|k| self.is_model_output(&k.value, next))
            }
            Expr::Await(a) => self.is_model_output(&a.value, next),
            Expr::BinOp(b) => {
                self.is_model_output(&b.left, next) || self.is_model_output(&b.right, next)
            }
            Expr::FString(f) => f.value.elements().any(|e| match e {
                ruff_python_ast::InterpolatedStringElement::Interpolation(i) => {
                    self.is_model_output(&i.expression, next)
                }
                ruff_python_ast::InterpolatedStringElement::Literal(_) => false,
            }),
            Expr::If(i) => {
                self.is_model_output(&i.body, next) || self.is_model_output(&i.orelse, next)
            }
            Expr::BoolOp(b) => b.values.iter().any(|v| self.is_model_output(v, next)),
            _ => false,
        }
    }

    fn taint_target(&mut self, target: &Expr) {
        match target {
            Expr::Name(n) if self.tainted.len() < 10_000 => {
                self.tainted.insert(n.id.to_string());
            }
            Expr::Tuple(t) => t.elts.iter().for_each(|e| self.taint_target(e)),
            Expr::List(t) => t.elts.iter().for_each(|e| self.taint_target(e)),
            Expr::Starred(s) => self.taint_target(&s.value),
            _ => {}
        }
    }

    fn check_call(&mut self, call: &ExprCall) {
        let offset = call.range().start().to_usize();
        let name = self.callee(call);
        let last = match call.func.as_ref() {
            Expr::Attribute(a) => a.attr.as_str().to_owned(),
            _ => last_segment(&name).to_owned(),
        };

        // Keyword-driven rules (any callee).
        if bool_literal(keyword(call, "trust_remote_code")) == Some(true) {
            let n = self.report(
                REMOTE,
                format!("{name} is called with trust_remote_code=True (runs repository code)"),
                &name,
                offset,
            );
            self.add_evidence(n, "keyword", "trust_remote_code=True");
            if let Some(model) = call.arguments.args.first().and_then(string_literal) {
                self.add_evidence(n, "argument", model);
            }
        }
        if name == "torch.hub.load"
            && keyword(call, "source")
                .and_then(string_literal)
                .is_none_or(|s| s != "local")
        {
            let n = self.report(
                REMOTE,
                format!(
                    "{name} imports hubconf.py from a GitHub repository (runs repository code)"
                ),
                &name,
                offset,
            );
            if let Some(repo) = call.arguments.args.first().and_then(string_literal) {
                self.add_evidence(n, "argument", repo);
            }
        }
        if bool_literal(keyword(call, "allow_dangerous_code")) == Some(true) {
            let n = self.report(
                AGENT,
                format!(
                    "{name} is called with allow_dangerous_code=True (agent runs generated Python)"
                ),
                &name,
                offset,
            );
            self.add_evidence(n, "keyword", "allow_dangerous_code=True");
        }
        if bool_literal(keyword(call, "safe_mode")) == Some(false)
            && (name.contains("keras") || last == "load_model")
        {
            let n = self.report(
                KERAS,
                format!(
                    "{name} is called with safe_mode=False (Lambda layers deserialize bytecode)"
                ),
                &name,
                offset,
            );
            self.add_evidence(n, "keyword", "safe_mode=False");
        }
        if bool_literal(keyword(call, "verify")) == Some(false)
            && (name.starts_with("requests.")
                || name.starts_with("httpx.")
                || HTTP_METHODS.contains(&last.as_str()))
        {
            let n = self.report(
                TLS,
                format!("{name} is called with verify=False (no TLS certificate check)"),
                &name,
                offset,
            );
            self.add_evidence(n, "keyword", "verify=False");
        }

        // Callee-driven rules.
        if pattern_matches("torch.load", &name) || name == "torch.serialization.load" {
            match keyword(call, "weights_only") {
                Some(v) if bool_literal(Some(v)) == Some(true) => {}
                Some(v) if bool_literal(Some(v)) == Some(false) => {
                    let n = self.report(
                        TORCH_DISABLED,
                        format!("{name} is called with weights_only=False (full unpickler)"),
                        &name,
                        offset,
                    );
                    self.add_evidence(n, "keyword", "weights_only=False");
                }
                Some(_) => {
                    let n = self.report(
                        TORCH_UNSAFE,
                        format!("{name} is called with a computed weights_only value"),
                        &name,
                        offset,
                    );
                    self.add_evidence(n, "keyword", "weights_only=<computed>");
                }
                None => {
                    let n = self.report(
                        TORCH_UNSAFE,
                        format!(
                            "{name} is called without weights_only=True (unpickles arbitrary objects before PyTorch 2.6)"
                        ),
                        &name,
                        offset,
                    );
                    if call.arguments.keywords.iter().any(|k| k.arg.is_none()) {
                        // `**kwargs` may or may not carry weights_only.
                        self.add_evidence(n, "kwargs_unpacked", "true");
                    }
                }
            }
        } else if any_pattern(PICKLE_LOADERS, &name) {
            self.report(
                PICKLE,
                format!("{name} deserializes pickle data (runs code from the file)"),
                &name,
                offset,
            );
        } else if name == "numpy.load" || name == "numpy.lib.format.read_array" {
            if bool_literal(keyword(call, "allow_pickle")) == Some(true) {
                let n = self.report(
                    NUMPY,
                    format!("{name} is called with allow_pickle=True"),
                    &name,
                    offset,
                );
                self.add_evidence(n, "keyword", "allow_pickle=True");
            }
        } else if name == "yaml.load" || name == "yaml.load_all" {
            let loader = keyword(call, "Loader").or_else(|| call.arguments.args.get(1));
            let loader_name = loader.and_then(|l| self.resolver.resolve(l));
            let safe = loader_name.as_deref().is_some_and(|l| {
                ["SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"]
                    .contains(&last_segment(l))
            });
            if !safe {
                let n = self.report(
                    YAML,
                    format!("{name} is called without a safe Loader"),
                    &name,
                    offset,
                );
                self.add_evidence(
                    n,
                    "loader",
                    loader_name.unwrap_or_else(|| "<default>".to_owned()),
                );
            }
        } else if pattern_matches("yaml.unsafe_load*", &name)
            || pattern_matches("yaml.full_load*", &name)
        {
            self.report(
                YAML,
                format!("{name} constructs Python objects from YAML tags"),
                &name,
                offset,
            );
        } else if last == "enable_unsafe_deserialization" {
            self.report(
                KERAS,
                format!("{name} turns off Keras safe mode for the whole process"),
                &name,
                offset,
            );
        } else if matches!(
            name.as_str(),
            "builtins.eval" | "builtins.exec" | "builtins.compile"
        ) {
            if let Some(arg) = call.arguments.args.first()
                && !is_literal(arg)
                && self.is_model_output(arg, 0)
            {
                self.report(
                    EVAL,
                    format!("{name} runs a value derived from model output"),
                    &name,
                    offset,
                );
            }
        } else if let Some(class) = name.split('.').find(|s| AGENT_CLASSES.contains(s)) {
            // One report per construction: `LLMMathChain.from_llm(...)` or `PythonREPLTool()`.
            let n = self.report(
                AGENT,
                format!("{name} gives an agent a tool that executes generated code"),
                &name,
                offset,
            );
            self.add_evidence(n, "tool", class);
        } else if last == "load_tools" {
            let list = call
                .arguments
                .args
                .first()
                .or_else(|| keyword(call, "tool_names"));
            let tools: Vec<String> = match list {
                Some(Expr::List(l)) => l.elts.iter().filter_map(string_literal).collect(),
                Some(Expr::Tuple(t)) => t.elts.iter().filter_map(string_literal).collect(),
                _ => Vec::new(),
            };
            if let Some(tool) = tools
                .iter()
                .find(|t| AGENT_TOOL_NAMES.contains(&t.as_str()))
            {
                let n = self.report(
                    AGENT,
                    format!("{name} loads the code-executing tool {tool:?}"),
                    &name,
                    offset,
                );
                self.add_evidence(n, "tool", tool.clone());
            }
        } else if SUBPROCESS_SHELL.contains(&name.as_str()) {
            let command = call
                .arguments
                .args
                .first()
                .or_else(|| keyword(call, "args"));
            if bool_literal(keyword(call, "shell")) == Some(true)
                && command.is_some_and(|c| !is_fixed_command(c))
            {
                let n = self.report(
                    SHELL,
                    format!("{name} runs a non-literal command with shell=True"),
                    &name,
                    offset,
                );
                self.add_evidence(n, "keyword", "shell=True");
            }
        } else if ALWAYS_SHELL.contains(&name.as_str()) {
            let command = call
                .arguments
                .args
                .first()
                .or_else(|| keyword(call, "cmd"))
                .or_else(|| keyword(call, "command"));
            if command.is_some_and(|c| !is_fixed_command(c)) {
                self.report(
                    SHELL,
                    format!("{name} runs a non-literal shell command"),
                    &name,
                    offset,
                );
            }
        } else if name == "ray.init" && is_all_interfaces(keyword(call, "dashboard_host")) {
            let n = self.report(
                RAY,
                format!("{name} opens the Ray dashboard on all interfaces"),
                &name,
                offset,
            );
            self.add_evidence(n, "keyword", "dashboard_host=0.0.0.0");
        }

        // boto3 `ACL="public-read"` / `ExtraArgs={"ACL": "public-read"}`.
        if let Some(acl) = public_acl(call) {
            let n = self.report(
                BUCKET,
                format!("{name} uploads or configures storage with a public ACL ({acl})"),
                &name,
                offset,
            );
            self.add_evidence(n, "acl", acl);
        }

        // Gradio `<app>.launch(...)`.
        if self.gradio && last == "launch" && matches!(call.func.as_ref(), Expr::Attribute(_)) {
            let share = bool_literal(keyword(call, "share")) == Some(true);
            let all = is_all_interfaces(keyword(call, "server_name"));
            let auth = keyword(call, "auth").is_some_and(|a| !a.is_none_literal_expr())
                || keyword(call, "auth_dependency").is_some();
            if (share || all) && !auth {
                let how = if share {
                    "share=True (public gradio.live link)"
                } else {
                    "server_name on all interfaces"
                };
                let n = self.report(
                    GRADIO,
                    format!("Gradio app launched with {how} and no auth"),
                    &name,
                    offset,
                );
                self.add_evidence(n, "share", share.to_string());
            }
        }
    }
}

/// A canned public ACL passed to a storage call: keyword `ACL=`/`acl=`/`predefined_acl=`,
/// or an `"ACL"` key of a dict argument (`ExtraArgs={"ACL": "public-read"}`).
fn public_acl(call: &ExprCall) -> Option<String> {
    let public = |e: &Expr| {
        string_literal(e).filter(|v| {
            matches!(
                v.to_ascii_lowercase().as_str(),
                "public-read" | "public-read-write" | "publicread" | "publicreadwrite"
            )
        })
    };
    for k in &call.arguments.keywords {
        let Some(arg) = k.arg.as_ref().map(|a| a.as_str().to_ascii_lowercase()) else {
            continue;
        };
        if matches!(arg.as_str(), "acl" | "predefined_acl")
            && let Some(v) = public(&k.value)
        {
            return Some(v);
        }
        if let Expr::Dict(d) = &k.value
            && let Some(v) = d.items.iter().find_map(|item| {
                item.key
                    .as_ref()
                    .and_then(string_literal)
                    .filter(|key| key.eq_ignore_ascii_case("acl"))
                    .and_then(|_| public(&item.value))
            })
        {
            return Some(v);
        }
    }
    None
}

/// True for names the lint's tables know (used to qualify `from m import *` names).
fn known_call(name: &str) -> bool {
    any_pattern(PICKLE_LOADERS, name)
        || SUBPROCESS_SHELL.contains(&name)
        || ALWAYS_SHELL.contains(&name)
        || matches!(
            name,
            "torch.load"
                | "numpy.load"
                | "yaml.load"
                | "yaml.load_all"
                | "yaml.unsafe_load"
                | "yaml.full_load"
        )
}

impl<'a> Visitor<'a> for Lint<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if !admit_node(
            self.depth,
            &mut self.nodes,
            self.limits,
            &mut self.truncated,
        ) {
            return;
        }
        match stmt {
            Stmt::Assign(a) if self.is_model_output(&a.value, 0) => {
                for t in &a.targets {
                    self.taint_target(t);
                }
            }
            Stmt::AnnAssign(a)
                if a.value
                    .as_deref()
                    .is_some_and(|v| self.is_model_output(v, 0)) =>
            {
                self.taint_target(&a.target);
            }
            Stmt::AugAssign(a) if self.is_model_output(&a.value, 0) => {
                self.taint_target(&a.target);
            }
            Stmt::For(f) if self.is_model_output(&f.iter, 0) => self.taint_target(&f.target),
            Stmt::With(w) => {
                for item in &w.items {
                    if let Some(var) = &item.optional_vars
                        && self.is_model_output(&item.context_expr, 0)
                    {
                        self.taint_target(var);
                    }
                }
            }
            _ => {}
        }
        self.depth += 1;
        visitor::walk_stmt(self, stmt);
        self.depth -= 1;
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if !admit_node(
            self.depth,
            &mut self.nodes,
            self.limits,
            &mut self.truncated,
        ) {
            return;
        }
        if let Expr::Call(call) = expr {
            self.check_call(call);
        }
        self.depth += 1;
        visitor::walk_expr(self, expr);
        self.depth -= 1;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn rules(src: &str) -> Vec<&'static str> {
        lint(src.as_bytes())
            .observations
            .iter()
            .map(|o| o.rule)
            .collect()
    }

    fn has(src: &str, rule: &str) -> bool {
        rules(src).contains(&rule)
    }

    #[test]
    fn torch_load_variants() {
        assert!(has("import torch\ntorch.load('m.pt')", TORCH_UNSAFE));
        assert!(has(
            "import torch\ntorch.load(f, weights_only=False)",
            TORCH_DISABLED
        ));
        assert!(!has(
            "import torch\ntorch.load(f, weights_only=False)",
            TORCH_UNSAFE
        ));
        assert!(has("from torch import load as L\nL(f)", TORCH_UNSAFE));
        assert!(has(
            "import torch as t\nt.load(f, weights_only=flag)",
            TORCH_UNSAFE
        ));
        assert!(rules("import torch\ntorch.load(f, weights_only=True)").is_empty());
        assert!(rules("import torch\ntorch.save(m, 'x.pt')").is_empty());
    }

    #[test]
    fn pickle_family_and_aliases() {
        for src in [
            "import pickle\npickle.load(f)",
            "import pickle as p\np.loads(b)",
            "import _pickle\n_pickle.loads(b)",
            "import cPickle\ncPickle.load(f)",
            "import joblib as jl\njl.load('m.joblib')",
            "from joblib import load\nload('m.joblib')",
            "import dill\ndill.loads(b)",
            "import cloudpickle\ncloudpickle.load(f)",
            "import pandas as pd\npd.read_pickle('df.pkl')",
            "from torch.package import PackageImporter\nPackageImporter('p.pt')",
            "from pickle import *\nloads(b)",
        ] {
            assert!(has(src, PICKLE), "{src}");
        }
        assert!(rules("import pickle\npickle.dumps(x)").is_empty());
        assert!(rules("import pandas as pd\npd.read_csv('x.csv')").is_empty());
        // A local function named load is not joblib.load.
        assert!(rules("def load(p):\n    return p\nload('x')").is_empty());
    }

    #[test]
    fn numpy_yaml_keras() {
        assert!(has(
            "import numpy as np\nnp.load(f, allow_pickle=True)",
            NUMPY
        ));
        assert!(rules("import numpy as np\nnp.load(f)").is_empty());
        assert!(rules("import numpy as np\nnp.load(f, allow_pickle=False)").is_empty());
        assert!(has("import yaml\nyaml.load(f)", YAML));
        assert!(has(
            "import yaml\nyaml.load(f, Loader=yaml.FullLoader)",
            YAML
        ));
        assert!(has("import yaml\nyaml.unsafe_load(f)", YAML));
        assert!(has("import yaml\nyaml.full_load(f)", YAML));
        assert!(rules("import yaml\nyaml.safe_load(f)").is_empty());
        assert!(rules("import yaml\nyaml.load(f, Loader=yaml.SafeLoader)").is_empty());
        assert!(rules("from yaml import load, CSafeLoader\nload(f, CSafeLoader)").is_empty());
        assert!(has(
            "import keras\nkeras.models.load_model('m.keras', safe_mode=False)",
            KERAS
        ));
        assert!(has(
            "import tensorflow as tf\ntf.keras.models.load_model(p, safe_mode=False)",
            KERAS
        ));
        assert!(has(
            "import keras\nkeras.config.enable_unsafe_deserialization()",
            KERAS
        ));
        assert!(rules("import keras\nkeras.models.load_model('m.keras')").is_empty());
    }

    #[test]
    fn trust_remote_code_anywhere() {
        let src = "from transformers import AutoModel, pipeline\n\
                   from datasets import load_dataset\n\
                   AutoModel.from_pretrained('org/m', trust_remote_code=True)\n\
                   pipeline('text-generation', model='org/m', trust_remote_code=True)\n\
                   load_dataset('org/d', trust_remote_code=True)\n";
        let a = lint(src.as_bytes());
        let hits: Vec<_> = a.observations.iter().filter(|o| o.rule == REMOTE).collect();
        assert_eq!(hits.len(), 3);
        assert_eq!(
            hits.first()
                .and_then(|o| o.evidence.get("call"))
                .map(String::as_str),
            Some("transformers.AutoModel.from_pretrained")
        );
        assert_eq!(
            hits.first()
                .and_then(|o| o.evidence.get("line"))
                .map(String::as_str),
            Some("3")
        );
        assert!(rules("from transformers import AutoModel\nAutoModel.from_pretrained('m', trust_remote_code=False)").is_empty());
        assert!(has(
            "import torch\ntorch.hub.load('pytorch/vision', 'resnet18')",
            REMOTE
        ));
        assert!(!has(
            "import torch\ntorch.hub.load('./hub', 'm', source='local')",
            REMOTE
        ));
    }

    #[test]
    fn eval_of_model_output() {
        let src = "from openai import OpenAI\nclient = OpenAI()\n\
                   r = client.chat.completions.create(model='x', messages=[])\n\
                   code = r.choices[0].message.content\n\
                   exec(code)\n";
        assert!(has(src, EVAL));
        assert!(has(
            "out = model.generate(ids)\neval(tok.decode(out[0]))",
            EVAL
        ));
        assert!(has("exec(response.text)", EVAL));
        assert!(has("exec(llm.invoke(prompt).content)", EVAL));
        assert!(has("exec(f'print({completion})')", EVAL));
        assert!(has(
            "result = pipe(p)[0]['generated_text']\nexec(result)",
            EVAL
        ));
        // Not model output.
        assert!(!has("eval('1 + 1')", EVAL));
        assert!(!has("eval(expr)", EVAL));
        assert!(!has(
            "import subprocess\nx = subprocess.run(['ls'])\neval(x)",
            EVAL
        ));
        // A shadowed eval is not the builtin.
        assert!(!has("def eval(x):\n    return x\neval(response)", EVAL));
    }

    #[test]
    fn agent_tools() {
        assert!(has(
            "from langchain_experimental.tools import PythonREPLTool\ntools = [PythonREPLTool()]",
            AGENT
        ));
        assert!(has(
            "from langchain_experimental.agents import create_pandas_dataframe_agent\n\
             create_pandas_dataframe_agent(llm, df, allow_dangerous_code=True)",
            AGENT
        ));
        assert!(has(
            "from langchain.agents import load_tools\nload_tools(['serpapi', 'python_repl'], llm=llm)",
            AGENT
        ));
        assert!(has(
            "from langchain.chains import LLMMathChain\nLLMMathChain.from_llm(llm)",
            AGENT
        ));
        assert!(!has(
            "from langchain.agents import load_tools\nload_tools(['serpapi'], llm=llm)",
            AGENT
        ));
        assert!(!has(
            "create_pandas_dataframe_agent(llm, df, allow_dangerous_code=False)",
            AGENT
        ));
    }

    #[test]
    fn shell_and_tls() {
        assert!(has(
            "import subprocess\nsubprocess.run(f'git clone {url}', shell=True)",
            SHELL
        ));
        assert!(has("import os\nos.system('wget ' + url)", SHELL));
        assert!(has("from os import popen\npopen(cmd)", SHELL));
        assert!(!has(
            "import subprocess\nsubprocess.run('ls -l', shell=True)",
            SHELL
        ));
        assert!(!has(
            "import subprocess\nsubprocess.run(['git', 'clone', url])",
            SHELL
        ));
        assert!(!has("import os\nos.system('nvidia-smi')", SHELL));
        assert!(has("import requests\nrequests.get(url, verify=False)", TLS));
        assert!(has("import httpx\nhttpx.Client(verify=False)", TLS));
        assert!(has(
            "s = make_session()\ns.post(url, json=d, verify=False)",
            TLS
        ));
        assert!(rules("import requests\nrequests.get(url)").is_empty());
        assert!(rules("import requests\nrequests.get(url, verify='/etc/ca.pem')").is_empty());
    }

    #[test]
    fn gradio_and_ray() {
        assert!(has(
            "import gradio as gr\ndemo = gr.Interface(fn=f, inputs='text', outputs='text')\ndemo.launch(share=True)",
            GRADIO
        ));
        assert!(has(
            "import gradio as gr\nwith gr.Blocks() as demo:\n    pass\ndemo.queue().launch(server_name='0.0.0.0')",
            GRADIO
        ));
        assert!(!has("import gradio as gr\ndemo.launch()", GRADIO));
        assert!(!has(
            "import gradio as gr\ndemo.launch(share=True, auth=('u', 'p'))",
            GRADIO
        ));
        // Without a gradio import, `.launch` is something else.
        assert!(!has("rocket.launch(share=True)", GRADIO));
        assert!(has("import ray\nray.init(dashboard_host='0.0.0.0')", RAY));
        assert!(!has("import ray\nray.init()", RAY));
        assert!(has(
            "import boto3\ns3 = boto3.client('s3')\ns3.upload_file('m.pt', 'b', 'm.pt', ExtraArgs={'ACL': 'public-read'})",
            BUCKET
        ));
        assert!(has(
            "bucket.put_object(Key='k', Body=b, ACL='public-read-write')",
            BUCKET
        ));
        assert!(!has(
            "s3.upload_file('m.pt', 'b', 'k', ExtraArgs={'ACL': 'private'})",
            BUCKET
        ));
    }

    #[test]
    fn offsets_point_at_the_call() {
        let src = "import pickle\n\nx = pickle.loads(b)\n";
        let a = lint(src.as_bytes());
        let o = a.observations.first().unwrap();
        assert_eq!(o.offset, Some(src.find("pickle.loads").unwrap() as u64));
        assert_eq!(
            o.evidence.get("call").map(String::as_str),
            Some("pickle.loads")
        );
        assert_eq!(lint_source(src).len(), 1);
    }

    #[test]
    fn limits_and_garbage() {
        let limits = Limits {
            max_source_bytes: 10,
            ..Limits::default()
        };
        let a = lint_with(b"import pickle\npickle.load(f)", &limits);
        assert!(a.incomplete.is_some());
        assert_eq!(a.observations.first().map(|o| o.rule), Some(INCOMPLETE));
        // Recovered parse still finds calls; syntax errors are not reported by the lint.
        let a = lint(b"import pickle\ndef f(:\n    pass\npickle.load(f)\n");
        assert!(a.observations.iter().any(|o| o.rule == PICKLE));
        assert!(a.observations.iter().all(|o| o.rule != INCOMPLETE));
        let deep = format!("x = {}1{}", "(".repeat(5000), ")".repeat(5000));
        let a = lint(deep.as_bytes());
        assert!(a.incomplete.is_some());
        let _ = lint(&[0xff, 0xfe, b'(', b'[']);
    }

    #[test]
    fn every_rule_is_registered() {
        for id in RULE_IDS {
            assert!(mlsecops_core::rule(id).is_some(), "{id}");
        }
    }
}
