//! `Rule` and `RuleSet`: the loaded file and the two ways to ask it, the
//! indexed `decide` and the reference `decide_linear`.

use super::decision::{Decision, Effect, Reason, Risk, escalate};
#[cfg(feature = "yaml")]
use super::file::load;
use super::index::RuleIndex;
use super::pattern::Pattern;

/// One rule of a file, validated.
#[derive(Debug, Clone)]
pub struct Rule {
    pub(crate) principal: Pattern,
    pub(crate) capabilities: Vec<Pattern>,
    pub(crate) effect: Effect,
    pub(crate) max_risk: Option<Risk>,
    pub(crate) description: Option<String>,
    pub(crate) line: Option<usize>,
}

impl Rule {
    /// A rule built in code rather than read from a file.
    pub fn new(
        principal: Pattern,
        capabilities: Vec<Pattern>,
        effect: Effect,
        max_risk: Option<Risk>,
        description: Option<String>,
    ) -> Rule {
        Rule {
            principal,
            capabilities,
            effect,
            max_risk,
            description,
            line: None,
        }
    }

    /// The principal pattern.
    pub fn principal(&self) -> &Pattern {
        &self.principal
    }

    /// The capability patterns; the rule matches if any of them does.
    pub fn capabilities(&self) -> &[Pattern] {
        &self.capabilities
    }

    /// The rule's `action`, before any escalation.
    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// The highest risk this rule allows without approval, if limited.
    pub fn max_risk(&self) -> Option<Risk> {
        self.max_risk
    }

    /// The free-text description, if any.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The 1-based line where the rule starts in its file, when known.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// Whether this rule applies to the request (ignoring risk).
    pub fn matches(&self, principal: &str, capability: &str) -> bool {
        self.principal.matches(principal)
            && self
                .capabilities
                .iter()
                .any(|pattern| pattern.matches(capability))
    }
}

/// A loaded rule file: ordered rules, a default, and an index for lookups.
#[derive(Debug)]
pub struct RuleSet {
    source: String,
    default: Effect,
    rules: Vec<Rule>,
    index: RuleIndex,
}

impl RuleSet {
    /// Parses and validates a YAML rule file. `source` names it (usually
    /// its path) in error messages.
    #[cfg(feature = "yaml")]
    pub fn from_yaml(text: &str, source: &str) -> Result<RuleSet, super::RbacError> {
        let loaded = load(text, source)?;
        Ok(RuleSet::new(source, loaded.default, loaded.rules))
    }

    /// A rule set built in code: `rules` in first-match order, `default` when none
    /// matches; `source` names it in decisions.
    pub fn new(source: &str, default: Effect, rules: Vec<Rule>) -> RuleSet {
        let index = RuleIndex::build(&rules);
        RuleSet {
            source: source.to_owned(),
            default,
            rules,
            index,
        }
    }

    /// Decides a request: the first matching rule's effect (or the
    /// default), escalated from ALLOW to REQUIRE_APPROVAL when the risk
    /// calls for it. Uses the index; never scans every rule.
    pub fn decide(&self, principal: &str, capability: &str, risk: Risk) -> Decision {
        let matched = self.index.first_match(principal, capability);
        self.decision_for(matched, risk)
    }

    /// The same answer as [`RuleSet::decide`], found by trying every rule in
    /// order. The executable definition of first-match semantics: tests
    /// and audits compare the index against it.
    pub fn decide_linear(&self, principal: &str, capability: &str, risk: Risk) -> Decision {
        let matched = self
            .rules
            .iter()
            .position(|rule| rule.matches(principal, capability));
        self.decision_for(matched, risk)
    }

    /// The name given to `from_yaml`.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The effect when no rule matches.
    pub fn default_effect(&self) -> Effect {
        self.default
    }

    /// The rules in file order; `Decision::matched` indexes this slice.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    fn decision_for(&self, matched: Option<usize>, risk: Risk) -> Decision {
        let rule = matched.and_then(|index| self.rules.get(index));
        let (effect, max_risk, line, reason) = match rule {
            Some(rule) => (rule.effect, rule.max_risk, rule.line, Reason::RuleMatch),
            None => (self.default, None, None, Reason::Default),
        };
        let (effect, escalated, reason) = match escalate(effect, max_risk, risk) {
            Some((stricter, why)) => (stricter, true, why),
            None => (effect, false, reason),
        };
        Decision {
            effect,
            matched,
            line,
            escalated,
            reason,
        }
    }
}
