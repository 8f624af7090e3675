//! The release gate: every payment a policy releases passes it before it reaches the
//! central queue.
//!
//! Four gates, evaluated in this order, the first that blocks decides:
//!
//! | rank | gate | blocks when | verdict |
//! | --- | --- | --- | --- |
//! | 1 | kill switch | the participant or the system is suspended | HALT |
//! | 2 | budget | the release would pass the per-tick or per-day value budget | HOLD |
//! | 3 | health | the central queue's value or age is over its threshold, or contingency mode holds low-priority payments | HOLD |
//! | 4 | risk | the net outflow to the counterparty (bilateral) or to all (multilateral) would pass its limit | HOLD |
//!
//! HOLD leaves the payment in the bank's queue, to be decided again next tick. HALT
//! also **latches**: the participant stays halted, whatever the inputs, until an
//! operator resets it or the configured reset window has passed. Within a latch the
//! severity never drops.
//!
//! **Restrictive defaults.** An input a gate needs that cannot be computed is taken
//! at its most restrictive value (the gate blocks), and the decision says
//! `GATE_INPUT_INCOMPLETE`.
//!
//! **Isolation.** The gate's inputs are the state of the system and the operators'
//! configuration; nothing a policy says about itself (a confidence, a label) is
//! among them, so no policy output can talk its way past a gate.
//!
//! Net positions are counted at release: what an agent released to a counterparty
//! today minus what that counterparty released to it, so a limit holds from the
//! moment a payment is committed, not only once it settles.
//!
//! **Configuration and state apart.** [`config::Resolved`] is what the operators
//! configured and never changes during a run; what the run changes (suspensions,
//! contingency, latches, today's releases) is the gate's own state. Both are in
//! the serialized [`ReleaseGate`], so a checkpoint of it carries everything.

mod answer;
pub mod config;

pub use answer::{Change, ChangeKind, Decision, Gate, Latch, Reason, Verdict};

use config::{Resolved, ScenarioEventKind};
use rtgsim_core::{AgentId, Cents, Tick};
use serde::{Deserialize, Serialize};

/// A release to judge. `counterparty` is `None` when it cannot be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    pub agent: AgentId,
    pub counterparty: Option<AgentId>,
    pub amount: Cents,
    pub priority: u8,
}

/// The system's health this tick; `None` where it could not be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Health {
    pub queue2_value: Option<Cents>,
    /// Ticks the oldest payment in the central queue has waited (0 when empty).
    pub oldest_queue2_age: Option<u32>,
}

/// Who is suspended: an operator's kill switch, for one agent or the system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Suspensions {
    system: bool,
    agents: Vec<bool>,
}

impl Suspensions {
    fn applies_to(&self, agent: usize) -> bool {
        self.system || self.agents[agent]
    }
}

/// The gate and what it remembers: the configuration it was built from, and the
/// state a run changes (suspensions, contingency, latches, today's releases).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseGate {
    /// The operators' configuration; a run never changes it.
    limits: Resolved,
    /// Starts as the configured kill switch; operators' events change it.
    suspended: Suspensions,
    /// Starts as configured; operators' events change it.
    contingency: bool,
    latches: Vec<Option<Latch>>,
    released_tick: Vec<Cents>,
    released_day: Vec<Cents>,
    /// Released today from one agent to another, kept only for the pairs a
    /// bilateral limit reads (either way round): a dense matrix would cost n² for
    /// thousands of agents.
    sent: Vec<PairFlow>,
    sent_total: Vec<Cents>,
    received_total: Vec<Cents>,
}

impl ReleaseGate {
    pub fn new(limits: Resolved) -> ReleaseGate {
        let n = limits.suspended.len();
        ReleaseGate {
            suspended: Suspensions {
                system: limits.system_suspended,
                agents: limits.suspended.clone(),
            },
            contingency: limits.health.contingency,
            sent: limited_pairs(&limits),
            limits,
            latches: vec![None; n],
            released_tick: vec![0; n],
            released_day: vec![0; n],
            sent_total: vec![0; n],
            received_total: vec![0; n],
        }
    }

    /// The configuration the gate was built from.
    pub fn limits(&self) -> &Resolved {
        &self.limits
    }

    /// The agent's index, if the gate knows it.
    fn known(&self, agent: AgentId) -> Option<usize> {
        let a = agent.index();
        (a < self.latches.len()).then_some(a)
    }

    /// Starts a tick: per-tick budgets refill, per-day ones too when a day starts,
    /// and latches whose reset window has passed clear.
    pub fn begin_tick(&mut self, tick: Tick, new_day: bool) -> Vec<Change> {
        self.released_tick.iter_mut().for_each(|v| *v = 0);
        if new_day {
            self.released_day.iter_mut().for_each(|v| *v = 0);
            self.sent.iter_mut().for_each(|p| p.value = 0);
            self.sent_total.iter_mut().for_each(|v| *v = 0);
            self.received_total.iter_mut().for_each(|v| *v = 0);
        }
        let mut changes = Vec::new();
        let window = self.limits.latch_window;
        if window > 0 {
            for (agent, latch) in self.latches.iter_mut().enumerate() {
                if latch.is_some_and(|l| tick >= l.since.saturating_add(window)) {
                    *latch = None;
                    changes.push(Change {
                        agent: Some(agent_id(agent)),
                        what: ChangeKind::LatchExpired,
                        operator: None,
                    });
                }
            }
        }
        changes
    }

    /// Applies an operator's event. An agent the gate does not know is ignored
    /// (the scenario's names were checked when it loaded).
    pub fn apply(
        &mut self,
        kind: ScenarioEventKind,
        agent: Option<AgentId>,
        operator: Option<String>,
    ) -> Change {
        let known = agent.map(|a| self.known(a));
        let what = match kind {
            ScenarioEventKind::Suspend => {
                match known {
                    Some(Some(a)) => self.suspended.agents[a] = true,
                    Some(None) => {}
                    None => self.suspended.system = true,
                }
                ChangeKind::Suspended
            }
            ScenarioEventKind::Reset => {
                match known {
                    Some(Some(a)) => {
                        self.suspended.agents[a] = false;
                        self.latches[a] = None;
                    }
                    Some(None) => {}
                    None => {
                        self.suspended.system = false;
                        self.suspended.agents.iter_mut().for_each(|s| *s = false);
                        self.latches.iter_mut().for_each(|l| *l = None);
                    }
                }
                ChangeKind::Reset
            }
            ScenarioEventKind::ContingencyStart => {
                self.contingency = true;
                ChangeKind::ContingencyStarted
            }
            ScenarioEventKind::ContingencyEnd => {
                self.contingency = false;
                ChangeKind::ContingencyEnded
            }
        };
        Change {
            agent,
            what,
            operator,
        }
    }

    pub fn latch(&self, agent: AgentId) -> Option<Latch> {
        self.latches.get(agent.index()).copied().flatten()
    }

    /// Judges a release at `tick`. An ALLOW is not counted until [`ReleaseGate::commit`];
    /// a HALT latches.
    pub fn evaluate(&mut self, request: &Request, health: &Health, tick: Tick) -> Decision {
        if let Some(latch) = self.latch(request.agent) {
            return Decision {
                latched: true,
                ..latch.decision
            };
        }
        let decision = self.judge(request, health);
        if decision.verdict == Verdict::Halt
            && let Some(slot) = self.latches.get_mut(request.agent.index())
        {
            *slot = Some(Latch {
                since: tick,
                decision,
            });
            return Decision {
                latched: true,
                ..decision
            };
        }
        decision
    }

    /// Counts an allowed release against budgets and positions.
    pub fn commit(&mut self, request: &Request) {
        self.count(request, request.amount);
    }

    /// Takes back a release its agent withdrew from the central queue: the money
    /// no longer left the bank today, so it counts against no budget or position.
    pub fn withdraw(&mut self, request: &Request) {
        self.count(request, request.amount.saturating_neg());
    }

    /// Adds `amount` of `request`'s release to today's books.
    fn count(&mut self, request: &Request, amount: Cents) {
        let Some(a) = self.known(request.agent) else {
            return;
        };
        self.released_tick[a] = self.released_tick[a].saturating_add(amount);
        self.released_day[a] = self.released_day[a].saturating_add(amount);
        self.sent_total[a] = self.sent_total[a].saturating_add(amount);
        if let Some(b) = request.counterparty.and_then(|b| self.known(b)) {
            let key = (request.agent, agent_id(b));
            if let Ok(at) = self.sent.binary_search_by_key(&key, PairFlow::key) {
                self.sent[at].value = self.sent[at].value.saturating_add(amount);
            }
            self.received_total[b] = self.received_total[b].saturating_add(amount);
        }
    }

    /// Released today from `from` to `to` (0 for a pair no limit reads).
    fn flow(&self, from: AgentId, to: AgentId) -> Cents {
        self.sent
            .binary_search_by_key(&(from, to), PairFlow::key)
            .map_or(0, |at| self.sent[at].value)
    }

    /// The gates in order; the first that blocks answers.
    fn judge(&self, request: &Request, health: &Health) -> Decision {
        let Some(a) = self.known(request.agent) else {
            // An agent the gate does not know: it cannot tell whether it is
            // suspended, so the kill switch answers as restrictively as it can.
            return Decision::block(Gate::KillSwitch, Verdict::Halt, Reason::GateInputIncomplete);
        };
        if self.suspended.applies_to(a) {
            return Decision::block(Gate::KillSwitch, Verdict::Halt, Reason::HaltKillSwitch);
        }
        let amount = request.amount;
        // A release moves money out; a negative amount would count as room in the
        // budgets and limits, so it is refused as an input that makes no sense.
        if amount < 0 {
            return incomplete(Gate::Budget);
        }
        let budget = &self.limits.budgets[a];
        if budget
            .per_tick
            .is_some_and(|cap| self.released_tick[a].saturating_add(amount) > cap)
        {
            return Decision::block(Gate::Budget, Verdict::Hold, Reason::HoldBudgetTick);
        }
        if budget
            .per_day
            .is_some_and(|cap| self.released_day[a].saturating_add(amount) > cap)
        {
            return Decision::block(Gate::Budget, Verdict::Hold, Reason::HoldBudgetDay);
        }
        let limits = &self.limits.health;
        if self.contingency && request.priority < limits.contingency_min_priority {
            return Decision::block(Gate::Health, Verdict::Hold, Reason::HoldContingency);
        }
        if let Some(max) = limits.max_queue2_value {
            match health.queue2_value {
                None => return incomplete(Gate::Health),
                Some(value) if value > max => {
                    return Decision::block(
                        Gate::Health,
                        Verdict::Hold,
                        Reason::HoldHealthQueueValue,
                    );
                }
                Some(_) => {}
            }
        }
        if let Some(max) = limits.max_queue2_age_ticks {
            match health.oldest_queue2_age {
                None => return incomplete(Gate::Health),
                Some(age) if age > max => {
                    return Decision::block(
                        Gate::Health,
                        Verdict::Hold,
                        Reason::HoldHealthQueueAge,
                    );
                }
                Some(_) => {}
            }
        }
        let bilateral = &self.limits.bilateral[a];
        if !bilateral.is_empty() {
            match request.counterparty.filter(|&b| self.known(b).is_some()) {
                None => return incomplete(Gate::Risk),
                Some(b) => {
                    if let Ok(at) = bilateral.binary_search_by_key(&b, |&(cp, _)| cp) {
                        let (a, b) = (request.agent, b);
                        let net = self.flow(a, b).saturating_sub(self.flow(b, a));
                        if net.saturating_add(amount) > bilateral[at].1 {
                            return Decision::block(
                                Gate::Risk,
                                Verdict::Hold,
                                Reason::HoldRiskBilateral,
                            );
                        }
                    }
                }
            }
        }
        if let Some(cap) = self.limits.multilateral[a] {
            let net = self.sent_total[a].saturating_sub(self.received_total[a]);
            if net.saturating_add(amount) > cap {
                return Decision::block(Gate::Risk, Verdict::Hold, Reason::HoldRiskMultilateral);
            }
        }
        Decision::allow()
    }
}

/// Value released today from one agent to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct PairFlow {
    from: AgentId,
    to: AgentId,
    value: Cents,
}

impl PairFlow {
    fn key(&self) -> (AgentId, AgentId) {
        (self.from, self.to)
    }
}

/// The id of the agent at `index`: governance indexes a scenario's agents, which
/// number far fewer than `u32::MAX` (`rtgsim_core::limits::MAX_AGENTS`).
pub(crate) fn agent_id(index: usize) -> AgentId {
    AgentId(u32::try_from(index).unwrap_or(u32::MAX))
}

/// The pairs whose flows a bilateral limit reads, both ways, each at zero, sorted.
fn limited_pairs(limits: &Resolved) -> Vec<PairFlow> {
    let mut pairs = std::collections::BTreeSet::new();
    for (a, limits) in limits.bilateral.iter().enumerate() {
        let a = agent_id(a);
        for &(b, _) in limits {
            pairs.insert((a, b));
            pairs.insert((b, a));
        }
    }
    pairs
        .into_iter()
        .map(|(from, to)| PairFlow { from, to, value: 0 })
        .collect()
}

/// A gate whose input is missing blocks, with the reason saying so.
fn incomplete(gate: Gate) -> Decision {
    Decision::block(gate, Verdict::Hold, Reason::GateInputIncomplete)
}

#[cfg(test)]
mod tests {
    use super::*;
    use config::{BudgetLimits, GovernanceConfig};

    #[test]
    fn a_negative_amount_is_held_not_counted_as_room() {
        let mut config = GovernanceConfig::default();
        let budget = BudgetLimits {
            per_tick: Some(100),
            per_day: None,
        };
        config.budgets.insert("A".to_string(), budget);
        let limits = config.resolve(&["A", "B"]).unwrap_or_default();
        let mut gate = ReleaseGate::new(limits);
        let health = Health::default();
        let request = |amount| Request {
            agent: AgentId(0),
            counterparty: Some(AgentId(1)),
            amount,
            priority: 5,
        };
        let refund = gate.evaluate(&request(-1000), &health, 0);
        assert_eq!(refund.reason, Reason::GateInputIncomplete);
        assert_eq!(refund.gate, Some(Gate::Budget));
        let big = gate.evaluate(&request(1100), &health, 0);
        assert_eq!(big.reason, Reason::HoldBudgetTick);
    }
}
