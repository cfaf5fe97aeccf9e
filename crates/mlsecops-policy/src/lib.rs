//! Rego policy gates (conftest conventions) evaluated in-process over mlsecops run reports.
//!
//! Policies are Rego v1 files (OPA 1.0 syntax) evaluated by `regorus`; no OPA binary or Go
//! runtime is involved. The gate follows conftest:
//!
//! - gate packages are `main` and every package under `mlsecops` (`mlsecops.default`,
//!   `mlsecops.examples.signing`, …);
//! - rules named `^(deny|violation)(_[a-zA-Z0-9]+)*$` fail the run, rules named
//!   `^warn(_[a-zA-Z0-9]+)*$` warn;
//! - a string element is a message, an object element must carry a string `msg` (its other
//!   keys become [`PolicyMessage::details`]); a rule that is simply `true` yields one message
//!   naming the rule.
//!
//! A policy that fails to parse or evaluate is an error ([`PolicyError`]), never a pass.
//! `input` is [`policy_input`] of the report; `data` is whatever was added with
//! [`PolicySet::add_data`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod input;
mod load;

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::time::Duration;

use mlsecops_core::{PolicyLevel, PolicyMessage, PolicyReport, ScanReport};
use regorus::Engine;
use regorus::unstable::{Rule, RuleHead};
use regorus::utils::limits::ExecutionTimerConfig;

pub use input::{POLICY_INPUT_VERSION, policy_input};

/// The built-in default policy (package `mlsecops.default`).
pub const DEFAULT_POLICY: &str = include_str!("../policies/default.rego");
/// Tests of the built-in default policy.
pub const DEFAULT_POLICY_TESTS: &str = include_str!("../policies/default_test.rego");
/// Source name of the built-in default policy in [`PolicyReport::sources`].
pub const DEFAULT_POLICY_SOURCE: &str = "builtin:default";
/// Package of the built-in default policy.
pub const DEFAULT_POLICY_PACKAGE: &str = "mlsecops.default";

/// Errors that stop the policy gate (exit code 3 in the CLI).
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// A policy file or directory could not be read.
    #[error("reading policy {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A policy path holds no `.rego` file: a gate without policies would pass silently.
    #[error("no .rego policy files found in {0}")]
    NoPolicies(PathBuf),
    /// A bound on the policy files was exceeded.
    #[error("policy {path}: {message}")]
    Limit {
        /// Where.
        path: PathBuf,
        /// Which limit.
        message: String,
    },
    /// A policy did not parse (syntax, Rego v0 syntax without `--rego-v0`, …).
    #[error("policy parse error at {location}: {message}{snippet}")]
    Parse {
        /// `file:line:column` (or the file when the position is unknown).
        location: String,
        /// The parser's message.
        message: String,
        /// Source excerpt (starts with a newline; empty when unknown).
        snippet: String,
    },
    /// A rule raised an error while evaluating (a builtin error, a conflict, the time
    /// limit).
    #[error("policy evaluation error in {rule} at {location}: {message}{snippet}")]
    Eval {
        /// `data.<package>.<rule>`.
        rule: String,
        /// `file:line:column` of the failing expression, or of the rule.
        location: String,
        /// The interpreter's message.
        message: String,
        /// Source excerpt (starts with a newline; empty when unknown).
        snippet: String,
    },
    /// A gate rule produced a value that is not a message.
    #[error("policy rule {rule} ({location}): {message}")]
    BadResult {
        /// `data.<package>.<rule>`.
        rule: String,
        /// `file:line` of the rule.
        location: String,
        /// What is wrong.
        message: String,
    },
    /// Policy data could not be parsed or merged.
    #[error("policy data {source_name}: {message}")]
    Data {
        /// File name or `config`.
        source_name: String,
        /// What is wrong.
        message: String,
    },
}

/// Limits and syntax options of a [`PolicySet`].
#[derive(Debug, Clone)]
pub struct PolicyOptions {
    /// Accept Rego v0 syntax (pre-OPA-1.0: no `if`/`contains` keywords).
    pub rego_v0: bool,
    /// Wall-clock limit for evaluating one rule (protects against runaway third-party
    /// policies).
    pub time_limit: Duration,
    /// Most `.rego` files loaded in total.
    pub max_files: usize,
    /// Largest accepted `.rego` file, in bytes.
    pub max_file_bytes: u64,
    /// Deepest directory nesting walked below a policy directory.
    pub max_depth: usize,
    /// Also load `*_test.rego` files found in directories (for [`PolicySet::run_tests`]);
    /// the gate leaves them out.
    pub include_tests: bool,
}

impl Default for PolicyOptions {
    fn default() -> Self {
        PolicyOptions {
            rego_v0: false,
            time_limit: Duration::from_secs(10),
            max_files: 1_000,
            max_file_bytes: 1024 * 1024,
            max_depth: 16,
            include_tests: false,
        }
    }
}

/// Result of one `test_*` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestOutcome {
    /// Package (`mlsecops.default`).
    pub package: String,
    /// Rule name (`test_unsigned_denied`).
    pub name: String,
    /// `file:line` of the rule.
    pub location: String,
    /// What happened.
    pub status: TestStatus,
}

/// Status of one policy test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestStatus {
    /// Evaluated to `true`.
    Pass,
    /// Evaluated to anything else (`false`, undefined, another value, shown here).
    Fail(String),
    /// Raised an error (the message).
    Error(String),
}

impl TestOutcome {
    /// Whether the test passed.
    pub fn passed(&self) -> bool {
        self.status == TestStatus::Pass
    }
}

/// A named rule found in a loaded module.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct RuleRef {
    package: String,
    name: String,
    file: String,
    line: u32,
}

impl RuleRef {
    fn path(&self) -> String {
        format!("data.{}.{}", self.package, self.name)
    }

    fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// Loaded policies and data, ready to evaluate.
pub struct PolicySet {
    engine: Engine,
    options: PolicyOptions,
    sources: Vec<String>,
    files: usize,
}

impl std::fmt::Debug for PolicySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicySet")
            .field("sources", &self.sources)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl PolicySet {
    /// An empty set.
    pub fn new(options: PolicyOptions) -> Self {
        let mut engine = Engine::new();
        engine.set_rego_v0(options.rego_v0);
        engine.set_execution_timer_config(ExecutionTimerConfig {
            limit: options.time_limit,
            check_interval: NonZeroU32::MIN.saturating_add(63),
        });
        PolicySet {
            engine,
            options,
            sources: Vec::new(),
            files: 0,
        }
    }

    /// Adds the built-in default policy (and its tests when `with_tests`).
    pub fn add_default(&mut self, with_tests: bool) -> Result<(), PolicyError> {
        self.add_module_as_v1("builtin:default.rego", DEFAULT_POLICY)?;
        if with_tests {
            self.add_module_as_v1("builtin:default_test.rego", DEFAULT_POLICY_TESTS)?;
        }
        self.sources.push(DEFAULT_POLICY_SOURCE.to_owned());
        Ok(())
    }

    /// Adds one `.rego` file, or every `.rego` file under a directory (recursively, in
    /// sorted order, hidden entries and symbolic links skipped, `*_test.rego` only with
    /// [`PolicyOptions::include_tests`]). Returns the number of files added; a directory
    /// without any is an error.
    pub fn add_path(&mut self, path: &Path) -> Result<usize, PolicyError> {
        let files = load::collect(path, &self.options, self.files)?;
        if files.is_empty() {
            return Err(PolicyError::NoPolicies(path.to_path_buf()));
        }
        for file in &files {
            let text = load::read(file, self.options.max_file_bytes)?;
            let name = file.display().to_string();
            self.add_module(&name, &text)?;
            self.sources.push(name);
        }
        Ok(files.len())
    }

    /// Adds one policy module from text; `name` is used in errors and locations.
    pub fn add_module(&mut self, name: &str, text: &str) -> Result<(), PolicyError> {
        self.files = self.files.saturating_add(1);
        if self.files > self.options.max_files {
            return Err(PolicyError::Limit {
                path: PathBuf::from(name),
                message: format!("more than {} policy files", self.options.max_files),
            });
        }
        self.engine
            .add_policy(name.to_owned(), text.to_owned())
            .map(|_| ())
            .map_err(|err| parse_error(name, &err.to_string()))
    }

    fn add_module_as_v1(&mut self, name: &str, text: &str) -> Result<(), PolicyError> {
        // The embedded policies are v1 whatever the user's syntax option says.
        self.engine.set_rego_v0(false);
        let result = self.add_module(name, text);
        self.engine.set_rego_v0(self.options.rego_v0);
        result
    }

    /// Deep-merges a JSON object into `data`.
    pub fn add_data(
        &mut self,
        source_name: &str,
        value: serde_json::Value,
    ) -> Result<(), PolicyError> {
        if !value.is_object() {
            return Err(PolicyError::Data {
                source_name: source_name.to_owned(),
                message: "policy data must be a JSON object".to_owned(),
            });
        }
        self.engine
            .add_data(regorus::Value::from(value))
            .map_err(|err| PolicyError::Data {
                source_name: source_name.to_owned(),
                message: err.to_string().trim().to_owned(),
            })
    }

    /// Reads a JSON data file and deep-merges it into `data`.
    pub fn add_data_file(&mut self, path: &Path) -> Result<(), PolicyError> {
        let text = load::read(path, 16 * self.options.max_file_bytes)?;
        let value = serde_json::from_str(&text).map_err(|err| PolicyError::Data {
            source_name: path.display().to_string(),
            message: err.to_string(),
        })?;
        self.add_data(&path.display().to_string(), value)
    }

    /// Policy sources loaded so far (`builtin:default`, file paths).
    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    /// Every simply-named rule (`name` or `name contains …`, not functions) of every
    /// plainly-named package, sorted by package then name (duplicates of multi-body rules
    /// removed; the location is the first definition).
    fn rules(&mut self) -> Vec<RuleRef> {
        let mut rules: Vec<RuleRef> = Vec::new();
        for module in self.engine.get_modules() {
            let package = module.package.refr.span().text().to_owned();
            if !is_dotted_identifier(&package) {
                continue;
            }
            for rule in &module.policy {
                let (refr, span) = match &**rule {
                    Rule::Spec {
                        head: RuleHead::Compr { refr, .. } | RuleHead::Set { refr, .. },
                        span,
                        ..
                    } => (refr, span),
                    Rule::Default {
                        refr, args, span, ..
                    } if args.is_empty() => (refr, span),
                    Rule::Spec { .. } | Rule::Default { .. } => continue,
                };
                let name = refr.span().text();
                if !is_identifier(name) {
                    continue;
                }
                rules.push(RuleRef {
                    package: package.clone(),
                    name: name.to_owned(),
                    file: span.source.file().clone(),
                    line: span.line,
                });
            }
        }
        rules.sort_by(|a, b| (&a.package, &a.name).cmp(&(&b.package, &b.name)));
        rules.dedup_by(|a, b| a.package == b.package && a.name == b.name);
        rules
    }

    /// Evaluates every gate rule against `input`; returns the messages, denies first (then
    /// by package, rule and message).
    pub fn evaluate(
        &mut self,
        input: &serde_json::Value,
    ) -> Result<Vec<PolicyMessage>, PolicyError> {
        self.engine.set_input(regorus::Value::from(input.clone()));
        let mut messages = Vec::new();
        for rule in self.rules() {
            if !is_gate_package(&rule.package) {
                continue;
            }
            let Some(level) = rule_level(&rule.name) else {
                continue;
            };
            let value = self
                .engine
                .eval_rule(rule.path())
                .map_err(|err| eval_error(&rule, &err.to_string()))?;
            collect_messages(&rule, level, &value, &mut messages)?;
        }
        messages.sort_by(|a, b| {
            (a.level, &a.package, &a.rule, &a.msg).cmp(&(b.level, &b.package, &b.rule, &b.msg))
        });
        Ok(messages)
    }

    /// Evaluates the gate over a run report and returns the policy report to store in
    /// [`ScanReport::policy`].
    pub fn gate(
        &mut self,
        report: &ScanReport,
        fail_on_warn: bool,
    ) -> Result<PolicyReport, PolicyError> {
        let input = policy_input(report);
        let results = self.evaluate(&input)?;
        Ok(PolicyReport {
            sources: self.sources.clone(),
            fail_on_warn,
            results,
        })
    }

    /// Runs every `test_*` rule of every loaded package (like `opa test`): a test passes
    /// when it evaluates to `true`. Input is empty unless the test sets it with `with`.
    /// Sorted by file and line.
    pub fn run_tests(&mut self) -> Vec<TestOutcome> {
        self.engine.set_input(regorus::Value::new_object());
        let mut tests: Vec<RuleRef> = self
            .rules()
            .into_iter()
            .filter(|r| r.name.starts_with("test_"))
            .collect();
        tests.sort_by(|a, b| (&a.file, a.line, &a.name).cmp(&(&b.file, b.line, &b.name)));
        tests
            .into_iter()
            .map(|rule| {
                let status = match self.engine.eval_rule(rule.path()) {
                    Ok(regorus::Value::Bool(true)) => TestStatus::Pass,
                    Ok(regorus::Value::Undefined) => TestStatus::Fail("undefined".to_owned()),
                    Ok(other) => TestStatus::Fail(
                        serde_json::to_string(&other).unwrap_or_else(|_| "?".to_owned()),
                    ),
                    Err(err) => TestStatus::Error(eval_error(&rule, &err.to_string()).to_string()),
                };
                TestOutcome {
                    location: rule.location(),
                    package: rule.package,
                    name: rule.name,
                    status,
                }
            })
            .collect()
    }
}

/// Whether `package` is evaluated by the gate: `main` or anything under `mlsecops`.
pub fn is_gate_package(package: &str) -> bool {
    package == "main" || package.starts_with("mlsecops.")
}

/// Level of a rule name under the conftest naming convention, or `None` for other rules.
pub fn rule_level(name: &str) -> Option<PolicyLevel> {
    let suffix_ok = |rest: &str| {
        rest.is_empty()
            || (rest.starts_with('_')
                && rest.split('_').skip(1).all(|part| {
                    !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric())
                }))
    };
    if let Some(rest) = name
        .strip_prefix("deny")
        .or_else(|| name.strip_prefix("violation"))
        && suffix_ok(rest)
    {
        return Some(PolicyLevel::Deny);
    }
    if let Some(rest) = name.strip_prefix("warn")
        && suffix_ok(rest)
    {
        return Some(PolicyLevel::Warn);
    }
    None
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_dotted_identifier(s: &str) -> bool {
    !s.is_empty() && s.split('.').all(is_identifier)
}

/// Most messages one rule may produce (a runaway comprehension is an error, not a report
/// with a million lines).
const MAX_MESSAGES_PER_RULE: usize = 10_000;

fn collect_messages(
    rule: &RuleRef,
    level: PolicyLevel,
    value: &regorus::Value,
    out: &mut Vec<PolicyMessage>,
) -> Result<(), PolicyError> {
    let bad = |message: String| PolicyError::BadResult {
        rule: rule.path(),
        location: rule.location(),
        message,
    };
    let json = match value {
        regorus::Value::Undefined => return Ok(()),
        other => serde_json::to_value(other).map_err(|err| bad(err.to_string()))?,
    };
    let elements = match json {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Bool(true) => vec![serde_json::Value::String(format!(
            "{} is true",
            rule.path()
        ))],
        serde_json::Value::Bool(false) | serde_json::Value::Null => return Ok(()),
        other => {
            return Err(bad(format!(
                "a {} rule must be a set of messages (or true/false), got {other}",
                rule.name
            )));
        }
    };
    if elements.len() > MAX_MESSAGES_PER_RULE {
        return Err(bad(format!(
            "{} messages (more than {MAX_MESSAGES_PER_RULE})",
            elements.len()
        )));
    }
    for element in elements {
        let (msg, details) = match element {
            serde_json::Value::String(msg) => (msg, None),
            serde_json::Value::Object(mut map) => {
                let Some(serde_json::Value::String(msg)) = map.remove("msg") else {
                    return Err(bad(
                        "an object message must carry a string `msg` key".to_owned()
                    ));
                };
                let details = (!map.is_empty()).then_some(serde_json::Value::Object(map));
                (msg, details)
            }
            other => {
                return Err(bad(format!(
                    "messages must be strings or objects with a string `msg`, got {other}"
                )));
            }
        };
        out.push(PolicyMessage {
            level,
            package: rule.package.clone(),
            rule: rule.name.clone(),
            msg,
            details,
        });
    }
    Ok(())
}

/// Splits a regorus diagnostic (`\n--> file:line:col\n  |\n4 | src\n  | ^\nerror: msg`)
/// into location, message and snippet.
fn split_diagnostic(raw: &str) -> Option<(String, String, String)> {
    let raw = raw.trim();
    let location = raw
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("--> "))?
        .trim()
        .to_owned();
    let message_start = raw.rfind("\nerror: ")?;
    let message = raw
        .get(message_start.saturating_add("\nerror: ".len())..)?
        .trim()
        .to_owned();
    let snippet: String = raw
        .get(..message_start)?
        .lines()
        .filter(|l| !l.trim_start().starts_with("--> "))
        .fold(String::new(), |mut acc, l| {
            acc.push('\n');
            acc.push_str(l);
            acc
        });
    Some((location, message, snippet))
}

fn parse_error(name: &str, raw: &str) -> PolicyError {
    match split_diagnostic(raw) {
        Some((location, message, snippet)) => PolicyError::Parse {
            location,
            message,
            snippet,
        },
        None => PolicyError::Parse {
            location: name.to_owned(),
            message: raw.trim().to_owned(),
            snippet: String::new(),
        },
    }
}

fn eval_error(rule: &RuleRef, raw: &str) -> PolicyError {
    match split_diagnostic(raw) {
        Some((location, message, snippet)) => PolicyError::Eval {
            rule: rule.path(),
            location,
            message,
            snippet,
        },
        None => PolicyError::Eval {
            rule: rule.path(),
            location: rule.location(),
            message: raw.trim().to_owned(),
            snippet: String::new(),
        },
    }
}

#[cfg(test)]
mod tests;
