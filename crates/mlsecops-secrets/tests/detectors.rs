//! Every detector fires on its generated positive; hard negatives stay silent; realistic ML
//! leaks (code, notebook JSON, configs) are found with correct positions and masks.

use std::collections::BTreeSet;

use serde::Deserialize;

#[derive(Deserialize)]
struct Positives {
    positive: Vec<Positive>,
}

#[derive(Deserialize)]
struct Positive {
    detector: String,
    text: String,
}

#[derive(Deserialize)]
struct Negatives {
    negative: Vec<Negative>,
}

#[derive(Deserialize)]
struct Negative {
    name: String,
    text: String,
}

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn builtin_rules_load_and_cover_the_required_providers() {
    let rules = mlsecops_secrets::builtin();
    let ids: BTreeSet<&str> = rules.detectors().iter().map(|d| d.id.as_str()).collect();
    assert!(ids.len() >= 150, "{} detectors", ids.len());
    for required in [
        "huggingface-access-token",
        "huggingface-organization-api-token",
        "openai-api-key",
        "openai-service-account-key",
        "openai-admin-key",
        "anthropic-api-key",
        "anthropic-admin-api-key",
        "cohere-api-token",
        "replicate-api-token",
        "groq-api-key",
        "mistral-api-key",
        "pinecone-api-key",
        "wandb-api-key",
        "kaggle-json-key",
        "databricks-api-token",
        "comet-api-key",
        "neptune-api-token",
        "langsmith-api-key",
        "xai-api-key",
        "perplexity-api-key",
        "deepseek-api-key",
        "together-api-key",
        "aws-access-key-id",
        "gcp-api-key",
        "azure-storage-account-key",
        "github-pat",
        "github-fine-grained-pat",
        "gitlab-pat",
        "bitbucket-app-password",
        "slack-bot-token",
        "discord-bot-token",
        "telegram-bot-token",
        "twilio-api-key",
        "sendgrid-api-token",
        "mailchimp-api-key",
        "stripe-access-token",
        "square-access-token",
        "braintree-access-token",
        "shopify-access-token",
        "npm-access-token",
        "pypi-upload-token",
        "dockerhub-pat",
        "private-key",
        "jwt",
        "database-connection-uri",
        "generic-api-key",
    ] {
        assert!(ids.contains(required), "missing detector {required}");
    }
    for d in rules.detectors() {
        let rule = mlsecops_core::rule(d.group).expect("group is a registry rule");
        assert_eq!(rule.category, mlsecops_core::Category::Secrets, "{}", d.id);
        assert!(!d.keywords.is_empty(), "{} has keywords", d.id);
    }
}

#[test]
#[allow(clippy::print_stderr, clippy::cast_precision_loss)]
fn every_detector_fires_on_its_positive() {
    let positives: Positives = toml::from_str(&fixture("positives.toml")).expect("positives.toml");
    let ids: BTreeSet<&str> = mlsecops_secrets::builtin()
        .detectors()
        .iter()
        .map(|d| d.id.as_str())
        .collect();
    let covered: BTreeSet<&str> = positives
        .positive
        .iter()
        .map(|p| p.detector.as_str())
        .collect();
    let uncovered: Vec<_> = ids.difference(&covered).collect();
    assert!(
        uncovered.is_empty(),
        "detectors without a positive: {uncovered:?}"
    );
    let mut missed = Vec::new();
    for p in &positives.positive {
        let found = mlsecops_secrets::scan(p.text.as_bytes());
        if !found.iter().any(|m| m.detector == p.detector) {
            missed.push(format!(
                "{}: {:?}",
                p.detector,
                found.iter().map(|m| m.detector).collect::<Vec<_>>()
            ));
        }
    }
    let total = positives.positive.len();
    eprintln!(
        "recall on generated positives: {}/{} ({:.1}%)",
        total - missed.len(),
        total,
        100.0 * (total - missed.len()) as f64 / total as f64
    );
    assert!(
        missed.is_empty(),
        "missed positives:\n{}",
        missed.join("\n")
    );
}

#[test]
fn negatives_stay_silent() {
    let negatives: Negatives = toml::from_str(&fixture("negatives.toml")).expect("negatives.toml");
    assert!(negatives.negative.len() >= 15);
    let mut noisy = Vec::new();
    for n in &negatives.negative {
        for m in mlsecops_secrets::scan(n.text.as_bytes()) {
            noisy.push(format!(
                "{}: {} line {} ({})",
                n.name, m.detector, m.line, m.masked
            ));
        }
    }
    assert!(noisy.is_empty(), "false positives:\n{}", noisy.join("\n"));
}

const HF: &str = "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";
const OPENAI: &str = "sk-proj-Zk3p9QmR2vX8wL5nT1yB7cF4hJ6dG0sA3eK9uN2iO8pW5rV1T3BlbkFJq7Xm2Lk9Rz4Wc8Nv1Bt6Yp3Hs5Gd0Fa";

#[test]
fn finds_ml_tokens_in_code_with_positions_and_masks() {
    let text = format!(
        "import os\nfrom huggingface_hub import login\nlogin(token=\"{HF}\")\nos.environ[\"OPENAI_API_KEY\"] = '{OPENAI}'\n"
    );
    let found = mlsecops_secrets::scan(text.as_bytes());
    let detectors: Vec<_> = found.iter().map(|m| m.detector).collect();
    assert_eq!(detectors, ["huggingface-access-token", "openai-api-key"]);
    let hf = &found[0];
    assert_eq!(&text[hf.start..hf.end], HF);
    assert_eq!((hf.line, hf.column), (3, 14));
    assert_eq!(hf.rule, "secret-ml-platform-token");
    assert_eq!(hf.masked, "hf_qR…oP");
    assert_eq!(hf.sha256, mlsecops_secrets::sha256_hex(HF.as_bytes()));
    let openai = &found[1];
    assert_eq!(&text[openai.start..openai.end], OPENAI);
    assert_eq!(openai.line, 4);
    for m in &found {
        assert!(!m.masked.contains(&text[m.start..m.end]));
        assert!(m.masked.chars().count() * 3 < m.length, "{}", m.masked);
    }
}

#[test]
fn finds_secrets_in_raw_notebook_json() {
    // A notebook cell source as stored on disk: JSON strings with \" and \n escapes.
    let notebook = format!(
        concat!(
            "{{\n \"cells\": [\n  {{\n   \"cell_type\": \"code\",\n   \"source\": [\n",
            "    \"import os\\n\",\n",
            "    \"os.environ[\\\"HF_TOKEN\\\"] = \\\"{hf}\\\"\\n\",\n",
            "    \"client = OpenAI(api_key=\\\"{openai}\\\")\"\n",
            "   ],\n   \"outputs\": []\n  }}\n ]\n}}\n"
        ),
        hf = HF,
        openai = OPENAI
    );
    let found = mlsecops_secrets::scan(notebook.as_bytes());
    let detectors: Vec<_> = found.iter().map(|m| m.detector).collect();
    assert_eq!(detectors, ["huggingface-access-token", "openai-api-key"]);
    assert_eq!(&notebook[found[0].start..found[0].end], HF);
    assert_eq!(found[0].line, 7);
    assert_eq!(
        found[1].sha256,
        mlsecops_secrets::sha256_hex(OPENAI.as_bytes())
    );
}

#[test]
fn finds_a_key_behind_ansi_colour_codes_in_a_traceback() {
    // An `error` output's traceback as stored in the notebook: ANSI codes as \u001b escapes.
    let key = format!(
        "sk-ant-api03-{}AA",
        "Bh2N1zLePZlSfnK9UpXdxgAyJ9ujjnk8hUJQQu_R3r4dv1ohf"
            .repeat(2)
            .get(..93)
            .unwrap_or_default()
    );
    let raw = format!(
        "      \"\\u001b[0;32m----> 3\\u001b[0m client = Anthropic(api_key=\\\"\\u001b[0;31m\\u001b[0m{key}\\\")\",\n"
    );
    let found = mlsecops_secrets::scan(raw.as_bytes());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].detector, "anthropic-api-key");
    assert_eq!(&raw[found[0].start..found[0].end], key);
}

#[test]
#[allow(clippy::cast_precision_loss)]
fn throughput_floor_catches_regex_blowups() {
    // Debug builds are slow; this only guards against pathological rules (>= 1 MB/s).
    let line = "    outputs = model(input_ids=input_ids, attention_mask=mask, labels=labels)  # api key token\n";
    let text = line.repeat(20_000);
    let started = std::time::Instant::now();
    assert!(mlsecops_secrets::scan(text.as_bytes()).is_empty());
    let secs = started.elapsed().as_secs_f64();
    let mb = text.len() as f64 / 1e6;
    assert!(mb / secs >= 1.0, "{:.1} MB/s", mb / secs);
}

#[test]
fn escaped_private_key_in_a_service_account_json_string() {
    let body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvuNMoSfm76oqFvAp8Gy0iz5sxjZmSnXyCdPEovGhLa0VzMaQ8s+CLOyS56YyCFGeJZqgtzJ6GR3eqoYSW9b9UMvkBpZODSctWSNGj3P7jRFDO5VoTwCQAWbFnOjDfH5Ulgp2PKSQnSJP3AJLQNFNe7br1XbrhV";
    let json = format!(
        "{{\"type\": \"service_account\", \"private_key\": \"-----BEGIN PRIVATE KEY-----\\n{}\\n{}\\n-----END PRIVATE KEY-----\\n\"}}",
        &body[..64],
        &body[64..]
    );
    let found = mlsecops_secrets::scan(json.as_bytes());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].detector, "private-key");
    assert_eq!(found[0].rule, "secret-private-key");
    assert_eq!(found[0].masked, "-----BEGIN PRIVATE KEY-----…");
    assert!(json[found[0].start..found[0].end].starts_with("-----BEGIN"));
}

#[test]
fn configs_uris_and_generic_assignments() {
    let text = "\
mlflow:
  tracking_uri: postgresql://mlflow:Xk9#qP2vLm7wRz@db.internal:5432/mlflow
pip:
  extra_index_url: https://__token__:Gh7kLp2QxZ9mWv4RtY8s@pypi.internal.acme-ml.net/simple
settings:
  internal_service_api_key: \"Qm9vX2Zha2U3aDJrTnB4V3Ji\"
";
    let found = mlsecops_secrets::scan(text.as_bytes());
    let detectors: Vec<_> = found.iter().map(|m| m.detector).collect();
    assert_eq!(
        detectors,
        [
            "database-connection-uri",
            "http-basic-auth-url",
            "generic-api-key"
        ],
        "{found:?}"
    );
    assert_eq!(&text[found[0].start..found[0].end], "Xk9#qP2vLm7wRz");
    assert_eq!(found[0].masked, "****");
    assert_eq!(found[2].rule, "secret-generic-credential");
}

#[test]
fn observation_names_the_registry_rule_and_hides_the_secret() {
    let text = format!("HF_TOKEN={HF}\n");
    let found = mlsecops_secrets::scan(text.as_bytes());
    assert_eq!(found.len(), 1);
    let obs = found[0].to_observation();
    assert!(mlsecops_core::rule(obs.rule).is_some());
    assert_eq!(obs.offset, Some(9));
    assert_eq!(
        obs.message,
        "Hugging Face access token (hf_qR…oP, 37 chars)"
    );
    assert_eq!(
        obs.evidence.get("detector").map(String::as_str),
        Some("huggingface-access-token")
    );
    assert_eq!(
        obs.evidence.get("secret_sha256"),
        Some(&mlsecops_secrets::sha256_hex(HF.as_bytes()))
    );
    assert!(!obs.message.contains(HF));
    assert!(obs.evidence.values().all(|v| !v.contains(HF)));
}

#[test]
fn hostile_inputs_are_bounded() {
    // Many keywords without secrets, a huge single line, and invalid UTF-8.
    let mut text = "api_key = token = secret = password: "
        .repeat(20_000)
        .into_bytes();
    text.extend_from_slice(&[0xff, 0xfe, b'\n']);
    text.extend(std::iter::repeat_n(b'A', 200_000));
    let started = std::time::Instant::now();
    let found = mlsecops_secrets::scan(&text);
    assert!(found.is_empty(), "{found:?}");
    assert!(started.elapsed().as_secs() < 20);
}
