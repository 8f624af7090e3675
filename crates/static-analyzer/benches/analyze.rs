//! Analysing a 500-line Starlark policy and a decision tree of 500 lines. The target
//! is under 10 ms for the script.
#![allow(clippy::unwrap_used, missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use std::fmt::Write as _;
use std::hint::black_box;

/// A policy of about 500 lines: 40 helpers of a dozen lines each (loops, sorting,
/// state, decisions), and an evaluate_queue that uses them all.
fn long_script() -> String {
    let mut source = String::from("LIMIT = 50000\nBUFFER = 100000\n\n");
    for i in 0..40 {
        let _ = write!(
            source,
            "def rule_{i}(tx, agent, system, state):\n    \
             score = tx.amount * {k} + tx.priority\n    \
             if tx.ticks_to_deadline <= {d}:\n        \
             score = score * 2\n    \
             elif agent.available_liquidity < BUFFER:\n        \
             score = score // 2\n    \
             history = state.setdefault(\"rule_{i}\", [])\n    \
             history.append(score)\n    \
             if len(history) > 20:\n        \
             state[\"rule_{i}\"] = history[-20:]\n    \
             return score > LIMIT and system.current_tick % {m} == 0\n\n",
            k = i % 7 + 1,
            d = i % 5 + 1,
            m = i % 3 + 1
        );
    }
    source.push_str("def evaluate_queue(transactions, agent, system, state):\n    decisions = []\n    for tx in sorted(transactions, key = lambda t: t.priority, reverse = True):\n");
    for i in 0..40 {
        let _ = writeln!(
            source,
            "        if rule_{i}(tx, agent, system, state):\n            decisions.append({{\"action\": \"Release\", \"tx_id\": tx.id, \"reason\": \"rule {i}\"}})\n            continue"
        );
    }
    source.push_str("        decisions.append({\"action\": \"Hold\", \"tx_id\": tx.id})\n    return decisions\n");
    source
}

/// A complete binary tree of depth 6 (63 conditions, 64 actions), one node per line.
fn big_tree() -> String {
    fn node(depth: u32, id: &mut u32) -> String {
        *id += 1;
        let n = *id;
        if depth == 0 {
            return format!(
                "{{\"type\": \"action\", \"node_id\": \"A{n}\", \"action\": \"{}\"}}",
                if n.is_multiple_of(2) {
                    "Release"
                } else {
                    "Hold"
                }
            );
        }
        let on_true = node(depth - 1, id);
        let on_false = node(depth - 1, id);
        format!(
            "{{\"type\": \"condition\", \"node_id\": \"N{n}\",\n \"condition\": {{\"op\": \"<\", \"left\": {{\"field\": \"amount\"}}, \"right\": {{\"value\": {}}}}},\n \"on_true\": {on_true},\n \"on_false\": {on_false}}}",
            1000 * n
        )
    }
    let mut id = 0;
    format!(
        "{{\"version\": \"1.0\", \"tree_id\": \"big\", \"root\": {}}}",
        node(6, &mut id)
    )
}

fn bench(c: &mut Criterion) {
    let script = long_script();
    assert!(
        script.lines().count() >= 500,
        "{} lines",
        script.lines().count()
    );
    let findings = rtgsim_analyzer::analyze_starlark("long.star", &script);
    assert!(findings.iter().all(|f| !f.is_error()), "{findings:?}");
    c.bench_function("analyze_starlark_500_lines", |b| {
        b.iter(|| {
            black_box(rtgsim_analyzer::analyze_starlark(
                "long.star",
                black_box(&script),
            ))
        })
    });
    let tree = big_tree();
    assert!(
        rtgsim_analyzer::analyze_tree("big.json", &tree)
            .iter()
            .all(|f| !f.is_error())
    );
    c.bench_function("analyze_tree_127_nodes", |b| {
        b.iter(|| black_box(rtgsim_analyzer::analyze_tree("big.json", black_box(&tree))))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
