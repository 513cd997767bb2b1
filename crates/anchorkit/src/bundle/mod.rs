//! `bundle`: the smallest trust bundle that keeps a device's servers reachable for its
//! lifetime, written byte-exact in the format the firmware consumes.
//!
//! [`plan`] decides which anchors (coverage is asked of the verification engine under the
//! device profile), [`optimize`] finds the exact minimum, [`formats`] writes the bytes, and
//! [`generate`] reproduces ESP-IDF's whole-store generator.

pub mod formats;
pub mod generate;
pub mod optimize;

use serde::Serialize;

use crate::anchor::TrustAnchor;
use crate::cert::{Certificate, format_time};
use crate::profile::{Profile, TrustMode};
use crate::store::Store;
use crate::verify::{HostCheck, Request, verify};

pub use formats::{OutputFormat, Rendered};

/// Schema identifier of the JSON form of [`Plan`].
pub const SCHEMA: &str = "anchorkit.bundle/1";

/// A server the device talks to, by the chain it sends, or a CA whose servers it talks to.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// A label (the chain file, or the CA name).
    pub name: String,
    /// The served chain, leaf first (empty for a CA endpoint).
    pub chain: Vec<Certificate>,
    /// For a CA endpoint: the SubjectPublicKeyInfos of that CA's roots, any of which covers it.
    pub accept: Option<Vec<Vec<u8>>>,
}

/// Tie-breaking preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefer {
    /// Fewest bytes, then longest-lived.
    Smallest,
    /// Longest-lived among equal sizes.
    Longest,
    /// ECDSA roots among equal sizes.
    Ecdsa,
}

/// What the bundle must achieve.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The device profile (its trust mode is set from the format).
    pub profile: Profile,
    /// The output format.
    pub format: OutputFormat,
    /// Now.
    pub at: i64,
    /// Every chosen anchor must stay valid until then.
    pub until: i64,
    /// Distinct CA owners the set must span.
    pub redundancy: usize,
    /// Flash budget in bytes.
    pub budget: Option<usize>,
    /// Tie-breaking.
    pub prefer: Prefer,
}

/// One chosen anchor.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    /// Subject, one line.
    pub subject: String,
    /// CA owner.
    pub owner: String,
    /// Key.
    pub key: String,
    /// Expiry, RFC 3339 (null for bare anchors).
    pub expires: Option<String>,
    /// Bytes in the output format.
    pub bytes: usize,
    /// DER bytes.
    pub der_bytes: Option<usize>,
    /// Bytes as an ESP-IDF bundle record.
    pub esp_record_bytes: usize,
    /// Endpoints it covers, by name.
    pub covers: Vec<String>,
    /// `cover` (anchors a served chain today) or `backup` (another owner, for a CA change).
    pub role: &'static str,
    #[serde(skip)]
    /// The anchor itself.
    pub anchor: TrustAnchor,
}

/// An endpoint that no durable anchor covers, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Uncovered {
    /// The endpoint.
    pub endpoint: String,
    /// Why.
    pub reason: String,
}

/// The answer.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// Profile summary used for coverage.
    pub profile: String,
    /// Output format.
    pub format: OutputFormat,
    /// Lifetime end, RFC 3339.
    pub until: String,
    /// The chosen anchors.
    pub anchors: Vec<Choice>,
    /// Total bytes in the output format.
    pub total_bytes: usize,
    /// The runner-up set (subjects) and its size.
    pub runner_up: Option<(Vec<String>, usize)>,
    /// Endpoints that cannot be covered durably.
    pub uncovered: Vec<Uncovered>,
    /// Notes (fallbacks used, bundle-mode lookups, budget).
    pub notes: Vec<String>,
    /// The budget, when one was given.
    pub budget: Option<usize>,
    /// Whether the total fits the budget.
    pub within_budget: bool,
}

/// A candidate anchor with its owner.
#[derive(Debug, Clone)]
pub struct Offer {
    /// The anchor.
    pub anchor: TrustAnchor,
    /// Its owner.
    pub owner: String,
    /// Whether ESP-IDF's common list has it (backup roots come from there).
    pub common: bool,
}

/// The Mozilla roots as offers.
pub fn store_offers(store: &Store) -> Vec<Offer> {
    store
        .roots()
        .iter()
        .map(|r| Offer {
            anchor: r.anchor.clone(),
            owner: r.owner.clone(),
            common: r.esp.as_ref().is_some_and(|e| e.common),
        })
        .collect()
}

fn covers(p: &Profile, a: &TrustAnchor, e: &Endpoint, at: i64) -> bool {
    if let Some(acc) = &e.accept {
        return acc.iter().any(|k| k == a.spki_raw());
    }
    verify(
        p,
        &Request {
            trust: std::slice::from_ref(a),
            chain: &e.chain,
            host: HostCheck::None,
            at,
        },
    )
    .ok
}

fn expiry(a: &TrustAnchor) -> i64 {
    a.cert.as_ref().map_or(i64::MAX, |c| c.not_after)
}

/// Plans the bundle: coverage by the engine, then the exact optimum.
pub fn plan(endpoints: &[Endpoint], offers: &[Offer], policy: &Policy) -> Plan {
    let mode = if policy.format.is_esp_bundle() {
        TrustMode::Bundle
    } else {
        TrustMode::CertPem
    };
    let profile = policy.profile.clone().with_trust_mode(mode);
    let mut notes = Vec::new();
    // Coverage now, per offer.
    let mut matrix: Vec<Vec<bool>> = offers
        .iter()
        .map(|o| {
            endpoints
                .iter()
                .map(|e| covers(&profile, &o.anchor, e, policy.at))
                .collect()
        })
        .collect();
    let durable = |o: &Offer| expiry(&o.anchor) >= policy.until;
    let mut uncovered = Vec::new();
    for (ei, e) in endpoints.iter().enumerate() {
        let any = (0..offers.len()).any(|i| matrix[i][ei]);
        let durably = (0..offers.len()).any(|i| matrix[i][ei] && durable(&offers[i]));
        if !any && e.accept.is_some() {
            uncovered.push(Uncovered {
                endpoint: e.name.clone(),
                reason: "no root of this CA is in the store".into(),
            });
        } else if !any {
            let v = verify(
                &profile,
                &Request {
                    trust: &[],
                    chain: &e.chain,
                    host: HostCheck::None,
                    at: policy.at,
                },
            );
            let top = e
                .chain
                .last()
                .map(|c| c.issuer.to_string())
                .unwrap_or_default();
            uncovered.push(Uncovered {
                endpoint: e.name.clone(),
                reason: format!(
                    "no root in the store makes {} accept this chain (its top certificate is issued by '{top}'){}",
                    profile.name(),
                    v.reasons.first().map(|r| format!("; {}", r.message())).unwrap_or_default()
                ),
            });
        } else if !durably {
            let who: Vec<String> = (0..offers.len())
                .filter(|i| matrix[*i][ei])
                .map(|i| {
                    format!(
                        "{} (expires {})",
                        offers[i].anchor.label(),
                        crate::cert::format_date(expiry(&offers[i].anchor))
                    )
                })
                .collect();
            notes.push(format!(
                "{}: only anchors that expire before {} cover it today: {}; they are used, but the server's chain must change before then",
                e.name,
                crate::cert::format_date(policy.until),
                who.join(", ")
            ));
        }
        if mode == TrustMode::Bundle {
            if let Some(top) = e.chain.last().filter(|c| !c.is_self_issued()) {
                let same_root = offers.iter().any(|o| {
                    o.anchor.subject_raw() == top.subject_raw()
                        && o.anchor.spki_raw() == top.spki_raw()
                });
                if same_root {
                    notes.push(format!(
                        "{}: the chain ends in a cross-signed '{}' issued by '{}'; ESP-IDF's bundle looks up that issuer, so '{}' itself does not cover this chain in bundle mode",
                        e.name,
                        top.subject.short(),
                        top.issuer.short(),
                        top.subject.short()
                    ));
                }
            }
        }
    }
    // Durable offers only, unless an endpoint has no durable cover.
    let needs_fallback: Vec<usize> = (0..endpoints.len())
        .filter(|ei| !(0..offers.len()).any(|i| matrix[i][*ei] && durable(&offers[i])))
        .collect();
    for (i, row) in matrix.iter_mut().enumerate() {
        if !durable(&offers[i]) {
            for (ei, cell) in row.iter_mut().enumerate() {
                *cell = *cell && needs_fallback.contains(&ei);
            }
        }
    }
    // Candidates: offers covering something, plus durable common roots as backups.
    let mut idx: Vec<usize> = (0..offers.len())
        .filter(|i| {
            matrix[*i].iter().any(|x| *x)
                || (offers[*i].common && durable(&offers[*i]) && offers[*i].anchor.cert.is_some())
        })
        .collect();
    idx.retain(|i| policy.format.anchors_only() || offers[*i].anchor.cert.is_some());
    let cands: Vec<optimize::Candidate> = idx
        .iter()
        .map(|i| {
            let a = &offers[*i].anchor;
            let tie = match policy.prefer {
                Prefer::Smallest | Prefer::Longest => -expiry(a).min(i64::MAX / 4),
                Prefer::Ecdsa => i64::from(!matches!(a.key, crate::cert::KeyKind::Ec { .. })),
            };
            optimize::Candidate {
                owner: offers[*i].owner.clone(),
                cost: policy.format.anchor_cost(a),
                covers: matrix[*i].clone(),
                tie,
            }
        })
        .collect();
    let solutions = optimize::solve(&cands, endpoints.len(), policy.redundancy);
    let mut anchors = Vec::new();
    if let Some(best) = solutions.first() {
        for ci in &best.chosen {
            let o = &offers[idx[*ci]];
            let covered: Vec<String> = endpoints
                .iter()
                .enumerate()
                .filter(|(ei, _)| cands[*ci].covers[*ei])
                .map(|(_, e)| e.name.clone())
                .collect();
            anchors.push(Choice {
                subject: o.anchor.subject.to_string(),
                owner: o.owner.clone(),
                key: o.anchor.key.describe(),
                expires: o.anchor.cert.as_ref().map(|c| format_time(c.not_after)),
                bytes: cands[*ci].cost,
                der_bytes: o.anchor.cert.as_ref().map(|c| c.der().len()),
                esp_record_bytes: o.anchor.esp_record_len(),
                role: if covered.is_empty() {
                    "backup"
                } else {
                    "cover"
                },
                covers: covered,
                anchor: o.anchor.clone(),
            });
        }
    } else if !cands.is_empty() {
        notes.push(format!(
            "no set spans {} distinct CA owners among the candidates",
            policy.redundancy
        ));
    }
    anchors.sort_by_key(|a| a.role == "backup");
    let total_bytes = policy.format.overhead() + anchors.iter().map(|a| a.bytes).sum::<usize>();
    let runner_up = solutions.get(1).map(|s| {
        (
            s.chosen
                .iter()
                .map(|ci| offers[idx[*ci]].anchor.label())
                .collect(),
            policy.format.overhead() + s.cost,
        )
    });
    Plan {
        schema: SCHEMA,
        profile: profile.summary(),
        format: policy.format,
        until: format_time(policy.until),
        within_budget: policy.budget.is_none_or(|b| total_bytes <= b),
        budget: policy.budget,
        anchors,
        total_bytes,
        runner_up,
        uncovered,
        notes,
    }
}

/// Re-verifies every endpoint against the anchors read back from a written bundle; returns the
/// endpoints that fail.
pub fn round_trip(
    read_back: &[TrustAnchor],
    endpoints: &[Endpoint],
    policy: &Policy,
) -> Vec<String> {
    let mode = if policy.format.is_esp_bundle() {
        TrustMode::Bundle
    } else {
        TrustMode::CertPem
    };
    let profile = policy.profile.clone().with_trust_mode(mode);
    endpoints
        .iter()
        .filter(|e| match &e.accept {
            Some(acc) => !read_back
                .iter()
                .any(|a| acc.iter().any(|k| k == a.spki_raw())),
            None => {
                !verify(
                    &profile,
                    &Request {
                        trust: read_back,
                        chain: &e.chain,
                        host: HostCheck::None,
                        at: policy.at,
                    },
                )
                .ok
            }
        })
        .map(|e| e.name.clone())
        .collect()
}
