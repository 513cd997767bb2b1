//! BearSSL 0.6 `br_x509_minimal` in a TLS client (the ESP8266 Arduino core's `X509List` /
//! `CertStore`), read from `src/x509/x509_minimal.t0` and `asn1.t0`.
//!
//! BearSSL decodes the Certificate message as a stream, certificate by certificate, and
//! validates while it decodes: every error it meets ends validation with that error, and once a
//! certificate's issuer is a trusted CA anchor (or the leaf is a direct-trust anchor) validation
//! ends with success and every byte after it is ignored, even bytes that are not a certificate.
//! This module follows the decoder step by step, in its order, with its error codes:
//!
//! 1. outer SEQUENCE, TBS SEQUENCE, version (at most v3, else UNSUPPORTED), serial, inner
//!    algorithm, issuer DN;
//! 2. validity: checked for every certificate as it is decoded (EXPIRED; anchors carry no dates);
//! 3. subject: for a non-leaf, its DN bytes must equal the previous certificate's issuer DN
//!    (DN_MISMATCH: BearSSL needs the chain in order); the leaf's CN is matched;
//! 4. public key: RSA (at least 128 bytes of modulus, WEAK_PUBLIC_KEY) or EC on P-256, P-384,
//!    P-521 (else UNSUPPORTED); a non-leaf's key must verify the previous certificate
//!    (WRONG_KEY_TYPE, BAD_SIGNATURE);
//! 5. extensions: basicConstraints on non-leaves (cA and pathLen, NOT_CA), keyUsage (keyCertSign on
//!    non-leaves, FORBIDDEN_KEY_USAGE), subjectAltName (replaces the CN result), critical
//!    certificatePolicies only with id-qt-cps qualifiers, a known list ignored even when
//!    critical, any other critical extension CRITICAL_EXTENSION (extendedKeyUsage included);
//! 6. the leaf's name (BAD_SERVER_NAME), direct trust of the leaf, NOT_CA without basicConstraints;
//! 7. signature algorithm (RSA PKCS#1 v1.5 or ECDSA with SHA-1 to SHA-512, else UNSUPPORTED),
//!    signature size, no bytes after the certificate (EXTRA_ELEMENT);
//! 8. a CA anchor with the issuer DN whose key verifies the signature ends validation.
//!
//! After the chain, the SSL engine checks that the leaf's keyUsage allows signing for the ECDHE
//! key exchange (BR_ERR_WRONG_KEY_USAGE). Trust anchors are built as the ESP8266 core builds
//! them: DN and key from the certificate, the CA flag only when it is a CA.

use super::{AnchorInfo, CertRef, HostCheck, PathEntry, Reason, Request, Stack, Verdict, label};
use crate::anchor::TrustAnchor;
use crate::cert::{Certificate, KeyKind};
use crate::crypto::{SigCheck, verify_signature};
use crate::profile::Profile;

/// The BearSSL stack.
pub struct Bearssl;

/// BR_ERR_UNEXPECTED (the SSL engine's): an empty certificate list is refused before the
/// X.509 engine starts.
const SSL_UNEXPECTED: i32 = 10;
const WRONG_KEY_USAGE: i32 = 28;
const TRUNCATED: i32 = 34;
const EMPTY_CHAIN: i32 = 35;
const INNER_TRUNC: i32 = 36;
const BAD_TAG_CLASS: i32 = 37;
const BAD_TAG_VALUE: i32 = 38;
const INDEFINITE_LENGTH: i32 = 39;
const EXTRA_ELEMENT: i32 = 40;
const UNEXPECTED: i32 = 41;
const NOT_CONSTRUCTED: i32 = 42;
const NOT_PRIMITIVE: i32 = 43;
const PARTIAL_BYTE: i32 = 44;
const BAD_BOOLEAN: i32 = 45;
const OVERFLOW: i32 = 46;
const BAD_DN: i32 = 47;
const BAD_TIME: i32 = 48;
const UNSUPPORTED: i32 = 49;
const LIMIT_EXCEEDED: i32 = 50;
const WRONG_KEY_TYPE: i32 = 51;
const BAD_SIGNATURE: i32 = 52;
const EXPIRED: i32 = 54;
const DN_MISMATCH: i32 = 55;
const BAD_SERVER_NAME: i32 = 56;
const CRITICAL_EXTENSION: i32 = 57;
const NOT_CA: i32 = 58;
const FORBIDDEN_KEY_USAGE: i32 = 59;
const WEAK_PUBLIC_KEY: i32 = 60;
const NOT_TRUSTED: i32 = 62;

/// `BR_X509_BUFSIZE_KEY` and `BR_X509_BUFSIZE_SIG`.
const BUFSIZE_KEY: usize = 520;
const BUFSIZE_SIG: usize = 512;

fn name(code: i32) -> &'static str {
    match code {
        WRONG_KEY_USAGE => "BR_ERR_WRONG_KEY_USAGE",
        TRUNCATED => "BR_ERR_X509_TRUNCATED",
        EMPTY_CHAIN => "BR_ERR_X509_EMPTY_CHAIN",
        INNER_TRUNC => "BR_ERR_X509_INNER_TRUNC",
        BAD_TAG_CLASS => "BR_ERR_X509_BAD_TAG_CLASS",
        BAD_TAG_VALUE => "BR_ERR_X509_BAD_TAG_VALUE",
        INDEFINITE_LENGTH => "BR_ERR_X509_INDEFINITE_LENGTH",
        EXTRA_ELEMENT => "BR_ERR_X509_EXTRA_ELEMENT",
        UNEXPECTED => "BR_ERR_X509_UNEXPECTED",
        NOT_CONSTRUCTED => "BR_ERR_X509_NOT_CONSTRUCTED",
        NOT_PRIMITIVE => "BR_ERR_X509_NOT_PRIMITIVE",
        PARTIAL_BYTE => "BR_ERR_X509_PARTIAL_BYTE",
        BAD_BOOLEAN => "BR_ERR_X509_BAD_BOOLEAN",
        OVERFLOW => "BR_ERR_X509_OVERFLOW",
        BAD_DN => "BR_ERR_X509_BAD_DN",
        BAD_TIME => "BR_ERR_X509_BAD_TIME",
        UNSUPPORTED => "BR_ERR_X509_UNSUPPORTED",
        LIMIT_EXCEEDED => "BR_ERR_X509_LIMIT_EXCEEDED",
        WRONG_KEY_TYPE => "BR_ERR_X509_WRONG_KEY_TYPE",
        BAD_SIGNATURE => "BR_ERR_X509_BAD_SIGNATURE",
        EXPIRED => "BR_ERR_X509_EXPIRED",
        DN_MISMATCH => "BR_ERR_X509_DN_MISMATCH",
        BAD_SERVER_NAME => "BR_ERR_X509_BAD_SERVER_NAME",
        CRITICAL_EXTENSION => "BR_ERR_X509_CRITICAL_EXTENSION",
        NOT_CA => "BR_ERR_X509_NOT_CA",
        FORBIDDEN_KEY_USAGE => "BR_ERR_X509_FORBIDDEN_KEY_USAGE",
        WEAK_PUBLIC_KEY => "BR_ERR_X509_WEAK_PUBLIC_KEY",
        NOT_TRUSTED => "BR_ERR_X509_NOT_TRUSTED",
        _ => "BR_ERR_X509",
    }
}

/// A decoding failure: the code, and what anchorkit says about it.
struct Fail(i32, String);

type R<T> = Result<T, Fail>;

fn fail<T>(code: i32, why: impl Into<String>) -> R<T> {
    Err(Fail(code, why.into()))
}

/// The DER reader of `asn1.t0`: every read is bounded by the current element's limit.
struct Rd<'a> {
    b: &'a [u8],
    pos: usize,
}

/// A tag as `read-tag` returns it: constructed flag and value (0-30 universal, 32+x context).
#[derive(Clone, Copy)]
struct Tag {
    constructed: bool,
    value: u32,
}

impl<'a> Rd<'a> {
    fn read8(&mut self, lim: &mut usize) -> R<u8> {
        if *lim == 0 {
            return fail(INNER_TRUNC, "truncated inner element");
        }
        *lim -= 1;
        let x = *self.b.get(self.pos).unwrap_or(&0);
        self.pos += 1;
        Ok(x)
    }

    fn read_tag(&mut self, lim: &mut usize) -> R<Tag> {
        let fb = self.read8(lim)?;
        if (fb >> 6) & 1 != 0 {
            return fail(BAD_TAG_CLASS, format!("tag class of 0x{fb:02x}"));
        }
        let v = u32::from(fb & 0x1f);
        if v == 0x1f {
            return fail(BAD_TAG_VALUE, "multi-byte tag");
        }
        Ok(Tag {
            constructed: fb & 0x20 != 0,
            value: v + if fb & 0x80 != 0 { 32 } else { 0 },
        })
    }

    fn read_tag_or_end(&mut self, lim: &mut usize) -> R<Option<Tag>> {
        if *lim == 0 {
            return Ok(None);
        }
        self.read_tag(lim).map(Some)
    }

    fn read_length(&mut self, lim: &mut usize) -> R<usize> {
        let first = self.read8(lim)?;
        if first < 0x80 {
            return Ok(usize::from(first));
        }
        let n = first - 0x80;
        if n == 0 {
            return fail(INDEFINITE_LENGTH, "indefinite length");
        }
        let mut len = 0usize;
        for _ in 0..n {
            if len > 0x7f_ffff {
                return fail(INNER_TRUNC, "length too large");
            }
            len = (len << 8) + usize::from(self.read8(lim)?);
        }
        Ok(len)
    }

    fn open(lim: &mut usize, len: usize) -> R<usize> {
        if len > *lim {
            return fail(INNER_TRUNC, "element longer than its container");
        }
        *lim -= len;
        Ok(len)
    }

    fn read_length_open(&mut self, lim: &mut usize) -> R<usize> {
        let len = self.read_length(lim)?;
        Rd::open(lim, len)
    }

    fn close(inner: usize) -> R<()> {
        if inner != 0 {
            return fail(EXTRA_ELEMENT, "extra bytes at the end of an element");
        }
        Ok(())
    }

    fn skip(&mut self, inner: usize) {
        self.pos += inner;
    }

    fn check_constructed(t: Tag, want: u32) -> R<()> {
        if t.value != want {
            return fail(UNEXPECTED, format!("unexpected tag {}", t.value));
        }
        if !t.constructed {
            return fail(NOT_CONSTRUCTED, "not constructed");
        }
        Ok(())
    }

    fn check_primitive(t: Tag, want: u32) -> R<()> {
        if t.value != want {
            return fail(UNEXPECTED, format!("unexpected tag {}", t.value));
        }
        if t.constructed {
            return fail(NOT_PRIMITIVE, "not primitive");
        }
        Ok(())
    }

    fn read_sequence_open(&mut self, lim: &mut usize) -> R<usize> {
        let t = self.read_tag(lim)?;
        Rd::check_constructed(t, 0x10)?;
        self.read_length_open(lim)
    }

    fn read_bits_open(&mut self, lim: &mut usize) -> R<usize> {
        let t = self.read_tag(lim)?;
        Rd::check_primitive(t, 0x03)?;
        let mut inner = self.read_length_open(lim)?;
        if self.read8(&mut inner)? != 0 {
            return fail(PARTIAL_BYTE, "BIT STRING with unused bits");
        }
        Ok(inner)
    }

    /// `read-small-value` after the tag: the value when it fits the 255-byte pad.
    fn read_small_value(&mut self, lim: &mut usize) -> R<Option<Vec<u8>>> {
        let inner = self.read_length_open(lim)?;
        let v = self.b.get(self.pos..self.pos + inner).map(<[u8]>::to_vec);
        self.skip(inner);
        Ok(if inner > 255 { None } else { v })
    }

    fn read_oid(&mut self, lim: &mut usize) -> R<Option<Vec<u8>>> {
        let t = self.read_tag(lim)?;
        Rd::check_primitive(t, 0x06)?;
        self.read_small_value(lim)
    }

    /// `read-small-int-value`: a non-negative INTEGER, refused (OVERFLOW) only once the value
    /// reaches 0xFFFFFF before another byte is shifted in, so up to 0xFFFFFEFF gets through.
    /// The result is a 32-bit T0 cell, and the words that use it (`<` in
    /// `process-basicConstraints`, `>` in the version check of `decode-certificate`) compare
    /// cells as `int32_t`: a value from 0x80000000 up is negative there (a five-byte pathLen
    /// `00 80 00 00 00` is below any chain length, so NOT_CA; such a version is "not above 2").
    /// Hence the `i32`.
    fn read_small_int_value(&mut self, lim: &mut usize) -> R<i32> {
        let mut inner = self.read_length_open(lim)?;
        if inner == 0 {
            return fail(OVERFLOW, "empty INTEGER");
        }
        let first = self.read8(&mut inner)?;
        if first >= 0x80 {
            return fail(OVERFLOW, "negative INTEGER");
        }
        let mut x = u32::from(first);
        while inner > 0 {
            let b = self.read8(&mut inner)?;
            if x >= 0xff_ffff {
                return fail(OVERFLOW, "INTEGER too large");
            }
            x = (x << 8) + u32::from(b);
        }
        Ok(x as i32)
    }

    /// `read-integer`: an unsigned INTEGER into a buffer of `room` bytes; its length without
    /// leading zeros.
    fn read_integer(&mut self, lim: &mut usize, room: usize) -> R<(usize, Vec<u8>)> {
        let t = self.read_tag(lim)?;
        Rd::check_primitive(t, 0x02)?;
        let mut inner = self.read_length_open(lim)?;
        let mut x = self.read8(&mut inner)?;
        if x >= 0x80 {
            return fail(OVERFLOW, "negative INTEGER");
        }
        while x == 0 {
            if inner == 0 {
                return Ok((0, Vec::new()));
            }
            x = self.read8(&mut inner)?;
        }
        let mut out = vec![x];
        while inner > 0 {
            out.push(self.read8(&mut inner)?);
        }
        if out.len() > room {
            return fail(LIMIT_EXCEEDED, "integer larger than BearSSL's key buffer");
        }
        Ok((out.len(), out))
    }

    fn read_boolean(&mut self, lim: &mut usize, t: Tag) -> R<bool> {
        Rd::check_primitive(t, 0x01)?;
        if self.read_length(lim)? != 1 {
            return fail(BAD_BOOLEAN, "BOOLEAN of length other than 1");
        }
        Ok(self.read8(lim)? != 0)
    }

    /// `read-dec2`: two ASCII digits.
    fn dec2(&mut self, lim: &mut usize) -> R<i64> {
        let a = self.read8(lim)?;
        if !a.is_ascii_digit() {
            return fail(BAD_TIME, "non-digit in a time");
        }
        let b = self.read8(lim)?;
        if !b.is_ascii_digit() {
            return fail(BAD_TIME, "non-digit in a time");
        }
        Ok(i64::from(a - b'0') * 10 + i64::from(b - b'0'))
    }

    /// `read-dec2-range`.
    fn dec2_range(&mut self, lim: &mut usize, lo: i64, hi: i64) -> R<i64> {
        let v = self.dec2(lim)?;
        if v < lo || v > hi {
            return fail(BAD_TIME, "time field out of range");
        }
        Ok(v)
    }

    /// `read-date`: (days since 0000-01-01, seconds).
    fn read_date(&mut self, lim: &mut usize) -> R<(i64, i64)> {
        let t = self.read_tag(lim)?;
        if !(0x17..=0x18).contains(&t.value) {
            return fail(BAD_TIME, "not a UTCTime or GeneralizedTime");
        }
        let y4 = t.value == 0x18;
        if t.constructed {
            return fail(NOT_PRIMITIVE, "constructed time");
        }
        let mut inner = self.read_length_open(lim)?;
        let first = self.dec2(&mut inner)?;
        let year = if y4 {
            first * 100 + self.dec2(&mut inner)?
        } else if first < 50 {
            first + 2000
        } else {
            first + 1900
        };
        let x = year;
        let mut days = x * 365 + (x + 3) / 4 - (x + 99) / 100 + (x + 399) / 400;
        let month = self.dec2_range(&mut inner, 1, 12)?;
        let leap = x % 4 == 0 && (x % 100 != 0 || x % 400 == 0);
        const CUM: [i64; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
        const LEN: [i64; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        let mi = (month - 1) as usize;
        days += CUM[mi] + i64::from(leap && month > 2);
        let max_day = LEN[mi] + i64::from(leap && month == 2);
        let day = self.dec2_range(&mut inner, 1, max_day)?;
        days += day - 1;
        let h = self.dec2_range(&mut inner, 0, 23)?;
        let m = self.dec2_range(&mut inner, 0, 59)?;
        let s = self.dec2_range(&mut inner, 0, 60)?;
        let seconds = h * 3600 + m * 60 + s;
        let mut c = self.read8(&mut inner)?;
        if c == b'.' {
            loop {
                c = self.read8(&mut inner)?;
                if !c.is_ascii_digit() {
                    break;
                }
            }
        }
        if c != b'Z' {
            return fail(BAD_TIME, "time zone other than Z");
        }
        Rd::close(inner)?;
        Ok((days, seconds))
    }

    /// `read-string`: a string the pad can hold, as text, or `None` (consumed either way).
    fn read_string(&mut self, lim: &mut usize) -> R<Option<Vec<u8>>> {
        let t = self.read_tag(lim)?;
        let kind = match t.value {
            12 => 8u8,
            18..=20 | 22 => 1,
            30 => 16,
            _ => {
                let inner = self.read_length_open(lim)?;
                self.skip(inner);
                return Ok(None);
            }
        };
        if t.constructed {
            return fail(NOT_PRIMITIVE, "constructed string");
        }
        let inner = self.read_length_open(lim)?;
        let raw = self
            .b
            .get(self.pos..self.pos + inner)
            .unwrap_or(&[])
            .to_vec();
        self.skip(inner);
        Ok(decode_string(kind, &raw))
    }
}

/// BearSSL's string conversion to UTF-8 for the 255-byte pad: a NUL, an invalid sequence, or
/// a result longer than 255 bytes gives no value.
fn decode_string(kind: u8, raw: &[u8]) -> Option<Vec<u8>> {
    let text: String = match kind {
        8 => {
            let s = std::str::from_utf8(raw).ok()?;
            if s.contains('\0') {
                return None;
            }
            s.trim_start_matches('\u{feff}').to_string()
        }
        16 => {
            if raw.is_empty() {
                return Some(Vec::new());
            }
            let mut units: Vec<u16> = raw
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                .collect();
            if units.first() == Some(&0xfffe) {
                units.remove(0);
                units = units.iter().map(|u| u.swap_bytes()).collect();
            }
            let s = String::from_utf16(&units).ok()?;
            if s.contains('\0') {
                return None;
            }
            s.trim_start_matches('\u{feff}').to_string()
        }
        _ => {
            if raw.contains(&0) {
                return None;
            }
            raw.iter().map(|b| char::from(*b)).collect()
        }
    };
    let b = text.into_bytes();
    (!b.is_empty() && b.len() < 256).then_some(b)
}

/// `match-server-name`.
fn match_server_name(name: &[u8], server: Option<&str>) -> bool {
    let Some(server) = server else { return false };
    let sn = server.as_bytes();
    if sn.len() == name.len() && sn.eq_ignore_ascii_case(name) {
        return true;
    }
    if name.len() >= 2 && name[0] == b'*' && name[1] == b'.' {
        let u = sn
            .iter()
            .position(|c| *c == b'.')
            .map_or(sn.len() + 1, |p| p + 1);
        if u <= sn.len() {
            let rest = &sn[u..];
            return name.len() - 2 == rest.len() && name[2..].eq_ignore_ascii_case(rest);
        }
    }
    false
}

const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
const OID_P521: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];
const OID_CN: &[u8] = &[0x55, 0x04, 0x03];
const OID_QT_CPS: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x02, 0x01];

fn ext(last: u8) -> [u8; 3] {
    [0x55, 0x1d, last]
}

/// Extensions ignored even when critical.
fn always_ignored(oid: &[u8]) -> bool {
    [14u8, 18, 9, 31, 46, 35]
        .iter()
        .any(|l| oid == ext(*l).as_slice())
        || oid == [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01]
        || oid == [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x0b]
}

/// The signing key of a certificate as BearSSL holds it.
#[derive(Clone, PartialEq, Eq)]
enum BrKey {
    Rsa { n: Vec<u8>, e: Vec<u8> },
    Ec { curve: u8, q: Vec<u8> },
}

impl BrKey {
    fn kind(&self) -> u8 {
        match self {
            BrKey::Rsa { .. } => 1,
            BrKey::Ec { .. } => 2,
        }
    }
}

/// The signature of the previous certificate, waiting for its issuer's key.
struct PendingSig {
    /// The certificate (for the actual check).
    cert: Option<Certificate>,
    /// The signer key type the algorithm names (1 RSA, 2 EC).
    key_type: u8,
}

/// The signature check BearSSL makes: key type against the algorithm, then the signature.
fn br_verify(p: &PendingSig, key_spki: &[u8], key: &BrKey) -> i32 {
    if key.kind() != p.key_type {
        return WRONG_KEY_TYPE;
    }
    let Some(c) = &p.cert else {
        return BAD_SIGNATURE;
    };
    match verify_signature(key_spki, &c.sig_alg, c.tbs(), &c.signature) {
        SigCheck::Valid => 0,
        _ => BAD_SIGNATURE,
    }
}

/// A trust anchor as the ESP8266 core builds it from a certificate (`br_x509_decoder`).
struct Ta<'a> {
    index: usize,
    anchor: &'a TrustAnchor,
    dn: &'a [u8],
    key: BrKey,
    ca: bool,
}

/// The key as `br_x509_decoder` / the minimal engine read it, or why not.
fn br_key(key: &KeyKind, spki: &[u8]) -> Option<BrKey> {
    use x509_parser::prelude::FromDer;
    use x509_parser::public_key::PublicKey;
    use x509_parser::x509::SubjectPublicKeyInfo;
    let (_, info) = SubjectPublicKeyInfo::from_der(spki).ok()?;
    match key {
        KeyKind::Rsa { .. } => match info.parsed().ok()? {
            PublicKey::RSA(r) => {
                let strip = |b: &[u8]| {
                    let n = b.iter().take_while(|x| **x == 0).count();
                    b[n..].to_vec()
                };
                Some(BrKey::Rsa {
                    n: strip(r.modulus),
                    e: strip(r.exponent),
                })
            }
            _ => None,
        },
        KeyKind::Ec { curve } => {
            let id = match curve {
                crate::cert::Curve::P256 => 23,
                crate::cert::Curve::P384 => 24,
                crate::cert::Curve::P521 => 25,
                _ => return None,
            };
            Some(BrKey::Ec {
                curve: id,
                q: info.subject_public_key.data.to_vec(),
            })
        }
        _ => None,
    }
}

fn anchors<'a>(req: &Request<'a>) -> Vec<Ta<'a>> {
    req.trust
        .iter()
        .enumerate()
        .filter_map(|(index, a)| {
            let key = br_key(&a.key, a.spki_raw())?;
            Some(Ta {
                index,
                anchor: a,
                dn: a.subject_raw(),
                key,
                ca: a.cert.as_ref().is_none_or(|c| c.is_ca()),
            })
        })
        .collect()
}

/// What decoding one certificate ended with.
enum Step {
    /// Continue with the next certificate.
    Next,
    /// Validation succeeded here (anchor index, kind).
    Trusted(usize, &'static str),
}

/// The per-chain state of the minimal engine.
struct Engine<'a> {
    at_days: i64,
    at_secs: i64,
    server: Option<&'a str>,
    tas: Vec<Ta<'a>>,
    saved_dn: Vec<u8>,
    pending: Option<PendingSig>,
    num_certs: usize,
    /// The leaf's usages: 0x10 key exchange, 0x20 signature.
    key_usages: u8,
    reasons: Vec<Reason>,
}

impl Engine<'_> {
    fn decode(&mut self, i: usize, bytes: &[u8], cert: Option<&Certificate>) -> R<Step> {
        let ee = i == 0;
        if bytes.is_empty() {
            return fail(TRUNCATED, "empty certificate entry");
        }
        let mut rd = Rd { b: bytes, pos: 0 };
        let mut lim = bytes.len();
        let mut outer = rd.read_sequence_open(&mut lim)?;
        let mut tbs = rd.read_sequence_open(&mut outer)?;
        let mut t = rd.read_tag(&mut tbs)?;
        if t.value == 0x20 {
            if !t.constructed {
                return fail(NOT_CONSTRUCTED, "version not constructed");
            }
            let mut inner = rd.read_length_open(&mut tbs)?;
            let vt = rd.read_tag(&mut inner)?;
            Rd::check_primitive(vt, 0x02)?;
            let v = rd.read_small_int_value(&mut inner)?;
            // `2 >` compares signed: a version read as negative passes.
            if v > 2 {
                return fail(UNSUPPORTED, format!("X.509 version {}", i64::from(v) + 1));
            }
            Rd::close(inner)?;
            t = rd.read_tag(&mut tbs)?;
        }
        Rd::check_primitive(t, 0x02)?;
        let serial = rd.read_length_open(&mut tbs)?;
        rd.skip(serial);
        let alg = rd.read_sequence_open(&mut tbs)?;
        rd.skip(alg);
        // Issuer DN.
        let issuer_start = rd.pos;
        let dn = rd.read_sequence_open(&mut tbs)?;
        rd.skip(dn);
        let issuer_dn = bytes[issuer_start..rd.pos].to_vec();
        // Validity.
        let mut v = rd.read_sequence_open(&mut tbs)?;
        let (nbd, nbs) = rd.read_date(&mut v)?;
        let (nad, nas) = rd.read_date(&mut v)?;
        let (vd, vs) = (self.at_days, self.at_secs);
        if vd < nbd || (vd == nbd && vs < nbs) {
            let here = cert.map(|c| crate::cert::format_time(c.not_before));
            return fail(
                EXPIRED,
                format!(
                    "not valid yet{}",
                    here.map(|t| format!(" (from {t})")).unwrap_or_default()
                ),
            );
        }
        if vd > nad || (vd == nad && vs > nas) {
            let here = cert.map(|c| crate::cert::format_time(c.not_after));
            return fail(
                EXPIRED,
                format!(
                    "expired{}",
                    here.map(|t| format!(" ({t})")).unwrap_or_default()
                ),
            );
        }
        Rd::close(v)?;
        // Subject.
        let subject_start = rd.pos;
        let mut eename = false;
        if ee {
            let mut dn = rd.read_sequence_open(&mut tbs)?;
            while dn > 0 {
                let st = rd.read_tag(&mut dn)?;
                Rd::check_constructed(st, 0x11)?;
                let mut set = rd.read_length_open(&mut dn)?;
                if set == 0 {
                    return fail(BAD_DN, "empty RDN");
                }
                while set > 0 {
                    let mut atv = rd.read_sequence_open(&mut set)?;
                    let oid = rd.read_oid(&mut atv)?;
                    let is_cn = oid.as_deref() == Some(OID_CN);
                    let value = rd.read_string(&mut atv)?;
                    if let (true, Some(v)) = (is_cn, &value) {
                        if match_server_name(v, self.server) {
                            eename = true;
                        }
                    }
                    Rd::close(atv)?;
                }
            }
        } else {
            let dn = rd.read_sequence_open(&mut tbs)?;
            rd.skip(dn);
            if bytes[subject_start..rd.pos] != self.saved_dn[..] {
                return fail(
                    DN_MISMATCH,
                    "its subject is not the issuer the previous certificate names (BearSSL needs the chain in order)",
                );
            }
        }
        let subject_dn = bytes[subject_start..rd.pos].to_vec();
        self.saved_dn = issuer_dn;
        // Public key.
        let spki_start = rd.pos;
        let mut spki = rd.read_sequence_open(&mut tbs)?;
        let mut alg = rd.read_sequence_open(&mut spki)?;
        let Some(key_oid) = rd.read_oid(&mut alg)? else {
            return fail(UNSUPPORTED, "key algorithm OID too long");
        };
        let key = if key_oid == OID_RSA {
            rd.skip(alg);
            let mut bits = rd.read_bits_open(&mut spki)?;
            let mut seq = rd.read_sequence_open(&mut bits)?;
            let (nlen, n) = rd.read_integer(&mut seq, BUFSIZE_KEY)?;
            let (_, e) = rd.read_integer(&mut seq, BUFSIZE_KEY - nlen)?;
            Rd::close(seq)?;
            if nlen < 128 {
                return fail(
                    WEAK_PUBLIC_KEY,
                    format!("RSA modulus of {nlen} bytes (BearSSL needs 128)"),
                );
            }
            Rd::close(bits)?;
            BrKey::Rsa { n, e }
        } else if key_oid == OID_EC {
            let Some(curve) = rd.read_oid(&mut alg)? else {
                return fail(UNSUPPORTED, "curve OID too long");
            };
            let id = match curve.as_slice() {
                c if c == OID_P256 => 23,
                c if c == OID_P384 => 24,
                c if c == OID_P521 => 25,
                _ => return fail(UNSUPPORTED, "curve other than P-256, P-384, P-521"),
            };
            Rd::close(alg)?;
            let bits = rd.read_bits_open(&mut spki)?;
            if bits > BUFSIZE_KEY {
                return fail(LIMIT_EXCEEDED, "EC point larger than BearSSL's key buffer");
            }
            let q = bytes.get(rd.pos..rd.pos + bits).unwrap_or(&[]).to_vec();
            rd.skip(bits);
            BrKey::Ec { curve: id, q }
        } else {
            return fail(UNSUPPORTED, "key type other than RSA and EC");
        };
        Rd::close(spki)?;
        let spki_der = bytes[spki_start..rd.pos].to_vec();
        if !ee {
            if let Some(p) = &self.pending {
                let r = br_verify(p, &spki_der, &key);
                if r != 0 {
                    return fail(
                        r,
                        if r == WRONG_KEY_TYPE {
                            "its key is not of the type the previous certificate's signature needs"
                        } else {
                            "its key does not verify the previous certificate's signature"
                        },
                    );
                }
            }
        }
        // Extensions.
        let mut seen_bc = false;
        let mut t = rd.read_tag_or_end(&mut tbs)?;
        for skip_tag in [0x21, 0x22] {
            if let Some(tag) = t {
                if tag.value == skip_tag {
                    let inner = rd.read_length_open(&mut tbs)?;
                    rd.skip(inner);
                    t = rd.read_tag_or_end(&mut tbs)?;
                }
            }
        }
        match t {
            Some(tag) if tag.value == 0x23 => {
                if !tag.constructed {
                    return fail(NOT_CONSTRUCTED, "extensions not constructed");
                }
                let mut outer_ext = rd.read_length_open(&mut tbs)?;
                let mut exts = rd.read_sequence_open(&mut outer_ext)?;
                while exts > 0 {
                    let mut x = rd.read_sequence_open(&mut exts)?;
                    let oid = rd.read_oid(&mut x)?.unwrap_or_default();
                    let mut critical = false;
                    let mut vt = rd.read_tag(&mut x)?;
                    if vt.value == 0x01 {
                        critical = rd.read_boolean(&mut x, vt)?;
                        vt = rd.read_tag(&mut x)?;
                    }
                    Rd::check_primitive(vt, 0x04)?;
                    let mut val = rd.read_length_open(&mut x)?;
                    if oid == ext(19) {
                        if ee {
                            rd.skip(val);
                            val = 0;
                        } else {
                            self.basic_constraints(&mut rd, &mut val)?;
                            seen_bc = true;
                        }
                    } else if oid == ext(15) {
                        self.key_usage(&mut rd, &mut val, ee)?;
                    } else if oid == ext(17) {
                        if ee {
                            eename = self.san(&mut rd, &mut val)?;
                        } else {
                            rd.skip(val);
                            val = 0;
                        }
                    } else if oid == ext(32) && critical {
                        cert_policies(&mut rd, &mut val)?;
                    } else if oid == ext(32) || always_ignored(&oid) || !critical {
                        rd.skip(val);
                        val = 0;
                    } else {
                        let shown = cert
                            .and_then(|c| {
                                c.extensions
                                    .iter()
                                    .find(|e| e.critical && !e.oid.starts_with("2.5.29.1"))
                                    .map(|e| e.name.unwrap_or(&e.oid).to_string())
                            })
                            .unwrap_or_else(|| "an extension".into());
                        return fail(
                            CRITICAL_EXTENSION,
                            format!("critical extension BearSSL does not process ({shown})"),
                        );
                    }
                    Rd::close(val)?;
                    Rd::close(x)?;
                }
                Rd::close(exts)?;
                Rd::close(outer_ext)?;
            }
            None => {}
            Some(_) => return fail(UNEXPECTED, "unexpected element in the TBS"),
        }
        Rd::close(tbs)?;
        if ee && !(eename || self.server.is_none()) {
            return fail(
                BAD_SERVER_NAME,
                "the server name is not among the leaf's names",
            );
        }
        if ee {
            // Direct trust: a non-CA anchor with the leaf's DN and key.
            if let Some(ta) = self
                .tas
                .iter()
                .find(|ta| !ta.ca && ta.dn == subject_dn.as_slice() && ta.key == key)
            {
                return Ok(Step::Trusted(ta.index, "leaf-pinned"));
            }
        }
        if !ee && !seen_bc {
            return fail(
                NOT_CA,
                "no basicConstraints (BearSSL requires it on every CA)",
            );
        }
        // Signature algorithm.
        let st = rd.read_tag(&mut outer)?;
        Rd::check_constructed(st, 0x10)?;
        let mut al = rd.read_length_open(&mut outer)?;
        let Some(sig_oid) = rd.read_oid(&mut al)? else {
            return fail(UNSUPPORTED, "signature algorithm OID too long");
        };
        let key_type = sig_key_type(&sig_oid).ok_or_else(|| {
            Fail(
                UNSUPPORTED,
                format!(
                    "signature algorithm {} (BearSSL has RSA PKCS#1 v1.5 and ECDSA with SHA-1 to SHA-512)",
                    cert.map_or_else(|| "unknown".into(), |c| c.sig_alg.name())
                ),
            )
        })?;
        rd.skip(al);
        let sig = rd.read_bits_open(&mut outer)?;
        if sig > BUFSIZE_SIG {
            return fail(LIMIT_EXCEEDED, "signature larger than BearSSL's buffer");
        }
        rd.skip(sig);
        Rd::close(outer)?;
        Rd::close(lim)?;
        self.pending = Some(PendingSig {
            cert: cert.cloned(),
            key_type,
        });
        // A CA anchor named as the issuer whose key verifies the signature ends validation.
        if let Some(p) = &self.pending {
            for ta in &self.tas {
                if ta.ca
                    && ta.dn == self.saved_dn.as_slice()
                    && br_verify(p, ta.anchor.spki_raw(), &ta.key) == 0
                {
                    return Ok(Step::Trusted(ta.index, "trust"));
                }
            }
        }
        Ok(Step::Next)
    }

    fn basic_constraints(&mut self, rd: &mut Rd<'_>, val: &mut usize) -> R<()> {
        let mut seq = rd.read_sequence_open(val)?;
        let mut t = rd.read_tag_or_end(&mut seq)?;
        match t {
            Some(tag) if tag.value == 0x01 => {
                if !rd.read_boolean(&mut seq, tag)? {
                    return fail(NOT_CA, "basicConstraints cA is FALSE");
                }
                t = rd.read_tag_or_end(&mut seq)?;
            }
            _ => return fail(NOT_CA, "basicConstraints without cA"),
        }
        if let Some(tag) = t {
            if tag.value == 0x02 {
                if tag.constructed {
                    return fail(NOT_PRIMITIVE, "pathLen not primitive");
                }
                let pl = rd.read_small_int_value(&mut seq)?;
                // `addr-num_certs get32 1- <`: a signed 32-bit comparison.
                if i64::from(pl) < self.num_certs as i64 - 1 {
                    let why = if pl < 0 {
                        format!(
                            "pathLenConstraint {} reads as {pl} in a signed 32-bit cell, below the chain length",
                            pl as u32
                        )
                    } else {
                        format!("pathLenConstraint {pl} exceeded by the chain below it")
                    };
                    return fail(NOT_CA, why);
                }
                t = rd.read_tag_or_end(&mut seq)?;
            }
        }
        if t.is_some() {
            return fail(UNEXPECTED, "unexpected element in basicConstraints");
        }
        Rd::close(seq)
    }

    fn key_usage(&mut self, rd: &mut Rd<'_>, val: &mut usize, ee: bool) -> R<()> {
        let t = rd.read_tag(val)?;
        Rd::check_primitive(t, 0x03)?;
        let mut bits = rd.read_length_open(val)?;
        let ign = rd.read8(&mut bits)?;
        if ign > 7 {
            return fail(UNEXPECTED, "keyUsage with more than 7 unused bits");
        }
        let x = match bits {
            0 => return fail(FORBIDDEN_KEY_USAGE, "empty keyUsage"),
            1 => (rd.read8(&mut bits)? >> ign) << ign,
            _ => rd.read8(&mut bits)?,
        };
        if ee {
            let mut u = 0;
            if x & 0x38 != 0 {
                u |= 0x10;
            }
            if x & 0xc0 != 0 {
                u |= 0x20;
            }
            self.key_usages = u;
        } else if x & 0x04 == 0 {
            return fail(FORBIDDEN_KEY_USAGE, "keyUsage without keyCertSign");
        }
        rd.skip(bits);
        Ok(())
    }

    fn san(&mut self, rd: &mut Rd<'_>, val: &mut usize) -> R<bool> {
        let mut m = false;
        let mut seq = rd.read_sequence_open(val)?;
        while seq > 0 {
            let t = rd.read_tag(&mut seq)?;
            match t.value {
                0x20 => {
                    if !t.constructed {
                        return fail(NOT_CONSTRUCTED, "otherName not constructed");
                    }
                    let mut on = rd.read_length_open(&mut seq)?;
                    rd.read_oid(&mut on)?;
                    let it = rd.read_tag(&mut on)?;
                    Rd::check_constructed(it, 0x20)?;
                    let mut inner = rd.read_length_open(&mut on)?;
                    rd.read_string(&mut inner)?;
                    Rd::close(inner)?;
                    Rd::close(on)?;
                }
                0x21 | 0x22 | 0x26 => {
                    if t.constructed {
                        return fail(NOT_PRIMITIVE, "name not primitive");
                    }
                    let inner = rd.read_length_open(&mut seq)?;
                    let raw = rd.b.get(rd.pos..rd.pos + inner).unwrap_or(&[]).to_vec();
                    rd.skip(inner);
                    if t.value == 0x22 {
                        if let Some(v) = decode_string(8, &raw) {
                            if match_server_name(&v, self.server) {
                                m = true;
                            }
                        }
                    }
                }
                _ => {
                    let inner = rd.read_length_open(&mut seq)?;
                    rd.skip(inner);
                }
            }
        }
        Rd::close(seq)?;
        Ok(m)
    }
}

/// Critical certificatePolicies: only id-qt-cps qualifiers may be ignored.
fn cert_policies(rd: &mut Rd<'_>, val: &mut usize) -> R<()> {
    let mut seq = rd.read_sequence_open(val)?;
    while seq > 0 {
        let mut pi = rd.read_sequence_open(&mut seq)?;
        rd.read_oid(&mut pi)?;
        if pi > 0 {
            let mut quals = rd.read_sequence_open(&mut pi)?;
            while quals > 0 {
                let mut q = rd.read_sequence_open(&mut quals)?;
                let id = rd.read_oid(&mut q)?;
                if id.as_deref() != Some(OID_QT_CPS) {
                    return fail(
                        CRITICAL_EXTENSION,
                        "critical certificatePolicies with a qualifier other than id-qt-cps",
                    );
                }
                rd.skip(q);
            }
            Rd::close(quals)?;
        }
        Rd::close(pi)?;
    }
    Rd::close(seq)
}

/// The signer key type of a signature algorithm BearSSL supports (1 RSA, 2 EC).
fn sig_key_type(oid: &[u8]) -> Option<u8> {
    const RSA_PREFIX: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01];
    const ECDSA_SHA1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01];
    const ECDSA_SHA2: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03];
    match oid {
        [p @ .., last] if p == RSA_PREFIX && matches!(last, 5 | 11..=14) => Some(1),
        o if o == ECDSA_SHA1 => Some(2),
        [p @ .., last] if p == ECDSA_SHA2 && (1..=4).contains(last) => Some(2),
        _ => None,
    }
}

impl Stack for Bearssl {
    fn verify(&self, p: &Profile, req: &Request<'_>) -> Verdict {
        let mut path = Vec::new();
        let done = |code: i32,
                    path: Vec<PathEntry>,
                    anchor: Option<AnchorInfo>,
                    reasons: Vec<Reason>| Verdict {
            profile: p.summary(),
            ok: code == 0,
            code: code.to_string(),
            code_name: (code != 0).then(|| name(code).to_string()),
            flags: None,
            flag_names: Vec::new(),
            anchor,
            path,
            reasons,
        };
        let server = match req.host {
            HostCheck::Name(h) if !h.is_empty() => Some(h),
            _ => None,
        };
        let mut eng = Engine {
            at_days: req.at.div_euclid(86_400) + 719_528,
            at_secs: req.at.rem_euclid(86_400),
            server,
            tas: anchors(req),
            saved_dn: Vec::new(),
            pending: None,
            num_certs: 0,
            key_usages: 0x30,
            reasons: Vec::new(),
        };
        if req.chain.is_empty() {
            eng.reasons.push(Reason::NoCertificate {
                code: SSL_UNEXPECTED.to_string(),
            });
            return done(SSL_UNEXPECTED, path, None, eng.reasons);
        }
        for (i, e) in req.chain.iter().enumerate() {
            path.push(PathEntry {
                at: CertRef::Chain(i),
                subject: e
                    .cert()
                    .map_or_else(|| e.label(), |c| c.subject.to_string()),
                flags: 0,
                flag_names: Vec::new(),
            });
            match eng.decode(i, e.bytes(), e.cert()) {
                Ok(Step::Next) => {}
                Ok(Step::Trusted(k, kind)) => {
                    let anchor = req.trust.get(k).map(|a| AnchorInfo {
                        subject: a.subject.to_string(),
                        kind,
                        trust_index: k,
                        origin: a.origin.clone(),
                    });
                    // The SSL engine then checks the leaf may sign (ECDHE key exchange).
                    if eng.key_usages & 0x20 == 0 {
                        let usages = req
                            .chain
                            .first()
                            .and_then(|e| e.cert())
                            .and_then(|c| c.key_usage)
                            .map(|k| k.names().into_iter().map(str::to_string).collect())
                            .unwrap_or_default();
                        eng.reasons.push(Reason::KeyUsage { usages });
                        return done(WRONG_KEY_USAGE, path, None, eng.reasons);
                    }
                    return done(0, path, anchor, eng.reasons);
                }
                Err(Fail(code, detail)) => {
                    let cert = super::entry_label(i, e);
                    let r = match (code, e.cert()) {
                        (EXPIRED, Some(c)) if req.at > c.not_after => Reason::Expired {
                            cert,
                            not_after: super::time_text(c.not_after),
                        },
                        (EXPIRED, Some(c)) => Reason::NotYetValid {
                            cert,
                            not_before: super::time_text(c.not_before),
                        },
                        (BAD_SERVER_NAME, Some(c)) => Reason::HostnameMismatch {
                            host: server.unwrap_or_default().to_string(),
                            names: super::names::offered_names(c),
                        },
                        (BAD_SIGNATURE, _) if i > 0 => match req.chain[i - 1].cert() {
                            Some(prev) => Reason::BadSignature {
                                cert: label(CertRef::Chain(i - 1), prev),
                                by: cert,
                            },
                            None => Reason::Other {
                                message: format!("served certificate [{i}]: {detail}"),
                            },
                        },
                        _ => Reason::ChainCertUnparseable {
                            cert,
                            code: code.to_string(),
                            detail: format!("{} ({})", detail, name(code)),
                        },
                    };
                    eng.reasons.push(r);
                    return done(code, path, None, eng.reasons);
                }
            }
            eng.num_certs += 1;
        }
        if let Some(last) = req.chain.last() {
            eng.reasons.push(Reason::NoTrustedIssuer {
                cert: super::entry_label(req.chain.len() - 1, last),
                issuer: last
                    .cert()
                    .map(|c| c.issuer.to_string())
                    .unwrap_or_default(),
            });
        }
        done(NOT_TRUSTED, path, None, eng.reasons)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small_int(b: &[u8]) -> Option<i32> {
        let mut rd = Rd { b, pos: 0 };
        let mut lim = b.len();
        rd.read_small_int_value(&mut lim).ok()
    }

    #[test]
    fn small_ints_are_signed_cells() {
        // Length, then content, as after `read-tag`.
        assert_eq!(small_int(&[0x02, 0x00, 0x01]), Some(1));
        assert_eq!(small_int(&[0x04, 0x7f, 0xff, 0xff, 0xff]), Some(i32::MAX));
        // 00 80 00 00 00 passes the 0xFFFFFF check and lands on the sign bit.
        assert_eq!(
            small_int(&[0x05, 0x00, 0x80, 0x00, 0x00, 0x00]),
            Some(i32::MIN)
        );
        // Refused: a negative first byte, an empty INTEGER, more than 0xFFFFFEFF.
        assert_eq!(small_int(&[0x01, 0x80]), None);
        assert_eq!(small_int(&[0x00]), None);
        assert_eq!(small_int(&[0x05, 0x01, 0x00, 0x00, 0x00, 0x00]), None);
    }
}
