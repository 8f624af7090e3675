//! The improvement loop: a proposer suggests a policy for one agent, the checks
//! refuse what cannot run, [`compare`](crate::compare::compare) judges what can
//! against the current policy, and an accepted candidate becomes the current one.
//!
//! Each iteration:
//! 1. the [prompt](prompt::Prompt) is built: the current policy and its figures, the
//!    last candidates with their outcomes and reasons, the analyzer's findings on the
//!    last one, the reference for the policy's language, the constraints;
//! 2. the proposer answers with a policy text (a failure to answer is an outcome);
//! 3. the text is checked: the static analyzer (errors refuse it) and the scenario
//!    loader's checks for that agent. A refused candidate is `invalid` and not run;
//! 4. it is compared with the current policy on the same samples every iteration
//!    (the master seed does not change), so figures are comparable across
//!    iterations; accepted, it becomes the current policy.
//!
//! The loop stops after `iterations`, after `patience` iterations in a row without
//! an accepted candidate, or when the 95% interval of an accepted candidate's
//! improvement lies below `tolerance_cents`: even its optimistic end (the interval's
//! low end of the cost delta, negated) is smaller, so further steps of that size are
//! not worth the samples. Nothing in it reads a clock except the time limit
//! on a proposer command, which decides only whether an answer is waited for.

pub mod command;
pub mod policy_text;
pub mod prompt;
pub mod search;

use crate::CompareError;
use crate::candidate::{Contest, agent_index, resolve_policy};
use crate::compare::{
    CompareOptions, CompareReport, Outcome as RunOutcome, compare, compare_knowing,
};
use crate::samples::Mode;
use crate::verdict::Decision;
use policy_text::{Language, PolicyText};
use prompt::{Attempt, Constraints, HISTORY_SHOWN, Metrics, PROMPT_FORMAT, Prompt, Reference};
use rtgsim_analyzer::Severity;
use rtgsim_scenario::config::ScenarioInput;
use rtgsim_scenario::{PolicySpec, Scenario};
use search::Space;
use serde::Serialize;

/// Something that proposes policies.
pub trait Proposer {
    /// How it is named in the report.
    fn name(&self) -> String;
    /// A candidate policy's text, or why there is none.
    fn propose(&mut self, prompt: &Prompt) -> Result<String, String>;
}

#[derive(Debug, Clone)]
pub struct OptimizeOptions {
    pub iterations: u32,
    /// Stop after this many iterations in a row without an accepted candidate.
    pub patience: u32,
    /// Stop when the 95% interval of an accepted candidate's improvement of the mean
    /// cost lies wholly below this many cents (0: never stop for this).
    pub tolerance_cents: f64,
    /// How each candidate is compared (samples, mode, master seed, guardbands).
    pub compare: CompareOptions,
    /// Declared parameter ranges, passed to the proposer in the prompt.
    pub space: Space,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Accepted,
    Rejected,
    Invalid,
    ProposerFailed,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Rejected => "rejected",
            Outcome::Invalid => "invalid",
            Outcome::ProposerFailed => "proposer_failed",
        }
    }
}

/// One iteration, everything it saw and decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Iteration {
    pub index: u32,
    pub prompt: Prompt,
    /// The proposer's reply, as given.
    pub reply: Option<String>,
    pub candidate: Option<PolicyText>,
    pub outcome: Outcome,
    pub reasons: Vec<String>,
    /// The analyzer's findings on the candidate.
    pub findings: Vec<String>,
    /// The comparison with the current policy, when the candidate ran.
    pub report: Option<CompareReport>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptimizeReport {
    pub agent: String,
    pub proposer: String,
    pub initial: PolicyText,
    pub initial_metrics: Metrics,
    /// The current policy at the end: the last one accepted.
    pub best: PolicyText,
    pub best_metrics: Metrics,
    pub accepted: u32,
    pub iterations: Vec<Iteration>,
    /// Why the loop stopped.
    pub stopped: String,
}

/// Runs the loop for `agent` of `input`. `on_iteration` sees each iteration as it
/// ends (to store or print it).
pub fn optimize(
    input: &ScenarioInput,
    agent: &str,
    proposer: &mut dyn Proposer,
    options: &OptimizeOptions,
    on_iteration: &mut dyn FnMut(&Iteration) -> Result<(), String>,
) -> Result<OptimizeReport, CompareError> {
    let mut state = Current::start(input, agent, options)?;
    let initial = state.policy.clone();
    let initial_metrics = state.metrics.clone();
    let mut iterations: Vec<Iteration> = Vec::new();
    let mut accepted = 0;
    let mut since_accepted = 0;
    let mut stopped = format!("{} iterations done", options.iterations);
    for index in 0..options.iterations {
        let prompt = build_prompt(
            agent,
            index,
            &state.policy,
            &state.metrics,
            &iterations,
            options,
        );
        let record = state.iterate(index, prompt, proposer)?;
        on_iteration(&record).map_err(CompareError::Run)?;
        // The improvement's optimistic end: the interval's low delta, negated (an
        // accepted candidate always has an interval below zero).
        let improvement = record
            .report
            .as_ref()
            .map(|r| {
                -r.stats
                    .ci95_cents
                    .map_or(r.stats.mean_delta_cents, |[low, _]| low)
            })
            .unwrap_or(0.0);
        let outcome = record.outcome;
        iterations.push(record);
        if outcome == Outcome::Accepted {
            accepted += 1;
            since_accepted = 0;
            if improvement < options.tolerance_cents {
                stopped = format!(
                    "converged: the last accepted candidate improved the mean cost by at most {} cents (its 95% interval), less than the tolerance",
                    crate::verdict::cents(improvement)
                );
                break;
            }
        } else {
            since_accepted += 1;
            if options.patience > 0 && since_accepted >= options.patience {
                stopped = format!(
                    "converged: no candidate accepted in the last {}",
                    crate::verdict::count(since_accepted, "iteration")
                );
                break;
            }
        }
    }
    Ok(OptimizeReport {
        agent: agent.to_string(),
        proposer: proposer.name(),
        initial,
        initial_metrics,
        best: state.policy,
        best_metrics: state.metrics,
        accepted,
        iterations,
        stopped,
    })
}

/// The loop's state: the current policy, its figures and its outcomes on the
/// samples.
struct Current<'a> {
    input: &'a ScenarioInput,
    options: &'a OptimizeOptions,
    base: Scenario,
    agent: usize,
    policy: PolicyText,
    spec: PolicySpec,
    metrics: Metrics,
    /// The current policy's outcomes on the samples, so that it runs once, not
    /// every iteration. Bootstrap and sandbox samples are drawn from a run of the
    /// current policy, so a new current policy means new samples there.
    known: Option<Vec<RunOutcome>>,
}

impl<'a> Current<'a> {
    /// The scenario's policy for `agent`, and its figures from a comparison with
    /// itself.
    fn start(
        input: &'a ScenarioInput,
        agent: &str,
        options: &'a OptimizeOptions,
    ) -> Result<Current<'a>, CompareError> {
        let index = agent_index(input, agent)?;
        let policy = PolicyText::of_scenario(input, index).map_err(CompareError::Input)?;
        let base = input
            .clone()
            .resolve()
            .map_err(|e| CompareError::Input(e.to_string()))?;
        let mut base = base;
        // As in `Contest::new`: the policies are judged without the run's guardbands.
        base.guardbands.clear();
        let spec = base.policies[index].clone();
        let mut current = Current {
            input,
            options,
            agent: index,
            policy,
            spec: spec.clone(),
            metrics: Metrics::default(),
            known: None,
            base,
        };
        let baseline = compare(&current.contest(&spec), &options.compare)?;
        current.metrics = Metrics::of_incumbent(&baseline);
        current.known = Some(
            baseline
                .samples
                .iter()
                .map(|s| s.incumbent.clone())
                .collect(),
        );
        Ok(current)
    }

    fn contest(&self, candidate: &PolicySpec) -> Contest {
        Contest {
            scenario: self.base.clone(),
            agent: self.agent,
            incumbent: self.spec.clone(),
            candidate: candidate.clone(),
            incumbent_label: "current".into(),
            candidate_label: "candidate".into(),
        }
    }

    /// One iteration: ask, check, compare, and take the candidate if accepted.
    fn iterate(
        &mut self,
        index: u32,
        prompt: Prompt,
        proposer: &mut dyn Proposer,
    ) -> Result<Iteration, CompareError> {
        let mut record = Iteration {
            index,
            prompt,
            reply: None,
            candidate: None,
            outcome: Outcome::ProposerFailed,
            reasons: Vec::new(),
            findings: Vec::new(),
            report: None,
        };
        let reply = match proposer.propose(&record.prompt) {
            Ok(reply) => reply,
            Err(why) => {
                record.reasons.push(why);
                return Ok(record);
            }
        };
        let candidate = PolicyText::from_reply(&reply, self.policy.language);
        record.reply = Some(reply);
        match check(self.input, self.agent, &candidate, &mut record.findings) {
            Err(why) => {
                record.outcome = Outcome::Invalid;
                record.reasons.push(why);
            }
            Ok(spec) => {
                let report = compare_knowing(
                    &self.contest(&spec),
                    &self.options.compare,
                    self.known.as_deref(),
                )?;
                if report.verdict.decision == Decision::Accept {
                    record.outcome = Outcome::Accepted;
                    self.known = (self.options.compare.mode == Mode::Seeds)
                        .then(|| report.samples.iter().map(|s| s.candidate.clone()).collect());
                    self.metrics = Metrics::of_candidate(&report);
                    self.policy = candidate.clone();
                    // Bootstrap and sandbox samples are drawn from a run of the
                    // scenario with the current policy in place.
                    self.base.policies[self.agent] = spec.clone();
                    self.spec = spec;
                } else {
                    record.outcome = Outcome::Rejected;
                    record.reasons.clone_from(&report.verdict.reasons);
                    // The current policy ran (again, after a redraw) on these samples.
                    self.known = Some(report.samples.iter().map(|s| s.incumbent.clone()).collect());
                }
                record.report = Some(report);
            }
        }
        record.candidate = Some(candidate);
        Ok(record)
    }
}

/// The candidate's policy, or why it cannot run. Findings of any severity are
/// recorded; errors refuse it.
fn check(
    input: &ScenarioInput,
    index: usize,
    candidate: &PolicyText,
    findings: &mut Vec<String>,
) -> Result<PolicySpec, String> {
    let found = match candidate.language {
        Language::Starlark => rtgsim_analyzer::analyze_starlark("candidate.star", &candidate.text),
        Language::Tree => rtgsim_analyzer::analyze_tree("candidate.json", &candidate.text),
        Language::Builtin => Vec::new(),
    };
    let mut errors = 0;
    for finding in &found {
        if finding.severity == Severity::Error {
            errors += 1;
        }
        let place = finding
            .place
            .as_ref()
            .map(|p| format!("{}:{}: ", p.span.line, p.span.column))
            .unwrap_or_default();
        findings.push(format!(
            "{place}{} {}: {}",
            match finding.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
            finding.code,
            finding.message
        ));
    }
    if errors > 0 {
        return Err(format!(
            "the analyzer found {} (see findings)",
            crate::verdict::count(errors, "error")
        ));
    }
    let section = candidate.section()?;
    resolve_policy(input, index, section, "the candidate").map_err(|e| e.to_string())
}

fn build_prompt(
    agent: &str,
    iteration: u32,
    current: &PolicyText,
    metrics: &Metrics,
    done: &[Iteration],
    options: &OptimizeOptions,
) -> Prompt {
    let shown = &done[done.len().saturating_sub(HISTORY_SHOWN)..];
    Prompt {
        format: PROMPT_FORMAT.to_string(),
        task: prompt::task(agent, current.language),
        agent: agent.to_string(),
        iteration,
        current: current.clone(),
        metrics: metrics.clone(),
        history: shown
            .iter()
            .map(|i| Attempt {
                iteration: i.index,
                text: i
                    .candidate
                    .as_ref()
                    .map(|c| c.text.clone())
                    .unwrap_or_default(),
                outcome: i.outcome.name().to_string(),
                reasons: i.reasons.clone(),
                mean_delta_cents: i.report.as_ref().map(|r| r.stats.mean_delta_cents),
            })
            .collect(),
        findings: done.last().map(|i| i.findings.clone()).unwrap_or_default(),
        reference: Reference::for_language(current.language),
        constraints: Constraints {
            language: current.language,
            parameter_ranges: options.space.clone(),
            max_steps: (current.language == Language::Starlark)
                .then_some(rtgsim_policy_starlark::Limits::default().max_steps),
        },
    }
}
