//! `cargo xtask bench sweep`: sweep throughput. A 10-bank day (100 ticks, mixed
//! built-in policies, about 500 payments) for 1,000 seeds, on 1 thread and on 2; the
//! line printed gives runs per second for each and the speed-up.

use rtgsim_scenario::sweep::{SweepPlan, sweep};
use serde_json::{Value, json};
use std::time::Instant;

pub fn run() -> Result<(), String> {
    let input = rtgsim_scenario::config::ScenarioInput::from_file(
        ten_bank_day()?,
        "ten-bank day",
        std::path::Path::new("."),
    );
    let mut rates = Vec::new();
    for threads in [1usize, 2] {
        let plan = SweepPlan {
            first_seed: 1,
            seeds: 1000,
            settings: Vec::new(),
            threads,
        };
        let started = Instant::now();
        let results = sweep(&input, &plan).map_err(|e| e.to_string())?;
        let seconds = started.elapsed().as_secs_f64();
        let runs = results.iter().map(|r| r.runs).sum::<u64>() as f64;
        rates.push(runs / seconds);
    }
    let line = json!({
        "scenario": "ten_bank_day_1000_seeds",
        "runs_per_second_1_thread": (rates[0] * 10.0).round() / 10.0,
        "runs_per_second_2_threads": (rates[1] * 10.0).round() / 10.0,
        "speed_up": (rates[1] / rates[0] * 100.0).round() / 100.0,
    });
    println!("{line}");
    Ok(())
}

fn ten_bank_day() -> Result<rtgsim_scenario::config::ScenarioFile, String> {
    let policies = [
        json!({"type": "Fifo"}),
        json!({"type": "Deadline", "urgency_threshold": 5}),
        json!({"type": "LiquidityAware", "target_buffer": 200000, "urgency_threshold": 5}),
        json!({"type": "LiquiditySplitting", "max_parts": 4}),
    ];
    let agents: Vec<Value> = (0..10)
        .map(|i| {
            json!({
                "id": format!("BANK_{i:02}"),
                "opening_balance": 1_500_000,
                "unsecured_cap": 300_000,
                "policy": policies[i % 4],
                "arrivals": {
                    "rate_per_tick": 0.5,
                    "amount": {"distribution": "log_normal", "median": 50000, "sigma": 1.0},
                    "deadline_ticks": [10, 50],
                    "priority": [0, 10],
                    "divisible_share": 0.5
                }
            })
        })
        .collect();
    serde_json::from_value(json!({
        "simulation": {"ticks_per_day": 100, "num_days": 1, "seed": 1},
        "costs": {"overdraft_bps_per_tick": 1.0, "delay_cost_per_tick_bps": 0.5, "deadline_penalty": 5000, "eod_penalty": 50000, "split_friction": 100},
        "agents": agents
    }))
    .map_err(|e| e.to_string())
}
