//! A tree's numbers and conditions as Starlark expressions that compute exactly what
//! the tree interpreter computes.
//!
//! The interpreter works in `f64` and fails on a division by (nearly) zero, on a
//! clamp with its bounds crossed, and on any result that is not finite. Fields are
//! therefore read as floats (`float(tx.amount)`), divisions and clamps go through
//! helpers that fail the same way, and an addition, subtraction or multiplication is
//! checked for overflow only where its operands could be large enough to overflow:
//! field values are bounded by the scenario limits (see [`FIELD_BOUND`]), constants
//! are known, and registers and the release budget are not bounded.

use crate::helpers::{Constant, Helper, Helpers};
use rtgsim_core::Field;
use rtgsim_core::fields::FieldType;
use rtgsim_policy_dsl::ast::{BinaryOp, CompareOp, Compute, Expr, UnaryOp, Value, ValueKind};
use rtgsim_policy_dsl::program::EPSILON;
use rtgsim_policy_starlark::objects::{AGENT_SCOPES, SYSTEM_SCOPES, TX_SCOPES};
use std::collections::BTreeMap;

/// No field's value is larger than this in magnitude: integer fields are `i64`
/// (below 9.3e18), and the float fields are fractions, rates (at most 10,000) or a
/// cost of at most an amount times a rate (1e14 * 1e4).
pub const FIELD_BOUND: f64 = 1.9e19;

/// A result whose magnitude is proven below this cannot have overflowed (with room
/// for rounding).
const SAFE_BOUND: f64 = 1e300;

/// How tightly an emitted expression binds, loosest first: decides parentheses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Prec {
    /// `a if c else b`
    Conditional,
    Or,
    And,
    Not,
    Compare,
    Sum,
    Product,
    /// `-x`
    Negation,
    Atom,
}

/// An emitted expression and how tightly it binds.
#[derive(Debug, Clone)]
pub struct Code {
    pub text: String,
    pub prec: Prec,
}

impl Code {
    fn new(text: impl Into<String>, prec: Prec) -> Code {
        Code {
            text: text.into(),
            prec,
        }
    }

    fn atom(text: impl Into<String>) -> Code {
        Code::new(text, Prec::Atom)
    }

    /// The text, in parentheses unless it binds at least as tightly as `min`.
    pub fn at_least(&self, min: Prec) -> String {
        if self.prec >= min {
            self.text.clone()
        } else {
            format!("({})", self.text)
        }
    }
}

/// Which of the objects and runtime values the emitted code reads.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Uses {
    pub tx: bool,
    pub agent: bool,
    pub system: bool,
    pub registers: bool,
    pub budget: bool,
    /// The timed releases kept in `state` (`timed_for_tick`).
    pub timed: bool,
}

impl Uses {
    pub fn merge(&mut self, other: Uses) {
        self.tx |= other.tx;
        self.agent |= other.agent;
        self.system |= other.system;
        self.registers |= other.registers;
        self.budget |= other.budget;
        self.timed |= other.timed;
    }
}

/// Translates values and conditions, noting the helpers and objects they use.
#[derive(Debug)]
pub struct Translator<'a> {
    /// Parameter name to its constant's name.
    pub constants: &'a BTreeMap<String, String>,
    pub parameters: &'a BTreeMap<String, f64>,
    pub helpers: &'a mut Helpers,
    pub uses: Uses,
    /// Fields no Starlark object offers (a conversion error).
    pub unseen: Vec<(Field, String)>,
}

impl Translator<'_> {
    /// A condition.
    pub fn condition(&mut self, expr: &Expr) -> Code {
        match expr {
            Expr::Compare { op, left, right } => {
                let (l, r) = (self.value(left), self.value(right));
                match op {
                    CompareOp::Eq => Code::atom(self.call(Helper::Eq, &[l, r])),
                    CompareOp::Ne => {
                        Code::new(format!("not {}", self.call(Helper::Eq, &[l, r])), Prec::Not)
                    }
                    _ => Code::new(
                        format!(
                            "{} {} {}",
                            l.at_least(Prec::Sum),
                            op.symbol(),
                            r.at_least(Prec::Sum)
                        ),
                        Prec::Compare,
                    ),
                }
            }
            Expr::And(items) | Expr::Or(items) => {
                let and = matches!(expr, Expr::And(_));
                let codes: Vec<Code> = items.iter().map(|e| self.condition(e)).collect();
                match codes.len() {
                    0 => Code::atom(if and { "True" } else { "False" }),
                    1 => codes.into_iter().next().unwrap_or_else(|| Code::atom("")),
                    _ => {
                        let (word, prec) = if and {
                            (" and ", Prec::And)
                        } else {
                            (" or ", Prec::Or)
                        };
                        // An `and` inside an `or` gets parentheses though it needs none:
                        // they are easier to read.
                        let texts: Vec<String> = codes
                            .iter()
                            .map(|c| {
                                if c.prec == prec {
                                    c.text.clone()
                                } else {
                                    c.at_least(Prec::Not)
                                }
                            })
                            .collect();
                        Code::new(texts.join(word), prec)
                    }
                }
            }
            Expr::Not(inner) => {
                let inner = self.condition(inner);
                Code::new(format!("not {}", inner.at_least(Prec::Atom)), Prec::Not)
            }
        }
    }

    /// A number, as a float.
    pub fn value(&mut self, value: &Value) -> Code {
        match &value.kind {
            ValueKind::Field(field) => self.field(*field),
            ValueKind::Register(name) => {
                self.uses.registers = true;
                Code::atom(format!(
                    "registers.get({}, 0.0)",
                    crate::script::string(name)
                ))
            }
            ValueKind::BudgetRemaining => {
                self.uses.budget = true;
                let name = self.helpers.call(Helper::BudgetLeft);
                Code::atom(format!("{name}(budget)"))
            }
            ValueKind::Param(name) => Code::atom(
                self.constants
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| name.to_uppercase()),
            ),
            ValueKind::Literal(x) => literal(*x),
            ValueKind::Compute(compute) => self.compute(compute),
        }
    }

    fn field(&mut self, field: Field) -> Code {
        let spec = field.spec();
        let object = if TX_SCOPES.contains(&spec.scope) {
            self.uses.tx = true;
            "tx"
        } else if AGENT_SCOPES.contains(&spec.scope) {
            self.uses.agent = true;
            "agent"
        } else if SYSTEM_SCOPES.contains(&spec.scope) {
            self.uses.system = true;
            "system"
        } else {
            self.unseen.push((field, spec.name.to_string()));
            return Code::atom(format!("fail(\"no Starlark object has {}\")", spec.name));
        };
        match spec.ty {
            FieldType::Float => Code::atom(format!("{object}.{}", spec.name)),
            FieldType::Int | FieldType::Bool => {
                Code::atom(format!("float({object}.{})", spec.name))
            }
        }
    }

    /// A computation; its operands are translated first, in order.
    fn compute(&mut self, compute: &Compute) -> Code {
        // The interpreter evaluates only the side of a `div0` it takes; so must the
        // emitted code when a side can fail, or a failure on the side not taken
        // would fail the call.
        let div0_side_can_fail = matches!(
            compute,
            Compute::Div0 { numerator, default, .. }
                if can_fail(numerator, self.parameters) || can_fail(default, self.parameters)
        );
        match compute.map_operands(|operand| self.value(operand)) {
            Compute::Binary {
                op,
                left: l,
                right: r,
            } => {
                let prec = match op {
                    BinaryOp::Add | BinaryOp::Sub => Prec::Sum,
                    BinaryOp::Mul => Prec::Product,
                    BinaryOp::Div => return Code::atom(self.call(Helper::Div, &[l, r])),
                };
                // Left-associative: the right operand needs parentheses at equal
                // binding, or `a - (b - c)` would become `a - b - c`.
                let text = format!(
                    "{} {} {}",
                    l.at_least(prec),
                    op.symbol(),
                    right_operand(&r, prec)
                );
                if bound_compute(compute, self.parameters) > SAFE_BOUND {
                    Code::atom(format!("{}({text})", self.helpers.call(Helper::Finite)))
                } else {
                    Code::new(text, prec)
                }
            }
            Compute::Max(codes) => extremum("max", codes),
            Compute::Min(codes) => extremum("min", codes),
            Compute::Unary { op, value: v } => match op {
                UnaryOp::Abs => Code::atom(format!("abs({})", v.text)),
                UnaryOp::Floor => Code::atom(self.call(Helper::Floor, &[v])),
                UnaryOp::Ceil => Code::atom(self.call(Helper::Ceil, &[v])),
                UnaryOp::Round => Code::atom(self.call(Helper::Round, &[v])),
            },
            Compute::Clamp { value, min, max } => {
                Code::atom(self.call(Helper::Clamp, &[value, min, max]))
            }
            Compute::Div0 {
                numerator: n,
                denominator: d,
                default: z,
            } => {
                if div0_side_can_fail {
                    let epsilon = self.helpers.constant(Constant::Epsilon);
                    let div = self.call(Helper::Div, &[n, d.clone()]);
                    Code::new(
                        format!(
                            "{} if abs({}) < {epsilon} else {div}",
                            z.at_least(Prec::Or),
                            d.text
                        ),
                        Prec::Conditional,
                    )
                } else {
                    Code::atom(self.call(Helper::Div0, &[n, d, z]))
                }
            }
        }
    }

    fn call(&mut self, helper: Helper, args: &[Code]) -> String {
        let name = self.helpers.call(helper);
        format!("{name}({})", join(args))
    }
}

/// `max(...)` or `min(...)` of translated values.
fn extremum(word: &str, codes: Vec<Code>) -> Code {
    match codes.len() {
        // The interpreter starts from an infinity, which fails.
        0 => Code::atom("fail(\"a computation gave a number that is not finite\")"),
        1 => codes.into_iter().next().unwrap_or_else(|| Code::atom("")),
        _ => Code::atom(format!("{word}({})", join(&codes))),
    }
}

fn right_operand(code: &Code, prec: Prec) -> String {
    if code.prec > prec {
        code.text.clone()
    } else {
        format!("({})", code.text)
    }
}

fn join(codes: &[Code]) -> String {
    codes
        .iter()
        .map(|c| c.at_least(Prec::Or))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A float literal that reads back as exactly `x`.
pub fn literal(x: f64) -> Code {
    // `{:?}` prints the shortest text that parses back to the same float, always
    // with a `.` or an exponent, which Starlark reads as a float.
    let text = format!("{x:?}");
    if x.is_sign_negative() {
        Code::new(text, Prec::Negation)
    } else {
        Code::atom(text)
    }
}

/// An upper bound on the magnitude of `value`, whatever the state.
pub fn bound(value: &Value, parameters: &BTreeMap<String, f64>) -> f64 {
    match &value.kind {
        ValueKind::Field(field) => match field.spec().ty {
            FieldType::Bool => 1.0,
            FieldType::Int | FieldType::Float => FIELD_BOUND,
        },
        ValueKind::Register(_) | ValueKind::BudgetRemaining => f64::MAX,
        ValueKind::Param(name) => parameters.get(name).map_or(f64::MAX, |x| x.abs()),
        ValueKind::Literal(x) => x.abs(),
        ValueKind::Compute(compute) => bound_compute(compute, parameters),
    }
}

fn bound_compute(compute: &Compute, parameters: &BTreeMap<String, f64>) -> f64 {
    match compute.map_operands(|operand| bound(operand, parameters)) {
        Compute::Binary { op, left, right } => match op {
            BinaryOp::Add | BinaryOp::Sub => left + right,
            BinaryOp::Mul => left * right,
            BinaryOp::Div => left / EPSILON,
        },
        Compute::Max(bounds) | Compute::Min(bounds) => bounds.into_iter().fold(0.0, f64::max),
        Compute::Unary { op, value } => match op {
            UnaryOp::Abs => value,
            UnaryOp::Floor | UnaryOp::Ceil | UnaryOp::Round => value + 1.0,
        },
        Compute::Clamp { min, max, .. } => min.max(max),
        Compute::Div0 {
            numerator, default, ..
        } => (numerator / EPSILON).max(default),
    }
}

/// Whether evaluating `value` can fail on some state.
pub fn can_fail(value: &Value, parameters: &BTreeMap<String, f64>) -> bool {
    let ValueKind::Compute(compute) = &value.kind else {
        return false;
    };
    let fails_itself = match &**compute {
        Compute::Binary { op, .. } => {
            *op == BinaryOp::Div || bound_compute(compute, parameters) > SAFE_BOUND
        }
        Compute::Max(values) | Compute::Min(values) => values.is_empty(),
        Compute::Unary { .. } => false,
        // The bounds may cross.
        Compute::Clamp { .. } => true,
        Compute::Div0 { .. } => bound_compute(compute, parameters) > SAFE_BOUND,
    };
    fails_itself
        || compute
            .operands()
            .any(|operand| can_fail(operand, parameters))
}
