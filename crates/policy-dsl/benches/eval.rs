//! Evaluating decision trees: the cost per payment of a depth-10 payment tree, and of
//! the seed's liquidity-aware tree, over a queue of 100 payments.
#![allow(clippy::unwrap_used, missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rtgsim_core::CashManagerPolicy;
use rtgsim_core::testkit::World;
use rtgsim_policy_dsl::TreePolicy;
use serde_json::{Value, json};
use std::hint::black_box;

/// A chain of `depth` condition nodes, each one comparison of a field with a
/// parameter, as most trees are written.
fn simple_tree(depth: usize) -> Value {
    let fields = [
        "amount",
        "balance",
        "ticks_to_deadline",
        "queue_age",
        "priority",
        "available_liquidity",
    ];
    let mut node = json!({"type": "action", "node_id": "A_LAST", "action": "Release"});
    for level in (0..depth - 1).rev() {
        node = json!({
            "type": "condition",
            "node_id": format!("N{level}"),
            "condition": {"op": ">=", "left": {"field": fields[level % fields.len()]}, "right": {"param": "floor"}},
            "on_true": node,
            "on_false": {"type": "action", "node_id": format!("A_HOLD_{level}"), "action": "Hold"}
        });
    }
    json!({"version": "1.0", "tree_id": "simple", "root": node, "parameters": {"floor": -1.0}})
}

/// A chain of `depth` condition nodes, each an "and" of two comparisons, one of them
/// over a computation: about three times the work of a simple node.
fn deep_tree(depth: usize) -> Value {
    let fields = [
        "amount",
        "balance",
        "ticks_to_deadline",
        "queue_age",
        "priority",
        "available_liquidity",
    ];
    let mut node = json!({"type": "action", "node_id": "A_LAST", "action": "Release"});
    for level in (0..depth - 1).rev() {
        let field = fields[level % fields.len()];
        node = json!({
            "type": "condition",
            "node_id": format!("N{level}"),
            "condition": {"op": "and", "conditions": [
                {"op": ">=", "left": {"compute": {"op": "*", "left": {"field": field}, "right": {"value": 1.5}}}, "right": {"param": "floor"}},
                {"op": "!=", "left": {"field": "is_divisible"}, "right": {"value": 7}}
            ]},
            "on_true": node,
            "on_false": {"type": "action", "node_id": format!("A_HOLD_{level}"), "action": "Hold"}
        });
    }
    json!({"version": "1.0", "tree_id": "deep", "root": node, "parameters": {"floor": -1.0}})
}

fn world() -> World {
    let mut world = World::new(&[("A", 5_000_000), ("B", 0)]);
    for i in 0..100 {
        world.pay("A", "B", 10_000 + i * 700, 20 + (i as u32 % 60));
    }
    world.at_tick(10);
    world
}

fn bench(c: &mut Criterion) {
    let world = world();
    let mut group = c.benchmark_group("tree_evaluate_queue_100");
    group.throughput(Throughput::Elements(100));
    let mut simple = TreePolicy::from_text(&simple_tree(10).to_string()).unwrap();
    assert_eq!(simple.evaluate_queue(&world.view("A")).unwrap().len(), 100);
    group.bench_function("depth_10_simple", |b| {
        b.iter(|| black_box(simple.evaluate_queue(&world.view("A")).unwrap()))
    });
    let mut deep = TreePolicy::from_text(&deep_tree(10).to_string()).unwrap();
    assert_eq!(deep.evaluate_queue(&world.view("A")).unwrap().len(), 100);
    group.bench_function("depth_10_heavy", |b| {
        b.iter(|| black_box(deep.evaluate_queue(&world.view("A")).unwrap()))
    });
    let seed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../policies/liquidity_aware.json"
    ))
    .unwrap();
    let mut aware = TreePolicy::from_text(&seed).unwrap();
    group.bench_function("seed_liquidity_aware", |b| {
        b.iter(|| black_box(aware.evaluate_queue(&world.view("A")).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
