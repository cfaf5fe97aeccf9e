//! Reader behaviour on hand-written notebooks: v4/v3 structure, multiline strings, ANSI, HTML,
//! unknown types, caps and malformed input with positions.

use mlsecops_notebook::{
    CellType, FragmentKind, Limits, MimeData, NotebookError, OutputKind, analyze, analyze_with,
    fragments, parse, take_location,
};

fn nb4(cells: &str) -> String {
    format!(r#"{{"nbformat": 4, "nbformat_minor": 5, "metadata": {{}}, "cells": [{cells}]}}"#)
}

fn rules(data: &[u8], limits: &Limits) -> Vec<&'static str> {
    analyze_with(data, limits)
        .0
        .observations
        .iter()
        .map(|o| o.rule)
        .collect()
}

#[test]
fn multiline_strings_join_without_extra_newlines() {
    let list = nb4(
        r#"{"cell_type": "code", "id": "a", "metadata": {}, "execution_count": null,
            "source": ["x = 1\n", "y = 2\n", "z"], "outputs": [
              {"output_type": "stream", "name": "stdout", "text": ["a\n", "b"]}]}"#,
    );
    let string = nb4(
        r#"{"cell_type": "code", "id": "a", "metadata": {}, "execution_count": null,
            "source": "x = 1\ny = 2\nz", "outputs": [
              {"output_type": "stream", "name": "stdout", "text": "a\nb"}]}"#,
    );
    let a = parse(list.as_bytes(), &Limits::default()).unwrap();
    let b = parse(string.as_bytes(), &Limits::default()).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.cells[0].source, "x = 1\ny = 2\nz");
    assert_eq!(a.cells[0].id.as_deref(), Some("a"));
    assert!(a.issues.is_empty(), "{:?}", a.issues);
    let frags = fragments(&a);
    assert_eq!(frags[1].kind, FragmentKind::Stdout);
    assert_eq!(frags[1].line(2), Some("b"));
}

#[test]
fn v3_worksheets_map_onto_v4_types() {
    let v3 = r#"{"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": "old"},
      "worksheets": [
        {"cells": [{"cell_type": "heading", "level": 2, "metadata": {}, "source": ["Title"]}],
         "metadata": {}},
        {"cells": [
          {"cell_type": "code", "collapsed": false, "input": ["print(1)\n", "1/0"], "language": "python",
           "metadata": {}, "prompt_number": 3, "outputs": [
             {"output_type": "stream", "stream": "stderr", "text": ["warn\n"]},
             {"output_type": "pyout", "prompt_number": 3, "metadata": {}, "text": ["1"],
              "html": ["<b>1</b>"], "png": "iVBORw0KGgo=", "json": {"k": "v"}},
             {"output_type": "pyerr", "ename": "ZeroDivisionError", "evalue": "division by zero",
              "traceback": ["\u001b[0;31mZeroDivisionError\u001b[0m  Traceback", "line 2"]}]},
          {"cell_type": "raw", "metadata": {}, "source": "raw text", "rendered": "<p>raw text</p>"}
        ], "metadata": {}}]}"#;
    let nb = parse(v3.as_bytes(), &Limits::default()).unwrap();
    assert_eq!((nb.nbformat, nb.nbformat_minor), (3, 0));
    let types: Vec<CellType> = nb.cells.iter().map(|c| c.cell_type).collect();
    assert_eq!(types, [CellType::Heading, CellType::Code, CellType::Raw]);
    assert_eq!(nb.cells[1].index, 1);
    assert_eq!(nb.cells[1].source, "print(1)\n1/0");
    let outputs = &nb.cells[1].outputs;
    assert!(
        matches!(&outputs[0].kind, OutputKind::Stream { name, text } if name == "stderr" && text == "warn\n")
    );
    let OutputKind::ExecuteResult { data } = &outputs[1].kind else {
        panic!("{:?}", outputs[1].kind)
    };
    let mimes: Vec<&str> = data.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(
        mimes,
        ["text/plain", "text/html", "application/json", "image/png"]
    );
    assert!(matches!(&data[2].1, MimeData::Json(v) if v["k"] == "v"));
    assert!(nb.issues.is_empty(), "{:?}", nb.issues);
    assert!(nb.extra.is_empty(), "{:?}", nb.extra);

    let frags = fragments(&nb);
    let kinds: Vec<(FragmentKind, Option<&str>)> =
        frags.iter().map(|f| (f.kind, f.mime.as_deref())).collect();
    assert_eq!(
        kinds,
        [
            (FragmentKind::NotebookMetadata, None),
            (FragmentKind::MarkdownSource, None),
            (FragmentKind::CodeSource, None),
            (FragmentKind::Stderr, None),
            (FragmentKind::ExecuteResult, Some("text/plain")),
            (FragmentKind::ExecuteResult, Some("text/html")),
            (FragmentKind::ExecuteResult, Some("application/json")),
            (FragmentKind::Error, None),
            (FragmentKind::RawSource, None),
            (FragmentKind::Extra, None),
        ]
    );
    let err = frags
        .iter()
        .find(|f| f.kind == FragmentKind::Error)
        .unwrap();
    assert_eq!(
        err.text,
        "ZeroDivisionError: division by zero\nZeroDivisionError  Traceback\nline 2"
    );
    assert_eq!((err.cell, err.output), (Some(1), Some(2)));
}

#[test]
fn html_tables_and_ansi_in_outputs() {
    let nb = nb4(
        r#"{"cell_type": "code", "id": "t", "metadata": {}, "execution_count": 1, "source": "df",
            "outputs": [{"output_type": "execute_result", "execution_count": 1, "metadata": {},
              "data": {"text/html": ["<table><tr><th>a</th><th>b</th></tr>\n", "<tr><td>1&amp;2</td><td></td></tr></table>"],
                       "text/plain": "\u001b[1ma  b\u001b[0m"}},
              {"output_type": "stream", "name": "stdout", "text": "\u001b[32mok\u001b[0m\r\n"}]}"#,
    );
    let nb = parse(nb.as_bytes(), &Limits::default()).unwrap();
    let frags = fragments(&nb);
    let html = frags
        .iter()
        .find(|f| f.mime.as_deref() == Some("text/html"))
        .unwrap();
    assert_eq!(html.text, "a\tb\n1&2\t");
    let plain = frags
        .iter()
        .find(|f| f.mime.as_deref() == Some("text/plain"))
        .unwrap();
    assert_eq!(plain.text, "a  b");
    let out = frags
        .iter()
        .find(|f| f.kind == FragmentKind::Stdout)
        .unwrap();
    assert_eq!(out.text, "ok\r\n");
}

#[test]
fn unknown_types_and_keys_are_reported_and_still_scanned() {
    let text = nb4(
        r#"{"cell_type": "sql", "id": "q", "metadata": {}, "source": "SELECT 'tok_unknown_cell'"},
           {"cell_type": "code", "id": "c", "metadata": {}, "execution_count": 1, "source": "x",
            "custom_key": {"secret": "tok_extra_key"},
            "outputs": [{"output_type": "future_output", "payload": "tok_unknown_output"},
                        {"output_type": "stream", "name": "log", "text": "tok_other_stream", "extra": "tok_output_extra"}]}"#,
    );
    let (analysis, nb) = analyze(text.as_bytes());
    let nb = nb.unwrap();
    assert!(analysis.incomplete.is_none());
    assert_eq!(nb.cells[0].cell_type, CellType::Unknown);
    assert_eq!(nb.cells[0].type_name, "sql");
    let nonstandard: Vec<String> = analysis
        .observations
        .iter()
        .filter(|o| o.rule == "notebook-nonstandard-element")
        .map(|o| o.message.clone())
        .collect();
    assert_eq!(nonstandard.len(), 4, "{nonstandard:?}");
    assert!(nonstandard.iter().any(|m| m.contains("`sql`")));
    assert!(nonstandard.iter().any(|m| m.contains("`future_output`")));
    let frags = fragments(&nb);
    for (needle, kind) in [
        ("tok_unknown_cell", FragmentKind::OtherSource),
        ("tok_extra_key", FragmentKind::Extra),
        ("tok_unknown_output", FragmentKind::UnknownOutput),
        ("tok_other_stream", FragmentKind::OtherStream),
        ("tok_output_extra", FragmentKind::Extra),
    ] {
        let f = frags.iter().find(|f| f.text.contains(needle)).unwrap();
        assert_eq!(f.kind, kind, "{needle}");
    }
}

#[test]
fn wrong_field_types_keep_their_text() {
    let text = nb4(
        r#"{"cell_type": "markdown", "id": "m", "metadata": {}, "source": {"note": "tok_in_object"}},
           {"cell_type": "code", "id": "c", "metadata": {}, "source": ["a", 5, "b"], "outputs": "nope"}"#,
    );
    let (analysis, nb) = analyze(text.as_bytes());
    let nb = nb.unwrap();
    assert!(analysis.incomplete.is_none());
    let malformed = analysis
        .observations
        .iter()
        .filter(|o| o.rule == "notebook-malformed")
        .count();
    assert_eq!(malformed, 3, "{:?}", analysis.observations);
    assert_eq!(nb.cells[0].source, r#"{"note":"tok_in_object"}"#);
    assert_eq!(nb.cells[1].source, "a5b");
    assert!(
        fragments(&nb)
            .iter()
            .any(|f| f.kind == FragmentKind::Extra && f.text.contains("nope"))
    );
}

#[test]
fn caps_stop_reading_and_mark_the_analysis_incomplete() {
    let cell = r#"{"cell_type": "code", "id": "c", "metadata": {}, "execution_count": 1, "source": "x",
        "outputs": [{"output_type": "stream", "name": "stdout", "text": "0123456789"}]}"#;
    let three = nb4(&[cell, cell, cell].join(","));
    let limits = Limits {
        max_cells: 2,
        ..Limits::default()
    };
    let (analysis, nb) = analyze_with(three.as_bytes(), &limits);
    assert_eq!(nb.unwrap().cells.len(), 2);
    assert!(analysis.incomplete.is_some());
    assert!(rules(three.as_bytes(), &limits).contains(&"notebook-limit-exceeded"));

    let limits = Limits {
        max_outputs: 1,
        ..Limits::default()
    };
    let (analysis, nb) = analyze_with(three.as_bytes(), &limits);
    let nb = nb.unwrap();
    assert_eq!(nb.cells.iter().map(|c| c.outputs.len()).sum::<usize>(), 1);
    assert!(analysis.incomplete.is_some());

    let limits = Limits {
        max_text_bytes: 15,
        ..Limits::default()
    };
    let (analysis, nb) = analyze_with(three.as_bytes(), &limits);
    let total: usize = fragments(&nb.unwrap()).iter().map(|f| f.text.len()).sum();
    assert_eq!(total, 15);
    assert!(analysis.incomplete.is_some());

    let limits = Limits {
        max_file_size: 10,
        ..Limits::default()
    };
    let (analysis, nb) = analyze_with(three.as_bytes(), &limits);
    assert!(nb.is_none());
    assert_eq!(analysis.observations[0].rule, "notebook-limit-exceeded");
    assert!(analysis.incomplete.is_some());
}

#[test]
fn hostile_nesting_is_refused_before_serde_recurses() {
    // Far beyond any stack: must be refused by the linear pre-scan, not crash.
    let mut deep = String::from("{\"nbformat\": 4, \"cells\": [], \"metadata\": {\"x\":\n");
    deep.push_str(&"[".repeat(1_000_000));
    let err = parse(deep.as_bytes(), &Limits::default()).unwrap_err();
    let NotebookError::TooDeep {
        limit,
        line,
        column,
        offset,
    } = err
    else {
        panic!("{err:?}")
    };
    assert_eq!(limit, 64);
    assert_eq!(line, 2);
    assert_eq!(column, 63);
    assert_eq!(
        usize::try_from(offset).unwrap(),
        deep.find('\n').unwrap() + 1 + 62
    );

    // Brackets inside strings do not count.
    let fine = nb4(&format!(
        r#"{{"cell_type": "raw", "id": "r", "metadata": {{}}, "source": "{}"}}"#,
        "[{".repeat(10_000)
    ));
    assert!(parse(fine.as_bytes(), &Limits::default()).is_ok());

    // A clamped depth above serde_json's own limit still fails cleanly.
    let limits = Limits {
        max_depth: 10_000,
        ..Limits::default()
    };
    let nested = format!("{}{}", "[".repeat(129), "]".repeat(129));
    assert!(matches!(
        parse(nested.as_bytes(), &limits),
        Err(NotebookError::TooDeep { limit: 128, .. })
    ));
}

#[test]
fn malformed_inputs_report_positions() {
    let cases: &[(&[u8], u32, u32)] = &[
        (b"{\n  \"nbformat\": 4,\n  \"cells\": [,]\n}", 3, 13),
        (b"{\"nbformat\": 4, \"cells\": [", 1, 26),
        (b"{\"a\": \"\xff\"}", 1, 8),
        (b"", 1, 0),
    ];
    for (data, want_line, want_col) in cases {
        let (analysis, nb) = analyze(data);
        assert!(nb.is_none());
        let mut obs = analysis.observations[0].clone();
        assert_eq!(obs.rule, "notebook-malformed");
        assert!(analysis.incomplete.is_some());
        let offset = obs.offset.unwrap();
        let loc = take_location(&mut obs);
        assert_eq!(
            (loc.line, loc.column),
            (Some(*want_line), Some(*want_col)),
            "{:?}: {}",
            String::from_utf8_lossy(data),
            obs.message
        );
        assert!(usize::try_from(offset).unwrap() <= data.len());
        assert!(!obs.evidence.contains_key("line"));
    }
    for (data, fragment) in [
        (&b"[1, 2]"[..], "top level is an array"),
        (b"{\"cells\": []}", "no `nbformat`"),
        (
            b"{\"nbformat\": 5, \"cells\": []}",
            "unsupported nbformat 5",
        ),
        (
            b"{\"nbformat\": \"4\", \"cells\": []}",
            "unsupported nbformat \"4\"",
        ),
        (b"{\"nbformat\": 4}", "no `cells`"),
        (
            b"{\"nbformat\": 3, \"cells\": []}",
            "without a `worksheets`",
        ),
        (b"{\"nbformat\": 4, \"cells\": {}}", "`cells` is an object"),
    ] {
        let (analysis, nb) = analyze(data);
        assert!(nb.is_none());
        assert!(
            analysis.observations[0].message.contains(fragment),
            "{}",
            analysis.observations[0].message
        );
        assert_eq!(analysis.observations[0].rule, "notebook-malformed");
    }
}

#[test]
fn bom_and_minimal_notebooks_are_accepted() {
    let mut data = b"\xEF\xBB\xBF".to_vec();
    data.extend_from_slice(br#"{"nbformat": 4, "nbformat_minor": 2, "metadata": {}, "cells": []}"#);
    let (analysis, nb) = analyze(&data);
    assert!(analysis.observations.is_empty(), "{analysis:?}");
    assert_eq!(nb.unwrap().nbformat_minor, 2);
    // A BOM followed by garbage reports the column in the file, BOM included.
    let (analysis, _) = analyze(b"\xEF\xBB\xBF{x");
    let mut obs = analysis.observations[0].clone();
    assert_eq!(take_location(&mut obs).column, Some(5));
}

#[test]
fn binary_mimes_and_base64_are_never_text() {
    let png = "iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAEUlEQVR4nGP8z8DAwMDAwMAAABgAAf8fTjYAAAAASUVORK5CYII=";
    let big = "QUJD".repeat(100);
    let text = nb4(&format!(
        r#"{{"cell_type": "markdown", "id": "m", "metadata": {{"blob": "{big}"}}, "source": "x",
             "attachments": {{"a.png": {{"image/png": "{png}"}}, "a.txt": {{"text/plain": ["att"]}}}}}},
           {{"cell_type": "code", "id": "c", "metadata": {{}}, "execution_count": 1, "source": "y",
             "outputs": [{{"output_type": "display_data", "metadata": {{}},
               "data": {{"image/png": "{png}", "application/pdf": "{big}", "image/svg+xml": "<svg>s</svg>",
                        "application/vnd.custom+json": {{"k": "{big}"}}}}}}]}}"#
    ));
    let nb = parse(text.as_bytes(), &Limits::default()).unwrap();
    let frags = fragments(&nb);
    for f in &frags {
        assert!(!f.text.contains(png) && !f.text.contains(&big), "{f:?}");
        assert!(!f.text.contains("<svg>"), "{f:?}");
    }
    assert!(
        frags
            .iter()
            .any(|f| f.kind == FragmentKind::Attachment && f.text == "att")
    );
    assert!(
        frags
            .iter()
            .any(|f| f.mime.as_deref() == Some("application/vnd.custom+json")
                && f.text.contains("<base64, 400 bytes omitted>"))
    );
}
