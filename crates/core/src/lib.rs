//! # rtgsim-core
//!
//! The domain of the rtgsim payment-system simulator: money in integer cents, dense
//! ids, payments, agents, the two queues, the simulation state and the only
//! operations that change it, the cash-manager policy seam ([`CashManagerPolicy`],
//! [`PolicyView`], the [field catalog](fields), the [policy API](policy_api)), the
//! built-in policies, arrival generation, the cost model, and the
//! [audit vocabulary](audit) the governance layer's events speak.
//!
//! **What this crate must not do:** it knows nothing of settlement algorithms (which
//! payments to try, in which order, as a set), of file formats, SQL or Starlark. It
//! offers settlement *primitives* ([`SimState::settle_gross`], [`SimState::settle_set`])
//! that check cover themselves, so no algorithm built on them can overdraw an agent.
//! The policy API's vocabulary (the [field catalog](fields), the [capabilities and
//! decisions](policy_api) a policy can name) is declared here as plain data, so that
//! the interpreters, the analyzer, governance and the docs read one table; reading
//! and running policies is theirs.
//!
//! ```
//! use rtgsim_core::{testkit::World, CashManagerPolicy, ReleaseDecision, policies::Fifo};
//!
//! let mut world = World::new(&[("A", 1_000), ("B", 0)]);
//! let tx = world.pay("A", "B", 600, 10);
//! let decisions = Fifo.evaluate_queue(&world.view("A")).unwrap();
//! assert_eq!(decisions, vec![ReleaseDecision::submit(tx)]);
//! ```

pub mod agent;
pub mod arrivals;
pub mod audit;
pub mod costs;
pub mod decision;
pub mod event;
pub mod fields;
pub mod ids;
pub mod limits;
pub mod money;
pub mod policies;
pub mod policy;
pub mod policy_api;
pub mod queue2;
pub mod state;
pub mod testkit;
pub mod transaction;
pub mod view;

pub use agent::{Agent, AgentSetup};
pub use audit::{AuditDecision, AuditGate, AuditKind, Requester};
pub use costs::{CostLedger, CostRates};
pub use decision::{
    CollateralDecision, HoldReason, LiquidityShare, ReleaseAction, ReleaseDecision,
};
pub use event::{AuditEvent, Event, EventSink};
pub use fields::{CATALOG, Field, FieldValue};
pub use ids::{AgentId, Tick, TxId};
pub use money::{Cents, Rate};
pub use policy::{CashManagerPolicy, PolicyError, TraceEntry};
pub use queue2::QueueOrder;
// `release` lives inside `state` (it changes the state's internals); its path stays.
pub use release::{DecisionError, Release};
pub use state::release;
pub use state::{
    Clock, ClockError, InvariantViolation, Released, SimState, StateError, StateSnapshot,
};
pub use transaction::{NewPayment, Transaction, TxStatus};
pub use view::PolicyView;
