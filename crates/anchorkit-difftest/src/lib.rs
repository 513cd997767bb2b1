//! Differential testing of anchorkit's verdicts against the real TLS libraries.
//!
//! [`corpus`] builds the scenarios with `rcgen`; [`real`] runs them on the real libraries;
//! [`profile_for`] names the anchorkit profile that models each real configuration.

pub mod corpus;
pub mod pki;
pub mod real;

use anchorkit::cert::Certificate;
use anchorkit::intake::Origin;
use anchorkit::profile::{Profile, TrustMode};
use anchorkit::verify::{HostCheck, Request, Verdict, verify};

use crate::corpus::Scenario;
use crate::real::Real;

/// The anchorkit profile that models a real library configuration.
pub fn profile_for(r: Real) -> Profile {
    let p = |n: &str| Profile::by_name(n).unwrap_or_else(|e| panic!("{e}"));
    match r {
        Real::Mbedtls36Time => p("mbedtls-3.6").with_time_check(true),
        Real::Mbedtls36NoTime => p("mbedtls-3.6").with_time_check(false),
        Real::Mbedtls36Bundle => p("esp-idf-5.3").with_trust_mode(TrustMode::Bundle),
        Real::Mbedtls228 => p("mbedtls-2.28"),
        Real::Bearssl => p("bearssl"),
        Real::Openssl => p("openssl-3"),
        Real::Wolfssl => p("wolfssl-5"),
    }
}

/// anchorkit's verdict on a scenario under `profile`.
pub fn anchorkit_verdict(profile: &Profile, s: &Scenario) -> Verdict {
    let parse =
        |d: &Vec<u8>| Certificate::from_der(d).unwrap_or_else(|e| panic!("{}: {e}", s.name));
    let trust: Vec<_> = s
        .trust
        .iter()
        .enumerate()
        .map(|(i, d)| {
            anchorkit::anchor::TrustAnchor::from_cert(parse(d), Origin::builtin("trust", i))
        })
        .collect();
    let chain: Vec<Certificate> = s.chain.iter().map(parse).collect();
    verify(
        profile,
        &Request {
            trust: &trust,
            chain: &chain,
            host: s.host.as_deref().map_or(HostCheck::None, HostCheck::Name),
            at: s.at,
        },
    )
}
