//! The objects a script reads: `tx` (each payment in `transactions`), `agent` and
//! `system`. Their attributes are the core field catalog's fields (names and
//! aliases), split by what they describe, plus a few identifiers.
//!
//! Every attribute's value is computed and allocated when the object is built, once
//! per call; reading an attribute is a lookup in a sorted table, with no allocation.

// starlark's derives (`Trace`, `Coerce`) implement unsafe traits for the value types
// below; this module writes no unsafe code of its own.
#![allow(unsafe_code)]

use allocative::Allocative;
use rtgsim_core::fields::FieldScope;
use rtgsim_core::{CATALOG, Field, FieldValue, PolicyView, Transaction};
use starlark::any::ProvidesStaticType;
use starlark::coerce::Coerce;
use starlark::starlark_complex_value;
use starlark::values::{
    Freeze, FreezeResult, Freezer, FrozenValue, Heap, NoSerialize, StarlarkValue, Trace, Value,
    ValueLike, starlark_value,
};
use std::fmt;
use std::sync::OnceLock;

/// Where an attribute's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Field(Field),
    /// The payment's id (an int).
    TxId,
    /// The payment's sender's or receiver's name.
    SenderName,
    ReceiverName,
    /// The agent's name.
    AgentName,
}

/// An attribute that is not a catalog field: an identifier.
#[derive(Debug, Clone, Copy)]
pub struct Extra {
    pub name: &'static str,
    pub source: Source,
    /// Its Starlark type, as the reference docs say it.
    pub ty: &'static str,
    pub meaning: &'static str,
}

/// The identifiers on `tx`.
pub const TX_EXTRAS: &[Extra] = &[
    Extra {
        name: "id",
        source: Source::TxId,
        ty: "int",
        meaning: "The payment's id: what a decision's `tx_id` names.",
    },
    Extra {
        name: "sender_id",
        source: Source::SenderName,
        ty: "str",
        meaning: "The paying agent's id (the agent the policy decides for).",
    },
    Extra {
        name: "receiver_id",
        source: Source::ReceiverName,
        ty: "str",
        meaning: "The receiving agent's id.",
    },
];

/// The identifiers on `agent`.
pub const AGENT_EXTRAS: &[Extra] = &[Extra {
    name: "id",
    source: Source::AgentName,
    ty: "str",
    meaning: "The agent's id, as in the scenario.",
}];

/// The catalog scopes each object offers.
pub const TX_SCOPES: &[FieldScope] = &[FieldScope::Transaction];
pub const AGENT_SCOPES: &[FieldScope] = &[
    FieldScope::Agent,
    FieldScope::Collateral,
    FieldScope::CentralQueue,
];
pub const SYSTEM_SCOPES: &[FieldScope] = &[FieldScope::System, FieldScope::Cost, FieldScope::Time];

/// The attributes of one kind of object.
#[derive(Debug)]
pub struct Schema {
    /// Value sources, in the order values are stored.
    pub sources: Vec<Source>,
    /// Attribute names (with aliases) and the index of their value, sorted by name.
    pub names: Vec<(&'static str, usize)>,
}

impl Schema {
    fn build(extras: &[Extra], scopes: &[FieldScope]) -> Schema {
        let mut sources = Vec::new();
        let mut names = Vec::new();
        for extra in extras {
            names.push((extra.name, sources.len()));
            sources.push(extra.source);
        }
        for spec in CATALOG.iter().filter(|spec| scopes.contains(&spec.scope)) {
            for name in std::iter::once(spec.name).chain(spec.aliases.iter().copied()) {
                names.push((name, sources.len()));
            }
            sources.push(Source::Field(spec.field));
        }
        names.sort_unstable();
        Schema { sources, names }
    }

    fn index(&self, attribute: &str) -> Option<usize> {
        self.names
            .binary_search_by(|(name, _)| (*name).cmp(attribute))
            .ok()
            .map(|at| self.names[at].1)
    }

    /// Every attribute name, sorted.
    pub fn attributes(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.names.iter().map(|(name, _)| *name)
    }
}

/// What `tx` offers: the payment fields and its identifiers.
pub fn transaction_schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| Schema::build(TX_EXTRAS, TX_SCOPES))
}

/// What `agent` offers: the agent, collateral and central-queue fields, and `id`.
pub fn agent_schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| Schema::build(AGENT_EXTRAS, AGENT_SCOPES))
}

/// What `system` offers: the system, cost and time fields.
pub fn system_schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| Schema::build(&[], SYSTEM_SCOPES))
}

/// A field value as a Starlark value (`None` where the field has none here).
fn field_value<'v>(value: FieldValue, heap: Heap<'v>) -> Value<'v> {
    match value {
        FieldValue::Int(i) => heap.alloc(i),
        FieldValue::Float(x) => heap.alloc(x),
        FieldValue::Bool(b) => Value::new_bool(b),
        FieldValue::None => Value::new_none(),
    }
}

fn values<'v>(
    schema: &Schema,
    view: &PolicyView<'_>,
    tx: Option<&Transaction>,
    heap: Heap<'v>,
) -> Vec<Value<'v>> {
    schema
        .sources
        .iter()
        .map(|source| match *source {
            Source::Field(field) => field_value(view.field(field, tx), heap),
            Source::TxId => tx.map_or(Value::new_none(), |t| heap.alloc(i64::from(t.id.0))),
            Source::SenderName => name(view, tx.map(|t| t.sender), heap),
            Source::ReceiverName => name(view, tx.map(|t| t.receiver), heap),
            Source::AgentName => name(view, Some(view.agent().id()), heap),
        })
        .collect()
}

fn name<'v>(
    view: &PolicyView<'_>,
    agent: Option<rtgsim_core::AgentId>,
    heap: Heap<'v>,
) -> Value<'v> {
    agent
        .and_then(|id| view.agent_name(id))
        .map_or(Value::new_none(), |n| heap.alloc(n))
}

/// Builds the `transactions` list for a call.
pub fn transactions<'v>(view: &PolicyView<'_>, heap: Heap<'v>) -> Value<'v> {
    let items: Vec<Value<'v>> = view
        .queue1()
        .map(|tx| {
            heap.alloc_complex(TxObjectGen {
                values: values(transaction_schema(), view, Some(tx), heap),
            })
        })
        .collect();
    heap.alloc(starlark::values::list::AllocList(items))
}

pub fn agent<'v>(view: &PolicyView<'_>, heap: Heap<'v>) -> Value<'v> {
    heap.alloc_complex(AgentObjectGen {
        values: values(agent_schema(), view, None, heap),
    })
}

pub fn system<'v>(view: &PolicyView<'_>, heap: Heap<'v>) -> Value<'v> {
    heap.alloc_complex(SystemObjectGen {
        values: values(system_schema(), view, None, heap),
    })
}

/// One kind of read-only object: a type name, a schema, the values.
macro_rules! object {
    ($gen:ident, $alias:ident, $type_name:literal, $schema:path) => {
        #[derive(Debug, Trace, Coerce, ProvidesStaticType, NoSerialize, Allocative)]
        #[repr(C)]
        pub struct $gen<V> {
            values: Vec<V>,
        }

        starlark_complex_value!(pub $alias);

        impl<V> fmt::Display for $gen<V> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "<{}>", $type_name)
            }
        }

        impl<'v> Freeze for $gen<Value<'v>> {
            type Frozen = $gen<FrozenValue>;
            fn freeze(self, freezer: &Freezer) -> FreezeResult<Self::Frozen> {
                let values = self
                    .values
                    .into_iter()
                    .map(|v| freezer.freeze(v))
                    .collect::<FreezeResult<Vec<_>>>()?;
                Ok($gen { values })
            }
        }

        #[starlark_value(type = $type_name)]
        impl<'v, V: ValueLike<'v>> StarlarkValue<'v> for $gen<V>
        where
            Self: ProvidesStaticType<'v>,
        {
            fn get_attr(&self, attribute: &str, _heap: Heap<'v>) -> Option<Value<'v>> {
                $schema()
                    .index(attribute)
                    .and_then(|i| self.values.get(i))
                    .map(|v| v.to_value())
            }

            fn has_attr(&self, attribute: &str, _heap: Heap<'v>) -> bool {
                $schema().index(attribute).is_some()
            }

            fn dir_attr(&self) -> Vec<String> {
                $schema().attributes().map(str::to_string).collect()
            }
        }
    };
}

object!(TxObjectGen, TxObject, "Transaction", transaction_schema);
object!(AgentObjectGen, AgentObject, "Agent", agent_schema);
object!(SystemObjectGen, SystemObject, "System", system_schema);
