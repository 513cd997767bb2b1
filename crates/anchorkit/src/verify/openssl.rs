//! OpenSSL 3.0 as a TLS client verifies the server's chain (`ssl_verify_cert_chain` with the
//! "ssl_server" verify parameters, security level 1, `SSL_VERIFY_PEER`, the host set with
//! `SSL_set1_host` or `X509_VERIFY_PARAM_set1_ip_asc`, only the trust list in the store).
//!
//! The model follows `X509_verify_cert` (`crypto/x509/x509_vfy.c`) step by step; the first
//! error stops verification, as the verify callback returns `preverify_ok`:
//!
//! 1. `tls_process_server_certificate`: every entry must decode as exactly one certificate.
//! 2. `check_key_level` on the leaf: security level 1 wants 80-bit keys (error 66).
//! 3. `build_chain`: trusted first. At each step the trust store is searched for an issuer
//!    (`X509_STORE_CTX_get1_issuer`: same canonical name, `ossl_x509_likely_issued` — the
//!    authorityKeyIdentifier and the signature algorithm's key type must fit — the first
//!    time-valid one, else the latest to expire); only when it has none, the served
//!    certificates (`find_issuer`, same preference, each used once). Once a trusted certificate
//!    is on the chain only the store is searched, and the chain is trusted when it ends in a
//!    self-signed store certificate (`check_trust`: `EXFLAG_SS`, the signature not checked). A
//!    self-signed served certificate is trusted only as the exact store copy. Depth 100 (error
//!    22); otherwise errors 18, 19, 2 or 20.
//! 4. `check_extensions`, leaf first: unhandled critical extensions (34, with OpenSSL's short
//!    list of supported ones), proxy certificates (40), `X509_check_ca` on issuers (79: an
//!    intermediate needs basicConstraints cA and keyCertSign when keyUsage is present; the top
//!    may also be a v1 self-signed root, a keyUsage-only or an nsCertType CA), explicit curve
//!    parameters (94), the "sslserver" purpose (`check_purpose_ssl_server`, 26: extendedKeyUsage
//!    with serverAuth or SGC on every certificate including the trust anchor, anyExtendedKeyUsage
//!    not enough; on the leaf nsCertType sslServer and a TLS keyUsage; on CAs `check_ssl_ca`),
//!    path length (25, self-issued intermediates not counted).
//! 5. `check_auth_level`: issuer keys (67), then signature strength of every certificate but
//!    the top (68: SHA-1 and MD5 give fewer than 80 bits).
//! 6. `check_id`: `X509_check_host` (62) or `X509_check_ip` (64).
//! 7. `internal_verify`, top down: keyUsage of the issuer (32), signatures (7: `X509_verify`,
//!    which also wants both signature algorithm fields equal; the self-signed top's own
//!    signature is not checked; DSA is verified here, the rest by [`verify_signature`]),
//!    validity (9, 10; 13, 14 for malformed times; `notAfter` equal to the time is already
//!    expired).
//! 8. `check_name_constraints`: every certificate against the constraints of every one above
//!    it, trust anchor included, the top first (47, 48, 49, 51, 53; 1 past `NAME_CHECK_MAX`);
//!    the leaf's CN counts as a DNS name when it has no dNSName SAN.
//!
//! Policy checks are off (`X509_V_FLAG_POLICY_CHECK` is not set by a TLS client). Certificates
//! OpenSSL flags `EXFLAG_INVALID` (a malformed or repeated extension it decodes, an empty
//! keyUsage, a negative pathLen) can neither issue nor be issued, so such a leaf ends in 20.
//! "Malformed" is what OpenSSL's template decoder says, modelled in its own section below:
//! BER accepted, INTEGERs minimal, GeneralNames strict (an otherName value must be
//! `[0] EXPLICIT`), and whatever follows the decoded element in extnValue ignored. Served
//! certificates whose version or serial INTEGER `d2i_X509` refuses never get that far.

use std::borrow::Cow;

use num_bigint::BigUint;
use x509_parser::der_parser::asn1_rs::{Any, Class, FromDer};
use x509_parser::der_parser::oid::Oid;
use x509_parser::nom::Parser;

use super::{
    AnchorInfo, CertRef, HostCheck, PathEntry, Reason, Request, Stack, Verdict, label, time_text,
};
use crate::anchor::{ANY_EKU, SERVER_AUTH, TrustSettings};
use crate::cert::{Certificate, Curve, HashAlg, KeyKind, Name, SigAlg, ip_text};
use crate::crypto::{SigCheck, verify_signature};
use crate::profile::Profile;

/// The OpenSSL stack.
pub struct Openssl;

/// `SSL_R_CERT_LENGTH_MISMATCH`.
const SSL_R_CERT_LENGTH_MISMATCH: i32 = 135;
/// tls_process_server_certificate: an empty certificate list is a length mismatch.
const SSL_R_LENGTH_MISMATCH: i32 = 159;
/// `ERR_R_ASN1_LIB` as `ERR_GET_REASON` returns it (a common reason: `ERR_RFLAG_COMMON`).
const ERR_R_ASN1_LIB: i32 = 13 | (2 << 18);

/// `max_depth` of `build_chain`: the verify depth of the "default" parameters (100) plus one.
/// No issuer is looked up for a chain already longer than this, and such a chain is error 22.
const MAX_CHAIN: usize = 101;

fn code_name(code: i32) -> &'static str {
    match code {
        1 => "X509_V_ERR_UNSPECIFIED",
        2 => "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT",
        6 => "X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
        7 => "X509_V_ERR_CERT_SIGNATURE_FAILURE",
        9 => "X509_V_ERR_CERT_NOT_YET_VALID",
        10 => "X509_V_ERR_CERT_HAS_EXPIRED",
        13 => "X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD",
        14 => "X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD",
        18 => "X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT",
        19 => "X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN",
        20 => "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
        21 => "X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE",
        22 => "X509_V_ERR_CERT_CHAIN_TOO_LONG",
        25 => "X509_V_ERR_PATH_LENGTH_EXCEEDED",
        26 => "X509_V_ERR_INVALID_PURPOSE",
        28 => "X509_V_ERR_CERT_REJECTED",
        32 => "X509_V_ERR_KEYUSAGE_NO_CERTSIGN",
        34 => "X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION",
        40 => "X509_V_ERR_PROXY_CERTIFICATES_NOT_ALLOWED",
        47 => "X509_V_ERR_PERMITTED_VIOLATION",
        48 => "X509_V_ERR_EXCLUDED_VIOLATION",
        49 => "X509_V_ERR_SUBTREE_MINMAX",
        51 => "X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE",
        53 => "X509_V_ERR_UNSUPPORTED_NAME_SYNTAX",
        62 => "X509_V_ERR_HOSTNAME_MISMATCH",
        64 => "X509_V_ERR_IP_ADDRESS_MISMATCH",
        66 => "X509_V_ERR_EE_KEY_TOO_SMALL",
        67 => "X509_V_ERR_CA_KEY_TOO_SMALL",
        68 => "X509_V_ERR_CA_MD_TOO_WEAK",
        79 => "X509_V_ERR_INVALID_CA",
        94 => "X509_V_ERR_EC_KEY_EXPLICIT_PARAMS",
        _ => "X509_V_ERR",
    }
}

// ---------------------------------------------------------------------------------------------
// DER reading.

/// All TLVs of `b`, which must be used up exactly.
fn tlvs(mut b: &[u8]) -> Option<Vec<Any<'_>>> {
    let mut out = Vec::new();
    while !b.is_empty() {
        let (rest, a) = Any::from_der(b).ok()?;
        out.push(a);
        b = rest;
    }
    Some(out)
}

/// The children of the one universal SEQUENCE that `b` holds.
fn seq(b: &[u8]) -> Option<Vec<Any<'_>>> {
    let (rest, a) = Any::from_der(b).ok()?;
    if !rest.is_empty() || a.class() != Class::Universal || a.tag().0 != 16 {
        return None;
    }
    tlvs(a.data)
}

/// The content of the one universal `tag` TLV that `b` holds.
fn prim(b: &[u8], tag: u32) -> Option<&[u8]> {
    let (rest, a) = Any::from_der(b).ok()?;
    (rest.is_empty() && a.class() == Class::Universal && a.tag().0 == tag).then_some(a.data)
}

/// BIT STRING content as OpenSSL keeps it: the bytes, unused bits cleared.
fn bit_string(content: &[u8]) -> Option<Vec<u8>> {
    let (&unused, data) = content.split_first()?;
    if unused > 7 || (data.is_empty() && unused != 0) {
        return None;
    }
    let mut v = data.to_vec();
    if let Some(last) = v.last_mut() {
        *last &= 0xffu8 << unused;
    }
    Some(v)
}

fn oid_of(content: &[u8]) -> String {
    Oid::new(Cow::Borrowed(content)).to_id_string()
}

// ---------------------------------------------------------------------------------------------
// Names: `X509_NAME_cmp` compares canonical encodings (`x509_name_canon`).

/// One canonical attribute: type, string tag after canonicalisation, value.
type CanonAttr = (String, u32, Vec<u8>);
/// A canonical name: RDNs in order, each a sorted set of attributes.
type Canon = Vec<Vec<CanonAttr>>;

/// `ASN1_STRING_to_UTF8`: the value as UTF-8, or `None` when the type is not a string type or
/// the bytes do not decode.
fn to_utf8(tag: u32, v: &[u8]) -> Option<Vec<u8>> {
    let from_chars = |it: &mut dyn Iterator<Item = Option<u32>>| -> Option<Vec<u8>> {
        let mut s = String::new();
        for c in it {
            s.push(char::from_u32(c?)?);
        }
        Some(s.into_bytes())
    };
    match tag {
        12 => std::str::from_utf8(v).ok().map(|s| s.as_bytes().to_vec()),
        18 | 19 | 20 | 22 | 23 | 24 | 26 => from_chars(&mut v.iter().map(|b| Some(u32::from(*b)))),
        28 if v.len() % 4 == 0 => from_chars(
            &mut v
                .chunks(4)
                .map(|c| Some(u32::from_be_bytes([c[0], c[1], c[2], c[3]]))),
        ),
        30 if v.len() % 2 == 0 => from_chars(
            &mut v
                .chunks(2)
                .map(|c| Some(u32::from(u16::from_be_bytes([c[0], c[1]])))),
        ),
        _ => None,
    }
}

fn osl_isspace(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `asn1_string_canon`: string types become UTF8String, trimmed, inner whitespace runs folded
/// to one space, ASCII lower-cased; other types are kept as they are.
fn canon_value(tag: u32, v: &[u8]) -> (u32, Vec<u8>) {
    if !matches!(tag, 12 | 30 | 28 | 19 | 20 | 22 | 26) {
        return (tag, v.to_vec());
    }
    let Some(u) = to_utf8(tag, v) else {
        return (tag, v.to_vec());
    };
    let mut s: &[u8] = &u;
    while s.first().is_some_and(|c| osl_isspace(*c)) {
        s = &s[1..];
    }
    while s.last().is_some_and(|c| osl_isspace(*c)) {
        s = &s[..s.len() - 1];
    }
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if !c.is_ascii() {
            out.push(c);
            i += 1;
        } else if osl_isspace(c) {
            out.push(b' ');
            while i < s.len() && osl_isspace(s[i]) {
                i += 1;
            }
        } else {
            out.push(c.to_ascii_lowercase());
            i += 1;
        }
    }
    (12, out)
}

/// `x509_name_canon`: an RDN without attributes leaves nothing in the canonical encoding.
fn canon(n: &Name) -> Canon {
    n.rdns
        .iter()
        .filter(|rdn| !rdn.is_empty())
        .map(|rdn| {
            let mut v: Vec<CanonAttr> = rdn
                .iter()
                .map(|a| {
                    let (t, b) = canon_value(a.tag, &a.value);
                    (a.oid.to_string(), t, b)
                })
                .collect();
            v.sort();
            v
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// GeneralName and the extensions OpenSSL caches (`ossl_x509v3_cache_extensions`).

/// A GeneralName as OpenSSL compares it.
#[derive(Debug, Clone)]
enum Gn {
    /// otherName, by type-id.
    Other(String),
    Email(Vec<u8>),
    Dns(Vec<u8>),
    X400,
    Dir(Canon),
    Edi,
    Uri(Vec<u8>),
    Ip(Vec<u8>),
    Rid,
}

impl Gn {
    fn kind(&self) -> u8 {
        match self {
            Gn::Other(_) => 0,
            Gn::Email(_) => 1,
            Gn::Dns(_) => 2,
            Gn::X400 => 3,
            Gn::Dir(_) => 4,
            Gn::Edi => 5,
            Gn::Uri(_) => 6,
            Gn::Ip(_) => 7,
            Gn::Rid => 8,
        }
    }

    fn describe(&self) -> String {
        let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        match self {
            Gn::Other(o) => format!("othername:{o}"),
            Gn::Email(e) => format!("email:{}", s(e)),
            Gn::Dns(d) => format!("DNS:{}", s(d)),
            Gn::X400 => "X400Name".into(),
            Gn::Dir(_) => "DirName".into(),
            Gn::Edi => "EdiPartyName".into(),
            Gn::Uri(u) => format!("URI:{}", s(u)),
            Gn::Ip(b) if b.len() == 8 || b.len() == 32 => {
                let h = b.len() / 2;
                format!("IP:{}/{}", ip_text(&b[..h]), ip_text(&b[h..]))
            }
            Gn::Ip(b) => format!("IP:{}", ip_text(b)),
            Gn::Rid => "RID".into(),
        }
    }
}

/// One GeneralSubtree: the base and whether minimum/maximum are other than absent or 0.
#[derive(Debug, Clone)]
struct Subtree {
    base: Gn,
    minmax_ok: bool,
}

#[derive(Debug, Clone, Default)]
struct Constraints {
    permitted: Vec<Subtree>,
    excluded: Vec<Subtree>,
}

/// authorityKeyIdentifier.
#[derive(Debug, Clone, Default)]
struct Akid {
    keyid: Option<Vec<u8>>,
    issuer: Option<Canon>,
    serial: Option<Vec<u8>>,
}

// ---------------------------------------------------------------------------------------------
// Extension values as OpenSSL decodes them. `ossl_x509v3_cache_extensions` (v3_purp.c) reads
// each extension it caches with `X509_get_ext_d2i` → `X509V3_get_d2i` → `X509V3_EXT_d2i`
// (v3_lib.c), which is `ASN1_item_d2i(NULL, &p, extlen, method->it)` and nothing more: the
// template decoder (`crypto/asn1/tasn_dec.c`) reads the first element of extnValue and nobody
// checks that it used all of extnValue, so bytes after it are ignored, in every extension.
// Within that element the decoder has its own rules, and any failure (NULL) sets
// `EXFLAG_INVALID`; the same rules hold for every cached extension, since they all go through
// this machinery:
//
// - BER, not only DER (`ASN1_get_object`): high tag numbers, long-form and non-minimal lengths,
//   indefinite lengths on constructed encodings (`asn1_find_end`), constructed strings
//   (`asn1_collect`, at most five levels, the parts' tags not checked);
// - SEQUENCE constructed (ASN1_R_SEQUENCE_NOT_CONSTRUCTED) with its fields in order and nothing
//   left over (ASN1_R_SEQUENCE_LENGTH_MISMATCH), an end-of-contents pair where a field or item
//   should start refused (ASN1_R_UNEXPECTED_EOC); SEQUENCE OF / SET OF need only the tag
//   number; an EXPLICIT tag constructed and filled by exactly one element
//   (ASN1_R_EXPLICIT_LENGTH_MISMATCH);
// - `asn1_ex_c2i`: INTEGER/ENUMERATED non-empty and minimal (`c2i_ibuf`: ILLEGAL_ZERO_CONTENT,
//   ILLEGAL_PADDING) — the basicConstraints pathLen, the authorityKeyIdentifier serial, the
//   GeneralSubtree minimum and maximum, proxyCertInfo's pcPathLengthConstraint, RFC 3779 AS
//   numbers; OBJECT IDENTIFIER non-empty, last octet below 0x80, no sub-identifier starting
//   with 0x80 (`ossl_c2i_ASN1_OBJECT`); NULL empty; BOOLEAN one octet; BIT STRING with an
//   unused-bits octet of at most 7 (`ossl_c2i_ASN1_BIT_STRING`); BMPString of even length,
//   UniversalString a multiple of four; INTEGER, ENUMERATED, OBJECT, NULL and BOOLEAN primitive
//   (ASN1_R_TYPE_NOT_PRIMITIVE);
// - GeneralName (`v3_genn.c`): one of the nine context tags (ASN1_R_NO_MATCHING_CHOICE_TYPE);
//   otherName a SEQUENCE of an OBJECT and a [0] EXPLICIT ANY, the ANY decoded as its universal
//   type says; x400Address constructed; directoryName a [4] EXPLICIT Name whose attribute
//   values have an ASN1_PRINTABLE type (no VisibleString, no time) and, for string types,
//   convert to UTF-8 (`x509_name_ex_d2i` → `x509_name_canon` → `asn1_string_canon`);
//   ediPartyName a SEQUENCE of [0] and [1] EXPLICIT DirectoryStrings.

/// `ASN1_item_d2i` answered NULL.
#[derive(Debug, Clone, Copy)]
struct Bad;

type D<T> = Result<T, Bad>;

/// Class bits as `ASN1_get_object` reports them.
const UNIV: u8 = 0x00;
const CTX: u8 = 0x80;

/// One element: its header, and its content (for the indefinite form, everything before the
/// end-of-contents octets that close it).
#[derive(Debug, Clone, Copy)]
struct Tlv<'a> {
    class: u8,
    cons: bool,
    tag: u32,
    body: &'a [u8],
}

/// `ASN1_get_object` with `asn1_get_length`: class, constructed, tag, header length, and the
/// content length (`None`: indefinite).
fn ber_header(b: &[u8]) -> D<(u8, bool, u32, usize, Option<usize>)> {
    let first = *b.first().ok_or(Bad)?;
    // `max` is always the number of bytes from `p` on.
    let mut p = 1;
    let mut max = b.len() - 1;
    if max == 0 {
        return Err(Bad);
    }
    let tag = if first & 0x1f == 0x1f {
        let mut l: u32 = 0;
        while b[p] & 0x80 != 0 {
            l = (l << 7) | u32::from(b[p] & 0x7f);
            p += 1;
            max -= 1;
            if max == 0 || l > (i32::MAX as u32 >> 7) {
                return Err(Bad);
            }
        }
        l = (l << 7) | u32::from(b[p] & 0x7f);
        p += 1;
        max -= 1;
        if max == 0 {
            return Err(Bad);
        }
        l
    } else {
        u32::from(first & 0x1f)
    };
    let cons = first & 0x20 != 0;
    let lb = b[p];
    p += 1;
    max -= 1;
    let len = if lb == 0x80 {
        if !cons {
            return Err(Bad);
        }
        None
    } else if lb & 0x80 != 0 {
        let mut i = usize::from(lb & 0x7f);
        if max < i {
            return Err(Bad);
        }
        while i > 0 && b[p] == 0 {
            p += 1;
            i -= 1;
        }
        if i > 8 {
            return Err(Bad);
        }
        let mut n: u64 = 0;
        while i > 0 {
            n = (n << 8) | u64::from(b[p]);
            p += 1;
            i -= 1;
        }
        Some(usize::try_from(n).map_err(|_| Bad)?)
    } else {
        Some(usize::from(lb))
    };
    // ASN1_R_TOO_LONG: the content must fit in what is left.
    if len.is_some_and(|n| n > b.len() - p) {
        return Err(Bad);
    }
    Ok((first & 0xc0, cons, tag, p, len))
}

/// `asn1_find_end` for an indefinite length: where its end-of-contents octets start.
fn find_end(b: &[u8]) -> D<usize> {
    let mut expected = 1u32;
    let mut p = 0;
    while p < b.len() {
        if b[p..].starts_with(&[0, 0]) {
            expected -= 1;
            if expected == 0 {
                return Ok(p);
            }
            p += 2;
            continue;
        }
        let (_, _, _, hdr, len) = ber_header(&b[p..])?;
        p += hdr;
        match len {
            Some(n) => p += n,
            None => expected += 1,
        }
    }
    Err(Bad)
}

/// The first element of `b` and the bytes after it.
fn ber_tlv(b: &[u8]) -> D<(Tlv<'_>, &[u8])> {
    let (class, cons, tag, hdr, len) = ber_header(b)?;
    let (body, rest) = match len {
        Some(n) => (&b[hdr..hdr + n], &b[hdr + n..]),
        None => {
            let end = hdr + find_end(&b[hdr..])?;
            (&b[hdr..end], &b[end + 2..])
        }
    };
    Ok((
        Tlv {
            class,
            cons,
            tag,
            body,
        },
        rest,
    ))
}

/// `asn1_check_tlen` with a tag to expect and no OPTIONAL: ASN1_R_WRONG_TAG otherwise.
fn want(t: &Tlv<'_>, class: u8, tag: u32) -> D<()> {
    if t.class == class && t.tag == tag {
        Ok(())
    } else {
        Err(Bad)
    }
}

/// `asn1_collect`: the content of a constructed string.
fn collect(mut b: &[u8], depth: u32, out: &mut Vec<u8>) -> D<()> {
    while !b.is_empty() {
        if b.starts_with(&[0, 0]) {
            return Err(Bad);
        }
        let (t, rest) = ber_tlv(b)?;
        if t.cons {
            // ASN1_MAX_STRING_NEST
            if depth >= 5 {
                return Err(Bad);
            }
            collect(t.body, depth + 1, out)?;
        } else {
            out.extend_from_slice(t.body);
        }
        b = rest;
    }
    Ok(())
}

/// `c2i_ibuf`: INTEGER content is non-empty and has no superfluous leading octet.
fn int_minimal(c: &[u8]) -> bool {
    match c {
        [] => false,
        [0x00, b, ..] => b & 0x80 != 0,
        [0xff, b, ..] => b & 0x80 == 0,
        _ => true,
    }
}

/// `ossl_c2i_ASN1_OBJECT`'s checks.
fn oid_valid(c: &[u8]) -> bool {
    c.last().is_some_and(|l| l & 0x80 == 0)
        && !c
            .iter()
            .enumerate()
            .any(|(i, &x)| x == 0x80 && (i == 0 || c[i - 1] & 0x80 == 0))
}

/// `asn1_d2i_ex_primitive` and `asn1_ex_c2i` for a value of universal type `utype` whose tag
/// has matched: its content, collected from the parts when a string is constructed.
fn prim_value<'a>(t: &Tlv<'a>, utype: u32) -> D<Cow<'a, [u8]>> {
    let c: Cow<'a, [u8]> = if matches!(utype, 16 | 17) {
        // Left encoded, but SEQUENCE and SET must be constructed.
        if !t.cons {
            return Err(Bad);
        }
        Cow::Borrowed(t.body)
    } else if t.cons {
        if matches!(utype, 1 | 2 | 5 | 6 | 10) {
            return Err(Bad);
        }
        let mut v = Vec::new();
        collect(t.body, 0, &mut v)?;
        Cow::Owned(v)
    } else {
        Cow::Borrowed(t.body)
    };
    let ok = match utype {
        1 => c.len() == 1,
        2 | 10 => int_minimal(&c),
        3 => c.first().is_some_and(|u| *u <= 7),
        5 => c.is_empty(),
        6 => oid_valid(&c),
        28 => c.len() % 4 == 0,
        30 => c.len() % 2 == 0,
        _ => true,
    };
    if ok { Ok(c) } else { Err(Bad) }
}

/// A BIT STRING's bytes as OpenSSL keeps them, unused bits cleared (an unused-bits octet alone
/// is an empty string, whatever it says).
fn bits_value(t: &Tlv<'_>) -> D<Vec<u8>> {
    let c = prim_value(t, 3)?;
    let unused = c[0];
    let mut v = c[1..].to_vec();
    if let Some(last) = v.last_mut() {
        *last &= 0xffu8 << unused;
    }
    Ok(v)
}

/// The fields of a SEQUENCE (`asn1_item_embed_d2i`, ASN1_ITYPE_SEQUENCE).
struct Fields<'a> {
    b: &'a [u8],
}

impl<'a> Fields<'a> {
    /// A SEQUENCE, universal or IMPLICIT-tagged: it must be constructed.
    fn open(t: &Tlv<'a>) -> D<Fields<'a>> {
        if t.cons {
            Ok(Fields { b: t.body })
        } else {
            Err(Bad)
        }
    }

    /// The next field, whatever its tag (a CHOICE, an ANY or a MSTRING decides); required.
    fn next(&mut self) -> D<Tlv<'a>> {
        if self.b.starts_with(&[0, 0]) {
            return Err(Bad);
        }
        let (t, rest) = ber_tlv(self.b)?;
        self.b = rest;
        Ok(t)
    }

    /// The next field when it has this tag; `None` when it does not or the content is used up
    /// (an OPTIONAL field absent).
    fn opt(&mut self, class: u8, tag: u32) -> D<Option<Tlv<'a>>> {
        if self.b.is_empty() {
            return Ok(None);
        }
        if self.b.starts_with(&[0, 0]) {
            return Err(Bad);
        }
        let (t, rest) = ber_tlv(self.b)?;
        if t.class != class || t.tag != tag {
            return Ok(None);
        }
        self.b = rest;
        Ok(Some(t))
    }

    /// A required field with this tag (ASN1_R_FIELD_MISSING, ASN1_R_WRONG_TAG).
    fn req(&mut self, class: u8, tag: u32) -> D<Tlv<'a>> {
        let t = self.next()?;
        want(&t, class, tag)?;
        Ok(t)
    }

    /// Nothing may be left (ASN1_R_SEQUENCE_LENGTH_MISMATCH).
    fn end(self) -> D<()> {
        if self.b.is_empty() { Ok(()) } else { Err(Bad) }
    }
}

/// The items of a SEQUENCE OF / SET OF (`asn1_template_noexp_d2i`): only the tag number was
/// checked, not the constructed bit.
fn items<'a>(t: &Tlv<'a>) -> D<Vec<Tlv<'a>>> {
    let mut b = t.body;
    let mut v = Vec::new();
    while !b.is_empty() {
        if b.starts_with(&[0, 0]) {
            return Err(Bad);
        }
        let (x, rest) = ber_tlv(b)?;
        v.push(x);
        b = rest;
    }
    Ok(v)
}

/// An EXPLICIT tag (`asn1_template_ex_d2i`): constructed, filled by exactly one element.
fn explicit<'a>(t: &Tlv<'a>) -> D<Tlv<'a>> {
    if !t.cons {
        return Err(Bad);
    }
    let (inner, rest) = ber_tlv(t.body)?;
    if !rest.is_empty() {
        return Err(Bad);
    }
    Ok(inner)
}

/// `ASN1_tag2bit` (tasn_dec.c).
fn tag2bit(tag: u32) -> u32 {
    const T: [u32; 31] = [
        0, 0, 0, 0x0400, 0x0200, 0, 0, 0x1000, 0x1000, 0x1000, 0, 0x1000, 0x2000, 0x1000, 0x1000,
        0x1000, 0x10000, 0, 0x0001, 0x0002, 0x0004, 0x0008, 0x0010, 0x4000, 0x8000, 0x0020, 0x0040,
        0x0080, 0x0100, 0x1000, 0x0800,
    ];
    T.get(tag as usize).copied().unwrap_or(0)
}

/// `B_ASN1_PRINTABLE`: Numeric, Printable, T61, IA5, BIT STRING, Universal, BMP, UTF8,
/// SEQUENCE and the unknown tags.
const B_PRINTABLE: u32 =
    0x0001 | 0x0002 | 0x0004 | 0x0010 | 0x0400 | 0x0100 | 0x0800 | 0x2000 | 0x10000 | 0x1000;
/// `B_ASN1_DIRECTORYSTRING`: Printable, T61, BMP, Universal, UTF8.
const B_DIRECTORYSTRING: u32 = 0x0002 | 0x0004 | 0x0800 | 0x0100 | 0x2000;

/// A multi-string (ASN1_ITYPE_MSTRING): a universal tag in `mask`, then that type's rules.
fn mstring<'a>(t: &Tlv<'a>, mask: u32) -> D<(u32, Cow<'a, [u8]>)> {
    if t.class != UNIV || tag2bit(t.tag) & mask == 0 {
        return Err(Bad);
    }
    Ok((t.tag, prim_value(t, t.tag)?))
}

/// ASN1_ANY: a universal type is decoded as that type, any other class is kept as it is.
fn any(t: &Tlv<'_>) -> D<()> {
    if t.class == UNIV {
        prim_value(t, t.tag)?;
    }
    Ok(())
}

/// X509_NAME_ENTRY: type and value (tag, content).
fn name_entry(t: &Tlv<'_>) -> D<(String, u32, Vec<u8>)> {
    want(t, UNIV, 16)?;
    let mut f = Fields::open(t)?;
    let oid = prim_value(&f.req(UNIV, 6)?, 6)?;
    let (tag, v) = mstring(&f.next()?, B_PRINTABLE)?;
    f.end()?;
    Ok((oid_of(&oid), tag, v.into_owned()))
}

/// `x509_name_ex_d2i`: a SEQUENCE OF SET OF X509_NAME_ENTRY, canonicalised on the spot (an
/// empty RDN leaves nothing; a string value that does not convert to UTF-8 fails the name).
fn x509_name(t: &Tlv<'_>) -> D<Canon> {
    want(t, UNIV, 16)?;
    let mut out = Vec::new();
    for rdn in items(t)? {
        want(&rdn, UNIV, 17)?;
        let mut set = Vec::new();
        for e in items(&rdn)? {
            let (oid, tag, v) = name_entry(&e)?;
            if matches!(tag, 12 | 19 | 20 | 22 | 26 | 28 | 30) && to_utf8(tag, &v).is_none() {
                return Err(Bad);
            }
            let (ct, cv) = canon_value(tag, &v);
            set.push((oid, ct, cv));
        }
        if !set.is_empty() {
            set.sort();
            out.push(set);
        }
    }
    Ok(out)
}

/// GENERAL_NAME (v3_genn.c).
fn general_name(t: &Tlv<'_>) -> D<Gn> {
    if t.class != CTX {
        return Err(Bad);
    }
    Ok(match t.tag {
        0 => {
            let mut f = Fields::open(t)?;
            let oid = prim_value(&f.req(UNIV, 6)?, 6)?;
            any(&explicit(&f.req(CTX, 0)?)?)?;
            f.end()?;
            Gn::Other(oid_of(&oid))
        }
        1 => Gn::Email(prim_value(t, 22)?.into_owned()),
        2 => Gn::Dns(prim_value(t, 22)?.into_owned()),
        3 => {
            prim_value(t, 16)?;
            Gn::X400
        }
        4 => Gn::Dir(x509_name(&explicit(t)?)?),
        5 => {
            let mut f = Fields::open(t)?;
            if let Some(a) = f.opt(CTX, 0)? {
                mstring(&explicit(&a)?, B_DIRECTORYSTRING)?;
            }
            mstring(&explicit(&f.req(CTX, 1)?)?, B_DIRECTORYSTRING)?;
            f.end()?;
            Gn::Edi
        }
        6 => Gn::Uri(prim_value(t, 22)?.into_owned()),
        7 => Gn::Ip(prim_value(t, 4)?.into_owned()),
        8 => {
            prim_value(t, 6)?;
            Gn::Rid
        }
        _ => return Err(Bad),
    })
}

/// GENERAL_NAMES, or an IMPLICIT-tagged SEQUENCE OF GENERAL_NAME.
fn general_names(t: &Tlv<'_>) -> D<Vec<Gn>> {
    items(t)?.iter().map(general_name).collect()
}

/// NAME_CONSTRAINTS (v3_ncons.c).
fn name_constraints(t: &Tlv<'_>) -> D<Constraints> {
    fn subtrees(t: &Tlv<'_>) -> D<Vec<Subtree>> {
        let mut out = Vec::new();
        for s in items(t)? {
            want(&s, UNIV, 16)?;
            let mut f = Fields::open(&s)?;
            let base = general_name(&f.next()?)?;
            let min = f.opt(CTX, 0)?.map(|m| prim_value(&m, 2)).transpose()?;
            let max = f.opt(CTX, 1)?.map(|m| prim_value(&m, 2)).transpose()?;
            f.end()?;
            // nc_minmax_valid: no maximum, a minimum of 0.
            let minmax_ok = max.is_none() && min.is_none_or(|m| m.iter().all(|b| *b == 0));
            out.push(Subtree { base, minmax_ok });
        }
        Ok(out)
    }
    want(t, UNIV, 16)?;
    let mut f = Fields::open(t)?;
    let mut nc = Constraints::default();
    if let Some(p) = f.opt(CTX, 0)? {
        nc.permitted = subtrees(&p)?;
    }
    if let Some(x) = f.opt(CTX, 1)? {
        nc.excluded = subtrees(&x)?;
    }
    f.end()?;
    Ok(nc)
}

/// AUTHORITY_KEYID (v3_akeya.c); of the issuer names only the first directoryName counts
/// (`X509_check_akid`).
fn akid(t: &Tlv<'_>) -> D<Akid> {
    want(t, UNIV, 16)?;
    let mut f = Fields::open(t)?;
    let keyid = f.opt(CTX, 0)?.map(|k| prim_value(&k, 4)).transpose()?;
    let issuer = f.opt(CTX, 1)?.map(|g| general_names(&g)).transpose()?;
    let serial = f.opt(CTX, 2)?.map(|s| prim_value(&s, 2)).transpose()?;
    f.end()?;
    Ok(Akid {
        keyid: keyid.map(Cow::into_owned),
        issuer: issuer.and_then(|gens| {
            gens.into_iter().find_map(|g| match g {
                Gn::Dir(d) => Some(d),
                _ => None,
            })
        }),
        serial: serial.map(Cow::into_owned),
    })
}

/// BASIC_CONSTRAINTS (v3_bcons.c): cA (any non-zero octet is TRUE) and the pathLen content.
fn basic_constraints<'a>(t: &Tlv<'a>) -> D<(bool, Option<Cow<'a, [u8]>>)> {
    want(t, UNIV, 16)?;
    let mut f = Fields::open(t)?;
    let ca = match f.opt(UNIV, 1)? {
        Some(b) => prim_value(&b, 1)?[0] != 0,
        None => false,
    };
    let pathlen = f.opt(UNIV, 2)?.map(|n| prim_value(&n, 2)).transpose()?;
    f.end()?;
    Ok((ca, pathlen))
}

/// PROXY_CERT_INFO_EXTENSION (v3_pcia.c).
fn proxy_cert_info(t: &Tlv<'_>) -> D<()> {
    want(t, UNIV, 16)?;
    let mut f = Fields::open(t)?;
    if let Some(n) = f.opt(UNIV, 2)? {
        prim_value(&n, 2)?;
    }
    let policy = f.req(UNIV, 16)?;
    let mut p = Fields::open(&policy)?;
    prim_value(&p.req(UNIV, 6)?, 6)?;
    if let Some(o) = p.opt(UNIV, 4)? {
        prim_value(&o, 4)?;
    }
    p.end()?;
    f.end()
}

/// CRL_DIST_POINTS (v3_crld.c), then `setup_dp`: every point needs a distributionPoint or a
/// cRLIssuer with at least one name. `Ok(false)`: decoded, but a point has neither.
fn crl_dist_points(t: &Tlv<'_>) -> D<bool> {
    want(t, UNIV, 16)?;
    let mut ok = true;
    for dp in items(t)? {
        want(&dp, UNIV, 16)?;
        let mut f = Fields::open(&dp)?;
        let mut named = false;
        if let Some(n) = f.opt(CTX, 0)? {
            // DIST_POINT_NAME: fullName [0] or nameRelativeToCRLIssuer [1].
            let n = explicit(&n)?;
            match (n.class, n.tag) {
                (CTX, 0) => {
                    general_names(&n)?;
                }
                (CTX, 1) => {
                    for e in items(&n)? {
                        name_entry(&e)?;
                    }
                }
                _ => return Err(Bad),
            }
            named = true;
        }
        if let Some(r) = f.opt(CTX, 1)? {
            prim_value(&r, 3)?;
        }
        let issuers = match f.opt(CTX, 2)? {
            Some(g) => general_names(&g)?.len(),
            None => 0,
        };
        f.end()?;
        ok &= named || issuers > 0;
    }
    Ok(ok)
}

/// IPAddrBlocks (v3_addr.c).
fn ip_addr_blocks(t: &Tlv<'_>) -> D<()> {
    want(t, UNIV, 16)?;
    for fam in items(t)? {
        want(&fam, UNIV, 16)?;
        let mut f = Fields::open(&fam)?;
        prim_value(&f.req(UNIV, 4)?, 4)?;
        let choice = f.next()?;
        match (choice.class, choice.tag) {
            (UNIV, 5) => {
                prim_value(&choice, 5)?;
            }
            (UNIV, 16) => {
                for a in items(&choice)? {
                    match (a.class, a.tag) {
                        (UNIV, 3) => {
                            prim_value(&a, 3)?;
                        }
                        (UNIV, 16) => {
                            let mut r = Fields::open(&a)?;
                            prim_value(&r.req(UNIV, 3)?, 3)?;
                            prim_value(&r.req(UNIV, 3)?, 3)?;
                            r.end()?;
                        }
                        _ => return Err(Bad),
                    }
                }
            }
            _ => return Err(Bad),
        }
        f.end()?;
    }
    Ok(())
}

/// ASIdentifiers (v3_asid.c).
fn as_identifiers(t: &Tlv<'_>) -> D<()> {
    fn choice(c: &Tlv<'_>) -> D<()> {
        match (c.class, c.tag) {
            (UNIV, 5) => {
                prim_value(c, 5)?;
            }
            (UNIV, 16) => {
                for a in items(c)? {
                    match (a.class, a.tag) {
                        (UNIV, 2) => {
                            prim_value(&a, 2)?;
                        }
                        (UNIV, 16) => {
                            let mut r = Fields::open(&a)?;
                            prim_value(&r.req(UNIV, 2)?, 2)?;
                            prim_value(&r.req(UNIV, 2)?, 2)?;
                            r.end()?;
                        }
                        _ => return Err(Bad),
                    }
                }
            }
            _ => return Err(Bad),
        }
        Ok(())
    }
    want(t, UNIV, 16)?;
    let mut f = Fields::open(t)?;
    for tag in [0, 1] {
        if let Some(c) = f.opt(CTX, tag)? {
            choice(&explicit(&c)?)?;
        }
    }
    f.end()
}

/// What `d2i_X509` refuses in the version and serialNumber INTEGERs of a certificate anchorkit
/// parses: X509_CINF decodes both with `ossl_c2i_ASN1_INTEGER` (`c2i_ibuf`), so an empty or
/// non-minimal one (ASN1_R_ILLEGAL_ZERO_CONTENT, ASN1_R_ILLEGAL_PADDING) fails the whole
/// certificate.
fn d2i_integers_problem(c: &Certificate) -> Option<String> {
    let read = || -> D<Option<String>> {
        let (tbs, _) = ber_tlv(c.tbs())?;
        let mut f = Fields::open(&tbs)?;
        if let Some(v) = f.opt(CTX, 0)? {
            let v = explicit(&v)?;
            want(&v, UNIV, 2)?;
            if prim_value(&v, 2).is_err() {
                return Ok(Some(
                    "the version INTEGER is empty, constructed or not minimally encoded".into(),
                ));
            }
        }
        let s = f.req(UNIV, 2)?;
        if prim_value(&s, 2).is_err() {
            return Ok(Some(
                "the serialNumber INTEGER is empty, constructed or not minimally encoded".into(),
            ));
        }
        Ok(None)
    };
    // Anything else anchorkit's own parser has already accepted.
    read().unwrap_or(None)
}

fn d2i_integers_ok(c: &Certificate) -> bool {
    d2i_integers_problem(c).is_none()
}

/// An INTEGER's value as sign and magnitude (`ASN1_INTEGER_cmp`).
fn int_value(b: &[u8]) -> (bool, &[u8]) {
    let neg = b.first().is_some_and(|x| x & 0x80 != 0);
    let n = b.iter().take_while(|x| **x == 0).count();
    (neg, &b[n..])
}

/// The key as OpenSSL decodes it (`X509_get0_pubkey`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyType {
    Rsa,
    RsaPss,
    Ec,
    Ed25519,
    Ed448,
    X25519,
    X448,
    Dsa,
}

/// Named curves OpenSSL knows that anchorkit's [`Curve`] does not name, with their order's bit
/// length.
const OTHER_CURVES: &[(&str, u32)] = &[
    ("1.3.132.0.6", 112),
    ("1.3.132.0.7", 110),
    ("1.3.132.0.28", 128),
    ("1.3.132.0.29", 126),
    ("1.3.132.0.9", 161),
    ("1.3.132.0.8", 161),
    ("1.3.132.0.30", 161),
    ("1.3.132.0.31", 192),
    ("1.3.132.0.32", 225),
    ("1.2.840.10045.3.1.2", 192),
    ("1.2.840.10045.3.1.3", 192),
    ("1.2.840.10045.3.1.4", 239),
    ("1.2.840.10045.3.1.5", 239),
    ("1.2.840.10045.3.1.6", 239),
    ("1.3.36.3.3.2.8.1.1.1", 160),
    ("1.3.36.3.3.2.8.1.1.2", 160),
    ("1.3.36.3.3.2.8.1.1.3", 192),
    ("1.3.36.3.3.2.8.1.1.4", 192),
    ("1.3.36.3.3.2.8.1.1.5", 224),
    ("1.3.36.3.3.2.8.1.1.6", 224),
    ("1.3.36.3.3.2.8.1.1.8", 256),
    ("1.3.36.3.3.2.8.1.1.9", 320),
    ("1.3.36.3.3.2.8.1.1.10", 320),
    ("1.3.36.3.3.2.8.1.1.12", 384),
    ("1.3.36.3.3.2.8.1.1.14", 512),
];

/// Key type, its security bits (`EVP_PKEY_get_security_bits`; `None` when OpenSSL cannot
/// decode the key), and whether it is an EC key with explicit parameters (`check_curve`).
fn key_facts(c: &Certificate) -> (Option<KeyType>, Option<u32>, bool) {
    match &c.key {
        KeyKind::Rsa { bits, .. } => (Some(KeyType::Rsa), Some(ifc_secbits(*bits)), false),
        KeyKind::Ec { .. } if let Some(order) = explicit_ec_order_bits(c.spki_raw()) => {
            (Some(KeyType::Ec), Some(ec_secbits(order)), true)
        }
        KeyKind::Ec { curve } => match curve {
            Curve::Other(o) => match OTHER_CURVES.iter().find(|(x, _)| x == o) {
                Some((_, order)) => (Some(KeyType::Ec), Some(ec_secbits(*order)), false),
                None => (None, None, false),
            },
            known => (Some(KeyType::Ec), Some(ec_secbits(known.bits())), false),
        },
        KeyKind::Ed25519 => (Some(KeyType::Ed25519), Some(128), false),
        KeyKind::Ed448 => (Some(KeyType::Ed448), Some(224), false),
        KeyKind::Other { oid } => match oid.as_str() {
            "1.2.840.113549.1.1.10" => match rsa_bits_in_spki(c.spki_raw()) {
                Some(b) => (Some(KeyType::RsaPss), Some(ifc_secbits(b)), false),
                None => (None, None, false),
            },
            "1.3.101.110" => (Some(KeyType::X25519), Some(128), false),
            "1.3.101.111" => (Some(KeyType::X448), Some(224), false),
            "1.2.840.10040.4.1" => match dsa_key(c.spki_raw()) {
                Some(k) => (
                    Some(KeyType::Dsa),
                    Some(bn_security_bits(k.p.bits(), k.q.bits())),
                    false,
                ),
                None => (None, None, false),
            },
            _ => (None, None, false),
        },
    }
}

/// `ossl_ifc_ffc_compute_security_bits`: the standards' values for common sizes, else the
/// SP 800-56B formula rounded to a multiple of 8 and capped.
fn ifc_secbits(n: u32) -> u32 {
    match n {
        2048 => return 112,
        3072 => return 128,
        4096 => return 152,
        6144 => return 176,
        7680 => return 192,
        8192 => return 200,
        15360 => return 256,
        _ => {}
    }
    if n >= 687_737 {
        return 1200;
    }
    if n < 8 {
        return 0;
    }
    let cap = if n <= 7680 {
        192
    } else if n <= 15360 {
        256
    } else {
        1200
    };
    // OpenSSL's fixed-point evaluation (18 fractional bits) of
    // (1.923 * cbrt(x * ln(x)^2) - 4.69) / ln 2 with x = n ln 2, then rounded up to a
    // multiple of 8; floating point differs from it at the boundaries (919 vs 920 bits).
    const SCALE: u64 = 1 << 18;
    const CBRT_SCALE: u64 = 1 << 12;
    const LOG_2: u64 = 0x02c5c8;
    const LOG_E: u64 = 0x05c551;
    const C1_923: u64 = 0x07b126;
    const C4_690: u64 = 0x12c28f;
    let mul = |a: u64, b: u64| a.wrapping_mul(b) / SCALE;
    let cbrt = |mut x: u64| {
        let mut r: u64 = 0;
        let mut sh: i32 = 63;
        while sh >= 0 {
            r <<= 1;
            let b = 3u64.wrapping_mul(r).wrapping_mul(r + 1).wrapping_add(1);
            if (x >> sh) >= b {
                x = x.wrapping_sub(b << sh);
                r += 1;
            }
            sh -= 3;
        }
        r.wrapping_mul(CBRT_SCALE)
    };
    let ln = |mut v: u64| {
        let mut r: u64 = 0;
        while v >= 2 * SCALE {
            v >>= 1;
            r += SCALE;
        }
        let mut i = SCALE / 2;
        while i != 0 {
            v = mul(v, v);
            if v >= 2 * SCALE {
                v >>= 1;
                r += i;
            }
            i /= 2;
        }
        (r * SCALE) / LOG_E
    };
    let x = u64::from(n) * LOG_2;
    let lx = ln(x) & 0xffff_ffff;
    let y = (mul(C1_923, cbrt(mul(mul(x, lx), lx))).wrapping_sub(C4_690) / LOG_2) as u16;
    (u32::from(y.wrapping_add(4)) & !7).min(cap)
}

/// The EC key management's security bits from the group order's length.
fn ec_secbits(order_bits: u32) -> u32 {
    match order_bits {
        512.. => 256,
        384.. => 192,
        256.. => 128,
        224.. => 112,
        160.. => 80,
        b => b / 2,
    }
}

/// `BN_security_bits(L, N)` for a DSA key.
fn bn_security_bits(l: u64, n: u64) -> u32 {
    let secbits = match l {
        15360.. => 256,
        7680.. => 192,
        3072.. => 128,
        2048.. => 112,
        1024.. => 80,
        _ => return 0,
    };
    let bits = (n / 2) as u32;
    if bits < 80 { 0 } else { bits.min(secbits) }
}

/// `minbits_table`: the security bits each level (1 to 5) wants.
const MINBITS: [u32; 5] = [80, 112, 128, 192, 256];

/// `check_key_level`: level 0 takes any key; otherwise the key must decode and reach the
/// level's bits.
fn key_level_ok(bits: Option<u32>, level: u8) -> bool {
    level == 0 || bits.is_some_and(|b| b >= MINBITS[usize::from(level.min(5)) - 1])
}

/// `check_sig_level`: level 0 takes any signature; otherwise the signature's security bits
/// (`X509_get_signature_info`) must reach the level's.
fn sig_level_ok(bits: Option<u32>, level: u8) -> bool {
    level == 0 || bits.is_some_and(|b| b >= MINBITS[usize::from(level.min(5)) - 1])
}

/// The bit length of the group order of an EC key given with explicit parameters
/// (`ECParameters`), `None` for a named curve.
fn explicit_ec_order_bits(spki: &[u8]) -> Option<u32> {
    let items = seq(spki)?;
    let alg = tlvs(items.first()?.data)?;
    let params = alg.get(1)?;
    if params.class() != Class::Universal || params.tag().0 != 16 {
        return None;
    }
    let fields = tlvs(params.data)?;
    let (_, order) = int_value(fields.get(4)?.data);
    let first = order.first()?;
    Some((order.len() as u32 - 1) * 8 + (8 - first.leading_zeros()))
}

/// A DSA public key.
struct DsaKey {
    p: BigUint,
    q: BigUint,
    g: BigUint,
    y: BigUint,
}

fn dsa_key(spki: &[u8]) -> Option<DsaKey> {
    let items = seq(spki)?;
    let alg = tlvs(items.first()?.data)?;
    let params = tlvs(alg.get(1)?.data)?;
    let int = |a: &Any<'_>| BigUint::from_bytes_be(int_value(a.data).1);
    let bits = items.get(1)?;
    let y = bit_string(bits.data)?;
    Some(DsaKey {
        p: int(params.first()?),
        q: int(params.get(1)?),
        g: int(params.get(2)?),
        y: BigUint::from_bytes_be(int_value(prim(&y, 2)?).1),
    })
}

/// DSA signature verification (FIPS 186-4 4.7), which `crate::crypto` does not cover.
fn dsa_verify(spki: &[u8], hash: HashAlg, message: &[u8], signature: &[u8]) -> bool {
    let (Some(k), Some(rs), Some(h)) = (
        dsa_key(spki),
        seq(signature),
        crate::crypto::digest(hash, message),
    ) else {
        return false;
    };
    let (Some(r), Some(s)) = (rs.first(), rs.get(1)) else {
        return false;
    };
    let r = BigUint::from_bytes_be(int_value(r.data).1);
    let s = BigUint::from_bytes_be(int_value(s.data).1);
    let zero = BigUint::from(0u8);
    if r == zero || s == zero || r >= k.q || s >= k.q || k.p == zero {
        return false;
    }
    let Some(w) = s.modinv(&k.q) else {
        return false;
    };
    let mut z = BigUint::from_bytes_be(&h);
    let hbits = (h.len() as u64) * 8;
    if hbits > k.q.bits() {
        z >>= hbits - k.q.bits();
    }
    let u1 = (&z * &w) % &k.q;
    let u2 = (&r * &w) % &k.q;
    let v = ((k.g.modpow(&u1, &k.p) * k.y.modpow(&u2, &k.p)) % &k.p) % &k.q;
    v == r
}

/// `X509_verify(subject, issuer key)`: both signature algorithm fields equal, and the
/// signature verifies.
fn x509_verify(subject: &Certificate, issuer: &Certificate) -> bool {
    if !subject.sig_alg_consistent {
        return false;
    }
    let dsa_hash = match &subject.sig_alg {
        SigAlg::Other { oid } => match oid.as_str() {
            "1.2.840.10040.4.3" => Some(HashAlg::Sha1),
            "2.16.840.1.101.3.4.3.1" => Some(HashAlg::Sha224),
            "2.16.840.1.101.3.4.3.2" => Some(HashAlg::Sha256),
            _ => None,
        },
        _ => None,
    };
    match dsa_hash {
        Some(h) => dsa_verify(issuer.spki_raw(), h, subject.tbs(), &subject.signature),
        None => matches!(
            verify_signature(
                issuer.spki_raw(),
                &subject.sig_alg,
                subject.tbs(),
                &subject.signature
            ),
            SigCheck::Valid
        ),
    }
}

/// The modulus size of the RSAPublicKey in a SubjectPublicKeyInfo.
fn rsa_bits_in_spki(spki: &[u8]) -> Option<u32> {
    let items = seq(spki)?;
    let bits_tlv = items.get(1)?;
    if bits_tlv.class() != Class::Universal || bits_tlv.tag().0 != 3 {
        return None;
    }
    let key = bit_string(bits_tlv.data)?;
    let parts = seq(&key)?;
    let n = parts.first()?;
    let (_, mag) = int_value(n.data);
    let first = mag.first()?;
    Some((mag.len() as u32 - 1) * 8 + (8 - first.leading_zeros()))
}

/// Whether the signature algorithm's key type is the issuer key's (`check_sig_alg_match`).
fn sig_fits_key(sig: &SigAlg, key: Option<KeyType>) -> bool {
    let Some(k) = key else {
        return false;
    };
    match sig {
        SigAlg::RsaPkcs1 { .. } => k == KeyType::Rsa,
        SigAlg::RsaPss { .. } => matches!(k, KeyType::Rsa | KeyType::RsaPss),
        SigAlg::Ecdsa { .. } => k == KeyType::Ec,
        SigAlg::Ed25519 => k == KeyType::Ed25519,
        SigAlg::Ed448 => k == KeyType::Ed448,
        SigAlg::Other { oid } => {
            k == KeyType::Dsa
                && matches!(
                    oid.as_str(),
                    "1.2.840.10040.4.3" | "2.16.840.1.101.3.4.3.1" | "2.16.840.1.101.3.4.3.2"
                )
        }
    }
}

fn md_secbits(h: HashAlg) -> Option<u32> {
    Some(match h {
        HashAlg::Md2 => return None,
        HashAlg::Md4 => 64,
        HashAlg::Md5 => 39,
        HashAlg::Sha1 => 63,
        HashAlg::Sha224 => 112,
        HashAlg::Sha256 => 128,
        HashAlg::Sha384 => 192,
        HashAlg::Sha512 => 256,
    })
}

/// `X509_get_signature_info`'s security bits; `None` when OpenSSL has no valid signature info
/// (an unknown algorithm, unusable RSASSA-PSS parameters).
fn sig_secbits(sig: &SigAlg) -> Option<u32> {
    match sig {
        SigAlg::RsaPkcs1 { hash } | SigAlg::Ecdsa { hash } => md_secbits(*hash),
        SigAlg::RsaPss {
            hash: Some(h),
            mgf1: Some(_),
            trailer: 1,
            ..
        } => match h {
            HashAlg::Sha1 => Some(64),
            HashAlg::Md5 => Some(39),
            HashAlg::Md2 => None,
            HashAlg::Md4 => Some(64),
            HashAlg::Sha224 => Some(112),
            HashAlg::Sha256 => Some(128),
            HashAlg::Sha384 => Some(192),
            HashAlg::Sha512 => Some(256),
        },
        SigAlg::RsaPss { .. } => None,
        SigAlg::Ed25519 => Some(128),
        SigAlg::Ed448 => Some(224),
        SigAlg::Other { oid } => match oid.as_str() {
            "1.2.840.10040.4.3" => Some(63),
            "2.16.840.1.101.3.4.3.1" => Some(112),
            "2.16.840.1.101.3.4.3.2" => Some(128),
            _ => None,
        },
    }
}

/// The validity times as `X509_cmp_time` reads them: `None` when not exactly
/// `YYMMDDHHMMSSZ` (UTCTime) or `YYYYMMDDHHMMSSZ` (GeneralizedTime).
fn validity_ok(c: &Certificate) -> (bool, bool) {
    let fmt = |a: &Any<'_>| {
        let d = a.data;
        let len = match (a.class(), a.tag().0) {
            (Class::Universal, 23) => 13,
            (Class::Universal, 24) => 15,
            _ => return false,
        };
        d.len() == len && d[..len - 1].iter().all(u8::is_ascii_digit) && d[len - 1] == b'Z'
    };
    let Some(items) = seq(c.tbs()) else {
        return (false, false);
    };
    let skip = usize::from(
        items
            .first()
            .is_some_and(|a| a.class() == Class::ContextSpecific),
    );
    let Some(times) = items.get(skip + 3).and_then(|v| tlvs(v.data)) else {
        return (false, false);
    };
    (
        times.first().is_some_and(fmt),
        times.get(1).is_some_and(fmt),
    )
}

/// Extensions OpenSSL 3.0 supports when critical (`X509_supported_extension`).
const SUPPORTED_CRITICAL: &[&str] = &[
    "2.16.840.1.113730.1.1",
    "2.5.29.15",
    "2.5.29.17",
    "2.5.29.19",
    "2.5.29.32",
    "2.5.29.31",
    "2.5.29.37",
    "1.3.6.1.5.5.7.1.7",
    "1.3.6.1.5.5.7.1.8",
    "1.3.6.1.5.5.7.48.1.5",
    "2.5.29.36",
    "1.3.6.1.5.5.7.1.14",
    "2.5.29.30",
    "2.5.29.33",
    "2.5.29.54",
];

/// Extensions `ossl_x509v3_cache_extensions` decodes: one that fails to decode or appears twice
/// makes the certificate invalid.
const DECODED: &[&str] = &[
    "2.5.29.19",
    "1.3.6.1.5.5.7.1.14",
    "2.5.29.15",
    "2.5.29.37",
    "2.16.840.1.113730.1.1",
    "2.5.29.14",
    "2.5.29.35",
    "2.5.29.17",
    "2.5.29.30",
    "2.5.29.31",
    "1.3.6.1.5.5.7.1.7",
    "1.3.6.1.5.5.7.1.8",
];

const KU_DIGITAL_SIGNATURE: u32 = 0x0080;
const KU_KEY_ENCIPHERMENT: u32 = 0x0020;
const KU_KEY_AGREEMENT: u32 = 0x0008;
const KU_KEY_CERT_SIGN: u32 = 0x0004;
const XKU_SSL_SERVER: u32 = 0x1;
const XKU_SGC: u32 = 0x10;
const NS_SSL_SERVER: u8 = 0x40;
const NS_SSL_CA: u8 = 0x04;
const NS_ANY_CA: u8 = 0x07;

/// What OpenSSL caches about one certificate.
struct Facts<'a> {
    cert: &'a Certificate,
    at: CertRef,
    subject: Canon,
    issuer: Canon,
    /// `EXFLAG_INVALID`.
    invalid: bool,
    /// The first critical extension OpenSSL does not support (`EXFLAG_CRITICAL`).
    critical: Option<String>,
    proxy: bool,
    /// basicConstraints present (`EXFLAG_BCONS`), its cA flag and pathLen (`ex_pathlen`).
    bcons: bool,
    ca: bool,
    pathlen: Option<u64>,
    ku: Option<u32>,
    xku: Option<u32>,
    eku_names: Vec<String>,
    ns: Option<u8>,
    skid: Option<Vec<u8>>,
    akid: Option<Akid>,
    san: Option<Vec<Gn>>,
    nc: Option<Constraints>,
    /// Self-issued (`EXFLAG_SI`) and self-signed (`EXFLAG_SS`, valid certificates only).
    si: bool,
    ss: bool,
    v1: bool,
    key: Option<KeyType>,
    key_bits: Option<u32>,
    explicit_curve: bool,
    /// `X509_CERT_AUX` of a trust-store certificate.
    settings: Option<&'a TrustSettings>,
    sig_bits: Option<u32>,
    not_before_ok: bool,
    not_after_ok: bool,
}

impl<'a> Facts<'a> {
    fn new(cert: &'a Certificate, at: CertRef) -> Facts<'a> {
        let (key, key_bits, explicit_curve) = key_facts(cert);
        let (not_before_ok, not_after_ok) = validity_ok(cert);
        let mut f = Facts {
            cert,
            at,
            subject: canon(&cert.subject),
            issuer: canon(&cert.issuer),
            invalid: false,
            critical: None,
            proxy: false,
            bcons: false,
            ca: false,
            pathlen: None,
            ku: None,
            xku: None,
            eku_names: Vec::new(),
            ns: None,
            skid: None,
            akid: None,
            san: None,
            nc: None,
            si: false,
            ss: false,
            v1: cert.version == 1,
            key,
            key_bits,
            explicit_curve,
            settings: None,
            sig_bits: sig_secbits(&cert.sig_alg),
            not_before_ok,
            not_after_ok,
        };
        f.read_extensions();
        f.si = f.subject == f.issuer;
        f.ss = f.si
            && !f.invalid
            && check_akid(&f, f.akid.as_ref())
            && sig_fits_key(&cert.sig_alg, f.key);
        f
    }

    fn read_extensions(&mut self) {
        let parsed = x509_parser::certificate::X509CertificateParser::new()
            .with_deep_parse_extensions(false)
            .parse(self.cert.der());
        let Ok((_, x)) = parsed else {
            self.invalid = true;
            return;
        };
        let exts = x.tbs_certificate.extensions();
        let oids: Vec<String> = exts.iter().map(|e| e.oid.to_id_string()).collect();
        for d in DECODED {
            if oids.iter().filter(|o| o == d).count() > 1 {
                self.invalid = true;
            }
        }
        for (e, oid) in exts.iter().zip(&oids) {
            if DECODED.contains(&oid.as_str()) && self.decode_extension(oid, e.value).is_err() {
                self.invalid = true;
            }
        }
        if self.proxy && (self.ca || oids.iter().any(|o| o == "2.5.29.17" || o == "2.5.29.18")) {
            self.invalid = true;
        }
        self.critical = exts
            .iter()
            .zip(&oids)
            .filter(|(e, _)| e.critical)
            .find(|(_, o)| !SUPPORTED_CRITICAL.contains(&o.as_str()))
            .map(|(_, o)| o.clone());
    }

    /// One cached extension, decoded as `X509V3_EXT_d2i` does (see the decoder above): the
    /// first element of the value with the extension's template, the rest of the value never
    /// looked at. `Err` is `EXFLAG_INVALID`.
    fn decode_extension(&mut self, oid: &str, value: &[u8]) -> D<()> {
        let (t, _ignored) = ber_tlv(value)?;
        match oid {
            "2.5.29.19" => {
                let (ca, pathlen) = basic_constraints(&t)?;
                self.bcons = true;
                self.ca = ca;
                if let Some(n) = pathlen {
                    let (neg, mag) = int_value(&n);
                    if neg {
                        // X509V3_R_NEGATIVE_PATHLEN
                        return Err(Bad);
                    }
                    // ASN1_INTEGER_get answers -1 (no limit) for values beyond a long.
                    if mag.len() <= 8 {
                        let val = mag.iter().fold(0u64, |a, b| (a << 8) | u64::from(*b));
                        if val <= i64::MAX as u64 {
                            self.pathlen = Some(val);
                        }
                    }
                }
            }
            "1.3.6.1.5.5.7.1.14" => {
                proxy_cert_info(&t)?;
                self.proxy = true;
            }
            "2.5.29.15" => {
                want(&t, UNIV, 3)?;
                let b = bits_value(&t)?;
                let ku = u32::from(b.first().copied().unwrap_or(0))
                    | (u32::from(b.get(1).copied().unwrap_or(0)) << 8);
                self.ku = Some(ku);
                if ku == 0 {
                    // X509V3_R_EMPTY_KEY_USAGE
                    return Err(Bad);
                }
            }
            "2.5.29.37" => {
                want(&t, UNIV, 16)?;
                let mut list = Vec::new();
                for o in items(&t)? {
                    want(&o, UNIV, 6)?;
                    list.push(oid_of(&prim_value(&o, 6)?));
                }
                self.eku(list);
            }
            "2.16.840.1.113730.1.1" => {
                want(&t, UNIV, 3)?;
                self.ns = Some(bits_value(&t)?.first().copied().unwrap_or(0));
            }
            "2.5.29.14" => {
                want(&t, UNIV, 4)?;
                self.skid = Some(prim_value(&t, 4)?.into_owned());
            }
            "2.5.29.35" => self.akid = Some(akid(&t)?),
            "2.5.29.17" => {
                want(&t, UNIV, 16)?;
                self.san = Some(general_names(&t)?);
            }
            "2.5.29.30" => self.nc = Some(name_constraints(&t)?),
            // setup_dp: X509_R_INVALID_DISTPOINT when a point has neither name.
            "2.5.29.31" => crl_dist_points(&t)?.then_some(()).ok_or(Bad)?,
            "1.3.6.1.5.5.7.1.7" => ip_addr_blocks(&t)?,
            "1.3.6.1.5.5.7.1.8" => as_identifiers(&t)?,
            _ => {}
        }
        Ok(())
    }

    fn eku(&mut self, oids: Vec<String>) {
        let mut x = 0;
        for o in oids {
            x |= match o.as_str() {
                "1.3.6.1.5.5.7.3.1" => XKU_SSL_SERVER,
                "1.3.6.1.5.5.7.3.2" => 0x2,
                "1.3.6.1.5.5.7.3.4" => 0x4,
                "1.3.6.1.5.5.7.3.3" => 0x8,
                "1.3.6.1.4.1.311.10.3.3" | "2.16.840.1.113730.4.1" => XKU_SGC,
                "1.3.6.1.5.5.7.3.9" => 0x20,
                "1.3.6.1.5.5.7.3.8" => 0x40,
                "1.3.6.1.5.5.7.3.10" => 0x80,
                "2.5.29.37.0" => 0x100,
                _ => 0,
            };
            self.eku_names.push(match o.as_str() {
                "1.3.6.1.5.5.7.3.1" => "serverAuth".into(),
                "1.3.6.1.5.5.7.3.2" => "clientAuth".into(),
                "1.3.6.1.5.5.7.3.3" => "codeSigning".into(),
                "1.3.6.1.5.5.7.3.4" => "emailProtection".into(),
                "2.5.29.37.0" => "anyExtendedKeyUsage".into(),
                "2.16.840.1.113730.4.1" => "nsSGC".into(),
                "1.3.6.1.4.1.311.10.3.3" => "msSGC".into(),
                _ => o,
            });
        }
        self.xku = Some(x);
    }

    fn label(&self) -> super::CertLabel {
        label(self.at, self.cert)
    }
}

/// `X509_check_akid`.
fn check_akid(issuer: &Facts<'_>, akid: Option<&Akid>) -> bool {
    let Some(a) = akid else {
        return true;
    };
    if let (Some(k), Some(s)) = (&a.keyid, &issuer.skid) {
        if k != s {
            return false;
        }
    }
    if let Some(sn) = &a.serial {
        if int_value(sn) != int_value(&issuer.cert.serial) {
            return false;
        }
    }
    if let Some(n) = &a.issuer {
        if *n != issuer.issuer {
            return false;
        }
    }
    true
}

/// `ossl_x509_likely_issued(issuer, subject)`: names, both certificates valid, the
/// authorityKeyIdentifier, and the signature algorithm's key type.
fn likely_issued(issuer: &Facts<'_>, subject: &Facts<'_>) -> bool {
    issuer.subject == subject.issuer
        && !issuer.invalid
        && !subject.invalid
        && check_akid(issuer, subject.akid.as_ref())
        && sig_fits_key(&subject.cert.sig_alg, issuer.key)
}

/// `ossl_x509_check_cert_time` without callbacks.
fn time_ok(f: &Facts<'_>, at: i64) -> bool {
    f.not_before_ok && f.not_after_ok && f.cert.not_before <= at && at < f.cert.not_after
}

/// `X509_check_ca`'s `check_ca`: 0 not a CA, 1 a CA, 3 a v1 self-signed root, 4 keyUsage
/// with keyCertSign and no basicConstraints, 5 an nsCertType CA.
fn check_ca(f: &Facts<'_>) -> u8 {
    if f.invalid || f.ku.is_some_and(|k| k & KU_KEY_CERT_SIGN == 0) {
        return 0;
    }
    if f.bcons {
        u8::from(f.ca)
    } else if f.v1 && f.ss {
        3
    } else if f.ku.is_some() {
        4
    } else if f.ns.is_some_and(|n| n & NS_ANY_CA != 0) {
        5
    } else {
        0
    }
}

/// `check_purpose_ssl_server`; a certificate OpenSSL flags invalid passes (the purpose check
/// answers -1, accepted without `X509_V_FLAG_X509_STRICT`). `Err` says why not.
fn ssl_server_purpose(f: &Facts<'_>, require_ca: bool) -> Result<(), String> {
    if f.invalid {
        return Ok(());
    }
    if f.xku.is_some_and(|x| x & (XKU_SSL_SERVER | XKU_SGC) == 0) {
        return Err(format!(
            "extendedKeyUsage [{}] has neither serverAuth nor SGC",
            f.eku_names.join(", ")
        ));
    }
    if require_ca {
        return match check_ca(f) {
            0 => Err("not a CA (check_ssl_ca)".into()),
            5 if f.ns.is_some_and(|n| n & NS_SSL_CA == 0) => {
                Err("nsCertType CA without sslCA".into())
            }
            _ => Ok(()),
        };
    }
    if f.ns.is_some_and(|n| n & NS_SSL_SERVER == 0) {
        return Err("nsCertType without sslServer".into());
    }
    if f.ku
        .is_some_and(|k| k & (KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT | KU_KEY_AGREEMENT) == 0)
    {
        return Err("keyUsage without digitalSignature, keyEncipherment or keyAgreement".into());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Host and IP (`X509_check_host`, `X509_check_ip`).

fn host_matches(f: &Facts<'_>, host: &str) -> bool {
    let h = host.as_bytes();
    if let Some(san) = &f.san {
        let mut present = false;
        for g in san {
            if let Gn::Dns(d) = g {
                present = true;
                if !d.is_empty() && super::names::openssl_host_matches(d, h) {
                    return true;
                }
            }
        }
        if present {
            return false;
        }
    }
    for a in f.cert.subject.attrs().filter(|a| a.oid == "2.5.4.3") {
        if a.value.is_empty() {
            continue;
        }
        match to_utf8(a.tag, &a.value) {
            Some(u) => {
                if super::names::openssl_host_matches(&u, h) {
                    return true;
                }
            }
            None => return false,
        }
    }
    false
}

fn ip_matches(f: &Facts<'_>, ip: &[u8]) -> bool {
    f.san
        .iter()
        .flatten()
        .any(|g| matches!(g, Gn::Ip(b) if b == ip))
}

// ---------------------------------------------------------------------------------------------
// Name constraints (`v3_ncons.c`).

const NC_OK: i32 = 0;
const NC_PERMITTED: i32 = 47;
const NC_EXCLUDED: i32 = 48;
const NC_MINMAX: i32 = 49;
const NC_TYPE: i32 = 51;
const NC_SYNTAX: i32 = 53;

fn ia5_eq_nocase(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.eq_ignore_ascii_case(b)
}

fn nc_dns(dns: &[u8], base: &[u8]) -> i32 {
    if base.is_empty() {
        return NC_OK;
    }
    if dns.len() < base.len() {
        return NC_PERMITTED;
    }
    let off = dns.len() - base.len();
    if off > 0 && base[0] != b'.' && dns[off - 1] != b'.' {
        return NC_PERMITTED;
    }
    if ia5_eq_nocase(base, &dns[off..]) {
        NC_OK
    } else {
        NC_PERMITTED
    }
}

fn nc_email(eml: &[u8], base: &[u8]) -> i32 {
    let baseat = base.iter().rposition(|c| *c == b'@');
    let Some(emlat) = eml.iter().rposition(|c| *c == b'@') else {
        return NC_SYNTAX;
    };
    let mut basehost = base;
    if baseat.is_none() && base.first() == Some(&b'.') {
        if eml.len() > base.len() && ia5_eq_nocase(base, &eml[eml.len() - base.len()..]) {
            return NC_OK;
        }
        return NC_PERMITTED;
    }
    if let Some(at) = baseat {
        if at != 0 {
            if at != emlat {
                return NC_PERMITTED;
            }
            if base[..at].contains(&0) || eml[..emlat].contains(&0) {
                return NC_SYNTAX;
            }
            if base[..at] != eml[..emlat] {
                return NC_PERMITTED;
            }
        }
        basehost = &base[at + 1..];
    }
    if ia5_eq_nocase(basehost, &eml[emlat + 1..]) {
        NC_OK
    } else {
        NC_PERMITTED
    }
}

fn nc_uri(uri: &[u8], base: &[u8]) -> i32 {
    let Some(colon) = uri.iter().position(|c| *c == b':') else {
        return NC_SYNTAX;
    };
    if uri.len() - colon < 3 || uri[colon + 1] != b'/' || uri[colon + 2] != b'/' {
        return NC_SYNTAX;
    }
    let host_all = &uri[colon + 3..];
    let end = host_all
        .iter()
        .position(|c| *c == b':')
        .or_else(|| host_all.iter().position(|c| *c == b'/'))
        .unwrap_or(host_all.len());
    let host = &host_all[..end];
    if host.is_empty() {
        return NC_SYNTAX;
    }
    if base.first() == Some(&b'.') {
        if host.len() > base.len() && ia5_eq_nocase(&host[host.len() - base.len()..], base) {
            return NC_OK;
        }
        return NC_PERMITTED;
    }
    if ia5_eq_nocase(host, base) {
        NC_OK
    } else {
        NC_PERMITTED
    }
}

fn nc_ip(ip: &[u8], base: &[u8]) -> i32 {
    if ip.len() != 4 && ip.len() != 16 {
        return NC_SYNTAX;
    }
    if base.len() != 8 && base.len() != 32 {
        return NC_SYNTAX;
    }
    if ip.len() * 2 != base.len() {
        return NC_PERMITTED;
    }
    let (addr, mask) = base.split_at(ip.len());
    if ip
        .iter()
        .zip(addr)
        .zip(mask)
        .all(|((h, b), m)| h & m == b & m)
    {
        NC_OK
    } else {
        NC_PERMITTED
    }
}

fn nc_dn(nm: &Canon, base: &Canon) -> i32 {
    if base.len() <= nm.len() && nm[..base.len()] == base[..] {
        NC_OK
    } else {
        NC_PERMITTED
    }
}

fn nc_match_single(gn: &Gn, base: &Gn) -> i32 {
    match (gn, base) {
        (Gn::Dir(n), Gn::Dir(b)) => nc_dn(n, b),
        (Gn::Dns(n), Gn::Dns(b)) => nc_dns(n, b),
        (Gn::Email(n), Gn::Email(b)) => nc_email(n, b),
        (Gn::Uri(n), Gn::Uri(b)) => nc_uri(n, b),
        (Gn::Ip(n), Gn::Ip(b)) => nc_ip(n, b),
        _ => NC_TYPE,
    }
}

fn same_type(gn: &Gn, base: &Gn) -> bool {
    match (gn, base) {
        (Gn::Other(a), Gn::Other(b)) => a == b,
        _ => gn.kind() == base.kind(),
    }
}

/// `nc_match`: some permitted subtree of the name's type must match, no excluded one may.
fn nc_match(gn: &Gn, nc: &Constraints) -> i32 {
    let mut matched = 0;
    for sub in nc.permitted.iter().filter(|s| same_type(gn, &s.base)) {
        if !sub.minmax_ok {
            return NC_MINMAX;
        }
        if matched == 2 {
            continue;
        }
        matched = 1;
        match nc_match_single(gn, &sub.base) {
            NC_OK => matched = 2,
            NC_PERMITTED => {}
            r => return r,
        }
    }
    if matched == 1 {
        return NC_PERMITTED;
    }
    for sub in nc.excluded.iter().filter(|s| same_type(gn, &s.base)) {
        if !sub.minmax_ok {
            return NC_MINMAX;
        }
        match nc_match_single(gn, &sub.base) {
            NC_OK => return NC_EXCLUDED,
            NC_PERMITTED => {}
            r => return r,
        }
    }
    NC_OK
}

/// `NAME_CONSTRAINTS_check`: the subject as a directoryName, its emailAddress attributes, and
/// every SAN entry. Returns the code and the offending name.
fn nc_check(x: &Facts<'_>, nc: &Constraints) -> (i32, String) {
    // Too many names times constraints is refused outright (NAME_CHECK_MAX).
    let names = x.cert.subject.attrs().count() + x.san.as_ref().map_or(0, Vec::len);
    let constraints = nc.permitted.len() + nc.excluded.len();
    if names > 0 && constraints > (1 << 20) / names {
        return (
            1,
            format!("{names} names against {constraints} constraints (NAME_CHECK_MAX)"),
        );
    }
    if !x.subject.is_empty() {
        let r = nc_match(&Gn::Dir(x.subject.clone()), nc);
        if r != NC_OK {
            return (r, format!("subject {}", x.cert.subject));
        }
        for a in x
            .cert
            .subject
            .attrs()
            .filter(|a| a.oid == "1.2.840.113549.1.9.1")
        {
            if a.tag != 22 {
                return (NC_SYNTAX, "subject emailAddress not an IA5String".into());
            }
            let g = Gn::Email(a.value.clone());
            let r = nc_match(&g, nc);
            if r != NC_OK {
                return (r, g.describe());
            }
        }
    }
    for g in x.san.iter().flatten() {
        let r = nc_match(g, nc);
        if r != NC_OK {
            return (r, g.describe());
        }
    }
    (NC_OK, String::new())
}

/// `cn2dnsid`: a CN that looks like a host name of two or more labels.
fn cn2dnsid(tag: u32, v: &[u8]) -> Result<Option<Vec<u8>>, i32> {
    let Some(mut u) = to_utf8(tag, v) else {
        return Err(1);
    };
    while u.last() == Some(&0) {
        u.pop();
    }
    if u.contains(&0) {
        return Err(NC_SYNTAX);
    }
    let mut isdns = false;
    for i in 0..u.len() {
        let c = u[i];
        if c.is_ascii_alphanumeric() || c == b'_' {
            continue;
        }
        if i > 0 && i < u.len() - 1 {
            if c == b'-' {
                continue;
            }
            if c == b'.' && u[i + 1] != b'.' && u[i - 1] != b'-' && u[i + 1] != b'-' {
                isdns = true;
                continue;
            }
        }
        isdns = false;
        break;
    }
    Ok(isdns.then_some(u))
}

/// `NAME_CONSTRAINTS_check_CN`.
fn nc_check_cn(x: &Facts<'_>, nc: &Constraints) -> (i32, String) {
    for a in x.cert.subject.attrs().filter(|a| a.oid == "2.5.4.3") {
        match cn2dnsid(a.tag, &a.value) {
            Err(r) => return (r, format!("CN {}", a.text())),
            Ok(None) => {}
            Ok(Some(d)) => {
                let r = nc_match(&Gn::Dns(d), nc);
                if r != NC_OK {
                    return (r, format!("CN {}", a.text()));
                }
            }
        }
    }
    (NC_OK, String::new())
}

// ---------------------------------------------------------------------------------------------
// Chain building (`build_chain`).

/// What `X509_check_trust` answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trust {
    Trusted,
    Rejected,
    Untrusted,
}

/// `X509_check_trust(x, X509_TRUST_SSL_SERVER, flags)` (`trust_1oidany` with serverAuth): a
/// reject list naming serverAuth or anyExtendedKeyUsage rejects; a trust list trusts when it
/// names one of them and rejects otherwise; with neither list, a self-signed certificate is
/// trusted when `ss_compat` (`X509_TRUST_DO_SS_COMPAT`; `check_purpose` passes
/// `X509_TRUST_NO_SS_COMPAT`).
fn check_trust(f: &Facts<'_>, ss_compat: bool) -> Trust {
    let names = |o: &String| o == SERVER_AUTH || o == ANY_EKU;
    if let Some(s) = f.settings {
        if s.reject.as_ref().is_some_and(|r| r.iter().any(names)) {
            return Trust::Rejected;
        }
        if let Some(t) = &s.trust {
            return if t.iter().any(names) {
                Trust::Trusted
            } else {
                Trust::Rejected
            };
        }
    }
    if ss_compat && f.ss {
        Trust::Trusted
    } else {
        Trust::Untrusted
    }
}

#[derive(Clone, Copy)]
struct Link {
    /// Index into the facts.
    f: usize,
}

struct Built {
    chain: Vec<Link>,
    /// `None` when trusted, else the error code.
    error: Option<i32>,
}

/// `X509_V_ERR_CERT_REJECTED`.
const CERT_REJECTED: i32 = 28;

/// The first time-valid candidate, else the one that expires last (the first of equals).
fn prefer(cands: impl Iterator<Item = usize>, facts: &[Facts<'_>], at: i64) -> Option<usize> {
    let mut best: Option<usize> = None;
    for c in cands {
        if time_ok(&facts[c], at) {
            return Some(c);
        }
        if best.is_none_or(|b| facts[c].cert.not_after > facts[b].cert.not_after) {
            best = Some(c);
        }
    }
    best
}

fn build_chain(facts: &[Facts<'_>], store: &[usize], served: &[usize], at: i64) -> Built {
    let Some(&leaf) = served.first() else {
        return Built {
            chain: Vec::new(),
            error: Some(20),
        };
    };
    let mut chain = vec![Link { f: leaf }];
    let mut num_untrusted = 1;
    let mut pool: Vec<usize> = served.to_vec();
    let (mut s_untrusted, mut s_trusted) = (true, true);
    let mut trusted = false;
    // X509_STORE_CTX_get1_issuer: the store in insertion order (same-name entries keep it).
    let trusted_issuer = |curr: usize| {
        prefer(
            store
                .iter()
                .copied()
                .filter(|&t| likely_issued(&facts[t], &facts[curr])),
            facts,
            at,
        )
    };
    while s_untrusted || s_trusted {
        let num = chain.len();
        if s_trusted {
            let curr = chain[num - 1].f;
            let issuer = if num > MAX_CHAIN {
                None
            } else {
                trusted_issuer(curr)
            };
            if let Some(iss) = issuer {
                let mut ok = true;
                let mut ss = facts[curr].ss;
                let mut first_new = num;
                if !ss {
                    chain.push(Link { f: iss });
                    ss = facts[iss].ss;
                } else if facts[curr].cert.der() != facts[iss].cert.der() {
                    // A self-signed served certificate that only mimics a trust anchor.
                    ok = false;
                } else {
                    chain[num - 1] = Link { f: iss };
                    num_untrusted = num - 1;
                    first_new = num - 1;
                }
                if ok {
                    s_untrusted = false;
                    // check_trust over the certificates just taken from the store.
                    for l in &chain[first_new..] {
                        match check_trust(&facts[l.f], true) {
                            Trust::Trusted => trusted = true,
                            Trust::Rejected => {
                                return Built {
                                    chain,
                                    error: Some(CERT_REJECTED),
                                };
                            }
                            Trust::Untrusted => continue,
                        }
                        break;
                    }
                    if trusted {
                        break;
                    }
                    if !ss {
                        continue;
                    }
                }
            }
            if !s_untrusted {
                break;
            }
        }
        if s_untrusted {
            let num = chain.len();
            let curr = chain[num - 1].f;
            let issuer = if facts[curr].ss || num > MAX_CHAIN {
                None
            } else {
                let alone = facts[curr].si && chain.len() == 1;
                prefer(
                    pool.iter().copied().filter(|&p| {
                        likely_issued(&facts[p], &facts[curr])
                            && (alone
                                || !chain
                                    .iter()
                                    .any(|l| facts[l.f].cert.der() == facts[p].cert.der()))
                    }),
                    facts,
                    at,
                )
            };
            match issuer {
                None => {
                    s_untrusted = false;
                    s_trusted = true;
                }
                Some(i) => {
                    if let Some(pos) = pool.iter().position(|p| *p == i) {
                        pool.remove(pos);
                    }
                    chain.push(Link { f: i });
                    num_untrusted += 1;
                }
            }
        }
    }
    let num = chain.len();
    let error = if trusted {
        None
    } else if num > MAX_CHAIN {
        Some(22)
    } else if facts[chain[num - 1].f].ss {
        Some(if num == 1 { 18 } else { 19 })
    } else if num_untrusted < num {
        Some(2)
    } else {
        Some(20)
    };
    Built { chain, error }
}

impl Stack for Openssl {
    fn verify(&self, p: &Profile, req: &Request<'_>) -> Verdict {
        let mut reasons = Vec::new();
        let done = |code: i32, facts: &[Facts<'_>], path: &[Link], reasons: Vec<Reason>| {
            let anchor = path
                .last()
                .filter(|_| code == 0)
                .and_then(|l| match facts[l.f].at {
                    CertRef::Trust(i) => AnchorInfo::from_trust(req, i, "trust"),
                    CertRef::Chain(_) => None,
                });
            Verdict {
                profile: p.summary(),
                ok: code == 0,
                code: code.to_string(),
                code_name: (code != 0).then(|| code_name(code).to_string()),
                flags: None,
                flag_names: Vec::new(),
                anchor,
                path: path
                    .iter()
                    .map(|l| PathEntry {
                        at: facts[l.f].at,
                        subject: facts[l.f].cert.subject.to_string(),
                        flags: 0,
                        flag_names: Vec::new(),
                    })
                    .collect(),
                reasons,
            }
        };

        // tls_process_server_certificate: the list may not be empty...
        if req.chain.is_empty() {
            reasons.push(Reason::NoCertificate {
                code: format!("-{SSL_R_LENGTH_MISMATCH}"),
            });
            return done(-SSL_R_LENGTH_MISMATCH, &[], &[], reasons);
        }
        // ...and every entry must be exactly one certificate.
        let mut certs: Vec<&Certificate> = Vec::new();
        for (i, e) in req.chain.iter().enumerate() {
            match e.cert() {
                Some(c) if e.trailing() == 0 && d2i_integers_ok(c) => certs.push(c),
                Some(c) if e.trailing() == 0 => {
                    reasons.push(Reason::ChainCertUnparseable {
                        cert: super::entry_label(i, e),
                        code: format!("-{ERR_R_ASN1_LIB}"),
                        detail: format!(
                            "d2i_X509 cannot decode it: {} (ERR_R_ASN1_LIB)",
                            d2i_integers_problem(c).unwrap_or_default()
                        ),
                    });
                    return done(-ERR_R_ASN1_LIB, &[], &[], reasons);
                }
                Some(_) => {
                    reasons.push(Reason::ChainCertUnparseable {
                        cert: super::entry_label(i, e),
                        code: format!("-{SSL_R_CERT_LENGTH_MISMATCH}"),
                        detail:
                            "bytes after the certificate in its entry (SSL_R_CERT_LENGTH_MISMATCH)"
                                .into(),
                    });
                    return done(-SSL_R_CERT_LENGTH_MISMATCH, &[], &[], reasons);
                }
                None => {
                    reasons.push(Reason::ChainCertUnparseable {
                        cert: super::entry_label(i, e),
                        code: format!("-{ERR_R_ASN1_LIB}"),
                        detail: "d2i_X509 cannot decode it (ERR_R_ASN1_LIB)".into(),
                    });
                    return done(-ERR_R_ASN1_LIB, &[], &[], reasons);
                }
            }
        }

        // The store: trust certificates in order, byte-identical copies added once
        // (X509_STORE_add_cert); then the served certificates.
        let mut facts: Vec<Facts<'_>> = Vec::new();
        let mut store = Vec::new();
        for (i, a) in req.trust.iter().enumerate() {
            // The harness skips trust certificates d2i_X509 cannot decode.
            if let Some(c) = a.cert.as_ref().filter(|c| d2i_integers_ok(c)) {
                if facts.iter().any(|f| f.cert.der() == c.der()) {
                    continue;
                }
                store.push(facts.len());
                let mut f = Facts::new(c, CertRef::Trust(i));
                f.settings = a.settings.as_deref();
                facts.push(f);
            }
        }
        let mut served = Vec::new();
        for (i, c) in certs.iter().enumerate() {
            served.push(facts.len());
            facts.push(Facts::new(c, CertRef::Chain(i)));
        }
        let Some(&leaf) = served.first() else {
            return done(20, &facts, &[], reasons);
        };

        // X509_verify_cert: the leaf's key first (check_key_level).
        let level = p.security_level.unwrap_or(1);
        let want = |what: &str| {
            format!(
                "{what} (fewer than {} security bits, security level {level})",
                MINBITS[usize::from(level.clamp(1, 5)) - 1]
            )
        };
        if !key_level_ok(facts[leaf].key_bits, level) {
            reasons.push(Reason::BadKey {
                cert: facts[leaf].label(),
                key: want(&facts[leaf].cert.key.describe()),
            });
            return done(66, &facts, &[Link { f: leaf }], reasons);
        }

        let built = build_chain(&facts, &store, &served, req.at);
        let path = built.chain;
        let num = path.len();
        if let Some(code) = built.error {
            let top = &facts[path[num - 1].f];
            reasons.push(match code {
                22 => Reason::Other {
                    message: format!(
                        "the chain reached {num} certificates without a trust anchor (verify depth 100)"
                    ),
                },
                2 => Reason::Other {
                    message: format!(
                        "trust entry {} is not self-signed and its issuer '{}' is not in the trust store (OpenSSL needs a self-signed trust anchor, or one whose TRUSTED CERTIFICATE settings trust it for serverAuth)",
                        top.cert.label(),
                        top.cert.issuer
                    ),
                },
                CERT_REJECTED => {
                    let r = path
                        .iter()
                        .map(|l| &facts[l.f])
                        .find(|f| check_trust(f, true) == Trust::Rejected)
                        .unwrap_or(top);
                    Reason::Other {
                        message: format!(
                            "trust entry {} is a TRUSTED CERTIFICATE whose settings do not allow TLS server authentication ({}); OpenSSL rejects the chain (X509_V_ERR_CERT_REJECTED)",
                            r.cert.label(),
                            r.settings.map(TrustSettings::describe).unwrap_or_default()
                        ),
                    }
                }
                _ => Reason::NoTrustedIssuer {
                    cert: top.label(),
                    issuer: top.cert.issuer.to_string(),
                },
            });
            return done(code, &facts, &path, reasons);
        }

        // check_extensions, leaf upwards.
        let mut plen = 0u64;
        for (i, l) in path.iter().enumerate() {
            let f = &facts[l.f];
            if let Some(oid) = &f.critical {
                reasons.push(Reason::ChainCertUnparseable {
                    cert: f.label(),
                    code: "34".into(),
                    detail: format!("unhandled critical extension {oid}"),
                });
                return done(34, &facts, &path, reasons);
            }
            if f.proxy {
                reasons.push(Reason::Other {
                    message: format!("{} is a proxy certificate", f.cert.label()),
                });
                return done(40, &facts, &path, reasons);
            }
            if i > 0 {
                let ret = check_ca(f);
                if ret == 0 || (i + 1 < num && ret != 1) {
                    reasons.push(Reason::Other {
                        message: format!(
                            "{} is not a valid CA (X509_check_ca: basicConstraints cA, keyCertSign when keyUsage is present{})",
                            f.cert.label(),
                            if i + 1 < num {
                                ""
                            } else {
                                "; a trust anchor may also be a v1 root or lack basicConstraints"
                            }
                        ),
                    });
                    return done(79, &facts, &path, reasons);
                }
            }
            if num > 1 && (f.key.is_none() || f.explicit_curve) {
                let code = if f.key.is_none() { 1 } else { 94 };
                reasons.push(Reason::BadKeyType {
                    cert: f.label(),
                    key: f.cert.key.describe(),
                });
                return done(code, &facts, &path, reasons);
            }
            // check_purpose: trust settings that trust a store certificate for serverAuth
            // stand in for its purpose.
            let trusted_use =
                matches!(f.at, CertRef::Trust(_)) && check_trust(f, false) == Trust::Trusted;
            if let Err(why) =
                ssl_server_purpose(f, i > 0).or_else(|e| if trusted_use { Ok(()) } else { Err(e) })
            {
                reasons.push(match (i, f.xku) {
                    (0, Some(x)) if x & (XKU_SSL_SERVER | XKU_SGC) == 0 => Reason::ExtKeyUsage {
                        purposes: f.eku_names.clone(),
                    },
                    _ => Reason::Other {
                        message: format!("{} fails the sslserver purpose: {why}", f.cert.label()),
                    },
                });
                return done(26, &facts, &path, reasons);
            }
            if i > 1 {
                if let Some(pl) = f.pathlen {
                    if plen > pl {
                        reasons.push(Reason::Other {
                            message: format!(
                                "pathLenConstraint {pl} of {} exceeded by {plen} intermediates below it",
                                f.cert.label()
                            ),
                        });
                        return done(25, &facts, &path, reasons);
                    }
                }
            }
            if i > 0 && !f.si {
                plen += 1;
            }
        }

        // check_auth_level: issuer keys, and the signatures of all but the top.
        for (i, l) in path.iter().enumerate() {
            let f = &facts[l.f];
            if i > 0 && !key_level_ok(f.key_bits, level) {
                reasons.push(Reason::BadKey {
                    cert: f.label(),
                    key: want(&f.cert.key.describe()),
                });
                return done(67, &facts, &path, reasons);
            }
            if i + 1 < num && !sig_level_ok(f.sig_bits, level) {
                reasons.push(Reason::BadHash {
                    cert: f.label(),
                    algorithm: want(&f.cert.sig_alg.name()),
                });
                return done(68, &facts, &path, reasons);
            }
        }

        // check_id.
        if let HostCheck::Name(h) = req.host {
            let f = &facts[leaf];
            let (ok, code) = match h.parse::<std::net::IpAddr>() {
                Ok(std::net::IpAddr::V4(a)) => (ip_matches(f, &a.octets()), 64),
                Ok(std::net::IpAddr::V6(a)) => (ip_matches(f, &a.octets()), 64),
                Err(_) => (host_matches(f, h), 62),
            };
            if !ok {
                let mut names: Vec<String> = f.san.iter().flatten().map(Gn::describe).collect();
                names.extend(
                    f.cert
                        .subject
                        .attrs()
                        .filter(|a| a.oid == "2.5.4.3")
                        .map(|a| format!("CN:{}", a.text())),
                );
                reasons.push(Reason::HostnameMismatch {
                    host: h.to_string(),
                    names,
                });
                return done(code, &facts, &path, reasons);
            }
        }

        // internal_verify: signatures and validity, top down.
        let top = &facts[path[num - 1].f];
        let mut n = num - 1;
        let mut xi = n;
        if !likely_issued(top, top) {
            if n == 0 {
                reasons.push(Reason::Other {
                    message: "the only certificate is not self-issued".into(),
                });
                return done(21, &facts, &path, reasons);
            }
            n -= 1;
        }
        loop {
            let xs_f = &facts[path[n].f];
            if n != xi {
                let xi_f = &facts[path[xi].f];
                if xi_f.ku.is_some_and(|k| k & KU_KEY_CERT_SIGN == 0) {
                    reasons.push(Reason::Other {
                        message: format!("{} has keyUsage without keyCertSign", xi_f.cert.label()),
                    });
                    return done(32, &facts, &path, reasons);
                }
                if xi_f.key.is_none() {
                    reasons.push(Reason::BadKeyType {
                        cert: xi_f.label(),
                        key: xi_f.cert.key.describe(),
                    });
                    return done(6, &facts, &path, reasons);
                }
                if !x509_verify(xs_f.cert, xi_f.cert) {
                    reasons.push(Reason::BadSignature {
                        cert: xs_f.label(),
                        by: xi_f.label(),
                    });
                    return done(7, &facts, &path, reasons);
                }
            }
            let c = xs_f.cert;
            if !xs_f.not_before_ok {
                reasons.push(Reason::Other {
                    message: format!("{}: notBefore is not in RFC 5280 form", c.label()),
                });
                return done(13, &facts, &path, reasons);
            }
            if c.not_before > req.at {
                reasons.push(Reason::NotYetValid {
                    cert: xs_f.label(),
                    not_before: time_text(c.not_before),
                });
                return done(9, &facts, &path, reasons);
            }
            if !xs_f.not_after_ok {
                reasons.push(Reason::Other {
                    message: format!("{}: notAfter is not in RFC 5280 form", c.label()),
                });
                return done(14, &facts, &path, reasons);
            }
            if c.not_after <= req.at {
                reasons.push(Reason::Expired {
                    cert: xs_f.label(),
                    not_after: time_text(c.not_after),
                });
                return done(10, &facts, &path, reasons);
            }
            if n == 0 {
                break;
            }
            xi = n;
            n -= 1;
        }

        // check_name_constraints: top down, each against the constraints above it.
        for i in (0..num).rev() {
            let x = &facts[path[i].f];
            if i != 0 && x.si {
                continue;
            }
            for j in (i + 1..num).rev() {
                let Some(nc) = &facts[path[j].f].nc else {
                    continue;
                };
                let (mut rv, mut what) = nc_check(x, nc);
                let dns_san = x.san.iter().flatten().any(|g| matches!(g, Gn::Dns(_)));
                if rv == NC_OK && i == 0 && !dns_san {
                    (rv, what) = nc_check_cn(x, nc);
                }
                if rv != NC_OK {
                    reasons.push(Reason::Other {
                        message: format!(
                            "{} ({what}) violates the name constraints of {}",
                            x.cert.label(),
                            facts[path[j].f].cert.label()
                        ),
                    });
                    return done(rv, &facts, &path, reasons);
                }
            }
        }
        done(0, &facts, &path, reasons)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsa_security_bits_are_openssls_fixed_point_estimate() {
        // Measured on OpenSSL 3.0.19 (EVP_PKEY_get_security_bits).
        for (bits, want) in [
            (919, 72),
            (920, 80),
            (1024, 80),
            (2048, 112),
            (3072, 128),
            (4096, 152),
        ] {
            assert_eq!(ifc_secbits(bits), want, "{bits}");
        }
    }

    #[test]
    fn canonical_names_fold_case_and_space() {
        assert_eq!(
            canon_value(19, b"  Anchorkit   TEST "),
            (12, b"anchorkit test".to_vec())
        );
        assert_eq!(canon_value(18, b"12"), (18, b"12".to_vec()));
    }

    #[test]
    fn dns_constraints() {
        assert_eq!(nc_dns(b"a.example.com", b"example.com"), NC_OK);
        assert_eq!(nc_dns(b"aexample.com", b"example.com"), NC_PERMITTED);
        assert_eq!(nc_dns(b"example.com", b".example.com"), NC_PERMITTED);
        assert_eq!(nc_dns(b"a.EXAMPLE.com", b".example.com"), NC_OK);
        assert_eq!(nc_dns(b"anything", b""), NC_OK);
    }

    #[test]
    fn uri_and_ip_constraints() {
        assert_eq!(nc_uri(b"https://a.example.com/x", b".example.com"), NC_OK);
        assert_eq!(nc_uri(b"https://example.com:443", b"example.com"), NC_OK);
        assert_eq!(nc_uri(b"urn:example", b"example.com"), NC_SYNTAX);
        assert_eq!(
            nc_ip(&[192, 0, 2, 9], &[192, 0, 2, 0, 255, 255, 255, 0]),
            NC_OK
        );
        assert_eq!(
            nc_ip(&[198, 51, 100, 9], &[192, 0, 2, 0, 255, 255, 255, 0]),
            NC_PERMITTED
        );
    }

    #[test]
    fn cn_as_dns_id() {
        assert_eq!(
            cn2dnsid(12, b"device.example.test"),
            Ok(Some(b"device.example.test".to_vec()))
        );
        assert_eq!(cn2dnsid(12, b"device"), Ok(None));
        assert_eq!(cn2dnsid(12, b"my device.example"), Ok(None));
    }

    fn top(v: &[u8]) -> Tlv<'_> {
        ber_tlv(v).expect("element").0
    }

    #[test]
    fn extension_values_follow_the_template_decoder() {
        // keyUsage: the byte after the BIT STRING is never looked at (ASN1_item_d2i).
        let ku = [0x03, 0x02, 0x07, 0x80, 0x00];
        assert_eq!(bits_value(&top(&ku)).ok(), Some(vec![0x80]));
        // pathLen 1 written 02 02 00 01: c2i_ibuf's ILLEGAL_PADDING.
        let bc = [0x30, 0x07, 0x01, 0x01, 0xff, 0x02, 0x02, 0x00, 0x01];
        assert!(basic_constraints(&top(&bc)).is_err());
        let bc = [0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0x01];
        assert!(basic_constraints(&top(&bc)).is_ok());
        // 00 80 is minimal (128), FF 7F is minimal (-129), FF 80 is not.
        assert!(int_minimal(&[0x00, 0x80]) && int_minimal(&[0xff, 0x7f]));
        assert!(!int_minimal(&[0xff, 0x80]) && !int_minimal(&[]));
        // BER: a long-form length, and an indefinite SEQUENCE OF.
        let san = [0x30, 0x81, 0x03, 0x82, 0x01, b'a'];
        assert!(general_names(&top(&san)).is_ok());
        let san = [0x30, 0x80, 0x82, 0x01, b'a', 0x00, 0x00];
        assert!(matches!(general_names(&top(&san)).as_deref(), Ok([Gn::Dns(d)]) if d == b"a"));
        // An indefinite length on a primitive is a header error.
        assert!(ber_tlv(&[0x04, 0x80, 0x00, 0x00]).is_err());
    }

    #[test]
    fn other_name_value_is_explicit() {
        let oid = [0x06, 0x03, 0x2b, 0x06, 0x01];
        let mut ok = vec![0xa0, 0x09];
        ok.extend(oid);
        ok.extend([0xa0, 0x02, 0x05, 0x00]);
        assert!(matches!(general_name(&top(&ok)), Ok(Gn::Other(o)) if o == "1.3.6.1"));
        // The value as a bare NULL, not [0] EXPLICIT.
        let mut bad = vec![0xa0, 0x07];
        bad.extend(oid);
        bad.extend([0x05, 0x00]);
        assert!(general_name(&top(&bad)).is_err());
        // The ANY is decoded as its type: a padded INTEGER fails.
        let mut bad = vec![0xa0, 0x0b];
        bad.extend(oid);
        bad.extend([0xa0, 0x04, 0x02, 0x02, 0x00, 0x01]);
        assert!(general_name(&top(&bad)).is_err());
        // An unknown context tag matches no alternative.
        assert!(general_name(&top(&[0x89, 0x00])).is_err());
    }
}
