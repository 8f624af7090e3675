//! Spans per category: ranges with a marked value, and box plots.

use super::{
    Axis, BOTTOM, Heading, LABEL_WIDTH, MIN_ROWS_HEIGHT, PALETTE, RIGHT, ROW, ROWS_TOP, Scale,
    Unit, WIDTH, category_label, close, legend, legend_extra_height, min_max, open, row_frame,
};
use crate::text::escape;
use std::fmt::Write as _;

/// One category of a range chart: a span from `low` to `high` and a marked value.
#[derive(Debug, Clone)]
pub struct Range {
    pub category: String,
    pub low: f64,
    pub high: f64,
    pub marker: Option<f64>,
}

/// One category of a box chart: a distribution's summary.
#[derive(Debug, Clone)]
pub struct BoxSummary {
    pub category: String,
    pub whisker_low: f64,
    pub box_low: f64,
    pub median: f64,
    pub box_high: f64,
    pub whisker_high: f64,
    pub mean: f64,
}

impl BoxSummary {
    /// The box of a distribution's summary: box from the 25th to the 75th
    /// percentile, whiskers at the 5th and 95th; `None` when it has no values.
    pub fn of_stats(category: String, stats: &rtgsim_report::stats::Stats) -> Option<BoxSummary> {
        Some(BoxSummary {
            category,
            whisker_low: stats.p5?,
            box_low: stats.p25?,
            median: stats.p50?,
            box_high: stats.p75?,
            whisker_high: stats.p95?,
            mean: stats.mean?,
        })
    }
}

/// Horizontal spans per category (ranges with a marker, or box plots).
#[derive(Debug, Clone)]
pub struct SpanChart {
    pub heading: Heading,
    pub category_axis: Axis,
    pub value_axis: Axis,
    /// What the span and the marker mean, for the legend.
    pub span_label: String,
    pub marker_label: String,
    pub ranges: Vec<Range>,
    pub boxes: Vec<BoxSummary>,
}

impl SpanChart {
    pub fn render(&self, out: &mut String) {
        let rows = self.ranges.len() + self.boxes.len();
        if rows == 0 {
            return;
        }
        let values = self
            .ranges
            .iter()
            .flat_map(|r| [r.low, r.high, r.marker.unwrap_or(r.low)])
            .chain(
                self.boxes
                    .iter()
                    .flat_map(|b| [b.whisker_low, b.whisker_high, b.mean]),
            );
        let (min, max) = min_max(values);
        let span_colour = PALETTE[3];
        let marker_colour = PALETTE[0];
        let entries = [
            (self.span_label.clone(), span_colour, ""),
            (self.marker_label.clone(), marker_colour, "2 2"),
        ];
        let top = ROWS_TOP + legend_extra_height(&entries);
        let plot = (ROW * rows as f64).max(MIN_ROWS_HEIGHT);
        let value = Scale::new(
            min.min(0.0),
            max,
            self.value_axis.unit,
            (LABEL_WIDTH, WIDTH - RIGHT),
        );
        open(out, &self.heading, top + plot + BOTTOM);
        legend(out, &entries);
        row_frame(
            out,
            &value,
            (&self.value_axis, &self.category_axis),
            top,
            top + plot,
        );
        let unit = self.value_axis.unit;
        let mut row = 0usize;
        for range in &self.ranges {
            let y = top + ROW * row as f64;
            category_label(out, &range.category, y);
            let (a, b) = (value.px(range.low), value.px(range.high));
            let _ = write!(
                out,
                "<rect class=\"mark span\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{span_colour}\" fill-opacity=\"0.6\">\
                 <title>{}: {} to {}</title></rect>",
                a.min(b),
                y + 5.0,
                (b - a).abs().max(1.5),
                ROW - 10.0,
                escape(&range.category),
                unit.label(range.low),
                unit.label(range.high)
            );
            if let Some(marker) = range.marker {
                diamond(
                    out,
                    value.px(marker),
                    y + ROW / 2.0,
                    marker_colour,
                    &range.category,
                    &unit.label(marker),
                );
            }
            row += 1;
        }
        for summary in &self.boxes {
            let y = top + ROW * row as f64;
            category_label(out, &summary.category, y);
            draw_box(out, summary, &value, y, unit, span_colour);
            diamond(
                out,
                value.px(summary.mean),
                y + ROW / 2.0,
                marker_colour,
                &summary.category,
                &unit.label(summary.mean),
            );
            row += 1;
        }
        close(out);
    }
}

fn diamond(out: &mut String, x: f64, y: f64, fill: &str, category: &str, value: &str) {
    let _ = write!(
        out,
        "<path class=\"mark marker\" fill=\"{fill}\" d=\"M{x:.1} {:.1}l5 5l-5 5l-5 -5Z\"><title>{}: {}</title></path>",
        y - 5.0,
        escape(category),
        escape(value)
    );
}

fn draw_box(out: &mut String, b: &BoxSummary, value: &Scale, row_y: f64, unit: Unit, fill: &str) {
    let middle = row_y + ROW / 2.0;
    let (w0, q1, q2, q3, w1) = (
        value.px(b.whisker_low),
        value.px(b.box_low),
        value.px(b.median),
        value.px(b.box_high),
        value.px(b.whisker_high),
    );
    let _ = write!(
        out,
        "<g class=\"mark box\"><title>{}: {} / {} / {} / {} / {}</title>\
         <line x1=\"{w0:.1}\" y1=\"{middle:.1}\" x2=\"{w1:.1}\" y2=\"{middle:.1}\" stroke=\"#333\"/>\
         <rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{fill}\" fill-opacity=\"0.6\" stroke=\"#333\"/>\
         <line x1=\"{q2:.1}\" y1=\"{:.1}\" x2=\"{q2:.1}\" y2=\"{:.1}\" stroke=\"#000\" stroke-width=\"2\"/></g>",
        escape(&b.category),
        unit.label(b.whisker_low),
        unit.label(b.box_low),
        unit.label(b.median),
        unit.label(b.box_high),
        unit.label(b.whisker_high),
        q1.min(q3),
        row_y + 4.0,
        (q3 - q1).abs().max(1.5),
        ROW - 8.0,
        row_y + 3.0,
        row_y + ROW - 3.0,
    );
}
