//! The reference model: the table of the gate's module doc restated, from the
//! generated configuration by agent index.

use rtgsim_core::AgentId;
use rtgsim_governance::gate::config::ScenarioEventKind;
use rtgsim_governance::gate::{Decision, Gate, Health, Reason, Request, Verdict};

use crate::generated::Setup;

/// The table of the module doc, restated: kill switch, budget, health, risk,
/// the first that blocks decides; a HALT latches until a reset or the window.
#[derive(Debug, Clone)]
pub struct Model<'a> {
    setup: &'a Setup,
    system_suspended: bool,
    suspended: Vec<bool>,
    pub contingency: bool,
    /// Per agent: (tick latched, reason).
    pub latches: Vec<Option<(u32, Reason)>>,
    tick_sum: Vec<i64>,
    day_sum: Vec<i64>,
    /// Released today, sender then receiver.
    sent: Vec<Vec<i64>>,
    /// Released today to no counterparty or to one nobody knows.
    sent_elsewhere: Vec<i64>,
}

impl<'a> Model<'a> {
    pub fn new(setup: &'a Setup) -> Model<'a> {
        let n = setup.n;
        Model {
            setup,
            system_suspended: setup.system_suspended,
            suspended: setup.suspended.clone(),
            contingency: setup.contingency,
            latches: vec![None; n],
            tick_sum: vec![0; n],
            day_sum: vec![0; n],
            sent: vec![vec![0; n]; n],
            sent_elsewhere: vec![0; n],
        }
    }

    pub fn begin_tick(&mut self, tick: u32, new_day: bool) {
        self.tick_sum.fill(0);
        if new_day {
            self.day_sum.fill(0);
            self.sent.iter_mut().for_each(|row| row.fill(0));
            self.sent_elsewhere.fill(0);
        }
        let window = self.setup.window;
        for latch in &mut self.latches {
            if window > 0 && latch.is_some_and(|(since, _)| tick >= since + window) {
                *latch = None;
            }
        }
    }

    pub fn apply(&mut self, kind: ScenarioEventKind, agent: Option<AgentId>) {
        let n = self.setup.n;
        match (kind, agent.map(AgentId::index)) {
            // Contingency is system-wide, whatever agent the event names.
            (ScenarioEventKind::ContingencyStart, _) => self.contingency = true,
            (ScenarioEventKind::ContingencyEnd, _) => self.contingency = false,
            // An agent nobody knows: ignored.
            (_, Some(a)) if a >= n => {}
            (ScenarioEventKind::Suspend, Some(a)) => self.suspended[a] = true,
            (ScenarioEventKind::Suspend, None) => self.system_suspended = true,
            (ScenarioEventKind::Reset, Some(a)) => {
                self.suspended[a] = false;
                self.latches[a] = None;
            }
            (ScenarioEventKind::Reset, None) => {
                self.system_suspended = false;
                self.suspended.fill(false);
                self.latches.fill(None);
            }
        }
    }

    pub fn is_suspended(&self, a: usize) -> bool {
        a < self.setup.n && (self.system_suspended || self.suspended[a])
    }

    fn net(&self, a: usize, b: usize) -> i64 {
        self.sent[a][b] - self.sent[b][a]
    }

    fn net_out(&self, a: usize) -> i64 {
        let out: i64 = self.sent[a].iter().sum::<i64>() + self.sent_elsewhere[a];
        let received: i64 = self.sent.iter().map(|row| row[a]).sum();
        out - received
    }

    /// Each gate's own answer, whatever the others say.
    pub fn conditions(&self, r: &Request, h: &Health) -> [Option<Reason>; 4] {
        let s = self.setup;
        let a = r.agent.index();
        if a >= s.n {
            // Nobody can tell whether an unknown agent is suspended.
            return [Some(Reason::GateInputIncomplete), None, None, None];
        }
        let kill = self.is_suspended(a).then_some(Reason::HaltKillSwitch);
        let budget = if s
            .per_tick(a)
            .is_some_and(|cap| self.tick_sum[a] + r.amount > cap)
        {
            Some(Reason::HoldBudgetTick)
        } else if s
            .per_day(a)
            .is_some_and(|cap| self.day_sum[a] + r.amount > cap)
        {
            Some(Reason::HoldBudgetDay)
        } else {
            None
        };
        [kill, budget, self.health(r, h), self.risk(r)]
    }

    fn health(&self, r: &Request, h: &Health) -> Option<Reason> {
        let s = self.setup;
        if self.contingency && r.priority < s.min_priority {
            return Some(Reason::HoldContingency);
        }
        if let Some(max) = s.max_value {
            match h.queue2_value {
                None => return Some(Reason::GateInputIncomplete),
                Some(v) if v > max => return Some(Reason::HoldHealthQueueValue),
                Some(_) => {}
            }
        }
        if let Some(max) = s.max_age {
            match h.oldest_queue2_age {
                None => return Some(Reason::GateInputIncomplete),
                Some(v) if v > max => return Some(Reason::HoldHealthQueueAge),
                Some(_) => {}
            }
        }
        None
    }

    fn risk(&self, r: &Request) -> Option<Reason> {
        let s = self.setup;
        let a = r.agent.index();
        if s.has_bilateral(a) {
            let Some(b) = r.counterparty.map(AgentId::index).filter(|&b| b < s.n) else {
                return Some(Reason::GateInputIncomplete);
            };
            if s.bilateral(a, b)
                .is_some_and(|limit| self.net(a, b) + r.amount > limit)
            {
                return Some(Reason::HoldRiskBilateral);
            }
        }
        if s.multilateral(a)
            .is_some_and(|cap| self.net_out(a) + r.amount > cap)
        {
            return Some(Reason::HoldRiskMultilateral);
        }
        None
    }

    pub fn expected(&self, r: &Request, h: &Health) -> Decision {
        if let Some((_, reason)) = self.latches.get(r.agent.index()).copied().flatten() {
            return Decision {
                verdict: Verdict::Halt,
                reason,
                gate: Some(Gate::KillSwitch),
                latched: true,
            };
        }
        let first = Gate::ALL
            .into_iter()
            .zip(self.conditions(r, h))
            .find_map(|(gate, reason)| reason.map(|reason| (gate, reason)));
        match first {
            None => Decision {
                verdict: Verdict::Allow,
                reason: Reason::AllowAllGatesPassed,
                gate: None,
                latched: false,
            },
            Some((gate, reason)) => {
                let verdict = if gate == Gate::KillSwitch {
                    Verdict::Halt
                } else {
                    Verdict::Hold
                };
                Decision {
                    verdict,
                    reason,
                    gate: Some(gate),
                    latched: verdict == Verdict::Halt && r.agent.index() < self.setup.n,
                }
            }
        }
    }

    /// After an evaluation: a HALT of a known agent latches.
    pub fn observe(&mut self, r: &Request, expected: &Decision, tick: u32) {
        if expected.verdict == Verdict::Halt
            && let Some(slot @ None) = self.latches.get_mut(r.agent.index())
        {
            *slot = Some((tick, expected.reason));
        }
    }

    pub fn commit(&mut self, r: &Request) {
        let a = r.agent.index();
        self.tick_sum[a] += r.amount;
        self.day_sum[a] += r.amount;
        match r
            .counterparty
            .map(AgentId::index)
            .filter(|&b| b < self.setup.n)
        {
            Some(b) => self.sent[a][b] += r.amount,
            None => self.sent_elsewhere[a] += r.amount,
        }
    }
}
