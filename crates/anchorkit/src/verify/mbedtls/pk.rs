//! Mbed TLS's reading of a certificate's SubjectPublicKeyInfo (`mbedtls_pk_parse_subpubkey`)
//! where it refuses keys other parsers take: the RSAPublicKey structure and its checks
//! (`pk_get_rsapubkey` in 2.x, `mbedtls_rsa_parse_pubkey` in 3.x, both ending in
//! `mbedtls_rsa_check_pubkey`), and EC keys with explicit domain parameters
//! (`pk_get_ecparams`, `pk_group_from_specified`).
//!
//! Named curves, key types and sizes are decided by the caller from the parsed certificate.

use crate::profile::Version;
use crate::profile::build::MbedBuild;

use super::ext::Fail;

const ASN1_OUT_OF_DATA: i32 = -0x0060;
const ASN1_UNEXPECTED_TAG: i32 = -0x0062;
const ASN1_INVALID_LENGTH: i32 = -0x0064;
const ASN1_LENGTH_MISMATCH: i32 = -0x0066;
const ASN1_INVALID_DATA: i32 = -0x0068;
const PK_KEY_INVALID_FORMAT: i32 = -0x3D00;
const PK_INVALID_PUBKEY: i32 = -0x3B00;
const PK_FEATURE_UNAVAILABLE: i32 = -0x3980;

const OID_RSA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
const OID_EC: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
const OID_PRIME_FIELD: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x01, 0x01];

/// One DER element: tag, contents, and what follows.
fn tlv(b: &[u8]) -> Result<(u8, &[u8], &[u8]), i32> {
    let (&tag, rest) = b.split_first().ok_or(ASN1_OUT_OF_DATA)?;
    let (&first, rest) = rest.split_first().ok_or(ASN1_OUT_OF_DATA)?;
    let (len, rest) = if first & 0x80 == 0 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7F);
        if n == 0 || n > 4 {
            return Err(ASN1_INVALID_LENGTH);
        }
        if rest.len() < n {
            return Err(ASN1_OUT_OF_DATA);
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |a, x| (a << 8) | usize::from(*x));
        (len, &rest[n..])
    };
    if len > rest.len() {
        return Err(ASN1_OUT_OF_DATA);
    }
    Ok((tag, &rest[..len], &rest[len..]))
}

/// `mbedtls_asn1_get_tag` for one expected tag.
fn expect(b: &[u8], tag: u8) -> Result<(&[u8], &[u8]), i32> {
    match b.first() {
        None => Err(ASN1_OUT_OF_DATA),
        Some(t) if *t != tag => Err(ASN1_UNEXPECTED_TAG),
        Some(_) => tlv(b).map(|(_, body, rest)| (body, rest)),
    }
}

/// The significant bytes of an unsigned big-endian integer.
fn strip(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|x| **x == 0).count();
    &b[n..]
}

fn bit_len(b: &[u8]) -> usize {
    let b = strip(b);
    match b.first() {
        None => 0,
        Some(x) => b.len() * 8 - x.leading_zeros() as usize,
    }
}

fn cmp_uint(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let (a, b) = (strip(a), strip(b));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Check the SubjectPublicKeyInfo of a certificate as Mbed TLS reads it.
pub(super) fn check(spki: &[u8], v: Version, b: &MbedBuild) -> Result<(), Fail> {
    let Ok((0x30, body, _)) = tlv(spki) else {
        return Ok(());
    };
    let Ok((alg, rest)) = expect(body, 0x30) else {
        return Ok(());
    };
    let Ok((oid, params)) = expect(alg, 0x06) else {
        return Ok(());
    };
    // pk_get_pk_alg: RSA parameters must be NULL or absent.
    if oid == OID_RSA && !(params.is_empty() || params == [0x05, 0x00]) {
        return Err((-0x3A80, "RSA key with parameters other than NULL".into()));
    }
    // mbedtls_asn1_get_bitstring_null
    let key = match expect(rest, 0x03) {
        Ok((bits, _)) if !bits.is_empty() && bits[0] == 0 => &bits[1..],
        Ok(_) => {
            return Err((
                PK_INVALID_PUBKEY + ASN1_INVALID_DATA,
                "a public key BIT STRING with unused bits".into(),
            ));
        }
        Err(e) => return Err((PK_INVALID_PUBKEY + e, "no public key BIT STRING".into())),
    };
    if oid == OID_RSA {
        return rsa_key(key, v).map_err(|(code, what)| (code, format!("RSA public key: {what}")));
    }
    if oid == OID_EC {
        if let Some(&tag) = params.first() {
            if tag == 0x30 {
                if !b.ec_extended {
                    return Err((
                        PK_KEY_INVALID_FORMAT + ASN1_UNEXPECTED_TAG,
                        "EC key with explicit domain parameters (MBEDTLS_PK_PARSE_EC_EXTENDED \
                         is off)"
                            .into(),
                    ));
                }
                let Ok((domain, _)) = expect(params, 0x30) else {
                    return Ok(());
                };
                return specified_domain(domain);
            }
        }
    }
    Ok(())
}

/// `pk_get_rsapubkey` (2.x) / `mbedtls_rsa_parse_pubkey` (3.x) and the public-key checks.
fn rsa_key(key: &[u8], v: Version) -> Result<(), Fail> {
    let asn1 = |e: i32| PK_INVALID_PUBKEY + e;
    let (seq, after) = expect(key, 0x30).map_err(|e| (asn1(e), "not a SEQUENCE".to_string()))?;
    if !after.is_empty() {
        // 2.x adds LENGTH_MISMATCH; 3.x returns RSA_BAD_INPUT_DATA, shown as the bare code.
        let code = if v.is_2x() {
            asn1(ASN1_LENGTH_MISMATCH)
        } else {
            PK_INVALID_PUBKEY
        };
        return Err((code, "bytes after the RSAPublicKey SEQUENCE".into()));
    }
    let (n, rest) = expect(seq, 0x02).map_err(|e| (asn1(e), "no modulus".to_string()))?;
    let (e, rest) = expect(rest, 0x02).map_err(|e| (asn1(e), "no exponent".to_string()))?;
    // mbedtls_rsa_check_pubkey: a positive odd modulus of 128 bits to MBEDTLS_MPI_MAX_SIZE,
    // an odd exponent of at least 3 below the modulus.
    let n_bytes = strip(n).len();
    let bad = |what: &str| Err((PK_INVALID_PUBKEY, what.to_string()));
    if n_bytes > 1024 {
        return bad("modulus above MBEDTLS_MPI_MAX_SIZE (8192 bits)");
    }
    if n.last().is_none_or(|x| x & 1 == 0) {
        return bad("even or empty modulus");
    }
    if bit_len(n) < 128 {
        return bad("modulus under 128 bits");
    }
    if e.last().is_none_or(|x| x & 1 == 0) || bit_len(e) < 2 {
        return bad("exponent even or below 3");
    }
    if cmp_uint(e, n) != std::cmp::Ordering::Less {
        return bad("exponent not below the modulus");
    }
    if !rest.is_empty() {
        return Err((
            asn1(ASN1_LENGTH_MISMATCH),
            "bytes after the exponent".into(),
        ));
    }
    Ok(())
}

/// `pk_group_from_specified` as far as it decides: Mbed TLS reads the base point before the
/// group has a type, so an uncompressed base point (every real-world encoding) is refused
/// with `MBEDTLS_ERR_PK_KEY_INVALID_FORMAT`; a compressed one is compared with the curves
/// compiled in, which anchorkit does not model (reported as unsupported).
fn specified_domain(d: &[u8]) -> Result<(), Fail> {
    let fmt = |e: i32, what: &str| (PK_KEY_INVALID_FORMAT + e, what.to_string());
    let raw = |e: i32, what: &str| (e, what.to_string());
    // version INTEGER { 1, 2, 3 }
    let (ver, rest) = expect(d, 0x02).map_err(|e| fmt(e, "explicit EC parameters: no version"))?;
    if ver.is_empty() || ver[0] & 0x80 != 0 {
        return Err(fmt(
            ASN1_INVALID_LENGTH,
            "explicit EC parameters: bad version",
        ));
    }
    let version = strip(ver);
    if version.len() != 1 || !(1..=3).contains(&version[0]) {
        return Err((
            PK_KEY_INVALID_FORMAT,
            "explicit EC parameters: version not 1, 2 or 3".into(),
        ));
    }
    let (field, rest) =
        expect(rest, 0x30).map_err(|e| raw(e, "explicit EC parameters: no fieldID"))?;
    let (ftype, fparams) =
        expect(field, 0x06).map_err(|e| raw(e, "explicit EC parameters: no field type"))?;
    if ftype != OID_PRIME_FIELD {
        return Err((
            PK_FEATURE_UNAVAILABLE,
            "explicit EC parameters over a binary field".into(),
        ));
    }
    let (_, after_p) =
        expect(fparams, 0x02).map_err(|e| fmt(e, "explicit EC parameters: no prime"))?;
    if !after_p.is_empty() {
        return Err(fmt(
            ASN1_LENGTH_MISMATCH,
            "explicit EC parameters: bytes after the prime",
        ));
    }
    let (curve, rest) =
        expect(rest, 0x30).map_err(|e| raw(e, "explicit EC parameters: no curve"))?;
    let (_, c) = expect(curve, 0x04).map_err(|e| fmt(e, "explicit EC parameters: no a"))?;
    let (_, c) = expect(c, 0x04).map_err(|e| fmt(e, "explicit EC parameters: no b"))?;
    let c = match expect(c, 0x03) {
        Ok((_, after_seed)) => after_seed,
        Err(_) => c,
    };
    if !c.is_empty() {
        return Err(fmt(
            ASN1_LENGTH_MISMATCH,
            "explicit EC parameters: bytes after the curve",
        ));
    }
    let (base, _) =
        expect(rest, 0x04).map_err(|e| fmt(e, "explicit EC parameters: no base point"))?;
    if !matches!(base.first(), Some(0x02 | 0x03)) {
        return Err((
            PK_KEY_INVALID_FORMAT,
            "explicit EC parameters with an uncompressed base point (Mbed TLS reads it before \
             the group is set up and refuses it)"
                .into(),
        ));
    }
    Err((
        -0x4E80,
        "explicit EC parameters with a compressed base point (matched against the compiled-in \
         curves; anchorkit does not model the match)"
            .into(),
    ))
}
