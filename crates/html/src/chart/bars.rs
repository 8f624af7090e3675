//! Bars per category, stacked by component: in rows or as columns.

use super::{
    Axis, BOTTOM, Heading, LABEL_WIDTH, LEFT, MIN_ROWS_HEIGHT, PLOT_HEIGHT, RIGHT, ROW, ROWS_TOP,
    Scale, TOP, Unit, WIDTH, axis_titles, close, colour, legend, legend_extra_height, open,
    row_frame, shorten,
};
use crate::text::escape;
use std::fmt::Write as _;

/// One component of stacked bars: its value in each category.
#[derive(Debug, Clone)]
pub struct Stack {
    pub label: String,
    pub values: Vec<f64>,
}

/// Bars, one per category, each the sum of its stacked components; horizontal
/// (categories down the side, readable with long names) or as columns.
#[derive(Debug, Clone)]
pub struct BarChart {
    pub heading: Heading,
    pub categories: Vec<String>,
    pub category_axis: Axis,
    pub value_axis: Axis,
    pub stacks: Vec<Stack>,
    pub columns: bool,
}

impl BarChart {
    pub fn render(&self, out: &mut String) {
        let nonzero = |s: &&Stack| s.values.iter().any(|v| *v != 0.0);
        let stacks: Vec<&Stack> = self.stacks.iter().filter(nonzero).collect();
        if self.categories.is_empty() || stacks.is_empty() {
            return;
        }
        // The axis spans the largest positive stack and the deepest negative one.
        let (mut min, mut max) = (0.0f64, 0.0f64);
        for c in 0..self.categories.len() {
            let values = stacks
                .iter()
                .map(|s| s.values.get(c).copied().unwrap_or(0.0));
            max = max.max(values.clone().filter(|v| *v > 0.0).sum());
            min = min.min(values.filter(|v| *v < 0.0).sum());
        }
        let entries: Vec<(String, &str, &str)> = stacks
            .iter()
            .enumerate()
            .map(|(i, s)| (s.label.clone(), colour(i, stacks.len()), ""))
            .collect();
        if self.columns {
            self.render_columns(out, &stacks, &entries, (min, max));
        } else {
            self.render_rows(out, &stacks, &entries, (min, max));
        }
    }

    fn render_rows(
        &self,
        out: &mut String,
        stacks: &[&Stack],
        entries: &[(String, &str, &str)],
        (min, max): (f64, f64),
    ) {
        let top = ROWS_TOP + legend_extra_height(entries);
        let plot = (ROW * self.categories.len() as f64).max(MIN_ROWS_HEIGHT);
        let height = top + plot + BOTTOM;
        let value = Scale::new(min, max, self.value_axis.unit, (LABEL_WIDTH, WIDTH - RIGHT));
        open(out, &self.heading, height);
        legend(out, entries);
        row_frame(
            out,
            &value,
            (&self.value_axis, &self.category_axis),
            top,
            top + plot,
        );
        for (c, category) in self.categories.iter().enumerate() {
            let row_y = top + ROW * c as f64;
            let _ = write!(
                out,
                "<text class=\"category\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                LABEL_WIDTH - 6.0,
                row_y + ROW / 2.0 + 4.0,
                escape(&shorten(category, 32))
            );
            let (mut positive, mut negative) = (0.0, 0.0);
            for (stack, (label, fill, _)) in stacks.iter().zip(entries) {
                let v = stack.values.get(c).copied().unwrap_or(0.0);
                if v == 0.0 {
                    continue;
                }
                let base = if v > 0.0 {
                    &mut positive
                } else {
                    &mut negative
                };
                let (a, b) = (value.px(*base), value.px(*base + v));
                *base += v;
                let _ = write!(
                    out,
                    "<rect class=\"mark bar\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{fill}\">\
                     <title>{}: {}</title></rect>",
                    a.min(b),
                    row_y + 3.0,
                    (b - a).abs().max(0.5),
                    ROW - 6.0,
                    escape(category),
                    escape(&format!("{label} {}", self.value_axis.unit.label(v)))
                );
            }
        }
        close(out);
    }

    fn render_columns(
        &self,
        out: &mut String,
        stacks: &[&Stack],
        entries: &[(String, &str, &str)],
        (min, max): (f64, f64),
    ) {
        let top = TOP + 14.0 + legend_extra_height(entries);
        let height = top + PLOT_HEIGHT + BOTTOM;
        let value = Scale::new(min, max, self.value_axis.unit, (top + PLOT_HEIGHT, top));
        let slot = (WIDTH - RIGHT - LEFT) / self.categories.len() as f64;
        open(out, &self.heading, height);
        legend(out, entries);
        // The category axis: a label under every column, or under every n-th when
        // they would overlap.
        let every = (self.categories.len() as f64 * 40.0 / (WIDTH - LEFT - RIGHT)).ceil() as usize;
        out.push_str("<g class=\"axes\">");
        for &tick in &value.ticks {
            let py = value.px(tick);
            let _ = write!(
                out,
                "<line class=\"grid\" x1=\"{LEFT}\" y1=\"{py:.1}\" x2=\"{:.1}\" y2=\"{py:.1}\"/>\
                 <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                WIDTH - RIGHT,
                LEFT - 6.0,
                py + 4.0,
                escape(&self.value_axis.unit.label(tick))
            );
        }
        for (c, category) in self.categories.iter().enumerate().step_by(every.max(1)) {
            let _ = write!(
                out,
                "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                LEFT + slot * (c as f64 + 0.5),
                top + PLOT_HEIGHT + 16.0,
                escape(&shorten(category, 10))
            );
        }
        let across = Scale::new(0.0, 1.0, Unit::Share, (LEFT, WIDTH - RIGHT));
        axis_titles(
            out,
            &self.category_axis.title,
            &self.value_axis.title,
            &across,
            top,
            top + PLOT_HEIGHT,
        );
        out.push_str("</g>");
        for (c, category) in self.categories.iter().enumerate() {
            let mut base = 0.0;
            for (stack, (label, fill, _)) in stacks.iter().zip(entries) {
                let v = stack.values.get(c).copied().unwrap_or(0.0);
                if v == 0.0 {
                    continue;
                }
                let (a, b) = (value.px(base), value.px(base + v));
                base += v;
                let _ = write!(
                    out,
                    "<rect class=\"mark bar\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{fill}\">\
                     <title>{}: {}</title></rect>",
                    LEFT + slot * c as f64 + slot * 0.1,
                    a.min(b),
                    (slot * 0.8).max(0.5),
                    (b - a).abs().max(0.5),
                    escape(category),
                    escape(&format!("{label} {}", self.value_axis.unit.label(v)))
                );
            }
        }
        close(out);
    }
}
