#![no_main]
//! Fuzz the chat-template analyser (minijinja parse + AST walk + lexical fallback) on UTF-8
//! input; non-UTF-8 input is decoded lossily so every run exercises it.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = mlsecops_template::check(&text);
});
