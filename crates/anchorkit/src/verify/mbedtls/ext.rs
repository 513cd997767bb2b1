//! Mbed TLS's own reading of a certificate's extensions (`x509_get_crt_ext` and the parsers it
//! calls), release by release, over the raw DER.
//!
//! x509-parser accepts encodings Mbed TLS refuses and the other way round, and the error code
//! Mbed TLS returns is what the device reports, so the extensions block is walked here the way
//! the library walks it: the same ASN.1 primitives (`mbedtls_asn1_get_tag/len/bool/int/
//! bitstring/sequence_of`) with the same error codes, the same order, the same version gates.
//! The gates, read from the library's history:
//!
//! * 2.16: no certificatePolicies in the OID table; subjectAltName entries are only framed.
//! * 2.28.0–2.28.2 and 3.0–3.3: each subjectAltName entry is checked with
//!   `mbedtls_x509_parse_subject_alt_name`, but on the *previous* entry's buffer (the first call
//!   sees an empty buffer, the last entry is never checked; fixed in 2.28.3 and 3.4.0), and the
//!   otherName parser tests `p + len >= end` where later releases test the framing.
//! * keyUsage and nsCertType with no bits set: refused before 3.4.0, accepted since.
//! * SAN entry types parsed: otherName (hardware module name) and dNSName; 3.4 adds
//!   uniformResourceIdentifier and rfc822Name; 3.5 adds iPAddress (4 or 16 bytes, else
//!   `MBEDTLS_ERR_X509_BAD_INPUT_DATA`) and directoryName.
//! * 3.5: subjectKeyIdentifier and authorityKeyIdentifier are parsed (and so can repeat, and
//!   a critical one is no longer "unsupported"); authorityCertIssuer is read with the SAN
//!   entry parser directly on the `[1]` contents.
//! * 2.x: `MBEDTLS_X509_ALLOW_UNSUPPORTED_CRITICAL_EXTENSION` lets unknown critical extensions
//!   (and critical certificatePolicies with policies other than anyPolicy) through.

use crate::profile::Version;
use crate::profile::build::MbedBuild;

const ASN1_OUT_OF_DATA: i32 = -0x0060;
const ASN1_UNEXPECTED_TAG: i32 = -0x0062;
const ASN1_INVALID_LENGTH: i32 = -0x0064;
const ASN1_LENGTH_MISMATCH: i32 = -0x0066;
const X509_FEATURE_UNAVAILABLE: i32 = -0x2080;
const X509_INVALID_NAME: i32 = -0x2380;
const X509_INVALID_EXTENSIONS: i32 = -0x2500;
const X509_BAD_INPUT_DATA: i32 = -0x2800;

const TAG_BOOLEAN: u8 = 0x01;
const TAG_INTEGER: u8 = 0x02;
const TAG_BIT_STRING: u8 = 0x03;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_OID: u8 = 0x06;
const TAG_SEQUENCE: u8 = 0x30;
const TAG_SET: u8 = 0x31;
const CONTEXT: u8 = 0x80;
const CONSTRUCTED: u8 = 0x20;

const OID_BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1D, 0x13];
const OID_KEY_USAGE: &[u8] = &[0x55, 0x1D, 0x0F];
const OID_EXT_KEY_USAGE: &[u8] = &[0x55, 0x1D, 0x25];
const OID_SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1D, 0x11];
const OID_NS_CERT_TYPE: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x86, 0xF8, 0x42, 0x01, 0x01];
const OID_CERTIFICATE_POLICIES: &[u8] = &[0x55, 0x1D, 0x20];
const OID_ANY_POLICY: &[u8] = &[0x55, 0x1D, 0x20, 0x00];
const OID_SUBJECT_KEY_ID: &[u8] = &[0x55, 0x1D, 0x0E];
const OID_AUTHORITY_KEY_ID: &[u8] = &[0x55, 0x1D, 0x23];
const OID_HW_MODULE_NAME: &[u8] = &[0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x08, 0x04];

/// A failed parse: the code `mbedtls_x509_crt_parse_der` returns and what was wrong.
pub(super) type Fail = (i32, String);

/// What Mbed TLS keeps from the extensions for verification (`mbedtls_x509_crt` fields).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Parsed {
    /// `ca_istrue`.
    pub ca: bool,
    /// `max_pathlen`: pathLenConstraint + 1, 0 when unlimited.
    pub max_pathlen: i32,
    /// `key_usage` (bytes of the BIT STRING, first byte lowest, up to four), when the
    /// extension is present.
    pub key_usage: Option<u32>,
}

impl Parsed {
    /// The fields of a modeled certificate (no DER of its own to read).
    pub(super) fn from_fields(c: &crate::cert::Certificate) -> Parsed {
        let bc = c.basic_constraints;
        Parsed {
            ca: bc.is_some_and(|b| b.ca),
            max_pathlen: bc.and_then(|b| b.path_len).map_or(0, |n| {
                i32::try_from(n).unwrap_or(i32::MAX - 1).saturating_add(1)
            }),
            key_usage: c.key_usage.map(|k| {
                // X.509 bit n is bit 7-n of the first byte; decipherOnly (bit 8) is 0x8000.
                let mut v = 0u32;
                for n in 0..8 {
                    if k.bits & (1 << n) != 0 {
                        v |= 0x80 >> n;
                    }
                }
                if k.bits & (1 << 8) != 0 {
                    v |= 0x8000;
                }
                v
            }),
        }
    }
}

/// `mbedtls_x509_crt_check_key_usage`: every bit of `usage` except encipherOnly and
/// decipherOnly must be set, and those two may only be set when `usage` asks for them.
pub(super) fn key_usage_allows(key_usage: Option<u32>, usage: u32) -> bool {
    const MAY: u32 = 0x01 | 0x8000;
    let Some(ku) = key_usage else {
        return true;
    };
    let must = usage & !MAY;
    if (ku & !MAY) & must != must {
        return false;
    }
    let may = usage & MAY;
    ((ku & MAY) | may) == may
}

/// The extension types `mbedtls_oid_get_x509_ext_type` knows, as bits of `ext_types`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ext {
    BasicConstraints,
    KeyUsage,
    ExtendedKeyUsage,
    SubjectAltName,
    NsCertType,
    CertificatePolicies,
    SubjectKeyId,
    AuthorityKeyId,
}

impl Ext {
    fn of(oid: &[u8], v: Version) -> Option<Ext> {
        Some(match oid {
            OID_BASIC_CONSTRAINTS => Ext::BasicConstraints,
            OID_KEY_USAGE => Ext::KeyUsage,
            OID_EXT_KEY_USAGE => Ext::ExtendedKeyUsage,
            OID_SUBJECT_ALT_NAME => Ext::SubjectAltName,
            OID_NS_CERT_TYPE => Ext::NsCertType,
            OID_CERTIFICATE_POLICIES if v >= Version(2, 28, 0) => Ext::CertificatePolicies,
            OID_SUBJECT_KEY_ID if v.ip_san() => Ext::SubjectKeyId,
            OID_AUTHORITY_KEY_ID if v.ip_san() => Ext::AuthorityKeyId,
            _ => return None,
        })
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }

    fn name(self) -> &'static str {
        match self {
            Ext::BasicConstraints => "basicConstraints",
            Ext::KeyUsage => "keyUsage",
            Ext::ExtendedKeyUsage => "extendedKeyUsage",
            Ext::SubjectAltName => "subjectAltName",
            Ext::NsCertType => "nsCertType",
            Ext::CertificatePolicies => "certificatePolicies",
            Ext::SubjectKeyId => "subjectKeyIdentifier",
            Ext::AuthorityKeyId => "authorityKeyIdentifier",
        }
    }
}

/// A cursor over DER with Mbed TLS's ASN.1 primitives; errors are the raw ASN.1 codes.
#[derive(Clone, Copy)]
pub(super) struct Cur<'a> {
    pub(super) buf: &'a [u8],
    pub(super) pos: usize,
}

impl<'a> Cur<'a> {
    pub(super) fn new(buf: &'a [u8]) -> Self {
        Cur { buf, pos: 0 }
    }

    pub(super) fn left(&self, end: usize) -> usize {
        end.saturating_sub(self.pos)
    }

    pub(super) fn byte(&self) -> u8 {
        self.buf.get(self.pos).copied().unwrap_or(0)
    }

    /// `mbedtls_asn1_get_len`.
    pub(super) fn len(&mut self, end: usize) -> Result<usize, i32> {
        if self.left(end) < 1 {
            return Err(ASN1_OUT_OF_DATA);
        }
        let first = self.byte();
        let len = if first & 0x80 == 0 {
            self.pos += 1;
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7F);
            if n == 0 || n > 4 {
                return Err(ASN1_INVALID_LENGTH);
            }
            if self.left(end) <= n {
                return Err(ASN1_OUT_OF_DATA);
            }
            let mut l = 0usize;
            for i in 1..=n {
                l = (l << 8) | usize::from(self.buf[self.pos + i]);
            }
            self.pos += n + 1;
            l
        };
        if len > self.left(end) {
            return Err(ASN1_OUT_OF_DATA);
        }
        Ok(len)
    }

    /// `mbedtls_asn1_get_tag`.
    pub(super) fn tag(&mut self, end: usize, tag: u8) -> Result<usize, i32> {
        if self.left(end) < 1 {
            return Err(ASN1_OUT_OF_DATA);
        }
        if self.byte() != tag {
            return Err(ASN1_UNEXPECTED_TAG);
        }
        self.pos += 1;
        self.len(end)
    }

    /// `mbedtls_asn1_get_bool`.
    pub(super) fn boolean(&mut self, end: usize) -> Result<bool, i32> {
        let len = self.tag(end, TAG_BOOLEAN)?;
        if len != 1 {
            return Err(ASN1_INVALID_LENGTH);
        }
        let v = self.byte() != 0;
        self.pos += 1;
        Ok(v)
    }

    /// `mbedtls_asn1_get_int` (2.16: no leading-zero skipping).
    pub(super) fn int(&mut self, end: usize, v: Version) -> Result<i32, i32> {
        let mut len = self.tag(end, TAG_INTEGER)?;
        if len == 0 || self.byte() & 0x80 != 0 {
            return Err(ASN1_INVALID_LENGTH);
        }
        if v >= Version(2, 28, 0) {
            while len > 0 && self.byte() == 0 {
                self.pos += 1;
                len -= 1;
            }
            if len == 4 && self.byte() & 0x80 != 0 {
                return Err(ASN1_INVALID_LENGTH);
            }
        }
        if len > 4 {
            return Err(ASN1_INVALID_LENGTH);
        }
        let mut val: i64 = 0;
        for _ in 0..len {
            val = (val << 8) | i64::from(self.byte());
            self.pos += 1;
        }
        Ok(val as i32)
    }

    /// `mbedtls_asn1_get_bitstring`: the number of content bytes after the unused-bits byte.
    pub(super) fn bitstring(&mut self, end: usize) -> Result<usize, i32> {
        let len = self.tag(end, TAG_BIT_STRING)?;
        if len < 1 {
            return Err(ASN1_OUT_OF_DATA);
        }
        if self.byte() > 7 {
            return Err(ASN1_INVALID_LENGTH);
        }
        self.pos += len;
        if self.pos != end {
            return Err(ASN1_LENGTH_MISMATCH);
        }
        Ok(len - 1)
    }

    /// `mbedtls_asn1_get_sequence_of`: the number of elements (each must carry `tag`).
    pub(super) fn sequence_of(&mut self, end: usize, tag: u8) -> Result<usize, i32> {
        let len = self.tag(end, TAG_SEQUENCE)?;
        if self.pos + len != end {
            return Err(ASN1_LENGTH_MISMATCH);
        }
        let mut n = 0;
        while self.pos < end {
            let t = self.byte();
            self.pos += 1;
            if t != tag {
                return Err(ASN1_UNEXPECTED_TAG);
            }
            let l = self.len(end)?;
            self.pos += l;
            n += 1;
        }
        Ok(n)
    }
}

fn ext_err(low: i32) -> i32 {
    X509_INVALID_EXTENSIONS + low
}

/// The extensions block (`[3] EXPLICIT`) of a TBSCertificate, or `None` when it has none.
fn extensions_block(tbs: &[u8]) -> Option<&[u8]> {
    let mut c = Cur::new(tbs);
    let len = c.tag(tbs.len(), TAG_SEQUENCE).ok()?;
    let end = c.pos + len;
    while c.pos < end {
        let t = c.byte();
        c.pos += 1;
        let l = c.len(end).ok()?;
        if t == (CONTEXT | CONSTRUCTED | 3) {
            return Some(&tbs[c.pos - header_len(l) - 1..c.pos + l]);
        }
        c.pos += l;
    }
    None
}

fn header_len(len: usize) -> usize {
    match len {
        0..=0x7F => 1,
        0x80..=0xFF => 2,
        0x100..=0xFFFF => 3,
        0x1_0000..=0xFF_FFFF => 4,
        _ => 5,
    }
}

/// `x509_get_crt_ext` on a version 3 certificate's TBSCertificate.
pub(super) fn check(tbs: &[u8], v: Version, b: &MbedBuild) -> Result<Parsed, Fail> {
    let mut out = Parsed::default();
    let Some(block) = extensions_block(tbs) else {
        return Ok(out);
    };
    let allow_critical = v.is_2x() && b.allow_unsupported_critical_ext;
    let mut c = Cur::new(block);
    let all = block.len();
    // mbedtls_x509_get_ext: [3] { SEQUENCE { ... } } with nothing after the SEQUENCE.
    let outer = c
        .tag(all, CONTEXT | CONSTRUCTED | 3)
        .map_err(|e| (ext_err(e), "unreadable extensions block".to_string()))?;
    let end = c.pos + outer;
    let seq = c
        .tag(end, TAG_SEQUENCE)
        .map_err(|e| (ext_err(e), "extensions are not a SEQUENCE".to_string()))?;
    if c.pos + seq != end {
        return Err((
            ext_err(ASN1_LENGTH_MISMATCH),
            "bytes after the extensions SEQUENCE".into(),
        ));
    }
    let mut seen = 0u16;
    while c.pos < end {
        let frame = |e: i32, what: &str| (ext_err(e), format!("malformed extension: {what}"));
        let len = c
            .tag(end, TAG_SEQUENCE)
            .map_err(|e| frame(e, "not a SEQUENCE"))?;
        let end_data = c.pos + len;
        let oid_len = c
            .tag(end_data, TAG_OID)
            .map_err(|e| frame(e, "no extnID"))?;
        let oid = &block[c.pos..c.pos + oid_len];
        c.pos += oid_len;
        let critical = match c.boolean(end_data) {
            Ok(v) => v,
            Err(ASN1_UNEXPECTED_TAG) => false,
            Err(e) => return Err(frame(e, "bad critical flag")),
        };
        let octet = c
            .tag(end_data, TAG_OCTET_STRING)
            .map_err(|e| frame(e, "no extnValue OCTET STRING"))?;
        let end_octet = c.pos + octet;
        if end_octet != end_data {
            return Err(frame(ASN1_LENGTH_MISMATCH, "bytes after extnValue"));
        }
        let Some(ext) = Ext::of(oid, v) else {
            c.pos = end_octet;
            if critical && !allow_critical {
                return Err((
                    ext_err(ASN1_UNEXPECTED_TAG),
                    format!("unsupported critical extension {}", oid_text(oid)),
                ));
            }
            continue;
        };
        if seen & ext.bit() != 0 {
            return Err((
                X509_INVALID_EXTENSIONS,
                format!("repeated extension {}", ext.name()),
            ));
        }
        seen |= ext.bit();
        let bad = |code: i32, what: String| (code, format!("{}: {what}", ext.name()));
        match ext {
            Ext::BasicConstraints => {
                basic_constraints(&mut c, end_octet, v, &mut out).map_err(|e| {
                    bad(
                        e,
                        "malformed (negative or oversized pathLenConstraint, or bad framing)"
                            .into(),
                    )
                })?
            }
            Ext::KeyUsage | Ext::NsCertType => {
                let n = c
                    .bitstring(end_octet)
                    .map_err(|e| bad(ext_err(e), "not a BIT STRING".into()))?;
                let empty_ok = v >= Version(3, 4, 0);
                let refused = match ext {
                    Ext::KeyUsage => n == 0 && !empty_ok,
                    _ => (n == 0 && !empty_ok) || n > 1,
                };
                if refused {
                    return Err(bad(
                        ext_err(ASN1_INVALID_LENGTH),
                        if n == 0 {
                            "no bits set (refused before Mbed TLS 3.4)".into()
                        } else {
                            "more than one byte of bits".into()
                        },
                    ));
                }
                if ext == Ext::KeyUsage {
                    // The content bytes follow the tag, length and unused-bits byte.
                    let bits = &block[c.pos - n..c.pos];
                    out.key_usage = Some(
                        bits.iter()
                            .take(4)
                            .enumerate()
                            .fold(0u32, |a, (i, b)| a | (u32::from(*b) << (8 * i))),
                    );
                }
            }
            Ext::ExtendedKeyUsage => {
                let n = c
                    .sequence_of(end_octet, TAG_OID)
                    .map_err(|e| bad(ext_err(e), "not a SEQUENCE OF OBJECT IDENTIFIER".into()))?;
                if n == 0 {
                    return Err(bad(ext_err(ASN1_INVALID_LENGTH), "no purpose".into()));
                }
            }
            Ext::SubjectAltName => {
                let len = c
                    .tag(end_octet, TAG_SEQUENCE)
                    .map_err(|e| bad(ext_err(e), "not a SEQUENCE".into()))?;
                if c.pos + len != end_octet {
                    return Err(bad(
                        ext_err(ASN1_LENGTH_MISMATCH),
                        "bytes after GeneralNames".into(),
                    ));
                }
                general_names(&mut c, end_octet, v).map_err(|(e, w)| bad(e, w))?;
            }
            Ext::CertificatePolicies => match policies(&mut c, end_octet) {
                Ok(()) => {}
                Err(X509_FEATURE_UNAVAILABLE) => {
                    if critical && !allow_critical {
                        return Err(bad(
                            X509_FEATURE_UNAVAILABLE,
                            "critical, with a policy other than anyPolicy".into(),
                        ));
                    }
                }
                Err(e) => return Err(bad(e, "malformed".into())),
            },
            Ext::SubjectKeyId => {
                let len = c
                    .tag(end_data, TAG_OCTET_STRING)
                    .map_err(|e| bad(ext_err(e), "not an OCTET STRING".into()))?;
                c.pos += len;
                if c.pos != end_data {
                    return Err(bad(
                        ext_err(ASN1_LENGTH_MISMATCH),
                        "bytes after the key identifier".into(),
                    ));
                }
            }
            Ext::AuthorityKeyId => {
                authority_key_id(&mut c, end_octet, v).map_err(|(e, w)| bad(e, w))?
            }
        }
    }
    if c.pos != end {
        return Err((
            ext_err(ASN1_LENGTH_MISMATCH),
            "extensions overrun their SEQUENCE".into(),
        ));
    }
    Ok(out)
}

/// `x509_get_basic_constraints`; the error is the full code.
fn basic_constraints(c: &mut Cur<'_>, end: usize, v: Version, out: &mut Parsed) -> Result<(), i32> {
    c.tag(end, TAG_SEQUENCE).map_err(ext_err)?;
    if c.pos == end {
        return Ok(());
    }
    // cA as a BOOLEAN, or (leniently) an INTEGER; any non-zero value is true.
    match c.boolean(end) {
        Ok(ca) => out.ca = ca,
        Err(ASN1_UNEXPECTED_TAG) => {
            out.ca = c.int(end, v).map_err(ext_err)? != 0;
        }
        Err(e) => return Err(ext_err(e)),
    }
    if c.pos == end {
        return Ok(());
    }
    let path_len = c.int(end, v).map_err(ext_err)?;
    if c.pos != end {
        return Err(ext_err(ASN1_LENGTH_MISMATCH));
    }
    if path_len == i32::MAX {
        return Err(ext_err(ASN1_INVALID_LENGTH));
    }
    out.max_pathlen = path_len + 1;
    Ok(())
}

/// `x509_get_certificate_policies`: `Err(X509_FEATURE_UNAVAILABLE)` when it read well but
/// holds a policy other than anyPolicy.
fn policies(c: &mut Cur<'_>, end: usize) -> Result<(), i32> {
    let len = c.tag(end, TAG_SEQUENCE).map_err(ext_err)?;
    if c.pos + len != end || len == 0 {
        return Err(ext_err(ASN1_LENGTH_MISMATCH));
    }
    let mut other = false;
    while c.pos < end {
        let plen = c.tag(end, TAG_SEQUENCE).map_err(ext_err)?;
        let policy_end = c.pos + plen;
        let olen = c.tag(policy_end, TAG_OID).map_err(ext_err)?;
        if &c.buf[c.pos..c.pos + olen] != OID_ANY_POLICY {
            other = true;
        }
        c.pos += olen;
        if c.pos < policy_end {
            let qlen = c.tag(policy_end, TAG_SEQUENCE).map_err(ext_err)?;
            c.pos += qlen;
        }
        if c.pos != policy_end {
            return Err(ext_err(ASN1_LENGTH_MISMATCH));
        }
    }
    if c.pos != end {
        return Err(ext_err(ASN1_LENGTH_MISMATCH));
    }
    if other {
        Err(X509_FEATURE_UNAVAILABLE)
    } else {
        Ok(())
    }
}

/// The GeneralName entries from `c` to `end` (`x509_get_subject_alt_name` /
/// `mbedtls_x509_get_subject_alt_name_ext`), each checked as this release checks them.
fn general_names(c: &mut Cur<'_>, end: usize, v: Version) -> Result<(), Fail> {
    // Releases that check the previous entry's buffer instead of the current one.
    let off_by_one = v >= Version(2, 28, 0) && v < Version(2, 28, 3)
        || v >= Version(3, 0, 0) && v < Version(3, 4, 0);
    let checks = v >= Version(2, 28, 0);
    let mut previous: Option<(u8, usize, usize)> = None;
    while c.pos < end {
        let tag = c.byte();
        c.pos += 1;
        let len = c
            .len(end)
            .map_err(|e| (ext_err(e), "a GeneralName with a bad length".to_string()))?;
        if tag & 0xC0 != CONTEXT {
            return Err((
                ext_err(ASN1_UNEXPECTED_TAG),
                format!("a GeneralName with tag 0x{tag:02X}, not context-specific"),
            ));
        }
        let entry = (tag, c.pos, len);
        let to_check = if off_by_one { previous } else { Some(entry) };
        if checks && let Some((t, start, l)) = to_check {
            match general_name(&c.buf[start..start + l], t, v) {
                Ok(()) | Err((X509_FEATURE_UNAVAILABLE, _)) => {}
                Err(e) => return Err(e),
            }
        }
        previous = Some(entry);
        c.pos += len;
    }
    if c.pos != end {
        return Err((ext_err(ASN1_LENGTH_MISMATCH), "GeneralNames overrun".into()));
    }
    Ok(())
}

/// `mbedtls_x509_parse_subject_alt_name` on one entry's contents.
fn general_name(body: &[u8], tag: u8, v: Version) -> Result<(), Fail> {
    let unsupported = Err((X509_FEATURE_UNAVAILABLE, String::new()));
    match tag & 0xDF {
        0x80 => other_name(body, v),
        0x82 => Ok(()),
        0x81 | 0x86 if v >= Version(3, 4, 0) => Ok(()),
        0x87 if v.ip_san() => {
            if body.len() == 4 || body.len() == 16 {
                Ok(())
            } else {
                Err((
                    X509_BAD_INPUT_DATA,
                    format!(
                        "an iPAddress of {} bytes (Mbed TLS takes 4 or 16)",
                        body.len()
                    ),
                ))
            }
        }
        0x84 if v.ip_san() => {
            let mut c = Cur::new(body);
            let len = c
                .tag(body.len(), TAG_SEQUENCE)
                .map_err(|e| (e, "a directoryName that is not a Name".to_string()))?;
            let end = c.pos + len;
            name(&mut c, end).map_err(|e| (e, "a malformed directoryName".to_string()))
        }
        _ => unsupported,
    }
}

/// `x509_get_other_name`: only the hardware module name is understood.
fn other_name(body: &[u8], v: Version) -> Result<(), Fail> {
    let end = body.len();
    let mut c = Cur::new(body);
    let bad = |e: i32| {
        (
            ext_err(e),
            "a malformed otherName (hardware module name)".to_string(),
        )
    };
    let old = v < Version(2, 28, 3) || (v >= Version(3, 0, 0) && v < Version(3, 4, 0));
    let len = c.tag(end, TAG_OID).map_err(bad)?;
    if &body[c.pos..c.pos + len] != OID_HW_MODULE_NAME {
        return Err((X509_FEATURE_UNAVAILABLE, String::new()));
    }
    if old && c.pos + len >= end {
        return Err(bad(ASN1_LENGTH_MISMATCH));
    }
    c.pos += len;
    let len = c.tag(end, CONSTRUCTED | CONTEXT).map_err(bad)?;
    if !old && end != c.pos + len {
        return Err(bad(ASN1_LENGTH_MISMATCH));
    }
    let len = c.tag(end, TAG_SEQUENCE).map_err(bad)?;
    if !old && end != c.pos + len {
        return Err(bad(ASN1_LENGTH_MISMATCH));
    }
    let len = c.tag(end, TAG_OID).map_err(bad)?;
    if old && c.pos + len >= end {
        return Err(bad(ASN1_LENGTH_MISMATCH));
    }
    c.pos += len;
    let len = c.tag(end, TAG_OCTET_STRING).map_err(bad)?;
    c.pos += len;
    if c.pos != end {
        return Err(bad(ASN1_LENGTH_MISMATCH));
    }
    Ok(())
}

/// `mbedtls_x509_get_name` from `c` to `end`; the error is the full code.
fn name(c: &mut Cur<'_>, end: usize) -> Result<(), i32> {
    loop {
        let set_len = c
            .tag(end, CONSTRUCTED | TAG_SET)
            .map_err(|e| X509_INVALID_NAME + e)?;
        let end_set = c.pos + set_len;
        loop {
            attr_type_value(c, end_set)?;
            if c.pos == end_set {
                break;
            }
        }
        if c.pos == end {
            return Ok(());
        }
    }
}

/// `x509_get_attr_type_value`.
fn attr_type_value(c: &mut Cur<'_>, end: usize) -> Result<(), i32> {
    let e = |x: i32| X509_INVALID_NAME + x;
    let len = c.tag(end, TAG_SEQUENCE).map_err(e)?;
    let end = c.pos + len;
    if c.left(end) < 1 {
        return Err(e(ASN1_OUT_OF_DATA));
    }
    let olen = c.tag(end, TAG_OID).map_err(e)?;
    c.pos += olen;
    if c.left(end) < 1 {
        return Err(e(ASN1_OUT_OF_DATA));
    }
    // BMPString, UTF8String, T61String, PrintableString, IA5String, UniversalString, BIT STRING.
    if !matches!(c.byte(), 0x1E | 0x0C | 0x14 | 0x13 | 0x16 | 0x1C | 0x03) {
        return Err(e(ASN1_UNEXPECTED_TAG));
    }
    c.pos += 1;
    let vlen = c.len(end).map_err(e)?;
    c.pos += vlen;
    if c.pos != end {
        return Err(e(ASN1_LENGTH_MISMATCH));
    }
    Ok(())
}

/// `x509_get_authority_key_id` (3.5 and later).
fn authority_key_id(c: &mut Cur<'_>, end: usize, v: Version) -> Result<(), Fail> {
    let bad = |e: i32, what: &str| (ext_err(e), what.to_string());
    let len = c
        .tag(end, TAG_SEQUENCE)
        .map_err(|e| bad(e, "not a SEQUENCE"))?;
    if c.pos + len != end {
        return Err(bad(ASN1_LENGTH_MISMATCH, "bytes after the SEQUENCE"));
    }
    match c.tag(end, CONTEXT) {
        Ok(len) => c.pos += len,
        Err(ASN1_UNEXPECTED_TAG) => {}
        Err(e) => return Err(bad(e, "a malformed keyIdentifier")),
    }
    if c.pos < end {
        let len = c.tag(end, CONTEXT | CONSTRUCTED | 1).map_err(|e| {
            bad(
                e,
                "something other than authorityCertIssuer [1] after the keyIdentifier",
            )
        })?;
        // The entries are read straight from the [1] contents, so a correctly (IMPLICIT)
        // tagged GeneralNames is taken entry by entry, whatever their tags.
        let issuer_end = c.pos + len;
        general_names(c, issuer_end, v).map_err(|(e, w)| {
            (
                e,
                format!(
                    "authorityCertIssuer: {}",
                    if w.is_empty() { "unreadable" } else { &w }
                ),
            )
        })?;
        let len = c.tag(end, CONTEXT | 2).map_err(|e| {
            bad(
                e,
                "authorityCertIssuer without authorityCertSerialNumber [2]",
            )
        })?;
        c.pos += len;
    }
    if c.pos != end {
        return Err(bad(ASN1_LENGTH_MISMATCH, "bytes after the last field"));
    }
    Ok(())
}

fn oid_text(oid: &[u8]) -> String {
    x509_parser::der_parser::oid::Oid::new(std::borrow::Cow::Borrowed(oid)).to_id_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tbs_with(exts: &[u8]) -> Vec<u8> {
        // A TBSCertificate whose only element is the [3] block.
        let mut block = vec![0xA3, (exts.len() + 2) as u8, 0x30, exts.len() as u8];
        block.extend_from_slice(exts);
        let mut tbs = vec![0x30, block.len() as u8];
        tbs.extend(block);
        tbs
    }

    fn ext(oid: &[u8], critical: bool, value: &[u8]) -> Vec<u8> {
        let mut body = vec![0x06, oid.len() as u8];
        body.extend_from_slice(oid);
        if critical {
            body.extend_from_slice(&[0x01, 0x01, 0xFF]);
        }
        body.extend_from_slice(&[0x04, value.len() as u8]);
        body.extend_from_slice(value);
        let mut out = vec![0x30, body.len() as u8];
        out.extend(body);
        out
    }

    fn run(exts: &[u8], v: Version) -> Result<(), i32> {
        check(&tbs_with(exts), v, &MbedBuild::upstream(v))
            .map(|_| ())
            .map_err(|e| e.0)
    }

    #[test]
    fn key_usage_check_has_may_bits() {
        // digitalSignature alone, with keyCertSign, with decipherOnly (second byte 0x80).
        assert!(key_usage_allows(Some(0x80), 0x80));
        assert!(key_usage_allows(Some(0x84), 0x80));
        assert!(!key_usage_allows(Some(0x8080), 0x80));
        assert!(!key_usage_allows(Some(0x81), 0x80));
        assert!(!key_usage_allows(Some(0x04), 0x80));
        assert!(key_usage_allows(None, 0x80));
    }

    #[test]
    fn negative_path_len_is_refused_everywhere() {
        let bc = ext(
            OID_BASIC_CONSTRAINTS,
            true,
            &[0x30, 0x06, 0x01, 0x01, 0xFF, 0x02, 0x01, 0xFF],
        );
        for v in [
            Version(2, 16, 12),
            Version(2, 28, 8),
            Version(3, 6, 5),
            Version(4, 1, 0),
        ] {
            assert_eq!(run(&bc, v), Err(-0x2564), "{v:?}");
        }
    }

    #[test]
    fn empty_key_usage_depends_on_release() {
        let ku = ext(OID_KEY_USAGE, true, &[0x03, 0x01, 0x00]);
        assert_eq!(run(&ku, Version(2, 28, 8)), Err(-0x2564));
        assert_eq!(run(&ku, Version(3, 3, 0)), Err(-0x2564));
        assert_eq!(run(&ku, Version(3, 4, 0)), Ok(()));
    }

    #[test]
    fn authority_key_id_fields() {
        let aki = |body: &[u8]| {
            let mut v = vec![0x30, body.len() as u8];
            v.extend_from_slice(body);
            ext(OID_AUTHORITY_KEY_ID, false, &v)
        };
        // keyIdentifier and serial without authorityCertIssuer: [1] is required once more
        // fields follow the keyIdentifier.
        let serial_only = aki(&[0x80, 0x01, 0x07, 0x82, 0x01, 0x05]);
        assert_eq!(run(&serial_only, Version(3, 6, 5)), Err(-0x2562));
        assert_eq!(
            run(&serial_only, Version(3, 4, 1)),
            Ok(()),
            "not parsed before 3.5"
        );
        // [1] { [4] Name } [2] serial: the entries are read from the [1] contents.
        let name = [
            0x30, 0x0B, 0x31, 0x09, 0x30, 0x07, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0C, 0x00,
        ];
        let mut body = vec![0xA1, (name.len() + 2) as u8, 0xA4, name.len() as u8];
        body.extend_from_slice(&name);
        body.extend_from_slice(&[0x82, 0x01, 0x05]);
        assert_eq!(run(&aki(&body), Version(3, 6, 5)), Ok(()));
        // A SEQUENCE-wrapped GeneralNames inside [1] is a universal tag: refused.
        let mut body = vec![
            0xA1,
            (name.len() + 4) as u8,
            0x30,
            (name.len() + 2) as u8,
            0xA4,
        ];
        body.push(name.len() as u8);
        body.extend_from_slice(&name);
        body.extend_from_slice(&[0x82, 0x01, 0x05]);
        assert_eq!(run(&aki(&body), Version(3, 6, 5)), Err(-0x2562));
    }

    #[test]
    fn san_checks_follow_the_release() {
        // An IP of 5 bytes, then a DNS name.
        let san = ext(
            OID_SUBJECT_ALT_NAME,
            false,
            &[0x30, 0x0A, 0x87, 0x05, 1, 2, 3, 4, 5, 0x82, 0x01, b'a'],
        );
        assert_eq!(run(&san, Version(3, 6, 5)), Err(-0x2800));
        assert_eq!(run(&san, Version(3, 4, 0)), Ok(()));
        assert_eq!(run(&san, Version(2, 28, 8)), Ok(()));
        // A malformed hardware module name as the last entry: unchecked by the off-by-one
        // releases.
        let hw = [
            0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x08, 0x04, 0x05, 0x00,
        ];
        let mut body = vec![0xA0, hw.len() as u8];
        body.extend_from_slice(&hw);
        let mut gn = vec![0x30, body.len() as u8];
        gn.extend(body);
        let san = ext(OID_SUBJECT_ALT_NAME, false, &gn);
        assert_eq!(run(&san, Version(2, 28, 1)), Ok(()));
        assert_eq!(run(&san, Version(3, 3, 0)), Ok(()));
        assert_eq!(run(&san, Version(2, 28, 3)), Err(-0x2562));
        assert_eq!(run(&san, Version(3, 6, 5)), Err(-0x2562));
    }
}
