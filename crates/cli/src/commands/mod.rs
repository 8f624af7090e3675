//! The subcommands of `rtgsim`, each rendering for people (or `--json` for programs)
//! what the library computes.

pub mod audit;
pub mod check;
pub mod compare;
pub mod convert;
pub mod game;
pub mod optimize;
pub mod policy;
pub mod report;
pub mod run;
pub mod runs;
pub mod stress;
pub mod sweep;
