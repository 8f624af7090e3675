//! The core of FIFO-constrained gridlock resolution, on plain numbers.
//!
//! Given each agent's available liquidity and its queued payments in queue order,
//! find the largest set made of a prefix of every agent's queue in which every agent's
//! net position is covered (available liquidity plus inflows minus outflows is at
//! least zero).
//!
//! Feasible prefix sets are closed under taking, per agent, the longer prefix: an
//! agent's outflows then come from the set where its prefix was longer, and its
//! inflows only grow. So there is one largest feasible set, and it contains every
//! other. Starting from all payments, an agent that is uncovered cannot keep its
//! current prefix in any feasible subset (its outflows would stay, its inflows could
//! only shrink), so removing its last payment never removes anything the largest set
//! holds. Repeating until every agent is covered therefore ends exactly at the largest
//! set, whichever uncovered agent is picked at each step.
//!
//! Because the order of removals cannot change the result, the search keeps a plain
//! work list of uncovered agents rather than ordering them by deficit (an ordered set
//! would add a logarithm per removal and change nothing): a pass costs
//! `O(agents + payments)`.

/// A queued payment as the search sees it: receiver (agent index) and amount.
pub type Outflow = (usize, i64);

/// Every agent's queued payments in queue order, stored one agent after another in
/// one buffer (a pass over a large queue allocates two vectors, not one per agent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outflows {
    starts: Vec<usize>,
    payments: Vec<Outflow>,
}

impl Outflows {
    pub fn new() -> Self {
        Outflows {
            starts: vec![0],
            payments: Vec::new(),
        }
    }

    /// Appends the next agent's queue.
    pub fn push_agent(&mut self, queue: impl IntoIterator<Item = Outflow>) {
        self.payments.extend(queue);
        self.starts.push(self.payments.len());
    }

    /// From one list per agent.
    pub fn from_lists(lists: &[Vec<Outflow>]) -> Self {
        let mut outflows = Outflows::new();
        for list in lists {
            outflows.push_agent(list.iter().copied());
        }
        outflows
    }

    pub fn agents(&self) -> usize {
        self.starts.len() - 1
    }

    /// Agent `agent`'s queued payments, in order.
    pub fn of(&self, agent: usize) -> &[Outflow] {
        &self.payments[self.starts[agent]..self.starts[agent + 1]]
    }
}

/// For every agent, how many payments from the front of its queue are in the largest
/// set whose every agent's net position is covered. `available[i]` is agent `i`'s
/// liquidity (balance plus credit); `queues.of(i)` its queued payments in order.
pub fn settleable_prefixes(available: &[i128], queues: &Outflows) -> Vec<usize> {
    let agents = available.len();
    debug_assert_eq!(queues.agents(), agents);
    let mut kept: Vec<usize> = (0..agents).map(|i| queues.of(i).len()).collect();
    // Position = available + inflows - outflows over the payments still in the set.
    let mut position: Vec<i128> = available.to_vec();
    for (sender, &count) in kept.iter().enumerate() {
        for &(receiver, amount) in &queues.of(sender)[..count] {
            position[sender] -= i128::from(amount);
            position[receiver] += i128::from(amount);
        }
    }
    let mut listed: Vec<bool> = position.iter().map(|&p| p < 0).collect();
    let mut uncovered: Vec<usize> = (0..agents).filter(|&a| listed[a]).collect();
    while let Some(agent) = uncovered.pop() {
        listed[agent] = false;
        // Give up payments from the back until covered. An agent that runs out of
        // payments is covered unless its own liquidity is negative, and then it can
        // take part in nothing anyway.
        while position[agent] < 0 && kept[agent] > 0 {
            kept[agent] -= 1;
            let (receiver, amount) = queues.of(agent)[kept[agent]];
            position[agent] += i128::from(amount);
            position[receiver] -= i128::from(amount);
            if position[receiver] < 0 && !listed[receiver] {
                listed[receiver] = true;
                uncovered.push(receiver);
            }
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_ring_with_no_liquidity_settles_whole() {
        let queues = vec![vec![(1, 100)], vec![(2, 100)], vec![(0, 100)]];
        assert_eq!(
            settleable_prefixes(&[0, 0, 0], &Outflows::from_lists(&queues)),
            vec![1, 1, 1]
        );
    }

    #[test]
    fn unequal_ring_needs_liquidity_for_the_difference() {
        let queues = vec![vec![(1, 100)], vec![(2, 100)], vec![(0, 60)]];
        let queues = Outflows::from_lists(&queues);
        assert_eq!(settleable_prefixes(&[0, 0, 0], &queues), vec![0, 0, 0]);
        assert_eq!(settleable_prefixes(&[40, 0, 0], &queues), vec![1, 1, 1]);
    }

    #[test]
    fn fifo_blocks_what_comes_after_an_unaffordable_payment() {
        // Agent 0 owes agent 2 first (unaffordable), then its ring payment to 1.
        let queues = vec![vec![(2, 500), (1, 100)], vec![(0, 100)], vec![]];
        assert_eq!(
            settleable_prefixes(&[0, 0, 0], &Outflows::from_lists(&queues)),
            vec![0, 0, 0]
        );
    }

    #[test]
    fn a_short_bank_is_left_out_and_the_rest_settles() {
        // Ring 0 -> 1 -> 2 -> 0, and 0 also owes 3 after its ring payment.
        let queues = vec![
            vec![(1, 1_000), (3, 200)],
            vec![(2, 1_000)],
            vec![(0, 1_000)],
            vec![],
        ];
        assert_eq!(
            settleable_prefixes(&[100, 0, 0, 0], &Outflows::from_lists(&queues)),
            vec![1, 1, 1, 0]
        );
    }

    /// The largest feasible prefix set, by trying every combination of prefix lengths.
    fn brute_force(available: &[i128], queues: &[Vec<Outflow>]) -> Vec<usize> {
        let mut best = vec![0; queues.len()];
        let mut best_value = -1i128;
        let mut lengths = vec![0usize; queues.len()];
        loop {
            let mut position = available.to_vec();
            let mut value = 0i128;
            for (sender, queue) in queues.iter().enumerate() {
                for &(receiver, amount) in &queue[..lengths[sender]] {
                    position[sender] -= i128::from(amount);
                    position[receiver] += i128::from(amount);
                    value += i128::from(amount);
                }
            }
            if position.iter().all(|&p| p >= 0) && value > best_value {
                best_value = value;
                best = lengths.clone();
            }
            // Next combination (odometer).
            let mut i = 0;
            loop {
                if i == lengths.len() {
                    return best;
                }
                if lengths[i] < queues[i].len() {
                    lengths[i] += 1;
                    break;
                }
                lengths[i] = 0;
                i += 1;
            }
        }
    }

    fn case() -> impl Strategy<Value = (Vec<i128>, Vec<Vec<Outflow>>)> {
        (2usize..6).prop_flat_map(|agents| {
            (
                prop::collection::vec(0i128..300, agents),
                prop::collection::vec(prop::collection::vec((0..agents, 1i64..400), 0..4), agents),
            )
                .prop_map(|(available, mut queues)| {
                    // No payment to oneself; keep at most 12 payments in all.
                    let mut total = 0;
                    for (sender, queue) in queues.iter_mut().enumerate() {
                        queue.retain(|&(receiver, _)| receiver != sender);
                        queue.truncate(12usize.saturating_sub(total));
                        total += queue.len();
                    }
                    (available, queues)
                })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// On small queues the search finds the best prefix set there is.
        #[test]
        fn equals_the_best_prefix_set_by_brute_force((available, queues) in case()) {
            let found = settleable_prefixes(&available, &Outflows::from_lists(&queues));
            prop_assert_eq!(found, brute_force(&available, &queues));
        }
    }
}
