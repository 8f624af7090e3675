//! `rtgsim game`: the flags, and the report as a table or one JSON document.

use crate::Failure;
use rtgsim_evaluate::game::{self, DEFAULT_MAX_PROFILES, GameError, GamePlan};
use rtgsim_scenario::config::ScenarioInput;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct GameArgs {
    /// Scenario file, YAML or JSON.
    scenario: PathBuf,
    /// A decision: a path into an agent's section, as --set writes it, for agent K
    /// (agents[K].PATH or agents[NAME].PATH) or for each agent (agents[*].PATH, every
    /// agent or those --agents names). Repeatable: an agent's strategy is a value of
    /// each of its decisions.
    #[arg(long = "decide", value_name = "PATH", required = true)]
    decide: Vec<String>,
    /// The values of a decision, LO:HI:STEP in exact decimals (0:1:0.01 is 101
    /// values). One --grid for every --decide, or one each, in the same order.
    #[arg(long = "grid", value_name = "LO:HI:STEP", required = true)]
    grid: Vec<String>,
    /// The agents agents[*] stands for, by id, comma-separated (default: every agent).
    #[arg(long, value_name = "A,B,...", value_delimiter = ',')]
    agents: Option<Vec<String>>,
    /// Runs per profile, with seeds derived from --seed, the same for every profile
    /// (paired); each cost is the mean over them.
    #[arg(long, default_value_t = 1)]
    samples: u32,
    /// The seed (default: the scenario's); with one sample, the run's own seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Threads (default: every core); the report is the same for any number.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Evaluate every profile when there are at most this many (then every pure
    /// equilibrium and the planner's optimum are exact); otherwise iterated best
    /// response.
    #[arg(long, default_value_t = DEFAULT_MAX_PROFILES)]
    max_profiles: u64,
    /// Iterated best response: starts besides the scenario's own values, drawn
    /// from the seed.
    #[arg(long, default_value_t = 0)]
    starts: u32,
    /// One JSON document (format rtgsim-game/1) instead of tables.
    #[arg(long)]
    json: bool,
    /// Write the game's report to this file: one HTML page with the players' costs
    /// at the equilibria and the optimum and the best-response curves, which opens
    /// offline.
    #[arg(long, value_name = "FILE")]
    report: Option<std::path::PathBuf>,
}

pub fn game(args: GameArgs) -> Result<(), Failure> {
    let input =
        ScenarioInput::from_path(&args.scenario).map_err(|e| Failure::Input(e.to_string()))?;
    let plan = GamePlan {
        decide: args.decide,
        grids: args.grid,
        agents: args.agents,
        samples: args.samples,
        seed: args.seed,
        threads: args.threads,
        max_profiles: args.max_profiles,
        starts: args.starts,
    };
    let report_file =
        super::report::ReportFile::for_flag(args.report.as_deref(), &[Some(&args.scenario)])?;
    let report = game::play(&input, &plan).map_err(|error| match error {
        GameError::Input(message) => Failure::Input(message),
        GameError::Run(message) => Failure::Run(message),
    })?;
    if let Some(file) = report_file {
        file.write_html(&rtgsim_html::game_page(&report))?;
    }
    let text = if args.json {
        serde_json::to_string_pretty(&report).map_err(|e| Failure::Run(e.to_string()))? + "\n"
    } else {
        report.to_table()
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::Run(format!("writing the report: {e}")))
}
