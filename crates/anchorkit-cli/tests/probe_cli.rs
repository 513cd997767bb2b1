//! `anchorkit probe` and `--connect` against servers on 127.0.0.1 started here: rustls
//! (TLS 1.2 and 1.3), `openssl s_server` (TLS 1.3 only), and hostile peers that never
//! answer, answer one byte a second, send garbage or close mid-record. No probe outlives its
//! timeout.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;

use std::time::Duration;

use anchorkit_difftest::corpus::Scenario;
use anchorkit_difftest::fixtures::{self, Killed, free_port};
use anchorkit_difftest::pki::{Alg, Node, Spec, t};
use anchorkit_difftest::server::Servers;

const HOST: &str = "device.example.test";

fn pem(der: &[u8]) -> String {
    anchorkit::cert::Certificate::from_der(der)
        .map(|c| c.to_pem())
        .unwrap_or_else(|e| panic!("{e}"))
}

struct Pki {
    root: Node,
    int: Node,
    leaf: Node,
}

fn pki() -> Pki {
    let root = Node::root(&Spec::ca("Probe Root"), Alg::P256);
    let int = root.issue(&Spec::ca("Probe Intermediate"), Alg::P256);
    let mut ls = Spec::leaf(HOST);
    ls.not_after = t(2040, 1, 1);
    let leaf = int.issue(&ls, Alg::P256);
    Pki { root, int, leaf }
}

fn anchorkit(args: &[&str]) -> (Option<i32>, String, String, Duration) {
    common::run_anchorkit(args)
}

fn scenario(chain: Vec<Vec<u8>>) -> Scenario {
    Scenario {
        name: "probe".into(),
        trust: Vec::new(),
        chain,
        host: Some(HOST.into()),
        at: t(2030, 1, 1),
    }
}

#[test]
fn captures_the_chain_as_sent_and_names_what_is_wrong() {
    let p = pki();
    let servers = Servers::start(&[
        scenario(vec![p.leaf.der.clone(), p.int.der.clone()]),
        scenario(vec![p.leaf.der.clone()]),
        scenario(vec![p.int.der.clone(), p.leaf.der.clone()]),
    ]);
    let dir = std::env::temp_dir().join(format!("ak-probe-{}", std::process::id()));
    // The full chain, saved as PEM.
    let target = format!("127.0.0.1:{}", servers.port(0));
    let save = dir.join("saved");
    let (code, out, err, _) = anchorkit(&[
        "probe",
        &target,
        "--sni",
        HOST,
        "--save",
        save.to_str().unwrap_or(""),
        "--json",
    ]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["schema"], "anchorkit.probe/1");
    assert!(common::check_schema("probe", &v) >= 15);
    assert_eq!(v["certificates"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["certificates"][0]["bytes"], p.leaf.der.len());
    let expected_msg = 3 + 3 + p.leaf.der.len() + 3 + p.int.der.len();
    let tls13 = v["capture"]["version"] == "TLS 1.3";
    if !tls13 {
        assert_eq!(v["capture"]["message_bytes"], expected_msg);
    }
    // Marked as a capture (judged as sent, never completed), then the PEM as sent.
    let saved = std::fs::read_to_string(save.join("chain.pem")).unwrap_or_default();
    let (mark, body) = saved.split_once('\n').unwrap_or_default();
    assert!(
        mark.starts_with("# anchorkit probe capture of 127.0.0.1:"),
        "{mark}"
    );
    assert_eq!(body, pem(&p.leaf.der) + &pem(&p.int.der));
    // The leaf alone: a missing intermediate.
    let (code, out, _, _) = anchorkit(&[
        "probe",
        &format!("127.0.0.1:{}", servers.port(1)),
        "--sni",
        HOST,
    ]);
    assert_eq!(code, Some(0));
    // Without the device's trust the issuer may be a root: said both ways.
    assert!(out.contains("issuer not sent (server)"), "{out}");
    // Out of order.
    let (_, out, _, _) = anchorkit(&[
        "probe",
        &format!("127.0.0.1:{}", servers.port(2)),
        "--sni",
        HOST,
    ]);
    assert!(out.contains("wrong order (server)"), "{out}");
    // With --trust and profiles: a verdict per profile on the captured chain.
    std::fs::create_dir_all(&dir).expect("dir");
    let root = dir.join("root.pem");
    std::fs::write(&root, pem(&p.root.der)).expect("write");
    let (code, out, err, _) = anchorkit(&[
        "probe",
        &target,
        "--sni",
        HOST,
        "--trust",
        root.to_str().unwrap_or(""),
        "--profile",
        "esp-idf-5.4,bearssl",
        "--at",
        "2030-01-01",
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("ACCEPTED"), "{out}");
    // verify and doctor take the live chain with --connect.
    let (code, out, err, _) = anchorkit(&[
        "verify",
        "--trust",
        root.to_str().unwrap_or(""),
        "--connect",
        &format!("127.0.0.1:{}", servers.port(1)),
        "--host",
        HOST,
        "--profile",
        "esp-idf-5.4",
        "--at",
        "2030-01-01",
    ]);
    assert_eq!(code, Some(1), "{out}{err}");
    let (code, out, err, _) = anchorkit(&[
        "doctor",
        "--trust",
        root.to_str().unwrap_or(""),
        "--connect",
        &format!("127.0.0.1:{}", servers.port(1)),
        "--host",
        HOST,
        "--profile",
        "esp-idf-5.4",
        "--at",
        "2030-01-01",
        "--json",
    ]);
    assert_eq!(code, Some(1), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["causes"][0]["kind"], "missing-intermediate");
    drop(servers);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `openssl s_server` with `args` (see fixtures::s_server) and its `127.0.0.1:port`.
fn s_server(args: &[&str], cert: &Path, key: &Path, chain: Option<&Path>) -> (Killed, String) {
    let (k, port) = fixtures::s_server(args, cert, key, chain);
    (k, format!("127.0.0.1:{port}"))
}

/// `probe TARGET --sni HOST --profile PROFILE --json`: the exit code and the JSON.
fn probe_device(target: &str, profile: &str) -> (Option<i32>, serde_json::Value) {
    let (code, out, err, _) = anchorkit(&[
        "probe",
        target,
        "--sni",
        HOST,
        "--profile",
        profile,
        "--json",
        "--timeout",
        "2",
    ]);
    let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    (code, v)
}

#[test]
fn a_tls13_only_server_is_captured_through_rustls() {
    let p = pki();
    let dir = std::env::temp_dir().join(format!("ak-probe13-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let chain = dir.join("chain.pem");
    // A fresh server key with the leaf's names: the capture happens before the key is used.
    let (cert, key) = fixtures::self_signed(&dir, HOST);
    std::fs::write(&chain, pem(&p.int.der)).expect("write");
    let (server, target) = s_server(&["-tls1_3"], &cert, &key, Some(&chain));
    let mut out = String::new();
    for _ in 0..50 {
        let r = anchorkit(&["probe", &target, "--sni", HOST, "--json", "--timeout", "2"]);
        if r.0 == Some(0) {
            out = r.1;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let v: serde_json::Value = serde_json::from_str(&out).expect("a capture");
    assert_eq!(v["capture"]["version"], "TLS 1.3");
    assert_eq!(v["capture"]["method"], "tls13-rustls");
    assert_eq!(v["certificates"].as_array().map(Vec::len), Some(2));
    // What the server accepts: TLS 1.3 only, OpenSSL's default TLS 1.3 suites.
    let (code, out, err, _) =
        anchorkit(&["probe", &target, "--sni", HOST, "--enumerate", "--json"]);
    assert_eq!(code, Some(0), "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        v["capabilities"]["versions"],
        serde_json::json!(["TLS 1.3"])
    );
    assert_eq!(
        v["capabilities"]["tls13_suites"].as_array().map(Vec::len),
        Some(3),
        "{v}"
    );
    assert_eq!(v["capabilities"]["sni_required"], false, "{v}");
    // The user story's thread: the device speaks TLS 1.2 only.
    let (code, v) = probe_device(&target, "esp-idf-4.4");
    assert_eq!(code, Some(1), "{v}");
    assert_eq!(v["device"][0]["agrees"], false);
    assert!(
        v["device"][0]["text"]
            .as_str()
            .unwrap_or("")
            .contains("TLS 1.3 only"),
        "{}",
        v["device"]
    );
    // Upstream Mbed TLS 3.6 has TLS 1.3.
    let (code, v) = probe_device(&target, "mbedtls-3.6");
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v["device"][0]["version"], "TLS 1.3");
    drop(server);
    // TLS 1.2 with AES-CCM only: ESP-IDF enables CCM by default.
    let (server, target) = s_server(
        &["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-CCM"],
        &cert,
        &key,
        None,
    );
    let mut v = serde_json::Value::Null;
    for _ in 0..50 {
        let r = anchorkit(&[
            "probe",
            &target,
            "--sni",
            HOST,
            "--profile",
            "esp-idf-4.4",
            "--json",
            "--timeout",
            "2",
        ]);
        if let Ok(x) = serde_json::from_str::<serde_json::Value>(&r.1) {
            if x.get("device").is_some() {
                v = x;
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(v["device"][0]["agrees"], true, "{v}");
    assert_eq!(v["device"][0]["suite"], "TLS_ECDHE_ECDSA_WITH_AES_128_CCM");
    let (_, out, err, _) = anchorkit(&["probe", &target, "--sni", HOST, "--enumerate", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}{err}"));
    assert_eq!(
        v["capabilities"]["versions"],
        serde_json::json!(["TLS 1.2"]),
        "{v}"
    );
    assert_eq!(
        v["capabilities"]["tls12_suites"],
        serde_json::json!(["TLS_ECDHE_ECDSA_WITH_AES_128_CCM"]),
        "{v}"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A peer that accepts and then behaves badly; runs until the test ends.
fn hostile(behaviour: fn(std::net::TcpStream)) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().map(|a| a.port()).expect("port");
    std::thread::spawn(move || {
        for s in l.incoming().take(4).flatten() {
            std::thread::spawn(move || behaviour(s));
        }
    });
    port
}

#[test]
fn hostile_peers_never_outlive_the_timeout() {
    let silent = hostile(|s| {
        std::thread::sleep(Duration::from_secs(30));
        drop(s);
    });
    let slow = hostile(|mut s| {
        let mut b = [0u8; 512];
        let _ = s.read(&mut b);
        // A handshake record header, then one byte a second.
        for byte in [22u8, 3, 3, 0x40, 0x00].iter().chain([0u8; 30].iter()) {
            if s.write_all(&[*byte]).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    });
    let garbage = hostile(|mut s| {
        let mut b = [0u8; 512];
        let _ = s.read(&mut b);
        let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
    });
    let mid_record = hostile(|mut s| {
        let mut b = [0u8; 512];
        let _ = s.read(&mut b);
        let _ = s.write_all(&[22, 3, 3, 0x10, 0x00, 2, 0, 0]);
    });
    for (name, port, want) in [
        // Nothing answered: unreachable (3). Something answered, but not TLS or not all of
        // it: the endpoint is there but unusable (4).
        ("silent", silent, 3),
        ("slow", slow, 4),
        ("garbage", garbage, 4),
        ("mid-record", mid_record, 4),
    ] {
        let (code, out, err, took) =
            anchorkit(&["probe", &format!("127.0.0.1:{port}"), "--timeout", "1"]);
        assert_eq!(code, Some(want), "{name}: {out}{err}");
        assert!(
            took < Duration::from_secs(6),
            "{name}: the probe took {took:?} with --timeout 1"
        );
        assert!(err.contains("127.0.0.1"), "{name}: {err}");
    }
    // Nobody listening: unreachable, at once.
    let (code, _, err, took) = anchorkit(&[
        "probe",
        &format!("127.0.0.1:{}", free_port()),
        "--timeout",
        "1",
    ]);
    assert_eq!(code, Some(3), "{err}");
    assert!(took < Duration::from_secs(3));
    // Bad input.
    let (code, _, _, _) = anchorkit(&["probe", "host:notaport"]);
    assert_eq!(code, Some(2));
}

/// An HTTP server on 127.0.0.1 answering every request with `status` and `body`.
fn http(status: &'static str, body: Vec<u8>) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().map(|a| a.port()).expect("port");
    std::thread::spawn(move || {
        for mut s in l.incoming().take(8).flatten() {
            let mut b = [0u8; 2048];
            let _ = s.read(&mut b);
            let _ = s.write_all(
                format!(
                    "HTTP/1.0 {status}\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                )
                .as_bytes(),
            );
            let _ = s.write_all(&body);
        }
    });
    port
}

/// A leaf for HOST whose AIA caIssuers URL is `url`, issued by `int`.
fn leaf_with_aia(int: &Node, url: &str) -> Node {
    use anchorkit_difftest::pki::der_wrap;
    let access = der_wrap(
        0x30,
        &[
            der_wrap(0x06, &[0x2B, 6, 1, 5, 5, 7, 48, 2]),
            der_wrap(0x86, url.as_bytes()),
        ]
        .concat(),
    );
    let mut s = Spec::leaf(HOST);
    s.not_after = t(2040, 1, 1);
    s.custom = vec![rcgen::CustomExtension::from_oid_content(
        &[1, 3, 6, 1, 5, 5, 7, 1, 1],
        der_wrap(0x30, &access),
    )];
    int.issue(&s, Alg::P256)
}

#[test]
fn aia_fetches_the_missing_intermediate() {
    let p = pki();
    let good = http("200 OK", p.int.der.clone());
    let missing = http("404 Not Found", Vec::new());
    let huge = http("200 OK", vec![0x30; 200_000]);
    let leaves: Vec<Node> = [good, missing, huge]
        .iter()
        .map(|port| leaf_with_aia(&p.int, &format!("http://127.0.0.1:{port}/int.der")))
        .collect();
    let servers = Servers::start(
        &leaves
            .iter()
            .map(|l| scenario(vec![l.der.clone()]))
            .collect::<Vec<_>>(),
    );
    let dir = std::env::temp_dir().join(format!("ak-probe-aia-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let root = dir.join("root.pem");
    std::fs::write(&root, pem(&p.root.der)).expect("write");
    let save = dir.join("saved");
    let probe = |i: usize| {
        anchorkit(&[
            "probe",
            &format!("127.0.0.1:{}", servers.port(i)),
            "--sni",
            HOST,
            "--aia",
            "--trust",
            root.to_str().expect("path"),
            "--profile",
            "esp-idf-5.4",
            "--save",
            save.to_str().expect("path"),
            "--timeout",
            "2",
            "--json",
        ])
    };
    let (code, out, err, _) = probe(0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}{err}"));
    // The device does not fetch: it fails; with the fetched issuer sent, it would connect.
    assert_eq!(code, Some(1), "{v}");
    assert_eq!(v["verdicts"][0]["ok"], false);
    assert_eq!(v["verdicts_completed"][0]["ok"], true, "{v}");
    assert!(
        v["aia"][0]["subject"]
            .as_str()
            .unwrap_or("")
            .contains("Probe Intermediate"),
        "{v}"
    );
    let completed = std::fs::read_to_string(save.join("chain-completed.pem")).unwrap_or_default();
    assert_eq!(completed.matches("BEGIN CERTIFICATE").count(), 2);
    // A 404 and an answer over 64 KiB: named, nothing fetched, no hang.
    for (i, want) in [(1, "404"), (2, "65536 bytes")] {
        let (_, out, err, took) = probe(i);
        let v: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}{err}"));
        assert!(
            v["aia"][0]["error"].as_str().unwrap_or("").contains(want),
            "{}",
            v["aia"]
        );
        assert_eq!(v["verdicts_completed"], serde_json::json!([]));
        assert!(took < Duration::from_secs(8));
    }
    drop(servers);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bundle_takes_a_live_server() {
    let p = pki();
    let servers = Servers::start(&[scenario(vec![p.leaf.der.clone(), p.int.der.clone()])]);
    let dir = std::env::temp_dir().join(format!("ak-probe-bundle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let root = dir.join("root.pem");
    std::fs::write(&root, pem(&p.root.der)).expect("write");
    let target = format!("127.0.0.1:{}", servers.port(0));
    let (code, out, err, _) = anchorkit(&[
        "bundle",
        "--connect",
        &target,
        "--extra",
        root.to_str().expect("path"),
        "--lifetime",
        "2y",
        "--at",
        "2030-01-01",
        "--json",
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert!(v.to_string().contains("Probe Root"), "{v}");
    assert!(v.to_string().contains(&target), "{v}");
    // A port nobody listens on: named, exit 2 (bad input), nothing written.
    let (code, _, err, _) = anchorkit(&[
        "bundle",
        "--connect",
        &format!("127.0.0.1:{}", free_port()),
        "--extra",
        root.to_str().expect("path"),
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--connect"), "{err}");
    drop(servers);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_user_story_is_one_command_with_connect() {
    // A local server that sends the developer's leaf, as his server did.
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let found = anchorkit::intake::read_path(Path::new(&format!(
        "{root}/examples/user-story/served-leaf.pem"
    )))
    .expect("example leaf");
    let leaf = found[0].cert().expect("leaf").der().to_vec();
    let servers = Servers::start(&[Scenario {
        name: "user-story".into(),
        trust: Vec::new(),
        chain: vec![leaf],
        host: Some("optimized.realyze.com".into()),
        at: t(2022, 4, 6),
    }]);
    let target = format!("127.0.0.1:{}", servers.port(0));
    let trust = format!("{root}/examples/user-story/cert_pem.c");
    let (code, out, err, _) = anchorkit(&[
        "doctor",
        "--trust",
        &trust,
        "--connect",
        &target,
        "--host",
        "optimized.realyze.com",
        "--profile",
        "esp-idf-4.4",
        "--at",
        "2022-04-06",
        "--json",
    ]);
    assert_eq!(code, Some(1), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["reproduction"]["verdict"]["code"], "-0x2700");
    assert_eq!(v["causes"][0]["kind"], "anchor-is-leaf");
    drop(servers);
}

#[test]
fn a_20kb_chain_is_too_big_for_the_device_buffer() {
    let p = pki();
    let big = fixtures::big_leaf_spec(HOST);
    let leaf = p.int.issue(&big, Alg::P256);
    let servers = Servers::start(&[scenario(vec![leaf.der.clone(), p.int.der.clone()])]);
    let target = format!("127.0.0.1:{}", servers.port(0));
    let (code, out, err, _) =
        anchorkit(&["probe", &target, "--sni", HOST, "--profile", "mbedtls-3.6"]);
    assert!(matches!(code, Some(0 | 1)), "{err}");
    assert!(out.contains("chain too big for mbedtls-3.6"), "{out}");
    drop(servers);
}

#[test]
fn many_endpoints_stream_json_lines_and_resume() {
    let p = pki();
    let servers = Servers::start(&[
        scenario(vec![p.leaf.der.clone(), p.int.der.clone()]),
        scenario(vec![p.leaf.der.clone()]),
    ]);
    let silent = hostile(|s| {
        std::thread::sleep(Duration::from_secs(30));
        drop(s);
    });
    let dir = std::env::temp_dir().join(format!("ak-probe-many-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let list = dir.join("targets.txt");
    let out = dir.join("out.jsonl");
    std::fs::write(
        &list,
        format!(
            "# endpoints\n127.0.0.1:{}\n127.0.0.1:{}\n127.0.0.1:{silent}\n127.0.0.1:{}\n",
            servers.port(0),
            servers.port(1),
            free_port()
        ),
    )
    .expect("write");
    let (code, _, err, took) = anchorkit(&[
        "probe",
        "--targets",
        list.to_str().unwrap_or(""),
        "--output",
        out.to_str().unwrap_or(""),
        "--timeout",
        "1",
        "--jobs",
        "4",
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(took < Duration::from_secs(8), "{took:?}");
    let lines = std::fs::read_to_string(&out).unwrap_or_default();
    assert_eq!(lines.lines().count(), 4, "{lines}");
    for l in lines.lines() {
        let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
        assert!(v["target"].is_string());
    }
    // A second run skips what is done.
    let (_, _, err, _) = anchorkit(&[
        "probe",
        "--targets",
        list.to_str().unwrap_or(""),
        "--output",
        out.to_str().unwrap_or(""),
        "--timeout",
        "1",
    ]);
    assert_eq!(
        std::fs::read_to_string(&out)
            .unwrap_or_default()
            .lines()
            .count(),
        4,
        "{err}"
    );
    drop(servers);
    let _ = std::fs::remove_dir_all(&dir);
}
