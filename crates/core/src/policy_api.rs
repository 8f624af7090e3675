//! The policy API's vocabulary, declared once beside the [field catalog](crate::fields):
//!
//! * [`CAPABILITIES`]: every RBAC capability rtgsim asks about, by name;
//! * [`FAMILIES`]: how a policy is written (a script, a decision tree, built in) and
//!   the capability that deploys it;
//! * [`DECISIONS`]: one row per core decision ([`ReleaseAction`] and
//!   [`CollateralDecision`] variant) with the capability it needs;
//! * [`SCRIPT_DECISIONS`] and [`DECISION_KEYS`]: the decisions a script returns, as
//!   a dict with an `"action"` and keys, the keys each takes, and the core decision
//!   each becomes.
//!
//! The Starlark interpreter reads a script's decisions through these tables, the
//! static analyzer checks scripts against them, governance asks RBAC rules about
//! [`Capability`] names, and the reference docs are generated from them, so a new
//! decision or key is added here and nowhere else. Core only holds the vocabulary as
//! data: it runs no script and decides no rights.

use crate::decision::{CollateralDecision, ReleaseAction};

/// Who asks for a capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asker {
    /// A policy's decision, at run time.
    PolicyAction,
    /// Whoever deploys a policy, when the scenario loads.
    Deploy,
    /// An operator's scenario event.
    Operator,
}

/// One capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapabilitySpec {
    pub capability: Capability,
    /// The name RBAC rules match, e.g. `policy.action.release`.
    pub name: &'static str,
    pub asker: Asker,
    pub meaning: &'static str,
}

macro_rules! capabilities {
    ($( $variant:ident => $name:literal $asker:ident $meaning:literal ;)*) => {
        /// A capability rtgsim asks RBAC rules about. See [`CAPABILITIES`].
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize,
            serde::Deserialize,
        )]
        pub enum Capability { $($variant,)* }

        /// Every capability, in variant order: the policy actions in the order
        /// rights are decided, then deploying, then the operators'.
        pub const CAPABILITIES: &[CapabilitySpec] = &[
            $(CapabilitySpec {
                capability: Capability::$variant,
                name: $name,
                asker: Asker::$asker,
                meaning: $meaning,
            },)*
        ];
    };
}

capabilities! {
    Release => "policy.action.release" PolicyAction "Releasing a payment to the central queue, whole or in part.";
    Split => "policy.action.split" PolicyAction "Splitting a payment and releasing the parts.";
    Drop => "policy.action.drop" PolicyAction "Removing a payment unpaid.";
    Reprioritize => "policy.action.reprioritize" PolicyAction "Giving a payment in the bank's queue a new priority.";
    Withdraw => "policy.action.withdraw" PolicyAction "Taking a payment back from the central queue.";
    Resubmit => "policy.action.resubmit" PolicyAction "Giving a payment in the central queue a new priority.";
    CollateralPost => "collateral.post" PolicyAction "Posting collateral.";
    CollateralWithdraw => "collateral.withdraw" PolicyAction "Withdrawing posted collateral.";
    DeployStarlark => "policy.deploy.starlark" Deploy "Deploying a Starlark script.";
    DeployJson => "policy.deploy.json" Deploy "Deploying a JSON decision tree.";
    DeployBuiltin => "policy.deploy.builtin" Deploy "Deploying one of the built-in Rust policies.";
    GateReset => "gate.reset" Operator "Resetting a latched release gate (a `reset` scenario event).";
}

impl Capability {
    pub fn spec(self) -> &'static CapabilitySpec {
        // The table lists the variants in declaration order (a test checks it).
        &CAPABILITIES[self as usize]
    }

    /// The name RBAC rules match.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn lookup(name: &str) -> Option<Capability> {
        CAPABILITIES
            .iter()
            .find(|spec| spec.name == name)
            .map(|spec| spec.capability)
    }

    /// Every capability a policy's decisions can ask for, in table order.
    pub fn policy_actions() -> impl Iterator<Item = Capability> {
        CAPABILITIES
            .iter()
            .filter(|spec| spec.asker == Asker::PolicyAction)
            .map(|spec| spec.capability)
    }
}

/// How a policy is written. See [`FAMILIES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PolicyFamily {
    Starlark,
    Json,
    Builtin,
}

/// One policy family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FamilySpec {
    pub family: PolicyFamily,
    /// The family's name, the last segment of its deploy capability.
    pub name: &'static str,
    /// The capability that deploying a policy of the family asks for.
    pub deploy: Capability,
}

/// Every policy family, in variant order.
pub const FAMILIES: &[FamilySpec] = &[
    FamilySpec {
        family: PolicyFamily::Starlark,
        name: "starlark",
        deploy: Capability::DeployStarlark,
    },
    FamilySpec {
        family: PolicyFamily::Json,
        name: "json",
        deploy: Capability::DeployJson,
    },
    FamilySpec {
        family: PolicyFamily::Builtin,
        name: "builtin",
        deploy: Capability::DeployBuiltin,
    },
];

impl PolicyFamily {
    pub fn spec(self) -> &'static FamilySpec {
        // The table lists the variants in declaration order (a test checks it).
        &FAMILIES[self as usize]
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The capability deploying a policy of this family asks for.
    pub fn deploy(self) -> Capability {
        self.spec().deploy
    }
}

/// One core decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecisionSpec {
    pub kind: DecisionKind,
    /// The Rust variant, e.g. `ReleaseAction::Submit`.
    pub name: &'static str,
    /// What an RBAC rule set must allow for the decision to be taken; `None`: holding
    /// asks for nothing.
    pub capability: Option<Capability>,
}

macro_rules! decisions {
    ($( $variant:ident => $name:literal $capability:expr ;)*) => {
        /// A core decision without its data: a [`ReleaseAction`] or
        /// [`CollateralDecision`] variant. See [`DECISIONS`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum DecisionKind { $($variant,)* }

        /// Every core decision, in variant order.
        pub const DECISIONS: &[DecisionSpec] = &[
            $(DecisionSpec {
                kind: DecisionKind::$variant,
                name: $name,
                capability: $capability,
            },)*
        ];
    };
}

decisions! {
    Submit => "ReleaseAction::Submit" Some(Capability::Release);
    SubmitPartial => "ReleaseAction::SubmitPartial" Some(Capability::Release);
    Split => "ReleaseAction::Split" Some(Capability::Split);
    Hold => "ReleaseAction::Hold" None;
    Drop => "ReleaseAction::Drop" Some(Capability::Drop);
    Reprioritize => "ReleaseAction::Reprioritize" Some(Capability::Reprioritize);
    WithdrawFromQueue2 => "ReleaseAction::WithdrawFromQueue2" Some(Capability::Withdraw);
    ResubmitToQueue2 => "ReleaseAction::ResubmitToQueue2" Some(Capability::Resubmit);
    PostCollateral => "CollateralDecision::Post" Some(Capability::CollateralPost);
    WithdrawCollateral => "CollateralDecision::Withdraw" Some(Capability::CollateralWithdraw);
    HoldCollateral => "CollateralDecision::Hold" None;
}

impl DecisionKind {
    pub fn spec(self) -> &'static DecisionSpec {
        // The table lists the variants in declaration order (a test checks it).
        &DECISIONS[self as usize]
    }

    /// The capability the decision needs (`None`: holding).
    pub fn capability(self) -> Option<Capability> {
        self.spec().capability
    }
}

impl ReleaseAction {
    pub fn kind(&self) -> DecisionKind {
        match self {
            ReleaseAction::Submit { .. } => DecisionKind::Submit,
            ReleaseAction::SubmitPartial { .. } => DecisionKind::SubmitPartial,
            ReleaseAction::Split { .. } => DecisionKind::Split,
            ReleaseAction::Hold { .. } => DecisionKind::Hold,
            ReleaseAction::Drop => DecisionKind::Drop,
            ReleaseAction::Reprioritize { .. } => DecisionKind::Reprioritize,
            ReleaseAction::WithdrawFromQueue2 => DecisionKind::WithdrawFromQueue2,
            ReleaseAction::ResubmitToQueue2 { .. } => DecisionKind::ResubmitToQueue2,
        }
    }

    /// The capability the decision needs (`None`: holding).
    pub fn capability(&self) -> Option<Capability> {
        self.kind().capability()
    }
}

impl CollateralDecision {
    pub fn kind(&self) -> DecisionKind {
        match self {
            CollateralDecision::Post { .. } => DecisionKind::PostCollateral,
            CollateralDecision::Withdraw { .. } => DecisionKind::WithdrawCollateral,
            CollateralDecision::Hold => DecisionKind::HoldCollateral,
        }
    }

    /// The capability the decision needs (`None`: holding).
    pub fn capability(&self) -> Option<Capability> {
        self.kind().capability()
    }
}

/// What a script decides about: one of its payments (`evaluate_queue` returns a list
/// of such decisions) or its collateral (each collateral function returns one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ScriptContext {
    Payment,
    Collateral,
}

/// The type a decision key's value must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    Int,
    /// An int or a float.
    Number,
    Str,
}

impl KeyType {
    /// The name the reference docs use.
    pub fn label(self) -> &'static str {
        match self {
            KeyType::Int => "int",
            KeyType::Number => "int or float",
            KeyType::Str => "str",
        }
    }
}

/// One decision key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpec {
    pub key: DecisionKey,
    pub name: &'static str,
    pub ty: KeyType,
    /// The values allowed, for the docs (`0-10`), when the type alone does not say.
    pub range: &'static str,
    /// What the docs write for the value of a required key (`id`, `n`).
    pub placeholder: &'static str,
    /// The key written out, for a message about a decision that lacks it.
    pub example: &'static str,
}

macro_rules! decision_keys {
    ($( $variant:ident => $name:literal $ty:ident $range:literal $placeholder:literal $example:literal ;)*) => {
        /// A key of a script's decision dict. See [`DECISION_KEYS`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum DecisionKey { $($variant,)* }

        /// Every decision key, in variant order, which is the order messages list
        /// them in.
        pub const DECISION_KEYS: &[KeySpec] = &[
            $(KeySpec {
                key: DecisionKey::$variant,
                name: $name,
                ty: KeyType::$ty,
                range: $range,
                placeholder: $placeholder,
                example: $example,
            },)*
        ];
    };
}

// Name, type, range and placeholder (for the docs), and the key written out (for a
// message about a decision that lacks it).
decision_keys! {
    Action => "action" Str "" "" "\"action\": \"Release\"";
    TxId => "tx_id" Int "" "id" "\"tx_id\": tx.id";
    Splits => "splits" Int "" "n" "\"splits\": 2 (2 to 1,000 parts)";
    Priority => "priority" Int "0-10" "p" "\"priority\": 0 (lowest) to 10";
    Amount => "amount" Int "" "n" "\"amount\": an int number of cents, at least 1";
    Share => "share" Number "" "x" "\"share\": a number above 0 and at most 1";
    Reason => "reason" Str "" "" "\"reason\": \"why\"";
}

impl DecisionKey {
    pub fn spec(self) -> &'static KeySpec {
        // The table lists the variants in declaration order (a test checks it).
        &DECISION_KEYS[self as usize]
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn lookup(name: &str) -> Option<DecisionKey> {
        DECISION_KEYS
            .iter()
            .find(|spec| spec.name == name)
            .map(|spec| spec.key)
    }
}

/// Whether a decision needs a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUse {
    Required,
    Optional,
    /// Accepted and not read (a collateral `Hold` may keep the `amount` it would
    /// have posted).
    Ignored,
}

/// One decision a script can return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScriptDecision {
    pub context: ScriptContext,
    /// Its `"action"`.
    pub name: &'static str,
    /// The keys it takes besides `"action"`, in [`DECISION_KEYS`] order.
    pub keys: &'static [(DecisionKey, KeyUse)],
    /// The core decision it becomes.
    pub decision: DecisionKind,
    /// What it does, for the docs.
    pub effect: &'static str,
}

/// Every decision a script can return: the payment decisions, then the collateral
/// ones, each in the order messages list them.
pub const SCRIPT_DECISIONS: &[ScriptDecision] = &[
    ScriptDecision {
        context: ScriptContext::Payment,
        name: "Release",
        keys: &[
            (DecisionKey::TxId, KeyUse::Required),
            (DecisionKey::Priority, KeyUse::Optional),
            (DecisionKey::Reason, KeyUse::Optional),
        ],
        decision: DecisionKind::Submit,
        effect: "sends the payment to settlement this tick, with a new priority if given",
    },
    ScriptDecision {
        context: ScriptContext::Payment,
        name: "Hold",
        keys: &[
            (DecisionKey::TxId, KeyUse::Required),
            (DecisionKey::Reason, KeyUse::Optional),
        ],
        decision: DecisionKind::Hold,
        effect: "keeps it in Queue 1; decided again next tick",
    },
    ScriptDecision {
        context: ScriptContext::Payment,
        name: "Drop",
        keys: &[
            (DecisionKey::TxId, KeyUse::Required),
            (DecisionKey::Reason, KeyUse::Optional),
        ],
        decision: DecisionKind::Drop,
        effect: "removes it unpaid (a deadline penalty applies)",
    },
    ScriptDecision {
        context: ScriptContext::Payment,
        name: "Split",
        keys: &[
            (DecisionKey::TxId, KeyUse::Required),
            (DecisionKey::Splits, KeyUse::Required),
            (DecisionKey::Reason, KeyUse::Optional),
        ],
        decision: DecisionKind::Split,
        effect: "splits a divisible payment into `n` near-equal parts and releases them all; `n` from 2 to 1,000, and at most the amount in cents",
    },
    ScriptDecision {
        context: ScriptContext::Payment,
        name: "Reprioritize",
        keys: &[
            (DecisionKey::TxId, KeyUse::Required),
            (DecisionKey::Priority, KeyUse::Required),
            (DecisionKey::Reason, KeyUse::Optional),
        ],
        decision: DecisionKind::Reprioritize,
        effect: "gives the payment priority `p` (0 to 10); it stays in Queue 1",
    },
    ScriptDecision {
        context: ScriptContext::Payment,
        name: "ReleaseShare",
        keys: &[
            (DecisionKey::TxId, KeyUse::Required),
            (DecisionKey::Priority, KeyUse::Optional),
            (DecisionKey::Share, KeyUse::Required),
            (DecisionKey::Reason, KeyUse::Optional),
        ],
        decision: DecisionKind::SubmitPartial,
        effect: "sends the share `x` (above 0, at most 1) of a divisible payment to settlement, rounded down to a cent and at least 1 cent; the rest stays in Queue 1 (share 1, or a payment that is not divisible released with share 1: the whole payment)",
    },
    ScriptDecision {
        context: ScriptContext::Payment,
        name: "ReleasePartial",
        keys: &[
            (DecisionKey::TxId, KeyUse::Required),
            (DecisionKey::Priority, KeyUse::Optional),
            (DecisionKey::Amount, KeyUse::Required),
            (DecisionKey::Reason, KeyUse::Optional),
        ],
        decision: DecisionKind::SubmitPartial,
        effect: "sends `n` cents (1 to the payment's amount) of a divisible payment to settlement; the rest stays in Queue 1 (all of it: the whole payment)",
    },
    ScriptDecision {
        context: ScriptContext::Collateral,
        name: "Post",
        keys: &[
            (DecisionKey::Amount, KeyUse::Required),
            (DecisionKey::Reason, KeyUse::Optional),
        ],
        decision: DecisionKind::PostCollateral,
        effect: "posts up to `n` cents more collateral, within the remaining capacity",
    },
    ScriptDecision {
        context: ScriptContext::Collateral,
        name: "Withdraw",
        keys: &[
            (DecisionKey::Amount, KeyUse::Required),
            (DecisionKey::Reason, KeyUse::Optional),
        ],
        decision: DecisionKind::WithdrawCollateral,
        effect: "withdraws `n` cents of posted collateral, unless the credit it backs is in use",
    },
    ScriptDecision {
        context: ScriptContext::Collateral,
        name: "Hold",
        keys: &[
            (DecisionKey::Amount, KeyUse::Ignored),
            (DecisionKey::Reason, KeyUse::Optional),
        ],
        decision: DecisionKind::HoldCollateral,
        effect: "leaves collateral as it is",
    },
];

impl ScriptDecision {
    /// The decision `name` in `context`.
    pub fn find(context: ScriptContext, name: &str) -> Option<&'static ScriptDecision> {
        context.decisions().find(|d| d.name == name)
    }

    /// How the decision uses `key` (`None`: it does not take it). Every decision
    /// requires `"action"`.
    pub fn key_use(&self, key: DecisionKey) -> Option<KeyUse> {
        if key == DecisionKey::Action {
            return Some(KeyUse::Required);
        }
        self.keys.iter().find(|(k, _)| *k == key).map(|(_, u)| *u)
    }

    /// Whether the decision takes `key`.
    pub fn takes(&self, key: DecisionKey) -> bool {
        self.key_use(key).is_some()
    }

    /// Whether the dict key `name` is one the decision takes.
    pub fn allows(&self, name: &str) -> bool {
        DecisionKey::lookup(name).is_some_and(|key| self.takes(key))
    }

    /// The keys the decision takes, `"action"` first.
    pub fn allowed_keys(&self) -> impl Iterator<Item = &'static str> + use<> {
        let keys = self.keys;
        std::iter::once(DecisionKey::Action.name()).chain(keys.iter().map(|(k, _)| k.name()))
    }
}

impl ScriptContext {
    /// The decisions of this context, in table order.
    pub fn decisions(self) -> impl Iterator<Item = &'static ScriptDecision> {
        SCRIPT_DECISIONS.iter().filter(move |d| d.context == self)
    }

    /// The decisions' `"action"` names, in table order.
    pub fn action_names(self) -> impl Iterator<Item = &'static str> {
        self.decisions().map(|d| d.name)
    }

    /// The action names as a sentence lists them: `Post, Withdraw or Hold`.
    pub fn action_list(self) -> String {
        let names: Vec<&str> = self.action_names().collect();
        match names.split_last() {
            Some((last, [])) => (*last).to_string(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        }
    }

    /// Every key some decision of this context takes, in [`DECISION_KEYS`] order.
    pub fn keys(self) -> impl Iterator<Item = &'static KeySpec> {
        DECISION_KEYS
            .iter()
            .filter(move |spec| self.decisions().any(|d| d.takes(spec.key)))
    }

    /// Whether every decision of this context requires `key`: then a decision
    /// without it is incomplete whatever its action.
    pub fn always_requires(self, key: DecisionKey) -> bool {
        self.decisions()
            .all(|d| d.key_use(key) == Some(KeyUse::Required))
    }
}

/// The capability a script's `"action"` asks for, whichever function returns it:
/// what `rtgsim check --rbac` asks about for an action read from a script's text.
pub fn script_action_capability(name: &str) -> Option<Capability> {
    SCRIPT_DECISIONS
        .iter()
        .filter(|d| d.name == name)
        .find_map(|d| d.decision.capability())
}
