//! `cargo xtask test`: the project's one test command. The browser tests
//! (`crates/cli/tests/browser_harness.rs` and the report's) look at pages in
//! Debian's headless Chromium, so it is installed first with
//! `scripts/install-chromium.sh` when missing; then `cargo test --workspace
//! --locked` runs with any extra arguments after it.

use std::path::Path;
use std::process::Command;

const CHROMIUM: &str = "/usr/bin/chromium";
const INSTALL_SCRIPT: &str = "scripts/install-chromium.sh";

pub fn run(root: &Path, extra_args: &[String]) -> Result<(), String> {
    if !Path::new(CHROMIUM).exists() {
        eprintln!("xtask: {CHROMIUM} is missing; running {INSTALL_SCRIPT}");
        let installed = Command::new("bash")
            .arg(root.join(INSTALL_SCRIPT))
            .current_dir(root)
            .status()
            .map_err(|error| format!("running {INSTALL_SCRIPT}: {error}"))?;
        if !installed.success() {
            // The tests still run: everything else gets checked, and the browser
            // tests fail with the same advice rather than being skipped.
            eprintln!(
                "xtask: {INSTALL_SCRIPT} failed ({installed}); the browser tests will fail until Chromium is installed"
            );
        }
    }
    // Cargo runs xtask with CARGO set to itself; the same toolchain then runs the tests.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["test", "--workspace", "--locked"])
        .args(extra_args)
        .current_dir(root)
        .status()
        .map_err(|error| format!("running cargo test: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo test --workspace --locked failed ({status})"))
    }
}
