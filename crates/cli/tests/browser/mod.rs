//! Looks at a local HTML page the way a person would, in real headless Chromium
//! (Debian's `chromium`; `scripts/install-chromium.sh` installs it), driven over the
//! DevTools protocol. A test binary includes it with `mod browser;`:
//!
//! ```ignore
//! let facts = browser::open(&report_html, &browser::Options::default())
//!     .unwrap_or_else(|error| panic!("{error}"));
//! assert_eq!(facts.problems(), Vec::<String>::new()); // console, exceptions, network
//! assert_eq!(facts.chart_problems(), Vec::<String>::new()); // titles, axes, drawn marks
//! assert_eq!(facts.total_values()?["settled_value"], summary_settled_value_cents);
//! std::fs::write("docs/images/run.png", &facts.screenshot_png)?;
//! ```
//!
//! [`open`] starts a fresh browser, loads the file, and returns a [`PageFacts`]:
//! the console errors, uncaught exceptions and network requests it saw (a report
//! must load nothing but itself), what each `figure.chart` shows, the
//! `[data-total]` figures, the agent rows, and a full-page PNG screenshot. The page
//! contract these rely on is the report's (`<main data-page>`, `<figure
//! class="chart" data-chart>` with a `<figcaption>`, an SVG `<title>`,
//! `text.axis-title` and `.mark` elements, `[data-total][data-unit]`, `<table
//! data-table="agents">` rows with `data-agent`); [`contract_integer`] reads a
//! total's text back into an exact integer.
//!
//! A missing Chromium is an error naming `scripts/install-chromium.sh`, so a test
//! that uses this fails rather than skips. Each call starts its own browser (about
//! a second and a half on a loaded two-core machine), so tests may run in parallel.
#![allow(dead_code)] // each test binary uses part of the harness

mod cdp;
mod chromium;
mod contract;

#[allow(unused_imports)] // the harness's own tests use it; a report test need not
pub use chromium::ScratchDir;
pub use contract::contract_integer;

use cdp::Connection;
use chromium::Chromium;
use serde::Deserialize;
use serde_json::{Value as Json, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Gathers the page's facts; returns them as one JSON string.
const FACTS_SCRIPT: &str = include_str!("facts.js");

#[derive(Debug, Clone)]
pub struct Options {
    /// The browser to run; Debian's by default.
    pub chromium: PathBuf,
    /// The window's size in CSS pixels (one device pixel each); the screenshot is
    /// this wide (wider if the page overflows) and as tall as the whole page.
    pub width_px: u32,
    pub height_px: u32,
    /// The screenshot stops here on a taller page: a whole long page for a test
    /// to keep, or its top for a picture in the docs.
    pub screenshot_height_max_px: u32,
    /// The longest wait for any one step: Chromium starting, the page loading, each
    /// protocol command. Chromium can take tens of seconds to start on a loaded
    /// machine.
    pub timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            chromium: PathBuf::from(chromium::CHROMIUM),
            width_px: 1280,
            height_px: 900,
            // 40 charts and a table of 1,000 agents made a page 35,546 pixels tall.
            screenshot_height_max_px: 50_000,
            timeout: Duration::from_secs(60),
        }
    }
}

/// What the page showed and what happened while it loaded.
pub struct PageFacts {
    /// Console messages of level error (from the page's scripts or from the browser,
    /// such as a resource that failed to load).
    pub console_errors: Vec<String>,
    /// Uncaught exceptions.
    pub exceptions: Vec<String>,
    /// Every request other than for the page file itself (`data:` URLs, which are
    /// part of the file, aside), with how it ended; and the page's own request if it
    /// failed.
    pub network_requests: Vec<String>,
    /// `<main data-page>`.
    pub page_kind: Option<String>,
    pub charts: Vec<ChartFacts>,
    pub totals: Vec<TotalFacts>,
    /// The `data-agent` of each row of `<table data-table="agents">`, in page order.
    pub agent_rows: Vec<String>,
    /// The page's whole height in CSS pixels; the screenshot is as tall, up to
    /// `Options::screenshot_height_max_px`.
    pub page_height_px: u32,
    /// The whole page (see `page_height_px`) at one device pixel per CSS pixel.
    pub screenshot_png: Vec<u8>,
}

/// The screenshot by its size only: a failing assertion prints the rest.
impl std::fmt::Debug for PageFacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageFacts")
            .field("console_errors", &self.console_errors)
            .field("exceptions", &self.exceptions)
            .field("network_requests", &self.network_requests)
            .field("page_kind", &self.page_kind)
            .field("charts", &self.charts)
            .field("totals", &self.totals)
            .field("agent_rows", &self.agent_rows)
            .field("page_height_px", &self.page_height_px)
            .field(
                "screenshot_png",
                &format_args!("{} bytes", self.screenshot_png.len()),
            )
            .finish()
    }
}

impl PageFacts {
    /// Everything a person would count as broken: console errors, exceptions and
    /// network requests, each line saying which.
    pub fn problems(&self) -> Vec<String> {
        let console = self
            .console_errors
            .iter()
            .map(|m| format!("console error: {m}"));
        let exceptions = self.exceptions.iter().map(|m| format!("exception: {m}"));
        let network = self
            .network_requests
            .iter()
            .map(|m| format!("network request: {m}"));
        console.chain(exceptions).chain(network).collect()
    }

    pub fn chart(&self, name: &str) -> Option<&ChartFacts> {
        self.charts
            .iter()
            .find(|chart| chart.name.as_deref() == Some(name))
    }

    /// What breaks the page contract's rules for charts, one line per fault naming
    /// the chart: a chart without a `data-chart` name (or with another chart's),
    /// caption or SVG title; without exactly two non-empty axis titles (unless it
    /// says `data-axes="none"`); without marks, or with none drawn.
    pub fn chart_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (index, chart) in self.charts.iter().enumerate() {
            let name = chart.name.as_deref().unwrap_or_default();
            let which = format!("chart {} ({name:?})", index + 1);
            let mut fault = |what: &str| problems.push(format!("{which}: {what}"));
            let blank = |text: &Option<String>| text.as_deref().unwrap_or_default().is_empty();
            if name.is_empty() {
                fault("no data-chart name");
            } else if self.charts[..index].iter().any(|c| c.name == chart.name) {
                fault("the name of an earlier chart");
            }
            if blank(&chart.caption) {
                fault("no figcaption");
            }
            if blank(&chart.svg_title) {
                fault("no SVG title");
            }
            let titled_axes = chart.axis_titles.iter().filter(|t| !t.is_empty()).count();
            if !chart.axes_none && (titled_axes != 2 || chart.axis_titles.len() != 2) {
                fault(&format!("axis titles {:?}, not two", chart.axis_titles));
            }
            if chart.marks == 0 {
                fault("no marks");
            } else if chart.marks_rendered == 0 {
                fault(&format!("none of its {} marks is drawn", chart.marks));
            }
        }
        problems
    }

    /// Each `[data-total]` key and the exact integer its text shows (see
    /// [`contract_integer`]), to compare with the `--json` summary. A total without
    /// a `data-unit`, with an unreadable text, or shown twice is an `Err`.
    pub fn total_values(&self) -> Result<BTreeMap<String, i64>, String> {
        let mut values = BTreeMap::new();
        for total in &self.totals {
            let unit = total
                .unit
                .as_deref()
                .ok_or_else(|| format!("the total {:?} has no data-unit", total.key))?;
            let value = contract_integer(&total.text, unit)
                .map_err(|error| format!("the total {:?}: {error}", total.key))?;
            if values.insert(total.key.clone(), value).is_some() {
                return Err(format!("the total {:?} is shown twice", total.key));
            }
        }
        Ok(values)
    }
}

/// One `figure.chart` as it is drawn.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ChartFacts {
    /// `data-chart`.
    pub name: Option<String>,
    /// The figure's own `<figcaption>`, whitespace collapsed.
    pub caption: Option<String>,
    /// The `<title>` that is a direct child of the chart's first `<svg>`.
    pub svg_title: Option<String>,
    /// Every `text.axis-title`, in page order.
    pub axis_titles: Vec<String>,
    /// `data-axes="none"` on the figure.
    pub axes_none: bool,
    /// Elements of class `mark`.
    pub marks: usize,
    /// Marks laid out with a non-zero width or height and not hidden.
    pub marks_rendered: usize,
}

/// One `[data-total]` element.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TotalFacts {
    pub key: String,
    /// `data-unit`: `count` or `cents` by the contract.
    pub unit: Option<String>,
    /// The text a person reads, whitespace collapsed.
    pub text: String,
}

/// What the facts script returns.
#[derive(Debug, Deserialize)]
struct Shown {
    page_kind: Option<String>,
    charts: Vec<ChartFacts>,
    totals: Vec<TotalFacts>,
    agent_rows: Vec<String>,
}

/// Opens `path` in a fresh headless Chromium and reports what it showed. An `Err`
/// says which step failed (Chromium missing or not starting, the page not loading
/// in time, a protocol error), never hangs past `options.timeout` per step.
pub fn open(path: &Path, options: &Options) -> Result<PageFacts, String> {
    let path = path
        .canonicalize()
        .map_err(|error| format!("{}: {error}", path.display()))?;
    let url = file_url(&path);
    let seconds = options.timeout.as_secs();
    let deadline = || Instant::now() + options.timeout;

    let mut chromium = Chromium::launch(&options.chromium)?;
    let (port, browser_path) = chromium
        .devtools_endpoint(deadline())
        .map_err(|error| format!("{error} (after {seconds} s)"))?;
    let mut cdp = Connection::open(port, &browser_path, deadline())?;
    let looked = look(&mut cdp, &url, options);
    // Closing politely lets Chromium remove its own files; a kill follows if not.
    let _ = cdp.call(
        "Browser.close",
        json!({}),
        Instant::now() + Duration::from_secs(5),
    );
    chromium.wait_for_exit();
    looked.map_err(|error| {
        format!(
            "{url}: {error} (each step may take {seconds} s); Chromium's stderr ends:\n{}",
            chromium.stderr_tail()
        )
    })
}

/// Loads the page in a new tab, then reads it and takes the screenshot.
fn look(cdp: &mut Connection, url: &str, options: &Options) -> Result<PageFacts, String> {
    let deadline = || Instant::now() + options.timeout;
    let target = cdp.call(
        "Target.createTarget",
        json!({ "url": "about:blank" }),
        deadline(),
    )?;
    let attached = cdp.call(
        "Target.attachToTarget",
        json!({ "targetId": target["targetId"], "flatten": true }),
        deadline(),
    )?;
    let session = attached["sessionId"]
        .as_str()
        .ok_or("Target.attachToTarget returned no sessionId")?;
    cdp.use_session(session.to_string());
    for domain in ["Page", "Runtime", "Log", "Network"] {
        cdp.call(&format!("{domain}.enable"), json!({}), deadline())?;
    }
    cdp.call(
        "Emulation.setDeviceMetricsOverride",
        json!({
            "width": options.width_px,
            "height": options.height_px,
            "deviceScaleFactor": 1,
            "mobile": false,
        }),
        deadline(),
    )?;

    let navigated = cdp.call("Page.navigate", json!({ "url": url }), deadline())?;
    if let Some(error) = navigated["errorText"].as_str() {
        return Err(format!("Chromium could not open the page: {error}"));
    }
    // The blank tab fires load events of its own; wait for the file's. One
    // deadline for both waits: loading is one step.
    let loaded_by = deadline();
    let committed = cdp.wait_for("the page to load", 0, loaded_by, |event| {
        event["method"] == "Page.frameNavigated"
            && event["params"]["frame"]["parentId"].is_null()
            && event["params"]["frame"]["url"]
                .as_str()
                .is_some_and(|u| u.starts_with("file:"))
    })?;
    cdp.wait_for("the page to load", committed + 1, loaded_by, |event| {
        event["method"] == "Page.loadEventFired"
    })?;
    let page_url = cdp.events()[committed]["params"]["frame"]["url"]
        .as_str()
        .unwrap_or(url)
        .to_string();

    let shown = read_page(cdp, deadline())?;
    let (screenshot_png, page_height_px) = screenshot(cdp, options, deadline())?;
    let seen = Seen::from_events(cdp.events(), &page_url);
    Ok(PageFacts {
        console_errors: seen.console_errors,
        exceptions: seen.exceptions,
        network_requests: seen.network_requests,
        page_kind: shown.page_kind,
        charts: shown.charts,
        totals: shown.totals,
        agent_rows: shown.agent_rows,
        page_height_px,
        screenshot_png,
    })
}

fn read_page(cdp: &mut Connection, deadline: Instant) -> Result<Shown, String> {
    let evaluated = cdp.call(
        "Runtime.evaluate",
        json!({ "expression": FACTS_SCRIPT, "returnByValue": true }),
        deadline,
    )?;
    if let Some(details) = evaluated.get("exceptionDetails") {
        return Err(format!("the facts script failed in the page: {details}"));
    }
    let text = evaluated["result"]["value"]
        .as_str()
        .ok_or("the facts script returned no string")?;
    serde_json::from_str(text).map_err(|error| format!("the facts script's JSON: {error}"))
}

/// The whole page as PNG, beyond the window, at one device pixel per CSS pixel;
/// and the page's height.
fn screenshot(
    cdp: &mut Connection,
    options: &Options,
    deadline: Instant,
) -> Result<(Vec<u8>, u32), String> {
    let metrics = cdp.call("Page.getLayoutMetrics", json!({}), deadline)?;
    let content = &metrics["cssContentSize"];
    let (Some(content_width), Some(content_height)) =
        (content["width"].as_f64(), content["height"].as_f64())
    else {
        return Err(format!(
            "Page.getLayoutMetrics gave no content size: {metrics}"
        ));
    };
    let width = content_width.ceil().max(f64::from(options.width_px));
    let height = content_height
        .ceil()
        .clamp(1.0, f64::from(options.screenshot_height_max_px.max(1)));
    let shot = cdp.call(
        "Page.captureScreenshot",
        json!({
            "format": "png",
            "captureBeyondViewport": true,
            "clip": { "x": 0, "y": 0, "width": width, "height": height, "scale": 1 },
        }),
        deadline,
    )?;
    let data = shot["data"]
        .as_str()
        .ok_or("Page.captureScreenshot returned no data")?;
    let png = data_encoding::BASE64
        .decode(data.as_bytes())
        .map_err(|error| format!("the screenshot's base64: {error}"))?;
    // Layout heights are far below u32::MAX; the cast cannot truncate.
    Ok((png, content_height.ceil() as u32))
}

/// The page's problems, read from the protocol's events.
#[derive(Debug, Default)]
struct Seen {
    console_errors: Vec<String>,
    exceptions: Vec<String>,
    network_requests: Vec<String>,
}

impl Seen {
    fn from_events(events: &[Json], page_url: &str) -> Seen {
        let mut seen = Seen::default();
        // Every request in the order made, with how it ended.
        let mut requests: Vec<Request> = Vec::new();
        for event in events {
            let params = &event["params"];
            let request_id = params["requestId"].as_str().unwrap_or_default();
            let request = requests.iter_mut().find(|request| request.id == request_id);
            match event["method"].as_str().unwrap_or_default() {
                "Runtime.consoleAPICalled"
                    if matches!(params["type"].as_str(), Some("error" | "assert")) =>
                {
                    seen.console_errors.push(console_text(params));
                }
                "Log.entryAdded" if params["entry"]["level"] == "error" => {
                    let entry = &params["entry"];
                    let text = entry["text"].as_str().unwrap_or_default();
                    seen.console_errors.push(match entry["url"].as_str() {
                        Some(url) if !url.is_empty() => format!("{text} ({url})"),
                        _ => text.to_string(),
                    });
                }
                "Runtime.exceptionThrown" => seen.exceptions.push(exception_text(params)),
                // A redirect sends the same id again: the first URL is the one asked for.
                "Network.requestWillBeSent" if request.is_none() => requests.push(Request {
                    id: request_id.to_string(),
                    url: params["request"]["url"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    outcome: "no answer".to_string(),
                }),
                "Network.loadingFailed" => {
                    if let Some(request) = request {
                        let reason = params["blockedReason"]
                            .as_str()
                            .or(params["errorText"].as_str());
                        request.outcome = format!("failed: {}", reason.unwrap_or("unknown"));
                    }
                }
                "Network.loadingFinished" => {
                    if let Some(request) = request {
                        request.outcome = "loaded".to_string();
                    }
                }
                _ => {}
            }
        }
        for Request { url, outcome, .. } in requests {
            let inline = url.starts_with("data:");
            let the_page_loaded = url == page_url && outcome == "loaded";
            if !inline && !the_page_loaded {
                seen.network_requests.push(format!("{url} ({outcome})"));
            }
        }
        seen
    }
}

#[derive(Debug)]
struct Request {
    id: String,
    url: String,
    /// `loaded`, `failed: REASON` or `no answer`.
    outcome: String,
}

fn console_text(params: &Json) -> String {
    let args = params["args"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let parts: Vec<String> = args
        .iter()
        .map(|arg| match (&arg["value"], arg["description"].as_str()) {
            (Json::String(text), _) => text.clone(),
            (value, _) if !value.is_null() => value.to_string(),
            (_, Some(description)) => description.to_string(),
            _ => arg["type"].as_str().unwrap_or("?").to_string(),
        })
        .collect();
    parts.join(" ")
}

fn exception_text(params: &Json) -> String {
    let details = &params["exceptionDetails"];
    let what = details["exception"]["description"]
        .as_str()
        .or(details["text"].as_str())
        .unwrap_or("an exception");
    // Line numbers are zero-based in the protocol.
    let line = details["lineNumber"].as_u64().map_or(0, |line| line + 1);
    format!("{} (line {line})", what.lines().next().unwrap_or(what))
}

/// `file://` and the absolute path, each byte outside the unreserved set and `/`
/// percent-encoded.
fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            url.push(char::from(byte));
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}
