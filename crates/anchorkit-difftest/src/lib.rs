//! Differential testing of anchorkit's verdicts against the real TLS libraries.
//!
//! [`corpus`] builds the scenarios with `rcgen`; [`real`] runs them on the real libraries;
//! [`profile_for`] names the anchorkit profile that models each real configuration.

pub mod corpus;
pub mod corpus_openssl;
pub mod corpus_wolfssl;
pub mod pki;
pub mod real;
pub mod rustls_client;
pub mod server;

use anchorkit::cert::{Certificate, ChainEntry};
use anchorkit::intake::Origin;
use anchorkit::profile::{Profile, TrustMode, Version};
use anchorkit::verify::{HostCheck, Request, Verdict, verify};

use crate::corpus::Scenario;
use crate::real::Real;

/// The anchorkit profile that models a real library configuration.
pub fn profile_for(r: Real) -> Profile {
    let p = |n: &str| Profile::by_name(n).unwrap_or_else(|e| panic!("{e}"));
    // The ESP-IDF v6 bundle logic runs here on the Mbed TLS 3.6.5 library.
    let v6_on_365 = |m: TrustMode| {
        p("esp-idf-6.0")
            .with_trust_mode(m)
            .with_mbedtls_version(Version(3, 6, 5))
    };
    match r {
        Real::Mbedtls36Time => p("mbedtls-3.6").with_time_check(true),
        Real::EspCertPem => p("esp-idf-5.4"),
        Real::EspBundleLegacy => p("esp-idf-5.3").with_trust_mode(TrustMode::Bundle),
        Real::EspBundle => p("esp-idf-5.4").with_trust_mode(TrustMode::Bundle),
        Real::EspBundleV6 => v6_on_365(TrustMode::Bundle),
        Real::EspBundleCross => v6_on_365(TrustMode::BundleCrossSigned),
        Real::EspSdkconfig => p("esp-idf-5.4").with_time_check(true),
        Real::Mbedtls228 => p("mbedtls-2.28"),
        Real::Bearssl => p("bearssl"),
        Real::Openssl => p("openssl-3"),
        Real::Wolfssl => p("wolfssl-5"),
        Real::Rustls => p("webpki"),
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
    // The served entries as bytes: each stack reads them its own way.
    let chain: Vec<ChainEntry> = s.chain.iter().map(|d| ChainEntry::from_bytes(d)).collect();
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

/// rustls's name for a rustls-webpki error (its `pki_error` mapping), by variant name.
pub fn rustls_class(webpki_error: &str) -> &str {
    match webpki_error {
        "BadDer" | "BadDerTime" | "TrailingData" => "BadEncoding",
        "CertNotValidYet" => "NotValidYetContext",
        "CertExpired" => "ExpiredContext",
        "InvalidCertValidity" => "Expired",
        "CertNotValidForName" => "NotValidForNameContext",
        "CertRevoked" => "Revoked",
        "InvalidSignatureForPublicKey" => "BadSignature",
        "UnsupportedSignatureAlgorithm" | "UnsupportedSignatureAlgorithmForPublicKey" => {
            "UnsupportedSignatureAlgorithm"
        }
        "UnsupportedSignatureAlgorithmContext" => "UnsupportedSignatureAlgorithmContext",
        "UnsupportedSignatureAlgorithmForPublicKeyContext" => {
            "UnsupportedSignatureAlgorithmForPublicKeyContext"
        }
        "RequiredEkuNotFound" => "InvalidPurpose",
        "RequiredEkuNotFoundContext" => "InvalidPurposeContext",
        other => other,
    }
}

/// Whether anchorkit's return code is the one the real client reported.
pub fn same_code(v: &Verdict, o: &real::Outcome) -> bool {
    match o.code.parse::<i64>() {
        Ok(n) => v.code_value() == n,
        Err(_) => rustls_class(&v.code) == o.code,
    }
}
