//! The state's invariants, checked in full. Used by tests (including the property
//! tests over random scenarios), by debug builds of the simulator, and on every
//! restored checkpoint.
//!
//! The check never panics, whatever the state holds: a restored checkpoint is
//! outside data until it has passed.

use super::SimState;
use crate::ids::{AgentId, TxId};
use crate::money::Cents;
use crate::transaction::TxStatus;
use thiserror::Error;

/// The first invariant a state breaks, with the figures that break it. The messages
/// name agents by name, as users know them.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum InvariantViolation {
    /// Settlement moved money out of or into the system.
    #[error("conservation: balances sum to {balances} but opened at {opening}")]
    Conservation { balances: i128, opening: i128 },
    #[error("{name}: balance {balance} below minus its credit limit {credit_limit}")]
    BelowCreditLimit {
        agent: AgentId,
        name: String,
        balance: Cents,
        credit_limit: Cents,
    },
    /// Emergency credit beyond what the credit in use needs would pay for new
    /// payments.
    #[error("{name}: emergency credit {emergency_credit} exceeds the {needed} its position needs")]
    EmergencyCredit {
        agent: AgentId,
        name: String,
        emergency_credit: Cents,
        needed: Cents,
    },
    #[error("{name}: posted collateral outside capacity")]
    CollateralOutsideCapacity {
        agent: AgentId,
        name: String,
        posted: Cents,
        capacity: Cents,
    },
    #[error("{tx} in Queue 1 does not exist")]
    UnknownInQueue1 { agent: AgentId, tx: TxId },
    #[error("{tx} is in the Queue 1 of {name}, not its sender")]
    Queue1OfAnotherAgent {
        tx: TxId,
        agent: AgentId,
        name: String,
    },
    #[error("{name}: Queue 1 value {recorded} != total {actual}")]
    Queue1Value {
        agent: AgentId,
        name: String,
        recorded: i128,
        actual: i128,
    },
    #[error("{tx}: Queue 2 entry disagrees with the payment")]
    Queue2Entry { tx: TxId },
    #[error("{tx} is missing from its pair queue")]
    MissingFromPairQueue { tx: TxId },
    #[error("{name}: the pair index holds {in_pairs} of {queued} payments")]
    PairIndex {
        agent: AgentId,
        name: String,
        in_pairs: usize,
        queued: usize,
    },
    #[error("{name}: Queue 2 totals disagree with its queue")]
    Queue2Totals {
        agent: AgentId,
        name: String,
        count: usize,
        value: i128,
        recorded_count: usize,
        recorded_value: i128,
    },
    #[error("system Queue 1 totals disagree with the queues")]
    SystemQueue1Totals {
        count: usize,
        value: i128,
        recorded_count: usize,
        recorded_value: i128,
    },
    /// A payment is not in exactly the one place its status says.
    #[error(
        "{tx} has status {status:?} but is {in_queue1} times in Queue 1 and {in_queue2} times in Queue 2"
    )]
    Place {
        tx: TxId,
        status: TxStatus,
        in_queue1: u8,
        in_queue2: u8,
    },
    #[error("{tx}: settled {settled} of {amount}")]
    SettledAmount {
        tx: TxId,
        settled: Cents,
        amount: Cents,
    },
    /// A payment's parent or original payment is not a payment of the state.
    #[error("{tx} refers to {link}, which does not exist")]
    UnknownLink { tx: TxId, link: TxId },
    #[error("{tx}: parts sum to {parts} not {amount}")]
    SplitParts {
        tx: TxId,
        parts: i128,
        amount: Cents,
    },
    #[error("{tx}: settled amount {settled} but its parts settled {parts_settled}")]
    RootSettled {
        tx: TxId,
        settled: Cents,
        parts_settled: i128,
    },
    #[error("{tx} has a hold reason but is not in Queue 1")]
    HoldOutsideQueue1 { tx: TxId },
}

pub(super) fn check(state: &SimState) -> Result<(), InvariantViolation> {
    // Shocks' injections and withdrawals are the only money in or out.
    let opening: i128 = state
        .agents
        .iter()
        .map(|a| i128::from(a.opening_balance))
        .sum::<i128>()
        + state.external.net();
    if state.total_balance() != opening {
        return Err(InvariantViolation::Conservation {
            balances: state.total_balance(),
            opening,
        });
    }
    for agent in &state.agents {
        if agent.balance < -agent.credit_limit() {
            return Err(InvariantViolation::BelowCreditLimit {
                agent: agent.id,
                name: agent.name.clone(),
                balance: agent.balance,
                credit_limit: agent.credit_limit(),
            });
        }
        if agent.emergency_credit > agent.credit_beyond_limit() {
            return Err(InvariantViolation::EmergencyCredit {
                agent: agent.id,
                name: agent.name.clone(),
                emergency_credit: agent.emergency_credit,
                needed: agent.credit_beyond_limit(),
            });
        }
        if agent.posted_collateral > agent.collateral_capacity || agent.posted_collateral < 0 {
            return Err(InvariantViolation::CollateralOutsideCapacity {
                agent: agent.id,
                name: agent.name.clone(),
                posted: agent.posted_collateral,
                capacity: agent.collateral_capacity,
            });
        }
    }
    check_places(state)?;
    // A hold ends when its payment leaves Queue 1; one left behind would keep a
    // payment that comes back (withdrawn from Queue 2) from being recorded held.
    if let Some((tx, _)) = state
        .holds
        .iter()
        .find(|(tx, _)| state.txs.get(tx.index()).map(|t| t.status) != Some(TxStatus::Queued1))
    {
        return Err(InvariantViolation::HoldOutsideQueue1 { tx });
    }
    check_splits(state)
}

/// Every payment is in exactly one place, and the running totals agree.
fn check_places(state: &SimState) -> Result<(), InvariantViolation> {
    let txs = &state.txs;
    // How often each payment appears in a queue; saturating, as a corrupt state may
    // list one payment any number of times.
    let mut in_queue1 = vec![0u8; txs.len()];
    let mut in_queue2 = vec![0u8; txs.len()];
    let (mut q1_count, mut q1_value) = (0usize, 0i128);
    for agent in &state.agents {
        let mut value = 0i128;
        for &id in &agent.queue1 {
            let tx = txs
                .get(id.index())
                .ok_or(InvariantViolation::UnknownInQueue1 {
                    agent: agent.id,
                    tx: id,
                })?;
            if tx.sender != agent.id {
                return Err(InvariantViolation::Queue1OfAnotherAgent {
                    tx: id,
                    agent: agent.id,
                    name: agent.name.clone(),
                });
            }
            in_queue1[id.index()] = in_queue1[id.index()].saturating_add(1);
            value += i128::from(tx.amount);
        }
        if value != agent.queue1_value {
            return Err(InvariantViolation::Queue1Value {
                agent: agent.id,
                name: agent.name.clone(),
                recorded: agent.queue1_value,
                actual: value,
            });
        }
        q1_count += agent.queue1.len();
        q1_value += value;
        let (mut count, mut value) = (0usize, 0i128);
        for (_, entry) in state.queue2.sender_queue(agent.id) {
            let matches = txs
                .get(entry.tx.index())
                .is_some_and(|tx| (tx.receiver, tx.amount) == (entry.receiver, entry.amount));
            if !matches {
                return Err(InvariantViolation::Queue2Entry { tx: entry.tx });
            }
            if !state
                .queue2
                .pair_queue(agent.id, entry.receiver)
                .any(|(_, e)| e == entry)
            {
                return Err(InvariantViolation::MissingFromPairQueue { tx: entry.tx });
            }
            in_queue2[entry.tx.index()] = in_queue2[entry.tx.index()].saturating_add(1);
            count += 1;
            value += i128::from(entry.amount);
        }
        let in_pairs: usize = state
            .queue2
            .receivers_of(agent.id)
            .map(|receiver| state.queue2.pair_queue(agent.id, receiver).count())
            .sum();
        if in_pairs != count {
            return Err(InvariantViolation::PairIndex {
                agent: agent.id,
                name: agent.name.clone(),
                in_pairs,
                queued: count,
            });
        }
        if count != agent.queue2_count || value != agent.queue2_value {
            return Err(InvariantViolation::Queue2Totals {
                agent: agent.id,
                name: agent.name.clone(),
                count,
                value,
                recorded_count: agent.queue2_count,
                recorded_value: agent.queue2_value,
            });
        }
    }
    if q1_count != state.queue1_count || q1_value != state.queue1_value {
        return Err(InvariantViolation::SystemQueue1Totals {
            count: q1_count,
            value: q1_value,
            recorded_count: state.queue1_count,
            recorded_value: state.queue1_value,
        });
    }
    for (i, tx) in txs.iter().enumerate() {
        let expected = match tx.status {
            TxStatus::Queued1 => (1, 0),
            TxStatus::Queued2 => (0, 1),
            _ => (0, 0),
        };
        if (in_queue1[i], in_queue2[i]) != expected {
            return Err(InvariantViolation::Place {
                tx: tx.id,
                status: tx.status,
                in_queue1: in_queue1[i],
                in_queue2: in_queue2[i],
            });
        }
        if tx.settled_amount < 0 || tx.settled_amount > tx.amount {
            return Err(InvariantViolation::SettledAmount {
                tx: tx.id,
                settled: tx.settled_amount,
                amount: tx.amount,
            });
        }
    }
    Ok(())
}

/// A split payment's parts sum to it, and each original payment's settled amount is
/// the sum of its settled parts.
fn check_splits(state: &SimState) -> Result<(), InvariantViolation> {
    let txs = &state.txs;
    let mut parts_sum = vec![0i128; txs.len()];
    let mut settled_under_root = vec![0i128; txs.len()];
    for tx in txs {
        let unknown = |link: TxId| InvariantViolation::UnknownLink { tx: tx.id, link };
        if let Some(parent) = tx.parent {
            *parts_sum.get_mut(parent.index()).ok_or(unknown(parent))? += i128::from(tx.amount);
        }
        let root = settled_under_root
            .get_mut(tx.root.index())
            .ok_or(unknown(tx.root))?;
        if tx.status == TxStatus::Settled {
            *root += i128::from(tx.amount);
        }
    }
    for (i, tx) in txs.iter().enumerate() {
        if tx.status == TxStatus::Split && parts_sum[i] != i128::from(tx.amount) {
            return Err(InvariantViolation::SplitParts {
                tx: tx.id,
                parts: parts_sum[i],
                amount: tx.amount,
            });
        }
        if tx.root.index() == i && settled_under_root[i] != i128::from(tx.settled_amount) {
            return Err(InvariantViolation::RootSettled {
                tx: tx.id,
                settled: tx.settled_amount,
                parts_settled: settled_under_root[i],
            });
        }
    }
    Ok(())
}

/// States corrupted by hand (only this module can reach the fields), each breaking
/// one invariant: the check names that one, with its figures.
#[cfg(test)]
mod tests {
    use super::InvariantViolation;
    use crate::ids::{AgentId, TxId};
    use crate::testkit::World;
    use crate::transaction::TxStatus;

    /// A pays B 300 (waiting in Queue 1) and 200 (waiting in Queue 2).
    fn world() -> (World, TxId, TxId) {
        let mut world = World::new(&[("A", 1_000), ("B", 0)]);
        let waiting = world.pay("A", "B", 300, 50);
        let queued = world.pay("A", "B", 200, 50);
        world.release("A", &[queued]);
        assert_eq!(world.state.check_invariants(), Ok(()));
        (world, waiting, queued)
    }

    #[test]
    fn money_from_nowhere_breaks_conservation() {
        let (mut world, _, _) = world();
        world.state.agents[1].balance += 7;
        let broken = world.state.check_invariants().unwrap_err();
        assert_eq!(
            broken,
            InvariantViolation::Conservation {
                balances: 1_007,
                opening: 1_000,
            }
        );
        assert_eq!(
            broken.to_string(),
            "conservation: balances sum to 1007 but opened at 1000"
        );
    }

    #[test]
    fn an_overdraft_beyond_credit_is_named_with_its_figures() {
        let (mut world, _, _) = world();
        world.state.agents[0].balance -= 1_001;
        world.state.agents[1].balance += 1_001;
        let broken = world.state.check_invariants().unwrap_err();
        assert_eq!(
            broken,
            InvariantViolation::BelowCreditLimit {
                agent: AgentId(0),
                name: "A".into(),
                balance: -1,
                credit_limit: 0,
            }
        );
        assert_eq!(
            broken.to_string(),
            "A: balance -1 below minus its credit limit 0"
        );
    }

    #[test]
    fn a_queue_total_out_of_step_is_named() {
        let (mut world, _, _) = world();
        world.state.agents[0].queue1_value += 5;
        assert_eq!(
            world.state.check_invariants(),
            Err(InvariantViolation::Queue1Value {
                agent: AgentId(0),
                name: "A".into(),
                recorded: 305,
                actual: 300,
            })
        );
    }

    #[test]
    fn a_payment_in_two_places_is_named() {
        let (mut world, waiting, _) = world();
        world.state.txs[waiting.index()].status = TxStatus::Settled;
        let broken = world.state.check_invariants().unwrap_err();
        assert_eq!(
            broken,
            InvariantViolation::Place {
                tx: waiting,
                status: TxStatus::Settled,
                in_queue1: 1,
                in_queue2: 0,
            }
        );
        assert_eq!(
            broken.to_string(),
            "tx#0 has status Settled but is 1 times in Queue 1 and 0 times in Queue 2"
        );
    }

    #[test]
    fn queue2_totals_out_of_step_are_named() {
        let (mut world, _, _) = world();
        world.state.agents[0].queue2_count += 1;
        assert!(matches!(
            world.state.check_invariants(),
            Err(InvariantViolation::Queue2Totals {
                count: 1,
                recorded_count: 2,
                ..
            })
        ));
    }

    #[test]
    fn a_link_to_no_payment_is_refused_without_panicking() {
        let (mut world, waiting, _) = world();
        world.state.txs[waiting.index()].root = TxId(99);
        assert_eq!(
            world.state.check_invariants(),
            Err(InvariantViolation::UnknownLink {
                tx: waiting,
                link: TxId(99),
            })
        );
    }

    #[test]
    fn a_payment_listed_many_times_is_counted_without_overflow() {
        let (mut world, waiting, _) = world();
        let a = &mut world.state.agents[0];
        a.queue1 = vec![waiting; 300];
        a.queue1_value = 300 * 300;
        world.state.queue1_count = 300;
        world.state.queue1_value = 300 * 300;
        assert_eq!(
            world.state.check_invariants(),
            Err(InvariantViolation::Place {
                tx: waiting,
                status: TxStatus::Queued1,
                in_queue1: u8::MAX,
                in_queue2: 0,
            })
        );
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "tick 0: invariant broken: conservation")]
    fn debug_builds_stop_on_a_broken_invariant() {
        let (mut world, _, _) = world();
        world.state.agents[1].balance += 1;
        world.state.debug_check_invariants();
    }

    #[test]
    fn an_intact_state_passes_the_debug_check() {
        let (world, _, _) = world();
        world.state.debug_check_invariants();
    }
}
