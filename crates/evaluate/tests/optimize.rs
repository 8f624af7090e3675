//! The improvement loop on the shipped example and with scripted proposers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_evaluate::optimize::policy_text::{Language, PolicyText};
use rtgsim_evaluate::optimize::prompt::Prompt;
use rtgsim_evaluate::optimize::search::{CoordinateSearch, Space};
use rtgsim_evaluate::optimize::{OptimizeOptions, Outcome, Proposer, optimize};
use rtgsim_evaluate::{CompareOptions, Contest, Guardbands, Mode, compare};
use rtgsim_scenario::config::ScenarioInput;
use std::path::{Path, PathBuf};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/optimize")
}

fn input() -> ScenarioInput {
    ScenarioInput::from_path(&example().join("scenario.yaml")).unwrap()
}

fn space() -> Space {
    serde_norway::from_str(&std::fs::read_to_string(example().join("space.yaml")).unwrap()).unwrap()
}

fn options(iterations: u32, patience: u32) -> OptimizeOptions {
    OptimizeOptions {
        iterations,
        patience,
        tolerance_cents: 0.0,
        compare: CompareOptions {
            mode: Mode::Seeds,
            samples: 8,
            master_seed: 42,
            only_sample: None,
            guardbands: Guardbands::default(),
            resamples: 2000,
            threads: 2,
            hashes: false,
        },
        space: space(),
    }
}

#[test]
fn the_search_lowers_the_mean_cost_in_ten_iterations_reproducibly() {
    let run = || {
        let mut search = CoordinateSearch::new(space());
        optimize(
            &input(),
            "METRO_CENTRAL",
            &mut search,
            &options(10, 0),
            &mut |_| Ok(()),
        )
        .unwrap()
    };
    let report = run();
    assert_eq!(report.iterations.len(), 10);
    assert!(report.accepted >= 1, "{}", report.stopped);
    assert!(
        report.best_metrics.total_cost_cents < report.initial_metrics.total_cost_cents,
        "{:?} vs {:?}",
        report.best_metrics,
        report.initial_metrics
    );
    assert_eq!(run(), report, "the same seed gives the same loop");

    // Checked outside the loop, on samples it never saw (another master seed): the
    // best policy beats the starting one.
    let best = Path::new(env!("CARGO_TARGET_TMPDIR")).join("optimize_best.json");
    std::fs::write(&best, &report.best.text).unwrap();
    let contest = Contest::new(&input(), "METRO_CENTRAL", &best.to_string_lossy(), None).unwrap();
    let fresh = compare(
        &contest,
        &CompareOptions {
            master_seed: 4242,
            ..options(1, 0).compare
        },
    )
    .unwrap();
    assert!(fresh.stats.mean_delta_cents < 0.0, "{:?}", fresh.stats);
}

/// Replies from a script, one per iteration.
struct Scripted(Vec<Result<String, String>>, Vec<Prompt>);

impl Proposer for Scripted {
    fn name(&self) -> String {
        "scripted".into()
    }
    fn propose(&mut self, prompt: &Prompt) -> Result<String, String> {
        self.1.push(prompt.clone());
        self.0.remove(0)
    }
}

#[test]
fn invalid_candidates_are_not_run_and_the_next_prompt_says_why() {
    let start = std::fs::read_to_string(example().join("start_policy.json")).unwrap();
    let better = start.replace("\"target_buffer\": 3000000", "\"target_buffer\": 1000000");
    assert_ne!(better, start);
    let mut proposer = Scripted(
        vec![
            Ok("def evaluate_queue(transactions, agent, system, state):\n    return undefined_name\n".into()),
            Err("no answer".into()),
            Ok(better.clone()),
            Ok(better.clone()),
        ],
        Vec::new(),
    );
    let report = optimize(
        &input(),
        "METRO_CENTRAL",
        &mut proposer,
        &options(4, 0),
        &mut |_| Ok(()),
    )
    .unwrap();
    let outcomes: Vec<Outcome> = report.iterations.iter().map(|i| i.outcome).collect();
    // The Starlark reply is refused by the analyzer and never compared; the same
    // better tree is accepted once, then no better than itself.
    assert_eq!(
        outcomes,
        [
            Outcome::Invalid,
            Outcome::ProposerFailed,
            Outcome::Accepted,
            Outcome::Rejected
        ]
    );
    assert!(report.iterations[0].report.is_none());
    assert_eq!(
        report.iterations[0].candidate.as_ref().map(|c| c.language),
        Some(Language::Starlark)
    );
    let prompts = &proposer.1;
    assert!(
        prompts[1]
            .findings
            .iter()
            .any(|f| f.contains("undefined_name")),
        "{:?}",
        prompts[1].findings
    );
    assert_eq!(prompts[1].history[0].outcome, "invalid");
    assert_eq!(prompts[2].history[1].outcome, "proposer_failed");
    assert_eq!(prompts[2].history[1].reasons, ["no answer"]);
    // After the acceptance, the prompt's current policy is the accepted text.
    assert_eq!(
        prompts[3].current,
        PolicyText {
            language: Language::Tree,
            text: better.trim().to_string()
        }
    );
    assert_eq!(report.best.text, better.trim());
    assert_eq!(
        report.iterations[3].reasons[0],
        "no better on average (mean cost delta 0; 95% CI [0, 0])"
    );
}

/// The tolerance, by the accepted candidate's interval: one above the interval's
/// optimistic end stops the loop at that acceptance; one below it does not.
#[test]
fn the_tolerance_stops_the_loop_by_the_interval_of_the_improvement() {
    let start = std::fs::read_to_string(example().join("start_policy.json")).unwrap();
    let better = start.replace("\"target_buffer\": 3000000", "\"target_buffer\": 1000000");
    let run = |tolerance: f64| {
        let mut proposer = Scripted(vec![Ok(better.clone()), Err("no".into())], Vec::new());
        let options = OptimizeOptions {
            tolerance_cents: tolerance,
            ..options(2, 0)
        };
        optimize(
            &input(),
            "METRO_CENTRAL",
            &mut proposer,
            &options,
            &mut |_| Ok(()),
        )
        .unwrap()
    };
    let probe = run(0.0);
    assert_eq!(probe.iterations.len(), 2);
    let [low, _] = probe.iterations[0]
        .report
        .as_ref()
        .unwrap()
        .stats
        .ci95_cents
        .unwrap();
    let most = -low;
    assert!(most > 0.0);
    let stopped = run(most + 1.0);
    assert_eq!(stopped.iterations.len(), 1, "{}", stopped.stopped);
    assert!(
        stopped
            .stopped
            .starts_with("converged: the last accepted candidate improved")
    );
    assert_eq!(run(most - 1.0).iterations.len(), 2);
}

#[test]
fn patience_stops_the_loop() {
    let mut proposer = Scripted(
        vec![Err("no".into()), Err("no".into()), Err("no".into())],
        Vec::new(),
    );
    let report = optimize(
        &input(),
        "METRO_CENTRAL",
        &mut proposer,
        &options(10, 2),
        &mut |_| Ok(()),
    )
    .unwrap();
    assert_eq!(report.iterations.len(), 2);
    assert_eq!(
        report.stopped,
        "converged: no candidate accepted in the last 2 iterations"
    );
    assert_eq!(report.best, report.initial);
}
