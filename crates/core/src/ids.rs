//! Dense identifiers. Agents and transactions are numbered from zero in the order
//! they are created and index straight into `Vec`s; string names exist only at the
//! edges (scenario files, policies, output).

use serde::{Deserialize, Serialize};
use std::fmt;

/// A simulation tick. Day `d` covers ticks `d * ticks_per_day .. (d + 1) * ticks_per_day`.
pub type Tick = u32;

/// An agent (a participating bank), numbered in scenario order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AgentId(pub u32);

/// A payment, numbered in order of creation (arrivals and split parts alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TxId(pub u32);

impl AgentId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl TxId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for AgentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "agent#{}", self.0)
    }
}

impl fmt::Display for TxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tx#{}", self.0)
    }
}
