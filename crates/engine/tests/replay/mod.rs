//! The log replayed independently of `rtgsim_report`, for the property tests.

use rtgsim_core::event::Event;
use rtgsim_core::{AgentId, TxId};
use std::collections::BTreeMap;

/// Each agent's largest overdraft as the log shows it, replayed here independently
/// of `rtgsim_report`: balances observed after each gross payment and after each
/// set as a whole (a set's payments settle together, so only its net positions are
/// ever seen).
pub fn peak_overdrafts_observed(events: &[Event]) -> Vec<i128> {
    let mut balance: BTreeMap<AgentId, i128> = BTreeMap::new();
    let mut peak: BTreeMap<AgentId, i128> = BTreeMap::new();
    let mut payments: BTreeMap<TxId, (AgentId, AgentId, i128)> = BTreeMap::new();
    let mut observe = |balance: &BTreeMap<AgentId, i128>, agent: AgentId| {
        let seen = peak.entry(agent).or_default();
        *seen = (*seen).max(-balance[&agent]);
    };
    for event in events {
        let moves: Vec<(AgentId, AgentId, i128)> = match event {
            Event::AgentOpened {
                agent,
                balance: opening,
                ..
            } => {
                balance.insert(*agent, i128::from(*opening));
                observe(&balance, *agent);
                continue;
            }
            Event::Arrival {
                tx,
                sender,
                receiver,
                amount,
                ..
            } => {
                payments.insert(*tx, (*sender, *receiver, i128::from(*amount)));
                continue;
            }
            Event::Split { tx, parts, .. } => {
                let (sender, receiver, _) = payments[tx];
                for &(part, amount) in parts {
                    payments.insert(part, (sender, receiver, i128::from(amount)));
                }
                continue;
            }
            Event::Settled { tx, .. } => vec![payments[tx]],
            Event::SetSettled { txs, .. } => txs.iter().map(|tx| payments[tx]).collect(),
            // A shock's money, outside the queues: out of the system and back.
            Event::LiquidityTransfer {
                sender,
                receiver,
                amount,
                ..
            } => vec![(*sender, *receiver, i128::from(*amount))],
            Event::LiquidityInjected { agent, amount, .. } => {
                *balance.get_mut(agent).unwrap() += i128::from(*amount);
                continue;
            }
            Event::LiquidityWithdrawn { agent, amount, .. } => {
                *balance.get_mut(agent).unwrap() -= i128::from(*amount);
                observe(&balance, *agent);
                continue;
            }
            _ => continue,
        };
        for &(sender, receiver, amount) in &moves {
            *balance.get_mut(&sender).unwrap() -= amount;
            *balance.get_mut(&receiver).unwrap() += amount;
        }
        for &(sender, receiver, _) in &moves {
            observe(&balance, sender);
            observe(&balance, receiver);
        }
    }
    peak.into_values().collect()
}
