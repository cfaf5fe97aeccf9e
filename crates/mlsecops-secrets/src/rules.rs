//! Loading and compiling the detector rules (`data/rules.toml` schema).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex::bytes::{Regex, RegexBuilder};
use serde::Deserialize;

use mlsecops_core::Category;

/// Most detectors one rule set may hold (the engine tracks active detectors in a bit set).
pub const MAX_DETECTORS: usize = 256;

/// Keywords are cut to this many bytes in the automaton: a smaller DFA stays in cache and
/// scans faster, and a shorter keyword only activates a detector more often (its regex still
/// decides), never less often.
const KEYWORD_PREFIX: usize = 6;

/// Why a rules file was rejected.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// The TOML does not follow the schema.
    #[error("rules file is not valid: {0}")]
    Toml(#[from] toml::de::Error),
    /// A regex does not compile.
    #[error("rule `{id}`: invalid regex: {message}")]
    Regex {
        /// Detector id (or `allowlist`).
        id: String,
        /// Compiler message.
        message: String,
    },
    /// A rule is inconsistent (unknown group, no keyword, bad secret group, duplicate id…).
    #[error("rule `{id}`: {message}")]
    Invalid {
        /// Detector id.
        id: String,
        /// What is wrong.
        message: String,
    },
    /// More detectors than the engine supports.
    #[error("{0} detectors exceed the limit of {MAX_DETECTORS}")]
    TooMany(usize),
    /// The keyword automaton could not be built.
    #[error("keyword automaton: {0}")]
    Keywords(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    allowlist: RawAllow,
    #[serde(default)]
    soft_allowlist: RawAllow,
    rules: Vec<RawRule>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawAllow {
    stopwords: Vec<String>,
    regexes: Vec<String>,
    match_regexes: Vec<String>,
    line_regexes: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    description: String,
    group: String,
    regex: String,
    #[serde(default)]
    secret_group: Option<usize>,
    #[serde(default)]
    entropy: Option<f32>,
    #[serde(default)]
    hex_entropy: Option<f32>,
    keywords: Vec<String>,
    #[serde(default)]
    multiline: bool,
    #[serde(default)]
    soft: bool,
    #[serde(default = "yes")]
    global_allowlist: bool,
    #[serde(default)]
    allowlist: RawAllow,
}

fn yes() -> bool {
    true
}

/// Stopwords and regexes that mark a candidate secret as a placeholder.
#[derive(Debug, Default)]
pub(crate) struct Allowlist {
    /// Lower-case stopwords, matched as substrings of the lower-cased secret.
    pub(crate) stopwords: Vec<Vec<u8>>,
    /// Regexes matched against the secret.
    pub(crate) regexes: Vec<Regex>,
    /// Regexes matched against the whole regex match (name, operator and value).
    pub(crate) match_regexes: Vec<Regex>,
    /// Regexes matched against the line holding the match.
    pub(crate) line_regexes: Vec<Regex>,
}

impl Allowlist {
    fn compile(raw: &RawAllow, owner: &str) -> Result<Self, RulesError> {
        let plain = |pattern: &str| {
            RegexBuilder::new(pattern)
                .unicode(false)
                .build()
                .map_err(|e| RulesError::Regex {
                    id: owner.to_owned(),
                    message: e.to_string(),
                })
        };
        Ok(Allowlist {
            stopwords: raw
                .stopwords
                .iter()
                .map(|s| s.to_ascii_lowercase().into_bytes())
                .filter(|s| !s.is_empty())
                .collect(),
            regexes: raw
                .regexes
                .iter()
                .map(|p| plain(p))
                .collect::<Result<_, _>>()?,
            match_regexes: raw
                .match_regexes
                .iter()
                .map(|p| plain(p))
                .collect::<Result<_, _>>()?,
            line_regexes: raw
                .line_regexes
                .iter()
                .map(|p| plain(p))
                .collect::<Result<_, _>>()?,
        })
    }

    /// True when the secret (or the whole match, or its line) is allowlisted.
    pub(crate) fn allows(&self, secret: &[u8], lower: &[u8], whole: &[u8], line: &[u8]) -> bool {
        self.stopwords
            .iter()
            .any(|w| memchr::memmem::find(lower, w).is_some())
            || self.regexes.iter().any(|r| r.is_match(secret))
            || self.match_regexes.iter().any(|r| r.is_match(whole))
            || self.line_regexes.iter().any(|r| r.is_match(line))
    }
}

/// One compiled detector.
#[derive(Debug)]
pub struct Detector {
    /// Detector id (`huggingface-access-token`).
    pub id: String,
    /// Human description (`Hugging Face access token`).
    pub description: String,
    /// Registry rule the detector reports under (`secret-ml-platform-token`).
    pub group: &'static str,
    /// Keywords (lower case) that activate the detector.
    pub keywords: Vec<String>,
    pub(crate) regex: Regex,
    pub(crate) secret_group: usize,
    pub(crate) entropy: Option<f32>,
    /// Threshold for secrets of 32 or more hex digits only (their entropy is at most 4 bits).
    pub(crate) hex_entropy: Option<f32>,
    pub(crate) multiline: bool,
    pub(crate) soft: bool,
    pub(crate) global_allowlist: bool,
    pub(crate) allowlist: Allowlist,
}

/// A compiled set of detectors with its keyword prefilter.
#[derive(Debug)]
pub struct RuleSet {
    pub(crate) detectors: Vec<Detector>,
    pub(crate) global: Allowlist,
    pub(crate) soft: Allowlist,
    pub(crate) keywords: AhoCorasick,
    /// Per keyword pattern: detectors (bit set) it activates, split by window kind.
    pub(crate) keyword_lines: Vec<Bits>,
    pub(crate) keyword_multi: Vec<Bits>,
}

/// Bit set over detector indices.
pub(crate) type Bits = [u64; MAX_DETECTORS / 64];

pub(crate) fn set_bit(bits: &mut Bits, index: usize) {
    if let Some(word) = bits.get_mut(index / 64) {
        *word |= 1u64 << (index % 64);
    }
}

pub(crate) fn or_bits(into: &mut Bits, from: &Bits) {
    for (a, b) in into.iter_mut().zip(from) {
        *a |= *b;
    }
}

/// Indices of the set bits, ascending.
pub(crate) fn bit_indices(bits: &Bits) -> impl Iterator<Item = usize> + '_ {
    bits.iter().enumerate().flat_map(|(w, &word)| {
        let mut rest = word;
        std::iter::from_fn(move || {
            if rest == 0 {
                return None;
            }
            let bit = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            Some(w * 64 + bit)
        })
    })
}

impl RuleSet {
    /// Parses and compiles a rules file in the `data/rules.toml` schema.
    pub fn from_toml(text: &str) -> Result<RuleSet, RulesError> {
        let raw: RawFile = toml::from_str(text)?;
        if raw.rules.len() > MAX_DETECTORS {
            return Err(RulesError::TooMany(raw.rules.len()));
        }
        let mut detectors = Vec::with_capacity(raw.rules.len());
        let mut seen = std::collections::BTreeSet::new();
        for rule in raw.rules {
            let invalid = |message: &str| RulesError::Invalid {
                id: rule.id.clone(),
                message: message.to_owned(),
            };
            if !seen.insert(rule.id.clone()) {
                return Err(invalid("duplicate id"));
            }
            let group = mlsecops_core::rule(&rule.group)
                .filter(|r| r.category == Category::Secrets && r.id != "secret-baseline-unused")
                .ok_or_else(|| invalid("group is not a secret rule of the registry"))?
                .id;
            if rule.keywords.iter().all(String::is_empty) {
                return Err(invalid("needs at least one keyword"));
            }
            let regex = RegexBuilder::new(&rule.regex)
                .unicode(false)
                .multi_line(true)
                .size_limit(16 << 20)
                .build()
                .map_err(|e| RulesError::Regex {
                    id: rule.id.clone(),
                    message: e.to_string(),
                })?;
            let groups = regex.captures_len();
            let secret_group = rule.secret_group.unwrap_or(usize::from(groups > 1));
            if secret_group >= groups {
                return Err(invalid("secret_group exceeds the regex's capture groups"));
            }
            let allowlist = Allowlist::compile(&rule.allowlist, &rule.id)?;
            detectors.push(Detector {
                keywords: rule
                    .keywords
                    .iter()
                    .filter(|k| !k.is_empty())
                    .map(|k| k.to_ascii_lowercase())
                    .collect(),
                id: rule.id,
                description: rule.description,
                group,
                regex,
                secret_group,
                entropy: rule.entropy,
                hex_entropy: rule.hex_entropy,
                multiline: rule.multiline,
                soft: rule.soft,
                global_allowlist: rule.global_allowlist,
                allowlist,
            });
        }
        // One automaton pattern per distinct keyword; each maps to the detectors it activates.
        let mut patterns: Vec<String> = Vec::new();
        let mut keyword_lines: Vec<Bits> = Vec::new();
        let mut keyword_multi: Vec<Bits> = Vec::new();
        for (index, detector) in detectors.iter().enumerate() {
            for keyword in &detector.keywords {
                let keyword = keyword.get(..KEYWORD_PREFIX).unwrap_or(keyword);
                let slot = if let Some(pos) = patterns.iter().position(|p| p == keyword) {
                    pos
                } else {
                    patterns.push(keyword.to_owned());
                    keyword_lines.push([0; MAX_DETECTORS / 64]);
                    keyword_multi.push([0; MAX_DETECTORS / 64]);
                    patterns.len() - 1
                };
                let target = if detector.multiline {
                    keyword_multi.get_mut(slot)
                } else {
                    keyword_lines.get_mut(slot)
                };
                if let Some(bits) = target {
                    set_bit(bits, index);
                }
            }
        }
        let keywords = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&patterns)
            .map_err(|e| RulesError::Keywords(e.to_string()))?;
        Ok(RuleSet {
            detectors,
            global: Allowlist::compile(&raw.allowlist, "allowlist")?,
            soft: Allowlist::compile(&raw.soft_allowlist, "soft_allowlist")?,
            keywords,
            keyword_lines,
            keyword_multi,
        })
    }

    /// The detectors, in file order.
    pub fn detectors(&self) -> &[Detector] {
        &self.detectors
    }
}
