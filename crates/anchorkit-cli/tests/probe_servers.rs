//! `anchorkit probe` against real servers started here on 127.0.0.1 and ::1: `openssl
//! s_server` (TLS 1.2 CBC only, restricted groups and signature algorithms, RSA 4096, ECDSA,
//! a missing intermediate, the wrong order, a Let's Encrypt 2021-style chain with an expired
//! cross-sign, IPv6), `gnutls-serv` and `nginx`; and a hostile peer that sends a 100 KB
//! certificate. Each server is stopped when its test ends.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anchorkit_difftest::fixtures::{self, Killed, free_port};
use anchorkit_difftest::kit::{KeyAlg, Kit, Sig};
use anchorkit_difftest::pki::{Alg, Node, Spec, t};
use serde_json::Value;

const HOST: &str = "device.example.test";

fn anchorkit(args: &[&str]) -> (Option<i32>, String, String, Duration) {
    common::run_anchorkit(args)
}

/// `probe TARGET --sni HOST EXTRA... --json`, retried until the server listens.
fn probe(target: &str, extra: &[&str]) -> (Option<i32>, Value) {
    let mut args = vec!["probe", target, "--sni", HOST, "--json", "--timeout", "3"];
    args.extend_from_slice(extra);
    let mut last = String::new();
    for _ in 0..60 {
        let (code, out, err, _) = anchorkit(&args);
        if code != Some(3) {
            let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
            return (code, v);
        }
        last = err;
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{target} never answered: {last}");
}

fn pem(der: &[u8]) -> String {
    anchorkit::cert::Certificate::from_der(der)
        .map(|c| c.to_pem())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn tmp(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ak-probe-srv-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("dir");
    d
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

fn findings(v: &Value) -> String {
    v["findings"].to_string()
}

/// An rcgen PKI served by s_server: root, two intermediates, a leaf with its key.
struct Rc {
    root: Node,
    int1: Node,
    int2: Node,
    leaf: Node,
}

impl Rc {
    /// The full chain (leaf first), the leaf's key and the root, as files in `dir`.
    fn files(&self, dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
        let full = write(
            dir,
            "full.pem",
            &(pem(&self.leaf.der) + &pem(&self.int2.der) + &pem(&self.int1.der)),
        );
        let key = write(dir, "leaf.key", &self.leaf.key_pem());
        let root = write(dir, "root.pem", &pem(&self.root.der));
        (full, key, root)
    }
}

fn rc() -> Rc {
    let root = Node::root(&Spec::ca("Srv Root"), Alg::P256);
    let int1 = root.issue(&Spec::ca("Srv Int One"), Alg::P256);
    let int2 = int1.issue(&Spec::ca("Srv Int Two"), Alg::P256);
    let mut ls = Spec::leaf(HOST);
    ls.not_after = t(2040, 1, 1);
    let leaf = int2.issue(&ls, Alg::P256);
    Rc {
        root,
        int1,
        int2,
        leaf,
    }
}

#[test]
fn s_server_chains_are_captured_and_judged() {
    let dir = tmp("chains");
    let p = rc();
    let leaf = write(&dir, "leaf.pem", &pem(&p.leaf.der));
    let key = write(&dir, "leaf.key", &p.leaf.key_pem());
    let root = write(&dir, "root.pem", &pem(&p.root.der));
    let good = write(&dir, "good.pem", &(pem(&p.int2.der) + &pem(&p.int1.der)));
    let wrong = write(&dir, "wrong.pem", &(pem(&p.int1.der) + &pem(&p.int2.der)));
    let missing = write(&dir, "missing.pem", &pem(&p.int1.der));
    let (_a, good_port) = fixtures::s_server(&[], &leaf, &key, Some(&good));
    let (_b, wrong_port) = fixtures::s_server(&[], &leaf, &key, Some(&wrong));
    let (_c, missing_port) = fixtures::s_server(&[], &leaf, &key, Some(&missing));
    let trust = root.to_str().expect("path");
    let at = ["--at", "2030-01-01"];
    let args = |extra: &[&'static str]| {
        let mut a = vec!["--trust", trust, "--profile", "esp-idf-5.4"];
        a.extend_from_slice(&at);
        a.extend_from_slice(extra);
        a
    };
    let (code, v) = probe(&format!("127.0.0.1:{good_port}"), &args(&[]));
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v["certificates"].as_array().map(Vec::len), Some(3));
    // Mbed TLS looks for a parent only after the child in the chain: the second intermediate
    // comes last, so its issuer is never found. The finding names the order.
    let (code, v) = probe(&format!("127.0.0.1:{wrong_port}"), &args(&[]));
    assert!(findings(&v).contains("wrong order"), "{v}");
    assert_eq!(code, Some(1), "{v}");
    assert_eq!(
        v["verdicts"][0]["flag_names"],
        serde_json::json!(["NOT_TRUSTED"])
    );
    let (code, v) = probe(&format!("127.0.0.1:{missing_port}"), &args(&[]));
    assert_eq!(code, Some(1), "{v}");
    assert!(findings(&v).contains("missing intermediate"), "{v}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_expired_cross_sign_le_2021_style() {
    // ISRG Root X1 cross-signed by DST Root CA X3, as served in 2021: the server sends leaf,
    // intermediate and the new root's cross-sign by the old root, which has expired.
    let dir = tmp("cross");
    let old = Node::root(&Spec::ca("Old Root X3"), Alg::P256);
    let mut new_spec = Spec::ca("New Root X1");
    new_spec.not_before = t(2015, 6, 4);
    let new = Node::root(&new_spec, Alg::P256);
    let cross = old.cross_sign(&new, t(2024, 9, 30));
    let int = new.issue(&Spec::ca("Int R3"), Alg::P256);
    let mut ls = Spec::leaf(HOST);
    ls.not_after = t(2040, 1, 1);
    let leaf = int.issue(&ls, Alg::P256);
    let leaf_p = write(&dir, "leaf.pem", &pem(&leaf.der));
    let key = write(&dir, "leaf.key", &leaf.key_pem());
    let chain = write(&dir, "chain.pem", &(pem(&int.der) + &pem(&cross)));
    let new_p = write(&dir, "new.pem", &pem(&new.der));
    let old_p = write(&dir, "old.pem", &pem(&old.der));
    let (_s, port) = fixtures::s_server(&["-tls1_2"], &leaf_p, &key, Some(&chain));
    let target = format!("127.0.0.1:{port}");
    let at = ["--at", "2026-01-01"];
    // A device trusting the new root connects; the expired cross-sign is named.
    let (code, v) = probe(
        &target,
        &[
            "--trust",
            new_p.to_str().expect("path"),
            "--profile",
            "esp-idf-5.4",
            at[0],
            at[1],
        ],
    );
    assert_eq!(code, Some(0), "{v}");
    assert!(findings(&v).contains("expired cross-sign"), "{v}");
    // One that trusts only the old root connects only because ESP-IDF checks no dates by
    // default; with time checks on (upstream Mbed TLS) the expired cross-sign fails it.
    let old_args = |profile: &'static str| {
        [
            "--trust",
            old_p.to_str().expect("path"),
            "--profile",
            profile,
            at[0],
            at[1],
        ]
        .map(str::to_string)
    };
    let a = old_args("esp-idf-5.4");
    let (code, v) = probe(&target, &a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, Some(0), "{v}");
    let a = old_args("mbedtls-3.6");
    let (code, v) = probe(&target, &a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, Some(1), "{v}");
    assert!(
        v["verdicts"][0]["flag_names"]
            .to_string()
            .contains("EXPIRED"),
        "{v}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn suites_groups_and_signatures_are_enumerated() {
    let dir = tmp("enum");
    let (cert, key) = fixtures::self_signed(&dir, HOST);
    // TLS 1.2 with one CBC suite, P-384 only, ECDSA with SHA-256 only.
    let (_a, port) = fixtures::s_server(
        &[
            "-tls1_2",
            "-cipher",
            "ECDHE-ECDSA-AES128-SHA",
            "-groups",
            "P-384",
            "-sigalgs",
            "ECDSA+SHA256",
        ],
        &cert,
        &key,
        None,
    );
    let (code, v) = probe(&format!("127.0.0.1:{port}"), &["--enumerate"]);
    assert_eq!(code, Some(0), "{v}");
    let k = &v["capabilities"];
    assert_eq!(k["versions"], serde_json::json!(["TLS 1.2"]), "{k}");
    assert_eq!(
        k["tls12_suites"],
        serde_json::json!(["TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"]),
        "{k}"
    );
    assert_eq!(k["tls12_groups"], serde_json::json!(["secp384r1"]), "{k}");
    assert_eq!(
        k["tls12_sig_algs"],
        serde_json::json!(["ecdsa_secp256r1_sha256"]),
        "{k}"
    );
    // OpenSSL 3.0 answers max_fragment_length and has no record_size_limit.
    assert_eq!(k["max_fragment_length"], true, "{k}");
    assert_eq!(k["record_size_limit"], false, "{k}");
    // The device's hello: ESP-IDF 4.4 offers the CBC suite and P-384.
    let (code, v) = probe(&format!("127.0.0.1:{port}"), &["--profile", "esp-idf-4.4"]);
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v["device"][0]["group"], "secp384r1", "{v}");
    assert_eq!(v["device"][0]["sig_alg"], "ecdsa_secp256r1_sha256", "{v}");
    // TLS 1.3 with X25519 only: a device without Curve25519 gets no common group.
    let (_b, port) = fixtures::s_server(&["-tls1_3", "-groups", "X25519"], &cert, &key, None);
    let (_, v) = probe(&format!("127.0.0.1:{port}"), &["--enumerate"]);
    let k = &v["capabilities"];
    assert_eq!(k["tls13_groups"], serde_json::json!(["x25519"]), "{k}");
    assert_eq!(
        k["tls13_sig_algs"],
        serde_json::json!(["ecdsa_secp256r1_sha256"]),
        "{k}"
    );
    assert_eq!(k["max_fragment_length"], Value::Null, "{k}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn rsa_4096_and_ecdsa_servers_over_ipv4_and_ipv6() {
    let mut kit = Kit::new("probe-srv");
    for alg in [KeyAlg::Rsa(4096), KeyAlg::Ec("prime256v1")] {
        let root = kit.root("Kit Root", &alg, &Sig::md("sha256"));
        let leaf = kit.leaf(&root, &alg, &Sig::md("sha256"));
        let (_s, port) = fixtures::s_server(&[], &leaf.pem, &leaf.key, None);
        let trust = root.pem.to_str().expect("path");
        let (code, v) = probe(
            &format!("127.0.0.1:{port}"),
            &["--trust", trust, "--profile", "esp-idf-5.4"],
        );
        assert_eq!(code, Some(0), "{alg:?}: {v}");
        let port6 = free_port();
        let _s6 = fixtures::s_server_at(&format!("[::1]:{port6}"), &[], &leaf.pem, &leaf.key, None);
        let (code, v) = probe(
            &format!("[::1]:{port6}"),
            &["--trust", trust, "--profile", "esp-idf-5.4"],
        );
        assert_eq!(code, Some(0), "{alg:?} over IPv6: {v}");
        assert!(
            v["capture"]["address"]
                .as_str()
                .unwrap_or("")
                .contains("::1"),
            "{v}"
        );
    }
}

/// gnutls-serv with a key and certificate; stopped when dropped.
fn gnutls_serv(cert: &Path, key: &Path, priority: &str) -> (Killed, u16) {
    let port = free_port();
    let child = Command::new("gnutls-serv")
        .arg("--port")
        .arg(port.to_string())
        .arg("--x509certfile")
        .arg(cert)
        .arg("--x509keyfile")
        .arg(key)
        .arg(format!("--priority={priority}"))
        .arg("--quiet")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("gnutls-serv (install gnutls-bin)");
    (Killed(child), port)
}

#[test]
fn gnutls_serv_is_probed() {
    let dir = tmp("gnutls");
    let p = rc();
    let (full, key, root) = p.files(&dir);
    let (_g, port) = gnutls_serv(&full, &key, "NORMAL:-VERS-TLS1.3");
    let target = format!("127.0.0.1:{port}");
    let (code, v) = probe(
        &target,
        &[
            "--trust",
            root.to_str().expect("path"),
            "--profile",
            "esp-idf-5.4",
            "--enumerate",
            "--at",
            "2030-01-01",
        ],
    );
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v["certificates"].as_array().map(Vec::len), Some(3), "{v}");
    assert_eq!(v["capture"]["version"], "TLS 1.2", "{v}");
    assert!(
        v["capabilities"]["versions"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x == "TLS 1.2") && !a.iter().any(|x| x == "TLS 1.3")),
        "{v}"
    );
    // TLS 1.3 only: captured through rustls.
    let (_h, port) = gnutls_serv(&full, &key, "NORMAL:-VERS-ALL:+VERS-TLS1.3");
    let (code, v) = probe(&format!("127.0.0.1:{port}"), &["--profile", "esp-idf-4.4"]);
    assert_eq!(code, Some(1), "{v}");
    assert_eq!(v["capture"]["method"], "tls13-rustls", "{v}");
    assert_eq!(v["device"][0]["agrees"], false, "{v}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn nginx_is_probed() {
    let dir = tmp("nginx");
    let p = rc();
    let (full, key, root) = p.files(&dir);
    let port = free_port();
    let conf = format!(
        "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
         server {{\n    listen 127.0.0.1:{port} ssl;\n    server_name {HOST};\n\
         ssl_certificate {full};\n    ssl_certificate_key {key};\n    ssl_protocols TLSv1.2 TLSv1.3;\n\
         return 204;\n  }}\n}}\n",
        d = dir.display(),
        full = full.display(),
        key = key.display(),
    );
    let conf_p = write(&dir, "nginx.conf", &conf);
    let nginx = ["/usr/sbin/nginx", "nginx"]
        .into_iter()
        .find(|n| Path::new(n).exists() || *n == "nginx")
        .expect("nginx");
    let child = Command::new(nginx)
        .arg("-p")
        .arg(&dir)
        .arg("-c")
        .arg(&conf_p)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nginx (install nginx-light)");
    let _guard = Killed(child);
    let (code, v) = probe(
        &format!("127.0.0.1:{port}"),
        &[
            "--trust",
            root.to_str().expect("path"),
            "--profile",
            "esp-idf-5.4,esp-idf-4.4",
            "--at",
            "2030-01-01",
        ],
    );
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v["certificates"].as_array().map(Vec::len), Some(3), "{v}");
    assert_eq!(v["device"].as_array().map(Vec::len), Some(2), "{v}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A TLS 1.2 server flight: ServerHello, then a Certificate message with one "certificate"
/// of `size` bytes, in records of 16 KB.
fn big_certificate_flight(size: usize) -> Vec<u8> {
    let mut sh = vec![0x03, 0x03];
    sh.extend([7u8; 32]);
    sh.push(0);
    sh.extend([0xC0, 0x2B, 0]);
    let mut hs = vec![2u8, 0, 0, sh.len() as u8];
    hs.extend(&sh);
    let list = size + 3;
    let body = list + 3;
    hs.extend([11, (body >> 16) as u8, (body >> 8) as u8, body as u8]);
    hs.extend([(list >> 16) as u8, (list >> 8) as u8, list as u8]);
    hs.extend([(size >> 16) as u8, (size >> 8) as u8, size as u8]);
    hs.extend(std::iter::repeat_n(0x30u8, size));
    let mut out = Vec::new();
    for chunk in hs.chunks(16_384) {
        out.extend([22, 3, 3, (chunk.len() >> 8) as u8, chunk.len() as u8]);
        out.extend(chunk);
    }
    out
}

#[test]
fn a_100_kb_certificate_is_reported_not_choked_on() {
    for (size, max) in [(100_000usize, false), (400_000, true)] {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().map(|a| a.port()).expect("port");
        std::thread::spawn(move || {
            for mut s in l.incoming().take(4).flatten() {
                let mut b = [0u8; 1024];
                let _ = s.read(&mut b);
                let _ = s.write_all(&big_certificate_flight(size));
                std::thread::sleep(Duration::from_secs(2));
            }
        });
        let (code, out, err, took) = anchorkit(&[
            "probe",
            &format!("127.0.0.1:{port}"),
            "--timeout",
            "2",
            "--json",
        ]);
        assert!(took < Duration::from_secs(8), "{size}: {took:?}");
        assert_ne!(code, Some(101), "{size}: panicked: {err}");
        if max {
            // More than the probe reads from one server: refused by name, as an answer
            // that is not a usable chain (4).
            let said = format!("{}{err}", &out[..out.len().min(2000)]);
            assert_eq!(code, Some(4), "{size}: {said}");
            assert!(said.contains("bytes"), "{said}");
        } else {
            assert_eq!(code, Some(0), "{size}: {err}");
            let v: Value = serde_json::from_str(&out).expect("json");
            assert_eq!(v["certificates"][0]["bytes"], size);
            assert!(
                findings(&v).contains("not certificates"),
                "{}",
                findings(&v)
            );
        }
    }
}
