//! Every profile evaluated: every pure Nash equilibrium, exactly, and the planner's
//! optimum.
//!
//! A profile is an equilibrium when no player can lower its own cost by changing
//! its own strategy alone: a deviation breaks it only if strictly cheaper, so a
//! player indifferent between its strategy and another keeps the equilibrium.

use super::solver::{BestResponse, CostCache, Game, Payoffs, Profile, Scored, best_response};

/// What the whole table of costs says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Solution {
    /// Every pure equilibrium, in profile order.
    pub equilibria: Vec<Scored>,
    /// The profiles of least total cost (all of them on a tie), in profile order.
    pub optimum: Vec<Scored>,
}

/// Evaluates every profile of `game` (through `cache`, which keeps them) and
/// finds every pure equilibrium and the planner's optimum.
pub fn solve<P: Payoffs>(
    game: &Game,
    payoffs: &mut P,
    cache: &mut CostCache,
) -> Result<Solution, P::Error> {
    let profiles = game.profiles();
    cache.ensure(&profiles, payoffs)?;
    let costs: Vec<&[i128]> = profiles
        .iter()
        .map(|p| cache.get(p).unwrap_or(&[]))
        .collect();
    let strides = strides(game);
    let mut stable = vec![true; profiles.len()];
    // For each player, the least cost it can reach against each profile of the
    // others, kept at the index of that profile with the player's strategy 0.
    let mut least = vec![i128::MAX; profiles.len()];
    for player in 0..game.strategies.len() {
        least.fill(i128::MAX);
        let base = |index: usize, profile: &Profile| index - profile[player] * strides[player];
        for (index, profile) in profiles.iter().enumerate() {
            let cost = cost_of(&costs, index, player);
            let slot = &mut least[base(index, profile)];
            *slot = (*slot).min(cost);
        }
        for (index, profile) in profiles.iter().enumerate() {
            if cost_of(&costs, index, player) > least[base(index, profile)] {
                stable[index] = false;
            }
        }
    }
    let scored = |index: usize| Scored {
        profile: profiles[index].clone(),
        costs: costs[index].to_vec(),
    };
    let equilibria = (0..profiles.len())
        .filter(|&i| stable[i])
        .map(scored)
        .collect();
    let optimum = super::solver::planner(cache.iter());
    Ok(Solution {
        equilibria,
        optimum,
    })
}

/// A player's cost at a profile; a profile whose costs are missing counts as the
/// worst (not reached: every profile is evaluated first).
fn cost_of(costs: &[&[i128]], index: usize, player: usize) -> i128 {
    costs[index].get(player).copied().unwrap_or(i128::MAX)
}

/// The index step of each player's strategy in lexicographic profile order.
fn strides(game: &Game) -> Vec<usize> {
    let mut strides = vec![1; game.strategies.len()];
    for player in (0..game.strategies.len().saturating_sub(1)).rev() {
        strides[player] = strides[player + 1] * game.strategies[player + 1];
    }
    strides
}

/// `player`'s best-response curve: its best responses to every profile of the
/// others, in profile order (the player's own entry is its first best response).
/// Every profile must be known.
pub fn curve(game: &Game, cache: &CostCache, player: usize) -> Vec<BestResponse> {
    let mut others = game.clone();
    others.strategies[player] = 1;
    others
        .profiles()
        .iter()
        .filter_map(|profile| best_response(game, cache, profile, player))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A two-player game from its table: `table[a][b] = (cost to 0, cost to 1)`.
    fn solve_table(table: &[&[(i128, i128)]]) -> (Solution, Game, CostCache) {
        let game = Game {
            strategies: vec![table.len(), table[0].len()],
        };
        let mut payoffs = |profiles: &[Profile]| -> Result<Vec<Vec<i128>>, ()> {
            Ok(profiles
                .iter()
                .map(|p| {
                    let (a, b) = table[p[0]][p[1]];
                    vec![a, b]
                })
                .collect())
        };
        let mut cache = CostCache::default();
        let solution = solve(&game, &mut payoffs, &mut cache).unwrap();
        (solution, game, cache)
    }

    fn profiles(scored: &[Scored]) -> Vec<Profile> {
        scored.iter().map(|s| s.profile.clone()).collect()
    }

    #[test]
    fn prisoners_dilemma_one_equilibrium_and_a_better_planner() {
        // Strategy 0 cooperates, 1 defects; costs are years in prison.
        let (solution, game, cache) = solve_table(&[&[(1, 1), (3, 0)], &[(0, 3), (2, 2)]]);
        assert_eq!(profiles(&solution.equilibria), vec![vec![1, 1]]);
        assert_eq!(solution.equilibria[0].costs, vec![2, 2]);
        assert_eq!(profiles(&solution.optimum), vec![vec![0, 0]]);
        let gap = super::super::solver::WelfareGap::of(&solution.equilibria, &solution.optimum);
        assert_eq!(gap.map(|g| (g.best, g.worst)), Some((2, 2)));
        // Defecting is best whatever the other does.
        let curve = curve(&game, &cache, 0);
        assert_eq!(curve.len(), 2);
        assert!(curve.iter().all(|r| r.best == vec![1]));
        assert_eq!(curve.iter().map(|r| r.cost).collect::<Vec<_>>(), vec![0, 2]);
    }

    #[test]
    fn matching_pennies_has_no_pure_equilibrium() {
        // Player 0 wants to match, player 1 to differ.
        let (solution, _, _) = solve_table(&[&[(0, 1), (1, 0)], &[(1, 0), (0, 1)]]);
        assert!(solution.equilibria.is_empty());
        // Every profile costs 1 in total: all four tie for the planner.
        assert_eq!(solution.optimum.len(), 4);
        assert_eq!(
            super::super::solver::WelfareGap::of(&solution.equilibria, &solution.optimum),
            None
        );
    }

    #[test]
    fn coordination_has_two_equilibria_and_a_gap_between_them() {
        // Both on 0 is cheap, both on 1 is stable but dear, a mismatch is worst.
        let (solution, game, cache) = solve_table(&[&[(1, 1), (5, 5)], &[(5, 5), (3, 3)]]);
        assert_eq!(profiles(&solution.equilibria), vec![vec![0, 0], vec![1, 1]]);
        assert_eq!(profiles(&solution.optimum), vec![vec![0, 0]]);
        let gap =
            super::super::solver::WelfareGap::of(&solution.equilibria, &solution.optimum).unwrap();
        assert_eq!((gap.best, gap.worst), (0, 4));
        let curve = curve(&game, &cache, 1);
        assert_eq!(
            curve.iter().map(|r| r.best.clone()).collect::<Vec<_>>(),
            vec![vec![0], vec![1]]
        );
    }

    #[test]
    fn a_tie_does_not_break_an_equilibrium() {
        // Player 0 is indifferent everywhere; player 1 prefers 1 against 0's 0 and
        // is indifferent against 0's 1.
        let (solution, game, cache) = solve_table(&[&[(4, 2), (4, 1)], &[(4, 6), (4, 6)]]);
        assert_eq!(
            profiles(&solution.equilibria),
            vec![vec![0, 1], vec![1, 0], vec![1, 1]]
        );
        assert_eq!(profiles(&solution.optimum), vec![vec![0, 1]]);
        let curve = curve(&game, &cache, 1);
        assert_eq!(curve[0].best, vec![1]);
        assert_eq!(curve[1].best, vec![0, 1]);
        assert_eq!(curve[1].profile, vec![1, 0]);
    }

    #[test]
    fn three_players_by_brute_force() {
        // A volunteer's dilemma: each pays 3 to volunteer; anyone not volunteering
        // pays 10 unless someone does. Equilibria: exactly one volunteer.
        let game = Game {
            strategies: vec![2, 2, 2],
        };
        let mut payoffs = |profiles: &[Profile]| -> Result<Vec<Vec<i128>>, ()> {
            Ok(profiles
                .iter()
                .map(|p| {
                    let anyone = p.contains(&1);
                    p.iter()
                        .map(|&s| {
                            if s == 1 {
                                3
                            } else if anyone {
                                0
                            } else {
                                10
                            }
                        })
                        .collect()
                })
                .collect())
        };
        let mut cache = CostCache::default();
        let solution = solve(&game, &mut payoffs, &mut cache).unwrap();
        assert_eq!(
            profiles(&solution.equilibria),
            vec![vec![0, 0, 1], vec![0, 1, 0], vec![1, 0, 0]]
        );
        assert_eq!(profiles(&solution.optimum), profiles(&solution.equilibria));
        assert_eq!(cache.len(), 8);
    }
}
