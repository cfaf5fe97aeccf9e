//! Text detectors: regex candidates (ASCII mode, no lookarounds) + post-validation +
//! context-word boost.
//!
//! Boundaries are checked by hand on the bytes around each candidate (what lookarounds would
//! do): a candidate glued to letters, digits or other pieces of an identifier is dropped, so
//! digit runs inside hashes, UUIDs, timestamps and version strings do not match.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use regex::bytes::{Regex, RegexBuilder};

use crate::{PiiKind, PiiMatch, ScanOptions, mask, validate};

/// Confidence added when a context word for the kind precedes the match (Presidio's value).
pub(crate) const CONTEXT_BOOST: f32 = 0.35;
/// Confidence a match with context has at least (Presidio's floor).
pub(crate) const CONTEXT_FLOOR: f32 = 0.4;
/// Bytes before a match (on the same line) searched for context words.
const CONTEXT_WINDOW: usize = 64;
/// Most matches returned for one text (bounds memory on huge inputs).
pub const MAX_TEXT_MATCHES: usize = 10_000;

fn build(pattern: &str) -> Regex {
    // Patterns are constants; a failure is a programming error caught by every test.
    RegexBuilder::new(pattern)
        .unicode(false)
        .build()
        .unwrap_or_else(|e| panic!("invalid built-in pattern {pattern}: {e}"))
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    build(
        r"[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?)+",
    )
});
static PHONE_E164: LazyLock<Regex> =
    LazyLock::new(|| build(r"\+[1-9][0-9]{0,3}(?:[ .\-]?\(?[0-9]{1,5}\)?){1,7}"));
static PHONE_NANP: LazyLock<Regex> = LazyLock::new(|| {
    build(r"(?:(?:00|\+)?1[ .\-]?)?(?:\([0-9]{3}\)[ .\-]?|[0-9]{3}[ .\-])[0-9]{3}[ .\-][0-9]{4}")
});
static PHONE_BARE: LazyLock<Regex> = LazyLock::new(|| build(r"[2-9][0-9]{9}"));
static CARD_PLAIN: LazyLock<Regex> = LazyLock::new(|| build(r"[0-9]{13,19}"));
static CARD_GROUPED: LazyLock<Regex> = LazyLock::new(|| {
    build(
        r"[0-9]{4}[ \-](?:[0-9]{4}[ \-][0-9]{4}[ \-][0-9]{4}(?:[ \-][0-9]{3})?|[0-9]{6}[ \-][0-9]{4,5})",
    )
});
static IBAN: LazyLock<Regex> = LazyLock::new(|| build(r"[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,34}"));
static SSN: LazyLock<Regex> =
    LazyLock::new(|| build(r"[0-9]{3}-[0-9]{2}-[0-9]{4}|[0-9]{3} [0-9]{2} [0-9]{4}|[0-9]{9}"));
static IPV4: LazyLock<Regex> =
    LazyLock::new(|| build(r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}"));
static IPV6: LazyLock<Regex> =
    LazyLock::new(|| build(r"[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{0,4}){2,7}"));

/// Context words per kind (lowercase; a word must not be glued to other letters).
fn context_words(kind: PiiKind) -> &'static [&'static str] {
    match kind {
        PiiKind::Email => &["email", "e-mail", "mail", "contact"],
        // Not `call` or `cell`: `*_CALL` constants and notebook cells are everywhere.
        PiiKind::Phone => &[
            "phone",
            "tel",
            "telephone",
            "mobile",
            "cellphone",
            "fax",
            "whatsapp",
            "sms",
        ],
        PiiKind::CreditCard => &[
            "card",
            "credit",
            "debit",
            "visa",
            "mastercard",
            "amex",
            "cc",
            "ccnum",
            "pan",
        ],
        PiiKind::Iban => &["iban", "account", "bank", "sepa"],
        PiiKind::UsSsn => &[
            "ssn",
            "social security",
            "social_security",
            "taxpayer",
            "tin",
        ],
        PiiKind::IpAddress => &[
            "ip", "ipv4", "ipv6", "addr", "client", "remote", "src", "dst",
        ],
        _ => &[],
    }
}

/// True when `hay` (lowercase) contains `word` not glued to other ASCII letters.
pub(crate) fn has_word(hay: &str, word: &str) -> bool {
    let bytes = hay.as_bytes();
    let mut from = 0usize;
    while let Some(pos) = hay.get(from..).and_then(|h| h.find(word)) {
        let start = from + pos;
        let end = start + word.len();
        let before = start.checked_sub(1).and_then(|i| bytes.get(i));
        let after = bytes.get(end);
        let glued = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphabetic);
        if !glued(before) && !glued(after) {
            return true;
        }
        from = start + 1;
    }
    false
}

/// Kinds whose context words occur in `hay` (any case).
pub(crate) fn context_kinds(hay: &str) -> Vec<PiiKind> {
    let lower = hay.to_ascii_lowercase().replace(['-', '.'], "_");
    let lower_raw = hay.to_ascii_lowercase();
    PiiKind::VALUE_KINDS
        .iter()
        .copied()
        .filter(|&k| {
            context_words(k)
                .iter()
                .any(|w| has_word(&lower, w) || has_word(&lower_raw, w))
        })
        .collect()
}

/// One candidate before line/column are known.
struct Hit {
    kind: PiiKind,
    start: usize,
    end: usize,
    masked: String,
    base: f32,
}

/// Scans `text`; `extra_context` lists kinds boosted for every match (a table column header).
pub(crate) fn scan(text: &str, extra_context: &[PiiKind], opts: &ScanOptions) -> Vec<PiiMatch> {
    let bytes = text.as_bytes();
    let mut hits: Vec<Hit> = Vec::new();
    let has = |b: u8| bytes.contains(&b);
    let has_digit = bytes.iter().any(u8::is_ascii_digit);
    if has(b'@') {
        emails(bytes, &mut hits);
    }
    if has_digit {
        if has(b'+') {
            phones_e164(bytes, &mut hits);
        }
        phones_nanp(bytes, &mut hits);
        phones_bare(bytes, &mut hits);
        cards(bytes, &mut hits);
        ssns(bytes, &mut hits);
        ibans(bytes, &mut hits);
        if has(b'.') {
            ipv4s(bytes, &mut hits);
        }
    }
    if has(b':') {
        ipv6s(bytes, &mut hits);
    }
    finish(text, hits, extra_context, opts)
}

fn finish(text: &str, hits: Vec<Hit>, extra: &[PiiKind], opts: &ScanOptions) -> Vec<PiiMatch> {
    let bytes = text.as_bytes();
    let mut scored: Vec<(Hit, f32)> = hits
        .into_iter()
        .map(|h| {
            // Context is looked for on the same line only.
            let window_start = floor_char_boundary(text, h.start.saturating_sub(CONTEXT_WINDOW));
            let window = text.get(window_start..h.start).unwrap_or("");
            let window = window.rsplit('\n').next().unwrap_or(window);
            let boosted = extra.contains(&h.kind) || context_kinds(window).contains(&h.kind);
            let score = if boosted {
                (h.base + CONTEXT_BOOST).max(CONTEXT_FLOOR)
            } else {
                h.base
            };
            (h, score.min(1.0))
        })
        .filter(|(_, s)| *s >= opts.min_confidence)
        .collect();
    // Overlaps: keep the most confident candidate (ties: the longer, then the earlier).
    scored.sort_by(|a, b| a.0.start.cmp(&b.0.start).then(b.0.end.cmp(&a.0.end)));
    let mut kept: Vec<(Hit, f32)> = Vec::new();
    for (hit, score) in scored {
        match kept.last_mut() {
            Some(last) if hit.start < last.0.end => {
                if score > last.1 {
                    *last = (hit, score);
                }
            }
            _ => kept.push((hit, score)),
        }
        if kept.len() >= MAX_TEXT_MATCHES {
            break;
        }
    }
    // Line and column (1-based; the column counts characters).
    let mut out = Vec::with_capacity(kept.len());
    let mut line: u32 = 1;
    let mut line_start = 0usize;
    let mut pos = 0usize;
    for (hit, score) in kept {
        for (i, &b) in bytes.iter().enumerate().take(hit.start).skip(pos) {
            if b == b'\n' {
                line = line.saturating_add(1);
                line_start = i + 1;
            }
        }
        pos = hit.start.max(pos);
        let column = text
            .get(line_start..hit.start)
            .map_or(0, |s| s.chars().count());
        out.push(PiiMatch {
            rule: hit.kind.rule(),
            kind: hit.kind,
            start: hit.start,
            end: hit.end,
            line,
            column: u32::try_from(column).unwrap_or(u32::MAX).saturating_add(1),
            masked: hit.masked,
            confidence: score,
        });
    }
    out
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn byte_before(bytes: &[u8], start: usize) -> Option<u8> {
    start.checked_sub(1).and_then(|i| bytes.get(i)).copied()
}

/// Left boundary for numbers: not glued to letters, digits, `_`, `.`, `-`, `+`, `/`, `:`.
fn number_left_ok(bytes: &[u8], start: usize) -> bool {
    byte_before(bytes, start)
        .is_none_or(|b| !(b.is_ascii_alphanumeric() || b"_.-+/:#$%".contains(&b)))
}

/// Right boundary for numbers: not followed by a letter, a digit, `_`, or `-`/`.`/`:`/`/`
/// plus another digit (dates, versions, times, paths).
fn number_right_ok(bytes: &[u8], end: usize) -> bool {
    match bytes.get(end) {
        Some(&b) if b.is_ascii_alphanumeric() || b == b'_' => false,
        Some(&b) if b"-.:/".contains(&b) => !bytes.get(end + 1).is_some_and(u8::is_ascii_digit),
        _ => true,
    }
}

fn digits_of(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().copied().filter(u8::is_ascii_digit).collect()
}

fn as_str(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or("")
}

// ---- email ----

fn emails(bytes: &[u8], hits: &mut Vec<Hit>) {
    let cap = hits.len() + MAX_TEXT_MATCHES;
    for m in EMAIL.find_iter(bytes) {
        if hits.len() >= cap {
            break;
        }
        let (mut start, end) = (m.start(), m.end());
        // `"\tann@x.org"` in source code: the escape letter is not part of the mailbox.
        if byte_before(bytes, start) == Some(b'\\')
            && bytes.get(start).is_some_and(|b| b"ntr".contains(b))
            && bytes.get(start + 1) != Some(&b'@')
        {
            start += 1;
        }
        let value = as_str(bytes.get(start..end).unwrap_or_default());
        if let Some(base) = email_score(bytes, start, end, value) {
            hits.push(Hit {
                kind: PiiKind::Email,
                start,
                end,
                masked: mask::email(value),
                base,
            });
        }
    }
}

fn email_score(bytes: &[u8], start: usize, end: usize, value: &str) -> Option<f32> {
    // A local part longer than 64 bytes was cut by the regex: the byte before belongs to it.
    let escaped = start >= 2 && bytes.get(start - 2) == Some(&b'\\');
    if !escaped
        && byte_before(bytes, start)
            .is_some_and(|b| b.is_ascii_alphanumeric() || b"._%+-".contains(&b))
    {
        return None;
    }
    if bytes
        .get(end)
        .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'@' || b == b'_' || b == b'-')
    {
        return None;
    }
    // `scheme://user:password@host` is a URL credential, not a mailbox.
    let line_start = bytes
        .get(..start)
        .and_then(|b| {
            b.iter()
                .rposition(|&c| c.is_ascii_whitespace() || c == b'"' || c == b'\'')
        })
        .map_or(0, |p| p + 1);
    if bytes
        .get(line_start..start)
        .is_some_and(|b| b.windows(3).any(|w| w == b"://"))
    {
        return None;
    }
    let (local, domain) = value.split_once('@')?;
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return None;
    }
    let domain = domain.to_ascii_lowercase();
    if domain.len() > 253 || validate::is_reserved_domain(&domain) {
        return None;
    }
    if validate::is_non_personal_local(local) {
        return None;
    }
    let tld = domain.rsplit('.').next()?;
    match validate::classify_tld(tld) {
        validate::Tld::Known => Some(0.8),
        validate::Tld::Ambiguous => Some(0.3),
        validate::Tld::Invalid => None,
    }
}

// ---- phone ----

fn phones_e164(bytes: &[u8], hits: &mut Vec<Hit>) {
    let cap = hits.len() + MAX_TEXT_MATCHES;
    for m in PHONE_E164.find_iter(bytes) {
        if hits.len() >= cap {
            break;
        }
        let start = m.start();
        // `tel:+44…` and `(+44 …)` are fine; `x+4420…`, `1e+10…`, `++44` are not.
        if byte_before(bytes, start)
            .is_some_and(|b| b.is_ascii_alphanumeric() || b"_+.".contains(&b))
        {
            continue;
        }
        // Shrink to the longest prefix of whole digit groups that is a valid E.164 number.
        let cand = m.as_bytes();
        let mut best = None;
        for (i, _) in cand.iter().enumerate().filter(|&(i, &b)| {
            b.is_ascii_digit() && !cand.get(i + 1).is_some_and(u8::is_ascii_digit)
        }) {
            let mut end_rel = i + 1;
            if cand.get(end_rel) == Some(&b')') {
                end_rel += 1;
            }
            let piece = cand.get(..end_rel).unwrap_or_default();
            let end = start + end_rel;
            if e164_valid(piece) && number_right_ok(bytes, end) {
                best = Some(end);
            }
        }
        if let Some(end) = best {
            let value = as_str(bytes.get(start..end).unwrap_or_default());
            hits.push(Hit {
                kind: PiiKind::Phone,
                start,
                end,
                masked: mask::phone(value),
                base: 0.6,
            });
        }
    }
}

#[allow(clippy::naive_bytecount)] // a few bytes; not worth a dependency
fn e164_valid(piece: &[u8]) -> bool {
    // `+262142-12-31` is an extended-year ISO date, not a phone number.
    let groups: Vec<&[u8]> = piece
        .split(|b| !b.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect();
    if let [_, month, day] = groups.as_slice()
        && month.len() == 2
        && day.len() == 2
    {
        return false;
    }
    let opens = piece.iter().filter(|&&b| b == b'(').count();
    let closes = piece.iter().filter(|&&b| b == b')').count();
    if opens != closes || opens > 1 {
        return false;
    }
    let digits = digits_of(piece);
    let Some(cc_len) = validate::country_code_len(&digits) else {
        return false;
    };
    let national = digits.get(cc_len..).unwrap_or_default();
    match digits.first() {
        // NANP: +1 and exactly ten national digits with valid area code / exchange.
        Some(b'1') => {
            cc_len == 1 && validate::nanp_valid(national) && !validate::nanp_fictional(national)
        }
        Some(b'7') if cc_len == 1 => national.len() == 10,
        _ => (8..=15).contains(&digits.len()) && national.len() >= 6,
    }
}

fn phones_nanp(bytes: &[u8], hits: &mut Vec<Hit>) {
    let cap = hits.len() + MAX_TEXT_MATCHES;
    for m in PHONE_NANP.find_iter(bytes) {
        if hits.len() >= cap {
            break;
        }
        let (start, mut end) = (m.start(), m.end());
        if !number_left_ok(bytes, start) {
            continue;
        }
        // Extensions: `212-555-0123x456`.
        if bytes.get(end) == Some(&b'x') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) {
            end += 1;
            while bytes.get(end).is_some_and(u8::is_ascii_digit) && end - m.end() < 7 {
                end += 1;
            }
        }
        if !number_right_ok(bytes, end) {
            continue;
        }
        let cand = m.as_bytes();
        let digits = digits_of(cand);
        let national = digits
            .len()
            .checked_sub(10)
            .and_then(|s| digits.get(s..))
            .unwrap_or_default();
        if validate::nanp_fictional(national) {
            continue;
        }
        let parens = cand.contains(&b'(');
        // Without parentheses both separators must agree (`212-555-0123`, not `212 555-0123`).
        let seps: Vec<u8> = cand
            .iter()
            .rev()
            .copied()
            .filter(|b| b" .-".contains(b))
            .take(2)
            .collect();
        let consistent = parens || seps.first() == seps.get(1);
        let base = match (validate::nanp_valid(national), consistent) {
            (true, true) if parens => 0.6,
            (true, true) => 0.55,
            // Right shape, impossible numbering or mixed separators: needs a context word.
            _ => 0.3,
        };
        let value = as_str(bytes.get(start..end).unwrap_or_default());
        hits.push(Hit {
            kind: PiiKind::Phone,
            start,
            end,
            masked: mask::phone(value),
            base,
        });
    }
}

/// Ten bare digits with valid NANP numbering: only with a context word (`phone: 2125550123`).
fn phones_bare(bytes: &[u8], hits: &mut Vec<Hit>) {
    let cap = hits.len() + MAX_TEXT_MATCHES;
    for m in PHONE_BARE.find_iter(bytes) {
        if hits.len() >= cap {
            break;
        }
        let (start, end) = (m.start(), m.end());
        if !number_left_ok(bytes, start) || !number_right_ok(bytes, end) {
            continue;
        }
        let digits = m.as_bytes();
        if validate::nanp_valid(digits) && !validate::nanp_fictional(digits) {
            hits.push(Hit {
                kind: PiiKind::Phone,
                start,
                end,
                masked: mask::phone(as_str(digits)),
                base: 0.2,
            });
        }
    }
}

// ---- cards ----

fn cards(bytes: &[u8], hits: &mut Vec<Hit>) {
    let cap = hits.len() + MAX_TEXT_MATCHES;
    for m in CARD_PLAIN.find_iter(bytes) {
        if hits.len() >= cap {
            break;
        }
        let (start, end) = (m.start(), m.end());
        if !number_left_ok(bytes, start) || !number_right_ok(bytes, end) {
            continue;
        }
        if let Some(masked) = card_check(m.as_bytes()) {
            // No separators: a long number could be an id or a seed; needs context.
            hits.push(Hit {
                kind: PiiKind::CreditCard,
                start,
                end,
                masked,
                base: 0.45,
            });
        }
    }
    for m in CARD_GROUPED.find_iter(bytes) {
        if hits.len() >= cap {
            break;
        }
        let start = m.start();
        if !number_left_ok(bytes, start) {
            continue;
        }
        let cand = m.as_bytes();
        let sep = cand.get(4).copied().unwrap_or(b' ');
        if cand.iter().any(|&b| !b.is_ascii_digit() && b != sep) {
            continue;
        }
        // A trailing 3-digit group may belong to the following text: retry without it.
        let mut lens = vec![cand.len()];
        if cand.len() == 23 {
            lens.push(19);
        }
        for len in lens {
            let end = start + len;
            if !number_right_ok(bytes, end) {
                continue;
            }
            if let Some(masked) = card_check(cand.get(..len).unwrap_or_default()) {
                hits.push(Hit {
                    kind: PiiKind::CreditCard,
                    start,
                    end,
                    masked,
                    base: 0.85,
                });
                break;
            }
        }
    }
}

fn card_check(cand: &[u8]) -> Option<String> {
    let digits = digits_of(cand);
    if !(13..=19).contains(&digits.len())
        || !validate::card_iin_valid(&digits)
        || !validate::luhn_valid(&digits)
        || validate::is_test_card(&digits)
    {
        return None;
    }
    // Constant runs (4444 4444 4444 4448) are placeholders.
    let distinct = digits
        .iter()
        .fold([false; 10], |mut seen, &d| {
            if let Some(s) = seen.get_mut(usize::from(d - b'0')) {
                *s = true;
            }
            seen
        })
        .iter()
        .filter(|&&s| s)
        .count();
    (distinct > 3).then(|| mask::card(&digits))
}

// ---- SSN ----

fn ssns(bytes: &[u8], hits: &mut Vec<Hit>) {
    let cap = hits.len() + MAX_TEXT_MATCHES;
    for m in SSN.find_iter(bytes) {
        if hits.len() >= cap {
            break;
        }
        let (start, end) = (m.start(), m.end());
        if !number_left_ok(bytes, start) || !number_right_ok(bytes, end) {
            continue;
        }
        let cand = m.as_bytes();
        let digits = digits_of(cand);
        let num = |r: std::ops::Range<usize>| {
            digits.get(r).map_or(0, |d| {
                d.iter()
                    .fold(0u32, |a, &b| a * 10 + u32::from(b.wrapping_sub(b'0')))
            })
        };
        if digits.len() != 9 || !validate::ssn_valid(num(0..3), num(3..5), num(5..9)) {
            continue;
        }
        let base = match cand.get(3) {
            Some(b'-') => 0.6,
            Some(b' ') => 0.35,
            _ => 0.2,
        };
        hits.push(Hit {
            kind: PiiKind::UsSsn,
            start,
            end,
            masked: mask::ssn(&digits),
            base,
        });
    }
}

// ---- IBAN ----

fn ibans(bytes: &[u8], hits: &mut Vec<Hit>) {
    let cap = hits.len() + MAX_TEXT_MATCHES;
    for m in IBAN.find_iter(bytes) {
        if hits.len() >= cap {
            break;
        }
        let start = m.start();
        if byte_before(bytes, start).is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_') {
            continue;
        }
        let cand = m.as_bytes();
        let Some(len) = cand.get(..2).and_then(validate::iban_length) else {
            continue;
        };
        // Walk `len` alphanumerics (single spaces allowed between them).
        let mut compact = Vec::with_capacity(len);
        let mut end_rel = 0usize;
        for (i, &b) in cand.iter().enumerate() {
            if b != b' ' {
                compact.push(b);
                if compact.len() == len {
                    end_rel = i + 1;
                    break;
                }
            }
        }
        if compact.len() != len {
            continue;
        }
        let end = start + end_rel;
        if bytes
            .get(end)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            continue;
        }
        if !validate::iban_mod97_valid(&compact) || !compact.iter().skip(4).any(u8::is_ascii_digit)
        {
            continue;
        }
        let spaced = cand.get(..end_rel).is_some_and(|c| c.contains(&b' '));
        hits.push(Hit {
            kind: PiiKind::Iban,
            start,
            end,
            masked: mask::iban(&compact),
            base: if spaced { 0.9 } else { 0.8 },
        });
    }
}

// ---- IP addresses ----

fn ipv4s(bytes: &[u8], hits: &mut Vec<Hit>) {
    let cap = hits.len() + MAX_TEXT_MATCHES;
    for m in IPV4.find_iter(bytes) {
        if hits.len() >= cap {
            break;
        }
        let (start, end) = (m.start(), m.end());
        if !number_left_ok(bytes, start) && byte_before(bytes, start) != Some(b'/') {
            continue;
        }
        // `1.2.3.4.5` (OIDs, long versions) and `1.2.3.4-rc1`, `1.2.3.4a`.
        match bytes.get(end) {
            Some(b'.' | b'-') if bytes.get(end + 1).is_some_and(u8::is_ascii_alphanumeric) => {
                continue;
            }
            Some(b) if b.is_ascii_alphanumeric() || *b == b'_' => continue,
            _ => {}
        }
        let value = as_str(m.as_bytes());
        let Ok(addr) = value.parse::<Ipv4Addr>() else {
            continue;
        };
        let window_start = start.saturating_sub(24);
        let before = bytes
            .get(window_start..start)
            .map(|b| String::from_utf8_lossy(b).to_ascii_lowercase())
            .unwrap_or_default();
        if before.contains("version") || before.contains("ver ") || before.contains("release") {
            continue;
        }
        if let Some(base) = ipv4_score(addr) {
            hits.push(Hit {
                kind: PiiKind::IpAddress,
                start,
                end,
                masked: mask::ip(value),
                base,
            });
        }
    }
}

fn ipv4_score(addr: Ipv4Addr) -> Option<f32> {
    let o = addr.octets();
    if o[0] <= 2 || (o[0] < 10 && o[1] < 10) {
        // `1.14.4.3`, `7.3.17.1`, `2.5.4.29`: versions, section numbers and OIDs (whose first
        // arc is 0, 1 or 2) far more often than hosts.
        return None;
    }
    if (o[0], o[1], o[2]) == (192, 0, 0) || (o[0], o[1], o[2]) == (192, 88, 99) {
        // IETF protocol assignments and the deprecated 6to4 relay anycast.
        return None;
    }
    if addr.is_unspecified()
        || addr.is_loopback()
        || addr.is_broadcast()
        || addr.is_multicast()
        || addr.is_documentation()
        || o[0] == 0
        || o[0] >= 240
        || (o[0] == 198 && (o[1] & 0xfe) == 18)
    {
        return None;
    }
    if addr.is_private() || addr.is_link_local() || (o[0] == 100 && (o[1] & 0xc0) == 64) {
        // Below the default threshold even with a context word.
        return Some(0.1);
    }
    Some(0.6)
}

fn ipv6s(bytes: &[u8], hits: &mut Vec<Hit>) {
    let cap = hits.len() + MAX_TEXT_MATCHES;
    for m in IPV6.find_iter(bytes) {
        if hits.len() >= cap {
            break;
        }
        let (start, end) = (m.start(), m.end());
        if byte_before(bytes, start)
            .is_some_and(|b| b.is_ascii_alphanumeric() || b"_:.".contains(&b))
        {
            continue;
        }
        if bytes
            .get(end)
            .is_some_and(|&b| b.is_ascii_alphanumeric() || b"_:.".contains(&b))
        {
            continue;
        }
        let value = as_str(m.as_bytes());
        let Ok(addr) = value.parse::<Ipv6Addr>() else {
            continue;
        };
        let first = addr.segments()[0];
        let base = if first & 0xe000 == 0x2000 {
            // Global unicast, minus documentation 2001:db8::/32 and 3fff::/20.
            if (first == 0x2001 && addr.segments()[1] == 0x0db8) || first == 0x3fff {
                continue;
            }
            0.6
        } else if first & 0xfe00 == 0xfc00 || first & 0xffc0 == 0xfe80 {
            0.1
        } else {
            continue;
        };
        hits.push(Hit {
            kind: PiiKind::IpAddress,
            start,
            end,
            masked: mask::ip(value),
            base,
        });
    }
}
