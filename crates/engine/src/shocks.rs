//! A scenario's events that change the system during a run (`scenario_events:` other
//! than operators' governance actions): transfers outside the queues, liquidity
//! injected or withdrawn, collateral revalued, an unsecured cap changed, changes to
//! generated payments (rates, counterparties, deadlines), and operational outages.
//!
//! They apply at the start of a tick, before the day's opening and the arrivals, in
//! the order the scenario lists them; every one is an event in the log.
//! A shock always applies in full; what it leaves beyond an agent's credit limit is
//! covered by emergency credit (see `rtgsim_core::state`).
//!
//! The schedule is part of the plan, so a resumed run knows which outages are under
//! way, and which arrival changes are in force, from the plan and the tick alone
//! ([`replay`]): a checkpoint holds no shock state beyond the positions the shocks
//! changed.

use rtgsim_core::arrivals::{ArrivalChange, ArrivalGenerator};
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
    /// A change to generated payments from this tick's arrivals on (see
    /// [`ArrivalChange`]). With [`Agents::All`], agents without arrivals are passed
    /// over.
    Arrivals {
        agents: Agents,
        change: ArrivalChange,
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
    arrivals: &mut ArrivalGenerator,
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
            Shock::Arrivals { agents, ref change } => {
                for agent in changed_agents(agents, arrivals, state.agents().len()) {
                    // Every change was tried when the run was built (`check`): none is
                    // refused here.
                    if arrivals.change(agent, change).is_ok() {
                        sink.record(Event::ArrivalsChanged {
                            tick,
                            agent,
                            change: describe(change, state),
                        });
                    }
                }
            }
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

/// For a resume at `tick`, from the schedule alone: the outages under way, and the
/// arrival changes of the ticks before it re-applied to `arrivals` in order.
pub(crate) fn replay(
    shocks: &[ScheduledShock],
    arrivals: &mut ArrivalGenerator,
    agents: usize,
    tick: Tick,
) -> Outages {
    let mut outages = Outages::new(agents);
    // Without shocks there is nothing to replay (and a resume late in a long run
    // must not walk every tick).
    if shocks.is_empty() {
        return outages;
    }
    for past in 0..tick {
        outages.end_at(past, None);
        for scheduled in shocks.iter().filter(|s| s.fires_at(past)) {
            match scheduled.shock {
                Shock::Outage {
                    agent,
                    ticks,
                    receive,
                } if ticks > 0 => outages.start(agent, past, ticks, receive),
                Shock::Arrivals {
                    agents: who,
                    ref change,
                } => {
                    for agent in changed_agents(who, arrivals, agents) {
                        let _ = arrivals.change(agent, change);
                    }
                }
                _ => {}
            }
        }
    }
    outages
}

/// Tries every arrival change of `plan`'s shocks, in order, on a generator of its
/// arrivals: the first one refused, with its place among the shocks and why; or,
/// when all pass, each agent's highest mean arrival rate at any time of the run
/// (payments per tick, the day's profile averaged in), for bounding the payments a
/// run can create. A change is judged against the scenario's arrivals only, so one
/// that passes here passes in the run.
pub fn check_arrival_changes(plan: &crate::Plan) -> Result<Vec<f64>, (usize, String)> {
    let specs = plan.agents.iter().map(|a| a.arrivals.clone()).collect();
    let mut arrivals = ArrivalGenerator::new(plan.seed, specs);
    let agents = plan.agents.len();
    let mean_rate = |arrivals: &ArrivalGenerator, agent: AgentId| {
        arrivals.spec(agent).map_or(0.0, |spec| {
            let profile = spec.profile.as_ref().map_or(1.0, |p| p.mean_factor());
            spec.total_rate_per_tick() * profile
        })
    };
    let mut highest: Vec<f64> = (0..agents as u32)
        .map(|a| mean_rate(&arrivals, AgentId(a)))
        .collect();
    for (index, scheduled) in plan.shocks.iter().enumerate() {
        if let Shock::Arrivals {
            agents: who,
            ref change,
        } = scheduled.shock
        {
            for agent in changed_agents(who, &arrivals, agents) {
                arrivals
                    .change(agent, change)
                    .map_err(|message| (index, message))?;
                let rate = mean_rate(&arrivals, agent);
                if let Some(high) = highest.get_mut(agent.index()) {
                    *high = high.max(rate);
                }
            }
        }
    }
    Ok(highest)
}

/// The agents an arrival change applies to: the one named, or, for every agent,
/// those with arrivals.
fn changed_agents(agents: Agents, arrivals: &ArrivalGenerator, count: usize) -> Vec<AgentId> {
    match agents {
        Agents::One(agent) => vec![agent],
        Agents::All => (0..count as u32)
            .map(AgentId)
            .filter(|&a| arrivals.has_arrivals(a))
            .collect(),
    }
}

/// An arrival change as the log writes it: `rate_factor 0.5`, `rate_per_tick 2`,
/// `counterparty_weights BANK_B:2,BANK_C:1`, `deadline_window 5..20`.
fn describe(change: &ArrivalChange, state: &SimState) -> std::sync::Arc<str> {
    let text = match change {
        ArrivalChange::RateFactor(factor) => format!("rate_factor {factor}"),
        ArrivalChange::RatePerTick(rate) => format!("rate_per_tick {rate}"),
        ArrivalChange::CounterpartyWeights(weights) => {
            let pairs: Vec<String> = weights
                .iter()
                .map(|(agent, weight)| {
                    let name = state.get_agent(*agent).map_or("?", |a| a.name());
                    format!("{name}:{weight}")
                })
                .collect();
            format!("counterparty_weights {}", pairs.join(","))
        }
        ArrivalChange::DeadlineWindow {
            min_ticks,
            max_ticks,
        } => format!("deadline_window {min_ticks}..{max_ticks}"),
    };
    text.into()
}

fn each(agents: Agents, state: &SimState) -> Vec<AgentId> {
    match agents {
        Agents::One(agent) => vec![agent],
        Agents::All => (0..state.agents().len() as u32).map(AgentId).collect(),
    }
}
