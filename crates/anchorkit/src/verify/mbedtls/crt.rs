//! `mbedtls_x509_crt_parse_der` as Mbed TLS runs it (`x509_crt_parse_der_core` in
//! `x509_crt.c`, with `x509.c` and `asn1parse.c`), on the bytes as given: the same order of
//! steps and the same error, high and low part, for each one. Releases 2.16 to 3.6 agree on
//! every step modelled here (the time reader was rewritten in 3.5 with the same acceptance).
//!
//! 1. Certificate SEQUENCE (`INVALID_FORMAT`, no low part), TBSCertificate SEQUENCE
//!    (`INVALID_FORMAT` + low).
//! 2. version `[0]` (absent is v1; `INVALID_VERSION` + low), serial (INTEGER or `[2]`, any
//!    content; `INVALID_SERIAL` + low), signature AlgorithmIdentifier (`INVALID_ALG` + low),
//!    then the version range (`UNKNOWN_VERSION`) and the algorithm itself
//!    (`mbedtls_x509_get_sig_alg`: the caller's check).
//! 3. issuer (`INVALID_FORMAT` + low for its SEQUENCE, `INVALID_NAME` + low inside: SETs of
//!    SEQUENCE { OID, string } with the string one of BMP, UTF8, T61, Printable, IA5,
//!    Universal or BIT STRING), validity (`INVALID_DATE` + low; each time UTCTime or
//!    GeneralizedTime of exactly YY(YY)MMDDHHMMSS with an optional `Z`, calendar-checked),
//!    subject (read only when non-empty), SubjectPublicKeyInfo (`PK_KEY_INVALID_FORMAT` /
//!    `PK_INVALID_ALG` / `PK_INVALID_PUBKEY` + low, then the key: the caller's check).
//! 4. v2 and v3: issuerUniqueID and subjectUniqueID, which Mbed TLS reads as *constructed*
//!    `[1]` / `[2]` and otherwise leaves in place; v3: extensions (`INVALID_EXTENSIONS` + low
//!    for anything but `[3]`, then [`super::ext::check`]). Anything left in
//!    the TBSCertificate is `INVALID_FORMAT` + `LENGTH_MISMATCH`.
//! 5. signatureAlgorithm (`INVALID_ALG` + low), equal to the inner one byte for byte
//!    (`SIG_MISMATCH`), the signature BIT STRING (`INVALID_SIGNATURE` + low), nothing after it
//!    inside the Certificate. Bytes after the Certificate are not looked at.

use std::ops::Range;

use super::ext::{Cur, Fail};
use crate::profile::Version;

const ASN1_OUT_OF_DATA: i32 = -0x0060;
const ASN1_UNEXPECTED_TAG: i32 = -0x0062;
const ASN1_LENGTH_MISMATCH: i32 = -0x0066;
const ASN1_INVALID_DATA: i32 = -0x0068;
const INVALID_FORMAT: i32 = -0x2180;
const INVALID_VERSION: i32 = -0x2200;
const INVALID_SERIAL: i32 = -0x2280;
const INVALID_ALG: i32 = -0x2300;
const INVALID_NAME: i32 = -0x2380;
const INVALID_DATE: i32 = -0x2400;
const INVALID_SIGNATURE: i32 = -0x2480;
const INVALID_EXTENSIONS: i32 = -0x2500;
const UNKNOWN_VERSION: i32 = -0x2580;
const SIG_MISMATCH: i32 = -0x2680;
const PK_KEY_INVALID_FORMAT: i32 = -0x3D00;
const PK_INVALID_PUBKEY: i32 = -0x3B00;
const PK_INVALID_ALG: i32 = -0x3A80;
const PK_UNKNOWN_PK_ALG: i32 = -0x3C80;
const OID_RSA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
const OID_EC: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
const OID_EC_DH: &[u8] = &[0x2B, 0x81, 0x04, 0x01, 0x0C];

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
const BIT_STRING: u8 = 0x03;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
/// The string types `x509_get_attr_type_value` takes.
const NAME_STRINGS: [u8; 7] = [0x1E, 0x0C, 0x14, 0x13, 0x16, 0x1C, 0x03];

/// An AlgorithmIdentifier as `mbedtls_asn1_get_alg` returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Alg {
    /// The OID content octets.
    pub(super) oid: Vec<u8>,
    /// The parameters' tag (0 when absent) and content.
    pub(super) params_tag: u8,
    pub(super) params: Vec<u8>,
}

impl Alg {
    /// The OID in dotted form (`None` when it is not a valid OID: no algorithm matches it).
    pub(super) fn dotted(&self) -> Option<String> {
        der::asn1::ObjectIdentifier::from_bytes(&self.oid)
            .ok()
            .map(|o| o.to_string())
    }
}

/// Where the parts of a certificate Mbed TLS accepted are, in the bytes given.
#[derive(Debug, Clone)]
pub(super) struct Layout {
    /// The Certificate, tag to end (trailing bytes excluded).
    pub(super) whole: Range<usize>,
    pub(super) tbs: Range<usize>,
    /// The fields of the TBSCertificate as elements, in order.
    pub(super) version: Option<Range<usize>>,
    pub(super) serial: Range<usize>,
    pub(super) sig_alg: Range<usize>,
    pub(super) issuer: Range<usize>,
    pub(super) not_before: Range<usize>,
    pub(super) not_after: Range<usize>,
    pub(super) subject: Range<usize>,
    pub(super) spki: Range<usize>,
    pub(super) extensions: Option<Range<usize>>,
    pub(super) outer_alg: Range<usize>,
    pub(super) signature: Range<usize>,
}

/// The semantic checks the caller makes at their place in the order.
pub(super) trait Steps {
    /// `mbedtls_x509_get_sig_alg` on the inner algorithm.
    fn sig_alg(&mut self, alg: &Alg) -> Result<(), Fail>;
    /// The key, once `mbedtls_pk_parse_subpubkey` has framed it (`spki`: the element).
    fn key(&mut self, spki: &[u8]) -> Result<(), Fail>;
    /// `x509_get_crt_ext` (`tbs`: the TBSCertificate element).
    fn extensions(&mut self, tbs: &[u8]) -> Result<(), Fail>;
}

fn fail(code: i32, what: &str) -> Fail {
    (code, what.to_string())
}

/// `mbedtls_asn1_get_alg`.
fn get_alg(c: &mut Cur<'_>, end: usize) -> Result<(Alg, Range<usize>), i32> {
    let start = c.pos;
    let len = c.tag(end, SEQUENCE)?;
    if c.left(end) < 1 {
        return Err(ASN1_OUT_OF_DATA);
    }
    let end = c.pos + len;
    let ol = c.tag(end, OID)?;
    let oid = c.buf[c.pos..c.pos + ol].to_vec();
    c.pos += ol;
    if c.pos == end {
        return Ok((
            Alg {
                oid,
                params_tag: 0,
                params: Vec::new(),
            },
            start..end,
        ));
    }
    let params_tag = c.byte();
    c.pos += 1;
    let pl = c.len(end)?;
    let params = c.buf[c.pos..c.pos + pl].to_vec();
    c.pos += pl;
    if c.pos != end {
        return Err(ASN1_LENGTH_MISMATCH);
    }
    Ok((
        Alg {
            oid,
            params_tag,
            params,
        },
        start..end,
    ))
}

/// `mbedtls_x509_get_name` over `[c.pos, end)`.
fn get_name(c: &mut Cur<'_>, end: usize) -> Result<(), Fail> {
    let name = |low: i32, what: &str| fail(INVALID_NAME + low, what);
    loop {
        let set_len = c
            .tag(end, SET)
            .map_err(|e| name(e, "a name element is not a SET"))?;
        let end_set = c.pos + set_len;
        loop {
            // x509_get_attr_type_value.
            let len = c
                .tag(end_set, SEQUENCE)
                .map_err(|e| name(e, "an attribute is not a SEQUENCE"))?;
            let end_attr = c.pos + len;
            if c.left(end_attr) < 1 {
                return Err(name(ASN1_OUT_OF_DATA, "an empty attribute"));
            }
            let ol = c
                .tag(end_attr, OID)
                .map_err(|e| name(e, "an attribute type is not an OID"))?;
            c.pos += ol;
            if c.left(end_attr) < 1 {
                return Err(name(ASN1_OUT_OF_DATA, "an attribute without a value"));
            }
            let t = c.byte();
            if !NAME_STRINGS.contains(&t) {
                return Err(name(
                    ASN1_UNEXPECTED_TAG,
                    &format!(
                        "an attribute value of tag 0x{t:02x} (Mbed TLS takes BMP, UTF8, T61, Printable, IA5, Universal strings and BIT STRING)"
                    ),
                ));
            }
            c.pos += 1;
            let vl = c
                .len(end_attr)
                .map_err(|e| name(e, "an attribute value's length"))?;
            c.pos += vl;
            if c.pos != end_attr {
                return Err(name(ASN1_LENGTH_MISMATCH, "bytes after an attribute value"));
            }
            if c.pos == end_set {
                break;
            }
        }
        if c.pos == end {
            return Ok(());
        }
    }
}

/// `x509_date_is_valid` and the digit reading of `x509_parse_time`.
fn time_ok(s: &[u8], year_len: usize) -> bool {
    if !s.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let n = |r: Range<usize>| s[r].iter().fold(0u32, |a, d| a * 10 + u32::from(d - b'0'));
    let mut year = n(0..year_len);
    if year_len == 2 {
        if year < 50 {
            year += 100;
        }
        year += 1900;
    }
    let o = year_len;
    let (mon, day, hour, min, sec) = (
        n(o..o + 2),
        n(o + 2..o + 4),
        n(o + 4..o + 6),
        n(o + 6..o + 8),
        n(o + 8..o + 10),
    );
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match mon {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    year <= 9999 && hour <= 23 && min <= 59 && sec <= 59 && (1..=days).contains(&day)
}

/// `mbedtls_x509_get_time`: the element's range.
fn get_time(c: &mut Cur<'_>, end: usize) -> Result<Range<usize>, Fail> {
    let start = c.pos;
    if c.left(end) < 1 {
        return Err(fail(
            INVALID_DATE + ASN1_OUT_OF_DATA,
            "a validity time is missing",
        ));
    }
    let year_len = match c.byte() {
        UTC_TIME => 2,
        GENERALIZED_TIME => 4,
        t => {
            return Err(fail(
                INVALID_DATE + ASN1_UNEXPECTED_TAG,
                &format!("a validity time of tag 0x{t:02x} (UTCTime or GeneralizedTime expected)"),
            ));
        }
    };
    c.pos += 1;
    let len = c
        .len(end)
        .map_err(|e| fail(INVALID_DATE + e, "a validity time's length"))?;
    let s = &c.buf[c.pos..c.pos + len];
    let digits = year_len + 10;
    if !(len == digits || (len == digits + 1 && s[digits] == b'Z')) {
        return Err(fail(
            INVALID_DATE,
            &format!(
                "a validity time of {len} characters (Mbed TLS reads exactly {digits}, with seconds, and an optional Z)"
            ),
        ));
    }
    if !time_ok(&s[..digits], year_len) {
        return Err(fail(
            INVALID_DATE,
            "a validity time that is not a calendar date and time",
        ));
    }
    c.pos += len;
    Ok(start..c.pos)
}

/// `x509_get_uid`: a constructed `[n]` is read, anything else left in place.
fn get_uid(c: &mut Cur<'_>, end: usize, n: u8) -> Result<(), Fail> {
    if c.pos == end {
        return Ok(());
    }
    match c.tag(end, 0xA0 | n) {
        Ok(len) => {
            c.pos += len;
            Ok(())
        }
        Err(ASN1_UNEXPECTED_TAG) => Ok(()),
        Err(e) => Err(fail(INVALID_FORMAT + e, "a unique identifier's length")),
    }
}

/// Reads one certificate at the start of `der` as `mbedtls_x509_crt_parse_der` does.
pub(super) fn parse(der: &[u8], v: Version, steps: &mut dyn Steps) -> Result<Layout, Fail> {
    let mut c = Cur::new(der);
    let all = der.len();
    let len = c
        .tag(all, SEQUENCE)
        .map_err(|_| fail(INVALID_FORMAT, "not a DER SEQUENCE"))?;
    let crt_end = c.pos + len;
    let tbs_start = c.pos;
    let tl = c.tag(crt_end, SEQUENCE).map_err(|e| {
        fail(
            INVALID_FORMAT + e,
            "no TBSCertificate SEQUENCE inside the Certificate",
        )
    })?;
    let end = c.pos + tl;
    let tbs = tbs_start..end;

    // x509_get_version.
    let mut version = None;
    let mut ver = 0;
    let vstart = c.pos;
    match c.tag(end, 0xA0) {
        Ok(vl) => {
            let vend = c.pos + vl;
            ver = c
                .int(vend, v)
                .map_err(|e| fail(INVALID_VERSION + e, "the version is not an INTEGER"))?;
            if c.pos != vend {
                return Err(fail(
                    INVALID_VERSION + ASN1_LENGTH_MISMATCH,
                    "bytes after the version INTEGER",
                ));
            }
            version = Some(vstart..vend);
        }
        Err(ASN1_UNEXPECTED_TAG) => {}
        Err(e) => return Err(fail(INVALID_FORMAT + e, "the version's length")),
    }
    // mbedtls_x509_get_serial.
    let sstart = c.pos;
    if c.left(end) < 1 {
        return Err(fail(INVALID_SERIAL + ASN1_OUT_OF_DATA, "no serial number"));
    }
    if c.byte() != 0x82 && c.byte() != 0x02 {
        return Err(fail(
            INVALID_SERIAL + ASN1_UNEXPECTED_TAG,
            &format!("a serial number of tag 0x{:02x}", c.byte()),
        ));
    }
    c.pos += 1;
    let sl = c
        .len(end)
        .map_err(|e| fail(INVALID_SERIAL + e, "the serial number's length"))?;
    c.pos += sl;
    let serial = sstart..c.pos;
    // mbedtls_x509_get_alg.
    let (alg, sig_alg) = get_alg(&mut c, end)
        .map_err(|e| fail(INVALID_ALG + e, "the signature AlgorithmIdentifier"))?;
    if !(0..=2).contains(&ver) {
        return Err(fail(
            UNKNOWN_VERSION,
            &format!("X.509 version {}", i64::from(ver) + 1),
        ));
    }
    let version_number = ver as u32 + 1;
    steps.sig_alg(&alg)?;

    // issuer.
    let istart = c.pos;
    let il = c
        .tag(end, SEQUENCE)
        .map_err(|e| fail(INVALID_FORMAT + e, "the issuer is not a SEQUENCE"))?;
    let iend = c.pos + il;
    get_name(&mut c, iend)?;
    let issuer = istart..iend;

    // x509_get_dates.
    let dl = c
        .tag(end, SEQUENCE)
        .map_err(|e| fail(INVALID_DATE + e, "the validity is not a SEQUENCE"))?;
    let dend = c.pos + dl;
    let not_before = get_time(&mut c, dend)?;
    let not_after = get_time(&mut c, dend)?;
    if c.pos != dend {
        return Err(fail(
            INVALID_DATE + ASN1_LENGTH_MISMATCH,
            "bytes after notAfter in the validity",
        ));
    }

    // subject (read only when not empty).
    let ustart = c.pos;
    let ul = c
        .tag(end, SEQUENCE)
        .map_err(|e| fail(INVALID_FORMAT + e, "the subject is not a SEQUENCE"))?;
    let uend = c.pos + ul;
    if ul > 0 {
        get_name(&mut c, uend)?;
    }
    let subject = ustart..uend;

    // mbedtls_pk_parse_subpubkey: the framing here, the key by the caller.
    let pstart = c.pos;
    let pl = c.tag(end, SEQUENCE).map_err(|e| {
        fail(
            PK_KEY_INVALID_FORMAT + e,
            "the SubjectPublicKeyInfo is not a SEQUENCE",
        )
    })?;
    let pend = c.pos + pl;
    let (kalg, _) = get_alg(&mut c, pend)
        .map_err(|e| fail(PK_INVALID_ALG + e, "the key's AlgorithmIdentifier"))?;
    // pk_get_pk_alg: the key types Mbed TLS knows, then no parameters (or NULL) for RSA.
    if ![OID_RSA, OID_EC, OID_EC_DH].contains(&kalg.oid.as_slice()) {
        return Err(fail(
            PK_UNKNOWN_PK_ALG,
            &format!(
                "key algorithm {} unknown to Mbed TLS",
                kalg.dotted().unwrap_or_else(|| "(invalid OID)".into())
            ),
        ));
    }
    if kalg.oid == OID_RSA
        && ((kalg.params_tag != 0x05 && kalg.params_tag != 0) || !kalg.params.is_empty())
    {
        return Err(fail(PK_INVALID_ALG, "an RSA key with algorithm parameters"));
    }
    let bl = c
        .tag(pend, BIT_STRING)
        .map_err(|e| fail(PK_INVALID_PUBKEY + e, "the public key is not a BIT STRING"))?;
    if bl == 0 || c.byte() != 0 {
        return Err(fail(
            PK_INVALID_PUBKEY + ASN1_INVALID_DATA,
            "the public key BIT STRING has unused bits",
        ));
    }
    if c.pos + bl != pend {
        return Err(fail(
            PK_INVALID_PUBKEY + ASN1_LENGTH_MISMATCH,
            "bytes after the public key",
        ));
    }
    let spki = pstart..pend;
    steps.key(&der[spki.clone()])?;
    c.pos = pend;

    // Unique identifiers (v2, v3) and extensions (v3).
    if version_number >= 2 {
        get_uid(&mut c, end, 1)?;
        get_uid(&mut c, end, 2)?;
    }
    let mut extensions = None;
    if version_number == 3 && c.pos != end {
        let xstart = c.pos;
        let xl = c.tag(end, 0xA3).map_err(|e| {
            fail(
                INVALID_EXTENSIONS + e,
                "the element after the key is not the extensions [3]",
            )
        })?;
        c.pos += xl;
        extensions = Some(xstart..c.pos);
        steps.extensions(&der[tbs.clone()])?;
    }
    if c.pos != end {
        return Err(fail(
            INVALID_FORMAT + ASN1_LENGTH_MISMATCH,
            &format!(
                "bytes after the last field Mbed TLS reads in a v{version_number} TBSCertificate"
            ),
        ));
    }

    // signatureAlgorithm, signature.
    let (outer, outer_alg) = get_alg(&mut c, crt_end)
        .map_err(|e| fail(INVALID_ALG + e, "the outer signatureAlgorithm"))?;
    if outer != alg {
        return Err(fail(
            SIG_MISMATCH,
            "the outer signatureAlgorithm differs from the TBSCertificate's",
        ));
    }
    let sgstart = c.pos;
    let gl = c
        .tag(crt_end, BIT_STRING)
        .map_err(|e| fail(INVALID_SIGNATURE + e, "the signature is not a BIT STRING"))?;
    if gl == 0 || c.byte() != 0 {
        return Err(fail(
            INVALID_SIGNATURE + ASN1_INVALID_DATA,
            "the signature BIT STRING is empty or has unused bits",
        ));
    }
    c.pos += gl;
    let signature = sgstart..c.pos;
    if c.pos != crt_end {
        return Err(fail(
            INVALID_FORMAT + ASN1_LENGTH_MISMATCH,
            "bytes after the signature inside the Certificate",
        ));
    }
    Ok(Layout {
        whole: 0..crt_end,
        tbs,
        version,
        serial,
        sig_alg,
        issuer,
        not_before,
        not_after,
        subject,
        spki,
        extensions,
        outer_alg,
        signature,
    })
}

use crate::cert::der_element as wrap;

/// The certificate re-encoded in the form strict readers take, for the fields anchorkit
/// reads (its signature is over the original TBSCertificate, kept aside): times get their
/// `Z`, unique identifiers (which nothing reads) are dropped.
pub(super) fn normalized(der: &[u8], l: &Layout) -> Vec<u8> {
    let part = |r: &Range<usize>| &der[r.clone()];
    let time = |r: &Range<usize>| {
        let e = part(r);
        let mut c = Cur::new(e);
        c.pos = 1;
        let len = c.len(e.len()).unwrap_or(0);
        let body = &e[c.pos..c.pos + len];
        let digits = if e[0] == UTC_TIME { 12 } else { 14 };
        if body.len() == digits {
            let mut b = body.to_vec();
            b.push(b'Z');
            wrap(e[0], &b)
        } else {
            e.to_vec()
        }
    };
    let mut tbs = Vec::new();
    if let Some(v) = &l.version {
        tbs.extend_from_slice(part(v));
    }
    tbs.extend_from_slice(part(&l.serial));
    tbs.extend_from_slice(part(&l.sig_alg));
    tbs.extend_from_slice(part(&l.issuer));
    let mut validity = time(&l.not_before);
    validity.extend(time(&l.not_after));
    tbs.extend(wrap(SEQUENCE, &validity));
    tbs.extend_from_slice(part(&l.subject));
    tbs.extend_from_slice(part(&l.spki));
    if let Some(x) = &l.extensions {
        tbs.extend_from_slice(part(x));
    }
    let mut body = wrap(SEQUENCE, &tbs);
    body.extend_from_slice(part(&l.outer_alg));
    body.extend_from_slice(part(&l.signature));
    wrap(SEQUENCE, &body)
}
