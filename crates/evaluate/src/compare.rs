//! `compare`: both policies on the same samples, in parallel, and what the paired
//! differences say. Samples are collected by index, never by finishing order, so
//! the report is the same whatever the number of threads.

use crate::CompareError;
use crate::candidate::Contest;
use crate::paired::{PairedStats, paired};
use crate::samples::{History, Mode, resampled, sample_seed};
use crate::verdict::{GuardbandCheck, Guardbands, Means, Verdict, check_guardbands, verdict};
use rayon::prelude::*;
use rtgsim_engine::{RunError, Simulation};
use rtgsim_report::summary::{AgentSummary, CostSummary};
use rtgsim_scenario::{PolicySpec, Scenario};
use serde::Serialize;

/// How to compare.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    pub mode: Mode,
    pub samples: u32,
    /// The seed every sample's seed derives from (and, in bootstrap and sandbox
    /// modes, the context run's seed).
    pub master_seed: u64,
    /// Run only this sample (its index): the same figures as in the full report.
    pub only_sample: Option<u32>,
    pub guardbands: Guardbands,
    /// Resamples for the confidence interval.
    pub resamples: u32,
    /// Threads (0: every core).
    pub threads: usize,
    /// Encode and hash every run's event log, to report each run's hash (about a
    /// third more time; the figures are the same either way).
    pub hashes: bool,
}

/// One policy's figures for the agent in one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub costs: CostSummary,
    pub payments: u64,
    pub settled: u64,
    pub settlement_rate: Option<f64>,
    /// The most negative the agent's balance went: intraday credit used, cents.
    pub peak_credit_cents: i64,
    pub policy_errors: u64,
    /// The run's event-log hash (when asked for): `rtgsim run` with the sample's
    /// seed (seeds mode) gives the same.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_log_hash: Option<String>,
}

impl Outcome {
    fn of(agent: &AgentSummary, hash: Option<String>) -> Outcome {
        Outcome {
            costs: agent.costs,
            payments: agent.payments,
            settled: agent.settled,
            settlement_rate: agent.settlement_rate,
            peak_credit_cents: agent.peak_overdraft,
            policy_errors: agent.policy_errors,
            event_log_hash: hash,
        }
    }
}

/// One sample, both sides.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampleResult {
    pub index: u32,
    pub seed: u64,
    pub incumbent: Outcome,
    pub candidate: Outcome,
    /// Candidate total cost minus incumbent total cost, cents (negative: cheaper).
    pub delta_cents: i128,
}

/// Everything `compare` found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompareReport {
    pub agent: String,
    pub mode: Mode,
    pub master_seed: u64,
    /// Ticks in each sample's run (a cost per tick is a mean cost over this).
    pub ticks_per_run: u64,
    pub incumbent: String,
    pub candidate: String,
    /// Bootstrap and sandbox: how many payments the context run gave the agent to
    /// send, and how many it received.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<HistorySize>,
    pub samples: Vec<SampleResult>,
    pub stats: PairedStats,
    pub incumbent_means: Means,
    pub candidate_means: Means,
    pub guardbands: Guardbands,
    pub guardband_checks: Vec<GuardbandCheck>,
    pub verdict: Verdict,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HistorySize {
    pub outgoing: usize,
    pub incoming: usize,
}

/// Compares the contest's candidate with its incumbent.
pub fn compare(contest: &Contest, options: &CompareOptions) -> Result<CompareReport, CompareError> {
    compare_knowing(contest, options, None)
}

/// [`compare`], with the incumbent's outcomes on every sample already known (from
/// an earlier comparison of the same incumbent, options and samples): only the
/// candidate runs. The optimiser uses it; the report is the one `compare` gives.
pub fn compare_knowing(
    contest: &Contest,
    options: &CompareOptions,
    incumbent: Option<&[Outcome]>,
) -> Result<CompareReport, CompareError> {
    if options.samples == 0 {
        return Err(CompareError::Input("--samples must be at least 1".into()));
    }
    if options.resamples == 0 {
        return Err(CompareError::Input(
            "--resamples must be at least 1 (the confidence interval needs them)".into(),
        ));
    }
    if let Some(k) = options.only_sample.filter(|k| *k >= options.samples) {
        return Err(CompareError::Input(format!(
            "--sample {k}: the samples are 0 to {}",
            options.samples - 1
        )));
    }
    options
        .guardbands
        .check()
        .map_err(|e| CompareError::Input(format!("guardband {e}")))?;
    if incumbent.is_some_and(|known| {
        known.len() != options.samples as usize || options.only_sample.is_some()
    }) {
        return Err(CompareError::Run(
            "the known incumbent outcomes are not one per sample".into(),
        ));
    }
    let indices: Vec<u32> = match options.only_sample {
        Some(k) => vec![k],
        None => (0..options.samples).collect(),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads)
        // Each thread runs policies: the stack their limits are sized for.
        .stack_size(rtgsim_policy_starlark::POLICY_THREAD_STACK_BYTES)
        .build()
        .map_err(|e| CompareError::Run(format!("cannot start the threads: {e}")))?;
    let (history, results) = pool.install(|| -> Result<_, CompareError> {
        let history = match options.mode {
            Mode::Seeds => None,
            Mode::Bootstrap | Mode::Sandbox => {
                let mut context = contest.scenario.clone();
                context.plan.seed = options.master_seed;
                Some(
                    History::of_run(&context, contest.agent)
                        .map_err(|e| CompareError::Run(format!("the context run: {e}")))?,
                )
            }
        };
        let results = indices
            .par_iter()
            .map(|&index| {
                let known = incumbent.map(|outcomes| outcomes[index as usize].clone());
                run_sample(contest, options, history.as_ref(), index, known)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok((history, results))
    })?;
    Ok(report(contest, options, history.as_ref(), results))
}

fn run_sample(
    contest: &Contest,
    options: &CompareOptions,
    history: Option<&History>,
    index: u32,
    known_incumbent: Option<Outcome>,
) -> Result<SampleResult, CompareError> {
    let seed = sample_seed(options.master_seed, u64::from(index));
    let (frame, agent) = match history {
        None => {
            let mut scenario = contest.scenario.clone();
            scenario.plan.seed = seed;
            (scenario, contest.agent)
        }
        Some(history) => resampled(
            &contest.scenario,
            contest.agent,
            history,
            seed,
            options.mode,
        ),
    };
    let run = |policy: &PolicySpec, side: &str| -> Result<Outcome, CompareError> {
        let mut scenario: Scenario = frame.clone();
        scenario.policies[agent] = policy.clone();
        let failed =
            |e: String| CompareError::Run(format!("sample {index} (seed {seed}), {side}: {e}"));
        if options.hashes {
            let summary = rtgsim_scenario::run(&scenario, None, &mut |_| {})
                .map_err(|e| failed(e.to_string()))?;
            Ok(Outcome::of(
                &summary.agents[agent],
                Some(summary.event_log_hash),
            ))
        } else {
            let agents = agent_figures(&scenario).map_err(|e| failed(e.to_string()))?;
            Ok(Outcome::of(&agents[agent], None))
        }
    };
    let incumbent = match known_incumbent {
        Some(outcome) => outcome,
        None => run(&contest.incumbent, "incumbent")?,
    };
    let candidate = run(&contest.candidate, "candidate")?;
    Ok(SampleResult {
        index,
        seed,
        delta_cents: candidate.costs.total - incumbent.costs.total,
        incumbent,
        candidate,
    })
}

/// Each agent's figures from a run of `scenario`, without its scenario's
/// guardbands (policies are judged as written), read from the events as recorded.
fn agent_figures(scenario: &Scenario) -> Result<Vec<AgentSummary>, RunError> {
    let summary = crate::unlogged::summary_of(scenario, |sink| {
        Simulation::new(&scenario.plan, scenario.build_policies(), sink)
    })?;
    Ok(summary.agents)
}

fn report(
    contest: &Contest,
    options: &CompareOptions,
    history: Option<&History>,
    samples: Vec<SampleResult>,
) -> CompareReport {
    let deltas: Vec<i128> = samples.iter().map(|s| s.delta_cents).collect();
    let stats = paired(&deltas, options.resamples, options.master_seed);
    let incumbent_means = means(samples.iter().map(|s| &s.incumbent));
    let candidate_means = means(samples.iter().map(|s| &s.candidate));
    let guardband_checks =
        check_guardbands(&options.guardbands, &incumbent_means, &candidate_means);
    let verdict = verdict(&stats, &guardband_checks);
    CompareReport {
        agent: contest.agent_name().to_string(),
        mode: options.mode,
        master_seed: options.master_seed,
        ticks_per_run: contest.scenario.plan.total_ticks(),
        incumbent: contest.incumbent_label.clone(),
        candidate: contest.candidate_label.clone(),
        history: history.map(|h| HistorySize {
            outgoing: h.outgoing.len(),
            incoming: h.incoming.len(),
        }),
        samples,
        stats,
        incumbent_means,
        candidate_means,
        guardbands: options.guardbands,
        guardband_checks,
        verdict,
    }
}

fn means<'a>(outcomes: impl Iterator<Item = &'a Outcome>) -> Means {
    let outcomes: Vec<&Outcome> = outcomes.collect();
    let n = outcomes.len().max(1) as f64;
    let rates: Vec<f64> = outcomes.iter().filter_map(|o| o.settlement_rate).collect();
    Means {
        cost_cents: outcomes.iter().map(|o| o.costs.total as f64).sum::<f64>() / n,
        settlement_rate: (!rates.is_empty())
            .then(|| rates.iter().sum::<f64>() / rates.len() as f64),
        peak_credit_cents: outcomes
            .iter()
            .map(|o| o.peak_credit_cents as f64)
            .sum::<f64>()
            / n,
    }
}
