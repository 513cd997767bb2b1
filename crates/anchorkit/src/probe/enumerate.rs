//! What a server accepts, from crafted ClientHellos: protocol versions (one hello each, in
//! parallel), the TLS 1.2 suites in the server's order of choice (offer all, remove the one
//! chosen, again), and the TLS 1.3 suites (one hello each, in parallel).

use std::time::Instant;

use serde::Serialize;

use super::device::{Flight, answer, flight};
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
    /// TLS 1.3 groups it accepts (a HelloRetryRequest for the group counts).
    pub tls13_groups: Vec<String>,
    /// TLS 1.2 ECDHE groups its ServerKeyExchange uses when offered first (a server that
    /// picks by its own preference shows only the groups it prefers to the NIST curves).
    pub tls12_groups: Vec<String>,
    /// TLS 1.3 signature algorithms it accepts when offered only that one (the server fails
    /// the hello when it has no certificate and key for any offered scheme).
    pub tls13_sig_algs: Vec<String>,
    /// TLS 1.2 signature algorithms its ServerKeyExchange uses when offered only that one
    /// (empty when the server has no ECDHE or DHE suite, so nothing signed is seen).
    pub tls12_sig_algs: Vec<String>,
    /// Whether it echoes max_fragment_length (512 bytes asked) in a TLS 1.2 ServerHello; null
    /// without TLS 1.2 (the TLS 1.3 answer is encrypted).
    pub max_fragment_length: Option<bool>,
    /// Whether it echoes record_size_limit in a TLS 1.2 ServerHello; null without TLS 1.2.
    pub record_size_limit: Option<bool>,
    /// The server refuses a hello without SNI (null when no SNI name was given to test with).
    pub sni_required: Option<bool>,
    /// ClientHellos sent.
    pub handshakes: usize,
    /// Hellos that got no answer at all (no connection, a timeout, the overall deadline):
    /// the lists they belong to are incomplete.
    pub unanswered: usize,
    /// The lists some hello of which got no answer (`versions`, `tls12_suites`, ...): read
    /// them as "at least", not as the server's whole answer.
    pub incomplete: Vec<String>,
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
const TLS13_GROUPS: &[u16] = &[
    0x001D, 0x0017, 0x0018, 0x0019, 0x001E, 0x001F, 0x0020, 0x0021, 0x0100, 0x0101, 0x0102, 0x0103,
    0x0104, 0x11EC,
];
const TLS12_GROUPS: &[u16] = &[
    0x001D, 0x0017, 0x0018, 0x0019, 0x001E, 0x0016, 0x001A, 0x001B, 0x001C,
];
const SIG_ALGS: &[u16] = &[
    0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0809, 0x080A, 0x080B, 0x0807, 0x0808, 0x0401,
    0x0501, 0x0601, 0x0301, 0x0303, 0x0201, 0x0203,
];
/// Hellos in flight at once against one server.
const IN_FLIGHT: usize = 16;

/// The limits of the next hello: one overall deadline for the whole enumeration (the probe's
/// deadline), each hello getting what is left of it.
fn left(start: Instant, limits: Limits) -> Option<Limits> {
    let rest = limits.deadline.checked_sub(start.elapsed())?;
    if rest.is_zero() {
        return None;
    }
    Some(Limits {
        deadline: rest,
        io_timeout: limits.io_timeout.min(rest),
        ..limits
    })
}

fn out_of_time(t: &Target, limits: Limits) -> ProbeError {
    ProbeError::Timeout {
        addr: t.display(),
        what: "the enumeration (its overall deadline)".into(),
        secs: limits.deadline.as_secs_f64(),
    }
}

/// Sends every hello, at most `IN_FLIGHT` at a time, and returns the answers in order.
fn all(
    t: &Target,
    hellos: &[Hello],
    start: Instant,
    limits: Limits,
    until_kx: bool,
) -> Vec<FlightResult> {
    let mut out = Vec::with_capacity(hellos.len());
    for chunk in hellos.chunks(IN_FLIGHT) {
        let Some(limits) = left(start, limits) else {
            out.extend(chunk.iter().map(|_| Err(out_of_time(t, limits))));
            continue;
        };
        std::thread::scope(|s| {
            let js: Vec<_> = chunk
                .iter()
                .map(|h| s.spawn(move || flight(t, h, limits, until_kx)))
                .collect();
            for j in js {
                out.push(j.join().unwrap_or_else(|_| {
                    Err(ProbeError::Protocol {
                        addr: t.display(),
                        detail: "probe thread failed".into(),
                    })
                }));
            }
        });
    }
    out
}

type FlightResult = Result<Result<Flight, u8>, ProbeError>;

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
    let mut unanswered = 0;
    let mut incomplete: Vec<String> = Vec::new();
    let mut missed = |list: &str, n: usize, unanswered: &mut usize| {
        if n > 0 {
            *unanswered += n;
            if !incomplete.iter().any(|l| l == list) {
                incomplete.push(list.to_string());
            }
        }
    };
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
            Err(e) if e.unreachable() && results.iter().all(|(_, r)| r.is_err()) => {
                return Err(e.clone());
            }
            Err(_) => missed("versions", 1, &mut unanswered),
        }
    }
    // TLS 1.2 suites in the server's order.
    let mut tls12_suites = Vec::new();
    if versions.iter().any(|v| v == "TLS 1.2") {
        let mut offered: Vec<u16> = TLS12_SUITES.to_vec();
        while !offered.is_empty() {
            let Some(l) = left(start, limits) else {
                missed("tls12_suites", 1, &mut unanswered);
                break;
            };
            handshakes += 1;
            match answer(t, &legacy_hello(t, 0x0303, &offered), l) {
                Ok(Ok(sh)) if offered.contains(&sh.suite) => {
                    tls12_suites.push(suite_name(sh.suite));
                    offered.retain(|s| *s != sh.suite);
                }
                Ok(_) => break,
                Err(_) => {
                    missed("tls12_suites", 1, &mut unanswered);
                    break;
                }
            }
        }
    }
    // TLS 1.3 suites, one hello each, in parallel.
    let mut tls13_suites = Vec::new();
    if versions.iter().any(|v| v == "TLS 1.3") {
        let hs: Vec<Hello> = TLS13_SUITES.iter().map(|s| tls13_hello(t, &[*s])).collect();
        let rs = all(t, &hs, start, limits, false);
        missed(
            "tls13_suites",
            rs.iter().filter(|r| r.is_err()).count(),
            &mut unanswered,
        );
        handshakes += hs.len();
        tls13_suites = rs
            .into_iter()
            .filter_map(|r| match r {
                Ok(Ok(f)) if f.hello.version == 0x0304 => Some(f.hello.suite),
                _ => None,
            })
            .map(suite_name)
            .collect();
    }
    let tls12 = versions.iter().any(|v| v == "TLS 1.2");
    let tls13 = versions.iter().any(|v| v == "TLS 1.3");
    // Groups and signature algorithms: one hello per item, offering only that item.
    let mut tls13_groups = Vec::new();
    let mut tls13_sig_algs = Vec::new();
    if tls13 {
        let hs: Vec<Hello> = TLS13_GROUPS
            .iter()
            .map(|g| {
                let mut h = tls13_hello(t, TLS13_SUITES);
                h.groups = vec![*g];
                h
            })
            .collect();
        let rs = all(t, &hs, start, limits, false);
        missed(
            "tls13_groups",
            rs.iter().filter(|r| r.is_err()).count(),
            &mut unanswered,
        );
        for (g, r) in TLS13_GROUPS.iter().zip(rs) {
            if let Ok(Ok(f)) = r {
                if f.hello.group == Some(*g) {
                    tls13_groups.push(wire::group_name(*g));
                }
            }
        }
        let hs: Vec<Hello> = SIG_ALGS
            .iter()
            .map(|a| {
                let mut h = tls13_hello(t, TLS13_SUITES);
                h.sig_algs = vec![*a];
                h
            })
            .collect();
        let rs = all(t, &hs, start, limits, false);
        missed(
            "tls13_sig_algs",
            rs.iter().filter(|r| r.is_err()).count(),
            &mut unanswered,
        );
        for (a, r) in SIG_ALGS.iter().zip(rs) {
            if let Ok(Ok(f)) = r {
                if f.hello.version == wire::TLS13 || f.hello.retry {
                    tls13_sig_algs.push(wire::sig_alg_name(*a));
                }
            }
        }
        handshakes += TLS13_GROUPS.len() + SIG_ALGS.len();
    }
    let mut tls12_groups = Vec::new();
    let mut tls12_sig_algs = Vec::new();
    let mut max_fragment_length = None;
    let mut record_size_limit = None;
    if tls12 {
        let hs: Vec<Hello> = TLS12_GROUPS
            .iter()
            .map(|g| {
                // The group first, then the NIST curves: TLS 1.2 also checks an ECDSA
                // certificate's curve against this list, so `g` alone would refuse an
                // ECDSA server whatever its key exchange groups are. A group counts only
                // when the ServerKeyExchange uses it.
                let mut h = legacy_hello(t, 0x0303, wire::ECDHE_SUITES);
                h.groups = vec![*g];
                h.groups
                    .extend([0x0017, 0x0018, 0x0019].iter().filter(|c| *c != g));
                h
            })
            .collect();
        let rs = all(t, &hs, start, limits, true);
        missed(
            "tls12_groups",
            rs.iter().filter(|r| r.is_err()).count(),
            &mut unanswered,
        );
        for (g, r) in TLS12_GROUPS.iter().zip(rs) {
            if let Ok(Ok(Flight { kx: Some(kx), .. })) = r {
                if kx.group == Some(*g) {
                    tls12_groups.push(wire::group_name(*g));
                }
            }
        }
        let signed: Vec<u16> = wire::ECDHE_SUITES
            .iter()
            .chain(wire::DHE_SUITES)
            .copied()
            .collect();
        let mut hs: Vec<Hello> = SIG_ALGS
            .iter()
            .map(|a| {
                let mut h = legacy_hello(t, 0x0303, &signed);
                h.sig_algs = vec![*a];
                h
            })
            .collect();
        let mut mfl = legacy_hello(t, 0x0303, TLS12_SUITES);
        mfl.extra.push((0x0001, vec![1]));
        let mut rsl = legacy_hello(t, 0x0303, TLS12_SUITES);
        rsl.extra.push((0x001C, 0x4000u16.to_be_bytes().to_vec()));
        hs.push(mfl);
        hs.push(rsl);
        let mut rs = all(t, &hs, start, limits, true);
        missed(
            "tls12_sig_algs",
            rs.iter().filter(|r| r.is_err()).count(),
            &mut unanswered,
        );
        let echoed = |r: &FlightResult, ty: u16| match r {
            Ok(Ok(f)) => Some(f.hello.extensions.contains(&ty)),
            Ok(Err(_)) => Some(false),
            Err(_) => None,
        };
        if let (Some(r_rsl), Some(r_mfl)) = (rs.pop(), rs.pop()) {
            max_fragment_length = echoed(&r_mfl, 0x0001);
            record_size_limit = echoed(&r_rsl, 0x001C);
        }
        for (a, r) in SIG_ALGS.iter().zip(rs) {
            if let Ok(Ok(Flight { kx: Some(kx), .. })) = r {
                if kx.sig_alg == *a {
                    tls12_sig_algs.push(wire::sig_alg_name(*a));
                }
            }
        }
        handshakes += hs.len() + TLS12_GROUPS.len();
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
            match left(start, limits).map(|l| answer(&bare, &v, l)) {
                Some(Ok(Ok(_))) => Some(false),
                Some(Ok(Err(_)) | Err(ProbeError::Closed { .. })) => Some(true),
                _ => {
                    missed("sni_required", 1, &mut unanswered);
                    None
                }
            }
        }
        _ => None,
    };
    Ok(Capabilities {
        versions,
        tls12_suites,
        tls13_suites,
        tls13_groups,
        tls12_groups,
        tls13_sig_algs,
        tls12_sig_algs,
        max_fragment_length,
        record_size_limit,
        sni_required,
        handshakes,
        unanswered,
        incomplete,
        millis: start.elapsed().as_millis(),
    })
}
