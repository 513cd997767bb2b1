//! Scenarios by class, each class covered whole: every signature algorithm, curve, digest and
//! padding a profiled stack may meet; RSA sizes around every library's limits; how each stack
//! reads a Certificate message with entries that are not (only) certificates; policies;
//! name encodings; key identifiers; cross-sign loops; depth limits; same-subject anchors.

use rcgen::{CustomExtension, KeyUsagePurpose};

use crate::corpus::Scenario;
use crate::kit::{CA_EXT, KeyAlg, Kit, LEAF_EXT, Sig};
use crate::pki::{Alg, Node, Spec, der_wrap, t};

const HOST: &str = "device.example.test";

fn s(name: &str, trust: &[&[u8]], chain: &[&[u8]], at: i64) -> Scenario {
    Scenario {
        name: name.into(),
        trust: trust.iter().map(|d| d.to_vec()).collect(),
        chain: chain.iter().map(|d| d.to_vec()).collect(),
        host: Some(HOST.into()),
        at,
    }
}

/// Every class.
pub fn cases(v: &mut Vec<Scenario>) {
    let mut kit = Kit::new("classes");
    signatures(&mut kit, v);
    rsa_sizes(&mut kit, v);
    pss(&mut kit, v);
    mixed(&mut kit, v);
    policies(&mut kit, v);
    versions_and_extensions(&mut kit, v);
    chain_reading(v);
    v1_and_dropped(&mut kit, v);
    hostnames_and_usage(v);
    names_and_ids(v);
    loops_depth_bundle(v);
    encodings(v);
}

/// Root -> leaf where the root signs with `sig`; both keys of `alg`.
fn sig_case(kit: &mut Kit, v: &mut Vec<Scenario>, name: &str, alg: &KeyAlg, sig: &Sig) {
    let root = kit.root(&format!("Sig Root {name}"), alg, sig);
    let leaf = kit.leaf(&root, alg, sig);
    v.push(s(
        &format!("sig-{name}"),
        &[&root.der],
        &[&leaf.der],
        kit.at,
    ));
}

fn signatures(kit: &mut Kit, v: &mut Vec<Scenario>) {
    let rsa = KeyAlg::Rsa(2048);
    for md in ["md5", "sha1", "sha224", "sha256", "sha384", "sha512"] {
        sig_case(kit, v, &format!("rsa2048-{md}"), &rsa, &Sig::md(md));
    }
    let curves: &[(&str, &'static str, &[&'static str])] = &[
        (
            "p256",
            "prime256v1",
            &["sha1", "sha224", "sha256", "sha384", "sha512"],
        ),
        ("p384", "secp384r1", &["sha1", "sha256", "sha384", "sha512"]),
        ("p521", "secp521r1", &["sha1", "sha256", "sha384", "sha512"]),
        ("p192", "prime192v1", &["sha1", "sha256"]),
        ("p224", "secp224r1", &["sha224", "sha256"]),
        ("secp256k1", "secp256k1", &["sha256"]),
        ("secp192k1", "secp192k1", &["sha256"]),
        ("secp224k1", "secp224k1", &["sha256"]),
        ("bp256", "brainpoolP256r1", &["sha256", "sha1"]),
        ("bp384", "brainpoolP384r1", &["sha384"]),
        ("bp512", "brainpoolP512r1", &["sha512", "sha256"]),
    ];
    for (tag, curve, mds) in curves {
        for md in *mds {
            sig_case(
                kit,
                v,
                &format!("ecdsa-{tag}-{md}"),
                &KeyAlg::Ec(curve),
                &Sig::md(md),
            );
        }
    }
    sig_case(kit, v, "ed25519", &KeyAlg::Ed25519, &Sig::pure());
    sig_case(kit, v, "ed448", &KeyAlg::Ed448, &Sig::pure());
}

/// RSA issuers of sizes around the limits (BearSSL 1017 bits minimum, OpenSSL level 1 and
/// wolfSSL 1024, Mbed TLS profile 2048, BearSSL/wolfSSL 4096 maximum, Mbed TLS/ring 8192), each
/// signing a P-256 leaf; and RSA leaves of those sizes under an RSA-2048 root.
fn rsa_sizes(kit: &mut Kit, v: &mut Vec<Scenario>) {
    let sizes: &[(&str, KeyAlg)] = &[
        ("1016", KeyAlg::Rsa(1016)),
        ("1017", KeyAlg::Rsa(1017)),
        ("1023", KeyAlg::Rsa(1023)),
        ("1024", KeyAlg::Rsa(1024)),
        ("2047", KeyAlg::Rsa(2047)),
        ("3072", KeyAlg::Rsa(3072)),
        ("4096", KeyAlg::Rsa(4096)),
        ("4608", KeyAlg::File("rsa4608.pem")),
        ("8192", KeyAlg::File("rsa8192.pem")),
    ];
    let p256 = KeyAlg::Ec("prime256v1");
    for (tag, alg) in sizes {
        let root = kit.root(&format!("RSA {tag} Root"), alg, &Sig::md("sha256"));
        let leaf = kit.leaf(&root, &p256, &Sig::md("sha256"));
        v.push(s(
            &format!("rsa-issuer-{tag}"),
            &[&root.der],
            &[&leaf.der],
            kit.at,
        ));
    }
    let root = kit.root("RSA Leaf Size Root", &KeyAlg::Rsa(2048), &Sig::md("sha256"));
    for (tag, alg) in sizes {
        if matches!(alg, KeyAlg::Rsa(n) if *n == 3072) {
            continue;
        }
        let leaf = kit.leaf(&root, alg, &Sig::md("sha256"));
        v.push(s(
            &format!("rsa-leaf-{tag}"),
            &[&root.der],
            &[&leaf.der],
            kit.at,
        ));
    }
    // Above every library's limit: a 9216-bit public key (no private key needed for a leaf).
    let rc_root = Node::root(&Spec::ca("Huge Key Root"), Alg::Rsa2048);
    let mut spec = Spec::leaf(HOST);
    spec.not_before = kit.at - 86_400;
    spec.not_after = kit.at + 300 * 86_400;
    let leaf = rc_root.issue_for_spki(&spec, &fake_rsa_spki(9216));
    v.push(s("rsa-leaf-9216", &[&rc_root.der], &[&leaf], kit.at));
}

/// An RSA SubjectPublicKeyInfo with a random odd modulus of `bits` bits and e = 65537.
fn fake_rsa_spki(bits: usize) -> Vec<u8> {
    let mut n = vec![0u8; bits / 8];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for b in n.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = (x >> 32) as u8;
    }
    n[0] |= 0x80;
    if let Some(last) = n.last_mut() {
        *last |= 1;
    }
    let mut modulus = vec![0u8];
    modulus.extend(n);
    rsa_spki_raw(&modulus, &[0x01, 0x00, 0x01], &[], &[0x05, 0x00])
}

fn pss(kit: &mut Kit, v: &mut Vec<Scenario>) {
    let rsa = KeyAlg::Rsa(2048);
    let cases: &[(&str, Sig)] = &[
        ("sha256-salt32", Sig::pss("sha256", 32, "sha256")),
        ("sha384-salt48", Sig::pss("sha384", 48, "sha384")),
        ("sha512-salt64", Sig::pss("sha512", 64, "sha512")),
        ("sha256-salt0", Sig::pss("sha256", 0, "sha256")),
        ("sha256-salt20", Sig::pss("sha256", 20, "sha256")),
        ("sha256-mgf1-sha1", Sig::pss("sha256", 32, "sha1")),
        ("sha1-salt20", Sig::pss("sha1", 20, "sha1")),
        ("sha224-salt28", Sig::pss("sha224", 28, "sha224")),
    ];
    for (tag, sig) in cases {
        sig_case(kit, v, &format!("pss-{tag}"), &rsa, sig);
    }
}

/// Algorithms mixed along a chain.
fn mixed(kit: &mut Kit, v: &mut Vec<Scenario>) {
    let at = kit.at;
    let rsa = KeyAlg::Rsa(2048);
    let p256 = KeyAlg::Ec("prime256v1");
    let p384 = KeyAlg::Ec("secp384r1");
    let sha = Sig::md("sha256");
    let r = kit.root("Mixed RSA Root", &rsa, &sha);
    let i = kit.ca(&r, "Mixed P-256 Intermediate", &p256, &sha);
    let l = kit.leaf(&i, &rsa, &Sig::md("sha384"));
    v.push(s("mixed-rsa-ec-rsa", &[&r.der], &[&l.der, &i.der], at));
    let r = kit.root("Mixed P-384 Root", &p384, &Sig::md("sha384"));
    let i = kit.ca(&r, "Mixed RSA Intermediate", &rsa, &Sig::md("sha384"));
    let l = kit.leaf(&i, &p256, &Sig::pss("sha256", 32, "sha256"));
    v.push(s("mixed-ec-rsa-pss-ec", &[&r.der], &[&l.der, &i.der], at));
    let r = kit.root("Mixed Ed25519 Root", &KeyAlg::Ed25519, &Sig::pure());
    let i = kit.ca(&r, "Mixed P-256 under Ed25519", &p256, &Sig::pure());
    let l = kit.leaf(&i, &p256, &sha);
    v.push(s("mixed-ed25519-root-ec", &[&r.der], &[&l.der, &i.der], at));
    v.push(s(
        "mixed-ed25519-trust-intermediate",
        &[&i.der],
        &[&l.der, &i.der],
        at,
    ));
    let r = kit.root(
        "Mixed P-521 Root",
        &KeyAlg::Ec("secp521r1"),
        &Sig::md("sha512"),
    );
    let i = kit.ca(
        &r,
        "Mixed Brainpool Intermediate",
        &KeyAlg::Ec("brainpoolP256r1"),
        &Sig::md("sha512"),
    );
    let l = kit.leaf(&i, &p256, &sha);
    v.push(s("mixed-p521-bp256-p256", &[&r.der], &[&l.der, &i.der], at));
}

fn policies(kit: &mut Kit, v: &mut Vec<Scenario>) {
    let at = kit.at;
    let p256 = KeyAlg::Ec("prime256v1");
    let sha = Sig::md("sha256");
    let root = kit.root("Policy Root", &p256, &sha);
    let cases: &[(&str, &str)] = &[
        ("critical-any", "certificatePolicies=critical,2.5.29.32.0"),
        ("critical-specific", "certificatePolicies=critical,1.2.3.4"),
        ("noncritical-specific", "certificatePolicies=1.2.3.4"),
        (
            "policy-constraints-critical",
            "policyConstraints=critical,requireExplicitPolicy:0",
        ),
        ("inhibit-any-critical", "inhibitAnyPolicy=critical,0"),
    ];
    for (tag, ext) in cases {
        // On the leaf.
        let k = kit.key(&p256);
        let mut exts: Vec<&str> = LEAF_EXT.to_vec();
        exts.push(ext);
        let leaf = kit.cert("/CN=device.example.test", &k, Some(&root), &sha, &exts, 700);
        v.push(s(
            &format!("policy-leaf-{tag}"),
            &[&root.der],
            &[&leaf.der],
            at,
        ));
        // On an intermediate.
        let k = kit.key(&p256);
        let mut exts: Vec<&str> = CA_EXT.to_vec();
        exts.push(ext);
        let int = kit.cert(
            &format!("/O=anchorkit test/CN=Policy Intermediate {tag}"),
            &k,
            Some(&root),
            &sha,
            &exts,
            700,
        );
        let leaf = kit.leaf(&int, &p256, &sha);
        v.push(s(
            &format!("policy-intermediate-{tag}"),
            &[&root.der],
            &[&leaf.der, &int.der],
            at,
        ));
    }
    // Qualifiers (rcgen: the extension value written by hand).
    let rc_root = Node::root(&Spec::ca("Policy Qualifier Root"), Alg::P256);
    let now = t(2025, 1, 1);
    for (tag, value) in [
        ("critical-cps", policy_der(Some(CPS_QUALIFIER))),
        (
            "critical-usernotice",
            policy_der(Some(USERNOTICE_QUALIFIER)),
        ),
    ] {
        let mut spec = Spec::leaf(HOST);
        spec.custom.push(critical_ext(&[2, 5, 29, 32], value));
        let leaf = rc_root.issue(&spec, Alg::P256);
        v.push(s(
            &format!("policy-leaf-{tag}"),
            &[&rc_root.der],
            &[&leaf.der],
            now,
        ));
    }
}

/// The DER id-qt-cps qualifier `SEQUENCE { OID 1.3.6.1.5.5.7.2.1, IA5String }`.
const CPS_QUALIFIER: &[u8] = &[
    0x30, 0x1d, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x02, 0x01, 0x16, 0x11, b'h', b't',
    b't', b'p', b':', b'/', b'/', b'e', b'x', b'a', b'm', b'p', b'l', b'e', b'.', b't', b'e',
];

/// A userNotice qualifier `SEQUENCE { OID 1.3.6.1.5.5.7.2.2, SEQUENCE { UTF8String } }`.
const USERNOTICE_QUALIFIER: &[u8] = &[
    0x30, 0x12, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x02, 0x02, 0x30, 0x06, 0x0c, 0x04,
    b't', b'e', b's', b't',
];

/// certificatePolicies with policy 1.2.3.4 and an optional qualifier.
fn policy_der(qualifier: Option<&[u8]>) -> Vec<u8> {
    let oid = [0x06, 0x03, 0x2a, 0x03, 0x04];
    let mut pi = oid.to_vec();
    if let Some(q) = qualifier {
        pi.push(0x30);
        pi.push(q.len() as u8);
        pi.extend_from_slice(q);
    }
    let mut info = vec![0x30, pi.len() as u8];
    info.extend(pi);
    let mut out = vec![0x30, info.len() as u8];
    out.extend(info);
    out
}

fn critical_ext(oid: &[u64], value: Vec<u8>) -> CustomExtension {
    let mut e = CustomExtension::from_oid_content(oid, value);
    e.set_criticality(true);
    e
}

fn versions_and_extensions(kit: &mut Kit, v: &mut Vec<Scenario>) {
    let at = kit.at;
    let p256 = KeyAlg::Ec("prime256v1");
    let sha = Sig::md("sha256");
    let root = kit.root("Ext Root", &p256, &sha);
    let with = |kit: &mut Kit, extra: &[&str], base: &[&str], cn: &str, issuer| {
        let k = kit.key(&p256);
        // An extra extension replaces the base one of the same name.
        let key_of = |e: &str| e.split('=').next().unwrap_or("").to_string();
        let mut exts: Vec<&str> = base
            .iter()
            .filter(|b| !extra.iter().any(|x| key_of(x) == key_of(b)))
            .copied()
            .collect();
        exts.extend_from_slice(extra);
        kit.cert(cn, &k, Some(issuer), &sha, &exts, 700)
    };
    // Leaf extension variants.
    let cases: &[(&str, &[&str])] = &[
        ("eku-critical", &["extendedKeyUsage=critical,serverAuth"]),
        ("ns-cert-type-client", &["nsCertType=client"]),
        ("ns-cert-type-server", &["nsCertType=server"]),
        (
            "aia-critical",
            &["authorityInfoAccess=critical,caIssuers;URI:http://example.test/ca"],
        ),
        (
            "ian-critical",
            &["issuerAltName=critical,DNS:issuer.example.test"],
        ),
    ];
    for (tag, extra) in cases {
        let leaf = with(kit, extra, LEAF_EXT, "/CN=device.example.test", &root);
        v.push(s(
            &format!("ext-leaf-{tag}"),
            &[&root.der],
            &[&leaf.der],
            at,
        ));
    }
    let leaf_no_san: &[&str] = &[
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature",
    ];
    let leaf = with(
        kit,
        &["keyUsage=critical,keyEncipherment"],
        &leaf_no_san[..1],
        "/CN=device.example.test",
        &root,
    );
    v.push(s(
        "ext-leaf-ku-keyenc-cn-only",
        &[&root.der],
        &[&leaf.der],
        at,
    ));
    let leaf = with(
        kit,
        &[
            "keyUsage=critical,digitalSignature,keyEncipherment",
            "extendedKeyUsage=anyExtendedKeyUsage",
            "subjectAltName=DNS:device.example.test",
        ],
        &leaf_no_san[..1],
        "/CN=device.example.test",
        &root,
    );
    v.push(s("ext-leaf-eku-any", &[&root.der], &[&leaf.der], at));
    // Intermediate extension variants.
    let int_cases: &[(&str, &[&str])] = &[
        ("eku-client-only", &["extendedKeyUsage=clientAuth"]),
        ("eku-server", &["extendedKeyUsage=serverAuth"]),
        (
            "crl-dp-critical",
            &["crlDistributionPoints=critical,URI:http://example.test/crl"],
        ),
        (
            "name-constraints-noncritical",
            &["nameConstraints=permitted;DNS:example.test"],
        ),
        (
            "name-constraints-excluded",
            &["nameConstraints=critical,excluded;DNS:device.example.test"],
        ),
    ];
    for (tag, extra) in int_cases {
        let int = with(
            kit,
            extra,
            CA_EXT,
            &format!("/O=anchorkit test/CN=Ext Intermediate {tag}"),
            &root,
        );
        let leaf = kit.leaf(&int, &p256, &sha);
        v.push(s(
            &format!("ext-intermediate-{tag}"),
            &[&root.der],
            &[&leaf.der, &int.der],
            at,
        ));
    }
    // A CA with only basicConstraints (no keyUsage) and one with pathLen 0 directly above the leaf.
    let int = with(
        kit,
        &[],
        &["basicConstraints=critical,CA:TRUE"],
        "/O=anchorkit test/CN=Ext BC Only",
        &root,
    );
    let leaf = kit.leaf(&int, &p256, &sha);
    v.push(s(
        "ext-intermediate-bc-only",
        &[&root.der],
        &[&leaf.der, &int.der],
        at,
    ));
    let int = with(
        kit,
        &[],
        &[
            "basicConstraints=critical,CA:TRUE,pathlen:0",
            "keyUsage=critical,keyCertSign",
        ],
        "/O=anchorkit test/CN=Ext PathLen0",
        &root,
    );
    let leaf = kit.leaf(&int, &p256, &sha);
    v.push(s(
        "ext-intermediate-pathlen0-ok",
        &[&root.der],
        &[&leaf.der, &int.der],
        at,
    ));
    // Unknown critical extension on the trusted root.
    let k = kit.key(&p256);
    let mut exts: Vec<&str> = CA_EXT.to_vec();
    exts.push("1.3.6.1.4.1.55555.7=critical,ASN1:NULL");
    let odd_root = kit.cert(
        "/O=anchorkit test/CN=Root With Unknown Critical",
        &k,
        None,
        &sha,
        &exts,
        3650,
    );
    let leaf = kit.leaf(&odd_root, &p256, &sha);
    v.push(s(
        "ext-root-unknown-critical",
        &[&odd_root.der],
        &[&leaf.der],
        at,
    ));
    let k = kit.key(&p256);
    let mut exts: Vec<&str> = CA_EXT.to_vec();
    exts.push("1.3.6.1.4.1.55555.7=critical,ASN1:NULL");
    let odd_int = kit.cert(
        "/O=anchorkit test/CN=Intermediate With Unknown Critical",
        &k,
        Some(&root),
        &sha,
        &exts,
        700,
    );
    let leaf = kit.leaf(&odd_int, &p256, &sha);
    v.push(s(
        "ext-intermediate-unknown-critical",
        &[&root.der],
        &[&leaf.der, &odd_int.der],
        at,
    ));
}

/// Entries that are not (only) certificates, where each stack reads differently.
fn chain_reading(v: &mut Vec<Scenario>) {
    let now = t(2025, 1, 1);
    let root = Node::root(&Spec::ca("Reading Root"), Alg::P256);
    let int = root.issue(&Spec::ca("Reading Intermediate"), Alg::P256);
    let leaf = int.issue(&Spec::leaf(HOST), Alg::P256);
    let garbage: Vec<u8> = (0..200u32).map(|i| (i * 37 + 11) as u8).collect();
    let not_der: Vec<u8> =
        b"this is not a certificate, just text the server sent along with it. ".repeat(3);
    let seq_garbage: Vec<u8> = {
        let mut g = vec![0x30, 0x81, 0xc0];
        g.extend((0..0xc0u32).map(|i| (i * 13 + 5) as u8));
        g
    };
    let mut leaf_trailing = leaf.der.clone();
    leaf_trailing.extend_from_slice(&[0x00, 0x01, 0x02, 0x03]);
    let mut int_trailing = int.der.clone();
    int_trailing.extend_from_slice(b"junk");
    let truncated = int.der[..int.der.len() - 10].to_vec();
    let tiny = vec![0x30, 0x03, 0x02, 0x01, 0x00];
    v.push(s(
        "read-garbage-after-top",
        &[&root.der],
        &[&leaf.der, &int.der, &garbage],
        now,
    ));
    v.push(s(
        "read-text-after-top",
        &[&root.der],
        &[&leaf.der, &int.der, &not_der],
        now,
    ));
    v.push(s(
        "read-garbage-before-intermediate",
        &[&root.der],
        &[&leaf.der, &garbage, &int.der],
        now,
    ));
    v.push(s(
        "read-garbage-first",
        &[&root.der],
        &[&garbage, &leaf.der, &int.der],
        now,
    ));
    v.push(s(
        "read-sequence-garbage-after-top",
        &[&root.der],
        &[&leaf.der, &int.der, &seq_garbage],
        now,
    ));
    v.push(s(
        "read-leaf-trailing-bytes",
        &[&root.der],
        &[&leaf_trailing, &int.der],
        now,
    ));
    v.push(s(
        "read-intermediate-trailing-bytes",
        &[&root.der],
        &[&leaf.der, &int_trailing],
        now,
    ));
    v.push(s(
        "read-truncated-intermediate",
        &[&root.der],
        &[&leaf.der, &truncated],
        now,
    ));
    v.push(s(
        "read-tiny-entry-after-top",
        &[&root.der],
        &[&leaf.der, &int.der, &tiny],
        now,
    ));
    v.push(s(
        "read-garbage-after-anchored-leaf",
        &[&int.der],
        &[&leaf.der, &garbage],
        now,
    ));
    v.push(s(
        "read-duplicate-leaf",
        &[&root.der],
        &[&leaf.der, &leaf.der, &int.der],
        now,
    ));
    v.push(s(
        "read-root-then-garbage",
        &[&root.der],
        &[&leaf.der, &int.der, &root.der, &garbage],
        now,
    ));
    // A server with no certificate configured: an empty Certificate message, and one whose
    // only entry is empty.
    v.push(s("read-empty-certificate-message", &[&root.der], &[], now));
    v.push(s("read-one-empty-entry", &[&root.der], &[&[]], now));
    v.push(s(
        "read-empty-entry-after-leaf",
        &[&root.der],
        &[&leaf.der, &[], &int.der],
        now,
    ));
}

/// Name encodings, key identifiers.
fn names_and_ids(v: &mut Vec<Scenario>) {
    let now = t(2025, 1, 1);
    // The same issuer name as UTF8String in the root and PrintableString in the leaf's issuer
    // field: built by re-signing with a name that differs only in its string type.
    let root = Node::root(&Spec::ca("Encoding Root"), Alg::P256);
    let mut spec = Spec::ca("Encoding Root");
    spec.printable = true;
    let root_printable = Node::root_with_key_of(&spec, &root);
    let leaf = root_printable.issue(&Spec::leaf(HOST), Alg::P256);
    v.push(s(
        "names-printable-vs-utf8",
        &[&root.der],
        &[&leaf.der],
        now,
    ));
    let mut upper = Spec::ca("ENCODING ROOT");
    upper.cn = "ENCODING ROOT".into();
    let root_upper = Node::root_with_key_of(&upper, &root);
    let leaf = root_upper.issue(&Spec::leaf(HOST), Alg::P256);
    v.push(s("names-case-differs", &[&root.der], &[&leaf.der], now));
    // AKI that does not match the root's SKI (the signature is still the root's).
    let mut ak = Spec::leaf(HOST);
    ak.aki_override = Some(vec![0xde, 0xad, 0xbe, 0xef]);
    let leaf = root.issue(&ak, Alg::P256);
    v.push(s("ids-aki-mismatch", &[&root.der], &[&leaf.der], now));
    // Two roots with the same name: the AKI names the right one, listed second.
    let twin = Node::root(&Spec::ca("Encoding Root"), Alg::P256);
    let leaf = root.issue(&Spec::leaf(HOST), Alg::P256);
    v.push(s(
        "ids-same-name-roots-right-second",
        &[&twin.der, &root.der],
        &[&leaf.der],
        now,
    ));
    // No AKI at all, two same-name roots, the right one second.
    let mut no_aki = Spec::leaf(HOST);
    no_aki.no_aki = true;
    let leaf = root.issue(&no_aki, Alg::P256);
    v.push(s(
        "ids-no-aki-same-name-roots",
        &[&twin.der, &root.der],
        &[&leaf.der],
        now,
    ));
    // keyUsage with keyCertSign but cA FALSE on the issuer.
    let mut ku_only = Spec::ca("KeyCertSign Only");
    ku_only.ca = None;
    ku_only.explicit_no_ca = false;
    ku_only.key_usage = Some(vec![KeyUsagePurpose::KeyCertSign]);
    let issuer = root.issue(&ku_only, Alg::P256);
    let leaf = issuer.issue(&Spec::leaf(HOST), Alg::P256);
    v.push(s(
        "ids-issuer-without-basic-constraints",
        &[&root.der],
        &[&leaf.der, &issuer.der],
        now,
    ));
}

/// Cross-sign loops, depth limits, same-subject anchors (for the ESP bundle's binary search).
fn loops_depth_bundle(v: &mut Vec<Scenario>) {
    let now = t(2025, 1, 1);
    // A and B cross-sign each other; the leaf is under B; trust is an unrelated root.
    let a = Node::root(&Spec::ca("Loop A"), Alg::P256);
    let b = Node::root(&Spec::ca("Loop B"), Alg::P256);
    let a_by_b = b.cross_sign(&a, t(2030, 1, 1));
    let b_by_a = a.cross_sign(&b, t(2030, 1, 1));
    let leaf = b.issue(&Spec::leaf(HOST), Alg::P256);
    let other = Node::root(&Spec::ca("Loop Other"), Alg::P256);
    v.push(s(
        "loop-cross-signs-untrusted",
        &[&other.der],
        &[&leaf.der, &b_by_a, &a_by_b],
        now,
    ));
    v.push(s(
        "loop-cross-signs-trust-a",
        &[&a.der],
        &[&leaf.der, &b_by_a, &a_by_b],
        now,
    ));
    // Depths 7, 8, 9 intermediates below a trusted root, and 11.
    for n in [7usize, 8, 9, 11] {
        let mut cur = Node::root(&Spec::ca(&format!("Depth{n} Root")), Alg::P256);
        let root = cur.der.clone();
        let mut ints = Vec::new();
        for i in 0..n {
            let next = cur.issue(&Spec::ca(&format!("Depth{n} CA {i}")), Alg::P256);
            ints.push(next.der.clone());
            cur = next;
        }
        let leaf = cur.issue(&Spec::leaf(HOST), Alg::P256);
        let mut chain: Vec<&[u8]> = vec![&leaf.der];
        for d in ints.iter().rev() {
            chain.push(d);
        }
        v.push(s(
            &format!("depth-{n}-intermediates"),
            &[&root],
            &chain,
            now,
        ));
    }
    // Same-subject anchors: two roots named alike with different keys, the chain under one.
    let r1 = Node::root(&Spec::ca("Same Subject Root"), Alg::P256);
    let r2 = Node::root(&Spec::ca("Same Subject Root"), Alg::P256);
    let r3 = Node::root(&Spec::ca("Same Subject Root"), Alg::P256);
    let leaf = r2.issue(&Spec::leaf(HOST), Alg::P256);
    v.push(s(
        "same-subject-anchors-middle",
        &[&r1.der, &r2.der, &r3.der],
        &[&leaf.der],
        now,
    ));
    v.push(s(
        "same-subject-anchors-last",
        &[&r1.der, &r3.der, &r2.der],
        &[&leaf.der],
        now,
    ));
    let filler = Node::root(&Spec::ca("A Filler Root"), Alg::P256);
    let filler2 = Node::root(&Spec::ca("Z Filler Root"), Alg::P256);
    v.push(s(
        "same-subject-anchors-among-others",
        &[&filler.der, &r1.der, &r2.der, &filler2.der],
        &[&leaf.der],
        now,
    ));
}

/// Version 1 certificates (no basicConstraints) as trusted root, trusted intermediate and sent
/// intermediate; chains every certificate of which Mbed TLS drops (unknown algorithm).
fn v1_and_dropped(kit: &mut Kit, v: &mut Vec<Scenario>) {
    let at = kit.at;
    let p256 = KeyAlg::Ec("prime256v1");
    let sha = Sig::md("sha256");
    let v1_root = kit.v1("/O=anchorkit test/CN=V1 Root", &p256, None);
    let leaf = kit.leaf(&v1_root, &p256, &sha);
    v.push(s("v1-root-trusted", &[&v1_root.der], &[&leaf.der], at));
    let root = kit.root("V1 Parent Root", &p256, &sha);
    let v1_int = kit.v1("/O=anchorkit test/CN=V1 Intermediate", &p256, Some(&root));
    let leaf = kit.leaf(&v1_int, &p256, &sha);
    v.push(s(
        "v1-intermediate-sent",
        &[&root.der],
        &[&leaf.der, &v1_int.der],
        at,
    ));
    v.push(s(
        "v1-intermediate-trusted",
        &[&v1_int.der],
        &[&leaf.der, &v1_int.der],
        at,
    ));
    let v1_leaf = kit.v1("/CN=device.example.test", &p256, Some(&root));
    v.push(s("v1-leaf-cn-only", &[&root.der], &[&v1_leaf.der], at));
    // Every served certificate uses Ed25519 (unknown to Mbed TLS): it drops them all.
    let ed_root = kit.root("Dropped Ed25519 Root", &KeyAlg::Ed25519, &Sig::pure());
    let ed_leaf = kit.leaf(&ed_root, &KeyAlg::Ed25519, &Sig::pure());
    let other = kit.root("Dropped Other Root", &p256, &sha);
    v.push(s(
        "dropped-all-trust-other",
        &[&other.der],
        &[&ed_leaf.der],
        at,
    ));
    v.push(s(
        "dropped-all-trust-both",
        &[&other.der, &ed_root.der],
        &[&ed_leaf.der, &ed_root.der],
        at,
    ));
    // The leaf dropped, the next certificate becomes the leaf.
    let p_leaf = kit.leaf(&other, &p256, &sha);
    v.push(s(
        "dropped-first-then-good",
        &[&other.der],
        &[&ed_leaf.der, &p_leaf.der],
        at,
    ));
}

/// Host names and leaf usages.
fn hostnames_and_usage(v: &mut Vec<Scenario>) {
    let now = t(2025, 1, 1);
    let root = Node::root(&Spec::ca("Names Root"), Alg::P256);
    let with_host = |name: &str, sans: &[&str], cn: &str, host: &str, v: &mut Vec<Scenario>| {
        let mut spec = Spec::leaf(HOST);
        spec.sans = sans.iter().map(|x| x.to_string()).collect();
        spec.cn = cn.into();
        let leaf = root.issue(&spec, Alg::P256);
        let mut sc = s(name, &[&root.der], &[&leaf.der], now);
        sc.host = Some(host.into());
        v.push(sc);
    };
    with_host(
        "host-ipv6-san",
        &["2001:db8::10"],
        "ip device",
        "2001:db8::10",
        v,
    );
    with_host("host-ip-in-cn-only", &[], "192.0.2.7", "192.0.2.7", v);
    with_host(
        "host-ip-vs-dns-san",
        &["192.0.2.8"],
        "ip device",
        "192.0.2.9",
        v,
    );
    with_host(
        "host-dns-and-ip-sans",
        &["device.example.test", "192.0.2.11"],
        "x",
        "192.0.2.11",
        v,
    );
    with_host(
        "host-trailing-dot",
        &["device.example.test"],
        "x",
        "device.example.test.",
        v,
    );
    with_host(
        "host-wildcard-single-label",
        &["*.test"],
        "x",
        "example.test",
        v,
    );
    with_host(
        "host-wildcard-partial",
        &["dev*.example.test"],
        "x",
        "device.example.test",
        v,
    );
    with_host("host-wildcard-only-star", &["*"], "x", "device", v);
    with_host(
        "host-san-uppercase",
        &["DEVICE.EXAMPLE.TEST"],
        "x",
        "device.example.test",
        v,
    );
    with_host(
        "host-cn-ignored-with-san",
        &["other.example.test"],
        "device.example.test",
        "device.example.test",
        v,
    );
    with_host(
        "host-wildcard-in-cn",
        &[],
        "*.example.test",
        "device.example.test",
        v,
    );
    // Leaf usages.
    let usage = |name: &str,
                 ku: Option<Vec<KeyUsagePurpose>>,
                 eku: Option<Vec<rcgen::ExtendedKeyUsagePurpose>>,
                 v: &mut Vec<Scenario>| {
        let mut spec = Spec::leaf(HOST);
        spec.key_usage = ku;
        spec.eku = eku;
        let leaf = root.issue(&spec, Alg::P256);
        v.push(s(name, &[&root.der], &[&leaf.der], now));
    };
    usage(
        "usage-ku-key-agreement",
        Some(vec![KeyUsagePurpose::KeyAgreement]),
        None,
        v,
    );
    usage(
        "usage-ku-non-repudiation",
        Some(vec![KeyUsagePurpose::ContentCommitment]),
        None,
        v,
    );
    usage(
        "usage-ku-empty-eku-none",
        Some(vec![KeyUsagePurpose::DigitalSignature]),
        Some(Vec::new()),
        v,
    );
    usage(
        "usage-eku-code-signing",
        None,
        Some(vec![rcgen::ExtendedKeyUsagePurpose::CodeSigning]),
        v,
    );
    usage(
        "usage-eku-server-and-client",
        None,
        Some(vec![
            rcgen::ExtendedKeyUsagePurpose::ClientAuth,
            rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        ]),
        v,
    );
    let rsa_root = Node::root(&Spec::ca("Usage RSA Root"), Alg::Rsa2048);
    let mut spec = Spec::leaf(HOST);
    spec.key_usage = Some(vec![KeyUsagePurpose::KeyEncipherment]);
    let leaf = rsa_root.issue(&spec, Alg::Rsa2048);
    v.push(s(
        "usage-rsa-ku-key-encipherment",
        &[&rsa_root.der],
        &[&leaf.der],
        now,
    ));
}

/// An RSA SubjectPublicKeyInfo with the given modulus and exponent bytes, `extra` appended
/// inside the key BIT STRING after the RSAPublicKey, and `params` after the algorithm OID.
fn rsa_spki_raw(modulus: &[u8], exponent: &[u8], extra: &[u8], params: &[u8]) -> Vec<u8> {
    let mut key = der_wrap(
        0x30,
        &[der_wrap(0x02, modulus), der_wrap(0x02, exponent)].concat(),
    );
    key.extend_from_slice(extra);
    let mut bits = vec![0u8];
    bits.extend(key);
    let alg = der_wrap(
        0x30,
        &[
            der_wrap(
                0x06,
                &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01],
            ),
            params.to_vec(),
        ]
        .concat(),
    );
    der_wrap(0x30, &[alg, der_wrap(0x03, &bits)].concat())
}

/// P-256 as explicit (specified) domain parameters, from the openssl command.
fn p256_explicit_params() -> Vec<u8> {
    let out = std::process::Command::new("openssl")
        .args([
            "ecparam",
            "-name",
            "prime256v1",
            "-param_enc",
            "explicit",
            "-outform",
            "DER",
        ])
        .output()
        .unwrap_or_else(|e| panic!("openssl ecparam: {e} (install openssl)"));
    assert!(out.status.success(), "openssl ecparam failed");
    out.stdout
}

/// How each library reads the encodings of keys and extensions it parses itself: RSA key
/// structure and checks, explicit EC parameters, subjectAltName entry types, the
/// authorityKeyIdentifier fields, bit-string widths and empty sequences.
fn encodings(v: &mut Vec<Scenario>) {
    let now = t(2025, 1, 1);
    let root = Node::root(&Spec::ca("Encodings Root"), Alg::P256);
    let leaf_for_spki = |name: &str, spki: &[u8], v: &mut Vec<Scenario>| {
        let der = root.issue_for_raw_spki(&Spec::leaf(HOST), spki);
        v.push(s(name, &[&root.der], &[&der], now));
    };
    // A 2048-bit odd modulus, then variations.
    let mut modulus = vec![0u8, 0xC3];
    modulus.extend((0..255u32).map(|i| (i.wrapping_mul(97) ^ 0x5A) as u8));
    if let Some(l) = modulus.last_mut() {
        *l |= 1;
    }
    let e = [0x01, 0x00, 0x01];
    let null = [0x05, 0x00];
    leaf_for_spki("enc-rsa-ok", &rsa_spki_raw(&modulus, &e, &[], &null), v);
    let mut even = modulus.clone();
    if let Some(l) = even.last_mut() {
        *l &= 0xFE;
    }
    leaf_for_spki(
        "enc-rsa-even-modulus",
        &rsa_spki_raw(&even, &e, &[], &null),
        v,
    );
    leaf_for_spki(
        "enc-rsa-exponent-1",
        &rsa_spki_raw(&modulus, &[1], &[], &null),
        v,
    );
    leaf_for_spki(
        "enc-rsa-exponent-even",
        &rsa_spki_raw(&modulus, &[0x01, 0x00, 0x00], &[], &null),
        v,
    );
    leaf_for_spki(
        "enc-rsa-trailing-bytes-in-key",
        &rsa_spki_raw(&modulus, &e, &[0x00, 0x00], &null),
        v,
    );
    leaf_for_spki(
        "enc-rsa-params-absent",
        &rsa_spki_raw(&modulus, &e, &[], &[]),
        v,
    );
    leaf_for_spki(
        "enc-rsa-modulus-120-bits",
        &rsa_spki_raw(
            &[0x00, 0xC5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0x0F],
            &e,
            &[],
            &null,
        ),
        v,
    );

    // An EC key with P-256 written out as explicit parameters.
    let k = crate::pki::key(Alg::P256);
    let point = k.public_key_raw().to_vec();
    let ec_alg = der_wrap(
        0x30,
        &[
            der_wrap(0x06, &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]),
            p256_explicit_params(),
        ]
        .concat(),
    );
    let mut bits = vec![0u8];
    bits.extend(point);
    let spki = der_wrap(0x30, &[ec_alg, der_wrap(0x03, &bits)].concat());
    leaf_for_spki("enc-ec-explicit-p256", &spki, v);

    // subjectAltName entries: a hardware module name (otherName), well formed or not, first
    // or last, and types each library reads differently.
    let hw_oid = der_wrap(0x06, &[0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x08, 0x04]);
    let hw_ok = der_wrap(
        0xA0,
        &[
            hw_oid.clone(),
            der_wrap(
                0xA0,
                &der_wrap(
                    0x30,
                    &[
                        der_wrap(0x06, &[0x2B, 0x06, 0x01, 0x04, 0x01]),
                        der_wrap(0x04, b"SN-1"),
                    ]
                    .concat(),
                ),
            ),
        ]
        .concat(),
    );
    let hw_bad = der_wrap(0xA0, &[hw_oid, der_wrap(0x05, &[])].concat());
    let dns = der_wrap(0x82, HOST.as_bytes());
    let san_case = |name: &str, entries: &[&[u8]], v: &mut Vec<Scenario>| {
        let mut spec = Spec::leaf(HOST);
        spec.sans = Vec::new();
        spec.custom = vec![CustomExtension::from_oid_content(
            &[2, 5, 29, 17],
            der_wrap(0x30, &entries.concat()),
        )];
        let leaf = root.issue(&spec, Alg::P256);
        v.push(s(name, &[&root.der], &[&leaf.der], now));
    };
    san_case("enc-san-hwmodule-ok", &[&dns, &hw_ok], v);
    san_case("enc-san-hwmodule-malformed-last", &[&dns, &hw_bad], v);
    san_case("enc-san-hwmodule-malformed-first", &[&hw_bad, &dns], v);
    let uri = der_wrap(0x86, b"https://device.example.test/");
    let email = der_wrap(0x81, b"ops@example.test");
    let rid = der_wrap(0x88, &[0x2B, 0x06, 0x01, 0x04, 0x01]);
    san_case("enc-san-uri-email-rid", &[&uri, &email, &rid, &dns], v);
    let dir_empty = der_wrap(0xA4, &der_wrap(0x30, &[]));
    san_case("enc-san-empty-directory-name", &[&dns, &dir_empty], v);
    let ip3 = der_wrap(0x87, &[192, 0, 2]);
    san_case("enc-san-ip-3-bytes-first", &[&ip3, &dns], v);

    // authorityKeyIdentifier forms.
    let aki_case = |name: &str, body: Vec<u8>, v: &mut Vec<Scenario>| {
        let mut spec = Spec::leaf(HOST);
        spec.no_aki = true;
        spec.custom = vec![CustomExtension::from_oid_content(
            &[2, 5, 29, 35],
            der_wrap(0x30, &body),
        )];
        let leaf = root.issue(&spec, Alg::P256);
        v.push(s(name, &[&root.der], &[&leaf.der], now));
    };
    let issuer_name = der_wrap(
        0x30,
        &der_wrap(
            0x31,
            &der_wrap(
                0x30,
                &[
                    der_wrap(0x06, &[0x55, 0x04, 0x03]),
                    der_wrap(0x0C, b"Encodings Root"),
                ]
                .concat(),
            ),
        ),
    );
    let issuer = der_wrap(0xA1, &der_wrap(0xA4, &issuer_name));
    let serial = der_wrap(0x82, &[0x05]);
    let keyid = der_wrap(0x80, &[0xAB; 20]);
    aki_case(
        "enc-aki-keyid-issuer-serial",
        [keyid.clone(), issuer.clone(), serial.clone()].concat(),
        v,
    );
    aki_case(
        "enc-aki-issuer-serial",
        [issuer.clone(), serial.clone()].concat(),
        v,
    );
    aki_case(
        "enc-aki-keyid-issuer-no-serial",
        [keyid.clone(), issuer].concat(),
        v,
    );
    aki_case("enc-aki-empty", Vec::new(), v);

    // Bit strings and sequences of unusual sizes.
    let ext_case =
        |name: &str, oid: &[u64], value: Vec<u8>, critical: bool, v: &mut Vec<Scenario>| {
            let mut spec = Spec::leaf(HOST);
            let mut e = CustomExtension::from_oid_content(oid, value);
            e.set_criticality(critical);
            if oid == [2, 5, 29, 15] {
                spec.key_usage = Some(Vec::new());
            }
            spec.custom = vec![e];
            let leaf = root.issue(&spec, Alg::P256);
            v.push(s(name, &[&root.der], &[&leaf.der], now));
        };
    ext_case(
        "enc-ku-three-bytes",
        &[2, 5, 29, 15],
        vec![0x03, 0x04, 0x07, 0x80, 0x80, 0x80],
        true,
        v,
    );
    ext_case(
        "enc-ku-trailing-byte",
        &[2, 5, 29, 15],
        vec![0x03, 0x02, 0x07, 0x80, 0x00],
        true,
        v,
    );
    ext_case(
        "enc-nscerttype-two-bytes",
        &[2, 16, 840, 1, 113730, 1, 1],
        vec![0x03, 0x03, 0x00, 0x40, 0x00],
        false,
        v,
    );
    ext_case(
        "enc-policies-empty",
        &[2, 5, 29, 32],
        vec![0x30, 0x00],
        false,
        v,
    );
    ext_case(
        "enc-policies-qualifier-trailing",
        &[2, 5, 29, 32],
        der_wrap(
            0x30,
            &der_wrap(
                0x30,
                &[
                    der_wrap(0x06, &[0x55, 0x1D, 0x20, 0x00]),
                    der_wrap(0x30, &[]),
                    vec![0x05, 0x00],
                ]
                .concat(),
            ),
        ),
        false,
        v,
    );
    ext_case(
        "enc-ski-trailing",
        &[2, 5, 29, 14],
        vec![0x04, 0x02, 0xAB, 0xCD, 0x00],
        false,
        v,
    );
    ext_case(
        "enc-eku-not-oids",
        &[2, 5, 29, 37],
        vec![0x30, 0x02, 0x05, 0x00],
        false,
        v,
    );

    // basicConstraints on an intermediate: cA as an INTEGER, pathLen with a leading zero,
    // pathLen INT_MAX.
    let ca_case = |name: &str, value: Vec<u8>, v: &mut Vec<Scenario>| {
        let mut spec = Spec::ca("Encodings Intermediate");
        spec.ca = None;
        spec.explicit_no_ca = false;
        spec.key_usage = Some(vec![KeyUsagePurpose::KeyCertSign]);
        let mut e = CustomExtension::from_oid_content(&[2, 5, 29, 19], value);
        e.set_criticality(true);
        spec.custom = vec![e];
        let int = root.issue(&spec, Alg::P256);
        let leaf = int.issue(&Spec::leaf(HOST), Alg::P256);
        v.push(s(name, &[&root.der], &[&leaf.der, &int.der], now));
    };
    ca_case(
        "enc-bc-ca-as-integer",
        vec![0x30, 0x03, 0x02, 0x01, 0x01],
        v,
    );
    ca_case(
        "enc-bc-pathlen-leading-zero",
        vec![0x30, 0x07, 0x01, 0x01, 0xFF, 0x02, 0x02, 0x00, 0x01],
        v,
    );
    ca_case(
        "enc-bc-pathlen-int-max",
        vec![
            0x30, 0x09, 0x01, 0x01, 0xFF, 0x02, 0x04, 0x7F, 0xFF, 0xFF, 0xFF,
        ],
        v,
    );
    ca_case(
        "enc-bc-pathlen-five-bytes",
        vec![
            0x30, 0x0A, 0x01, 0x01, 0xFF, 0x02, 0x05, 0x00, 0x80, 0x00, 0x00, 0x00,
        ],
        v,
    );
}
