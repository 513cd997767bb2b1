//! From a verdict to causes: each reason the engine gives, read with the inputs (what is
//! trusted, what is served, the clock, the build), becomes one cause of a documented kind,
//! named once.

use serde::Serialize;

use super::{Cause, Input, World};
use crate::cert::{Certificate, HashAlg, KeyKind, format_date, format_time};
use crate::profile::{Family, TrustMode};
use crate::store::{Store, known};
use crate::verify::{CertLabel, CertRef, Reason, Verdict};

/// The documented cause kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CauseKind {
    /// The device accepts the chain.
    Accepted,
    /// A CA-issued leaf is in the trust list.
    AnchorIsLeaf,
    /// The trust list holds an intermediate the chain does not go through.
    AnchorIsIntermediate,
    /// The trust list holds roots, none of them the one the chain leads to.
    AnchorWrongCa,
    /// The server does not send the intermediate its leaf (or a served CA) needs.
    MissingIntermediate,
    /// The served chain is out of order and the stack needs the order.
    ChainOrder,
    /// ESP bundle mode: the chain ends in a cross-signed copy of a root; the bundle has the
    /// root but not the cross-sign's issuer.
    CrossSignTopNotInBundle,
    /// The hostname is not among the leaf's names.
    HostnameMismatch,
    /// No hostname is set and the library refuses to verify without one.
    NoHostname,
    /// The device clock is not set (1970 or thereabouts) and time is checked.
    ClockNotSet,
    /// A certificate on the path has expired.
    Expired,
    /// A certificate on the path is not yet valid (the clock is plausible).
    NotYetValid,
    /// A signature digest the stack rejects (SHA-1, MD5).
    WeakHash,
    /// A key too small (or a curve) the stack rejects.
    WeakKey,
    /// An algorithm, curve or digest the stack or its build does not have.
    UnsupportedAlgorithm,
    /// The leaf's extendedKeyUsage lacks serverAuth.
    ExtendedKeyUsage,
    /// The leaf's keyUsage does not allow the key exchange.
    KeyUsage,
    /// More intermediates than the library takes.
    PathTooLong,
    /// A signature does not verify with the key of the certificate named as its issuer.
    BadSignature,
    /// The library cannot parse a certificate.
    ParseError,
    /// The server's Certificate message does not fit the device's input buffer.
    BufferTooSmall,
    /// A full-size application-data record (a download after the handshake) does not fit
    /// the device's input buffer.
    AppRecordTooLarge,
    /// The heap is smaller than the handshake needs.
    OutOfMemory,
    /// The server refuses the device's hello, or answers it with a version, suite, group or
    /// signature algorithm the device did not offer.
    ProtocolMismatch,
    /// The hostname is an IP address and the stack matches no iPAddress entries (Mbed TLS
    /// before 3.x).
    IpSanUnmatched,
    /// The device clock is behind: a certificate already valid today is not yet valid at the
    /// device's time.
    ClockBehind,
    /// The device checks the server's leaf against a fingerprint pin and the leaf served is
    /// not the pinned certificate (a renewed leaf, or a pin of a CA certificate).
    PinMismatch,
    /// The device pins today's leaf by fingerprint: it works until the leaf is renewed.
    PinnedLeaf,
    /// Another reason the stack gives.
    Other,
}

/// What doctor draws on besides the world.
pub(crate) struct Context<'a> {
    pub store: &'a Store,
    pub now: i64,
    pub extra: &'a [Certificate],
    pub lifetime: i64,
}

/// A cause and what the fixes need to know about it.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub cause: Cause,
    pub detail: Detail,
}

/// The facts behind a cause.
#[derive(Debug, Clone)]
pub(crate) enum Detail {
    None,
    /// A certificate: where it is.
    At(CertRef),
    /// The served certificate at this index lacks its issuer.
    MissingIssuerOf(usize),
    /// The working order of the served chain.
    Order(Vec<usize>),
    /// The names the leaf holds.
    Names(Vec<String>),
    /// Something the build lacks, for a served or trusted certificate.
    Missing(CertRef, Missing),
    /// The message size and the limit.
    Size(usize),
    /// A signature that does not verify: the child and the certificate named as issuer.
    Signature(CertRef, CertRef),
}

/// What a build lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Missing {
    Curve(crate::cert::Curve),
    Hash(HashAlg),
    Pss,
    /// Nothing the build can add (the library has no such algorithm).
    NotInLibrary(String),
}

/// Before this, a device clock is "not set": every certificate in use today was issued later.
pub(crate) const CLOCK_FLOOR: i64 = 1_609_459_200; // 2021-01-01

/// The host is an IP address the leaf holds as an iPAddress entry, and the stack matches no
/// iPAddress entries (Mbed TLS before 3.5).
fn ip_unmatched(w: &World, host: &str, leaf: Option<&Certificate>) -> bool {
    let Ok(ip) = host.parse::<std::net::IpAddr>() else {
        return false;
    };
    let bytes = match ip {
        std::net::IpAddr::V4(a) => a.octets().to_vec(),
        std::net::IpAddr::V6(a) => a.octets().to_vec(),
    };
    w.profile.mbedtls.is_some_and(|v| !v.ip_san())
        && leaf.is_some_and(|l| {
            l.san
                .iter()
                .any(|e| matches!(e, crate::cert::SanEntry::Ip(b) if *b == bytes))
        })
}

fn cert_at(w: &World, at: CertRef) -> Option<&Certificate> {
    match at {
        CertRef::Chain(i) => w.chain.get(i),
        CertRef::Trust(i) => w.trust.get(i).and_then(|a| a.cert.as_ref()),
    }
}

fn where_(l: &CertLabel) -> String {
    match l.at {
        CertRef::Chain(i) => format!("served [{i}] {}", l.name),
        CertRef::Trust(i) => format!("trust [{i}] {}", l.name),
    }
}

fn stack_name(w: &World) -> &'static str {
    match w.profile.family {
        Family::Mbedtls => "Mbed TLS",
        Family::Bearssl => "BearSSL",
        Family::Wolfssl => "wolfSSL",
        Family::Openssl => "OpenSSL",
        Family::Webpki => "rustls-webpki",
    }
}

/// The CN of a one-line DN (`C = US, O = X, CN = R3` -> `R3`), else the DN.
pub(crate) fn short_dn(dn: &str) -> String {
    dn.rsplit_once("CN = ")
        .map(|(_, cn)| cn.split(", ").next().unwrap_or(cn).to_string())
        .unwrap_or_else(|| dn.to_string())
}

/// A CA-issued certificate (not a root) in the trust list.
fn is_leaf_cert(c: &Certificate) -> bool {
    !c.is_ca() && !c.is_self_issued()
}

fn is_intermediate(c: &Certificate) -> bool {
    c.is_ca() && !c.is_self_issued()
}

fn push(out: &mut Vec<Found>, kind: CauseKind, text: String, cert: Option<String>, d: Detail) {
    let cause = Cause { kind, text, cert };
    if !out
        .iter()
        .any(|f| f.cause.kind == cause.kind && f.cause.cert == cause.cert)
    {
        out.push(Found { cause, detail: d });
    }
}

fn unsupported(code: &str, detail: &str, c: Option<&Certificate>, w: &World) -> Option<Missing> {
    let d = detail.to_ascii_lowercase();
    let algorithmic = d.contains("not compiled")
        || d.contains("unknown to this mbed tls build")
        || d.contains("unknown to mbed tls")
        || d.contains("rsassa_pss_support")
        || d.contains("digest this build does not have")
        || d.contains("not supported")
        || matches!(code, "-0x262E" | "-0x3A00" | "-0x3C80" | "-0x232E");
    if !algorithmic {
        return None;
    }
    let c = c?;
    let b = w.profile.build.as_ref();
    if let KeyKind::Ec { curve } = &c.key {
        if let Some(b) = b {
            if !b.has_curve(curve) && !matches!(curve, crate::cert::Curve::Other(_)) {
                return Some(Missing::Curve(curve.clone()));
            }
        }
    }
    if d.contains("rsassa_pss_support") {
        return Some(Missing::Pss);
    }
    if let Some(h) = c.sig_alg.hash() {
        if let Some(b) = b {
            if !b.has_hash(h) && !matches!(h, HashAlg::Md2 | HashAlg::Md4) {
                return Some(Missing::Hash(h));
            }
        }
    }
    Some(Missing::NotInLibrary(format!(
        "{} (key {})",
        c.sig_alg.name(),
        c.key.describe()
    )))
}

/// The causes of `v` in `w`, most important first, each once. A cause that disappears once
/// the clock is set or the chain is put in order is a consequence of those, not a cause.
pub(crate) fn analyze(w: &World, v: &Verdict, cx: &Context<'_>) -> Vec<Found> {
    let mut out = analyze_once(w, v, cx);
    let mut fixed = w.clone();
    let mut primary = false;
    for f in &out {
        match (&f.cause.kind, &f.detail) {
            (CauseKind::ClockNotSet | CauseKind::ClockBehind, _) => {
                fixed.at = synced_time(w, cx.now);
                primary = true;
            }
            (CauseKind::ChainOrder, Detail::Order(o)) => {
                fixed.chain = o.iter().filter_map(|i| w.chain.get(*i).cloned()).collect();
                fixed.models.clear();
                primary = true;
            }
            _ => {}
        }
    }
    if primary {
        let fv = fixed.run();
        let rest = analyze_once(&fixed, &fv, cx);
        out.retain(|f| {
            matches!(
                f.cause.kind,
                CauseKind::ClockNotSet | CauseKind::ClockBehind | CauseKind::ChainOrder
            ) || rest
                .iter()
                .any(|r| r.cause.kind == f.cause.kind && r.cause.cert == f.cause.cert)
        });
    }
    out.sort_by_key(|f| priority(f.cause.kind));
    out
}

/// Most important first: what stops the handshake before the chain is looked at, the order
/// and the clock, the trust, dates, algorithms, names, usages.
fn priority(k: CauseKind) -> u8 {
    use CauseKind as K;
    match k {
        K::Accepted | K::PinMismatch | K::PinnedLeaf => 0,
        K::AppRecordTooLarge | K::OutOfMemory | K::ProtocolMismatch => 1,
        K::BufferTooSmall | K::PathTooLong | K::ParseError | K::UnsupportedAlgorithm => 1,
        K::ChainOrder => 2,
        K::ClockNotSet | K::ClockBehind => 3,
        K::AnchorIsLeaf
        | K::AnchorIsIntermediate
        | K::MissingIntermediate
        | K::AnchorWrongCa
        | K::CrossSignTopNotInBundle
        | K::BadSignature => 4,
        K::Expired | K::NotYetValid => 5,
        K::WeakHash | K::WeakKey => 6,
        K::HostnameMismatch | K::NoHostname | K::IpSanUnmatched => 7,
        K::KeyUsage | K::ExtendedKeyUsage => 8,
        K::Other => 9,
    }
}

/// What a synced clock would read for this chain: now when every served certificate is valid
/// now, else a moment inside all their validity periods (the scenario is historic).
pub(crate) fn synced_time(w: &World, now: i64) -> i64 {
    if w.chain.iter().all(|c| c.valid_at(now)) {
        return now;
    }
    let from = w.chain.iter().map(|c| c.not_before).max().unwrap_or(now);
    let to = w.chain.iter().map(|c| c.not_after).min().unwrap_or(now);
    if from <= to {
        from.saturating_add(86_400).min(to)
    } else {
        now
    }
}

fn analyze_once(w: &World, v: &Verdict, cx: &Context<'_>) -> Vec<Found> {
    let mut out = Vec::new();
    if v.ok {
        let anchor = v
            .anchor
            .as_ref()
            .map(|a| format!(" (anchored at {})", a.subject))
            .unwrap_or_default();
        push(
            &mut out,
            CauseKind::Accepted,
            format!("The device accepts this chain with this trust{anchor}."),
            None,
            Detail::None,
        );
        return out;
    }
    let stack = stack_name(w);

    // Fatal parse and size problems first: nothing else is looked at after them.
    let mut dropped_subjects: Vec<String> = Vec::new();
    for r in &v.reasons {
        match r {
            Reason::MessageTooLarge {
                size,
                limit,
                setting,
            } => push(
                &mut out,
                CauseKind::BufferTooSmall,
                format!(
                    "The server's Certificate message is {size} bytes, more than the device's \
                     input buffer takes ({limit} bytes; {setting}): the handshake stops before \
                     any certificate is checked."
                ),
                None,
                Detail::Size(*size),
            ),
            Reason::ChainTooLong { max_intermediates } => push(
                &mut out,
                CauseKind::PathTooLong,
                format!(
                    "The server sends more than {max_intermediates} intermediates; {stack} stops \
                     building the chain there (MBEDTLS_X509_MAX_INTERMEDIATE_CA)."
                ),
                None,
                Detail::None,
            ),
            Reason::ChainCertUnparseable { cert, code, detail }
            | Reason::TrustCertUnparseable { cert, code, detail } => {
                let c = cert_at(w, cert.at);
                let trust = matches!(r, Reason::TrustCertUnparseable { .. });
                match unsupported(code, detail, c, w) {
                    Some(m) => push(
                        &mut out,
                        CauseKind::UnsupportedAlgorithm,
                        format!(
                            "{} uses {}, which this {stack} build cannot read ({code}){}.",
                            cert.name,
                            c.map(|c| format!(
                                "{} with a {} key",
                                c.sig_alg.name(),
                                c.key.describe()
                            ))
                            .unwrap_or_else(|| "an algorithm".into()),
                            if trust {
                                "; the device leaves it out of its CA list"
                            } else {
                                "; the handshake stops"
                            }
                        ),
                        Some(where_(cert)),
                        Detail::Missing(cert.at, m),
                    ),
                    None => push(
                        &mut out,
                        CauseKind::ParseError,
                        format!(
                            "{stack} cannot parse {} ({code}: {detail}){}.",
                            cert.name,
                            if trust {
                                "; the device leaves it out of its CA list"
                            } else {
                                "; the handshake stops"
                            }
                        ),
                        Some(where_(cert)),
                        Detail::At(cert.at),
                    ),
                }
            }
            Reason::ChainCertDropped { cert, detail } => {
                let c = cert_at(w, cert.at);
                if let Some(c) = c {
                    dropped_subjects.push(c.subject.to_string());
                }
                let m = unsupported("-0x262E", detail, c, w)
                    .unwrap_or(Missing::NotInLibrary(detail.clone()));
                push(
                    &mut out,
                    CauseKind::UnsupportedAlgorithm,
                    format!(
                        "{stack} skips {} because it cannot read its signature algorithm ({}); \
                         the chain then has a gap where it was.",
                        cert.name,
                        c.map(|c| c.sig_alg.name()).unwrap_or_default()
                    ),
                    Some(where_(cert)),
                    Detail::Missing(cert.at, m),
                );
            }
            Reason::TrustEntryNotACertificate { trust } => push(
                &mut out,
                CauseKind::ParseError,
                format!(
                    "{} is an ESP bundle record (name and key only); a cert_pem CA list needs \
                     whole certificates.",
                    trust.name
                ),
                Some(where_(trust)),
                Detail::At(trust.at),
            ),
            _ => {}
        }
    }

    // Trust.
    let leaf = w.chain.first();
    let leaf_in_trust = w
        .trust
        .iter()
        .enumerate()
        .find(|(_, a)| a.cert.as_ref().is_some_and(is_leaf_cert));
    let mut leaf_reported = false;
    for r in &v.reasons {
        if let Reason::LeafAsTrust { trust, issuer } = r {
            leaf_reported = true;
            push(
                &mut out,
                CauseKind::AnchorIsLeaf,
                format!(
                    "The trust list holds the server's own leaf certificate '{}' (issued by \
                     {issuer}). {stack} trusts a certificate from the CA list only as the issuer \
                     of the next certificate down, or as the leaf itself when it is self-signed; \
                     a CA-issued leaf is neither, so nothing anchors the chain and verification \
                     ends NOT_TRUSTED. Give the device the root CA the chain leads to instead.",
                    trust.name
                ),
                Some(where_(trust)),
                Detail::At(trust.at),
            );
        }
    }
    let no_issuer = v.reasons.iter().find_map(|r| match r {
        Reason::NoTrustedIssuer { cert, issuer } => Some((cert, issuer)),
        _ => None,
    });
    if !leaf_reported {
        if let (Some((i, a)), Some(_)) = (leaf_in_trust, no_issuer) {
            leaf_reported = true;
            let name = a.label();
            push(
                &mut out,
                CauseKind::AnchorIsLeaf,
                format!(
                    "The trust list holds a CA-issued leaf certificate '{name}'. {stack} does not \
                     take a CA-issued leaf as an anchor, so nothing anchors the chain. Give the \
                     device the root CA the chain leads to instead."
                ),
                Some(format!("trust [{i}] {name}")),
                Detail::At(CertRef::Trust(i)),
            );
        }
    }
    if let Some((cert, issuer_dn)) = no_issuer {
        if dropped_subjects.iter().any(|s| s == issuer_dn) {
            // The dropped certificate explains the gap.
        } else if let CertRef::Chain(ci) = cert.at {
            // The top of what the served chain links up to from there.
            let ti = climb(w, ci);
            let top = &w.chain[ti];
            let top_label = CertLabel {
                at: CertRef::Chain(ti),
                name: top.label(),
            };
            let issuer = top.issuer.short();
            let same_name = w
                .trust
                .iter()
                .enumerate()
                .find(|(_, a)| a.subject_raw() == top.issuer_raw());
            let trusted_intermediates: Vec<&Certificate> = w
                .trust
                .iter()
                .filter_map(|a| a.cert.as_ref())
                .filter(|c| is_intermediate(c))
                .collect();
            // Only a key that really did not sign it: a signature that verifies means the
            // path failed for another reason (a date, a usage), reported by its own cause.
            let same_name =
                same_name.filter(|(_, a)| !crate::crypto::signed_by(top, a.spki_raw()).is_valid());
            if let Some((j, a)) = same_name {
                push(
                    &mut out,
                    CauseKind::BadSignature,
                    format!(
                        "The trusted '{}' has the name of the issuer of {} but not the key that \
                         signed it: another generation of that CA, or another CA of that name.",
                        a.label(),
                        top_label.name
                    ),
                    Some(where_(&top_label)),
                    Detail::Signature(CertRef::Chain(ti), CertRef::Trust(j)),
                );
            } else if !top.is_ca() {
                if !leaf_reported {
                    let known = top
                        .authority_key_id
                        .as_ref()
                        .and_then(|k| known::by_key_id(k).into_iter().next());
                    push(
                        &mut out,
                        CauseKind::MissingIntermediate,
                        format!(
                            "The server sends {} without its issuer '{issuer}'{}. A server must send \
                             its intermediates; the device has only its roots, so the chain stops \
                             at the leaf (NOT_TRUSTED).",
                            top_label.name,
                            known
                                .map(|k| format!(
                                    ", an intermediate issued by '{}'",
                                    short_dn(&k.cert.issuer.to_string())
                                ))
                                .unwrap_or_default()
                        ),
                        Some(where_(&top_label)),
                        Detail::MissingIssuerOf(ti),
                    );
                }
            } else if !trusted_intermediates.is_empty() && !leaf_reported {
                let names: Vec<String> = trusted_intermediates
                    .iter()
                    .map(|c| format!("'{}'", c.subject.short()))
                    .collect();
                push(
                    &mut out,
                    CauseKind::AnchorIsIntermediate,
                    format!(
                        "The trust list holds the intermediate {} but the server's chain goes \
                         through {} up to '{issuer}'. Intermediates are replaced every few years \
                         (Let's Encrypt rotates them); a device should trust the root.",
                        names.join(", "),
                        top_label.name
                    ),
                    Some(where_(&top_label)),
                    Detail::At(CertRef::Chain(ti)),
                );
            } else if !leaf_reported {
                let trusted: Vec<String> =
                    w.trust.iter().map(|a| format!("'{}'", a.label())).collect();
                push(
                    &mut out,
                    CauseKind::AnchorWrongCa,
                    format!(
                        "The chain leads to '{issuer}', which the device does not trust{}.",
                        if trusted.is_empty() {
                            " (the trust list is empty)".to_string()
                        } else if trusted.len() <= 4 {
                            format!("; it trusts {}", trusted.join(", "))
                        } else {
                            format!("; it trusts {} other anchors", trusted.len())
                        }
                    ),
                    Some(where_(&top_label)),
                    Detail::At(CertRef::Chain(ti)),
                );
            }
        }
    }
    for r in &v.reasons {
        match r {
            Reason::NotInBundle { cert, issuer } => {
                let issuer = &short_dn(issuer);
                let c = cert_at(w, cert.at);
                // A cross-signed copy of a root: a root (self-issued) of the same name and key
                // is in the store or the trust. The same certificate in the trust as an
                // intermediate is not that: the bundle holds an intermediate, not a root.
                let root_of_it = |c: &Certificate| {
                    cx.store.same_subject_and_key(c).iter().any(|i| {
                        cx.store
                            .get(*i)
                            .and_then(|r| r.anchor.cert.as_ref())
                            .is_none_or(|rc| rc.is_self_issued())
                    }) || w.trust.iter().any(|a| {
                        a.subject_raw() == c.subject_raw()
                            && a.spki_raw() == c.spki_raw()
                            && a.cert.as_ref().is_some_and(|t| t.is_self_issued())
                    })
                };
                let pinned_intermediate = c.is_some_and(|c| {
                    c.is_ca()
                        && !c.is_self_issued()
                        && w.trust.iter().any(|a| {
                            a.subject_raw() == c.subject_raw() && a.spki_raw() == c.spki_raw()
                        })
                        && !root_of_it(c)
                });
                let cross = c.is_some_and(|c| !c.is_self_issued() && root_of_it(c));
                if pinned_intermediate {
                    push(
                        &mut out,
                        CauseKind::AnchorIsIntermediate,
                        format!(
                            "The certificate bundle holds the intermediate {}, not a root. ESP-IDF's bundle looks up the issuer of the top certificate the server sends ('{issuer}') and finds no record for it (-0x3000): put the root '{issuer}' in the bundle.",
                            cert.name
                        ),
                        Some(where_(cert)),
                        Detail::At(cert.at),
                    );
                } else if cross {
                    push(
                        &mut out,
                        CauseKind::CrossSignTopNotInBundle,
                        format!(
                            "The chain ends in {}, a cross-signed copy of that root issued by \
                             '{issuer}'. ESP-IDF's bundle looks up the issuer of the top \
                             certificate the server sends, finds no record for '{issuer}' and \
                             fails (-0x3000), although the root itself is in the bundle.",
                            cert.name
                        ),
                        Some(where_(cert)),
                        Detail::At(cert.at),
                    );
                } else {
                    push(
                        &mut out,
                        CauseKind::AnchorWrongCa,
                        format!(
                            "The certificate bundle has no record for '{issuer}', the issuer of {} \
                             ('No matching trusted root certificate found', -0x3000).",
                            cert.name
                        ),
                        Some(where_(cert)),
                        Detail::At(cert.at),
                    );
                }
            }
            Reason::BundleSignatureFailed { cert } => push(
                &mut out,
                CauseKind::BadSignature,
                format!(
                    "The bundle record named like the issuer of {} does not verify its signature: \
                     the bundle holds another key under that name.",
                    cert.name
                ),
                Some(where_(cert)),
                Detail::At(cert.at),
            ),
            Reason::BadSignature { cert, by } => push(
                &mut out,
                CauseKind::BadSignature,
                match by.at {
                    CertRef::Trust(_) => format!(
                        "The trusted '{}' has the name of the issuer of {} but not the key that \
                         signed it: another generation of that CA, or another CA of that name.",
                        by.name, cert.name
                    ),
                    CertRef::Chain(_) => format!(
                        "The server sends '{}' as the issuer of {}, but its key did not sign it: \
                         the server sends the wrong intermediate (or a damaged certificate).",
                        by.name, cert.name
                    ),
                },
                Some(where_(cert)),
                Detail::Signature(cert.at, by.at),
            ),
            _ => {}
        }
    }

    // Time.
    let future: Vec<&CertLabel> = v
        .reasons
        .iter()
        .filter_map(|r| match r {
            Reason::NotYetValid { cert, .. } => Some(cert),
            _ => None,
        })
        .collect();
    if !future.is_empty() && w.at < CLOCK_FLOOR {
        push(
            &mut out,
            CauseKind::ClockNotSet,
            format!(
                "The device clock reads {}: it has not been set (no SNTP sync before the \
                 handshake), so every certificate looks not yet valid (FUTURE) to a stack that \
                 checks dates.",
                format_time(w.at)
            ),
            None,
            Detail::None,
        );
    } else if !future.is_empty()
        && w.at < cx.now
        && future
            .iter()
            .all(|c| cert_at(w, c.at).is_some_and(|x| x.not_before <= cx.now))
    {
        // Valid today, not at the device's time: the device clock is behind.
        let latest = future
            .iter()
            .filter_map(|c| cert_at(w, c.at).map(|x| (c, x.not_before)))
            .max_by_key(|(_, nb)| *nb);
        if let Some((c, nb)) = latest {
            push(
                &mut out,
                CauseKind::ClockBehind,
                format!(
                    "The device clock reads {}, behind the real time: {} is valid from {}, before today, so the device sees it as not yet valid. The device must set its clock (SNTP or an RTC) before connecting; a fixed or build-time clock breaks at every certificate renewal.",
                    format_time(w.at),
                    c.name,
                    format_time(nb)
                ),
                Some(where_(c)),
                Detail::None,
            );
        }
    } else {
        for c in future {
            let nb = cert_at(w, c.at).map(|x| x.not_before).unwrap_or(0);
            push(
                &mut out,
                CauseKind::NotYetValid,
                format!(
                    "{} is valid only from {} and the device clock reads {}{}.",
                    c.name,
                    format_time(nb),
                    format_time(w.at),
                    if nb <= cx.now {
                        " (the device clock is behind)"
                    } else {
                        ""
                    }
                ),
                Some(where_(c)),
                Detail::At(c.at),
            );
        }
    }
    for r in &v.reasons {
        if let Reason::Expired { cert, not_after } = r {
            push(
                &mut out,
                CauseKind::Expired,
                format!(
                    "{} expired at {not_after}; the device clock reads {}.",
                    cert.name,
                    format_time(w.at)
                ),
                Some(where_(cert)),
                Detail::At(cert.at),
            );
        }
    }

    // Algorithms and keys the profile refuses.
    for r in &v.reasons {
        match r {
            Reason::BadHash { cert, algorithm } => push(
                &mut out,
                CauseKind::WeakHash,
                format!(
                    "{} is signed with {algorithm}, which {stack}'s X.509 profile rejects \
                     (BAD_MD).",
                    cert.name
                ),
                Some(where_(cert)),
                Detail::At(cert.at),
            ),
            Reason::BadKey { cert, key } => push(
                &mut out,
                CauseKind::WeakKey,
                format!(
                    "{} has a {key} key, which {stack}'s X.509 profile rejects (BAD_KEY).",
                    cert.name
                ),
                Some(where_(cert)),
                Detail::At(cert.at),
            ),
            Reason::BadKeyType { cert, key } => push(
                &mut out,
                CauseKind::UnsupportedAlgorithm,
                format!(
                    "{} uses {key}, which {stack}'s X.509 profile does not allow (BAD_PK).",
                    cert.name
                ),
                Some(where_(cert)),
                Detail::Missing(
                    cert.at,
                    Missing::NotInLibrary(format!("{key} under this X.509 profile")),
                ),
            ),
            _ => {}
        }
    }

    // Names and usages.
    for r in &v.reasons {
        match r {
            Reason::HostnameMismatch { host, names } if ip_unmatched(w, host, leaf) => push(
                &mut out,
                CauseKind::IpSanUnmatched,
                format!(
                    "The device connects to the address {host}, and the certificate holds it as an iPAddress entry ({}), but {} matches the hostname against dNSName entries and the CN only (iPAddress entries from Mbed TLS 3.5): the address never matches (CN_MISMATCH).",
                    names.join(", "),
                    w.profile
                        .mbedtls
                        .map_or_else(|| w.profile.name().to_string(), |v| format!("Mbed TLS {v}"))
                ),
                leaf.map(|l| format!("served [0] {}", l.label())),
                Detail::Names(vec![host.clone()]),
            ),
            Reason::HostnameMismatch { host, names } => push(
                &mut out,
                CauseKind::HostnameMismatch,
                format!(
                    "The device checks the hostname '{host}', but the server's certificate holds \
                     only [{}] (CN_MISMATCH).",
                    names.join(", ")
                ),
                leaf.map(|l| format!("served [0] {}", l.label())),
                Detail::Names(names.clone()),
            ),
            Reason::NoHostname => push(
                &mut out,
                CauseKind::NoHostname,
                "No hostname is set on the connection, and this Mbed TLS refuses to verify a \
                 certificate without one (-0x5D80, from 3.6.3 and 2.28.10)."
                    .into(),
                None,
                Detail::None,
            ),
            Reason::ExtKeyUsage { purposes } => push(
                &mut out,
                CauseKind::ExtendedKeyUsage,
                format!(
                    "The server's certificate is for [{}], not for TLS servers: its \
                     extendedKeyUsage lacks serverAuth (EXT_KEY_USAGE).",
                    purposes.join(", ")
                ),
                leaf.map(|l| format!("served [0] {}", l.label())),
                Detail::At(CertRef::Chain(0)),
            ),
            Reason::KeyUsage { usages } => push(
                &mut out,
                CauseKind::KeyUsage,
                format!(
                    "The server's certificate allows only [{}]: its keyUsage does not allow the \
                     key exchange (digitalSignature for ECDHE) (KEY_USAGE).",
                    usages.join(", ")
                ),
                leaf.map(|l| format!("served [0] {}", l.label())),
                Detail::At(CertRef::Chain(0)),
            ),
            _ => {}
        }
    }

    // Order: the stack needs it and the working order is accepted.
    if let Some(order) = working_order(w) {
        let mut re = w.clone();
        re.chain = order
            .iter()
            .filter_map(|i| w.chain.get(*i).cloned())
            .collect();
        if re.run().ok {
            push(
                &mut out,
                CauseKind::ChainOrder,
                format!(
                    "The server sends its chain out of order; {stack} reads it in the order sent. \
                     The working order is {order:?} (leaf first, each certificate followed by its \
                     issuer)."
                ),
                None,
                Detail::Order(order),
            );
        }
    }

    // Whatever else the stack said.
    if out.is_empty() {
        for r in &v.reasons {
            if matches!(
                r,
                Reason::IgnoredByAuthmode { .. } | Reason::BundleNotConsulted { .. }
            ) {
                continue;
            }
            push(&mut out, CauseKind::Other, r.message(), None, Detail::None);
        }
        if out.is_empty() {
            push(
                &mut out,
                CauseKind::Other,
                format!("{stack} rejects the chain ({}).", v.code),
                None,
                Detail::None,
            );
        }
    }
    out
}

/// From served certificate `i`, up through the issuers the served chain holds, to the top.
fn climb(w: &World, i: usize) -> usize {
    let mut cur = i;
    for _ in 0..w.chain.len() {
        let c = &w.chain[cur];
        if c.is_self_issued() {
            break;
        }
        match (0..w.chain.len()).find(|&j| j != cur && w.chain[j].subject_raw() == c.issuer_raw()) {
            Some(j) => cur = j,
            None => break,
        }
    }
    cur
}

/// Leaf first, each certificate followed by its issuer, when that differs from the order
/// sent (and every certificate fits in it).
pub(crate) fn working_order(w: &World) -> Option<Vec<usize>> {
    let n = w.chain.len();
    if n < 2 {
        return None;
    }
    let mut order = vec![0usize];
    let mut used = vec![false; n];
    used[0] = true;
    while let Some(&last) = order.last() {
        let cur = &w.chain[last];
        if cur.is_self_issued() {
            break;
        }
        let next = (0..n).find(|&j| !used[j] && w.chain[j].subject_raw() == cur.issuer_raw());
        match next {
            Some(j) => {
                used[j] = true;
                order.push(j);
            }
            None => break,
        }
    }
    if order.len() != n || order.iter().enumerate().all(|(k, i)| k == *i) {
        return None;
    }
    Some(order)
}

/// Hardening and lifetime notes.
pub(crate) fn warnings(inp: &Input<'_>, w: &World, v: &Verdict, found: &[Found]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let end = inp.at.saturating_add(inp.lifetime);
    let trusted: Vec<&Certificate> = w.trust.iter().filter_map(|a| a.cert.as_ref()).collect();
    if trusted.iter().any(|c| is_leaf_cert(c)) {
        out.push(
            "Never use a leaf or an intermediate as a long-term anchor: Let's Encrypt leaves last \
             90 days and intermediates a few years; roots last decades."
                .into(),
        );
    } else if trusted.iter().any(|c| is_intermediate(c)) {
        out.push(
            "An intermediate in the trust list pins the device to it: when the CA rotates its \
             intermediates the device stops connecting. Trust roots."
                .into(),
        );
    }
    if w.chain.len() == 1
        && w.chain
            .first()
            .is_some_and(|l| !l.is_ca() && !l.is_self_issued())
        && found
            .iter()
            .all(|f| f.cause.kind != CauseKind::MissingIntermediate)
    {
        if let Some(k) = w
            .chain
            .first()
            .and_then(|l| l.authority_key_id.as_ref())
            .and_then(|aki| known::by_key_id(aki).into_iter().next())
        {
            out.push(format!(
                "only the leaf was given as the served chain: the server must also send its \
                 intermediate ({}); check with `openssl s_client -showcerts`",
                short_dn(&k.cert.subject.to_string())
            ));
        }
    }
    if v.ok {
        // A backup owner, and anchors that end within the lifetime.
        let owners: std::collections::BTreeSet<String> = w
            .trust
            .iter()
            .map(|a| {
                inp.store
                    .by_subject(a.subject_raw())
                    .find(|(_, r)| r.anchor.spki_raw() == a.spki_raw())
                    .map(|(_, r)| r.owner.clone())
                    .unwrap_or_else(|| a.subject.organization().unwrap_or_default())
            })
            .collect();
        if owners.len() < 2 {
            out.push(
                "All trusted anchors belong to one CA owner: add a backup root of another owner \
                 so a CA change does not strand the fleet (anchorkit bundle --redundancy 2)."
                    .into(),
            );
        }
        if let Some(a) = &v.anchor {
            if let Some(c) = w.trust.get(a.trust_index).and_then(|t| t.cert.as_ref()) {
                if c.not_after < end {
                    out.push(format!(
                        "the anchor in use, {}, expires {}, within the device lifetime",
                        c.subject.short(),
                        format_date(c.not_after)
                    ));
                }
            }
        }
    } else {
        // Anchors the chain names as an issuer (all of them when the list is short).
        let named = |c: &Certificate| {
            w.trust.len() <= 5 || w.chain.iter().any(|x| x.issuer_raw() == c.subject_raw())
        };
        for a in &w.trust {
            if let Some(c) = &a.cert {
                if c.not_after < end && c.not_after >= inp.at && named(c) {
                    out.push(format!(
                        "trust entry {} expires {}, within the device lifetime",
                        c.subject.short(),
                        format_date(c.not_after)
                    ));
                }
            }
        }
    }
    for (i, c) in w.chain.iter().enumerate() {
        if !c.is_self_issued() && !inp.store.same_subject_and_key(c).is_empty() {
            let in_cause = found
                .iter()
                .any(|f| f.cause.kind == CauseKind::CrossSignTopNotInBundle);
            if !in_cause {
                out.push(format!(
                    "served certificate [{i}] {} is a cross-signed copy of a root, issued by {}{}; \
                     ESP bundle mode looks up that issuer, not the root itself",
                    c.subject.short(),
                    c.issuer.short(),
                    if c.not_after < end {
                        format!(", and it expires {}", format_date(c.not_after))
                    } else {
                        String::new()
                    }
                ));
            }
        }
    }
    if let Some(l) = w.chain.first() {
        let days = (l.not_after - l.not_before) / 86_400;
        if days <= 400 && !l.is_self_issued() {
            out.push(format!(
                "the server's leaf is valid for {days} days (until {}): it will be replaced \
                 often, so trust a root, never the leaf",
                format_date(l.not_after)
            ));
        }
    }
    if w.profile.esp_idf.is_some()
        && w.profile.trust_mode == TrustMode::CertPem
        && !w.profile.time_check
        && v.ok
    {
        out.push(
            "time checks are off (ESP-IDF's default): an expired certificate is accepted; turn \
             CONFIG_MBEDTLS_HAVE_TIME_DATE on only with a clock synced before every handshake"
                .into(),
        );
    }
    out
}
