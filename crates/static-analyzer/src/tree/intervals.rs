//! What the conditions on a path establish about the fields: for each field an
//! interval of possible values (and points ruled out by `!=`), from comparisons of
//! the field with a constant (a literal or a parameter). Enough to see that a
//! condition is always true or false on a path, and whether a field can be zero.

use rtgsim_core::fields::FieldUnit;
use rtgsim_core::{CATALOG, Field};
use rtgsim_policy_dsl::ast::{CompareOp, Expr, Value, ValueKind};
use std::collections::BTreeMap;

/// A condition's value, when it is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truth {
    True,
    False,
    Unknown,
}

impl Truth {
    fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }
}

/// An interval of reals, each end open or closed (infinite ends are open).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Interval {
    lo: f64,
    lo_closed: bool,
    hi: f64,
    hi_closed: bool,
}

impl Interval {
    const ALL: Interval = Interval {
        lo: f64::NEG_INFINITY,
        lo_closed: false,
        hi: f64::INFINITY,
        hi_closed: false,
    };

    /// The values `x` for which `x op c` holds (`!=` has no interval: `None`).
    fn of(op: CompareOp, c: f64) -> Option<Interval> {
        let all = Interval::ALL;
        Some(match op {
            CompareOp::Lt => Interval { hi: c, ..all },
            CompareOp::Le => Interval {
                hi: c,
                hi_closed: true,
                ..all
            },
            CompareOp::Gt => Interval { lo: c, ..all },
            CompareOp::Ge => Interval {
                lo: c,
                lo_closed: true,
                ..all
            },
            CompareOp::Eq => Interval {
                lo: c,
                lo_closed: true,
                hi: c,
                hi_closed: true,
            },
            CompareOp::Ne => return None,
        })
    }

    fn intersect(self, other: Interval) -> Interval {
        let (lo, lo_closed) = if self.lo > other.lo || (self.lo == other.lo && !self.lo_closed) {
            (self.lo, self.lo_closed)
        } else {
            (other.lo, other.lo_closed)
        };
        let (hi, hi_closed) = if self.hi < other.hi || (self.hi == other.hi && !self.hi_closed) {
            (self.hi, self.hi_closed)
        } else {
            (other.hi, other.hi_closed)
        };
        Interval {
            lo,
            lo_closed,
            hi,
            hi_closed,
        }
    }

    fn is_empty(self) -> bool {
        self.lo > self.hi || (self.lo == self.hi && !(self.lo_closed && self.hi_closed))
    }

    fn contains(self, x: f64) -> bool {
        (self.lo < x || (self.lo == x && self.lo_closed))
            && (x < self.hi || (x == self.hi && self.hi_closed))
    }
}

/// The opposite comparison: `!(x op c)` is `x negate(op) c`.
fn negate(op: CompareOp) -> CompareOp {
    match op {
        CompareOp::Lt => CompareOp::Ge,
        CompareOp::Le => CompareOp::Gt,
        CompareOp::Gt => CompareOp::Le,
        CompareOp::Ge => CompareOp::Lt,
        CompareOp::Eq => CompareOp::Ne,
        CompareOp::Ne => CompareOp::Eq,
    }
}

/// `c op x` as `x flip(op) c`.
fn flip(op: CompareOp) -> CompareOp {
    match op {
        CompareOp::Lt => CompareOp::Gt,
        CompareOp::Le => CompareOp::Ge,
        CompareOp::Gt => CompareOp::Lt,
        CompareOp::Ge => CompareOp::Le,
        other => other,
    }
}

/// What a field can hold before any condition: flags are 0 or 1, priorities 0-10.
fn natural(field: Field) -> Interval {
    let unit = CATALOG.iter().find(|s| s.field == field).map(|s| s.unit);
    match unit {
        Some(FieldUnit::Flag) => Interval {
            lo: 0.0,
            lo_closed: true,
            hi: 1.0,
            hi_closed: true,
        },
        Some(FieldUnit::Priority) => Interval {
            lo: 0.0,
            lo_closed: true,
            hi: 10.0,
            hi_closed: true,
        },
        _ => Interval::ALL,
    }
}

/// A comparison reduced to what this reasoning handles.
enum Comparison {
    /// `field op constant`.
    Field(Field, CompareOp, f64),
    /// Two constants, or a field with itself: its value.
    Constant(bool),
    Other,
}

fn constant(value: &Value, parameters: &BTreeMap<String, f64>) -> Option<f64> {
    match &value.kind {
        ValueKind::Literal(x) => Some(*x),
        ValueKind::Param(name) => parameters.get(name).copied(),
        _ => None,
    }
}

fn compare(op: CompareOp, a: f64, b: f64) -> bool {
    match op {
        CompareOp::Eq => a == b,
        CompareOp::Ne => a != b,
        CompareOp::Lt => a < b,
        CompareOp::Le => a <= b,
        CompareOp::Gt => a > b,
        CompareOp::Ge => a >= b,
    }
}

fn reduce(
    op: CompareOp,
    left: &Value,
    right: &Value,
    parameters: &BTreeMap<String, f64>,
) -> Comparison {
    match (
        &left.kind,
        &right.kind,
        constant(left, parameters),
        constant(right, parameters),
    ) {
        (_, _, Some(a), Some(b)) => Comparison::Constant(compare(op, a, b)),
        (ValueKind::Field(f), _, None, Some(c)) => Comparison::Field(*f, op, c),
        (_, ValueKind::Field(f), Some(c), None) => Comparison::Field(*f, flip(op), c),
        (ValueKind::Field(f), ValueKind::Field(g), None, None) if f == g => {
            Comparison::Constant(matches!(op, CompareOp::Eq | CompareOp::Le | CompareOp::Ge))
        }
        _ => Comparison::Other,
    }
}

/// What is known on a path.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    bounds: BTreeMap<Field, Interval>,
    excluded: BTreeMap<Field, Vec<f64>>,
}

impl Facts {
    fn interval(&self, field: Field) -> Interval {
        self.bounds
            .get(&field)
            .copied()
            .unwrap_or_else(|| natural(field))
    }

    fn excludes(&self, field: Field, x: f64) -> bool {
        self.excluded
            .get(&field)
            .is_some_and(|points| points.contains(&x))
    }

    /// The condition's value on this path, if the facts decide it.
    pub fn truth(&self, expr: &Expr, parameters: &BTreeMap<String, f64>) -> Truth {
        match expr {
            Expr::Compare { op, left, right } => match reduce(*op, left, right, parameters) {
                Comparison::Constant(true) => Truth::True,
                Comparison::Constant(false) => Truth::False,
                Comparison::Other => Truth::Unknown,
                Comparison::Field(field, op, c) => self.field_truth(field, op, c),
            },
            Expr::And(items) => {
                let truths: Vec<Truth> = items.iter().map(|e| self.truth(e, parameters)).collect();
                if truths.contains(&Truth::False) {
                    Truth::False
                } else if truths.iter().all(|t| *t == Truth::True) {
                    Truth::True
                } else {
                    Truth::Unknown
                }
            }
            Expr::Or(items) => {
                let truths: Vec<Truth> = items.iter().map(|e| self.truth(e, parameters)).collect();
                if truths.contains(&Truth::True) {
                    Truth::True
                } else if truths.iter().all(|t| *t == Truth::False) {
                    Truth::False
                } else {
                    Truth::Unknown
                }
            }
            Expr::Not(inner) => self.truth(inner, parameters).not(),
        }
    }

    fn field_truth(&self, field: Field, op: CompareOp, c: f64) -> Truth {
        let interval = self.interval(field);
        let (test, op) = if op == CompareOp::Ne {
            (CompareOp::Eq, true)
        } else {
            (op, false)
        };
        let truth = if test == CompareOp::Eq {
            if !interval.contains(c) || self.excludes(field, c) {
                Truth::False
            } else if interval.lo == c && interval.hi == c {
                Truth::True
            } else {
                Truth::Unknown
            }
        } else {
            let holds = Interval::of(test, c).map(|s| interval.intersect(s));
            let fails = Interval::of(negate(test), c).map(|s| interval.intersect(s));
            match (
                holds.is_some_and(Interval::is_empty),
                fails.is_some_and(Interval::is_empty),
            ) {
                (true, _) => Truth::False,
                (_, true) => Truth::True,
                _ => Truth::Unknown,
            }
        };
        if op { truth.not() } else { truth }
    }

    /// The facts once `expr` is known to be `holds`.
    pub fn assume(&self, expr: &Expr, holds: bool, parameters: &BTreeMap<String, f64>) -> Facts {
        let mut facts = self.clone();
        match expr {
            Expr::Compare { op, left, right } => {
                if let Comparison::Field(field, op, c) = reduce(*op, left, right, parameters) {
                    let op = if holds { op } else { negate(op) };
                    match Interval::of(op, c) {
                        Some(set) => {
                            let narrowed = facts.interval(field).intersect(set);
                            facts.bounds.insert(field, narrowed);
                        }
                        None => facts.excluded.entry(field).or_default().push(c),
                    }
                }
            }
            Expr::And(items) if holds => {
                for item in items {
                    facts = facts.assume(item, true, parameters);
                }
            }
            Expr::Or(items) if !holds => {
                for item in items {
                    facts = facts.assume(item, false, parameters);
                }
            }
            Expr::Not(inner) => facts = facts.assume(inner, !holds, parameters),
            _ => {}
        }
        facts
    }

    /// Whether `field` can be zero on this path.
    pub fn may_be_zero(&self, field: Field) -> bool {
        self.interval(field).contains(0.0) && !self.excludes(field, 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Interval;
    use rtgsim_policy_dsl::ast::CompareOp;

    #[test]
    fn interval_sets() {
        let below = Interval::of(CompareOp::Lt, 5.0).unwrap();
        let from = Interval::of(CompareOp::Ge, 5.0).unwrap();
        assert!(below.intersect(from).is_empty());
        let at_most = Interval::of(CompareOp::Le, 5.0).unwrap();
        assert!(!at_most.intersect(from).is_empty());
        assert!(at_most.intersect(from).contains(5.0));
        assert!(!below.contains(5.0));
    }
}
