//! What a script may read and call: the attributes of `tx`, `agent` and `system`
//! (the core field catalog, split as the Starlark objects split it, plus their ids),
//! the entry points, and the global names of the policy interpreter.

use rtgsim_core::CATALOG;
use rtgsim_core::fields::FieldScope;
use std::collections::BTreeSet;

/// The kinds of object a script is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object {
    Tx,
    Agent,
    System,
}

impl Object {
    pub fn noun(self) -> &'static str {
        match self {
            Object::Tx => "a transaction (`tx`)",
            Object::Agent => "`agent`",
            Object::System => "`system`",
        }
    }

    fn scopes(self) -> &'static [FieldScope] {
        match self {
            Object::Tx => &[FieldScope::Transaction],
            Object::Agent => &[
                FieldScope::Agent,
                FieldScope::Collateral,
                FieldScope::CentralQueue,
            ],
            Object::System => &[FieldScope::System, FieldScope::Cost, FieldScope::Time],
        }
    }

    fn extras(self) -> &'static [&'static str] {
        match self {
            Object::Tx => &["id", "sender_id", "receiver_id"],
            Object::Agent => &["id"],
            Object::System => &[],
        }
    }

    /// Every attribute of this kind of object, sorted.
    pub fn attributes(self) -> BTreeSet<&'static str> {
        let mut names: BTreeSet<&'static str> = self.extras().iter().copied().collect();
        for spec in CATALOG
            .iter()
            .filter(|spec| self.scopes().contains(&spec.scope))
        {
            names.insert(spec.name);
            names.extend(spec.aliases.iter().copied());
        }
        names
    }
}

/// What an entry point returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returns {
    /// A list of payment decisions (`evaluate_queue`).
    PaymentDecisions,
    /// One collateral decision, or `None` (a Hold).
    CollateralDecision,
    /// A share from 0 to 1 (an int or a float), or `None` (keep what is posted).
    Share,
}

/// An entry point: its name, parameters and what it returns.
#[derive(Debug, Clone, Copy)]
pub struct EntryPoint {
    pub name: &'static str,
    pub parameters: &'static [&'static str],
    pub returns: Returns,
}

impl EntryPoint {
    /// Whether a path may end without a `return` (`None` is a decision here).
    pub fn may_fall_through(&self) -> bool {
        self.returns != Returns::PaymentDecisions
    }
}

pub const ENTRY_POINTS: [EntryPoint; 4] = [
    EntryPoint {
        name: "evaluate_queue",
        parameters: &["transactions", "agent", "system", "state"],
        returns: Returns::PaymentDecisions,
    },
    EntryPoint {
        name: "evaluate_strategic_collateral",
        parameters: &["agent", "system", "state"],
        returns: Returns::CollateralDecision,
    },
    EntryPoint {
        name: "evaluate_end_of_tick_collateral",
        parameters: &["agent", "system", "state"],
        returns: Returns::CollateralDecision,
    },
    EntryPoint {
        name: "evaluate_initial_liquidity",
        parameters: &["agent", "system", "state"],
        returns: Returns::Share,
    },
];

pub fn entry_point(name: &str) -> Option<&'static EntryPoint> {
    ENTRY_POINTS.iter().find(|e| e.name == name)
}

/// The global names a policy script can use: `rtgsim-policy-starlark`'s `globals()`,
/// standard Starlark with the pure extensions and checked replacements it adds.
pub fn globals() -> std::collections::HashSet<String> {
    // The interpreter's own table, less the sandbox's guards (a script may not name
    // them).
    rtgsim_policy_starlark::script::globals()
        .names()
        .map(|name| name.as_str().to_string())
        .filter(|name| !name.starts_with(rtgsim_policy_starlark::guards::RESERVED_PREFIX))
        .collect()
}
