//! A run's figures over time, gathered from its events as they are recorded: every
//! agent's balance, what waits in Queue 1 and Queue 2, the value that arrived and
//! settled so far, value settled by route, and the settlement delays.
//!
//! **Downsampling.** Series are sampled at the end of every `k`-th tick, with `k`
//! the smallest step that keeps a run to at most [`MAX_SAMPLES`] samples (and the
//! last tick always sampled): a one-day run of 100 ticks is sampled at every tick, a
//! 20-day run of 100 ticks at every fifth. A sample is the state at the end of its
//! tick, not an average, so it is exact where it is drawn; the totals, the table and
//! the distributions use every event.
//!
//! The balances here are replayed independently of the run's metrics (the same rule:
//! settlements, set positions and a scenario's transfers move money), so a test can
//! set the last sample against the summary's closing balances.

use rtgsim_core::event::{Event, LogName, SettleRoute};
use rtgsim_core::{AgentId, Cents, Tick, TxId};
use rtgsim_report::EventObserver;
use std::collections::BTreeMap;

/// The most samples a series keeps.
pub const MAX_SAMPLES: u64 = 400;
/// The policy errors listed one by one (all are counted).
pub const MAX_LISTED_ERRORS: usize = 100;

/// Where a payment (or part) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Queue1,
    Queue2,
    /// Settled, dropped or replaced by its parts.
    Gone,
}

#[derive(Debug, Clone, Copy)]
struct TxRecord {
    sender: AgentId,
    receiver: AgentId,
    amount: Cents,
    /// The original payment's arrival (a part keeps its parent's).
    arrival: Tick,
    place: Place,
}

/// Count and value of what waits somewhere.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Queued {
    pub count: u64,
    pub value_cents: i128,
}

impl Queued {
    fn add(&mut self, amount: Cents) {
        self.count += 1;
        self.value_cents += i128::from(amount);
    }

    fn remove(&mut self, amount: Cents) {
        self.count = self.count.saturating_sub(1);
        self.value_cents -= i128::from(amount);
    }
}

/// The state at the end of a sampled tick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    pub tick: Tick,
    pub queue1: Queued,
    pub queue2: Queued,
    pub arrived_value_cents: i128,
    pub settled_value_cents: i128,
}

/// A policy call that failed, as the page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyErrorRow {
    pub tick: Tick,
    pub agent: AgentId,
    pub call: &'static str,
    pub message: String,
}

/// The series of one run. Feed it every event (it is an [`EventObserver`]), then
/// call [`finish`](RunSeries::finish).
#[derive(Debug, Clone)]
pub struct RunSeries {
    total_ticks: u64,
    ticks_per_sample: u64,
    /// The tick whose events are arriving; ticks before it are closed.
    tick: u64,
    balances: Vec<Cents>,
    txs: Vec<Option<TxRecord>>,
    queue1: Queued,
    queue2: Queued,
    arrived_value_cents: i128,
    settled_value_cents: i128,
    samples: Vec<Sample>,
    /// Every agent's balance per sample, sample by sample.
    balance_samples: Vec<Cents>,
    route_value_cents: BTreeMap<&'static str, i128>,
    /// Settlements (payments and parts) by delay in ticks.
    delay_counts: Vec<u64>,
    policy_errors: Vec<PolicyErrorRow>,
    policy_error_count: u64,
}

impl RunSeries {
    /// Series for a run of `agents` agents and `total_ticks` ticks.
    pub fn new(agents: usize, total_ticks: u64) -> RunSeries {
        RunSeries {
            total_ticks: total_ticks.max(1),
            ticks_per_sample: total_ticks.div_ceil(MAX_SAMPLES).max(1),
            tick: 0,
            balances: vec![0; agents],
            txs: Vec::new(),
            queue1: Queued::default(),
            queue2: Queued::default(),
            arrived_value_cents: 0,
            settled_value_cents: 0,
            samples: Vec::new(),
            balance_samples: Vec::new(),
            route_value_cents: BTreeMap::new(),
            delay_counts: Vec::new(),
            policy_errors: Vec::new(),
            policy_error_count: 0,
        }
    }

    /// Closes the last tick: call once every event has been seen.
    pub fn finish(&mut self) {
        if self.samples.last().map(|s| u64::from(s.tick)) != Some(self.total_ticks - 1) {
            self.advance_to(self.total_ticks);
        }
    }

    pub fn agents(&self) -> usize {
        self.balances.len()
    }

    pub fn ticks_per_sample(&self) -> u64 {
        self.ticks_per_sample
    }

    pub fn samples(&self) -> &[Sample] {
        &self.samples
    }

    /// Agent `agent`'s balance at each sample.
    pub fn balances_of(&self, agent: usize) -> impl Iterator<Item = Cents> + '_ {
        let agents = self.balances.len();
        self.balance_samples
            .iter()
            .skip(agent)
            .step_by(agents.max(1))
            .copied()
    }

    /// Every agent's balance at sample `index`.
    pub fn balances_at(&self, index: usize) -> &[Cents] {
        let agents = self.balances.len();
        &self.balance_samples[index * agents..(index + 1) * agents]
    }

    /// Value settled by route: `immediate`, `queue`, `eod_loan` and each liquidity-
    /// saving algorithm's log name.
    pub fn route_value_cents(&self) -> &BTreeMap<&'static str, i128> {
        &self.route_value_cents
    }

    /// Settlements of payments and parts, by delay in ticks (index = delay).
    pub fn delay_counts(&self) -> &[u64] {
        &self.delay_counts
    }

    /// The first [`MAX_LISTED_ERRORS`] policy errors, and how many there were.
    pub fn policy_errors(&self) -> (&[PolicyErrorRow], u64) {
        (&self.policy_errors, self.policy_error_count)
    }

    /// Closes every tick before `tick`, sampling those that end a step.
    fn advance_to(&mut self, tick: u64) {
        while self.tick < tick.min(self.total_ticks) {
            let ended = self.tick;
            if (ended + 1).is_multiple_of(self.ticks_per_sample) || ended + 1 == self.total_ticks {
                self.sample(ended);
            }
            self.tick += 1;
        }
    }

    fn sample(&mut self, tick: u64) {
        self.samples.push(Sample {
            tick: Tick::try_from(tick).unwrap_or(Tick::MAX),
            queue1: self.queue1,
            queue2: self.queue2,
            arrived_value_cents: self.arrived_value_cents,
            settled_value_cents: self.settled_value_cents,
        });
        self.balance_samples.extend_from_slice(&self.balances);
    }

    /// Moves `agent`'s balance by `delta` (saturating: a hand-made log could
    /// overflow, the engine's balances never do). An agent the run does not have is
    /// ignored, so every sample has one balance per agent.
    fn add_to_balance(&mut self, agent: AgentId, delta: Cents) {
        if let Some(balance) = self.balances.get_mut(agent.index()) {
            *balance = balance.saturating_add(delta);
        }
    }

    fn record(&mut self, tx: TxId) -> Option<&mut TxRecord> {
        self.txs.get_mut(tx.index()).and_then(Option::as_mut)
    }

    fn put(&mut self, tx: TxId, record: TxRecord) {
        if tx.index() >= self.txs.len() {
            self.txs.resize(tx.index() + 1, None);
        }
        self.txs[tx.index()] = Some(record);
    }

    /// Takes a payment out of whichever queue holds it.
    fn leave(&mut self, tx: TxId) -> Option<TxRecord> {
        let record = self.record(tx)?;
        let before = *record;
        record.place = Place::Gone;
        match before.place {
            Place::Queue1 => self.queue1.remove(before.amount),
            Place::Queue2 => self.queue2.remove(before.amount),
            Place::Gone => {}
        }
        Some(before)
    }

    /// A payment or part settled at `tick` by `route`.
    fn settled(&mut self, tx: TxId, tick: Tick, route: &'static str) -> Option<TxRecord> {
        let record = self.leave(tx)?;
        let amount = i128::from(record.amount);
        self.settled_value_cents += amount;
        *self.route_value_cents.entry(route).or_default() += amount;
        let delay = tick.saturating_sub(record.arrival) as usize;
        if delay >= self.delay_counts.len() {
            self.delay_counts.resize(delay + 1, 0);
        }
        self.delay_counts[delay] += 1;
        Some(record)
    }

    fn arrived(&mut self, tx: TxId, sender: AgentId, receiver: AgentId, amount: Cents, tick: Tick) {
        let record = TxRecord {
            sender,
            receiver,
            amount,
            arrival: tick,
            place: Place::Queue1,
        };
        self.put(tx, record);
        self.queue1.add(amount);
        self.arrived_value_cents += i128::from(amount);
    }

    /// A payment went from one queue to the other (ignored if it is not where the
    /// event says it was).
    fn moved(&mut self, tx: TxId, from: Place, to: Place) {
        let Some(record) = self.record(tx).filter(|r| r.place == from) else {
            return;
        };
        record.place = to;
        let amount = record.amount;
        let (left, joined) = match from {
            Place::Queue1 => (&mut self.queue1, &mut self.queue2),
            _ => (&mut self.queue2, &mut self.queue1),
        };
        left.remove(amount);
        joined.add(amount);
    }

    fn pay(&mut self, sender: AgentId, receiver: AgentId, amount: Cents) {
        self.add_to_balance(sender, amount.saturating_neg());
        self.add_to_balance(receiver, amount);
    }
}

impl EventObserver for RunSeries {
    fn on_event(&mut self, _seq: u64, event: &Event, _line: &[u8]) {
        self.advance_to(u64::from(event.tick()));
        match *event {
            Event::AgentOpened { agent, balance, .. } => {
                if let Some(opening) = self.balances.get_mut(agent.index()) {
                    *opening = balance;
                }
            }
            Event::Arrival {
                tick,
                tx,
                sender,
                receiver,
                amount,
                ..
            } => self.arrived(tx, sender, receiver, amount, tick),
            Event::Released { tx, .. } => self.moved(tx, Place::Queue1, Place::Queue2),
            Event::WithdrawnFromQueue2 { tx, .. } => self.moved(tx, Place::Queue2, Place::Queue1),
            Event::Split { tx, ref parts, .. } => {
                if let Some(parent) = self.leave(tx) {
                    for &(part, amount) in parts {
                        let record = TxRecord {
                            amount,
                            place: Place::Queue1,
                            ..parent
                        };
                        self.put(part, record);
                        self.queue1.add(amount);
                    }
                }
            }
            Event::Dropped { tx, .. } => {
                self.leave(tx);
            }
            Event::Settled {
                tick, tx, route, ..
            } => {
                let route = match route {
                    SettleRoute::Immediate => "immediate",
                    SettleRoute::Queue => "queue",
                    SettleRoute::EodLoan => "eod_loan",
                };
                if let Some(record) = self.settled(tx, tick, route) {
                    self.pay(record.sender, record.receiver, record.amount);
                }
            }
            Event::SetSettled {
                tick,
                algorithm,
                ref txs,
                ..
            } => {
                for &tx in txs {
                    if let Some(record) = self.settled(tx, tick, algorithm.log_name()) {
                        self.pay(record.sender, record.receiver, record.amount);
                    }
                }
            }
            Event::LiquidityTransfer {
                sender,
                receiver,
                amount,
                ..
            } => self.pay(sender, receiver, amount),
            Event::LiquidityInjected { agent, amount, .. } => self.add_to_balance(agent, amount),
            Event::LiquidityWithdrawn { agent, amount, .. } => {
                self.add_to_balance(agent, amount.saturating_neg());
            }
            Event::PolicyError {
                tick,
                agent,
                call,
                ref failure,
            } => {
                self.policy_error_count += 1;
                if self.policy_errors.len() < MAX_LISTED_ERRORS {
                    self.policy_errors.push(PolicyErrorRow {
                        tick,
                        agent,
                        call: call.log_name(),
                        message: failure.to_string(),
                    });
                }
            }
            _ => {}
        }
    }
}
