//! The `convert` fuzz target: see [`rtgsim_fuzz::convert`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rtgsim_fuzz::convert(data));
