//! Participants. An agent holds a central-bank balance and may run it below zero up
//! to its credit: an unsecured cap plus the haircut value of collateral it has posted.

use crate::ids::{AgentId, TxId};
use crate::money::{Cents, after_haircut};
use serde::{Deserialize, Serialize};

/// What a scenario says about an agent at the start of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentSetup {
    pub name: String,
    pub opening_balance: Cents,
    pub unsecured_cap: Cents,
    pub collateral_capacity: Cents,
    pub posted_collateral: Cents,
    /// Haircut applied to posted collateral, in basis points (0 to 10,000).
    pub collateral_haircut_bps: u32,
    /// A balance the agent aims to keep; policies may read it.
    pub liquidity_buffer: Cents,
    /// A fixed initial liquidity: the share of its collateral capacity posted at
    /// each day's opening. `None` lets its policy decide (by default, it keeps what
    /// is posted).
    pub initial_liquidity: Option<crate::LiquidityShare>,
}

impl AgentSetup {
    /// An agent with a balance and nothing else.
    pub fn new(name: impl Into<String>, opening_balance: Cents) -> Self {
        AgentSetup {
            name: name.into(),
            opening_balance,
            unsecured_cap: 0,
            collateral_capacity: 0,
            posted_collateral: 0,
            collateral_haircut_bps: 0,
            liquidity_buffer: 0,
            initial_liquidity: None,
        }
    }
}

/// A participant's live state. Only [`crate::SimState`] changes it, so the running
/// totals here always agree with the payments they summarise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agent {
    pub(crate) id: AgentId,
    pub(crate) name: String,
    pub(crate) opening_balance: Cents,
    pub(crate) balance: Cents,
    pub(crate) unsecured_cap: Cents,
    pub(crate) posted_collateral: Cents,
    pub(crate) collateral_capacity: Cents,
    pub(crate) collateral_haircut_bps: u32,
    pub(crate) liquidity_buffer: Cents,
    /// Queue 1: payments waiting for this agent's policy, oldest first.
    pub(crate) queue1: Vec<TxId>,
    pub(crate) queue1_value: i128,
    /// Payments of this agent waiting in Queue 2, and their value.
    pub(crate) queue2_count: usize,
    pub(crate) queue2_value: i128,
    /// Payments to this agent waiting in Queue 2, and their value.
    pub(crate) incoming_queue2_count: usize,
    pub(crate) incoming_queue2_value: i128,
    /// What the agent has owed and paid since the day started.
    pub(crate) day: DayFlows,
    /// With deferred crediting: what it received this tick, in its balance but not
    /// usable before the next tick. Always 0 otherwise.
    #[serde(default)]
    pub(crate) pending_credit: Cents,
    /// End-of-day borrowing: what the central bank lent at a close and the agent has
    /// not yet repaid. It extends the credit limit by as much, so the payments it
    /// settled never breach the limit. Always 0 without end-of-day borrowing.
    #[serde(default)]
    pub(crate) eod_loan: Cents,
    /// Credit the central bank extends when a scenario's shock (a fall in collateral
    /// value, a lower unsecured cap, a withdrawal or transfer) leaves the agent's
    /// credit in use above its limit: the position stands, no limit is breached,
    /// and the agent can pay nothing until receipts (or more collateral) bring it
    /// back within its own limit. It shrinks as that happens and never pays for
    /// anything new. Always 0 without such a shock.
    #[serde(default)]
    pub(crate) emergency_credit: Cents,
}

/// An agent's outgoing value over the current day, for throughput.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayFlows {
    /// Value waiting in its queues when the day started.
    pub due_at_start: i128,
    /// Value of client payments that arrived today.
    pub arrived: i128,
    /// Value it settled today (any part of any payment).
    pub settled: i128,
}

impl DayFlows {
    /// Value it had to pay today: what was waiting at the start plus what arrived.
    pub fn due(&self) -> i128 {
        self.due_at_start + self.arrived
    }
}

impl Agent {
    pub(crate) fn new(id: AgentId, setup: AgentSetup) -> Self {
        Agent {
            id,
            opening_balance: setup.opening_balance,
            balance: setup.opening_balance,
            unsecured_cap: setup.unsecured_cap,
            posted_collateral: setup.posted_collateral,
            collateral_capacity: setup.collateral_capacity,
            collateral_haircut_bps: setup.collateral_haircut_bps,
            liquidity_buffer: setup.liquidity_buffer,
            name: setup.name,
            queue1: Vec::new(),
            queue1_value: 0,
            queue2_count: 0,
            queue2_value: 0,
            incoming_queue2_count: 0,
            incoming_queue2_value: 0,
            day: DayFlows::default(),
            pending_credit: 0,
            eod_loan: 0,
            emergency_credit: 0,
        }
    }

    pub fn id(&self) -> AgentId {
        self.id
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn opening_balance(&self) -> Cents {
        self.opening_balance
    }

    pub fn balance(&self) -> Cents {
        self.balance
    }

    pub fn unsecured_cap(&self) -> Cents {
        self.unsecured_cap
    }

    pub fn posted_collateral(&self) -> Cents {
        self.posted_collateral
    }

    pub fn collateral_capacity(&self) -> Cents {
        self.collateral_capacity
    }

    pub fn collateral_haircut_bps(&self) -> u32 {
        self.collateral_haircut_bps
    }

    pub fn liquidity_buffer(&self) -> Cents {
        self.liquidity_buffer
    }

    /// Collateral that could still be posted.
    pub fn remaining_collateral_capacity(&self) -> Cents {
        (self.collateral_capacity - self.posted_collateral).max(0)
    }

    /// Credit secured by posted collateral, after the haircut.
    pub fn collateral_credit(&self) -> Cents {
        after_haircut(self.posted_collateral, self.collateral_haircut_bps)
    }

    /// The most the balance may go below zero: its own credit, an end-of-day loan
    /// not yet repaid, and emergency credit after a shock.
    pub fn credit_limit(&self) -> Cents {
        self.own_credit_limit() + self.eod_loan + self.emergency_credit
    }

    /// The credit the agent has of its own: the unsecured cap and its collateral.
    pub fn own_credit_limit(&self) -> Cents {
        self.unsecured_cap + self.collateral_credit()
    }

    /// An end-of-day loan not yet repaid.
    pub fn eod_loan(&self) -> Cents {
        self.eod_loan
    }

    /// Emergency credit after a shock (see the field): at most how far the agent's
    /// credit in use exceeds its own limit and its end-of-day loan.
    pub fn emergency_credit(&self) -> Cents {
        self.emergency_credit
    }

    /// How far credit in use exceeds the credit the agent may use to pay (its own
    /// limit and its end-of-day loan): what emergency credit must cover. Measured on
    /// the usable balance, so that under deferred crediting a receipt repays
    /// emergency credit when it becomes usable, and the agent never has less than
    /// nothing to pay with.
    pub(crate) fn credit_beyond_limit(&self) -> Cents {
        (self.usable_credit_used() - self.own_credit_limit() - self.eod_loan).max(0)
    }

    /// Credit in use: how far the balance is below zero.
    pub fn credit_used(&self) -> Cents {
        (-self.balance).max(0)
    }

    /// Credit in use as far as paying goes: how far the usable balance is below
    /// zero (the balance itself without deferred crediting).
    pub fn usable_credit_used(&self) -> Cents {
        (-self.usable_balance()).max(0)
    }

    /// Credit still free to pay with.
    pub fn credit_headroom(&self) -> Cents {
        self.credit_limit() - self.usable_credit_used()
    }

    /// What the agent can pay right now: its usable balance plus its credit limit.
    pub fn available_liquidity(&self) -> Cents {
        self.usable_balance() + self.credit_limit()
    }

    /// The balance less what arrived this tick under deferred crediting (usable from
    /// the next tick); the balance itself otherwise.
    pub fn usable_balance(&self) -> Cents {
        self.balance - self.pending_credit
    }

    /// What arrived this tick and is usable from the next (deferred crediting).
    pub fn pending_credit(&self) -> Cents {
        self.pending_credit
    }

    /// Whether a payment of `amount` can settle gross now.
    pub fn can_pay(&self, amount: Cents) -> bool {
        amount <= self.available_liquidity()
    }

    /// Queue 1, oldest first.
    pub fn queue1(&self) -> &[TxId] {
        &self.queue1
    }

    pub fn queue1_value(&self) -> i128 {
        self.queue1_value
    }

    pub fn queue2_count(&self) -> usize {
        self.queue2_count
    }

    pub fn queue2_value(&self) -> i128 {
        self.queue2_value
    }

    /// Its outgoing value over the current day.
    pub fn day_flows(&self) -> DayFlows {
        self.day
    }

    /// Payments to this agent waiting in Queue 2.
    pub fn incoming_queue2_count(&self) -> usize {
        self.incoming_queue2_count
    }

    /// Value of payments to this agent waiting in Queue 2.
    pub fn incoming_queue2_value(&self) -> i128 {
        self.incoming_queue2_value
    }
}
