//! Keeps the house as `docs/ARCHITECTURE.md` describes it:
//!
//! * every public module of every crate is named in that crate's section of
//!   `docs/ARCHITECTURE.md`;
//! * every crate doc says what the crate must not do;
//! * no source file is over 600 lines and no function over 100 lines, unless the
//!   allow-list below gives a reason; an allowance no longer needed fails too, so
//!   the list only shrinks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

const FILE_LINES_MAX: usize = 600;
const FUNCTION_LINES_MAX: usize = 100;

/// Files allowed over `FILE_LINES_MAX` lines, and why.
const LONG_FILES: &[(&str, &str)] = &[
    (
        "crates/core/src/event.rs",
        "the event schema is one table (every kind, each field with its key and how it is written), so that adding a kind is one edit",
    ),
    (
        "crates/policy-dsl/src/program.rs",
        "the compiler and the interpreter of one flat program share private opcodes; split, each half would need them public",
    ),
    (
        "crates/policy-dsl/src/parse.rs",
        "one recursive-descent parser over the document's JSON, a function per element kind",
    ),
    (
        "crates/policy-dsl/src/policy.rs",
        "TreePolicy's budgets, pacing and collateral schedules share one state that is saved and restored whole",
    ),
    (
        "crates/policy-convert/src/script.rs",
        "the converter's emitter: one writer threaded through every tree kind",
    ),
    (
        "crates/scenario/src/config/validate.rs",
        "the resolver: one function per scenario section, all writing to one problem list",
    ),
    (
        "crates/persistence/tests/store.rs",
        "the store's behaviour, one test per query, sharing a database fixture",
    ),
    (
        "crates/cli/tests/persistence.rs",
        "stored runs end to end through the real binary, sharing its helpers",
    ),
];

/// Functions allowed over `FUNCTION_LINES_MAX` lines (`path::name`), and why.
const LONG_FUNCTIONS: &[(&str, &str)] = &[
    (
        "crates/core/src/state/invariants.rs::check_places",
        "one pass over every payment, checking its place against both queues with the pass's tallies",
    ),
    (
        "crates/engine/tests/properties.rs::scenario",
        "one proptest strategy: the random scenario's parts are drawn together so shrinking keeps them consistent",
    ),
    (
        "crates/policy-convert/src/helpers.rs::source",
        "the text of the Starlark helpers, one arm per helper",
    ),
    (
        "crates/policy-convert/src/script.rs::payment_action",
        "one arm per tree action, each a few lines of emitted Starlark",
    ),
    (
        "crates/policy-dsl/src/parse.rs::compute",
        "one arm per computation operator, each checking its operand count",
    ),
    (
        "crates/report/src/metrics.rs::observe",
        "one arm per event kind: the figures each event changes",
    ),
    (
        "crates/report/tests/encoding.rs::cases",
        "test data: one hand-written line per event kind",
    ),
    (
        "crates/scenario/src/config/policies.rs::resolve_policy",
        "one arm per policy type, each resolving its own parameters",
    ),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every crate directory: `crates/*` and `xtask`.
fn crate_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(root().join("crates"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.join("Cargo.toml").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn relative(path: &Path) -> String {
    let root = fs::canonicalize(root()).unwrap();
    let path = fs::canonicalize(path).unwrap();
    path.strip_prefix(&root)
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/")
}

/// The `.rs` files under `dir`, recursively, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "target") {
                    pending.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn all_sources() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in crate_dirs() {
        for sub in ["src", "tests", "benches"] {
            files.extend(rust_files(&dir.join(sub)));
        }
    }
    for sub in ["src", "tests"] {
        files.extend(rust_files(&root().join("xtask").join(sub)));
    }
    files
}

/// The crate's section of ARCHITECTURE.md: from its `### \`crates/<dir>\`` heading
/// to the next heading.
fn section<'a>(architecture: &'a str, dir: &str) -> Option<&'a str> {
    let heading = format!("### `crates/{dir}`");
    let start = architecture.find(&heading)?;
    let rest = &architecture[start + heading.len()..];
    let end = rest.find("\n#").unwrap_or(rest.len());
    Some(&rest[..end])
}

#[test]
fn every_public_module_is_named_in_the_architecture() {
    let architecture = fs::read_to_string(root().join("docs/ARCHITECTURE.md")).unwrap();
    let mut missing = Vec::new();
    for dir in crate_dirs() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let Some(text) = section(&architecture, &name) else {
            missing.push(format!("crates/{name}: no section"));
            continue;
        };
        let lib = fs::read_to_string(dir.join("src/lib.rs")).unwrap_or_default();
        for line in lib.lines() {
            if let Some(module) = line
                .trim()
                .strip_prefix("pub mod ")
                .and_then(|rest| rest.strip_suffix(';'))
                && !text.contains(&format!("`{module}`"))
            {
                missing.push(format!("crates/{name}: `{module}`"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "docs/ARCHITECTURE.md does not name: {missing:#?}"
    );
}

#[test]
fn every_crate_doc_says_what_the_crate_must_not_do() {
    let mut silent = Vec::new();
    for dir in crate_dirs() {
        let lib = fs::read_to_string(dir.join("src/lib.rs")).unwrap_or_default();
        let doc: String = lib
            .lines()
            .take_while(|line| line.starts_with("//!") || line.trim().is_empty())
            .collect::<Vec<_>>()
            .join(" ")
            .replace("//!", " ");
        let doc = doc.split_whitespace().collect::<Vec<_>>().join(" ");
        if !doc.contains("must not") {
            silent.push(relative(&dir));
        }
    }
    assert!(
        silent.is_empty(),
        "crate docs without 'must not': {silent:?}"
    );
}

#[test]
fn no_file_is_too_long_without_a_reason() {
    let mut long = BTreeSet::new();
    for file in all_sources() {
        let lines = fs::read_to_string(&file).unwrap().lines().count();
        if lines > FILE_LINES_MAX {
            long.insert(relative(&file));
        }
    }
    check_allowances(
        &long,
        LONG_FILES,
        &format!("files over {FILE_LINES_MAX} lines"),
        "LONG_FILES",
    );
}

#[test]
fn no_function_is_too_long_without_a_reason() {
    let mut long = BTreeSet::new();
    for file in all_sources() {
        let text = fs::read_to_string(&file).unwrap();
        for (name, lines) in functions(&text) {
            if lines > FUNCTION_LINES_MAX {
                long.insert(format!("{}::{name}", relative(&file)));
            }
        }
    }
    check_allowances(
        &long,
        LONG_FUNCTIONS,
        &format!("functions over {FUNCTION_LINES_MAX} lines"),
        "LONG_FUNCTIONS",
    );
}

/// Everything `found` must be allowed, with a reason, and every allowance must
/// still be needed.
fn check_allowances(found: &BTreeSet<String>, allowances: &[(&str, &str)], what: &str, list: &str) {
    let allowed: BTreeSet<&str> = allowances.iter().map(|(name, _)| *name).collect();
    let unexplained: Vec<&String> = found
        .iter()
        .filter(|name| !allowed.contains(name.as_str()))
        .collect();
    let stale: Vec<&&str> = allowed
        .iter()
        .filter(|name| !found.contains(**name))
        .collect();
    assert!(
        unexplained.is_empty(),
        "{what}: {unexplained:#?} (split them, or add a reason to {list})"
    );
    assert!(
        stale.is_empty(),
        "{list} allows what is no longer long: {stale:?}"
    );
}

/// Each `fn` with a body, and its length in lines (from its `fn` line to its closing
/// brace). Braces inside strings, characters and comments are skipped; raw strings
/// are read as strings up to their closing quote and hashes.
fn functions(text: &str) -> Vec<(String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let Some(name) = fn_name(line) else {
            continue;
        };
        let mut scanner = Scanner::default();
        for (offset, line) in lines[start..].iter().enumerate() {
            match scanner.feed(line) {
                Scan::Closed => {
                    found.push((name.clone(), offset + 1));
                    break;
                }
                Scan::NoBody => break,
                Scan::Open => {}
            }
        }
    }
    found
}

/// The name of the function a line declares, if it does.
fn fn_name(line: &str) -> Option<String> {
    let trimmed = line.trim_start();
    if trimmed.starts_with("//") {
        return None;
    }
    let at = trimmed.find("fn ")?;
    let before = &trimmed[..at];
    let qualifiers_only = before.split_whitespace().all(|word| {
        matches!(
            word,
            "pub" | "const" | "async" | "unsafe" | "extern" | "default"
        ) || word.starts_with("pub(")
    });
    if !qualifiers_only {
        return None;
    }
    let name: String = trimmed[at + 3..]
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

#[derive(Debug, PartialEq)]
enum Scan {
    Open,
    Closed,
    /// A declaration without a body (`fn f();` in a trait).
    NoBody,
}

#[derive(Default)]
struct Scanner {
    depth: usize,
    opened: bool,
    in_string: bool,
    /// For a raw string, the number of `#`s that close it.
    raw_hashes: Option<usize>,
    in_block_comment: usize,
}

impl Scanner {
    fn feed(&mut self, line: &str) -> Scan {
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let next = chars.get(i + 1).copied();
            if self.in_block_comment > 0 {
                if c == '*' && next == Some('/') {
                    self.in_block_comment -= 1;
                    i += 1;
                } else if c == '/' && next == Some('*') {
                    self.in_block_comment += 1;
                    i += 1;
                }
            } else if self.in_string {
                match self.raw_hashes {
                    Some(hashes) => {
                        if c == '"'
                            && chars[i + 1..]
                                .iter()
                                .take(hashes)
                                .filter(|&&h| h == '#')
                                .count()
                                == hashes
                        {
                            self.in_string = false;
                            i += hashes;
                        }
                    }
                    None => {
                        if c == '\\' {
                            i += 1;
                        } else if c == '"' {
                            self.in_string = false;
                        }
                    }
                }
            } else if c == '/' && next == Some('/') {
                break;
            } else if c == '/' && next == Some('*') {
                self.in_block_comment += 1;
                i += 1;
            } else if c == 'r'
                && (next == Some('"') || next == Some('#'))
                && !is_ident(chars.get(i.wrapping_sub(1)).copied())
            {
                let hashes = chars[i + 1..].iter().take_while(|&&h| h == '#').count();
                if chars.get(i + 1 + hashes) == Some(&'"') {
                    self.in_string = true;
                    self.raw_hashes = Some(hashes);
                    i += 1 + hashes;
                }
            } else if c == '"' {
                self.in_string = true;
                self.raw_hashes = None;
            } else if c == '\'' {
                // A character literal ('{', '\'', '\u{7b}'); a lifetime has no closing quote.
                if let Some(end) = char_literal_end(&chars, i) {
                    i = end;
                }
            } else if c == '{' {
                self.depth += 1;
                self.opened = true;
            } else if c == '}' {
                self.depth = self.depth.saturating_sub(1);
                if self.opened && self.depth == 0 {
                    return Scan::Closed;
                }
            } else if c == ';' && !self.opened && self.depth == 0 {
                return Scan::NoBody;
            }
            i += 1;
        }
        Scan::Open
    }
}

fn is_ident(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// Where a character literal starting at `start` ends, if it is one.
fn char_literal_end(chars: &[char], start: usize) -> Option<usize> {
    if chars.get(start + 1) == Some(&'\\') {
        let close = chars[start + 2..].iter().position(|&c| c == '\'')?;
        return Some(start + 2 + close);
    }
    (chars.get(start + 2) == Some(&'\'')).then_some(start + 2)
}

#[test]
fn the_function_scanner_measures_what_it_should() {
    let text = "fn a() {\n    let s = \"}\";\n    let c = '}';\n    // }\n}\nfn b();\npub(crate) fn c() -> &'static str {\n    r#\"}\"#\n}\n";
    assert_eq!(
        functions(text),
        vec![("a".to_string(), 5), ("c".to_string(), 3)]
    );
}
