//! The scan loop: keyword prefilter → windows → detector regexes → filters → overlap resolution.

use memchr::{memchr, memchr_iter, memmem, memrchr};

use crate::SecretMatch;
use crate::mask::{mask, sha256_hex, shannon_entropy};
use crate::rules::{Bits, Detector, MAX_DETECTORS, RuleSet, bit_indices, or_bits};

/// Bytes before a keyword hit that a line window may reach back (long / minified lines).
const BACK: usize = 320;
/// Bytes after a keyword hit that a line window may reach forward.
const FWD: usize = 640;
/// Bytes after a keyword hit that a multi-line window (key blocks) may reach.
const MULTI_FWD: usize = 16 * 1024;
/// Longest secret kept (longer matches are cut off by the regexes anyway).
const MAX_SECRET: usize = 16 * 1024;
/// Most candidates kept per scan (a hostile file full of tokens cannot blow up memory).
const MAX_CANDIDATES: usize = 10_000;
/// How far line bounds are searched around a match for inline allow comments.
const LINE_LIMIT: usize = 4096;

/// Inline markers that silence a match on their own line.
const ALLOW_MARKERS: [&[u8]; 3] = [
    b"mlsecops:allow",
    b"gitleaks:allow",
    b"pragma: allowlist secret",
];
/// Marker on the previous line that silences the next line.
const ALLOW_NEXT: &[u8] = b"pragma: allowlist nextline secret";

#[derive(Clone, Copy)]
struct Region {
    start: usize,
    end: usize,
    /// `end` is a line end or the end of the text (not a byte cap).
    exact: bool,
    bits: Bits,
}

struct Candidate {
    detector: usize,
    start: usize,
    end: usize,
    secret: Vec<u8>,
    entropy: f32,
}

/// Largest merged window: hits beyond it start a new (overlapping) window, so a long line
/// full of keywords cannot make every detector run over the whole line.
const MAX_REGION: usize = 64 * 1024;

fn push_region(regions: &mut Vec<Region>, new: Region) {
    if let Some(last) = regions.last_mut()
        && new.start <= last.end
        && new.end.saturating_sub(last.start) <= MAX_REGION
    {
        if new.end >= last.end {
            last.end = new.end;
            last.exact = new.exact;
        }
        or_bits(&mut last.bits, &new.bits);
        return;
    }
    regions.push(new);
}

fn is_zero(bits: &Bits) -> bool {
    bits.iter().all(|&w| w == 0)
}

/// Start of the line holding `pos`, searching back at most `limit` bytes.
fn line_start(text: &[u8], pos: usize, limit: usize) -> usize {
    let lo = pos.saturating_sub(limit);
    text.get(lo..pos)
        .and_then(|s| memrchr(b'\n', s))
        .map_or(lo, |i| lo + i + 1)
}

/// End of the line holding `pos` (index of its newline or `hi`), searching at most to `hi`.
fn line_end(text: &[u8], pos: usize, hi: usize) -> (usize, bool) {
    let hi = hi.min(text.len());
    match text.get(pos..hi).and_then(|s| memchr(b'\n', s)) {
        Some(i) => (pos + i, true),
        None => (hi, hi == text.len()),
    }
}

/// Smallest embedded binary payload worth skipping.
const MIN_SKIP: usize = 256;

/// Byte ranges holding base64 binary payloads that are skipped by the keyword pass: notebook
/// image outputs / attachments (`"image/png": "iVBOR…"`, also as a JSON array of strings) and
/// `;base64,` data URIs. Skipping them is both faster and avoids matches inside random base64.
fn binary_payloads(text: &[u8]) -> Vec<(usize, usize)> {
    const IMAGE_TYPES: [&[u8]; 7] = [b"png", b"jpeg", b"jpg", b"gif", b"webp", b"bmp", b"tiff"];
    let mut skips: Vec<(usize, usize)> = Vec::new();
    for at in memmem::find_iter(text, b"\"image/") {
        let type_start = at + 7;
        let Some(type_len) = text.get(type_start..).and_then(|r| memchr(b'"', r)) else {
            continue;
        };
        let kind = text
            .get(type_start..type_start + type_len)
            .unwrap_or_default();
        if !IMAGE_TYPES.contains(&kind) {
            continue;
        }
        let mut i = type_start + type_len + 1;
        while text.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        if text.get(i) != Some(&b':') {
            continue;
        }
        i += 1;
        while text.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        let close = match text.get(i) {
            Some(b'"') => b'"',
            Some(b'[') => b']',
            _ => continue,
        };
        let start = i + 1;
        let Some(len) = text.get(start..).and_then(|r| memchr(close, r)) else {
            continue;
        };
        if len >= MIN_SKIP && skips.last().is_none_or(|&(_, end)| start >= end) {
            skips.push((start, start + len));
        }
    }
    for at in memmem::find_iter(text, b";base64,") {
        let start = at + 8;
        let len = text.get(start..).map_or(0, |r| {
            r.iter()
                .take_while(|&&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
                .count()
        });
        if len >= MIN_SKIP {
            skips.push((start, start + len));
        }
    }
    skips.sort_unstable();
    skips
}

/// Length of an ANSI CSI sequence body starting at `src[i]` (just after ESC): `[` params final.
fn csi_len(src: &[u8], i: usize) -> usize {
    if src.get(i) != Some(&b'[') {
        return 0;
    }
    let mut j = i + 1;
    while src
        .get(j)
        .is_some_and(|&b| b.is_ascii_digit() || b == b';' || b == b'?')
    {
        j += 1;
    }
    if src.get(j).is_some_and(|&b| (0x40..=0x7e).contains(&b)) {
        j + 1 - i
    } else {
        0
    }
}

/// `\uXXXX` at `src[i]` (the backslash): the code unit, when it is ASCII.
fn unicode_escape(src: &[u8], i: usize) -> Option<u8> {
    if src.get(i + 1) != Some(&b'u') {
        return None;
    }
    let hex = std::str::from_utf8(src.get(i + 2..i + 6)?).ok()?;
    u8::try_from(u16::from_str_radix(hex, 16).ok()?)
        .ok()
        .filter(u8::is_ascii)
}

/// Normalises a window for matching: JSON / string-literal escapes (`\"`, `\n`, `\t`, `\\`,
/// `\/`, ASCII `\uXXXX`) are decoded and ANSI colour sequences (raw ESC or `\u001b`, as in
/// notebook tracebacks) are dropped. Returns the new bytes and, for every output byte, its
/// offset in the input (plus one trailing entry for the end); `None` when nothing changes.
fn unescape(src: &[u8]) -> Option<(Vec<u8>, Vec<usize>)> {
    let simple = |b: u8| matches!(b, b'"' | b'\\' | b'/' | b'n' | b'r' | b't' | b'\'');
    let backslash = memchr_iter(b'\\', src)
        .find(|&i| src.get(i + 1).is_some_and(|&b| simple(b)) || unicode_escape(src, i).is_some());
    let first = match (backslash, memchr(0x1b, src)) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => return None,
    };
    let mut out = Vec::with_capacity(src.len());
    let mut map = Vec::with_capacity(src.len() + 1);
    out.extend_from_slice(src.get(..first)?);
    map.extend(0..first);
    let mut i = first;
    while let Some(&b) = src.get(i) {
        let next = src.get(i + 1).copied();
        match (b, next) {
            (0x1b, _) => i += 1 + csi_len(src, i + 1),
            (b'\\', Some(n)) if simple(n) => {
                out.push(match n {
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    other => other,
                });
                map.push(i);
                i += 2;
            }
            (b'\\', Some(b'u')) if unicode_escape(src, i).is_some() => {
                match unicode_escape(src, i) {
                    Some(0x1b) => i += 6 + csi_len(src, i + 6),
                    Some(c) => {
                        out.push(c);
                        map.push(i);
                        i += 6;
                    }
                    None => i += 6,
                }
            }
            _ => {
                out.push(b);
                map.push(i);
                i += 1;
            }
        }
    }
    map.push(src.len());
    Some((out, map))
}

fn has_allow_marker(line: &[u8]) -> bool {
    ALLOW_MARKERS
        .iter()
        .any(|m| memmem::find(line, m).is_some())
}

/// Inline allow comments: a marker on the line of `pos`, or the next-line pragma on the line before.
fn inline_allowed(buf: &[u8], pos: usize) -> bool {
    let ls = line_start(buf, pos, LINE_LIMIT);
    let (le, _) = line_end(buf, pos, pos.saturating_add(LINE_LIMIT));
    if buf.get(ls..le).is_some_and(has_allow_marker) {
        return true;
    }
    if ls == 0 {
        return false;
    }
    let prev_end = ls - 1;
    let prev_start = line_start(buf, prev_end, LINE_LIMIT);
    buf.get(prev_start..prev_end)
        .is_some_and(|l| memmem::find(l, ALLOW_NEXT).is_some())
}

/// Runs of one byte, or of ascending bytes (`abcdefgh`, `12345678`).
fn looks_synthetic(secret: &[u8]) -> bool {
    let mut distinct = [false; 256];
    let mut count = 0usize;
    for &b in secret {
        let slot = &mut distinct[usize::from(b)];
        if !*slot {
            *slot = true;
            count += 1;
        }
    }
    if secret.len() >= 8 && count <= 3 {
        return true;
    }
    let (mut same, mut up) = (1usize, 1usize);
    for pair in secret.windows(2) {
        if let [a, b] = *pair {
            same = if a == b { same + 1 } else { 1 };
            up = if b == a.wrapping_add(1) { up + 1 } else { 1 };
            if same >= 8 || up >= 8 {
                return true;
            }
        }
    }
    false
}

impl RuleSet {
    fn rejected(&self, det: &Detector, secret: &[u8], whole: &[u8], line: &[u8]) -> Option<f32> {
        if secret.is_empty() || secret.len() > MAX_SECRET {
            return None;
        }
        let entropy = shannon_entropy(secret);
        let threshold = match det.hex_entropy {
            Some(hex) if secret.len() >= 32 && secret.iter().all(u8::is_ascii_hexdigit) => {
                Some(hex)
            }
            _ => det.entropy,
        };
        if threshold.is_some_and(|min| entropy <= min) {
            return None;
        }
        let lower = secret.to_ascii_lowercase();
        if det.allowlist.allows(secret, &lower, whole, line) {
            return None;
        }
        if det.global_allowlist
            && (self.global.allows(secret, &lower, whole, line) || looks_synthetic(secret))
        {
            return None;
        }
        if det.soft && self.soft.allows(secret, &lower, whole, line) {
            return None;
        }
        Some(entropy)
    }

    /// Runs detector `index` over `buf` (a window, possibly unescaped) and records survivors
    /// with offsets mapped back into the scanned text.
    fn run_detector(
        &self,
        index: usize,
        buf: &[u8],
        map: Option<&[usize]>,
        base: usize,
        text: &[u8],
        out: &mut Vec<Candidate>,
    ) {
        let Some(det) = self.detectors.get(index) else {
            return;
        };
        for caps in det.regex.captures_iter(buf) {
            if out.len() >= MAX_CANDIDATES {
                return;
            }
            let Some(m) = caps.get(det.secret_group) else {
                continue;
            };
            let secret = m.as_bytes();
            let ls = line_start(buf, m.start(), LINE_LIMIT);
            let (le, _) = line_end(buf, m.start(), m.start().saturating_add(LINE_LIMIT));
            let line = buf.get(ls..le.max(ls)).unwrap_or_default();
            let whole = caps.get(0).map_or(secret, |w| w.as_bytes());
            let Some(entropy) = self.rejected(det, secret, whole, line) else {
                continue;
            };
            let (start, end) = match map {
                Some(map) => match (map.get(m.start()), map.get(m.end())) {
                    (Some(&s), Some(&e)) => (base + s, base + e),
                    _ => continue,
                },
                None => (base + m.start(), base + m.end()),
            };
            if inline_allowed(text, start) || (map.is_some() && inline_allowed(buf, m.start())) {
                continue;
            }
            out.push(Candidate {
                detector: index,
                start,
                end,
                secret: secret.to_vec(),
                entropy,
            });
        }
    }

    fn run_regions(
        &self,
        text: &[u8],
        regions: &[Region],
        out: &mut Vec<Candidate>,
        mut profile: Option<&mut [(u64, u64)]>,
    ) {
        for region in regions {
            let Some(window) = text.get(region.start..region.end) else {
                continue;
            };
            let unescaped = unescape(window);
            let (buf, map) = match &unescaped {
                Some((buf, map)) => (buf.as_slice(), Some(map.as_slice())),
                None => (window, None),
            };
            for index in bit_indices(&region.bits) {
                if let Some(slots) = profile.as_deref_mut() {
                    let started = std::time::Instant::now();
                    self.run_detector(index, buf, map, region.start, text, out);
                    if let Some(slot) = slots.get_mut(index) {
                        slot.0 += u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
                        slot.1 += 1;
                    }
                } else {
                    self.run_detector(index, buf, map, region.start, text, out);
                }
            }
        }
    }

    /// Scans `text` with this rule set. The rule set must be `'static` (the built-in set, or
    /// one the caller leaked) because matches borrow its ids and descriptions.
    pub fn scan(&'static self, text: &[u8]) -> Vec<SecretMatch> {
        self.scan_with_profile(text, None)
    }

    /// [`RuleSet::scan`] that also adds, per detector index, the nanoseconds spent in it and
    /// the number of windows it ran on (for tuning rule costs).
    #[doc(hidden)]
    pub fn scan_with_profile(
        &'static self,
        text: &[u8],
        mut profile: Option<&mut [(u64, u64)]>,
    ) -> Vec<SecretMatch> {
        let mut lines: Vec<Region> = Vec::new();
        let mut multi: Vec<Region> = Vec::new();
        let empty: Bits = [0; MAX_DETECTORS / 64];
        let skips = binary_payloads(text);
        let mut segments = Vec::with_capacity(skips.len() + 1);
        let mut from = 0usize;
        for &(start, end) in &skips {
            if start > from {
                segments.push((from, start));
            }
            from = from.max(end);
        }
        segments.push((from, text.len()));
        let hits = segments.into_iter().flat_map(|(a, b)| {
            self.keywords
                .find_overlapping_iter(aho_corasick::Input::new(text).range(a..b))
        });
        for hit in hits {
            let (ks, ke) = (hit.start(), hit.end());
            let pattern = hit.pattern().as_usize();
            let line_bits = self.keyword_lines.get(pattern).unwrap_or(&empty);
            if !is_zero(line_bits) {
                match lines.last_mut() {
                    Some(last) if last.exact && ks >= last.start && ke <= last.end => {
                        or_bits(&mut last.bits, line_bits);
                    }
                    _ => {
                        let start = line_start(text, ks, BACK);
                        let (end, exact) = line_end(text, ke, ke.saturating_add(FWD));
                        push_region(
                            &mut lines,
                            Region {
                                start,
                                end,
                                exact,
                                bits: *line_bits,
                            },
                        );
                    }
                }
            }
            let multi_bits = self.keyword_multi.get(pattern).unwrap_or(&empty);
            if !is_zero(multi_bits) {
                let start = line_start(text, ks, BACK);
                let end = ke.saturating_add(MULTI_FWD).min(text.len());
                push_region(
                    &mut multi,
                    Region {
                        start,
                        end,
                        exact: end == text.len(),
                        bits: *multi_bits,
                    },
                );
            }
        }
        let mut candidates = Vec::new();
        self.run_regions(text, &lines, &mut candidates, profile.as_deref_mut());
        self.run_regions(text, &multi, &mut candidates, profile);
        self.resolve(text, candidates)
    }

    /// Keeps one match per overlapping span (provider-specific before generic, then longer),
    /// sorts by position and fills in line, column, mask and hash.
    fn resolve(&'static self, text: &[u8], mut candidates: Vec<Candidate>) -> Vec<SecretMatch> {
        let rank = |c: &Candidate| {
            let generic = self
                .detectors
                .get(c.detector)
                .is_none_or(|d| d.soft || d.group == "secret-generic-credential");
            (
                generic,
                std::cmp::Reverse(c.end - c.start),
                c.detector,
                c.start,
            )
        };
        candidates.sort_by_key(rank);
        let mut kept: Vec<Candidate> = Vec::new();
        for c in candidates {
            if kept.iter().all(|k| c.end <= k.start || c.start >= k.end) {
                kept.push(c);
            }
        }
        kept.sort_by_key(|c| (c.start, c.end));
        let mut line = 1u32;
        let mut counted = 0usize;
        let mut out = Vec::with_capacity(kept.len());
        for c in kept {
            let Some(det) = self.detectors.get(c.detector) else {
                continue;
            };
            let newlines = text
                .get(counted..c.start)
                .map_or(0, |s| memchr_iter(b'\n', s).count());
            line = line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
            counted = c.start;
            let ls = text
                .get(..c.start)
                .and_then(|s| memrchr(b'\n', s))
                .map_or(0, |i| i + 1);
            let chars = text
                .get(ls..c.start)
                .map_or(0, |s| s.iter().filter(|&&b| (b & 0xC0) != 0x80).count());
            let column = u32::try_from(chars).unwrap_or(u32::MAX).saturating_add(1);
            let reveal = !(det.soft || det.group == "secret-generic-credential");
            out.push(SecretMatch {
                rule: det.group,
                detector: &det.id,
                description: &det.description,
                start: c.start,
                end: c.end,
                line,
                column,
                masked: mask(&c.secret, reveal),
                sha256: sha256_hex(&c.secret),
                length: c.secret.len(),
                entropy: c.entropy,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescape_maps_offsets_back() {
        let src = br#"a\"b\nc"#;
        let (out, map) = unescape(src).expect("has escapes");
        assert_eq!(out, b"a\"b\nc");
        assert_eq!(map, vec![0, 1, 3, 4, 6, 7]);
        assert!(unescape(br"C:\data\x").is_none());
    }

    #[test]
    fn unescape_drops_ansi_and_decodes_unicode_escapes() {
        let src = br#"x=\"\u001b[0;31m\u001b[0mtok\u003d1\"\u00e9"#;
        let (out, map) = unescape(src).expect("has escapes");
        assert_eq!(out, br#"x="tok=1"\u00e9"#);
        assert_eq!(map.first(), Some(&0));
        assert_eq!(map.get(3), Some(&(memmem::find(src, b"tok").expect("tok"))));
        let raw = b"\x1b[1;32mghp_token\x1b[0m";
        let (out, _) = unescape(raw).expect("has ansi");
        assert_eq!(out, b"ghp_token");
    }

    #[test]
    fn synthetic_strings() {
        assert!(looks_synthetic(b"xxxxxxxxxxxxxxxx"));
        assert!(looks_synthetic(b"ab12345678cd"));
        assert!(looks_synthetic(b"abababababab"));
        assert!(!looks_synthetic(b"hF9kQ2mZ7rT1wX4v"));
    }

    #[test]
    fn allow_markers() {
        let text =
            b"a = 1\n# pragma: allowlist nextline secret\ntoken = 'x'\nk = 'y' # gitleaks:allow\n";
        let pos = memmem::find(text, b"'x'").expect("x");
        assert!(inline_allowed(text, pos));
        let pos = memmem::find(text, b"'y'").expect("y");
        assert!(inline_allowed(text, pos));
        assert!(!inline_allowed(text, 0));
    }
}
