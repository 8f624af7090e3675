//! Who decides what: each `--decide PATH` with its `--grid`, resolved to agents.
//!
//! A path belongs to an agent: `agents[K].…` (agent K, by index), `agents[NAME].…`
//! (the agent with that id) or `agents[*].…` (every agent, or every agent named by
//! `--agents`). The rest of the path is a `--set` path inside that agent's section.
//! An agent's strategy is one value of each of its decisions: the product of their
//! grids, the first decision varying slowest.

use super::grid::{Decimal, Grid};
use rtgsim_diagnostics::{Quote, did_you_mean};
use serde_json::Value as Json;

/// One decision of one agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The path with the agent's index: `agents[1].posted_collateral`.
    pub path: String,
    pub grid: Grid,
}

/// An agent that decides something: a player of the game.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Player {
    /// The agent's index in the scenario.
    pub agent: usize,
    pub name: String,
    /// In the order given on the command line.
    pub decisions: Vec<Decision>,
}

impl Player {
    /// How many strategies: the product of the grids' sizes (saturating).
    pub fn strategy_count(&self) -> usize {
        self.decisions
            .iter()
            .fold(1usize, |n, d| n.saturating_mul(d.grid.values.len()))
    }

    /// The value of each decision in strategy `strategy`.
    pub fn values(&self, strategy: usize) -> Vec<Decimal> {
        let mut rest = strategy;
        let mut values: Vec<Decimal> = self
            .decisions
            .iter()
            .rev()
            .map(|d| {
                let count = d.grid.values.len();
                let value = d.grid.values[rest % count];
                rest /= count;
                value
            })
            .collect();
        values.reverse();
        values
    }

    /// The strategy whose values are the grid values nearest to what `scenario`
    /// (the scenario file as JSON) has at each path (a value not given or not a
    /// number: the grid's first).
    pub fn nearest_strategy(&self, scenario: &Json) -> usize {
        self.decisions.iter().fold(0, |strategy, decision| {
            let current = rtgsim_scenario::sweep::get(scenario, &decision.path)
                .and_then(|value| Decimal::parse(&value.to_string()));
            let index = current.map_or(0, |value| decision.grid.nearest(value));
            strategy * decision.grid.values.len() + index
        })
    }
}

/// The players: every agent some `--decide` names, in the scenario's agent order,
/// each with its decisions. `agent_ids` are the scenario's agents; `only` the
/// `--agents` list, if given.
pub fn players(
    agent_ids: &[String],
    decide: &[String],
    grids: &[String],
    only: Option<&[String]>,
) -> Result<Vec<Player>, String> {
    if decide.is_empty() {
        return Err("--decide: at least one decision (PATH, with its --grid)".into());
    }
    if grids.len() != 1 && grids.len() != decide.len() {
        return Err(format!(
            "{} --decide and {} --grid: give one --grid for all, or one per --decide, in \
             the same order",
            decide.len(),
            grids.len()
        ));
    }
    let chosen = chosen_agents(agent_ids, only)?;
    let mut players: Vec<Player> = Vec::new();
    for (index, path) in decide.iter().enumerate() {
        let grid = Grid::parse(&grids[if grids.len() == 1 { 0 } else { index }])?;
        let (agents, rest) = agents_of(path, agent_ids, &chosen)?;
        for agent in agents {
            let concrete = format!("agents[{agent}].{rest}");
            let player = match players.iter().position(|p| p.agent == agent) {
                Some(at) => &mut players[at],
                None => {
                    players.push(Player {
                        agent,
                        name: agent_ids[agent].clone(),
                        decisions: Vec::new(),
                    });
                    players.last_mut().ok_or("no player")?
                }
            };
            if player.decisions.iter().any(|d| d.path == concrete) {
                return Err(format!(
                    "--decide {path}: {concrete} is decided twice; name each decision once"
                ));
            }
            player.decisions.push(Decision {
                path: concrete,
                grid: grid.clone(),
            });
        }
    }
    players.sort_by_key(|p| p.agent);
    Ok(players)
}

/// The agents `agents[*]` stands for: every agent, or those `--agents` names.
fn chosen_agents(agent_ids: &[String], only: Option<&[String]>) -> Result<Vec<usize>, String> {
    let Some(names) = only else {
        return Ok((0..agent_ids.len()).collect());
    };
    let mut chosen = Vec::new();
    for name in names {
        let index =
            agent_index(agent_ids, name).map_err(|why| format!("--agents {name}: {why}"))?;
        if !chosen.contains(&index) {
            chosen.push(index);
        }
    }
    if chosen.is_empty() {
        return Err("--agents: name at least one agent".into());
    }
    chosen.sort_unstable();
    Ok(chosen)
}

/// The agents a path names and the rest of the path after `agents[...].`.
fn agents_of<'p>(
    path: &'p str,
    agent_ids: &[String],
    chosen: &[usize],
) -> Result<(Vec<usize>, &'p str), String> {
    let refuse = |why: String| format!("--decide {path}: {why}");
    let shape = "a decision belongs to an agent: write agents[K].PATH, agents[NAME].PATH or \
                 agents[*].PATH";
    let (inside, rest) = path
        .strip_prefix("agents[")
        .and_then(|after| after.split_once(']'))
        .ok_or_else(|| refuse(shape.into()))?;
    let rest = rest
        .strip_prefix('.')
        .filter(|rest| !rest.is_empty())
        .ok_or_else(|| refuse(shape.into()))?;
    if inside == "*" {
        return Ok((chosen.to_vec(), rest));
    }
    let agent = agent_index(agent_ids, inside).map_err(refuse)?;
    if !chosen.contains(&agent) {
        return Err(refuse(format!(
            "agent {} is not among --agents",
            agent_ids[agent]
        )));
    }
    Ok((vec![agent], rest))
}

/// An agent by index (`0`) or by id (`BANK_A`).
fn agent_index(agent_ids: &[String], text: &str) -> Result<usize, String> {
    if let Ok(index) = text.parse::<usize>() {
        return if index < agent_ids.len() {
            Ok(index)
        } else {
            Err(format!(
                "no agent {index}: the scenario has {} (0 to {})",
                agent_ids.len(),
                agent_ids.len().saturating_sub(1)
            ))
        };
    }
    agent_ids.iter().position(|id| id == text).ok_or_else(|| {
        let hint = did_you_mean(text, agent_ids.iter().map(String::as_str), Quote::Double)
            .map(|h| format!(" ({h})"))
            .unwrap_or_default();
        format!("no agent \"{text}\" in the scenario{hint}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> Vec<String> {
        ["A", "B", "C"].map(String::from).to_vec()
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn star_paths_name_every_chosen_agent() {
        let players = players(
            &ids(),
            &strings(&[
                "agents[*].posted_collateral",
                "agents[B].policy.target_buffer",
            ]),
            &strings(&["0:2:1", "10:20:10"]),
            Some(&strings(&["C", "B"])),
        )
        .unwrap();
        let summary: Vec<(usize, Vec<&str>, usize)> = players
            .iter()
            .map(|p| {
                (
                    p.agent,
                    p.decisions.iter().map(|d| d.path.as_str()).collect(),
                    p.strategy_count(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    1,
                    vec![
                        "agents[1].posted_collateral",
                        "agents[1].policy.target_buffer"
                    ],
                    6
                ),
                (2, vec!["agents[2].posted_collateral"], 3),
            ]
        );
        // Strategy 3 of B: collateral index 1 (3 / 2), buffer index 1 (3 % 2).
        let values: Vec<String> = players[0].values(3).iter().map(|v| v.to_string()).collect();
        assert_eq!(values, ["1", "20"]);
        assert_eq!(
            players[0].nearest_strategy(&serde_json::json!({"agents": [{}, {
                "posted_collateral": 2, "policy": {"target_buffer": 12}}]})),
            4
        );
    }

    #[test]
    fn bad_paths_and_agents_are_refused_with_the_input() {
        // (the --decide paths, the --grids, --agents, the message's start)
        type Case<'a> = (&'a [&'a str], &'a [&'a str], Option<&'a [&'a str]>, &'a str);
        let cases: &[Case] = &[
            (
                &["posted_collateral"],
                &["0:1:1"],
                None,
                "--decide posted_collateral: a decision belongs to an agent",
            ),
            (
                &["agents[0]"],
                &["0:1:1"],
                None,
                "--decide agents[0]: a decision belongs",
            ),
            (
                &["agents[3].x"],
                &["0:1:1"],
                None,
                "--decide agents[3].x: no agent 3: the scenario has 3 (0 to 2)",
            ),
            (
                &["agents[D].x"],
                &["0:1:1"],
                None,
                "--decide agents[D].x: no agent \"D\" in the scenario",
            ),
            (
                &["agents[A].x"],
                &["0:1:1"],
                Some(&["B"]),
                "--decide agents[A].x: agent A is not among --agents",
            ),
            (
                &["agents[*].x"],
                &["0:1:1"],
                Some(&["Q"]),
                "--agents Q: no agent \"Q\"",
            ),
            (
                &["agents[0].x", "agents[A].x"],
                &["0:1:1"],
                None,
                "--decide agents[A].x: agents[0].x is decided twice",
            ),
            (
                &["agents[0].x", "agents[1].x"],
                &["0:1:1", "0:1:1", "0:1:1"],
                None,
                "2 --decide and 3 --grid",
            ),
            (
                &["agents[0].x"],
                &["0:1"],
                None,
                "--grid 0:1: write LO:HI:STEP",
            ),
            (&[], &["0:1:1"], None, "--decide: at least one decision"),
        ];
        for (decide, grids, only, says) in cases {
            let only = only.map(strings);
            let error =
                players(&ids(), &strings(decide), &strings(grids), only.as_deref()).unwrap_err();
            assert!(error.starts_with(says), "{error}");
        }
    }
}
