//! `docs/analyzer.md` lists every code with its example, generated from the code
//! table; this test fails if the document falls behind (`UPDATE_DOCS=1` rewrites it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_analyzer::codes::Language;
use rtgsim_analyzer::{CODES, Severity, analyze_starlark, analyze_tree, render};
use rtgsim_core::testkit::replace_generated;
use std::fmt::Write as _;
use std::path::PathBuf;

fn codes_section() -> String {
    let mut out = String::from("| code | severity | in | meaning |\n| --- | --- | --- | --- |\n");
    for spec in CODES {
        let severity = if spec.severity == Severity::Error {
            "error"
        } else {
            "warning"
        };
        let language = if spec.language == Language::Starlark {
            "Starlark"
        } else {
            "JSON"
        };
        let _ = writeln!(
            out,
            "| [{}](#{}) | {severity} | {language} | {} |",
            spec.name,
            spec.name.to_lowercase(),
            spec.title
        );
    }
    for spec in CODES {
        let (fence, findings) = match spec.language {
            Language::Starlark => ("python", analyze_starlark("example.star", spec.example)),
            Language::Json => ("json", analyze_tree("example.json", spec.example)),
        };
        let example = if spec.language == Language::Json {
            serde_json::from_str::<serde_json::Value>(spec.example)
                .map(|v| serde_json::to_string_pretty(&v).unwrap())
                .unwrap_or_else(|_| spec.example.to_string())
        } else {
            spec.example.to_string()
        };
        let shown: Vec<_> = findings
            .into_iter()
            .filter(|f| f.code == spec.name)
            .collect();
        let report = render::human(&shown, &|_| Some(spec.example.to_string()));
        let report = report
            .rsplit_once("\n\n")
            .map_or(report.as_str(), |(body, _)| body);
        let _ = write!(
            out,
            "\n### {}\n\n{}\n\n```{fence}\n{}\n```\n\n```\n{}\n```\n",
            spec.name,
            spec.title,
            example.trim_end(),
            report.trim_end()
        );
    }
    out
}

#[test]
fn the_document_lists_every_code_with_its_example() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/analyzer.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let expected = replace_generated(&text, "codes", &codes_section());
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).unwrap();
        return;
    }
    assert!(
        text == expected,
        "docs/analyzer.md is out of date: run `UPDATE_DOCS=1 cargo test -p rtgsim-analyzer --test reference_doc`"
    );
}
