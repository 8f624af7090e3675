//! Builds a policy object from its checked specification.

use crate::scenario::PolicySpec;
use rtgsim_core::CashManagerPolicy;
use rtgsim_core::policies::{Deadline, Fifo, LiquidityAware, LiquiditySplitting};
use rtgsim_policy_dsl::TreePolicy;
use rtgsim_policy_starlark::StarlarkPolicy;
use std::sync::Arc;

impl PolicySpec {
    /// The policy this spec describes, ready to run (a fresh object each time).
    pub fn build(&self) -> Box<dyn CashManagerPolicy> {
        match *self {
            PolicySpec::Fifo => Box::new(Fifo),
            PolicySpec::Deadline { urgency_threshold } => Box::new(Deadline { urgency_threshold }),
            PolicySpec::LiquidityAware {
                target_buffer,
                urgency_threshold,
            } => Box::new(LiquidityAware {
                target_buffer,
                urgency_threshold,
            }),
            PolicySpec::LiquiditySplitting { max_parts } => {
                Box::new(LiquiditySplitting { max_parts })
            }
            PolicySpec::Tree {
                ref program, trace, ..
            } => Box::new(TreePolicy::new(Arc::clone(program)).with_trace(trace)),
            PolicySpec::Starlark { ref script, limits } => {
                Box::new(StarlarkPolicy::new(Arc::clone(script), limits))
            }
        }
    }
}
