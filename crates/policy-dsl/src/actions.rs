//! The action catalog: every action a tree can name, the trees it belongs to, its
//! parameters and the core decision it becomes (and so, through core's
//! [`policy_api`](rtgsim_core::policy_api), the capability it asks for). Validation,
//! the reference docs and the tests all read this table.

use crate::ast::{ActionName, TreeKind};
use rtgsim_core::policy_api::{Capability, DecisionKind};

/// What type a parameter's value has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    /// A number: a literal, a field, a parameter or a computation.
    Number,
    /// One of the listed words.
    Word(&'static [&'static str]),
    /// Free text.
    Text,
    /// `true` or `false` (or a number: non-zero is true).
    Bool,
    /// A list of agent ids.
    AgentList,
}

/// One parameter of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamSpec {
    pub name: &'static str,
    pub ty: ParamType,
    pub required: bool,
    pub meaning: &'static str,
}

/// One action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionSpec {
    pub action: ActionName,
    pub name: &'static str,
    /// The core decision it becomes (a paced or staggered release becomes partial
    /// releases); `None` for the bank tree's actions, which decide no payment and
    /// no collateral.
    pub decision: Option<DecisionKind>,
    pub trees: &'static [TreeKind],
    pub params: &'static [ParamSpec],
    pub meaning: &'static str,
}

/// RTGS priority flags and the priority each stands for.
pub const PRIORITY_FLAGS: &[(&str, u8)] = &[("HIGH", 10), ("MEDIUM", 5), ("LOW", 1)];

/// TARGET2's priority classes, accepted for `rtgs_priority` as other policy libraries
/// write them, and the priority each stands for on rtgsim's single 0-to-10 scale.
/// Those libraries band priorities as urgent 8-10 and normal 4-7 and put a payment
/// given a class at the back of it; each class name is therefore the lowest priority
/// of its band, so the payment goes behind those already in the band, and
/// `HighlyUrgent` (above every band) the top of the scale.
pub const T2_PRIORITY_CLASSES: &[(&str, u8)] =
    &[("HighlyUrgent", 10), ("Urgent", 8), ("Normal", 4)];

const PAYMENT: &[TreeKind] = &[TreeKind::Payment];
const BANK: &[TreeKind] = &[TreeKind::Bank];
const COLLATERAL: &[TreeKind] = &[TreeKind::StrategicCollateral, TreeKind::EndOfTickCollateral];
const INITIAL_LIQUIDITY: &[TreeKind] = &[TreeKind::InitialLiquidity];

const fn required(name: &'static str, ty: ParamType, meaning: &'static str) -> ParamSpec {
    ParamSpec {
        name,
        ty,
        required: true,
        meaning,
    }
}

const fn optional(name: &'static str, ty: ParamType, meaning: &'static str) -> ParamSpec {
    ParamSpec {
        name,
        ty,
        required: false,
        meaning,
    }
}

const FLAG: ParamType = ParamType::Word(&["HIGH", "MEDIUM", "LOW"]);

/// A note for people reading the policy or its trace; it changes nothing.
const REASON: ParamSpec = optional(
    "reason",
    ParamType::Text,
    "Why, as a note: it changes nothing.",
);

const RELEASE_PARAMS: &[ParamSpec] = &[
    optional(
        "priority_flag",
        FLAG,
        "RTGS priority for the release: HIGH (10), MEDIUM (5) or LOW (1).",
    ),
    optional(
        "timed_for_tick",
        ParamType::Number,
        "Hold until this tick, then release.",
    ),
];

/// Every action, in documentation order.
pub const ACTIONS: &[ActionSpec] = &[
    ActionSpec {
        action: ActionName::Release,
        name: "Release",
        decision: Some(DecisionKind::Submit),
        trees: PAYMENT,
        params: RELEASE_PARAMS,
        meaning: "Release the payment to the central queue.",
    },
    ActionSpec {
        action: ActionName::ReleaseWithCredit,
        name: "ReleaseWithCredit",
        decision: Some(DecisionKind::Submit),
        trees: PAYMENT,
        params: RELEASE_PARAMS,
        meaning: "Release the payment even beyond this tick's release budget (it still uses the budget up), drawing on credit if need be.",
    },
    ActionSpec {
        action: ActionName::Split,
        name: "Split",
        decision: Some(DecisionKind::Split),
        trees: PAYMENT,
        params: &[required(
            "num_splits",
            ParamType::Number,
            "Parts, at least 2.",
        )],
        meaning: "Split a divisible payment into equal parts and release them all now.",
    },
    ActionSpec {
        action: ActionName::PaceAndRelease,
        name: "PaceAndRelease",
        decision: Some(DecisionKind::SubmitPartial),
        trees: PAYMENT,
        params: &[required(
            "num_splits",
            ParamType::Number,
            "Parts, at least 2.",
        )],
        meaning: "Split a divisible payment into equal parts released on consecutive ticks, the first now.",
    },
    ActionSpec {
        action: ActionName::StaggerSplit,
        name: "StaggerSplit",
        decision: Some(DecisionKind::SubmitPartial),
        trees: PAYMENT,
        params: &[
            required("num_splits", ParamType::Number, "Parts, at least 2."),
            optional(
                "stagger_first_now",
                ParamType::Bool,
                "Release the first part now (default true).",
            ),
            optional(
                "stagger_gap_ticks",
                ParamType::Number,
                "Ticks between parts (default 1).",
            ),
            optional(
                "priority_boost_children",
                ParamType::Number,
                "Added to the payment's priority for every part (the result capped at 10; default 0).",
            ),
        ],
        meaning: "Split a divisible payment into equal parts released a gap apart.",
    },
    ActionSpec {
        action: ActionName::Hold,
        name: "Hold",
        decision: Some(DecisionKind::Hold),
        trees: PAYMENT,
        params: &[optional("reason", ParamType::Text, "Why, for the trace.")],
        meaning: "Keep the payment in the bank's queue and decide again next tick.",
    },
    ActionSpec {
        action: ActionName::Drop,
        name: "Drop",
        decision: Some(DecisionKind::Drop),
        trees: PAYMENT,
        params: &[],
        meaning: "Remove the payment unpaid (the deadline penalty applies).",
    },
    ActionSpec {
        action: ActionName::Reprioritize,
        name: "Reprioritize",
        decision: Some(DecisionKind::Reprioritize),
        trees: PAYMENT,
        params: &[required(
            "new_priority",
            ParamType::Number,
            "Priority 0 to 10.",
        )],
        meaning: "Give the payment a new priority; it stays in the bank's queue.",
    },
    ActionSpec {
        action: ActionName::WithdrawFromRtgs,
        name: "WithdrawFromRtgs",
        decision: Some(DecisionKind::WithdrawFromQueue2),
        trees: PAYMENT,
        params: &[],
        meaning: "For a payment waiting in the central queue: take it back to the bank's queue.",
    },
    ActionSpec {
        action: ActionName::ResubmitToRtgs,
        name: "ResubmitToRtgs",
        decision: Some(DecisionKind::ResubmitToQueue2),
        trees: PAYMENT,
        params: &[required(
            "rtgs_priority",
            ParamType::Number,
            "Priority 0 to 10, or HIGH (10), MEDIUM (5), LOW (1), or a TARGET2 class: HighlyUrgent (10), Urgent (8), Normal (4).",
        )],
        meaning: "For a payment waiting in the central queue: give it a new priority there.",
    },
    ActionSpec {
        action: ActionName::ReleaseShare,
        name: "ReleaseShare",
        decision: Some(DecisionKind::SubmitPartial),
        trees: PAYMENT,
        params: &[required(
            "share",
            ParamType::Number,
            "Above 0, at most 1: the share of the payment released now.",
        )],
        meaning: "Release a share of a divisible payment now (in parts per million of its amount, rounded down to a cent, at least 1 cent); the rest stays in the bank's queue. Share 1 releases the whole payment, divisible or not; less than the whole of a payment that is not divisible is a policy error.",
    },
    ActionSpec {
        action: ActionName::SetReleaseBudget,
        name: "SetReleaseBudget",
        decision: None,
        trees: BANK,
        params: &[
            required(
                "max_value_to_release",
                ParamType::Number,
                "Value that may be released this tick, in cents.",
            ),
            optional(
                "focus_counterparties",
                ParamType::AgentList,
                "Only payments to these agents may be released.",
            ),
            optional(
                "max_per_counterparty",
                ParamType::Number,
                "Value that may be released to one counterparty this tick.",
            ),
        ],
        meaning: "Limit this tick's releases; payments over the budget are held.",
    },
    ActionSpec {
        action: ActionName::SetState,
        name: "SetState",
        decision: None,
        trees: BANK,
        params: &[
            required("key", ParamType::Text, "A register named bank_state_*."),
            required("value", ParamType::Number, "The value to store."),
            REASON,
        ],
        meaning: "Set a register, readable as a field; registers reset at the end of each day.",
    },
    ActionSpec {
        action: ActionName::AddState,
        name: "AddState",
        decision: None,
        trees: BANK,
        params: &[
            required("key", ParamType::Text, "A register named bank_state_*."),
            required("value", ParamType::Number, "The amount to add."),
            REASON,
        ],
        meaning: "Add to a register.",
    },
    ActionSpec {
        action: ActionName::NoAction,
        name: "NoAction",
        decision: None,
        trees: BANK,
        params: &[],
        meaning: "Do nothing this tick.",
    },
    ActionSpec {
        action: ActionName::PostCollateral,
        name: "PostCollateral",
        decision: Some(DecisionKind::PostCollateral),
        trees: COLLATERAL,
        params: &[
            required(
                "amount",
                ParamType::Number,
                "Cents to post (more than the capacity posts what is left; less than one cent: no action).",
            ),
            optional(
                "auto_withdraw_after_ticks",
                ParamType::Number,
                "Withdraw the same amount this many ticks later.",
            ),
            REASON,
        ],
        meaning: "Post collateral, raising the credit limit by its value after haircut.",
    },
    ActionSpec {
        action: ActionName::WithdrawCollateral,
        name: "WithdrawCollateral",
        decision: Some(DecisionKind::WithdrawCollateral),
        trees: COLLATERAL,
        params: &[
            required(
                "amount",
                ParamType::Number,
                "Cents to withdraw (less than one cent: no action).",
            ),
            REASON,
        ],
        meaning: "Withdraw collateral not backing credit in use.",
    },
    ActionSpec {
        action: ActionName::HoldCollateral,
        name: "HoldCollateral",
        decision: Some(DecisionKind::HoldCollateral),
        trees: COLLATERAL,
        params: &[],
        meaning: "Leave collateral as it is.",
    },
    ActionSpec {
        action: ActionName::PostShare,
        name: "PostShare",
        decision: Some(DecisionKind::PostCollateral),
        trees: INITIAL_LIQUIDITY,
        params: &[
            required(
                "share",
                ParamType::Number,
                "From 0 to 1: the share of the collateral capacity to have posted for the day.",
            ),
            REASON,
        ],
        meaning: "At the day's opening, post or withdraw collateral so that the share of the capacity is posted (in parts per million, rounded down to a cent); a share outside 0 to 1 is a policy error.",
    },
    ActionSpec {
        action: ActionName::KeepPosted,
        name: "KeepPosted",
        decision: Some(DecisionKind::HoldCollateral),
        trees: INITIAL_LIQUIDITY,
        params: &[REASON],
        meaning: "At the day's opening, keep the collateral posted as it is.",
    },
];

impl ActionName {
    pub fn spec(self) -> &'static ActionSpec {
        // ACTIONS lists every variant; the lookup cannot miss.
        ACTIONS
            .iter()
            .find(|spec| spec.action == self)
            .unwrap_or(&ACTIONS[0])
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The capability RBAC rules must allow for the action (`None`: holding and
    /// keeping state ask for nothing).
    pub fn capability(self) -> Option<Capability> {
        self.spec().decision.and_then(DecisionKind::capability)
    }

    pub fn lookup(name: &str) -> Option<ActionName> {
        ACTIONS
            .iter()
            .find(|spec| spec.name == name)
            .map(|spec| spec.action)
    }

    /// Whether the action is about a payment waiting in the central queue.
    pub fn is_for_queue2(self) -> bool {
        matches!(
            self,
            ActionName::WithdrawFromRtgs | ActionName::ResubmitToRtgs
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_listed_once_and_found_by_name() {
        for spec in ACTIONS {
            assert_eq!(ActionName::lookup(spec.name), Some(spec.action));
            assert_eq!(spec.action.spec().name, spec.name);
            assert_eq!(
                ACTIONS.iter().filter(|s| s.action == spec.action).count(),
                1
            );
        }
        assert_eq!(ACTIONS.len(), 20);
    }

    #[test]
    fn actions_ask_for_the_capability_of_their_decision() {
        let capability = |name: &str| {
            ActionName::lookup(name)
                .and_then(ActionName::capability)
                .map(Capability::name)
        };
        for release in [
            "Release",
            "ReleaseWithCredit",
            "PaceAndRelease",
            "StaggerSplit",
            "ReleaseShare",
        ] {
            assert_eq!(
                capability(release),
                Some("policy.action.release"),
                "{release}"
            );
        }
        assert_eq!(capability("Split"), Some("policy.action.split"));
        assert_eq!(
            capability("WithdrawFromRtgs"),
            Some("policy.action.withdraw")
        );
        assert_eq!(capability("ResubmitToRtgs"), Some("policy.action.resubmit"));
        assert_eq!(capability("PostCollateral"), Some("collateral.post"));
        assert_eq!(capability("PostShare"), Some("collateral.post"));
        for nothing in [
            "Hold",
            "SetState",
            "NoAction",
            "HoldCollateral",
            "KeepPosted",
        ] {
            assert_eq!(capability(nothing), None, "{nothing}");
        }
    }

    #[test]
    fn collateral_actions_become_collateral_decisions() {
        for spec in ACTIONS {
            let collateral = matches!(
                spec.decision,
                Some(
                    DecisionKind::PostCollateral
                        | DecisionKind::WithdrawCollateral
                        | DecisionKind::HoldCollateral
                )
            );
            assert_eq!(
                collateral,
                spec.trees.contains(&TreeKind::StrategicCollateral)
                    || spec.trees.contains(&TreeKind::InitialLiquidity),
                "{}",
                spec.name
            );
            assert_eq!(
                spec.decision.is_none(),
                spec.trees == [TreeKind::Bank],
                "{}",
                spec.name
            );
        }
    }
}
