//! The page of a game: the players and their decisions, the pure Nash equilibria
//! against the planner's optimum (each player's cost at each), the welfare gap, and
//! each player's best-response curve when the game has one decision per player.

use crate::chart::{Axis, BarChart, Heading, Line, LineChart, Stack, Unit};
use crate::page::{Figure, Page, PageKind};
use crate::text::{count, json_f64, money_json};
use rtgsim_evaluate::game::report::{GameReport, ProfileEntry};
use serde_json::Value as Json;

/// The game page as one HTML document.
pub fn render(report: &GameReport) -> String {
    let mut page = Page::new(PageKind::Game, &format!("Game in {}", report.scenario));
    page.facts(&[
        ("scenario", report.scenario.clone()),
        ("seed", report.seed.to_string()),
        ("samples per profile", report.samples.to_string()),
        ("method", report.method.to_string()),
    ]);
    page.figures(&[
        Figure::plain(
            "profiles",
            count(report.profiles.min(u128::from(u64::MAX)) as u64),
        ),
        Figure::plain("evaluated", count(report.evaluated as u64)),
        Figure::plain(
            "pure Nash equilibria",
            count(report.equilibria.len() as u64),
        ),
        Figure::plain(
            "planner's least total cost",
            report
                .planner
                .total_cents
                .as_ref()
                .map_or_else(|| "-".into(), money_json),
        ),
    ]);
    let rows: Vec<Vec<String>> = report
        .agents
        .iter()
        .flat_map(|a| {
            a.decisions.iter().map(move |d| {
                vec![
                    a.agent.clone(),
                    d.path.clone(),
                    d.grid.clone(),
                    count(d.values as u64),
                ]
            })
        })
        .collect();
    page.table(
        "players",
        &["player", "decides", "grid", "values"],
        &rows,
        Some("agent"),
    );
    page.heading("Equilibria and the planner's optimum");
    costs_chart(report).render(page.body());
    if let Some(gap) = &report.welfare_gap {
        page.paragraph(&format!(
            "Welfare gap: the equilibria cost from {} to {} more in total than the planner's optimum.",
            money_json(&gap.best_cents),
            money_json(&gap.worst_cents)
        ));
    }
    profiles_table(&mut page, report);
    if let Some(chart) = best_responses_chart(report) {
        page.heading("Best responses");
        chart.render(page.body());
    }
    page.finish()
}

/// A profile as its choices read (`BANK_A 300000, BANK_B 200000`).
fn describe(report: &GameReport, choices: &[Vec<Json>]) -> String {
    report
        .agents
        .iter()
        .zip(choices)
        .map(|(agent, values)| {
            let values: Vec<String> = values.iter().map(Json::to_string).collect();
            format!("{} {}", agent.agent, values.join("/"))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn labelled(report: &GameReport) -> Vec<(String, &ProfileEntry)> {
    let equilibria = report
        .equilibria
        .iter()
        .enumerate()
        .map(|(i, p)| (format!("equilibrium {}", i + 1), p));
    let optima = report
        .planner
        .optima
        .iter()
        .enumerate()
        .map(|(i, p)| (format!("planner's optimum {}", i + 1), p));
    equilibria.chain(optima).collect()
}

fn costs_chart(report: &GameReport) -> BarChart {
    let profiles = labelled(report);
    BarChart {
        heading: Heading::new(
            "profile-costs",
            "Each player's cost at the equilibria and at the planner's optimum",
            "Players' costs stacked: the pure Nash equilibria first, then the profiles of least total cost.",
        ),
        categories: profiles.iter().map(|(label, _)| label.clone()).collect(),
        category_axis: Axis::new("profile (equilibria first)", Unit::Count),
        value_axis: Axis::new("cost (currency units)", Unit::Cents),
        stacks: report
            .agents
            .iter()
            .enumerate()
            .map(|(i, agent)| Stack {
                label: agent.agent.clone(),
                values: profiles
                    .iter()
                    .map(|(_, p)| p.costs_cents.get(i).map_or(0.0, json_f64))
                    .collect(),
            })
            .collect(),
        columns: false,
    }
}

fn profiles_table(page: &mut Page, report: &GameReport) {
    let rows: Vec<Vec<String>> = labelled(report)
        .into_iter()
        .map(|(label, p)| {
            let mut row = vec![label, describe(report, &p.choices)];
            row.extend(p.costs_cents.iter().map(money_json));
            row.push(money_json(&p.total_cents));
            row
        })
        .collect();
    let mut head = vec!["profile", "choices"];
    head.extend(report.agents.iter().map(|a| a.agent.as_str()));
    head.push("total");
    page.table("profiles", &head, &rows, None);
}

/// Best-response curves on the plane of two players' choices (the first player's
/// across, the second's up), so that an equilibrium is where the curves cross:
/// drawn when the game has two players with one numeric decision each (the first
/// of tied best responses is drawn).
fn best_responses_chart(report: &GameReport) -> Option<LineChart> {
    let [first, second] = report.agents.as_slice() else {
        return None;
    };
    let single = |choices: &[Vec<Json>]| match choices {
        [only] if only.len() == 1 => only[0].as_f64(),
        _ => None,
    };
    let mut lines = Vec::new();
    for curve in &report.best_responses {
        let across_is_own = curve.agent == first.agent;
        let points: Option<Vec<(f64, f64)>> = curve
            .points
            .iter()
            .map(|p| {
                let other = single(&p.others)?;
                let best = single(p.best.first().map(std::slice::from_ref)?)?;
                Some(if across_is_own {
                    (best, other)
                } else {
                    (other, best)
                })
            })
            .collect();
        lines.push(Line {
            label: format!("{}'s best response", curve.agent),
            points: points?,
        });
    }
    if lines.is_empty() {
        return None;
    }
    Some(LineChart {
        heading: Heading::new(
            "best-responses",
            "Best-response curves",
            &format!(
                "Each player's best choice (least cost) against each choice of the other, {} across and {} up; where the curves cross is an equilibrium.",
                first.agent, second.agent
            ),
        ),
        x: Axis::new(
            &format!("{}'s choice (setting value)", first.agent),
            Unit::Count,
        ),
        y: Axis::new(
            &format!("{}'s choice (setting value)", second.agent),
            Unit::Count,
        ),
        lines,
        bands: vec![],
    })
}
