//! The scenario corpus: one row per situation a device meets, each a trust list, a served
//! chain, a hostname and a time.

use rcgen::{ExtendedKeyUsagePurpose, KeyUsagePurpose};

use anchorkit::testsupport::{first_cert_der as pem_der, openssl as osl};

use crate::pki::{Alg, Node, Spec, bad_signature, t};

/// One verification question.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Stable name.
    pub name: String,
    /// DER certificates the device trusts.
    pub trust: Vec<Vec<u8>>,
    /// DER certificates the server sends, leaf first.
    pub chain: Vec<Vec<u8>>,
    /// The hostname checked, if any.
    pub host: Option<String>,
    /// The device clock.
    pub at: i64,
}

const HOST: &str = "device.example.test";

fn s(name: &str, trust: &[&[u8]], chain: &[&[u8]], host: Option<&str>, at: i64) -> Scenario {
    Scenario {
        name: name.into(),
        trust: trust.iter().map(|d| d.to_vec()).collect(),
        chain: chain.iter().map(|d| d.to_vec()).collect(),
        host: host.map(str::to_string),
        at,
    }
}

/// A standard root -> intermediate -> leaf hierarchy in one algorithm.
fn hierarchy(alg: Alg, tag: &str, out: &mut Vec<Scenario>) {
    let now = t(2025, 1, 1);
    let root = Node::root(&Spec::ca(&format!("{tag} Root")), alg);
    let int = root.issue(&Spec::ca(&format!("{tag} Intermediate")), alg);
    let leaf = int.issue(&Spec::leaf(HOST), alg);
    let h = Some(HOST);
    out.push(s(
        &format!("{tag}-good"),
        &[&root.der],
        &[&leaf.der, &int.der],
        h,
        now,
    ));
    out.push(s(
        &format!("{tag}-root-sent"),
        &[&root.der],
        &[&leaf.der, &int.der, &root.der],
        h,
        now,
    ));
}

/// Builds the corpus (fresh keys every time; verdicts do not depend on them).
pub fn corpus() -> Vec<Scenario> {
    let mut v = Vec::new();
    let now = t(2025, 1, 1);
    let h = Some(HOST);
    hierarchy(Alg::P256, "p256", &mut v);
    hierarchy(Alg::P384, "p384", &mut v);
    hierarchy(Alg::Rsa2048, "rsa2048", &mut v);
    hierarchy(Alg::Ed25519, "ed25519", &mut v);

    let root = Node::root(&Spec::ca("Test Root"), Alg::P256);
    let int = root.issue(&Spec::ca("Test Intermediate"), Alg::P256);
    let leaf = int.issue(&Spec::leaf(HOST), Alg::P256);

    // Trust configurations.
    v.push(s(
        "leaf-as-trust",
        &[&leaf.der],
        &[&leaf.der, &int.der],
        h,
        now,
    ));
    v.push(s(
        "leaf-as-trust-leaf-only",
        &[&leaf.der],
        &[&leaf.der],
        h,
        now,
    ));
    v.push(s(
        "intermediate-as-trust",
        &[&int.der],
        &[&leaf.der, &int.der],
        h,
        now,
    ));
    v.push(s(
        "intermediate-as-trust-leaf-only",
        &[&int.der],
        &[&leaf.der],
        h,
        now,
    ));
    v.push(s(
        "root-and-leaf-trusted",
        &[&leaf.der, &root.der],
        &[&leaf.der, &int.der],
        h,
        now,
    ));
    v.push(s(
        "unrelated-trust",
        &[&Node::root(&Spec::ca("Other Root"), Alg::P256).der],
        &[&leaf.der, &int.der],
        h,
        now,
    ));
    let mut ss = Spec::leaf(HOST);
    ss.cn = HOST.into();
    let self_leaf = Node::root(&ss, Alg::P256);
    v.push(s(
        "self-signed-leaf-pinned",
        &[&self_leaf.der],
        &[&self_leaf.der],
        h,
        now,
    ));
    let self_leaf2 = Node::root(&ss, Alg::P256);
    v.push(s(
        "self-signed-leaf-other-copy",
        &[&self_leaf2.der],
        &[&self_leaf.der],
        h,
        now,
    ));

    // Chain shape.
    v.push(s(
        "missing-intermediate",
        &[&root.der],
        &[&leaf.der],
        h,
        now,
    ));
    v.push(s(
        "duplicated-intermediate",
        &[&root.der],
        &[&leaf.der, &int.der, &int.der],
        h,
        now,
    ));
    v.push(s(
        "extra-unrelated-cert",
        &[&root.der],
        &[&leaf.der, &self_leaf.der, &int.der],
        h,
        now,
    ));
    let int2 = int.issue(&Spec::ca("Test Sub Intermediate"), Alg::P256);
    let leaf2 = int2.issue(&Spec::leaf(HOST), Alg::P256);
    v.push(s(
        "three-level-good",
        &[&root.der],
        &[&leaf2.der, &int2.der, &int.der],
        h,
        now,
    ));
    v.push(s(
        "three-level-unordered",
        &[&root.der],
        &[&leaf2.der, &int.der, &int2.der],
        h,
        now,
    ));
    v.push(s(
        "leaf-not-first",
        &[&root.der],
        &[&int.der, &leaf.der],
        h,
        now,
    ));

    // Time.
    v.push(s(
        "leaf-expired",
        &[&root.der],
        &[&leaf.der, &int.der],
        h,
        t(2026, 6, 1),
    ));
    v.push(s(
        "leaf-not-yet-valid",
        &[&root.der],
        &[&leaf.der, &int.der],
        h,
        t(2023, 6, 1),
    ));
    let mut old = Spec::ca("Old Intermediate");
    old.not_after = t(2024, 6, 1);
    let old_int = root.issue(&old, Alg::P256);
    let leaf_old = old_int.issue(&Spec::leaf(HOST), Alg::P256);
    v.push(s(
        "intermediate-expired",
        &[&root.der],
        &[&leaf_old.der, &old_int.der],
        h,
        now,
    ));
    let mut er = Spec::ca("Expired Root");
    er.not_after = t(2024, 6, 1);
    let exp_root = Node::root(&er, Alg::P256);
    let exp_int = exp_root.issue(&Spec::ca("Under Expired Root"), Alg::P256);
    let exp_leaf = exp_int.issue(&Spec::leaf(HOST), Alg::P256);
    v.push(s(
        "root-expired",
        &[&exp_root.der],
        &[&exp_leaf.der, &exp_int.der],
        h,
        now,
    ));

    // A Let's Encrypt 2021-style cross-sign: the new root is also signed by an old root that
    // has expired; the server sends the cross-sign on top.
    let mut olds = Spec::ca("Old Root");
    olds.not_before = t(2000, 1, 1);
    olds.not_after = t(2024, 9, 30);
    let old_root = Node::root(&olds, Alg::P256);
    let new_root = Node::root(&Spec::ca("New Root"), Alg::P256);
    let cross = old_root.cross_sign(&new_root, t(2027, 9, 30));
    let le_int = new_root.issue(&Spec::ca("New Intermediate"), Alg::P256);
    let le_leaf = le_int.issue(&Spec::leaf(HOST), Alg::P256);
    let chain: [&[u8]; 3] = [&le_leaf.der, &le_int.der, &cross];
    v.push(s("cross-trust-new", &[&new_root.der], &chain, h, now));
    v.push(s("cross-trust-old", &[&old_root.der], &chain, h, now));
    v.push(s(
        "cross-trust-both",
        &[&new_root.der, &old_root.der],
        &chain,
        h,
        now,
    ));
    v.push(s(
        "cross-trust-both-old-first",
        &[&old_root.der, &new_root.der],
        &chain,
        h,
        now,
    ));
    v.push(s(
        "cross-trust-new-short-chain",
        &[&new_root.der],
        &[&le_leaf.der, &le_int.der],
        h,
        now,
    ));

    // Names.
    v.push(s(
        "host-mismatch",
        &[&root.der],
        &[&leaf.der, &int.der],
        Some("other.example.test"),
        now,
    ));
    v.push(s(
        "host-none",
        &[&root.der],
        &[&leaf.der, &int.der],
        None,
        now,
    ));
    let mut wild = Spec::leaf(HOST);
    wild.sans = vec!["*.example.test".into()];
    let wild_leaf = int.issue(&wild, Alg::P256);
    v.push(s(
        "wildcard-match",
        &[&root.der],
        &[&wild_leaf.der, &int.der],
        Some("a.example.test"),
        now,
    ));
    v.push(s(
        "wildcard-two-labels",
        &[&root.der],
        &[&wild_leaf.der, &int.der],
        Some("a.b.example.test"),
        now,
    ));
    v.push(s(
        "wildcard-bare-domain",
        &[&root.der],
        &[&wild_leaf.der, &int.der],
        Some("example.test"),
        now,
    ));
    let mut cn_only = Spec::leaf(HOST);
    cn_only.sans = Vec::new();
    let cn_leaf = int.issue(&cn_only, Alg::P256);
    v.push(s(
        "cn-only-match",
        &[&root.der],
        &[&cn_leaf.der, &int.der],
        h,
        now,
    ));
    let mut ip = Spec::leaf("192.0.2.10");
    ip.cn = "ip device".into();
    let ip_leaf = int.issue(&ip, Alg::P256);
    v.push(s(
        "ip-san",
        &[&root.der],
        &[&ip_leaf.der, &int.der],
        Some("192.0.2.10"),
        now,
    ));
    v.push(s(
        "host-case",
        &[&root.der],
        &[&leaf.der, &int.der],
        Some("DEVICE.Example.TEST"),
        now,
    ));

    // CA rules.
    let mut not_ca = Spec::ca("Not A CA");
    not_ca.ca = None;
    not_ca.explicit_no_ca = true;
    not_ca.key_usage = Some(vec![KeyUsagePurpose::KeyCertSign]);
    let nca = root.issue(&not_ca, Alg::P256);
    let nca_leaf = nca.issue(&Spec::leaf(HOST), Alg::P256);
    v.push(s(
        "intermediate-not-ca",
        &[&root.der],
        &[&nca_leaf.der, &nca.der],
        h,
        now,
    ));
    let mut pl0 = Spec::ca("PathLen0 Intermediate");
    pl0.ca = Some(Some(0));
    let pl_int = root.issue(&pl0, Alg::P256);
    let pl_sub = pl_int.issue(&Spec::ca("Below PathLen0"), Alg::P256);
    let pl_leaf = pl_sub.issue(&Spec::leaf(HOST), Alg::P256);
    v.push(s(
        "pathlen-violated",
        &[&root.der],
        &[&pl_leaf.der, &pl_sub.der, &pl_int.der],
        h,
        now,
    ));
    let pl_ok_leaf = pl_int.issue(&Spec::leaf(HOST), Alg::P256);
    v.push(s(
        "pathlen-ok",
        &[&root.der],
        &[&pl_ok_leaf.der, &pl_int.der],
        h,
        now,
    ));
    let mut noku = Spec::ca("No CertSign");
    noku.key_usage = Some(vec![KeyUsagePurpose::DigitalSignature]);
    let noku_int = root.issue(&noku, Alg::P256);
    let noku_leaf = noku_int.issue(&Spec::leaf(HOST), Alg::P256);
    v.push(s(
        "ca-without-keycertsign",
        &[&root.der],
        &[&noku_leaf.der, &noku_int.der],
        h,
        now,
    ));
    let mut client = Spec::leaf(HOST);
    client.eku = Some(vec![ExtendedKeyUsagePurpose::ClientAuth]);
    let client_leaf = int.issue(&client, Alg::P256);
    v.push(s(
        "leaf-eku-client-only",
        &[&root.der],
        &[&client_leaf.der, &int.der],
        h,
        now,
    ));
    let mut kenc = Spec::leaf(HOST);
    kenc.key_usage = Some(vec![KeyUsagePurpose::KeyEncipherment]);
    let kenc_leaf = int.issue(&kenc, Alg::P256);
    v.push(s(
        "leaf-ku-no-digital-signature",
        &[&root.der],
        &[&kenc_leaf.der, &int.der],
        h,
        now,
    ));

    // Keys, algorithms, extensions, signatures.
    let rsa_root = Node::root(&Spec::ca("RSA Root"), Alg::Rsa2048);
    let rsa_int = rsa_root.issue(&Spec::ca("RSA Intermediate"), Alg::Rsa2048);
    let weak_leaf = rsa_int.issue_for_spki(&Spec::leaf(HOST), &crate::pki::rsa_spki(1024));
    v.push(s(
        "rsa1024-leaf",
        &[&rsa_root.der],
        &[&weak_leaf, &rsa_int.der],
        h,
        now,
    ));
    let rsa_leaf = rsa_int.issue(&Spec::leaf(HOST), Alg::Rsa2048);
    v.push(s(
        "rsa-intermediate-as-trust",
        &[&rsa_int.der],
        &[&rsa_leaf.der],
        h,
        now,
    ));
    let mut crit = Spec::leaf(HOST);
    crit.unknown_critical = true;
    let crit_leaf = int.issue(&crit, Alg::P256);
    v.push(s(
        "unknown-critical-extension-leaf",
        &[&root.der],
        &[&crit_leaf.der, &int.der],
        h,
        now,
    ));
    let mut nc = Spec::ca("Constrained Intermediate");
    nc.name_constraint = Some("example.test".into());
    let nc_int = root.issue(&nc, Alg::P256);
    let nc_leaf = nc_int.issue(&Spec::leaf(HOST), Alg::P256);
    v.push(s(
        "name-constraints-intermediate",
        &[&root.der],
        &[&nc_leaf.der, &nc_int.der],
        h,
        now,
    ));
    v.push(s(
        "bad-signature-leaf",
        &[&root.der],
        &[&bad_signature(&leaf.der), &int.der],
        h,
        now,
    ));
    v.push(s(
        "bad-signature-intermediate",
        &[&root.der],
        &[&leaf.der, &bad_signature(&int.der)],
        h,
        now,
    ));
    let twin = Node::root(&Spec::ca("Test Root"), Alg::P256);
    v.push(s(
        "same-name-other-key-first",
        &[&twin.der, &root.der],
        &[&leaf.der, &int.der],
        h,
        now,
    ));
    v.push(s(
        "same-name-other-key-only",
        &[&twin.der],
        &[&leaf.der, &int.der],
        h,
        now,
    ));

    // The same root key in two self-signed copies, one expired (renewed root).
    let old_copy = root.reissue_self(t(2010, 1, 1), t(2024, 1, 1));
    v.push(s(
        "renewed-root-expired-copy-first",
        &[&old_copy, &root.der],
        &[&leaf.der, &int.der],
        h,
        now,
    ));
    v.push(s(
        "renewed-root-expired-copy-only",
        &[&old_copy],
        &[&leaf.der, &int.der],
        h,
        now,
    ));
    let mixed_leaf = rsa_int.issue(&Spec::leaf(HOST), Alg::P256);
    v.push(s(
        "p256-leaf-under-rsa",
        &[&rsa_root.der],
        &[&mixed_leaf.der, &rsa_int.der],
        h,
        now,
    ));

    user_story(&mut v);
    openssl_made(&mut v);
    crate::corpus_classes::cases(&mut v);
    crate::corpus_openssl::cases(&mut v);
    crate::corpus_wolfssl::cases(&mut v);
    crate::corpus_parse::cases(&mut v);

    // Depth: 9 and 10 intermediates.
    let mut ders: Vec<Vec<u8>> = Vec::new();
    let mut cur = Node::root(&Spec::ca("Deep Root"), Alg::P256);
    let deep_root = cur.der.clone();
    let mut ints = Vec::new();
    for i in 0..10 {
        let n = cur.issue(&Spec::ca(&format!("Deep {i}")), Alg::P256);
        ints.push(n.der.clone());
        cur = n;
    }
    let deep_leaf = cur.issue(&Spec::leaf(HOST), Alg::P256);
    ders.push(deep_leaf.der.clone());
    for d in ints.iter().rev() {
        ders.push(d.clone());
    }
    let refs: Vec<&[u8]> = ders.iter().map(Vec::as_slice).collect();
    v.push(s("depth-10-intermediates", &[&deep_root], &refs, h, now));
    v.push(s("depth-10-trust-top-two", &[&ints[1]], &refs, h, now));
    v
}

/// The user story's real public chain (April 2022): the developer's leaf, R3, and ISRG Root X1
/// cross-signed by DST Root CA X3, read from the shared reference data, with each trust choice.
fn user_story(v: &mut Vec<Scenario>) {
    use anchorkit::intake::read_path;
    use anchorkit::testsupport::data;
    let der = |rel: &str| -> Vec<u8> {
        read_path(&data(rel)).unwrap_or_else(|e| panic!("{e}"))[0]
            .cert()
            .map(|c| c.der().to_vec())
            .unwrap_or_default()
    };
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/user-story/cert_pem.c");
    let leaf = read_path(&example).unwrap_or_else(|e| panic!("{e}"))[1]
        .cert()
        .map(|c| c.der().to_vec())
        .unwrap_or_default();
    let r3 = der("certs/letsencrypt/lets-encrypt-r3.pem");
    let cross = der("certs/letsencrypt/isrg-root-x1-cross-signed.pem");
    let x1 = der("certs/letsencrypt/isrgrootx1.pem");
    let dst = der("certs/dst-root-ca-x3.pem");
    let at = t(2022, 4, 6);
    let h = Some("optimized.realyze.com");
    let chain: [&[u8]; 3] = [&leaf, &r3, &cross];
    v.push(s("user-story-trust-leaf", &[&leaf], &chain, h, at));
    v.push(s("user-story-trust-r3", &[&r3], &chain, h, at));
    v.push(s("user-story-trust-isrg-x1", &[&x1], &chain, h, at));
    v.push(s("user-story-trust-dst", &[&dst], &chain, h, at));
    v.push(s(
        "user-story-trust-x1-and-dst",
        &[&x1, &dst],
        &chain,
        h,
        at,
    ));
    v.push(s("user-story-leaf-only-chain", &[&x1], &[&leaf], h, at));
}

/// Certificates rcgen cannot make (it signs through ring): leaves signed with SHA-1 and MD5 by
/// an RSA root, and a P-521 hierarchy, made by the openssl command; valid from now.
fn openssl_made(v: &mut Vec<Scenario>) {
    let dir = std::env::temp_dir().join(format!("anchorkit-osl-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let w = |name: &str, text: &str| {
        std::fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("{e}"))
    };
    w(
        "req.cnf",
        "[req]\ndistinguished_name=dn\n[dn]\n[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n",
    );
    w(
        "leaf.ext",
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:device.example.test\nauthorityKeyIdentifier=keyid\n",
    );
    osl(
        &dir,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "rsa.key",
        ],
    );
    osl(
        &dir,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "rsa.key",
            "-subj",
            "/O=anchorkit test/CN=Digest Root",
            "-days",
            "3650",
            "-sha256",
            "-config",
            "req.cnf",
            "-extensions",
            "ca",
            "-out",
            "rsa-root.pem",
        ],
    );
    osl(
        &dir,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "leaf.key",
        ],
    );
    osl(
        &dir,
        &[
            "req",
            "-new",
            "-key",
            "leaf.key",
            "-subj",
            "/CN=device.example.test",
            "-config",
            "req.cnf",
            "-out",
            "leaf.csr",
        ],
    );
    for md in ["sha1", "md5"] {
        let out = format!("leaf-{md}.pem");
        osl(
            &dir,
            &[
                "x509",
                "-req",
                "-in",
                "leaf.csr",
                "-CA",
                "rsa-root.pem",
                "-CAkey",
                "rsa.key",
                "-set_serial",
                "7",
                "-days",
                "700",
                &format!("-{md}"),
                "-extfile",
                "leaf.ext",
                "-out",
                &out,
            ],
        );
    }
    osl(
        &dir,
        &[
            "ecparam",
            "-name",
            "secp521r1",
            "-genkey",
            "-noout",
            "-out",
            "p521.key",
        ],
    );
    osl(
        &dir,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "p521.key",
            "-subj",
            "/O=anchorkit test/CN=P-521 Root",
            "-days",
            "3650",
            "-sha512",
            "-config",
            "req.cnf",
            "-extensions",
            "ca",
            "-out",
            "p521-root.pem",
        ],
    );
    osl(
        &dir,
        &[
            "ecparam",
            "-name",
            "secp521r1",
            "-genkey",
            "-noout",
            "-out",
            "p521-leaf.key",
        ],
    );
    osl(
        &dir,
        &[
            "req",
            "-new",
            "-key",
            "p521-leaf.key",
            "-subj",
            "/CN=device.example.test",
            "-config",
            "req.cnf",
            "-out",
            "p521-leaf.csr",
        ],
    );
    osl(
        &dir,
        &[
            "x509",
            "-req",
            "-in",
            "p521-leaf.csr",
            "-CA",
            "p521-root.pem",
            "-CAkey",
            "p521.key",
            "-set_serial",
            "9",
            "-days",
            "700",
            "-sha512",
            "-extfile",
            "leaf.ext",
            "-out",
            "p521-leaf.pem",
        ],
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
        + 86_400;
    let root = pem_der(&dir.join("rsa-root.pem"));
    let h = Some(HOST);
    v.push(s(
        "sha1-signed-leaf",
        &[&root],
        &[&pem_der(&dir.join("leaf-sha1.pem"))],
        h,
        now,
    ));
    v.push(s(
        "md5-signed-leaf",
        &[&root],
        &[&pem_der(&dir.join("leaf-md5.pem"))],
        h,
        now,
    ));
    let p521_root = pem_der(&dir.join("p521-root.pem"));
    v.push(s(
        "p521-good",
        &[&p521_root],
        &[&pem_der(&dir.join("p521-leaf.pem"))],
        h,
        now,
    ));
    let _ = std::fs::remove_dir_all(&dir);
}
