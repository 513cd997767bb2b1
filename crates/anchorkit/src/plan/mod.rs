//! `plan`: will the device keep connecting for its whole life? For each endpoint, firmware
//! trust set and profile, time is walked over every event and certificate boundary; at each
//! date the verify engine judges the chain the endpoint is expected to serve then.
//!
//! The model (see `docs/plan.md`):
//! - a chain endpoint serves its captured chain until the next chain change of its CA (events
//!   of kind `chain-change` for its leaf key class), then the certificates that event names;
//!   a CA endpoint (`--ca`) serves the chain of the latest chain change, or ends at the root of
//!   the latest `anchor-change`;
//! - the leaf is assumed renewed in time, so the verdict is on the certificates above it (the
//!   first of them taking the leaf's place), and the first intermediate is assumed replaced by
//!   a successor under the same issuer before it expires (the date is clamped to its validity);
//! - a server switches to a new chain at the latest one leaf lifetime after the CA does (the
//!   lifetime in force then): a break is reported from the event's date (earliest) with that
//!   latest date beside it;
//! - a trusted self-signed certificate that the server sends as its leaf (a pinned leaf)
//!   breaks at the leaf's renewal, by its notAfter at the latest; a CA-issued leaf in the trust
//!   list is judged by the engine (Mbed TLS never trusts one).

use std::collections::HashMap;

use serde::Serialize;

use crate::anchor::TrustAnchor;
use crate::cert::{Certificate, ChainEntry, KeyKind, format_date};
use crate::events::{Event, Events, KeyClass, Kind};
use crate::intake::Origin;
use crate::profile::Profile;
use crate::store::Store;
use crate::verify::{HostCheck, Request, verify};

/// A firmware version's trust.
#[derive(Debug, Clone)]
pub struct Firmware {
    /// Its label (`v1.2`, or the trust file).
    pub label: String,
    /// Its anchors.
    pub trust: Vec<TrustAnchor>,
}

/// What an endpoint serves.
#[derive(Debug, Clone)]
pub enum Served {
    /// A captured or given chain, leaf first, as of the plan's start.
    Chain(Vec<Certificate>),
    /// Any server of this CA (an events CA id) with leaves of this key class.
    Ca(String, KeyClass),
    /// Any server whose chains end at this root (a CA no events describe).
    Root(Certificate),
}

/// An endpoint.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Its label.
    pub name: String,
    /// What it serves.
    pub served: Served,
    /// The update (OTA) server: the fix must ship before it breaks.
    pub ota: bool,
}

/// Why the plan cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// An event names a certificate that was not given.
    #[error(
        "event '{event}' ({date}) names certificate {sha256}, which is neither compiled in nor among the certificates given; add it with --certs DIR"
    )]
    MissingCertificate {
        /// The event's text.
        event: String,
        /// Its date.
        date: String,
        /// The certificate.
        sha256: String,
    },
    /// A CA id that no events describe.
    #[error("--ca '{0}': no events describe this CA (known: {1})")]
    UnknownCa(String, String),
    /// A served chain without certificates.
    #[error("{0}: the served chain has no certificate")]
    EmptyChain(String),
    /// A profile the plan cannot judge.
    #[error(
        "{0}: plan models Mbed TLS based profiles (it judges the chain above a renewed leaf by Mbed TLS path flags)"
    )]
    Unsupported(String),
}

/// A stretch of time with one verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Segment {
    /// From (Unix seconds).
    pub from: i64,
    /// To (exclusive).
    pub to: i64,
    /// The device connects.
    pub ok: bool,
    /// The verdict in a few words.
    pub why: String,
    /// What the server is expected to send above its leaf (subjects), or the root it ends at.
    pub served: Vec<String>,
}

/// The first date the device stops connecting.
#[derive(Debug, Clone, Serialize)]
pub struct Break {
    /// The earliest date (Unix seconds).
    pub date: i64,
    /// `YYYY-MM-DD`.
    pub date_text: String,
    /// When every server has switched, at the latest (a chain change within one leaf
    /// lifetime, or a migration window's end).
    pub latest: i64,
    /// `YYYY-MM-DD`.
    pub latest_text: String,
    /// In plain words.
    pub cause: String,
    /// The event's source, when an event causes it.
    pub source: Option<String>,
    /// announced, observed or inferred (for events).
    pub status: Option<String>,
}

/// A fix re-verified by the engine.
#[derive(Debug, Clone, Serialize)]
pub struct Fix {
    /// Anchors to add (subjects).
    pub add: Vec<String>,
    /// With them, the next break (None: works until the end).
    pub then_breaks: Option<Break>,
}

/// One endpoint x firmware x profile.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// The endpoint.
    pub endpoint: String,
    /// It is the update server.
    pub ota: bool,
    /// The firmware.
    pub firmware: String,
    /// The profile.
    pub profile: String,
    /// Works at the start.
    pub ok_now: bool,
    /// The first break within the plan, if any.
    pub breaks: Option<Break>,
    /// The verdict over time.
    pub segments: Vec<Segment>,
    /// The fix, when it breaks.
    pub fix: Option<Fix>,
    /// The same with the time-check setting flipped (Mbed TLS profiles): the first break.
    pub time_check_flipped: Option<Flipped>,
}

/// The other time-check setting.
#[derive(Debug, Clone, Serialize)]
pub struct Flipped {
    /// Time checks on in the flipped run.
    pub time_check: bool,
    /// Its first break.
    pub breaks: Option<Break>,
}

/// The plan.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// Start (Unix seconds).
    pub from: i64,
    /// End.
    pub until: i64,
    /// One row per endpoint, firmware and profile.
    pub rows: Vec<Row>,
    /// Per firmware: the date an update must ship by (the OTA endpoint's first break), when an
    /// OTA endpoint is marked and breaks.
    pub update_by: Vec<(String, String)>,
    /// Validity of the anchors and of the certificates served over the plan (for pictures).
    pub certificates: Vec<Bar>,
    /// The events within the plan's span that concern its endpoints.
    pub events: Vec<Mark>,
    /// Served chains completed from the compiled-in known intermediates, one note each.
    pub completed: Vec<String>,
}

/// A certificate's validity.
#[derive(Debug, Clone, Serialize)]
pub struct Bar {
    /// `anchor` (with the firmware label) or `served`.
    pub kind: String,
    /// The firmware, for anchors.
    pub firmware: Option<String>,
    /// Subject.
    pub subject: String,
    /// notBefore.
    pub not_before: i64,
    /// notAfter.
    pub not_after: i64,
}

/// An event on the timeline.
#[derive(Debug, Clone, Serialize)]
pub struct Mark {
    /// Unix seconds.
    pub at: i64,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// The CA or service.
    pub ca: String,
    /// In plain words.
    pub text: String,
    /// Where it is announced or seen.
    pub source: String,
    /// announced, observed or inferred.
    pub status: String,
}

/// The inputs.
pub struct Input<'a> {
    /// Firmware versions.
    pub firmware: &'a [Firmware],
    /// Endpoints.
    pub endpoints: &'a [Endpoint],
    /// Profiles.
    pub profiles: &'a [Profile],
    /// Start (ship date or now).
    pub from: i64,
    /// End of life.
    pub until: i64,
    /// Events.
    pub events: &'a Events,
    /// Certificates the events name (and fix candidates beyond the Mozilla store).
    pub pool: &'a [Certificate],
}

struct Ctx<'a> {
    events: &'a Events,
    pool: &'a [Certificate],
    from: i64,
    until: i64,
    by_sha: HashMap<String, Certificate>,
    /// Chain and anchor changes per (CA, leaf key class), sorted by date: looked up by binary
    /// search, so the plan is near-linear in the number of events.
    by_ca: HashMap<(String, KeyClass), Vec<&'a Event>>,
    /// Synthetic renewed leaves, per issuer (SHA-256) and leaf key.
    leaves: std::cell::RefCell<LeafCache>,
}

/// One judgement: accepted, why, the chain served.
type Judged = (bool, String, Vec<String>);
/// The change in force (by identity) and the validity interval a date falls in.
type JudgeKey = (Option<*const Event>, usize);

type LeafCache = HashMap<([u8; 32], Option<Vec<u8>>), Option<crate::synth::Leaf>>;

impl<'a> Ctx<'a> {
    fn new(
        events: &'a Events,
        pool: &'a [Certificate],
        from: i64,
        until: i64,
        more: impl Iterator<Item = Certificate>,
    ) -> Ctx<'a> {
        let mut by_sha = HashMap::new();
        for c in pool.iter().cloned().chain(more) {
            by_sha.insert(hex::encode_upper(c.sha256()), c);
        }
        let builtin = Store::mozilla()
            .roots()
            .iter()
            .filter_map(|r| r.anchor.cert.as_ref())
            .chain(crate::store::known::all().iter().map(|k| &k.cert));
        for c in builtin {
            by_sha
                .entry(hex::encode_upper(c.sha256()))
                .or_insert_with(|| c.clone());
        }
        let mut by_ca: HashMap<(String, KeyClass), Vec<&'a Event>> = HashMap::new();
        for e in events
            .events
            .iter()
            .filter(|e| matches!(e.kind, Kind::ChainChange | Kind::AnchorChange))
        {
            let classes: &[KeyClass] = match e.key {
                KeyClass::Any => &[KeyClass::Rsa, KeyClass::Ecdsa, KeyClass::Any],
                k => {
                    if k == KeyClass::Rsa {
                        &[KeyClass::Rsa]
                    } else {
                        &[KeyClass::Ecdsa]
                    }
                }
            };
            for k in classes {
                by_ca.entry((e.ca.clone(), *k)).or_default().push(e);
            }
        }
        for v in by_ca.values_mut() {
            v.sort_by_key(|e| e.at);
        }
        Ctx {
            events,
            pool,
            from,
            until,
            by_sha,
            by_ca,
            leaves: std::cell::RefCell::new(HashMap::new()),
        }
    }
}

/// Judges one endpoint's life for many trust sets (the bundle planner's use): the certificates
/// are indexed once.
pub struct Planner<'a> {
    ctx: Ctx<'a>,
}

impl<'a> Planner<'a> {
    /// A planner over `events` from `from` to `until`, with `pool` for the certificates the
    /// events name.
    pub fn new(events: &'a Events, pool: &'a [Certificate], from: i64, until: i64) -> Self {
        Planner {
            ctx: Ctx::new(events, pool, from, until, std::iter::empty()),
        }
    }

    /// Whether the events describe the CA that issued this served chain (leaf first).
    pub fn knows(&self, chain: &[Certificate]) -> bool {
        let ep = Endpoint {
            name: String::new(),
            served: Served::Chain(chain.to_vec()),
            ota: false,
        };
        self.ctx.ca_of(&ep).is_some()
    }

    /// Whether a device trusting `trust` under `p` still connects to `chain`'s endpoint at the
    /// end (the chain the events expect then), whatever happens before.
    pub fn works_at_end(
        &self,
        chain: &[Certificate],
        trust: &[TrustAnchor],
        p: &Profile,
    ) -> Result<bool, PlanError> {
        let ep = Endpoint {
            name: String::new(),
            served: Served::Chain(chain.to_vec()),
            ota: false,
        };
        Ok(timeline(&self.ctx, &ep, trust, p)?
            .0
            .last()
            .is_some_and(|s| s.ok))
    }

    /// The first break of `chain`'s endpoint for a device trusting `trust` under `p`.
    pub fn first_break(
        &self,
        chain: &[Certificate],
        trust: &[TrustAnchor],
        p: &Profile,
    ) -> Result<Option<Break>, PlanError> {
        let ep = Endpoint {
            name: String::new(),
            served: Served::Chain(chain.to_vec()),
            ota: false,
        };
        Ok(timeline(&self.ctx, &ep, trust, p)?.1)
    }
}

/// The expected served certificates above the leaf, or the root a service ends at.
enum Expect {
    Chain(Vec<Certificate>),
    Root(Certificate),
}

impl<'a> Ctx<'a> {
    fn cert(&self, sha: &str, e: &Event) -> Result<Certificate, PlanError> {
        self.by_sha
            .get(&sha.to_ascii_uppercase())
            .cloned()
            .ok_or_else(|| PlanError::MissingCertificate {
                event: e.text.clone(),
                date: e.date.clone(),
                sha256: sha.to_string(),
            })
    }

    fn ca_of(&self, ep: &Endpoint) -> Option<(String, KeyClass)> {
        match &ep.served {
            Served::Ca(id, k) => Some((id.clone(), *k)),
            Served::Root(_) => None,
            Served::Chain(c) => {
                let leaf = c.first()?;
                let org = leaf.issuer.organization()?;
                let ca = self.events.ca_for_issuer_org(&org)?;
                let k = match leaf.key {
                    KeyKind::Rsa { .. } => KeyClass::Rsa,
                    _ => KeyClass::Ecdsa,
                };
                Some((ca.id.clone(), k))
            }
        }
    }

    /// The chain and anchor changes that concern `ca`'s leaves of key class `k`, by date.
    fn changes(&self, ca: &str, k: KeyClass) -> &[&'a Event] {
        self.by_ca
            .get(&(ca.to_string(), k))
            .map_or(&[], Vec::as_slice)
    }

    /// The last change at or before `at` (for a captured chain: after the start only), by
    /// binary search.
    fn last_change(&self, ep: &Endpoint, at: i64) -> Option<&'a Event> {
        let (id, k) = self.ca_of(ep)?;
        let list = self.changes(&id, k);
        let n = list.partition_point(|e| e.at <= at);
        let e = *list.get(n.checked_sub(1)?)?;
        match ep.served {
            // A given chain stands until the CA changes it after the start.
            Served::Chain(_) if e.at <= self.from => None,
            _ => Some(e),
        }
    }

    fn expect(&self, ep: &Endpoint, at: i64) -> Result<Expect, PlanError> {
        let last = self.last_change(ep, at);
        match (last, &ep.served) {
            (Some(e), _) if e.kind == Kind::AnchorChange => {
                let sha = e.sha256.clone().unwrap_or_default();
                Ok(Expect::Root(self.cert(&sha, e)?))
            }
            (Some(e), _) => {
                let chain = e
                    .chain
                    .iter()
                    .map(|h| self.cert(h, e))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Expect::Chain(chain))
            }
            (None, Served::Chain(c)) => {
                let above: Vec<Certificate> = c.iter().skip(1).cloned().collect();
                Ok(Expect::Chain(if above.is_empty() {
                    c.clone()
                } else {
                    above
                }))
            }
            (None, Served::Root(r)) => Ok(Expect::Root(r.clone())),
            (None, Served::Ca(id, _)) => Err(PlanError::UnknownCa(
                id.clone(),
                "no chain before this date".into(),
            )),
        }
    }

    /// The verdict at `at`: ok, why, what is served.
    fn judge(
        &self,
        ep: &Endpoint,
        trust: &[TrustAnchor],
        p: &Profile,
        at: i64,
    ) -> Result<Judged, PlanError> {
        // A pinned self-signed leaf (Mbed TLS trusts a self-signed end entity found in its CA
        // list; a CA-issued leaf never): it works until the server replaces it.
        if let Served::Chain(c) = &ep.served {
            if let Some(leaf) = c.first() {
                let pinned = trust.iter().any(|a| {
                    a.cert.as_ref().is_some_and(|x| x.der() == leaf.der())
                        && !leaf.is_ca()
                        && leaf.is_self_issued()
                });
                if pinned && !trust_covers_above(ep, trust, p, at)? {
                    let ok = at < leaf.not_after;
                    return Ok((
                        ok,
                        if ok {
                            "the trusted certificate is the server's leaf".into()
                        } else {
                            format!(
                                "the trusted certificate is the server's leaf, replaced at its renewal (notAfter {})",
                                format_date(leaf.not_after)
                            )
                        },
                        vec![leaf.subject.short()],
                    ));
                }
            }
        }
        match self.expect(ep, at)? {
            Expect::Root(root) => {
                let sha = root.sha256();
                let has = trust.iter().any(|a| {
                    a.cert.as_ref().is_some_and(|x| x.sha256() == sha)
                        || a.spki_raw() == root.spki_raw()
                });
                let expired = p.time_check
                    && trust
                        .iter()
                        .filter(|a| a.spki_raw() == root.spki_raw())
                        .all(|a| a.cert.as_ref().is_some_and(|x| x.not_after < at));
                let ok = has && !expired;
                let why = if !has {
                    format!(
                        "the service's chains end at {}, which the device does not trust",
                        root.subject.short()
                    )
                } else if expired {
                    format!(
                        "{} has expired and the device checks dates",
                        root.subject.short()
                    )
                } else {
                    format!("chains end at {}", root.subject.short())
                };
                Ok((ok, why, vec![root.subject.short()]))
            }
            Expect::Chain(chain) => self.judge_chain(ep, &chain, trust, p, at),
        }
    }

    /// The verdict on `chain` (what is served above the leaf) at `at`: a leaf the CA issues
    /// then is modelled below it ([`crate::synth`]) and the engine judges the whole chain, so
    /// a trusted intermediate is handled as the device's library handles it. The first
    /// certificate is assumed replaced by a successor under the same issuer before it expires,
    /// unless the device trusts it itself: then the CA stops issuing under it at its notAfter.
    fn judge_chain(
        &self,
        ep: &Endpoint,
        chain: &[Certificate],
        trust: &[TrustAnchor],
        p: &Profile,
        at: i64,
    ) -> Result<(bool, String, Vec<String>), PlanError> {
        let served: Vec<String> = chain.iter().map(|c| c.subject.short()).collect();
        let Some(first) = chain.first() else {
            return Ok((false, "nothing served".into(), served));
        };
        let pins = |c: &Certificate| {
            trust
                .iter()
                .any(|a| a.subject_raw() == c.subject_raw() && a.spki_raw() == c.spki_raw())
        };
        let pinned_first = first.is_ca() && !first.is_self_issued() && pins(first);
        if pinned_first && at > first.not_after {
            return Ok((
                false,
                format!(
                    "the device trusts the intermediate {}, which expires on {}: the CA issues under its successor, which the device does not trust",
                    first.subject.short(),
                    format_date(first.not_after)
                ),
                served,
            ));
        }
        // A CA serves a certificate once it is valid (an event dated the day of a notBefore
        // is judged from that instant).
        let when = if pinned_first {
            at
        } else {
            at.min((first.not_after - 1).max(self.from))
        }
        .max(first.not_before.min(at + 86_400));
        let leaf_key = match &ep.served {
            Served::Chain(c) => c.first().map(|l| l.spki_raw().to_vec()),
            Served::Ca(..) | Served::Root(_) => None,
        };
        // The renewed leaf is valid whenever its issuer is (its own dates do not matter: it is
        // renewed in time), so one model per issuer and key serves every date.
        let model = if first.is_ca() {
            let key = (first.sha256(), leaf_key.clone());
            let cached = self.leaves.borrow().get(&key).cloned();
            match cached {
                Some(m) => m,
                None => {
                    let m = crate::synth::leaf(
                        first,
                        leaf_key.as_deref(),
                        first.not_before,
                        first.not_after,
                        crate::synth::LEAF_HOST,
                    );
                    self.leaves.borrow_mut().insert(key, m.clone());
                    m
                }
            }
        } else {
            None
        };
        let v = match &model {
            Some(l) => {
                let entries: Vec<ChainEntry> = std::iter::once(&l.cert)
                    .chain(chain.iter())
                    .map(|c| ChainEntry::from_bytes(c.der()))
                    .collect();
                crate::crypto::assume_signed(&[l.signature()], || {
                    verify(
                        p,
                        &Request {
                            trust,
                            chain: &entries,
                            host: HostCheck::Name(crate::synth::LEAF_HOST),
                            at: when,
                        },
                    )
                })
            }
            None => {
                let entries: Vec<ChainEntry> = chain
                    .iter()
                    .map(|c| ChainEntry::from_bytes(c.der()))
                    .collect();
                verify(
                    p,
                    &Request {
                        trust,
                        chain: &entries,
                        host: HostCheck::Name("plan.anchorkit.invalid"),
                        at: when,
                    },
                )
            }
        };
        let ok = if model.is_some() { v.ok } else { path_ok(&v) };
        // The verification ran at `when`, inside the first intermediate's validity (it is
        // renewed); what is above it is not renewed that way: a device that checks dates
        // rejects the chain once the anchor (or a certificate the server keeps sending above
        // the first intermediate) has expired.
        if ok && p.time_check && when < at {
            let skip = usize::from(model.is_some()) + 1;
            let expired = v.path.iter().find_map(|e| {
                let c = match e.at {
                    crate::verify::CertRef::Chain(i) if i >= skip => {
                        chain.get(i - usize::from(model.is_some()))
                    }
                    crate::verify::CertRef::Trust(i) => trust.get(i).and_then(|a| a.cert.as_ref()),
                    crate::verify::CertRef::Chain(_) => None,
                }?;
                (c.not_after < at).then(|| c.clone())
            });
            if let Some(c) = expired {
                return Ok((
                    false,
                    format!(
                        "{} expired on {} and the device checks dates",
                        c.subject.short(),
                        format_date(c.not_after)
                    ),
                    served,
                ));
            }
        }
        let stale_pin = trust.iter().filter_map(|a| a.cert.as_ref()).find(|c| {
            c.is_ca()
                && !c.is_self_issued()
                && !chain
                    .iter()
                    .any(|s| pins(s) && s.subject_raw() == c.subject_raw())
        });
        let why = if ok {
            format!(
                "reaches {}",
                v.anchor
                    .as_ref()
                    .map_or(String::new(), |a| a.subject.clone())
            )
        } else if v.flag_names.iter().any(|f| f == "EXPIRED") {
            "a certificate on the path has expired and the device checks dates".into()
        } else if v.anchor.is_none() {
            let only_pins = trust
                .iter()
                .filter_map(|a| a.cert.as_ref())
                .all(|c| !c.is_self_issued());
            match stale_pin {
                Some(c) if only_pins && !chain.iter().any(pins) => format!(
                    "the device trusts the intermediate {}, but the CA now issues under {}: no trusted anchor (the chain ends at {})",
                    c.subject.short(),
                    first.subject.short(),
                    chain.last().map_or(String::new(), |c| c.issuer.short())
                ),
                _ => format!(
                    "no trusted anchor: the chain ends at {}",
                    chain.last().map_or(String::new(), |c| c.issuer.short())
                ),
            }
        } else {
            format!("rejected: {}", v.flag_names.join(", "))
        };
        Ok((ok, why, served))
    }
}

/// Whether the trust also covers the certificates above a pinned leaf (then the leaf pin is
/// not what keeps the device connecting).
fn trust_covers_above(
    ep: &Endpoint,
    trust: &[TrustAnchor],
    p: &Profile,
    at: i64,
) -> Result<bool, PlanError> {
    let Served::Chain(c) = &ep.served else {
        return Ok(false);
    };
    if c.len() < 2 {
        return Ok(false);
    }
    let others: Vec<TrustAnchor> = trust
        .iter()
        .filter(|a| a.cert.as_ref().is_none_or(|x| x.der() != c[0].der()))
        .cloned()
        .collect();
    if others.is_empty() {
        return Ok(false);
    }
    let entries: Vec<ChainEntry> = c[1..]
        .iter()
        .map(|x| ChainEntry::from_bytes(x.der()))
        .collect();
    let v = verify(
        p,
        &Request {
            trust: &others,
            chain: &entries,
            host: HostCheck::Name("plan.anchorkit.invalid"),
            at,
        },
    );
    Ok(path_ok(&v))
}

/// Verify flags that concern only the end entity (name, keyUsage, extendedKeyUsage, Netscape
/// type): the plan puts the first certificate above the leaf in the leaf's place, so these
/// say nothing about the renewed leaf.
const LEAF_ONLY_FLAGS: u32 = 0x04 | 0x0800 | 0x1000 | 0x2000;

/// Whether the path verifies, the first certificate standing for the renewed leaf.
fn path_ok(v: &crate::verify::Verdict) -> bool {
    v.anchor.is_some()
        && !v.path.is_empty()
        && v.path.iter().enumerate().all(|(i, e)| {
            let f = if i == 0 {
                e.flags & !LEAF_ONLY_FLAGS
            } else {
                e.flags
            };
            f == 0
        })
        && v.flags.unwrap_or(0) & !LEAF_ONLY_FLAGS & !v.path.iter().fold(0, |a, e| a | e.flags) == 0
}

/// The dates to judge at, and the certificate boundaries (every notBefore and notAfter + 1):
/// between two boundaries a given chain gets the same verdict.
fn date_points(ctx: &Ctx<'_>, ep: &Endpoint, trust: &[TrustAnchor]) -> (Vec<i64>, Vec<i64>) {
    let (from, until) = (ctx.from, ctx.until);
    let mut pts = vec![from];
    if let Some((ca, k)) = ctx.ca_of(ep) {
        pts.extend(ctx.changes(&ca, k).iter().map(|e| e.at));
    }
    let mut certs: Vec<&Certificate> = trust.iter().filter_map(|a| a.cert.as_ref()).collect();
    if let Served::Chain(c) = &ep.served {
        certs.extend(c.iter());
    }
    certs.extend(ctx.by_sha.values());
    pts.extend(certs.iter().map(|c| c.not_after + 1));
    pts.retain(|d| *d >= from && *d < until);
    pts.sort_unstable();
    pts.dedup();
    let mut bounds: Vec<i64> = certs
        .iter()
        .flat_map(|c| [c.not_before, c.not_after.saturating_add(1)])
        .collect();
    bounds.sort_unstable();
    bounds.dedup();
    (pts, bounds)
}

fn timeline(
    ctx: &Ctx<'_>,
    ep: &Endpoint,
    trust: &[TrustAnchor],
    p: &Profile,
) -> Result<(Vec<Segment>, Option<Break>), PlanError> {
    let (pts, bounds) = date_points(ctx, ep, trust);
    let mut segs: Vec<Segment> = Vec::new();
    // The verdict depends on the date only through the certificates' validity: one judgement
    // per (change in force, interval between boundaries).
    let mut seen: HashMap<JudgeKey, Judged> = HashMap::new();
    for (i, d) in pts.iter().enumerate() {
        let to = pts.get(i + 1).copied().unwrap_or(ctx.until);
        let key = (
            ctx.last_change(ep, *d).map(|e| e as *const Event),
            bounds.partition_point(|b| *b <= *d),
        );
        let (ok, why, served) = match seen.get(&key) {
            Some(v) => v.clone(),
            None => {
                let v = ctx.judge(ep, trust, p, *d)?;
                seen.insert(key, v.clone());
                v
            }
        };
        match segs.last_mut() {
            Some(s) if s.ok == ok && s.why == why => s.to = to,
            _ => segs.push(Segment {
                from: *d,
                to,
                ok,
                why,
                served,
            }),
        }
    }
    let first_bad = segs.iter().find(|s| !s.ok);
    let brk = match first_bad {
        None => None,
        Some(s) => {
            let ev = ctx.ca_of(ep).and_then(|(ca, k)| {
                let list = ctx.changes(&ca, k);
                let n = list.partition_point(|e| e.at <= s.from);
                list.get(n.checked_sub(1)?)
                    .filter(|e| e.at == s.from)
                    .map(|e| (*e).clone())
            });
            let latest = match &ev {
                Some(e) => match &e.window_end {
                    Some(w) => crate::cert::parse_time(w).unwrap_or(e.at),
                    None => {
                        let ca = ctx.ca_of(ep).map(|c| c.0).unwrap_or_default();
                        e.at + ctx.events.lifetime_at(&ca, e.at)
                    }
                },
                None => s.from,
            };
            Some(Break {
                date: s.from,
                date_text: format_date(s.from),
                latest,
                latest_text: format_date(latest),
                cause: match &ev {
                    Some(e) => format!("{}: {}", e.text, s.why),
                    None => s.why.clone(),
                },
                source: ev.as_ref().map(|e| e.source.clone()),
                status: ev.as_ref().map(|e| e.status.clone()),
            })
        }
    };
    Ok((segs, brk))
}

/// Anchors that make the endpoint work again at `at`: the issuers of what is served then,
/// from the certificates given and the Mozilla store.
fn fix(
    ctx: &Ctx<'_>,
    ep: &Endpoint,
    trust: &[TrustAnchor],
    p: &Profile,
    at: i64,
) -> Result<Option<Fix>, PlanError> {
    let mut candidates: Vec<Certificate> = Vec::new();
    let served: Vec<Certificate> = match ctx.expect(ep, at)? {
        Expect::Chain(c) => c,
        Expect::Root(r) => {
            candidates.push(r.clone());
            vec![r]
        }
    };
    let pool = ctx
        .pool
        .iter()
        .cloned()
        .chain(
            Store::mozilla()
                .roots()
                .iter()
                .filter_map(|r| r.anchor.cert.clone()),
        )
        .chain(
            crate::store::known::all()
                .iter()
                .filter(|k| k.role == crate::store::known::Role::Root)
                .map(|k| k.cert.clone()),
        );
    for c in pool {
        if c.is_self_issued()
            && served
                .iter()
                .any(|s| s.issuer_raw() == c.subject_raw() || s.subject_raw() == c.subject_raw())
            && !candidates.iter().any(|x| x.der() == c.der())
        {
            candidates.push(c);
        }
    }
    for c in candidates {
        let mut t = trust.to_vec();
        t.push(TrustAnchor::from_cert(
            c.clone(),
            Origin::builtin("plan fix", 0),
        ));
        if ctx.judge(ep, &t, p, at)?.0 {
            let (_, then) = timeline(ctx, ep, &t, p)?;
            return Ok(Some(Fix {
                add: vec![c.subject.short()],
                then_breaks: then,
            }));
        }
    }
    Ok(None)
}

/// Makes the plan.
pub fn plan(input: &Input<'_>) -> Result<Plan, PlanError> {
    // A served chain that stops below a known intermediate (a lone leaf) is completed with the
    // chain its CA served at the start, and the plan says so.
    let mut completed = Vec::new();
    let endpoints: Vec<Endpoint> = input
        .endpoints
        .iter()
        .map(|ep| match &ep.served {
            Served::Chain(c) => {
                match crate::complete::complete_certs(c, input.from, Some(input.events)) {
                    Some((full, done)) => {
                        completed.push(format!("{}: {}", ep.name, done.note()));
                        Endpoint {
                            served: Served::Chain(full),
                            ..ep.clone()
                        }
                    }
                    None => ep.clone(),
                }
            }
            _ => ep.clone(),
        })
        .collect();
    let input = &Input {
        endpoints: &endpoints,
        ..*input
    };
    let from_trust = input
        .firmware
        .iter()
        .flat_map(|f| f.trust.iter().filter_map(|a| a.cert.clone()));
    let from_chains = input.endpoints.iter().flat_map(|e| match &e.served {
        Served::Chain(c) => c.clone(),
        Served::Root(r) => vec![r.clone()],
        Served::Ca(..) => Vec::new(),
    });
    let ctx = Ctx::new(
        input.events,
        input.pool,
        input.from,
        input.until,
        from_trust.chain(from_chains),
    );
    for p in input.profiles {
        if p.mbedtls.is_none() {
            return Err(PlanError::Unsupported(p.name().to_string()));
        }
    }
    for ep in input.endpoints {
        match &ep.served {
            Served::Chain(c) if c.is_empty() => return Err(PlanError::EmptyChain(ep.name.clone())),
            Served::Ca(id, _) if !input.events.cas.iter().any(|c| &c.id == id) => {
                return Err(PlanError::UnknownCa(
                    id.clone(),
                    input
                        .events
                        .cas
                        .iter()
                        .map(|c| c.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                ));
            }
            _ => {}
        }
    }
    let mut rows = Vec::new();
    for ep in input.endpoints {
        for fw in input.firmware {
            for p in input.profiles {
                let (segments, breaks) = timeline(&ctx, ep, &fw.trust, p)?;
                let fix = match &breaks {
                    Some(b) => fix(&ctx, ep, &fw.trust, p, b.date)?,
                    None => None,
                };
                let time_check_flipped = if p.mbedtls.is_some() {
                    let q = p.clone().with_time_check(!p.time_check);
                    Some(Flipped {
                        time_check: q.time_check,
                        breaks: timeline(&ctx, ep, &fw.trust, &q)?.1,
                    })
                } else {
                    None
                };
                rows.push(Row {
                    endpoint: ep.name.clone(),
                    ota: ep.ota,
                    firmware: fw.label.clone(),
                    profile: p.name().to_string(),
                    ok_now: segments.first().is_some_and(|s| s.ok),
                    breaks,
                    segments,
                    fix,
                    time_check_flipped,
                });
            }
        }
    }
    let mut update_by = Vec::new();
    for fw in input.firmware {
        let first = rows
            .iter()
            .filter(|r| r.ota && r.firmware == fw.label)
            .filter_map(|r| r.breaks.as_ref().map(|b| b.date))
            .min();
        if let Some(d) = first {
            update_by.push((fw.label.clone(), format_date(d)));
        }
    }
    let mut certificates = Vec::new();
    for fw in input.firmware {
        for a in &fw.trust {
            if let Some(c) = &a.cert {
                certificates.push(Bar {
                    kind: "anchor".into(),
                    firmware: Some(fw.label.clone()),
                    subject: c.subject.short(),
                    not_before: c.not_before,
                    not_after: c.not_after,
                });
            }
        }
    }
    let mut cas: Vec<String> = Vec::new();
    let mut served: Vec<Certificate> = Vec::new();
    for ep in input.endpoints {
        if let Some((ca, k)) = ctx.ca_of(ep) {
            if !cas.contains(&ca) {
                cas.push(ca.clone());
            }
            for e in ctx.changes(&ca, k).iter().filter(|e| e.at < input.until) {
                for h in e.chain.iter().chain(e.sha256.iter()) {
                    if let Some(c) = ctx.by_sha.get(&h.to_ascii_uppercase()) {
                        served.push(c.clone());
                    }
                }
            }
        }
        if let Served::Chain(c) = &ep.served {
            served.extend(c.iter().skip(1).cloned());
        }
    }
    for c in served {
        if !certificates.iter().any(|b| {
            b.kind == "served" && b.subject == c.subject.short() && b.not_after == c.not_after
        }) {
            certificates.push(Bar {
                kind: "served".into(),
                firmware: None,
                subject: c.subject.short(),
                not_before: c.not_before,
                not_after: c.not_after,
            });
        }
    }
    let events = input
        .events
        .events
        .iter()
        .filter(|e| e.at >= input.from && e.at < input.until)
        .filter(|e| cas.contains(&e.ca) || e.ca == "*")
        .map(|e| Mark {
            at: e.at,
            date: e.date.clone(),
            ca: e.ca.clone(),
            text: e.text.clone(),
            source: e.source.clone(),
            status: e.status.clone(),
        })
        .collect();
    Ok(Plan {
        from: input.from,
        until: input.until,
        rows,
        update_by,
        certificates,
        events,
        completed,
    })
}
