//! TensorFlow SavedModel, GraphDef and TFLite security checks.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
