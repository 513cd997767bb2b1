//! Root stores: the sets of trust anchors a device or a program ships.
//!
//! The default is the Mozilla root program, compiled in through the `webpki-root-certs` crate.
//! `Store::load` reads any other store from any intake input (a distro's
//! `ca-certificates.crt`, ESP-IDF's `cacrt_all.pem`, an ESP-IDF bundle binary).
//!
//! Each root carries facts that matter when choosing anchors for a device: owner, validity, key,
//! DER size, ESP-IDF bundle record size, and whether ESP-IDF's bundle lists include it.

mod facts;
pub mod known;

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use serde::Serialize;

use crate::anchor::TrustAnchor;
use crate::cert::Certificate;
use crate::crypto::{SigCheck, signed_by, verify_signature};
use crate::intake::{Found, IntakeError, Origin, read_path};

/// Which ESP-IDF root list a certificate appears in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EspList {
    /// `cacrt_all.pem` (the FULL bundle; CMN when the owner list names it).
    All,
    /// `cacrt_local.pem` (roots ESP-IDF keeps although Mozilla removed them).
    Local,
    /// `cacrt_deprecated.pem` (appended only with the deprecated-list option).
    Deprecated,
}

/// What ESP-IDF's bundle data says about one root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EspFacts {
    /// The heading above the certificate in ESP-IDF's file.
    pub name: &'static str,
    /// The list it is in.
    pub list: EspList,
    /// Whether the common-CA (CMN) bundle includes it.
    pub common: bool,
}

/// One root of a store.
#[derive(Debug, Clone)]
pub struct Root {
    /// The anchor (with its certificate, except for ESP bundle records).
    pub anchor: TrustAnchor,
    /// The CA owner: from ESP-IDF's common-CA list when named there, else the subject's O.
    pub owner: String,
    /// ESP-IDF facts, when ESP-IDF's lists include this exact certificate.
    pub esp: Option<EspFacts>,
}

impl Root {
    /// The certificate, when the root came as one.
    pub fn cert(&self) -> Option<&Certificate> {
        self.anchor.cert.as_ref()
    }

    /// A display name: the subject CN, else O, else the whole subject.
    pub fn name(&self) -> String {
        self.anchor.label()
    }
}

/// How a store root relates to a certificate it might have issued.
#[derive(Debug, Clone, Serialize)]
pub struct IssuerMatch {
    /// Index of the root in the store.
    pub root: usize,
    /// The certificate's issuer is byte-identical to the root's subject.
    pub name_exact: bool,
    /// The certificate's AKI equals the root's SKI (`None` when either is absent).
    pub key_id: Option<bool>,
    /// The certificate's signature checked against the root's key.
    pub signature: SigCheck,
}

/// A set of roots with lookup indexes.
#[derive(Debug, Clone)]
pub struct Store {
    name: String,
    roots: Vec<Root>,
    by_subject: HashMap<Vec<u8>, Vec<usize>>,
    by_key_id: HashMap<Vec<u8>, Vec<usize>>,
}

fn esp_facts(cert: &Certificate) -> Option<(EspFacts, Option<&'static str>)> {
    let h = hex::encode(cert.sha256());
    facts::ESP_IDF_ROOTS
        .iter()
        .find(|(sha, ..)| *sha == h)
        .map(|(_, name, list, owner)| {
            (
                EspFacts {
                    name,
                    list: *list,
                    common: owner.is_some(),
                },
                *owner,
            )
        })
}

/// Owner aliases: names people use for a CA, mapped to the owner as stores record it.
const OWNER_ALIASES: &[(&str, &str)] = &[
    ("let's encrypt", "Internet Security Research Group"),
    ("letsencrypt", "Internet Security Research Group"),
    ("isrg", "Internet Security Research Group"),
    ("amazon", "Amazon Trust Services"),
    ("aws", "Amazon Trust Services"),
    ("google", "Google Trust Services LLC"),
    ("gts", "Google Trust Services LLC"),
    ("globalsign", "GlobalSign nv-sa"),
    ("godaddy", "GoDaddy"),
    ("starfield", "GoDaddy"),
    ("comodo", "Sectigo"),
    ("usertrust", "Sectigo"),
    ("identrust", "IdenTrust Services, LLC"),
    ("digicert", "DigiCert"),
];

/// Normalizes an owner name for comparison.
fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

impl Store {
    /// Builds a store from anchors.
    pub fn from_anchors(name: &str, anchors: Vec<TrustAnchor>) -> Store {
        let mut store = Store {
            name: name.to_string(),
            roots: Vec::with_capacity(anchors.len()),
            by_subject: HashMap::new(),
            by_key_id: HashMap::new(),
        };
        for anchor in anchors {
            let (esp, csv_owner) = match anchor.cert.as_ref().and_then(esp_facts) {
                Some((f, o)) => (Some(f), o),
                None => (None, None),
            };
            let owner = csv_owner
                .map(str::to_string)
                .or_else(|| anchor.subject.organization())
                .unwrap_or_else(|| anchor.label());
            let i = store.roots.len();
            store
                .by_subject
                .entry(anchor.subject_raw().to_vec())
                .or_default()
                .push(i);
            if let Some(ski) = anchor.cert.as_ref().and_then(|c| c.subject_key_id.clone()) {
                store.by_key_id.entry(ski).or_default().push(i);
            }
            store.roots.push(Root { anchor, owner, esp });
        }
        store
    }

    /// The Mozilla root program as compiled in (`webpki-root-certs`), parsed once.
    pub fn mozilla() -> &'static Store {
        static MOZILLA: OnceLock<Store> = OnceLock::new();
        MOZILLA.get_or_init(|| {
            let anchors = webpki_root_certs::TLS_SERVER_ROOT_CERTS
                .iter()
                .enumerate()
                .filter_map(|(i, der)| {
                    // The compiled-in data is well-formed; a root that does not parse is skipped.
                    let cert = Certificate::from_der(der.as_ref()).ok()?;
                    Some(TrustAnchor::from_cert(cert, Origin::builtin("mozilla", i)))
                })
                .collect();
            Store::from_anchors("mozilla", anchors)
        })
    }

    /// Loads a store from any intake input (PEM bundle, directory, ESP bundle, ...).
    pub fn load(path: &Path) -> Result<Store, IntakeError> {
        let found = read_path(path)?;
        Ok(Self::from_found(&path.display().to_string(), &found))
    }

    /// Builds a store from intake results.
    pub fn from_found(name: &str, found: &[Found]) -> Store {
        Store::from_anchors(name, found.iter().map(Found::to_anchor).collect())
    }

    /// The store's name (`mozilla` or the path it was loaded from).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// All roots, in load order.
    pub fn roots(&self) -> &[Root] {
        &self.roots
    }

    /// The root at `i`.
    pub fn get(&self, i: usize) -> Option<&Root> {
        self.roots.get(i)
    }

    /// Number of roots.
    pub fn len(&self) -> usize {
        self.roots.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    /// Roots whose subject is byte-identical to `subject_der`.
    pub fn by_subject(&self, subject_der: &[u8]) -> impl Iterator<Item = (usize, &Root)> {
        self.by_subject
            .get(subject_der)
            .into_iter()
            .flatten()
            .filter_map(|i| self.roots.get(*i).map(|r| (*i, r)))
    }

    /// The store roots that could have issued `cert`: candidates by issuer name and by key
    /// identifier, each checked by signature. Candidates whose name and key id both differ are
    /// not returned.
    pub fn issuers_of(&self, cert: &Certificate) -> Vec<IssuerMatch> {
        let mut idx: Vec<usize> = self
            .by_subject
            .get(cert.issuer_raw())
            .cloned()
            .unwrap_or_default();
        if let Some(aki) = &cert.authority_key_id {
            for i in self.by_key_id.get(aki).into_iter().flatten() {
                if !idx.contains(i) {
                    idx.push(*i);
                }
            }
        }
        idx.into_iter()
            .filter_map(|i| {
                let root = self.roots.get(i)?;
                let a = &root.anchor;
                let key_id = match (&cert.authority_key_id, a.cert.as_ref()) {
                    (Some(aki), Some(c)) => c.subject_key_id.as_ref().map(|ski| ski == aki),
                    _ => None,
                };
                Some(IssuerMatch {
                    root: i,
                    name_exact: a.subject_raw() == cert.issuer_raw(),
                    key_id,
                    signature: signed_by(cert, a.spki_raw()),
                })
            })
            .collect()
    }

    /// Roots whose subject CN or display name contains `name` (case-insensitive), exact
    /// matches first.
    pub fn find_by_name(&self, name: &str) -> Vec<(usize, &Root)> {
        let n = name.to_lowercase();
        let mut exact = Vec::new();
        let mut partial = Vec::new();
        for (i, r) in self.roots.iter().enumerate() {
            let label = r.name().to_lowercase();
            let esp = r.esp.as_ref().map(|e| e.name.to_lowercase());
            if label == n || esp.as_deref() == Some(n.as_str()) {
                exact.push((i, r));
            } else if label.contains(&n) {
                partial.push((i, r));
            }
        }
        exact.extend(partial);
        exact
    }

    /// Roots of a CA owner, accepting common aliases ("Let's Encrypt" finds the ISRG roots).
    pub fn by_owner(&self, owner: &str) -> Vec<(usize, &Root)> {
        let wanted = norm(owner);
        let alias = OWNER_ALIASES
            .iter()
            .find(|(a, _)| norm(a) == wanted)
            .map(|(_, o)| norm(o));
        self.roots
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                let o = norm(&r.owner);
                o == wanted
                    || alias.as_deref() == Some(o.as_str())
                    || (wanted.len() >= 4 && o.contains(&wanted))
            })
            .collect()
    }

    /// Whether `cert` is itself one of the store's roots (same DER).
    pub fn contains_cert(&self, cert: &Certificate) -> Option<usize> {
        self.by_subject(cert.subject_raw())
            .find(|(_, r)| r.cert().is_some_and(|c| c.der() == cert.der()))
            .map(|(i, _)| i)
    }

    /// Roots with the same subject and key as `cert` (the "same CA" relation used to spot
    /// cross-signed copies of a root).
    pub fn same_subject_and_key(&self, cert: &Certificate) -> Vec<usize> {
        self.by_subject(cert.subject_raw())
            .filter(|(_, r)| r.anchor.spki_raw() == cert.spki_raw())
            .map(|(i, _)| i)
            .collect()
    }
}

/// Checks a signature by a bare anchor's key (for anchors without a certificate).
pub fn signed_by_anchor(cert: &Certificate, anchor: &TrustAnchor) -> SigCheck {
    verify_signature(
        anchor.spki_raw(),
        &cert.sig_alg,
        cert.tbs(),
        &cert.signature,
    )
}
