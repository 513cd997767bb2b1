//! The hostile-input report of 2026-12-07 (`shared/reports/hostile-input-2026-12.md`), one
//! test per defect, named `dNN_...` after its number there. Servers are the hostile peers of
//! `anchorkit_difftest::hostile` on 127.0.0.1; repositories and files are made in a temporary
//! directory per test. Each test states the behaviour the report expected.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anchorkit_difftest::hostile::{self, Http, Tls};
use anchorkit_difftest::pki::{Alg, Node, Spec, der_wrap, t};
use serde_json::Value;

const HOST: &str = "device.example.test";

fn run(args: &[&str]) -> (Option<i32>, String, String, Duration) {
    common::run_anchorkit(args)
}

fn json(args: &[&str]) -> (Option<i32>, Value, String) {
    let mut a = args.to_vec();
    a.push("--json");
    let (code, out, err, _) = run(&a);
    let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    (code, v, err)
}

fn tmp(tag: &str) -> PathBuf {
    common::tmp_dir("hostile", tag)
}

fn pem(der: &[u8]) -> String {
    common::pem(der)
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    common::write_file(dir, name, text)
}

fn addr(p: &hostile::Peer) -> String {
    format!("127.0.0.1:{}", p.port)
}

/// Nothing that came from a server or a file drives the terminal: no ESC, BEL, CR, NUL or
/// bidirectional override in what a command printed.
fn assert_clean(what: &str, text: &str) {
    for bad in ['\x1b', '\x07', '\r', '\0', '\u{202E}'] {
        assert!(
            !text.contains(bad),
            "{what}: raw {bad:?} in the output:\n{}",
            text.escape_debug()
        );
    }
}

/// A root, an intermediate and a leaf for HOST (P-256) with the validity given (years).
fn pki(root: (i64, i64), int: (i64, i64), leaf: (i64, i64)) -> (Node, Node, Node) {
    let mut rs = Spec::ca("Hostile Root");
    (rs.not_before, rs.not_after) = root;
    let r = Node::root(&rs, Alg::P256);
    let mut is = Spec::ca("Hostile Intermediate");
    is.ca = Some(Some(0));
    (is.not_before, is.not_after) = int;
    let i = r.issue(&is, Alg::P256);
    let mut ls = Spec::leaf(HOST);
    (ls.not_before, ls.not_after) = leaf;
    let l = i.issue(&ls, Alg::P256);
    (r, i, l)
}

/// A PKI whose root and intermediate outlive any plan here (to 2040 and 2039), with a leaf
/// of 2024-2026.
fn long_pki() -> (Node, Node, Node) {
    pki(
        (t(2024, 1, 1), t(2040, 1, 1)),
        (t(2024, 1, 1), t(2039, 1, 1)),
        (t(2024, 1, 1), t(2026, 1, 1)),
    )
}

// ---------------------------------------------------------------------------------------
// 1-2, 17, 20, 21: what the probe makes of a server.

#[test]
fn d01_a_tls13_chain_of_11_kb_is_captured_every_time() {
    let (_root, int, leaf, key) = hostile::pki(HOST, 10_000);
    let size = int.len() + leaf.len();
    assert!(size > 10_500, "{size}");
    // Each probe tries TLS 1.2 first, then TLS 1.3: two connections of the peer's 16.
    let mut peer = hostile::tls13(vec![leaf.clone(), int.clone()], key.clone());
    for i in 0..10 {
        if i == 5 {
            peer = hostile::tls13(vec![leaf.clone(), int.clone()], key.clone());
        }
        let (code, v, err) = json(&["probe", &addr(&peer), "--sni", HOST, "--timeout", "5"]);
        assert_eq!(code, Some(0), "run {i}: {err}");
        assert_eq!(v["capture"]["version"], "TLS 1.3");
        let got: Vec<u64> = v["certificates"]
            .as_array()
            .map(|a| a.iter().filter_map(|c| c["bytes"].as_u64()).collect())
            .unwrap_or_default();
        assert_eq!(got, vec![leaf.len() as u64, int.len() as u64], "run {i}");
    }
}

#[test]
fn d02_an_old_version_is_reported_and_devices_without_it_abort() {
    let (root, int, leaf, _) = hostile::pki(HOST, 0);
    let d = tmp("d02");
    let trust = write(&d, "root.pem", &pem(&root));
    for (version, name) in [
        (0x0301u16, "TLS 1.0"),
        (0x0302, "TLS 1.1"),
        (0x0300, "SSL 3.0"),
    ] {
        let peer = hostile::tls(Tls::OldVersion {
            version,
            chain: vec![leaf.clone(), int.clone()],
        });
        let (code, v, err) = json(&[
            "probe",
            &addr(&peer),
            "--sni",
            HOST,
            "--profile",
            "esp-idf-5.3",
            "--trust",
            &trust,
        ]);
        assert_eq!(v["capture"]["version"], name, "{err}");
        assert_eq!(v["capture"]["version_code"], version);
        assert_eq!(v["device"][0]["agrees"], false, "{name}: {}", v["device"]);
        assert_eq!(code, Some(1), "{name}");
        let text = v["device"][0]["text"].as_str().unwrap_or("");
        assert!(text.contains("does not offer"), "{text}");
        // In text: the version as the server chose it.
        let (_, out, _, _) = run(&["probe", &addr(&peer), "--sni", HOST]);
        assert!(out.contains(name), "{out}");
    }
    // ESP-IDF 4.4 builds Mbed TLS 2.28 with TLS 1.0 and 1.1 on: that device goes on.
    let peer = hostile::tls(Tls::OldVersion {
        version: 0x0301,
        chain: vec![leaf.clone(), int.clone()],
    });
    let (_, v, err) = json(&[
        "probe",
        &addr(&peer),
        "--sni",
        HOST,
        "--profile",
        "esp-idf-4.4",
    ]);
    assert_eq!(v["device"][0]["agrees"], true, "{err}{}", v["device"]);
}

#[test]
fn d17_warning_alerts_are_read_past_and_empty_alerts_refused() {
    let (_, int, leaf, _) = hostile::pki(HOST, 0);
    let peer = hostile::tls(Tls::WarningAlertFirst {
        then: Box::new(Tls::Tls12Chain {
            chain: vec![leaf.clone(), int.clone()],
        }),
    });
    let (code, v, err) = json(&["probe", &addr(&peer), "--sni", HOST]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(v["certificates"].as_array().map(Vec::len), Some(2));
    let peer = hostile::tls(Tls::EmptyAlert);
    let (code, _, err, _) = run(&["probe", &addr(&peer), "--timeout", "2"]);
    assert_eq!(code, Some(4), "{err}");
    assert!(!err.contains("close_notify"), "{err}");
    assert!(err.contains("an alert record of 0 byte"), "{err}");
}

#[test]
fn d20_probe_exit_codes_and_validation_before_connecting() {
    let (_, int, leaf, _) = hostile::pki(HOST, 0);
    // Answered, but not usable: 4. Nothing answered: 3.
    for (name, b, want) in [
        ("alert", Tls::FatalAlert { description: 40 }, 4),
        ("garbage", Tls::Garbage(b"\x00\x01garbage".to_vec()), 4),
        ("http", Tls::Http, 4),
        ("mid-record", Tls::MidRecordClose, 4),
        ("slow", Tls::Slow { bytes_per_sec: 1 }, 4),
        ("silent", Tls::Silent, 3),
    ] {
        let peer = hostile::tls(b);
        let (code, _, err, took) = run(&["probe", &addr(&peer), "--timeout", "1"]);
        assert_eq!(code, Some(want), "{name}: {err}");
        assert!(took < Duration::from_secs(8), "{name}: {took:?}");
        if name == "slow" {
            assert!(err.contains("stopped answering"), "{err}");
        }
    }
    // Bad input is found before anything is sent: exit 2 at once, even against a server that
    // would hold the probe.
    let silent = hostile::tls(Tls::Silent);
    let d = tmp("d20");
    let save = d.join("saved");
    for args in [
        vec!["probe", "127.0.0.1:0"],
        vec!["probe", &addr(&silent), "--sni", "bad name!"],
        vec!["probe", &addr(&silent), "--profile", "bogus"],
        vec!["probe", &addr(&silent), "--at", "someday"],
        vec![
            "probe",
            &addr(&silent),
            "--trust",
            "/nonexistent/root.pem",
            "--save",
            save.to_str().unwrap_or(""),
        ],
    ] {
        let (code, _, err, took) = run(&args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(took < Duration::from_secs(3), "{args:?}: {took:?}");
    }
    assert!(!save.exists(), "--save wrote before --trust was read");
    // --targets: everything unreachable is 3; a resumed run counts its earlier failures.
    let free = anchorkit_difftest::fixtures::free_port();
    let list = write(&d, "targets.txt", &format!("127.0.0.1:{free}\n"));
    let (code, _, err, _) = run(&["probe", "--targets", &list, "--timeout", "1"]);
    assert_eq!(code, Some(3), "{err}");
    let ok = hostile::tls(Tls::Tls12Chain {
        chain: vec![leaf.clone(), int.clone()],
    });
    let out = d.join("out.jsonl");
    let list = write(
        &d,
        "targets2.txt",
        &format!("127.0.0.1:{free}\n{}\n", addr(&ok)),
    );
    let o = out.to_str().unwrap_or("");
    let (code, _, err, _) = run(&["probe", "--targets", &list, "--output", o, "--timeout", "1"]);
    assert_eq!(code, Some(1), "{err}");
    let (code, _, err, _) = run(&["probe", "--targets", &list, "--output", o, "--timeout", "1"]);
    assert_eq!(
        code,
        Some(1),
        "a resumed run with an earlier failure: {err}"
    );
}

#[test]
fn d21_findings_say_what_is_true() {
    let d = tmp("d21");
    // A two-tier PKI: the leaf issued by the root. Sending the leaf alone is right.
    let r = Node::root(&Spec::ca("Two Tier Root"), Alg::P256);
    let l = r.issue(&Spec::leaf(HOST), Alg::P256);
    let trust = write(&d, "root.pem", &pem(&r.der));
    let peer = hostile::tls(Tls::Tls12Chain {
        chain: vec![l.der.clone()],
    });
    let (code, v, err) = json(&["probe", &addr(&peer), "--sni", HOST, "--trust", &trust]);
    assert_eq!(code, Some(0), "{err}{v}");
    let findings = v["findings"].to_string();
    assert!(!findings.contains("missing intermediate"), "{findings}");
    // Without the trust, the finding hedges: an intermediate or a root.
    let (_, v, _) = json(&["probe", &addr(&peer), "--sni", HOST]);
    let findings = v["findings"].to_string();
    assert!(findings.contains("if it is a root"), "{findings}");
    // With a trust that does not hold the issuer, it must be sent.
    let other = write(&d, "other.pem", &pem(&hostile::pki(HOST, 0).0));
    let (_, v, _) = json(&["probe", &addr(&peer), "--sni", HOST, "--trust", &other]);
    let findings = v["findings"].to_string();
    assert!(findings.contains("missing intermediate"), "{findings}");
    // An empty Certificate message: said, exit 4, no phantom certificate.
    let empty = hostile::tls(Tls::Tls12Chain { chain: Vec::new() });
    let (code, v, _) = json(&["probe", &addr(&empty), "--trust", &trust]);
    assert_eq!(code, Some(4));
    assert!(v["findings"].to_string().contains("no certificate"), "{v}");
    let reasons = v["verdicts"][0]["reasons"].to_string();
    assert!(reasons.contains("no-certificate"), "{reasons}");
    assert!(!reasons.contains("BAD_MD"), "{reasons}");
    assert_eq!(v["verdicts"][0]["path"].as_array().map(Vec::len), Some(0));
    // Two ServerHellos: refused, not reported as a TLS 1.3 suite.
    let two = hostile::tls(Tls::TwoServerHellos {
        chain: vec![l.der.clone()],
    });
    let (code, _, err, _) = run(&["probe", &addr(&two)]);
    assert_eq!(code, Some(4), "{err}");
    assert!(err.contains("second ServerHello"), "{err}");
    // 10,000 entries that are not certificates: one line, not 10,000.
    let tiny = hostile::tls(Tls::ManyTinyEntries { n: 10_000 });
    let (code, out, err, _) = run(&["probe", &addr(&tiny)]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.lines().count() < 30, "{} lines", out.lines().count());
    assert!(
        out.contains("10000 entries that are not certificates"),
        "{out}"
    );
}

#[test]
fn d10_targets_refuses_the_options_it_cannot_apply_per_endpoint() {
    let d = tmp("d10");
    let list = write(&d, "t.txt", "127.0.0.1:1\n");
    let root = write(&d, "root.pem", &pem(&hostile::pki(HOST, 0).0));
    let save = d.join("save");
    let s = save.to_str().unwrap_or("");
    for extra in [
        vec!["--trust", root.as_str()],
        vec!["--profile", "esp-idf-4.4"],
        vec!["--host", HOST],
        vec!["--enumerate"],
        vec!["--aia"],
        vec!["--save", s],
        vec!["--sni", HOST],
        vec!["--ip", "127.0.0.1"],
    ] {
        let mut args = vec!["probe", "--targets", list.as_str()];
        args.extend(&extra);
        let (code, out, err, _) = run(&args);
        assert_eq!(code, Some(2), "{extra:?}: {out}{err}");
        assert!(err.contains(extra[0]), "{extra:?}: {err}");
    }
    assert!(!save.exists());
}

#[test]
fn d11_enumeration_counts_hellos_that_got_no_answer() {
    let (_, int, leaf, _) = hostile::pki(HOST, 0);
    // A server that takes 4 connections, then none: most hellos get no answer.
    let peer = hostile::tls_n(
        Tls::Tls12Chain {
            chain: vec![leaf, int],
        },
        4,
    );
    let (_, v, err) = json(&[
        "probe",
        &addr(&peer),
        "--sni",
        HOST,
        "--enumerate",
        "--timeout",
        "2",
    ]);
    let caps = &v["capabilities"];
    assert!(caps["unanswered"].as_u64().unwrap_or(0) > 0, "{err}{caps}");
    assert!(
        caps["incomplete"].as_array().is_some_and(|a| !a.is_empty()),
        "{caps}"
    );
}

#[test]
fn d12_the_timeout_bounds_the_whole_probe() {
    // Each connection of this server trickles its flight: 96 bytes at 40 a second.
    let peer = hostile::tls_n(Tls::Slow { bytes_per_sec: 40 }, 200);
    for extra in [vec!["--enumerate"], vec!["--profile", "all"]] {
        let mut args = vec!["probe", "127.0.0.1:0", "--timeout", "2"];
        let a = addr(&peer);
        args[1] = &a;
        args.extend(&extra);
        let (_, _, _, took) = run(&args);
        // --timeout 2: the capture and the device hellos share 3 x 2 s; enumeration gets its
        // own 3 x 2 s. Before: 38 hellos of their own deadline each.
        assert!(took < Duration::from_secs(16), "{extra:?}: {took:?}");
    }
}

#[test]
fn d13_doctor_reproduces_on_the_certificate_message_as_sent() {
    let (root, _, leaf, _) = hostile::pki(HOST, 0);
    let d = tmp("d13");
    let trust = write(&d, "root.pem", &pem(&root));
    // The leaf, then an entry of 2 bytes that is not a certificate.
    let peer = hostile::tls_n(
        Tls::Tls12Chain {
            chain: vec![leaf, vec![0x30, 0x00]],
        },
        32,
    );
    let a = addr(&peer);
    let common = [
        "--trust",
        trust.as_str(),
        "--profile",
        "esp-idf-5.4",
        "--host",
        HOST,
    ];
    let mut args = vec!["verify", "--connect", a.as_str()];
    args.extend(common);
    let (_, v, err) = json(&args);
    assert_eq!(v["code"], "-0x7300", "{err}{v}");
    let mut args = vec!["doctor", "--connect", a.as_str()];
    args.extend(common);
    let (_, out, err, _) = run(&args);
    assert!(out.contains("-0x7300"), "{out}{err}");
    args.extend(["--log", "mbedtls_ssl_handshake returned -0x7300"]);
    let (_, out, _, _) = run(&args);
    assert!(!out.contains("NOT reproduced"), "{out}");
}

#[test]
fn d14_server_and_file_text_never_reaches_the_terminal_raw() {
    let d = tmp("d14");
    // Names with ESC, BEL, CR/LF, NUL and U+202E in the served leaf.
    let (root, int, leaf, _) = hostile::pki_with_escapes(HOST);
    let trust = write(&d, "root.pem", &pem(&root));
    let peer = hostile::tls(Tls::Tls12Chain {
        chain: vec![leaf, int],
    });
    let (_, out, err, _) = run(&["probe", &addr(&peer), "--trust", &trust, "--host", HOST]);
    assert_clean("probe", &format!("{out}{err}"));
    // The AIA URL and the HTTP status line come from the server.
    let http = hostile::http(Http::EscapeStatus);
    let url = format!("http://127.0.0.1:{}/\x1b[2J\x1b]0;pwned\x07", http.port);
    let (root2, leaf2) = aia_pki(&url);
    let peer2 = hostile::tls(Tls::Tls12Chain {
        chain: vec![leaf2.der.clone()],
    });
    let _ = root2;
    let (_, out, err, _) = run(&["probe", &addr(&peer2), "--aia"]);
    assert_clean("probe --aia", &format!("{out}{err}"));
    assert!(out.contains("AIA"), "{out}{err}");
    // Event text, status and source, in plan and check: the CA changes the chain to an
    // intermediate under another root.
    let (r, i, l) = long_pki();
    let (_, other_int, _) = long_pki();
    let trust = write(&d, "r.pem", &pem(&r.der));
    let chain = write(&d, "c.pem", &(pem(&l.der) + &pem(&i.der)));
    let certs = write(&d, "other.pem", &pem(&other_int.der));
    let events = write(
        &d,
        "ev.json",
        &serde_json::json!({
            "schema": "anchorkit.events/1",
            "cas": [{"id": "hostile", "name": "Hostile\u{1b}[2J", "issuer_organizations": ["anchorkit test"]}],
            "events": [{"date": "2027-01-01", "kind": "chain-change", "ca": "hostile", "key": "any",
                "status": "announced", "chain": [hex(&other_int.der)],
                "text": "ALL GOOD\r\u{1b}[8m hidden \u{7}", "source": "http://x/\u{1b}]0;t\u{7}"}]
        })
        .to_string(),
    );
    for cmd in ["plan", "check"] {
        let (_, out, err, _) = run(&[
            cmd,
            "--trust",
            &trust,
            "--chain",
            &chain,
            "--events",
            &events,
            "--certs",
            &certs,
            "--at",
            "2025-06-01",
        ]);
        assert_clean(cmd, &format!("{out}{err}"));
        assert!(out.contains("ALL GOOD"), "{cmd}: {out}{err}");
    }
    // File names in a scanned tree.
    let tree = d.join("tree");
    write(&tree, "evil\x1b[2J\x07\r.pem", &pem(&l.der));
    let (_, out, err, _) = run(&["check", "--scan", tree.to_str().unwrap_or("")]);
    assert_clean("check --scan", &format!("{out}{err}"));
    assert!(out.contains("evil"), "{out}");
}

fn hex(der: &[u8]) -> String {
    anchorkit::probe::batch::sha256_hex(der).to_uppercase()
}

/// A root and a leaf for HOST whose caIssuers URL is `url` (the intermediate is not sent).
fn aia_pki(url: &str) -> (Node, Node) {
    let r = Node::root(&Spec::ca("AIA Root"), Alg::P256);
    let mut is = Spec::ca("AIA Intermediate");
    is.ca = Some(Some(0));
    let i = r.issue(&is, Alg::P256);
    let mut ls = Spec::leaf(HOST);
    ls.custom.push(aia(url));
    (r, i.issue(&ls, Alg::P256))
}

/// authorityInfoAccess with one caIssuers URI.
fn aia(url: &str) -> rcgen::CustomExtension {
    let oid = der_wrap(0x06, &[0x2B, 6, 1, 5, 5, 7, 48, 2]);
    let uri = der_wrap(0x86, url.as_bytes());
    let desc = der_wrap(0x30, &[oid, uri].concat());
    rcgen::CustomExtension::from_oid_content(&[1, 3, 6, 1, 5, 5, 7, 1, 1], der_wrap(0x30, &desc))
}

#[test]
fn d15_save_writes_safely() {
    let (_, int, leaf, _) = hostile::pki(HOST, 0);
    let d = tmp("d15");
    let peer = hostile::tls(Tls::Tls12Chain {
        chain: vec![leaf.clone(), int.clone()],
    });
    // A chain.pem that links elsewhere is not followed.
    let precious = write(&d, "precious.txt", "keep me");
    let save = d.join("save");
    std::fs::create_dir_all(&save).expect("dir");
    std::os::unix::fs::symlink(&precious, save.join("chain.pem")).expect("link");
    let s = save.to_str().unwrap_or("");
    let (code, _, err, _) = run(&["probe", &addr(&peer), "--save", s]);
    assert_eq!(
        std::fs::read_to_string(&precious).unwrap_or_default(),
        "keep me"
    );
    // Either refused, or the directory replaced whole: chain.pem is a file of its own.
    if code == Some(0) {
        let m = std::fs::symlink_metadata(save.join("chain.pem")).expect("chain.pem");
        assert!(m.file_type().is_file(), "{m:?}");
    } else {
        assert_eq!(code, Some(2), "{err}");
    }
    // A directory an earlier --save wrote is replaced whole: no stale cert files.
    let _ = std::fs::remove_dir_all(&save);
    let (code, _, err, _) = run(&["probe", &addr(&peer), "--save", s]);
    assert_eq!(code, Some(0), "{err}");
    let one = hostile::tls(Tls::Tls12Chain {
        chain: vec![leaf.clone()],
    });
    let (code, _, err, _) = run(&["probe", &addr(&one), "--save", s]);
    assert_eq!(code, Some(0), "{err}");
    let mut names: Vec<String> = std::fs::read_dir(&save)
        .map(|r| {
            r.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    assert!(!names.iter().any(|n| n == "cert1.pem"), "stale: {names:?}");
    // 45,000 empty entries: a bounded number of files.
    let many = hostile::tls(Tls::ManyTinyEntries { n: 45_000 });
    let _ = std::fs::remove_dir_all(&save);
    let (_, _, err, _) = run(&["probe", &addr(&many), "--save", s]);
    let n = std::fs::read_dir(&save).map(|r| r.count()).unwrap_or(0);
    assert!((1..=40).contains(&n), "{n} files: {err}");
}

#[test]
fn d16_check_exit_codes_and_options() {
    let d = tmp("d16");
    let (code, _, _, _) = run(&["check", "--scna", "."]);
    assert_eq!(code, Some(3));
    let (code, _, _, _) = run(&["check", "--scan"]);
    assert_eq!(code, Some(3));
    let root = write(&d, "root.pem", &pem(&hostile::pki(HOST, 0).0));
    for extra in [["--trust", root.as_str()], ["--chain", root.as_str()]] {
        let mut args = vec!["check", "--scan", d.to_str().unwrap_or("")];
        args.extend(extra);
        let (code, _, err, _) = run(&args);
        assert_eq!(code, Some(3), "{extra:?}: {err}");
    }
    let (code, _, err, _) = run(&[
        "check",
        "--trust",
        &root,
        "--chain",
        &root,
        "--horizon",
        "10x",
    ]);
    assert_eq!(code, Some(3));
    assert!(err.contains("--horizon"), "{err}");
    let (code, out, _, _) = run(&["check", "--scan", "/nonexistent/tree", "--json"]);
    assert_eq!(code, Some(3));
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert!(v["error"].is_string(), "{v}");
}

#[test]
fn d22_aia_keeps_the_port_stops_at_loops_and_follows_no_redirect() {
    // A leaf and an intermediate that both name one caIssuers URL; the HTTP peer there
    // answers with the intermediate, which names the same URL again.
    let certs = std::sync::Arc::new(std::sync::Mutex::new(None::<Node>));
    let slot = certs.clone();
    let http = hostile::http_for(move |port| {
        let url = format!("http://127.0.0.1:{port}/int.der");
        let r = Node::root(&Spec::ca("Loop Root"), Alg::P256);
        let mut is = Spec::ca("Loop Intermediate");
        is.ca = Some(Some(0));
        is.custom.push(aia(&url));
        let i = r.issue(&is, Alg::P256);
        let mut ls = Spec::leaf(HOST);
        ls.custom.push(aia(&url));
        let l = i.issue(&ls, Alg::P256);
        if let Ok(mut s) = slot.lock() {
            *s = Some(l);
        }
        Http::Ok(i.der.clone())
    });
    let leaf = certs.lock().ok().and_then(|mut s| s.take()).expect("leaf");
    let tls = hostile::tls(Tls::Tls12Chain {
        chain: vec![leaf.der.clone()],
    });
    let (code, v, err) = json(&["probe", &addr(&tls), "--aia"]);
    assert_ne!(code, Some(2), "{err}");
    let reqs = http.requests();
    assert_eq!(reqs.len(), 1, "fetched more than once: {reqs:?}");
    assert!(
        reqs[0].ends_with(&format!("Host: 127.0.0.1:{}", http.port)),
        "{reqs:?}"
    );
    let fetched: Vec<&Value> = v["aia"]
        .as_array()
        .map(|a| a.iter().filter(|f| f["subject"].is_string()).collect())
        .unwrap_or_default();
    assert_eq!(fetched.len(), 1, "{}", v["aia"]);
    // A redirection is not followed.
    let target = hostile::http(Http::Ok(Vec::new()));
    let redirect = hostile::http(Http::RedirectTo(format!(
        "http://127.0.0.1:{}/elsewhere",
        target.port
    )));
    let (_, leaf) = aia_pki(&format!("http://127.0.0.1:{}/int.der", redirect.port));
    let tls = hostile::tls(Tls::Tls12Chain {
        chain: vec![leaf.der.clone()],
    });
    let (_, out, err, _) = run(&["probe", &addr(&tls), "--aia"]);
    assert_eq!(redirect.requests().len(), 1, "{out}{err}");
    assert!(target.requests().is_empty(), "a redirection was followed");
    assert!(out.contains("302"), "{out}");
}

// ---------------------------------------------------------------------------------------
// 4-7, 19: check --scan on a hostile repository.

fn scan(dir: &Path) -> (Option<i32>, Value, Duration) {
    let d = dir.to_str().unwrap_or("");
    let (code, out, err, took) = run(&["check", "--scan", d, "--json"]);
    let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    (code, v, took)
}

fn lints(v: &Value) -> Vec<(String, String, String)> {
    v["scan"]["lints"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|l| {
                    (
                        l["kind"].as_str().unwrap_or("").to_string(),
                        l["at"].as_str().unwrap_or("").to_string(),
                        l["text"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn d04_scan_never_hangs_loops_or_leaves_the_tree() {
    let d = tmp("d04");
    let (root, _, _, _) = hostile::pki(HOST, 0);
    write(&d, "main/ca.pem", &pem(&root));
    for name in ["a", "b", "c"] {
        std::os::unix::fs::symlink(".", d.join(name)).expect("link");
    }
    std::os::unix::fs::symlink("/", d.join("slash")).expect("link");
    std::os::unix::fs::symlink("/etc/ssl/certs/ca-certificates.crt", d.join("system.pem"))
        .expect("link");
    let fifo = d.join("main/fifo.pem");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    // The CMake embed out of the tree is reported, not read.
    write(
        &d,
        "main/CMakeLists.txt",
        "idf_component_register(SRCS \"main.c\" EMBED_TXTFILES ../../outside.pem /etc/ssl/certs/ca-certificates.crt)\n",
    );
    let (code, v, took) = scan(&d);
    assert!(took < Duration::from_secs(10), "{took:?}");
    // One certificate, once: the links to "." are not walked again.
    assert_eq!(v["scan"]["anchors"], 1, "{v}");
    let l = lints(&v);
    let said = |what: &str, text: &str| {
        l.iter()
            .any(|(k, at, t)| k == "skipped" && at.contains(what) && t.contains(text))
    };
    assert!(said("fifo.pem", "FIFO"), "{l:?}");
    assert!(said("system.pem", "out of the scanned tree"), "{l:?}");
    assert!(said("outside.pem", "outside the scanned tree"), "{l:?}");
    assert!(
        said("ca-certificates.crt", "outside the scanned tree"),
        "{l:?}"
    );
    assert!(
        !v.to_string()
            .contains("/etc/ssl/certs/ca-certificates.crt\",\"how"),
        "read outside"
    );
    // Trust material skipped: not "fine".
    assert_ne!(code, Some(0));
}

#[test]
fn d05_every_read_is_bounded_and_special_files_refused() {
    let d = tmp("d05");
    let (root, int, leaf, _) = hostile::pki(HOST, 0);
    let trust = write(&d, "root.pem", &pem(&root));
    let chain = write(&d, "chain.pem", &(pem(&leaf) + &pem(&int)));
    let list = write(&d, "t.txt", "127.0.0.1:1\n");
    for args in [
        vec!["probe", "--targets", list.as_str(), "--output", "/dev/full"],
        vec!["probe", "--targets", "/dev/zero"],
        vec![
            "plan",
            "--trust",
            trust.as_str(),
            "--chain",
            chain.as_str(),
            "--events",
            "/dev/zero",
        ],
        vec![
            "verify",
            "--trust",
            trust.as_str(),
            "--chain",
            chain.as_str(),
            "--sdkconfig",
            "/dev/zero",
        ],
    ] {
        let (code, _, err, took) = run(&args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains("device"), "{args:?}: {err}");
        assert!(took < Duration::from_secs(3), "{args:?}: {took:?}");
    }
    // A file over the bound: the bound in the error.
    let big = d.join("big.json");
    std::fs::write(&big, vec![b' '; 9 * 1024 * 1024]).expect("write");
    let (code, _, err, _) = run(&[
        "plan",
        "--trust",
        &trust,
        "--chain",
        &chain,
        "--events",
        big.to_str().unwrap_or(""),
    ]);
    assert_eq!(code, Some(2));
    assert!(err.contains("8388608-byte"), "{err}");
    // In a scanned tree: an sdkconfig that is /dev/zero is not read.
    let tree = d.join("tree");
    write(&tree, "a.pem", &pem(&root));
    std::os::unix::fs::symlink("/dev/zero", tree.join("sdkconfig")).expect("link");
    let (code, v, took) = scan(&tree);
    assert!(took < Duration::from_secs(10));
    assert!(
        lints(&v)
            .iter()
            .any(|(k, at, _)| k == "skipped" && at.ends_with("sdkconfig")),
        "{v}"
    );
    assert_ne!(code, Some(0));
}

#[test]
fn d06_esp_idf_cmake_patterns_resolve() {
    let d = tmp("d06");
    let (root, _, _, _) = hostile::pki(HOST, 0);
    write(
        &d,
        "CMakeLists.txt",
        "cmake_minimum_required(VERSION 3.16)\ninclude($ENV{IDF_PATH}/tools/cmake/project.cmake)\nproject(simple_ota)\n",
    );
    write(&d, "server_certs/ca_cert.pem", &pem(&root));
    write(&d, "main/certs/other.pem", &pem(&root));
    write(
        &d,
        "main/CMakeLists.txt",
        "# EMBED_TXTFILES not_a_file.pem\nidf_build_get_property(project_dir PROJECT_DIR)\n\
         idf_component_register(SRCS \"simple_ota_example.c\"\n    INCLUDE_DIRS \".\"\n    \
         EMBED_TXTFILES ${project_dir}/server_certs/ca_cert.pem)\n\
         target_add_binary_data(${COMPONENT_TARGET} \"certs/other.pem\" TEXT)\n\
         target_compile_options(${COMPONENT_LIB} PRIVATE -Wno-format)\n",
    );
    let (_, v, _) = scan(&d);
    let l = lints(&v);
    assert!(
        !l.iter()
            .any(|(k, _, _)| k == "unreadable" || k == "skipped"),
        "{l:?}"
    );
    let files = v["scan"]["files"].to_string();
    assert!(files.contains("embedded by"), "{files}");
}

#[test]
fn d07_a_scan_that_did_not_read_everything_is_not_fine() {
    let (root, _, leaf, _) = hostile::pki(HOST, 0);
    let whole = pem(&root);
    // A truncated certificate, a damaged C literal.
    let d = tmp("d07a");
    write(&d, "main/ca.pem", &whole[..400]);
    let (code, v, _) = scan(&d);
    assert_ne!(code, Some(0), "{v}");
    assert!(lints(&v).iter().any(|(k, _, _)| k == "unreadable"), "{v}");
    // Too deep: said, and not fine.
    let d = tmp("d07b");
    let mut deep = String::new();
    for i in 0..20 {
        deep.push_str(&format!("d{i}/"));
    }
    write(&d, &format!("{deep}ca.pem"), &whole);
    let (code, v, _) = scan(&d);
    assert_ne!(code, Some(0));
    assert!(
        lints(&v).iter().any(|(_, _, t)| t.contains("deeper than")),
        "{v}"
    );
    // Many files that are not candidates do not use up the limit: the leaf used as an anchor
    // in main/ after 25,000 other files is found.
    let d = tmp("d07c");
    let sdk = d.join("a-sdk");
    std::fs::create_dir_all(&sdk).expect("dir");
    for i in 0..25_000 {
        std::fs::write(sdk.join(format!("f{i}.txt")), "x").expect("write");
    }
    write(&d, "main/server.pem", &pem(&leaf));
    let (code, v, took) = scan(&d);
    assert!(took < Duration::from_secs(20), "{took:?}");
    assert!(
        lints(&v).iter().any(|(k, _, _)| k == "leaf-as-anchor"),
        "{v}"
    );
    assert_ne!(code, Some(0));
}

#[test]
fn d19_scan_work_is_linear_and_lints_are_per_file() {
    let d = tmp("d19");
    // 300 bundles beside 300 PEM files in one directory, none of them the same set.
    let (root, _, _, _) = hostile::pki(HOST, 0);
    let other = hostile::pki(HOST, 0).0;
    for i in 0..300 {
        write(&d, &format!("p{i}.pem"), &pem(&root));
        std::fs::write(d.join(format!("b{i}.der")), &other).expect("write");
    }
    let (_, v, took) = scan(&d);
    assert!(took < Duration::from_secs(30), "{took:?}");
    let mismatch = lints(&v)
        .iter()
        .filter(|(k, _, _)| k == "bundle-mismatch")
        .count();
    assert!(
        mismatch <= 300,
        "{mismatch} bundle-mismatch lints for 300 bundles"
    );
    // 1,000 RSA keys with random moduli (small shared factors everywhere): at most one
    // shared-factor lint per key.
    let d = tmp("d19b");
    let certs = random_moduli(1_000);
    write(&d, "keys.pem", &certs);
    let (_, v, took) = scan(&d);
    assert!(took < Duration::from_secs(60), "{took:?}");
    let weak = lints(&v).iter().filter(|(k, _, _)| k == "weak-key").count();
    assert!(
        (1..=1_000).contains(&weak),
        "{weak} weak-key lints for 1,000 keys"
    );
}

/// `n` certificates of one RSA-2048 root with their moduli replaced by random odd numbers.
fn random_moduli(n: usize) -> String {
    let store = anchorkit::store::Store::mozilla();
    let rsa = store
        .roots()
        .iter()
        .filter_map(|r| r.anchor.cert.as_ref())
        .find(|c| matches!(c.key, anchorkit::cert::KeyKind::Rsa { bits: 2048, .. }))
        .expect("an RSA-2048 root")
        .der()
        .to_vec();
    // The modulus: 0x02 0x82 0x01 0x01 0x00, then 256 bytes.
    let at = rsa
        .windows(5)
        .position(|w| w == [0x02, 0x82, 0x01, 0x01, 0x00])
        .expect("modulus")
        + 5;
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut out = String::new();
    for _ in 0..n {
        let mut der = rsa.clone();
        for b in &mut der[at..at + 256] {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            *b = seed as u8;
        }
        der[at] |= 0x80;
        der[at + 255] |= 1;
        out.push_str(&pem_lossy(&der));
    }
    out
}

fn pem_lossy(der: &[u8]) -> String {
    use base64::Engine;
    let b = base64::engine::general_purpose::STANDARD.encode(der);
    let mut s = String::from("-----BEGIN CERTIFICATE-----\n");
    for c in b.as_bytes().chunks(64) {
        s.push_str(&String::from_utf8_lossy(c));
        s.push('\n');
    }
    s + "-----END CERTIFICATE-----\n"
}

// ---------------------------------------------------------------------------------------
// 3, 8, 9, 18, 24, 25: plan, check and bundle over a lifetime.

/// A chain whose root expires 2030-01-01, before the end of a 2024-06-01 + 10 y life; the
/// intermediate expires 2028, the leaf 2025 (the server renews those).
fn short_root(d: &Path) -> (String, String) {
    let (r, i, l) = pki(
        (t(2024, 1, 1), t(2030, 1, 1)),
        (t(2024, 1, 1), t(2028, 1, 1)),
        (t(2024, 1, 1), t(2025, 1, 1)),
    );
    (
        write(d, "short_root.pem", &pem(&r.der)),
        write(d, "short_full.pem", &(pem(&l.der) + &pem(&i.der))),
    )
}

#[test]
fn d03_a_root_that_expires_mid_life_breaks_a_time_checking_device() {
    let d = tmp("d03");
    let (trust, chain) = short_root(&d);
    let common = [
        "--trust",
        trust.as_str(),
        "--chain",
        chain.as_str(),
        "--at",
        "2024-06-01",
        "--profile",
        "esp-idf-5.3",
        "--time-check",
        "on",
    ];
    let mut args = vec!["plan", "--lifetime", "10y"];
    args.extend(common);
    let (_, out, err, _) = run(&args);
    assert!(out.contains("BREAKS 2030-01-01"), "{out}{err}");
    assert!(out.contains("Hostile Root expired"), "{out}");
    let mut args = vec!["check", "--horizon", "10y"];
    args.extend(common);
    let (code, out, err, _) = run(&args);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("2030-01-01"), "{out}");
    // The device that does not check dates is fine.
    let (code, _, _, _) = run(&[
        "check",
        "--trust",
        &trust,
        "--chain",
        &chain,
        "--at",
        "2024-06-01",
        "--profile",
        "esp-idf-5.3",
        "--horizon",
        "10y",
    ]);
    assert_eq!(code, Some(0));
}

#[test]
fn d08_a_pinned_intermediate_works_until_it_is_rotated() {
    let d = tmp("d08");
    let (_, i, l) = long_pki();
    let trust = write(&d, "pin_int.pem", &pem(&i.der));
    let chain = write(&d, "pin_full.pem", &(pem(&l.der) + &pem(&i.der)));
    let (code, _, err, _) = run(&[
        "verify",
        "--trust",
        &trust,
        "--chain",
        &chain,
        "--at",
        "2024-06-01",
        "--host",
        HOST,
    ]);
    assert_eq!(code, Some(0), "{err}");
    let (code, out, err, _) = run(&[
        "check",
        "--trust",
        &trust,
        "--chain",
        &chain,
        "--at",
        "2024-06-01",
        "--profile",
        "esp-idf-5.3",
    ]);
    assert_ne!(
        code,
        Some(2),
        "broken now, while verify accepts: {out}{err}"
    );
}

#[test]
fn d09_bundle_with_events_never_writes_a_set_it_says_breaks() {
    let d = tmp("d09");
    let (r, i, l) = long_pki();
    // The CA announces its move to another root in 2027.
    let (r2, i2, _) = long_pki();
    let chain = write(&d, "full.pem", &(pem(&l.der) + &pem(&i.der)));
    let root_a = write(&d, "a.pem", &pem(&r.der));
    let root_b = write(&d, "b.pem", &pem(&r2.der));
    let certs = write(&d, "i2.pem", &pem(&i2.der));
    let events = write(
        &d,
        "brk.json",
        &serde_json::json!({
            "schema": "anchorkit.events/1",
            "cas": [{"id": "adv", "name": "Adv", "issuer_organizations": ["anchorkit test"]}],
            "events": [{"date": "2027-06-01", "kind": "chain-change", "ca": "adv", "key": "any",
                "status": "announced", "chain": [hex(&i2.der)], "text": "the move", "source": "test"}]
        })
        .to_string(),
    );
    let out = d.join("b.out.pem");
    let o = out.to_str().unwrap_or("");
    let base = [
        "bundle",
        "--chain",
        chain.as_str(),
        "--extra",
        root_a.as_str(),
        "--extra",
        root_b.as_str(),
        "--events",
        events.as_str(),
        "--certs",
        certs.as_str(),
        "--at",
        "2025-01-01",
        "--until",
        "2033-01-01",
        "--format",
        "pem",
        "-o",
        o,
    ];
    let (code, text, err, _) = run(&base);
    // Both roots written, or nothing written and exit 1 with the break named.
    let written = std::fs::read_to_string(&out).unwrap_or_default();
    let n = written.matches("BEGIN CERTIFICATE").count();
    match code {
        Some(0) => assert_eq!(n, 2, "{text}{err}"),
        Some(1) => {
            assert_eq!(n, 0, "written although it breaks: {text}");
            assert!(format!("{text}{err}").contains("2027-06-01"), "{text}{err}");
        }
        c => panic!("{c:?}: {text}{err}"),
    }
    // A profile that events do not apply to: said so.
    let _ = std::fs::remove_file(&out);
    let mut args = base.to_vec();
    args.extend(["--profile", "webpki"]);
    let (_, text, err, _) = run(&args);
    assert!(
        format!("{text}{err}").contains("not Mbed TLS based"),
        "{text}{err}"
    );
}

#[test]
fn d18_planning_grows_linearly_with_the_events() {
    // The planner indexes the changes per CA once and binary-searches each date: ten times
    // the events is about ten times the parse, not a hundred times the judging (10,000
    // events took 2.6 s, 100,000 took 238 s before). The speed itself is the benchmark's
    // (`cargo bench -p anchorkit --bench plan`, 10^6 events); this test measures the growth.
    let d = tmp("d18");
    let (r, i, l) = long_pki();
    let chain = write(&d, "full.pem", &(pem(&l.der) + &pem(&i.der)));
    let trust = write(&d, "r.pem", &pem(&r.der));
    let sha = hex(&i.der);
    let plan = |n: usize| {
        let mut ev = String::from(
            "{\"schema\":\"anchorkit.events/1\",\"cas\":[{\"id\":\"adv\",\"name\":\"Adv\",\"issuer_organizations\":[\"anchorkit test\"]}],\"events\":[",
        );
        for k in 0..n {
            if k > 0 {
                ev.push(',');
            }
            // A distinct time per event (ten minutes apart): every event is a date to judge.
            let date = anchorkit::cert::format_time(t(2024, 7, 1) + k as i64 * 600);
            ev.push_str(&format!(
                "{{\"date\":\"{date}\",\"kind\":\"chain-change\",\"ca\":\"adv\",\"key\":\"any\",\"status\":\"announced\",\"chain\":[\"{sha}\"],\"text\":\"t\",\"source\":\"s\"}}"
            ));
        }
        ev.push_str("]}");
        let events = write(&d, &format!("ev{n}.json"), &ev);
        let (code, out, err, took) = run(&[
            "plan",
            "--trust",
            &trust,
            "--chain",
            &chain,
            "--events",
            &events,
            "--at",
            "2024-06-01",
        ]);
        assert_eq!(code, Some(0), "{n}: {out}{err}");
        took
    };
    let small = plan(4_000);
    let large = plan(40_000);
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(0.01);
    assert!(
        ratio < 30.0,
        "4,000 events: {small:?}, 40,000: {large:?} (x{ratio:.1})"
    );
}

#[test]
fn d23_targets_details() {
    let (_, int, leaf, _) = hostile::pki(HOST, 0);
    let d = tmp("d23");
    let ok = hostile::tls(Tls::Tls12Chain {
        chain: vec![leaf, int],
    });
    let a = addr(&ok);
    // A duplicate line is probed once.
    let list = write(&d, "t.txt", &format!("{a}\n{a}\n# comment\n{a}  # again\n"));
    let (code, out, err, _) = run(&["probe", "--targets", &list]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    // A resume file whose last line was cut: the endpoint is probed again, on a line of its
    // own.
    let other = hostile::tls(Tls::Tls12Chain {
        chain: vec![hostile::pki(HOST, 0).2],
    });
    let b = addr(&other);
    let list = write(&d, "t2.txt", &format!("{a}\n{b}\n"));
    let out_file = d.join("out.jsonl");
    let first = format!("{{\"target\":\"{a}\",\"certificates\":[]}}\n{{\"target\":\"{b}\",\"cert");
    std::fs::write(&out_file, &first).expect("write");
    let o = out_file.to_str().unwrap_or("");
    let (code, _, err, _) = run(&["probe", "--targets", &list, "--output", o]);
    assert_eq!(code, Some(0), "{err}");
    let text = std::fs::read_to_string(&out_file).unwrap_or_default();
    let last: Vec<&str> = text.lines().collect();
    let v: Value = serde_json::from_str(last[last.len() - 1]).expect("the new record is whole");
    assert_eq!(v["target"], b);
    // --output through a link, or onto the target list itself: refused.
    let link = d.join("link.jsonl");
    std::os::unix::fs::symlink(&out_file, &link).expect("link");
    let (code, _, _, _) = run(&[
        "probe",
        "--targets",
        &list,
        "--output",
        link.to_str().unwrap_or(""),
    ]);
    assert_eq!(code, Some(2));
    let (code, _, _, _) = run(&["probe", "--targets", &list, "--output", &list]);
    assert_eq!(code, Some(2));
}

#[test]
fn d24_events_are_validated() {
    let d = tmp("d24");
    let (trust, chain) = short_root(&d);
    let ev = |e: Value, cas: Value| {
        serde_json::json!({"schema": "anchorkit.events/1", "cas": cas, "events": [e]}).to_string()
    };
    let adv = serde_json::json!([{"id": "adv", "name": "Adv", "issuer_organizations": ["anchorkit test"]}]);
    let base = serde_json::json!({"date": "2027-01-01", "kind": "lifetime", "ca": "adv", "key": "any",
        "status": "announced", "days": 90, "text": "t", "source": "s"});
    let with = |k: &str, v: Value| {
        let mut e = base.clone();
        e[k] = v;
        e
    };
    for (name, text, want) in [
        (
            "negative days",
            ev(with("days", (-5).into()), adv.clone()),
            "days",
        ),
        (
            "huge days",
            ev(with("days", i64::MAX.into()), adv.clone()),
            "days",
        ),
        (
            "free status",
            ev(with("status", "whatever".into()), adv.clone()),
            "status",
        ),
        (
            "year 0",
            ev(with("date", "0000-01-01".into()), adv.clone()),
            "1950",
        ),
        (
            "window before",
            ev(with("window_end", "2026-01-01".into()), adv.clone()),
            "window_end",
        ),
        (
            "built-in id",
            ev(
                base.clone(),
                serde_json::json!([{"id": "letsencrypt", "name": "Mine", "issuer_organizations": []}]),
            ),
            "letsencrypt",
        ),
    ] {
        let f = write(&d, "ev.json", &text);
        let (code, _, err, _) =
            run(&["plan", "--trust", &trust, "--chain", &chain, "--events", &f]);
        assert_eq!(code, Some(2), "{name}: {err}");
        assert!(err.contains(want), "{name}: {err}");
    }
    // A byte-order mark is read past.
    let f = write(
        &d,
        "bom.json",
        &format!("\u{feff}{}", ev(base.clone(), adv)),
    );
    let (code, _, err, _) = run(&["plan", "--trust", &trust, "--chain", &chain, "--events", &f]);
    assert_ne!(code, Some(2), "{err}");
}

#[test]
fn d25_echoes_are_bounded_and_dates_stay_dates() {
    let d = tmp("d25");
    let (trust, chain) = short_root(&d);
    // An invalid event with 5 MB of text: the error quotes a little of it.
    let text = "x".repeat(5_000_000);
    let f = write(
        &d,
        "ev.json",
        &serde_json::json!({"schema": "anchorkit.events/1", "events": [
            {"date": "2027-01-01", "kind": "nonsense", "ca": "adv", "text": text}]})
        .to_string(),
    );
    let (code, out, err, _) = run(&["plan", "--trust", &trust, "--chain", &chain, "--events", &f]);
    assert_eq!(code, Some(2));
    assert!(
        out.len() + err.len() < 4_000,
        "{} bytes echoed",
        out.len() + err.len()
    );
    // A 70,000-character --sni.
    let sni = "a".repeat(70_000);
    let (code, _, err, _) = run(&["probe", "127.0.0.1:1", "--sni", &sni]);
    assert_eq!(code, Some(2));
    assert!(err.len() < 2_000, "{} bytes", err.len());
    // An end of life past 9999: refused, never a number shown as a date.
    let (code, out, err, _) = run(&[
        "plan",
        "--trust",
        &trust,
        "--chain",
        &chain,
        "--at",
        "9500-01-01",
        "--lifetime",
        "900y",
    ]);
    assert_eq!(code, Some(2), "{out}");
    assert!(err.contains("9999-12-31"), "{err}");
    // Two roots of one name in diff: told apart by key.
    let r1 = Node::root(&Spec::ca("Same Name Root"), Alg::P256);
    let r2 = Node::root(&Spec::ca("Same Name Root"), Alg::P256);
    let a = write(&d, "a.pem", &pem(&r1.der));
    let b = write(&d, "b.pem", &pem(&r2.der));
    let (_, out, _, _) = run(&["diff", &a, &b]);
    let plus = out
        .lines()
        .find(|l| l.contains("+ Same Name Root"))
        .unwrap_or("");
    let minus = out
        .lines()
        .find(|l| l.contains("- Same Name Root"))
        .unwrap_or("");
    assert!(
        plus.contains("key sha256") && minus.contains("key sha256"),
        "{out}"
    );
    assert_ne!(plus.replace('+', ""), minus.replace('-', ""), "{out}");
    // Input FIFOs are refused, not waited on.
    let fifo = d.join("fifo.json");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()));
    let fp = fifo.to_str().unwrap_or("");
    for args in [
        vec![
            "plan",
            "--trust",
            trust.as_str(),
            "--chain",
            chain.as_str(),
            "--events",
            fp,
        ],
        vec!["diff", fp, a.as_str()],
    ] {
        let (code, _, err, took) = run(&args);
        assert_eq!(code, Some(2), "{args:?}");
        assert!(err.contains("FIFO"), "{err}");
        assert!(took < Duration::from_secs(3));
    }
}
