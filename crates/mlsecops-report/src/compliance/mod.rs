//! Compliance reports (`mlsecops report`): scan reports, BOMs, signatures and attestations
//! mapped onto the controls of a framework (EU AI Act, NIST AI RMF, ISO/IEC 42001, OWASP ML
//! and LLM Top 10, MITRE ATLAS), with the EU AI Act Annex IV documentation checklist.
//!
//! Every control gets one status:
//! - **gap**: a finding of a rule mapped to the control that no active waiver covers, or a
//!   policy deny that speaks to it;
//! - **conformity** (evidence of conformity): the mapped rules ran over fully analysed files
//!   and found nothing that is not waived, or an artifact the control asks for (signature,
//!   BOM, model card, scan attestation, policy results, waivers) is among the inputs;
//! - **not assessed**: nothing in the inputs speaks to it.
//!
//! [`build`] assembles the [`ComplianceReport`] (its serde form is the stable JSON schema);
//! [`render_markdown`], [`render_html`] and [`render_json`] render it.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use mlsecops_core::frameworks::{self, Framework};
use mlsecops_core::{
    AppliedWaiver, Finding, PolicyLevel, PolicyMessage, ScanReport, Severity, WaiverEntry,
};
use serde::Serialize;

mod html;
mod inputs;
mod markdown;

pub use html::render_html;
pub use inputs::{
    BomComponent, BomFacts, CardFacts, Content, Input, InputKind, Statement, Subject,
};
pub use markdown::render_markdown;

/// Version of the compliance report JSON schema.
pub const SCHEMA_VERSION: u32 = 1;

/// Most findings listed as evidence under one control; the rest are counted.
pub const MAX_FINDINGS_PER_CONTROL: usize = 50;

/// Frameworks `mlsecops report` accepts (`cwe` is a weakness list, not a framework to
/// assess against).
pub const FRAMEWORK_IDS: [&str; 6] = [
    "eu-ai-act",
    "nist-ai-rmf",
    "iso-42001",
    "owasp-ml",
    "owasp-llm",
    "atlas",
];

/// Errors building a compliance report.
#[derive(Debug, thiserror::Error)]
pub enum ComplianceError {
    /// An input is not a document mlsecops writes.
    #[error("{name}: unrecognised input: {why}")]
    UnknownInput {
        /// The input's name.
        name: String,
        /// What is wrong with it.
        why: String,
    },
    /// A framework id that has no data.
    #[error("unknown framework `{0}` (known: {known})", known = FRAMEWORK_IDS.join(", "))]
    UnknownFramework(String),
}

/// Status of one control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ControlStatus {
    /// Something in the inputs fails the control.
    Gap,
    /// The inputs hold evidence of conformity.
    Conformity,
    /// Nothing in the inputs speaks to the control.
    NotAssessed,
}

impl ControlStatus {
    /// Human label.
    pub fn label(self) -> &'static str {
        match self {
            ControlStatus::Gap => "gap",
            ControlStatus::Conformity => "evidence of conformity",
            ControlStatus::NotAssessed => "not assessed",
        }
    }

    /// Stable key (`gap`, `conformity`, `not-assessed`).
    pub fn key(self) -> &'static str {
        match self {
            ControlStatus::Gap => "gap",
            ControlStatus::Conformity => "conformity",
            ControlStatus::NotAssessed => "not-assessed",
        }
    }
}

/// One piece of evidence under a control.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Evidence {
    /// A finding of a mapped rule.
    Finding {
        /// Input it came from.
        input: String,
        /// Rule id.
        rule: String,
        /// Severity.
        severity: Severity,
        /// Message.
        message: String,
        /// Location (`path!/member @ offset`).
        location: String,
        /// The waiver covering it, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        waiver: Option<AppliedWaiver>,
    },
    /// Mapped rules ran over a scan.
    Scan {
        /// Input.
        input: String,
        /// Fully analysed files.
        complete: usize,
        /// Files not fully analysed (inconclusive, error, unsupported).
        incomplete: usize,
        /// Ruleset version of the scan.
        ruleset: String,
    },
    /// A BOM.
    Bom {
        /// Input.
        input: String,
        /// Model components.
        models: Vec<String>,
        /// Library / framework components (`name version`).
        libraries: Vec<String>,
        /// Datasets.
        datasets: Vec<String>,
        /// Whether model-card facts are present.
        model_card: bool,
    },
    /// A signature bundle (not verified here).
    Signature {
        /// Input.
        input: String,
        /// Signed subjects.
        subjects: Vec<Subject>,
        /// Files covered.
        files: usize,
    },
    /// A scan attestation (not verified here).
    Attestation {
        /// Input.
        input: String,
        /// Attested subjects.
        subjects: Vec<Subject>,
        /// Files covered.
        files: usize,
        /// Findings it records.
        #[serde(skip_serializing_if = "Option::is_none")]
        findings: Option<u64>,
    },
    /// A waiver (accepted risk).
    Waiver {
        /// Input.
        input: String,
        /// The waiver and what it did.
        waiver: WaiverEntry,
    },
    /// The policy gate ran and produced no message.
    PolicyPass {
        /// Input.
        input: String,
        /// Policy sources evaluated.
        sources: Vec<String>,
    },
    /// A policy-gate result.
    Policy {
        /// Input.
        input: String,
        /// The message.
        result: PolicyMessage,
    },
}

/// One control with its status and evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ControlResult {
    /// Control id (`Art. 15(5)`).
    pub id: String,
    /// Title.
    pub title: String,
    /// What it asks for.
    pub description: String,
    /// Status.
    pub status: ControlStatus,
    /// Why that status.
    pub reason: String,
    /// Rules mapped to it.
    pub rules: Vec<String>,
    /// Evidence, findings first.
    pub evidence: Vec<Evidence>,
    /// Findings left out of `evidence` (over [`MAX_FINDINGS_PER_CONTROL`]).
    pub omitted_findings: usize,
}

/// Whether a checklist item is documented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemStatus {
    /// Documented by the inputs.
    Present,
    /// Not documented by the inputs.
    Missing,
}

/// One documentation checklist item (EU AI Act Annex IV).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChecklistResult {
    /// Item key.
    pub id: String,
    /// Title.
    pub title: String,
    /// Legal reference.
    pub reference: String,
    /// What satisfies it.
    pub description: String,
    /// Present or missing.
    pub status: ItemStatus,
    /// What documents it (or why it is missing).
    pub evidence: Vec<String>,
}

/// Status counts of one framework.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StatusCounts {
    /// Controls.
    pub controls: usize,
    /// Gaps.
    pub gap: usize,
    /// Evidence of conformity.
    pub conformity: usize,
    /// Not assessed.
    pub not_assessed: usize,
    /// Checklist items present.
    pub checklist_present: usize,
    /// Checklist items missing.
    pub checklist_missing: usize,
}

/// The assessment against one framework.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrameworkReport {
    /// Framework id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Version / edition of the data.
    pub version: String,
    /// Source.
    pub url: String,
    /// What the data covers.
    pub coverage: String,
    /// Counts.
    pub summary: StatusCounts,
    /// Every control, in the data's order.
    pub controls: Vec<ControlResult>,
    /// Documentation checklist (EU AI Act only).
    pub checklist: Vec<ChecklistResult>,
}

/// One input as listed in the report header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputSummary {
    /// Name as given.
    pub name: String,
    /// Kind.
    pub kind: InputKind,
    /// One-line description.
    pub description: String,
}

/// Tool that produced the compliance report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportTool {
    /// `mlsecops`.
    pub name: String,
    /// Version.
    pub version: String,
    /// Ruleset of this binary.
    pub ruleset: String,
}

/// A compliance report: the stable JSON schema of `mlsecops report --format json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComplianceReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Date of the report (`YYYY-MM-DD`).
    pub date: String,
    /// Producing tool.
    pub tool: ReportTool,
    /// Rulesets (and tool versions) of the scan reports among the inputs.
    pub scan_tools: Vec<String>,
    /// Inputs.
    pub inputs: Vec<InputSummary>,
    /// One assessment per framework.
    pub frameworks: Vec<FrameworkReport>,
}

/// Kinds of artifact a control can be evidenced by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Artifact {
    Signature,
    Bom,
    ModelCard,
    Attestation,
    Scan,
    Policy,
    Waivers,
}

/// Which artifacts speak to a control (beyond the rules mapped to it). Ids must exist in the
/// framework data (tested).
const ARTIFACTS: &[(&str, &str, &[Artifact])] = {
    use Artifact::{Attestation, Bom, ModelCard, Policy, Scan, Signature, Waivers};
    &[
        ("eu-ai-act", "Art. 9", &[Policy, Waivers]),
        ("eu-ai-act", "Art. 11", &[ModelCard]),
        ("eu-ai-act", "Art. 13(3)", &[ModelCard]),
        ("eu-ai-act", "Art. 15(5)", &[Signature, Scan]),
        ("eu-ai-act", "Annex IV 1(a)", &[ModelCard]),
        ("eu-ai-act", "Annex IV 1(c)", &[Bom]),
        ("eu-ai-act", "Annex IV 2(a)", &[Bom, Signature]),
        ("eu-ai-act", "Annex IV 2(g)", &[Attestation]),
        (
            "eu-ai-act",
            "Annex IV 2(h)",
            &[Scan, Signature, Attestation],
        ),
        ("eu-ai-act", "Annex IV 5", &[Policy, Waivers]),
        ("nist-ai-rmf", "GOVERN 1.6", &[Bom]),
        ("nist-ai-rmf", "GOVERN 4.2", &[Waivers, ModelCard]),
        ("nist-ai-rmf", "GOVERN 6.1", &[Policy, Signature]),
        ("nist-ai-rmf", "MAP 2.2", &[ModelCard]),
        ("nist-ai-rmf", "MAP 4.1", &[Bom]),
        ("nist-ai-rmf", "MEASURE 2.1", &[Attestation]),
        ("nist-ai-rmf", "MEASURE 2.7", &[Scan, Signature]),
        ("nist-ai-rmf", "MEASURE 2.9", &[ModelCard]),
        ("nist-ai-rmf", "MANAGE 1.3", &[Policy, Waivers]),
        ("nist-ai-rmf", "MANAGE 3.1", &[Bom]),
        ("nist-ai-rmf", "MANAGE 3.2", &[Signature, Scan]),
        ("iso-42001", "A.6.2.3", &[ModelCard]),
        ("iso-42001", "A.6.2.4", &[Scan, Attestation]),
        ("iso-42001", "A.6.2.5", &[Signature]),
        ("iso-42001", "A.6.2.7", &[ModelCard, Bom]),
        ("iso-42001", "A.8.2", &[ModelCard]),
        ("iso-42001", "A.10.3", &[Bom, Signature]),
        ("owasp-ml", "ML06:2023", &[Signature, Bom]),
        ("owasp-ml", "ML10:2023", &[Signature]),
        ("owasp-llm", "LLM03:2025", &[Signature, Bom]),
        ("atlas", "AML.M0008", &[Scan, Attestation]),
        ("atlas", "AML.M0013", &[Signature]),
        ("atlas", "AML.M0014", &[Signature]),
        ("atlas", "AML.M0016", &[Scan]),
        ("atlas", "AML.M0023", &[Bom]),
    ]
};

fn artifacts_for(framework: &str, control: &str) -> &'static [Artifact] {
    ARTIFACTS
        .iter()
        .find(|(f, c, _)| *f == framework && *c == control)
        .map_or(&[], |(_, _, kinds)| kinds)
}

/// Resolves `--framework` values: known ids, or `all` for every assessable framework.
/// Duplicates are dropped; order follows the arguments.
pub fn resolve_frameworks(ids: &[String]) -> Result<Vec<&'static Framework>, ComplianceError> {
    let mut out: Vec<&'static Framework> = Vec::new();
    for id in ids {
        let wanted: Vec<&str> = if id == "all" {
            FRAMEWORK_IDS.to_vec()
        } else if FRAMEWORK_IDS.contains(&id.as_str()) {
            vec![id.as_str()]
        } else {
            return Err(ComplianceError::UnknownFramework(id.clone()));
        };
        for w in wanted {
            let framework = frameworks::framework(w)
                .ok_or_else(|| ComplianceError::UnknownFramework(w.to_owned()))?;
            if !out.iter().any(|f| f.id == framework.id) {
                out.push(framework);
            }
        }
    }
    Ok(out)
}

/// Assesses `inputs` against `frameworks`. `tool_version` is the producing binary's version
/// and `date` the report date (`YYYY-MM-DD`).
pub fn build(
    frameworks: &[&Framework],
    inputs: &[Input],
    tool_version: &str,
    date: &str,
) -> ComplianceReport {
    let mut scan_tools = BTreeSet::new();
    for input in inputs {
        if let Content::Scan(scan) = &input.content {
            scan_tools.insert(format!(
                "{} {} (ruleset {})",
                scan.tool.name, scan.tool.version, scan.tool.ruleset
            ));
        }
    }
    ComplianceReport {
        schema_version: SCHEMA_VERSION,
        date: date.to_owned(),
        tool: ReportTool {
            name: "mlsecops".to_owned(),
            version: tool_version.to_owned(),
            ruleset: mlsecops_core::RULESET_VERSION.to_owned(),
        },
        scan_tools: scan_tools.into_iter().collect(),
        inputs: inputs.iter().map(describe).collect(),
        frameworks: frameworks.iter().map(|f| assess(f, inputs)).collect(),
    }
}

fn describe(input: &Input) -> InputSummary {
    let description = match &input.content {
        Content::Scan(scan) => {
            let incomplete = scan
                .files
                .iter()
                .filter(|f| f.status.is_incomplete())
                .count();
            format!(
                "{} files ({} not fully analysed), {} findings ({} waived), exit code {}",
                scan.summary.files,
                incomplete,
                scan.summary.findings,
                scan.summary.waived,
                scan.summary.exit_code
            )
        }
        Content::Bom(bom) => format!(
            "{} components ({} models, {} libraries, {} datasets)",
            bom.components.len(),
            bom.components.iter().filter(|c| c.kind == "model").count(),
            bom.components
                .iter()
                .filter(|c| c.kind == "library")
                .count(),
            bom.components.iter().filter(|c| c.kind == "data").count(),
        ),
        Content::Statement(s) => format!(
            "{} subject(s) {}, {} file(s), {} signature(s) (not verified by this report)",
            s.subjects.len(),
            s.subjects
                .iter()
                .map(|x| x.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            s.files,
            s.signatures
        ),
    };
    InputSummary {
        name: input.name.clone(),
        kind: input.kind,
        description,
    }
}

fn scans(inputs: &[Input]) -> impl Iterator<Item = (&Input, &ScanReport)> {
    inputs.iter().filter_map(|i| match &i.content {
        Content::Scan(s) => Some((i, s.as_ref())),
        _ => None,
    })
}

fn finding_evidence(input: &Input, finding: &Finding) -> Evidence {
    Evidence::Finding {
        input: input.name.clone(),
        rule: finding.rule.clone(),
        severity: finding.severity,
        message: finding.message.clone(),
        location: finding.location.display(),
        waiver: finding.waiver.clone(),
    }
}

fn artifact_evidence(kind: Artifact, input: &Input) -> Option<Evidence> {
    let name = input.name.clone();
    match (&input.content, kind) {
        (Content::Bom(bom), Artifact::Bom) => Some(bom_evidence(name, bom)),
        (Content::Bom(bom), Artifact::ModelCard) if has_card(&bom.card) => {
            Some(bom_evidence(name, bom))
        }
        (Content::Statement(s), Artifact::Signature) if input.kind == InputKind::Signature => {
            Some(Evidence::Signature {
                input: name,
                subjects: s.subjects.clone(),
                files: s.files,
            })
        }
        (Content::Statement(s), Artifact::Attestation)
            if input.kind == InputKind::ScanAttestation =>
        {
            Some(Evidence::Attestation {
                input: name,
                subjects: s.subjects.clone(),
                files: s.files,
                findings: s.findings,
            })
        }
        (Content::Scan(scan), Artifact::Scan) => Some(scan_evidence(name, scan)),
        _ => None,
    }
}

fn scan_evidence(input: String, scan: &ScanReport) -> Evidence {
    Evidence::Scan {
        input,
        complete: scan
            .files
            .iter()
            .filter(|f| f.status == mlsecops_core::FileStatus::Complete)
            .count(),
        incomplete: scan
            .files
            .iter()
            .filter(|f| f.status.is_incomplete())
            .count(),
        ruleset: scan.tool.ruleset.clone(),
    }
}

fn has_card(card: &CardFacts) -> bool {
    !(card.use_cases.is_empty()
        && card.limitations.is_empty()
        && card.metrics.is_empty()
        && card.architecture.is_empty()
        && card.tasks.is_empty()
        && card.datasets.is_empty())
}

fn bom_evidence(input: String, bom: &BomFacts) -> Evidence {
    let names = |kind: &str| -> Vec<String> {
        bom.components
            .iter()
            .filter(|c| c.kind == kind)
            .map(|c| match &c.version {
                Some(v) => format!("{} {v}", c.name),
                None => c.name.clone(),
            })
            .collect()
    };
    Evidence::Bom {
        input,
        models: names("model"),
        libraries: names("library"),
        datasets: bom.card.datasets.clone(),
        model_card: has_card(&bom.card),
    }
}

fn assess(framework: &Framework, inputs: &[Input]) -> FrameworkReport {
    let controls: Vec<ControlResult> = framework
        .controls
        .iter()
        .map(|control| {
            let rules: Vec<String> = frameworks::rules_for(&framework.id, &control.id)
                .iter()
                .map(|r| r.id.to_owned())
                .collect();
            assess_control(
                &framework.id,
                &control.id,
                &control.title,
                &control.description,
                rules,
                inputs,
            )
        })
        .collect();
    let checklist: Vec<ChecklistResult> = framework
        .checklist
        .iter()
        .map(|item| {
            let (present, evidence) = checklist_item(&item.id, inputs);
            ChecklistResult {
                id: item.id.clone(),
                title: item.title.clone(),
                reference: item.reference.clone(),
                description: item.description.clone(),
                status: if present {
                    ItemStatus::Present
                } else {
                    ItemStatus::Missing
                },
                evidence,
            }
        })
        .collect();
    let count = |s: ControlStatus| controls.iter().filter(|c| c.status == s).count();
    let summary = StatusCounts {
        controls: controls.len(),
        gap: count(ControlStatus::Gap),
        conformity: count(ControlStatus::Conformity),
        not_assessed: count(ControlStatus::NotAssessed),
        checklist_present: checklist
            .iter()
            .filter(|c| c.status == ItemStatus::Present)
            .count(),
        checklist_missing: checklist
            .iter()
            .filter(|c| c.status == ItemStatus::Missing)
            .count(),
    };
    FrameworkReport {
        id: framework.id.clone(),
        title: framework.title.clone(),
        version: framework.version.clone(),
        url: framework.url.clone(),
        coverage: framework.coverage.clone(),
        summary,
        controls,
        checklist,
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[allow(clippy::too_many_lines)]
fn assess_control(
    framework: &str,
    id: &str,
    title: &str,
    description: &str,
    rules: Vec<String>,
    inputs: &[Input],
) -> ControlResult {
    let kinds = artifacts_for(framework, id);
    let mapped = |rule: &str| rules.iter().any(|r| r == rule);
    let mut findings = Vec::new();
    let mut waived = Vec::new();
    let mut unwaived = 0usize;
    let mut waiver_evidence = Vec::new();
    let mut policy_evidence = Vec::new();
    let mut denies = 0usize;
    let (mut complete, mut incomplete, mut scanned) = (0usize, 0usize, 0usize);
    for (input, scan) in scans(inputs) {
        scanned += 1;
        for file in &scan.files {
            if file.status == mlsecops_core::FileStatus::Complete {
                complete += 1;
            } else if file.status.is_incomplete() {
                incomplete += 1;
            }
            for finding in file.findings.iter().filter(|f| mapped(&f.rule)) {
                if finding.is_waived() {
                    waived.push(finding_evidence(input, finding));
                } else {
                    unwaived += 1;
                    findings.push(finding_evidence(input, finding));
                }
            }
        }
        if let Some(report) = &scan.waivers {
            let wants_all = kinds.contains(&Artifact::Waivers);
            for entry in &report.entries {
                let applies = if entry.rule == "*" {
                    !rules.is_empty() && entry.matched > 0
                } else {
                    mapped(&entry.rule)
                };
                if wants_all || applies {
                    waiver_evidence.push(Evidence::Waiver {
                        input: input.name.clone(),
                        waiver: entry.clone(),
                    });
                }
            }
        }
        if let Some(policy) = &scan.policy {
            let wants_all = kinds.contains(&Artifact::Policy);
            for msg in &policy.results {
                let about_rule = msg
                    .details
                    .as_ref()
                    .and_then(|d| d.get("rule_id"))
                    .and_then(serde_json::Value::as_str)
                    .is_some_and(mapped);
                if wants_all || about_rule {
                    if msg.level == PolicyLevel::Deny {
                        denies += 1;
                    }
                    policy_evidence.push(Evidence::Policy {
                        input: input.name.clone(),
                        result: msg.clone(),
                    });
                }
            }
            if wants_all && policy.results.is_empty() {
                policy_evidence.push(Evidence::PolicyPass {
                    input: input.name.clone(),
                    sources: policy.sources.clone(),
                });
            }
        }
    }
    let mut artifacts = Vec::new();
    for kind in kinds {
        for input in inputs {
            if let Some(e) = artifact_evidence(*kind, input)
                && !artifacts.contains(&e)
            {
                artifacts.push(e);
            }
        }
    }
    let has_rule_scan = !rules.is_empty() && scanned > 0;
    let supported = !artifacts.is_empty()
        || !policy_evidence.is_empty()
        || (kinds.contains(&Artifact::Waivers) && !waiver_evidence.is_empty());
    let mut present: Vec<&str> = Vec::new();
    for a in artifacts
        .iter()
        .chain(&policy_evidence)
        .chain(&waiver_evidence)
    {
        let label = match a {
            Evidence::Bom {
                model_card: true, ..
            } if kinds.contains(&Artifact::ModelCard) => "model card",
            Evidence::Bom { .. } => "BOM",
            Evidence::Signature { .. } => "model signature",
            Evidence::Attestation { .. } => "scan attestation",
            Evidence::Scan { .. } => "security scan",
            Evidence::Policy { .. } | Evidence::PolicyPass { .. } => "policy gate results",
            Evidence::Waiver { .. } => "documented waivers",
            Evidence::Finding { .. } => "findings",
        };
        if !present.contains(&label) {
            present.push(label);
        }
    }
    if has_rule_scan && !kinds.contains(&Artifact::Scan) {
        for (input, scan) in scans(inputs) {
            artifacts.push(scan_evidence(input.name.clone(), scan));
        }
    }

    let rule_coverage = format!(
        "{} mapped ran over {}",
        plural(rules.len(), "rule", "rules"),
        plural(complete, "fully analysed file", "fully analysed files")
    );
    let (status, reason) = if unwaived > 0 || denies > 0 {
        let mut why = Vec::new();
        if unwaived > 0 {
            why.push(format!(
                "{} of mapped rules not covered by a waiver",
                plural(unwaived, "finding", "findings")
            ));
        }
        if denies > 0 {
            why.push(format!(
                "{} from the policy gate",
                plural(denies, "deny", "denies")
            ));
        }
        (ControlStatus::Gap, why.join("; "))
    } else if has_rule_scan && complete > 0 && incomplete == 0 {
        let mut why = format!("{rule_coverage} and found nothing");
        if !waived.is_empty() {
            let _ = write!(
                why,
                " that is not waived ({} accepted by waiver)",
                plural(waived.len(), "finding", "findings")
            );
        }
        if !present.is_empty() {
            let _ = write!(why, "; {} present", present.join(", "));
        }
        (ControlStatus::Conformity, why)
    } else if supported {
        let mut why = format!("{} present", present.join(", "));
        if has_rule_scan && incomplete > 0 {
            let _ = write!(
                why,
                "; {} not fully analysed, so the mapped rules are not conclusive",
                plural(incomplete, "file", "files")
            );
        }
        (ControlStatus::Conformity, why)
    } else if rules.is_empty() {
        (
            ControlStatus::NotAssessed,
            "no mlsecops rule maps to this control and no input documents it".to_owned(),
        )
    } else if scanned == 0 {
        (
            ControlStatus::NotAssessed,
            format!(
                "{} but no scan report is among the inputs",
                plural(rules.len(), "rule maps here", "rules map here")
            ),
        )
    } else {
        (
            ControlStatus::NotAssessed,
            format!(
                "{rule_coverage}; {} not fully analysed, so the absence of findings proves nothing",
                plural(incomplete, "file", "files")
            ),
        )
    };

    let omitted = (findings.len() + waived.len()).saturating_sub(MAX_FINDINGS_PER_CONTROL);
    let mut evidence: Vec<Evidence> = findings
        .into_iter()
        .chain(waived)
        .take(MAX_FINDINGS_PER_CONTROL)
        .collect();
    evidence.extend(policy_evidence);
    evidence.extend(waiver_evidence);
    evidence.extend(artifacts);
    ControlResult {
        id: id.to_owned(),
        title: title.to_owned(),
        description: description.to_owned(),
        status,
        reason,
        rules,
        evidence,
        omitted_findings: omitted,
    }
}

/// Marks one Annex IV checklist item from the inputs: (present, evidence or reason).
fn checklist_item(id: &str, inputs: &[Input]) -> (bool, Vec<String>) {
    let boms: Vec<(&str, &BomFacts)> = inputs
        .iter()
        .filter_map(|i| match &i.content {
            Content::Bom(b) => Some((i.name.as_str(), b)),
            _ => None,
        })
        .collect();
    let from_card = |pick: &dyn Fn(&CardFacts) -> &Vec<String>, what: &str| {
        let mut evidence = Vec::new();
        for (name, bom) in &boms {
            let items = pick(&bom.card);
            if !items.is_empty() {
                evidence.push(format!("{name}: {what}: {}", clip_list(items)));
            }
        }
        evidence
    };
    let of_kind = |kind: InputKind| -> Vec<String> {
        inputs
            .iter()
            .filter(|i| i.kind == kind)
            .map(|i| format!("{}: {}", i.name, kind.label()))
            .collect()
    };
    let evidence: Vec<String> = match id {
        "intended-purpose" => from_card(&|c| &c.use_cases, "intended uses"),
        "software-versions" => boms
            .iter()
            .filter_map(|(name, bom)| {
                let libs: Vec<String> = bom
                    .components
                    .iter()
                    .filter(|c| c.kind == "library" && c.version.is_some())
                    .map(|c| format!("{} {}", c.name, c.version.as_deref().unwrap_or_default()))
                    .collect();
                (!libs.is_empty()).then(|| format!("{name}: libraries: {}", clip_list(&libs)))
            })
            .collect(),
        "third-party-components" => {
            let mut e: Vec<String> = boms
                .iter()
                .filter_map(|(name, bom)| {
                    let models: Vec<String> = bom
                        .components
                        .iter()
                        .filter(|c| c.kind == "model" && c.hashed)
                        .map(|c| {
                            if c.ancestors.is_empty() {
                                c.name.clone()
                            } else {
                                format!("{} (base: {})", c.name, c.ancestors.join(", "))
                            }
                        })
                        .collect();
                    (!models.is_empty())
                        .then(|| format!("{name}: hashed model components: {}", clip_list(&models)))
                })
                .collect();
            e.extend(of_kind(InputKind::Signature));
            e
        }
        "design-architecture" => from_card(&|c| &c.architecture, "architecture"),
        "data-governance" => from_card(&|c| &c.datasets, "datasets"),
        "accuracy-robustness" => from_card(&|c| &c.metrics, "metrics"),
        "limitations" => from_card(&|c| &c.limitations, "limitations"),
        "cybersecurity" => {
            let mut e = of_kind(InputKind::ScanReport);
            e.extend(of_kind(InputKind::ScanAttestation));
            e.extend(of_kind(InputKind::Signature));
            e
        }
        "risk-management" => scans(inputs)
            .flat_map(|(input, scan)| {
                let mut e = Vec::new();
                if let Some(w) = &scan.waivers
                    && !w.entries.is_empty()
                {
                    e.push(format!(
                        "{}: {} with reasons and owners",
                        input.name,
                        plural(w.entries.len(), "waiver", "waivers")
                    ));
                }
                if let Some(p) = &scan.policy {
                    e.push(format!(
                        "{}: policy gate ({}): {}, {}",
                        input.name,
                        p.sources.join(", "),
                        plural(p.count(PolicyLevel::Deny), "deny", "denies"),
                        plural(p.count(PolicyLevel::Warn), "warning", "warnings")
                    ));
                }
                e
            })
            .collect(),
        "lifecycle-changes" => boms
            .iter()
            .filter_map(|(name, bom)| {
                let versioned: Vec<String> = bom
                    .components
                    .iter()
                    .filter(|c| c.kind == "model" && c.version.is_some())
                    .map(|c| format!("{} {}", c.name, c.version.as_deref().unwrap_or_default()))
                    .collect();
                (!versioned.is_empty())
                    .then(|| format!("{name}: versioned models: {}", clip_list(&versioned)))
            })
            .collect(),
        _ => Vec::new(),
    };
    if evidence.is_empty() {
        let why = match id {
            "human-oversight" | "logging" | "standards-applied" | "post-market-monitoring" => {
                "not documented by any mlsecops input; document it separately"
            }
            _ if boms.is_empty() => "no BOM or model card among the inputs",
            _ => "the inputs do not document it",
        };
        (false, vec![why.to_owned()])
    } else {
        (true, evidence)
    }
}

/// At most 10 items joined with `, `, then `(+N more)`.
fn clip_list(items: &[String]) -> String {
    let mut out = items
        .iter()
        .take(10)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > 10 {
        let _ = write!(out, " (+{} more)", items.len() - 10);
    }
    out
}

/// The report as pretty-printed JSON with a trailing newline (the stable schema).
pub fn render_json(report: &ComplianceReport) -> String {
    let mut out = serde_json::to_string_pretty(report)
        .expect("ComplianceReport serialises: all map keys are strings");
    out.push('\n');
    out
}

/// One-line text of an evidence item (shared by the Markdown and HTML renderers).
pub(crate) fn evidence_line(e: &Evidence) -> String {
    let subjects = |s: &[Subject]| {
        s.iter()
            .map(|x| format!("{} ({})", x.name, x.digest))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match e {
        Evidence::Finding {
            input,
            rule,
            severity,
            message,
            location,
            waiver,
        } => {
            let mut line = format!("{severity} {rule} at {location}: {message} [{input}]");
            if let Some(w) = waiver {
                let _ = write!(
                    line,
                    " — waived: {} (owner {}, expires {}; {})",
                    w.reason, w.owner, w.expires, w.id
                );
            }
            line
        }
        Evidence::Scan {
            input,
            complete,
            incomplete,
            ruleset,
        } => format!(
            "security scan: {complete} fully analysed, {incomplete} not fully analysed (ruleset {ruleset}) [{input}]"
        ),
        Evidence::PolicyPass { input, sources } => format!(
            "policy gate ran ({}) with no deny or warning [{input}]",
            sources.join(", ")
        ),
        Evidence::Bom {
            input,
            models,
            libraries,
            datasets,
            model_card,
        } => format!(
            "BOM: models {}; libraries {}; datasets {}; model card {} [{input}]",
            or_none(models),
            or_none(libraries),
            or_none(datasets),
            if *model_card { "present" } else { "absent" }
        ),
        Evidence::Signature {
            input,
            subjects: s,
            files,
        } => format!(
            "model signature over {} ({files} files; verify with `mlsecops verify`) [{input}]",
            subjects(s)
        ),
        Evidence::Attestation {
            input,
            subjects: s,
            files,
            findings,
        } => format!(
            "signed scan attestation of {} ({files} files, {} findings) [{input}]",
            subjects(s),
            findings.map_or_else(|| "?".to_owned(), |n| n.to_string())
        ),
        Evidence::Waiver { input, waiver } => format!(
            "waiver {} ({}): rule {} path {}: {} (owner {}, expires {}, matched {}) [{input}]",
            waiver.id,
            waiver.state.as_str(),
            waiver.rule,
            waiver.path,
            waiver.reason,
            waiver.owner,
            waiver.expires,
            waiver.matched
        ),
        Evidence::Policy { input, result } => format!(
            "policy {} {}/{}: {} [{input}]",
            match result.level {
                PolicyLevel::Deny => "deny",
                PolicyLevel::Warn => "warning",
            },
            result.package,
            result.rule,
            result.msg
        ),
    }
}

/// Most rule ids listed under one control in Markdown and HTML (JSON lists them all).
pub(crate) const MAX_RULES_SHOWN: usize = 20;

/// The rule ids shown under a control and how many more there are.
pub(crate) fn shown_rules(rules: &[String]) -> (&[String], usize) {
    let shown = rules.get(..MAX_RULES_SHOWN).unwrap_or(rules);
    (shown, rules.len() - shown.len())
}

fn or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        clip_list(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_table_names_real_controls() {
        for (framework, control, kinds) in ARTIFACTS {
            assert!(
                frameworks::control(framework, control).is_some(),
                "{framework} {control} missing from the framework data"
            );
            assert!(!kinds.is_empty());
        }
        for id in FRAMEWORK_IDS {
            assert!(frameworks::framework(id).is_some(), "{id}");
        }
    }

    #[test]
    fn framework_resolution() {
        let all = resolve_frameworks(&["all".to_owned(), "atlas".to_owned()]).expect("ok");
        assert_eq!(all.len(), FRAMEWORK_IDS.len());
        let one = resolve_frameworks(&["owasp-llm".to_owned()]).expect("ok");
        assert_eq!(one[0].id, "owasp-llm");
        assert!(resolve_frameworks(&["cwe".to_owned()]).is_err());
        assert!(resolve_frameworks(&["eu-ai".to_owned()]).is_err());
    }

    #[test]
    fn clip() {
        let items: Vec<String> = (0..12).map(|i| i.to_string()).collect();
        assert_eq!(clip_list(&items), "0, 1, 2, 3, 4, 5, 6, 7, 8, 9 (+2 more)");
    }
}
