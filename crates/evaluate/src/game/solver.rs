//! The game in the abstract: players with finitely many strategies each, and a
//! cost per player for every profile (one strategy per player), given by a
//! function the solver calls with batches of profiles, so that it can be tested on
//! hand-written tables and run simulations in parallel alike.
//!
//! Costs are exact integers (a sum of cents over the samples: every profile has the
//! same samples, so sums compare as means do). Lower is better.

use std::collections::BTreeMap;

/// One strategy index per player.
pub type Profile = Vec<usize>;

/// The number of strategies of each player (each at least 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Game {
    pub strategies: Vec<usize>,
}

impl Game {
    /// How many profiles there are (saturating: a game too large to count is
    /// too large to enumerate).
    pub fn profile_count(&self) -> u128 {
        self.strategies
            .iter()
            .fold(1u128, |n, &s| n.saturating_mul(s as u128))
    }

    /// Every profile, in lexicographic order (player 0's strategy varies slowest).
    pub fn profiles(&self) -> Vec<Profile> {
        let mut all = vec![Vec::with_capacity(self.strategies.len())];
        for &count in &self.strategies {
            all = all
                .into_iter()
                .flat_map(|done| {
                    (0..count).map(move |s| {
                        let mut next = done.clone();
                        next.push(s);
                        next
                    })
                })
                .collect();
        }
        all
    }

    /// `profile` with player `player`'s strategy replaced by each of its strategies.
    pub fn deviations(&self, profile: &[usize], player: usize) -> Vec<Profile> {
        (0..self.strategies[player])
            .map(|s| {
                let mut next = profile.to_vec();
                next[player] = s;
                next
            })
            .collect()
    }
}

/// What the solver asks for: each profile's cost to each player, in the order of
/// the profiles given.
pub trait Payoffs {
    type Error;
    fn costs(&mut self, profiles: &[Profile]) -> Result<Vec<Vec<i128>>, Self::Error>;
}

/// A function is a payoff oracle.
impl<E, F> Payoffs for F
where
    F: FnMut(&[Profile]) -> Result<Vec<Vec<i128>>, E>,
{
    type Error = E;
    fn costs(&mut self, profiles: &[Profile]) -> Result<Vec<Vec<i128>>, E> {
        self(profiles)
    }
}

/// Every profile's costs, once: a profile asked for twice runs once.
#[derive(Debug, Clone, Default)]
pub struct CostCache {
    known: BTreeMap<Profile, Vec<i128>>,
}

impl CostCache {
    /// Makes sure every profile of `profiles` is known, asking `payoffs` only for
    /// those that are not (each once, in the order first given).
    pub fn ensure<P: Payoffs>(
        &mut self,
        profiles: &[Profile],
        payoffs: &mut P,
    ) -> Result<(), P::Error> {
        let mut missing: Vec<Profile> = Vec::new();
        let mut asked = std::collections::BTreeSet::new();
        for profile in profiles {
            if !self.known.contains_key(profile) && asked.insert(profile.clone()) {
                missing.push(profile.clone());
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        let costs = payoffs.costs(&missing)?;
        for (profile, cost) in missing.into_iter().zip(costs) {
            self.known.insert(profile, cost);
        }
        Ok(())
    }

    /// The costs of a profile already known.
    pub fn get(&self, profile: &[usize]) -> Option<&[i128]> {
        self.known.get(profile).map(Vec::as_slice)
    }

    /// Every profile known, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&Profile, &Vec<i128>)> {
        self.known.iter()
    }

    pub fn len(&self) -> usize {
        self.known.len()
    }

    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }
}

/// A profile with its costs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scored {
    pub profile: Profile,
    /// Per player.
    pub costs: Vec<i128>,
}

impl Scored {
    pub fn total(&self) -> i128 {
        self.costs.iter().sum()
    }
}

/// The planner's choice among `profiles`: the least total cost, with every profile
/// that ties (in the order given). `None` when there are no profiles.
pub fn planner<'a>(profiles: impl Iterator<Item = (&'a Profile, &'a Vec<i128>)>) -> Vec<Scored> {
    let mut best: Vec<Scored> = Vec::new();
    for (profile, costs) in profiles {
        let scored = Scored {
            profile: profile.clone(),
            costs: costs.clone(),
        };
        match best.first().map(|b| scored.total().cmp(&b.total())) {
            Some(std::cmp::Ordering::Greater) => {}
            Some(std::cmp::Ordering::Equal) => best.push(scored),
            _ => best = vec![scored],
        }
    }
    best
}

/// The welfare gap: the total cost of the best and of the worst equilibrium minus
/// the planner's. `None` without an equilibrium or a planner's optimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WelfareGap {
    pub best: i128,
    pub worst: i128,
}

impl WelfareGap {
    pub fn of(equilibria: &[Scored], optimum: &[Scored]) -> Option<WelfareGap> {
        let planner = optimum.first()?.total();
        let totals = equilibria.iter().map(Scored::total);
        Some(WelfareGap {
            best: totals.clone().min()? - planner,
            worst: totals.max()? - planner,
        })
    }
}

/// A player's best responses to what the others play: the strategies of least
/// cost to it (all of them on a tie), and that cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BestResponse {
    pub player: usize,
    /// The profile the others play; the player's own entry is its first best
    /// response.
    pub profile: Profile,
    pub best: Vec<usize>,
    pub cost: i128,
}

/// The best responses of `player` when the others play as in `profile`, from the
/// costs of every deviation (which must be known).
pub fn best_response(
    game: &Game,
    cache: &CostCache,
    profile: &[usize],
    player: usize,
) -> Option<BestResponse> {
    let mut best: Vec<usize> = Vec::new();
    let mut least = i128::MAX;
    for deviation in game.deviations(profile, player) {
        let cost = cache.get(&deviation)?[player];
        if cost < least {
            least = cost;
            best.clear();
        }
        if cost == least {
            best.push(deviation[player]);
        }
    }
    let mut at = profile.to_vec();
    at[player] = *best.first()?;
    Some(BestResponse {
        player,
        profile: at,
        best,
        cost: least,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_are_enumerated_in_order() {
        let game = Game {
            strategies: vec![2, 3],
        };
        assert_eq!(game.profile_count(), 6);
        assert_eq!(
            game.profiles(),
            vec![
                vec![0, 0],
                vec![0, 1],
                vec![0, 2],
                vec![1, 0],
                vec![1, 1],
                vec![1, 2]
            ]
        );
        assert_eq!(
            game.deviations(&[1, 2], 1),
            vec![vec![1, 0], vec![1, 1], vec![1, 2]]
        );
    }

    #[test]
    fn the_cache_asks_for_each_profile_once() {
        let mut asked: Vec<Profile> = Vec::new();
        let mut payoffs = |profiles: &[Profile]| -> Result<Vec<Vec<i128>>, ()> {
            asked.extend(profiles.iter().cloned());
            Ok(profiles.iter().map(|p| vec![p[0] as i128]).collect())
        };
        let mut cache = CostCache::default();
        cache
            .ensure(&[vec![1], vec![2], vec![1]], &mut payoffs)
            .unwrap();
        cache.ensure(&[vec![2], vec![3]], &mut payoffs).unwrap();
        assert_eq!(asked, vec![vec![1], vec![2], vec![3]]);
        assert_eq!(cache.get(&[3]), Some(&[3i128][..]));
        assert_eq!(cache.len(), 3);
    }
}
