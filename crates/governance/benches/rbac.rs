//! RBAC lookups at 10 / 100 / 1,000 / 10,000 rules. The target is a p50
//! under 1 µs at 1,000 rules for `decide`; `decide_linear` (the reference
//! scan) is measured alongside to show what the index saves.
//!
//! The rule mix, by rule number `i`:
//! * 60 % exact principals (`agent:BANK_{i}`, `user:u{i}`);
//! * 10 % the shared glob `optimizer:llm-*`, 10 % a distinct glob per rule
//!   (`optimizer:m{i}-*`, which all share the literal path `optimizer`);
//! * 10 % `agent:*` or `user:operator-*`, 10 % `user:*`;
//! * each rule lists an exact capability of its own (`svc{i % 97}.op{i}`)
//!   and one shared one: `policy.action.*`, `policy.deploy.starlark`,
//!   `collateral.post`, `svc{i % 97}.audit.*` or `gate.reset`.
//!
//! Each request states, and the setup asserts, which rule it should match.
#![allow(clippy::unwrap_used, missing_docs)]

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use rtgsim_governance::rbac::{Risk, RuleSet};

fn principal_for(i: usize) -> String {
    match i % 10 {
        0..=2 => format!("agent:BANK_{i}"),
        3..=5 => format!("user:u{i}"),
        6 => "optimizer:llm-*".to_owned(),
        7 => format!("optimizer:m{i}-*"),
        8 if i % 20 == 8 => "agent:*".to_owned(),
        8 => "user:operator-*".to_owned(),
        _ => "user:*".to_owned(),
    }
}

fn shared_capability_for(i: usize) -> String {
    // By tens, so every principal shape meets every shared capability.
    match (i / 10) % 5 {
        0 => "policy.action.*".to_owned(),
        1 => "policy.deploy.starlark".to_owned(),
        2 => "collateral.post".to_owned(),
        3 => format!("svc{}.audit.*", i % 97),
        _ => "gate.reset".to_owned(),
    }
}

fn rule_file(rule_count: usize) -> String {
    let mut yaml = String::from("default: DENY\nrules:\n");
    for i in 0..rule_count {
        let action = ["ALLOW", "DENY", "REQUIRE_APPROVAL"][i % 3];
        let _ = write!(
            yaml,
            "  - principal: \"{}\"\n    capabilities: [\"svc{}.op{i}\", \"{}\"]\n    action: {action}\n",
            principal_for(i),
            i % 97,
            shared_capability_for(i),
        );
    }
    yaml
}

/// A request, what it exercises, and the rule it must match.
struct Request {
    case: &'static str,
    principal: String,
    capability: String,
    expected: Option<usize>,
}

fn requests(rule_count: usize) -> Vec<Request> {
    // The last rule with an exact `user:u{i}` principal: only that rule
    // lists its own capability, so a linear scan must go nearly to the end.
    let last_user = (0..rule_count).rev().find(|i| (3..=5).contains(&(i % 10)));
    let last_user = last_user.unwrap_or(0);
    vec![
        Request {
            case: "hit_exact_last_rule",
            principal: format!("user:u{last_user}"),
            capability: format!("svc{}.op{last_user}", last_user % 97),
            expected: Some(last_user),
        },
        Request {
            case: "hit_glob",
            principal: "optimizer:llm-7".to_owned(),
            capability: "policy.action.drop".to_owned(),
            expected: Some(6), // rule 6: `optimizer:llm-*` with `policy.action.*`
        },
        Request {
            case: "miss_capability",
            principal: "optimizer:llm-7".to_owned(),
            capability: "ledger.rewrite.all".to_owned(),
            expected: None,
        },
        Request {
            case: "miss_principal",
            principal: "auditor:external".to_owned(),
            capability: "gate.reset".to_owned(),
            expected: None,
        },
    ]
}

fn lookups(c: &mut Criterion) {
    for rule_count in [10, 100, 1_000, 10_000] {
        let rules = RuleSet::from_yaml(&rule_file(rule_count), "bench.yaml").unwrap();
        let mut group = c.benchmark_group(format!("rbac/{rule_count}_rules"));
        group.measurement_time(Duration::from_secs(2));
        group.warm_up_time(Duration::from_millis(500));
        let requests = requests(rule_count);
        for request in &requests {
            let decision = rules.decide(&request.principal, &request.capability, Risk::Low);
            assert_eq!(decision.matched, request.expected, "{}", request.case);
            group.bench_function(BenchmarkId::new("decide", request.case), |b| {
                b.iter(|| {
                    rules.decide(
                        black_box(&request.principal),
                        black_box(&request.capability),
                        Risk::Low,
                    )
                })
            });
        }
        let deepest = &requests[0];
        group.bench_function(BenchmarkId::new("decide_linear", deepest.case), |b| {
            b.iter(|| {
                rules.decide_linear(
                    black_box(&deepest.principal),
                    black_box(&deepest.capability),
                    Risk::Low,
                )
            })
        });
        group.finish();
    }
}

fn loading(c: &mut Criterion) {
    let text = rule_file(1_000);
    let mut group = c.benchmark_group("rbac/load");
    group.sample_size(20);
    group.bench_function("from_yaml_1000_rules", |b| {
        b.iter(|| RuleSet::from_yaml(black_box(&text), "bench.yaml").unwrap())
    });
    group.finish();
}

criterion_group!(benches, lookups, loading);
criterion_main!(benches);
