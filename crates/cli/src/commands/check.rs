//! `rtgsim check`: the static analyzer over policy files and, with `--rbac`, what a
//! principal's rules say about deploying them.

use crate::{CheckArgs, Failure, Format};
use rtgsim_analyzer::{Finding, render};
use rtgsim_governance::rbac::{Decision, Effect, Reason, Risk, RuleSet};
use rtgsim_scenario::policy_capabilities::{self, PolicyCapabilities};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

/// The rules to ask, and for whom.
struct RbacRequest {
    rules: RuleSet,
    principal: String,
    risk: Risk,
}

/// One capability of one policy file, and the rules' answer.
struct RbacAnswer {
    file: String,
    capability: String,
    decision: Decision,
}

/// What the rules say about every policy file.
#[derive(Default)]
struct RbacReport {
    answers: Vec<RbacAnswer>,
    /// Files whose actions could not all be read, and why.
    unread: Vec<(String, String)>,
}

impl RbacReport {
    fn count(&self, effect: Effect) -> usize {
        self.answers
            .iter()
            .filter(|a| a.decision.effect == effect)
            .count()
    }
}

pub fn check(args: CheckArgs) -> Result<(), Failure> {
    // The rules are read first: a bad rule file is an input error, reported before
    // any analysis is printed.
    let rbac = match (&args.rbac, &args.principal) {
        (Some(path), Some(principal)) => Some(RbacRequest {
            rules: load_rules(path)?,
            principal: principal.clone(),
            risk: args.risk,
        }),
        _ => None,
    };
    let mut findings: Vec<Finding> = Vec::new();
    let mut sources = BTreeMap::new();
    let mut capabilities: Vec<(String, PolicyCapabilities)> = Vec::new();
    for path in &args.policies {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::Input(format!("{name}: cannot read: {e}")))?;
        let (file_findings, needs) = match path.extension().and_then(|e| e.to_str()) {
            Some("star") => {
                // A script the sandbox would not even parse (too large, nested too
                // deeply) is not a policy file: an input error, with its place.
                if let Err(refused) = rtgsim_policy_starlark::syntax::check_structure(&text) {
                    return Err(Failure::Input(format!(
                        "{name}:{}:{}: {}",
                        refused.line, refused.column, refused.message
                    )));
                }
                (
                    rtgsim_analyzer::analyze_starlark(&name, &text),
                    policy_capabilities::of_script(&text),
                )
            }
            Some("json") => (
                rtgsim_analyzer::analyze_tree(&name, &text),
                policy_capabilities::of_tree(&text),
            ),
            _ => {
                return Err(Failure::Input(format!(
                    "{name}: not a policy file (a .star script or a .json decision tree)"
                )));
            }
        };
        findings.extend(file_findings);
        capabilities.push((name.clone(), needs));
        sources.insert(name, text);
    }
    let rbac_report = rbac.as_ref().map(|request| ask(request, &capabilities));

    let report = match (args.format, &rbac, &rbac_report) {
        (Format::Human, _, _) => {
            let mut text = render::human(&findings, &|file| sources.get(file).cloned());
            if let (Some(request), Some(report)) = (&rbac, &rbac_report) {
                text.push('\n');
                text.push_str(&rbac_human(request, report));
            }
            text
        }
        (Format::Json, Some(request), Some(report)) => rbac_json(&findings, request, report)?,
        // Without --rbac the JSON report stays what it always was: the findings array.
        (Format::Json, _, _) => render::json(&findings) + "\n",
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(report.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::Run(format!("writing the report: {e}")))?;

    let analysis_fails = findings.iter().any(|f| f.is_error() || args.deny_warnings);
    let rbac_fails = rbac_report.as_ref().is_some_and(|report| {
        report.count(Effect::Deny) > 0
            || (args.deny_warnings
                && (report.count(Effect::RequireApproval) > 0 || !report.unread.is_empty()))
    });
    if analysis_fails || rbac_fails {
        Err(Failure::Findings)
    } else {
        Ok(())
    }
}

fn load_rules(path: &Path) -> Result<RuleSet, Failure> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::Input(format!("{name}: cannot read the RBAC rules: {e}")))?;
    // The loader's message names the file, the rule and the field.
    RuleSet::from_yaml(&text, &name).map_err(|e| Failure::Input(e.to_string()))
}

fn ask(request: &RbacRequest, capabilities: &[(String, PolicyCapabilities)]) -> RbacReport {
    let mut report = RbacReport::default();
    for (file, needs) in capabilities {
        for capability in &needs.capabilities {
            report.answers.push(RbacAnswer {
                file: file.clone(),
                capability: capability.clone(),
                decision: request
                    .rules
                    .decide(&request.principal, capability, request.risk),
            });
        }
        if let Some(unread) = needs.unread {
            report.unread.push((file.clone(), unread.to_string()));
        }
    }
    report
}

/// One line per capability that is not simply allowed, then a count.
fn rbac_human(request: &RbacRequest, report: &RbacReport) -> String {
    let mut out = String::new();
    let principal = &request.principal;
    for answer in &report.answers {
        let verb = match answer.decision.effect {
            Effect::Allow => continue,
            Effect::Deny => "may not",
            Effect::RequireApproval => "needs approval for",
        };
        let _ = writeln!(
            out,
            "{}: {principal} {verb} {} ({})",
            answer.file,
            answer.capability,
            why(&answer.decision, request.risk)
        );
    }
    for (file, unread) in &report.unread {
        let _ = writeln!(out, "{file}: not fully checked: {unread}");
    }
    let files = report
        .answers
        .iter()
        .map(|a| &a.file)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let _ = writeln!(
        out,
        "rbac: {principal} at risk {} in {}: {} denied, {} need(s) approval, {} allowed ({} capabilities of {files} file(s))",
        request.risk,
        request.rules.source(),
        report.count(Effect::Deny),
        report.count(Effect::RequireApproval),
        report.count(Effect::Allow),
        report.answers.len(),
    );
    out
}

/// `DENY, rule 3 at line 14`, `REQUIRE_APPROVAL, rule 1 at line 5, risk escalation`,
/// `DENY, no rule matched: the default`. Rules are numbered from 0, as in the rule
/// loader's messages.
fn why(decision: &Decision, risk: Risk) -> String {
    let mut text = decision.effect.name().to_string();
    let lead = if decision.matched.is_none() {
        "no rule matched: "
    } else {
        ""
    };
    let _ = write!(text, ", {lead}{}", decision.rule());
    match decision.reason {
        Reason::RiskEscalation => {
            let _ = write!(text, ", risk escalation: {risk} always needs approval");
        }
        Reason::MaxRiskExceeded => {
            let _ = write!(text, ", risk {risk} is above the rule's max_risk");
        }
        Reason::RuleMatch | Reason::Default => {}
    }
    text
}

/// The findings and every answer of the rules, as one JSON object.
fn rbac_json(
    findings: &[Finding],
    request: &RbacRequest,
    report: &RbacReport,
) -> Result<String, Failure> {
    let answers: Vec<serde_json::Value> = report
        .answers
        .iter()
        .map(|answer| {
            serde_json::json!({
                "file": answer.file,
                "capability": answer.capability,
                "effect": answer.decision.effect,
                "rule": answer.decision.matched,
                "line": answer.decision.line,
                "escalated": answer.decision.escalated,
                "reason": answer.decision.reason.code(),
            })
        })
        .collect();
    let unread: Vec<serde_json::Value> = report
        .unread
        .iter()
        .map(|(file, why)| serde_json::json!({"file": file, "problem": why}))
        .collect();
    let value = serde_json::json!({
        "findings": findings,
        "rbac": answers,
        "rbac_rules": request.rules.source(),
        "rbac_principal": request.principal,
        "rbac_risk": request.risk,
        "rbac_unchecked": unread,
    });
    serde_json::to_string_pretty(&value)
        .map(|text| text + "\n")
        .map_err(|e| Failure::Run(format!("rendering the report: {e}")))
}
