//! The guarded operations: every operation through which one step of a script could
//! allocate without bound, run for ever or recurse natively without bound is checked
//! here before it runs.
//!
//! Starlark checks the heap limit only every thousand steps or so, and a single step
//! can allocate without bound (`[0] * n`, `x + x` doubled forty times, `sep.join(xs)`
//! with a long separator), multiply an int's size (`x * x` thirty times), or walk a
//! value by native recursion (`str`, `==`, `<`, `in` and hashing on a value nested
//! 150,000 deep, or one sharing structure so that the walk is exponential). So:
//!
//! - at load, every `+`, `*`, `<<`, `%`, comparison and `in` in a script is rewritten
//!   into a call of the guard below (`check_and_rewrite`); `x += y` has its `y`
//!   wrapped, and the methods that can amplify or hash (`join`, `replace`, `format`,
//!   `extend`, `items`, `popitem`, the `split` family) are called through guards
//!   (see the private `rewrite` and `checked` modules); `*=`, `<<=` and `%=` are
//!   refused (write `x = x * n`); every tuple the script writes is checked as it is
//!   made;
//! - `range`, and in `checked` `list`, `str`, `repr`, `fail`, `int`,
//!   `sorted`, `min`, `max`, `dict`, `set`, `tuple`, `zip`, `enumerate` and `struct`,
//!   are replaced by checked versions;
//! - a guard measures what it will build against the call's heap limit *before*
//!   building it, and walks the values an operation would recurse into with
//!   [`crate::shape::measure`] (bounded depth, nodes charged to the call's budget).
//!
//! Scalars (None, bools, ints, floats, strings) never recurse, so comparisons and
//! arithmetic on them take a fast path that only checks the type.

use crate::budget::Budget;
use crate::shape::{Shape, is_scalar, measure};
use num_bigint::BigInt;
use starlark::codemap::{FileSpan, Span};
use starlark::environment::GlobalsBuilder;
use starlark::eval::Evaluator;
use starlark::syntax::AstModule;
use starlark::syntax::ast::{AssignOp, AstStmt, StmtP};
use starlark::values::list::ListRef;
use starlark::values::range::Range;
use starlark::values::tuple::TupleRef;
use starlark::values::{UnpackValue, Value};
use std::cmp::Ordering;
use std::collections::HashMap;

/// The longest `range` a script may make. A loop over more could not finish within
/// the step limit anyway.
pub const MAX_RANGE_LEN: i64 = 10_000_000;

/// The most elements (or bytes of a string) one operation may build. The call's heap
/// limit usually stops a value sooner: every guard checks the heap it would take.
pub const MAX_REPEAT_LEN: i64 = 10_000_000;

/// The widest int a guarded operation (`*`, `<<`, `+`, `int(text)`) may produce, in
/// bits: far past any amount of money, and cheap to multiply.
pub const MAX_INT_BITS: u64 = 1024;

/// The operators rewritten at load into guard calls, and the guard each becomes.
const OPERATORS: [(&str, &str); 12] = [
    ("+", "_rtgsim_add"),
    ("*", "_rtgsim_times"),
    ("<<", "_rtgsim_shift"),
    ("%", "_rtgsim_percent"),
    ("==", "_rtgsim_eq"),
    ("!=", "_rtgsim_ne"),
    ("<", "_rtgsim_lt"),
    ("<=", "_rtgsim_le"),
    (">", "_rtgsim_gt"),
    (">=", "_rtgsim_ge"),
    ("in", "_rtgsim_in"),
    ("not in", "_rtgsim_not_in"),
];

/// The prefix of every guard's name; a script may not use it.
pub const RESERVED_PREFIX: &str = "_rtgsim_";

/// Refuses the assignments that cannot be guarded (`*=`, `<<=`, `%=`) and rewrites the
/// guarded operators into calls. On refusal, the span and the message.
pub(crate) fn check_and_rewrite(ast: &mut AstModule) -> Result<(), (FileSpan, String)> {
    if let Some((span, op)) = unguarded_assignment(ast.statement()) {
        return Err((
            ast.file_span(span),
            format!(
                "`{op}=` is not available to policies; write `x = x {op} n` (the operation is size-checked)"
            ),
        ));
    }
    let replace: HashMap<String, String> = OPERATORS
        .iter()
        .map(|(op, guard)| ((*op).to_string(), (*guard).to_string()))
        .collect();
    ast.replace_binary_operators(&replace);
    Ok(())
}

/// The first `x *= ...`, `x <<= ...` or `x %= ...` in `statement`, anywhere.
fn unguarded_assignment(statement: &AstStmt) -> Option<(Span, &'static str)> {
    if let StmtP::AssignModify(_, op, _) = &statement.node {
        let refused = match op {
            AssignOp::Multiply => Some("*"),
            AssignOp::LeftShift => Some("<<"),
            AssignOp::Percent => Some("%"),
            _ => None,
        };
        if let Some(op) = refused {
            return Some((statement.span, op));
        }
    }
    let mut found = None;
    statement.visit_stmt(|child| {
        if found.is_none() {
            found = unguarded_assignment(child);
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

/// How many bits an int needs (`None` for a value that is not an int).
pub fn int_bits(value: Value<'_>) -> Option<u64> {
    if let Some(small) = value.unpack_i32() {
        return Some(u64::from(32 - small.unsigned_abs().leading_zeros()));
    }
    if value.get_type() != "int" {
        return None;
    }
    BigInt::unpack_value(value)
        .ok()
        .flatten()
        .map(|big| big.bits())
}

fn check_int_bits(bits: u64, what: &str) -> anyhow::Result<()> {
    if bits > MAX_INT_BITS {
        anyhow::bail!(
            "{what} would make an int of about {bits} bits; a policy's ints may have at most {MAX_INT_BITS} bits"
        );
    }
    Ok(())
}

/// How long a string or bytes (in bytes), list or tuple is; `None` for anything else.
pub(crate) fn sequence_len(value: Value<'_>) -> Option<(u64, u64)> {
    if let Some(s) = value.unpack_str() {
        return Some((s.len() as u64, 1));
    }
    if let Some(list) = ListRef::from_value(value) {
        return Some((list.len() as u64, VALUE_BYTES));
    }
    if let Some(tuple) = TupleRef::from_value(value) {
        return Some((tuple.len() as u64, VALUE_BYTES));
    }
    // Bytes (`b"..."`) repeat and concatenate like strings.
    (value.get_type() == "bytes")
        .then(|| value.length().ok())
        .flatten()
        .map(|len| (u64::from(len.max(0).unsigned_abs()), 1))
}

/// What one element of a list or tuple takes on the heap.
pub(crate) const VALUE_BYTES: u64 = std::mem::size_of::<usize>() as u64;

/// Fails unless a value of `elements` elements of `bytes_each` bytes fits within
/// [`MAX_REPEAT_LEN`] and what is left of the call's heap.
pub(crate) fn check_build(
    eval: &Evaluator<'_, '_, '_>,
    elements: u64,
    bytes_each: u64,
    what: &str,
) -> anyhow::Result<()> {
    if elements > MAX_REPEAT_LEN as u64 {
        anyhow::bail!(
            "{what}: a value of {elements} elements; a policy may build at most {MAX_REPEAT_LEN} at once"
        );
    }
    let budget = Budget::of(eval)?;
    let used = eval.heap().allocated_bytes() as u64;
    let wanted = elements.saturating_mul(bytes_each);
    if used.saturating_add(wanted) > budget.max_heap_bytes as u64 {
        anyhow::bail!(
            "{what}: a value of {wanted} bytes would take the call's heap past {} bytes (the policy's max_heap_bytes limit)",
            budget.max_heap_bytes
        );
    }
    Ok(())
}

/// Measures `value` unless it is a scalar.
pub(crate) fn measured<'v>(
    value: Value<'v>,
    eval: &Evaluator<'v, '_, '_>,
    what: &str,
) -> anyhow::Result<Shape> {
    if is_scalar(value) {
        let text = value.unpack_str().map_or(32, |s| s.len() as u64 * 10 + 2);
        return Ok(Shape {
            nodes: 1,
            text_bytes: text.max(int_bits(value).map_or(0, |b| b / 3 + 2)),
        });
    }
    measure(value, Budget::of(eval)?, Some(eval.heap()), what)
}

/// Measures both operands of an operation that walks them, unless one is a scalar (a
/// scalar compares with anything without recursion).
fn vet_pair<'v>(
    a: Value<'v>,
    b: Value<'v>,
    eval: &Evaluator<'v, '_, '_>,
    what: &str,
) -> anyhow::Result<()> {
    if is_scalar(a) || is_scalar(b) {
        return Ok(());
    }
    measured(a, eval, what)?;
    measured(b, eval, what)?;
    Ok(())
}

/// Fails if `a * b` is a repetition too large, or a product of ints too wide.
fn check_times<'v>(a: Value<'v>, b: Value<'v>, eval: &Evaluator<'v, '_, '_>) -> anyhow::Result<()> {
    for (sequence, times) in [(a, b), (b, a)] {
        if let (Some((len, bytes_each)), Some(times)) = (sequence_len(sequence), times.unpack_i32())
        {
            let total = len.saturating_mul(u64::from(times.max(0).unsigned_abs()));
            if total > MAX_REPEAT_LEN as u64 {
                anyhow::bail!(
                    "a repetition of {total} elements; a policy may build at most {MAX_REPEAT_LEN} at once"
                );
            }
            return check_build(eval, total, bytes_each, "a repetition");
        }
    }
    if let (Some(x), Some(y)) = (int_bits(a), int_bits(b)) {
        check_int_bits(x + y, "a product")?;
    }
    Ok(())
}

/// `a * b` with the count taken as 0, when one side is an empty sequence and the
/// other an int (the same empty result, in constant time).
fn empty_repetition<'v>(
    a: Value<'v>,
    b: Value<'v>,
    eval: &Evaluator<'v, '_, '_>,
) -> Option<starlark::Result<Value<'v>>> {
    let zero = eval.heap().alloc(0);
    for (sequence, times, sequence_first) in [(a, b, true), (b, a, false)] {
        if sequence_len(sequence).is_some_and(|(len, _)| len == 0) && times.unpack_i32().is_some() {
            return Some(if sequence_first {
                sequence.mul(zero, eval.heap())
            } else {
                zero.mul(sequence, eval.heap())
            });
        }
    }
    None
}

pub(crate) fn err(e: anyhow::Error) -> starlark::Error {
    starlark::Error::new_other(e)
}

fn compare<'v>(
    a: Value<'v>,
    b: Value<'v>,
    eval: &Evaluator<'v, '_, '_>,
    op: &str,
) -> starlark::Result<Ordering> {
    vet_pair(a, b, eval, op).map_err(err)?;
    a.compare(b)
}

/// Every guard and checked builtin, for [`crate::script::globals`].
pub(crate) fn register(globals: &mut GlobalsBuilder) {
    bounded_builders(globals);
    made_values(globals);
    comparisons(globals);
    crate::checked::text_builtins(globals);
    crate::checked::delegated_builtins(globals);
    crate::checked::string_methods(globals);
    crate::checked::container_methods(globals);
    crate::checked::splitting_methods(globals);
}

/// The guards for `+`, `*`, `<<` and `%`.
#[starlark::starlark_module]
fn bounded_builders(globals: &mut GlobalsBuilder) {
    /// `a + b`, after checking the size of a concatenation or the width of an int.
    fn _rtgsim_add<'v>(
        #[starlark(require = pos)] a: Value<'v>,
        #[starlark(require = pos)] b: Value<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        if let (Some(x), Some(y)) = (a.unpack_i32(), b.unpack_i32()) {
            return Ok(eval.heap().alloc(i64::from(x) + i64::from(y)));
        }
        if let (Some((x, bytes_each)), Some((y, _))) = (sequence_len(a), sequence_len(b)) {
            check_build(eval, x.saturating_add(y), bytes_each, "a concatenation").map_err(err)?;
        }
        if let (Some(x), Some(y)) = (int_bits(a), int_bits(b)) {
            check_int_bits(x.max(y) + 1, "a sum").map_err(err)?;
        }
        a.add(b, eval.heap())
    }

    /// `a * b`, after checking that a repetition is not too large and a product not
    /// too wide.
    fn _rtgsim_times<'v>(
        #[starlark(require = pos)] a: Value<'v>,
        #[starlark(require = pos)] b: Value<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        if let (Some(x), Some(y)) = (a.unpack_i32(), b.unpack_i32()) {
            return Ok(eval.heap().alloc(i64::from(x) * i64::from(y)));
        }
        check_times(a, b, eval).map_err(err)?;
        // The interpreter repeats an empty sequence once per count, up to 2^31 times
        // for nothing: the result is the same empty value, made here at once.
        if let Some(zero) = empty_repetition(a, b, eval) {
            return zero;
        }
        a.mul(b, eval.heap())
    }

    /// `a << b`, after checking the width of the result.
    fn _rtgsim_shift<'v>(
        #[starlark(require = pos)] a: Value<'v>,
        #[starlark(require = pos)] b: Value<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        if let (Some(bits), Some(shift)) = (int_bits(a), b.unpack_i32()) {
            if shift > 0 && bits > 0 {
                check_int_bits(bits + u64::from(shift.unsigned_abs()), "a shift").map_err(err)?;
            }
        } else if let (Some(bits), Some(_)) = (int_bits(a), int_bits(b)) {
            // A shift by more than an i32 of a non-zero int is far too wide.
            if bits > 0 && b.unpack_i32().is_none() {
                check_int_bits(u64::MAX, "a shift").map_err(err)?;
            }
        }
        a.left_shift(b, eval.heap())
    }

    /// `a % b`: string formatting after measuring what it prints, or a remainder.
    fn _rtgsim_percent<'v>(
        #[starlark(require = pos)] a: Value<'v>,
        #[starlark(require = pos)] b: Value<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        if let Some(format) = a.unpack_str() {
            let shape = measured(b, eval, "%").map_err(err)?;
            let fields = format.matches('%').count() as u64;
            let most =
                (format.len() as u64).saturating_add(fields.saturating_mul(shape.text_bytes));
            check_build(eval, most, 1, "a % format").map_err(err)?;
        }
        a.percent(b, eval.heap())
    }
}

/// The guards for `range`, the right-hand side of `+=`, and tuples as they are made.
#[starlark::starlark_module]
fn made_values(globals: &mut GlobalsBuilder) {
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

    /// The right-hand side of `x += y`: `y`, once its size leaves room on the heap for
    /// `x + y` (`x` is on the heap already, so the sum is at most twice what is left).
    fn _rtgsim_addend<'v>(
        #[starlark(require = pos)] addend: Value<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        if let Some((len, bytes_each)) = sequence_len(addend) {
            check_build(eval, len, bytes_each, "+=").map_err(err)?;
        }
        if let Some(bits) = int_bits(addend) {
            check_int_bits(bits, "+=").map_err(err)?;
        }
        Ok(addend)
    }

    /// A tuple the script wrote, once it is shallow enough to hash.
    fn _rtgsim_tuple<'v>(
        #[starlark(require = pos)] tuple: Value<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        if let Some(items) = TupleRef::from_value(tuple)
            && !items.content().iter().all(|item| is_scalar(*item))
        {
            measure_hashable(tuple, eval).map_err(err)?;
        }
        Ok(tuple)
    }
}

/// The guards for comparisons and `in`.
#[starlark::starlark_module]
fn comparisons(globals: &mut GlobalsBuilder) {
    fn _rtgsim_eq<'v>(
        #[starlark(require = pos)] a: Value<'v>,
        #[starlark(require = pos)] b: Value<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<bool> {
        vet_pair(a, b, eval, "==").map_err(err)?;
        a.equals(b)
    }

    fn _rtgsim_ne<'v>(
        #[starlark(require = pos)] a: Value<'v>,
        #[starlark(require = pos)] b: Value<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<bool> {
        vet_pair(a, b, eval, "!=").map_err(err)?;
        a.equals(b).map(|same| !same)
    }

    fn _rtgsim_lt<'v>(
        #[starlark(require = pos)] a: Value<'v>,
        #[starlark(require = pos)] b: Value<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<bool> {
        compare(a, b, eval, "<").map(|o| o == Ordering::Less)
    }

    fn _rtgsim_le<'v>(
        #[starlark(require = pos)] a: Value<'v>,
        #[starlark(require = pos)] b: Value<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<bool> {
        compare(a, b, eval, "<=").map(|o| o != Ordering::Greater)
    }

    fn _rtgsim_gt<'v>(
        #[starlark(require = pos)] a: Value<'v>,
        #[starlark(require = pos)] b: Value<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<bool> {
        compare(a, b, eval, ">").map(|o| o == Ordering::Greater)
    }

    fn _rtgsim_ge<'v>(
        #[starlark(require = pos)] a: Value<'v>,
        #[starlark(require = pos)] b: Value<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<bool> {
        compare(a, b, eval, ">=").map(|o| o != Ordering::Less)
    }

    /// `a in b`.
    fn _rtgsim_in<'v>(
        #[starlark(require = pos)] a: Value<'v>,
        #[starlark(require = pos)] b: Value<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<bool> {
        if !is_scalar(a) {
            measured(a, eval, "in").map_err(err)?;
            measured(b, eval, "in").map_err(err)?;
        }
        b.is_in(a)
    }

    /// `a not in b`.
    fn _rtgsim_not_in<'v>(
        #[starlark(require = pos)] a: Value<'v>,
        #[starlark(require = pos)] b: Value<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<bool> {
        if !is_scalar(a) {
            measured(a, eval, "not in").map_err(err)?;
            measured(b, eval, "not in").map_err(err)?;
        }
        b.is_in(a).map(|found| !found)
    }
}

/// Measures what hashing `value` walks: tuples and structs within it (a list or dict
/// inside stops a hash, which refuses them).
fn measure_hashable<'v>(value: Value<'v>, eval: &Evaluator<'v, '_, '_>) -> anyhow::Result<()> {
    let budget = Budget::of(eval)?;
    let mut pending = vec![(value, 1usize)];
    while let Some((value, depth)) = pending.pop() {
        if depth > crate::shape::MAX_VALUE_DEPTH {
            anyhow::bail!(
                "a tuple nested more than {} levels deep; a policy's values may nest at most {} levels",
                crate::shape::MAX_VALUE_DEPTH,
                crate::shape::MAX_VALUE_DEPTH
            );
        }
        budget.charge(1, "a tuple")?;
        if let Some(tuple) = TupleRef::from_value(value) {
            pending.extend(
                tuple
                    .content()
                    .iter()
                    .filter(|item| !is_scalar(**item))
                    .map(|item| (*item, depth + 1)),
            );
        } else if let Some(fields) = starlark::values::structs::StructRef::from_value(value) {
            pending.extend(
                fields
                    .iter()
                    .filter(|(_, item)| !is_scalar(*item))
                    .map(|(_, item)| (item, depth + 1)),
            );
        }
    }
    Ok(())
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
