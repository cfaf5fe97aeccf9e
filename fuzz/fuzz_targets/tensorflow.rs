#![no_main]
//! Fuzz the TensorFlow protobuf analysers (SavedModel, GraphDef, Keras metadata) and the
//! routing trials.
use libfuzzer_sys::fuzz_target;
use mlsecops_tensorflow::{
    analyze_graph_def, analyze_keras_metadata, analyze_saved_model, looks_like_graph_def,
    looks_like_saved_model,
};

fuzz_target!(|data: &[u8]| {
    let _ = looks_like_saved_model(data);
    let _ = looks_like_graph_def(data);
    let _ = analyze_saved_model(data);
    let _ = analyze_graph_def(data);
    let _ = analyze_keras_metadata(data);
});
