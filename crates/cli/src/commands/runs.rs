//! `rtgsim runs list | show | events`: stored runs without writing SQL.

use crate::{Failure, RunsCommand};
use rtgsim::integrity;
use rtgsim_core::money::format_cents;
use rtgsim_persistence::{EventFilter, RunRow, Store};
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

pub fn runs(command: RunsCommand) -> Result<(), Failure> {
    let text = match command {
        RunsCommand::List { db, json } => list(&open(&db)?, json)?,
        RunsCommand::Show { db, run_id, json } => show(&open(&db)?, run_id, json)?,
        RunsCommand::Verify { db, run_id, json } => return verify(&open(&db)?, run_id, json),
        RunsCommand::Events {
            db,
            run_id,
            kind,
            agent,
            day,
            limit,
        } => {
            let filter = EventFilter {
                kind,
                agent,
                day,
                limit,
            };
            let events = open(&db)?.events(run_id, &filter).map_err(input)?;
            let mut out = String::new();
            for event in events {
                out.push_str(&event.details);
                out.push('\n');
            }
            out
        }
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::Run(format!("writing the output: {e}")))
}

fn open(db: &Path) -> Result<Store, Failure> {
    Store::open_read_only(db).map_err(input)
}

fn input(error: rtgsim_persistence::StoreError) -> Failure {
    Failure::Input(error.to_string())
}

fn list(store: &Store, json: bool) -> Result<String, Failure> {
    let runs = store.runs().map_err(input)?;
    if json {
        let rows: Vec<serde_json::Value> = runs.iter().map(run_json).collect();
        return Ok(pretty(&serde_json::Value::Array(rows)));
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>4}  {:<11}  {:>9}  {:>9}  {:>20}  {:<19}  {:<16}",
        "run", "status", "days", "events", "seed", "started (UTC)", "event log"
    );
    for run in &runs {
        let _ = writeln!(
            out,
            "{:>4}  {:<11}  {:>9}  {:>9}  {:>20}  {:<19}  {:<16}",
            run.id,
            run.status.as_str(),
            format!("{}/{}", run.days_completed, run.days_total),
            run.events,
            run.seed,
            utc(run.started_at),
            run.event_log_hash
                .as_deref()
                .map_or("-", |h| &h[..h.len().min(16)]),
        );
    }
    if runs.is_empty() {
        out.push_str("(no runs)\n");
    }
    Ok(out)
}

fn show(store: &Store, run: i64, json: bool) -> Result<String, Failure> {
    let row = store.run(run).map_err(input)?;
    let metrics = store.agent_day_metrics(run).map_err(input)?;
    let last_day = metrics.iter().map(|m| m.day).max();
    let latest: Vec<_> = metrics.iter().filter(|m| Some(m.day) == last_day).collect();
    let policies = store.run_policies(run).map_err(input)?;
    if json {
        let mut value = run_json(&row);
        let (scenario, _) = store.run_inputs(run).map_err(input)?;
        value["scenario"] = serde_json::from_str(&scenario).unwrap_or(serde_json::Value::Null);
        value["agents"] = serde_json::to_value(&latest).unwrap_or_default();
        value["policies"] = policies
            .iter()
            .map(|(agent, id, version)| serde_json::json!({"agent": agent, "policy_id": id, "version": version}))
            .collect();
        return Ok(pretty(&value));
    }
    let mut out = String::new();
    let _ = writeln!(out, "run {}: {}", row.id, row.status);
    let _ = writeln!(
        out,
        "  days        {} of {}",
        row.days_completed, row.days_total
    );
    let _ = writeln!(out, "  events      {}", row.events);
    let _ = writeln!(out, "  seed        {}", row.seed);
    let _ = writeln!(out, "  rtgsim      {}", row.code_version);
    let _ = writeln!(out, "  started     {} UTC", utc(row.started_at));
    if let Some(ended) = row.ended_at {
        let _ = writeln!(out, "  ended       {} UTC", utc(ended));
    }
    if let Some(hash) = &row.event_log_hash {
        let _ = writeln!(out, "  event log   sha256 {hash}");
    }
    if let Some(from) = row.state_from_run {
        let _ = writeln!(out, "  states from run {from}");
    }
    if let Some(error) = &row.error {
        let _ = writeln!(out, "  error       {error}");
    }
    if let Some(day) = last_day {
        let _ = writeln!(out, "\nat the end of day {day}:");
        let _ = writeln!(
            out,
            "{:<16} {:>9} {:>9} {:>9} {:>15} {:>15} {:>13}",
            "agent", "payments", "settled", "unsettled", "balance", "total cost", "policy errors"
        );
        for m in latest {
            let _ = writeln!(
                out,
                "{:<16} {:>9} {:>9} {:>9} {:>15} {:>15} {:>13}",
                m.agent,
                m.payments,
                m.settled,
                m.unsettled,
                format_cents(m.balance),
                format_cents(m.total_cost()),
                m.policy_errors
            );
        }
    }
    if !policies.is_empty() {
        let _ = writeln!(out, "\npolicies:");
        for (agent, id, version) in policies {
            let _ = writeln!(out, "  {agent:<16} {id} v{version}");
        }
    }
    Ok(out)
}

/// `runs verify`: every check of `rtgsim::integrity::verify_run`, and what it found.
fn verify(store: &Store, run: i64, json: bool) -> Result<(), Failure> {
    let check = integrity::verify_run(store, run).map_err(|e| Failure::Input(e.to_string()))?;
    let intact = check.problems.is_empty();
    let text = if json {
        pretty(&serde_json::json!({
            "run": run,
            "ok": intact,
            "status": check.run.status.as_str(),
            "events": check.events,
            "events_sha256": check.events_sha256,
            "event_log_hash": check.run.event_log_hash,
            "inputs_sha256": check.run.inputs_sha256,
            "problems": check.problems,
            "notes": check.notes,
        }))
    } else {
        let mut out = if intact {
            let hashed = match &check.run.event_log_hash {
                Some(_) => "the run's event_log_hash".to_string(),
                None => format!(
                    "{} (a {} run has no event_log_hash yet)",
                    check.events_sha256, check.run.status
                ),
            };
            format!(
                "run {run}: intact: {} events in {} days hash to {hashed}; inputs and checkpoint as recorded\n",
                check.events, check.run.days_completed
            )
        } else {
            format!(
                "run {run}: NOT what it says it is ({} problems):\n",
                check.problems.len()
            )
        };
        for problem in &check.problems {
            let _ = writeln!(out, "  - {problem}");
        }
        for note in &check.notes {
            let _ = writeln!(out, "  note: {note}");
        }
        out
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::Run(format!("writing the output: {e}")))?;
    if intact {
        Ok(())
    } else {
        Err(Failure::Findings)
    }
}

fn run_json(run: &RunRow) -> serde_json::Value {
    serde_json::json!({
        "id": run.id,
        "status": run.status.as_str(),
        "days_total": run.days_total,
        "days_completed": run.days_completed,
        "events": run.events,
        "seed": run.seed,
        "code_version": run.code_version,
        "event_log_hash": run.event_log_hash,
        "error": run.error,
        "state_from_run": run.state_from_run,
        "inputs_sha256": run.inputs_sha256,
        "started_at": run.started_at,
        "ended_at": run.ended_at,
    })
}

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}

/// Unix seconds as `YYYY-MM-DD HH:MM:SS` (UTC), without a date library.
fn utc(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    // Civil from days (Howard Hinnant's algorithm), valid for any day count here.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::utc;

    #[test]
    fn utc_formats_known_instants() {
        assert_eq!(utc(0), "1970-01-01 00:00:00");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(utc(1_795_310_461), "2026-11-22 01:21:01");
    }
}
