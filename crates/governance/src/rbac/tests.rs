//! Decisions of small rule sets, one behaviour per test.

use super::*;

fn rule_set(yaml: &str) -> RuleSet {
    RuleSet::from_yaml(yaml, "test.yaml").unwrap()
}

const FILESYSTEM: &str = r#"
default: DENY
rules:
  - principal: "agent:data_processor"
    capabilities: ["io.fs.*"]
    action: ALLOW
  - principal: "agent:*"
    capabilities: ["db.delete_table"]
    action: REQUIRE_APPROVAL
  - principal: "agent:*"
    capabilities: ["api.payment.*", "io.*"]
    action: DENY
"#;

#[test]
fn trailing_wildcard_is_segment_aware() {
    let rules = rule_set(FILESYSTEM);
    let decide = |capability| rules.decide("agent:data_processor", capability, Risk::Low);
    assert_eq!(decide("io.fs.read").matched, Some(0));
    assert_eq!(decide("io.fs.write.x").matched, Some(0));
    // Neither a sibling segment nor the prefix itself matches `io.fs.*`;
    // both fall through to the `io.*` denial.
    assert_eq!(decide("io.fsx.read").matched, Some(2));
    assert_eq!(decide("io.fs").matched, Some(2));
    assert_eq!(decide("io.fs").effect, Effect::Deny);
    assert_eq!(decide("io").matched, None, "`io.*` needs one more segment");
}

#[test]
fn glob_inside_a_segment_matches_within_that_segment() {
    let rules = rule_set(
        r#"
default: DENY
rules:
  - principal: "optimizer:llm-*"
    capabilities: ["policy.deploy.*"]
    action: ALLOW
"#,
    );
    let effect = |principal| {
        rules
            .decide(principal, "policy.deploy.starlark", Risk::Low)
            .effect
    };
    assert_eq!(effect("optimizer:llm-7"), Effect::Allow);
    assert_eq!(effect("optimizer:llm-gpt.v2"), Effect::Allow);
    assert_eq!(effect("optimizer:llm-7:shadow"), Effect::Deny);
    assert_eq!(effect("optimizer:grid"), Effect::Deny);
    assert_eq!(effect("user:llm-7"), Effect::Deny);
}

#[test]
fn first_match_wins_even_over_a_more_specific_later_rule() {
    let broad_first = r#"
default: ALLOW
rules:
  - principal: "agent:*"
    capabilities: ["collateral.*"]
    action: DENY
  - principal: "agent:BANK_A"
    capabilities: ["collateral.post"]
    action: ALLOW
"#;
    let decision = rule_set(broad_first).decide("agent:BANK_A", "collateral.post", Risk::Low);
    assert_eq!(decision.effect, Effect::Deny);
    assert_eq!(decision.matched, Some(0));
    assert_eq!(decision.reason, Reason::RuleMatch);

    let specific_first = r#"
default: ALLOW
rules:
  - principal: "agent:BANK_A"
    capabilities: ["collateral.post"]
    action: ALLOW
  - principal: "agent:*"
    capabilities: ["collateral.*"]
    action: DENY
"#;
    let rules = rule_set(specific_first);
    let decision = rules.decide("agent:BANK_A", "collateral.post", Risk::Low);
    assert_eq!(
        (decision.effect, decision.matched),
        (Effect::Allow, Some(0))
    );
    let other_bank = rules.decide("agent:BANK_B", "collateral.post", Risk::Low);
    assert_eq!(
        (other_bank.effect, other_bank.matched),
        (Effect::Deny, Some(1))
    );
}

#[test]
fn no_match_gives_the_default() {
    let rules = rule_set(FILESYSTEM);
    let decision = rules.decide("user:alice", "sim.run", Risk::Low);
    assert_eq!(
        decision,
        Decision {
            effect: Effect::Deny,
            matched: None,
            line: None,
            escalated: false,
            reason: Reason::Default,
        }
    );
}

#[test]
fn high_and_critical_risk_escalate_allow_to_require_approval() {
    let rules = rule_set(FILESYSTEM);
    for risk in [Risk::Low, Risk::Medium] {
        let decision = rules.decide("agent:data_processor", "io.fs.read", risk);
        assert_eq!(
            (decision.effect, decision.escalated),
            (Effect::Allow, false)
        );
    }
    for risk in [Risk::High, Risk::Critical] {
        let decision = rules.decide("agent:data_processor", "io.fs.read", risk);
        assert_eq!(decision.effect, Effect::RequireApproval);
        assert_eq!(decision.matched, Some(0));
        assert!(decision.escalated);
        assert_eq!(decision.reason, Reason::RiskEscalation);
        assert_eq!(decision.reason.code(), "RISK_ESCALATION");
    }
    // DENY is never softened by escalation.
    let denied = rules.decide("agent:other", "api.payment.send", Risk::Critical);
    assert_eq!((denied.effect, denied.escalated), (Effect::Deny, false));
}

#[test]
fn a_default_allow_escalates_too() {
    let rules = rule_set("default: ALLOW\n");
    let decision = rules.decide("user:alice", "gate.reset", Risk::Critical);
    assert_eq!(decision.effect, Effect::RequireApproval);
    assert_eq!(decision.matched, None);
    assert_eq!(decision.reason, Reason::RiskEscalation);
    assert_eq!(
        rules.decide("user:alice", "gate.reset", Risk::Low).reason,
        Reason::Default
    );
}

#[test]
fn max_risk_caps_what_a_rule_allows_without_approval() {
    let rules = rule_set(
        r#"
default: DENY
rules:
  - principal: "agent:*"
    capabilities: ["collateral.post"]
    action: ALLOW
    max_risk: LOW
  - principal: "agent:*"
    capabilities: ["collateral.withdraw"]
    action: DENY
    max_risk: LOW
  - principal: "user:*"
    capabilities: ["sim.run"]
    action: ALLOW
    max_risk: CRITICAL
"#,
    );
    let post = |risk| rules.decide("agent:BANK_A", "collateral.post", risk);
    assert_eq!(post(Risk::Low).effect, Effect::Allow);
    assert_eq!(
        post(Risk::Medium),
        Decision {
            effect: Effect::RequireApproval,
            matched: Some(0),
            line: Some(4),
            escalated: true,
            reason: Reason::MaxRiskExceeded,
        }
    );
    // Above both limits: the rule's own limit is the reason given.
    assert_eq!(post(Risk::High).reason, Reason::MaxRiskExceeded);
    // DENY stays DENY above max_risk.
    let withdraw = rules.decide("agent:BANK_A", "collateral.withdraw", Risk::Critical);
    assert_eq!((withdraw.effect, withdraw.escalated), (Effect::Deny, false));
    // A max_risk of CRITICAL does not exempt HIGH requests from escalation.
    let run = rules.decide("user:alice", "sim.run", Risk::High);
    assert_eq!(
        (run.effect, run.reason),
        (Effect::RequireApproval, Reason::RiskEscalation)
    );
}

#[test]
fn any_listed_capability_makes_the_rule_match() {
    let rules = rule_set(FILESYSTEM);
    let decision = rules.decide("agent:x", "api.payment.send", Risk::Low);
    assert_eq!((decision.effect, decision.matched), (Effect::Deny, Some(2)));
    let decision = rules.decide("agent:x", "io.net.open", Risk::Low);
    assert_eq!((decision.effect, decision.matched), (Effect::Deny, Some(2)));
}

#[test]
fn decisions_report_the_rule_line() {
    let rules = rule_set(FILESYSTEM);
    // FILESYSTEM starts with a newline, so `default:` is line 2.
    assert_eq!(
        rules
            .decide("agent:data_processor", "io.fs.read", Risk::Low)
            .line,
        Some(4)
    );
    assert_eq!(
        rules.decide("agent:x", "db.delete_table", Risk::Low).line,
        Some(7)
    );
    assert_eq!(rules.rules()[2].line(), Some(10));
}

#[test]
fn flow_style_files_load_without_lines() {
    let rules = rule_set(
        r#"{default: DENY, rules: [{principal: "user:*", capabilities: [sim.run], action: ALLOW}]}"#,
    );
    let decision = rules.decide("user:alice", "sim.run", Risk::Low);
    assert_eq!(
        (decision.effect, decision.matched, decision.line),
        (Effect::Allow, Some(0), None)
    );
}

#[test]
fn duplicate_patterns_across_rules_keep_the_first_rule() {
    let rules = rule_set(
        r#"
default: DENY
rules:
  - principal: "user:*"
    capabilities: ["sim.*", "gate.reset"]
    action: REQUIRE_APPROVAL
  - principal: "user:*"
    capabilities: ["gate.reset"]
    action: ALLOW
  - principal: "user:alice"
    capabilities: ["gate.reset", "gate.*"]
    action: ALLOW
"#,
    );
    let decision = rules.decide("user:alice", "gate.reset", Risk::Low);
    assert_eq!(
        (decision.effect, decision.matched),
        (Effect::RequireApproval, Some(0))
    );
    let decision = rules.decide("user:alice", "gate.inspect", Risk::Low);
    assert_eq!(
        (decision.effect, decision.matched),
        (Effect::Allow, Some(2))
    );
}

#[test]
fn rules_built_in_code_decide_as_the_same_rules_read_from_yaml() {
    let from_file = rule_set(
        r#"
default: DENY
rules:
  - principal: "optimizer:llm-*"
    capabilities: ["policy.deploy.*"]
    action: ALLOW
    max_risk: MEDIUM
  - principal: "*"
    capabilities: ["policy.action.drop"]
    action: REQUIRE_APPROVAL
"#,
    );
    let capability = |text| Pattern::capability(text).unwrap();
    let in_code = RuleSet::new(
        "code",
        Effect::Deny,
        vec![
            Rule::new(
                Pattern::principal("optimizer:llm-*").unwrap(),
                vec![capability("policy.deploy.*")],
                Effect::Allow,
                Some(Risk::Medium),
                None,
            ),
            Rule::new(
                Pattern::principal("*").unwrap(),
                vec![capability("policy.action.drop")],
                Effect::RequireApproval,
                None,
                None,
            ),
        ],
    );
    // Allowed, escalated by max_risk, the second rule, and the default.
    let expected = [
        (Effect::Allow, Some(0)),
        (Effect::RequireApproval, Some(0)),
        (Effect::RequireApproval, Some(1)),
        (Effect::Deny, None),
    ];
    let requests = [
        ("optimizer:llm-7", "policy.deploy.starlark", Risk::Low),
        ("optimizer:llm-7", "policy.deploy.json", Risk::High),
        ("user:bob", "policy.action.drop", Risk::Low),
        ("user:bob", "gate.reset", Risk::Low),
    ];
    for ((principal, capability, risk), want) in requests.into_iter().zip(expected) {
        for rules in [&from_file, &in_code] {
            let decision = rules.decide(principal, capability, risk);
            assert_eq!(
                (decision.effect, decision.matched),
                want,
                "{principal} {capability} in {}",
                rules.source()
            );
        }
    }
}
