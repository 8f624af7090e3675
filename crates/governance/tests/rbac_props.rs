//! Property tests for the RBAC rules, against two independent references:
//!
//! * the pattern matcher against a translation of each pattern into a
//!   regex (`*` inside a segment → `[^sep]*`, a trailing `sep*` → `sep.*`,
//!   the lone `*` → `.*`), and pattern validation against a grammar regex;
//! * the indexed `RuleSet::decide` against a first-match scan over the
//!   rules as generated.
//!
//! Names and patterns come from a two-letter alphabet so that matches are
//! common, and each property checks that a fair share of cases did match:
//! a property that only ever compares two "no"s proves nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use std::cell::Cell;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use regex::Regex;
use rtgsim_governance::rbac::{Effect, Pattern, PatternKind, Risk, RuleSet};

const CASES: u32 = 2_000;

/// The characters a segment is drawn from, besides `*`: the separator of
/// the other kind is an ordinary character in principals.
fn segment_characters(kind: PatternKind) -> &'static [&'static str] {
    match kind {
        PatternKind::Principal => &["a", "b", "."],
        PatternKind::Capability => &["a", "b", "-"],
    }
}

fn separator(kind: PatternKind) -> String {
    kind.separator().to_string()
}

/// A valid pattern: 1 to 3 segments, each either `*` or a short glob.
fn pattern_text(kind: PatternKind) -> impl Strategy<Value = String> {
    let characters = segment_characters(kind);
    let token = prop_oneof![3 => prop::sample::select(characters), 1 => Just("*")];
    let glob = prop::collection::vec(token, 1..=3).prop_map(|tokens| {
        let mut segment = tokens.concat();
        while segment.contains("**") {
            segment = segment.replace("**", "*");
        }
        segment
    });
    let segment = prop_oneof![1 => Just("*".to_owned()), 3 => glob];
    prop::collection::vec(segment, 1..=3).prop_map(move |segments| segments.join(&separator(kind)))
}

/// A name of 1 to 3 segments of 0 to 2 characters (empty segments are
/// allowed: request names are not validated, and must still match the
/// regex reference).
fn name_text(kind: PatternKind) -> impl Strategy<Value = String> {
    let characters = segment_characters(kind);
    let segment = prop::collection::vec(prop::sample::select(characters), 0..=2)
        .prop_map(|characters| characters.concat());
    prop::collection::vec(segment, 1..=3).prop_map(move |segments| segments.join(&separator(kind)))
}

/// Names made from a pattern by replacing each `*` with a short filler
/// that may hold separators: matches, and near misses, are common.
fn names_like(kind: PatternKind, pattern: &str) -> impl Strategy<Value = Vec<String>> + use<> {
    let mut characters = segment_characters(kind).to_vec();
    characters.push(if kind == PatternKind::Principal {
        ":"
    } else {
        "."
    });
    let filler = prop::collection::vec(prop::sample::select(characters), 0..=3)
        .prop_map(|characters| characters.concat());
    let pattern = pattern.to_owned();
    prop::collection::vec(prop::collection::vec(filler, 3), 8).prop_map(move |fillers| {
        fillers
            .iter()
            .map(|fillers_for_one_name| {
                let mut fillers = fillers_for_one_name.iter().cycle();
                let mut name = String::new();
                for ch in pattern.chars() {
                    match (ch, ch == '*') {
                        (_, true) => name += fillers.next().map_or("", String::as_str),
                        (ch, false) => name.push(ch),
                    }
                }
                name
            })
            .collect()
    })
}

fn pattern_of(kind: PatternKind) -> impl Strategy<Value = (PatternKind, String)> {
    pattern_text(kind).prop_map(move |text| (kind, text))
}

/// The reference semantics, written as a regex.
fn reference_regex(kind: PatternKind, pattern: &str) -> Regex {
    let separator = regex::escape(&separator(kind));
    let translated = if pattern == "*" {
        ".*".to_owned()
    } else {
        let suffix = format!("{}*", kind.separator());
        let (body, tail) = match pattern.strip_suffix(&suffix) {
            Some(body) => (body, format!("{separator}.*")),
            None => (pattern, String::new()),
        };
        let body: String = body
            .chars()
            .map(|ch| match ch {
                '*' => format!("[^{separator}]*"),
                other => regex::escape(&other.to_string()),
            })
            .collect();
        body + &tail
    };
    Regex::new(&format!("^(?s:{translated})$")).unwrap()
}

#[test]
fn pattern_matching_agrees_with_the_regex_translation() {
    let strategy = prop_oneof![
        pattern_of(PatternKind::Principal),
        pattern_of(PatternKind::Capability)
    ]
    .prop_flat_map(|(kind, pattern)| {
        let random = prop::collection::vec(name_text(kind), 8);
        let derived = names_like(kind, &pattern);
        (
            Just(kind),
            Just(pattern),
            (random, derived).prop_map(|(a, b)| [a, b].concat()),
        )
    });
    let (matched, compared) = (Cell::new(0_u32), Cell::new(0_u32));
    let mut runner = TestRunner::new(Config::with_cases(CASES));
    let outcome = runner.run(&strategy, |(kind, text, names)| {
        let pattern = Pattern::parse(&text, kind)
            .map_err(|error| TestCaseError::fail(format!("{text:?} rejected: {error}")))?;
        let reference = reference_regex(kind, &text);
        for name in &names {
            let expected = reference.is_match(name);
            prop_assert_eq!(
                pattern.matches(name),
                expected,
                "{:?} pattern {:?} on name {:?} (regex {})",
                kind,
                text,
                name,
                reference.as_str()
            );
            matched.set(matched.get() + u32::from(expected));
            compared.set(compared.get() + 1);
        }
        Ok(())
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
    let share = f64::from(matched.get()) / f64::from(compared.get());
    assert!(
        (0.2..0.9).contains(&share),
        "only {share:.3} of {} comparisons matched; the test would be vacuous",
        compared.get()
    );
}

/// The pattern grammar as a regex: segments of allowed characters and
/// single stars, never `**`, never empty, joined by the separator.
fn grammar_regex(kind: PatternKind) -> Regex {
    let (characters, separator) = match kind {
        PatternKind::Principal => ("[A-Za-z0-9_.-]", ":"),
        PatternKind::Capability => ("[A-Za-z0-9_-]", r"\."),
    };
    let segment = format!(r"(?:\*|\*?(?:{characters}+\*?)+)");
    Regex::new(&format!("^{segment}(?:{separator}{segment})*$")).unwrap()
}

#[test]
fn pattern_validation_agrees_with_the_grammar() {
    let text = prop::collection::vec(
        prop::sample::select(&["a", "-", ".", ":", "*", "/", " "][..]),
        0..8,
    )
    .prop_map(|characters| characters.concat());
    let kind = prop_oneof![Just(PatternKind::Principal), Just(PatternKind::Capability)];
    let (accepted, checked) = (Cell::new(0_u32), Cell::new(0_u32));
    let mut runner = TestRunner::new(Config::with_cases(CASES));
    let outcome = runner.run(&(kind, text), |(kind, text)| {
        let expected = grammar_regex(kind).is_match(&text);
        prop_assert_eq!(
            Pattern::parse(&text, kind).is_ok(),
            expected,
            "{:?} {:?}",
            kind,
            text
        );
        accepted.set(accepted.get() + u32::from(expected));
        checked.set(checked.get() + 1);
        Ok(())
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
    assert!(
        accepted.get() * 20 > checked.get(),
        "only {} of {} random patterns were valid",
        accepted.get(),
        checked.get()
    );
}

#[derive(Debug, Clone)]
struct GeneratedRule {
    principal: String,
    capabilities: Vec<String>,
    action: Effect,
    max_risk: Option<Risk>,
}

fn effect() -> impl Strategy<Value = Effect> {
    prop::sample::select(vec![Effect::Allow, Effect::Deny, Effect::RequireApproval])
}

fn risk() -> impl Strategy<Value = Risk> {
    prop::sample::select(Risk::ALL.to_vec())
}

fn generated_rule() -> impl Strategy<Value = GeneratedRule> {
    (
        pattern_text(PatternKind::Principal),
        prop::collection::vec(pattern_text(PatternKind::Capability), 1..=3),
        effect(),
        prop::option::of(risk()),
    )
        .prop_map(
            |(principal, capabilities, action, max_risk)| GeneratedRule {
                principal,
                capabilities,
                action,
                max_risk,
            },
        )
}

fn to_yaml(default: Effect, rules: &[GeneratedRule]) -> String {
    let mut yaml = format!("default: {default}\nrules:\n");
    for rule in rules {
        let capabilities: Vec<String> =
            rule.capabilities.iter().map(|c| format!("{c:?}")).collect();
        yaml += &format!(
            "  - principal: {:?}\n    capabilities: [{}]\n    action: {}\n",
            rule.principal,
            capabilities.join(", "),
            rule.action
        );
        if let Some(max_risk) = rule.max_risk {
            yaml += &format!("    max_risk: {max_risk}\n");
        }
    }
    yaml
}

/// First-match over the generated rules, with patterns parsed one by one.
fn first_match_by_scan(
    rules: &[GeneratedRule],
    principal: &str,
    capability: &str,
) -> Option<usize> {
    rules.iter().position(|rule| {
        Pattern::principal(&rule.principal)
            .unwrap()
            .matches(principal)
            && rule
                .capabilities
                .iter()
                .any(|pattern| Pattern::capability(pattern).unwrap().matches(capability))
    })
}

#[test]
fn indexed_decide_equals_the_linear_first_match_scan() {
    let request = (
        name_text(PatternKind::Principal),
        name_text(PatternKind::Capability),
        risk(),
    );
    let strategy = (
        effect(),
        prop::collection::vec(generated_rule(), 0..40),
        prop::collection::vec(request, 24),
    );
    let (matched_later_rule, requests) = (Cell::new(0_u32), Cell::new(0_u32));
    let mut runner = TestRunner::new(Config::with_cases(CASES / 2));
    let outcome = runner.run(&strategy, |(default, rules, requests_made)| {
        let yaml = to_yaml(default, &rules);
        let rule_set = RuleSet::from_yaml(&yaml, "generated.yaml")
            .map_err(|error| TestCaseError::fail(format!("{error}\n{yaml}")))?;
        for (principal, capability, risk) in &requests_made {
            let decision = rule_set.decide(principal, capability, *risk);
            prop_assert_eq!(
                decision,
                rule_set.decide_linear(principal, capability, *risk),
                "request {:?} {:?} {:?} on\n{}",
                principal,
                capability,
                risk,
                yaml
            );
            prop_assert_eq!(
                decision.matched,
                first_match_by_scan(&rules, principal, capability),
                "request {:?} {:?} on\n{}",
                principal,
                capability,
                yaml
            );
            // Matches beyond rule 0 are the ones where first-match order
            // is actually tested.
            matched_later_rule
                .set(matched_later_rule.get() + u32::from(decision.matched > Some(0)));
            requests.set(requests.get() + 1);
        }
        Ok(())
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
    let share = f64::from(matched_later_rule.get()) / f64::from(requests.get());
    assert!(
        share > 0.1,
        "only {share:.3} of {} requests matched a rule after the first",
        requests.get()
    );
}
