//! OpenSSL 3 `openssl verify` (default parameters: trusted-first chain building, no partial
//! chains, security level 1, no purpose check), the desktop reference firmware developers
//! compare against.
//!
//! Rules (observed against OpenSSL 3.0 by the differential suite): chain building looks for
//! each certificate's issuer in the trust store first, then among the untrusted certificates in
//! any order, preferring time-valid candidates; once a trusted certificate is reached only the
//! trust store is searched; the chain must end in a self-signed trusted certificate (an
//! intermediate in the store gives error 2); a self-signed leaf is trusted only as the exact
//! certificate. Then, leaf upwards: unhandled critical extensions (34), CA flag and keyCertSign
//! on issuers (79), path length (25); name constraints (47); the host (62); key and digest
//! strength (66, 67); and finally, top down, signatures (7) and validity (9, 10).

use super::{
    AnchorInfo, CertRef, HostCheck, PathEntry, Reason, Request, Stack, Verdict, label, time_text,
};
use crate::cert::{Certificate, KeyKind, KeyUsage, Name};
use crate::crypto::{SigCheck, verify_signature};
use crate::profile::Profile;

/// The OpenSSL stack.
pub struct Openssl;

/// `SSL_R_CERT_LENGTH_MISMATCH`.
const SSL_R_CERT_LENGTH_MISMATCH: i32 = 135;
/// `ERR_R_ASN1_LIB` as `ERR_GET_REASON` returns it (a common reason: `ERR_RFLAG_COMMON`).
const ERR_R_ASN1_LIB: i32 = 13 | (2 << 18);

fn code_name(code: i32) -> &'static str {
    match code {
        2 => "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT",
        7 => "X509_V_ERR_CERT_SIGNATURE_FAILURE",
        9 => "X509_V_ERR_CERT_NOT_YET_VALID",
        10 => "X509_V_ERR_CERT_HAS_EXPIRED",
        18 => "X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT",
        19 => "X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN",
        20 => "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
        22 => "X509_V_ERR_CERT_CHAIN_TOO_LONG",
        25 => "X509_V_ERR_PATH_LENGTH_EXCEEDED",
        34 => "X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION",
        47 => "X509_V_ERR_PERMITTED_VIOLATION",
        62 => "X509_V_ERR_HOSTNAME_MISMATCH",
        64 => "X509_V_ERR_IP_ADDRESS_MISMATCH",
        66 => "X509_V_ERR_EE_KEY_TOO_SMALL",
        67 => "X509_V_ERR_CA_KEY_TOO_SMALL",
        79 => "X509_V_ERR_INVALID_CA",
        _ => "X509_V_ERR",
    }
}

/// Case-insensitive, whitespace-folded comparison (OpenSSL's canonical name encoding).
fn canon(n: &Name) -> Vec<Vec<(String, String)>> {
    n.rdns
        .iter()
        .map(|rdn| {
            let mut v: Vec<(String, String)> = rdn
                .iter()
                .map(|a| {
                    let t = a.text().to_lowercase();
                    (
                        a.oid.to_string(),
                        t.split_whitespace().collect::<Vec<_>>().join(" "),
                    )
                })
                .collect();
            v.sort();
            v
        })
        .collect()
}

fn names_eq(a: &Name, b: &Name) -> bool {
    canon(a) == canon(b)
}

/// `X509_check_issued` as far as chain building uses it: names and key identifiers.
fn issued_by(child: &Certificate, issuer: &Certificate) -> bool {
    if !names_eq(&child.issuer, &issuer.subject) {
        return false;
    }
    match (&child.authority_key_id, &issuer.subject_key_id) {
        (Some(aki), Some(ski)) => aki == ski,
        _ => true,
    }
}

fn self_signed(c: &Certificate) -> bool {
    issued_by(c, c)
}

fn time_ok(c: &Certificate, at: i64) -> bool {
    c.valid_at(at)
}

/// Extensions OpenSSL 3 handles (a critical one it does not know is error 34).
const HANDLED: &[&str] = &[
    "2.5.29.14",
    "2.5.29.15",
    "2.5.29.17",
    "2.5.29.18",
    "2.5.29.19",
    "2.5.29.30",
    "2.5.29.31",
    "2.5.29.32",
    "2.5.29.33",
    "2.5.29.35",
    "2.5.29.36",
    "2.5.29.37",
    "2.5.29.54",
    "2.5.29.46",
    "1.3.6.1.5.5.7.1.1",
    "1.3.6.1.5.5.7.1.11",
    "1.3.6.1.5.5.7.1.24",
    "2.16.840.1.113730.1.1",
    "1.3.6.1.4.1.11129.2.4.2",
    "1.3.6.1.4.1.11129.2.4.3",
];

#[derive(Clone, Copy)]
struct Link<'a> {
    cert: &'a Certificate,
    at: CertRef,
    trusted: bool,
}

/// The issuer candidates of `top` not yet on the path, preferring a time-valid one.
fn pick<'a>(
    cands: &[(usize, &'a Certificate)],
    top: &Certificate,
    path: &[Link<'_>],
    at: i64,
    prefer_first: bool,
) -> Option<(usize, &'a Certificate)> {
    let matching: Vec<(usize, &'a Certificate)> = cands
        .iter()
        .filter(|(_, c)| issued_by(top, c) && !path.iter().any(|l| l.cert.der() == c.der()))
        .copied()
        .collect();
    matching
        .iter()
        .find(|(_, c)| time_ok(c, at))
        .or(if prefer_first {
            matching.first()
        } else {
            matching.last()
        })
        .copied()
}

fn key_bits(k: &KeyKind) -> u32 {
    match k {
        KeyKind::Rsa { bits, .. } => *bits,
        KeyKind::Ec { curve } => curve.bits(),
        KeyKind::Ed25519 | KeyKind::Ed448 => 256,
        KeyKind::Other { .. } => 0,
    }
}

impl Stack for Openssl {
    fn verify(&self, p: &Profile, req: &Request<'_>) -> Verdict {
        let mut reasons = Vec::new();
        let trust: Vec<(usize, &Certificate)> = req
            .trust
            .iter()
            .enumerate()
            .filter_map(|(i, a)| a.cert.as_ref().map(|c| (i, c)))
            .collect();
        let done = |code: i32, path: &[Link<'_>], reasons: Vec<Reason>| {
            let anchor = path
                .last()
                .filter(|l| l.trusted && code == 0)
                .and_then(|l| match l.at {
                    CertRef::Trust(i) => AnchorInfo::from_trust(req, i, "trust"),
                    CertRef::Chain(_) => None,
                });
            Verdict {
                profile: p.summary(),
                ok: code == 0,
                code: code.to_string(),
                code_name: (code != 0).then(|| code_name(code).to_string()),
                flags: None,
                flag_names: Vec::new(),
                anchor,
                path: path
                    .iter()
                    .map(|l| PathEntry {
                        at: l.at,
                        subject: l.cert.subject.to_string(),
                        flags: 0,
                        flag_names: Vec::new(),
                    })
                    .collect(),
                reasons,
            }
        };
        // tls_process_server_certificate: every entry must be exactly one certificate.
        let mut certs: Vec<&Certificate> = Vec::new();
        for (i, e) in req.chain.iter().enumerate() {
            match e.cert() {
                Some(c) if e.trailing() == 0 => certs.push(c),
                Some(_) => {
                    reasons.push(Reason::ChainCertUnparseable {
                        cert: super::entry_label(i, e),
                        code: format!("-{SSL_R_CERT_LENGTH_MISMATCH}"),
                        detail:
                            "bytes after the certificate in its entry (SSL_R_CERT_LENGTH_MISMATCH)"
                                .into(),
                    });
                    return done(-SSL_R_CERT_LENGTH_MISMATCH, &[], reasons);
                }
                None => {
                    reasons.push(Reason::ChainCertUnparseable {
                        cert: super::entry_label(i, e),
                        code: format!("-{ERR_R_ASN1_LIB}"),
                        detail: "d2i_X509 cannot decode it (ERR_R_ASN1_LIB)".into(),
                    });
                    return done(-ERR_R_ASN1_LIB, &[], reasons);
                }
            }
        }
        let Some(leaf) = certs.first().copied() else {
            return done(20, &[], reasons);
        };
        let untrusted: Vec<(usize, &Certificate)> =
            certs.iter().copied().enumerate().skip(1).collect();
        let mut path = vec![Link {
            cert: leaf,
            at: CertRef::Chain(0),
            trusted: false,
        }];

        // Build the chain.
        while let Some(&top) = path.last() {
            if path.len() > 101 {
                return done(22, &path, reasons);
            }
            if top.trusted && self_signed(top.cert) {
                break;
            }
            if !top.trusted && self_signed(top.cert) {
                if let Some((i, _)) = trust.iter().find(|(_, t)| t.der() == top.cert.der()) {
                    if let Some(l) = path.last_mut() {
                        l.trusted = true;
                        l.at = CertRef::Trust(*i);
                    }
                    break;
                }
                let code = if path.len() == 1 { 18 } else { 19 };
                reasons.push(Reason::NoTrustedIssuer {
                    cert: label(top.at, top.cert),
                    issuer: top.cert.issuer.to_string(),
                });
                return done(code, &path, reasons);
            }
            if let Some((i, c)) = pick(&trust, top.cert, &path, req.at, true) {
                path.push(Link {
                    cert: c,
                    at: CertRef::Trust(i),
                    trusted: true,
                });
                continue;
            }
            if top.trusted {
                reasons.push(Reason::Other {
                    message: format!(
                        "trust entry {} is not self-signed and its issuer '{}' is not in the trust store (OpenSSL needs a self-signed trust anchor)",
                        top.cert.label(),
                        top.cert.issuer
                    ),
                });
                return done(2, &path, reasons);
            }
            if let Some((i, c)) = pick(&untrusted, top.cert, &path, req.at, false) {
                path.push(Link {
                    cert: c,
                    at: CertRef::Chain(i),
                    trusted: false,
                });
                continue;
            }
            reasons.push(Reason::NoTrustedIssuer {
                cert: label(top.at, top.cert),
                issuer: top.cert.issuer.to_string(),
            });
            return done(20, &path, reasons);
        }

        // Extensions, CA flags and path length, leaf upwards.
        let mut plen = 0u32;
        for (i, l) in path.iter().enumerate() {
            let c = l.cert;
            if let Some(e) = c
                .extensions
                .iter()
                .find(|e| e.critical && !HANDLED.contains(&e.oid.as_ref()))
            {
                reasons.push(Reason::ChainCertUnparseable {
                    cert: label(l.at, c),
                    code: "34".into(),
                    detail: format!("unhandled critical extension {}", e.oid),
                });
                return done(34, &path, reasons);
            }
            if i > 0 {
                let v1_root = c.version < 3 && self_signed(c);
                if !(c.is_ca() || v1_root)
                    || c.key_usage.is_some_and(|k| !k.has(KeyUsage::KEY_CERT_SIGN))
                {
                    reasons.push(Reason::Other {
                        message: format!(
                            "{} is not a valid CA (basicConstraints cA and keyCertSign)",
                            c.label()
                        ),
                    });
                    return done(79, &path, reasons);
                }
                if i > 1 && !c.is_self_issued() {
                    if let Some(pl) = c.basic_constraints.and_then(|b| b.path_len) {
                        if plen > pl {
                            reasons.push(Reason::Other {
                                message: format!("pathLen {pl} of {} exceeded", c.label()),
                            });
                            return done(25, &path, reasons);
                        }
                    }
                }
            }
            if i > 0 && !c.is_self_issued() {
                plen += 1;
            }
        }

        // Host.
        if let HostCheck::Name(h) = req.host {
            if !super::names::san_or_cn_matches(leaf, h, true) {
                let ip = h.parse::<std::net::IpAddr>().is_ok();
                reasons.push(Reason::HostnameMismatch {
                    host: h.to_string(),
                    names: super::names::offered_names(leaf),
                });
                return done(if ip { 64 } else { 62 }, &path, reasons);
            }
        }

        // Security level 1: 80-bit keys. (`openssl verify` accepts SHA-1 and MD5 signatures.)
        for (i, l) in path.iter().enumerate() {
            let bits = key_bits(&l.cert.key);
            let weak = match l.cert.key {
                KeyKind::Rsa { .. } => bits < 1024,
                _ => bits > 0 && bits < 160,
            };
            if weak {
                return done(if i == 0 { 66 } else { 67 }, &path, reasons);
            }
        }

        // Signatures and validity, top down.
        for i in (0..path.len()).rev() {
            let l = path[i];
            if let Some(parent) = path.get(i + 1) {
                let ok = matches!(
                    verify_signature(
                        parent.cert.spki_raw(),
                        &l.cert.sig_alg,
                        l.cert.tbs(),
                        &l.cert.signature
                    ),
                    SigCheck::Valid
                );
                if !ok {
                    reasons.push(Reason::BadSignature {
                        cert: label(l.at, l.cert),
                        by: label(parent.at, parent.cert),
                    });
                    return done(7, &path, reasons);
                }
            }
            if req.at < l.cert.not_before {
                reasons.push(Reason::NotYetValid {
                    cert: label(l.at, l.cert),
                    not_before: time_text(l.cert.not_before),
                });
                return done(9, &path, reasons);
            }
            if req.at > l.cert.not_after {
                reasons.push(Reason::Expired {
                    cert: label(l.at, l.cert),
                    not_after: time_text(l.cert.not_after),
                });
                return done(10, &path, reasons);
            }
        }
        done(0, &path, reasons)
    }
}
