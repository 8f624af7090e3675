//! The game report for people: the players, the equilibria, the planner's optimum,
//! the welfare gap, and the best responses (curves for two agents, else each turn
//! of iterated best response).

use super::report::{GameReport, PathEntry, ProfileEntry, ResponseEntry};
use serde_json::Value as Json;
use std::fmt::Write;

/// Rows shown of a long list (equilibria, optima); `--json` has them all.
const ROWS_SHOWN: usize = 20;

impl GameReport {
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        self.write_header(&mut out);
        let names: Vec<&str> = self.agents.iter().map(|a| a.agent.as_str()).collect();
        let _ = writeln!(out, "\npure Nash equilibria: {}", self.equilibria.len());
        if !self.exhaustive {
            let _ = writeln!(
                out,
                "  (those iterated best response reached; there may be others)"
            );
        }
        out.push_str(&profile_rows(&self.equilibria, &names));
        match &self.planner.total_cents {
            Some(total) => {
                let _ = writeln!(
                    out,
                    "\n{}: total {total}, {} profile{}",
                    if self.exhaustive {
                        "planner's optimum"
                    } else {
                        "planner's estimate (the best profile evaluated, not exhaustive)"
                    },
                    self.planner.optima.len(),
                    if self.planner.optima.len() == 1 {
                        ""
                    } else {
                        "s"
                    }
                );
                out.push_str(&profile_rows(&self.planner.optima, &names));
            }
            None => out.push_str("\nplanner's optimum: nothing evaluated\n"),
        }
        match &self.welfare_gap {
            Some(gap) => {
                let _ = writeln!(
                    out,
                    "\nwelfare gap (equilibrium total minus the planner's): best equilibrium \
                     {}, worst {}",
                    gap.best_cents, gap.worst_cents
                );
            }
            None => out.push_str("\nwelfare gap: none (no pure equilibrium)\n"),
        }
        for curve in &self.best_responses {
            let _ = writeln!(
                out,
                "\nbest responses of {} to {}:",
                curve.agent,
                curve.against.join(", ")
            );
            out.push_str(&response_rows(&curve.against, &curve.agent, &curve.points));
        }
        for (index, path) in self.iterations.iter().enumerate() {
            out.push_str(&path_rows(index, path, &names));
        }
        out
    }

    fn write_header(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "game on {}: {} agents, {} profiles, {}; {} sample{} (seed {})",
            self.scenario,
            self.agents.len(),
            self.profiles,
            if self.exhaustive {
                "every one evaluated".to_string()
            } else {
                format!(
                    "iterated best response evaluated {} (not exhaustive)",
                    self.evaluated
                )
            },
            self.samples,
            if self.samples == 1 { "" } else { "s" },
            self.seed
        );
        let rows: Vec<Vec<String>> = self
            .agents
            .iter()
            .flat_map(|agent| {
                agent.decisions.iter().map(|d| {
                    vec![
                        agent.agent.clone(),
                        d.path.clone(),
                        d.grid.clone(),
                        format!("{} values", d.values),
                    ]
                })
            })
            .collect();
        out.push_str(&columns(&rows));
        out.push_str("costs in cents, each agent's total cost in the run");
        out.push_str(if self.samples > 1 {
            ", the mean over the samples\n"
        } else {
            "\n"
        });
    }
}

/// `NAME=choice` for each agent, then the costs and the total.
fn profile_rows(profiles: &[ProfileEntry], names: &[&str]) -> String {
    let mut rows: Vec<Vec<String>> = profiles
        .iter()
        .take(ROWS_SHOWN)
        .map(|p| {
            let mut row: Vec<String> = names
                .iter()
                .zip(&p.choices)
                .map(|(name, choice)| format!("{name}={}", choice_text(choice)))
                .collect();
            row.push(format!("costs {}", joined(&p.costs_cents)));
            row.push(format!("total {}", p.total_cents));
            row
        })
        .collect();
    if profiles.len() > ROWS_SHOWN {
        rows.push(vec![format!(
            "... and {} more (--json lists them all)",
            profiles.len() - ROWS_SHOWN
        )]);
    }
    columns(&rows)
}

fn response_rows(against: &[String], agent: &str, points: &[ResponseEntry]) -> String {
    let mut header: Vec<String> = against.to_vec();
    header.push(format!("{agent}'s best response"));
    header.push(format!("{agent}'s cost"));
    let mut rows = vec![header];
    rows.extend(points.iter().map(|point| {
        let mut row: Vec<String> = point.others.iter().map(|c| choice_text(c)).collect();
        row.push(
            point
                .best
                .iter()
                .map(|c| choice_text(c))
                .collect::<Vec<_>>()
                .join(" or "),
        );
        row.push(point.cost_cents.to_string());
        row
    }));
    columns(&rows)
}

fn path_rows(index: usize, path: &PathEntry, names: &[&str]) -> String {
    let profile = |choices: &[Vec<Json>]| profile_of(names, choices);
    let ending = match (&path.equilibrium, path.ending) {
        (Some(end), _) => format!("a fixed point (an equilibrium): {}", profile(end)),
        (None, "cycle") => format!(
            "a cycle: {}",
            path.cycle
                .iter()
                .map(|p| profile(p))
                .collect::<Vec<_>>()
                .join(" -> ")
        ),
        _ => "the round limit, neither a fixed point nor a cycle".to_string(),
    };
    let mut out = format!(
        "\nstart {}: {}; {} turns, ending at {ending}\n",
        index + 1,
        profile(&path.start),
        path.turns.len()
    );
    let mut rows = vec![
        ["turn", "agent", "others", "best response", "cost", "choice"]
            .map(String::from)
            .to_vec(),
    ];
    rows.extend(path.turns.iter().enumerate().map(|(turn, t)| {
        let others: Vec<&str> = names.iter().copied().filter(|n| *n != t.agent).collect();
        vec![
            (turn + 1).to_string(),
            t.agent.clone(),
            profile_of(&others, &t.others),
            t.best
                .iter()
                .map(|c| choice_text(c))
                .collect::<Vec<_>>()
                .join(" or "),
            t.cost_cents.to_string(),
            if t.from == t.to {
                format!("stays at {}", choice_text(&t.to))
            } else {
                format!("{} -> {}", choice_text(&t.from), choice_text(&t.to))
            },
        ]
    }));
    out.push_str(&columns(&rows));
    out
}

fn profile_of(names: &[&str], choices: &[Vec<Json>]) -> String {
    names
        .iter()
        .zip(choices)
        .map(|(name, c)| format!("{name}={}", choice_text(c)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// One value as itself; several as `(a, b)`.
fn choice_text(choice: &[Json]) -> String {
    match choice {
        [one] => one.to_string(),
        many => format!("({})", joined(many)),
    }
}

fn joined(values: &[Json]) -> String {
    values
        .iter()
        .map(Json::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows as left-aligned columns, two spaces apart, indented by two.
fn columns(rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            let width = cell.chars().count();
            match widths.get_mut(i) {
                Some(w) => *w = (*w).max(width),
                None => widths.push(width),
            }
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let _ = write!(line, "  {cell:width$}", width = widths[i]);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::decisions::players;
    use super::super::report::Context;
    use super::super::solver::{CostCache, Game, Profile};
    use super::super::{exhaustive, iterate};
    use super::*;

    /// Matching pennies between A and B, each choosing 0 or 1 (`agents[*].x`).
    fn pennies() -> (Context, Game) {
        let ids = ["A", "B"].map(String::from).to_vec();
        let players = players(&ids, &["agents[*].x".into()], &["0:1:1".into()], None).unwrap();
        let context = Context {
            scenario: "pennies.yaml".into(),
            seed: 1,
            seeds: vec![1],
            players,
            profiles: 4,
        };
        let game = Game {
            strategies: vec![2, 2],
        };
        (context, game)
    }

    /// A wants to match (cost 0), B to differ.
    fn pennies_costs(profiles: &[Profile]) -> Result<Vec<Vec<i128>>, ()> {
        Ok(profiles
            .iter()
            .map(|p| if p[0] == p[1] { vec![0, 1] } else { vec![1, 0] })
            .collect())
    }

    #[test]
    fn a_cycle_is_shown_with_its_profiles_and_every_turn() {
        let (context, game) = pennies();
        let mut payoffs = pennies_costs;
        let mut cache = CostCache::default();
        let path = iterate::iterate(&game, vec![0, 0], &mut payoffs, &mut cache).unwrap();
        let report = GameReport::iterated(&context, &[path], &cache);
        let table = report.to_table();
        for line in [
            "iterated best response evaluated 4 (not exhaustive)",
            "pure Nash equilibria: 0",
            "planner's estimate (the best profile evaluated, not exhaustive): total 1, 4 profiles",
            "welfare gap: none (no pure equilibrium)",
            "start 1: A=0 B=0; 5 turns, ending at a cycle: A=0 B=0 -> A=0 B=1 -> A=1 B=1 -> A=1 B=0",
            "  1     A      B=0     0              0     stays at 0",
            "  2     B      A=0     1              0     0 -> 1",
        ] {
            assert!(table.contains(line), "{line:?} missing from:\n{table}");
        }
    }

    #[test]
    fn long_lists_are_cut_in_the_table_not_in_the_report() {
        // Every profile of a 5 x 5 game costs the same: 25 equilibria, 25 optima.
        let ids = ["A", "B"].map(String::from).to_vec();
        let players = players(&ids, &["agents[*].x".into()], &["1:5:1".into()], None).unwrap();
        let context = Context {
            scenario: "flat.yaml".into(),
            seed: 1,
            seeds: vec![1, 2],
            players,
            profiles: 25,
        };
        let game = Game {
            strategies: vec![5, 5],
        };
        let mut payoffs = |profiles: &[Profile]| -> Result<Vec<Vec<i128>>, ()> {
            Ok(profiles.iter().map(|_| vec![3, 4]).collect())
        };
        let mut cache = CostCache::default();
        let solution = exhaustive::solve(&game, &mut payoffs, &mut cache).unwrap();
        let curves: Vec<_> = (0..2)
            .map(|p| exhaustive::curve(&game, &cache, p))
            .collect();
        let report = GameReport::exhaustive(&context, &solution, &curves, &cache);
        assert_eq!(report.equilibria.len(), 25);
        // Sums over two samples: the means are 1.5 and 2.
        assert_eq!(
            report.equilibria[0].costs_cents,
            [serde_json::json!(1.5), serde_json::json!(2)]
        );
        assert_eq!(report.equilibria[0].cost_sums_cents, Some(vec![3, 4]));
        let table = report.to_table();
        assert!(table.contains("pure Nash equilibria: 25"), "{table}");
        assert_eq!(
            table
                .matches("... and 5 more (--json lists them all)")
                .count(),
            2
        );
        assert!(table.contains("  1  1 or 2 or 3 or 4 or 5  1.5"), "{table}");
    }
}
