//! The page around the charts: one HTML document with its style inline, headline
//! figures, tables and sections. Nothing is fetched when it is opened: no script,
//! no font, no image from anywhere.

use crate::text::escape;
use std::fmt::Write as _;

/// What kind of page a document is (`<main data-page=...>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    Run,
    Sweep,
    Compare,
    Stress,
    Game,
}

impl PageKind {
    fn name(self) -> &'static str {
        match self {
            PageKind::Run => "run",
            PageKind::Sweep => "sweep",
            PageKind::Compare => "compare",
            PageKind::Stress => "stress",
            PageKind::Game => "game",
        }
    }
}

/// A document being written: sections are appended in reading order.
#[derive(Debug)]
pub struct Page {
    kind: PageKind,
    title: String,
    body: String,
}

/// A headline figure: its label, the text shown and, for the page's totals, the
/// summary key it shows (`data-total`) and whether it counts or is money.
#[derive(Debug, Clone)]
pub struct Figure {
    pub label: String,
    pub text: String,
    pub total: Option<(&'static str, &'static str)>,
}

impl Figure {
    pub fn plain(label: &str, text: String) -> Figure {
        Figure {
            label: label.into(),
            text,
            total: None,
        }
    }

    /// A count that the `--json` summary holds under `totals.KEY`.
    pub fn count_total(label: &str, key: &'static str, value: impl Into<i128>) -> Figure {
        Figure {
            label: label.into(),
            text: crate::text::count(value),
            total: Some((key, "count")),
        }
    }

    /// An amount of money that the `--json` summary holds under `totals.KEY`.
    pub fn money_total(label: &str, key: &'static str, cents: impl Into<i128>) -> Figure {
        Figure {
            label: label.into(),
            text: crate::text::money(cents),
            total: Some((key, "cents")),
        }
    }
}

impl Page {
    pub fn new(kind: PageKind, title: &str) -> Page {
        Page {
            kind,
            title: title.to_string(),
            body: String::with_capacity(1 << 16),
        }
    }

    /// The text written so far, to append markup to (charts write here).
    pub fn body(&mut self) -> &mut String {
        &mut self.body
    }

    /// A section heading.
    pub fn heading(&mut self, text: &str) {
        let _ = writeln!(self.body, "<h2>{}</h2>", escape(text));
    }

    /// A paragraph of plain text.
    pub fn paragraph(&mut self, text: &str) {
        let _ = writeln!(self.body, "<p>{}</p>", escape(text));
    }

    /// Facts as a definition list (`seed: 42`), values shown as code when `code`.
    pub fn facts(&mut self, facts: &[(&str, String)]) {
        self.body.push_str("<dl class=\"facts\">");
        for (label, value) in facts {
            let _ = write!(
                self.body,
                "<dt>{}</dt><dd><code>{}</code></dd>",
                escape(label),
                escape(value)
            );
        }
        self.body.push_str("</dl>\n");
    }

    /// Headline figures as cards.
    pub fn figures(&mut self, figures: &[Figure]) {
        self.body.push_str("<div class=\"figures\">");
        for figure in figures {
            let attributes = figure.total.map_or_else(String::new, |(key, unit)| {
                format!(" data-total=\"{key}\" data-unit=\"{unit}\"")
            });
            let _ = write!(
                self.body,
                "<div class=\"figure\"><span class=\"label\">{}</span><span class=\"value\"{attributes}>{}</span></div>",
                escape(&figure.label),
                escape(&figure.text)
            );
        }
        self.body.push_str("</div>\n");
    }

    /// A table: `name` becomes `data-table`; the first column is a row's key
    /// (`data-KEY_ATTRIBUTE` on its row when given) and numbers are right-aligned.
    pub fn table(&mut self, name: &str, head: &[&str], rows: &[Vec<String>], key: Option<&str>) {
        let _ = write!(
            self.body,
            "<div class=\"table\"><table data-table=\"{}\"><thead><tr>",
            escape(name)
        );
        for column in head {
            let _ = write!(self.body, "<th scope=\"col\">{}</th>", escape(column));
        }
        self.body.push_str("</tr></thead><tbody>");
        for row in rows {
            match (key, row.first()) {
                (Some(attribute), Some(first)) => {
                    let _ = write!(self.body, "<tr data-{attribute}=\"{}\">", escape(first));
                }
                _ => self.body.push_str("<tr>"),
            }
            for (i, cell) in row.iter().enumerate() {
                let class = if i > 0 && looks_numeric(cell) {
                    " class=\"n\""
                } else {
                    ""
                };
                let _ = write!(self.body, "<td{class}>{}</td>", escape(cell));
            }
            self.body.push_str("</tr>");
        }
        self.body.push_str("</tbody></table></div>\n");
    }

    /// The whole document.
    pub fn finish(self) -> String {
        let mut out = String::with_capacity(self.body.len() + STYLE.len() + 512);
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <meta name=\"generator\" content=\"rtgsim {}\"><title>{}</title><style>{STYLE}</style></head>\n\
             <body><main data-page=\"{}\"><h1>{}</h1>\n{}</main>\
             <footer>Written by rtgsim {}. Every figure is computed from event logs.</footer>\
             </body></html>\n",
            env!("CARGO_PKG_VERSION"),
            escape(&self.title),
            self.kind.name(),
            escape(&self.title),
            self.body,
            env!("CARGO_PKG_VERSION"),
        );
        out
    }
}

/// Whether a cell reads as a number (right-aligned): digits with separators, a
/// sign, a percent sign, or `-` for none.
fn looks_numeric(cell: &str) -> bool {
    !cell.is_empty()
        && cell
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | '-' | '%' | '+'))
}

/// The style: readable on screen and on paper, in colour or in grey.
const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;\
margin:0;color:#1a1a1a;background:#fff;line-height:1.4}\
main{max-width:1080px;margin:0 auto;padding:16px 24px}\
h1{font-size:1.6em;margin:.4em 0}h2{font-size:1.25em;margin:1.4em 0 .5em;border-bottom:1px solid #ccc}\
.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0}\
.facts dt{color:#555}.facts dd{margin:0;overflow-wrap:anywhere}\
.figures{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0}\
.figure{border:1px solid #bbb;border-radius:4px;padding:6px 10px;min-width:130px}\
.figure .label{display:block;font-size:.8em;color:#555}.figure .value{font-size:1.15em;font-weight:600}\
figure.chart{margin:16px 0;break-inside:avoid}figure.chart figcaption{font-weight:600}figure.chart .note{margin:2px 0 6px}\
figure.chart svg{max-width:100%;height:auto;font-size:11px}\
svg .grid{stroke:#e2e2e2;stroke-width:1}svg .tick,svg .category{fill:#444}\
svg .axis-title{fill:#111;font-weight:600}svg .legend text{fill:#222}\
.table{overflow-x:auto}table{border-collapse:collapse;font-size:.85em;margin:8px 0}\
th,td{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;white-space:nowrap}\
th{background:#f2f2f2;white-space:normal;vertical-align:bottom}td.n{text-align:right;font-variant-numeric:tabular-nums}\
.note{color:#555;font-size:.9em}footer{max-width:1080px;margin:24px auto;padding:0 24px;color:#777;font-size:.8em}\
@media print{main{max-width:none;padding:0}figure.chart,table{break-inside:avoid}.table{overflow:visible}}";
