//! The pages as documents: every chart has its caption, SVG title, axis titles and
//! marks; nothing is fetched; the headline totals read back as the summary's JSON
//! says; the agents' table has a row per agent. (The browser test in the CLI crate
//! looks at the same pages as rendered.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_html::{RunPage, RunSeries, SweepPage};
use rtgsim_report::RunSummary;
use rtgsim_scenario::config::ScenarioInput;
use serde_json::Value;

fn fixture(name: &str) -> std::path::PathBuf {
    format!("{}/../../fixtures/{name}", env!("CARGO_MANIFEST_DIR")).into()
}

fn run_page(name: &str) -> (RunSummary, String) {
    let mut input = ScenarioInput::from_path(&fixture(name)).unwrap();
    let scenario = input.resolve().unwrap();
    let mut series = RunSeries::new(
        scenario.plan.agent_names().len(),
        scenario.plan.total_ticks(),
    );
    let summary =
        rtgsim_scenario::run_observed(&scenario, None, Some(&mut series), &mut |_| {}).unwrap();
    series.finish();
    let html = rtgsim_html::run_page(&RunPage {
        scenario: name,
        summary: &summary,
        series: &series,
    });
    (summary, html)
}

/// The text between `start` and the next `end`, for every occurrence.
fn pieces<'a>(text: &'a str, start: &str, end: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(start) {
        let after = &rest[i + start.len()..];
        let j = after.find(end).unwrap();
        out.push(&after[..j]);
        rest = &after[j..];
    }
    out
}

/// Each chart's name and body.
fn charts(html: &str) -> Vec<(String, &str)> {
    pieces(html, "<figure class=\"chart\" data-chart=\"", "</figure>")
        .into_iter()
        .map(|chart| {
            let name = chart[..chart.find('"').unwrap()].to_string();
            (name, chart)
        })
        .collect()
}

fn check_charts(html: &str, expected: &[&str]) {
    let found = charts(html);
    let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, expected);
    for (name, body) in &found {
        let caption = pieces(body, "<figcaption>", "</figcaption>");
        assert!(
            caption.len() == 1 && !caption[0].is_empty(),
            "{name}: caption"
        );
        let title = pieces(body, &format!("<title id=\"t-{name}\">"), "</title>");
        assert!(
            title.len() == 1 && !title[0].is_empty(),
            "{name}: SVG title"
        );
        let axes = pieces(body, "class=\"axis-title\"", "</text>");
        assert_eq!(axes.len(), 2, "{name}: axis titles");
        assert!(
            axes.iter().all(|a| a.contains('(')),
            "{name}: axis units {axes:?}"
        );
        assert!(body.matches("class=\"mark").count() > 0, "{name}: marks");
    }
}

/// A page's text as the contract writes it, back to the integer it shows.
fn read_total(text: &str, unit: &str) -> i128 {
    let digits: String = text.chars().filter(|&c| c != ',').collect();
    match unit {
        "count" => digits.parse().unwrap(),
        "cents" => {
            let (units, cents) = digits.split_once('.').unwrap();
            assert_eq!(cents.len(), 2, "{text}");
            let sign = if units.starts_with('-') { -1 } else { 1 };
            let units: i128 = units.trim_start_matches('-').parse().unwrap();
            sign * (units * 100 + cents.parse::<i128>().unwrap())
        }
        other => panic!("unit {other}"),
    }
}

#[test]
fn the_governed_run_page_has_every_chart_and_its_totals() {
    let (summary, html) = run_page("governance.yaml");
    check_charts(
        &html,
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
    );
    // Nothing to fetch: no script, no link, no external reference.
    for forbidden in [
        "<script", "<link", "src=", "href=", "url(", "http://", "https://",
    ] {
        assert!(!html.contains(forbidden), "{forbidden}");
    }
    let json: Value = serde_json::from_str(&summary.to_json()).unwrap();
    let totals = pieces(&html, "data-total=\"", "</span>");
    assert_eq!(totals.len(), 9);
    for total in totals {
        let key = &total[..total.find('"').unwrap()];
        let unit = pieces(total, "data-unit=\"", "\"")[0];
        let text = &total[total.find('>').unwrap() + 1..];
        let expected = match key {
            "costs.total" => &json["totals"]["costs"]["total"],
            key => &json["totals"][key],
        };
        let expected = expected.as_i64().map(i128::from).unwrap();
        assert_eq!(read_total(text, unit), expected, "{key}");
    }
    let rows = pieces(&html, "<tr data-agent=\"", "\"");
    let ids: Vec<&str> = summary.agents.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(rows, ids);
    // The fixture's governance held and halted: the holds table is there.
    assert!(html.contains("data-table=\"governance-holds\""));
}

#[test]
fn a_page_without_lsm_leaves_its_table_out_and_every_chart_has_marks() {
    // Ample liquidity and FIFO: no LSM table, and every chart drawn has marks.
    let (summary, html) = run_page("three_banks_basic.yaml");
    assert!(summary.lsm.is_empty());
    assert!(!html.contains("data-table=\"lsm\""));
    for (name, body) in charts(&html) {
        assert!(body.contains("class=\"mark"), "{name}");
    }
}

#[test]
fn the_sweep_page_has_a_box_per_agent_and_setting() {
    let input = ScenarioInput::from_path(&fixture("deadline_pressure.yaml")).unwrap();
    let plan = rtgsim_scenario::sweep::SweepPlan {
        first_seed: 1,
        seeds: 12,
        settings: vec![
            rtgsim_scenario::sweep::Setting::parse("agents[1].policy.target_buffer=0,200000")
                .unwrap(),
        ],
        threads: 1,
    };
    let results = rtgsim_scenario::sweep::sweep(&input, &plan).unwrap();
    let html = rtgsim_html::sweep_page(&SweepPage {
        scenario: "deadline_pressure.yaml",
        first_seed: 1,
        seeds: 12,
        results: &results,
    });
    check_charts(&html, &["total-cost", "settlement-rate", "mean-delay"]);
    let agents = results[0].agents.len();
    for (name, body) in charts(&html) {
        assert_eq!(
            body.matches("class=\"mark box\"").count(),
            2 * agents,
            "{name}"
        );
    }
    // The numbers: the first row's median cost is the statistics' own.
    let first = &results[0].agents[0];
    let median = rtgsim_html::text::money(first.total_cost.p50.unwrap().round() as i128);
    let table = pieces(&html, "data-table=\"total-cost\"", "</table>")[0];
    assert!(table.contains(&format!("<td class=\"n\">{median}</td>")));
}
