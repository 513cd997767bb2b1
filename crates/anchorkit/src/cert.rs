//! The certificate model every other module works on.
//!
//! A [`Certificate`] owns its DER bytes and the facts extracted from them once, at parse time,
//! with `x509-parser`. The raw byte spans that device stacks compare (subject, issuer,
//! SubjectPublicKeyInfo, TBS) are kept as ranges into the DER, so comparisons are byte-exact
//! and nothing is re-encoded.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use serde::Serialize;
use x509_parser::der_parser::oid::Oid;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::nom::Parser;
use x509_parser::prelude::{FromDer, X509Certificate, X509Name};
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

/// Why a byte string is not a certificate anchorkit can work with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    /// The DER did not parse as an X.509 certificate.
    #[error("not a valid X.509 certificate: {0}")]
    Parse(String),
    /// The certificate parsed but bytes follow it.
    #[error("{0} bytes of trailing data after the certificate")]
    TrailingData(usize),
}

/// A hash function, as used in a signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HashAlg {
    /// MD2 (broken).
    Md2,
    /// MD4 (broken).
    Md4,
    /// MD5 (broken).
    Md5,
    /// SHA-1 (collision-broken, rejected by modern profiles).
    Sha1,
    /// SHA-224.
    Sha224,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlg {
    /// The conventional name, e.g. `SHA-256`.
    pub fn name(self) -> &'static str {
        match self {
            HashAlg::Md2 => "MD2",
            HashAlg::Md4 => "MD4",
            HashAlg::Md5 => "MD5",
            HashAlg::Sha1 => "SHA-1",
            HashAlg::Sha224 => "SHA-224",
            HashAlg::Sha256 => "SHA-256",
            HashAlg::Sha384 => "SHA-384",
            HashAlg::Sha512 => "SHA-512",
        }
    }

    fn from_oid(oid: &str) -> Option<HashAlg> {
        Some(match oid {
            "1.2.840.113549.2.2" => HashAlg::Md2,
            "1.2.840.113549.2.4" => HashAlg::Md4,
            "1.2.840.113549.2.5" => HashAlg::Md5,
            "1.3.14.3.2.26" => HashAlg::Sha1,
            "2.16.840.1.101.3.4.2.4" => HashAlg::Sha224,
            "2.16.840.1.101.3.4.2.1" => HashAlg::Sha256,
            "2.16.840.1.101.3.4.2.2" => HashAlg::Sha384,
            "2.16.840.1.101.3.4.2.3" => HashAlg::Sha512,
            _ => return None,
        })
    }
}

/// The algorithm a certificate's issuer used to sign it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SigAlg {
    /// RSA PKCS#1 v1.5 with the given hash.
    RsaPkcs1 {
        /// The digest.
        hash: HashAlg,
    },
    /// RSASSA-PSS with its parameters (RFC 4055 defaults where absent).
    RsaPss {
        /// The digest named in the parameters (SHA-1 when absent); `None` when the parameters
        /// could not be read or name a digest anchorkit does not know.
        hash: Option<HashAlg>,
        /// The MGF1 digest (SHA-1 when absent); `None` when the mask generation function is not
        /// MGF1 with a known digest.
        mgf1: Option<HashAlg>,
        /// saltLength (20 when absent).
        salt_len: u32,
        /// trailerField (1 when absent).
        trailer: u32,
    },
    /// ECDSA with the given hash.
    Ecdsa {
        /// The digest.
        hash: HashAlg,
    },
    /// Ed25519 (pure).
    Ed25519,
    /// Ed448 (pure).
    Ed448,
    /// Anything else, by dotted OID.
    Other {
        /// The algorithm OID.
        oid: String,
    },
}

impl SigAlg {
    /// The digest the algorithm uses, if it is a hash-then-sign algorithm.
    pub fn hash(&self) -> Option<HashAlg> {
        match self {
            SigAlg::RsaPkcs1 { hash } | SigAlg::Ecdsa { hash } => Some(*hash),
            SigAlg::RsaPss { hash, .. } => *hash,
            _ => None,
        }
    }

    /// Whether this is an RSA family algorithm (PKCS#1 v1.5 or PSS).
    pub fn is_rsa(&self) -> bool {
        matches!(self, SigAlg::RsaPkcs1 { .. } | SigAlg::RsaPss { .. })
    }

    /// Human name such as `sha256WithRSAEncryption`.
    pub fn name(&self) -> String {
        fn h(x: HashAlg) -> &'static str {
            match x {
                HashAlg::Md2 => "md2",
                HashAlg::Md4 => "md4",
                HashAlg::Md5 => "md5",
                HashAlg::Sha1 => "sha1",
                HashAlg::Sha224 => "sha224",
                HashAlg::Sha256 => "sha256",
                HashAlg::Sha384 => "sha384",
                HashAlg::Sha512 => "sha512",
            }
        }
        match self {
            SigAlg::RsaPkcs1 { hash } => format!("{}WithRSAEncryption", h(*hash)),
            SigAlg::RsaPss { hash: Some(x), .. } => format!("rsassaPss({})", h(*x)),
            SigAlg::RsaPss { hash: None, .. } => "rsassaPss".into(),
            SigAlg::Ecdsa { hash } => format!("ecdsa-with-{}", h(*hash).to_uppercase()),
            SigAlg::Ed25519 => "ed25519".into(),
            SigAlg::Ed448 => "ed448".into(),
            SigAlg::Other { oid } => format!("unknown ({oid})"),
        }
    }

    pub(crate) fn from_parts(oid: &str, params: Option<&[u8]>) -> SigAlg {
        let rsa = |hash| SigAlg::RsaPkcs1 { hash };
        let ec = |hash| SigAlg::Ecdsa { hash };
        match oid {
            "1.2.840.113549.1.1.2" => rsa(HashAlg::Md2),
            "1.2.840.113549.1.1.3" => rsa(HashAlg::Md4),
            "1.2.840.113549.1.1.4" => rsa(HashAlg::Md5),
            "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => rsa(HashAlg::Sha1),
            "1.2.840.113549.1.1.14" => rsa(HashAlg::Sha224),
            "1.2.840.113549.1.1.11" => rsa(HashAlg::Sha256),
            "1.2.840.113549.1.1.12" => rsa(HashAlg::Sha384),
            "1.2.840.113549.1.1.13" => rsa(HashAlg::Sha512),
            "1.2.840.113549.1.1.10" => pss_params(params),
            "1.2.840.10045.4.1" => ec(HashAlg::Sha1),
            "1.2.840.10045.4.3.1" => ec(HashAlg::Sha224),
            "1.2.840.10045.4.3.2" => ec(HashAlg::Sha256),
            "1.2.840.10045.4.3.3" => ec(HashAlg::Sha384),
            "1.2.840.10045.4.3.4" => ec(HashAlg::Sha512),
            "1.3.101.112" => SigAlg::Ed25519,
            "1.3.101.113" => SigAlg::Ed448,
            other => SigAlg::Other { oid: other.into() },
        }
    }
}

/// Reads RSASSA-PSS-params (RFC 4055) from the content octets of the SEQUENCE; absent fields
/// take their defaults (SHA-1, MGF1 with SHA-1, salt 20, trailer 1). A NULL or absent parameter
/// field means all defaults.
fn pss_params(params: Option<&[u8]>) -> SigAlg {
    use x509_parser::der_parser::asn1_rs::{Any, FromDer as _};
    let mut hash = Some(HashAlg::Sha1);
    let mut mgf1 = Some(HashAlg::Sha1);
    let mut salt_len = 20u32;
    let mut trailer = 1u32;
    let unreadable = SigAlg::RsaPss {
        hash: None,
        mgf1: None,
        salt_len,
        trailer,
    };
    // The OID of an AlgorithmIdentifier SEQUENCE's first element, and its parameters.
    fn alg_id(seq: &[u8]) -> Option<(String, Option<Vec<u8>>)> {
        let (rest, oid) = x509_parser::der_parser::oid::Oid::from_der(seq).ok()?;
        Some((
            oid.to_id_string(),
            (!rest.is_empty()).then(|| rest.to_vec()),
        ))
    }
    fn small_int(b: &[u8]) -> Option<u32> {
        if b.is_empty() || b.len() > 5 || b[0] & 0x80 != 0 {
            return None;
        }
        b.iter()
            .try_fold(0u64, |a, x| Some((a << 8) | u64::from(*x)))
            .and_then(|v| u32::try_from(v).ok())
    }
    let Some(mut rest) = params else {
        return SigAlg::RsaPss {
            hash,
            mgf1,
            salt_len,
            trailer,
        };
    };
    while !rest.is_empty() {
        let Ok((next, item)) = Any::from_der(rest) else {
            return unreadable;
        };
        rest = next;
        if !item.header.is_contextspecific() {
            return unreadable;
        }
        let Ok((_, inner)) = Any::from_der(item.data) else {
            return unreadable;
        };
        match item.tag().0 {
            0 => {
                hash = alg_id(inner.data).and_then(|(o, _)| HashAlg::from_oid(&o));
            }
            1 => {
                mgf1 = match alg_id(inner.data) {
                    Some((o, Some(p))) if o == "1.2.840.113549.1.1.8" => Any::from_der(&p)
                        .ok()
                        .and_then(|(_, h)| alg_id(h.data))
                        .and_then(|(o, _)| HashAlg::from_oid(&o)),
                    _ => None,
                };
            }
            2 => match small_int(inner.data) {
                Some(v) => salt_len = v,
                None => return unreadable,
            },
            3 => match small_int(inner.data) {
                Some(v) => trailer = v,
                None => return unreadable,
            },
            _ => return unreadable,
        }
    }
    SigAlg::RsaPss {
        hash,
        mgf1,
        salt_len,
        trailer,
    }
}

/// A named elliptic curve.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Curve {
    /// NIST P-192 (secp192r1).
    P192,
    /// NIST P-224 (secp224r1).
    P224,
    /// NIST P-256 (secp256r1, prime256v1).
    P256,
    /// NIST P-384 (secp384r1).
    P384,
    /// NIST P-521 (secp521r1).
    P521,
    /// secp256k1 (Koblitz).
    Secp256k1,
    /// brainpoolP256r1.
    BrainpoolP256r1,
    /// brainpoolP384r1.
    BrainpoolP384r1,
    /// brainpoolP512r1.
    BrainpoolP512r1,
    /// Any other curve, by dotted OID (or `explicit` for explicit parameters).
    Other(String),
}

impl Curve {
    fn from_oid(oid: &str) -> Curve {
        match oid {
            "1.2.840.10045.3.1.1" => Curve::P192,
            "1.3.132.0.33" => Curve::P224,
            "1.2.840.10045.3.1.7" => Curve::P256,
            "1.3.132.0.34" => Curve::P384,
            "1.3.132.0.35" => Curve::P521,
            "1.3.132.0.10" => Curve::Secp256k1,
            "1.3.36.3.3.2.8.1.1.7" => Curve::BrainpoolP256r1,
            "1.3.36.3.3.2.8.1.1.11" => Curve::BrainpoolP384r1,
            "1.3.36.3.3.2.8.1.1.13" => Curve::BrainpoolP512r1,
            other => Curve::Other(other.into()),
        }
    }

    /// The conventional name, e.g. `P-256`.
    pub fn name(&self) -> String {
        match self {
            Curve::P192 => "P-192".into(),
            Curve::P224 => "P-224".into(),
            Curve::P256 => "P-256".into(),
            Curve::P384 => "P-384".into(),
            Curve::P521 => "P-521".into(),
            Curve::Secp256k1 => "secp256k1".into(),
            Curve::BrainpoolP256r1 => "brainpoolP256r1".into(),
            Curve::BrainpoolP384r1 => "brainpoolP384r1".into(),
            Curve::BrainpoolP512r1 => "brainpoolP512r1".into(),
            Curve::Other(o) => format!("unknown curve ({o})"),
        }
    }

    /// Size of the curve's field in bits (0 when unknown).
    pub fn bits(&self) -> u32 {
        match self {
            Curve::P192 => 192,
            Curve::P224 => 224,
            Curve::P256 | Curve::Secp256k1 | Curve::BrainpoolP256r1 => 256,
            Curve::P384 | Curve::BrainpoolP384r1 => 384,
            Curve::P521 => 521,
            Curve::BrainpoolP512r1 => 512,
            Curve::Other(_) => 0,
        }
    }
}

/// The subject's public key, as far as trust decisions care.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum KeyKind {
    /// An RSA key.
    Rsa {
        /// Modulus size in bits.
        bits: u32,
        /// Public exponent, when it fits in 64 bits (0 otherwise).
        exponent: u64,
    },
    /// An elliptic-curve key on a named curve.
    Ec {
        /// The curve.
        curve: Curve,
    },
    /// An Ed25519 key.
    Ed25519,
    /// An Ed448 key.
    Ed448,
    /// Any other key type, by dotted OID.
    Other {
        /// The algorithm OID.
        oid: String,
    },
}

impl KeyKind {
    /// Short description such as `RSA 2048` or `EC P-256`.
    pub fn describe(&self) -> String {
        match self {
            KeyKind::Rsa { bits, .. } => format!("RSA {bits}"),
            KeyKind::Ec { curve } => format!("EC {}", curve.name()),
            KeyKind::Ed25519 => "Ed25519".into(),
            KeyKind::Ed448 => "Ed448".into(),
            KeyKind::Other { oid } => format!("unknown key type ({oid})"),
        }
    }

    /// Reads the key type out of a DER SubjectPublicKeyInfo.
    pub fn from_spki_der(spki: &[u8]) -> Result<KeyKind, CertError> {
        let (_, info) = SubjectPublicKeyInfo::from_der(spki)
            .map_err(|e| CertError::Parse(format!("SubjectPublicKeyInfo: {e}")))?;
        Ok(key_kind(&info))
    }
}

/// The RSA modulus of a DER SubjectPublicKeyInfo (big-endian, no leading zeros), if it is an
/// RSA key.
pub fn rsa_modulus(spki_der: &[u8]) -> Option<Vec<u8>> {
    let (_, info) = SubjectPublicKeyInfo::from_der(spki_der).ok()?;
    match info.parsed() {
        Ok(PublicKey::RSA(rsa)) => Some(strip_zeros(rsa.modulus).to_vec()),
        _ => None,
    }
}

fn key_kind(spki: &SubjectPublicKeyInfo<'_>) -> KeyKind {
    let oid = oid_text(&spki.algorithm.algorithm).into_owned();
    match oid.as_str() {
        "1.2.840.113549.1.1.1" => match spki.parsed() {
            Ok(PublicKey::RSA(rsa)) => {
                let modulus = strip_zeros(rsa.modulus);
                let bits = match modulus.first() {
                    Some(b) => (modulus.len() as u32 - 1) * 8 + (8 - b.leading_zeros()),
                    None => 0,
                };
                let exp = strip_zeros(rsa.exponent);
                let exponent = if exp.len() <= 8 {
                    exp.iter().fold(0u64, |a, b| (a << 8) | u64::from(*b))
                } else {
                    0
                };
                KeyKind::Rsa { bits, exponent }
            }
            _ => KeyKind::Other { oid },
        },
        "1.2.840.10045.2.1" => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| Curve::from_oid(&oid_text(&o)))
                .unwrap_or_else(|| Curve::Other("explicit".into()));
            KeyKind::Ec { curve }
        }
        "1.3.101.112" => KeyKind::Ed25519,
        "1.3.101.113" => KeyKind::Ed448,
        _ => KeyKind::Other { oid },
    }
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|x| **x == 0).count();
    &b[n..]
}

/// Dotted form of common OIDs without allocating; others are formatted.
fn oid_text(oid: &Oid<'_>) -> Cow<'static, str> {
    const KNOWN: &[(&[u8], &str)] = &[
        (&[0x55, 0x04, 0x03], "2.5.4.3"),
        (&[0x55, 0x04, 0x06], "2.5.4.6"),
        (&[0x55, 0x04, 0x07], "2.5.4.7"),
        (&[0x55, 0x04, 0x08], "2.5.4.8"),
        (&[0x55, 0x04, 0x0a], "2.5.4.10"),
        (&[0x55, 0x04, 0x0b], "2.5.4.11"),
        (&[0x55, 0x04, 0x05], "2.5.4.5"),
        (&[0x55, 0x1d, 0x0e], "2.5.29.14"),
        (&[0x55, 0x1d, 0x0f], "2.5.29.15"),
        (&[0x55, 0x1d, 0x11], "2.5.29.17"),
        (&[0x55, 0x1d, 0x13], "2.5.29.19"),
        (&[0x55, 0x1d, 0x1f], "2.5.29.31"),
        (&[0x55, 0x1d, 0x20], "2.5.29.32"),
        (&[0x55, 0x1d, 0x23], "2.5.29.35"),
        (&[0x55, 0x1d, 0x25], "2.5.29.37"),
        (&[0x55, 0x1d, 0x1e], "2.5.29.30"),
        (
            &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01],
            "1.3.6.1.5.5.7.1.1",
        ),
        (
            &[0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x02],
            "1.3.6.1.4.1.11129.2.4.2",
        ),
    ];
    let bytes = oid.as_bytes();
    KNOWN
        .iter()
        .find(|(b, _)| *b == bytes)
        .map(|(_, s)| Cow::Borrowed(*s))
        .unwrap_or_else(|| Cow::Owned(oid.to_id_string()))
}

/// One attribute of a distinguished name, kept with its ASN.1 string tag and raw value bytes
/// because device stacks compare names attribute by attribute.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct NameAttr {
    /// Dotted OID of the attribute type.
    pub oid: Cow<'static, str>,
    /// ASN.1 tag number of the value (12 UTF8String, 19 PrintableString, 22 IA5String, ...).
    pub tag: u32,
    /// Raw value bytes (content octets).
    #[serde(skip)]
    pub value: Vec<u8>,
}

impl NameAttr {
    /// Short label such as `CN`, or the dotted OID.
    pub fn label(&self) -> &str {
        match self.oid.as_ref() {
            "2.5.4.3" => "CN",
            "2.5.4.6" => "C",
            "2.5.4.7" => "L",
            "2.5.4.8" => "ST",
            "2.5.4.10" => "O",
            "2.5.4.11" => "OU",
            "2.5.4.5" => "serialNumber",
            "2.5.4.97" => "organizationIdentifier",
            "1.2.840.113549.1.9.1" => "emailAddress",
            "0.9.2342.19200300.100.1.25" => "DC",
            "2.5.4.46" => "dnQualifier",
            _ => &self.oid,
        }
    }

    /// The value as text (lossy for non-UTF-8; BMPString decoded as UTF-16BE).
    pub fn text(&self) -> String {
        if self.tag == 30 {
            let units: Vec<u16> = self
                .value
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            return String::from_utf16_lossy(&units);
        }
        String::from_utf8_lossy(&self.value).into_owned()
    }
}

/// One DER header at the start of `b` with the tag `tag`: (content length, header length).
/// Non-minimal length forms are accepted (as the device libraries do); indefinite lengths and
/// lengths beyond the input are not.
pub fn der_header(b: &[u8], tag: u8) -> Result<(usize, usize), &'static str> {
    let t = *b.first().ok_or("out of data")?;
    if t != tag {
        return Err("unexpected tag");
    }
    let l0 = *b.get(1).ok_or("out of data")?;
    let (len, hdr) = match l0 {
        0..=0x7f => (usize::from(l0), 2),
        0x81..=0x84 => {
            let n = usize::from(l0 & 0x7f);
            let bytes = b.get(2..2 + n).ok_or("out of data")?;
            (
                bytes.iter().fold(0usize, |a, x| (a << 8) | usize::from(*x)),
                2 + n,
            )
        }
        _ => return Err("invalid length"),
    };
    if len > b.len() - hdr {
        return Err("out of data");
    }
    Ok((len, hdr))
}

/// The certificate's outer frame as every TLS stack reads it, which x509-parser is lenient
/// about: `SEQUENCE { tbsCertificate SEQUENCE, signatureAlgorithm SEQUENCE { OID ... },
/// signature BIT STRING with 0 unused bits }` and nothing after the signature.
fn outer_structure(der: &[u8]) -> Result<(), String> {
    let (len, hdr) = der_header(der, 0x30).map_err(|e| format!("Certificate: {e}"))?;
    let body = &der[hdr..hdr + len];
    let (tl, th) = der_header(body, 0x30).map_err(|e| format!("TBSCertificate: {e}"))?;
    let rest = &body[th + tl..];
    let (al, ah) = der_header(rest, 0x30).map_err(|e| format!("signatureAlgorithm: {e}"))?;
    der_header(&rest[ah..ah + al], 0x06).map_err(|e| format!("signatureAlgorithm OID: {e}"))?;
    let rest = &rest[ah + al..];
    let (bl, bh) = der_header(rest, 0x03).map_err(|e| format!("signature: {e}"))?;
    if bl == 0 || rest[bh] != 0 {
        return Err("signature: the BIT STRING must start with 0 unused bits".into());
    }
    if bh + bl != rest.len() {
        return Err("bytes after the signature inside the Certificate SEQUENCE".into());
    }
    Ok(())
}

/// At most `n` characters of `s` for an error message, with the length of what was left out:
/// an error never repeats a whole (possibly huge) input.
pub fn clip(s: &str, n: usize) -> String {
    let count = s.chars().count();
    if count <= n {
        return s.to_string();
    }
    let head: String = s.chars().take(n).collect();
    format!("{head}... ({} more characters)", count - n)
}

/// Text from a certificate made safe to print: control characters (ESC, BEL, CR, LF, NUL,
/// DEL, C1), bidirectional overrides and the backslash are written as `\xNN` / `\u{NNNN}`
/// escapes, so a name can neither drive the terminal nor forge an output line.
pub fn printable(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let bidi = matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
        if c == '\\' {
            out.push_str("\\\\");
        } else if c.is_control() && (c as u32) < 0x100 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else if c.is_control() || bidi {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// A distinguished name: relative distinguished names in order, each a set of attributes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Name {
    /// RDNs in encoded order (most significant first, e.g. C, O, CN).
    pub rdns: Vec<Vec<NameAttr>>,
}

impl Name {
    /// Parses a DER `Name` (a full SEQUENCE with tag and length).
    pub fn from_der(der: &[u8]) -> Result<Name, CertError> {
        let (rest, name) =
            X509Name::from_der(der).map_err(|e| CertError::Parse(format!("Name: {e}")))?;
        if !rest.is_empty() {
            return Err(CertError::TrailingData(rest.len()));
        }
        Ok(Name::from_x509(&name))
    }

    fn from_x509(name: &X509Name<'_>) -> Name {
        let rdns = name
            .iter_rdn()
            .map(|rdn| {
                rdn.iter()
                    .map(|a| NameAttr {
                        oid: oid_text(a.attr_type()),
                        tag: a.attr_value().tag().0,
                        value: a.attr_value().data.to_vec(),
                    })
                    .collect()
            })
            .collect();
        Name { rdns }
    }

    /// All attributes in order.
    pub fn attrs(&self) -> impl Iterator<Item = &NameAttr> {
        self.rdns.iter().flatten()
    }

    /// The last (most specific) common name, as most software displays it.
    pub fn common_name(&self) -> Option<String> {
        self.attrs()
            .filter(|a| a.oid == "2.5.4.3")
            .last()
            .map(NameAttr::text)
    }

    /// The first organization attribute.
    pub fn organization(&self) -> Option<String> {
        self.attrs()
            .find(|a| a.oid == "2.5.4.10")
            .map(NameAttr::text)
    }

    /// The name compared loosely (case and all whitespace ignored): looser than any stack's
    /// name matching, so it only rules out names that cannot possibly match.
    pub fn loose(&self) -> String {
        self.to_string()
            .chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect()
    }

    /// A short label for display: the CN, else the O, else the whole name (escaped with
    /// `printable`).
    pub fn short(&self) -> String {
        self.common_name()
            .or_else(|| self.organization())
            .map(|t| printable(&t))
            .unwrap_or_else(|| self.to_string())
    }
}

impl fmt::Display for Name {
    /// OpenSSL-style one-line form: `C = US, O = Let's Encrypt, CN = R3`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for a in self.attrs() {
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            write!(f, "{} = {}", printable(a.label()), printable(&a.text()))?;
        }
        Ok(())
    }
}

impl Serialize for Name {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// basicConstraints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BasicConstraints {
    /// The cA flag.
    pub ca: bool,
    /// pathLenConstraint, when present.
    pub path_len: Option<u32>,
    /// Whether the extension is marked critical.
    pub critical: bool,
}

/// keyUsage bits, in RFC 5280 bit order (bit 0 = digitalSignature).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct KeyUsage {
    /// The bits, bit 0 = digitalSignature ... bit 8 = decipherOnly.
    pub bits: u16,
    /// Whether the extension is marked critical.
    pub critical: bool,
}

impl KeyUsage {
    /// digitalSignature.
    pub const DIGITAL_SIGNATURE: u16 = 1 << 0;
    /// nonRepudiation / contentCommitment.
    pub const NON_REPUDIATION: u16 = 1 << 1;
    /// keyEncipherment.
    pub const KEY_ENCIPHERMENT: u16 = 1 << 2;
    /// dataEncipherment.
    pub const DATA_ENCIPHERMENT: u16 = 1 << 3;
    /// keyAgreement.
    pub const KEY_AGREEMENT: u16 = 1 << 4;
    /// keyCertSign.
    pub const KEY_CERT_SIGN: u16 = 1 << 5;
    /// cRLSign.
    pub const CRL_SIGN: u16 = 1 << 6;
    /// encipherOnly.
    pub const ENCIPHER_ONLY: u16 = 1 << 7;
    /// decipherOnly.
    pub const DECIPHER_ONLY: u16 = 1 << 8;

    /// Whether every bit in `mask` is set.
    pub fn has(&self, mask: u16) -> bool {
        self.bits & mask == mask
    }

    /// Names of the set bits.
    pub fn names(&self) -> Vec<&'static str> {
        const NAMES: [&str; 9] = [
            "digitalSignature",
            "nonRepudiation",
            "keyEncipherment",
            "dataEncipherment",
            "keyAgreement",
            "keyCertSign",
            "cRLSign",
            "encipherOnly",
            "decipherOnly",
        ];
        (0..9)
            .filter(|i| self.bits & (1 << i) != 0)
            .map(|i| NAMES[i])
            .collect()
    }
}

/// extendedKeyUsage purposes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExtKeyUsage {
    /// Dotted OIDs in the order listed (anyExtendedKeyUsage is `2.5.29.37.0`).
    pub oids: Vec<String>,
    /// Whether the extension is marked critical.
    pub critical: bool,
}

impl ExtKeyUsage {
    /// serverAuth.
    pub const SERVER_AUTH: &'static str = "1.3.6.1.5.5.7.3.1";
    /// clientAuth.
    pub const CLIENT_AUTH: &'static str = "1.3.6.1.5.5.7.3.2";
    /// anyExtendedKeyUsage.
    pub const ANY: &'static str = "2.5.29.37.0";

    /// Whether `oid` or anyExtendedKeyUsage is listed.
    pub fn allows(&self, oid: &str) -> bool {
        self.oids.iter().any(|o| o == oid || o == Self::ANY)
    }

    /// Readable names of the purposes.
    pub fn names(&self) -> Vec<String> {
        self.oids
            .iter()
            .map(|o| match o.as_str() {
                "1.3.6.1.5.5.7.3.1" => "serverAuth".to_string(),
                "1.3.6.1.5.5.7.3.2" => "clientAuth".to_string(),
                "1.3.6.1.5.5.7.3.3" => "codeSigning".to_string(),
                "1.3.6.1.5.5.7.3.4" => "emailProtection".to_string(),
                "1.3.6.1.5.5.7.3.8" => "timeStamping".to_string(),
                "1.3.6.1.5.5.7.3.9" => "OCSPSigning".to_string(),
                "2.5.29.37.0" => "anyExtendedKeyUsage".to_string(),
                other => other.to_string(),
            })
            .collect()
    }
}

/// One subjectAltName entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "kebab-case")]
pub enum SanEntry {
    /// dNSName.
    Dns(String),
    /// iPAddress (4 or 16 bytes, or something malformed).
    Ip(Vec<u8>),
    /// rfc822Name.
    Email(String),
    /// uniformResourceIdentifier.
    Uri(String),
    /// directoryName, rendered.
    DirName(String),
    /// Any other GeneralName form.
    Other(String),
}

impl SanEntry {
    /// Text form, e.g. `DNS:example.com`, `IP:192.0.2.1`.
    pub fn describe(&self) -> String {
        match self {
            SanEntry::Dns(d) => format!("DNS:{}", printable(d)),
            SanEntry::Ip(b) => format!("IP:{}", ip_text(b)),
            SanEntry::Email(e) => format!("email:{}", printable(e)),
            SanEntry::Uri(u) => format!("URI:{}", printable(u)),
            SanEntry::DirName(d) => format!("DirName:{d}"),
            SanEntry::Other(o) => printable(o),
        }
    }
}

/// Renders 4- or 16-byte IP addresses; anything else as hex.
pub fn ip_text(b: &[u8]) -> String {
    match b.len() {
        4 => std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string(),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(b);
            std::net::Ipv6Addr::from(a).to_string()
        }
        _ => hex::encode(b),
    }
}

/// One extension as listed in the certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExtensionInfo {
    /// Dotted OID.
    pub oid: Cow<'static, str>,
    /// Readable name when known.
    pub name: Option<&'static str>,
    /// The critical flag.
    pub critical: bool,
    /// Where the extension's value (the extnValue OCTET STRING's contents) lies in the
    /// certificate's DER; read it with [`CertificateData::ext_value`].
    #[serde(skip)]
    pub value: Range<usize>,
}

fn ext_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.29.14" => "subjectKeyIdentifier",
        "2.5.29.15" => "keyUsage",
        "2.5.29.17" => "subjectAltName",
        "2.5.29.18" => "issuerAltName",
        "2.5.29.19" => "basicConstraints",
        "2.5.29.30" => "nameConstraints",
        "2.5.29.31" => "cRLDistributionPoints",
        "2.5.29.32" => "certificatePolicies",
        "2.5.29.33" => "policyMappings",
        "2.5.29.35" => "authorityKeyIdentifier",
        "2.5.29.36" => "policyConstraints",
        "2.5.29.37" => "extendedKeyUsage",
        "2.5.29.54" => "inhibitAnyPolicy",
        "1.3.6.1.5.5.7.1.1" => "authorityInfoAccess",
        "1.3.6.1.5.5.7.1.11" => "subjectInfoAccess",
        "2.16.840.1.113730.1.1" => "nsCertType",
        "2.16.840.1.113730.1.13" => "nsComment",
        "1.3.6.1.4.1.11129.2.4.2" => "ctPrecertificateScts",
        "1.3.6.1.4.1.11129.2.4.3" => "ctPrecertificatePoison",
        "1.3.6.1.5.5.7.1.24" => "tlsFeature",
        _ => return None,
    })
}

/// A parsed X.509 certificate with its DER: a cheap, shared handle on [`CertificateData`]
/// (clone is a reference count; the fields are read through `Deref`).
///
/// Parsing is cached: the same DER parsed again (every verification of the same chain, every
/// candidate `doctor` and `bundle` try) returns the certificate already made, after comparing
/// the bytes in full.
#[derive(Debug, Clone)]
pub struct Certificate {
    data: Arc<CertificateData>,
}

impl std::ops::Deref for Certificate {
    type Target = CertificateData;

    fn deref(&self) -> &CertificateData {
        &self.data
    }
}

/// Bounded cache of parsed certificates, by a hash of their DER.
mod parse_cache {
    use std::collections::HashMap;
    use std::hash::{Hash, Hasher};
    use std::sync::{Mutex, OnceLock};

    use super::Certificate;

    const MAX: usize = 8192;

    fn map() -> &'static Mutex<HashMap<u64, Certificate>> {
        static M: OnceLock<Mutex<HashMap<u64, Certificate>>> = OnceLock::new();
        M.get_or_init(|| Mutex::new(HashMap::new()))
    }

    pub(super) fn key(der: &[u8]) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        der.hash(&mut h);
        h.finish()
    }

    /// The cached certificate whose DER starts `bytes` (exactly its DER, compared in full).
    pub(super) fn get(k: u64, der: &[u8]) -> Option<Certificate> {
        let m = map().lock().ok()?;
        m.get(&k).filter(|c| c.der() == der).cloned()
    }

    pub(super) fn put(k: u64, c: &Certificate) {
        if let Ok(mut m) = map().lock() {
            if m.len() >= MAX {
                m.clear();
            }
            m.insert(k, c.clone());
        }
    }

    pub(super) fn clear() {
        if let Ok(mut m) = map().lock() {
            m.clear();
        }
    }
}

/// Empties the parse cache (for measuring cold parses).
pub fn clear_parse_cache() {
    parse_cache::clear();
}

/// The facts of a parsed certificate (see [`Certificate`]).
#[derive(Debug, Clone)]
pub struct CertificateData {
    der: Arc<[u8]>,
    tbs: Range<usize>,
    subject_raw: Range<usize>,
    issuer_raw: Range<usize>,
    spki_raw: Range<usize>,
    /// X.509 version number (1, 2 or 3).
    pub version: u32,
    /// Serial number, big-endian content bytes as encoded.
    pub serial: Vec<u8>,
    /// Parsed subject.
    pub subject: Name,
    /// Parsed issuer.
    pub issuer: Name,
    /// notBefore, seconds since the Unix epoch.
    pub not_before: i64,
    /// notAfter, seconds since the Unix epoch.
    pub not_after: i64,
    /// Outer signature algorithm.
    pub sig_alg: SigAlg,
    /// Whether the TBS signature algorithm equals the outer one (byte-wise).
    pub sig_alg_consistent: bool,
    /// Signature value bytes.
    pub signature: Vec<u8>,
    /// Subject key type and size.
    pub key: KeyKind,
    /// basicConstraints, if present.
    pub basic_constraints: Option<BasicConstraints>,
    /// keyUsage, if present.
    pub key_usage: Option<KeyUsage>,
    /// extendedKeyUsage, if present.
    pub ext_key_usage: Option<ExtKeyUsage>,
    /// subjectAltName entries (empty when absent).
    pub san: Vec<SanEntry>,
    /// Whether a subjectAltName extension is present at all.
    pub has_san: bool,
    /// subjectKeyIdentifier.
    pub subject_key_id: Option<Vec<u8>>,
    /// authorityKeyIdentifier keyIdentifier.
    pub authority_key_id: Option<Vec<u8>>,
    /// AIA OCSP responder URIs.
    pub ocsp_urls: Vec<String>,
    /// AIA caIssuers URIs.
    pub ca_issuer_urls: Vec<String>,
    /// certificatePolicies OIDs.
    pub policies: Vec<String>,
    /// Netscape certificate type bits, if present.
    pub ns_cert_type: Option<u8>,
    /// Every extension, in order.
    pub extensions: Vec<ExtensionInfo>,
    /// A what-if model of a reissued certificate (see [`Certificate::model`]): its parsed
    /// fields differ from its DER, so engines read the fields, and its signature is checked
    /// as the original's.
    pub modeled: bool,
}

impl Certificate {
    /// This certificate's facts over other bytes: `der` is what a lenient library parsed, and
    /// `self` was read from a strict re-encoding of it; the ranges locate the TBSCertificate,
    /// names and key in `der` (signatures are checked over `der`'s own TBSCertificate).
    pub(crate) fn rebased(
        &self,
        der: &[u8],
        tbs: Range<usize>,
        subject: Range<usize>,
        issuer: Range<usize>,
        spki: Range<usize>,
    ) -> Certificate {
        let mut d = (*self.data).clone();
        d.der = Arc::from(der);
        d.tbs = tbs;
        d.subject_raw = subject;
        d.issuer_raw = issuer;
        d.spki_raw = spki;
        Certificate { data: Arc::new(d) }
    }

    /// Parses exactly one DER certificate; trailing bytes are an error.
    pub fn from_der(der: &[u8]) -> Result<Certificate, CertError> {
        let (cert, used) = Self::from_der_prefix(der)?;
        if used != der.len() {
            return Err(CertError::TrailingData(der.len() - used));
        }
        Ok(cert)
    }

    /// Parses one DER certificate at the start of `der`; returns it and the bytes it used.
    pub fn from_der_prefix(der: &[u8]) -> Result<(Certificate, usize), CertError> {
        // The outer SEQUENCE's extent, for the cache key (the parser checks it again).
        let outer = der_tlv_len(der).filter(|n| *n <= der.len());
        let key = outer.map(|n| (parse_cache::key(&der[..n]), n));
        if let Some((k, n)) = key {
            if let Some(c) = parse_cache::get(k, &der[..n]) {
                return Ok((c, n));
            }
        }
        outer_structure(der).map_err(CertError::Parse)?;
        // Extensions are parsed here, only the ones anchorkit uses (SCT lists and policies'
        // qualifiers are never needed and cost more than the rest of the certificate).
        let (rest, x) = x509_parser::certificate::X509CertificateParser::new()
            .with_deep_parse_extensions(false)
            .parse(der)
            .map_err(|e| CertError::Parse(e.to_string()))?;
        let used = der.len() - rest.len();
        let shared: Arc<[u8]> = Arc::from(&der[..used]);
        let cert = Certificate {
            data: Arc::new(Self::build(&x, shared)?),
        };
        if let Some((k, n)) = key {
            if n == used {
                parse_cache::put(k, &cert);
            }
        }
        Ok((cert, used))
    }

    /// The same certificate with its validity replaced (a model of a renewed certificate; the
    /// DER and signature are unchanged).
    pub fn with_not_after(&self, not_after: i64) -> Certificate {
        let mut d = (*self.data).clone();
        d.not_after = not_after;
        Certificate { data: Arc::new(d) }
    }

    /// A what-if model of this certificate reissued by the same CA with `change` applied to
    /// its fields (a longer validity, another signature digest, a bigger key, other usages).
    /// The model keeps the DER; it is marked [`CertificateData::modeled`] so engines use the
    /// changed fields, and its issuer's signature over it is taken as valid when it was valid
    /// over the original (see [`crate::crypto::assume_reissued`]).
    pub fn model(&self, change: impl FnOnce(&mut CertificateData)) -> Certificate {
        let mut d = (*self.data).clone();
        change(&mut d);
        d.modeled = true;
        Certificate { data: Arc::new(d) }
    }

    fn build(x: &X509Certificate<'_>, der: Arc<[u8]>) -> Result<CertificateData, CertError> {
        let raw = x.as_raw();
        let span = |part: &[u8]| -> Result<Range<usize>, CertError> {
            let start = (part.as_ptr() as usize).wrapping_sub(raw.as_ptr() as usize);
            if start > raw.len() || start + part.len() > raw.len() {
                return Err(CertError::Parse("internal span outside certificate".into()));
            }
            Ok(start..start + part.len())
        };
        let tbs_c = &x.tbs_certificate;
        let tbs = span(tbs_c.as_ref())?;
        let subject_raw = span(tbs_c.subject.as_raw())?;
        let issuer_raw = span(tbs_c.issuer.as_raw())?;
        let spki_raw = span(tbs_c.subject_pki.raw)?;

        let sig_oid = oid_text(&x.signature_algorithm.algorithm);
        let sig_params = x.signature_algorithm.parameters.as_ref().map(|p| p.data);
        let sig_alg = SigAlg::from_parts(&sig_oid, sig_params);
        let sig_alg_consistent = x.signature_algorithm == tbs_c.signature;

        let mut cert = CertificateData {
            der,
            tbs,
            subject_raw,
            issuer_raw,
            spki_raw,
            version: tbs_c.version.0 + 1,
            serial: tbs_c.raw_serial().to_vec(),
            subject: Name::from_x509(&tbs_c.subject),
            issuer: Name::from_x509(&tbs_c.issuer),
            not_before: tbs_c.validity.not_before.timestamp(),
            not_after: tbs_c.validity.not_after.timestamp(),
            sig_alg,
            sig_alg_consistent,
            signature: x.signature_value.data.to_vec(),
            key: key_kind(&tbs_c.subject_pki),
            basic_constraints: None,
            key_usage: None,
            ext_key_usage: None,
            san: Vec::new(),
            has_san: false,
            subject_key_id: None,
            authority_key_id: None,
            ocsp_urls: Vec::new(),
            ca_issuer_urls: Vec::new(),
            policies: Vec::new(),
            ns_cert_type: None,
            extensions: Vec::new(),
            modeled: false,
        };
        for ext in tbs_c.extensions() {
            let oid = oid_text(&ext.oid);
            cert.extensions.push(ExtensionInfo {
                name: ext_name(&oid),
                oid,
                critical: ext.critical,
                value: span(ext.value)?,
            });
            let parsed = parse_wanted(&cert.extensions[cert.extensions.len() - 1].oid, ext.value);
            if let Some(p) = &parsed.1 {
                cert.policies = p.clone();
            }
            match parsed.0 {
                ParsedExtension::BasicConstraints(bc) => {
                    cert.basic_constraints = Some(BasicConstraints {
                        ca: bc.ca,
                        path_len: bc.path_len_constraint,
                        critical: ext.critical,
                    })
                }
                ParsedExtension::KeyUsage(ku) => {
                    cert.key_usage = Some(KeyUsage {
                        bits: ku.flags,
                        critical: ext.critical,
                    })
                }
                ParsedExtension::ExtendedKeyUsage(eku) => {
                    let mut oids = Vec::new();
                    if eku.any {
                        oids.push(ExtKeyUsage::ANY.to_string());
                    }
                    if eku.server_auth {
                        oids.push(ExtKeyUsage::SERVER_AUTH.to_string());
                    }
                    if eku.client_auth {
                        oids.push(ExtKeyUsage::CLIENT_AUTH.to_string());
                    }
                    let fixed = [
                        (eku.code_signing, "1.3.6.1.5.5.7.3.3"),
                        (eku.email_protection, "1.3.6.1.5.5.7.3.4"),
                        (eku.time_stamping, "1.3.6.1.5.5.7.3.8"),
                        (eku.ocsp_signing, "1.3.6.1.5.5.7.3.9"),
                    ];
                    for (set, o) in fixed {
                        if set {
                            oids.push(o.to_string());
                        }
                    }
                    oids.extend(eku.other.iter().map(Oid::to_id_string));
                    cert.ext_key_usage = Some(ExtKeyUsage {
                        oids,
                        critical: ext.critical,
                    });
                }
                ParsedExtension::SubjectAlternativeName(san) => {
                    cert.has_san = true;
                    cert.san = san.general_names.iter().map(san_entry).collect();
                }
                ParsedExtension::SubjectKeyIdentifier(k) => {
                    cert.subject_key_id = Some(k.0.to_vec())
                }
                ParsedExtension::AuthorityKeyIdentifier(aki) => {
                    cert.authority_key_id = aki.key_identifier.as_ref().map(|k| k.0.to_vec())
                }
                ParsedExtension::AuthorityInfoAccess(aia) => {
                    for ad in &aia.accessdescs {
                        let uri = match &ad.access_location {
                            GeneralName::URI(u) => u.to_string(),
                            other => format!("{other:?}"),
                        };
                        match oid_text(&ad.access_method).as_ref() {
                            "1.3.6.1.5.5.7.48.1" => cert.ocsp_urls.push(uri),
                            "1.3.6.1.5.5.7.48.2" => cert.ca_issuer_urls.push(uri),
                            _ => {}
                        }
                    }
                }
                ParsedExtension::NSCertType(t) => {
                    let bits = [
                        (t.ssl_client(), 0x80u8),
                        (t.ssl_server(), 0x40),
                        (t.smime(), 0x20),
                        (t.object_signing(), 0x10),
                        (t.ssl_ca(), 0x04),
                        (t.smime_ca(), 0x02),
                        (t.object_signing_ca(), 0x01),
                    ];
                    cert.ns_cert_type =
                        Some(bits.iter().filter(|(s, _)| *s).fold(0, |a, (_, b)| a | b));
                }
                _ => {}
            }
        }
        Ok(cert)
    }
}

impl CertificateData {
    /// The whole certificate, DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The shared DER buffer.
    pub fn der_arc(&self) -> Arc<[u8]> {
        self.der.clone()
    }

    /// The signed part (TBSCertificate), DER, tag included.
    pub fn tbs(&self) -> &[u8] {
        &self.der[self.tbs.clone()]
    }

    /// The raw value of one of this certificate's extensions (the contents of its extnValue
    /// OCTET STRING), for the engines that re-read extensions as their library does.
    pub fn ext_value(&self, e: &ExtensionInfo) -> &[u8] {
        self.der.get(e.value.clone()).unwrap_or(&[])
    }

    /// The raw value of the first extension with this dotted OID.
    pub fn ext_value_of(&self, oid: &str) -> Option<&[u8]> {
        self.extensions
            .iter()
            .find(|e| e.oid == oid)
            .map(|e| self.ext_value(e))
    }

    /// The subject Name, DER, tag included (what ESP bundles store and mbedTLS compares).
    pub fn subject_raw(&self) -> &[u8] {
        &self.der[self.subject_raw.clone()]
    }

    /// The issuer Name, DER, tag included.
    pub fn issuer_raw(&self) -> &[u8] {
        &self.der[self.issuer_raw.clone()]
    }

    /// The SubjectPublicKeyInfo, DER, tag included.
    pub fn spki_raw(&self) -> &[u8] {
        &self.der[self.spki_raw.clone()]
    }

    /// Subject and issuer are byte-identical (self-issued).
    pub fn is_self_issued(&self) -> bool {
        self.subject_raw() == self.issuer_raw()
    }

    /// basicConstraints cA is TRUE.
    pub fn is_ca(&self) -> bool {
        self.basic_constraints.is_some_and(|b| b.ca)
    }

    /// SHA-256 of the DER.
    pub fn sha256(&self) -> [u8; 32] {
        use sha2::Digest;
        sha2::Sha256::digest(self.der()).into()
    }

    /// SHA-1 of the DER.
    pub fn sha1(&self) -> [u8; 20] {
        use sha1::Digest;
        sha1::Sha1::digest(self.der()).into()
    }

    /// PEM encoding (64-column base64, LF line ends, final newline).
    pub fn to_pem(&self) -> String {
        crate::pemutil::encode("CERTIFICATE", self.der())
    }

    /// Size of one ESP-IDF bundle record for this certificate (4 + subject + SPKI).
    pub fn esp_record_len(&self) -> usize {
        4 + self.subject_raw.len() + self.spki_raw.len()
    }

    /// DNS names the certificate covers: SAN dNSNames, or the CN when there is no SAN.
    pub fn dns_names(&self) -> Vec<String> {
        if self.has_san {
            self.san
                .iter()
                .filter_map(|s| match s {
                    SanEntry::Dns(d) => Some(d.clone()),
                    _ => None,
                })
                .collect()
        } else {
            self.subject.common_name().into_iter().collect()
        }
    }

    /// Whether the certificate is valid at `t` (seconds since the epoch).
    pub fn valid_at(&self, t: i64) -> bool {
        self.not_before <= t && t <= self.not_after
    }

    /// A short label for messages: the subject CN, else O, else the whole subject.
    pub fn label(&self) -> String {
        self.subject.short()
    }
}

/// Parses the extensions anchorkit uses from their DER value; policies come back as OIDs.
fn parse_wanted<'a>(oid: &str, v: &'a [u8]) -> (ParsedExtension<'a>, Option<Vec<String>>) {
    use x509_parser::extensions::{
        AuthorityInfoAccess, AuthorityKeyIdentifier, BasicConstraints as Bc, ExtendedKeyUsage,
        KeyIdentifier, KeyUsage as Ku, NSCertType, SubjectAlternativeName,
    };
    fn ok<'a, T>(
        r: Result<(&'a [u8], T), x509_parser::nom::Err<x509_parser::error::X509Error>>,
        f: impl FnOnce(T) -> ParsedExtension<'a>,
    ) -> ParsedExtension<'a> {
        r.map(|(_, t)| f(t)).unwrap_or(ParsedExtension::Unparsed)
    }
    let p = match oid {
        "2.5.29.19" => ok(Bc::from_der(v), ParsedExtension::BasicConstraints),
        "2.5.29.15" => ok(Ku::from_der(v), ParsedExtension::KeyUsage),
        "2.5.29.37" => ok(
            ExtendedKeyUsage::from_der(v),
            ParsedExtension::ExtendedKeyUsage,
        ),
        "2.5.29.17" => ok(
            SubjectAlternativeName::from_der(v),
            ParsedExtension::SubjectAlternativeName,
        ),
        "2.5.29.14" => ok(
            KeyIdentifier::from_der(v),
            ParsedExtension::SubjectKeyIdentifier,
        ),
        "2.5.29.35" => ok(
            AuthorityKeyIdentifier::from_der(v),
            ParsedExtension::AuthorityKeyIdentifier,
        ),
        "1.3.6.1.5.5.7.1.1" => ok(
            AuthorityInfoAccess::from_der(v),
            ParsedExtension::AuthorityInfoAccess,
        ),
        "2.16.840.1.113730.1.1" => ok(NSCertType::from_der(v), ParsedExtension::NSCertType),
        "2.5.29.32" => {
            // SEQUENCE OF PolicyInformation { policyIdentifier OID, qualifiers OPTIONAL }
            use x509_parser::der_parser::asn1_rs::Any;
            let mut oids = Vec::new();
            if let Ok((_, seq)) = Any::from_der(v) {
                let mut rest = seq.data;
                while let Ok((next, pi)) = Any::from_der(rest) {
                    if let Ok((_, o)) = Oid::from_der(pi.data) {
                        oids.push(o.to_id_string());
                    }
                    rest = next;
                }
            }
            return (ParsedExtension::Unparsed, Some(oids));
        }
        _ => ParsedExtension::Unparsed,
    };
    (p, None)
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.data, &other.data) || self.der == other.der
    }
}

impl Eq for Certificate {}

fn san_entry(g: &GeneralName<'_>) -> SanEntry {
    match g {
        GeneralName::DNSName(d) => SanEntry::Dns(d.to_string()),
        GeneralName::IPAddress(b) => SanEntry::Ip(b.to_vec()),
        GeneralName::RFC822Name(e) => SanEntry::Email(e.to_string()),
        GeneralName::URI(u) => SanEntry::Uri(u.to_string()),
        GeneralName::DirectoryName(n) => SanEntry::DirName(Name::from_x509(n).to_string()),
        other => SanEntry::Other(format!("{other:?}")),
    }
}

/// Formats seconds since the epoch as RFC 3339 (`2022-07-04T18:24:46Z`).
pub fn format_time(t: i64) -> String {
    // Outside the years RFC 3339 (and X.509) can write: said, never a bare number.
    if t > MAX_TIME {
        return "after 9999-12-31".into();
    }
    if t < -62_135_596_800 {
        return "before 0001-01-01".into();
    }
    match time::OffsetDateTime::from_unix_timestamp(t) {
        Ok(dt) => dt
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|_| t.to_string()),
        Err(_) => t.to_string(),
    }
}

/// Parses an RFC 3339 time (or a bare `YYYY-MM-DD`, taken as midnight UTC) to epoch seconds.
pub fn parse_time(s: &str) -> Result<i64, String> {
    use time::format_description::well_known::Rfc3339;
    let shown = printable(&clip(s, 60));
    let t = if let Ok(t) = time::OffsetDateTime::parse(s, &Rfc3339) {
        t.unix_timestamp()
    } else {
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        match time::Date::parse(s, &fmt) {
            Ok(d) => d.midnight().assume_utc().unix_timestamp(),
            Err(_) => {
                return Err(format!(
                    "'{shown}' is not an RFC 3339 time (expected e.g. 2022-04-06T00:00:00Z or 2022-04-06)"
                ));
            }
        }
    };
    if !(MIN_TIME..=MAX_TIME).contains(&t) {
        return Err(format!(
            "'{shown}': outside the years 1950 to 9999 that certificates and devices use"
        ));
    }
    Ok(t)
}

/// The earliest time anchorkit takes (1950-01-01, where X.509 UTCTime starts).
pub const MIN_TIME: i64 = -631_152_000;
/// The latest time anchorkit takes (9999-12-31T23:59:59Z, the largest GeneralizedTime).
pub const MAX_TIME: i64 = 253_402_300_799;

/// Colon-separated upper-case hex, as fingerprints are usually shown.
pub fn colon_hex(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The contents of a DER TLV (what `rustls-pki-types` trust anchors hold for the subject and
/// SPKI SEQUENCEs); the input itself when the header is malformed.
pub fn der_contents(der: &[u8]) -> &[u8] {
    let Some(&l) = der.get(1) else { return der };
    let hdr = if l < 0x80 {
        2
    } else {
        2 + usize::from(l & 0x7f)
    };
    der.get(hdr..).unwrap_or(der)
}

/// The date part (`YYYY-MM-DD`) of [`format_time`], or the whole text when it is not a date.
pub fn format_date(t: i64) -> String {
    if !(-62_135_596_800..=MAX_TIME).contains(&t) {
        return format_time(t);
    }
    let s = format_time(t);
    match s.get(..10) {
        Some(d) if s.len() > 10 => d.to_string(),
        _ => s,
    }
}

/// One entry of a server's Certificate message, exactly as sent: usually a certificate, but a
/// server (or a test) can send anything, and each TLS stack reads the entries its own way.
///
/// The entry keeps its bytes; [`ChainEntry::cert`] is the certificate at its start when
/// anchorkit can read one, and [`ChainEntry::trailing`] counts the bytes after it inside the
/// entry.
#[derive(Debug, Clone)]
pub struct ChainEntry {
    bytes: Arc<[u8]>,
    cert: Result<Certificate, CertError>,
}

impl ChainEntry {
    /// An entry from its bytes.
    pub fn from_bytes(bytes: &[u8]) -> ChainEntry {
        let shared: Arc<[u8]> = Arc::from(bytes);
        let cert = Certificate::from_der_prefix(bytes).map(|(c, _)| c);
        ChainEntry {
            bytes: shared,
            cert,
        }
    }

    /// The bytes as sent.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The certificate at the start of the entry, if one could be read.
    pub fn cert(&self) -> Option<&Certificate> {
        self.cert.as_ref().ok()
    }

    /// Why no certificate could be read, if none could.
    pub fn error(&self) -> Option<&CertError> {
        self.cert.as_ref().err()
    }

    /// Bytes after the certificate inside the entry (0 when there is no certificate).
    pub fn trailing(&self) -> usize {
        self.cert
            .as_ref()
            .map_or(0, |c| self.bytes.len().saturating_sub(c.der().len()))
    }

    /// A short label for messages.
    pub fn label(&self) -> String {
        match &self.cert {
            Ok(c) => c.label(),
            Err(_) => format!("{} bytes that are not a certificate", self.bytes.len()),
        }
    }
}

impl From<Certificate> for ChainEntry {
    fn from(c: Certificate) -> ChainEntry {
        ChainEntry {
            bytes: c.der_arc(),
            cert: Ok(c),
        }
    }
}

impl From<&Certificate> for ChainEntry {
    fn from(c: &Certificate) -> ChainEntry {
        ChainEntry::from(c.clone())
    }
}

/// The served chain as entries, from certificates.
pub fn entries(certs: &[Certificate]) -> Vec<ChainEntry> {
    certs.iter().map(ChainEntry::from).collect()
}

/// One DER element: `tag`, the definite length of `body` (short or long form), `body`.
pub fn der_element(tag: u8, body: &[u8]) -> Vec<u8> {
    let n = body.len();
    let mut v = vec![tag];
    match n {
        0..=0x7F => v.push(n as u8),
        0x80..=0xFF => v.extend([0x81, n as u8]),
        0x100..=0xFFFF => v.extend([0x82, (n >> 8) as u8, n as u8]),
        _ => v.extend([0x83, (n >> 16) as u8, (n >> 8) as u8, n as u8]),
    }
    v.extend_from_slice(body);
    v
}

/// Total length of the DER TLV at the start of `b`, when its header is well-formed (the
/// bytes it claims may run past `b`).
pub fn der_tlv_len(b: &[u8]) -> Option<usize> {
    let first = *b.get(1)?;
    if first < 0x80 {
        return Some(2 + usize::from(first));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 4 {
        return None;
    }
    let mut len = 0usize;
    for i in 0..n {
        len = (len << 8) | usize::from(*b.get(2 + i)?);
    }
    Some(2 + n + len)
}
