//! The prompt a proposer reads on its standard input: one JSON document, format
//! [`PROMPT_FORMAT`]. A proposer replies on its standard output with the text of one
//! policy in the language of `current` (a Markdown code fence around it is
//! allowed). `docs/policy_lifecycle.md` documents every key; a change to them is a
//! new format version.

use super::policy_text::{Language, PolicyText};
use crate::compare::CompareReport;
use rtgsim_core::CATALOG;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The prompt's format and version.
pub const PROMPT_FORMAT: &str = "rtgsim-optimize/1";

/// Candidates the prompt recalls, newest last.
pub const HISTORY_SHOWN: usize = 5;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prompt {
    pub format: String,
    /// What is asked, in words.
    pub task: String,
    pub agent: String,
    /// 0-based.
    pub iteration: u32,
    /// The policy to improve on, in its language; the reply must be in the same one.
    pub current: PolicyText,
    /// The current policy's figures on the evaluation samples (means).
    pub metrics: Metrics,
    /// The last candidates, newest last.
    pub history: Vec<Attempt>,
    /// What the analyzer found in the last candidate (errors kept it from being run).
    pub findings: Vec<String>,
    pub reference: Reference,
    pub constraints: Constraints,
}

/// Means over the evaluation samples.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub samples: u32,
    pub total_cost_cents: f64,
    /// By part: overdraft, delay, deadline, eod, collateral, split.
    pub cost_parts_cents: BTreeMap<String, f64>,
    pub settlement_rate: Option<f64>,
    pub peak_credit_cents: f64,
}

impl Metrics {
    /// The incumbent's side of a comparison.
    pub fn of_incumbent(report: &CompareReport) -> Metrics {
        Metrics::of_side(report, false)
    }

    /// The candidate's side of a comparison.
    pub fn of_candidate(report: &CompareReport) -> Metrics {
        Metrics::of_side(report, true)
    }

    fn of_side(report: &CompareReport, candidate: bool) -> Metrics {
        let n = report.samples.len().max(1) as f64;
        let mut parts = BTreeMap::new();
        for sample in &report.samples {
            let side = if candidate {
                &sample.candidate
            } else {
                &sample.incumbent
            };
            let c = &side.costs;
            for (name, value) in [
                ("overdraft", c.overdraft),
                ("delay", c.delay),
                ("deadline", c.deadline),
                ("eod", c.eod),
                ("collateral", c.collateral),
                ("split", c.split),
            ] {
                *parts.entry(name.to_string()).or_insert(0.0) += value as f64 / n;
            }
        }
        let means = if candidate {
            &report.candidate_means
        } else {
            &report.incumbent_means
        };
        Metrics {
            samples: report.samples.len() as u32,
            total_cost_cents: means.cost_cents,
            cost_parts_cents: parts,
            settlement_rate: means.settlement_rate,
            peak_credit_cents: means.peak_credit_cents,
        }
    }
}

/// One earlier candidate and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub iteration: u32,
    pub text: String,
    /// `accepted`, `rejected`, `invalid` (refused by the checks, not run) or
    /// `proposer_failed`.
    pub outcome: String,
    pub reasons: Vec<String>,
    /// Candidate minus current, mean over the samples (when it was run).
    pub mean_delta_cents: Option<f64>,
}

/// What a policy may read and do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    /// `name (type, unit): meaning`, for every field.
    pub fields: Vec<String>,
    /// `Name(parameters): meaning` for trees; the decision keys for Starlark.
    pub actions: Vec<String>,
    /// Where the language is documented in full.
    pub documentation: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Constraints {
    pub language: Language,
    /// Parameters the search may change, with their allowed ranges `[min, max]`.
    pub parameter_ranges: BTreeMap<String, [f64; 2]>,
    /// Steps one call may take (Starlark).
    pub max_steps: Option<u64>,
}

impl Reference {
    pub fn for_language(language: Language) -> Reference {
        let fields = CATALOG
            .iter()
            .map(|f| {
                format!(
                    "{} ({}, {}): {}",
                    f.name,
                    f.ty.label(),
                    f.unit.label(),
                    f.meaning
                )
            })
            .collect();
        let (actions, documentation) = match language {
            Language::Tree => (
                rtgsim_policy_dsl::actions::ACTIONS
                    .iter()
                    .map(|a| {
                        let params: Vec<&str> = a.params.iter().map(|p| p.name).collect();
                        format!("{}({}): {}", a.name, params.join(", "), a.meaning)
                    })
                    .collect(),
                "docs/dsl_reference.md",
            ),
            Language::Starlark => (
                rtgsim_core::policy_api::DECISION_KEYS
                    .iter()
                    .map(|k| k.example.to_string())
                    .collect(),
                "docs/starlark_api_reference.md",
            ),
            Language::Builtin => (
                vec![
                    "Fifo".into(),
                    "Deadline(urgency_threshold)".into(),
                    "LiquidityAware(target_buffer, urgency_threshold)".into(),
                    "LiquiditySplitting(max_parts)".into(),
                ],
                "README.md, section Scenarios",
            ),
        };
        Reference {
            fields,
            actions,
            documentation: documentation.to_string(),
        }
    }
}

/// The task in words.
pub fn task(agent: &str, language: Language) -> String {
    format!(
        "You manage the outgoing payments of bank {agent} in a real-time gross settlement \
         system. Propose a policy that lowers its mean total cost (in cents) on the \
         evaluation samples without settling fewer payments or using much more intraday \
         credit. Reply with the complete policy text only, in the language of `current` \
         ({}), nothing else. A candidate is accepted only if its mean cost delta against \
         `current` is negative with a 95% confidence interval below zero and no guardband \
         breaks; `history` says why earlier candidates were not.",
        language.name()
    )
}
