//! Lines over a common x axis, with shaded bands.

use super::{
    Axis, BOTTOM, DASHES, Heading, LEFT, PLOT_HEIGHT, RIGHT, Scale, TOP, WIDTH, axes, close,
    colour, legend, legend_extra_height, min_max, open,
};
use crate::text::escape;
use std::fmt::Write as _;

/// One line of a line chart: `(x, y)` points in order of x.
#[derive(Debug, Clone)]
pub struct Line {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

/// A shaded band between a lower and an upper line over the same xs.
#[derive(Debug, Clone)]
pub struct Band {
    pub label: String,
    pub x: Vec<f64>,
    pub low: Vec<f64>,
    pub high: Vec<f64>,
}

/// Lines (and bands) over a common x axis.
#[derive(Debug, Clone)]
pub struct LineChart {
    pub heading: Heading,
    pub x: Axis,
    pub y: Axis,
    pub lines: Vec<Line>,
    pub bands: Vec<Band>,
}

impl LineChart {
    pub fn render(&self, out: &mut String) {
        let lines: Vec<&Line> = self.lines.iter().filter(|l| !l.points.is_empty()).collect();
        let bands: Vec<&Band> = self.bands.iter().filter(|b| !b.x.is_empty()).collect();
        if lines.is_empty() && bands.is_empty() {
            return;
        }
        let xs = lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.0))
            .chain(bands.iter().flat_map(|b| b.x.iter().copied()));
        let ys = lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.1))
            .chain(
                bands
                    .iter()
                    .flat_map(|b| b.low.iter().chain(&b.high).copied()),
            );
        let (x_min, x_max) = min_max(xs);
        let (y_min, y_max) = min_max(ys);
        let count = lines.len() + bands.len();
        let mut entries = Vec::new();
        for (i, band) in bands.iter().enumerate() {
            let fill = colour(i, count);
            entries.push((band.label.clone(), fill, ""));
        }
        for (i, line) in lines.iter().enumerate() {
            let index = bands.len() + i;
            entries.push((
                line.label.clone(),
                colour(index, count),
                DASHES[i % DASHES.len()],
            ));
        }
        let top = TOP + 14.0 + legend_extra_height(&entries);
        let height = top + PLOT_HEIGHT + BOTTOM;
        let x = Scale::new(x_min, x_max, self.x.unit, (LEFT, WIDTH - RIGHT));
        let y = Scale::new(
            y_min.min(0.0),
            y_max.max(0.0),
            self.y.unit,
            (top + PLOT_HEIGHT, top),
        );
        open(out, &self.heading, height);
        legend(out, &entries);
        axes(out, &x, &self.x, &y, &self.y, top);
        for (band, (_, fill, _)) in bands.iter().zip(&entries) {
            draw_band(out, band, &x, &y, fill);
        }
        for (line, (_, stroke, dash)) in lines.iter().zip(&entries[bands.len()..]) {
            draw_line(out, line, &x, &y, stroke, dash);
        }
        close(out);
    }
}

fn draw_line(out: &mut String, line: &Line, x: &Scale, y: &Scale, stroke: &str, dash: &str) {
    let _ = write!(
        out,
        "<path class=\"mark line\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"2.2\" \
         stroke-dasharray=\"{dash}\" data-label=\"{}\" d=\"",
        escape(&line.label)
    );
    for (i, &(px, py)) in line.points.iter().enumerate() {
        let command = if i == 0 { 'M' } else { 'L' };
        let _ = write!(out, "{command}{:.1} {:.1}", x.px(px), y.px(py));
    }
    // A single point still shows: a path of one point draws nothing.
    if line.points.len() == 1 {
        out.push_str("h1");
    }
    out.push_str("\"/>");
}

fn draw_band(out: &mut String, band: &Band, x: &Scale, y: &Scale, fill: &str) {
    let _ = write!(
        out,
        "<path class=\"mark band\" fill=\"{fill}\" fill-opacity=\"0.3\" stroke=\"{fill}\" \
         stroke-width=\"0.5\" data-label=\"{}\" d=\"",
        escape(&band.label)
    );
    for (i, (&px, &high)) in band.x.iter().zip(&band.high).enumerate() {
        let command = if i == 0 { 'M' } else { 'L' };
        let _ = write!(out, "{command}{:.1} {:.1}", x.px(px), y.px(high));
    }
    for (&px, &low) in band.x.iter().zip(&band.low).rev() {
        let _ = write!(out, "L{:.1} {:.1}", x.px(px), y.px(low));
    }
    out.push_str("Z\"/>");
}
