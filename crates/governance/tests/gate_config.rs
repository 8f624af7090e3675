//! The release gate's configuration: the `governance:` block as a scenario
//! writes it (parsing, unknown fields, defaults) and its resolution to agent
//! indexes (every unknown name and negative limit a problem, by its path), and
//! the documented example driving a gate.
//!
//! The gate's behaviour over random configurations is in `tests/gate_props/`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use std::collections::BTreeMap;

use rtgsim_core::AgentId;
use rtgsim_governance::gate::config::{
    BudgetLimits, GovernanceConfig, HealthLimits, Resolved, RiskLimits,
};
use rtgsim_governance::gate::{Decision, Gate, Health, Reason, ReleaseGate, Request, Verdict};

const EXAMPLE: &str = "\
kill_switch: [BANK_C]
budgets: { BANK_A: { per_tick: 500000, per_day: 5000000 } }
limits:  { BANK_B: { bilateral: { BANK_C: 200000 }, multilateral: 1000000 } }
health:  { max_queue2_value: 10000000 }
latch_reset_window_ticks: 0
";

fn parse(yaml: &str) -> GovernanceConfig {
    serde_norway::from_str(yaml).unwrap()
}

fn problems(yaml: &str, agents: &[&str]) -> Vec<String> {
    match parse(yaml).resolve(agents) {
        Ok(resolved) => panic!("expected problems, resolved to {resolved:?}"),
        Err(problems) => problems,
    }
}

#[test]
fn config_example_parses() {
    let config = parse(EXAMPLE);
    let expected = GovernanceConfig {
        kill_switch: vec!["BANK_C".to_string()],
        budgets: BTreeMap::from([(
            "BANK_A".to_string(),
            BudgetLimits {
                per_tick: Some(500_000),
                per_day: Some(5_000_000),
            },
        )]),
        limits: BTreeMap::from([(
            "BANK_B".to_string(),
            RiskLimits {
                bilateral: BTreeMap::from([("BANK_C".to_string(), 200_000)]),
                multilateral: Some(1_000_000),
            },
        )]),
        health: HealthLimits {
            max_queue2_value: Some(10_000_000),
            max_queue2_age_ticks: None,
            contingency: false,
            contingency_min_priority: 10,
        },
        latch_reset_window_ticks: 0,
    };
    assert_eq!(config, expected);
}

#[test]
fn config_example_resolves() {
    let resolved = parse(EXAMPLE)
        .resolve(&["BANK_A", "BANK_B", "BANK_C"])
        .unwrap();
    let expected = Resolved {
        system_suspended: false,
        suspended: vec![false, false, true],
        budgets: vec![
            BudgetLimits {
                per_tick: Some(500_000),
                per_day: Some(5_000_000),
            },
            BudgetLimits::default(),
            BudgetLimits::default(),
        ],
        bilateral: vec![vec![], vec![(AgentId(2), 200_000)], vec![]],
        multilateral: vec![None, Some(1_000_000), None],
        health: HealthLimits {
            max_queue2_value: Some(10_000_000),
            ..HealthLimits::default()
        },
        latch_window: 0,
    };
    assert_eq!(resolved, expected);
}

#[test]
fn config_example_drives_the_gate() {
    let mut gate = ReleaseGate::new(
        parse(EXAMPLE)
            .resolve(&["BANK_A", "BANK_B", "BANK_C"])
            .unwrap(),
    );
    gate.begin_tick(0, true);
    let healthy = Health {
        queue2_value: Some(0),
        oldest_queue2_age: Some(0),
    };
    let request = |agent, counterparty, amount| Request {
        agent: AgentId(agent),
        counterparty: Some(AgentId(counterparty)),
        amount,
        priority: 5,
    };
    // BANK_C is suspended from tick 0.
    let halt = gate.evaluate(&request(2, 0, 1), &healthy, 0);
    assert_eq!(
        (halt.verdict, halt.reason, halt.rank(), halt.latched),
        (Verdict::Halt, Reason::HaltKillSwitch, Some(1), true)
    );
    // BANK_A: 500 000 per tick.
    let a = request(0, 1, 500_000);
    assert_eq!(gate.evaluate(&a, &healthy, 0).verdict, Verdict::Allow);
    gate.commit(&a);
    assert_eq!(
        gate.evaluate(&request(0, 1, 1), &healthy, 0),
        hold(Gate::Budget, Reason::HoldBudgetTick)
    );
    // BANK_B: 200 000 net to BANK_C.
    let b = request(1, 2, 200_000);
    assert_eq!(gate.evaluate(&b, &healthy, 0).verdict, Verdict::Allow);
    gate.commit(&b);
    assert_eq!(
        gate.evaluate(&request(1, 2, 1), &healthy, 0),
        hold(Gate::Risk, Reason::HoldRiskBilateral)
    );
    // The queue over 10 000 000 holds everyone not halted.
    let crowded = Health {
        queue2_value: Some(10_000_001),
        oldest_queue2_age: None,
    };
    assert_eq!(
        gate.evaluate(&request(1, 0, 1), &crowded, 0),
        hold(Gate::Health, Reason::HoldHealthQueueValue)
    );
}

#[test]
fn config_rejects_unknown_fields() {
    let error = serde_norway::from_str::<GovernanceConfig>("kill_switch: []\nbudget: {}\n")
        .unwrap_err()
        .to_string();
    assert!(error.contains("unknown field `budget`"), "{error}");
    let error = serde_norway::from_str::<GovernanceConfig>(
        "budgets: { BANK_A: { per_tick: 1, per_week: 2 } }\n",
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("unknown field `per_week`"), "{error}");
}

#[test]
fn config_defaults() {
    let config = parse("{}");
    assert_eq!(config, GovernanceConfig::default());
    assert_eq!(config.health.contingency_min_priority, 10);
    let resolved = config.resolve(&["BANK_A", "BANK_B"]).unwrap();
    assert_eq!(resolved.suspended, vec![false, false]);
    assert!(!resolved.system_suspended);
    assert_eq!(resolved.latch_window, 0);
    let star = parse("kill_switch: ['*']\n").resolve(&["BANK_A"]).unwrap();
    assert!(star.system_suspended);
    assert_eq!(star.suspended, vec![false]);
}

#[test]
fn resolve_names_unknown_agents() {
    let yaml = "\
kill_switch: [BANK_A, BANK_Z]
budgets: { BANK_Y: { per_tick: 1 } }
limits: { BANK_X: { multilateral: 5 }, BANK_A: { bilateral: { BANK_W: 3, BANK_B: 4 } } }
";
    assert_eq!(
        problems(yaml, &["BANK_A", "BANK_B"]),
        [
            "governance.kill_switch[1]: no agent \"BANK_Z\"",
            "governance.budgets.BANK_Y: no agent \"BANK_Y\"",
            "governance.limits.BANK_A.bilateral.BANK_W: no agent \"BANK_W\"",
            "governance.limits.BANK_X: no agent \"BANK_X\"",
        ]
    );
}

#[test]
fn resolve_rejects_negative_limits() {
    let yaml = "\
budgets: { BANK_A: { per_tick: -1, per_day: -2 } }
limits: { BANK_B: { bilateral: { BANK_A: -3 }, multilateral: -4 } }
health: { max_queue2_value: -5, contingency_min_priority: 11 }
";
    assert_eq!(
        problems(yaml, &["BANK_A", "BANK_B"]),
        [
            "governance.budgets.BANK_A.per_tick: a limit cannot be negative",
            "governance.budgets.BANK_A.per_day: a limit cannot be negative",
            "governance.limits.BANK_B.multilateral: a limit cannot be negative",
            "governance.limits.BANK_B.bilateral.BANK_A: a limit cannot be negative",
            "governance.health.max_queue2_value: a limit cannot be negative",
            "governance.health.contingency_min_priority: 11 is not a priority (0 to 10)",
        ]
    );
    // Zero is a limit (nothing may pass), not a problem.
    let zero = "budgets: { BANK_A: { per_tick: 0, per_day: 0 } }\n\
                limits: { BANK_A: { bilateral: { BANK_A: 0 }, multilateral: 0 } }\n";
    assert!(parse(zero).resolve(&["BANK_A"]).is_ok());
}

#[test]
fn resolve_reports_every_problem_of_one_entry() {
    // An unknown agent with a negative limit: both problems, each by its path.
    assert_eq!(
        problems("budgets: { BANK_Q: { per_day: -7 } }\n", &["BANK_A"]),
        [
            "governance.budgets.BANK_Q.per_day: a limit cannot be negative",
            "governance.budgets.BANK_Q: no agent \"BANK_Q\"",
        ]
    );
}

fn hold(gate: Gate, reason: Reason) -> Decision {
    Decision {
        verdict: Verdict::Hold,
        reason,
        gate: Some(gate),
        latched: false,
    }
}
