//! The `starlark` fuzz target: see [`rtgsim_fuzz::starlark`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| rtgsim_fuzz::starlark(data));
