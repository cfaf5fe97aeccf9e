//! ML infrastructure posture: configuration files and command lines that expose notebook,
//! tracking and inference servers, disable their authentication or browser protections, or
//! make buckets public.
//!
//! | File | What is read |
//! |---|---|
//! | `jupyter_{server,notebook}_config.py` | `c.<App>.<key> = <literal>` assignments (ruff parser) |
//! | `jupyter_{server,notebook}_config.json` | `{"ServerApp": {...}, "NotebookApp": {...}, ...}` |
//! | `config.properties` (`TorchServe`) | addresses, token authorization, model API, `allowed_urls` |
//! | `.streamlit/config.toml` | `[server] enableXsrfProtection`, `enableCORS` |
//! | Dockerfiles, shell scripts, compose / Kubernetes YAML, `Procfile`, `Makefile` | command lines: `jupyter notebook/lab/server`, `mlflow server/ui`, `ray start`, `tritonserver`, `torchserve`, bucket ACL commands |
//! | YAML / JSON configs | bucket ACL keys (`acl: public-read`), `allUsers` grants |
//!
//! Command lines are tokenised leniently (quotes, brackets and commas are separators, so
//! `CMD ["jupyter", "lab", "--ServerApp.token=''"]`, YAML argument lists and shell lines
//! read alike); `#` starts a comment; a command's flags are the next 64 tokens up to a shell
//! separator (`&&`, `||`, `;`, `|`). Nothing is executed or fetched.

use std::path::Path;

use mlsecops_core::{FormatAnalysis, Observation};
use ruff_python_ast::{Expr, ModModule, Stmt};
use ruff_text_size::Ranged;
use serde_json::Value;

use crate::python::{DriverIds, Limits, LineIndex};

/// Format label of posture analyses.
pub const FORMAT: &str = "posture";

/// Largest file read (bytes); larger files are marked incomplete.
pub const MAX_BYTES: usize = 4 * 1024 * 1024;

/// Most observations per file.
const MAX_OBSERVATIONS: usize = 256;

/// Tokens after a command name that count as its arguments.
const WINDOW: usize = 64;

const NO_AUTH: &str = "posture-jupyter-no-auth";
const ROOT: &str = "posture-jupyter-allow-root";
const CORS: &str = "posture-cors-wildcard";
const XSRF: &str = "posture-xsrf-disabled";
const MLFLOW: &str = "posture-mlflow-server-exposed";
const RAY: &str = "posture-ray-dashboard-exposed";
const INFERENCE: &str = "posture-inference-server-exposed";
const TS_MGMT: &str = "posture-torchserve-management-exposed";
const TS_URLS: &str = "posture-torchserve-allowed-urls";
const BUCKET: &str = "posture-public-bucket";

/// Every rule id this module can report.
pub const RULE_IDS: &[&str] = &[
    NO_AUTH, ROOT, CORS, XSRF, MLFLOW, RAY, INFERENCE, TS_MGMT, TS_URLS, BUCKET,
];

/// What kind of posture file a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    JupyterPy,
    JupyterJson,
    TorchServeProperties,
    StreamlitToml,
    /// Command lines only (Dockerfile, shell, Procfile, Makefile).
    Commands,
    /// Command lines and bucket ACL keys (YAML).
    CommandsAndConfig,
    /// Bucket ACL keys only (JSON training configs).
    Config,
}

fn kind(name: &str) -> Option<Kind> {
    let norm = name.replace('\\', "/");
    let base = norm.rsplit('/').next().unwrap_or(&norm);
    let lower = base.to_ascii_lowercase();
    let ext = Path::new(&lower)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("");
    let stem = lower.strip_suffix(&format!(".{ext}")).unwrap_or(&lower);
    if matches!(
        stem,
        "jupyter_server_config" | "jupyter_notebook_config" | "jupyter_lab_config"
    ) {
        return match ext {
            "py" => Some(Kind::JupyterPy),
            "json" => Some(Kind::JupyterJson),
            _ => None,
        };
    }
    if lower == "config.properties" {
        return Some(Kind::TorchServeProperties);
    }
    if lower == "config.toml"
        && norm
            .to_ascii_lowercase()
            .ends_with(".streamlit/config.toml")
    {
        return Some(Kind::StreamlitToml);
    }
    if lower == "dockerfile"
        || lower.starts_with("dockerfile.")
        || ext == "dockerfile"
        || lower == "containerfile"
        || lower == "procfile"
        || lower == "makefile"
        || lower == "gnumakefile"
        || matches!(ext, "sh" | "bash" | "zsh" | "mk")
    {
        return Some(Kind::Commands);
    }
    if matches!(ext, "yaml" | "yml") {
        return Some(Kind::CommandsAndConfig);
    }
    if ext == "json"
        && ["config", "train", "args", "param", "settings", "deploy"]
            .iter()
            .any(|w| stem.contains(w))
    {
        return Some(Kind::Config);
    }
    None
}

/// True for files [`analyze`] understands (`name` = base name or relative path).
pub fn is_posture_candidate(name: &str) -> bool {
    kind(name).is_some()
}

/// Analyses one posture candidate; `None` when `name` is not a candidate.
pub fn analyze(name: &str, data: &[u8]) -> Option<FormatAnalysis> {
    let kind = kind(name)?;
    let mut analysis = FormatAnalysis::new(FORMAT);
    if data.len() > MAX_BYTES {
        analysis.mark_incomplete(format!(
            "{} bytes exceed the {MAX_BYTES}-byte posture limit; not analysed",
            data.len()
        ));
        return Some(analysis);
    }
    let text = String::from_utf8_lossy(data);
    let mut out = Out {
        lines: LineIndex::new(&text),
        observations: Vec::new(),
        suppressed: 0,
    };
    match kind {
        Kind::JupyterPy => {
            let inner = jupyter_py(data);
            if let Some(reason) = inner.incomplete {
                analysis.mark_incomplete(reason);
            }
            for o in inner.observations {
                out.push(o);
            }
        }
        Kind::JupyterJson => match serde_json::from_slice::<Value>(data) {
            Ok(v) => jupyter_json(&v, &mut out),
            Err(e) => {
                analysis.mark_incomplete(format!("Jupyter JSON config is not valid JSON: {e}"));
            }
        },
        Kind::TorchServeProperties => torchserve_properties(&text, &mut out),
        Kind::StreamlitToml => streamlit(&text, &mut out),
        Kind::Commands => commands(&text, &mut out),
        Kind::CommandsAndConfig => {
            commands(&text, &mut out);
            bucket_keys(&text, &mut out);
        }
        Kind::Config => bucket_keys(&text, &mut out),
    }
    if out.suppressed > 0 {
        analysis.mark_incomplete(format!(
            "{} further posture findings suppressed (limit {MAX_OBSERVATIONS})",
            out.suppressed
        ));
    }
    analysis.observations.extend(out.observations);
    Some(analysis)
}

struct Out {
    lines: LineIndex,
    observations: Vec<Observation>,
    suppressed: usize,
}

impl Out {
    fn push(&mut self, o: Observation) {
        if self.observations.len() >= MAX_OBSERVATIONS {
            self.suppressed += 1;
        } else {
            self.observations.push(o);
        }
    }

    fn report(
        &mut self,
        rule: &'static str,
        message: String,
        offset: usize,
        key: &str,
        value: &str,
    ) {
        let (line, column) = self.lines.line_col(offset);
        self.push(
            Observation::new(rule, message)
                .at(offset as u64)
                .with_evidence("key", key)
                .with_evidence("value", value)
                .with_evidence("line", line.to_string())
                .with_evidence("column", column.to_string()),
        );
    }
}

fn all_interfaces(value: &str) -> bool {
    let v = value.trim().trim_matches(['"', '\'']);
    let host = v
        .split_once("://")
        .map_or(v, |(_, rest)| rest)
        .trim_start_matches('[');
    host.starts_with("0.0.0.0") || host.starts_with("::]") || host == "::" || host == "*"
}

fn loopback(value: &str) -> bool {
    let v = value.trim().trim_matches(['"', '\'']);
    v.starts_with("127.") || v == "localhost" || v == "::1" || v == "[::1]"
}

fn truthy(value: &str) -> bool {
    matches!(
        value
            .trim()
            .trim_matches(['"', '\''])
            .to_ascii_lowercase()
            .as_str(),
        "true" | "1" | "yes" | "on"
    )
}

fn falsy(value: &str) -> bool {
    matches!(
        value
            .trim()
            .trim_matches(['"', '\''])
            .to_ascii_lowercase()
            .as_str(),
        "false" | "0" | "no" | "off"
    )
}

// ---------------------------------------------------------------------------
// Jupyter
// ---------------------------------------------------------------------------

/// Jupyter server settings gathered from one config or command line.
#[derive(Debug, Default)]
struct Jupyter {
    /// Offset and key of an empty token.
    empty_token: Option<(usize, String)>,
    /// A non-empty password or hashed password is set.
    password: bool,
    ip: Option<String>,
    cors: Option<(usize, String, String)>,
    xsrf: Option<(usize, String)>,
    root: Option<(usize, String)>,
}

/// Applications whose traits configure the server's authentication and network settings.
const JUPYTER_APPS: &[&str] = &[
    "ServerApp",
    "NotebookApp",
    "LabApp",
    "IdentityProvider",
    "PasswordIdentityProvider",
    "TokenAuthenticator",
];

/// One trait assignment: `app`, `key`, textual value, offset. `value` is `None` for values
/// that are not literals.
fn jupyter_trait(j: &mut Jupyter, app: &str, key: &str, value: Option<&str>, offset: usize) {
    if !JUPYTER_APPS.contains(&app) {
        return;
    }
    let full = format!("{app}.{key}");
    match (key, value) {
        ("token", Some(v)) if v.trim().is_empty() => j.empty_token = Some((offset, full)),
        ("password" | "hashed_password", Some(v)) if !v.trim().is_empty() => j.password = true,
        ("password" | "hashed_password", None) => j.password = true,
        ("ip", Some(v)) => j.ip = Some(v.to_owned()),
        ("allow_origin", Some(v)) if v.trim() == "*" => {
            j.cors = Some((offset, full, v.to_owned()));
        }
        ("allow_origin_pat", Some(v)) if matches!(v.trim(), ".*" | "^.*$" | ".+" | "^.*") => {
            j.cors = Some((offset, full, v.to_owned()));
        }
        ("disable_check_xsrf", Some(v)) if truthy(v) => j.xsrf = Some((offset, full)),
        ("allow_root", Some(v)) if truthy(v) => j.root = Some((offset, full)),
        _ => {}
    }
}

fn emit_jupyter(j: &Jupyter, where_: &str, out: &mut Out) {
    if let Some((offset, key)) = &j.empty_token
        && !j.password
    {
        let exposed = j.ip.as_deref().is_some_and(all_interfaces);
        let msg = if exposed {
            format!(
                "{where_} disables Jupyter authentication ({key} is empty) and listens on all interfaces"
            )
        } else {
            format!("{where_} disables Jupyter authentication ({key} is empty)")
        };
        out.report(NO_AUTH, msg, *offset, key, "");
        if let (Some(ip), Some(last)) = (&j.ip, out.observations.last_mut()) {
            last.evidence.insert("ip".to_owned(), ip.clone());
        }
    }
    if let Some((offset, key, value)) = &j.cors {
        out.report(
            CORS,
            format!("{where_} lets any origin use the Jupyter API ({key} = {value})"),
            *offset,
            key,
            value,
        );
    }
    if let Some((offset, key)) = &j.xsrf {
        out.report(
            XSRF,
            format!("{where_} disables Jupyter XSRF checks ({key})"),
            *offset,
            key,
            "True",
        );
    }
    if let Some((offset, key)) = &j.root {
        out.report(
            ROOT,
            format!("{where_} lets the Jupyter server run as root ({key})"),
            *offset,
            key,
            "True",
        );
    }
}

fn literal_text(expr: &Expr) -> Option<String> {
    match expr {
        Expr::StringLiteral(s) => Some(s.value.to_str().to_owned()),
        Expr::BooleanLiteral(b) => Some(if b.value { "True" } else { "False" }.to_owned()),
        _ => None,
    }
}

/// `c.ServerApp.token` → `("ServerApp", "token")`.
fn trait_target(expr: &Expr) -> Option<(String, String)> {
    let Expr::Attribute(outer) = expr else {
        return None;
    };
    let Expr::Attribute(inner) = outer.value.as_ref() else {
        return None;
    };
    matches!(inner.value.as_ref(), Expr::Name(_))
        .then(|| (inner.attr.to_string(), outer.attr.to_string()))
}

fn jupyter_stmts(body: &[Stmt], j: &mut Jupyter, depth: u32) {
    if depth > 16 {
        return;
    }
    for stmt in body {
        match stmt {
            Stmt::Assign(a) => {
                for t in &a.targets {
                    if let Some((app, key)) = trait_target(t) {
                        let value = literal_text(&a.value);
                        let offset = t.range().start().to_usize();
                        jupyter_trait(j, &app, &key, value.as_deref(), offset);
                    }
                }
            }
            Stmt::If(i) => {
                jupyter_stmts(&i.body, j, depth + 1);
                for clause in &i.elif_else_clauses {
                    jupyter_stmts(&clause.body, j, depth + 1);
                }
            }
            Stmt::Try(t) => jupyter_stmts(&t.body, j, depth + 1),
            Stmt::With(w) => jupyter_stmts(&w.body, j, depth + 1),
            _ => {}
        }
    }
}

fn jupyter_py(data: &[u8]) -> FormatAnalysis {
    let ids = DriverIds {
        format: FORMAT,
        syntax_error: None,
        limit: "code-analysis-incomplete",
    };
    let limits = Limits {
        max_source_bytes: MAX_BYTES,
        ..Limits::default()
    };
    crate::python::run_parsed(
        data,
        &limits,
        ids,
        |module: &ModModule, _text, lines, _limits, analysis| {
            let mut j = Jupyter::default();
            jupyter_stmts(&module.body, &mut j, 0);
            let mut out = Out {
                lines: lines.clone(),
                observations: Vec::new(),
                suppressed: 0,
            };
            emit_jupyter(&j, "Jupyter config", &mut out);
            analysis.observations.extend(out.observations);
        },
    )
}

fn jupyter_json(v: &Value, out: &mut Out) {
    let mut j = Jupyter::default();
    let Some(map) = v.as_object() else { return };
    for (app, traits) in map {
        let Some(traits) = traits.as_object() else {
            continue;
        };
        for (key, value) in traits {
            let text = match value {
                Value::String(s) => Some(s.clone()),
                Value::Bool(b) => Some(if *b { "True" } else { "False" }.to_owned()),
                _ => None,
            };
            jupyter_trait(&mut j, app, key, text.as_deref(), 0);
        }
    }
    emit_jupyter(&j, "Jupyter JSON config", out);
}

// ---------------------------------------------------------------------------
// TorchServe config.properties and Streamlit config.toml
// ---------------------------------------------------------------------------

fn allowed_urls_wildcard(value: &str) -> Option<String> {
    value
        .split([',', '|'])
        .map(|e| e.trim().trim_start_matches('^').trim_end_matches('$'))
        .find(|e| {
            matches!(*e, ".*" | "*" | ".+")
                || e.starts_with(".*")
                || e.contains("://.*")
                || e.contains("://.+")
                || e.ends_with("s)?://.*")
        })
        .map(str::to_owned)
}

fn torchserve_properties(text: &str, out: &mut Out) {
    let mut offset = 0usize;
    for raw in text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.trim();
        if line.starts_with('#') || line.starts_with('!') {
            continue;
        }
        let Some((key, value)) = line.split_once(['=', ':']) else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        match key {
            "management_address" if all_interfaces(value) => out.report(
                TS_MGMT,
                format!("TorchServe management API listens on all interfaces ({value})"),
                start,
                key,
                value,
            ),
            "inference_address" | "metrics_address" | "grpc_inference_address"
                if all_interfaces(value) =>
            {
                out.report(
                    INFERENCE,
                    format!("TorchServe {key} listens on all interfaces ({value})"),
                    start,
                    key,
                    value,
                );
            }
            "disable_token_authorization" if truthy(value) => out.report(
                TS_MGMT,
                "TorchServe token authorization is disabled".to_owned(),
                start,
                key,
                value,
            ),
            "enable_model_api" if truthy(value) => out.report(
                TS_MGMT,
                "TorchServe model API (register models from URLs) is enabled".to_owned(),
                start,
                key,
                value,
            ),
            "allowed_urls" => {
                if let Some(entry) = allowed_urls_wildcard(value) {
                    out.report(
                        TS_URLS,
                        format!("TorchServe allowed_urls accepts any URL ({entry})"),
                        start,
                        key,
                        value,
                    );
                }
            }
            _ => {}
        }
    }
}

fn streamlit(text: &str, out: &mut Out) {
    let mut section = String::new();
    let mut offset = 0usize;
    for raw in text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.split('#').next().unwrap_or("").trim();
        if let Some(s) = line.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            s.trim().clone_into(&mut section);
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        let full = if section.is_empty() {
            key.to_owned()
        } else {
            format!("{section}.{key}")
        };
        match full.as_str() {
            "server.enableXsrfProtection" if falsy(value) => out.report(
                XSRF,
                "Streamlit XSRF protection is disabled (server.enableXsrfProtection = false)"
                    .to_owned(),
                start,
                &full,
                value.trim(),
            ),
            "server.enableCORS" if falsy(value) => out.report(
                CORS,
                "Streamlit CORS protection is disabled (server.enableCORS = false)".to_owned(),
                start,
                &full,
                value.trim(),
            ),
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------
// Command lines
// ---------------------------------------------------------------------------

/// Splits `text` into (offset, token) pairs: whitespace, quotes, brackets, commas and
/// backslashes separate; `#` at a token start comments out the rest of the line.
fn tokenize(text: &str) -> Vec<(usize, &str)> {
    let mut tokens = Vec::new();
    let mut offset = 0usize;
    for line in text.split_inclusive('\n') {
        let base = offset;
        offset += line.len();
        let mut start: Option<usize> = None;
        for (i, c) in line.char_indices() {
            let sep = c.is_whitespace() || matches!(c, '"' | '\'' | '[' | ']' | ',' | '\\' | '`');
            if sep {
                if let Some(s) = start.take()
                    && let Some(t) = line.get(s..i)
                {
                    tokens.push((base + s, t));
                }
            } else if start.is_none() {
                if c == '#' {
                    break;
                }
                start = Some(i);
            }
            if tokens.len() >= 1_000_000 {
                return tokens;
            }
        }
        if let Some(s) = start
            && let Some(t) = line.get(s..)
        {
            tokens.push((base + s, t.trim_end()));
        }
    }
    tokens
}

fn is_separator(t: &str) -> bool {
    matches!(t, "&&" | "||" | ";" | "|" | "&")
}

/// Flag parsing in a command window: `--key=value`, `--key value`, `--flag`.
struct Flags<'a> {
    items: Vec<(usize, &'a str, Option<&'a str>)>,
}

impl<'a> Flags<'a> {
    fn parse(window: &[(usize, &'a str)]) -> Self {
        let mut items = Vec::new();
        let mut i = 0usize;
        while let Some(&(off, tok)) = window.get(i) {
            i += 1;
            if !tok.starts_with('-') {
                continue;
            }
            if let Some((k, v)) = tok.split_once('=') {
                items.push((off, k, Some(v.trim_end_matches(';'))));
            } else {
                let next = window
                    .get(i)
                    .map(|&(_, t)| t)
                    .filter(|t| !t.starts_with('-') && *t != "-");
                items.push((off, tok, next));
            }
        }
        Flags { items }
    }

    fn get(&self, keys: &[&str]) -> Option<(usize, &'a str, &'a str)> {
        self.items
            .iter()
            .rev()
            .find(|(_, k, _)| keys.iter().any(|x| k.eq_ignore_ascii_case(x)))
            .map(|&(o, k, v)| (o, k, v.unwrap_or("")))
    }

    fn has(&self, keys: &[&str]) -> bool {
        self.get(keys).is_some()
    }
}

fn base_cmd(tok: &str) -> &str {
    tok.rsplit('/').next().unwrap_or(tok)
}

fn commands(text: &str, out: &mut Out) {
    let tokens = tokenize(text);
    for (i, &(offset, tok)) in tokens.iter().enumerate() {
        let cmd = base_cmd(tok);
        let next = tokens.get(i + 1).map_or("", |&(_, t)| t);
        let sub_window = |skip: usize| -> &[(usize, &str)] {
            let from = (i + skip).min(tokens.len());
            let rest = tokens.get(from..).unwrap_or(&[]);
            let end = rest
                .iter()
                .take(WINDOW)
                .position(|&(_, t)| is_separator(t))
                .unwrap_or(rest.len().min(WINDOW));
            rest.get(..end).unwrap_or(&[])
        };
        match cmd {
            "jupyter" if matches!(next, "notebook" | "lab" | "server" | "nbclassic") => {
                jupyter_cmd(sub_window(2), &format!("jupyter {next} command"), out);
            }
            "jupyter-notebook" | "jupyter-lab" | "jupyter-server" => {
                jupyter_cmd(sub_window(1), &format!("{cmd} command"), out);
            }
            "mlflow" if matches!(next, "server" | "ui") => {
                let flags = Flags::parse(sub_window(2));
                if let Some((_, key, host)) = flags.get(&["--host", "-h"])
                    && all_interfaces(host)
                    && !flags
                        .get(&["--app-name"])
                        .is_some_and(|(_, _, v)| v.contains("auth"))
                {
                    out.report(
                        MLFLOW,
                        format!("`mlflow {next}` listens on {host} without an authentication app"),
                        offset,
                        key,
                        host,
                    );
                }
            }
            "ray" if next == "start" => {
                let flags = Flags::parse(sub_window(2));
                if flags.has(&["--head"])
                    && let Some((_, key, host)) = flags.get(&["--dashboard-host"])
                    && all_interfaces(host)
                {
                    out.report(
                        RAY,
                        format!("`ray start --head` opens the dashboard on {host}"),
                        offset,
                        key,
                        host,
                    );
                }
            }
            "tritonserver" => {
                let flags = Flags::parse(sub_window(1));
                let http = flags.get(&["--http-address"]).map(|(_, _, v)| v);
                let grpc = flags.get(&["--grpc-address"]).map(|(_, _, v)| v);
                let http_off = flags
                    .get(&["--allow-http"])
                    .is_some_and(|(_, _, v)| falsy(v));
                let grpc_off = flags
                    .get(&["--allow-grpc"])
                    .is_some_and(|(_, _, v)| falsy(v));
                let open = |addr: Option<&str>, off: bool| !off && !addr.is_some_and(loopback);
                if open(http, http_off) || open(grpc, grpc_off) {
                    let mode = flags
                        .get(&["--model-control-mode"])
                        .map_or("none", |(_, _, v)| v);
                    let addr = http.or(grpc).unwrap_or("0.0.0.0 (default)");
                    out.report(
                        INFERENCE,
                        format!(
                            "tritonserver serves HTTP/gRPC on {addr} without authentication (model control mode: {mode})"
                        ),
                        offset,
                        "--http-address",
                        addr,
                    );
                }
            }
            "torchserve" => {
                let flags = Flags::parse(sub_window(1));
                if let Some((_, key, _)) = flags.get(&["--disable-token-auth"]) {
                    out.report(
                        TS_MGMT,
                        "torchserve is started with token authorization disabled".to_owned(),
                        offset,
                        key,
                        "",
                    );
                }
            }
            _ => {}
        }
        // Bucket ACL commands (aws s3 --acl public-read, gsutil -a public-read, allUsers grants).
        let lower_prev = i
            .checked_sub(1)
            .and_then(|p| tokens.get(p))
            .map_or(String::new(), |&(_, t)| t.to_ascii_lowercase());
        let lower = tok.to_ascii_lowercase();
        let acl_value = lower
            .strip_prefix("--acl=")
            .or_else(|| (lower_prev == "--acl" || lower_prev == "-a").then_some(lower.as_str()));
        if acl_value.is_some_and(|v| v == "public-read" || v == "public-read-write")
            || (lower.contains("allusers") || lower.contains("allauthenticatedusers"))
                && (lower.contains(':') || lower.contains("member"))
        {
            out.report(
                BUCKET,
                format!("command grants public access to storage ({tok})"),
                offset,
                "acl",
                tok,
            );
        }
    }
}

fn jupyter_cmd(window: &[(usize, &str)], where_: &str, out: &mut Out) {
    let flags = Flags::parse(window);
    let mut j = Jupyter::default();
    for &(offset, key, value) in &flags.items {
        let key = key.trim_start_matches('-');
        match key {
            "ip" => j.ip = value.map(str::to_owned),
            "allow-root" => j.root = Some((offset, "--allow-root".to_owned())),
            _ => {
                if let Some((app, name)) = key.split_once('.') {
                    // `--ServerApp.token=` (empty after quote removal) or `--ServerApp.token ''`.
                    jupyter_trait(&mut j, app, name, Some(value.unwrap_or("")), offset);
                }
            }
        }
    }
    emit_jupyter(&j, where_, out);
}

// ---------------------------------------------------------------------------
// Bucket ACL keys in YAML / JSON
// ---------------------------------------------------------------------------

fn bucket_keys(text: &str, out: &mut Out) {
    let mut offset = 0usize;
    for raw in text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.trim();
        if line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let key = key
            .trim()
            .trim_start_matches("- ")
            .trim_matches(['"', '\''])
            .to_ascii_lowercase();
        let value = value
            .split(" #")
            .next()
            .unwrap_or("")
            .trim()
            .trim_end_matches(',')
            .trim_matches(['"', '\''])
            .to_ascii_lowercase();
        let acl_key = key.ends_with("acl") || key == "predefinedacl" || key == "acl_policy";
        let public_acl = matches!(
            value.as_str(),
            "public-read" | "public-read-write" | "publicread" | "publicreadwrite"
        );
        let member = matches!(key.as_str(), "member" | "members" | "entity" | "grantee")
            && (value.contains("allusers") || value.contains("allauthenticatedusers"));
        if (acl_key && public_acl) || member {
            out.report(
                BUCKET,
                format!("config grants public access to storage ({key}: {value})"),
                start,
                &key,
                &value,
            );
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn rules(name: &str, src: &str) -> Vec<&'static str> {
        analyze(name, src.as_bytes())
            .map(|a| a.observations.iter().map(|o| o.rule).collect())
            .unwrap_or_default()
    }

    #[test]
    fn candidates() {
        for n in [
            "jupyter_server_config.py",
            "etc/jupyter/jupyter_notebook_config.json",
            "Dockerfile",
            "docker/Dockerfile.gpu",
            "serve.dockerfile",
            "start.sh",
            "k8s/deploy.yaml",
            "docker-compose.yml",
            "Procfile",
            "Makefile",
            "config.properties",
            "app/.streamlit/config.toml",
            "train_config.json",
        ] {
            assert!(is_posture_candidate(n), "{n}");
        }
        for n in [
            "model.py",
            "config.toml",
            "tokenizer.json",
            "README.md",
            "x.safetensors",
        ] {
            assert!(!is_posture_candidate(n), "{n}");
        }
        assert!(analyze("model.py", b"x").is_none());
    }

    #[test]
    fn jupyter_python_config() {
        let src = "c = get_config()\nc.ServerApp.ip = '0.0.0.0'\nc.ServerApp.token = ''\n\
                   c.ServerApp.allow_origin = '*'\nc.ServerApp.disable_check_xsrf = True\n\
                   c.ServerApp.allow_root = True\n";
        let a = analyze("jupyter_server_config.py", src.as_bytes()).unwrap();
        let ids: Vec<_> = a.observations.iter().map(|o| o.rule).collect();
        assert_eq!(ids, [NO_AUTH, CORS, XSRF, ROOT]);
        let first = a.observations.first().unwrap();
        assert_eq!(first.evidence.get("line").map(String::as_str), Some("3"));
        assert_eq!(
            first.evidence.get("ip").map(String::as_str),
            Some("0.0.0.0")
        );
        // A password restores authentication; a default config is quiet.
        assert!(
            !rules(
                "jupyter_server_config.py",
                "c.ServerApp.token = ''\nc.PasswordIdentityProvider.hashed_password = 'argon2:$x'\n"
            )
            .contains(&NO_AUTH)
        );
        assert!(
            rules(
                "jupyter_notebook_config.py",
                "c.NotebookApp.ip = '0.0.0.0'\nc.NotebookApp.port = 8888\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn jupyter_json_config() {
        let src = r#"{"NotebookApp": {"token": "", "ip": "0.0.0.0", "allow_origin": "*"}}"#;
        assert_eq!(rules("jupyter_notebook_config.json", src), [NO_AUTH, CORS]);
        assert!(
            rules(
                "jupyter_notebook_config.json",
                r#"{"NotebookApp": {"token": "abc"}}"#
            )
            .is_empty()
        );
        let a = analyze("jupyter_notebook_config.json", b"{nope").unwrap();
        assert!(a.incomplete.is_some());
    }

    #[test]
    fn command_lines() {
        let docker = "FROM python:3.12\n# CMD jupyter lab --ServerApp.token=''\n\
                      CMD [\"jupyter\", \"lab\", \"--ip=0.0.0.0\", \"--allow-root\", \"--ServerApp.token=''\"]\n";
        let ids = rules("Dockerfile", docker);
        assert_eq!(ids, [NO_AUTH, ROOT]);
        let a = analyze("Dockerfile", docker.as_bytes()).unwrap();
        assert_eq!(
            a.observations
                .first()
                .and_then(|o| o.evidence.get("line"))
                .map(String::as_str),
            Some("3")
        );
        assert_eq!(
            rules(
                "run.sh",
                "jupyter notebook --ip 0.0.0.0 --NotebookApp.token= --no-browser &\n"
            ),
            [NO_AUTH]
        );
        assert!(rules("run.sh", "jupyter lab --ip=0.0.0.0 --no-browser\n").is_empty());
        assert_eq!(
            rules(
                "Procfile",
                "web: mlflow server --host 0.0.0.0 --port 5000\n"
            ),
            [MLFLOW]
        );
        assert!(
            rules(
                "Procfile",
                "web: mlflow server --host 0.0.0.0 --app-name basic-auth\n"
            )
            .is_empty()
        );
        assert!(rules("Procfile", "web: mlflow server --host 127.0.0.1\n").is_empty());
        assert_eq!(
            rules(
                "start.sh",
                "ray start --head --dashboard-host=0.0.0.0 --port=6379\n"
            ),
            [RAY]
        );
        assert!(rules("start.sh", "ray start --head --port=6379\n").is_empty());
        assert_eq!(
            rules(
                "Makefile",
                "serve:\n\ttritonserver --model-repository=/models --model-control-mode=explicit\n"
            ),
            [INFERENCE]
        );
        assert!(rules(
            "Makefile",
            "serve:\n\ttritonserver --model-repository=/m --http-address=127.0.0.1 --grpc-address=127.0.0.1\n"
        )
        .is_empty());
        assert_eq!(
            rules(
                "start.sh",
                "torchserve --start --model-store ms --disable-token-auth\n"
            ),
            [TS_MGMT]
        );
        assert_eq!(
            rules(
                "upload.sh",
                "aws s3 cp model.pt s3://bucket/ --acl public-read\n"
            ),
            [BUCKET]
        );
        assert_eq!(
            rules("upload.sh", "gsutil iam ch allUsers:objectViewer gs://b\n"),
            [BUCKET]
        );
        assert!(
            rules(
                "upload.sh",
                "aws s3 cp model.pt s3://bucket/ --acl private\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn kubernetes_yaml_arguments_across_lines() {
        let y = "spec:\n  containers:\n  - name: nb\n    command: [\"jupyter\", \"lab\"]\n    args:\n    - --ip=0.0.0.0\n    - --ServerApp.token=\n    - --ServerApp.password=\n";
        assert_eq!(rules("deploy.yaml", y), [NO_AUTH]);
        let y = "resource:\n  bucket:\n    acl: public-read\n";
        assert_eq!(rules("train.yaml", y), [BUCKET]);
        assert!(rules("train.yaml", "bucket:\n  acl: private\n").is_empty());
        assert_eq!(
            rules("train_config.json", "{\n  \"ACL\": \"public-read\"\n}\n"),
            [BUCKET]
        );
    }

    #[test]
    fn torchserve_and_streamlit() {
        let p = "inference_address=http://0.0.0.0:8080\nmanagement_address=http://0.0.0.0:8081\n\
                 metrics_address=http://127.0.0.1:8082\nallowed_urls=https://s3.amazonaws.com/.*,.*\n\
                 disable_token_authorization=true\nenable_model_api=true\n";
        assert_eq!(
            rules("config.properties", p),
            [INFERENCE, TS_MGMT, TS_URLS, TS_MGMT, TS_MGMT]
        );
        let safe = "inference_address=http://127.0.0.1:8080\nmanagement_address=http://127.0.0.1:8081\n\
                    allowed_urls=^https://models\\.example\\.com/.*\\.mar$\n";
        assert!(rules("config.properties", safe).is_empty());
        let s = "[server]\nenableXsrfProtection = false\nenableCORS = false\nport = 8501\n";
        assert_eq!(rules(".streamlit/config.toml", s), [XSRF, CORS]);
        assert!(rules(".streamlit/config.toml", "[server]\nport = 8501\n").is_empty());
        // `[client] enableCORS` is not the server setting.
        assert!(rules(".streamlit/config.toml", "[client]\nenableCORS = false\n").is_empty());
    }

    #[test]
    fn limits_and_garbage() {
        let big = vec![b'a'; MAX_BYTES + 1];
        assert!(analyze("run.sh", &big).unwrap().incomplete.is_some());
        let many = "aws s3 cp m s3://b --acl public-read\n".repeat(400);
        let a = analyze("run.sh", many.as_bytes()).unwrap();
        assert_eq!(a.observations.len(), MAX_OBSERVATIONS);
        assert!(a.incomplete.is_some());
        for name in [
            "run.sh",
            "jupyter_server_config.py",
            "config.properties",
            "x.yaml",
        ] {
            let _ = analyze(name, &[0xff, b'\n', b'#', b'[', 0]);
        }
    }

    #[test]
    fn every_rule_is_registered() {
        for id in RULE_IDS {
            assert!(mlsecops_core::rule(id).is_some(), "{id}");
        }
    }
}
