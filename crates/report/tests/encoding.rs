//! One hand-written log line per event kind: the bytes the encoder must produce,
//! written out by hand from the log format (tick, kind, then the fields in their
//! documented order; agents by name, payments by number). Every kind the schema
//! declares must appear here, so a new kind cannot go untested.
#![allow(clippy::unwrap_used)]

use rtgsim_core::event::{
    AuditEvent, CollateralPhase, CollateralRefusal, Event, Figure, GuardbandName, LsmAlgorithm,
    PenaltyCause, PolicyCall, PolicyFailure, Rollback, SettleRoute,
};
use rtgsim_core::policy_api::Capability;
use rtgsim_core::release::DecisionError;
use rtgsim_core::{AgentId, AuditDecision, AuditGate, AuditKind, HoldReason, TxId};
use rtgsim_report::event_log::encode;
use std::collections::BTreeSet;

const A: AgentId = AgentId(0);
const B: AgentId = AgentId(1);

fn cases() -> Vec<(Event, &'static str)> {
    vec![
        (
            Event::AgentOpened {
                agent: B,
                balance: -5,
                unsecured_cap: 7,
                posted_collateral: 0,
                collateral_capacity: 100,
            },
            r#"{"tick":0,"kind":"agent_opened","agent":"BANK_B","balance":-5,"unsecured_cap":7,"posted_collateral":0,"collateral_capacity":100}"#,
        ),
        (
            Event::Arrival {
                tick: 3,
                tx: TxId(9),
                sender: A,
                receiver: B,
                amount: 1_000,
                deadline: 12,
                priority: 7,
                divisible: true,
            },
            r#"{"tick":3,"kind":"arrival","tx":9,"from":"BANK_A","to":"BANK_B","amount":1000,"deadline":12,"priority":7,"divisible":true}"#,
        ),
        (
            Event::Held {
                tick: 4,
                agent: A,
                tx: TxId(9),
                reason: HoldReason::Custom("timed for \"tick\" 7".into()),
            },
            r#"{"tick":4,"kind":"held","agent":"BANK_A","tx":9,"reason":"timed for \"tick\" 7"}"#,
        ),
        (
            Event::Held {
                tick: 5,
                agent: A,
                tx: TxId(9),
                reason: HoldReason::Gated {
                    gate: Some(AuditGate::KillSwitch),
                },
            },
            r#"{"tick":5,"kind":"held","agent":"BANK_A","tx":9,"reason":"held by the release gate: kill_switch"}"#,
        ),
        (
            Event::Held {
                tick: 6,
                agent: B,
                tx: TxId(3),
                reason: HoldReason::NearDeadline {
                    ticks_remaining: 12,
                },
            },
            r#"{"tick":6,"kind":"held","agent":"BANK_B","tx":3,"reason":"not yet urgent (12 ticks to the deadline)"}"#,
        ),
        (
            Event::Held {
                tick: 6,
                agent: B,
                tx: TxId(4),
                reason: HoldReason::Refused {
                    capability: Capability::Release,
                },
            },
            r#"{"tick":6,"kind":"held","agent":"BANK_B","tx":4,"reason":"refused by RBAC: policy.action.release"}"#,
        ),
        (
            Event::Released {
                tick: 4,
                agent: A,
                tx: TxId(9),
                source: Some("N1".into()),
            },
            r#"{"tick":4,"kind":"released","agent":"BANK_A","tx":9,"source":"N1"}"#,
        ),
        (
            Event::Split {
                tick: 4,
                agent: A,
                tx: TxId(2),
                parts: vec![(TxId(10), 60), (TxId(11), 40)],
                friction_cost: 3,
                source: None,
            },
            r#"{"tick":4,"kind":"split","agent":"BANK_A","tx":2,"parts":[10,11],"amounts":[60,40],"friction_cost":3}"#,
        ),
        (
            Event::Dropped {
                tick: 5,
                agent: B,
                tx: TxId(1),
                amount: 20,
                source: Some("say \"no\"".into()),
            },
            r#"{"tick":5,"kind":"dropped","agent":"BANK_B","tx":1,"amount":20,"source":"say \"no\""}"#,
        ),
        (
            Event::Reprioritized {
                tick: 5,
                agent: B,
                tx: TxId(1),
                priority: 10,
                source: None,
            },
            r#"{"tick":5,"kind":"reprioritized","agent":"BANK_B","tx":1,"priority":10}"#,
        ),
        (
            Event::WithdrawnFromQueue2 {
                tick: 6,
                agent: A,
                tx: TxId(4),
                source: None,
            },
            r#"{"tick":6,"kind":"withdrawn_from_queue2","agent":"BANK_A","tx":4}"#,
        ),
        (
            Event::Resubmitted {
                tick: 6,
                agent: A,
                tx: TxId(4),
                priority: 0,
                source: Some("R".into()),
            },
            r#"{"tick":6,"kind":"resubmitted","agent":"BANK_A","tx":4,"priority":0,"source":"R"}"#,
        ),
        (
            Event::PolicyTrace {
                tick: 7,
                agent: B,
                tx: None,
                trace: "a\nb".into(),
            },
            r#"{"tick":7,"kind":"policy_trace","agent":"BANK_B","trace":"a\nb"}"#,
        ),
        (
            Event::Settled {
                tick: 8,
                tx: TxId(9),
                sender: A,
                receiver: B,
                amount: 1_000,
                route: SettleRoute::Immediate,
            },
            r#"{"tick":8,"kind":"settled","tx":9,"from":"BANK_A","to":"BANK_B","amount":1000,"route":"immediate"}"#,
        ),
        (
            Event::SetSettled {
                tick: 8,
                algorithm: LsmAlgorithm::EntryOffset,
                txs: vec![TxId(1), TxId(3)],
                value: 77,
            },
            r#"{"tick":8,"kind":"lsm_settled","algorithm":"entry_offset","txs":[1,3],"value":77}"#,
        ),
        (
            Event::CollateralPosted {
                tick: 9,
                agent: A,
                phase: CollateralPhase::Strategic,
                requested: 50,
                posted: 30,
            },
            r#"{"tick":9,"kind":"collateral_posted","agent":"BANK_A","phase":"strategic","requested":50,"posted":30}"#,
        ),
        (
            Event::CollateralWithdrawn {
                tick: 9,
                agent: A,
                phase: CollateralPhase::EndOfTick,
                amount: 30,
            },
            r#"{"tick":9,"kind":"collateral_withdrawn","agent":"BANK_A","phase":"end_of_tick","amount":30}"#,
        ),
        (
            Event::CollateralRefused {
                tick: 9,
                agent: B,
                phase: CollateralPhase::EndOfTick,
                requested: 5,
                reason: CollateralRefusal::NotPosted { posted: 3 },
            },
            r#"{"tick":9,"kind":"collateral_refused","agent":"BANK_B","phase":"end_of_tick","requested":5,"reason":"only 3 cents of collateral are posted"}"#,
        ),
        (
            Event::PolicyError {
                tick: 10,
                agent: B,
                call: PolicyCall::StrategicCollateral,
                failure: Box::new(PolicyFailure::Policy("x".into())),
            },
            r#"{"tick":10,"kind":"policy_error","agent":"BANK_B","call":"strategic_collateral","message":"x"}"#,
        ),
        (
            Event::PolicyError {
                tick: 10,
                agent: A,
                call: PolicyCall::EvaluateQueue,
                failure: Box::new(PolicyFailure::Refused(DecisionError::Duplicate(TxId(4)))),
            },
            r#"{"tick":10,"kind":"policy_error","agent":"BANK_A","call":"evaluate_queue","message":"more than one decision for tx#4"}"#,
        ),
        (
            Event::DeadlinePenalty {
                tick: 11,
                agent: A,
                tx: TxId(2),
                cause: PenaltyCause::Overdue,
                penalty: 500,
            },
            r#"{"tick":11,"kind":"deadline_penalty","agent":"BANK_A","tx":2,"cause":"overdue","penalty":500}"#,
        ),
        (
            Event::TickCosts {
                tick: 11,
                agent: A,
                overdraft: 1,
                delay: 2,
                collateral: 0,
            },
            r#"{"tick":11,"kind":"tick_costs","agent":"BANK_A","overdraft":1,"delay":2,"collateral":0}"#,
        ),
        (
            Event::EodPenalty {
                tick: 19,
                agent: B,
                tx: TxId(6),
                penalty: 9_999,
            },
            r#"{"tick":19,"kind":"eod_penalty","agent":"BANK_B","tx":6,"penalty":9999}"#,
        ),
        (
            Event::Settled {
                tick: 19,
                tx: TxId(6),
                sender: B,
                receiver: A,
                amount: 700,
                route: SettleRoute::EodLoan,
            },
            r#"{"tick":19,"kind":"settled","tx":6,"from":"BANK_B","to":"BANK_A","amount":700,"route":"eod_loan"}"#,
        ),
        (
            Event::DayCosts {
                tick: 19,
                agent: B,
                liquidity: 20_000,
                borrowed: 700,
                borrowing: 280,
            },
            r#"{"tick":19,"kind":"day_costs","agent":"BANK_B","liquidity":20000,"borrowed":700,"borrowing":280}"#,
        ),
        (
            Event::EodLoanRepaid {
                tick: 20,
                agent: B,
                repaid: 500,
                outstanding: 200,
            },
            r#"{"tick":20,"kind":"eod_loan_repaid","agent":"BANK_B","repaid":500,"outstanding":200}"#,
        ),
        (
            Event::LiquidityTransfer {
                tick: 3,
                sender: A,
                receiver: B,
                amount: 120_000,
                emergency_credit: 20_000,
            },
            r#"{"tick":3,"kind":"liquidity_transfer","from":"BANK_A","to":"BANK_B","amount":120000,"emergency_credit":20000}"#,
        ),
        (
            Event::LiquidityInjected {
                tick: 4,
                agent: B,
                amount: 5,
            },
            r#"{"tick":4,"kind":"liquidity_injected","agent":"BANK_B","amount":5}"#,
        ),
        (
            Event::LiquidityWithdrawn {
                tick: 4,
                agent: A,
                amount: 900,
                emergency_credit: 0,
            },
            r#"{"tick":4,"kind":"liquidity_withdrawn","agent":"BANK_A","amount":900,"emergency_credit":0}"#,
        ),
        (
            Event::CollateralRevalued {
                tick: 5,
                agent: A,
                factor_ppm: 300_000,
                posted: 30,
                capacity: 60,
                emergency_credit: 7,
            },
            r#"{"tick":5,"kind":"collateral_revalued","agent":"BANK_A","factor_ppm":300000,"posted":30,"capacity":60,"emergency_credit":7}"#,
        ),
        (
            Event::CreditLimitChanged {
                tick: 6,
                agent: B,
                unsecured_cap: 0,
                emergency_credit: 150,
            },
            r#"{"tick":6,"kind":"credit_limit_changed","agent":"BANK_B","unsecured_cap":0,"emergency_credit":150}"#,
        ),
        (
            Event::OutageStarted {
                tick: 7,
                agent: A,
                ticks: 24,
                receive: false,
            },
            r#"{"tick":7,"kind":"outage_started","agent":"BANK_A","ticks":24,"receive":false}"#,
        ),
        (
            Event::OutageEnded { tick: 31, agent: A },
            r#"{"tick":31,"kind":"outage_ended","agent":"BANK_A"}"#,
        ),
        (
            Event::CollateralPosted {
                tick: 20,
                agent: A,
                phase: CollateralPhase::InitialLiquidity,
                requested: 200_000,
                posted: 200_000,
            },
            r#"{"tick":20,"kind":"collateral_posted","agent":"BANK_A","phase":"initial_liquidity","requested":200000,"posted":200000}"#,
        ),
        (
            Event::DayEnded { tick: 19, day: 0 },
            r#"{"tick":19,"kind":"day_ended","day":0}"#,
        ),
        (
            Event::Audit {
                tick: 12,
                audit: Box::new(audit(Some(A), Some(TxId(5)))),
            },
            r#"{"tick":12,"kind":"audit","agent":"BANK_A","tx":5,"record":{"seq":0},"hash":"ab12"}"#,
        ),
        (
            Event::RolledBack {
                tick: 9,
                agent: B,
                rollback: Box::new(Rollback {
                    guardband: GuardbandName::SettlementRate,
                    value: Figure::Number(0.25),
                    bound: Figure::Number(0.9025),
                    window_start: 0,
                }),
            },
            r#"{"tick":9,"kind":"rolled_back","agent":"BANK_B","guardband":"settlement_rate","value":0.25,"bound":0.9025,"window_start":0}"#,
        ),
    ]
}

/// Cents are written exactly at any size; a bound as its shortest decimal, never
/// with an exponent.
#[test]
fn a_rollback_writes_its_figures_as_exact_json_numbers() {
    let event = Event::RolledBack {
        tick: 19,
        agent: A,
        rollback: Box::new(Rollback {
            guardband: GuardbandName::Cost,
            value: Figure::Cents(123_456_789_012_345_678_901),
            bound: Figure::Number(1e21),
            window_start: 10,
        }),
    };
    assert_eq!(
        line(&event),
        "{\"tick\":19,\"kind\":\"rolled_back\",\"agent\":\"BANK_A\",\"guardband\":\"cost\",\"value\":123456789012345678901,\"bound\":1000000000000000000000,\"window_start\":10}\n"
    );
}

fn audit(agent: Option<AgentId>, tx: Option<TxId>) -> AuditEvent {
    AuditEvent {
        agent,
        tx,
        seq: 0,
        kind: AuditKind::Gate,
        decision: AuditDecision::Hold,
        gate: Some(AuditGate::Budget),
        amount: Some(10),
        record: "{\"seq\":0}".into(),
        prev_hash: "".into(),
        hash: "ab12".into(),
    }
}

fn line(event: &Event) -> String {
    let mut buf = Vec::new();
    encode(
        event,
        &["BANK_A".to_string(), "BANK_B".to_string()],
        &mut buf,
    );
    String::from_utf8(buf).unwrap()
}

#[test]
fn each_kind_encodes_to_its_hand_written_line() {
    for (event, expected) in cases() {
        assert_eq!(line(&event), format!("{expected}\n"), "{}", event.kind());
    }
}

#[test]
fn every_declared_kind_has_a_case() {
    let covered: BTreeSet<&str> = cases().iter().map(|(event, _)| event.kind()).collect();
    let declared: BTreeSet<&str> = Event::KINDS.iter().copied().collect();
    assert_eq!(covered, declared);
    assert_eq!(
        Event::KINDS.len(),
        declared.len(),
        "a kind is declared twice"
    );
}

#[test]
fn a_system_wide_audit_record_has_no_agent_or_payment_key() {
    let event = Event::Audit {
        tick: 1,
        audit: Box::new(audit(None, None)),
    };
    assert_eq!(
        line(&event),
        "{\"tick\":1,\"kind\":\"audit\",\"record\":{\"seq\":0},\"hash\":\"ab12\"}\n"
    );
}

#[test]
fn accessors_read_the_schema() {
    let cases = cases();
    let by_kind = |kind: &str| &cases.iter().find(|(e, _)| e.kind() == kind).unwrap().0;
    // The first agent field is the one the event is about: a payment's sender.
    assert_eq!(by_kind("settled").agent(), Some(A));
    assert_eq!(by_kind("arrival").tick(), 3);
    assert_eq!(by_kind("agent_opened").tick(), 0);
    assert_eq!(by_kind("lsm_settled").agent(), None);
    assert_eq!(by_kind("lsm_settled").tx(), None);
    assert_eq!(by_kind("audit").agent(), Some(A));
    assert_eq!(by_kind("audit").tx(), Some(TxId(5)));
    assert_eq!(by_kind("policy_trace").tx(), None);
    assert_eq!(by_kind("split").tx(), Some(TxId(2)));
}

#[test]
fn an_event_stays_small() {
    // Every event of every run moves through the sink by value: a large payload
    // belongs in a box (as the audit record and a policy failure are).
    assert!(
        std::mem::size_of::<Event>() <= 64,
        "{}",
        std::mem::size_of::<Event>()
    );
}
