//! Run metrics, computed from the event log alone.
//!
//! The metrics replay the events: balances from the opening positions and the
//! settlements, payment outcomes from arrivals, splits, settlements and drops, costs
//! from the cost events. They never read the engine's state, so they double as an
//! independent check of it.

use crate::indicators::IndicatorAccumulators;
use rtgsim_core::event::{Event, LogName, LsmAlgorithm, SettleRoute};
use rtgsim_core::{AgentId, Cents, Tick, TxId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Costs by component, in cents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostTotals {
    pub overdraft: i128,
    pub delay: i128,
    pub deadline: i128,
    pub eod: i128,
    pub collateral: i128,
    pub split: i128,
    /// The daily liquidity cost (initial liquidity).
    pub liquidity: i128,
    /// End-of-day borrowing.
    pub borrowing: i128,
}

impl CostTotals {
    pub fn total(&self) -> i128 {
        self.overdraft
            + self.delay
            + self.deadline
            + self.eod
            + self.collateral
            + self.split
            + self.liquidity
            + self.borrowing
    }

    fn add(&mut self, other: &CostTotals) {
        self.overdraft += other.overdraft;
        self.delay += other.delay;
        self.deadline += other.deadline;
        self.eod += other.eod;
        self.collateral += other.collateral;
        self.split += other.split;
        self.liquidity += other.liquidity;
        self.borrowing += other.borrowing;
    }
}

/// One agent's figures. Counts of payments are of original client payments (a split
/// payment counts once, and settles when its last part does); settled value counts
/// every part.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentMetrics {
    pub opening_balance: Cents,
    pub balance: Cents,
    /// The largest negative balance reached, as a positive amount: after a payment,
    /// or after a liquidity-saving set as a whole (its payments settle at once).
    pub peak_overdraft: Cents,
    pub posted_collateral: Cents,
    pub peak_posted_collateral: Cents,
    /// Client payments sent.
    pub payments: u64,
    /// Client payments settled in full.
    pub settled: u64,
    /// Value settled, over all parts.
    pub settled_value: i128,
    /// Client payments of which some part was dropped.
    pub dropped: u64,
    pub dropped_value: i128,
    /// Sum and maximum of settlement delay (settled tick minus arrival tick) over
    /// payments settled in full.
    pub delay_ticks_sum: u64,
    pub delay_ticks_max: u64,
    /// Settled within their deadline.
    pub settled_on_time: u64,
    /// Payments and parts by how they settled.
    pub settled_immediately: u64,
    pub settled_from_queue: u64,
    pub settled_by_lsm: u64,
    /// Settled at a close by an end-of-day loan, and the value lent.
    pub settled_by_eod_loan: u64,
    pub eod_borrowed: i128,
    pub released: u64,
    /// Payments taken back from Queue 2 to Queue 1.
    pub withdrawn: u64,
    pub splits: u64,
    pub policy_errors: u64,
    pub collateral_refusals: u64,
    pub costs: CostTotals,
    /// The standard indicators' accumulators ([`crate::indicators`]).
    pub indicators: IndicatorAccumulators,
}

impl AgentMetrics {
    /// Settled payments over payments sent; `None` when nothing was sent.
    pub fn settlement_rate(&self) -> Option<f64> {
        (self.payments > 0).then(|| self.settled as f64 / self.payments as f64)
    }

    /// Mean delay of payments settled in full; `None` when none settled.
    pub fn avg_delay_ticks(&self) -> Option<f64> {
        (self.settled > 0).then(|| self.delay_ticks_sum as f64 / self.settled as f64)
    }

    /// Payments neither settled in full nor dropped.
    pub fn unsettled(&self) -> u64 {
        self.payments.saturating_sub(self.settled + self.dropped)
    }
}

/// What the LSM settled, by algorithm.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LsmFigures {
    /// Settlement events (sets settled).
    pub sets: u64,
    pub payments: u64,
    pub value: i128,
    /// Value settled minus the liquidity it needed: settling the same payments one by
    /// one needs each sender's outflows, the set only each agent's net debit.
    pub liquidity_saved: i128,
}

/// A guardband's rollback, as its `rolled_back` event wrote it (`value` and
/// `bound` are the log's JSON number texts, exact).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollbackFigures {
    pub tick: Tick,
    pub agent: AgentId,
    /// `cost`, `settlement_rate` or `peak_credit`.
    pub guardband: String,
    pub value: String,
    pub bound: String,
    pub window_start: Tick,
}

/// The record kept per payment or part while replaying.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct TxRecord {
    root: TxId,
    sender: AgentId,
    receiver: AgentId,
    amount: Cents,
    arrival: Tick,
    deadline: Tick,
    /// For an original payment: value not yet settled.
    unsettled: Cents,
    dropped: bool,
}

/// Metrics accumulated from events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    agents: Vec<AgentMetrics>,
    txs: Vec<TxRecord>,
    lsm: BTreeMap<LsmAlgorithm, LsmFigures>,
    days_completed: u32,
    last_tick: Tick,
    governance: crate::governance_figures::GovernanceFigures,
    rollbacks: Vec<RollbackFigures>,
}

impl Metrics {
    pub fn new(agents: usize) -> Self {
        Metrics {
            agents: vec![AgentMetrics::default(); agents],
            ..Metrics::default()
        }
    }

    pub fn agents(&self) -> &[AgentMetrics] {
        &self.agents
    }

    pub fn lsm(&self) -> &BTreeMap<LsmAlgorithm, LsmFigures> {
        &self.lsm
    }

    pub fn governance(&self) -> &crate::governance_figures::GovernanceFigures {
        &self.governance
    }

    /// The guardband rollbacks, in the order they happened.
    pub fn rollbacks(&self) -> &[RollbackFigures] {
        &self.rollbacks
    }

    pub fn days_completed(&self) -> u32 {
        self.days_completed
    }

    /// The sum over all agents.
    pub fn totals(&self) -> AgentMetrics {
        let mut t = AgentMetrics::default();
        for a in &self.agents {
            t.opening_balance += a.opening_balance;
            t.balance += a.balance;
            t.peak_overdraft = t.peak_overdraft.max(a.peak_overdraft);
            t.posted_collateral += a.posted_collateral;
            t.peak_posted_collateral += a.peak_posted_collateral;
            t.payments += a.payments;
            t.settled += a.settled;
            t.settled_value += a.settled_value;
            t.dropped += a.dropped;
            t.dropped_value += a.dropped_value;
            t.delay_ticks_sum += a.delay_ticks_sum;
            t.delay_ticks_max = t.delay_ticks_max.max(a.delay_ticks_max);
            t.settled_on_time += a.settled_on_time;
            t.settled_immediately += a.settled_immediately;
            t.settled_from_queue += a.settled_from_queue;
            t.settled_by_lsm += a.settled_by_lsm;
            t.settled_by_eod_loan += a.settled_by_eod_loan;
            t.eod_borrowed += a.eod_borrowed;
            t.released += a.released;
            t.withdrawn += a.withdrawn;
            t.splits += a.splits;
            t.policy_errors += a.policy_errors;
            t.collateral_refusals += a.collateral_refusals;
            t.costs.add(&a.costs);
            t.indicators = t.indicators.plus(&a.indicators);
        }
        t
    }

    fn agent(&mut self, id: AgentId) -> &mut AgentMetrics {
        if id.index() >= self.agents.len() {
            self.agents.resize(id.index() + 1, AgentMetrics::default());
        }
        &mut self.agents[id.index()]
    }

    fn put_tx(&mut self, id: TxId, record: TxRecord) {
        if id.index() >= self.txs.len() {
            self.txs.resize(id.index() + 1, record);
        }
        self.txs[id.index()] = record;
    }

    /// Updates the figures with one event.
    pub fn observe(&mut self, event: &Event) {
        self.last_tick = self.last_tick.max(event.tick());
        match *event {
            Event::AgentOpened {
                agent,
                balance,
                posted_collateral,
                ..
            } => {
                let a = self.agent(agent);
                a.opening_balance = balance;
                a.balance = balance;
                a.peak_overdraft = (-balance).max(0);
                a.posted_collateral = posted_collateral;
                a.peak_posted_collateral = posted_collateral;
            }
            Event::Arrival {
                tick,
                tx,
                sender,
                receiver,
                amount,
                deadline,
                ..
            } => {
                self.put_tx(
                    tx,
                    TxRecord {
                        root: tx,
                        sender,
                        receiver,
                        amount,
                        arrival: tick,
                        deadline,
                        unsettled: amount,
                        dropped: false,
                    },
                );
                let from = self.agent(sender);
                from.payments += 1;
                from.indicators.arrival(i128::from(amount), true);
                self.agent(receiver)
                    .indicators
                    .arrival(i128::from(amount), false);
            }
            Event::Released { agent, .. } => self.agent(agent).released += 1,
            Event::Split {
                agent,
                tx,
                ref parts,
                friction_cost,
                ..
            } => {
                if let Some(parent) = self.txs.get(tx.index()).copied() {
                    for &(part, amount) in parts {
                        self.put_tx(part, TxRecord { amount, ..parent });
                    }
                }
                let a = self.agent(agent);
                a.splits += 1;
                a.costs.split += i128::from(friction_cost);
            }
            Event::Dropped {
                agent, tx, amount, ..
            } => {
                let root = self.txs.get(tx.index()).map(|r| r.root);
                let first_drop = root
                    .and_then(|root| self.txs.get_mut(root.index()))
                    .map(|r| !std::mem::replace(&mut r.dropped, true))
                    .unwrap_or(false);
                let a = self.agent(agent);
                a.dropped_value += i128::from(amount);
                a.dropped += u64::from(first_drop);
            }
            Event::Settled {
                tick, tx, route, ..
            } => {
                let how = match route {
                    SettleRoute::Immediate => Settlement::Immediate,
                    SettleRoute::Queue => Settlement::Queue,
                    SettleRoute::EodLoan => Settlement::EodLoan,
                };
                self.settle(tx, tick, how);
            }
            Event::SetSettled {
                tick,
                algorithm,
                ref txs,
                value,
            } => {
                let mut net: BTreeMap<AgentId, i128> = BTreeMap::new();
                for &tx in txs {
                    if let Some(record) = self.book(tx, tick, Settlement::Lsm) {
                        *net.entry(record.sender).or_default() -= i128::from(record.amount);
                        *net.entry(record.receiver).or_default() += i128::from(record.amount);
                    }
                }
                // A set settles at once: each balance moves by its net position, and
                // no balance passes through the overdrafts that paying the set's
                // payments one by one would show.
                for (&agent, &position) in &net {
                    let a = self.agent(agent);
                    a.balance = clamp_cents(i128::from(a.balance) + position);
                    a.peak_overdraft = a.peak_overdraft.max(a.balance.saturating_neg());
                }
                let needed: i128 = net.values().map(|&n| (-n).max(0)).sum();
                let figures = self.lsm.entry(algorithm).or_default();
                figures.sets += 1;
                figures.payments += txs.len() as u64;
                figures.value += i128::from(value);
                figures.liquidity_saved += i128::from(value) - needed;
            }
            Event::CollateralPosted { agent, posted, .. } => {
                let a = self.agent(agent);
                a.posted_collateral += posted;
                a.peak_posted_collateral = a.peak_posted_collateral.max(a.posted_collateral);
            }
            Event::CollateralWithdrawn { agent, amount, .. } => {
                self.agent(agent).posted_collateral -= amount;
            }
            // A shock's money moves like a payment's, outside the queues.
            Event::LiquidityTransfer {
                sender,
                receiver,
                amount,
                ..
            } => {
                self.agent(receiver).balance += amount;
                self.pay_out(sender, amount);
            }
            Event::LiquidityInjected { agent, amount, .. } => self.agent(agent).balance += amount,
            Event::LiquidityWithdrawn { agent, amount, .. } => self.pay_out(agent, amount),
            Event::CollateralRevalued { agent, posted, .. } => {
                // A rise in value is a higher posting, as the engine's liquidity cost
                // sees it.
                let a = self.agent(agent);
                a.posted_collateral = posted;
                a.peak_posted_collateral = a.peak_posted_collateral.max(posted);
            }
            Event::CollateralRefused { agent, .. } => self.agent(agent).collateral_refusals += 1,
            Event::PolicyError { agent, .. } => self.agent(agent).policy_errors += 1,
            Event::DeadlinePenalty { agent, penalty, .. } => {
                self.agent(agent).costs.deadline += i128::from(penalty);
            }
            Event::TickCosts {
                agent,
                overdraft,
                delay,
                collateral,
                ..
            } => {
                let costs = &mut self.agent(agent).costs;
                costs.overdraft += i128::from(overdraft);
                costs.delay += i128::from(delay);
                costs.collateral += i128::from(collateral);
            }
            Event::EodPenalty { agent, penalty, .. } => {
                self.agent(agent).costs.eod += i128::from(penalty);
            }
            Event::DayCosts {
                agent,
                liquidity,
                borrowed,
                borrowing,
                ..
            } => {
                let a = self.agent(agent);
                a.costs.liquidity += i128::from(liquidity);
                a.costs.borrowing += i128::from(borrowing);
                a.eod_borrowed += i128::from(borrowed);
            }
            Event::DayEnded { day, .. } => {
                self.days_completed = day + 1;
                for agent in &mut self.agents {
                    agent.indicators.end_day();
                }
            }
            Event::Audit { ref audit, .. } => self.governance.observe(audit),
            Event::WithdrawnFromQueue2 { agent, .. } => self.agent(agent).withdrawn += 1,
            Event::RolledBack {
                tick,
                agent,
                ref rollback,
            } => self.rollbacks.push(RollbackFigures {
                tick,
                agent,
                guardband: rollback.guardband.log_name().to_string(),
                value: rollback.value.to_string(),
                bound: rollback.bound.to_string(),
                window_start: rollback.window_start,
            }),
            Event::Reprioritized { .. }
            | Event::Resubmitted { .. }
            | Event::PolicyTrace { .. }
            | Event::EodLoanRepaid { .. }
            | Event::CreditLimitChanged { .. }
            | Event::ArrivalsChanged { .. }
            | Event::OutageStarted { .. }
            | Event::OutageEnded { .. }
            | Event::Held { .. } => {}
        }
    }

    /// A payment settled on its own: the money moves, then it is booked.
    fn settle(&mut self, tx: TxId, tick: Tick, how: Settlement) {
        let Some(record) = self.book(tx, tick, how) else {
            return;
        };
        let (sender, receiver, amount) = (record.sender, record.receiver, record.amount);
        self.agent(receiver).balance += amount;
        self.pay_out(sender, amount);
    }

    /// Money left an agent's balance: its peak overdraft may rise.
    fn pay_out(&mut self, agent: AgentId, amount: Cents) {
        let from = self.agent(agent);
        from.balance -= amount;
        from.peak_overdraft = from.peak_overdraft.max(-from.balance);
    }

    /// Books a settled payment or part on its sender and its original payment, without
    /// moving money (the caller does: one payment, or a set's net positions). Returns
    /// the payment's record, `None` for a payment the log never introduced.
    fn book(&mut self, tx: TxId, tick: Tick, how: Settlement) -> Option<TxRecord> {
        let record = self.txs.get(tx.index()).copied()?;
        let amount = record.amount;
        let root_done = self.txs.get_mut(record.root.index()).and_then(|root| {
            root.unsettled -= amount;
            (root.unsettled == 0 && !root.dropped).then_some(*root)
        });
        let from = self.agent(record.sender);
        from.settled_value += i128::from(amount);
        // Parts carry their original payment's arrival and deadline.
        from.indicators.settled(
            i128::from(amount),
            u64::from(tick.saturating_sub(record.arrival)),
            tick <= record.deadline,
        );
        match how {
            Settlement::Immediate => from.settled_immediately += 1,
            Settlement::Queue => from.settled_from_queue += 1,
            Settlement::Lsm => from.settled_by_lsm += 1,
            Settlement::EodLoan => from.settled_by_eod_loan += 1,
        }
        if let Some(root) = root_done {
            let delay = u64::from(tick.saturating_sub(root.arrival));
            from.settled += 1;
            from.delay_ticks_sum += delay;
            from.delay_ticks_max = from.delay_ticks_max.max(delay);
            from.settled_on_time += u64::from(tick <= root.deadline);
        }
        Some(record)
    }
}

/// A balance the replay computed in `i128`, as the engine's money type. The engine's
/// balances are `Cents`, so a log it wrote never reaches the bounds; a hand-made log
/// saturates rather than wraps.
fn clamp_cents(value: i128) -> Cents {
    Cents::try_from(value).unwrap_or(if value < 0 { Cents::MIN } else { Cents::MAX })
}

#[derive(Debug, Clone, Copy)]
enum Settlement {
    Immediate,
    Queue,
    Lsm,
    EodLoan,
}

#[cfg(test)]
mod tests {
    use super::Metrics;
    use rtgsim_core::event::{Event, LsmAlgorithm};
    use rtgsim_core::{AgentId, Cents, TxId};

    fn opened(agent: u32, balance: Cents) -> Event {
        Event::AgentOpened {
            agent: AgentId(agent),
            balance,
            unsecured_cap: 0,
            posted_collateral: 0,
            collateral_capacity: 0,
        }
    }

    fn arrival(tx: u32, from: u32, to: u32, amount: Cents) -> Event {
        Event::Arrival {
            tick: 0,
            tx: TxId(tx),
            sender: AgentId(from),
            receiver: AgentId(to),
            amount,
            deadline: 5,
            priority: 5,
            divisible: false,
        }
    }

    fn set(txs: &[u32], value: Cents) -> Event {
        Event::SetSettled {
            tick: 1,
            algorithm: LsmAlgorithm::Bilateral,
            txs: txs.iter().map(|&tx| TxId(tx)).collect(),
            value,
        }
    }

    fn replay(events: &[Event]) -> Metrics {
        let mut metrics = Metrics::new(2);
        for event in events {
            metrics.observe(event);
        }
        metrics
    }

    /// Two banks with nothing offset 100 against 100: neither balance ever leaves
    /// zero, so neither was ever overdrawn.
    #[test]
    fn an_offset_set_overdraws_nobody() {
        let metrics = replay(&[
            opened(0, 0),
            opened(1, 0),
            arrival(0, 0, 1, 100),
            arrival(1, 1, 0, 100),
            set(&[0, 1], 200),
        ]);
        for agent in metrics.agents() {
            assert_eq!((agent.balance, agent.peak_overdraft), (0, 0));
            assert_eq!(agent.settled_by_lsm, 1);
        }
    }

    /// A set moves each balance by its net position only: 0 - 100 + 30 = -70 for the
    /// first bank (not -100 on the way), 0 + 100 - 30 = +70 for the second.
    #[test]
    fn a_set_overdraws_by_the_net_position() {
        let metrics = replay(&[
            opened(0, 0),
            opened(1, 0),
            arrival(0, 0, 1, 100),
            arrival(1, 1, 0, 30),
            set(&[0, 1], 130),
        ]);
        let figures: Vec<(Cents, Cents)> = metrics
            .agents()
            .iter()
            .map(|a| (a.balance, a.peak_overdraft))
            .collect();
        assert_eq!(figures, vec![(-70, 70), (70, 0)]);
    }
}
