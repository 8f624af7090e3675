//! The policy registry as `rtgsim policy` (and any command that decides on a
//! version: compare, optimize) uses it: RBAC asked for each transition, each
//! transition sealed into the registry's audit chain, policy texts checked as
//! `rtgsim check` checks them, and a scenario's `policy: {registry: ID}` replaced by
//! the version's text before the scenario is resolved.
//!
//! The store ([`rtgsim_persistence`]) keeps the versions and checks which status
//! changes are allowed; the rules (who may) and the audit records (what was done,
//! by whom, why) are made here.
//!
//! # Who may do what
//!
//! | change | capability asked for `--as` | ALLOW | REQUIRE_APPROVAL | DENY |
//! |---|---|---|---|---|
//! | deploy | `policy.deploy.<language>` | deployed | pending_approval | refused |
//! | approve | `policy.approve` | deployed | refused | refused |
//! | reject | `policy.approve` | rejected | refused | refused |
//! | rollback | `policy.rollback` | rolled back | refused | refused |
//!
//! Adding a version needs no right (it is only a proposal, recorded with its
//! author), nor does accepting one on an evaluation's verdict ([`accept`], for
//! programs). An approval is refused from the principal who asked for the
//! deployment: a second pair of eyes. Refusals change nothing and are not recorded
//! (the chain holds transitions).

use rtgsim_governance::audit::{AuditChain, AuditEntry, registry_genesis_hash};
use rtgsim_governance::capabilities::family;
use rtgsim_governance::rbac::{Decision, Effect, Risk, RuleSet};
use rtgsim_persistence::{
    AuditRow, NewRegistryVersion, PolicyLanguage, StatusChange, Store, StoreError, Transition,
    VersionStatus,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;

mod scenarios;
pub use scenarios::{RegistryUses, names_registry, substitute_registry_policies};

/// The capability that approves (or rejects) a deployment waiting for approval.
pub const APPROVE: &str = "policy.approve";
/// The capability that rolls a deployed version back.
pub const ROLLBACK: &str = "policy.rollback";
/// The audit record kind of every registry transition.
pub const AUDIT_KIND: &str = "registry";

/// Why a registry operation did not happen. Nothing was changed either way.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// RBAC, or a rule of the registry (a second pair of eyes), refused it.
    #[error("{0}")]
    Refused(String),
}

/// An RBAC rule file, with the SHA-256 of its text: each audit record names the
/// rules that allowed it.
#[derive(Debug)]
pub struct Rbac {
    pub rules: RuleSet,
    pub sha256: String,
    pub risk: Risk,
}

impl Rbac {
    /// Reads a rule file; the error names the file (and the rule and field).
    pub fn load(path: &Path, risk: Risk) -> Result<Rbac, String> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{name}: cannot read the RBAC rules: {e}"))?;
        let rules = RuleSet::from_yaml(&text, &name).map_err(|e| e.to_string())?;
        Ok(Rbac {
            rules,
            sha256: rtgsim_persistence::sha256_hex(text.as_bytes()),
            risk,
        })
    }

    fn decide(&self, principal: &str, capability: &str) -> Decision {
        self.rules.decide(principal, capability, self.risk)
    }

    /// What the audit record says about the decision.
    fn note(&self, capability: &str, decision: &Decision) -> Value {
        json!({
            "capability": capability,
            "effect": decision.effect.name(),
            "rule": decision.rule(),
            "reason": decision.reason.code(),
            "risk": self.risk.name(),
            "rules_sha256": self.sha256,
        })
    }

    /// Refuses unless `principal` is simply allowed `capability`.
    fn require_allow(
        &self,
        principal: &str,
        capability: &str,
        what: &str,
    ) -> Result<Value, RegistryError> {
        let decision = self.decide(principal, capability);
        if decision.effect != Effect::Allow {
            return Err(RegistryError::Refused(format!(
                "{principal} may not {what}: {capability} is {} for it ({}, {}, risk {}); nothing changed",
                decision.effect,
                decision.rule(),
                decision.reason.code(),
                self.risk
            )));
        }
        Ok(self.note(capability, &decision))
    }
}

/// The capability that deploys a version of `language`.
pub fn deploy_capability(language: PolicyLanguage) -> String {
    format!("policy.deploy.{}", language.as_str())
}

/// Adds a proposed version (after [`check_text`]); the author is who acts.
pub fn add(store: &mut Store, new: &NewRegistryVersion) -> Result<Transition, RegistryError> {
    let mut seal = sealer(new.author.clone(), None, None);
    Ok(store.add_registry_version(new, &mut seal)?)
}

/// Accepts a proposed version on an evaluation's verdict (`reason`: what decided
/// it, e.g. the verdict line). Needs no right: it deploys nothing.
pub fn accept(
    store: &mut Store,
    id: i64,
    principal: &str,
    reason: Option<&str>,
) -> Result<Transition, RegistryError> {
    let mut seal = sealer(principal.to_string(), reason.map(str::to_string), None);
    Ok(store.change_registry_status(id, &StatusChange::Accept, &mut seal)?)
}

/// Rejects a version, with the reason. With rules, `principal` must be allowed
/// `policy.approve` (a review decision); without (a program acting on an
/// evaluation's verdict), it is recorded as the principal's.
pub fn reject(
    store: &mut Store,
    id: i64,
    principal: &str,
    reason: &str,
    rbac: Option<&Rbac>,
) -> Result<Transition, RegistryError> {
    let note = match rbac {
        Some(rbac) => {
            Some(rbac.require_allow(principal, APPROVE, &format!("reject version {id}"))?)
        }
        None => None,
    };
    let mut seal = sealer(principal.to_string(), Some(reason.to_string()), note);
    Ok(store.change_registry_status(id, &StatusChange::Reject, &mut seal)?)
}

/// Asks RBAC whether `principal` may deploy version `id`: ALLOW deploys it (the
/// agent's deployed version, if another, becomes accepted), REQUIRE_APPROVAL makes
/// it pending approval, DENY refuses.
pub fn deploy(
    store: &mut Store,
    id: i64,
    principal: &str,
    rbac: &Rbac,
) -> Result<(Transition, Decision), RegistryError> {
    let version = store.registry_version(id)?;
    let capability = deploy_capability(version.language);
    let decision = rbac.decide(principal, &capability);
    let change = match decision.effect {
        Effect::Allow => StatusChange::Deploy,
        Effect::RequireApproval => StatusChange::RequestApproval {
            requested_by: principal.to_string(),
        },
        Effect::Deny => {
            return Err(RegistryError::Refused(format!(
                "{principal} may not deploy version {id} ({}): {capability} is DENY for it ({}, {}, risk {}); nothing changed",
                version.agent,
                decision.rule(),
                decision.reason.code(),
                rbac.risk
            )));
        }
    };
    let mut seal = sealer(
        principal.to_string(),
        None,
        Some(rbac.note(&capability, &decision)),
    );
    let transition = store.change_registry_status(id, &change, &mut seal)?;
    Ok((transition, decision))
}

/// Approves a deployment waiting for approval, which deploys the version.
/// `principal` must be allowed `policy.approve`, and not be who asked for the
/// deployment.
pub fn approve(
    store: &mut Store,
    id: i64,
    principal: &str,
    rbac: &Rbac,
) -> Result<Transition, RegistryError> {
    let note = rbac.require_allow(principal, APPROVE, &format!("approve version {id}"))?;
    let version = store.registry_version(id)?;
    if version.status == VersionStatus::PendingApproval
        && version.requested_by.as_deref() == Some(principal)
    {
        return Err(RegistryError::Refused(format!(
            "{principal} asked for the deployment of version {id} ({}) and cannot approve it too: another principal allowed {APPROVE} must; nothing changed",
            version.agent
        )));
    }
    let mut seal = sealer(principal.to_string(), None, Some(note));
    Ok(store.change_registry_status(id, &StatusChange::Approve, &mut seal)?)
}

/// Rolls a deployed version back: it becomes rolled_back and the version it
/// replaced is deployed again. `principal` must be allowed `policy.rollback`.
pub fn rollback(
    store: &mut Store,
    id: i64,
    principal: &str,
    reason: Option<&str>,
    rbac: &Rbac,
) -> Result<Transition, RegistryError> {
    let note = rbac.require_allow(principal, ROLLBACK, &format!("roll back version {id}"))?;
    let mut seal = sealer(
        principal.to_string(),
        reason.map(str::to_string),
        Some(note),
    );
    Ok(store.change_registry_status(id, &StatusChange::Rollback, &mut seal)?)
}

/// Seals each transition into the registry chain's next record.
fn sealer(
    principal: String,
    reason: Option<String>,
    rbac: Option<Value>,
) -> impl FnMut(&Transition, u64, Option<&str>) -> AuditRow {
    move |transition, seq, prev_hash| {
        let genesis = registry_genesis_hash();
        let mut chain = AuditChain::resume(seq, prev_hash.unwrap_or(&genesis).to_string());
        let record = chain.append(audit_entry(
            transition,
            &principal,
            reason.as_deref(),
            rbac.as_ref(),
        ));
        AuditRow {
            seq: record.seq,
            day: record.day,
            tick: record.tick,
            kind: record.kind.clone(),
            body: record.body(),
            prev_hash: record.prev_hash.clone(),
            hash: record.hash.clone(),
        }
    }
}

/// Who did what to which version, and why: the record's inputs hold the version
/// (id, language, SHA-256 of its text, parent, author, attached evaluation's
/// SHA-256), its status before and after, any other version that changed with it,
/// the reason given and the RBAC decision. No time: day and tick are 0.
fn audit_entry(
    transition: &Transition,
    principal: &str,
    reason: Option<&str>,
    rbac: Option<&Value>,
) -> AuditEntry {
    let version = &transition.version;
    let mut inputs: BTreeMap<String, Value> = BTreeMap::new();
    inputs.insert("version".into(), json!(version.id));
    inputs.insert("from".into(), json!(transition.from.map(|s| s.as_str())));
    inputs.insert("to".into(), json!(version.status.as_str()));
    inputs.insert("language".into(), json!(version.language.as_str()));
    inputs.insert("sha256".into(), json!(version.sha256));
    inputs.insert("parent".into(), json!(version.parent_id));
    inputs.insert("author".into(), json!(version.author));
    inputs.insert("evaluation_sha256".into(), json!(version.evaluation_sha256));
    inputs.insert(
        "other".into(),
        match transition.other {
            Some((id, from, to)) => {
                json!({"version": id, "from": from.as_str(), "to": to.as_str()})
            }
            None => Value::Null,
        },
    );
    inputs.insert("reason".into(), json!(reason));
    inputs.insert("rbac".into(), rbac.cloned().unwrap_or(Value::Null));
    let reason_code = match transition.change {
        "add" => "POLICY_PROPOSED",
        "accept" => "POLICY_ACCEPTED",
        "reject" => "POLICY_REJECTED",
        "request_approval" => "RBAC_REQUIRE_APPROVAL",
        "deploy" => "RBAC_ALLOW",
        "approve" => "APPROVED",
        "rollback" => "ROLLED_BACK",
        other => other,
    };
    AuditEntry {
        day: 0,
        tick: 0,
        agent: Some(version.agent.clone()),
        tx: None,
        kind: AUDIT_KIND.into(),
        inputs,
        decision: transition.change.to_ascii_uppercase(),
        reason_code: reason_code.into(),
        blocking_gate: None,
        rank: None,
        latched: false,
        operator: Some(principal.to_string()),
    }
}

// ----- policy texts -----

/// The language of a policy file: `.star` is Starlark; a `.json` document whose
/// `type` names a built-in policy (`{"type": "Deadline", ...}`) is a built-in
/// policy's section, any other `.json` a decision tree.
pub fn infer_language(path: &Path, text: &str) -> Result<PolicyLanguage, String> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("star") => Ok(PolicyLanguage::Starlark),
        Some("json") => {
            let builtin = serde_json::from_str::<Value>(text)
                .ok()
                .and_then(|v| v.get("type").and_then(Value::as_str).map(str::to_string))
                .is_some_and(|t| {
                    family(&t) == rtgsim_governance::capabilities::PolicyFamily::Builtin
                });
            Ok(if builtin {
                PolicyLanguage::Builtin
            } else {
                PolicyLanguage::Json
            })
        }
        _ => Err(format!(
            "{}: not a policy file (a .star script, a .json decision tree or a .json built-in policy section); or say which with --language",
            path.display()
        )),
    }
}

/// Checks a policy text as `rtgsim check` does (and, for a built-in policy's
/// section, as a scenario would): the errors, rendered with their places, or the
/// warnings (rendered, possibly empty).
pub fn check_text(name: &str, language: PolicyLanguage, text: &str) -> Result<String, String> {
    let findings = match language {
        PolicyLanguage::Starlark => {
            if let Err(refused) = rtgsim_policy_starlark::syntax::check_structure(text) {
                return Err(format!(
                    "{name}:{}:{}: {}",
                    refused.line, refused.column, refused.message
                ));
            }
            rtgsim_analyzer::analyze_starlark(name, text)
        }
        PolicyLanguage::Json => rtgsim_analyzer::analyze_tree(name, text),
        PolicyLanguage::Builtin => return check_builtin(name, text).map(|()| String::new()),
    };
    // Nothing to say about a clean policy (the renderer would still count zero).
    if findings.is_empty() {
        return Ok(String::new());
    }
    let rendered = rtgsim_analyzer::render::human(&findings, &|_| Some(text.to_string()));
    if findings.iter().any(|f| f.is_error()) {
        Err(rendered)
    } else {
        Ok(rendered)
    }
}

/// A built-in policy's section, checked by the scenario loader itself in a
/// one-agent scenario, its problems named against `name`.
fn check_builtin(name: &str, text: &str) -> Result<(), String> {
    let section: Value =
        serde_json::from_str(text).map_err(|e| format!("{name}: not JSON: {e}"))?;
    let scenario = json!({
        "simulation": {"ticks_per_day": 1, "num_days": 1},
        "agents": [{"id": "A", "opening_balance": 0, "policy": section}],
    });
    let mut input = rtgsim_scenario::config::ScenarioInput::from_text(
        &scenario.to_string(),
        name,
        Path::new("."),
    )
    .map_err(|e| e.to_string())?;
    input
        .resolve()
        .map(|_| ())
        .map_err(|e| e.to_string().replace("agents[0].policy", "policy"))
}

// ----- scenarios naming a registry version -----
