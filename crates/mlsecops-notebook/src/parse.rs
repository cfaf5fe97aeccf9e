//! JSON → [`Notebook`] for nbformat v4 and v3.

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::{
    Cell, CellType, Issue, IssueKind, Limits, MimeBundle, MimeData, Notebook, Output, OutputKind,
    fragments::{MimeClass, mime_class},
};

/// Most issues kept per notebook (distinct messages; later ones are dropped).
const MAX_ISSUES: usize = 256;

/// Why a byte string could not be read as a notebook at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotebookError {
    /// The file is larger than [`Limits::max_file_size`].
    #[error("notebook is {size} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// File size.
        size: u64,
        /// Limit.
        limit: u64,
    },
    /// JSON nesting deeper than [`Limits::max_depth`].
    #[error("JSON nesting deeper than {limit} levels at line {line}, column {column}")]
    TooDeep {
        /// Limit.
        limit: u32,
        /// 1-based line of the bracket that went too deep.
        line: u32,
        /// 1-based column (bytes).
        column: u32,
        /// Byte offset.
        offset: u64,
    },
    /// Not JSON (syntax error, invalid UTF-8, truncated).
    #[error("not valid JSON at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line (from `serde_json`).
        line: u32,
        /// 1-based column (bytes, from `serde_json`).
        column: u32,
        /// Byte offset derived from line and column.
        offset: u64,
        /// `serde_json`'s description.
        message: String,
    },
    /// JSON, but not a notebook (not an object, no `cells` / `worksheets`, no `nbformat`).
    #[error("not a Jupyter notebook: {0}")]
    NotNotebook(String),
    /// `nbformat` is not 3 or 4.
    #[error("unsupported nbformat {0} (only 3 and 4 are read)")]
    UnsupportedVersion(String),
}

impl NotebookError {
    /// Registry rule this error is reported under.
    pub fn rule(&self) -> &'static str {
        match self {
            NotebookError::TooLarge { .. } | NotebookError::TooDeep { .. } => {
                "notebook-limit-exceeded"
            }
            _ => "notebook-malformed",
        }
    }

    /// `(line, column, byte offset)` of the error in the file, when known.
    pub fn position(&self) -> Option<(u32, u32, u64)> {
        match self {
            NotebookError::TooDeep {
                line,
                column,
                offset,
                ..
            }
            | NotebookError::Json {
                line,
                column,
                offset,
                ..
            } => Some((*line, *column, *offset)),
            _ => None,
        }
    }
}

/// 1-based `(line, column)` of byte `offset` (column in bytes).
fn line_col(data: &[u8], offset: usize) -> (u32, u32) {
    let upto = data.get(..offset).unwrap_or(data);
    let line = upto.iter().filter(|&&b| b == b'\n').count();
    let line_start = upto.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let column = offset.saturating_sub(line_start);
    (
        u32::try_from(line.saturating_add(1)).unwrap_or(u32::MAX),
        u32::try_from(column.saturating_add(1)).unwrap_or(u32::MAX),
    )
}

/// Byte offset of 1-based `(line, column)`.
fn offset_of(data: &[u8], line: usize, column: usize) -> u64 {
    let mut start = 0usize;
    if line > 1 {
        let mut seen = 0usize;
        for (i, &b) in data.iter().enumerate() {
            if b == b'\n' {
                seen += 1;
                if seen + 1 == line {
                    start = i + 1;
                    break;
                }
            }
        }
    }
    let offset = start
        .saturating_add(column.saturating_sub(1))
        .min(data.len());
    u64::try_from(offset).unwrap_or(u64::MAX)
}

/// Linear scan for the first bracket nested deeper than `limit` (outside strings).
fn too_deep(data: &[u8], limit: u32) -> Option<usize> {
    let mut depth = 0u32;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in data.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth = depth.saturating_add(1);
                if depth > limit {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Parses `data` as a Jupyter notebook under `limits`.
///
/// Errors only when nothing useful can be read (see [`NotebookError`]); problems inside cells
/// and outputs are collected in [`Notebook::issues`] and reading goes on.
pub fn parse(data: &[u8], limits: &Limits) -> Result<Notebook, NotebookError> {
    let size = u64::try_from(data.len()).unwrap_or(u64::MAX);
    if size > limits.max_file_size {
        return Err(NotebookError::TooLarge {
            size,
            limit: limits.max_file_size,
        });
    }
    let bom = usize::from(data.starts_with(b"\xEF\xBB\xBF")) * 3;
    let body = data.get(bom..).unwrap_or_default();
    let depth_limit = limits.max_depth.min(128);
    if let Some(at) = too_deep(body, depth_limit) {
        let at = at + bom;
        let (line, column) = line_col(data, at);
        return Err(NotebookError::TooDeep {
            limit: depth_limit,
            line,
            column,
            offset: u64::try_from(at).unwrap_or(u64::MAX),
        });
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        let (line, column) = (e.line(), e.column());
        // serde_json counts lines from the start of `body`; a BOM sits on line 1.
        let column = if line == 1 { column + bom } else { column };
        NotebookError::Json {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
            offset: offset_of(data, line, column),
            message: e.to_string(),
        }
    })?;
    let Value::Object(mut top) = value else {
        return Err(NotebookError::NotNotebook(format!(
            "the top level is {}, not an object",
            json_kind(&value)
        )));
    };
    let nbformat = match top.remove("nbformat") {
        None => {
            return Err(NotebookError::NotNotebook("no `nbformat` key".to_owned()));
        }
        Some(Value::Number(n)) if n.as_u64() == Some(4) => 4,
        Some(Value::Number(n)) if n.as_u64() == Some(3) => 3,
        Some(other) => return Err(NotebookError::UnsupportedVersion(compact(&other))),
    };
    let mut reader = Reader {
        limits,
        issues: Vec::new(),
        seen: HashSet::new(),
        outputs_read: 0,
        cells_read: 0,
        stopped: false,
    };
    let nbformat_minor = match top.remove("nbformat_minor") {
        None => 0,
        Some(Value::Number(n)) if n.as_u64().is_some() => {
            u32::try_from(n.as_u64().unwrap_or(0)).unwrap_or(u32::MAX)
        }
        Some(other) => {
            reader.issue(
                IssueKind::Malformed,
                format!("`nbformat_minor` is {}, not an integer", json_kind(&other)),
                None,
                None,
                false,
            );
            0
        }
    };
    let metadata = top.remove("metadata").unwrap_or(Value::Null);
    let mut cells = Vec::new();
    if nbformat == 4 {
        match top.remove("cells") {
            Some(Value::Array(items)) => reader.cells(items, &mut cells, 4),
            Some(other) => {
                return Err(NotebookError::NotNotebook(format!(
                    "`cells` is {}, not an array",
                    json_kind(&other)
                )));
            }
            None => return Err(NotebookError::NotNotebook("no `cells` array".to_owned())),
        }
    } else {
        match top.remove("worksheets") {
            Some(Value::Array(sheets)) => {
                for (i, sheet) in sheets.into_iter().enumerate() {
                    let Value::Object(mut sheet) = sheet else {
                        reader.issue(
                            IssueKind::Malformed,
                            "a v3 worksheet is not an object".to_owned(),
                            None,
                            None,
                            false,
                        );
                        top.insert(format!("worksheets[{i}]"), sheet);
                        continue;
                    };
                    match sheet.remove("cells") {
                        Some(Value::Array(items)) => reader.cells(items, &mut cells, 3),
                        Some(other) => {
                            reader.issue(
                                IssueKind::Malformed,
                                "a v3 worksheet's `cells` is not an array".to_owned(),
                                None,
                                None,
                                false,
                            );
                            sheet.insert("cells".to_owned(), other);
                        }
                        None => {}
                    }
                    if sheet
                        .get("metadata")
                        .is_some_and(|m| m.as_object().is_some_and(Map::is_empty))
                    {
                        sheet.remove("metadata");
                    }
                    if !sheet.is_empty() {
                        top.insert(format!("worksheets[{i}]"), Value::Object(sheet));
                    }
                }
            }
            Some(other) => {
                return Err(NotebookError::NotNotebook(format!(
                    "`worksheets` is {}, not an array",
                    json_kind(&other)
                )));
            }
            None => {
                return Err(NotebookError::NotNotebook(
                    "nbformat 3 without a `worksheets` array".to_owned(),
                ));
            }
        }
    }
    let extra = top;
    for key in extra.keys() {
        if !key.starts_with("worksheets[") {
            reader.issue(
                IssueKind::Nonstandard,
                format!(
                    "top-level key `{}` is not in the nbformat schema",
                    clip(key)
                ),
                None,
                None,
                false,
            );
        }
    }
    Ok(Notebook {
        nbformat,
        nbformat_minor,
        metadata,
        cells,
        extra,
        issues: reader.issues,
        max_text_bytes: limits.max_text_bytes,
    })
}

struct Reader<'a> {
    limits: &'a Limits,
    issues: Vec<Issue>,
    seen: HashSet<String>,
    outputs_read: u32,
    cells_read: u32,
    stopped: bool,
}

impl Reader<'_> {
    fn issue(
        &mut self,
        kind: IssueKind,
        message: String,
        cell: Option<u32>,
        output: Option<u32>,
        lost_content: bool,
    ) {
        if self.issues.len() >= MAX_ISSUES || !self.seen.insert(message.clone()) {
            // Same problem again: the first occurrence is reported, but lost content
            // must still be recorded.
            if lost_content && !self.issues.iter().any(|i| i.lost_content) {
                self.issues.push(Issue {
                    kind,
                    message,
                    cell,
                    output,
                    lost_content,
                });
            }
            return;
        }
        self.issues.push(Issue {
            kind,
            message,
            cell,
            output,
            lost_content,
        });
    }

    fn cells(&mut self, items: Vec<Value>, cells: &mut Vec<Cell>, version: u32) {
        for item in items {
            if self.stopped {
                return;
            }
            if self.cells_read >= self.limits.max_cells {
                self.stopped = true;
                self.issue(
                    IssueKind::Limit,
                    format!(
                        "more than {} cells; the rest were not read",
                        self.limits.max_cells
                    ),
                    None,
                    None,
                    true,
                );
                return;
            }
            let index = self.cells_read;
            self.cells_read += 1;
            cells.push(self.cell(index, item, version));
        }
    }

    fn cell(&mut self, index: u32, value: Value, version: u32) -> Cell {
        let mut cell = Cell {
            index,
            cell_type: CellType::Unknown,
            type_name: String::new(),
            id: None,
            source: String::new(),
            metadata: Value::Null,
            attachments: Vec::new(),
            outputs: Vec::new(),
            extra: Map::new(),
        };
        let Value::Object(mut obj) = value else {
            self.issue(
                IssueKind::Malformed,
                format!("a cell is {}, not an object", json_kind(&value)),
                Some(index),
                None,
                false,
            );
            cell.extra.insert("cell".to_owned(), value);
            return cell;
        };
        match obj.remove("cell_type") {
            Some(Value::String(name)) => {
                cell.cell_type = match name.as_str() {
                    "code" => CellType::Code,
                    "markdown" => CellType::Markdown,
                    "raw" => CellType::Raw,
                    "heading" if version == 3 => CellType::Heading,
                    _ => CellType::Unknown,
                };
                if cell.cell_type == CellType::Unknown {
                    self.issue(
                        IssueKind::Nonstandard,
                        format!("unknown cell type `{}`", clip(&name)),
                        Some(index),
                        None,
                        false,
                    );
                }
                cell.type_name = name;
            }
            other => {
                self.issue(
                    IssueKind::Malformed,
                    "a cell has no string `cell_type`".to_owned(),
                    Some(index),
                    None,
                    false,
                );
                if let Some(other) = other {
                    cell.extra.insert("cell_type".to_owned(), other);
                }
            }
        }
        match obj.remove("id") {
            Some(Value::String(id)) => cell.id = Some(id),
            Some(other) => {
                cell.extra.insert("id".to_owned(), other);
            }
            None => {}
        }
        let source_key = if version == 3 && cell.cell_type == CellType::Code {
            "input"
        } else {
            "source"
        };
        match obj.remove(source_key) {
            Some(v) => cell.source = self.text(v, source_key, Some(index), None),
            None => {
                // v4 requires a source; v3 allows an empty code cell without `input`.
                if version == 4 {
                    self.issue(
                        IssueKind::Malformed,
                        "a cell has no `source`".to_owned(),
                        Some(index),
                        None,
                        false,
                    );
                }
            }
        }
        cell.metadata = obj.remove("metadata").unwrap_or(Value::Null);
        if let Some(att) = obj.remove("attachments") {
            match att {
                Value::Object(map) => {
                    for (name, bundle) in map {
                        let bundle = self.bundle(bundle, Some(index), None);
                        cell.attachments.push((name, bundle));
                    }
                }
                other => {
                    self.issue(
                        IssueKind::Malformed,
                        "cell `attachments` is not an object".to_owned(),
                        Some(index),
                        None,
                        false,
                    );
                    cell.extra.insert("attachments".to_owned(), other);
                }
            }
        }
        if let Some(outputs) = obj.remove("outputs") {
            match outputs {
                Value::Array(items) => self.outputs(items, &mut cell, version),
                other => {
                    self.issue(
                        IssueKind::Malformed,
                        "cell `outputs` is not an array".to_owned(),
                        Some(index),
                        None,
                        false,
                    );
                    cell.extra.insert("outputs".to_owned(), other);
                }
            }
        }
        let known: &[&str] = if version == 3 {
            &["prompt_number", "language", "collapsed", "level"]
        } else {
            &["execution_count"]
        };
        for key in known {
            obj.remove(*key);
        }
        for (key, value) in obj {
            // v3 text cells may keep their `rendered` HTML: schema-valid, still scanned (as
            // an extra fragment).
            if version == 3 && key == "rendered" {
                cell.extra.insert(key, value);
                continue;
            }
            self.issue(
                IssueKind::Nonstandard,
                format!("cell key `{}` is not in the nbformat schema", clip(&key)),
                Some(index),
                None,
                false,
            );
            cell.extra.insert(key, value);
        }
        cell
    }

    fn outputs(&mut self, items: Vec<Value>, cell: &mut Cell, version: u32) {
        for (i, item) in items.into_iter().enumerate() {
            if self.stopped {
                return;
            }
            if self.outputs_read >= self.limits.max_outputs {
                self.stopped = true;
                self.issue(
                    IssueKind::Limit,
                    format!(
                        "more than {} outputs; the rest were not read",
                        self.limits.max_outputs
                    ),
                    Some(cell.index),
                    None,
                    true,
                );
                return;
            }
            self.outputs_read += 1;
            let index = u32::try_from(i).unwrap_or(u32::MAX);
            let output = self.output(cell.index, index, item, version);
            cell.outputs.push(output);
        }
    }

    fn output(&mut self, cell: u32, index: u32, value: Value, version: u32) -> Output {
        let here = (Some(cell), Some(index));
        let Value::Object(mut obj) = value else {
            self.issue(
                IssueKind::Malformed,
                format!("an output is {}, not an object", json_kind(&value)),
                here.0,
                here.1,
                false,
            );
            return Output {
                index,
                output_type: String::new(),
                kind: OutputKind::Unknown(value),
                metadata: Value::Null,
                extra: Map::new(),
            };
        };
        let output_type = match obj.remove("output_type") {
            Some(Value::String(s)) => s,
            other => {
                self.issue(
                    IssueKind::Malformed,
                    "an output has no string `output_type`".to_owned(),
                    here.0,
                    here.1,
                    false,
                );
                if let Some(other) = other {
                    obj.insert("output_type".to_owned(), other);
                }
                String::new()
            }
        };
        let metadata = obj.remove("metadata").unwrap_or(Value::Null);
        let kind = match (version, output_type.as_str()) {
            (_, "stream") => {
                let name_key = if version == 3 { "stream" } else { "name" };
                let name = match obj.remove(name_key) {
                    Some(Value::String(s)) => s,
                    Some(other) => compact(&other),
                    None => String::new(),
                };
                let text = obj
                    .remove("text")
                    .map(|v| self.text(v, "text", here.0, here.1))
                    .unwrap_or_default();
                OutputKind::Stream { name, text }
            }
            (4, "execute_result" | "display_data") | (3, "pyout" | "display_data") => {
                let data = if version == 4 {
                    obj.remove("data")
                        .map(|d| self.bundle(d, here.0, here.1))
                        .unwrap_or_default()
                } else {
                    self.v3_bundle(&mut obj, here.0, here.1)
                };
                obj.remove(if version == 3 {
                    "prompt_number"
                } else {
                    "execution_count"
                });
                if output_type == "display_data" {
                    OutputKind::DisplayData { data }
                } else {
                    OutputKind::ExecuteResult { data }
                }
            }
            (4, "error") | (3, "pyerr") => {
                let ename = obj
                    .remove("ename")
                    .map(|v| self.text(v, "ename", here.0, here.1))
                    .unwrap_or_default();
                let evalue = obj
                    .remove("evalue")
                    .map(|v| self.text(v, "evalue", here.0, here.1))
                    .unwrap_or_default();
                let traceback = match obj.remove("traceback") {
                    Some(Value::Array(items)) => items
                        .into_iter()
                        .map(|v| match v {
                            Value::String(s) => s,
                            other => compact(&other),
                        })
                        .collect(),
                    Some(other) => vec![self.text(other, "traceback", here.0, here.1)],
                    None => Vec::new(),
                };
                OutputKind::Error {
                    ename,
                    evalue,
                    traceback,
                }
            }
            _ => {
                if !output_type.is_empty() {
                    self.issue(
                        IssueKind::Nonstandard,
                        format!("unknown output type `{}`", clip(&output_type)),
                        here.0,
                        here.1,
                        false,
                    );
                }
                let all = std::mem::take(&mut obj);
                OutputKind::Unknown(Value::Object(all))
            }
        };
        for key in obj.keys() {
            self.issue(
                IssueKind::Nonstandard,
                format!(
                    "output key `{}` is not in the nbformat schema for `{}` outputs",
                    clip(key),
                    clip(&output_type)
                ),
                here.0,
                here.1,
                false,
            );
        }
        Output {
            index,
            output_type,
            kind,
            metadata,
            extra: obj,
        }
    }

    /// v4 mime bundle (`data` / attachment value).
    fn bundle(&mut self, value: Value, cell: Option<u32>, output: Option<u32>) -> MimeBundle {
        let Value::Object(map) = value else {
            self.issue(
                IssueKind::Malformed,
                "a mime bundle is not an object".to_owned(),
                cell,
                output,
                false,
            );
            return vec![("application/json".to_owned(), MimeData::Json(value))];
        };
        map.into_iter()
            .map(|(mime, v)| {
                let data = if mime_class(&mime) == MimeClass::Json {
                    MimeData::Json(v)
                } else {
                    MimeData::Text(self.text(v, "mime data", cell, output))
                };
                (mime, data)
            })
            .collect()
    }

    /// v3 `pyout` / `display_data`: short mime keys at the output's top level.
    fn v3_bundle(
        &mut self,
        obj: &mut Map<String, Value>,
        cell: Option<u32>,
        output: Option<u32>,
    ) -> MimeBundle {
        const V3_MIMES: &[(&str, &str)] = &[
            ("text", "text/plain"),
            ("html", "text/html"),
            ("markdown", "text/markdown"),
            ("latex", "text/latex"),
            ("json", "application/json"),
            ("javascript", "application/javascript"),
            ("svg", "image/svg+xml"),
            ("png", "image/png"),
            ("jpeg", "image/jpeg"),
            ("pdf", "application/pdf"),
        ];
        let mut bundle = Vec::new();
        for (key, mime) in V3_MIMES {
            if let Some(v) = obj.remove(*key) {
                let data = if *key == "json" {
                    MimeData::Json(v)
                } else {
                    MimeData::Text(self.text(v, key, cell, output))
                };
                bundle.push(((*mime).to_owned(), data));
            }
        }
        bundle
    }

    /// Joins a multiline string; other JSON is kept as its compact text and reported.
    fn text(&mut self, value: Value, what: &str, cell: Option<u32>, output: Option<u32>) -> String {
        match value {
            Value::String(s) => s,
            Value::Array(items) => {
                let mut out = String::new();
                let mut odd = false;
                for item in items {
                    match item {
                        Value::String(s) => out.push_str(&s),
                        other => {
                            odd = true;
                            out.push_str(&compact(&other));
                        }
                    }
                }
                if odd {
                    self.issue(
                        IssueKind::Malformed,
                        format!("`{what}` is a list with non-string items"),
                        cell,
                        output,
                        false,
                    );
                }
                out
            }
            Value::Null => String::new(),
            other => {
                self.issue(
                    IssueKind::Malformed,
                    format!(
                        "`{what}` is {}, not a string or list of strings",
                        json_kind(&other)
                    ),
                    cell,
                    output,
                    false,
                );
                compact(&other)
            }
        }
    }
}

/// Compact JSON text of `value` (nesting is already bounded by the parse).
pub(crate) fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Names from the file in messages: at most 64 characters.
fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(64).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions() {
        let data = b"ab\ncd\nef";
        assert_eq!(line_col(data, 4), (2, 2));
        assert_eq!(offset_of(data, 2, 2), 4);
        assert_eq!(offset_of(data, 9, 9), 8);
        assert_eq!(line_col(data, 0), (1, 1));
    }

    #[test]
    fn depth_scan_ignores_brackets_in_strings() {
        assert_eq!(too_deep(br#"{"a": "[[[[[[\"[[["}"#, 2), None);
        assert_eq!(too_deep(b"[[[1]]]", 2), Some(2));
    }
}
