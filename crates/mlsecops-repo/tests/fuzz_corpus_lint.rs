//! Replays the `python` and `repo_configs` fuzz corpora (and regressions) through the entry
//! points the lint, posture and model-card checks added to those targets.

use mlsecops_repo::{lint, modelcard, posture};

#[test]
fn python_corpus_through_lint_and_jupyter_config() {
    let n = mlsecops_testkit::replay_fuzz_target("python", |d| {
        let _ = lint::lint(d);
        if let Ok(src) = std::str::from_utf8(d) {
            let _ = lint::lint_source(src);
        }
        let _ = posture::analyze("jupyter_server_config.py", d);
    });
    assert!(n >= 10, "seed corpus present ({n} files)");
}

#[test]
fn repo_configs_corpus_through_posture_and_cards() {
    let n = mlsecops_testkit::replay_fuzz_target("repo_configs", |d| {
        for name in [
            "Dockerfile",
            "run.sh",
            "deploy.yaml",
            "Procfile",
            "config.properties",
            ".streamlit/config.toml",
            "jupyter_notebook_config.json",
            "train_config.json",
        ] {
            let _ = posture::analyze(name, d);
        }
        let _ = modelcard::analyze_card(d);
    });
    assert!(n >= 10, "seed corpus present ({n} files)");
}
