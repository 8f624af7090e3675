//! The event log as JSON lines, and its hash.
//!
//! Each event becomes one line of JSON with a fixed key order (`tick`, `kind`, then
//! the event's fields); agents appear by name, payments by number. The run's
//! `event_log_hash` is the SHA-256 of exactly these bytes, so `sha256sum` of an
//! `--events` file reproduces it. The log also feeds the metrics: every figure in a
//! run's summary is derived from the events.

use crate::metrics::Metrics;
use rtgsim_core::event::{Event, EventSink, FieldWriter};
use rtgsim_core::{AgentId, Tick, TxId};
use sha2::{Digest, Sha256};
use std::io::{self, Write};

/// Records events: encodes, hashes, optionally writes them, and keeps the metrics.
pub struct EventLog<'w> {
    names: Vec<String>,
    line: Vec<u8>,
    hasher: Sha256,
    events: u64,
    out: Option<&'w mut dyn Write>,
    write_error: Option<io::Error>,
    metrics: Metrics,
    observers: Vec<&'w mut dyn EventObserver>,
}

impl std::fmt::Debug for EventLog<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventLog")
            .field("events", &self.events)
            .finish_non_exhaustive()
    }
}

/// Where a log is, for a checkpoint: the hash of the lines so far (SHA-256's running
/// state), how many there were, and the metrics. A log resumed from it hashes and
/// counts on as if it had never stopped.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LogCheckpoint {
    hasher: Vec<u8>,
    events: u64,
    metrics: Metrics,
}

impl LogCheckpoint {
    pub fn events(&self) -> u64 {
        self.events
    }

    /// The SHA-256 (lowercase hex) of the log's lines up to the checkpoint: what the
    /// first [`events`](Self::events) lines of a stored log must hash to. `None` when
    /// the saved hash state is not one (a damaged checkpoint).
    pub fn prefix_sha256(&self) -> Option<String> {
        use sha2::digest::common::hazmat::{SerializableState, SerializedState};
        let state = SerializedState::<Sha256>::try_from(self.hasher.as_slice()).ok()?;
        let hasher = Sha256::deserialize(&state).ok()?;
        Some(hex(&hasher.finalize()))
    }
}

/// Sees every event with its line, as recorded (the database recorder, the HTML
/// report's series).
pub trait EventObserver {
    /// `seq` counts from 0 over the run; `line` ends with its newline.
    fn on_event(&mut self, seq: u64, event: &Event, line: &[u8]);
}

/// What a finished log yields.
#[derive(Debug, Clone)]
pub struct LogSummary {
    /// SHA-256 of the JSON-lines log, lowercase hex.
    pub hash: String,
    pub events: u64,
    pub metrics: Metrics,
}

impl<'w> EventLog<'w> {
    /// A log for agents with these names (in id order); lines go to `out` if given.
    pub fn new(names: Vec<String>, out: Option<&'w mut dyn Write>) -> Self {
        let metrics = Metrics::new(names.len());
        EventLog {
            names,
            line: Vec::with_capacity(256),
            hasher: Sha256::new(),
            events: 0,
            out,
            write_error: None,
            metrics,
            observers: Vec::new(),
        }
    }

    /// A log that carries on from `checkpoint`.
    pub fn resume(
        names: Vec<String>,
        out: Option<&'w mut dyn Write>,
        checkpoint: LogCheckpoint,
    ) -> Result<Self, String> {
        use sha2::digest::common::hazmat::{SerializableState, SerializedState};
        let state = SerializedState::<Sha256>::try_from(checkpoint.hasher.as_slice())
            .map_err(|_| "the event-log hash state has the wrong length".to_string())?;
        let hasher = Sha256::deserialize(&state)
            .map_err(|_| "the event-log hash state is not valid".to_string())?;
        if checkpoint.metrics.agents().len() != names.len() {
            return Err("the checkpoint's metrics are for another set of agents".into());
        }
        let mut log = EventLog::new(names, out);
        log.hasher = hasher;
        log.events = checkpoint.events;
        log.metrics = checkpoint.metrics;
        Ok(log)
    }

    /// Where the log is now.
    pub fn checkpoint(&self) -> LogCheckpoint {
        use sha2::digest::common::hazmat::SerializableState;
        LogCheckpoint {
            hasher: self.hasher.serialize().as_slice().to_vec(),
            events: self.events,
            metrics: self.metrics.clone(),
        }
    }

    /// Shows every event to `observer` from now on (after the observers added
    /// before it).
    pub fn observe_with(&mut self, observer: &'w mut dyn EventObserver) {
        self.observers.push(observer);
    }

    /// Events recorded so far.
    pub fn len(&self) -> u64 {
        self.events
    }

    pub fn is_empty(&self) -> bool {
        self.events == 0
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Ends the log: flushes the output and returns the hash and metrics, or the
    /// first error writing the output.
    pub fn finish(mut self) -> io::Result<LogSummary> {
        if let Some(error) = self.write_error.take() {
            return Err(error);
        }
        if let Some(out) = self.out.as_mut() {
            out.flush()?;
        }
        Ok(LogSummary {
            hash: hex(&self.hasher.finalize()),
            events: self.events,
            metrics: self.metrics,
        })
    }
}

impl EventSink for EventLog<'_> {
    fn record(&mut self, event: Event) {
        self.line.clear();
        encode(&event, &self.names, &mut self.line);
        self.hasher.update(&self.line);
        if let (Some(out), None) = (self.out.as_mut(), &self.write_error)
            && let Err(error) = out.write_all(&self.line)
        {
            self.write_error = Some(error);
        }
        for observer in &mut self.observers {
            observer.on_event(self.events, &event, &self.line);
        }
        self.events += 1;
        self.metrics.observe(&event);
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// Writes one event as a line of JSON (with the newline): `tick`, `kind`, then the
/// fields in the order the event schema (`rtgsim_core::event`) declares them.
#[inline]
pub fn encode(event: &Event, names: &[String], buf: &mut Vec<u8>) {
    buf.extend_from_slice(b"{\"tick\":");
    buf.extend_from_slice(itoa::Buffer::new().format(event.tick()).as_bytes());
    let mut line = Line { buf, names };
    line.raw_str("kind", event.kind());
    event.write_fields(&mut line);
    line.buf.extend_from_slice(b"}\n");
}

/// A JSON object being written, one key at a time, in the order called.
struct Line<'b> {
    buf: &'b mut Vec<u8>,
    /// Agents are written by name.
    names: &'b [String],
}

impl Line<'_> {
    #[inline]
    fn key(&mut self, key: &str) {
        self.buf.extend_from_slice(b",\"");
        self.buf.extend_from_slice(key.as_bytes());
        self.buf.extend_from_slice(b"\":");
    }

    #[inline]
    fn number(&mut self, key: &str, value: i64) {
        self.key(key);
        self.buf
            .extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
    }
}

impl FieldWriter for Line<'_> {
    // The tick is written first, before the kind.
    #[inline]
    fn tick(&mut self, _key: &'static str, _tick: &Tick) {}

    #[inline]
    fn agent(&mut self, key: &'static str, agent: &AgentId) {
        let names = self.names;
        match names.get(agent.index()) {
            Some(name) => self.raw_str(key, name),
            None => self.number(key, i64::from(agent.0)),
        }
    }

    #[inline]
    fn tx(&mut self, key: &'static str, tx: &TxId) {
        self.number(key, i64::from(tx.0));
    }

    #[inline]
    fn int<I: Copy + Into<i64>>(&mut self, key: &'static str, value: &I) {
        self.number(key, (*value).into());
    }

    #[inline]
    fn boolean(&mut self, key: &'static str, value: &bool) {
        self.key(key);
        self.buf
            .extend_from_slice(if *value { b"true" } else { b"false" });
    }

    /// Any text, escaped.
    fn text(&mut self, key: &'static str, text: &str) {
        self.key(key);
        // Writing a string into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *self.buf, text);
    }

    /// A string known to need no escaping (fixed names; agent ids are restricted to
    /// letters, digits, `_`, `-` and `.`).
    #[inline]
    fn raw_str(&mut self, key: &'static str, name: &str) {
        self.key(key);
        self.buf.push(b'"');
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.push(b'"');
    }

    /// Text that is already one JSON value (an audit record's canonical body).
    fn json(&mut self, key: &'static str, json: &str) {
        self.key(key);
        self.buf.extend_from_slice(json.as_bytes());
    }

    fn int_list(&mut self, key: &'static str, values: &mut dyn Iterator<Item = i64>) {
        self.key(key);
        self.buf.push(b'[');
        for (i, value) in values.enumerate() {
            if i > 0 {
                self.buf.push(b',');
            }
            self.buf
                .extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
        }
        self.buf.push(b']');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtgsim_core::event::{PolicyCall, PolicyFailure, SettleRoute};

    fn line(event: Event) -> String {
        let mut buf = Vec::new();
        encode(&event, &["A".to_string(), "B".to_string()], &mut buf);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn settled_event_line() {
        let text = line(Event::Settled {
            tick: 7,
            tx: TxId(3),
            sender: AgentId(0),
            receiver: AgentId(1),
            amount: 1500,
            route: SettleRoute::Queue,
        });
        assert_eq!(
            text,
            "{\"tick\":7,\"kind\":\"settled\",\"tx\":3,\"from\":\"A\",\"to\":\"B\",\"amount\":1500,\"route\":\"queue\"}\n"
        );
    }

    #[test]
    fn messages_are_escaped_and_every_line_is_json() {
        let text = line(Event::PolicyError {
            tick: 1,
            agent: AgentId(1),
            call: PolicyCall::EvaluateQueue,
            failure: Box::new(PolicyFailure::Policy("bad \"quote\"\nnext".into())),
        });
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["message"], "bad \"quote\"\nnext");
        assert_eq!(value["agent"], "B");
    }

    #[test]
    fn split_lists_parts_and_amounts() {
        let text = line(Event::Split {
            tick: 2,
            agent: AgentId(0),
            tx: TxId(1),
            parts: vec![(TxId(4), 50), (TxId(5), 49)],
            friction_cost: 10,
            source: Some("A_SPLIT".into()),
        });
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["parts"], serde_json::json!([4, 5]));
        assert_eq!(value["amounts"], serde_json::json!([50, 49]));
        assert_eq!(value["source"], "A_SPLIT");
    }

    #[test]
    fn hash_is_sha256_of_the_lines() {
        let mut out: Vec<u8> = Vec::new();
        let mut log = EventLog::new(vec!["A".into(), "B".into()], Some(&mut out));
        log.record(Event::DayEnded { tick: 9, day: 0 });
        let summary = log.finish().unwrap();
        assert_eq!(out, b"{\"tick\":9,\"kind\":\"day_ended\",\"day\":0}\n");
        let expected = hex(&Sha256::digest(&out));
        assert_eq!(summary.hash, expected);
        assert_eq!(summary.events, 1);
    }

    #[test]
    fn a_checkpoint_knows_the_hash_of_the_lines_before_it() {
        let mut out: Vec<u8> = Vec::new();
        let mut log = EventLog::new(vec!["A".into(), "B".into()], Some(&mut out));
        log.record(Event::DayEnded { tick: 9, day: 0 });
        log.record(Event::DayEnded { tick: 19, day: 1 });
        let checkpoint = log.checkpoint();
        log.record(Event::DayEnded { tick: 29, day: 2 });
        drop(log.finish().unwrap());
        let first_two = b"{\"tick\":9,\"kind\":\"day_ended\",\"day\":0}\n{\"tick\":19,\"kind\":\"day_ended\",\"day\":1}\n";
        assert!(out.starts_with(first_two));
        assert_eq!(
            checkpoint.prefix_sha256(),
            Some(hex(&Sha256::digest(first_two)))
        );
    }
}
