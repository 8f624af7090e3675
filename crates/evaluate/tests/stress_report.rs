//! The stress report's arithmetic on hand-made figures: the damage an outage
//! does to the others, the ranking of critical participants, and the report's
//! means, pooled shares and changes against the benchmark.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_evaluate::stress::cases::{Case, CaseKind};
use rtgsim_evaluate::stress::measure::{AgentFigures, RunFigures};
use rtgsim_evaluate::stress::report::{Context, Damage, StressReport, damage, rank};
use serde_json::json;

fn payer(payments_value: i128, settled_value: i128, queued: i128) -> AgentFigures {
    AgentFigures {
        payments_value,
        settled_value,
        unsettled_end_of_day: vec![0, queued],
        queue_value_ticks: queued * 10,
        ..AgentFigures::default()
    }
}

/// Three participants; the benchmark settles everything. X's outage leaves the
/// others (Y, Z) 900 of 1,000 settled (fall 0.1; 100 unsettled more, 1,000
/// value-ticks more); Y's leaves X and Z 700 of 1,000 (fall 0.3); Z's leaves X
/// and Y 900 of 1,000 like X's, but with 150 unsettled more and 1,500 value-ticks
/// more: Z ranks above X on the tie. The struck participant's own figures never
/// count.
#[test]
fn the_ranking_orders_outages_by_the_damage_to_the_others() {
    let benchmark = vec![payer(500, 500, 0), payer(500, 500, 0), payer(500, 500, 0)];
    let x_out = vec![payer(500, 0, 500), payer(500, 450, 50), payer(500, 450, 50)];
    let y_out = vec![
        payer(500, 350, 150),
        payer(500, 0, 500),
        payer(500, 350, 150),
    ];
    let z_out = vec![
        payer(500, 400, 100),
        payer(500, 500, 50),
        payer(500, 0, 500),
    ];
    let damages: Vec<(usize, Damage)> = [(0, &x_out), (1, &y_out), (2, &z_out)]
        .iter()
        .map(|&(struck, case)| (struck, damage(&benchmark, case, struck)))
        .collect();
    let falls: Vec<f64> = damages.iter().map(|(_, d)| d.share_fall).collect();
    assert_eq!(falls, [0.1, 0.3, 0.1]);
    let increases: Vec<i128> = damages.iter().map(|(_, d)| d.unsettled_increase).collect();
    assert_eq!(increases, [100, 300, 150]);
    let queues: Vec<i128> = damages.iter().map(|(_, d)| d.queue_increase).collect();
    assert_eq!(queues, [1_000, 3_000, 1_500]);
    assert_eq!(damages[1].1.share_benchmark, Some(1.0));
    assert_eq!(damages[1].1.share, Some(0.7));
    assert_eq!(rank(&damages), vec![1, 2, 0]);
}

/// Falls are compared as fractions, not as rounded floats: 1 of 3 and 100 of 300
/// tie exactly (then the queue's increase decides), and both are above
/// 33,333,333 of 100,000,000.
#[test]
fn falls_are_compared_exactly() {
    let d = |fall: i128, of: i128, increase: i128| Damage {
        share_benchmark: Some(1.0),
        share: None,
        settled_value_fall: fall,
        payments_value: of,
        share_fall: fall as f64 / of as f64,
        queue_increase: increase,
        unsettled_increase: 0,
    };
    let damages = [
        (0, d(1, 3, 0)),
        (1, d(33_333_333, 100_000_000, 5)),
        (2, d(100, 300, 7)),
    ];
    assert_eq!(rank(&damages), vec![2, 0, 1]);
}

#[test]
fn ties_go_to_the_queues_increase_then_to_the_scenarios_order() {
    let d = |fall: i128, increase: i128| Damage {
        share_benchmark: Some(1.0),
        share: None,
        settled_value_fall: fall,
        payments_value: 10,
        share_fall: fall as f64 / 10.0,
        queue_increase: increase,
        unsettled_increase: 0,
    };
    let damages = [(0, d(2, 10)), (1, d(2, 30)), (2, d(5, 0)), (3, d(2, 10))];
    assert_eq!(rank(&damages), vec![2, 1, 0, 3]);
}

/// Two samples: money is the mean of the sums, shares are pooled (what settled
/// over what was due, over both samples), changes are the case's mean minus the
/// benchmark's, and the deterioration is the benchmark's lowest position minus
/// the case's.
#[test]
fn the_report_gives_means_pooled_shares_and_changes() {
    let context = Context {
        scenario: "hand".into(),
        seed: 9,
        seeds: vec![1, 2],
        agents: vec!["X".into(), "Y".into()],
        days: 2,
        ticks_per_day: 5,
    };
    let case = |name: &str, kind, agent| Case {
        name: name.into(),
        kind,
        agent,
        events: Vec::new(),
        stem: name.into(),
    };
    let cases = [
        case("benchmark", CaseKind::Benchmark, None),
        case("outage X", CaseKind::Outage, Some(0)),
    ];
    // Sums over the two samples.
    let figures = |settled_value: i128, lowest: i128, unsettled: i128| AgentFigures {
        payments: 4,
        payments_value: 1_000,
        settled: 3,
        settled_value,
        unsettled_end_of_day: vec![unsettled, unsettled + 1],
        max_queue: 301,
        queue_value_ticks: unsettled * 3,
        upper_bound: 800,
        lower_bound: 200,
        lowest_liquidity: lowest,
        delay_value_sum: settled_value * 2,
    };
    let benchmark = RunFigures {
        agents: vec![figures(1_000, 500, 0), figures(900, 400, 100)],
        system: figures(1_900, 900, 100),
    };
    let outage = RunFigures {
        agents: vec![figures(250, 700, 750), figures(600, -101, 400)],
        system: figures(850, 599, 1_150),
    };
    let report = StressReport::new(&context, &cases, &[benchmark, outage]);
    let y = serde_json::to_value(&report.cases[0].participants[1]).unwrap();
    assert_eq!(y["payments"], json!(2));
    assert_eq!(y["settled_value_cents"], json!(300));
    assert_eq!(y["settled_share_of_value"], json!(0.6));
    assert_eq!(y["settled_share_of_count"], json!(0.75));
    assert_eq!(y["unsettled_end_of_day_cents"], json!([200, 200.5]));
    assert_eq!(y["max_queue_cents"], json!(150.5));
    // 400 x 3 value-ticks over 2 days of 5 ticks and 2 samples: 1,200 / 20.
    assert_eq!(y["mean_queue_cents"], json!(60));
    assert_eq!(y["lowest_liquidity_cents"], json!(-50.5));
    assert_eq!(y["value_weighted_delay_ticks"], json!(2.0));
    let change = &y["against_benchmark"];
    assert_eq!(change["settled_value_cents"], json!(-150));
    assert_eq!(change["settled_share_of_value"], json!(0.6 - 0.9));
    assert_eq!(change["unsettled_end_of_day_cents"], json!([150, 150]));
    assert_eq!(change["max_queue_cents"], json!(0));
    // (1,200 - 300) / 20.
    assert_eq!(change["mean_queue_cents"], json!(45));
    // (400 - (-101)) / 2.
    assert_eq!(change["liquidity_deterioration_cents"], json!(250.5));
    assert_eq!(change["value_weighted_delay_ticks"], json!(0.0));
    let benchmark_y = serde_json::to_value(&report.benchmark.participants[1]).unwrap();
    assert!(benchmark_y.get("against_benchmark").is_none());
    // X's outage: Y alone is "the others": 900 of 1,000 settled, then 600: fall
    // 300 of 1,000; Y's last day unsettled 101 then 401:
    // +300 over two samples, a mean of 150.
    assert_eq!(report.critical.len(), 1);
    let critical = serde_json::to_value(&report.critical[0]).unwrap();
    assert_eq!(critical["agent"], json!("X"));
    assert_eq!(critical["rank"], json!(1));
    assert_eq!(critical["others_settled_share_fall"], json!(0.3));
    assert_eq!(critical["others_unsettled_increase_cents"], json!(150));
    assert_eq!(critical["others_mean_queue_increase_cents"], json!(45));
    let document = serde_json::to_value(&report).unwrap();
    assert_eq!(document["format"], json!("rtgsim-stress/1"));
    assert_eq!(document["seeds"], json!([1, 2]));
}
