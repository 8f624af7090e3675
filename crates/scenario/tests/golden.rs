//! Golden event logs: two fixtures' whole logs, byte for byte, kept beside the
//! fixtures (`fixtures/golden/`). A change to the log format then shows as a diff of
//! readable lines, not only as a changed hash. `UPDATE_GOLDEN=1 cargo test -p
//! rtgsim-scenario --test golden` rewrites them, for a change that means to alter
//! the format (and says so in its commit message).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

mod common;

use common::{fixture, fixtures_dir};

fn check_golden(name: &str) {
    let scenario = fixture(&format!("{name}.yaml"));
    let mut lines = Vec::new();
    let summary = rtgsim_scenario::run(&scenario, Some(&mut lines), &mut |_| {}).unwrap();
    let path = fixtures_dir().join("golden").join(format!("{name}.jsonl"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &lines).unwrap();
        return;
    }
    let golden = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
    if lines != golden {
        let (got, want) = (
            String::from_utf8_lossy(&lines),
            String::from_utf8_lossy(&golden),
        );
        let at = got
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| got.lines().count().min(want.lines().count()));
        panic!(
            "{name}: the event log differs from {} at line {}:\n  now:    {}\n  golden: {}",
            path.display(),
            at + 1,
            got.lines().nth(at).unwrap_or("(end)"),
            want.lines().nth(at).unwrap_or("(end)")
        );
    }
    // The hash is of exactly these bytes, as `sha256sum` computes it.
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(&golden);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(summary.event_log_hash, hex);
}

#[test]
fn scripted_exact_log_is_the_golden_one() {
    check_golden("scripted_exact");
}

#[test]
fn governance_log_is_the_golden_one() {
    check_golden("governance");
}
