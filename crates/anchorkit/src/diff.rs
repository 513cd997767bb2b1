//! `diff`: two trust configurations side by side. Anchors are the same when subject and key
//! are (the certificate around them may differ, as in an ESP bundle, which keeps only subject
//! and key). Given endpoints and a profile, each endpoint's verdict under both.

use serde::Serialize;

use crate::anchor::TrustAnchor;
use crate::cert::{ChainEntry, format_date};
use crate::profile::Profile;
use crate::store::Store;
use crate::verify::{HostCheck, Request, verify};

/// One anchor in the difference.
#[derive(Debug, Clone, Serialize)]
pub struct Changed {
    /// Subject.
    pub subject: String,
    /// The CA owner, from the Mozilla store when it has the same key.
    pub owner: Option<String>,
    /// notAfter, when the anchor came as a certificate.
    pub not_after: Option<String>,
    /// SHA-256 of the anchor's SubjectPublicKeyInfo (lower-case hex): tells apart anchors of
    /// the same name.
    pub key_sha256: String,
}

/// An endpoint's verdicts under A and B.
#[derive(Debug, Clone, Serialize)]
pub struct EndpointChange {
    /// The endpoint.
    pub endpoint: String,
    /// Under A.
    pub a: bool,
    /// Under B.
    pub b: bool,
    /// The anchor reached under each, when one is.
    pub anchor_a: Option<String>,
    /// Under B.
    pub anchor_b: Option<String>,
}

/// The difference.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    /// Anchors in A.
    pub count_a: usize,
    /// Anchors in B.
    pub count_b: usize,
    /// In B, not in A.
    pub added: Vec<Changed>,
    /// In A, not in B.
    pub removed: Vec<Changed>,
    /// Every endpoint given, with its verdicts (changed or not).
    pub endpoints: Vec<EndpointChange>,
}

fn key(a: &TrustAnchor) -> (Vec<u8>, Vec<u8>) {
    (a.subject_raw().to_vec(), a.spki_raw().to_vec())
}

fn describe(a: &TrustAnchor) -> Changed {
    let owner = Store::mozilla()
        .roots()
        .iter()
        .find(|r| r.anchor.spki_raw() == a.spki_raw())
        .map(|r| r.owner.clone());
    Changed {
        subject: a.subject.short(),
        owner,
        not_after: a.cert.as_ref().map(|c| format_date(c.not_after)),
        key_sha256: hex::encode(ring::digest::digest(&ring::digest::SHA256, a.spki_raw())),
    }
}

/// Compares `a` and `b`; `endpoints` are (name, served chain, host) judged under `profile` at
/// `at`.
pub fn diff(
    a: &[TrustAnchor],
    b: &[TrustAnchor],
    endpoints: &[(String, Vec<ChainEntry>, Option<String>)],
    profile: &Profile,
    at: i64,
) -> Diff {
    let ka: std::collections::BTreeSet<_> = a.iter().map(key).collect();
    let kb: std::collections::BTreeSet<_> = b.iter().map(key).collect();
    let mut added: Vec<Changed> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for x in b {
        if !ka.contains(&key(x)) && seen.insert(key(x)) {
            added.push(describe(x));
        }
    }
    let mut removed: Vec<Changed> = Vec::new();
    for x in a {
        if !kb.contains(&key(x)) && seen.insert(key(x)) {
            removed.push(describe(x));
        }
    }
    added.sort_by(|x, y| x.subject.cmp(&y.subject));
    removed.sort_by(|x, y| x.subject.cmp(&y.subject));
    let judge = |trust: &[TrustAnchor], chain: &[ChainEntry], host: &Option<String>| {
        let v = verify(
            profile,
            &Request {
                trust,
                chain,
                host: host.as_deref().map_or(HostCheck::None, HostCheck::Name),
                at,
            },
        );
        (v.ok, v.anchor.map(|x| x.subject))
    };
    let endpoints = endpoints
        .iter()
        .map(|(name, chain, host)| {
            let (oa, aa) = judge(a, chain, host);
            let (ob, ab) = judge(b, chain, host);
            EndpointChange {
                endpoint: name.clone(),
                a: oa,
                b: ob,
                anchor_a: aa,
                anchor_b: ab,
            }
        })
        .collect();
    Diff {
        count_a: a.len(),
        count_b: b.len(),
        added,
        removed,
        endpoints,
    }
}
