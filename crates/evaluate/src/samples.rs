//! The samples a comparison runs both policies on.
//!
//! - **seeds**: sample `i` is the whole scenario with seed [`sample_seed`]`(master, i)`:
//!   `rtgsim run SCENARIO --seed S` reproduces either side of it.
//! - **bootstrap**: one context run of the scenario (master seed, incumbent policy)
//!   gives the agent's history ([`History`]): every payment it had to send, and every
//!   payment it received with the delay after which it settled. Sample `i` draws as
//!   many of each, with replacement, with a generator keyed by `sample_seed(master,
//!   i)`; each drawn payment gets a new arrival tick, uniform over the run, and keeps
//!   its amount, deadline offset, priority, divisibility and counterparty. An
//!   incoming payment is credited at its new arrival tick plus its observed delay
//!   (one that would land after the run is not credited). The other agents become
//!   passive: each starts with exactly what it pays the agent, releases at once,
//!   and so credits the agent at the tick the sample says; what the agent sends
//!   them settles as their liquidity allows nothing else.
//! - **sandbox**: as bootstrap, with every counterparty folded into two: `SOURCE`
//!   sends every incoming payment, `SINK` receives every outgoing one (the peer
//!   simulator's three-agent form).
//!
//! Bootstrap and sandbox samples run without the scenario's governance and
//! arrivals: the sample is the whole of the agent's traffic.

use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use rtgsim_core::arrivals::{cap_at_end_of_day, uniform_inclusive};
use rtgsim_core::event::DiscardEvents;
use rtgsim_core::{AgentId, AgentSetup, Cents, NewPayment, Tick, TxStatus};
use rtgsim_engine::plan::{AgentPlan, ScriptedPayment};
use rtgsim_engine::{RunError, Simulation};
use rtgsim_scenario::{PolicySpec, Scenario};
use sha2::{Digest, Sha256};

/// How samples are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Seeds,
    Bootstrap,
    Sandbox,
}

impl Mode {
    pub fn parse(text: &str) -> Option<Mode> {
        match text {
            "seeds" => Some(Mode::Seeds),
            "bootstrap" => Some(Mode::Bootstrap),
            "sandbox" => Some(Mode::Sandbox),
            _ => None,
        }
    }
}

/// The seed of sample `index`: the first 8 bytes, little-endian, of
/// SHA-256("rtgsim-compare" || master as 8 bytes LE || index as 8 bytes LE).
/// Each sample is reproducible alone, and samples of nearby masters do not overlap.
pub fn sample_seed(master: u64, index: u64) -> u64 {
    let mut hasher = Sha256::new();
    hasher.update(b"rtgsim-compare");
    hasher.update(master.to_le_bytes());
    hasher.update(index.to_le_bytes());
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

/// A payment the agent had to send, as it arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outgoing {
    pub arrival_tick: Tick,
    pub amount: Cents,
    pub deadline_offset_ticks: Tick,
    pub priority: u8,
    pub divisible: bool,
    pub receiver: AgentId,
}

/// A payment (or a part of one) the agent received, and when it settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Incoming {
    pub arrival_tick: Tick,
    pub amount: Cents,
    pub settle_delay_ticks: Tick,
    pub sender: AgentId,
}

/// The agent's traffic in the context run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    pub outgoing: Vec<Outgoing>,
    /// Settled ones only: a payment never received gave the agent no liquidity.
    pub incoming: Vec<Incoming>,
}

impl History {
    /// Runs `scenario` (its seed, its policies) and reads agent `agent`'s traffic
    /// from the final state. An incoming payment split by its sender counts part by
    /// part; one settled only in part by a partial submission is left out.
    pub fn of_run(scenario: &Scenario, agent: usize) -> Result<History, RunError> {
        let mut sink = DiscardEvents;
        let mut simulation = Simulation::new(&scenario.plan, scenario.build_policies(), &mut sink)?;
        simulation.run(&mut sink, &mut |_| {})?;
        let focal = AgentId(agent as u32);
        let mut history = History {
            outgoing: Vec::new(),
            incoming: Vec::new(),
        };
        for tx in simulation.state().transactions() {
            if tx.sender == focal && tx.parent.is_none() {
                history.outgoing.push(Outgoing {
                    arrival_tick: tx.arrival_tick,
                    amount: tx.amount,
                    deadline_offset_ticks: tx.deadline_tick.saturating_sub(tx.arrival_tick),
                    priority: tx.priority,
                    divisible: tx.divisible,
                    receiver: tx.receiver,
                });
            }
            if tx.receiver == focal
                && tx.status == TxStatus::Settled
                && let Some(settled) = tx.settled_tick
            {
                history.incoming.push(Incoming {
                    arrival_tick: tx.arrival_tick,
                    amount: tx.amount,
                    settle_delay_ticks: settled.saturating_sub(tx.arrival_tick),
                    sender: tx.sender,
                });
            }
        }
        Ok(history)
    }
}

/// Builds sample `seed` of `history` in `mode` (bootstrap or sandbox): the scenario
/// to run each policy in, and the agent's index in it. The agent's policy is a
/// placeholder; the caller puts each contender in its place.
pub fn resampled(
    base: &Scenario,
    agent: usize,
    history: &History,
    seed: u64,
    mode: Mode,
) -> (Scenario, usize) {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    let mut rng = ChaCha8Rng::from_seed(key);
    let total_ticks = base.plan.total_ticks().min(u64::from(Tick::MAX)) as Tick;
    let last_tick = total_ticks.saturating_sub(1);
    let draw =
        |rng: &mut ChaCha8Rng, len: usize| uniform_inclusive(rng, 0, len as u64 - 1) as usize;

    let layout = Layout::new(base, agent, mode);
    // A scenario that caps generated deadlines at the day's end caps redrawn ones too.
    let deadline_cap = base.plan.agents[agent]
        .arrivals
        .as_ref()
        .and_then(|a| a.deadline_cap_ticks_per_day);
    let mut scripted = Vec::new();
    let mut owed = vec![0 as Cents; layout.setups.len()];
    for _ in 0..history.outgoing.len() {
        let record = history.outgoing[draw(&mut rng, history.outgoing.len())];
        let arrival = uniform_inclusive(&mut rng, 0, u64::from(last_tick)) as Tick;
        scripted.push(ScriptedPayment {
            tick: arrival,
            payment: NewPayment {
                sender: layout.focal,
                receiver: layout.sink_for(record.receiver),
                amount: record.amount,
                deadline_tick: cap_at_end_of_day(
                    arrival.saturating_add(record.deadline_offset_ticks),
                    arrival,
                    deadline_cap,
                )
                .min(last_tick),
                priority: record.priority,
                divisible: record.divisible,
            },
        });
    }
    for _ in 0..history.incoming.len() {
        let record = history.incoming[draw(&mut rng, history.incoming.len())];
        let arrival = uniform_inclusive(&mut rng, 0, u64::from(last_tick)) as Tick;
        let Some(credit_tick) = arrival
            .checked_add(record.settle_delay_ticks)
            .filter(|t| *t <= last_tick)
        else {
            continue;
        };
        let sender = layout.source_for(record.sender);
        // Saturating: a total past the money bound is refused when the sample starts.
        owed[sender.index()] = owed[sender.index()].saturating_add(record.amount);
        scripted.push(ScriptedPayment {
            tick: credit_tick,
            payment: NewPayment {
                sender,
                receiver: layout.focal,
                amount: record.amount,
                deadline_tick: credit_tick,
                priority: 10,
                divisible: false,
            },
        });
    }
    // The engine takes scripted payments in arrival order; a stable sort keeps the
    // drawing order within a tick, so the sample is a function of its seed alone.
    scripted.sort_by_key(|p| p.tick);

    let mut scenario = base.clone();
    scenario.plan.seed = seed;
    scenario.plan.governance = None;
    scenario.guardbands.clear();
    scenario.plan.scripted = scripted;
    scenario.plan.agents = layout
        .setups
        .into_iter()
        .zip(owed)
        .enumerate()
        .map(|(index, (mut setup, owed))| {
            if index != layout.focal.index() {
                setup.opening_balance = owed;
            }
            AgentPlan {
                setup,
                arrivals: None,
            }
        })
        .collect();
    scenario.policies = vec![PolicySpec::Fifo; scenario.plan.agents.len()];
    (scenario, layout.focal.index())
}

/// The agents of a resampled scenario.
struct Layout {
    setups: Vec<AgentSetup>,
    focal: AgentId,
    /// Sandbox only: the ids of SOURCE and SINK.
    source_sink: Option<(AgentId, AgentId)>,
}

impl Layout {
    fn new(base: &Scenario, agent: usize, mode: Mode) -> Layout {
        let passive = |name: String| AgentSetup::new(name, 0);
        match mode {
            Mode::Sandbox => {
                let focal = base.plan.agents[agent].setup.clone();
                let source = unused_name("SOURCE", &focal.name);
                let sink = unused_name("SINK", &focal.name);
                Layout {
                    // SOURCE first: its releases are attempted before the agent's.
                    setups: vec![passive(source), focal, passive(sink)],
                    focal: AgentId(1),
                    source_sink: Some((AgentId(0), AgentId(2))),
                }
            }
            Mode::Seeds | Mode::Bootstrap => Layout {
                setups: base
                    .plan
                    .agents
                    .iter()
                    .enumerate()
                    .map(|(i, a)| {
                        if i == agent {
                            a.setup.clone()
                        } else {
                            passive(a.setup.name.clone())
                        }
                    })
                    .collect(),
                focal: AgentId(agent as u32),
                source_sink: None,
            },
        }
    }

    fn source_for(&self, sender: AgentId) -> AgentId {
        self.source_sink.map_or(sender, |(source, _)| source)
    }

    fn sink_for(&self, receiver: AgentId) -> AgentId {
        self.source_sink.map_or(receiver, |(_, sink)| sink)
    }
}

fn unused_name(wanted: &str, taken: &str) -> String {
    if wanted == taken {
        format!("{wanted}_2")
    } else {
        wanted.to_string()
    }
}
