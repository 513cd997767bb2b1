//! Hostile servers against the real libraries: what a device does with a warning alert
//! before the ServerHello, a second ServerHello and a server that picks TLS 1.0 or 1.1,
//! against what `anchorkit probe` says the device does. The empty and damaged Certificate
//! messages are in the differential corpus (`read-empty-certificate-message`, ...).

use anchorkit::probe::device::handshake;
use anchorkit::probe::{Limits, ProbeError, Target, capture};
use anchorkit::profile::Profile;
use anchorkit_difftest::corpus::Scenario;
use anchorkit_difftest::hostile::{self, Tls};
use anchorkit_difftest::real::{Real, Stage, run_at_ports};

const HOST: &str = "device.example.test";

fn target(port: u16) -> Target {
    let mut t = Target::parse(&format!("127.0.0.1:{port}")).expect("target");
    t.sni = Some(HOST.into());
    t
}

/// One row: a server behaviour; what each real client does (Mbed TLS 3.6 as ESP-IDF 5.4
/// builds it, Mbed TLS 2.28 with TLS 1.0-1.2 on as ESP-IDF 4.4 builds it): whether it gets
/// to the certificate stage, and its error there or before; what the probe's capture does.
struct Row {
    name: &'static str,
    server: fn(Vec<Vec<u8>>) -> Tls,
    /// (reaches the certificate stage, code) for Mbed TLS 3.6 and 2.28.
    mbedtls36: (bool, &'static str),
    mbedtls228: (bool, &'static str),
    /// The capture succeeds (the chain is read).
    captured: bool,
}

#[test]
fn the_probe_sees_hostile_servers_as_the_device_does() {
    let (root, _int, leaf, _key) = hostile::pki(HOST, 0);
    let rows = [
        Row {
            // Read past, as Mbed TLS reads past a non-fatal alert: the leaf alone is then
            // not trusted (its intermediate is missing).
            name: "warning-alert-first",
            server: |chain| Tls::WarningAlertFirst {
                then: Box::new(Tls::Tls12Chain { chain }),
            },
            mbedtls36: (true, "-9984"),
            mbedtls228: (true, "-9984"),
            captured: true,
        },
        Row {
            name: "two-server-hellos",
            server: |chain| Tls::TwoServerHellos { chain },
            // UNEXPECTED_MESSAGE (3.6), BAD_HS_CERTIFICATE (2.28).
            mbedtls36: (true, "-30464"),
            mbedtls228: (true, "-31232"),
            captured: false,
        },
        Row {
            // Mbed TLS 3.6 has no TLS 1.0 (BAD_PROTOCOL_VERSION before any certificate);
            // 2.28 as ESP-IDF 4.4 builds it offers TLS 1.0 and reads the chain.
            name: "tls-1.0",
            server: |chain| Tls::OldVersion {
                version: 0x0301,
                chain,
            },
            mbedtls36: (false, "-28288"),
            mbedtls228: (true, "-9984"),
            captured: true,
        },
        Row {
            name: "tls-1.1",
            server: |chain| Tls::OldVersion {
                version: 0x0302,
                chain,
            },
            mbedtls36: (false, "-28288"),
            mbedtls228: (true, "-9984"),
            captured: true,
        },
    ];
    let peers: Vec<hostile::Peer> = rows
        .iter()
        .map(|r| hostile::tls((r.server)(vec![leaf.clone()])))
        .collect();
    let ports: Vec<u16> = peers.iter().map(|p| p.port).collect();
    let scenarios: Vec<Scenario> = rows
        .iter()
        .map(|r| Scenario {
            name: r.name.into(),
            trust: vec![root.clone()],
            chain: Vec::new(),
            host: Some(HOST.into()),
            at: 1_800_000_000,
        })
        .collect();
    let mut failures = Vec::new();
    for (real, profile, pick) in [
        (
            Real::EspCertPem,
            "esp-idf-5.4",
            (|r: &Row| r.mbedtls36) as fn(&Row) -> (bool, &'static str),
        ),
        (Real::Mbedtls228, "esp-idf-4.4", |r: &Row| r.mbedtls228),
    ] {
        let p = Profile::by_name(profile).expect("profile");
        let outcomes = run_at_ports(real, &scenarios, &ports);
        for ((row, o), port) in rows.iter().zip(&outcomes).zip(&ports) {
            let (cert_stage, code) = pick(row);
            let real_cert_stage = matches!(o.stage, Stage::Cert | Stage::Post | Stage::Done);
            if real_cert_stage != cert_stage || o.code != code {
                failures.push(format!(
                    "{} / {}: the table says ({cert_stage}, {code}), the library did {o:?}",
                    real.name(),
                    row.name
                ));
            }
            // The probe's device hello: the device gets past the ServerHello exactly when
            // the real library reaches the certificate stage.
            match handshake(&target(*port), &p, Limits::default()) {
                Ok(a) if a.agrees != cert_stage && row.captured => failures.push(format!(
                    "{profile} / {}: the probe says the device {} ({}), the library reached the certificate stage: {cert_stage}",
                    row.name,
                    if a.agrees { "goes on" } else { "stops" },
                    a.text
                )),
                Ok(_) => {}
                Err(e) if row.captured => {
                    failures.push(format!("{profile} / {}: device hello failed: {e}", row.name))
                }
                Err(_) => {}
            }
        }
    }
    for (row, port) in rows.iter().zip(&ports) {
        match capture(&target(*port), Limits::default()) {
            Ok(c) if row.captured => {
                if c.certificates != vec![leaf.clone()] {
                    failures.push(format!("{}: captured {:?}", row.name, c.certificates.len()));
                }
                if row.name.starts_with("tls-1.") && c.version != row.name.replace("tls-", "TLS ") {
                    failures.push(format!("{}: reported as {}", row.name, c.version));
                }
            }
            Ok(_) => failures.push(format!("{}: captured, but the device stops", row.name)),
            Err(e) if row.captured => failures.push(format!("{}: {e}", row.name)),
            Err(ProbeError::Protocol { detail, .. }) => {
                assert!(detail.contains("second ServerHello"), "{detail}")
            }
            Err(e) => failures.push(format!("{}: {e}", row.name)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A TLS 1.3-only server (real rustls): ESP-IDF 4.4's Mbed TLS 2.28 gets the alert
/// (-0x7780) before any certificate, as the probe says of that device's hello; the hello of
/// the fix doctor proposes (a TLS 1.3 build) is taken by the server.
#[test]
fn a_tls13_only_server_refuses_mbedtls_2_28_as_the_probe_says() {
    let (root, int, leaf, key) = hostile::pki(HOST, 0);
    let peer = hostile::tls13(vec![leaf, int], key);
    let scenario = Scenario {
        name: "tls13-only".into(),
        trust: vec![root],
        chain: Vec::new(),
        host: Some(HOST.into()),
        at: 1_800_000_000,
    };
    let o = &run_at_ports(Real::Mbedtls228, &[scenario], &[peer.port])[0];
    assert_eq!((o.code.as_str(), o.stage), ("-30592", Stage::Pre), "{o:?}");
    let p = Profile::by_name("esp-idf-4.4").expect("profile");
    let a = handshake(&target(peer.port), &p, Limits::default()).expect("hello");
    assert!(!a.agrees, "{}", a.text);
    let variants = anchorkit::diagnose::protocol_variants(&p);
    assert!(!variants.is_empty());
    for (change, v) in variants {
        let a = handshake(&target(peer.port), &v, Limits::default()).expect("hello");
        assert!(a.agrees, "{change}: {}", a.text);
    }
}
