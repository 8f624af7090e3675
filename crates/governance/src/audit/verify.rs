//! Checking a stored chain: the records as a database holds them, and the head kept
//! apart from them. The first broken spot is reported, named so that a person can
//! find it: its position in the stored order and its seq.

use super::{AuditRecord, canonical_body, sha256_hex};
use thiserror::Error;

/// A record as a database row holds it: the columns a check needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLink {
    pub seq: u64,
    /// The body exactly as stored (see the module documentation of `audit`).
    pub body: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The chain's anchor, stored apart from the records and updated with them: without
/// it, records removed from the end (or re-hashed from some point on) would leave a
/// shorter chain that is still consistent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    /// How many records the chain has.
    pub count: u64,
    /// The last record's hash (the chain's genesis when there is none).
    pub last_hash: String,
}

impl ChainHead {
    /// The head of a chain from `genesis` with no record.
    pub fn empty(genesis: &str) -> ChainHead {
        ChainHead {
            count: 0,
            last_hash: genesis.to_string(),
        }
    }
}

/// What a chain that verifies amounts to: the head it should have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainSummary {
    pub count: u64,
    pub last_hash: String,
}

/// The first place where a stored chain is not what was written.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("record {position}{}: {kind}", seq.map(|s| format!(" (seq {s})")).unwrap_or_default())]
pub struct ChainBreak {
    /// Position in the stored order, from 0 (for a truncated chain, the first
    /// position missing).
    pub position: u64,
    /// The seq the stored record at `position` carries; `None` when no record is
    /// there.
    pub seq: Option<u64>,
    pub kind: BreakKind,
}

/// How a chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BreakKind {
    #[error("seq {found} where seq {expected} belongs: the record(s) before it are missing")]
    SeqMissing { expected: u64, found: u64 },
    #[error("seq {found} where seq {expected} belongs: records are out of order")]
    SeqOutOfOrder { expected: u64, found: u64 },
    #[error("seq {seq} again, as the record before it: a record was inserted or duplicated")]
    SeqRepeated { seq: u64 },
    #[error(
        "hash does not match its contents ({})",
        pair("stored", stored, "computed", computed)
    )]
    HashMismatch { stored: String, computed: String },
    #[error("its body is not a valid audit record: {detail}")]
    Unparseable { detail: String },
    #[error("its {column} column says {row} but its body says {body}")]
    ColumnMismatch {
        column: &'static str,
        row: String,
        body: String,
    },
    #[error("its body is not in the canonical encoding (it would be {canonical})")]
    NotCanonical { canonical: String },
    #[error(
        "prev_hash is not the hash of the record before it (for record 0: the run's genesis, from its inputs and seed) ({})",
        pair("stored", stored, "expected", expected)
    )]
    BrokenLink { stored: String, expected: String },
    #[error(
        "missing: the chain head says {head_count} records but {stored_count} are stored (truncated)"
    )]
    Truncated { head_count: u64, stored_count: u64 },
    #[error(
        "beyond the head: the chain head says {head_count} records but {stored_count} are stored"
    )]
    BeyondHead { head_count: u64, stored_count: u64 },
    #[error(
        "the chain ends here but its head names another last hash ({})",
        pair("head", head, "stored", stored)
    )]
    HeadMismatch { head: String, stored: String },
}

/// Checks `links` (in stored order) as one chain from `genesis` (the run's, see
/// [`super::genesis_hash`]), and against `head` when given. Without a head, records
/// missing from the end cannot be seen.
pub fn verify(
    links: &[StoredLink],
    genesis: &str,
    head: Option<&ChainHead>,
) -> Result<ChainSummary, ChainBreak> {
    let mut prev_hash = genesis;
    for (position, link) in links.iter().enumerate() {
        check_link(links, position, prev_hash).map_err(|kind| ChainBreak {
            position: position as u64,
            seq: Some(link.seq),
            kind,
        })?;
        prev_hash = &link.hash;
    }
    let summary = ChainSummary {
        count: links.len() as u64,
        last_hash: prev_hash.to_string(),
    };
    if let Some(head) = head {
        check_head(links, &summary, head)?;
    }
    Ok(summary)
}

/// Checks the record at `position`, given the hash it must link to. Its place in the
/// sequence first (so a deleted record reads as missing, not as a broken link), then
/// its own integrity, then its link.
fn check_link(links: &[StoredLink], position: usize, prev_hash: &str) -> Result<(), BreakKind> {
    let link = &links[position];
    let expected = position as u64;
    if link.seq != expected {
        return Err(misplaced(links, position));
    }
    let computed = sha256_hex(link.body.as_bytes());
    if computed != link.hash {
        return Err(BreakKind::HashMismatch {
            stored: link.hash.clone(),
            computed,
        });
    }
    let record: AuditRecord =
        serde_json::from_str(&link.body).map_err(|e| BreakKind::Unparseable {
            detail: e.to_string(),
        })?;
    if record.seq != link.seq {
        return Err(BreakKind::ColumnMismatch {
            column: "seq",
            row: link.seq.to_string(),
            body: record.seq.to_string(),
        });
    }
    if record.prev_hash != link.prev_hash {
        return Err(BreakKind::ColumnMismatch {
            column: "prev_hash",
            row: link.prev_hash.clone(),
            body: record.prev_hash,
        });
    }
    // A body that parses to the same record but is other bytes (duplicate keys,
    // spacing) was not written by this code: what it means depends on the reader.
    let canonical = canonical_body(&record);
    if canonical != link.body {
        return Err(BreakKind::NotCanonical { canonical });
    }
    if link.prev_hash != prev_hash {
        return Err(BreakKind::BrokenLink {
            stored: link.prev_hash.clone(),
            expected: prev_hash.to_string(),
        });
    }
    Ok(())
}

/// Why the record at `position` does not carry the seq `position`.
fn misplaced(links: &[StoredLink], position: usize) -> BreakKind {
    let expected = position as u64;
    let found = links[position].seq;
    if position > 0 && links[position - 1].seq == found {
        BreakKind::SeqRepeated { seq: found }
    } else if found < expected || links[position + 1..].iter().any(|l| l.seq == expected) {
        BreakKind::SeqOutOfOrder { expected, found }
    } else {
        BreakKind::SeqMissing { expected, found }
    }
}

/// Checks a chain that is consistent in itself against its separately kept head.
fn check_head(
    links: &[StoredLink],
    summary: &ChainSummary,
    head: &ChainHead,
) -> Result<(), ChainBreak> {
    let stored_count = summary.count;
    if stored_count < head.count {
        return Err(ChainBreak {
            position: stored_count,
            seq: None,
            kind: BreakKind::Truncated {
                head_count: head.count,
                stored_count,
            },
        });
    }
    if stored_count > head.count {
        let first_extra = head.count as usize;
        return Err(ChainBreak {
            position: head.count,
            seq: links.get(first_extra).map(|l| l.seq),
            kind: BreakKind::BeyondHead {
                head_count: head.count,
                stored_count,
            },
        });
    }
    if summary.last_hash != head.last_hash {
        let last = links.len().checked_sub(1);
        return Err(ChainBreak {
            position: last.map_or(0, |p| p as u64),
            seq: last.map(|p| links[p].seq),
            kind: BreakKind::HeadMismatch {
                head: head.last_hash.clone(),
                stored: summary.last_hash.clone(),
            },
        });
    }
    Ok(())
}

/// Two hashes for a message: abbreviated when the abbreviations tell them apart.
fn pair(first_name: &str, first: &str, second_name: &str, second: &str) -> String {
    const SHOWN: usize = 12;
    let short = |hash: &str| -> String {
        if hash.chars().count() > SHOWN {
            hash.chars().take(SHOWN).collect::<String>() + "…"
        } else {
            hash.to_string()
        }
    };
    let (a, b) = if short(first) == short(second) {
        (first.to_string(), second.to_string())
    } else {
        (short(first), short(second))
    };
    format!("{first_name} {a}, {second_name} {b}")
}
