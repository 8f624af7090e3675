//! # rtgsim-diagnostics
//!
//! What rtgsim's loaders tell people when an input is wrong, written once: a
//! [`Diagnostic`] (the path of the value at fault, the node, the message and help)
//! and a source [`Span`] ([`diagnostic`]), the bounded "did you mean" suggestion
//! ([`spelling`]), input echoed in a message clipped to a readable length
//! ([`clip`]), JSON read strictly
//! ([`strict_json`]: a key given twice or a number that is not finite is an error,
//! not a silent choice), and the key serde refused as an unknown field, with the
//! fields the struct there takes ([`unknown_field`]), found without reading serde's
//! error text.
//!
//! **What this crate must not do:** it knows nothing of rtgsim's domain (no
//! payments, agents or policies) and depends on no other rtgsim crate, so every
//! loader, from the scenario files to the policy languages, can use it; `core`
//! does not (the domain knows nothing of file formats).
//!
//! ```
//! use rtgsim_diagnostics::{Quote, did_you_mean};
//!
//! let fields = ["amount", "priority"];
//! assert_eq!(
//!     did_you_mean("amnout", fields, Quote::Double).as_deref(),
//!     Some("did you mean \"amount\"?")
//! );
//! assert_eq!(did_you_mean("colour", fields, Quote::Double), None);
//! ```

pub mod clip;
pub mod diagnostic;
pub mod spelling;
pub mod strict_json;
pub mod unknown_field;

pub use clip::{clip, clip_message, clip_path};
pub use diagnostic::{Diagnostic, Span};
pub use spelling::{Quote, did_you_mean};
pub use strict_json::StrictJson;
pub use unknown_field::{Step, UnknownField};
