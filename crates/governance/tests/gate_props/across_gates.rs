//! Properties 7 to 11 and the census: precedence between the gates, safety of
//! every ALLOW, the latch's history, what a policy can and cannot change.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{TestCaseError, TestRunner};
use rtgsim_governance::gate::config::ScenarioEventKind;
use rtgsim_governance::gate::{
    Change, ChangeKind, Decision, Gate, Health, Latch, Reason, ReleaseGate, Request, Verdict,
};

use crate::generated::{
    CASES, OPERATOR, Op, Release, Setup, event_op, release, scenario, setup, tick_op,
};
use crate::harness::{Entry, Positions, bump, check, require, run, steps};

// ---------------------------------------------------------------------------
// 7. Blocking gate identification
// ---------------------------------------------------------------------------

/// Property 7: the decision is the reference model's: the gate reported is the
/// first in precedence whose condition holds (or the kill switch, for a latch),
/// with that gate's reason. The counters make sure precedence was actually
/// decided: cases where a later gate would also have blocked.
#[test]
fn blocking_gate_identification() {
    let contested: [Cell<u32>; 4] = Default::default();
    check(CASES, scenario(), |(setup, ops)| {
        for step in steps(&run(&setup, &ops)) {
            prop_assert_eq!(step.decision, step.expected, "{:?}", step);
            if step.model_latched {
                continue;
            }
            let blocking: Vec<usize> = (0..4).filter(|&g| step.conditions[g].is_some()).collect();
            if let Some(&first) = blocking.first() {
                prop_assert_eq!(step.decision.gate, Some(Gate::ALL[first]));
                prop_assert_eq!(step.decision.reason, step.conditions[first].unwrap());
                if blocking.len() > 1 {
                    bump(&contested[first]);
                }
            } else {
                prop_assert_eq!(step.decision.gate, None);
            }
        }
        Ok(())
    });
    let [kill, budget, health, _] = contested.map(Cell::into_inner);
    require(
        "blocking_gate_identification",
        &[
            ("kill switch first of several", kill, 100),
            ("budget first of several", budget, 100),
            ("health first of several", health, 100),
        ],
    );
}

// ---------------------------------------------------------------------------
// 8. No release while unsafe
// ---------------------------------------------------------------------------

/// Property 8: ALLOW only when every gate's condition passes in the reference
/// model (known agent, no latch, no suspension, within budgets, healthy
/// inputs present and under thresholds, positions within limits).
#[test]
fn no_release_while_unsafe() {
    let (allowed, unsafe_seen) = (Cell::new(0_u32), Cell::new(0_u32));
    check(CASES, scenario(), |(setup, ops)| {
        for step in steps(&run(&setup, &ops)) {
            let unsafe_now = step.request.agent.index() >= setup.n
                || step.model_latched
                || step.conditions.iter().any(Option::is_some);
            if unsafe_now {
                prop_assert_ne!(step.decision.verdict, Verdict::Allow, "{:?}", step);
                prop_assert!(!step.committed);
                bump(&unsafe_seen);
            } else {
                prop_assert_eq!(step.decision.verdict, Verdict::Allow, "{:?}", step);
                bump(&allowed);
            }
        }
        Ok(())
    });
    require(
        "no_release_while_unsafe",
        &[
            ("allowed", allowed.get(), 500),
            ("unsafe", unsafe_seen.get(), 500),
        ],
    );
}

// ---------------------------------------------------------------------------
// 9. Monotonic latch
// ---------------------------------------------------------------------------

/// Property 9, from the trace alone: once a known agent is HALTed, every later
/// evaluation for it is HALT with `latched: true`, the same reason and the
/// gate's `latch(agent)` since that tick — whatever the inputs — until a
/// `Reset` of that agent or of the system, or, with a window W > 0, until a
/// `begin_tick` at a tick ≥ latch tick + W, which reports `LatchExpired` for
/// it (and no `begin_tick` reports it earlier). Severity never drops within a
/// latch (every answer in it is HALT, the most severe).
///
/// Through the public API a latch never outlives its cause: every HALT of a
/// known agent comes from a suspension, and the only way to lift one (`Reset`)
/// clears the latch too; a latch that expires while the suspension stands is
/// set again, from the new tick, at the next evaluation. So what this property
/// can tell apart is the latch's bookkeeping (its tick, its expiry and the
/// `LatchExpired` changes), which is what it checks.
#[test]
fn monotonic_latch() {
    let (started, held_on, expired, reset) = (
        Cell::new(0_u32),
        Cell::new(0_u32),
        Cell::new(0_u32),
        Cell::new(0_u32),
    );
    check(CASES, scenario(), |(setup, ops)| {
        let mut latches: Vec<Option<(u32, Reason)>> = vec![None; setup.n];
        for entry in run(&setup, &ops) {
            match entry {
                Entry::Tick { tick, changes, .. } => {
                    let reported: BTreeSet<usize> = changes
                        .iter()
                        .map(|change| {
                            prop_assert_eq!(change.what, ChangeKind::LatchExpired);
                            prop_assert_eq!(change.operator.as_deref(), None);
                            change.agent.map(|a| a.index()).ok_or_else(|| {
                                TestCaseError::fail("a latch expiry without an agent")
                            })
                        })
                        .collect::<Result<_, _>>()?;
                    prop_assert_eq!(reported.len(), changes.len(), "duplicate expiry");
                    for (a, latch) in latches.iter_mut().enumerate() {
                        let due = latch.is_some_and(|(since, _)| {
                            setup.window > 0 && tick >= since + setup.window
                        });
                        prop_assert_eq!(reported.contains(&a), due, "agent {} at {}", a, tick);
                        if due {
                            *latch = None;
                            bump(&expired);
                        }
                    }
                }
                Entry::Event {
                    kind,
                    agent,
                    change,
                } => {
                    prop_assert_eq!(change.agent, agent);
                    prop_assert_eq!(change.operator.as_deref(), Some(OPERATOR));
                    if kind == ScenarioEventKind::Reset {
                        prop_assert_eq!(change.what, ChangeKind::Reset);
                        for (a, latch) in latches.iter_mut().enumerate() {
                            if agent.is_none_or(|x| x.index() == a) && latch.take().is_some() {
                                bump(&reset);
                            }
                        }
                    }
                }
                Entry::Eval(step) => {
                    let a = step.request.agent.index();
                    let d = step.decision;
                    if a >= setup.n {
                        continue;
                    }
                    if let Some((since, reason)) = latches[a] {
                        prop_assert_eq!(d.verdict, Verdict::Halt, "{:?}", step);
                        prop_assert!(d.latched, "{:?}", step);
                        prop_assert_eq!(d.reason, reason);
                        prop_assert_eq!(d.gate, Some(Gate::KillSwitch));
                        prop_assert_eq!(step.latch_after.map(|l| l.since), Some(since));
                        bump(&held_on);
                    } else if d.verdict == Verdict::Halt {
                        prop_assert!(d.latched, "{:?}", step);
                        prop_assert_eq!(
                            step.latch_after,
                            Some(Latch {
                                since: step.tick,
                                decision: Decision {
                                    latched: false,
                                    ..d
                                },
                            })
                        );
                        latches[a] = Some((step.tick, d.reason));
                        bump(&started);
                    } else {
                        prop_assert!(!d.latched);
                        prop_assert_eq!(step.latch_after, None);
                    }
                }
            }
        }
        Ok(())
    });
    require(
        "monotonic_latch",
        &[
            ("latches started", started.get(), 100),
            ("latched evaluations", held_on.get(), 200),
            ("latches expired", expired.get(), 30),
            ("latches reset", reset.get(), 30),
        ],
    );
}

// ---------------------------------------------------------------------------
// 10. Confidence isolation
// ---------------------------------------------------------------------------

/// What a policy hands over: the request, with what it says about itself.
///
/// `Request` has no confidence or label field, and `ReleaseGate::evaluate`
/// takes only `(&Request, &Health, tick)`: by design, nothing a policy says
/// about itself can reach the gate. That part of the property is checked by the
/// compiler; this wrapper exists so the test can attach such metadata and show
/// it changes nothing.
#[derive(Debug, Clone)]
struct PolicyOutput {
    request: Request,
    health: Health,
    confidence: f64,
    label: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Observed {
    Decision(Decision),
    Changes(Vec<Change>),
    Change(Change),
}

/// Runs the operations with `metadata` attached to each release; only the
/// request and health go to the gate.
fn run_with_metadata(
    setup: &Setup,
    ops: &[Op],
    metadata: &[(f64, String)],
) -> (Vec<Observed>, Vec<String>, ReleaseGate) {
    let mut gate = setup.gate();
    let mut audit = Vec::new();
    let mut tick = 0;
    let mut seen = vec![Observed::Changes(gate.begin_tick(tick, true))];
    for (i, op) in ops.iter().enumerate() {
        match *op {
            Op::Tick { step, new_day } => {
                tick += step;
                seen.push(Observed::Changes(gate.begin_tick(tick, new_day)));
            }
            Op::Event { kind, agent } => {
                seen.push(Observed::Change(gate.apply(kind, agent, None)));
            }
            Op::Release(Release { request, health }) => {
                let (confidence, label) = metadata[i % metadata.len()].clone();
                let output = PolicyOutput {
                    request,
                    health,
                    confidence,
                    label,
                };
                let decision = gate.evaluate(&output.request, &output.health, tick);
                if decision.verdict == Verdict::Allow {
                    gate.commit(&output.request);
                }
                // The metadata is recorded next to the decision, never fed to it.
                audit.push(format!(
                    "{} {} confidence={} label={:?}",
                    decision.verdict.code(),
                    decision.reason.code(),
                    output.confidence,
                    output.label
                ));
                seen.push(Observed::Decision(decision));
            }
        }
    }
    (seen, audit, gate)
}

fn metadata() -> impl Strategy<Value = Vec<(f64, String)>> {
    prop::collection::vec((0.0_f64..=1.0, "[a-z]{0,8}"), 1..16)
}

/// Property 10: the decision is a function of (config, history, request,
/// health, tick) only. The same operations run twice, with different random
/// confidences and labels attached by the policy wrapper, give the same
/// decisions, the same changes and gates in the same final state — and the same
/// decisions as the plain harness, which attaches nothing.
#[test]
fn confidence_isolation() {
    let (compared, metadata_differed) = (Cell::new(0_u32), Cell::new(0_u32));
    let strategy = (scenario(), metadata(), metadata());
    check(CASES, strategy, |((setup, ops), first, second)| {
        let (seen_first, audit_first, gate_first) = run_with_metadata(&setup, &ops, &first);
        let (seen_second, audit_second, gate_second) = run_with_metadata(&setup, &ops, &second);
        prop_assert_eq!(audit_first.len(), audit_second.len());
        prop_assert_eq!(&seen_first, &seen_second);
        prop_assert_eq!(&gate_first, &gate_second);
        let plain: Vec<Decision> = steps(&run(&setup, &ops)).map(|s| s.decision).collect();
        let with_metadata: Vec<Decision> = seen_first
            .iter()
            .filter_map(|o| match o {
                Observed::Decision(d) => Some(*d),
                _ => None,
            })
            .collect();
        prop_assert_eq!(plain, with_metadata);
        compared.set(compared.get() + seen_first.len() as u32);
        if first.iter().zip(&second).any(|(x, y)| x != y) || first.len() != second.len() {
            bump(&metadata_differed);
        }
        Ok(())
    });
    require(
        "confidence_isolation",
        &[
            ("observations compared", compared.get(), 5_000),
            (
                "cases with different metadata",
                metadata_differed.get(),
                CASES / 2,
            ),
        ],
    );
}

// ---------------------------------------------------------------------------
// 11. Policy supremacy
// ---------------------------------------------------------------------------

/// What an adversarial policy does between ticks.
#[derive(Debug, Clone)]
enum Move {
    /// One large amount released as `parts` smaller ones.
    Split {
        release: Release,
        total: i64,
        parts: u8,
    },
    /// The same request again and again.
    Repeat {
        release: Release,
        times: u8,
    },
    Other(Op),
}

fn policy_ops() -> impl Strategy<Value = (Setup, Vec<Op>)> {
    setup().prop_flat_map(|setup| {
        let n = setup.n;
        let mv = prop_oneof![
            4 => (release(n, 0..=0), 0_i64..=2000, 1_u8..=12)
                .prop_map(|(release, total, parts)| Move::Split { release, total, parts }),
            3 => (release(n, 0..=400), 1_u8..=6)
                .prop_map(|(release, times)| Move::Repeat { release, times }),
            2 => tick_op().prop_map(Move::Other),
            1 => event_op(n).prop_map(Move::Other),
        ];
        let ops = prop::collection::vec(mv, 1..40).prop_map(|moves| {
            let mut ops = Vec::new();
            for mv in moves {
                match mv {
                    Move::Split {
                        release,
                        total,
                        parts,
                    } => {
                        let parts = i64::from(parts);
                        for k in 0..parts {
                            let mut part = release;
                            part.request.amount = total / parts + i64::from(k < total % parts);
                            ops.push(Op::Release(part));
                        }
                    }
                    Move::Repeat { release, times } => {
                        ops.extend((0..times).map(|_| Op::Release(release)));
                    }
                    Move::Other(op) => ops.push(op),
                }
            }
            ops
        });
        (Just(setup), ops)
    })
}

/// Property 11: whatever a policy asks for — random amounts, priorities and
/// counterparties, the same request repeated, a large amount split into many
/// small ones — committed totals stay within every per-tick and per-day budget
/// and every bilateral and multilateral limit, and no suspended agent is ever
/// allowed. The counters check that the splitting and repeating did run into
/// the gates (some releases allowed, later ones held by a budget or a limit).
#[test]
fn policy_supremacy() {
    let (allowed, stopped) = (Cell::new(0_u32), Cell::new(0_u32));
    check(CASES, policy_ops(), |(setup, ops)| {
        let mut positions = Positions::new(setup.n);
        for entry in run(&setup, &ops) {
            match entry {
                Entry::Tick { new_day, .. } => positions.tick(new_day),
                Entry::Event { .. } => {}
                Entry::Eval(step) => {
                    if step.suspended {
                        prop_assert_ne!(step.decision.verdict, Verdict::Allow, "{:?}", step);
                    }
                    if step.committed {
                        prop_assert!(step.request.agent.index() < setup.n);
                        positions.commit(&step.request);
                        positions.within_limits(&setup)?;
                        bump(&allowed);
                    } else if matches!(step.decision.gate, Some(Gate::Budget | Gate::Risk)) {
                        bump(&stopped);
                    }
                }
            }
        }
        Ok(())
    });
    require(
        "policy_supremacy",
        &[
            ("allowed", allowed.get(), 500),
            ("stopped by a budget or a limit", stopped.get(), 500),
        ],
    );
}

// ---------------------------------------------------------------------------
// Census: every reason and change kind occurs
// ---------------------------------------------------------------------------

/// With a fixed seed, every reason code, every change kind and latched answers
/// all occur in the generated cases: the properties above are not vacuous on
/// any branch.
#[test]
fn census_of_reasons_and_changes() {
    let mut runner = TestRunner::deterministic();
    let strategy = scenario();
    let mut reasons: BTreeMap<(&str, Option<u8>), u32> = BTreeMap::new();
    let mut changes: BTreeMap<&str, u32> = BTreeMap::new();
    let mut latched = 0_u32;
    for _ in 0..400 {
        let (setup, ops) = strategy.new_tree(&mut runner).unwrap().current();
        for entry in run(&setup, &ops) {
            match entry {
                Entry::Tick { changes: c, .. } => {
                    for change in c {
                        *changes.entry(change.what.code()).or_default() += 1;
                    }
                }
                Entry::Event { change, .. } => {
                    *changes.entry(change.what.code()).or_default() += 1;
                }
                Entry::Eval(step) => {
                    *reasons
                        .entry((step.decision.reason.code(), step.decision.rank()))
                        .or_default() += 1;
                    latched += u32::from(step.decision.latched);
                }
            }
        }
    }
    let expected_reasons = [
        ("ALLOW_ALL_GATES_PASSED", None),
        ("HALT_KILL_SWITCH", Some(1)),
        ("GATE_INPUT_INCOMPLETE", Some(1)),
        ("HOLD_BUDGET_TICK", Some(2)),
        ("HOLD_BUDGET_DAY", Some(2)),
        ("HOLD_CONTINGENCY", Some(3)),
        ("HOLD_HEALTH_QUEUE_VALUE", Some(3)),
        ("HOLD_HEALTH_QUEUE_AGE", Some(3)),
        ("GATE_INPUT_INCOMPLETE", Some(3)),
        ("HOLD_RISK_BILATERAL", Some(4)),
        ("HOLD_RISK_MULTILATERAL", Some(4)),
        ("GATE_INPUT_INCOMPLETE", Some(4)),
    ];
    for key in expected_reasons {
        assert!(
            reasons.get(&key).is_some_and(|&c| c >= 20),
            "{key:?} occurred {:?} times: {reasons:?}",
            reasons.get(&key)
        );
    }
    assert_eq!(reasons.len(), expected_reasons.len(), "{reasons:?}");
    for kind in [
        "SUSPENDED",
        "RESET",
        "LATCH_EXPIRED",
        "CONTINGENCY_STARTED",
        "CONTINGENCY_ENDED",
    ] {
        assert!(
            changes.get(kind).is_some_and(|&c| c >= 20),
            "{kind} occurred {:?} times",
            changes.get(kind)
        );
    }
    assert!(latched > 500, "{latched} latched answers");
}
