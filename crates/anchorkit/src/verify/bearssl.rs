//! BearSSL `br_x509_minimal` (0.6; the ESP8266 Arduino core's `X509List` / `CertStore`).
//!
//! Rules (`x509_minimal.t0`, see `shared/reference/mbedtls-semantics.md` §6.1): the chain is
//! processed strictly in the order sent; every certificate's dates are checked (expired or not
//! yet valid is a hard failure, anchors carry no dates); each certificate after the first must
//! carry the subject its predecessor names as issuer, be a CA, and have keyCertSign when it has
//! keyUsage; the leaf's DNS names are checked; a non-CA anchor with the leaf's subject and key is
//! direct trust (even for a CA-issued leaf); otherwise validation ends at the first certificate
//! whose issuer is a CA anchor that verifies its signature. Trust anchors are built as the
//! ESP8266 core builds them: DN and key, CA flag only for CA certificates.

use super::names::dns_match;
use super::{
    AnchorInfo, CertRef, HostCheck, PathEntry, Reason, Request, Stack, Verdict, label, time_text,
};
use crate::anchor::TrustAnchor;
use crate::cert::{Certificate, Curve, KeyKind, KeyUsage, SanEntry, SigAlg};
use crate::crypto::{SigCheck, verify_signature};
use crate::profile::Profile;

/// The BearSSL stack.
pub struct Bearssl;

const EXPIRED: i32 = 54;
const DN_MISMATCH: i32 = 55;
const BAD_SERVER_NAME: i32 = 56;
const CRITICAL_EXTENSION: i32 = 57;
const NOT_CA: i32 = 58;
const FORBIDDEN_KEY_USAGE: i32 = 59;
const WEAK_PUBLIC_KEY: i32 = 60;
const NOT_TRUSTED: i32 = 62;
const UNSUPPORTED: i32 = 49;
const BAD_SIGNATURE: i32 = 52;
const EMPTY_CHAIN: i32 = 35;

fn name(code: i32) -> &'static str {
    match code {
        EXPIRED => "BR_ERR_X509_EXPIRED",
        DN_MISMATCH => "BR_ERR_X509_DN_MISMATCH",
        BAD_SERVER_NAME => "BR_ERR_X509_BAD_SERVER_NAME",
        CRITICAL_EXTENSION => "BR_ERR_X509_CRITICAL_EXTENSION",
        NOT_CA => "BR_ERR_X509_NOT_CA",
        FORBIDDEN_KEY_USAGE => "BR_ERR_X509_FORBIDDEN_KEY_USAGE",
        WEAK_PUBLIC_KEY => "BR_ERR_X509_WEAK_PUBLIC_KEY",
        NOT_TRUSTED => "BR_ERR_X509_NOT_TRUSTED",
        UNSUPPORTED => "BR_ERR_X509_UNSUPPORTED",
        BAD_SIGNATURE => "BR_ERR_X509_BAD_SIGNATURE",
        EMPTY_CHAIN => "BR_ERR_X509_EMPTY_CHAIN",
        _ => "BR_ERR_X509",
    }
}

/// Extensions BearSSL ignores even when critical, and the ones it processes.
const UNDERSTOOD: &[&str] = &[
    "2.5.29.19",
    "2.5.29.15",
    "2.5.29.17",
    "2.5.29.37",
    "2.5.29.35",
    "2.5.29.14",
    "2.5.29.18",
    "2.5.29.9",
    "2.5.29.31",
    "2.5.29.46",
    "1.3.6.1.5.5.7.1.1",
    "1.3.6.1.5.5.7.1.11",
];

fn decode_problem(c: &Certificate) -> Option<(i32, String)> {
    let sig_ok = match &c.sig_alg {
        SigAlg::RsaPkcs1 { hash } | SigAlg::Ecdsa { hash } => !matches!(
            hash,
            crate::cert::HashAlg::Md2 | crate::cert::HashAlg::Md4 | crate::cert::HashAlg::Md5
        ),
        _ => false,
    };
    if !sig_ok {
        return Some((
            UNSUPPORTED,
            format!("signature algorithm {}", c.sig_alg.name()),
        ));
    }
    match &c.key {
        KeyKind::Rsa { bits, .. } if *bits < 1017 => {
            return Some((WEAK_PUBLIC_KEY, format!("RSA {bits}")));
        }
        KeyKind::Rsa { .. } => {}
        KeyKind::Ec {
            curve: Curve::P256 | Curve::P384 | Curve::P521,
        } => {}
        other => return Some((UNSUPPORTED, format!("key {}", other.describe()))),
    }
    for e in &c.extensions {
        if e.critical && !UNDERSTOOD.contains(&e.oid.as_ref()) && e.oid != "2.5.29.32" {
            return Some((
                CRITICAL_EXTENSION,
                format!("critical {}", e.name.unwrap_or(&e.oid)),
            ));
        }
    }
    None
}

fn host_ok(leaf: &Certificate, host: &str) -> bool {
    if leaf.has_san {
        return leaf
            .san
            .iter()
            .any(|s| matches!(s, SanEntry::Dns(d) if dns_match(d, host)));
    }
    leaf.subject
        .attrs()
        .filter(|a| a.oid == "2.5.4.3")
        .any(|a| dns_match(&a.text(), host))
}

fn is_ca_anchor(a: &TrustAnchor) -> bool {
    a.cert.as_ref().is_none_or(Certificate::is_ca)
}

fn sig_by(c: &Certificate, spki: &[u8]) -> bool {
    matches!(
        verify_signature(spki, &c.sig_alg, c.tbs(), &c.signature),
        SigCheck::Valid
    )
}

impl Stack for Bearssl {
    fn verify(&self, p: &Profile, req: &Request<'_>) -> Verdict {
        let mut reasons = Vec::new();
        let mut path = Vec::new();
        let done = |code: i32,
                    path: Vec<PathEntry>,
                    anchor: Option<AnchorInfo>,
                    reasons: Vec<Reason>| Verdict {
            profile: p.summary(),
            ok: code == 0,
            code: code.to_string(),
            code_name: (code != 0).then(|| name(code).to_string()),
            flags: None,
            flag_names: Vec::new(),
            anchor,
            path,
            reasons,
        };
        if req.chain.is_empty() {
            return done(EMPTY_CHAIN, path, None, reasons);
        }
        for (i, c) in req.chain.iter().enumerate() {
            let here = label(CertRef::Chain(i), c);
            path.push(PathEntry {
                at: CertRef::Chain(i),
                subject: c.subject.to_string(),
                flags: 0,
                flag_names: Vec::new(),
            });
            if let Some((code, detail)) = decode_problem(c) {
                reasons.push(Reason::ChainCertUnparseable {
                    cert: here,
                    code: code.to_string(),
                    detail,
                });
                return done(code, path, None, reasons);
            }
            if req.at > c.not_after || req.at < c.not_before {
                reasons.push(if req.at > c.not_after {
                    Reason::Expired {
                        cert: here,
                        not_after: time_text(c.not_after),
                    }
                } else {
                    Reason::NotYetValid {
                        cert: here,
                        not_before: time_text(c.not_before),
                    }
                });
                return done(EXPIRED, path, None, reasons);
            }
            if i > 0 {
                let prev = &req.chain[i - 1];
                if c.subject_raw() != prev.issuer_raw() {
                    reasons.push(Reason::Other {
                        message: format!(
                            "served certificate [{i}] {} is not the issuer of [{}] (BearSSL needs the chain in order)",
                            c.label(),
                            i - 1
                        ),
                    });
                    return done(DN_MISMATCH, path, None, reasons);
                }
                if !c.is_ca() {
                    reasons.push(Reason::Other {
                        message: format!("served certificate [{i}] {} is not a CA", c.label()),
                    });
                    return done(NOT_CA, path, None, reasons);
                }
                if c.key_usage.is_some_and(|k| !k.has(KeyUsage::KEY_CERT_SIGN)) {
                    reasons.push(Reason::Other {
                        message: format!(
                            "served certificate [{i}] {} lacks keyCertSign",
                            c.label()
                        ),
                    });
                    return done(FORBIDDEN_KEY_USAGE, path, None, reasons);
                }
                if let Some(pl) = c.basic_constraints.and_then(|b| b.path_len) {
                    if (i - 1) as u32 > pl {
                        reasons.push(Reason::Other {
                            message: format!("pathLen {pl} of [{i}] exceeded"),
                        });
                        return done(NOT_CA, path, None, reasons);
                    }
                }
                if !sig_by(prev, c.spki_raw()) {
                    reasons.push(Reason::BadSignature {
                        cert: label(CertRef::Chain(i - 1), prev),
                        by: here.clone(),
                    });
                    return done(BAD_SIGNATURE, path, None, reasons);
                }
            } else {
                if let HostCheck::Name(h) = req.host {
                    if !host_ok(c, h) {
                        reasons.push(Reason::HostnameMismatch {
                            host: h.to_string(),
                            names: super::names::offered_names(c),
                        });
                        return done(BAD_SERVER_NAME, path, None, reasons);
                    }
                }
                // Direct trust: a non-CA anchor with the leaf's DN and key.
                if let Some((k, a)) = req.trust.iter().enumerate().find(|(_, a)| {
                    !is_ca_anchor(a)
                        && a.subject_raw() == c.subject_raw()
                        && a.spki_raw() == c.spki_raw()
                }) {
                    let anchor = AnchorInfo {
                        subject: a.subject.to_string(),
                        kind: "leaf-pinned",
                        trust_index: k,
                        origin: a.origin.clone(),
                    };
                    return done(0, path, Some(anchor), reasons);
                }
            }
            // A CA anchor named as this certificate's issuer that verifies it ends the chain.
            for (k, a) in req.trust.iter().enumerate() {
                if is_ca_anchor(a) && a.subject_raw() == c.issuer_raw() && sig_by(c, a.spki_raw()) {
                    let anchor = AnchorInfo {
                        subject: a.subject.to_string(),
                        kind: "trust",
                        trust_index: k,
                        origin: a.origin.clone(),
                    };
                    return done(0, path, Some(anchor), reasons);
                }
            }
        }
        if let Some(last) = req.chain.last() {
            reasons.push(Reason::NoTrustedIssuer {
                cert: label(CertRef::Chain(req.chain.len() - 1), last),
                issuer: last.issuer.to_string(),
            });
        }
        done(NOT_TRUSTED, path, None, reasons)
    }
}
