//! `rtgsim optimize`.

use crate::commands::compare::{failure, scenario_with_registry};
use crate::{Failure, OptimizeArgs};
use rtgsim::evaluation::{record_verdict, register};
use rtgsim_evaluate::optimize::Outcome;
use rtgsim_evaluate::optimize::command::CommandProposer;
use rtgsim_evaluate::optimize::search::{CoordinateSearch, RandomSearch, Space};
use rtgsim_evaluate::optimize::{
    Iteration, OptimizeOptions, OptimizeReport, Proposer, optimize as run_loop,
};
use rtgsim_evaluate::verdict::{cents, short};
use rtgsim_evaluate::{CompareOptions, Guardbands, Mode};
use rtgsim_persistence::{OptimizationIteration, Store};
use std::fmt::Write as _;
use std::io::Write;
use std::time::Duration;

pub fn optimize(args: OptimizeArgs) -> Result<(), Failure> {
    let (input, mut store, mut current_version) =
        scenario_with_registry(&args.scenario, args.db.as_deref(), &args.agent)?;
    let space = match &args.space {
        Some(path) => read_space(path)?,
        None => Space::new(),
    };
    let master_seed = args.seed.unwrap_or(input.file.simulation.seed);
    let mut proposer = proposer(&args, &space, master_seed)?;
    let mode = Mode::parse(&args.mode).ok_or_else(|| {
        Failure::Input(format!("--mode {}: seeds, bootstrap or sandbox", args.mode))
    })?;
    let options = OptimizeOptions {
        iterations: args.iterations,
        patience: args.patience,
        tolerance_cents: args.tolerance,
        compare: CompareOptions {
            mode,
            samples: args.samples,
            master_seed,
            only_sample: None,
            guardbands: Guardbands::default(),
            resamples: rtgsim_evaluate::paired::DEFAULT_RESAMPLES,
            threads: args.threads,
            hashes: false,
        },
        space,
    };
    let quiet = args.json;
    let author = format!("optimizer:{}", proposer.name());
    let optimization = match store.as_mut() {
        Some(store) => Some(
            store
                .start_optimization(
                    &args.agent,
                    input.name(),
                    &proposer.name(),
                    &options_json(&args, master_seed),
                )
                .map_err(|e| Failure::Run(e.to_string()))?,
        ),
        None => None,
    };
    let report = run_loop(
        &input,
        &args.agent,
        proposer.as_mut(),
        &options,
        &mut |iteration| {
            if let (Some(store), Some(id)) = (store.as_mut(), optimization) {
                let version = keep(store, &args.agent, iteration, current_version, &author)?;
                if iteration.outcome == Outcome::Accepted {
                    current_version = version;
                }
                store
                    .add_optimization_iteration(id, &stored(iteration, version)?)
                    .map_err(|e| e.to_string())?;
            }
            if !quiet {
                eprintln!("{}", progress(iteration));
            }
            Ok(())
        },
    )
    .map_err(failure)?;
    if let (Some(store), Some(id)) = (store.as_mut(), optimization) {
        store
            .finish_optimization(id, &report.stopped)
            .map_err(|e| Failure::Run(e.to_string()))?;
        if !quiet {
            eprintln!(
                "stored as optimization {id} in {}",
                args.db
                    .as_deref()
                    .unwrap_or(std::path::Path::new(""))
                    .display()
            );
        }
    }
    if let Some(out) = &args.out {
        std::fs::write(out, &report.best.text)
            .map_err(|e| Failure::Run(format!("writing {}: {e}", out.display())))?;
    }
    let text = if args.json {
        serde_json::to_string_pretty(&report).map_err(|e| Failure::Run(e.to_string()))? + "\n"
    } else {
        table(&report)
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::Run(format!("writing the report: {e}")))
}

/// The proposer `--proposer` names.
fn proposer(
    args: &OptimizeArgs,
    space: &Space,
    master_seed: u64,
) -> Result<Box<dyn Proposer>, Failure> {
    Ok(match args.proposer.as_str() {
        "builtin:search" => Box::new(CoordinateSearch::new(space.clone())),
        "builtin:random" => Box::new(RandomSearch::new(space.clone(), master_seed)),
        other if other.starts_with("builtin:") => {
            return Err(Failure::Input(format!(
                "--proposer {other}: the built-in proposers are builtin:search and builtin:random"
            )));
        }
        command => Box::new(CommandProposer {
            command: command.to_string(),
            time_limit: Duration::from_secs(args.proposer_timeout),
        }),
    })
}

/// Registers a candidate that was compared, with its comparison and verdict; the
/// version's id (none for a candidate that never ran).
fn keep(
    store: &mut Store,
    agent: &str,
    iteration: &Iteration,
    parent: Option<i64>,
    author: &str,
) -> Result<Option<i64>, String> {
    let (Some(candidate), Some(report)) = (&iteration.candidate, &iteration.report) else {
        return Ok(None);
    };
    let id = register(store, agent, candidate, parent, author)?;
    record_verdict(store, id, report, author)?;
    Ok(Some(id))
}

fn stored(iteration: &Iteration, version_id: Option<i64>) -> Result<OptimizationIteration, String> {
    Ok(OptimizationIteration {
        iteration: iteration.index,
        prompt: serde_json::to_string_pretty(&iteration.prompt).map_err(|e| e.to_string())?,
        reply: iteration.reply.clone(),
        outcome: iteration.outcome.name().to_string(),
        reasons: iteration.reasons.clone(),
        findings: iteration.findings.clone(),
        version_id,
    })
}

fn options_json(args: &OptimizeArgs, master_seed: u64) -> String {
    serde_json::json!({
        "iterations": args.iterations,
        "samples": args.samples,
        "mode": args.mode,
        "seed": master_seed,
        "patience": args.patience,
        "tolerance_cents": args.tolerance,
        "space": args.space.as_ref().map(|p| p.display().to_string()),
    })
    .to_string()
}

fn read_space(path: &std::path::Path) -> Result<Space, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Input(format!("--space {}: {e}", path.display())))?;
    let space: Space = serde_norway::from_str(&text).map_err(|e| {
        Failure::Input(format!(
            "--space {}: a mapping `name: [min, max]`: {e}",
            path.display()
        ))
    })?;
    for (name, [low, high]) in &space {
        if !(low.is_finite() && high.is_finite() && low <= high) {
            return Err(Failure::Input(format!(
                "--space {}: {name}: [min, max] with min <= max (written: [{low}, {high}])",
                path.display()
            )));
        }
    }
    Ok(space)
}

/// One line per iteration, on stderr.
fn progress(iteration: &Iteration) -> String {
    let mut line = format!(
        "iteration {}: {}",
        iteration.index,
        iteration.outcome.name()
    );
    if let Some(report) = &iteration.report {
        let _ = write!(
            line,
            " (mean cost delta {} cents)",
            cents(report.stats.mean_delta_cents)
        );
    }
    if let Some(reason) = iteration.reasons.first() {
        let _ = write!(line, ": {reason}");
    }
    line
}

fn table(report: &OptimizeReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} iterations with {}, {} accepted; {}",
        report.agent,
        report.iterations.len(),
        report.proposer,
        report.accepted,
        report.stopped
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<22}  {:>16}  {:>16}",
        "mean over samples", "initial", "best"
    );
    let (a, b) = (&report.initial_metrics, &report.best_metrics);
    let _ = writeln!(
        out,
        "{:<22}  {:>16}  {:>16}",
        "total cost, cents",
        cents(a.total_cost_cents),
        cents(b.total_cost_cents)
    );
    for (part, value) in &a.cost_parts_cents {
        let best = b.cost_parts_cents.get(part).copied().unwrap_or(0.0);
        let _ = writeln!(
            out,
            "{:<22}  {:>16}  {:>16}",
            format!("  {part}"),
            cents(*value),
            cents(best)
        );
    }
    let rate = |r: Option<f64>| r.map_or_else(|| "-".to_string(), short);
    let _ = writeln!(
        out,
        "{:<22}  {:>16}  {:>16}",
        "settlement rate",
        rate(a.settlement_rate),
        rate(b.settlement_rate)
    );
    let _ = writeln!(
        out,
        "{:<22}  {:>16}  {:>16}",
        "peak credit, cents",
        cents(a.peak_credit_cents),
        cents(b.peak_credit_cents)
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "best policy ({}):", report.best.language.name());
    out.push_str(&report.best.text);
    if !report.best.text.ends_with('\n') {
        out.push('\n');
    }
    out
}
