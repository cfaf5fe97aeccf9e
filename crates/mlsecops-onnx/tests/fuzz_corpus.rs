//! Replays the fuzz corpus and regressions for the `onnx` target as ordinary tests.

use mlsecops_onnx::{OnnxContext, analyze, looks_like_onnx};

#[test]
fn fuzz_corpus_and_regressions_never_panic() {
    let corpus = mlsecops_testkit::replay_fuzz_target("onnx", |data| {
        let _ = looks_like_onnx(data);
        let _ = analyze(data, &OnnxContext::default());
    });
    assert!(corpus >= 10, "seed corpus present ({corpus} files)");
}
