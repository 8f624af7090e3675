//! Every JSON policy in `policies/` converts; the scripts read as snapshots, pass the
//! static analyzer with no findings, load as Starlark policies, and convert the same
//! way twice.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use std::path::{Path, PathBuf};

fn policies() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let mut files = Vec::new();
    for dir in [root.clone(), root.join("builtin")] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn origin(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = root.canonicalize().unwrap();
    path.canonicalize()
        .unwrap()
        .strip_prefix(&root)
        .unwrap()
        .display()
        .to_string()
}

#[test]
fn every_example_converts_to_a_clean_stable_script() {
    let files = policies();
    assert!(files.len() >= 7, "found only {files:?}");
    for path in files {
        let origin = origin(&path);
        let text = std::fs::read_to_string(&path).unwrap();
        let script = rtgsim_policy_convert::convert_text(&text, &origin)
            .unwrap_or_else(|e| panic!("{origin}: {e}"));
        let again = rtgsim_policy_convert::convert_text(&text, &origin).unwrap();
        assert_eq!(script, again, "{origin}: two conversions differ");

        let name = origin.replace(".json", ".star");
        let findings = rtgsim_analyzer::analyze_starlark(&name, &script);
        assert!(findings.is_empty(), "{name}:\n{findings:#?}\n{script}");
        rtgsim_policy_starlark::StarlarkPolicy::from_source(&name, &script, Default::default())
            .unwrap_or_else(|e| panic!("{name}: {e}\n{script}"));

        let snapshot = origin.replace('/', "__");
        insta::assert_snapshot!(snapshot, script);
    }
}
