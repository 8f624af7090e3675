//! The simulation state and the only operations that change it.
//!
//! Every change goes through a public method of [`SimState`], which keeps the running
//! totals (queue values, counts) in step with the payments and records the matching
//! event. The settlement primitives ([`SimState::settle_gross`],
//! [`SimState::settle_set`]) check cover themselves, so no algorithm built on top can
//! overdraw an agent.
//!
//! **The boundary:** the state's fields and its mutators (`agent_mut`, `tx_mut`,
//! `push_tx`, ...) are private to this module; its files are the only code that
//! writes agents, payments and the queues. They are: `clock` (days and ticks),
//! `release` (a policy's payment decisions), `collateral`, `settle` (the settlement
//! primitives), `penalties`, `eod_loan` (end-of-day borrowing), `shocks` (a
//! scenario's shocks to positions), `snapshot` (checkpoints), `invariants` (the full
//! check) and `error`.
//!
//! **What this module must not do:** panic on anything from outside. Ids from a policy
//! or a file go through [`SimState::get_transaction`] and [`SimState::get_agent`];
//! [`SimState::transaction`] and [`SimState::agent`] index, for the state's own ids.
//! A restored checkpoint is checked in full before it runs.

use crate::agent::{Agent, AgentSetup, DayFlows};
use crate::event::{Event, EventSink, SettleRoute};
use crate::ids::{AgentId, Tick, TxId};
use crate::limits::{MAX_AGENTS, MAX_PRIORITY, MAX_TRANSACTIONS};
use crate::money::{Cents, MAX_MONEY_CENTS};
use crate::queue2::{CentralQueue, QueueEntry, QueueOrder};
use crate::transaction::{NewPayment, Transaction, TxStatus};
use std::collections::BTreeMap;

mod clock;
mod collateral;
mod eod_loan;
mod error;
mod holds;
mod invariants;
mod penalties;
pub mod release;
mod settle;
mod shocks;
mod snapshot;

pub use clock::{Clock, ClockError};
pub use error::{PaymentError, SetRejected, StateError};
pub use invariants::InvariantViolation;
use release::Release;
pub use shocks::{ExternalFlows, MAX_EXTERNAL_FLOW_CENTS};
pub use snapshot::{CheckpointError, StateSnapshot};

/// What releasing payments did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Released {
    /// Payments settled gross on release.
    pub settled: usize,
    /// Payments that joined Queue 2, in order (an `after_queued` hook may have settled
    /// some of them since).
    pub queued: Vec<TxId>,
}

/// Everything that changes during a run.
#[derive(Debug, Clone)]
pub struct SimState {
    clock: Clock,
    agents: Vec<Agent>,
    txs: Vec<Transaction>,
    queue2: CentralQueue,
    queue1_count: usize,
    queue1_value: i128,
    /// Original payments by deadline tick, for the one-off deadline penalty.
    deadlines: BTreeMap<Tick, Vec<TxId>>,
    /// Agents whose available liquidity rose since the settlement engine last looked.
    liquidity_raised: Vec<AgentId>,
    raised_flag: Vec<bool>,
    /// All agents' outgoing value over the current day.
    day_total: DayFlows,
    /// Counts the changes that can let a queued payment settle: a payment joining
    /// Queue 2, or an agent's liquidity rising. Equal values mean no such change.
    settlement_epoch: u64,
    /// Each held Queue 1 payment's current hold reason (see `holds`).
    holds: holds::HoldBook,
    /// A payment received in tick t is usable from tick t + 1 (see `settle`).
    deferred_crediting: bool,
    /// Money injected and withdrawn by shocks (see `shocks`).
    external: ExternalFlows,
    /// Per agent: disconnected by an outage, so nothing to or from it settles.
    disconnected: Vec<bool>,
    /// How many are disconnected: settlement's test is one comparison when none is.
    disconnected_count: usize,
}

impl SimState {
    pub fn new(
        setups: Vec<AgentSetup>,
        clock: Clock,
        queue_order: QueueOrder,
    ) -> Result<SimState, StateError> {
        if setups.len() > MAX_AGENTS {
            return Err(StateError::Agent {
                agent: String::new(),
                message: format!("at most {MAX_AGENTS} agents, got {}", setups.len()),
            });
        }
        let mut agents = Vec::with_capacity(setups.len());
        for (index, setup) in setups.into_iter().enumerate() {
            check_setup(&setup)?;
            // `index` < MAX_AGENTS, so it fits a u32.
            agents.push(Agent::new(AgentId(index as u32), setup));
        }
        let count = agents.len();
        Ok(SimState {
            clock,
            queue2: CentralQueue::new(queue_order, count),
            agents,
            txs: Vec::new(),
            queue1_count: 0,
            queue1_value: 0,
            deadlines: BTreeMap::new(),
            liquidity_raised: (0..count as u32).map(AgentId).collect(),
            raised_flag: vec![true; count],
            settlement_epoch: 0,
            day_total: DayFlows::default(),
            holds: holds::HoldBook::default(),
            deferred_crediting: false,
            external: ExternalFlows::default(),
            disconnected: vec![false; count],
            disconnected_count: 0,
        })
    }

    /// Records every agent's opening position; the first events of a run.
    pub fn record_opening(&self, sink: &mut dyn EventSink) {
        for agent in &self.agents {
            sink.record(Event::AgentOpened {
                agent: agent.id,
                balance: agent.balance,
                unsecured_cap: agent.unsecured_cap,
                posted_collateral: agent.posted_collateral,
                collateral_capacity: agent.collateral_capacity,
            });
        }
    }

    // ----- reading -----

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn tick(&self) -> Tick {
        self.clock.tick()
    }

    pub fn agents(&self) -> &[Agent] {
        &self.agents
    }

    /// The agent `id`, which must be an id this state handed out (an agent's own, a
    /// payment's sender or receiver). Panics on any other: for ids from outside (a
    /// policy, a file), use [`SimState::get_agent`].
    pub fn agent(&self, id: AgentId) -> &Agent {
        &self.agents[id.index()]
    }

    /// The agent `id`, or `None` if there is none: for ids from outside the state.
    pub fn get_agent(&self, id: AgentId) -> Option<&Agent> {
        self.agents.get(id.index())
    }

    pub fn agent_by_name(&self, name: &str) -> Option<&Agent> {
        self.agents.iter().find(|agent| agent.name == name)
    }

    pub fn transactions(&self) -> &[Transaction] {
        &self.txs
    }

    /// The payment `id`, which must be an id this state handed out (from a queue, an
    /// event, a payment's parts). Panics on any other: for ids from outside (a policy's
    /// decisions, a file), use [`SimState::get_transaction`].
    pub fn transaction(&self, id: TxId) -> &Transaction {
        &self.txs[id.index()]
    }

    /// The payment `id`, or `None` if there is none: for ids from outside the state.
    pub fn get_transaction(&self, id: TxId) -> Option<&Transaction> {
        self.txs.get(id.index())
    }

    pub fn queue2(&self) -> &CentralQueue {
        &self.queue2
    }

    /// Payments in all Queue 1s.
    pub fn queue1_count(&self) -> usize {
        self.queue1_count
    }

    /// Value in all Queue 1s.
    pub fn queue1_value(&self) -> i128 {
        self.queue1_value
    }

    /// The sum of all balances; settlement never changes it (only a shock's
    /// injection or withdrawal does, see [`SimState::external_flows`]).
    pub fn total_balance(&self) -> i128 {
        self.agents.iter().map(|a| i128::from(a.balance)).sum()
    }

    // ----- time -----

    /// Moves the clock to `tick` (ticks only move forward).
    /// Makes a payment received in tick t usable from tick t + 1 (off: at once).
    pub fn set_deferred_crediting(&mut self, on: bool) {
        self.deferred_crediting = on;
    }

    pub fn deferred_crediting(&self) -> bool {
        self.deferred_crediting
    }

    pub fn set_tick(&mut self, tick: Tick) {
        let day = self.clock.day();
        // Off, nothing is ever pending: the loop over the agents is skipped.
        if self.deferred_crediting && tick != self.clock.tick() {
            self.release_pending_credit();
        }
        self.clock.set_tick(tick);
        if self.clock.day() != day {
            self.start_day();
        }
    }

    /// Starts the day's throughput count: what each agent owes at the start of the
    /// day is what it has queued; arrivals and settlements count from zero.
    fn start_day(&mut self) {
        self.day_total = DayFlows::default();
        for agent in &mut self.agents {
            agent.day = DayFlows {
                due_at_start: agent.queue1_value + agent.queue2_value,
                ..DayFlows::default()
            };
            self.day_total.due_at_start += agent.day.due_at_start;
        }
    }

    /// All agents' outgoing value over the current day.
    pub fn day_flows(&self) -> DayFlows {
        self.day_total
    }

    // ----- arrivals -----

    /// Puts a new client payment in its sender's Queue 1.
    pub fn add_payment(
        &mut self,
        payment: NewPayment,
        sink: &mut dyn EventSink,
    ) -> Result<TxId, StateError> {
        let tick = self.clock.tick();
        self.check_payment(&payment, tick)?;
        let id = self.push_tx(Transaction {
            id: TxId(0),
            sender: payment.sender,
            receiver: payment.receiver,
            amount: payment.amount,
            arrival_tick: tick,
            deadline_tick: payment.deadline_tick,
            priority: payment.priority,
            divisible: payment.divisible,
            parent: None,
            root: TxId(0),
            status: TxStatus::Queued1,
            settled_amount: 0,
            submitted_tick: None,
            settled_tick: None,
            deadline_penalized: false,
            queue2_key: None,
        })?;
        self.txs[id.index()].root = id;
        let sender = &mut self.agents[payment.sender.index()];
        sender.day.arrived += i128::from(payment.amount);
        self.day_total.arrived += i128::from(payment.amount);
        sender.queue1.push(id);
        sender.queue1_value += i128::from(payment.amount);
        self.queue1_count += 1;
        self.queue1_value += i128::from(payment.amount);
        self.deadlines
            .entry(payment.deadline_tick)
            .or_default()
            .push(id);
        sink.record(Event::Arrival {
            tick,
            tx: id,
            sender: payment.sender,
            receiver: payment.receiver,
            amount: payment.amount,
            deadline: payment.deadline_tick,
            priority: payment.priority,
            divisible: payment.divisible,
        });
        Ok(id)
    }

    fn check_payment(&self, p: &NewPayment, tick: Tick) -> Result<(), PaymentError> {
        let known = |id: AgentId| id.index() < self.agents.len();
        if !known(p.sender) || !known(p.receiver) {
            Err(PaymentError::UnknownAgent {
                sender: p.sender,
                receiver: p.receiver,
            })
        } else if p.sender == p.receiver {
            Err(PaymentError::SameAgent(p.sender))
        } else if p.amount <= 0 || p.amount > MAX_MONEY_CENTS {
            Err(PaymentError::Amount { amount: p.amount })
        } else if p.priority > MAX_PRIORITY {
            Err(PaymentError::Priority {
                priority: p.priority,
            })
        } else if p.deadline_tick < tick {
            Err(PaymentError::DeadlineBeforeArrival {
                deadline_tick: p.deadline_tick,
                arrival_tick: tick,
            })
        } else {
            Ok(())
        }
    }

    fn push_tx(&mut self, mut tx: Transaction) -> Result<TxId, StateError> {
        if self.txs.len() >= MAX_TRANSACTIONS {
            return Err(StateError::TooManyTransactions);
        }
        // Bounded by MAX_TRANSACTIONS < u32::MAX.
        let id = TxId(self.txs.len() as u32);
        tx.id = id;
        self.txs.push(tx);
        Ok(id)
    }

    fn agent_mut(&mut self, id: AgentId) -> &mut Agent {
        &mut self.agents[id.index()]
    }

    fn tx_mut(&mut self, id: TxId) -> &mut Transaction {
        &mut self.txs[id.index()]
    }

    /// Changes the system's Queue 1 totals by `count` payments and `value` cents.
    fn adjust_queue1_totals(&mut self, count: isize, value: i128) {
        // Cannot go out of range: only payments checked to be in Queue 1 leave it, and
        // it holds at most MAX_TRANSACTIONS payments.
        debug_assert!(self.queue1_count.checked_add_signed(count).is_some());
        self.queue1_count = self.queue1_count.saturating_add_signed(count);
        self.queue1_value += value;
    }

    // ----- Queue 1 to Queue 2 -----

    /// Releases payments of `agent` from its Queue 1, in the order given (payments not
    /// in the agent's Queue 1 are ignored). A payment for which `attempt` answers
    /// `true` settles gross at once if its sender can cover it; every other one joins
    /// Queue 2.
    ///
    /// Settling on release never touches Queue 2's indexes, which is most of the work
    /// saved when liquidity is ample.
    pub fn release_payments(
        &mut self,
        agent: AgentId,
        releases: &[Release],
        attempt: &mut dyn FnMut(&SimState, &Transaction) -> bool,
        sink: &mut dyn EventSink,
    ) -> Released {
        self.release_payments_each(agent, releases, attempt, &mut |_, _, _| {}, sink)
    }

    /// [`SimState::release_payments`], calling `after_queued` with each payment that
    /// joins Queue 2 before the next release gets its attempt: settlement on entry
    /// (offsetting) sees each payment one at a time, in the order released, as the
    /// later payments' gross attempts then see what it settled.
    pub fn release_payments_each(
        &mut self,
        agent: AgentId,
        releases: &[Release],
        attempt: &mut dyn FnMut(&SimState, &Transaction) -> bool,
        after_queued: &mut dyn FnMut(&mut SimState, TxId, &mut dyn EventSink),
        sink: &mut dyn EventSink,
    ) -> Released {
        let tick = self.clock.tick();
        let mut released = Released::default();
        let (mut left, mut left_value) = (0usize, 0i128);
        for release in releases {
            let id = release.tx;
            let Some(tx) = self.txs.get(id.index()) else {
                continue;
            };
            if tx.sender != agent || tx.status != TxStatus::Queued1 {
                continue;
            }
            let (amount, receiver) = (tx.amount, tx.receiver);
            sink.record(Event::Released {
                tick,
                agent,
                tx: id,
                source: release.source.clone(),
            });
            self.txs[id.index()].submitted_tick = Some(tick);
            self.end_hold(id);
            left += 1;
            left_value += i128::from(amount);
            if attempt(self, &self.txs[id.index()])
                && self.agents[agent.index()].can_pay(amount)
                && !self.cut_off(agent, receiver)
            {
                self.transfer(agent, receiver, amount);
                self.book_settlement(id);
                sink.record(Event::Settled {
                    tick,
                    tx: id,
                    sender: agent,
                    receiver,
                    amount,
                    route: SettleRoute::Immediate,
                });
                released.settled += 1;
            } else {
                self.enqueue(agent, id);
                released.queued.push(id);
                // The agent's Queue 1 still lists the payments released so far (it is
                // rebuilt below); what settles on entry touches only Queue 2.
                after_queued(self, id, sink);
            }
        }
        if left == 0 {
            return released;
        }
        let txs = &self.txs;
        let owner = &mut self.agents[agent.index()];
        owner
            .queue1
            .retain(|id| txs[id.index()].status == TxStatus::Queued1);
        owner.queue1_value -= left_value;
        self.queue1_count -= left;
        self.queue1_value -= left_value;
        released
    }

    /// Takes a payment waiting in Queue 2 back to the end of its sender's Queue 1.
    fn withdraw_from_queue2(&mut self, id: TxId) {
        let tx = &self.txs[id.index()];
        let (sender, amount) = (tx.sender, tx.amount);
        self.dequeue(id);
        self.txs[id.index()].status = TxStatus::Queued1;
        let owner = &mut self.agents[sender.index()];
        owner.queue1.push(id);
        owner.queue1_value += i128::from(amount);
        self.queue1_count += 1;
        self.queue1_value += i128::from(amount);
        // The sender's first queued payment may have changed: retry it.
        self.mark_liquidity_raised(sender);
    }

    /// Gives a payment waiting in Queue 2 a new priority and a new place, as if just
    /// released.
    fn resubmit_to_queue2(&mut self, id: TxId, priority: u8) {
        let sender = self.txs[id.index()].sender;
        self.dequeue(id);
        self.txs[id.index()].priority = priority;
        self.enqueue(sender, id);
        self.mark_liquidity_raised(sender);
    }

    /// Takes a payment out of Queue 2's indexes and totals.
    fn dequeue(&mut self, id: TxId) {
        let tx = &mut self.txs[id.index()];
        let (sender, receiver, amount) = (tx.sender, tx.receiver, tx.amount);
        if let Some(key) = tx.queue2_key.take() {
            self.queue2.remove(sender, key);
        }
        let owner = &mut self.agents[sender.index()];
        owner.queue2_count -= 1;
        owner.queue2_value -= i128::from(amount);
        let to = &mut self.agents[receiver.index()];
        to.incoming_queue2_count -= 1;
        to.incoming_queue2_value -= i128::from(amount);
    }

    /// Puts a released payment in Queue 2 (its Queue 1 totals are the caller's).
    fn enqueue(&mut self, sender: AgentId, id: TxId) {
        let tx = &self.txs[id.index()];
        let (priority, amount, receiver) = (tx.priority, tx.amount, tx.receiver);
        let key = self.queue2.next_key(priority);
        let entry = QueueEntry {
            tx: id,
            receiver,
            amount,
            deadline: tx.deadline_tick,
        };
        self.queue2.insert(sender, key, entry);
        let tx = &mut self.txs[id.index()];
        tx.status = TxStatus::Queued2;
        tx.queue2_key = Some(key);
        let owner = &mut self.agents[sender.index()];
        owner.queue2_count += 1;
        owner.queue2_value += i128::from(amount);
        let to = &mut self.agents[receiver.index()];
        to.incoming_queue2_count += 1;
        to.incoming_queue2_value += i128::from(amount);
        self.settlement_epoch += 1;
    }

    /// Checks every invariant of the state; `Err` names the first one broken, with
    /// its figures. Costs `O(agents + transactions)`: for tests and debug checks, not
    /// the hot path.
    pub fn check_invariants(&self) -> Result<(), InvariantViolation> {
        invariants::check(self)
    }

    /// In debug builds, checks every invariant and panics on the first one broken,
    /// naming the tick; in release builds, does nothing and costs nothing. For an
    /// engine that wants every test run to check the state after every tick.
    ///
    /// The panic is the point: a broken invariant is a bug in the engine, never a
    /// consequence of user input (which the state refuses before it changes).
    #[inline]
    #[allow(clippy::panic)]
    pub fn debug_check_invariants(&self) {
        #[cfg(debug_assertions)]
        if let Err(violation) = self.check_invariants() {
            panic!("tick {}: invariant broken: {violation}", self.tick());
        }
    }
}

fn check_setup(setup: &AgentSetup) -> Result<(), StateError> {
    let fail = |message: String| {
        Err(StateError::Agent {
            agent: setup.name.clone(),
            message,
        })
    };
    let in_range = |v: Cents| (-MAX_MONEY_CENTS..=MAX_MONEY_CENTS).contains(&v);
    let non_negative = |v: Cents| (0..=MAX_MONEY_CENTS).contains(&v);
    if !in_range(setup.opening_balance) {
        return fail(format!("opening balance outside ±{MAX_MONEY_CENTS}"));
    }
    if !non_negative(setup.unsecured_cap)
        || !non_negative(setup.collateral_capacity)
        || !non_negative(setup.posted_collateral)
        || !non_negative(setup.liquidity_buffer)
    {
        return fail(format!(
            "limits, collateral and buffer must be within 0..={MAX_MONEY_CENTS}"
        ));
    }
    if setup.posted_collateral > setup.collateral_capacity {
        return fail("posted collateral exceeds the collateral capacity".into());
    }
    if setup.collateral_haircut_bps > 10_000 {
        return fail("collateral haircut above 100%".into());
    }
    let credit = i128::from(setup.unsecured_cap)
        + i128::from(crate::money::after_haircut(
            setup.posted_collateral,
            setup.collateral_haircut_bps,
        ));
    if i128::from(setup.opening_balance) + credit < 0 {
        return fail("opening balance is below minus the credit limit".into());
    }
    Ok(())
}
