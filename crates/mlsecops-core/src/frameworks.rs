//! Versioned compliance-framework data: the controls that rule mappings
//! ([`Compliance`](crate::Compliance)) refer to.
//!
//! Each framework is one TOML file under `crates/mlsecops-core/data/frameworks/`, embedded at
//! build time. Malformed data is a programming error caught by the tests below; at run time a
//! file that fails to parse is simply left out of [`frameworks`].

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::{RULES, Rule};

/// One control (article, subcategory, Annex A control, Top-10 item, technique, weakness).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    /// Id exactly as rule mappings write it (`Art. 15(5)`, `MEASURE 2.7`, `LLM03:2025`).
    pub id: String,
    /// Short title.
    pub title: String,
    /// What the control asks for, and what it means for mlsecops findings.
    pub description: String,
}

/// One documentation item a report marks as present or missing (EU AI Act Annex IV).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistItem {
    /// Stable kebab-case key (`intended-purpose`).
    pub id: String,
    /// Short title.
    pub title: String,
    /// Where the requirement comes from (`Annex IV 1(a)`).
    pub reference: String,
    /// What evidence satisfies it.
    pub description: String,
}

/// One framework at one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Framework {
    /// Stable id used on the command line (`eu-ai-act`, `owasp-llm`, `atlas`, `cwe`…).
    pub id: String,
    /// Full title.
    pub title: String,
    /// Version or edition (`2024/1689`, `1.0`, `2023`, `5.6.0`).
    pub version: String,
    /// Authoritative source.
    pub url: String,
    /// What this data file covers and what it leaves out.
    pub coverage: String,
    /// Controls, in the file's order.
    pub controls: Vec<Control>,
    /// Documentation checklist (empty for most frameworks).
    pub checklist: Vec<ChecklistItem>,
}

impl Framework {
    /// Looks a control up by id.
    pub fn control(&self, control_id: &str) -> Option<&Control> {
        self.controls.iter().find(|c| c.id == control_id)
    }

    /// The ids of `compliance` that belong to this framework.
    pub fn ids_in<'a>(&self, compliance: &'a crate::Compliance) -> &'a [&'static str] {
        mapped_ids(&self.id, compliance)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    id: String,
    title: String,
    version: String,
    url: String,
    coverage: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    framework: Header,
    #[serde(default)]
    control: Vec<Control>,
    #[serde(default)]
    checklist: Vec<ChecklistItem>,
}

/// Embedded data files, in report order: (file name, contents).
const SOURCES: &[(&str, &str)] = &[
    (
        "eu-ai-act.toml",
        include_str!("../data/frameworks/eu-ai-act.toml"),
    ),
    (
        "nist-ai-rmf.toml",
        include_str!("../data/frameworks/nist-ai-rmf.toml"),
    ),
    (
        "iso-42001.toml",
        include_str!("../data/frameworks/iso-42001.toml"),
    ),
    (
        "owasp-ml.toml",
        include_str!("../data/frameworks/owasp-ml.toml"),
    ),
    (
        "owasp-llm.toml",
        include_str!("../data/frameworks/owasp-llm.toml"),
    ),
    ("atlas.toml", include_str!("../data/frameworks/atlas.toml")),
    ("cwe.toml", include_str!("../data/frameworks/cwe.toml")),
];

fn parse(text: &str) -> Result<Framework, toml::de::Error> {
    let file: File = toml::from_str(text)?;
    Ok(Framework {
        id: file.framework.id,
        title: file.framework.title,
        version: file.framework.version,
        url: file.framework.url,
        coverage: file.framework.coverage,
        controls: file.control,
        checklist: file.checklist,
    })
}

static FRAMEWORKS: LazyLock<Vec<Framework>> = LazyLock::new(|| {
    SOURCES
        .iter()
        .filter_map(|(_, text)| parse(text).ok())
        .collect()
});

/// Every framework, in report order (EU AI Act, NIST AI RMF, ISO/IEC 42001, OWASP ML,
/// OWASP LLM, MITRE ATLAS, CWE).
pub fn frameworks() -> &'static [Framework] {
    &FRAMEWORKS
}

/// Looks a framework up by id (`eu-ai-act`, `nist-ai-rmf`, `iso-42001`, `owasp-ml`,
/// `owasp-llm`, `atlas`, `cwe`).
pub fn framework(framework_id: &str) -> Option<&'static Framework> {
    FRAMEWORKS.iter().find(|f| f.id == framework_id)
}

/// Looks a control up by framework id and control id.
pub fn control(framework_id: &str, control_id: &str) -> Option<&'static Control> {
    framework(framework_id)?.control(control_id)
}

/// The ids a rule's mapping lists for one framework (empty for an unknown framework).
pub fn mapped_ids<'a>(framework_id: &str, compliance: &'a crate::Compliance) -> &'a [&'static str] {
    match framework_id {
        "eu-ai-act" => compliance.eu_ai_act,
        "nist-ai-rmf" => compliance.nist_ai_rmf,
        "iso-42001" => compliance.iso_42001,
        "owasp-ml" => compliance.owasp_ml,
        "owasp-llm" => compliance.owasp_llm,
        "atlas" => compliance.atlas,
        "cwe" => compliance.cwe,
        _ => &[],
    }
}

/// Rules whose mapping names `control_id` of `framework_id`, in registry order.
pub fn rules_for(framework_id: &str, control_id: &str) -> Vec<&'static Rule> {
    RULES
        .iter()
        .filter(|r| mapped_ids(framework_id, &r.compliance).contains(&control_id))
        .collect()
}

/// Mapped ids that no framework file declares, as `framework: id (rule rule-id)`, sorted.
pub fn unknown_mapped_ids<'a>(rules: impl IntoIterator<Item = &'a Rule>) -> Vec<String> {
    let mut unknown = std::collections::BTreeSet::new();
    for rule in rules {
        for f in frameworks() {
            for id in f.ids_in(&rule.compliance) {
                if f.control(id).is_none() {
                    unknown.insert(format!("{}: {id} (rule {})", f.id, rule.id));
                }
            }
        }
    }
    unknown.into_iter().collect()
}

/// Renders `docs/compliance.md`: every framework with its version and source, each control
/// with what it means for mlsecops and the rules mapped to it, and the Annex IV checklist.
pub fn render_compliance_markdown() -> String {
    use std::fmt::Write as _;

    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut md = String::new();
    md.push_str(
        "<!-- Generated from crates/mlsecops-core/data/frameworks/*.toml and the rule registry; \
         regenerate with MLSECOPS_UPDATE_DOCS=1 cargo test -p mlsecops-core --test docs -->\n\n\
         # Compliance frameworks\n\n\
         Every rule in [rules.md](rules.md) carries compliance mappings. The controls they refer \
         to are versioned data in `crates/mlsecops-core/data/frameworks/`, one TOML file per \
         framework; a test fails when a rule names an id missing from its framework file. \
         Descriptions are mlsecops summaries, not the frameworks' own text: read the source \
         before quoting a control. A control with no rules is not assessed by scans (it may \
         still be evidenced by a BOM, signature, policy or model card in `mlsecops report`).\n\n\
         | Framework | Id | Version | Controls | Source |\n|---|---|---|---|---|\n",
    );
    for f in frameworks() {
        let _ = writeln!(
            md,
            "| [{}](#{}) | `{}` | {} | {} | <{}> |",
            cell(&f.title),
            f.id,
            f.id,
            cell(&f.version),
            f.controls.len(),
            f.url
        );
    }
    for f in frameworks() {
        let _ = write!(
            md,
            "\n<a id=\"{}\"></a>\n## {} — {}\n\nVersion `{}` · source <{}>\n\nCoverage: {}\n\n\
             | Control | Title | Meaning for mlsecops | Rules |\n|---|---|---|---|\n",
            f.id,
            f.id,
            cell(&f.title),
            f.version,
            f.url,
            cell(&f.coverage)
        );
        for c in &f.controls {
            let rules = rules_for(&f.id, &c.id);
            let rules = if rules.is_empty() {
                "—".to_owned()
            } else {
                rules
                    .iter()
                    .map(|r| format!("`{}`", r.id))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let _ = writeln!(
                md,
                "| `{}` | {} | {} | {} |",
                cell(&c.id),
                cell(&c.title),
                cell(&c.description),
                rules
            );
        }
        if !f.checklist.is_empty() {
            md.push_str(
                "\n### Documentation checklist\n\n\
                 | Item | Title | Reference | Evidence |\n|---|---|---|---|\n",
            );
            for item in &f.checklist {
                let _ = writeln!(
                    md,
                    "| `{}` | {} | {} | {} |",
                    item.id,
                    cell(&item.title),
                    cell(&item.reference),
                    cell(&item.description)
                );
            }
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    const IDS: [&str; 7] = [
        "eu-ai-act",
        "nist-ai-rmf",
        "iso-42001",
        "owasp-ml",
        "owasp-llm",
        "atlas",
        "cwe",
    ];

    #[test]
    fn every_data_file_parses() {
        for (name, text) in SOURCES {
            if let Err(e) = parse(text) {
                panic!("data/frameworks/{name}: {e}");
            }
        }
        let ids: Vec<&str> = frameworks().iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, IDS);
        for (name, _) in SOURCES {
            let stem = name.trim_end_matches(".toml");
            assert!(framework(stem).is_some(), "{name} declares another id");
        }
    }

    #[test]
    fn headers_complete_and_controls_unique() {
        for f in frameworks() {
            assert!(!f.title.trim().is_empty(), "{}: no title", f.id);
            assert!(!f.version.trim().is_empty(), "{}: no version", f.id);
            assert!(f.url.starts_with("https://"), "{}: url", f.id);
            assert!(!f.coverage.trim().is_empty(), "{}: no coverage note", f.id);
            assert!(!f.controls.is_empty(), "{}: no controls", f.id);
            let mut seen = BTreeSet::new();
            for c in &f.controls {
                assert!(seen.insert(c.id.as_str()), "{}: duplicate {}", f.id, c.id);
                assert!(
                    c.id.trim() == c.id && !c.id.is_empty(),
                    "{}: id {:?}",
                    f.id,
                    c.id
                );
                assert!(!c.title.trim().is_empty(), "{} {}: no title", f.id, c.id);
                assert!(
                    !c.description.trim().is_empty(),
                    "{} {}: no description",
                    f.id,
                    c.id
                );
            }
            let mut seen = BTreeSet::new();
            for item in &f.checklist {
                assert!(
                    seen.insert(item.id.as_str()),
                    "{}: duplicate {}",
                    f.id,
                    item.id
                );
                assert!(!item.title.is_empty() && !item.description.is_empty());
            }
        }
    }

    #[test]
    fn versions_match_the_registry() {
        let version = |id: &str| framework(id).map(|f| f.version.as_str());
        assert_eq!(version("eu-ai-act"), Some("2024/1689"));
        assert_eq!(version("nist-ai-rmf"), Some("1.0"));
        assert_eq!(version("iso-42001"), Some("2023"));
        assert_eq!(version("owasp-ml"), Some("2023-draft"));
        assert_eq!(version("owasp-llm"), Some("2025"));
        // rules/mod.rs documents ATLAS ids against v5.6.0.
        assert_eq!(version("atlas"), Some("5.6.0"));
    }

    #[test]
    fn edition_suffixes_match_the_version() {
        for c in &framework("owasp-ml").expect("owasp-ml").controls {
            assert!(c.id.ends_with(":2023"), "{}", c.id);
        }
        for c in &framework("owasp-llm").expect("owasp-llm").controls {
            assert!(c.id.ends_with(":2025"), "{}", c.id);
        }
        for c in &framework("atlas").expect("atlas").controls {
            assert!(
                c.id.starts_with("AML.T") || c.id.starts_with("AML.M"),
                "{}",
                c.id
            );
        }
    }

    #[test]
    fn every_mapped_id_exists_in_its_framework() {
        let unknown = unknown_mapped_ids(RULES.iter());
        assert!(
            unknown.is_empty(),
            "ids missing from data/frameworks:\n  {}",
            unknown.join("\n  ")
        );
    }

    #[test]
    fn unknown_ids_are_reported() {
        let mut rule = RULES[0];
        rule.compliance.owasp_llm = &["LLM11:2025", "LLM03:2025"];
        rule.compliance.eu_ai_act = &["Art. 15(9)"];
        assert_eq!(
            unknown_mapped_ids([&rule]),
            [
                format!("eu-ai-act: Art. 15(9) (rule {})", rule.id),
                format!("owasp-llm: LLM11:2025 (rule {})", rule.id),
            ]
        );
    }

    #[test]
    fn every_rule_maps_to_a_framework_control() {
        for rule in RULES.iter() {
            let n: usize = frameworks()
                .iter()
                .filter(|f| f.id != "cwe")
                .map(|f| f.ids_in(&rule.compliance).len())
                .sum();
            assert!(n > 0, "{} maps to no framework", rule.id);
        }
    }

    #[test]
    fn lookups() {
        let c = control("eu-ai-act", "Art. 15(5)").expect("Art. 15(5)");
        assert!(!c.title.is_empty());
        assert!(control("eu-ai-act", "Art. 999").is_none());
        assert!(control("no-such-framework", "Art. 15(5)").is_none());
        let rules = rules_for("owasp-ml", "ML06:2023");
        assert!(!rules.is_empty());
        assert!(
            rules
                .iter()
                .all(|r| r.compliance.owasp_ml.contains(&"ML06:2023"))
        );
        assert!(rules_for("owasp-ml", "ML99:2023").is_empty());
        assert!(rules_for("nope", "ML06:2023").is_empty());
    }

    #[test]
    fn eu_ai_act_has_the_annex_iv_checklist() {
        let f = framework("eu-ai-act").expect("eu-ai-act");
        let keys: BTreeSet<&str> = f.checklist.iter().map(|c| c.id.as_str()).collect();
        for key in [
            "intended-purpose",
            "data-governance",
            "risk-management",
            "accuracy-robustness",
            "logging",
        ] {
            assert!(keys.contains(key), "checklist lacks {key}");
        }
    }
}
