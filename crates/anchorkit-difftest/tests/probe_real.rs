//! `probe --profile esp-idf-4.4` against servers that mimic the user story's thread (TLS 1.3
//! only; TLS 1.2 with AES-CCM only; a 20 KB chain): whether the device connects must equal
//! what the real Mbed TLS 2.28 client decides against the same server.

use std::time::Duration;

use anchorkit::probe::device::handshake;
use anchorkit::probe::{Limits, Target};
use anchorkit::profile::Profile;
use anchorkit_difftest::corpus::Scenario;
use anchorkit_difftest::fixtures;
use anchorkit_difftest::pki::{Alg, Node, Spec, t};
use anchorkit_difftest::real::{Real, Stage, run_at_ports};
use anchorkit_difftest::server::Servers;

const HOST: &str = "device.example.test";

/// The simulation's answer: the server agrees to the device's hello and the Certificate
/// message fits the device's input buffer.
fn simulated(port: u16, chain_len: usize, p: &Profile) -> bool {
    let mut target = Target::parse(&format!("127.0.0.1:{port}")).expect("target");
    target.sni = Some(HOST.into());
    let mut ok = false;
    for _ in 0..50 {
        if let Ok(a) = handshake(&target, p, Limits::default()) {
            ok = a.agrees;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let fits = p
        .build
        .as_ref()
        .is_none_or(|b| chain_len <= b.in_content_len as usize);
    ok && fits
}

#[test]
fn esp_idf_4_4_connects_where_real_mbedtls_2_28_does() {
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
    let spawn = |args: &[&str]| fixtures::s_server(args, &cert, &key, None);
    let (_a, tls13) = spawn(&["-tls1_3"]);
    let (_b, ccm) = spawn(&["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-CCM"]);
    // A 20 KB chain from an in-process server.
    let root = Node::root(&Spec::ca("Big Root"), Alg::P256);
    let big = fixtures::big_leaf_spec(HOST);
    let leaf = root.issue(&big, Alg::P256);
    let big_s = Scenario {
        name: "big".into(),
        trust: vec![root.der.clone()],
        chain: vec![leaf.der.clone()],
        host: Some(HOST.into()),
        at: t(2030, 1, 1),
    };
    let servers = Servers::start(std::slice::from_ref(&big_s));
    let small = Scenario {
        name: "s_server".into(),
        trust: vec![der.clone()],
        chain: vec![der.clone()],
        host: Some(HOST.into()),
        at: now,
    };
    let profile = Profile::by_name("esp-idf-4.4").expect("profile");
    let small_len = 7 + 3 + der.len();
    let big_len = 7 + 3 + leaf.der.len();
    let cases = [
        ("tls1.3 only", small.clone(), tls13, small_len),
        ("tls1.2 ccm only", small.clone(), ccm, small_len),
        ("20 KB chain", big_s.clone(), servers.port(0), big_len),
    ];
    // Wait for the s_servers.
    for (_, _, port, len) in &cases {
        let _ = simulated(*port, *len, &profile);
    }
    let scenarios: Vec<Scenario> = cases.iter().map(|c| c.1.clone()).collect();
    let ports: Vec<u16> = cases.iter().map(|c| c.2).collect();
    let real = run_at_ports(Real::Mbedtls228, &scenarios, &ports);
    for ((name, _, port, len), o) in cases.iter().zip(&real) {
        let real_connects = o.stage != Stage::Pre && o.code != "-28800" && o.code != "-29184";
        let sim = simulated(*port, *len, &profile);
        eprintln!(
            "{name}: real {} {:?} {:?}, simulated {sim}",
            o.code, o.flags, o.stage
        );
        assert_eq!(
            sim, real_connects,
            "{name}: probe says {sim}, real Mbed TLS 2.28: {} {:?} {:?}",
            o.code, o.flags, o.stage
        );
    }
    drop(servers);
    let _ = std::fs::remove_dir_all(&dir);
}
