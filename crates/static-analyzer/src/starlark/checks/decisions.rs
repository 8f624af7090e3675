//! E005 / E006: a dict with an `"action"` key is a decision, checked against core's
//! policy API table (`rtgsim_core::policy_api`): the actions of its context, the
//! keys they take, the type of each key, the keys an action needs, and the keys
//! only other actions take.

use super::{Context, Walker};
use crate::codes::Code;
use rtgsim_core::policy_api::{
    DECISION_KEYS, DecisionKey, KeyType, KeyUse, ScriptContext, ScriptDecision,
};
use rtgsim_diagnostics::{Quote, did_you_mean};
use starlark::codemap::Span;
use starlark::syntax::ast::{AstExpr, AstLiteral, ExprP};

/// A decision dict's string keys: the key, its expression and its value's.
type Keys<'e> = [(&'e str, &'e AstExpr, &'e AstExpr)];

impl Walker<'_, '_> {
    /// Checks a dict literal if it is a decision (it has an `"action"` key).
    pub(super) fn decision(&mut self, span: Span, entries: &[(AstExpr, AstExpr)]) {
        let keys: Vec<(&str, &AstExpr, &AstExpr)> = entries
            .iter()
            .filter_map(|(k, v)| match &k.node {
                ExprP::Literal(AstLiteral::String(s)) => Some((s.node.as_str(), k, v)),
                _ => None,
            })
            .collect();
        let Some(&(_, _, action_value)) = keys.iter().find(|(k, _, _)| *k == "action") else {
            return;
        };
        let action = match &action_value.node {
            ExprP::Literal(AstLiteral::String(s)) => Some(s.node.as_str()),
            _ => None,
        };
        let Some(context) = self.decision_context(action, &keys) else {
            return;
        };
        let known = action.and_then(|a| ScriptDecision::find(context, a));
        if let Some(action) = action
            && known.is_none()
        {
            self.unknown_action(context, action, action_value);
        }
        self.key_problems(context, &keys);
        self.missing_keys(span, context, action, known, &keys);
        if let Some(action) = action {
            self.keys_of_other_actions(span, context, action, &keys);
        }
    }

    /// Which kind of decision a dict is: the function's, or for a helper (which may
    /// build either), what its action or keys say; `None` when nothing says.
    fn decision_context(&self, action: Option<&str>, keys: &Keys<'_>) -> Option<ScriptContext> {
        let named_only_in = |only: ScriptContext, other: ScriptContext, a: &str| {
            ScriptDecision::find(only, a).is_some() && ScriptDecision::find(other, a).is_none()
        };
        let has = |key: &str| keys.iter().any(|(k, _, _)| *k == key);
        match (self.context(), action) {
            (Context::Collateral, _) => Some(ScriptContext::Collateral),
            (Context::Payment, _) => Some(ScriptContext::Payment),
            (Context::Either, Some(a))
                if named_only_in(ScriptContext::Collateral, ScriptContext::Payment, a) =>
            {
                Some(ScriptContext::Collateral)
            }
            (Context::Either, Some(a))
                if named_only_in(ScriptContext::Payment, ScriptContext::Collateral, a) =>
            {
                Some(ScriptContext::Payment)
            }
            (Context::Either, _) if has("tx_id") => Some(ScriptContext::Payment),
            (Context::Either, _) if has("amount") => Some(ScriptContext::Collateral),
            (Context::Either, _) => None,
        }
    }

    /// E005: an action this kind of decision does not have.
    fn unknown_action(&mut self, context: ScriptContext, action: &str, value: &AstExpr) {
        let actions: Vec<&str> = context.action_names().collect();
        let help = did_you_mean(action, actions.iter().copied(), Quote::Double)
            .unwrap_or_else(|| format!("the actions here are {}", actions.join(", ")));
        let kind = match context {
            ScriptContext::Collateral => "collateral",
            ScriptContext::Payment => "payment",
        };
        self.report(
            Code::UnknownAction,
            value.span,
            format!("\"{action}\" is not a {kind} decision"),
            Some(help),
        );
    }

    /// E006: keys no decision of this kind takes, and literal values of the wrong
    /// type.
    fn key_problems(&mut self, context: ScriptContext, keys: &Keys<'_>) {
        let allowed: Vec<&str> = context.keys().map(|spec| spec.name).collect();
        for &(key, key_expr, value) in keys {
            if !allowed.contains(&key) {
                let help = did_you_mean(key, allowed.iter().copied(), Quote::Double)
                    .unwrap_or_else(|| format!("a decision here takes {}", allowed.join(", ")));
                self.report(
                    Code::MalformedDecision,
                    key_expr.span,
                    format!("a decision has no key \"{key}\""),
                    Some(help),
                );
            }
            let Some(ty) = DecisionKey::lookup(key).map(|k| k.spec().ty) else {
                continue;
            };
            let wrong = match (ty, &value.node) {
                (KeyType::Int, ExprP::Literal(AstLiteral::String(_))) => "a string",
                (KeyType::Int, ExprP::Literal(AstLiteral::Float(_))) => "a float",
                (KeyType::Number, ExprP::Literal(AstLiteral::String(_))) => "a string",
                (KeyType::Str, ExprP::Literal(AstLiteral::Int(_) | AstLiteral::Float(_))) => {
                    "a number"
                }
                _ => continue,
            };
            let wanted = match ty {
                KeyType::Str => "a string",
                KeyType::Int => "an int",
                KeyType::Number => "an int or a float",
            };
            self.report(
                Code::MalformedDecision,
                value.span,
                format!("\"{key}\" is {wrong}; it must be {wanted}"),
                (key == "tx_id").then(|| "use the payment's `tx.id`".to_string()),
            );
        }
    }

    /// E006: a key every decision of this kind needs is missing whatever the action;
    /// one the action alone needs, only for that action.
    fn missing_keys(
        &mut self,
        span: Span,
        context: ScriptContext,
        action: Option<&str>,
        known: Option<&ScriptDecision>,
        keys: &Keys<'_>,
    ) {
        for spec in DECISION_KEYS
            .iter()
            .filter(|spec| spec.key != DecisionKey::Action)
        {
            let required = context.always_requires(spec.key)
                || known.is_some_and(|d| d.key_use(spec.key) == Some(KeyUse::Required));
            if required && !keys.iter().any(|(k, _, _)| *k == spec.name) {
                self.report(
                    Code::MalformedDecision,
                    span,
                    format!(
                        "a{} decision needs \"{}\"",
                        action.map(|a| format!(" {a}")).unwrap_or_default(),
                        spec.name
                    ),
                    Some(spec.example.into()),
                );
            }
        }
    }

    /// E006: a key only some actions of this kind take, on another action.
    fn keys_of_other_actions(
        &mut self,
        span: Span,
        context: ScriptContext,
        action: &str,
        keys: &Keys<'_>,
    ) {
        for key in keys_of_some(context) {
            let takers: Vec<&str> = context
                .decisions()
                .filter(|d| d.takes(key))
                .map(|d| d.name)
                .collect();
            if keys.iter().any(|(k, _, _)| *k == key.name()) && !takers.contains(&action) {
                let takers: Vec<String> = takers.iter().map(|t| format!("a {t}")).collect();
                self.report(
                    Code::MalformedDecision,
                    span,
                    format!("only {} takes \"{}\"", or_list(&takers), key.name()),
                    None,
                );
            }
        }
    }
}

/// The keys only some decisions of `context` take, in the order the decisions
/// (in table order) first take them.
fn keys_of_some(context: ScriptContext) -> Vec<DecisionKey> {
    let mut found = Vec::new();
    for decision in context.decisions() {
        for &(key, _) in decision.keys {
            if !found.contains(&key) && !context.decisions().all(|d| d.takes(key)) {
                found.push(key);
            }
        }
    }
    found
}

/// `a`, `a or b`, `a, b or c`.
fn or_list(items: &[String]) -> String {
    match items.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}
