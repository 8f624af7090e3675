//! Best-effort line numbers for the rules of a file.
//!
//! `serde_norway` reports positions only in errors, so the lines of
//! successfully parsed rules are recovered from the text: the items of the
//! top-level block list `rules:`. The caller trusts the result only when it
//! found exactly as many items as the parser did; anything unusual (flow
//! style `rules: [...]`, anchors) gives no lines rather than wrong ones.

/// The 1-based line of each item of the top-level `rules:` block list.
pub(crate) fn rule_item_lines(text: &str) -> Vec<usize> {
    let mut lines = text.lines().enumerate();
    let found_key = lines
        .by_ref()
        .any(|(_, line)| line.strip_prefix("rules:").is_some_and(is_blank_or_comment));
    if !found_key {
        return Vec::new();
    }
    let mut item_indent = None;
    let mut item_lines = Vec::new();
    for (index, line) in lines {
        if is_blank_or_comment(line) {
            continue;
        }
        let content = line.trim_start_matches(' ');
        let indent = line.len() - content.len();
        let is_item = content == "-" || content.starts_with("- ");
        match item_indent {
            None if is_item => item_indent = Some(indent),
            None => break,
            Some(expected) if indent > expected => continue,
            Some(expected) if indent == expected && is_item => {}
            Some(_) => break,
        }
        item_lines.push(index + 1);
    }
    item_lines
}

fn is_blank_or_comment(text: &str) -> bool {
    let text = text.trim();
    text.is_empty() || text.starts_with('#')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_items_at_either_indentation_and_stops_at_the_next_key() {
        let indented = "default: DENY\nrules:\n  # first\n  - principal: a\n    capabilities: [b]\n\n  - principal: c\n    capabilities:\n      - d\nother: 1\n";
        assert_eq!(rule_item_lines(indented), [4, 7]);
        let flush = "rules:\n- principal: a\n  capabilities: [b]\n- principal: c\ndefault: DENY\n";
        assert_eq!(rule_item_lines(flush), [2, 4]);
    }

    #[test]
    fn flow_style_or_no_rules_gives_no_lines() {
        assert!(rule_item_lines("rules: [{principal: a}]\n").is_empty());
        assert!(rule_item_lines("default: DENY\n").is_empty());
    }
}
