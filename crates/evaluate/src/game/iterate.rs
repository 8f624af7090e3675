//! Iterated best response, for games too large to evaluate whole: from a start
//! profile, each player in turn (0, 1, ..., then 0 again) plays its best response
//! to the others' current strategies, until a fixed point (no player wants to
//! move: a pure equilibrium, checked exactly, since every deviation of every
//! player from it was evaluated) or a cycle (a profile reached again at the same
//! player's turn, after some move).
//!
//! A player keeps its strategy when it is among its best responses (a deviation
//! must be strictly cheaper to be taken); otherwise it takes its lowest-numbered
//! best response. So the path from a start is deterministic.

use super::solver::{BestResponse, CostCache, Game, Payoffs, Profile};
use std::collections::BTreeMap;

/// The most rounds (a turn of every player) one start may take.
pub const MAX_ROUNDS: usize = 1_000;

/// How a path ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// No player wants to move: a pure equilibrium.
    FixedPoint(Profile),
    /// The profiles visited over and over, in order from the first one reached
    /// again (each at the start of a turn, after a move).
    Cycle(Vec<Profile>),
    /// [`MAX_ROUNDS`] rounds without either.
    RoundLimit,
}

/// One turn: the player's best responses to the others at that point, and the
/// strategy it then played.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    pub response: BestResponse,
    /// The strategy before the turn.
    pub from: usize,
    /// The strategy after it.
    pub to: usize,
}

/// A path of iterated best response from one start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    pub start: Profile,
    pub turns: Vec<Turn>,
    pub ending: Ending,
}

/// Follows best responses from `start` (through `cache`, shared by every start).
pub fn iterate<P: Payoffs>(
    game: &Game,
    start: Profile,
    payoffs: &mut P,
    cache: &mut CostCache,
) -> Result<Path, P::Error> {
    let players = game.strategies.len();
    let mut profile = start.clone();
    let mut turns: Vec<Turn> = Vec::new();
    // Each (profile, player about to move) seen, with the turn it was seen at.
    let mut seen: BTreeMap<(Profile, usize), usize> = BTreeMap::new();
    let mut still = 0; // consecutive turns without a move
    for turn in 0..MAX_ROUNDS * players {
        let player = turn % players;
        if let Some(&first) = seen.get(&(profile.clone(), player)) {
            let cycle = turns[first..]
                .iter()
                .filter(|t| t.from != t.to)
                .map(|t| t.response.profile.clone())
                .collect();
            return Ok(Path {
                start,
                turns,
                ending: Ending::Cycle(cycle_profiles(cycle, &profile)),
            });
        }
        seen.insert((profile.clone(), player), turn);
        cache.ensure(&game.deviations(&profile, player), payoffs)?;
        let Some(response) = super::solver::best_response(game, cache, &profile, player) else {
            break;
        };
        let from = profile[player];
        let to = if response.best.contains(&from) {
            from
        } else {
            response.profile[player]
        };
        profile[player] = to;
        turns.push(Turn { response, from, to });
        still = if from == to { still + 1 } else { 0 };
        if still >= players {
            return Ok(Path {
                start,
                turns,
                ending: Ending::FixedPoint(profile),
            });
        }
    }
    Ok(Path {
        start,
        turns,
        ending: Ending::RoundLimit,
    })
}

/// The profiles of a cycle, starting from `again` (the one reached again): the
/// profile after each move of the cycle, rotated so that `again` comes first.
fn cycle_profiles(moved_to: Vec<Profile>, again: &Profile) -> Vec<Profile> {
    let at = moved_to.iter().position(|p| p == again).unwrap_or(0);
    let mut cycle = moved_to;
    cycle.rotate_left(at);
    cycle
}

#[cfg(test)]
mod tests {
    use super::*;

    type Table = Vec<Vec<(i128, i128)>>;

    fn oracle(table: &Table) -> impl FnMut(&[Profile]) -> Result<Vec<Vec<i128>>, ()> + '_ {
        |profiles: &[Profile]| {
            Ok(profiles
                .iter()
                .map(|p| {
                    let (a, b) = table[p[0]][p[1]];
                    vec![a, b]
                })
                .collect())
        }
    }

    fn game_of(table: &Table) -> Game {
        Game {
            strategies: vec![table.len(), table[0].len()],
        }
    }

    #[test]
    fn prisoners_dilemma_reaches_its_equilibrium() {
        let table: Table = vec![vec![(1, 1), (3, 0)], vec![(0, 3), (2, 2)]];
        let mut cache = CostCache::default();
        let path = iterate(
            &game_of(&table),
            vec![0, 0],
            &mut oracle(&table),
            &mut cache,
        )
        .unwrap();
        assert_eq!(path.ending, Ending::FixedPoint(vec![1, 1]));
        // Player 0 defects, then player 1, then player 0 stays: stop after player 1
        // has stayed too.
        let moves: Vec<(usize, usize, usize)> = path
            .turns
            .iter()
            .map(|t| (t.response.player, t.from, t.to))
            .collect();
        assert_eq!(moves, vec![(0, 0, 1), (1, 0, 1), (0, 1, 1), (1, 1, 1)]);
        assert_eq!(cache.len(), 4);
    }

    #[test]
    fn matching_pennies_cycles_through_all_four_profiles() {
        // Player 0 wants to match, player 1 to differ.
        let table: Table = vec![vec![(0, 1), (1, 0)], vec![(1, 0), (0, 1)]];
        let mut cache = CostCache::default();
        let path = iterate(
            &game_of(&table),
            vec![0, 0],
            &mut oracle(&table),
            &mut cache,
        )
        .unwrap();
        // From (0,0): player 0 stays (matched), player 1 moves to (0,1), player 0 to
        // (1,1), player 1 to (1,0), player 0 to (0,0), and it is player 1's turn at
        // (0,0) again.
        assert_eq!(
            path.ending,
            Ending::Cycle(vec![vec![0, 0], vec![0, 1], vec![1, 1], vec![1, 0]])
        );
        assert_eq!(path.turns.len(), 5);
    }

    #[test]
    fn a_player_indifferent_keeps_its_strategy() {
        // Player 0 is indifferent; player 1's best response to 0's 1 is both.
        let table: Table = vec![vec![(4, 2), (4, 1)], vec![(4, 6), (4, 6)]];
        let mut cache = CostCache::default();
        let path = iterate(
            &game_of(&table),
            vec![1, 0],
            &mut oracle(&table),
            &mut cache,
        )
        .unwrap();
        assert_eq!(path.ending, Ending::FixedPoint(vec![1, 0]));
        assert_eq!(path.turns.len(), 2);
        assert_eq!(path.turns[1].response.best, vec![0, 1]);
    }

    #[test]
    fn coordination_ends_where_the_first_mover_leads() {
        let table: Table = vec![vec![(1, 1), (5, 5)], vec![(5, 5), (3, 3)]];
        // Player 0 moves first, to match player 1; player 1 then stays.
        for (start, end) in [
            (vec![1, 1], vec![1, 1]),
            (vec![0, 1], vec![1, 1]),
            (vec![1, 0], vec![0, 0]),
        ] {
            let mut cache = CostCache::default();
            let path = iterate(&game_of(&table), start, &mut oracle(&table), &mut cache).unwrap();
            assert_eq!(path.ending, Ending::FixedPoint(end));
        }
    }
}
