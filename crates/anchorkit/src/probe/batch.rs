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
            line.findings = super::findings::chain(&c, at);
            line.capture = Some(c);
        }
        Err(e) => {
            line.unreachable = Some(e.unreachable());
            line.error = Some(e.to_string());
        }
    }
    line
}

/// The endpoints of a target list (one per line, `#` comments) not yet among `done`'s JSON
/// lines (an earlier run's output).
pub fn pending(list: &str, done: &str) -> Vec<String> {
    let seen: HashSet<String> = done
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["target"].as_str().map(str::to_string))
        .collect();
    list.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty() && !seen.contains(l))
        .collect()
}

/// Probes `targets` with `jobs` at once; `each` gets every result as it is ready. Returns the
/// number of endpoints that failed.
pub fn run(
    targets: &[String],
    jobs: usize,
    limits: Limits,
    at: i64,
    each: &(dyn Fn(Line) + Sync),
) -> usize {
    let next = AtomicUsize::new(0);
    let failures = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..jobs.clamp(1, 256) {
            s.spawn(|| {
                while let Some(t) = targets.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let line = one(t, limits, at);
                    if line.error.is_some() {
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                    each(line);
                }
            });
        }
    });
    failures.load(Ordering::Relaxed)
}
