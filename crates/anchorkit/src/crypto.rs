//! Signature checks: does this key verify this signature over these bytes?
//!
//! Every algorithm a profiled stack can check is covered, so that "the library cannot check
//! this" is a profile fact decided in the engines, never an accident of this module:
//! - RSA PKCS#1 v1.5 with MD5, SHA-1, SHA-224, SHA-256, SHA-384 and SHA-512, at any key size
//!   and public exponent (`ring` for the common 2048-8192-bit keys, RustCrypto `rsa` for the rest);
//! - RSASSA-PSS with any digest, MGF1 digest and salt length the parameters name (EMSA-PSS
//!   checked here over RustCrypto's raw RSA operation, because the crates fix MGF1 to the
//!   message digest);
//! - ECDSA with any of those digests on secp192r1, secp224r1, secp256r1, secp384r1, secp521r1,
//!   secp256k1, brainpoolP256r1 and brainpoolP384r1 (`ring` for P-256/P-384 with SHA-256/384,
//!   RustCrypto prehash verification otherwise), and on secp192k1, secp224k1 and
//!   brainpoolP512r1 (hand-written in [`weierstrass`]: no crate covers them);
//! - Ed25519 (`ring`) and Ed448 (`ed448-goldilocks`).
//!
//! The digest is applied to the curve as every library does (leftmost bits of the order's
//! length); the signature must be strict DER, as all the profiled stacks require.

pub mod weierstrass;

use ring::signature as rs;
use serde::Serialize;
use x509_parser::prelude::FromDer;
use x509_parser::x509::SubjectPublicKeyInfo;

use crate::cert::{Certificate, HashAlg, SigAlg};

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

/// The digest of `message` with `h`.
pub fn digest(h: HashAlg, message: &[u8]) -> Option<Vec<u8>> {
    use sha2::Digest;
    Some(match h {
        HashAlg::Md5 => md5::Md5::digest(message).to_vec(),
        HashAlg::Sha1 => sha1::Sha1::digest(message).to_vec(),
        HashAlg::Sha224 => sha2::Sha224::digest(message).to_vec(),
        HashAlg::Sha256 => sha2::Sha256::digest(message).to_vec(),
        HashAlg::Sha384 => sha2::Sha384::digest(message).to_vec(),
        HashAlg::Sha512 => sha2::Sha512::digest(message).to_vec(),
        HashAlg::Md2 | HashAlg::Md4 => return None,
    })
}

const RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const ED25519: &[u8] = &[0x2b, 0x65, 0x70];
const ED448: &[u8] = &[0x2b, 0x65, 0x71];
/// id-RSASSA-PSS as a key type (RFC 4055): an RSA key for PSS signatures only.
const RSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];

/// Results of signature checks already made, by a 128-bit keyed hash (two SipHash keys drawn
/// at random per process) of everything they depend on: key, algorithm, signed bytes,
/// signature. The same check asked again (every verification of the same chain, every
/// candidate `doctor` and `bundle` try) costs a hash.
/// Signatures taken as valid on this thread while a what-if runs (see [`assume_reissued`]).
mod assumed {
    use std::cell::RefCell;

    thread_local! {
        static SET: RefCell<Vec<u128>> = const { RefCell::new(Vec::new()) };
    }

    pub(super) fn contains(k: u128) -> bool {
        SET.with(|s| s.borrow().contains(&k))
    }

    pub(super) fn push(keys: &[u128]) -> usize {
        SET.with(|s| {
            let mut s = s.borrow_mut();
            let n = s.len();
            s.extend_from_slice(keys);
            n
        })
    }

    pub(super) fn truncate(n: usize) {
        SET.with(|s| s.borrow_mut().truncate(n));
    }
}

/// Runs `f` with the signatures over modeled (what-if reissued) certificates taken as valid:
/// for each `(model, issuer_spki)`, when the issuer's signature over the original verifies,
/// the same signature under the model's algorithm is accepted too. The assumption holds on
/// this thread for the duration of `f` only.
pub fn assume_reissued<R>(
    models: &[(&crate::cert::Certificate, &crate::cert::Certificate, &[u8])],
    f: impl FnOnce() -> R,
) -> R {
    let mut keys = Vec::new();
    for (original, model, issuer_spki) in models {
        let ok = matches!(
            verify_signature(
                issuer_spki,
                &original.sig_alg,
                original.tbs(),
                &original.signature
            ),
            SigCheck::Valid
        );
        if ok {
            if let Some(k) =
                sig_cache::key(issuer_spki, &model.sig_alg, model.tbs(), &model.signature)
            {
                keys.push(k);
            }
        }
    }
    with_assumed(&keys, f)
}

/// A signature assumed valid: `(issuer SubjectPublicKeyInfo, algorithm, signed bytes,
/// signature)`.
pub type AssumedSignature<'a> = (&'a [u8], &'a crate::cert::SigAlg, &'a [u8], &'a [u8]);

/// Runs `f` with each `(issuer_spki, algorithm, signed bytes, signature)` taken as a valid
/// signature: the placeholder signatures of synthetic certificates ([`crate::synth`]). The
/// assumption holds on this thread for the duration of `f` only.
pub fn assume_signed<R>(sigs: &[AssumedSignature<'_>], f: impl FnOnce() -> R) -> R {
    let keys: Vec<u128> = sigs
        .iter()
        .filter_map(|(spki, alg, tbs, sig)| sig_cache::key(spki, alg, tbs, sig))
        .collect();
    with_assumed(&keys, f)
}

/// Runs `f` with the signature-cache keys `keys` taken as valid signatures on this thread,
/// removed again when `f` returns or unwinds.
fn with_assumed<R>(keys: &[u128], f: impl FnOnce() -> R) -> R {
    struct Undo(usize);
    impl Drop for Undo {
        fn drop(&mut self) {
            assumed::truncate(self.0);
        }
    }
    let _undo = Undo(assumed::push(keys));
    f()
}

mod sig_cache {
    use std::collections::HashMap;
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hash, Hasher};
    use std::sync::{Mutex, OnceLock};

    use super::SigCheck;
    use crate::cert::SigAlg;

    const MAX: usize = 16384;

    struct Cache {
        keys: (RandomState, RandomState),
        map: HashMap<u128, SigCheck>,
    }

    fn cache() -> &'static Mutex<Cache> {
        static M: OnceLock<Mutex<Cache>> = OnceLock::new();
        M.get_or_init(|| {
            Mutex::new(Cache {
                keys: (RandomState::new(), RandomState::new()),
                map: HashMap::new(),
            })
        })
    }

    fn keys() -> Option<(RandomState, RandomState)> {
        cache().lock().ok().map(|c| c.keys.clone())
    }

    pub(super) fn key(spki: &[u8], alg: &SigAlg, message: &[u8], signature: &[u8]) -> Option<u128> {
        let (a, b) = keys()?;
        let one = |s: &RandomState| {
            let mut h = s.build_hasher();
            spki.hash(&mut h);
            Hash::hash(alg, &mut h);
            signature.hash(&mut h);
            message.hash(&mut h);
            h.finish()
        };
        Some((u128::from(one(&a)) << 64) | u128::from(one(&b)))
    }

    pub(super) fn get(k: u128) -> Option<SigCheck> {
        cache().lock().ok()?.map.get(&k).cloned()
    }

    pub(super) fn put(k: u128, v: &SigCheck) {
        if let Ok(mut c) = cache().lock() {
            if c.map.len() >= MAX {
                c.map.clear();
            }
            c.map.insert(k, v.clone());
        }
    }

    pub(super) fn clear() {
        if let Ok(mut c) = cache().lock() {
            c.map.clear();
        }
    }
}

/// Empties the signature-check cache (for measuring cold verification).
pub fn clear_signature_cache() {
    sig_cache::clear();
}

/// Verifies `signature` over `message` with the key in `spki_der` using algorithm `alg`.
pub fn verify_signature(
    spki_der: &[u8],
    alg: &SigAlg,
    message: &[u8],
    signature: &[u8],
) -> SigCheck {
    let k = sig_cache::key(spki_der, alg, message, signature);
    if let Some(k) = k {
        if assumed::contains(k) {
            return SigCheck::Valid;
        }
    }
    if let Some(hit) = k.and_then(sig_cache::get) {
        return hit;
    }
    let r = verify_uncached(spki_der, alg, message, signature);
    if let Some(k) = k {
        sig_cache::put(k, &r);
    }
    r
}

fn verify_uncached(spki_der: &[u8], alg: &SigAlg, message: &[u8], signature: &[u8]) -> SigCheck {
    let Ok((_, spki)) = SubjectPublicKeyInfo::from_der(spki_der) else {
        return SigCheck::Unsupported("unparseable public key".into());
    };
    let key: &[u8] = &spki.subject_public_key.data;
    match spki.algorithm.algorithm.as_bytes() {
        RSA => rsa_verify(key, alg, message, signature),
        EC => {
            let SigAlg::Ecdsa { hash } = alg else {
                return SigCheck::Invalid;
            };
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string())
                .unwrap_or_default();
            ecdsa_verify(&curve, key, *hash, message, signature)
        }
        ED25519 => match alg {
            SigAlg::Ed25519 => ring_check(&rs::ED25519, key, message, signature),
            _ => SigCheck::Invalid,
        },
        ED448 => match alg {
            SigAlg::Ed448 => ed448_verify(key, message, signature),
            _ => SigCheck::Invalid,
        },
        RSA_PSS => {
            // The key's parameters, when present, restrict its signatures (RFC 4055 §3.1, as
            // OpenSSL's provider applies them): the same digest and MGF1 digest, a salt at
            // least as long. A PKCS#1 v1.5 signature never verifies with a PSS key.
            let SigAlg::RsaPss {
                hash,
                mgf1,
                salt_len,
                ..
            } = alg
            else {
                return SigCheck::Invalid;
            };
            let restriction = spki
                .algorithm
                .parameters
                .as_ref()
                .filter(|p| p.tag().0 == 16)
                .map(|p| SigAlg::from_parts("1.2.840.113549.1.1.10", Some(p.data)));
            if let Some(SigAlg::RsaPss {
                hash: kh,
                mgf1: km,
                salt_len: ks,
                ..
            }) = restriction
            {
                if kh.is_none() || km.is_none() {
                    return SigCheck::Unsupported("unreadable RSASSA-PSS key parameters".into());
                }
                if kh != *hash || km != *mgf1 || *salt_len < ks {
                    return SigCheck::Invalid;
                }
            }
            rsa_verify(key, alg, message, signature)
        }
        _ => SigCheck::Unsupported(format!(
            "{} signature by a {} key",
            alg.name(),
            spki.algorithm.algorithm.to_id_string()
        )),
    }
}

fn ring_check(
    alg: &'static dyn rs::VerificationAlgorithm,
    key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> SigCheck {
    match rs::UnparsedPublicKey::new(alg, key).verify(message, signature) {
        Ok(()) => SigCheck::Valid,
        Err(_) => SigCheck::Invalid,
    }
}

/// An RSA public key from its PKCS#1 `RSAPublicKey` DER, with no size or exponent limits
/// (the libraries' limits are profile facts).
fn rsa_key(key: &[u8]) -> Option<rsa::RsaPublicKey> {
    use rsa::BigUint;
    use rsa::pkcs1::der::Decode;
    let k = rsa::pkcs1::RsaPublicKey::from_der(key).ok()?;
    let n = BigUint::from_bytes_be(k.modulus.as_bytes());
    let e = BigUint::from_bytes_be(k.public_exponent.as_bytes());
    Some(rsa::RsaPublicKey::new_unchecked(n, e))
}

fn rsa_verify(key: &[u8], alg: &SigAlg, message: &[u8], signature: &[u8]) -> SigCheck {
    use rsa::traits::PublicKeyParts;
    match alg {
        SigAlg::RsaPkcs1 { hash } => {
            let Some(pk) = rsa_key(key) else {
                return SigCheck::Unsupported("unparseable RSA key".into());
            };
            // ring is the fastest correct choice for the keys it takes.
            let bits = pk.n().bits();
            let e = pk.e();
            let e_ok = e.bits() >= 2 && e.bits() <= 33 && (e % 2u32) == rsa::BigUint::from(1u32);
            if (2048..=8192).contains(&bits) && e_ok {
                let ring_alg: Option<&'static dyn rs::VerificationAlgorithm> = match hash {
                    HashAlg::Sha1 => Some(&rs::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY),
                    HashAlg::Sha256 => Some(&rs::RSA_PKCS1_2048_8192_SHA256),
                    HashAlg::Sha384 => Some(&rs::RSA_PKCS1_2048_8192_SHA384),
                    HashAlg::Sha512 => Some(&rs::RSA_PKCS1_2048_8192_SHA512),
                    _ => None,
                };
                if let Some(a) = ring_alg {
                    return ring_check(a, key, message, signature);
                }
            }
            rsa_pkcs1(&pk, *hash, message, signature)
        }
        SigAlg::RsaPss {
            hash,
            mgf1,
            salt_len,
            trailer,
        } => {
            let (Some(h), Some(m)) = (hash, mgf1) else {
                return SigCheck::Unsupported("RSASSA-PSS parameters".into());
            };
            if *trailer != 1 {
                return SigCheck::Unsupported(format!("RSASSA-PSS trailer field {trailer}"));
            }
            let Some(pk) = rsa_key(key) else {
                return SigCheck::Unsupported("unparseable RSA key".into());
            };
            let Some(m_hash) = digest(*h, message) else {
                return SigCheck::Unsupported(format!("digest {}", h.name()));
            };
            if emsa_pss_verify(&pk, *h, &m_hash, *m, *salt_len as usize, signature) {
                SigCheck::Valid
            } else {
                SigCheck::Invalid
            }
        }
        _ => SigCheck::Invalid,
    }
}

/// The DER `DigestInfo` prefix of each digest (RFC 8017 9.2 note 1), parameters NULL.
fn digest_info_prefix(h: HashAlg) -> Option<&'static [u8]> {
    Some(match h {
        HashAlg::Md5 => &[
            0x30, 0x20, 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05,
            0x05, 0x00, 0x04, 0x10,
        ],
        HashAlg::Sha1 => &[
            0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04,
            0x14,
        ],
        HashAlg::Sha224 => &[
            0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x04, 0x05, 0x00, 0x04, 0x1c,
        ],
        HashAlg::Sha256 => &[
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x05, 0x00, 0x04, 0x20,
        ],
        HashAlg::Sha384 => &[
            0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x02, 0x05, 0x00, 0x04, 0x30,
        ],
        HashAlg::Sha512 => &[
            0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x03, 0x05, 0x00, 0x04, 0x40,
        ],
        HashAlg::Md2 | HashAlg::Md4 => return None,
    })
}

/// The RSA public operation `s^e mod n` as a `k`-byte big-endian string (`k` = modulus
/// length), or `None` when the signature is not a `k`-byte integer below `n`.
fn rsa_public_op(pk: &rsa::RsaPublicKey, signature: &[u8], len: usize) -> Option<Vec<u8>> {
    use rsa::BigUint;
    use rsa::traits::PublicKeyParts;
    if signature.len() != pk.size() {
        return None;
    }
    let s = BigUint::from_bytes_be(signature);
    if &s >= pk.n() {
        return None;
    }
    let m = s.modpow(pk.e(), pk.n()).to_bytes_be();
    if m.len() > len {
        return None;
    }
    let mut out = vec![0u8; len - m.len()];
    out.extend_from_slice(&m);
    Some(out)
}

/// RSASSA-PKCS1-v1_5-VERIFY (RFC 8017 8.2.2): the recovered block must equal the expected
/// encoding byte for byte, as Mbed TLS, BearSSL and OpenSSL compare it.
fn rsa_pkcs1(pk: &rsa::RsaPublicKey, hash: HashAlg, message: &[u8], signature: &[u8]) -> SigCheck {
    use rsa::traits::PublicKeyParts;
    let (Some(prefix), Some(h)) = (digest_info_prefix(hash), digest(hash, message)) else {
        return SigCheck::Unsupported(format!("RSA with {}", hash.name()));
    };
    let k = pk.size();
    let t_len = prefix.len() + h.len();
    if k < t_len + 11 {
        return SigCheck::Invalid;
    }
    let Some(em) = rsa_public_op(pk, signature, k) else {
        return SigCheck::Invalid;
    };
    let mut expected = Vec::with_capacity(k);
    expected.extend_from_slice(&[0x00, 0x01]);
    expected.resize(k - t_len - 1, 0xff);
    expected.push(0x00);
    expected.extend_from_slice(prefix);
    expected.extend_from_slice(&h);
    if em == expected {
        SigCheck::Valid
    } else {
        SigCheck::Invalid
    }
}

/// MGF1 (RFC 8017 B.2.1) with digest `h`.
fn mgf1(h: HashAlg, seed: &[u8], len: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(len + 64);
    let mut counter: u32 = 0;
    while out.len() < len {
        let mut block = seed.to_vec();
        block.extend_from_slice(&counter.to_be_bytes());
        out.extend(digest(h, &block)?);
        counter = counter.checked_add(1)?;
    }
    out.truncate(len);
    Some(out)
}

/// RSASSA-PSS-VERIFY (RFC 8017 8.1.2 and 9.1.2) with an explicit MGF1 digest and salt length.
fn emsa_pss_verify(
    pk: &rsa::RsaPublicKey,
    hash: HashAlg,
    m_hash: &[u8],
    mgf_hash: HashAlg,
    salt_len: usize,
    signature: &[u8],
) -> bool {
    use rsa::traits::PublicKeyParts;
    let mod_bits = pk.n().bits();
    if mod_bits < 2 {
        return false;
    }
    let em_bits = mod_bits - 1;
    let em_len = em_bits.div_ceil(8);
    let Some(em) = rsa_public_op(pk, signature, em_len) else {
        return false;
    };
    let h_len = m_hash.len();
    if em_len < h_len + salt_len + 2 || em.last() != Some(&0xbc) {
        return false;
    }
    let db_len = em_len - h_len - 1;
    let (masked_db, rest) = em.split_at(db_len);
    let h = &rest[..h_len];
    let zero_bits = 8 * em_len - em_bits;
    if zero_bits > 0 && masked_db[0] >> (8 - zero_bits) != 0 {
        return false;
    }
    let Some(mask) = mgf1(mgf_hash, h, db_len) else {
        return false;
    };
    let mut db: Vec<u8> = masked_db.iter().zip(&mask).map(|(a, b)| a ^ b).collect();
    if zero_bits > 0 {
        db[0] &= 0xff >> zero_bits;
    }
    let ps_len = em_len - h_len - salt_len - 2;
    if db[..ps_len].iter().any(|b| *b != 0) || db[ps_len] != 0x01 {
        return false;
    }
    let salt = &db[db_len - salt_len..];
    let mut m_prime = vec![0u8; 8];
    m_prime.extend_from_slice(m_hash);
    m_prime.extend_from_slice(salt);
    // H' = Hash(0x00 * 8 || mHash || salt) with the message digest (RFC 8017 9.1.2 step 13).
    digest(hash, &m_prime).is_some_and(|hp| hp == h)
}

/// Pads (left, with zeros) or leaves a digest for a curve of `field_len` bytes; the crates
/// truncate longer digests themselves but refuse ones shorter than half the field.
fn field_digest(d: &[u8], field_len: usize) -> Vec<u8> {
    if d.len() >= field_len {
        return d.to_vec();
    }
    let mut v = vec![0u8; field_len - d.len()];
    v.extend_from_slice(d);
    v
}

macro_rules! rc_ecdsa16 {
    ($curve:ty, $len:expr, $key:expr, $d:expr, $sig:expr) => {{
        use ecdsa::signature::hazmat::PrehashVerifier;
        match (
            ecdsa::VerifyingKey::<$curve>::from_sec1_bytes($key),
            ecdsa::Signature::<$curve>::from_der($sig),
        ) {
            // The stacks accept both s and n - s; some crates (k256) only the low one.
            (Ok(vk), Ok(s)) => {
                let s = s.normalize_s().unwrap_or(s);
                vk.verify_prehash(&field_digest($d, $len), &s).is_ok()
            }
            _ => false,
        }
    }};
}

macro_rules! rc_ecdsa17 {
    ($curve:ty, $len:expr, $key:expr, $d:expr, $sig:expr) => {{
        use ecdsa17::signature::hazmat::PrehashVerifier;
        match (
            ecdsa17::VerifyingKey::<$curve>::from_sec1_bytes($key),
            ecdsa17::Signature::<$curve>::from_der($sig),
        ) {
            (Ok(vk), Ok(s)) => {
                let s = s.normalize_s();
                vk.verify_prehash(&field_digest($d, $len), &s).is_ok()
            }
            _ => false,
        }
    }};
}

fn ecdsa_verify(
    curve: &str,
    key: &[u8],
    hash: HashAlg,
    message: &[u8],
    signature: &[u8],
) -> SigCheck {
    match (curve, hash) {
        ("1.2.840.10045.3.1.7", HashAlg::Sha256) => {
            return ring_check(&rs::ECDSA_P256_SHA256_ASN1, key, message, signature);
        }
        ("1.2.840.10045.3.1.7", HashAlg::Sha384) => {
            return ring_check(&rs::ECDSA_P256_SHA384_ASN1, key, message, signature);
        }
        ("1.3.132.0.34", HashAlg::Sha256) => {
            return ring_check(&rs::ECDSA_P384_SHA256_ASN1, key, message, signature);
        }
        ("1.3.132.0.34", HashAlg::Sha384) => {
            return ring_check(&rs::ECDSA_P384_SHA384_ASN1, key, message, signature);
        }
        _ => {}
    }
    let Some(d) = digest(hash, message) else {
        return SigCheck::Unsupported(format!("ECDSA with {}", hash.name()));
    };
    let ok = match curve {
        "1.2.840.10045.3.1.1" => rc_ecdsa16!(p192::NistP192, 24, key, &d, signature),
        "1.3.132.0.33" => rc_ecdsa16!(p224::NistP224, 28, key, &d, signature),
        "1.2.840.10045.3.1.7" => rc_ecdsa16!(p256::NistP256, 32, key, &d, signature),
        "1.3.132.0.34" => rc_ecdsa16!(p384::NistP384, 48, key, &d, signature),
        "1.3.132.0.35" => rc_ecdsa16!(p521::NistP521, 66, key, &d, signature),
        "1.3.132.0.10" => rc_ecdsa16!(k256::Secp256k1, 32, key, &d, signature),
        "1.3.36.3.3.2.8.1.1.7" => rc_ecdsa17!(bp256::BrainpoolP256r1, 32, key, &d, signature),
        "1.3.36.3.3.2.8.1.1.11" => rc_ecdsa17!(bp384::BrainpoolP384r1, 48, key, &d, signature),
        other => {
            let Some(params) = weierstrass::curve_by_oid(other) else {
                return SigCheck::Unsupported(format!("ECDSA on curve {other}"));
            };
            let Some((r, s)) = der_ecdsa_sig(signature) else {
                return SigCheck::Invalid;
            };
            weierstrass::verify(params, key, &d, r, s)
        }
    };
    if ok {
        SigCheck::Valid
    } else {
        SigCheck::Invalid
    }
}

/// `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }`, strict DER (minimal, positive
/// integers, nothing after), as the crates require for the other curves.
fn der_ecdsa_sig(sig: &[u8]) -> Option<(&[u8], &[u8])> {
    fn tlv(b: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
        let (&t, rest) = b.split_first()?;
        if t != tag {
            return None;
        }
        let (&l0, rest) = rest.split_first()?;
        let (len, rest) = match l0 {
            0..=0x7f => (usize::from(l0), rest),
            0x81 => {
                let (&l, r) = rest.split_first()?;
                if l < 0x80 {
                    return None;
                }
                (usize::from(l), r)
            }
            0x82 => {
                let l = usize::from(*rest.first()?) << 8 | usize::from(*rest.get(1)?);
                if l < 0x100 {
                    return None;
                }
                (l, rest.get(2..)?)
            }
            _ => return None,
        };
        Some((rest.get(..len)?, rest.get(len..)?))
    }
    fn int(b: &[u8]) -> Option<(&[u8], &[u8])> {
        let (v, rest) = tlv(b, 0x02)?;
        let first = *v.first()?;
        if first & 0x80 != 0 || (first == 0 && v.len() > 1 && v[1] & 0x80 == 0) {
            return None;
        }
        Some((v, rest))
    }
    let (body, after) = tlv(sig, 0x30)?;
    if !after.is_empty() {
        return None;
    }
    let (r, rest) = int(body)?;
    let (s, rest) = int(rest)?;
    rest.is_empty().then_some((r, s))
}

fn ed448_verify(key: &[u8], message: &[u8], signature: &[u8]) -> SigCheck {
    let (Ok(kb), Ok(sb)) = (
        <&[u8; 57]>::try_from(key),
        <&[u8; 114]>::try_from(signature),
    ) else {
        return SigCheck::Invalid;
    };
    let Ok(vk) = ed448_goldilocks::VerifyingKey::from_bytes(kb) else {
        return SigCheck::Invalid;
    };
    let Ok(sig) = ed448_goldilocks::Signature::try_from(&sb[..]) else {
        return SigCheck::Invalid;
    };
    match vk.verify_raw(&sig, message) {
        Ok(()) => SigCheck::Valid,
        Err(_) => SigCheck::Invalid,
    }
}

/// Checks whether `child` is signed by the key `issuer_spki`.
pub fn signed_by(child: &Certificate, issuer_spki: &[u8]) -> SigCheck {
    verify_signature(issuer_spki, &child.sig_alg, child.tbs(), &child.signature)
}
