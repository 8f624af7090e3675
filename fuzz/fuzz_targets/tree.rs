//! The decision-tree loader and validator, then the loaded tree's calls on a fixed
//! world. A tree that loads must run without a panic; its calls may fail.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rtgsim_policy_dsl::TreePolicy;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(mut policy) = TreePolicy::from_text(text) {
        rtgsim_fuzz::drive(&mut policy);
    }
});
