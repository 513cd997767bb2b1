//! wolfSSL 5.5 as a TLS client processes the peer chain (`ProcessPeerCerts`, built with
//! `WOLFSSL_ALT_CERT_CHAINS` as Debian and many embedded builds are).
//!
//! Rules (`shared/reference/mbedtls-semantics.md` §6.2, confirmed against the real library by
//! the differential suite): every certificate loaded by the user is a signer, CA or not, and
//! its dates are never checked; the served chain is verified from the last certificate down;
//! a chain certificate that verifies becomes a signer when it is a CA with keyCertSign; one
//! whose signer is missing is skipped (alternate chains); any other error is fatal; then the
//! leaf must verify and match the host. Per certificate: unknown critical extensions (-160),
//! a self-signed certificate that is not itself loaded (-275), no signer (-188), bad signature
//! (-155), a CA below a pathLen 0 signer (-238), DNS name constraints (-198), and only then
//! dates (-150, -151).

use super::{
    AnchorInfo, CertRef, HostCheck, PathEntry, Reason, Request, Stack, Verdict, label, time_text,
};
use crate::cert::{Certificate, KeyUsage, SanEntry};
use crate::crypto::{SigCheck, verify_signature};
use crate::profile::Profile;

/// The wolfSSL stack.
pub struct Wolfssl;

const NO_SIGNER: i32 = -188;

fn code_name(code: i32) -> &'static str {
    match code {
        -150 => "ASN_BEFORE_DATE_E",
        -151 => "ASN_AFTER_DATE_E",
        -155 => "ASN_SIG_CONFIRM_E",
        -160 => "ASN_CRIT_EXT_E",
        -188 => "ASN_NO_SIGNER_E",
        -198 => "ASN_NAME_INVALID_E",
        -238 => "ASN_PATHLEN_INV_E",
        -275 => "ASN_SELF_SIGNED_E",
        -322 => "DOMAIN_NAME_MISMATCH",
        _ => "WOLFSSL_ERROR",
    }
}

/// Extensions wolfSSL decodes (a critical one it does not know is -160).
const KNOWN: &[&str] = &[
    "2.5.29.14",
    "2.5.29.15",
    "2.5.29.17",
    "2.5.29.19",
    "2.5.29.30",
    "2.5.29.31",
    "2.5.29.32",
    "2.5.29.35",
    "2.5.29.37",
    "1.3.6.1.5.5.7.1.1",
    "2.16.840.1.113730.1.1",
];

struct Signer<'a> {
    cert: &'a Certificate,
    at: CertRef,
}

fn dns_permitted(constraint: &str, name: &str) -> bool {
    match constraint.strip_prefix('.') {
        Some(_) => name.to_lowercase().ends_with(&constraint.to_lowercase()),
        None => name.eq_ignore_ascii_case(constraint),
    }
}

fn check_one<'a>(c: &Certificate, signers: &[Signer<'a>], at: i64) -> Result<usize, (i32, Reason)> {
    let here = || label(CertRef::Chain(0), c);
    if let Some(e) = c
        .extensions
        .iter()
        .find(|e| e.critical && !KNOWN.contains(&e.oid.as_ref()))
    {
        return Err((
            -160,
            Reason::ChainCertUnparseable {
                cert: here(),
                code: "-160".into(),
                detail: format!("unknown critical extension {}", e.oid),
            },
        ));
    }
    if c.is_self_issued() {
        return match signers.iter().position(|s| s.cert.der() == c.der()) {
            Some(i) => Ok(i),
            None => Err((
                -275,
                Reason::NoTrustedIssuer {
                    cert: here(),
                    issuer: c.issuer.to_string(),
                },
            )),
        };
    }
    let Some(i) = signers.iter().position(|s| {
        s.cert.subject_raw() == c.issuer_raw()
            && match (&c.authority_key_id, &s.cert.subject_key_id) {
                (Some(a), Some(k)) => a == k,
                _ => true,
            }
    }) else {
        return Err((
            NO_SIGNER,
            Reason::NoTrustedIssuer {
                cert: here(),
                issuer: c.issuer.to_string(),
            },
        ));
    };
    let s = &signers[i];
    if !matches!(
        verify_signature(s.cert.spki_raw(), &c.sig_alg, c.tbs(), &c.signature),
        SigCheck::Valid
    ) {
        return Err((
            -155,
            Reason::BadSignature {
                cert: here(),
                by: label(s.at, s.cert),
            },
        ));
    }
    if c.is_ca() && s.cert.basic_constraints.and_then(|b| b.path_len) == Some(0) {
        return Err((
            -238,
            Reason::Other {
                message: format!(
                    "{} is a CA below {} whose pathLen is 0",
                    c.label(),
                    s.cert.label()
                ),
            },
        ));
    }
    if s.cert.extensions.iter().any(|e| e.oid == "2.5.29.30") {
        // DNS name constraints of the signer, as far as they are known: compare the DNS SANs.
        let constraints = dns_constraints(s.cert);
        if !constraints.is_empty() {
            let names: Vec<&String> = c
                .san
                .iter()
                .filter_map(|x| match x {
                    SanEntry::Dns(d) => Some(d),
                    _ => None,
                })
                .collect();
            if names
                .iter()
                .any(|n| !constraints.iter().any(|k| dns_permitted(k, n)))
            {
                return Err((
                    -198,
                    Reason::Other {
                        message: format!(
                            "{} violates the name constraints of {}",
                            c.label(),
                            s.cert.label()
                        ),
                    },
                ));
            }
        }
    }
    if at < c.not_before {
        return Err((
            -150,
            Reason::NotYetValid {
                cert: here(),
                not_before: time_text(c.not_before),
            },
        ));
    }
    if at > c.not_after {
        return Err((
            -151,
            Reason::Expired {
                cert: here(),
                not_after: time_text(c.not_after),
            },
        ));
    }
    Ok(i)
}

/// Permitted dNSName subtrees of a nameConstraints extension.
fn dns_constraints(c: &Certificate) -> Vec<String> {
    use x509_parser::extensions::{GeneralName, ParsedExtension};
    use x509_parser::prelude::{FromDer, X509Certificate};
    let Ok((_, x)) = X509Certificate::from_der(c.der()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in x.extensions() {
        if let ParsedExtension::NameConstraints(nc) = e.parsed_extension() {
            for sub in nc.permitted_subtrees.iter().flatten() {
                if let GeneralName::DNSName(d) = &sub.base {
                    out.push(d.to_string());
                }
            }
        }
    }
    out
}

impl Stack for Wolfssl {
    fn verify(&self, p: &Profile, req: &Request<'_>) -> Verdict {
        let mut signers: Vec<Signer<'_>> = req
            .trust
            .iter()
            .enumerate()
            .filter_map(|(i, a)| {
                a.cert.as_ref().map(|c| Signer {
                    cert: c,
                    at: CertRef::Trust(i),
                })
            })
            .collect();
        let done = |code: i32, reasons: Vec<Reason>, anchor: Option<AnchorInfo>| Verdict {
            profile: p.summary(),
            ok: code == 0,
            code: code.to_string(),
            code_name: (code != 0).then(|| code_name(code).to_string()),
            flags: None,
            flag_names: Vec::new(),
            anchor,
            path: req
                .chain
                .iter()
                .enumerate()
                .map(|(i, c)| PathEntry {
                    at: CertRef::Chain(i),
                    subject: c
                        .cert()
                        .map_or_else(|| c.label(), |c| c.subject.to_string()),
                    flags: 0,
                    flag_names: Vec::new(),
                })
                .collect(),
            reasons,
        };
        let mut reasons = Vec::new();
        let mut certs: Vec<&crate::cert::Certificate> = Vec::new();
        for (i, e) in req.chain.iter().enumerate() {
            match e.cert() {
                Some(c) => certs.push(c),
                None => {
                    reasons.push(Reason::ChainCertUnparseable {
                        cert: super::entry_label(i, e),
                        code: "-140".into(),
                        detail: "not a certificate wolfSSL can decode (ASN_PARSE_E)".into(),
                    });
                    return done(-140, reasons, None);
                }
            }
        }
        for (i, c) in certs.iter().copied().enumerate().skip(1).rev() {
            match check_one(c, &signers, req.at) {
                Ok(_) => {
                    if c.is_ca() && c.key_usage.is_none_or(|k| k.has(KeyUsage::KEY_CERT_SIGN)) {
                        signers.push(Signer {
                            cert: c,
                            at: CertRef::Chain(i),
                        });
                    }
                }
                Err((NO_SIGNER, _)) => {}
                Err((code, r)) => {
                    reasons.push(relabel(r, i));
                    return done(code, reasons, None);
                }
            }
        }
        let Some(leaf) = certs.first().copied() else {
            return done(NO_SIGNER, reasons, None);
        };
        let signer = match check_one(leaf, &signers, req.at) {
            Ok(s) => s,
            Err((code, r)) => {
                reasons.push(r);
                return done(code, reasons, None);
            }
        };
        if let HostCheck::Name(h) = req.host {
            if !super::names::san_or_cn_matches(leaf, h, false) {
                reasons.push(Reason::HostnameMismatch {
                    host: h.to_string(),
                    names: super::names::offered_names(leaf),
                });
                return done(-322, reasons, None);
            }
        }
        // The anchor: follow signers up to a user-loaded one.
        let anchor = signers.get(signer).and_then(|s| match s.at {
            CertRef::Trust(i) => AnchorInfo::from_trust(req, i, "trust"),
            CertRef::Chain(_) => None,
        });
        done(0, reasons, anchor)
    }
}

fn relabel(r: Reason, i: usize) -> Reason {
    let fix = |mut c: super::CertLabel| {
        c.at = CertRef::Chain(i);
        c
    };
    match r {
        Reason::NoTrustedIssuer { cert, issuer } => Reason::NoTrustedIssuer {
            cert: fix(cert),
            issuer,
        },
        Reason::BadSignature { cert, by } => Reason::BadSignature {
            cert: fix(cert),
            by,
        },
        Reason::Expired { cert, not_after } => Reason::Expired {
            cert: fix(cert),
            not_after,
        },
        Reason::NotYetValid { cert, not_before } => Reason::NotYetValid {
            cert: fix(cert),
            not_before,
        },
        Reason::ChainCertUnparseable { cert, code, detail } => Reason::ChainCertUnparseable {
            cert: fix(cert),
            code,
            detail,
        },
        other => other,
    }
}
