//! Property tests for the release gate (`rtgsim_governance::gate`), one test per
//! property of the gate's source document, each named after it:
//!
//! 1. `output_domain`, 2. `kill_switch_supremacy`, 3. `budget_enforcement`,
//! 4. `health_gating`, 5. `risk_gating`, 6. `restrictive_default_on_input_failure`
//!    (in `per_gate`: what each gate answers on its own);
//! 7. `blocking_gate_identification`, 8. `no_release_while_unsafe`,
//! 9. `monotonic_latch`, 10. `confidence_isolation`, 11. `policy_supremacy`
//!    (in `across_gates`: precedence, safety and history).
//!
//! Every case is a random configuration (2 to 6 agents, kill switches, budgets,
//! bilateral and multilateral limits, health thresholds, contingency, latch
//! window) written as a `GovernanceConfig` and resolved with
//! `GovernanceConfig::resolve`, then a random sequence of operations: ticks
//! (increasing, some starting a day), operator events, and releases evaluated
//! with random health inputs (some `None`) and committed when allowed
//! (`generated`).
//!
//! The harness (`harness`) runs a small reference model (`model`) next to the
//! gate: a re-statement of the table in the gate's module doc, working from the
//! generated configuration by agent index (not from `Resolved`). Where a property
//! can be checked without the model (committed totals, net positions, latch
//! history) it is computed from the trace alone.
//!
//! The generated amounts are never negative: the gate refuses a negative amount
//! (a release moves money out; counted, it would make room in the budgets and
//! limits) with HOLD at the budget gate, `GATE_INPUT_INCOMPLETE`, and the model
//! does not restate that branch. `negative_amounts_are_refused_and_never_counted`
//! (in `per_gate`) pins it: negative releases mixed into the generated operations
//! are refused so, and the other releases are decided exactly as without them.
//!
//! Each property counts how often its interesting branch ran and fails if it
//! was rare: a property that only ever compares two ALLOWs proves nothing.
//! `census_of_reasons_and_changes` checks, with a fixed seed, that every reason
//! code and every change kind occurs.
//!
//! The configuration's own tests (parsing, defaults, resolve's problems) are in
//! `tests/gate_config.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

mod across_gates;
mod generated;
mod harness;
mod model;
mod per_gate;
