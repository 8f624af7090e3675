//! The capabilities rtgsim asks RBAC rules about, so that the simulator (at load
//! and at run time) and `rtgsim check --rbac` ask the same questions.
//!
//! The names, the capability each decision needs and the one that deploys each
//! policy family are declared once, in core's policy API table
//! ([`rtgsim_core::policy_api`]); this module is where governance reads them, and
//! adds the one thing core cannot know: which family a scenario's policy type is.

pub use rtgsim_core::policy_api::{CAPABILITIES, Capability, FAMILIES, PolicyFamily};

/// The family of a policy type as a scenario writes it (`Starlark`, `FromJson`,
/// `Inline`, `Fifo`, ...): a script, a decision tree, or one of the built-in Rust
/// policies.
pub fn family(policy_type: &str) -> PolicyFamily {
    match policy_type {
        "Starlark" => PolicyFamily::Starlark,
        "FromJson" | "Inline" => PolicyFamily::Json,
        _ => PolicyFamily::Builtin,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_type_deploys_with_its_family_capability() {
        let deploy = |policy_type: &str| family(policy_type).deploy().name();
        assert_eq!(deploy("Starlark"), "policy.deploy.starlark");
        assert_eq!(deploy("FromJson"), "policy.deploy.json");
        assert_eq!(deploy("Inline"), "policy.deploy.json");
        assert_eq!(deploy("Fifo"), "policy.deploy.builtin");
        assert_eq!(deploy("Deadline"), "policy.deploy.builtin");
    }
}
