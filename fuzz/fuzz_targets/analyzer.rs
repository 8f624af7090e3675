//! The static analyzer on any text, read both as a Starlark script and as a
//! decision tree: findings or nothing, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = rtgsim_analyzer::analyze_starlark("fuzz.star", text);
    let _ = rtgsim_analyzer::analyze_tree("fuzz.json", text);
});
