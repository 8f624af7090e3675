//! Releases with offsetting on entry, against a second, plain implementation of the
//! documented order (`ARCHITECTURE.md`, the tick loop): one released payment at a
//! time, its gross attempt (FIFO permitting) and then, if it waits, its offset
//! against the front of its receiver's queue, before the next payment is attempted.
#![allow(clippy::unwrap_used)] // test helpers fail loudly

use proptest::prelude::*;
use rtgsim_core::agent::AgentSetup;
use rtgsim_core::testkit::World;
use rtgsim_core::{AgentId, QueueOrder, Release, TxId, TxStatus};
use rtgsim_settlement::{SettlementConfig, SettlementEngine};

#[derive(Debug, Clone)]
struct Case {
    /// Balance and unsecured credit per agent.
    agents: Vec<(i64, i64)>,
    /// Payments already waiting in Queue 2, in queue order: sender, receiver, amount.
    queued: Vec<(usize, usize, i64)>,
    /// Payments released this tick, each sender's in the order released.
    released: Vec<(usize, usize, i64)>,
    fifo_bypass: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (2usize..5).prop_flat_map(|n| {
        let payment = (0..n, 0..n, 1i64..300);
        (
            prop::collection::vec((0i64..300, 0i64..100), n),
            prop::collection::vec(payment.clone(), 0..12),
            prop::collection::vec(payment, 1..10),
            any::<bool>(),
        )
            .prop_map(|(agents, mut queued, mut released, fifo_bypass)| {
                queued.retain(|(s, r, _)| s != r);
                released.retain(|(s, r, _)| s != r);
                Case {
                    agents,
                    queued,
                    released,
                    fifo_bypass,
                }
            })
    })
}

/// What the reference knows of a payment.
#[derive(Debug, Clone, Copy)]
struct Payment {
    sender: usize,
    receiver: usize,
    amount: i128,
}

/// The documented order, written out plainly over balances and per-sender queues.
struct Reference {
    balance: Vec<i128>,
    credit: Vec<i128>,
    /// Each sender's waiting payments (indexes into `payments`), in queue order.
    queues: Vec<Vec<usize>>,
    payments: Vec<Payment>,
    settled: Vec<bool>,
}

impl Reference {
    fn available(&self, agent: usize) -> i128 {
        self.balance[agent] + self.credit[agent]
    }

    fn pay(&mut self, id: usize) {
        let p = self.payments[id];
        self.balance[p.sender] -= p.amount;
        self.balance[p.receiver] += p.amount;
        self.settled[id] = true;
        self.queues[p.sender].retain(|&q| q != id);
    }

    fn release(&mut self, id: usize, fifo_bypass: bool) {
        let p = self.payments[id];
        let may_attempt = fifo_bypass || self.queues[p.sender].is_empty();
        if may_attempt && self.available(p.sender) >= p.amount {
            self.pay(id);
            return;
        }
        self.queues[p.sender].push(id);
        if !fifo_bypass && self.queues[p.sender][0] != id {
            return;
        }
        // The longest run at the front of the receiver's queue going back to the
        // sender that the receiver can pay with what it has and receives.
        let limit = self.available(p.receiver) + p.amount;
        let (mut run, mut total) = (Vec::new(), 0i128);
        for &back in &self.queues[p.receiver] {
            let b = self.payments[back];
            if b.receiver != p.sender || total + b.amount > limit {
                break;
            }
            total += b.amount;
            run.push(back);
        }
        if run.is_empty() || self.available(p.sender) + total - p.amount < 0 {
            return;
        }
        self.pay(id);
        for back in run {
            self.pay(back);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn releases_settle_as_the_documented_order_does(case in case()) {
        let setups = case.agents.iter().enumerate().map(|(i, &(balance, credit))| {
            let mut setup = AgentSetup::new(format!("A{i}"), balance);
            setup.unsecured_cap = credit;
            setup
        }).collect();
        let mut world = World::with_setups(setups, QueueOrder::Fifo);
        let name = |i: usize| format!("A{i}");
        let mut reference = Reference {
            balance: case.agents.iter().map(|&(b, _)| i128::from(b)).collect(),
            credit: case.agents.iter().map(|&(_, c)| i128::from(c)).collect(),
            queues: vec![Vec::new(); case.agents.len()],
            payments: Vec::new(),
            settled: Vec::new(),
        };
        let mut ids: Vec<TxId> = Vec::new();
        for &(s, r, amount) in &case.queued {
            let tx = world.pay(&name(s), &name(r), amount, 90);
            world.release(&name(s), &[tx]);
            reference.queues[s].push(ids.len());
            reference.payments.push(Payment { sender: s, receiver: r, amount: i128::from(amount) });
            reference.settled.push(false);
            ids.push(tx);
        }
        let fresh_from = ids.len();
        for &(s, r, amount) in &case.released {
            ids.push(world.pay(&name(s), &name(r), amount, 90));
            reference.payments.push(Payment { sender: s, receiver: r, amount: i128::from(amount) });
            reference.settled.push(false);
        }
        let mut engine = SettlementEngine::new(SettlementConfig {
            fifo_bypass: case.fifo_bypass,
            entry_offset: true,
            ..SettlementConfig::gross_only()
        });
        // Agent by agent, as the tick loop releases.
        for agent in 0..case.agents.len() {
            let mine: Vec<usize> = (fresh_from..ids.len())
                .filter(|&i| reference.payments[i].sender == agent)
                .collect();
            let txs: Vec<TxId> = mine.iter().map(|&i| ids[i]).collect();
            engine.release(&mut world.state, AgentId(agent as u32), &Release::all(&txs), &mut world.events);
            for i in mine {
                reference.release(i, case.fifo_bypass);
            }
        }
        for (i, &tx) in ids.iter().enumerate() {
            let settled = world.state.transaction(tx).status == TxStatus::Settled;
            prop_assert_eq!(settled, reference.settled[i], "payment {} ({:?})", i, reference.payments[i]);
        }
        let balances: Vec<i128> = world.state.agents().iter().map(|a| i128::from(a.balance())).collect();
        prop_assert_eq!(balances, reference.balance);
        prop_assert_eq!(world.state.check_invariants(), Ok(()));
    }
}
