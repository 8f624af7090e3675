//! Each `ArrivalChange` by hand, refusals, and resume by replaying changes.

use super::*;

/// A spec with two bands, for the changes.
fn two_bands() -> ArrivalSpec {
    let mut low = band(3.0);
    low.amount = AmountDistribution::Fixed { value: 5 };
    ArrivalSpec {
        bands: vec![band(1.0), low],
        ..spec(vec![(AgentId(1), 1.0), (AgentId(2), 1.0)])
    }
}

fn rates(generator: &ArrivalGenerator, agent: u32) -> Vec<f64> {
    generator
        .spec(AgentId(agent))
        .unwrap()
        .bands
        .iter()
        .map(|b| b.rate_per_tick)
        .collect()
}

#[test]
fn rate_changes_are_made_against_the_scenario_and_do_not_compound() {
    let mut generator = ArrivalGenerator::new(1, vec![Some(two_bands()), None, None]);
    let agent = AgentId(0);
    generator
        .change(agent, &ArrivalChange::RateFactor(2.0))
        .unwrap();
    assert_eq!(rates(&generator, 0), [2.0, 6.0]);
    generator
        .change(agent, &ArrivalChange::RateFactor(0.5))
        .unwrap();
    assert_eq!(rates(&generator, 0), [0.5, 1.5]);
    // 8 per tick shared 1 : 3, as the scenario shares it.
    generator
        .change(agent, &ArrivalChange::RatePerTick(8.0))
        .unwrap();
    assert_eq!(rates(&generator, 0), [2.0, 6.0]);
    generator
        .change(agent, &ArrivalChange::RateFactor(1.0))
        .unwrap();
    assert_eq!(generator.spec(agent), generator.scenario_spec(agent));
    assert_eq!(generator.scenario_spec(agent), Some(&two_bands()));
    // One band: the rate as given, whatever the scenario's.
    let mut single = ArrivalGenerator::new(1, vec![Some(spec(vec![(AgentId(1), 1.0)])), None]);
    single
        .change(agent, &ArrivalChange::RatePerTick(2.5))
        .unwrap();
    assert_eq!(rates(&single, 0), [2.5]);
    single
        .change(agent, &ArrivalChange::RatePerTick(0.0))
        .unwrap();
    assert_eq!(rates(&single, 0), [0.0]);
    assert!(draw(&mut single, 0, 0..100).is_empty());
}

#[test]
fn refused_rate_changes_change_nothing() {
    let mut quiet = two_bands();
    for band in &mut quiet.bands {
        band.rate_per_tick = 0.0;
    }
    quiet.profile = Some(RateProfile::new(10, vec![(0, 1.0), (5, 4.0)]).unwrap());
    let mut generator = ArrivalGenerator::new(1, vec![Some(two_bands()), Some(quiet), None]);
    let refusals = [
        (
            0,
            ArrivalChange::RateFactor(-1.0),
            "rate factor -1 is not a finite number >= 0",
        ),
        (
            0,
            ArrivalChange::RateFactor(f64::INFINITY),
            "rate factor inf is not a finite number >= 0",
        ),
        (
            0,
            ArrivalChange::RatePerTick(f64::NAN),
            "rate NaN is not a finite number >= 0",
        ),
        // 3.0 * 5000 passes the bound of 10,000 per tick.
        (
            0,
            ArrivalChange::RateFactor(5_000.0),
            "a band's rate would reach 15000 payments per tick; at most 10000",
        ),
        (
            1,
            ArrivalChange::RatePerTick(1.0),
            "the scenario's bands all have rate 0: there is no share to split 1 payments per tick by",
        ),
        (
            2,
            ArrivalChange::RatePerTick(1.0),
            "agent 2 has no generated payments to change",
        ),
        (
            2,
            ArrivalChange::RateFactor(-1.0),
            "rate factor -1 is not a finite number >= 0",
        ),
        (
            3,
            ArrivalChange::RateFactor(1.0),
            "agent 3 is not in the scenario (3 agents)",
        ),
    ];
    for (agent, change, message) in refusals {
        assert_eq!(
            generator.change(AgentId(agent), &change),
            Err(message.to_string()),
            "{change:?}"
        );
    }
    assert_eq!(rates(&generator, 0), [1.0, 3.0]);
    // The profile's peak factor counts: 3,000 * 4 is above the bound, 2,500 * 4 is not.
    let mut one = ArrivalGenerator::new(
        1,
        vec![Some(ArrivalSpec {
            profile: Some(RateProfile::new(10, vec![(0, 1.0), (5, 4.0)]).unwrap()),
            ..spec(vec![(AgentId(1), 1.0)])
        })],
    );
    assert!(
        one.change(AgentId(0), &ArrivalChange::RatePerTick(3_000.0))
            .is_err()
    );
    assert!(
        one.change(AgentId(0), &ArrivalChange::RatePerTick(2_500.0))
            .is_ok()
    );
    // An agent without arrivals: a factor passes over it, changes nothing.
    assert_eq!(
        generator.change(AgentId(2), &ArrivalChange::RateFactor(3.0)),
        Ok(())
    );
    assert!(!generator.has_arrivals(AgentId(2)));
    assert!(generator.has_arrivals(AgentId(0)));
}

#[test]
fn counterparty_weights_replace_the_counterparties_in_id_order() {
    let mut generator = ArrivalGenerator::new(2, vec![Some(two_bands()), None, None, None]);
    let agent = AgentId(0);
    let weights = vec![(AgentId(3), 0.0), (AgentId(2), 1.0), (AgentId(1), 3.0)];
    generator
        .change(agent, &ArrivalChange::CounterpartyWeights(weights))
        .unwrap();
    assert_eq!(
        generator.spec(agent).unwrap().counterparties,
        Counterparties::Weighted(vec![(AgentId(1), 3.0), (AgentId(2), 1.0)])
    );
    let out = draw(&mut generator, 0, 0..2_000);
    let to_1 = out.iter().filter(|p| p.receiver == AgentId(1)).count();
    assert_share("to agent 1", to_1, out.len(), 0.75);
    assert!(
        out.iter()
            .all(|p| [AgentId(1), AgentId(2)].contains(&p.receiver))
    );
    let refused = |weights: Vec<(u32, f64)>| {
        let weights = weights
            .into_iter()
            .map(|(id, w)| (AgentId(id), w))
            .collect();
        let mut generator = generator.clone();
        let before = generator.spec(agent).cloned();
        let error = generator
            .change(agent, &ArrivalChange::CounterpartyWeights(weights))
            .unwrap_err();
        assert_eq!(generator.spec(agent).cloned(), before);
        error
    };
    assert_eq!(refused(vec![(0, 1.0)]), "agent 0 cannot pay itself");
    assert_eq!(refused(vec![(1, 1.0), (1, 2.0)]), "agent 1 is given twice");
    assert_eq!(
        refused(vec![(4, 1.0)]),
        "agent 4 is not in the scenario (4 agents)"
    );
    assert_eq!(
        refused(vec![(1, -2.0)]),
        "agent 1's weight -2 is not a finite number >= 0"
    );
    assert_eq!(
        refused(vec![(1, 0.0), (2, 0.0)]),
        "the weights sum to zero: no one can be paid"
    );
    assert_eq!(
        refused(vec![]),
        "the weights sum to zero: no one can be paid"
    );
    let mut none = ArrivalGenerator::new(2, vec![None, None]);
    assert_eq!(
        none.change(
            AgentId(0),
            &ArrivalChange::CounterpartyWeights(vec![(AgentId(1), 1.0)])
        ),
        Err("agent 0 has no generated payments to change".into())
    );
}

#[test]
fn a_deadline_window_replaces_every_bands_deadlines() {
    let mut generator = ArrivalGenerator::new(3, vec![Some(two_bands()), None, None]);
    let agent = AgentId(0);
    let window = ArrivalChange::DeadlineWindow {
        min_ticks: 30,
        max_ticks: 32,
    };
    generator.change(agent, &window).unwrap();
    let deadlines: Vec<(Tick, Tick)> = generator
        .spec(agent)
        .unwrap()
        .bands
        .iter()
        .map(|b| b.deadline_ticks)
        .collect();
    assert_eq!(deadlines, [(30, 32), (30, 32)]);
    let out = draw_at(&mut generator, 0, 0..200);
    assert!(out.iter().any(|(_, p)| p.amount == 5) && out.iter().any(|(_, p)| p.amount != 5));
    assert!(
        out.iter()
            .all(|(t, p)| (t + 30..=t + 32).contains(&p.deadline_tick))
    );
    let reversed = ArrivalChange::DeadlineWindow {
        min_ticks: 9,
        max_ticks: 8,
    };
    assert_eq!(
        generator.change(agent, &reversed),
        Err("deadline window [9, 8]: the minimum is above the maximum".into())
    );
    assert_eq!(
        generator.change(AgentId(1), &window),
        Err("agent 1 has no generated payments to change".into())
    );
}

/// A change takes effect from the next draw, exactly as if the changed spec had been
/// the scenario's from that point of the stream; and a run resumed from a
/// checkpoint that re-applies the changes made before it draws what the one-go run
/// draws.
#[test]
fn changed_streams_draw_as_the_changed_spec_would_and_resume_alike() {
    let changes = [
        (30, ArrivalChange::RateFactor(2.0)),
        (
            60,
            ArrivalChange::CounterpartyWeights(vec![(AgentId(2), 1.0), (AgentId(1), 4.0)]),
        ),
        (
            90,
            ArrivalChange::DeadlineWindow {
                min_ticks: 0,
                max_ticks: 4,
            },
        ),
        (120, ArrivalChange::RatePerTick(1.0)),
    ];
    let one_go = |until: Tick| {
        let mut generator = ArrivalGenerator::new(4, vec![Some(two_bands()), None, None]);
        let mut out = Vec::new();
        for tick in 0..until {
            for (_, change) in changes.iter().filter(|(at, _)| *at == tick) {
                generator.change(AgentId(0), change).unwrap();
            }
            generator.generate(AgentId(0), tick, &mut out);
        }
        (generator, out)
    };
    let (_, all) = one_go(150);
    // The changed spec written out by hand, from tick 60 on.
    let (at_60, before) = one_go(60);
    let mut by_hand = two_bands();
    by_hand.bands[0].rate_per_tick = 2.0;
    by_hand.bands[1].rate_per_tick = 6.0;
    by_hand.counterparties = Counterparties::Weighted(vec![(AgentId(1), 4.0), (AgentId(2), 1.0)]);
    let mut fresh = ArrivalGenerator::new(4, vec![Some(by_hand), None, None]);
    fresh.restore_positions(&at_60.positions()).unwrap();
    let after = draw(&mut fresh, 0, 60..90);
    assert_eq!(&all[before.len()..before.len() + after.len()], &after[..]);
    // Resume at every tick: replay the changes made before it, then draw on.
    for resume_at in [1, 30, 31, 60, 89, 90, 121, 149] {
        let (checkpoint, before) = one_go(resume_at);
        let mut resumed = ArrivalGenerator::new(4, vec![Some(two_bands()), None, None]);
        resumed.restore_positions(&checkpoint.positions()).unwrap();
        for (_, change) in changes.iter().filter(|(at, _)| *at < resume_at) {
            resumed.change(AgentId(0), change).unwrap();
        }
        let mut out = before;
        for tick in resume_at..150 {
            for (_, change) in changes.iter().filter(|(at, _)| *at == tick) {
                resumed.change(AgentId(0), change).unwrap();
            }
            resumed.generate(AgentId(0), tick, &mut out);
        }
        assert_eq!(out, all, "resumed at {resume_at}");
    }
}

/// Giving the scenario's own counterparties back, in any order, draws what the
/// scenario draws.
#[test]
fn the_scenarios_own_weights_give_the_scenarios_payments() {
    let spec = spec(vec![(AgentId(1), 2.0), (AgentId(2), 1.0)]);
    let mut plain = ArrivalGenerator::new(6, vec![Some(spec.clone()), None, None]);
    let mut changed = ArrivalGenerator::new(6, vec![Some(spec), None, None]);
    let weights = vec![(AgentId(2), 1.0), (AgentId(1), 2.0)];
    changed
        .change(AgentId(0), &ArrivalChange::CounterpartyWeights(weights))
        .unwrap();
    assert_eq!(draw(&mut plain, 0, 0..300), draw(&mut changed, 0, 0..300));
}
