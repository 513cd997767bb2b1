//! ESP-IDF `x509_crt_bundle`, both on-flash formats, byte-identical to `gen_crt_bundle.py`.
//!
//! Records hold the raw DER subject Name and the raw DER SubjectPublicKeyInfo (tags included),
//! sorted by the subject bytes with a stable sort (equal subjects keep input order); nothing is
//! de-duplicated. Legacy (v4.2 to v5.3): `u16` big-endian count, records with big-endian
//! lengths. Offset table (v5.4+): one little-endian `u32` offset per record, records with
//! little-endian lengths.

use super::FormatError;
use crate::anchor::TrustAnchor;

fn u16_len(a: &TrustAnchor, what: &'static str, len: usize) -> Result<u16, FormatError> {
    u16::try_from(len).map_err(|_| FormatError::TooLarge {
        anchor: a.label(),
        what,
        len,
    })
}

/// The bundle bytes; `legacy` selects the v4.2 to v5.3 format.
pub fn esp_bundle(anchors: &[TrustAnchor], legacy: bool) -> Result<Vec<u8>, FormatError> {
    let mut sorted: Vec<&TrustAnchor> = anchors.iter().collect();
    // `sort_by` is stable, as Python's `sorted` is.
    sorted.sort_by(|a, b| a.subject_raw().cmp(b.subject_raw()));
    let n = sorted.len();
    let records: usize = sorted.iter().map(|a| a.esp_record_len()).sum();
    let mut out = Vec::with_capacity(records + 4 * n + 2);
    if legacy {
        let count = u16::try_from(n).map_err(|_| FormatError::TooLarge {
            anchor: "bundle".into(),
            what: "record count",
            len: n,
        })?;
        out.extend_from_slice(&count.to_be_bytes());
    } else {
        let mut off = 4 * n;
        for a in &sorted {
            let o = u32::try_from(off).map_err(|_| FormatError::TooLarge {
                anchor: a.label(),
                what: "offset",
                len: off,
            })?;
            out.extend_from_slice(&o.to_le_bytes());
            off += a.esp_record_len();
        }
    }
    for a in sorted {
        let nl = u16_len(a, "subject", a.subject_raw().len())?;
        let kl = u16_len(a, "public key", a.spki_raw().len())?;
        let (nl, kl) = if legacy {
            (nl.to_be_bytes(), kl.to_be_bytes())
        } else {
            (nl.to_le_bytes(), kl.to_le_bytes())
        };
        out.extend_from_slice(&nl);
        out.extend_from_slice(&kl);
        out.extend_from_slice(a.subject_raw());
        out.extend_from_slice(a.spki_raw());
    }
    Ok(out)
}
