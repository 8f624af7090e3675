//! A validated document compiled to a flat program, and its evaluation.
//!
//! Nodes, conditions and values live in flat vectors and refer to each other by
//! index. Every field a program reads is given a slot; the slots are filled once per
//! call (agent and system fields) and once per payment (payment fields) before the
//! trees run, so evaluating a tree does no string lookups and no allocation.

use crate::actions::{PRIORITY_FLAGS, T2_PRIORITY_CLASSES};
use crate::ast::{
    ActionName, BinaryOp, CompareOp, Compute, Document, Expr, Node, NodeKind, ParamValue, TreeKind,
    UnaryOp, Value, ValueKind,
};
use rtgsim_core::Field;
use rtgsim_core::fields::FieldScope;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

/// Two numbers closer than this compare equal (`==`, `!=`), and a divisor closer to
/// zero than this is zero (`/` fails, `div0` gives its default).
pub const EPSILON: f64 = 1e-9;

/// Where a slot's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotSource {
    Field(Field),
    /// A register, by its index in [`Program::registers`].
    Register(usize),
    /// What this tick's release budget has left.
    BudgetRemaining,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum NodeCode {
    Condition {
        expr: usize,
        on_true: usize,
        on_false: usize,
        name: usize,
        /// Set when the condition is one comparison of two fields or constants (most
        /// conditions are): then it is decided here, without a call.
        simple: Option<(CompareOp, Leaf, Leaf)>,
    },
    Action {
        action: usize,
    },
}

/// A value read without evaluation.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Leaf {
    Const(f64),
    Slot(usize),
}

impl Leaf {
    #[inline(always)]
    fn read(self, slots: &[f64]) -> f64 {
        match self {
            Leaf::Const(x) => x,
            Leaf::Slot(slot) => slots[slot],
        }
    }
}

/// A comparison of two finite numbers (`==` and `!=` within [`EPSILON`]).
#[inline(always)]
fn compare(op: CompareOp, l: f64, r: f64) -> bool {
    match op {
        CompareOp::Eq => (l - r).abs() < EPSILON,
        CompareOp::Ne => (l - r).abs() >= EPSILON,
        CompareOp::Lt => l < r,
        CompareOp::Le => l <= r,
        CompareOp::Gt => l > r,
        CompareOp::Ge => l >= r,
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum ExprCode {
    Compare {
        op: CompareOp,
        left: usize,
        right: usize,
    },
    And {
        first: usize,
        len: usize,
    },
    Or {
        first: usize,
        len: usize,
    },
    Not(usize),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum ValCode {
    Const(f64),
    Slot(usize),
    Binary(BinaryOp, usize, usize),
    Max { first: usize, len: usize },
    Min { first: usize, len: usize },
    Unary(UnaryOp, usize),
    Clamp(usize, usize, usize),
    Div0(usize, usize, usize),
}

/// A compiled action parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamCode {
    /// An index into the program's values.
    Number(usize),
    Text(Arc<str>),
    Bool(bool),
    List(Vec<String>),
    /// A register, by its index in [`Program::registers`].
    Register(usize),
}

/// A compiled action node.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionCode {
    pub action: ActionName,
    pub node_id: Arc<str>,
    /// Parameters in the order of the action's spec (`None`: not given).
    pub params: Vec<Option<ParamCode>>,
}

/// A runtime fault in a tree: division by zero, a NaN, an impossible parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError {
    pub node: Arc<str>,
    pub message: String,
}

/// What went wrong inside an evaluation; kept to a byte so the evaluator's results
/// stay in registers. [`Program::run`] and [`Program::val`] name the node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    DivisionByZero,
    NotFinite,
    ClampBounds,
}

impl Fault {
    fn at(self, node: &Arc<str>) -> EvalError {
        let message = match self {
            Fault::DivisionByZero => "division by zero; use div0 to give a default",
            Fault::NotFinite => "a computation gave a number that is not finite",
            Fault::ClampBounds => "clamp with its min above its max",
        };
        EvalError {
            node: node.clone(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "node {}: {}", self.node, self.message)
    }
}

/// A compiled document.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    pub id: String,
    roots: [Option<usize>; TreeKind::ALL.len()],
    nodes: Vec<NodeCode>,
    names: Vec<Arc<str>>,
    exprs: Vec<ExprCode>,
    expr_lists: Vec<usize>,
    vals: Vec<ValCode>,
    val_lists: Vec<usize>,
    actions: Vec<ActionCode>,
    slots: Vec<SlotSource>,
    /// Register names (`bank_state_*`), by index.
    pub registers: Vec<String>,
    /// Whether the payment tree can act on payments in the central queue.
    pub acts_on_queue2: bool,
}

impl Program {
    /// Compiles a validated document.
    pub fn compile(document: &Document) -> Program {
        let mut c = Compiler {
            program: Program {
                id: document.id.clone(),
                roots: [None; TreeKind::ALL.len()],
                nodes: Vec::new(),
                names: Vec::new(),
                exprs: Vec::new(),
                expr_lists: Vec::new(),
                vals: Vec::new(),
                val_lists: Vec::new(),
                actions: Vec::new(),
                slots: Vec::new(),
                registers: Vec::new(),
                acts_on_queue2: false,
            },
            parameters: &document.parameters,
            slot_of: BTreeMap::new(),
        };
        for (kind, root) in document.trees.iter() {
            let index = c.node(root);
            c.program.roots[kind.index()] = Some(index);
        }
        c.program.acts_on_queue2 = document
            .trees
            .payment
            .as_ref()
            .is_some_and(contains_queue2_action);
        c.program
    }

    /// An action node, by the index [`Program::run`] returns.
    pub fn action(&self, index: usize) -> &ActionCode {
        &self.actions[index]
    }

    pub fn has_tree(&self, kind: TreeKind) -> bool {
        self.roots[kind.index()].is_some()
    }

    /// The slots and where each one's value comes from.
    pub fn slots(&self) -> &[SlotSource] {
        &self.slots
    }

    /// Whether a slot must be read again for each payment.
    pub fn is_payment_slot(&self, slot: usize) -> bool {
        match self.slots[slot] {
            SlotSource::Field(f) => f.spec().scope == FieldScope::Transaction,
            // Each release in the call uses some of the budget.
            SlotSource::BudgetRemaining => true,
            SlotSource::Register(_) => false,
        }
    }

    /// Runs a tree to its action (returned as an index for [`Program::action`]),
    /// reading values from `slots`. With `trace`, appends the path taken and the
    /// values compared.
    pub fn run(
        &self,
        kind: TreeKind,
        slots: &[f64],
        mut trace: Option<&mut String>,
    ) -> Result<Option<usize>, EvalError> {
        let Some(mut at) = self.roots[kind.index()] else {
            return Ok(None);
        };
        loop {
            match self.nodes[at] {
                NodeCode::Condition {
                    on_true,
                    on_false,
                    simple: Some((op, left, right)),
                    name,
                    ..
                } if trace.is_none() => {
                    let (l, r) = (left.read(slots), right.read(slots));
                    if !(l.is_finite() && r.is_finite()) {
                        return Err(Fault::NotFinite.at(&self.names[name]));
                    }
                    at = if compare(op, l, r) { on_true } else { on_false };
                }
                NodeCode::Condition {
                    expr,
                    on_true,
                    on_false,
                    name,
                    ..
                } => {
                    let node = &self.names[name];
                    if let Some(t) = trace.as_deref_mut() {
                        let _ = write!(t, "{node}[");
                    }
                    let taken = self
                        .expr(expr, slots, trace.as_deref_mut())
                        .map_err(|fault| fault.at(node))?;
                    if let Some(t) = trace.as_deref_mut() {
                        let _ = write!(t, "] {taken} -> ");
                    }
                    at = if taken { on_true } else { on_false };
                }
                NodeCode::Action { action } => {
                    if let Some(t) = trace.as_deref_mut() {
                        let code = &self.actions[action];
                        let _ = write!(t, "{} ({})", code.node_id, code.action.name());
                    }
                    return Ok(Some(action));
                }
            }
        }
    }

    fn expr(
        &self,
        at: usize,
        slots: &[f64],
        mut trace: Option<&mut String>,
    ) -> Result<bool, Fault> {
        match self.exprs[at] {
            ExprCode::Compare { op, left, right } => {
                let (l, r) = (self.operand(left, slots)?, self.operand(right, slots)?);
                if !(l.is_finite() && r.is_finite()) {
                    return Err(Fault::NotFinite);
                }
                let result = compare(op, l, r);
                if let Some(t) = trace.as_deref_mut() {
                    let _ = write!(t, "{l} {} {r} ", op.symbol());
                }
                Ok(result)
            }
            ExprCode::And { first, len } => {
                for &e in &self.expr_lists[first..first + len] {
                    if !self.expr(e, slots, trace.as_deref_mut())? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            ExprCode::Or { first, len } => {
                for &e in &self.expr_lists[first..first + len] {
                    if self.expr(e, slots, trace.as_deref_mut())? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            ExprCode::Not(inner) => Ok(!self.expr(inner, slots, trace)?),
        }
    }

    /// Evaluates value `at` for the action node `node` (which names any fault).
    pub fn val(&self, at: usize, slots: &[f64], node: &Arc<str>) -> Result<f64, EvalError> {
        self.eval(at, slots).map_err(|fault| fault.at(node))
    }

    /// A value that is most often a field or a constant, read without a call. The
    /// caller checks that it is finite.
    #[inline(always)]
    fn operand(&self, at: usize, slots: &[f64]) -> Result<f64, Fault> {
        match self.vals[at] {
            ValCode::Const(x) => Ok(x),
            ValCode::Slot(slot) => Ok(slots[slot]),
            _ => self.eval(at, slots),
        }
    }

    /// Evaluates value `at`. Any NaN or infinity is a fault.
    fn eval(&self, at: usize, slots: &[f64]) -> Result<f64, Fault> {
        let x = match self.vals[at] {
            ValCode::Const(x) => x,
            ValCode::Slot(slot) => slots[slot],
            ValCode::Binary(op, a, b) => {
                let (a, b) = (self.operand(a, slots)?, self.operand(b, slots)?);
                match op {
                    BinaryOp::Add => a + b,
                    BinaryOp::Sub => a - b,
                    BinaryOp::Mul => a * b,
                    BinaryOp::Div if b.abs() < EPSILON => return Err(Fault::DivisionByZero),
                    BinaryOp::Div => a / b,
                }
            }
            ValCode::Max { first, len } => {
                let mut best = f64::NEG_INFINITY;
                for &v in &self.val_lists[first..first + len] {
                    best = best.max(self.eval(v, slots)?);
                }
                best
            }
            ValCode::Min { first, len } => {
                let mut best = f64::INFINITY;
                for &v in &self.val_lists[first..first + len] {
                    best = best.min(self.eval(v, slots)?);
                }
                best
            }
            ValCode::Unary(op, a) => {
                let a = self.eval(a, slots)?;
                match op {
                    UnaryOp::Ceil => a.ceil(),
                    UnaryOp::Floor => a.floor(),
                    // Half away from zero, like the usual rounding of money.
                    UnaryOp::Round => a.round(),
                    UnaryOp::Abs => a.abs(),
                }
            }
            ValCode::Clamp(v, lo, hi) => {
                let (v, lo, hi) = (
                    self.eval(v, slots)?,
                    self.eval(lo, slots)?,
                    self.eval(hi, slots)?,
                );
                if lo > hi {
                    return Err(Fault::ClampBounds);
                }
                v.clamp(lo, hi)
            }
            ValCode::Div0(n, d, default) => {
                let d = self.eval(d, slots)?;
                if d.abs() < EPSILON {
                    self.eval(default, slots)?
                } else {
                    self.eval(n, slots)? / d
                }
            }
        };
        if x.is_finite() {
            Ok(x)
        } else {
            Err(Fault::NotFinite)
        }
    }
}

fn contains_queue2_action(node: &Node) -> bool {
    node.actions().any(|(_, action, _)| action.is_for_queue2())
}

struct Compiler<'d> {
    program: Program,
    parameters: &'d BTreeMap<String, f64>,
    slot_of: BTreeMap<SlotKey, usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum SlotKey {
    Field(Field),
    Register(String),
    BudgetRemaining,
}

impl Compiler<'_> {
    fn node(&mut self, node: &Node) -> usize {
        let name = self.program.names.len();
        self.program.names.push(Arc::from(node.node_id.as_str()));
        let code = match &node.kind {
            NodeKind::Condition {
                condition,
                on_true,
                on_false,
            } => {
                let expr = self.expr(condition);
                let on_true = self.node(on_true);
                let on_false = self.node(on_false);
                NodeCode::Condition {
                    expr,
                    on_true,
                    on_false,
                    name,
                    simple: self.simple(expr),
                }
            }
            NodeKind::Action { action, parameters } => {
                let params = action
                    .spec()
                    .params
                    .iter()
                    .map(|spec| {
                        parameters.get(spec.name).map(|p| match &p.value {
                            ParamValue::Text(key) if spec.name == "key" => {
                                ParamCode::Register(self.register(key))
                            }
                            value => self.param(value),
                        })
                    })
                    .collect();
                self.program.actions.push(ActionCode {
                    action: *action,
                    node_id: self.program.names[name].clone(),
                    params,
                });
                NodeCode::Action {
                    action: self.program.actions.len() - 1,
                }
            }
        };
        self.program.nodes.push(code);
        self.program.nodes.len() - 1
    }

    /// The index of a register, giving it a slot if it has none.
    fn register(&mut self, name: &str) -> usize {
        let slot = self.slot(SlotKey::Register(name.to_string()));
        match self.program.slots[slot] {
            SlotSource::Register(index) => index,
            SlotSource::Field(_) | SlotSource::BudgetRemaining => 0,
        }
    }

    /// The comparison of leaves that expression `expr` is, if it is one.
    fn simple(&self, expr: usize) -> Option<(CompareOp, Leaf, Leaf)> {
        let leaf = |v: usize| match self.program.vals[v] {
            ValCode::Const(x) => Some(Leaf::Const(x)),
            ValCode::Slot(slot) => Some(Leaf::Slot(slot)),
            _ => None,
        };
        match self.program.exprs[expr] {
            ExprCode::Compare { op, left, right } => Some((op, leaf(left)?, leaf(right)?)),
            _ => None,
        }
    }

    fn param(&mut self, value: &ParamValue) -> ParamCode {
        match value {
            ParamValue::Number(v) => ParamCode::Number(self.val(v)),
            ParamValue::Text(t) => ParamCode::Text(Arc::from(t.as_str())),
            ParamValue::Bool(b) => ParamCode::Bool(*b),
            ParamValue::List(list) => ParamCode::List(list.clone()),
        }
    }

    fn expr(&mut self, expr: &Expr) -> usize {
        let code = match expr {
            Expr::Compare { op, left, right } => ExprCode::Compare {
                op: *op,
                left: self.val(left),
                right: self.val(right),
            },
            Expr::And(list) | Expr::Or(list) => {
                let items: Vec<usize> = list.iter().map(|e| self.expr(e)).collect();
                let first = self.program.expr_lists.len();
                self.program.expr_lists.extend(items);
                let len = list.len();
                if matches!(expr, Expr::And(_)) {
                    ExprCode::And { first, len }
                } else {
                    ExprCode::Or { first, len }
                }
            }
            Expr::Not(inner) => ExprCode::Not(self.expr(inner)),
        };
        self.program.exprs.push(code);
        self.program.exprs.len() - 1
    }

    fn slot(&mut self, key: SlotKey) -> usize {
        if let Some(&slot) = self.slot_of.get(&key) {
            return slot;
        }
        let source = match &key {
            SlotKey::Field(field) => SlotSource::Field(*field),
            SlotKey::BudgetRemaining => SlotSource::BudgetRemaining,
            SlotKey::Register(name) => {
                self.program.registers.push(name.clone());
                SlotSource::Register(self.program.registers.len() - 1)
            }
        };
        self.program.slots.push(source);
        let slot = self.program.slots.len() - 1;
        self.slot_of.insert(key, slot);
        slot
    }

    fn val(&mut self, value: &Value) -> usize {
        let code = match &value.kind {
            ValueKind::Field(field) => ValCode::Slot(self.slot(SlotKey::Field(*field))),
            ValueKind::Register(name) => ValCode::Slot(self.slot(SlotKey::Register(name.clone()))),
            ValueKind::BudgetRemaining => ValCode::Slot(self.slot(SlotKey::BudgetRemaining)),
            // Validation guarantees the parameter exists.
            ValueKind::Param(name) => {
                ValCode::Const(self.parameters.get(name).copied().unwrap_or(f64::NAN))
            }
            ValueKind::Literal(x) => ValCode::Const(*x),
            ValueKind::Compute(compute) => self.compute(compute),
        };
        self.program.vals.push(code);
        self.program.vals.len() - 1
    }

    /// A computation's code; its operands are compiled first, in order.
    fn compute(&mut self, compute: &Compute) -> ValCode {
        match compute.map_operands(|operand| self.val(operand)) {
            Compute::Binary { op, left, right } => ValCode::Binary(op, left, right),
            Compute::Max(items) => {
                let (first, len) = self.val_list(items);
                ValCode::Max { first, len }
            }
            Compute::Min(items) => {
                let (first, len) = self.val_list(items);
                ValCode::Min { first, len }
            }
            Compute::Unary { op, value } => ValCode::Unary(op, value),
            Compute::Clamp { value, min, max } => ValCode::Clamp(value, min, max),
            Compute::Div0 {
                numerator,
                denominator,
                default,
            } => ValCode::Div0(numerator, denominator, default),
        }
    }

    /// Stores compiled values as a list; returns where it starts and its length.
    fn val_list(&mut self, items: Vec<usize>) -> (usize, usize) {
        let first = self.program.val_lists.len();
        let len = items.len();
        self.program.val_lists.extend(items);
        (first, len)
    }
}

/// The priority a flag word (`HIGH`) or a TARGET2 class name (`Urgent`) stands for.
/// Validation decides where each kind of word may be written.
pub fn priority_of_word(word: &str) -> Option<u8> {
    PRIORITY_FLAGS
        .iter()
        .chain(T2_PRIORITY_CLASSES)
        .find(|(flag, _)| *flag == word)
        .map(|(_, priority)| *priority)
}
