//! # rtgsim-policy-starlark
//!
//! Cash-manager policies written in Starlark (a small, deterministic dialect of
//! Python), run in a sandbox with limits on steps, call depth, heap and saved state,
//! and bounds on what one step can do: nesting is checked before parsing
//! ([`syntax`]), and every operation that could allocate, widen an int or walk a
//! value without bound is checked before it runs ([`guards`], [`shape`]). A script
//! either is refused at load with its place or fails its call; it never stops the
//! process.
//!
//! A script defines `evaluate_queue(transactions, agent, system, state)` and may
//! define `evaluate_strategic_collateral(agent, system, state)`,
//! `evaluate_end_of_tick_collateral(agent, system, state)` and
//! `evaluate_initial_liquidity(agent, system, state)` (the share of its collateral
//! to post at each day's opening). It is parsed and
//! evaluated once ([`Script::load`]); each call then gets a fresh heap and evaluator.
//! `state` is one dict per agent, shared by the entry points and kept between
//! calls (and, through [`CashManagerPolicy::state`](rtgsim_core::CashManagerPolicy::state),
//! between days and runs) as JSON.
//!
//! **What this crate must not do:** depend on anything but `rtgsim-core` and the
//! `starlark` crate, or let a failing script release anything: a call that fails holds
//! everything and leaves the state as it was.
//!
//! ```
//! use rtgsim_core::{testkit::World, CashManagerPolicy};
//! use rtgsim_policy_starlark::{Limits, StarlarkPolicy};
//!
//! let source = r#"
//! def evaluate_queue(transactions, agent, system, state):
//!     state["calls"] = state.get("calls", 0) + 1
//!     return [{"action": "Release", "tx_id": tx.id} for tx in transactions if tx.amount <= agent.balance]
//! "#;
//! let mut policy = StarlarkPolicy::from_source("release_affordable.star", source, Limits::default()).unwrap();
//! let mut world = World::new(&[("A", 500), ("B", 0)]);
//! world.pay("A", "B", 300, 10);
//! world.pay("A", "B", 900, 10);
//! let decisions = policy.evaluate_queue(&world.view("A")).unwrap();
//! assert_eq!(decisions.len(), 1);
//! assert_eq!(policy.state().unwrap()["calls"], 1);
//! ```

mod budget;
mod checked;
mod convert;
pub mod guards;
pub mod objects;
mod ordering;
mod policy;
mod rewrite;
mod sandbox;
pub mod script;
pub mod shape;
pub mod syntax;

pub use policy::StarlarkPolicy;
pub use sandbox::{Limits, POLICY_THREAD_STACK_BYTES, STACK_BYTES_PER_CALL_LEVEL};
pub use script::{EntryPoint, LoadError, Script};
