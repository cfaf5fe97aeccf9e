//! Bounded, read-only HDF5 reader for Keras model metadata.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
