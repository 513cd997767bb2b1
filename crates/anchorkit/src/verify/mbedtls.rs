//! Mbed TLS 2.28 / 3.x / 4.x certificate verification, as a TLS client runs it, including
//! ESP-IDF's certificate-bundle callback.
//!
//! Modelled on `x509_crt_verify_restartable_ca_cb`, `x509_crt_verify_chain`,
//! `x509_crt_find_parent(_in)`, `x509_crt_check_parent`, `x509_crt_check_ee_locally_trusted`,
//! `x509_crt_verify_name`, `x509_crt_merge_flags_with_cb`, `mbedtls_ssl_verify_certificate`
//! and the Certificate-message parser, as described in `shared/reference/mbedtls-semantics.md`
//! §3 (identical in 2.28.x, 3.x and 4.1 except where `Version` says otherwise), and on
//! ESP-IDF's `esp_crt_verify_callback` (esp-bundle-formats.md §2.3).

mod crt;
mod ext;
mod pk;

use super::names::{mbedtls_host_matches, mbedtls_name_eq, offered_names};
use super::{
    AnchorInfo, CertLabel, CertRef, HostCheck, PathEntry, Reason, Request, Stack, Verdict,
    entry_label, label, time_text,
};
use crate::anchor::TrustAnchor;
use crate::cert::{Certificate, ChainEntry, Curve, HashAlg, KeyKind, SigAlg};
use crate::crypto::{SigCheck, verify_signature};
use crate::explain::{flag_names, mbedtls_code_name};
use crate::profile::build::{self, MbedBuild};
use crate::profile::{Authmode, BundleCallback, Profile, TrustMode, Version, X509Profile};

/// The Mbed TLS stack.
pub struct Mbedtls;

const EXPIRED: u32 = 0x01;
const CN_MISMATCH: u32 = 0x04;
const NOT_TRUSTED: u32 = 0x08;
const FUTURE: u32 = 0x0200;
const KEY_USAGE: u32 = 0x0800;
const EXT_KEY_USAGE: u32 = 0x1000;
const BAD_MD: u32 = 0x4000;
const BAD_PK: u32 = 0x8000;
const BAD_KEY: u32 = 0x010000;

/// `MBEDTLS_X509_KU_DIGITAL_SIGNATURE` and `MBEDTLS_X509_KU_KEY_CERT_SIGN`.
const KU_DIGITAL_SIGNATURE: u32 = 0x80;
const KU_KEY_CERT_SIGN: u32 = 0x04;

const ERR_CERT_VERIFY_FAILED: i32 = -0x2700;
const ERR_FATAL: i32 = -0x3000;
const ERR_BAD_CERTIFICATE: i32 = -0x7A00;
const ERR_CA_CHAIN_REQUIRED: i32 = -0x7680;
const ERR_NO_HOSTNAME: i32 = -0x5D80;
const ERR_UNKNOWN_SIG_ALG: i32 = -0x262E;
const ERR_DECODE_ERROR: i32 = -0x7300;
const ERR_SSL_BAD_INPUT_DATA: i32 = -0x7100;
const ERR_SSL_FEATURE_UNAVAILABLE: i32 = -0x7080;

/// What `mbedtls_x509_crt_parse_der` says about a certificate.
enum Parse {
    Ok(ext::Parsed),
    Err(i32, String),
}

const ERR_INVALID_FORMAT: i32 = -0x2180;
const ERR_INVALID_ALG: i32 = -0x2300;
const ERR_INVALID_NAME: i32 = -0x2380;
const ERR_UNKNOWN_VERSION: i32 = -0x2580;
const ERR_UNKNOWN_NAMED_CURVE: i32 = -0x3A00;
const ERR_UNKNOWN_PK_ALG: i32 = -0x3C80;
const ASN1_OUT_OF_DATA: i32 = -0x0060;
const ASN1_UNEXPECTED_TAG: i32 = -0x0062;
const OID_NOT_FOUND: i32 = -0x002E;
const ASN1_INVALID_DATA: i32 = -0x0068;

/// `mbedtls_x509_get_sig_alg`: the algorithm must be one this build has (its OID table
/// follows the digests compiled in), with parameters absent or NULL, or RSASSA-PSS with
/// readable parameters.
fn sig_alg_ok(sa: &SigAlg, b: &MbedBuild) -> Result<(), ext::Fail> {
    let unknown = |what: String| Err((ERR_UNKNOWN_SIG_ALG, what));
    match sa {
        SigAlg::RsaPkcs1 { hash } | SigAlg::Ecdsa { hash } => {
            let md_ok = !matches!(hash, HashAlg::Md2 | HashAlg::Md4) && b.has_hash(*hash);
            let ecdsa_md5 = matches!(sa, SigAlg::Ecdsa { .. }) && *hash == HashAlg::Md5;
            if !md_ok || ecdsa_md5 {
                return unknown(format!(
                    "signature algorithm {} unknown to this Mbed TLS build",
                    sa.name()
                ));
            }
        }
        SigAlg::RsaPss { hash, mgf1, .. } => {
            if !b.rsa_pss {
                return Err((
                    ERR_INVALID_ALG,
                    "RSASSA-PSS parameters without MBEDTLS_X509_RSASSA_PSS_SUPPORT".into(),
                ));
            }
            match hash {
                Some(h) if b.has_hash(*h) => {}
                _ => {
                    return Err((
                        ERR_INVALID_ALG + OID_NOT_FOUND,
                        "RSASSA-PSS with a digest this build does not have".into(),
                    ));
                }
            }
            match mgf1 {
                Some(h) if b.has_hash(*h) => {}
                _ => {
                    return Err((
                        ERR_INVALID_ALG + OID_NOT_FOUND,
                        "RSASSA-PSS with an MGF1 digest this build does not have".into(),
                    ));
                }
            }
        }
        SigAlg::Ed25519 | SigAlg::Ed448 | SigAlg::Other { .. } => {
            return unknown(format!(
                "signature algorithm {} unknown to Mbed TLS",
                sa.name()
            ));
        }
    }
    Ok(())
}

/// The caller's checks in [`crt::parse`]'s order.
struct MbedSteps<'a> {
    v: Version,
    b: &'a MbedBuild,
    parsed: ext::Parsed,
    /// The key when the certificate was already read (its SubjectPublicKeyInfo is not read
    /// twice).
    key: Option<&'a KeyKind>,
}

impl crt::Steps for MbedSteps<'_> {
    fn sig_alg(&mut self, alg: &crt::Alg) -> Result<(), ext::Fail> {
        let oid = alg.dotted().unwrap_or_default();
        let sa = SigAlg::from_parts(&oid, (alg.params_tag == 0x30).then_some(&alg.params[..]));
        if let SigAlg::RsaPss { .. } = sa {
            if self.b.rsa_pss && alg.params_tag != 0x30 {
                // x509_get_rsassa_pss_params: the parameters must be a SEQUENCE.
                return Err((
                    ERR_INVALID_ALG + ASN1_UNEXPECTED_TAG,
                    "RSASSA-PSS without a parameters SEQUENCE".into(),
                ));
            }
        } else if !matches!(sa, SigAlg::Other { .. } | SigAlg::Ed25519 | SigAlg::Ed448)
            && ((alg.params_tag != 0x05 && alg.params_tag != 0) || !alg.params.is_empty())
        {
            sig_alg_ok(&sa, self.b)?;
            return Err((
                ERR_INVALID_ALG,
                format!(
                    "{} with parameters that are neither absent nor NULL",
                    sa.name()
                ),
            ));
        }
        sig_alg_ok(&sa, self.b)
    }

    fn key(&mut self, spki: &[u8]) -> Result<(), ext::Fail> {
        let read;
        let k = match self.key {
            Some(k) => k,
            None => {
                read = KeyKind::from_spki_der(spki).map_err(|e| {
                    (
                        -0x3D00 + ASN1_INVALID_DATA,
                        format!("the key does not decode: {e}"),
                    )
                })?;
                &read
            }
        };
        key_parses(spki, k, self.v, self.b)
    }

    fn extensions(&mut self, tbs: &[u8]) -> Result<(), ext::Fail> {
        self.parsed = ext::check(tbs, self.v, self.b)?;
        Ok(())
    }
}

/// `mbedtls_x509_crt_parse_der` on `der`: where the parts are and what the extensions said.
fn walk(
    der: &[u8],
    key: Option<&KeyKind>,
    v: Version,
    b: &MbedBuild,
) -> Result<(crt::Layout, ext::Parsed), ext::Fail> {
    let mut steps = MbedSteps {
        v,
        b,
        parsed: ext::Parsed::default(),
        key,
    };
    let l = crt::parse(der, v, &mut steps)?;
    Ok((l, steps.parsed))
}

/// A certificate Mbed TLS reads but anchorkit's strict reader does not (a time without its
/// `Z`, constructed unique identifiers): read from a strict re-encoding, over the bytes given.
fn lenient_cert(bytes: &[u8], v: Version, b: &MbedBuild) -> Option<Certificate> {
    let (l, _) = walk(bytes, None, v, b).ok()?;
    let strict = Certificate::from_der(&crt::normalized(bytes, &l)).ok()?;
    Some(strict.rebased(
        &bytes[l.whole.clone()],
        l.tbs.clone(),
        l.subject.clone(),
        l.issuer.clone(),
        l.spki.clone(),
    ))
}

/// What `mbedtls_x509_crt_parse_der` says of a certificate (a what-if model is judged by its
/// fields, which its DER does not carry).
fn parse_check(c: &Certificate, v: Version, b: &MbedBuild) -> Parse {
    if c.modeled {
        return modeled_check(c, v, b);
    }
    match walk(c.der(), Some(&c.key), v, b) {
        Ok((_, x)) => Parse::Ok(x),
        Err((code, detail)) => Parse::Err(code, detail),
    }
}

/// The parse checks on a what-if model's fields: version, signature algorithm, issuer, key.
fn modeled_check(c: &Certificate, v: Version, b: &MbedBuild) -> Parse {
    if c.version > 3 {
        return Parse::Err(ERR_UNKNOWN_VERSION, format!("X.509 version {}", c.version));
    }
    if let Err((code, detail)) = sig_alg_ok(&c.sig_alg, b) {
        return Parse::Err(code, detail);
    }
    if c.issuer.rdns.is_empty() {
        return Parse::Err(
            ERR_INVALID_NAME + ASN1_OUT_OF_DATA,
            "empty issuer name".into(),
        );
    }
    if let Err((code, detail)) = key_parses(c.spki_raw(), &c.key, v, b) {
        return Parse::Err(code, detail);
    }
    Parse::Ok(ext::Parsed::from_fields(c))
}

/// `mbedtls_pk_parse_subpubkey`: the key structure, then the key types and named curves this
/// build has.
fn key_parses(spki: &[u8], key: &KeyKind, v: Version, b: &MbedBuild) -> Result<(), (i32, String)> {
    pk::check(spki, v, b)?;
    match key {
        KeyKind::Rsa { bits, .. } => {
            // MBEDTLS_MPI_MAX_SIZE: 1024 bytes (8192 bits).
            if *bits > 8192 {
                return Err((
                    -0x3B00,
                    format!("RSA {bits} exceeds MBEDTLS_MPI_MAX_SIZE (8192 bits)"),
                ));
            }
        }
        KeyKind::Ec { curve } => {
            let known = match curve {
                Curve::Other(oid) => {
                    !v.is_4x() && build::SMALL_KOBLITZ.contains(&oid.as_str()) && b.curves.len() > 6
                }
                c => b.has_curve(c),
            };
            if !known {
                return Err((
                    ERR_UNKNOWN_NAMED_CURVE,
                    format!(
                        "curve {} not compiled into this Mbed TLS build",
                        curve.name()
                    ),
                ));
            }
        }
        other => {
            return Err((
                ERR_UNKNOWN_PK_ALG,
                format!("key type {} not supported", other.describe()),
            ));
        }
    }
    Ok(())
}

/// What the SSL layer does with one entry of the Certificate message
/// (`ssl_parse_certificate_chain`): its size limits, then `mbedtls_x509_crt_parse_der`.
fn parse_entry<'a>(
    e: &'a ChainEntry,
    lenient: Option<&'a Certificate>,
    v: Version,
    b: &MbedBuild,
) -> Result<(&'a Certificate, ext::Parsed), (i32, String)> {
    let n = e.bytes().len();
    if n >= 65536 {
        return Err((
            ERR_BAD_CERTIFICATE,
            format!("a {n}-byte entry: Mbed TLS takes at most 65535 bytes per certificate"),
        ));
    }
    if n < 128 {
        return Err((
            if v.is_2x() {
                ERR_BAD_CERTIFICATE
            } else {
                ERR_DECODE_ERROR
            },
            format!("a {n}-byte entry: Mbed TLS rejects certificates under 128 bytes"),
        ));
    }
    let Some(c) = e.cert().or(lenient) else {
        // Mbed TLS's own error; a certificate it would read and anchorkit cannot is said so.
        return Err(match walk(e.bytes(), None, v, b) {
            Err(f) => f,
            Ok(_) => (
                ERR_INVALID_FORMAT,
                "Mbed TLS reads this certificate, anchorkit cannot (a form it does not model)"
                    .into(),
            ),
        });
    };
    match parse_check(c, v, b) {
        Parse::Ok(x) => Ok((c, x)),
        Parse::Err(code, detail) => Err((code, detail)),
    }
}

/// The X.509 profile in effect.
struct Limits {
    /// 2.x measures RSA keys in whole bytes.
    bytes_bitlen: bool,
    mds: &'static [HashAlg],
    ecdsa_only: bool,
    rsa_min: u32,
    curves: &'static [Curve],
    any_curve: bool,
}

fn limits(p: &Profile, v: Version) -> Limits {
    const NIST_BP: &[Curve] = &[
        Curve::P256,
        Curve::P384,
        Curve::P521,
        Curve::BrainpoolP256r1,
        Curve::BrainpoolP384r1,
        Curve::BrainpoolP512r1,
    ];
    const NEXT: &[Curve] = &[
        Curve::P256,
        Curve::P384,
        Curve::P521,
        Curve::BrainpoolP256r1,
        Curve::BrainpoolP384r1,
        Curve::BrainpoolP512r1,
        Curve::Secp256k1,
    ];
    match p.x509_profile {
        X509Profile::Default if v.is_2x() => Limits {
            bytes_bitlen: true,
            mds: &[
                HashAlg::Sha224,
                HashAlg::Sha256,
                HashAlg::Sha384,
                HashAlg::Sha512,
            ],
            ecdsa_only: false,
            rsa_min: 2048,
            curves: NIST_BP,
            any_curve: true,
        },
        X509Profile::Default => Limits {
            bytes_bitlen: false,
            mds: &[HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha512],
            ecdsa_only: false,
            rsa_min: 2048,
            curves: NIST_BP,
            any_curve: false,
        },
        X509Profile::Next => Limits {
            bytes_bitlen: v.is_2x(),
            mds: &[HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha512],
            ecdsa_only: false,
            rsa_min: 2048,
            curves: NEXT,
            any_curve: false,
        },
        X509Profile::SuiteB => Limits {
            bytes_bitlen: v.is_2x(),
            mds: &[HashAlg::Sha256, HashAlg::Sha384],
            ecdsa_only: true,
            rsa_min: 0,
            curves: &[Curve::P256, Curve::P384],
            any_curve: false,
        },
    }
}

impl Limits {
    fn md_ok(&self, alg: &SigAlg) -> bool {
        alg.hash().is_some_and(|h| self.mds.contains(&h))
    }

    fn sig_pk_ok(&self, alg: &SigAlg) -> bool {
        !self.ecdsa_only || matches!(alg, SigAlg::Ecdsa { .. })
    }

    fn key_type_ok(&self, key: &KeyKind) -> bool {
        !self.ecdsa_only || matches!(key, KeyKind::Ec { .. })
    }

    fn key_ok(&self, key: &KeyKind) -> bool {
        match key {
            // 2.x: mbedtls_pk_get_bitlen is the modulus length in whole bytes, times 8.
            KeyKind::Rsa { bits, .. } if self.bytes_bitlen => bits.div_ceil(8) * 8 >= self.rsa_min,
            KeyKind::Rsa { bits, .. } => *bits >= self.rsa_min,
            KeyKind::Ec { curve } => self.any_curve || self.curves.contains(curve),
            _ => false,
        }
    }
}

/// A certificate the chain loop works on.
#[derive(Clone, Copy)]
enum Node {
    /// Index into the parsed served chain.
    Chain(usize),
    /// Index into the parsed CA list.
    Ca(usize),
    /// A bundle record synthesised as a trusted CA (cross-signed mode).
    Synth(usize),
}

struct Ctx<'a> {
    p: &'a Profile,
    v: Version,
    b: &'a MbedBuild,
    lim: Limits,
    at: i64,
    /// Served chain after the parser's drops: (original index, cert).
    chain: Vec<(usize, &'a Certificate)>,
    /// CA list: (original trust index, cert).
    ca: Vec<(usize, &'a Certificate)>,
    /// Bundle records sorted by subject: (original trust index, anchor).
    bundle: Vec<(usize, &'a TrustAnchor)>,
    /// What Mbed TLS read from each parsed certificate's extensions, by `ext_key`.
    exts: Vec<(usize, ext::Parsed)>,
    reasons: Vec<Reason>,
    /// The cross-signed mode's `ca_cb` failed on this bundle record (its key does not parse):
    /// Mbed TLS ends verification with MBEDTLS_ERR_X509_FATAL_ERROR.
    ca_cb_failed: std::cell::Cell<Option<usize>>,
}

/// The identity of a parsed certificate for `Ctx::exts` (its shared DER buffer).
fn ext_key(c: &Certificate) -> usize {
    c.der().as_ptr() as usize
}

impl<'a> Ctx<'a> {
    /// The extension fields Mbed TLS keeps for `c` (read again if `c` was not parsed here).
    fn ext_of(&self, c: &Certificate) -> ext::Parsed {
        let k = ext_key(c);
        match self.exts.iter().find(|(x, _)| *x == k) {
            Some((_, p)) => *p,
            None => match parse_check(c, self.v, self.b) {
                Parse::Ok(p) => p,
                Parse::Err(..) => ext::Parsed::default(),
            },
        }
    }

    fn cert_of(&self, n: Node) -> Option<&'a Certificate> {
        match n {
            Node::Chain(i) => self.chain.get(i).map(|(_, c)| *c),
            Node::Ca(i) => self.ca.get(i).map(|(_, c)| *c),
            Node::Synth(_) => None,
        }
    }

    fn node_ref(&self, n: Node) -> CertRef {
        match n {
            Node::Chain(i) => CertRef::Chain(self.chain.get(i).map_or(i, |(o, _)| *o)),
            Node::Ca(i) => CertRef::Trust(self.ca.get(i).map_or(i, |(o, _)| *o)),
            Node::Synth(i) => CertRef::Trust(self.bundle.get(i).map_or(i, |(o, _)| *o)),
        }
    }

    fn node_label(&self, n: Node) -> CertLabel {
        match (n, self.cert_of(n)) {
            (_, Some(c)) => label(self.node_ref(n), c),
            (Node::Synth(i), None) => CertLabel {
                at: self.node_ref(n),
                name: self
                    .bundle
                    .get(i)
                    .map(|(_, a)| a.label())
                    .unwrap_or_default(),
            },
            _ => CertLabel {
                at: self.node_ref(n),
                name: String::new(),
            },
        }
    }

    fn time_flags(&self, n: Node) -> u32 {
        if !self.p.time_check {
            return 0;
        }
        let (nb, na) = match self.cert_of(n) {
            Some(c) => (c.not_before, c.not_after),
            // Synthetic cross-signed anchors carry an all-zero validity (year 0).
            None => (i64::MIN, i64::MIN),
        };
        let mut f = 0;
        if na < self.at {
            f |= EXPIRED;
        }
        if nb > self.at {
            f |= FUTURE;
        }
        f
    }

    /// `x509_crt_check_parent`.
    fn check_parent(&self, child: &Certificate, parent: &Certificate, top: bool) -> bool {
        if !mbedtls_name_eq(&child.issuer, &parent.subject) {
            return false;
        }
        // Mbed TLS's own reading of the parent's basicConstraints and keyUsage.
        let x = self.ext_of(parent);
        let need_ca_bit = !(top && parent.version < 3);
        if need_ca_bit && !x.ca {
            return false;
        }
        if need_ca_bit && !ext::key_usage_allows(x.key_usage, KU_KEY_CERT_SIGN) {
            return false;
        }
        true
    }

    fn sig_ok(&self, child: &Certificate, spki: &[u8]) -> bool {
        mbedtls_sig_ok(child, &child.sig_alg, spki)
    }

    /// `x509_crt_find_parent_in` over a candidate list.
    fn find_in(
        &self,
        child: &Certificate,
        cands: &[Node],
        top: bool,
        path_cnt: usize,
        self_cnt: usize,
    ) -> Option<(Node, bool)> {
        let mut fallback: Option<(Node, bool)> = None;
        for &cand in cands {
            let (parent_ok, max_pathlen, spki): (bool, i32, &[u8]) =
                match (cand, self.cert_of(cand)) {
                    (_, Some(pc)) => (
                        self.check_parent(child, pc, top),
                        self.ext_of(pc).max_pathlen,
                        pc.spki_raw(),
                    ),
                    (Node::Synth(i), None) => match self.bundle.get(i) {
                        Some((_, a)) => (a.subject_raw() == child.issuer_raw(), 0, a.spki_raw()),
                        None => continue,
                    },
                    _ => continue,
                };
            if !parent_ok {
                continue;
            }
            // max_pathlen = pathLen + 1 (0: none); skip when it is smaller than
            // 1 + path_cnt - self_cnt.
            if max_pathlen > 0 && (max_pathlen as usize) < 1 + path_cnt.saturating_sub(self_cnt) {
                continue;
            }
            let sig_ok = self.sig_ok(child, spki);
            if top && !sig_ok {
                continue;
            }
            if self.time_flags(cand) != 0 {
                if fallback.is_none() {
                    fallback = Some((cand, sig_ok));
                }
                continue;
            }
            return Some((cand, sig_ok));
        }
        fallback
    }

    fn trusted_candidates(&self, child: &Certificate) -> Vec<Node> {
        match self.p.trust_mode {
            TrustMode::CertPem => (0..self.ca.len()).map(Node::Ca).collect(),
            // The dummy all-zero CA never matches.
            TrustMode::Bundle => Vec::new(),
            // ca_cb: ESP-IDF looks the child's issuer up in the bundle.
            TrustMode::BundleCrossSigned => {
                let found = bundle_find(&self.bundle, child.issuer_raw(), self.legacy());
                // esp_crt_ca_cb_callback parses the record's key into its synthetic CA.
                if let Some(j) = found {
                    let a = self.bundle[j].1;
                    if key_parses(a.spki_raw(), &a.key, self.v, self.b).is_err() {
                        self.ca_cb_failed.set(Some(j));
                        return Vec::new();
                    }
                }
                found.map(Node::Synth).into_iter().collect()
            }
        }
    }

    fn legacy(&self) -> bool {
        self.callback() == BundleCallback::Legacy
    }

    fn callback(&self) -> BundleCallback {
        self.p
            .esp_idf
            .map_or(BundleCallback::Legacy, |e| e.bundle_callback())
    }

    /// `x509_crt_find_parent`: trusted list first, then the certificates sent after the child.
    fn find_parent(
        &self,
        child: &Certificate,
        child_pos: Option<usize>,
        path_cnt: usize,
        self_cnt: usize,
    ) -> Option<(Node, bool, bool)> {
        let trusted = self.trusted_candidates(child);
        if let Some((n, ok)) = self.find_in(child, &trusted, true, path_cnt, self_cnt) {
            return Some((n, true, ok));
        }
        let start = child_pos.map_or(self.chain.len(), |p| p + 1);
        let peers: Vec<Node> = (start..self.chain.len()).map(Node::Chain).collect();
        self.find_in(child, &peers, false, path_cnt, self_cnt)
            .map(|(n, ok)| (n, false, ok))
    }

    /// `x509_crt_check_ee_locally_trusted`.
    fn ee_locally_trusted(&self, ee: &Certificate) -> Option<usize> {
        if self.p.trust_mode != TrustMode::CertPem || !mbedtls_name_eq(&ee.issuer, &ee.subject) {
            return None;
        }
        self.ca.iter().position(|(_, c)| c.der() == ee.der())
    }
}

/// The ESP-IDF bundle's binary search: `memcmp` over the shorter length (v5.4+) or the record's
/// name length (legacy), first hit wins.
fn bundle_find(bundle: &[(usize, &TrustAnchor)], issuer: &[u8], legacy: bool) -> Option<usize> {
    if bundle.is_empty() {
        return None;
    }
    let (mut start, mut end) = (0i64, bundle.len() as i64 - 1);
    while start <= end {
        let middle = (start + end) / 2;
        let name = bundle.get(middle as usize)?.1.subject_raw();
        let n = if legacy {
            name.len()
        } else {
            name.len().min(issuer.len())
        };
        let a = issuer.get(..n.min(issuer.len())).unwrap_or(issuer);
        let b = name.get(..n).unwrap_or(name);
        // Past the issuer's end the legacy memcmp reads the rest of the certificate; treat the
        // issuer as smaller there, which only matters for names that are prefixes of others.
        let cmp = a.cmp(b).then(if a.len() < b.len() {
            std::cmp::Ordering::Less
        } else {
            std::cmp::Ordering::Equal
        });
        match cmp {
            std::cmp::Ordering::Equal => return Some(middle as usize),
            std::cmp::Ordering::Less => end = middle - 1,
            std::cmp::Ordering::Greater => start = middle + 1,
        }
    }
    None
}

fn hex_code(code: i32) -> String {
    if code == 0 {
        "0".into()
    } else {
        format!("-0x{:04X}", code.unsigned_abs())
    }
}

fn verdict_for(
    p: &Profile,
    code: i32,
    flags: Option<u32>,
    path: Vec<PathEntry>,
    anchor: Option<AnchorInfo>,
    reasons: Vec<Reason>,
) -> Verdict {
    let version = p.mbedtls.map(|v| format!("{}.{}.{}", v.0, v.1, v.2));
    Verdict {
        profile: p.summary(),
        ok: code == 0,
        code: hex_code(code),
        code_name: if code == 0 {
            None
        } else {
            mbedtls_code_name(code, version.as_deref())
                .or_else(|| mbedtls_code_name(code, None))
                .map(str::to_string)
        },
        flags,
        flag_names: flags
            .map(|f| flag_names(f).into_iter().map(str::to_string).collect())
            .unwrap_or_default(),
        anchor,
        path,
        reasons,
    }
}

/// `mbedtls_ssl_get_verify_result` before the chain is verified: 0 up to 3.6.5 and in 4.0,
/// all bits set from 3.6.6 and 4.1.
fn initial_flags(v: Version) -> u32 {
    if (v >= Version(3, 6, 6) && v < Version(4, 0, 0)) || v >= Version(4, 1, 0) {
        u32::MAX
    } else {
        0
    }
}

impl Stack for Mbedtls {
    fn verify(&self, p: &Profile, req: &Request<'_>) -> Verdict {
        let v = p.mbedtls.unwrap_or(Version(3, 6, 5));
        let default_build;
        let b: &MbedBuild = match &p.build {
            Some(b) => b,
            None => {
                default_build = MbedBuild::upstream(v);
                &default_build
            }
        };
        let early = Some(initial_flags(v));
        // Served certificates only Mbed TLS's leniency reads.
        let lenient: Vec<Option<Certificate>> = req
            .chain
            .iter()
            .map(|e| match e.cert() {
                Some(_) => None,
                None => lenient_cert(e.bytes(), v, b),
            })
            .collect();
        let mut cx = Ctx {
            p,
            v,
            b,
            exts: Vec::new(),
            lim: limits(p, v),
            at: req.at,
            chain: Vec::new(),
            ca: Vec::new(),
            bundle: Vec::new(),
            reasons: Vec::new(),
            ca_cb_failed: std::cell::Cell::new(None),
        };

        // The trust configuration.
        match p.trust_mode {
            TrustMode::CertPem => {
                let mut first_error = None;
                for (i, a) in req.trust.iter().enumerate() {
                    let Some(c) = a.cert.as_ref() else {
                        cx.reasons.push(Reason::TrustEntryNotACertificate {
                            trust: CertLabel {
                                at: CertRef::Trust(i),
                                name: a.label(),
                            },
                        });
                        continue;
                    };
                    match parse_check(c, v, b) {
                        Parse::Ok(x) => {
                            cx.exts.push((ext_key(c), x));
                            cx.ca.push((i, c));
                        }
                        Parse::Err(code, detail) => {
                            first_error.get_or_insert(code);
                            cx.reasons.push(Reason::TrustCertUnparseable {
                                cert: label(CertRef::Trust(i), c),
                                code: hex_code(code),
                                detail,
                            });
                        }
                    }
                }
                if cx.ca.is_empty() {
                    let code = first_error.unwrap_or(ERR_CA_CHAIN_REQUIRED);
                    return verdict_for(p, code, early, Vec::new(), None, cx.reasons);
                }
            }
            TrustMode::Bundle | TrustMode::BundleCrossSigned => {
                cx.bundle = req.trust.iter().enumerate().collect();
                cx.bundle
                    .sort_by(|a, b| a.1.subject_raw().cmp(b.1.subject_raw()));
            }
        }

        // The Certificate message must fit: TLS 1.2 framing (4-byte header, 3-byte list length,
        // 3 bytes per entry). Before 3.6.3 a handshake message may not span records (the server
        // fills 16384-byte records): FEATURE_UNAVAILABLE; from 3.6.3 it is reassembled in the
        // input buffer and must fit MBEDTLS_SSL_IN_CONTENT_LEN: BAD_INPUT_DATA.
        let msg_len = 7 + req.chain.iter().map(|e| 3 + e.bytes().len()).sum::<usize>();
        let reassembles = v >= Version(3, 6, 3);
        let record_max = 16384usize.min(b.in_content_len as usize);
        if (!reassembles && msg_len > record_max)
            || (reassembles && msg_len > b.in_content_len as usize)
        {
            let code = if reassembles {
                ERR_SSL_BAD_INPUT_DATA
            } else {
                ERR_SSL_FEATURE_UNAVAILABLE
            };
            cx.reasons.push(Reason::MessageTooLarge {
                size: msg_len,
                limit: if reassembles {
                    b.in_content_len as usize
                } else {
                    record_max
                },
                setting: if reassembles {
                    format!(
                        "MBEDTLS_SSL_IN_CONTENT_LEN {}: Mbed TLS {v} reassembles a handshake \
                         message only within its input buffer",
                        b.in_content_len
                    )
                } else {
                    format!(
                        "Mbed TLS {v} cannot take a handshake message split over several \
                         records; MBEDTLS_SSL_IN_CONTENT_LEN {}",
                        b.in_content_len
                    )
                },
            });
            return verdict_for(p, code, early, Vec::new(), None, cx.reasons);
        }

        // An empty list: the message is shorter than a header, a list length and one entry's
        // length (`ssl_parse_certificate_chain`).
        if req.chain.is_empty() {
            let code = if v.is_2x() {
                ERR_BAD_CERTIFICATE
            } else {
                ERR_DECODE_ERROR
            };
            cx.reasons.push(Reason::NoCertificate {
                code: hex_code(code),
            });
            return verdict_for(p, code, early, Vec::new(), None, cx.reasons);
        }

        // The Certificate message, parsed certificate by certificate.
        for (i, e) in req.chain.iter().enumerate() {
            match parse_entry(e, lenient.get(i).and_then(Option::as_ref), v, b) {
                Ok((c, x)) => {
                    cx.exts.push((ext_key(c), x));
                    cx.chain.push((i, c));
                }
                Err((ERR_UNKNOWN_SIG_ALG, detail)) => cx.reasons.push(Reason::ChainCertDropped {
                    cert: entry_label(i, e),
                    detail,
                }),
                Err((code, detail)) => {
                    cx.reasons.push(Reason::ChainCertUnparseable {
                        cert: entry_label(i, e),
                        code: hex_code(code),
                        detail,
                    });
                    return verdict_for(p, code, early, Vec::new(), None, cx.reasons);
                }
            }
        }

        // Hostname rule (2.28.10, ≥ 3.6.3). ESP-IDF sets NULL explicitly with skip_common_name.
        if matches!(req.host, HostCheck::None)
            && p.authmode == Authmode::Required
            && v.requires_hostname()
            && !b.allow_no_hostname
            && p.esp_idf.is_none()
        {
            cx.reasons.push(Reason::NoHostname);
            return verdict_for(p, ERR_NO_HOSTNAME, early, Vec::new(), None, cx.reasons);
        }

        // Every certificate was dropped: Mbed TLS verifies an empty certificate.
        let Some(&(_, ee)) = cx.chain.first() else {
            return empty_chain(p, req, v, b, cx);
        };

        // EE flags.
        let mut ee_flags = 0;
        if let HostCheck::Name(h) = req.host {
            if !mbedtls_host_matches(ee, h, v.ip_san()) {
                ee_flags |= CN_MISMATCH;
                cx.reasons.push(Reason::HostnameMismatch {
                    host: h.to_string(),
                    names: offered_names(ee),
                });
            }
        }
        if !cx.lim.key_type_ok(&ee.key) {
            ee_flags |= BAD_PK;
            cx.reasons.push(Reason::BadKeyType {
                cert: label(CertRef::Chain(cx.chain[0].0), ee),
                key: ee.key.describe(),
            });
        }
        if !cx.lim.key_ok(&ee.key) {
            ee_flags |= BAD_KEY;
            cx.reasons.push(Reason::BadKey {
                cert: label(CertRef::Chain(cx.chain[0].0), ee),
                key: ee.key.describe(),
            });
        }

        // x509_crt_verify_chain.
        let mut ver: Vec<(Node, u32)> = Vec::new();
        let mut child = Node::Chain(0);
        let mut child_trusted = false;
        let mut self_cnt = 0usize;
        let mut anchor: Option<AnchorInfo> = None;
        let mut fatal = false;
        loop {
            let mut flags = cx.time_flags(child);
            let child_cert = cx.cert_of(child);
            ver.push((child, 0));
            let idx = ver.len() - 1;
            if child_trusted {
                ver[idx].1 = flags;
                break;
            }
            let Some(cc) = child_cert else { break };
            if !cx.lim.md_ok(&cc.sig_alg) {
                flags |= BAD_MD;
                cx.reasons.push(Reason::BadHash {
                    cert: cx.node_label(child),
                    algorithm: cc.sig_alg.name(),
                });
            }
            if !cx.lim.sig_pk_ok(&cc.sig_alg) {
                flags |= BAD_PK;
                cx.reasons.push(Reason::BadKeyType {
                    cert: cx.node_label(child),
                    key: cc.sig_alg.name(),
                });
            }
            if ver.len() == 1 {
                if let Some(j) = cx.ee_locally_trusted(cc) {
                    ver[idx].1 = flags;
                    if let Some((orig, _)) = cx.ca.get(j) {
                        anchor = Some(AnchorInfo {
                            subject: cc.subject.to_string(),
                            kind: "leaf-pinned",
                            trust_index: *orig,
                            origin: req.trust[*orig].origin.clone(),
                        });
                    }
                    break;
                }
            }
            let pos = match child {
                Node::Chain(i) => Some(i),
                _ => None,
            };
            match cx.find_parent(cc, pos, ver.len() - 1, self_cnt) {
                None => {
                    flags |= NOT_TRUSTED;
                    ver[idx].1 = flags;
                    break;
                }
                Some((parent, parent_trusted, sig_ok)) => {
                    if ver.len() != 1 && cc.is_self_issued() {
                        self_cnt += 1;
                    }
                    if !parent_trusted && ver.len() > b.max_intermediates {
                        cx.reasons.push(Reason::ChainTooLong {
                            max_intermediates: b.max_intermediates,
                        });
                        fatal = true;
                        break;
                    }
                    if !sig_ok {
                        flags |= NOT_TRUSTED;
                        cx.reasons.push(Reason::BadSignature {
                            cert: cx.node_label(child),
                            by: cx.node_label(parent),
                        });
                    }
                    let parent_key = match cx.cert_of(parent) {
                        Some(pc) => pc.key.clone(),
                        None => match parent {
                            Node::Synth(i) => cx
                                .bundle
                                .get(i)
                                .map(|(_, a)| a.key.clone())
                                .unwrap_or(KeyKind::Other { oid: String::new() }),
                            _ => KeyKind::Other { oid: String::new() },
                        },
                    };
                    if !cx.lim.key_ok(&parent_key) {
                        flags |= BAD_KEY;
                        cx.reasons.push(Reason::BadKey {
                            cert: cx.node_label(parent),
                            key: parent_key.describe(),
                        });
                    }
                    ver[idx].1 = flags;
                    if parent_trusted {
                        let (kind, orig) = match parent {
                            Node::Ca(i) => ("ca-list", cx.ca.get(i).map_or(i, |x| x.0)),
                            Node::Synth(i) => ("bundle", cx.bundle.get(i).map_or(i, |x| x.0)),
                            Node::Chain(i) => ("trust", i),
                        };
                        anchor = req.trust.get(orig).map(|a| AnchorInfo {
                            subject: a.subject.to_string(),
                            kind,
                            trust_index: orig,
                            origin: a.origin.clone(),
                        });
                    }
                    child = parent;
                    child_trusted = parent_trusted;
                }
            }
        }

        if let Some(j) = cx.ca_cb_failed.get() {
            if let Some((_, a)) = cx.bundle.get(j) {
                cx.reasons.push(Reason::Other {
                    message: format!(
                        "bundle record {} has a {} key, which mbedtls_pk_parse_public_key does not take: the cross-signed mode's CA callback fails (MBEDTLS_ERR_X509_FATAL_ERROR)",
                        a.label(),
                        a.key.describe()
                    ),
                });
            }
            fatal = true;
        }
        if fatal {
            return verdict_for(p, ERR_FATAL, Some(u32::MAX), Vec::new(), None, cx.reasons);
        }
        if let Some(first) = ver.first_mut() {
            first.1 |= ee_flags;
        }

        // Time reasons, from the final per-certificate flags.
        for (n, f) in &ver {
            if let Some(c) = cx.cert_of(*n) {
                if f & EXPIRED != 0 {
                    cx.reasons.push(Reason::Expired {
                        cert: cx.node_label(*n),
                        not_after: time_text(c.not_after),
                    });
                }
                if f & FUTURE != 0 {
                    cx.reasons.push(Reason::NotYetValid {
                        cert: cx.node_label(*n),
                        not_before: time_text(c.not_before),
                    });
                }
            } else if f & EXPIRED != 0 {
                cx.reasons.push(Reason::Expired {
                    cert: cx.node_label(*n),
                    not_after: "0000-00-00 (synthetic bundle anchor)".into(),
                });
            }
        }

        // The verify callback (ESP-IDF bundle; in the cross-signed mode a second chance), top
        // of the built chain first.
        let mut ret = 0;
        if p.trust_mode != TrustMode::CertPem {
            for k in (0..ver.len()).rev() {
                let (n, f) = ver[k];
                let Some(c) = cx.cert_of(n) else { continue };
                if f & !BAD_MD != NOT_TRUSTED {
                    if f & NOT_TRUSTED != 0 {
                        cx.reasons.push(Reason::BundleNotConsulted {
                            cert: cx.node_label(n),
                            flags: flag_names(f & !NOT_TRUSTED)
                                .into_iter()
                                .map(str::to_string)
                                .collect(),
                        });
                    }
                    continue;
                }
                match bundle_find(&cx.bundle, c.issuer_raw(), cx.legacy()) {
                    Some(j) if bundle_sig_ok(cx.callback(), c, cx.bundle[j].1, cx.v, cx.b) => {
                        ver[k].1 = 0;
                        let (orig, a) = cx.bundle[j];
                        anchor = Some(AnchorInfo {
                            subject: a.subject.to_string(),
                            kind: "bundle",
                            trust_index: orig,
                            origin: a.origin.clone(),
                        });
                    }
                    Some(_) => {
                        cx.reasons.push(Reason::BundleSignatureFailed {
                            cert: cx.node_label(n),
                        });
                        ret = ERR_FATAL;
                        break;
                    }
                    None => {
                        cx.reasons.push(Reason::NotInBundle {
                            cert: cx.node_label(n),
                            issuer: c.issuer.to_string(),
                        });
                        ret = ERR_FATAL;
                        break;
                    }
                }
            }
        }
        let mut flags: u32 = ver.iter().fold(0, |a, (_, f)| a | f);
        if ret != 0 {
            flags = u32::MAX;
        } else if flags != 0 {
            ret = ERR_CERT_VERIFY_FAILED;
        }
        // NOT_TRUSTED at the top with no other explanation: say which issuer was missing.
        if ret == ERR_CERT_VERIFY_FAILED {
            if let Some((n, f)) = ver.last() {
                let already = cx
                    .reasons
                    .iter()
                    .any(|r| matches!(r, Reason::BadSignature { .. } | Reason::NotInBundle { .. }));
                if f & NOT_TRUSTED != 0 && !already {
                    if let Some(c) = cx.cert_of(*n) {
                        cx.reasons.push(Reason::NoTrustedIssuer {
                            cert: cx.node_label(*n),
                            issuer: c.issuer.to_string(),
                        });
                    }
                }
            }
            for (i, a) in req.trust.iter().enumerate() {
                if let Some(c) = &a.cert {
                    if !c.is_ca() && !c.is_self_issued() && p.trust_mode == TrustMode::CertPem {
                        cx.reasons.push(Reason::LeafAsTrust {
                            trust: label(CertRef::Trust(i), c),
                            issuer: c.issuer.short(),
                        });
                    }
                }
            }
        }

        // SSL layer: the leaf's usage and (TLS 1.2) curve, after the callback.
        if ret != ERR_FATAL {
            let mut extra = 0;
            // mbedtls_x509_crt_check_key_usage(DIGITAL_SIGNATURE) for the ECDHE suites.
            if !ext::key_usage_allows(cx.ext_of(ee).key_usage, KU_DIGITAL_SIGNATURE) {
                extra |= KEY_USAGE;
                cx.reasons.push(Reason::KeyUsage {
                    usages: ee
                        .key_usage
                        .map(|ku| ku.names().into_iter().map(str::to_string).collect())
                        .unwrap_or_default(),
                });
            }
            if let Some(eku) = &ee.ext_key_usage {
                if !eku.allows(crate::cert::ExtKeyUsage::SERVER_AUTH) {
                    extra |= EXT_KEY_USAGE;
                    cx.reasons.push(Reason::ExtKeyUsage {
                        purposes: eku.names(),
                    });
                }
            }
            // TLS 1.2: the leaf's curve must be in the configured group list (2.28: every
            // compiled curve; 3.x: the default groups that are compiled in).
            if let KeyKind::Ec { curve } = &ee.key {
                let tls_groups_3x = [
                    Curve::P256,
                    Curve::P384,
                    Curve::P521,
                    Curve::BrainpoolP256r1,
                    Curve::BrainpoolP384r1,
                    Curve::BrainpoolP512r1,
                ];
                let in_groups = if v.is_2x() {
                    b.has_curve(curve) || matches!(curve, Curve::Other(_))
                } else {
                    tls_groups_3x.contains(curve) && b.has_curve(curve)
                };
                if !in_groups {
                    extra |= BAD_KEY;
                }
            }
            if extra != 0 {
                flags |= extra;
                if ret == 0 {
                    ret = ERR_BAD_CERTIFICATE;
                }
            }
        }

        if p.authmode == Authmode::Optional
            && (ret == ERR_CERT_VERIFY_FAILED || ret == ERR_BAD_CERTIFICATE)
        {
            cx.reasons.push(Reason::IgnoredByAuthmode {
                code: hex_code(ret),
            });
            ret = 0;
        }

        let path = ver
            .iter()
            .map(|(n, f)| PathEntry {
                at: cx.node_ref(*n),
                subject: match (cx.cert_of(*n), n) {
                    (Some(c), _) => c.subject.to_string(),
                    (None, Node::Synth(i)) => cx
                        .bundle
                        .get(*i)
                        .map(|(_, a)| a.subject.to_string())
                        .unwrap_or_default(),
                    _ => String::new(),
                },
                flags: *f,
                flag_names: flag_names(*f).into_iter().map(str::to_string).collect(),
            })
            .collect();
        let anchor = if ret == 0 || flags != u32::MAX {
            anchor
        } else {
            None
        };
        verdict_for(p, ret, Some(flags), path, anchor, cx.reasons)
    }
}

/// `x509_crt_check_signature` / `mbedtls_pk_verify_ext`: Mbed TLS's RSASSA-PSS verification
/// (`mbedtls_rsa_rsassa_pss_verify_ext`) takes the hash length and H' from the MGF1 digest, so
/// a signature whose MGF1 digest differs from its message digest never verifies.
fn mbedtls_sig_ok(c: &Certificate, alg: &SigAlg, spki: &[u8]) -> bool {
    if let SigAlg::RsaPss { hash, mgf1, .. } = alg {
        if hash != mgf1 {
            return false;
        }
    }
    matches!(
        verify_signature(spki, alg, c.tbs(), &c.signature),
        SigCheck::Valid
    )
}

/// The signature check of the bundle callback: Mbed TLS's own (`pk_verify_ext` with the
/// certificate's algorithm) up to v5.5; v6.0's PSA check verifies RSA as PKCS#1 v1.5 whatever
/// the certificate says and knows only SHA-1, SHA-256, SHA-384 and SHA-512.
fn bundle_sig_ok(
    cb: BundleCallback,
    c: &Certificate,
    a: &TrustAnchor,
    v: Version,
    b: &MbedBuild,
) -> bool {
    // The record's key goes through mbedtls_pk_parse_public_key first; a key type it does
    // not know (id-RSASSA-PSS, EdDSA) or a curve not compiled in fails the callback.
    if key_parses(a.spki_raw(), &a.key, v, b).is_err() {
        return false;
    }
    let spki = a.spki_raw();
    let alg = match (cb, &c.sig_alg) {
        (BundleCallback::Psa, SigAlg::RsaPss { hash: Some(h), .. }) => {
            SigAlg::RsaPkcs1 { hash: *h }
        }
        (_, a) => a.clone(),
    };
    if cb == BundleCallback::Psa
        && !matches!(
            alg.hash(),
            Some(HashAlg::Sha1 | HashAlg::Sha256 | HashAlg::Sha384 | HashAlg::Sha512)
        )
    {
        return false;
    }
    mbedtls_sig_ok(c, &alg, spki)
}

/// Every served certificate was dropped (unknown signature algorithms): Mbed TLS goes on and
/// verifies an empty certificate. It has no name, key or algorithm (CN_MISMATCH when a name
/// is checked, BAD_PK, BAD_KEY, BAD_MD), a zero validity (EXPIRED with time checks), and it is
/// "locally trusted" when the CA list holds an empty certificate too: the bundle's all-zero
/// dummy CA. Otherwise NOT_TRUSTED; the bundle callback never runs on it (other flags).
fn empty_chain(
    p: &Profile,
    req: &Request<'_>,
    v: Version,
    b: &MbedBuild,
    mut cx: Ctx<'_>,
) -> Verdict {
    let _ = b;
    let mut flags = BAD_PK | BAD_KEY | BAD_MD;
    if matches!(req.host, HostCheck::Name(_)) {
        flags |= CN_MISMATCH;
    }
    if p.time_check {
        flags |= EXPIRED;
    }
    if p.trust_mode != TrustMode::Bundle {
        flags |= NOT_TRUSTED;
    }
    cx.reasons.push(Reason::Other {
        message: "every certificate the server sent was dropped (signature algorithms this Mbed TLS does not know), so it verified an empty certificate".into(),
    });
    let mut ret = ERR_CERT_VERIFY_FAILED;
    if p.authmode == Authmode::Optional {
        cx.reasons.push(Reason::IgnoredByAuthmode {
            code: hex_code(ret),
        });
        ret = 0;
    }
    let _ = v;
    let path = vec![PathEntry {
        at: CertRef::Chain(0),
        subject: String::new(),
        flags,
        flag_names: flag_names(flags).into_iter().map(str::to_string).collect(),
    }];
    verdict_for(p, ret, Some(flags), path, None, cx.reasons)
}
