//! Model-card checks: is there a card next to a model, and does it cover what the
//! frameworks ask for (EU AI Act Art. 11 / Annex IV 1–3, Art. 13(3); NIST AI RMF MAP 2.2,
//! MEASURE 2.8/2.9, GOVERN 4.2; ISO/IEC 42001 A.6.2.7, A.8.2)?
//!
//! A card is a Hugging Face style `README.md` (optional YAML front matter between `---`
//! lines, then Markdown). [`analyze_card`] finds five items:
//!
//! | Item | Found in |
//! |---|---|
//! | intended use | heading with intended / uses / use case / direct use / downstream / out-of-scope / applications / purpose |
//! | limitations | heading with limitation / bias / risk / ethic / fairness / caveat / safety |
//! | training data | heading with train / dataset / data; front matter `datasets:` |
//! | evaluation | heading with evaluation / results / metrics / performance / benchmark / accuracy; front matter `model-index:` or `metrics:` |
//! | licence | front matter `license:` (or `license_name:`); heading with license / licence |
//!
//! A section counts only when its text (sub-sections included), without HTML comments and
//! lines holding the template placeholder `[More Information Needed]` (or the template's
//! "More information needed for further recommendations" boilerplate), has at least ten
//! letters or digits (three for a licence section).
//!
//! The directory hooks ([`check_dir`]) are called by [`crate::hf::analyze_config`] for a
//! model `config.json` and by [`crate::mlflow::analyze_mlmodel`]; each reports at most one
//! card finding per directory (`model-card-missing` or `model-card-incomplete`).

use std::io::Read;
use std::path::Path;

use mlsecops_core::{FormatAnalysis, Observation};

/// Largest card read (bytes); the rest is ignored.
pub const MAX_CARD_BYTES: usize = 1024 * 1024;

/// File names accepted as a model card, in lookup order.
pub const CARD_NAMES: &[&str] = &[
    "README.md",
    "readme.md",
    "Readme.md",
    "MODEL_CARD.md",
    "model_card.md",
    "MODELCARD.md",
    "modelcard.md",
];

/// The template placeholder of unfilled Hugging Face card sections.
pub const PLACEHOLDER: &str = "[More Information Needed]";

const MISSING: &str = "model-card-missing";
const INCOMPLETE: &str = "model-card-incomplete";

/// Rule ids reported by this module.
pub const RULE_IDS: &[&str] = &[MISSING, INCOMPLETE];

/// One item a model card should cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CardItem {
    /// Intended use, direct/downstream use, out-of-scope use.
    IntendedUse,
    /// Bias, risks and limitations.
    Limitations,
    /// Training data.
    TrainingData,
    /// Evaluation and metrics.
    Evaluation,
    /// Licence.
    License,
}

impl CardItem {
    /// Every item, in report order.
    pub const ALL: [CardItem; 5] = [
        CardItem::IntendedUse,
        CardItem::Limitations,
        CardItem::TrainingData,
        CardItem::Evaluation,
        CardItem::License,
    ];

    /// Human name used in evidence (`missing = "intended use, licence"`).
    pub fn as_str(self) -> &'static str {
        match self {
            CardItem::IntendedUse => "intended use",
            CardItem::Limitations => "limitations/bias/risks",
            CardItem::TrainingData => "training data",
            CardItem::Evaluation => "evaluation/metrics",
            CardItem::License => "licence",
        }
    }

    fn heading_words(self) -> &'static [&'static str] {
        match self {
            CardItem::IntendedUse => &[
                "intended",
                "uses",
                "use case",
                "use-case",
                "direct use",
                "downstream",
                "out-of-scope",
                "out of scope",
                "applications",
                "purpose",
            ],
            CardItem::Limitations => &[
                "limitation",
                "bias",
                "risk",
                "ethic",
                "fairness",
                "caveat",
                "safety",
            ],
            CardItem::TrainingData => &["train", "dataset", "data"],
            CardItem::Evaluation => &[
                "evaluation",
                "results",
                "metrics",
                "performance",
                "benchmark",
                "accuracy",
            ],
            CardItem::License => &["license", "licence", "licensing"],
        }
    }

    fn min_chars(self) -> usize {
        if self == CardItem::License { 3 } else { 10 }
    }
}

/// What [`analyze_card`] found in a card.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelCardFacts {
    /// The card starts with YAML front matter.
    pub front_matter: bool,
    /// Front matter `license:` value (or `license_name:`), when set.
    pub license: Option<String>,
    /// Items the card covers.
    pub present: Vec<CardItem>,
    /// Items it lacks (complement of `present`, in [`CardItem::ALL`] order).
    pub missing: Vec<CardItem>,
    /// Occurrences of the unfilled-template placeholder `[More Information Needed]`.
    pub placeholders: usize,
    /// Markdown headings, in order.
    pub headings: Vec<String>,
    /// The card was longer than [`MAX_CARD_BYTES`] and only its start was read.
    pub truncated: bool,
}

/// Which kind of model directory a card check is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirKind {
    /// Hugging Face model directory (`config.json`).
    HuggingFace,
    /// `MLflow` model directory (`MLmodel`).
    Mlflow,
}

impl DirKind {
    /// Label used in evidence.
    pub fn as_str(self) -> &'static str {
        match self {
            DirKind::HuggingFace => "huggingface",
            DirKind::Mlflow => "mlflow",
        }
    }
}

/// True for a model-card file name (base name or path).
pub fn is_card_name(name: &str) -> bool {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    CARD_NAMES.contains(&base)
}

/// Front matter keys of interest: (license, `datasets` present, evaluation metadata present).
fn front_matter(lines: &[&str]) -> (Option<String>, bool, bool) {
    let mut license = None;
    let mut datasets = false;
    let mut eval = false;
    let mut i = 0usize;
    while let Some(line) = lines.get(i) {
        i += 1;
        if line.starts_with([' ', '\t', '-', '#']) || line.trim().is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim().trim_matches(['"', '\'']).trim();
        // A block value: the following indented or `- ` lines.
        let has_children = lines
            .get(i)
            .is_some_and(|n| n.starts_with([' ', '\t', '-']) && !n.trim().is_empty());
        let set = !(value.is_empty() || value == "[]" || value == "{}" || value == "null")
            || has_children;
        match key.trim() {
            "license" | "license_name" if set && license.is_none() => {
                let v = if value.is_empty() {
                    lines
                        .get(i)
                        .map(|n| n.trim().trim_start_matches("- ").trim().to_owned())
                        .unwrap_or_default()
                } else {
                    value.to_owned()
                };
                license = Some(v);
            }
            "datasets" if set => datasets = true,
            "model-index" | "model_index" | "metrics" if set => eval = true,
            _ => {}
        }
    }
    (license, datasets, eval)
}

/// Counts letters and digits of a section body after removing HTML comments and lines
/// holding the placeholder (`- **Training regime:** [More Information Needed]`) or the
/// template's boilerplate ("… More information needed for further recommendations.").
fn substance(body: &str) -> usize {
    let mut text = String::new();
    for l in body
        .lines()
        .filter(|l| !l.to_ascii_lowercase().contains("more information needed"))
    {
        text.push_str(l);
        text.push('\n');
    }
    while let Some(start) = text.find("<!--") {
        let end = text
            .get(start..)
            .and_then(|rest| rest.find("-->"))
            .map_or(text.len(), |e| start + e + 3);
        text.replace_range(start..end, " ");
    }
    text.chars().filter(|c| c.is_alphanumeric()).count()
}

fn heading_level(line: &str) -> Option<(usize, &str)> {
    let trimmed = line.trim_start();
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let level = trimmed.bytes().take_while(|b| *b == b'#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    let rest = trimmed.get(level..)?;
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    Some((level, rest.trim().trim_end_matches('#').trim()))
}

/// Analyses a model card (front matter + Markdown).
pub fn analyze_card(data: &[u8]) -> ModelCardFacts {
    let truncated = data.len() > MAX_CARD_BYTES;
    let data = data.get(..MAX_CARD_BYTES).unwrap_or(data);
    let text = String::from_utf8_lossy(data);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let all: Vec<&str> = text.lines().collect();

    let mut facts = ModelCardFacts {
        truncated,
        placeholders: text.matches(PLACEHOLDER).count(),
        ..ModelCardFacts::default()
    };
    let mut body_start = 0usize;
    let (mut fm_datasets, mut fm_eval) = (false, false);
    if all.first().is_some_and(|l| l.trim_end() == "---")
        && let Some(end) = all
            .iter()
            .skip(1)
            .position(|l| matches!(l.trim_end(), "---" | "..."))
    {
        facts.front_matter = true;
        let fm = all.get(1..=end).unwrap_or(&[]);
        let (license, datasets, eval) = front_matter(fm);
        facts.license = license;
        fm_datasets = datasets;
        fm_eval = eval;
        body_start = end + 2;
    }
    let body = all.get(body_start..).unwrap_or(&[]);

    // Headings (ATX and setext), outside fenced code blocks.
    let mut heads: Vec<(usize, usize, String)> = Vec::new(); // (line index, level, title)
    let mut fence: Option<&str> = None;
    for (i, line) in body.iter().enumerate() {
        let t = line.trim_start();
        if let Some(f) = fence {
            if t.starts_with(f) {
                fence = None;
            }
            continue;
        }
        if t.starts_with("```") || t.starts_with("~~~") {
            fence = Some(if t.starts_with("```") { "```" } else { "~~~" });
            continue;
        }
        if let Some((level, title)) = heading_level(line) {
            heads.push((i, level, title.to_owned()));
            continue;
        }
        let underline = t.trim_end();
        if i > 0
            && underline.len() >= 3
            && (underline.bytes().all(|b| b == b'=') || underline.bytes().all(|b| b == b'-'))
            && let Some(prev) = body.get(i - 1)
            && !prev.trim().is_empty()
            && heading_level(prev).is_none()
            && heads.last().is_none_or(|h| h.0 != i - 1)
        {
            let level = if underline.starts_with('=') { 1 } else { 2 };
            heads.push((i - 1, level, prev.trim().to_owned()));
        }
        if heads.len() >= 10_000 {
            break;
        }
    }

    let mut present = std::collections::BTreeSet::new();
    if facts.license.is_some() {
        present.insert(CardItem::License);
    }
    if fm_datasets {
        present.insert(CardItem::TrainingData);
    }
    if fm_eval {
        present.insert(CardItem::Evaluation);
    }
    for (k, (line, level, title)) in heads.iter().enumerate() {
        let lower = title.to_ascii_lowercase();
        let end = heads
            .iter()
            .skip(k + 1)
            .find(|(_, l, _)| l <= level)
            .map_or(body.len(), |h| h.0);
        let section = body.get(line + 1..end).unwrap_or(&[]);
        // Text of the section without its sub-headings' titles.
        let mut text = String::new();
        for l in section.iter().filter(|l| heading_level(l).is_none()) {
            text.push_str(l);
            text.push('\n');
        }
        let chars = substance(&text);
        for item in CardItem::ALL {
            if item
                .heading_words()
                .iter()
                .any(|w| contains_word(&lower, w))
                && chars >= item.min_chars()
            {
                present.insert(item);
            }
        }
    }
    facts.headings = heads.into_iter().map(|(_, _, t)| t).collect();
    facts.present = present.iter().copied().collect();
    facts.missing = CardItem::ALL
        .into_iter()
        .filter(|i| !present.contains(i))
        .collect();
    facts
}

/// `word` occurs in `text` starting at a word boundary (`data` in "training data", not in
/// "metadata").
fn contains_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        i == 0
            || text
                .get(..i)
                .and_then(|p| p.chars().next_back())
                .is_some_and(|c| !c.is_alphanumeric())
    })
}

/// Checks the model card of a model directory: `model-card-missing` when no card file
/// exists, `model-card-incomplete` when the card lacks items (evidence `missing`).
pub fn check_dir(dir: &Path, kind: DirKind) -> FormatAnalysis {
    let mut analysis = FormatAnalysis::new("model-card");
    let Some(card) = CARD_NAMES.iter().find(|n| dir.join(n).is_file()) else {
        analysis.push(
            Observation::new(
                MISSING,
                format!(
                    "{} model directory has no model card (README.md)",
                    match kind {
                        DirKind::HuggingFace => "Hugging Face",
                        DirKind::Mlflow => "MLflow",
                    }
                ),
            )
            .with_evidence("dir_kind", kind.as_str())
            .with_evidence("expected", "README.md"),
        );
        return analysis;
    };
    let mut data = Vec::new();
    let read = std::fs::File::open(dir.join(card))
        .and_then(|f| f.take(MAX_CARD_BYTES as u64 + 1).read_to_end(&mut data));
    if let Err(e) = read {
        analysis.mark_incomplete(format!("model card {card} could not be read: {e}"));
        return analysis;
    }
    let facts = analyze_card(&data);
    if !facts.missing.is_empty() {
        let missing: Vec<&str> = facts.missing.iter().map(|i| i.as_str()).collect();
        let mut obs = Observation::new(
            INCOMPLETE,
            format!("model card {card} lacks: {}", missing.join(", ")),
        )
        .with_evidence("card", *card)
        .with_evidence("dir_kind", kind.as_str())
        .with_evidence("missing", missing.join(", "));
        if facts.placeholders > 0 {
            obs = obs.with_evidence("placeholders", facts.placeholders.to_string());
        }
        analysis.push(obs);
    }
    analysis
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const COMPLETE: &str = "---\nlicense: apache-2.0\ndatasets:\n- imdb\nmetrics:\n- accuracy\n---\n\n\
        # Model Card for tiny-sentiment\n\n## Uses\n\n### Direct Use\n\nSentiment classification of English movie reviews.\n\n\
        ### Out-of-Scope Use\n\nNot for medical or legal decisions.\n\n\
        ## Bias, Risks, and Limitations\n\nTrained on movie reviews only; degrades on other domains and dialects.\n\n\
        ## Training Details\n\n### Training Data\n\nThe IMDB review dataset (25k labelled reviews).\n\n\
        ## Evaluation\n\nAccuracy 0.91 on the IMDB test split.\n";

    #[test]
    fn complete_card() {
        let f = analyze_card(COMPLETE.as_bytes());
        assert!(f.front_matter);
        assert_eq!(f.license.as_deref(), Some("apache-2.0"));
        assert!(f.missing.is_empty(), "{:?}", f.missing);
        assert_eq!(f.present.len(), 5);
        assert_eq!(f.placeholders, 0);
    }

    #[test]
    fn template_placeholders_do_not_count() {
        let card = "---\nlicense: mit\n---\n# Model\n\n## Uses\n\n[More Information Needed]\n\n\
                    ## Bias, Risks, and Limitations\n\n<!-- describe -->\n[More Information Needed]\n\n\
                    ## Training Details\n\n### Training Data\n\n[More Information Needed]\n\n\
                    ## Evaluation\n\nF1 0.8 on the held-out split.\n";
        let f = analyze_card(card.as_bytes());
        assert_eq!(
            f.missing,
            [
                CardItem::IntendedUse,
                CardItem::Limitations,
                CardItem::TrainingData
            ]
        );
        assert_eq!(f.placeholders, 3);
    }

    #[test]
    fn bare_readme_and_licence_section() {
        let f = analyze_card(b"# tiny\n\nA tiny model.\n\n## License\n\nMIT\n");
        assert!(!f.front_matter);
        assert_eq!(
            f.missing,
            [
                CardItem::IntendedUse,
                CardItem::Limitations,
                CardItem::TrainingData,
                CardItem::Evaluation
            ]
        );
        // Setext headings and fenced code.
        let f = analyze_card(
            b"Limitations\n-----------\n\nOnly English text was seen in training.\n\n```\n# Evaluation\nnot a heading\n```\n",
        );
        assert!(f.present.contains(&CardItem::Limitations));
        assert!(!f.present.contains(&CardItem::Evaluation));
        // "metadata" is not "data".
        let f = analyze_card(b"## Metadata\n\nSome long description of metadata fields.\n");
        assert!(!f.present.contains(&CardItem::TrainingData));
    }

    #[test]
    fn garbage_never_panics() {
        for d in [
            &b""[..],
            b"---",
            b"---\n",
            b"---\nlicense:\n",
            b"#",
            b"\xff\xfe#\n==",
            b"a\n---\n",
        ] {
            let f = analyze_card(d);
            assert_eq!(f.present.len() + f.missing.len(), 5);
        }
        let big = vec![b'#'; MAX_CARD_BYTES + 10];
        assert!(analyze_card(&big).truncated);
    }

    #[test]
    fn directories() {
        let dir = std::env::temp_dir().join(format!("mlsecops-card-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let a = check_dir(&dir, DirKind::HuggingFace);
        assert_eq!(a.observations.first().map(|o| o.rule), Some(MISSING));
        std::fs::write(dir.join("README.md"), "# m\n\nshort\n").unwrap();
        let a = check_dir(&dir, DirKind::Mlflow);
        let o = a.observations.first().unwrap();
        assert_eq!(o.rule, INCOMPLETE);
        assert_eq!(
            o.evidence.get("missing").map(String::as_str),
            Some(
                "intended use, limitations/bias/risks, training data, evaluation/metrics, licence"
            )
        );
        std::fs::write(dir.join("README.md"), COMPLETE).unwrap();
        assert!(
            check_dir(&dir, DirKind::HuggingFace)
                .observations
                .is_empty()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn every_rule_is_registered() {
        for id in RULE_IDS {
            assert!(mlsecops_core::rule(id).is_some(), "{id}");
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod fixture_tests {
    use super::*;

    fn card(dir: &str) -> ModelCardFacts {
        let p = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/modelcard")
            .join(dir)
            .join("README.md");
        analyze_card(&std::fs::read(p).unwrap())
    }

    /// Cards written by `huggingface_hub`'s template (`gen_cards.py`).
    #[test]
    fn huggingface_hub_template_cards() {
        let f = card("hf_complete_card");
        assert!(f.missing.is_empty(), "{:?}", f.missing);
        assert!(
            f.placeholders > 0,
            "template leaves optional sections unfilled"
        );
        let f = card("hf_incomplete_card");
        assert_eq!(f.missing, CardItem::ALL);
        let f = card("mlflow_incomplete_card");
        assert_eq!(
            f.missing,
            [
                CardItem::Limitations,
                CardItem::TrainingData,
                CardItem::Evaluation
            ]
        );
    }
}
