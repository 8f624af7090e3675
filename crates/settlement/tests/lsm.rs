//! The liquidity-saving algorithms on small exact cases.
#![allow(clippy::unwrap_used)] // test helpers fail loudly

use rtgsim_core::agent::AgentSetup;
use rtgsim_core::event::{Event, LsmAlgorithm};
use rtgsim_core::testkit::World;
use rtgsim_core::{QueueOrder, Release, TxId, TxStatus};
use rtgsim_settlement::lsm::{bilateral, cycles, entry, multilateral};
use rtgsim_settlement::{LsmStep, SettlementConfig, SettlementEngine};

/// Puts payments straight into Queue 2 (no settlement attempt).
fn queue(world: &mut World, payments: &[(&str, &str, i64)]) -> Vec<TxId> {
    payments
        .iter()
        .map(|&(from, to, amount)| {
            let tx = world.pay(from, to, amount, 50);
            world.release(from, &[tx]);
            tx
        })
        .collect()
}

fn sets(world: &World) -> Vec<(LsmAlgorithm, Vec<TxId>)> {
    world
        .events
        .iter()
        .filter_map(|e| match e {
            Event::SetSettled { algorithm, txs, .. } => Some((*algorithm, txs.clone())),
            _ => None,
        })
        .collect()
}

fn status(world: &World, tx: TxId) -> TxStatus {
    world.state.transaction(tx).status
}

#[test]
fn multilateral_settles_a_ring_without_liquidity() {
    let mut world = World::new(&[("A", 0), ("B", 0), ("C", 0)]);
    let txs = queue(
        &mut world,
        &[("A", "B", 100), ("B", "C", 100), ("C", "A", 100)],
    );
    assert_eq!(
        bilateral::run(&mut world.state, &mut world.events),
        0,
        "no pair owes both ways"
    );
    assert_eq!(multilateral::run(&mut world.state, &mut world.events), 3);
    assert_eq!(sets(&world), vec![(LsmAlgorithm::Multilateral, txs)]);
    assert!(world.state.queue2().is_empty());
    world.state.check_invariants().unwrap();
}

#[test]
fn multilateral_leaves_out_the_short_bank_and_keeps_fifo() {
    let mut world = World::new(&[("A", 1_000), ("B", 0), ("C", 0), ("D", 0)]);
    let txs = queue(
        &mut world,
        &[
            ("A", "B", 10_000),
            ("A", "D", 2_000),
            ("B", "C", 10_000),
            ("C", "A", 10_000),
        ],
    );
    assert_eq!(multilateral::run(&mut world.state, &mut world.events), 3);
    assert_eq!(
        status(&world, txs[1]),
        TxStatus::Queued2,
        "A's later payment waits"
    );
    assert_eq!(world.state.agent(world.id("A")).balance(), 1_000);
    world.state.check_invariants().unwrap();
}

#[test]
fn multilateral_never_passes_an_earlier_payment() {
    // A's first payment (to D) cannot be covered; the ring behind it must not settle.
    let mut world = World::new(&[("A", 0), ("B", 0), ("C", 0), ("D", 0)]);
    queue(
        &mut world,
        &[
            ("A", "D", 500),
            ("A", "B", 100),
            ("B", "C", 100),
            ("C", "A", 100),
        ],
    );
    assert_eq!(multilateral::run(&mut world.state, &mut world.events), 0);
    assert!(sets(&world).is_empty());
}

#[test]
fn bilateral_offsets_every_pair_not_only_the_queue_head() {
    // A's first payment is to C and blocked; A and B still offset, and so do C and D.
    let mut world = World::new(&[("A", 0), ("B", 0), ("C", 0), ("D", 0)]);
    let txs = queue(
        &mut world,
        &[
            ("A", "C", 9_999),
            ("A", "B", 300),
            ("B", "A", 300),
            ("C", "D", 50),
            ("D", "C", 50),
        ],
    );
    assert_eq!(bilateral::run(&mut world.state, &mut world.events), 4);
    assert_eq!(
        sets(&world),
        vec![
            (LsmAlgorithm::Bilateral, vec![txs[1], txs[2]]),
            (LsmAlgorithm::Bilateral, vec![txs[3], txs[4]]),
        ]
    );
    assert_eq!(status(&world, txs[0]), TxStatus::Queued2);
}

#[test]
fn bilateral_settles_the_largest_runs_both_can_cover() {
    // The lsm_bilateral_pair fixture's first tick: A 2,000, B 500.
    let mut world = World::new(&[("A", 2_000), ("B", 500)]);
    let txs = queue(
        &mut world,
        &[
            ("A", "B", 5_000),
            ("A", "B", 3_000),
            ("A", "B", 4_000),
            ("B", "A", 6_000),
        ],
    );
    assert_eq!(bilateral::run(&mut world.state, &mut world.events), 3);
    assert_eq!(
        sets(&world),
        vec![(LsmAlgorithm::Bilateral, vec![txs[0], txs[1], txs[3]])]
    );
    assert_eq!(world.state.agent(world.id("A")).balance(), 0);
    assert_eq!(world.state.agent(world.id("B")).balance(), 2_500);
    assert_eq!(status(&world, txs[2]), TxStatus::Queued2);
}

#[test]
fn cycles_settle_unequal_values_when_covered() {
    let mut world = World::new(&[("A", 0), ("B", 0), ("C", 40)]);
    let txs = queue(
        &mut world,
        &[("A", "B", 100), ("B", "C", 100), ("C", "A", 140)],
    );
    // C pays 140 and receives 100: it needs 40, and has it.
    assert_eq!(cycles::run(&mut world.state, 4, &mut world.events), 3);
    assert_eq!(sets(&world), vec![(LsmAlgorithm::Cycle, txs)]);
    assert_eq!(world.state.agent(world.id("A")).balance(), 40);
    world.state.check_invariants().unwrap();
}

#[test]
fn cycles_respect_the_length_bound_and_cover() {
    let mut world = World::new(&[("A", 0), ("B", 0), ("C", 0), ("D", 0)]);
    queue(
        &mut world,
        &[
            ("A", "B", 10),
            ("B", "C", 10),
            ("C", "D", 10),
            ("D", "A", 10),
        ],
    );
    assert_eq!(
        cycles::run(&mut world.state, 3, &mut world.events),
        0,
        "a 4-cycle is too long"
    );
    assert_eq!(cycles::run(&mut world.state, 4, &mut world.events), 4);

    let mut short = World::new(&[("A", 0), ("B", 0), ("C", 39)]);
    queue(
        &mut short,
        &[("A", "B", 100), ("B", "C", 100), ("C", "A", 140)],
    );
    assert_eq!(
        cycles::run(&mut short.state, 4, &mut short.events),
        0,
        "C is one cent short"
    );
}

#[test]
fn entry_offset_settles_a_new_payment_against_payments_back() {
    let mut world = World::new(&[("A", 0), ("B", 0)]);
    let back = queue(
        &mut world,
        &[("B", "A", 70), ("B", "A", 50), ("B", "A", 10)],
    );
    let new = world.pay("A", "B", 100, 50);
    world.release("A", &[new]);
    // B may pay back at most 100 (what it receives, with nothing of its own): 70 alone
    // fits, 70 + 50 does not; A then needs 30 net and has nothing.
    assert_eq!(entry::offset(&mut world.state, new, &mut world.events), 0);

    let mut funded = World::new(&[("A", 30), ("B", 0)]);
    let back2 = queue(&mut funded, &[("B", "A", 70), ("B", "A", 50)]);
    let new2 = funded.pay("A", "B", 100, 50);
    funded.release("A", &[new2]);
    assert_eq!(
        entry::offset(&mut funded.state, new2, &mut funded.events),
        2
    );
    assert_eq!(
        sets(&funded),
        vec![(LsmAlgorithm::EntryOffset, vec![back2[0], new2])],
        "listed in queue order"
    );
    assert_eq!(status(&funded, back2[1]), TxStatus::Queued2);
    assert_eq!(status(&world, back[0]), TxStatus::Queued2);
}

/// Each released payment gets its gross attempt and then, if it waits, its offset on
/// entry, before the next payment's attempt (`ARCHITECTURE.md`, the tick loop).
/// Worked by hand, no credit anywhere, FIFO bypass, no LSM, offsetting on entry:
///
/// | step                                 | A   | B   | C   | settles          |
/// |--------------------------------------|-----|-----|-----|------------------|
/// | opening; b1 B->A 150 waits           | 100 |  50 |  50 |                  |
/// | p1 A->B 200: gross needs 200, has 100 |     |     |     | waits            |
/// | offset p1 with b1: A nets -50, B +50 |  50 | 100 |  50 | b1, p1           |
/// | p2 A->C 100: gross needs 100, has 50 |     |     |     | waits            |
/// | (C's queue has nothing back to A)    |     |     |     |                  |
/// | c1 C->A 50 gross                     | 100 | 100 |   0 | c1               |
/// | retry: A pays p2                     |   0 | 100 | 100 | p2               |
///
/// Everything settles. Giving all of A's releases their gross attempts first settles
/// p2 at once (A 0, C 150), after which the offset of p1 needs A to pay 50 net and
/// fails; c1 brings A to 50, short of p1's 200, and B's 50 is short of b1's 150: p1
/// and b1 are gridlocked with no LSM to free them.
#[test]
fn entry_offset_comes_before_the_next_release_is_attempted() {
    let mut world = World::new(&[("A", 100), ("B", 50), ("C", 50)]);
    let b1 = queue(&mut world, &[("B", "A", 150)])[0];
    let p1 = world.pay("A", "B", 200, 50);
    let p2 = world.pay("A", "C", 100, 50);
    let c1 = world.pay("C", "A", 50, 50);
    let mut engine = SettlementEngine::new(SettlementConfig {
        fifo_bypass: true,
        entry_offset: true,
        ..SettlementConfig::gross_only()
    });
    let (a, c) = (world.id("A"), world.id("C"));
    engine.release(
        &mut world.state,
        a,
        &Release::all(&[p1, p2]),
        &mut world.events,
    );
    assert_eq!(
        sets(&world),
        vec![(LsmAlgorithm::EntryOffset, vec![b1, p1])],
        "p1 is offset before p2 is attempted"
    );
    engine.release(&mut world.state, c, &Release::all(&[c1]), &mut world.events);
    engine.settle_tick(&mut world.state, &mut world.events);
    for tx in [b1, p1, p2, c1] {
        assert_eq!(status(&world, tx), TxStatus::Settled, "{tx:?}");
    }
    let balances: Vec<i64> = ["A", "B", "C"]
        .iter()
        .map(|name| world.state.agent(world.id(name)).balance())
        .collect();
    assert_eq!(balances, vec![0, 100, 100]);
    world.state.check_invariants().unwrap();
}

#[test]
fn the_engine_runs_the_sequence_and_skips_a_pass_when_nothing_changed() {
    let mut world = World::new(&[("A", 0), ("B", 0), ("C", 0)]);
    let config = SettlementConfig {
        lsm: vec![LsmStep::Bilateral, LsmStep::Multilateral],
        ..SettlementConfig::default()
    };
    let mut engine = SettlementEngine::new(config);
    let stuck = queue(&mut world, &[("A", "B", 100), ("B", "C", 100)]);
    let report = engine.settle_tick(&mut world.state, &mut world.events);
    assert_eq!(report.lsm, 0);
    let epoch = world.state.settlement_epoch();
    assert_eq!(engine.run_lsm(&mut world.state, &mut world.events), (0, 0));
    assert_eq!(world.state.settlement_epoch(), epoch);
    // C's payment to A closes the ring: the next pass settles everything it can.
    let closing = world.pay("C", "A", 100, 50);
    world.release("C", &[closing]);
    let report = engine.settle_tick(&mut world.state, &mut world.events);
    assert_eq!(report.lsm, 3);
    assert!(
        stuck
            .iter()
            .all(|&tx| status(&world, tx) == TxStatus::Settled)
    );
    world.state.check_invariants().unwrap();
}

#[test]
fn priority_order_is_the_queue_order_the_lsm_keeps() {
    let setups = vec![
        AgentSetup::new("A", 0),
        AgentSetup::new("B", 0),
        AgentSetup::new("C", 0),
    ];
    let mut world = World::with_setups(setups, QueueOrder::Priority);
    // A's low-priority payment to C was released first but the high-priority ring
    // payment comes first in priority order, so the ring can settle without it.
    let low = world.payment("A", "C", 500, 50, 1, false);
    world.release("A", &[low]);
    let ab = world.payment("A", "B", 100, 50, 9, false);
    let bc = world.payment("B", "C", 100, 50, 9, false);
    let ca = world.payment("C", "A", 100, 50, 9, false);
    world.release("A", &[ab]);
    world.release("B", &[bc]);
    world.release("C", &[ca]);
    assert_eq!(multilateral::run(&mut world.state, &mut world.events), 3);
    assert_eq!(status(&world, low), TxStatus::Queued2);
}
