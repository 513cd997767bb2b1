//! `probe --profile` against servers that mimic the user story's thread (TLS 1.3 only; TLS
//! 1.2 with AES-CCM only; a 20 KB chain) and against records and chains sized around a device's
//! input buffer: whether the device connects, and with which error it fails, must equal what
//! the real Mbed TLS client decides against the same server. Clients: Debian's Mbed TLS 2.28
//! (ESP-IDF 4.4's library: no handshake reassembly), Mbed TLS 3.6.5 as ESP-IDF 5.4's esp-tls
//! sets it up, the same with CONFIG_MBEDTLS_SSL_IN_CONTENT_LEN=4096, and BearSSL 0.6 as the
//! ESP8266 core's client (its own hello; a full-size buffer).

use std::time::Duration;

use anchorkit::probe::device::handshake;
use anchorkit::probe::findings::device_buffer;
use anchorkit::probe::{Limits, Target, capture};
use anchorkit::profile::Profile;
use anchorkit_difftest::corpus::Scenario;
use anchorkit_difftest::fixtures;
use anchorkit_difftest::pki::{Alg, Node, Spec, t};
use anchorkit_difftest::real::{Real, Stage, run_at_ports};
use anchorkit_difftest::server::Servers;

const HOST: &str = "device.example.test";

/// The simulation: does the device connect (the server agrees to its hello and its input
/// buffer takes the records and the Certificate message), and the error predicted when the
/// buffer does not.
fn simulated(port: u16, p: &Profile) -> (bool, Option<i32>, usize) {
    let mut target = Target::parse(&format!("127.0.0.1:{port}")).expect("target");
    target.sni = Some(HOST.into());
    for _ in 0..50 {
        let (Ok(a), Ok(c)) = (
            handshake(&target, p, Limits::default()),
            capture(&target, Limits::default()),
        ) else {
            std::thread::sleep(Duration::from_millis(100));
            continue;
        };
        let buffer = device_buffer(&c, p);
        return (
            a.agrees && buffer.is_none(),
            buffer.map(|b| b.code),
            c.largest_record,
        );
    }
    panic!("127.0.0.1:{port} never answered");
}

/// An RSA-2048 key and a self-signed certificate for `cn` (openssl command).
fn rsa_self_signed(dir: &std::path::Path, cn: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    std::fs::create_dir_all(dir).expect("dir");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let ok = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
        ])
        .args(["-subj", &format!("/CN={cn}"), "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "openssl req");
    (cert, key)
}

#[test]
fn device_profiles_connect_where_real_mbedtls_does() {
    let dir = std::env::temp_dir().join(format!("ak-probe-real-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let (cert, key) = fixtures::self_signed(&dir, HOST);
    let der = anchorkit::intake::read_path(&cert).expect("cert")[0]
        .cert()
        .expect("cert")
        .der()
        .to_vec();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    // A 3 KB extra certificate for the server that cuts its records at 1 KB.
    let root = Node::root(&Spec::ca("Sized Root"), Alg::P256);
    let extra = root.issue(
        &fixtures::sized_leaf_spec("extra.example.test", 3000),
        Alg::P256,
    );
    let extra_pem = dir.join("extra.pem");
    let extra_cert = anchorkit::cert::Certificate::from_der(&extra.der).expect("extra");
    std::fs::write(&extra_pem, extra_cert.to_pem()).expect("write");
    let spawn = |args: &[&str], chain: Option<&std::path::Path>| {
        fixtures::s_server(args, &cert, &key, chain)
    };
    let (_a, tls13) = spawn(&["-tls1_3"], None);
    let (_b, ccm) = spawn(&["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-CCM"], None);
    let (_c, split) = spawn(&["-tls1_2", "-max_send_frag", "1024"], Some(&extra_pem));
    // An RSA server that signs its key exchange with RSA-PSS only.
    let (rsa_cert, rsa_key) = rsa_self_signed(&dir.join("rsa"), HOST);
    let rsa_der = anchorkit::intake::read_path(&rsa_cert).expect("cert")[0]
        .cert()
        .expect("cert")
        .der()
        .to_vec();
    let (_d, pss) = fixtures::s_server(
        &[
            "-tls1_2",
            "-sigalgs",
            "rsa_pss_rsae_sha256:rsa_pss_rsae_sha384",
        ],
        &rsa_cert,
        &rsa_key,
        None,
    );
    let (_e, dhe) = fixtures::s_server(
        &["-tls1_2", "-cipher", "DHE-RSA-AES128-GCM-SHA256"],
        &rsa_cert,
        &rsa_key,
        None,
    );
    let small = Scenario {
        name: "s_server".into(),
        trust: vec![der.clone()],
        chain: vec![der.clone()],
        host: Some(HOST.into()),
        at: now,
    };
    // In-process servers: leaves padded to a 20 KB, a 6 KB and a 4.2 KB record
    // (one record of more than the whole 4 KB buffer; one that fits the buffer but not its
    // 4,096 content bytes).
    let sized = |pad: u16, name: &str| {
        let leaf = root.issue(&fixtures::sized_leaf_spec(HOST, pad), Alg::P256);
        Scenario {
            name: name.into(),
            trust: vec![root.der.clone()],
            chain: vec![leaf.der.clone()],
            host: Some(HOST.into()),
            at: t(2030, 1, 1),
        }
    };
    let sized_s = vec![
        sized(20_000, "20 KB chain"),
        sized(6_000, "6 KB chain"),
        sized(3_500, "4.2 KB record"),
    ];
    let servers = Servers::start(&sized_s);
    let mut cases: Vec<(String, Scenario, u16)> = vec![
        ("tls1.3 only".into(), small.clone(), tls13),
        ("tls1.2 ccm only".into(), small.clone(), ccm),
        ("records cut at 1 KB".into(), small.clone(), split),
        (
            "TLS 1.2 RSA-PSS only".into(),
            Scenario {
                name: "pss".into(),
                trust: vec![rsa_der.clone()],
                chain: vec![rsa_der.clone()],
                host: Some(HOST.into()),
                // The RSA certificate was made after `now`.
                at: now + 3600,
            },
            pss,
        ),
    ];
    let pss_s = cases[3].1.clone();
    cases.push(("TLS 1.2 DHE only".into(), pss_s, dhe));
    for (i, s) in sized_s.iter().enumerate() {
        cases.push((s.name.clone(), s.clone(), servers.port(i)));
    }
    // The Mbed TLS 3.6.5 harness is built with DHM and the DHE-RSA suites (ESP-IDF leaves
    // them off by default): its profiles say so through the same sdkconfig options.
    let with_dhe = |sdkconfig: String| {
        let text = sdkconfig.replace(
            "# CONFIG_MBEDTLS_DHM_C is not set",
            "CONFIG_MBEDTLS_DHM_C=y\nCONFIG_MBEDTLS_KEY_EXCHANGE_DHE_RSA=y",
        );
        let p = Profile::by_name("esp-idf-5.4")
            .and_then(|p| p.with_sdkconfig("sdkconfig", &text))
            .expect("profile");
        assert!(
            p.build.as_ref().is_some_and(|b| b
                .key_exchanges
                .contains(&anchorkit::profile::build::KeyExchange::DheRsa)),
            "the sdkconfig did not turn DHE-RSA on"
        );
        p
    };
    let clients = [
        (
            Real::Mbedtls228,
            Profile::by_name("esp-idf-4.4").expect("profile"),
        ),
        (
            Real::EspCertPem,
            with_dhe(anchorkit_difftest::default_sdkconfig()),
        ),
        (
            Real::EspCertPemIn4096,
            with_dhe(anchorkit_difftest::in_4096_sdkconfig()),
        ),
        (Real::Bearssl, Profile::by_name("bearssl").expect("profile")),
    ];
    assert_eq!(
        clients[2].1.build.as_ref().map(|b| b.in_content_len),
        Some(4096),
        "the sdkconfig did not shrink the buffer"
    );
    let scenarios: Vec<Scenario> = cases.iter().map(|c| c.1.clone()).collect();
    let ports: Vec<u16> = cases.iter().map(|c| c.2).collect();
    let mut failures = Vec::new();
    let mut codes = std::collections::BTreeSet::new();
    for (real, profile) in &clients {
        let outcomes = run_at_ports(*real, &scenarios, &ports);
        for ((name, _, port), o) in cases.iter().zip(&outcomes) {
            let real_connects = matches!(o.stage, Stage::Done | Stage::Post);
            let (sim, code, largest) = simulated(*port, profile);
            eprintln!(
                "{:<32} {name:<20} real {} {:?} {:?}; simulated {sim} {code:?} (largest record {largest})",
                real.name(),
                o.code,
                o.flags,
                o.stage
            );
            if sim != real_connects {
                failures.push(format!(
                    "{} / {name}: probe says {sim}, real: {} {:?} {:?}",
                    real.name(),
                    o.code,
                    o.flags,
                    o.stage
                ));
            } else if let Some(c) = code {
                codes.insert(c);
                if o.code != c.to_string() {
                    failures.push(format!(
                        "{} / {name}: probe predicts {c}, real fails with {}",
                        real.name(),
                        o.code
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every buffer failure kind was exercised: -0x7080, -0x7100, -0x7200.
    assert_eq!(
        codes.into_iter().collect::<Vec<_>>(),
        vec![-0x7200, -0x7100, -0x7080],
        "not every buffer failure was exercised"
    );
    drop(servers);
    let _ = std::fs::remove_dir_all(&dir);
}
