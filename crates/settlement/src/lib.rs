//! # rtgsim-settlement
//!
//! Mechanical settlement: what happens to a payment once its sender's policy has
//! released it. A released payment gets an immediate gross settlement attempt; if the
//! sender cannot cover it, it waits in the central queue (Queue 2), which is retried
//! in queue order whenever a sender's liquidity rises; then the liquidity-saving
//! mechanism (LSM) runs its configured sequence of algorithms.
//!
//! **What this crate must not do:** decide anything a bank decides (that is the
//! policy's job), or move money other than through the settlement primitives of
//! `rtgsim-core`, which check cover themselves.
//!
//! ```
//! use rtgsim_core::{testkit::World, Release};
//! use rtgsim_settlement::{SettlementConfig, SettlementEngine};
//!
//! let mut world = World::new(&[("A", 100), ("B", 0)]);
//! let tx = world.pay("A", "B", 100, 10);
//! let a = world.id("A");
//! let mut engine = SettlementEngine::new(SettlementConfig::gross_only());
//! let report = engine.release(&mut world.state, a, &Release::all(&[tx]), &mut world.events);
//! assert_eq!(report.immediate, 1);
//! assert_eq!(world.state.agent(world.id("B")).balance(), 100);
//! ```

mod engine;
pub mod lsm;

pub use engine::{DEFAULT_CYCLE_MAX_LENGTH, SettlementConfig, SettlementEngine, TickReport};
pub use lsm::LsmStep;
