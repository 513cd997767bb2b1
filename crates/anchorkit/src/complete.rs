//! Chain completion from the compiled-in public CA certificates ([`crate::store::known`]), the
//! way Firefox preloads intermediates: a served chain that stops below a known intermediate (a
//! lone leaf, as users usually hold it) is completed with the intermediates its CA serves, so a
//! verdict or a fix can be checked offline. Every caller says what was added: the server must
//! send those certificates itself, the device has only its roots.
//!
//! The chain added is, in order of preference: the chain the dated events say the leaf's CA
//! served at that date (from the first certificate that signed the top of the given chain),
//! else the known issuer of the top certificate (its signature checked), preferring one valid
//! at the date and issued by a root; repeated until a root of the Mozilla store or a
//! compiled-in root issues the top (at most four certificates).

use serde::Serialize;

use crate::cert::{Certificate, ChainEntry, KeyKind};
use crate::crypto::signed_by;
use crate::events::{Events, KeyClass, Kind};
use crate::store::Store;
use crate::store::known::{self, KnownCert, Role};

/// How many certificates completion adds at most.
pub const MAX_ADDED: usize = 4;

/// One certificate added to a chain.
#[derive(Debug, Clone, Serialize)]
pub struct Added {
    /// Its subject, short form (`R3`).
    pub name: String,
    /// Its issuer, short form.
    pub issuer: String,
    /// SHA-256 (upper-case hex).
    pub sha256: String,
    /// The compiled-in data file (`letsencrypt/lets-encrypt-r3.pem`).
    pub file: String,
    /// Where its CA publishes it.
    pub source: String,
    /// `events` (the chain the CA served at the date) or `key-id` (the known issuer).
    pub how: String,
    /// Which events chain it belongs to (`the chain Let's Encrypt served from 2021-01-21`),
    /// when `how` is `events`.
    pub event: Option<String>,
    /// The certificate.
    #[serde(skip)]
    pub cert: Certificate,
}

/// A completed chain.
#[derive(Debug, Clone)]
pub struct Completion {
    /// The chain as given followed by the certificates added.
    pub chain: Vec<ChainEntry>,
    /// What was added, in order.
    pub added: Vec<Added>,
}

impl Completion {
    /// The sentence every command prints: "completed with the known intermediate R3 (issued by
    /// ISRG Root X1), which the server must send".
    pub fn note(&self) -> String {
        let names: Vec<String> = self
            .added
            .iter()
            .map(|a| format!("{} (issued by {})", a.name, a.issuer))
            .collect();
        let (what, them) = if self.added.len() == 1 {
            ("the known intermediate", "it")
        } else {
            ("the known certificates", "them")
        };
        let from = match self.added.first().and_then(|a| a.event.as_ref()) {
            Some(e) => format!(" ({e})"),
            None => String::new(),
        };
        format!(
            "completed with {what} {}{from}; the server must send {them}",
            names.join(" and ")
        )
    }
}

fn key_class(c: &Certificate) -> KeyClass {
    match c.key {
        KeyKind::Rsa { .. } => KeyClass::Rsa,
        _ => KeyClass::Ecdsa,
    }
}

/// Whether a root the device could hold issues `c` (a Mozilla root or a compiled-in root,
/// signature checked).
fn issued_by_root(c: &Certificate) -> bool {
    if c.is_self_issued() {
        return true;
    }
    let mozilla = Store::mozilla()
        .issuers_of(c)
        .iter()
        .any(|m| m.signature.is_valid());
    mozilla
        || known::by_subject(c.issuer_raw())
            .iter()
            .any(|k| k.role == Role::Root && signed_by(c, k.cert.spki_raw()).is_valid())
}

/// The chain the events say `leaf`'s CA served at `at`, when its first certificate with the
/// issuer's name and key of `top` is found there: the rest of that chain from it.
fn from_events(
    events: &Events,
    leaf: &Certificate,
    top: &Certificate,
    at: i64,
) -> Option<(Vec<Certificate>, String)> {
    let org = leaf.issuer.organization()?;
    let ca = events.ca_for_issuer_org(&org)?;
    let k = key_class(leaf);
    let e = events
        .events
        .iter()
        .filter(|e| e.ca == ca.id && e.kind == Kind::ChainChange && e.at <= at)
        .filter(|e| e.key == KeyClass::Any || e.key == k)
        .max_by_key(|e| e.at)?;
    let certs: Vec<Certificate> = e
        .chain
        .iter()
        .filter_map(|h| known::by_sha256(h).map(|k| k.cert.clone()))
        .collect();
    if certs.len() != e.chain.len() {
        return None;
    }
    let start = certs.iter().position(|c| {
        c.subject_raw() == top.issuer_raw() && signed_by(top, c.spki_raw()).is_valid()
    })?;
    Some((
        certs[start..].to_vec(),
        format!("the chain {} served from {}", ca.name, e.date),
    ))
}

/// The best known issuer of `top` at `at`.
fn known_issuer(top: &Certificate, at: i64) -> Option<&'static KnownCert> {
    let mut cands: Vec<&'static KnownCert> = known::by_subject(top.issuer_raw())
        .into_iter()
        .chain(
            top.authority_key_id
                .as_deref()
                .map(known::by_key_id)
                .unwrap_or_default(),
        )
        .filter(|k| k.role != Role::Root)
        .filter(|k| signed_by(top, k.cert.spki_raw()).is_valid())
        .collect();
    cands.sort_by_key(|k| k.file);
    cands.dedup_by_key(|k| k.file);
    cands.sort_by_key(|k| {
        (
            !k.cert.valid_at(at),
            !issued_by_root(&k.cert),
            std::cmp::Reverse(k.cert.not_after),
        )
    });
    cands.into_iter().next()
}

fn added(c: &Certificate, how: &str, event: Option<String>) -> Added {
    let k = known::by_der(c.der());
    Added {
        name: c.subject.short(),
        issuer: c.issuer.short(),
        sha256: hex::encode_upper(c.sha256()),
        file: k.map(|k| k.file.to_string()).unwrap_or_default(),
        source: k.map(|k| k.source.clone()).unwrap_or_default(),
        how: how.into(),
        event,
        cert: c.clone(),
    }
}

/// Completes `chain` (leaf first, as given) at `at`, with the chain its CA served then when
/// `events` describe it. `None` when nothing is missing or nothing known fits: the top
/// certificate is self-issued, its issuer is already in the chain or is a root, or no
/// compiled-in certificate signed it.
pub fn complete(chain: &[ChainEntry], at: i64, events: Option<&Events>) -> Option<Completion> {
    let certs: Vec<&Certificate> = chain.iter().filter_map(ChainEntry::cert).collect();
    let leaf = *certs.first()?;
    let mut top = (*certs.last()?).clone();
    let has_issuer = |c: &Certificate, all: &[&Certificate]| {
        all.iter()
            .any(|x| x.subject_raw() == c.issuer_raw() && signed_by(c, x.spki_raw()).is_valid())
    };
    if has_issuer(&top, &certs) || issued_by_root(&top) {
        return None;
    }
    let mut out: Vec<Added> = Vec::new();
    if let Some((more, ev)) = events.and_then(|e| from_events(e, leaf, &top, at)) {
        for c in more.iter().take(MAX_ADDED) {
            out.push(added(c, "events", Some(ev.clone())));
        }
    } else {
        while out.len() < MAX_ADDED && !issued_by_root(&top) {
            let Some(k) = known_issuer(&top, at) else {
                break;
            };
            if out.iter().any(|a| a.cert.der() == k.cert.der()) {
                break;
            }
            out.push(added(&k.cert, "key-id", None));
            top = k.cert.clone();
        }
    }
    if out.is_empty() {
        return None;
    }
    let mut full = chain.to_vec();
    full.extend(out.iter().map(|a| ChainEntry::from_bytes(a.cert.der())));
    Some(Completion {
        chain: full,
        added: out,
    })
}

/// [`complete`] on certificates.
pub fn complete_certs(
    chain: &[Certificate],
    at: i64,
    events: Option<&Events>,
) -> Option<(Vec<Certificate>, Completion)> {
    let entries = crate::cert::entries(chain);
    let c = complete(&entries, at, events)?;
    let mut full = chain.to_vec();
    full.extend(c.added.iter().map(|a| a.cert.clone()));
    Some((full, c))
}
