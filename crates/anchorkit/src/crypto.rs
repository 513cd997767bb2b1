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
    let key_oid = spki.algorithm.algorithm.to_id_string();
    let algorithm: &dyn rs::VerificationAlgorithm = match (key_oid.as_str(), alg) {
        ("1.2.840.113549.1.1.1", SigAlg::RsaPkcs1 { hash }) => match hash {
            HashAlg::Sha1 => &rs::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
            HashAlg::Sha256 => &rs::RSA_PKCS1_2048_8192_SHA256,
            HashAlg::Sha384 => &rs::RSA_PKCS1_2048_8192_SHA384,
            HashAlg::Sha512 => &rs::RSA_PKCS1_2048_8192_SHA512,
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
                (c, h) => {
                    return SigCheck::Unsupported(format!("ECDSA on curve {c} with {}", h.name()));
                }
            }
        }
        ("1.3.101.112", SigAlg::Ed25519) => &rs::ED25519,
        ("1.2.840.113549.1.1.1" | "1.2.840.10045.2.1" | "1.3.101.112", _) => {
            return SigCheck::Invalid;
        }
        (k, a) => return SigCheck::Unsupported(format!("{} signature by a {k} key", a.name())),
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

/// Checks whether `child` is signed by the key `issuer_spki`.
pub fn signed_by(child: &Certificate, issuer_spki: &[u8]) -> SigCheck {
    verify_signature(issuer_spki, &child.sig_alg, child.tbs(), &child.signature)
}
