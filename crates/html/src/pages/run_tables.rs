//! The run page's tables beyond the agents': what each liquidity-saving algorithm
//! did, and what went wrong (policy errors, governance holds and halts, rollbacks).

use super::run::RunPage;
use crate::page::Page;
use crate::text::{count, money, percent};
use rtgsim_report::RunSummary;

pub fn lsm_table(page: &mut Page, summary: &RunSummary) {
    if summary.lsm.is_empty() {
        return;
    }
    page.heading("Liquidity-saving mechanism");
    let rows: Vec<Vec<String>> = summary
        .lsm
        .iter()
        .map(|l| {
            vec![
                l.algorithm.replace('_', " "),
                count(l.sets),
                count(l.payments),
                money(l.value),
                money(l.liquidity_saved),
                percent(l.share_of_settled_value),
            ]
        })
        .collect();
    page.table(
        "lsm",
        &[
            "algorithm",
            "sets",
            "payments",
            "value",
            "liquidity saved",
            "share of value settled",
        ],
        &rows,
        None,
    );
}

/// Policy errors, governance holds and rollbacks: each table only when there is
/// something in it, and a sentence saying so when there is nothing at all.
pub fn problems(page: &mut Page, run: &RunPage<'_>) {
    let summary = run.summary;
    let (errors, error_count) = run.series.policy_errors();
    let governed = summary
        .governance
        .as_ref()
        .is_some_and(|g| !g.agents.is_empty() || !g.changes.is_empty());
    page.heading("Policy errors, governance and rollbacks");
    if error_count == 0 && !governed && summary.rollbacks.is_empty() {
        page.paragraph(
            "No policy failed, nothing was held by governance and no policy was rolled back.",
        );
        return;
    }
    if error_count > 0 {
        let name = |agent: rtgsim_core::AgentId| {
            summary
                .agents
                .get(agent.index())
                .map_or_else(|| agent.0.to_string(), |a| a.id.clone())
        };
        let rows: Vec<Vec<String>> = errors
            .iter()
            .map(|e| {
                vec![
                    count(e.tick),
                    name(e.agent),
                    e.call.to_string(),
                    e.message.clone(),
                ]
            })
            .collect();
        if error_count > errors.len() as u64 {
            page.paragraph(&format!(
                "{} policy calls failed; the first {} are listed. Each held what it would have decided.",
                count(error_count),
                errors.len()
            ));
        }
        page.table(
            "policy-errors",
            &["tick", "agent", "call", "message"],
            &rows,
            None,
        );
    }
    if let Some(governance) = summary.governance.as_ref().filter(|_| governed) {
        governance_tables(page, governance);
    }
    if !summary.rollbacks.is_empty() {
        let rows: Vec<Vec<String>> = summary
            .rollbacks
            .iter()
            .map(|r| vec![count(r.tick), r.agent.clone(), r.reason()])
            .collect();
        page.table("rollbacks", &["tick", "agent", "what broke"], &rows, None);
    }
}

fn governance_tables(page: &mut Page, governance: &rtgsim_report::summary::GovernanceSummary) {
    let mut rows = Vec::new();
    for agent in &governance.agents {
        for (gate, blocked) in &agent.held {
            rows.push(vec![
                agent.id.clone(),
                format!("held by {gate}"),
                count(blocked.decisions),
                money(blocked.value),
            ]);
        }
        if agent.halted.decisions > 0 {
            rows.push(vec![
                agent.id.clone(),
                "halted".into(),
                count(agent.halted.decisions),
                money(agent.halted.value),
            ]);
        }
        if agent.rbac_refused > 0 {
            rows.push(vec![
                agent.id.clone(),
                "refused by RBAC".into(),
                count(agent.rbac_refused),
                "-".into(),
            ]);
        }
    }
    if !rows.is_empty() {
        page.table(
            "governance-holds",
            &["agent", "what stopped it", "decisions", "value"],
            &rows,
            None,
        );
    }
    if !governance.changes.is_empty() {
        let rows: Vec<Vec<String>> = governance
            .changes
            .iter()
            .map(|(code, n)| vec![code.clone(), count(*n)])
            .collect();
        page.table(
            "governance-changes",
            &["operator action or latch", "times"],
            &rows,
            None,
        );
    }
    page.paragraph(&format!(
        "The audit chain holds {} records.",
        count(governance.audit_records)
    ));
}
