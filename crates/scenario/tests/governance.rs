//! The release gate in whole runs: the governance fixture (a participant suspended
//! mid-day and reset later), budgets and limits held to in the event log, the audit
//! trail a valid chain, and scenario errors named by their path.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

mod common;

use common::{fixture, rejection, run_with_events};
use rtgsim_governance::audit::{StoredLink, verify};
use serde_json::Value;
use std::collections::BTreeMap;

fn events(log: &[u8]) -> Vec<Value> {
    String::from_utf8(log.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The amount of each payment, from its arrival (or split) event.
fn amounts(events: &[Value]) -> BTreeMap<u64, i64> {
    let mut amounts = BTreeMap::new();
    for e in events {
        if e["kind"] == "arrival" {
            amounts.insert(e["tx"].as_u64().unwrap(), e["amount"].as_i64().unwrap());
        }
    }
    amounts
}

#[test]
fn a_suspended_participant_releases_nothing_until_its_reset() {
    let (summary, log) = run_with_events(&fixture("governance.yaml"));
    let events = events(&log);
    let released = |agent: &str, ticks: std::ops::Range<u64>| {
        events
            .iter()
            .filter(|e| e["kind"] == "released" && e["agent"] == agent)
            .filter(|e| ticks.contains(&e["tick"].as_u64().unwrap()))
            .count()
    };
    // BANK_A: suspended at tick 20, reset at 40.
    assert!(released("BANK_A", 0..20) > 0);
    assert_eq!(released("BANK_A", 20..40), 0);
    assert!(released("BANK_A", 40..60) > 0);
    // BANK_C: on the kill switch from tick 0, reset at 45.
    assert_eq!(released("BANK_C", 0..45), 0);
    assert!(released("BANK_C", 45..60) > 0);

    let g = summary.governance.expect("a governance summary");
    let agent = |id: &str| g.agents.iter().find(|a| a.id == id).unwrap();
    assert!(agent("BANK_A").halted.decisions > 0);
    assert!(agent("BANK_A").halted.value > 0);
    assert!(agent("BANK_A").held["budget"].value > 0);
    assert!(agent("BANK_B").held["risk"].decisions > 0);
    assert!(agent("BANK_C").halted.decisions > 0);
    assert_eq!(g.changes["SUSPENDED"], 1);
    assert_eq!(g.changes["RESET"], 2);
    assert_eq!(g.changes["LATCHED"], 2);
    let audits = events.iter().filter(|e| e["kind"] == "audit").count() as u64;
    assert_eq!(g.audit_records, audits);
}

#[test]
fn budgets_and_limits_hold_in_the_event_log() {
    let (_, log) = run_with_events(&fixture("governance.yaml"));
    let events = events(&log);
    let amounts = amounts(&events);
    let mut per_tick: BTreeMap<u64, i64> = BTreeMap::new();
    let mut day = 0;
    let mut sent_b_to_c = 0;
    let mut sent_c_to_b = 0;
    let mut receiver: BTreeMap<u64, String> = BTreeMap::new();
    for e in &events {
        if e["kind"] == "arrival" {
            receiver.insert(e["tx"].as_u64().unwrap(), e["to"].as_str().unwrap().into());
        }
        if e["kind"] != "released" {
            continue;
        }
        let tx = e["tx"].as_u64().unwrap();
        let amount = amounts[&tx];
        if e["agent"] == "BANK_A" {
            *per_tick.entry(e["tick"].as_u64().unwrap()).or_default() += amount;
            day += amount;
        }
        if e["agent"] == "BANK_B" && receiver[&tx] == "BANK_C" {
            sent_b_to_c += amount;
        }
        if e["agent"] == "BANK_C" && receiver[&tx] == "BANK_B" {
            sent_c_to_b += amount;
        }
        assert!(
            sent_b_to_c - sent_c_to_b <= 200_000,
            "bilateral limit passed at {e}"
        );
    }
    assert!(per_tick.values().all(|&v| v <= 500_000), "{per_tick:?}");
    assert!(day <= 5_000_000);
    assert!(!per_tick.is_empty());
}

#[test]
fn the_audit_trail_is_an_unbroken_chain() {
    let scenario = fixture("governance.yaml");
    let (_, log) = run_with_events(&scenario);
    let links: Vec<StoredLink> = events(&log)
        .iter()
        .filter(|e| e["kind"] == "audit")
        .map(|e| {
            let body = serde_json::to_string(&e["record"]).unwrap();
            StoredLink {
                seq: e["record"]["seq"].as_u64().unwrap(),
                prev_hash: e["record"]["prev_hash"].as_str().unwrap().into(),
                hash: e["hash"].as_str().unwrap().into(),
                body,
            }
        })
        .collect();
    assert!(links.len() > 100);
    // The chain starts from the run's genesis: its inputs and seed, as documented.
    let genesis = {
        use sha2::{Digest, Sha256};
        let text = format!(
            "rtgsim audit genesis\ninputs {}\nseed {}\n",
            scenario.inputs_sha256, scenario.plan.seed
        );
        Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    assert_eq!(links[0].prev_hash, genesis);
    let summary = verify(&links, &genesis, None).unwrap();
    assert_eq!(summary.count, links.len() as u64);
    // A changed decision breaks it at that record.
    let at = links
        .iter()
        .position(|l| l.body.contains("\"HALT\""))
        .unwrap();
    let mut tampered = links.clone();
    tampered[at].body = tampered[at].body.replace("\"HALT\"", "\"ALLOW\"");
    let error = verify(&tampered, &genesis, None).unwrap_err();
    assert_eq!(error.position, at as u64, "{error}");
}

#[test]
fn governance_errors_name_their_place() {
    let head = "simulation: { ticks_per_day: 10, num_days: 1 }\nagents:\n  - { id: BANK_A, opening_balance: 100 }\n  - { id: BANK_B, opening_balance: 100 }\n";
    let error = rejection(&format!(
        "{head}governance:\n  budgets: {{ BANK_Z: {{ per_tick: 5 }} }}\n  limits: {{ BANK_A: {{ bilateral: {{ BANK_Y: 1 }}, multilateral: -4 }} }}\n"
    ));
    assert!(
        error.contains("governance.budgets.BANK_Z: no agent \"BANK_Z\""),
        "{error}"
    );
    assert!(
        error.contains("governance.limits.BANK_A.bilateral.BANK_Y: no agent \"BANK_Y\""),
        "{error}"
    );
    assert!(
        error.contains("governance.limits.BANK_A.multilateral: a limit cannot be negative"),
        "{error}"
    );
    let error = rejection(&format!(
        "{head}scenario_events:\n  - {{ tick: 3, kind: reset, agent: BANK_A }}\n  - {{ tick: 30, kind: suspend, agent: BANK_Q, operator: o }}\n"
    ));
    assert!(error.contains("scenario_events[0].operator"), "{error}");
    assert!(
        error.contains("scenario_events[1].tick: 30 is after the last tick (9)"),
        "{error}"
    );
    assert!(
        error.contains("scenario_events[1].agent: no agent \"BANK_Q\""),
        "{error}"
    );
    let error = rejection(&format!("{head}governance:\n  kill_swich: [BANK_A]\n"));
    assert!(error.contains("kill_swich"), "{error}");
}

#[test]
fn rbac_turns_refused_drops_into_holds_and_refuses_an_unauthorised_reset() {
    let (summary, log) = run_with_events(&fixture("governance_rbac.yaml"));
    let events = events(&log);
    // The optimizer's tree wants to drop expired payments; it may not.
    assert!(
        !events
            .iter()
            .any(|e| e["kind"] == "dropped" && e["agent"] == "BANK_A")
    );
    let refusals: Vec<&Value> = events
        .iter()
        .filter(|e| e["kind"] == "audit" && e["record"]["kind"] == "rbac")
        .collect();
    assert!(refusals.iter().any(|e| e["agent"] == "BANK_A"
        && e["record"]["inputs"]["capability"] == "policy.action.drop"
        && e["record"]["inputs"]["principal"] == "optimizer:llm-7"
        && e["record"]["decision"] == "DENY"));
    // The load-time decision is in the trail too: who deployed what, under which rule.
    assert!(refusals.iter().any(|e| {
        e["tick"] == 0
            && e["agent"] == "BANK_A"
            && e["record"]["decision"] == "ALLOW"
            && e["record"]["inputs"]["capability"] == "policy.deploy.json"
            && e["record"]["inputs"]["refused"]
                .as_array()
                .is_some_and(|r| r.iter().any(|c| c == "policy.action.drop"))
    }));
    // The intern's reset at tick 20 is refused: BANK_B stays halted until 30.
    assert!(
        refusals
            .iter()
            .any(|e| e["tick"] == 20 && e["record"]["inputs"]["capability"] == "gate.reset")
    );
    let released = |ticks: std::ops::Range<u64>| {
        events
            .iter()
            .filter(|e| e["kind"] == "released" && e["agent"] == "BANK_B")
            .filter(|e| ticks.contains(&e["tick"].as_u64().unwrap()))
            .count()
    };
    assert!(released(0..10) > 0);
    assert_eq!(released(10..30), 0);
    assert!(released(30..50) > 0);
    let g = summary.governance.unwrap();
    assert!(
        g.agents
            .iter()
            .any(|a| a.id == "BANK_A" && a.rbac_refused > 0)
    );
}

#[test]
fn a_policy_its_principal_may_not_deploy_stops_the_scenario() {
    let dir = common::fixtures_dir();
    let text = format!(
        "simulation: {{ ticks_per_day: 10, num_days: 1 }}\nrbac: {}\nagents:\n  - {{ id: BANK_A, opening_balance: 100, policy: {{ type: Fifo, principal: 'optimizer:grid' }} }}\n",
        dir.join("rbac/scenario_rules.yaml").display()
    );
    let error = rejection(&text);
    assert!(
        error.contains(
            "agents[0].policy: optimizer:grid may not policy.deploy.builtin (DENY, the default of"
        ),
        "{error}"
    );
    let bad = text.replace("scenario_rules.yaml", "missing.yaml");
    assert!(
        rejection(&bad).contains("rbac: cannot read"),
        "{}",
        rejection(&bad)
    );
}

#[test]
fn a_payment_taken_back_from_the_central_queue_gives_back_its_budget() {
    // BANK_A cannot pay (no balance), so its payment waits in the central queue;
    // its tree takes it back at tick 2 and releases it again at tick 3. The day's
    // budget of 1000 must see 600 released, not 1200.
    let text = r#"
simulation: { ticks_per_day: 10, num_days: 1 }
governance:
  budgets: { BANK_A: { per_day: 1000 } }
agents:
  - id: BANK_A
    opening_balance: 0
    policy:
      type: Inline
      decision_trees:
        version: "2.0"
        payment_tree:
          type: condition
          node_id: QUEUED
          condition: { op: "==", left: { field: is_in_queue2 }, right: { value: 1 } }
          on_true:
            type: condition
            node_id: TICK_2
            condition: { op: "==", left: { field: current_tick }, right: { value: 2 } }
            on_true: { type: action, node_id: BACK, action: WithdrawFromRtgs }
            on_false: { type: action, node_id: WAIT, action: Hold }
          on_false: { type: action, node_id: GO, action: Release }
  - { id: BANK_B, opening_balance: 0 }
transactions:
  - { tick: 1, from: BANK_A, to: BANK_B, amount: 600, deadline: 9 }
"#;
    let (_, log) = run_with_events(&common::scenario_from(text));
    let events = events(&log);
    let released: Vec<u64> = events
        .iter()
        .filter(|e| e["kind"] == "released" && e["agent"] == "BANK_A")
        .map(|e| e["tick"].as_u64().unwrap())
        .collect();
    assert_eq!(released, vec![1, 3], "{events:#?}");
    assert!(
        !events.iter().any(|e| e["kind"] == "audit"),
        "nothing was held: {events:#?}"
    );
}
