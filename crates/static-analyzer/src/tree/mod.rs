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
            .at(Some(Place {
                line,
                column,
                end_line: line,
                end_column: column + 1,
                json_path: None,
                node_id: None,
            })),
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
        let (line, column, end_line, end_column) =
            match (self.source, locate::find(self.spans, path)) {
                (Some(source), Some((start, end))) => {
                    let place = source.place(start, end);
                    (place.line, place.column, place.end_line, place.end_column)
                }
                _ => (0, 0, 0, 0),
            };
        Some(Place {
            line,
            column,
            end_line,
            end_column,
            json_path: Some(if path.is_empty() {
                "(document)".to_string()
            } else {
                path.to_string()
            }),
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
        match &value.kind {
            ValueKind::Param(name) => {
                self.used.insert(name.clone());
            }
            ValueKind::Compute(compute) => match compute.as_ref() {
                Compute::Binary { op, left, right } => {
                    if *op == BinaryOp::Div
                        && let ValueKind::Field(field) = right.kind
                        && facts.may_be_zero(field)
                    {
                        let name = rtgsim_core::CATALOG
                            .iter()
                            .find(|s| s.field == field)
                            .map_or("the field", |s| s.name);
                        self.report(
                            Code::UnguardedDivision,
                            &right.path,
                            node,
                            format!("a division by {name}, which can be zero here; the call then fails and holds everything"),
                            Some("use {\"op\": \"div0\", ...} with a default, or test the field first"),
                        );
                    }
                    self.value(left, node, facts);
                    self.value(right, node, facts);
                }
                Compute::Max(items) | Compute::Min(items) => {
                    for item in items {
                        self.value(item, node, facts);
                    }
                }
                Compute::Unary { value, .. } => self.value(value, node, facts),
                Compute::Clamp { value, min, max } => {
                    for item in [value, min, max] {
                        self.value(item, node, facts);
                    }
                }
                Compute::Div0 {
                    numerator,
                    denominator,
                    default,
                } => {
                    for item in [numerator, denominator, default] {
                        self.value(item, node, facts);
                    }
                }
            },
            _ => {}
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

fn same_values(a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_value(x, y))
}

fn same_compute(a: &Compute, b: &Compute) -> bool {
    match (a, b) {
        (
            Compute::Binary { op, left, right },
            Compute::Binary {
                op: op2,
                left: left2,
                right: right2,
            },
        ) => op == op2 && same_value(left, left2) && same_value(right, right2),
        (Compute::Max(x), Compute::Max(y)) | (Compute::Min(x), Compute::Min(y)) => {
            same_values(x, y)
        }
        (
            Compute::Unary { op, value },
            Compute::Unary {
                op: op2,
                value: value2,
            },
        ) => op == op2 && same_value(value, value2),
        (
            Compute::Clamp { value, min, max },
            Compute::Clamp {
                value: v2,
                min: n2,
                max: x2,
            },
        ) => same_value(value, v2) && same_value(min, n2) && same_value(max, x2),
        (
            Compute::Div0 {
                numerator,
                denominator,
                default,
            },
            Compute::Div0 {
                numerator: n2,
                denominator: d2,
                default: f2,
            },
        ) => same_value(numerator, n2) && same_value(denominator, d2) && same_value(default, f2),
        _ => false,
    }
}
