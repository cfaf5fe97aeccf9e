//! Known-safe formats recognised with light validation, so that a repository scan reports
//! full coverage: `XGBoost` JSON/UBJSON, `LightGBM` text models, Flax msgpack, plain JSON/YAML,
//! text and Markdown, tokenizer files and sentencepiece models.
//!
//! Call [`identify`] only after container and pickle sniffing found nothing: it trusts the
//! name to pick a validator, and a file that validates cannot hide a pickle stream.

use mlsecops_core::{FormatAnalysis, Observation};
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::yaml::{self, YamlError, YamlLimits};

/// Limits of the validators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest file validated (bytes); larger files are reported incomplete.
    pub max_bytes: usize,
    /// Deepest container nesting (UBJSON, msgpack, protobuf).
    pub max_depth: usize,
    /// Most elements of a zero-width typed UBJSON array.
    pub max_zero_width_count: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 1024 * 1024 * 1024,
            max_depth: 128,
            max_zero_width_count: 1_000_000,
        }
    }
}

/// Recognises a known-safe file by name and light validation. `None`: not recognised (route it
/// elsewhere). `Some` with `incomplete` and a `config-malformed` finding: recognised by name
/// but failed validation.
pub fn identify(name: &str, data: &[u8]) -> Option<FormatAnalysis> {
    identify_with(name, data, &Limits::default())
}

/// [`identify`] with explicit limits.
pub fn identify_with(name: &str, data: &[u8], limits: &Limits) -> Option<FormatAnalysis> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let lower = base.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map_or("", |(_, e)| e);
    let kind = if lower == "tokenizer.json" {
        Kind::TokenizerJson
    } else if matches!(
        lower.as_str(),
        "vocab.txt" | "merges.txt" | "vocab.json" | "added_tokens.json"
    ) {
        if ext == "json" {
            Kind::Json
        } else {
            Kind::Vocab
        }
    } else {
        match ext {
            "json" => Kind::Json,
            "ubj" => Kind::Ubj,
            "msgpack" => Kind::Msgpack,
            "yaml" | "yml" => Kind::Yaml,
            "md" | "markdown" => Kind::Markdown,
            "txt" => Kind::Txt,
            "model" => Kind::SentencePiece,
            _ if matches!(
                lower.as_str(),
                "license" | "notice" | ".gitattributes" | ".gitignore"
            ) =>
            {
                Kind::Text
            }
            _ => return None,
        }
    };
    if data.len() > limits.max_bytes {
        let mut a = FormatAnalysis::new(kind.label());
        a.fail(Observation::new(
            "config-limit-exceeded",
            format!(
                "{base} of {} bytes exceeds the {}-byte validation limit",
                data.len(),
                limits.max_bytes
            ),
        ));
        return Some(a);
    }
    let mut extra = Vec::new();
    let result = match kind {
        Kind::TokenizerJson => validate_json(data).map(|()| "tokenizer-json"),
        Kind::Json => {
            if let Ok(x) = serde_json::from_slice::<XgbProbe>(data)
                && x.learner.is_some()
                && x.version.is_some()
            {
                return Some(FormatAnalysis::new("xgboost-json"));
            }
            let ok = validate_json(data).map(|()| "json");
            if ok.is_ok() && data.len() <= crate::hf::Limits::default().max_bytes {
                // Any JSON config can carry auto_map / trust_remote_code.
                extra = crate::hf::analyze_config(base, data, None).observations;
            }
            ok
        }
        Kind::Ubj => validate_ubjson(data, limits).map(|()| "xgboost-ubj"),
        Kind::Msgpack => validate_msgpack(data, limits).map(|()| "flax-msgpack"),
        Kind::Yaml => match yaml::parse(data, &YamlLimits::default()) {
            Ok(doc) => {
                extra = crate::nemo::scan_generic_yaml(&doc);
                Ok("yaml")
            }
            Err(YamlError::Limit(m)) => {
                let mut a = FormatAnalysis::new("yaml");
                a.fail(Observation::new(
                    "config-limit-exceeded",
                    format!("{base}: {m}"),
                ));
                return Some(a);
            }
            Err(e) => Err(e.to_string()),
        },
        Kind::Markdown => text_only(data)?.map(|()| "markdown"),
        Kind::Text => text_only(data)?.map(|()| "text"),
        Kind::Vocab => text_only(data)?.map(|()| "tokenizer-vocab"),
        Kind::Txt => {
            if data.starts_with(b"tree\nversion=v") {
                validate_lightgbm(data).map(|()| "lightgbm-text")
            } else {
                text_only(data)?.map(|()| "text")
            }
        }
        Kind::SentencePiece => {
            // A sentencepiece ModelProto starts with field 1 (pieces, length-delimited).
            if data.first() != Some(&0x0a) {
                return None;
            }
            validate_protobuf(data, limits).map(|()| "sentencepiece")
        }
    };
    Some(match result {
        Ok(label) => {
            let mut a = FormatAnalysis::new(label);
            a.observations = extra;
            a
        }
        Err(reason) => {
            let mut a = FormatAnalysis::new(kind.label());
            a.fail(
                Observation::new("config-malformed", format!("{base}: {reason}"))
                    .with_evidence("format", kind.label()),
            );
            a
        }
    })
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    TokenizerJson,
    Json,
    Ubj,
    Msgpack,
    Yaml,
    Markdown,
    Text,
    Vocab,
    Txt,
    SentencePiece,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::TokenizerJson => "tokenizer-json",
            Kind::Json => "json",
            Kind::Ubj => "xgboost-ubj",
            Kind::Msgpack => "flax-msgpack",
            Kind::Yaml => "yaml",
            Kind::Markdown => "markdown",
            Kind::Text | Kind::Txt => "text",
            Kind::Vocab => "tokenizer-vocab",
            Kind::SentencePiece => "sentencepiece",
        }
    }
}

#[derive(Deserialize)]
struct XgbProbe {
    learner: Option<IgnoredAny>,
    version: Option<IgnoredAny>,
}

fn validate_json(data: &[u8]) -> Result<(), String> {
    // IgnoredAny validates the syntax without building a tree (serde_json's recursion
    // limit of 128 applies).
    serde_json::from_slice::<IgnoredAny>(data)
        .map(|_| ())
        .map_err(|e| {
            format!(
                "invalid JSON at line {} column {}: {e}",
                e.line(),
                e.column()
            )
        })
}

/// `None`: not text (let the engine route it); `Some(Ok)`: UTF-8 text without NUL bytes.
fn text_only(data: &[u8]) -> Option<Result<(), String>> {
    if data.contains(&0) {
        return None;
    }
    std::str::from_utf8(data).ok().map(|_| Ok(()))
}

fn validate_lightgbm(data: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(data)
        .map_err(|e| format!("LightGBM model not UTF-8 at byte {}", e.valid_up_to()))?;
    if !text.contains("\nTree=") && !text.contains("\nend of trees") {
        return Err("LightGBM text model has no trees section".to_owned());
    }
    Ok(())
}

struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn byte(&mut self) -> Result<u8, String> {
        let b = *self
            .data
            .get(self.pos)
            .ok_or_else(|| format!("truncated at byte {}", self.pos))?;
        self.pos += 1;
        Ok(b)
    }

    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], String> {
        let n =
            usize::try_from(n).map_err(|_| format!("length {n} too large at byte {}", self.pos))?;
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| format!("length {n} at byte {} runs past the end", self.pos))?;
        let s = self.data.get(self.pos..end).ok_or("out of range")?;
        self.pos = end;
        Ok(s)
    }

    fn be(&mut self, n: u64) -> Result<u64, String> {
        let bytes = self.take(n)?;
        Ok(bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }
}

// ---------------------------------------------------------------------------
// UBJSON (XGBoost .ubj)
// ---------------------------------------------------------------------------

enum UbjFrame {
    Array {
        typed: Option<u8>,
        remaining: Option<u64>,
    },
    Object {
        typed: Option<u8>,
        remaining: Option<u64>,
    },
}

fn ubj_fixed_size(marker: u8) -> Option<u64> {
    match marker {
        b'Z' | b'N' | b'T' | b'F' => Some(0),
        b'i' | b'U' | b'C' => Some(1),
        b'I' => Some(2),
        b'l' | b'd' => Some(4),
        b'L' | b'D' => Some(8),
        _ => None,
    }
}

fn fixed<const N: usize>(c: &mut Cursor<'_>) -> Result<[u8; N], String> {
    let bytes = c.take(N as u64)?;
    <[u8; N]>::try_from(bytes).map_err(|_| "short read".to_owned())
}

fn ubj_length(c: &mut Cursor<'_>) -> Result<u64, String> {
    let at = c.pos;
    let marker = c.byte()?;
    let v: i64 = match marker {
        b'i' => i64::from(i8::from_be_bytes([c.byte()?])),
        b'U' => i64::from(c.byte()?),
        b'I' => i64::from(i16::from_be_bytes(fixed(c)?)),
        b'l' => i64::from(i32::from_be_bytes(fixed(c)?)),
        b'L' => i64::from_be_bytes(fixed(c)?),
        _ => return Err(format!("invalid length marker 0x{marker:02x} at byte {at}")),
    };
    u64::try_from(v).map_err(|_| format!("negative length at byte {at}"))
}

/// Skips one scalar value of type `marker`, or opens a container. Returns a frame to push.
fn ubj_value(c: &mut Cursor<'_>, marker: u8, limits: &Limits) -> Result<Option<UbjFrame>, String> {
    if let Some(size) = ubj_fixed_size(marker) {
        c.take(size)?;
        return Ok(None);
    }
    match marker {
        b'S' | b'H' => {
            let n = ubj_length(c)?;
            c.take(n)?;
            Ok(None)
        }
        b'[' | b'{' => {
            let (mut typed, mut remaining) = (None, None);
            if c.peek() == Some(b'$') {
                c.byte()?;
                let t = c.byte()?;
                if t == b'[' || t == b'{' || (ubj_fixed_size(t).is_none() && t != b'S' && t != b'H')
                {
                    return Err(format!(
                        "unsupported typed container element 0x{t:02x} at byte {}",
                        c.pos
                    ));
                }
                typed = Some(t);
                if c.peek() != Some(b'#') {
                    return Err(format!("typed container without count at byte {}", c.pos));
                }
            }
            if c.peek() == Some(b'#') {
                c.byte()?;
                let n = ubj_length(c)?;
                remaining = Some(n);
                if let Some(t) = typed
                    && let Some(size) = ubj_fixed_size(t)
                    && marker == b'['
                {
                    if size == 0 && n > limits.max_zero_width_count {
                        return Err(format!("typed array of {n} zero-width elements"));
                    }
                    let bytes = n.checked_mul(size).ok_or("typed array size overflows")?;
                    c.take(bytes)?;
                    return Ok(None);
                }
            }
            Ok(Some(if marker == b'[' {
                UbjFrame::Array { typed, remaining }
            } else {
                UbjFrame::Object { typed, remaining }
            }))
        }
        _ => Err(format!(
            "invalid UBJSON marker 0x{marker:02x} at byte {}",
            c.pos.saturating_sub(1)
        )),
    }
}

fn validate_ubjson(data: &[u8], limits: &Limits) -> Result<(), String> {
    let mut c = Cursor { data, pos: 0 };
    let mut stack: Vec<UbjFrame> = Vec::new();
    let first = c.byte()?;
    if first != b'{' && first != b'[' {
        return Err("UBJSON document is not a container".to_owned());
    }
    if let Some(f) = ubj_value(&mut c, first, limits)? {
        stack.push(f);
    }
    while let Some(frame) = stack.last_mut() {
        let (typed, remaining, is_object) = match frame {
            UbjFrame::Array { typed, remaining } => (*typed, remaining, false),
            UbjFrame::Object { typed, remaining } => (*typed, remaining, true),
        };
        // End of container?
        match remaining {
            Some(0) => {
                stack.pop();
                continue;
            }
            Some(n) => *n -= 1,
            None => {
                let end = if is_object { b'}' } else { b']' };
                if c.peek() == Some(end) {
                    c.byte()?;
                    stack.pop();
                    continue;
                }
            }
        }
        if is_object {
            let n = ubj_length(&mut c)?;
            c.take(n)?;
        }
        let marker = match typed {
            Some(t) => t,
            None => loop {
                let m = c.byte()?;
                if m != b'N' {
                    break m;
                }
            },
        };
        if let Some(f) = ubj_value(&mut c, marker, limits)? {
            if stack.len() >= limits.max_depth {
                return Err(format!("UBJSON nesting deeper than {}", limits.max_depth));
            }
            stack.push(f);
        }
    }
    if c.pos != data.len() {
        return Err(format!(
            "{} trailing bytes after the UBJSON document",
            data.len() - c.pos
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// msgpack (Flax serialization.to_bytes)
// ---------------------------------------------------------------------------

fn validate_msgpack(data: &[u8], limits: &Limits) -> Result<(), String> {
    let mut c = Cursor { data, pos: 0 };
    // Each frame: items still to read in that container.
    let mut stack: Vec<u64> = vec![1];
    while let Some(top) = stack.last_mut() {
        if *top == 0 {
            stack.pop();
            continue;
        }
        *top -= 1;
        let at = c.pos;
        let b = c.byte()?;
        let items: u64 = match b {
            0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => 0,
            0x80..=0x8f => u64::from(b & 0x0f) * 2,
            0x90..=0x9f => u64::from(b & 0x0f),
            0xa0..=0xbf => {
                c.take(u64::from(b & 0x1f))?;
                0
            }
            0xc4 | 0xd9 => {
                let n = c.be(1)?;
                c.take(n)?;
                0
            }
            0xc5 | 0xda => {
                let n = c.be(2)?;
                c.take(n)?;
                0
            }
            0xc6 | 0xdb => {
                let n = c.be(4)?;
                c.take(n)?;
                0
            }
            0xc7 => {
                let n = c.be(1)?;
                c.take(1)?;
                c.take(n)?;
                0
            }
            0xc8 => {
                let n = c.be(2)?;
                c.take(1)?;
                c.take(n)?;
                0
            }
            0xc9 => {
                let n = c.be(4)?;
                c.take(1)?;
                c.take(n)?;
                0
            }
            0xca => {
                c.take(4)?;
                0
            }
            0xcb => {
                c.take(8)?;
                0
            }
            0xcc..=0xcf => {
                c.take(1 << (b - 0xcc))?;
                0
            }
            0xd0..=0xd3 => {
                c.take(1 << (b - 0xd0))?;
                0
            }
            0xd4..=0xd8 => {
                c.take(1 + (1 << (b - 0xd4)))?;
                0
            }
            0xdc => c.be(2)?,
            0xdd => c.be(4)?,
            0xde => c.be(2)? * 2,
            0xdf => c.be(4)?.checked_mul(2).ok_or("map size overflows")?,
            0xc1 => return Err(format!("reserved msgpack byte 0xc1 at byte {at}")),
        };
        if items > 0 {
            // Every item needs at least one byte.
            let left = (data.len() - c.pos) as u64;
            if items > left {
                return Err(format!(
                    "container at byte {at} claims {items} items but {left} bytes remain"
                ));
            }
            if stack.len() >= limits.max_depth {
                return Err(format!(
                    "msgpack nesting deeper than {} at byte {at}",
                    limits.max_depth
                ));
            }
            stack.push(items);
        }
    }
    if c.pos != data.len() {
        return Err(format!(
            "{} trailing bytes after the msgpack object",
            data.len() - c.pos
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Protobuf wire format (sentencepiece ModelProto), top level only
// ---------------------------------------------------------------------------

fn varint(c: &mut Cursor<'_>) -> Result<u64, String> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = c.byte()?;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(format!("varint longer than 10 bytes at byte {}", c.pos))
}

fn validate_protobuf(data: &[u8], _limits: &Limits) -> Result<(), String> {
    let mut c = Cursor { data, pos: 0 };
    while c.pos < data.len() {
        let at = c.pos;
        let key = varint(&mut c)?;
        if key >> 3 == 0 {
            return Err(format!("protobuf field number 0 at byte {at}"));
        }
        match key & 7 {
            0 => {
                varint(&mut c)?;
            }
            1 => {
                c.take(8)?;
            }
            2 => {
                let n = varint(&mut c)?;
                c.take(n)?;
            }
            5 => {
                c.take(4)?;
            }
            w => return Err(format!("protobuf wire type {w} at byte {at}")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(name: &str, data: &[u8]) -> Option<(String, bool)> {
        identify(name, data).map(|a| (a.format, a.incomplete.is_none()))
    }

    #[test]
    fn recognises() {
        assert_eq!(
            label("model.json", br#"{"learner":{},"version":[2,1,0]}"#),
            Some(("xgboost-json".into(), true))
        );
        assert_eq!(label("x.json", b"{\"a\":1}"), Some(("json".into(), true)));
        assert_eq!(label("x.json", b"{\"a\":"), Some(("json".into(), false)));
        assert_eq!(label("README.md", b"# hi"), Some(("markdown".into(), true)));
        assert_eq!(label("x.bin", b"abc"), None);
        assert_eq!(
            label("m.txt", b"tree\nversion=v4\n\nTree=0\nend of trees\n"),
            Some(("lightgbm-text".into(), true))
        );
        assert_eq!(label("a.yaml", b"a: [1"), Some(("yaml".into(), false)));
        assert_eq!(label("notes.txt", b"\x80\x02"), None);
        let a = identify(
            "train.yaml",
            b"model:\n  _target_: builtins.exec\ntrust_remote_code: true\n",
        )
        .expect("yaml");
        let mut rules: Vec<_> = a.observations.iter().map(|o| o.rule).collect();
        rules.sort_unstable();
        assert_eq!(
            rules,
            ["hf-trust-remote-code", "nemo-target-code-execution"]
        );
        let a = identify("custom.json", br#"{"auto_map": {"AutoModel": "m.C"}}"#).expect("json");
        assert_eq!(a.observations.len(), 1);
    }

    #[test]
    fn ubjson() {
        let ok = b"{i\x01aSi\x02hii\x01b[$d#i\x02\x00\x00\x00\x00\x00\x00\x00\x00}";
        assert_eq!(label("m.ubj", ok), Some(("xgboost-ubj".into(), true)));
        assert_eq!(
            label("m.ubj", b"{i\x01a[$Z#L\x7f\xff\xff\xff\xff\xff\xff\xff}"),
            Some(("xgboost-ubj".into(), false))
        );
        for i in 0..ok.len() {
            assert!(!label("m.ubj", &ok[..i]).expect("some").1);
        }
    }

    #[test]
    fn msgpack() {
        let ok = b"\x81\xa1a\x92\x01\xc3";
        assert_eq!(label("f.msgpack", ok), Some(("flax-msgpack".into(), true)));
        for i in 0..ok.len() {
            assert!(!label("f.msgpack", &ok[..i]).expect("some").1);
        }
        assert!(!label("f.msgpack", b"\xdd\xff\xff\xff\xff").expect("some").1);
    }
}
