//! How deep and how large a value is when it is printed, compared or hashed, measured
//! without recursion and against the call's work budget.
//!
//! starlark prints, compares and hashes values by native recursion, so a list nested
//! 150,000 deep overflows the stack, and a value that shares structure (`x = [x, x]`,
//! forty times) takes 2^40 steps in a single `==` or `str()`. Before handing a value
//! to such an operation, the guards ([`crate::guards`]) measure it here: each node is
//! counted every time it is reached (so shared structure costs what the operation
//! will cost), the walk stops as soon as the depth or the budget is exceeded, and the
//! same value gives the same verdict on every machine.

use crate::budget::Budget;
use starlark::values::dict::DictRef;
use starlark::values::list::ListRef;
use starlark::values::structs::StructRef;
use starlark::values::tuple::TupleRef;
use starlark::values::{Heap, Value};

/// The deepest a value may nest for an operation that walks it. starlark's own
/// comparison guard stops at 200 levels in a debug build and 3,000 in a release
/// build; refusing at 100 keeps the outcome the same in both.
pub const MAX_VALUE_DEPTH: usize = 100;

/// What a walk found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shape {
    /// Nodes reached, shared ones counted each time.
    pub nodes: u64,
    /// An upper bound on the length of the value's `repr` (and `str`).
    pub text_bytes: u64,
}

/// Whether `value` is a value no operation walks into: None, a bool, an int, a float
/// or a string.
pub fn is_scalar(value: Value<'_>) -> bool {
    value.is_none()
        || value.unpack_i32().is_some()
        || value.unpack_str().is_some()
        || matches!(value.get_type(), "int" | "float" | "bool")
}

/// Walks `value`, charging each node to `budget`; fails (naming `what`) past
/// [`MAX_VALUE_DEPTH`], when the budget runs out, or on a value of a kind it cannot
/// see inside.
pub fn measure<'v>(
    value: Value<'v>,
    budget: &Budget,
    heap: Option<Heap<'v>>,
    what: &str,
) -> anyhow::Result<Shape> {
    let mut shape = Shape::default();
    let mut pending: Vec<(Value<'v>, usize)> = vec![(value, 1)];
    while let Some((value, depth)) = pending.pop() {
        if depth > MAX_VALUE_DEPTH {
            anyhow::bail!(
                "{what}: a value nested more than {MAX_VALUE_DEPTH} levels deep; \
                 a policy's values may nest at most {MAX_VALUE_DEPTH} levels for this"
            );
        }
        budget.charge(1, what)?;
        shape.nodes += 1;
        let text = if let Some(s) = value.unpack_str() {
            // An escape is at most 10 bytes (`\u{10ffff}`) for a character of at least
            // one byte, plus the quotes.
            (s.len() as u64).saturating_mul(10).saturating_add(2)
        } else if value.is_none() || value.unpack_bool().is_some() {
            5
        } else if value.unpack_i32().is_some() {
            11
        } else {
            match value.get_type() {
                "int" => int_text_bytes(value),
                "float" => 32,
                "list" | "tuple" | "dict" | "struct" | "set" => {
                    children(value, depth, heap, &mut pending, what)?
                }
                "function" | "range" | "Transaction" | "Agent" | "System" | "type" => {
                    value.to_repr().len() as u64
                }
                other => anyhow::bail!(
                    "{what}: a value of type {other} cannot be printed, compared or hashed by a policy"
                ),
            }
        };
        shape.text_bytes = shape.text_bytes.saturating_add(text);
    }
    Ok(shape)
}

/// Queues a container's children; returns the container's own share of its text
/// (brackets, separators, field names).
fn children<'v>(
    value: Value<'v>,
    depth: usize,
    heap: Option<Heap<'v>>,
    pending: &mut Vec<(Value<'v>, usize)>,
    what: &str,
) -> anyhow::Result<u64> {
    let below = depth + 1;
    if let Some(list) = ListRef::from_value(value) {
        pending.extend(list.iter().map(|item| (item, below)));
        return Ok(2 + 2 * list.len() as u64);
    }
    if let Some(tuple) = TupleRef::from_value(value) {
        pending.extend(tuple.iter().map(|item| (item, below)));
        return Ok(3 + 2 * tuple.len() as u64);
    }
    if let Some(dict) = DictRef::from_value(value) {
        for (key, item) in dict.iter() {
            pending.push((key, below));
            pending.push((item, below));
        }
        return Ok(2 + 4 * dict.len() as u64);
    }
    if let Some(fields) = StructRef::from_value(value) {
        let mut text = 8u64;
        for (name, item) in fields.iter() {
            text += name.as_str().len() as u64 + 3;
            pending.push((item, below));
        }
        return Ok(text);
    }
    // A set: its elements, through iteration (which needs a heap).
    let Some(heap) = heap else {
        anyhow::bail!("{what}: cannot look inside a set here");
    };
    let elements = value
        .iterate(heap)
        .map_err(|e| anyhow::anyhow!("{what}: {e}"))?;
    let mut count = 0u64;
    for element in elements {
        pending.push((element, below));
        count += 1;
    }
    Ok(7 + 2 * count)
}

/// The most decimal digits (with a sign) an int not within i32 can take.
fn int_text_bytes(value: Value<'_>) -> u64 {
    crate::guards::int_bits(value)
        .map(|bits| bits / 3 + 2)
        .unwrap_or(u64::MAX / 4)
}
