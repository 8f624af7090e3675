//! The fixed penalties the state charges: once per payment that misses its deadline
//! (or is dropped before it), and per payment still unsettled at the end of the day.

use super::SimState;
use crate::event::{Event, EventSink, PenaltyCause};
use crate::ids::TxId;
use crate::money::Cents;

impl SimState {
    /// Charges the deadline penalty on every original payment whose deadline tick is
    /// the current tick and that is not settled in full.
    pub fn charge_missed_deadlines(&mut self, penalty: Cents, sink: &mut dyn EventSink) {
        let tick = self.clock.tick();
        let due: Vec<TxId> = match self.deadlines.first_key_value() {
            Some((&deadline, _)) if deadline <= tick => {
                let mut due = Vec::new();
                while let Some(entry) = self.deadlines.first_entry() {
                    if *entry.key() > tick {
                        break;
                    }
                    due.extend(entry.remove());
                }
                due
            }
            _ => return,
        };
        for root in due {
            let tx = &self.txs[root.index()];
            if tx.settled_amount < tx.amount && !tx.deadline_penalized {
                self.charge_deadline_penalty(root, PenaltyCause::Overdue, penalty, sink);
            }
        }
    }

    pub(super) fn charge_deadline_penalty(
        &mut self,
        root: TxId,
        cause: PenaltyCause,
        penalty: Cents,
        sink: &mut dyn EventSink,
    ) {
        let tx = &mut self.txs[root.index()];
        if tx.deadline_penalized {
            return;
        }
        tx.deadline_penalized = true;
        sink.record(Event::DeadlinePenalty {
            tick: self.clock.tick(),
            agent: tx.sender,
            tx: root,
            cause,
            penalty,
        });
    }

    /// Charges the end-of-day penalty once per original payment that still has a part
    /// waiting in Queue 1 or Queue 2.
    pub fn charge_end_of_day(&mut self, penalty: Cents, sink: &mut dyn EventSink) {
        let tick = self.clock.tick();
        for agent in &self.agents {
            let mut roots: Vec<TxId> = agent
                .queue1
                .iter()
                .copied()
                .chain(self.queue2.sender_queue(agent.id).map(|(_, e)| e.tx))
                .map(|id| self.txs[id.index()].root)
                .collect();
            roots.sort_unstable();
            roots.dedup();
            for tx in roots {
                sink.record(Event::EodPenalty {
                    tick,
                    agent: agent.id,
                    tx,
                    penalty,
                });
            }
        }
    }
}
