//! The built-in Rust policies: baselines to compare machine-written policies against.

mod deadline;
mod fifo;
mod liquidity_aware;
mod liquidity_splitting;

pub use deadline::Deadline;
pub use fifo::Fifo;
pub use liquidity_aware::LiquidityAware;
pub use liquidity_splitting::{DEFAULT_MAX_PARTS, LiquiditySplitting};

/// Ticks before the deadline at which a payment counts as urgent, unless configured.
pub const DEFAULT_URGENCY_THRESHOLD: u32 = 5;

#[cfg(test)]
mod checklist;
