//! Scenario files: reading, checking and resolving them.
//!
//! A file is YAML or JSON (JSON is read by the same YAML 1.2 parser). Errors name the
//! file and the path of the value at fault, with the line and column where the parser
//! knows them; every semantic problem is reported at once.

mod file;
mod files;
mod governance;
mod policies;
mod validate;

pub use file::{
    AgentSection, ArrivalsSection, CostsSection, ScenarioFile, ScriptedPaymentSection,
    SettlementSection, SimulationSection,
};
pub use files::PolicyFiles;
pub use rtgsim_diagnostics::Diagnostic;
pub use validate::resolve;

use crate::scenario::Scenario;
use rtgsim_diagnostics::diagnostic::List;
use rtgsim_diagnostics::{Quote, did_you_mean};
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

/// Reads a scenario file. Check it with [`check_file`], which finds policy files
/// relative to it.
pub fn read_file(path: &Path) -> Result<ScenarioFile, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, &path.display().to_string())
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
pub fn parse(text: &str, source_name: &str) -> Result<ScenarioFile, ConfigError> {
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
        let mut message = error.into_inner().to_string();
        if let Some(words) = suggestion {
            message.push_str(&format!(" ({words})"));
        }
        ConfigError::Syntax {
            source_name: source_name.to_string(),
            message,
        }
    })
}

/// The built-in default scenario, as a file.
pub fn default_file() -> Result<ScenarioFile, ConfigError> {
    parse(DEFAULT_SCENARIO, DEFAULT_SCENARIO_NAME)
}

/// Checks and resolves a scenario that came from no file: policy file paths are
/// relative to the working directory.
pub fn check(file: &ScenarioFile, source_name: &str) -> Result<Scenario, ConfigError> {
    check_with(file, source_name, &mut PolicyFiles::disk(Path::new(".")))
}

/// Checks and resolves a scenario read from `path`: policy file paths are relative
/// to the scenario file's directory.
pub fn check_file(file: &ScenarioFile, path: &Path) -> Result<Scenario, ConfigError> {
    let dir = base_dir(path);
    check_with(
        file,
        &path.display().to_string(),
        &mut PolicyFiles::disk(dir),
    )
}

/// The directory a scenario file's policy paths are relative to.
pub fn base_dir(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Checks and resolves a scenario whose policy files come from `files` (which then
/// holds every file read).
pub fn check_with(
    file: &ScenarioFile,
    source_name: &str,
    files: &mut PolicyFiles,
) -> Result<Scenario, ConfigError> {
    resolve(file, files).map_err(|problems| ConfigError::Invalid {
        source_name: source_name.to_string(),
        problems,
    })
}
