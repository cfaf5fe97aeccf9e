//! Rego policy gates (conftest conventions) evaluated in-process over mlsecops run reports.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
