//! `bundle`: the smallest trust bundle that keeps a device's servers reachable for its
//! lifetime, written byte-exact in the format the firmware consumes.
//!
//! [`mod@plan`] asks the verification engine which anchor covers which endpoint under the device
//! profile (now and at the end of the lifetime) and hands the matrix to [`optimize`], an exact
//! branch and bound; [`report`] holds the answer; [`formats`] writes the bytes, one module per
//! format; [`generate`] reproduces ESP-IDF's whole-store generator with its traps reported.

pub mod endpoints;
pub mod formats;
pub mod generate;
pub mod optimize;
pub mod plan;
pub mod report;

pub use formats::{OutputFormat, Rendered};
pub use plan::{
    Cover, Endpoint, Offer, Policy, Prefer, anchor_name, chain_at_end, coverage, expiry, plan,
    round_trip, round_trip_plan, store_offers,
};
pub use report::{Choice, EndpointReport, Note, Plan, Role, RunnerUp, SCHEMA, Uncovered};
