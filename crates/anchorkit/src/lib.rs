//! anchorkit: TLS trust for small devices.
//!
//! Data flows one way through the modules:
//! [`intake`] (bytes to certificates and anchors) -> [`store`] (root programs) ->
//! [`verify`] with [`profile`]s (what a device stack decides) -> [`diagnose`] (why, and the fix)
//! -> [`bundle`] (what to ship). [`inspect`] reports on certificates; [`explain`] decodes error
//! codes and log lines from devices. Text rendering lives in the `anchorkit` command; every
//! result type serializes to the JSON documented in `docs/json-schema.md`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod anchor;
pub mod bundle;
pub mod cert;
pub mod crypto;
pub mod diagnose;
pub mod diff;
pub mod explain;
pub mod fuzz;
pub mod inspect;
pub mod intake;
pub mod origin;
pub mod output;
pub mod pemutil;
pub mod plan;
pub mod probe;
pub mod profile;
pub mod report;
pub mod scan;
pub mod store;
#[doc(hidden)]
pub mod testsupport;
pub mod verify;
pub mod weakkeys;
