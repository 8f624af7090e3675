//! Between Starlark and the engine: a script's decisions, checked strictly, and its
//! `state`, kept between calls as JSON.

use crate::budget::Budget;
use crate::shape::{is_scalar, measure};
use rtgsim_core::limits::MAX_PRIORITY;
use rtgsim_core::policy_api::DecisionKey;
use rtgsim_core::policy_api::{DecisionKind, ScriptContext, ScriptDecision};
use rtgsim_core::{
    Cents, CollateralDecision, HoldReason, LiquidityShare, PolicyView, ReleaseAction,
    ReleaseDecision, Transaction, TxId,
};
use rtgsim_diagnostics::{Quote, did_you_mean};
use serde_json::{Map, Number, Value as Json};
use starlark::values::dict::{AllocDict, DictRef};
use starlark::values::float::UnpackFloat;
use starlark::values::list::{AllocList, ListRef};
use starlark::values::{Heap, UnpackValue, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The payment decisions a script returned: a list of dicts such as
/// `{"action": "Release", "tx_id": 7}`. Payments not mentioned are held. Anything
/// else is an error, with what was wrong.
pub fn payment_decisions(
    result: Value<'_>,
    view: &PolicyView<'_>,
) -> Result<Vec<ReleaseDecision>, String> {
    let list = ListRef::from_value(result).ok_or_else(|| {
        format!(
            "returned {}; it must return a list of decisions",
            a_type(result)
        )
    })?;
    let queued: BTreeMap<TxId, &Transaction> = view.queue1().map(|tx| (tx.id, tx)).collect();
    let mut seen = BTreeSet::new();
    let mut decisions = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let at = |message: String| format!("decision {i}: {message}");
        let dict = Decision::read(item).map_err(at)?;
        let action = dict.text("action").map_err(at)?;
        let tx = TxId(dict.whole("tx_id", 0, i64::from(u32::MAX)).map_err(at)? as u32);
        let Some(payment) = queued.get(&tx) else {
            return Err(at(format!(
                "tx_id {} is not a payment in this agent's queue",
                tx.0
            )));
        };
        if !seen.insert(tx) {
            return Err(at(format!("a second decision for tx_id {}", tx.0)));
        }
        let Some(spec) = ScriptDecision::find(ScriptContext::Payment, action) else {
            return Err(at(unknown_action(ScriptContext::Payment, action)));
        };
        let decided = payment_action(&dict, spec, payment).map_err(at)?;
        dict.only(spec).map_err(at)?;
        let mut decision = ReleaseDecision::new(tx, decided);
        // A hold keeps its reason as the hold reason; any other decision's reason is
        // its source in the event log.
        if !matches!(decision.action, ReleaseAction::Hold { .. })
            && let Some(reason) = dict.optional_text("reason").map_err(at)?
        {
            decision = decision.from_source(reason.into());
        }
        decisions.push(decision);
    }
    Ok(decisions)
}

/// The core decision one payment decision dict asks for (its keys read and checked
/// against `payment`).
fn payment_action(
    dict: &Decision<'_>,
    spec: &ScriptDecision,
    payment: &Transaction,
) -> Result<ReleaseAction, String> {
    Ok(match spec.decision {
        DecisionKind::Submit => {
            let priority = dict
                .optional_whole("priority", 0, i64::from(MAX_PRIORITY))?
                .map(|p| p as u8);
            ReleaseAction::Submit { priority }
        }
        DecisionKind::Reprioritize => {
            let priority = dict.whole("priority", 0, i64::from(MAX_PRIORITY))? as u8;
            ReleaseAction::Reprioritize { priority }
        }
        DecisionKind::Hold => {
            let reason = dict
                .optional_text("reason")?
                .unwrap_or("held by the script");
            ReleaseAction::Hold {
                reason: HoldReason::Custom(reason.to_string()),
            }
        }
        DecisionKind::Drop => ReleaseAction::Drop,
        DecisionKind::Split => {
            if !payment.divisible {
                return Err(format!(
                    "tx_id {} is not divisible (tx.is_divisible is False) and cannot be split",
                    payment.id.0
                ));
            }
            let most = i64::from(rtgsim_core::limits::MAX_SPLIT_PARTS).min(payment.amount);
            let parts = dict.whole("splits", 2, most)?;
            ReleaseAction::Split {
                parts: parts as u32,
            }
        }
        // A share (`ReleaseShare`) or an amount (`ReleasePartial`) of the payment.
        DecisionKind::SubmitPartial => {
            let priority = dict
                .optional_whole("priority", 0, i64::from(MAX_PRIORITY))?
                .map(|p| p as u8);
            let part = if spec.takes(DecisionKey::Share) {
                let share = dict.number("share")?;
                ReleaseAction::share_of(payment.amount, payment.divisible, share, priority)
            } else {
                let amount = dict.whole("amount", 1, rtgsim_core::money::MAX_MONEY_CENTS)?;
                ReleaseAction::part_of(payment.amount, payment.divisible, amount, priority)
            };
            part.map_err(|e| format!("tx_id {}: {e}", payment.id.0))?
        }
        // No payment decision of a script becomes one of these.
        DecisionKind::WithdrawFromQueue2
        | DecisionKind::ResubmitToQueue2
        | DecisionKind::PostCollateral
        | DecisionKind::WithdrawCollateral
        | DecisionKind::HoldCollateral => {
            return Err(unknown_action(ScriptContext::Payment, spec.name));
        }
    })
}

/// A collateral decision: `{"action": "Post" | "Withdraw", "amount": n}` or
/// `{"action": "Hold"}` (or `None`, also hold).
pub fn collateral_decision(result: Value<'_>) -> Result<CollateralDecision, String> {
    if result.is_none() {
        return Ok(CollateralDecision::Hold);
    }
    let at = |message: String| format!("returned {message}");
    let dict = Decision::read(result).map_err(at)?;
    let action = dict.text("action").map_err(at)?;
    let max = rtgsim_core::money::MAX_MONEY_CENTS;
    let Some(spec) = ScriptDecision::find(ScriptContext::Collateral, action) else {
        return Err(at(unknown_action(ScriptContext::Collateral, action)));
    };
    let decision = match spec.decision {
        DecisionKind::PostCollateral => CollateralDecision::Post {
            amount: dict.whole("amount", 1, max).map_err(at)? as Cents,
        },
        DecisionKind::WithdrawCollateral => CollateralDecision::Withdraw {
            amount: dict.whole("amount", 1, max).map_err(at)? as Cents,
        },
        DecisionKind::HoldCollateral => CollateralDecision::Hold,
        // No collateral decision of a script becomes one of these.
        DecisionKind::Submit
        | DecisionKind::SubmitPartial
        | DecisionKind::Split
        | DecisionKind::Hold
        | DecisionKind::Drop
        | DecisionKind::Reprioritize
        | DecisionKind::WithdrawFromQueue2
        | DecisionKind::ResubmitToQueue2 => {
            return Err(at(unknown_action(ScriptContext::Collateral, action)));
        }
    };
    dict.only(spec).map_err(at)?;
    Ok(decision)
}

/// A day's initial liquidity: a share of the collateral capacity from 0 to 1 (an
/// int or a float), or `None` to keep what is posted.
pub fn liquidity_share(result: Value<'_>) -> Result<Option<LiquidityShare>, String> {
    if result.is_none() {
        return Ok(None);
    }
    let wanted = "a share of the collateral capacity from 0 to 1 (an int or a float), or None to keep what is posted";
    let share = number_of(result)
        .ok_or_else(|| format!("returned {}; it must return {wanted}", describe(result)))?;
    LiquidityShare::from_fraction(share)
        .map(Some)
        .ok_or_else(|| format!("returned {share}, outside 0 to 1; it must return {wanted}"))
}

/// An int or a float as `f64` (not a bool); `None` for anything else.
fn number_of(v: Value<'_>) -> Option<f64> {
    match v.get_type() {
        "int" => match i64::unpack_value(v) {
            Ok(Some(i)) => Some(i as f64),
            // An int past 64 bits is far outside any range a number is checked
            // against; its float (or infinity) says so in the message.
            _ => v.to_repr().parse::<f64>().ok(),
        },
        "float" => match UnpackFloat::unpack_value(v) {
            Ok(Some(UnpackFloat(x))) => Some(x),
            _ => None,
        },
        _ => None,
    }
}

/// The message for an action `context` has no decision for, with a suggestion when
/// a known one is close.
fn unknown_action(context: ScriptContext, action: &str) -> String {
    let hint = did_you_mean(action, context.action_names(), Quote::Double)
        .map(|words| format!(" ({words})"))
        .unwrap_or_default();
    let list = context.action_list();
    match context {
        ScriptContext::Payment => {
            format!("unknown action \"{action}\"{hint}; a payment decision is {list}")
        }
        ScriptContext::Collateral => {
            format!("an unknown action \"{action}\"{hint}; a collateral decision is {list}")
        }
    }
}

/// A decision dict, read key by key.
struct Decision<'v> {
    entries: Vec<(&'v str, Value<'v>)>,
}

impl<'v> Decision<'v> {
    fn read(value: Value<'v>) -> Result<Decision<'v>, String> {
        let dict =
            DictRef::from_value(value).ok_or_else(|| format!("{}, not a dict", a_type(value)))?;
        let mut entries = Vec::with_capacity(dict.len());
        for (key, value) in dict.iter() {
            let key = key
                .unpack_str()
                .ok_or_else(|| format!("a key {key} that is not a string"))?;
            entries.push((key, value));
        }
        Ok(Decision { entries })
    }

    fn get(&self, key: &str) -> Option<Value<'v>> {
        self.entries
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    }

    fn text(&self, key: &str) -> Result<&'v str, String> {
        self.optional_text(key)?
            .ok_or_else(|| format!("no \"{key}\""))
    }

    fn optional_text(&self, key: &str) -> Result<Option<&'v str>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .unpack_str()
                .map(Some)
                .ok_or_else(|| format!("\"{key}\" must be a string, not {}", a_type(v))),
        }
    }

    fn optional_whole(&self, key: &str, min: i64, max: i64) -> Result<Option<i64>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(_) => self.whole(key, min, max).map(Some),
        }
    }

    fn whole(&self, key: &str, min: i64, max: i64) -> Result<i64, String> {
        let v = self.get(key).ok_or_else(|| format!("no \"{key}\""))?;
        let n = (v.get_type() == "int")
            .then(|| i64::unpack_value(v).ok().flatten())
            .flatten()
            .ok_or_else(|| format!("\"{key}\" must be an int, not {}", describe(v)))?;
        if !(min..=max).contains(&n) {
            return Err(format!("\"{key}\" is {n}, outside {min}..={max}"));
        }
        Ok(n)
    }

    /// An int or a float.
    fn number(&self, key: &str) -> Result<f64, String> {
        let v = self.get(key).ok_or_else(|| format!("no \"{key}\""))?;
        number_of(v)
            .ok_or_else(|| format!("\"{key}\" must be an int or a float, not {}", describe(v)))
    }

    /// Every key must be one `decision` takes.
    fn only(&self, decision: &ScriptDecision) -> Result<(), String> {
        match self.entries.iter().find(|(k, _)| !decision.allows(k)) {
            Some((k, _)) => Err(format!(
                "an unknown key \"{k}\" (allowed: {})",
                decision.allowed_keys().collect::<Vec<_>>().join(", ")
            )),
            None => Ok(()),
        }
    }
}

/// "an int", "a dict": a value's type with its article.
fn a_type(v: Value<'_>) -> String {
    let name = v.get_type();
    let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {name}")
}

fn describe(v: Value<'_>) -> String {
    format!("the {} {}", v.get_type(), shown(v))
}

/// A value as a message shows it: its `repr` when that is short, otherwise `...`.
/// Measured first, as the guards do: a message must not be where a script's value
/// overflows the stack.
fn shown(v: Value<'_>) -> String {
    const LONGEST: u64 = 200;
    let budget = Budget::for_message();
    match measure(v, &budget, None, "") {
        Ok(shape) if shape.text_bytes <= LONGEST => v.to_repr(),
        _ if is_scalar(v) && v.unpack_str().is_none() => v.to_repr(),
        _ => "...".to_string(),
    }
}

/// The saved state as a Starlark dict (the state is always a JSON object).
pub fn state_to_starlark<'v>(state: &Map<String, Json>, heap: Heap<'v>) -> Value<'v> {
    let entries: Vec<(&str, Value<'v>)> = state
        .iter()
        .map(|(k, v)| (k.as_str(), json_to_starlark(v, heap)))
        .collect();
    heap.alloc(AllocDict(entries))
}

fn json_to_starlark<'v>(json: &Json, heap: Heap<'v>) -> Value<'v> {
    match json {
        Json::Null => Value::new_none(),
        Json::Bool(b) => Value::new_bool(*b),
        Json::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => heap.alloc(i),
            (None, Some(u)) => heap.alloc(u),
            // `check_state` let only finite numbers in.
            (None, None) => heap.alloc(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => heap.alloc(s.as_str()),
        Json::Array(items) => {
            heap.alloc(AllocList(items.iter().map(|v| json_to_starlark(v, heap))))
        }
        Json::Object(map) => heap.alloc(AllocDict(
            map.iter()
                .map(|(k, v)| (k.as_str(), json_to_starlark(v, heap))),
        )),
    }
}

/// The state dict after a call, as JSON; an error names the first value that JSON
/// cannot hold. Every node is charged to the call's budget (a state that shares
/// structure would otherwise take exponential time to save) and the JSON may take at
/// most `max_bytes` bytes.
pub fn state_from_starlark<'v>(
    value: Value<'v>,
    budget: &Budget,
    heap: Heap<'v>,
    max_bytes: usize,
) -> Result<Map<String, Json>, String> {
    let _ = heap;
    let mut saver = Saver {
        budget,
        bytes: 0,
        max_bytes,
    };
    match saver.json(value, &|| "state".to_string(), 0)? {
        Json::Object(map) => Ok(map),
        other => Err(format!("state must stay a dict, not {other}")),
    }
}

/// The size of a state as compact JSON, in bytes.
pub fn state_bytes(state: &Map<String, Json>) -> usize {
    serde_json::to_vec(state).map_or(usize::MAX, |bytes| bytes.len())
}

/// How deep a saved state may nest (a cycle would otherwise never end).
const MAX_STATE_DEPTH: usize = 64;

/// One state being saved: the budget it is charged to and its size so far.
struct Saver<'b> {
    budget: &'b Budget,
    /// The compact JSON written so far, counted exactly as serde_json writes it.
    bytes: usize,
    max_bytes: usize,
}

impl Saver<'_> {
    fn count(&mut self, bytes: usize) -> Result<(), String> {
        self.bytes = self.bytes.saturating_add(bytes);
        if self.bytes > self.max_bytes {
            return Err(format!(
                "the state would take more than {} bytes as JSON (the policy's max_state_bytes limit); it is left as it was",
                self.max_bytes
            ));
        }
        Ok(())
    }

    fn json(
        &mut self,
        value: Value<'_>,
        path: &dyn Fn() -> String,
        depth: usize,
    ) -> Result<Json, String> {
        if depth > MAX_STATE_DEPTH {
            return Err(format!(
                "{} nests more than {MAX_STATE_DEPTH} levels (or refers to itself)",
                path()
            ));
        }
        self.budget
            .charge(1, "saving the state")
            .map_err(|e| e.to_string())?;
        if value.is_none() {
            self.count(4)?;
            return Ok(Json::Null);
        }
        if let Some(b) = value.unpack_bool() {
            self.count(if b { 4 } else { 5 })?;
            return Ok(Json::Bool(b));
        }
        if let Some(i) = value.unpack_i32() {
            self.count(decimal_len(i64::from(i)))?;
            return Ok(Json::Number(i.into()));
        }
        if let Some(s) = value.unpack_str() {
            self.count(json_string_len(s))?;
            return Ok(Json::String(s.to_string()));
        }
        if let Some(list) = ListRef::from_value(value) {
            self.count(2 + list.len().saturating_sub(1))?;
            let mut items = Vec::with_capacity(list.len());
            for (i, item) in list.iter().enumerate() {
                items.push(self.json(item, &|| format!("{}[{i}]", path()), depth + 1)?);
            }
            return Ok(Json::Array(items));
        }
        if let Some(dict) = DictRef::from_value(value) {
            self.count(2 + dict.len().saturating_sub(1))?;
            let mut map = Map::new();
            for (key, item) in dict.iter() {
                let key = key.unpack_str().ok_or_else(|| {
                    format!(
                        "{} has a key {} that is not a string; saved state needs string keys",
                        path(),
                        shown(key)
                    )
                })?;
                self.count(json_string_len(key) + 1)?;
                let child = || format!("{}[{key:?}]", path());
                map.insert(key.to_string(), self.json(item, &child, depth + 1)?);
            }
            return Ok(Json::Object(map));
        }
        let number = if value.get_type() == "int" {
            if let Ok(Some(i)) = i64::unpack_value(value) {
                Number::from(i)
            } else if let Ok(Some(u)) = u64::unpack_value(value) {
                Number::from(u)
            } else {
                return Err(format!(
                    "{} is too large an int for a saved state (more than 64 bits)",
                    path()
                ));
            }
        } else if let Ok(Some(UnpackFloat(x))) = UnpackFloat::unpack_value(value) {
            Number::from_f64(x)
                .ok_or_else(|| format!("{} is {x}, which a saved state cannot hold", path()))?
        } else {
            return Err(format!(
                "{} holds {} ({}); a saved state holds only None, bools, ints, floats, strings, lists and dicts",
                path(),
                a_type(value),
                shown(value)
            ));
        };
        self.count(number.to_string().len())?;
        Ok(Json::Number(number))
    }
}

/// How many characters `n` takes in decimal.
fn decimal_len(n: i64) -> usize {
    let sign = usize::from(n < 0);
    let mut digits = 1;
    let mut rest = n.unsigned_abs();
    while rest >= 10 {
        rest /= 10;
        digits += 1;
    }
    sign + digits
}

/// How many bytes serde_json writes for the string `s`, quotes and escapes included.
fn json_string_len(s: &str) -> usize {
    2 + s
        .bytes()
        .map(|b| match b {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 2,
            0..=0x1f => 6,
            _ => 1,
        })
        .sum::<usize>()
}

/// A state to restore must hold only numbers a script can get back unchanged: ints
/// within 64 bits and finite floats.
pub fn check_state(json: &Json, path: &str) -> Result<(), String> {
    match json {
        Json::Number(n) => {
            let fits = n.as_i64().is_some()
                || n.as_u64().is_some()
                || n.as_f64().is_some_and(f64::is_finite);
            if fits {
                Ok(())
            } else {
                Err(format!("{path} is {n}, a number a script cannot hold"))
            }
        }
        Json::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| check_state(item, &format!("{path}[{i}]"))),
        Json::Object(map) => map
            .iter()
            .try_for_each(|(key, item)| check_state(item, &format!("{path}[{key:?}]"))),
        Json::Null | Json::Bool(_) | Json::String(_) => Ok(()),
    }
}
