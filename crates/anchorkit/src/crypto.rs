//! Signature checks: does this key verify this signature over these bytes?
//!
//! `ring` does the arithmetic for the algorithms it supports. What it does not support (RSA
//! below 2048 bits, MD5, P-521, ...) is reported as [`SigCheck::Unsupported`] so that callers
//! can tell "wrong signature" from "cannot check here".

use ring::signature as rs;
use serde::Serialize;
use x509_parser::prelude::FromDer;
use x509_parser::x509::SubjectPublicKeyInfo;

use crate::cert::{Certificate, HashAlg, KeyKind, SigAlg};

/// The outcome of one signature check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", content = "detail", rename_all = "kebab-case")]
pub enum SigCheck {
    /// The signature verifies.
    Valid,
    /// The signature does not verify with this key (or the key cannot make this kind of signature).
    Invalid,
    /// This combination cannot be checked here; the string says which.
    Unsupported(String),
}

impl SigCheck {
    /// Whether the signature verified.
    pub fn is_valid(&self) -> bool {
        matches!(self, SigCheck::Valid)
    }
}

/// Verifies `signature` over `message` with the key in `spki_der` using algorithm `alg`.
pub fn verify_signature(
    spki_der: &[u8],
    alg: &SigAlg,
    message: &[u8],
    signature: &[u8],
) -> SigCheck {
    let Ok((_, spki)) = SubjectPublicKeyInfo::from_der(spki_der) else {
        return SigCheck::Unsupported("unparseable public key".into());
    };
    let key_bytes: &[u8] = &spki.subject_public_key.data;
    // Key algorithm by its encoded OID bytes (no string formatting on the hot path).
    let key_oid = match spki.algorithm.algorithm.as_bytes() {
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01] => "1.2.840.113549.1.1.1",
        [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01] => "1.2.840.10045.2.1",
        [0x2b, 0x65, 0x70] => "1.3.101.112",
        _ => "other",
    };
    let algorithm: &dyn rs::VerificationAlgorithm = match (key_oid, alg) {
        ("1.2.840.113549.1.1.1", SigAlg::RsaPkcs1 { hash }) => match hash {
            HashAlg::Sha1 => &rs::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
            HashAlg::Sha256 => &rs::RSA_PKCS1_2048_8192_SHA256,
            HashAlg::Sha384 => &rs::RSA_PKCS1_2048_8192_SHA384,
            HashAlg::Sha512 => &rs::RSA_PKCS1_2048_8192_SHA512,
            HashAlg::Md5 => return rsa_md5(key_bytes, message, signature),
            other => return SigCheck::Unsupported(format!("RSA with {}", other.name())),
        },
        ("1.2.840.113549.1.1.1", SigAlg::RsaPss { hash }) => match hash {
            Some(HashAlg::Sha256) => &rs::RSA_PSS_2048_8192_SHA256,
            Some(HashAlg::Sha384) => &rs::RSA_PSS_2048_8192_SHA384,
            Some(HashAlg::Sha512) => &rs::RSA_PSS_2048_8192_SHA512,
            _ => return SigCheck::Unsupported("RSA-PSS with this hash".into()),
        },
        ("1.2.840.10045.2.1", SigAlg::Ecdsa { hash }) => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string())
                .unwrap_or_default();
            match (curve.as_str(), hash) {
                ("1.2.840.10045.3.1.7", HashAlg::Sha256) => &rs::ECDSA_P256_SHA256_ASN1,
                ("1.2.840.10045.3.1.7", HashAlg::Sha384) => &rs::ECDSA_P256_SHA384_ASN1,
                ("1.3.132.0.34", HashAlg::Sha256) => &rs::ECDSA_P384_SHA256_ASN1,
                ("1.3.132.0.34", HashAlg::Sha384) => &rs::ECDSA_P384_SHA384_ASN1,
                ("1.3.132.0.35", HashAlg::Sha512) => {
                    return p521_sha512(key_bytes, message, signature);
                }
                (c, h) => {
                    return SigCheck::Unsupported(format!("ECDSA on curve {c} with {}", h.name()));
                }
            }
        }
        ("1.3.101.112", SigAlg::Ed25519) => &rs::ED25519,
        ("1.2.840.113549.1.1.1" | "1.2.840.10045.2.1" | "1.3.101.112", _) => {
            return SigCheck::Invalid;
        }
        (_, a) => {
            let k = spki.algorithm.algorithm.to_id_string();
            return SigCheck::Unsupported(format!("{} signature by a {k} key", a.name()));
        }
    };
    match rs::UnparsedPublicKey::new(algorithm, key_bytes).verify(message, signature) {
        Ok(()) => SigCheck::Valid,
        Err(_) => {
            // ring only takes RSA keys of 2048 bits and more: say "cannot check" for smaller.
            match KeyKind::from_spki_der(spki_der) {
                Ok(KeyKind::Rsa { bits, .. }) if bits < 2048 => {
                    SigCheck::Unsupported(format!("RSA-{bits} signature check"))
                }
                _ => SigCheck::Invalid,
            }
        }
    }
}

/// RSA PKCS#1 v1.5 with MD5 (RustCrypto; ring refuses MD5). Mbed TLS still checks these
/// signatures and flags them BAD_MD, so anchorkit must know whether they verify.
fn rsa_md5(key: &[u8], message: &[u8], signature: &[u8]) -> SigCheck {
    use rsa::pkcs1::DecodeRsaPublicKey;
    use rsa::signature::Verifier;
    let Ok(pk) = rsa::RsaPublicKey::from_pkcs1_der(key) else {
        return SigCheck::Unsupported("unparseable RSA key".into());
    };
    let vk = rsa::pkcs1v15::VerifyingKey::<md5::Md5>::new(pk);
    match rsa::pkcs1v15::Signature::try_from(signature) {
        Ok(sig) if vk.verify(message, &sig).is_ok() => SigCheck::Valid,
        _ => SigCheck::Invalid,
    }
}

/// ECDSA P-521 with SHA-512 (RustCrypto; ring has no P-521).
fn p521_sha512(key: &[u8], message: &[u8], signature: &[u8]) -> SigCheck {
    use p521::ecdsa::signature::Verifier;
    let Ok(vk) = p521::ecdsa::VerifyingKey::from_sec1_bytes(key) else {
        return SigCheck::Unsupported("unparseable P-521 key".into());
    };
    match p521::ecdsa::Signature::from_der(signature) {
        Ok(sig) if vk.verify(message, &sig).is_ok() => SigCheck::Valid,
        _ => SigCheck::Invalid,
    }
}

/// Checks whether `child` is signed by the key `issuer_spki`.
pub fn signed_by(child: &Certificate, issuer_spki: &[u8]) -> SigCheck {
    verify_signature(issuer_spki, &child.sig_alg, child.tbs(), &child.signature)
}
