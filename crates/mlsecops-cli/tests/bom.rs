//! `mlsecops bom` end to end: output channels, spec versions, exit codes, schema validity.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

fn repo(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn schema_file(name: &str) -> Value {
    let path = repo("crates/mlsecops-bom/tests/data").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn assert_schema_valid(bom: &Value) {
    let spec = bom["specVersion"].as_str().unwrap();
    let schema = schema_file(&format!("bom-{spec}.SNAPSHOT.schema.json"));
    let mut opts = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true);
    for (file, id) in [
        ("spdx.SNAPSHOT.schema.json", "spdx.schema.json"),
        ("jsf-0.82.SNAPSHOT.schema.json", "jsf-0.82.schema.json"),
        (
            "cryptography-defs.SNAPSHOT.schema.json",
            "cryptography-defs.schema.json",
        ),
    ] {
        let contents = schema_file(file);
        for name in [file, id] {
            opts = opts.with_resource(
                format!("http://cyclonedx.org/schema/{name}"),
                jsonschema::Resource::from_contents(contents.clone()).unwrap(),
            );
        }
    }
    let validator = opts.build(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(bom).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

fn mlsecops() -> Command {
    Command::cargo_bin("mlsecops").unwrap()
}

#[test]
fn bom_to_stdout_is_valid_cyclonedx() {
    let out = mlsecops()
        .args(["bom", "--deterministic"])
        .arg(repo("crates/mlsecops-bom/tests/fixtures/hf_model"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bom: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(bom["specVersion"], "1.6");
    assert!(bom["metadata"].get("timestamp").is_none());
    assert_eq!(
        bom["metadata"]["tools"]["components"][0]["version"],
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(bom["components"][0]["type"], "machine-learning-model");
    assert_schema_valid(&bom);

    // Same input, same bytes.
    let again = mlsecops()
        .args(["bom", "--deterministic"])
        .arg(repo("crates/mlsecops-bom/tests/fixtures/hf_model"))
        .output()
        .unwrap();
    assert_eq!(out.stdout, again.stdout);
}

#[test]
fn bom_to_file_with_spec_1_7() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("bom.json");
    let out = mlsecops()
        .args(["bom", "--spec", "1.7", "--output"])
        .arg(&file)
        .arg(repo("examples"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    let bom: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(bom["specVersion"], "1.7");
    assert!(bom["metadata"]["timestamp"].is_string());
    assert!(
        bom["serialNumber"]
            .as_str()
            .unwrap()
            .starts_with("urn:uuid:")
    );
    assert_schema_valid(&bom);
}

#[test]
fn bom_usage_and_io_errors_exit_3() {
    let missing = mlsecops()
        .args(["bom", "/nonexistent/model-dir"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/model-dir"));

    let bad_spec = mlsecops()
        .args(["bom", "--spec", "1.2", "."])
        .output()
        .unwrap();
    assert_eq!(bad_spec.status.code(), Some(3));

    let tmp = tempfile::tempdir().unwrap();
    let unwritable = mlsecops()
        .args(["bom", "--output"])
        .arg(tmp.path().join("no/such/dir/bom.json"))
        .arg(repo("examples/safe/tiny.safetensors"))
        .output()
        .unwrap();
    assert_eq!(unwritable.status.code(), Some(3));
}

#[test]
fn bom_spdx3_format() {
    let fixture = repo("crates/mlsecops-bom/tests/fixtures/hf_model");
    let run = |epoch: Option<&str>| {
        let mut cmd = mlsecops();
        cmd.args(["bom", "--format", "spdx3", "--deterministic"])
            .arg(&fixture)
            .env_remove("SOURCE_DATE_EPOCH");
        if let Some(e) = epoch {
            cmd.env("SOURCE_DATE_EPOCH", e);
        }
        cmd.output().unwrap()
    };
    let out = run(None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["@context"],
        "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
    );
    let graph = doc["@graph"].as_array().unwrap();
    assert_eq!(graph[0]["created"], "1970-01-01T00:00:00Z");
    assert!(graph.iter().any(|e| e["type"] == "ai_AIPackage"));
    assert!(graph.iter().any(|e| e["type"] == "dataset_DatasetPackage"));
    let tool = graph.iter().find(|e| e["type"] == "Tool").unwrap();
    assert_eq!(
        tool["name"],
        format!("mlsecops {}", env!("CARGO_PKG_VERSION"))
    );
    // Byte-identical when deterministic; SOURCE_DATE_EPOCH sets `created`.
    assert_eq!(out.stdout, run(None).stdout);
    let dated: Value = serde_json::from_slice(&run(Some("1700000000")).stdout).unwrap();
    assert_eq!(dated["@graph"][0]["created"], "2023-11-14T22:13:20Z");

    // Default stays CycloneDX; an unknown format is a usage error.
    let default = mlsecops().arg("bom").arg(&fixture).output().unwrap();
    let bom: Value = serde_json::from_slice(&default.stdout).unwrap();
    assert_eq!(bom["bomFormat"], "CycloneDX");
    let bad = mlsecops()
        .args(["bom", "--format", "spdx2"])
        .arg(&fixture)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(3));
}
