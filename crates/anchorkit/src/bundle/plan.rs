//! Planning: the coverage matrix from the verification engine, then the exact optimum.
//!
//! Every endpoint gives the optimizer two columns:
//! - **today**: the device, under the profile with the trust mode the format implies (bundle
//!   callback for the ESP bundles, CA list otherwise) and its own time setting, accepts the
//!   served chain with that anchor alone at `at`;
//! - **end of the lifetime**: the same at `until` with time checks on, the anchor held to its
//!   own dates, and the chain as the server will serve it then: leaf and intermediates renewed
//!   (their dates do not count), root-level certificates it sends (a cross-signed root, a
//!   self-signed root) kept with their real dates and dropped once expired, as servers do.
//!
//! The two can need different anchors: in ESP bundle mode a chain topped by a cross-signed
//! root is looked up by the cross-sign's issuer today, and by the root itself once the
//! cross-sign has expired. The redundancy applies to the end column: its covers and the
//! backups (durable ESP-IDF common CAs) must span that many owners. An endpoint nothing covers
//! at the end falls back to today's column alone, with a note.

use std::collections::BTreeMap;

use super::formats::{self, OutputFormat};
use super::optimize::{self, Candidate};
use super::report::{
    Choice, EndpointReport, LifetimeReport, Note, Plan, Role, RunnerUp, SCHEMA, Uncovered,
};
use crate::anchor::TrustAnchor;
use crate::cert::{Certificate, KeyKind, format_time};
use crate::profile::Profile;
use crate::store::Store;
use crate::verify::{HostCheck, Request, verify};

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

/// Tie-breaking preference among sets of equal size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefer {
    /// Fewest anchors.
    Smallest,
    /// Longest-lived anchors.
    Longest,
    /// ECDSA anchors.
    Ecdsa,
}

impl Prefer {
    /// Parses `smallest`, `longest` or `ecdsa`.
    pub fn from_name(s: &str) -> Option<Prefer> {
        match s {
            "smallest" => Some(Prefer::Smallest),
            "longest" => Some(Prefer::Longest),
            "ecdsa" => Some(Prefer::Ecdsa),
            _ => None,
        }
    }

    /// The per-anchor tie key (summed over a set, smaller wins).
    fn tie(self, a: &TrustAnchor) -> i64 {
        match self {
            Prefer::Smallest => 1,
            Prefer::Longest => -(expiry(a).min(i64::MAX / 1024) / 86_400),
            Prefer::Ecdsa => i64::from(!matches!(a.key, KeyKind::Ec { .. })),
        }
    }
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
    /// Every chosen anchor must stay usable until then.
    pub until: i64,
    /// Distinct CA owners each endpoint must be able to fall back to.
    pub redundancy: usize,
    /// Flash budget in bytes.
    pub budget: Option<usize>,
    /// Tie-breaking.
    pub prefer: Prefer,
    /// The events a durable cover must survive (served-chain changes, cross-sign ends); None
    /// judges the end of the lifetime on today's chain alone.
    pub timeline: Option<std::sync::Arc<Timeline>>,
}

/// Events and the certificates they name, for planning with served-chain changes.
#[derive(Debug, Clone)]
pub struct Timeline {
    /// The events.
    pub events: crate::events::Events,
    /// Certificates the events name.
    pub pool: Vec<Certificate>,
}

impl Policy {
    /// The profile as the device runs it with this format.
    pub fn device_profile(&self) -> Profile {
        self.profile
            .clone()
            .with_trust_mode(self.format.trust_mode())
    }

    /// The profile for the end-of-lifetime check: time checks on.
    pub fn end_profile(&self) -> Profile {
        self.device_profile().with_time_check(true)
    }
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

/// When an anchor stops being valid (`i64::MAX` for a bare record: no dates are stored, and
/// the device never checks them).
pub fn expiry(a: &TrustAnchor) -> i64 {
    a.cert.as_ref().map_or(i64::MAX, |c| c.not_after)
}

fn date(t: i64) -> String {
    crate::cert::format_date(t)
}

/// Whether a served certificate is root-level (its subject and key are a root's: self-issued,
/// or a cross-signed copy of one of the offered roots).
fn root_level(c: &Certificate, offers: &[Offer]) -> bool {
    c.is_self_issued()
        || offers.iter().any(|o| {
            o.anchor.subject_raw() == c.subject_raw() && o.anchor.spki_raw() == c.spki_raw()
        })
}

/// The served chain as the server will send it at `until`: leaf and intermediates renewed
/// (their own dates no longer count), root-level certificates kept with their dates until they
/// expire and then dropped, with everything above them.
pub fn chain_at_end(chain: &[Certificate], offers: &[Offer], until: i64) -> Vec<Certificate> {
    let mut out = Vec::new();
    for (i, c) in chain.iter().enumerate() {
        if i > 0 && root_level(c, offers) {
            if c.not_after < until {
                break;
            }
            out.push(c.clone());
        } else {
            out.push(c.with_not_after(i64::MAX));
        }
    }
    out
}

fn accepts(p: &Profile, trust: &[TrustAnchor], chain: &[Certificate], at: i64) -> bool {
    let chain = crate::cert::entries(chain);
    verify(
        p,
        &Request {
            trust,
            chain: &chain,
            host: HostCheck::None,
            at,
        },
    )
    .ok
}

/// Coverage today and at the end of the lifetime, for one anchor and one endpoint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cover {
    /// The device accepts today's served chain with this anchor alone.
    pub now: bool,
    /// The device accepts the end-of-lifetime chain with it, and it has not expired by then.
    pub end: bool,
}

/// Whether an anchor could take part in verifying a chain at all: its name is the issuer of
/// a certificate in it, or it is one of its certificates (a pinned leaf). The engine decides
/// the rest; this only spares it the anchors of unrelated CAs.
fn may_anchor(a: &TrustAnchor, a_loose: &str, chain: &[Certificate], issuers: &[String]) -> bool {
    issuers.iter().any(|i| i == a_loose)
        || chain
            .iter()
            .any(|c| c.subject_raw() == a.subject_raw() && c.spki_raw() == a.spki_raw())
}

/// The coverage matrix `[offer][endpoint]` under the policy.
pub fn coverage(endpoints: &[Endpoint], offers: &[Offer], policy: &Policy) -> Vec<Vec<Cover>> {
    let now_p = policy.device_profile();
    let end_p = policy.end_profile();
    let later: Vec<Vec<Certificate>> = endpoints
        .iter()
        .map(|e| chain_at_end(&e.chain, offers, policy.until))
        .collect();
    let issuers: Vec<Vec<String>> = endpoints
        .iter()
        .map(|e| e.chain.iter().map(|c| c.issuer.loose()).collect())
        .collect();
    // The plan judges Mbed TLS paths; other stacks keep today's-chain judgement.
    let planner = policy
        .timeline
        .as_ref()
        .filter(|_| policy.profile.mbedtls.is_some())
        .map(|t| crate::plan::Planner::new(&t.events, &t.pool, policy.at, policy.until));
    let known: Vec<bool> = endpoints
        .iter()
        .map(|e| {
            // Known to the events, and every certificate they name was given.
            planner.as_ref().is_some_and(|p| {
                e.accept.is_none()
                    && p.knows(&e.chain)
                    && p.first_break(&e.chain, &[], &end_p).is_ok()
            })
        })
        .collect();
    offers
        .iter()
        .map(|o| {
            let lasts = expiry(&o.anchor) >= policy.until;
            let o_loose = o.anchor.subject.loose();
            endpoints
                .iter()
                .zip(&later)
                .zip(&issuers)
                .zip(&known)
                .map(|(((e, later), issuers), known)| {
                    if let Some(acc) = &e.accept {
                        let now = acc.iter().any(|k| k == o.anchor.spki_raw());
                        return Cover {
                            now,
                            end: now && lasts,
                        };
                    }
                    if !may_anchor(&o.anchor, &o_loose, &e.chain, issuers) {
                        return Cover::default();
                    }
                    let trust = std::slice::from_ref(&o.anchor);
                    let now = accepts(&now_p, trust, &e.chain, policy.at);
                    // With events: it covers the end when the device still connects to the
                    // chain the events expect at the end (the chosen set is then checked
                    // through every change in between); otherwise judged on today's chain.
                    let end = match (&planner, known) {
                        (Some(pl), true) => {
                            lasts && matches!(pl.works_at_end(&e.chain, trust, &end_p), Ok(true))
                        }
                        _ => lasts && accepts(&end_p, trust, later, policy.until),
                    };
                    Cover { now, end }
                })
                .collect()
        })
        .collect()
}

/// Whether the format can hold the anchor at all.
fn writable(format: OutputFormat, a: &TrustAnchor) -> bool {
    match format {
        OutputFormat::Bearssl => formats::bearssl_key(a).is_ok(),
        f if f.anchors_only() => true,
        _ => a.cert.is_some(),
    }
}

fn bytes_by_format(a: &TrustAnchor) -> BTreeMap<&'static str, usize> {
    OutputFormat::ALL
        .into_iter()
        .filter(|f| writable(*f, a))
        .map(|f| (f.name(), f.anchor_cost(a)))
        .collect()
}

fn explain_uncovered(e: &Endpoint, offers: &[Offer], policy: &Policy) -> Uncovered {
    if e.accept.is_some() {
        return Uncovered {
            endpoint: e.name.clone(),
            reason: format!(
                "none of this CA's roots can be written as {}",
                policy.format.name()
            ),
            code: None,
        };
    }
    let p = policy.device_profile();
    let served = crate::cert::entries(&e.chain);
    let v = verify(
        &p,
        &Request {
            trust: &[],
            chain: &served,
            host: HostCheck::None,
            at: policy.at,
        },
    );
    let top = e.chain.last();
    let issuer = top.map(|c| c.issuer.short()).unwrap_or_default();
    let mut reason = format!(
        "no root among the candidates makes {} accept this chain; its top certificate is issued by '{issuer}'",
        p.name()
    );
    if let Some(r) = v.reasons.first() {
        reason.push_str(&format!(" ({})", r.message()));
    }
    if policy.format.is_esp_bundle() {
        if let Some(t) = top.filter(|c| !c.is_self_issued()) {
            let own = offers.iter().any(|o| {
                o.anchor.subject_raw() == t.subject_raw() && o.anchor.spki_raw() == t.spki_raw()
            });
            if own {
                reason.push_str(&format!(
                    "; in bundle mode the record of '{issuer}' is needed, not that of '{}' (the top certificate is a cross-sign); drop the cross-sign from the served chain, or add '{issuer}'",
                    t.subject.short()
                ));
            }
        }
    }
    Uncovered {
        endpoint: e.name.clone(),
        reason,
        code: Some(v.code),
    }
}

/// The name the store gives an anchor (its ESP-IDF heading or Mozilla label), else its short
/// subject.
pub fn anchor_name(a: &TrustAnchor) -> String {
    Store::mozilla()
        .by_subject(a.subject_raw())
        .find(|(_, r)| r.anchor.spki_raw() == a.spki_raw())
        .map_or_else(
            || a.label(),
            |(_, r)| {
                r.esp
                    .as_ref()
                    .map_or_else(|| r.name(), |e| e.name.to_string())
            },
        )
}

/// Notes about how the chain changes by the end of the lifetime, and about bundle-mode
/// lookups of a cross-signed top.
fn chain_notes(e: &Endpoint, offers: &[Offer], policy: &Policy, notes: &mut Vec<Note>) {
    if e.accept.is_some() {
        return;
    }
    let later = chain_at_end(&e.chain, offers, policy.until);
    if later.len() < e.chain.len() {
        if let (Some(dropped), Some(new_top)) = (e.chain.get(later.len()), later.last()) {
            notes.push(Note::ChainWillChange {
                endpoint: e.name.clone(),
                dropped: dropped.subject.short(),
                dropped_issuer: dropped.issuer.short(),
                expires: date(dropped.not_after),
                new_top_issuer: new_top.issuer.short(),
            });
        }
    }
    if policy.format.is_esp_bundle() {
        if let Some(top) = e.chain.last().filter(|c| !c.is_self_issued()) {
            if root_level(top, offers) {
                notes.push(Note::CrossSignedTop {
                    endpoint: e.name.clone(),
                    top: top.subject.short(),
                    issuer: top.issuer.short(),
                });
            }
        }
    }
}

/// Plans the bundle: coverage by the engine, then the exact optimum.
pub fn plan(endpoints: &[Endpoint], offers: &[Offer], policy: &Policy) -> Plan {
    let mut notes = Vec::new();
    let usable_offers: Vec<Offer> = offers
        .iter()
        .filter(|o| writable(policy.format, &o.anchor))
        .cloned()
        .collect();
    if usable_offers.len() < offers.len() {
        notes.push(Note::Unwritable {
            count: offers.len() - usable_offers.len(),
            format: policy.format.name().into(),
        });
    }
    let cov = coverage(endpoints, &usable_offers, policy);
    let lasts = |o: &Offer| expiry(&o.anchor) >= policy.until;
    let redundancy = policy.redundancy.max(1);
    // Two columns per endpoint: today (2e) and the end of the lifetime (2e + 1).
    let mut wanted = vec![0; 2 * endpoints.len()];
    let mut durable_ep = vec![false; endpoints.len()];
    let mut uncovered = Vec::new();
    for (ei, e) in endpoints.iter().enumerate() {
        let any_now = cov.iter().any(|r| r[ei].now);
        let any_end = cov.iter().any(|r| r[ei].end);
        durable_ep[ei] = any_now && any_end;
        chain_notes(e, offers, policy, &mut notes);
        if !any_now {
            uncovered.push(explain_uncovered(e, offers, policy));
            continue;
        }
        if any_end {
            wanted[2 * ei] = 1;
            wanted[2 * ei + 1] = redundancy;
        } else {
            wanted[2 * ei] = redundancy;
            notes.push(Note::NotDurable {
                endpoint: e.name.clone(),
                anchors: usable_offers
                    .iter()
                    .zip(&cov)
                    .filter(|(_, r)| r[ei].now)
                    .map(|(o, _)| {
                        format!(
                            "{} (expires {})",
                            anchor_name(&o.anchor),
                            date(expiry(&o.anchor))
                        )
                    })
                    .collect(),
                until: date(policy.until),
            });
        }
    }
    let column = |r: &[Cover]| -> Vec<bool> { r.iter().flat_map(|c| [c.now, c.end]).collect() };
    // Candidates: anchors that cover a column, and durable common roots as backups.
    let idx: Vec<usize> = (0..usable_offers.len())
        .filter(|&i| {
            cov[i].iter().any(|c| c.now || c.end)
                || (usable_offers[i].common && lasts(&usable_offers[i]))
        })
        .collect();
    let cands: Vec<Candidate> = idx
        .iter()
        .map(|&i| {
            let o = &usable_offers[i];
            Candidate {
                owner: o.owner.clone(),
                cost: policy.format.anchor_cost(&o.anchor),
                covers: column(&cov[i]),
                backup: o.common && lasts(o),
                tie: policy.prefer.tie(&o.anchor),
            }
        })
        .collect();
    let out = optimize::solve_columns(&cands, &wanted, optimize::NODE_LIMIT);
    for (col, possible) in &out.short {
        notes.push(Note::RedundancyShort {
            endpoint: endpoints
                .get(col / 2)
                .map(|x| x.name.clone())
                .unwrap_or_default(),
            wanted: redundancy,
            possible: *possible,
        });
    }
    if !out.exact {
        notes.push(Note::NotProvenOptimal { nodes: out.nodes });
    }
    let names_where = |ci: usize, end: bool| -> Vec<String> {
        endpoints
            .iter()
            .enumerate()
            .filter(|(ei, _)| {
                let col = 2 * ei + usize::from(end);
                wanted[2 * ei] > 0 && cands[ci].covers[col]
            })
            .map(|(_, e)| e.name.clone())
            .collect()
    };
    let mut anchors: Vec<Choice> = Vec::new();
    if let Some(best) = &out.best {
        for &ci in &best.chosen {
            let o = &usable_offers[idx[ci]];
            let covers = names_where(ci, false);
            let covers_at_end = names_where(ci, true);
            anchors.push(Choice {
                name: anchor_name(&o.anchor),
                subject: o.anchor.subject.to_string(),
                owner: o.owner.clone(),
                key: o.anchor.key.describe(),
                expires: o.anchor.cert.as_ref().map(|c| format_time(c.not_after)),
                bytes: cands[ci].cost,
                bytes_by_format: bytes_by_format(&o.anchor),
                der_bytes: o.anchor.cert.as_ref().map(|c| c.der().len()),
                esp_record_bytes: o.anchor.esp_record_len(),
                role: if covers.is_empty() && covers_at_end.is_empty() {
                    Role::Backup
                } else {
                    Role::Cover
                },
                covers,
                covers_at_end,
                common: cands[ci].backup,
                anchor: o.anchor.clone(),
            });
        }
    }
    anchors.sort_by_key(|a| a.role == Role::Backup);
    let endpoint_reports = endpoints
        .iter()
        .enumerate()
        .map(|(ei, e)| {
            let mut owners: Vec<String> = anchors
                .iter()
                .filter(|a| {
                    a.common
                        || if durable_ep[ei] {
                            a.covers_at_end.contains(&e.name)
                        } else {
                            a.covers.contains(&e.name)
                        }
                })
                .map(|a| a.owner.clone())
                .collect();
            owners.sort();
            owners.dedup();
            let by = |end: bool| -> Vec<String> {
                anchors
                    .iter()
                    .filter(|a| {
                        if end {
                            a.covers_at_end.contains(&e.name)
                        } else {
                            a.covers.contains(&e.name)
                        }
                    })
                    .map(|a| a.name.clone())
                    .collect()
            };
            EndpointReport {
                name: e.name.clone(),
                covered_by: by(false),
                covered_at_end_by: by(true),
                owners,
                durable: durable_ep[ei],
            }
        })
        .collect();
    let chosen: Vec<TrustAnchor> = anchors.iter().map(|a| a.anchor.clone()).collect();
    let total_bytes = policy.format.total_cost(&chosen);
    let runner_up = out.runner_up.as_ref().map(|s| RunnerUp {
        anchors: s
            .chosen
            .iter()
            .map(|&ci| anchor_name(&usable_offers[idx[ci]].anchor))
            .collect(),
        total_bytes: policy.format.overhead() + s.cost,
    });
    if let (Some(t), None) = (&policy.timeline, policy.profile.mbedtls) {
        let pl = crate::plan::Planner::new(&t.events, &t.pool, policy.at, policy.until);
        for e in endpoints
            .iter()
            .filter(|e| e.accept.is_none() && pl.knows(&e.chain))
        {
            notes.push(Note::EventsNotApplied {
                endpoint: e.name.clone(),
                profile: policy.profile.name().to_string(),
            });
        }
    }
    let lifetime = match policy
        .timeline
        .as_ref()
        .filter(|_| policy.profile.mbedtls.is_some())
    {
        Some(t) => {
            let pl = crate::plan::Planner::new(&t.events, &t.pool, policy.at, policy.until);
            let p = policy.device_profile();
            let runner: Vec<TrustAnchor> = out
                .runner_up
                .as_ref()
                .map(|s| {
                    s.chosen
                        .iter()
                        .map(|&ci| usable_offers[idx[ci]].anchor.clone())
                        .collect()
                })
                .unwrap_or_default();
            let brk = |trust: &[TrustAnchor], e: &Endpoint| -> (String, bool) {
                match pl.first_break(&e.chain, trust, &p) {
                    Ok(None) => ("works to the end".to_string(), true),
                    Ok(Some(b)) => (format!("breaks {}: {}", b.date_text, b.cause), false),
                    Err(err) => (err.to_string(), false),
                }
            };
            endpoints
                .iter()
                .filter(|e| e.accept.is_none() && pl.knows(&e.chain))
                .map(|e| {
                    let (chosen_text, durable) = brk(&chosen, e);
                    LifetimeReport {
                        endpoint: e.name.clone(),
                        chosen: chosen_text,
                        runner_up: (!runner.is_empty()).then(|| brk(&runner, e).0),
                        durable,
                    }
                })
                .collect()
        }
        None => Vec::new(),
    };
    Plan {
        schema: SCHEMA,
        profile: policy.device_profile().summary(),
        format: policy.format,
        at: format_time(policy.at),
        until: format_time(policy.until),
        redundancy,
        within_budget: policy.budget.is_none_or(|b| total_bytes <= b),
        budget: policy.budget,
        anchors,
        total_bytes,
        runner_up,
        endpoints: endpoint_reports,
        uncovered,
        notes,
        exact: out.exact,
        lifetime,
    }
}

/// Re-verifies every endpoint against anchors read back from a written bundle, at `at` under
/// the device profile; returns the endpoints that fail.
pub fn round_trip(
    read_back: &[TrustAnchor],
    endpoints: &[Endpoint],
    policy: &Policy,
) -> Vec<String> {
    let now_p = policy.device_profile();
    endpoints
        .iter()
        .filter(|e| match &e.accept {
            Some(acc) => !read_back
                .iter()
                .any(|a| acc.iter().any(|k| k == a.spki_raw())),
            None => !accepts(&now_p, read_back, &e.chain, policy.at),
        })
        .map(|e| e.name.clone())
        .collect()
}

/// [`round_trip`], and for every endpoint the plan found durable, the same at the end of the
/// lifetime (time checks on, the chain as [`chain_at_end`] says, anchors that expire before
/// then removed).
pub fn round_trip_plan(
    read_back: &[TrustAnchor],
    endpoints: &[Endpoint],
    plan: &Plan,
    policy: &Policy,
) -> Vec<String> {
    let mut failed = round_trip(read_back, endpoints, policy);
    let end_p = policy.end_profile();
    // What counts as a root-level certificate: the read-back anchors and the Mozilla roots.
    let mut offers = store_offers(Store::mozilla());
    offers.extend(read_back.iter().map(|a| Offer {
        anchor: a.clone(),
        owner: String::new(),
        common: false,
    }));
    let lasting: Vec<TrustAnchor> = read_back
        .iter()
        .filter(|a| expiry(a) >= policy.until)
        .cloned()
        .collect();
    for (e, r) in endpoints.iter().zip(&plan.endpoints) {
        if !r.durable {
            continue;
        }
        let ok = match &e.accept {
            Some(acc) => lasting
                .iter()
                .any(|a| acc.iter().any(|k| k == a.spki_raw())),
            None => accepts(
                &end_p,
                &lasting,
                &chain_at_end(&e.chain, &offers, policy.until),
                policy.until,
            ),
        };
        if !ok {
            failed.push(format!("{} (at the end of the lifetime)", e.name));
        }
    }
    failed
}
