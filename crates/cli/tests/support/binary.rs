//! Running the real `rtgsim` binary from a test.
#![allow(dead_code, clippy::expect_used)] // test helpers fail loudly

use std::process::{Command, Output};

pub fn rtgsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rtgsim"))
        .args(args)
        .output()
        .expect("rtgsim runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
