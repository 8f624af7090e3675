//! What `rtgsim compare --db` and `rtgsim optimize --db` keep in the policy
//! registry: each candidate as a version (its parent the version it was compared
//! with, when known), the comparison that decided it attached, and the verdict as
//! its status: `accepted` or `rejected`, each a record of the registry's audit
//! chain.

use crate::registry::{self, RegistryError};
use rtgsim_evaluate::compare::CompareReport;
use rtgsim_evaluate::optimize::policy_text::{Language, PolicyText};
use rtgsim_evaluate::verdict::Decision;
use rtgsim_persistence::{NewRegistryVersion, PolicyLanguage, Store, VersionStatus};

/// The registry's language for a policy text, and the text as the registry keeps
/// it (a built-in policy's section as JSON).
pub fn registry_form(policy: &PolicyText) -> Result<(PolicyLanguage, String), String> {
    Ok(match policy.language {
        Language::Starlark => (PolicyLanguage::Starlark, policy.text.clone()),
        Language::Tree => (PolicyLanguage::Json, policy.text.clone()),
        Language::Builtin => (
            PolicyLanguage::Builtin,
            serde_json::to_string(&policy.section()?).map_err(|e| e.to_string())?,
        ),
    })
}

/// A registry version as a policy text.
pub fn policy_text(language: PolicyLanguage, text: &str) -> PolicyText {
    PolicyText {
        language: match language {
            PolicyLanguage::Starlark => Language::Starlark,
            PolicyLanguage::Json => Language::Tree,
            PolicyLanguage::Builtin => Language::Builtin,
        },
        text: text.to_string(),
    }
}

/// The version `policy` is for `agent`: a new proposed one, or the one that already
/// has its text (the registry keeps each text once per agent).
pub fn register(
    store: &mut Store,
    agent: &str,
    policy: &PolicyText,
    parent_id: Option<i64>,
    author: &str,
) -> Result<i64, String> {
    let (language, text) = registry_form(policy)?;
    let sha256 = rtgsim_persistence::sha256_hex(text.as_bytes());
    let existing = store
        .registry_versions(Some(agent))
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|v| v.sha256 == sha256);
    if let Some(version) = existing {
        return Ok(version.id);
    }
    let new = NewRegistryVersion {
        agent: agent.to_string(),
        language,
        text,
        parent_id,
        author: author.to_string(),
    };
    let added = registry::add(store, &new).map_err(|e| e.to_string())?;
    Ok(added.version.id)
}

/// Attaches `report` to version `id` and gives it the verdict's status, if it is
/// still `proposed` (a version already decided keeps its status and evaluation).
/// Returns the status it has after.
pub fn record_verdict(
    store: &mut Store,
    id: i64,
    report: &CompareReport,
    principal: &str,
) -> Result<VersionStatus, String> {
    let version = store.registry_version(id).map_err(|e| e.to_string())?;
    if version.status != VersionStatus::Proposed {
        return Ok(version.status);
    }
    let json = serde_json::to_string(report).map_err(|e| e.to_string())?;
    store
        .attach_evaluation(id, &json)
        .map_err(|e| e.to_string())?;
    let summary = format!(
        "compare, {} samples in {} mode, master seed {}: mean cost delta {} cents",
        report.stats.samples,
        serde_json::to_value(report.mode)
            .ok()
            .and_then(|m| m.as_str().map(str::to_string))
            .unwrap_or_default(),
        report.master_seed,
        rtgsim_evaluate::verdict::cents(report.stats.mean_delta_cents)
    );
    let outcome = match report.verdict.decision {
        Decision::Accept => registry::accept(store, id, principal, Some(&summary)),
        Decision::Reject => {
            let why = format!("{summary}; {}", report.verdict.reasons.join("; "));
            registry::reject(store, id, principal, &why, None)
        }
    };
    outcome.map_err(|e: RegistryError| e.to_string())?;
    Ok(store
        .registry_version(id)
        .map_err(|e| e.to_string())?
        .status)
}
