//! Many endpoints: bounded concurrency, one result per endpoint handed over as soon as it is
//! ready (memory does not grow with the results), and resumption from earlier results.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;

use super::{Capture, Limits, Target, capture};

/// One endpoint's result (a JSON line of `probe --targets`).
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    /// The endpoint as listed.
    pub target: String,
    /// What the server sent, when the capture worked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture: Option<Capture>,
    /// Each certificate's size and SHA-256, in the order sent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<CertSummary>,
    /// Findings on the chain.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<String>,
    /// Why the endpoint could not be probed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The endpoint could not be reached at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unreachable: Option<bool>,
}

/// A certificate in a batch result.
#[derive(Debug, Clone, Serialize)]
pub struct CertSummary {
    /// DER size.
    pub bytes: usize,
    /// SHA-256 of the DER, hex.
    pub sha256: String,
}

/// SHA-256 of `d`, lower-case hex.
pub fn sha256_hex(d: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, d)
        .as_ref()
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// Probes one endpoint.
pub fn one(target: &str, limits: Limits, at: i64) -> Line {
    let mut line = Line {
        target: target.to_string(),
        capture: None,
        certificates: Vec::new(),
        findings: Vec::new(),
        error: None,
        unreachable: None,
    };
    line.target = crate::cert::printable(&crate::cert::clip(target, 300));
    match Target::parse(target).and_then(|t| capture(&t, limits)) {
        Ok(c) => {
            line.certificates = c
                .certificates
                .iter()
                .map(|d| CertSummary {
                    bytes: d.len(),
                    sha256: sha256_hex(d),
                })
                .collect();
            line.findings = super::findings::chain(&c, at, &[]);
            if c.certificates.is_empty() {
                // An answer without a chain: a failed endpoint, not an unreachable one.
                line.unreachable = Some(false);
                line.error = Some(format!(
                    "{}: the server sent an empty Certificate message",
                    c.address
                ));
            }
            line.capture = Some(c);
        }
        Err(e) => {
            line.unreachable = Some(e.unreachable());
            line.error = Some(e.to_string());
        }
    }
    line
}

/// What an earlier run's output holds: the endpoints done, how many of them failed, and
/// whether its last line was cut (a run stopped mid-write: the next record must start on a
/// new line, and that endpoint is probed again).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resume {
    /// Endpoints with a complete result line.
    pub done: HashSet<String>,
    /// Those whose result is a failure.
    pub failed: usize,
    /// The output does not end with a newline.
    pub cut: bool,
}

/// Reads an earlier run's JSON lines.
pub fn resume(done: &str) -> Resume {
    let mut r = Resume {
        cut: !done.is_empty() && !done.ends_with('\n'),
        ..Resume::default()
    };
    for l in done.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(l) else {
            continue;
        };
        if let Some(t) = v["target"].as_str() {
            if r.done.insert(t.to_string()) && v.get("error").is_some() {
                r.failed += 1;
            }
        }
    }
    r
}

/// The endpoints of a target list (one per line, `#` comments), each once, not yet among
/// `done`'s JSON lines (an earlier run's output).
pub fn pending(list: &str, done: &str) -> Vec<String> {
    let r = resume(done);
    let mut seen = r.done;
    let mut out = Vec::new();
    for l in list.lines() {
        let t = l.split('#').next().unwrap_or("").trim().to_string();
        if !t.is_empty() && seen.insert(t.clone()) {
            out.push(t);
        }
    }
    out
}

/// Probes `targets` with `jobs` at once; `each` gets every result as it is ready and returns
/// whether to go on (false when the results can no longer be written: no target is started
/// after that). Returns the number of endpoints that failed.
pub fn run(
    targets: &[String],
    jobs: usize,
    limits: Limits,
    at: i64,
    each: &(dyn Fn(Line) -> bool + Sync),
) -> usize {
    let next = AtomicUsize::new(0);
    let failures = AtomicUsize::new(0);
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        for _ in 0..jobs.clamp(1, 256) {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let Some(t) = targets.get(next.fetch_add(1, Ordering::Relaxed)) else {
                        break;
                    };
                    let line = one(t, limits, at);
                    if line.error.is_some() {
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                    if !each(line) {
                        stop.store(true, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    failures.load(Ordering::Relaxed)
}
