//! One module per page type; each turns what its command computed into a document.

pub mod compare;
pub mod game;
pub mod run;
mod run_tables;
pub mod stress;
pub mod sweep;
