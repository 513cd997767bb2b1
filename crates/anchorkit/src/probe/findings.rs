//! What is wrong with a captured chain, in plain words, each with the side that fixes it.

use super::Capture;
use crate::cert::{Certificate, format_date};
use crate::profile::Profile;

/// Findings on the chain itself: entries that are not certificates, a missing intermediate,
/// the wrong order, a root or an expired certificate sent (at `at`).
pub fn chain(c: &Capture, at: i64) -> Vec<String> {
    let certs: Vec<Certificate> = c
        .certificates
        .iter()
        .filter_map(|d| Certificate::from_der(d).ok())
        .collect();
    let mut out = Vec::new();
    if certs.len() < c.certificates.len() {
        out.push(format!(
            "{} of the {} entries the server sends are not certificates anchorkit can read",
            c.certificates.len() - certs.len(),
            c.certificates.len()
        ));
    }
    if let Some(top) = certs.last() {
        if !top.is_ca() && !top.is_self_issued() {
            out.push(format!(
                "missing intermediate (server): the server sends only its leaf; its issuer '{}' \
                 must follow it (serve fullchain.pem)",
                top.issuer.short()
            ));
        }
    }
    for w in certs.windows(2) {
        if w[0].issuer_raw() != w[1].subject_raw() {
            out.push(format!(
                "wrong order (server): '{}' is followed by '{}', which did not issue it; serve \
                 the leaf, then each certificate's issuer",
                w[0].subject.short(),
                w[1].subject.short()
            ));
            break;
        }
    }
    for (i, x) in certs.iter().enumerate() {
        if i > 0 && x.is_self_issued() {
            out.push(format!(
                "root sent (server): [{i}] {} is a self-signed root; devices never use it from \
                 the wire ({} bytes a handshake for nothing)",
                x.subject.short(),
                x.der().len()
            ));
        }
        if x.not_after < at {
            out.push(format!(
                "expired certificate sent (server): [{i}] {} expired {}{}",
                x.subject.short(),
                format_date(x.not_after),
                if i > 0 && !x.is_self_issued() {
                    " (an expired cross-sign or intermediate: stop sending it)"
                } else {
                    ""
                }
            ));
        }
    }
    out
}

/// For each profile with an Mbed TLS build: the Certificate message (TLS 1.2 framing)
/// against `MBEDTLS_SSL_IN_CONTENT_LEN`.
pub fn buffer(c: &Capture, profiles: &[Profile]) -> Vec<String> {
    let msg = 4 + 3 + c.certificates.iter().map(|d| 3 + d.len()).sum::<usize>();
    profiles
        .iter()
        .filter_map(|p| {
            let limit = p.build.as_ref()?.in_content_len as usize;
            (msg > limit).then(|| {
                format!(
                    "chain too big for {} (device config): the Certificate message is {msg} \
                     bytes, {} more than its input buffer (CONFIG_MBEDTLS_SSL_IN_CONTENT_LEN \
                     {limit}); raise it or serve a smaller chain (server)",
                    p.name(),
                    msg - limit
                )
            })
        })
        .collect()
}
