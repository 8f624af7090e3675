//! The checked builtins (`str`, `repr`, `fail`, `int`, and those that walk or pair
//! up their arguments) and the guarded methods (`join`, `replace`, `format`,
//! `extend`, `items`, `popitem`; see [`crate::rewrite`] for how a method call reaches
//! its guard). Each measures what it would walk or build, as the operators' guards in
//! [`crate::guards`] do, and then does what the standard one does.

use crate::guards::{MAX_INT_BITS, VALUE_BYTES, check_build, err, measured};
use starlark::environment::{Globals, GlobalsBuilder};
use starlark::eval::Evaluator;
use starlark::values::dict::DictRef;
use starlark::values::list::ListRef;
use starlark::values::tuple::TupleRef;
use starlark::values::{FrozenValue, Value};
use std::sync::OnceLock;

/// The guards for `str`, `repr`, `fail` and `int`.
#[starlark::starlark_module]
pub(crate) fn text_builtins(globals: &mut GlobalsBuilder) {
    /// `getattr(x, name[, default])`, except for the guarded methods: fetched this
    /// way, their guard would be skipped (they must be called where they are named).
    fn getattr<'v>(
        #[starlark(args)] args: Value<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        let name = TupleRef::from_value(args)
            .and_then(|t| t.content().get(1).copied())
            .and_then(|v| v.unpack_str());
        if let Some(name) = name
            && crate::rewrite::METHODS
                .iter()
                .any(|(method, _)| *method == name)
        {
            return Err(err(anyhow::anyhow!(
                "getattr cannot fetch `{name}`: call `x.{name}(...)` where it is named (the call is size-checked there)"
            )));
        }
        copy("getattr", args, kwargs, eval)
    }

    /// `str(x)`, after measuring `x`.
    fn str<'v>(
        #[starlark(require = pos)] a: Value<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        if a.unpack_str().is_some() {
            return Ok(a);
        }
        text_of(a, eval, false).map_err(err)
    }

    /// `repr(x)`, after measuring `x`.
    fn repr<'v>(
        #[starlark(require = pos)] a: Value<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        text_of(a, eval, true).map_err(err)
    }

    /// `fail(*args)`, after measuring what it prints.
    fn fail<'v>(
        #[starlark(args)] args: Value<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        delegate("fail", args, kwargs, eval)
    }

    /// `int(x)`; a text to read is at most a few hundred digits (reading a longer one
    /// takes time quadratic in its length).
    fn int<'v>(
        #[starlark(args)] args: Value<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        let first = TupleRef::from_value(args).and_then(|t| t.content().first().copied());
        if let Some(text) = first.and_then(|v| v.unpack_str()) {
            let most = MAX_INT_BITS / 3 + 8;
            if text.len() as u64 > most {
                return Err(err(anyhow::anyhow!(
                    "int() of a text of {} characters; a policy's ints have at most {MAX_INT_BITS} bits ({most} characters)",
                    text.len()
                )));
            }
        }
        delegate("int", args, kwargs, eval)
    }
}

/// The guards for the builtins that walk or pair up their arguments.
#[starlark::starlark_module]
pub(crate) fn delegated_builtins(globals: &mut GlobalsBuilder) {
    /// `list(x)`: a copy, once the heap has room for it (it walks no element).
    fn list<'v>(
        #[starlark(args)] args: Value<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        copy("list", args, kwargs, eval)
    }

    fn sorted<'v>(
        #[starlark(args)] args: Value<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        match crate::ordering::keyed(args, &kwargs) {
            Some((items, key, reverse)) => {
                crate::ordering::by_key(crate::ordering::Pick::Sorted, items, key, reverse, eval)
            }
            None => delegate("sorted", args, kwargs, eval),
        }
    }

    fn min<'v>(
        #[starlark(args)] args: Value<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        match crate::ordering::keyed(args, &kwargs) {
            Some((items, key, reverse)) => {
                crate::ordering::by_key(crate::ordering::Pick::Min, items, key, reverse, eval)
            }
            None => delegate("min", args, kwargs, eval),
        }
    }

    fn max<'v>(
        #[starlark(args)] args: Value<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        match crate::ordering::keyed(args, &kwargs) {
            Some((items, key, reverse)) => {
                crate::ordering::by_key(crate::ordering::Pick::Max, items, key, reverse, eval)
            }
            None => delegate("max", args, kwargs, eval),
        }
    }

    fn dict<'v>(
        #[starlark(args)] args: Value<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        delegate("dict", args, kwargs, eval)
    }

    fn set<'v>(
        #[starlark(args)] args: Value<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        delegate("set", args, kwargs, eval)
    }

    fn tuple<'v>(
        #[starlark(args)] args: Value<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        delegate("tuple", args, kwargs, eval)
    }

    fn zip<'v>(
        #[starlark(args)] args: Value<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        delegate("zip", args, kwargs, eval)
    }

    fn enumerate<'v>(
        #[starlark(args)] args: Value<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        delegate("enumerate", args, kwargs, eval)
    }

    fn r#struct<'v>(
        #[starlark(args)] args: Value<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        delegate("struct", args, kwargs, eval)
    }
}

/// The guards for `join`, `replace` and `format`.
#[starlark::starlark_module]
pub(crate) fn string_methods(globals: &mut GlobalsBuilder) {
    /// `sep.join(items)`, built here with the exact size, after checking it.
    fn _rtgsim_join<'v>(
        #[starlark(require = pos)] receiver: Value<'v>,
        #[starlark(args)] args: Value<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        let Some(separator) = receiver.unpack_str() else {
            return call_method(receiver, "join", args, kwargs, eval);
        };
        let items = single_argument(args, kwargs, "join").map_err(err)?;
        let heap = eval.heap();
        let parts: Vec<Value<'v>> = items.iterate(heap)?.collect();
        let mut total =
            (separator.len() as u64).saturating_mul(parts.len().saturating_sub(1) as u64);
        for part in &parts {
            let Some(text) = part.unpack_str() else {
                return Err(err(anyhow::anyhow!(
                    "join: the items must be strings, not {}",
                    part.get_type()
                )));
            };
            total = total.saturating_add(text.len() as u64);
        }
        check_build(eval, total, 1, "join").map_err(err)?;
        let mut joined = String::with_capacity(total as usize);
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                joined.push_str(separator);
            }
            joined.push_str(part.unpack_str().unwrap_or_default());
        }
        Ok(eval.heap().alloc(joined))
    }

    /// `text.replace(old, new[, count])`, after checking the size of the result.
    fn _rtgsim_replace<'v>(
        #[starlark(require = pos)] receiver: Value<'v>,
        #[starlark(args)] args: Value<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        if let Some(text) = receiver.unpack_str() {
            let given: Vec<Value<'v>> = TupleRef::from_value(args)
                .map(|t| t.content().to_vec())
                .unwrap_or_default();
            if let (Some(old), Some(new)) = (
                given.first().and_then(|v| v.unpack_str()),
                given.get(1).and_then(|v| v.unpack_str()),
            ) {
                let count = given.get(2).and_then(|v| v.unpack_i32());
                let found = if old.is_empty() {
                    text.chars().count() as u64 + 1
                } else {
                    text.matches(old).count() as u64
                };
                let found = match count {
                    Some(n) if n >= 0 => found.min(u64::from(n.unsigned_abs())),
                    _ => found,
                };
                let grows = (new.len() as u64).saturating_sub(old.len() as u64);
                check_build(
                    eval,
                    (text.len() as u64).saturating_add(found.saturating_mul(grows)),
                    1,
                    "replace",
                )
                .map_err(err)?;
            }
        }
        call_method(receiver, "replace", args, kwargs, eval)
    }

    /// `text.format(...)`, after measuring what it prints.
    fn _rtgsim_format<'v>(
        #[starlark(require = pos)] receiver: Value<'v>,
        #[starlark(args)] args: Value<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        if let Some(format) = receiver.unpack_str() {
            let mut widest = 0u64;
            let positional: Vec<Value<'v>> = TupleRef::from_value(args)
                .map(|t| t.content().to_vec())
                .unwrap_or_default();
            for value in positional.into_iter().chain(kwargs.values()) {
                widest = widest.max(measured(value, eval, "format").map_err(err)?.text_bytes);
            }
            let fields = format.matches('{').count() as u64;
            let most = (format.len() as u64).saturating_add(fields.saturating_mul(widest));
            check_build(eval, most, 1, "format").map_err(err)?;
        }
        call_method(receiver, "format", args, kwargs, eval)
    }
}

/// The guards for `extend`, `items` and `popitem`.
#[starlark::starlark_module]
pub(crate) fn container_methods(globals: &mut GlobalsBuilder) {
    /// `xs.index(x)`: compares `x` with the items, once both are measured.
    fn _rtgsim_index<'v>(
        #[starlark(require = pos)] receiver: Value<'v>,
        #[starlark(args)] args: Value<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        compared_with_items(receiver, "index", args, kwargs, eval)
    }

    /// `xs.remove(x)`: compares `x` with the items, once both are measured.
    fn _rtgsim_remove<'v>(
        #[starlark(require = pos)] receiver: Value<'v>,
        #[starlark(args)] args: Value<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        compared_with_items(receiver, "remove", args, kwargs, eval)
    }

    /// `items.extend(more)`, after checking the size of the result.
    fn _rtgsim_extend<'v>(
        #[starlark(require = pos)] receiver: Value<'v>,
        #[starlark(args)] args: Value<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        if let Some(list) = ListRef::from_value(receiver) {
            let more = TupleRef::from_value(args)
                .and_then(|t| t.content().first().copied())
                .and_then(|v| v.length().ok())
                .unwrap_or(0);
            check_build(
                eval,
                list.len() as u64 + u64::from(more.max(0).unsigned_abs()),
                VALUE_BYTES,
                "extend",
            )
            .map_err(err)?;
        }
        call_method(receiver, "extend", args, kwargs, eval)
    }

    /// `d.items()`: tuples of the dict's keys and values, once the dict is measured.
    fn _rtgsim_items<'v>(
        #[starlark(require = pos)] receiver: Value<'v>,
        #[starlark(args)] args: Value<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        if DictRef::from_value(receiver).is_some() {
            measured(receiver, eval, "items").map_err(err)?;
        }
        call_method(receiver, "items", args, kwargs, eval)
    }

    /// `d.popitem()`: a tuple of a key and a value, once the dict is measured.
    fn _rtgsim_popitem<'v>(
        #[starlark(require = pos)] receiver: Value<'v>,
        #[starlark(args)] args: Value<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        if DictRef::from_value(receiver).is_some() {
            measured(receiver, eval, "popitem").map_err(err)?;
        }
        call_method(receiver, "popitem", args, kwargs, eval)
    }
}

/// The standard builtins the checked ones delegate to once their arguments pass.
fn standard(name: &str) -> anyhow::Result<FrozenValue> {
    static STANDARD: OnceLock<Globals> = OnceLock::new();
    let globals = STANDARD.get_or_init(|| {
        use starlark::environment::LibraryExtension as Extension;
        Globals::extended_by(&[Extension::StructType, Extension::SetType])
    });
    globals
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value)
        .ok_or_else(|| anyhow::anyhow!("no standard `{name}`"))
}

/// Measures every argument of a call to the builtin `name`, then calls it.
fn delegate<'v>(
    name: &str,
    args: Value<'v>,
    kwargs: DictRef<'v>,
    eval: &mut Evaluator<'v, '_, '_>,
) -> starlark::Result<Value<'v>> {
    let positional: Vec<Value<'v>> = TupleRef::from_value(args)
        .map(|t| t.content().to_vec())
        .unwrap_or_default();
    for value in positional
        .iter()
        .chain(kwargs.values().collect::<Vec<_>>().iter())
    {
        measured(*value, eval, name).map_err(starlark::Error::new_other)?;
    }
    // What it builds holds at most the elements it is given.
    let elements: u64 = positional
        .iter()
        .filter_map(|value| value.length().ok())
        .map(|len| u64::from(len.max(0).unsigned_abs()))
        .sum();
    check_build(eval, elements, VALUE_BYTES, name).map_err(err)?;
    let named: Vec<(String, Value<'v>)> = kwargs
        .iter()
        .map(|(k, v)| (k.unpack_str().unwrap_or_default().to_string(), v))
        .collect();
    let named: Vec<(&str, Value<'v>)> = named.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let function = standard(name).map_err(starlark::Error::new_other)?;
    eval.eval_function(function.to_value(), &positional, &named)
}

/// `receiver.name(x, ...)` for a method that compares `x` with each item: when `x`
/// is not a scalar, `x` and the items are measured first.
fn compared_with_items<'v>(
    receiver: Value<'v>,
    name: &str,
    args: Value<'v>,
    kwargs: DictRef<'v>,
    eval: &mut Evaluator<'v, '_, '_>,
) -> starlark::Result<Value<'v>> {
    let needle = TupleRef::from_value(args).and_then(|t| t.content().first().copied());
    if let Some(needle) = needle
        && !crate::shape::is_scalar(needle)
    {
        measured(needle, eval, name).map_err(err)?;
        measured(receiver, eval, name).map_err(err)?;
    }
    call_method(receiver, name, args, kwargs, eval)
}

/// What one piece of a split string takes on the heap, at most: a string's header and
/// its bytes rounded up, and the list's slot.
const PIECE_BYTES: u64 = 48;

/// `text.NAME(...)` for a method that cuts a string into pieces (at most one more
/// than its length), once the heap has room for them.
fn pieces<'v>(
    receiver: Value<'v>,
    name: &str,
    args: Value<'v>,
    kwargs: DictRef<'v>,
    eval: &mut Evaluator<'v, '_, '_>,
) -> starlark::Result<Value<'v>> {
    if let Some(text) = receiver.unpack_str() {
        check_build(eval, text.len() as u64 + 1, PIECE_BYTES, name).map_err(err)?;
    }
    call_method(receiver, name, args, kwargs, eval)
}

/// The guards for the methods that cut a string into pieces.
#[starlark::starlark_module]
pub(crate) fn splitting_methods(globals: &mut GlobalsBuilder) {
    fn _rtgsim_split<'v>(
        #[starlark(require = pos)] receiver: Value<'v>,
        #[starlark(args)] args: Value<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        pieces(receiver, "split", args, kwargs, eval)
    }

    fn _rtgsim_rsplit<'v>(
        #[starlark(require = pos)] receiver: Value<'v>,
        #[starlark(args)] args: Value<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        pieces(receiver, "rsplit", args, kwargs, eval)
    }

    fn _rtgsim_splitlines<'v>(
        #[starlark(require = pos)] receiver: Value<'v>,
        #[starlark(args)] args: Value<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        pieces(receiver, "splitlines", args, kwargs, eval)
    }

    fn _rtgsim_elems<'v>(
        #[starlark(require = pos)] receiver: Value<'v>,
        #[starlark(args)] args: Value<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        pieces(receiver, "elems", args, kwargs, eval)
    }

    fn _rtgsim_codepoints<'v>(
        #[starlark(require = pos)] receiver: Value<'v>,
        #[starlark(args)] args: Value<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> starlark::Result<Value<'v>> {
        pieces(receiver, "codepoints", args, kwargs, eval)
    }
}

/// Calls the builtin `name`, which copies its argument's elements, once the heap has
/// room for them.
fn copy<'v>(
    name: &str,
    args: Value<'v>,
    kwargs: DictRef<'v>,
    eval: &mut Evaluator<'v, '_, '_>,
) -> starlark::Result<Value<'v>> {
    let positional: Vec<Value<'v>> = TupleRef::from_value(args)
        .map(|t| t.content().to_vec())
        .unwrap_or_default();
    if let Some(len) = positional.first().and_then(|v| v.length().ok()) {
        check_build(
            eval,
            u64::from(len.max(0).unsigned_abs()),
            VALUE_BYTES,
            name,
        )
        .map_err(err)?;
    }
    let named: Vec<(String, Value<'v>)> = kwargs
        .iter()
        .map(|(k, v)| (k.unpack_str().unwrap_or_default().to_string(), v))
        .collect();
    let named: Vec<(&str, Value<'v>)> = named.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let function = standard(name).map_err(starlark::Error::new_other)?;
    eval.eval_function(function.to_value(), &positional, &named)
}

/// `str(x)` or `repr(x)` after measuring `x`.
fn text_of<'v>(
    value: Value<'v>,
    eval: &mut Evaluator<'v, '_, '_>,
    repr: bool,
) -> anyhow::Result<Value<'v>> {
    let what = if repr { "repr" } else { "str" };
    let shape = measured(value, eval, what)?;
    check_build(eval, shape.text_bytes, 1, what)?;
    let text = if repr {
        value.to_repr()
    } else {
        value.to_str()
    };
    Ok(eval.heap().alloc(text))
}

/// The one argument of `name(x)`.
fn single_argument<'v>(
    args: Value<'v>,
    kwargs: DictRef<'v>,
    name: &str,
) -> anyhow::Result<Value<'v>> {
    let given = TupleRef::from_value(args)
        .map(|t| t.content().to_vec())
        .unwrap_or_default();
    match (given.as_slice(), kwargs.len()) {
        ([one], 0) => Ok(*one),
        _ => anyhow::bail!("{name}() takes exactly one positional argument"),
    }
}

/// `receiver.name(*args, **kwargs)`, as the script wrote it.
fn call_method<'v>(
    receiver: Value<'v>,
    name: &str,
    args: Value<'v>,
    kwargs: DictRef<'v>,
    eval: &mut Evaluator<'v, '_, '_>,
) -> starlark::Result<Value<'v>> {
    let method = receiver.get_attr_error(name, eval.heap())?;
    let positional: Vec<Value<'v>> = TupleRef::from_value(args)
        .map(|t| t.content().to_vec())
        .unwrap_or_default();
    let named: Vec<(String, Value<'v>)> = kwargs
        .iter()
        .map(|(k, v)| (k.unpack_str().unwrap_or_default().to_string(), v))
        .collect();
    let named: Vec<(&str, Value<'v>)> = named.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    eval.eval_function(method, &positional, &named)
}
