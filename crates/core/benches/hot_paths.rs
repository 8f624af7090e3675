//! Core hot paths: generating arrivals, a built-in policy's decisions over a queue,
//! and reading catalog fields through the policy view.
#![allow(clippy::unwrap_used, missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rtgsim_core::arrivals::{
    AmountDistribution, ArrivalBand, ArrivalGenerator, ArrivalSpec, Counterparties,
    PriorityDistribution,
};
use rtgsim_core::policies::{Fifo, LiquidityAware};
use rtgsim_core::testkit::World;
use rtgsim_core::{AgentId, CashManagerPolicy, Field, NewPayment};
use std::hint::black_box;

fn arrivals(c: &mut Criterion) {
    let spec = ArrivalSpec::single(
        ArrivalBand {
            rate_per_tick: 4.0,
            amount: AmountDistribution::LogNormal {
                median: 50_000,
                sigma: 1.0,
            },
            deadline_ticks: (5, 60),
            priority: PriorityDistribution::Range { min: 0, max: 10 },
            divisible_share: 0.3,
        },
        Counterparties::Weighted(
            (1..1_000)
                .map(|j| (AgentId(j), 1.0 / f64::from(j)))
                .collect(),
        ),
    );
    let mut generator = ArrivalGenerator::new(1, vec![Some(spec)]);
    let mut out: Vec<NewPayment> = Vec::with_capacity(64);
    let mut group = c.benchmark_group("arrivals");
    // About 4 payments per call.
    group.throughput(Throughput::Elements(4));
    let mut tick = 0;
    group.bench_function("one_agent_one_tick_rate_4", |b| {
        b.iter(|| {
            out.clear();
            generator.generate(AgentId(0), tick, &mut out);
            tick = tick.wrapping_add(1);
            black_box(out.len())
        });
    });
    group.finish();
}

fn policies(c: &mut Criterion) {
    let mut world = World::new(&[("A", 5_000_000), ("B", 0)]);
    for i in 0..100 {
        world.pay("A", "B", 10_000 + i * 700, 20 + (i as u32 % 60));
    }
    world.at_tick(10);
    let mut group = c.benchmark_group("policy_evaluate_queue_100");
    group.throughput(Throughput::Elements(100));
    group.bench_function("fifo", |b| {
        b.iter(|| black_box(Fifo.evaluate_queue(&world.view("A")).unwrap()))
    });
    let mut aware = LiquidityAware {
        target_buffer: 1_000_000,
        urgency_threshold: 5,
    };
    group.bench_function("liquidity_aware", |b| {
        b.iter(|| black_box(aware.evaluate_queue(&world.view("A")).unwrap()))
    });
    group.finish();

    let view = world.view("A");
    let tx = view.queue1().next().unwrap();
    let mut fields = c.benchmark_group("field_read");
    fields.bench_function("transaction_field", |b| {
        b.iter(|| black_box(view.field(black_box(Field::TicksToDeadline), Some(tx))))
    });
    fields.bench_function("agent_field", |b| {
        b.iter(|| black_box(view.field(black_box(Field::LiquidityPressure), Some(tx))))
    });
    fields.finish();
}

criterion_group!(benches, arrivals, policies);
criterion_main!(benches);
