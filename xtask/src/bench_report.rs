//! `cargo xtask bench report`: what the HTML report costs on the large day (1,000
//! banks, about 400,000 payments) and on the scarce large day (most payments wait,
//! the LSM settles many): the run without the series observer, the run with it, the
//! page's rendering, and the page's size. The page is left in
//! `target/bench-report/` to be looked at.

use rtgsim_html::{RunPage, RunSeries};
use rtgsim_scenario::config::ScenarioInput;
use serde_json::json;
use std::path::Path;
use std::time::Instant;

pub fn run(root: &Path) -> Result<(), String> {
    let out = root.join("target/bench-report");
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    for (name, balances_scale) in [("large_day_1000_banks", 1.0), ("large_day_scarce", 0.01)] {
        measure(name, balances_scale, &out)?;
    }
    Ok(())
}

fn measure(name: &str, balances_scale: f64, out: &Path) -> Result<(), String> {
    let mut file = crate::bench_db::large_day_file()?;
    if balances_scale != 1.0 {
        for agent in &mut file.agents {
            agent.opening_balance = (agent.opening_balance as f64 * balances_scale) as i64;
            agent.unsecured_cap = 0;
        }
    }
    let mut input = ScenarioInput::from_file(file, name, Path::new("."));
    let scenario = input.resolve().map_err(|e| e.to_string())?;

    let started = Instant::now();
    let plain = rtgsim_scenario::run(&scenario, None, &mut |_| {}).map_err(|e| e.to_string())?;
    let plain_seconds = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut series = RunSeries::new(
        scenario.plan.agent_names().len(),
        scenario.plan.total_ticks(),
    );
    let summary = rtgsim_scenario::run_observed(&scenario, None, Some(&mut series), &mut |_| {})
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
    let path = out.join(format!("{name}.html"));
    std::fs::write(&path, &html).map_err(|e| format!("{}: {e}", path.display()))?;

    let line = json!({
        "scenario": name,
        "payments": summary.totals.payments,
        "events": summary.events,
        "wall_seconds_run": round3(plain_seconds),
        "wall_seconds_run_with_series": round3(observed_seconds),
        "wall_seconds_render": round3(render_seconds),
        "report_seconds": round3(observed_seconds - plain_seconds + render_seconds),
        "html_bytes": html.len(),
        "page": path.display().to_string(),
    });
    println!("{line}");
    Ok(())
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
