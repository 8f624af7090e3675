//! The Starlark loader with the sandbox limits (a lower step limit), then each entry point on a
//! fixed world. Whatever the script does, the process must survive in bounded time
//! and memory: a refusal at load or a failed call are the only ways out.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rtgsim_policy_starlark::{Limits, StarlarkPolicy};

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    // The default step limit lets a runaway loop run a million steps, seconds under
    // the instrumentation; a lower one keeps the fuzzer fast and still reaches the
    // limit's code on every loop it writes. The other limits stay as users get them.
    let limits = Limits {
        max_steps: 20_000,
        ..Limits::default()
    };
    if let Ok(mut policy) = StarlarkPolicy::from_source("fuzz.star", source, limits) {
        rtgsim_fuzz::drive(&mut policy);
    }
});
