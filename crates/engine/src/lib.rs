//! # rtgsim-engine
//!
//! The tick loop. A [`Simulation`] is built from a [`Plan`] (the clock, the
//! agents, their payments, settlement, costs and governance) and one
//! [`CashManagerPolicy`](rtgsim_core::CashManagerPolicy) per agent, given as
//! objects: built-in, decision-tree, Starlark or your own Rust type, the engine
//! cannot tell them apart. It runs tick by tick into an
//! [`EventSink`](rtgsim_core::EventSink), and can be checkpointed between two ticks
//! and resumed, with fresh instances of the same policies, to exactly the events a
//! run in one go gives. An agent's policy can be swapped between two ticks, by the
//! caller ([`Simulation::swap_policy`]) or by a [`Guardband`] that rolls it back to
//! its previous version when a window of ticks breaks a bound ([`guardband`]).
//!
//! **What this crate must not do:** read files, parse flags, YAML or SQL, or know
//! the policy languages. It knows nothing of clap, rusqlite, serde_norway or
//! starlark; the scenario loader (`rtgsim-scenario`) turns files into a `Plan`
//! and policy objects, and the event log (`rtgsim-report`) turns events into bytes.
//! Money moves only through `rtgsim-core`; settlement algorithms live in
//! `rtgsim-settlement`.
//!
//! ```
//! use rtgsim_core::policies::Fifo;
//! use rtgsim_core::{AgentId, AgentSetup, CashManagerPolicy, CostRates, Event, NewPayment, QueueOrder};
//! use rtgsim_engine::{Plan, AgentPlan, ScriptedPayment, Simulation};
//!
//! let agent = |name: &str| AgentPlan { setup: AgentSetup::new(name, 1_000), arrivals: None };
//! let pay = NewPayment { sender: AgentId(0), receiver: AgentId(1),
//!     amount: 600, deadline_tick: 5, priority: 5, divisible: false };
//! let plan = Plan {
//!     ticks_per_day: 10, num_days: 1, seed: 7, queue_order: QueueOrder::Fifo,
//!     settlement: Default::default(), costs: CostRates::default(),
//!     agents: vec![agent("A"), agent("B")],
//!     scripted: vec![ScriptedPayment { tick: 0, payment: pay }],
//!     governance: None, shocks: Vec::new(),
//! };
//! let policies: Vec<Box<dyn CashManagerPolicy>> = vec![Box::new(Fifo), Box::new(Fifo)];
//! let mut events: Vec<Event> = Vec::new();
//! let mut simulation = Simulation::new(&plan, policies, &mut events)?;
//! simulation.run(&mut events, &mut |_| {})?;
//! assert_eq!(simulation.state().agents()[1].balance(), 1_600);
//! # Ok::<(), rtgsim_engine::RunError>(())
//! ```

pub mod guardband;
pub mod plan;
pub mod shocks;
pub mod simulation;

pub use guardband::{Baseline, GuardCheckpoint, Guardband, GuardbandFactors};
pub use plan::{AgentPlan, Plan, ScriptedPayment};
pub use shocks::{Agents, Repeat, ScheduledShock, Shock};
pub use simulation::{CheckpointMismatch, RunError, Simulation, SimulationCheckpoint};
