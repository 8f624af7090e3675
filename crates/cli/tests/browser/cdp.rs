//! A synchronous DevTools-protocol connection: JSON commands out, replies and
//! events in, over one WebSocket to the browser. Every read waits until a deadline
//! and no longer, so a browser that stops answering fails the test instead of
//! hanging it.

use serde_json::{Value as Json, json};
use std::io::ErrorKind;
use std::net::TcpStream;
use std::time::{Duration, Instant};
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{Message, WebSocket};

/// A screenshot of a long page arrives as one base64 message of many megabytes:
/// more than the WebSocket crate's default limits.
const MESSAGE_BYTES_MAX: usize = 512 << 20;

#[derive(Debug)]
pub struct Connection {
    socket: WebSocket<TcpStream>,
    next_id: u64,
    /// The attached page's session; commands go to it once it is set.
    session: Option<String>,
    /// Every event of the page's session received so far, in arrival order.
    events: Vec<Json>,
}

impl Connection {
    /// Connects to `ws://127.0.0.1:PORT/PATH`, the browser endpoint Chromium names
    /// in its `DevToolsActivePort` file.
    pub fn open(port: u16, path: &str, deadline: Instant) -> Result<Connection, String> {
        let url = format!("ws://127.0.0.1:{port}{path}");
        let stream = TcpStream::connect(("127.0.0.1", port))
            .map_err(|error| format!("connecting to Chromium's DevTools at {url}: {error}"))?;
        stream
            .set_read_timeout(Some(remaining(deadline, "the DevTools handshake")?))
            .map_err(|error| format!("setting a read timeout on {url}: {error}"))?;
        let config = WebSocketConfig::default()
            .max_message_size(Some(MESSAGE_BYTES_MAX))
            .max_frame_size(Some(MESSAGE_BYTES_MAX));
        let (socket, _response) =
            tungstenite::client::client_with_config(url.as_str(), stream, Some(config))
                .map_err(|error| format!("the WebSocket handshake with {url} failed: {error}"))?;
        Ok(Connection {
            socket,
            next_id: 1,
            session: None,
            events: Vec::new(),
        })
    }

    /// From now on, commands go to this page session and only its events are kept.
    pub fn use_session(&mut self, session_id: String) {
        self.session = Some(session_id);
    }

    /// The page session's events received so far.
    pub fn events(&self) -> &[Json] {
        &self.events
    }

    /// Sends one command and waits for its reply, keeping the events that arrive
    /// meanwhile. A protocol error is an `Err` naming the method.
    pub fn call(&mut self, method: &str, params: Json, deadline: Instant) -> Result<Json, String> {
        let id = self.next_id;
        self.next_id += 1;
        let mut command = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = &self.session {
            command["sessionId"] = json!(session);
        }
        self.socket
            .send(Message::text(command.to_string()))
            .map_err(|error| format!("sending {method} to Chromium: {error}"))?;
        loop {
            let message = self.read(deadline, method)?;
            if message["id"].as_u64() != Some(id) {
                continue;
            }
            if let Some(error) = message.get("error") {
                return Err(format!("Chromium refused {method}: {error}"));
            }
            return Ok(message["result"].clone());
        }
    }

    /// Waits until the page session has sent an event, at index `from` or later of
    /// [`Connection::events`], that `matches` (perhaps already, while a reply was
    /// awaited); returns its index. `what` names the wait for the timeout's message.
    pub fn wait_for(
        &mut self,
        what: &str,
        from: usize,
        deadline: Instant,
        matches: impl Fn(&Json) -> bool,
    ) -> Result<usize, String> {
        let mut next = from;
        loop {
            if let Some(found) = self
                .events
                .get(next..)
                .and_then(|new| new.iter().position(&matches))
            {
                return Ok(next + found);
            }
            next = self.events.len().max(from);
            self.read(deadline, what)?;
        }
    }

    /// Reads one message; an event of the page session is also kept. `waiting_for`
    /// names what the caller waits for, for the timeout's message.
    fn read(&mut self, deadline: Instant, waiting_for: &str) -> Result<Json, String> {
        loop {
            let wait = remaining(deadline, waiting_for)?;
            self.socket
                .get_mut()
                .set_read_timeout(Some(wait))
                .map_err(|error| format!("setting a read timeout: {error}"))?;
            let message = match self.socket.read() {
                Ok(message) => message,
                Err(tungstenite::Error::Io(error))
                    if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
                {
                    continue; // `remaining` reports the timeout on the next turn
                }
                Err(error) => {
                    return Err(format!(
                        "reading from Chromium while waiting for {waiting_for}: {error}"
                    ));
                }
            };
            let Message::Text(text) = message else {
                continue; // pings and pongs; the protocol itself is text only
            };
            let json: Json = serde_json::from_str(text.as_str())
                .map_err(|error| format!("Chromium sent something that is not JSON: {error}"))?;
            let of_page =
                self.session.is_some() && json["sessionId"].as_str() == self.session.as_deref();
            if json.get("method").is_some() && of_page {
                self.events.push(json.clone());
            }
            return Ok(json);
        }
    }
}

/// The time left before `deadline`, or the error saying what did not come in time.
pub fn remaining(deadline: Instant, waiting_for: &str) -> Result<Duration, String> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(format!("timed out waiting for {waiting_for}"));
    }
    Ok(left)
}
