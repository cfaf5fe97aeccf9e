#![no_main]
//! Fuzz the Python source analyser of `mlsecops-repo` (ruff parser + resolver + rule table),
//! the nesting pre-scan on its own, the unsafe-ML-code lint and the Jupyter `.py` config
//! posture check (both share the parser driver).
use libfuzzer_sys::fuzz_target;
use mlsecops_repo::{lint, posture, python};

fuzz_target!(|data: &[u8]| {
    let _ = python::estimate_nesting(data);
    let _ = python::analyze(data);
    let _ = lint::lint(data);
    if let Ok(src) = std::str::from_utf8(data) {
        let _ = lint::lint_source(src);
    }
    let _ = posture::analyze("jupyter_server_config.py", data);
});
