//! The inspection report: every fact about each certificate or anchor in an input, the checks
//! that matter on small devices, and, for a list, how the certificates relate to each other
//! and to a root store. Data only; rendering lives in the CLI.

use serde::Serialize;

use crate::cert::{Certificate, Curve, HashAlg, KeyKind, SigAlg, colon_hex, format_time};
use crate::crypto::signed_by;
use crate::intake::{Entry, Found, Origin};
use crate::store::Store;
use crate::store::known;

/// Schema identifier of the JSON form of [`Report`].
pub const SCHEMA: &str = "anchorkit.inspect/1";

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// The evaluation time, RFC 3339.
    pub at: String,
    /// The store used for issuer lookups.
    pub store: String,
    /// One entry per certificate or anchor, in input order.
    pub items: Vec<Item>,
    /// Relations between the certificates, when there is more than one or the store is involved.
    pub chain: ChainReport,
    /// Certificate fingerprints used as pins (`setFingerprint`), with what each pins.
    pub pins: Vec<PinReport>,
}

/// A fingerprint pin, and what it means for the device.
#[derive(Debug, Clone, Serialize)]
pub struct PinReport {
    /// The pin.
    pub pin: crate::intake::pins::Pin,
    /// The subject of the certificate it pins, when that certificate is known or given.
    pub pinned: Option<String>,
    /// Its role, when known.
    pub role: Option<Role>,
    /// Its notAfter, when known.
    pub not_after: Option<String>,
    /// What happens: the pin breaks when the certificate is replaced.
    pub advice: String,
    /// The root to trust instead, when it can be told.
    pub trust_instead: Option<String>,
}

/// Reports on fingerprint `pins`: each identified among `certs` (the input's own), the
/// compiled-in public CA certificates and the store's roots.
pub fn pin_reports(
    pins: &[crate::intake::pins::Pin],
    certs: &[Certificate],
    at: i64,
    store: &Store,
) -> Vec<PinReport> {
    pins.iter()
        .map(|p| {
            let c = crate::intake::pins::identify(p, certs);
            let role = c.as_ref().map(|c| role_of(c).0);
            let root = c.as_ref().and_then(|c| root_above(c, at, store));
            let advice = match (&c, role) {
                (Some(c), Some(Role::Leaf | Role::SelfSignedLeaf)) => format!(
                    "pins the server's leaf {}: the device stops connecting when the server renews it (by {} at the latest; Let's Encrypt leaves every 60-90 days); a fingerprint pin checks no chain, so trust a root instead",
                    c.subject.short(),
                    crate::cert::format_date(c.not_after)
                ),
                (Some(c), _) => format!(
                    "pins the CA certificate {}: it breaks when the server stops sending it (by {} at the latest)",
                    c.subject.short(),
                    crate::cert::format_date(c.not_after)
                ),
                (None, _) => format!(
                    "a {} fingerprint of a certificate that is neither in the input nor known: most likely the server's leaf, which changes at every renewal; give the served chain (anchorkit probe HOST --save DIR) to name it",
                    p.alg.name()
                ),
            };
            PinReport {
                pin: p.clone(),
                pinned: c.as_ref().map(|c| c.subject.to_string()),
                role,
                not_after: c.as_ref().map(|c| format_time(c.not_after)),
                advice,
                trust_instead: root,
            }
        })
        .collect()
}

/// The store root a certificate leads to: itself when it is a root of the store, else the
/// root that issues the top of its chain completed from the known intermediates.
fn root_above(c: &Certificate, at: i64, store: &Store) -> Option<String> {
    if c.is_self_issued() {
        return store
            .contains_cert(c)
            .and_then(|i| store.get(i))
            .map(|r| r.name());
    }
    let chain = crate::complete::complete_certs(std::slice::from_ref(c), at, None)
        .map_or_else(|| vec![c.clone()], |(full, _)| full);
    let top = chain.last()?;
    store
        .issuers_of(top)
        .into_iter()
        .find(|m| m.signature.is_valid())
        .and_then(|m| store.get(m.root))
        .map(|r| r.name())
}

/// One input item.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Item {
    /// A full certificate.
    Certificate(Box<CertReport>),
    /// A bare trust anchor (an ESP-IDF bundle record).
    Anchor(AnchorReport),
}

/// What a certificate is for, judged from its own content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// A self-signed CA certificate.
    Root,
    /// A CA certificate issued by someone else (including cross-signed roots).
    Intermediate,
    /// An end-entity certificate issued by a CA.
    Leaf,
    /// An end-entity certificate signed by its own key.
    SelfSignedLeaf,
}

impl Role {
    /// Human wording.
    pub fn describe(self) -> &'static str {
        match self {
            Role::Root => "root CA (self-signed)",
            Role::Intermediate => "intermediate CA",
            Role::Leaf => "leaf (end-entity, not a CA)",
            Role::SelfSignedLeaf => "self-signed leaf (not a CA)",
        }
    }
}

/// How serious a check result is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// Passed.
    Pass,
    /// Worth attention; may fail on some devices.
    Warn,
    /// Fails on devices.
    Fail,
}

/// One check.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Stable identifier, e.g. `expiry`, `key-size`, `md5`, `sha1`.
    pub id: &'static str,
    /// The result.
    pub level: Level,
    /// Explanation.
    pub message: String,
}

/// Byte sizes of one certificate in the forms devices store.
#[derive(Debug, Clone, Serialize)]
pub struct Sizes {
    /// DER bytes.
    pub der: usize,
    /// PEM bytes (64-column, LF), without a terminating NUL.
    pub pem: usize,
    /// Bytes of one ESP-IDF bundle record (4 + subject + SPKI).
    pub esp_record: usize,
}

/// A store root that could have issued a certificate.
#[derive(Debug, Clone, Serialize)]
pub struct StoreIssuer {
    /// The root's display name.
    pub name: String,
    /// Its owner.
    pub owner: String,
    /// Issuer name byte-equal to the root's subject.
    pub name_match: bool,
    /// AKI equals the root's SKI (null when unknown).
    pub key_id_match: Option<bool>,
    /// The signature verifies with the root's key.
    pub signature_valid: bool,
}

/// Everything about one certificate.
#[derive(Debug, Clone, Serialize)]
pub struct CertReport {
    /// Position in the input list.
    pub index: usize,
    /// Where it was found.
    pub origin: Origin,
    /// Subject, one line.
    pub subject: String,
    /// Issuer, one line.
    pub issuer: String,
    /// Subject common name.
    pub common_name: Option<String>,
    /// Serial number, colon hex.
    pub serial: String,
    /// X.509 version.
    pub version: u32,
    /// notBefore, RFC 3339.
    pub not_before: String,
    /// notAfter, RFC 3339.
    pub not_after: String,
    /// Whole days from `at` to notAfter (negative when expired).
    pub days_left: i64,
    /// `valid`, `expired` or `not-yet-valid` at `at`.
    pub validity: &'static str,
    /// The key.
    pub key: KeyKind,
    /// The key, described (`RSA 2048`, `EC P-256`).
    pub key_description: String,
    /// Signature algorithm.
    pub signature_algorithm: SigAlg,
    /// Signature algorithm name.
    pub signature_algorithm_name: String,
    /// subjectAltName entries as text (`DNS:x`, `IP:y`).
    pub san: Vec<String>,
    /// DNS names a TLS client matches (SANs, else the CN).
    pub dns_names: Vec<String>,
    /// basicConstraints.
    pub basic_constraints: Option<crate::cert::BasicConstraints>,
    /// keyUsage names.
    pub key_usage: Option<Vec<&'static str>>,
    /// extendedKeyUsage names.
    pub ext_key_usage: Option<Vec<String>>,
    /// AIA caIssuers URLs.
    pub ca_issuers: Vec<String>,
    /// AIA OCSP URLs.
    pub ocsp: Vec<String>,
    /// subjectKeyIdentifier, colon hex.
    pub subject_key_id: Option<String>,
    /// authorityKeyIdentifier, colon hex.
    pub authority_key_id: Option<String>,
    /// All extensions.
    pub extensions: Vec<crate::cert::ExtensionInfo>,
    /// SHA-256 fingerprint, colon hex.
    pub sha256: String,
    /// SHA-1 fingerprint, colon hex.
    pub sha1: String,
    /// Sizes.
    pub sizes: Sizes,
    /// Role.
    pub role: Role,
    /// Self-signed, confirmed by checking the signature with its own key.
    pub self_signed: bool,
    /// The certificate itself is a root of the store.
    pub in_store: bool,
    /// Store roots that could have issued it.
    pub store_issuers: Vec<StoreIssuer>,
    /// Checks.
    pub checks: Vec<Check>,
    /// OpenSSL trust settings of a `TRUSTED CERTIFICATE` block (null otherwise).
    pub trust_settings: Option<crate::anchor::TrustSettings>,
}

/// What is known about a bare anchor.
#[derive(Debug, Clone, Serialize)]
pub struct AnchorReport {
    /// Position in the input list.
    pub index: usize,
    /// Where it was found.
    pub origin: Origin,
    /// Subject, one line.
    pub subject: String,
    /// The key.
    pub key: KeyKind,
    /// The key, described.
    pub key_description: String,
    /// Bytes of its ESP-IDF bundle record.
    pub esp_record: usize,
    /// A note on what an anchor without a certificate means.
    pub note: &'static str,
}

/// One signer relation found among the inputs.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// Index of the signed certificate.
    pub child: usize,
    /// Index of the signer.
    pub parent: usize,
}

/// A root or intermediate reached by facts rather than by certificates in the input.
#[derive(Debug, Clone, Serialize)]
pub struct Anchoring {
    /// The topmost input certificate this is about.
    pub from: usize,
    /// Intermediates missing from the input, by subject, when known from public facts.
    pub missing_intermediates: Vec<String>,
    /// The store root the hierarchy ends at.
    pub root: String,
    /// Its owner.
    pub owner: String,
    /// How the root was identified: `signature` (the input's top is signed by it),
    /// `key-id` (via known intermediate key identifiers) or `name`.
    pub by: &'static str,
}

/// Relations between the inputs and to the store.
#[derive(Debug, Clone, Serialize, Default)]
pub struct ChainReport {
    /// Signer relations verified by signature.
    pub links: Vec<Link>,
    /// The order as given is a valid TLS order (each certificate followed by its signer).
    pub order_ok: bool,
    /// A suggested order, leaf first, when the given one is not.
    pub suggested_order: Vec<usize>,
    /// Pairs of byte-identical certificates.
    pub duplicates: Vec<(usize, usize)>,
    /// Inputs that share subject and key with a store root but carry another issuer.
    pub cross_signed: Vec<usize>,
    /// Where the hierarchy ends in the store.
    pub anchored: Vec<Anchoring>,
    /// Plain-language findings.
    pub notes: Vec<String>,
}

fn days_between(from: i64, to: i64) -> i64 {
    (to - from).div_euclid(86_400)
}

fn checks(c: &Certificate, at: i64, role: Role, self_signed: bool) -> Vec<Check> {
    let mut v = Vec::new();
    let mut push = |id, level, message: String| v.push(Check { id, level, message });
    let days = days_between(at, c.not_after);
    if at > c.not_after {
        push(
            "expiry",
            Level::Fail,
            format!(
                "expired on {} ({} days ago)",
                format_time(c.not_after),
                -days
            ),
        );
    } else if at < c.not_before {
        push(
            "expiry",
            Level::Fail,
            format!("not valid until {}", format_time(c.not_before)),
        );
    } else if days < 30 {
        push(
            "expiry",
            Level::Warn,
            format!("expires {} ({days} days)", format_time(c.not_after)),
        );
    } else {
        push(
            "expiry",
            Level::Pass,
            format!("expires {} ({days} days)", format_time(c.not_after)),
        );
    }
    match &c.key {
        KeyKind::Rsa { bits, .. } if *bits < 2048 => push(
            "key-size",
            Level::Fail,
            format!("RSA {bits}: below 2048 bits, rejected by mbedTLS's default profile (BAD_KEY)"),
        ),
        KeyKind::Rsa { bits, .. } if *bits > 4096 => push(
            "key-size",
            Level::Warn,
            format!("RSA {bits}: larger than 4096 bits; some small stacks cannot handle it"),
        ),
        KeyKind::Rsa { bits, .. } => push("key-size", Level::Pass, format!("RSA {bits} bits")),
        KeyKind::Ec { curve } => match curve {
            Curve::P256 | Curve::P384 => {
                push("key-size", Level::Pass, format!("EC {}", curve.name()))
            }
            Curve::P521
            | Curve::BrainpoolP256r1
            | Curve::BrainpoolP384r1
            | Curve::BrainpoolP512r1 => push(
                "curve",
                Level::Warn,
                format!(
                    "EC {}: supported by mbedTLS, but not by every small stack or build",
                    curve.name()
                ),
            ),
            other => push(
                "curve",
                Level::Fail,
                format!(
                    "EC {}: not allowed by mbedTLS 3.x's default profile",
                    other.name()
                ),
            ),
        },
        KeyKind::Ed25519 | KeyKind::Ed448 => push(
            "key-type",
            Level::Warn,
            format!(
                "{}: mbedTLS 2.x/3.x cannot verify EdDSA certificates",
                c.key.describe()
            ),
        ),
        KeyKind::Other { oid } => push("key-type", Level::Fail, format!("unknown key type {oid}")),
    }
    let sig_checked = !self_signed;
    match c.sig_alg.hash() {
        Some(HashAlg::Md2 | HashAlg::Md4 | HashAlg::Md5) if sig_checked => push(
            "md5",
            Level::Fail,
            format!("signed with {}: rejected everywhere", c.sig_alg.name()),
        ),
        Some(HashAlg::Sha1) if sig_checked => push(
            "sha1",
            Level::Fail,
            "signed with SHA-1: mbedTLS's default profile flags it BAD_MD".to_string(),
        ),
        Some(HashAlg::Md5 | HashAlg::Sha1) => push(
            "sha1",
            Level::Pass,
            format!(
                "self-signed with {}; a root's own signature is not checked by TLS clients",
                c.sig_alg.name()
            ),
        ),
        _ => push(
            "signature",
            Level::Pass,
            format!("signed with {}", c.sig_alg.name()),
        ),
    }
    if matches!(role, Role::Leaf | Role::SelfSignedLeaf) {
        if !c.has_san {
            push(
                "san",
                Level::Warn,
                "no subjectAltName: only the CN can match the hostname; browsers and rustls reject it"
                    .to_string(),
            );
        }
        push(
            "use-as-trust",
            Level::Warn,
            if role == Role::Leaf {
                "a CA-issued leaf: do not use it as cert_pem / trust anchor; mbedTLS never trusts \
                 it (-0x2700, NOT_TRUSTED) and it is replaced every few months"
                    .to_string()
            } else {
                "a self-signed leaf: mbedTLS trusts it only if the server sends exactly these bytes"
                    .to_string()
            },
        );
    }
    for e in &c.extensions {
        if e.critical && e.name.is_none() {
            push(
                "critical-extension",
                Level::Fail,
                format!(
                    "unknown critical extension {}: mbedTLS rejects the certificate",
                    e.oid
                ),
            );
        }
        if e.oid == "2.5.29.30" && e.critical {
            push(
                "name-constraints",
                Level::Fail,
                "critical nameConstraints: mbedTLS cannot parse it and rejects the certificate"
                    .to_string(),
            );
        }
    }
    v
}

fn role_of(c: &Certificate) -> (Role, bool) {
    let self_signed = c.is_self_issued() && signed_by(c, c.spki_raw()).is_valid();
    // A v1/v2 self-signed certificate has no basicConstraints; stacks treat it as a CA.
    let ca = c.is_ca() || (c.version < 3 && self_signed);
    let role = match (ca, self_signed) {
        (true, true) => Role::Root,
        (true, false) => Role::Intermediate,
        (false, true) => Role::SelfSignedLeaf,
        (false, false) => Role::Leaf,
    };
    (role, self_signed)
}

fn cert_report(
    c: &Certificate,
    origin: &Origin,
    index: usize,
    at: i64,
    store: &Store,
) -> CertReport {
    let (role, self_signed) = role_of(c);
    let store_issuers = if self_signed {
        Vec::new()
    } else {
        store
            .issuers_of(c)
            .into_iter()
            .filter_map(|m| {
                let r = store.get(m.root)?;
                Some(StoreIssuer {
                    name: r.name(),
                    owner: r.owner.clone(),
                    name_match: m.name_exact,
                    key_id_match: m.key_id,
                    signature_valid: m.signature.is_valid(),
                })
            })
            .collect()
    };
    let validity = if at > c.not_after {
        "expired"
    } else if at < c.not_before {
        "not-yet-valid"
    } else {
        "valid"
    };
    CertReport {
        index,
        origin: origin.clone(),
        subject: c.subject.to_string(),
        issuer: c.issuer.to_string(),
        common_name: c.subject.common_name().map(|n| crate::cert::printable(&n)),
        serial: colon_hex(&c.serial),
        version: c.version,
        not_before: format_time(c.not_before),
        not_after: format_time(c.not_after),
        days_left: days_between(at, c.not_after),
        validity,
        key_description: c.key.describe(),
        key: c.key.clone(),
        signature_algorithm_name: c.sig_alg.name(),
        signature_algorithm: c.sig_alg.clone(),
        san: c.san.iter().map(|s| s.describe()).collect(),
        dns_names: c.dns_names(),
        basic_constraints: c.basic_constraints,
        key_usage: c.key_usage.map(|k| k.names()),
        ext_key_usage: c.ext_key_usage.as_ref().map(|e| e.names()),
        ca_issuers: c.ca_issuer_urls.clone(),
        ocsp: c.ocsp_urls.clone(),
        subject_key_id: c.subject_key_id.as_deref().map(colon_hex),
        authority_key_id: c.authority_key_id.as_deref().map(colon_hex),
        extensions: c.extensions.clone(),
        sha256: colon_hex(&c.sha256()),
        sha1: colon_hex(&c.sha1()),
        sizes: Sizes {
            der: c.der().len(),
            pem: c.to_pem().len(),
            esp_record: c.esp_record_len(),
        },
        role,
        self_signed,
        in_store: store.contains_cert(c).is_some(),
        store_issuers,
        checks: checks(c, at, role, self_signed),
        trust_settings: None,
    }
}

/// Builds the report for `found` at time `at` (epoch seconds) against `store`.
pub fn inspect(found: &[Found], at: i64, store: &Store) -> Report {
    inspect_with(found, at, store, None)
}

/// `inspect`, with a blocklist of known-compromised keys (the `badkeys` format) checked too.
pub fn inspect_with(
    found: &[Found],
    at: i64,
    store: &Store,
    blocklist: Option<&crate::weakkeys::Blocklist>,
) -> Report {
    let mut report = inspect_items(found, at, store);
    // Known-weak RSA keys, and factors shared between the input's keys.
    let mut where_: Vec<usize> = Vec::new();
    let mut moduli: Vec<Vec<u8>> = Vec::new();
    for (i, f) in found.iter().enumerate() {
        let spki = match &f.entry {
            Entry::Cert(c) => c.spki_raw(),
            Entry::Anchor(a) => a.spki_raw(),
        };
        if let Some(n) = crate::cert::rsa_modulus(spki) {
            where_.push(i);
            moduli.push(n);
        }
    }
    let weak = crate::weakkeys::check(&moduli, blocklist);
    for (k, ws) in weak.into_iter().enumerate() {
        if ws.is_empty() {
            continue;
        }
        if let Some(Item::Certificate(c)) = report.items.get_mut(where_[k]) {
            for w in ws {
                let text = match w {
                    crate::weakkeys::Weakness::SharedFactor { with } => format!(
                        "shares a prime factor with item {} of this input: both private keys can be computed",
                        where_.get(with).copied().unwrap_or(with)
                    ),
                    other => other.text(),
                };
                c.checks.push(Check {
                    id: "weak-key",
                    level: Level::Fail,
                    message: text,
                });
            }
        }
    }
    report
}

fn inspect_items(found: &[Found], at: i64, store: &Store) -> Report {
    let items = found
        .iter()
        .enumerate()
        .map(|(i, f)| match &f.entry {
            Entry::Cert(c) => {
                let mut r = cert_report(c, &f.origin, i, at, store);
                r.trust_settings = f.settings.clone();
                Item::Certificate(Box::new(r))
            }
            Entry::Anchor(a) => Item::Anchor(AnchorReport {
                index: i,
                origin: f.origin.clone(),
                subject: a.subject.to_string(),
                key_description: a.key.describe(),
                key: a.key.clone(),
                esp_record: a.esp_record_len(),
                note: "ESP-IDF bundle record: subject name and public key only, no validity \
                       dates, no extensions, no signature",
            }),
        })
        .collect();
    let certs: Vec<(usize, &Certificate)> = found
        .iter()
        .enumerate()
        .filter_map(|(i, f)| f.cert().map(|c| (i, c)))
        .collect();
    Report {
        schema: SCHEMA,
        at: format_time(at),
        store: store.name().to_string(),
        items,
        chain: chain_report(&certs, store),
        pins: Vec::new(),
    }
}

/// Signature checks per certificate among same-named candidates, at most: a file of a
/// thousand same-subject roots must not cost a million verifications.
pub const MAX_SIGNER_CANDIDATES: usize = 32;
/// Duplicate notes listed one by one; beyond this, one summary.
const MAX_LISTED_DUPLICATES: usize = 10;

fn chain_report(all: &[(usize, &Certificate)], store: &Store) -> ChainReport {
    let mut r = ChainReport {
        order_ok: true,
        ..ChainReport::default()
    };
    // Duplicates: each against its first occurrence; the analysis below sees each certificate
    // once.
    let mut first: std::collections::HashMap<&[u8], usize> = std::collections::HashMap::new();
    let mut certs: Vec<(usize, &Certificate)> = Vec::new();
    for (i, c) in all {
        match first.get(c.der()) {
            Some(&f) => r.duplicates.push((f, *i)),
            None => {
                first.insert(c.der(), *i);
                certs.push((*i, c));
            }
        }
    }
    for (f, i) in r.duplicates.iter().take(MAX_LISTED_DUPLICATES) {
        let label = all
            .iter()
            .find(|(k, _)| k == f)
            .map(|(_, c)| c.label())
            .unwrap_or_default();
        r.notes.push(format!(
            "certificate {i} is a duplicate of certificate {f} ({label})"
        ));
    }
    if r.duplicates.len() > MAX_LISTED_DUPLICATES {
        r.notes.push(format!(
            "... and {} more duplicates (every duplicate is in the JSON output's chain.duplicates)",
            r.duplicates.len() - MAX_LISTED_DUPLICATES
        ));
    }
    let certs = &certs[..];
    // Signer relations among the inputs: candidates by subject name (and key identifier when
    // there are many), each checked once.
    let mut by_subject: std::collections::HashMap<&[u8], Vec<usize>> =
        std::collections::HashMap::new();
    for (k, (_, c)) in certs.iter().enumerate() {
        by_subject.entry(c.subject_raw()).or_default().push(k);
    }
    let mut capped = 0usize;
    for (ci, c) in certs {
        let Some(cands) = by_subject.get(c.issuer_raw()) else {
            continue;
        };
        let mut cands: Vec<usize> = cands.clone();
        if cands.len() > MAX_SIGNER_CANDIDATES {
            if let Some(aki) = &c.authority_key_id {
                let by_id: Vec<usize> = cands
                    .iter()
                    .copied()
                    .filter(|&k| certs[k].1.subject_key_id.as_ref() == Some(aki))
                    .collect();
                if !by_id.is_empty() {
                    cands = by_id;
                }
            }
            if cands.len() > MAX_SIGNER_CANDIDATES {
                capped += 1;
                cands.truncate(MAX_SIGNER_CANDIDATES);
            }
        }
        for k in cands {
            let (pi, p) = certs[k];
            if *ci == pi {
                continue;
            }
            if signed_by(c, p.spki_raw()).is_valid() {
                r.links.push(Link {
                    child: *ci,
                    parent: pi,
                });
            }
        }
    }
    if capped > 0 {
        r.notes.push(format!(
            "{capped} certificate(s) have more than {MAX_SIGNER_CANDIDATES} same-named possible issuers in the input; only the first {MAX_SIGNER_CANDIDATES} were checked"
        ));
    }
    // Cross-signed copies of store roots.
    for (i, c) in certs {
        if !c.is_self_issued() && !store.same_subject_and_key(c).is_empty() {
            r.cross_signed.push(*i);
            r.notes.push(format!(
                "certificate {i} ({}) is a cross-signed copy of a store root, issued by {}",
                c.label(),
                c.issuer.short()
            ));
        }
    }
    // Order: leaf first, each followed by its signer.
    let children: std::collections::HashSet<usize> = r.links.iter().map(|l| l.child).collect();
    let parents: std::collections::HashSet<usize> = r.links.iter().map(|l| l.parent).collect();
    let has_parent_in_input = |i: usize| children.contains(&i);
    let is_parent = |i: usize| parents.contains(&i);
    if certs.len() > 1 && !r.links.is_empty() {
        let leaf = certs
            .iter()
            .find(|(i, c)| !is_parent(*i) && !c.is_ca())
            .or_else(|| certs.iter().find(|(i, _)| !is_parent(*i)))
            .map(|(i, _)| *i);
        if let Some(start) = leaf {
            let mut order = vec![start];
            let mut cur = start;
            while let Some(l) = r
                .links
                .iter()
                .find(|l| l.child == cur && !order.contains(&l.parent))
            {
                order.push(l.parent);
                cur = l.parent;
            }
            let given: Vec<usize> = all.iter().map(|(i, _)| *i).collect();
            let prefix_ok = given.starts_with(&order);
            if !prefix_ok {
                r.order_ok = false;
                r.suggested_order = order;
                r.notes.push(
                    "the certificates are not in TLS order (leaf first, each followed by its \
                     issuer); mbedTLS only looks for an issuer after the certificate it signs"
                        .to_string(),
                );
            }
        }
    }
    // Certificates below the top that a store root signed: stacks that stop at the first
    // trusted issuer (Mbed TLS, OpenSSL with trusted-first) anchor the chain there.
    for (i, c) in certs {
        if !has_parent_in_input(*i) || c.is_self_issued() {
            continue;
        }
        if let Some(root) = store
            .issuers_of(c)
            .into_iter()
            .find(|m| m.signature.is_valid())
            .and_then(|m| store.get(m.root))
        {
            r.anchored.push(Anchoring {
                from: *i,
                missing_intermediates: Vec::new(),
                root: root.name(),
                owner: root.owner.clone(),
                by: "signature",
            });
        }
    }
    let anchored_below = !r.anchored.is_empty();
    // Where does each top certificate lead in the store?
    for (i, c) in certs {
        if has_parent_in_input(*i) {
            continue;
        }
        if let Some(root) = store.contains_cert(c).and_then(|k| store.get(k)) {
            r.anchored.push(Anchoring {
                from: *i,
                missing_intermediates: Vec::new(),
                root: root.name(),
                owner: root.owner.clone(),
                by: "in-store",
            });
            continue;
        }
        if c.is_self_issued() {
            r.notes.push(format!(
                "certificate {i} ({}) is self-issued and not in the {} store",
                c.label(),
                store.name()
            ));
            continue;
        }
        if let Some(m) = store
            .issuers_of(c)
            .into_iter()
            .find(|m| m.signature.is_valid())
        {
            if let Some(root) = store.get(m.root) {
                r.anchored.push(Anchoring {
                    from: *i,
                    missing_intermediates: Vec::new(),
                    root: root.name(),
                    owner: root.owner.clone(),
                    by: "signature",
                });
                continue;
            }
        }
        // Not signed by a store root: a missing intermediate, known from public facts?
        let mut placed = false;
        if let Some(aki) = &c.authority_key_id {
            for k in known::by_key_id(aki) {
                let Some(aki_root) = k.cert.authority_key_id.as_ref() else {
                    continue;
                };
                let roots: Vec<_> = store
                    .roots()
                    .iter()
                    .filter(|root| {
                        root.cert()
                            .and_then(|rc| rc.subject_key_id.as_ref())
                            .is_some_and(|ski| ski == aki_root)
                            && root.anchor.subject_raw() == k.cert.issuer_raw()
                    })
                    .collect();
                if let Some(root) = roots.first() {
                    r.anchored.push(Anchoring {
                        from: *i,
                        missing_intermediates: vec![k.cert.subject.to_string()],
                        root: root.name(),
                        owner: root.owner.clone(),
                        by: "key-id",
                    });
                    r.notes.push(format!(
                        "certificate {i} ({}) is issued by {} which is not in the input: the \
                         server must send it; its issuer {} is in the {} store",
                        c.label(),
                        c.issuer.short(),
                        root.name(),
                        store.name()
                    ));
                    placed = true;
                    break;
                }
            }
        }
        if !placed {
            r.notes.push(format!(
                "certificate {i} ({}): its issuer {} is neither in the input nor in the {} store{}",
                c.label(),
                c.issuer,
                store.name(),
                if anchored_below {
                    "; stacks that stop at the first trusted issuer do not need it, but ESP-IDF's bundle mode looks up this issuer"
                } else {
                    ""
                }
            ));
        }
    }
    r
}
