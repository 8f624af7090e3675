//! Scenario files: reading, checking and resolving them.
//!
//! A file is YAML or JSON (JSON is read by the same YAML 1.2 parser). Errors name the
//! file and the path of the value at fault, with the line and column where the parser
//! knows them; every semantic problem is reported at once.
//!
//! [`ScenarioInput`] is the one way in: from a path, from text, the built-in default
//! or a stored run, then [`ScenarioInput::resolve`].
//!
//! ```
//! use rtgsim_scenario::config::ScenarioInput;
//! use std::path::Path;
//!
//! let text = "simulation: { ticks_per_day: 10, num_days: 1 }\nagents: [{ id: A, opening_balanse: 5 }]\n";
//! let error = ScenarioInput::from_text(text, "mine.yaml", Path::new(".")).unwrap_err();
//! assert!(error.to_string().starts_with("mine.yaml: agents[0]: unknown field `opening_balanse`"));
//! assert!(error.to_string().ends_with("(did you mean `opening_balance`?)"));
//! ```

mod events;
mod file;
mod files;
mod governance;
mod guardbands;
mod numbers;
mod policies;
mod validate;

pub use file::{
    AgentSection, ArrivalsSection, BaselineSection, CostsSection, GuardbandSection, ScenarioFile,
    ScriptedPaymentSection, SettlementSection, SimulationSection,
};
use files::PolicyFiles;
pub use rtgsim_diagnostics::Diagnostic;

use crate::scenario::Scenario;
use rtgsim_diagnostics::diagnostic::List;
use rtgsim_diagnostics::{Quote, clip_message, did_you_mean};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The built-in default scenario, run when no file is given.
pub const DEFAULT_SCENARIO: &str = include_str!("../../scenarios/default.yaml");

/// The name the default scenario goes by in messages.
pub const DEFAULT_SCENARIO_NAME: &str = "<built-in default scenario>";

/// A scenario that cannot be used.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("{path}: cannot read the scenario: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{source_name}: {message}")]
    Syntax {
        source_name: String,
        message: String,
    },
    #[error("{source_name}: {}", List(.problems))]
    Invalid {
        source_name: String,
        problems: Vec<Diagnostic>,
    },
}

/// The largest scenario text accepted.
const MAX_SCENARIO_BYTES: usize = 64 << 20;

/// The deepest nesting of `[` and `{` accepted. The YAML parser takes time growing
/// with the square of the nesting, so absurd nesting is refused before parsing.
const MAX_FLOW_NESTING: usize = 128;

/// The deepest nesting of brackets and braces outside quoted strings.
fn flow_nesting(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut quote: Option<char> = None;
    let (mut escaped, mut comment) = (false, false);
    for c in text.chars() {
        if comment {
            comment = c != '\n';
            continue;
        }
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '#' => comment = true,
                '"' | '\'' => quote = Some(c),
                '[' | '{' => {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
    }
    deepest
}

/// Parses scenario text (YAML or JSON); `source_name` is used in messages.
fn parse(text: &str, source_name: &str) -> Result<ScenarioFile, ConfigError> {
    let refuse = |message: String| ConfigError::Syntax {
        source_name: source_name.to_string(),
        message,
    };
    if text.len() > MAX_SCENARIO_BYTES {
        return Err(refuse(format!(
            "the scenario is {} bytes; at most {MAX_SCENARIO_BYTES}",
            text.len()
        )));
    }
    let nesting = flow_nesting(text);
    if nesting > MAX_FLOW_NESTING {
        return Err(refuse(format!(
            "brackets or braces nest {nesting} levels deep; at most {MAX_FLOW_NESTING}"
        )));
    }
    let yaml = serde_norway::Deserializer::from_str(text);
    serde_path_to_error::deserialize(yaml).map_err(|error| {
        let suggestion =
            validate::unknown_field_at::<ScenarioFile>(error.path()).and_then(|unknown| {
                did_you_mean(
                    &unknown.key,
                    unknown.expected.iter().copied(),
                    Quote::Backtick,
                )
            });
        let path = error.path().to_string();
        let error = error.into_inner();
        let full = error.to_string();
        // A number refused says what it must be and what was written.
        let refusal = error.location().and_then(|at| {
            let place = format!(" at line {} column {}", at.line(), at.column());
            let bare = full.strip_suffix(&place).unwrap_or(&full);
            let bare = bare.strip_prefix(&format!("{path}: ")).unwrap_or(bare);
            numbers::refusal(&path, bare, token_at(text, at.index()))
                .map(|refusal| format!("{path}: {refusal}{place}"))
        });
        // serde quotes the key or value refused whole: clipped if very long.
        let mut message = refusal.unwrap_or_else(|| clip_message(&full).into_owned());
        if let Some(words) = suggestion {
            message.push_str(&format!(" ({words})"));
        }
        ConfigError::Syntax {
            source_name: source_name.to_string(),
            message,
        }
    })
}

/// The scalar written at byte `index` of a YAML text, for quoting it: up to the end
/// of the line or the next `,`, `]`, `}` or ` #`; a quoted one up to its closing quote.
fn token_at(text: &str, index: usize) -> &str {
    let Some(rest) = text.get(index..) else {
        return "";
    };
    let end = match rest.chars().next() {
        Some(quote @ ('"' | '\'')) => rest[1..].find(quote).map_or(rest.len(), |at| at + 2),
        _ => rest
            .find([',', ']', '}', '\n', '\r'])
            .map(|end| rest[..end].find(" #").unwrap_or(end))
            .unwrap_or(rest.len()),
    };
    rest[..end].trim_end()
}

/// A scenario to load, and the one way to load one: build it from a file, from text,
/// from the built-in default or from a stored run; change its [`file`](Self::file)
/// if need be (command-line flags set the seed or the days); then
/// [`resolve`](Self::resolve) it into a checked [`Scenario`].
///
/// It knows the name messages give the scenario and where its policy files come
/// from: the directory of the scenario file (the working directory for text and the
/// default), or the files stored with a run.
#[derive(Debug, Clone)]
pub struct ScenarioInput {
    /// The scenario as written.
    pub file: ScenarioFile,
    name: String,
    files: PolicyFiles,
}

impl ScenarioInput {
    /// Reads a scenario file; its policy file paths are relative to its directory.
    pub fn from_path(path: &Path) -> Result<ScenarioInput, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let name = path.display().to_string();
        let file = parse(&text, &name)?;
        Ok(ScenarioInput::from_file(file, &name, base_dir(path)))
    }

    /// Scenario text (YAML or JSON) called `name` in messages; its policy file paths
    /// are relative to `base_dir`.
    pub fn from_text(
        text: &str,
        name: &str,
        base_dir: &Path,
    ) -> Result<ScenarioInput, ConfigError> {
        let file = parse(text, name)?;
        Ok(ScenarioInput::from_file(file, name, base_dir))
    }

    /// The built-in default scenario, run when no file is given.
    pub fn default_scenario() -> Result<ScenarioInput, ConfigError> {
        ScenarioInput::from_text(DEFAULT_SCENARIO, DEFAULT_SCENARIO_NAME, Path::new("."))
    }

    /// A stored run's scenario text with the policy files it read (path as written
    /// -> text): a resume sees exactly what the run saw, whatever the disk holds now.
    pub fn stored(
        text: &str,
        name: &str,
        files: BTreeMap<String, String>,
    ) -> Result<ScenarioInput, ConfigError> {
        let file = parse(text, name)?;
        Ok(ScenarioInput {
            file,
            name: name.to_string(),
            files: PolicyFiles::stored(files),
        })
    }

    /// A scenario already in hand (built by a program); its policy file paths are
    /// relative to `base_dir`.
    pub fn from_file(file: ScenarioFile, name: &str, base_dir: &Path) -> ScenarioInput {
        ScenarioInput {
            file,
            name: name.to_string(),
            files: PolicyFiles::disk(base_dir),
        }
    }

    /// Another scenario whose policy files come from where this one's do (a
    /// sweep's variation of it), none read yet.
    pub fn with_file(&self, file: ScenarioFile, name: &str) -> ScenarioInput {
        ScenarioInput {
            file,
            name: name.to_string(),
            files: self.files.same_source(),
        }
    }

    /// The name messages give the scenario (its path, for a file).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Checks the scenario and resolves it, or reports every problem found.
    pub fn resolve(&mut self) -> Result<Scenario, ConfigError> {
        validate::resolve(&self.file, &mut self.files).map_err(|problems| ConfigError::Invalid {
            source_name: self.name.clone(),
            problems,
        })
    }

    /// Every policy file read by [`resolve`](Self::resolve) (or stored with the
    /// run), by the path as the scenario wrote it: what a stored run keeps.
    pub fn policy_files(&self) -> &BTreeMap<String, String> {
        self.files.files()
    }
}

/// The directory a scenario file's policy paths are relative to.
fn base_dir(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}
