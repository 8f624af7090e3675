//! What one call (or the script's top-level code) may still spend, as the guarded
//! operations see it: the evaluator carries it in `extra`.

// starlark's `ProvidesStaticType` derive implements an unsafe marker trait (what lets
// the evaluator's `extra` be downcast to the budget).
#![allow(unsafe_code)]

use crate::sandbox::Limits;
use starlark::any::ProvidesStaticType;
use starlark::eval::Evaluator;
use std::cell::Cell;

/// Value nodes a call may walk (to print, compare, hash or save them) per step of its
/// `max_steps`: 10,000,000 with the default limits, a fraction of a second.
pub const WORK_PER_STEP: u64 = 10;

/// The budget of one call.
#[derive(Debug, ProvidesStaticType)]
pub struct Budget {
    /// The call's heap limit, which the guards check before building a large value
    /// (starlark itself looks only every thousand steps or so).
    pub max_heap_bytes: usize,
    /// Nodes still to be walked.
    work_left: Cell<u64>,
}

impl Budget {
    pub fn new(limits: &Limits) -> Budget {
        Budget {
            max_heap_bytes: limits.max_heap_bytes.max(1),
            work_left: Cell::new(limits.max_steps.max(1).saturating_mul(WORK_PER_STEP)),
        }
    }

    /// A small budget of its own, for showing a value in a message.
    pub fn for_message() -> Budget {
        Budget {
            max_heap_bytes: usize::MAX,
            work_left: Cell::new(1_000),
        }
    }

    /// The budget the evaluator carries. Every evaluator this crate makes carries
    /// one; a guard called without one refuses to run rather than run unbounded.
    pub fn of<'a>(eval: &'a Evaluator<'_, '_, '_>) -> anyhow::Result<&'a Budget> {
        eval.extra
            .and_then(|extra| extra.downcast_ref::<Budget>())
            .ok_or_else(|| anyhow::anyhow!("this operation needs the policy sandbox's budget"))
    }

    /// Spends `nodes` of the work budget.
    pub fn charge(&self, nodes: u64, what: &str) -> anyhow::Result<()> {
        let left = self.work_left.get();
        if nodes > left {
            self.work_left.set(0);
            anyhow::bail!(
                "{what}: the call has walked its budget of value nodes ({WORK_PER_STEP} per step of \
                 max_steps); a value that shares structure (x = [x, x]) can cost that in one step"
            );
        }
        self.work_left.set(left - nodes);
        Ok(())
    }

    /// Nodes still to be walked.
    pub fn work_left(&self) -> u64 {
        self.work_left.get()
    }
}
