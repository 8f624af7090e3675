//! `fixtures/analyzer/`: broken and suspicious policies in both languages, each with
//! its findings as a snapshot (as `rtgsim check` prints them). Each file's first line
//! names the codes it is there for; the test checks they are among its findings.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_analyzer::{analyze_starlark, analyze_tree, render};
use std::path::PathBuf;

fn corpus() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/analyzer");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

/// The codes a file's leading comment promises (Starlark files only; JSON has no
/// comments, so their snapshots speak for them).
fn promised(text: &str) -> Vec<String> {
    let first = text.lines().next().unwrap_or("");
    if !first.starts_with('#') {
        return Vec::new();
    }
    first
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| {
            w.len() == 4
                && (w.starts_with('E') || w.starts_with('W'))
                && w[1..].chars().all(|c| c.is_ascii_digit())
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn every_corpus_policy_gets_its_findings() {
    let files = corpus();
    assert!(files.len() >= 40, "{} policies", files.len());
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        // Analysed under its bare name, so that the snapshots do not depend on where
        // the repository is.
        let findings = if name.ends_with(".star") {
            analyze_starlark(&name, &text)
        } else {
            analyze_tree(&name, &text)
        };
        for code in promised(&text) {
            assert!(
                findings.iter().any(|f| f.code == code),
                "{name}: no {code} in {findings:?}"
            );
        }
        let report = render::human(&findings, &|_| Some(text.clone()));
        insta::assert_snapshot!(name.clone(), report);
    }
}
