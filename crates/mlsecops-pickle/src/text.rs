//! Parsing of the newline-terminated text arguments (protocol 0 opcodes), following what `CPython`'s
//! C unpickler (`Modules/_pickle.c`) accepts. All functions are total: they return `None` where
//! `CPython` would raise.

use std::borrow::Cow;

/// An integer parsed from text: small values exactly, larger ones kept as their digits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TextInt<'a> {
    /// Fits in an `i64`.
    Small(i64),
    /// Does not fit; the original (validated) text, without a trailing `L`.
    Big(&'a [u8]),
}

fn trim_ascii_ws(s: &[u8]) -> &[u8] {
    s.trim_ascii()
}

/// Parses an integer the way Python's `int(text, 0)` does (what `INT` and `LONG` use):
/// surrounding whitespace, a sign, `0x`/`0o`/`0b` prefixes, single underscores between digits,
/// no leading zeros on non-zero decimal numbers.
pub(crate) fn parse_int_base0(text: &[u8]) -> Option<TextInt<'_>> {
    let s = trim_ascii_ws(text);
    let (negative, body) = split_sign(s);
    let (radix, digits, prefixed) = match body {
        [b'0', b'x' | b'X', rest @ ..] => (16, rest, true),
        [b'0', b'o' | b'O', rest @ ..] => (8, rest, true),
        [b'0', b'b' | b'B', rest @ ..] => (2, rest, true),
        _ => (10, body, false),
    };
    // After a prefix a single leading underscore is allowed (`0x_ff`).
    let digits = if prefixed {
        digits.strip_prefix(b"_").unwrap_or(digits)
    } else {
        digits
    };
    let mut value: Option<i64> = Some(0);
    let mut all_zero = true;
    for d in underscored_digits(digits, radix)? {
        if d != 0 {
            all_zero = false;
        }
        value = value
            .and_then(|v| v.checked_mul(i64::from(radix)))
            .and_then(|v| v.checked_add(i64::from(d)));
    }
    if radix == 10 && !prefixed && digits.first() == Some(&b'0') && !all_zero {
        return None; // "010" is not a valid base-0 literal
    }
    match value {
        Some(v) if negative => Some(TextInt::Small(v.checked_neg()?)),
        Some(v) => Some(TextInt::Small(v)),
        None => Some(TextInt::Big(s)),
    }
}

/// Parses an `INT` line like `CPython`'s C unpickler: first C `strtol(s, &end, 0)` (leading
/// whitespace, sign, `0x` hex, leading-`0` octal, decimal), which must consume the whole line;
/// otherwise Python's `int(s, 0)` rules (which also yield big integers). The flag says whether
/// the `strtol` path accepted it (only then can a two-character literal be a bool).
pub(crate) fn parse_int_line(text: &[u8]) -> Option<(TextInt<'_>, bool)> {
    if let Some(v) = strtol_base0(text) {
        return Some((TextInt::Small(v), true));
    }
    parse_int_base0(text).map(|v| (v, false))
}

fn strtol_base0(text: &[u8]) -> Option<i64> {
    let mut s = text;
    while let [c, rest @ ..] = s {
        if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
            s = rest;
        } else {
            break;
        }
    }
    let (negative, body) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, s),
    };
    let (radix, digits) = match body {
        [b'0', b'x' | b'X', rest @ ..] if rest.first().is_some_and(u8::is_ascii_hexdigit) => {
            (16u32, rest)
        }
        [b'0', ..] => (8, body),
        _ => (10, body),
    };
    if digits.is_empty() {
        return None;
    }
    let mut value: i64 = 0;
    for &c in digits {
        let d = char::from(c).to_digit(radix)?;
        value = value.checked_mul(i64::from(radix))?;
        value = if negative {
            value.checked_sub(i64::from(d))?
        } else {
            value.checked_add(i64::from(d))?
        };
    }
    Some(value)
}

/// Splits an optional leading `-`/`+` off; returns whether the number is negative.
fn split_sign(s: &[u8]) -> (bool, &[u8]) {
    match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, s),
    }
}

/// Digit values of `digits` in `radix`, with Python's underscore rules: single underscores
/// only between digits. `None` when the text is empty or breaks those rules.
fn underscored_digits(digits: &[u8], radix: u32) -> Option<impl Iterator<Item = u32> + '_> {
    if digits.is_empty()
        || digits.first() == Some(&b'_')
        || digits.last() == Some(&b'_')
        || digits.windows(2).any(|w| w == b"__")
        || digits
            .iter()
            .any(|&c| c != b'_' && char::from(c).to_digit(radix).is_none())
    {
        return None;
    }
    Some(
        digits
            .iter()
            .filter_map(move |&c| char::from(c).to_digit(radix)),
    )
}

/// Parses a decimal memo index the way `PyLong_FromString(s, NULL, 10)` does; negative or
/// overflowing values are rejected (`CPython` raises for both).
pub(crate) fn parse_memo_index(text: &[u8]) -> Option<u64> {
    let s = trim_ascii_ws(text);
    let (negative, body) = split_sign(s);
    let mut value: u64 = 0;
    for d in underscored_digits(body, 10)? {
        value = value.checked_mul(10)?.checked_add(u64::from(d))?;
    }
    if negative && value != 0 {
        return None;
    }
    // Py_ssize_t range.
    if value > i64::MAX.unsigned_abs() {
        return None;
    }
    Some(value)
}

/// Parses a `FLOAT` line (`PyOS_string_to_double`: no surrounding whitespace allowed).
pub(crate) fn parse_float(text: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(text).ok()?;
    if s.is_empty() || s.contains('_') || s.starts_with(char::is_whitespace) {
        return None;
    }
    s.parse::<f64>().ok()
}

/// Decodes a `STRING` argument: strip matching outer quotes, then apply Python bytes-escape
/// decoding (`\n`, `\x41`, octal, …; unknown escapes are kept verbatim).
pub(crate) fn parse_quoted_string(text: &[u8]) -> Option<Cow<'_, [u8]>> {
    let first = *text.first()?;
    let last = *text.last()?;
    if text.len() < 2 || first != last || (first != b'\'' && first != b'"') {
        return None;
    }
    let inner = text.get(1..text.len().checked_sub(1)?)?;
    if !inner.contains(&b'\\') {
        return Some(Cow::Borrowed(inner));
    }
    let mut out = Vec::with_capacity(inner.len());
    let mut iter = inner.iter().copied().peekable();
    while let Some(c) = iter.next() {
        if c != b'\\' {
            out.push(c);
            continue;
        }
        let Some(e) = iter.next() else {
            return None; // trailing backslash: "\ at end of string"
        };
        match e {
            b'\n' => {}
            b'\\' => out.push(b'\\'),
            b'\'' => out.push(b'\''),
            b'"' => out.push(b'"'),
            b'a' => out.push(0x07),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(0x0b),
            b'0'..=b'7' => {
                let mut v = u32::from(e.wrapping_sub(b'0'));
                for _ in 0..2 {
                    match iter.peek() {
                        Some(&d @ b'0'..=b'7') => {
                            v = v
                                .wrapping_mul(8)
                                .wrapping_add(u32::from(d.wrapping_sub(b'0')));
                            iter.next();
                        }
                        _ => break,
                    }
                }
                out.push(u8::try_from(v & 0xff).unwrap_or(0));
            }
            b'x' => {
                let hi = char::from(iter.next()?).to_digit(16)?;
                let lo = char::from(iter.next()?).to_digit(16)?;
                out.push(u8::try_from(hi.wrapping_mul(16).wrapping_add(lo)).unwrap_or(0));
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    Some(Cow::Owned(out))
}

/// Decodes a `UNICODE` argument (`raw-unicode-escape`): bytes map to U+0000–U+00FF, and
/// `\uXXXX` / `\UXXXXXXXX` are escapes only after an odd number of backslashes.
pub(crate) fn parse_raw_unicode_escape(text: &[u8]) -> Option<Cow<'_, str>> {
    if text.is_ascii() && !text.contains(&b'\\') {
        return std::str::from_utf8(text).ok().map(Cow::Borrowed);
    }
    let mut out = String::with_capacity(text.len());
    let mut i = 0usize;
    while let Some(&c) = text.get(i) {
        i = i.checked_add(1)?;
        if c != b'\\' {
            out.push(char::from(c));
            continue;
        }
        // Count this run of backslashes.
        let mut run = 1usize;
        while text.get(i) == Some(&b'\\') {
            run = run.checked_add(1)?;
            i = i.checked_add(1)?;
        }
        let escape_len = match text.get(i) {
            Some(b'u') if run % 2 == 1 => Some(4usize),
            Some(b'U') if run % 2 == 1 => Some(8usize),
            _ => None,
        };
        let literal = if escape_len.is_some() {
            run.checked_sub(1)?
        } else {
            run
        };
        for _ in 0..literal {
            out.push('\\');
        }
        if let Some(n) = escape_len {
            let start = i.checked_add(1)?;
            let end = start.checked_add(n)?;
            let hex = text.get(start..end)?;
            let mut v: u32 = 0;
            for &h in hex {
                v = v
                    .checked_mul(16)?
                    .checked_add(char::from(h).to_digit(16)?)?;
            }
            // Lone surrogates are valid in Python strings; render them as U+FFFD.
            out.push(char::from_u32(v).unwrap_or(if v <= 0x10_FFFF {
                '\u{FFFD}'
            } else {
                return None;
            }));
            i = end;
        }
    }
    Some(Cow::Owned(out))
}

/// Validates UTF-8 the way `CPython`'s `surrogatepass` decoder does (encoded surrogates accepted)
/// and returns a displayable string (surrogates become U+FFFD). `None` when `CPython` would raise.
pub(crate) fn decode_utf8_surrogatepass(bytes: &[u8]) -> Option<Cow<'_, str>> {
    if let Ok(s) = std::str::from_utf8(bytes) {
        Some(Cow::Borrowed(s))
    } else {
        // Re-validate allowing ED A0..BF xx (UTF-8 encoded surrogates).
        let mut out = String::with_capacity(bytes.len());
        let mut rest = bytes;
        loop {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    out.push_str(s);
                    return Some(Cow::Owned(out));
                }
                Err(e) => {
                    let (good, bad) = rest.split_at(e.valid_up_to());
                    out.push_str(std::str::from_utf8(good).ok()?);
                    match bad {
                        [0xED, b1 @ 0xA0..=0xBF, b2, tail @ ..] if (0x80..=0xBF).contains(b2) => {
                            let _ = b1;
                            out.push('\u{FFFD}');
                            rest = tail;
                        }
                        _ => return None,
                    }
                }
            }
        }
    }
}

/// Little-endian two's-complement integer (LONG1/LONG4 payload).
pub(crate) fn le_signed(bytes: &[u8]) -> Option<i64> {
    if bytes.is_empty() {
        return Some(0);
    }
    if bytes.len() > 8 {
        // Might still fit if it is sign-extension padding.
        let (low, high) = bytes.split_at(8);
        let neg = low.last().is_some_and(|b| b & 0x80 != 0);
        let pad = if neg { 0xFF } else { 0x00 };
        if high.iter().all(|&b| b == pad) {
            return le_signed(low);
        }
        return None;
    }
    let neg = bytes.last().is_some_and(|b| b & 0x80 != 0);
    let mut buf = if neg { [0xFFu8; 8] } else { [0u8; 8] };
    for (dst, src) in buf.iter_mut().zip(bytes) {
        *dst = *src;
    }
    Some(i64::from_le_bytes(buf))
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
mod tests {
    use super::*;

    #[test]
    fn ints_follow_python_base0_rules() {
        assert_eq!(parse_int_base0(b"123"), Some(TextInt::Small(123)));
        assert_eq!(parse_int_base0(b" -5 "), Some(TextInt::Small(-5)));
        assert_eq!(parse_int_base0(b"0x1F"), Some(TextInt::Small(31)));
        assert_eq!(parse_int_base0(b"1_000"), Some(TextInt::Small(1000)));
        assert_eq!(parse_int_base0(b"000"), Some(TextInt::Small(0)));
        assert_eq!(parse_int_base0(b"010"), None);
        assert_eq!(parse_int_base0(b"1__0"), None);
        assert_eq!(parse_int_base0(b"abc"), None);
        assert_eq!(parse_int_base0(b""), None);
        assert!(matches!(
            parse_int_base0(b"123456789012345678901234567890"),
            Some(TextInt::Big(_))
        ));
    }

    #[test]
    fn memo_indices() {
        assert_eq!(parse_memo_index(b"7"), Some(7));
        assert_eq!(parse_memo_index(b"007"), Some(7));
        assert_eq!(parse_memo_index(b"-1"), None);
        assert_eq!(parse_memo_index(b"x"), None);
    }

    #[test]
    fn quoted_strings() {
        assert_eq!(parse_quoted_string(b"'os'").as_deref(), Some(&b"os"[..]));
        assert_eq!(
            parse_quoted_string(b"\"a\\x41\\n\\101\\q\"").as_deref(),
            Some(&b"aA\nA\\q"[..])
        );
        assert_eq!(parse_quoted_string(b"os"), None);
        assert_eq!(parse_quoted_string(b"'os\""), None);
        assert_eq!(parse_quoted_string(b"'"), None);
        assert_eq!(parse_quoted_string(b"'\\x4'"), None);
    }

    #[test]
    fn raw_unicode_escape() {
        assert_eq!(parse_raw_unicode_escape(b"os").as_deref(), Some("os"));
        assert_eq!(parse_raw_unicode_escape(b"\\u006fs").as_deref(), Some("os"));
        assert_eq!(
            parse_raw_unicode_escape(b"\\\\u006f").as_deref(),
            Some("\\\\u006f")
        );
        assert_eq!(
            parse_raw_unicode_escape(b"\\\\\\u006f").as_deref(),
            Some("\\\\o")
        );
        assert_eq!(parse_raw_unicode_escape(b"\xe9").as_deref(), Some("\u{e9}"));
        assert_eq!(parse_raw_unicode_escape(b"\\u00"), None);
    }

    #[test]
    fn utf8_surrogatepass_and_longs() {
        assert!(decode_utf8_surrogatepass(b"\xed\xa0\x80x").is_some());
        assert!(decode_utf8_surrogatepass(b"\xff").is_none());
        assert_eq!(le_signed(&[0xff]), Some(-1));
        assert_eq!(le_signed(&[0x00, 0x01]), Some(256));
        assert_eq!(le_signed(&[0xff; 12]), Some(-1));
        assert_eq!(le_signed(&[0x01; 12]), None);
    }
}
