//! The stress cases: the benchmark (the scenario as written) and each stress case,
//! which is the benchmark with scenario events added to its `scenario_events:`, so
//! that every case is an ordinary scenario file (`--write-scenarios` writes them).
//!
//! - **Outage** (`--outage each` or `--outage ID,...`): one case per agent named
//!   (`each`: every agent, in the scenario's order): an `outage` event from tick
//!   `--outage-at` (default 0, the first tick of the first day) for `--outage-ticks`
//!   ticks (default a quarter of a day, at least 1), cut at the run's last tick. The
//!   agent sends nothing (its policy is not called) and payments to it still settle
//!   (`receive: true`), unless `--disconnect` makes it a full disconnection
//!   (`receive: false`).
//! - **Collateral shock** (`--collateral-shock 0.3,0.7`): one case per value `S`,
//!   the share of collateral value lost: a `collateral_value` event for every agent
//!   (`"*"`) at tick 0 with `factor` 1 - S, computed in exact decimals (`0.3` gives
//!   `0.7`).
//! - **Liquidity shock** (`--liquidity-shock AGENT:0.5`, repeatable or
//!   comma-separated): one case per shock: a `withdraw` event at tick 0 of the share
//!   `S` of the agent's opening balance, rounded down to a whole cent.

use super::StressError;
use crate::game::grid::Decimal;
use rtgsim_diagnostics::{Quote, did_you_mean};
use rtgsim_scenario::config::ScenarioFile;
use serde::Serialize;
use serde_json::{Value as Json, json};

/// What to stress, as the command line gives it (the text of each flag's values).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseOptions {
    /// `["each"]` or agent ids; empty: no outage cases.
    pub outage: Vec<String>,
    /// Ticks each outage lasts (default: a quarter of a day, at least 1).
    pub outage_ticks: Option<u32>,
    /// The tick each outage starts (default 0).
    pub outage_at: Option<u32>,
    /// Outages are full disconnections: payments to the participant do not
    /// settle either (`receive: false`).
    pub disconnect: bool,
    /// Shares of collateral value lost, `0` to `1`, as written (`0.3`).
    pub collateral_shocks: Vec<String>,
    /// `AGENT:SHARE`, the share of the agent's opening balance withdrawn.
    pub liquidity_shocks: Vec<String>,
}

impl CaseOptions {
    /// Whether any stress case is asked for.
    pub fn is_empty(&self) -> bool {
        self.outage.is_empty()
            && self.collateral_shocks.is_empty()
            && self.liquidity_shocks.is_empty()
    }
}

/// What a case does to the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    Benchmark,
    Outage,
    CollateralShock,
    LiquidityShock,
}

/// One case: a name, what it adds to the benchmark and whom it strikes.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// `benchmark`, `outage BANK_A`, `collateral -30%`, `liquidity BANK_A -50%`.
    pub name: String,
    pub kind: CaseKind,
    /// The agent the case strikes (an outage's or a liquidity shock's), by index.
    pub agent: Option<usize>,
    /// The events added to the benchmark's `scenario_events`, as written in a file.
    pub events: Vec<Json>,
    /// The name as a file stem: `outage_BANK_A`.
    pub stem: String,
}

/// The benchmark, then every case `options` asks for: outages, collateral shocks,
/// liquidity shocks, each in the order given. Every problem names its flag.
pub fn cases(file: &ScenarioFile, options: &CaseOptions) -> Result<Vec<Case>, StressError> {
    if options.is_empty() {
        return Err(StressError::Input(
            "nothing to stress: give --outage, --collateral-shock or --liquidity-shock".into(),
        ));
    }
    let mut cases = vec![Case {
        name: "benchmark".into(),
        kind: CaseKind::Benchmark,
        agent: None,
        events: Vec::new(),
        stem: "benchmark".into(),
    }];
    cases.extend(outage_cases(file, options)?);
    for text in &options.collateral_shocks {
        cases.push(collateral_case(text)?);
    }
    for text in &options.liquidity_shocks {
        cases.push(liquidity_case(file, text)?);
    }
    let mut stems = std::collections::BTreeSet::new();
    for case in &cases {
        if !stems.insert(case.stem.as_str()) {
            return Err(StressError::Input(format!(
                "the case \"{}\" is asked for twice",
                case.name
            )));
        }
    }
    Ok(cases)
}

/// The scenario file of a case (as JSON): `base` with the case's events appended
/// to its `scenario_events`.
pub fn scenario_json(base: &Json, case: &Case) -> Result<Json, StressError> {
    let mut json = base.clone();
    if case.events.is_empty() {
        return Ok(json);
    }
    let Json::Object(map) = &mut json else {
        return Err(StressError::Input("the scenario is not a mapping".into()));
    };
    let list = map
        .entry("scenario_events")
        .or_insert_with(|| Json::Array(Vec::new()));
    let Json::Array(items) = list else {
        return Err(StressError::Input(
            "scenario_events: the scenario's is not a list".into(),
        ));
    };
    items.extend(case.events.iter().cloned());
    Ok(json)
}

fn outage_cases(file: &ScenarioFile, options: &CaseOptions) -> Result<Vec<Case>, StressError> {
    let ids: Vec<&str> = file.agents.iter().map(|a| a.id.as_str()).collect();
    if options.outage.is_empty() {
        if options.outage_ticks.is_some() || options.outage_at.is_some() || options.disconnect {
            return Err(StressError::Input(
                "--outage-ticks, --outage-at and --disconnect need --outage".into(),
            ));
        }
        return Ok(Vec::new());
    }
    let ticks_per_day = file.simulation.ticks_per_day;
    let total_ticks = u64::from(ticks_per_day) * u64::from(file.simulation.num_days);
    let start = options.outage_at.unwrap_or(0);
    if u64::from(start) >= total_ticks {
        return Err(StressError::Input(format!(
            "--outage-at {start}: the run's ticks are 0 to {}",
            total_ticks.saturating_sub(1)
        )));
    }
    let ticks = match options.outage_ticks {
        Some(0) => {
            return Err(StressError::Input(
                "--outage-ticks 0: an outage lasts at least 1 tick".into(),
            ));
        }
        Some(ticks) => ticks,
        None => (ticks_per_day / 4).max(1),
    };
    // Cut at the run's end: the ticks left from the start.
    let ticks = u64::from(ticks).min(total_ticks - u64::from(start));
    let struck: Vec<usize> = if options.outage.len() == 1 && options.outage[0] == "each" {
        (0..ids.len()).collect()
    } else if options.outage.iter().any(|text| text == "each") {
        return Err(StressError::Input(
            "--outage: write each alone (every participant) or participants' ids".into(),
        ));
    } else {
        let mut struck = Vec::new();
        for text in &options.outage {
            let index = agent_index(&ids, text, "--outage")?;
            if struck.contains(&index) {
                return Err(StressError::Input(format!(
                    "--outage: {text} is named twice"
                )));
            }
            struck.push(index);
        }
        struck
    };
    Ok(struck
        .into_iter()
        .map(|index| Case {
            name: format!("outage {}", ids[index]),
            kind: CaseKind::Outage,
            agent: Some(index),
            events: vec![json!({
                "tick": start,
                "kind": "outage",
                "agent": ids[index],
                "ticks": ticks,
                "receive": !options.disconnect,
            })],
            stem: format!("outage_{}", file_safe(ids[index])),
        })
        .collect())
}

fn collateral_case(text: &str) -> Result<Case, StressError> {
    let flag = "--collateral-shock";
    let (units, decimals) = share(text, flag)?;
    let whole = 10i128.pow(decimals);
    let factor = decimal_json(whole - units, decimals);
    let percent = decimal_text(units * 100, decimals);
    Ok(Case {
        name: format!("collateral -{percent}%"),
        kind: CaseKind::CollateralShock,
        agent: None,
        events: vec![json!({
            "tick": 0,
            "kind": "collateral_value",
            "agent": "*",
            "factor": factor,
        })],
        stem: format!("collateral_{}pct", percent.replace('.', "_")),
    })
}

fn liquidity_case(file: &ScenarioFile, text: &str) -> Result<Case, StressError> {
    let flag = "--liquidity-shock";
    let (id, share_text) = text.rsplit_once(':').ok_or_else(|| {
        StressError::Input(format!("{flag} {text}: write AGENT:SHARE (BANK_A:0.5)"))
    })?;
    let ids: Vec<&str> = file.agents.iter().map(|a| a.id.as_str()).collect();
    let index = agent_index(&ids, id, flag)?;
    let (units, decimals) = share(share_text, &format!("{flag} {text}"))?;
    if units == 0 {
        return Err(StressError::Input(format!(
            "{flag} {text}: a share of 0 withdraws nothing"
        )));
    }
    let opening = i128::from(file.agents[index].opening_balance);
    // Exact: opening x units / 10^decimals, rounded down (shares are at most 1 and
    // have at most 18 decimals, so the product fits).
    let amount = opening
        .checked_mul(units)
        .map(|product| product / 10i128.pow(decimals))
        .unwrap_or(0);
    if amount <= 0 {
        return Err(StressError::Input(format!(
            "{flag} {text}: {id} opens with {opening} cents; {share_text} of it is not a \
             cent to withdraw"
        )));
    }
    let percent = decimal_text(units * 100, decimals);
    Ok(Case {
        name: format!("liquidity {id} -{percent}%"),
        kind: CaseKind::LiquidityShock,
        agent: Some(index),
        events: vec![json!({
            "tick": 0,
            "kind": "withdraw",
            "agent": id,
            "amount": amount,
        })],
        stem: format!(
            "liquidity_{}_{}pct",
            file_safe(id),
            percent.replace('.', "_")
        ),
    })
}

/// A share from 0 to 1 as exact `(units, decimals)`; `place` names the flag in
/// the message.
fn share(text: &str, place: &str) -> Result<(i128, u32), StressError> {
    let refuse = || {
        StressError::Input(format!(
            "{place}: \"{text}\" is not a share from 0 to 1 (write a decimal such as 0.3)"
        ))
    };
    let decimal = Decimal::parse(text.trim()).ok_or_else(refuse)?;
    let (units, decimals) = decimal.units_and_decimals();
    if units < 0 || units > 10i128.pow(decimals) {
        return Err(refuse());
    }
    Ok((units, decimals))
}

/// The index of the agent called `text`; a message naming `flag` otherwise.
fn agent_index(ids: &[&str], text: &str, flag: &str) -> Result<usize, StressError> {
    ids.iter().position(|id| *id == text).ok_or_else(|| {
        let hint = did_you_mean(text, ids.iter().copied(), Quote::Double)
            .map(|h| format!(" ({h})"))
            .unwrap_or_default();
        StressError::Input(format!("{flag}: no agent \"{text}\" in the scenario{hint}"))
    })
}

/// `units / 10^decimals` written out, trailing zeros dropped (`(700, 3)` is `0.7`).
fn decimal_text(units: i128, decimals: u32) -> String {
    let scale = 10u128.pow(decimals);
    let magnitude = units.unsigned_abs();
    let sign = if units < 0 { "-" } else { "" };
    let (whole, fraction) = (magnitude / scale, magnitude % scale);
    if fraction == 0 {
        return format!("{sign}{whole}");
    }
    let digits = format!("{fraction:0width$}", width = decimals as usize);
    format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
}

/// The same number as JSON, its text kept exactly.
fn decimal_json(units: i128, decimals: u32) -> Json {
    serde_json::from_str(&decimal_text(units, decimals)).unwrap_or(Json::Null)
}

/// An agent id as part of a file name: letters, digits, `-` and `_` kept, anything
/// else `_`.
fn file_safe(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(agents: &[(&str, i64)], ticks_per_day: u32, days: u32) -> ScenarioFile {
        let agents: Vec<Json> = agents
            .iter()
            .map(|(id, balance)| json!({"id": id, "opening_balance": balance}))
            .collect();
        serde_json::from_value(json!({
            "simulation": {"ticks_per_day": ticks_per_day, "num_days": days, "seed": 3},
            "agents": agents,
        }))
        .unwrap()
    }

    fn input_error(result: Result<Vec<Case>, StressError>) -> String {
        match result {
            Err(StressError::Input(message)) => message,
            other => panic!("expected an input error, got {other:?}"),
        }
    }

    fn options() -> CaseOptions {
        CaseOptions::default()
    }

    #[test]
    fn each_outage_strikes_every_agent_for_a_quarter_day_from_tick_0() {
        let file = file(&[("A", 100), ("B", 200), ("C", 0)], 10, 2);
        let cases = cases(
            &file,
            &CaseOptions {
                outage: vec!["each".into()],
                ..options()
            },
        )
        .unwrap();
        let names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["benchmark", "outage A", "outage B", "outage C"]);
        // A quarter of 10 ticks, rounded down: 2.
        assert_eq!(
            cases[2].events,
            vec![json!({"tick": 0, "kind": "outage", "agent": "B", "ticks": 2, "receive": true})]
        );
        assert_eq!(cases[2].agent, Some(1));
        assert!(cases[0].events.is_empty());
    }

    #[test]
    fn an_outage_is_cut_at_the_runs_end() {
        let file = file(&[("A", 100), ("B", 200)], 10, 2);
        let cases = cases(
            &file,
            &CaseOptions {
                outage: vec!["B".into()],
                outage_at: Some(15),
                outage_ticks: Some(50),
                ..options()
            },
        )
        .unwrap();
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[1].events[0]["tick"], json!(15));
        assert_eq!(cases[1].events[0]["ticks"], json!(5));
    }

    #[test]
    fn a_disconnection_is_an_outage_that_receives_nothing() {
        let file = file(&[("A", 100), ("B", 200)], 8, 1);
        let cases = cases(
            &file,
            &CaseOptions {
                outage: vec!["A".into()],
                disconnect: true,
                ..options()
            },
        )
        .unwrap();
        assert_eq!(
            cases[1].events,
            vec![json!({"tick": 0, "kind": "outage", "agent": "A", "ticks": 2, "receive": false})]
        );
    }

    #[test]
    fn a_collateral_shock_is_the_share_lost_in_exact_decimals() {
        let file = file(&[("A", 100)], 10, 1);
        let cases = cases(
            &file,
            &CaseOptions {
                collateral_shocks: vec!["0".into(), "0.3".into(), "0.125".into(), "1".into()],
                ..options()
            },
        )
        .unwrap();
        let factors: Vec<String> = cases[1..]
            .iter()
            .map(|c| c.events[0]["factor"].to_string())
            .collect();
        assert_eq!(factors, ["1", "0.7", "0.875", "0"]);
        let names: Vec<&str> = cases[1..].iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "collateral -0%",
                "collateral -30%",
                "collateral -12.5%",
                "collateral -100%"
            ]
        );
        assert_eq!(cases[3].stem, "collateral_12_5pct");
        assert_eq!(cases[2].events[0]["agent"], json!("*"));
    }

    #[test]
    fn a_liquidity_shock_withdraws_the_share_of_the_opening_balance_rounded_down() {
        let file = file(&[("A", 1_000_001), ("B:X", 300)], 10, 1);
        let cases = cases(
            &file,
            &CaseOptions {
                liquidity_shocks: vec!["A:0.5".into(), "B:X:0.333".into()],
                ..options()
            },
        )
        .unwrap();
        // 1,000,001 x 0.5 = 500,000.5, rounded down; 300 x 0.333 = 99.9 -> 99.
        assert_eq!(cases[1].events[0]["amount"], json!(500_000));
        assert_eq!(cases[1].name, "liquidity A -50%");
        assert_eq!(cases[2].events[0]["amount"], json!(99));
        assert_eq!(cases[2].events[0]["agent"], json!("B:X"));
        assert_eq!(cases[2].stem, "liquidity_B_X_33_3pct");
    }

    #[test]
    fn bad_values_are_refused_naming_their_flag() {
        let file = file(&[("BANK_A", 100), ("BANK_B", 0)], 10, 1);
        let with = |o: CaseOptions| input_error(cases(&file, &o));
        assert!(with(options()).contains("nothing to stress"));
        let unknown = with(CaseOptions {
            outage: vec!["BANK_Z".into()],
            ..options()
        });
        assert!(
            unknown.starts_with("--outage: no agent \"BANK_Z\""),
            "{unknown}"
        );
        let typo = with(CaseOptions {
            outage: vec!["BANK_AA".into()],
            ..options()
        });
        assert!(typo.contains("did you mean \"BANK_A\"?"), "{typo}");
        let twice = with(CaseOptions {
            outage: vec!["BANK_A".into(), "BANK_A".into()],
            ..options()
        });
        assert!(twice.contains("named twice"), "{twice}");
        let zero_ticks = with(CaseOptions {
            outage: vec!["each".into()],
            outage_ticks: Some(0),
            ..options()
        });
        assert!(zero_ticks.starts_with("--outage-ticks 0"), "{zero_ticks}");
        let late = with(CaseOptions {
            outage: vec!["each".into()],
            outage_at: Some(10),
            ..options()
        });
        assert!(
            late.starts_with("--outage-at 10: the run's ticks are 0 to 9"),
            "{late}"
        );
        let alone = with(CaseOptions {
            outage_ticks: Some(3),
            collateral_shocks: vec!["0.5".into()],
            ..options()
        });
        assert!(alone.contains("need --outage"), "{alone}");
        let disconnect_alone = with(CaseOptions {
            disconnect: true,
            collateral_shocks: vec!["0.5".into()],
            ..options()
        });
        assert!(
            disconnect_alone.contains("need --outage"),
            "{disconnect_alone}"
        );
        let each_and = with(CaseOptions {
            outage: vec!["each".into(), "BANK_A".into()],
            ..options()
        });
        assert!(each_and.contains("write each alone"), "{each_and}");
        for bad in ["1.5", "-0.1", "x", "0.3.1", ""] {
            let message = with(CaseOptions {
                collateral_shocks: vec![bad.into()],
                ..options()
            });
            assert!(
                message.starts_with("--collateral-shock"),
                "{bad}: {message}"
            );
        }
        let no_colon = with(CaseOptions {
            liquidity_shocks: vec!["BANK_A".into()],
            ..options()
        });
        assert!(no_colon.contains("write AGENT:SHARE"), "{no_colon}");
        let empty = with(CaseOptions {
            liquidity_shocks: vec!["BANK_B:0.5".into()],
            ..options()
        });
        assert!(empty.contains("BANK_B opens with 0 cents"), "{empty}");
        let nothing = with(CaseOptions {
            liquidity_shocks: vec!["BANK_A:0".into()],
            ..options()
        });
        assert!(nothing.contains("withdraws nothing"), "{nothing}");
        let repeated = with(CaseOptions {
            collateral_shocks: vec!["0.3".into(), "0.30".into()],
            ..options()
        });
        assert!(repeated.contains("asked for twice"), "{repeated}");
    }

    #[test]
    fn a_case_appends_its_events_to_the_scenarios_own() {
        let base = json!({"agents": [], "scenario_events": [{"tick": 3, "kind": "suspend"}]});
        let case = Case {
            name: "x".into(),
            kind: CaseKind::Outage,
            agent: Some(0),
            events: vec![json!({"tick": 0, "kind": "outage"})],
            stem: "x".into(),
        };
        let json = scenario_json(&base, &case).unwrap();
        assert_eq!(
            json["scenario_events"],
            json!([{"tick": 3, "kind": "suspend"}, {"tick": 0, "kind": "outage"}])
        );
        let bare = scenario_json(&json!({"agents": []}), &case).unwrap();
        assert_eq!(
            bare["scenario_events"],
            json!([{"tick": 0, "kind": "outage"}])
        );
    }
}
