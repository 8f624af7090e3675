//! The meaning checks, run on a parsed document before anything can evaluate it:
//! unique node ids, parameters that exist, a bounded depth, no division by a literal
//! zero, fields and actions that the tree's kind allows, action parameters present
//! and of the right type, and at most [`MAX_REGISTERS`] registers. Every problem is
//! reported, each with its path and node.

use crate::actions::ParamType;
use crate::ast::{
    ActionName, BinaryOp, Compute, Document, Expr, Node, NodeKind, ParamValue, TreeKind, Value,
    ValueKind,
};
use crate::diagnostic::Diagnostic;
use crate::parse::REGISTER_PREFIX;
use crate::program::priority_of_word;
use rtgsim_core::fields::FieldScope;
use rtgsim_diagnostics::{Quote, clip, clip_path, did_you_mean};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// The deepest a tree may be, in nodes from root to action.
pub const MAX_DEPTH: usize = 100;

/// Registers (`bank_state_*`) a document may use.
pub const MAX_REGISTERS: usize = 10;

/// Checks a parsed document; returns every problem found.
pub fn validate(document: &Document) -> Vec<Diagnostic> {
    let pieces: Vec<Piece<'_>> = document
        .trees
        .iter()
        .map(|(kind, root)| Piece::Tree(kind, root))
        .collect();
    validate_pieces(&document.parameters, &pieces)
}

/// A part of a document to check: a tree (or, in a document that did not parse
/// whole, a subtree that did), or the condition of a node that did not parse.
#[derive(Debug, Clone, Copy)]
pub enum Piece<'d> {
    Tree(TreeKind, &'d Node),
    /// The tree kind, the id of the node the condition belongs to, the condition.
    Condition(TreeKind, &'d str, &'d Expr),
}

/// Checks parts of a document against its parameters: what [`validate`] does for a
/// whole document, and what the parser does for the parts of one it could not read
/// whole. (A subtree's depth is counted from where it starts.)
pub fn validate_pieces(
    parameters: &BTreeMap<String, f64>,
    pieces: &[Piece<'_>],
) -> Vec<Diagnostic> {
    let mut v = Validator {
        parameters,
        problems: Vec::new(),
        node_ids: BTreeMap::new(),
        registers: BTreeSet::new(),
    };
    for piece in pieces {
        match *piece {
            Piece::Tree(kind, root) => {
                let depth = v.node(kind, root, 1);
                if depth > MAX_DEPTH {
                    v.problems.push(
                        Diagnostic::new(
                            &root.path,
                            format!("the tree is more than {MAX_DEPTH} nodes deep"),
                        )
                        .in_node(Some(&root.node_id)),
                    );
                }
            }
            Piece::Condition(kind, node_id, expr) => v.expr(kind, node_id, expr),
        }
    }
    if v.registers.len() > MAX_REGISTERS {
        let names: Vec<Cow<str>> = v.registers.iter().map(|name| clip(name)).collect();
        v.problems.push(Diagnostic::new(
            "",
            format!(
                "{} registers are used ({}); at most {MAX_REGISTERS}",
                names.len(),
                names.join(", ")
            ),
        ));
    }
    v.problems
}

struct Validator<'d> {
    parameters: &'d BTreeMap<String, f64>,
    problems: Vec<Diagnostic>,
    /// Node id to the path where it was first seen.
    node_ids: BTreeMap<&'d str, &'d str>,
    registers: BTreeSet<String>,
}

impl<'d> Validator<'d> {
    fn report(&mut self, node_id: &str, path: &str, message: String, help: Option<String>) {
        self.problems.push(
            Diagnostic::new(path, message)
                .in_node(Some(node_id).filter(|id| !id.is_empty()))
                .with_help(help),
        );
    }

    /// Checks a node and everything under it; returns the subtree's depth.
    fn node(&mut self, kind: TreeKind, node: &'d Node, depth: usize) -> usize {
        if let Some(first) = self.node_ids.insert(&node.node_id, &node.path) {
            self.report(
                &node.node_id,
                &node.path,
                format!(
                    "node id \"{}\" is used twice (first at {})",
                    clip(&node.node_id),
                    clip_path(first)
                ),
                None,
            );
        }
        if depth > MAX_DEPTH {
            // Deep enough to report; do not walk further down.
            return depth;
        }
        match &node.kind {
            NodeKind::Condition {
                condition,
                on_true,
                on_false,
            } => {
                self.expr(kind, &node.node_id, condition);
                let t = self.node(kind, on_true, depth + 1);
                let f = self.node(kind, on_false, depth + 1);
                t.max(f)
            }
            NodeKind::Action { action, parameters } => {
                self.action(kind, node, *action, parameters);
                depth
            }
        }
    }

    fn expr(&mut self, kind: TreeKind, node_id: &str, expr: &Expr) {
        match expr {
            Expr::Compare { left, right, .. } => {
                self.value(kind, node_id, left);
                self.value(kind, node_id, right);
            }
            Expr::And(list) | Expr::Or(list) => {
                for e in list {
                    self.expr(kind, node_id, e);
                }
            }
            Expr::Not(inner) => self.expr(kind, node_id, inner),
        }
    }

    /// Checks a value and every value inside it.
    fn value(&mut self, kind: TreeKind, node_id: &str, value: &Value) {
        for inner in value.walk() {
            self.one_value(kind, node_id, inner);
        }
    }

    /// Checks a value itself; [`Validator::value`] visits what is inside it.
    fn one_value(&mut self, kind: TreeKind, node_id: &str, value: &Value) {
        match &value.kind {
            ValueKind::Field(field) => {
                let spec = field.spec();
                if spec.scope == FieldScope::Transaction && kind != TreeKind::Payment {
                    self.report(
                        node_id,
                        &format!("{}.field", value.path),
                        format!(
                            "\"{}\" is a payment field; {} has no payment",
                            spec.name,
                            a_tree(kind)
                        ),
                        None,
                    );
                }
            }
            ValueKind::Register(name) => {
                self.registers.insert(name.clone());
            }
            ValueKind::BudgetRemaining if kind != TreeKind::Payment => {
                self.report(
                    node_id,
                    &format!("{}.field", value.path),
                    format!(
                        "\"{}\" is only known in the payment tree",
                        crate::parse::BUDGET_FIELD
                    ),
                    None,
                );
            }
            ValueKind::BudgetRemaining => {}
            ValueKind::Param(name) => {
                if !self.parameters.contains_key(name) {
                    let help = did_you_mean(
                        name,
                        self.parameters.keys().map(String::as_str),
                        Quote::Double,
                    );
                    self.report(
                        node_id,
                        &format!("{}.param", value.path),
                        format!("unknown parameter \"{}\"", clip(name)),
                        help,
                    );
                }
            }
            ValueKind::Literal(_) => {}
            ValueKind::Compute(compute) => {
                if let Compute::Binary {
                    op: BinaryOp::Div,
                    right,
                    ..
                } = compute.as_ref()
                    && matches!(right.kind, ValueKind::Literal(x) if x == 0.0)
                {
                    self.report(
                        node_id,
                        &right.path,
                        "division by the literal zero".into(),
                        Some(
                            "use \"div0\" with a default to divide by something that can be zero"
                                .into(),
                        ),
                    );
                }
            }
        }
    }

    fn action(
        &mut self,
        kind: TreeKind,
        node: &Node,
        action: ActionName,
        parameters: &BTreeMap<String, crate::ast::Param>,
    ) {
        let spec = action.spec();
        let path = format!("{}.action", node.path);
        if !spec.trees.contains(&kind) {
            let allowed: Vec<&str> = crate::actions::ACTIONS
                .iter()
                .filter(|a| a.trees.contains(&kind))
                .map(|a| a.name)
                .collect();
            self.report(
                &node.node_id,
                &path,
                format!("\"{}\" is not an action of {}", spec.name, a_tree(kind)),
                Some(format!("{} can take: {}", a_tree(kind), allowed.join(", "))),
            );
        }
        for wanted in spec.params.iter().filter(|p| p.required) {
            if !parameters.contains_key(wanted.name) {
                self.report(
                    &node.node_id,
                    &format!("{}.parameters", node.path),
                    format!(
                        "\"{}\" needs the parameter \"{}\" ({})",
                        spec.name, wanted.name, wanted.meaning
                    ),
                    None,
                );
            }
        }
        for (name, param) in parameters {
            let Some(wanted) = spec.params.iter().find(|p| p.name == name) else {
                let help = did_you_mean(name, spec.params.iter().map(|p| p.name), Quote::Double);
                let known: Vec<&str> = spec.params.iter().map(|p| p.name).collect();
                let takes = if known.is_empty() {
                    "no parameters".to_string()
                } else {
                    known.join(", ")
                };
                self.report(
                    &node.node_id,
                    &param.path,
                    format!("\"{}\" takes {takes}, not \"{}\"", spec.name, clip(name)),
                    help,
                );
                continue;
            };
            self.param(kind, node, action, wanted.ty, name, param);
        }
    }

    fn param(
        &mut self,
        kind: TreeKind,
        node: &Node,
        action: ActionName,
        ty: ParamType,
        name: &str,
        param: &crate::ast::Param,
    ) {
        let problem = match (&param.value, ty) {
            (ParamValue::Number(value), ParamType::Number | ParamType::Bool) => {
                self.value(kind, &node.node_id, value);
                literal_range_problem(action, name, value)
                    .or_else(|| share_problem(action, name, value, self.parameters))
            }
            (ParamValue::Text(word), ParamType::Word(words)) => (!words.contains(&word.as_str()))
                .then(|| format!("\"{}\" is not one of {}", clip(word), words.join(", "))),
            // A priority may also be given as a flag or a TARGET2 class name.
            (ParamValue::Text(word), ParamType::Number) if name == "rtgs_priority" => {
                priority_of_word(word).is_none().then(|| {
                    format!(
                        "\"{}\" is not a priority (0 to 10, HIGH, MEDIUM, LOW, HighlyUrgent, Urgent or Normal)",
                        clip(word)
                    )
                })
            }
            (ParamValue::Text(key), ParamType::Text) if name == "key" => {
                if key
                    .strip_prefix(REGISTER_PREFIX)
                    .is_some_and(|rest| !rest.is_empty())
                {
                    self.registers.insert(key.clone());
                    None
                } else {
                    Some(format!(
                        "\"{}\" is not a register name: registers are named {REGISTER_PREFIX}*",
                        clip(key)
                    ))
                }
            }
            (ParamValue::Text(_), ParamType::Text) => None,
            (ParamValue::Bool(_), ParamType::Bool) => None,
            (ParamValue::List(_), ParamType::AgentList) => None,
            (_, ty) => Some(format!("must be {}", describe_type(ty))),
        };
        if let Some(message) = problem {
            self.report(&node.node_id, &param.path, message, None);
        }
    }
}

/// "a payment_tree", "an end_of_tick_collateral_tree": a tree's key with its article.
fn a_tree(kind: TreeKind) -> String {
    let key = kind.key();
    let article = if key.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {key}")
}

/// A literal parameter that is out of range for its action.
fn literal_range_problem(action: ActionName, name: &str, value: &Value) -> Option<String> {
    let ValueKind::Literal(x) = value.kind else {
        return None;
    };
    match name {
        "num_splits" if x < 2.0 || x.fract() != 0.0 => {
            Some(format!("{x} is not a whole number of parts of at least 2"))
        }
        "new_priority" | "rtgs_priority" if !(0.0..=10.0).contains(&x) => {
            Some(format!("{x} is not a priority from 0 to 10"))
        }
        "stagger_gap_ticks" if x < 1.0 => Some(format!("{x} is not a gap of at least one tick")),
        "priority_boost_children" if !(0.0..=255.0).contains(&x) || x.fract() != 0.0 => Some(
            format!("{x} is not a boost from 0 to 255 (the boosted priority is capped at 10)"),
        ),
        "amount" if x <= 0.0 && action != ActionName::SetState => {
            Some(format!("{x} is not a positive amount"))
        }
        _ => None,
    }
}

/// A share given as a literal or a parameter that is out of range for its action:
/// a `PostShare` posts 0 to 1 of the capacity, a `ReleaseShare` releases more than
/// 0 and at most 1 of the payment. (A computed share is checked when it runs.)
fn share_problem(
    action: ActionName,
    name: &str,
    value: &Value,
    parameters: &BTreeMap<String, f64>,
) -> Option<String> {
    if name != "share" {
        return None;
    }
    let (x, given) = match &value.kind {
        ValueKind::Literal(x) => (*x, String::new()),
        // A parameter that is not a number is reported where it is given.
        ValueKind::Param(p) => (
            parameters.get(p).copied().filter(|x| !x.is_nan())?,
            format!(" (the parameter \"{}\")", clip(p)),
        ),
        _ => return None,
    };
    match action {
        ActionName::PostShare if !(0.0..=1.0).contains(&x) => Some(format!(
            "{x}{given} is not a share from 0 to 1 of the collateral capacity"
        )),
        ActionName::ReleaseShare if !(x > 0.0 && x <= 1.0) => Some(format!(
            "{x}{given} is not a share above 0 and at most 1 of the payment"
        )),
        _ => None,
    }
}

fn describe_type(ty: ParamType) -> String {
    match ty {
        ParamType::Number => "a number (a value, field, parameter or computation)".into(),
        ParamType::Word(words) => format!("one of {}", words.join(", ")),
        ParamType::Text => "text".into(),
        ParamType::Bool => "true or false".into(),
        ParamType::AgentList => "a list of agent ids".into(),
    }
}
