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
    /// OpenSSL's trust settings, when the anchor was a `TRUSTED CERTIFICATE` block.
    pub settings: Option<Box<TrustSettings>>,
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
            settings: None,
        }
    }

    /// The anchor with OpenSSL trust settings attached (a `TRUSTED CERTIFICATE` block).
    pub fn with_settings(mut self, settings: Option<TrustSettings>) -> TrustAnchor {
        self.settings = settings.map(Box::new);
        self
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
            settings: None,
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

/// `id-kp-serverAuth`.
pub const SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";
/// `anyExtendedKeyUsage`.
pub const ANY_EKU: &str = "2.5.29.37.0";

/// The trust settings OpenSSL keeps after a certificate in a `TRUSTED CERTIFICATE` PEM block
/// (`X509_CERT_AUX`, what `openssl x509 -addtrust / -addreject / -setalias` writes): the uses the
/// certificate is trusted for, the uses it is rejected for, its alias. OpenSSL's TLS client
/// applies them to trust-store certificates (`X509_check_trust` with `X509_TRUST_SSL_SERVER`);
/// other libraries read such a block as a plain certificate or not at all.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TrustSettings {
    /// Trusted uses (dotted OIDs); `None` when the list is absent.
    pub trust: Option<Vec<String>>,
    /// Rejected uses (dotted OIDs); `None` when the list is absent.
    pub reject: Option<Vec<String>>,
    /// The alias (`-setalias`).
    pub alias: Option<String>,
}

/// Why trust settings could not be read: the byte offset in them and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    /// Offset from the start of the settings (the byte after the certificate).
    pub offset: usize,
    /// What was wrong.
    pub message: String,
}

impl std::fmt::Display for SettingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "trust settings @ byte {}: {}", self.offset, self.message)
    }
}

/// One DER TLV: tag byte, header length, content length. Short and long definite lengths
/// only, at most four length bytes.
fn tlv(b: &[u8], at: usize) -> Result<(u8, usize, usize), SettingsError> {
    let bad = |m: &str| SettingsError {
        offset: at,
        message: m.into(),
    };
    let tag = *b
        .first()
        .ok_or_else(|| bad("expected a DER element, found the end"))?;
    if tag & 0x1f == 0x1f {
        return Err(bad("high tag numbers are not part of the trust settings"));
    }
    let l0 = *b.get(1).ok_or_else(|| bad("truncated length"))?;
    let (hdr, len) = if l0 < 0x80 {
        (2, l0 as usize)
    } else {
        let n = (l0 & 0x7f) as usize;
        if n == 0 || n > 4 {
            return Err(bad("indefinite or oversized length"));
        }
        let bytes = b.get(2..2 + n).ok_or_else(|| bad("truncated length"))?;
        (
            2 + n,
            bytes.iter().fold(0usize, |a, x| (a << 8) | *x as usize),
        )
    };
    if b.len() - hdr < len {
        return Err(bad(&format!(
            "element of {len} bytes runs past the end ({} left)",
            b.len() - hdr
        )));
    }
    Ok((tag, hdr, len))
}

/// The dotted text of an OID's content octets, `None` when they are not a valid OID.
fn oid_text(c: &[u8]) -> Option<String> {
    der::asn1::ObjectIdentifier::from_bytes(c)
        .ok()
        .map(|o| o.to_string())
}

fn oid_list(b: &[u8], base: usize) -> Result<Vec<String>, SettingsError> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let (tag, hdr, len) = tlv(&b[i..], base + i)?;
        if tag != 0x06 {
            return Err(SettingsError {
                offset: base + i,
                message: format!("expected an OBJECT IDENTIFIER, found tag 0x{tag:02x}"),
            });
        }
        let c = &b[i + hdr..i + hdr + len];
        out.push(oid_text(c).ok_or_else(|| SettingsError {
            offset: base + i,
            message: "malformed OBJECT IDENTIFIER".into(),
        })?);
        i += hdr + len;
    }
    Ok(out)
}

impl TrustSettings {
    /// Reads `X509_CERT_AUX` (`SEQUENCE { trust SEQUENCE OF OID OPTIONAL, reject [0] IMPLICIT
    /// SEQUENCE OF OID OPTIONAL, alias UTF8String OPTIONAL, keyid OCTET STRING OPTIONAL,
    /// other [1] IMPLICIT SEQUENCE OF AlgorithmIdentifier OPTIONAL }`), in that order, as
    /// `d2i_X509_AUX` does after the certificate. Bytes after it are ignored, as OpenSSL's
    /// PEM reader ignores them.
    pub fn from_der(b: &[u8]) -> Result<TrustSettings, SettingsError> {
        let (tag, hdr, len) = tlv(b, 0)?;
        if tag != 0x30 {
            return Err(SettingsError {
                offset: 0,
                message: format!("expected a SEQUENCE (X509_CERT_AUX), found tag 0x{tag:02x}"),
            });
        }
        let body = &b[hdr..hdr + len];
        let mut s = TrustSettings {
            trust: None,
            reject: None,
            alias: None,
        };
        // The fields in template order; each may appear once, in order.
        let mut next_field = 0u8;
        let mut i = 0;
        while i < body.len() {
            let at = hdr + i;
            let (tag, h, l) = tlv(&body[i..], at)?;
            let c = &body[i + h..i + h + l];
            let field = match tag {
                0x30 => 0,
                0xa0 => 1,
                0x0c => 2,
                0x04 => 3,
                0xa1 => 4,
                _ => 5,
            };
            if field == 5 || field < next_field {
                return Err(SettingsError {
                    offset: at,
                    message: format!(
                        "unexpected tag 0x{tag:02x} (expected, in order: trust SEQUENCE, reject [0], alias UTF8String, keyid OCTET STRING, other [1])"
                    ),
                });
            }
            next_field = field + 1;
            match field {
                0 => s.trust = Some(oid_list(c, at + h)?),
                1 => s.reject = Some(oid_list(c, at + h)?),
                2 => {
                    s.alias = Some(String::from_utf8(c.to_vec()).map_err(|_| SettingsError {
                        offset: at,
                        message: "alias is not UTF-8".into(),
                    })?)
                }
                _ => {}
            }
            i += h + l;
        }
        Ok(s)
    }

    /// The trust settings DER (`X509_CERT_AUX`) for `trust` and `reject` lists of dotted OIDs
    /// (as `openssl x509 -addtrust` / `-addreject` write them); `None` for an absent list.
    pub fn to_der(&self) -> Vec<u8> {
        use crate::cert::der_element as wrap;
        fn oids(list: &[String]) -> Vec<u8> {
            list.iter()
                .filter_map(|o| o.parse::<der::asn1::ObjectIdentifier>().ok())
                .flat_map(|o| wrap(0x06, o.as_bytes()))
                .collect()
        }
        let mut body = Vec::new();
        if let Some(t) = &self.trust {
            body.extend(wrap(0x30, &oids(t)));
        }
        if let Some(r) = &self.reject {
            body.extend(wrap(0xa0, &oids(r)));
        }
        if let Some(a) = &self.alias {
            body.extend(wrap(0x0c, a.as_bytes()));
        }
        wrap(0x30, &body)
    }

    /// A short description: `trusted for serverAuth; rejected for clientAuth`.
    pub fn describe(&self) -> String {
        let name = |o: &String| match o.as_str() {
            SERVER_AUTH => "serverAuth".to_string(),
            "1.3.6.1.5.5.7.3.2" => "clientAuth".to_string(),
            "1.3.6.1.5.5.7.3.3" => "codeSigning".to_string(),
            "1.3.6.1.5.5.7.3.4" => "emailProtection".to_string(),
            ANY_EKU => "anyExtendedKeyUsage".to_string(),
            other => other.to_string(),
        };
        let list = |l: &[String]| {
            if l.is_empty() {
                "nothing".to_string()
            } else {
                l.iter().map(name).collect::<Vec<_>>().join(", ")
            }
        };
        let mut parts = Vec::new();
        if let Some(t) = &self.trust {
            parts.push(format!("trusted for {}", list(t)));
        }
        if let Some(r) = &self.reject {
            parts.push(format!("rejected for {}", list(r)));
        }
        if let Some(a) = &self.alias {
            parts.push(format!("alias \"{a}\""));
        }
        if parts.is_empty() {
            "no trust or reject list".into()
        } else {
            parts.join("; ")
        }
    }
}
