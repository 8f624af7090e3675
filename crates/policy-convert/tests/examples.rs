//! Every JSON policy in `policies/` converts; the scripts read as snapshots, pass the
//! static analyzer with no findings, load as Starlark policies, and convert the same
//! way twice; `policies/converted/` holds the conversions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers fail loudly

use std::path::{Path, PathBuf};

fn policies() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let mut files = Vec::new();
    for dir in [root.clone(), root.join("builtin")] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn origin(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = root.canonicalize().unwrap();
    path.canonicalize()
        .unwrap()
        .strip_prefix(&root)
        .unwrap()
        .display()
        .to_string()
}

/// `policies/builtin/fifo.json` is converted to `policies/converted/builtin_fifo.star`.
fn converted_path(origin: &str) -> PathBuf {
    let name = origin
        .trim_start_matches("policies/")
        .replace("builtin/", "builtin_")
        .replace(".json", ".star");
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../policies/converted")
        .join(name)
}

#[test]
fn every_example_converts_to_a_clean_stable_script() {
    let files = policies();
    assert!(files.len() >= 7, "found only {files:?}");
    for path in files {
        let origin = origin(&path);
        let text = std::fs::read_to_string(&path).unwrap();
        let script = rtgsim_policy_convert::convert_text(&text, &origin)
            .unwrap_or_else(|e| panic!("{origin}: {e}"));
        let again = rtgsim_policy_convert::convert_text(&text, &origin).unwrap();
        assert_eq!(script, again, "{origin}: two conversions differ");

        let name = origin.replace(".json", ".star");
        let findings = rtgsim_analyzer::analyze_starlark(&name, &script);
        assert!(findings.is_empty(), "{name}:\n{findings:#?}\n{script}");
        rtgsim_policy_starlark::StarlarkPolicy::from_source(&name, &script, Default::default())
            .unwrap_or_else(|e| panic!("{name}: {e}\n{script}"));

        let snapshot = origin.replace('/', "__");
        insta::assert_snapshot!(snapshot, script);

        // policies/converted/ holds the same text (`cargo xtask convert` rewrites it).
        let stored = converted_path(&origin);
        let on_disk = std::fs::read_to_string(&stored).unwrap_or_default();
        assert!(
            on_disk == script,
            "{} is not the conversion of {origin}; run `cargo xtask convert`",
            stored.display()
        );
    }
}

#[test]
fn timed_releases_and_limited_collateral_convert_to_a_clean_script() {
    let tree = r#"{
      "version": "2.0", "policy_id": "scheduled",
      "description": "Holds large payments until a later tick; posts collateral for five ticks when short.",
      "parameters": {"large": 80000, "delay": 3},
      "payment_tree": {
        "type": "condition", "node_id": "LARGE", "description": "A large payment?",
        "condition": {"op": ">", "left": {"field": "amount"}, "right": {"param": "large"}},
        "on_true": {"type": "action", "node_id": "LATER", "action": "Release",
          "parameters": {"timed_for_tick": {"compute": {"op": "+", "left": {"field": "current_tick"}, "right": {"param": "delay"}}}}},
        "on_false": {"type": "action", "node_id": "NOW", "action": "Release"}
      },
      "strategic_collateral_tree": {
        "type": "condition", "node_id": "SHORT",
        "condition": {"op": ">", "left": {"field": "queue1_liquidity_gap"}, "right": 0},
        "on_true": {"type": "action", "node_id": "POST", "action": "PostCollateral",
          "parameters": {"amount": {"field": "queue1_liquidity_gap"}, "auto_withdraw_after_ticks": 5}},
        "on_false": {"type": "action", "node_id": "KEEP", "action": "HoldCollateral"}
      }
    }"#;
    let script = rtgsim_policy_convert::convert_text(tree, "scheduled.json").unwrap();
    let findings = rtgsim_analyzer::analyze_starlark("scheduled.star", &script);
    assert!(findings.is_empty(), "{findings:#?}\n{script}");
    // Without an end-of-tick tree, that call still gives back what is due.
    assert!(script.contains(
        "def evaluate_end_of_tick_collateral(agent, system, state):\n    return _auto_withdraw(agent, system, state)"
    ));
    insta::assert_snapshot!(script);
}

/// Issue 16's vocabulary: a share of each divisible payment within a release
/// budget, and the day's initial liquidity, converted to a clean script that decides
/// as the tree does on a state worked out by hand.
#[test]
fn shares_and_the_initial_liquidity_convert_to_a_clean_script() {
    use rtgsim_core::event::PolicyCall;
    use rtgsim_core::testkit::World;
    use rtgsim_core::{CashManagerPolicy, LiquidityShare, PolicyView, ReleaseAction};
    let tree = r#"{
      "version": "2.0", "policy_id": "shares",
      "parameters": {"part": 0.3, "opening": 0.2},
      "bank_tree": {"type": "action", "node_id": "BUDGET", "action": "SetReleaseBudget",
        "parameters": {"max_value_to_release": 500}},
      "payment_tree": {
        "type": "condition", "node_id": "DIVISIBLE",
        "condition": {"op": "==", "left": {"field": "is_divisible"}, "right": 1},
        "on_true": {"type": "action", "node_id": "SHARE", "action": "ReleaseShare",
          "parameters": {"share": {"param": "part"}}},
        "on_false": {"type": "action", "node_id": "WHOLE", "action": "Release"}
      },
      "initial_liquidity_tree": {
        "type": "condition", "node_id": "FIRST_DAY",
        "condition": {"op": "==", "left": {"field": "system_current_day"}, "right": 0},
        "on_true": {"type": "action", "node_id": "POST", "action": "PostShare",
          "parameters": {"share": {"param": "opening"}}},
        "on_false": {"type": "action", "node_id": "KEEP", "action": "KeepPosted"}
      }
    }"#;
    let script = rtgsim_policy_convert::convert_text(tree, "shares.json").unwrap();
    let findings = rtgsim_analyzer::analyze_starlark("shares.star", &script);
    assert!(findings.is_empty(), "{findings:#?}\n{script}");
    insta::assert_snapshot!(script);

    let mut tree_policy = rtgsim_policy_dsl::TreePolicy::from_text(tree).unwrap();
    let mut starlark = rtgsim_policy_starlark::StarlarkPolicy::from_source(
        "shares.star",
        &script,
        Default::default(),
    )
    .unwrap();
    // A owes B 900 (divisible), 200 (not) and 1,000 (divisible), under a budget of 500.
    let mut world = World::new(&[("A", 10_000), ("B", 0)]);
    world.pay_divisible("A", "B", 900, 50);
    world.pay("A", "B", 200, 50);
    world.pay_divisible("A", "B", 1_000, 50);
    let expected = [
        // 0.3 of 900: 270, within the budget (230 left).
        ReleaseAction::SubmitPartial {
            amount: 270,
            priority: None,
        },
        // The whole 200 (not divisible) fits: 30 left.
        ReleaseAction::Submit { priority: None },
        // 0.3 of 1,000 is 300, over the 30 left: held.
        ReleaseAction::Hold {
            reason: rtgsim_core::HoldReason::Custom("over the release budget".into()),
        },
    ];
    for policy in [
        &mut tree_policy as &mut dyn CashManagerPolicy,
        &mut starlark as &mut dyn CashManagerPolicy,
    ] {
        let decided: Vec<ReleaseAction> = policy
            .evaluate_queue(&world.view("A"))
            .unwrap()
            .into_iter()
            .map(|d| d.action)
            .collect();
        assert_eq!(decided, expected);
        let view = PolicyView::new(
            &world.state,
            world.id("A"),
            &world.rates,
            PolicyCall::InitialLiquidity,
        );
        assert_eq!(
            policy.initial_liquidity(&view).unwrap(),
            LiquidityShare::from_fraction(0.2)
        );
    }
}
