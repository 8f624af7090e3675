//! `rtgsim audit verify | show`: a stored run's governance audit chain, checked or
//! listed without writing SQL.
//!
//! The chain check itself is `rtgsim_governance::audit::verify`; this command feeds
//! it the rows and head as the database holds them, and adds the checks that need
//! the database's own columns: that each record's body names this run (a record
//! copied from another run's chain would verify on its own) and agrees with the
//! `day`, `tick` and `kind` columns that `audit show` and queries go by.

use crate::{AuditCommand, Failure};
use rtgsim_governance::audit::{AuditRecord, BreakKind, ChainBreak, ChainHead, StoredLink, verify};
use rtgsim_persistence::{AuditRow, Store, StoreError};
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

/// Hex digits of a hash shown in a line for people (JSON has all 64).
const HASH_SHOWN: usize = 12;

pub fn audit(command: AuditCommand) -> Result<(), Failure> {
    match command {
        AuditCommand::Verify { db, run_id, json } => verify_run(&db, run_id, json),
        AuditCommand::Show {
            db,
            run_id,
            limit,
            json,
        } => show(&db, run_id, limit, json),
    }
}

/// What checking a run's chain found.
struct Verdict {
    run: i64,
    /// Records stored for the run.
    records: u64,
    /// The last record's hash when the chain is intact; the head's stored hash (if
    /// any) when it is not.
    head: Option<String>,
    broken: Option<ChainBreak>,
}

fn verify_run(db: &Path, run: i64, json: bool) -> Result<(), Failure> {
    let store = open(db)?;
    let rows = store.audit_rows(run).map_err(input)?;
    let head = store.audit_head(run).map_err(input)?;
    let verdict = check_chain(run, &rows, head);
    let text = if json {
        verdict_json(&verdict)
    } else {
        verdict_line(&verdict)
    };
    write_stdout(&text)?;
    if verdict.broken.is_some() {
        Err(Failure::Findings)
    } else {
        Ok(())
    }
}

fn check_chain(run: i64, rows: &[AuditRow], head: Option<(u64, String)>) -> Verdict {
    let links: Vec<StoredLink> = rows.iter().map(link_of).collect();
    // The head is written in the same transaction as the records it counts, so a
    // run without one has committed no record: check the rows against the empty
    // head rather than skipping the check, or deleting the head row would hide
    // records removed from the end (or let records be added without one).
    let chain_head = match &head {
        Some((count, last_hash)) => ChainHead {
            count: *count,
            last_hash: last_hash.clone(),
        },
        None => ChainHead::empty(),
    };
    let chain = verify(&links, Some(&chain_head));
    // Records before a chain break passed verify (their hashes hold and their bodies
    // parse); a record of another run among them is the earlier problem. Records
    // from the break on are not trusted, so they are not read.
    let checked = match &chain {
        Ok(_) => rows.len(),
        Err(broken) => usize::try_from(broken.position).map_or(rows.len(), |p| p.min(rows.len())),
    };
    let broken = match first_foreign(run, &rows[..checked], &links[..checked]) {
        Some(foreign) => Some(foreign),
        None => chain.as_ref().err().cloned(),
    };
    Verdict {
        run,
        records: rows.len() as u64,
        head: match (&chain, &broken) {
            (Ok(summary), None) => Some(summary.last_hash.clone()),
            _ => head.map(|(_, last_hash)| last_hash),
        },
        broken,
    }
}

/// The first record whose body disagrees with the row it is stored in: another run,
/// or other `day`, `tick` or `kind` columns.
fn first_foreign(run: i64, rows: &[AuditRow], links: &[StoredLink]) -> Option<ChainBreak> {
    rows.iter()
        .zip(links)
        .enumerate()
        .find_map(|(position, (row, link))| {
            let kind = match AuditRecord::from_link(link) {
                Ok(record) => column_mismatch(run, row, &record)?,
                Err(error) => BreakKind::Unparseable {
                    detail: error.to_string(),
                },
            };
            Some(ChainBreak {
                position: position as u64,
                seq: Some(row.seq),
                kind,
            })
        })
}

fn column_mismatch(run: i64, row: &AuditRow, record: &AuditRecord) -> Option<BreakKind> {
    // The simulator's own chains say run 0: a record's body is part of the event
    // log, which must not depend on where the run is stored. A chain written for a
    // particular run says that run.
    let said_run = if record.run == 0 { run } else { record.run };
    let columns = [
        ("run_id", run.to_string(), said_run.to_string()),
        ("day", row.day.to_string(), record.day.to_string()),
        ("tick", row.tick.to_string(), record.tick.to_string()),
        ("kind", row.kind.clone(), record.kind.clone()),
    ];
    columns
        .into_iter()
        .find(|(_, stored, said)| stored != said)
        .map(|(column, row, body)| BreakKind::ColumnMismatch { column, row, body })
}

fn verdict_line(verdict: &Verdict) -> String {
    let run = verdict.run;
    match &verdict.broken {
        None => {
            let head = verdict.head.as_deref().map(short).unwrap_or_default();
            match verdict.records {
                0 => format!("run {run}: audit chain intact: no records\n"),
                1 => format!("run {run}: audit chain intact: 1 record, head {head}\n"),
                n => format!("run {run}: audit chain intact: {n} records, head {head}\n"),
            }
        }
        Some(broken) => format!(
            "run {run}: audit chain BROKEN at {broken}\n  ({} records stored; nothing from this record on can be trusted)\n",
            verdict.records
        ),
    }
}

fn verdict_json(verdict: &Verdict) -> String {
    let mut value = serde_json::json!({
        "run": verdict.run,
        "ok": verdict.broken.is_none(),
        "records": verdict.records,
        "head": verdict.head,
    });
    if let Some(broken) = &verdict.broken {
        value["position"] = broken.position.into();
        value["seq"] = broken.seq.into();
        value["problem"] = broken.kind.to_string().into();
    }
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}

/// One line per record: what was decided about what, when, and why.
fn show(db: &Path, run: i64, limit: Option<usize>, json: bool) -> Result<(), Failure> {
    let store = open(db)?;
    let rows = store.audit_rows(run).map_err(input)?;
    let shown = &rows[..limit.map_or(rows.len(), |n| n.min(rows.len()))];
    let mut out = String::new();
    if json {
        for row in shown {
            out.push_str(&row.body);
            out.push('\n');
        }
        return write_stdout(&out);
    }
    let _ = writeln!(
        out,
        "{:>6}  {:>9}  {:<12}  {:<14}  {:<8}  {:<16}  {:<28}  gate (rank)",
        "seq", "day/tick", "agent", "tx", "kind", "decision", "reason"
    );
    for row in shown {
        // Shown as stored: a body that does not read as a record is said to be so,
        // and `verify` says what is wrong with it.
        let Ok(record) = AuditRecord::from_link(&link_of(row)) else {
            let _ = writeln!(
                out,
                "{:>6}  {:>9}  (the stored body is not an audit record; run `rtgsim audit verify`)",
                row.seq,
                format!("{}/{}", row.day, row.tick)
            );
            continue;
        };
        let gate = match (&record.blocking_gate, record.rank) {
            (Some(gate), Some(rank)) => format!("{gate} ({rank})"),
            (Some(gate), None) => gate.clone(),
            (None, _) => "-".to_string(),
        };
        let _ = writeln!(
            out,
            "{:>6}  {:>9}  {:<12}  {:<14}  {:<8}  {:<16}  {:<28}  {gate}",
            record.seq,
            format!("{}/{}", record.day, record.tick),
            record.agent.as_deref().unwrap_or("-"),
            record.tx.as_deref().unwrap_or("-"),
            record.kind,
            record.decision,
            record.reason_code,
        );
    }
    if rows.is_empty() {
        out.push_str("(no audit records)\n");
    } else if shown.len() < rows.len() {
        let _ = writeln!(out, "({} of {} records shown)", shown.len(), rows.len());
    }
    write_stdout(&out)
}

/// A stored row as the chain check sees it.
fn link_of(row: &AuditRow) -> StoredLink {
    StoredLink {
        seq: row.seq,
        body: row.body.clone(),
        prev_hash: row.prev_hash.clone(),
        hash: row.hash.clone(),
    }
}

fn open(db: &Path) -> Result<Store, Failure> {
    Store::open_read_only(db).map_err(input)
}

/// A database that is missing, not rtgsim's, or without the run is an input error.
fn input(error: StoreError) -> Failure {
    Failure::Input(error.to_string())
}

/// The first hex digits of a hash, marked as cut.
fn short(hash: &str) -> String {
    match hash.get(..HASH_SHOWN) {
        Some(start) if hash.len() > HASH_SHOWN => format!("{start}…"),
        _ => hash.to_string(),
    }
}

fn write_stdout(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::Run(format!("writing the output: {e}")))
}
