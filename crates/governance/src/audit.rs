//! The audit trail: every governance decision as a record in a SHA-256 hash chain,
//! so that altering, deleting, inserting or reordering a stored record is detected.
//!
//! A record says which decision was taken about what, when (simulated time: day
//! and tick; never the wall clock), on which inputs, and why: the decision, its
//! reason code, the gate that blocked it and that gate's precedence rank, whether a
//! latch held it, and the operator who acted, if any.
//!
//! # The hashing scheme
//!
//! Each record has a *body*: the record without its `hash`, as compact JSON (no
//! whitespace, UTF-8, strings escaped as `serde_json` escapes them) whose object
//! keys are sorted by their bytes at every level. Every key is always present, an
//! absent value being `null`. The keys are:
//!
//! `agent` (string or null), `blocking_gate` (string or null), `day` (integer),
//! `decision` (string), `inputs` (object), `kind` (string), `latched` (boolean),
//! `operator` (string or null), `prev_hash` (string), `rank` (integer or null),
//! `reason_code` (string), `seq` (integer), `tick` (integer), `tx` (string or
//! null). (Chains written before runs were bound to their chain also have `run`,
//! always 0; they read and verify as written.)
//!
//! A record's `hash` is the SHA-256 of its body's bytes, as 64 lowercase hex digits.
//! `seq` counts records from 0 with no gap; `prev_hash` is the previous record's
//! hash, and for record 0 the run's *genesis* ([`genesis_hash`]): the SHA-256 of
//!
//! ```text
//! rtgsim audit genesis\n
//! inputs <the run's inputs fingerprint, 64 hex digits>\n
//! seed <the seed, decimal>\n
//! ```
//!
//! where the inputs fingerprint is the SHA-256 of the scenario and the policy files
//! it read (see `rtgsim_scenario::inputs_fingerprint`). The genesis binds the chain
//! to its run without naming where the run is stored, so the event log, which
//! carries the records, is the same with or without a database: a chain of another
//! scenario, other policy texts or another seed breaks at record 0. (Chains written
//! before the genesis was bound start from 64 zeros, [`GENESIS_HASH`].) Because the
//! body holds `prev_hash`, each hash covers every record before it: a change
//! anywhere shows at that record, and re-hashing the records after it to hide the
//! change shows at the chain head, the `(count, last hash)` pair kept apart from
//! the records (see [`ChainHead`]).
//!
//! The body is stored as written, so a verifier hashes the stored text and never
//! re-encodes it. A third party can check a chain with a few lines of Python
//! (`rows` being `(seq, body, prev_hash, hash)` in seq order):
//!
//! ```text
//! import hashlib, json
//! prev = hashlib.sha256(f"rtgsim audit genesis\ninputs {inputs_sha256}\nseed {seed}\n"
//!                       .encode()).hexdigest()
//! for position, (seq, body, prev_hash, hash) in enumerate(rows):
//!     fields = json.loads(body)
//!     assert seq == position == fields["seq"]
//!     assert prev_hash == fields["prev_hash"] == prev
//!     assert hashlib.sha256(body.encode("utf-8")).hexdigest() == hash
//!     prev = hash
//! assert (len(rows), prev) == (head_count, head_hash)
//! ```
//!
//! For bodies whose inputs hold no floating-point numbers, the body is also what
//! Python's `json.dumps(fields, sort_keys=True, separators=(",", ":"),
//! ensure_ascii=False)` gives.

mod verify;

pub use verify::{BreakKind, ChainBreak, ChainHead, ChainSummary, StoredLink, verify};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The `prev_hash` of record 0 in chains written before chains were bound to their
/// run (see [`genesis_hash`]), and of chains with no run to bind to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The `prev_hash` of record 0 of a run's chain: derived from the run's inputs
/// fingerprint (scenario and policy texts) and seed, so that a chain is bound to
/// the run that wrote it whether or not, and wherever, the run is stored.
pub fn genesis_hash(inputs_sha256: &str, seed: u64) -> String {
    sha256_hex(format!("rtgsim audit genesis\ninputs {inputs_sha256}\nseed {seed}\n").as_bytes())
}

/// The `prev_hash` of record 0 of a database's policy registry chain (the
/// lifecycle of policy versions: added, deployed, approved, rolled back, ...): the
/// SHA-256 of `rtgsim audit genesis\npolicy registry\n`. A run's genesis is the
/// SHA-256 of a text whose second line starts `inputs `, so the registry's chain
/// cannot be read as a run's, nor a run's as the registry's. Registry records have
/// `kind` `registry` and day and tick 0: the registry lives outside simulated time.
pub fn registry_genesis_hash() -> String {
    sha256_hex(b"rtgsim audit genesis\npolicy registry\n")
}

/// A decision as the governance layer reports it: everything a record holds except
/// what the chain adds (`seq`, `prev_hash` and `hash`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditEntry {
    /// Simulated time of the decision: the record's timestamp.
    pub day: u32,
    pub tick: u32,
    /// The agent the decision is about, if any.
    pub agent: Option<String>,
    /// The payment the decision is about, if any.
    pub tx: Option<String>,
    /// What was decided on: `gate`, `latch`, `reset`, `rbac`, ...
    pub kind: String,
    /// The inputs the decision used, as they were at the time.
    pub inputs: BTreeMap<String, Value>,
    /// `ALLOW`, `HOLD`, `HALT`, `DENY`, `REQUIRE_APPROVAL`, `RESET`, ...
    pub decision: String,
    /// Why, as a stable code: `ALLOW_ALL_GATES_PASSED`, `HALT_KILL_SWITCH`, ...
    pub reason_code: String,
    /// The gate that blocked, when one did.
    pub blocking_gate: Option<String>,
    /// The blocking gate's precedence rank (1 is evaluated first).
    pub rank: Option<u8>,
    /// Whether a latch, not the current inputs, held the decision.
    pub latched: bool,
    /// The operator who acted (a latch reset, an approval), if any.
    pub operator: Option<String>,
}

/// One link of the chain. Its serde form without `hash` is its body (see the
/// module documentation); field order here does not matter, the encoding sorts keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditRecord {
    pub seq: u64,
    /// Only in chains written before chains were bound to their run (always 0
    /// there); `None`, and absent from the body, in every chain written since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<i64>,
    pub day: u32,
    pub tick: u32,
    pub agent: Option<String>,
    pub tx: Option<String>,
    pub kind: String,
    pub inputs: BTreeMap<String, Value>,
    pub decision: String,
    pub reason_code: String,
    pub blocking_gate: Option<String>,
    pub rank: Option<u8>,
    pub latched: bool,
    pub operator: Option<String>,
    /// The previous record's hash (the chain's genesis for record 0).
    pub prev_hash: String,
    /// SHA-256 of the body, lowercase hex. Not part of the body.
    #[serde(skip)]
    pub hash: String,
}

impl AuditRecord {
    /// The canonical body: what is hashed and stored.
    pub fn body(&self) -> String {
        canonical_body(self)
    }

    /// The record as a database row holds it.
    pub fn to_link(&self) -> StoredLink {
        StoredLink {
            seq: self.seq,
            body: self.body(),
            prev_hash: self.prev_hash.clone(),
            hash: self.hash.clone(),
        }
    }

    /// Reads a stored record back. This parses; it does not verify (see [`verify`]).
    pub fn from_link(link: &StoredLink) -> Result<AuditRecord, serde_json::Error> {
        let mut record: AuditRecord = serde_json::from_str(&link.body)?;
        record.hash.clone_from(&link.hash);
        Ok(record)
    }
}

/// Appends records to one run's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditChain {
    next_seq: u64,
    prev_hash: String,
}

impl AuditChain {
    /// A new, empty chain starting from `genesis` (see [`genesis_hash`]).
    pub fn new(genesis: &str) -> AuditChain {
        AuditChain::resume(0, genesis.to_string())
    }

    /// Continues a chain after its stored records (a resumed run): `next_seq` is how
    /// many there are, `prev_hash` the last one's hash.
    pub fn resume(next_seq: u64, prev_hash: String) -> AuditChain {
        AuditChain {
            next_seq,
            prev_hash,
        }
    }

    /// Seals `entry` as the next record of the chain.
    pub fn append(&mut self, entry: AuditEntry) -> AuditRecord {
        let AuditEntry {
            day,
            tick,
            agent,
            tx,
            kind,
            inputs,
            decision,
            reason_code,
            blocking_gate,
            rank,
            latched,
            operator,
        } = entry;
        let mut record = AuditRecord {
            seq: self.next_seq,
            run: None,
            day,
            tick,
            agent,
            tx,
            kind,
            inputs,
            decision,
            reason_code,
            blocking_gate,
            rank,
            latched,
            operator,
            prev_hash: self.prev_hash.clone(),
            hash: String::new(),
        };
        record.hash = sha256_hex(record.body().as_bytes());
        self.next_seq += 1;
        self.prev_hash.clone_from(&record.hash);
        record
    }

    /// The seq the next record gets: how many records the chain has.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The last record's hash (the genesis while the chain is empty).
    pub fn last_hash(&self) -> &str {
        &self.prev_hash
    }
}

/// The body of `record`: compact JSON, keys sorted at every level.
fn canonical_body(record: &AuditRecord) -> String {
    // Serialising a struct of strings, integers, booleans and JSON values cannot
    // fail; `Null` would only ever show up as a body that does not verify.
    let value = serde_json::to_value(record).unwrap_or(Value::Null);
    sorted(value).to_string()
}

/// `value` with every object's keys in byte order. Rebuilding each map in sorted
/// order gives sorted output whether or not `serde_json` preserves insertion order
/// (its `preserve_order` feature may be switched on by any crate in the build).
pub fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let by_key: BTreeMap<String, Value> = map.into_iter().collect();
            Value::Object(by_key.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    use std::fmt::Write;
    let mut out = String::with_capacity(64);
    for byte in Sha256::digest(bytes).iter() {
        // Writing to a String cannot fail.
        let _ = write!(out, "{byte:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry() -> AuditEntry {
        AuditEntry {
            day: 1,
            tick: 42,
            agent: Some("BANK_A".into()),
            kind: "gate".into(),
            inputs: [("kill_switch_active".to_string(), json!(true))].into(),
            decision: "HALT".into(),
            reason_code: "HALT_KILL_SWITCH".into(),
            blocking_gate: Some("kill_switch".into()),
            rank: Some(1),
            ..AuditEntry::default()
        }
    }

    fn genesis() -> String {
        genesis_hash(&"ab".repeat(32), 7)
    }

    #[test]
    fn the_genesis_is_the_sha256_of_the_documented_text() {
        // sha256 of "rtgsim audit genesis\ninputs abab...ab\nseed 7\n", by `sha256sum`.
        assert_eq!(
            genesis(),
            sha256_hex(
                format!("rtgsim audit genesis\ninputs {}\nseed 7\n", "ab".repeat(32)).as_bytes()
            )
        );
        assert_ne!(
            genesis(),
            genesis_hash(&"ab".repeat(32), 8),
            "the seed counts"
        );
        assert_ne!(
            genesis(),
            genesis_hash(&"ac".repeat(32), 7),
            "the inputs count"
        );
    }

    #[test]
    fn the_registry_genesis_is_the_sha256_of_its_documented_text() {
        // `printf 'rtgsim audit genesis\npolicy registry\n' | sha256sum`
        assert_eq!(
            registry_genesis_hash(),
            "9d305469bdf72a1b1117e281978b55466cd34c80d1bceabfe3eb7e130ac9032b"
        );
    }

    #[test]
    fn the_body_is_compact_json_with_sorted_keys_and_every_field() {
        let record = AuditChain::new(&genesis()).append(entry());
        assert_eq!(
            record.body(),
            r#"{"agent":"BANK_A","blocking_gate":"kill_switch","day":1,"decision":"HALT","#
                .to_owned()
                + r#""inputs":{"kill_switch_active":true},"kind":"gate","latched":false,"#
                + r#""operator":null,"prev_hash":""#
                + &genesis()
                + r#"","rank":1,"reason_code":"HALT_KILL_SWITCH","seq":0,"tick":42,"tx":null}"#
        );
        assert_eq!(record.hash, sha256_hex(record.body().as_bytes()));
    }

    #[test]
    fn nested_inputs_are_sorted_whatever_order_they_were_built_in() {
        let mut map = serde_json::Map::new();
        map.insert("zeta".into(), json!(1));
        map.insert("alpha".into(), json!([{"b": 1, "a": 2}]));
        let mut with_nested = entry();
        with_nested.inputs.insert("risk".into(), Value::Object(map));
        let body = AuditChain::new(&genesis()).append(with_nested).body();
        assert!(
            body.contains(r#""risk":{"alpha":[{"a":2,"b":1}],"zeta":1}"#),
            "{body}"
        );
    }

    #[test]
    fn each_record_links_to_the_previous_one_and_a_resumed_chain_continues_it() {
        let mut chain = AuditChain::new(&genesis());
        let first = chain.append(entry());
        let second = chain.append(entry());
        assert_eq!((first.seq, second.seq), (0, 1));
        assert_eq!(second.prev_hash, first.hash);
        assert_ne!(first.hash, second.hash, "the seq and the link differ");

        assert_eq!(first.prev_hash, genesis());
        let mut resumed = AuditChain::resume(1, first.hash.clone());
        assert_eq!(resumed.append(entry()), second);
        assert_eq!(
            (chain.next_seq(), chain.last_hash()),
            (2, second.hash.as_str())
        );
    }

    #[test]
    fn a_stored_record_reads_back_as_written() {
        let record = AuditChain::new(&genesis()).append(entry());
        assert_eq!(AuditRecord::from_link(&record.to_link()).ok(), Some(record));
    }

    #[test]
    fn a_record_written_before_chains_were_bound_reads_back_as_written() {
        let mut record = AuditChain::new(GENESIS_HASH).append(entry());
        record.run = Some(0);
        let body = record.body();
        assert!(body.contains(r#""run":0,"#), "{body}");
        assert_eq!(AuditRecord::from_link(&record.to_link()).ok(), Some(record));
    }
}
