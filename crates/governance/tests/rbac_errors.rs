//! Malformed rule files: each error names the file, the rule and the field,
//! and these tests pin the exact wording people will read.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use rtgsim_governance::rbac::{PatternError, RbacError, RuleField, RuleSet};

fn load_error(yaml: &str) -> String {
    match RuleSet::from_yaml(yaml, "rules.yaml") {
        Ok(rules) => panic!("expected a load error, got {} rules", rules.rules().len()),
        Err(error) => error.to_string(),
    }
}

/// A file with one rule, the principal and capabilities given as YAML text.
fn one_rule(principal: &str, capabilities: &str) -> String {
    format!(
        "default: DENY\nrules:\n  - principal: {principal}\n    capabilities: {capabilities}\n    action: ALLOW\n"
    )
}

#[test]
fn missing_default_and_empty_document() {
    let expected = "rules.yaml: missing field `default`";
    assert_eq!(load_error("rules: []\n"), expected);
    assert_eq!(load_error(""), expected);
}

#[test]
fn unknown_effect_names_the_path_and_position() {
    assert_eq!(
        load_error(
            "default: DENY\nrules:\n  - principal: \"user:*\"\n    capabilities: [sim.run]\n    action: ALOW\n"
        ),
        "rules.yaml: rules[0].action: unknown variant `ALOW`, expected one of `ALLOW`, `DENY`, `REQUIRE_APPROVAL` at line 5 column 13"
    );
}

#[test]
fn unknown_risk_level() {
    assert_eq!(
        load_error(
            "default: DENY\nrules:\n  - principal: \"user:*\"\n    capabilities: [sim.run]\n    action: ALLOW\n    max_risk: SEVERE\n"
        ),
        "rules.yaml: rules[0].max_risk: unknown variant `SEVERE`, expected one of `LOW`, `MEDIUM`, `HIGH`, `CRITICAL` at line 6 column 15"
    );
}

#[test]
fn misspelt_field_is_rejected_not_ignored() {
    assert_eq!(
        load_error(
            "default: DENY\nrules:\n  - principal: \"user:*\"\n    capabilites: [sim.run]\n    action: ALLOW\n"
        ),
        "rules.yaml: rules[0]: unknown field `capabilites`, expected one of `principal`, `capabilities`, `action`, `max_risk`, `description` at line 4 column 5"
    );
}

#[test]
fn syntax_error_carries_its_line() {
    let error = RuleSet::from_yaml("default: DENY\nrules: [\n", "rules.yaml").unwrap_err();
    assert_eq!(
        error.to_string(),
        "rules.yaml: did not find expected node content at line 3 column 1, while parsing a flow node"
    );
    assert!(matches!(error, RbacError::Yaml { line: Some(3), .. }));
}

#[test]
fn capabilities_must_be_a_list() {
    assert_eq!(
        load_error(&one_rule("\"user:*\"", "sim.run")),
        "rules.yaml: rules[0].capabilities: invalid type: string \"sim.run\", expected a sequence at line 4 column 19"
    );
}

#[test]
fn empty_capability_list() {
    assert_eq!(
        load_error(&one_rule("\"user:*\"", "[]")),
        "rules.yaml: rule 0 (line 3), capabilities: the list is empty; a rule needs at least one capability"
    );
}

#[test]
fn empty_segment_in_a_capability() {
    assert_eq!(
        load_error(&one_rule("\"user:*\"", "[sim.run, \"a..b\"]")),
        "rules.yaml: rule 0 (line 3), capabilities[1]: invalid pattern \"a..b\": segment 1 is empty (a separator at an end, or two in a row)"
    );
}

#[test]
fn double_star() {
    assert_eq!(
        load_error(&one_rule("\"user:*\"", "[\"policy.**\"]")),
        "rules.yaml: rule 0 (line 3), capabilities[0]: invalid pattern \"policy.**\": `**` is not allowed: `*` already matches within a segment, and a trailing `*` segment matches one or more segments"
    );
}

#[test]
fn empty_principal() {
    assert_eq!(
        load_error(&one_rule("\"\"", "[sim.run]")),
        "rules.yaml: rule 0 (line 3), principal: invalid pattern \"\": the pattern is empty"
    );
}

#[test]
fn bad_character_in_a_principal() {
    assert_eq!(
        load_error(&one_rule("\"user alice\"", "[sim.run]")),
        "rules.yaml: rule 0 (line 3), principal: invalid pattern \"user alice\": character ' ' at byte 4 is not allowed; use ASCII letters, digits, `_`, `-`, `.`, the separator `:` and `*`"
    );
}

#[test]
fn later_rules_are_named_by_index_and_line() {
    let yaml = "default: DENY\nrules:\n  - principal: \"user:*\"\n    capabilities: [sim.run]\n    action: ALLOW\n  - principal: \"user:*\"\n    capabilities: [\"gate.reset/now\"]\n    action: ALLOW\n";
    assert_eq!(
        load_error(yaml),
        "rules.yaml: rule 1 (line 6), capabilities[0]: invalid pattern \"gate.reset/now\": character '/' at byte 10 is not allowed; use ASCII letters, digits, `_`, `-`, the separator `.` and `*`"
    );
}

#[test]
fn flow_style_errors_name_the_rule_without_a_line() {
    assert_eq!(
        load_error(
            "{default: DENY, rules: [{principal: \"agent:\", capabilities: [x], action: DENY}]}"
        ),
        "rules.yaml: rule 0, principal: invalid pattern \"agent:\": segment 1 is empty (a separator at an end, or two in a row)"
    );
}

#[test]
fn errors_carry_structured_fields() {
    let error = RuleSet::from_yaml(&one_rule("\"user:*\"", "[sim.run, \"sim.\"]"), "rules.yaml")
        .unwrap_err();
    assert_eq!(
        error,
        RbacError::InvalidPattern {
            file: "rules.yaml".to_owned(),
            rule: 0,
            line: Some(3),
            field: RuleField::Capability(1),
            pattern: "sim.".to_owned(),
            problem: PatternError::EmptySegment { segment: 1 },
        }
    );
}
