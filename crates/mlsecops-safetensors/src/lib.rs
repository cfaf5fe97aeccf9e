//! Strict safetensors header validation with security findings.
//!
//! Mirrors the validation of the reference `safetensors` crate (0.8): 8-byte little-endian
//! header length capped at 100,000,000, UTF-8 JSON object header, known dtypes, `[begin, end]`
//! offsets whose span equals dtype size × product(shape) (checked arithmetic), offsets that tile
//! the data buffer exactly, `__metadata__` a string→string map. On top of that it reports what
//! the reference crate silently accepts or cannot see: duplicate JSON keys (`serde_json` keeps the
//! last), and polyglots (header-length bytes or appended data that read as ZIP, pickle or an
//! executable).
//!
//! Only the header is parsed; the tensor data buffer is checked by length arithmetic (plus a
//! few signature bytes at its start and at the end of the file), never read.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use mlsecops_core::{FormatAnalysis, Observation};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;

/// Format label used in [`FormatAnalysis::format`].
pub const FORMAT: &str = "safetensors";

/// Header size cap of the reference implementation (`MAX_HEADER_SIZE`).
pub const MAX_HEADER_SIZE: u64 = 100_000_000;

/// Most findings of one rule reported per file (the first ones; the file is flagged anyway).
const MAX_REPORTS_PER_RULE: usize = 16;

/// What was learnt from a safetensors header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SafetensorsInfo {
    /// Declared header length (bytes of JSON after the 8-byte length).
    pub header_len: u64,
    /// Number of tensor entries.
    pub tensor_count: usize,
    /// Sum of element counts of all valid tensor entries.
    pub parameter_count: u64,
    /// dtype name -> number of tensors.
    pub dtypes: BTreeMap<String, usize>,
    /// `__metadata__` (string values only).
    pub metadata: BTreeMap<String, String>,
}

/// Plausible safetensors start: an 8-byte length between 2 and the cap, then `{`.
pub fn is_safetensors(prefix: &[u8]) -> bool {
    let (Some(len), Some(&first)) = (prefix.get(..8), prefix.get(8)) else {
        return false;
    };
    let mut b = [0u8; 8];
    b.copy_from_slice(len);
    let n = u64::from_le_bytes(b);
    (2..=MAX_HEADER_SIZE).contains(&n) && first == b'{'
}

/// Bits per element of each dtype the reference crate knows.
fn dtype_bits(name: &str) -> Option<u64> {
    Some(match name {
        "F4" => 4,
        "F6_E2M3" | "F6_E3M2" => 6,
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "F8_E8M0" | "F8_E4M3FNUZ"
        | "F8_E5M2FNUZ" => 8,
        "I16" | "U16" | "F16" | "BF16" => 16,
        "I32" | "U32" | "F32" => 32,
        "I64" | "U64" | "F64" | "C64" => 64,
        _ => return None,
    })
}

/// Header entries in document order, and the keys seen more than once.
struct Entries {
    entries: Vec<(String, Value)>,
    duplicates: Vec<String>,
}

struct EntriesVisitor;

impl<'de> Visitor<'de> for EntriesVisitor {
    type Value = Entries;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
        let mut seen = HashSet::new();
        let mut out = Entries {
            entries: Vec::new(),
            duplicates: Vec::new(),
        };
        while let Some(key) = map.next_key::<String>()? {
            let value: Value = map.next_value()?;
            if !seen.insert(key.clone()) {
                out.duplicates.push(key.clone());
            }
            out.entries.push((key, value));
        }
        Ok(out)
    }
}

fn parse_entries(text: &str) -> Result<Entries, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let entries = de.deserialize_map(EntriesVisitor)?;
    de.end()?;
    Ok(entries)
}

/// A tensor entry that passed the per-entry checks.
struct Tensor {
    name: String,
    begin: u64,
    end: u64,
}

struct Analyzer {
    out: FormatAnalysis,
    counts: BTreeMap<&'static str, usize>,
}

impl Analyzer {
    fn report(&mut self, obs: Observation) {
        let n = self.counts.entry(obs.rule).or_insert(0);
        *n += 1;
        if *n <= MAX_REPORTS_PER_RULE {
            self.out.push(obs);
        }
    }
}

/// Short description of what a byte string starts with, when it is a known executable format.
fn sniff_payload(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        Some("zip")
    } else if bytes.len() >= 2
        && bytes.first() == Some(&0x80)
        && bytes.get(1).is_some_and(|p| (2..=5).contains(p))
    {
        Some("pickle")
    } else if bytes.starts_with(b"\x7fELF") {
        Some("elf")
    } else if bytes.starts_with(b"MZ") {
        Some("pe")
    } else if bytes.starts_with(&[0xCF, 0xFA, 0xED, 0xFE])
        || bytes.starts_with(&[0xCE, 0xFA, 0xED, 0xFE])
        || bytes.starts_with(&[0xCA, 0xFE, 0xBA, 0xBE])
    {
        Some("mach-o")
    } else if bytes.starts_with(b"#!") {
        Some("script")
    } else if bytes.starts_with(b"7z\xBC\xAF\x27\x1C") {
        Some("7z")
    } else if bytes.starts_with(&[0x1F, 0x8B]) {
        Some("gzip")
    } else {
        None
    }
}

/// Stricter sniff for the start of the tensor buffer, where arbitrary tensor bytes live:
/// only signatures that random data matches with negligible probability.
fn sniff_buffer_start(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"PK\x03\x04") {
        Some("zip")
    } else if bytes.starts_with(b"\x7fELF") {
        Some("elf")
    } else if bytes.first() == Some(&0x80)
        && bytes.get(1).is_some_and(|p| (2..=5).contains(p))
        // FRAME, GLOBAL, SHORT_BINUNICODE, MARK, EMPTY_DICT, EMPTY_LIST, STACK_GLOBAL
        && bytes
            .get(2)
            .is_some_and(|op| matches!(op, 0x95 | b'c' | 0x8c | b'(' | b'}' | b']' | 0x93))
    {
        Some("pickle")
    } else {
        None
    }
}

/// Analyses a safetensors file (the whole file, so that the buffer length can be checked).
pub fn analyze(data: &[u8]) -> (FormatAnalysis, Option<SafetensorsInfo>) {
    let mut a = Analyzer {
        out: FormatAnalysis::new(FORMAT),
        counts: BTreeMap::new(),
    };
    let info = run(&mut a, data);
    (a.out, info)
}

fn run(a: &mut Analyzer, data: &[u8]) -> Option<SafetensorsInfo> {
    let file_len = u64::try_from(data.len()).unwrap_or(u64::MAX);
    let Some(len_bytes) = data.get(..8) else {
        a.out.fail(
            Observation::new(
                "safetensors-header-length",
                format!("file has {file_len} bytes, fewer than the 8-byte header length"),
            )
            .at(0),
        );
        return None;
    };
    let mut b = [0u8; 8];
    b.copy_from_slice(len_bytes);
    let n = u64::from_le_bytes(b);

    if let Some(kind) = sniff_payload(len_bytes).filter(|k| matches!(*k, "zip" | "pickle")) {
        a.report(
            Observation::new(
                "safetensors-polyglot",
                format!("the header-length bytes are also a {kind} signature"),
            )
            .at(0)
            .with_evidence("payload", kind),
        );
    }
    if n > MAX_HEADER_SIZE {
        a.out.fail(
            Observation::new(
                "safetensors-header-length",
                format!("header length {n} exceeds the {MAX_HEADER_SIZE}-byte cap"),
            )
            .at(0)
            .with_evidence("header_len", n.to_string()),
        );
        return None;
    }
    let header_end = n + 8;
    if header_end > file_len {
        a.out.fail(
            Observation::new(
                "safetensors-header-length",
                format!("header length {n} runs past the end of the {file_len}-byte file"),
            )
            .at(0)
            .with_evidence("header_len", n.to_string())
            .with_evidence("file_len", file_len.to_string()),
        );
        return None;
    }
    // Both bounds are <= data.len(), so these conversions and the slice cannot fail.
    let header_end_usize = usize::try_from(header_end).unwrap_or(usize::MAX);
    let header = data.get(8..header_end_usize).unwrap_or_default();
    if header.first() != Some(&b'{') {
        let first = header.iter().position(|c| !c.is_ascii_whitespace());
        let starts_object = first.and_then(|i| header.get(i)) == Some(&b'{');
        if !starts_object {
            a.out.fail(
                Observation::new(
                    "safetensors-header-invalid",
                    "header does not start with `{`",
                )
                .at(8)
                .with_evidence(
                    "first_byte",
                    header
                        .first()
                        .map_or_else(|| "none".to_owned(), |c| format!("0x{c:02x}")),
                ),
            );
            return None;
        }
    }
    let text = match std::str::from_utf8(header) {
        Ok(t) => t,
        Err(e) => {
            a.out.fail(
                Observation::new("safetensors-header-invalid", "header is not valid UTF-8")
                    .at(8 + u64::try_from(e.valid_up_to()).unwrap_or(0)),
            );
            return None;
        }
    };
    let entries = match parse_entries(text) {
        Ok(e) => e,
        Err(e) => {
            a.out.fail(
                Observation::new(
                    "safetensors-header-invalid",
                    format!("header is not a valid JSON object: {e}"),
                )
                .at(8)
                .with_evidence("line", e.line().to_string())
                .with_evidence("column", e.column().to_string()),
            );
            return None;
        }
    };
    for key in &entries.duplicates {
        a.report(
            Observation::new(
                "safetensors-duplicate-key",
                format!("header key `{key}` appears more than once"),
            )
            .at(8)
            .with_evidence("key", key.as_str()),
        );
    }

    let mut info = SafetensorsInfo {
        header_len: n,
        ..SafetensorsInfo::default()
    };
    // Like the reference crate (serde), the last occurrence of a duplicate key wins.
    let mut last: BTreeMap<&str, &Value> = BTreeMap::new();
    for (k, v) in &entries.entries {
        last.insert(k.as_str(), v);
    }
    let mut tensors: Vec<Tensor> = Vec::new();
    let mut params: u64 = 0;
    for (name, value) in last {
        if name == "__metadata__" {
            check_metadata(a, value, &mut info);
            continue;
        }
        if let Some((t, elements, dtype)) = check_tensor(a, name, value) {
            params = params.saturating_add(elements);
            *info.dtypes.entry(dtype).or_insert(0) += 1;
            tensors.push(t);
        }
        info.tensor_count += 1;
    }
    info.parameter_count = params;
    check_layout(a, &mut tensors, data, header_end);
    Some(info)
}

fn check_metadata(a: &mut Analyzer, value: &Value, info: &mut SafetensorsInfo) {
    match value {
        Value::Null => {}
        Value::Object(map) => {
            for (k, v) in map {
                if let Value::String(s) = v {
                    info.metadata.insert(k.clone(), s.clone());
                } else {
                    a.report(
                        Observation::new(
                            "safetensors-metadata-invalid",
                            format!("__metadata__ value `{k}` is {}, not a string", kind(v)),
                        )
                        .at(8)
                        .with_evidence("json_path", format!("__metadata__.{k}")),
                    );
                }
            }
        }
        other => a.report(
            Observation::new(
                "safetensors-metadata-invalid",
                format!("__metadata__ is {}, not an object", kind(other)),
            )
            .at(8)
            .with_evidence("json_path", "__metadata__"),
        ),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn u64_array(v: Option<&Value>) -> Option<Vec<u64>> {
    v?.as_array()?.iter().map(Value::as_u64).collect()
}

/// Validates one tensor entry; returns it with its element count and dtype when valid.
fn check_tensor(a: &mut Analyzer, name: &str, value: &Value) -> Option<(Tensor, u64, String)> {
    let invalid = |a: &mut Analyzer, msg: String| {
        a.report(
            Observation::new("safetensors-tensor-invalid", msg)
                .at(8)
                .with_evidence("tensor", name),
        );
    };
    let Some(obj) = value.as_object() else {
        invalid(
            a,
            format!("entry `{name}` is {}, not an object", kind(value)),
        );
        return None;
    };
    let dtype = obj.get("dtype").and_then(Value::as_str);
    let Some(bits) = dtype.and_then(dtype_bits) else {
        invalid(
            a,
            format!(
                "tensor `{name}` has unknown or missing dtype {}",
                obj.get("dtype")
                    .map_or_else(|| "(none)".to_owned(), ToString::to_string)
            ),
        );
        return None;
    };
    let Some(shape) = u64_array(obj.get("shape")) else {
        invalid(
            a,
            format!("tensor `{name}` shape is missing or not an array of unsigned integers"),
        );
        return None;
    };
    let offsets = u64_array(obj.get("data_offsets"));
    let Some(&[begin, end]) = offsets.as_deref() else {
        invalid(
            a,
            format!("tensor `{name}` data_offsets is not a [begin, end] pair of unsigned integers"),
        );
        return None;
    };
    let dtype = dtype.unwrap_or_default().to_owned();
    let t = Tensor {
        name: name.to_owned(),
        begin,
        end,
    };
    if end < begin {
        invalid(
            a,
            format!("tensor `{name}` data_offsets [{begin}, {end}] end before they begin"),
        );
        return Some((t, 0, dtype));
    }
    let Some(elements) = shape.iter().try_fold(1u64, |acc, &d| acc.checked_mul(d)) else {
        invalid(
            a,
            format!("tensor `{name}`: element count of shape {shape:?} overflows"),
        );
        return Some((t, 0, dtype));
    };
    let Some(nbits) = elements.checked_mul(bits) else {
        invalid(
            a,
            format!("tensor `{name}`: bit size of shape {shape:?} overflows"),
        );
        return Some((t, 0, dtype));
    };
    if nbits % 8 != 0 {
        invalid(
            a,
            format!("tensor `{name}`: {elements} elements of {bits} bits do not fill whole bytes"),
        );
        return Some((t, 0, dtype));
    }
    let span = end - begin;
    if span != nbits / 8 {
        a.report(
            Observation::new(
                "safetensors-tensor-invalid",
                format!(
                    "tensor `{name}`: {dtype} x {shape:?} is {} bytes but data_offsets span {span}",
                    nbits / 8
                ),
            )
            .at(8)
            .with_evidence("tensor", name)
            .with_evidence("expected_bytes", (nbits / 8).to_string())
            .with_evidence("span", span.to_string()),
        );
    }
    Some((t, elements, dtype))
}

/// Offsets must tile `[0, buffer_len)` exactly; reports gaps, overlaps, extents past the end,
/// trailing bytes and polyglot payloads.
fn check_layout(a: &mut Analyzer, tensors: &mut [Tensor], data: &[u8], header_end: u64) {
    let file_len = u64::try_from(data.len()).unwrap_or(u64::MAX);
    let buffer_len = file_len.saturating_sub(header_end);
    tensors.sort_by_key(|t| (t.begin, t.end));
    let mut covered: u64 = 0;
    for t in tensors.iter() {
        if t.begin > covered {
            a.report(
                Observation::new(
                    "safetensors-offsets-invalid",
                    format!(
                        "gap of {} unreferenced bytes before tensor `{}` (buffer offset {covered})",
                        t.begin - covered,
                        t.name
                    ),
                )
                .at(header_end.saturating_add(covered))
                .with_evidence("tensor", t.name.as_str())
                .with_evidence("gap_start", covered.to_string())
                .with_evidence("gap_end", t.begin.to_string()),
            );
        } else if t.begin < covered {
            a.report(
                Observation::new(
                    "safetensors-offsets-invalid",
                    format!(
                        "tensor `{}` starts at {} inside bytes already used (up to {covered})",
                        t.name, t.begin
                    ),
                )
                .at(header_end.saturating_add(t.begin))
                .with_evidence("tensor", t.name.as_str())
                .with_evidence("begin", t.begin.to_string()),
            );
        }
        covered = covered.max(t.end);
    }
    if covered > buffer_len {
        a.report(
            Observation::new(
                "safetensors-offsets-invalid",
                format!("tensor data ends at buffer offset {covered} but the buffer has {buffer_len} bytes"),
            )
            .at(header_end)
            .with_evidence("buffer_end", covered.to_string())
            .with_evidence("buffer_len", buffer_len.to_string()),
        );
    } else if covered < buffer_len {
        let trail_at = header_end.saturating_add(covered);
        let trailing = usize::try_from(trail_at)
            .ok()
            .and_then(|s| data.get(s..))
            .unwrap_or_default();
        let payload = sniff_payload(trailing);
        let mut obs = Observation::new(
            "safetensors-trailing-data",
            format!(
                "{} bytes follow the data buffer at byte {trail_at}",
                buffer_len - covered
            ),
        )
        .at(trail_at)
        .with_evidence("trailing_bytes", (buffer_len - covered).to_string());
        if let Some(kind) = payload {
            obs = obs.with_evidence("payload", kind);
        }
        a.report(obs);
        if let Some(kind) = payload {
            a.report(
                Observation::new(
                    "safetensors-polyglot",
                    format!("a {kind} payload follows the tensor data at byte {trail_at}"),
                )
                .at(trail_at)
                .with_evidence("payload", kind),
            );
        }
    }
    let buffer = usize::try_from(header_end)
        .ok()
        .and_then(|s| data.get(s..))
        .unwrap_or_default();
    if let Some(kind) = sniff_buffer_start(buffer) {
        a.report(
            Observation::new(
                "safetensors-polyglot",
                format!("the tensor data buffer starts with a {kind} signature"),
            )
            .at(header_end)
            .with_evidence("payload", kind),
        );
    }
    let tail = data.len().checked_sub(22).and_then(|s| data.get(s..));
    if tail.is_some_and(|t| t.starts_with(b"PK\x05\x06")) {
        a.report(
            Observation::new(
                "safetensors-polyglot",
                "the file ends with a ZIP end-of-central-directory record",
            )
            .at(file_len.saturating_sub(22))
            .with_evidence("payload", "zip"),
        );
    }
}
