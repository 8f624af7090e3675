//! `rtgsim audit verify | show`: a stored run's governance audit chain, checked or
//! listed without writing SQL.
//!
//! The chain check itself is `rtgsim_governance::audit::verify`; this command feeds
//! it the rows and head as the database holds them, from the run's genesis (its
//! inputs fingerprint and seed, as its `runs` row records them), and adds the checks
//! that need the database: that each body agrees with the `day`, `tick` and `kind`
//! columns that `audit show` and queries go by; that the chain is the one the run's
//! stored event log carries, record for record (the event log is checked against
//! the run's `event_log_hash` first), so that a chain replaced by another run's, or
//! removed with its heads, is caught; and, with `--expect-head`, that its head is
//! one kept elsewhere.

use crate::{AuditCommand, Failure};
use rtgsim_governance::audit::{
    AuditRecord, BreakKind, ChainBreak, ChainHead, GENESIS_HASH, StoredLink, genesis_hash,
    registry_genesis_hash, verify,
};
use rtgsim_persistence::{AuditRow, EventFilter, RunRow, Store, StoreError};
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

/// Hex digits of a hash shown in a line for people (the head is shown whole).
const HASH_SHOWN: usize = 12;

pub fn audit(command: AuditCommand) -> Result<(), Failure> {
    match command {
        AuditCommand::Verify {
            db,
            run_id: Some(run_id),
            registry: false,
            expect_head,
            json,
        } => verify_run(&db, run_id, expect_head.as_deref(), json),
        AuditCommand::Verify {
            db,
            expect_head,
            json,
            ..
        } => verify_registry(&db, expect_head.as_deref(), json),
        AuditCommand::Show {
            db,
            run_id,
            registry,
            limit,
            json,
        } => {
            let store = open(&db)?;
            let rows = match run_id {
                Some(run) if !registry => store.audit_rows(run),
                _ => store.registry_audit_rows(),
            }
            .map_err(input)?;
            show(&rows, limit, json)
        }
    }
}

/// What checking a run's chain found.
struct Verdict {
    /// The run whose chain it is; `None` for the policy registry's.
    run: Option<i64>,
    /// Records stored for the run.
    records: u64,
    /// The last record's hash when the chain is intact; the head's stored hash (if
    /// any) when it is not.
    head: Option<String>,
    genesis: String,
    broken: Option<ChainBreak>,
    /// What the checks beyond the chain found: the event log, the expected head.
    problems: Vec<String>,
    /// What could not be checked.
    notes: Vec<String>,
}

impl Verdict {
    fn intact(&self) -> bool {
        self.broken.is_none() && self.problems.is_empty()
    }
}

fn verify_run(db: &Path, run: i64, expect_head: Option<&str>, json: bool) -> Result<(), Failure> {
    let store = open(db)?;
    let row = store.run(run).map_err(input)?;
    let rows = store.audit_rows(run).map_err(input)?;
    let head = store.audit_head(run).map_err(input)?;
    let mut notes = Vec::new();
    let genesis = match &row.inputs_sha256 {
        Some(fingerprint) => genesis_hash(fingerprint, row.seed),
        None => {
            notes.push(
                "stored before chains were bound to their run: its chain starts from 64 zeros"
                    .to_string(),
            );
            GENESIS_HASH.to_string()
        }
    };
    let mut verdict = check_chain(run, &rows, head, &genesis);
    verdict.notes = notes;
    verdict
        .problems
        .extend(event_log_problems(&store, &row, &rows).map_err(input)?);
    report(verdict, expect_head, json)
}

/// Checks the policy registry's chain: the records from the registry genesis and
/// against the head, and then that the versions stored are what the chain says
/// they became (status, text hash, agent): a status or text changed behind the
/// registry's back, a version added or removed without its records, shows.
fn verify_registry(db: &Path, expect_head: Option<&str>, json: bool) -> Result<(), Failure> {
    let store = open(db)?;
    let rows = store.registry_audit_rows().map_err(input)?;
    let head = store.registry_audit_head().map_err(input)?;
    let genesis = registry_genesis_hash();
    // The registry chain has no run: a record's columns are still checked against
    // its body (run 0 stands for none; registry bodies name no run).
    let mut verdict = check_chain(0, &rows, head, &genesis);
    verdict.run = None;
    if verdict.broken.is_none() {
        verdict
            .problems
            .extend(registry_state_problems(&store, &rows).map_err(input)?);
    }
    report(verdict, expect_head, json)
}

/// Replays the registry chain and compares the versions stored with it.
fn registry_state_problems(store: &Store, rows: &[AuditRow]) -> Result<Vec<String>, StoreError> {
    use std::collections::BTreeMap;
    struct Said {
        status: String,
        sha256: String,
        agent: String,
    }
    let mut problems = Vec::new();
    let mut said: BTreeMap<i64, Said> = BTreeMap::new();
    for row in rows {
        let Ok(record) = AuditRecord::from_link(&link_of(row)) else {
            continue;
        };
        if record.kind != rtgsim::registry::AUDIT_KIND {
            problems.push(format!(
                "record {} (seq {}) is a {:?} record, not a registry one",
                row.seq, row.seq, record.kind
            ));
            continue;
        }
        let text = |value: &serde_json::Value| value.as_str().unwrap_or_default().to_string();
        let inputs = &record.inputs;
        let Some(id) = inputs.get("version").and_then(|v| v.as_i64()) else {
            problems.push(format!("record {} names no version", row.seq));
            continue;
        };
        said.insert(
            id,
            Said {
                status: inputs.get("to").map(text).unwrap_or_default(),
                sha256: inputs.get("sha256").map(text).unwrap_or_default(),
                agent: record.agent.clone().unwrap_or_default(),
            },
        );
        if let Some(other) = inputs.get("other").filter(|o| o.is_object()) {
            let other_id = other["version"].as_i64().unwrap_or_default();
            match said.get_mut(&other_id) {
                Some(entry) => entry.status = text(&other["to"]),
                None => problems.push(format!(
                    "record {} changes version {other_id}, which no earlier record added",
                    row.seq
                )),
            }
        }
    }
    let versions = store.registry_versions(None)?;
    for version in &versions {
        let (id, agent) = (version.id, &version.agent);
        let Some(chain) = said.get(&id) else {
            problems.push(format!(
                "registry_versions: version {id} ({agent}) has no audit record: it was added behind the registry's back"
            ));
            continue;
        };
        if chain.status != version.status.as_str() {
            problems.push(format!(
                "registry_versions: version {id} ({agent}) is {}, but the audit chain says {}",
                version.status, chain.status
            ));
        }
        if chain.agent != *agent {
            problems.push(format!(
                "registry_versions: version {id} is {agent}'s, but the audit chain says {}'s",
                chain.agent
            ));
        }
        if chain.sha256 != version.sha256
            || rtgsim_persistence::sha256_hex(version.text.as_bytes()) != version.sha256
        {
            problems.push(format!(
                "registry_versions: version {id} ({agent}): its text is not the one its audit records name"
            ));
        }
    }
    for id in said.keys() {
        if !versions.iter().any(|v| v.id == *id) {
            problems.push(format!(
                "registry_versions: version {id} is in the audit chain but not stored (removed)"
            ));
        }
    }
    Ok(problems)
}

/// Prints a verdict (checked against the expected head first); exit code 1 when the
/// chain is not intact.
fn report(mut verdict: Verdict, expect_head: Option<&str>, json: bool) -> Result<(), Failure> {
    if let (Some(expected), true) = (expect_head, verdict.broken.is_none()) {
        let head = verdict.head.clone().unwrap_or_default();
        if !head.eq_ignore_ascii_case(expected.trim()) {
            verdict.problems.push(format!(
                "the chain's head is {head}, not the expected {}",
                expected.trim()
            ));
        }
    }
    let text = if json {
        verdict_json(&verdict)
    } else {
        verdict_line(&verdict)
    };
    write_stdout(&text)?;
    if verdict.intact() {
        Ok(())
    } else {
        Err(Failure::Findings)
    }
}

fn check_chain(run: i64, rows: &[AuditRow], head: Option<(u64, String)>, genesis: &str) -> Verdict {
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
        None => ChainHead::empty(genesis),
    };
    let chain = verify(&links, genesis, Some(&chain_head));
    // Records before a chain break passed verify (their hashes hold and their bodies
    // parse); a record disagreeing with its row among them is the earlier problem.
    // Records from the break on are not trusted, so they are not read.
    let checked = match &chain {
        Ok(_) => rows.len(),
        Err(broken) => usize::try_from(broken.position).map_or(rows.len(), |p| p.min(rows.len())),
    };
    let broken = match first_foreign(run, &rows[..checked], &links[..checked]) {
        Some(foreign) => Some(foreign),
        None => chain.as_ref().err().cloned(),
    };
    Verdict {
        run: Some(run),
        records: rows.len() as u64,
        head: match (&chain, &broken) {
            (Ok(summary), None) => Some(summary.last_hash.clone()),
            _ => head.map(|(_, last_hash)| last_hash),
        },
        genesis: genesis.to_string(),
        broken,
        problems: Vec::new(),
        notes: Vec::new(),
    }
}

/// The chain against the run's stored event log, which carries every record as an
/// `audit` event: the log must be the run's (its hash the run's `event_log_hash`),
/// and its audit events the stored records, one for one, hash for hash. A record's
/// hash covers its body, so equal hashes mean equal records.
fn event_log_problems(
    store: &Store,
    row: &RunRow,
    rows: &[AuditRow],
) -> Result<Vec<String>, StoreError> {
    let mut problems = Vec::new();
    let log = store.stored_log(row.id, None)?;
    if let Some(problem) = log.problems.first() {
        problems.push(format!(
            "the stored event log is damaged ({problem}): it cannot vouch for the chain"
        ));
    } else if let Some(hash) = &row.event_log_hash
        && *hash != log.sha256
    {
        problems.push(format!(
            "the stored event log does not hash to the run's event_log_hash ({} stored, {} recorded): it cannot vouch for the chain",
            short(&log.sha256),
            short(hash)
        ));
    }
    let filter = EventFilter {
        kind: Some("audit".into()),
        ..EventFilter::default()
    };
    let logged: Vec<(Option<u64>, String)> = store
        .events(row.id, &filter)?
        .iter()
        .map(|event| {
            let value: serde_json::Value = serde_json::from_str(&event.details).unwrap_or_default();
            (
                value["record"]["seq"].as_u64(),
                value["hash"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    if logged.len() != rows.len() {
        problems.push(format!(
            "the run's event log holds {} audit records, the audit table {}: the stored chain is not the one the run wrote",
            logged.len(),
            rows.len()
        ));
    }
    if let Some((position, ((seq, hash), row))) = logged
        .iter()
        .zip(rows)
        .enumerate()
        .find(|(_, ((seq, hash), row))| *seq != Some(row.seq) || *hash != row.hash)
    {
        problems.push(format!(
            "record {position} (seq {}): the audit table's record is not the event log's (hash {} stored, {} in the log{})",
            row.seq,
            short(&row.hash),
            short(hash),
            match seq {
                Some(seq) if *seq != row.seq => format!(", seq {seq} in the log"),
                _ => String::new(),
            }
        ));
    }
    Ok(problems)
}

/// The first record whose body disagrees with the row it is stored in: another run
/// (in a chain written before chains were bound, whose bodies say a run), or other
/// `day`, `tick` or `kind` columns.
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
    // Old chains say run 0 (the event log must not depend on where a run is
    // stored); a chain written for a particular run says that run.
    let said_run = match record.run {
        Some(0) | None => run,
        Some(other) => other,
    };
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
    let (subject, vouches, owner) = match verdict.run {
        Some(run) => (format!("run {run}"), "its event log", "the run's"),
        None => (
            "policy registry".to_string(),
            "its versions",
            "what its versions say",
        ),
    };
    let mut out = match (&verdict.broken, verdict.problems.is_empty()) {
        (None, true) => {
            let head = verdict.head.as_deref().unwrap_or_default();
            match verdict.records {
                0 => format!(
                    "{subject}: audit chain intact: no records, as {vouches}; head {head}\n"
                ),
                1 => {
                    format!("{subject}: audit chain intact: 1 record, as {vouches}; head {head}\n")
                }
                n => format!(
                    "{subject}: audit chain intact: {n} records, as {vouches}; head {head}\n"
                ),
            }
        }
        (Some(broken), _) => format!(
            "{subject}: audit chain BROKEN at {broken}\n  ({} records stored; nothing from this record on can be trusted)\n",
            verdict.records
        ),
        (None, false) => format!(
            "{subject}: audit chain NOT {owner} ({} records stored)\n",
            verdict.records
        ),
    };
    for problem in &verdict.problems {
        let _ = writeln!(out, "  - {problem}");
    }
    for note in &verdict.notes {
        let _ = writeln!(out, "  note: {note}");
    }
    out
}

fn verdict_json(verdict: &Verdict) -> String {
    let mut value = serde_json::json!({
        "run": verdict.run,
        "chain": if verdict.run.is_some() { "run" } else { "registry" },
        "ok": verdict.intact(),
        "records": verdict.records,
        "head": verdict.head,
        "genesis": verdict.genesis,
        "problems": verdict.problems,
        "notes": verdict.notes,
    });
    if let Some(broken) = &verdict.broken {
        value["position"] = broken.position.into();
        value["seq"] = broken.seq.into();
        value["problem"] = broken.kind.to_string().into();
    }
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}

/// One line per record: what was decided about what, when, and why.
fn show(rows: &[AuditRow], limit: Option<usize>, json: bool) -> Result<(), Failure> {
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
