//! Scenarios aimed at OpenSSL's TLS-client verification rules (purpose, name constraints,
//! security level, host matching, chain building). Each one tests one rule of
//! `X509_verify_cert` as a TLS client runs it, and most make OpenSSL's answer differ from at
//! least one other library.
//!
//! Certificates come from `rcgen` where it can make them, and from the openssl command for
//! what it cannot (SHA-1 signatures, v1 certificates, RSA keys under 2048 bits that sign).
//! rcgen-only scenarios are judged on 2025-01-01; scenarios with openssl-made certificates
//! (valid from now for ten years) a day from now.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use rcgen::{
    BasicConstraints, CertificateParams, CidrSubnet, CustomExtension, DistinguishedName, DnType,
    DnValue, ExtendedKeyUsagePurpose, GeneralSubtree, IsCa, Issuer, KeyIdMethod, KeyPair,
    KeyUsagePurpose, NameConstraints, SanType, SerialNumber,
};
use time::OffsetDateTime;

use crate::corpus::Scenario;
use crate::pki::{Alg, key, rsa_spki, t};

const HOST: &str = "device.example.test";

fn sc(name: &str, trust: &[&[u8]], chain: &[&[u8]], host: Option<&str>, at: i64) -> Scenario {
    Scenario {
        name: format!("openssl-{name}"),
        trust: trust.iter().map(|d| d.to_vec()).collect(),
        chain: chain.iter().map(|d| d.to_vec()).collect(),
        host: host.map(str::to_string),
        at,
    }
}

fn odt(s: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(s).expect("time")
}

fn dn(cn: &str) -> DistinguishedName {
    let mut d = DistinguishedName::new();
    d.push(DnType::OrganizationName, "anchorkit test");
    d.push(DnType::CommonName, cn);
    d
}

/// A CA: basicConstraints cA (critical), keyCertSign and cRLSign, 2020 to 2045.
fn ca(cn: &str) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = dn(cn);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.not_before = odt(t(2020, 1, 1));
    p.not_after = odt(t(2045, 1, 1));
    p.use_authority_key_identifier_extension = true;
    p
}

fn san(name: &str) -> SanType {
    match name.parse::<IpAddr>() {
        Ok(ip) => SanType::IpAddress(ip),
        Err(_) => SanType::DnsName(name.try_into().expect("IA5 name")),
    }
}

/// A server leaf: CN and SANs (IP or DNS by form), cA FALSE, digitalSignature, serverAuth,
/// 2024 to 2040.
fn leaf_p(cn: &str, sans: &[&str]) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = dn(cn);
    p.subject_alt_names = sans.iter().map(|s| san(s)).collect();
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p.not_before = odt(t(2024, 1, 1));
    p.not_after = odt(t(2040, 1, 1));
    p.use_authority_key_identifier_extension = true;
    p
}

fn leaf() -> CertificateParams {
    leaf_p(HOST, &[HOST])
}

fn ext(oid: &[u64], critical: bool, content: Vec<u8>) -> CustomExtension {
    let mut e = CustomExtension::from_oid_content(oid, content);
    e.set_criticality(critical);
    e
}

/// A DER TLV.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    let n = content.len();
    if n < 0x80 {
        v.push(n as u8);
    } else if n < 0x100 {
        v.extend([0x81, n as u8]);
    } else {
        v.extend([0x82, (n >> 8) as u8, n as u8]);
    }
    v.extend_from_slice(content);
    v
}

/// A certificate with its parameters and key, able to issue others.
struct Ca {
    der: Vec<u8>,
    params: CertificateParams,
    key: KeyPair,
}

impl Ca {
    fn root(params: CertificateParams) -> Ca {
        Ca::root_with(params, key(Alg::P256))
    }

    fn root_with(params: CertificateParams, key: KeyPair) -> Ca {
        let der = params
            .self_signed(&key)
            .expect("self-signed")
            .der()
            .to_vec();
        Ca { der, params, key }
    }

    fn issue(&self, params: CertificateParams) -> Ca {
        self.issue_with(params, key(Alg::P256))
    }

    fn issue_with(&self, params: CertificateParams, key: KeyPair) -> Ca {
        let issuer = Issuer::from_params(&self.params, &self.key);
        let der = params
            .signed_by(&key, &issuer)
            .expect("signed")
            .der()
            .to_vec();
        Ca { der, params, key }
    }

    fn issue_spki(&self, params: &CertificateParams, spki: &[u8]) -> Vec<u8> {
        let spki = rcgen::SubjectPublicKeyInfo::from_der(spki).expect("SPKI");
        let issuer = Issuer::from_params(&self.params, &self.key);
        params
            .signed_by(&spki, &issuer)
            .expect("signed")
            .der()
            .to_vec()
    }
}

/// Adds the OpenSSL-focused scenarios.
pub fn cases(v: &mut Vec<Scenario>) {
    purpose(v);
    ca_rules(v);
    critical(v);
    name_constraints(v);
    hosts(v);
    keys(v);
    building(v);
    trust_settings(v);
    openssl_made(v);
}

/// `check_purpose_ssl_server` on every certificate, trust anchor included.
fn purpose(v: &mut Vec<Scenario>) {
    let now = t(2025, 1, 1);
    let h = Some(HOST);
    let root = Ca::root(ca("OSSL Purpose Root"));
    let int = root.issue(ca("OSSL Purpose Intermediate"));

    for (name, eku) in [
        (
            "int-eku-client-only",
            vec![ExtendedKeyUsagePurpose::ClientAuth],
        ),
        ("int-eku-server", vec![ExtendedKeyUsagePurpose::ServerAuth]),
        ("int-eku-any-only", vec![ExtendedKeyUsagePurpose::Any]),
    ] {
        let mut p = ca("OSSL EKU Intermediate");
        p.extended_key_usages = eku;
        let i = root.issue(p);
        let l = i.issue(leaf());
        v.push(sc(name, &[&root.der], &[&l.der, &i.der], h, now));
    }

    let mut rp = ca("OSSL Client Root");
    rp.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let croot = Ca::root(rp);
    let ci = croot.issue(ca("OSSL Under Client Root"));
    let cl = ci.issue(leaf());
    v.push(sc(
        "root-eku-client-only",
        &[&croot.der],
        &[&cl.der, &ci.der],
        h,
        now,
    ));

    let leaf_with = |f: &dyn Fn(&mut CertificateParams)| {
        let mut p = leaf();
        f(&mut p);
        int.issue(p).der
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "leaf-eku-any-only",
            leaf_with(&|p| p.extended_key_usages = vec![ExtendedKeyUsagePurpose::Any]),
        ),
        (
            "leaf-eku-ns-sgc-only",
            leaf_with(&|p| {
                p.extended_key_usages = vec![ExtendedKeyUsagePurpose::Other(vec![
                    2, 16, 840, 1, 113730, 4, 1,
                ])]
            }),
        ),
        (
            "leaf-eku-empty",
            leaf_with(&|p| {
                p.extended_key_usages = Vec::new();
                p.custom_extensions = vec![ext(&[2, 5, 29, 37], false, vec![0x30, 0x00])]
            }),
        ),
        (
            "leaf-nscerttype-client",
            leaf_with(&|p| {
                p.custom_extensions = vec![ext(
                    &[2, 16, 840, 1, 113730, 1, 1],
                    false,
                    vec![0x03, 0x02, 0x07, 0x80],
                )]
            }),
        ),
        (
            "leaf-nscerttype-server",
            leaf_with(&|p| {
                p.custom_extensions = vec![ext(
                    &[2, 16, 840, 1, 113730, 1, 1],
                    false,
                    vec![0x03, 0x02, 0x06, 0x40],
                )]
            }),
        ),
        (
            "leaf-ku-certsign-only",
            leaf_with(&|p| p.key_usages = vec![KeyUsagePurpose::KeyCertSign]),
        ),
        (
            "leaf-ku-key-agreement-only",
            leaf_with(&|p| p.key_usages = vec![KeyUsagePurpose::KeyAgreement]),
        ),
    ];
    for (name, l) in &cases {
        v.push(sc(name, &[&root.der], &[l, &int.der], h, now));
    }

    // A pinned self-signed leaf is its own trust anchor and still needs the purpose.
    let mut sp = leaf();
    sp.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let ss = Ca::root(sp);
    v.push(sc(
        "self-signed-leaf-eku-client",
        &[&ss.der],
        &[&ss.der],
        h,
        now,
    ));
}

/// `X509_check_ca`, path length, and certificates OpenSSL flags invalid.
fn ca_rules(v: &mut Vec<Scenario>) {
    let now = t(2025, 1, 1);
    let h = Some(HOST);

    // A trust anchor without basicConstraints but with keyCertSign (check_ca 4).
    let mut p = ca("OSSL KU-only Root");
    p.is_ca = IsCa::NoCa;
    let kroot = Ca::root(p);
    let ki = kroot.issue(ca("OSSL Under KU-only Root"));
    let kl = ki.issue(leaf());
    v.push(sc(
        "root-no-bc-ku-certsign",
        &[&kroot.der],
        &[&kl.der, &ki.der],
        h,
        now,
    ));

    let root = Ca::root(ca("OSSL CA Root"));
    let mut p = ca("OSSL KU-only Intermediate");
    p.is_ca = IsCa::NoCa;
    let i = root.issue(p);
    let l = i.issue(leaf());
    v.push(sc(
        "int-no-bc-ku-certsign",
        &[&root.der],
        &[&l.der, &i.der],
        h,
        now,
    ));

    let mut p = ca("OSSL No CertSign Root");
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    let nroot = Ca::root(p);
    let ni = nroot.issue(ca("OSSL Under No CertSign Root"));
    let nl = ni.issue(leaf());
    v.push(sc(
        "root-ku-no-certsign",
        &[&nroot.der],
        &[&nl.der, &ni.der],
        h,
        now,
    ));

    // nsCertType CAs without basicConstraints or keyUsage (check_ca 5, check_ssl_ca).
    for (name, bits) in [
        ("root-nscerttype-sslca", [0x03, 0x02, 0x02, 0x04]),
        ("root-nscerttype-objca-only", [0x03, 0x02, 0x00, 0x01]),
    ] {
        let mut p = ca("OSSL Netscape Root");
        p.is_ca = IsCa::NoCa;
        p.key_usages = Vec::new();
        p.custom_extensions = vec![ext(&[2, 16, 840, 1, 113730, 1, 1], false, bits.to_vec())];
        let r = Ca::root(p);
        let i = r.issue(ca("OSSL Under Netscape Root"));
        let l = i.issue(leaf());
        v.push(sc(name, &[&r.der], &[&l.der, &i.der], h, now));
    }

    // pathLen 0 on the trust anchor: a self-issued intermediate (same name, new key) is not
    // counted, an ordinary one is.
    let mut p = ca("OSSL PathLen0 Root");
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    let proot = Ca::root(p);
    let si = proot.issue(ca("OSSL PathLen0 Root"));
    let sil = si.issue(leaf());
    v.push(sc(
        "pathlen0-root-self-issued-intermediate",
        &[&proot.der],
        &[&sil.der, &si.der],
        h,
        now,
    ));
    let pi = proot.issue(ca("OSSL Under PathLen0 Root"));
    let pl = pi.issue(leaf());
    v.push(sc(
        "pathlen0-root-exceeded",
        &[&proot.der],
        &[&pl.der, &pi.der],
        h,
        now,
    ));
    let mut p = ca("OSSL PathLen1 Intermediate");
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(1));
    let p1 = root.issue(p);
    let p2 = p1.issue(ca("OSSL Below PathLen1 A"));
    let p3 = p2.issue(ca("OSSL Below PathLen1 B"));
    let p3l = p3.issue(leaf());
    v.push(sc(
        "pathlen1-exceeded-two-below",
        &[&root.der],
        &[&p3l.der, &p3.der, &p2.der, &p1.der],
        h,
        now,
    ));

    // A negative pathLen makes the intermediate invalid: it issues nothing.
    let mut p = ca("OSSL Negative PathLen");
    p.is_ca = IsCa::NoCa;
    p.custom_extensions = vec![ext(
        &[2, 5, 29, 19],
        true,
        vec![0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0xff],
    )];
    let neg = root.issue(p);
    let negl = neg.issue(leaf());
    v.push(sc(
        "int-negative-pathlen",
        &[&root.der],
        &[&negl.der, &neg.der],
        h,
        now,
    ));

    // An empty keyUsage makes the leaf invalid: nothing can have issued it.
    let int = root.issue(ca("OSSL CA Intermediate"));
    let mut p = leaf();
    p.key_usages = Vec::new();
    p.custom_extensions = vec![ext(&[2, 5, 29, 15], true, vec![0x03, 0x01, 0x00])];
    let el = int.issue(p);
    v.push(sc(
        "leaf-empty-keyusage",
        &[&root.der],
        &[&el.der, &int.der],
        h,
        now,
    ));
}

/// `X509_supported_extension`: which critical extensions OpenSSL accepts.
fn critical(v: &mut Vec<Scenario>) {
    let now = t(2025, 1, 1);
    let h = Some(HOST);
    let root = Ca::root(ca("OSSL Critical Root"));

    let mut p = ca("OSSL Unknown Critical Intermediate");
    p.custom_extensions = vec![ext(&[1, 3, 6, 1, 4, 1, 55555, 2], true, vec![0x05, 0x00])];
    let i = root.issue(p);
    let l = i.issue(leaf());
    v.push(sc(
        "int-unknown-critical",
        &[&root.der],
        &[&l.der, &i.der],
        h,
        now,
    ));

    // policyConstraints is supported (and no policy check runs in a TLS client).
    let mut p = ca("OSSL Policy Constraints Intermediate");
    p.custom_extensions = vec![ext(
        &[2, 5, 29, 36],
        true,
        vec![0x30, 0x03, 0x80, 0x01, 0x00],
    )];
    let i = root.issue(p);
    let l = i.issue(leaf());
    v.push(sc(
        "int-critical-policy-constraints",
        &[&root.der],
        &[&l.der, &i.der],
        h,
        now,
    ));

    // authorityKeyIdentifier is not on OpenSSL's list.
    let keyid: Vec<u8> = (1..=20).collect();
    let mut p = ca("OSSL Known KeyId Intermediate");
    p.key_identifier_method = KeyIdMethod::PreSpecified(keyid.clone());
    let i = root.issue(p);
    let mut lp = leaf();
    lp.use_authority_key_identifier_extension = false;
    lp.custom_extensions = vec![ext(&[2, 5, 29, 35], true, tlv(0x30, &tlv(0x80, &keyid)))];
    let l = i.issue(lp);
    v.push(sc(
        "leaf-critical-akid",
        &[&root.der],
        &[&l.der, &i.der],
        h,
        now,
    ));

    // A precertificate (critical CT poison).
    let int = root.issue(ca("OSSL CT Intermediate"));
    let mut lp = leaf();
    lp.custom_extensions = vec![ext(
        &[1, 3, 6, 1, 4, 1, 11129, 2, 4, 3],
        true,
        vec![0x05, 0x00],
    )];
    let l = int.issue(lp);
    v.push(sc(
        "leaf-ct-poison",
        &[&root.der],
        &[&l.der, &int.der],
        h,
        now,
    ));
}

/// `check_name_constraints` and `NAME_CONSTRAINTS_check`.
fn name_constraints(v: &mut Vec<Scenario>) {
    let now = t(2025, 1, 1);
    let h = Some(HOST);
    let root = Ca::root(ca("OSSL NC Root"));
    let constrained = |name: &str, nc: NameConstraints| {
        let mut p = ca(name);
        p.name_constraints = Some(nc);
        root.issue(p)
    };
    let dns = |permitted: &[&str], excluded: &[&str]| NameConstraints {
        permitted_subtrees: permitted
            .iter()
            .map(|d| GeneralSubtree::DnsName(d.to_string()))
            .collect(),
        excluded_subtrees: excluded
            .iter()
            .map(|d| GeneralSubtree::DnsName(d.to_string()))
            .collect(),
    };
    let permit = constrained("OSSL NC Permit example.test", dns(&["example.test"], &[]));
    let other = "device.other.test";

    let l = permit.issue(leaf_p(other, &[other]));
    v.push(sc(
        "nc-dns-permitted-violation",
        &[&root.der],
        &[&l.der, &permit.der],
        Some(other),
        now,
    ));
    let exclude = constrained("OSSL NC Exclude", dns(&[], &[HOST]));
    let l = exclude.issue(leaf());
    v.push(sc(
        "nc-dns-excluded",
        &[&root.der],
        &[&l.der, &exclude.der],
        h,
        now,
    ));
    // The CN counts as a DNS name when the leaf has no dNSName SAN.
    let l = permit.issue(leaf_p(other, &[]));
    v.push(sc(
        "nc-cn-only-leaf-outside",
        &[&root.der],
        &[&l.der, &permit.der],
        Some(other),
        now,
    ));
    let l = permit.issue(leaf_p(HOST, &[]));
    v.push(sc(
        "nc-cn-only-leaf-inside",
        &[&root.der],
        &[&l.der, &permit.der],
        h,
        now,
    ));
    let l = permit.issue(leaf_p("device", &[]));
    v.push(sc(
        "nc-cn-single-label-no-host",
        &[&root.der],
        &[&l.der, &permit.der],
        None,
        now,
    ));
    let l = permit.issue(leaf_p(other, &["192.0.2.10"]));
    v.push(sc(
        "nc-ip-san-only-cn-outside",
        &[&root.der],
        &[&l.der, &permit.der],
        Some("192.0.2.10"),
        now,
    ));
    // Order: the host is checked before name constraints, time before them too.
    let l = permit.issue(leaf_p(other, &[other]));
    v.push(sc(
        "nc-violation-and-host-mismatch",
        &[&root.der],
        &[&l.der, &permit.der],
        Some("other.example.test"),
        now,
    ));
    let mut lp = leaf_p(other, &[other]);
    lp.not_after = odt(t(2024, 12, 1));
    let l = permit.issue(lp);
    v.push(sc(
        "nc-violation-and-expired",
        &[&root.der],
        &[&l.der, &permit.der],
        Some(other),
        now,
    ));

    // iPAddress constraints.
    let ip_nc = |permitted: Vec<CidrSubnet>, excluded: Vec<CidrSubnet>| NameConstraints {
        permitted_subtrees: permitted
            .into_iter()
            .map(GeneralSubtree::IpAddress)
            .collect(),
        excluded_subtrees: excluded
            .into_iter()
            .map(GeneralSubtree::IpAddress)
            .collect(),
    };
    let net24 = || CidrSubnet::V4([192, 0, 2, 0], [255, 255, 255, 0]);
    let ipp = constrained("OSSL NC Permit 192.0.2.0/24", ip_nc(vec![net24()], vec![]));
    let ipx = constrained("OSSL NC Exclude 192.0.2.0/24", ip_nc(vec![], vec![net24()]));
    let mut v6 = [0u8; 16];
    v6[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
    let mut m6 = [0u8; 16];
    m6[..4].copy_from_slice(&[0xff; 4]);
    let ip6 = constrained(
        "OSSL NC Permit 2001:db8::/32",
        ip_nc(vec![CidrSubnet::V6(v6, m6)], vec![]),
    );
    for (name, ca_, ip) in [
        ("nc-ip-permitted", &ipp, "192.0.2.10"),
        ("nc-ip-permitted-violation", &ipp, "198.51.100.10"),
        ("nc-ip-excluded", &ipx, "192.0.2.10"),
        ("nc-ipv6-only-ipv4-san", &ip6, "192.0.2.10"),
    ] {
        let l = ca_.issue(leaf_p("ip device", &[ip]));
        v.push(sc(name, &[&root.der], &[&l.der, &ca_.der], Some(ip), now));
    }

    // Constraints on the trust anchor, the violation two intermediates below.
    let mut p = ca("OSSL NC Constrained Root");
    p.name_constraints = Some(dns(&["example.test"], &[]));
    let croot = Ca::root(p);
    let c1 = croot.issue(ca("OSSL NC Deep 1"));
    let c2 = c1.issue(ca("OSSL NC Deep 2"));
    let l = c2.issue(leaf_p(other, &[other]));
    v.push(sc(
        "nc-root-deep-violation",
        &[&croot.der],
        &[&l.der, &c2.der, &c1.der],
        Some(other),
        now,
    ));
    let l = c2.issue(leaf());
    v.push(sc(
        "nc-root-deep-ok",
        &[&croot.der],
        &[&l.der, &c2.der, &c1.der],
        h,
        now,
    ));

    // directoryName constraints compare canonical names (case and spaces folded). rcgen
    // tags the Name implicitly, which OpenSSL cannot decode: the CA is then invalid.
    let dir_nc = |o: &str| {
        let atv = [tlv(0x06, &[0x55, 0x04, 0x0a]), tlv(0x0c, o.as_bytes())].concat();
        let name = tlv(0x30, &tlv(0x31, &tlv(0x30, &atv)));
        tlv(0x30, &tlv(0xa0, &tlv(0x30, &tlv(0xa4, &name))))
    };
    for (name, o) in [
        ("nc-dirname-canonical-match", "  ANCHORKIT   Test "),
        ("nc-dirname-violation", "other org"),
    ] {
        let mut p = ca("OSSL NC DirName");
        p.custom_extensions = vec![ext(&[2, 5, 29, 30], true, dir_nc(o))];
        let c = root.issue(p);
        let l = c.issue(leaf());
        v.push(sc(name, &[&root.der], &[&l.der, &c.der], h, now));
    }
    let mut d = DistinguishedName::new();
    d.push(DnType::OrganizationName, "anchorkit test");
    let c = constrained(
        "OSSL NC DirName Implicit",
        NameConstraints {
            permitted_subtrees: vec![GeneralSubtree::DirectoryName(d)],
            excluded_subtrees: Vec::new(),
        },
    );
    let l = c.issue(leaf());
    v.push(sc(
        "nc-dirname-implicit-tag-invalid-ca",
        &[&root.der],
        &[&l.der, &c.der],
        h,
        now,
    ));

    // URI constraints: a URI without "//" has no host to compare (53).
    let uri_nc = {
        let subtree = tlv(0x30, &tlv(0x86, b".example.test"));
        tlv(0x30, &tlv(0xa0, &subtree))
    };
    let mut p = ca("OSSL NC URI");
    p.custom_extensions = vec![ext(&[2, 5, 29, 30], true, uri_nc)];
    let uc = root.issue(p);
    for (name, uri) in [
        ("nc-uri-ok", "https://device.example.test/"),
        ("nc-uri-no-authority", "urn:example:device"),
    ] {
        let mut lp = leaf();
        lp.subject_alt_names
            .push(SanType::URI(uri.try_into().expect("IA5")));
        let l = uc.issue(lp);
        v.push(sc(name, &[&root.der], &[&l.der, &uc.der], h, now));
    }

    // A minimum other than 0 (49).
    let minmax_nc = {
        let mut subtree = tlv(0x82, b"example.test");
        subtree.extend(tlv(0x80, &[1]));
        tlv(0x30, &tlv(0xa0, &tlv(0x30, &subtree)))
    };
    let mut p = ca("OSSL NC Minimum");
    p.custom_extensions = vec![ext(&[2, 5, 29, 30], true, minmax_nc)];
    let mc = root.issue(p);
    let l = mc.issue(leaf());
    v.push(sc(
        "nc-subtree-minimum",
        &[&root.der],
        &[&l.der, &mc.der],
        h,
        now,
    ));

    // A leading dot permits subdomains only.
    let dot = constrained("OSSL NC Permit .example.test", dns(&[".example.test"], &[]));
    let l = dot.issue(leaf_p("example.test", &["example.test"]));
    v.push(sc(
        "nc-dns-leading-dot-apex",
        &[&root.der],
        &[&l.der, &dot.der],
        Some("example.test"),
        now,
    ));
    let l = dot.issue(leaf());
    v.push(sc(
        "nc-dns-leading-dot-subdomain",
        &[&root.der],
        &[&l.der, &dot.der],
        h,
        now,
    ));

    // rfc822Name constraints apply to the subject's emailAddress attributes.
    let email_x = constrained(
        "OSSL NC Exclude mail",
        NameConstraints {
            permitted_subtrees: Vec::new(),
            excluded_subtrees: vec![GeneralSubtree::Rfc822Name("example.test".into())],
        },
    );
    let mut lp = leaf();
    lp.distinguished_name.push(
        DnType::CustomDnType(vec![1, 2, 840, 113549, 1, 9, 1]),
        DnValue::Ia5String("device@example.test".try_into().expect("IA5")),
    );
    let l = email_x.issue(lp);
    v.push(sc(
        "nc-subject-email-excluded",
        &[&root.der],
        &[&l.der, &email_x.der],
        h,
        now,
    ));

    // Any name constraint makes OpenSSL read the subject's emailAddress, which must be an
    // IA5String (53).
    let mut lp = leaf();
    lp.distinguished_name.push(
        DnType::CustomDnType(vec![1, 2, 840, 113549, 1, 9, 1]),
        DnValue::Utf8String("device@example.test".into()),
    );
    let l = permit.issue(lp);
    v.push(sc(
        "nc-subject-email-utf8",
        &[&root.der],
        &[&l.der, &permit.der],
        h,
        now,
    ));
}

/// `X509_check_host` and `X509_check_ip` with no host flags.
fn hosts(v: &mut Vec<Scenario>) {
    let now = t(2025, 1, 1);
    let root = Ca::root(ca("OSSL Host Root"));
    let int = root.issue(ca("OSSL Host Intermediate"));
    let mut add = |name: &str, p: CertificateParams, host: &str| {
        let l = int.issue(p);
        v.push(sc(name, &[&root.der], &[&l.der, &int.der], Some(host), now));
    };
    add(
        "wildcard-partial-prefix",
        leaf_p("w", &["f*.example.test"]),
        "foo.example.test",
    );
    add(
        "wildcard-star-mid-label",
        leaf_p("w", &["f*o.example.test"]),
        "foo.example.test",
    );
    add("wildcard-tld", leaf_p("w", &["*.test"]), "device.test");
    add(
        "wildcard-idna-host",
        leaf_p("w", &["*.example.test"]),
        "xn--bcher-kva.example.test",
    );
    add(
        "wildcard-partial-idna-host",
        leaf_p("w", &["x*.example.test"]),
        "xn--bcher-kva.example.test",
    );
    add(
        "wildcard-in-idna-label",
        leaf_p("w", &["xn--*.example.test"]),
        "xn--bcher-kva.example.test",
    );
    add(
        "wildcard-cn-only",
        leaf_p("*.example.test", &[]),
        "a.example.test",
    );
    add(
        "cn-used-with-ip-only-san",
        leaf_p(HOST, &["192.0.2.10"]),
        HOST,
    );
    add(
        "cn-ignored-with-dns-san",
        leaf_p(HOST, &["other.example.test"]),
        HOST,
    );
    add("ipv6-san", leaf_p("v6", &["2001:db8::10"]), "2001:db8::10");
    add(
        "ipv6-mismatch",
        leaf_p("v6", &["2001:db8::10"]),
        "2001:db8::11",
    );
    add("ip-host-cn-only", leaf_p("192.0.2.10", &[]), "192.0.2.10");
    let mut p = leaf_p("ip text", &[]);
    p.subject_alt_names = vec![SanType::DnsName("192.0.2.10".try_into().expect("IA5"))];
    add("ip-host-dns-san-text", p, "192.0.2.10");
    let mut p = leaf_p("mapped", &[]);
    p.subject_alt_names = vec![SanType::IpAddress(IpAddr::V6(
        Ipv4Addr::new(192, 0, 2, 10).to_ipv6_mapped(),
    ))];
    add("ipv4-mapped-ipv6-san", p, "192.0.2.10");
}

/// Security level 1: 80-bit keys (the leaf's before anything else), time edges.
fn keys(v: &mut Vec<Scenario>) {
    let now = t(2025, 1, 1);
    let h = Some(HOST);
    let root = Ca::root(ca("OSSL Key Root"));
    let int = root.issue(ca("OSSL Key Intermediate"));
    // 920 bits reach level 1's 80 security bits; 2048 level 2's 112 (2047 too: the estimate
    // rounds up to a multiple of 8).
    for bits in [919u32, 920, 1023, 1536, 2047, 2048] {
        let l = int.issue_spki(&leaf(), &rsa_spki(bits));
        v.push(sc(
            &format!("rsa{bits}-leaf"),
            &[&root.der],
            &[&l, &int.der],
            h,
            now,
        ));
    }
    // The leaf's key is checked before the chain is built.
    let other = Ca::root(ca("OSSL Unrelated Root"));
    let l = int.issue_spki(&leaf(), &rsa_spki(919));
    v.push(sc(
        "rsa919-leaf-untrusted",
        &[&other.der],
        &[&l, &int.der],
        h,
        now,
    ));

    // Validity: notAfter equal to the time is expired, notBefore equal is valid.
    let mut p = leaf();
    p.not_after = odt(t(2025, 1, 1));
    let l = int.issue(p);
    v.push(sc(
        "leaf-notafter-equals-now",
        &[&root.der],
        &[&l.der, &int.der],
        h,
        now,
    ));
    let mut p = leaf();
    p.not_before = odt(t(2025, 1, 1));
    let l = int.issue(p);
    v.push(sc(
        "leaf-notbefore-equals-now",
        &[&root.der],
        &[&l.der, &int.der],
        h,
        now,
    ));
}

/// A `TRUSTED CERTIFICATE` trust entry: the certificate followed by OpenSSL's trust settings
/// (`X509_CERT_AUX`, as `openssl x509 -addtrust / -addreject / -setalias` write them).
fn trusted(der: &[u8], trust: Option<&[&str]>, reject: Option<&[&str]>, alias: bool) -> Vec<u8> {
    let list = |l: Option<&[&str]>| l.map(|l| l.iter().map(|o| o.to_string()).collect());
    let aux = anchorkit::anchor::TrustSettings {
        trust: list(trust),
        reject: list(reject),
        alias: alias.then(|| "device root".to_string()),
    };
    let mut v = der.to_vec();
    v.extend(aux.to_der());
    v
}

/// A trust-settings row: name, trust list, reject list, alias.
type SettingsRow = (
    &'static str,
    Option<&'static [&'static str]>,
    Option<&'static [&'static str]>,
    bool,
);

/// OpenSSL's trust settings (`check_trust` while the chain is built, `check_purpose` for store
/// certificates): a trust list must name serverAuth or anyExtendedKeyUsage, a reject list
/// naming either rejects (28), a trusted use stands in for the CA's own purpose, and a store
/// certificate trusted for serverAuth is an anchor even when it is not self-signed.
fn trusted_settings_rows() -> [SettingsRow; 10] {
    const SERVER: &[&str] = &["1.3.6.1.5.5.7.3.1"];
    const CLIENT: &[&str] = &["1.3.6.1.5.5.7.3.2"];
    const ANY: &[&str] = &["2.5.29.37.0"];
    const EMAIL_SERVER: &[&str] = &["1.3.6.1.5.5.7.3.4", "1.3.6.1.5.5.7.3.1"];
    const NONE: &[&str] = &[];
    [
        ("trusted-server", Some(SERVER), None, false),
        ("trusted-any", Some(ANY), None, false),
        ("trusted-email-and-server", Some(EMAIL_SERVER), None, false),
        ("trusted-client-only", Some(CLIENT), None, false),
        ("trusted-nothing", Some(NONE), None, false),
        ("rejected-server", None, Some(SERVER), false),
        ("rejected-any", None, Some(ANY), false),
        ("rejected-client", None, Some(CLIENT), false),
        (
            "trusted-and-rejected-server",
            Some(SERVER),
            Some(SERVER),
            false,
        ),
        ("alias-only", None, None, true),
    ]
}

fn trust_settings(v: &mut Vec<Scenario>) {
    let now = t(2025, 1, 1);
    let h = Some(HOST);
    let root = Ca::root(ca("OSSL Trust Root"));
    let int = root.issue(ca("OSSL Trust Intermediate"));
    let l = int.issue(leaf());
    let mut rp = ca("OSSL Trust Client Root");
    rp.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let croot = Ca::root(rp);
    let cint = croot.issue(ca("OSSL Under Trust Client Root"));
    let cl = cint.issue(leaf());
    for (name, tr, rj, alias) in trusted_settings_rows() {
        // The root as the anchor.
        v.push(sc(
            &format!("aux-root-{name}"),
            &[&trusted(&root.der, tr, rj, alias)],
            &[&l.der, &int.der],
            h,
            now,
        ));
        // The intermediate alone as the anchor (not self-signed).
        v.push(sc(
            &format!("aux-int-{name}"),
            &[&trusted(&int.der, tr, rj, alias)],
            &[&l.der, &int.der],
            h,
            now,
        ));
        // A root whose own extendedKeyUsage is clientAuth only.
        v.push(sc(
            &format!("aux-client-root-{name}"),
            &[&trusted(&croot.der, tr, rj, alias)],
            &[&cl.der, &cint.der],
            h,
            now,
        ));
    }
    const SERVER: &[&str] = &["1.3.6.1.5.5.7.3.1"];
    let reject = |d: &[u8]| trusted(d, None, Some(SERVER), false);
    let trust = |d: &[u8]| trusted(d, Some(SERVER), None, false);
    for (name, anchors) in [
        // Trusted first meets the rejected intermediate before the trusted root.
        (
            "aux-int-rejected-root-trusted",
            vec![root.der.clone(), reject(&int.der)],
        ),
        // The chain stops at the trusted intermediate; the rejected root is never reached.
        (
            "aux-root-rejected-int-trusted",
            vec![reject(&root.der), trust(&int.der)],
        ),
        // The same certificate twice: the store keeps the first copy.
        (
            "aux-root-plain-then-rejected",
            vec![root.der.clone(), reject(&root.der)],
        ),
        (
            "aux-root-rejected-then-plain",
            vec![reject(&root.der), root.der.clone()],
        ),
    ] {
        let refs: Vec<&[u8]> = anchors.iter().map(Vec::as_slice).collect();
        v.push(sc(name, &refs, &[&l.der, &int.der], h, now));
    }
    // A trusted intermediate that has expired: the top's own dates are not checked when it
    // is not self-signed (internal_verify starts below it).
    let mut ip = ca("OSSL Trust Expired Intermediate");
    ip.not_after = odt(t(2024, 6, 1));
    let xint = root.issue(ip);
    let xl = xint.issue(leaf());
    v.push(sc(
        "aux-int-trusted-expired",
        &[&trusted(&xint.der, Some(SERVER), None, false)],
        &[&xl.der, &xint.der],
        h,
        now,
    ));
    v.push(sc(
        "aux-int-trusted-expired-root-too",
        &[&root.der, &trusted(&xint.der, Some(SERVER), None, false)],
        &[&xl.der, &xint.der],
        h,
        now,
    ));
    // The leaf itself in the store, trusted for serverAuth.
    v.push(sc(
        "aux-leaf-trusted-server",
        &[&trusted(&l.der, Some(SERVER), None, false)],
        &[&l.der],
        h,
        now,
    ));
}

/// `build_chain`: trusted first, one candidate per step, no backtracking.
fn building(v: &mut Vec<Scenario>) {
    let now = t(2025, 1, 1);
    let h = Some(HOST);
    let root = Ca::root(ca("OSSL Build Root"));

    // Two copies of the intermediate (same name and key): an expired one sent first.
    let ikey = key(Alg::P256);
    let ikey_pem = ikey.serialize_pem();
    let mut p = ca("OSSL Renewed Intermediate");
    p.not_after = odt(t(2024, 6, 1));
    p.not_before = odt(t(2020, 1, 1));
    let old = root.issue_with(p, ikey);
    let new = root.issue_with(
        ca("OSSL Renewed Intermediate"),
        KeyPair::from_pem(&ikey_pem).expect("key"),
    );
    let l = new.issue(leaf());
    v.push(sc(
        "expired-intermediate-sent-first",
        &[&root.der],
        &[&l.der, &old.der, &new.der],
        h,
        now,
    ));
    // An expired copy in the trust store wins over the valid served one (trusted first).
    v.push(sc(
        "expired-trusted-intermediate-valid-served",
        &[&old.der, &root.der],
        &[&l.der, &new.der],
        h,
        now,
    ));

    // Same-name roots: without an authorityKeyIdentifier the first one in the store is taken,
    // then its key fails the signature; a root of another key type is passed over.
    let twin = Ca::root(ca("OSSL Build Root"));
    let mut p = ca("OSSL No AKID Intermediate");
    p.use_authority_key_identifier_extension = false;
    let noakid = root.issue(p);
    let l = noakid.issue(leaf());
    v.push(sc(
        "same-name-root-no-akid-twin-first",
        &[&twin.der, &root.der],
        &[&l.der, &noakid.der],
        h,
        now,
    ));
    v.push(sc(
        "same-name-root-no-akid-twin-last",
        &[&root.der, &twin.der],
        &[&l.der, &noakid.der],
        h,
        now,
    ));
    let ed_twin = Ca::root_with(ca("OSSL Build Root"), key(Alg::Ed25519));
    v.push(sc(
        "same-name-root-no-akid-other-key-type-first",
        &[&ed_twin.der, &root.der],
        &[&l.der, &noakid.der],
        h,
        now,
    ));

    // A served self-signed leaf whose trusted copy has the same name and key but other bytes.
    let mut sp = leaf();
    sp.not_after = odt(t(2035, 1, 1));
    let skey = key(Alg::P256);
    let skey_pem = skey.serialize_pem();
    let served_copy = Ca::root_with(sp, skey);
    let trusted_copy = Ca::root_with(leaf(), KeyPair::from_pem(&skey_pem).expect("key"));
    v.push(sc(
        "self-signed-leaf-reissued-copy-trusted",
        &[&trusted_copy.der],
        &[&served_copy.der],
        h,
        now,
    ));

    // A served root that is not in the store ends the chain as "self-signed in chain".
    let int = root.issue(ca("OSSL Build Intermediate"));
    let l = int.issue(leaf());
    let unrelated = Ca::root(ca("OSSL Unrelated Build Root"));
    v.push(sc(
        "served-root-untrusted",
        &[&unrelated.der],
        &[&l.der, &int.der, &root.der],
        h,
        now,
    ));

    // authorityKeyIdentifier serial numbers must match the issuer's (X509_check_akid).
    let keyid: Vec<u8> = (21..=40).collect();
    let mut p = ca("OSSL AKID Serial Intermediate");
    p.key_identifier_method = KeyIdMethod::PreSpecified(keyid.clone());
    p.serial_number = Some(SerialNumber::from(vec![0x42]));
    let si = root.issue(p);
    for (name, serial) in [
        ("leaf-akid-serial-match", 0x42u8),
        ("leaf-akid-serial-mismatch", 0x43),
    ] {
        let mut lp = leaf();
        lp.use_authority_key_identifier_extension = false;
        let body = [tlv(0x80, &keyid), tlv(0x82, &[serial])].concat();
        lp.custom_extensions = vec![ext(&[2, 5, 29, 35], false, tlv(0x30, &body))];
        let l = si.issue(lp);
        v.push(sc(name, &[&root.der], &[&l.der, &si.der], h, now));
    }

    // Two expired copies of the intermediate: the one that expired last is taken, and its
    // extendedKeyUsage (checked before validity) decides.
    let ekey = key(Alg::P256);
    let ekey_pem = ekey.serialize_pem();
    let mut p = ca("OSSL Twice Expired Intermediate");
    p.not_after = odt(t(2024, 6, 1));
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let late = root.issue_with(p, ekey);
    let mut p = ca("OSSL Twice Expired Intermediate");
    p.not_after = odt(t(2024, 3, 1));
    let early = root.issue_with(p, KeyPair::from_pem(&ekey_pem).expect("key"));
    let l = early.issue(leaf());
    v.push(sc(
        "two-expired-intermediates-latest-wins",
        &[&root.der],
        &[&l.der, &early.der, &late.der],
        h,
        now,
    ));

    // A self-issued root whose authorityKeyIdentifier is not its own key: not self-signed, so
    // not a trust anchor for OpenSSL.
    let mut p = ca("OSSL Odd AKID Root");
    p.use_authority_key_identifier_extension = false;
    p.custom_extensions = vec![ext(
        &[2, 5, 29, 35],
        false,
        tlv(0x30, &tlv(0x80, &[0x5a; 20])),
    )];
    let odd = Ca::root(p);
    let oi = odd.issue(ca("OSSL Under Odd AKID Root"));
    let ol = oi.issue(leaf());
    v.push(sc(
        "root-akid-not-own-key",
        &[&odd.der],
        &[&ol.der, &oi.der],
        h,
        now,
    ));

    // Two trust certificates that issue each other, neither self-signed: the chain goes round
    // until the depth limit.
    let ka = key(Alg::P256);
    let kb = key(Alg::P256);
    let pa = ca("OSSL Loop A");
    let pb = ca("OSSL Loop B");
    let a = pa
        .signed_by(&ka, &Issuer::from_params(&pb, &kb))
        .expect("A")
        .der()
        .to_vec();
    let b = pb
        .signed_by(&kb, &Issuer::from_params(&pa, &ka))
        .expect("B")
        .der()
        .to_vec();
    let la = leaf()
        .signed_by(&key(Alg::P256), &Issuer::from_params(&pa, &ka))
        .expect("leaf")
        .der()
        .to_vec();
    v.push(sc("trust-loop", &[&a, &b], &[&la], h, now));

    // Depth: 100 intermediates pass, 101 are one too many.
    let deep_root = Ca::root(ca("OSSL Deep Root"));
    let mut ints: Vec<Ca> = Vec::new();
    for i in 0..101 {
        let next = ints
            .last()
            .unwrap_or(&deep_root)
            .issue(ca(&format!("OSSL Deep {i}")));
        ints.push(next);
    }
    for n in [100usize, 101] {
        let l = ints[n - 1].issue(leaf());
        let mut chain: Vec<&[u8]> = vec![&l.der];
        chain.extend(ints[..n].iter().rev().map(|c| c.der.as_slice()));
        v.push(sc(
            &format!("depth-{n}-intermediates"),
            &[&deep_root.der],
            &chain,
            h,
            now,
        ));
    }
}

/// The openssl command, in a scratch directory.
struct Cli {
    dir: PathBuf,
    serial: std::cell::Cell<u32>,
}

impl Cli {
    fn new() -> Cli {
        let dir = std::env::temp_dir().join(format!("anchorkit-osl3-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        Cli {
            dir,
            serial: std::cell::Cell::new(100),
        }
    }

    fn run(&self, args: &[&str]) {
        anchorkit::testsupport::openssl(&self.dir, args);
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.dir.join(name), text).unwrap_or_else(|e| panic!("{e}"));
    }

    /// A key: `ec` (P-256), `rsa:<bits>`, `rsa-pss:<bits>` (an id-RSASSA-PSS key without
    /// restrictions) or `rsa-pss-sha256:<bits>` (restricted to SHA-256, MGF1-SHA-256, salt 32).
    fn key(&self, name: &str, spec: &str) {
        let out = format!("{name}.key");
        let (pss, restricted) = match spec.split_once(':') {
            Some(("rsa-pss", bits)) => (Some(bits), false),
            Some(("rsa-pss-sha256", bits)) => (Some(bits), true),
            _ => (None, false),
        };
        if let Some(bits) = pss {
            let b = format!("rsa_keygen_bits:{bits}");
            let mut args = vec!["genpkey", "-algorithm", "RSA-PSS", "-pkeyopt", &b];
            if restricted {
                args.extend([
                    "-pkeyopt",
                    "rsa_pss_keygen_md:sha256",
                    "-pkeyopt",
                    "rsa_pss_keygen_mgf1_md:sha256",
                    "-pkeyopt",
                    "rsa_pss_keygen_saltlen:32",
                ]);
            }
            args.extend(["-out", &out]);
            return self.run(&args);
        }
        match spec.strip_prefix("rsa:") {
            Some(bits) => self.run(&[
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                &format!("rsa_keygen_bits:{bits}"),
                "-out",
                &out,
            ]),
            None => self.run(&[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                &out,
            ]),
        }
    }

    /// A new key (`spec` as for [`Cli::key`]) and its certificate, SHA-256 signed.
    fn made(&self, name: &str, spec: &str, cn: &str, issuer: Option<&str>, exts: &str) -> Vec<u8> {
        self.key(name, spec);
        self.cert(name, cn, issuer, "sha256", exts)
    }

    /// An rcgen-made CA, written out so the command can sign with it.
    fn import(&self, name: &str, c: &Ca) {
        self.write(
            &format!("{name}.pem"),
            &anchorkit::pemutil::encode("CERTIFICATE", &c.der),
        );
        self.write(&format!("{name}.key"), &c.key.serialize_pem());
    }

    /// Makes `name.pem` for key `name.key` with subject `/O=anchorkit test/CN=<cn>`, signed by
    /// `issuer` (or self-signed) with digest `md`; `exts` in openssl's x509v3 syntax (none makes
    /// a v1 certificate). Returns the DER.
    fn cert(&self, name: &str, cn: &str, issuer: Option<&str>, md: &str, exts: &str) -> Vec<u8> {
        self.cert_opts(name, cn, issuer, md, exts, &[])
    }

    /// [`Cli::cert`] with extra `x509` arguments (such as `-sigopt`).
    fn cert_opts(
        &self,
        name: &str,
        cn: &str,
        issuer: Option<&str>,
        md: &str,
        exts: &str,
        extra: &[&str],
    ) -> Vec<u8> {
        let subj = format!("/O=anchorkit test/CN={cn}");
        let csr = format!("{name}.csr");
        let keyf = format!("{name}.key");
        let pem = format!("{name}.pem");
        self.write("req.cnf", "[req]\ndistinguished_name=dn\n[dn]\n");
        self.run(&[
            "req", "-new", "-key", &keyf, "-subj", &subj, "-config", "req.cnf", "-out", &csr,
        ]);
        let serial = self.serial.get();
        self.serial.set(serial + 1);
        let serial = serial.to_string();
        let md = format!("-{md}");
        let mut args: Vec<String> = [
            "x509",
            "-req",
            "-in",
            &csr,
            "-days",
            "3650",
            &md,
            "-set_serial",
            &serial,
            "-out",
            &pem,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        match issuer {
            Some(i) => args.extend([
                "-CA".into(),
                format!("{i}.pem"),
                "-CAkey".into(),
                format!("{i}.key"),
            ]),
            None => args.extend(["-signkey".into(), keyf.clone()]),
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        if !exts.is_empty() {
            let extf = format!("{name}.ext");
            self.write(&extf, exts);
            args.extend(["-extfile".into(), extf]);
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        self.run(&refs);
        let f =
            anchorkit::intake::read_path(&self.dir.join(&pem)).unwrap_or_else(|e| panic!("{e}"));
        f[0].cert().map(|c| c.der().to_vec()).unwrap_or_default()
    }
}

impl Drop for Cli {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const CA_EXT: &str = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n";
const CA_EXT_NO_AKID: &str = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n";
const LEAF_EXT: &str = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:device.example.test\nauthorityKeyIdentifier=keyid\n";
const LEAF_EXT_NO_AKID: &str = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:device.example.test\n";

/// Certificates rcgen cannot make: SHA-1 signatures, v1 certificates, small RSA signers.
fn openssl_made(v: &mut Vec<Scenario>) {
    let cli = Cli::new();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
        + 86_400;
    let h = Some(HOST);
    let root = Ca::root(ca("OSSL CLI Root"));
    cli.import("root", &root);

    // A SHA-1 signed intermediate fails; a SHA-1 self-signed root does not (its signature is
    // never checked).
    cli.key("sha1int", "ec");
    let sha1int = cli.cert(
        "sha1int",
        "OSSL SHA-1 Intermediate",
        Some("root"),
        "sha1",
        CA_EXT,
    );
    cli.key("sha1intleaf", "ec");
    let l = cli.cert("sha1intleaf", HOST, Some("sha1int"), "sha256", LEAF_EXT);
    v.push(sc(
        "sha1-intermediate",
        &[&root.der],
        &[&l, &sha1int],
        h,
        now,
    ));

    cli.key("sha1root", "rsa:2048");
    let sha1root = cli.cert("sha1root", "OSSL SHA-1 Root", None, "sha1", CA_EXT);
    cli.key("s1i", "ec");
    let s1i = cli.cert(
        "s1i",
        "OSSL Under SHA-1 Root",
        Some("sha1root"),
        "sha256",
        CA_EXT,
    );
    cli.key("s1l", "ec");
    let s1l = cli.cert("s1l", HOST, Some("s1i"), "sha256", LEAF_EXT);
    v.push(sc(
        "sha1-self-signed-root",
        &[&sha1root],
        &[&s1l, &s1i],
        h,
        now,
    ));

    cli.key("sha1pin", "rsa:2048");
    let pin = cli.cert(
        "sha1pin",
        HOST,
        None,
        "sha1",
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:device.example.test\n",
    );
    v.push(sc("sha1-self-signed-leaf-pinned", &[&pin], &[&pin], h, now));

    // RSASSA-PSS signatures: the digest in the parameters sets the strength.
    cli.key("pssroot", "rsa:2048");
    let pssroot = cli.cert("pssroot", "OSSL PSS Root", None, "sha256", CA_EXT);
    for md in ["sha256", "sha1"] {
        let n = format!("pss{md}");
        cli.key(&n, "ec");
        let l = cli.cert_opts(
            &n,
            HOST,
            Some("pssroot"),
            md,
            LEAF_EXT,
            &[
                "-sigopt",
                "rsa_padding_mode:pss",
                "-sigopt",
                "rsa_pss_saltlen:digest",
            ],
        );
        v.push(sc(
            &format!("rsa-pss-{md}-leaf"),
            &[&pssroot],
            &[&l],
            h,
            now,
        ));
    }

    // RSASSA-PSS keys (id-RSASSA-PSS SubjectPublicKeyInfo): a CA with such a key signs with
    // PSS; with parameters, only with that digest and at least that salt.
    for (tag, spec) in [
        ("pss-key", "rsa-pss:2048"),
        ("pss-key-sha256", "rsa-pss-sha256:2048"),
    ] {
        let root = format!("{tag}root");
        let r = cli.made(
            &root,
            spec,
            &format!("OSSL {tag} Root"),
            None,
            CA_EXT_NO_AKID,
        );
        let int = format!("{tag}int");
        let i = cli.made(
            &int,
            "ec",
            &format!("OSSL Under {tag} Root"),
            Some(&root),
            CA_EXT,
        );
        let l = cli.made(&format!("{tag}leaf"), "ec", HOST, Some(&int), LEAF_EXT);
        v.push(sc(&format!("{tag}-root"), &[&r], &[&l, &i], h, now));
        // A PSS-keyed intermediate under an ordinary RSA root.
        let mid = format!("{tag}mid");
        let m = cli.made(
            &mid,
            spec,
            &format!("OSSL {tag} Intermediate"),
            Some("pssroot"),
            CA_EXT,
        );
        let l = cli.made(&format!("{tag}midleaf"), "ec", HOST, Some(&mid), LEAF_EXT);
        v.push(sc(
            &format!("{tag}-intermediate"),
            &[&pssroot],
            &[&l, &m],
            h,
            now,
        ));
    }

    // Weak CA keys: 80 security bits pass level 1 and fail level 2 (67).
    let wi = cli.made(
        "rsa1024int",
        "rsa:1024",
        "OSSL RSA-1024 Intermediate",
        Some("pssroot"),
        CA_EXT,
    );
    let wl = cli.made("rsa1024intleaf", "ec", HOST, Some("rsa1024int"), LEAF_EXT);
    v.push(sc("rsa1024-intermediate", &[&pssroot], &[&wl, &wi], h, now));

    // v1 certificates: a v1 self-signed root is a CA (check_ca 3); a v1 intermediate is not.
    cli.key("v1root", "rsa:2048");
    let v1root = cli.cert("v1root", "OSSL v1 Root", None, "sha256", "");
    cli.key("v1ri", "ec");
    let v1ri = cli.cert(
        "v1ri",
        "OSSL Under v1 Root",
        Some("v1root"),
        "sha256",
        CA_EXT_NO_AKID,
    );
    cli.key("v1rl", "ec");
    let v1rl = cli.cert("v1rl", HOST, Some("v1ri"), "sha256", LEAF_EXT);
    v.push(sc("v1-root-anchor", &[&v1root], &[&v1rl, &v1ri], h, now));

    cli.key("v1int", "ec");
    let v1int = cli.cert("v1int", "OSSL v1 Intermediate", Some("root"), "sha256", "");
    cli.key("v1il", "ec");
    let v1il = cli.cert("v1il", HOST, Some("v1int"), "sha256", LEAF_EXT_NO_AKID);
    v.push(sc(
        "v1-intermediate",
        &[&root.der],
        &[&v1il, &v1int],
        h,
        now,
    ));

    // Small RSA issuers: 919 bits give 72 security bits (67), 920 give 80; a SHA-1 leaf under
    // a 919-bit intermediate reports the signature first (68).
    for bits in [919u32, 920] {
        let n = format!("rsaint{bits}");
        cli.key(&n, &format!("rsa:{bits}"));
        let int = cli.cert(
            &n,
            &format!("OSSL RSA-{bits} Intermediate"),
            Some("root"),
            "sha256",
            CA_EXT,
        );
        let ln = format!("{n}leaf");
        cli.key(&ln, "ec");
        let l = cli.cert(&ln, HOST, Some(&n), "sha256", LEAF_EXT);
        v.push(sc(
            &format!("rsa{bits}-intermediate"),
            &[&root.der],
            &[&l, &int],
            h,
            now,
        ));
        if bits == 919 {
            cli.key("sha1under919", "ec");
            let l = cli.cert("sha1under919", HOST, Some(&n), "sha1", LEAF_EXT);
            v.push(sc(
                "sha1-leaf-under-rsa919-intermediate",
                &[&root.der],
                &[&l, &int],
                h,
                now,
            ));
        }
    }
    // Named curves the level-1 rule passes (P-192: 96 bits, secp160r1: 80) or fails
    // (secp112r1: 56).
    for curve in ["prime192v1", "secp160r1", "secp112r1"] {
        let n = format!("curve{curve}");
        cli.run(&[
            "ecparam",
            "-name",
            curve,
            "-genkey",
            "-noout",
            "-out",
            &format!("{n}.key"),
        ]);
        let l = cli.cert(&n, HOST, Some("root"), "sha256", LEAF_EXT);
        v.push(sc(&format!("{curve}-leaf"), &[&root.der], &[&l], h, now));
    }
    cli.key("rsaroot919", "rsa:919");
    let r919 = cli.cert("rsaroot919", "OSSL RSA-919 Root", None, "sha256", CA_EXT);
    cli.key("r919i", "ec");
    let r919i = cli.cert(
        "r919i",
        "OSSL Under RSA-919 Root",
        Some("rsaroot919"),
        "sha256",
        CA_EXT,
    );
    cli.key("r919l", "ec");
    let r919l = cli.cert("r919l", HOST, Some("r919i"), "sha256", LEAF_EXT);
    v.push(sc("rsa919-root", &[&r919], &[&r919l, &r919i], h, now));
}
