//! Reader throughput on a synthetic notebook (or on files given as arguments):
//! `cargo run --release -p mlsecops-notebook --example throughput [FILE…]`.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::fmt::Write as _;
use std::time::Instant;

use mlsecops_notebook::{Limits, analyze_with_fragments, fragments, parse};

/// About 40 MiB: 2,000 code cells, each with a stream, an HTML table with a text/plain twin,
/// a 12 KiB base64 PNG and Colab-style metadata.
fn synthetic() -> Vec<u8> {
    let png = "iVBORw0KGgoAAAANSUhEUgAA".repeat(512);
    let mut rows = String::new();
    let mut plain = String::new();
    for r in 0..40 {
        let _ = writeln!(
            rows,
            "<tr><th>{r}</th><td>user{r}@example.com</td><td>4111 1111 1111 1111</td><td>{}</td></tr>",
            r * 7
        );
        let _ = writeln!(
            plain,
            "{r}  user{r}@example.com  4111 1111 1111 1111  {}",
            r * 7
        );
    }
    let html = format!(
        "<table><thead><tr><th></th><th>a</th><th>b</th><th>c</th></tr></thead><tbody>{rows}</tbody></table>"
    );
    let mut cells = Vec::new();
    for i in 0..2000 {
        let source =
            format!("import os\nx_{i} = compute({i})\n!pip install pkg{i}==1.0\nprint(x_{i})\n")
                .repeat(8);
        let stream = format!("step {i}: loss=0.123 \u{1b}[32mok\u{1b}[0m\n").repeat(100);
        cells.push(serde_json::json!({
            "cell_type": "code", "id": format!("c{i}"), "execution_count": i,
            "metadata": {"executionInfo": {"elapsed": 10, "status": "ok", "timestamp": 1, "user_tz": 0}},
            "source": source,
            "outputs": [
                {"output_type": "stream", "name": "stdout", "text": stream},
                {"output_type": "execute_result", "execution_count": i, "metadata": {},
                 "data": {"text/html": html, "text/plain": plain}},
                {"output_type": "display_data", "metadata": {}, "data": {"image/png": png, "text/plain": "<Figure>"}}
            ]
        }));
    }
    serde_json::to_vec_pretty(&serde_json::json!({
        "nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"name": "python3"}}, "cells": cells
    }))
    .unwrap()
}

fn main() {
    let files: Vec<String> = std::env::args().skip(1).collect();
    let inputs: Vec<(String, Vec<u8>)> = if files.is_empty() {
        vec![("synthetic".to_owned(), synthetic())]
    } else {
        files
            .into_iter()
            .map(|f| {
                let d = std::fs::read(&f).unwrap();
                (f, d)
            })
            .collect()
    };
    for (name, data) in inputs {
        let mut best = f64::MAX;
        let mut frag_count = 0;
        let mut text_bytes = 0;
        for _ in 0..5 {
            let start = Instant::now();
            let (_, _, frags) = analyze_with_fragments(&data, &Limits::default());
            best = best.min(start.elapsed().as_secs_f64());
            frag_count = frags.len();
            text_bytes = frags.iter().map(|f| f.text.len()).sum::<usize>();
        }
        let mut parse_best = f64::MAX;
        let mut frag_best = f64::MAX;
        for _ in 0..5 {
            let start = Instant::now();
            let nb = parse(&data, &Limits::default());
            parse_best = parse_best.min(start.elapsed().as_secs_f64());
            if let Ok(nb) = nb {
                let start = Instant::now();
                let _ = fragments(&nb);
                frag_best = frag_best.min(start.elapsed().as_secs_f64());
            }
        }
        println!(
            "{name}: parse {:.1} ms, fragments {:.1} ms",
            parse_best * 1e3,
            frag_best * 1e3
        );
        #[allow(clippy::cast_precision_loss)]
        let mib = data.len() as f64 / f64::from(1u32 << 20);
        println!(
            "{name}: {mib:.1} MiB, {frag_count} fragments, {text_bytes} text bytes, best of 5 {:.1} ms = {:.0} MiB/s",
            best * 1e3,
            mib / best
        );
    }
}
