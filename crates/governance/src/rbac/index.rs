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
//!    under `policy` → `action`), and at each trie node in buckets keyed by
//!    the literal start of their first glob segment (`optimizer:llm-*` is
//!    filed under `optimizer`, bucket `llm-`), so only wildcards whose
//!    literal parts the name shares are tried;
//! 3. looks each (principal id, capability id) pair up in a map holding the
//!    first rule that lists that pair, and keeps the smallest.
//!
//! The cost depends on the patterns that match, not on the number of
//! rules: one probe per pair of a matching principal pattern and a matching
//! capability pattern (a handful in practice), plus a full match for each
//! wildcard that shares all its literal parts with the name (rare: it
//! takes globs such as `llm-*-a` and `llm-*-b`). The answer is a
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
    /// Patterns whose only wildcard is the trailing `*` segment right
    /// after this node's path (`policy.action.*` at `policy` → `action`),
    /// and `*` at the root.
    trailing: Vec<PatternId>,
    /// Patterns whose first glob segment comes right after this node's
    /// path, keyed by that segment's text before its first `*`.
    globs_by_head: HashMap<Box<str>, Vec<PatternId>>,
    /// The distinct lengths of the keys of `globs_by_head`, ascending, so
    /// a lookup probes only the prefixes of the name segment that can be
    /// keys.
    glob_head_lengths: Vec<usize>,
}

impl TrieNode {
    fn file_glob(&mut self, head: &str, id: PatternId) {
        self.globs_by_head.entry(head.into()).or_default().push(id);
        if let Err(position) = self.glob_head_lengths.binary_search(&head.len()) {
            self.glob_head_lengths.insert(position, head.len());
        }
    }
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
            match pattern.glob_head() {
                Some(head) => self.trie[node].file_glob(head, id),
                None => self.trie[node].trailing.push(id),
            }
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
        // Walk the name's segments down the trie. At depth d the node's
        // path equals the name's first d segments, so its wildcards are
        // candidates; the glob buckets narrow them by segment d's start.
        let mut visit_matching = |ids: &[PatternId]| {
            for &id in ids {
                if self.patterns[id].matches(name) {
                    visit(id);
                }
            }
        };
        let mut node = &self.trie[0];
        for segment in name.split(self.kind.separator()) {
            visit_matching(&node.trailing);
            for &length in &node.glob_head_lengths {
                if length > segment.len() {
                    break; // ascending: no longer head can start the segment
                }
                let Some(head) = segment.get(..length) else {
                    continue; // not on a character boundary
                };
                if let Some(ids) = node.globs_by_head.get(head) {
                    visit_matching(ids);
                }
            }
            match node.children.get(segment) {
                Some(&child) => node = &self.trie[child],
                None => return,
            }
        }
        // The name ended at this node: its trailing `*` patterns would need
        // another segment and its globs a segment to match, so none can.
    }
}
