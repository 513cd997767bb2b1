//! A small test PKI on top of `rcgen`: roots, intermediates and leaves with the knobs the
//! scenarios need.

use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DnType, ExtendedKeyUsagePurpose,
    GeneralSubtree, IsCa, Issuer, KeyPair, KeyUsagePurpose, NameConstraints, SignatureAlgorithm,
};
use time::OffsetDateTime;

/// Key algorithms used by the corpus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    /// ECDSA P-256 with SHA-256.
    P256,
    /// ECDSA P-384 with SHA-384.
    P384,
    /// Ed25519.
    Ed25519,
    /// RSA 2048 with SHA-256 (key made by the openssl command).
    Rsa2048,
    /// RSA 1024 with SHA-256 (key made by the openssl command).
    Rsa1024,
}

fn rsa_pem(bits: u32) -> String {
    let out = std::process::Command::new("openssl")
        .args(["genpkey", "-algorithm", "RSA", "-pkeyopt"])
        .arg(format!("rsa_keygen_bits:{bits}"))
        .output()
        .unwrap_or_else(|e| panic!("openssl genpkey: {e} (install openssl)"));
    assert!(out.status.success(), "openssl genpkey failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// An RSA public key (SubjectPublicKeyInfo DER) of `bits`, made by the openssl command.
pub fn rsa_spki(bits: u32) -> Vec<u8> {
    let pem = rsa_pem(bits);
    let mut child = std::process::Command::new("openssl")
        .args(["pkey", "-pubout", "-outform", "DER"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("openssl pkey");
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        stdin.write_all(pem.as_bytes()).expect("write key");
    }
    let out = child.wait_with_output().expect("openssl pkey");
    assert!(out.status.success());
    out.stdout
}

/// A fresh key for `alg`.
pub fn key(alg: Alg) -> KeyPair {
    let (a, pem): (&'static SignatureAlgorithm, Option<String>) = match alg {
        Alg::P256 => (&rcgen::PKCS_ECDSA_P256_SHA256, None),
        Alg::P384 => (&rcgen::PKCS_ECDSA_P384_SHA384, None),
        Alg::Ed25519 => (&rcgen::PKCS_ED25519, None),
        Alg::Rsa2048 => (&rcgen::PKCS_RSA_SHA256, Some(rsa_pem(2048))),
        Alg::Rsa1024 => (&rcgen::PKCS_RSA_SHA256, Some(rsa_pem(1024))),
    };
    match pem {
        None => KeyPair::generate_for(a).expect("key generation"),
        Some(p) => KeyPair::from_pem_and_sign_algo(&p, a).expect("RSA key"),
    }
}

/// Seconds since the epoch for a date.
pub fn t(y: i32, m: u8, d: u8) -> i64 {
    let month = time::Month::try_from(m).expect("month");
    time::Date::from_calendar_date(y, month, d)
        .expect("date")
        .midnight()
        .assume_utc()
        .unix_timestamp()
}

fn odt(s: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(s).expect("time")
}

/// What a certificate should look like.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Subject CN (also the only subject attribute, with O = anchorkit test).
    pub cn: String,
    /// DNS or IP SANs; empty for a CN-only certificate.
    pub sans: Vec<String>,
    /// CA or not, and pathLen.
    pub ca: Option<Option<u8>>,
    /// Explicit basicConstraints cA=FALSE for non-CAs (else no extension).
    pub explicit_no_ca: bool,
    /// keyUsage bits; None = default for the role.
    pub key_usage: Option<Vec<KeyUsagePurpose>>,
    /// extendedKeyUsage; None = serverAuth for leaves, none for CAs.
    pub eku: Option<Vec<ExtendedKeyUsagePurpose>>,
    /// Validity.
    pub not_before: i64,
    /// Validity.
    pub not_after: i64,
    /// Add an unknown critical extension.
    pub unknown_critical: bool,
    /// Add a permitted DNS name constraint (critical).
    pub name_constraint: Option<String>,
    /// Extra extensions, as given.
    pub custom: Vec<CustomExtension>,
    /// Encode the subject's O and CN as PrintableString (else UTF8String).
    pub printable: bool,
    /// An authorityKeyIdentifier with this key id instead of the issuer's.
    pub aki_override: Option<Vec<u8>>,
    /// No authorityKeyIdentifier at all.
    pub no_aki: bool,
}

impl Spec {
    /// A CA with no path length limit.
    pub fn ca(cn: &str) -> Spec {
        Spec {
            cn: cn.into(),
            sans: Vec::new(),
            ca: Some(None),
            explicit_no_ca: false,
            key_usage: None,
            eku: None,
            not_before: t(2020, 1, 1),
            not_after: t(2040, 1, 1),
            unknown_critical: false,
            name_constraint: None,
            custom: Vec::new(),
            printable: false,
            aki_override: None,
            no_aki: false,
        }
    }

    /// A server leaf for `host`.
    pub fn leaf(host: &str) -> Spec {
        Spec {
            cn: host.into(),
            sans: vec![host.into()],
            ca: None,
            explicit_no_ca: true,
            key_usage: None,
            eku: None,
            not_before: t(2024, 1, 1),
            not_after: t(2026, 1, 1),
            unknown_critical: false,
            name_constraint: None,
            custom: Vec::new(),
            printable: false,
            aki_override: None,
            no_aki: false,
        }
    }

    fn params(&self) -> CertificateParams {
        let mut p = CertificateParams::new(self.sans.clone()).expect("params");
        p.distinguished_name = rcgen::DistinguishedName::new();
        if self.printable {
            let ps = |s: &str| {
                rcgen::DnValue::PrintableString(
                    rcgen::string::PrintableString::try_from(s).expect("printable"),
                )
            };
            p.distinguished_name
                .push(DnType::OrganizationName, ps("anchorkit test"));
            p.distinguished_name.push(DnType::CommonName, ps(&self.cn));
        } else {
            p.distinguished_name
                .push(DnType::OrganizationName, "anchorkit test");
            p.distinguished_name
                .push(DnType::CommonName, self.cn.clone());
        }
        p.not_before = odt(self.not_before);
        p.not_after = odt(self.not_after);
        p.is_ca = match self.ca {
            Some(None) => IsCa::Ca(BasicConstraints::Unconstrained),
            Some(Some(n)) => IsCa::Ca(BasicConstraints::Constrained(n)),
            None if self.explicit_no_ca => IsCa::ExplicitNoCa,
            None => IsCa::NoCa,
        };
        p.key_usages = match &self.key_usage {
            Some(k) => k.clone(),
            None if self.ca.is_some() => {
                vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign]
            }
            None => vec![KeyUsagePurpose::DigitalSignature],
        };
        p.extended_key_usages = match &self.eku {
            Some(e) => e.clone(),
            None if self.ca.is_some() => Vec::new(),
            None => vec![ExtendedKeyUsagePurpose::ServerAuth],
        };
        p.use_authority_key_identifier_extension = !self.no_aki && self.aki_override.is_none();
        if let Some(id) = &self.aki_override {
            // AuthorityKeyIdentifier ::= SEQUENCE { [0] keyIdentifier }
            let mut v = vec![0x30, (id.len() + 2) as u8, 0x80, id.len() as u8];
            v.extend_from_slice(id);
            p.custom_extensions
                .push(CustomExtension::from_oid_content(&[2, 5, 29, 35], v));
        }
        p.custom_extensions.extend(self.custom.iter().cloned());
        if self.unknown_critical {
            let mut e =
                CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 55555, 1], vec![0x05, 0x00]);
            e.set_criticality(true);
            p.custom_extensions.push(e);
        }
        if let Some(n) = &self.name_constraint {
            p.name_constraints = Some(NameConstraints {
                permitted_subtrees: vec![GeneralSubtree::DnsName(n.clone())],
                excluded_subtrees: Vec::new(),
            });
        }
        p
    }
}

/// A certificate with its key and parameters, able to issue others.
pub struct Node {
    /// DER.
    pub der: Vec<u8>,
    params: CertificateParams,
    key: KeyPair,
}

impl Node {
    /// The private key, PKCS#8 PEM (for a server that presents this certificate).
    pub fn key_pem(&self) -> String {
        self.key.serialize_pem()
    }

    /// A self-signed certificate.
    pub fn root(spec: &Spec, alg: Alg) -> Node {
        let key = key(alg);
        let params = spec.params();
        let der = params
            .self_signed(&key)
            .expect("self-signed")
            .der()
            .to_vec();
        Node { der, params, key }
    }

    /// A self-signed certificate for `spec` with the key of `other` (same key, another name
    /// encoding or spelling).
    pub fn root_with_key_of(spec: &Spec, other: &Node) -> Node {
        let key = KeyPair::from_pem(&other.key.serialize_pem()).expect("key copy");
        let params = spec.params();
        let der = params
            .self_signed(&key)
            .expect("self-signed")
            .der()
            .to_vec();
        Node { der, params, key }
    }

    /// A certificate issued by `self`.
    pub fn issue(&self, spec: &Spec, alg: Alg) -> Node {
        let key = key(alg);
        self.issue_with_key(spec, key)
    }

    /// A certificate issued by `self` for an existing key.
    pub fn issue_with_key(&self, spec: &Spec, key: KeyPair) -> Node {
        let params = spec.params();
        let issuer = Issuer::from_params(&self.params, &self.key);
        let der = params
            .signed_by(&key, &issuer)
            .expect("signed")
            .der()
            .to_vec();
        Node { der, params, key }
    }

    /// A certificate for any SubjectPublicKeyInfo bytes, even ones no parser takes: issued
    /// for a throwaway key, the SPKI swapped in the TBSCertificate, re-signed. The issuer must
    /// have a P-256 key.
    pub fn issue_for_raw_spki(&self, spec: &Spec, spki_der: &[u8]) -> Vec<u8> {
        self.issue_mutated(spec, &|f| {
            let at = if f[0][0] == 0xA0 { 6 } else { 5 };
            f[at] = spki_der.to_vec();
        })
    }

    /// A certificate whose TBSCertificate fields (the DER elements in order: version,
    /// serial, signature, issuer, validity, subject, key, extensions) `mutate` rewrites, then
    /// signed again by this issuer (which must have a P-256 key); the outer
    /// signatureAlgorithm is the inner one as it was.
    pub fn issue_mutated(&self, spec: &Spec, mutate: &dyn Fn(&mut Vec<Vec<u8>>)) -> Vec<u8> {
        let template = self.issue(spec, Alg::P256).der;
        let (outer, _) = der_split(&template).expect("certificate");
        let (tbs, after_tbs) = der_split(outer.1).expect("tbs");
        let mut fields = Vec::new();
        let mut rest = tbs.1;
        while !rest.is_empty() {
            let (el, r) = der_split(rest).expect("tbs field");
            fields.push(el.2.to_vec());
            rest = r;
        }
        mutate(&mut fields);
        let tbs_der = der_wrap(0x30, &fields.concat());
        let (sig_alg, _) = der_split(after_tbs).expect("signature algorithm");
        der_wrap(
            0x30,
            &[
                tbs_der.clone(),
                sig_alg.2.to_vec(),
                self.sign_bits(&tbs_der),
            ]
            .concat(),
        )
    }

    /// This issuer's ECDSA P-256 / SHA-256 signature over `message`, as a BIT STRING.
    pub fn sign_bits(&self, message: &[u8]) -> Vec<u8> {
        let rng = ring::rand::SystemRandom::new();
        let signer = ring::signature::EcdsaKeyPair::from_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
            &self.key.serialize_der(),
            &rng,
        )
        .expect("P-256 issuer key");
        let sig = signer.sign(&rng, message).expect("sign");
        let mut bits = vec![0u8];
        bits.extend_from_slice(sig.as_ref());
        der_wrap(0x03, &bits)
    }

    /// A certificate for a bare public key (e.g. RSA-1024, which ring cannot sign with).
    pub fn issue_for_spki(&self, spec: &Spec, spki_der: &[u8]) -> Vec<u8> {
        let spki = rcgen::SubjectPublicKeyInfo::from_der(spki_der).expect("SPKI");
        let issuer = Issuer::from_params(&self.params, &self.key);
        spec.params()
            .signed_by(&spki, &issuer)
            .expect("signed")
            .der()
            .to_vec()
    }

    /// The same self-signed certificate (same subject and key) with another validity.
    pub fn reissue_self(&self, not_before: i64, not_after: i64) -> Vec<u8> {
        let mut p = self.params.clone();
        p.not_before = odt(not_before);
        p.not_after = odt(not_after);
        p.self_signed(&self.key)
            .expect("self-signed")
            .der()
            .to_vec()
    }

    /// A cross-signed copy of `other` (same subject and key) issued by `self`.
    pub fn cross_sign(&self, other: &Node, not_after: i64) -> Vec<u8> {
        let mut p = other.params.clone();
        p.not_after = odt(not_after);
        let issuer = Issuer::from_params(&self.params, &self.key);
        p.signed_by(&other.key, &issuer)
            .expect("cross-sign")
            .der()
            .to_vec()
    }
}

/// The DER with one signature byte flipped.
pub fn bad_signature(der: &[u8]) -> Vec<u8> {
    let mut d = der.to_vec();
    if let Some(last) = d.last_mut() {
        *last ^= 0x01;
    }
    d
}

/// One DER element at the start of `b`: ((tag, contents, whole element), rest).
#[allow(clippy::type_complexity)]
pub fn der_split(b: &[u8]) -> Option<((u8, &[u8], &[u8]), &[u8])> {
    let tag = *b.first()?;
    let first = *b.get(1)?;
    let (len, hdr) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7F);
        let len = b
            .get(2..2 + n)?
            .iter()
            .fold(0usize, |a, x| (a << 8) | usize::from(*x));
        (len, 2 + n)
    };
    let end = hdr.checked_add(len)?;
    let whole = b.get(..end)?;
    Some(((tag, &whole[hdr..], whole), &b[end..]))
}

/// A DER element.
pub fn der_wrap(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = body.len();
    if n < 0x80 {
        out.push(n as u8);
    } else if n < 0x100 {
        out.extend([0x81, n as u8]);
    } else {
        out.extend([0x82, (n >> 8) as u8, n as u8]);
    }
    out.extend_from_slice(body);
    out
}
