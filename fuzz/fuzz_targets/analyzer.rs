//! The `analyzer` fuzz target: see [`rtgsim_fuzz::analyzer`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rtgsim_fuzz::analyzer(data));
