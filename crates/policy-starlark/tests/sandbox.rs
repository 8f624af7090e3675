//! The sandbox: every way a script can run away or misbehave is stopped, the call
//! holds everything, and the state is left as it was.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

mod common;

use common::{policy_with, world};
use rtgsim_core::CashManagerPolicy;
use rtgsim_policy_starlark::{Limits, StarlarkPolicy};

/// Runs `body` as the whole of `evaluate_queue` after a call that set `state["ok"]`,
/// and returns the error message; checks the state survived.
fn failure(body: &str, limits: Limits) -> String {
    let source = format!(
        "def evaluate_queue(transactions, agent, system, state):\n    if \"ok\" not in state:\n        state[\"ok\"] = 1\n        return []\n    state[\"ok\"] = 2\n{body}\n"
    );
    let mut policy = policy_with(&source, limits);
    let (world, _) = world();
    assert_eq!(policy.evaluate_queue(&world.view("A")).unwrap(), vec![]);
    let error = policy
        .evaluate_queue(&world.view("A"))
        .expect_err("the call should fail")
        .to_string();
    assert_eq!(
        policy.state().unwrap()["ok"],
        1,
        "a failed call must not change the state ({error})"
    );
    error
}

#[test]
fn a_runaway_loop_is_stopped_by_the_step_limit() {
    let body = "    n = 0\n    for i in range(10000000):\n        for j in range(10000000):\n            n += 1\n    return []";
    let error = failure(body, Limits::default());
    assert!(
        error.starts_with("evaluate_queue: test.star: Execution duration limit of 1000000"),
        "{error}"
    );
    assert!(error.contains("max_steps"), "{error}");
}

#[test]
fn deep_recursion_is_stopped() {
    let body = "    def down(n):\n        return down(n + 1)\n    return down(0)";
    let error = failure(body, Limits::default());
    assert!(
        error.contains("test.star:7:"),
        "the recursive call's line: {error}"
    );
    assert!(error.contains("max_call_depth"), "{error}");
}

#[test]
fn a_memory_hog_is_stopped_by_the_heap_limit() {
    let limits = Limits {
        max_heap_bytes: 8 << 20,
        ..Limits::default()
    };
    let body = "    xs = []\n    for i in range(10000000):\n        xs.append(\"padding\" * 100)\n    return []";
    let error = failure(body, limits);
    assert!(error.contains("max_heap_bytes"), "{error}");
}

#[test]
fn print_is_refused_at_load_with_a_clear_message() {
    let source = "def evaluate_queue(transactions, agent, system, state):\n    if agent.balance < 0:\n        print(\"overdrawn\")\n    return []\n";
    let error = StarlarkPolicy::from_source("test.star", source, Limits::default())
        .expect_err("print must be refused");
    assert_eq!(error.line, 3, "{error}");
    assert!(error.message.contains("print is not available"), "{error}");
}

#[test]
fn a_runtime_error_names_the_line_and_holds_everything() {
    let error = failure("    x = 1 // 0\n    return []", Limits::default());
    assert!(
        error.starts_with("evaluate_queue: test.star:6:9: Floor division by zero"),
        "{error}"
    );
}

#[test]
fn a_limit_is_per_call_not_per_run() {
    // 2,000 steps a call: a 500-step call succeeds again and again.
    let limits = Limits {
        max_steps: 2_000,
        ..Limits::default()
    };
    let source = "def evaluate_queue(transactions, agent, system, state):\n    n = 0\n    for i in range(500):\n        n += 1\n    return []\n";
    let mut policy = policy_with(source, limits);
    let (world, _) = world();
    for _ in 0..10 {
        assert_eq!(policy.evaluate_queue(&world.view("A")).unwrap(), vec![]);
    }
    let tight = Limits {
        max_steps: 100,
        ..Limits::default()
    };
    let mut policy = policy_with(source, tight);
    assert!(
        policy.evaluate_queue(&world.view("A")).is_err(),
        "500 steps exceed a limit of 100"
    );
}

#[test]
fn a_call_depth_limit_allows_honest_nesting() {
    let source = "def depth(n):\n    if n == 0:\n        return 0\n    return 1 + depth(n - 1)\n\ndef evaluate_queue(transactions, agent, system, state):\n    state[\"depth\"] = depth(20)\n    return []\n";
    let (world, _) = world();
    let mut policy = policy_with(
        source,
        Limits {
            max_call_depth: 50,
            ..Limits::default()
        },
    );
    policy.evaluate_queue(&world.view("A")).unwrap();
    assert_eq!(policy.state().unwrap()["depth"], 20);
    let mut shallow = policy_with(
        source,
        Limits {
            max_call_depth: 10,
            ..Limits::default()
        },
    );
    let error = shallow
        .evaluate_queue(&world.view("A"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("max_call_depth"), "{error}");
}

#[test]
fn a_huge_repetition_is_refused_before_it_allocates() {
    for body in [
        "    n = 2000000000\n    xs = [0] * n\n    return []",
        "    n = 2000000000\n    xs = n * [0]\n    return []",
        "    n = 20000000\n    s = \"ab\" * n\n    return []",
        "    xs = [0] * 1000\n    n = 2000000\n    ys = xs * n\n    return []",
        "    n = 20000000\n    t = (1,) * n\n    return []",
    ] {
        let error = failure(body, Limits::default());
        assert!(
            error.contains("a policy may build at most 10000000 at once"),
            "{body}: {error}"
        );
    }
}

#[test]
fn multiplication_still_works_everywhere() {
    let source = "def half(x):\n    return x * 0.5\n\ndef evaluate_queue(transactions, agent, system, state):\n    state[\"m\"] = [2 * 3, half(5), \"ab\" * 2, [1] * 3, list((1, 2) * 2), 2 * 3 * 4, -2 * 3, True * 2 if False else 0]\n    state[\"amounts\"] = [tx.amount * 2 for tx in transactions]\n    return []\n";
    let mut policy = policy_with(source, Limits::default());
    let (world, _) = world();
    policy.evaluate_queue(&world.view("A")).unwrap();
    let state = policy.state().unwrap();
    assert_eq!(
        state["m"],
        serde_json::json!([6, 2.5, "abab", [1, 1, 1], [1, 2, 1, 2], 24, -6, 0])
    );
    assert_eq!(state["amounts"], serde_json::json!([200, 800, 1800]));
    let error = failure("    x = \"a\" * \"b\"\n    return []", Limits::default());
    assert!(
        error.contains("test.star:6:"),
        "a type error keeps its line: {error}"
    );
}

#[test]
fn multiply_assignment_is_refused_at_load() {
    let source = "def evaluate_queue(transactions, agent, system, state):\n    x = 2\n    if x:\n        x *= 3\n    return []\n";
    let error = StarlarkPolicy::from_source("test.star", source, Limits::default())
        .expect_err("*= must be refused");
    assert_eq!((error.line, error.column), (4, 9), "{error}");
    assert!(error.message.contains("write `x = x * n`"), "{error}");
}

#[test]
fn a_range_too_long_to_loop_over_is_refused() {
    let error = failure(
        "    n = 2000000000\n    xs = list(range(n))\n    return []",
        Limits::default(),
    );
    assert!(
        error.contains("range of 2000000000 values; a policy's range holds at most 10000000"),
        "{error}"
    );
    // Within the bound, range is standard.
    let ok = "def evaluate_queue(transactions, agent, system, state):\n    state[\"r\"] = list(range(10, 3, -2)) + list(range(3))\n    return []\n";
    let mut policy = policy_with(ok, Limits::default());
    let (world, _) = world();
    policy.evaluate_queue(&world.view("A")).unwrap();
    assert_eq!(
        policy.state().unwrap()["r"],
        serde_json::json!([10, 8, 6, 4, 0, 1, 2])
    );
}
