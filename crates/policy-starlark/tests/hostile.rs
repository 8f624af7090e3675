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

/// Limits whose work budget (10 value nodes per step) is 1,000,000 nodes, so that
/// the exponential cases stop quickly in a debug build.
fn small_budget() -> Limits {
    Limits {
        max_steps: 100_000,
        ..Limits::default()
    }
}

// --- Refused at load: code nested beyond what the parser may recurse through ---

#[test]
fn thousands_of_nested_brackets_are_refused_at_load_with_their_place() {
    let source = format!(
        "{ENTRY}    x = {}1{}\n    return []\n",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    let (line, column, message) = refused(&source);
    // By the documented count: 2 for the module and the function's block, 2 for the
    // statement's item with its `=`, 1 per bracket; the 97th bracket makes 101. The
    // brackets start in column 9 (after `    x = `), so the 97th is in column 105.
    assert_eq!((line, column), (2, 105), "{message}");
    assert!(message.contains("nests too deeply"), "{message}");
    // A nesting within the bound loads and runs.
    let fine = format!(
        "{ENTRY}    x = {}1{}\n    return []\n",
        "(".repeat(90),
        ")".repeat(90)
    );
    StarlarkPolicy::from_source("fine.star", &fine, Limits::default()).unwrap();
}

#[test]
fn a_flat_chain_of_fourteen_thousand_additions_is_refused_at_load() {
    let source = format!("{ENTRY}    x = 1{}\n    return []\n", "+1".repeat(14_000));
    let (line, column, message) = refused(&source);
    // 2 + 2 (the `=`) + 1 per `+`: the 97th `+` makes 101; `    x = 1` takes columns
    // 1 to 9, and the k-th `+` is in column 8 + 2k.
    assert_eq!((line, column), (2, 8 + 2 * 97), "{message}");
    // Other operator chains count the same way.
    for chain in [
        format!("x = {}1", "-".repeat(5000)),
        format!("x = {}True", "not ".repeat(5000)),
        format!("x = agent{}", ".balance".repeat(5000)),
        format!("x = [0]{}", "[0]".repeat(5000)),
        format!("x = 1 if True else {}0", "1 if True else ".repeat(5000)),
    ] {
        let source = format!("{ENTRY}    {chain}\n    return []\n");
        let (line, _, message) = refused(&source);
        assert_eq!(line, 2, "{chain:.40}: {message}");
    }
}

#[test]
fn a_long_elif_chain_is_refused_at_load() {
    let mut source = format!("{ENTRY}    n = 0\n    if n == 0:\n        pass\n");
    for i in 1..3000 {
        source.push_str(&format!("    elif n == {i}:\n        pass\n"));
    }
    source.push_str("    return []\n");
    let (line, column, message) = refused(&source);
    // The module's block (1) and the function's (1 + 1 per elif so far), and the
    // statement's item (1 + its `elif`, `==` and `:`): at the k-th elif's `:` the
    // depth is k + 6, past 100 at k = 95, on line 3 + 2 * 95, whose `:` is in column
    // 17 (`    elif n == 95:`).
    assert_eq!((line, column), (3 + 2 * 95, 17), "{message}");
}

#[test]
fn an_oversized_script_is_refused_at_load() {
    let source = format!("{ENTRY}    return []\n{}", "# padding\n".repeat(110_000));
    let (line, column, message) = refused(&source);
    assert_eq!((line, column), (1, 1));
    assert!(message.contains("at most 1048576 bytes"), "{message}");
}

#[test]
fn a_deep_value_left_by_top_level_code_is_refused_at_load() {
    // Freezing the module walks its values by recursion.
    let source = format!(
        "def build():\n    x = []\n    for i in range(150000):\n        x = [x]\n    return x\n\nDEEP = build()\n\n{ENTRY}    return []\n"
    );
    let (_, _, message) = refused(&source);
    assert!(message.contains("top-level value `DEEP`"), "{message}");
    assert!(message.contains("more than 100 levels"), "{message}");
}

#[test]
fn the_guards_names_are_reserved() {
    let source = format!("def _rtgsim_addend(x):\n    return x\n\n{ENTRY}    return []\n");
    let (line, column, message) = refused(&source);
    assert_eq!((line, column), (1, 5), "{message}");
    assert!(message.contains("reserved"), "{message}");
}

#[test]
fn assignments_that_cannot_be_guarded_are_refused_at_load() {
    for (op, column) in [("*=", 5), ("<<=", 5), ("%=", 5)] {
        let source = format!("{ENTRY}    x = 2\n    x {op} 3\n    return []\n");
        let (line, col, message) = refused(&source);
        assert_eq!((line, col), (3, column), "{op}: {message}");
    }
}

// --- Failed calls: deep values reach no native recursion ---

const DEEP_LIST: &str = "    x = []\n    for i in range(150000):\n        x = [x]\n";
const DEEP_TUPLE: &str = "    t = ()\n    for i in range(150000):\n        t = (t,)\n";

#[test]
fn printing_comparing_or_hashing_a_value_nested_150000_deep_fails_the_call() {
    for (build, statement, line) in [
        (DEEP_LIST, "    s = str(x)", 9),
        (DEEP_LIST, "    s = repr(x)", 9),
        (DEEP_LIST, "    s = \"%s\" % (x,)", 9),
        (DEEP_LIST, "    s = \"{}\".format(x)", 9),
        (DEEP_LIST, "    fail(x)", 9),
        (DEEP_LIST, "    s = x == [x]", 9),
        (DEEP_LIST, "    s = x < [x]", 9),
        (DEEP_LIST, "    s = [x] in [[x]]", 9),
        (DEEP_LIST, "    s = sorted([x, [x]])", 9),
        (DEEP_LIST, "    s = sorted([1, 2], key=lambda i: x)", 9),
        (DEEP_LIST, "    s = [[x]].index([x])", 9),
        (DEEP_LIST, "    s = max([1, 2], key=lambda i: [x])", 9),
    ] {
        let body = format!("{build}{statement}");
        let error = failure(&body);
        assert!(
            error.starts_with(&format!("evaluate_queue: test.star:{line}:")),
            "{statement}: {error}"
        );
        assert!(
            error.contains("more than 100 levels deep"),
            "{statement}: {error}"
        );
    }
    // A tuple is refused as it becomes too deep to hash (dict keys are hashed
    // where no guard can look).
    let error = failure(&format!("{DEEP_TUPLE}    d = {{t: 1}}"));
    assert!(error.starts_with("evaluate_queue: test.star:8:"), "{error}");
    assert!(
        error.contains("a tuple nested more than 100 levels deep"),
        "{error}"
    );
    for build in [
        "    t = ()\n    for i in range(150000):\n        t = list(zip([t]))[0]\n",
        "    t = ()\n    for i in range(150000):\n        t = list({0: t}.items())[0]\n",
        "    t = struct()\n    for i in range(150000):\n        t = struct(a=t)\n",
    ] {
        let error = failure(&format!("{build}    d = {{t: 1}}"));
        assert!(
            error.contains("more than 100 levels deep"),
            "{build}: {error}"
        );
    }
}

// --- Failed calls: one step that would run for ever ---

#[test]
fn shared_structure_exhausts_the_work_budget_in_one_operation() {
    let shared =
        "    x = []\n    y = []\n    for i in range(40):\n        x = [x, x]\n        y = [y, y]\n";
    for statement in [
        "    s = x == y",
        "    s = str(x)",
        "    s = x < y",
        "    state[\"x\"] = x",
    ] {
        let limits = Limits {
            max_state_bytes: Limits::MAX.max_state_bytes,
            ..small_budget()
        };
        let error = failure_with(&format!("{shared}{statement}"), limits);
        assert!(
            error.contains("budget of value nodes"),
            "{statement}: {error}"
        );
    }
}

#[test]
fn integers_wider_than_1024_bits_are_refused() {
    let error = failure("    x = 3\n    for i in range(30):\n        x = x * x");
    // 3 squared k times has about 1.585 * 2^k bits: the 10th squaring (1,624 bits)
    // is the first past 1,024.
    assert!(error.contains("about 1624 bits"), "{error}");
    assert!(
        error.starts_with("evaluate_queue: test.star:8:13:"),
        "{error}"
    );
    let error = failure("    x = 1 << 100000000");
    assert!(error.contains("at most 1024 bits"), "{error}");
    let error = failure("    x = int(\"9\" * 1000000)");
    assert!(error.contains("at most 1024 bits"), "{error}");
    let error = failure("    x = 2\n    for i in range(2000):\n        x += x");
    assert!(error.contains("at most 1024 bits"), "{error}");
}

// --- Failed calls: one operation that would allocate without bound ---

#[test]
fn amplifying_operations_are_checked_before_they_allocate() {
    for (statement, expected) in [
        // 999,999 separators of 10^6 bytes and 10^6 items of 1: 10^12 bytes.
        (
            "    s = \"x\" * 1000000\n    t = s.join([\"a\"] * 1000000)",
            "join: a value of 1000000000000 elements",
        ),
        (
            "    s = \"a\" * 1000000\n    t = s.replace(\"a\", s)",
            "replace: a value of 1000000000000 elements",
        ),
        (
            "    s = \"ab\"\n    for i in range(60):\n        s += s",
            "+=: a value of",
        ),
        (
            "    s = \"ab\"\n    for i in range(60):\n        s = s + s",
            "a concatenation: a value of",
        ),
        (
            "    xs = [1]\n    for i in range(60):\n        xs.extend(xs)",
            "max_heap_bytes",
        ),
        (
            "    xs = [1]\n    for i in range(60):\n        xs += xs",
            "max_heap_bytes",
        ),
        ("    xs = [0] * 2000000000", "at most 10000000 at once"),
        ("    xs = b\"ab\" * 2000000000", "at most 10000000 at once"),
        (
            "    s = \"{}\" * 1000000\n    t = s.format(\"x\" * 1000000)",
            "format: a value of",
        ),
        (
            "    s = \"%s\" * 10\n    t = s % (\"x\" * 10000000)",
            "% format",
        ),
    ] {
        let error = failure(statement);
        assert!(error.contains(expected), "{statement}: {error}");
    }
}

#[test]
fn a_guarded_method_cannot_be_fetched_around_its_guard() {
    let source = format!("{ENTRY}    join = \", \".join\n    return []\n");
    let (line, column, message) = refused(&source);
    assert_eq!((line, column), (2, 17), "{message}");
    assert!(
        message.contains("`.join` must be called where it is named"),
        "{message}"
    );
    let error = failure("    j = getattr(\"x\" * 1000000, \"join\")\n    s = j([\"a\"] * 1000000)");
    assert!(error.contains("getattr cannot fetch `join`"), "{error}");
    // Other attributes still come through getattr.
    let source = format!(
        "{ENTRY}    state[\"b\"] = getattr(agent, \"balance\") + len(getattr(\"a,b\", \"upper\")())\n    return []\n"
    );
    let mut policy = policy_with(&source, Limits::default());
    let (world, _) = world();
    policy.evaluate_queue(&world.view("A")).unwrap();
    assert_eq!(policy.state().unwrap()["b"], 1_003);
}

// --- The saved state ---

#[test]
fn a_state_past_max_state_bytes_fails_the_call_and_is_not_saved() {
    let limits = Limits {
        max_state_bytes: 1000,
        ..Limits::default()
    };
    let source =
        format!("{ENTRY}    state[\"s\"] = state.get(\"s\", \"\") + \"x\" * 300\n    return []\n");
    let mut policy = policy_with(&source, limits);
    let (world, _) = world();
    // {"s":"..."} is 8 bytes around the text: 308, 608 and 908 bytes fit; 1208 does not.
    for calls in 1..=3 {
        policy.evaluate_queue(&world.view("A")).unwrap();
        assert_eq!(
            policy.state().unwrap()["s"].as_str().unwrap().len(),
            300 * calls
        );
    }
    let error = policy
        .evaluate_queue(&world.view("A"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("more than 1000 bytes"), "{error}");
    assert!(error.contains("max_state_bytes"), "{error}");
    assert_eq!(policy.state().unwrap()["s"].as_str().unwrap().len(), 900);
    // A state restored from elsewhere is held to the same limit.
    let mut fresh = policy_with(&source, limits);
    let big = serde_json::json!({"s": "y".repeat(2000)});
    assert!(fresh.restore_state(big).is_err());
}

// --- What still works, through the guards ---

#[test]
fn guarded_operations_keep_their_meaning() {
    let source = format!(
        "{ENTRY}    xs = [1]\n    alias = xs\n    xs += [2]\n    n = 5\n    n += 2\n    s = \"a\"\n    s += \"b\"\n    d = {{(1, (2,)): \"k\"}}\n    state[\"r\"] = [\n        [1, [2]] == [1, [2]], [1] != [2], (1, 2) < (1, 3), [1] <= [1], \"b\" > \"a\", 2 >= 3,\n        (1, (2,)) in d, 3 not in [1, 2], \", \".join([\"a\", \"b\"]), \"a-b\".replace(\"-\", \"+\"),\n        \"{{}} {{}}\".format(1, \"x\"), \"a,b\".split(\",\") + list(\"cd\".elems()), [5, 6].index(6) + \"ab\".index(\"b\"), \"%d%%\" % 3, 7 % 3, alias, n, s, str([1, \"a\"]), repr(\"a\"),\n        sorted([3, 1, 2]), min(4, 2), max([1, 5]), sorted([3, 1, 2], key=lambda v: -v),\n        [p[1] for p in sorted([(1, \"a\"), (0, \"b\"), (1, \"c\")], key=lambda p: p[0], reverse=True)],\n        max([\"aa\", \"b\", \"cc\"], key=len), min([\"aa\", \"b\", \"c\"], key=len), struct(a=1).a, dict(a=1), list(zip([1], [2]))[0][1],\n        list(enumerate([\"z\"]))[0][1], list({{\"k\": 1}}.items())[0][0], int(\"42\"), 1 << 3, 2 * 3, [0] * 2, list(tuple([1])),\n        1 if False else 1, 10 // 3, 1.5 * 2,\n    ]\n    return []\n"
    );
    let mut policy = policy_with(&source, Limits::default());
    let (world, _) = world();
    policy.evaluate_queue(&world.view("A")).unwrap();
    assert_eq!(
        policy.state().unwrap()["r"],
        serde_json::json!([
            true, true, true, true, true, false,
            true, true, "a, b", "a+b",
            "1 x", ["a", "b", "c", "d"], 2, "3%", 1, [1, 2], 7, "ab", "[1, \"a\"]", "\"a\"",
            [1, 2, 3], 2, 5, [3, 2, 1],
            ["a", "c", "b"],
            "aa", "b", 1, {"a": 1}, 2,
            "z", "k", 42, 8, 6, [0, 0], [1],
            1, 3, 3.0,
        ])
    );
}

#[test]
fn an_error_after_a_rewritten_call_keeps_its_place() {
    let line = "    y = \", \".join([\"a\"]) + str(1 // 0)";
    let error = failure(line);
    let column = line.find("1 // 0").unwrap() + 1;
    assert!(
        error.starts_with(&format!("evaluate_queue: test.star:6:{column}: ")),
        "{error}"
    );
}

/// Repeating an empty sequence gives the empty value at once, whatever the count.
/// The interpreter's own repetition loops once per count (a count near 2^31 takes
/// seconds for nothing), so a loop of such repetitions within `max_steps` would run
/// for hours. Found by the fuzzer (`515555 + 55555555 * []` timed out). The call
/// runs on a watchdog thread: a regression fails the test after five minutes
/// instead of stalling the suite.
#[test]
fn repeating_an_empty_sequence_takes_no_time_whatever_the_count() {
    let source = format!(
        "{ENTRY}    n = 0\n    for i in range(300):\n        x = 2147483647 * []\n        y = \"\" * 2147483647\n        z = () * 2147483647\n        w = [] * 0\n        w = w * 2147483647\n        n += len(x) + len(y) + len(z) + len(w)\n    state[\"n\"] = n\n    state[\"types\"] = [type(x), type(y), type(z), type(w)]\n    return []\n"
    );
    let (done, outcome) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .stack_size(rtgsim_policy_starlark::POLICY_THREAD_STACK_BYTES)
        .spawn(move || {
            let mut policy = policy_with(&source, Limits::default());
            let (world, _) = world();
            let decisions = policy
                .evaluate_queue(&world.view("A"))
                .map_err(|e| e.to_string());
            let _ = done.send((decisions, policy.state()));
        })
        .unwrap();
    let (decisions, state) = outcome
        .recv_timeout(std::time::Duration::from_secs(300))
        .expect("300 empty repetitions of 2^31 - 1 should take no time");
    assert_eq!(decisions, Ok(vec![]));
    let state = state.unwrap();
    assert_eq!(state["n"], 0);
    assert_eq!(
        state["types"],
        serde_json::json!(["list", "string", "tuple", "list"])
    );
}

/// A bad escape just before a multi-byte character: the parser's error span begins
/// inside the character, which the codemap asserts against. Found by fuzzing the
/// analyzer (`fuzz/regressions/analyzer/fstring-escape-inside-a-character.star`);
/// loading such a script lost the error's place ("the interpreter gave up"). It is
/// now placed at the character's start: `    x = f"\u‚"`, the `‚` in column 13.
#[test]
fn a_syntax_error_inside_a_multibyte_character_is_placed_at_its_start() {
    let source = format!("{ENTRY}    x = f\"\\u\u{201a}\"\n    return []\n");
    let (line, column, message) = refused(&source);
    assert_eq!((line, column), (2, 13), "{message}");
    assert!(
        message.contains("invalid string escape sequence"),
        "{message}"
    );
}
