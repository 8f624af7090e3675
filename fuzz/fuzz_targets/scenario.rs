//! The `scenario` fuzz target: see [`rtgsim_fuzz::scenario`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rtgsim_fuzz::scenario(data));
