//! The actions a script's decisions can name, read from its syntax tree: what
//! `rtgsim check --rbac` asks the rules about before a script is deployed.
//!
//! The scan is deliberately broader than the checks in `checks.rs`: it does not
//! follow which functions are reachable or which dicts reach a return, it takes
//! every dict literal (and every `dict(...)` call) anywhere in the script that has
//! an `"action"` key. A dict that is not a decision after all only adds an action to
//! ask about, which errs on the side of asking too much, never too little.

use starlark::syntax::Dialect;
use starlark::syntax::ast::{ArgumentP, AstExpr, AstLiteral, AstStmt, ExprP};
use starlark_syntax::syntax::uniplate::Visit;
use std::collections::BTreeSet;

/// What a script's decision dicts say their `"action"` is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecisionActions {
    /// Every string literal given as an action (both branches of a conditional
    /// expression count), each once, sorted, as written (`"Release"`, `"Post"`).
    pub literals: BTreeSet<String>,
    /// Whether some action is computed (a variable, a call...): then `literals`
    /// may not be every action the script can take.
    pub computed: bool,
}

/// The actions named by the decisions of the script `source`; `None` when it does
/// not parse (the analyzer reports that as a syntax error).
pub fn decision_actions(source: &str) -> Option<DecisionActions> {
    // The same dialect as the analysis, so a script that analyses also scans.
    let dialect = Dialect {
        enable_load: true,
        ..Dialect::Standard
    };
    let ast = rtgsim_policy_starlark::syntax::parse("script", source, &dialect).ok()?;
    let mut found = DecisionActions::default();
    statement(ast.statement(), &mut found);
    Some(found)
}

fn statement(statement: &AstStmt, found: &mut DecisionActions) {
    statement.visit_children(|child| visit(child, found));
}

fn visit(child: Visit<'_, starlark::syntax::ast::AstNoPayload>, found: &mut DecisionActions) {
    match child {
        Visit::Stmt(s) => statement(s, found),
        Visit::Expr(e) => expr(e, found),
    }
}

fn expr(expr: &AstExpr, found: &mut DecisionActions) {
    match &expr.node {
        ExprP::Dict(entries) => {
            for (key, value) in entries {
                if matches!(&key.node, ExprP::Literal(AstLiteral::String(k)) if k.node == "action")
                {
                    action_value(value, found);
                }
            }
        }
        ExprP::Call(function, arguments) if is_identifier(function, "dict") => {
            for argument in &arguments.args {
                if let ArgumentP::Named(name, value) = &argument.node
                    && name.node == "action"
                {
                    action_value(value, found);
                }
            }
        }
        _ => {}
    }
    // Decisions nest inside other expressions (`decisions.append({...})`, lists,
    // comprehensions), so every child is scanned too.
    expr.node.visit_expr(|child| self::expr(child, found));
}

/// Records what an `"action"` value can be.
fn action_value(value: &AstExpr, found: &mut DecisionActions) {
    match &value.node {
        ExprP::Literal(AstLiteral::String(text)) => {
            found.literals.insert(text.node.clone());
        }
        ExprP::If(branches) => {
            let (_, when_true, when_false) = &**branches;
            action_value(when_true, found);
            action_value(when_false, found);
        }
        _ => found.computed = true,
    }
}

fn is_identifier(expr: &AstExpr, name: &str) -> bool {
    matches!(&expr.node, ExprP::Identifier(id) if id.node.ident == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literals(found: &DecisionActions) -> Vec<&str> {
        found.literals.iter().map(String::as_str).collect()
    }

    #[test]
    fn finds_literal_actions_wherever_a_decision_is_built() {
        let source = r#"
def evaluate_queue(transactions, agent, system, state):
    out = [{"action": "Release", "tx_id": tx.id} for tx in transactions if tx.priority > 5]
    for tx in transactions:
        out.append({"action": "Split" if tx.amount > 10 else "Hold", "tx_id": tx.id})
    return out

def strategic_collateral(agent, system, state):
    return dict(action = "Post", amount = 1)
"#;
        let found = decision_actions(source);
        assert_eq!(
            found.as_ref().map(literals),
            Some(vec!["Hold", "Post", "Release", "Split"])
        );
        assert_eq!(found.map(|f| f.computed), Some(false));
    }

    #[test]
    fn an_action_computed_at_run_time_is_flagged() {
        let source = "def evaluate_queue(t, a, s, st):\n    kind = \"Drop\"\n    return [{\"action\": kind, \"tx_id\": x.id} for x in t]\n";
        let found = decision_actions(source);
        assert_eq!(found.as_ref().map(|f| f.literals.len()), Some(0));
        assert_eq!(found.map(|f| f.computed), Some(true));
    }

    #[test]
    fn a_script_that_does_not_parse_has_no_answer() {
        assert_eq!(decision_actions("def evaluate_queue(:\n"), None);
    }
}
