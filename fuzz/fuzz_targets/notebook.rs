#![no_main]
//! Fuzz the notebook reader with default and tiny limits, every fragment, the magic / shell
//! splitter on each cell source, and the HTML / ANSI converters on the raw input.
use libfuzzer_sys::fuzz_target;
use mlsecops_notebook::{
    Limits, analyze_with_fragments, html_to_text, python_source, shell_lines, strip_ansi,
};

fuzz_target!(|data: &[u8]| {
    let (_, nb, frags) = analyze_with_fragments(data, &Limits::default());
    for f in &frags {
        let _ = f.line_at(f.text.len() / 2);
    }
    if let Some(nb) = nb {
        for cell in &nb.cells {
            let py = python_source(&cell.source);
            assert_eq!(py.split('\n').count(), cell.source.split('\n').count());
            let _ = shell_lines(&cell.source);
        }
    }
    let tiny = Limits {
        max_file_size: 4096,
        max_depth: 6,
        max_cells: 2,
        max_outputs: 2,
        max_text_bytes: 64,
    };
    let (_, _, frags) = analyze_with_fragments(data, &tiny);
    assert!(frags.iter().map(|f| f.text.len()).sum::<usize>() <= 64);
    let text = String::from_utf8_lossy(data);
    let _ = html_to_text(&text);
    let _ = strip_ansi(&text);
    let py = python_source(&text);
    assert_eq!(py.split('\n').count(), text.split('\n').count());
});
