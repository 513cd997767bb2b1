//! wolfSSL 5.5 as a TLS client processes the peer chain (`ProcessPeerCerts` in `internal.c`),
//! as Debian builds it (`--enable-distro`: `OPENSSL_ALL`, `OPENSSL_COMPATIBLE_DEFAULTS`,
//! `WOLFSSL_ALT_CERT_CHAINS`, `WOLFSSL_TRUST_PEER_CERT`, `WOLFSSL_VERIFY_CB_ALL_CERTS`, the
//! original (non-template) ASN.1 code, minimum keys RSA 1024 / ECC 224 bits), with the CA list
//! loaded by `wolfSSL_CTX_load_verify_buffer` before `WOLFSSL_VERIFY_PEER` is set, a verify
//! callback that returns `preverify_ok`, and `wolfSSL_check_domain_name`.
//!
//! The model, function by function (5.5.4 source):
//!
//! * Loading (`wolfSSL_CTX_load_verify_buffer_ex`, `ProcessBuffer`, `AddCA`): a new context
//!   has `SSL_VERIFY_NONE` (`OPENSSL_COMPATIBLE_DEFAULTS`), so every certificate is parsed with
//!   `NO_VERIFY`: no date and no key-size check, CA or not (`WOLFSSL_USER_CA`). It fails only on
//!   a decoding error (`DecodeCertExtensions`: an unknown critical extension, nameConstraints
//!   before basicConstraints, a duplicated extension; an unsupported curve). A signer whose
//!   subject key identifier is already loaded is not added again (`AlreadySigner`). Each
//!   certificate that loaded is also a trusted peer (`wolfSSL_CTX_trust_peer_buffer`).
//! * Trusted peer (`GetTrustedPeer`, `MatchTrustedPeer`): a leaf whose subject (and subject key
//!   identifier, when it has the extension) and signature bytes equal a loaded certificate's is
//!   accepted without any chain processing, dates or signature: only EKU and the hostname.
//! * The list is read up to `MAX_CHAIN_DEPTH` (9) certificates: with `OPENSSL_EXTRA` the rest
//!   is ignored, without it a tenth ends the handshake (`MAX_CHAIN_ERROR`, -368).
//! * Decoding (`DecodeToKey`, `GetCertKey`, `DecodeCertExtensions`, `DecodeExtensionType`) is
//!   wolfSSL's own DER reading, re-done here on the raw bytes: the key readers stop where their
//!   key ends, and whatever is left before the signature algorithm is taken for the
//!   extensions block (an EC key with explicit parameters, bytes after an RSAPublicKey, a
//!   unique identifier: -141 below v3, else -140). Each known extension has its decoder's
//!   rules (an AKI must hold a non-empty keyIdentifier first or none; nameConstraints subtrees
//!   and bases must not be empty; AIA/SIA/policies/CRL DP/EKU/KU/BC as the loops read them);
//!   subjectAltName errors keep their code (an iPAddress other than 4 or 16 bytes is -125,
//!   MEMORY_E, from `GenerateDNSEntryIPString`).
//! * The leaf is first parsed without verification: decoding errors and an unknown critical
//!   extension end the handshake at once.
//! * Chain certificates are processed from the last one down to index 1 (`ParseCertRelative`,
//!   `VERIFY`): signer by authority key identifier (then by the certificate's own subject key
//!   identifier), which must carry the issuer name; by name only without an authority key
//!   identifier (`GetCA`, `GetCAByName`); path length (`maxPathLen`, -238), signature (-155,
//!   or -152 when the algorithm does not fit the signer's key; -173 from a DSA signer, whose
//!   key `AddCA` does not keep), the signer's DNS / e-mail /
//!   directory name constraints (-198), no signer (-188; a self-signed one -275, which
//!   `LoadCertByIssuer` turns into -188 for chain certificates), then dates (expiry before
//!   not-yet-valid), then an unknown critical extension (-160); an RSA key under 1024 bits is
//!   -409 (`ProcessPeerCertCheckKey`). A CA whose error is -188 is skipped silently and clears
//!   the pending callback failure (`WOLFSSL_ALT_CERT_CHAINS`); any other error fails the
//!   callback and is remembered (`lastErr`, the first one). A CA that verified is added as a
//!   signer unless one with its key identifier exists; without keyCertSign `AddCA` refuses it
//!   (-357, remembered but not a callback failure).
//! * The leaf (`VERIFY`): verified -> a callback failure earlier reports the first remembered
//!   error; failed -> its own error, at once when a callback failed earlier. Otherwise its
//!   extendedKeyUsage must allow serverAuth or any (-386) and the host must match (-322), each
//!   replacing the error so far; a leaf RSA key under 1024 bits is -409; a remembered error is
//!   reported when nothing else failed. keyUsage is not checked in TLS 1.3.
//! * Host (`CheckForAltNames`, `MatchDomainName`): every DNS, URI, IP (as text), UPN and FASC-N
//!   SAN entry, the subject CN only when there is none of them; `*` matches within one label
//!   anywhere in the pattern.

use sha1::Digest;
use x509_parser::prelude::{FromDer, X509Certificate};

use super::{
    AnchorInfo, CertLabel, CertRef, HostCheck, PathEntry, Reason, Request, Stack, Verdict, label,
    time_text,
};
use crate::cert::{Certificate, Curve, KeyKind, SigAlg};
use crate::crypto::{SigCheck, verify_signature};
use crate::profile::{Profile, WolfsslBuild};

/// The wolfSSL stack.
pub struct Wolfssl;

/// `WOLFSSL_FATAL_ERROR`: a call failed before the handshake.
const FATAL_ERROR: i32 = -1;
const MEMORY_E: i32 = -125;
const BUFFER_E: i32 = -132;
const ASN_PARSE_E: i32 = -140;
const ASN_VERSION_E: i32 = -141;
const ASN_OBJECT_ID_E: i32 = -144;
/// `HASH_TYPE_E`: the digest is not compiled in.
const HASH_TYPE_E: i32 = -232;
const ASN_EXPECT_0_E: i32 = -146;
const ASN_BITSTR_E: i32 = -147;
const ASN_UNKNOWN_OID_E: i32 = -148;
const ASN_BEFORE_DATE_E: i32 = -150;
const ASN_AFTER_DATE_E: i32 = -151;
const ASN_SIG_OID_E: i32 = -152;
const ASN_SIG_CONFIRM_E: i32 = -155;
const ASN_CRIT_EXT_E: i32 = -160;
const ECC_CURVE_OID_E: i32 = -172;
const BAD_FUNC_ARG: i32 = -173;
const ASN_NO_SIGNER_E: i32 = -188;
const ASN_NAME_INVALID_E: i32 = -198;
const ASN_PATHLEN_INV_E: i32 = -238;
/// `KEYUSAGE_E`: a bad keyUsage (keyCertSign on a certificate that is not a CA).
const KEYUSAGE_E: i32 = -226;
const ASN_SELF_SIGNED_E: i32 = -275;
const DOMAIN_NAME_MISMATCH: i32 = -322;
const PEER_KEY_ERROR: i32 = -342;
const NO_PEER_CERT: i32 = -345;
const HANDSHAKE_SIZE_ERROR: i32 = -404;
const NOT_CA_ERROR: i32 = -357;
const EXTKEYUSE_AUTH_E: i32 = -386;
const RSA_KEY_SIZE_E: i32 = -409;

/// `MAX_CHAIN_DEPTH` (`internal.h`): certificates read from the Certificate message.
const MAX_CHAIN_DEPTH: usize = 9;
/// `MAX_CHAIN_ERROR`: more certificates than `MAX_CHAIN_DEPTH`.
const MAX_CHAIN_ERROR: i32 = -368;
/// `WOLFSSL_MAX_PATH_LEN` (`asn.h`).
const MAX_PATH_LEN: u8 = 127;
/// `WOLFSSL_MIN_RSA_BITS` / 8.
const MIN_RSA_BYTES: usize = 128;
/// MAX_ENCODED_SIG_SZ (asn.h): the largest RSA signature ConfirmSignature takes.
const MAX_ENCODED_SIG_SZ: usize = 512;
/// The largest RSA modulus an `mp_int` holds: SP_INT_DIGITS (SP_INT_BITS 4096 in this build,
/// doubled for products, plus one) 64-bit digits.
const MAX_MP_BYTES: usize = (4096 / 64 * 2 + 1) * 8;
/// MAX_HANDSHAKE_SZ: MAX_CERTIFICATE_SZ = 3 + (MAX_X509_SIZE 2048 + 3) * MAX_CHAIN_DEPTH.
const MAX_HANDSHAKE_SZ: usize = 3 + (2048 + 3) * MAX_CHAIN_DEPTH;
/// `CA_TABLE_SIZE`: rows of the signer table.
const CA_TABLE_SIZE: u32 = 11;

fn code_name(code: i32) -> &'static str {
    match code {
        MEMORY_E => "MEMORY_E",
        NO_PEER_CERT => "NO_PEER_CERT",
        FATAL_ERROR => "WOLFSSL_FATAL_ERROR",
        BUFFER_E => "BUFFER_E",
        ASN_PARSE_E => "ASN_PARSE_E",
        ASN_VERSION_E => "ASN_VERSION_E",
        ASN_OBJECT_ID_E => "ASN_OBJECT_ID_E",
        ASN_EXPECT_0_E => "ASN_EXPECT_0_E",
        ASN_BITSTR_E => "ASN_BITSTR_E",
        ASN_UNKNOWN_OID_E => "ASN_UNKNOWN_OID_E",
        ASN_BEFORE_DATE_E => "ASN_BEFORE_DATE_E",
        ASN_AFTER_DATE_E => "ASN_AFTER_DATE_E",
        KEYUSE_SIGNATURE_E => "KEYUSE_SIGNATURE_E",
        ASN_SIG_OID_E => "ASN_SIG_OID_E",
        ASN_SIG_CONFIRM_E => "ASN_SIG_CONFIRM_E",
        ASN_CRIT_EXT_E => "ASN_CRIT_EXT_E",
        ECC_CURVE_OID_E => "ECC_CURVE_OID_E",
        HASH_TYPE_E => "HASH_TYPE_E",
        MAX_CHAIN_ERROR => "MAX_CHAIN_ERROR",
        BAD_FUNC_ARG => "BAD_FUNC_ARG",
        ASN_NO_SIGNER_E => "ASN_NO_SIGNER_E",
        ASN_NAME_INVALID_E => "ASN_NAME_INVALID_E",
        ASN_PATHLEN_INV_E => "ASN_PATHLEN_INV_E",
        KEYUSAGE_E => "KEYUSAGE_E",
        ASN_SELF_SIGNED_E => "ASN_SELF_SIGNED_E",
        DOMAIN_NAME_MISMATCH => "DOMAIN_NAME_MISMATCH",
        PEER_KEY_ERROR => "PEER_KEY_ERROR",
        HANDSHAKE_SIZE_ERROR => "HANDSHAKE_SIZE_ERROR",
        NOT_CA_ERROR => "NOT_CA_ERROR",
        EXTKEYUSE_AUTH_E => "EXTKEYUSE_AUTH_E",
        RSA_KEY_SIZE_E => "RSA_KEY_SIZE_E",
        _ => "WOLFSSL_ERROR",
    }
}

/// An error with the facts behind it.
#[derive(Debug, Clone)]
struct Fail {
    code: i32,
    reason: Reason,
}

fn fail(code: i32, reason: Reason) -> Fail {
    Fail { code, reason }
}

fn unparseable(cert: CertLabel, code: i32, detail: String) -> Fail {
    fail(
        code,
        Reason::ChainCertUnparseable {
            cert,
            code: code.to_string(),
            detail: format!("{detail} ({})", code_name(code)),
        },
    )
}

fn other(code: i32, message: String) -> Fail {
    fail(
        code,
        Reason::Other {
            message: format!("{message} ({code}, {})", code_name(code)),
        },
    )
}

/// Name-constraint and SAN name types (`ASN_*_TYPE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NameType {
    Email,
    Dns,
    Dir,
    Uri,
    Ip,
    /// A UPN or FASC-N otherName (`ASN_OTHER_TYPE`), kept among the alt names.
    Other,
}

/// One name of a certificate as wolfSSL keeps it (`DNS_entry`, `Base_entry`).
#[derive(Debug, Clone)]
struct WName {
    ty: NameType,
    bytes: Vec<u8>,
}

/// A certificate as `DecodeToKey` / `DecodeCertExtensions` leave it (`DecodedCert`).
struct Decoded<'a> {
    cert: &'a Certificate,
    at: CertRef,
    /// issuer name == subject name (`selfSigned`).
    self_signed: bool,
    /// `isCA` as far as the extensions were decoded.
    is_ca: bool,
    path_len: Option<u8>,
    /// keyCertSign asserted (keyUsage present and has it).
    ku_cert_sign: Option<bool>,
    /// keyUsage digitalSignature, when the extension is there.
    ku_digital_sig: Option<bool>,
    /// extendedKeyUsage present: whether it allows serverAuth or any.
    eku_server: Option<bool>,
    /// `extSubjKeyId`: the extension (hashed unless 20 bytes) or SHA-1 of the stored key.
    skid: [u8; 20],
    /// The subjectKeyIdentifier extension is present.
    skid_ext: bool,
    /// `extAuthKeyId` when `extAuthKeyIdSet`.
    akid: Option<[u8; 20]>,
    permitted: Vec<WName>,
    excluded: Vec<WName>,
    /// `altNames`: DNS, URI and IP entries in order.
    alt_names: Vec<WName>,
    alt_emails: Vec<Vec<u8>>,
    alt_dirs: Vec<Vec<u8>>,
    /// The last CN of the subject.
    subject_cn: Option<Vec<u8>>,
    subject_email: Option<Vec<u8>>,
    /// The subject Name's contents (without its SEQUENCE header).
    subject_content: Vec<u8>,
    /// RSA: length of the RSAPublicKey (`pubKeySize`).
    rsa_pub_len: Option<usize>,
    /// A decoding error `ParseCertRelative` returns at once.
    failure: Option<Fail>,
    /// An unknown critical extension (returned last).
    critical: Option<String>,
    /// Its key is on a curve this build does not have (found when the key is used).
    unusable_curve: bool,
    /// Its signature's digest is not in this build (MD5 without MD5).
    hash_unavailable: bool,
    /// 5.9's checks of served CAs (`CHAIN_CERT_TYPE`: path length, extendedKeyUsage).
    chain_ca_checks: bool,
}

fn hash_id(id: &[u8]) -> [u8; 20] {
    match <[u8; 20]>::try_from(id) {
        Ok(a) => a,
        Err(_) => sha1::Sha1::digest(id).into(),
    }
}

fn contents(der: &[u8]) -> Vec<u8> {
    crate::cert::der_contents(der).to_vec()
}

/// Extensions `DecodeExtensionType` flags with `VERIFY_AND_SET_OID` (a second one is -144).
const TRACKED: &[&str] = &[
    "2.5.29.19",
    "2.5.29.31",
    "1.3.6.1.5.5.7.1.1",
    "2.5.29.17",
    "2.5.29.35",
    "2.5.29.14",
    "2.5.29.32",
    "2.5.29.15",
    "2.5.29.37",
    "2.5.29.30",
    "2.5.29.54",
    "1.3.6.1.5.5.7.48.1.5",
    "2.5.29.36",
    "2.5.29.9",
    "1.3.6.1.5.5.7.1.11",
];

fn curve_supported(c: &Curve, b: &WolfsslBuild) -> bool {
    // ECC_MIN_KEY_SZ 224 compiles out the smaller curves; Debian's distro build has the
    // SECPR2/SECPR3, Koblitz and Brainpool curves, but FP_ECC (the fixed-point cache) drops
    // secp224k1 from ecc_sets (ecc.c: `HAVE_ECC_KOBLITZ && !FP_ECC`).
    match c {
        Curve::P192 => false,
        Curve::P224 | Curve::P256 | Curve::P384 | Curve::P521 => true,
        Curve::Secp256k1
        | Curve::BrainpoolP256r1
        | Curve::BrainpoolP384r1
        | Curve::BrainpoolP512r1 => b.more_curves,
        Curve::Other(oid) => {
            b.more_curves
                && matches!(
                    oid.as_str(),
                    "1.2.840.10045.3.1.4"
                        | "1.2.840.10045.3.1.5"
                        | "1.2.840.10045.3.1.6"
                        | "1.3.36.3.3.2.8.1.1.5"
                        | "1.3.36.3.3.2.8.1.1.9"
                )
        }
    }
}

// wolfSSL's own DER reading (asn.c, the non-template code this build compiles): lengths, tags
// and headers as GetLength / GetASNTag / GetASNHeader read them, each failure with its code.

/// `GetLength` (`GetLength_ex` with the buffer check): the length at `*idx`, which moves past
/// the length bytes.
fn asn_length(input: &[u8], idx: &mut usize, max: usize) -> Result<usize, i32> {
    let max = max.min(input.len());
    let mut i = *idx;
    if i + 1 > max {
        return Err(BUFFER_E);
    }
    let b = input[i];
    i += 1;
    let length = if b >= 0x80 {
        let bytes = usize::from(b & 0x7f);
        let min_len: u64 = match (b, bytes) {
            (0x80, _) => 0,
            (_, 1) => 0x80,
            (_, n) if n > 4 => return Err(ASN_PARSE_E),
            (_, n) => 1 << ((n - 1) * 8),
        };
        if i + bytes > max {
            return Err(BUFFER_E);
        }
        let v = input[i..i + bytes]
            .iter()
            .fold(0u64, |a, x| (a << 8) | u64::from(*x));
        i += bytes;
        // Beyond INT_MAX (a negative int), or longer than needed.
        if v > i32::MAX as u64 || v < min_len {
            return Err(ASN_PARSE_E);
        }
        v as usize
    } else {
        usize::from(b)
    };
    if i + length > max {
        return Err(BUFFER_E);
    }
    *idx = i;
    Ok(length)
}

/// `GetASNTag`.
fn asn_tag(input: &[u8], idx: &mut usize, max: usize) -> Result<u8, i32> {
    let max = max.min(input.len());
    if *idx + 1 > max {
        return Err(BUFFER_E);
    }
    let t = input[*idx];
    *idx += 1;
    Ok(t)
}

/// The tag at `idx` without moving, when there is one before `max`.
fn asn_peek(input: &[u8], idx: usize, max: usize) -> Option<u8> {
    (idx < max.min(input.len())).then(|| input[idx])
}

/// `GetASNHeader`: tag `tag` and its length; every failure is `ASN_PARSE_E`.
fn asn_header(input: &[u8], tag: u8, idx: &mut usize, max: usize) -> Result<usize, i32> {
    let mut i = *idx;
    match asn_tag(input, &mut i, max) {
        Ok(t) if t == tag => {}
        _ => return Err(ASN_PARSE_E),
    }
    let len = asn_length(input, &mut i, max).map_err(|_| ASN_PARSE_E)?;
    *idx = i;
    Ok(len)
}

/// `GetSequence`.
fn asn_sequence(input: &[u8], idx: &mut usize, max: usize) -> Result<usize, i32> {
    asn_header(input, 0x30, idx, max)
}

/// `GetASNObjectId` and the OID bytes, which `GetOID` then moves past.
fn asn_oid<'a>(input: &'a [u8], idx: &mut usize, max: usize) -> Result<&'a [u8], i32> {
    let len = asn_header(input, 0x06, idx, max)?;
    let oid = &input[*idx..*idx + len];
    *idx += len;
    Ok(oid)
}

/// wolfSSL identifies OIDs by the sum of their bytes.
fn oid_sum(oid: &[u8]) -> u32 {
    oid.iter().map(|b| u32::from(*b)).sum()
}

/// `GetOID`'s check: an OID with the sum of a known one of its kind (`OidFromId`) but other
/// bytes is `ASN_UNKNOWN_OID_E`.
fn oid_known(oid: &[u8], known: &[&[u8]]) -> Result<u32, i32> {
    let sum = oid_sum(oid);
    match known.iter().any(|k| oid_sum(k) == sum && *k != oid) {
        true => Err(ASN_UNKNOWN_OID_E),
        false => Ok(sum),
    }
}

/// `CheckBitString`: `*idx` moves to the contents after the unused-bits byte; their length.
fn asn_bit_string(
    input: &[u8],
    idx: &mut usize,
    max: usize,
    zero_bits: bool,
) -> Result<usize, i32> {
    let max = max.min(input.len());
    let mut i = *idx;
    match asn_tag(input, &mut i, max) {
        Ok(0x03) => {}
        _ => return Err(ASN_BITSTR_E),
    }
    let length = asn_length(input, &mut i, max).map_err(|_| ASN_PARSE_E)?;
    if length == 0 || i + 1 > max {
        return Err(BUFFER_E);
    }
    let unused = input[i];
    if zero_bits && unused != 0 {
        return Err(ASN_EXPECT_0_E);
    }
    if unused >= 8 || (unused != 0 && input[i + length - 1] << (8 - unused) != 0) {
        return Err(ASN_PARSE_E);
    }
    *idx = i + 1;
    Ok(length - 1)
}

/// `GetASNInt`: an INTEGER's length after a leading zero, refusing bad padding.
fn asn_int(input: &[u8], idx: &mut usize, max: usize) -> Result<usize, i32> {
    let mut len = asn_header(input, 0x02, idx, max)?;
    if len > 1 && input[*idx] == 0xff && input[*idx + 1] & 0x80 != 0 {
        return Err(ASN_PARSE_E);
    }
    if len > 1 && input[*idx] == 0 {
        *idx += 1;
        len -= 1;
        if input[*idx] & 0x80 == 0 {
            return Err(ASN_PARSE_E);
        }
    }
    Ok(len)
}

const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_RSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_DSA: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
const OID_ED448: &[u8] = &[0x2b, 0x65, 0x71];
/// id-on-hardwareModuleName (`HW_NAME_OID`, the only alt-name OID `OidFromId` knows).
const OID_HW_NAME: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x08, 0x04];
/// `FASCN_OID` and `UPN_OID`: other names recognised by their sum alone.
const FASCN_SUM: u32 = 419;
const UPN_SUM: u32 = 265;
/// id-ad-ocsp, id-ad-caIssuers, id-ad-caRepository (`oidCertAuthInfoType`).
const OID_AD_OCSP: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01];
const OID_AD_CA_ISSUERS: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02];
const OID_AD_CA_REPOSITORY: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x05];
const AUTH_INFO_OIDS: &[&[u8]] = &[OID_AD_OCSP, OID_AD_CA_ISSUERS, OID_AD_CA_REPOSITORY];
/// id-pda-* 1 to 5 (`oidSubjDirAttrType`); 4 is countryOfCitizenship.
const SDA_OIDS: &[&[u8]] = &[
    &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x09, 0x01],
    &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x09, 0x02],
    &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x09, 0x03],
    &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x09, 0x04],
    &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x09, 0x05],
];
const EKU_ANY: &[u8] = &[0x55, 0x1d, 0x25, 0x00];
const EKU_SERVER_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
/// `KEYUSE_KEY_CERT_SIGN`: the first content byte of the bit string, as is.
const KEYUSE_KEY_CERT_SIGN: u16 = 0x0004;
const KEYUSE_DIGITAL_SIG: u16 = 0x0080;
const KEYUSE_SIGNATURE_E: i32 = -383;

/// What `GetCertKey` reads of the SubjectPublicKeyInfo.
struct CertKey {
    /// Where it stops (an offset into the SubjectPublicKeyInfo).
    end: usize,
    /// The stored `publicKey` (what a missing subjectKeyIdentifier is hashed from).
    stored: std::ops::Range<usize>,
    /// RSA: `pubKeySize`.
    rsa_len: Option<usize>,
    /// An EC key with explicit (specified) domain parameters.
    explicit: bool,
}

/// Whether RSASSA-PSS-params content holds the `[n]` field (absent fields are "not set" for
/// a key's parameters).
fn pss_field(content: &[u8], n: u8) -> bool {
    let mut i = 0;
    while i + 1 < content.len() {
        let tag = content[i];
        let Some(total) = crate::cert::der_tlv_len(&content[i..]) else {
            return false;
        };
        if tag == 0xa0 + n {
            return true;
        }
        i += total;
    }
    false
}

/// `GetCertKey` (with `GetAlgoId`, `StoreRsaKey`, `StoreEccKey`, `StoreKey`, `ParseDsaKey`).
/// `GetAlgoId` leaves the index right after the OID (and a NULL), inside the
/// AlgorithmIdentifier; each key reader goes on from there.
fn cert_key(
    spki: &[u8],
    key: &KeyKind,
    sig: &SigAlg,
    b: &WolfsslBuild,
) -> Result<CertKey, (i32, String)> {
    let bad = |code: i32, what: &str| (code, what.to_string());
    let mut idx = 0;
    let len = asn_sequence(spki, &mut idx, spki.len())
        .map_err(|_| bad(ASN_PARSE_E, "its SubjectPublicKeyInfo is not a SEQUENCE"))?;
    let max = idx + len;
    let alg_error = || bad(ASN_PARSE_E, "its key AlgorithmIdentifier cannot be decoded");
    asn_sequence(spki, &mut idx, max).map_err(|_| alg_error())?;
    let oid = asn_oid(spki, &mut idx, max).map_err(|_| alg_error())?;
    if asn_peek(spki, idx, max) == Some(0x05) {
        // GetASNNull.
        if idx + 2 > max || spki[idx + 1] != 0 {
            return Err(alg_error());
        }
        idx += 2;
    }
    let key_at = |end: usize, stored: std::ops::Range<usize>| CertKey {
        end,
        stored,
        rsa_len: None,
        explicit: false,
    };
    if oid == OID_RSA || oid == OID_RSA_PSS {
        if oid == OID_RSA_PSS && asn_peek(spki, idx, max) == Some(0x30) {
            // The key's RSA-PSS parameters bind the certificate's own signature: its digest
            // and MGF1 digest when the key names them, a salt at least as long (the
            // signature's parameters default to SHA-1, MGF1-SHA-1, salt 20, also for a
            // PKCS#1 v1.5 signature).
            let l = asn_sequence(spki, &mut idx, max)
                .map_err(|_| bad(ASN_PARSE_E, "its RSA-PSS key parameters cannot be decoded"))?;
            let content = spki.get(idx..idx + l).unwrap_or_default();
            if let SigAlg::RsaPss {
                hash: kh,
                mgf1: km,
                salt_len: ks,
                ..
            } = SigAlg::from_parts("1.2.840.113549.1.1.10", Some(content))
            {
                let (sh, sm, ss) = match sig {
                    SigAlg::RsaPss {
                        hash,
                        mgf1,
                        salt_len,
                        ..
                    } => (*hash, *mgf1, *salt_len),
                    _ => (
                        Some(crate::cert::HashAlg::Sha1),
                        Some(crate::cert::HashAlg::Sha1),
                        20,
                    ),
                };
                let key_hash = pss_field(content, 0).then_some(kh);
                let key_mgf = pss_field(content, 1).then_some(km);
                let key_salt = if pss_field(content, 2) { ks } else { 0 };
                if key_hash.is_some_and(|h| h != sh)
                    || key_mgf.is_some_and(|m| m != sm)
                    || key_salt > ss
                {
                    return Err(bad(
                        ASN_PARSE_E,
                        "its RSA-PSS key parameters do not match its own signature's (digest, MGF1 digest, salt length)",
                    ));
                }
            }
            idx += l;
        }
        let pub_len = asn_bit_string(spki, &mut idx, max, true)
            .map_err(|_| bad(ASN_PARSE_E, "its RSA key BIT STRING cannot be decoded"))?;
        let pub_idx = idx;
        let l = asn_sequence(spki, &mut idx, pub_idx + pub_len)
            .map_err(|_| bad(ASN_PARSE_E, "its RSA key is not a SEQUENCE"))?;
        idx += l;
        Ok(CertKey {
            rsa_len: Some(pub_len),
            ..key_at(idx, pub_idx..pub_idx + pub_len)
        })
    } else if oid == OID_EC {
        if asn_peek(spki, idx, max) == Some(0x30) {
            // StoreEccKey takes only a named curve; with a SEQUENCE (specified parameters) it
            // stores the key and reads nothing more.
            return Ok(CertKey {
                explicit: true,
                ..key_at(idx, 0..max)
            });
        }
        asn_oid(spki, &mut idx, max)
            .map_err(|_| bad(ASN_PARSE_E, "its EC key parameters are not a curve OID"))?;
        if let KeyKind::Ec { curve } = key {
            if !curve_supported(curve, b) && !b.curve_on_use {
                return Err(bad(
                    ECC_CURVE_OID_E,
                    &format!("curve {} is not compiled in", curve.name()),
                ));
            }
        }
        let l = asn_bit_string(spki, &mut idx, max, true)
            .map_err(|c| bad(c, "its EC key BIT STRING cannot be decoded"))?;
        Ok(key_at(idx + l, 0..max))
    } else if oid == OID_ED25519 || oid == OID_ED448 {
        let l = asn_bit_string(spki, &mut idx, max, true)
            .map_err(|c| bad(c, "its EdDSA key BIT STRING cannot be decoded"))?;
        Ok(key_at(idx + l, idx..idx + l))
    } else if oid == OID_DSA {
        let dsa_error = |c: i32| bad(c, "its DSA key cannot be decoded");
        asn_sequence(spki, &mut idx, max).map_err(dsa_error)?;
        for _ in 0..3 {
            let l = asn_int(spki, &mut idx, max).map_err(dsa_error)?;
            idx += l;
        }
        asn_bit_string(spki, &mut idx, max, true).map_err(dsa_error)?;
        let l = asn_int(spki, &mut idx, max).map_err(|_| dsa_error(ASN_PARSE_E))?;
        Ok(key_at(idx + l, 0..max))
    } else {
        let name = match key {
            KeyKind::Other { oid } => oid.clone(),
            k => k.describe(),
        };
        Err(bad(
            ASN_UNKNOWN_OID_E,
            &format!("key algorithm {name} is not supported"),
        ))
    }
}

/// The TBSCertificate after the SubjectPublicKeyInfo: unique identifiers and extensions.
fn after_spki(c: &Certificate) -> &[u8] {
    let Some((_, mut rest, _)) = tlv(c.tbs()) else {
        return &[];
    };
    if rest.first() == Some(&0xA0) {
        if let Some((_, _, r)) = tlv(rest) {
            rest = r;
        }
    }
    // serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo.
    for _ in 0..6 {
        match tlv(rest) {
            Some((_, _, r)) => rest = r,
            None => return &[],
        }
    }
    rest
}

/// `DecodeBasicCaConstraint`: (cA, pathLen). A cA that is not a one-byte BOOLEAN reads as
/// FALSE (and is then taken for the pathLen); pathLen is any one-byte INTEGER, taken as a byte.
fn decode_basic_constraints(v: &[u8]) -> Result<(bool, Option<u8>), i32> {
    let sz = v.len();
    let mut idx = 0;
    if asn_sequence(v, &mut idx, sz)? == 0 {
        return Ok((false, None));
    }
    let mut ca = false;
    if idx + 3 <= sz && v[idx] == 0x01 && v[idx + 1] == 1 {
        ca = v[idx + 2] != 0;
        idx += 3;
    }
    if idx >= sz {
        return Ok((ca, None));
    }
    // GetInteger7Bit.
    if idx + 3 > sz || v[idx] != 0x02 || v[idx + 1] != 1 {
        return Err(ASN_PARSE_E);
    }
    Ok((ca, Some(v[idx + 2])))
}

/// Whether a basicConstraints value holds the cA BOOLEAN, FALSE (`30 .. 01 01 00`).
fn bc_explicit_false(v: &[u8]) -> bool {
    let mut idx = 0;
    asn_sequence(v, &mut idx, v.len()).is_ok_and(|n| n >= 3)
        && v.get(idx..idx + 3) == Some(&[0x01, 0x01, 0x00][..])
}

/// `DecodeKeyUsage`: one or two content bytes, the first one low.
fn decode_key_usage(v: &[u8]) -> Result<u16, i32> {
    let mut idx = 0;
    let len = asn_bit_string(v, &mut idx, v.len(), false)?;
    if len == 0 || len > 2 {
        return Err(ASN_PARSE_E);
    }
    let mut ku = u16::from(v[idx]);
    if len == 2 {
        ku |= u16::from(v[idx + 1]) << 8;
    }
    Ok(ku)
}

/// `DecodeExtKeyUsage`: whether serverAuth or anyExtendedKeyUsage is there. Every entry must
/// be an OID; one colliding with a known sum is skipped.
fn decode_ext_key_usage(v: &[u8]) -> Result<bool, i32> {
    let sz = v.len();
    let mut idx = 0;
    asn_sequence(v, &mut idx, sz)?;
    let mut server = false;
    while idx < sz {
        let oid = asn_oid(v, &mut idx, sz)?;
        server |= oid == EKU_ANY || oid == EKU_SERVER_AUTH;
    }
    Ok(server)
}

/// `DecodeSubjKeyId`: the hashed identifier; none (all zero) when the OCTET STRING is empty.
fn decode_subject_key_id(v: &[u8]) -> Result<[u8; 20], i32> {
    if v.is_empty() {
        return Err(ASN_PARSE_E);
    }
    let mut idx = 0;
    let len = asn_header(v, 0x04, &mut idx, v.len())?;
    Ok(match len {
        0 => [0; 20],
        _ => hash_id(&v[idx..idx + len]),
    })
}

/// `DecodeAuthKeyId`: the keyIdentifier ([0], not empty) when it comes first; anything else
/// first clears `extAuthKeyIdSet` (no identifier). An empty SEQUENCE has no tag to read.
fn decode_auth_key_id(v: &[u8]) -> Result<Option<[u8; 20]>, i32> {
    let sz = v.len();
    let mut idx = 0;
    asn_sequence(v, &mut idx, sz)?;
    if asn_tag(v, &mut idx, sz).map_err(|_| ASN_PARSE_E)? != 0x80 {
        return Ok(None);
    }
    match asn_length(v, &mut idx, sz) {
        Ok(len) if len > 0 => Ok(Some(hash_id(&v[idx..idx + len]))),
        _ => Err(ASN_PARSE_E),
    }
}

/// `DecodeAuthInfo`: AccessDescriptions up to the second OCSP or caIssuers URI
/// (`MAX_AIA_SZ`), each an OID and a tagged value.
fn decode_auth_info(v: &[u8]) -> Result<(), i32> {
    let sz = v.len();
    let mut idx = 0;
    asn_sequence(v, &mut idx, sz)?;
    let mut count = 0;
    while idx < sz && count < 2 {
        asn_sequence(v, &mut idx, sz)?;
        let oid = asn_oid(v, &mut idx, sz)?;
        oid_known(oid, AUTH_INFO_OIDS)?;
        let tag = asn_tag(v, &mut idx, sz)?;
        let len = asn_length(v, &mut idx, sz)?;
        if tag == 0x86 && (oid == OID_AD_OCSP || oid == OID_AD_CA_ISSUERS) {
            count += 1;
        }
        idx += len;
    }
    Ok(())
}

/// `DecodeSubjInfoAcc`: not empty, and a caRepository URI must be found.
fn decode_subject_info_access(v: &[u8]) -> Result<(), i32> {
    let sz = v.len();
    let mut idx = 0;
    if asn_sequence(v, &mut idx, sz)? == 0 {
        return Err(ASN_PARSE_E);
    }
    while idx < sz {
        asn_sequence(v, &mut idx, sz)?;
        let oid = asn_oid(v, &mut idx, sz)?;
        oid_known(oid, AUTH_INFO_OIDS)?;
        let tag = asn_tag(v, &mut idx, sz)?;
        let len = asn_length(v, &mut idx, sz)?;
        if tag == 0x86 && oid == OID_AD_CA_REPOSITORY {
            return if len > 0 { Ok(()) } else { Err(ASN_PARSE_E) };
        }
        idx += len;
    }
    Err(ASN_PARSE_E)
}

/// `DecodeCrlDist`: the first DistributionPoint's optional fields.
fn decode_crl_dist(v: &[u8]) -> Result<(), i32> {
    let sz = v.len();
    let mut idx = 0;
    asn_sequence(v, &mut idx, sz)?;
    asn_sequence(v, &mut idx, sz)?;
    if asn_peek(v, idx, sz) == Some(0xA0) {
        idx += 1;
        let len = asn_length(v, &mut idx, sz)?;
        if asn_peek(v, idx, sz) == Some(0xA0) {
            idx += 1;
            let full = asn_length(v, &mut idx, sz)?;
            if asn_peek(v, idx, sz) == Some(0x86) {
                idx += 1;
                idx += asn_length(v, &mut idx, sz)?;
            } else {
                idx += full;
            }
        } else {
            idx += len;
        }
    }
    for tag in [0xA1, 0xA2] {
        if asn_peek(v, idx, sz) == Some(tag) {
            idx += 1;
            idx += asn_length(v, &mut idx, sz)?;
        }
    }
    Ok(())
}

/// `DecodeCertPolicy` as `WOLFSSL_SEP` builds it: PolicyInformation entries up to the first
/// non-empty policy OID (kept as the device type); the loop compares the index with the
/// content length.
fn decode_cert_policy(v: &[u8]) -> Result<(), i32> {
    let sz = v.len();
    let mut idx = 0;
    let total = asn_sequence(v, &mut idx, sz)?;
    loop {
        let policy_len = asn_sequence(v, &mut idx, sz)?;
        let old = idx;
        let oid_len = asn_header(v, 0x06, &mut idx, sz)?;
        if oid_len > 0 {
            return Ok(());
        }
        // An OID header longer than its PolicyInformation moves the real index backwards
        // (and loops); not modelled.
        let rest = policy_len.checked_sub(idx - old).ok_or(ASN_PARSE_E)?;
        idx += rest;
        if idx >= total {
            return Ok(());
        }
    }
}

/// `DecodePolicyConstraints`: a first [0] or [1] field of at most one byte.
fn decode_policy_constraints(v: &[u8]) -> Result<(), i32> {
    let sz = v.len();
    let mut idx = 0;
    if asn_sequence(v, &mut idx, sz)? == 0 {
        return Err(ASN_PARSE_E);
    }
    let tag = asn_tag(v, &mut idx, sz)?;
    if tag != 0x80 && tag != 0x81 {
        return Err(ASN_PARSE_E);
    }
    if asn_length(v, &mut idx, sz)? > 1 || idx >= sz {
        return Err(BUFFER_E);
    }
    Ok(())
}

/// `DecodeSubjDirAttr`: not empty; Attributes of OID and SET (a countryOfCitizenship value
/// of two bytes).
fn decode_subject_dir_attr(v: &[u8]) -> Result<(), i32> {
    let sz = v.len();
    let mut idx = 0;
    if asn_sequence(v, &mut idx, sz)? == 0 {
        return Err(ASN_PARSE_E);
    }
    while idx < sz {
        asn_sequence(v, &mut idx, sz)?;
        let oid = asn_oid(v, &mut idx, sz)?;
        oid_known(oid, SDA_OIDS)?;
        let mut len = asn_header(v, 0x31, &mut idx, sz)?;
        if oid == SDA_OIDS[3] {
            // GetHeader: any tag.
            asn_tag(v, &mut idx, sz)?;
            len = asn_length(v, &mut idx, sz).map_err(|_| ASN_PARSE_E)?;
            if len != 2 {
                return Err(ASN_PARSE_E);
            }
        }
        idx += len;
    }
    Ok(())
}

/// `DecodeNsCertType`: a bit string with a content byte.
fn decode_ns_cert_type(v: &[u8]) -> Result<(), i32> {
    let mut idx = 0;
    asn_bit_string(v, &mut idx, v.len(), false)?;
    if idx >= v.len() {
        return Err(ASN_PARSE_E);
    }
    Ok(())
}

/// The names `DecodeAltNames` keeps.
#[derive(Default)]
struct AltNames {
    /// `altNames`: DNS, URI, IP and the UPN / FASC-N other names, in order.
    names: Vec<WName>,
    emails: Vec<Vec<u8>>,
    dirs: Vec<Vec<u8>>,
}

/// `DecodeAltNames` (the non-template loop): the SEQUENCE's length is counted down entry by
/// entry. An iPAddress must be 4 or 16 bytes (`GenerateDNSEntryIPString`, which fails
/// otherwise, and DecodeAltNames reports that as `MEMORY_E`). Other names: a
/// hardwareModuleName is decoded (`DecodeSepHwAltName`, one only), UPN and FASC-N are read
/// and kept as names (`DecodeConstructedOtherName`), the rest skipped. Errors are returned as
/// they are, not as `ASN_PARSE_E`.
fn decode_alt_names(v: &[u8]) -> Result<AltNames, (i32, String)> {
    let sz = v.len();
    let parse = |what: &str| (ASN_PARSE_E, what.to_string());
    let mut out = AltNames::default();
    let mut idx = 0;
    let mut length = asn_sequence(v, &mut idx, sz).map_err(|_| parse("not a SEQUENCE"))? as i64;
    if length == 0 {
        return Err(parse("no entries"));
    }
    let mut hw_seen = false;
    while length > 0 {
        if idx >= sz {
            return Err((BUFFER_E, "its entries run past the extension".into()));
        }
        let b = v[idx];
        idx += 1;
        length -= 1;
        let start = idx;
        let entry_length = |idx: &mut usize| {
            asn_length(v, idx, sz)
                .map_err(|_| parse(&format!("an entry [{:#04x}] has a bad length", b)))
        };
        match b {
            0x81 | 0x82 | 0x86 | 0x87 => {
                let n = entry_length(&mut idx)?;
                length -= (idx - start + n) as i64;
                let bytes = v[idx..idx + n].to_vec();
                idx += n;
                match b {
                    0x81 => out.emails.push(bytes),
                    0x82 => out.names.push(WName {
                        ty: NameType::Dns,
                        bytes,
                    }),
                    0x86 => out.names.push(WName {
                        ty: NameType::Uri,
                        bytes,
                    }),
                    _ if n != 4 && n != 16 => {
                        return Err((
                            MEMORY_E,
                            format!(
                                "an iPAddress of {n} bytes, which GenerateDNSEntryIPString cannot \
                                 write (4 or 16 only)"
                            ),
                        ));
                    }
                    _ => out.names.push(WName {
                        ty: NameType::Ip,
                        bytes,
                    }),
                }
            }
            0xA4 => {
                entry_length(&mut idx)?;
                let n = asn_sequence(v, &mut idx, sz)
                    .map_err(|_| parse("a directoryName is not a Name"))?;
                length -= (idx - start + n) as i64;
                out.dirs.push(v[idx..idx + n].to_vec());
                idx += n;
            }
            0xA0 => {
                let n = entry_length(&mut idx)?;
                length -= (idx - start + n) as i64;
                let oid = asn_oid(v, &mut idx, sz).map_err(|_| parse("an otherName has no OID"))?;
                oid_known(oid, &[OID_HW_NAME]).map_err(|_| parse("an otherName OID is unknown"))?;
                match oid_sum(oid) {
                    _ if oid == OID_HW_NAME => {
                        decode_hw_name(v, &mut idx, sz, &mut hw_seen)?;
                    }
                    s @ (FASCN_SUM | UPN_SUM) => {
                        decode_constructed_other(v, &mut idx, sz, s, &mut out)?;
                    }
                    s => {
                        let mut j = idx;
                        match asn_length(v, &mut j, sz) {
                            Ok(l) => idx = j + l,
                            Err(_) => decode_constructed_other(v, &mut idx, sz, s, &mut out)
                                .map_err(|_| parse("an otherName value cannot be skipped"))?,
                        }
                    }
                }
            }
            _ => {
                let n = entry_length(&mut idx)?;
                length -= (idx - start + n) as i64;
                idx += n;
            }
        }
    }
    Ok(out)
}

/// `DecodeSepHwAltName`: [0] { SEQUENCE { OID, OCTET STRING } }, once per certificate.
fn decode_hw_name(
    v: &[u8],
    idx: &mut usize,
    sz: usize,
    seen: &mut bool,
) -> Result<(), (i32, String)> {
    let parse = || {
        (
            ASN_PARSE_E,
            "a hardwareModuleName cannot be decoded".to_string(),
        )
    };
    if *seen {
        return Err((ASN_PARSE_E, "a second hardwareModuleName".to_string()));
    }
    let mut i = *idx;
    if asn_tag(v, &mut i, sz).map_err(|_| parse())? != 0xA0 {
        return Err(parse());
    }
    asn_length(v, &mut i, sz).map_err(|_| parse())?;
    asn_sequence(v, &mut i, sz).map_err(|_| parse())?;
    asn_oid(v, &mut i, sz).map_err(|_| parse())?;
    let n = asn_header(v, 0x04, &mut i, sz).map_err(|_| parse())?;
    *idx = i + n;
    *seen = true;
    Ok(())
}

/// `DecodeConstructedOtherName`: [0] and, for FASC-N an OCTET STRING, for UPN a string; those
/// two are kept as names. The index moves as it reads.
fn decode_constructed_other(
    v: &[u8],
    idx: &mut usize,
    sz: usize,
    sum: u32,
    out: &mut AltNames,
) -> Result<(), (i32, String)> {
    let parse = || {
        (
            ASN_PARSE_E,
            "an otherName value cannot be decoded".to_string(),
        )
    };
    if asn_tag(v, idx, sz).map_err(|_| parse())? != 0xA0 {
        return Err(parse());
    }
    let mut len = asn_length(v, idx, sz).map_err(|_| parse())?;
    match sum {
        FASCN_SUM => len = asn_header(v, 0x04, idx, sz).map_err(|_| parse())?,
        UPN_SUM => {
            let tag = asn_tag(v, idx, sz).map_err(|_| parse())?;
            if !matches!(tag, 0x13 | 0x0C | 0x16) {
                return Err(parse());
            }
            len = asn_length(v, idx, sz).map_err(|_| parse())?;
        }
        _ => {
            *idx += len;
            return Ok(());
        }
    }
    out.names.push(WName {
        ty: NameType::Other,
        bytes: v[*idx..*idx + len].to_vec(),
    });
    *idx += len;
    Ok(())
}

/// `DecodeNameConstraints` / `DecodeSubtree`: (permitted, excluded). Subtrees of [0] and [1]
/// in any order, none empty; each base's tag number decides (1 e-mail, 2 DNS, 4 directory,
/// a constructed one unwrapped from its SEQUENCE), others skipped; no base may be empty.
fn decode_name_constraints(v: &[u8]) -> Result<(Vec<WName>, Vec<WName>), i32> {
    let sz = v.len();
    let mut idx = 0;
    asn_sequence(v, &mut idx, sz)?;
    let (mut permitted, mut excluded) = (Vec::new(), Vec::new());
    while idx < sz {
        let b = v[idx];
        idx += 1;
        let len = asn_length(v, &mut idx, sz)?;
        if len == 0 {
            return Err(ASN_PARSE_E);
        }
        let list = match b {
            0xA0 => &mut permitted,
            0xA1 => &mut excluded,
            _ => return Err(ASN_PARSE_E),
        };
        decode_subtree(&v[idx..idx + len], list)?;
        idx += len;
    }
    Ok((permitted, excluded))
}

fn decode_subtree(v: &[u8], list: &mut Vec<WName>) -> Result<(), i32> {
    let sz = v.len();
    let mut idx = 0;
    while idx < sz {
        let seq_len = asn_sequence(v, &mut idx, sz)?;
        if idx >= sz {
            return Err(ASN_PARSE_E);
        }
        let mut ni = idx;
        let b = v[ni];
        ni += 1;
        let mut len = asn_length(v, &mut ni, sz)?;
        if len == 0 {
            return Err(ASN_PARSE_E);
        }
        let ty = match b & 0x1f {
            1 => Some(NameType::Email),
            2 => Some(NameType::Dns),
            4 => Some(NameType::Dir),
            _ => None,
        };
        if let Some(ty) = ty {
            if b & 0x20 != 0 {
                len = asn_sequence(v, &mut ni, sz)?;
            }
            list.push(WName {
                ty,
                bytes: v[ni..ni + len].to_vec(),
            });
        }
        idx += seq_len;
    }
    Ok(())
}

/// `GetSignature`: a BIT STRING without unused bits that ends the certificate.
fn signature_bits(c: &Certificate) -> Result<(), i32> {
    // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
    let Some((_, _, rest)) = tlv(c.der())
        .and_then(|(_, body, _)| tlv(body))
        .and_then(|(_, _, after_tbs)| tlv(after_tbs))
    else {
        return Ok(());
    };
    let mut idx = 0;
    let len = asn_bit_string(rest, &mut idx, rest.len(), true)?;
    match idx + len == rest.len() {
        true => Ok(()),
        false => Err(ASN_PARSE_E),
    }
}

fn decode(c: &Certificate, at: CertRef, b: WolfsslBuild) -> Decoded<'_> {
    let here = || label(at, c);
    let mut d = Decoded {
        cert: c,
        at,
        self_signed: c.subject_raw() == c.issuer_raw(),
        is_ca: false,
        path_len: None,
        ku_cert_sign: None,
        ku_digital_sig: None,
        eku_server: None,
        skid: [0; 20],
        skid_ext: false,
        akid: None,
        permitted: Vec::new(),
        excluded: Vec::new(),
        alt_names: Vec::new(),
        alt_emails: Vec::new(),
        alt_dirs: Vec::new(),
        subject_cn: None,
        subject_email: None,
        subject_content: contents(c.subject_raw()),
        rsa_pub_len: None,
        failure: None,
        critical: None,
        unusable_curve: false,
        hash_unavailable: false,
        chain_ca_checks: b.chain_ca_checks,
    };
    for a in c.subject.attrs() {
        match a.oid.as_ref() {
            "2.5.4.3" => d.subject_cn = Some(a.value.clone()),
            "1.2.840.113549.1.9.1" => d.subject_email = Some(a.value.clone()),
            _ => {}
        }
    }
    if X509Certificate::from_der(c.der()).is_err() {
        d.failure = Some(unparseable(
            here(),
            ASN_PARSE_E,
            "not a certificate wolfSSL can decode".into(),
        ));
        return d;
    }
    // A build without Ed25519/Ed448 cannot decode their keys (an Ed25519 signature then
    // never finds a signer: no such key loads).
    if !b.eddsa && matches!(c.key, KeyKind::Ed25519 | KeyKind::Ed448) {
        d.failure = Some(unparseable(
            here(),
            ASN_UNKNOWN_OID_E,
            "an Ed25519/Ed448 key, which this wolfSSL build does not have".into(),
        ));
        return d;
    }
    if !b.dsa && is_dsa(&c.key) {
        d.failure = Some(unparseable(
            here(),
            ASN_UNKNOWN_OID_E,
            "a DSA key, which this wolfSSL build does not have (NO_DSA)".into(),
        ));
        return d;
    }
    d.unusable_curve = matches!(&c.key, KeyKind::Ec { curve } if !curve_supported(curve, &b));
    d.hash_unavailable = !b.md5 && c.sig_alg.hash() == Some(crate::cert::HashAlg::Md5);
    // GetCertKey: the key type and curve are checked before the extensions.
    let spki = c.spki_raw();
    let key = match cert_key(spki, &c.key, &c.sig_alg, &b) {
        Ok(k) => k,
        Err((code, what)) => {
            d.failure = Some(unparseable(here(), code, what));
            return d;
        }
    };
    d.rsa_pub_len = key.rsa_len;
    d.skid = sha1::Sha1::digest(&spki[key.stored.clone()]).into();
    // ParseCertRelative: whatever lies between where GetCertKey stopped and the signature
    // algorithm is the extensions block (refused below v3); DecodeCertExtensions wants [3].
    let key_tail = spki.len() - key.end;
    let rest = after_spki(c);
    if key_tail > 0 || !rest.is_empty() {
        let what = if key.explicit {
            "an EC key with explicit domain parameters, which StoreEccKey leaves unread".into()
        } else if key_tail > 0 {
            format!("{key_tail} bytes after its public key, which GetCertKey leaves unread")
        } else if rest[0] == 0xA3 {
            "extensions".into()
        } else {
            "a unique identifier".into()
        };
        if c.version < 3 {
            d.failure = Some(unparseable(
                here(),
                ASN_VERSION_E,
                format!("a v{} certificate with {what}", c.version),
            ));
            return d;
        }
        if key_tail > 0 || rest[0] != 0xA3 {
            d.failure = Some(unparseable(
                here(),
                ASN_PARSE_E,
                format!(
                    "{what}: DecodeCertExtensions reads them as the extensions block and finds \
                     no [3]"
                ),
            ));
            return d;
        }
    }
    let mut seen: Vec<&str> = Vec::new();
    for e in &c.extensions {
        let oid = e.oid.as_ref();
        let v = c.ext_value(e);
        if TRACKED.contains(&oid) {
            if seen.contains(&oid) {
                d.failure = Some(unparseable(
                    here(),
                    ASN_OBJECT_ID_E,
                    format!("extension {oid} appears twice"),
                ));
                return d;
            }
            seen.push(oid);
        }
        // DecodeExtensionType: most decoders' errors become ASN_PARSE_E.
        let parse_error = |what: &str| {
            unparseable(
                label(at, c),
                ASN_PARSE_E,
                format!("cannot decode its {what} extension"),
            )
        };
        let checked = |r: Result<(), i32>, what: &str| r.err().map(|_| parse_error(what));
        let crit_error =
            |what: &str| unparseable(label(at, c), ASN_CRIT_EXT_E, format!("{what} is refused"));
        let failure = match oid {
            "2.5.29.19" => match decode_basic_constraints(v) {
                // 5.9: the cA BOOLEAN present and FALSE is not DER (FALSE is the default).
                Ok((false, _)) if b.explicit_ca_false_rejected && bc_explicit_false(v) => {
                    Some(parse_error("basicConstraints (cA present and FALSE)"))
                }
                Ok((ca, path_len)) => {
                    d.is_ca = ca;
                    d.path_len = path_len;
                    None
                }
                Err(_) => Some(parse_error("basicConstraints")),
            },
            "2.5.29.31" => checked(decode_crl_dist(v), "cRLDistributionPoints"),
            "1.3.6.1.5.5.7.1.1" if e.critical && b.strict_critical => Some(crit_error(
                "a critical authorityInfoAccess (5.9 without WOLFSSL_ALLOW_CRIT_AIA)",
            )),
            "1.3.6.1.5.5.7.1.1" => checked(decode_auth_info(v), "authorityInfoAccess"),
            "2.5.29.17" => match decode_alt_names(v) {
                Ok(a) => {
                    d.alt_names = a.names;
                    d.alt_emails = a.emails;
                    d.alt_dirs = a.dirs;
                    None
                }
                Err((code, why)) => Some(unparseable(
                    here(),
                    code,
                    format!("cannot decode its subjectAltName extension: {why}"),
                )),
            },
            "2.5.29.35" if e.critical => {
                // Critical key identifiers are refused and left undecoded (but set).
                d.critical
                    .get_or_insert_with(|| "a critical authorityKeyIdentifier".into());
                d.akid = Some([0; 20]);
                None
            }
            "2.5.29.35" => match decode_auth_key_id(v) {
                Ok(Some(id)) => {
                    d.akid = Some(id);
                    None
                }
                Ok(None) => {
                    // extAuthKeyIdSet cleared: as if there were no authorityKeyIdentifier.
                    d.akid = None;
                    seen.retain(|o| *o != oid);
                    None
                }
                Err(_) => Some(parse_error("authorityKeyIdentifier")),
            },
            "2.5.29.14" => {
                d.skid_ext = true;
                if e.critical {
                    d.critical
                        .get_or_insert_with(|| "a critical subjectKeyIdentifier".into());
                    d.skid = [0; 20];
                    None
                } else {
                    match decode_subject_key_id(v) {
                        Ok(id) => {
                            d.skid = id;
                            None
                        }
                        Err(_) => Some(parse_error("subjectKeyIdentifier")),
                    }
                }
            }
            "2.5.29.32" if !b.cert_ext => e.critical.then(|| {
                crit_error("a critical certificatePolicies (a build without WOLFSSL_CERT_EXT)")
            }),
            "2.5.29.32" => checked(decode_cert_policy(v), "certificatePolicies"),
            "2.5.29.15" => match decode_key_usage(v) {
                Ok(ku) => {
                    d.ku_cert_sign = Some(ku & KEYUSE_KEY_CERT_SIGN != 0);
                    d.ku_digital_sig = Some(ku & KEYUSE_DIGITAL_SIG != 0);
                    None
                }
                Err(_) => Some(parse_error("keyUsage")),
            },
            "2.5.29.37" => match decode_ext_key_usage(v) {
                Ok(server) => {
                    d.eku_server = Some(server);
                    None
                }
                Err(_) => Some(parse_error("extendedKeyUsage")),
            },
            "2.5.29.30" => match decode_name_constraints(v) {
                Err(_) => Some(parse_error("nameConstraints")),
                Ok(_) if !d.is_ca => Some(unparseable(
                    here(),
                    ASN_NAME_INVALID_E,
                    "nameConstraints on a certificate not (yet) known as a CA: \
                     basicConstraints must come first"
                        .into(),
                )),
                Ok((permitted, excluded)) => {
                    d.permitted = permitted;
                    d.excluded = excluded;
                    None
                }
            },
            "2.16.840.1.113730.1.1" => checked(decode_ns_cert_type(v), "nsCertType"),
            "1.3.6.1.5.5.7.48.1.5" => checked(
                match v {
                    [0x05, 0x00, ..] => Ok(()),
                    _ => Err(ASN_PARSE_E),
                },
                "ocspNoCheck",
            ),
            "2.5.29.36" => {
                checked(decode_policy_constraints(v), "policyConstraints").or_else(|| {
                    (e.critical && b.strict_critical)
                        .then(|| crit_error("a critical policyConstraints (5.9's strict rules)"))
                })
            }
            "2.5.29.9" => checked(decode_subject_dir_attr(v), "subjectDirectoryAttributes"),
            "1.3.6.1.5.5.7.1.11" => checked(decode_subject_info_access(v), "subjectInfoAccess"),
            "2.5.29.54" => (e.critical && b.strict_critical)
                .then(|| crit_error("a critical inhibitAnyPolicy (5.9's strict rules)")),
            o => {
                if e.critical {
                    d.critical
                        .get_or_insert_with(|| format!("unknown critical extension {o}"));
                }
                None
            }
        };
        if let Some(f) = failure {
            d.failure = Some(f);
            return d;
        }
    }
    if let Err(code) = signature_bits(c) {
        d.failure = Some(unparseable(
            here(),
            code,
            "its signature BIT STRING cannot be decoded (GetSignature)".into(),
        ));
        return d;
    }
    if !c.sig_alg_consistent {
        d.failure = Some(unparseable(
            here(),
            ASN_SIG_OID_E,
            "the signature algorithm differs from the one inside the certificate".into(),
        ));
        return d;
    }
    // 5.9 (no ALLOW_INVALID_CERTSIGN): keyCertSign without basicConstraints cA (RFC 5280
    // 4.2.1.9).
    if b.certsign_needs_ca && !d.is_ca && d.ku_cert_sign == Some(true) {
        d.failure = Some(unparseable(
            here(),
            KEYUSAGE_E,
            "keyUsage keyCertSign without basicConstraints cA".into(),
        ));
    }
    d
}

/// A loaded or chain-added CA (`Signer`).
struct Signer<'a> {
    cert: &'a Certificate,
    at: CertRef,
    skid: [u8; 20],
    max_path_len: u8,
    permitted: Vec<WName>,
    excluded: Vec<WName>,
    /// The signer that verified it (chain CAs).
    parent: Option<usize>,
    /// Its key is on a curve this build does not have.
    unusable_curve: bool,
}

/// A trusted peer certificate (`TrustedPeerCert`).
struct TrustedPeer<'a> {
    cert: &'a Certificate,
    index: usize,
    skid: [u8; 20],
}

/// The certificate manager: signers in the order added, trusted peers.
#[derive(Default)]
struct Cm<'a> {
    signers: Vec<Signer<'a>>,
    peers: Vec<TrustedPeer<'a>>,
}

fn row(hash: &[u8; 20]) -> u32 {
    u32::from_be_bytes([hash[0], hash[1], hash[2], hash[3]]) % CA_TABLE_SIZE
}

impl Cm<'_> {
    /// `GetCA`: the signer with this key identifier.
    fn by_key_id(&self, id: &[u8; 20]) -> Option<usize> {
        self.signers.iter().rposition(|s| s.skid == *id)
    }

    /// `GetCAByName`: table rows in order, newest first within a row.
    fn by_name(&self, name: &[u8]) -> Option<usize> {
        (0..CA_TABLE_SIZE).find_map(|r| {
            self.signers
                .iter()
                .enumerate()
                .rev()
                .find(|(_, s)| row(&s.skid) == r && s.cert.subject_raw() == name)
                .map(|(i, _)| i)
        })
    }

    /// The signer lookup of `ParseCertRelative`.
    fn find_signer(&self, d: &Decoded<'_>) -> Option<usize> {
        let issuer = d.cert.issuer_raw();
        let mut ca = d.akid.as_ref().and_then(|a| self.by_key_id(a));
        if ca.is_none() && d.skid_ext {
            ca = self.by_key_id(&d.skid);
        }
        if ca.is_some_and(|i| self.signers[i].cert.subject_raw() != issuer) {
            ca = None;
        }
        if ca.is_none() {
            ca = self.by_name(issuer).filter(|_| d.akid.is_none());
        }
        ca
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `NO_VERIFY`.
    NoVerify,
    /// `VERIFY`.
    Verify,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum CertType {
    /// A peer certificate (`CERT_TYPE`).
    Peer,
    /// A CA certificate of the served chain as 5.9 parses it (`CHAIN_CERT_TYPE`).
    Chain,
    /// A CA being added (`CA_TYPE`) or a trusted peer (`TRUSTED_PEER_TYPE`).
    Ca,
}

/// What `ParseCertRelative` found out.
struct Parsed {
    signer: Option<usize>,
    max_path_len: u8,
}

/// `MatchBaseName`.
fn match_base_name(ty: NameType, name: &[u8], base: &[u8]) -> bool {
    if base.is_empty()
        || name.is_empty()
        || name[0] == b'.'
        || name.len() < base.len()
        || !matches!(ty, NameType::Email | NameType::Dns | NameType::Dir)
    {
        return false;
    }
    if ty == NameType::Dir {
        return name[..base.len()] == *base;
    }
    let mut name = name;
    if ty == NameType::Email {
        let base_is_address = base[0] != b'.' && base.contains(&b'@');
        if !base_is_address {
            // Wind the name past its '@', looking at most base.len() characters.
            if let Some(at) = name.iter().take(base.len()).position(|b| *b == b'@') {
                name = &name[at + 1..];
            }
        }
    }
    if ty == NameType::Dns || (ty == NameType::Email && base[0] == b'.') {
        let Some(adjust) = name.len().checked_sub(base.len()) else {
            return false;
        };
        name = &name[adjust..];
    }
    name.iter()
        .enumerate()
        .all(|(i, b)| base.get(i).is_some_and(|c| b.eq_ignore_ascii_case(c)))
}

fn in_excluded(name: &[u8], list: &[WName], ty: NameType) -> bool {
    list.iter()
        .any(|b| b.ty == ty && name.len() >= b.bytes.len() && match_base_name(ty, name, &b.bytes))
}

fn permitted_ok(name: &[u8], list: &[WName], ty: NameType) -> bool {
    let mut need = false;
    for b in list.iter().filter(|b| b.ty == ty) {
        need = true;
        if name.len() >= b.bytes.len() && match_base_name(ty, name, &b.bytes) {
            return true;
        }
    }
    !need
}

/// `ConfirmNameConstraints`: the signer's own constraints only.
fn confirm_name_constraints(s: &Signer<'_>, d: &Decoded<'_>) -> Result<(), String> {
    if s.permitted.is_empty() && s.excluded.is_empty() {
        return Ok(());
    }
    for ty in [NameType::Email, NameType::Dns, NameType::Dir] {
        let (list, subject): (Vec<&[u8]>, Option<&[u8]>) = match ty {
            NameType::Dns => (
                d.alt_names.iter().map(|n| n.bytes.as_slice()).collect(),
                d.subject_cn.as_deref().filter(|_| d.alt_names.is_empty()),
            ),
            NameType::Email => (
                d.alt_emails.iter().map(Vec::as_slice).collect(),
                d.subject_email.as_deref(),
            ),
            _ => (
                d.alt_dirs.iter().map(Vec::as_slice).collect(),
                Some(d.subject_content.as_slice()),
            ),
        };
        for n in list.into_iter().chain(subject.filter(|s| !s.is_empty())) {
            let shown = String::from_utf8_lossy(n).into_owned();
            if in_excluded(n, &s.excluded, ty) {
                return Err(format!("'{shown}' is excluded"));
            }
            if !permitted_ok(n, &s.permitted, ty) {
                return Err(format!("'{shown}' is not permitted"));
            }
        }
    }
    Ok(())
}

fn is_dsa(key: &KeyKind) -> bool {
    matches!(key, KeyKind::Other { oid } if oid == "1.2.840.10040.4.1")
}

/// `SigOidMatchesKeyOid` (Debian's CVE-2026-5194 fix).
fn sig_fits_key(alg: &SigAlg, key: &KeyKind) -> bool {
    match key {
        KeyKind::Rsa { .. } => match alg {
            SigAlg::RsaPkcs1 { hash } => !matches!(hash, crate::cert::HashAlg::Md4),
            SigAlg::RsaPss { .. } => true,
            _ => false,
        },
        KeyKind::Ec { .. } => matches!(alg, SigAlg::Ecdsa { .. }),
        KeyKind::Ed25519 => matches!(alg, SigAlg::Ed25519),
        KeyKind::Ed448 => matches!(alg, SigAlg::Ed448),
        KeyKind::Other { oid } => {
            oid == "1.2.840.113549.1.1.10" && matches!(alg, SigAlg::RsaPss { .. })
        }
    }
}

/// The order of secp256k1.
const SECP256K1_N: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
];

/// One DER TLV at the start of `b`: (tag, contents, rest).
fn tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *b.first()?;
    let first = *b.get(1)?;
    let (len, hdr) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        let bytes = b.get(2..2 + n)?;
        (
            bytes.iter().fold(0usize, |a, x| (a << 8) | usize::from(*x)),
            2 + n,
        )
    };
    let body = b.get(hdr..hdr.checked_add(len)?)?;
    Some((tag, body, b.get(hdr + len..)?))
}

fn der_integer(v: &[u8]) -> Vec<u8> {
    let v = &v[v
        .iter()
        .take_while(|x| **x == 0)
        .count()
        .min(v.len().saturating_sub(1))..];
    let mut out = vec![0x02];
    let pad = v.first().is_some_and(|b| b & 0x80 != 0);
    out.push((v.len() + usize::from(pad)) as u8);
    if pad {
        out.push(0);
    }
    out.extend_from_slice(v);
    out
}

/// The same ECDSA signature with S replaced by n - S: wolfSSL accepts either half, the
/// RustCrypto secp256k1 verifier only the low one.
fn low_s_secp256k1(sig: &[u8]) -> Option<Vec<u8>> {
    use num_bigint::BigUint;
    let (0x30, body, _) = tlv(sig)? else {
        return None;
    };
    let (0x02, r, rest) = tlv(body)? else {
        return None;
    };
    let (0x02, s, _) = tlv(rest)? else {
        return None;
    };
    let n = BigUint::from_bytes_be(&SECP256K1_N);
    let s = BigUint::from_bytes_be(s);
    if s.bits() == 0 || s >= n || s.clone() << 1 <= n {
        return None;
    }
    let low = (&n - &s).to_bytes_be();
    let mut inner = der_integer(r);
    inner.extend(der_integer(&low));
    let mut out = vec![0x30, u8::try_from(inner.len()).ok()?];
    out.extend(inner);
    Some(out)
}

/// `ConfirmSignature` of `c` with the key of `signer`.
fn signature_ok(signer: &Certificate, c: &Certificate) -> bool {
    let check = |sig: &[u8]| {
        matches!(
            verify_signature(signer.spki_raw(), &c.sig_alg, c.tbs(), sig),
            SigCheck::Valid
        )
    };
    if check(&c.signature) {
        return true;
    }
    matches!(
        &signer.key,
        KeyKind::Ec {
            curve: Curve::Secp256k1
        }
    ) && low_s_secp256k1(&c.signature).is_some_and(|s| check(&s))
}

/// 5.9's `CheckChainCAExtKeyUsage`, after a served CA verified: an extendedKeyUsage without
/// serverAuth or anyExtendedKeyUsage may not authenticate a server (`EXTKEYUSE_AUTH_E`),
/// except a trust anchor (self-issued with its signer's own key).
fn chain_ca_eku(cm: &Cm<'_>, d: &Decoded<'_>, p: &Parsed) -> Result<Parsed, Fail> {
    let anchor = d.self_signed
        && p.signer
            .is_some_and(|i| cm.signers[i].cert.spki_raw() == d.cert.spki_raw());
    if d.chain_ca_checks && d.is_ca && d.eku_server == Some(false) && !anchor {
        return Err(other(
            EXTKEYUSE_AUTH_E,
            format!(
                "{} is a served CA whose extendedKeyUsage allows neither serverAuth nor anyExtendedKeyUsage",
                d.cert.label()
            ),
        ));
    }
    Ok(Parsed {
        signer: p.signer,
        max_path_len: p.max_path_len,
    })
}

/// `ParseCertRelative` on a decoded certificate.
fn parse_relative(
    cm: &Cm<'_>,
    d: &Decoded<'_>,
    ty: CertType,
    mode: Mode,
    now: i64,
) -> Result<Parsed, Fail> {
    let c = d.cert;
    let here = || label(d.at, c);
    if let Some(f) = &d.failure {
        return Err(f.clone());
    }
    let verify = mode == Mode::Verify && ty != CertType::Ca;
    let signer = if !d.self_signed || verify {
        cm.find_signer(d)
    } else {
        None
    };
    let mut max_path_len = MAX_PATH_LEN;
    let pathlen_error = |s: &Signer<'_>| {
        other(
            ASN_PATHLEN_INV_E,
            format!(
                "{} is a CA below {}, whose path length allows no more CAs",
                c.label(),
                s.cert.label()
            ),
        )
    };
    if d.chain_ca_checks {
        // 5.9 (RFC 5280 6.1.4(l)): a CA other than the peer's own certificate, with
        // keyCertSign or no keyUsage, under a signer: a non-self-issued one takes one off the
        // signer's length and may not sit under a 0; a self-issued one keeps the signer's
        // length, and unless it is the signer's own key may not sit under a 0 either.
        max_path_len = d.path_len.unwrap_or(MAX_PATH_LEN);
        if let Some(s) = signer.map(|i| &cm.signers[i]) {
            if ty != CertType::Peer && d.is_ca && d.ku_cert_sign != Some(false) {
                let same_key = d.self_signed && c.spki_raw() == s.cert.spki_raw();
                if s.max_path_len == 0 && !same_key {
                    max_path_len = 0;
                    if verify {
                        return Err(pathlen_error(s));
                    }
                } else if d.self_signed {
                    max_path_len = max_path_len.min(s.max_path_len);
                } else {
                    max_path_len = max_path_len.min(s.max_path_len - 1);
                }
            }
        }
    } else if !d.self_signed {
        if let Some(s) = signer.map(|i| &cm.signers[i]) {
            if let Some(pl) = d.path_len {
                max_path_len = pl;
                let mut check = false;
                let mut decrement = false;
                if d.is_ca {
                    match d.ku_cert_sign {
                        Some(false) => decrement = true,
                        _ => check = true,
                    }
                }
                if check {
                    if pl < s.max_path_len {
                        max_path_len = pl;
                    } else {
                        decrement = true;
                    }
                }
                if decrement {
                    if s.max_path_len > 0 {
                        max_path_len = s.max_path_len - 1;
                    } else {
                        max_path_len = 0;
                        if verify {
                            return Err(pathlen_error(s));
                        }
                    }
                }
            } else if d.is_ca {
                if s.max_path_len > 0 {
                    max_path_len = s.max_path_len - 1;
                } else {
                    max_path_len = 0;
                    if verify {
                        return Err(pathlen_error(s));
                    }
                }
            }
        }
    }
    if verify {
        match signer.map(|i| &cm.signers[i]) {
            Some(s) => {
                // ConfirmSignature refuses a missing key or signature before anything else.
                // AddCA copies a signer's publicKey only when ParseCert stored it
                // (pubKeyStored: RSA, EC, EdDSA); GetCertKey points a DSA key into the
                // certificate's buffer without storing it, so a DSA signer has none.
                if is_dsa(&s.cert.key) || c.signature.is_empty() {
                    let why = match c.signature.is_empty() {
                        true => format!("{} has an empty signature", c.label()),
                        false => format!(
                            "{} is signed by {}, whose DSA key wolfSSL does not keep for \
                             verifying (AddCA copies publicKey only when pubKeyStored)",
                            c.label(),
                            s.cert.label()
                        ),
                    };
                    return Err(other(BAD_FUNC_ARG, why));
                }
                if !sig_fits_key(&c.sig_alg, &s.cert.key) {
                    return Err(other(
                        ASN_SIG_OID_E,
                        format!(
                            "{} is signed with {}, which the key of {} ({}) cannot make",
                            c.label(),
                            c.sig_alg.name(),
                            s.cert.label(),
                            s.cert.key.describe()
                        ),
                    ));
                }
                let rsa_signer = matches!(s.cert.key, KeyKind::Rsa { .. })
                    || matches!(&s.cert.key, KeyKind::Other { oid } if oid == "1.2.840.113549.1.1.10");
                if rsa_signer && c.signature.len() > MAX_ENCODED_SIG_SZ {
                    // ConfirmSignature refuses before decoding the key.
                    return Err(other(
                        BUFFER_E,
                        format!(
                            "{} carries a {}-byte RSA signature; wolfSSL verifies at most \
                             {MAX_ENCODED_SIG_SZ} bytes (MAX_ENCODED_SIG_SZ, RSA 4096)",
                            c.label(),
                            c.signature.len()
                        ),
                    ));
                }
                // ConfirmSignature hashes first, then decodes the signer's key.
                if d.hash_unavailable {
                    return Err(other(
                        HASH_TYPE_E,
                        format!(
                            "{} is signed with {}, a digest this wolfSSL build does not have",
                            c.label(),
                            c.sig_alg.name()
                        ),
                    ));
                }
                if s.unusable_curve {
                    return Err(other(
                        ASN_OBJECT_ID_E,
                        format!(
                            "{} is signed by {}, whose key ({}) is on a curve this wolfSSL build does not have",
                            c.label(),
                            s.cert.label(),
                            s.cert.key.describe()
                        ),
                    ));
                }
                if !signature_ok(s.cert, c) {
                    return Err(fail(
                        ASN_SIG_CONFIRM_E,
                        Reason::BadSignature {
                            cert: here(),
                            by: label(s.at, s.cert),
                        },
                    ));
                }
                if let Err(why) = confirm_name_constraints(s, d) {
                    return Err(other(
                        ASN_NAME_INVALID_E,
                        format!(
                            "{} violates the name constraints of {}: {why}",
                            c.label(),
                            s.cert.label()
                        ),
                    ));
                }
            }
            None => {
                let code = if d.self_signed {
                    ASN_SELF_SIGNED_E
                } else {
                    ASN_NO_SIGNER_E
                };
                return Err(fail(
                    code,
                    Reason::NoTrustedIssuer {
                        cert: here(),
                        issuer: c.issuer.to_string(),
                    },
                ));
            }
        }
        // GetValidity: an expired certificate reports expiry even when also not yet valid.
        dates(c, d.at, now, true)?;
    }
    if let Some(what) = &d.critical {
        return Err(unparseable(here(), ASN_CRIT_EXT_E, what.clone()));
    }
    Ok(Parsed {
        signer,
        max_path_len,
    })
}

/// `wolfssl_local_IsValidFQDN` (5.9): labels of letters, digits, `-` (not first or last) and
/// `_` (not in the last label), 1 to 63 bytes each, 253 in all (one trailing dot allowed); two
/// labels or more, the last with a letter.
fn valid_fqdn(name: &[u8]) -> bool {
    let name = name.strip_suffix(b".").unwrap_or(name);
    if name.is_empty() || name.len() > 253 {
        return false;
    }
    let labels: Vec<&[u8]> = name.split(|c| *c == b'.').collect();
    let label_ok = |l: &&[u8]| {
        !l.is_empty()
            && l.len() <= 63
            && l.first() != Some(&b'-')
            && l.last() != Some(&b'-')
            && l.iter()
                .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
    };
    let Some(last) = labels.last() else {
        return false;
    };
    labels.len() > 1
        && labels.iter().all(label_ok)
        && !last.contains(&b'_')
        && last.iter().any(u8::is_ascii_alphabetic)
}

/// The validity check: `ASN_AFTER_DATE_E` / `ASN_BEFORE_DATE_E`, expiry first (a served
/// certificate's `GetValidity`) or not-yet-valid first (a CA loaded with `VERIFY`, outside its
/// dates, does not load).
fn dates(c: &Certificate, at: CertRef, now: i64, expiry_first: bool) -> Result<(), Fail> {
    let expired = || {
        fail(
            ASN_AFTER_DATE_E,
            Reason::Expired {
                cert: label(at, c),
                not_after: time_text(c.not_after),
            },
        )
    };
    let early = || {
        fail(
            ASN_BEFORE_DATE_E,
            Reason::NotYetValid {
                cert: label(at, c),
                not_before: time_text(c.not_before),
            },
        )
    };
    match (now > c.not_after, now < c.not_before) {
        (true, true) if expiry_first => Err(expired()),
        (_, true) => Err(early()),
        (true, false) => Err(expired()),
        (false, false) => Ok(()),
    }
}

/// `AddCA`: a user-loaded certificate (`WOLFSSL_USER_CA`) or a CA from the chain
/// (`WOLFSSL_CHAIN_CA`), both parsed with `NO_VERIFY`.
fn add_ca<'a>(cm: &mut Cm<'a>, d: &Decoded<'a>, from_chain: bool, now: i64) -> Result<bool, Fail> {
    let p = parse_relative(cm, d, CertType::Ca, Mode::NoVerify, now)?;
    // A served CA is added only with keyCertSign; 5.9 takes an absent keyUsage as allowing
    // it (RFC 5280: all uses), 5.5 wanted the bit.
    let cert_sign = match d.chain_ca_checks {
        true => d.ku_cert_sign != Some(false),
        false => d.ku_cert_sign == Some(true),
    };
    if from_chain && d.is_ca && !d.self_signed && !cert_sign {
        return Err(other(
            NOT_CA_ERROR,
            format!(
                "{} verified but has no keyCertSign, so it is not added as a CA",
                d.cert.label()
            ),
        ));
    }
    if cm.by_key_id(&d.skid).is_some() {
        return Ok(false);
    }
    cm.signers.push(Signer {
        cert: d.cert,
        at: d.at,
        skid: d.skid,
        max_path_len: p.max_path_len,
        permitted: d.permitted.clone(),
        excluded: d.excluded.clone(),
        parent: p.signer,
        unusable_curve: d.unusable_curve,
    });
    Ok(true)
}

/// `MatchDomainName`, character for character.
fn match_domain_name(pattern: &[u8], host: &[u8]) -> bool {
    if pattern.is_empty() {
        return false;
    }
    let s_at = |i: usize| host.get(i).map_or(0, u8::to_ascii_lowercase);
    let mut len = pattern.len();
    let mut pi = 0;
    let mut si = 0;
    while len > 0 {
        let mut p = pattern.get(pi).map_or(0, u8::to_ascii_lowercase);
        pi += 1;
        if p == 0 {
            break;
        }
        if p == b'*' {
            loop {
                len -= 1;
                if len == 0 {
                    break;
                }
                p = pattern.get(pi).map_or(0, u8::to_ascii_lowercase);
                pi += 1;
                if p != b'*' {
                    break;
                }
            }
            if len == 0 {
                p = 0;
            }
            loop {
                let s = s_at(si);
                if s == 0 || s == p {
                    break;
                }
                if s == b'.' {
                    return false;
                }
                si += 1;
            }
        } else if p != s_at(si) {
            return false;
        }
        if len > 0 {
            si += 1;
            len -= 1;
        }
    }
    s_at(si) == 0 && len == 0
}

/// An iPAddress name as GenerateDNSEntryIPString writes it: dotted IPv4, IPv6 as eight
/// uncompressed upper-case groups ("2001:0DB8:0000:...").
fn ip_string(b: &[u8]) -> Vec<u8> {
    match b.len() {
        16 => b
            .chunks(2)
            .map(|g| format!("{:02X}{:02X}", g[0], g[1]))
            .collect::<Vec<_>>()
            .join(":")
            .into_bytes(),
        _ => crate::cert::ip_text(b).into_bytes(),
    }
}

/// The domain check of `ProcessPeerCerts` (`CheckForAltNames`, else the CN).
fn host_matches(d: &Decoded<'_>, host: &str) -> bool {
    let h = host.as_bytes();
    if d.alt_names.is_empty() {
        return d
            .subject_cn
            .as_deref()
            .is_some_and(|cn| match_domain_name(cn, h));
    }
    d.alt_names.iter().any(|n| {
        if n.ty == NameType::Ip {
            match_domain_name(&ip_string(&n.bytes), h)
        } else {
            match_domain_name(&n.bytes, h)
        }
    })
}

fn rsa_small(d: &Decoded<'_>) -> Option<Fail> {
    let len = d.rsa_pub_len?;
    (len < MIN_RSA_BYTES).then(|| {
        fail(
            RSA_KEY_SIZE_E,
            Reason::BadKey {
                cert: label(d.at, d.cert),
                key: format!("{} (minimum RSA 1024)", d.cert.key.describe()),
            },
        )
    })
}

/// The leaf's RSA key as ProcessPeerCerts stores it (`wc_RsaPublicKeyDecode`): a modulus
/// wider than an `mp_int` does not load.
fn leaf_key_undecodable(d: &Decoded<'_>) -> Option<Fail> {
    let bits = match &d.cert.key {
        KeyKind::Rsa { bits, .. } => *bits as usize,
        _ => return None,
    };
    (bits.div_ceil(8) > MAX_MP_BYTES).then(|| {
        fail(
            PEER_KEY_ERROR,
            Reason::BadKey {
                cert: label(d.at, d.cert),
                key: format!(
                    "{} (this wolfSSL build holds RSA moduli up to {} bits)",
                    d.cert.key.describe(),
                    MAX_MP_BYTES * 8
                ),
            },
        )
    })
}

/// The leaf's RSA modulus against the minimum (`wc_RsaEncryptSize`).
fn leaf_rsa_small(d: &Decoded<'_>) -> Option<Fail> {
    let bits = match &d.cert.key {
        KeyKind::Rsa { bits, .. } => *bits as usize,
        _ => return None,
    };
    (bits.div_ceil(8) < MIN_RSA_BYTES).then(|| {
        fail(
            RSA_KEY_SIZE_E,
            Reason::BadKey {
                cert: label(d.at, d.cert),
                key: format!("{} (minimum RSA 1024)", d.cert.key.describe()),
            },
        )
    })
}

enum Entry<'a> {
    Cert(Box<Decoded<'a>>),
    Bad(CertLabel),
}

impl Stack for Wolfssl {
    fn verify(&self, p: &Profile, req: &Request<'_>) -> Verdict {
        let now = req.at;
        let build = p.wolfssl.unwrap_or(crate::profile::WOLFSSL_DEFAULT_BUILD);
        let mut reasons = Vec::new();
        let mut cm = Cm::default();

        // wolfSSL_check_domain_name, before any connection.
        if let HostCheck::Name(h) = req.host {
            if build.fqdn_hosts_only && !valid_fqdn(h.as_bytes()) && h != "localhost" {
                reasons.push(Reason::Other {
                    message: format!(
                        "wolfSSL_check_domain_name refuses '{h}': not a host name of two or more labels with a letter in the last (an IP address or a single label), so the connection is never made"
                    ),
                });
                return early(p, req, FATAL_ERROR, reasons);
            }
        }

        // The CA list, loaded before verification is switched on.
        for (i, a) in req.trust.iter().enumerate() {
            let Some(c) = a.cert.as_ref() else { continue };
            let d = decode(c, CertRef::Trust(i), build);
            let loaded = if build.ca_dates_at_load {
                dates(c, CertRef::Trust(i), now, false)
            } else {
                Ok(())
            }
            .and_then(|()| match rsa_small(&d) {
                // ProcessBuffer checks a CA's key size against the context's minimum.
                Some(f) if build.ca_key_size_at_load => Err(f),
                _ => Ok(()),
            })
            .and_then(|()| add_ca(&mut cm, &d, false, now));
            match loaded {
                Ok(_) if !build.trusted_peers => {}
                Ok(_) => {
                    let known = cm.peers.iter().any(|t| {
                        t.cert.subject_raw() == c.subject_raw() && (!d.skid_ext || t.skid == d.skid)
                    });
                    if !known {
                        cm.peers.push(TrustedPeer {
                            cert: c,
                            index: i,
                            skid: d.skid,
                        });
                    }
                }
                // Refused at load for its dates: a date reason, not a decoding one.
                Err(f) if f.code == ASN_AFTER_DATE_E || f.code == ASN_BEFORE_DATE_E => {
                    reasons.push(f.reason)
                }
                Err(f) => reasons.push(Reason::TrustCertUnparseable {
                    cert: label(CertRef::Trust(i), c),
                    code: f.code.to_string(),
                    detail: match f.reason {
                        Reason::ChainCertUnparseable { detail, .. } => detail,
                        Reason::Other { message } => message,
                        r => r.message(),
                    },
                }),
            }
        }

        // The handshake layer caps a message before reading it (DoTls13HandShakeMsg):
        // TLS 1.3 framing, a 1-byte request context, a 3-byte list length and per entry a
        // 3-byte length and 2 bytes of (empty) extensions.
        let msg_len = 4 + req.chain.iter().map(|e| 5 + e.bytes().len()).sum::<usize>();
        if msg_len > MAX_HANDSHAKE_SZ {
            reasons.push(Reason::MessageTooLarge {
                size: msg_len,
                limit: MAX_HANDSHAKE_SZ,
                setting: format!(
                    "wolfSSL MAX_HANDSHAKE_SZ: {MAX_CHAIN_DEPTH} certificates of 2048 bytes"
                ),
            });
            return early(p, req, HANDSHAKE_SIZE_ERROR, reasons);
        }

        // An empty Certificate message from the server (ProcessPeerCerts, client side).
        if req.chain.is_empty() {
            reasons.push(Reason::NoCertificate {
                code: NO_PEER_CERT.to_string(),
            });
            return Verdict {
                profile: p.summary(),
                ok: false,
                code: NO_PEER_CERT.to_string(),
                code_name: Some(code_name(NO_PEER_CERT).to_string()),
                flags: None,
                flag_names: Vec::new(),
                anchor: None,
                path: Vec::new(),
                reasons,
            };
        }

        // ProcessPeerCerts: without OPENSSL_EXTRA a tenth certificate ends the handshake
        // (MAX_CHAIN_ERROR); with it, reading stops and verification goes on.
        if !build.openssl_extra && req.chain.len() > MAX_CHAIN_DEPTH {
            reasons.push(Reason::ChainTooLong {
                max_intermediates: MAX_CHAIN_DEPTH - 1,
            });
            return early(p, req, MAX_CHAIN_ERROR, reasons);
        }
        let entries: Vec<Entry<'_>> = req
            .chain
            .iter()
            .take(MAX_CHAIN_DEPTH)
            .enumerate()
            .map(|(i, e)| match e.cert() {
                Some(c) => Entry::Cert(Box::new(decode(c, CertRef::Chain(i), build))),
                None => Entry::Bad(super::entry_label(i, e)),
            })
            .collect();
        if req.chain.len() > MAX_CHAIN_DEPTH {
            reasons.push(Reason::Other {
                message: format!(
                    "the server sent {} certificates; wolfSSL reads the first {MAX_CHAIN_DEPTH} \
                     and ignores the rest",
                    req.chain.len()
                ),
            });
        }

        let finish = |code: i32, reasons: Vec<Reason>, cm: &Cm<'_>, anchor: Option<AnchorInfo>| {
            let path = match anchor.is_some() {
                true => path_of(cm, &entries),
                false => sent_path(req),
            };
            Verdict {
                profile: p.summary(),
                ok: code == 0,
                code: code.to_string(),
                code_name: (code != 0).then(|| code_name(code).to_string()),
                flags: None,
                flag_names: Vec::new(),
                anchor,
                path,
                reasons,
            }
        };

        let leaf = match entries.first() {
            Some(Entry::Cert(d)) => d,
            Some(Entry::Bad(l)) => {
                reasons.push(Reason::ChainCertUnparseable {
                    cert: l.clone(),
                    code: ASN_PARSE_E.to_string(),
                    detail: "not a certificate wolfSSL can decode (ASN_PARSE_E)".into(),
                });
                return finish(ASN_PARSE_E, reasons, &cm, None);
            }
            None => {
                reasons.push(Reason::Other {
                    message: "the server sent no certificate".into(),
                });
                return finish(-345, reasons, &cm, None);
            }
        };

        // With trusted peers, the leaf is parsed without verification first (to look it up
        // among them); without, it is first read after the CAs above it.
        if build.trusted_peers {
            if let Err(f) = parse_relative(&cm, leaf, CertType::Peer, Mode::NoVerify, now) {
                reasons.push(f.reason);
                return finish(f.code, reasons, &cm, None);
            }
        }
        let peer = cm
            .peers
            .iter()
            .rev()
            .find(|t| {
                t.cert.subject_raw() == leaf.cert.subject_raw()
                    && (!leaf.skid_ext || t.skid == leaf.skid)
            })
            .filter(|t| t.cert.signature == leaf.cert.signature)
            .map(|t| t.index);

        let mut last_err: Option<Fail> = None;
        let mut verify_err = false;
        if peer.is_none() {
            let mut pending: Option<Fail> = None;
            for e in entries.iter().skip(1).rev() {
                pending = None;
                let (mut ret, is_ca, d) = match e {
                    Entry::Bad(l) => (
                        Err(unparseable(
                            l.clone(),
                            ASN_PARSE_E,
                            "not a certificate wolfSSL can decode".into(),
                        )),
                        false,
                        None,
                    ),
                    Entry::Cert(d) => {
                        let ty = if d.chain_ca_checks {
                            CertType::Chain
                        } else {
                            CertType::Peer
                        };
                        let r = parse_relative(&cm, d, ty, Mode::Verify, now)
                            .and_then(|p| chain_ca_eku(&cm, d, &p))
                            .map_err(|f| match f.code {
                                // LoadCertByIssuer (no hashed directory) makes it ASN_NO_SIGNER_E.
                                ASN_SELF_SIGNED_E => Fail {
                                    code: ASN_NO_SIGNER_E,
                                    ..f
                                },
                                _ => f,
                            })
                            .and_then(|_| rsa_small(d).map_or(Ok(()), Err));
                        (r, d.is_ca, Some(d))
                    }
                };
                let mut skip_add = false;
                if is_ca {
                    if let Err(f) = &ret {
                        if f.code == ASN_NO_SIGNER_E && build.alt_cert_chains {
                            // Alternate chains: a CA without signer is passed over.
                            ret = Ok(());
                            verify_err = false;
                        }
                        skip_add = true;
                    }
                }
                if ret.is_err() {
                    verify_err = true;
                }
                if let (Ok(()), Some(d)) = (&ret, d) {
                    let hash: [u8; 20] = match d.akid {
                        Some(_) => d.skid,
                        None => sha1::Sha1::digest(d.cert.subject_raw()).into(),
                    };
                    if is_ca && !skip_add && cm.by_key_id(&hash).is_none() {
                        if let Err(f) = add_ca(&mut cm, d, true, now) {
                            ret = Err(f);
                        }
                    }
                }
                if let (Err(f), false) = (&ret, build.alt_cert_chains) {
                    // Without alternate chains, a served CA that fails ends the handshake.
                    reasons.push(f.reason.clone());
                    return finish(f.code, reasons, &cm, None);
                }
                if let Err(f) = ret {
                    reasons.push(f.reason.clone());
                    if last_err.is_none() {
                        last_err = Some(f);
                    } else {
                        pending = Some(f);
                    }
                }
            }
            if let Some(f) = pending {
                return finish(f.code, reasons, &cm, None);
            }
        }

        // The leaf, verified.
        let mut ret: Result<Option<usize>, Fail> = match peer {
            Some(_) => Ok(None),
            None => parse_relative(&cm, leaf, CertType::Peer, Mode::Verify, now).map(|p| p.signer),
        };
        match &ret {
            Ok(_) if verify_err => {
                let code = last_err.as_ref().map_or(ASN_NO_SIGNER_E, |f| f.code);
                return finish(code, reasons, &cm, None);
            }
            Err(f) if f.code == ASN_PARSE_E || f.code == BUFFER_E || verify_err => {
                reasons.push(f.reason.clone());
                return finish(f.code, reasons, &cm, None);
            }
            _ => {}
        }
        if let Err(f) = &ret {
            reasons.push(f.reason.clone());
        }
        // 5.9: the server's key must be allowed to sign (keyUsage digitalSignature).
        if ret.is_ok() && build.leaf_digital_signature && leaf.ku_digital_sig == Some(false) {
            let f = fail(
                KEYUSE_SIGNATURE_E,
                Reason::Other {
                    message: format!(
                        "{}'s keyUsage lacks digitalSignature, which the TLS handshake needs (KEYUSE_SIGNATURE_E)",
                        leaf.cert.label()
                    ),
                },
            );
            reasons.push(f.reason.clone());
            ret = Err(f);
        }
        if leaf.eku_server == Some(false) {
            let f = fail(
                EXTKEYUSE_AUTH_E,
                Reason::ExtKeyUsage {
                    purposes: leaf
                        .cert
                        .ext_key_usage
                        .as_ref()
                        .map(|k| k.names())
                        .unwrap_or_default(),
                },
            );
            reasons.push(f.reason.clone());
            ret = Err(f);
        }
        if let HostCheck::Name(h) = req.host {
            if !host_matches(leaf, h) {
                let f = fail(
                    DOMAIN_NAME_MISMATCH,
                    Reason::HostnameMismatch {
                        host: h.to_string(),
                        names: super::names::offered_names(leaf.cert),
                    },
                );
                reasons.push(f.reason.clone());
                ret = Err(f);
            }
        }
        if ret.is_ok() {
            if let Some(f) = leaf_key_undecodable(leaf) {
                reasons.push(f.reason.clone());
                ret = Err(f);
            } else if leaf.unusable_curve {
                let f = fail(
                    PEER_KEY_ERROR,
                    Reason::BadKey {
                        cert: label(leaf.at, leaf.cert),
                        key: format!(
                            "{} (a curve this wolfSSL build does not have)",
                            leaf.cert.key.describe()
                        ),
                    },
                );
                reasons.push(f.reason.clone());
                ret = Err(f);
            } else if let Some(f) = leaf_rsa_small(leaf) {
                reasons.push(f.reason.clone());
                ret = Err(f);
            }
        }
        match ret {
            Err(f) => finish(f.code, reasons, &cm, None),
            Ok(_) if last_err.is_some() => {
                let code = last_err.as_ref().map_or(0, |f| f.code);
                finish(code, reasons, &cm, None)
            }
            Ok(signer) => {
                let anchor = match peer {
                    Some(i) => AnchorInfo::from_trust(req, i, "leaf-pinned"),
                    None => {
                        anchor_of(&cm, signer).and_then(|i| AnchorInfo::from_trust(req, i, "trust"))
                    }
                };
                finish(0, reasons, &cm, anchor)
            }
        }
    }
}

/// A refusal before the chain is processed: the served certificates as the path.
fn early(p: &Profile, req: &Request<'_>, code: i32, reasons: Vec<Reason>) -> Verdict {
    Verdict {
        profile: p.summary(),
        ok: false,
        code: code.to_string(),
        code_name: Some(code_name(code).to_string()),
        flags: None,
        flag_names: Vec::new(),
        anchor: None,
        path: sent_path(req),
        reasons,
    }
}

/// The trust entry at the top of the signers above `signer`.
fn anchor_of(cm: &Cm<'_>, mut signer: Option<usize>) -> Option<usize> {
    for _ in 0..=cm.signers.len() {
        let s = cm.signers.get(signer?)?;
        match s.at {
            CertRef::Trust(i) => return Some(i),
            CertRef::Chain(_) => signer = s.parent,
        }
    }
    None
}

fn path_of(cm: &Cm<'_>, entries: &[Entry<'_>]) -> Vec<PathEntry> {
    let mut out = Vec::new();
    if let Some(Entry::Cert(leaf)) = entries.first() {
        out.push(path_entry(CertRef::Chain(0), leaf.cert));
        let mut next = cm.find_signer(leaf);
        for _ in 0..=cm.signers.len() {
            let Some(s) = next.and_then(|i| cm.signers.get(i)) else {
                break;
            };
            out.push(path_entry(s.at, s.cert));
            next = s.parent;
        }
    }
    out
}

fn sent_path(req: &Request<'_>) -> Vec<PathEntry> {
    req.chain
        .iter()
        .enumerate()
        .map(|(i, c)| PathEntry {
            at: CertRef::Chain(i),
            subject: c
                .cert()
                .map_or_else(|| c.label(), |c| c.subject.to_string()),
            flags: 0,
            flag_names: Vec::new(),
        })
        .collect()
}

fn path_entry(at: CertRef, c: &Certificate) -> PathEntry {
    PathEntry {
        at,
        subject: c.subject.to_string(),
        flags: 0,
        flag_names: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::{
        ASN_PARSE_E, BUFFER_E, MEMORY_E, NameType, asn_length, decode_alt_names, decode_auth_info,
        decode_auth_key_id, decode_basic_constraints, decode_name_constraints, match_base_name,
        match_domain_name,
    };

    #[test]
    fn der_reading_as_wolfssl_does_it() {
        let len = |b: &[u8]| asn_length(b, &mut 0, b.len());
        assert_eq!(len(&[0x02, 0, 0]), Ok(2));
        assert_eq!(len(&[0x81, 0x7f]), Err(ASN_PARSE_E));
        assert_eq!(len(&[0x05, 0]), Err(BUFFER_E));
        // The certificate ends before the tag of the AKI's first field.
        assert_eq!(decode_auth_key_id(&[0x30, 0x00]), Err(ASN_PARSE_E));
        assert_eq!(
            decode_auth_key_id(&[0x30, 0x02, 0x80, 0x00]),
            Err(ASN_PARSE_E)
        );
        assert_eq!(
            decode_auth_key_id(&[0x30, 0x03, 0x82, 0x01, 0x01]),
            Ok(None)
        );
        assert_eq!(
            decode_name_constraints(&[0x30, 0x04, 0xA0, 0x00, 0xA1, 0x00]).err(),
            Some(ASN_PARSE_E)
        );
        assert!(decode_auth_info(b"malformed").is_err());
        assert_eq!(
            decode_basic_constraints(&[0x30, 0x06, 0x01, 0x01, 0xFF, 0x02, 0x01, 0x80]),
            Ok((true, Some(0x80)))
        );
        let san = |entries: &[u8]| {
            let mut v = vec![0x30, entries.len() as u8];
            v.extend_from_slice(entries);
            decode_alt_names(&v).map_err(|(code, _)| code)
        };
        assert_eq!(
            san(&[0x87, 8, 192, 0, 2, 0, 255, 255, 255, 0]).err(),
            Some(MEMORY_E)
        );
        assert_eq!(san(&[0x87, 4, 192, 0, 2, 1]).map(|a| a.names.len()), Ok(1));
        assert_eq!(san(&[]).err(), Some(ASN_PARSE_E));
    }

    #[test]
    fn domain_names_as_wolfssl_matches_them() {
        let m = |p: &str, h: &str| match_domain_name(p.as_bytes(), h.as_bytes());
        assert!(m("device.example.test", "DEVICE.example.test"));
        assert!(m("*.example.test", "a.example.test"));
        assert!(!m("*.example.test", "a.b.example.test"));
        assert!(!m("*.example.test", "example.test"));
        assert!(m("dev*.example.test", "device.example.test"));
        assert!(m("device.*", "device.test"));
        assert!(!m("device.*", "device.example.test"));
        assert!(!m("", "x"));
    }

    #[test]
    fn base_names_as_wolfssl_matches_them() {
        let d = |n: &str, b: &str| match_base_name(NameType::Dns, n.as_bytes(), b.as_bytes());
        assert!(d("device.example.test", "example.test"));
        assert!(d("badexample.test", "example.test"));
        assert!(!d("example.test", ".example.test"));
        assert!(!d(".example.test", "example.test"));
        let e = |n: &str, b: &str| match_base_name(NameType::Email, n.as_bytes(), b.as_bytes());
        assert!(e("user@example.test", "example.test"));
        assert!(!e("user@sub.example.test", "example.test"));
        assert!(e("user@sub.example.test", ".example.test"));
    }
}
