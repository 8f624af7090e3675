//! Differential: a tree the validator accepts converts to a Starlark script that
//! loads and decides exactly as the tree does on a fixed world, call for call.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rtgsim_policy_convert::ConvertError;
use rtgsim_policy_dsl::TreePolicy;
use rtgsim_policy_starlark::StarlarkPolicy;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(mut tree) = TreePolicy::from_text(text) else {
        return;
    };
    let script = match rtgsim_policy_convert::convert_text(text, "fuzz.json") {
        Ok(script) => script,
        // Some valid trees have no Starlark equivalent, and the converter says so.
        Err(ConvertError::Unsupported(_)) => return,
        Err(e) => panic!("the tree loaded but the converter refused it: {e}\n{text}"),
    };
    let mut starlark = match StarlarkPolicy::from_source("fuzz.star", &script, Default::default()) {
        Ok(policy) => policy,
        Err(e) => panic!("a conversion did not load: {e}\n{script}"),
    };
    let expected = rtgsim_fuzz::drive(&mut tree);
    let got = rtgsim_fuzz::drive(&mut starlark);
    assert_eq!(
        expected, got,
        "tree and conversion decide apart\n{text}\n{script}"
    );
});
