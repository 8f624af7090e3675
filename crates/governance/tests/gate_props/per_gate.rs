//! Properties 1 to 6: what each gate answers on its own (the output's domain,
//! the kill switch, the budget, health and risk gates, missing inputs), and a
//! negative amount refused.

use std::cell::Cell;

use proptest::prelude::*;
use rtgsim_governance::gate::{Decision, Gate, Reason, Verdict};

use crate::generated::{CASES, Op, release, scenario, scenario_from, setup};
use crate::harness::{Entry, Positions, bump, check, hold, require, run, steps};

// ---------------------------------------------------------------------------
// 1. Output domain
// ---------------------------------------------------------------------------

/// Property 1: every verdict is ALLOW, HOLD or HALT; ALLOW ⇔ reason
/// ALLOW_ALL_GATES_PASSED ⇔ no blocking gate; a blocking gate's rank is its
/// precedence (1..=4) and its reason belongs to it; HALT comes only from the
/// kill switch (rank 1), directly or through the latch.
#[test]
fn output_domain() {
    let seen: [Cell<u32>; 3] = Default::default();
    check(CASES, scenario(), |(setup, ops)| {
        for step in steps(&run(&setup, &ops)) {
            let d = step.decision;
            prop_assert!(["ALLOW", "HOLD", "HALT"].contains(&d.verdict.code()));
            let allow = d.verdict == Verdict::Allow;
            prop_assert_eq!(allow, d.reason == Reason::AllowAllGatesPassed, "{:?}", d);
            prop_assert_eq!(allow, d.gate.is_none(), "{:?}", d);
            prop_assert_eq!(allow, d.reason.code() == "ALLOW_ALL_GATES_PASSED");
            prop_assert_eq!(d.rank(), d.gate.map(Gate::rank));
            if let Some(gate) = d.gate {
                let precedence = Gate::ALL.iter().position(|g| *g == gate).unwrap() + 1;
                prop_assert_eq!(usize::from(gate.rank()), precedence);
                prop_assert!((1..=4).contains(&gate.rank()));
                let own = match gate {
                    Gate::KillSwitch => &[Reason::HaltKillSwitch, Reason::GateInputIncomplete][..],
                    Gate::Budget => &[Reason::HoldBudgetTick, Reason::HoldBudgetDay][..],
                    Gate::Health => &[
                        Reason::HoldHealthQueueValue,
                        Reason::HoldHealthQueueAge,
                        Reason::HoldContingency,
                        Reason::GateInputIncomplete,
                    ][..],
                    Gate::Risk => &[
                        Reason::HoldRiskBilateral,
                        Reason::HoldRiskMultilateral,
                        Reason::GateInputIncomplete,
                    ][..],
                };
                prop_assert!(own.contains(&d.reason), "{:?}", d);
            }
            prop_assert_eq!(
                d.verdict == Verdict::Halt,
                d.gate == Some(Gate::KillSwitch),
                "{:?}",
                d
            );
            if d.latched {
                prop_assert_eq!(d.verdict, Verdict::Halt);
            }
            bump(&seen[d.verdict as usize]);
        }
        Ok(())
    });
    let [allow, held, halt] = seen.map(Cell::into_inner);
    require(
        "output_domain",
        &[
            ("ALLOW", allow, 500),
            ("HOLD", held, 500),
            ("HALT", halt, 200),
        ],
    );
}

// ---------------------------------------------------------------------------
// 2. Kill switch supremacy
// ---------------------------------------------------------------------------

/// Property 2: a suspended agent, or any agent while the system is suspended,
/// is HALTed by the kill switch whatever the other inputs: the cases count
/// suspended evaluations where every other gate would pass and where some
/// other gate would block.
#[test]
fn kill_switch_supremacy() {
    let (others_pass, others_block) = (Cell::new(0_u32), Cell::new(0_u32));
    check(CASES, scenario(), |(setup, ops)| {
        for step in steps(&run(&setup, &ops)) {
            if !step.suspended {
                continue;
            }
            let d = step.decision;
            prop_assert_eq!(d.verdict, Verdict::Halt, "{:?}", step);
            prop_assert_eq!(d.reason, Reason::HaltKillSwitch, "{:?}", step);
            prop_assert_eq!(d.gate, Some(Gate::KillSwitch));
            prop_assert!(d.latched);
            prop_assert!(!step.committed);
            if step.conditions[1..].iter().all(Option::is_none) {
                bump(&others_pass);
            } else {
                bump(&others_block);
            }
        }
        Ok(())
    });
    require(
        "kill_switch_supremacy",
        &[
            ("suspended, other gates passing", others_pass.get(), 100),
            ("suspended, another gate blocking", others_block.get(), 100),
        ],
    );
}

// ---------------------------------------------------------------------------
// 3. Budget enforcement
// ---------------------------------------------------------------------------

/// Property 3: committed amounts per agent never pass per_tick within a tick
/// nor per_day within a day (totals counted from the trace, not the model); a
/// release that would pass either, when the kill switch does not block, is
/// HOLD at the budget gate with HOLD_BUDGET_TICK (checked first) or
/// HOLD_BUDGET_DAY.
#[test]
fn budget_enforcement() {
    let (tick_holds, day_holds) = (Cell::new(0_u32), Cell::new(0_u32));
    check(CASES, scenario(), |(setup, ops)| {
        let mut positions = Positions::new(setup.n);
        for entry in run(&setup, &ops) {
            let step = match entry {
                Entry::Tick { new_day, .. } => {
                    positions.tick(new_day);
                    continue;
                }
                Entry::Event { .. } => continue,
                Entry::Eval(step) => step,
            };
            let (r, a) = (step.request, step.request.agent.index());
            if a >= setup.n {
                prop_assert!(!step.committed);
                continue;
            }
            let earlier_blocks = step.suspended || step.model_latched;
            let over_tick = setup
                .per_tick(a)
                .is_some_and(|cap| positions.tick_sum[a] + r.amount > cap);
            let over_day = setup
                .per_day(a)
                .is_some_and(|cap| positions.day_sum[a] + r.amount > cap);
            if !earlier_blocks && over_tick {
                prop_assert_eq!(
                    step.decision,
                    hold(Gate::Budget, Reason::HoldBudgetTick),
                    "{:?}",
                    step
                );
                bump(&tick_holds);
            } else if !earlier_blocks && over_day {
                prop_assert_eq!(
                    step.decision,
                    hold(Gate::Budget, Reason::HoldBudgetDay),
                    "{:?}",
                    step
                );
                bump(&day_holds);
            }
            if step.decision.gate == Some(Gate::Budget) {
                prop_assert!(
                    over_tick || over_day,
                    "budget HOLD within budget: {:?}",
                    step
                );
            }
            if step.committed {
                positions.commit(&r);
                if let Some(cap) = setup.per_tick(a) {
                    prop_assert!(positions.tick_sum[a] <= cap);
                }
                if let Some(cap) = setup.per_day(a) {
                    prop_assert!(positions.day_sum[a] <= cap);
                }
            }
        }
        Ok(())
    });
    require(
        "budget_enforcement",
        &[
            ("HOLD_BUDGET_TICK", tick_holds.get(), 200),
            ("HOLD_BUDGET_DAY", day_holds.get(), 50),
        ],
    );
}

// ---------------------------------------------------------------------------
// 4. Health gating
// ---------------------------------------------------------------------------

/// Property 4: when the kill switch and the budget pass, a central queue value
/// over its maximum, an age over its maximum, or contingency with a priority
/// below the minimum holds the release at the health gate (rank 3); and the
/// health gate never holds without one of these or a missing input.
#[test]
fn health_gating() {
    let held: [Cell<u32>; 3] = Default::default();
    check(CASES, scenario(), |(setup, ops)| {
        for step in steps(&run(&setup, &ops)) {
            let (r, h) = (step.request, step.health);
            if r.agent.index() >= setup.n || step.model_latched {
                continue;
            }
            if step.conditions[..2].iter().any(Option::is_some) {
                continue;
            }
            let contingency = step.contingency && r.priority < setup.min_priority;
            let value_over = setup
                .max_value
                .is_some_and(|max| h.queue2_value.is_some_and(|v| v > max));
            let age_over = setup
                .max_age
                .is_some_and(|max| h.oldest_queue2_age.is_some_and(|v| v > max));
            let missing = (setup.max_value.is_some() && h.queue2_value.is_none())
                || (setup.max_age.is_some() && h.oldest_queue2_age.is_none());
            let d = step.decision;
            if contingency || value_over || age_over {
                prop_assert_eq!(d.verdict, Verdict::Hold, "{:?}", step);
                prop_assert_eq!(d.gate, Some(Gate::Health), "{:?}", step);
                prop_assert_eq!(d.rank(), Some(3));
                if contingency {
                    prop_assert_eq!(d.reason, Reason::HoldContingency);
                }
                for (flag, counter) in [contingency, value_over, age_over].into_iter().zip(&held) {
                    if flag {
                        bump(counter);
                    }
                }
            } else if !missing {
                prop_assert_ne!(d.gate, Some(Gate::Health), "{:?}", step);
            }
        }
        Ok(())
    });
    let [contingency, value, age] = held.map(Cell::into_inner);
    require(
        "health_gating",
        &[
            ("contingency", contingency, 100),
            ("queue value over", value, 200),
            ("queue age over", age, 200),
        ],
    );
}

// ---------------------------------------------------------------------------
// 5. Risk gating
// ---------------------------------------------------------------------------

/// Property 5: when gates 1 to 3 pass, a release whose amount added to the net
/// bilateral position (committed a→b minus b→a today, counted from the trace)
/// passes the bilateral limit is HOLD_RISK_BILATERAL; otherwise one whose
/// amount added to the multilateral net passes its limit is
/// HOLD_RISK_MULTILATERAL; and after every commit no position is over its limit.
#[test]
fn risk_gating() {
    let (bilateral_holds, multilateral_holds) = (Cell::new(0_u32), Cell::new(0_u32));
    // Half the cases without health thresholds or a system-wide suspension, so
    // that releases reach the risk gate often.
    let setups = (setup(), any::<bool>()).prop_map(|(mut setup, relax)| {
        if relax {
            setup.max_value = None;
            setup.max_age = None;
            setup.contingency = false;
            setup.system_suspended = false;
        }
        setup
    });
    check(2 * CASES, scenario_from(setups), |(setup, ops)| {
        let mut positions = Positions::new(setup.n);
        for entry in run(&setup, &ops) {
            let step = match entry {
                Entry::Tick { new_day, .. } => {
                    positions.tick(new_day);
                    continue;
                }
                Entry::Event { .. } => continue,
                Entry::Eval(step) => step,
            };
            let (r, a) = (step.request, step.request.agent.index());
            let gates_pass = a < setup.n
                && !step.model_latched
                && step.conditions[..3].iter().all(Option::is_none);
            if gates_pass {
                let known = r.counterparty.map(|b| b.index()).filter(|&b| b < setup.n);
                let bilateral_over = known.is_some_and(|b| {
                    setup
                        .bilateral(a, b)
                        .is_some_and(|limit| positions.net(a, b) + r.amount > limit)
                });
                let multilateral_over = setup
                    .multilateral(a)
                    .is_some_and(|cap| positions.net_out(a) + r.amount > cap);
                let incomplete = setup.has_bilateral(a) && known.is_none();
                if bilateral_over {
                    prop_assert_eq!(
                        step.decision,
                        hold(Gate::Risk, Reason::HoldRiskBilateral),
                        "{:?}",
                        step
                    );
                    bump(&bilateral_holds);
                } else if multilateral_over && !incomplete {
                    prop_assert_eq!(
                        step.decision,
                        hold(Gate::Risk, Reason::HoldRiskMultilateral),
                        "{:?}",
                        step
                    );
                    bump(&multilateral_holds);
                } else if !incomplete {
                    prop_assert_eq!(step.decision.verdict, Verdict::Allow, "{:?}", step);
                }
            }
            if step.committed {
                positions.commit(&r);
                positions.within_limits(&setup)?;
            }
        }
        Ok(())
    });
    require(
        "risk_gating",
        &[
            ("HOLD_RISK_BILATERAL", bilateral_holds.get(), 100),
            ("HOLD_RISK_MULTILATERAL", multilateral_holds.get(), 100),
        ],
    );
}

// ---------------------------------------------------------------------------
// 6. Restrictive default on input failure
// ---------------------------------------------------------------------------

/// Property 6: a missing input a gate needs blocks at that gate, never ALLOW:
///
/// * an agent the gate does not know: HALT at the kill switch,
///   GATE_INPUT_INCOMPLETE (and nothing to latch);
/// * the queue value or age missing while its threshold is set, gates 1–2
///   passing: HOLD at health, GATE_INPUT_INCOMPLETE — unless a check the
///   health gate makes earlier (contingency, then a value present and over its
///   maximum before a missing age) already blocked it with its own reason;
/// * the counterparty missing or unknown while the agent has bilateral limits,
///   gates 1–3 passing: HOLD at risk, GATE_INPUT_INCOMPLETE.
#[test]
fn restrictive_default_on_input_failure() {
    let (unknown, health_missing, risk_missing) =
        (Cell::new(0_u32), Cell::new(0_u32), Cell::new(0_u32));
    check(CASES, scenario(), |(setup, ops)| {
        for step in steps(&run(&setup, &ops)) {
            let (r, h, d) = (step.request, step.health, step.decision);
            if r.agent.index() >= setup.n {
                prop_assert_eq!(
                    d,
                    Decision {
                        verdict: Verdict::Halt,
                        reason: Reason::GateInputIncomplete,
                        gate: Some(Gate::KillSwitch),
                        latched: false,
                    }
                );
                prop_assert!(step.latch_after.is_none());
                bump(&unknown);
                continue;
            }
            if step.model_latched || step.conditions[..2].iter().any(Option::is_some) {
                continue;
            }
            let value_missing = setup.max_value.is_some() && h.queue2_value.is_none();
            let age_missing = setup.max_age.is_some() && h.oldest_queue2_age.is_none();
            if value_missing || age_missing {
                let contingency = step.contingency && r.priority < setup.min_priority;
                let value_over = setup
                    .max_value
                    .is_some_and(|max| h.queue2_value.is_some_and(|v| v > max));
                let reason = if contingency {
                    Reason::HoldContingency
                } else if value_over {
                    Reason::HoldHealthQueueValue
                } else {
                    Reason::GateInputIncomplete
                };
                prop_assert_eq!(d, hold(Gate::Health, reason), "{:?}", step);
                if reason == Reason::GateInputIncomplete {
                    bump(&health_missing);
                }
                continue;
            }
            if step.conditions[2].is_some() {
                continue;
            }
            let counterparty_missing = r.counterparty.is_none_or(|b| b.index() >= setup.n);
            if setup.has_bilateral(r.agent.index()) && counterparty_missing {
                prop_assert_eq!(
                    d,
                    hold(Gate::Risk, Reason::GateInputIncomplete),
                    "{:?}",
                    step
                );
                bump(&risk_missing);
            }
        }
        Ok(())
    });
    require(
        "restrictive_default_on_input_failure",
        &[
            ("unknown agent", unknown.get(), 50),
            ("health input missing", health_missing.get(), 100),
            ("counterparty missing", risk_missing.get(), 50),
        ],
    );
}

// ---------------------------------------------------------------------------
// A negative amount
// ---------------------------------------------------------------------------

/// A negative amount is refused and never counted. Negative releases inserted
/// at random places among the generated operations are each answered, when the
/// kill switch (or its latch) does not answer first, with HOLD at the budget
/// gate, GATE_INPUT_INCOMPLETE; none is committed; and every other release is
/// decided exactly as in the run without them (committed, a negative amount
/// would have made room in the budgets and limits).
#[test]
fn negative_amounts_are_refused_and_never_counted() {
    let refused = Cell::new(0_u32);
    let strategy = scenario().prop_flat_map(|(setup, ops)| {
        let negatives = prop::collection::vec(
            (any::<prop::sample::Index>(), release(setup.n, -500..=-1)),
            1..20,
        );
        (Just(setup), Just(ops), negatives)
    });
    check(CASES, strategy, |(setup, ops, negatives)| {
        let mut mixed = ops.clone();
        for (at, negative) in negatives {
            mixed.insert(at.index(mixed.len() + 1), Op::Release(negative));
        }
        let mut others = Vec::new();
        for step in steps(&run(&setup, &mixed)) {
            if step.request.amount >= 0 {
                others.push(step.decision);
                continue;
            }
            prop_assert!(!step.committed, "{:?}", step);
            let kill_switch_first =
                step.request.agent.index() >= setup.n || step.suspended || step.model_latched;
            if kill_switch_first {
                prop_assert_eq!(step.decision.gate, Some(Gate::KillSwitch), "{:?}", step);
            } else {
                prop_assert_eq!(
                    step.decision,
                    hold(Gate::Budget, Reason::GateInputIncomplete),
                    "{:?}",
                    step
                );
                bump(&refused);
            }
        }
        let plain: Vec<Decision> = steps(&run(&setup, &ops)).map(|s| s.decision).collect();
        prop_assert_eq!(others, plain);
        Ok(())
    });
    require(
        "negative_amounts_are_refused_and_never_counted",
        &[("refused at the budget gate", refused.get(), 500)],
    );
}
