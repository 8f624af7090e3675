//! Which names hold a transaction, the transaction list, `agent`, `system` or
//! `state`. The entry points' parameters are known by position; from there the
//! types flow through assignments, `for` loops and comprehensions over the
//! transactions (also through `sorted`, `reversed`, `list`, `filter`, `enumerate`,
//! indexing and slicing), and into the parameters of the script's own functions
//! wherever they are called with such a value (or passed as the `key` of a sort
//! over the transactions). A name bound to two different kinds is not tracked: the
//! checks built on this never guess.

use starlark::syntax::ast::{AssignTargetP, AstExpr, AstNoPayload, AstStmt, ClauseP, ExprP, StmtP};
use std::collections::HashMap;

/// What a name holds, as far as the analysis knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Tx,
    TxList,
    /// `enumerate(transactions)`: pairs of an index and a transaction.
    Enumerated,
    Agent,
    System,
    State,
    Unknown,
}

impl Ty {
    /// Two bindings of one name: the same kind stays, anything else is unknown.
    pub fn merge(self, other: Ty) -> Ty {
        if self == other { self } else { Ty::Unknown }
    }
}

/// The kinds of the names of one function (or of a comprehension or lambda inside
/// it, which extend a copy).
#[derive(Debug, Clone, Default)]
pub struct Env {
    names: HashMap<String, Ty>,
}

impl Env {
    pub fn get(&self, name: &str) -> Ty {
        self.names.get(name).copied().unwrap_or(Ty::Unknown)
    }

    /// Binds `name`, merging with an earlier binding in the same scope.
    pub fn bind(&mut self, name: &str, ty: Ty) -> bool {
        let merged = match self.names.get(name) {
            Some(&old) => old.merge(ty),
            None => ty,
        };
        self.names.insert(name.to_string(), merged) != Some(merged)
    }

    /// Binds `name` in a new inner scope (a comprehension or lambda variable).
    pub fn shadow(&mut self, name: &str, ty: Ty) {
        self.names.insert(name.to_string(), ty);
    }

    /// Binds the names of an assignment target to what `ty` yields.
    pub fn bind_target(
        &mut self,
        target: &AssignTargetP<AstNoPayload>,
        ty: Ty,
        inner: bool,
    ) -> bool {
        match target {
            AssignTargetP::Identifier(id) => {
                if inner {
                    self.shadow(&id.node.ident, ty);
                    false
                } else {
                    self.bind(&id.node.ident, ty)
                }
            }
            AssignTargetP::Tuple(items) => {
                let mut changed = false;
                for (i, item) in items.iter().enumerate() {
                    // `for i, tx in enumerate(transactions)`: the second is the payment.
                    let item_ty = if ty == Ty::Enumerated && i == 1 && items.len() == 2 {
                        Ty::Tx
                    } else {
                        Ty::Unknown
                    };
                    changed |= self.bind_target(&item.node, item_ty, inner);
                }
                changed
            }
            AssignTargetP::Index(_) | AssignTargetP::Dot(..) => false,
        }
    }
}

/// What iterating over a value of kind `ty` yields.
pub fn element(ty: Ty) -> Ty {
    match ty {
        Ty::TxList => Ty::Tx,
        Ty::Enumerated => Ty::Enumerated,
        _ => Ty::Unknown,
    }
}

/// The kind of an expression.
pub fn ty_of(expr: &AstExpr, env: &Env) -> Ty {
    match &expr.node {
        ExprP::Identifier(id) => env.get(&id.node.ident),
        ExprP::Call(callee, args) => {
            let ExprP::Identifier(function) = &callee.node else {
                return Ty::Unknown;
            };
            let positional = super::positional(args);
            let sequence = match function.node.ident.as_str() {
                "sorted" | "reversed" | "list" => positional.first(),
                "filter" => positional.get(1),
                "enumerate" => {
                    return match positional.first().map(|e| ty_of(e, env)) {
                        Some(Ty::TxList) => Ty::Enumerated,
                        _ => Ty::Unknown,
                    };
                }
                _ => None,
            };
            match sequence.map(|e| ty_of(e, env)) {
                Some(Ty::TxList) => Ty::TxList,
                _ => Ty::Unknown,
            }
        }
        ExprP::Index(pair) => match ty_of(&pair.0, env) {
            Ty::TxList => Ty::Tx,
            _ => Ty::Unknown,
        },
        ExprP::Slice(inner, ..) => match ty_of(inner, env) {
            Ty::TxList => Ty::TxList,
            _ => Ty::Unknown,
        },
        // `[tx for tx in transactions if ...]` is still a list of transactions.
        ExprP::ListComprehension(body, first, clauses) => {
            let mut inner = env.clone();
            let over = ty_of(&first.over, env);
            inner.bind_target(&first.var.node, element(over), true);
            let filters_only = clauses.iter().all(|c| matches!(c, ClauseP::If(_)));
            let is_var = match (&body.node, &first.var.node) {
                (ExprP::Identifier(b), AssignTargetP::Identifier(v)) => {
                    b.node.ident == v.node.ident
                }
                _ => false,
            };
            if over == Ty::TxList && filters_only && is_var {
                Ty::TxList
            } else {
                Ty::Unknown
            }
        }
        ExprP::If(triple) => {
            let (a, b) = (ty_of(&triple.1, env), ty_of(&triple.2, env));
            if a == b { a } else { Ty::Unknown }
        }
        _ => Ty::Unknown,
    }
}

/// Binds every name a function body assigns (flow-insensitively: a name keeps one
/// kind for the whole function, or none). Runs until nothing changes.
pub fn bind_body(body: &AstStmt, env: &mut Env) {
    for _ in 0..8 {
        if !bind_statements(body, env) {
            return;
        }
    }
}

fn bind_statements(statement: &AstStmt, env: &mut Env) -> bool {
    let mut changed = false;
    match &statement.node {
        StmtP::Assign(assign) => {
            let ty = ty_of(&assign.rhs, env);
            changed |= env.bind_target(&assign.lhs.node, ty, false);
        }
        StmtP::For(for_loop) => {
            let ty = element(ty_of(&for_loop.over, env));
            changed |= env.bind_target(&for_loop.var.node, ty, false);
        }
        // A nested function has its own scope.
        StmtP::Def(_) => return false,
        _ => {}
    }
    statement.visit_stmt(|child| changed |= bind_statements(child, env));
    changed
}
