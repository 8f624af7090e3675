//! The settlement primitives: gross, and a set at once. Each checks cover itself, so
//! no algorithm built on them can overdraw an agent, and each books the payments it
//! settles and marks whose liquidity rose, for the next retry.

use super::{SetRejected, SimState};
use crate::event::{Event, EventSink, LsmAlgorithm, SettleRoute};
use crate::ids::{AgentId, TxId};
use crate::money::Cents;
use crate::transaction::TxStatus;
use std::collections::BTreeMap;

impl SimState {
    /// Settles one queued payment gross if its sender can cover it. Returns whether it
    /// settled.
    pub fn settle_gross(&mut self, id: TxId, route: SettleRoute, sink: &mut dyn EventSink) -> bool {
        let Some(tx) = self.txs.get(id.index()) else {
            return false;
        };
        if tx.status != TxStatus::Queued2
            || !self.agents[tx.sender.index()].can_pay(tx.amount)
            || self.cut_off(tx.sender, tx.receiver)
        {
            return false;
        }
        self.settle_queued(id, route, sink);
        true
    }

    /// Settles a Queue 2 payment whose sender the caller has checked can cover it:
    /// the money moves, the payment is booked and its `settled` event recorded.
    pub(super) fn settle_queued(&mut self, id: TxId, route: SettleRoute, sink: &mut dyn EventSink) {
        let tx = &self.txs[id.index()];
        let (sender, receiver, amount) = (tx.sender, tx.receiver, tx.amount);
        self.transfer(sender, receiver, amount);
        self.finish_settlement(id);
        sink.record(Event::Settled {
            tick: self.clock.tick(),
            tx: id,
            sender,
            receiver,
            amount,
            route,
        });
    }

    /// Settles a set of queued payments at once, if every agent can cover its net
    /// position over the set (balance plus net inflow stays at or above minus its
    /// credit limit). Either all settle or none do.
    ///
    /// The recorded value saturates at [`Cents::MAX`]: a set can hold more than
    /// `i64::MAX` cents gross (about 92,000 payments of the largest amount a scenario
    /// allows, offsetting each other), and the event keeps the engine's money type.
    pub fn settle_set(
        &mut self,
        ids: &[TxId],
        algorithm: LsmAlgorithm,
        sink: &mut dyn EventSink,
    ) -> Result<(), SetRejected> {
        let net = self.net_positions(ids)?;
        if let Some(&agent) = net.keys().find(|a| self.is_disconnected(**a)) {
            return Err(SetRejected::Disconnected(agent));
        }
        for (&agent, &position) in &net {
            let a = &self.agents[agent.index()];
            // The usable balance: under deferred crediting, this tick's receipts do
            // not cover a set either.
            if i128::from(a.available_liquidity()) + position < 0 {
                return Err(SetRejected::NotCovered {
                    agent,
                    net: position,
                });
            }
        }
        // Paired with the checks after the writes (debug builds only; the sums are in
        // i128, as balances are i64 and there can be many).
        #[cfg(debug_assertions)]
        let (total_before, balances_before) = (
            self.total_balance(),
            net.keys()
                .map(|&a| i128::from(self.agents[a.index()].balance))
                .collect::<Vec<_>>(),
        );
        let mut value: i128 = 0;
        for &id in ids {
            let tx = &self.txs[id.index()];
            let (sender, receiver, amount) = (tx.sender, tx.receiver, tx.amount);
            value += i128::from(amount);
            self.transfer_unchecked(sender, receiver, amount);
            self.finish_settlement(id);
        }
        // A set settles at once: what a member gains net is usable from the next tick
        // under deferred crediting (its inflows inside the set paid its outflows).
        // Emergency credit is repaid out of what a member gains net.
        for (&agent, &position) in &net {
            self.defer_credit(agent, position);
            if position > 0 {
                self.trim_emergency_credit(agent);
            }
        }
        #[cfg(debug_assertions)]
        {
            debug_assert_eq!(
                self.total_balance(),
                total_before,
                "a set moved money in or out"
            );
            for ((&agent, &position), before) in net.iter().zip(balances_before) {
                let after = i128::from(self.agents[agent.index()].balance);
                debug_assert_eq!(
                    after,
                    before + position,
                    "{agent} moved by its net position"
                );
            }
        }
        debug_assert!(
            net.keys()
                .all(|&a| self.agents[a.index()].available_liquidity() >= 0)
        );
        sink.record(Event::SetSettled {
            tick: self.clock.tick(),
            algorithm,
            txs: ids.to_vec(),
            // A real saturation (see above), not an impossible case.
            value: Cents::try_from(value).unwrap_or(Cents::MAX),
        });
        Ok(())
    }

    /// Each agent's net position (inflows minus outflows) over a set of queued
    /// payments, in agent order.
    pub fn net_positions(&self, ids: &[TxId]) -> Result<BTreeMap<AgentId, i128>, SetRejected> {
        if ids.is_empty() {
            return Err(SetRejected::Empty);
        }
        let mut sorted = ids.to_vec();
        sorted.sort_unstable();
        if let Some(pair) = sorted.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(SetRejected::Duplicate(pair[0]));
        }
        let mut net: BTreeMap<AgentId, i128> = BTreeMap::new();
        for &id in ids {
            let tx = self
                .txs
                .get(id.index())
                .filter(|tx| tx.status == TxStatus::Queued2)
                .ok_or(SetRejected::NotQueued(id))?;
            *net.entry(tx.sender).or_default() -= i128::from(tx.amount);
            *net.entry(tx.receiver).or_default() += i128::from(tx.amount);
        }
        Ok(net)
    }

    /// Moves `amount` from `sender` to `receiver`, which the caller has checked the
    /// sender can cover.
    pub(super) fn transfer(&mut self, sender: AgentId, receiver: AgentId, amount: Cents) {
        debug_assert!(self.agents[sender.index()].can_pay(amount));
        self.transfer_unchecked(sender, receiver, amount);
        self.defer_credit(receiver, i128::from(amount));
        self.trim_emergency_credit(receiver);
        debug_assert!(
            self.agents[sender.index()].available_liquidity() >= 0,
            "{sender} went below minus its credit limit"
        );
    }

    /// Moves `amount` from `sender` to `receiver` without a cover check: for a set whose
    /// cover was checked as a whole, where a single payment may overdraw for a moment.
    fn transfer_unchecked(&mut self, sender: AgentId, receiver: AgentId, amount: Cents) {
        // Only these two balances change, so their sum is the total balance: paired
        // with the check after the writes (debug builds only, in i128).
        #[cfg(debug_assertions)]
        let pair_before = self.pair_balance(sender, receiver);
        self.agents[sender.index()].balance -= amount;
        self.agents[receiver.index()].balance += amount;
        #[cfg(debug_assertions)]
        debug_assert_eq!(
            self.pair_balance(sender, receiver),
            pair_before,
            "a transfer moved money in or out"
        );
        self.mark_liquidity_raised(receiver);
    }

    /// With deferred crediting, `amount` just received by `agent` is usable only
    /// from the next tick.
    pub(super) fn defer_credit(&mut self, agent: AgentId, amount: i128) {
        if self.deferred_crediting && amount > 0 && agent.index() < self.agents.len() {
            let pending = &mut self.agents[agent.index()].pending_credit;
            *pending = Cents::try_from(i128::from(*pending) + amount).unwrap_or(Cents::MAX);
        }
    }

    /// A new tick: what was received in the last becomes usable, and the queue is
    /// retried for those who received it.
    pub(super) fn release_pending_credit(&mut self) {
        for index in 0..self.agents.len() {
            if self.agents[index].pending_credit != 0 {
                self.agents[index].pending_credit = 0;
                self.trim_emergency_credit(AgentId(index as u32));
                self.mark_liquidity_raised(AgentId(index as u32));
            }
        }
    }

    /// Two agents' balances together (once if they are the same agent).
    #[cfg(debug_assertions)]
    fn pair_balance(&self, a: AgentId, b: AgentId) -> i128 {
        let balance = |id: AgentId| i128::from(self.agents[id.index()].balance);
        if a == b {
            balance(a)
        } else {
            balance(a) + balance(b)
        }
    }

    /// Takes a settled payment out of Queue 2 and books it.
    fn finish_settlement(&mut self, id: TxId) {
        self.dequeue(id);
        self.book_settlement(id);
    }

    /// Marks a payment settled and books it on its original payment.
    pub(super) fn book_settlement(&mut self, id: TxId) {
        let tick = self.clock.tick();
        let tx = &mut self.txs[id.index()];
        let (amount, root, sender) = (tx.amount, tx.root, tx.sender);
        self.agents[sender.index()].day.settled += i128::from(amount);
        self.day_total.settled += i128::from(amount);
        let tx = &mut self.txs[id.index()];
        tx.status = TxStatus::Settled;
        tx.settled_amount = amount;
        tx.settled_tick = Some(tick);
        if root != id {
            let root_tx = &mut self.txs[root.index()];
            root_tx.settled_amount += amount;
            if root_tx.settled_amount == root_tx.amount {
                root_tx.settled_tick = Some(tick);
            }
        }
    }

    pub(super) fn mark_liquidity_raised(&mut self, agent: AgentId) {
        self.settlement_epoch += 1;
        if !self.raised_flag[agent.index()] {
            self.raised_flag[agent.index()] = true;
            self.liquidity_raised.push(agent);
        }
    }

    /// Moves the agents whose available liquidity rose since the last call into `out`
    /// (cleared first), in the order it happened. Settlement retries only these.
    pub fn drain_liquidity_raised(&mut self, out: &mut Vec<AgentId>) {
        out.clear();
        std::mem::swap(out, &mut self.liquidity_raised);
        for agent in out.iter() {
            self.raised_flag[agent.index()] = false;
        }
    }

    /// Changes since the start that could let a queued payment settle (see the field).
    /// A liquidity-saving pass that found nothing need not run again until it moves.
    pub fn settlement_epoch(&self) -> u64 {
        self.settlement_epoch
    }
}
