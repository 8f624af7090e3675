//! What a policy sees: a read-only view of one agent, its Queue 1, the system and the
//! clock. Policies never hold the engine's state; they get this view for one call.

use crate::agent::Agent;
use crate::costs::CostRates;
use crate::event::PolicyCall;
use crate::fields::{EOD_RUSH_FRACTION, Field, FieldValue, NO_DEADLINE_TICKS};
use crate::ids::{AgentId, Tick, TxId};
use crate::money::{Cents, Rate};
use crate::state::{Clock, SimState};
use crate::transaction::{Transaction, TxStatus};

/// One agent's view of the simulation, for one policy call.
#[derive(Debug, Clone, Copy)]
pub struct PolicyView<'a> {
    state: &'a SimState,
    agent: &'a Agent,
    rates: &'a CostRates,
    call: PolicyCall,
}

impl<'a> PolicyView<'a> {
    pub fn new(
        state: &'a SimState,
        agent: AgentId,
        rates: &'a CostRates,
        call: PolicyCall,
    ) -> Self {
        PolicyView {
            state,
            agent: state.agent(agent),
            rates,
            call,
        }
    }

    /// The agent the policy decides for.
    pub fn agent(&self) -> &'a Agent {
        self.agent
    }

    /// The entry point being called.
    pub fn call(&self) -> PolicyCall {
        self.call
    }

    /// The agent's Queue 1, oldest first.
    pub fn queue1(&self) -> impl ExactSizeIterator<Item = &'a Transaction> + 'a {
        let txs = self.state.transactions();
        self.agent.queue1().iter().map(move |id| &txs[id.index()])
    }

    /// The agent's payments waiting in Queue 2, in queue order.
    pub fn queue2(&self) -> impl Iterator<Item = &'a Transaction> + 'a {
        let txs = self.state.transactions();
        self.state
            .queue2()
            .sender_queue(self.agent.id())
            .map(move |(_, entry)| &txs[entry.tx.index()])
    }

    /// A payment the agent sends (in any queue, or settled); `None` for anyone else's.
    pub fn transaction(&self, id: TxId) -> Option<&'a Transaction> {
        self.state
            .get_transaction(id)
            .filter(|tx| tx.sender == self.agent.id())
    }

    /// The name of any agent, for policies that reason about counterparties.
    pub fn agent_name(&self, id: AgentId) -> Option<&'a str> {
        self.state.get_agent(id).map(Agent::name)
    }

    pub fn clock(&self) -> &'a Clock {
        self.state.clock()
    }

    pub fn tick(&self) -> Tick {
        self.state.tick()
    }

    pub fn cost_rates(&self) -> &'a CostRates {
        self.rates
    }

    /// Reads a catalog field. Payment fields need `tx`; without one they read `None`.
    pub fn field(&self, field: Field, tx: Option<&Transaction>) -> FieldValue {
        use FieldValue::{Bool, Float, Int};
        let a = self.agent;
        let clock = self.state.clock();
        let tick = clock.tick();
        let queue = self.state.queue2();
        let count = |v: usize| Int(count_field(v));
        if let Some(value) = tx.map(|tx| self.transaction_field(field, tx))
            && value != FieldValue::None
        {
            return value;
        }
        match field {
            Field::Balance => Int(a.usable_balance()),
            Field::CreditLimit => Int(a.credit_limit()),
            Field::EodLoan => Int(a.eod_loan()),
            Field::EmergencyCredit => Int(a.emergency_credit()),
            Field::UnsecuredCap => Int(a.unsecured_cap()),
            Field::CreditUsed => Int(a.usable_credit_used()),
            Field::CreditHeadroom => Int(a.credit_headroom()),
            Field::AvailableLiquidity => Int(a.available_liquidity()),
            Field::Headroom => sum_field(i128::from(a.available_liquidity()) - a.queue1_value()),
            Field::LiquidityBuffer => Int(a.liquidity_buffer()),
            Field::LiquidityPressure => {
                let queued = a.queue1_value() as f64;
                let available = a.available_liquidity().max(0) as f64;
                Float(ratio(queued, queued + available))
            }
            Field::OutgoingQueueSize => count(a.queue1().len()),
            Field::OutgoingQueueValue => sum_field(a.queue1_value()),
            // Queue 1 as it stands when the policy is called: at the end of the tick,
            // what this tick's releases and settlement left in it.
            Field::Queue1TotalValue => sum_field(a.queue1_value()),
            Field::Queue1LiquidityGap => {
                sum_field((a.queue1_value() - i128::from(a.available_liquidity())).max(0))
            }
            Field::IncomingExpectedCount => count(a.incoming_queue2_count()),
            Field::ExpectedInflowsTotal => sum_field(a.incoming_queue2_value()),
            Field::ExpectedInflows5 => {
                sum_field(queue.incoming_due_by(a.id(), tick.saturating_add(5)))
            }
            Field::ExpectedInflows10 => {
                sum_field(queue.incoming_due_by(a.id(), tick.saturating_add(10)))
            }
            Field::MyThroughputFractionToday => Float(throughput(a.day_flows())),
            Field::ThroughputGap => Float(throughput(a.day_flows()) - day_progress(clock)),
            Field::PostedCollateral => Int(a.posted_collateral()),
            Field::MaxCollateralCapacity => Int(a.collateral_capacity()),
            Field::RemainingCollateralCapacity => Int(a.remaining_collateral_capacity()),
            Field::CollateralUtilization => Float(ratio(
                a.posted_collateral() as f64,
                a.collateral_capacity() as f64,
            )),
            Field::CollateralHaircut => Float(f64::from(a.collateral_haircut_bps()) / 10_000.0),
            Field::OverdraftUtilization => {
                Float(ratio(a.usable_credit_used() as f64, a.credit_limit() as f64).min(1.0))
            }
            Field::RequiredCollateralForUsage => Int(required_collateral(a)),
            Field::ExcessCollateral => Int((a.posted_collateral() - required_collateral(a)).max(0)),
            Field::RtgsQueueSize => count(self.state.queue2().len()),
            Field::RtgsQueueValue => sum_field(self.state.queue2().value()),
            Field::Queue2CountForAgent => count(a.queue2_count()),
            Field::Queue2ValueForAgent => sum_field(a.queue2_value()),
            Field::Queue2NearestDeadline => Int(queue
                .nearest_deadline(a.id())
                .map_or(i64::from(tick) + NO_DEADLINE_TICKS, i64::from)),
            Field::TicksToNearestQueue2Deadline => Int(queue
                .nearest_deadline(a.id())
                .map_or(NO_DEADLINE_TICKS, |d| i64::from(d) - i64::from(tick))),
            Field::TotalAgents => count(self.state.agents().len()),
            Field::TotalQueueSize => count(self.state.queue1_count()),
            Field::TotalQueueValue => sum_field(self.state.queue1_value()),
            Field::SystemThroughput => Float(throughput(self.state.day_flows())),
            Field::QueuePressure => {
                let q2 = self.state.queue2().value() as f64;
                Float(ratio(q2, q2 + self.state.queue1_value() as f64))
            }
            Field::CostOverdraftBpsPerTick => Float(self.rates.overdraft.as_bps()),
            Field::CostDelayPerTickPerCent => Float(self.rates.delay.as_fraction()),
            Field::CostCollateralBpsPerTick => Float(self.rates.collateral.as_bps()),
            Field::CostSplitFriction => Int(self.rates.split_friction),
            Field::CostDeadlinePenalty => Int(self.rates.deadline_penalty),
            Field::CostEodPenalty => Int(self.rates.eod_penalty),
            Field::CostLiquidityBpsPerDay => Float(self.rates.liquidity_per_day.as_bps()),
            Field::CostEodBorrowingBps => {
                Float(self.rates.eod_borrowing.map_or(-1.0, Rate::as_bps))
            }
            Field::CurrentTick => Int(i64::from(tick)),
            Field::TicksPerDay => Int(i64::from(clock.ticks_per_day())),
            Field::CurrentDay => Int(i64::from(clock.day())),
            Field::TickInDay => Int(i64::from(clock.tick_in_day())),
            Field::TicksRemainingInDay => Int(i64::from(clock.ticks_remaining_in_day())),
            Field::TicksToEod => Int(i64::from(clock.ticks_remaining_in_day()) + 1),
            Field::DayProgressFraction => Float(day_progress(clock)),
            Field::ExpectedThroughputFractionByNow => Float(day_progress(clock)),
            Field::IsEodRush => Bool(day_progress(clock) >= EOD_RUSH_FRACTION),
            // Payment fields without a payment.
            _ => FieldValue::None,
        }
    }

    fn transaction_field(&self, field: Field, tx: &Transaction) -> FieldValue {
        use FieldValue::{Bool, Float, Int};
        let tick = self.state.tick();
        let past = tx.is_past_deadline(tick);
        let unsettled = tx.is_pending();
        let queue = self.state.queue2();
        match field {
            Field::TxId => Int(i64::from(tx.id.0)),
            Field::Amount => Int(tx.amount),
            Field::RemainingAmount => Int(tx.remaining_amount()),
            Field::SettledAmount => Int(tx.settled_amount),
            Field::ArrivalTick => Int(i64::from(tx.arrival_tick)),
            Field::DeadlineTick => Int(i64::from(tx.deadline_tick)),
            Field::Priority => Int(i64::from(tx.priority)),
            Field::IsDivisible => Bool(tx.divisible),
            Field::IsSplit => Bool(tx.is_split_part()),
            Field::IsPastDeadline => Bool(past),
            Field::IsOverdue => Bool(past && unsettled),
            Field::IsInQueue2 => Bool(tx.status == TxStatus::Queued2),
            Field::OverdueDuration => Int(if past && unsettled {
                -tx.ticks_to_deadline(tick)
            } else {
                0
            }),
            Field::TicksToDeadline => Int(tx.ticks_to_deadline(tick)),
            Field::QueueAge => Int(tx.queue_age(tick)),
            Field::CostDelayThisTxOneTick => {
                Float(tx.remaining_amount() as f64 * self.rates.delay.as_fraction())
            }
            Field::CostOverdraftThisAmountOneTick => {
                Float(tx.amount as f64 * self.rates.overdraft.as_fraction())
            }
            Field::Queue2ValueToCounterparty => sum_field(queue.pair_value(tx.sender, tx.receiver)),
            Field::Queue2ValueFromCounterparty => {
                sum_field(queue.pair_value(tx.receiver, tx.sender))
            }
            Field::MyBilateralNetQ2 => sum_field(
                queue.pair_value(tx.sender, tx.receiver) - queue.pair_value(tx.receiver, tx.sender),
            ),
            _ => FieldValue::None,
        }
    }
}

/// A sum of amounts as a field value, saturated at `i64::MIN` or `i64::MAX`.
///
/// A real saturation: queue values add up many payments (an agent with about 92,000
/// payments of the largest amount a scenario allows queues more than `i64::MAX`
/// cents), and policies read integer fields as `i64`. The sign is kept, so a hugely
/// negative headroom never reads as a huge positive one.
fn sum_field(value: i128) -> FieldValue {
    let saturated = if value < 0 { i64::MIN } else { i64::MAX };
    FieldValue::Int(i64::try_from(value).unwrap_or(saturated))
}

/// A count as a field value. Cannot fail: counts are of agents or payments, at most
/// [`MAX_TRANSACTIONS`](crate::limits::MAX_TRANSACTIONS) (below `u32::MAX`), far
/// inside `i64`.
fn count_field(count: usize) -> i64 {
    let value = i64::try_from(count);
    debug_assert!(value.is_ok(), "a count above MAX_TRANSACTIONS");
    value.unwrap_or(i64::MAX)
}

/// Settled over due; 1 when nothing was due (nothing is behind).
fn throughput(flows: crate::agent::DayFlows) -> f64 {
    let due = flows.due();
    if due <= 0 {
        1.0
    } else {
        flows.settled as f64 / due as f64
    }
}

/// `num / den`, or 0 when `den` is not positive.
fn ratio(num: f64, den: f64) -> f64 {
    if den > 0.0 { num / den } else { 0.0 }
}

fn day_progress(clock: &Clock) -> f64 {
    f64::from(clock.tick_in_day()) / f64::from(clock.ticks_per_day())
}

/// Collateral needed so that unsecured cap plus collateral credit covers the credit
/// in use, grossed up for the haircut.
///
/// Never more than the collateral posted: the state keeps every balance at or above
/// minus the credit limit, so the credit in use beyond the unsecured cap is at most
/// the posted collateral's haircut value, and grossing that up gives back at most the
/// posting. So neither fallback below is reached.
fn required_collateral(agent: &Agent) -> Cents {
    // An end-of-day loan and emergency credit cover their own share of the credit
    // in use.
    let beyond_cap = i128::from(
        (agent.usable_credit_used()
            - agent.unsecured_cap()
            - agent.eod_loan()
            - agent.emergency_credit())
        .max(0),
    );
    if beyond_cap == 0 {
        return 0;
    }
    let keep = 10_000 - i128::from(agent.collateral_haircut_bps().min(10_000));
    // With a 100% haircut, collateral gives no credit, so none is in use beyond the cap.
    debug_assert!(keep > 0, "credit in use beyond the cap of a 100% haircut");
    if keep == 0 {
        return Cents::MAX;
    }
    // Ceiling division: the smallest posting whose haircut value covers the need.
    let needed = (beyond_cap * 10_000 + keep - 1) / keep;
    debug_assert!(needed <= i128::from(agent.posted_collateral()));
    Cents::try_from(needed).unwrap_or(Cents::MAX)
}
