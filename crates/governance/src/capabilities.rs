//! The capabilities rtgsim asks RBAC rules about, by name, so that the simulator
//! (at load and at run time) and `rtgsim check --rbac` ask the same questions.

/// Resetting a latched release gate (a `reset` scenario event).
pub const GATE_RESET: &str = "gate.reset";
pub const RELEASE: &str = "policy.action.release";
pub const SPLIT: &str = "policy.action.split";
pub const DROP: &str = "policy.action.drop";
pub const REPRIORITIZE: &str = "policy.action.reprioritize";
/// Taking a payment back from the central queue.
pub const WITHDRAW: &str = "policy.action.withdraw";
/// Giving a payment in the central queue a new priority.
pub const RESUBMIT: &str = "policy.action.resubmit";
pub const COLLATERAL_POST: &str = "collateral.post";
pub const COLLATERAL_WITHDRAW: &str = "collateral.withdraw";

/// Every action capability a policy can need, in a fixed order.
pub const ACTIONS: &[&str] = &[
    RELEASE,
    SPLIT,
    DROP,
    REPRIORITIZE,
    WITHDRAW,
    RESUBMIT,
    COLLATERAL_POST,
    COLLATERAL_WITHDRAW,
];

/// Deploying a policy of a family: `starlark`, `json` (decision trees) or
/// `builtin` (the Rust policies).
pub fn deploy(family: &str) -> String {
    format!("policy.deploy.{family}")
}

/// The family of a policy type as a scenario writes it (`Starlark`, `FromJson`,
/// `Inline`, `Fifo`, ...).
pub fn family(policy_type: &str) -> &'static str {
    match policy_type {
        "Starlark" => "starlark",
        "FromJson" | "Inline" => "json",
        _ => "builtin",
    }
}

/// The capability a decision-tree action needs (`None`: holding, keeping state).
pub fn of_tree_action(action: &str) -> Option<&'static str> {
    Some(match action {
        "Release" | "ReleaseWithCredit" | "PaceAndRelease" | "StaggerSplit" => RELEASE,
        "Split" => SPLIT,
        "Drop" => DROP,
        "Reprioritize" => REPRIORITIZE,
        "WithdrawFromRtgs" => WITHDRAW,
        "ResubmitToRtgs" => RESUBMIT,
        "PostCollateral" => COLLATERAL_POST,
        "WithdrawCollateral" => COLLATERAL_WITHDRAW,
        _ => return None,
    })
}

/// The capability a Starlark decision needs, by its `"action"` (payment decisions,
/// then collateral ones).
pub fn of_starlark_action(action: &str, collateral: bool) -> Option<&'static str> {
    Some(match (action, collateral) {
        ("Release", false) => RELEASE,
        ("Split", false) => SPLIT,
        ("Drop", false) => DROP,
        ("Reprioritize", false) => REPRIORITIZE,
        ("Post", true) => COLLATERAL_POST,
        ("Withdraw", true) => COLLATERAL_WITHDRAW,
        _ => return None,
    })
}
