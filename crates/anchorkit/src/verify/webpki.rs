//! The `webpki` profile: asks the real `rustls-webpki` crate (server authentication, all
//! algorithms `ring` provides), the verifier embedded Rust firmware with rustls uses.

use std::time::Duration;

use rustls_pki_types::{CertificateDer, ServerName, TrustAnchor as PkiAnchor, UnixTime};
use webpki::{ALL_VERIFICATION_ALGS, EndEntityCert, KeyUsage};

use super::{AnchorInfo, CertRef, HostCheck, PathEntry, Reason, Request, Stack, Verdict};
use crate::profile::Profile;

/// The rustls-webpki stack.
pub struct Webpki;

fn fail(p: &Profile, code: String, message: String) -> Verdict {
    Verdict {
        profile: p.summary(),
        ok: false,
        code: code.clone(),
        code_name: Some(code),
        flags: None,
        flag_names: Vec::new(),
        anchor: None,
        path: Vec::new(),
        reasons: vec![Reason::Other { message }],
    }
}

/// The error as a structured reason, where webpki's error says which rule failed; the
/// certificate is the one the rule points to in the served chain.
fn structured(e: &webpki::Error, req: &Request<'_>) -> Option<Reason> {
    use webpki::Error as E;
    let certs: Vec<(usize, &crate::cert::Certificate)> = req
        .chain
        .iter()
        .enumerate()
        .filter_map(|(i, e)| e.cert().map(|c| (i, c)))
        .collect();
    let lab = |i: usize, c: &crate::cert::Certificate| super::label(CertRef::Chain(i), c);
    match e {
        E::UnknownIssuer => {
            // The top of what the served chain links up to from the leaf.
            let (mut i, mut top) = *certs.first()?;
            for _ in 0..certs.len() {
                match certs
                    .iter()
                    .find(|(_, c)| c.subject_raw() == top.issuer_raw() && !c.is_self_issued())
                {
                    Some((j, c)) if *j != i => {
                        i = *j;
                        top = c;
                    }
                    _ => break,
                }
            }
            Some(Reason::NoTrustedIssuer {
                cert: lab(i, top),
                issuer: top.issuer.to_string(),
            })
        }
        E::CertExpired { .. } => certs
            .iter()
            .find(|(_, c)| c.not_after < req.at)
            .map(|(i, c)| Reason::Expired {
                cert: lab(*i, c),
                not_after: super::time_text(c.not_after),
            }),
        E::CertNotValidYet { .. } => {
            certs
                .iter()
                .find(|(_, c)| c.not_before > req.at)
                .map(|(i, c)| Reason::NotYetValid {
                    cert: lab(*i, c),
                    not_before: super::time_text(c.not_before),
                })
        }
        E::CertNotValidForName(_) => match (req.host, certs.first()) {
            (HostCheck::Name(h), Some((_, c))) => Some(Reason::HostnameMismatch {
                host: h.to_string(),
                names: super::names::offered_names(c),
            }),
            _ => None,
        },
        E::RequiredEkuNotFoundContext(_) => certs.first().map(|(_, c)| Reason::ExtKeyUsage {
            purposes: c
                .ext_key_usage
                .as_ref()
                .map(|k| k.names())
                .unwrap_or_default(),
        }),
        E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => certs
            .iter()
            .find(|(_, c)| {
                matches!(
                    c.sig_alg.hash(),
                    Some(crate::cert::HashAlg::Sha1 | crate::cert::HashAlg::Md5)
                ) && !c.is_self_issued()
            })
            .map(|(i, c)| Reason::BadHash {
                cert: lab(*i, c),
                algorithm: c.sig_alg.name(),
            }),
        _ => None,
    }
}

fn fail_rule(p: &Profile, e: &webpki::Error, message: String, req: &Request<'_>) -> Verdict {
    let mut v = fail(p, error_name(e), message);
    if let Some(r) = structured(e, req) {
        v.reasons.insert(0, r);
    }
    v
}

fn error_name(e: &webpki::Error) -> String {
    let s = format!("{e:?}");
    s.split(['(', ' ', '{']).next().unwrap_or(&s).to_string()
}

impl Stack for Webpki {
    fn verify(&self, p: &Profile, req: &Request<'_>) -> Verdict {
        // Certificates become anchors as rustls does it (name constraints kept); bare bundle
        // records carry only subject and key.
        let ders: Vec<Option<CertificateDer<'_>>> = req
            .trust
            .iter()
            .map(|a| a.cert.as_ref().map(|c| CertificateDer::from(c.der())))
            .collect();
        let anchors: Vec<PkiAnchor<'_>> = req
            .trust
            .iter()
            .zip(&ders)
            .map(|(a, der)| {
                der.as_ref()
                    .and_then(|d| webpki::anchor_from_trusted_cert(d).ok())
                    .unwrap_or_else(|| PkiAnchor {
                        subject: crate::cert::der_contents(a.subject_raw()).into(),
                        subject_public_key_info: crate::cert::der_contents(a.spki_raw()).into(),
                        name_constraints: None,
                    })
            })
            .collect();
        // rustls refuses an empty Certificate message before webpki runs.
        let Some(leaf) = req.chain.first() else {
            let mut v = fail(p, "NoCertificatesPresented".into(), String::new());
            v.reasons = vec![Reason::NoCertificate {
                code: "NoCertificatesPresented".into(),
            }];
            return v;
        };
        // rustls refuses a handshake message over 64 KiB (TLS 1.3 Certificate framing: request
        // context, then per entry 3 bytes of length and 2 of extensions).
        let body = 1 + 3 + req.chain.iter().map(|e| 5 + e.bytes().len()).sum::<usize>();
        if body > 0xffff {
            let mut v = fail(
                p,
                "InvalidMessage".into(),
                format!(
                    "the Certificate message is {body} bytes; rustls takes at most 65535 (HandshakePayloadTooLarge)"
                ),
            );
            v.reasons.insert(
                0,
                Reason::MessageTooLarge {
                    size: body,
                    limit: 0xffff,
                    setting: "rustls takes handshake messages up to 64 KiB".into(),
                },
            );
            return v;
        }
        let leaf_der = CertificateDer::from(leaf.bytes());
        let ee = match EndEntityCert::try_from(&leaf_der) {
            Ok(ee) => ee,
            Err(e) => {
                return fail(
                    p,
                    error_name(&e),
                    format!("rustls-webpki cannot parse the leaf: {e}"),
                );
            }
        };
        let inter: Vec<CertificateDer<'_>> = req
            .chain
            .iter()
            .skip(1)
            .map(|c| CertificateDer::from(c.bytes()))
            .collect();
        let time =
            UnixTime::since_unix_epoch(Duration::from_secs(u64::try_from(req.at).unwrap_or(0)));
        let path = match ee.verify_for_usage(
            ALL_VERIFICATION_ALGS,
            &anchors,
            &inter,
            time,
            KeyUsage::server_auth(),
            None,
            None,
        ) {
            Ok(path) => path,
            Err(e) => return fail_rule(p, &e, format!("rustls-webpki: {e}"), req),
        };
        if let HostCheck::Name(h) = req.host {
            let name = match ServerName::try_from(h) {
                Ok(n) => n,
                Err(e) => return fail(p, "InvalidServerName".into(), format!("'{h}': {e}")),
            };
            if let Err(e) = ee.verify_is_valid_for_subject_name(&name) {
                return fail_rule(p, &e, format!("rustls-webpki: {e}"), req);
            }
        }
        let anchor_subject = crate::cert::der_contents(path.anchor().subject.as_ref()).to_vec();
        let anchor = req
            .trust
            .iter()
            .enumerate()
            .find(|(_, a)| {
                crate::cert::der_contents(a.subject_raw()) == path.anchor().subject.as_ref()
                    || crate::cert::der_contents(a.subject_raw()) == anchor_subject.as_slice()
            })
            .map(|(i, a)| AnchorInfo {
                subject: a.subject.to_string(),
                kind: "trust",
                trust_index: i,
                origin: a.origin.clone(),
            });
        let mut entries = vec![PathEntry {
            at: CertRef::Chain(0),
            subject: leaf
                .cert()
                .map(|c| c.subject.to_string())
                .unwrap_or_default(),
            flags: 0,
            flag_names: Vec::new(),
        }];
        for c in path.intermediate_certificates() {
            if let Some(i) = req.chain.iter().position(|x| x.bytes() == c.der().as_ref()) {
                entries.push(PathEntry {
                    at: CertRef::Chain(i),
                    subject: req.chain[i]
                        .cert()
                        .map(|c| c.subject.to_string())
                        .unwrap_or_default(),
                    flags: 0,
                    flag_names: Vec::new(),
                });
            }
        }
        Verdict {
            profile: p.summary(),
            ok: true,
            code: "0".into(),
            code_name: None,
            flags: None,
            flag_names: Vec::new(),
            anchor,
            path: entries,
            reasons: Vec::new(),
        }
    }
}
