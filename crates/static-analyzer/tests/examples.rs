//! No false positives on the example policies, and every code's documented example
//! gets its code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_analyzer::codes::Language;
use rtgsim_analyzer::{CODES, analyze_file, analyze_starlark, analyze_tree};
use std::path::PathBuf;

fn policies() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let mut files: Vec<PathBuf> = ["", "builtin"]
        .iter()
        .flat_map(|sub| std::fs::read_dir(root.join(sub)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "star" || e == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_example_policy_is_clean() {
    let files = policies();
    assert!(files.len() >= 18, "{files:?}");
    let mut dirty = Vec::new();
    for file in files {
        let findings = analyze_file(&file).unwrap();
        if !findings.is_empty() {
            dirty.push(format!(
                "{}:\n{}",
                file.display(),
                rtgsim_analyzer::render::human(&findings, &|_| None)
            ));
        }
    }
    assert!(dirty.is_empty(), "false positives:\n{}", dirty.join("\n"));
}

#[test]
fn every_code_example_gets_its_code() {
    for spec in CODES {
        let findings = match spec.language {
            Language::Starlark => analyze_starlark("example.star", spec.example),
            Language::Json => analyze_tree("example.json", spec.example),
        };
        assert!(
            findings.iter().any(|f| f.code == spec.name),
            "{}: the example got {:?}",
            spec.name,
            findings
                .iter()
                .map(|f| format!("{} {}", f.code, f.message))
                .collect::<Vec<_>>()
        );
    }
}
