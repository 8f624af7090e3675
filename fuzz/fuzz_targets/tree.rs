//! The `tree` fuzz target: see [`rtgsim_fuzz::tree`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rtgsim_fuzz::tree(data));
