//! One run's stress figures, per participant and for the whole system.
//!
//! Payment figures (counts, values, the liquidity bounds, delay) are replayed from
//! the events by the report crate's [`Metrics`], as every other command reads
//! them; no log is encoded or hashed. Queues and liquidity positions are read from
//! the simulation's state at the end of every tick:
//!
//! - **queue**: the value of the participant's payments waiting, in Queue 1 (not
//!   yet released by its policy) plus Queue 2 (released, waiting for liquidity);
//! - **queued value-ticks**: the sum over the ticks of that queue, which is the
//!   value waiting times the ticks it waits (over the run's ticks, the mean
//!   queue);
//! - **unsettled at the end of a day**: that queue at the end of the day's last
//!   tick, after the close (what is still owed; dropped payments are not in it);
//! - **liquidity position**: the balance plus the participant's own credit limit
//!   (unsecured cap plus posted collateral after haircut, at its current value):
//!   what it could pay with its own means. It is negative when the participant
//!   relies on credit beyond that limit (an end-of-day loan not yet repaid, or
//!   the emergency credit a collateral shock leaves).

use rtgsim_core::{Event, EventSink, SimState};
use rtgsim_engine::RunError;
use rtgsim_report::metrics::Metrics;
use rtgsim_scenario::Scenario;

/// One participant's figures in one run (or their sums over runs: see
/// [`AgentFigures::add`]). Money in cents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentFigures {
    /// Client payments it had to send, and their value.
    pub payments: u64,
    pub payments_value: i128,
    /// Payments settled in full, and the value settled (every part).
    pub settled: u64,
    pub settled_value: i128,
    /// Queue 1 + Queue 2 value at the end of each day.
    pub unsettled_end_of_day: Vec<i128>,
    /// The largest Queue 1 + Queue 2 value at the end of a tick.
    pub max_queue: i128,
    /// The sum over the ticks of the Queue 1 + Queue 2 value at the tick's end.
    pub queue_value_ticks: i128,
    /// The indicators' upper and lower bounds of liquidity.
    pub upper_bound: i128,
    pub lower_bound: i128,
    /// The lowest liquidity position at the end of a tick.
    pub lowest_liquidity: i128,
    /// Sum of amount x delay ticks over what settled (value-weighted delay's
    /// numerator).
    pub delay_value_sum: i128,
}

impl AgentFigures {
    /// Adds `other`'s figures to these, field by field (each day's unsettled value
    /// to the same day's): the sums over samples that the report divides.
    pub fn add(&mut self, other: &AgentFigures) {
        self.payments += other.payments;
        self.payments_value += other.payments_value;
        self.settled += other.settled;
        self.settled_value += other.settled_value;
        if self.unsettled_end_of_day.len() < other.unsettled_end_of_day.len() {
            self.unsettled_end_of_day
                .resize(other.unsettled_end_of_day.len(), 0);
        }
        for (sum, value) in self
            .unsettled_end_of_day
            .iter_mut()
            .zip(&other.unsettled_end_of_day)
        {
            *sum += value;
        }
        self.max_queue += other.max_queue;
        self.queue_value_ticks += other.queue_value_ticks;
        self.upper_bound += other.upper_bound;
        self.lower_bound += other.lower_bound;
        self.lowest_liquidity += other.lowest_liquidity;
        self.delay_value_sum += other.delay_value_sum;
    }
}

/// One run's figures: each participant's, in agent order, and the system's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunFigures {
    pub agents: Vec<AgentFigures>,
    /// Sums of the participants' payment figures and bounds; the queue and the
    /// liquidity position are the system's at each tick (the sum over the
    /// participants), so its maximum queue is the largest total, not the sum of
    /// each participant's largest.
    pub system: AgentFigures,
}

impl RunFigures {
    /// Adds another run's figures (see [`AgentFigures::add`]).
    pub fn add(&mut self, other: &RunFigures) {
        if self.agents.len() < other.agents.len() {
            self.agents
                .resize(other.agents.len(), AgentFigures::default());
        }
        for (sum, figures) in self.agents.iter_mut().zip(&other.agents) {
            sum.add(figures);
        }
        self.system.add(&other.system);
    }
}

/// Replays the events into the metrics; writes nothing.
struct Replay(Metrics);

impl EventSink for Replay {
    fn record(&mut self, event: Event) {
        self.0.observe(&event);
    }
}

/// Runs `scenario` (as `rtgsim run` starts it, with its guardbands) and measures it.
pub fn measure(scenario: &Scenario) -> Result<RunFigures, RunError> {
    let agents = scenario.plan.agents.len();
    let mut replay = Replay(Metrics::new(agents));
    let mut simulation = scenario.start(&mut replay)?;
    let mut watch = Watch::new(agents);
    while !simulation.is_finished() {
        simulation.step(&mut replay)?;
        watch.end_of_tick(simulation.state());
    }
    Ok(watch.figures(&replay.0))
}

/// What is read from the state at the end of each tick.
struct Watch {
    agents: Vec<AgentFigures>,
    system: AgentFigures,
}

impl Watch {
    fn new(agents: usize) -> Watch {
        let start = AgentFigures {
            lowest_liquidity: i128::MAX,
            ..AgentFigures::default()
        };
        Watch {
            agents: vec![start.clone(); agents],
            system: start,
        }
    }

    fn end_of_tick(&mut self, state: &SimState) {
        let end_of_day = state.clock().is_last_tick_of_day();
        let (mut queued_total, mut position_total) = (0i128, 0i128);
        for (agent, figures) in state.agents().iter().zip(&mut self.agents) {
            let queued = agent.queue1_value() + agent.queue2_value();
            let position = i128::from(agent.balance()) + i128::from(agent.own_credit_limit());
            figures.max_queue = figures.max_queue.max(queued);
            figures.queue_value_ticks += queued;
            figures.lowest_liquidity = figures.lowest_liquidity.min(position);
            if end_of_day {
                figures.unsettled_end_of_day.push(queued);
            }
            queued_total += queued;
            position_total += position;
        }
        let system = &mut self.system;
        system.max_queue = system.max_queue.max(queued_total);
        system.queue_value_ticks += queued_total;
        system.lowest_liquidity = system.lowest_liquidity.min(position_total);
        if end_of_day {
            system.unsettled_end_of_day.push(queued_total);
        }
    }

    /// The figures, with the payment figures from the replayed `metrics`.
    fn figures(mut self, metrics: &Metrics) -> RunFigures {
        for (figures, m) in self.agents.iter_mut().zip(metrics.agents()) {
            figures.payments = m.payments;
            figures.payments_value = m.indicators.payments_value;
            figures.settled = m.settled;
            figures.settled_value = m.settled_value;
            figures.upper_bound = m.indicators.upper_bound();
            figures.lower_bound = m.indicators.lower_bound();
            figures.delay_value_sum = m.indicators.delay_value_sum;
        }
        // A run of no tick leaves no position: 0 rather than the sentinel.
        for figures in self.agents.iter_mut().chain([&mut self.system]) {
            if figures.lowest_liquidity == i128::MAX {
                figures.lowest_liquidity = 0;
            }
        }
        let mut system = self.system;
        for figures in &self.agents {
            system.payments += figures.payments;
            system.payments_value += figures.payments_value;
            system.settled += figures.settled;
            system.settled_value += figures.settled_value;
            system.upper_bound += figures.upper_bound;
            system.lower_bound += figures.lower_bound;
            system.delay_value_sum += figures.delay_value_sum;
        }
        RunFigures {
            agents: self.agents,
            system,
        }
    }
}
