//! Entry points for the fuzz targets (`fuzz/`, cargo-fuzz) and their proptest fallbacks
//! (`tests/fuzz_fallback.rs`): each takes arbitrary bytes and must return without panicking,
//! hanging or allocating without bound, whatever the bytes.

use crate::anchor::TrustAnchor;
use crate::cert::{Certificate, ChainEntry};
use crate::intake::Origin;
use crate::profile::Profile;
use crate::verify::{HostCheck, Request, verify};

/// Every intake path: PEM, DER, PKCS#7, C/C++ and Python source, JSON/YAML strings, both
/// ESP-IDF bundle formats, fingerprint pins, and chain completion of what was read.
pub fn intake(data: &[u8]) {
    if let Ok(found) = crate::intake::read_bytes("fuzz", data) {
        let certs: Vec<_> = found.iter().filter_map(|f| f.cert().cloned()).collect();
        let _ = crate::complete::complete_certs(&certs, 1_700_000_000, None);
    }
    let _ = crate::intake::pins::scan("fuzz", &String::from_utf8_lossy(data));
}

/// The sdkconfig and Mbed TLS configuration header readers.
pub fn config(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok((settings, _)) = crate::profile::build::read_sdkconfig("fuzz", &text) {
        if let Ok(p) = Profile::by_name("esp-idf-5.4") {
            let _ = p.with_sdkconfig("fuzz", &text);
        }
        let _ = settings;
    }
    let _ = crate::profile::build::read_mbedtls_config("fuzz", &text);
}

/// The probe's TLS record and handshake readers.
pub fn tls(data: &[u8]) {
    use crate::probe::wire;
    if let Ok((recs, _)) = wire::records(data) {
        let hs: Vec<u8> = recs
            .iter()
            .filter(|r| r.kind == 22)
            .flat_map(|r| r.payload.clone())
            .collect();
        for (t, body) in wire::messages(&hs) {
            match t {
                2 => {
                    let _ = wire::server_hello(body);
                }
                11 => {
                    let _ = wire::certificates(body);
                }
                12 => {
                    let _ = wire::server_key_exchange(body, 0xC02B);
                    let _ = wire::server_key_exchange(body, 0x009E);
                }
                _ => {}
            }
        }
    }
    let _ = wire::server_hello(data);
    let _ = wire::certificates(data);
}

/// The probe's whole capture on a server's bytes: the TLS 1.2 reader and the TLS 1.3 path
/// (rustls through the tap that keeps unread bytes), fed in pieces.
pub fn capture(data: &[u8]) {
    for c in crate::probe::capture_replayed(data).into_iter().flatten() {
        let _ = crate::probe::findings::chain(&c, 1_700_000_000, &[]);
    }
}

/// The scan's file readers: the CMake / PlatformIO / sdkconfig embed parsers, the trust
/// readers and the pin finder.
pub fn scan_file(data: &[u8]) {
    crate::scan::readers_on(data);
}

/// The events file reader.
pub fn events(data: &[u8]) {
    let _ = crate::events::Events::parse("fuzz", &String::from_utf8_lossy(data));
}

/// The whole-store filter CSV reader.
pub fn filter_csv(data: &[u8]) {
    let _ = crate::bundle::generate::Filter::from_csv("fuzz", &String::from_utf8_lossy(data));
}

/// `explain` on arbitrary text.
pub fn explain(data: &[u8]) {
    let _ = crate::explain::explain(
        &String::from_utf8_lossy(data),
        &crate::explain::Options::default(),
    );
}

/// `verify` on an arbitrary served chain (entries split at `0xFF 0x00 0xFF`) for every
/// profile, with a fixed anchor: the first entry that parses as a certificate, if any.
pub fn verify_chain(data: &[u8]) {
    let mut entries = Vec::new();
    let mut rest = data;
    while let Some(i) = rest.windows(3).position(|w| w == [0xFF, 0x00, 0xFF]) {
        entries.push(&rest[..i]);
        rest = &rest[i + 3..];
    }
    entries.push(rest);
    let chain: Vec<ChainEntry> = entries.iter().map(|e| ChainEntry::from_bytes(e)).collect();
    let trust: Vec<TrustAnchor> = entries
        .iter()
        .filter_map(|e| Certificate::from_der(e).ok())
        .take(1)
        .map(|c| TrustAnchor::from_cert(c, Origin::builtin("fuzz", 0)))
        .collect();
    for name in Profile::names() {
        let Ok(p) = Profile::by_name(name) else {
            continue;
        };
        let _ = verify(
            &p,
            &Request {
                trust: &trust,
                chain: &chain,
                host: HostCheck::Name("device.example.test"),
                at: 1_767_225_600,
            },
        );
    }
}

/// A fuzz entry point.
pub type Target = fn(&[u8]);

/// The targets by name.
pub const TARGETS: &[(&str, Target)] = &[
    ("intake", intake),
    ("config", config),
    ("tls", tls),
    ("capture", capture),
    ("scan_file", scan_file),
    ("events", events),
    ("filter_csv", filter_csv),
    ("explain", explain),
    ("verify_chain", verify_chain),
];
