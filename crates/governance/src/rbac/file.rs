//! The YAML rule file: its serde shape, and its conversion into validated
//! rules with every problem reported against file, rule and field.

use serde::Deserialize;

use super::decision::{Effect, Risk};
use super::error::{RbacError, RuleField};
use super::lines::rule_item_lines;
use super::pattern::{Pattern, PatternError};
use super::rules::Rule;

use super::{RULE_CAPABILITIES_MAX, RULES_MAX};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    default: Effect,
    #[serde(default)]
    rules: Vec<RuleEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleEntry {
    principal: String,
    capabilities: Vec<String>,
    action: Effect,
    max_risk: Option<Risk>,
    description: Option<String>,
}

/// A parsed and validated file: the default and the rules in file order.
#[derive(Debug)]
pub(crate) struct LoadedRules {
    pub(crate) default: Effect,
    pub(crate) rules: Vec<Rule>,
}

/// Parses `text`; `file` names it in errors.
pub(crate) fn load(text: &str, file: &str) -> Result<LoadedRules, RbacError> {
    // serde_norway's messages already name the path in the document and
    // the position, so they are passed on whole.
    let parsed: RuleFile = serde_norway::from_str(text).map_err(|error| RbacError::Yaml {
        file: file.to_owned(),
        line: error.location().map(|location| location.line()),
        message: error.to_string(),
    })?;
    if parsed.rules.len() > RULES_MAX {
        return Err(RbacError::TooManyRules {
            file: file.to_owned(),
            count: parsed.rules.len(),
            max: RULES_MAX,
        });
    }
    let item_lines = rule_item_lines(text);
    let lines_are_trustworthy = item_lines.len() == parsed.rules.len();
    let rules = parsed
        .rules
        .into_iter()
        .enumerate()
        .map(|(index, entry)| {
            let line = item_lines
                .get(index)
                .copied()
                .filter(|_| lines_are_trustworthy);
            to_rule(entry, RuleAt { file, index, line })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(LoadedRules {
        default: parsed.default,
        rules,
    })
}

/// Where a rule sits, for its error messages.
#[derive(Clone, Copy)]
struct RuleAt<'a> {
    file: &'a str,
    index: usize,
    line: Option<usize>,
}

impl RuleAt<'_> {
    fn invalid_pattern(self, field: RuleField, pattern: &str, problem: PatternError) -> RbacError {
        RbacError::InvalidPattern {
            file: self.file.to_owned(),
            rule: self.index,
            line: self.line,
            field,
            pattern: pattern.to_owned(),
            problem,
        }
    }
}

fn to_rule(entry: RuleEntry, at: RuleAt<'_>) -> Result<Rule, RbacError> {
    let principal = Pattern::principal(&entry.principal)
        .map_err(|problem| at.invalid_pattern(RuleField::Principal, &entry.principal, problem))?;
    if entry.capabilities.is_empty() {
        return Err(RbacError::NoCapabilities {
            file: at.file.to_owned(),
            rule: at.index,
            line: at.line,
        });
    }
    if entry.capabilities.len() > RULE_CAPABILITIES_MAX {
        return Err(RbacError::TooManyCapabilities {
            file: at.file.to_owned(),
            rule: at.index,
            line: at.line,
            count: entry.capabilities.len(),
            max: RULE_CAPABILITIES_MAX,
        });
    }
    let capabilities = entry
        .capabilities
        .iter()
        .enumerate()
        .map(|(position, text)| {
            Pattern::capability(text).map_err(|problem| {
                at.invalid_pattern(RuleField::Capability(position), text, problem)
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Rule {
        principal,
        capabilities,
        effect: entry.action,
        max_risk: entry.max_risk,
        description: entry.description,
        line: at.line,
    })
}
