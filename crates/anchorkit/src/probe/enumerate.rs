//! What a server accepts, from crafted ClientHellos: protocol versions (one hello each, in
//! parallel), the TLS 1.2 suites in the server's order of choice (offer all, remove the one
//! chosen, again), and the TLS 1.3 suites (one hello each, in parallel).

use std::time::Instant;

use serde::Serialize;

use super::device::answer;
use super::wire::{self, Hello, TLS12_SUITES};
use super::{Limits, ProbeError, Target, suite_name};

/// The server's capabilities.
#[derive(Debug, Clone, Serialize)]
pub struct Capabilities {
    /// Versions the server accepts: `TLS 1.0` ... `TLS 1.3`.
    pub versions: Vec<String>,
    /// TLS 1.2 suites, in the server's order of choice.
    pub tls12_suites: Vec<String>,
    /// TLS 1.3 suites it accepts.
    pub tls13_suites: Vec<String>,
    /// The server refuses a hello without SNI (null when no SNI name was given to test with).
    pub sni_required: Option<bool>,
    /// ClientHellos sent.
    pub handshakes: usize,
    /// Wall time, milliseconds.
    pub millis: u128,
}

/// What one hello gets: the ServerHello or an alert code, or no answer at all.
type HelloResult = Result<Result<wire::ServerHello, u8>, ProbeError>;

const LEGACY: &[(u16, &str)] = &[
    (0x0301, "TLS 1.0"),
    (0x0302, "TLS 1.1"),
    (0x0303, "TLS 1.2"),
];
const TLS13_SUITES: &[u16] = &[0x1301, 0x1302, 0x1303, 0x1304, 0x1305];

fn legacy_hello(t: &Target, version: u16, suites: &[u16]) -> Hello {
    let mut h = Hello::tls12(t.sni.as_deref());
    h.version = version;
    h.suites = suites.to_vec();
    h
}

fn tls13_hello(t: &Target, suites: &[u16]) -> Hello {
    let mut h = Hello::tls12(t.sni.as_deref());
    h.suites = suites.to_vec();
    h.versions = vec![wire::TLS13];
    h
}

/// Enumerates the server's versions and suites.
pub fn capabilities(t: &Target, limits: Limits) -> Result<Capabilities, ProbeError> {
    let start = Instant::now();
    let mut handshakes = 0;
    // Versions, in parallel.
    let mut hellos: Vec<(&str, Hello)> = LEGACY
        .iter()
        .map(|(v, n)| (*n, legacy_hello(t, *v, TLS12_SUITES)))
        .collect();
    hellos.push(("TLS 1.3", tls13_hello(t, TLS13_SUITES)));
    let results: Vec<(&str, HelloResult)> = std::thread::scope(|s| {
        let hs: Vec<_> = hellos
            .iter()
            .map(|(n, h)| (*n, s.spawn(move || answer(t, h, limits))))
            .collect();
        hs.into_iter()
            .map(|(n, j)| {
                (
                    n,
                    j.join().unwrap_or_else(|_| {
                        Err(ProbeError::Protocol {
                            addr: t.display(),
                            detail: "probe thread failed".into(),
                        })
                    }),
                )
            })
            .collect()
    });
    handshakes += results.len();
    let mut versions = Vec::new();
    for (name, r) in &results {
        match r {
            Ok(Ok(sh)) => {
                let got = match sh.version {
                    0x0304 => "TLS 1.3",
                    0x0303 => "TLS 1.2",
                    0x0302 => "TLS 1.1",
                    0x0301 => "TLS 1.0",
                    _ => "",
                };
                if got == *name {
                    versions.push(name.to_string());
                }
            }
            Ok(Err(_)) => {}
            Err(e) if e.unreachable() => return Err(e.clone()),
            Err(_) => {}
        }
    }
    // TLS 1.2 suites in the server's order.
    let mut tls12_suites = Vec::new();
    if versions.iter().any(|v| v == "TLS 1.2") {
        let mut offered: Vec<u16> = TLS12_SUITES.to_vec();
        while !offered.is_empty() {
            handshakes += 1;
            match answer(t, &legacy_hello(t, 0x0303, &offered), limits)? {
                Ok(sh) if offered.contains(&sh.suite) => {
                    tls12_suites.push(suite_name(sh.suite));
                    offered.retain(|s| *s != sh.suite);
                }
                _ => break,
            }
        }
    }
    // TLS 1.3 suites, one hello each, in parallel.
    let mut tls13_suites = Vec::new();
    if versions.iter().any(|v| v == "TLS 1.3") {
        let hs: Vec<Hello> = TLS13_SUITES.iter().map(|s| tls13_hello(t, &[*s])).collect();
        let r: Vec<Option<u16>> = std::thread::scope(|s| {
            let js: Vec<_> = hs
                .iter()
                .map(|h| s.spawn(move || answer(t, h, limits)))
                .collect();
            js.into_iter()
                .map(|j| match j.join() {
                    Ok(Ok(Ok(sh))) if sh.version == 0x0304 => Some(sh.suite),
                    _ => None,
                })
                .collect()
        });
        handshakes += hs.len();
        tls13_suites = r.into_iter().flatten().map(suite_name).collect();
    }
    // SNI: the same hello without the name.
    let sni_required = match &t.sni {
        Some(_) if !versions.is_empty() => {
            let bare = Target {
                sni: None,
                ..t.clone()
            };
            let v = if versions.iter().any(|v| v == "TLS 1.2") {
                legacy_hello(&bare, 0x0303, TLS12_SUITES)
            } else {
                tls13_hello(&bare, TLS13_SUITES)
            };
            handshakes += 1;
            match answer(&bare, &v, limits) {
                Ok(Ok(_)) => Some(false),
                Ok(Err(_)) | Err(ProbeError::Closed { .. }) => Some(true),
                Err(_) => None,
            }
        }
        _ => None,
    };
    Ok(Capabilities {
        versions,
        tls12_suites,
        tls13_suites,
        sni_required,
        handshakes,
        millis: start.elapsed().as_millis(),
    })
}
