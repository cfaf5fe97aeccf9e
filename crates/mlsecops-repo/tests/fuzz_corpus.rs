//! Replays the fuzz corpora and regressions of the `python` and `repo_configs` targets as
//! ordinary tests.

mod common;

#[test]
fn python_corpus_and_regressions_never_panic() {
    let corpus = mlsecops_testkit::replay_fuzz_target("python", |d| {
        let _ = mlsecops_repo::python::estimate_nesting(d);
        let _ = mlsecops_repo::python::analyze(d);
    });
    assert!(corpus >= 5, "seed corpus present ({corpus} files)");
}

#[test]
fn repo_configs_corpus_and_regressions_never_panic() {
    let corpus = mlsecops_testkit::replay_fuzz_target("repo_configs", common::exercise_configs);
    assert!(corpus >= 10, "seed corpus present ({corpus} files)");
}
