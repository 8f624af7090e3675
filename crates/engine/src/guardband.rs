//! Guardbands in a run: an agent's policy watched over windows of ticks, and
//! rolled back to its previous version the first time a window breaks a bound.
//!
//! **Windows.** A guardband with `every_ticks` K checks at the end of every tick
//! `t` with `(t + 1) % K == 0`, over the window of ticks `t + 1 - K ..= t` (the
//! last K ticks, counted from tick 0 of the run, across days). A trailing window
//! shorter than K, when the run's length is not a multiple of K, is not checked.
//!
//! **Figures of a window**, computed from the events the engine records as it
//! records them (the guard sits between the engine and the sink) and from the
//! state (nothing from the report crate):
//!
//! * `cost`: the agent's costs charged in the window, in cents: every
//!   `tick_costs` (overdraft, delay, collateral), `deadline_penalty`,
//!   `eod_penalty` and split friction of the agent with a tick in the window.
//! * `settlement_rate`: of the agent's client payments that arrived in the
//!   window, the share settled in full by the window's end (a split payment when
//!   all its parts are), as `settled / arrived` in `f64`. When none arrived, the
//!   window has no rate and this guardband is not checked.
//! * `peak_credit`: the most credit the agent used at any point of the window
//!   (minus its balance when negative): at the window's start, after each payment
//!   it sent or received, and after each liquidity-saving set as a whole.
//!
//! Over a whole run these are exactly the report's `costs.total`,
//! `settlement_rate` and `peak_overdraft`.
//!
//! **The comparison**, with bounds computed once, in IEEE 754 `f64` arithmetic
//! (round to nearest), from the factors and the baseline:
//!
//! * cost: `bound = max_cost_ratio * baseline cost per window`; broken when
//!   `window cost cents > floor(bound)` (an exact integer comparison: an integer
//!   exceeds a real number exactly when it exceeds its floor);
//! * settlement rate: `bound = min_settlement_ratio * baseline rate`; broken when
//!   `settled / arrived < bound`;
//! * peak credit: `bound = max_peak_credit_ratio * baseline peak credit cents`;
//!   broken when `window peak cents > floor(bound)`.
//!
//! A baseline figure left out is not checked. When a window breaks several, the
//! first in that order (cost, settlement rate, peak credit) is the one named.
//!
//! **The rollback.** On the first broken window the engine records a
//! `rolled_back` event at the window's last tick (after that tick's `day_ended`,
//! if any), and, with governance, a `rollback` audit record in the chain. From the
//! next tick on the agent runs the previous policy: it starts fresh (it was
//! never called in this run), and the payments in the agent's Queue 1 are its to
//! decide. The guardband then stops checking: a rolled-back agent stays rolled
//! back for the rest of the run.

use rtgsim_core::event::{Event, EventSink, Figure, GuardbandName, Rollback};
use rtgsim_core::{AgentId, Cents, SimState, Tick, TxId};
use serde::{Deserialize, Serialize};

/// One guarded agent: how often its window is checked, the factors, and the
/// baseline figures the factors multiply.
#[derive(Debug, Clone, PartialEq)]
pub struct Guardband {
    pub agent: AgentId,
    /// The window's length and the checks' period, in ticks (at least 1).
    pub every_ticks: Tick,
    pub factors: GuardbandFactors,
    pub baseline: Baseline,
}

/// The bounds as multiples of the baseline, named and defaulted as `rtgsim
/// compare`'s guardbands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GuardbandFactors {
    /// Window cost <= this x the baseline cost per window.
    pub max_cost_ratio: f64,
    /// Window settlement rate >= this x the baseline settlement rate.
    pub min_settlement_ratio: f64,
    /// Window peak credit used <= this x the baseline peak credit.
    pub max_peak_credit_ratio: f64,
}

impl Default for GuardbandFactors {
    fn default() -> GuardbandFactors {
        GuardbandFactors {
            max_cost_ratio: 1.2,
            min_settlement_ratio: 0.95,
            max_peak_credit_ratio: 1.5,
        }
    }
}

/// What the previous policy achieved, per window of `every_ticks`; a figure left
/// out is not checked.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Baseline {
    pub cost_cents_per_window: Option<f64>,
    /// Between 0 and 1.
    pub settlement_rate: Option<f64>,
    pub peak_credit_cents: Option<Cents>,
}

/// The three bounds, computed once from a guardband.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Bounds {
    cost: Option<f64>,
    settlement_rate: Option<f64>,
    peak_credit: Option<f64>,
}

impl Bounds {
    fn of(guardband: &Guardband) -> Bounds {
        let (factors, baseline) = (&guardband.factors, &guardband.baseline);
        Bounds {
            cost: baseline
                .cost_cents_per_window
                .map(|cost| factors.max_cost_ratio * cost),
            settlement_rate: baseline
                .settlement_rate
                .map(|rate| factors.min_settlement_ratio * rate),
            peak_credit: baseline
                .peak_credit_cents
                .map(|peak| factors.max_peak_credit_ratio * peak as f64),
        }
    }
}

/// Whether `cents` exceeds `bound`: exactly, as `cents > floor(bound)`.
fn exceeds(cents: i128, bound: f64) -> bool {
    // `as` saturates: a bound past the `i128` range is never exceeded, one below
    // zero always is by a non-negative figure; NaN (not produced from finite
    // factors) saturates to 0.
    cents > bound.floor() as i128
}

/// A guarded agent's figures over the current window, between two ticks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GuardCheckpoint {
    agent: u32,
    window_start: Tick,
    cost_cents: i128,
    arrived: Vec<TxId>,
    peak_credit_cents: Cents,
    rolled_back_at: Option<Tick>,
}

impl GuardCheckpoint {
    /// The tick at whose end the agent was rolled back, if it was.
    pub fn rolled_back_at(&self) -> Option<Tick> {
        self.rolled_back_at
    }

    pub fn agent(&self) -> AgentId {
        AgentId(self.agent)
    }
}

/// A balance change seen during a tick, resolved against the state at its end.
#[derive(Debug, Clone, PartialEq)]
enum Move {
    By(i128),
    /// A liquidity-saving set: the agent's net position over these payments.
    Set(Vec<TxId>),
}

/// One guarded agent in a run: the guardband, the previous policy (until it is
/// swapped in), and the current window's figures.
pub(crate) struct Guard {
    guardband: Guardband,
    bounds: Bounds,
    pub(crate) previous: Option<Box<dyn rtgsim_core::CashManagerPolicy>>,
    window: GuardCheckpoint,
    /// The agent's balance after the last move resolved.
    balance_cents: i128,
    /// This tick's balance changes, in order.
    moves: Vec<Move>,
}

impl Guard {
    pub(crate) fn new(
        guardband: Guardband,
        previous: Box<dyn rtgsim_core::CashManagerPolicy>,
        state: &SimState,
    ) -> Guard {
        let agent = guardband.agent;
        let balance = state.agent(agent).balance();
        Guard {
            bounds: Bounds::of(&guardband),
            window: GuardCheckpoint {
                agent: agent.0,
                // Guards are attached before tick 0 runs.
                window_start: 0,
                peak_credit_cents: balance.saturating_neg().max(0),
                ..GuardCheckpoint::default()
            },
            guardband,
            previous: Some(previous),
            balance_cents: i128::from(balance),
            moves: Vec::new(),
        }
    }

    /// The guard as `checkpoint` left it (the balance is the state's).
    pub(crate) fn restore(&mut self, checkpoint: GuardCheckpoint) {
        self.window = checkpoint;
    }

    pub(crate) fn checkpoint(&self) -> GuardCheckpoint {
        self.window.clone()
    }

    pub(crate) fn agent(&self) -> AgentId {
        self.guardband.agent
    }

    pub(crate) fn is_rolled_back(&self) -> bool {
        self.window.rolled_back_at.is_some()
    }

    /// The tick at whose end its agent was rolled back, if it was.
    pub(crate) fn rolled_back_at(&self) -> Option<Tick> {
        self.window.rolled_back_at
    }

    /// Takes in one event the engine records.
    fn observe(&mut self, event: &Event) {
        if self.is_rolled_back() {
            return;
        }
        let me = self.guardband.agent;
        let cost = match event {
            Event::TickCosts {
                agent,
                overdraft,
                delay,
                collateral,
                ..
            } if *agent == me => {
                i128::from(*overdraft) + i128::from(*delay) + i128::from(*collateral)
            }
            Event::DeadlinePenalty { agent, penalty, .. }
            | Event::EodPenalty { agent, penalty, .. }
                if *agent == me =>
            {
                i128::from(*penalty)
            }
            Event::Split {
                agent,
                friction_cost,
                ..
            } if *agent == me => i128::from(*friction_cost),
            Event::Arrival { tx, sender, .. } if *sender == me => {
                self.window.arrived.push(*tx);
                0
            }
            Event::Settled {
                sender,
                receiver,
                amount,
                ..
            } if *sender == me || *receiver == me => {
                let signed = if *sender == me { -*amount } else { *amount };
                self.moves.push(Move::By(i128::from(signed)));
                0
            }
            Event::SetSettled { txs, .. } => {
                self.moves.push(Move::Set(txs.clone()));
                0
            }
            _ => 0,
        };
        self.window.cost_cents += cost;
    }

    /// Ends a tick: the tick's balance moves give the window's peak credit; at a
    /// window's end the figures are checked, and the first bound broken is
    /// returned.
    pub(crate) fn end_tick(&mut self, state: &SimState) -> Option<Rollback> {
        if self.is_rolled_back() {
            return None;
        }
        let me = self.guardband.agent;
        for step in std::mem::take(&mut self.moves) {
            let by = match step {
                Move::By(by) => by,
                Move::Set(txs) => txs
                    .iter()
                    .filter_map(|&tx| state.get_transaction(tx))
                    .map(|tx| {
                        let amount = i128::from(tx.amount);
                        match (tx.sender == me, tx.receiver == me) {
                            (true, false) => -amount,
                            (false, true) => amount,
                            _ => 0,
                        }
                    })
                    .sum(),
            };
            if by == 0 {
                continue;
            }
            self.balance_cents += by;
            let used = Cents::try_from((-self.balance_cents).max(0)).unwrap_or(Cents::MAX);
            self.window.peak_credit_cents = self.window.peak_credit_cents.max(used);
        }
        // Paired with the state: the moves replayed give the balance it holds.
        debug_assert_eq!(
            self.balance_cents,
            i128::from(state.agent(me).balance()),
            "guardband replay of agent {} disagrees with the state",
            me.0
        );
        let tick = state.tick();
        let every = self.guardband.every_ticks.max(1);
        if (u64::from(tick) + 1) % u64::from(every) != 0 {
            return None;
        }
        let broken = self.broken(state);
        match broken {
            Some(_) => self.window.rolled_back_at = Some(tick),
            None => {
                self.window = GuardCheckpoint {
                    agent: me.0,
                    window_start: tick + 1,
                    peak_credit_cents: Cents::try_from((-self.balance_cents).max(0))
                        .unwrap_or(Cents::MAX),
                    ..GuardCheckpoint::default()
                }
            }
        }
        broken
    }

    /// The first bound the window breaks, in the documented order.
    fn broken(&self, state: &SimState) -> Option<Rollback> {
        let window_start = self.window.window_start;
        let rollback = |guardband, value, bound| Rollback {
            guardband,
            value,
            bound: Figure::Number(bound),
            window_start,
        };
        if let Some(bound) = self.bounds.cost
            && exceeds(self.window.cost_cents, bound)
        {
            return Some(rollback(
                GuardbandName::Cost,
                Figure::Cents(self.window.cost_cents),
                bound,
            ));
        }
        if let (Some(bound), Some(rate)) =
            (self.bounds.settlement_rate, self.settlement_rate(state))
            && rate < bound
        {
            return Some(rollback(
                GuardbandName::SettlementRate,
                Figure::Number(rate),
                bound,
            ));
        }
        if let Some(bound) = self.bounds.peak_credit {
            let peak = i128::from(self.window.peak_credit_cents);
            if exceeds(peak, bound) {
                return Some(rollback(
                    GuardbandName::PeakCredit,
                    Figure::Cents(peak),
                    bound,
                ));
            }
        }
        None
    }

    /// Settled in full over arrived, of the payments that arrived in the window.
    fn settlement_rate(&self, state: &SimState) -> Option<f64> {
        let arrived = &self.window.arrived;
        if arrived.is_empty() {
            return None;
        }
        let settled = arrived
            .iter()
            .filter_map(|&tx| state.get_transaction(tx))
            .filter(|tx| tx.settled_amount == tx.amount)
            .count();
        Some(settled as f64 / arrived.len() as f64)
    }
}

/// The engine's sink with the guards in between: each event goes to every guard,
/// then on.
pub(crate) struct Watched<'a> {
    pub(crate) sink: &'a mut dyn EventSink,
    pub(crate) guards: &'a mut [Guard],
}

impl EventSink for Watched<'_> {
    fn record(&mut self, event: Event) {
        for guard in self.guards.iter_mut() {
            guard.observe(&event);
        }
        self.sink.record(event);
    }
}
