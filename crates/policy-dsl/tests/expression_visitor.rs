//! The expression visitors of the AST (`Value::walk`, `Compute::operands`,
//! `Compute::map_operands`, `Compute::shape`), checked on a hand-built nested
//! expression whose order and values are worked out by hand.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_policy_dsl::ast::{BinaryOp, Compute, UnaryOp, Value, ValueKind};

fn literal(path: &str, x: f64) -> Value {
    Value {
        path: path.into(),
        kind: ValueKind::Literal(x),
    }
}

fn computed(path: &str, compute: Compute) -> Value {
    Value {
        path: path.into(),
        kind: ValueKind::Compute(Box::new(compute)),
    }
}

fn paths<'a>(values: impl Iterator<Item = &'a Value>) -> Vec<&'a str> {
    values.map(|v| v.path.as_str()).collect()
}

/// `max(a, b * c, clamp(d, e, div0(f, g, h)))` with the literals
/// a=1, b=2, c=3, d=4, e=5, f=6, g=0, h=8.
fn nested() -> Value {
    let div0 = computed(
        "div0",
        Compute::Div0 {
            numerator: literal("f", 6.0),
            denominator: literal("g", 0.0),
            default: literal("h", 8.0),
        },
    );
    let clamp = computed(
        "clamp",
        Compute::Clamp {
            value: literal("d", 4.0),
            min: literal("e", 5.0),
            max: div0,
        },
    );
    let product = computed(
        "mul",
        Compute::Binary {
            op: BinaryOp::Mul,
            left: literal("b", 2.0),
            right: literal("c", 3.0),
        },
    );
    computed("max", Compute::Max(vec![literal("a", 1.0), product, clamp]))
}

fn compute_of(value: &Value) -> &Compute {
    match &value.kind {
        ValueKind::Compute(compute) => compute,
        other => panic!("not a computation: {other:?}"),
    }
}

/// A reference evaluator written with `map_operands`: if it put an operand in
/// the wrong place, the hand-computed results below would differ.
fn evaluate(value: &Value) -> f64 {
    let ValueKind::Compute(compute) = &value.kind else {
        let ValueKind::Literal(x) = value.kind else {
            panic!("only literals and computations here");
        };
        return x;
    };
    match compute.map_operands(evaluate) {
        Compute::Binary { op, left, right } => match op {
            BinaryOp::Add => left + right,
            BinaryOp::Sub => left - right,
            BinaryOp::Mul => left * right,
            BinaryOp::Div => left / right,
        },
        Compute::Max(values) => values.into_iter().fold(f64::NEG_INFINITY, f64::max),
        Compute::Min(values) => values.into_iter().fold(f64::INFINITY, f64::min),
        Compute::Unary { op, value } => match op {
            UnaryOp::Ceil => value.ceil(),
            UnaryOp::Floor => value.floor(),
            UnaryOp::Round => value.round(),
            UnaryOp::Abs => value.abs(),
        },
        Compute::Clamp { value, min, max } => value.max(min).min(max),
        Compute::Div0 {
            numerator,
            denominator,
            default,
        } => {
            if denominator == 0.0 {
                default
            } else {
                numerator / denominator
            }
        }
    }
}

#[test]
fn operands_come_in_written_order() {
    let value = nested();
    let max = compute_of(&value);
    assert_eq!(paths(max.operands()), ["a", "mul", "clamp"]);
    let Compute::Max(items) = max else {
        panic!("not a max");
    };
    assert_eq!(paths(compute_of(&items[1]).operands()), ["b", "c"]);
    let clamp = compute_of(&items[2]);
    assert_eq!(paths(clamp.operands()), ["d", "e", "div0"]);
    let Compute::Clamp { max: div0, .. } = clamp else {
        panic!("not a clamp");
    };
    assert_eq!(paths(compute_of(div0).operands()), ["f", "g", "h"]);
    let unary = Compute::Unary {
        op: UnaryOp::Abs,
        value: literal("x", -1.0),
    };
    assert_eq!(paths(unary.operands()), ["x"]);
    assert_eq!(Compute::<Value>::Min(Vec::new()).operands().count(), 0);
}

#[test]
fn walk_is_a_preorder_of_every_value() {
    assert_eq!(
        paths(nested().walk()),
        [
            "max", "a", "mul", "b", "c", "clamp", "d", "e", "div0", "f", "g", "h"
        ]
    );
    let leaf = literal("x", 7.0);
    assert_eq!(paths(leaf.walk()), ["x"]);
}

#[test]
fn map_operands_keeps_each_operand_in_its_place() {
    // div0(6, 0, 8) = 8; clamp(4, 5, 8) = 5; 2 * 3 = 6; max(1, 6, 5) = 6.
    let value = nested();
    assert_eq!(evaluate(&value), 6.0);
    let Compute::Max(items) = compute_of(&value) else {
        panic!("not a max");
    };
    assert_eq!(evaluate(&items[2]), 5.0);
    let sub = computed(
        "sub",
        Compute::Binary {
            op: BinaryOp::Sub,
            left: literal("l", 10.0),
            right: literal("r", 4.0),
        },
    );
    assert_eq!(evaluate(&sub), 6.0);
    let div0 = computed(
        "div0",
        Compute::Div0 {
            numerator: literal("n", 9.0),
            denominator: literal("d", 3.0),
            default: literal("z", -1.0),
        },
    );
    assert_eq!(evaluate(&div0), 3.0);
}

#[test]
fn map_operands_calls_in_operand_order() {
    let value = nested();
    let clamp = match compute_of(&value) {
        Compute::Max(items) => compute_of(&items[2]),
        _ => panic!("not a max"),
    };
    let mut seen = Vec::new();
    let numbered = clamp.map_operands(|v| {
        seen.push(v.path.clone());
        seen.len()
    });
    assert_eq!(seen, ["d", "e", "div0"]);
    assert_eq!(
        numbered,
        Compute::Clamp {
            value: 1,
            min: 2,
            max: 3
        }
    );
}

#[test]
fn shape_is_the_operator_and_the_operand_count() {
    let add = |l: f64, r: f64| Compute::Binary {
        op: BinaryOp::Add,
        left: literal("l", l),
        right: literal("r", r),
    };
    assert_eq!(add(1.0, 2.0).shape(), add(3.0, 4.0).shape());
    let sub = Compute::Binary {
        op: BinaryOp::Sub,
        left: literal("l", 1.0),
        right: literal("r", 2.0),
    };
    assert_ne!(add(1.0, 2.0).shape(), sub.shape());
    let two = Compute::Max(vec![literal("a", 1.0), literal("b", 2.0)]);
    let three = Compute::Max(vec![
        literal("a", 1.0),
        literal("b", 2.0),
        literal("c", 3.0),
    ]);
    let min = Compute::Min(vec![literal("a", 1.0), literal("b", 2.0)]);
    assert_ne!(two.shape(), three.shape());
    assert_ne!(two.shape(), min.shape());
    assert_eq!(two.shape(), Compute::Max(vec![(), ()]));
}
