//! Signature checks: does this key verify this signature over these bytes?
//!
//! `ring` does the arithmetic for the algorithms it supports. What it does not support (RSA
//! below 2048 bits, MD5, P-521, ...) is reported as [`SigCheck::Unsupported`] so that callers
//! can tell "wrong signature" from "cannot check here".

use ring::signature as rs;
use serde::Serialize;
use x509_parser::prelude::FromDer;
use x509_parser::x509::SubjectPublicKeyInfo;

use crate::cert::{Certificate, Curve, HashAlg, KeyKind, SigAlg};

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
    let key = match KeyKind::from_spki_der(spki_der) {
        Ok(k) => k,
        Err(_) => return SigCheck::Unsupported("unparseable public key".into()),
    };
    let algorithm: &dyn rs::VerificationAlgorithm = match (&key, alg) {
        (KeyKind::Rsa { bits, .. }, SigAlg::RsaPkcs1 { hash }) => {
            if *bits < 2048 {
                return SigCheck::Unsupported(format!("RSA-{bits} signature check"));
            }
            match hash {
                HashAlg::Sha1 => &rs::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
                HashAlg::Sha256 => &rs::RSA_PKCS1_2048_8192_SHA256,
                HashAlg::Sha384 => &rs::RSA_PKCS1_2048_8192_SHA384,
                HashAlg::Sha512 => &rs::RSA_PKCS1_2048_8192_SHA512,
                other => {
                    return SigCheck::Unsupported(format!("RSA with {}", other.name()));
                }
            }
        }
        (KeyKind::Rsa { bits, .. }, SigAlg::RsaPss { hash }) => {
            if *bits < 2048 {
                return SigCheck::Unsupported(format!("RSA-{bits} signature check"));
            }
            match hash {
                Some(HashAlg::Sha256) => &rs::RSA_PSS_2048_8192_SHA256,
                Some(HashAlg::Sha384) => &rs::RSA_PSS_2048_8192_SHA384,
                Some(HashAlg::Sha512) => &rs::RSA_PSS_2048_8192_SHA512,
                _ => return SigCheck::Unsupported("RSA-PSS with this hash".into()),
            }
        }
        (KeyKind::Ec { curve }, SigAlg::Ecdsa { hash }) => match (curve, hash) {
            (Curve::P256, HashAlg::Sha256) => &rs::ECDSA_P256_SHA256_ASN1,
            (Curve::P256, HashAlg::Sha384) => &rs::ECDSA_P256_SHA384_ASN1,
            (Curve::P384, HashAlg::Sha256) => &rs::ECDSA_P384_SHA256_ASN1,
            (Curve::P384, HashAlg::Sha384) => &rs::ECDSA_P384_SHA384_ASN1,
            (c, h) => {
                return SigCheck::Unsupported(format!("ECDSA {} with {}", c.name(), h.name()));
            }
        },
        (KeyKind::Ed25519, SigAlg::Ed25519) => &rs::ED25519,
        (KeyKind::Rsa { .. }, _) | (KeyKind::Ec { .. }, _) | (KeyKind::Ed25519, _) => {
            return SigCheck::Invalid;
        }
        (k, a) => {
            return SigCheck::Unsupported(format!(
                "{} signature by {} key",
                a.name(),
                k.describe()
            ));
        }
    };
    match rs::UnparsedPublicKey::new(algorithm, key_bytes).verify(message, signature) {
        Ok(()) => SigCheck::Valid,
        Err(_) => SigCheck::Invalid,
    }
}

/// Checks whether `child` is signed by the key `issuer_spki`.
pub fn signed_by(child: &Certificate, issuer_spki: &[u8]) -> SigCheck {
    verify_signature(issuer_spki, &child.sig_alg, child.tbs(), &child.signature)
}
