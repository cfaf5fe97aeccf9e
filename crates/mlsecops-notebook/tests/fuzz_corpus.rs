//! Replays the fuzz corpus and regressions for the `notebook` target as ordinary tests.

use mlsecops_notebook::{
    Limits, analyze_with_fragments, html_to_text, python_source, shell_lines, strip_ansi,
};

#[test]
fn fuzz_corpus_and_regressions_never_panic() {
    let corpus = mlsecops_testkit::replay_fuzz_target("notebook", |data| {
        let (_, nb, _) = analyze_with_fragments(data, &Limits::default());
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
    });
    assert!(corpus >= 10, "seed corpus present ({corpus} files)");
}
