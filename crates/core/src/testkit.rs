//! A small world for tests of policies and settlement: agents, payments put straight
//! into Queue 1, and views at any tick. Used by this crate's tests and by the crates
//! built on it. It panics on bad input, as a test helper should.
#![allow(clippy::panic)]

use crate::agent::AgentSetup;
use crate::costs::CostRates;
use crate::event::{Event, PolicyCall};
use crate::ids::{AgentId, Tick, TxId};
use crate::money::Cents;
use crate::queue2::QueueOrder;
use crate::release::Release;
use crate::state::{Clock, SimState};
use crate::transaction::NewPayment;
use crate::view::PolicyView;

/// A simulation state under a test's control.
#[derive(Debug, Clone)]
pub struct World {
    pub state: SimState,
    pub rates: CostRates,
    pub events: Vec<Event>,
}

impl World {
    /// Agents named `name` with `balance`, and no credit. One day of 100 ticks.
    pub fn new(agents: &[(&str, Cents)]) -> World {
        World::with_setups(
            agents
                .iter()
                .map(|&(name, balance)| AgentSetup::new(name, balance))
                .collect(),
            QueueOrder::Fifo,
        )
    }

    /// Agents as given, one day of 100 ticks.
    pub fn with_setups(setups: Vec<AgentSetup>, order: QueueOrder) -> World {
        let clock = Clock::new(100, 1).unwrap_or_else(|e| panic!("test clock: {e}"));
        let state =
            SimState::new(setups, clock, order).unwrap_or_else(|e| panic!("test agents: {e}"));
        World {
            state,
            rates: CostRates::default(),
            events: Vec::new(),
        }
    }

    /// The id of the agent named `name`.
    pub fn id(&self, name: &str) -> AgentId {
        self.state
            .agent_by_name(name)
            .map(|a| a.id())
            .unwrap_or_else(|| panic!("no agent {name}"))
    }

    pub fn at_tick(&mut self, tick: Tick) -> &mut World {
        self.state.set_tick(tick);
        self
    }

    /// A payment arriving now, priority 5, not divisible.
    pub fn pay(&mut self, from: &str, to: &str, amount: Cents, deadline: Tick) -> TxId {
        self.payment(from, to, amount, deadline, 5, false)
    }

    /// A divisible payment arriving now, priority 5.
    pub fn pay_divisible(&mut self, from: &str, to: &str, amount: Cents, deadline: Tick) -> TxId {
        self.payment(from, to, amount, deadline, 5, true)
    }

    pub fn payment(
        &mut self,
        from: &str,
        to: &str,
        amount: Cents,
        deadline: Tick,
        priority: u8,
        divisible: bool,
    ) -> TxId {
        let payment = NewPayment {
            sender: self.id(from),
            receiver: self.id(to),
            amount,
            deadline_tick: deadline,
            priority,
            divisible,
        };
        self.state
            .add_payment(payment, &mut self.events)
            .unwrap_or_else(|e| panic!("test payment: {e}"))
    }

    /// Releases payments of `from` from Queue 1 into Queue 2, without a settlement
    /// attempt.
    pub fn release(&mut self, from: &str, txs: &[TxId]) {
        let agent = self.id(from);
        let releases = Release::all(txs);
        self.state
            .release_payments(agent, &releases, &mut |_, _| false, &mut self.events);
    }

    /// The view `name`'s policy gets for payment decisions.
    pub fn view(&self, name: &str) -> PolicyView<'_> {
        PolicyView::new(
            &self.state,
            self.id(name),
            &self.rates,
            PolicyCall::EvaluateQueue,
        )
    }
}

/// `text` with what lies between the markers `<!-- name:begin -->` and
/// `<!-- name:end -->` replaced by `block`: for docs whose tables are generated from
/// the catalogs and checked by a test.
pub fn replace_generated(text: &str, name: &str, block: &str) -> String {
    let begin = format!("<!-- {name}:begin -->\n");
    let end = format!("<!-- {name}:end -->");
    let start = text
        .find(&begin)
        .unwrap_or_else(|| panic!("no {name}:begin marker"))
        + begin.len();
    let stop = text
        .find(&end)
        .unwrap_or_else(|| panic!("no {name}:end marker"));
    format!("{}{block}{}", &text[..start], &text[stop..])
}
