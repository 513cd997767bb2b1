//! Scenarios aimed at wolfSSL's TLS-client peer-chain processing (`ProcessPeerCerts`): loaded
//! certificates as trusted peers and signers, the 9-certificate read limit, alternate chains
//! and the error that surfaces at the leaf, path lengths, name constraints (and the order of
//! the extensions that carry them), key usage, key sizes and curves, host name patterns.

use std::path::PathBuf;

use rcgen::{CustomExtension, ExtendedKeyUsagePurpose as Eku, KeyUsagePurpose as Ku};

use crate::corpus::Scenario;
use crate::pki::{Alg, Node, Spec, t};

const HOST: &str = "device.example.test";

fn s(name: &str, trust: &[&[u8]], chain: &[&[u8]], host: Option<&str>, at: i64) -> Scenario {
    Scenario {
        name: format!("wolfssl-{name}"),
        trust: trust.iter().map(|d| d.to_vec()).collect(),
        chain: chain.iter().map(|d| d.to_vec()).collect(),
        host: host.map(str::to_string),
        at,
    }
}

/// Adds the wolfSSL-focused scenarios.
pub fn cases(v: &mut Vec<Scenario>) {
    trust_cases(v);
    depth_cases(v);
    pathlen_cases(v);
    usage_cases(v);
    shape_cases(v);
    name_cases(v);
    openssl_cases(v);
    decoding_cases(v);
    dsa_cases(v);
}

/// Loaded certificates: trusted peers (leaves) and signers, dates never checked at load.
fn trust_cases(v: &mut Vec<Scenario>) {
    let now = t(2025, 1, 1);
    let h = Some(HOST);
    let root = Node::root(&Spec::ca("WS Root"), Alg::P256);
    let int = root.issue(&Spec::ca("WS Intermediate"), Alg::P256);
    let leaf = int.issue(&Spec::leaf(HOST), Alg::P256);
    v.push(s(
        "loaded-leaf-int-sent",
        &[&leaf.der],
        &[&leaf.der, &int.der],
        h,
        now,
    ));
    v.push(s("loaded-leaf-alone", &[&leaf.der], &[&leaf.der], h, now));
    // A trusted peer is accepted without dates...
    v.push(s(
        "loaded-leaf-expired",
        &[&leaf.der],
        &[&leaf.der],
        h,
        t(2027, 1, 1),
    ));
    // ...but the host and EKU still count.
    v.push(s(
        "loaded-leaf-wrong-host",
        &[&leaf.der],
        &[&leaf.der],
        Some("other.example.test"),
        now,
    ));
    let mut client = Spec::leaf(HOST);
    client.eku = Some(vec![Eku::ClientAuth]);
    let client_leaf = int.issue(&client, Alg::P256);
    v.push(s(
        "loaded-leaf-eku-client",
        &[&client_leaf.der],
        &[&client_leaf.der],
        h,
        now,
    ));
    // Same subject, other signature (another certificate for the same name): no trusted peer.
    let leaf_b = int.issue(&Spec::leaf(HOST), Alg::P256);
    v.push(s(
        "loaded-other-leaf-same-name",
        &[&leaf_b.der],
        &[&leaf.der, &int.der],
        h,
        now,
    ));
    let mut ss = Spec::leaf(HOST);
    ss.cn = HOST.into();
    let self_leaf = Node::root(&ss, Alg::P256);
    v.push(s(
        "loaded-self-signed-leaf",
        &[&self_leaf.der],
        &[&self_leaf.der],
        h,
        now,
    ));
    v.push(s(
        "loaded-self-signed-leaf-extra-sent",
        &[&self_leaf.der],
        &[&self_leaf.der, &int.der],
        h,
        now,
    ));
    v.push(s(
        "intermediate-only-trust",
        &[&int.der],
        &[&leaf.der, &int.der],
        h,
        now,
    ));
    v.push(s(
        "intermediate-only-trust-leaf-sent",
        &[&int.der],
        &[&leaf.der],
        h,
        now,
    ));
    // Dates of loaded certificates are never checked; those of sent ones are.
    let mut er = Spec::ca("WS Expired Root");
    er.not_after = t(2024, 6, 1);
    let exp_root = Node::root(&er, Alg::P256);
    let exp_root_int = exp_root.issue(&Spec::ca("WS Under Expired Root"), Alg::P256);
    let exp_root_leaf = exp_root_int.issue(&Spec::leaf(HOST), Alg::P256);
    v.push(s(
        "expired-root-loaded",
        &[&exp_root.der],
        &[&exp_root_leaf.der, &exp_root_int.der],
        h,
        now,
    ));
    v.push(s(
        "expired-root-loaded-and-sent",
        &[&exp_root.der],
        &[&exp_root_leaf.der, &exp_root_int.der, &exp_root.der],
        h,
        now,
    ));
    let mut ei = Spec::ca("WS Expired Intermediate");
    ei.not_after = t(2024, 6, 1);
    let exp_int = root.issue(&ei, Alg::P256);
    let exp_int_leaf = exp_int.issue(&Spec::leaf(HOST), Alg::P256);
    v.push(s(
        "expired-intermediate-sent",
        &[&root.der],
        &[&exp_int_leaf.der, &exp_int.der],
        h,
        now,
    ));
    v.push(s(
        "expired-intermediate-loaded",
        &[&exp_int.der],
        &[&exp_int_leaf.der],
        h,
        now,
    ));
    v.push(s(
        "expired-intermediate-loaded-and-sent",
        &[&root.der, &exp_int.der],
        &[&exp_int_leaf.der, &exp_int.der],
        h,
        now,
    ));
    // A loaded certificate that is not a CA still signs.
    let non_ca = root.issue(&Spec::leaf("signer.example.test"), Alg::P256);
    let under_non_ca = non_ca.issue(&Spec::leaf(HOST), Alg::P256);
    v.push(s(
        "loaded-non-ca-signs",
        &[&non_ca.der],
        &[&under_non_ca.der],
        h,
        now,
    ));
    v.push(s(
        "sent-non-ca-signs",
        &[&root.der],
        &[&under_non_ca.der, &non_ca.der],
        h,
        now,
    ));
    // A loaded root with an unknown critical extension does not load.
    let mut crit = Spec::ca("WS Critical Root");
    crit.unknown_critical = true;
    let crit_root = Node::root(&crit, Alg::P256);
    let crit_int = crit_root.issue(&Spec::ca("WS Under Critical Root"), Alg::P256);
    let crit_leaf = crit_int.issue(&Spec::leaf(HOST), Alg::P256);
    v.push(s(
        "loaded-root-unknown-critical",
        &[&crit_root.der],
        &[&crit_leaf.der, &crit_int.der],
        h,
        now,
    ));
    let mut crit_i = Spec::ca("WS Critical Intermediate");
    crit_i.unknown_critical = true;
    let crit_mid = root.issue(&crit_i, Alg::P256);
    let crit_mid_leaf = crit_mid.issue(&Spec::leaf(HOST), Alg::P256);
    v.push(s(
        "sent-intermediate-unknown-critical",
        &[&root.der],
        &[&crit_mid_leaf.der, &crit_mid.der],
        h,
        now,
    ));
    let mut crit_l = Spec::leaf(HOST);
    crit_l.unknown_critical = true;
    let crit_pinned = int.issue(&crit_l, Alg::P256);
    v.push(s(
        "loaded-leaf-unknown-critical",
        &[&crit_pinned.der],
        &[&crit_pinned.der],
        h,
        now,
    ));
}

/// `MAX_CHAIN_DEPTH` 9: only the first nine certificates are read.
fn depth_cases(v: &mut Vec<Scenario>) {
    let now = t(2025, 1, 1);
    let h = Some(HOST);
    let root = Node::root(&Spec::ca("WS Deep Root"), Alg::P256);
    // ints[0] is issued by the root, ints[9] issues the leaf.
    let mut ints: Vec<Node> = Vec::new();
    for i in 0..10 {
        let n = ints
            .last()
            .unwrap_or(&root)
            .issue(&Spec::ca(&format!("WS Deep {i}")), Alg::P256);
        ints.push(n);
    }
    let leaf = ints
        .last()
        .unwrap_or(&root)
        .issue(&Spec::leaf(HOST), Alg::P256);
    // A chain of n certificates: the leaf and the n - 1 intermediates above it, with the
    // issuer of the top one trusted.
    for n in [8usize, 9, 10, 11] {
        let mut chain: Vec<&[u8]> = vec![&leaf.der];
        let below = 10 - (n - 1);
        for i in (below..10).rev() {
            chain.push(&ints[i].der);
        }
        let trust: &[u8] = match below {
            0 => &root.der,
            b => &ints[b - 1].der,
        };
        v.push(s(&format!("chain-of-{n}"), &[trust], &chain, h, now));
    }
    // Ten certificates whose ninth one's issuer is trusted: the tenth is never read.
    let mut ten: Vec<&[u8]> = vec![&leaf.der];
    for i in (1..10).rev() {
        ten.push(&ints[i].der);
    }
    v.push(s(
        "chain-of-10-ninth-issuer-trusted",
        &[&ints[1].der],
        &ten,
        h,
        now,
    ));
    // Eleven certificates whose last one is garbage: never read.
    let mut junk_chain = ten.clone();
    junk_chain.push(&ints[0].der);
    let junk = vec![0x30, 0x03, 0x02, 0x01, 0x00];
    junk_chain.push(&junk);
    v.push(s(
        "chain-of-11-junk-last",
        &[&ints[1].der],
        &junk_chain,
        h,
        now,
    ));
}

/// `maxPathLen` as `ParseCertRelative` computes it.
fn pathlen_cases(v: &mut Vec<Scenario>) {
    let now = t(2025, 1, 1);
    let h = Some(HOST);
    // A self-signed root's pathLen is never enforced (maxPathLen = WOLFSSL_MAX_PATH_LEN).
    let mut r0 = Spec::ca("WS PathLen0 Root");
    r0.ca = Some(Some(0));
    let root0 = Node::root(&r0, Alg::P256);
    let int0 = root0.issue(&Spec::ca("WS Under PathLen0 Root"), Alg::P256);
    let leaf0 = int0.issue(&Spec::leaf(HOST), Alg::P256);
    v.push(s(
        "pathlen0-root",
        &[&root0.der],
        &[&leaf0.der, &int0.der],
        h,
        now,
    ));
    let root = Node::root(&Spec::ca("WS Path Root"), Alg::P256);
    // pathLen 1 intermediate, two CAs below it: the second one violates it.
    let mut p1 = Spec::ca("WS PathLen1");
    p1.ca = Some(Some(1));
    let pl1 = root.issue(&p1, Alg::P256);
    let sub1 = pl1.issue(&Spec::ca("WS PathLen1 Sub1"), Alg::P256);
    let sub2 = sub1.issue(&Spec::ca("WS PathLen1 Sub2"), Alg::P256);
    let leaf2 = sub2.issue(&Spec::leaf(HOST), Alg::P256);
    let leaf1 = sub1.issue(&Spec::leaf(HOST), Alg::P256);
    v.push(s(
        "pathlen1-one-below",
        &[&root.der],
        &[&leaf1.der, &sub1.der, &pl1.der],
        h,
        now,
    ));
    v.push(s(
        "pathlen1-two-below",
        &[&root.der],
        &[&leaf2.der, &sub2.der, &sub1.der, &pl1.der],
        h,
        now,
    ));
    // The violation at a lower depth while a higher one is fine.
    v.push(s(
        "pathlen1-two-below-sub1-trusted",
        &[&sub1.der],
        &[&leaf2.der, &sub2.der],
        h,
        now,
    ));
    let mut p0 = Spec::ca("WS PathLen0");
    p0.ca = Some(Some(0));
    let pl0 = root.issue(&p0, Alg::P256);
    let below = pl0.issue(&Spec::ca("WS Below PathLen0"), Alg::P256);
    let below_leaf = below.issue(&Spec::leaf(HOST), Alg::P256);
    // A loaded pathLen 0 CA whose issuer is not loaded (yet) keeps the default limit.
    v.push(s(
        "pathlen0-loaded-alone",
        &[&pl0.der],
        &[&below_leaf.der, &below.der],
        h,
        now,
    ));
    v.push(s(
        "pathlen0-loaded-after-root",
        &[&root.der, &pl0.der],
        &[&below_leaf.der, &below.der],
        h,
        now,
    ));
    v.push(s(
        "pathlen0-loaded-before-root",
        &[&pl0.der, &root.der],
        &[&below_leaf.der, &below.der],
        h,
        now,
    ));
    // pathLen on a CA without keyCertSign decrements instead.
    let mut p5 = Spec::ca("WS PathLen5 No CertSign");
    p5.ca = Some(Some(5));
    p5.key_usage = Some(vec![Ku::DigitalSignature]);
    let pl5 = root.issue(&p5, Alg::P256);
    let pl5_leaf = pl5.issue(&Spec::leaf(HOST), Alg::P256);
    v.push(s(
        "ca-without-certsign-loaded",
        &[&root.der, &pl5.der],
        &[&pl5_leaf.der, &pl5.der],
        h,
        now,
    ));
}

/// extendedKeyUsage and keyUsage on the leaf and on a CA.
fn usage_cases(v: &mut Vec<Scenario>) {
    let now = t(2025, 1, 1);
    let h = Some(HOST);
    let root = Node::root(&Spec::ca("WS Usage Root"), Alg::P256);
    let int = root.issue(&Spec::ca("WS Usage Intermediate"), Alg::P256);
    let leaf_with = |eku: Option<Vec<Eku>>, ku: Option<Vec<Ku>>| {
        let mut sp = Spec::leaf(HOST);
        sp.eku = eku;
        sp.key_usage = ku;
        int.issue(&sp, Alg::P256).der
    };
    let cases: [(&str, Vec<Eku>); 5] = [
        ("eku-server", vec![Eku::ServerAuth]),
        ("eku-client", vec![Eku::ClientAuth]),
        ("eku-any", vec![Eku::Any]),
        ("eku-server-client", vec![Eku::ClientAuth, Eku::ServerAuth]),
        ("eku-codesigning", vec![Eku::CodeSigning]),
    ];
    for (name, eku) in cases {
        let l = leaf_with(Some(eku), None);
        v.push(s(name, &[&root.der], &[&l, &int.der], h, now));
    }
    let client = leaf_with(Some(vec![Eku::ClientAuth]), None);
    // The host check runs after the EKU check and replaces its error; EKU replaces a date error.
    v.push(s(
        "eku-client-wrong-host",
        &[&root.der],
        &[&client, &int.der],
        Some("other.example.test"),
        now,
    ));
    v.push(s(
        "eku-client-expired",
        &[&root.der],
        &[&client, &int.der],
        h,
        t(2026, 6, 1),
    ));
    v.push(s(
        "expired-wrong-host",
        &[&root.der],
        &[&leaf_with(None, None), &int.der],
        Some("other.example.test"),
        t(2026, 6, 1),
    ));
    let mut ci = Spec::ca("WS ClientAuth Intermediate");
    ci.eku = Some(vec![Eku::ClientAuth]);
    let client_int = root.issue(&ci, Alg::P256);
    let under_client_int = client_int.issue(&Spec::leaf(HOST), Alg::P256);
    v.push(s(
        "eku-client-on-intermediate",
        &[&root.der],
        &[&under_client_int.der, &client_int.der],
        h,
        now,
    ));
    let ke = leaf_with(None, Some(vec![Ku::KeyEncipherment]));
    v.push(s(
        "ku-key-encipherment-only",
        &[&root.der],
        &[&ke, &int.der],
        h,
        now,
    ));
    let cs = leaf_with(None, Some(vec![Ku::KeyCertSign]));
    v.push(s(
        "ku-certsign-only",
        &[&root.der],
        &[&cs, &int.der],
        h,
        now,
    ));
}

/// What is sent: extra, duplicated and misordered certificates.
fn shape_cases(v: &mut Vec<Scenario>) {
    let now = t(2025, 1, 1);
    let h = Some(HOST);
    let root = Node::root(&Spec::ca("WS Shape Root"), Alg::P256);
    let int = root.issue(&Spec::ca("WS Shape Intermediate"), Alg::P256);
    let leaf = int.issue(&Spec::leaf(HOST), Alg::P256);
    let other_ca = Node::root(&Spec::ca("WS Unrelated CA"), Alg::P256);
    let mut ss = Spec::leaf("unrelated.example.test");
    ss.cn = "unrelated.example.test".into();
    let other_leaf = Node::root(&ss, Alg::P256);
    v.push(s(
        "unrelated-ca-middle",
        &[&root.der],
        &[&leaf.der, &other_ca.der, &int.der],
        h,
        now,
    ));
    v.push(s(
        "unrelated-ca-end",
        &[&root.der],
        &[&leaf.der, &int.der, &other_ca.der],
        h,
        now,
    ));
    v.push(s(
        "unrelated-self-signed-leaf-middle",
        &[&root.der],
        &[&leaf.der, &other_leaf.der, &int.der],
        h,
        now,
    ));
    v.push(s(
        "unrelated-self-signed-leaf-end",
        &[&root.der],
        &[&leaf.der, &int.der, &other_leaf.der],
        h,
        now,
    ));
    // A CA that verifies but lacks keyCertSign: refused by AddCA, remembered (NOT_CA_ERROR).
    let mut noku = Spec::ca("WS No CertSign");
    noku.key_usage = Some(vec![Ku::DigitalSignature]);
    let noku_ca = root.issue(&noku, Alg::P256);
    v.push(s(
        "extra-ca-without-certsign",
        &[&root.der, &int.der],
        &[&leaf.der, &noku_ca.der],
        h,
        now,
    ));
    v.push(s(
        "duplicated-leaf",
        &[&root.der],
        &[&leaf.der, &leaf.der, &int.der],
        h,
        now,
    ));
    v.push(s(
        "duplicated-leaf-no-intermediate",
        &[&root.der],
        &[&leaf.der, &leaf.der],
        h,
        now,
    ));
    v.push(s(
        "duplicated-intermediate-and-root",
        &[&root.der],
        &[&leaf.der, &int.der, &root.der, &int.der, &root.der],
        h,
        now,
    ));
    v.push(s(
        "reversed",
        &[&root.der],
        &[&root.der, &int.der, &leaf.der],
        h,
        now,
    ));
    let sub = int.issue(&Spec::ca("WS Shape Sub"), Alg::P256);
    let sub_leaf = sub.issue(&Spec::leaf(HOST), Alg::P256);
    v.push(s(
        "intermediates-swapped",
        &[&root.der],
        &[&sub_leaf.der, &int.der, &sub.der],
        h,
        now,
    ));
    v.push(s(
        "intermediates-swapped-int-loaded",
        &[&root.der, &int.der],
        &[&sub_leaf.der, &int.der, &sub.der],
        h,
        now,
    ));
    // Two errors: one remembered higher up, then one at index 1, which is reported as is.
    let bad_int = crate::pki::bad_signature(&int.der);
    v.push(s(
        "two-errors-bad-signature-at-1",
        &[&root.der],
        &[&leaf.der, &bad_int, &other_leaf.der],
        h,
        now,
    ));
    let mut ei = Spec::ca("WS Shape Expired Intermediate");
    ei.not_after = t(2024, 6, 1);
    let exp_int = root.issue(&ei, Alg::P256);
    let exp_leaf = exp_int.issue(&Spec::leaf(HOST), Alg::P256);
    v.push(s(
        "two-errors-expired-at-1",
        &[&root.der],
        &[&exp_leaf.der, &exp_int.der, &other_leaf.der],
        h,
        now,
    ));
    // A CA without signer above a failed certificate clears the callback failure, so the
    // expired leaf is not fatal and the host check has the last word.
    let later = t(2026, 6, 1);
    v.push(s(
        "callback-failure-kept",
        &[&root.der],
        &[&leaf.der, &int.der, &other_leaf.der, &other_ca.der],
        Some("other.example.test"),
        later,
    ));
    v.push(s(
        "callback-failure-cleared-by-alt-chain",
        &[&root.der],
        &[&leaf.der, &int.der, &other_ca.der, &other_leaf.der],
        Some("other.example.test"),
        later,
    ));
    v.push(s(
        "leaf-expired-no-issuer",
        &[&root.der],
        &[&leaf.der],
        h,
        t(2026, 6, 1),
    ));
    v.push(s(
        "bad-signature-intermediate-loaded",
        &[&root.der, &int.der],
        &[&leaf.der, &crate::pki::bad_signature(&int.der)],
        h,
        now,
    ));
}

/// Host names (`MatchDomainName`, `CheckForAltNames`).
fn name_cases(v: &mut Vec<Scenario>) {
    let now = t(2025, 1, 1);
    let root = Node::root(&Spec::ca("WS Name Root"), Alg::P256);
    let int = root.issue(&Spec::ca("WS Name Intermediate"), Alg::P256);
    let leaf_sans = |cn: &str, sans: &[&str]| {
        let mut sp = Spec::leaf(HOST);
        sp.cn = cn.into();
        sp.sans = sans.iter().map(|x| x.to_string()).collect();
        int.issue(&sp, Alg::P256).der
    };
    let cases: [(&str, &str, &[&str], &str); 10] = [
        ("wildcard-partial-label", HOST, &["dev*.example.test"], HOST),
        (
            "wildcard-two-stars",
            HOST,
            &["*.*.example.test"],
            "a.b.example.test",
        ),
        ("wildcard-last-label", HOST, &["device.*"], "device.test"),
        ("wildcard-bare-star", HOST, &["*"], "device"),
        ("wildcard-not-across-dots", HOST, &["*.test"], HOST),
        ("wildcard-in-cn-only", "*.example.test", &[], HOST),
        ("wildcard-middle-label", HOST, &["device.*.test"], HOST),
        ("ip-san-cn-host", HOST, &["192.0.2.10"], HOST),
        (
            "ip-host-dns-sans",
            HOST,
            &["192.0.2.10.example.test", HOST],
            "192.0.2.10",
        ),
        ("ip-host-cn-only", "192.0.2.10", &[], "192.0.2.10"),
    ];
    for (name, cn, sans, host) in cases {
        let l = leaf_sans(cn, sans);
        v.push(s(name, &[&root.der], &[&l, &int.der], Some(host), now));
    }
}

use anchorkit::testsupport::openssl as osl;

/// A scratch directory of openssl-made keys and certificates.
struct Osl {
    dir: PathBuf,
    serial: u32,
}

const OSL_CONFIG: &str = "[req]
distinguished_name=dn
[dn]
[ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[nc_dns]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
nameConstraints=critical,permitted;DNS:example.test
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[nc_excluded]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
nameConstraints=critical,excluded;DNS:bad.example.test
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[nc_ip]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
nameConstraints=critical,permitted;IP:192.0.2.0/255.255.255.0
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[leaf]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:device.example.test
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[leaf_other]
basicConstraints=critical,CA:FALSE
extendedKeyUsage=serverAuth
subjectAltName=DNS:device.other.test
authorityKeyIdentifier=keyid
[leaf_bad]
basicConstraints=critical,CA:FALSE
extendedKeyUsage=serverAuth
subjectAltName=DNS:x.bad.example.test
authorityKeyIdentifier=keyid
[leaf_suffix]
basicConstraints=critical,CA:FALSE
extendedKeyUsage=serverAuth
subjectAltName=DNS:device.badexample.test
authorityKeyIdentifier=keyid
[leaf_dns_ip]
basicConstraints=critical,CA:FALSE
extendedKeyUsage=serverAuth
subjectAltName=DNS:device.example.test,IP:192.0.2.10
authorityKeyIdentifier=keyid
[leaf_ip_out]
basicConstraints=critical,CA:FALSE
extendedKeyUsage=serverAuth
subjectAltName=IP:198.51.100.1
authorityKeyIdentifier=keyid
[leaf_nosan]
basicConstraints=critical,CA:FALSE
extendedKeyUsage=serverAuth
authorityKeyIdentifier=keyid
[leaf_noid]
basicConstraints=critical,CA:FALSE
extendedKeyUsage=serverAuth
subjectAltName=DNS:device.example.test
subjectKeyIdentifier=none
authorityKeyIdentifier=none
[leaf_email]
basicConstraints=critical,CA:FALSE
extendedKeyUsage=serverAuth
subjectAltName=email:admin@example.test
authorityKeyIdentifier=keyid
";

impl Osl {
    fn new() -> Osl {
        let dir = std::env::temp_dir().join(format!("anchorkit-wolfssl-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.join("x.cnf"), OSL_CONFIG).unwrap_or_else(|e| panic!("{e}"));
        Osl { dir, serial: 100 }
    }

    /// A key: `rsa:BITS`, `ec:CURVE`, `ed25519` or `ed448`.
    fn key(&self, name: &str, spec: &str) {
        let file = format!("{name}.key");
        let mut args = vec!["genpkey", "-out", file.as_str()];
        let opt;
        match spec.split_once(':') {
            Some(("rsa", bits)) => {
                opt = format!("rsa_keygen_bits:{bits}");
                args.extend(["-algorithm", "RSA", "-pkeyopt", opt.as_str()]);
            }
            Some(("ec", curve)) => {
                opt = format!("ec_paramgen_curve:{curve}");
                args.extend(["-algorithm", "EC", "-pkeyopt", opt.as_str()]);
            }
            _ => args.extend(["-algorithm", spec]),
        }
        osl(&self.dir, &args);
    }

    fn der(&self, name: &str) -> Vec<u8> {
        let path = self.dir.join(format!("{name}.pem"));
        let f = anchorkit::intake::read_path(&path).unwrap_or_else(|e| panic!("{e}"));
        f[0].cert().map(|c| c.der().to_vec()).unwrap_or_default()
    }

    /// A self-signed CA from key `name`.
    fn root(&self, name: &str, subj: &str, ext: &str, digest: Option<&str>) -> Vec<u8> {
        let key = format!("{name}.key");
        let out = format!("{name}.pem");
        let mut args = vec![
            "req",
            "-x509",
            "-new",
            "-key",
            &key,
            "-subj",
            subj,
            "-days",
            "3650",
            "-config",
            "x.cnf",
            "-extensions",
            ext,
            "-out",
            &out,
        ];
        args.extend(digest);
        osl(&self.dir, &args);
        self.der(name)
    }

    /// A certificate for key `name` issued by `ca` (its key and certificate of that name).
    fn issue(
        &mut self,
        name: &str,
        subj: &str,
        ca: &str,
        ext: &str,
        digest: Option<&str>,
    ) -> Vec<u8> {
        self.serial += 1;
        let key = format!("{name}.key");
        let csr = format!("{name}.csr");
        let out = format!("{name}.pem");
        let ca_pem = format!("{ca}.pem");
        let ca_key = format!("{ca}.key");
        let serial = self.serial.to_string();
        osl(
            &self.dir,
            &[
                "req", "-new", "-key", &key, "-subj", subj, "-config", "x.cnf", "-out", &csr,
            ],
        );
        let mut args = vec![
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &ca_pem,
            "-CAkey",
            &ca_key,
            "-set_serial",
            &serial,
            "-days",
            "700",
            "-extfile",
            "x.cnf",
            "-extensions",
            ext,
            "-out",
            &out,
        ];
        args.extend(digest);
        osl(&self.dir, &args);
        self.der(name)
    }
}

impl Drop for Osl {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Certificates rcgen cannot make: name constraints after basicConstraints, small and unusual
/// curves, RSA 512, Ed448, a SHA-1 signed intermediate. Valid from now.
fn openssl_cases(v: &mut Vec<Scenario>) {
    let mut o = Osl::new();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
        + 86_400;
    let h = Some(HOST);
    let sha = Some("-sha256");
    o.key("root", "ec:P-256");
    let root = o.root("root", "/O=anchorkit test/CN=WS OSL Root", "ca", sha);

    // Name constraints in an intermediate, basicConstraints first.
    o.key("ncd", "ec:P-256");
    let nc_dns = o.issue(
        "ncd",
        "/O=anchorkit test/CN=WS NC DNS",
        "root",
        "nc_dns",
        sha,
    );
    o.key("nce", "ec:P-256");
    let nc_ex = o.issue(
        "nce",
        "/O=anchorkit test/CN=WS NC Excluded",
        "root",
        "nc_excluded",
        sha,
    );
    o.key("nci", "ec:P-256");
    let nc_ip = o.issue("nci", "/O=anchorkit test/CN=WS NC IP", "root", "nc_ip", sha);
    let leaf_subj = "/O=anchorkit test/CN=device.example.test";
    let leaf = |o: &mut Osl, n: &str, subj: &str, ca: &str, ext: &str| {
        o.key(n, "ec:P-256");
        o.issue(n, subj, ca, ext, sha)
    };
    let ok = leaf(&mut o, "l1", leaf_subj, "ncd", "leaf");
    v.push(s("nc-dns-permitted", &[&root], &[&ok, &nc_dns], h, now));
    let out = leaf(
        &mut o,
        "l2",
        "/O=anchorkit test/CN=device.other.test",
        "ncd",
        "leaf_other",
    );
    v.push(s(
        "nc-dns-not-permitted",
        &[&root],
        &[&out, &nc_dns],
        Some("device.other.test"),
        now,
    ));
    let suffix = leaf(&mut o, "l3", leaf_subj, "ncd", "leaf_suffix");
    v.push(s(
        "nc-dns-suffix-no-label-boundary",
        &[&root],
        &[&suffix, &nc_dns],
        Some("device.badexample.test"),
        now,
    ));
    let dns_ip = leaf(&mut o, "l4", leaf_subj, "ncd", "leaf_dns_ip");
    v.push(s(
        "nc-dns-leaf-with-ip-san",
        &[&root],
        &[&dns_ip, &nc_dns],
        h,
        now,
    ));
    let cn_other = leaf(
        &mut o,
        "l5",
        "/O=anchorkit test/CN=device.other.test",
        "ncd",
        "leaf_nosan",
    );
    v.push(s(
        "nc-dns-cn-without-san",
        &[&root],
        &[&cn_other, &nc_dns],
        Some("device.other.test"),
        now,
    ));
    let email = leaf(&mut o, "l6", leaf_subj, "ncd", "leaf_email");
    v.push(s(
        "nc-dns-email-san-cn-checked",
        &[&root],
        &[&email, &nc_dns],
        h,
        now,
    ));
    let bad = leaf(
        &mut o,
        "l7",
        "/O=anchorkit test/CN=x.bad.example.test",
        "nce",
        "leaf_bad",
    );
    v.push(s(
        "nc-dns-excluded",
        &[&root],
        &[&bad, &nc_ex],
        Some("x.bad.example.test"),
        now,
    ));
    let good_ex = leaf(&mut o, "l8", leaf_subj, "nce", "leaf");
    v.push(s(
        "nc-dns-excluded-other-name-ok",
        &[&root],
        &[&good_ex, &nc_ex],
        h,
        now,
    ));
    let ip_out = leaf(
        &mut o,
        "l9",
        "/O=anchorkit test/CN=ip device",
        "nci",
        "leaf_ip_out",
    );
    v.push(s(
        "nc-ip-not-enforced",
        &[&root],
        &[&ip_out, &nc_ip],
        Some("198.51.100.1"),
        now,
    ));
    // Name constraints on the root apply to the intermediate only (its CN stands in for a
    // DNS name), not to the leaf.
    o.key("ncroot", "ec:P-256");
    let nc_root = o.root("ncroot", "/O=anchorkit test/CN=WS NC Root", "nc_dns", sha);
    o.key("under_nc_cn", "ec:P-256");
    let int_plain_cn = o.issue(
        "under_nc_cn",
        "/O=anchorkit test/CN=WS Under NC Root",
        "ncroot",
        "ca",
        sha,
    );
    let leaf_a = leaf(&mut o, "l10", leaf_subj, "under_nc_cn", "leaf");
    v.push(s(
        "nc-root-intermediate-cn-checked",
        &[&nc_root],
        &[&leaf_a, &int_plain_cn],
        h,
        now,
    ));
    o.key("under_nc_ok", "ec:P-256");
    let int_dns_cn = o.issue(
        "under_nc_ok",
        "/O=anchorkit test/CN=ca.example.test",
        "ncroot",
        "ca",
        sha,
    );
    let leaf_b = leaf(
        &mut o,
        "l11",
        "/O=anchorkit test/CN=device.other.test",
        "under_nc_ok",
        "leaf_other",
    );
    v.push(s(
        "nc-root-not-applied-to-leaf",
        &[&nc_root],
        &[&leaf_b, &int_dns_cn],
        Some("device.other.test"),
        now,
    ));

    // Without an authority key identifier the signer is looked up by name alone: a loaded CA
    // of the same name with another key is used, and its signature check fails.
    let no_id = leaf(&mut o, "l12", leaf_subj, "root", "leaf_noid");
    v.push(s("no-akid-by-name", &[&root], &[&no_id], h, now));
    o.key("twin", "ec:P-256");
    let twin = o.root("twin", "/O=anchorkit test/CN=WS OSL Root", "ca", sha);
    v.push(s(
        "no-akid-same-name-other-key",
        &[&twin],
        &[&no_id],
        h,
        now,
    ));

    // Key sizes and curves.
    for (tag, spec) in [
        ("p192", "ec:P-192"),
        ("p224", "ec:P-224"),
        ("secp256k1", "ec:secp256k1"),
        ("brainpoolp256r1", "ec:brainpoolP256r1"),
        ("rsa512", "rsa:512"),
        ("rsa1024", "rsa:1024"),
        ("ed448", "ed448"),
    ] {
        let digest = if tag == "ed448" { None } else { sha };
        o.key(&format!("{tag}-leaf"), spec);
        let l = o.issue(&format!("{tag}-leaf"), leaf_subj, "root", "leaf", sha);
        v.push(s(&format!("{tag}-leaf"), &[&root], &[&l], h, now));
        o.key(&format!("{tag}-int"), spec);
        let i = o.issue(
            &format!("{tag}-int"),
            &format!("/O=anchorkit test/CN=WS {tag} Intermediate"),
            "root",
            "ca",
            sha,
        );
        o.key(&format!("{tag}-il"), "ec:P-256");
        let il = o.issue(
            &format!("{tag}-il"),
            leaf_subj,
            &format!("{tag}-int"),
            "leaf",
            digest,
        );
        v.push(s(
            &format!("{tag}-intermediate"),
            &[&root],
            &[&il, &i],
            h,
            now,
        ));
        v.push(s(
            &format!("{tag}-intermediate-loaded"),
            &[&i],
            &[&il],
            h,
            now,
        ));
    }
    // An all-Ed448 chain.
    o.key("ed448root", "ed448");
    let ed_root = o.root(
        "ed448root",
        "/O=anchorkit test/CN=WS Ed448 Root",
        "ca",
        None,
    );
    o.key("ed448mid", "ed448");
    let ed_mid = o.issue(
        "ed448mid",
        "/O=anchorkit test/CN=WS Ed448 Intermediate",
        "ed448root",
        "ca",
        None,
    );
    o.key("ed448leaf", "ed448");
    let ed_leaf = o.issue("ed448leaf", leaf_subj, "ed448mid", "leaf", None);
    v.push(s("ed448-chain", &[&ed_root], &[&ed_leaf, &ed_mid], h, now));
    // An Ed25519 chain from openssl.
    o.key("ed25519root", "ed25519");
    let e2_root = o.root(
        "ed25519root",
        "/O=anchorkit test/CN=WS Ed25519 Root",
        "ca",
        None,
    );
    o.key("ed25519leaf", "ed25519");
    let e2_leaf = o.issue("ed25519leaf", leaf_subj, "ed25519root", "leaf", None);
    v.push(s("ed25519-leaf-on-root", &[&e2_root], &[&e2_leaf], h, now));
    // SHA-1 and MD5 signed intermediates (RSA).
    o.key("rsaroot", "rsa:2048");
    let rsa_root = o.root("rsaroot", "/O=anchorkit test/CN=WS RSA Root", "ca", sha);
    for md in ["-sha1", "-md5"] {
        let n = format!("int{md}");
        o.key(&n, "rsa:2048");
        let i = o.issue(
            &n,
            &format!("/O=anchorkit test/CN=WS {md} Intermediate"),
            "rsaroot",
            "ca",
            Some(md),
        );
        let ln = format!("leaf{md}");
        o.key(&ln, "ec:P-256");
        let l = o.issue(&ln, leaf_subj, &n, "leaf", sha);
        v.push(s(
            &format!("{}-signed-intermediate", &md[1..]),
            &[&rsa_root],
            &[&l, &i],
            h,
            now,
        ));
    }
}

fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match body.len() {
        n if n < 0x80 => out.push(n as u8),
        n if n < 0x100 => out.extend([0x81, n as u8]),
        n => out.extend([0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(body);
    out
}

fn ext(oid: &[u64], value: Vec<u8>, critical: bool) -> CustomExtension {
    let mut e = CustomExtension::from_oid_content(oid, value);
    e.set_criticality(critical);
    e
}

/// The extension decoders of the non-template asn.c (DecodeAltNames, DecodeAuthKeyId,
/// DecodeNameConstraints, DecodeAuthInfo, DecodeSubjInfoAcc, DecodeBasicCaConstraint): what
/// each refuses, on a loaded root, a sent intermediate and the leaf.
fn decoding_cases(v: &mut Vec<Scenario>) {
    let now = t(2025, 1, 1);
    let h = Some(HOST);
    let root = Node::root(&Spec::ca("WS Decode Root"), Alg::P256);
    let int = root.issue(&Spec::ca("WS Decode Intermediate"), Alg::P256);
    let dns = tlv(0x82, HOST.as_bytes());
    let leaf_with = |exts: Vec<CustomExtension>, sans: bool| {
        let mut sp = Spec::leaf(HOST);
        if !sans {
            sp.sans = Vec::new();
        }
        sp.custom = exts;
        int.issue(&sp, Alg::P256).der
    };
    let san = |entries: &[&[u8]]| ext(&[2, 5, 29, 17], tlv(0x30, &entries.concat()), false);

    // iPAddress entries: GenerateDNSEntryIPString takes 4 or 16 bytes, else MEMORY_E.
    let ip8 = tlv(0x87, &[192, 0, 2, 0, 255, 255, 255, 0]);
    let ip0 = tlv(0x87, &[]);
    let ip16 = tlv(
        0x87,
        &[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
    );
    for (name, entries) in [
        ("san-ip-8-bytes", vec![&dns[..], &ip8[..]]),
        ("san-ip-0-bytes-first", vec![&ip0[..], &dns[..]]),
        ("san-ip-16-bytes", vec![&ip16[..], &dns[..]]),
    ] {
        let l = leaf_with(vec![san(&entries)], false);
        v.push(s(name, &[&root.der], &[&l, &int.der], h, now));
    }
    let mut bad_int_spec = Spec::ca("WS Decode Intermediate CIDR SAN");
    bad_int_spec.custom = vec![san(&[&dns, &ip8])];
    let bad_int = root.issue(&bad_int_spec, Alg::P256);
    let under_bad_int = bad_int.issue(&Spec::leaf(HOST), Alg::P256);
    v.push(s(
        "int-san-ip-8-bytes",
        &[&root.der],
        &[&under_bad_int.der, &bad_int.der],
        h,
        now,
    ));

    // authorityKeyIdentifier on a loaded root: an empty SEQUENCE or an empty keyIdentifier
    // do not decode (the root is not loaded); issuer and serial alone are no identifier.
    let issuer = tlv(0xA1, &tlv(0xA4, &tlv(0x30, &[])));
    for (name, body) in [
        ("root-aki-empty", Vec::new()),
        ("root-aki-keyid-empty", vec![0x80, 0x00]),
        (
            "root-aki-issuer-serial",
            [issuer, tlv(0x82, &[0x01])].concat(),
        ),
    ] {
        let mut rs = Spec::ca(&format!("WS Decode Root {name}"));
        rs.no_aki = true;
        rs.custom = vec![ext(&[2, 5, 29, 35], tlv(0x30, &body), false)];
        let r = Node::root(&rs, Alg::P256);
        let l = r.issue(&Spec::leaf(HOST), Alg::P256);
        v.push(s(name, &[&r.der], &[&l.der], h, now));
    }

    // nameConstraints on an intermediate (after basicConstraints): empty subtrees and an empty
    // base do not decode; iPAddress bases are not kept.
    for (name, value) in [
        (
            "nc-empty-subtrees",
            vec![0x30, 0x04, 0xA0, 0x00, 0xA1, 0x00],
        ),
        (
            "nc-empty-dns-base",
            tlv(0x30, &tlv(0xA0, &tlv(0x30, &tlv(0x82, &[])))),
        ),
        (
            "nc-ip-base-only",
            tlv(
                0x30,
                &tlv(
                    0xA0,
                    &tlv(0x30, &tlv(0x87, &[192, 0, 2, 0, 255, 255, 255, 0])),
                ),
            ),
        ),
        (
            "nc-excluded-before-permitted",
            tlv(
                0x30,
                &[
                    tlv(0xA1, &tlv(0x30, &tlv(0x82, b"bad.example.test"))),
                    tlv(0xA0, &tlv(0x30, &tlv(0x82, b"example.test"))),
                ]
                .concat(),
            ),
        ),
    ] {
        let mut is = Spec::ca(&format!("WS Decode NC {name}"));
        is.custom = vec![ext(&[2, 5, 29, 30], value, true)];
        let i = root.issue(&is, Alg::P256);
        let l = i.issue(&Spec::leaf(HOST), Alg::P256);
        v.push(s(name, &[&root.der], &[&l.der, &i.der], h, now));
    }

    // authorityInfoAccess: read until the second OCSP / caIssuers URI; subjectInfoAccess must
    // name a caRepository URI.
    let ad = |last: u8, uri: &[u8]| {
        tlv(
            0x30,
            &[
                tlv(0x06, &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, last]),
                tlv(0x86, uri),
            ]
            .concat(),
        )
    };
    let ocsp = ad(0x01, b"http://ocsp.example.test/");
    let issuers = ad(0x02, b"http://ca.example.test/ca.der");
    let repo = ad(0x05, b"http://ca.example.test/certs/");
    let junk = vec![0x05, 0x00];
    let aia = |v: Vec<u8>| ext(&[1, 3, 6, 1, 5, 5, 7, 1, 1], v, false);
    let sia = |v: Vec<u8>| ext(&[1, 3, 6, 1, 5, 5, 7, 1, 11], v, false);
    for (name, e) in [
        ("aia-not-der", aia(b"malformed".to_vec())),
        (
            "aia-junk-second",
            aia(tlv(0x30, &[&ocsp[..], &junk].concat())),
        ),
        (
            "aia-junk-after-two-uris",
            aia(tlv(0x30, &[&ocsp[..], &issuers, &junk].concat())),
        ),
        ("sia-repository", sia(tlv(0x30, &repo))),
        ("sia-no-repository", sia(tlv(0x30, &issuers))),
    ] {
        let l = leaf_with(vec![e], true);
        v.push(s(name, &[&root.der], &[&l, &int.der], h, now));
    }

    // basicConstraints pathLen as one byte, even 0x80 (a negative INTEGER).
    let mut bs = Spec::ca("WS Decode PathLen 0x80");
    bs.ca = None;
    bs.explicit_no_ca = false;
    bs.key_usage = Some(vec![Ku::KeyCertSign]);
    bs.custom = vec![ext(
        &[2, 5, 29, 19],
        vec![0x30, 0x06, 0x01, 0x01, 0xFF, 0x02, 0x01, 0x80],
        true,
    )];
    let pl = root.issue(&bs, Alg::P256);
    // Without a subjectKeyIdentifier on the CA (rcgen writes none for it), the leaf is found
    // by name only when it has no authorityKeyIdentifier.
    let mut pl_leaf_spec = Spec::leaf(HOST);
    pl_leaf_spec.no_aki = true;
    let pl_leaf = pl.issue(&pl_leaf_spec, Alg::P256);
    v.push(s(
        "bc-pathlen-0x80",
        &[&root.der],
        &[&pl_leaf.der, &pl.der],
        h,
        now,
    ));
}

/// A DSA key as a signer: wolfSSL keeps no public key for it (AddCA copies only stored keys),
/// so ConfirmSignature fails with BAD_FUNC_ARG, whether the DSA CA is loaded or sent.
fn dsa_cases(v: &mut Vec<Scenario>) {
    let mut o = Osl::new();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
        + 86_400;
    let h = Some(HOST);
    let sha = Some("-sha256");
    osl(
        &o.dir,
        &[
            "genpkey",
            "-genparam",
            "-algorithm",
            "DSA",
            "-pkeyopt",
            "dsa_paramgen_bits:2048",
            "-out",
            "dsa.params",
        ],
    );
    for name in ["dsaroot", "dsaint"] {
        let out = format!("{name}.key");
        osl(
            &o.dir,
            &["genpkey", "-paramfile", "dsa.params", "-out", &out],
        );
    }
    let dsa_root = o.root("dsaroot", "/O=anchorkit test/CN=WS DSA Root", "ca", sha);
    o.key("dsaleaf", "ec:P-256");
    let dsa_leaf = o.issue(
        "dsaleaf",
        "/O=anchorkit test/CN=device.example.test",
        "dsaroot",
        "leaf",
        sha,
    );
    v.push(s("dsa-root-loaded", &[&dsa_root], &[&dsa_leaf], h, now));
    o.key("ecroot", "ec:P-256");
    let ec_root = o.root("ecroot", "/O=anchorkit test/CN=WS EC Root", "ca", sha);
    let dsa_int = o.issue(
        "dsaint",
        "/O=anchorkit test/CN=WS DSA Intermediate",
        "ecroot",
        "ca",
        sha,
    );
    o.key("dsaintleaf", "ec:P-256");
    let dsa_int_leaf = o.issue(
        "dsaintleaf",
        "/O=anchorkit test/CN=device.example.test",
        "dsaint",
        "leaf",
        sha,
    );
    v.push(s(
        "dsa-intermediate-sent",
        &[&ec_root],
        &[&dsa_int_leaf, &dsa_int],
        h,
        now,
    ));
}
