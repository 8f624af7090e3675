//! The browser harness (`tests/browser/`) on small pages written here by hand: it
//! must read a good page back exactly, and must see what is wrong with a bad one
//! (a console error, an exception, a network request, a mark drawn with no size).
//! Each test runs a real headless Chromium; a missing Chromium fails them, naming
//! `scripts/install-chromium.sh`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails loudly

mod browser;

use browser::{ChartFacts, Options, PageFacts, ScratchDir, TotalFacts, contract_integer};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The hand-written pages' window, and the good page's height (the screenshot
/// must be exactly this size).
const WIDTH_PX: u32 = 800;
const HEIGHT_PX: u32 = 600;
const GOOD_PAGE_HEIGHT_PX: u32 = 1500;

/// A page in the report's shape, in a scratch directory that lives as long as it.
struct Page {
    dir: ScratchDir,
    path: PathBuf,
}

fn page(name: &str, body: &str) -> Page {
    let dir = ScratchDir::new(name).unwrap();
    let path = dir.path().join(format!("{name}.html"));
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{name}</title>\n\
         <style>body {{ margin: 0; font-family: sans-serif; }}</style></head>\n<body>{body}</body></html>\n"
    );
    std::fs::write(&path, html).unwrap();
    Page { dir, path }
}

fn options() -> Options {
    Options {
        width_px: WIDTH_PX,
        height_px: HEIGHT_PX,
        ..Options::default()
    }
}

fn open(page: &Page) -> PageFacts {
    open_with(page, &options())
}

fn open_with(page: &Page, options: &Options) -> PageFacts {
    let started = Instant::now();
    let facts = browser::open(&page.path, options).unwrap_or_else(|error| panic!("{error}"));
    eprintln!(
        "opened {} in {:.1} s",
        page.path.display(),
        started.elapsed().as_secs_f64()
    );
    facts
}

/// A chart as the report writes one: a caption, an SVG with a title, two axis
/// titles, and the given marks.
fn chart(name: &str, caption: &str, title: &str, axes: [&str; 2], marks: &str) -> String {
    format!(
        "<figure class=\"chart\" data-chart=\"{name}\">\n  <figcaption>\n    {caption}\n  </figcaption>\n\
         <svg role=\"img\" aria-labelledby=\"{name}-title\" width=\"300\" height=\"200\" viewBox=\"0 0 300 200\">\
         <title id=\"{name}-title\">{title}</title>\
         <g class=\"plot\">{marks}</g>\
         <text class=\"axis-title\" x=\"150\" y=\"195\">{}</text>\
         <text class=\"axis-title\" transform=\"translate(12 100) rotate(-90)\">{}</text>\
         </svg></figure>\n",
        axes[0], axes[1]
    )
}

fn good_page() -> Page {
    let queue = chart(
        "queue_length",
        "Queue 1 length",
        "Queue 1 length over the day",
        ["Time (ticks)", "Payments queued (count)"],
        "<path class=\"mark\" d=\"M 40 160 L 100 120 L 200 140 L 280 40\" fill=\"none\" stroke=\"black\"/>",
    );
    let costs = chart(
        "costs_by_agent",
        "Costs   by agent",
        "Cost per agent, stacked by kind",
        ["Agent", "Cost (currency units)"],
        "<rect class=\"mark\" x=\"50\" y=\"60\" width=\"40\" height=\"120\"/>\
         <rect class=\"mark\" x=\"120\" y=\"100\" width=\"40\" height=\"80\"/>\
         <rect class=\"mark\" x=\"190\" y=\"30\" width=\"40\" height=\"150\" fill=\"#555\"/>",
    );
    page(
        "good",
        &format!(
            "<main data-page=\"run\" style=\"height: {GOOD_PAGE_HEIGHT_PX}px; overflow: hidden\">\n\
             <p>Payments: <span data-total=\"payments\" data-unit=\"count\">12,345</span></p>\n\
             <p>Settled value: <strong data-total=\"settled_value\" data-unit=\"cents\">1,234.56</strong></p>\n\
             <p>Total cost: <span data-total=\"costs.total\" data-unit=\"cents\">\n  -0.05\n</span></p>\n\
             {queue}{costs}\
             <table data-table=\"agents\"><tr><th>Agent</th></tr>\
             <tr data-agent=\"BANK_B\"><td>BANK_B</td></tr><tr data-agent=\"BANK_A\"><td>BANK_A</td></tr></table>\n\
             </main>"
        ),
    )
}

#[test]
fn a_good_page_is_read_back_exactly() {
    let facts = open(&good_page());

    assert_eq!(facts.problems(), Vec::<String>::new());
    assert_eq!(facts.page_kind.as_deref(), Some("run"));
    let expected_charts = vec![
        ChartFacts {
            name: Some("queue_length".into()),
            caption: Some("Queue 1 length".into()),
            svg_title: Some("Queue 1 length over the day".into()),
            axis_titles: vec!["Time (ticks)".into(), "Payments queued (count)".into()],
            axes_none: false,
            marks: 1,
            marks_rendered: 1,
        },
        ChartFacts {
            name: Some("costs_by_agent".into()),
            caption: Some("Costs by agent".into()),
            svg_title: Some("Cost per agent, stacked by kind".into()),
            axis_titles: vec!["Agent".into(), "Cost (currency units)".into()],
            axes_none: false,
            marks: 3,
            marks_rendered: 3,
        },
    ];
    assert_eq!(facts.charts, expected_charts);
    let total = |key: &str, unit: &str, text: &str| TotalFacts {
        key: key.into(),
        unit: Some(unit.into()),
        text: text.into(),
    };
    let expected_totals = vec![
        total("payments", "count", "12,345"),
        total("settled_value", "cents", "1,234.56"),
        total("costs.total", "cents", "-0.05"),
    ];
    assert_eq!(facts.totals, expected_totals);
    let read: Vec<i64> = facts
        .totals
        .iter()
        .map(|t| contract_integer(&t.text, t.unit.as_deref().unwrap()).unwrap())
        .collect();
    assert_eq!(read, [12_345, 123_456, -5]);
    let by_key: Vec<(String, i64)> = facts.total_values().unwrap().into_iter().collect();
    let expected_by_key = [
        ("costs.total", -5),
        ("payments", 12_345),
        ("settled_value", 123_456),
    ];
    assert_eq!(
        by_key,
        expected_by_key.map(|(key, value)| (key.to_string(), value))
    );
    assert_eq!(facts.chart_problems(), Vec::<String>::new());
    assert_eq!(facts.agent_rows, ["BANK_B", "BANK_A"]);

    // The whole page, beyond the 600-pixel window.
    assert_eq!(facts.page_height_px, GOOD_PAGE_HEIGHT_PX);
    assert_eq!(
        png_size(&facts.screenshot_png),
        (WIDTH_PX, GOOD_PAGE_HEIGHT_PX)
    );
    // Left for a person to look at.
    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-harness-good-page.png");
    std::fs::write(&shot, &facts.screenshot_png).unwrap();
}

#[test]
fn a_console_error_is_reported() {
    let facts = open(&page(
        "console-error",
        "<main data-page=\"run\"><p>Hello</p><script>console.error('the chart data is missing', 42);</script></main>",
    ));
    assert_eq!(facts.console_errors, ["the chart data is missing 42"]);
    assert_eq!(facts.exceptions, Vec::<String>::new());
    assert_eq!(
        facts.problems(),
        ["console error: the chart data is missing 42"]
    );
}

#[test]
fn an_uncaught_exception_is_reported() {
    let facts = open(&page(
        "exception",
        "<main data-page=\"run\"><p>Hello</p>\n<script>\nthrow new RangeError('no such agent');\n</script></main>",
    ));
    assert_eq!(facts.exceptions.len(), 1, "{:?}", facts.exceptions);
    assert!(
        facts.exceptions[0].starts_with("RangeError: no such agent"),
        "{:?}",
        facts.exceptions
    );
    assert_eq!(facts.console_errors, Vec::<String>::new());
    assert_eq!(facts.problems().len(), 1);
}

#[test]
fn every_request_beyond_the_page_is_reported() {
    // A stylesheet beside the page loads fine, but a report copied alone to a USB
    // stick would lose it: it counts as much as the remote image.
    let page = page(
        "network",
        "<link rel=\"stylesheet\" href=\"beside.css\">\
         <main data-page=\"run\"><img alt=\"logo\" src=\"http://example.com/x.png\">\
         <img alt=\"inline\" src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\"></main>",
    );
    std::fs::write(page.dir.path().join("beside.css"), "p { color: black; }").unwrap();
    let facts = open(&page);

    let urls: Vec<&str> = facts
        .network_requests
        .iter()
        .map(|request| request.split(' ').next().unwrap())
        .collect();
    let beside = format!(
        "file://{}",
        page.dir
            .path()
            .canonicalize()
            .unwrap()
            .join("beside.css")
            .display()
    );
    assert_eq!(
        urls,
        [beside.as_str(), "http://example.com/x.png"],
        "{:?}",
        facts.network_requests
    );
    assert!(
        facts.network_requests[0].ends_with("(loaded)"),
        "{:?}",
        facts.network_requests
    );
    assert!(
        facts.network_requests[1].contains("(failed: "),
        "{:?}",
        facts.network_requests
    );
    // Chromium also says so on the console.
    assert!(
        facts
            .console_errors
            .iter()
            .any(|error| error.contains("http://example.com/x.png")),
        "{:?}",
        facts.console_errors
    );
}

#[test]
fn a_mark_drawn_with_no_size_is_not_rendered() {
    let empty = chart(
        "empty",
        "Nothing drawn",
        "A bar of no size",
        ["Agent", "Value (currency units)"],
        "<rect class=\"mark\" x=\"50\" y=\"60\" width=\"0\" height=\"0\"/>",
    );
    let hidden = chart(
        "hidden",
        "Hidden",
        "Bars that are not shown",
        ["Agent", "Value (currency units)"],
        "<rect class=\"mark\" x=\"50\" y=\"60\" width=\"40\" height=\"40\" style=\"display: none\"/>\
         <rect class=\"mark\" x=\"150\" y=\"60\" width=\"40\" height=\"40\" visibility=\"hidden\"/>",
    );
    let drawn = chart(
        "drawn",
        "Drawn",
        "A flat line",
        ["Time (ticks)", "Balance (currency units)"],
        "<path class=\"mark\" d=\"M 20 100 L 280 100\" stroke=\"black\"/>",
    );
    // Three charts make a page taller than the screenshot may be here.
    let screenshot_height_max_px = 300;
    let facts = open_with(
        &page(
            "zero-size",
            &format!("<main data-page=\"run\">{empty}{hidden}{drawn}</main>"),
        ),
        &Options {
            screenshot_height_max_px,
            ..options()
        },
    );

    let counts: Vec<(&str, usize, usize)> = facts
        .charts
        .iter()
        .map(|chart| {
            (
                chart.name.as_deref().unwrap(),
                chart.marks,
                chart.marks_rendered,
            )
        })
        .collect();
    assert_eq!(counts, [("empty", 1, 0), ("hidden", 2, 0), ("drawn", 1, 1)]);
    assert_eq!(
        facts.chart_problems(),
        [
            "chart 1 (\"empty\"): none of its 1 marks is drawn",
            "chart 2 (\"hidden\"): none of its 2 marks is drawn",
        ]
    );
    assert_eq!(facts.problems(), Vec::<String>::new());
    assert!(facts.page_height_px > 600, "{facts:?}");
    assert_eq!(
        png_size(&facts.screenshot_png),
        (WIDTH_PX, screenshot_height_max_px)
    );
}

#[test]
fn a_chart_that_breaks_the_contract_is_named() {
    let drawn_bar = "<rect class=\"mark\" x=\"50\" y=\"60\" width=\"40\" height=\"40\"/>";
    let good = chart(
        "good",
        "Good",
        "A good chart",
        ["Agent", "Value (currency units)"],
        drawn_bar,
    );
    let again = chart(
        "good",
        "Good again",
        "The same name",
        ["Agent", "Value (currency units)"],
        drawn_bar,
    );
    let untitled = format!(
        "<figure class=\"chart\" data-chart=\"untitled\"><figcaption> </figcaption>\
         <svg width=\"300\" height=\"200\"><g>{drawn_bar}</g>\
         <text class=\"axis-title\" x=\"150\" y=\"195\">Agent</text></svg></figure>"
    );
    let no_axes = format!(
        "<figure class=\"chart\" data-axes=\"none\"><figcaption>Routes</figcaption>\
         <svg width=\"300\" height=\"200\"><title>Value by route</title>{drawn_bar}</svg></figure>"
    );
    let no_marks = chart(
        "no_marks",
        "Empty",
        "Nothing to show",
        ["Agent", "Value (currency units)"],
        "<rect x=\"50\" y=\"60\" width=\"40\" height=\"40\"/>",
    );
    let facts = open(&page(
        "chart-faults",
        &format!("<main data-page=\"run\">{good}{again}{untitled}{no_axes}{no_marks}</main>"),
    ));

    assert_eq!(
        facts.chart_problems(),
        [
            "chart 2 (\"good\"): the name of an earlier chart",
            "chart 3 (\"untitled\"): no figcaption",
            "chart 3 (\"untitled\"): no SVG title",
            "chart 3 (\"untitled\"): axis titles [\"Agent\"], not two",
            "chart 4 (\"\"): no data-chart name",
            "chart 5 (\"no_marks\"): no marks",
        ]
    );
}

#[test]
fn a_page_that_never_finishes_loading_fails_in_time() {
    // A script that never ends: the parser, and so the load event, never get past it.
    let page = page(
        "never-loads",
        "<main data-page=\"run\"><p>Loading</p><script>for (;;) {}</script></main>",
    );
    let timeout = Duration::from_secs(20);
    let started = Instant::now();
    let error = browser::open(
        &page.path,
        &Options {
            timeout,
            ..options()
        },
    )
    .unwrap_err();
    eprintln!("{error}");

    assert!(
        error.contains("timed out waiting for the page to load"),
        "{error}"
    );
    assert!(error.contains("(each step may take 20 s)"), "{error}");
    // Launching may take one timeout and loading another, plus the shutdown.
    assert!(started.elapsed() < timeout * 2 + Duration::from_secs(10));
}

#[test]
fn a_missing_chromium_fails_naming_the_install_script() {
    let page = page("no-browser", "<main data-page=\"run\"></main>");
    let error = browser::open(
        &page.path,
        &Options {
            chromium: "/nonexistent/chromium".into(),
            ..options()
        },
    )
    .unwrap_err();
    assert!(
        error.contains("/nonexistent/chromium is missing"),
        "{error}"
    );
    assert!(error.contains("scripts/install-chromium.sh"), "{error}");
}

#[test]
fn contract_figures_read_back_exactly_or_not_at_all() {
    let read = [
        ("0", "count", 0),
        ("7", "count", 7),
        ("999", "count", 999),
        ("12,345", "count", 12_345),
        ("1,000,000", "count", 1_000_000),
        ("0.00", "cents", 0),
        ("-0.05", "cents", -5),
        ("0.99", "cents", 99),
        ("1,234.56", "cents", 123_456),
        ("-12,000.10", "cents", -1_200_010),
        ("92,233,720,368,547,758.07", "cents", i64::MAX),
    ];
    for (text, unit, value) in read {
        assert_eq!(contract_integer(text, unit), Ok(value), "{text} {unit}");
    }
    let refused = [
        ("12345", "count"),
        ("1,23", "count"),
        ("1,2345", "count"),
        (",123", "count"),
        ("1,234,", "count"),
        ("0,123", "count"),
        ("012", "count"),
        ("", "count"),
        ("-", "count"),
        ("-0", "count"),
        ("+5", "count"),
        (" 5", "count"),
        ("1.5", "count"),
        ("1,234.5", "cents"),
        ("1,234.567", "cents"),
        ("1234.56", "cents"),
        ("1,234", "cents"),
        (".50", "cents"),
        ("-0.00", "cents"),
        ("1.-5", "cents"),
        ("92,233,720,368,547,758.08", "cents"),
        ("9,223,372,036,854,775,808", "count"),
        ("12", "euros"),
    ];
    for (text, unit) in refused {
        let error = contract_integer(text, unit).expect_err(&format!("{text:?} {unit}"));
        assert!(error.contains(&format!("{text:?}")), "{error}");
    }
}

/// A PNG's width and height from its IHDR chunk, after checking the signature,
/// that IHDR comes first and that the file ends with IEND.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(
        png.len() > 8 + 25 + 12,
        "a PNG of {} bytes is too short",
        png.len()
    );
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG signature");
    assert_eq!(
        &png[8..16],
        b"\x00\x00\x00\x0dIHDR",
        "the first chunk is not a 13-byte IHDR"
    );
    let be = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    assert_eq!(
        &png[png.len() - 12..png.len() - 4],
        b"\x00\x00\x00\x00IEND",
        "no IEND at the end"
    );
    (be(16), be(20))
}

#[test]
fn total_values_refuse_a_missing_unit_an_unreadable_text_and_a_repeat() {
    let with_totals = |totals: &[(&str, Option<&str>, &str)]| PageFacts {
        console_errors: Vec::new(),
        exceptions: Vec::new(),
        network_requests: Vec::new(),
        page_kind: Some("run".into()),
        charts: Vec::new(),
        totals: totals
            .iter()
            .map(|(key, unit, text)| TotalFacts {
                key: (*key).into(),
                unit: unit.map(Into::into),
                text: (*text).into(),
            })
            .collect(),
        agent_rows: Vec::new(),
        page_height_px: 0,
        screenshot_png: Vec::new(),
    };
    let good = with_totals(&[
        ("dropped", Some("count"), "1,000"),
        ("costs.total", Some("cents"), "10.00"),
    ]);
    let expected = [
        ("costs.total".to_string(), 1_000),
        ("dropped".to_string(), 1_000),
    ];
    assert_eq!(
        good.total_values().unwrap().into_iter().collect::<Vec<_>>(),
        expected
    );

    let no_unit = with_totals(&[("payments", None, "12")]);
    assert!(
        no_unit
            .total_values()
            .unwrap_err()
            .contains("\"payments\" has no data-unit")
    );
    let unreadable = with_totals(&[("payments", Some("count"), "12 345")]);
    assert!(
        unreadable
            .total_values()
            .unwrap_err()
            .contains("\"12 345\"")
    );
    let twice = with_totals(&[
        ("payments", Some("count"), "12"),
        ("payments", Some("count"), "12"),
    ]);
    assert!(
        twice
            .total_values()
            .unwrap_err()
            .contains("\"payments\" is shown twice")
    );
}
