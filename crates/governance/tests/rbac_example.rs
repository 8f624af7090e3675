//! The example rule file in `fixtures/rbac/` loads and says what its
//! comments promise.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_governance::rbac::{Effect, Reason, Risk, RuleSet};

fn example() -> RuleSet {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/rbac/example.yaml"
    );
    let text = std::fs::read_to_string(path).unwrap();
    RuleSet::from_yaml(&text, "fixtures/rbac/example.yaml").unwrap()
}

#[test]
fn llm_optimizers_deploy_starlark_but_never_drop_payments() {
    let rules = example();
    let deploy = rules.decide("optimizer:llm-7", "policy.deploy.starlark", Risk::Low);
    assert_eq!(
        (deploy.effect, deploy.matched, deploy.line),
        (Effect::Allow, Some(1), Some(18))
    );
    let drop = rules.decide("optimizer:llm-7", "policy.action.drop", Risk::Low);
    assert_eq!(
        (drop.effect, drop.matched, drop.line),
        (Effect::Deny, Some(0), Some(11))
    );
    let collateral = rules.decide("optimizer:llm-7", "collateral.post", Risk::Low);
    assert_eq!(collateral.effect, Effect::Deny);
}

#[test]
fn risky_llm_deploys_need_an_operator() {
    let rules = example();
    let deploy = rules.decide("optimizer:llm-7", "policy.deploy.starlark", Risk::High);
    assert_eq!(deploy.effect, Effect::RequireApproval);
    assert_eq!(deploy.reason, Reason::MaxRiskExceeded);
}

#[test]
fn other_optimizers_deploys_are_reviewed_and_grid_only_runs_simulations() {
    let rules = example();
    assert_eq!(
        rules.decide("optimizer:grid", "sim.run", Risk::Low).effect,
        Effect::Allow
    );
    let deploy = rules.decide("optimizer:grid", "policy.deploy.json", Risk::Low);
    assert_eq!(
        (deploy.effect, deploy.matched),
        (Effect::RequireApproval, Some(3))
    );
}

#[test]
fn operators_reset_gates_agents_do_not() {
    let rules = example();
    let reset = rules.decide("user:operator-ana", "gate.reset", Risk::Medium);
    assert_eq!((reset.effect, reset.matched), (Effect::Allow, Some(4)));
    let critical_reset = rules.decide("user:operator-ana", "gate.reset", Risk::Critical);
    assert_eq!(critical_reset.effect, Effect::RequireApproval);
    assert_eq!(
        rules.decide("agent:BANK_A", "gate.reset", Risk::Low).effect,
        Effect::Deny
    );
    assert_eq!(
        rules.decide("user:alice", "gate.reset", Risk::Low).reason,
        Reason::Default
    );
}

#[test]
fn banks_post_small_collateral_and_larger_moves_need_approval() {
    let rules = example();
    assert_eq!(
        rules
            .decide("agent:BANK_A", "collateral.post", Risk::Low)
            .effect,
        Effect::Allow
    );
    let larger = rules.decide("agent:BANK_A", "collateral.post", Risk::Medium);
    assert_eq!(
        (larger.effect, larger.reason),
        (Effect::RequireApproval, Reason::MaxRiskExceeded)
    );
}

#[test]
fn index_agrees_with_the_linear_scan_on_the_example() {
    let rules = example();
    let principals = [
        "optimizer:llm-7",
        "optimizer:grid",
        "optimizer:x",
        "user:operator-1",
        "user:risk-2",
        "user:alice",
        "agent:BANK_A",
        "agent:",
        "nobody",
    ];
    let capabilities = [
        "policy.deploy.starlark",
        "policy.deploy.json",
        "policy.action.drop",
        "policy.action.release",
        "collateral.post",
        "collateral.withdraw",
        "sim.run",
        "sim.report.daily",
        "gate.reset",
        "gate.inspect",
        "gate",
        "",
    ];
    for principal in principals {
        for capability in capabilities {
            for risk in Risk::ALL {
                assert_eq!(
                    rules.decide(principal, capability, risk),
                    rules.decide_linear(principal, capability, risk),
                    "{principal} {capability} {risk}"
                );
            }
        }
    }
}
