//! Properties of settlement on random queues: every set settled is covered at the
//! moment it settles, money is conserved, no balance goes below minus its credit, the
//! multilateral algorithm keeps each sender's queue order and finds the best set of
//! queue prefixes, and the LSM never settles less than the queue retry alone.
#![allow(clippy::unwrap_used)] // test helpers fail loudly

use proptest::prelude::*;
use rtgsim_core::agent::AgentSetup;
use rtgsim_core::event::Event;
use rtgsim_core::testkit::World;
use rtgsim_core::{AgentId, QueueOrder, Release, TxId};
use rtgsim_settlement::lsm::{bilateral, cycles, multilateral};
use rtgsim_settlement::{LsmStep, SettlementConfig, SettlementEngine};
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
struct Case {
    agents: Vec<(i64, i64)>,
    payments: Vec<(usize, usize, i64, u8)>,
    priority_order: bool,
    fresh_amount: i64,
}

fn case(max_payments: usize) -> impl Strategy<Value = Case> {
    (2usize..7).prop_flat_map(move |n| {
        (
            prop::collection::vec((0i64..500, 0i64..200), n),
            prop::collection::vec((0..n, 0..n, 1i64..400, 0u8..=10), 0..=max_payments),
            any::<bool>(),
            1i64..400,
        )
            .prop_map(|(agents, mut payments, priority_order, fresh_amount)| {
                payments.retain(|(s, r, _, _)| s != r);
                Case {
                    agents,
                    payments,
                    priority_order,
                    fresh_amount,
                }
            })
    })
}

/// A world with every payment of the case waiting in Queue 2, and one more payment,
/// the last, from agent 0 to agent 1, still in Queue 1 (to release through the engine).
fn world(case: &Case) -> World {
    let setups = case
        .agents
        .iter()
        .enumerate()
        .map(|(i, &(balance, cap))| {
            let mut setup = AgentSetup::new(format!("A{i}"), balance);
            setup.unsecured_cap = cap;
            setup
        })
        .collect();
    let order = if case.priority_order {
        QueueOrder::Priority
    } else {
        QueueOrder::Fifo
    };
    let mut world = World::with_setups(setups, order);
    for &(s, r, amount, priority) in &case.payments {
        let (from, to) = (format!("A{s}"), format!("A{r}"));
        let tx = world.payment(&from, &to, amount, 90, priority, false);
        world.release(&from, &[tx]);
    }
    world.pay("A0", "A1", case.fresh_amount, 90);
    world.events.clear();
    world
}

/// Releases the case's last payment (still in Queue 1) through `engine`.
fn release_fresh(world: &mut World, engine: &mut SettlementEngine) {
    let fresh = TxId(world.state.transactions().len() as u32 - 1);
    let sender = world.id("A0");
    engine.release(
        &mut world.state,
        sender,
        &Release::all(&[fresh]),
        &mut world.events,
    );
}

/// Replays settlement events against the liquidity before them: every gross payment
/// and every set must have been covered when it settled. Returns the value settled.
fn check_every_settlement_covered(before: &World, events: &[Event]) -> Result<i128, String> {
    let mut available: Vec<i128> = before
        .state
        .agents()
        .iter()
        .map(|a| i128::from(a.available_liquidity()))
        .collect();
    let tx = |id: TxId| before.state.transaction(id);
    let mut value = 0i128;
    for event in events {
        let moves: Vec<(AgentId, AgentId, i64)> = match event {
            Event::Settled {
                sender,
                receiver,
                amount,
                ..
            } => vec![(*sender, *receiver, *amount)],
            Event::SetSettled { txs, .. } => txs
                .iter()
                .map(|&id| (tx(id).sender, tx(id).receiver, tx(id).amount))
                .collect(),
            _ => continue,
        };
        let mut net: BTreeMap<AgentId, i128> = BTreeMap::new();
        for &(s, r, amount) in &moves {
            *net.entry(s).or_default() -= i128::from(amount);
            *net.entry(r).or_default() += i128::from(amount);
            value += i128::from(amount);
        }
        for (agent, n) in net {
            available[agent.index()] += n;
            if available[agent.index()] < 0 {
                return Err(format!(
                    "{event:?} left {agent:?} uncovered by {}",
                    -available[agent.index()]
                ));
            }
        }
    }
    Ok(value)
}

/// Each sender's queued payments, in queue order.
fn queues(world: &World) -> Vec<Vec<TxId>> {
    (0..world.state.agents().len())
        .map(|i| {
            world
                .state
                .queue2()
                .sender_queue(AgentId(i as u32))
                .map(|(_, entry)| entry.tx)
                .collect()
        })
        .collect()
}

/// The most value any set of queue prefixes can settle with every agent covered.
fn best_prefix_value(world: &World) -> i128 {
    let queues = queues(world);
    let available: Vec<i128> = world
        .state
        .agents()
        .iter()
        .map(|a| i128::from(a.available_liquidity()))
        .collect();
    let mut lengths = vec![0usize; queues.len()];
    let mut best = 0;
    loop {
        let mut position = available.clone();
        let mut value = 0i128;
        for (queue, &n) in queues.iter().zip(&lengths) {
            for &id in &queue[..n] {
                let t = world.state.transaction(id);
                position[t.sender.index()] -= i128::from(t.amount);
                position[t.receiver.index()] += i128::from(t.amount);
                value += i128::from(t.amount);
            }
        }
        if position.iter().all(|&p| p >= 0) {
            best = best.max(value);
        }
        let mut i = 0;
        loop {
            if i == lengths.len() {
                return best;
            }
            if lengths[i] < queues[i].len() {
                lengths[i] += 1;
                break;
            }
            lengths[i] = 0;
            i += 1;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_algorithm_settles_only_covered_sets(case in case(30), which in 0usize..4) {
        let before = world(&case);
        let mut after = before.clone();
        match which {
            0 => { bilateral::run(&mut after.state, &mut after.events); }
            1 => { multilateral::run(&mut after.state, &mut after.events); }
            2 => { cycles::run(&mut after.state, 5, &mut after.events); }
            _ => {
                let config = SettlementConfig { entry_offset: true, ..SettlementConfig::gross_only() };
                release_fresh(&mut after, &mut SettlementEngine::new(config));
            }
        }
        prop_assert!(check_every_settlement_covered(&before, &after.events).is_ok(),
            "{:?}", check_every_settlement_covered(&before, &after.events));
        prop_assert_eq!(after.state.check_invariants(), Ok(()));
    }

    #[test]
    fn multilateral_keeps_each_senders_queue_order(case in case(30)) {
        let before = world(&case);
        let mut after = before.clone();
        multilateral::run(&mut after.state, &mut after.events);
        let settled: Vec<TxId> = after.events.iter().flat_map(|e| match e {
            Event::SetSettled { txs, .. } => txs.clone(),
            _ => Vec::new(),
        }).collect();
        for queue in queues(&before) {
            let taken = queue.iter().take_while(|tx| settled.contains(tx)).count();
            prop_assert!(queue[taken..].iter().all(|tx| !settled.contains(tx)),
                "a later payment settled while an earlier one of the same sender waits");
        }
    }

    #[test]
    fn multilateral_finds_the_best_prefix_set(case in case(12)) {
        let before = world(&case);
        let mut after = before.clone();
        multilateral::run(&mut after.state, &mut after.events);
        let value = check_every_settlement_covered(&before, &after.events).unwrap();
        prop_assert_eq!(value, best_prefix_value(&before));
    }

    #[test]
    fn the_lsm_never_settles_less_than_the_queue_retry(case in case(30), entry_offset in any::<bool>()) {
        let before = world(&case);
        let mut gross = before.clone();
        let mut gross_engine = SettlementEngine::new(SettlementConfig::gross_only());
        release_fresh(&mut gross, &mut gross_engine);
        gross_engine.settle_tick(&mut gross.state, &mut gross.events);
        let mut saving = before.clone();
        let config = SettlementConfig {
            lsm: vec![LsmStep::Bilateral, LsmStep::Multilateral, LsmStep::Cycles],
            entry_offset,
            ..SettlementConfig::default()
        };
        let mut saving_engine = SettlementEngine::new(config);
        release_fresh(&mut saving, &mut saving_engine);
        saving_engine.settle_tick(&mut saving.state, &mut saving.events);
        let gross_value = check_every_settlement_covered(&before, &gross.events).unwrap();
        let saving_value = check_every_settlement_covered(&before, &saving.events).unwrap();
        prop_assert!(saving_value >= gross_value, "LSM {saving_value} < gross {gross_value}");
        prop_assert_eq!(saving.state.check_invariants(), Ok(()));
    }
}
