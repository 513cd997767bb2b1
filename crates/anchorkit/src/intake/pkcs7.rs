//! PKCS#7 / CMS `SignedData` certificate bags (`.p7b`, `.p7c`): the certificates only.

use x509_parser::der_parser::asn1_rs::{Any, FromDer};
use x509_parser::der_parser::oid::Oid;

/// `1.2.840.113549.1.7.2`, signedData.
const SIGNED_DATA: &str = "1.2.840.113549.1.7.2";

/// Whether the bytes start like a PKCS#7 ContentInfo (SEQUENCE holding the signedData OID).
pub fn looks_like(b: &[u8]) -> bool {
    let Ok((_, ci)) = Any::from_der(b) else {
        return false;
    };
    let Ok((_, oid)) = Oid::from_der(ci.data) else {
        return false;
    };
    oid.to_id_string() == SIGNED_DATA
}

/// A problem at a byte offset.
pub type Problem = (usize, String);

/// The DER certificates of a PKCS#7 SignedData, with their byte offsets in `b`.
pub fn certificates(b: &[u8]) -> Result<Vec<(usize, &[u8])>, Problem> {
    let base = b.as_ptr() as usize;
    let off = |s: &[u8]| (s.as_ptr() as usize).saturating_sub(base);
    let (_, ci) = Any::from_der(b).map_err(|e| (0, format!("ContentInfo: {e}")))?;
    let (rest, oid) = Oid::from_der(ci.data).map_err(|e| (0, format!("contentType: {e}")))?;
    if oid.to_id_string() != SIGNED_DATA {
        return Err((
            0,
            format!("content type {oid} is not signedData ({SIGNED_DATA})"),
        ));
    }
    let (_, explicit) =
        Any::from_der(rest).map_err(|e| (off(rest), format!("[0] content: {e}")))?;
    let (_, sd) = Any::from_der(explicit.data)
        .map_err(|e| (off(explicit.data), format!("SignedData: {e}")))?;
    // SignedData: version, digestAlgorithms, encapContentInfo, [0] certificates, ...
    let mut cur = sd.data;
    for field in ["version", "digestAlgorithms", "encapContentInfo"] {
        let (next, _) =
            Any::from_der(cur).map_err(|e| (off(cur), format!("SignedData {field}: {e}")))?;
        cur = next;
    }
    let mut out = Vec::new();
    while !cur.is_empty() {
        let (next, item) =
            Any::from_der(cur).map_err(|e| (off(cur), format!("SignedData field: {e}")))?;
        if item.header.is_contextspecific() && item.tag().0 == 0 {
            let mut certs = item.data;
            while !certs.is_empty() {
                let (after, c) =
                    Any::from_der(certs).map_err(|e| (off(certs), format!("certificate: {e}")))?;
                let len = certs.len() - after.len();
                // Only plain certificates (SEQUENCE); skip other CertificateChoices.
                if c.tag().0 == 16 && !c.header.is_contextspecific() {
                    out.push((off(certs), &certs[..len]));
                }
                certs = after;
            }
        }
        cur = next;
    }
    Ok(out)
}
