//! The run series against figures computed another way: from the JSON event log's
//! lines by counting (queues, value arrived and settled), from the run's metrics
//! (closing balances, LSM values, settlement counts), and by conservation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_html::RunSeries;
use rtgsim_report::RunSummary;
use rtgsim_scenario::config::ScenarioInput;
use serde_json::Value;
use std::collections::BTreeMap;

struct Observed {
    summary: RunSummary,
    series: RunSeries,
    lines: Vec<Value>,
}

fn observe(fixture: &str, days: Option<u32>) -> Observed {
    let path = format!("{}/../../fixtures/{fixture}", env!("CARGO_MANIFEST_DIR"));
    let mut input = ScenarioInput::from_path(std::path::Path::new(&path)).unwrap();
    if let Some(days) = days {
        input.file.simulation.num_days = days;
    }
    let scenario = input.resolve().unwrap();
    let mut log = Vec::new();
    let mut series = RunSeries::new(
        scenario.plan.agent_names().len(),
        scenario.plan.total_ticks(),
    );
    let summary =
        rtgsim_scenario::run_observed(&scenario, Some(&mut log), Some(&mut series), &mut |_| {})
            .unwrap();
    series.finish();
    let lines = log
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    Observed {
        summary,
        series,
        lines,
    }
}

fn int(line: &Value, key: &str) -> i128 {
    line[key].as_i64().map(i128::from).unwrap()
}

/// Counts from the log's lines up to the end of `tick`: payments waiting in all
/// (arrived, plus parts, minus split parents, settled and dropped), payments
/// released and not taken back or settled, value arrived and value settled.
#[derive(Debug, Default, PartialEq, Eq)]
struct Counted {
    waiting: i128,
    released_waiting: i128,
    arrived_value: i128,
    settled_value: i128,
}

fn counted_until(lines: &[Value], tick: u32) -> Counted {
    let mut amounts: BTreeMap<i128, i128> = BTreeMap::new();
    let mut c = Counted::default();
    for line in lines
        .iter()
        .filter(|l| l["tick"].as_u64().unwrap() <= u64::from(tick))
    {
        match line["kind"].as_str().unwrap() {
            "arrival" => {
                amounts.insert(int(line, "tx"), int(line, "amount"));
                c.waiting += 1;
                c.arrived_value += int(line, "amount");
            }
            "split" => {
                let parts = line["parts"].as_array().unwrap();
                let part_amounts = line["amounts"].as_array().unwrap();
                for (part, amount) in parts.iter().zip(part_amounts) {
                    amounts.insert(
                        i128::from(part.as_i64().unwrap()),
                        i128::from(amount.as_i64().unwrap()),
                    );
                }
                c.waiting += parts.len() as i128 - 1;
            }
            "released" => c.released_waiting += 1,
            "withdrawn_from_queue2" => c.released_waiting -= 1,
            "dropped" => c.waiting -= 1,
            "settled" => {
                c.waiting -= 1;
                c.released_waiting -= 1;
                c.settled_value += int(line, "amount");
            }
            "lsm_settled" => {
                let txs = line["txs"].as_array().unwrap();
                c.waiting -= txs.len() as i128;
                c.released_waiting -= txs.len() as i128;
                c.settled_value += int(line, "value");
            }
            _ => {}
        }
    }
    c
}

fn check_against_the_log(observed: &Observed) {
    let series = &observed.series;
    assert!(!series.samples().is_empty());
    for sample in series.samples() {
        let counted = counted_until(&observed.lines, sample.tick);
        let got = Counted {
            waiting: i128::from(sample.queue1.count + sample.queue2.count),
            released_waiting: i128::from(sample.queue2.count),
            arrived_value: sample.arrived_value_cents,
            settled_value: sample.settled_value_cents,
        };
        assert_eq!(got, counted, "at the end of tick {}", sample.tick);
    }
}

#[test]
fn the_governed_fixture_series_match_the_log_and_the_metrics() {
    let observed = observe("governance.yaml", None);
    let (series, summary) = (&observed.series, &observed.summary);
    // 60 ticks: one sample per tick, the last at tick 59.
    assert_eq!(series.ticks_per_sample(), 1);
    let ticks: Vec<u32> = series.samples().iter().map(|s| s.tick).collect();
    assert_eq!(ticks, (0..60).collect::<Vec<u32>>());
    check_against_the_log(&observed);

    // The last balances are the metrics' closing balances, and money is conserved
    // at every sample (the fixture has no injection or withdrawal).
    let last = series.samples().len() - 1;
    let closing: Vec<i64> = summary.agents.iter().map(|a| a.closing_balance).collect();
    assert_eq!(series.balances_at(last), closing.as_slice());
    let opening: i64 = summary.agents.iter().map(|a| a.opening_balance).sum();
    for index in 0..series.samples().len() {
        assert_eq!(series.balances_at(index).iter().sum::<i64>(), opening);
    }
    assert_eq!(
        series.samples()[last].settled_value_cents,
        summary.totals.settled_value
    );
}

#[test]
fn lsm_values_and_delays_agree_with_the_summary() {
    let observed = observe("lsm_cycles_and_entry.yaml", None);
    let (series, summary) = (&observed.series, &observed.summary);
    check_against_the_log(&observed);
    let routes = series.route_value_cents();
    assert!(!summary.lsm.is_empty(), "the fixture settles by the LSM");
    for lsm in &summary.lsm {
        assert_eq!(
            routes.get(lsm.algorithm),
            Some(&lsm.value),
            "{}",
            lsm.algorithm
        );
    }
    assert_eq!(routes.values().sum::<i128>(), summary.totals.settled_value);
    // One delay per settlement of a payment or part, whatever its route.
    let s = &summary.totals.settlements;
    let settlements = s.immediate + s.queue + s.lsm + s.eod_loan;
    assert_eq!(series.delay_counts().iter().sum::<u64>(), settlements);
}

#[test]
fn long_runs_are_sampled_every_kth_tick_and_at_the_last() {
    // 20 days of 80 ticks: 1,600 ticks, sampled every fourth tick (400 samples).
    let observed = observe("splitting_and_collateral.yaml", Some(20));
    let series = &observed.series;
    let total = u32::try_from(observed.summary.ticks).unwrap();
    let k = u32::try_from(series.ticks_per_sample()).unwrap();
    assert_eq!(k, total.div_ceil(400));
    let ticks: Vec<u32> = series.samples().iter().map(|s| s.tick).collect();
    let mut expected: Vec<u32> = (1..=total / k).map(|i| i * k - 1).collect();
    if expected.last() != Some(&(total - 1)) {
        expected.push(total - 1);
    }
    assert_eq!(ticks, expected);
    check_against_the_log(&observed);
}
