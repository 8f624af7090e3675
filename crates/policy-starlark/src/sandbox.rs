//! The sandbox: limits on steps, call depth and heap. What a script can reach at all
//! is set by [`crate::script::globals`] (no `print`, time, randomness or I/O) and the
//! dialect (no `load`).

use crate::script::Limit;
use starlark::eval::Evaluator;

/// The native stack one level of Starlark calls may take, at most: a call through a
/// builtin that calls back (`sorted(xs, key=f)`) takes about 3 KiB in a debug build;
/// this leaves room.
pub const STACK_BYTES_PER_CALL_LEVEL: usize = 8 << 10;

/// The stack of a thread that runs policies: [`Limits::MAX`]'s call depth at
/// [`STACK_BYTES_PER_CALL_LEVEL`], plus the engine's own. Only the pages a run
/// touches are ever committed. `rtgsim` runs its commands and sweeps on threads of
/// this size; a program embedding this crate should too, or keep `max_call_depth`
/// to what its threads hold ([`Limits::stack_bytes`]).
pub const POLICY_THREAD_STACK_BYTES: usize =
    Limits::MAX.max_call_depth * STACK_BYTES_PER_CALL_LEVEL + (8 << 20);

/// Resource limits for one call into a script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Starlark "ticks": function calls plus loop iterations.
    pub max_steps: u64,
    /// Nested function calls.
    pub max_call_depth: usize,
    /// Bytes on the script's heap: checked by every guarded operation before it builds
    /// a value, and by the interpreter every thousand steps or so.
    pub max_heap_bytes: usize,
    /// Bytes of the agent's saved `state`, as compact JSON: a call that leaves a larger
    /// state fails (and the state stays as it was).
    pub max_state_bytes: usize,
}

impl Default for Limits {
    /// Generous for any policy a person would write (a loop over a queue of thousands of
    /// payments is a few thousand steps); small enough to stop a runaway quickly.
    fn default() -> Self {
        Limits {
            max_steps: 1_000_000,
            max_call_depth: 100,
            max_heap_bytes: 64 << 20,
            max_state_bytes: 1 << 20,
        }
    }
}

impl Limits {
    /// The highest each limit may be configured.
    pub const MAX: Limits = Limits {
        max_steps: 1_000_000_000,
        max_call_depth: 10_000,
        max_heap_bytes: 4 << 30,
        max_state_bytes: 256 << 20,
    };

    /// The native stack a call under these limits may need, at most.
    pub fn stack_bytes(&self) -> usize {
        self.max_call_depth * STACK_BYTES_PER_CALL_LEVEL + (1 << 20)
    }

    /// Sets the limits on an evaluator.
    pub(crate) fn apply(&self, eval: &mut Evaluator<'_, '_, '_>) -> anyhow::Result<()> {
        eval.set_max_tick_count(self.max_steps.max(1))?;
        eval.set_max_callstack_size(self.max_call_depth.max(1))?;
        eval.set_max_heap_size(self.max_heap_bytes.max(1))?;
        Ok(())
    }

    /// Which limit stopped an evaluation that failed with `error`, read from the
    /// evaluator's counters rather than from the error's text.
    pub(crate) fn exceeded(
        &self,
        eval: &Evaluator<'_, '_, '_>,
        error: &starlark::Error,
    ) -> Option<Limit> {
        if matches!(error.kind(), starlark::ErrorKind::StackOverflow(_)) {
            return Some(Limit::CallDepth);
        }
        if error.span().is_some() {
            return None;
        }
        if eval.get_total_tick_count() > self.max_steps {
            return Some(Limit::Steps);
        }
        let heap = eval.heap().peak_allocated_bytes() + eval.frozen_heap().allocated_bytes();
        (heap > self.max_heap_bytes).then_some(Limit::Heap)
    }
}

/// Runs `work`, turning a panic inside the interpreter into an error. Starlark
/// asserts on some requests it cannot meet (a single value over 4 GiB, say); such a
/// failure belongs to the policy call, not to the whole run.
pub(crate) fn contain_panics<T>(work: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).map_err(|payload| {
        let reason = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no reason given".to_string());
        format!("the Starlark interpreter gave up: {reason}")
    })
}
