//! `rtgsim policy add | list | show | diff | deploy | approve | reject | rollback`:
//! the policy registry of a database (see `rtgsim::registry` for the rules, and
//! docs/policy_lifecycle.md).

use crate::{Failure, Language, PolicyCommand, RbacArgs};
use rtgsim::registry::{self, Rbac, RegistryError};
use rtgsim_governance::rbac::Effect;
use rtgsim_persistence::{
    NewRegistryVersion, PolicyLanguage, RegistryVersion, Store, StoreError, Transition,
};
use rtgsim_policy_dsl::diff::diff as tree_diff;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

/// Hex digits of a SHA-256 shown in the table.
const HASH_SHOWN: usize = 12;

pub fn policy(command: PolicyCommand) -> Result<(), Failure> {
    match command {
        PolicyCommand::Add {
            db,
            file,
            agent,
            parent,
            principal,
            language,
        } => add(&db, &file, agent, parent, principal, language),
        PolicyCommand::List { db, agent, json } => list(&db, agent.as_deref(), json),
        PolicyCommand::Show { db, id, json } => show(&db, id, json),
        PolicyCommand::Diff { db, a, b, json } => diff(&db, a, b, json),
        PolicyCommand::Deploy {
            db,
            id,
            principal,
            rbac,
        } => deploy(&db, id, principal, &rbac),
        PolicyCommand::Approve {
            db,
            id,
            principal,
            rbac,
        } => {
            let (mut store, rbac) = open_with_rules(&db, &rbac)?;
            let done = registry::approve(&mut store, id, &principal, &rbac).map_err(refused)?;
            write_stdout(&format!("{}\n", describe(&done)))
        }
        PolicyCommand::Reject {
            db,
            id,
            principal,
            reason,
            rbac,
        } => {
            let (mut store, rbac) = open_with_rules(&db, &rbac)?;
            let done = registry::reject(&mut store, id, &principal, &reason, Some(&rbac))
                .map_err(refused)?;
            write_stdout(&format!("{}\n", describe(&done)))
        }
        PolicyCommand::Rollback {
            db,
            id,
            principal,
            reason,
            rbac,
        } => {
            let (mut store, rbac) = open_with_rules(&db, &rbac)?;
            let done = registry::rollback(&mut store, id, &principal, reason.as_deref(), &rbac)
                .map_err(refused)?;
            write_stdout(&format!("{}\n", describe(&done)))
        }
    }
}

fn add(
    db: &Path,
    file: &Path,
    agent: String,
    parent: Option<i64>,
    principal: String,
    language: Option<Language>,
) -> Result<(), Failure> {
    let name = file.display().to_string();
    let text = std::fs::read_to_string(file)
        .map_err(|e| Failure::Input(format!("{name}: cannot read: {e}")))?;
    let language = match language {
        Some(Language::Starlark) => PolicyLanguage::Starlark,
        Some(Language::Json) => PolicyLanguage::Json,
        Some(Language::Builtin) => PolicyLanguage::Builtin,
        None => registry::infer_language(file, &text).map_err(Failure::Input)?,
    };
    // Checked before the database is opened: an invalid policy leaves no trace.
    let warnings = registry::check_text(&name, language, &text).map_err(|errors| {
        Failure::Input(format!(
            "{name} is not a valid {language} policy; nothing was added\n\n{errors}"
        ))
    })?;
    eprint!("{warnings}");
    let mut store = open(db)?;
    let new = NewRegistryVersion {
        agent,
        language,
        text,
        parent_id: parent,
        author: principal,
    };
    let done = registry::add(&mut store, &new).map_err(refused)?;
    let version = &done.version;
    let parent = version
        .parent_id
        .map(|p| format!(", parent {p}"))
        .unwrap_or_default();
    write_stdout(&format!(
        "added version {} for {} ({}, proposed{parent}) by {}\n",
        version.id, version.agent, version.language, version.author
    ))
}

fn deploy(db: &Path, id: i64, principal: Option<String>, rbac: &RbacArgs) -> Result<(), Failure> {
    let (mut store, rules) = open_with_rules(db, rbac)?;
    let principal = match principal {
        Some(principal) => principal,
        None => store.registry_version(id).map_err(input)?.author,
    };
    let (done, decision) = registry::deploy(&mut store, id, &principal, &rules).map_err(refused)?;
    let mut rbac = format!(" ({}, {}", decision.effect, decision.rule());
    if decision.escalated {
        let _ = write!(rbac, ", {}", decision.reason.code());
    }
    rbac.push(')');
    let mut line = describe_with(&done, &rbac);
    if decision.effect == Effect::RequireApproval {
        let _ = write!(
            line,
            "\n  it waits for `rtgsim policy approve {id} --as PRINCIPAL` by another principal allowed {}",
            registry::APPROVE
        );
    }
    line.push('\n');
    write_stdout(&line)
}

/// One line saying what a transition did.
fn describe(done: &Transition) -> String {
    describe_with(done, "")
}

/// One line saying what a transition did, with `note` after the version's change.
fn describe_with(done: &Transition, note: &str) -> String {
    let version = &done.version;
    let mut line = format!(
        "version {} ({}): {} -> {}{note}",
        version.id,
        version.agent,
        done.from.map_or("(new)", |s| s.as_str()),
        version.status
    );
    if let Some((other, from, to)) = done.other {
        let _ = write!(line, "; version {other}: {from} -> {to}");
    }
    line
}

fn list(db: &Path, agent: Option<&str>, json: bool) -> Result<(), Failure> {
    let store = open_read(db)?;
    let versions = store.registry_versions(agent).map_err(input)?;
    if json {
        let rows: Vec<Value> = versions.iter().map(metadata).collect();
        return write_stdout(&(pretty(&Value::Array(rows)) + "\n"));
    }
    let mut out = format!(
        "{:>4}  {:<12}  {:<8}  {:<16}  {:>6}  {:<20}  {:<12}  evaluation\n",
        "id", "agent", "language", "status", "parent", "author", "sha256"
    );
    for v in &versions {
        let _ = writeln!(
            out,
            "{:>4}  {:<12}  {:<8}  {:<16}  {:>6}  {:<20}  {:<12}  {}",
            v.id,
            v.agent,
            v.language.as_str(),
            v.status.as_str(),
            v.parent_id.map_or("-".to_string(), |p| p.to_string()),
            v.author,
            v.sha256.get(..HASH_SHOWN).unwrap_or(&v.sha256),
            if v.evaluation.is_some() { "yes" } else { "-" }
        );
    }
    if versions.is_empty() {
        out.push_str("(no policy versions)\n");
    }
    write_stdout(&out)
}

/// A version without its text and evaluation (which `show` gives).
fn metadata(v: &RegistryVersion) -> Value {
    json!({
        "id": v.id,
        "agent": v.agent,
        "language": v.language,
        "status": v.status,
        "parent": v.parent_id,
        "author": v.author,
        "created_at": v.created_at,
        "sha256": v.sha256,
        "replaced": v.replaced_id,
        "requested_by": v.requested_by,
        "evaluation_sha256": v.evaluation_sha256,
    })
}

fn show(db: &Path, id: i64, json: bool) -> Result<(), Failure> {
    let store = open_read(db)?;
    let v = store.registry_version(id).map_err(input)?;
    if json {
        let mut value = metadata(&v);
        value["text"] = Value::String(v.text.clone());
        value["evaluation"] = match &v.evaluation {
            Some(text) => serde_json::from_str(text).unwrap_or(Value::String(text.clone())),
            None => Value::Null,
        };
        return write_stdout(&(pretty(&value) + "\n"));
    }
    let mut out = String::new();
    let _ = writeln!(out, "version     {}", v.id);
    let _ = writeln!(out, "agent       {}", v.agent);
    let _ = writeln!(out, "language    {}", v.language);
    let _ = writeln!(out, "status      {}", v.status);
    let _ = writeln!(
        out,
        "parent      {}",
        v.parent_id.map_or("-".to_string(), |p| p.to_string())
    );
    let _ = writeln!(out, "author      {}", v.author);
    let _ = writeln!(out, "created at  {} (unix seconds)", v.created_at);
    let _ = writeln!(out, "sha256      {}", v.sha256);
    if let Some(replaced) = v.replaced_id {
        let _ = writeln!(out, "replaced    {replaced} (a rollback restores it)");
    }
    if let Some(by) = &v.requested_by {
        let _ = writeln!(out, "requested   by {by} (waiting for approval)");
    }
    let _ = writeln!(
        out,
        "evaluation  {}",
        v.evaluation_sha256
            .as_deref()
            .map_or("-".to_string(), |sha| format!("attached (sha256 {sha})"))
    );
    out.push('\n');
    out.push_str(&v.text);
    if !v.text.ends_with('\n') {
        out.push('\n');
    }
    write_stdout(&out)
}

fn diff(db: &Path, a: i64, b: i64, json: bool) -> Result<(), Failure> {
    let store = open_read(db)?;
    let old = store.registry_version(a).map_err(input)?;
    let new = store.registry_version(b).map_err(input)?;
    let by_node = matches!(
        (old.language, new.language),
        (PolicyLanguage::Json, PolicyLanguage::Json)
            | (PolicyLanguage::Builtin, PolicyLanguage::Builtin)
    );
    let parsed = match (
        serde_json::from_str::<Value>(&old.text),
        serde_json::from_str::<Value>(&new.text),
    ) {
        (Ok(x), Ok(y)) if by_node => Some((x, y)),
        _ => None,
    };
    let header = format!(
        "--- version {a} ({}, {}, {})\n+++ version {b} ({}, {}, {})\n",
        old.agent, old.language, old.status, new.agent, new.language, new.status
    );
    let Some((x, y)) = parsed else {
        let text = similar::TextDiff::from_lines(&old.text, &new.text)
            .unified_diff()
            .context_radius(3)
            .header(&format!("version {a}"), &format!("version {b}"))
            .to_string();
        if json {
            return write_stdout(
                &(pretty(&json!({"a": a, "b": b, "by": "text", "diff": text})) + "\n"),
            );
        }
        let body = if text.is_empty() {
            "(the texts are the same)\n".to_string()
        } else {
            text
        };
        return write_stdout(&body);
    };
    let changes = tree_diff(&x, &y);
    if json {
        return write_stdout(
            &(pretty(&json!({"a": a, "b": b, "by": "node", "changes": changes})) + "\n"),
        );
    }
    let mut out = header;
    for change in &changes {
        let _ = writeln!(out, "{change}");
    }
    if changes.is_empty() {
        out.push_str("(no changes)\n");
    }
    write_stdout(&out)
}

fn open(db: &Path) -> Result<Store, Failure> {
    Store::open(db).map_err(input)
}

fn open_read(db: &Path) -> Result<Store, Failure> {
    Store::open_read_only(db).map_err(input)
}

/// The rules first (a bad rule file is reported before the database is touched).
fn open_with_rules(db: &Path, args: &RbacArgs) -> Result<(Store, Rbac), Failure> {
    let rules = Rbac::load(&args.rbac, args.risk).map_err(Failure::Input)?;
    Ok((open(db)?, rules))
}

fn input(error: StoreError) -> Failure {
    Failure::Input(error.to_string())
}

/// A refused or impossible change: an input error (exit code 2); nothing changed.
fn refused(error: RegistryError) -> Failure {
    Failure::Input(error.to_string())
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

fn write_stdout(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::Run(format!("writing the output: {e}")))
}
