//! Replays the fuzz corpora and regressions for the `tensorflow` and `tflite` targets as
//! ordinary tests.

use mlsecops_tensorflow::{
    analyze_graph_def, analyze_keras_metadata, analyze_saved_model, analyze_tflite,
    looks_like_graph_def, looks_like_saved_model,
};

fn exercise(data: &[u8]) {
    let _ = looks_like_saved_model(data);
    let _ = looks_like_graph_def(data);
    let _ = analyze_saved_model(data);
    let _ = analyze_graph_def(data);
    let _ = analyze_keras_metadata(data);
    let _ = analyze_tflite(data);
    if let Some(id) = data.get(4..8) {
        // Force the TFLite identifier so mutations reach the table walk (as the target does).
        let mut d = data.to_vec();
        if let Some(slot) = d.get_mut(4..8) {
            slot.copy_from_slice(b"TFL3");
        }
        let _ = (id, analyze_tflite(&d));
    }
}

#[test]
fn fuzz_corpus_and_regressions_never_panic() {
    let tf = mlsecops_testkit::replay_fuzz_target("tensorflow", exercise);
    let tflite = mlsecops_testkit::replay_fuzz_target("tflite", exercise);
    assert!(tf >= 10, "tensorflow seed corpus present ({tf} files)");
    assert!(tflite >= 3, "tflite seed corpus present ({tflite} files)");
}
