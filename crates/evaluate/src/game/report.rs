//! What `rtgsim game` reports, as a stable JSON document (format
//! `rtgsim-game/1`: keys are added, never renamed) and as tables
//! ([`GameReport::to_table`]).
//!
//! Every cost is in cents: an agent's total cost in the run, averaged over the
//! samples. With one sample it is an integer. With more, the mean is written
//! exactly when it has a finite decimal form with at most 12 decimals (always so
//! for 2, 4, 5, 8 or 10 samples) and rounded to 6 decimals otherwise; the exact
//! sums over the samples are then given too (`cost_sums_cents`).

use super::decisions::Player;
use super::exhaustive::Solution;
use super::iterate::{Ending, Path};
use super::solver::{BestResponse, CostCache, Profile, Scored, WelfareGap, planner};
use serde::Serialize;
use serde_json::Value as Json;

/// The format name and version of the JSON document.
pub const FORMAT: &str = "rtgsim-game/1";

/// What every report says of the game.
#[derive(Debug, Clone)]
pub struct Context {
    pub scenario: String,
    pub seed: u64,
    pub seeds: Vec<u64>,
    pub players: Vec<Player>,
    pub profiles: u128,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GameReport {
    pub format: &'static str,
    pub scenario: String,
    /// The seed the samples' seeds derive from.
    pub seed: u64,
    pub samples: usize,
    pub seeds: Vec<u64>,
    /// The players, in the scenario's agent order.
    pub agents: Vec<AgentEntry>,
    /// How many profiles the game has.
    pub profiles: u128,
    /// How many were run.
    pub evaluated: usize,
    /// `exhaustive` or `iterated_best_response`.
    pub method: &'static str,
    /// Whether every profile was evaluated: then the equilibria are all of them and
    /// the planner's optimum is exact.
    pub exhaustive: bool,
    pub equilibria: Vec<ProfileEntry>,
    pub planner: PlannerEntry,
    /// The best and worst equilibrium's total cost minus the planner's; absent
    /// without an equilibrium.
    pub welfare_gap: Option<GapEntry>,
    /// Exhaustive, two agents: each agent's best responses to every strategy of the
    /// other.
    pub best_responses: Vec<CurveEntry>,
    /// Iterated best response: each start's path.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub iterations: Vec<PathEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentEntry {
    pub agent: String,
    /// Its index in the scenario.
    pub index: usize,
    pub strategies: usize,
    pub decisions: Vec<DecisionEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionEntry {
    pub path: String,
    pub grid: String,
    pub values: usize,
}

/// One profile: each agent's choice (a value per decision, in the order of its
/// decisions) and each agent's cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProfileEntry {
    pub choices: Vec<Vec<Json>>,
    pub costs_cents: Vec<Json>,
    pub total_cents: Json,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_sums_cents: Option<Vec<i128>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannerEntry {
    /// The least total cost (absent when nothing was evaluated).
    pub total_cents: Option<Json>,
    /// Every profile at that total.
    pub optima: Vec<ProfileEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GapEntry {
    pub best_cents: Json,
    pub worst_cents: Json,
}

/// One agent's best-response curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurveEntry {
    pub agent: String,
    /// The other agents, whose choices `others` lists.
    pub against: Vec<String>,
    pub points: Vec<ResponseEntry>,
}

/// An agent's best responses (every choice of least cost) to the others' choices.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseEntry {
    pub others: Vec<Vec<Json>>,
    pub best: Vec<Vec<Json>>,
    pub cost_cents: Json,
}

/// One start of iterated best response.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathEntry {
    pub start: Vec<Vec<Json>>,
    /// `fixed_point`, `cycle` or `round_limit`.
    pub ending: &'static str,
    /// The fixed point: an equilibrium.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub equilibrium: Option<Vec<Vec<Json>>>,
    /// The profiles of the cycle, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cycle: Vec<Vec<Vec<Json>>>,
    pub turns: Vec<TurnEntry>,
}

/// One agent's turn: its best responses to the others as they stood, and its
/// choice before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TurnEntry {
    pub agent: String,
    pub others: Vec<Vec<Json>>,
    pub best: Vec<Vec<Json>>,
    pub cost_cents: Json,
    pub from: Vec<Json>,
    pub to: Vec<Json>,
}

impl GameReport {
    /// The report of an exhaustive solution.
    pub fn exhaustive(
        context: &Context,
        solution: &Solution,
        curves: &[Vec<BestResponse>],
        cache: &CostCache,
    ) -> GameReport {
        let mut report = GameReport::frame(context, cache, "exhaustive", true);
        report.equilibria = solution
            .equilibria
            .iter()
            .map(|s| context.profile(s))
            .collect();
        report.planner = context.planner(&solution.optimum);
        report.welfare_gap = context.gap(&solution.equilibria, &solution.optimum);
        report.best_responses = curves
            .iter()
            .filter_map(|curve| context.curve(curve))
            .collect();
        report
    }

    /// The report of iterated best response from each start: the fixed points are
    /// the equilibria found; the best profile evaluated is the planner's estimate.
    pub fn iterated(context: &Context, paths: &[Path], cache: &CostCache) -> GameReport {
        let mut report = GameReport::frame(context, cache, "iterated_best_response", false);
        let mut fixed: Vec<&Profile> = paths
            .iter()
            .filter_map(|p| match &p.ending {
                Ending::FixedPoint(profile) => Some(profile),
                _ => None,
            })
            .collect();
        fixed.sort();
        fixed.dedup();
        let equilibria: Vec<Scored> = fixed
            .into_iter()
            .filter_map(|profile| {
                Some(Scored {
                    profile: profile.clone(),
                    costs: cache.get(profile)?.to_vec(),
                })
            })
            .collect();
        let optimum = planner(cache.iter());
        report.equilibria = equilibria.iter().map(|s| context.profile(s)).collect();
        report.planner = context.planner(&optimum);
        report.welfare_gap = context.gap(&equilibria, &optimum);
        report.iterations = paths.iter().map(|p| context.path(p)).collect();
        report
    }

    fn frame(
        context: &Context,
        cache: &CostCache,
        method: &'static str,
        exhaustive: bool,
    ) -> GameReport {
        GameReport {
            format: FORMAT,
            scenario: context.scenario.clone(),
            seed: context.seed,
            samples: context.seeds.len(),
            seeds: context.seeds.clone(),
            agents: context
                .players
                .iter()
                .map(|p| AgentEntry {
                    agent: p.name.clone(),
                    index: p.agent,
                    strategies: p.strategy_count(),
                    decisions: p
                        .decisions
                        .iter()
                        .map(|d| DecisionEntry {
                            path: d.path.clone(),
                            grid: d.grid.text.clone(),
                            values: d.grid.values.len(),
                        })
                        .collect(),
                })
                .collect(),
            profiles: context.profiles,
            evaluated: cache.len(),
            method,
            exhaustive,
            equilibria: Vec::new(),
            planner: PlannerEntry {
                total_cents: None,
                optima: Vec::new(),
            },
            welfare_gap: None,
            best_responses: Vec::new(),
            iterations: Vec::new(),
        }
    }
}

impl Context {
    fn samples(&self) -> usize {
        self.seeds.len().max(1)
    }

    fn mean(&self, sum: i128) -> Json {
        mean_cents(sum, self.samples())
    }

    /// Each agent's choice in a profile.
    fn choices(&self, profile: &[usize]) -> Vec<Vec<Json>> {
        self.players
            .iter()
            .zip(profile)
            .map(|(player, &s)| self.choice(player, s))
            .collect()
    }

    fn choice(&self, player: &Player, strategy: usize) -> Vec<Json> {
        player
            .values(strategy)
            .into_iter()
            .map(|v| v.to_json())
            .collect()
    }

    /// The other agents' choices in a profile.
    fn others(&self, profile: &[usize], player: usize) -> Vec<Vec<Json>> {
        let mut choices = self.choices(profile);
        choices.remove(player);
        choices
    }

    fn profile(&self, scored: &Scored) -> ProfileEntry {
        ProfileEntry {
            choices: self.choices(&scored.profile),
            costs_cents: scored.costs.iter().map(|&c| self.mean(c)).collect(),
            total_cents: self.mean(scored.total()),
            cost_sums_cents: (self.samples() > 1).then(|| scored.costs.clone()),
        }
    }

    fn planner(&self, optimum: &[Scored]) -> PlannerEntry {
        PlannerEntry {
            total_cents: optimum.first().map(|s| self.mean(s.total())),
            optima: optimum.iter().map(|s| self.profile(s)).collect(),
        }
    }

    fn gap(&self, equilibria: &[Scored], optimum: &[Scored]) -> Option<GapEntry> {
        WelfareGap::of(equilibria, optimum).map(|gap| GapEntry {
            best_cents: self.mean(gap.best),
            worst_cents: self.mean(gap.worst),
        })
    }

    fn response(&self, response: &BestResponse) -> ResponseEntry {
        let player = &self.players[response.player];
        ResponseEntry {
            others: self.others(&response.profile, response.player),
            best: response
                .best
                .iter()
                .map(|&s| self.choice(player, s))
                .collect(),
            cost_cents: self.mean(response.cost),
        }
    }

    fn curve(&self, curve: &[BestResponse]) -> Option<CurveEntry> {
        let player = curve.first()?.player;
        Some(CurveEntry {
            agent: self.players[player].name.clone(),
            against: self
                .players
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != player)
                .map(|(_, p)| p.name.clone())
                .collect(),
            points: curve.iter().map(|r| self.response(r)).collect(),
        })
    }

    fn path(&self, path: &Path) -> PathEntry {
        let (ending, equilibrium, cycle) = match &path.ending {
            Ending::FixedPoint(profile) => ("fixed_point", Some(self.choices(profile)), Vec::new()),
            Ending::Cycle(profiles) => (
                "cycle",
                None,
                profiles.iter().map(|p| self.choices(p)).collect(),
            ),
            Ending::RoundLimit => ("round_limit", None, Vec::new()),
        };
        PathEntry {
            start: self.choices(&path.start),
            ending,
            equilibrium,
            cycle,
            turns: path
                .turns
                .iter()
                .map(|turn| {
                    let response = self.response(&turn.response);
                    let player = &self.players[turn.response.player];
                    TurnEntry {
                        agent: player.name.clone(),
                        others: response.others,
                        best: response.best,
                        cost_cents: response.cost_cents,
                        from: self.choice(player, turn.from),
                        to: self.choice(player, turn.to),
                    }
                })
                .collect(),
        }
    }
}

/// `sum / samples` as a JSON number: exact when it has at most 12 decimals,
/// else rounded (half away from zero) to 6.
pub fn mean_cents(sum: i128, samples: usize) -> Json {
    let n = samples.max(1) as i128;
    let exact = (0..=12u32).find_map(|decimals| {
        let scaled = sum.checked_mul(10i128.pow(decimals))?;
        (scaled % n == 0).then(|| decimal_text(scaled / n, decimals))
    });
    let text = exact.unwrap_or_else(|| {
        let scaled = sum.saturating_mul(1_000_000);
        let (quotient, remainder) = (scaled / n, scaled % n);
        let rounded = if 2 * remainder.abs() >= n {
            quotient + scaled.signum()
        } else {
            quotient
        };
        decimal_text(rounded, 6)
    });
    serde_json::from_str(&text).unwrap_or(Json::Null)
}

/// `units / 10^decimals` written out, trailing zeros dropped.
fn decimal_text(units: i128, decimals: u32) -> String {
    let scale = 10u128.pow(decimals);
    let magnitude = units.unsigned_abs();
    let sign = if units < 0 { "-" } else { "" };
    let (whole, fraction) = (magnitude / scale, magnitude % scale);
    if fraction == 0 {
        return format!("{sign}{whole}");
    }
    let digits = format!("{fraction:0width$}", width = decimals as usize);
    format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn means_are_exact_or_rounded_to_six_decimals() {
        let text = |sum, n| mean_cents(sum, n).to_string();
        assert_eq!(text(20_000, 1), "20000");
        assert_eq!(text(20_001, 2), "10000.5");
        assert_eq!(text(-7, 4), "-1.75");
        assert_eq!(text(1, 8), "0.125");
        assert_eq!(text(10, 3), "3.333333");
        assert_eq!(text(20, 3), "6.666667");
        assert_eq!(text(-20, 3), "-6.666667");
        assert_eq!(text(1, 1024), "0.0009765625");
    }
}
