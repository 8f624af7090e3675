//! Every finding code, with its severity, what it means and an example that
//! triggers it. `docs/analyzer.md` lists them from this table, and a test runs every
//! example through the analyzer and checks that it reports its code.

use crate::finding::Severity;

/// Which language an example is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Starlark,
    Json,
}

macro_rules! codes {
    ($( $variant:ident => $code:literal $severity:ident $lang:ident $title:literal $example:literal ;)*) => {
        /// A kind of finding.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($variant,)* }

        /// One code's description.
        #[derive(Debug, Clone, Copy)]
        pub struct CodeSpec {
            pub code: Code,
            pub name: &'static str,
            pub severity: Severity,
            pub language: Language,
            pub title: &'static str,
            /// A policy that gets this finding.
            pub example: &'static str,
        }

        /// Every code, in order.
        pub const CODES: &[CodeSpec] = &[
            $(CodeSpec {
                code: Code::$variant,
                name: $code,
                severity: Severity::$severity,
                language: Language::$lang,
                title: $title,
                example: $example,
            },)*
        ];

        impl Code {
            pub fn code(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }
        }
    };
}

codes! {
    SyntaxError => "E001" Error Starlark "The script does not parse."
        "def evaluate_queue(transactions, agent, system, state)\n    return []\n";
    MissingEvaluateQueue => "E002" Error Starlark "There is no `evaluate_queue` function."
        "def evaluate(transactions, agent, system, state):\n    return []\n";
    BadEntryPoint => "E003" Error Starlark "An entry point does not take exactly its parameters, or is not a function."
        "def evaluate_queue(transactions, agent):\n    return []\n";
    UnknownAttribute => "E004" Error Starlark "An attribute that `tx`, `agent` or `system` does not have."
        "def evaluate_queue(transactions, agent, system, state):\n    return [{\"action\": \"Release\", \"tx_id\": tx.id} for tx in transactions if tx.amnout < 100]\n";
    UnknownAction => "E005" Error Starlark "A decision with an action that does not exist."
        "def evaluate_queue(transactions, agent, system, state):\n    return [{\"action\": \"Relase\", \"tx_id\": tx.id} for tx in transactions]\n";
    MalformedDecision => "E006" Error Starlark "A decision missing a key it needs, with a key it does not take, or with a value of the wrong type."
        "def evaluate_queue(transactions, agent, system, state):\n    return [{\"action\": \"Split\", \"tx_id\": tx.id} for tx in transactions]\n";
    WrongReturnShape => "E007" Error Starlark "An entry point returns something other than a list of decisions (`evaluate_queue`), one decision or `None` (collateral), or a share from 0 to 1 or `None` (`evaluate_initial_liquidity`)."
        "def evaluate_queue(transactions, agent, system, state):\n    return {\"action\": \"Hold\"}\n";
    UnsavableState => "E008" Error Starlark "A value stored in `state` that JSON cannot hold (a tuple, a set, a struct, a function)."
        "def evaluate_queue(transactions, agent, system, state):\n    state[\"last\"] = (agent.balance, system.current_tick)\n    return []\n";
    Unavailable => "E009" Error Starlark "Something policies cannot use: `print`, `load`, `*=`."
        "def evaluate_queue(transactions, agent, system, state):\n    print(agent.balance)\n    return []\n";
    OverBound => "E010" Error Starlark "A `range` or a repetition larger than a policy may build (10,000,000): refused when it runs."
        "def evaluate_queue(transactions, agent, system, state):\n    padding = [0] * 50000000\n    return []\n";
    UndefinedName => "E011" Error Starlark "A name that is not defined."
        "def evaluate_queue(transactions, agent, system, state):\n    return [{\"action\": \"Release\", \"tx_id\": tx.id} for tx in transactions if tx.amount < LIMIT]\n";
    // W101 (a field known only before payment decisions, read at the end of the
    // tick) is retired: since issue 14 every field has a value in every call.
    Recursion => "W102" Warning Starlark "A function that calls itself: each call counts against the call-depth and step limits."
        "def total(txs):\n    if not txs:\n        return 0\n    return txs[0].amount + total(txs[1:])\n\ndef evaluate_queue(transactions, agent, system, state):\n    state[\"queued\"] = total(transactions)\n    return []\n";
    LargeRange => "W103" Warning Starlark "A loop over more values than the default step limit (1,000,000) allows in one call."
        "def evaluate_queue(transactions, agent, system, state):\n    n = 0\n    for i in range(5000000):\n        n += i\n    return []\n";
    NestedTransactionLoops => "W104" Warning Starlark "A loop over the transactions inside another: the work grows with the square of the queue."
        "def evaluate_queue(transactions, agent, system, state):\n    decisions = []\n    for tx in transactions:\n        for other in transactions:\n            if other.receiver_id == tx.sender_id:\n                decisions.append({\"action\": \"Release\", \"tx_id\": tx.id})\n    return decisions\n";
    MissingReturn => "W105" Warning Starlark "A path through a function that returns nothing (`None`)."
        "def cap(balance):\n    if balance > 0:\n        return balance // 2\n\ndef evaluate_queue(transactions, agent, system, state):\n    return [{\"action\": \"Release\", \"tx_id\": tx.id} for tx in transactions if tx.amount < cap(agent.balance)]\n";
    Unreachable => "W106" Warning Starlark "Code that never runs, or a statement that has no effect."
        "def evaluate_queue(transactions, agent, system, state):\n    return []\n    state[\"never\"] = 1\n";
    UnusedAssign => "W107" Warning Starlark "A variable assigned and never read."
        "def evaluate_queue(transactions, agent, system, state):\n    limit = 100\n    return []\n";
    Dubious => "W108" Warning Starlark "Code that is valid but almost certainly not what was meant (a key written twice in a dict, a name alone on a line, a top-level name assigned twice)."
        "def evaluate_queue(transactions, agent, system, state):\n    return [{\"action\": \"Release\", \"action\": \"Hold\", \"tx_id\": tx.id} for tx in transactions]\n";
    MaybeUnassigned => "W109" Warning Starlark "A variable that may be read before it is assigned."
        "def evaluate_queue(transactions, agent, system, state):\n    if agent.balance > 0:\n        limit = 100\n    return [{\"action\": \"Release\", \"tx_id\": tx.id} for tx in transactions if tx.amount < limit]\n";
    InvalidJson => "E101" Error Json "The document is not JSON."
        "{\"version\": \"1.0\", \"tree_id\": \"t\", \"root\": {\"type\": \"action\",}}";
    InvalidTree => "E102" Error Json "The document is JSON but not a valid policy (what the decision-tree validator refuses)."
        "{\"version\": \"1.0\", \"tree_id\": \"t\", \"root\": {\"type\": \"condition\", \"node_id\": \"N1\", \"condition\": {\"op\": \"<\", \"left\": {\"field\": \"amnout\"}, \"right\": {\"value\": 100}}, \"on_true\": {\"type\": \"action\", \"node_id\": \"A1\", \"action\": \"Release\"}, \"on_false\": {\"type\": \"action\", \"node_id\": \"A2\", \"action\": \"Hold\"}}}";
    UnreachableBranch => "W201" Warning Json "A branch that can never be taken: the conditions above it contradict it."
        "{\"version\": \"1.0\", \"tree_id\": \"t\", \"root\": {\"type\": \"condition\", \"node_id\": \"BIG\", \"condition\": {\"op\": \">\", \"left\": {\"field\": \"amount\"}, \"right\": {\"value\": 1000}}, \"on_true\": {\"type\": \"condition\", \"node_id\": \"SMALL\", \"condition\": {\"op\": \"<\", \"left\": {\"field\": \"amount\"}, \"right\": {\"value\": 500}}, \"on_true\": {\"type\": \"action\", \"node_id\": \"A1\", \"action\": \"Release\"}, \"on_false\": {\"type\": \"action\", \"node_id\": \"A2\", \"action\": \"Hold\"}}, \"on_false\": {\"type\": \"action\", \"node_id\": \"A3\", \"action\": \"Release\"}}}";
    ConstantCondition => "W202" Warning Json "A condition that is always true or always false whatever the state."
        "{\"version\": \"1.0\", \"tree_id\": \"t\", \"root\": {\"type\": \"condition\", \"node_id\": \"N1\", \"condition\": {\"op\": \"<\", \"left\": {\"value\": 1}, \"right\": {\"value\": 2}}, \"on_true\": {\"type\": \"action\", \"node_id\": \"A1\", \"action\": \"Release\"}, \"on_false\": {\"type\": \"action\", \"node_id\": \"A2\", \"action\": \"Hold\"}}}";
    UnusedParameter => "W203" Warning Json "A parameter that no tree refers to."
        "{\"version\": \"1.0\", \"tree_id\": \"t\", \"parameters\": {\"threshold\": 5}, \"root\": {\"type\": \"action\", \"node_id\": \"A1\", \"action\": \"Release\"}}";
    UnguardedDivision => "W204" Warning Json "A division by a field that can be zero, with nothing on the path ruling zero out (use `div0`)."
        "{\"version\": \"1.0\", \"tree_id\": \"t\", \"root\": {\"type\": \"condition\", \"node_id\": \"N1\", \"condition\": {\"op\": \">\", \"left\": {\"compute\": {\"op\": \"/\", \"left\": {\"field\": \"amount\"}, \"right\": {\"field\": \"balance\"}}}, \"right\": {\"value\": 0.5}}, \"on_true\": {\"type\": \"action\", \"node_id\": \"A1\", \"action\": \"Hold\"}, \"on_false\": {\"type\": \"action\", \"node_id\": \"A2\", \"action\": \"Release\"}}}";
    IrrelevantCondition => "W205" Warning Json "A condition whose two branches decide the same: the condition does not matter."
        "{\"version\": \"1.0\", \"tree_id\": \"t\", \"root\": {\"type\": \"condition\", \"node_id\": \"N1\", \"condition\": {\"op\": \"<\", \"left\": {\"field\": \"amount\"}, \"right\": {\"value\": 100}}, \"on_true\": {\"type\": \"action\", \"node_id\": \"A1\", \"action\": \"Release\"}, \"on_false\": {\"type\": \"action\", \"node_id\": \"A2\", \"action\": \"Release\"}}}";
}
