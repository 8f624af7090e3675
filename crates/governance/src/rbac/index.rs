//! The lookup index behind `RuleSet::decide`.
//!
//! A rule is a set of (principal pattern, capability pattern) pairs, and it
//! matches a request when one of its pairs does. So the first matching rule
//! is the smallest rule index over all pairs whose two patterns both match.
//! The index therefore:
//!
//! 1. interns every distinct pattern on each side to a small id;
//! 2. finds the ids of the patterns matching the request's principal, and
//!    those matching its capability, without looking at the others: exact
//!    patterns through a map from the full name, wildcard patterns through
//!    a trie of their literal leading segments (`policy.action.*` is filed
//!    under `policy` → `action`), so only wildcards whose literal prefix the
//!    name shares are tried;
//! 3. looks each (principal id, capability id) pair up in a map holding the
//!    first rule that lists that pair, and keeps the smallest.
//!
//! The cost is the number of patterns that match (plus wildcards sharing a
//! literal prefix with the name), not the number of rules. The answer is a
//! minimum over a set, so it does not depend on any map's iteration order;
//! the maps are only ever probed, never iterated.

use std::collections::HashMap;

use super::pattern::{Pattern, PatternKind};
use super::rules::Rule;

/// Index of a distinct pattern on one side (principals or capabilities).
type PatternId = usize;

#[derive(Debug)]
pub(crate) struct RuleIndex {
    principals: PatternIndex,
    capabilities: PatternIndex,
    /// The first rule listing each (principal, capability) pattern pair.
    first_rule_by_pair: HashMap<(PatternId, PatternId), usize>,
}

impl RuleIndex {
    pub(crate) fn build(rules: &[Rule]) -> RuleIndex {
        let mut principals = PatternIndex::new(PatternKind::Principal);
        let mut capabilities = PatternIndex::new(PatternKind::Capability);
        let mut first_rule_by_pair = HashMap::new();
        // Rules are visited in order, so the first insert for a pair is the
        // smallest rule index; later duplicates must not overwrite it.
        for (rule_index, rule) in rules.iter().enumerate() {
            let principal_id = principals.intern(&rule.principal);
            for capability in &rule.capabilities {
                let capability_id = capabilities.intern(capability);
                first_rule_by_pair
                    .entry((principal_id, capability_id))
                    .or_insert(rule_index);
            }
        }
        RuleIndex {
            principals,
            capabilities,
            first_rule_by_pair,
        }
    }

    /// The index of the first rule matching both names, if any.
    pub(crate) fn first_match(&self, principal: &str, capability: &str) -> Option<usize> {
        let mut principal_ids = Vec::new();
        self.principals
            .for_each_match(principal, |id| principal_ids.push(id));
        if principal_ids.is_empty() {
            return None;
        }
        let mut first: Option<usize> = None;
        self.capabilities
            .for_each_match(capability, |capability_id| {
                for &principal_id in &principal_ids {
                    if let Some(&rule) = self.first_rule_by_pair.get(&(principal_id, capability_id))
                    {
                        first = Some(first.map_or(rule, |best| best.min(rule)));
                    }
                }
            });
        first
    }
}

/// The distinct patterns of one side, indexed for "which of these match
/// this name".
#[derive(Debug)]
struct PatternIndex {
    kind: PatternKind,
    /// Every distinct pattern, by id.
    patterns: Vec<Pattern>,
    /// Pattern text to id, for interning while building.
    ids_by_text: HashMap<Box<str>, PatternId>,
    /// Patterns without `*`: they match only their own text.
    exact: HashMap<Box<str>, PatternId>,
    /// Patterns with `*`, filed under their literal leading segments.
    /// Node 0 is the root (no literal prefix: `*`, `*.run`, `llm-*:x`).
    trie: Vec<TrieNode>,
}

#[derive(Debug, Default)]
struct TrieNode {
    children: HashMap<Box<str>, usize>,
    /// Wildcard patterns whose literal prefix ends at this node.
    wildcards: Vec<PatternId>,
}

impl PatternIndex {
    fn new(kind: PatternKind) -> PatternIndex {
        PatternIndex {
            kind,
            patterns: Vec::new(),
            ids_by_text: HashMap::new(),
            exact: HashMap::new(),
            trie: vec![TrieNode::default()],
        }
    }

    fn intern(&mut self, pattern: &Pattern) -> PatternId {
        debug_assert_eq!(pattern.kind(), self.kind);
        if let Some(&id) = self.ids_by_text.get(pattern.as_str()) {
            return id;
        }
        let id = self.patterns.len();
        self.patterns.push(pattern.clone());
        self.ids_by_text.insert(pattern.as_str().into(), id);
        if pattern.is_exact() {
            self.exact.insert(pattern.as_str().into(), id);
        } else {
            let node = self.trie_node_for(pattern.literal_prefix());
            self.trie[node].wildcards.push(id);
        }
        id
    }

    /// The node for a literal prefix, creating the path as needed.
    fn trie_node_for<'p>(&mut self, prefix: impl Iterator<Item = &'p str>) -> usize {
        let mut node = 0;
        for segment in prefix {
            node = match self.trie[node].children.get(segment) {
                Some(&child) => child,
                None => {
                    let child = self.trie.len();
                    self.trie.push(TrieNode::default());
                    self.trie[node].children.insert(segment.into(), child);
                    child
                }
            };
        }
        node
    }

    /// Calls `visit` once for each distinct pattern that matches `name`.
    fn for_each_match(&self, name: &str, mut visit: impl FnMut(PatternId)) {
        if let Some(&id) = self.exact.get(name) {
            visit(id);
        }
        // Walk the name's segments down the trie; at each node, the
        // wildcards filed there share the name's prefix so far and are
        // worth a full match.
        let mut node = &self.trie[0];
        let mut segments = name.split(self.kind.separator());
        loop {
            for &id in &node.wildcards {
                if self.patterns[id].matches(name) {
                    visit(id);
                }
            }
            match segments
                .next()
                .and_then(|segment| node.children.get(segment))
            {
                Some(&child) => node = &self.trie[child],
                None => break,
            }
        }
    }
}
