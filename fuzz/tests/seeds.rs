//! Every seed and every kept regression input through its target, on the stable
//! toolchain: what the fuzzer starts from, and what it once found, must keep passing
//! without a fuzzer.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn every_seed_and_kept_input_passes_its_target() {
    let mut ran = 0;
    for target in rtgsim_fuzz::TARGETS {
        for path in target.seed_files(&root()) {
            let bytes = std::fs::read(&path).unwrap_or_default();
            (target.body)(&bytes);
            ran += 1;
        }
    }
    // The seeds are there to be run: a moved fixtures directory must not make this
    // test pass by running nothing.
    assert!(ran > 100, "only {ran} seeds found");
}
