//! Differential test against the reference `safetensors` crate: every byte string the reference
//! rejects must get a finding of at least high severity (or be marked incomplete), and every byte
//! string it accepts must get none, apart from the checks the reference does not make
//! (duplicate keys, polyglot signatures).
#![allow(clippy::unwrap_used)]

use mlsecops_core::Severity;

/// Rules for what the reference crate accepts silently.
const EXTRA: &[&str] = &["safetensors-duplicate-key", "safetensors-polyglot"];

fn compare(data: &[u8]) -> Result<(), String> {
    let reference = safetensors::SafeTensors::read_metadata(data);
    let (ours, _) = mlsecops_safetensors::analyze(data);
    let high: Vec<&str> = ours
        .observations
        .iter()
        .filter(|o| mlsecops_core::rule(o.rule).unwrap().severity >= Severity::High)
        .map(|o| o.rule)
        .collect();
    if let Err(e) = reference {
        // Any high finding will do here (the reference rejects a duplicate `__metadata__`).
        if high.is_empty() && ours.incomplete.is_none() {
            return Err(format!("reference rejects ({e:?}) but we report {high:?}"));
        }
        return Ok(());
    }
    let unexpected: Vec<&&str> = high.iter().filter(|r| !EXTRA.contains(r)).collect();
    if !unexpected.is_empty() || ours.incomplete.is_some() {
        return Err(format!(
            "reference accepts but we report {unexpected:?} / {:?}",
            ours.incomplete
        ));
    }
    Ok(())
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap()
    }
}

fn fixtures() -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out = Vec::new();
    for sub in ["benign", "malicious"] {
        let mut paths: Vec<_> = std::fs::read_dir(dir.join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        for p in paths {
            out.push(std::fs::read(p).unwrap());
        }
    }
    out
}

#[test]
fn fixtures_agree_with_reference() {
    let errors: Vec<String> = fixtures()
        .iter()
        .enumerate()
        .filter_map(|(i, d)| compare(d).err().map(|e| format!("fixture {i}: {e}")))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn mutants_agree_with_reference() {
    let seeds = fixtures();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut errors = Vec::new();
    let tokens: &[&[u8]] = &[
        b"{",
        b"}",
        b"[",
        b"]",
        b",",
        b":",
        b"\"",
        b"0",
        b"-1",
        b"1.5",
        b"null",
        b"\"F32\"",
        b"\"__metadata__\"",
        b"\"dtype\"",
        b"\"shape\"",
        b"\"data_offsets\"",
        b"18446744073709551616",
    ];
    for round in 0..20_000 {
        let mut d = seeds[rng.below(seeds.len())].clone();
        let header_end = d
            .get(..8)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap()))
            .and_then(|n| usize::try_from(n).ok())
            .map_or(d.len(), |n| n.saturating_add(8).min(d.len()));
        for _ in 0..=rng.below(3) {
            match rng.below(6) {
                0 if !d.is_empty() => {
                    let i = rng.below(header_end.max(1)).min(d.len() - 1);
                    d[i] = u8::try_from(rng.next() & 0xFF).unwrap();
                }
                1 => d.truncate(rng.below(d.len() + 1)),
                2 => d.extend(std::iter::repeat_n(0u8, rng.below(40))),
                3 if header_end > 8 => {
                    let i = (8 + rng.below(header_end - 8)).min(d.len());
                    let tok = tokens[rng.below(tokens.len())];
                    let end = (i + tok.len()).min(d.len());
                    d.splice(i..end, tok.iter().copied());
                }
                4 if d.len() >= 8 => {
                    // Re-declare the header length to match an edited header.
                    let n = u64::try_from(header_end.saturating_sub(8) + rng.below(3)).unwrap();
                    d[..8].copy_from_slice(&(n.saturating_sub(1)).to_le_bytes());
                }
                _ => {}
            }
        }
        if let Err(e) = compare(&d) {
            errors.push(format!("round {round}: {e}"));
            if errors.len() > 10 {
                break;
            }
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}
