//! Keras model config analysis (.keras archives, HDF5 .h5, SavedModel metadata).
#![forbid(unsafe_code)]
#![warn(missing_docs)]
