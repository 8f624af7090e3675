//! Loading: everything wrong with a script is found before any simulation starts, with
//! the file, line and column.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_policy_starlark::{LoadError, Script};

fn load_error(source: &str) -> LoadError {
    Script::load("p.star", source).expect_err("the script should be refused")
}

const GOOD: &str = "def evaluate_queue(transactions, agent, system, state):\n    return []\n";

#[test]
fn a_minimal_script_loads_with_only_evaluate_queue() {
    let script = Script::load("p.star", GOOD).unwrap();
    assert!(
        script
            .entry(rtgsim_policy_starlark::EntryPoint::EvaluateQueue)
            .is_some()
    );
    assert!(
        script
            .entry(rtgsim_policy_starlark::EntryPoint::StrategicCollateral)
            .is_none()
    );
    assert!(
        script
            .entry(rtgsim_policy_starlark::EntryPoint::EndOfTickCollateral)
            .is_none()
    );
}

#[test]
fn a_syntax_error_has_file_line_and_column() {
    let error = load_error(
        "def evaluate_queue(transactions, agent, system, state):\n    return [\n\nx = = 1\n",
    );
    assert_eq!(error.file, "p.star");
    assert_eq!(error.line, 4, "{error}");
    assert!(error.column > 0, "{error}");
    assert!(error.to_string().starts_with("p.star:4:"), "{error}");
}

#[test]
fn a_missing_evaluate_queue_is_refused() {
    let error =
        load_error("def evaluate_queue_typo(transactions, agent, system, state):\n    return []\n");
    assert!(
        error
            .message
            .contains("defines no `evaluate_queue(transactions, agent, system, state)`"),
        "{error}"
    );
}

#[test]
fn an_entry_point_with_the_wrong_parameters_is_refused() {
    let cases = [
        (
            "def evaluate_queue(transactions, agent, system):\n    return []\n",
            "takes 3 parameters",
        ),
        (
            "def evaluate_queue(transactions, agent, system, state, extra):\n    return []\n",
            "takes 5 parameters",
        ),
        ("def evaluate_queue(*args):\n    return []\n", "*args"),
        (
            "def evaluate_queue(transactions, agent, system, state, **options):\n    return []\n",
            "**kwargs",
        ),
        (
            "evaluate_queue = 3\n",
            "is a value of type int, not a function",
        ),
    ];
    for (source, expected) in cases {
        let error = load_error(source);
        assert!(error.message.contains(expected), "{source:?}: {error}");
        assert!(
            error
                .message
                .contains("def evaluate_queue(transactions, agent, system, state)"),
            "{error}"
        );
    }
    let collateral =
        format!("{GOOD}def evaluate_strategic_collateral(agent, system):\n    return None\n");
    let error = load_error(&collateral);
    assert!(
        error.message.contains("`evaluate_strategic_collateral` takes 2 parameters; it must be `def evaluate_strategic_collateral(agent, system, state)`"),
        "{error}"
    );
}

#[test]
fn load_is_refused() {
    let error = load_error("load(\"other.star\", \"x\")\n");
    assert_eq!(error.line, 1, "{error}");
    assert!(error.message.to_lowercase().contains("load"), "{error}");
}

#[test]
fn top_level_code_that_fails_is_refused_with_its_line() {
    let error = load_error(&format!("{GOOD}LIMIT = 1 // 0\n"));
    assert_eq!(error.line, 3, "{error}");
    assert!(error.message.contains("division by zero"), "{error}");
}

#[test]
fn top_level_code_runs_under_the_default_limits() {
    let error = load_error(&format!(
        "{GOOD}X = [i * j for i in range(10000) for j in range(10000)]\n"
    ));
    assert!(
        error.message.contains("max_steps") || error.message.contains("max_heap_bytes"),
        "{error}"
    );
}

#[test]
fn an_unknown_name_is_refused_at_load_not_at_run_time() {
    let error = load_error(
        "def evaluate_queue(transactions, agent, system, state):\n    if agent.balance < 0:\n        return undefined_helper()\n    return []\n",
    );
    assert_eq!(error.line, 3, "{error}");
    assert!(error.message.contains("undefined_helper"), "{error}");
}

#[test]
fn the_pure_extensions_are_available() {
    let source = "def evaluate_queue(transactions, agent, system, state):\n    s = struct(a = 1)\n    xs = list(map(lambda x: x * 2, filter(lambda x: x > 0, [1, -1, 2])))\n    return [] if s.a == 1 and xs == [2, 4] and len(set([1, 1])) == 1 else None\n";
    Script::load("p.star", source).unwrap();
}

#[test]
fn the_guides_examples_load() {
    let guide = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/starlark_policies.md"
    ))
    .unwrap();
    let blocks: Vec<&str> = guide
        .split("```python\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap())
        .filter(|block| !block.contains("..."))
        .collect();
    assert!(blocks.len() >= 2, "{blocks:?}");
    for block in blocks {
        let source = if block.contains("def evaluate_queue") {
            block.to_string()
        } else {
            format!("{block}\n{GOOD}")
        };
        Script::load("guide.star", &source).unwrap_or_else(|e| panic!("{e}\n{source}"));
    }
}
