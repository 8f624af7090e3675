//! A scenario's events that change the system during a run (`scenario_events:` other
//! than operators' governance actions): transfers outside the queues, liquidity
//! injected or withdrawn, collateral revalued, an unsecured cap changed, and
//! operational outages.
//!
//! They apply at the start of a tick, before the day's opening and the arrivals, in
//! the order the scenario lists them; every one is an event in the log.
//! A shock always applies in full; what it leaves beyond an agent's credit limit is
//! covered by emergency credit (see `rtgsim_core::state`).
//!
//! The schedule is part of the plan, so a resumed run knows which outages are under
//! way from the plan and the tick alone: a checkpoint holds no shock state beyond
//! the positions the shocks changed.

use rtgsim_core::event::{Event, EventSink};
use rtgsim_core::money::ValueFactor;
use rtgsim_core::{AgentId, Cents, SimState, Tick};

/// A shock at a tick, once or repeated.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledShock {
    /// The first tick it applies at.
    pub tick: Tick,
    pub repeat: Option<Repeat>,
    pub shock: Shock,
}

/// A shock applied again every `every_ticks` ticks, up to and including
/// `until_tick`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repeat {
    pub every_ticks: Tick,
    pub until_tick: Tick,
}

/// One agent, or every agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agents {
    One(AgentId),
    All,
}

/// What a shock does.
#[derive(Debug, Clone, PartialEq)]
pub enum Shock {
    /// `amount` from `from` to `to`, outside any queue.
    Transfer {
        from: AgentId,
        to: AgentId,
        amount: Cents,
    },
    Inject {
        agent: AgentId,
        amount: Cents,
    },
    Withdraw {
        agent: AgentId,
        amount: Cents,
    },
    /// Posted and available collateral valued at `factor` times what it was.
    CollateralValue {
        agents: Agents,
        factor: ValueFactor,
    },
    CreditLimit {
        agent: AgentId,
        unsecured_cap: Cents,
    },
    /// For `ticks` ticks the agent's policy is not called and it releases nothing;
    /// with `receive` false, nothing to or from it settles either.
    Outage {
        agent: AgentId,
        ticks: Tick,
        receive: bool,
    },
}

impl ScheduledShock {
    /// Whether it applies at `tick`.
    pub fn fires_at(&self, tick: Tick) -> bool {
        match self.repeat {
            None => tick == self.tick,
            Some(repeat) => {
                tick >= self.tick
                    && tick <= repeat.until_tick
                    && (tick - self.tick).is_multiple_of(repeat.every_ticks.max(1))
            }
        }
    }
}

/// Each agent's outage under way: the tick it ends at (the first tick the agent
/// acts again) and whether it still receives.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Outages {
    until: Vec<Option<(Tick, bool)>>,
}

impl Outages {
    pub(crate) fn new(agents: usize) -> Outages {
        Outages {
            until: vec![None; agents],
        }
    }

    /// Whether the agent is out at the current tick (its policy is not called).
    pub(crate) fn is_out(&self, agent: usize) -> bool {
        self.until.get(agent).is_some_and(Option::is_some)
    }

    /// Ends the outages that end at `tick`, recording each when `sink` is given.
    fn end_at(&mut self, tick: Tick, mut sink: Option<&mut dyn EventSink>) -> Vec<AgentId> {
        let mut ended = Vec::new();
        for (index, slot) in self.until.iter_mut().enumerate() {
            if slot.is_some_and(|(until, _)| until <= tick) {
                *slot = None;
                let agent = AgentId(index as u32);
                ended.push(agent);
                if let Some(sink) = sink.as_deref_mut() {
                    sink.record(Event::OutageEnded { tick, agent });
                }
            }
        }
        ended
    }

    /// Starts an outage (a later one replaces one under way: the agent is out until
    /// the later end).
    fn start(&mut self, agent: AgentId, tick: Tick, ticks: Tick, receive: bool) {
        if let Some(slot) = self.until.get_mut(agent.index()) {
            let until = tick.saturating_add(ticks);
            let later = slot.map_or(until, |(current, _)| current.max(until));
            *slot = Some((later, receive));
        }
    }
}

/// Applies the shocks that fire at the state's tick, in the order listed: ends the
/// outages due (reconnecting agents that did not receive), then each shock.
pub(crate) fn apply(
    shocks: &[ScheduledShock],
    outages: &mut Outages,
    state: &mut SimState,
    sink: &mut dyn EventSink,
) {
    let tick = state.tick();
    for agent in outages.end_at(tick, Some(&mut *sink)) {
        state.set_disconnected(agent, false);
    }
    for scheduled in shocks.iter().filter(|s| s.fires_at(tick)) {
        match scheduled.shock {
            Shock::Transfer { from, to, amount } => state.shock_transfer(from, to, amount, sink),
            Shock::Inject { agent, amount } => state.inject(agent, amount, sink),
            Shock::Withdraw { agent, amount } => state.withdraw(agent, amount, sink),
            Shock::CollateralValue { agents, factor } => {
                for agent in each(agents, state) {
                    state.revalue_collateral(agent, factor, sink);
                }
            }
            Shock::CreditLimit {
                agent,
                unsecured_cap,
            } => state.set_unsecured_cap(agent, unsecured_cap, sink),
            Shock::Outage {
                agent,
                ticks,
                receive,
            } => {
                if ticks == 0 {
                    continue;
                }
                outages.start(agent, tick, ticks, receive);
                state.set_disconnected(agent, !receive);
                sink.record(Event::OutageStarted {
                    tick,
                    agent,
                    ticks,
                    receive,
                });
            }
        }
    }
}

/// The outages under way at `tick`, from the schedule alone (for a resume).
pub(crate) fn outages_at(shocks: &[ScheduledShock], agents: usize, tick: Tick) -> Outages {
    let mut outages = Outages::new(agents);
    for past in 0..tick {
        outages.end_at(past, None);
        for scheduled in shocks.iter().filter(|s| s.fires_at(past)) {
            if let Shock::Outage {
                agent,
                ticks,
                receive,
            } = scheduled.shock
                && ticks > 0
            {
                outages.start(agent, past, ticks, receive);
            }
        }
    }
    outages
}

fn each(agents: Agents, state: &SimState) -> Vec<AgentId> {
    match agents {
        Agents::One(agent) => vec![agent],
        Agents::All => (0..state.agents().len() as u32).map(AgentId).collect(),
    }
}
