//! The reports as a person sees them: written by the real binary, opened in headless
//! Chromium. No console error, exception or network request; every chart there,
//! titled, with its axes and drawn marks; the totals on the page equal to the
//! `--json` summary's; a row per agent. The screenshots in `docs/images/` are these
//! pages' tops (`UPDATE_SCREENSHOTS=1` rewrites them).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

mod browser;

use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `rtgsim ARGS... --report PAGE` from the repository's root (so the page
/// names the scenario as `fixtures/...`) and returns its stdout (the `--json`
/// document where asked for).
fn write_page(args: &[&str], page: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_rtgsim"))
        .current_dir(root())
        .args(args)
        .arg("--report")
        .arg(page)
        .output()
        .unwrap();
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// The docs' picture: the page's top, as wide as the docs show it.
fn docs_options() -> browser::Options {
    browser::Options {
        width_px: 1100,
        height_px: 900,
        screenshot_height_max_px: 2_600,
        ..browser::Options::default()
    }
}

/// Opens the page, checks what every page must show, and keeps its screenshot
/// (beside the page, and in `docs/images/NAME.png` with `UPDATE_SCREENSHOTS=1`).
fn look(page: &Path, kind: &str, charts: &[&str], picture: &str) -> browser::PageFacts {
    let facts = browser::open(page, &docs_options()).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(facts.problems(), Vec::<String>::new(), "{facts:?}");
    assert_eq!(facts.chart_problems(), Vec::<String>::new(), "{facts:?}");
    assert_eq!(facts.page_kind.as_deref(), Some(kind));
    let names: Vec<&str> = facts
        .charts
        .iter()
        .filter_map(|c| c.name.as_deref())
        .collect();
    assert_eq!(names, charts);
    // A PNG as tall as asked (or the whole page, when shorter).
    assert_eq!(&facts.screenshot_png[..8], b"\x89PNG\r\n\x1a\n");
    std::fs::write(page.with_extension("png"), &facts.screenshot_png).unwrap();
    if std::env::var_os("UPDATE_SCREENSHOTS").is_some() {
        let docs = root().join("docs/images").join(format!("{picture}.png"));
        std::fs::write(&docs, &facts.screenshot_png).unwrap();
    }
    facts
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rtgsim-browser-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_governed_run_page_shows_every_chart_and_the_summarys_totals() {
    let dir = scratch("run");
    let page = dir.join("run.html");
    let stdout = write_page(&["run", "fixtures/governance.yaml", "--json"], &page);
    let summary: Json = serde_json::from_str(&stdout).unwrap();
    let facts = look(
        &page,
        "run",
        &[
            "balances",
            "queue-length",
            "queue-value",
            "cumulative",
            "costs",
            "routes",
            "delays",
            "liquidity",
        ],
        "report_run",
    );
    let shown = facts.total_values().unwrap();
    assert_eq!(shown.len(), 9, "{shown:?}");
    for (key, value) in &shown {
        let expected = match key.as_str() {
            "costs.total" => &summary["totals"]["costs"]["total"],
            key => &summary["totals"][key],
        };
        assert_eq!(Some(*value), expected.as_i64(), "{key}");
    }
    let agents: Vec<&str> = summary["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(facts.agent_rows, agents);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_sweep_page_shows_a_box_per_agent_and_setting() {
    let dir = scratch("sweep");
    let page = dir.join("sweep.html");
    let stdout = write_page(
        &[
            "sweep",
            "fixtures/deadline_pressure.yaml",
            "--seeds",
            "20",
            "--set",
            "agents[1].policy.target_buffer=0,200000",
            "--json",
        ],
        &page,
    );
    let sweep: Json = serde_json::from_str(&stdout).unwrap();
    let facts = look(
        &page,
        "sweep",
        &["total-cost", "settlement-rate", "mean-delay"],
        "report_sweep",
    );
    // Two settings x the fixture's agents: one box each, and every box drawn.
    let boxes: usize = sweep["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["agents"].as_array().unwrap().len())
        .sum();
    for chart in &facts.charts {
        assert_eq!(chart.marks, 2 * boxes, "{chart:?}: a box and a mean each");
        assert_eq!(chart.marks_rendered, chart.marks, "{chart:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_pictures_in_the_docs_are_pngs() {
    for picture in ["report_run", "report_sweep"] {
        let bytes = std::fs::read(root().join(format!("docs/images/{picture}.png"))).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{picture}");
    }
}
