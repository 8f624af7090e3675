//! [`TreePolicy`]: a compiled document as a cash-manager policy.
//!
//! Per call to `evaluate_queue`: the bank tree runs once (release budget, registers),
//! then the payment tree once per payment in Queue 1, in queue order, and, if the
//! tree has actions for the central queue, once per payment waiting there. Payments
//! that a paced or timed release has scheduled follow their schedule instead of the
//! tree. The collateral trees run in their own calls, and the initial liquidity tree
//! in the call at each day's opening.
//!
//! A fault at run time (division by zero, a NaN, an impossible parameter) fails the
//! whole call, naming the node: the engine then holds everything for the tick.

use crate::ast::{ActionName, TreeKind};
use crate::diagnostic::LoadError;
use crate::program::{ActionCode, EvalError, ParamCode, Program, SlotSource, priority_of_word};
use rtgsim_core::limits::{MAX_PRIORITY, MAX_SPLIT_PARTS};
use rtgsim_core::money::MAX_MONEY_CENTS;
use rtgsim_core::release::equal_parts;
use rtgsim_core::{
    AgentId, CashManagerPolicy, Cents, CollateralDecision, HoldReason, LiquidityShare, PolicyError,
    PolicyView, ReleaseAction, ReleaseDecision, Tick, TraceEntry, Transaction, TxId,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A decision-tree policy.
#[derive(Debug, Clone)]
pub struct TreePolicy {
    program: Arc<Program>,
    tracing: bool,
    /// Slot values for the current call and payment.
    slots: Vec<f64>,
    payment_slots: Vec<usize>,
    /// What the release budget has left (`f64::MAX` when the bank tree set none).
    budget_left: f64,
    state: RuntimeState,
    trace: Vec<TraceEntry>,
}

/// What the policy remembers between calls; persisted as JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct RuntimeState {
    /// Register values by name; reset when a day starts.
    registers: BTreeMap<String, f64>,
    /// The day the registers belong to.
    day: Option<u32>,
    /// Payments held until a tick, then released (`timed_for_tick`).
    timed: BTreeMap<TxId, Tick>,
    /// Paced and staggered releases, by the payment that carries the next part (or
    /// whose child does).
    paced: BTreeMap<TxId, Pace>,
    /// Collateral to withdraw at a tick (`auto_withdraw_after_ticks`).
    auto_withdraw: Vec<(Tick, Cents)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Pace {
    parts_left: u32,
    gap: Tick,
    due: Tick,
    /// The priority every part is released with (`priority_boost_children`); absent
    /// in states saved before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    priority: Option<u8>,
}

/// The bank tree's limits on this tick's releases.
#[derive(Debug, Clone, Default)]
struct Budget {
    remaining: Option<f64>,
    focus: Option<BTreeSet<AgentId>>,
    per_counterparty: Option<f64>,
    used: BTreeMap<AgentId, f64>,
}

impl Budget {
    /// Takes `amount` to `receiver` from the budget, if it fits.
    /// Takes `amount` to `receiver` from the budget, if it fits. With `beyond_value`
    /// (`ReleaseWithCredit`), the value budget does not hold the release back, but
    /// the release still uses it up.
    fn take(&mut self, amount: Cents, receiver: AgentId, beyond_value: bool) -> bool {
        if self.remaining.is_none() && self.focus.is_none() && self.per_counterparty.is_none() {
            return true;
        }
        let amount = amount as f64;
        if self
            .focus
            .as_ref()
            .is_some_and(|focus| !focus.contains(&receiver))
        {
            return false;
        }
        if !beyond_value && self.remaining.is_some_and(|left| amount > left) {
            return false;
        }
        let used = self.used.get(&receiver).copied().unwrap_or(0.0);
        if self.per_counterparty.is_some_and(|cap| used + amount > cap) {
            return false;
        }
        if let Some(left) = self.remaining.as_mut() {
            *left -= amount;
        }
        if self.per_counterparty.is_some() {
            self.used.insert(receiver, used + amount);
        }
        true
    }
}

impl TreePolicy {
    /// A policy from a compiled program.
    /// (The program may be shared between agents that run the same document.)
    pub fn new(program: impl Into<Arc<Program>>) -> Self {
        let program: Arc<Program> = program.into();
        let payment_slots = (0..program.slots().len())
            .filter(|&s| program.is_payment_slot(s))
            .collect();
        TreePolicy {
            slots: vec![0.0; program.slots().len()],
            payment_slots,
            program,
            budget_left: f64::MAX,
            tracing: false,
            state: RuntimeState::default(),
            trace: Vec::new(),
        }
    }

    /// A policy from document text: parsed, validated and compiled.
    pub fn from_text(text: &str) -> Result<Self, LoadError> {
        crate::load(text).map(TreePolicy::new)
    }

    /// Records, for every decision, the nodes passed and the values compared.
    pub fn with_trace(mut self, on: bool) -> Self {
        self.tracing = on;
        self
    }

    pub fn program(&self) -> &Program {
        &self.program
    }

    /// Whether the policy records traces.
    pub fn is_tracing(&self) -> bool {
        self.tracing
    }

    /// Replaces the trees with a new document, but only if it is valid; otherwise the
    /// policy keeps its trees and the problems are returned. Schedules and registers
    /// are kept.
    pub fn reload(&mut self, text: &str) -> Result<(), LoadError> {
        let program = crate::load(text)?;
        let state = std::mem::take(&mut self.state);
        *self = TreePolicy::new(program).with_trace(self.tracing);
        self.state = state;
        Ok(())
    }

    /// Fills the slots: all of them (`tx` may be absent outside the payment tree), or
    /// with `payment_only`, the payment fields for `tx`.
    fn fill(&mut self, view: &PolicyView<'_>, tx: Option<&Transaction>, payment_only: bool) {
        let TreePolicy {
            program,
            slots,
            payment_slots,
            state,
            budget_left,
            ..
        } = self;
        let mut set = |slot: usize| {
            slots[slot] = match program.slots()[slot] {
                // Validation keeps fields out of trees where they have no value; a
                // NaN here would fail the evaluation rather than guess.
                SlotSource::Field(field) => view.field(field, tx).as_f64().unwrap_or(f64::NAN),
                SlotSource::Register(index) => state
                    .registers
                    .get(&program.registers[index])
                    .copied()
                    .unwrap_or(0.0),
                SlotSource::BudgetRemaining => *budget_left,
            };
        };
        if payment_only {
            payment_slots.iter().for_each(|&slot| set(slot));
        } else {
            (0..program.slots().len()).for_each(set);
        }
    }

    /// Starts a call: registers reset when a new day has begun.
    fn begin(&mut self, view: &PolicyView<'_>) {
        let day = view.clock().day();
        if self.state.day != Some(day) {
            self.state.registers.clear();
            self.state.day = Some(day);
        }
    }

    /// Runs a tree; returns the index of the action reached.
    fn run(&mut self, kind: TreeKind, tx: Option<TxId>) -> Result<Option<usize>, EvalError> {
        let mut text = self.tracing.then(String::new);
        let action = self.program.run(kind, &self.slots, text.as_mut())?;
        if let Some(text) = text.filter(|_| self.program.has_tree(kind)) {
            self.trace.push(TraceEntry {
                tx,
                text: format!("{}: {text}", kind.key()),
            });
        }
        Ok(action)
    }

    fn number(&self, code: &ActionCode, index: usize) -> Result<Option<f64>, EvalError> {
        match code.params.get(index) {
            Some(Some(ParamCode::Number(v))) => {
                self.program.val(*v, &self.slots, &code.node_id).map(Some)
            }
            Some(Some(ParamCode::Text(word))) => match priority_of_word(word) {
                Some(p) => Ok(Some(f64::from(p))),
                None => Err(fault(code, format!("\"{word}\" is not a number"))),
            },
            Some(Some(ParamCode::Bool(b))) => Ok(Some(if *b { 1.0 } else { 0.0 })),
            _ => Ok(None),
        }
    }

    fn whole(
        &self,
        code: &ActionCode,
        index: usize,
        what: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Result<Option<i64>, EvalError> {
        let Some(x) = self.number(code, index)? else {
            return Ok(None);
        };
        let n = x.round();
        if (x - n).abs() > 1e-6 || !(*range.start() as f64..=*range.end() as f64).contains(&n) {
            return Err(fault(
                code,
                format!(
                    "{what} must be a whole number in {}..={}, got {x}",
                    range.start(),
                    range.end()
                ),
            ));
        }
        Ok(Some(n as i64))
    }

    fn bank_tree(&mut self, view: &PolicyView<'_>) -> Result<Budget, EvalError> {
        let mut budget = Budget::default();
        let Some(index) = self.run(TreeKind::Bank, None)? else {
            return Ok(budget);
        };
        let program = Arc::clone(&self.program);
        let code = program.action(index);
        match code.action {
            ActionName::SetReleaseBudget => {
                budget.remaining = self.number(code, 0)?;
                if let Some(Some(ParamCode::List(names))) = code.params.get(1) {
                    budget.focus = Some(
                        names
                            .iter()
                            .filter_map(|name| agent_named(view, name))
                            .collect(),
                    );
                }
                budget.per_counterparty = self.number(code, 2)?;
            }
            ActionName::SetState | ActionName::AddState => {
                let Some(Some(ParamCode::Register(index))) = code.params.first() else {
                    return Err(fault(code, "missing register".into()));
                };
                let name = self.program.registers[*index].clone();
                let value = self.number(code, 1)?.unwrap_or(0.0);
                let slot = self.state.registers.entry(name).or_insert(0.0);
                *slot = if code.action == ActionName::SetState {
                    value
                } else {
                    *slot + value
                };
                if !slot.is_finite() {
                    return Err(fault(code, format!("the register became {slot}")));
                }
                // The payment tree reads the new value.
                self.fill(view, None, false);
            }
            _ => {}
        }
        Ok(budget)
    }

    fn decide(&mut self, view: &PolicyView<'_>) -> Result<Vec<ReleaseDecision>, EvalError> {
        self.begin(view);
        self.fill(view, None, false);
        let mut budget = self.bank_tree(view)?;
        let tick = view.tick();
        let program = Arc::clone(&self.program);
        let mut decisions = Vec::with_capacity(view.queue1().len());
        for tx in view.queue1() {
            if let Some(decision) = self.scheduled(tx, tick, &mut budget) {
                decisions.push(decision);
                continue;
            }
            self.budget_left = budget.remaining.unwrap_or(f64::MAX);
            self.fill(view, Some(tx), true);
            let Some(index) = self.run(TreeKind::Payment, Some(tx.id))? else {
                continue;
            };
            let code = program.action(index);
            let decision = self.payment_action(code, tx, tick, &mut budget)?;
            decisions.push(decision.from_source(code.node_id.clone()));
        }
        if program.acts_on_queue2 {
            for tx in view.queue2() {
                self.fill(view, Some(tx), true);
                let Some(index) = self.run(TreeKind::Payment, Some(tx.id))? else {
                    continue;
                };
                let code = program.action(index);
                let action = match code.action {
                    ActionName::WithdrawFromRtgs => ReleaseAction::WithdrawFromQueue2,
                    ActionName::ResubmitToRtgs => ReleaseAction::ResubmitToQueue2 {
                        priority: self.priority(code, 0)?.unwrap_or(tx.priority),
                    },
                    // Anything else leaves a queued payment where it is.
                    _ => continue,
                };
                decisions
                    .push(ReleaseDecision::new(tx.id, action).from_source(code.node_id.clone()));
            }
        }
        Ok(decisions)
    }

    fn priority(&self, code: &ActionCode, index: usize) -> Result<Option<u8>, EvalError> {
        let p = self.whole(code, index, "a priority", 0..=i64::from(MAX_PRIORITY))?;
        Ok(p.map(|p| p as u8))
    }

    /// A payment whose release is scheduled: released when due, held until then.
    fn scheduled(
        &mut self,
        tx: &Transaction,
        tick: Tick,
        budget: &mut Budget,
    ) -> Option<ReleaseDecision> {
        if let Some(&due) = self.state.timed.get(&tx.id) {
            if tick < due {
                return Some(ReleaseDecision::hold(
                    tx.id,
                    HoldReason::Custom(format!("timed for tick {due}")),
                ));
            }
            self.state.timed.remove(&tx.id);
            return Some(release_within(budget, tx, ReleaseDecision::submit(tx.id)));
        }
        let key = [Some(tx.id), tx.parent]
            .into_iter()
            .flatten()
            .find(|id| self.state.paced.contains_key(id))?;
        let pace = self.state.paced[&key];
        if tick < pace.due {
            return Some(ReleaseDecision::hold(
                tx.id,
                HoldReason::Custom(format!("next part due at tick {}", pace.due)),
            ));
        }
        let part = equal_parts(tx.amount, pace.parts_left.max(1))[0];
        // A part already at the boosted priority is not given it again.
        let priority = pace.priority.filter(|&p| p != tx.priority);
        let action = if pace.parts_left <= 1 || part >= tx.amount {
            ReleaseAction::Submit { priority }
        } else {
            ReleaseAction::SubmitPartial {
                amount: part,
                priority,
            }
        };
        let decision = ReleaseDecision::new(tx.id, action);
        let decision = release_within(budget, tx, decision);
        if matches!(decision.action, ReleaseAction::Hold { .. }) {
            return Some(decision);
        }
        self.state.paced.remove(&key);
        if pace.parts_left > 1 && part < tx.amount {
            self.state.paced.insert(
                tx.id,
                Pace {
                    parts_left: pace.parts_left - 1,
                    due: tick + pace.gap,
                    ..pace
                },
            );
        }
        Some(decision)
    }

    fn payment_action(
        &mut self,
        code: &ActionCode,
        tx: &Transaction,
        tick: Tick,
        budget: &mut Budget,
    ) -> Result<ReleaseDecision, EvalError> {
        let id = tx.id;
        Ok(match code.action {
            ActionName::Release | ActionName::ReleaseWithCredit => {
                let priority = match code.params.first() {
                    Some(Some(ParamCode::Text(word))) => priority_of_word(word),
                    _ => None,
                };
                let timed = self.whole(code, 1, "timed_for_tick", 0..=i64::from(Tick::MAX))?;
                match timed {
                    Some(at) if at as Tick > tick => {
                        self.state.timed.insert(id, at as Tick);
                        ReleaseDecision::hold(
                            id,
                            HoldReason::Custom(format!("timed for tick {at}")),
                        )
                    }
                    _ => {
                        let decision = ReleaseDecision::new(id, ReleaseAction::Submit { priority });
                        let with_credit = code.action == ActionName::ReleaseWithCredit;
                        release_within_budget(budget, tx, decision, with_credit)
                    }
                }
            }
            ActionName::Split => {
                let parts = self.parts(code, tx)?;
                release_within(budget, tx, ReleaseDecision::split(id, parts))
            }
            ActionName::PaceAndRelease => {
                let parts = self.parts(code, tx)?;
                let schedule = Pace {
                    parts_left: parts,
                    gap: 1,
                    due: tick,
                    priority: None,
                };
                self.pace(tx, schedule, true, budget)
            }
            ActionName::StaggerSplit => {
                let parts = self.parts(code, tx)?;
                let first_now = self.number(code, 1)?.is_none_or(|x| x != 0.0);
                let gap = self
                    .whole(code, 2, "stagger_gap_ticks", 1..=i64::from(u32::MAX))?
                    .unwrap_or(1) as Tick;
                // Every part gets the payment's priority plus the boost, at most the
                // top priority.
                let boost = self.whole(code, 3, "priority_boost_children", 0..=255)?;
                let priority = boost.filter(|&boost| boost > 0).map(|boost| {
                    (i64::from(tx.priority) + boost).min(i64::from(MAX_PRIORITY)) as u8
                });
                let schedule = Pace {
                    parts_left: parts,
                    gap,
                    due: tick,
                    priority,
                };
                self.pace(tx, schedule, first_now, budget)
            }
            ActionName::ReleaseShare => {
                let share = self.number(code, 0)?.unwrap_or(f64::NAN);
                let action = ReleaseAction::share_of(tx.amount, tx.divisible, share, None)
                    .map_err(|e| fault(code, format!("ReleaseShare of {id}: {e}")))?;
                release_within(budget, tx, ReleaseDecision::new(id, action))
            }
            ActionName::Hold => {
                let reason = match code.params.first() {
                    Some(Some(ParamCode::Text(reason))) => reason.to_string(),
                    _ => format!("held by {}", code.node_id),
                };
                ReleaseDecision::hold(id, HoldReason::Custom(reason))
            }
            ActionName::Drop => ReleaseDecision::drop_payment(id),
            ActionName::Reprioritize => {
                let priority = self.priority(code, 0)?.unwrap_or(tx.priority);
                ReleaseDecision::new(id, ReleaseAction::Reprioritize { priority })
            }
            ActionName::WithdrawFromRtgs | ActionName::ResubmitToRtgs => {
                return Err(fault(
                    code,
                    format!(
                        "{} is for payments in the central queue; {id} is still in the bank's queue",
                        code.action.name()
                    ),
                ));
            }
            other => {
                return Err(fault(
                    code,
                    format!("{} is not a payment action", other.name()),
                ));
            }
        })
    }

    /// The number of parts of a split of `tx`: 2 or more, at most one per cent.
    fn parts(&self, code: &ActionCode, tx: &Transaction) -> Result<u32, EvalError> {
        if !tx.divisible {
            return Err(fault(
                code,
                format!(
                    "{} cannot split {}, which is not divisible",
                    code.action.name(),
                    tx.id
                ),
            ));
        }
        let max = i64::from(MAX_SPLIT_PARTS).min(tx.amount).max(2);
        let n = match self.number(code, 0)? {
            None => 2,
            Some(x) => {
                let n = whole_count(x);
                if !(2.0..=max as f64).contains(&n) {
                    return Err(fault(
                        code,
                        format!("num_splits must be a whole number in 2..={max}, got {n}"),
                    ));
                }
                n as i64
            }
        };
        if n > tx.amount {
            return Err(fault(
                code,
                format!("cannot split {} cents into {n} parts", tx.amount),
            ));
        }
        Ok(n as u32)
    }

    /// Releases `schedule.parts_left` parts of `tx` `schedule.gap` ticks apart from
    /// `schedule.due` (this tick), the first now or after a gap.
    fn pace(
        &mut self,
        tx: &Transaction,
        schedule: Pace,
        first_now: bool,
        budget: &mut Budget,
    ) -> ReleaseDecision {
        let tick = schedule.due;
        let next = Pace {
            due: tick + schedule.gap,
            ..schedule
        };
        if !first_now {
            self.state.paced.insert(tx.id, next);
            return ReleaseDecision::hold(
                tx.id,
                HoldReason::Custom(format!("first part due at tick {}", next.due)),
            );
        }
        let part = equal_parts(tx.amount, schedule.parts_left)[0];
        let release = ReleaseAction::SubmitPartial {
            amount: part,
            priority: schedule.priority.filter(|&p| p != tx.priority),
        };
        let decision = release_within(budget, tx, ReleaseDecision::new(tx.id, release));
        if !matches!(decision.action, ReleaseAction::Hold { .. }) {
            self.state.paced.insert(
                tx.id,
                Pace {
                    parts_left: schedule.parts_left - 1,
                    ..next
                },
            );
        }
        decision
    }

    fn collateral(
        &mut self,
        view: &PolicyView<'_>,
        kind: TreeKind,
    ) -> Result<CollateralDecision, EvalError> {
        self.begin(view);
        self.fill(view, None, false);
        let tick = view.tick();
        let program = Arc::clone(&self.program);
        let decided = match self.run(kind, None)?.map(|index| program.action(index)) {
            Some(code) => match code.action {
                ActionName::PostCollateral => match self.cents(code, 0)? {
                    Some(amount) => {
                        let after = self.whole(
                            code,
                            1,
                            "auto_withdraw_after_ticks",
                            1..=i64::from(u32::MAX),
                        )?;
                        if let Some(after) = after {
                            self.state
                                .auto_withdraw
                                .push((tick.saturating_add(after as Tick), amount));
                        }
                        Some(CollateralDecision::Post { amount })
                    }
                    None => None,
                },
                ActionName::WithdrawCollateral => self
                    .cents(code, 0)?
                    .map(|amount| CollateralDecision::Withdraw { amount }),
                _ => None,
            },
            None => None,
        };
        if let Some(decision) = decided {
            return Ok(decision);
        }
        // Nothing else to do: withdraw what was posted for a limited time and is due.
        let due: Cents = self
            .state
            .auto_withdraw
            .iter()
            .filter(|(at, _)| *at <= tick)
            .map(|(_, a)| *a)
            .sum();
        if due > 0 {
            self.state.auto_withdraw.retain(|(at, _)| *at > tick);
            let amount = due.min(view.agent().posted_collateral());
            if amount > 0 {
                return Ok(CollateralDecision::Withdraw { amount });
            }
        }
        Ok(CollateralDecision::Hold)
    }

    /// The initial liquidity tree's share of the collateral capacity, `None` to keep
    /// what is posted (no tree, or `KeepPosted`).
    fn initial_share(
        &mut self,
        view: &PolicyView<'_>,
    ) -> Result<Option<LiquidityShare>, EvalError> {
        self.begin(view);
        self.fill(view, None, false);
        let program = Arc::clone(&self.program);
        let Some(code) = self
            .run(TreeKind::InitialLiquidity, None)?
            .map(|index| program.action(index))
        else {
            return Ok(None);
        };
        if code.action != ActionName::PostShare {
            return Ok(None);
        }
        let share = self.number(code, 0)?.unwrap_or(f64::NAN);
        LiquidityShare::from_fraction(share)
            .map(Some)
            .ok_or_else(|| {
                fault(
                    code,
                    format!(
                        "PostShare: {share} is not a share from 0 to 1 of the collateral capacity"
                    ),
                )
            })
    }

    /// A collateral amount in whole cents (rounded half away from zero); `None` when
    /// that is less than one cent: a post or withdrawal of nothing (a gap that has
    /// closed, say) is no action, as holding collateral is. Only an amount too large
    /// to be money is a fault.
    fn cents(&self, code: &ActionCode, index: usize) -> Result<Option<Cents>, EvalError> {
        let x = self.number(code, index)?.unwrap_or(0.0).round();
        if x < 1.0 {
            return Ok(None);
        }
        if x > MAX_MONEY_CENTS as f64 {
            return Err(fault(
                code,
                format!(
                    "an amount of {x} cents is more than the largest amount of money, {MAX_MONEY_CENTS}"
                ),
            ));
        }
        Ok(Some(x as Cents))
    }
}

/// A count given as a computation, in whole things: a fraction is its whole part
/// (3.4 parts are 3, as policy libraries that compute `num_splits` as a ratio
/// expect), except that a value within 1e-6 of a whole number is that number (the
/// noise of floating-point arithmetic).
fn whole_count(x: f64) -> f64 {
    let nearest = x.round();
    if (x - nearest).abs() <= 1e-6 {
        nearest
    } else {
        x.floor()
    }
}

/// The release, or a hold when it does not fit this tick's release budget.
fn release_within(
    budget: &mut Budget,
    tx: &Transaction,
    decision: ReleaseDecision,
) -> ReleaseDecision {
    release_within_budget(budget, tx, decision, false)
}

/// As [`release_within`]; with `beyond_value` the value budget is used up but does
/// not hold the release back.
fn release_within_budget(
    budget: &mut Budget,
    tx: &Transaction,
    decision: ReleaseDecision,
    beyond_value: bool,
) -> ReleaseDecision {
    let amount = match decision.action {
        ReleaseAction::SubmitPartial { amount, .. } => amount,
        _ => tx.amount,
    };
    if budget.take(amount, tx.receiver, beyond_value) {
        decision
    } else {
        ReleaseDecision::hold(tx.id, HoldReason::Custom("over the release budget".into()))
    }
}

fn agent_named(view: &PolicyView<'_>, name: &str) -> Option<AgentId> {
    (0..view
        .field(rtgsim_core::Field::TotalAgents, None)
        .as_f64()
        .unwrap_or(0.0) as u32)
        .map(AgentId)
        .find(|&id| view.agent_name(id) == Some(name))
}

fn fault(code: &ActionCode, message: String) -> EvalError {
    EvalError {
        node: code.node_id.clone(),
        message,
    }
}

fn policy_error(error: EvalError) -> PolicyError {
    PolicyError::new(format!("decision tree {error}"))
}

impl CashManagerPolicy for TreePolicy {
    fn evaluate_queue(
        &mut self,
        view: &PolicyView<'_>,
    ) -> Result<Vec<ReleaseDecision>, PolicyError> {
        // A failed call leaves the schedules as they were before it.
        let before = self.state.clone();
        self.decide(view).map_err(|e| {
            self.state = before;
            policy_error(e)
        })
    }

    fn strategic_collateral(
        &mut self,
        view: &PolicyView<'_>,
    ) -> Result<CollateralDecision, PolicyError> {
        self.collateral(view, TreeKind::StrategicCollateral)
            .map_err(policy_error)
    }

    fn end_of_tick_collateral(
        &mut self,
        view: &PolicyView<'_>,
    ) -> Result<CollateralDecision, PolicyError> {
        self.collateral(view, TreeKind::EndOfTickCollateral)
            .map_err(policy_error)
    }

    fn initial_liquidity(
        &mut self,
        view: &PolicyView<'_>,
    ) -> Result<Option<LiquidityShare>, PolicyError> {
        self.initial_share(view).map_err(policy_error)
    }

    fn take_trace(&mut self) -> Vec<TraceEntry> {
        std::mem::take(&mut self.trace)
    }

    fn state(&self) -> Option<serde_json::Value> {
        serde_json::to_value(&self.state).ok()
    }

    fn restore_state(&mut self, state: serde_json::Value) -> Result<(), PolicyError> {
        self.state = serde_json::from_value(state).map_err(|e| {
            PolicyError::new(format!("cannot restore the tree policy's state: {e}"))
        })?;
        Ok(())
    }
}
