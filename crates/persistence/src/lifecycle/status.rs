//! The registry's vocabulary: statuses, languages, versions, the status changes
//! with the statuses each may start from, and what a transition hands the sealer.

use crate::records::AuditRow;
use serde::Serialize;
use std::fmt;

/// Where a policy version is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    /// Added, not yet decided on.
    Proposed,
    /// Judged good (by an evaluation, or deployed once and replaced since): may be
    /// deployed, and a scenario may run it.
    Accepted,
    Rejected,
    /// Its deployment needs an approval (RBAC said REQUIRE_APPROVAL).
    PendingApproval,
    /// The agent's current version (at most one per agent).
    Deployed,
    /// Was deployed and was rolled back.
    RolledBack,
}

impl VersionStatus {
    pub const ALL: [VersionStatus; 6] = [
        VersionStatus::Proposed,
        VersionStatus::Accepted,
        VersionStatus::Rejected,
        VersionStatus::PendingApproval,
        VersionStatus::Deployed,
        VersionStatus::RolledBack,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VersionStatus::Proposed => "proposed",
            VersionStatus::Accepted => "accepted",
            VersionStatus::Rejected => "rejected",
            VersionStatus::PendingApproval => "pending_approval",
            VersionStatus::Deployed => "deployed",
            VersionStatus::RolledBack => "rolled_back",
        }
    }

    pub fn parse(text: &str) -> Option<VersionStatus> {
        VersionStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether a scenario may run a version in this status: one deployed, or
    /// accepted (to replay it before deploying it).
    pub fn runnable(self) -> bool {
        matches!(self, VersionStatus::Deployed | VersionStatus::Accepted)
    }
}

impl fmt::Display for VersionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a version's text is: it decides the RBAC capability that deploys it
/// (`policy.deploy.<language>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyLanguage {
    /// A Starlark script.
    Starlark,
    /// A JSON decision tree.
    Json,
    /// A built-in policy's `policy:` section as JSON (`{"type": "Deadline", ...}`).
    Builtin,
}

impl PolicyLanguage {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyLanguage::Starlark => "starlark",
            PolicyLanguage::Json => "json",
            PolicyLanguage::Builtin => "builtin",
        }
    }

    pub fn parse(text: &str) -> Option<PolicyLanguage> {
        [
            PolicyLanguage::Starlark,
            PolicyLanguage::Json,
            PolicyLanguage::Builtin,
        ]
        .into_iter()
        .find(|l| l.as_str() == text)
    }
}

impl fmt::Display for PolicyLanguage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A version in the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegistryVersion {
    pub id: i64,
    pub agent: String,
    pub language: PolicyLanguage,
    pub text: String,
    /// SHA-256 of `text`, lowercase hex.
    pub sha256: String,
    pub parent_id: Option<i64>,
    /// The principal who added it.
    pub author: String,
    /// Unix seconds; metadata only.
    pub created_at: i64,
    pub status: VersionStatus,
    /// The version deployed for the agent when this one was last deployed: what
    /// rolling this one back restores.
    pub replaced_id: Option<i64>,
    /// Who asked for the deployment that waits for approval.
    pub requested_by: Option<String>,
    /// The evaluation that decided it (a compare report, JSON), if one is attached.
    pub evaluation: Option<String>,
    pub evaluation_sha256: Option<String>,
}

/// A version to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRegistryVersion {
    pub agent: String,
    pub language: PolicyLanguage,
    pub text: String,
    /// The version it derives from (of the same agent).
    pub parent_id: Option<i64>,
    pub author: String,
}

/// A change of status to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusChange {
    /// proposed -> accepted (an evaluation found it better).
    Accept,
    /// proposed, accepted or pending_approval -> rejected.
    Reject,
    /// proposed, accepted or rolled_back -> pending_approval: a deployment that
    /// waits for someone allowed to approve it.
    RequestApproval { requested_by: String },
    /// proposed, accepted or rolled_back -> deployed; the agent's deployed version,
    /// if another, becomes accepted.
    Deploy,
    /// pending_approval -> deployed, as [`StatusChange::Deploy`].
    Approve,
    /// deployed -> rolled_back; the version it replaced (which must be accepted)
    /// becomes deployed again.
    Rollback,
}

impl StatusChange {
    /// The change's name in audit records and messages.
    pub fn name(&self) -> &'static str {
        match self {
            StatusChange::Accept => "accept",
            StatusChange::Reject => "reject",
            StatusChange::RequestApproval { .. } => "request_approval",
            StatusChange::Deploy => "deploy",
            StatusChange::Approve => "approve",
            StatusChange::Rollback => "rollback",
        }
    }

    /// The statuses it may start from.
    pub fn allowed_from(&self) -> &'static [VersionStatus] {
        use VersionStatus::*;
        match self {
            StatusChange::Accept => &[Proposed],
            StatusChange::Reject => &[Proposed, Accepted, PendingApproval],
            StatusChange::RequestApproval { .. } | StatusChange::Deploy => {
                &[Proposed, Accepted, RolledBack]
            }
            StatusChange::Approve => &[PendingApproval],
            StatusChange::Rollback => &[Deployed],
        }
    }

    pub(super) fn target(&self) -> VersionStatus {
        match self {
            StatusChange::Accept => VersionStatus::Accepted,
            StatusChange::Reject => VersionStatus::Rejected,
            StatusChange::RequestApproval { .. } => VersionStatus::PendingApproval,
            StatusChange::Deploy | StatusChange::Approve => VersionStatus::Deployed,
            StatusChange::Rollback => VersionStatus::RolledBack,
        }
    }
}

/// A transition made (or being made): what a [`Sealer`] records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// `add`, or a [`StatusChange::name`].
    pub change: &'static str,
    /// The version after the change.
    pub version: RegistryVersion,
    /// Its status before (`None` for `add`).
    pub from: Option<VersionStatus>,
    /// Another version of the same agent that changed with it: the one a
    /// deployment replaced (deployed -> accepted), or the one a rollback restored
    /// (accepted -> deployed). (id, from, to).
    pub other: Option<(i64, VersionStatus, VersionStatus)>,
}

/// Seals a transition into the registry chain's next record: given the transition,
/// the record's seq and the previous record's hash (`None` for the first record:
/// the caller's genesis), returns the row to store. Called inside the write
/// transaction; what it returns must carry that seq and link.
pub type Sealer<'a> = &'a mut dyn FnMut(&Transition, u64, Option<&str>) -> AuditRow;
