//! Compliance reports (`mlsecops report`) built from real mlsecops outputs: a scan of
//! `examples/` with waivers and the default policy, a `CycloneDX` BOM, an OMS signature bundle
//! and a scan attestation (regenerate with `tests/data/compliance/regenerate.sh`).

use mlsecops_core::frameworks;
use mlsecops_report::compliance::{
    self, ComplianceReport, ControlStatus, Input, InputKind, ItemStatus,
};
use serde_json::Value;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/compliance");

fn input(name: &str) -> Input {
    let bytes = std::fs::read(format!("{DATA}/{name}")).expect("fixture");
    Input::parse(name, &bytes).expect("recognised input")
}

fn inputs() -> Vec<Input> {
    ["scan.json", "bom.cdx.json", "model.sig", "scan.att.json"]
        .into_iter()
        .map(input)
        .collect()
}

fn report(framework: &str) -> ComplianceReport {
    let frameworks = compliance::resolve_frameworks(&[framework.to_owned()]).expect("framework");
    compliance::build(&frameworks, &inputs(), "0.0.0-test", "2026-11-26")
}

fn status(report: &ComplianceReport, control: &str) -> ControlStatus {
    report.frameworks[0]
        .controls
        .iter()
        .find(|c| c.id == control)
        .unwrap_or_else(|| panic!("{control} assessed"))
        .status
}

#[test]
fn inputs_are_recognised_by_content() {
    let kinds: Vec<InputKind> = inputs().iter().map(|i| i.kind).collect();
    assert_eq!(
        kinds,
        [
            InputKind::ScanReport,
            InputKind::CycloneDx,
            InputKind::Signature,
            InputKind::ScanAttestation
        ]
    );
    for (bytes, why) in [
        (&b"{\"hello\": 1}"[..], "not a scan report"),
        (b"[1, 2]", "not a JSON object"),
        (b"not json", "not JSON"),
        (
            b"{\"payloadType\": \"application/vnd.in-toto+json\", \"payload\": \"e30=\"}",
            "predicateType",
        ),
    ] {
        let err = Input::parse("x.json", bytes)
            .expect_err("rejected")
            .to_string();
        assert!(err.starts_with("x.json: unrecognised input"), "{err}");
        assert!(err.contains(why), "{err}");
    }
}

#[test]
fn statuses_follow_the_evidence() {
    let eu = report("eu-ai-act");
    // Unwaived critical pickle findings map to Art. 15(5).
    assert_eq!(status(&eu, "Art. 15(5)"), ControlStatus::Gap);
    // BOM present; signature + BOM for third-party components; attestation = signed test log.
    assert_eq!(status(&eu, "Annex IV 1(c)"), ControlStatus::Conformity);
    assert_eq!(status(&eu, "Annex IV 2(a)"), ControlStatus::Conformity);
    assert_eq!(status(&eu, "Annex IV 2(g)"), ControlStatus::Conformity);
    // Policy results and waivers document risk management.
    assert_eq!(status(&eu, "Art. 9"), ControlStatus::Conformity);
    // Nothing speaks to prohibited practices.
    assert_eq!(status(&eu, "Art. 5"), ControlStatus::NotAssessed);

    let f = &eu.frameworks[0];
    assert_eq!(
        f.controls.len(),
        frameworks::framework("eu-ai-act")
            .expect("eu")
            .controls
            .len()
    );
    let counts = f.summary;
    assert_eq!(
        counts.gap + counts.conformity + counts.not_assessed,
        counts.controls
    );
    assert_eq!(
        counts.checklist_present + counts.checklist_missing,
        f.checklist.len()
    );
    let item = |id: &str| {
        f.checklist
            .iter()
            .find(|c| c.id == id)
            .expect("item")
            .status
    };
    assert_eq!(item("cybersecurity"), ItemStatus::Present);
    assert_eq!(item("design-architecture"), ItemStatus::Present);
    assert_eq!(item("risk-management"), ItemStatus::Present);
    assert_eq!(item("human-oversight"), ItemStatus::Missing);
    assert_eq!(item("intended-purpose"), ItemStatus::Missing);

    // Waived findings stay evidence, with reason and owner, but are no gap on their own.
    let text = compliance::render_markdown(&eu);
    assert!(text.contains("waived: sample repository kept to test remote-code detection (owner ml-platform@example.com"));
}

#[test]
fn without_a_scan_rules_prove_nothing() {
    let frameworks = compliance::resolve_frameworks(&["owasp-llm".to_owned()]).expect("fw");
    let only_bom = compliance::build(&frameworks, &[input("bom.cdx.json")], "0", "2026-01-01");
    let llm03 = &only_bom.frameworks[0].controls[2];
    assert_eq!(llm03.id, "LLM03:2025");
    assert_eq!(
        llm03.status,
        ControlStatus::Conformity,
        "BOM speaks to supply chain"
    );
    let llm02 = &only_bom.frameworks[0].controls[1];
    assert_eq!(llm02.id, "LLM02:2025");
    assert!(!llm02.rules.is_empty(), "secrets rules map to LLM02");
    assert_eq!(llm02.status, ControlStatus::NotAssessed);
    assert!(llm02.reason.contains("no scan report"), "{}", llm02.reason);
    let with_scan = compliance::build(&frameworks, &[input("scan.json")], "0", "2026-01-01");
    assert_eq!(
        with_scan.frameworks[0].controls[1].status,
        ControlStatus::Conformity
    );
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!(
        "compliance_eu_ai_act_md",
        compliance::render_markdown(&report("eu-ai-act"))
    );
}

#[test]
fn json_snapshot_and_schema() {
    let text = compliance::render_json(&report("owasp-llm"));
    let value: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(value["schema_version"], compliance::SCHEMA_VERSION);
    for key in ["date", "tool", "scan_tools", "inputs", "frameworks"] {
        assert!(value.get(key).is_some(), "{key}");
    }
    let control = &value["frameworks"][0]["controls"][0];
    for key in ["id", "title", "status", "reason", "rules", "evidence"] {
        assert!(control.get(key).is_some(), "control lacks {key}");
    }
    // Rule lists grow with the registry; statuses, reasons and evidence are what matter here.
    insta::assert_json_snapshot!("compliance_owasp_llm_json", value, {
        ".frameworks[].controls[].rules" => "[rules]",
    });
}

#[test]
fn html_is_self_contained_and_structured() {
    let eu = report("eu-ai-act");
    let html = compliance::render_html(&eu);
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(html.trim_end().ends_with("</html>"));
    assert_eq!(html.matches("<style>").count(), 1);
    assert!(html.contains("@media print"));
    let lower = html.to_ascii_lowercase();
    for banned in ["<script", "<link", "<img", "<iframe", "@import", "url("] {
        assert!(!lower.contains(banned), "{banned} in HTML");
    }
    assert_eq!(
        html.matches("<section").count(),
        html.matches("</section>").count()
    );
    assert_eq!(
        html.matches("<table").count(),
        html.matches("</table>").count()
    );
    assert!(html.contains("<title>mlsecops compliance report: EU Artificial Intelligence Act"));
    // One section per control, with its status.
    let f = &eu.frameworks[0];
    for c in &f.controls {
        let marker = format!(
            "data-control=\"{}\" data-status=\"{}\"",
            c.id.replace('"', "&quot;"),
            c.status.key()
        );
        assert!(html.contains(&marker), "{marker}");
    }
    for item in &f.checklist {
        assert!(
            html.contains(&format!("data-item=\"{}\"", item.id)),
            "{}",
            item.id
        );
    }
    // Scanned content is escaped: the Keras finding quotes `<lambda>`.
    assert!(html.contains("&lt;lambda&gt;"));
    assert!(!html.contains("<lambda>"));
    // Header: inputs and versions.
    for needle in [
        "scan.json",
        "bom.cdx.json",
        "model.sig",
        "scan.att.json",
        "0.0.0-test",
        "2026-11-26",
    ] {
        assert!(html.contains(needle), "{needle}");
    }
}

#[test]
fn every_framework_renders() {
    let frameworks = compliance::resolve_frameworks(&["all".to_owned()]).expect("all");
    let all = compliance::build(&frameworks, &inputs(), "0", "2026-01-01");
    assert_eq!(all.frameworks.len(), compliance::FRAMEWORK_IDS.len());
    let html = compliance::render_html(&all);
    let md = compliance::render_markdown(&all);
    for f in &all.frameworks {
        assert!(html.contains(&format!("data-framework=\"{}\"", f.id)));
        assert!(md.contains(&format!("## {} — version {}", f.title, f.version)));
        assert!(
            f.controls
                .iter()
                .any(|c| c.status != ControlStatus::NotAssessed),
            "{}",
            f.id
        );
    }
}
