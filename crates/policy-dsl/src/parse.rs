//! From JSON to the [`ast`](crate::ast): the document's shape. Every problem found is
//! collected with its path; parsing goes on past a bad part so that one pass reports
//! all of them. Meaning (which fields a tree may read, which actions it may take) is
//! checked afterwards by [`crate::validate`].

use crate::ast::{
    ActionName, BinaryOp, CompareOp, Compute, Document, Expr, Node, NodeKind, Param, ParamValue,
    TreeKind, Trees, UnaryOp, Value, ValueKind,
};
use crate::diagnostic::{Diagnostic, LoadError, index, join};
use crate::validate::{self, Piece};
use rtgsim_core::{CATALOG, Field};
use rtgsim_diagnostics::{Quote, clip, did_you_mean};
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;

/// Document versions this crate reads.
pub const VERSIONS: &[&str] = &["1.0", "2.0"];

/// The field that reads what is left of this tick's release budget.
pub const BUDGET_FIELD: &str = "release_budget_remaining";

/// The prefix of per-agent registers the bank tree writes and any tree reads.
pub const REGISTER_PREFIX: &str = "bank_state_";

/// Top-level keys that carry no meaning and are allowed (besides any key starting
/// with `_` or `$`), so documents from other tools load unchanged.
const IGNORED_TOP_KEYS: &[&str] = &["comment", "comments", "metadata", "notes", "author", "tags"];

/// Keys of a node that carry no meaning.
const IGNORED_NODE_KEYS: &[&str] = &["description", "comment"];

/// Parses a document's text: JSON syntax first (with line and column), then shape.
pub fn parse_text(text: &str) -> Result<Document, LoadError> {
    // Strict: a key written twice is an error, not a silent choice of the last.
    let json: Json =
        rtgsim_diagnostics::strict_json::from_str(text).map_err(|e| LoadError::Json {
            line: e.line(),
            column: e.column(),
            message: strip_position(&e.to_string()),
        })?;
    parse_value(&json).map_err(LoadError::Invalid)
}

/// serde_json appends " at line L column C"; the position is reported separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

/// Parses a JSON value already read (e.g. from a YAML scenario).
///
/// A document whose shape is wrong is refused with every problem of its shape and
/// also those of meaning ([`crate::validate`]) in the parts that did parse: the
/// trees, and below a node that could not be read, its branches and condition. One
/// pass reports all the problems, not the first kind found.
pub fn parse_value(json: &Json) -> Result<Document, Vec<Diagnostic>> {
    let mut p = Parser::default();
    let document = p.document(json);
    if p.problems.is_empty()
        && let Some(document) = document
    {
        return Ok(document);
    }
    let mut pieces: Vec<Piece<'_>> = Vec::new();
    if let Some(document) = &document {
        pieces.extend(
            document
                .trees
                .iter()
                .map(|(kind, root)| Piece::Tree(kind, root)),
        );
    }
    pieces.extend(p.fragments.iter().map(Fragment::piece));
    let mut problems = p.problems;
    problems.extend(validate::validate_pieces(&p.parameters, &pieces));
    Err(problems)
}

/// A part of a document that parsed under a part that did not, kept to be checked
/// for meaning.
enum Fragment {
    /// A whole node and all below it.
    Node(TreeKind, Node),
    /// The condition of a node that could not be read, with the node's id.
    Condition(TreeKind, String, Expr),
}

impl Fragment {
    fn piece(&self) -> Piece<'_> {
        match self {
            Fragment::Node(kind, node) => Piece::Tree(*kind, node),
            Fragment::Condition(kind, node_id, expr) => Piece::Condition(*kind, node_id, expr),
        }
    }
}

#[derive(Default)]
struct Parser {
    problems: Vec<Diagnostic>,
    /// The id of the node being parsed, for diagnostics.
    node: Option<String>,
    /// The kind of the tree being parsed.
    tree: Option<TreeKind>,
    /// The parameters that are numbers (any that is not is reported, and NaN here).
    parameters: BTreeMap<String, f64>,
    /// Parts that parsed under a part that did not.
    fragments: Vec<Fragment>,
}

impl Parser {
    fn fail<T>(&mut self, path: &str, message: impl Into<String>) -> Option<T> {
        self.problems
            .push(Diagnostic::new(path, message).in_node(self.node.as_deref()));
        None
    }

    fn fail_with_help<T>(
        &mut self,
        path: &str,
        message: impl Into<String>,
        help: Option<String>,
    ) -> Option<T> {
        self.problems.push(
            Diagnostic::new(path, message)
                .in_node(self.node.as_deref())
                .with_help(help),
        );
        None
    }

    fn object<'j>(
        &mut self,
        json: &'j Json,
        path: &str,
        what: &str,
    ) -> Option<&'j Map<String, Json>> {
        match json {
            Json::Object(map) => Some(map),
            other => self.fail(
                path,
                format!("{what} must be an object, not {}", describe(other)),
            ),
        }
    }

    fn string<'j>(&mut self, map: &'j Map<String, Json>, key: &str, path: &str) -> Option<&'j str> {
        match map.get(key) {
            Some(Json::String(s)) => Some(s),
            Some(other) => self.fail(
                &join(path, key),
                format!("must be a string, not {}", describe(other)),
            ),
            None => self.fail(path, format!("missing \"{key}\"")),
        }
    }

    /// Reports keys of `map` not in `known` (nor ignorable), with a suggestion.
    fn unknown_keys(
        &mut self,
        map: &Map<String, Json>,
        path: &str,
        known: &[&str],
        ignored: &[&str],
    ) {
        for key in map.keys() {
            let allowed = known.contains(&key.as_str())
                || ignored.contains(&key.as_str())
                || (path.is_empty() && (key.starts_with('_') || key.starts_with('$')));
            if !allowed {
                let help = did_you_mean(key, known.iter().copied(), Quote::Double);
                let _: Option<()> = self.fail_with_help(
                    &join(path, key),
                    format!("unknown key \"{}\"", clip(key)),
                    help,
                );
            }
        }
    }

    fn document(&mut self, json: &Json) -> Option<Document> {
        let map = self.object(json, "", "a policy document")?;
        const SINGLE: &[&str] = &["version", "tree_id", "root", "parameters", "description"];
        const MULTI: &[&str] = &[
            "version",
            "policy_id",
            "description",
            "parameters",
            "root",
            "payment_tree",
            "bank_tree",
            "strategic_collateral_tree",
            "end_of_tick_collateral_tree",
            "initial_liquidity_tree",
        ];
        let multi = map.contains_key("policy_id") || !map.contains_key("tree_id");
        self.unknown_keys(
            map,
            "",
            if multi { MULTI } else { SINGLE },
            IGNORED_TOP_KEYS,
        );
        let version = self.string(map, "version", "").map(str::to_string);
        if let Some(v) = &version
            && !VERSIONS.contains(&v.as_str())
        {
            let _: Option<()> = self.fail(
                "version",
                format!(
                    "unsupported version \"{}\"; known: {}",
                    clip(v),
                    VERSIONS.join(", ")
                ),
            );
        }
        let id = if multi {
            match map.get("policy_id") {
                Some(Json::String(id)) => Some(id.clone()),
                Some(other) => self.fail(
                    "policy_id",
                    format!("must be a string, not {}", describe(other)),
                ),
                None => Some(String::new()),
            }
        } else {
            self.string(map, "tree_id", "").map(str::to_string)
        };
        let description = match map.get("description") {
            Some(Json::String(s)) => Some(s.clone()),
            Some(other) => self.fail(
                "description",
                format!("must be a string, not {}", describe(other)),
            ),
            None => None,
        };
        let parameters_ok = self.parameters(map.get("parameters"));
        let (trees, trees_ok) = self.trees(map, multi);
        match (version, id, parameters_ok && trees_ok) {
            (Some(version), Some(id), true) => Some(Document {
                version,
                id,
                description,
                parameters: self.parameters.clone(),
                trees,
            }),
            _ => {
                // Kept to be checked for meaning all the same.
                for (kind, slot) in [
                    (TreeKind::Payment, trees.payment),
                    (TreeKind::Bank, trees.bank),
                    (TreeKind::StrategicCollateral, trees.strategic_collateral),
                    (TreeKind::EndOfTickCollateral, trees.end_of_tick_collateral),
                    (TreeKind::InitialLiquidity, trees.initial_liquidity),
                ] {
                    self.fragments
                        .extend(slot.map(|root| Fragment::Node(kind, root)));
                }
                None
            }
        }
    }

    /// Reads the parameters into `self.parameters`; whether all are numbers.
    fn parameters(&mut self, json: Option<&Json>) -> bool {
        let Some(json) = json else {
            return true;
        };
        let Some(map) = self.object(json, "parameters", "\"parameters\"") else {
            return false;
        };
        let mut ok = true;
        for (name, value) in map {
            let n = number(value).unwrap_or_else(|| {
                ok = false;
                let _: Option<()> = self.fail(
                    &join("parameters", name),
                    format!("must be a number, not {}", describe(value)),
                );
                // Known, so that the trees' uses of it are not reported as well.
                f64::NAN
            });
            self.parameters.insert(name.clone(), n);
        }
        ok
    }

    /// The trees that parsed, and whether all did.
    fn trees(&mut self, map: &Map<String, Json>, multi: bool) -> (Trees, bool) {
        let mut trees = Trees::default();
        let mut ok = true;
        // A tree written as `null` is absent (other tools write every tree key).
        let tree = |key: &str| map.get(key).filter(|json| !json.is_null());
        let root = tree("root");
        let payment = tree("payment_tree");
        if root.is_some() && payment.is_some() {
            ok = false;
            let _: Option<()> = self.fail(
                "root",
                "give the payment tree as \"root\" or as \"payment_tree\", not both",
            );
        }
        if let Some((key, json)) = payment
            .map(|j| ("payment_tree", j))
            .or(root.map(|j| ("root", j)))
        {
            self.tree = Some(TreeKind::Payment);
            trees.payment = self.node(json, key);
            ok &= trees.payment.is_some();
        }
        if multi {
            for (kind, slot) in [
                (TreeKind::Bank, &mut trees.bank),
                (
                    TreeKind::StrategicCollateral,
                    &mut trees.strategic_collateral,
                ),
                (
                    TreeKind::EndOfTickCollateral,
                    &mut trees.end_of_tick_collateral,
                ),
                (TreeKind::InitialLiquidity, &mut trees.initial_liquidity),
            ] {
                if let Some(json) = tree(kind.key()) {
                    self.tree = Some(kind);
                    *slot = self.node(json, kind.key());
                    ok &= slot.is_some();
                }
            }
        } else if root.is_none() {
            let _: Option<()> = self.fail("", "missing \"root\"");
            ok = false;
        }
        // A document may hold no tree at all (only parameters): its policy holds every
        // payment and leaves collateral alone.
        (trees, ok)
    }

    fn node(&mut self, json: &Json, path: &str) -> Option<Node> {
        let map = self.object(json, path, "a node")?;
        let outer = self.node.take();
        let node_id = match map.get("node_id") {
            Some(Json::String(id)) if !id.is_empty() => Some(id.clone()),
            Some(Json::String(_)) => self.fail(&join(path, "node_id"), "must not be empty"),
            Some(other) => self.fail(
                &join(path, "node_id"),
                format!("must be a string, not {}", describe(other)),
            ),
            None => self.fail(path, "missing \"node_id\""),
        };
        self.node = node_id.clone();
        let kind = match map.get("type").and_then(Json::as_str) {
            Some("condition") => {
                self.unknown_keys(
                    map,
                    path,
                    &["type", "node_id", "condition", "on_true", "on_false"],
                    IGNORED_NODE_KEYS,
                );
                let condition = self
                    .required(map, path, "condition")
                    .and_then(|j| self.expr(j, &join(path, "condition")));
                let on_true = self
                    .required(map, path, "on_true")
                    .and_then(|j| self.node(j, &join(path, "on_true")));
                self.node = node_id.clone();
                let on_false = self
                    .required(map, path, "on_false")
                    .and_then(|j| self.node(j, &join(path, "on_false")));
                self.node = node_id.clone();
                match (node_id.is_some(), condition, on_true, on_false) {
                    (true, Some(condition), Some(on_true), Some(on_false)) => {
                        Some(NodeKind::Condition {
                            condition,
                            on_true: Box::new(on_true),
                            on_false: Box::new(on_false),
                        })
                    }
                    (_, condition, on_true, on_false) => {
                        self.keep_fragments(node_id.as_deref(), condition, [on_true, on_false]);
                        None
                    }
                }
            }
            Some("action") => {
                self.unknown_keys(
                    map,
                    path,
                    &["type", "node_id", "action", "parameters"],
                    IGNORED_NODE_KEYS,
                );
                let action = self.action_name(map, path);
                let parameters =
                    self.action_parameters(map.get("parameters"), &join(path, "parameters"));
                Some(NodeKind::Action {
                    action: action?,
                    parameters: parameters?,
                })
            }
            Some(other) => {
                let help = did_you_mean(other, ["condition", "action"], Quote::Double);
                self.fail_with_help(
                    &join(path, "type"),
                    format!(
                        "unknown node type \"{}\"; a node is a \"condition\" or an \"action\"",
                        clip(other)
                    ),
                    help,
                )
            }
            None => self.fail(path, "missing \"type\" (\"condition\" or \"action\")"),
        };
        self.node = outer;
        // A note for people; kept so a conversion can carry it into comments.
        let description = ["description", "comment"]
            .iter()
            .find_map(|key| map.get(*key).and_then(Json::as_str))
            .map(str::to_string);
        Some(Node {
            node_id: node_id?,
            description,
            path: path.to_string(),
            kind: kind?,
        })
    }

    /// Keeps what parsed of a condition node that did not, to be checked for meaning.
    fn keep_fragments(
        &mut self,
        node_id: Option<&str>,
        condition: Option<Expr>,
        branches: [Option<Node>; 2],
    ) {
        let Some(kind) = self.tree else {
            return;
        };
        if let Some(condition) = condition {
            let id = node_id.unwrap_or_default().to_string();
            self.fragments
                .push(Fragment::Condition(kind, id, condition));
        }
        for branch in branches.into_iter().flatten() {
            self.fragments.push(Fragment::Node(kind, branch));
        }
    }

    fn required<'j>(
        &mut self,
        map: &'j Map<String, Json>,
        path: &str,
        key: &str,
    ) -> Option<&'j Json> {
        match map.get(key) {
            Some(json) => Some(json),
            None => self.fail(path, format!("missing \"{key}\"")),
        }
    }

    fn action_name(&mut self, map: &Map<String, Json>, path: &str) -> Option<ActionName> {
        let name = self.string(map, "action", path)?;
        match ActionName::lookup(name) {
            Some(action) => Some(action),
            None => {
                let names = crate::actions::ACTIONS.iter().map(|a| a.name);
                let help = did_you_mean(name, names, Quote::Double);
                self.fail_with_help(
                    &join(path, "action"),
                    format!("unknown action \"{}\"", clip(name)),
                    help,
                )
            }
        }
    }

    fn action_parameters(
        &mut self,
        json: Option<&Json>,
        path: &str,
    ) -> Option<BTreeMap<String, Param>> {
        let Some(json) = json else {
            return Some(BTreeMap::new());
        };
        let map = self.object(json, path, "action \"parameters\"")?;
        let mut out = BTreeMap::new();
        let mut ok = true;
        for (name, value) in map {
            if name == "comment" || name == "description" {
                continue;
            }
            let at = join(path, name);
            match self.param_value(value, &at) {
                Some(value) => {
                    out.insert(name.clone(), Param { path: at, value });
                }
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn param_value(&mut self, json: &Json, path: &str) -> Option<ParamValue> {
        match json {
            Json::String(s) => Some(ParamValue::Text(s.clone())),
            Json::Bool(b) => Some(ParamValue::Bool(*b)),
            Json::Array(items) => {
                let mut names = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Json::String(s) => names.push(s.clone()),
                        other => {
                            return self.fail(
                                &index(path, i),
                                format!("must be a string, not {}", describe(other)),
                            );
                        }
                    }
                }
                Some(ParamValue::List(names))
            }
            // `{"value": ...}` wraps a literal of any type.
            Json::Object(map) if map.len() == 1 => match map.get("value") {
                Some(Json::String(s)) => Some(ParamValue::Text(s.clone())),
                Some(Json::Bool(b)) => Some(ParamValue::Bool(*b)),
                Some(list @ Json::Array(_)) => self.param_value(list, &join(path, "value")),
                _ => self.value(json, path).map(ParamValue::Number),
            },
            _ => self.value(json, path).map(ParamValue::Number),
        }
    }

    fn expr(&mut self, json: &Json, path: &str) -> Option<Expr> {
        let map = self.object(json, path, "a condition")?;
        let op = self.string(map, "op", path)?;
        let compare = match op {
            "==" => Some(CompareOp::Eq),
            "!=" => Some(CompareOp::Ne),
            "<" => Some(CompareOp::Lt),
            "<=" => Some(CompareOp::Le),
            ">" => Some(CompareOp::Gt),
            ">=" => Some(CompareOp::Ge),
            _ => None,
        };
        if let Some(op) = compare {
            self.unknown_keys(
                map,
                path,
                &["op", "left", "right"],
                &["description", "comment"],
            );
            let left = self
                .required(map, path, "left")
                .and_then(|j| self.value(j, &join(path, "left")));
            let right = self
                .required(map, path, "right")
                .and_then(|j| self.value(j, &join(path, "right")));
            return Some(Expr::Compare {
                op,
                left: left?,
                right: right?,
            });
        }
        match op {
            "and" | "or" => {
                self.unknown_keys(
                    map,
                    path,
                    &["op", "conditions"],
                    &["description", "comment"],
                );
                let list = self.required(map, path, "conditions")?;
                let Json::Array(items) = list else {
                    return self.fail(
                        &join(path, "conditions"),
                        format!("must be a list of conditions, not {}", describe(list)),
                    );
                };
                if items.is_empty() {
                    return self.fail(
                        &join(path, "conditions"),
                        format!("\"{op}\" needs at least one condition"),
                    );
                }
                let at = join(path, "conditions");
                let parsed: Vec<Option<Expr>> = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| self.expr(item, &index(&at, i)))
                    .collect();
                let all: Option<Vec<Expr>> = parsed.into_iter().collect();
                Some(if op == "and" {
                    Expr::And(all?)
                } else {
                    Expr::Or(all?)
                })
            }
            "not" => {
                self.unknown_keys(map, path, &["op", "condition"], &["description", "comment"]);
                let inner = self.required(map, path, "condition")?;
                Some(Expr::Not(Box::new(
                    self.expr(inner, &join(path, "condition"))?,
                )))
            }
            other => {
                let ops = ["==", "!=", "<", "<=", ">", ">=", "and", "or", "not"];
                let help = did_you_mean(other, ops, Quote::Double);
                self.fail_with_help(
                    &join(path, "op"),
                    format!(
                        "unknown condition operator \"{}\"; known: {}",
                        clip(other),
                        ops.join(" ")
                    ),
                    help,
                )
            }
        }
    }

    fn value(&mut self, json: &Json, path: &str) -> Option<Value> {
        let kind = match json {
            // A bare number is taken as a literal.
            Json::Number(_) => number(json).map(ValueKind::Literal),
            Json::Object(map) => {
                let forms: Vec<&str> = ["field", "param", "value", "compute"]
                    .into_iter()
                    .filter(|k| map.contains_key(*k))
                    .collect();
                match forms.as_slice() {
                    [form] => {
                        self.unknown_keys(map, path, &[form], &["description", "comment"]);
                        match *form {
                            "field" => self.field(&map[*form], &join(path, "field")),
                            "param" => match &map[*form] {
                                Json::String(name) => Some(ValueKind::Param(name.clone())),
                                other => self.fail(&join(path, "param"), format!("must be a parameter name, not {}", describe(other))),
                            },
                            "value" => match number(&map[*form]) {
                                Some(n) => Some(ValueKind::Literal(n)),
                                None => self.fail(&join(path, "value"), format!("a number is needed here, not {}", describe(&map[*form]))),
                            },
                            _ => self.compute(&map[*form], &join(path, "compute")).map(|c| ValueKind::Compute(Box::new(c))),
                        }
                    }
                    [] => self.fail(path, "a value needs one of \"field\", \"param\", \"value\" or \"compute\""),
                    many => self.fail(path, format!("a value has exactly one of \"field\", \"param\", \"value\" or \"compute\"; this one has {}", many.join(", "))),
                }
            }
            other => self.fail(
                path,
                format!(
                    "a value must be an object like {{\"field\": ...}} or a number, not {}",
                    describe(other)
                ),
            ),
        }?;
        Some(Value {
            path: path.to_string(),
            kind,
        })
    }

    fn field(&mut self, json: &Json, path: &str) -> Option<ValueKind> {
        let Json::String(name) = json else {
            return self.fail(
                path,
                format!("must be a field name, not {}", describe(json)),
            );
        };
        if let Some(field) = Field::lookup(name) {
            return Some(ValueKind::Field(field));
        }
        if name == BUDGET_FIELD {
            return Some(ValueKind::BudgetRemaining);
        }
        if let Some(register) = name.strip_prefix(REGISTER_PREFIX)
            && !register.is_empty()
        {
            return Some(ValueKind::Register(name.clone()));
        }
        let names = CATALOG
            .iter()
            .flat_map(|spec| std::iter::once(spec.name).chain(spec.aliases.iter().copied()));
        let help = did_you_mean(name, names, Quote::Double);
        self.fail_with_help(path, format!("unknown field \"{}\"", clip(name)), help)
    }

    fn compute(&mut self, json: &Json, path: &str) -> Option<Compute> {
        let map = self.object(json, path, "a computation")?;
        let op = self.string(map, "op", path)?;
        let operand = |p: &mut Parser, key: &str| {
            p.required(map, path, key)
                .and_then(|j| p.value(j, &join(path, key)))
        };
        let binary = match op {
            "+" => Some(BinaryOp::Add),
            "-" => Some(BinaryOp::Sub),
            "*" => Some(BinaryOp::Mul),
            "/" => Some(BinaryOp::Div),
            _ => None,
        };
        if let Some(op) = binary {
            self.unknown_keys(
                map,
                path,
                &["op", "left", "right"],
                &["description", "comment"],
            );
            let left = operand(self, "left");
            let right = operand(self, "right");
            return Some(Compute::Binary {
                op,
                left: left?,
                right: right?,
            });
        }
        let unary = match op {
            "ceil" => Some(UnaryOp::Ceil),
            "floor" => Some(UnaryOp::Floor),
            "round" => Some(UnaryOp::Round),
            "abs" => Some(UnaryOp::Abs),
            _ => None,
        };
        if let Some(op) = unary {
            self.unknown_keys(map, path, &["op", "value"], &["description", "comment"]);
            return Some(Compute::Unary {
                op,
                value: operand(self, "value")?,
            });
        }
        match op {
            "max" | "min" => {
                self.unknown_keys(map, path, &["op", "values"], &["description", "comment"]);
                let list = self.required(map, path, "values")?;
                let Json::Array(items) = list else {
                    return self.fail(
                        &join(path, "values"),
                        format!("must be a list of values, not {}", describe(list)),
                    );
                };
                if items.is_empty() {
                    return self.fail(
                        &join(path, "values"),
                        format!("\"{op}\" needs at least one value"),
                    );
                }
                let at = join(path, "values");
                let parsed: Vec<Option<Value>> = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| self.value(item, &index(&at, i)))
                    .collect();
                let values: Vec<Value> = parsed.into_iter().collect::<Option<_>>()?;
                Some(if op == "max" {
                    Compute::Max(values)
                } else {
                    Compute::Min(values)
                })
            }
            "clamp" => {
                self.unknown_keys(
                    map,
                    path,
                    &["op", "value", "min", "max"],
                    &["description", "comment"],
                );
                let value = operand(self, "value");
                let min = operand(self, "min");
                let max = operand(self, "max");
                Some(Compute::Clamp {
                    value: value?,
                    min: min?,
                    max: max?,
                })
            }
            "div0" => {
                self.unknown_keys(
                    map,
                    path,
                    &["op", "numerator", "denominator", "default"],
                    &["description", "comment"],
                );
                let numerator = operand(self, "numerator");
                let denominator = operand(self, "denominator");
                let default = operand(self, "default");
                Some(Compute::Div0 {
                    numerator: numerator?,
                    denominator: denominator?,
                    default: default?,
                })
            }
            other => {
                let ops = [
                    "+", "-", "*", "/", "max", "min", "ceil", "floor", "round", "abs", "clamp",
                    "div0",
                ];
                let help = did_you_mean(other, ops, Quote::Double);
                self.fail_with_help(
                    &join(path, "op"),
                    format!(
                        "unknown computation \"{}\"; known: {}",
                        clip(other),
                        ops.join(" ")
                    ),
                    help,
                )
            }
        }
    }
}

/// A JSON number (or boolean, read as 1 or 0) as `f64`; `None` for anything else.
fn number(json: &Json) -> Option<f64> {
    match json {
        Json::Number(n) => n.as_f64().filter(|x| x.is_finite()),
        Json::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

/// What a JSON value is, for messages.
fn describe(json: &Json) -> String {
    match json {
        Json::Null => "null".into(),
        Json::Bool(b) => format!("the boolean {b}"),
        Json::Number(n) => format!("the number {}", clip(&n.to_string())),
        Json::String(s) => format!("the text \"{}\"", clip(s)),
        Json::Array(_) => "a list".into(),
        Json::Object(_) => "an object".into(),
    }
}
