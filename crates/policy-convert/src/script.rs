//! A whole document as one Starlark script: header, parameters, entry points, one
//! function per tree, then the helpers they use.
//!
//! A tree becomes an `if` / `elif` / `else` chain: a condition whose false branch is
//! another condition continues the chain with `elif`, so a tree that tests one case
//! after another reads as a flat list of cases. Every branch ends in a `return` (or,
//! in a bank tree that only keeps registers, a statement), and the comment above
//! each condition and action names its node.

use crate::helpers::{Helper, Helpers};
use crate::values::{Code, Prec, Translator, Uses};
use rtgsim_policy_dsl::Diagnostic;
use rtgsim_policy_dsl::ast::{
    ActionName, Document, Node, NodeKind, Param, ParamValue, TreeKind, Value, ValueKind,
};
use rtgsim_policy_dsl::program::priority_of_word;
use std::collections::BTreeMap;
use std::fmt::Write as _;

const INDENT: &str = "    ";

/// Writes the script for `document`, or lists what cannot be converted.
pub fn write(document: &Document, origin: &str) -> Result<String, Vec<Diagnostic>> {
    let constants = constant_names(&document.parameters);
    let mut writer = Writer {
        document,
        constants: &constants,
        helpers: Helpers::default(),
        problems: Vec::new(),
        budget: has_budget(document),
        auto_withdraw: has_auto_withdraw(document),
    };
    let mut functions = Vec::new();
    let mut entry_points = Vec::new();
    // The payment and bank trees run in `evaluate_queue`.
    let bank = document
        .trees
        .bank
        .as_ref()
        .map(|root| writer.tree(TreeKind::Bank, root));
    let payment = document
        .trees
        .payment
        .as_ref()
        .map(|root| writer.tree(TreeKind::Payment, root));
    entry_points.push(writer.evaluate_queue(bank.as_ref(), payment.as_ref()));
    functions.extend(payment.map(|f| f.text));
    functions.extend(bank.map(|f| f.text));
    for (kind, entry) in [
        (
            TreeKind::StrategicCollateral,
            "evaluate_strategic_collateral",
        ),
        (
            TreeKind::EndOfTickCollateral,
            "evaluate_end_of_tick_collateral",
        ),
    ] {
        let root = match kind {
            TreeKind::StrategicCollateral => document.trees.strategic_collateral.as_ref(),
            _ => document.trees.end_of_tick_collateral.as_ref(),
        };
        if let Some(root) = root {
            entry_points.push(writer.collateral(kind, entry, root));
        } else if writer.auto_withdraw {
            // Without a tree, the interpreter still withdraws collateral whose time
            // is up, in either collateral call.
            let name = writer.helpers.call(Helper::AutoWithdraw);
            entry_points.push(format!(
                "def {entry}(agent, system, state):\n{INDENT}return {name}(agent, system, state)\n"
            ));
        }
    }
    // The initial liquidity tree answers the call at each day's opening.
    if let Some(root) = document.trees.initial_liquidity.as_ref() {
        entry_points.push(writer.collateral(
            TreeKind::InitialLiquidity,
            "evaluate_initial_liquidity",
            root,
        ));
    }
    if !writer.problems.is_empty() {
        return Err(writer.problems);
    }

    let mut out = header(document, origin);
    if !document.parameters.is_empty() {
        out.push_str("# The document's parameters.\n");
        for (name, value) in &document.parameters {
            let _ = writeln!(
                out,
                "{} = {}",
                constants[name],
                crate::values::literal(*value).text
            );
        }
        out.push('\n');
    }
    let constants_text = writer.helpers.constants_text();
    if !constants_text.is_empty() {
        out.push_str(&constants_text);
        out.push('\n');
    }
    let functions: Vec<&String> = entry_points.iter().chain(functions.iter()).collect();
    out.push('\n');
    out.push_str(
        &functions
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join("\n\n"),
    );
    if !writer.helpers.is_empty() {
        out.push_str("\n\n# Helpers: the tree interpreter's arithmetic and limits, exactly.\n\n");
        out.push_str(&writer.helpers.functions_text());
    }
    Ok(out)
}

fn header(document: &Document, origin: &str) -> String {
    let mut out = format!(
        "# {}: converted from {} by `rtgsim convert`.\n",
        one_line(&document.id),
        one_line(origin)
    );
    if let Some(description) = &document.description {
        out.push_str("#\n");
        for line in wrap(description, 76) {
            let _ = writeln!(out, "# {line}");
        }
    }
    out.push_str(
        "#\n\
         # Each tree of the document is a function below, and each condition and action\n\
         # names its node in a comment. Numbers are floats compared as the tree\n\
         # interpreter compares them, so this script decides exactly as the tree does.\n\n",
    );
    out
}

/// Parameter names as upper-case constants, unique and valid as identifiers.
fn constant_names(parameters: &BTreeMap<String, f64>) -> BTreeMap<String, String> {
    let mut taken = std::collections::BTreeSet::new();
    let mut names = BTreeMap::new();
    for name in parameters.keys() {
        let mut base: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        if !base.starts_with(|c: char| c.is_ascii_alphabetic()) {
            base.insert(0, 'P');
        }
        let mut candidate = base.clone();
        let mut n = 2;
        while !taken.insert(candidate.clone()) {
            candidate = format!("{base}_{n}");
            n += 1;
        }
        names.insert(name.clone(), candidate);
    }
    names
}

/// Whether collateral is posted for a limited time: then both collateral calls
/// withdraw what is due when their tree does not move collateral.
fn has_auto_withdraw(document: &Document) -> bool {
    [
        &document.trees.strategic_collateral,
        &document.trees.end_of_tick_collateral,
    ]
    .into_iter()
    .flatten()
    .flat_map(Node::actions)
    .any(|(_, action, parameters)| {
        action == ActionName::PostCollateral && parameters.contains_key("auto_withdraw_after_ticks")
    })
}

/// Whether a bank tree can set a release budget: then releases are checked against it.
fn has_budget(document: &Document) -> bool {
    document.trees.bank.as_ref().is_some_and(|root| {
        root.actions()
            .any(|(_, action, _)| action == ActionName::SetReleaseBudget)
    })
}

/// A tree's function and what it reads.
#[derive(Debug)]
struct Function {
    name: &'static str,
    text: String,
    uses: Uses,
    /// Whether it returns a value (a bank tree that only sets registers does not).
    returns: bool,
}

impl Function {
    /// The call, passing what the function reads.
    fn call(&self, tx: bool) -> String {
        let mut args = Vec::new();
        if tx {
            args.push("tx");
        }
        for (used, name) in [
            (self.uses.agent, "agent"),
            (self.uses.system, "system"),
            (self.uses.registers, "registers"),
            (self.uses.budget, "budget"),
            (self.uses.timed, "timed"),
        ] {
            if used {
                args.push(name);
            }
        }
        format!("{}({})", self.name, args.join(", "))
    }
}

struct Writer<'d> {
    document: &'d Document,
    constants: &'d BTreeMap<String, String>,
    helpers: Helpers,
    problems: Vec<Diagnostic>,
    budget: bool,
    auto_withdraw: bool,
}

/// The lines of a function body being written.
struct Body {
    text: String,
    uses: Uses,
    returns: bool,
}

impl Writer<'_> {
    fn translator(&mut self) -> Translator<'_> {
        Translator {
            constants: self.constants,
            parameters: &self.document.parameters,
            helpers: &mut self.helpers,
            uses: Uses::default(),
            unseen: Vec::new(),
        }
    }

    fn evaluate_queue(&mut self, bank: Option<&Function>, payment: Option<&Function>) -> String {
        let mut out = String::from("def evaluate_queue(transactions, agent, system, state):\n");
        let registers =
            bank.is_some_and(|f| f.uses.registers) || payment.is_some_and(|f| f.uses.registers);
        if registers {
            let name = self.helpers.call(Helper::Registers);
            let _ = writeln!(out, "{INDENT}registers = {name}(system, state)");
        }
        match bank {
            Some(bank) if bank.returns => {
                let _ = writeln!(out, "{INDENT}budget = {}", bank.call(false));
            }
            Some(bank) => {
                let _ = writeln!(out, "{INDENT}{}", bank.call(false));
            }
            None => {}
        }
        let timed = payment.is_some_and(|f| f.uses.timed);
        let budget_read = payment.is_some_and(|f| f.uses.budget) || timed;
        if budget_read && !bank.is_some_and(|f| f.returns) {
            let _ = writeln!(out, "{INDENT}budget = None");
        }
        match payment {
            Some(payment) if timed => {
                // Payments a timed release holds follow their schedule, not the tree.
                let name = self.helpers.call(Helper::TimedRelease);
                let lines = [
                    "timed = state.setdefault(\"timed\", {})".to_string(),
                    "decisions = []".into(),
                    "for tx in transactions:".into(),
                    format!("{INDENT}decision = {name}(tx, system, timed, budget)"),
                    format!("{INDENT}if decision == None:"),
                    format!("{INDENT}{INDENT}decision = {}", payment.call(true)),
                    format!("{INDENT}decisions.append(decision)"),
                    "return decisions".into(),
                ];
                for line in lines {
                    let _ = writeln!(out, "{INDENT}{line}");
                }
            }
            Some(payment) => {
                let _ = writeln!(
                    out,
                    "{INDENT}return [{} for tx in transactions]",
                    payment.call(true)
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "{INDENT}# The document has no payment tree: every payment is held."
                );
                let _ = writeln!(out, "{INDENT}return []");
            }
        }
        out
    }

    fn collateral(&mut self, kind: TreeKind, entry: &str, root: &Node) -> String {
        let mut body = Body {
            text: String::new(),
            uses: Uses::default(),
            returns: true,
        };
        self.node(kind, root, 1, &mut body);
        let mut out = format!("def {entry}(agent, system, state):\n");
        if body.uses.registers {
            let name = self.helpers.call(Helper::Registers);
            let _ = writeln!(out, "{INDENT}registers = {name}(system, state)");
        }
        out.push_str(&body.text);
        out
    }

    fn tree(&mut self, kind: TreeKind, root: &Node) -> Function {
        let mut body = Body {
            text: String::new(),
            uses: Uses::default(),
            returns: kind == TreeKind::Payment || self.budget,
        };
        self.node(kind, root, 1, &mut body);
        let name = match kind {
            TreeKind::Payment => "payment_tree",
            _ => "bank_tree",
        };
        let mut function = Function {
            name,
            text: String::new(),
            uses: body.uses,
            returns: body.returns,
        };
        let call = function.call(kind == TreeKind::Payment);
        function.text = format!("def {call}:\n{}", body.text);
        function
    }

    /// Writes `node` at `depth`, continuing an `elif` chain through false branches.
    fn node(&mut self, kind: TreeKind, node: &Node, depth: usize, body: &mut Body) {
        let indent = INDENT.repeat(depth);
        let mut keyword = "if";
        let mut at = node;
        loop {
            match &at.kind {
                NodeKind::Condition {
                    condition,
                    on_true,
                    on_false,
                } => {
                    let mut t = self.translator();
                    let code = t.condition(condition);
                    let (uses, unseen) = (t.uses, std::mem::take(&mut t.unseen));
                    self.unseen(at, unseen);
                    body.uses.merge(uses);
                    comment(&mut body.text, &indent, at);
                    let _ = writeln!(body.text, "{indent}{keyword} {}:", code.text);
                    self.node(kind, on_true, depth + 1, body);
                    keyword = "elif";
                    at = on_false;
                    if !matches!(at.kind, NodeKind::Condition { .. }) {
                        let _ = writeln!(body.text, "{indent}else:");
                        self.action(kind, at, depth + 1, body);
                        return;
                    }
                }
                NodeKind::Action { .. } => {
                    self.action(kind, at, depth, body);
                    return;
                }
            }
        }
    }

    fn action(&mut self, kind: TreeKind, node: &Node, depth: usize, body: &mut Body) {
        let indent = INDENT.repeat(depth);
        let NodeKind::Action { action, parameters } = &node.kind else {
            return;
        };
        let (budget, auto_withdraw) = (self.budget, self.auto_withdraw);
        let mut t = self.translator();
        let lines = match kind {
            TreeKind::Payment => payment_action(&mut t, node, *action, parameters, budget),
            TreeKind::Bank => bank_action(&mut t, *action, parameters, body.returns),
            TreeKind::InitialLiquidity => initial_liquidity_action(&mut t, *action, parameters),
            _ => collateral_action(&mut t, *action, parameters, auto_withdraw),
        };
        let (uses, unseen) = (t.uses, std::mem::take(&mut t.unseen));
        self.unseen(node, unseen);
        body.uses.merge(uses);
        if kind == TreeKind::Payment && (self.budget && releases(*action)) {
            body.uses.budget = true;
        }
        if kind == TreeKind::Payment {
            body.uses.tx = true;
        }
        match lines {
            Ok(lines) => {
                // A payment decision names its node in its reason already.
                let named = lines.iter().any(|l| l.contains(&string(&node.node_id)));
                if node.description.is_some() || !named {
                    comment(&mut body.text, &indent, node);
                }
                for line in lines {
                    let _ = writeln!(body.text, "{indent}{line}");
                }
            }
            Err(message) => self
                .problems
                .push(Diagnostic::new(&node.path, message).in_node(Some(&node.node_id))),
        }
    }

    fn unseen(&mut self, node: &Node, unseen: Vec<(rtgsim_core::Field, String)>) {
        for (_, name) in unseen {
            self.problems.push(
                Diagnostic::new(
                    &node.path,
                    format!("a Starlark policy cannot read the field \"{name}\""),
                )
                .in_node(Some(&node.node_id)),
            );
        }
    }
}

fn releases(action: ActionName) -> bool {
    matches!(
        action,
        ActionName::Release
            | ActionName::ReleaseWithCredit
            | ActionName::Split
            | ActionName::ReleaseShare
    )
}

/// `# NODE: description` above a condition or an action.
fn comment(out: &mut String, indent: &str, node: &Node) {
    match &node.description {
        Some(description) => {
            let mut lines = wrap(description, 72).into_iter();
            let first = lines.next().unwrap_or_default();
            let _ = writeln!(out, "{indent}# {}: {first}", one_line(&node.node_id));
            for line in lines {
                let _ = writeln!(out, "{indent}#   {line}");
            }
        }
        None => {
            let _ = writeln!(out, "{indent}# {}", one_line(&node.node_id));
        }
    }
}

/// Text for a comment: ids and descriptions may hold any character, and a line
/// break or other control character would end the comment and start code.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Text in lines of at most about `width` characters, on one line each.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in one_line(text).split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// A string literal for Starlark.
pub(crate) fn string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A numeric parameter: an expression, a priority word, or a flag.
fn number(t: &mut Translator<'_>, param: Option<&Param>) -> Result<Option<Code>, String> {
    let Some(param) = param else {
        return Ok(None);
    };
    Ok(Some(match &param.value {
        ParamValue::Number(value) => t.value(value),
        ParamValue::Text(word) => match priority_of_word(word) {
            Some(p) => crate::values::literal(f64::from(p)),
            None => return Err(format!("\"{word}\" is not a number")),
        },
        ParamValue::Bool(b) => crate::values::literal(if *b { 1.0 } else { 0.0 }),
        ParamValue::List(_) => return Err("a list where a number belongs".into()),
    }))
}

/// A whole-number parameter checked by `helper`; a constant that passes is written
/// as an int literal.
fn whole(
    t: &mut Translator<'_>,
    param: Option<&Param>,
    helper: Helper,
    range: std::ops::RangeInclusive<f64>,
) -> Result<Option<String>, String> {
    if let Some(x) = constant(t, param) {
        let n = x.round();
        if (x - n).abs() <= 1e-6 && range.contains(&n) {
            return Ok(Some(format!("{}", n as i64)));
        }
    }
    let Some(code) = number(t, param)? else {
        return Ok(None);
    };
    let name = t.helpers.call(helper);
    Ok(Some(format!("{name}({})", code.text)))
}

fn payment_action(
    t: &mut Translator<'_>,
    node: &Node,
    action: ActionName,
    parameters: &BTreeMap<String, Param>,
    budget: bool,
) -> Result<Vec<String>, String> {
    let id = string(&node.node_id);
    let budgeted = |t: &mut Translator<'_>, decision: String, beyond: bool| {
        if budget {
            let name = t.helpers.call(Helper::WithinBudget);
            let beyond = if beyond { ", beyond_value = True" } else { "" };
            format!("return {name}(budget, tx, {decision}{beyond})")
        } else {
            format!("return {decision}")
        }
    };
    let line = match action {
        ActionName::Release | ActionName::ReleaseWithCredit => {
            let priority = match parameters.get("priority_flag").map(|p| &p.value) {
                Some(ParamValue::Text(word)) => priority_of_word(word),
                _ => None,
            };
            let priority = priority.map_or(String::new(), |p| format!(", \"priority\": {p}"));
            let decision = format!(
                "{{\"action\": \"Release\", \"tx_id\": tx.id{priority}, \"reason\": {id}}}"
            );
            let release = budgeted(t, decision, action == ActionName::ReleaseWithCredit);
            let Some(at) = whole(
                t,
                parameters.get("timed_for_tick"),
                Helper::Tick,
                0.0..=f64::from(u32::MAX),
            )?
            else {
                return Ok(vec![release]);
            };
            // Held until the tick, then released by `_timed_release` (before the
            // tree) on the call that reaches it.
            t.uses.timed = true;
            t.uses.system = true;
            return Ok(vec![
                format!("at = {at}"),
                "if at > system.current_tick:".into(),
                format!("{INDENT}timed[str(tx.id)] = at"),
                format!(
                    "{INDENT}return {{\"action\": \"Hold\", \"tx_id\": tx.id, \"reason\": \"timed for tick %d\" % at}}"
                ),
                release,
            ]);
        }
        ActionName::Split => {
            let parts = number(t, parameters.get("num_splits"))?
                .unwrap_or_else(|| crate::values::literal(2.0));
            let name = t.helpers.call(Helper::SplitParts);
            let decision = format!(
                "{{\"action\": \"Split\", \"tx_id\": tx.id, \"splits\": {name}(tx, {}), \"reason\": {id}}}",
                parts.text
            );
            budgeted(t, decision, false)
        }
        ActionName::ReleaseShare => {
            let share = number(t, parameters.get("share"))?
                .unwrap_or_else(|| crate::values::literal(f64::NAN));
            if !budget {
                return Ok(vec![format!(
                    "return {{\"action\": \"ReleaseShare\", \"tx_id\": tx.id, \"share\": {}, \"reason\": {id}}}",
                    share.text
                )]);
            }
            // The part, not the payment, counts against the release budget: worked
            // out (and refused) as the interpreter does, before the budget.
            let name = t.helpers.call(Helper::SharePart);
            let within = t.helpers.call(Helper::WithinBudget);
            return Ok(vec![
                format!("share = {}", share.text),
                format!(
                    "part = struct(id = tx.id, receiver_id = tx.receiver_id, amount = {name}(tx, share))"
                ),
                format!(
                    "return {within}(budget, part, {{\"action\": \"ReleaseShare\", \"tx_id\": tx.id, \"share\": share, \"reason\": {id}}})"
                ),
            ]);
        }
        ActionName::Hold => {
            let reason = match parameters.get("reason").map(|p| &p.value) {
                Some(ParamValue::Text(reason)) => reason.clone(),
                _ => format!("held by {}", node.node_id),
            };
            format!(
                "return {{\"action\": \"Hold\", \"tx_id\": tx.id, \"reason\": {}}}",
                string(&reason)
            )
        }
        ActionName::Drop => {
            format!("return {{\"action\": \"Drop\", \"tx_id\": tx.id, \"reason\": {id}}}")
        }
        ActionName::Reprioritize => {
            let priority = whole(
                t,
                parameters.get("new_priority"),
                Helper::Priority,
                0.0..=f64::from(rtgsim_core::limits::MAX_PRIORITY),
            )?
            .unwrap_or_else(|| "tx.priority".into());
            format!(
                "return {{\"action\": \"Reprioritize\", \"tx_id\": tx.id, \"priority\": {priority}, \"reason\": {id}}}"
            )
        }
        ActionName::PaceAndRelease | ActionName::StaggerSplit => {
            return Err(format!(
                "{} releases parts of a payment on later ticks on a schedule the conversion \
                 does not write; a Starlark policy can release a part now (ReleaseShare, \
                 ReleasePartial) and keep its own schedule in state",
                action.name()
            ));
        }
        ActionName::WithdrawFromRtgs | ActionName::ResubmitToRtgs => {
            return Err(format!(
                "{} acts on payments in the central queue, which a Starlark policy does not see",
                action.name()
            ));
        }
        other => return Err(format!("{} is not a payment action", other.name())),
    };
    Ok(vec![line])
}

fn bank_action(
    t: &mut Translator<'_>,
    action: ActionName,
    parameters: &BTreeMap<String, Param>,
    returns: bool,
) -> Result<Vec<String>, String> {
    let done = if returns { "return None" } else { "pass" };
    Ok(match action {
        ActionName::SetReleaseBudget => {
            let remaining = number(t, parameters.get("max_value_to_release"))?
                .map_or("None".to_string(), |c| c.text);
            let focus = match parameters.get("focus_counterparties").map(|p| &p.value) {
                Some(ParamValue::List(names)) => format!(
                    "[{}]",
                    names
                        .iter()
                        .map(|n| string(n))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                _ => "None".into(),
            };
            let per_counterparty = number(t, parameters.get("max_per_counterparty"))?
                .map_or("None".to_string(), |c| c.text);
            vec![
                "return {".into(),
                format!("{INDENT}\"remaining\": {remaining},"),
                format!("{INDENT}\"focus\": {focus},"),
                format!("{INDENT}\"per_counterparty\": {per_counterparty},"),
                format!("{INDENT}\"used\": {{}},"),
                "}".into(),
            ]
        }
        ActionName::SetState | ActionName::AddState => {
            let Some(ParamValue::Text(key)) = parameters.get("key").map(|p| &p.value) else {
                return Err("missing register".into());
            };
            t.uses.registers = true;
            let value =
                number(t, parameters.get("value"))?.unwrap_or_else(|| crate::values::literal(0.0));
            let key = string(key);
            let name = t.helpers.call(Helper::SetRegister);
            let value = if action == ActionName::SetState {
                value.text
            } else {
                format!(
                    "registers.get({key}, 0.0) + {}",
                    value.at_least(Prec::Product)
                )
            };
            vec![format!("{name}(registers, {key}, {value})"), done.into()]
        }
        ActionName::NoAction => vec![done.into()],
        other => return Err(format!("{} is not a bank action", other.name())),
    })
}

/// A collateral action. With `auto_withdraw` (some post in the document is for a
/// limited time), holding first gives back what is due, as the interpreter does; so
/// does a post or withdrawal of a computed amount under one cent, which is no action.
fn collateral_action(
    t: &mut Translator<'_>,
    action: ActionName,
    parameters: &BTreeMap<String, Param>,
    auto_withdraw: bool,
) -> Result<Vec<String>, String> {
    let hold = |t: &mut Translator<'_>| {
        if auto_withdraw {
            let name = t.helpers.call(Helper::AutoWithdraw);
            format!("return {name}(agent, system, state)")
        } else {
            "return {\"action\": \"Hold\"}".to_string()
        }
    };
    let amount = match action {
        ActionName::PostCollateral | ActionName::WithdrawCollateral => {
            whole_cents(t, parameters.get("amount"))?
        }
        ActionName::HoldCollateral => return Ok(vec![hold(t)]),
        other => return Err(format!("{} is not a collateral action", other.name())),
    };
    // A computed amount is named, so that it is computed once and can be tested.
    let (mut lines, value) = if amount.may_be_nothing {
        (
            vec![format!("amount = {}", amount.code)],
            "amount".to_string(),
        )
    } else {
        (Vec::new(), amount.code)
    };
    let mut decision = Vec::new();
    if action == ActionName::PostCollateral {
        let after = whole(
            t,
            parameters.get("auto_withdraw_after_ticks"),
            Helper::Ticks,
            1.0..=f64::from(u32::MAX),
        )?;
        match after {
            None => decision.push(format!(
                "return {{\"action\": \"Post\", \"amount\": {value}}}"
            )),
            Some(after) => {
                t.uses.system = true;
                if !amount.may_be_nothing {
                    decision.push(format!("amount = {value}"));
                }
                decision.extend([
                    format!("withdraw_at = min(system.current_tick + {after}, 4294967295)"),
                    "state.setdefault(\"auto_withdraw\", []).append([withdraw_at, amount])".into(),
                    "return {\"action\": \"Post\", \"amount\": amount}".into(),
                ]);
            }
        }
    } else {
        decision.push(format!(
            "return {{\"action\": \"Withdraw\", \"amount\": {value}}}"
        ));
    }
    if amount.may_be_nothing {
        lines.push("if amount > 0:".into());
        lines.extend(decision.into_iter().map(|line| format!("{INDENT}{line}")));
        lines.push(hold(t));
    } else {
        lines.extend(decision);
    }
    Ok(lines)
}

/// An action of the initial liquidity tree: the share to have posted (checked by
/// the Starlark interpreter as the tree interpreter checks it), or `None` to keep.
fn initial_liquidity_action(
    t: &mut Translator<'_>,
    action: ActionName,
    parameters: &BTreeMap<String, Param>,
) -> Result<Vec<String>, String> {
    match action {
        ActionName::PostShare => {
            let share = number(t, parameters.get("share"))?
                .unwrap_or_else(|| crate::values::literal(f64::NAN));
            Ok(vec![format!("return {}", share.text)])
        }
        ActionName::KeepPosted => Ok(vec!["return None".into()]),
        other => Err(format!(
            "{} is not an initial liquidity action",
            other.name()
        )),
    }
}

/// The value of a parameter that is a constant.
fn constant(t: &Translator<'_>, param: Option<&Param>) -> Option<f64> {
    param.and_then(|p| match &p.value {
        ParamValue::Number(Value {
            kind: ValueKind::Literal(x),
            ..
        }) => Some(*x),
        ParamValue::Number(Value {
            kind: ValueKind::Param(name),
            ..
        }) => t.parameters.get(name).copied(),
        ParamValue::Text(word) => priority_of_word(word).map(f64::from),
        _ => None,
    })
}

/// A collateral amount in whole cents, as code.
struct Cents {
    code: String,
    /// Whether it can come to 0 (less than a cent), which is no action.
    may_be_nothing: bool,
}

/// A money parameter in whole cents (rounded half away from zero); a constant in
/// range is written as an int.
fn whole_cents(t: &mut Translator<'_>, param: Option<&Param>) -> Result<Cents, String> {
    let max = rtgsim_core::money::MAX_MONEY_CENTS as f64;
    if let Some(n) = constant(t, param).map(f64::round)
        && (1.0..=max).contains(&n)
    {
        return Ok(Cents {
            code: format!("{}", n as i64),
            may_be_nothing: false,
        });
    }
    let code = number(t, param)?.unwrap_or_else(|| crate::values::literal(0.0));
    let name = t.helpers.call(Helper::Cents);
    Ok(Cents {
        code: format!("{name}({})", code.text),
        may_be_nothing: true,
    })
}
