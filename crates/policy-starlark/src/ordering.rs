//! `sorted`, `min` and `max` with a `key`: the standard ones compare the keys the
//! key function returns without measuring them, so here each key is computed once,
//! measured like any value a guard walks, and only then compared.

use crate::guards::{VALUE_BYTES, check_build, err, measured};
use starlark::eval::Evaluator;
use starlark::values::Value;
use starlark::values::dict::DictRef;
use starlark::values::tuple::TupleRef;

/// What `by_key` makes of the items.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pick {
    Sorted,
    Min,
    Max,
}

/// The items, key function and `reverse` of `sorted`, `min` or `max` called with a
/// `key` (whose results the builtin would compare unmeasured).
pub(crate) fn keyed<'v>(
    args: Value<'v>,
    kwargs: &DictRef<'v>,
) -> Option<(Value<'v>, Value<'v>, bool)> {
    let key = kwargs.get_str("key").filter(|key| !key.is_none())?;
    let reverse = kwargs.get_str("reverse").is_some_and(|r| r.to_bool());
    let items = match TupleRef::from_value(args)?.content() {
        [one] => *one,
        _ => args,
    };
    Some((items, key, reverse))
}

/// `sorted`, `min` or `max` with a key: each key computed once, measured, then
/// compared; stable, and `reverse` keeps equal items in their order (as the
/// standard `sorted` does). `min` and `max` give the first of the least or greatest.
pub(crate) fn by_key<'v>(
    pick: Pick,
    items: Value<'v>,
    key: Value<'v>,
    reverse: bool,
    eval: &mut Evaluator<'v, '_, '_>,
) -> starlark::Result<Value<'v>> {
    let items: Vec<Value<'v>> = items.iterate(eval.heap())?.collect();
    check_build(eval, items.len() as u64, VALUE_BYTES, "sorted").map_err(err)?;
    let mut keys = Vec::with_capacity(items.len());
    for item in &items {
        let value = eval.eval_function(key, &[*item], &[])?;
        measured(value, eval, "a sort key").map_err(err)?;
        keys.push(value);
    }
    let mut failure = None;
    let mut order = |a: usize, b: usize| match keys[a].compare(keys[b]) {
        Ok(ordering) => ordering,
        Err(error) => {
            failure.get_or_insert(error);
            std::cmp::Ordering::Equal
        }
    };
    let result = match pick {
        Pick::Sorted => {
            let mut at: Vec<usize> = (0..items.len()).collect();
            at.sort_by(|&a, &b| {
                let ordering = order(a, b);
                if reverse {
                    ordering.reverse()
                } else {
                    ordering
                }
            });
            eval.heap().alloc(starlark::values::list::AllocList(
                at.into_iter().map(|i| items[i]),
            ))
        }
        Pick::Min | Pick::Max => {
            let mut best: Option<usize> = None;
            for i in 0..items.len() {
                best = Some(match best {
                    None => i,
                    Some(b) => {
                        let ordering = order(i, b);
                        let better = if pick == Pick::Min {
                            ordering == std::cmp::Ordering::Less
                        } else {
                            ordering == std::cmp::Ordering::Greater
                        };
                        if better { i } else { b }
                    }
                });
            }
            match best {
                Some(i) => items[i],
                None => {
                    return Err(err(anyhow::anyhow!("min() or max() of an empty sequence")));
                }
            }
        }
    };
    match failure {
        Some(error) => Err(error),
        None => Ok(result),
    }
}
