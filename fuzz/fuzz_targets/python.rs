#![no_main]
//! Fuzz the Python source analyser of `mlsecops-repo` (ruff parser + resolver + rule table)
//! and the nesting pre-scan on its own.
use libfuzzer_sys::fuzz_target;
use mlsecops_repo::python;

fuzz_target!(|data: &[u8]| {
    let _ = python::estimate_nesting(data);
    let _ = python::analyze(data);
});
