//! Charts drawn as inline SVG: lines with bands, bars (stacked or not), ranges and
//! boxes. Each chart is one `<figure class="chart">` with a caption, an SVG title and
//! description, axis titles that name their units, and one `.mark` element per drawn
//! datum, so a page reads without JavaScript, prints, and can be checked by a
//! program. A chart with nothing to draw writes nothing.
//!
//! Colours come from one ramp whose lightness rises monotonically (viridis), so
//! neighbouring series stay apart when printed in grey; lines also differ by dash.

use crate::text::escape;
use std::fmt::Write as _;

mod bars;
mod lines;
mod spans;

pub use bars::{BarChart, Stack};
pub use lines::{Band, Line, LineChart};
pub use spans::{BoxSummary, Range, SpanChart};

/// The drawing area, in SVG user units.
pub(crate) const WIDTH: f64 = 960.0;
pub(crate) const PLOT_HEIGHT: f64 = 260.0;
pub(crate) const LEFT: f64 = 92.0;
pub(crate) const RIGHT: f64 = 24.0;
pub(crate) const TOP: f64 = 16.0;
pub(crate) const BOTTOM: f64 = 52.0;
/// Height of one category row in a horizontal chart.
pub(crate) const ROW: f64 = 22.0;
/// The least height of a horizontal chart's rows (three rows' worth).
pub(crate) const MIN_ROWS_HEIGHT: f64 = 66.0;
/// Where a horizontal chart's rows start: below the legend and the category axis's
/// title, which stands above the category labels.
pub(crate) const ROWS_TOP: f64 = TOP + 32.0;
/// Left margin of a horizontal chart (its category labels).
pub(crate) const LABEL_WIDTH: f64 = 236.0;

/// Eight steps of the viridis ramp, dark to light (sampled at ninths; its last,
/// yellow step is left out: it vanishes on white paper).
pub(crate) const PALETTE: [&str; 8] = [
    "#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30",
];
pub(crate) const DASHES: [&str; 4] = ["", "6 3", "2 3", "8 3 2 3"];

/// The colour of series `index` of `count`, spread over the ramp.
pub(crate) fn colour(index: usize, count: usize) -> &'static str {
    if count <= 1 {
        return PALETTE[2];
    }
    let step = (PALETTE.len() - 1) as f64 / (count - 1).max(1) as f64;
    PALETTE[((index as f64 * step).round() as usize).min(PALETTE.len() - 1)]
}

/// What the numbers on an axis are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Money in cents, labelled in currency units (`1.2M`).
    Cents,
    Count,
    Ticks,
    /// A share from 0 to 1, labelled as a percentage.
    Share,
    /// Any other number (a setting's value).
    Number,
}

impl Unit {
    /// The smallest step between ticks: one of the unit (a cent, a payment, a tick),
    /// or a tenth of a percent of a share.
    fn least_step(self) -> f64 {
        match self {
            Unit::Cents | Unit::Count | Unit::Ticks => 1.0,
            Unit::Share => 0.001,
            Unit::Number => 1e-6,
        }
    }

    pub(crate) fn label(self, value: f64) -> String {
        match self {
            Unit::Cents => abbreviate(value / 100.0),
            Unit::Count | Unit::Ticks | Unit::Number => abbreviate(value),
            Unit::Share => format!("{}%", trim(value * 100.0)),
        }
    }
}

/// `1234567` as `1.23M`: axis labels stay short whatever the scale.
fn abbreviate(value: f64) -> String {
    let magnitude = value.abs();
    for (size, suffix) in [(1e12, "T"), (1e9, "bn"), (1e6, "M"), (1e3, "k")] {
        if magnitude >= size {
            return format!("{}{suffix}", trim(value / size));
        }
    }
    trim(value)
}

/// A number with at most three significant decimals and no trailing zeros.
fn trim(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

/// A linear map from data values onto a pixel interval, over "nice" bounds.
#[derive(Debug, Clone)]
pub(crate) struct Scale {
    low: f64,
    high: f64,
    pub(crate) from_px: f64,
    pub(crate) to_px: f64,
    pub(crate) ticks: Vec<f64>,
}

impl Scale {
    /// Bounds that take in `min..max` (and zero, for money and counts, when close) and
    /// about five round ticks.
    /// Ticks are never closer than the unit allows (a cent, one payment, one
    /// tick); a flat range is widened by five such steps, upward unless it is below
    /// zero.
    pub(crate) fn new(
        mut min: f64,
        mut max: f64,
        unit: Unit,
        (from_px, to_px): (f64, f64),
    ) -> Scale {
        let least = unit.least_step();
        if !min.is_finite() || !max.is_finite() {
            (min, max) = (0.0, 5.0 * least);
        }
        if max <= min {
            if max > 0.0 || min >= 0.0 {
                max = min + 5.0 * least;
            } else {
                min = max - 5.0 * least;
            }
        }
        let step = nice_step(((max - min) / 5.0).max(least));
        let low = (min / step).floor() * step;
        let high = (max / step).ceil() * step;
        let count = ((high - low) / step).round() as usize;
        let ticks = (0..=count).map(|i| low + i as f64 * step).collect();
        Scale {
            low,
            high,
            from_px,
            to_px,
            ticks,
        }
    }

    pub(crate) fn px(&self, value: f64) -> f64 {
        let span = self.high - self.low;
        self.from_px + (value - self.low) / span * (self.to_px - self.from_px)
    }
}

/// 1, 2 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let magnitude = 10f64.powf(raw.log10().floor());
    let fraction = raw / magnitude;
    let nice = match fraction {
        f if f <= 1.0 => 1.0,
        f if f <= 2.0 => 2.0,
        f if f <= 5.0 => 5.0,
        _ => 10.0,
    };
    nice * magnitude
}

/// An axis: its title (which names the unit) and how its numbers read.
#[derive(Debug, Clone)]
pub struct Axis {
    pub title: String,
    pub unit: Unit,
}

impl Axis {
    pub fn new(title: &str, unit: Unit) -> Axis {
        Axis {
            title: title.to_string(),
            unit,
        }
    }
}

/// What every chart has: its id, title and a sentence saying what it shows.
#[derive(Debug, Clone)]
pub struct Heading {
    pub name: String,
    pub title: String,
    pub description: String,
}

impl Heading {
    pub fn new(name: &str, title: &str, description: &str) -> Heading {
        Heading {
            name: name.to_string(),
            title: title.to_string(),
            description: description.to_string(),
        }
    }
}

/// Opens the figure and the SVG; [`close`] ends them.
pub(crate) fn open(out: &mut String, heading: &Heading, height: f64) {
    let name = escape(&heading.name);
    let _ = write!(
        out,
        "<figure class=\"chart\" data-chart=\"{name}\"><figcaption>{title}</figcaption>\
         <p class=\"note\">{description}</p>\
         <svg role=\"img\" aria-labelledby=\"t-{name} d-{name}\" viewBox=\"0 0 {WIDTH} {height}\" \
         width=\"{WIDTH}\" height=\"{height}\"><title id=\"t-{name}\">{title}</title>\
         <desc id=\"d-{name}\">{description}</desc>",
        title = escape(&heading.title),
        description = escape(&heading.description),
    );
}

pub(crate) fn close(out: &mut String) {
    out.push_str("</svg></figure>\n");
}

/// A legend above the plot: one swatch and label per series.
pub(crate) fn legend(out: &mut String, entries: &[(String, &str, &str)]) {
    if entries.is_empty() {
        return;
    }
    out.push_str("<g class=\"legend\">");
    for ((label, colour, dash), (x, row)) in entries.iter().zip(legend_layout(entries)) {
        let y = 8.0 + LEGEND_ROW * row as f64;
        let _ = write!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"{colour}\" stroke-width=\"6\" stroke-dasharray=\"{dash}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            x + 18.0,
            x + 22.0,
            y + 4.0,
            escape(&shorten(label, LEGEND_LABEL_CHARS))
        );
    }
    out.push_str("</g>");
}

/// Height of one legend row.
const LEGEND_ROW: f64 = 16.0;
/// A legend label's most characters (the full names are in the tables).
const LEGEND_LABEL_CHARS: usize = 40;

/// Where each legend entry starts and on which row: entries run left to right and
/// wrap before the right edge, so every label stays inside the chart.
fn legend_layout(entries: &[(String, &str, &str)]) -> Vec<(f64, usize)> {
    let mut places = Vec::with_capacity(entries.len());
    let (mut x, mut row) = (LEFT, 0usize);
    for (label, _, _) in entries {
        let chars = label.chars().count().min(LEGEND_LABEL_CHARS);
        let width = 30.0 + 6.5 * chars as f64;
        if x > LEFT && x + width > WIDTH - RIGHT {
            (x, row) = (LEFT, row + 1);
        }
        places.push((x, row));
        x += width;
    }
    places
}

/// What a legend adds above the plot beyond its first row (which every chart's
/// top leaves room for).
pub(crate) fn legend_extra_height(entries: &[(String, &str, &str)]) -> f64 {
    let rows = legend_layout(entries).last().map_or(0, |&(_, row)| row);
    LEGEND_ROW * rows as f64
}

/// Grid lines, tick labels and the axis titles of a chart with a value axis across
/// (`x`) and one up (`y`).
pub(crate) fn axes(out: &mut String, x: &Scale, x_axis: &Axis, y: &Scale, y_axis: &Axis, top: f64) {
    let bottom = y.from_px;
    out.push_str("<g class=\"axes\">");
    for &tick in &y.ticks {
        let py = y.px(tick);
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{:.1}\" y1=\"{py:.1}\" x2=\"{:.1}\" y2=\"{py:.1}\"/>\
             <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            x.from_px,
            x.to_px,
            x.from_px - 6.0,
            py + 4.0,
            escape(&y_axis.unit.label(tick))
        );
    }
    for &tick in &x.ticks {
        let px = x.px(tick);
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{px:.1}\" y1=\"{top:.1}\" x2=\"{px:.1}\" y2=\"{bottom:.1}\"/>\
             <text class=\"tick\" x=\"{px:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            bottom + 16.0,
            escape(&x_axis.unit.label(tick))
        );
    }
    axis_titles(out, &x_axis.title, &y_axis.title, x, top, bottom);
    out.push_str("</g>");
}

/// The frame of a horizontal chart: the value axis's grid and labels across the
/// rows, and both axis titles.
pub(crate) fn row_frame(
    out: &mut String,
    value: &Scale,
    (value_axis, category_axis): (&Axis, &Axis),
    top: f64,
    bottom: f64,
) {
    value_axis_across(out, value, value_axis, top, bottom);
    row_axis_titles(
        out,
        &value_axis.title,
        &category_axis.title,
        value,
        top,
        bottom,
    );
}

/// The axis titles of a horizontal chart: the value axis's under the plot, the
/// category axis's above the category labels (written across, it fits however few
/// the rows).
fn row_axis_titles(
    out: &mut String,
    value_title: &str,
    category_title: &str,
    value: &Scale,
    top: f64,
    bottom: f64,
) {
    let _ = write!(
        out,
        "<text class=\"axis-title\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\
         <text class=\"axis-title\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
        (value.from_px + value.to_px) / 2.0,
        bottom + 40.0,
        escape(value_title),
        LABEL_WIDTH - 6.0,
        top - 6.0,
        escape(category_title)
    );
}

pub(crate) fn axis_titles(
    out: &mut String,
    x_title: &str,
    y_title: &str,
    x: &Scale,
    top: f64,
    bottom: f64,
) {
    let middle_y = (top + bottom) / 2.0;
    let _ = write!(
        out,
        "<text class=\"axis-title\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\
         <text class=\"axis-title\" x=\"14\" y=\"{middle_y:.1}\" text-anchor=\"middle\" \
         transform=\"rotate(-90 14 {middle_y:.1})\">{}</text>",
        (x.from_px + x.to_px) / 2.0,
        bottom + 40.0,
        escape(x_title),
        escape(y_title)
    );
}

pub(crate) fn min_max(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        })
}

/// The value axis of a horizontal chart: grid lines down the rows, labels under them.
fn value_axis_across(out: &mut String, value: &Scale, axis: &Axis, top: f64, bottom: f64) {
    out.push_str("<g class=\"axes\">");
    for &tick in &value.ticks {
        let px = value.px(tick);
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{px:.1}\" y1=\"{top:.1}\" x2=\"{px:.1}\" y2=\"{bottom:.1}\"/>\
             <text class=\"tick\" x=\"{px:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            bottom + 16.0,
            escape(&axis.unit.label(tick))
        );
    }
    out.push_str("</g>");
}

/// A name cut to `chars` characters with an ellipsis (the full name is in the table).
pub(crate) fn shorten(name: &str, chars: usize) -> String {
    if name.chars().count() <= chars {
        return name.to_string();
    }
    let mut short: String = name.chars().take(chars - 1).collect();
    short.push('…');
    short
}

pub(crate) fn category_label(out: &mut String, category: &str, row_y: f64) {
    let _ = write!(
        out,
        "<text class=\"category\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
        LABEL_WIDTH - 6.0,
        row_y + ROW / 2.0 + 4.0,
        escape(&shorten(category, 32))
    );
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(nice_step(0.7), 1.0);
        assert_eq!(nice_step(1.3), 2.0);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(7.0), 10.0);
        assert_eq!(nice_step(230.0), 500.0);
    }

    #[test]
    fn a_scale_takes_in_its_values_on_round_ticks() {
        let scale = Scale::new(3.0, 97.0, Unit::Count, (0.0, 100.0));
        assert_eq!(scale.ticks, vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!(scale.px(50.0), 50.0);
        // A flat range gets an axis of five steps of its unit, upward from zero.
        let flat = Scale::new(0.0, 0.0, Unit::Cents, (0.0, 10.0));
        assert_eq!(flat.ticks, vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        // No tick closer than a cent, whatever the range.
        let tiny = Scale::new(0.0, 2.0, Unit::Cents, (0.0, 10.0));
        assert!(
            tiny.ticks.windows(2).all(|w| w[1] - w[0] >= 1.0),
            "{:?}",
            tiny.ticks
        );
        let below = Scale::new(-7.0, -7.0, Unit::Count, (0.0, 10.0));
        assert!(below.low <= -12.0 && below.high >= -7.0);
    }

    #[test]
    fn labels_are_short_and_in_the_axis_unit() {
        assert_eq!(Unit::Cents.label(123_456_700.0), "1.23M");
        assert_eq!(Unit::Count.label(2_500.0), "2.5k");
        assert_eq!(Unit::Share.label(0.25), "25%");
        assert_eq!(Unit::Ticks.label(-0.0), "0");
    }

    /// Relative luminance (WCAG) of `#rrggbb`: what is left of a colour in grey.
    fn luminance(hex: &str) -> f64 {
        let channel = |i: usize| {
            let value = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
            if value <= 0.039_28 {
                value / 12.92
            } else {
                ((value + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
    }

    #[test]
    fn neighbouring_colours_stay_apart_in_grey() {
        let grey: Vec<f64> = PALETTE.iter().map(|c| luminance(c)).collect();
        for pair in grey.windows(2) {
            // Each step lighter than the last by at least 1.2 in contrast ratio.
            let ratio = (pair[1] + 0.05) / (pair[0] + 0.05);
            assert!(ratio >= 1.2, "{grey:?}");
        }
        // The darkest and the lightest differ as text does from its background.
        assert!(
            (grey[grey.len() - 1] + 0.05) / (grey[0] + 0.05) >= 4.5,
            "{grey:?}"
        );
    }

    #[test]
    fn legends_wrap_and_stay_inside_the_chart() {
        let long = "a label of sixty characters, as long as an agent's id may be";
        let entries: Vec<(String, &str, &str)> = (0..9)
            .map(|i| (format!("{long} {i}"), "#000", ""))
            .collect();
        let places = legend_layout(&entries);
        for ((label, _, _), (x, _)) in entries.iter().zip(&places) {
            let chars = label.chars().count().min(LEGEND_LABEL_CHARS);
            assert!(x + 30.0 + 6.5 * chars as f64 <= WIDTH - RIGHT, "{x}");
        }
        // Two entries of 40 characters a row: five rows, four beyond the first.
        assert_eq!(legend_extra_height(&entries), 4.0 * LEGEND_ROW);
    }

    #[test]
    fn up_to_eight_series_get_eight_different_colours() {
        for count in 1..=PALETTE.len() {
            let colours: std::collections::BTreeSet<&str> =
                (0..count).map(|i| colour(i, count)).collect();
            assert_eq!(colours.len(), count);
        }
    }

    #[test]
    fn a_chart_without_data_writes_nothing() {
        let mut out = String::new();
        LineChart {
            heading: Heading::new("empty", "Empty", "nothing"),
            x: Axis::new("tick", Unit::Ticks),
            y: Axis::new("value", Unit::Count),
            lines: vec![Line {
                label: "none".into(),
                points: vec![],
            }],
            bands: vec![],
        }
        .render(&mut out);
        assert!(out.is_empty());
    }
}
