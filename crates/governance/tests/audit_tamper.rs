//! The audit chain against tampering: every single-byte change of a stored record,
//! every deletion, swap, forged insertion and truncation is caught at the record
//! where it was made, and an untouched chain verifies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use proptest::prelude::*;
use rtgsim_governance::audit::{
    AuditChain, AuditEntry, AuditRecord, BreakKind, ChainBreak, ChainHead, GENESIS_HASH,
    StoredLink, genesis_hash, verify,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The genesis of the chain under test: a run's, from its inputs and seed.
fn genesis() -> String {
    rtgsim_governance::audit::genesis_hash(&"3c".repeat(32), 3)
}

fn inputs(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// The gate's inputs with the given kill switch and budget signal, the rest healthy.
fn gate_inputs(kill_switch: bool, budget: &str) -> BTreeMap<String, Value> {
    inputs(&[
        ("kill_switch_active", json!(kill_switch)),
        ("budget_signal", json!(budget)),
        ("health_status", json!("HEALTHY")),
        (
            "risk_assessment",
            json!({"score_bps": 1200, "limit_bps": 5000, "flags": []}),
        ),
        ("available_liquidity_cents", json!(1_250_000)),
    ])
}

/// A gate decision about a payment.
fn gate(day: u32, tick: u32, tx: u32, decision: &str, reason: &str) -> AuditEntry {
    AuditEntry {
        day,
        tick,
        agent: Some(
            if tx.is_multiple_of(2) {
                "BANK_A"
            } else {
                "BANK_B"
            }
            .into(),
        ),
        tx: Some(format!("TX_{tx:06}")),
        kind: "gate".into(),
        inputs: gate_inputs(false, "OK"),
        decision: decision.into(),
        reason_code: reason.into(),
        ..AuditEntry::default()
    }
}

/// A day of governance: payments released, a budget hold, the kill switch tripping
/// and latching, an operator's reset, and RBAC refusing and escalating actions.
fn entries() -> Vec<AuditEntry> {
    let mut entries = Vec::new();
    for (tick, tx) in [(0, 1), (1, 2), (1, 3), (2, 4)] {
        entries.push(gate(0, tick, tx, "ALLOW", "ALLOW_ALL_GATES_PASSED"));
    }
    entries.push(AuditEntry {
        inputs: gate_inputs(false, "HARD_STOP"),
        blocking_gate: Some("budget".into()),
        rank: Some(2),
        ..gate(0, 3, 5, "HOLD", "HOLD_BUDGET_HARD_STOP")
    });
    entries.push(AuditEntry {
        inputs: gate_inputs(true, "OK"),
        blocking_gate: Some("kill_switch".into()),
        rank: Some(1),
        ..gate(0, 4, 6, "HALT", "HALT_KILL_SWITCH")
    });
    for (tick, tx) in [(5, 7), (6, 8), (7, 9)] {
        // The switch is off again, but the latch holds the halt.
        entries.push(AuditEntry {
            kind: "latch".into(),
            blocking_gate: Some("kill_switch".into()),
            rank: Some(1),
            latched: true,
            ..gate(0, tick, tx, "HALT", "HALT_KILL_SWITCH")
        });
    }
    entries.push(AuditEntry {
        day: 0,
        tick: 8,
        kind: "reset".into(),
        inputs: inputs(&[
            ("latched_since_tick", json!(4)),
            ("note", json!("switch tested, \"all clear\"\nline 2")),
        ]),
        decision: "RESET".into(),
        reason_code: "LATCH_RESET_BY_OPERATOR".into(),
        operator: Some("ops-zürich-01".into()),
        ..AuditEntry::default()
    });
    for (tick, tx) in [(8, 10), (9, 11)] {
        entries.push(gate(0, tick, tx, "ALLOW", "ALLOW_ALL_GATES_PASSED"));
    }
    entries.push(AuditEntry {
        day: 1,
        tick: 0,
        agent: Some("BANK_C".into()),
        kind: "rbac".into(),
        inputs: inputs(&[
            ("role", json!("viewer")),
            ("action", json!("raise_unsecured_cap")),
            ("amount_cents", json!(50_000_000)),
        ]),
        decision: "DENY".into(),
        reason_code: "RBAC_ROLE_NOT_PERMITTED".into(),
        operator: Some("analyst-7".into()),
        ..AuditEntry::default()
    });
    entries.push(AuditEntry {
        day: 1,
        tick: 1,
        agent: Some("BANK_C".into()),
        kind: "rbac".into(),
        inputs: inputs(&[
            ("role", json!("treasurer")),
            ("action", json!("raise_unsecured_cap")),
            ("amount_cents", json!(50_000_000)),
            ("approval_threshold_cents", json!(10_000_000)),
        ]),
        decision: "REQUIRE_APPROVAL".into(),
        reason_code: "RBAC_ABOVE_APPROVAL_THRESHOLD".into(),
        operator: Some("treasurer-2".into()),
        ..AuditEntry::default()
    });
    for (tick, tx) in [(2, 12), (3, 13), (3, 14), (4, 15), (5, 16)] {
        entries.push(gate(1, tick, tx, "ALLOW", "ALLOW_ALL_GATES_PASSED"));
    }
    let mut degraded = gate_inputs(false, "OK");
    degraded.insert("health_status".into(), json!("DEGRADED"));
    entries.push(AuditEntry {
        inputs: degraded,
        blocking_gate: Some("health".into()),
        rank: Some(3),
        ..gate(1, 6, 17, "HOLD", "HOLD_HEALTH_DEGRADED")
    });
    entries
}

/// The stored chain of [`entries`] and its head.
fn stored_chain() -> (Vec<StoredLink>, ChainHead) {
    let mut chain = AuditChain::new(&genesis());
    let links: Vec<StoredLink> = entries()
        .into_iter()
        .map(|entry| chain.append(entry).to_link())
        .collect();
    let head = ChainHead {
        count: chain.next_seq(),
        last_hash: chain.last_hash().to_string(),
    };
    (links, head)
}

/// The break `links` must have.
fn broken(links: &[StoredLink], head: &ChainHead) -> ChainBreak {
    match verify(links, &genesis(), Some(head)) {
        Ok(summary) => panic!("a tampered chain verified: {summary:?}"),
        Err(e) => e,
    }
}

/// `text` with byte `index` changed to another value (a byte that no longer makes
/// UTF-8 reads as U+FFFD, as a store reading it back would give it).
fn with_byte_changed(text: &str, index: usize) -> String {
    let mut bytes = text.as_bytes().to_vec();
    bytes[index] ^= 0x01;
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[test]
fn the_untouched_chain_verifies_and_reads_back() {
    let (links, head) = stored_chain();
    assert_eq!(links.len(), 20);
    let summary = verify(&links, &genesis(), Some(&head)).unwrap();
    assert_eq!((summary.count, &summary.last_hash), (20, &head.last_hash));
    assert_eq!(verify(&links, &genesis(), None).unwrap(), summary);

    let mut chain = AuditChain::new(&genesis());
    for (link, entry) in links.iter().zip(entries()) {
        assert_eq!(AuditRecord::from_link(link).unwrap(), chain.append(entry));
    }
    assert_eq!(
        verify(&[], &genesis(), Some(&ChainHead::empty(&genesis())))
            .unwrap()
            .last_hash,
        genesis()
    );
}

#[test]
fn a_whole_chain_of_another_run_breaks_at_record_0() {
    // The same decisions, sealed for a run of other inputs, another seed, or before
    // chains were bound (zeros): each verifies as its own chain, and none as this
    // run's, even with its own head.
    for other in [
        genesis_hash(&"3d".repeat(32), 3),
        genesis_hash(&"3c".repeat(32), 4),
        GENESIS_HASH.to_string(),
    ] {
        let mut chain = AuditChain::new(&other);
        let links: Vec<StoredLink> = entries()
            .into_iter()
            .map(|entry| chain.append(entry).to_link())
            .collect();
        let head = ChainHead {
            count: chain.next_seq(),
            last_hash: chain.last_hash().to_string(),
        };
        assert!(verify(&links, &other, Some(&head)).is_ok());
        assert_eq!(
            broken(&links, &head),
            ChainBreak {
                position: 0,
                seq: Some(0),
                kind: BreakKind::BrokenLink {
                    stored: other.clone(),
                    expected: genesis(),
                },
            }
        );
    }
}

#[test]
fn every_changed_byte_of_a_body_is_caught_at_its_record() {
    let (links, head) = stored_chain();
    for k in 0..links.len() {
        for index in 0..links[k].body.len() {
            let mut tampered = links.clone();
            tampered[k].body = with_byte_changed(&links[k].body, index);
            let found = broken(&tampered, &head);
            assert_eq!(
                (found.position, found.seq),
                (k as u64, Some(k as u64)),
                "byte {index} of record {k}: {found}"
            );
            assert!(
                matches!(found.kind, BreakKind::HashMismatch { .. }),
                "{found}"
            );
        }
    }
}

#[test]
fn every_changed_character_of_a_stored_hash_or_prev_hash_is_caught_at_its_record() {
    let (links, head) = stored_chain();
    for k in 0..links.len() {
        for index in 0..64 {
            let mut tampered = links.clone();
            tampered[k].hash = with_byte_changed(&links[k].hash, index);
            let found = broken(&tampered, &head);
            assert_eq!(found.position, k as u64, "{found}");
            assert!(
                matches!(found.kind, BreakKind::HashMismatch { .. }),
                "{found}"
            );

            let mut tampered = links.clone();
            tampered[k].prev_hash = with_byte_changed(&links[k].prev_hash, index);
            let found = broken(&tampered, &head);
            assert_eq!(found.position, k as u64, "{found}");
            assert!(
                matches!(
                    found.kind,
                    BreakKind::ColumnMismatch {
                        column: "prev_hash",
                        ..
                    }
                ),
                "{found}"
            );
        }
    }
}

#[test]
fn deleting_any_record_is_caught_where_it_was() {
    let (links, head) = stored_chain();
    let last = links.len() - 1;
    for k in 0..links.len() {
        let mut tampered = links.clone();
        tampered.remove(k);
        let found = broken(&tampered, &head);
        assert_eq!(found.position, k as u64, "{found}");
        let expected_kind = if k == last {
            BreakKind::Truncated {
                head_count: 20,
                stored_count: 19,
            }
        } else {
            BreakKind::SeqMissing {
                expected: k as u64,
                found: k as u64 + 1,
            }
        };
        assert_eq!(found.kind, expected_kind);
    }
}

#[test]
fn swapping_any_two_neighbours_is_caught_at_the_first() {
    let (links, head) = stored_chain();
    for k in 0..links.len() - 1 {
        let mut tampered = links.clone();
        tampered.swap(k, k + 1);
        let found = broken(&tampered, &head);
        assert_eq!(
            found,
            ChainBreak {
                position: k as u64,
                seq: Some(k as u64 + 1),
                kind: BreakKind::SeqOutOfOrder {
                    expected: k as u64,
                    found: k as u64 + 1,
                },
            }
        );
    }
}

#[test]
fn a_forged_record_inserted_anywhere_is_caught_where_it_joins_the_real_chain() {
    let (links, head) = stored_chain();
    for p in 0..=links.len() {
        // The best forgery: the seq of its place, linked to the record before it,
        // its own hash correct. It passes as itself; the record after it cannot.
        let prev_hash = if p == 0 {
            genesis()
        } else {
            links[p - 1].hash.clone()
        };
        let forged = AuditChain::resume(p as u64, prev_hash).append(gate(
            0,
            2,
            99,
            "ALLOW",
            "ALLOW_ALL_GATES_PASSED",
        ));
        let mut tampered = links.clone();
        tampered.insert(p, forged.to_link());
        let found = broken(&tampered, &head);
        if p < links.len() {
            assert_eq!(found.position, p as u64 + 1, "{found}");
            assert_eq!(found.kind, BreakKind::SeqRepeated { seq: p as u64 });
        } else {
            assert_eq!((found.position, found.seq), (20, Some(20)), "{found}");
            assert!(
                matches!(found.kind, BreakKind::BeyondHead { .. }),
                "{found}"
            );
        }
    }
}

#[test]
fn truncating_to_any_length_is_caught_by_the_head() {
    let (links, head) = stored_chain();
    for length in 0..links.len() {
        let found = broken(&links[..length], &head);
        assert_eq!(
            found,
            ChainBreak {
                position: length as u64,
                seq: None,
                kind: BreakKind::Truncated {
                    head_count: 20,
                    stored_count: length as u64,
                },
            }
        );
        assert!(
            verify(&links[..length], &genesis(), None).is_ok(),
            "without the head a shorter chain is consistent"
        );
    }
}

#[test]
fn a_tail_rewritten_with_fresh_hashes_is_caught_by_the_head() {
    let (links, head) = stored_chain();
    // Record 12 (the RBAC denial) rewritten as an allow, and every later record
    // re-sealed so that the links hold.
    let mut chain = AuditChain::resume(12, links[11].hash.clone());
    let mut tampered = links[..12].to_vec();
    for (seq, mut entry) in entries().into_iter().enumerate().skip(12) {
        if seq == 12 {
            entry.decision = "ALLOW".into();
        }
        tampered.push(chain.append(entry).to_link());
    }
    assert!(verify(&tampered, &genesis(), None).is_ok());
    let found = broken(&tampered, &head);
    assert_eq!((found.position, found.seq), (19, Some(19)));
    assert!(
        matches!(found.kind, BreakKind::HeadMismatch { .. }),
        "{found}"
    );
}

#[test]
fn a_body_resealed_in_another_encoding_or_disagreeing_with_its_row_is_caught() {
    let (links, head) = stored_chain();
    let reseal = |body: String| {
        let mut tampered = links.clone();
        tampered[7].hash = sha256_hex(&body);
        tampered[7].body = body;
        broken(&tampered, &head)
    };

    let spaced = reseal(links[7].body.replacen(',', ", ", 1));
    assert_eq!(spaced.position, 7);
    assert!(
        matches!(spaced.kind, BreakKind::NotCanonical { .. }),
        "{spaced}"
    );

    let other_seq = reseal(links[7].body.replacen("\"seq\":7", "\"seq\":8", 1));
    assert_eq!(other_seq.position, 7);
    assert!(
        matches!(
            other_seq.kind,
            BreakKind::ColumnMismatch { column: "seq", .. }
        ),
        "{other_seq}"
    );

    // Re-sealed contents pass as themselves; the next record's link gives it away.
    let resealed = reseal(links[7].body.replacen("HALT", "ALLOW", 1));
    assert_eq!((resealed.position, resealed.seq), (8, Some(8)));
    assert!(
        matches!(resealed.kind, BreakKind::BrokenLink { .. }),
        "{resealed}"
    );

    let not_json = reseal("HALT".into());
    assert!(
        matches!(not_json.kind, BreakKind::Unparseable { .. }),
        "{not_json}"
    );

    // A duplicated key: one reader takes the first, another the last.
    let twice = reseal(links[7].body.replacen('{', "{\"decision\":\"ALLOW\",", 1));
    assert_eq!(twice.position, 7, "{twice}");
}

#[test]
fn a_break_is_explained_for_a_person() {
    let (links, head) = stored_chain();
    let mut tampered = links.clone();
    tampered[17].body = tampered[17].body.replace("ALLOW", "DENY_");
    let message = broken(&tampered, &head).to_string();
    assert!(
        message.starts_with("record 17 (seq 17): hash does not match its contents (stored "),
        "{message}"
    );
    let stored_short: String = links[17].hash.chars().take(12).collect();
    assert!(
        message.contains(&format!("stored {stored_short}…, computed ")),
        "{message}"
    );

    assert_eq!(
        broken(&links[..15], &head).to_string(),
        "record 15: missing: the chain head says 20 records but 15 are stored (truncated)"
    );
    let mut without_4 = links.clone();
    without_4.remove(4);
    assert_eq!(
        broken(&without_4, &head).to_string(),
        "record 4 (seq 5): seq 5 where seq 4 belongs: the record(s) before it are missing"
    );
}

fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(".{0,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

prop_compose! {
    fn any_entry()(
        day in any::<u32>(),
        tick in any::<u32>(),
        agent in proptest::option::of(".{0,10}"),
        tx in proptest::option::of("TX_[0-9]{6}"),
        kind in "gate|latch|reset|rbac",
        inputs in prop::collection::btree_map(".{0,8}", json_value(), 0..5),
        decision in "ALLOW|HOLD|HALT|DENY|REQUIRE_APPROVAL|RESET",
        reason_code in "[A-Z_]{1,24}",
        blocking_gate in proptest::option::of("[a-z_]{1,12}"),
        rank in proptest::option::of(any::<u8>()),
        latched in any::<bool>(),
        operator in proptest::option::of(".{0,10}"),
    ) -> AuditEntry {
        AuditEntry {
            day, tick, agent, tx, kind, inputs, decision, reason_code, blocking_gate, rank,
            latched, operator,
        }
    }
}

proptest! {
    #[test]
    fn random_records_round_trip_and_verify(
        seed in any::<u64>(),
        entries in prop::collection::vec(any_entry(), 0..12),
    ) {
        let genesis = rtgsim_governance::audit::genesis_hash(&"3c".repeat(32), seed);
        let mut chain = AuditChain::new(&genesis);
        let records: Vec<AuditRecord> = entries.into_iter().map(|e| chain.append(e)).collect();
        let links: Vec<StoredLink> = records.iter().map(AuditRecord::to_link).collect();
        let head = ChainHead { count: chain.next_seq(), last_hash: chain.last_hash().to_string() };
        let summary = verify(&links, &genesis, Some(&head));
        prop_assert!(summary.is_ok(), "{:?}", summary);
        for (link, record) in links.iter().zip(&records) {
            prop_assert_eq!(&AuditRecord::from_link(link).unwrap(), record);
        }
    }
}
