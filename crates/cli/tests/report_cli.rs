//! `rtgsim report` and the `--report` flags through the real binary: each command
//! writes its page type; a stored run's page is the page of the same run; bad input
//! exits 2 and leaves no file behind.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

#[path = "support/binary.rs"]
mod binary;

use binary::{rtgsim, text};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn path_of(relative: &str) -> String {
    root().join(relative).display().to_string()
}

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rtgsim-report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn succeed(args: &[&str]) {
    let out = rtgsim(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        text(&out.stderr)
    );
}

/// The page's kind and its charts' names, in order.
fn outline(page: &Path) -> (String, Vec<String>) {
    let html = std::fs::read_to_string(page).unwrap();
    let kind = html.split("<main data-page=\"").nth(1).unwrap();
    let kind = kind[..kind.find('"').unwrap()].to_string();
    let charts = html
        .split("<figure class=\"chart\" data-chart=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_string())
        .collect();
    (kind, charts)
}

#[test]
fn a_stored_runs_report_is_the_page_written_as_it_ran() {
    let dir = scratch("stored");
    let db = dir.join("runs.db");
    let live = dir.join("live.html");
    let stored = dir.join("stored.html");
    let fixture = path_of("fixtures/governance.yaml");
    succeed(&[
        "run",
        &fixture,
        "--db",
        db.to_str().unwrap(),
        "--report",
        live.to_str().unwrap(),
    ]);
    succeed(&[
        "report",
        "--db",
        db.to_str().unwrap(),
        "1",
        "-o",
        stored.to_str().unwrap(),
    ]);
    let live = std::fs::read_to_string(&live).unwrap();
    let stored = std::fs::read_to_string(&stored).unwrap();
    // The same page but for how the scenario is named.
    let named_as = format!("run 1 in {}", db.display());
    assert_eq!(
        live.replace(&fixture, "SCENARIO"),
        stored.replace(&named_as, "SCENARIO")
    );
    assert_eq!(outline(&dir.join("live.html")).0, "run");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_report_of_a_run_that_is_not_there_exits_2_and_writes_nothing() {
    let dir = scratch("refused");
    let db = dir.join("runs.db");
    let page = dir.join("page.html");
    let fixture = path_of("fixtures/three_banks_basic.yaml");
    // No database at all, then no such run.
    let out = rtgsim(&[
        "report",
        "--db",
        db.to_str().unwrap(),
        "1",
        "-o",
        page.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    succeed(&["run", &fixture, "--db", db.to_str().unwrap()]);
    let out = rtgsim(&[
        "report",
        "--db",
        db.to_str().unwrap(),
        "9",
        "-o",
        page.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no run 9"),
        "{}",
        text(&out.stderr)
    );
    // Nothing is left behind: no page, no partial file.
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("page"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // A directory that does not exist is refused before anything runs.
    let out = rtgsim(&["run", &fixture, "--report", "/nonexistent/dir/page.html"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot create the report"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_failed_report_leaves_an_earlier_report_as_it_was() {
    let dir = scratch("keep");
    let page = dir.join("page.html");
    std::fs::write(&page, "earlier").unwrap();
    let db = dir.join("none.db");
    let out = rtgsim(&[
        "report",
        "--db",
        db.to_str().unwrap(),
        "1",
        "-o",
        page.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&page).unwrap(), "earlier");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_games_page_draws_the_best_responses_crossing_at_the_equilibrium() {
    let dir = scratch("game");
    let page = dir.join("game.html");
    succeed(&[
        "game",
        &path_of("examples/papers/castro_two_period/scenario.yaml"),
        "--decide",
        "agents[*].initial_liquidity.share",
        "--grid",
        "0:1:0.1",
        "--report",
        page.to_str().unwrap(),
    ]);
    assert_eq!(
        outline(&page),
        (
            "game".to_string(),
            vec!["profile-costs".into(), "best-responses".into()]
        )
    );
    // The paper's one equilibrium (A 0, B 0.2) is in the profiles table.
    let html = std::fs::read_to_string(&page).unwrap();
    let table = html.split("data-table=\"profiles\"").nth(1).unwrap();
    assert!(
        table.contains("<td>equilibrium 1</td><td>A 0, B 0.2</td>"),
        "{table}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sweep_compare_and_stress_write_their_own_page_types() {
    let dir = scratch("kinds");
    let sweep = dir.join("sweep.html");
    succeed(&[
        "sweep",
        &path_of("fixtures/deadline_pressure.yaml"),
        "--seeds",
        "4",
        "--set",
        "agents[1].policy.target_buffer=0,200000",
        "--report",
        sweep.to_str().unwrap(),
    ]);
    assert_eq!(
        outline(&sweep),
        (
            "sweep".to_string(),
            vec![
                "total-cost".into(),
                "settlement-rate".into(),
                "mean-delay".into()
            ]
        )
    );
    let compare = dir.join("compare.html");
    succeed(&[
        "compare",
        &path_of("examples/compare/crisis_four_banks.yaml"),
        "--agent",
        "METRO_CENTRAL",
        "--candidate",
        &path_of("examples/compare/smaller_buffer.yaml"),
        "--samples",
        "6",
        "--report",
        compare.to_str().unwrap(),
    ]);
    assert_eq!(
        outline(&compare),
        (
            "compare".to_string(),
            vec!["deltas".into(), "cost-spread".into()]
        )
    );
    let stress = dir.join("stress.html");
    succeed(&[
        "stress",
        &path_of("fixtures/stress_four_banks.yaml"),
        "--outage",
        "each",
        "--report",
        stress.to_str().unwrap(),
    ]);
    let (kind, charts) = outline(&stress);
    assert_eq!(kind, "stress");
    assert_eq!(charts[..2], ["settled-share", "mean-queue"]);
    // Four outage cases: four critical participants ranked in the table.
    let html = std::fs::read_to_string(&stress).unwrap();
    let table = html.split("data-table=\"critical\"").nth(1).unwrap();
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(table.matches("<tr>").count(), 1 + 4);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_report_that_would_overwrite_an_input_or_names_a_directory_is_refused_first() {
    let dir = scratch("overwrite");
    let db = dir.join("runs.db");
    let events = dir.join("events.jsonl");
    let fixture = path_of("fixtures/three_banks_basic.yaml");
    succeed(&["run", &fixture, "--db", db.to_str().unwrap()]);
    let stored = std::fs::read(&db).unwrap();
    let refused = |args: &[&str], says: &str| {
        let out = rtgsim(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            text(&out.stderr).contains(says),
            "{args:?}: {}",
            text(&out.stderr)
        );
    };
    let db_path = db.to_str().unwrap();
    refused(
        &["report", "--db", db_path, "1", "-o", db_path],
        "would overwrite",
    );
    // The same file by another name.
    let other_name = format!(
        "{}/../{}/runs.db",
        dir.display(),
        dir.file_name().unwrap().to_string_lossy()
    );
    refused(
        &["report", "--db", db_path, "1", "-o", &other_name],
        "would overwrite",
    );
    refused(
        &["run", &fixture, "--db", db_path, "--report", db_path],
        "would overwrite",
    );
    refused(&["run", &fixture, "--report", &fixture], "would overwrite");
    let events_path = events.to_str().unwrap();
    refused(
        &[
            "run",
            &fixture,
            "--events",
            events_path,
            "--report",
            events_path,
        ],
        "would overwrite",
    );
    refused(
        &["run", &fixture, "--report", dir.to_str().unwrap()],
        "is a directory",
    );
    refused(
        &["run", &fixture, "--report", &format!("{}/", dir.display())],
        "is a directory",
    );
    // Nothing was written: the database is as it was, and no event log was begun.
    assert_eq!(std::fs::read(&db).unwrap(), stored);
    assert!(!events.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
