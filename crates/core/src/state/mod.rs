//! The simulation state and the only operations that change it.
//!
//! Every change goes through a method here, which keeps the running totals (queue
//! values, counts) in step with the payments and records the matching event. The
//! settlement primitives ([`SimState::settle_gross`], [`SimState::settle_set`]) check
//! cover themselves, so no algorithm built on top can overdraw an agent.

use crate::agent::{Agent, AgentSetup, DayFlows};
use crate::event::{Event, EventSink, LsmAlgorithm, PenaltyCause, SettleRoute};
use crate::ids::{AgentId, Tick, TxId};
use crate::limits::{MAX_AGENTS, MAX_PRIORITY, MAX_TRANSACTIONS};
use crate::money::{Cents, MAX_MONEY_CENTS};
use crate::queue2::{CentralQueue, QueueEntry, QueueOrder};
use crate::transaction::{NewPayment, Transaction, TxStatus};
use std::collections::BTreeMap;

mod clock;
mod collateral;
mod error;
mod invariants;
pub mod release;
mod snapshot;

pub use clock::{Clock, ClockError};
pub use error::{PaymentError, SetRejected, StateError};
pub use invariants::InvariantViolation;
use release::Release;
pub use snapshot::{CheckpointError, StateSnapshot};

/// What releasing payments did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Released {
    /// Payments settled gross on release.
    pub settled: usize,
    /// Payments that joined Queue 2, in order.
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

    /// The sum of all balances; settlement never changes it.
    pub fn total_balance(&self) -> i128 {
        self.agents.iter().map(|a| i128::from(a.balance)).sum()
    }

    // ----- time -----

    /// Moves the clock to `tick` (ticks only move forward).
    pub fn set_tick(&mut self, tick: Tick) {
        let day = self.clock.day();
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
            left += 1;
            left_value += i128::from(amount);
            if attempt(self, &self.txs[id.index()]) && self.agents[agent.index()].can_pay(amount) {
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

    // ----- settlement primitives -----

    /// Settles one queued payment gross if its sender can cover it. Returns whether it
    /// settled.
    pub fn settle_gross(&mut self, id: TxId, route: SettleRoute, sink: &mut dyn EventSink) -> bool {
        let Some(tx) = self.txs.get(id.index()) else {
            return false;
        };
        if tx.status != TxStatus::Queued2 || !self.agents[tx.sender.index()].can_pay(tx.amount) {
            return false;
        }
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
        true
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
        for (&agent, &position) in &net {
            let a = &self.agents[agent.index()];
            if i128::from(a.balance) + position < -i128::from(a.credit_limit()) {
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
    fn transfer(&mut self, sender: AgentId, receiver: AgentId, amount: Cents) {
        debug_assert!(self.agents[sender.index()].can_pay(amount));
        self.transfer_unchecked(sender, receiver, amount);
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
    fn book_settlement(&mut self, id: TxId) {
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

    fn mark_liquidity_raised(&mut self, agent: AgentId) {
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

    // ----- deadlines and the end of the day -----

    /// Charges the deadline penalty on every original payment whose deadline tick is
    /// the current tick and that is not settled in full.
    pub fn charge_missed_deadlines(&mut self, penalty: Cents, sink: &mut dyn EventSink) {
        let tick = self.clock.tick();
        let due: Vec<TxId> = match self.deadlines.first_key_value() {
            Some((&deadline, _)) if deadline <= tick => {
                let mut due = Vec::new();
                while let Some(entry) = self.deadlines.first_entry() {
                    if *entry.key() > tick {
                        break;
                    }
                    due.extend(entry.remove());
                }
                due
            }
            _ => return,
        };
        for root in due {
            let tx = &self.txs[root.index()];
            if tx.settled_amount < tx.amount && !tx.deadline_penalized {
                self.charge_deadline_penalty(root, PenaltyCause::Overdue, penalty, sink);
            }
        }
    }

    fn charge_deadline_penalty(
        &mut self,
        root: TxId,
        cause: PenaltyCause,
        penalty: Cents,
        sink: &mut dyn EventSink,
    ) {
        let tx = &mut self.txs[root.index()];
        if tx.deadline_penalized {
            return;
        }
        tx.deadline_penalized = true;
        sink.record(Event::DeadlinePenalty {
            tick: self.clock.tick(),
            agent: tx.sender,
            tx: root,
            cause,
            penalty,
        });
    }

    /// Charges the end-of-day penalty once per original payment that still has a part
    /// waiting in Queue 1 or Queue 2.
    pub fn charge_end_of_day(&mut self, penalty: Cents, sink: &mut dyn EventSink) {
        let tick = self.clock.tick();
        for agent in &self.agents {
            let mut roots: Vec<TxId> = agent
                .queue1
                .iter()
                .copied()
                .chain(self.queue2.sender_queue(agent.id).map(|(_, e)| e.tx))
                .map(|id| self.txs[id.index()].root)
                .collect();
            roots.sort_unstable();
            roots.dedup();
            for tx in roots {
                sink.record(Event::EodPenalty {
                    tick,
                    agent: agent.id,
                    tx,
                    penalty,
                });
            }
        }
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
