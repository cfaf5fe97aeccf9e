//! Times loading an advisory database and analysing one manifest against it:
//! `cargo run --release -p mlsecops-deps --example deps_bench -- DB MANIFEST`.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::path::Path;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let db_path = args.next().expect("DB path");
    let manifest = args.next().expect("manifest path");
    let t = Instant::now();
    let db = mlsecops_deps::AdvisoryDb::load(Path::new(&db_path)).unwrap();
    let load = t.elapsed();
    let path = Path::new(&manifest);
    let data = std::fs::read(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy();
    let t = Instant::now();
    let analysis = mlsecops_deps::analyze_manifest(&name, &data, path.parent(), &db).unwrap();
    let scan = t.elapsed();
    println!(
        "load: {load:.2?} ({} advisories, {} bytes), analyse: {scan:.2?} ({} bytes, {} observations)",
        db.info().indexed,
        std::fs::metadata(&db_path).map_or(0, |m| m.len()),
        data.len(),
        analysis.observations.len()
    );
}
