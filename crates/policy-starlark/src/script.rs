//! Loading a script: parse once (no `load`), evaluate the module once, freeze it, and
//! keep its entry points, checked for presence and number of parameters.

use crate::budget::Budget;
use crate::rewrite::Edits;
use starlark::codemap::{CodeMap, Pos, Span};
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

/// The entry points a script may define.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryPoint {
    /// `evaluate_queue(transactions, agent, system, state)`, required.
    EvaluateQueue,
    /// `evaluate_strategic_collateral(agent, system, state)`.
    StrategicCollateral,
    /// `evaluate_end_of_tick_collateral(agent, system, state)`.
    EndOfTickCollateral,
    /// `evaluate_initial_liquidity(agent, system, state)`, at each day's opening.
    InitialLiquidity,
}

impl EntryPoint {
    pub const ALL: [EntryPoint; 4] = [
        EntryPoint::EvaluateQueue,
        EntryPoint::StrategicCollateral,
        EntryPoint::EndOfTickCollateral,
        EntryPoint::InitialLiquidity,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EntryPoint::EvaluateQueue => "evaluate_queue",
            EntryPoint::StrategicCollateral => "evaluate_strategic_collateral",
            EntryPoint::EndOfTickCollateral => "evaluate_end_of_tick_collateral",
            EntryPoint::InitialLiquidity => "evaluate_initial_liquidity",
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
    /// Where an error in the (rewritten) text is in `source`.
    places: Places,
    /// Keeps the frozen heap the entry points live in.
    _module: FrozenModule,
    entry: [Option<OwnedFrozenValue>; EntryPoint::ALL.len()],
}

/// What a script can call: the standard Starlark functions plus `struct`, `map`,
/// `filter` and `set`, all pure (not `partial`, whose bound arguments the guards
/// cannot see into; a `lambda` does the same). Not `print` (a policy's output would mix
/// with the simulator's), nor anything that reads time, randomness or files. `range`
/// and `*` are bounded (see [`crate::guards`]).
pub fn globals() -> Globals {
    use starlark::environment::{GlobalsBuilder, LibraryExtension as Extension};
    GlobalsBuilder::extended_by(&[
        Extension::StructType,
        Extension::Map,
        Extension::Filter,
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
    ///
    /// Loading runs on a thread of its own with a known stack
    /// ([`LOAD_STACK_BYTES`]), so that it needs nothing of the caller's stack; what
    /// it accepts is decided by the bounds in [`crate::syntax`] and
    /// [`crate::shape`], never by the stack.
    pub fn load(name: &str, source: &str) -> Result<Script, LoadError> {
        let spawned = std::thread::scope(|scope| {
            std::thread::Builder::new()
                .name("rtgsim-starlark-load".into())
                .stack_size(LOAD_STACK_BYTES)
                .spawn_scoped(scope, || Script::load_here(name, source))
                .map(|thread| thread.join())
        });
        match spawned {
            Ok(Ok(loaded)) => loaded,
            Ok(Err(_)) => Err(plain(
                name,
                "the Starlark interpreter gave up loading the script".into(),
            )),
            // No thread to be had: load here, on the caller's stack.
            Err(_) => Script::load_here(name, source),
        }
    }

    fn load_here(name: &str, source: &str) -> Result<Script, LoadError> {
        let places = Places::new(name, source, Edits::default());
        let ast = parse(name, source, &places)?;
        if let Some((offset, reserved)) = crate::rewrite::reserved_name(source) {
            let (line, column) = places.line_column(offset);
            return Err(LoadError {
                file: name.to_string(),
                line,
                column,
                message: format!(
                    "`{reserved}`: names starting with `{}` are reserved for the policy sandbox",
                    crate::guards::RESERVED_PREFIX
                ),
            });
        }
        let rewritten = crate::rewrite::rewrite(&ast, source).map_err(|unguarded| {
            let (line, column) = places.line_column(unguarded.offset);
            LoadError {
                file: name.to_string(),
                line,
                column,
                message: format!(
                    "`.{}` must be called where it is named (`x.{}(...)`): the call is size-checked there",
                    unguarded.method, unguarded.method
                ),
            }
        })?;
        let (mut ast, places) = match rewritten {
            None => (ast, places),
            Some((text, edits)) => {
                drop(ast);
                let places = Places::new(name, source, edits);
                (parse(name, &text, &places)?, places)
            }
        };
        crate::guards::check_and_rewrite(&mut ast).map_err(|(span, message)| {
            let (line, column) = places.line_column(span.span.begin().get() as usize);
            LoadError {
                file: name.to_string(),
                line,
                column,
                message,
            }
        })?;
        let globals = globals();
        // Top-level code runs once, under the default limits.
        let limits = crate::sandbox::Limits::default();
        let budget = Budget::new(&limits);
        let evaluated = crate::sandbox::contain_panics(|| {
            Module::with_temp_heap(|module| -> Result<FrozenModule, LoadError> {
                {
                    let mut eval = Evaluator::new(&module);
                    eval.extra = Some(&budget);
                    limits
                        .apply(&mut eval)
                        .map_err(|e| plain(name, e.to_string()))?;
                    if let Err(error) = eval.eval_module(ast, &globals) {
                        let limit = limits.exceeded(&eval, &error);
                        return Err(places.locate(&error, limit));
                    }
                }
                // Freezing walks every value the top-level code left by recursion:
                // each must be shallow enough first.
                for global in module.names() {
                    if let Some(value) = module.get(global.as_str()) {
                        let what = format!("the top-level value `{}`", global.as_str());
                        crate::shape::measure(value, &budget, Some(module.heap()), &what)
                            .map_err(|e| plain(name, e.to_string()))?;
                    }
                }
                module
                    .freeze()
                    .map_err(|e| plain(name, format!("cannot freeze the module: {e:?}")))
            })
        });
        let module = evaluated.map_err(|message| plain(name, message))??;
        let mut entry: [Option<OwnedFrozenValue>; EntryPoint::ALL.len()] = Default::default();
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
            places,
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

/// The stack a script is loaded on: parsing and compiling recurse natively, within
/// the nesting bound of [`crate::syntax::MAX_NESTING`] (well under 1 MiB); the rest is
/// margin. Only touched pages are ever committed.
pub const LOAD_STACK_BYTES: usize = 64 << 20;

/// Parses `text` (the script, or its rewritten text) with the structure checked first;
/// errors are placed in the original text.
fn parse(name: &str, text: &str, places: &Places) -> Result<AstModule, LoadError> {
    crate::syntax::parse(name, text, &dialect()).map_err(|error| match error {
        crate::syntax::ParseError::Structure(refused) => {
            let offset = places.offset_of(text, refused.line, refused.column);
            let (line, column) = places.line_column(offset);
            LoadError {
                file: name.to_string(),
                line,
                column,
                message: refused.message,
            }
        }
        crate::syntax::ParseError::Starlark(error) => places.locate(&error, None),
    })
}

/// Which limit of [`crate::sandbox::Limits`] stopped a script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Limit {
    Steps,
    Heap,
    CallDepth,
}

/// Places in a script's text: its code map, and the edits that made the text the
/// interpreter ran.
#[derive(Debug)]
pub(crate) struct Places {
    name: String,
    codemap: CodeMap,
    edits: Edits,
}

impl Places {
    fn new(name: &str, source: &str, edits: Edits) -> Places {
        Places {
            name: name.to_string(),
            codemap: CodeMap::new(name.to_string(), source.to_string()),
            edits,
        }
    }

    /// The 1-based line and column of a byte offset in the rewritten text.
    fn line_column(&self, rewritten_offset: usize) -> (usize, usize) {
        let offset = self.edits.original_offset(rewritten_offset);
        // A syntax error's span can begin inside a multi-byte character (a bad
        // escape just before one, found by fuzzing), which the codemap asserts
        // against: the place is that character's start.
        let source = self.codemap.source();
        let offset = source.floor_char_boundary(offset.min(source.len()));
        let pos = Pos::new(u32::try_from(offset).unwrap_or(u32::MAX));
        let at = self.codemap.resolve_span(Span::new(pos, pos));
        (at.begin.line + 1, at.begin.column + 1)
    }

    /// The byte offset in `text` of a 1-based line and column.
    fn offset_of(&self, text: &str, line: usize, column: usize) -> usize {
        let start: usize = text
            .split_inclusive('\n')
            .take(line.saturating_sub(1))
            .map(str::len)
            .sum();
        let rest = &text[start.min(text.len())..];
        start
            + rest
                .char_indices()
                .nth(column.saturating_sub(1))
                .map_or(rest.len(), |(at, _)| at)
    }

    /// A starlark error as a load error, placed in the original text, with what
    /// limit stopped the script if one did.
    pub(crate) fn locate(&self, error: &starlark::Error, limit: Option<Limit>) -> LoadError {
        let (line, column) = error
            .span()
            .map(|span| self.line_column(span.span.begin().get() as usize))
            .unwrap_or((0, 0));
        let is_print = matches!(error.kind(), starlark::ErrorKind::Scope(_))
            && error.span().is_some_and(|span| {
                // `get`, not indexing: a span need not fall on character boundaries.
                let (begin, end) = (span.span.begin().get(), span.span.end().get());
                span.file.source().get(begin as usize..end as usize) == Some("print")
            });
        LoadError {
            file: self.name.clone(),
            line,
            column,
            message: explain(
                first_line(&error.without_diagnostic().to_string()),
                is_print,
                limit.or_else(|| {
                    matches!(error.kind(), starlark::ErrorKind::StackOverflow(_))
                        .then_some(Limit::CallDepth)
                }),
            ),
        }
    }
}

impl Script {
    /// A starlark error from a call as a load error placed in this script's text.
    pub(crate) fn locate(&self, error: &starlark::Error, limit: Option<Limit>) -> LoadError {
        self.places.locate(error, limit)
    }
}

/// Starlark's message, or a clearer one where a policy author needs more.
fn explain(message: String, is_print: bool, limit: Option<Limit>) -> String {
    if is_print {
        return "print is not available to policies (their output would mix with the simulator's); \
                keep what you want to see in `state`"
            .to_string();
    }
    // The step and heap limits stop a script between statements, where starlark has
    // no position to report; say which limit it was.
    match limit {
        Some(Limit::Steps) => {
            format!("{message} (the policy's max_steps limit: a loop that runs too long?)")
        }
        Some(Limit::Heap) => format!("{message} (the policy's max_heap_bytes limit)"),
        Some(Limit::CallDepth) => {
            format!("{message} (the policy's max_call_depth limit: unbounded recursion?)")
        }
        None => message,
    }
}

/// The first line of a message (starlark adds a source excerpt after it).
pub(crate) fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or("").trim().to_string()
}
