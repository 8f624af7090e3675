//! Checks of a JSON decision tree: everything the DSL's parser and validator refuse
//! (errors), then, for a valid document, what it accepts but is probably a mistake
//! (warnings): branches the conditions above them rule out, conditions that are
//! constant, parameters nothing uses, divisions by a field that may be zero, and
//! conditions whose branches decide the same.

mod intervals;
mod locate;

use crate::codes::Code;
use crate::finding::{Finding, Place};
use crate::source::Source;
use intervals::{Facts, Truth};
use rtgsim_diagnostics::Span;
use rtgsim_diagnostics::diagnostic::shown_path;
use rtgsim_policy_dsl::LoadError;
use rtgsim_policy_dsl::ast::{
    BinaryOp, Compute, Document, Expr, Node, NodeKind, Param, ParamValue, Value, ValueKind,
};
use std::collections::{BTreeSet, HashMap};

/// Findings for a document's text.
pub fn analyze_text(file: &str, text: &str) -> Vec<Finding> {
    let source = Source::new(text);
    let spans = locate::spans(text);
    let locator = Locator {
        file,
        source: Some(&source),
        spans: &spans,
    };
    match rtgsim_policy_dsl::parse::parse_text(text) {
        Ok(document) => analyze_document(&locator, &document),
        Err(LoadError::Json {
            line,
            column,
            message,
        }) => vec![
            Finding::new(
                Code::InvalidJson,
                file,
                format!("not valid JSON: {message}"),
            )
            .at(Some(Place::at(Span {
                line,
                column,
                end_line: line,
                end_column: column + 1,
            }))),
        ],
        Err(LoadError::Invalid(problems)) => locator.invalid(problems),
    }
}

/// Findings for a document read as JSON already: places are JSON paths.
pub fn analyze_value(file: &str, value: &serde_json::Value) -> Vec<Finding> {
    let spans = HashMap::new();
    let locator = Locator {
        file,
        source: None,
        spans: &spans,
    };
    match rtgsim_policy_dsl::parse::parse_value(value) {
        Ok(document) => analyze_document(&locator, &document),
        Err(problems) => locator.invalid(problems),
    }
}

fn analyze_document(locator: &Locator<'_>, document: &Document) -> Vec<Finding> {
    let problems = rtgsim_policy_dsl::validate::validate(document);
    if !problems.is_empty() {
        return locator.invalid(problems);
    }
    let mut walk = Walk {
        locator,
        document,
        findings: Vec::new(),
        used: BTreeSet::new(),
    };
    for (_, root) in document.trees.iter() {
        walk.node(root, &Facts::default());
    }
    for name in document.parameters.keys() {
        if !walk.used.contains(name) {
            let finding = Finding::new(
                Code::UnusedParameter,
                locator.file,
                format!("the parameter \"{name}\" is not used by any tree"),
            )
            .at(locator.place(&format!("parameters.{name}"), None))
            .help("remove it, or refer to it with {\"param\": \"...\"}");
            walk.findings.push(finding);
        }
    }
    walk.findings
}

/// Places for JSON paths.
struct Locator<'a> {
    file: &'a str,
    source: Option<&'a Source<'a>>,
    spans: &'a HashMap<String, (usize, usize)>,
}

impl Locator<'_> {
    fn place(&self, path: &str, node_id: Option<&str>) -> Option<Place> {
        // Without the text (a document read as JSON already), or where the path is not
        // found in it, the place is the path alone (line 0).
        let span = match (self.source, locate::find(self.spans, path)) {
            (Some(source), Some((start, end))) => source.span(start, end),
            _ => Span {
                line: 0,
                column: 0,
                end_line: 0,
                end_column: 0,
            },
        };
        Some(Place {
            span,
            json_path: Some(shown_path(path).to_string()),
            node_id: node_id.map(str::to_string),
        })
    }

    /// E102 for each problem the DSL found.
    fn invalid(&self, problems: Vec<rtgsim_policy_dsl::Diagnostic>) -> Vec<Finding> {
        problems
            .into_iter()
            .map(|problem| {
                let mut finding = Finding::new(Code::InvalidTree, self.file, problem.message)
                    .at(self.place(&problem.path, problem.node_id.as_deref()));
                finding.help = problem.help;
                finding
            })
            .collect()
    }
}

struct Walk<'a> {
    locator: &'a Locator<'a>,
    document: &'a Document,
    findings: Vec<Finding>,
    /// Parameters referred to anywhere.
    used: BTreeSet<String>,
}

impl Walk<'_> {
    fn report(&mut self, code: Code, path: &str, node: &Node, message: String, help: Option<&str>) {
        let mut finding = Finding::new(code, self.locator.file, message)
            .at(self.locator.place(path, Some(&node.node_id)));
        finding.help = help.map(str::to_string);
        self.findings.push(finding);
    }

    /// Walks a node knowing `facts` (what the conditions above it established).
    fn node(&mut self, node: &Node, facts: &Facts) {
        match &node.kind {
            NodeKind::Action { parameters, .. } => {
                for param in parameters.values() {
                    if let ParamValue::Number(value) = &param.value {
                        self.value(value, node, facts);
                    }
                }
            }
            NodeKind::Condition {
                condition,
                on_true,
                on_false,
            } => {
                self.condition(condition, node, facts);
                if same_decision(on_true, on_false) {
                    self.report(
                        Code::IrrelevantCondition,
                        &node.path,
                        node,
                        format!(
                            "both branches of {} decide the same, so its condition does not matter",
                            node.node_id
                        ),
                        Some("replace the condition by either branch"),
                    );
                }
                let truth = facts.truth(condition, &self.document.parameters);
                let constant = Facts::default().truth(condition, &self.document.parameters);
                if constant != Truth::Unknown {
                    let always = if constant == Truth::True {
                        "true"
                    } else {
                        "false"
                    };
                    self.report(
                        Code::ConstantCondition,
                        &format!("{}.condition", node.path),
                        node,
                        format!("the condition of {} is always {always}", node.node_id),
                        Some("it does not depend on the state: check what it compares (flags are 0 or 1, priorities 0 to 10)"),
                    );
                } else if truth != Truth::Unknown {
                    let (dead, taken) = if truth == Truth::True {
                        (on_false, "true")
                    } else {
                        (on_true, "false")
                    };
                    self.report(
                        Code::UnreachableBranch,
                        &dead.path,
                        dead,
                        format!(
                            "{} can never be reached: the conditions above make the condition of {} always {taken}",
                            dead.node_id, node.node_id
                        ),
                        Some("remove the branch, or correct the comparison that rules it out"),
                    );
                }
                if truth != Truth::False {
                    self.node(
                        on_true,
                        &facts.assume(condition, true, &self.document.parameters),
                    );
                }
                if truth != Truth::True {
                    self.node(
                        on_false,
                        &facts.assume(condition, false, &self.document.parameters),
                    );
                }
            }
        }
    }

    /// Checks the values of a condition; within an `and`, earlier comparisons guard
    /// later ones.
    fn condition(&mut self, condition: &Expr, node: &Node, facts: &Facts) {
        match condition {
            Expr::Compare { left, right, .. } => {
                self.value(left, node, facts);
                self.value(right, node, facts);
            }
            Expr::And(items) => {
                let mut guarded = facts.clone();
                for item in items {
                    self.condition(item, node, &guarded);
                    guarded = guarded.assume(item, true, &self.document.parameters);
                }
            }
            Expr::Or(items) => {
                let mut guarded = facts.clone();
                for item in items {
                    self.condition(item, node, &guarded);
                    guarded = guarded.assume(item, false, &self.document.parameters);
                }
            }
            Expr::Not(inner) => self.condition(inner, node, facts),
        }
    }

    /// Records parameters used; W204 for a division by a field that may be zero.
    fn value(&mut self, value: &Value, node: &Node, facts: &Facts) {
        for inner in value.walk() {
            match &inner.kind {
                ValueKind::Param(name) => {
                    self.used.insert(name.clone());
                }
                ValueKind::Compute(compute) => {
                    if let Compute::Binary {
                        op: BinaryOp::Div,
                        right,
                        ..
                    } = compute.as_ref()
                    {
                        self.division(right, node, facts);
                    }
                }
                _ => {}
            }
        }
    }

    /// W204 when `divisor` is a field that may be zero here.
    fn division(&mut self, divisor: &Value, node: &Node, facts: &Facts) {
        if let ValueKind::Field(field) = divisor.kind
            && facts.may_be_zero(field)
        {
            let name = rtgsim_core::CATALOG
                .iter()
                .find(|s| s.field == field)
                .map_or("the field", |s| s.name);
            self.report(
                Code::UnguardedDivision,
                &divisor.path,
                node,
                format!("a division by {name}, which can be zero here; the call then fails and holds everything"),
                Some("use {\"op\": \"div0\", ...} with a default, or test the field first"),
            );
        }
    }
}

/// Whether two subtrees decide the same in every state (node ids and paths aside).
fn same_decision(a: &Node, b: &Node) -> bool {
    match (&a.kind, &b.kind) {
        (
            NodeKind::Action {
                action: x,
                parameters: p,
            },
            NodeKind::Action {
                action: y,
                parameters: q,
            },
        ) => {
            x == y
                && p.len() == q.len()
                && p.iter()
                    .zip(q)
                    .all(|((k, v), (l, w))| k == l && same_param(v, w))
        }
        (
            NodeKind::Condition {
                condition: c,
                on_true: t,
                on_false: f,
            },
            NodeKind::Condition {
                condition: d,
                on_true: u,
                on_false: g,
            },
        ) => same_expr(c, d) && same_decision(t, u) && same_decision(f, g),
        _ => false,
    }
}

fn same_param(a: &Param, b: &Param) -> bool {
    match (&a.value, &b.value) {
        (ParamValue::Number(x), ParamValue::Number(y)) => same_value(x, y),
        (x, y) => x == y,
    }
}

fn same_expr(a: &Expr, b: &Expr) -> bool {
    match (a, b) {
        (
            Expr::Compare { op, left, right },
            Expr::Compare {
                op: op2,
                left: left2,
                right: right2,
            },
        ) => op == op2 && same_value(left, left2) && same_value(right, right2),
        (Expr::And(x), Expr::And(y)) | (Expr::Or(x), Expr::Or(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_expr(p, q))
        }
        (Expr::Not(x), Expr::Not(y)) => same_expr(x, y),
        _ => false,
    }
}

/// Values equal apart from their paths.
fn same_value(a: &Value, b: &Value) -> bool {
    match (&a.kind, &b.kind) {
        (ValueKind::Compute(x), ValueKind::Compute(y)) => same_compute(x, y),
        (x, y) => x == y,
    }
}

/// Computations equal apart from their paths: the same operator over operands
/// that are the same.
fn same_compute(a: &Compute, b: &Compute) -> bool {
    a.shape() == b.shape()
        && a.operands()
            .zip(b.operands())
            .all(|(x, y)| same_value(x, y))
}

#[cfg(test)]
mod tests {
    use super::analyze_text;

    /// A document whose two branches test `computation <= 3`, the first with
    /// `first`, the second with `second`, and otherwise decide the same.
    fn branches(first: &str, second: &str) -> String {
        let branch = |n: u32, compute: &str| {
            format!(
                r#"{{"type": "condition", "node_id": "C{n}",
                "condition": {{"op": "<=", "left": {{"compute": {compute}}}, "right": {{"value": 3}}}},
                "on_true": {{"type": "action", "node_id": "GO_{n}", "action": "Release"}},
                "on_false": {{"type": "action", "node_id": "WAIT_{n}", "action": "Hold"}}}}"#
            )
        };
        format!(
            r#"{{"version": "2.0", "policy_id": "p", "payment_tree": {{"type": "condition", "node_id": "EOD",
            "condition": {{"op": "==", "left": {{"field": "is_eod_rush"}}, "right": {{"value": 1}}}},
            "on_true": {}, "on_false": {}}}}}"#,
            branch(1, first),
            branch(2, second)
        )
    }

    fn same_branches_found(first: &str, second: &str) -> bool {
        analyze_text("p.json", &branches(first, second))
            .iter()
            .any(|finding| finding.code == "W205")
    }

    #[test]
    fn computations_are_the_same_when_operator_and_operands_are() {
        let minus = r#"{"op": "-", "left": {"field": "ticks_to_deadline"}, "right": {"value": 1}}"#;
        assert!(same_branches_found(minus, minus));
        let nested = r#"{"op": "max", "values": [{"value": 1}, {"compute": {"op": "clamp",
            "value": {"field": "queue_age"}, "min": {"value": 0}, "max": {"value": 9}}}]}"#;
        assert!(same_branches_found(nested, nested));
    }

    #[test]
    fn computations_differ_in_operator_operand_order_or_count() {
        let minus = r#"{"op": "-", "left": {"field": "ticks_to_deadline"}, "right": {"value": 1}}"#;
        let plus = r#"{"op": "+", "left": {"field": "ticks_to_deadline"}, "right": {"value": 1}}"#;
        let swapped =
            r#"{"op": "-", "left": {"value": 1}, "right": {"field": "ticks_to_deadline"}}"#;
        assert!(!same_branches_found(minus, plus));
        assert!(!same_branches_found(minus, swapped));
        let two = r#"{"op": "max", "values": [{"value": 1}, {"value": 2}]}"#;
        let three = r#"{"op": "max", "values": [{"value": 1}, {"value": 2}, {"value": 3}]}"#;
        let min = r#"{"op": "min", "values": [{"value": 1}, {"value": 2}]}"#;
        assert!(!same_branches_found(two, three));
        assert!(!same_branches_found(two, min));
        let inner = |max: u32| {
            format!(
                r#"{{"op": "clamp", "value": {{"field": "queue_age"}}, "min": {{"value": 0}}, "max": {{"value": {max}}}}}"#
            )
        };
        assert!(!same_branches_found(&inner(9), &inner(8)));
    }
}
