//! Trust anchors: what a device trusts.
//!
//! A trust anchor is a subject name and a public key. When it came from a certificate (PEM,
//! DER, C source) the certificate is kept too, because some stacks (mbedTLS's CA list) use the
//! whole certificate: its validity, basicConstraints and keyUsage. When it came from an ESP-IDF
//! bundle record there is no certificate at all, and nothing in the library pretends otherwise.

use crate::cert::{CertError, Certificate, KeyKind, Name};
use crate::origin::Origin;

/// A trusted subject name and key, with the certificate it came from when there was one.
#[derive(Debug, Clone)]
pub struct TrustAnchor {
    subject_raw: Vec<u8>,
    spki_raw: Vec<u8>,
    /// Parsed subject.
    pub subject: Name,
    /// Key type and size.
    pub key: KeyKind,
    /// The full certificate, when the anchor was given as one.
    pub cert: Option<Certificate>,
    /// Where the anchor was read from.
    pub origin: Origin,
}

impl TrustAnchor {
    /// An anchor from a whole certificate.
    pub fn from_cert(cert: Certificate, origin: Origin) -> TrustAnchor {
        TrustAnchor {
            subject_raw: cert.subject_raw().to_vec(),
            spki_raw: cert.spki_raw().to_vec(),
            subject: cert.subject.clone(),
            key: cert.key.clone(),
            cert: Some(cert),
            origin,
        }
    }

    /// An anchor from a raw DER subject Name and DER SubjectPublicKeyInfo (an ESP bundle record).
    pub fn from_parts(
        subject_raw: &[u8],
        spki_raw: &[u8],
        origin: Origin,
    ) -> Result<TrustAnchor, CertError> {
        Ok(TrustAnchor {
            subject: Name::from_der(subject_raw)?,
            key: KeyKind::from_spki_der(spki_raw)?,
            subject_raw: subject_raw.to_vec(),
            spki_raw: spki_raw.to_vec(),
            cert: None,
            origin,
        })
    }

    /// The subject Name, DER, tag included.
    pub fn subject_raw(&self) -> &[u8] {
        &self.subject_raw
    }

    /// The SubjectPublicKeyInfo, DER, tag included.
    pub fn spki_raw(&self) -> &[u8] {
        &self.spki_raw
    }

    /// A short label for messages.
    pub fn label(&self) -> String {
        self.subject.short()
    }

    /// Size of this anchor as one ESP-IDF bundle record (4 + subject + SPKI).
    pub fn esp_record_len(&self) -> usize {
        4 + self.subject_raw.len() + self.spki_raw.len()
    }
}
