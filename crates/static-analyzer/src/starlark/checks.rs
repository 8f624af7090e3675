//! The walk over a function's statements and expressions that makes the checks, and
//! records the calls between the script's functions (for type inference and
//! recursion).

use super::schema::{self, EntryPoint, Object, Returns};
use super::types::{Env, Ty, element, ty_of};
use super::{Analysis, is_call_to};
use crate::codes::Code;
use crate::finding::Finding;
use rtgsim_diagnostics::{Quote, did_you_mean};
use starlark::codemap::Span;
use starlark::syntax::ast::{
    ArgumentP, AssignOp, AssignTargetP, AstExpr, AstLiteral, AstStmt, BinOp, ClauseP, ExprP, StmtP,
};
use starlark_syntax::lexer::TokenInt;

mod decisions;

/// Longest `range` and repetition the interpreter allows.
const MAX_BUILD: i64 = 10_000_000;
/// The default step limit of a call.
const DEFAULT_STEPS: i64 = 1_000_000;

/// What a decision dict is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    Payment,
    Collateral,
    /// A helper function: it may build either kind.
    Either,
}

pub(crate) struct Walker<'w, 'a> {
    analysis: &'w Analysis<'a>,
    entry: Option<&'static EntryPoint>,
    pub findings: Vec<Finding>,
    /// Calls to the script's own functions: (callee, argument position, its kind).
    pub calls: Vec<(&'a str, usize, Ty)>,
    /// How many loops over the transactions enclose the current point.
    tx_loops: usize,
}

impl<'w, 'a> Walker<'w, 'a> {
    pub fn new(analysis: &'w Analysis<'a>, function: &str) -> Walker<'w, 'a> {
        Walker {
            analysis,
            entry: schema::entry_point(function),
            findings: Vec::new(),
            calls: Vec::new(),
            tx_loops: 0,
        }
    }

    fn report(&mut self, code: Code, span: Span, message: String, help: Option<String>) {
        let mut finding =
            Finding::new(code, self.analysis.file, message).at(self.analysis.place(span));
        finding.help = help;
        self.findings.push(finding);
    }

    fn context(&self) -> Context {
        match self.entry {
            Some(entry) => match entry.returns {
                Returns::PaymentDecisions => Context::Payment,
                Returns::CollateralDecision => Context::Collateral,
                // It returns a number: a decision dict built there is a helper's.
                Returns::Share => Context::Either,
            },
            None => Context::Either,
        }
    }

    pub fn statement(&mut self, statement: &AstStmt, env: &Env) {
        match &statement.node {
            StmtP::Return(value) => {
                self.return_shape(statement.span, value.as_ref(), env);
                return;
            }
            StmtP::Assign(assign) => {
                if let AssignTargetP::Index(pair) = &assign.lhs.node
                    && ty_of(&pair.0, env) == Ty::State
                {
                    self.saved_value(&assign.rhs, env);
                }
            }
            StmtP::AssignModify(_, AssignOp::Multiply, _) => self.report(
                Code::Unavailable,
                statement.span,
                "`*=` is not available to policies".into(),
                Some("write `x = x * n` (repetitions are size-checked)".into()),
            ),
            StmtP::Load(_) => self.report(
                Code::Unavailable,
                statement.span,
                "`load` is not available to policies: a policy is one file".into(),
                Some("copy what you need into this script".into()),
            ),
            StmtP::For(for_loop) => {
                let over = ty_of(&for_loop.over, env);
                self.expr(&for_loop.over, env);
                let nested = self.enter_loop(over, for_loop.over.span);
                self.statement(&for_loop.body, env);
                if nested {
                    self.tx_loops -= 1;
                }
                return;
            }
            StmtP::Def(def) => {
                // A nested function: its own parameters, otherwise the outer names.
                let mut inner = env.clone();
                for param in &def.params {
                    if let (Some(id), _, default) = param.node.split() {
                        inner.shadow(&id.node.ident, Ty::Unknown);
                        if let Some(default) = default {
                            self.expr(default, env);
                        }
                    }
                }
                let saved = self.entry.take();
                self.statement(&def.body, &inner);
                self.entry = saved;
                return;
            }
            _ => {}
        }
        statement.visit_children(|child| match child {
            starlark_syntax::syntax::uniplate::Visit::Stmt(s) => self.statement(s, env),
            starlark_syntax::syntax::uniplate::Visit::Expr(e) => self.expr(e, env),
        });
    }

    /// Counts a loop over `over`; W104 when it is a second loop over the transactions.
    fn enter_loop(&mut self, over: Ty, span: Span) -> bool {
        if over != Ty::TxList && over != Ty::Enumerated {
            return false;
        }
        if self.tx_loops > 0 {
            self.report(
                Code::NestedTransactionLoops,
                span,
                "a loop over the transactions inside another loop over them: the work grows with the square of the queue".into(),
                Some("build what the inner loop looks for once, before the outer loop (a dict by counterparty, say)".into()),
            );
        }
        self.tx_loops += 1;
        true
    }

    pub fn expr(&mut self, expr: &AstExpr, env: &Env) {
        match &expr.node {
            ExprP::Dot(object, attribute) => self.attribute(object, attribute, env),
            ExprP::Dict(entries) => self.decision(expr.span, entries),
            ExprP::Call(callee, args) => self.call(expr, callee, args, env),
            ExprP::Op(left, BinOp::Multiply, right) => self.repetition(expr.span, left, right),
            ExprP::ListComprehension(_, first, clauses)
            | ExprP::DictComprehension(_, first, clauses) => {
                self.comprehension(expr, first, clauses, env);
                return;
            }
            ExprP::Lambda(lambda) => {
                let mut inner = env.clone();
                for param in &lambda.params {
                    if let (Some(id), _, _) = param.node.split() {
                        inner.shadow(&id.node.ident, Ty::Unknown);
                    }
                }
                self.expr(&lambda.body, &inner);
                return;
            }
            _ => {}
        }
        expr.node.visit_expr(|child| self.expr(child, env));
    }

    fn comprehension(
        &mut self,
        expr: &AstExpr,
        first: &starlark::syntax::ast::ForClauseP<starlark::syntax::ast::AstNoPayload>,
        clauses: &[ClauseP<starlark::syntax::ast::AstNoPayload>],
        env: &Env,
    ) {
        let mut inner = env.clone();
        let mut loops = 0;
        self.expr(&first.over, env);
        let over = ty_of(&first.over, env);
        inner.bind_target(&first.var.node, element(over), true);
        if self.enter_loop(over, first.over.span) {
            loops += 1;
        }
        for clause in clauses {
            match clause {
                ClauseP::For(clause) => {
                    self.expr(&clause.over, &inner);
                    let over = ty_of(&clause.over, &inner);
                    inner.bind_target(&clause.var.node, element(over), true);
                    if self.enter_loop(over, clause.over.span) {
                        loops += 1;
                    }
                }
                ClauseP::If(condition) => self.expr(condition, &inner),
            }
        }
        match &expr.node {
            ExprP::ListComprehension(body, ..) => self.expr(body, &inner),
            ExprP::DictComprehension(pair, ..) => {
                self.expr(&pair.0, &inner);
                self.expr(&pair.1, &inner);
            }
            _ => {}
        }
        self.tx_loops -= loops;
    }

    /// E004 (unknown attribute).
    fn attribute(
        &mut self,
        object: &AstExpr,
        attribute: &starlark::syntax::ast::AstString,
        env: &Env,
    ) {
        // The object itself is walked with the other children by `expr`: walking it
        // here too would walk a chain of n attributes 2^n times.
        let kind = match ty_of(object, env) {
            Ty::Tx => Object::Tx,
            Ty::Agent => Object::Agent,
            Ty::System => Object::System,
            _ => return,
        };
        let name = attribute.node.as_str();
        let attributes = kind.attributes();
        if !attributes.contains(name) {
            let help = did_you_mean(name, attributes.iter().copied(), Quote::Backtick)
                .or_else(|| Some("docs/starlark_api_reference.md lists every attribute".into()));
            self.report(
                Code::UnknownAttribute,
                attribute.span,
                format!("{} has no attribute `{name}`", kind.noun()),
                help,
            );
        }
    }

    fn call(
        &mut self,
        expr: &AstExpr,
        callee: &AstExpr,
        args: &starlark::syntax::ast::CallArgsP<starlark::syntax::ast::AstNoPayload>,
        env: &Env,
    ) {
        let positional = super::positional(args);
        // `state.setdefault(key, value)` and `state[key].append(value)` save `value`.
        if let ExprP::Dot(object, method) = &callee.node {
            let saves = match method.node.as_str() {
                "setdefault" => ty_of(object, env) == Ty::State,
                "append" => {
                    matches!(&object.node, ExprP::Index(pair) if ty_of(&pair.0, env) == Ty::State)
                }
                _ => false,
            };
            let value = if method.node == "setdefault" {
                positional.get(1)
            } else {
                positional.first()
            };
            if saves && let Some(value) = value {
                self.saved_value(value, env);
            }
            return;
        }
        let ExprP::Identifier(function) = &callee.node else {
            return;
        };
        let name = function.node.ident.as_str();
        if let Some((&callee_name, _)) = self.analysis.defs.get_key_value(name) {
            for (index, arg) in positional.iter().enumerate() {
                self.calls.push((callee_name, index, ty_of(arg, env)));
            }
        }
        match name {
            "print" => self.report(
                Code::Unavailable,
                callee.span,
                "`print` is not available to policies (their output would mix with the simulator's)".into(),
                Some("keep what you want to see in `state`; the run stores it at the end of each day".into()),
            ),
            "range" => self.range(expr.span, &positional),
            "sorted" | "min" | "max" if positional.first().map(|e| ty_of(e, env)) == Some(Ty::TxList) => {
                for arg in &args.args {
                    if let ArgumentP::Named(key, value) = &arg.node
                        && key.node == "key"
                    {
                        self.key_function(value, env);
                    }
                }
            }
            "filter" | "map" => {
                if positional.get(1).map(|e| ty_of(e, env)) == Some(Ty::TxList)
                    && let Some(function) = positional.first()
                {
                    self.key_function(function, env);
                }
            }
            _ => {}
        }
    }

    /// A function applied to each transaction: its first parameter is a transaction.
    fn key_function(&mut self, function: &AstExpr, env: &Env) {
        match &function.node {
            ExprP::Identifier(id) => {
                if let Some((&name, _)) = self.analysis.defs.get_key_value(id.node.ident.as_str()) {
                    self.calls.push((name, 0, Ty::Tx));
                }
            }
            ExprP::Lambda(lambda) => {
                let mut inner = env.clone();
                for (index, param) in lambda.params.iter().enumerate() {
                    if let (Some(id), _, _) = param.node.split() {
                        inner.shadow(
                            &id.node.ident,
                            if index == 0 { Ty::Tx } else { Ty::Unknown },
                        );
                    }
                }
                // The lambda is walked again by `expr` with unknown parameters; this
                // walk checks its body with the parameter known.
                let mut checker = Walker::new(self.analysis, "");
                checker.entry = self.entry;
                checker.expr(&lambda.body, &inner);
                self.findings
                    .extend(checker.findings.into_iter().filter(|f| f.code == "E004"));
            }
            _ => {}
        }
    }

    /// E010 / W103: a `range` of constant bounds too long to build or to loop over.
    fn range(&mut self, span: Span, args: &[&AstExpr]) {
        let bounds: Option<Vec<i64>> = args.iter().map(|a| int_literal(a)).collect();
        let Some(bounds) = bounds else {
            return;
        };
        let (start, stop, step) = match bounds.as_slice() {
            [stop] => (0, *stop, 1),
            [start, stop] => (*start, *stop, 1),
            [start, stop, step] if *step != 0 => (*start, *stop, *step),
            _ => return,
        };
        // In i128: the bounds are any i64s a script can write (`range(-2**63, 2**63 - 1)`),
        // whose difference does not fit an i64.
        let (start, stop, step) = (i128::from(start), i128::from(stop), i128::from(step));
        let span_len = if step > 0 { stop - start } else { start - stop };
        let len = if span_len <= 0 {
            0
        } else {
            (span_len + step.abs() - 1) / step.abs()
        };
        if len > i128::from(MAX_BUILD) {
            self.report(
                Code::OverBound,
                span,
                format!("a range of {len} values; a policy's range holds at most {MAX_BUILD}, so this fails when it runs"),
                None,
            );
        } else if len > i128::from(DEFAULT_STEPS) {
            self.report(
                Code::LargeRange,
                span,
                format!("a range of {len} values: looping over it exceeds the default step limit ({DEFAULT_STEPS}) in one call"),
                Some("raise limits.max_steps for this policy, or loop over less".into()),
            );
        }
    }

    /// E010: a repetition of a literal sequence too large to build.
    fn repetition(&mut self, span: Span, left: &AstExpr, right: &AstExpr) {
        for (sequence, times) in [(left, right), (right, left)] {
            if let (Some(len), Some(times)) = (literal_len(sequence), int_literal(times)) {
                let total = len.saturating_mul(times.max(0));
                if total > MAX_BUILD {
                    self.report(
                        Code::OverBound,
                        span,
                        format!("a repetition of {total} elements; a policy may build at most {MAX_BUILD} at once, so this fails when it runs"),
                        None,
                    );
                }
            }
        }
    }

    /// E008: a value stored in `state` that JSON cannot hold.
    fn saved_value(&mut self, value: &AstExpr, env: &Env) {
        let what = match &value.node {
            ExprP::Tuple(_) => Some("a tuple"),
            ExprP::Lambda(_) => Some("a function"),
            ExprP::Identifier(id) if self.analysis.defs.contains_key(id.node.ident.as_str()) => {
                Some("a function")
            }
            ExprP::Identifier(_) => match ty_of(value, env) {
                Ty::Tx | Ty::Agent | Ty::System => Some("a policy object"),
                _ => None,
            },
            _ if is_call_to(value, "set") => Some("a set"),
            _ if is_call_to(value, "struct") => Some("a struct"),
            _ if is_call_to(value, "tuple") => Some("a tuple"),
            _ if is_call_to(value, "range") => Some("a range"),
            _ => None,
        };
        if let Some(what) = what {
            self.report(
                Code::UnsavableState,
                value.span,
                format!("`state` is saved as JSON and cannot hold {what}; the call fails and keeps the old state"),
                Some("store lists, dicts, strings, numbers, booleans or None (a list instead of a tuple)".into()),
            );
        }
    }

    /// E007: what an entry point returns, where the shape can be seen.
    fn return_shape(&mut self, span: Span, value: Option<&AstExpr>, env: &Env) {
        if let Some(value) = value {
            self.expr(value, env);
        }
        let Some(entry) = self.entry else {
            return;
        };
        let shape = match value.map(|v| &v.node) {
            None => Some("nothing"),
            Some(ExprP::Identifier(id)) if id.node.ident == "None" => Some("None"),
            Some(ExprP::Dict(_) | ExprP::DictComprehension(..)) => Some("a dict"),
            Some(ExprP::List(_) | ExprP::ListComprehension(..)) => Some("a list"),
            Some(ExprP::Literal(AstLiteral::String(_))) => Some("a string"),
            Some(ExprP::Literal(AstLiteral::Int(_) | AstLiteral::Float(_))) => Some("a number"),
            Some(ExprP::Tuple(_)) => Some("a tuple"),
            _ => None,
        };
        // A literal share must be from 0 to 1.
        if entry.returns == Returns::Share
            && let Some(share) = value.and_then(number_literal)
            && !(0.0..=1.0).contains(&share)
        {
            self.report(
                Code::WrongReturnShape,
                span,
                format!(
                    "`{}` returns {share}; a share is from 0 to 1 (or None to keep what is posted), so this call fails",
                    entry.name
                ),
                None,
            );
            return;
        }
        let Some(shape) = shape else {
            return;
        };
        let wanted = match entry.returns {
            Returns::PaymentDecisions if shape != "a list" => {
                Some("a list of decision dicts (an empty list holds everything)")
            }
            Returns::CollateralDecision if !matches!(shape, "a dict" | "None" | "nothing") => {
                Some("one decision dict, or None")
            }
            Returns::Share if !matches!(shape, "a number" | "None" | "nothing") => Some(
                "a share of the collateral capacity from 0 to 1, or None to keep what is posted",
            ),
            _ => None,
        };
        if let Some(wanted) = wanted {
            self.report(
                Code::WrongReturnShape,
                span,
                format!("`{}` returns {shape}; it must return {wanted}", entry.name),
                None,
            );
        }
    }
}

/// The value of a number literal (or a negated one).
fn number_literal(expr: &AstExpr) -> Option<f64> {
    match &expr.node {
        ExprP::Literal(AstLiteral::Float(x)) => Some(x.node),
        ExprP::Literal(AstLiteral::Int(_)) => int_literal(expr).map(|i| i as f64),
        ExprP::Minus(inner) => number_literal(inner).map(|x| -x),
        _ => None,
    }
}

/// The value of an int literal (or a negated one).
fn int_literal(expr: &AstExpr) -> Option<i64> {
    match &expr.node {
        ExprP::Literal(AstLiteral::Int(i)) => match &i.node {
            TokenInt::I32(v) => Some(i64::from(*v)),
            TokenInt::BigInt(_) => Some(i64::MAX),
        },
        ExprP::Minus(inner) => int_literal(inner).map(|v| -v),
        _ => None,
    }
}

/// The length of a literal list, tuple or string.
fn literal_len(expr: &AstExpr) -> Option<i64> {
    match &expr.node {
        ExprP::List(items) | ExprP::Tuple(items) => Some(items.len() as i64),
        ExprP::Literal(AstLiteral::String(s)) => Some(s.node.chars().count() as i64),
        _ => None,
    }
}
