//! Fixture tests of the unsafe-ML-code lint, the posture checks and the model-card hooks:
//! positives carry the expected rules and evidence, the safe counterparts stay quiet, and a
//! directory yields at most one model-card finding.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::path::{Path, PathBuf};

use mlsecops_core::FormatAnalysis;
use mlsecops_repo::{analyze_repo_file, hf, lint, mlflow, posture};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(root().join(rel)).unwrap()
}

fn ids(a: &FormatAnalysis) -> Vec<&'static str> {
    a.observations.iter().map(|o| o.rule).collect()
}

fn count(a: &FormatAnalysis, rule: &str) -> usize {
    a.observations.iter().filter(|o| o.rule == rule).count()
}

#[test]
fn unsafe_loading_fixture() {
    let src = read("code/unsafe_model_loading.py");
    let a = lint::lint(&src);
    assert!(a.incomplete.is_none());
    assert_eq!(count(&a, "code-pickle-load"), 3, "{:?}", ids(&a));
    // The aliased `from torch import load as load_checkpoint` call resolves to torch.load.
    let disabled = a
        .observations
        .iter()
        .find(|o| o.rule == "code-torch-load-weights-only-disabled")
        .unwrap();
    assert_eq!(
        disabled.evidence.get("call").map(String::as_str),
        Some("torch.load")
    );
    let text = String::from_utf8(src).unwrap();
    let at = usize::try_from(disabled.offset.unwrap()).unwrap();
    assert!(text[at..].starts_with("load_checkpoint("));
    let joblib = a
        .observations
        .iter()
        .filter(|o| o.rule == "code-pickle-load")
        .filter_map(|o| o.evidence.get("call"))
        .collect::<Vec<_>>();
    assert!(joblib.iter().any(|c| *c == "joblib.load"), "{joblib:?}");
}

#[test]
fn remote_code_agent_and_gradio_fixtures() {
    let a = lint::lint(&read("code/remote_code_and_keras.py"));
    assert_eq!(count(&a, "code-trust-remote-code"), 4);
    assert_eq!(count(&a, "code-keras-unsafe-deserialization"), 2);
    let a = lint::lint(&read("code/llm_agent.py"));
    assert_eq!(count(&a, "code-eval-model-output"), 1);
    assert_eq!(count(&a, "code-agent-code-execution"), 3);
    let a = lint::lint(&read("code/gradio_public_demo.py"));
    assert_eq!(ids(&a), ["posture-gradio-exposed"]);
}

#[test]
fn safe_counterparts_are_quiet() {
    let a = lint::lint(&read("code/safe_usage.py"));
    assert!(a.observations.is_empty(), "{:?}", a.observations);
    for f in [
        "posture/benign_jupyter/jupyter_server_config.py",
        "posture/benign_docker/Dockerfile",
        "posture/torchserve_local/config.properties",
    ] {
        let a = posture::analyze(f, &read(f)).unwrap();
        assert!(a.observations.is_empty(), "{f}: {:?}", a.observations);
        assert!(a.incomplete.is_none());
    }
}

#[test]
fn notebook_cell_source() {
    // Magic lines blanked by the caller; offsets are relative to the cell.
    let cell = "\nimport torch\nm = torch.load('ckpt.pt', weights_only=False)\n";
    let obs = lint::lint_source(cell);
    assert_eq!(obs.len(), 1);
    let o = obs.first().unwrap();
    assert_eq!(o.evidence.get("line").map(String::as_str), Some("3"));
    assert_eq!(o.offset, Some(cell.find("torch.load").unwrap() as u64));
}

#[test]
fn posture_fixtures() {
    let cases: &[(&str, &[&str])] = &[
        (
            "posture/exposed_jupyter/jupyter_server_config.py",
            &[
                "posture-jupyter-no-auth",
                "posture-cors-wildcard",
                "posture-xsrf-disabled",
                "posture-jupyter-allow-root",
            ],
        ),
        (
            "posture/jupyter_json/jupyter_notebook_config.json",
            &["posture-jupyter-no-auth", "posture-cors-wildcard"],
        ),
        (
            "posture/Dockerfile",
            &["posture-jupyter-no-auth", "posture-jupyter-allow-root"],
        ),
        (
            "posture/start_services.sh",
            &[
                "posture-mlflow-server-exposed",
                "posture-ray-dashboard-exposed",
                "posture-public-bucket",
            ],
        ),
        ("posture/Procfile", &["posture-mlflow-server-exposed"]),
        (
            "posture/triton-deployment.yaml",
            &["posture-inference-server-exposed"],
        ),
        ("posture/training_config.yaml", &["posture-public-bucket"]),
        (
            "posture/streamlit_app/.streamlit/config.toml",
            &["posture-cors-wildcard", "posture-xsrf-disabled"],
        ),
    ];
    for (path, want) in cases {
        let a = posture::analyze(path, &read(path)).unwrap();
        assert_eq!(ids(&a), *want, "{path}");
    }
    let a = posture::analyze(
        "torchserve_open/config.properties",
        &read("posture/torchserve_open/config.properties"),
    )
    .unwrap();
    assert_eq!(count(&a, "posture-torchserve-management-exposed"), 3);
    assert_eq!(count(&a, "posture-inference-server-exposed"), 2);
    assert_eq!(count(&a, "posture-torchserve-allowed-urls"), 1);
    // The Dockerfile finding points at the CMD line.
    let a = posture::analyze("Dockerfile", &read("posture/Dockerfile")).unwrap();
    assert_eq!(
        a.observations
            .first()
            .and_then(|o| o.evidence.get("line"))
            .map(String::as_str),
        Some("6")
    );
}

fn hf_card_rules(dir: &str) -> Vec<&'static str> {
    let dir = root().join("modelcard").join(dir);
    let a = hf::analyze_config(
        "config.json",
        &std::fs::read(dir.join("config.json")).unwrap(),
        Some(&dir),
    );
    ids(&a)
        .into_iter()
        .filter(|r| r.starts_with("model-card-"))
        .collect()
}

#[test]
fn model_card_hooks() {
    assert_eq!(hf_card_rules("hf_no_card"), ["model-card-missing"]);
    assert_eq!(
        hf_card_rules("hf_incomplete_card"),
        ["model-card-incomplete"]
    );
    assert!(hf_card_rules("hf_complete_card").is_empty());
    // Other config files of the same directory do not repeat the finding.
    let dir = root().join("modelcard/hf_no_card");
    let a = hf::analyze_config("tokenizer_config.json", b"{}", Some(&dir));
    assert!(a.observations.is_empty());
    // Without a directory (archive member) nothing can be said.
    let a = hf::analyze_config(
        "config.json",
        &read("modelcard/hf_no_card/config.json"),
        None,
    );
    assert!(a.observations.is_empty());
    // MLflow: one finding, listing what is missing.
    let dir = root().join("modelcard/mlflow_incomplete_card");
    let a = mlflow::analyze_mlmodel(&std::fs::read(dir.join("MLmodel")).unwrap(), Some(&dir));
    let cards: Vec<_> = a
        .observations
        .iter()
        .filter(|o| o.rule.starts_with("model-card-"))
        .collect();
    assert_eq!(cards.len(), 1);
    assert_eq!(
        cards
            .first()
            .and_then(|o| o.evidence.get("missing"))
            .map(String::as_str),
        Some("limitations/bias/risks, training data, evaluation/metrics")
    );
}

#[test]
fn one_card_finding_per_directory_with_both_hf_and_mlflow_files() {
    let dir = std::env::temp_dir().join(format!("mlsecops-card-both-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        root().join("benign/mlflow_sklearn/MLmodel"),
        dir.join("MLmodel"),
    )
    .unwrap();
    std::fs::copy(
        root().join("modelcard/hf_no_card/config.json"),
        dir.join("config.json"),
    )
    .unwrap();
    let hf = hf::analyze_config(
        "config.json",
        &read("modelcard/hf_no_card/config.json"),
        Some(&dir),
    );
    let ml = mlflow::analyze_mlmodel(&std::fs::read(dir.join("MLmodel")).unwrap(), Some(&dir));
    let total = [hf, ml]
        .iter()
        .flat_map(|a| a.observations.iter())
        .filter(|o| o.rule == "model-card-missing")
        .count();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(total, 1);
}

#[test]
fn repo_routing_merges_python_analyses_and_routes_posture() {
    let a = analyze_repo_file("src/llm_agent.py", &read("code/llm_agent.py"), None).unwrap();
    assert!(ids(&a).contains(&"code-eval-model-output"));
    assert!(ids(&a).contains(&"python-dynamic-code"));
    let a = analyze_repo_file("deploy/Dockerfile", &read("posture/Dockerfile"), None).unwrap();
    assert!(ids(&a).contains(&"posture-jupyter-no-auth"));
    assert!(analyze_repo_file("notes.txt", b"jupyter lab --ServerApp.token=''", None).is_none());
}

#[test]
fn sub_models_of_documented_repositories_are_left_to_the_root_card() {
    let root_dir = std::env::temp_dir().join(format!("mlsecops-card-sub-{}", std::process::id()));
    let sub = root_dir.join("text_encoder");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(root_dir.join("model_index.json"), "{}").unwrap();
    let config = read("modelcard/hf_no_card/config.json");
    let a = hf::analyze_config("config.json", &config, Some(&sub));
    let quiet = a.observations.is_empty();
    std::fs::remove_file(root_dir.join("model_index.json")).unwrap();
    let a = hf::analyze_config("config.json", &config, Some(&sub));
    let flagged = ids(&a) == ["model-card-missing"];
    std::fs::remove_dir_all(&root_dir).unwrap();
    assert!(quiet && flagged);
}

/// Throughput of the lint over a directory of real Python files (not run by default):
/// `MLSECOPS_LINT_BENCH_LIST=<file with one path per line> cargo test --release -p mlsecops-repo
/// --test lint_posture_cards -- --ignored --nocapture lint_throughput`.
#[test]
#[ignore = "measurement; needs MLSECOPS_LINT_BENCH_LIST"]
fn lint_throughput() {
    let Some(list) = std::env::var_os("MLSECOPS_LINT_BENCH_LIST") else {
        return;
    };
    let paths: Vec<String> = std::fs::read_to_string(list)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    let files: Vec<Vec<u8>> = paths.iter().map(|p| std::fs::read(p).unwrap()).collect();
    for (path, data) in paths.iter().zip(&files) {
        for o in lint::lint(data).observations {
            let call = o.evidence.get("call").cloned().unwrap_or_default();
            let line = o.evidence.get("line").cloned().unwrap_or_default();
            eprintln!("finding {} {call} {path}:{line}", o.rule);
        }
    }
    let bytes: usize = files.iter().map(Vec::len).sum();
    for (label, f) in [
        ("lint", lint::lint as fn(&[u8]) -> FormatAnalysis),
        ("python::analyze", mlsecops_repo::python::analyze),
    ] {
        let start = std::time::Instant::now();
        let mut findings = 0usize;
        for data in &files {
            findings += f(data).observations.len();
        }
        let secs = start.elapsed().as_secs_f64();
        #[allow(clippy::cast_precision_loss)]
        let mb_s = bytes as f64 / 1e6 / secs;
        eprintln!(
            "{label}: {} files, {bytes} bytes, {secs:.3} s, {mb_s:.1} MB/s, {findings} findings",
            files.len()
        );
    }
}
