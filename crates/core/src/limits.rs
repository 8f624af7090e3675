//! Explicit bounds on everything a scenario or a policy can make the engine do.
//! Each one keeps money inside `i64`, ids inside `u32` and work per tick finite.

use crate::ids::Tick;

/// Agents in one scenario. With [`crate::money::MAX_MONEY_CENTS`] per balance, limit
/// and capacity, the sum of all balances plus all credit stays below `i64::MAX`.
pub const MAX_AGENTS: usize = 10_000;

/// Ticks in one day.
pub const MAX_TICKS_PER_DAY: Tick = 1_000_000;

/// Ticks in one run (days times ticks per day).
pub const MAX_TOTAL_TICKS: u64 = 100_000_000;

/// Expected payment arrivals per agent per tick.
pub const MAX_RATE_PER_TICK: f64 = 10_000.0;

/// Transactions (payments and split parts) in one run: ids are `u32`.
pub const MAX_TRANSACTIONS: usize = u32::MAX as usize - 1;

/// Payments a scenario may be expected to generate over a run (rates times ticks).
/// Every payment stays in memory for the run (about 150 bytes with its metrics), so
/// this keeps a run within about 5 GB.
pub const MAX_EXPECTED_PAYMENTS: f64 = 30_000_000.0;

/// Agents times ticks in one run. Each agent costs about 0.1 µs per tick even when
/// idle, so this bounds a run's fixed cost to a few minutes.
pub const MAX_AGENT_TICKS: u64 = 2_000_000_000;

/// Parts one payment may be split into by one decision.
pub const MAX_SPLIT_PARTS: u32 = 1_000;

/// Highest payment priority; priorities run from 0 (lowest) to this.
pub const MAX_PRIORITY: u8 = 10;
