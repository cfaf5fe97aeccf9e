//! Static security analysis of Jinja chat templates (`tokenizer.chat_template` in GGUF,
//! `chat_template` in `tokenizer_config.json`, `chat_template.jinja`).
//!
//! The template is parsed with minijinja (never rendered) and its AST is walked looking for the
//! server-side template injection (SSTI) shapes of CVE-2024-34359 and its successors:
//! dunder attribute/item access, `|attr` chains, names assembled from string pieces, and the
//! Jinja/Flask globals used as sandbox-escape entry points. Constant string expressions are
//! folded (`'__cla' ~ 'ss__'`, `'__ssalc__'[::-1]`, `['__', 'class__']|join`) so obfuscated
//! dunders are recognised as such.
//!
//! Templates minijinja cannot parse (it is close to, not identical to, Jinja2) get a lexical
//! scan over the token stream (or the raw text inside `{{ }}` / `{% %}` when even the lexer
//! fails) for the same dangerous names. Policy: a `template-unparsed` finding (medium) is always
//! emitted; the analysis is marked incomplete only when the lexical scan found nothing
//! dangerous but saw string-building inside a subscript or an `attr` call that only the AST
//! could judge.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// The AST walk mirrors minijinja's node names (`b` binop, `c` call, `d` depth…).
#![allow(clippy::many_single_char_names)]

use std::collections::BTreeSet;

use minijinja::machinery::{Token, ast, parse, tokenize};
use minijinja::syntax::SyntaxConfig;
use mlsecops_core::{FormatAnalysis, Observation};

/// Format label used in [`FormatAnalysis::format`].
pub const FORMAT: &str = "jinja-template";

/// Caps on what is analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Longest template analysed, in bytes (real chat templates are a few KiB; the largest
    /// tool-calling templates are around 20 KiB).
    pub max_len: usize,
    /// Most tokens inside one `{{ … }}` or `{% … %}` block. Bounds the AST depth that minijinja
    /// builds without recursion (long `a.b.c…` / `x|f|g…` chains), so that neither the walk nor
    /// dropping the AST can exhaust the stack.
    pub max_block_tokens: usize,
    /// Deepest bracket nesting (`(`, `[`, `{`) inside one block. minijinja's parser recurses
    /// per level with large frames (its own guard allows 150 levels, which overflows a 2 MiB
    /// thread stack in debug builds); real templates nest a handful of levels.
    pub max_bracket_depth: usize,
    /// Deepest nesting of block statements (`if`, `for`, `macro`, `call`, `filter`, `with`,
    /// `autoescape`, `block`), for the same reason.
    pub max_statement_depth: usize,
    /// Longest run of prefix operators (`not`, unary `-`/`+`): minijinja parses them
    /// recursively without its recursion guard.
    pub max_unary_run: usize,
    /// Deepest AST nesting walked.
    pub max_depth: usize,
    /// Most AST nodes walked.
    pub max_nodes: usize,
    /// Most observations per rule.
    pub max_reports_per_rule: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_len: 1 << 20,
            max_block_tokens: 2048,
            max_bracket_depth: 24,
            max_statement_depth: 32,
            max_unary_run: 16,
            max_depth: 120,
            max_nodes: 500_000,
            max_reports_per_rule: 32,
        }
    }
}

/// Checks one template source for sandbox-escape patterns with default limits. Never renders it.
pub fn check(source: &str) -> FormatAnalysis {
    check_with(source, &Limits::default())
}

/// Checks one template source with explicit limits.
pub fn check_with(source: &str, limits: &Limits) -> FormatAnalysis {
    let mut cx = Checker::new(source, limits);
    cx.run();
    cx.out
}

// ---------------------------------------------------------------------------
// Name lists
// ---------------------------------------------------------------------------

/// Jinja / Flask globals that are SSTI entry points when their attributes are taken.
const GADGET_GLOBALS: &[&str] = &[
    "cycler",
    "joiner",
    "lipsum",
    "namespace",
    "range",
    "dict",
    "self",
    "request",
    "config",
    "url_for",
    "get_flashed_messages",
];

/// Attribute names of execution primitives, flagged wherever they are taken.
const EXEC_ATTRS: &[&str] = &[
    "os",
    "popen",
    "subprocess",
    "eval",
    "exec",
    "getattr",
    "setattr",
    "import_module",
    "check_output",
    "check_call",
    "communicate",
    "builtins",
    "globals",
    "spawnl",
    "spawnv",
    "execv",
    "execve",
];

/// Generic attribute names flagged only in a chain already tainted by a dunder or gadget.
const WEAK_EXEC_ATTRS: &[&str] = &[
    "open",
    "sys",
    "modules",
    "read",
    "run",
    "call",
    "load",
    "loads",
    "import",
    "application",
    "compile",
];

/// Function names whose call (as a bare name) is an execution primitive.
const EXEC_CALLS: &[&str] = &[
    "eval",
    "exec",
    "open",
    "getattr",
    "setattr",
    "compile",
    "os",
    "subprocess",
    "popen",
    "system",
    "import",
];

/// Filters whose string/name arguments are attribute names.
const ATTRIBUTE_ARG_FILTERS: &[&str] = &[
    "map",
    "selectattr",
    "rejectattr",
    "sort",
    "groupby",
    "sum",
    "unique",
    "min",
    "max",
    "dictsort",
];

/// Filters that build strings.
const STRING_BUILDING_FILTERS: &[&str] = &[
    "join",
    "format",
    "replace",
    "reverse",
    "string",
    "lower",
    "upper",
    "capitalize",
    "title",
    "urlencode",
    "center",
    "truncate",
];

fn is_dunder(name: &str) -> bool {
    name.contains("__")
}

fn looks_like_dunder_name(s: &str) -> bool {
    let t = s.trim();
    t.len() > 4
        && t.starts_with("__")
        && t.ends_with("__")
        && t.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// Longest folded constant string kept.
const MAX_FOLD: usize = 512;

// ---------------------------------------------------------------------------
// Expression facts
// ---------------------------------------------------------------------------

#[derive(Default, Clone)]
struct Facts {
    /// Folded constant string value.
    s: Option<String>,
    /// Folded constant list of strings (for `join`).
    list: Option<Vec<String>>,
    /// Value is a string built at render time (concatenation, join, format, …).
    built: bool,
    /// Expression chain reaches a dunder or gadget.
    tainted: bool,
}

impl Facts {
    fn string(s: String) -> Facts {
        if s.len() > MAX_FOLD {
            return Facts {
                built: true,
                ..Facts::default()
            };
        }
        Facts {
            s: Some(s),
            ..Facts::default()
        }
    }
}

// ---------------------------------------------------------------------------
// Checker
// ---------------------------------------------------------------------------

struct Checker<'s, 'l> {
    src: &'s str,
    limits: &'l Limits,
    out: FormatAnalysis,
    line_starts: Vec<usize>,
    seen: BTreeSet<(&'static str, String, usize)>,
    per_rule: std::collections::BTreeMap<&'static str, usize>,
    nodes: usize,
    stopped: bool,
    /// Facts of variables assigned with `{% set name = … %}` / loop targets (scopes ignored:
    /// conservative for a detector).
    vars: std::collections::HashMap<String, Facts>,
}

/// Most tracked variables.
const MAX_VARS: usize = 4096;

impl<'s, 'l> Checker<'s, 'l> {
    fn new(src: &'s str, limits: &'l Limits) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            src.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Checker {
            src,
            limits,
            out: FormatAnalysis::new(FORMAT),
            line_starts,
            seen: BTreeSet::new(),
            per_rule: std::collections::BTreeMap::new(),
            nodes: 0,
            stopped: false,
            vars: std::collections::HashMap::new(),
        }
    }

    fn offset_of_line(&self, line: Option<usize>) -> usize {
        line.and_then(|l| l.checked_sub(1))
            .and_then(|i| self.line_starts.get(i))
            .copied()
            .unwrap_or(0)
    }

    fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }

    fn report(&mut self, rule: &'static str, pattern: &str, offset: usize, message: String) {
        let line = self.line_of(offset);
        if !self.seen.insert((rule, pattern.to_owned(), line)) {
            return;
        }
        let n = self.per_rule.entry(rule).or_insert(0);
        *n += 1;
        if *n > self.limits.max_reports_per_rule {
            return;
        }
        self.out.push(
            Observation::new(rule, message)
                .at(u64::try_from(offset).unwrap_or(u64::MAX))
                .with_evidence("pattern", pattern)
                .with_evidence("line", line.to_string()),
        );
    }

    fn limit(&mut self, what: &str, offset: usize) {
        let line = self.line_of(offset);
        let msg = format!("template {what} (line {line}); the rest was not analysed");
        if self.out.incomplete.is_none() {
            self.out.fail(
                Observation::new("template-limit-exceeded", msg)
                    .at(u64::try_from(offset).unwrap_or(u64::MAX))
                    .with_evidence("pattern", what)
                    .with_evidence("line", line.to_string()),
            );
        }
        self.stopped = true;
    }

    fn run(&mut self) {
        if self.src.len() > self.limits.max_len {
            self.limit(
                &format!(
                    "is {} bytes, above the {}-byte cap",
                    self.src.len(),
                    self.limits.max_len
                ),
                0,
            );
            // Still look for the obvious markers in the analysed prefix.
            let mut end = self.limits.max_len;
            while !self.src.is_char_boundary(end) {
                end -= 1;
            }
            let prefix = self.src.get(..end).unwrap_or_default();
            self.raw_scan(prefix, 0);
            return;
        }
        // Tokenise first: bounds the per-block token count (and so the AST depth), and gives
        // the lexical fallback its input.
        let mut tokens: Vec<(Token<'_>, usize)> = Vec::new();
        let mut lex_error: Option<usize> = None;
        let mut in_block = 0usize;
        let mut brackets = 0usize;
        let mut statements = 0usize;
        let mut block_head = false;
        let mut unary_run = 0usize;
        let src = self.src;
        for item in tokenize(src, false, SyntaxConfig::default()) {
            match item {
                Ok((tok, span)) => {
                    let at = span.start_offset as usize;
                    let mut exceeded = None;
                    match &tok {
                        Token::VariableStart | Token::BlockStart => {
                            in_block = 0;
                            brackets = 0;
                            block_head = matches!(tok, Token::BlockStart);
                        }
                        Token::TemplateData(_) => {}
                        _ => {
                            in_block += 1;
                            if in_block > self.limits.max_block_tokens {
                                exceeded = Some(format!(
                                    "has an expression of more than {} tokens",
                                    self.limits.max_block_tokens
                                ));
                            }
                        }
                    }
                    if matches!(tok, Token::Minus | Token::Plus | Token::Ident("not")) {
                        unary_run += 1;
                        if unary_run > self.limits.max_unary_run {
                            exceeded = Some(format!(
                                "chains more than {} prefix operators",
                                self.limits.max_unary_run
                            ));
                        }
                    } else {
                        unary_run = 0;
                    }
                    match &tok {
                        Token::ParenOpen | Token::BracketOpen | Token::BraceOpen => {
                            brackets += 1;
                            if brackets > self.limits.max_bracket_depth {
                                exceeded = Some(format!(
                                    "nests brackets deeper than {} levels",
                                    self.limits.max_bracket_depth
                                ));
                            }
                        }
                        Token::ParenClose | Token::BracketClose | Token::BraceClose => {
                            brackets = brackets.saturating_sub(1);
                        }
                        Token::Ident(word) if block_head => {
                            block_head = false;
                            if matches!(
                                *word,
                                "if" | "for"
                                    | "macro"
                                    | "call"
                                    | "filter"
                                    | "with"
                                    | "autoescape"
                                    | "block"
                            ) {
                                statements += 1;
                                if statements > self.limits.max_statement_depth {
                                    exceeded = Some(format!(
                                        "nests block statements deeper than {} levels",
                                        self.limits.max_statement_depth
                                    ));
                                }
                            } else if word.starts_with("end") {
                                statements = statements.saturating_sub(1);
                            }
                        }
                        Token::VariableStart | Token::BlockStart => {}
                        _ => block_head = false,
                    }
                    tokens.push((tok, at));
                    if let Some(what) = exceeded {
                        self.limit(&what, at);
                        let owned: Vec<(Token<'_>, usize)> = tokens;
                        self.lexical_scan(&owned);
                        let rest = self.src.get(at..).unwrap_or_default();
                        self.raw_scan(rest, at);
                        return;
                    }
                }
                Err(e) => {
                    lex_error = Some(self.offset_of_line(e.line()));
                    break;
                }
            }
        }
        let parsed = if lex_error.is_none() {
            parse(src, "chat_template", SyntaxConfig::default())
        } else {
            Err(minijinja::Error::new(
                minijinja::ErrorKind::SyntaxError,
                "lexer error",
            ))
        };
        match parsed {
            Ok(stmt) => {
                drop(tokens);
                self.stmt(&stmt, 0);
            }
            Err(err) => {
                let at = lex_error.unwrap_or_else(|| self.offset_of_line(err.line()));
                let line = self.line_of(at);
                self.out.push(
                    Observation::new(
                        "template-unparsed",
                        format!(
                            "template does not parse ({}); scanned lexically instead",
                            err.detail().unwrap_or("syntax error")
                        ),
                    )
                    .at(u64::try_from(at).unwrap_or(u64::MAX))
                    .with_evidence("pattern", "syntax-error")
                    .with_evidence("line", line.to_string()),
                );
                let before = self.out.observations.len();
                let mut ambiguous = self.lexical_scan(&tokens);
                if let Some(pos) = lex_error {
                    // The lexer stopped: scan the raw text of the rest.
                    let mut start = pos.min(self.src.len());
                    while !self.src.is_char_boundary(start) {
                        start -= 1;
                    }
                    let rest = self.src.get(start..).unwrap_or_default();
                    ambiguous |= self.raw_scan(rest, start);
                }
                let dangerous = self
                    .out
                    .observations
                    .iter()
                    .skip(before)
                    .any(|o| o.rule != "template-unparsed");
                if !dangerous && ambiguous {
                    self.out.mark_incomplete(format!(
                        "template does not parse (line {line}) and builds strings inside a lookup; \
                         the lexical scan cannot judge it"
                    ));
                }
            }
        }
    }

    // -----------------------------------------------------------------------
    // AST walk
    // -----------------------------------------------------------------------

    fn enter(&mut self, depth: usize, offset: usize) -> bool {
        if self.stopped {
            return false;
        }
        self.nodes += 1;
        if depth > self.limits.max_depth {
            self.limit(
                &format!("nests deeper than {} levels", self.limits.max_depth),
                offset,
            );
            return false;
        }
        if self.nodes > self.limits.max_nodes {
            self.limit(
                &format!("has more than {} syntax nodes", self.limits.max_nodes),
                offset,
            );
            return false;
        }
        true
    }

    fn body(&mut self, stmts: &[ast::Stmt<'_>], depth: usize) {
        for s in stmts {
            self.stmt(s, depth + 1);
        }
    }

    fn stmt(&mut self, stmt: &ast::Stmt<'_>, depth: usize) {
        use ast::Stmt;
        let at = stmt_offset(stmt);
        if !self.enter(depth, at) {
            return;
        }
        let d = depth + 1;
        match stmt {
            Stmt::Template(t) => self.body(&t.children, depth),
            Stmt::EmitExpr(e) => {
                self.expr(&e.expr, d);
            }
            Stmt::EmitRaw(_) | Stmt::Continue(_) | Stmt::Break(_) => {}
            Stmt::ForLoop(f) => {
                self.expr(&f.target, d);
                let iter = self.expr(&f.iter, d);
                if iter.tainted {
                    self.assign(
                        &f.target,
                        Facts {
                            tainted: true,
                            ..Facts::default()
                        },
                    );
                }
                if let Some(e) = &f.filter_expr {
                    self.expr(e, d);
                }
                self.body(&f.body, depth);
                self.body(&f.else_body, depth);
            }
            Stmt::IfCond(c) => {
                self.expr(&c.expr, d);
                self.body(&c.true_body, depth);
                self.body(&c.false_body, depth);
            }
            Stmt::WithBlock(w) => {
                for (a, b) in &w.assignments {
                    self.expr(a, d);
                    self.expr(b, d);
                }
                self.body(&w.body, depth);
            }
            Stmt::Set(s) => {
                self.expr(&s.target, d);
                let value = self.expr(&s.expr, d);
                self.assign(&s.target, value);
            }
            Stmt::SetBlock(s) => {
                self.expr(&s.target, d);
                if let Some(f) = &s.filter {
                    self.expr(f, d);
                }
                self.body(&s.body, depth);
            }
            Stmt::AutoEscape(a) => {
                self.expr(&a.enabled, d);
                self.body(&a.body, depth);
            }
            Stmt::FilterBlock(f) => {
                self.expr(&f.filter, d);
                self.body(&f.body, depth);
            }
            Stmt::Block(b) => self.body(&b.body, depth),
            Stmt::Import(i) => {
                self.expr(&i.expr, d);
                self.expr(&i.name, d);
            }
            Stmt::FromImport(i) => {
                self.expr(&i.expr, d);
                for (a, b) in &i.names {
                    self.expr(a, d);
                    if let Some(b) = b {
                        self.expr(b, d);
                    }
                }
            }
            Stmt::Extends(e) => {
                self.expr(&e.name, d);
            }
            Stmt::Include(i) => {
                self.expr(&i.name, d);
            }
            Stmt::Macro(m) => self.macro_decl(m, d),
            Stmt::CallBlock(c) => {
                self.call(&c.call, c.call.span().start_offset as usize, d);
                self.macro_decl(&c.macro_decl, d);
            }
            Stmt::Do(c) => {
                self.call(&c.call, c.call.span().start_offset as usize, d);
            }
        }
    }

    fn assign(&mut self, target: &ast::Expr<'_>, value: Facts) {
        if let ast::Expr::Var(v) = target
            && (self.vars.len() < MAX_VARS || self.vars.contains_key(v.id))
        {
            self.vars.insert(v.id.to_owned(), value);
        }
    }

    fn macro_decl(&mut self, m: &ast::Macro<'_>, depth: usize) {
        for a in &m.args {
            self.expr(a, depth);
        }
        for a in &m.defaults {
            self.expr(a, depth);
        }
        self.body(&m.body, depth);
    }

    fn args(&mut self, args: &[ast::CallArg<'_>], depth: usize) -> Vec<(Option<String>, Facts)> {
        let mut out = Vec::with_capacity(args.len());
        for a in args {
            match a {
                ast::CallArg::Pos(e) => out.push((None, self.expr(e, depth))),
                ast::CallArg::Kwarg(name, e) => {
                    out.push((Some((*name).to_owned()), self.expr(e, depth)));
                }
                ast::CallArg::PosSplat(e) | ast::CallArg::KwargSplat(e) => {
                    let mut f = self.expr(e, depth);
                    f.s = None;
                    out.push((None, f));
                }
            }
        }
        out
    }

    /// Thin dispatcher: the variants that can chain deeply without brackets (filters,
    /// attribute/item lookups, calls, binary operators) go straight to small non-inlined
    /// functions so that each level of recursion costs little stack.
    fn expr(&mut self, expr: &ast::Expr<'_>, depth: usize) -> Facts {
        use ast::Expr;
        let at = expr.span().start_offset as usize;
        if !self.enter(depth, at) {
            return Facts::default();
        }
        let d = depth + 1;
        match expr {
            Expr::Filter(f) => self.filter(f, at, d),
            Expr::GetAttr(g) => self.get_attr(g, at, d),
            Expr::GetItem(g) => self.get_item(g, at, d),
            Expr::Call(c) => self.call(c, at, d),
            Expr::BinOp(b) => self.binop(b, d),
            other => self.expr_other(other, at, d),
        }
    }

    #[inline(never)]
    fn expr_other(&mut self, expr: &ast::Expr<'_>, at: usize, d: usize) -> Facts {
        use ast::Expr;
        match expr {
            Expr::Var(v) => {
                let id = v.id;
                let mut f = Facts::default();
                if is_dunder(id) {
                    self.report(
                        "template-ssti-dunder",
                        id,
                        at,
                        format!("template references the Python internal `{id}`"),
                    );
                    f.tainted = true;
                }
                if GADGET_GLOBALS.contains(&id) {
                    f.tainted = true;
                }
                if let Some(known) = self.vars.get(id) {
                    f.s.clone_from(&known.s);
                    f.list.clone_from(&known.list);
                    f.built |= known.built;
                    f.tainted |= known.tainted;
                }
                f
            }
            Expr::Const(c) => {
                if let Some(s) = c.value.as_str() {
                    if looks_like_dunder_name(s) {
                        self.report(
                            "template-obfuscated-name",
                            s,
                            at,
                            format!("string constant '{s}' names a Python internal"),
                        );
                    }
                    Facts::string(s.to_owned())
                } else {
                    Facts::default()
                }
            }
            Expr::Slice(s) => {
                let base = self.expr(&s.expr, d);
                for e in [&s.start, &s.stop, &s.step].into_iter().flatten() {
                    self.expr(e, d);
                }
                let reversing = s.step.is_some();
                let mut f = Facts {
                    tainted: base.tainted,
                    built: reversing && (base.s.is_some() || base.built),
                    ..Facts::default()
                };
                if let (Some(text), Some(step)) = (&base.s, &s.step)
                    && let ast::Expr::UnaryOp(u) = step
                    && matches!(u.op, ast::UnaryOpKind::Neg)
                    && matches!(&u.expr, ast::Expr::Const(c) if c.value.as_i64() == Some(1))
                    && s.start.is_none()
                    && s.stop.is_none()
                {
                    f.s = Some(text.chars().rev().collect());
                }
                f
            }
            Expr::UnaryOp(u) => {
                let f = self.expr(&u.expr, d);
                Facts {
                    tainted: f.tainted,
                    ..Facts::default()
                }
            }
            Expr::Compare(c) => {
                let mut t = self.expr(&c.expr, d).tainted;
                for op in &c.ops {
                    t |= self.expr(&op.expr, d).tainted;
                }
                Facts {
                    tainted: t,
                    ..Facts::default()
                }
            }
            Expr::IfExpr(i) => {
                self.expr(&i.test_expr, d);
                let a = self.expr(&i.true_expr, d);
                let b = i
                    .false_expr
                    .as_ref()
                    .map(|e| self.expr(e, d))
                    .unwrap_or_default();
                Facts {
                    tainted: a.tainted || b.tainted,
                    built: a.built || b.built,
                    ..Facts::default()
                }
            }
            Expr::Test(t) => {
                let f = self.expr(&t.expr, d);
                self.args(&t.args, d);
                Facts {
                    tainted: f.tainted,
                    ..Facts::default()
                }
            }
            Expr::Filter(_)
            | Expr::GetAttr(_)
            | Expr::GetItem(_)
            | Expr::Call(_)
            | Expr::BinOp(_) => Facts::default(),
            Expr::List(l) => {
                let mut strings = Some(Vec::new());
                let mut f = Facts::default();
                for e in &l.items {
                    let x = self.expr(e, d);
                    f.tainted |= x.tainted;
                    f.built |= x.built;
                    match (&mut strings, x.s) {
                        (Some(v), Some(s)) => v.push(s),
                        _ => strings = None,
                    }
                }
                f.list = strings;
                f
            }
            Expr::Tuple(l) => {
                let mut f = Facts::default();
                let mut strings = Some(Vec::new());
                for e in &l.items {
                    let x = self.expr(e, d);
                    f.tainted |= x.tainted;
                    match (&mut strings, x.s) {
                        (Some(v), Some(s)) => v.push(s),
                        _ => strings = None,
                    }
                }
                f.list = strings;
                f
            }
            Expr::Map(m) => {
                let mut f = Facts::default();
                for e in m.keys.iter().chain(m.values.iter()) {
                    f.tainted |= self.expr(e, d).tainted;
                }
                f
            }
        }
    }

    #[inline(never)]
    fn binop(&mut self, b: &ast::BinOp<'_>, d: usize) -> Facts {
        use ast::BinOpKind;
        let l = self.expr(&b.left, d);
        let r = self.expr(&b.right, d);
        let tainted = l.tainted || r.tainted;
        match b.op {
            BinOpKind::Concat => {
                let s = match (&l.s, &r.s) {
                    (Some(a), Some(c)) => Some(format!("{a}{c}")),
                    _ => None,
                };
                let mut f = s.map(Facts::string).unwrap_or_default();
                f.built = true;
                f.tainted = tainted;
                f
            }
            BinOpKind::Add if l.s.is_some() || r.s.is_some() || l.built || r.built => {
                let s = match (&l.s, &r.s) {
                    (Some(a), Some(c)) => Some(format!("{a}{c}")),
                    _ => None,
                };
                let mut f = s.map(Facts::string).unwrap_or_default();
                f.built = true;
                f.tainted = tainted;
                f
            }
            BinOpKind::Rem if l.s.is_some() => {
                // printf-style formatting: '%s%s' % ('__cla', 'ss__').
                let args = r.list.clone().or_else(|| r.s.clone().map(|s| vec![s]));
                let s = match (&l.s, args) {
                    (Some(fmt), Some(args)) => percent_format(fmt, &args),
                    _ => None,
                };
                let mut f = s.map(Facts::string).unwrap_or_default();
                f.built = true;
                f.tainted = tainted;
                f
            }
            BinOpKind::Mul if l.s.is_some() || r.s.is_some() => Facts {
                built: true,
                tainted,
                ..Facts::default()
            },
            _ => Facts {
                tainted,
                ..Facts::default()
            },
        }
    }

    #[inline(never)]
    fn get_attr(&mut self, g: &ast::GetAttr<'_>, at: usize, d: usize) -> Facts {
        let base = self.expr(&g.expr, d);
        let name = g.name;
        let mut f = Facts {
            tainted: base.tainted,
            ..Facts::default()
        };
        if is_dunder(name) {
            self.report(
                "template-ssti-dunder",
                name,
                at,
                format!("template accesses the Python internal attribute `.{name}`"),
            );
            f.tainted = true;
        } else if name.starts_with('_') {
            self.report(
                "template-ssti-gadget",
                name,
                at,
                format!("template reads the private attribute `.{name}`"),
            );
            f.tainted = true;
        }
        if let ast::Expr::Var(v) = &g.expr
            && GADGET_GLOBALS.contains(&v.id)
        {
            let pattern = format!("{}.{name}", v.id);
            self.report(
                    "template-ssti-gadget",
                    &pattern,
                    at,
                    format!(
                        "template takes attribute `{name}` of the Jinja global `{}`, an SSTI entry point",
                        v.id
                    ),
                );
            f.tainted = true;
        }
        if EXEC_ATTRS.contains(&name) || (base.tainted && WEAK_EXEC_ATTRS.contains(&name)) {
            self.report(
                "template-ssti-gadget",
                name,
                at,
                format!("template reaches the execution primitive `.{name}`"),
            );
            f.tainted = true;
        }
        f
    }

    #[inline(never)]
    fn get_item(&mut self, g: &ast::GetItem<'_>, at: usize, d: usize) -> Facts {
        let base = self.expr(&g.expr, d);
        // A plain constant subscript is judged here rather than as a free-standing constant.
        let sub = if let ast::Expr::Const(c) = &g.subscript_expr {
            if !self.enter(d, at) {
                return Facts::default();
            }
            c.value
                .as_str()
                .map(|s| Facts::string(s.to_owned()))
                .unwrap_or_default()
        } else {
            self.expr(&g.subscript_expr, d)
        };
        let mut f = Facts {
            tainted: base.tainted || sub.tainted,
            ..Facts::default()
        };
        if let Some(key) = &sub.s {
            if is_dunder(key) {
                let how = if sub.built {
                    " (built from string pieces)"
                } else {
                    ""
                };
                self.report(
                    "template-ssti-dunder",
                    key,
                    at,
                    format!("template looks up the Python internal ['{key}']{how}"),
                );
                f.tainted = true;
                return f;
            }
            if base.tainted
                && (EXEC_ATTRS.contains(&key.as_str()) || WEAK_EXEC_ATTRS.contains(&key.as_str()))
            {
                self.report(
                    "template-ssti-gadget",
                    key,
                    at,
                    format!("template reaches the execution primitive ['{key}']"),
                );
                f.tainted = true;
            }
        }
        if sub.built {
            let shown = sub.s.as_deref().unwrap_or("<computed>");
            self.report(
                "template-obfuscated-name",
                shown,
                at,
                format!("template looks up a key built from string pieces ({shown})"),
            );
        }
        f
    }

    #[inline(never)]
    fn filter(&mut self, flt: &ast::Filter<'_>, at: usize, d: usize) -> Facts {
        let input = flt
            .expr
            .as_ref()
            .map(|e| self.expr(e, d))
            .unwrap_or_default();
        let args = self.args(&flt.args, d);
        let name = flt.name;
        let mut f = Facts {
            tainted: input.tainted || args.iter().any(|(_, a)| a.tainted),
            ..Facts::default()
        };
        if name == "attr" {
            let arg = args.first().map(|(_, a)| a.clone()).unwrap_or_default();
            match &arg.s {
                Some(s) if is_dunder(s) => {
                    self.report(
                        "template-ssti-dunder",
                        s,
                        at,
                        format!("template reads `{s}` through |attr"),
                    );
                    f.tainted = true;
                }
                Some(s) if !arg.built => {
                    if EXEC_ATTRS.contains(&s.as_str())
                        || (input.tainted && WEAK_EXEC_ATTRS.contains(&s.as_str()))
                    {
                        self.report(
                            "template-ssti-gadget",
                            s,
                            at,
                            format!("template reaches the execution primitive `{s}` through |attr"),
                        );
                        f.tainted = true;
                    }
                    self.report(
                        "template-attr-filter",
                        &format!("|attr('{s}')"),
                        at,
                        format!("template uses |attr('{s}')"),
                    );
                }
                _ => {
                    let shown = arg.s.clone().unwrap_or_else(|| "<computed>".to_owned());
                    self.report(
                        "template-attr-dynamic",
                        &format!("|attr({shown})"),
                        at,
                        format!("template calls |attr with a computed name ({shown})"),
                    );
                    f.tainted = true;
                }
            }
            return f;
        }
        if ATTRIBUTE_ARG_FILTERS.contains(&name) {
            for (_, a) in &args {
                if let Some(s) = &a.s
                    && is_dunder(s)
                {
                    self.report(
                        "template-ssti-dunder",
                        s,
                        at,
                        format!("template reads attribute `{s}` through |{name}"),
                    );
                    f.tainted = true;
                }
            }
        }
        if STRING_BUILDING_FILTERS.contains(&name) {
            f.built = true;
            f.s = fold_filter(name, &input, &args);
        }
        f
    }

    #[inline(never)]
    fn call(&mut self, c: &ast::Call<'_>, at: usize, d: usize) -> Facts {
        let callee = self.expr(&c.expr, d);
        let args = self.args(&c.args, d);
        let mut f = Facts {
            tainted: callee.tainted || args.iter().any(|(_, a)| a.tainted),
            ..Facts::default()
        };
        match &c.expr {
            ast::Expr::Var(v) => {
                if EXEC_CALLS.contains(&v.id) {
                    self.report(
                        "template-ssti-gadget",
                        &format!("{}()", v.id),
                        at,
                        format!("template calls the execution primitive `{}()`", v.id),
                    );
                    f.tainted = true;
                }
                if v.id == "chr" {
                    f.built = true;
                    if let Some(ast::CallArg::Pos(ast::Expr::Const(k))) = c.args.first() {
                        f.s = k
                            .value
                            .as_i64()
                            .and_then(|n| u32::try_from(n).ok())
                            .and_then(char::from_u32)
                            .map(String::from);
                    }
                }
            }
            ast::Expr::GetAttr(g) => {
                let receiver = match &g.expr {
                    ast::Expr::Const(k) => k.value.as_str().map(str::to_owned),
                    _ => None,
                };
                match g.name {
                    "format" | "join" | "replace" | "lower" | "upper" | "decode" | "encode"
                    | "capitalize" | "swapcase" | "title" | "center" | "ljust" | "rjust"
                    | "zfill" | "translate" => {
                        f.built = true;
                        f.s = fold_method(g.name, receiver.as_deref(), &args);
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        f
    }

    // -----------------------------------------------------------------------
    // Lexical fallback
    // -----------------------------------------------------------------------

    /// Scans a token stream; returns true when it saw string building inside a lookup that
    /// only the AST could judge.
    fn lexical_scan(&mut self, tokens: &[(Token<'_>, usize)]) -> bool {
        let mut ambiguous = false;
        let mut bracket_depth = 0usize;
        for (i, (tok, at)) in tokens.iter().enumerate() {
            let at = *at;
            let prev = i.checked_sub(1).and_then(|j| tokens.get(j)).map(|t| &t.0);
            let next = tokens.get(i + 1).map(|t| &t.0);
            match tok {
                Token::Ident(id) => {
                    if is_dunder(id) {
                        self.report(
                            "template-ssti-dunder",
                            id,
                            at,
                            format!("template references the Python internal `{id}`"),
                        );
                    } else if *id == "attr" && matches!(prev, Some(Token::Pipe)) {
                        let arg = tokens.get(i + 2).map(|t| &t.0);
                        let after = tokens.get(i + 3).map(|t| &t.0);
                        match (arg, after) {
                            (Some(Token::Str(s)), Some(Token::ParenClose)) if !is_dunder(s) => {
                                self.report(
                                    "template-attr-filter",
                                    &format!("|attr('{s}')"),
                                    at,
                                    format!("template uses |attr('{s}')"),
                                );
                            }
                            (Some(Token::Str(s)), Some(Token::ParenClose)) => {
                                self.report(
                                    "template-ssti-dunder",
                                    s,
                                    at,
                                    format!("template reads `{s}` through |attr"),
                                );
                            }
                            _ => self.report(
                                "template-attr-dynamic",
                                "|attr(<computed>)",
                                at,
                                "template calls |attr with a computed name".to_owned(),
                            ),
                        }
                    } else if GADGET_GLOBALS.contains(id)
                        && matches!(next, Some(Token::Dot))
                        && !matches!(prev, Some(Token::Dot))
                    {
                        self.report(
                            "template-ssti-gadget",
                            id,
                            at,
                            format!("template takes an attribute of the Jinja global `{id}`"),
                        );
                    } else if EXEC_ATTRS.contains(id) && matches!(prev, Some(Token::Dot)) {
                        self.report(
                            "template-ssti-gadget",
                            id,
                            at,
                            format!("template reaches the execution primitive `.{id}`"),
                        );
                    } else if bracket_depth > 0
                        && matches!(*id, "join" | "format" | "replace" | "chr" | "reverse")
                    {
                        ambiguous = true;
                    }
                }
                Token::Str(s) => self.lexical_string(s, at),
                Token::String(s) => self.lexical_string(s, at),
                Token::BracketOpen => bracket_depth += 1,
                Token::BracketClose => bracket_depth = bracket_depth.saturating_sub(1),
                Token::VariableEnd | Token::BlockEnd => bracket_depth = 0,
                Token::Tilde | Token::Plus | Token::Mod if bracket_depth > 0 => ambiguous = true,
                Token::Colon
                    if bracket_depth > 0 && matches!(next, Some(Token::Colon | Token::Minus)) =>
                {
                    ambiguous = true;
                }
                _ => {}
            }
        }
        ambiguous
    }

    fn lexical_string(&mut self, s: &str, at: usize) {
        if looks_like_dunder_name(s) {
            self.report(
                "template-ssti-dunder",
                s,
                at,
                format!("string constant '{s}' names a Python internal"),
            );
        } else if s.contains("__") && s.trim().len() < 64 && !s.contains(' ') {
            self.report(
                "template-obfuscated-name",
                s,
                at,
                format!("string constant '{s}' is a piece of a Python internal name"),
            );
        }
    }

    /// Coarse scan of raw text inside `{{ }}` / `{% %}` when the lexer failed. Returns true when
    /// string building inside a block was seen.
    fn raw_scan(&mut self, text: &str, base: usize) -> bool {
        let bytes = text.as_bytes();
        let mut ambiguous = false;
        let mut pos = 0usize;
        // One forward pass: every search starts where the previous block ended.
        while let Some(open) = find_pair(bytes, pos, b'{', |c| c == b'{' || c == b'%') {
            let inner_start = open + 2;
            let close = find_pair(bytes, inner_start, 0, |c| c == b'}').unwrap_or(bytes.len());
            // All delimiters are ASCII, so these are character boundaries.
            let block = text.get(inner_start..close).unwrap_or_default();
            self.raw_block(block, base + inner_start, &mut ambiguous);
            pos = close + 2;
            if pos >= bytes.len() {
                break;
            }
        }
        ambiguous
    }

    fn raw_block(&mut self, block: &str, at: usize, ambiguous: &mut bool) {
        let bytes = block.as_bytes();
        let mut i = 0usize;
        while i < bytes.len() {
            let c = bytes.get(i).copied().unwrap_or(0);
            if c.is_ascii_alphabetic() || c == b'_' {
                let start = i;
                while bytes
                    .get(i)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
                {
                    i += 1;
                }
                let word = block.get(start..i).unwrap_or_default();
                let prev = start.checked_sub(1).and_then(|j| bytes.get(j)).copied();
                let next = bytes.get(i).copied();
                if is_dunder(word) {
                    self.report(
                        "template-ssti-dunder",
                        word,
                        at + start,
                        format!("template references the Python internal `{word}`"),
                    );
                } else if word == "attr" && prev == Some(b'|') {
                    self.report(
                        "template-attr-dynamic",
                        "|attr",
                        at + start,
                        "template uses |attr (unparsed)".to_owned(),
                    );
                } else if GADGET_GLOBALS.contains(&word) && next == Some(b'.') && prev != Some(b'.')
                {
                    self.report(
                        "template-ssti-gadget",
                        word,
                        at + start,
                        format!("template takes an attribute of the Jinja global `{word}`"),
                    );
                } else if EXEC_ATTRS.contains(&word) && prev == Some(b'.') {
                    self.report(
                        "template-ssti-gadget",
                        word,
                        at + start,
                        format!("template reaches the execution primitive `.{word}`"),
                    );
                } else if matches!(word, "join" | "format" | "replace" | "chr") {
                    *ambiguous = true;
                }
            } else {
                if c == b'~' || c == b'[' {
                    *ambiguous = true;
                }
                i += 1;
            }
        }
    }
}

/// Position of the next two-byte delimiter at or after `from`: `first` followed by a byte
/// accepted by `second` (`first == 0` means "`}}` or `%}`": any of `}`/`%` followed by `}`).
fn find_pair(bytes: &[u8], from: usize, first: u8, second: impl Fn(u8) -> bool) -> Option<usize> {
    let mut i = from;
    while let (Some(&a), Some(&b)) = (bytes.get(i), bytes.get(i + 1)) {
        let hit = if first == 0 {
            (a == b'}' || a == b'%') && second(b)
        } else {
            a == first && second(b)
        };
        if hit {
            return Some(i);
        }
        i += 1;
    }
    None
}

fn stmt_offset(stmt: &ast::Stmt<'_>) -> usize {
    use ast::Stmt;
    let span = match stmt {
        Stmt::Template(s) => s.span(),
        Stmt::EmitExpr(s) => s.span(),
        Stmt::EmitRaw(s) => s.span(),
        Stmt::ForLoop(s) => s.span(),
        Stmt::IfCond(s) => s.span(),
        Stmt::WithBlock(s) => s.span(),
        Stmt::Set(s) => s.span(),
        Stmt::SetBlock(s) => s.span(),
        Stmt::AutoEscape(s) => s.span(),
        Stmt::FilterBlock(s) => s.span(),
        Stmt::Block(s) => s.span(),
        Stmt::Import(s) => s.span(),
        Stmt::FromImport(s) => s.span(),
        Stmt::Extends(s) => s.span(),
        Stmt::Include(s) => s.span(),
        Stmt::Macro(s) => s.span(),
        Stmt::CallBlock(s) => s.span(),
        Stmt::Continue(s) => s.span(),
        Stmt::Break(s) => s.span(),
        Stmt::Do(s) => s.span(),
    };
    span.start_offset as usize
}

/// `'%s%s' % (a, b)` for `%s` only.
fn percent_format(fmt: &str, args: &[String]) -> Option<String> {
    let mut out = String::new();
    let mut it = args.iter();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '%' {
            match chars.next() {
                Some('s' | 'r' | 'c') => out.push_str(it.next()?),
                Some('%') => out.push('%'),
                _ => return None,
            }
        } else {
            out.push(c);
        }
        if out.len() > MAX_FOLD {
            return None;
        }
    }
    Some(out)
}

/// `'{}{}'.format(a, b)` with positional `{}` / `{0}` only.
fn brace_format(fmt: &str, args: &[String]) -> Option<String> {
    let mut out = String::new();
    let mut next = 0usize;
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '{' => {
                let mut idx = String::new();
                loop {
                    match chars.next()? {
                        '}' => break,
                        d if d.is_ascii_digit() => idx.push(d),
                        _ => return None,
                    }
                }
                let i = if idx.is_empty() {
                    next += 1;
                    next - 1
                } else {
                    idx.parse().ok()?
                };
                out.push_str(args.get(i)?);
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            c => out.push(c),
        }
        if out.len() > MAX_FOLD {
            return None;
        }
    }
    Some(out)
}

fn positional_strings(args: &[(Option<String>, Facts)]) -> Option<Vec<String>> {
    args.iter()
        .filter(|(k, _)| k.is_none())
        .map(|(_, f)| f.s.clone())
        .collect()
}

fn fold_filter(name: &str, input: &Facts, args: &[(Option<String>, Facts)]) -> Option<String> {
    match name {
        "join" => {
            let sep = args
                .first()
                .and_then(|(_, f)| f.s.clone())
                .unwrap_or_default();
            let list = input.list.as_ref()?;
            let s = list.join(&sep);
            (s.len() <= MAX_FOLD).then_some(s)
        }
        "reverse" => input.s.as_ref().map(|s| s.chars().rev().collect()),
        "string" => input.s.clone(),
        "lower" => input.s.as_ref().map(|s| s.to_lowercase()),
        "upper" => input.s.as_ref().map(|s| s.to_uppercase()),
        "replace" => {
            let a = positional_strings(args)?;
            let (from, to) = (a.first()?, a.get(1)?);
            let s = input.s.as_ref()?.replace(from.as_str(), to);
            (s.len() <= MAX_FOLD).then_some(s)
        }
        "format" => percent_format(input.s.as_ref()?, &positional_strings(args)?),
        _ => None,
    }
}

fn fold_method(
    name: &str,
    receiver: Option<&str>,
    args: &[(Option<String>, Facts)],
) -> Option<String> {
    let recv = receiver?;
    match name {
        "format" => brace_format(recv, &positional_strings(args)?),
        "join" => {
            let list = args.first()?.1.list.as_ref()?;
            let s = list.join(recv);
            (s.len() <= MAX_FOLD).then_some(s)
        }
        "replace" => {
            let a = positional_strings(args)?;
            let s = recv.replace(a.first()?.as_str(), a.get(1)?);
            (s.len() <= MAX_FOLD).then_some(s)
        }
        "lower" => Some(recv.to_lowercase()),
        "upper" => Some(recv.to_uppercase()),
        _ => None,
    }
}
