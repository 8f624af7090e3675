//! A scenario's shocks to positions: transfers outside the queues, liquidity
//! injected or withdrawn, collateral revalued, an unsecured cap changed.
//!
//! A shock always applies in full. When it leaves an agent's credit in use above
//! the credit it may pay with (its own limit and any end-of-day loan), the central
//! bank covers the excess with emergency credit (see [`crate::Agent`]): no limit is
//! breached, money is conserved (or changes by exactly what was injected or
//! withdrawn), and the agent can pay nothing until receipts or more collateral bring
//! it back within its own limit; the emergency credit shrinks as that happens.
//!
//! Injections and withdrawals are the only changes to the money in the system; the
//! state counts them, so conservation is checked against the opening balances plus
//! what came in net. Each direction is bounded over a run by
//! [`MAX_EXTERNAL_FLOW_CENTS`], and so is the emergency credit transfers make
//! necessary (withdrawals' is bounded by the withdrawals), which keeps every balance
//! inside `i64`.

use super::SimState;
use crate::event::{Event, EventSink};
use crate::ids::AgentId;
use crate::limits::MAX_AGENTS;
use crate::money::{Cents, MAX_MONEY_CENTS, ValueFactor};

/// The most a run may inject, and the most it may withdraw, over all its shocks:
/// as much as every agent's largest opening balance. An injection or withdrawal
/// beyond it is cut to what is left (its event says how much moved).
pub const MAX_EXTERNAL_FLOW_CENTS: i128 = MAX_AGENTS as i128 * MAX_MONEY_CENTS as i128;

/// Money that came into or left the system by shocks, in cents, and the emergency
/// credit transfers made necessary (each bounded by [`MAX_EXTERNAL_FLOW_CENTS`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExternalFlows {
    pub injected: i128,
    pub withdrawn: i128,
    /// Emergency credit extended because a transfer took its sender beyond its
    /// limit: a transfer that would need more than is left is cut to what its sender
    /// can cover plus what is left.
    pub transferred_beyond_limits: i128,
}

impl ExternalFlows {
    /// What came in, net.
    pub fn net(&self) -> i128 {
        self.injected - self.withdrawn
    }
}

impl SimState {
    /// Disconnects an agent (an outage in which it does not receive) or connects it
    /// again: while it is disconnected, no payment to or from it settles.
    pub fn set_disconnected(&mut self, agent: AgentId, disconnected: bool) {
        if let Some(flag) = self.disconnected.get_mut(agent.index()) {
            if *flag && !disconnected {
                *flag = false;
                self.disconnected_count -= 1;
                // Its queued payments, and everyone's to it, may settle again: every
                // sender is retried (a reconnection is rare).
                for index in 0..self.agents.len() {
                    self.mark_liquidity_raised(AgentId(index as u32));
                }
            } else if !*flag && disconnected {
                *flag = true;
                self.disconnected_count += 1;
            }
        }
    }

    /// Whether an outage has disconnected the agent.
    pub fn is_disconnected(&self, agent: AgentId) -> bool {
        self.disconnected
            .get(agent.index())
            .copied()
            .unwrap_or(false)
    }

    /// Whether a payment between the two cannot settle because either is
    /// disconnected (a single test when no one is).
    #[inline]
    pub fn cut_off(&self, sender: AgentId, receiver: AgentId) -> bool {
        self.disconnected_count > 0
            && (self.is_disconnected(sender) || self.is_disconnected(receiver))
    }

    /// Money injected and withdrawn by shocks so far.
    pub fn external_flows(&self) -> ExternalFlows {
        self.external
    }

    /// Moves `amount` from `from` to `to` outside any queue (a central-bank
    /// operation, an ancillary system's settlement), whatever `from` holds.
    pub fn shock_transfer(
        &mut self,
        from: AgentId,
        to: AgentId,
        amount: Cents,
        sink: &mut dyn EventSink,
    ) {
        let budget = MAX_EXTERNAL_FLOW_CENTS - self.external.transferred_beyond_limits;
        let cover = i128::from(self.agents[from.index()].available_liquidity().max(0));
        // Within the money bound, and beyond the sender's cover by at most the budget
        // left: repeated transfers cannot take a balance past what a run may hold.
        let amount =
            Cents::try_from(i128::from(amount.clamp(0, MAX_MONEY_CENTS)).min(cover + budget))
                .unwrap_or(0);
        if from == to || amount == 0 {
            return;
        }
        self.agents[from.index()].balance -= amount;
        self.agents[to.index()].balance += amount;
        self.receive_outside_queues(to);
        let emergency_credit = self.cover_beyond_limit(from);
        self.external.transferred_beyond_limits += i128::from(emergency_credit);
        sink.record(Event::LiquidityTransfer {
            tick: self.clock.tick(),
            sender: from,
            receiver: to,
            amount,
            emergency_credit,
        });
    }

    /// Adds `amount` to an agent's balance, usable at once.
    pub fn inject(&mut self, agent: AgentId, amount: Cents, sink: &mut dyn EventSink) {
        let left = MAX_EXTERNAL_FLOW_CENTS - self.external.injected;
        let amount =
            Cents::try_from(i128::from(amount.clamp(0, MAX_MONEY_CENTS)).min(left)).unwrap_or(0);
        self.external.injected += i128::from(amount);
        self.agents[agent.index()].balance += amount;
        self.receive_outside_queues(agent);
        sink.record(Event::LiquidityInjected {
            tick: self.clock.tick(),
            agent,
            amount,
        });
    }

    /// Takes `amount` out of an agent's balance, whatever it holds.
    pub fn withdraw(&mut self, agent: AgentId, amount: Cents, sink: &mut dyn EventSink) {
        let left = MAX_EXTERNAL_FLOW_CENTS - self.external.withdrawn;
        let amount =
            Cents::try_from(i128::from(amount.clamp(0, MAX_MONEY_CENTS)).min(left)).unwrap_or(0);
        self.external.withdrawn += i128::from(amount);
        self.agents[agent.index()].balance -= amount;
        let emergency_credit = self.cover_beyond_limit(agent);
        sink.record(Event::LiquidityWithdrawn {
            tick: self.clock.tick(),
            agent,
            amount,
            emergency_credit,
        });
    }

    /// Values an agent's collateral, posted and not, at `factor` times what it was
    /// (rounded down to a cent); the credit it backs changes with it.
    pub fn revalue_collateral(
        &mut self,
        agent: AgentId,
        factor: ValueFactor,
        sink: &mut dyn EventSink,
    ) {
        let a = &mut self.agents[agent.index()];
        // Capacity and posting scale alike, and both round down, so the posting
        // stays within the capacity.
        a.posted_collateral = factor.of(a.posted_collateral);
        a.collateral_capacity = factor.of(a.collateral_capacity);
        let (posted, capacity) = (a.posted_collateral, a.collateral_capacity);
        let emergency_credit = self.after_limit_change(agent);
        sink.record(Event::CollateralRevalued {
            tick: self.clock.tick(),
            agent,
            factor_ppm: factor.ppm(),
            posted,
            capacity,
            emergency_credit,
        });
    }

    /// Sets an agent's unsecured cap (clamped to 0 ..= the money bound).
    pub fn set_unsecured_cap(
        &mut self,
        agent: AgentId,
        unsecured_cap: Cents,
        sink: &mut dyn EventSink,
    ) {
        let unsecured_cap = unsecured_cap.clamp(0, MAX_MONEY_CENTS);
        self.agents[agent.index()].unsecured_cap = unsecured_cap;
        let emergency_credit = self.after_limit_change(agent);
        sink.record(Event::CreditLimitChanged {
            tick: self.clock.tick(),
            agent,
            unsecured_cap,
            emergency_credit,
        });
    }

    /// After an agent's own limit changed: a rise may let queued payments settle
    /// and repays emergency credit; a fall is covered by emergency credit. Returns
    /// the emergency credit newly extended.
    fn after_limit_change(&mut self, agent: AgentId) -> Cents {
        self.trim_emergency_credit(agent);
        self.mark_liquidity_raised(agent);
        self.cover_beyond_limit(agent)
    }

    /// An agent received money outside the queues: its emergency credit shrinks
    /// and its queued payments are retried.
    fn receive_outside_queues(&mut self, agent: AgentId) {
        self.trim_emergency_credit(agent);
        self.mark_liquidity_raised(agent);
    }

    /// Extends emergency credit by whatever credit in use now exceeds the agent's
    /// limit, and returns that amount (0 when within it).
    fn cover_beyond_limit(&mut self, agent: AgentId) -> Cents {
        let a = &mut self.agents[agent.index()];
        let uncovered = (a.credit_beyond_limit() - a.emergency_credit).max(0);
        a.emergency_credit += uncovered;
        uncovered
    }

    /// Shrinks an agent's emergency credit to what its credit in use still needs
    /// beyond its own limit: receipts and new collateral repay it first.
    pub(super) fn trim_emergency_credit(&mut self, agent: AgentId) {
        let a = &mut self.agents[agent.index()];
        if a.emergency_credit > 0 {
            a.emergency_credit = a.emergency_credit.min(a.credit_beyond_limit());
        }
    }
}
