//! ML-BOM generation on real fixtures, every BOM validated against the vendored official
//! `CycloneDX` schema (offline, formats on).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use mlsecops_bom::{BomOptions, SpecVersion, generate, to_json};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(rel: &str) -> PathBuf {
    manifest_dir().join(rel)
}

fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(manifest_dir().join("tests/data").join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Validator for `bom-<spec>.SNAPSHOT.schema.json` with its referenced schemas registered under
/// both the names the `$ref`s use and their own `$id`s: nothing is fetched.
fn validator(spec: SpecVersion) -> jsonschema::Validator {
    let schema = load(&format!("bom-{}.SNAPSHOT.schema.json", spec.as_str()));
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
        let contents = load(file);
        for name in [file, id] {
            opts = opts.with_resource(
                format!("http://cyclonedx.org/schema/{name}"),
                jsonschema::Resource::from_contents(contents.clone()).unwrap(),
            );
        }
    }
    opts.build(&schema)
        .expect("official schema compiles offline")
}

fn assert_valid(bom: &Value, spec: SpecVersion) {
    let v = validator(spec);
    let errors: Vec<String> = v
        .iter_errors(bom)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "schema errors: {errors:#?}");
}

fn bom_json(path: &Path, spec: SpecVersion, deterministic: bool) -> Value {
    let opts = BomOptions {
        spec,
        deterministic,
        tool_version: "0.0.0-test".to_owned(),
    };
    let bom = generate(path, &opts).unwrap();
    let value: Value = serde_json::from_str(&to_json(&bom).unwrap()).unwrap();
    assert_valid(&value, spec);
    value
}

fn sha256(path: &Path) -> String {
    let digest = Sha256::digest(std::fs::read(path).unwrap());
    digest.iter().fold(String::new(), |mut s, b| {
        use std::fmt::Write as _;
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn prop<'a>(component: &'a Value, name: &str) -> Vec<&'a str> {
    component["properties"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .filter(|p| p["name"] == name)
                .filter_map(|p| p["value"].as_str())
                .collect()
        })
        .unwrap_or_default()
}

fn components_of_type<'a>(bom: &'a Value, kind: &str) -> Vec<&'a Value> {
    bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == kind)
        .collect()
}

#[test]
fn hugging_face_directory() {
    let dir = fixture("tests/fixtures/hf_model");
    let bom = bom_json(&dir, SpecVersion::V1_6, true);
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert_eq!(bom["specVersion"], "1.6");
    assert_eq!(bom["version"], 1);
    assert!(bom["metadata"].get("timestamp").is_none());
    assert_eq!(
        bom["metadata"]["tools"]["components"][0]["name"],
        "mlsecops"
    );

    let models = components_of_type(&bom, "machine-learning-model");
    assert_eq!(models.len(), 1);
    let model = models[0];
    assert_eq!(model["name"], "hf_model");
    assert_eq!(model["bom-ref"], "model:.");
    assert_eq!(model["licenses"][0]["license"]["id"], "Apache-2.0");
    assert_eq!(model["tags"], serde_json::json!(["test", "tiny"]));
    assert_eq!(prop(model, "mlsecops:parameterCount"), ["256"]);
    assert_eq!(prop(model, "mlsecops:dtypes"), ["F32:2"]);
    assert_eq!(prop(model, "mlsecops:format"), ["safetensors"]);
    assert_eq!(prop(model, "mlsecops:framework"), ["transformers"]);
    assert_eq!(
        model["pedigree"]["ancestors"][0]["name"],
        "mlsecops/tiny-base"
    );

    // Every file hashed, with the digest computed here.
    let files = model["components"].as_array().unwrap();
    let names: Vec<&str> = files.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "README.md",
            "config.json",
            "model.safetensors",
            "requirements.txt"
        ]
    );
    for f in files {
        assert_eq!(f["type"], "file");
        assert_eq!(f["hashes"][0]["alg"], "SHA-256");
        let expected = sha256(&dir.join(f["name"].as_str().unwrap()));
        assert_eq!(f["hashes"][0]["content"], expected.as_str());
    }

    let card = &model["modelCard"];
    let params = &card["modelParameters"];
    assert_eq!(params["task"], "text-generation");
    assert_eq!(params["architectureFamily"], "llama");
    assert_eq!(params["modelArchitecture"], "LlamaForCausalLM");
    assert_eq!(
        params["datasets"],
        serde_json::json!([{"ref": "dataset:wikitext"}, {"ref": "dataset:mlsecops/tiny-instructions"}])
    );
    assert_eq!(
        card["quantitativeAnalysis"]["performanceMetrics"],
        serde_json::json!([{
            "type": "perplexity",
            "value": "812.5",
            "slice": "WikiText-2 [wikitext-2-raw-v1] (test), task: text-generation"
        }])
    );
    assert_eq!(
        card["considerations"]["useCases"],
        serde_json::json!(["Exercising ML-BOM generators in tests. Not for any real task."])
    );
    assert_eq!(
        card["considerations"]["technicalLimitations"],
        serde_json::json!(["Random weights: every output is noise."])
    );
    assert_eq!(prop(card, "mlsecops:huggingface:language"), ["en", "fr"]);
    assert_eq!(prop(card, "mlsecops:huggingface:metric"), ["perplexity"]);

    let data = components_of_type(&bom, "data");
    let data_names: Vec<&str> = data.iter().map(|d| d["name"].as_str().unwrap()).collect();
    assert_eq!(data_names, ["mlsecops/tiny-instructions", "wikitext"]);
    assert_eq!(data[0]["data"][0]["type"], "dataset");

    let libs = components_of_type(&bom, "library");
    let purls: Vec<&str> = libs.iter().map(|l| l["purl"].as_str().unwrap()).collect();
    assert_eq!(
        purls,
        [
            "pkg:pypi/safetensors@0.6.2",
            "pkg:pypi/torch",
            "pkg:pypi/transformers@4.57.0"
        ]
    );
    assert_eq!(prop(libs[1], "mlsecops:requirement"), [">=2.4"]);

    let deps = bom["dependencies"].as_array().unwrap();
    assert_eq!(deps[0]["ref"], "root");
    assert_eq!(deps[0]["dependsOn"], serde_json::json!(["model:."]));
    let model_deps = &deps[1]["dependsOn"];
    for r in [
        "dataset:wikitext",
        "dataset:mlsecops/tiny-instructions",
        "pkg:pypi/torch",
        "pkg:pypi/transformers@4.57.0",
    ] {
        assert!(model_deps.as_array().unwrap().iter().any(|d| d == r), "{r}");
    }
}

#[test]
fn nothing_invented_without_readme() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("bare");
    std::fs::create_dir(&dir).unwrap();
    let src = fixture("tests/fixtures/hf_model");
    for f in ["config.json", "model.safetensors"] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    let bom = bom_json(&dir, SpecVersion::V1_6, true);
    let model = components_of_type(&bom, "machine-learning-model")[0];
    assert!(model.get("licenses").is_none());
    assert!(model.get("tags").is_none());
    assert!(model.get("pedigree").is_none());
    assert!(model.get("version").is_none());
    let card = &model["modelCard"];
    assert!(card.get("quantitativeAnalysis").is_none());
    assert!(card.get("considerations").is_none());
    assert!(card.get("properties").is_none());
    let params = card["modelParameters"].as_object().unwrap();
    let keys: Vec<&String> = params.keys().collect();
    assert_eq!(keys, ["architectureFamily", "modelArchitecture"]);
    assert!(components_of_type(&bom, "data").is_empty());
    assert!(components_of_type(&bom, "library").is_empty());
    assert_eq!(prop(model, "mlsecops:parameterCount"), ["256"]);
}

#[test]
fn single_files_and_mixed_folders() {
    // A single GGUF file: hash on the model itself, quantisation and architecture from the header.
    let gguf =
        manifest_dir().join("../mlsecops-gguf/tests/fixtures/benign/tiny_llama_q8_chatml.gguf");
    let bom = bom_json(&gguf, SpecVersion::V1_6, true);
    let model = components_of_type(&bom, "machine-learning-model")[0];
    assert_eq!(model["hashes"][0]["content"], sha256(&gguf).as_str());
    assert_eq!(prop(model, "mlsecops:format"), ["gguf"]);
    assert!(!prop(model, "mlsecops:quantization").is_empty());
    assert!(!prop(model, "mlsecops:parameterCount").is_empty());

    // examples/: one model per weight file, plus a Hugging Face directory.
    let examples = manifest_dir().join("../../examples");
    let bom = bom_json(&examples, SpecVersion::V1_6, true);
    let models = components_of_type(&bom, "machine-learning-model");
    assert!(models.len() >= 10, "{}", models.len());
    let refs: Vec<&str> = models
        .iter()
        .map(|m| m["bom-ref"].as_str().unwrap())
        .collect();
    assert!(refs.contains(&"model:safe/tiny.safetensors"), "{refs:?}");
    assert!(refs.contains(&"model:unsafe/hf_remote_code"), "{refs:?}");

    // MLflow model: flavours and the pip section of conda.yaml / requirements.txt.
    let mlflow = manifest_dir().join("../mlsecops-repo/tests/fixtures/benign/mlflow_sklearn");
    let bom = bom_json(&mlflow, SpecVersion::V1_6, true);
    let model = components_of_type(&bom, "machine-learning-model")[0];
    assert_eq!(prop(model, "mlsecops:mlflow:flavor"), ["sklearn"]);
    let purls: Vec<&str> = components_of_type(&bom, "library")
        .iter()
        .map(|l| l["purl"].as_str().unwrap())
        .collect();
    assert!(purls.contains(&"pkg:pypi/scikit-learn@1.9.1"), "{purls:?}");
}

#[test]
fn every_fixture_directory_is_schema_valid() {
    let root = manifest_dir().join("..");
    for rel in [
        "mlsecops-repo/tests/fixtures/benign",
        "mlsecops-repo/tests/fixtures/benign/hf_repo",
        "mlsecops-onnx/tests/fixtures/benign",
        "mlsecops-gguf/tests/fixtures/benign",
        "mlsecops-safetensors/tests/fixtures/benign",
        "mlsecops-safetensors/tests/fixtures/malicious",
        "mlsecops-gguf/tests/fixtures/malicious",
    ] {
        for spec in [SpecVersion::V1_6, SpecVersion::V1_7] {
            let bom = bom_json(&root.join(rel), spec, false);
            assert!(
                bom["serialNumber"]
                    .as_str()
                    .unwrap()
                    .starts_with("urn:uuid:")
            );
            assert!(bom["metadata"]["timestamp"].is_string());
        }
    }
}

#[test]
fn deterministic_output_is_stable() {
    let dir = fixture("tests/fixtures/hf_model");
    let a = bom_json(&dir, SpecVersion::V1_6, true);
    let b = bom_json(&dir, SpecVersion::V1_6, true);
    assert_eq!(a, b);
    insta::assert_json_snapshot!("hf_model_bom", a);
}

#[test]
fn missing_input_is_an_error() {
    let opts = BomOptions::default();
    assert!(generate(Path::new("/nonexistent/model"), &opts).is_err());
}

#[test]
fn onnx_external_data_is_hashed_with_its_model() {
    let dir = manifest_dir().join("../mlsecops-onnx/tests/fixtures/benign/external_data");
    for input in [dir.clone(), dir.join("model.onnx")] {
        let bom = bom_json(&input, SpecVersion::V1_6, true);
        let models = components_of_type(&bom, "machine-learning-model");
        assert_eq!(models.len(), 1, "{input:?}");
        let model = models[0];
        assert_eq!(model["name"], "model.onnx");
        assert_eq!(prop(model, "mlsecops:onnx:opset"), ["ai.onnx=17"]);
        let nested = &model["components"][0];
        assert_eq!(nested["name"], "weights.bin");
        assert_eq!(
            nested["hashes"][0]["content"],
            sha256(&dir.join("weights.bin")).as_str()
        );
        assert_eq!(prop(nested, "mlsecops:role"), ["onnx-external-data"]);
    }
}

#[test]
fn hostile_inputs_give_a_valid_bom() {
    use std::fmt::Write as _;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("hostile");
    std::fs::create_dir(&dir).unwrap();
    let mut bomb = String::from("---\na: &a [x, x, x, x, x, x, x, x, x]\n");
    for i in 0..20 {
        writeln!(bomb, "b{i}: &b{i} [*a, *a, *a, *a, *a, *a, *a, *a, *a]").unwrap();
    }
    writeln!(bomb, "tags: [{}]", vec!["t"; 5000].join(", ")).unwrap();
    bomb.push_str("license: \"\\u0000\"\ndatasets: {not: a list}\nmodel-index: 7\n---\n");
    bomb.push_str(&"#".repeat(10_000));
    bomb.push_str("\n## Limitations\n");
    bomb.push_str(&"é".repeat(100_000));
    std::fs::write(dir.join("README.md"), bomb).unwrap();
    std::fs::write(
        dir.join("config.json"),
        b"{\"model_type\": [1, 2], \"architectures\": 5}",
    )
    .unwrap();
    std::fs::write(dir.join("model.safetensors"), [0xffu8; 64]).unwrap();
    std::fs::write(dir.join("truncated.gguf"), b"GGUF\x03\x00\x00\x00\xff\xff").unwrap();
    std::fs::write(
        dir.join("broken.onnx"),
        [0x0au8, 0xff, 0xff, 0xff, 0xff, 0x0f],
    )
    .unwrap();
    std::fs::write(
        dir.join("requirements.txt"),
        [0xc3u8, 0x28, b'\n', b'=', b'=', b'\n'],
    )
    .unwrap();
    std::fs::write(
        dir.join("pyproject.toml"),
        "[project]\ndependencies = [1, \"ok==1\"]\n",
    )
    .unwrap();

    let bom = bom_json(&dir, SpecVersion::V1_6, true);
    let model = components_of_type(&bom, "machine-learning-model")[0];
    assert_eq!(model["tags"].as_array().unwrap().len(), 256);
    let limits = &model["modelCard"]["considerations"]["technicalLimitations"][0];
    assert!(limits.as_str().unwrap().chars().count() <= 4097);
    let files = model["components"].as_array().unwrap();
    let st = files
        .iter()
        .find(|f| f["name"] == "model.safetensors")
        .unwrap();
    assert!(!prop(st, "mlsecops:headerIncomplete").is_empty());
    let purls: Vec<&str> = components_of_type(&bom, "library")
        .iter()
        .map(|l| l["purl"].as_str().unwrap())
        .collect();
    assert_eq!(purls, ["pkg:pypi/ok@1"]);
}
