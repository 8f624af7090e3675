//! Checks of a Starlark policy script, from its syntax tree: the entry points, what
//! the script reads from `tx`, `agent` and `system`, the decisions it builds, what
//! it keeps in `state`, what it calls, patterns that blow the limits, and the
//! starlark crate's own lints.

mod actions;
mod checks;
mod schema;
mod types;

pub use actions::{DecisionActions, decision_actions};
pub use schema::{ENTRY_POINTS, Object, globals};

use crate::codes::Code;
use crate::finding::{Finding, Place};
use rtgsim_policy_starlark::syntax::ParseError;
use starlark::analysis::AstModuleLint;
use starlark::codemap::{FileSpan, Pos, ResolvedSpan, Span};
use starlark::syntax::ast::{AstNoPayload, AstStmt, DefP, ExprP, ParameterP, StmtP};
use starlark::syntax::{AstModule, Dialect};
use std::collections::{BTreeMap, BTreeSet};
use types::{Env, Ty};

/// Every finding for the script `source`, named `file` in the findings.
pub fn analyze(file: &str, source: &str) -> Vec<Finding> {
    // `load` parses here so that it can be reported as unavailable, not as a
    // syntax error.
    let dialect = Dialect {
        enable_load: true,
        ..Dialect::Standard
    };
    // The parser and every pass below recurse over the syntax tree: a script nested
    // beyond the sandbox's bound is refused before it is parsed.
    let ast = match rtgsim_policy_starlark::syntax::parse(file, source, &dialect) {
        Ok(ast) => ast,
        Err(ParseError::Starlark(error)) => return vec![syntax_error(file, &error)],
        Err(ParseError::Structure(refused)) => {
            let place = Place::at(rtgsim_diagnostics::Span {
                line: refused.line,
                column: refused.column,
                end_line: refused.line,
                end_column: refused.column + 1,
            });
            return vec![Finding::new(Code::SyntaxError, file, refused.message).at(Some(place))];
        }
    };
    let mut analysis = Analysis::new(file, &ast);
    analysis.entry_points();
    analysis.infer();
    analysis.check_all();
    analysis.recursion();
    analysis.lints();
    analysis.findings
}

fn syntax_error(file: &str, error: &starlark::Error) -> Finding {
    let place = error.span().map(|span| place_of(resolve(span)));
    let message = error.without_diagnostic().to_string();
    let message = message
        .lines()
        .next()
        .unwrap_or("syntax error")
        .trim()
        .to_string();
    Finding::new(Code::SyntaxError, file, message).at(place)
}

type Def = DefP<AstNoPayload>;

/// One script under analysis.
pub(crate) struct Analysis<'a> {
    pub(crate) file: &'a str,
    pub(crate) ast: &'a AstModule,
    /// The script's top-level functions, by name.
    pub(crate) defs: BTreeMap<&'a str, &'a Def>,
    /// What each function's parameters hold, by position, once inferred.
    pub(crate) params: BTreeMap<&'a str, Vec<Option<Ty>>>,
    pub(crate) findings: Vec<Finding>,
}

impl<'a> Analysis<'a> {
    fn new(file: &'a str, ast: &'a AstModule) -> Analysis<'a> {
        let mut defs = BTreeMap::new();
        for statement in top_level(ast.statement()) {
            if let StmtP::Def(def) = &statement.node {
                defs.insert(def.name.node.ident.as_str(), def);
            }
        }
        let params = defs
            .iter()
            .map(|(&name, def)| {
                let initial = match schema::entry_point(name) {
                    Some(entry) => entry_types(entry),
                    None => vec![None; def.params.len()],
                };
                (name, initial)
            })
            .collect();
        Analysis {
            file,
            ast,
            defs,
            params,
            findings: Vec::new(),
        }
    }

    /// The place of a span of the script.
    pub(crate) fn place(&self, span: Span) -> Option<Place> {
        Some(place_of(resolve(&self.ast.file_span(span))))
    }

    pub(crate) fn report(&mut self, code: Code, span: Span, message: String, help: Option<String>) {
        let mut finding = Finding::new(code, self.file, message).at(self.place(span));
        finding.help = help;
        self.findings.push(finding);
    }

    /// E002, E003: the entry points exist and take exactly their parameters.
    fn entry_points(&mut self) {
        for statement in top_level(self.ast.statement()) {
            if let StmtP::Assign(assign) = &statement.node
                && let starlark::syntax::ast::AssignTargetP::Identifier(id) = &assign.lhs.node
                && let Some(entry) = schema::entry_point(&id.node.ident)
            {
                self.report(
                    Code::BadEntryPoint,
                    statement.span,
                    format!(
                        "`{}` is assigned a value; it must be a function",
                        entry.name
                    ),
                    Some(format!(
                        "def {}({}):",
                        entry.name,
                        entry.parameters.join(", ")
                    )),
                );
            }
        }
        if !self.defs.contains_key("evaluate_queue") {
            self.findings.push(
                Finding::new(
                    Code::MissingEvaluateQueue,
                    self.file,
                    "the script defines no `evaluate_queue`; every policy needs one",
                )
                .help("def evaluate_queue(transactions, agent, system, state):"),
            );
        }
        for entry in &ENTRY_POINTS {
            let Some(def) = self.defs.get(entry.name).copied() else {
                continue;
            };
            let mut positional = 0;
            let mut other = false;
            for param in &def.params {
                match &param.node {
                    ParameterP::Normal(..) => positional += 1,
                    _ => other = true,
                }
            }
            if other || positional != entry.parameters.len() {
                let problem = if other {
                    "takes *args, **kwargs or keyword-only parameters".to_string()
                } else {
                    format!(
                        "takes {positional} parameter(s), not {}",
                        entry.parameters.len()
                    )
                };
                self.report(
                    Code::BadEntryPoint,
                    def.name.span,
                    format!("`{}` {problem}", entry.name),
                    Some(format!(
                        "def {}({}):",
                        entry.name,
                        entry.parameters.join(", ")
                    )),
                );
            }
        }
    }

    /// What each function's parameters hold: from the entry points outwards, through
    /// calls, until nothing changes.
    fn infer(&mut self) {
        for _ in 0..8 {
            let mut changed = false;
            let names: Vec<&'a str> = self.defs.keys().copied().collect();
            for name in names {
                let env = self.env_of(name);
                let def = self.defs[name];
                let mut walker = checks::Walker::new(self, name);
                walker.statement(&def.body, &env);
                for (callee, index, ty) in walker.calls {
                    if let Some(slot) = self.params.get_mut(callee).and_then(|p| p.get_mut(index)) {
                        let merged = slot.map_or(ty, |old| old.merge(ty));
                        if *slot != Some(merged) {
                            *slot = Some(merged);
                            changed = true;
                        }
                    }
                }
            }
            if !changed {
                return;
            }
        }
    }

    /// The names of function `name` and what they hold.
    pub(crate) fn env_of(&self, name: &str) -> Env {
        let mut env = Env::default();
        let Some(def) = self.defs.get(name) else {
            return env;
        };
        let types = self.params.get(name);
        for (index, param) in def.params.iter().enumerate() {
            if let (Some(id), _, _) = param.node.split() {
                let ty = types
                    .and_then(|t| t.get(index).copied().flatten())
                    .unwrap_or(Ty::Unknown);
                env.shadow(&id.node.ident, ty);
            }
        }
        types::bind_body(&def.body, &mut env);
        env
    }

    fn check_all(&mut self) {
        let mut findings = Vec::new();
        for statement in top_level(self.ast.statement()) {
            let (name, body) = match &statement.node {
                StmtP::Def(def) => (def.name.node.ident.as_str(), &*def.body),
                _ => ("", statement),
            };
            let env = self.env_of(name);
            let mut walker = checks::Walker::new(self, name);
            walker.statement(body, &env);
            findings.extend(walker.findings);
        }
        self.findings.extend(findings);
    }

    /// W102: functions that call themselves, directly or through others.
    fn recursion(&mut self) {
        let mut calls: BTreeMap<&'a str, BTreeSet<&'a str>> = BTreeMap::new();
        for (&name, def) in &self.defs {
            let mut walker = checks::Walker::new(self, name);
            walker.statement(&def.body, &self.env_of(name));
            calls.insert(
                name,
                walker.calls.iter().map(|&(callee, _, _)| callee).collect(),
            );
        }
        let mut found = Vec::new();
        for (&name, def) in &self.defs {
            if let Some(path) = cycle_through(name, &calls) {
                let route = if path.len() <= 1 {
                    "itself".to_string()
                } else {
                    format!(
                        "itself through {}",
                        path[1..]
                            .iter()
                            .map(|f| format!("`{f}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                found.push((def.name.span, format!("`{name}` calls {route}")));
            }
        }
        for (span, message) in found {
            self.report(
                Code::Recursion,
                span,
                message,
                Some("each call counts against max_call_depth (100 by default) and max_steps; a loop is safer".into()),
            );
        }
    }

    /// The starlark crate's lints, at the severity they deserve here.
    fn lints(&mut self) {
        let globals = globals();
        for lint in self.ast.lint(Some(&globals)) {
            let at = resolve(&lint.location);
            let place = Some(place_of(at));
            let function = self.function_at(at.begin.line + 1);
            let code = match lint.short_name.as_str() {
                // `print` has its own finding (E009).
                "using-undefined" if lint.original == "print" => continue,
                "using-undefined" => Code::UndefinedName,
                "missing-return" | "missing-return-expression" => match function.as_deref() {
                    // A collateral function may fall through (`None` is a Hold), and so
                    // may the initial liquidity (`None` keeps what is posted).
                    Some(f) if schema::entry_point(f).is_some_and(|e| e.may_fall_through()) => {
                        continue;
                    }
                    Some("evaluate_queue") => {
                        self.findings.push(
                            Finding::new(
                                Code::WrongReturnShape,
                                self.file,
                                "a path through `evaluate_queue` returns nothing (None), which is a policy error",
                            )
                            .at(place)
                            .help("end every path with `return decisions` (an empty list holds everything)"),
                        );
                        continue;
                    }
                    _ => Code::MissingReturn,
                },
                "unreachable" | "no-effect" | "redundant-return" | "redundant-continue" => {
                    Code::Unreachable
                }
                "unused-assign" => Code::UnusedAssign,
                "duplicate-key"
                | "ident-as-statement"
                | "duplicate-top-level-assign"
                | "incompatible-type-check" => Code::Dubious,
                "using-unassigned" | "using-maybe-undefined" => Code::MaybeUnassigned,
                // Unused arguments are normal (an entry point need not read `state`);
                // style and performance advice is not this tool's job.
                _ => continue,
            };
            self.findings
                .push(Finding::new(code, self.file, lint.problem.clone()).at(place));
        }
    }

    /// The top-level function whose body covers `line`.
    fn function_at(&self, line: usize) -> Option<String> {
        self.defs.iter().find_map(|(&name, def)| {
            let span = resolve(&self.ast.file_span(def.body.span));
            let start = resolve(&self.ast.file_span(def.name.span)).begin.line + 1;
            (start..=span.end.line + 1)
                .contains(&line)
                .then(|| name.to_string())
        })
    }
}

/// The parameter kinds of an entry point.
fn entry_types(entry: &schema::EntryPoint) -> Vec<Option<Ty>> {
    entry
        .parameters
        .iter()
        .map(|p| {
            Some(match *p {
                "transactions" => Ty::TxList,
                "agent" => Ty::Agent,
                "system" => Ty::System,
                _ => Ty::State,
            })
        })
        .collect()
}

/// The statements at the top level of a module.
pub(crate) fn top_level(statement: &AstStmt) -> Vec<&AstStmt> {
    match &statement.node {
        StmtP::Statements(items) => items.iter().flat_map(top_level).collect(),
        _ => vec![statement],
    }
}

/// A call path from `start` back to itself, if there is one (the functions on it).
fn cycle_through<'a>(
    start: &'a str,
    calls: &BTreeMap<&'a str, BTreeSet<&'a str>>,
) -> Option<Vec<&'a str>> {
    let mut stack = vec![(start, vec![start])];
    let mut seen = BTreeSet::new();
    while let Some((name, path)) = stack.pop() {
        for &next in calls.get(name).into_iter().flatten() {
            if next == start {
                return Some(path);
            }
            if seen.insert(next) {
                let mut longer = path.clone();
                longer.push(next);
                stack.push((next, longer));
            }
        }
    }
    None
}

/// Whether `expr` is a call to the global function `name`.
/// A place in the script, from the starlark crate's 0-based span.
/// Resolves a span to lines and columns without trusting it to fall on character
/// boundaries: a syntax error's span can end inside a multi-byte character (a
/// fuzzed script found one), and the codemap asserts against that. Each end moves
/// back to the start of its character.
fn resolve(span: &FileSpan) -> ResolvedSpan {
    let source = span.file.source();
    let snap = |pos: Pos| {
        let at = source.floor_char_boundary((pos.get() as usize).min(source.len()));
        Pos::new(u32::try_from(at).unwrap_or(u32::MAX))
    };
    span.file
        .resolve_span(Span::new(snap(span.span.begin()), snap(span.span.end())))
}

fn place_of(at: ResolvedSpan) -> Place {
    Place::at(rtgsim_diagnostics::Span {
        line: at.begin.line + 1,
        column: at.begin.column + 1,
        end_line: at.end.line + 1,
        end_column: at.end.column + 1,
    })
}

/// The positional arguments of a call, in order.
pub(crate) fn positional(
    args: &starlark::syntax::ast::CallArgsP<AstNoPayload>,
) -> Vec<&starlark::syntax::ast::AstExpr> {
    args.args
        .iter()
        .filter_map(|a| match &a.node {
            starlark::syntax::ast::ArgumentP::Positional(e) => Some(e),
            _ => None,
        })
        .collect()
}

pub(crate) fn is_call_to(expr: &starlark::syntax::ast::AstExpr, name: &str) -> bool {
    matches!(&expr.node, ExprP::Call(callee, _) if matches!(&callee.node, ExprP::Identifier(id) if id.node.ident == name))
}
