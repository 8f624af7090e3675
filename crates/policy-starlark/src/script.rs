//! Loading a script: parse once (no `load`), evaluate the module once, freeze it, and
//! keep its entry points, checked for presence and number of parameters.

use starlark::docs::{DocItem, DocMember};
use starlark::environment::{FrozenModule, Globals, Module};
use starlark::eval::Evaluator;
use starlark::syntax::{AstModule, Dialect};
use starlark::values::OwnedFrozenValue;
use std::fmt;
use thiserror::Error;

/// A script that cannot be used, with where the problem is.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct LoadError {
    pub file: String,
    /// 1-based; 0 when the problem has no position (for example a missing function).
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )
        }
    }
}

/// The three entry points a script may define.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryPoint {
    /// `evaluate_queue(transactions, agent, system, state)`, required.
    EvaluateQueue,
    /// `evaluate_strategic_collateral(agent, system, state)`.
    StrategicCollateral,
    /// `evaluate_end_of_tick_collateral(agent, system, state)`.
    EndOfTickCollateral,
}

impl EntryPoint {
    pub const ALL: [EntryPoint; 3] = [
        EntryPoint::EvaluateQueue,
        EntryPoint::StrategicCollateral,
        EntryPoint::EndOfTickCollateral,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EntryPoint::EvaluateQueue => "evaluate_queue",
            EntryPoint::StrategicCollateral => "evaluate_strategic_collateral",
            EntryPoint::EndOfTickCollateral => "evaluate_end_of_tick_collateral",
        }
    }

    /// The parameters it takes, in order.
    pub fn parameters(self) -> &'static [&'static str] {
        match self {
            EntryPoint::EvaluateQueue => &["transactions", "agent", "system", "state"],
            _ => &["agent", "system", "state"],
        }
    }
}

impl fmt::Display for EntryPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A loaded, frozen script and its entry points.
#[derive(Debug)]
pub struct Script {
    pub name: String,
    /// The text it was loaded from.
    pub source: String,
    /// Keeps the frozen heap the entry points live in.
    _module: FrozenModule,
    entry: [Option<OwnedFrozenValue>; 3],
}

/// What a script can call: the standard Starlark functions plus `struct`, `map`,
/// `filter`, `partial` and `set`, all pure. Not `print` (a policy's output would mix
/// with the simulator's), nor anything that reads time, randomness or files. `range`
/// and `*` are bounded (see [`crate::guards`]).
pub fn globals() -> Globals {
    use starlark::environment::{GlobalsBuilder, LibraryExtension as Extension};
    GlobalsBuilder::extended_by(&[
        Extension::StructType,
        Extension::Map,
        Extension::Filter,
        Extension::Partial,
        Extension::SetType,
    ])
    .with(crate::guards::register)
    .build()
}

/// Two scripts are the same when they have the same name and text.
impl PartialEq for Script {
    fn eq(&self, other: &Script) -> bool {
        self.name == other.name && self.source == other.source
    }
}

/// The dialect scripts are read in: standard Starlark without `load` (a policy is one
/// self-contained file).
pub fn dialect() -> Dialect {
    Dialect {
        enable_load: false,
        ..Dialect::Standard
    }
}

impl Script {
    /// Parses and evaluates `source` (named `name` in messages), and checks its entry
    /// points.
    pub fn load(name: &str, source: &str) -> Result<Script, LoadError> {
        let fail = |error: &starlark::Error| located(name, error);
        let mut ast =
            AstModule::parse(name, source.to_owned(), &dialect()).map_err(|e| fail(&e))?;
        crate::guards::check_and_rewrite(&mut ast).map_err(|(span, message)| {
            let at = span.resolve_span();
            LoadError {
                file: name.to_string(),
                line: at.begin.line + 1,
                column: at.begin.column + 1,
                message,
            }
        })?;
        let globals = globals();
        let evaluated = crate::sandbox::contain_panics(|| {
            Module::with_temp_heap(|module| -> Result<FrozenModule, LoadError> {
                {
                    let mut eval = Evaluator::new(&module);
                    // Top-level code runs once, under the default limits.
                    crate::sandbox::Limits::default()
                        .apply(&mut eval)
                        .map_err(|e| plain(name, e.to_string()))?;
                    eval.eval_module(ast, &globals).map_err(|e| fail(&e))?;
                }
                module
                    .freeze()
                    .map_err(|e| plain(name, format!("cannot freeze the module: {e:?}")))
            })
        });
        let module = evaluated.map_err(|message| plain(name, message))??;
        let mut entry: [Option<OwnedFrozenValue>; 3] = [None, None, None];
        for (slot, point) in entry.iter_mut().zip(EntryPoint::ALL) {
            let value = module
                .get_option(point.name())
                .map_err(|e| plain(name, e.to_string()))?;
            if let Some(value) = &value {
                check_signature(name, point, value)?;
            }
            *slot = value;
        }
        if entry[0].is_none() {
            return Err(plain(
                name,
                "the script defines no `evaluate_queue(transactions, agent, system, state)`".into(),
            ));
        }
        Ok(Script {
            name: name.to_string(),
            source: source.to_string(),
            _module: module,
            entry,
        })
    }

    /// An entry point's function, if the script defines it.
    pub fn entry(&self, point: EntryPoint) -> Option<&OwnedFrozenValue> {
        self.entry[point as usize].as_ref()
    }
}

/// An entry point must be a function taking exactly its parameters (by position).
fn check_signature(
    name: &str,
    point: EntryPoint,
    value: &OwnedFrozenValue,
) -> Result<(), LoadError> {
    let wanted = point.parameters();
    let problem = match value.value().documentation() {
        DocItem::Member(DocMember::Function(function)) => {
            let p = &function.params;
            let positional = p.pos_only.len() + p.pos_or_named.len();
            if p.args.is_some() || p.kwargs.is_some() || !p.named_only.is_empty() {
                Some("takes *args, **kwargs or keyword-only parameters".to_string())
            } else {
                (positional != wanted.len()).then(|| format!("takes {positional} parameters"))
            }
        }
        _ => Some(format!(
            "is a value of type {}, not a function",
            value.value().get_type()
        )),
    };
    match problem {
        Some(problem) => Err(plain(
            name,
            format!(
                "`{point}` {problem}; it must be `def {point}({})`",
                wanted.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

fn plain(name: &str, message: String) -> LoadError {
    LoadError {
        file: name.to_string(),
        line: 0,
        column: 0,
        message,
    }
}

/// A starlark error as a load error with the position it names.
pub(crate) fn located(name: &str, error: &starlark::Error) -> LoadError {
    let (line, column) = error
        .span()
        .map(|span| {
            let at = span.resolve_span();
            (at.begin.line + 1, at.begin.column + 1)
        })
        .unwrap_or((0, 0));
    LoadError {
        file: name.to_string(),
        line,
        column,
        message: explain(first_line(&error.without_diagnostic().to_string())),
    }
}

/// Starlark's message, or a clearer one where a policy author needs more.
fn explain(message: String) -> String {
    if message.starts_with("Variable `print` not found") {
        return "print is not available to policies (their output would mix with the simulator's); \
                keep what you want to see in `state`"
            .to_string();
    }
    // The step and heap limits stop a script between statements, where starlark has
    // no position to report; say which limit it was.
    if message.starts_with("Execution duration limit") {
        return format!("{message} (the policy's max_steps limit: a loop that runs too long?)");
    }
    if message.starts_with("Heap memory limit") {
        return format!("{message} (the policy's max_heap_bytes limit)");
    }
    if message.starts_with("Starlark call stack overflow") {
        return format!("{message} (the policy's max_call_depth limit: unbounded recursion?)");
    }
    message
}

/// The first line of a message (starlark adds a source excerpt after it).
pub(crate) fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or("").trim().to_string()
}
