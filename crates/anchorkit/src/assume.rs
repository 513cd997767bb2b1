//! What the server probably sends, when the user holds no served chain: a firmware developer
//! often has only the trust list, the host name and a log line. Each guess says what it
//! assumed, so a command can answer and name the one input that would confirm it.
//!
//! In order of confidence:
//! 1. the trust list holds a CA-issued leaf for the host (the leaf pasted as `cert_pem`): the
//!    server sends that leaf, completed with its known intermediates ([`crate::complete`]);
//! 2. a CA named with `--ca`, or the one the events' host patterns name: a leaf for the host
//!    ([`crate::synth`]) under the chain the CA serves at that date (the dated events), or
//!    under a compiled-in intermediate of the root its chains end at.

use crate::anchor::TrustAnchor;
use crate::caname::CaName;
use crate::cert::Certificate;
use crate::complete::Completion;
use crate::crypto::signed_by;
use crate::events::{Events, Kind};
use crate::store::known::{self, Role};
use crate::synth::{LEAF_HOST, Leaf};

/// A served chain assumed from what the user has.
#[derive(Debug, Clone)]
pub struct Assumed {
    /// The chain, leaf first.
    pub chain: Vec<Certificate>,
    /// The synthetic leaf at `chain[0]`, whose signature must be assumed while verifying
    /// ([`crate::crypto::assume_signed`]).
    pub leaf: Option<Leaf>,
    /// What completion added to a leaf from the trust list.
    pub completion: Option<Completion>,
    /// What was assumed, in plain words.
    pub notes: Vec<String>,
}

impl Assumed {
    /// The signatures to assume while verifying this chain.
    pub fn signatures(&self) -> Vec<crate::crypto::AssumedSignature<'_>> {
        self.leaf.iter().map(Leaf::signature).collect()
    }
}

/// 1: the trust list holds a CA-issued leaf that names `host` (any such leaf when no host is
/// known): the server's own leaf, pasted as a trust anchor.
pub fn from_trust(
    trust: &[TrustAnchor],
    host: Option<&str>,
    at: i64,
    events: &Events,
) -> Option<Assumed> {
    let leaf = trust
        .iter()
        .filter_map(|a| a.cert.as_ref())
        .filter(|c| !c.is_ca() && !c.is_self_issued())
        .find(|c| match host {
            Some(h) => c
                .dns_names()
                .iter()
                .any(|n| crate::verify::names::dns_match(n, h)),
            None => true,
        })?
        .clone();
    let entries = crate::cert::entries(std::slice::from_ref(&leaf));
    let completion = crate::complete::complete(&entries, at, Some(events));
    let mut chain = vec![leaf.clone()];
    if let Some(c) = &completion {
        chain.extend(c.added.iter().map(|a| a.cert.clone()));
    }
    let mut notes = vec![format!(
        "no served chain was given: the trust list's leaf '{}' is taken as the server's leaf{}",
        leaf.subject.short(),
        host.map(|h| format!(" (it names {h})")).unwrap_or_default()
    )];
    if let Some(c) = &completion {
        notes.push(c.note());
    }
    Some(Assumed {
        chain,
        leaf: None,
        completion,
        notes,
    })
}

/// A compiled-in intermediate issued by `root` and valid at `at`, the latest-expiring first.
fn intermediate_under(root: &Certificate, at: i64) -> Option<Certificate> {
    let mut v: Vec<&Certificate> = known::all()
        .iter()
        .filter(|k| k.role == Role::Intermediate)
        .map(|k| &k.cert)
        .filter(|c| c.issuer_raw() == root.subject_raw() && c.valid_at(at))
        .filter(|c| signed_by(c, root.spki_raw()).is_valid())
        .collect();
    v.sort_by_key(|c| std::cmp::Reverse(c.not_after));
    v.first().map(|c| (*c).clone())
}

fn with_leaf(
    above: Vec<Certificate>,
    host: Option<&str>,
    at: i64,
    lifetime: i64,
) -> Option<(Vec<Certificate>, Leaf)> {
    let issuer = above.first()?;
    let name = host.filter(|h| !h.is_empty()).unwrap_or(LEAF_HOST);
    // Issued a day before `at`, for the longest lifetime the CA issues then.
    let nb = at - 86_400;
    let leaf = crate::synth::leaf(issuer, None, nb, nb + lifetime.max(2 * 86_400), name)?;
    let mut chain = vec![leaf.cert.clone()];
    chain.extend(above);
    Some((chain, leaf))
}

/// 2: a leaf for `host` from `ca` at `at`.
pub fn for_ca(ca: &CaName, events: &Events, at: i64, host: Option<&str>) -> Option<Assumed> {
    let latest = ca.events_id.as_ref().and_then(|id| {
        events
            .events
            .iter()
            .filter(|e| &e.ca == id && e.at <= at)
            .filter(|e| matches!(e.kind, Kind::ChainChange | Kind::AnchorChange))
            .filter(|e| e.key == crate::events::KeyClass::Any || e.key == ca.key)
            .max_by_key(|e| e.at)
    });
    let find = |sha: &str| {
        known::by_sha256(sha).map(|k| k.cert.clone()).or_else(|| {
            crate::store::Store::mozilla()
                .roots()
                .iter()
                .filter_map(|r| r.anchor.cert.as_ref())
                .find(|c| hex::encode_upper(c.sha256()) == sha.to_ascii_uppercase())
                .cloned()
        })
    };
    let (above, says) = match latest {
        Some(e) if e.kind == Kind::ChainChange => {
            let certs: Vec<Certificate> = e.chain.iter().filter_map(|h| find(h)).collect();
            if certs.len() != e.chain.len() {
                return None;
            }
            let names: Vec<String> = certs.iter().map(|c| c.subject.short()).collect();
            (
                certs,
                format!(
                    "above it, the chain {} serves from {} ({}): {}",
                    ca.name,
                    e.date,
                    e.status,
                    names.join(", ")
                ),
            )
        }
        Some(e) => {
            let root = e.sha256.as_deref().and_then(find)?;
            match intermediate_under(&root, at) {
                Some(i) => (
                    vec![i.clone()],
                    format!(
                        "{}'s chains end at {} from {} ({}); the leaf is assumed issued by the known intermediate {}",
                        ca.name,
                        root.subject.short(),
                        e.date,
                        e.status,
                        i.subject.short()
                    ),
                ),
                None => (
                    vec![root.clone()],
                    format!(
                        "{}'s chains end at {} from {} ({}); no intermediate of it is known, so the leaf is taken as issued by the root itself",
                        ca.name,
                        root.subject.short(),
                        e.date,
                        e.status
                    ),
                ),
            }
        }
        None => {
            let root = ca.roots.iter().find(|r| r.valid_at(at))?.clone();
            match intermediate_under(&root, at) {
                Some(i) => (
                    vec![i.clone()],
                    format!(
                        "a {} server: issued by the known intermediate {} under {}",
                        ca.name,
                        i.subject.short(),
                        root.subject.short()
                    ),
                ),
                None => (
                    vec![root.clone()],
                    format!(
                        "a {} server: no intermediate of {} is known, so the leaf is taken as issued by the root itself",
                        ca.name,
                        root.subject.short()
                    ),
                ),
            }
        }
    };
    let lifetime = events.lifetime_at(ca.events_id.as_deref().unwrap_or("*"), at);
    let (chain, leaf) = with_leaf(above, host, at, lifetime)?;
    Some(Assumed {
        chain,
        leaf: Some(leaf),
        completion: None,
        notes: vec![format!(
            "no served chain was given: assumed a leaf for {}; {says}",
            host.unwrap_or("the host")
        )],
    })
}
