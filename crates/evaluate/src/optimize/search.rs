//! The built-in proposers, which need no network: they change the numeric
//! parameters of the current policy within declared ranges.
//!
//! - A tree's parameters are its document's `parameters` object; a built-in
//!   policy's, the numbers of its mapping; a Starlark script's, its top-level
//!   constants (`NAME = 123` on a line of its own, the name in capitals).
//! - Ranges come from the search space (`--space FILE`: `name: [min, max]`); a
//!   parameter without one ranges over `[0, 2v]` (`[2v, 0]` when negative, `[0, 10]`
//!   when 0), `v` its value when the search first sees it. Integers stay integers and
//!   reals stay reals (`1.0`, not `1`).
//! - `builtin:search` is coordinate search: it moves one parameter by its step, up,
//!   then down; keeps going while that is accepted; and after both directions fail,
//!   halves that parameter's step and moves to the next. The first step is a
//!   quarter of the range. A move to a policy it has already proposed counts as a
//!   failed move and is not proposed again.
//! - `builtin:random` draws every parameter uniformly in its range, with a generator
//!   keyed by the seed.

use super::Proposer;
use super::policy_text::{Language, PolicyText};
use super::prompt::Prompt;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use rtgsim_core::arrivals::unit_f64;
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};

/// Declared ranges by parameter name.
pub type Space = BTreeMap<String, [f64; 2]>;

/// One numeric parameter of a policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub name: String,
    pub value: f64,
    pub integer: bool,
}

/// The numeric parameters of `policy`, in name order.
pub fn parameters(policy: &PolicyText) -> Vec<Parameter> {
    let mut found = match policy.language {
        Language::Starlark => starlark_constants(&policy.text)
            .into_iter()
            .map(|(_, p)| p)
            .collect(),
        Language::Tree | Language::Builtin => json_numbers(policy),
    };
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found
}

/// The parameters of `policy`, or an error when it has none.
fn searchable(policy: &PolicyText) -> Result<Vec<Parameter>, String> {
    let found = parameters(policy);
    if found.is_empty() {
        return Err("the current policy has no numeric parameter to search".into());
    }
    Ok(found)
}

/// `policy` with parameter `name` set to `value`.
pub fn with_parameter(
    policy: &PolicyText,
    name: &str,
    value: f64,
    integer: bool,
) -> Option<PolicyText> {
    let written = if integer {
        format!("{}", value.round() as i64)
    } else {
        // `1.0`, not `1`: a real parameter stays real when it lands on a whole number.
        format!("{value:?}")
    };
    let text = match policy.language {
        Language::Starlark => {
            let (line_index, _) = starlark_constants(&policy.text)
                .into_iter()
                .find(|(_, p)| p.name == name)?;
            let lines: Vec<String> = policy
                .text
                .lines()
                .enumerate()
                .map(|(i, line)| {
                    if i == line_index {
                        let comment = line
                            .find('#')
                            .map(|at| format!("  {}", &line[at..]))
                            .unwrap_or_default();
                        format!("{name} = {written}{comment}")
                    } else {
                        line.to_string()
                    }
                })
                .collect();
            lines.join("\n") + "\n"
        }
        Language::Tree | Language::Builtin => {
            let mut document = parse_json_or_yaml(&policy.text)?;
            let holder = match policy.language {
                Language::Tree => document.get_mut("parameters")?,
                _ => &mut document,
            };
            let number: Json = serde_json::from_str(&written).ok()?;
            *holder.get_mut(name)? = number;
            serde_json::to_string_pretty(&document).ok()?
        }
    };
    Some(PolicyText {
        language: policy.language,
        text,
    })
}

fn parse_json_or_yaml(text: &str) -> Option<Json> {
    serde_json::from_str(text)
        .ok()
        .or_else(|| serde_norway::from_str(text).ok())
}

fn json_numbers(policy: &PolicyText) -> Vec<Parameter> {
    let Some(document) = parse_json_or_yaml(&policy.text) else {
        return Vec::new();
    };
    let holder = match policy.language {
        Language::Tree => document.get("parameters").cloned().unwrap_or(Json::Null),
        _ => document,
    };
    let Json::Object(map) = holder else {
        return Vec::new();
    };
    map.iter()
        .filter(|(name, _)| name.as_str() != "type")
        .filter_map(|(name, value)| {
            let number = value.as_f64()?;
            Some(Parameter {
                name: name.clone(),
                value: number,
                integer: value.is_i64() || value.is_u64(),
            })
        })
        .collect()
}

/// Top-level `NAME = number` lines: (line index, parameter).
fn starlark_constants(text: &str) -> Vec<(usize, Parameter)> {
    text.lines()
        .enumerate()
        .filter_map(|(index, line)| {
            let code = line.split('#').next().unwrap_or("").trim_end();
            let (name, value) = code.split_once('=')?;
            let name = name.trim_end();
            let is_constant = !name.is_empty()
                && !line.starts_with(char::is_whitespace)
                && name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            let value = value.trim();
            let number: f64 = value.parse().ok().filter(|_| is_constant)?;
            Some((
                index,
                Parameter {
                    name: name.to_string(),
                    value: number,
                    integer: !value.contains(['.', 'e', 'E']),
                },
            ))
        })
        .collect()
}

/// The range of `parameter`: declared, or the default from its value when first
/// seen (kept in `seen`, so that accepted moves do not widen it).
fn fixed_range(space: &Space, seen: &mut Space, parameter: &Parameter) -> [f64; 2] {
    *seen
        .entry(parameter.name.clone())
        .or_insert_with(|| range_of(space, parameter))
}

/// The range of `parameter`: declared, or the default.
pub fn range_of(space: &Space, parameter: &Parameter) -> [f64; 2] {
    if let Some(range) = space.get(&parameter.name) {
        return *range;
    }
    let v = parameter.value;
    if v > 0.0 {
        [0.0, 2.0 * v]
    } else if v < 0.0 {
        [2.0 * v, 0.0]
    } else {
        [0.0, 10.0]
    }
}

fn settle(value: f64, range: [f64; 2], integer: bool) -> f64 {
    let clamped = value.clamp(range[0], range[1]);
    if integer { clamped.round() } else { clamped }
}

/// `builtin:search`.
#[derive(Debug, Clone)]
pub struct CoordinateSearch {
    space: Space,
    /// Per parameter name, its step.
    steps: BTreeMap<String, f64>,
    /// The parameter being moved, and the direction.
    at: usize,
    upward: bool,
    /// What the last proposal changed: (iteration, parameter index).
    last: Option<(u32, usize)>,
    /// Every policy text proposed or started from.
    tried: BTreeSet<String>,
    /// Each parameter's range, fixed when first seen.
    ranges: Space,
}

impl CoordinateSearch {
    pub fn new(space: Space) -> CoordinateSearch {
        CoordinateSearch {
            space,
            steps: BTreeMap::new(),
            at: 0,
            upward: true,
            last: None,
            tried: BTreeSet::new(),
            ranges: Space::new(),
        }
    }

    /// After a move that was not accepted: the other direction, or the next parameter
    /// with this one's step halved.
    fn turn(&mut self, count: usize, name: &str) {
        if self.upward {
            self.upward = false;
        } else {
            if let Some(step) = self.steps.get_mut(name) {
                *step /= 2.0;
            }
            self.upward = true;
            self.at = (self.at + 1) % count.max(1);
        }
    }
}

impl Proposer for CoordinateSearch {
    fn name(&self) -> String {
        "builtin:search".into()
    }

    fn propose(&mut self, prompt: &Prompt) -> Result<String, String> {
        let found = searchable(&prompt.current)?;
        for p in &found {
            let [low, high] = fixed_range(&self.space, &mut self.ranges, p);
            self.steps
                .entry(p.name.clone())
                .or_insert((high - low) / 4.0);
        }
        let accepted = prompt
            .history
            .last()
            .is_some_and(|a| a.outcome == "accepted");
        if let Some((_, index)) = self
            .last
            .filter(|(iteration, _)| *iteration + 1 == prompt.iteration)
            && !accepted
        {
            let name = found[index.min(found.len() - 1)].name.clone();
            self.turn(found.len(), &name);
        }
        // Every parameter in both directions, with every step halved a few times,
        // before giving up.
        for _ in 0..16 * found.len() {
            self.at %= found.len();
            let p = &found[self.at];
            let range = fixed_range(&self.space, &mut self.ranges, p);
            let step = self.steps.get(&p.name).copied().unwrap_or(0.0);
            let moved = settle(
                p.value + if self.upward { step } else { -step },
                range,
                p.integer,
            );
            if moved != p.value {
                let policy = with_parameter(&prompt.current, &p.name, moved, p.integer)
                    .ok_or_else(|| format!("cannot set {} in the policy", p.name))?;
                if self.tried.insert(policy.text.clone()) {
                    self.last = Some((prompt.iteration, self.at));
                    return Ok(policy.text);
                }
            }
            let name = p.name.clone();
            self.turn(found.len(), &name);
        }
        Err("every parameter is at the edge of its range or its step is too small".into())
    }
}

/// `builtin:random`.
#[derive(Debug, Clone)]
pub struct RandomSearch {
    space: Space,
    rng: ChaCha8Rng,
    /// Each parameter's range, fixed when first seen.
    ranges: Space,
}

impl RandomSearch {
    pub fn new(space: Space, seed: u64) -> RandomSearch {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&seed.to_le_bytes());
        let mut rng = ChaCha8Rng::from_seed(key);
        rng.set_stream(2);
        RandomSearch {
            space,
            rng,
            ranges: Space::new(),
        }
    }
}

impl Proposer for RandomSearch {
    fn name(&self) -> String {
        "builtin:random".into()
    }

    fn propose(&mut self, prompt: &Prompt) -> Result<String, String> {
        let found = searchable(&prompt.current)?;
        let mut policy = prompt.current.clone();
        for p in &found {
            let [low, high] = fixed_range(&self.space, &mut self.ranges, p);
            let value = settle(
                low + unit_f64(&mut self.rng) * (high - low),
                [low, high],
                p.integer,
            );
            policy = with_parameter(&policy, &p.name, value, p.integer)
                .ok_or_else(|| format!("cannot set {} in the policy", p.name))?;
        }
        Ok(policy.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn starlark(text: &str) -> PolicyText {
        PolicyText {
            language: Language::Starlark,
            text: text.into(),
        }
    }

    #[test]
    fn starlark_constants_are_the_capitalised_top_level_numbers() {
        let policy = starlark(
            "BUFFER = 500000  # cents\nRATE = 0.25\nlower = 3\nNAME = \"x\"\ndef f():\n    LIMIT = 4\n",
        );
        let found = parameters(&policy);
        let names: Vec<(&str, f64, bool)> = found
            .iter()
            .map(|p| (p.name.as_str(), p.value, p.integer))
            .collect();
        assert_eq!(names, [("BUFFER", 500000.0, true), ("RATE", 0.25, false)]);
        let changed = with_parameter(&policy, "BUFFER", 250000.0, true).unwrap();
        assert_eq!(
            changed.text,
            "BUFFER = 250000  # cents\nRATE = 0.25\nlower = 3\nNAME = \"x\"\ndef f():\n    LIMIT = 4\n"
        );
    }

    #[test]
    fn a_real_parameter_stays_real_on_a_whole_number() {
        let policy = starlark("RATE = 0.5\n");
        let moved = with_parameter(&policy, "RATE", 1.0, false).unwrap();
        assert_eq!(moved.text, "RATE = 1.0\n");
        assert!(!parameters(&moved)[0].integer);
    }

    #[test]
    fn tree_and_mapping_parameters() {
        let tree = PolicyText {
            language: Language::Tree,
            text: r#"{"version": "1.0", "parameters": {"urgency_threshold": 5, "ratio": 0.5}, "root": {}}"#.into(),
        };
        let found = parameters(&tree);
        assert_eq!(found.len(), 2);
        assert_eq!(
            (found[1].name.as_str(), found[1].integer),
            ("urgency_threshold", true)
        );
        let changed = with_parameter(&tree, "urgency_threshold", 7.0, true).unwrap();
        let doc: Json = serde_json::from_str(&changed.text).unwrap();
        assert_eq!(doc["parameters"]["urgency_threshold"], 7);
        assert_eq!(doc["parameters"]["ratio"], 0.5);
        let mapping = PolicyText {
            language: Language::Builtin,
            text: "type: LiquidityAware\ntarget_buffer: 400000\n".into(),
        };
        assert_eq!(parameters(&mapping).len(), 1);
    }

    fn prompt(current: PolicyText, iteration: u32, last: Option<&str>) -> Prompt {
        use super::super::prompt::*;
        Prompt {
            format: PROMPT_FORMAT.into(),
            task: String::new(),
            agent: "A".into(),
            iteration,
            metrics: Metrics {
                samples: 1,
                total_cost_cents: 0.0,
                cost_parts_cents: BTreeMap::new(),
                settlement_rate: None,
                peak_credit_cents: 0.0,
            },
            history: last
                .map(|outcome| Attempt {
                    iteration: iteration - 1,
                    text: String::new(),
                    outcome: outcome.into(),
                    reasons: Vec::new(),
                    mean_delta_cents: None,
                })
                .into_iter()
                .collect(),
            findings: Vec::new(),
            reference: Reference::for_language(current.language),
            constraints: Constraints {
                language: current.language,
                parameter_ranges: BTreeMap::new(),
                max_steps: None,
            },
            current,
        }
    }

    /// The moves by hand: A = 40 in [0, 80] (step 20), B = 4 in [0, 8] (step 2).
    #[test]
    fn coordinate_search_moves_up_then_down_then_on_with_half_the_step() {
        let mut search = CoordinateSearch::new(Space::new());
        let current = starlark("A = 40\nB = 4\n");
        let value = |text: &str, name: &str| {
            parameters(&starlark(text))
                .into_iter()
                .find(|p| p.name == name)
                .map(|p| p.value)
        };
        let first = search.propose(&prompt(current.clone(), 0, None)).unwrap();
        assert_eq!(value(&first, "A"), Some(60.0));
        // Rejected: down.
        let second = search
            .propose(&prompt(current.clone(), 1, Some("rejected")))
            .unwrap();
        assert_eq!(value(&second, "A"), Some(20.0));
        // Rejected again: A's step halves to 10, and B moves up by its step 2.
        let third = search
            .propose(&prompt(current.clone(), 2, Some("rejected")))
            .unwrap();
        assert_eq!(
            (value(&third, "A"), value(&third, "B")),
            (Some(40.0), Some(6.0))
        );
        // Accepted: B keeps going up from the new current.
        let now = starlark(&third);
        let fourth = search.propose(&prompt(now, 3, Some("accepted"))).unwrap();
        assert_eq!(value(&fourth, "B"), Some(8.0));
    }

    #[test]
    fn random_search_stays_in_range_and_repeats_with_its_seed() {
        let mut space = Space::new();
        space.insert("A".into(), [10.0, 20.0]);
        let current = starlark("A = 15\nB = 0.5\n");
        let draws = |seed| {
            let mut search = RandomSearch::new(space.clone(), seed);
            (0..20)
                .map(|i| search.propose(&prompt(current.clone(), i, None)).unwrap())
                .collect::<Vec<_>>()
        };
        let first = draws(3);
        assert_eq!(first, draws(3));
        assert_ne!(first, draws(4));
        for text in &first {
            let found = parameters(&starlark(text));
            assert!((10.0..=20.0).contains(&found[0].value), "{text}");
            assert_eq!(found[0].value.fract(), 0.0);
            assert!((0.0..=1.0).contains(&found[1].value), "{text}");
        }
    }
}
