//! The scenario loader: any text, YAML or JSON, is loaded and resolved. It must
//! give a scenario or errors, never a panic, an abort or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rtgsim_scenario::config::ScenarioInput;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Policy paths resolve against a directory that does not exist: a file
    // reference is an error like any other, and the fuzzer never reads the disk.
    if let Ok(mut input) = ScenarioInput::from_text(text, "fuzz.yaml", Path::new("/nonexistent"))
        && let Ok(scenario) = input.resolve()
    {
        let _ = scenario.build_policies();
    }
});
