//! A run's inputs fingerprint: the same for a scenario read from its YAML file and
//! from the JSON a database stores (so a resumed run's audit chain and checkpoint
//! bindings match the run's), and different for any change of the scenario or of a
//! policy file's text.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;

use common::{fixture_names, fixtures_dir};
use rtgsim_scenario::config::ScenarioInput;
use std::collections::BTreeMap;

/// The fixture as read from disk, and as rebuilt from what a store keeps.
fn read_and_stored(name: &str) -> (ScenarioInput, String, BTreeMap<String, String>) {
    let mut input = ScenarioInput::from_path(&fixtures_dir().join(name)).unwrap();
    input.resolve().unwrap();
    let json = serde_json::to_string(&input.file).unwrap();
    let files = input.policy_files().clone();
    (input, json, files)
}

fn fingerprint_of(json: &str, files: &BTreeMap<String, String>) -> String {
    ScenarioInput::stored(json, "stored", files.clone())
        .and_then(|mut input| input.resolve())
        .map(|scenario| scenario.inputs_sha256)
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_fixture_has_the_same_fingerprint_from_its_file_and_from_a_store() {
    for name in fixture_names() {
        let (mut input, json, files) = read_and_stored(&name);
        let from_file = input.resolve().unwrap().inputs_sha256;
        assert_eq!(from_file.len(), 64, "{name}");
        assert_eq!(fingerprint_of(&json, &files), from_file, "{name}");
    }
}

#[test]
fn any_change_of_the_scenario_or_a_policy_text_changes_the_fingerprint() {
    let (mut input, json, files) = read_and_stored("starlark_policies.yaml");
    assert!(!files.is_empty(), "the fixture reads policy files");
    let original = input.resolve().unwrap().inputs_sha256;

    let mut reseeded = input.file.clone();
    reseeded.simulation.seed += 1;
    let reseeded = serde_json::to_string(&reseeded).unwrap();
    assert_ne!(fingerprint_of(&reseeded, &files), original, "the seed");

    let (path, text) = files.iter().next().unwrap();
    let mut edited = files.clone();
    edited.insert(path.clone(), format!("{text}\n# edited\n"));
    assert_ne!(fingerprint_of(&json, &edited), original, "a policy text");

    let mut extra = files.clone();
    extra.insert("unused.star".into(), "x = 1\n".into());
    assert_ne!(fingerprint_of(&json, &extra), original, "a file added");
}
