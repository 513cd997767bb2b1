//! Synthetic certificates for what-if verdicts: the leaf a CA will issue under a given
//! intermediate at a future date. `plan` puts such a leaf below the certificates an endpoint is
//! expected to serve, so the engines judge a whole chain (a trusted intermediate or a pinned
//! certificate is then handled exactly as the device's library handles it) instead of a chain
//! with its first intermediate standing in for the leaf.
//!
//! The leaf is real DER (the issuer's subject copied byte for byte, an authorityKeyIdentifier
//! equal to the issuer's subjectKeyIdentifier, serverAuth, a DNS name); its signature is a
//! placeholder of the right shape that [`crate::crypto::assume_signed`] makes valid for the
//! issuer's key while a what-if runs.

use der::asn1::ObjectIdentifier;
use der::{Encode, Header, Length, Tag, TagNumber};

use crate::cert::{Certificate, Curve, HashAlg, KeyKind, SigAlg};

/// The DNS name of every synthetic leaf.
pub const LEAF_HOST: &str = "renewed-leaf.anchorkit.invalid";

/// A synthetic leaf and what makes its signature valid.
#[derive(Debug, Clone)]
pub struct Leaf {
    /// The certificate.
    pub cert: Certificate,
    /// The issuer's SubjectPublicKeyInfo (the key the signature is assumed made with).
    pub issuer_spki: Vec<u8>,
}

impl Leaf {
    /// The assumption for [`crate::crypto::assume_signed`].
    pub fn signature(&self) -> crate::crypto::AssumedSignature<'_> {
        (
            &self.issuer_spki,
            &self.cert.sig_alg,
            self.cert.tbs(),
            &self.cert.signature,
        )
    }
}

fn tlv(tag: Tag, parts: &[&[u8]]) -> Option<Vec<u8>> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let mut out = Vec::with_capacity(len + 6);
    Header::new(tag, Length::try_from(len).ok()?)
        .ok()?
        .encode_to_vec(&mut out)
        .ok()?;
    for p in parts {
        out.extend_from_slice(p);
    }
    Some(out)
}

fn seq(parts: &[&[u8]]) -> Option<Vec<u8>> {
    tlv(Tag::Sequence, parts)
}

fn ctx(n: u8, constructed: bool, parts: &[&[u8]]) -> Option<Vec<u8>> {
    tlv(
        Tag::ContextSpecific {
            constructed,
            number: TagNumber::new(n),
        },
        parts,
    )
}

fn oid(s: &str) -> Option<Vec<u8>> {
    ObjectIdentifier::new(s).ok()?.to_der().ok()
}

fn time(t: i64) -> Option<Vec<u8>> {
    let dt = time::OffsetDateTime::from_unix_timestamp(t).ok()?;
    let (tag, text) = if (1950..2050).contains(&dt.year()) {
        (
            Tag::UtcTime,
            format!(
                "{:02}{:02}{:02}{:02}{:02}{:02}Z",
                dt.year() % 100,
                u8::from(dt.month()),
                dt.day(),
                dt.hour(),
                dt.minute(),
                dt.second()
            ),
        )
    } else {
        (
            Tag::GeneralizedTime,
            format!(
                "{:04}{:02}{:02}{:02}{:02}{:02}Z",
                dt.year(),
                u8::from(dt.month()),
                dt.day(),
                dt.hour(),
                dt.minute(),
                dt.second()
            ),
        )
    };
    tlv(tag, &[text.as_bytes()])
}

fn extension(id: &str, critical: bool, value: &[u8]) -> Option<Vec<u8>> {
    let o = oid(id)?;
    let v = tlv(Tag::OctetString, &[value])?;
    if critical {
        seq(&[&o, &[0x01, 0x01, 0xff], &v])
    } else {
        seq(&[&o, &v])
    }
}

/// The signature algorithm a CA with this key signs leaves with (its own certificates'
/// algorithm when `hint` is of the same key type), the AlgorithmIdentifier, and a placeholder
/// signature of the right shape.
fn algorithm(key: &KeyKind, hint: Option<&SigAlg>) -> Option<(Vec<u8>, Vec<u8>)> {
    let hash_oid_rsa = |h: HashAlg| match h {
        HashAlg::Sha384 => "1.2.840.113549.1.1.12",
        HashAlg::Sha512 => "1.2.840.113549.1.1.13",
        _ => "1.2.840.113549.1.1.11",
    };
    let hash_oid_ec = |h: HashAlg| match h {
        HashAlg::Sha384 => "1.2.840.10045.4.3.3",
        HashAlg::Sha512 => "1.2.840.10045.4.3.4",
        _ => "1.2.840.10045.4.3.2",
    };
    match key {
        KeyKind::Rsa { bits, .. } => {
            let h = match hint {
                Some(SigAlg::RsaPkcs1 { hash }) if *hash >= HashAlg::Sha256 => *hash,
                _ => HashAlg::Sha256,
            };
            let id = seq(&[&oid(hash_oid_rsa(h))?, &[0x05, 0x00]])?;
            let n = (*bits as usize).div_ceil(8).max(1);
            let mut sig = vec![0x01; n];
            sig[0] = 0x00;
            Some((id, sig))
        }
        KeyKind::Ec { curve } => {
            let h = match (hint, curve) {
                (Some(SigAlg::Ecdsa { hash }), _) if *hash >= HashAlg::Sha256 => *hash,
                (_, Curve::P384) => HashAlg::Sha384,
                (_, Curve::P521) => HashAlg::Sha512,
                _ => HashAlg::Sha256,
            };
            let id = seq(&[&oid(hash_oid_ec(h))?])?;
            let one = tlv(Tag::Integer, &[&[0x01]])?;
            Some((id, seq(&[&one, &one])?))
        }
        KeyKind::Ed25519 => Some((seq(&[&oid("1.3.101.112")?])?, vec![0x01; 64])),
        _ => None,
    }
}

/// A leaf issued by `issuer` for `host` (a DNS name; [`LEAF_HOST`] when the name does not
/// matter), valid from `not_before` to `not_after`, with the key `spki` (DER
/// SubjectPublicKeyInfo; the issuer's own when `None`). `None` when the issuer's key type
/// cannot sign (or the dates or the name cannot be encoded).
pub fn leaf(
    issuer: &Certificate,
    spki: Option<&[u8]>,
    not_before: i64,
    not_after: i64,
    host: &str,
) -> Option<Leaf> {
    if host.is_empty() || host.len() > 253 || !host.bytes().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    let (alg, sig) = algorithm(&issuer.key, Some(&issuer.sig_alg))?;
    let version = ctx(0, true, &[&tlv(Tag::Integer, &[&[0x02]])?])?;
    let mut serial_bytes = issuer.sha256()[..16].to_vec();
    serial_bytes[0] &= 0x7f;
    serial_bytes[0] |= 0x40;
    let serial = tlv(Tag::Integer, &[&serial_bytes])?;
    let validity = seq(&[&time(not_before)?, &time(not_after)?])?;
    let cn = seq(&[&oid("2.5.4.3")?, &tlv(Tag::Utf8String, &[host.as_bytes()])?])?;
    let subject = seq(&[&tlv(Tag::Set, &[&cn])?])?;
    let key = spki.unwrap_or(issuer.spki_raw());
    let mut exts: Vec<Vec<u8>> = vec![
        extension("2.5.29.15", true, &[0x03, 0x02, 0x05, 0xa0])?,
        extension("2.5.29.37", false, &seq(&[&oid("1.3.6.1.5.5.7.3.1")?])?)?,
        extension("2.5.29.19", true, &seq(&[])?)?,
        extension(
            "2.5.29.17",
            false,
            &seq(&[&ctx(2, false, &[host.as_bytes()])?])?,
        )?,
    ];
    if let Some(ski) = &issuer.subject_key_id {
        exts.push(extension(
            "2.5.29.35",
            false,
            &seq(&[&ctx(0, false, &[ski])?])?,
        )?);
    }
    let refs: Vec<&[u8]> = exts.iter().map(Vec::as_slice).collect();
    let extensions = ctx(3, true, &[&seq(&refs)?])?;
    let tbs = seq(&[
        &version,
        &serial,
        &alg,
        issuer.subject_raw(),
        &validity,
        &subject,
        key,
        &extensions,
    ])?;
    let mut bits = vec![0x00];
    bits.extend_from_slice(&sig);
    let der = seq(&[&tbs, &alg, &tlv(Tag::BitString, &[&bits])?])?;
    let cert = Certificate::from_der(&der).ok()?;
    Some(Leaf {
        cert,
        issuer_spki: issuer.spki_raw().to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(path: &str) -> Certificate {
        let text =
            std::fs::read_to_string(format!("{}/data/certs/{path}", env!("CARGO_MANIFEST_DIR")))
                .unwrap_or_default();
        let block = pem::parse(text).expect("pem");
        Certificate::from_der(block.contents()).expect("cert")
    }

    #[test]
    fn a_synthetic_leaf_names_its_issuer_and_verifies_under_the_assumption() {
        for (file, alg) in [
            ("letsencrypt/2024-r10.pem", "sha256WithRSAEncryption"),
            ("letsencrypt/2024-e5.pem", "ecdsa-with-SHA384"),
        ] {
            let issuer = load(file);
            let l = leaf(
                &issuer,
                None,
                1_800_000_000,
                1_800_000_000 + 86_400 * 90,
                LEAF_HOST,
            )
            .expect("leaf");
            assert_eq!(l.cert.issuer_raw(), issuer.subject_raw());
            assert_eq!(l.cert.authority_key_id, issuer.subject_key_id);
            assert_eq!(l.cert.dns_names(), [LEAF_HOST]);
            assert!(!l.cert.is_ca());
            assert_eq!(l.cert.sig_alg.name(), alg, "{file}");
            let check = || {
                crate::crypto::verify_signature(
                    &l.issuer_spki,
                    &l.cert.sig_alg,
                    l.cert.tbs(),
                    &l.cert.signature,
                )
                .is_valid()
            };
            assert!(
                !check(),
                "a placeholder signature must not verify by itself"
            );
            assert!(crate::crypto::assume_signed(&[l.signature()], check));
            assert!(!check(), "the assumption ends with the closure");
        }
    }
}
