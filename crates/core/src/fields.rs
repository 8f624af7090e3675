//! The field catalog: every value a policy can read, with its type, unit and meaning.
//!
//! This table is the single source for the JSON decision-tree DSL, the Starlark API,
//! the static analyzer and the reference docs; [`crate::PolicyView::field`] computes
//! each one. A field is looked up by name (or alias) once, when a policy is loaded,
//! and read by its [`Field`] value afterwards, so evaluation does no string work.

use serde::Serialize;

/// What a field describes, and so what a policy needs to read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldScope {
    /// The payment being evaluated (payment decisions only).
    Transaction,
    /// The agent the policy decides for.
    Agent,
    /// The agent's collateral and credit.
    Collateral,
    /// The agent's own position in the central RTGS queue (Queue 2).
    CentralQueue,
    /// The whole system.
    System,
    /// The prices of the cost model.
    Cost,
    /// The clock.
    Time,
}

/// The type a field's value has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Int,
    Float,
    Bool,
}

/// The unit of a field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldUnit {
    Cents,
    Ticks,
    Tick,
    Count,
    /// A fraction, usually between 0 and 1.
    Fraction,
    BasisPoints,
    /// True or false (1.0 or 0.0 where a number is needed).
    Flag,
    /// A priority level, 0 (lowest) to 10 (highest).
    Priority,
    /// An identifier number.
    Id,
}

impl FieldType {
    /// The name the reference docs use.
    pub fn label(self) -> &'static str {
        match self {
            FieldType::Int => "int",
            FieldType::Float => "float",
            FieldType::Bool => "bool",
        }
    }
}

impl FieldUnit {
    /// The name the reference docs use.
    pub fn label(self) -> &'static str {
        match self {
            FieldUnit::Cents => "cents",
            FieldUnit::Ticks => "ticks",
            FieldUnit::Tick => "tick",
            FieldUnit::Count => "count",
            FieldUnit::Fraction => "fraction",
            FieldUnit::BasisPoints => "bps",
            FieldUnit::Flag => "flag",
            FieldUnit::Priority => "priority",
            FieldUnit::Id => "id",
        }
    }
}

impl FieldScope {
    /// What the field reads, as the reference docs say it.
    pub fn label(self) -> &'static str {
        match self {
            FieldScope::Transaction => "the payment",
            FieldScope::Agent => "the agent",
            FieldScope::Collateral => "collateral",
            FieldScope::CentralQueue => "central queue",
            FieldScope::System => "system",
            FieldScope::Cost => "cost rates",
            FieldScope::Time => "time",
        }
    }
}

/// One catalog entry.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FieldSpec {
    #[serde(skip)]
    pub field: Field,
    pub name: &'static str,
    /// Other names that read the same value (older policy libraries use them).
    pub aliases: &'static [&'static str],
    pub scope: FieldScope,
    #[serde(rename = "type")]
    pub ty: FieldType,
    pub unit: FieldUnit,
    pub meaning: &'static str,
}

macro_rules! catalog {
    ($( $variant:ident => $name:literal [$($alias:literal),*] $scope:ident $ty:ident $unit:ident $meaning:literal ;)*) => {
        /// A field a policy can read. See [`CATALOG`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Field { $($variant,)* }

        /// Every field, in documentation order.
        pub const CATALOG: &[FieldSpec] = &[
            $(FieldSpec {
                field: Field::$variant,
                name: $name,
                aliases: &[$($alias),*],
                scope: FieldScope::$scope,
                ty: FieldType::$ty,
                unit: FieldUnit::$unit,
                meaning: $meaning,
            },)*
        ];
    };
}

catalog! {
    // ----- the payment being evaluated -----
    TxId => "tx_id" [] Transaction Int Id "The payment's id.";
    Amount => "amount" [] Transaction Int Cents "The payment's amount (a part's own amount for a split part).";
    RemainingAmount => "remaining_amount" [] Transaction Int Cents "What is left to settle of the payment.";
    SettledAmount => "settled_amount" [] Transaction Int Cents "What has settled of the payment.";
    ArrivalTick => "arrival_tick" [] Transaction Int Tick "When the client order arrived.";
    DeadlineTick => "deadline_tick" [] Transaction Int Tick "The last tick at which settlement is on time.";
    Priority => "priority" [] Transaction Int Priority "Priority, 0 (lowest) to 10 (highest).";
    IsDivisible => "is_divisible" [] Transaction Bool Flag "Whether the payment may be split.";
    IsSplit => "is_split" [] Transaction Bool Flag "Whether the payment is a part of a split payment.";
    IsPastDeadline => "is_past_deadline" [] Transaction Bool Flag "Whether the deadline tick has passed.";
    IsOverdue => "is_overdue" [] Transaction Bool Flag "Whether the payment is unsettled and past its deadline.";
    IsInQueue2 => "is_in_queue2" [] Transaction Bool Flag "Whether the payment waits in the central queue.";
    OverdueDuration => "overdue_duration" [] Transaction Int Ticks "Ticks since the deadline passed; 0 if not overdue.";
    TicksToDeadline => "ticks_to_deadline" [] Transaction Int Ticks "Deadline minus the current tick: 0 on the deadline tick, negative after.";
    QueueAge => "queue_age" [] Transaction Int Ticks "Ticks since the client order arrived.";
    CostDelayThisTxOneTick => "cost_delay_this_tx_one_tick" [] Transaction Float Cents "Delay cost of keeping this payment unsettled one more tick.";
    CostOverdraftThisAmountOneTick => "cost_overdraft_this_amount_one_tick" [] Transaction Float Cents "Overdraft cost for one tick of this payment's amount of overdraft.";
    Queue2ValueToCounterparty => "queue2_value_to_counterparty" [] Transaction Int Cents "Value the agent has waiting in the central queue to this payment's receiver.";
    Queue2ValueFromCounterparty => "queue2_value_from_counterparty" [] Transaction Int Cents "Value this payment's receiver has waiting in the central queue to the agent.";
    MyBilateralNetQ2 => "my_bilateral_net_q2" [] Transaction Int Cents "What the agent owes this payment's receiver in the central queue minus what it is owed: its net position with that counterparty there.";

    // ----- the agent -----
    Balance => "balance" [] Agent Int Cents "Central-bank balance; negative when using credit.";
    CreditLimit => "credit_limit" ["allowed_overdraft_limit"] Agent Int Cents "How far the balance may go below zero: unsecured cap plus collateral credit (plus an end-of-day loan not yet repaid, and emergency credit after a shock).";
    EodLoan => "eod_loan" [] Agent Int Cents "An end-of-day loan not yet repaid: credit beyond the agent's own limit; 0 without end-of-day borrowing.";
    EmergencyCredit => "emergency_credit" [] Agent Int Cents "Credit the central bank extended after a scenario's shock left credit in use above the agent's limit: while above 0 the agent has nothing to pay with; receipts and new collateral repay it first. 0 without shocks.";
    UnsecuredCap => "unsecured_cap" [] Agent Int Cents "Intraday credit granted without collateral.";
    CreditUsed => "credit_used" [] Agent Int Cents "Credit in use: how far the balance is below zero.";
    CreditHeadroom => "credit_headroom" ["credit", "overdraft_headroom"] Agent Int Cents "Credit still free: credit limit minus credit used.";
    AvailableLiquidity => "available_liquidity" ["effective_liquidity"] Agent Int Cents "What the agent can pay now: balance plus credit limit.";
    Headroom => "headroom" [] Agent Int Cents "Available liquidity left after paying everything in Queue 1 (may be negative).";
    LiquidityBuffer => "liquidity_buffer" [] Agent Int Cents "The balance the agent aims to keep (from the scenario).";
    LiquidityPressure => "liquidity_pressure" [] Agent Float Fraction "Queue 1 value over Queue 1 value plus available liquidity: 0 when nothing waits, near 1 when liquidity is short.";
    OutgoingQueueSize => "outgoing_queue_size" ["queue_size"] Agent Int Count "Payments in the agent's Queue 1.";
    OutgoingQueueValue => "outgoing_queue_value" ["queue_total_value"] Agent Int Cents "Value of the agent's Queue 1.";
    Queue1TotalValue => "queue1_total_value" [] Agent Int Cents "Value of the agent's Queue 1 when the policy is called: before this tick's payment decisions in the strategic collateral call, what is still held after them and after settlement at the end of the tick.";
    Queue1LiquidityGap => "queue1_liquidity_gap" [] Agent Int Cents "How much liquidity is missing to pay all of Queue 1 now (0 if none): queue1_total_value less available_liquidity, both as they stand when the policy is called (at the end of the tick, after settlement).";
    IncomingExpectedCount => "incoming_expected_count" [] Agent Int Count "Payments to this agent waiting in the central queue.";
    ExpectedInflowsTotal => "expected_inflows_total" [] Agent Int Cents "Value of payments to this agent waiting in the central queue.";
    ExpectedInflows5 => "expected_inflows_5" [] Agent Int Cents "Value of payments to this agent waiting in the central queue with a deadline within 5 ticks.";
    ExpectedInflows10 => "expected_inflows_10" [] Agent Int Cents "Value of payments to this agent waiting in the central queue with a deadline within 10 ticks.";
    MyThroughputFractionToday => "my_throughput_fraction_today" [] Agent Float Fraction "Share of the value the agent had to pay today (waiting at the start of the day plus arrived since) that it has settled; 1 when nothing was due.";
    ThroughputGap => "throughput_gap" [] Agent Float Fraction "my_throughput_fraction_today minus expected_throughput_fraction_by_now: negative when behind.";

    // ----- collateral -----
    PostedCollateral => "posted_collateral" [] Collateral Int Cents "Collateral posted.";
    MaxCollateralCapacity => "max_collateral_capacity" ["collateral_capacity"] Collateral Int Cents "The most collateral the agent can post.";
    RemainingCollateralCapacity => "remaining_collateral_capacity" ["remaining_capacity"] Collateral Int Cents "Collateral that could still be posted.";
    CollateralUtilization => "collateral_utilization" [] Collateral Float Fraction "Posted collateral over capacity (0 when there is no capacity).";
    CollateralHaircut => "collateral_haircut" [] Collateral Float Fraction "Share of posted collateral's value not counted as credit.";
    OverdraftUtilization => "overdraft_utilization" [] Collateral Float Fraction "Credit used over credit limit (0 when nothing is used).";
    RequiredCollateralForUsage => "required_collateral_for_usage" [] Collateral Int Cents "Collateral needed to back the credit in use beyond the unsecured cap.";
    ExcessCollateral => "excess_collateral" [] Collateral Int Cents "Posted collateral not needed for the credit in use.";

    // ----- the central queue -----
    RtgsQueueSize => "rtgs_queue_size" [] System Int Count "Payments waiting in the central queue, all agents.";
    RtgsQueueValue => "rtgs_queue_value" [] System Int Cents "Value waiting in the central queue, all agents.";
    Queue2CountForAgent => "queue2_count_for_agent" [] CentralQueue Int Count "The agent's own payments waiting in the central queue.";
    Queue2ValueForAgent => "queue2_value_for_agent" [] CentralQueue Int Cents "Value of the agent's own payments in the central queue.";
    Queue2NearestDeadline => "queue2_nearest_deadline" [] CentralQueue Int Tick "The earliest deadline among the agent's payments in the central queue; the current tick plus 10^9 when it has none.";
    TicksToNearestQueue2Deadline => "ticks_to_nearest_queue2_deadline" [] CentralQueue Int Ticks "Ticks to that deadline (negative once past); 10^9 when the agent has nothing in the central queue.";

    // ----- the system -----
    TotalAgents => "total_agents" [] System Int Count "Agents in the simulation.";
    TotalQueueSize => "total_queue_size" [] System Int Count "Payments in all agents' Queue 1.";
    TotalQueueValue => "total_queue_value" [] System Int Cents "Value in all agents' Queue 1.";
    QueuePressure => "queue_pressure" [] System Float Fraction "Share of all unsettled released-or-held value that is stuck in the central queue.";
    SystemThroughput => "system_throughput" [] System Float Fraction "Share of the value all agents had to pay today (waiting at the start of the day plus arrived since) that has settled; 1 when nothing was due.";

    // ----- cost rates -----
    CostOverdraftBpsPerTick => "cost_overdraft_bps_per_tick" [] Cost Float BasisPoints "Overdraft cost per tick, basis points of the negative balance.";
    CostDelayPerTickPerCent => "cost_delay_per_tick_per_cent" [] Cost Float Cents "Delay cost per tick per cent of unsettled payments.";
    CostCollateralBpsPerTick => "cost_collateral_bps_per_tick" [] Cost Float BasisPoints "Collateral cost per tick, basis points of posted collateral.";
    CostSplitFriction => "cost_split_friction" [] Cost Int Cents "Fee per extra part when a payment is split.";
    CostDeadlinePenalty => "cost_deadline_penalty" [] Cost Int Cents "Penalty once per payment that misses its deadline or is dropped.";
    CostEodPenalty => "cost_eod_penalty" [] Cost Int Cents "Penalty per payment unsettled at the end of a day.";
    CostLiquidityBpsPerDay => "cost_liquidity_bps_per_day" [] Cost Float BasisPoints "Liquidity cost once a day, basis points of the day's peak posted collateral.";
    CostEodBorrowingBps => "cost_eod_borrowing_bps" [] Cost Float BasisPoints "End-of-day borrowing cost, basis points of what is lent at the close to settle what still waits; -1 when the scenario has no end-of-day borrowing (what waits stays queued).";

    // ----- time -----
    CurrentTick => "current_tick" ["tick_current"] Time Int Tick "The current tick, counted from the start of the run.";
    TicksPerDay => "system_ticks_per_day" ["ticks_per_day"] Time Int Ticks "Ticks in a day.";
    CurrentDay => "system_current_day" ["current_day"] Time Int Count "The current day, from 0.";
    TickInDay => "system_tick_in_day" ["tick_in_day"] Time Int Tick "The current tick within its day, from 0.";
    TicksRemainingInDay => "ticks_remaining_in_day" [] Time Int Ticks "Ticks left in the day after this one.";
    TicksToEod => "ticks_to_eod" [] Time Int Ticks "Ticks until the end of the day, counting this one.";
    DayProgressFraction => "day_progress_fraction" [] Time Float Fraction "Share of the day gone: tick in day over ticks per day.";
    ExpectedThroughputFractionByNow => "expected_throughput_fraction_by_now" [] Time Float Fraction "The share of the day's payments a bank paying evenly through the day would have settled by now: the day's progress.";
    IsEodRush => "is_eod_rush" [] Time Bool Flag "Whether the day is in its last fifth.";
}

/// What `queue2_nearest_deadline` counts as "no deadline": this many ticks away.
pub const NO_DEADLINE_TICKS: i64 = 1_000_000_000;

/// The share of the day after which [`Field::IsEodRush`] is true.
pub const EOD_RUSH_FRACTION: f64 = 0.8;

impl Field {
    pub fn spec(self) -> &'static FieldSpec {
        // The catalog lists the variants in declaration order.
        &CATALOG[self as usize]
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// Looks a field up by its name or an alias.
    pub fn lookup(name: &str) -> Option<Field> {
        CATALOG
            .iter()
            .find(|spec| spec.name == name || spec.aliases.contains(&name))
            .map(|spec| spec.field)
    }
}

/// A field's value as read by a policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldValue {
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Not available here (a payment field with no payment).
    None,
}

impl FieldValue {
    /// The value as a number: booleans read as 1.0 and 0.0; `None` as `None`.
    pub fn as_f64(self) -> Option<f64> {
        match self {
            FieldValue::Int(v) => Some(v as f64),
            FieldValue::Float(v) => Some(v),
            FieldValue::Bool(v) => Some(if v { 1.0 } else { 0.0 }),
            FieldValue::None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn catalog_is_in_variant_order() {
        for (index, spec) in CATALOG.iter().enumerate() {
            assert_eq!(spec.field as usize, index, "{} is out of place", spec.name);
        }
    }

    #[test]
    fn names_and_aliases_are_unique() {
        let mut seen = BTreeSet::new();
        for spec in CATALOG {
            for name in std::iter::once(&spec.name).chain(spec.aliases) {
                assert!(seen.insert(*name), "{name} is listed twice");
            }
        }
    }

    #[test]
    fn lookup_finds_names_and_aliases() {
        assert_eq!(Field::lookup("balance"), Some(Field::Balance));
        assert_eq!(Field::lookup("tick_current"), Some(Field::CurrentTick));
        assert_eq!(
            Field::lookup("effective_liquidity"),
            Some(Field::AvailableLiquidity)
        );
        assert_eq!(Field::lookup("balanse"), None);
    }

    #[test]
    fn flags_are_bools() {
        for spec in CATALOG {
            assert_eq!(
                spec.ty == FieldType::Bool,
                spec.unit == FieldUnit::Flag,
                "{}",
                spec.name
            );
        }
    }
}
