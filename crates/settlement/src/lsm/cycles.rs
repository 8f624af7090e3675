//! Cycle settlement: cycles of queued payments among agents, each settled as a set
//! when every member can cover its net position (inflow minus outflow along the
//! cycle; values may differ).
//!
//! The graph has an edge from a sender to each receiver it has payments queued to,
//! carried by the first such payment in queue order. Cycles can only lie within a
//! strongly connected component, so components are found first (Tarjan), and cycles
//! are enumerated within each, rooted at their smallest agent, up to
//! `max_length` agents. Enumeration is bounded by [`MAX_SEARCH_STEPS`] per pass, so
//! a dense graph costs bounded time (and may leave cycles for the next pass).

use super::settle;
use rtgsim_core::event::{EventSink, LsmAlgorithm};
use rtgsim_core::queue2::QueueKey;
use rtgsim_core::{AgentId, Cents, SimState, TxId};
use std::collections::{BTreeMap, BTreeSet};

/// An edge of the graph: the first queued payment from `sender` to `receiver`.
#[derive(Debug, Clone, Copy)]
struct Edge {
    key: QueueKey,
    tx: TxId,
    sender: AgentId,
    receiver: AgentId,
    amount: Cents,
}

/// Edges examined per pass, at most.
pub const MAX_SEARCH_STEPS: usize = 200_000;

/// Longest cycle a scenario may ask for.
pub const MAX_CYCLE_LENGTH: usize = 10;

/// Runs one pass; returns how many payments settled.
pub fn run(state: &mut SimState, max_length: usize, sink: &mut dyn EventSink) -> usize {
    let agents = state.agents().len();
    let queue = state.queue2();
    let edges: Vec<BTreeMap<usize, Edge>> = (0..agents as u32)
        .map(|s| {
            let sender = AgentId(s);
            queue
                .receivers_of(sender)
                .filter(|&receiver| !state.cut_off(sender, receiver))
                .filter_map(|receiver| {
                    let (key, entry) = queue.pair_queue(sender, receiver).next()?;
                    let edge = Edge {
                        key,
                        tx: entry.tx,
                        sender,
                        receiver,
                        amount: entry.amount,
                    };
                    Some((receiver.index(), edge))
                })
                .collect()
        })
        .collect();
    let adjacency: Vec<Vec<usize>> = edges.iter().map(|e| e.keys().copied().collect()).collect();
    let mut used: BTreeSet<TxId> = BTreeSet::new();
    let mut steps = 0;
    let mut settled = 0;
    for component in strongly_connected(&adjacency) {
        let mut in_component = vec![false; agents];
        for &agent in &component {
            in_component[agent] = true;
        }
        for &start in &component {
            let mut search = Search {
                edges: &edges,
                in_component: &in_component,
                start,
                max_length: max_length.clamp(2, MAX_CYCLE_LENGTH),
                path: Vec::new(),
                on_path: vec![false; agents],
                steps,
                found: Vec::new(),
            };
            search.extend(start);
            steps = search.steps;
            for cycle in search.found {
                if cycle.iter().any(|p| used.contains(&p.tx)) || !covered(state, &cycle) {
                    continue;
                }
                let set = cycle.iter().map(|p| (p.key, p.tx)).collect();
                let count = settle(state, set, LsmAlgorithm::Cycle, sink);
                if count > 0 {
                    settled += count;
                    used.extend(cycle.iter().map(|p| p.tx));
                }
            }
            if steps >= MAX_SEARCH_STEPS {
                return settled;
            }
        }
    }
    settled
}

/// Whether every member of a cycle covers its net position now.
fn covered(state: &SimState, cycle: &[Edge]) -> bool {
    let mut net: BTreeMap<AgentId, i128> = BTreeMap::new();
    for p in cycle {
        *net.entry(p.sender).or_default() -= i128::from(p.amount);
        *net.entry(p.receiver).or_default() += i128::from(p.amount);
    }
    net.iter()
        .all(|(&agent, &n)| i128::from(state.agent(agent).available_liquidity()) + n >= 0)
}

/// A bounded depth-first enumeration of the simple cycles through `start` whose other
/// members are larger agents in the same component.
struct Search<'a> {
    edges: &'a [BTreeMap<usize, Edge>],
    in_component: &'a [bool],
    start: usize,
    max_length: usize,
    path: Vec<Edge>,
    on_path: Vec<bool>,
    steps: usize,
    found: Vec<Vec<Edge>>,
}

impl Search<'_> {
    fn extend(&mut self, from: usize) {
        for (&to, &payment) in &self.edges[from] {
            if self.steps >= MAX_SEARCH_STEPS {
                return;
            }
            self.steps += 1;
            if to == self.start {
                if !self.path.is_empty() {
                    let mut cycle = self.path.clone();
                    cycle.push(payment);
                    self.found.push(cycle);
                }
            } else if to > self.start
                && self.in_component[to]
                && !self.on_path[to]
                && self.path.len() + 1 < self.max_length
            {
                self.on_path[to] = true;
                self.path.push(payment);
                self.extend(to);
                self.path.pop();
                self.on_path[to] = false;
            }
        }
    }
}

/// Strongly connected components with at least two agents, each sorted, in order of
/// their smallest agent (Tarjan's algorithm, without recursion).
pub fn strongly_connected(adjacency: &[Vec<usize>]) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let n = adjacency.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut calls: Vec<(usize, usize)> = Vec::new();
    let mut next = 0;
    let mut components = Vec::new();
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        calls.push((root, 0));
        while let Some(frame) = calls.last_mut() {
            let v = frame.0;
            if let Some(&w) = adjacency[v].get(frame.1) {
                frame.1 += 1;
                if index[w] == UNSEEN {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    calls.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                if component.len() >= 2 {
                    component.sort_unstable();
                    components.push(component);
                }
            }
        }
    }
    components.sort();
    components
}

#[cfg(test)]
mod tests {
    use super::strongly_connected;

    #[test]
    fn finds_components_of_two_or_more() {
        // 0 <-> 1, 2 -> 3 -> 4 -> 2, 5 alone, 1 -> 2 (joins nothing).
        let adjacency = vec![vec![1], vec![0, 2], vec![3], vec![4], vec![2], vec![]];
        assert_eq!(
            strongly_connected(&adjacency),
            vec![vec![0, 1], vec![2, 3, 4]]
        );
    }

    #[test]
    fn a_long_chain_does_not_overflow_the_stack() {
        let n = 200_000;
        let adjacency: Vec<Vec<usize>> = (0..n).map(|i| vec![(i + 1) % n]).collect();
        let components = strongly_connected(&adjacency);
        assert_eq!(components.len(), 1);
        assert_eq!(components[0].len(), n);
    }
}
