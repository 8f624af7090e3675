//! Calling Starlark policies: the fixed cost of a call (fresh heap and evaluator, the
//! `agent` and `system` objects, the state in and out) and the cost per queued
//! payment (its `tx` object, the script's loop, the decision read back), for a script
//! that does nothing and for the Starlark port of the built-in LiquidityAware policy.
#![allow(clippy::unwrap_used, missing_docs)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rtgsim_core::CashManagerPolicy;
use rtgsim_core::policies::LiquidityAware;
use rtgsim_core::testkit::World;
use rtgsim_policy_starlark::{Limits, StarlarkPolicy};
use std::hint::black_box;

const EMPTY: &str = "def evaluate_queue(transactions, agent, system, state):\n    return []\n";
const PORT: &str = include_str!("../../../policies/builtin/liquidity_aware.star");

/// Agent A with `queued` payments in Queue 1, about half of which it can afford.
fn world(queued: u32) -> World {
    let mut world = World::new(&[("A", 500_000), ("B", 0)]);
    for i in 0..queued {
        world.pay("A", "B", 10_000 + i64::from(i) * 700, 20 + (i % 60));
    }
    world.at_tick(10);
    world
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("starlark_evaluate_queue");
    for queued in [0u32, 10, 100] {
        let world = world(queued);
        group.throughput(Throughput::Elements(u64::from(queued.max(1))));
        let mut empty =
            StarlarkPolicy::from_source("empty.star", EMPTY, Limits::default()).unwrap();
        group.bench_with_input(BenchmarkId::new("empty_script", queued), &queued, |b, _| {
            b.iter(|| black_box(empty.evaluate_queue(&world.view("A")).unwrap()))
        });
        let mut port =
            StarlarkPolicy::from_source("liquidity_aware.star", PORT, Limits::default()).unwrap();
        let mut rust = LiquidityAware {
            target_buffer: 100_000,
            urgency_threshold: 5,
        };
        assert_eq!(
            port.evaluate_queue(&world.view("A")).unwrap().len(),
            rust.evaluate_queue(&world.view("A")).unwrap().len()
        );
        group.bench_with_input(
            BenchmarkId::new("liquidity_aware_port", queued),
            &queued,
            |b, _| b.iter(|| black_box(port.evaluate_queue(&world.view("A")).unwrap())),
        );
        group.bench_with_input(
            BenchmarkId::new("liquidity_aware_rust", queued),
            &queued,
            |b, _| b.iter(|| black_box(rust.evaluate_queue(&world.view("A")).unwrap())),
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
