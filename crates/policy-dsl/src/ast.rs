//! A policy document as written, after parsing: trees of condition and action nodes.
//! Every element keeps the JSON path it came from, so later checks can say where a
//! problem is.

use rtgsim_core::Field;
use std::collections::BTreeMap;

/// A whole policy document: one to five trees and their parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// `"1.0"` or `"2.0"`.
    pub version: String,
    /// `tree_id` (single-tree form) or `policy_id` (multi-tree form, optional there).
    pub id: String,
    pub description: Option<String>,
    /// Named numbers the trees refer to with `{"param": name}`.
    pub parameters: BTreeMap<String, f64>,
    pub trees: Trees,
}

/// The trees of a document, by kind.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Trees {
    pub payment: Option<Node>,
    pub bank: Option<Node>,
    pub strategic_collateral: Option<Node>,
    pub end_of_tick_collateral: Option<Node>,
    pub initial_liquidity: Option<Node>,
}

impl Trees {
    /// The trees present, with their kind.
    pub fn iter(&self) -> impl Iterator<Item = (TreeKind, &Node)> {
        [
            (TreeKind::Payment, self.payment.as_ref()),
            (TreeKind::Bank, self.bank.as_ref()),
            (
                TreeKind::StrategicCollateral,
                self.strategic_collateral.as_ref(),
            ),
            (
                TreeKind::EndOfTickCollateral,
                self.end_of_tick_collateral.as_ref(),
            ),
            (TreeKind::InitialLiquidity, self.initial_liquidity.as_ref()),
        ]
        .into_iter()
        .filter_map(|(kind, node)| node.map(|n| (kind, n)))
    }
}

/// Which decision a tree makes, and so which fields and actions it may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TreeKind {
    /// Once per payment: release, hold, split, drop...
    Payment,
    /// Once per agent per tick, before the payment tree: budgets and state.
    Bank,
    /// Collateral before the payment decisions.
    StrategicCollateral,
    /// Collateral at the end of the tick.
    EndOfTickCollateral,
    /// At each day's opening: the share of the collateral capacity to have posted
    /// for the day (the initial liquidity).
    InitialLiquidity,
}

impl TreeKind {
    pub const ALL: [TreeKind; 5] = [
        TreeKind::Payment,
        TreeKind::Bank,
        TreeKind::StrategicCollateral,
        TreeKind::EndOfTickCollateral,
        TreeKind::InitialLiquidity,
    ];

    /// The document key of the tree.
    pub fn key(self) -> &'static str {
        match self {
            TreeKind::Payment => "payment_tree",
            TreeKind::Bank => "bank_tree",
            TreeKind::StrategicCollateral => "strategic_collateral_tree",
            TreeKind::EndOfTickCollateral => "end_of_tick_collateral_tree",
            TreeKind::InitialLiquidity => "initial_liquidity_tree",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// A node: a condition with two branches, or an action.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub node_id: String,
    /// The node's `description` (or `comment`), if it has one.
    pub description: Option<String>,
    /// The JSON path of the node, e.g. `payment_tree.on_false`.
    pub path: String,
    pub kind: NodeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Condition {
        condition: Expr,
        on_true: Box<Node>,
        on_false: Box<Node>,
    },
    Action {
        action: ActionName,
        /// Parameter name to value, with each value's path.
        parameters: BTreeMap<String, Param>,
    },
}

impl Node {
    /// The action nodes below this one (itself included), depth first, true
    /// branch before false. Walks with an explicit stack: a tree's depth is what
    /// its file says, and the caller's stack should not depend on it.
    pub fn actions(&self) -> impl Iterator<Item = (&Node, ActionName, &BTreeMap<String, Param>)> {
        let mut pending = vec![self];
        std::iter::from_fn(move || {
            while let Some(node) = pending.pop() {
                match &node.kind {
                    NodeKind::Condition {
                        on_true, on_false, ..
                    } => {
                        pending.push(on_false);
                        pending.push(on_true);
                    }
                    NodeKind::Action { action, parameters } => {
                        return Some((node, *action, parameters));
                    }
                }
            }
            None
        })
    }
}

/// An action parameter as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub path: String,
    pub value: ParamValue,
}

/// An action parameter's value: a number-valued expression, or a literal of another
/// type (a flag name, a reason, a register key, a list of agents).
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    Number(Value),
    Text(String),
    Bool(bool),
    List(Vec<String>),
}

/// A boolean expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Compare {
        op: CompareOp,
        left: Value,
        right: Value,
    },
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CompareOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

/// A number-valued expression, with the JSON path it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub path: String,
    pub kind: ValueKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ValueKind {
    /// A catalog field.
    Field(Field),
    /// A per-agent register `bank_state_*` set by the bank tree.
    Register(String),
    /// `release_budget_remaining`: what this tick's release budget (set by the bank
    /// tree) has left, after the releases decided so far in this call.
    BudgetRemaining,
    Param(String),
    Literal(f64),
    Compute(Box<Compute>),
}

impl Value {
    /// This value and every value inside it, parent before its operands, operands
    /// in [`Compute::operands`] order (the order of a recursive descent). Walks
    /// with an explicit stack, as [`Node::actions`] does: an expression's depth is
    /// what its file says.
    pub fn walk(&self) -> impl Iterator<Item = &Value> {
        let mut pending = vec![self];
        std::iter::from_fn(move || {
            let value = pending.pop()?;
            if let ValueKind::Compute(compute) = &value.kind {
                // Pushed last-first so that the first operand is visited next.
                let start = pending.len();
                pending.extend(compute.operands());
                pending[start..].reverse();
            }
            Some(value)
        })
    }
}

/// A computation: an operator and its operands.
///
/// The operand type is a parameter so that the list of operators and the operands
/// each one takes are written once: the tree as parsed is a `Compute<Value>`, and
/// [`Compute::map_operands`] gives the same operator over anything computed from
/// the operands (compiled indices, emitted code, bounds), while
/// [`Compute::operands`] visits them.
#[derive(Debug, Clone, PartialEq)]
pub enum Compute<V = Value> {
    Binary {
        op: BinaryOp,
        left: V,
        right: V,
    },
    Max(Vec<V>),
    Min(Vec<V>),
    Unary {
        op: UnaryOp,
        value: V,
    },
    Clamp {
        value: V,
        min: V,
        max: V,
    },
    /// `numerator / denominator`, or `default` when the denominator is zero.
    Div0 {
        numerator: V,
        denominator: V,
        default: V,
    },
}

impl<V> Compute<V> {
    /// The operands in the order they are written, which is also the order the
    /// interpreter evaluates them in: `left, right`; the listed values; `value`;
    /// `value, min, max`; `numerator, denominator, default`.
    pub fn operands(&self) -> impl Iterator<Item = &V> {
        let (fixed, listed): ([Option<&V>; 3], &[V]) = match self {
            Compute::Binary { left, right, .. } => ([Some(left), Some(right), None], &[]),
            Compute::Max(values) | Compute::Min(values) => ([None, None, None], values),
            Compute::Unary { value, .. } => ([Some(value), None, None], &[]),
            Compute::Clamp { value, min, max } => ([Some(value), Some(min), Some(max)], &[]),
            Compute::Div0 {
                numerator,
                denominator,
                default,
            } => ([Some(numerator), Some(denominator), Some(default)], &[]),
        };
        fixed.into_iter().flatten().chain(listed)
    }

    /// The same operator with `f` of each operand, `f` called in
    /// [`operands`](Compute::operands) order (so side effects such as a compiler
    /// appending code happen in that order).
    pub fn map_operands<'a, T>(&'a self, mut f: impl FnMut(&'a V) -> T) -> Compute<T> {
        match self {
            Compute::Binary { op, left, right } => Compute::Binary {
                op: *op,
                left: f(left),
                right: f(right),
            },
            Compute::Max(values) => Compute::Max(values.iter().map(f).collect()),
            Compute::Min(values) => Compute::Min(values.iter().map(f).collect()),
            Compute::Unary { op, value } => Compute::Unary {
                op: *op,
                value: f(value),
            },
            Compute::Clamp { value, min, max } => Compute::Clamp {
                value: f(value),
                min: f(min),
                max: f(max),
            },
            Compute::Div0 {
                numerator,
                denominator,
                default,
            } => Compute::Div0 {
                numerator: f(numerator),
                denominator: f(denominator),
                default: f(default),
            },
        }
    }

    /// The operator alone: equal for two computations exactly when they apply the
    /// same operator to the same number of operands.
    pub fn shape(&self) -> Compute<()> {
        self.map_operands(|_| ())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Ceil,
    Floor,
    Round,
    Abs,
}

impl UnaryOp {
    pub fn name(self) -> &'static str {
        match self {
            UnaryOp::Ceil => "ceil",
            UnaryOp::Floor => "floor",
            UnaryOp::Round => "round",
            UnaryOp::Abs => "abs",
        }
    }
}

/// Every action a tree can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ActionName {
    // Payment tree.
    Release,
    ReleaseWithCredit,
    Split,
    PaceAndRelease,
    StaggerSplit,
    Hold,
    Drop,
    Reprioritize,
    WithdrawFromRtgs,
    ResubmitToRtgs,
    ReleaseShare,
    // Bank tree.
    SetReleaseBudget,
    SetState,
    AddState,
    NoAction,
    // Collateral trees.
    PostCollateral,
    WithdrawCollateral,
    HoldCollateral,
    // Initial liquidity tree.
    PostShare,
    KeepPosted,
}
