//! Personal-data detectors (checksummed) for text and tabular data files.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
