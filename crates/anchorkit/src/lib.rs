//! anchorkit: TLS trust for small devices.
//!
//! Data flows one way through the modules:
//! [`intake`] (bytes to certificates and anchors) -> [`store`] (root programs) ->
//! [`verify`] with [`profile`]s (what a device stack decides) -> [`diagnose`] (why, and the fix)
//! -> [`bundle`] (what to ship). [`inspect`] reports on certificates; [`explain`] decodes error
//! codes and log lines from devices. [`probe`] reads live servers, [`plan`] walks a device's
//! verdict over dated events, [`scan`], [`diff`] and [`weakkeys`] lint trust material, and
//! [`output`] writes results atomically. Text rendering lives in the `anchorkit` command; every
//! result type serializes to the JSON documented in `docs/json-schema.md`.
//!
//! # What does a device decide?
//!
//! ```
//! use anchorkit::intake::read_bytes;
//! use anchorkit::profile::Profile;
//! use anchorkit::verify::{HostCheck, Request, verify};
//!
//! let root = read_bytes("root.pem", include_bytes!("../../../examples/doctor/root.pem"))?;
//! let served = read_bytes("fullchain.pem", include_bytes!("../../../examples/doctor/fullchain.pem"))?;
//! let trust: Vec<_> = root.iter().map(|f| f.to_anchor()).collect();
//! let chain: Vec<_> = served
//!     .iter()
//!     .filter_map(|f| f.cert())
//!     .map(|c| anchorkit::cert::ChainEntry::from_bytes(c.der()))
//!     .collect();
//! let profile = Profile::by_name("esp-idf-5.4")?;
//! let at = anchorkit::cert::parse_time("2030-01-01")?;
//! let v = verify(&profile, &Request { trust: &trust, chain: &chain, host: HostCheck::Name("iot.example.com"), at });
//! assert!(v.ok, "{}", v.code);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Which error is this?
//!
//! ```
//! let e = anchorkit::explain::explain("-0x2700", &Default::default())?;
//! assert_eq!(e.findings[0].name.as_deref(), Some("MBEDTLS_ERR_X509_CERT_VERIFY_FAILED"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod anchor;
pub mod assume;
pub mod bundle;
pub mod caname;
pub mod cert;
pub mod complete;
pub mod crypto;
pub mod diagnose;
pub mod diff;
pub mod events;
pub mod explain;
pub mod fuzz;
pub mod input;
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
pub mod synth;
#[doc(hidden)]
pub mod testsupport;
pub mod units;
pub mod verify;
pub mod weakkeys;
