//! # rtgsim-html
//!
//! The HTML report: one self-contained page per run (and per sweep, comparison or
//! stress test), charts drawn as inline SVG by [`chart`], with nothing fetched when
//! the page is opened. A run's page reads its [`RunSummary`](rtgsim_report::RunSummary)
//! and the [`series::RunSeries`] gathered from its events while it ran.
//!
//! **What this crate must not do:** run anything or compute a figure the summary
//! or the events do not give; a page shows what the run yielded.
//!
//! Each page type is one module of [`pages`]: a new one takes its command's
//! result, writes sections with [`page::Page`], and draws with [`chart`].

pub mod chart;
pub mod page;
pub mod pages;
pub mod series;
pub mod text;

pub use pages::compare::render as compare_page;
pub use pages::game::render as game_page;
pub use pages::run::{RunPage, render as run_page};
pub use pages::stress::render as stress_page;
pub use pages::sweep::{SweepPage, render as sweep_page};
pub use series::RunSeries;
