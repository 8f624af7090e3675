//! Carrying out a policy's payment decisions.
//!
//! Decisions are checked as a whole before anything changes: one bad decision (a
//! payment that is not in the agent's Queue 1, two decisions for one payment, an
//! impossible split) rejects the whole call, and the caller holds everything. A policy
//! error therefore never releases a payment by accident.

use super::{SimState, StateError};
use crate::decision::{ReleaseAction, ReleaseDecision};
use crate::event::{Event, EventSink, PenaltyCause};
use crate::ids::{AgentId, TxId};
use crate::limits::{MAX_PRIORITY, MAX_SPLIT_PARTS, MAX_TRANSACTIONS};
use crate::money::Cents;
use crate::transaction::{Transaction, TxStatus};
use std::sync::Arc;
use thiserror::Error;

/// A decision the engine refuses to carry out.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DecisionError {
    #[error("decision for {0}, which is not in this agent's Queue 1")]
    NotInQueue(TxId),
    #[error("Queue 2 decision for {0}, which is not this agent's payment in Queue 2")]
    NotInQueue2(TxId),
    #[error("priority {priority} for {tx} is above {MAX_PRIORITY}")]
    BadPriority { tx: TxId, priority: u8 },
    #[error("more than one decision for {0}")]
    Duplicate(TxId),
    #[error("{0} is not divisible and cannot be split")]
    NotDivisible(TxId),
    #[error(
        "cannot split {tx} of {amount} cents into {parts} parts (2..={MAX_SPLIT_PARTS}, at least one cent each)"
    )]
    BadSplit { tx: TxId, amount: Cents, parts: u32 },
    #[error("cannot release {requested} cents of {tx}, which is {amount} cents")]
    BadPartial {
        tx: TxId,
        amount: Cents,
        requested: Cents,
    },
    #[error("collateral amount must be positive, got {0}")]
    BadCollateralAmount(Cents),
    #[error(transparent)]
    State(#[from] StateError),
}

/// The fixed charges a decision can incur.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DecisionCharges {
    /// Charged per extra part when a payment is split.
    pub split_friction: Cents,
    /// Charged once per original payment when it is dropped before its deadline penalty.
    pub deadline_penalty: Cents,
}

/// A payment to release, and what in the policy decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub tx: TxId,
    pub source: Option<Arc<str>>,
}

impl Release {
    /// Releases of `txs` with no recorded source.
    pub fn all(txs: &[TxId]) -> Vec<Release> {
        txs.iter().map(|&tx| Release { tx, source: None }).collect()
    }
}

impl SimState {
    /// Checks `decisions` for `agent`, then carries out everything but the releases:
    /// drops, splits, priority changes and Queue 2 withdrawals and resubmissions.
    /// Returns the payments to release, in the order decided (the parts of a split in
    /// part order). They are still in Queue 1: pass them to
    /// [`SimState::release_payments`].
    pub fn apply_release_decisions(
        &mut self,
        agent: AgentId,
        decisions: &[ReleaseDecision],
        charges: DecisionCharges,
        sink: &mut dyn EventSink,
    ) -> Result<Vec<Release>, DecisionError> {
        self.check_release_decisions(agent, decisions)?;
        let mut releases = Vec::new();
        let mut splits: Vec<SplitRecord> = Vec::new();
        let mut queue1_changed = false;
        for decision in decisions {
            let (tx, source) = (decision.tx, decision.source.clone());
            let release = |tx| Release {
                tx,
                source: source.clone(),
            };
            match decision.action {
                ReleaseAction::Submit { priority } => {
                    if let Some(priority) = priority {
                        self.set_priority(agent, tx, priority, source.clone(), sink);
                    }
                    releases.push(release(tx));
                }
                ReleaseAction::SubmitPartial { amount, priority } => {
                    if let Some(priority) = priority {
                        self.set_priority(agent, tx, priority, source.clone(), sink);
                    }
                    let total = self.txs_amount(tx);
                    if amount == total {
                        releases.push(release(tx));
                    } else {
                        let amounts = [amount, total - amount];
                        let first = self.split(tx, &amounts, charges, source.clone(), sink)?;
                        releases.push(release(first));
                        splits.push(SplitRecord {
                            parent: tx,
                            first,
                            parts: 2,
                        });
                        queue1_changed = true;
                    }
                }
                ReleaseAction::Split { parts } => {
                    let amounts = equal_parts(self.txs_amount(tx), parts);
                    let first = self.split(tx, &amounts, charges, source.clone(), sink)?;
                    releases.extend((first.0..first.0 + parts).map(|id| release(TxId(id))));
                    splits.push(SplitRecord {
                        parent: tx,
                        first,
                        parts,
                    });
                    queue1_changed = true;
                }
                ReleaseAction::Hold { ref reason } => {
                    self.hold(agent, tx, reason, sink);
                }
                ReleaseAction::Drop => {
                    self.drop_payment(agent, tx, charges, source, sink);
                    queue1_changed = true;
                }
                ReleaseAction::Reprioritize { priority } => {
                    self.set_priority(agent, tx, priority, source, sink);
                }
                ReleaseAction::WithdrawFromQueue2 => {
                    self.withdraw_from_queue2(tx);
                    sink.record(Event::WithdrawnFromQueue2 {
                        tick: self.tick(),
                        agent,
                        tx,
                        source,
                    });
                }
                ReleaseAction::ResubmitToQueue2 { priority } => {
                    self.resubmit_to_queue2(tx, priority);
                    sink.record(Event::Resubmitted {
                        tick: self.tick(),
                        agent,
                        tx,
                        priority,
                        source,
                    });
                }
            }
        }
        if queue1_changed {
            splits.sort_unstable_by_key(|record| record.parent);
            self.rebuild_queue1(agent, &splits);
        }
        Ok(releases)
    }

    fn txs_amount(&self, tx: TxId) -> Cents {
        self.txs[tx.index()].amount
    }

    fn set_priority(
        &mut self,
        agent: AgentId,
        tx: TxId,
        priority: u8,
        source: Option<Arc<str>>,
        sink: &mut dyn EventSink,
    ) {
        self.tx_mut(tx).priority = priority;
        sink.record(Event::Reprioritized {
            tick: self.tick(),
            agent,
            tx,
            priority,
            source,
        });
    }

    /// What [`SimState::apply_release_decisions`] would refuse, checked without
    /// changing anything: `Ok` means it carries out `decisions` in full. A caller
    /// that must judge decisions before they apply (the release gate) checks
    /// first, so that nothing it counts is ever refused afterwards.
    pub fn check_release_decisions(
        &self,
        agent: AgentId,
        decisions: &[ReleaseDecision],
    ) -> Result<(), DecisionError> {
        let mut seen: Vec<TxId> = Vec::with_capacity(decisions.len());
        // Payments the splits create: all of them must fit, or none is made.
        let mut new_parts: usize = 0;
        for decision in decisions {
            let id = decision.tx;
            let place = if decision.action.is_for_queue2() {
                TxStatus::Queued2
            } else {
                TxStatus::Queued1
            };
            let tx = self
                .get_transaction(id)
                .filter(|tx| tx.sender == agent && tx.status == place)
                .ok_or(match place {
                    TxStatus::Queued2 => DecisionError::NotInQueue2(id),
                    _ => DecisionError::NotInQueue(id),
                })?;
            match decision.action {
                ReleaseAction::Split { parts } => {
                    if !tx.divisible {
                        return Err(DecisionError::NotDivisible(id));
                    }
                    if !(2..=MAX_SPLIT_PARTS).contains(&parts) || Cents::from(parts) > tx.amount {
                        return Err(DecisionError::BadSplit {
                            tx: id,
                            amount: tx.amount,
                            parts,
                        });
                    }
                    new_parts = new_parts.saturating_add(parts as usize);
                }
                ReleaseAction::SubmitPartial { amount, priority } => {
                    if let Some(priority) = priority.filter(|&p| p > MAX_PRIORITY) {
                        return Err(DecisionError::BadPriority { tx: id, priority });
                    }
                    if !tx.divisible && amount != tx.amount {
                        return Err(DecisionError::NotDivisible(id));
                    }
                    if amount <= 0 || amount > tx.amount {
                        return Err(DecisionError::BadPartial {
                            tx: id,
                            amount: tx.amount,
                            requested: amount,
                        });
                    }
                    if amount < tx.amount {
                        new_parts = new_parts.saturating_add(2);
                    }
                }
                ReleaseAction::Submit {
                    priority: Some(priority),
                }
                | ReleaseAction::Reprioritize { priority }
                | ReleaseAction::ResubmitToQueue2 { priority }
                    if priority > MAX_PRIORITY =>
                {
                    return Err(DecisionError::BadPriority { tx: id, priority });
                }
                _ => {}
            }
            seen.push(id);
        }
        seen.sort_unstable();
        if let Some(pair) = seen.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(DecisionError::Duplicate(pair[0]));
        }
        if self.transactions().len().saturating_add(new_parts) > MAX_TRANSACTIONS {
            return Err(StateError::TooManyTransactions.into());
        }
        Ok(())
    }

    /// Replaces a Queue 1 payment by parts of the given amounts, which sum to it.
    /// Returns the first part's id; the parts have consecutive ids.
    fn split(
        &mut self,
        id: TxId,
        amounts: &[Cents],
        charges: DecisionCharges,
        source: Option<Arc<str>>,
        sink: &mut dyn EventSink,
    ) -> Result<TxId, DecisionError> {
        let parent = self.transactions()[id.index()].clone();
        debug_assert_eq!(amounts.iter().sum::<Cents>(), parent.amount);
        let mut parts = Vec::with_capacity(amounts.len());
        for &amount in amounts {
            let part = self.push_tx(Transaction {
                amount,
                parent: Some(id),
                settled_amount: 0,
                submitted_tick: None,
                settled_tick: None,
                deadline_penalized: false,
                queue2_key: None,
                ..parent.clone()
            })?;
            parts.push((part, amount));
        }
        self.tx_mut(id).status = TxStatus::Split;
        self.end_hold(id);
        let extra_parts = amounts.len().saturating_sub(1);
        self.adjust_queue1_totals(extra_parts as isize, 0);
        // Cannot fail: a split has at most MAX_SPLIT_PARTS parts (checked with the
        // decisions), a small number.
        let extra_parts_cents = Cents::try_from(extra_parts);
        debug_assert!(extra_parts_cents.is_ok());
        // A real saturation, for library callers only: a scenario's split friction is
        // at most MAX_MONEY_CENTS, which times MAX_SPLIT_PARTS fits; `CostRates` built
        // in code may hold any fee.
        let friction_cost = charges
            .split_friction
            .saturating_mul(extra_parts_cents.unwrap_or(Cents::MAX));
        let first = parts[0].0;
        sink.record(Event::Split {
            tick: self.tick(),
            agent: parent.sender,
            tx: id,
            parts,
            friction_cost,
            source,
        });
        Ok(first)
    }

    fn drop_payment(
        &mut self,
        agent: AgentId,
        id: TxId,
        charges: DecisionCharges,
        source: Option<Arc<str>>,
        sink: &mut dyn EventSink,
    ) {
        let tick = self.tick();
        let tx = self.tx_mut(id);
        tx.status = TxStatus::Dropped;
        let (amount, root) = (tx.amount, tx.root);
        self.end_hold(id);
        self.adjust_queue1_totals(-1, -i128::from(amount));
        self.agent_mut(agent).queue1_value -= i128::from(amount);
        sink.record(Event::Dropped {
            tick,
            agent,
            tx: id,
            amount,
            source,
        });
        self.charge_deadline_penalty(root, PenaltyCause::Dropped, charges.deadline_penalty, sink);
    }

    /// Rebuilds an agent's Queue 1 after drops and splits: dropped payments leave, split
    /// payments are replaced in place by their parts still in Queue 1. `splits` is
    /// sorted by parent.
    fn rebuild_queue1(&mut self, agent: AgentId, splits: &[SplitRecord]) {
        let old = std::mem::take(&mut self.agent_mut(agent).queue1);
        let mut queue = Vec::with_capacity(old.len() + splits.len());
        for id in old {
            match self.transactions()[id.index()].status {
                TxStatus::Queued1 => queue.push(id),
                TxStatus::Split => {
                    if let Ok(at) = splits.binary_search_by_key(&id, |record| record.parent) {
                        let record = splits[at];
                        let parts = (record.first.0..record.first.0 + record.parts).map(TxId);
                        queue.extend(parts.filter(|part| {
                            self.transactions()[part.index()].status == TxStatus::Queued1
                        }));
                    }
                }
                _ => {}
            }
        }
        self.agent_mut(agent).queue1 = queue;
    }
}

/// A split carried out in this call: `parts` parts with ids from `first` on.
#[derive(Debug, Clone, Copy)]
struct SplitRecord {
    parent: TxId,
    first: TxId,
    parts: u32,
}

/// `amount` in `parts` near-equal parts (the first ones a cent larger), summing to it.
pub fn equal_parts(amount: Cents, parts: u32) -> Vec<Cents> {
    let n = Cents::from(parts.max(1));
    let (base, extra) = (amount / n, amount % n);
    (0..n).map(|i| base + Cents::from(i < extra)).collect()
}

#[cfg(test)]
mod tests {
    use super::equal_parts;

    #[test]
    fn equal_parts_sum_to_the_whole() {
        assert_eq!(equal_parts(10, 3), vec![4, 3, 3]);
        assert_eq!(equal_parts(9, 3), vec![3, 3, 3]);
        assert_eq!(equal_parts(2, 2), vec![1, 1]);
    }
}
