//! `cargo xtask bench db`: what storing a run costs. The large day (1,000 banks,
//! about 400,000 payments, 1.2 million events) runs from a scenario file built here,
//! once without a database and once written to a fresh SQLite file; the line printed
//! gives both times, the overhead, events written per second and bytes per event.

use rtgsim::recording::{self, DbOptions, StoredScenario};
use rtgsim_scenario::config::{ScenarioFile, ScenarioInput};
use serde_json::{Value, json};
use std::time::Instant;

pub fn run() -> Result<(), String> {
    // One day (the checkpoint of the WAL into the file is all at the end), and three
    // (each day's is overlapped by the next day's simulation).
    for days in [1, 3] {
        measure(days)?;
    }
    Ok(())
}

fn measure(days: u32) -> Result<(), String> {
    let mut input =
        ScenarioInput::from_file(large_day_file()?, "large day", std::path::Path::new("."));
    input.file.simulation.num_days = days;
    let scenario = input.resolve().map_err(|e| e.to_string())?;

    let started = Instant::now();
    let plain = rtgsim_scenario::run(&scenario, None, &mut |_| {}).map_err(|e| e.to_string())?;
    let plain_seconds = started.elapsed().as_secs_f64();

    let dir = std::env::temp_dir().join(format!("rtgsim-bench-db-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let path = dir.join("bench.db");
    let options = DbOptions {
        path: path.clone(),
        checkpoint_every: 1,
        state_from: None,
        stop: Default::default(),
    };
    let stored = StoredScenario {
        files: input.policy_files().clone(),
        file: input.file,
    };
    let started = Instant::now();
    let recorded = recording::run_recorded(&scenario, &stored, &options, None, &mut |_| {})
        .map_err(|e| e.to_string())?;
    let db_seconds = started.elapsed().as_secs_f64();
    if recorded.summary.event_log_hash != plain.event_log_hash {
        return Err("the stored run's hash differs from the plain run's".into());
    }
    let bytes: u64 = ["bench.db", "bench.db-wal"]
        .iter()
        .filter_map(|name| std::fs::metadata(dir.join(name)).ok())
        .map(|m| m.len())
        .sum();
    let events = plain.events as f64;
    let line = json!({
        "scenario": "large_day_1000_banks",
        "days": days,
        "events": plain.events,
        "wall_seconds_plain": round3(plain_seconds),
        "wall_seconds_db": round3(db_seconds),
        "overhead": round3(db_seconds / plain_seconds),
        "events_written_per_second": round3(events / db_seconds),
        "db_bytes": bytes,
        "bytes_per_event": round3(bytes as f64 / events),
    });
    println!("{line}");
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The large day of `bench` (see `big_day` there) as a scenario file: 1,000 banks of
/// Zipf-like sizes, about 400,000 payments in 100 ticks, FIFO policies.
pub(crate) fn large_day_file() -> Result<ScenarioFile, String> {
    let n = 1_000usize;
    let ticks = 100u32;
    let size: Vec<f64> = (0..n).map(|i| 1.0 / ((i + 1) as f64).powf(0.8)).collect();
    let total: f64 = size.iter().sum();
    let name = |i: usize| format!("B{i:04}");
    let agents: Vec<Value> = (0..n)
        .map(|i| {
            let share = size[i] / total;
            let counterparties: serde_json::Map<String, Value> = (0..n)
                .filter(|&j| j != i)
                .map(|j| (name(j), json!(size[j])))
                .collect();
            json!({
                "id": name(i),
                "opening_balance": (share * 2.0e11) as i64 + 5_000_000,
                "unsecured_cap": (share * 5.0e10) as i64,
                "arrivals": {
                    "rate_per_tick": 400_000.0 * share / f64::from(ticks),
                    "amount": {"distribution": "log_normal", "median": 2_000_000, "sigma": 1.5},
                    "counterparties": counterparties,
                    "deadline_ticks": [5, 60],
                    "priority": [0, 10],
                }
            })
        })
        .collect();
    let file = json!({
        "simulation": {"ticks_per_day": ticks, "num_days": 1, "seed": 2024},
        "costs": {"overdraft_bps_per_tick": 1.0, "delay_cost_per_tick_bps": 0.5,
                  "deadline_penalty": 5000, "eod_penalty": 50000, "split_friction": 100},
        "agents": agents,
    });
    serde_json::from_value(file).map_err(|e| format!("the large day's scenario: {e}"))
}
