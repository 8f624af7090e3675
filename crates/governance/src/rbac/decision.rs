//! What a rule says (`Effect`), how risky a request is (`Risk`), and what
//! the rule set answers (`Decision`), including the risk escalation.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a rule, or the default, does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Effect {
    Allow,
    Deny,
    RequireApproval,
}

impl Effect {
    /// The upper-case name used in rule files.
    pub fn name(self) -> &'static str {
        match self {
            Effect::Allow => "ALLOW",
            Effect::Deny => "DENY",
            Effect::RequireApproval => "REQUIRE_APPROVAL",
        }
    }
}

impl From<Effect> for rtgsim_core::AuditDecision {
    fn from(effect: Effect) -> rtgsim_core::AuditDecision {
        use rtgsim_core::AuditDecision;
        match effect {
            Effect::Allow => AuditDecision::Allow,
            Effect::Deny => AuditDecision::Deny,
            Effect::RequireApproval => AuditDecision::RequireApproval,
        }
    }
}

/// How risky the requested operation is, as judged by the caller.
/// Ordered: `Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Risk {
    Low,
    Medium,
    High,
    Critical,
}

impl Risk {
    /// Every level, lowest first.
    pub const ALL: [Risk; 4] = [Risk::Low, Risk::Medium, Risk::High, Risk::Critical];

    /// The upper-case name used in rule files.
    pub fn name(self) -> &'static str {
        match self {
            Risk::Low => "LOW",
            Risk::Medium => "MEDIUM",
            Risk::High => "HIGH",
            Risk::Critical => "CRITICAL",
        }
    }
}

/// From this level up, an ALLOW always needs a human: high-risk operations
/// are never approved by a rule alone.
pub const ESCALATION_RISK_MIN: Risk = Risk::High;

/// A name that is not one of the upper-case effect or risk names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {text:?}; expected one of {expected}")]
pub struct UnknownName {
    what: &'static str,
    text: String,
    expected: &'static str,
}

impl FromStr for Effect {
    type Err = UnknownName;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        [Effect::Allow, Effect::Deny, Effect::RequireApproval]
            .into_iter()
            .find(|effect| effect.name() == text)
            .ok_or_else(|| UnknownName {
                what: "effect",
                text: text.to_owned(),
                expected: "ALLOW, DENY, REQUIRE_APPROVAL",
            })
    }
}

impl FromStr for Risk {
    type Err = UnknownName;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Risk::ALL
            .into_iter()
            .find(|risk| risk.name() == text)
            .ok_or_else(|| UnknownName {
                what: "risk level",
                text: text.to_owned(),
                expected: "LOW, MEDIUM, HIGH, CRITICAL",
            })
    }
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Risk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a decision came out as it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Reason {
    /// A rule matched and its effect stands.
    RuleMatch,
    /// No rule matched; the file's default stands.
    Default,
    /// An ALLOW became REQUIRE_APPROVAL because the request's risk is HIGH
    /// or CRITICAL.
    RiskEscalation,
    /// An ALLOW became REQUIRE_APPROVAL because the request's risk is above
    /// the matching rule's `max_risk`.
    MaxRiskExceeded,
}

impl Reason {
    /// A stable upper-case code for logs and audit records.
    pub fn code(self) -> &'static str {
        match self {
            Reason::RuleMatch => "RULE_MATCH",
            Reason::Default => "DEFAULT",
            Reason::RiskEscalation => "RISK_ESCALATION",
            Reason::MaxRiskExceeded => "MAX_RISK_EXCEEDED",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The answer to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Decision {
    /// What the caller must do.
    pub effect: Effect,
    /// The 0-based index of the rule that matched; `None` for the default.
    pub matched: Option<usize>,
    /// The 1-based line of that rule in its file, when it could be found.
    pub line: Option<usize>,
    /// True when `effect` is stricter than what the rule (or default) says.
    pub escalated: bool,
    /// Why: the escalation reason when `escalated`, otherwise
    /// `RuleMatch` or `Default`.
    pub reason: Reason,
}

impl Decision {
    /// Which rule answered, for people: `rule 3 at line 14` (rules numbered from
    /// 0, as in the loader's messages), `rule 3` when the line is unknown, or
    /// `the default`.
    pub fn rule(&self) -> String {
        match (self.matched, self.line) {
            (Some(rule), Some(line)) => format!("rule {rule} at line {line}"),
            (Some(rule), None) => format!("rule {rule}"),
            (None, _) => "the default".into(),
        }
    }
}

/// The effect a rule (or the default) ends up with for a request of the
/// given risk. Only ALLOW is ever changed, and only ever to
/// REQUIRE_APPROVAL: escalation makes decisions stricter, never looser.
///
/// The rule's own `max_risk` is checked first because it is the more
/// specific reason; the global HIGH/CRITICAL escalation applies to every
/// ALLOW, whether from a rule or the default.
pub(crate) fn escalate(
    effect: Effect,
    max_risk: Option<Risk>,
    risk: Risk,
) -> Option<(Effect, Reason)> {
    if effect != Effect::Allow {
        return None;
    }
    if max_risk.is_some_and(|max_risk| risk > max_risk) {
        return Some((Effect::RequireApproval, Reason::MaxRiskExceeded));
    }
    if risk >= ESCALATION_RISK_MIN {
        return Some((Effect::RequireApproval, Reason::RiskEscalation));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risk_levels_are_ordered_and_named() {
        assert!(
            Risk::Low < Risk::Medium && Risk::Medium < Risk::High && Risk::High < Risk::Critical
        );
        assert_eq!("CRITICAL".parse::<Risk>(), Ok(Risk::Critical));
        assert_eq!(
            "high".parse::<Risk>().unwrap_err().to_string(),
            r#"unknown risk level "high"; expected one of LOW, MEDIUM, HIGH, CRITICAL"#
        );
        assert_eq!(
            "REQUIRE_APPROVAL".parse::<Effect>(),
            Ok(Effect::RequireApproval)
        );
        assert_eq!(Effect::RequireApproval.to_string(), "REQUIRE_APPROVAL");
    }

    #[test]
    fn only_allow_escalates_and_only_to_require_approval() {
        assert_eq!(escalate(Effect::Allow, None, Risk::Medium), None);
        assert_eq!(
            escalate(Effect::Allow, None, Risk::High),
            Some((Effect::RequireApproval, Reason::RiskEscalation))
        );
        assert_eq!(
            escalate(Effect::Allow, None, Risk::Critical),
            Some((Effect::RequireApproval, Reason::RiskEscalation))
        );
        assert_eq!(
            escalate(Effect::Allow, Some(Risk::Low), Risk::Medium),
            Some((Effect::RequireApproval, Reason::MaxRiskExceeded))
        );
        assert_eq!(
            escalate(Effect::Allow, Some(Risk::Medium), Risk::Medium),
            None
        );
        assert_eq!(
            escalate(Effect::Deny, Some(Risk::Low), Risk::Critical),
            None
        );
        assert_eq!(
            escalate(Effect::RequireApproval, None, Risk::Critical),
            None
        );
    }
}
