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
        let Some(leaf) = req.chain.first() else {
            return fail(p, "BadDer".into(), "empty chain".into());
        };
        // rustls refuses a handshake message over 64 KiB (TLS 1.3 Certificate framing: request
        // context, then per entry 3 bytes of length and 2 of extensions).
        let body = 1 + 3 + req.chain.iter().map(|e| 5 + e.bytes().len()).sum::<usize>();
        if body > 0xffff {
            return fail(
                p,
                "InvalidMessage".into(),
                format!(
                    "the Certificate message is {body} bytes; rustls takes at most 65535 (HandshakePayloadTooLarge)"
                ),
            );
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
            Err(e) => return fail(p, error_name(&e), format!("rustls-webpki: {e}")),
        };
        if let HostCheck::Name(h) = req.host {
            let name = match ServerName::try_from(h) {
                Ok(n) => n,
                Err(e) => return fail(p, "InvalidServerName".into(), format!("'{h}': {e}")),
            };
            if let Err(e) = ee.verify_is_valid_for_subject_name(&name) {
                return fail(p, error_name(&e), format!("rustls-webpki: {e}"));
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
