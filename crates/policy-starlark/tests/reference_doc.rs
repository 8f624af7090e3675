//! `docs/starlark_api_reference.md` lists every decision a script can return and
//! every attribute of `tx`, `agent` and `system`, in tables generated from core's
//! policy API table, the objects' schemas and the core field catalog. This test
//! renders the tables and fails if the document differs; run it with
//! `UPDATE_DOCS=1` to rewrite them. It also checks that the hand-written parts name
//! every entry point, decision key, limit and built-in function a script can use.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_core::CATALOG;
use rtgsim_core::fields::FieldScope;
use rtgsim_core::policy_api::{DECISION_KEYS, KeyUse, SCRIPT_DECISIONS, ScriptContext};
use rtgsim_core::testkit::replace_generated;
use rtgsim_policy_starlark::EntryPoint;
use rtgsim_policy_starlark::objects::{
    AGENT_EXTRAS, AGENT_SCOPES, Extra, SYSTEM_SCOPES, TX_EXTRAS, TX_SCOPES,
};
use std::fmt::Write as _;
use std::path::PathBuf;

fn doc_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/starlark_api_reference.md")
}

/// The table of one object: its identifiers, then its catalog fields in catalog order.
fn table(object: &str, extras: &[Extra], scopes: &[FieldScope]) -> String {
    let mut out = String::from(
        "| attribute | also | type | unit | meaning |\n| --- | --- | --- | --- | --- |\n",
    );
    for extra in extras {
        let _ = writeln!(
            out,
            "| `{object}.{}` |  | {} | id | {} |",
            extra.name, extra.ty, extra.meaning
        );
    }
    for spec in CATALOG.iter().filter(|spec| scopes.contains(&spec.scope)) {
        let aliases: Vec<String> = spec.aliases.iter().map(|a| format!("`{a}`")).collect();
        let ty = spec.ty.label();
        let _ = writeln!(
            out,
            "| `{object}.{}` | {} | {ty} | {} | {} |",
            spec.name,
            aliases.join(", "),
            spec.unit.label(),
            spec.meaning
        );
    }
    out
}

/// The decisions of one context: the dict with its required keys, the optional
/// keys, what it does and the capability RBAC rules must allow for it.
fn decisions_table(context: ScriptContext) -> String {
    let mut out =
        String::from("| decision | keys | effect | capability |\n| --- | --- | --- | --- |\n");
    for decision in context.decisions() {
        let mut written = vec![format!("\"action\": \"{}\"", decision.name)];
        let mut optional = Vec::new();
        for (key, key_use) in decision.keys {
            let spec = key.spec();
            match key_use {
                KeyUse::Required => {
                    written.push(format!("\"{}\": {}", spec.name, spec.placeholder))
                }
                KeyUse::Optional => {
                    let range = if spec.range.is_empty() {
                        String::new()
                    } else {
                        format!(" {}", spec.range)
                    };
                    optional.push(format!(
                        "`{}` ({}{range}, optional)",
                        spec.name,
                        spec.ty.label()
                    ));
                }
                // Accepted and not read: nothing a script needs to know.
                KeyUse::Ignored => {}
            }
        }
        let capability = decision
            .decision
            .capability()
            .map_or("none".to_string(), |c| format!("`{}`", c.name()));
        let _ = writeln!(
            out,
            "| `{{{}}}` | {} | {} | {capability} |",
            written.join(", "),
            optional.join(", "),
            decision.effect
        );
    }
    out
}

#[test]
fn the_reference_lists_every_attribute() {
    let path = doc_path();
    let text = std::fs::read_to_string(&path).unwrap();
    let mut expected = replace_generated(
        &text,
        "payment_decisions",
        &decisions_table(ScriptContext::Payment),
    );
    expected = replace_generated(
        &expected,
        "collateral_decisions",
        &decisions_table(ScriptContext::Collateral),
    );
    expected = replace_generated(&expected, "tx", &table("tx", TX_EXTRAS, TX_SCOPES));
    expected = replace_generated(
        &expected,
        "agent",
        &table("agent", AGENT_EXTRAS, AGENT_SCOPES),
    );
    expected = replace_generated(&expected, "system", &table("system", &[], SYSTEM_SCOPES));
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).unwrap();
        return;
    }
    assert!(
        text == expected,
        "docs/starlark_api_reference.md is out of date with the catalog: run `UPDATE_DOCS=1 cargo test -p rtgsim-policy-starlark --test reference_doc`"
    );
}

#[test]
fn the_reference_names_every_entry_point_decision_and_limit() {
    let text = std::fs::read_to_string(doc_path()).unwrap();
    for point in EntryPoint::ALL {
        let signature = format!("{}({})", point.name(), point.parameters().join(", "));
        assert!(
            text.contains(&signature),
            "the reference does not give `{signature}`"
        );
    }
    for decision in SCRIPT_DECISIONS {
        let needle = format!("\"{}\"", decision.name);
        assert!(
            text.contains(&needle),
            "the reference does not mention {needle}"
        );
    }
    for key in DECISION_KEYS {
        let needle = format!("\"{}\"", key.name);
        assert!(
            text.contains(&needle),
            "the reference does not mention {needle}"
        );
    }
    for needle in [
        "max_steps",
        "max_call_depth",
        "max_heap_bytes",
        "`struct`",
        "`map`",
        "`filter`",
        "`partial`",
        "`set`",
        "`print`",
        "`load`",
    ] {
        assert!(
            text.contains(needle),
            "the reference does not mention {needle}"
        );
    }
}
