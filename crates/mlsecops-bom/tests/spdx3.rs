//! SPDX 3.0.1 JSON-LD output: elements, hashes, relationships, nothing invented, determinism.
//! (Decoding with the official-model bindings is `scripts/interop/spdx3_validate.sh`.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use mlsecops_bom::spdx3::{self, CONTEXT, Spdx3Options};
use mlsecops_bom::{BomOptions, generate};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hf_model")
}

fn opts(deterministic: bool) -> BomOptions {
    BomOptions {
        deterministic,
        tool_version: "0.0.0-test".to_owned(),
        ..BomOptions::default()
    }
}

fn doc_text(path: &Path, deterministic: bool) -> String {
    let bom = generate(path, &opts(deterministic)).unwrap();
    spdx3::to_json(&bom, &Spdx3Options::default()).unwrap()
}

fn doc(path: &Path) -> Value {
    serde_json::from_str(&doc_text(path, true)).unwrap()
}

fn graph(doc: &Value) -> &Vec<Value> {
    doc["@graph"].as_array().unwrap()
}

fn of_type<'a>(doc: &'a Value, kind: &str) -> Vec<&'a Value> {
    graph(doc).iter().filter(|e| e["type"] == kind).collect()
}

fn by_id<'a>(doc: &'a Value, id: &str) -> &'a Value {
    graph(doc)
        .iter()
        .find(|e| e["spdxId"] == id)
        .unwrap_or_else(|| panic!("no element {id}"))
}

/// `to` ids of the relationships of `kind` from `from`.
fn related<'a>(doc: &'a Value, from: &str, kind: &str) -> Vec<&'a str> {
    of_type(doc, "Relationship")
        .into_iter()
        .filter(|r| r["from"] == from && r["relationshipType"] == kind)
        .flat_map(|r| r["to"].as_array().unwrap())
        .map(|v| v.as_str().unwrap())
        .collect()
}

fn sha256(path: &Path) -> String {
    use std::fmt::Write as _;
    Sha256::digest(std::fs::read(path).unwrap())
        .iter()
        .fold(String::new(), |mut s, b| {
            write!(s, "{b:02x}").unwrap();
            s
        })
}

#[test]
fn hugging_face_fixture() {
    let d = doc(&fixture());
    assert_eq!(d["@context"], CONTEXT);
    let info = &graph(&d)[0];
    assert_eq!(info["type"], "CreationInfo");
    assert_eq!(info["specVersion"], "3.0.1");
    assert_eq!(info["created"], "1970-01-01T00:00:00Z");

    // Every element id lives under the document namespace and is listed by the document.
    let document = &of_type(&d, "SpdxDocument")[0];
    let ns = document["spdxId"]
        .as_str()
        .unwrap()
        .strip_suffix("document")
        .unwrap();
    assert!(ns.starts_with("https://spdx.org/spdxdocs/mlsecops-"));
    let listed: Vec<&str> = document["element"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for e in graph(&d).iter().skip(2) {
        let id = e["spdxId"].as_str().unwrap();
        assert!(id.starts_with(ns), "{id}");
        assert!(listed.contains(&id), "{id} not in element[]");
        assert_eq!(e["creationInfo"], "_:creationinfo");
    }

    // The AI package, with the AI-profile facts of the README and config.json.
    let models = of_type(&d, "ai_AIPackage");
    let model = models.iter().find(|m| m["name"] == "hf_model").unwrap();
    let model_id = model["spdxId"].as_str().unwrap();
    assert_eq!(model["software_primaryPurpose"], "model");
    assert_eq!(
        model["ai_typeOfModel"],
        serde_json::json!(["llama", "LlamaForCausalLM"])
    );
    assert_eq!(model["ai_domain"], serde_json::json!(["text-generation"]));
    assert_eq!(model["ai_metric"][0]["type"], "DictionaryEntry");
    assert!(
        model["ai_metric"][0]["key"]
            .as_str()
            .unwrap()
            .starts_with("perplexity")
    );
    assert_eq!(model["ai_metric"][0]["value"], "812.5");
    assert!(
        model["ai_limitation"]
            .as_str()
            .unwrap()
            .contains("every output is noise")
    );
    assert!(model["ai_informationAboutApplication"].is_string());
    // Not in the fixture, so not in the document.
    for absent in [
        "suppliedBy",
        "releaseTime",
        "software_downloadLocation",
        "software_packageVersion",
        "ai_hyperparameter",
        "ai_informationAboutTraining",
        "ai_autonomyType",
        "ai_safetyRiskAssessment",
    ] {
        assert!(model.get(absent).is_none(), "{absent} invented");
    }

    // Files: every one with the SHA-256 computed here.
    let files = related(&d, model_id, "contains");
    assert_eq!(files.len(), 4);
    for name in [
        "README.md",
        "config.json",
        "model.safetensors",
        "requirements.txt",
    ] {
        let file = of_type(&d, "software_File")
            .into_iter()
            .find(|f| f["name"] == name)
            .unwrap();
        assert!(files.contains(&file["spdxId"].as_str().unwrap()));
        let hash = &file["verifiedUsing"][0];
        assert_eq!(hash["type"], "Hash");
        assert_eq!(hash["algorithm"], "sha256");
        assert_eq!(hash["hashValue"], sha256(&fixture().join(name)));
    }

    // Datasets from the front matter: training data (trainedOn), type not asserted.
    let trained = related(&d, model_id, "trainedOn");
    assert_eq!(trained.len(), 2);
    for id in &trained {
        let ds = by_id(&d, id);
        assert_eq!(ds["type"], "dataset_DatasetPackage");
        assert_eq!(
            ds["dataset_datasetType"],
            serde_json::json!(["noAssertion"])
        );
        assert!(ds.get("originatedBy").is_none());
    }
    let names: Vec<&str> = trained
        .iter()
        .map(|id| by_id(&d, id)["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"wikitext"));
    assert!(names.contains(&"mlsecops/tiny-instructions"));
    assert!(related(&d, model_id, "testedOn").is_empty());

    // Libraries with purls, as dependencies of the model.
    let deps = related(&d, model_id, "dependsOn");
    let purls: Vec<&str> = deps
        .iter()
        .map(|id| by_id(&d, id)["software_packageUrl"].as_str().unwrap())
        .collect();
    assert!(purls.contains(&"pkg:pypi/transformers@4.57.0"));
    assert!(purls.contains(&"pkg:pypi/torch"));
    let torch = deps
        .iter()
        .map(|id| by_id(&d, id))
        .find(|p| p["name"] == "torch")
        .unwrap();
    assert!(torch.get("software_packageVersion").is_none());

    // Licence and base model.
    let lic = related(&d, model_id, "hasDeclaredLicense");
    assert_eq!(
        by_id(&d, lic[0])["simplelicensing_licenseExpression"],
        "Apache-2.0"
    );
    let base = related(&d, model_id, "descendantOf");
    assert_eq!(by_id(&d, base[0])["name"], "mlsecops/tiny-base");

    // The root contains the model.
    let root = document["rootElement"][0].as_str().unwrap();
    assert_eq!(related(&d, root, "contains"), vec![model_id]);
}

#[test]
fn nothing_invented_without_readme() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture().join("model.safetensors"),
        dir.path().join("model.safetensors"),
    )
    .unwrap();
    let d = doc(dir.path());
    let models = of_type(&d, "ai_AIPackage");
    assert_eq!(models.len(), 1);
    let model = models[0];
    let keys: Vec<&str> = model
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for k in &keys {
        assert!(
            [
                "type",
                "spdxId",
                "creationInfo",
                "name",
                "software_primaryPurpose",
                "comment"
            ]
            .contains(k),
            "unexpected {k}"
        );
    }
    assert!(of_type(&d, "dataset_DatasetPackage").is_empty());
    assert!(
        of_type(&d, "Relationship")
            .iter()
            .all(|r| r["relationshipType"] == "contains")
    );
    let file = of_type(&d, "software_File")[0];
    assert_eq!(
        file["verifiedUsing"][0]["hashValue"],
        sha256(&dir.path().join("model.safetensors"))
    );
    let profiles = &of_type(&d, "SpdxDocument")[0]["profileConformance"];
    assert!(!profiles.as_array().unwrap().contains(&"dataset".into()));
}

#[test]
fn deterministic_output_is_byte_identical() {
    let a = doc_text(&fixture(), true);
    let b = doc_text(&fixture(), true);
    assert_eq!(a, b);
    // Non-deterministic runs get a fresh namespace and a timestamp.
    let c = doc_text(&fixture(), false);
    assert_ne!(a, c);
    let c: Value = serde_json::from_str(&c).unwrap();
    assert_ne!(graph(&c)[0]["created"], "1970-01-01T00:00:00Z");
}

#[test]
fn created_from_options() {
    let bom = generate(&fixture(), &opts(true)).unwrap();
    let d = spdx3::to_spdx3(
        &bom,
        &Spdx3Options {
            created: Some(1_700_000_000),
        },
    )
    .unwrap();
    assert_eq!(graph(&d)[0]["created"], "2023-11-14T22:13:20Z");
}
