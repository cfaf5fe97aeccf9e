//! Python dependency manifests, PEP 440 versions and offline OSV advisory matching.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
