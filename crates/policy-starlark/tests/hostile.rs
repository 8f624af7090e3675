//! Hostile scripts: each is refused at load with its place, or fails its call as a
//! policy error with everything held and the state unchanged, in bounded time and
//! memory, in this test process (a native stack overflow or an allocation failure
//! would abort it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

mod common;

use common::{policy_with, world};
use rtgsim_core::CashManagerPolicy;
use rtgsim_policy_starlark::{Limits, StarlarkPolicy};

/// Loads a script that should be refused; returns (line, column, message).
fn refused(source: &str) -> (usize, usize, String) {
    let error = StarlarkPolicy::from_source("hostile.star", source, Limits::default())
        .expect_err("the script should be refused at load");
    (error.line, error.column, error.message)
}

/// Runs `body` as `evaluate_queue` after a first call that set `state["ok"] = 1`;
/// returns the second call's error and checks that the state survived.
fn failure(body: &str) -> String {
    failure_with(body, Limits::default())
}

fn failure_with(body: &str, limits: Limits) -> String {
    let source = format!(
        "def evaluate_queue(transactions, agent, system, state):\n    if \"ok\" not in state:\n        state[\"ok\"] = 1\n        return []\n    state[\"ok\"] = 2\n{body}\n    return [{{\"action\": \"Release\", \"tx_id\": tx.id}} for tx in transactions]\n"
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

const ENTRY: &str = "def evaluate_queue(transactions, agent, system, state):\n";

#[test]
fn explore() {
    let body = std::env::var("BODY").unwrap_or_default().replace("\\n", "\n");
    if body.is_empty() { return; }
    let limits = Limits::default();
    let source = format!("{ENTRY}{body}\n    return []\n");
    match StarlarkPolicy::from_source("x.star", &source, limits) {
        Err(e) => eprintln!("LOAD: {e}"),
        Ok(mut p) => {
            let (world, _) = world();
            let t = std::time::Instant::now();
            eprintln!("CALL: {:?} in {:?}", p.evaluate_queue(&world.view("A")).map_err(|e| e.to_string()), t.elapsed());
        }
    }
}
