//! `anchorkit doctor --json`, one scenario per cause kind, for each stack family where the
//! cause exists: the cause kind, the side of the top fix for it, and that the top fix verifies;
//! every output checked against the documented schema.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use anchorkit_difftest::kit::{KeyAlg, Kit, Sig};
use anchorkit_difftest::pki::{Alg, Node, Spec, t};
use rcgen::{CustomExtension, ExtendedKeyUsagePurpose, KeyUsagePurpose};

const HOST: &str = "device.example.test";
const AT: &str = "2025-06-01T00:00:00Z";
const MBED: &str = "esp-idf-5.4";
// The test PKI writes leaves with basicConstraints cA present and FALSE, which wolfSSL 5.9's
// own defaults (`wolfssl-5`) refuse as ASN_PARSE_E (the differential shows it): the causes
// here are judged under Debian's wolfSSL build, which reads them.
const ALL: [&str; 5] = [MBED, "bearssl", "wolfssl-5-distro", "openssl-3", "webpki"];

fn pem(der: &[u8]) -> String {
    anchorkit::cert::Certificate::from_der(der)
        .map(|c| c.to_pem())
        .unwrap_or_else(|e| panic!("test certificate: {e}"))
}

/// One doctor run.
struct Run<'a> {
    trust: Vec<&'a [u8]>,
    chain: Vec<&'a [u8]>,
    extra: Vec<&'a [u8]>,
    store: Vec<&'a [u8]>,
    host: Option<&'a str>,
    at: String,
    args: Vec<&'a str>,
}

impl<'a> Run<'a> {
    fn new(trust: &[&'a [u8]], chain: &[&'a [u8]], store: &[&'a [u8]]) -> Run<'a> {
        Run {
            trust: trust.to_vec(),
            chain: chain.to_vec(),
            extra: Vec::new(),
            store: store.to_vec(),
            host: Some(HOST),
            at: AT.to_string(),
            args: Vec::new(),
        }
    }

    fn doctor(&self, dir: &Path, profile: &str) -> serde_json::Value {
        std::fs::create_dir_all(dir).expect("tmp dir");
        let write = |name: &str, ders: &[&[u8]]| -> PathBuf {
            let p = dir.join(name);
            std::fs::write(&p, ders.iter().map(|d| pem(d)).collect::<String>()).expect("write");
            p
        };
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_anchorkit"));
        cmd.env("NO_COLOR", "1")
            .arg("doctor")
            .arg("--trust")
            .arg(write("trust.pem", &self.trust))
            .arg("--chain")
            .arg(write("chain.pem", &self.chain))
            .arg("--store")
            .arg(write("store.pem", &self.store))
            .args(["--profile", profile, "--at", &self.at, "--json"]);
        if !self.extra.is_empty() {
            cmd.arg("--extra").arg(write("extra.pem", &self.extra));
        }
        cmd.args(["--host", self.host.unwrap_or("none")]);
        cmd.args(&self.args);
        let out = cmd.output().expect("runs");
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{profile}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{profile}: {e}: {}", String::from_utf8_lossy(&out.stdout)));
        assert!(common::check_schema("doctor", &v) >= 10, "{profile}");
        v
    }
}

fn tmp(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("ak-doctor-causes-{tag}-{}", std::process::id()))
}

/// The cause is found (first), and its top fix is on `side` and verifies.
fn expect(v: &serde_json::Value, profile: &str, kind: &str, side: &str) {
    let causes = v["causes"].as_array().expect("causes");
    assert!(
        causes.iter().any(|c| c["kind"] == kind),
        "{profile}: no {kind} cause in {}",
        serde_json::to_string_pretty(&v["causes"]).unwrap_or_default()
    );
    assert_eq!(
        causes[0]["kind"],
        kind,
        "{profile}: first cause\n{}",
        serde_json::to_string_pretty(&v["causes"]).unwrap_or_default()
    );
    // Causes are named once.
    for (i, a) in causes.iter().enumerate() {
        for b in &causes[i + 1..] {
            assert!(
                a["kind"] != b["kind"] || a["cert"] != b["cert"],
                "{profile}: repeated cause {a}"
            );
        }
    }
    let top = v["fixes"]
        .as_array()
        .and_then(|f| f.iter().find(|x| x["cause"] == kind))
        .unwrap_or_else(|| {
            panic!(
                "{profile}: no fix for {kind}: {}",
                serde_json::to_string_pretty(&v).unwrap_or_default()
            )
        });
    assert_eq!(top["side"], side, "{profile}: {top}");
    assert_eq!(top["verified"], true, "{profile}: {top}");
    assert!(top["after"].is_object(), "{profile}: {top}");
}

struct Pki {
    root: Node,
    int: Node,
    leaf: Node,
    other: Node,
}

fn pki() -> Pki {
    let root = Node::root(&Spec::ca("Doctor Root"), Alg::P256);
    let int = root.issue(&Spec::ca("Doctor Intermediate"), Alg::P256);
    let mut ls = Spec::leaf(HOST);
    ls.not_after = t(2027, 1, 1);
    let leaf = int.issue(&ls, Alg::P256);
    let other = Node::root(&Spec::ca("Other Root"), Alg::P256);
    Pki {
        root,
        int,
        leaf,
        other,
    }
}

#[test]
fn accepted_says_so_first_with_no_fixes() {
    let p = pki();
    let run = Run::new(
        &[&p.root.der],
        &[&p.leaf.der, &p.int.der],
        &[&p.root.der, &p.other.der],
    );
    for profile in ALL {
        let v = run.doctor(&tmp("ok"), profile);
        assert_eq!(v["accepted"], true, "{profile}");
        assert_eq!(v["causes"][0]["kind"], "accepted", "{profile}");
        assert_eq!(v["fixes"].as_array().map(Vec::len), Some(0), "{profile}");
        assert!(
            v["warnings"]
                .to_string()
                .contains("backup root of another owner"),
            "{profile}: {}",
            v["warnings"]
        );
    }
}

#[test]
fn anchor_is_leaf() {
    let p = pki();
    let run = Run::new(
        &[&p.leaf.der],
        &[&p.leaf.der, &p.int.der],
        &[&p.root.der, &p.other.der],
    );
    // BearSSL and wolfSSL take a leaf given as an anchor.
    for profile in [MBED, "openssl-3", "webpki"] {
        let v = run.doctor(&tmp("leaf"), profile);
        expect(&v, profile, "anchor-is-leaf", "device");
        let top = &v["fixes"][0];
        assert_eq!(top["kind"], "trust-root");
        assert!(top["anchors"].to_string().contains("Doctor Root"), "{top}");
    }
}

#[test]
fn anchor_is_intermediate() {
    let p = pki();
    let old = p
        .root
        .issue(&Spec::ca("Doctor Old Intermediate"), Alg::P256);
    let run = Run::new(
        &[&old.der],
        &[&p.leaf.der, &p.int.der],
        &[&p.root.der, &p.other.der],
    );
    for profile in ALL {
        let v = run.doctor(&tmp("int"), profile);
        expect(&v, profile, "anchor-is-intermediate", "device");
    }
}

#[test]
fn anchor_wrong_ca() {
    let p = pki();
    let run = Run::new(
        &[&p.other.der],
        &[&p.leaf.der, &p.int.der],
        &[&p.root.der, &p.other.der],
    );
    for profile in ALL {
        let v = run.doctor(&tmp("wrong"), profile);
        expect(&v, profile, "anchor-wrong-ca", "device");
        // Never an anchor the device already trusts.
        for f in v["fixes"].as_array().into_iter().flatten() {
            assert!(
                !f["anchors"].to_string().contains("Other Root"),
                "{profile}: {f}"
            );
        }
    }
}

#[test]
fn missing_intermediate_is_fixed_on_the_server() {
    let p = pki();
    let mut run = Run::new(&[&p.root.der], &[&p.leaf.der], &[&p.root.der, &p.other.der]);
    run.extra = vec![&p.int.der];
    for profile in ALL {
        let v = run.doctor(&tmp("missing"), profile);
        expect(&v, profile, "missing-intermediate", "server");
        assert_eq!(v["fixes"][0]["kind"], "serve-chain");
        // No device stopgap unless asked.
        assert!(
            v["fixes"]
                .as_array()
                .is_some_and(|f| f.iter().all(|x| x["side"] != "device")),
            "{profile}"
        );
    }
    // Without the intermediate at hand, the fix says what to give to verify it.
    let run = Run::new(&[&p.root.der], &[&p.leaf.der], &[&p.root.der]);
    let v = run.doctor(&tmp("missing2"), MBED);
    assert_eq!(v["fixes"][0]["side"], "server");
    assert_eq!(v["fixes"][0]["verified"], false);
    assert!(
        v["fixes"][0]["why_unverified"]
            .as_str()
            .unwrap_or("")
            .contains("--extra")
    );
    // With --stopgap, the device-side stopgap comes after the server fix.
    let mut run = Run::new(&[&p.root.der], &[&p.leaf.der], &[&p.root.der]);
    run.extra = vec![&p.int.der];
    run.args = vec!["--stopgap"];
    let v = run.doctor(&tmp("missing3"), MBED);
    assert_eq!(v["fixes"][1]["side"], "device");
    assert_eq!(v["fixes"][1]["verified"], true);
}

#[test]
fn chain_order_matters_where_the_stack_reads_in_order() {
    let root = Node::root(&Spec::ca("Order Root"), Alg::P256);
    let i1 = root.issue(&Spec::ca("Order Intermediate 1"), Alg::P256);
    let i2 = i1.issue(&Spec::ca("Order Intermediate 2"), Alg::P256);
    let mut ls = Spec::leaf(HOST);
    ls.not_after = t(2027, 1, 1);
    let leaf = i2.issue(&ls, Alg::P256);
    let run = Run::new(&[&root.der], &[&leaf.der, &i1.der, &i2.der], &[&root.der]);
    // BearSSL reads the chain strictly in order; Mbed TLS looks for each parent only after
    // its child (x509_crt_find_parent: child->next onwards).
    for profile in ["bearssl", MBED] {
        let v = run.doctor(&tmp("order"), profile);
        expect(&v, profile, "chain-order", "server");
        assert_eq!(v["causes"].as_array().map(Vec::len), Some(1), "{profile}");
    }
    // OpenSSL and webpki build the path from the served set in any order: accepted.
    for profile in ["openssl-3", "webpki"] {
        let v = run.doctor(&tmp("order2"), profile);
        assert_eq!(v["accepted"], true, "{profile}");
    }
}

#[test]
fn cross_signed_top_not_in_the_bundle() {
    let p = pki();
    let retired = Node::root(&Spec::ca("Retired Root"), Alg::P256);
    let cross = retired.cross_sign(&p.root, t(2030, 1, 1));
    let mut run = Run::new(
        &[&p.root.der],
        &[&p.leaf.der, &p.int.der, &cross],
        &[&p.root.der, &p.other.der],
    );
    run.args = vec!["--trust-mode", "bundle"];
    let v = run.doctor(&tmp("cross"), MBED);
    assert_eq!(v["reproduction"]["verdict"]["code"], "-0x3000");
    assert_eq!(
        v["causes"][0]["kind"], "cross-sign-top-not-in-bundle",
        "{v}"
    );
    // Serving the chain without the cross-sign works for this device but breaks the clients
    // that trust only the retired root: it is never ranked first, and says so.
    let drop = v["fixes"]
        .as_array()
        .and_then(|f| f.iter().find(|x| x["kind"] == "drop-cross-signed-top"))
        .unwrap_or_else(|| panic!("no drop fix: {v}"));
    assert_eq!(drop["verified"], true, "{drop}");
    assert!(
        drop["breaks"]
            .as_str()
            .is_some_and(|b| b.contains("Retired Root")),
        "{drop}"
    );
    assert_ne!(drop["rank"], 1, "{drop}");
    assert_eq!(v["fixes"][0]["side"], "device", "{}", v["fixes"][0]);
    assert_eq!(v["fixes"][0]["kind"], "add-to-bundle");
    // ESP-IDF v6 has the cross-signed mode: the configuration fix comes first.
    let v = run.doctor(&tmp("cross6"), "esp-idf-6.0");
    expect(&v, "esp-idf-6.0", "cross-sign-top-not-in-bundle", "config");
    assert_eq!(v["fixes"][0]["kind"], "cross-signed-verify");
    // Never propose the root the bundle already has.
    for f in v["fixes"].as_array().into_iter().flatten() {
        assert!(!f["anchors"].to_string().contains("Doctor Root"), "{f}");
    }
}

#[test]
fn hostname_mismatch() {
    let p = pki();
    let mut run = Run::new(
        &[&p.root.der],
        &[&p.leaf.der, &p.int.der],
        &[&p.root.der, &p.other.der],
    );
    run.host = Some("wrong.example.test");
    for profile in ALL {
        let v = run.doctor(&tmp("host"), profile);
        expect(&v, profile, "hostname-mismatch", "device");
        assert!(v["fixes"][0]["text"].as_str().unwrap_or("").contains(HOST));
        // The trust is fine: no trust fix is proposed.
        assert!(
            v["fixes"]
                .as_array()
                .is_some_and(|f| f.iter().all(|x| x["kind"] != "trust-root")),
            "{profile}"
        );
    }
}

#[test]
fn no_hostname_on_mbedtls_3_6() {
    let p = pki();
    let mut run = Run::new(
        &[&p.root.der],
        &[&p.leaf.der, &p.int.der],
        &[&p.root.der, &p.other.der],
    );
    run.host = None;
    let v = run.doctor(&tmp("nohost"), "mbedtls-3.6");
    expect(&v, "mbedtls-3.6", "no-hostname", "device");
}

#[test]
fn clock_not_set() {
    let p = pki();
    let mut run = Run::new(
        &[&p.root.der],
        &[&p.leaf.der, &p.int.der],
        &[&p.root.der, &p.other.der],
    );
    run.at = "1970-01-01T00:00:00Z".into();
    for profile in ALL {
        let mut r = Run { ..run.clone_args() };
        if profile == MBED {
            r.args = vec!["--time-check", "on"];
        }
        let v = r.doctor(&tmp("clock"), profile);
        expect(&v, profile, "clock-not-set", "device");
        assert_eq!(v["fixes"][0]["kind"], "sync-clock");
        // One cause, not one FUTURE line per certificate.
        assert_eq!(v["causes"].as_array().map(Vec::len), Some(1), "{profile}");
    }
}

impl Run<'_> {
    fn clone_args(&self) -> Run<'_> {
        Run {
            trust: self.trust.clone(),
            chain: self.chain.clone(),
            extra: self.extra.clone(),
            store: self.store.clone(),
            host: self.host,
            at: self.at.clone(),
            args: self.args.clone(),
        }
    }
}

#[test]
fn expired_leaf_is_renewed_on_the_server() {
    let p = pki();
    let mut old = Spec::leaf(HOST);
    old.not_before = t(2024, 1, 1);
    old.not_after = t(2025, 3, 1);
    let expired = p.int.issue(&old, Alg::P256);
    let mut run = Run::new(
        &[&p.root.der],
        &[&expired.der, &p.int.der],
        &[&p.root.der, &p.other.der],
    );
    run.extra = vec![&p.leaf.der];
    for profile in ALL {
        let mut r = run.clone_args();
        if profile == MBED {
            r.args = vec!["--time-check", "on"];
        }
        let v = r.doctor(&tmp("expired"), profile);
        expect(&v, profile, "expired", "server");
    }
    // Without the renewed certificate, Mbed TLS still verifies a model of it.
    let mut r = Run::new(
        &[&p.root.der],
        &[&expired.der, &p.int.der],
        &[&p.root.der, &p.other.der],
    );
    r.args = vec!["--time-check", "on"];
    let v = r.doctor(&tmp("expired2"), MBED);
    expect(&v, MBED, "expired", "server");
    assert!(
        v["fixes"][0]["check"]
            .as_str()
            .unwrap_or("")
            .contains("model")
    );
}

#[test]
fn not_yet_valid_with_a_clock_behind() {
    let p = pki();
    let mut run = Run::new(
        &[&p.root.der],
        &[&p.leaf.der, &p.int.der],
        &[&p.root.der, &p.other.der],
    );
    run.at = "2023-06-01T00:00:00Z".into();
    for profile in ALL {
        let mut r = run.clone_args();
        if profile == MBED {
            r.args = vec!["--time-check", "on"];
        }
        let v = r.doctor(&tmp("future"), profile);
        // Valid today, not at the device's time: the clock is behind; the device sets it.
        expect(&v, profile, "clock-behind", "device");
        assert_eq!(v["fixes"][0]["kind"], "sync-clock", "{profile}");
    }
}

#[test]
fn weak_hash_and_weak_key_are_reissued() {
    let mut kit = Kit::new("doctor-weak");
    let sha = Sig::md("sha256");
    let ec = KeyAlg::Ec("prime256v1");
    let root = kit.root("Weak Root", &ec, &sha);
    let int = kit.ca(&root, "Weak Intermediate", &ec, &sha);
    let sha1_leaf = kit.leaf(&int, &ec, &Sig::md("sha1"));
    let good_leaf = kit.leaf(&int, &ec, &sha);
    let at = anchorkit::cert::format_time(kit.at);
    // SHA-1 under Mbed TLS 3.6's default profile, OpenSSL 3 (level 1) and webpki.
    let mut run = Run::new(&[&root.der], &[&sha1_leaf.der, &int.der], &[&root.der]);
    run.at = at.clone();
    run.extra = vec![&good_leaf.der];
    for profile in ["mbedtls-3.6", "openssl-3", "webpki"] {
        let v = run.doctor(&tmp("sha1"), profile);
        expect(&v, profile, "weak-hash", "server");
    }
    // Mbed TLS verifies the model without the reissued certificate.
    let mut r = Run::new(&[&root.der], &[&sha1_leaf.der, &int.der], &[&root.der]);
    r.at = at.clone();
    let v = r.doctor(&tmp("sha1b"), "mbedtls-3.6");
    expect(&v, "mbedtls-3.6", "weak-hash", "server");
    // A 1024-bit RSA leaf under Mbed TLS's default profile (RSA 2048 minimum).
    let rsa1024 = kit.leaf(&int, &KeyAlg::Rsa(1024), &sha);
    let mut r = Run::new(&[&root.der], &[&rsa1024.der, &int.der], &[&root.der]);
    r.at = at;
    let v = r.doctor(&tmp("rsa1024"), "mbedtls-3.6");
    expect(&v, "mbedtls-3.6", "weak-key", "server");
}

#[test]
fn unsupported_curve_is_enabled_in_the_build() {
    let mut kit = Kit::new("doctor-p521");
    let sha = Sig::md("sha256");
    let ec = KeyAlg::Ec("prime256v1");
    let root = kit.root("Curve Root", &ec, &sha);
    let leaf = kit.leaf(&root, &KeyAlg::Ec("secp521r1"), &sha);
    let dir = tmp("p521");
    std::fs::create_dir_all(&dir).expect("dir");
    let cfg = dir.join("user_config.h");
    std::fs::write(&cfg, "#undef MBEDTLS_ECP_DP_SECP521R1_ENABLED\n").expect("write");
    let cfg = cfg.display().to_string();
    let mut run = Run::new(&[&root.der], &[&leaf.der], &[&root.der]);
    run.at = anchorkit::cert::format_time(kit.at);
    run.args = vec!["--mbedtls-config", &cfg];
    let v = run.doctor(&dir, "mbedtls-3.6");
    expect(&v, "mbedtls-3.6", "unsupported-algorithm", "config");
    assert!(
        v["fixes"][0]["paste"]
            .as_str()
            .unwrap_or("")
            .contains("SECP521R1")
    );
}

#[test]
fn usages_are_reissued() {
    let p = pki();
    let mut es = Spec::leaf(HOST);
    es.not_after = t(2027, 1, 1);
    es.eku = Some(vec![ExtendedKeyUsagePurpose::ClientAuth]);
    let client = p.int.issue(&es, Alg::P256);
    let mut run = Run::new(&[&p.root.der], &[&client.der, &p.int.der], &[&p.root.der]);
    run.extra = vec![&p.leaf.der];
    for profile in [MBED, "wolfssl-5-distro", "openssl-3", "webpki"] {
        let v = run.doctor(&tmp("eku"), profile);
        expect(&v, profile, "extended-key-usage", "server");
    }
    let mut ks = Spec::leaf(HOST);
    ks.not_after = t(2027, 1, 1);
    ks.key_usage = Some(vec![KeyUsagePurpose::KeyCertSign]);
    let ku = p.int.issue(&ks, Alg::P256);
    let mut run = Run::new(&[&p.root.der], &[&ku.der, &p.int.der], &[&p.root.der]);
    run.extra = vec![&p.leaf.der];
    for profile in [MBED, "bearssl"] {
        let v = run.doctor(&tmp("ku"), profile);
        expect(&v, profile, "key-usage", "server");
    }
}

#[test]
fn path_too_long_raises_the_limit() {
    let root = Node::root(&Spec::ca("Deep Root"), Alg::P256);
    let mut ders = Vec::new();
    let mut cur = root.issue(&Spec::ca("Deep 1"), Alg::P256);
    for i in 2..=10 {
        let next = cur.issue(&Spec::ca(&format!("Deep {i}")), Alg::P256);
        ders.push(std::mem::replace(&mut cur, next).der);
    }
    let mut ls = Spec::leaf(HOST);
    ls.not_after = t(2027, 1, 1);
    let leaf = cur.issue(&ls, Alg::P256);
    ders.push(cur.der.clone());
    ders.reverse();
    let mut chain: Vec<&[u8]> = vec![&leaf.der];
    chain.extend(ders.iter().map(Vec::as_slice));
    let run = Run::new(&[&root.der], &chain, &[&root.der]);
    let v = run.doctor(&tmp("deep"), "mbedtls-3.6");
    expect(&v, "mbedtls-3.6", "path-too-long", "config");
}

#[test]
fn bad_signature_from_a_same_name_root() {
    let p = pki();
    let impostor = Node::root(&Spec::ca("Doctor Root"), Alg::P256);
    let run = Run::new(
        &[&impostor.der],
        &[&p.leaf.der, &p.int.der],
        &[&p.root.der, &p.other.der],
    );
    for profile in [MBED, "bearssl", "openssl-3"] {
        let v = run.doctor(&tmp("badsig"), profile);
        expect(&v, profile, "bad-signature", "device");
    }
}

#[test]
fn unparseable_trust_entry_is_replaced() {
    let p = pki();
    // The same root (name and key) with a negative pathLenConstraint: Mbed TLS refuses it.
    let mut spec = Spec::ca("Doctor Root");
    spec.ca = None;
    let mut bc = CustomExtension::from_oid_content(
        &[2, 5, 29, 19],
        vec![0x30, 0x06, 0x01, 0x01, 0xFF, 0x02, 0x01, 0xFF],
    );
    bc.set_criticality(true);
    spec.custom = vec![bc];
    spec.key_usage = Some(vec![KeyUsagePurpose::KeyCertSign]);
    let broken = Node::root_with_key_of(&spec, &p.root);
    let run = Run::new(
        &[&broken.der],
        &[&p.leaf.der, &p.int.der],
        &[&p.root.der, &p.other.der],
    );
    let v = run.doctor(&tmp("parse"), MBED);
    expect(&v, MBED, "parse-error", "device");
}

#[test]
fn buffer_too_small_for_a_big_certificate_message() {
    let p = pki();
    let big = anchorkit_difftest::fixtures::big_leaf_spec(HOST);
    let leaf = p.int.issue(&big, Alg::P256);
    let run = Run::new(&[&p.root.der], &[&leaf.der, &p.int.der], &[&p.root.der]);
    let v = run.doctor(&tmp("big"), "mbedtls-3.6");
    expect(&v, "mbedtls-3.6", "buffer-too-small", "config");
    assert!(
        v["fixes"][0]["paste"]
            .as_str()
            .unwrap_or("")
            .contains("MBEDTLS_SSL_IN_CONTENT_LEN")
    );
}

#[test]
fn text_output_names_each_cause_once() {
    let p = pki();
    let dir = tmp("text");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("t.pem"), pem(&p.root.der)).expect("w");
    std::fs::write(dir.join("c.pem"), pem(&p.leaf.der) + &pem(&p.int.der)).expect("w");
    let out = Command::new(env!("CARGO_BIN_EXE_anchorkit"))
        .env("NO_COLOR", "1")
        .arg("doctor")
        .arg("--trust")
        .arg(dir.join("t.pem"))
        .arg("--chain")
        .arg(dir.join("c.pem"))
        .args([
            "--profile",
            MBED,
            "--time-check",
            "on",
            "--at",
            "1970-01-01",
            "--host",
            HOST,
        ])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("[clock-not-set]").count(), 1, "{text}");
    assert!(text.contains("esp_netif_sntp_sync_wait"), "{text}");
    assert!(!text.contains("FUTURE line"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
