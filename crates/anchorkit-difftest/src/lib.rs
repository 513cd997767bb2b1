//! Differential testing of anchorkit's verdicts against the real TLS libraries.
//!
//! [`corpus`] builds the scenarios with `rcgen`; [`real`] runs them on the real libraries;
//! [`profile_for`] names the anchorkit profile that models each real configuration.

pub mod corpus;
pub mod corpus_classes;
pub mod corpus_openssl;
pub mod corpus_parse;
pub mod corpus_wolfssl;
pub mod fixtures;
pub mod hostile;
pub mod kit;
pub mod limbo;
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
        let mut p = p("esp-idf-6.0")
            .with_trust_mode(m)
            .with_mbedtls_version(Version(3, 6, 5));
        // The library here is 3.6.5: it still has the curves under 250 bits.
        if let Some(b) = &mut p.build {
            b.curves = anchorkit::profile::MbedBuild::upstream(Version(3, 6, 5)).curves;
        }
        p
    };
    match r {
        Real::Mbedtls36Time => p("mbedtls-3.6").with_time_check(true),
        Real::EspCertPem => esp54_with(&default_sdkconfig()),
        Real::EspBundleLegacy => p("esp-idf-5.3").with_trust_mode(TrustMode::Bundle),
        Real::EspBundle => p("esp-idf-5.4").with_trust_mode(TrustMode::Bundle),
        Real::EspBundleV6 => v6_on_365(TrustMode::Bundle),
        Real::EspBundleCross => v6_on_365(TrustMode::BundleCrossSigned),
        Real::EspSdkconfig => esp54_with(&time_no_p521_sdkconfig()),
        Real::EspCertPemIn4096 => esp54_with(&in_4096_sdkconfig()),
        Real::Mbedtls228 => p("mbedtls-2.28"),
        Real::Bearssl => p("bearssl"),
        Real::Openssl => p("openssl-3"),
        Real::OpensslLevel2 => p("openssl-3")
            .with_security_level(2)
            .unwrap_or_else(|e| panic!("{e}")),
        Real::Wolfssl => p("wolfssl-5-distro"),
        Real::WolfsslDefault => p("wolfssl-5"),
        Real::Rustls => p("webpki"),
    }
}

/// ESP-IDF v5.4.4's default `sdkconfig` (its Kconfig defaults, as `idf.py` writes them for a
/// plain ESP32), from `../shared/data/esp-idf/releases/v5.4.4`.
pub fn default_sdkconfig() -> String {
    let path = anchorkit::testsupport::data("esp-idf/releases/v5.4.4/components__mbedtls__Kconfig");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    anchorkit::profile::build::render_sdkconfig(&anchorkit::profile::build::kconfig_defaults(&text))
}

/// The default `sdkconfig` with certificate time checks on and secp521r1 off (what the
/// `EspSdkconfig` harness build is compiled with).
pub fn time_no_p521_sdkconfig() -> String {
    default_sdkconfig()
        .replace(
            "# CONFIG_MBEDTLS_HAVE_TIME_DATE is not set",
            "CONFIG_MBEDTLS_HAVE_TIME_DATE=y",
        )
        .replace(
            "CONFIG_MBEDTLS_ECP_DP_SECP521R1_ENABLED=y",
            "# CONFIG_MBEDTLS_ECP_DP_SECP521R1_ENABLED is not set",
        )
}

/// The default `sdkconfig` with a 4 KB TLS input buffer (the `EspCertPemIn4096` build).
pub fn in_4096_sdkconfig() -> String {
    default_sdkconfig().replace(
        "CONFIG_MBEDTLS_SSL_IN_CONTENT_LEN=16384",
        "CONFIG_MBEDTLS_SSL_IN_CONTENT_LEN=4096",
    )
}

fn esp54_with(sdkconfig: &str) -> Profile {
    Profile::by_name("esp-idf-5.4")
        .and_then(|p| p.with_sdkconfig("sdkconfig", sdkconfig))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// anchorkit's verdict on a scenario under `profile`.
pub fn anchorkit_verdict(profile: &Profile, s: &Scenario) -> Verdict {
    // A trust entry is a certificate, or a TRUSTED CERTIFICATE's certificate and settings.
    let trust: Vec<_> = s
        .trust
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let (c, used) =
                Certificate::from_der_prefix(d).unwrap_or_else(|e| panic!("{}: {e}", s.name));
            let settings = (used < d.len()).then(|| {
                anchorkit::anchor::TrustSettings::from_der(&d[used..])
                    .unwrap_or_else(|e| panic!("{}: {e}", s.name))
            });
            anchorkit::anchor::TrustAnchor::from_cert(c, Origin::builtin("trust", i))
                .with_settings(settings)
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

/// The (scenario, library) pairs KNOWN_DIFFERENCES.md lists.
pub fn known_differences() -> Vec<(String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/KNOWN_DIFFERENCES.md");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter_map(|l| {
            let c: Vec<&str> = l.split('|').map(str::trim).collect();
            (c.len() >= 4 && c[1].starts_with('`')).then(|| {
                (
                    c[1].trim_matches('`').to_string(),
                    c[2].trim_matches('`').to_string(),
                )
            })
        })
        .collect()
}

/// The length of the DER element at the start of `d` (a TRUSTED CERTIFICATE entry's
/// certificate), `None` when it is not one.
pub fn der_len(d: &[u8]) -> Option<usize> {
    anchorkit::cert::der_tlv_len(d)
}

/// The `anchorkit` command, built from this workspace.
pub fn anchorkit_bin() -> std::path::PathBuf {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = std::process::Command::new(env!("CARGO"))
        .current_dir(&root)
        .args(["build", "--quiet", "-p", "anchorkit-cli"])
        .output()
        .unwrap_or_else(|e| panic!("cargo build: {e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    root.join("target/debug/anchorkit")
}
