//! The analyzer never panics, whatever it is given: arbitrary text as Starlark or as
//! JSON, arbitrary JSON documents, and mutations of the example policies (where
//! the interesting bugs hide: almost-valid input).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use proptest::prelude::*;
use rtgsim_analyzer::{analyze_starlark, analyze_tree, analyze_tree_value};
use serde_json::Value;

fn examples(extension: &str) -> Vec<String> {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let mut texts: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    texts.sort();
    texts
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|i| serde_json::json!(i)),
        "[a-z_]{0,12}".prop_map(Value::String),
        prop::sample::select(vec![
            "condition",
            "action",
            "Release",
            "Hold",
            "amount",
            "balance",
            "<",
            "and",
            "1.0",
            "2.0"
        ])
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "version",
                    "tree_id",
                    "root",
                    "type",
                    "node_id",
                    "condition",
                    "on_true",
                    "on_false",
                    "action",
                    "op",
                    "left",
                    "right",
                    "field",
                    "value",
                    "param",
                    "parameters",
                    "compute",
                    "conditions"
                ]),
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,400}") {
        let _ = analyze_starlark("fuzz.star", &text);
        let _ = analyze_tree("fuzz.json", &text);
    }

    #[test]
    fn arbitrary_json_never_panics(value in json_value()) {
        let _ = analyze_tree_value("fuzz.json", &value);
        let _ = analyze_tree("fuzz.json", &value.to_string());
    }

    #[test]
    fn mutated_examples_never_panic(pick in 0usize..100, cut in 0usize..10_000, insert in ".{0,12}") {
        for (texts, starlark) in [(examples("star"), true), (examples("json"), false)] {
            let text = &texts[pick % texts.len()];
            let mut at = cut % (text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let mutated = format!("{}{insert}{}", &text[..at], &text[at..]);
            if starlark {
                let _ = analyze_starlark("mutated.star", &mutated);
            } else {
                let _ = analyze_tree("mutated.json", &mutated);
            }
        }
    }
}

/// A chain of attributes is walked once, not once per way down it: the fuzzer found
/// a 152-byte script (`h.t.t6h.t.tt6h...`) that took 6 s, because each attribute
/// walked its object twice (2^n for a chain of n). A chain of 90 attributes (the
/// most the parser's nesting bound lets through) would take ages before the fix; it
/// runs on a watchdog thread so that a regression fails instead of stalling.
#[test]
fn a_long_attribute_chain_is_walked_once() {
    let source = format!(
        "def evaluate_queue(transactions, agent, system, state):\n    x = agent{}\n    return []\n",
        ".balance".repeat(90)
    );
    let (done, outcome) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(analyze_starlark("chain.star", &source));
    });
    let findings = outcome
        .recv_timeout(std::time::Duration::from_secs(120))
        .expect("a chain of 90 attributes should be analysed at once");
    // `agent.balance` is an int; `.balance` of that is no known object: no finding
    // about attributes beyond the first, and the script is otherwise fine.
    let codes: Vec<&str> = findings.iter().map(|f| f.code).collect();
    assert!(!codes.contains(&"E004"), "{codes:?}");
    let fuzzed =
        "h.t.t6h.t.tt6h.h.t.h.t.t6h.t.th.t.t6h.t.tt6h.tt6h.h.t.h.t.t6h.t.th.t.t6h.t.t\n".repeat(2);
    let (done, outcome) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(analyze_starlark("fuzzed.star", &fuzzed));
    });
    let findings = outcome
        .recv_timeout(std::time::Duration::from_secs(120))
        .expect("the fuzzer's input should be analysed at once");
    assert!(
        findings
            .iter()
            .any(|f| f.message.contains("undefined variable `h`")),
        "{findings:?}"
    );
}

/// A syntax error whose span begins inside a multi-byte character (a bad escape
/// just before one) is reported at the character's start instead of aborting the
/// analysis: the fuzzer's input, cut down to `x = f"\u‚"`. The `‚` is column 9.
#[test]
fn a_syntax_error_inside_a_multibyte_character_is_placed_at_its_start() {
    let findings = analyze_starlark("escape.star", "x = f\"\\u\u{201a}\"\n");
    let places: Vec<(&str, String)> = findings
        .iter()
        .map(|f| (f.code, format!("{:?}", f.place)))
        .collect();
    assert_eq!(findings.len(), 1, "{places:?}");
    assert_eq!(findings[0].code, "E001");
    let place = findings[0].place.as_ref().expect("a place");
    assert_eq!((place.span.line, place.span.column), (1, 9));
}

/// A `range` between the most negative and the largest integer a script can write
/// (a big literal counts as the largest i64) is longer than an i64 can hold; the
/// length check overflowed and aborted the analyzer (found by the analyzer fuzz
/// target after 5,603,223 executions). It is reported as too long to build.
#[test]
fn a_range_between_the_extreme_integers_is_measured_without_overflow() {
    let big = "9".repeat(40);
    let script = format!(
        "def evaluate_queue(transactions, agent, system, state):\n    return [x for x in range(-{big}, {big})]\n"
    );
    let findings = analyze_starlark("range.star", &script);
    let codes: Vec<&str> = findings.iter().map(|f| f.code).collect();
    assert!(codes.contains(&"E010"), "{codes:?}");
    // A negative step over the same span, too.
    let script = format!(
        "def evaluate_queue(transactions, agent, system, state):\n    return [x for x in range({big}, -{big}, -1)]\n"
    );
    let codes: Vec<&str> = analyze_starlark("range.star", &script)
        .iter()
        .map(|f| f.code)
        .collect();
    assert!(codes.contains(&"E010"), "{codes:?}");
}
