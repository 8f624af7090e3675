//! Bounds on the built-in operations that build a large value in one step.
//!
//! Starlark checks the heap limit only every thousand steps or so, and a single
//! step can allocate without bound: `[0] * n` reserves `n` slots at once, and
//! `list(range(n))` collects `n` values. A policy that did either by mistake with a
//! large `n` would take the whole machine's memory (or abort the process) before the
//! limit was looked at. So `range` is bounded, and every `a * b` in a script is
//! rewritten at load time into a call that checks the size of a repetition first.
//! `x *= n` cannot be rewritten that way, and is refused at load.

use starlark::codemap::FileSpan;
use starlark::environment::GlobalsBuilder;
use starlark::syntax::AstModule;
use starlark::syntax::ast::{AssignOp, AstStmt, StmtP};
use starlark::values::range::Range;
use starlark::values::{Heap, Value};
use std::collections::HashMap;

/// The longest `range` a script may make. A loop over more could not finish within
/// the step limit anyway.
pub const MAX_RANGE_LEN: i64 = 10_000_000;

/// The most elements (or characters) one repetition (`seq * n`) may build.
pub const MAX_REPEAT_LEN: i64 = 10_000_000;

/// The global every `*` in a script becomes a call to.
const TIMES: &str = "_rtgsim_times";

/// Refuses `*=` and rewrites `a * b` into a checked call. On refusal, the span and
/// the message.
pub(crate) fn check_and_rewrite(ast: &mut AstModule) -> Result<(), (FileSpan, String)> {
    if let Some(span) = multiply_assignment(ast.statement()) {
        return Err((
            ast.file_span(span),
            "`*=` is not available to policies; write `x = x * n` (repetitions are size-checked)"
                .to_string(),
        ));
    }
    ast.replace_binary_operators(&HashMap::from([("*".to_string(), TIMES.to_string())]));
    Ok(())
}

/// The first `x *= ...` in `statement`, anywhere (function bodies included).
fn multiply_assignment(statement: &AstStmt) -> Option<starlark::codemap::Span> {
    if let StmtP::AssignModify(_, AssignOp::Multiply, _) = &statement.node {
        return Some(statement.span);
    }
    let mut found = None;
    statement.visit_stmt(|child| {
        if found.is_none() {
            found = multiply_assignment(child);
        }
    });
    found
}

/// How many values `range(start, stop, step)` holds (`step` is not zero).
fn range_len(start: i32, stop: i32, step: i32) -> i64 {
    let (start, stop, step) = (i64::from(start), i64::from(stop), i64::from(step));
    let span = if step > 0 { stop - start } else { start - stop };
    if span <= 0 {
        0
    } else {
        (span + step.abs() - 1) / step.abs()
    }
}

/// Fails if `a * b` is a repetition (a sequence times an int) of more than
/// [`MAX_REPEAT_LEN`] elements.
fn check_repetition<'v>(a: Value<'v>, b: Value<'v>) -> anyhow::Result<()> {
    for (sequence, times) in [(a, b), (b, a)] {
        let is_sequence = matches!(sequence.get_type(), "list" | "tuple" | "string");
        if let (true, Some(times)) = (is_sequence, times.unpack_i32()) {
            let len = i64::from(sequence.length().map_err(|e| anyhow::anyhow!("{e}"))?);
            let total = len.saturating_mul(i64::from(times.max(0)));
            if total > MAX_REPEAT_LEN {
                anyhow::bail!(
                    "a repetition of {total} elements; a policy may build at most {MAX_REPEAT_LEN} at once"
                );
            }
        }
    }
    Ok(())
}

#[starlark::starlark_module]
pub(crate) fn register(globals: &mut GlobalsBuilder) {
    /// `range(stop)`, `range(start, stop)` or `range(start, stop, step)`, as in
    /// standard Starlark, up to MAX_RANGE_LEN values.
    #[starlark(as_type = Range, speculative_exec_safe)]
    fn range(
        #[starlark(require = pos)] a1: i32,
        #[starlark(require = pos)] a2: Option<i32>,
        #[starlark(require = pos, default = 1)] step: i32,
    ) -> anyhow::Result<Range> {
        let (start, stop) = match a2 {
            None => (0, a1),
            Some(stop) => (a1, stop),
        };
        let Some(step) = std::num::NonZeroI32::new(step) else {
            anyhow::bail!("range: the step cannot be zero");
        };
        let len = range_len(start, stop, step.get());
        if len > MAX_RANGE_LEN {
            anyhow::bail!("range of {len} values; a policy's range holds at most {MAX_RANGE_LEN}");
        }
        Ok(Range::new(start, stop, step))
    }

    /// `a * b`, after checking that a repetition is not too large.
    #[starlark(speculative_exec_safe)]
    fn _rtgsim_times<'v>(
        #[starlark(require = pos)] a: Value<'v>,
        #[starlark(require = pos)] b: Value<'v>,
        heap: Heap<'v>,
    ) -> starlark::Result<Value<'v>> {
        check_repetition(a, b).map_err(starlark::Error::new_other)?;
        a.mul(b, heap)
    }
}

#[cfg(test)]
mod tests {
    use super::range_len;

    #[test]
    fn range_len_counts_like_python() {
        assert_eq!(range_len(0, 10, 1), 10);
        assert_eq!(range_len(3, 10, 2), 4);
        assert_eq!(range_len(10, 3, -2), 4);
        assert_eq!(range_len(10, 3, 1), 0);
        assert_eq!(range_len(3, 10, -1), 0);
        assert_eq!(range_len(i32::MIN, i32::MAX, 1), 4_294_967_295);
        assert_eq!(range_len(0, 1, i32::MAX), 1);
    }
}
