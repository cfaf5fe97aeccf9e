#![allow(missing_docs, clippy::print_stdout)]
fn main() {
    for f in std::env::args().skip(1) {
        let t = std::fs::read(&f).unwrap_or_default();
        for m in mlsecops_secrets::scan(&t) {
            println!("{f}\t{}\t{}\t{}", m.detector, m.line, String::from_utf8_lossy(&t[m.start..m.end]));
        }
    }
}
