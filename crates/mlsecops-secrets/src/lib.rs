//! Secret and credential detection over text: rules as data, keyword prefilter, entropy, allowlists, masking, baselines.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
