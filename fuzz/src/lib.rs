//! Coverage-guided fuzz targets. Each target's body is a function here, taking
//! the fuzzer's bytes; the binaries in `fuzz_targets/` only hand them over, so the
//! bodies build, lint and test with the rest of the workspace (the tests run every
//! seed and every kept regression input through every target on the stable
//! toolchain). `cargo xtask fuzz` builds the binaries with libFuzzer.
//!
//! Must not: read or write files in a target's body, or catch a panic. A panic, an abort, a hang or an
//! unbounded allocation in a target is a finding; the only panics written here are
//! the differential target's, where a disagreement is the finding.
#![allow(clippy::panic)]

use rtgsim_policy_convert::ConvertError;
use rtgsim_policy_dsl::TreePolicy;
use rtgsim_policy_starlark::{Limits, StarlarkPolicy};
use rtgsim_scenario::config::ScenarioInput;
use std::path::{Path, PathBuf};

/// A fuzz target: its name (the binary's), its body, and the files that seed its
/// corpus (by extension, anywhere under `fixtures/` and `policies/`).
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub name: &'static str,
    pub body: fn(&[u8]),
    pub seed_extensions: &'static [&'static str],
}

pub const TARGETS: &[Target] = &[
    Target {
        name: "scenario",
        body: scenario,
        seed_extensions: &["yaml", "yml"],
    },
    Target {
        name: "tree",
        body: tree,
        seed_extensions: &["json"],
    },
    Target {
        name: "starlark",
        body: starlark,
        seed_extensions: &["star"],
    },
    Target {
        name: "analyzer",
        body: analyzer,
        seed_extensions: &["star", "json"],
    },
    Target {
        name: "convert",
        body: convert,
        seed_extensions: &["json"],
    },
];

impl Target {
    /// The files that seed this target's corpus, in name order: the fixtures and
    /// policies it takes, and the inputs kept from its earlier findings
    /// (`fuzz/regressions/<target>/`). `root` is the repository's.
    pub fn seed_files(&self, root: &Path) -> Vec<PathBuf> {
        let kept = root.join("fuzz/regressions").join(self.name);
        let mut seeds: Vec<PathBuf> = ["fixtures", "policies"]
            .iter()
            .flat_map(|dir| files_under(&root.join(dir)))
            .filter(|path| {
                let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
                self.seed_extensions.contains(&extension)
            })
            .collect();
        seeds.extend(files_under(&kept));
        seeds
    }
}

/// Files under `dir`, at any depth, in name order; none if it cannot be read.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The scenario loader: any text, YAML or JSON, is loaded and resolved, and the
/// policies built. It must give a scenario or errors.
pub fn scenario(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Policy paths resolve against a directory that does not exist: a file
    // reference is an error like any other, and the fuzzer never reads the disk.
    if let Ok(mut input) = ScenarioInput::from_text(text, "fuzz.yaml", Path::new("/nonexistent"))
        && let Ok(scenario) = input.resolve()
    {
        let _ = scenario.build_policies();
    }
}

/// The decision-tree loader and validator, then the loaded tree's calls on a fixed
/// world. A tree that loads must run; its calls may fail.
pub fn tree(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(mut policy) = TreePolicy::from_text(text) {
        drive(&mut policy);
    }
}

/// The Starlark loader, then each entry point on a fixed world. Whatever the script
/// does, a refusal at load or a failed call are the only ways out.
pub fn starlark(data: &[u8]) {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    // The default limits let one call run a million steps or fill 64 MiB, seconds
    // under the instrumentation (a call that builds `[0] * 8088974` takes about
    // 150 ms natively, mostly page faults, and timed the fuzzer out): lower ones
    // keep the fuzzer fast and still reach each limit's code. The depth limit stays
    // as users get it.
    let limits = Limits {
        max_steps: 20_000,
        max_heap_bytes: 4 << 20,
        ..Limits::default()
    };
    if let Ok(mut policy) = StarlarkPolicy::from_source("fuzz.star", source, limits) {
        drive(&mut policy);
    }
}

/// The static analyzer on any text, read both as a Starlark script and as a
/// decision tree: findings or nothing.
pub fn analyzer(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = rtgsim_analyzer::analyze_starlark("fuzz.star", text);
    let _ = rtgsim_analyzer::analyze_tree("fuzz.json", text);
}

/// Differential: a tree the validator accepts converts to a Starlark script that
/// loads and decides exactly as the tree does on a fixed world, call for call.
pub fn convert(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(mut tree) = TreePolicy::from_text(text) else {
        return;
    };
    let script = match rtgsim_policy_convert::convert_text(text, "fuzz.json") {
        Ok(script) => script,
        // Some valid trees have no Starlark equivalent, and the converter says so.
        Err(ConvertError::Unsupported(_)) => return,
        Err(e) => panic!("the tree loaded but the converter refused it: {e}\n{text}"),
    };
    let mut starlark = match StarlarkPolicy::from_source("fuzz.star", &script, Limits::default()) {
        Ok(policy) => policy,
        Err(e) => panic!("a conversion did not load: {e}\n{script}"),
    };
    let expected = drive(&mut tree);
    let got = drive(&mut starlark);
    assert_eq!(
        expected, got,
        "tree and conversion decide apart\n{text}\n{script}"
    );
}

// ------------------------------------------------------------ the fixed world

use rtgsim_core::event::PolicyCall;
use rtgsim_core::testkit::World;
use rtgsim_core::{
    CashManagerPolicy, CollateralDecision, CostRates, PolicyView, ReleaseAction, ReleaseDecision,
};

/// The calls of one tick, in the engine's order (the opening's initial liquidity first).
pub const CALLS: [PolicyCall; 4] = [
    PolicyCall::InitialLiquidity,
    PolicyCall::StrategicCollateral,
    PolicyCall::EvaluateQueue,
    PolicyCall::EndOfTickCollateral,
];

/// Three banks; A has a queue of five payments of assorted sizes, deadlines and
/// priorities, one divisible, at tick 10 of a 100-tick day.
pub fn world() -> World {
    let mut world = World::new(&[("A", 50_000), ("B", 0), ("C", 1_000_000)]);
    world.payment("A", "B", 10_000, 20, 5, false);
    world.payment("A", "C", 90_000, 12, 9, true);
    world.payment("A", "B", 1, 99, 0, false);
    world.payment("A", "C", 40_000, 11, 10, false);
    world.payment("C", "A", 25_000, 30, 5, false);
    world.at_tick(10);
    world
}

/// A's view for `call`.
pub fn view(world: &World, call: PolicyCall) -> PolicyView<'_> {
    static RATES: std::sync::OnceLock<CostRates> = std::sync::OnceLock::new();
    PolicyView::new(
        &world.state,
        world.id("A"),
        RATES.get_or_init(CostRates::default),
        call,
    )
}

/// What one call gave, in a form two policies can be compared on.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    Payments(Vec<ReleaseDecision>),
    Collateral(CollateralDecision),
    /// The day's initial liquidity (`None`: keep what is posted).
    Share(Option<rtgsim_core::LiquidityShare>),
    /// The call failed; why is the policy's business (trees and scripts word it apart).
    Failed,
}

/// Calls `policy` through two ticks of the world and returns what each call gave.
pub fn drive(policy: &mut dyn CashManagerPolicy) -> Vec<Outcome> {
    let mut world = world();
    let mut outcomes = Vec::new();
    for tick in [10, 11] {
        world.at_tick(tick);
        for call in CALLS {
            let v = view(&world, call);
            let outcome = match call {
                PolicyCall::EvaluateQueue => policy
                    .evaluate_queue(&v)
                    .map(|d| Outcome::Payments(d.into_iter().map(without_hold_source).collect())),
                PolicyCall::InitialLiquidity => policy.initial_liquidity(&v).map(Outcome::Share),
                PolicyCall::StrategicCollateral => {
                    policy.strategic_collateral(&v).map(Outcome::Collateral)
                }
                _ => policy.end_of_tick_collateral(&v).map(Outcome::Collateral),
            };
            outcomes.push(outcome.unwrap_or(Outcome::Failed));
        }
    }
    outcomes
}

/// A hold's source node is not part of a decision's meaning (holds are not logged
/// with it), and a conversion may word it apart.
fn without_hold_source(mut decision: ReleaseDecision) -> ReleaseDecision {
    if matches!(decision.action, ReleaseAction::Hold { .. }) {
        decision.source = None;
    }
    decision
}
