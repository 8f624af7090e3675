//! Random shocks for the property tests: drawn before the scenario's size is known,
//! then placed on its agents and ticks; and the outages a schedule puts in force,
//! read directly from it (a second reading, independent of the engine's).

use proptest::prelude::*;
use rtgsim_core::AgentId;
use rtgsim_core::money::ValueFactor;
use rtgsim_engine::{Agents, Plan, Repeat, ScheduledShock, Shock};

/// A shock drawn before the scenario's size is known: its numbers are folded into
/// the agents and ticks by [`RandomShock::place`].
#[derive(Debug, Clone)]
pub struct RandomShock {
    kind: u8,
    agents: (u32, u32),
    amount: i64,
    factor: f64,
    tick: u32,
    ticks: u32,
    receive: bool,
    repeat: Option<(u32, u32)>,
}

pub fn random_shock() -> impl Strategy<Value = RandomShock> {
    (
        0u8..7,
        (any::<u32>(), any::<u32>()),
        1i64..500_000,
        0.0f64..2.0,
        any::<u32>(),
        1u32..30,
        any::<bool>(),
        prop::option::of((1u32..10, any::<u32>())),
    )
        .prop_map(
            |(kind, agents, amount, factor, tick, ticks, receive, repeat)| RandomShock {
                kind,
                agents,
                amount,
                factor,
                tick,
                ticks,
                receive,
                repeat,
            },
        )
}

impl RandomShock {
    pub fn place(self, agents: usize, total_ticks: u32) -> ScheduledShock {
        let n = agents as u32;
        let a = AgentId(self.agents.0 % n);
        // Another agent than `a`.
        let b = AgentId((a.0 + 1 + self.agents.1 % (n - 1)) % n);
        let tick = self.tick % total_ticks;
        let shock = match self.kind {
            0 => Shock::Transfer {
                from: a,
                to: b,
                amount: self.amount,
            },
            1 => Shock::Inject {
                agent: a,
                amount: self.amount,
            },
            2 => Shock::Withdraw {
                agent: a,
                amount: self.amount,
            },
            3 => Shock::CollateralValue {
                agents: if self.receive {
                    Agents::All
                } else {
                    Agents::One(a)
                },
                factor: ValueFactor::from_f64(self.factor).unwrap(),
            },
            4 => Shock::CreditLimit {
                agent: a,
                unsecured_cap: self.amount / 2,
            },
            _ => Shock::Outage {
                agent: a,
                ticks: self.ticks,
                receive: self.receive,
            },
        };
        let repeat = self.repeat.map(|(every_ticks, until)| Repeat {
            every_ticks,
            until_tick: tick + until % (total_ticks - tick),
        });
        ScheduledShock {
            tick,
            repeat,
            shock,
        }
    }
}

/// The agents out (not called) and disconnected (settling nothing) at `tick`, by a
/// direct reading of the schedule: every outage that started at or before the tick
/// and has not run its length.
pub fn outages_at(plan: &Plan, tick: u32) -> (Vec<bool>, Vec<bool>) {
    let mut until = vec![None::<(u32, bool)>; plan.agents.len()];
    for t in 0..=tick {
        for slot in &mut until {
            if slot.is_some_and(|(end, _)| end <= t) {
                *slot = None;
            }
        }
        for scheduled in plan.shocks.iter().filter(|s| s.fires_at(t)) {
            if let Shock::Outage {
                agent,
                ticks,
                receive,
            } = scheduled.shock
            {
                let slot = &mut until[agent.index()];
                let end = slot.map_or(t + ticks, |(end, _)| end.max(t + ticks));
                *slot = Some((end, receive));
            }
        }
    }
    let out = until.iter().map(Option::is_some).collect();
    let disconnected = until.iter().map(|s| s.is_some_and(|(_, r)| !r)).collect();
    (out, disconnected)
}
