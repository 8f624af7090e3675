//! Every seed and every kept regression input through every target that takes it,
//! on the stable toolchain: what the fuzzer starts from, and what it once found,
//! must keep passing without a fuzzer.

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Files under `dir`, at any depth, in name order.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn takes(extensions: &[&str], path: &Path) -> bool {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    extensions.contains(&extension)
}

#[test]
fn every_seed_passes_every_target_that_takes_it() {
    let mut ran = 0;
    for target in rtgsim_fuzz::TARGETS {
        for dir in ["fixtures", "policies"] {
            for path in files_under(&root().join(dir)) {
                if takes(target.seed_extensions, &path) {
                    let bytes = fs::read(&path).unwrap_or_default();
                    (target.body)(&bytes);
                    ran += 1;
                }
            }
        }
    }
    // The seeds are there to be run: a moved fixtures directory must not make this
    // test pass by running nothing.
    assert!(ran > 100, "only {ran} seeds found");
}

/// Inputs a fuzzer once crashed on, kept under `fuzz/regressions/<target>/`.
#[test]
fn every_kept_regression_passes() {
    for target in rtgsim_fuzz::TARGETS {
        for path in files_under(&root().join("fuzz/regressions").join(target.name)) {
            let bytes = fs::read(&path).unwrap_or_default();
            (target.body)(&bytes);
        }
    }
}
