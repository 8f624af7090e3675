//! What `rtgsim stress` reports, as a stable JSON document (format
//! `rtgsim-stress/1`: keys are added, never renamed) and as tables
//! ([`StressReport::to_table`]).
//!
//! Every case's figures are given per participant and for the system, and each
//! stress case's also against the benchmark's (`against_benchmark`: the case's
//! figure minus the benchmark's, except the liquidity deterioration, which is the
//! benchmark's lowest liquidity position minus the case's, so that a positive
//! deterioration is a worse position).
//!
//! With several samples, money and counts are the mean over the samples (exact
//! when it has at most 12 decimals, else rounded to 6, as `rtgsim game` writes
//! means); shares and delays are pooled: the sum over the samples of what settled
//! over the sum of what was due.
//!
//! **Critical participants**: each outage case is scored by the damage the
//! outage does to the *other* participants: first the fall in their settled share
//! of value (their value settled, together, in the benchmark minus in the case,
//! over the value of their payments; an outage changes no arrival, so this is the
//! benchmark's share minus the case's); then, on a tie (as when everything still
//! settles by the close), the increase in their mean queue (Queue 1 + Queue 2
//! value at the end of each tick, averaged over the run's ticks: what waits, and
//! for how long). The ranking orders the struck participants by the first,
//! largest first (compared exactly, as fractions of cents), then by the second,
//! then in the scenario's order. The increase in their unsettled value at the end
//! of the run is reported beside them.

use super::cases::{Case, CaseKind};
use super::measure::{AgentFigures, RunFigures};
use crate::game::report::mean_cents;
use serde::Serialize;
use serde_json::Value as Json;

/// The format name and version of the JSON document.
pub const FORMAT: &str = "rtgsim-stress/1";

/// What every report says of the run.
#[derive(Debug, Clone)]
pub struct Context {
    pub scenario: String,
    pub seed: u64,
    pub seeds: Vec<u64>,
    pub agents: Vec<String>,
    pub days: u32,
    pub ticks_per_day: u32,
}

impl Context {
    /// How many end-of-tick queues a case's mean queue averages: the run's ticks
    /// times the samples.
    fn queue_observations(&self) -> usize {
        (self.days as usize * self.ticks_per_day as usize * self.seeds.len()).max(1)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StressReport {
    pub format: &'static str,
    pub scenario: String,
    /// The seed the samples' seeds derive from (the scenario's).
    pub seed: u64,
    pub samples: usize,
    pub seeds: Vec<u64>,
    pub days: u32,
    pub ticks_per_day: u32,
    /// The participants, in the scenario's order.
    pub agents: Vec<String>,
    pub benchmark: CaseEntry,
    /// Every stress case, in the order generated (outages, collateral shocks,
    /// liquidity shocks).
    pub cases: Vec<CaseEntry>,
    /// The outage cases' struck participants, most damaging to the others first.
    pub critical: Vec<CriticalEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseEntry {
    pub name: String,
    pub kind: CaseKind,
    /// The participant the case strikes (an outage, a liquidity shock).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// The events the case adds to the benchmark's `scenario_events`.
    pub events: Vec<Json>,
    /// All participants together (`agent` is `*`).
    pub system: Figures,
    pub participants: Vec<Figures>,
}

/// One participant's (or the system's) figures in a case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    pub agent: String,
    pub payments: Json,
    pub settled: Json,
    pub payments_value_cents: Json,
    pub settled_value_cents: Json,
    /// Value settled over the value of the payments to send; `null` without any.
    pub settled_share_of_value: Option<f64>,
    /// Payments settled in full over payments.
    pub settled_share_of_count: Option<f64>,
    /// Queue 1 + Queue 2 value at the end of each day, day 0 first.
    pub unsettled_end_of_day_cents: Vec<Json>,
    /// The largest Queue 1 + Queue 2 value at the end of a tick.
    pub max_queue_cents: Json,
    /// Queue 1 + Queue 2 value at the end of each tick, averaged over the run's
    /// ticks.
    pub mean_queue_cents: Json,
    pub liquidity_upper_bound_cents: Json,
    pub liquidity_lower_bound_cents: Json,
    /// The lowest balance plus own credit limit at the end of a tick.
    pub lowest_liquidity_cents: Json,
    /// Sum of amount x delay over value settled; `null` when nothing settled.
    pub value_weighted_delay_ticks: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub against_benchmark: Option<Change>,
}

/// A case's figures minus the benchmark's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub settled_share_of_value: Option<f64>,
    pub settled_share_of_count: Option<f64>,
    pub settled_value_cents: Json,
    pub unsettled_end_of_day_cents: Vec<Json>,
    pub max_queue_cents: Json,
    pub mean_queue_cents: Json,
    pub liquidity_upper_bound_cents: Json,
    pub liquidity_lower_bound_cents: Json,
    /// The benchmark's lowest liquidity position minus the case's: positive when
    /// the case's is lower.
    pub liquidity_deterioration_cents: Json,
    pub value_weighted_delay_ticks: Option<f64>,
}

/// A participant whose outage was run, and the damage it did to the others.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriticalEntry {
    /// 1 for the most damaging.
    pub rank: usize,
    pub agent: String,
    pub case: String,
    /// The others' settled share of value, in the benchmark and in the case.
    pub others_settled_share_of_value_benchmark: Option<f64>,
    pub others_settled_share_of_value: Option<f64>,
    /// The benchmark's share minus the case's.
    pub others_settled_share_fall: f64,
    /// The others' mean queue (summed over them), the case's minus the
    /// benchmark's.
    pub others_mean_queue_increase_cents: Json,
    /// The others' unsettled value at the end of the run, the case's minus the
    /// benchmark's.
    pub others_unsettled_increase_cents: Json,
}

/// The damage an outage does to the participants it does not strike (figures
/// summed over the samples).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Damage {
    /// The others' settled share of value, in the benchmark and in the case.
    pub share_benchmark: Option<f64>,
    pub share: Option<f64>,
    /// The others' value settled, the benchmark's minus the case's, and the value
    /// of their payments in the benchmark: the fall is their ratio, compared
    /// exactly.
    pub settled_value_fall: i128,
    pub payments_value: i128,
    /// `settled_value_fall / payments_value`; 0 when the others had nothing to pay.
    /// An outage changes no arrival (each participant's are drawn from the seed),
    /// so this is the benchmark's share minus the case's.
    pub share_fall: f64,
    /// The others' queued value-ticks, the case's minus the benchmark's (the
    /// mean queue's increase times the run's ticks).
    pub queue_increase: i128,
    /// The others' unsettled value at the end of the run, the case's minus the
    /// benchmark's.
    pub unsettled_increase: i128,
}

impl Damage {
    /// Compares two falls exactly (`a / b` against `c / d` as `a d` against
    /// `c b`), in floating point only if the products overflow.
    fn cmp_fall(&self, other: &Damage) -> std::cmp::Ordering {
        let exact =
            |d: &Damage| (d.payments_value > 0).then_some((d.settled_value_fall, d.payments_value));
        match (exact(self), exact(other)) {
            (Some((a, b)), Some((c, d))) => match (a.checked_mul(d), c.checked_mul(b)) {
                (Some(left), Some(right)) => left.cmp(&right),
                _ => self.share_fall.total_cmp(&other.share_fall),
            },
            _ => self.share_fall.total_cmp(&other.share_fall),
        }
    }
}

/// The damage to everyone but `struck`, from each participant's figures in the
/// benchmark and in the case.
pub fn damage(benchmark: &[AgentFigures], case: &[AgentFigures], struck: usize) -> Damage {
    let others = |figures: &[AgentFigures]| {
        let mut sum = AgentFigures::default();
        for (_, f) in figures.iter().enumerate().filter(|(i, _)| *i != struck) {
            sum.add(f);
        }
        sum
    };
    let (before, after) = (others(benchmark), others(case));
    let settled_value_fall = before.settled_value - after.settled_value;
    let end = |f: &AgentFigures| f.unsettled_end_of_day.last().copied().unwrap_or(0);
    Damage {
        share_benchmark: ratio(before.settled_value, before.payments_value),
        share: ratio(after.settled_value, after.payments_value),
        settled_value_fall,
        payments_value: before.payments_value,
        share_fall: ratio(settled_value_fall, before.payments_value).unwrap_or(0.0),
        queue_increase: after.queue_value_ticks - before.queue_value_ticks,
        unsettled_increase: end(&after) - end(&before),
    }
}

/// The order of `damages` (each a struck participant's index and its damage), most
/// damaging first: by the fall in the others' share, then by the increase in their
/// queued value-ticks, then by the participant's index.
pub fn rank(damages: &[(usize, Damage)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..damages.len()).collect();
    order.sort_by(|&a, &b| {
        let ((agent_a, da), (agent_b, db)) = (damages[a], damages[b]);
        db.cmp_fall(&da)
            .then(db.queue_increase.cmp(&da.queue_increase))
            .then(agent_a.cmp(&agent_b))
    });
    order
}

impl StressReport {
    /// The report of `cases`, each with its figures summed over the samples (the
    /// benchmark first).
    pub fn new(context: &Context, cases: &[Case], sums: &[RunFigures]) -> StressReport {
        let counts = (context.seeds.len(), context.queue_observations());
        let benchmark_sums = &sums[0];
        let entry = |(case, sums): (&Case, &RunFigures)| {
            let against = (case.kind != CaseKind::Benchmark).then_some(benchmark_sums);
            CaseEntry {
                name: case.name.clone(),
                kind: case.kind,
                agent: case.agent.map(|i| context.agents[i].clone()),
                events: case.events.clone(),
                system: figures("*", &sums.system, against.map(|b| &b.system), counts),
                participants: context
                    .agents
                    .iter()
                    .zip(&sums.agents)
                    .enumerate()
                    .map(|(i, (name, f))| {
                        figures(name, f, against.and_then(|b| b.agents.get(i)), counts)
                    })
                    .collect(),
            }
        };
        let mut entries = cases.iter().zip(sums).map(entry);
        let benchmark = entries.next().unwrap_or_else(|| CaseEntry {
            name: "benchmark".into(),
            kind: CaseKind::Benchmark,
            agent: None,
            events: Vec::new(),
            system: figures("*", &AgentFigures::default(), None, counts),
            participants: Vec::new(),
        });
        StressReport {
            format: FORMAT,
            scenario: context.scenario.clone(),
            seed: context.seed,
            samples: context.seeds.len(),
            seeds: context.seeds.clone(),
            days: context.days,
            ticks_per_day: context.ticks_per_day,
            agents: context.agents.clone(),
            benchmark,
            cases: entries.collect(),
            critical: critical(context, cases, sums),
        }
    }
}

/// The ranking of the outage cases' struck participants.
fn critical(context: &Context, cases: &[Case], sums: &[RunFigures]) -> Vec<CriticalEntry> {
    let Some(benchmark) = sums.first() else {
        return Vec::new();
    };
    let outages: Vec<(usize, &Case, Damage)> = cases
        .iter()
        .zip(sums)
        .filter(|(case, _)| case.kind == CaseKind::Outage)
        .filter_map(|(case, figures)| {
            let struck = case.agent?;
            Some((
                struck,
                case,
                damage(&benchmark.agents, &figures.agents, struck),
            ))
        })
        .collect();
    let damages: Vec<(usize, Damage)> = outages.iter().map(|&(a, _, d)| (a, d)).collect();
    rank(&damages)
        .into_iter()
        .enumerate()
        .map(|(place, index)| {
            let (struck, case, damage) = outages[index];
            CriticalEntry {
                rank: place + 1,
                agent: context.agents[struck].clone(),
                case: case.name.clone(),
                others_settled_share_of_value_benchmark: damage.share_benchmark,
                others_settled_share_of_value: damage.share,
                others_settled_share_fall: damage.share_fall,
                others_mean_queue_increase_cents: mean_cents(
                    damage.queue_increase,
                    context.queue_observations(),
                ),
                others_unsettled_increase_cents: mean_cents(
                    damage.unsettled_increase,
                    context.seeds.len(),
                ),
            }
        })
        .collect()
}

/// The figures of one participant from its sums over `samples` runs (and
/// `observations` end-of-tick queues), and against the benchmark's sums when
/// given.
fn figures(
    agent: &str,
    sums: &AgentFigures,
    benchmark: Option<&AgentFigures>,
    (samples, observations): (usize, usize),
) -> Figures {
    let mean = |sum: i128| mean_cents(sum, samples);
    Figures {
        agent: agent.to_string(),
        payments: mean(i128::from(sums.payments)),
        settled: mean(i128::from(sums.settled)),
        payments_value_cents: mean(sums.payments_value),
        settled_value_cents: mean(sums.settled_value),
        settled_share_of_value: ratio(sums.settled_value, sums.payments_value),
        settled_share_of_count: ratio(i128::from(sums.settled), i128::from(sums.payments)),
        unsettled_end_of_day_cents: sums.unsettled_end_of_day.iter().map(|&v| mean(v)).collect(),
        max_queue_cents: mean(sums.max_queue),
        mean_queue_cents: mean_cents(sums.queue_value_ticks, observations),
        liquidity_upper_bound_cents: mean(sums.upper_bound),
        liquidity_lower_bound_cents: mean(sums.lower_bound),
        lowest_liquidity_cents: mean(sums.lowest_liquidity),
        value_weighted_delay_ticks: ratio(sums.delay_value_sum, sums.settled_value),
        against_benchmark: benchmark.map(|b| change(sums, b, (samples, observations))),
    }
}

fn change(
    case: &AgentFigures,
    benchmark: &AgentFigures,
    (samples, observations): (usize, usize),
) -> Change {
    let mean = |sum: i128| mean_cents(sum, samples);
    let difference = |a: Option<f64>, b: Option<f64>| Some(a? - b?);
    let days = case
        .unsettled_end_of_day
        .len()
        .max(benchmark.unsettled_end_of_day.len());
    let day = |f: &AgentFigures, d: usize| f.unsettled_end_of_day.get(d).copied().unwrap_or(0);
    Change {
        settled_share_of_value: difference(
            ratio(case.settled_value, case.payments_value),
            ratio(benchmark.settled_value, benchmark.payments_value),
        ),
        settled_share_of_count: difference(
            ratio(i128::from(case.settled), i128::from(case.payments)),
            ratio(
                i128::from(benchmark.settled),
                i128::from(benchmark.payments),
            ),
        ),
        settled_value_cents: mean(case.settled_value - benchmark.settled_value),
        unsettled_end_of_day_cents: (0..days)
            .map(|d| mean(day(case, d) - day(benchmark, d)))
            .collect(),
        max_queue_cents: mean(case.max_queue - benchmark.max_queue),
        mean_queue_cents: mean_cents(
            case.queue_value_ticks - benchmark.queue_value_ticks,
            observations,
        ),
        liquidity_upper_bound_cents: mean(case.upper_bound - benchmark.upper_bound),
        liquidity_lower_bound_cents: mean(case.lower_bound - benchmark.lower_bound),
        liquidity_deterioration_cents: mean(benchmark.lowest_liquidity - case.lowest_liquidity),
        value_weighted_delay_ticks: difference(
            ratio(case.delay_value_sum, case.settled_value),
            ratio(benchmark.delay_value_sum, benchmark.settled_value),
        ),
    }
}

/// `part / whole`, `None` when `whole` is 0.
fn ratio(part: i128, whole: i128) -> Option<f64> {
    (whole != 0).then(|| part as f64 / whole as f64)
}
