//! `docs/dsl_reference.md` lists every action (with the capability it asks for) and
//! every field, in tables generated from the action catalog, core's policy API table
//! and the core field catalog. This test renders the tables
//! and fails if the document differs; run it with `UPDATE_DOCS=1` to rewrite them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_core::CATALOG;
use rtgsim_core::testkit::replace_generated;
use rtgsim_policy_dsl::actions::{ACTIONS, ParamType};
use rtgsim_policy_dsl::ast::TreeKind;
use std::fmt::Write as _;
use std::path::PathBuf;

fn doc_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/dsl_reference.md")
}

fn actions_table() -> String {
    let mut out = String::from(
        "| action | trees | parameters | meaning | capability |\n| --- | --- | --- | --- | --- |\n",
    );
    for spec in ACTIONS {
        let trees: Vec<&str> = spec.trees.iter().map(|t| t.key()).collect();
        let params: Vec<String> = spec
            .params
            .iter()
            .map(|p| {
                let ty = match p.ty {
                    ParamType::Number => "number".to_string(),
                    ParamType::Word(words) => words.join("/"),
                    ParamType::Text => "text".to_string(),
                    ParamType::Bool => "true/false".to_string(),
                    ParamType::AgentList => "list of agent ids".to_string(),
                };
                let required = if p.required { "" } else { ", optional" };
                format!("`{}` ({ty}{required}): {}", p.name, p.meaning)
            })
            .collect();
        let params = if params.is_empty() {
            "none".to_string()
        } else {
            params.join("<br>")
        };
        let capability = spec
            .action
            .capability()
            .map_or("none".to_string(), |c| format!("`{}`", c.name()));
        let _ = writeln!(
            out,
            "| `{}` | {} | {params} | {} | {capability} |",
            spec.name,
            trees.join(", "),
            spec.meaning
        );
    }
    out
}

fn fields_table() -> String {
    let mut out = String::from(
        "| field | also | reads | type | unit | meaning |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for spec in CATALOG {
        let (scope, ty, unit) = (spec.scope.label(), spec.ty.label(), spec.unit.label());
        let aliases: Vec<String> = spec.aliases.iter().map(|a| format!("`{a}`")).collect();
        let _ = writeln!(
            out,
            "| `{}` | {} | {scope} | {ty} | {unit} | {} |",
            spec.name,
            aliases.join(", "),
            spec.meaning
        );
    }
    out
}

#[test]
fn the_reference_lists_every_action_and_field() {
    let path = doc_path();
    let text = std::fs::read_to_string(&path).unwrap();
    let expected = replace_generated(
        &replace_generated(&text, "actions", &actions_table()),
        "fields",
        &fields_table(),
    );
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &expected).unwrap();
        return;
    }
    assert!(
        text == expected,
        "docs/dsl_reference.md is out of date with the catalogs: run `UPDATE_DOCS=1 cargo test -p rtgsim-policy-dsl --test reference_doc`"
    );
    // And the hand-written parts name every operator and computation.
    for op in [
        "==",
        "!=",
        "<=",
        ">=",
        "\"and\"",
        "\"or\"",
        "\"not\"",
        "\"max\"",
        "\"min\"",
        "\"ceil\"",
        "\"floor\"",
        "\"round\"",
        "\"abs\"",
        "\"clamp\"",
        "\"div0\"",
    ] {
        assert!(text.contains(op), "the reference does not mention {op}");
    }
    for kind in TreeKind::ALL {
        assert!(
            text.contains(kind.key()),
            "the reference does not mention {}",
            kind.key()
        );
    }
}
