//! The helper functions a converted script may need, written once here and emitted
//! only when the script uses them. Each one does exactly what the tree interpreter
//! (`rtgsim_policy_dsl::program`) does at the same point, including its faults.

use rtgsim_core::limits::{MAX_PRIORITY, MAX_SPLIT_PARTS};
use rtgsim_core::money::MAX_MONEY_CENTS;
use std::collections::BTreeSet;

/// A helper, in the order they are written at the end of a script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Helper {
    Registers,
    TimedRelease,
    AutoWithdraw,
    WithinBudget,
    BudgetLeft,
    SplitParts,
    SharePart,
    Priority,
    Tick,
    Ticks,
    Cents,
    SetRegister,
    Eq,
    Div,
    Div0,
    Clamp,
    Floor,
    Ceil,
    Round,
    Whole,
    Finite,
}

impl Helper {
    /// The helpers this one calls.
    fn needs(self) -> &'static [Helper] {
        match self {
            Helper::SplitParts => &[Helper::Whole, Helper::Round, Helper::Floor],
            Helper::SharePart => &[Helper::Round],
            Helper::Priority | Helper::Tick | Helper::Ticks => &[Helper::Whole],
            Helper::TimedRelease => &[Helper::WithinBudget],
            Helper::Cents | Helper::Whole => &[Helper::Round],
            Helper::SetRegister | Helper::Div | Helper::Div0 => &[Helper::Finite],
            _ => &[],
        }
    }
}

/// The helpers a script uses, with what they need.
#[derive(Debug, Default)]
pub struct Helpers {
    used: BTreeSet<Helper>,
    constants: BTreeSet<Constant>,
}

/// A module-level constant the helpers or the trees use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Constant {
    Epsilon,
    MaxFloat,
}

impl Helpers {
    /// Marks `helper` (and what it calls) as used; returns its name.
    pub fn call(&mut self, helper: Helper) -> &'static str {
        if self.used.insert(helper) {
            for &needed in helper.needs() {
                self.call(needed);
            }
            for &constant in constants_of(helper) {
                self.constants.insert(constant);
            }
        }
        name(helper)
    }

    /// Marks a constant as used by the trees themselves.
    pub fn constant(&mut self, constant: Constant) -> &'static str {
        self.constants.insert(constant);
        match constant {
            Constant::Epsilon => "_EPSILON",
            Constant::MaxFloat => "_MAX_FLOAT",
        }
    }

    pub fn is_empty(&self) -> bool {
        self.used.is_empty()
    }

    /// The constants' definitions, one per line.
    pub fn constants_text(&self) -> String {
        let mut out = String::new();
        for constant in &self.constants {
            out.push_str(match constant {
                Constant::Epsilon => {
                    "# Numbers closer than this are equal; a divisor closer to zero is zero.\n\
                     _EPSILON = 1e-9\n"
                }
                Constant::MaxFloat => "_MAX_FLOAT = 1.7976931348623157e308\n",
            });
        }
        out
    }

    /// The helpers' definitions, separated by blank lines.
    pub fn functions_text(&self) -> String {
        let texts: Vec<String> = self.used.iter().map(|&h| source(h)).collect();
        texts.join("\n\n")
    }
}

fn constants_of(helper: Helper) -> &'static [Constant] {
    match helper {
        Helper::Eq | Helper::Div | Helper::Div0 => &[Constant::Epsilon],
        Helper::Finite | Helper::BudgetLeft => &[Constant::MaxFloat],
        _ => &[],
    }
}

fn name(helper: Helper) -> &'static str {
    match helper {
        Helper::Registers => "_registers",
        Helper::TimedRelease => "_timed_release",
        Helper::AutoWithdraw => "_auto_withdraw",
        Helper::Tick => "_tick",
        Helper::Ticks => "_ticks",
        Helper::WithinBudget => "_within_budget",
        Helper::BudgetLeft => "_budget_left",
        Helper::SplitParts => "_split_parts",
        Helper::SharePart => "_share_part",
        Helper::Priority => "_priority",
        Helper::Cents => "_cents",
        Helper::SetRegister => "_set_register",
        Helper::Eq => "_eq",
        Helper::Div => "_div",
        Helper::Div0 => "_div0",
        Helper::Clamp => "_clamp",
        Helper::Floor => "_floor",
        Helper::Ceil => "_ceil",
        Helper::Round => "_round",
        Helper::Whole => "_whole",
        Helper::Finite => "_finite",
    }
}

fn source(helper: Helper) -> String {
    match helper {
        Helper::Registers => r#"def _registers(system, state):
    # The bank_state_* registers, emptied when a new day starts.
    if state.get("registers_day") != system.system_current_day:
        state["registers_day"] = system.system_current_day
        state["registers"] = {}
    return state["registers"]
"#
        .into(),
        Helper::TimedRelease => r#"def _timed_release(tx, system, timed, budget):
    # A payment a timed release holds: held until its tick, then released (within
    # the release budget); None for any other payment.
    due = timed.get(str(tx.id))
    if due == None:
        return None
    if system.current_tick < due:
        return {"action": "Hold", "tx_id": tx.id, "reason": "timed for tick %d" % due}
    timed.pop(str(tx.id))
    return _within_budget(budget, tx, {"action": "Release", "tx_id": tx.id})
"#
        .into(),
        Helper::AutoWithdraw => r#"def _auto_withdraw(agent, system, state):
    # Collateral posted for a limited time whose time is up goes back; None when
    # there is none.
    pending = state.get("auto_withdraw", [])
    due = 0
    for at, amount in pending:
        if at <= system.current_tick:
            due = due + amount
    if due <= 0:
        return None
    state["auto_withdraw"] = [p for p in pending if p[0] > system.current_tick]
    amount = min(due, agent.posted_collateral)
    if amount <= 0:
        return None
    return {"action": "Withdraw", "amount": amount}
"#
        .into(),
        Helper::Tick => r#"def _tick(x):
    return _whole(x, "timed_for_tick", 0, 4294967295)
"#
        .into(),
        Helper::Ticks => r#"def _ticks(x):
    return _whole(x, "auto_withdraw_after_ticks", 1, 4294967295)
"#
        .into(),
        Helper::WithinBudget => r#"def _within_budget(budget, tx, decision, beyond_value = False):
    # The release if it fits this tick's release budget, else a hold. With
    # beyond_value (ReleaseWithCredit) the value budget is used up but does not
    # hold the release back.
    if budget == None:
        return decision
    if budget["remaining"] == None and budget["focus"] == None and budget["per_counterparty"] == None:
        return decision
    over = {"action": "Hold", "tx_id": tx.id, "reason": "over the release budget"}
    amount = float(tx.amount)
    if budget["focus"] != None and tx.receiver_id not in budget["focus"]:
        return over
    if not beyond_value and budget["remaining"] != None and amount > budget["remaining"]:
        return over
    used = budget["used"].get(tx.receiver_id, 0.0)
    if budget["per_counterparty"] != None and used + amount > budget["per_counterparty"]:
        return over
    if budget["remaining"] != None:
        budget["remaining"] = budget["remaining"] - amount
    if budget["per_counterparty"] != None:
        budget["used"][tx.receiver_id] = used + amount
    return decision
"#
        .into(),
        Helper::BudgetLeft => r#"def _budget_left(budget):
    # What this tick's release budget has left; the largest float when there is none.
    if budget == None or budget["remaining"] == None:
        return _MAX_FLOAT
    return budget["remaining"]
"#
        .into(),
        Helper::SplitParts => format!(
            r#"def _split_parts(tx, parts):
    # The number of parts of a split: 2 or more, at most one per cent.
    if not tx.is_divisible:
        fail("cannot split %d, which is not divisible" % tx.id)
    # A fraction of a part is dropped (3.4 parts are 3), unless it is rounding noise.
    count = _round(parts)
    if abs(parts - count) > 1e-6:
        count = _floor(parts)
    n = _whole(count, "num_splits", 2, max(min({MAX_SPLIT_PARTS}, tx.amount), 2))
    if n > tx.amount:
        fail("cannot split %d cents into %d parts" % (tx.amount, n))
    return n
"#
        ),
        Helper::SharePart => r#"def _share_part(tx, share):
    # The cents a ReleaseShare releases, as the interpreter works them out: the
    # share in parts per million (rounded half away from zero) of the amount,
    # rounded down to a cent, at least 1; only the whole of a payment that is not
    # divisible.
    if not (share > 0 and share <= 1):
        fail("a share must be a number above 0 and at most 1, not %s" % share)
    ppm = int(_round(share * 1000000.0))
    if not tx.is_divisible and ppm < 1000000:
        fail("the payment is not divisible: only the whole of it (share 1, or its %d cents) can be released" % tx.amount)
    return max(1, tx.amount * ppm // 1000000)
"#
        .into(),
        Helper::Priority => format!(
            r#"def _priority(x):
    return _whole(x, "a priority", 0, {MAX_PRIORITY})
"#
        ),
        Helper::Cents => format!(
            r#"def _cents(x):
    # A collateral amount in whole cents (rounded half away from zero); 0 when less
    # than a cent, which the caller takes as no action.
    n = _round(x)
    if n < 1.0:
        return 0
    if n > {MAX_MONEY_CENTS}.0:
        fail("an amount of %s cents is more than the largest amount of money, {MAX_MONEY_CENTS}" % n)
    return int(n)
"#
        ),
        Helper::SetRegister => r#"def _set_register(registers, key, value):
    registers[key] = _finite(value)
"#
        .into(),
        Helper::Eq => r#"def _eq(a, b):
    return abs(a - b) < _EPSILON
"#
        .into(),
        Helper::Div => r#"def _div(a, b):
    if abs(b) < _EPSILON:
        fail("division by zero; use div0 to give a default")
    return _finite(a / b)
"#
        .into(),
        Helper::Div0 => r#"def _div0(numerator, denominator, default):
    # numerator / denominator, or the default when the denominator is zero.
    if abs(denominator) < _EPSILON:
        return default
    return _finite(numerator / denominator)
"#
        .into(),
        Helper::Clamp => r#"def _clamp(x, lo, hi):
    if lo > hi:
        fail("clamp with its min above its max")
    return min(max(x, lo), hi)
"#
        .into(),
        Helper::Floor => r#"def _floor(x):
    return x // 1.0
"#
        .into(),
        Helper::Ceil => r#"def _ceil(x):
    return -(-x // 1.0)
"#
        .into(),
        Helper::Round => r#"def _round(x):
    # Half away from zero. x minus its whole part is exact, so this rounds exactly.
    whole = x // 1.0 if x >= 0 else -(-x // 1.0)
    if abs(x - whole) >= 0.5:
        whole = whole + (1.0 if x > 0 else -1.0)
    return whole
"#
        .into(),
        Helper::Whole => r#"def _whole(x, what, lo, hi):
    n = _round(x)
    if abs(x - n) > 1e-6 or n < lo or n > hi:
        fail("%s must be a whole number in %d..=%d, got %s" % (what, lo, hi, x))
    return int(n)
"#
        .into(),
        Helper::Finite => r#"def _finite(x):
    # A float overflow gives an infinity; the tree interpreter fails there.
    if not (abs(x) <= _MAX_FLOAT):
        fail("a computation gave a number that is not finite")
    return x
"#
        .into(),
    }
}
