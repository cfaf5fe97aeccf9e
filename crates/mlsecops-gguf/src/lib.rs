//! Bounded GGUF header and metadata parser with security checks.
//!
//! Parses GGUF v1–v3 (little- and big-endian) headers: magic, version, tensor and metadata
//! counts, every typed metadata value (13 value types, nested arrays with a depth cap) and every
//! tensor info. Tensor byte extents are computed with checked arithmetic from the ggml type's
//! block size and checked against the file length; tensor data itself is never read, so the cost
//! depends on the header size only.
//!
//! Every declared count or length is compared with the bytes that remain before anything is
//! allocated or iterated. Problems become [`Observation`]s with `gguf-*` rule ids; parsing stops
//! (and the analysis is marked incomplete) where the rest of the header can no longer be located.
//!
//! Chat templates (`tokenizer.chat_template`, `tokenizer.chat_template.<name>` and any other string
//! key whose name contains `template`) are returned in [`GgufInfo::templates`] for the caller to
//! check; this crate does not analyse Jinja itself.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::collections::{BTreeMap, HashSet};

use mlsecops_core::{FormatAnalysis, Observation};

mod types;

pub use types::{
    GGML_TYPES, GgmlType, LEGACY_GGML_TYPES, file_type_name, ggml_type, legacy_ggml_type,
};

/// Format label used in [`FormatAnalysis::format`].
pub const FORMAT: &str = "gguf";

/// `GGML_MAX_DIMS`: ggml tensors have at most this many dimensions.
pub const GGML_MAX_DIMS: u32 = 4;

/// Default `general.alignment`.
pub const DEFAULT_ALIGNMENT: u64 = 32;

/// Caps on what the parser accepts before it stops (each documented on its field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Most tensor infos parsed (large `MoE` models have a few thousand).
    pub max_tensors: u64,
    /// Most metadata key/value pairs parsed (real files have tens to a few hundred).
    pub max_kv: u64,
    /// Longest string accepted (key, value or array element), in bytes.
    pub max_string_len: u64,
    /// Longest array accepted, in elements (vocabularies have up to a few hundred thousand).
    pub max_array_len: u64,
    /// Deepest array nesting accepted (arrays of arrays); real files use 1.
    pub max_array_depth: u32,
    /// Most array elements iterated over the whole file (string arrays are walked one by one).
    pub max_total_elements: u64,
    /// Most dimensions read for one tensor before giving up (GGML allows 4).
    pub max_dims: u32,
    /// Most bytes of one template kept in [`GgufInfo::templates`].
    pub max_template_len: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_tensors: 1 << 20,
            max_kv: 1 << 16,
            max_string_len: 64 << 20,
            max_array_len: 1 << 26,
            max_array_depth: 4,
            max_total_elements: 1 << 27,
            max_dims: 8,
            max_template_len: 4 << 20,
        }
    }
}

/// What was learnt from a GGUF header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GgufInfo {
    /// GGUF version (1–3).
    pub version: u32,
    /// Declared tensor count.
    pub tensor_count: u64,
    /// Declared metadata key/value count.
    pub kv_count: u64,
    /// Alignment in effect (`general.alignment` or 32).
    pub alignment: u64,
    /// `general.architecture`.
    pub architecture: Option<String>,
    /// `general.name`.
    pub name: Option<String>,
    /// `general.license`.
    pub license: Option<String>,
    /// `general.file_type` as a llama.cpp file-type name (quantisation), e.g. `MOSTLY_Q4_K_M`.
    pub file_type: Option<String>,
    /// Sum of all tensors' element counts (`None` when a count could not be computed).
    pub parameter_count: Option<u64>,
    /// ggml type name -> number of tensors of that type.
    pub tensor_types: BTreeMap<String, u64>,
    /// `(metadata key, template source)` for every chat template found.
    pub templates: Vec<(String, String)>,
    /// Byte offset of the (aligned) tensor data section.
    pub data_offset: u64,
    /// True for a big-endian file.
    pub big_endian: bool,
    /// Number of tensor infos actually parsed.
    pub tensors_parsed: u64,
    /// Number of metadata pairs actually parsed.
    pub kv_parsed: u64,
}

/// True when `prefix` starts with the GGUF magic.
pub fn is_gguf(prefix: &[u8]) -> bool {
    prefix.starts_with(b"GGUF")
}

// ---------------------------------------------------------------------------
// Byte reader
// ---------------------------------------------------------------------------

/// Why parsing stopped.
#[derive(Debug)]
struct Stop;

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    big_endian: bool,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> u64 {
        u64::try_from(self.data.len().saturating_sub(self.pos)).unwrap_or(u64::MAX)
    }

    fn offset(&self) -> u64 {
        u64::try_from(self.pos).unwrap_or(u64::MAX)
    }

    fn take(&mut self, n: u64) -> Option<&'a [u8]> {
        let n = usize::try_from(n).ok()?;
        let end = self.pos.checked_add(n)?;
        let bytes = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(bytes)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        let bytes = self.take(N as u64)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        if self.big_endian {
            out.reverse();
        }
        Some(out)
    }

    fn u32(&mut self) -> Option<u32> {
        self.array::<4>().map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Option<u64> {
        self.array::<8>().map(u64::from_le_bytes)
    }
}

// ---------------------------------------------------------------------------
// Value types
// ---------------------------------------------------------------------------

const VT_UINT8: u32 = 0;
const VT_INT8: u32 = 1;
const VT_UINT16: u32 = 2;
const VT_INT16: u32 = 3;
const VT_UINT32: u32 = 4;
const VT_INT32: u32 = 5;
const VT_FLOAT32: u32 = 6;
const VT_BOOL: u32 = 7;
const VT_STRING: u32 = 8;
const VT_ARRAY: u32 = 9;
const VT_UINT64: u32 = 10;
const VT_INT64: u32 = 11;
const VT_FLOAT64: u32 = 12;

fn value_type_name(t: u32) -> &'static str {
    match t {
        VT_UINT8 => "UINT8",
        VT_INT8 => "INT8",
        VT_UINT16 => "UINT16",
        VT_INT16 => "INT16",
        VT_UINT32 => "UINT32",
        VT_INT32 => "INT32",
        VT_FLOAT32 => "FLOAT32",
        VT_BOOL => "BOOL",
        VT_STRING => "STRING",
        VT_ARRAY => "ARRAY",
        VT_UINT64 => "UINT64",
        VT_INT64 => "INT64",
        VT_FLOAT64 => "FLOAT64",
        _ => "unknown",
    }
}

/// Size of a fixed-size value type.
fn fixed_size(t: u32) -> Option<u64> {
    match t {
        VT_UINT8 | VT_INT8 | VT_BOOL => Some(1),
        VT_UINT16 | VT_INT16 => Some(2),
        VT_UINT32 | VT_INT32 | VT_FLOAT32 => Some(4),
        VT_UINT64 | VT_INT64 | VT_FLOAT64 => Some(8),
        _ => None,
    }
}

/// A scalar metadata value the analyser keeps.
enum Scalar {
    U64(u64),
    Str(String),
    Other,
}

// ---------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------

struct Parser<'a, 'l> {
    r: Reader<'a>,
    limits: &'l Limits,
    out: FormatAnalysis,
    info: GgufInfo,
    /// Width of lengths and counts: 4 bytes in v1, 8 from v2.
    wide: bool,
    elements_seen: u64,
    alignment_raw: Option<(u32, u64, u64)>,
}

struct Tensor {
    name: String,
    offset: u64,
    size: Option<u64>,
}

/// Analyses a GGUF file (or its first bytes: a truncated prefix is reported as incomplete).
///
/// Returns the observations and, when the magic and version were readable, what was learnt.
pub fn analyze(data: &[u8], limits: &Limits) -> (FormatAnalysis, Option<GgufInfo>) {
    let mut p = Parser {
        r: Reader {
            data,
            pos: 0,
            big_endian: false,
        },
        limits,
        out: FormatAnalysis::new(FORMAT),
        info: GgufInfo {
            alignment: DEFAULT_ALIGNMENT,
            ..GgufInfo::default()
        },
        wide: true,
        elements_seen: 0,
        alignment_raw: None,
    };
    if !is_gguf(data) {
        p.out.fail(
            Observation::new("gguf-malformed", "file does not start with the GGUF magic").at(0),
        );
        return (p.out, None);
    }
    p.r.pos = 4;
    if p.header().is_err() {
        return (p.out, None);
    }
    let _ = p.body();
    (p.out, Some(p.info))
}

impl<'a> Parser<'a, '_> {
    fn truncated(&mut self, what: &str) -> Stop {
        let at = self.r.offset();
        self.out.fail(
            Observation::new(
                "gguf-malformed",
                format!("GGUF header truncated while reading {what} at byte {at}"),
            )
            .at(at)
            .with_evidence("field", what),
        );
        Stop
    }

    fn header(&mut self) -> Result<(), Stop> {
        let raw = self
            .r
            .data
            .get(4..8)
            .ok_or_else(|| self.truncated("version"))?;
        let mut bytes = [0u8; 4];
        bytes.copy_from_slice(raw);
        let le = u32::from_le_bytes(bytes);
        let be = u32::from_be_bytes(bytes);
        let version = if le.trailing_zeros() >= 16 && be.trailing_zeros() < 16 {
            self.r.big_endian = true;
            self.info.big_endian = true;
            self.out.push(
                Observation::new("gguf-big-endian", format!("big-endian GGUF v{be}"))
                    .at(4)
                    .with_evidence("version", be.to_string()),
            );
            be
        } else {
            le
        };
        self.r.pos = 8;
        if !(1..=3).contains(&version) {
            self.out.fail(
                Observation::new(
                    "gguf-malformed",
                    format!("unsupported GGUF version {version} (1 to 3 are defined)"),
                )
                .at(4)
                .with_evidence("version", version.to_string()),
            );
            return Err(Stop);
        }
        self.info.version = version;
        self.wide = version >= 2;
        self.info.tensor_count = self.len_field("tensor count")?;
        self.info.kv_count = self.len_field("metadata KV count")?;
        Ok(())
    }

    /// Reads a count/length field (u32 in v1, u64 from v2).
    fn len_field(&mut self, what: &str) -> Result<u64, Stop> {
        let v = if self.wide {
            self.r.u64()
        } else {
            self.r.u32().map(u64::from)
        };
        v.ok_or_else(|| self.truncated(what))
    }

    fn len_width(&self) -> u64 {
        if self.wide { 8 } else { 4 }
    }

    /// Reports a declared count that the remaining bytes cannot hold (given `min_each` bytes per
    /// item), or that exceeds `cap`. Returns `Err` when parsing must stop.
    fn check_count(
        &mut self,
        what: &str,
        declared: u64,
        min_each: u64,
        cap: u64,
        at: u64,
    ) -> Result<(), Stop> {
        let remaining = self.r.remaining();
        let need = declared.checked_mul(min_each);
        if need.is_none_or(|n| n > remaining) {
            self.out.fail(
                Observation::new(
                    "gguf-length-out-of-bounds",
                    format!(
                        "{what} {declared} needs at least {} bytes but only {remaining} remain",
                        need.map_or_else(|| "2^64+".to_owned(), |n| n.to_string())
                    ),
                )
                .at(at)
                .with_evidence("field", what)
                .with_evidence("declared", declared.to_string())
                .with_evidence("remaining", remaining.to_string()),
            );
            return Err(Stop);
        }
        if declared > cap {
            self.out.fail(
                Observation::new(
                    "gguf-limit-exceeded",
                    format!("{what} {declared} exceeds the scanner cap {cap}"),
                )
                .at(at)
                .with_evidence("field", what)
                .with_evidence("declared", declared.to_string()),
            );
            return Err(Stop);
        }
        Ok(())
    }

    /// Reads a GGUF string; `keep` decides whether its bytes are returned.
    fn string(&mut self, what: &str, keep: bool) -> Result<Option<&'a [u8]>, Stop> {
        let at = self.r.offset();
        let len = self.len_field(what)?;
        self.check_count(
            &format!("{what} length"),
            len,
            1,
            self.limits.max_string_len,
            at,
        )?;
        let bytes = self.r.take(len).ok_or_else(|| self.truncated(what))?;
        Ok(keep.then_some(bytes))
    }

    fn utf8(&mut self, bytes: &[u8], what: &str, at: u64) -> Result<String, Stop> {
        if let Ok(s) = std::str::from_utf8(bytes) {
            Ok(s.to_owned())
        } else {
            self.out.fail(
                Observation::new("gguf-malformed", format!("{what} is not valid UTF-8"))
                    .at(at)
                    .with_evidence("field", what),
            );
            Err(Stop)
        }
    }

    fn value_type(&mut self, key: &str) -> Result<u32, Stop> {
        let at = self.r.offset();
        let t = self
            .r
            .u32()
            .ok_or_else(|| self.truncated("metadata value type"))?;
        if t > VT_FLOAT64 {
            self.out.fail(
                Observation::new(
                    "gguf-invalid-type",
                    format!("metadata key `{key}` has unknown value type {t}"),
                )
                .at(at)
                .with_evidence("key", key)
                .with_evidence("value_type", t.to_string()),
            );
            return Err(Stop);
        }
        Ok(t)
    }

    fn body(&mut self) -> Result<(), Stop> {
        let kv_at = if self.wide { 16 } else { 12 };
        // A KV pair is at least a key length, a value type and one value byte (keys may be empty).
        let min_kv = self.len_width() + 4 + 1;
        let kv_count = self.info.kv_count;
        self.check_count(
            "metadata KV count",
            kv_count,
            min_kv,
            self.limits.max_kv,
            kv_at,
        )?;
        let mut keys: HashSet<String> = HashSet::new();
        for _ in 0..kv_count {
            self.kv(&mut keys)?;
            self.info.kv_parsed += 1;
        }
        self.check_alignment();

        // Tensor infos: name length + n_dims + type + offset at minimum.
        let min_tensor = self.len_width() + 4 + 4 + 8;
        let tensor_count = self.info.tensor_count;
        self.check_count(
            "tensor count",
            tensor_count,
            min_tensor,
            self.limits.max_tensors,
            8,
        )?;
        let mut names: HashSet<String> = HashSet::new();
        let mut tensors: Vec<Tensor> = Vec::new();
        let mut params: Option<u64> = Some(0);
        for _ in 0..tensor_count {
            let t = self.tensor_info(&mut names, &mut params)?;
            tensors.push(t);
            self.info.tensors_parsed += 1;
        }
        self.info.parameter_count = params;
        self.layout(&tensors);
        Ok(())
    }

    fn check_alignment(&mut self) {
        let Some((vt, value, at)) = self.alignment_raw else {
            return;
        };
        let bad = if vt == VT_UINT32 {
            if value == 0 || !value.is_power_of_two() {
                Some(format!(
                    "general.alignment is {value}: not a nonzero power of two"
                ))
            } else {
                self.info.alignment = value;
                None
            }
        } else {
            Some(format!(
                "general.alignment has type {} instead of UINT32",
                value_type_name(vt)
            ))
        };
        if let Some(msg) = bad {
            self.out.push(
                Observation::new("gguf-bad-alignment", msg)
                    .at(at)
                    .with_evidence("key", "general.alignment")
                    .with_evidence("value", value.to_string())
                    .with_evidence("value_type", value_type_name(vt)),
            );
            // Fall back to a power of two so the layout checks can go on: the loader's view is
            // undefined anyway.
            if vt != VT_UINT32 && value != 0 && value.is_power_of_two() {
                self.info.alignment = value;
            }
        }
    }

    fn kv(&mut self, keys: &mut HashSet<String>) -> Result<(), Stop> {
        let key_at = self.r.offset();
        let key_bytes = self.string("metadata key", true)?.unwrap_or_default();
        let key = self.utf8(key_bytes, "metadata key", key_at)?;
        if !keys.insert(key.clone()) {
            self.out.push(
                Observation::new(
                    "gguf-duplicate-entry",
                    format!("metadata key `{key}` appears more than once"),
                )
                .at(key_at)
                .with_evidence("key", key.as_str()),
            );
        }
        let vt_at = self.r.offset();
        let vt = self.value_type(&key)?;
        let value = self.value(vt, &key, 0)?;
        match (key.as_str(), value) {
            ("general.alignment", v) => {
                let n = match v {
                    Scalar::U64(n) => n,
                    _ => 0,
                };
                self.alignment_raw = Some((vt, n, vt_at));
            }
            ("general.architecture", Scalar::Str(s)) => self.info.architecture = Some(s),
            ("general.name", Scalar::Str(s)) => self.info.name = Some(s),
            ("general.license", Scalar::Str(s)) => self.info.license = Some(s),
            ("general.file_type", Scalar::U64(n)) => {
                self.info.file_type = Some(file_type_name(n));
            }
            (k, Scalar::Str(s)) if is_template_key(k) => {
                self.info.templates.push((key.clone(), s));
            }
            _ => {}
        }
        Ok(())
    }

    fn keeps_string(key: &str) -> bool {
        matches!(
            key,
            "general.architecture" | "general.name" | "general.license"
        ) || is_template_key(key)
    }

    fn value(&mut self, vt: u32, key: &str, depth: u32) -> Result<Scalar, Stop> {
        if let Some(size) = fixed_size(vt) {
            let bytes = self
                .r
                .take(size)
                .ok_or_else(|| self.truncated("metadata value"))?;
            let mut buf = [0u8; 8];
            let n = bytes.len().min(8);
            if let (Some(dst), Some(src)) = (buf.get_mut(..n), bytes.get(..n)) {
                dst.copy_from_slice(src);
                if self.r.big_endian {
                    dst.reverse();
                }
            }
            let raw = u64::from_le_bytes(buf);
            return Ok(match vt {
                VT_UINT8 | VT_UINT16 | VT_UINT32 | VT_UINT64 | VT_INT32 => Scalar::U64(raw),
                _ => Scalar::Other,
            });
        }
        match vt {
            VT_STRING => {
                let at = self.r.offset();
                let keep = depth == 0 && Self::keeps_string(key);
                let bytes = self.string("metadata string value", keep)?;
                match bytes {
                    Some(b) => {
                        let max =
                            usize::try_from(self.limits.max_template_len).unwrap_or(usize::MAX);
                        if is_template_key(key) && b.len() > max {
                            self.out.mark_incomplete(format!(
                                "template `{key}` is {} bytes, above the {max}-byte cap",
                                b.len()
                            ));
                            self.out.push(
                                Observation::new(
                                    "gguf-limit-exceeded",
                                    format!("template `{key}` exceeds the template size cap"),
                                )
                                .at(at)
                                .with_evidence("key", key),
                            );
                            return Ok(Scalar::Other);
                        }
                        let s = self.utf8(b, &format!("value of `{key}`"), at)?;
                        Ok(Scalar::Str(s))
                    }
                    None => Ok(Scalar::Other),
                }
            }
            VT_ARRAY => {
                self.array(key, depth)?;
                Ok(Scalar::Other)
            }
            _ => Ok(Scalar::Other),
        }
    }

    fn array(&mut self, key: &str, depth: u32) -> Result<(), Stop> {
        let at = self.r.offset();
        if depth >= self.limits.max_array_depth {
            self.out.push(
                Observation::new(
                    "gguf-invalid-type",
                    format!(
                        "metadata key `{key}` nests arrays {} deep, deeper than any GGUF writer produces",
                        depth + 1
                    ),
                )
                .at(at)
                .with_evidence("key", key),
            );
            self.out.fail(
                Observation::new(
                    "gguf-limit-exceeded",
                    format!(
                        "arrays in `{key}` nest deeper than {}",
                        self.limits.max_array_depth
                    ),
                )
                .at(at)
                .with_evidence("key", key),
            );
            return Err(Stop);
        }
        let et = self.value_type(key)?;
        let len_at = self.r.offset();
        let len = self.len_field("array length")?;
        if let Some(size) = fixed_size(et) {
            let Some(total) = len.checked_mul(size) else {
                self.out.fail(
                    Observation::new(
                        "gguf-size-overflow",
                        format!("array `{key}`: {len} elements of {size} bytes overflow 64 bits"),
                    )
                    .at(len_at)
                    .with_evidence("key", key)
                    .with_evidence("declared", len.to_string()),
                );
                return Err(Stop);
            };
            self.check_count("array byte length", total, 1, u64::MAX, len_at)?;
            if len > self.limits.max_array_len {
                return self.check_count("array length", len, 0, self.limits.max_array_len, len_at);
            }
            self.r
                .take(total)
                .ok_or_else(|| self.truncated("array data"))?;
            return Ok(());
        }
        // Strings need a length field each; nested arrays a type and a length.
        let min_each = if et == VT_STRING {
            self.len_width()
        } else {
            4 + self.len_width()
        };
        self.check_count(
            "array length",
            len,
            min_each,
            self.limits.max_array_len,
            len_at,
        )?;
        self.elements_seen = self.elements_seen.saturating_add(len);
        if self.elements_seen > self.limits.max_total_elements {
            self.out.fail(
                Observation::new(
                    "gguf-limit-exceeded",
                    format!(
                        "more than {} array elements in the header",
                        self.limits.max_total_elements
                    ),
                )
                .at(len_at)
                .with_evidence("key", key),
            );
            return Err(Stop);
        }
        for _ in 0..len {
            if et == VT_STRING {
                self.string("array string element", false)?;
            } else {
                self.value(et, key, depth + 1)?;
            }
        }
        Ok(())
    }

    fn tensor_info(
        &mut self,
        names: &mut HashSet<String>,
        params: &mut Option<u64>,
    ) -> Result<Tensor, Stop> {
        let at = self.r.offset();
        let name_bytes = self.string("tensor name", true)?.unwrap_or_default();
        let name = self.utf8(name_bytes, "tensor name", at)?;
        if !names.insert(name.clone()) {
            self.out.push(
                Observation::new(
                    "gguf-duplicate-entry",
                    format!("tensor name `{name}` appears more than once"),
                )
                .at(at)
                .with_evidence("tensor", name.as_str()),
            );
        }
        let dims_at = self.r.offset();
        let n_dims = self
            .r
            .u32()
            .ok_or_else(|| self.truncated("tensor dimension count"))?;
        if n_dims > GGML_MAX_DIMS {
            let obs = Observation::new(
                "gguf-invalid-dimensions",
                format!(
                    "tensor `{name}` declares {n_dims} dimensions (GGML_MAX_DIMS is {GGML_MAX_DIMS})"
                ),
            )
            .at(dims_at)
            .with_evidence("tensor", name.as_str())
            .with_evidence("n_dims", n_dims.to_string());
            if n_dims > self.limits.max_dims {
                self.out.fail(obs);
                return Err(Stop);
            }
            self.out.push(obs);
        }
        let mut dims = Vec::with_capacity(usize::try_from(n_dims.min(8)).unwrap_or(8));
        for _ in 0..n_dims {
            let d = self.len_field("tensor dimension")?;
            dims.push(d);
        }
        let type_at = self.r.offset();
        let raw_type = self.r.u32().ok_or_else(|| self.truncated("tensor type"))?;
        let offset = self
            .r
            .u64()
            .ok_or_else(|| self.truncated("tensor offset"))?;

        let mut ty = ggml_type(raw_type);
        if let Some(ty) = ty {
            *self
                .info
                .tensor_types
                .entry(ty.name.to_owned())
                .or_insert(0) += 1;
        } else if let Some(legacy) = legacy_ggml_type(raw_type) {
            *self
                .info
                .tensor_types
                .entry(legacy.name.to_owned())
                .or_insert(0) += 1;
            self.out.push(
                Observation::new(
                    "gguf-malformed",
                    format!(
                        "tensor `{name}` uses the removed repacked type {} ({raw_type}); current llama.cpp refuses it",
                        legacy.name
                    ),
                )
                .at(type_at)
                .with_evidence("tensor", name.as_str())
                .with_evidence("ggml_type", legacy.name),
            );
            ty = Some(legacy);
        } else {
            self.out.push(
                Observation::new(
                    "gguf-invalid-type",
                    format!("tensor `{name}` has unknown or removed ggml type {raw_type}"),
                )
                .at(type_at)
                .with_evidence("tensor", name.as_str())
                .with_evidence("ggml_type", raw_type.to_string()),
            );
        }

        let size = self.tensor_size(&name, &dims, ty, dims_at);
        match (size.as_ref(), params.as_mut()) {
            (Some((elements, _)), Some(p)) => *params = p.checked_add(*elements),
            _ => *params = None,
        }
        Ok(Tensor {
            name,
            offset,
            size: size.map(|(_, bytes)| bytes),
        })
    }

    /// Element count and byte size of a tensor, with every overflow reported.
    fn tensor_size(
        &mut self,
        name: &str,
        dims: &[u64],
        ty: Option<GgmlType>,
        at: u64,
    ) -> Option<(u64, u64)> {
        let dims_text = format!("{dims:?}");
        let overflow = |out: &mut FormatAnalysis, msg: String| {
            out.push(
                Observation::new("gguf-size-overflow", msg)
                    .at(at)
                    .with_evidence("tensor", name)
                    .with_evidence("dims", dims_text.as_str()),
            );
        };
        if let Some(d) = dims.iter().find(|&&d| d > i64::MAX as u64) {
            overflow(
                &mut self.out,
                format!("tensor `{name}` has dimension {d}, above INT64_MAX"),
            );
            return None;
        }
        let Some(elements) = dims.iter().try_fold(1u64, |acc, &d| acc.checked_mul(d)) else {
            overflow(
                &mut self.out,
                format!("tensor `{name}`: the product of dimensions {dims_text} overflows 64 bits"),
            );
            return None;
        };
        if elements > i64::MAX as u64 {
            overflow(
                &mut self.out,
                format!("tensor `{name}` has {elements} elements, above INT64_MAX"),
            );
            return None;
        }
        let ty = ty?;
        let ne0 = dims.first().copied().unwrap_or(1);
        if ne0 % ty.block_size != 0 {
            self.out.push(
                Observation::new(
                    "gguf-invalid-dimensions",
                    format!(
                        "tensor `{name}`: first dimension {ne0} is not a multiple of the {} block size {}",
                        ty.name, ty.block_size
                    ),
                )
                .at(at)
                .with_evidence("tensor", name)
                .with_evidence("dims", dims_text.as_str()),
            );
            return None;
        }
        let Some(bytes) = (elements / ty.block_size).checked_mul(ty.type_size) else {
            overflow(
                &mut self.out,
                format!(
                    "tensor `{name}`: byte size of {elements} {} elements overflows 64 bits",
                    ty.name
                ),
            );
            return None;
        };
        Some((elements, bytes))
    }

    /// Data-section start, per-tensor extents, alignment and overlaps.
    fn layout(&mut self, tensors: &[Tensor]) {
        let file_len = u64::try_from(self.r.data.len()).unwrap_or(u64::MAX);
        let align = self.info.alignment.max(1);
        let header_end = self.r.offset();
        let Some(data_offset) = header_end.checked_add(align - 1).map(|v| v / align * align) else {
            return;
        };
        self.info.data_offset = data_offset;
        let mut extents: Vec<(u64, u64, usize)> = Vec::with_capacity(tensors.len());
        for (i, t) in tensors.iter().enumerate() {
            if t.offset % align != 0 {
                self.out.push(
                    Observation::new(
                        "gguf-misaligned-tensor",
                        format!(
                            "tensor `{}` offset {} is not a multiple of the alignment {align}",
                            t.name, t.offset
                        ),
                    )
                    .at(data_offset.saturating_add(t.offset))
                    .with_evidence("tensor", t.name.as_str())
                    .with_evidence("offset", t.offset.to_string()),
                );
            }
            let Some(size) = t.size else { continue };
            let Some(start) = data_offset.checked_add(t.offset) else {
                self.push_overflow(t, "data start + tensor offset");
                continue;
            };
            let Some(end) = start.checked_add(size) else {
                self.push_overflow(t, "tensor start + byte size");
                continue;
            };
            if end > file_len {
                self.out.push(
                    Observation::new(
                        "gguf-tensor-out-of-bounds",
                        format!(
                            "tensor `{}` spans bytes {start}..{end} but the file has {file_len} bytes",
                            t.name
                        ),
                    )
                    .at(start.min(file_len))
                    .with_evidence("tensor", t.name.as_str())
                    .with_evidence("offset", t.offset.to_string())
                    .with_evidence("size", size.to_string())
                    .with_evidence("file_len", file_len.to_string()),
                );
            }
            if size > 0 {
                extents.push((t.offset, t.offset.saturating_add(size), i));
            }
        }
        extents.sort_unstable();
        let mut reported = 0usize;
        let mut prev: Option<(u64, usize)> = None;
        for &(start, end, i) in &extents {
            if let Some((prev_end, j)) = prev {
                if start < prev_end && reported < 16 {
                    reported += 1;
                    let (a, b) = (
                        tensors.get(j).map_or("", |t| t.name.as_str()),
                        tensors.get(i).map_or("", |t| t.name.as_str()),
                    );
                    self.out.push(
                        Observation::new(
                            "gguf-overlapping-tensors",
                            format!("tensors `{a}` and `{b}` overlap"),
                        )
                        .at(data_offset.saturating_add(start))
                        .with_evidence("tensor", b)
                        .with_evidence("overlaps", a),
                    );
                }
                if end > prev_end {
                    prev = Some((end, i));
                }
            } else {
                prev = Some((end, i));
            }
        }
    }

    fn push_overflow(&mut self, t: &Tensor, what: &str) {
        self.out.push(
            Observation::new(
                "gguf-size-overflow",
                format!("tensor `{}`: {what} overflows 64 bits", t.name),
            )
            .with_evidence("tensor", t.name.as_str())
            .with_evidence("offset", t.offset.to_string()),
        );
    }
}

/// Metadata keys whose string values are chat templates.
pub fn is_template_key(key: &str) -> bool {
    key == "tokenizer.chat_template"
        || key.starts_with("tokenizer.chat_template.")
        || key.to_ascii_lowercase().contains("template")
}
