//! `python_source` output must be valid Python for the parser the scan engine lints with
//! (ruff's), while the raw IPython sources are not; line numbers stay put.

use std::path::Path;

use mlsecops_notebook::{CellType, Limits, parse, python_source};
use ruff_python_parser::parse_module;

const IPYTHON_CELLS: &[&str] = &[
    "import os\n!pip install torch==2.5.1 \\\n    numpy\n%env KEY=1\nfiles = !ls\nprint(files)",
    "for x in range(3):\n    !echo $x\n    %time f(x)\n",
    "%%bash\nfor f in *.csv; do wc -l \"$f\"; done\n",
    "%%capture out\n!pip install -q transformers\nimport transformers\n",
    "df.describe?\nmodel??\nx = 1",
    "%%writefile train.py\nimport sys\nif True:\nprint('not python at all'\n",
    "def f():\n    %load_ext autoreload\n    return 1\n",
];

#[test]
fn blanked_sources_parse_and_raw_ones_do_not() {
    for src in IPYTHON_CELLS {
        assert!(parse_module(src).is_err(), "raw source parsed: {src:?}");
        let py = python_source(src);
        assert!(
            parse_module(&py).is_ok(),
            "{src:?} -> {py:?}: {:?}",
            parse_module(&py).err()
        );
        assert_eq!(py.split('\n').count(), src.split('\n').count());
    }
}

#[test]
fn fixture_code_cells_parse_after_blanking() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "ipynb") {
            continue;
        }
        let nb = parse(&std::fs::read(&path).unwrap(), &Limits::default()).unwrap();
        for cell in nb.cells.iter().filter(|c| c.cell_type == CellType::Code) {
            let py = python_source(&cell.source);
            assert!(
                parse_module(&py).is_ok(),
                "{} cell {}: {py:?}",
                path.display(),
                cell.index
            );
            // Lines that were Python are byte-identical.
            for (a, b) in cell.source.split('\n').zip(py.split('\n')) {
                assert!(
                    a == b || b.trim().is_empty() || b.trim() == "pass",
                    "{a:?} -> {b:?}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 12, "{checked} code cells");
}
