//! `cargo xtask bench report`: what the HTML report costs on `fixtures/governance.yaml`,
//! on the large day (1,000 banks, about 400,000 payments) and on the scarce large
//! day (most payments wait, the LSM settles many): the run without the series
//! observer, the run with it, the page's rendering (each the median of five, run
//! alternately), and the page's size. The pages are left in `target/bench-report/`
//! to be looked at.

use rtgsim_html::{RunPage, RunSeries};
use rtgsim_scenario::config::ScenarioInput;
use serde_json::json;
use std::path::Path;
use std::time::Instant;

pub fn run(root: &Path) -> Result<(), String> {
    let out = root.join("target/bench-report");
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let governance = ScenarioInput::from_path(&root.join("fixtures/governance.yaml"))
        .map_err(|e| e.to_string())?;
    measure("governance", governance, &out)?;
    for (name, balances_scale) in [("large_day_1000_banks", 1.0), ("large_day_scarce", 0.01)] {
        let mut file = crate::bench_db::large_day_file()?;
        if balances_scale != 1.0 {
            for agent in &mut file.agents {
                agent.opening_balance = (agent.opening_balance as f64 * balances_scale) as i64;
                agent.unsecured_cap = 0;
            }
        }
        measure(
            name,
            ScenarioInput::from_file(file, name, Path::new(".")),
            &out,
        )?;
    }
    Ok(())
}

const REPEATS: usize = 5;

fn median(mut seconds: Vec<f64>) -> f64 {
    seconds.sort_by(f64::total_cmp);
    seconds[seconds.len() / 2]
}

fn measure(name: &str, mut input: ScenarioInput, out: &Path) -> Result<(), String> {
    let scenario = input.resolve().map_err(|e| e.to_string())?;
    let (mut plain_runs, mut observed_runs, mut render_runs) = (vec![], vec![], vec![]);
    let mut last = None;
    for _ in 0..REPEATS {
        let (plain, observed, render, html, summary) = measure_once(name, &scenario)?;
        plain_runs.push(plain);
        observed_runs.push(observed);
        render_runs.push(render);
        last = Some((html, summary));
    }
    let Some((html, summary)) = last else {
        return Err("no measurement".into());
    };
    let path = out.join(format!("{name}.html"));
    std::fs::write(&path, &html).map_err(|e| format!("{}: {e}", path.display()))?;
    let (plain_seconds, observed_seconds, render_seconds) = (
        median(plain_runs),
        median(observed_runs),
        median(render_runs),
    );
    let line = json!({
        "scenario": name,
        "payments": summary.totals.payments,
        "events": summary.events,
        "wall_seconds_run": round3(plain_seconds),
        "wall_seconds_run_with_series": round3(observed_seconds),
        "wall_seconds_render": round4(render_seconds),
        "html_bytes": html.len(),
        "page": path.display().to_string(),
    });
    println!("{line}");
    Ok(())
}

/// One run without the observer, one with it and the page: their seconds, the
/// page and the summary.
fn measure_once(
    name: &str,
    scenario: &rtgsim_scenario::Scenario,
) -> Result<(f64, f64, f64, String, rtgsim_report::RunSummary), String> {
    let started = Instant::now();
    let plain = rtgsim_scenario::run(scenario, None, &mut |_| {}).map_err(|e| e.to_string())?;
    let plain_seconds = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut series = RunSeries::new(
        scenario.plan.agent_names().len(),
        scenario.plan.total_ticks(),
    );
    let summary = rtgsim_scenario::run_observed(scenario, None, Some(&mut series), &mut |_| {})
        .map_err(|e| e.to_string())?;
    series.finish();
    let observed_seconds = started.elapsed().as_secs_f64();
    if summary.event_log_hash != plain.event_log_hash {
        return Err("the observed run's hash differs from the plain run's".into());
    }

    let started = Instant::now();
    let html = rtgsim_html::run_page(&RunPage {
        scenario: name,
        summary: &summary,
        series: &series,
    });
    let render_seconds = started.elapsed().as_secs_f64();
    Ok((
        plain_seconds,
        observed_seconds,
        render_seconds,
        html,
        summary,
    ))
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}
