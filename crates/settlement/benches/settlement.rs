//! Settlement hot paths: one LSM pass against queue length (a gridlocked queue, the
//! worst case: the multilateral search removes every payment before it stops), and a
//! busy tick of gross settlement.
#![allow(clippy::unwrap_used, missing_docs)]

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rtgsim_core::agent::AgentSetup;
use rtgsim_core::testkit::World;
use rtgsim_core::{AgentId, QueueOrder, Release, TxId};
use rtgsim_settlement::lsm::{bilateral, multilateral};
use rtgsim_settlement::{SettlementConfig, SettlementEngine};

/// A small deterministic generator, so every run benchmarks the same queue.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// `agents` agents with `balance` each and `queued` payments waiting in Queue 2.
fn queued_world(agents: usize, queued: usize, balance: i64) -> World {
    let setups = (0..agents)
        .map(|i| AgentSetup::new(format!("B{i}"), balance))
        .collect();
    let mut world = World::with_setups(setups, QueueOrder::Fifo);
    let mut rng = Lcg(42);
    for _ in 0..queued {
        let from = rng.below(agents as u64) as usize;
        let to = (from + 1 + rng.below(agents as u64 - 1) as usize) % agents;
        let (from, to) = (format!("B{from}"), format!("B{to}"));
        let tx = world.pay(&from, &to, 1_000 + rng.below(100_000) as i64, 90);
        world.release(&from, &[tx]);
    }
    world
}

fn lsm_pass(c: &mut Criterion) {
    let mut group = c.benchmark_group("lsm_pass_gridlocked");
    group.sample_size(10);
    for queued in [100, 1_000, 10_000, 100_000] {
        let world = queued_world(100, queued, 0);
        group.throughput(Throughput::Elements(queued as u64));
        group.bench_with_input(
            BenchmarkId::new("multilateral", queued),
            &world,
            |b, world| {
                b.iter_batched_ref(
                    || world.clone(),
                    |w| multilateral::run(&mut w.state, &mut w.events),
                    BatchSize::LargeInput,
                );
            },
        );
        group.bench_with_input(BenchmarkId::new("bilateral", queued), &world, |b, world| {
            b.iter_batched_ref(
                || world.clone(),
                |w| bilateral::run(&mut w.state, &mut w.events),
                BatchSize::LargeInput,
            );
        });
    }
    group.finish();
}

fn gross_tick(c: &mut Criterion) {
    // 1,000 agents with ample liquidity, 4,000 payments released in one tick.
    let mut world = queued_world(1_000, 0, 1_000_000_000);
    let mut rng = Lcg(7);
    let mut released: Vec<(AgentId, TxId)> = Vec::new();
    for _ in 0..4_000 {
        let from = rng.below(1_000) as usize;
        let to = (from + 1 + rng.below(999) as usize) % 1_000;
        let (from, to) = (format!("B{from}"), format!("B{to}"));
        let tx = world.pay(&from, &to, 1_000 + rng.below(100_000) as i64, 90);
        released.push((world.id(&from), tx));
    }
    let mut group = c.benchmark_group("gross_tick");
    group.throughput(Throughput::Elements(released.len() as u64));
    group.bench_function("release_and_settle_4000", |b| {
        b.iter_batched_ref(
            || world.clone(),
            |w| {
                let mut engine = SettlementEngine::new(SettlementConfig::default());
                for &(from, tx) in &released {
                    engine.release(&mut w.state, from, &Release::all(&[tx]), &mut w.events);
                }
                engine.settle_tick(&mut w.state, &mut w.events)
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group!(benches, lsm_pass, gross_tick);
criterion_main!(benches);
