//! What is wrong with a captured chain, in plain words, each with the side that fixes it.

use serde::Serialize;

use super::Capture;
use crate::anchor::TrustAnchor;
use crate::cert::{Certificate, format_date};
use crate::profile::Profile;
use crate::store::{Store, known, signed_by_anchor};

/// Findings on the chain itself: an empty Certificate message, entries that are not
/// certificates, a missing intermediate, the wrong order, a root or an expired certificate
/// sent (at `at`). `trust` is what the device trusts, when known (empty otherwise): a leaf
/// issued directly by a trusted or public root needs nothing after it.
pub fn chain(c: &Capture, at: i64, trust: &[TrustAnchor]) -> Vec<String> {
    let mut out = Vec::new();
    if c.certificates.is_empty() {
        out.push(
            "no certificate (server): the Certificate message is empty, so no client can \
             authenticate the server; configure its certificate and key (for a name-based \
             virtual host, check that SNI selects the right one)"
                .to_string(),
        );
        return out;
    }
    let certs: Vec<Certificate> = c
        .certificates
        .iter()
        .filter_map(|d| Certificate::from_der(d).ok())
        .collect();
    if certs.len() < c.certificates.len() {
        let bad = c.certificates.len() - certs.len();
        let empty = c.certificates.iter().filter(|d| d.is_empty()).count();
        out.push(format!(
            "{bad} of the {} entries the server sends are not certificates anchorkit can read{} \
             (a device's parser fails on the first of them)",
            c.certificates.len(),
            if empty > 0 {
                format!(", {empty} of them empty")
            } else {
                String::new()
            }
        ));
    }
    if let Some(top) = certs.last() {
        if certs.len() == 1 && !top.is_ca() && !top.is_self_issued() {
            if let Some(f) = lone_leaf(top, trust) {
                out.push(f);
            }
        }
    }
    for (i, w) in certs.windows(2).enumerate() {
        if w[0].issuer_raw() == w[1].subject_raw() {
            continue;
        }
        // The issuer sent later, or a certificate it issued sent after it: the order is
        // wrong. Otherwise the issuer is not sent at all: it is missing.
        let later = &certs[i + 1..];
        if later[1..]
            .iter()
            .any(|c| c.subject_raw() == w[0].issuer_raw())
            || later.iter().any(|c| c.issuer_raw() == w[0].subject_raw())
        {
            out.push(format!(
                "wrong order (server): '{}' is followed by '{}', which did not issue it; serve \
                 the leaf, then each certificate's issuer",
                w[0].subject.short(),
                w[1].subject.short()
            ));
        } else {
            out.push(format!(
                "missing intermediate (server): '{}' is followed by '{}', and its issuer '{}' \
                 is not sent; serve the leaf, then each certificate's issuer",
                w[0].subject.short(),
                w[1].subject.short(),
                w[0].issuer.short()
            ));
        }
        break;
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

/// The finding for a server that sends only its leaf, by what its issuer is: a known
/// intermediate (definitely missing), a root the device trusts or a public root (nothing
/// missing: no finding), or unknown (missing if it is an intermediate).
fn lone_leaf(leaf: &Certificate, trust: &[TrustAnchor]) -> Option<String> {
    let issuer = leaf.issuer.short();
    let trusted = trust
        .iter()
        .any(|a| a.subject_raw() == leaf.issuer_raw() && signed_by_anchor(leaf, a).is_valid());
    let public_root = Store::mozilla()
        .issuers_of(leaf)
        .iter()
        .any(|m| m.signature.is_valid());
    if trusted || public_root {
        return None;
    }
    let known = known::by_subject(leaf.issuer_raw()).into_iter().find(|k| {
        k.role != known::Role::Root && crate::crypto::signed_by(leaf, k.cert.spki_raw()).is_valid()
    });
    Some(match known {
        // The device's anchors are known and the issuer is not among them: it must be sent.
        None if !trust.is_empty() => format!(
            "missing intermediate (server): the server sends only its leaf; its issuer '{issuer}' \
             is not among the device's anchors, so it must follow the leaf (serve fullchain.pem)"
        ),
        Some(k) => format!(
            "missing intermediate (server): the server sends only its leaf; its issuer '{issuer}' \
             is an intermediate ({}) and must follow it (serve fullchain.pem)",
            k.owner
        ),
        None => format!(
            "issuer not sent (server): the server sends only its leaf, issued by '{issuer}'; if \
             '{issuer}' is an intermediate, serve it after the leaf (fullchain.pem); if it is a \
             root, the device must trust it and nothing is missing"
        ),
    })
}

/// Why a device's input buffer cannot take what the server sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BufferFailure {
    /// The profile.
    pub profile: String,
    /// The Mbed TLS error the handshake ends with (negative, as `mbedtls_ssl_handshake`
    /// returns it).
    pub code: i32,
    /// In plain words, with the side that fixes it.
    pub text: String,
}

/// Bytes Mbed TLS reserves in the input buffer beyond `MBEDTLS_SSL_IN_CONTENT_LEN` for a
/// record's expansion (MBEDTLS_SSL_PAYLOAD_OVERHEAD: 16 bytes IV, 48 bytes MAC, 256 bytes CBC
/// padding), less the 8 bytes in front of the record header; a record whose payload is larger
/// than content length plus this does not fit at all.
const PAYLOAD_OVERHEAD: usize = 16 + 48 + 256;

/// What Mbed TLS's input buffer makes of one record (`ssl_msg.c`): a payload larger than the
/// whole buffer is refused by `mbedtls_ssl_fetch_input` (-0x7100 BAD_INPUT_DATA), a plaintext
/// larger than `in_content_len` by the record header check (-0x7200 INVALID_RECORD). None
/// when the record is read.
pub fn record_error(payload: usize, plaintext: usize, in_content_len: usize) -> Option<i32> {
    if payload > in_content_len + PAYLOAD_OVERHEAD {
        Some(-0x7100)
    } else if plaintext > in_content_len {
        Some(-0x7200)
    } else {
        None
    }
}

/// The payload of a TLS 1.2 AES-GCM record (the usual suite) of `plaintext` bytes: the
/// 8-byte explicit nonce and the 16-byte tag around it.
pub fn gcm_record_payload(plaintext: usize) -> usize {
    plaintext + 8 + 16
}

/// What the device's Mbed TLS input buffer makes of the server's records and Certificate
/// message, as `ssl_msg.c` reads them:
/// - a record whose payload exceeds the whole input buffer: `mbedtls_ssl_fetch_input` refuses
///   it ("requesting more data than fits"), -0x7100;
/// - a record that fits the buffer but whose plaintext exceeds `IN_CONTENT_LEN`: "bad message
///   length", -0x7200 (INVALID_RECORD);
/// - a handshake message split over several records: before 3.6.3 "TLS handshake
///   fragmentation not supported", -0x7080; from 3.6.3 the fragments are reassembled in the
///   input buffer, and a message that outgrows it fails with -0x7100.
///
/// None when the device reads it all, or for stacks without an Mbed TLS build.
pub fn device_buffer(c: &Capture, p: &Profile) -> Option<BufferFailure> {
    let b = p.build.as_ref()?;
    let content = b.in_content_len as usize;
    let fits_record = content + PAYLOAD_OVERHEAD;
    // TLS 1.3 records are encrypted: the plaintext is the payload less the content type and
    // the AEAD tag.
    let expansion = if c.version == "TLS 1.3" { 17 } else { 0 };
    let message = 4 + c.message_bytes;
    let name = p.name();
    let fail = |code: i32, text: String| {
        Some(BufferFailure {
            profile: name.to_string(),
            code,
            text,
        })
    };
    let raise = format!(
        "raise CONFIG_MBEDTLS_SSL_IN_CONTENT_LEN (now {content}) on the device, or have the \
         server send smaller records and a smaller chain"
    );
    if c.largest_record > fits_record {
        return fail(
            -0x7100,
            format!(
                "record too big for {name} (device config): the server sends a {}-byte record; \
                 the input buffer takes {fits_record} at most (-0x7100); {raise}",
                c.largest_record
            ),
        );
    }
    if c.largest_record.saturating_sub(expansion) > content {
        return fail(
            -0x7200,
            format!(
                "record too big for {name} (device config): a record of {} bytes of plaintext \
                 is more than the {content} the device accepts (-0x7200 INVALID_RECORD); {raise}",
                c.largest_record - expansion
            ),
        );
    }
    if c.certificate_records > 1 {
        let v = p.mbedtls.unwrap_or(crate::profile::Version(3, 6, 5));
        if !v.reassembles_handshake() {
            return fail(
                -0x7080,
                format!(
                    "Certificate message split for {name} (device): the server spreads it over \
                     {} records and Mbed TLS {v} does not reassemble handshake messages \
                     (-0x7080 FEATURE_UNAVAILABLE); serve a chain that fits one record (under \
                     16 KB), or update the device to Mbed TLS 3.6.3 or later",
                    c.certificate_records
                ),
            );
        }
        let stored = message + 5 * (c.certificate_records - 1);
        if stored > fits_record {
            return fail(
                -0x7100,
                format!(
                    "chain too big for {name} (device config): the Certificate message is \
                     {message} bytes and does not fit the {fits_record}-byte input buffer when \
                     reassembled (-0x7100); {raise}"
                ),
            );
        }
    }
    None
}

/// For each profile with an Mbed TLS build, what its input buffer says (see `device_buffer`).
pub fn buffer(c: &Capture, profiles: &[Profile]) -> Vec<BufferFailure> {
    profiles
        .iter()
        .filter_map(|p| device_buffer(c, p))
        .collect()
}
