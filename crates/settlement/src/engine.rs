//! Immediate settlement and the Queue 2 retry.
//!
//! A payment can only be held up by its own sender's liquidity, and that only rises
//! when the sender receives a payment or posts collateral. The core state records
//! which agents' liquidity rose; the retry tries exactly those senders, in the order
//! of their first queued payment, and adds each receiver it pays to the work list. A
//! retry therefore costs time in proportion to what settles, not to the queue length,
//! and ends with no queued payment that could settle gross (with FIFO, no sender whose
//! first queued payment could settle).

use crate::lsm::{self, LsmStep};
use rtgsim_core::event::{EventSink, SettleRoute};
use rtgsim_core::ids::{AgentId, TxId};
use rtgsim_core::queue2::QueueKey;
use rtgsim_core::release::Release;
use rtgsim_core::{SimState, Transaction, TxStatus};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// How the central queue settles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettlementConfig {
    /// Let a later payment of a sender settle while an earlier one waits. Without it,
    /// each sender's queued payments settle strictly in queue order.
    pub fifo_bypass: bool,
    /// The liquidity-saving algorithms, in the order they run after the queue retry.
    pub lsm: Vec<LsmStep>,
    /// Offset a released payment that cannot settle alone against its receiver's
    /// queued payments back to its sender.
    pub entry_offset: bool,
    /// Longest cycle, in agents, that [`LsmStep::Cycles`] looks for.
    pub cycle_max_length: usize,
    /// A payment received in tick t adds to the receiver's usable liquidity from
    /// tick t + 1 (the engine sets the state's flag from this).
    pub deferred_crediting: bool,
}

/// The cycle length searched unless configured.
pub const DEFAULT_CYCLE_MAX_LENGTH: usize = 4;

impl Default for SettlementConfig {
    /// FIFO without bypass; bilateral offsetting then multilateral resolution.
    fn default() -> Self {
        SettlementConfig {
            fifo_bypass: false,
            lsm: vec![LsmStep::Bilateral, LsmStep::Multilateral],
            entry_offset: false,
            cycle_max_length: DEFAULT_CYCLE_MAX_LENGTH,
            deferred_crediting: false,
        }
    }
}

impl SettlementConfig {
    /// Gross settlement only: no liquidity-saving mechanism at all.
    pub fn gross_only() -> Self {
        SettlementConfig {
            lsm: Vec::new(),
            ..SettlementConfig::default()
        }
    }
}

/// What one tick's settlement did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TickReport {
    /// Payments settled on release.
    pub immediate: usize,
    /// Payments settled from Queue 2.
    pub from_queue: usize,
    /// Payments settled by the liquidity-saving mechanism (entry offsetting included).
    pub lsm: usize,
}

/// Settles released payments and retries the central queue.
#[derive(Debug, Clone, Default)]
pub struct SettlementEngine {
    config: SettlementConfig,
    /// Scratch for the retry: which senders are on the work list.
    listed: Vec<bool>,
    /// Scratch for the retry: agents whose liquidity just rose.
    raised: Vec<AgentId>,
    /// The state's settlement epoch when an LSM pass last found nothing to settle:
    /// until the epoch moves, another pass would find nothing either.
    lsm_idle_at: Option<u64>,
}

impl SettlementEngine {
    /// What the engine remembers between ticks (the epoch of the last idle LSM pass),
    /// for checkpoints.
    pub fn memory(&self) -> Option<u64> {
        self.lsm_idle_at
    }

    /// Restores what [`SettlementEngine::memory`] returned.
    pub fn restore_memory(&mut self, lsm_idle_at: Option<u64>) {
        self.lsm_idle_at = lsm_idle_at;
    }

    pub fn new(config: SettlementConfig) -> Self {
        SettlementEngine {
            config,
            listed: Vec::new(),
            raised: Vec::new(),
            lsm_idle_at: None,
        }
    }

    pub fn config(&self) -> &SettlementConfig {
        &self.config
    }

    /// Releases a policy's payments, one at a time in order: each gets an immediate
    /// gross attempt unless an earlier payment of its sender waits (FIFO without
    /// bypass), and one that cannot settle alone is offset on entry when configured,
    /// before the next payment's attempt; the rest wait in Queue 2.
    pub fn release(
        &mut self,
        state: &mut SimState,
        agent: AgentId,
        releases: &[Release],
        sink: &mut dyn EventSink,
    ) -> TickReport {
        let bypass = self.config.fifo_bypass;
        let mut may_attempt = |s: &SimState, tx: &Transaction| {
            bypass || s.queue2().would_be_first(tx.sender, tx.priority)
        };
        let mut offset_on_entry = 0;
        let released = if self.config.entry_offset {
            // The offset comes before the next payment's gross attempt: that attempt
            // must not spend the liquidity an earlier payment's offset needs, and it
            // sees what the offset brought in.
            let mut after_queued = |s: &mut SimState, tx: TxId, sink: &mut dyn EventSink| {
                if may_settle_now(bypass, s, tx) {
                    offset_on_entry += lsm::entry::offset(s, tx, sink);
                }
            };
            state.release_payments_each(agent, releases, &mut may_attempt, &mut after_queued, sink)
        } else {
            state.release_payments(agent, releases, &mut may_attempt, sink)
        };
        TickReport {
            immediate: released.settled,
            lsm: offset_on_entry,
            ..TickReport::default()
        }
    }

    /// Settlement after the tick's releases: the Queue 2 retry, then the
    /// liquidity-saving sequence.
    pub fn settle_tick(&mut self, state: &mut SimState, sink: &mut dyn EventSink) -> TickReport {
        let retried = self.retry_queue(state, sink);
        let (from_queue, lsm) = self.run_lsm(state, sink);
        TickReport {
            immediate: 0,
            from_queue: retried + from_queue,
            lsm,
        }
    }

    /// Runs the configured LSM algorithms in order, each followed by the queue retry
    /// (what an LSM set settles can unblock gross payments). Returns the payments
    /// settled from the queue and by the LSM.
    pub fn run_lsm(&mut self, state: &mut SimState, sink: &mut dyn EventSink) -> (usize, usize) {
        if self.config.lsm.is_empty()
            || state.queue2().is_empty()
            || self.lsm_idle_at == Some(state.settlement_epoch())
        {
            return (0, 0);
        }
        let (mut from_queue, mut by_lsm) = (0, 0);
        for index in 0..self.config.lsm.len() {
            by_lsm += match self.config.lsm[index] {
                LsmStep::Bilateral => lsm::bilateral::run(state, sink),
                LsmStep::Multilateral => lsm::multilateral::run(state, sink),
                LsmStep::Cycles => lsm::cycles::run(state, self.config.cycle_max_length, sink),
            };
            from_queue += self.retry_queue(state, sink);
        }
        if by_lsm == 0 {
            self.lsm_idle_at = Some(state.settlement_epoch());
        }
        (from_queue, by_lsm)
    }

    /// Retries Queue 2 for every sender whose liquidity rose, until no queued payment
    /// can settle gross. Returns how many settled.
    pub fn retry_queue(&mut self, state: &mut SimState, sink: &mut dyn EventSink) -> usize {
        self.listed.resize(state.agents().len(), false);
        let mut work: BTreeSet<(QueueKey, AgentId)> = BTreeSet::new();
        let mut settled = 0;
        self.list_raised(state, &mut work);
        while let Some((_, sender)) = work.pop_first() {
            self.listed[sender.index()] = false;
            settled += if self.config.fifo_bypass {
                try_any(state, sender, sink)
            } else {
                try_in_order(state, sender, sink)
            };
            self.list_raised(state, &mut work);
        }
        settled
    }

    /// Adds the agents whose liquidity rose, and that have payments waiting, to the
    /// work list, keyed by their first waiting payment.
    fn list_raised(&mut self, state: &mut SimState, work: &mut BTreeSet<(QueueKey, AgentId)>) {
        state.drain_liquidity_raised(&mut self.raised);
        for &agent in &self.raised {
            if self.listed[agent.index()] {
                continue;
            }
            if let Some((key, _)) = state.queue2().head(agent) {
                self.listed[agent.index()] = true;
                work.insert((key, agent));
            }
        }
    }
}

/// Settles `sender`'s queued payments strictly in queue order, stopping at the first
/// it cannot cover.
fn try_in_order(state: &mut SimState, sender: AgentId, sink: &mut dyn EventSink) -> usize {
    let mut settled = 0;
    while let Some((_, head)) = state.queue2().head(sender) {
        if !state.settle_gross(head.tx, SettleRoute::Queue, sink) {
            break;
        }
        settled += 1;
    }
    settled
}

/// Settles every queued payment of `sender` it can cover, in queue order, passing over
/// those it cannot.
fn try_any(state: &mut SimState, sender: AgentId, sink: &mut dyn EventSink) -> usize {
    let mut settled = 0;
    let mut cursor: Option<QueueKey> = None;
    loop {
        let next = match cursor {
            None => state.queue2().head(sender),
            Some(after) => state.queue2().sender_queue_after(sender, after).next(),
        };
        let Some((key, entry)) = next else { break };
        if state.settle_gross(entry.tx, SettleRoute::Queue, sink) {
            settled += 1;
        }
        cursor = Some(key);
    }
    settled
}

/// A queued payment may settle on its own now if, under FIFO without bypass, no
/// earlier payment of its sender is waiting.
fn may_settle_now(fifo_bypass: bool, state: &SimState, tx: TxId) -> bool {
    let Some(payment) = state.get_transaction(tx) else {
        return false;
    };
    payment.status == TxStatus::Queued2
        && (fifo_bypass || state.queue2().head(payment.sender).map(|(_, head)| head.tx) == Some(tx))
}
