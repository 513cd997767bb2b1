//! doctor's models of what is not a chain decision, against the real Mbed TLS 3.6 (the
//! harness counts and caps its heap, and reads application data after the handshake).

use std::path::Path;
use std::process::{Command, Stdio};

use anchorkit::anchor::TrustAnchor;
use anchorkit::cert::Certificate;
use anchorkit::intake::Origin;
use anchorkit::profile::Profile;
use anchorkit_difftest::corpus::Scenario;
use anchorkit_difftest::fixtures::{Killed, free_port};
use anchorkit_difftest::pki::{Alg, Node, Spec, t};
use anchorkit_difftest::real::{Extras, Real, Stage, run_mbedtls36_extras};

const HOST: &str = "device.example.test";

struct Pki {
    root: Node,
    int: Node,
    leaf: Node,
}

fn pki(alg: Alg, tag: &str) -> Pki {
    let root = Node::root(&Spec::ca(&format!("{tag} Root")), alg);
    let mut is = Spec::ca(&format!("{tag} Intermediate"));
    is.ca = Some(Some(0));
    let int = root.issue(&is, alg);
    let mut ls = Spec::leaf(HOST);
    ls.not_after = t(2040, 1, 1);
    let leaf = int.issue(&ls, alg);
    Pki { root, int, leaf }
}

fn pem(der: &[u8]) -> String {
    Certificate::from_der(der)
        .map(|c| c.to_pem())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// `openssl s_server -WWW` in `dir` (serving its files) with the PKI's leaf, key and chain;
/// TLS 1.2 (the harness client's version).
fn www(dir: &Path, p: &Pki) -> (Killed, u16) {
    std::fs::create_dir_all(dir).expect("dir");
    std::fs::write(dir.join("leaf.pem"), pem(&p.leaf.der)).expect("write");
    std::fs::write(dir.join("leaf.key"), p.leaf.key_pem()).expect("write");
    std::fs::write(dir.join("int.pem"), pem(&p.int.der)).expect("write");
    let port = free_port();
    let child = Command::new("openssl")
        .current_dir(dir)
        .args(["s_server", "-quiet", "-WWW", "-tls1_2", "-accept"])
        .arg(port.to_string())
        .args([
            "-cert",
            "leaf.pem",
            "-key",
            "leaf.key",
            "-cert_chain",
            "int.pem",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl s_server");
    // Until it listens.
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    (Killed(child), port)
}

fn scenario(p: &Pki) -> Scenario {
    Scenario {
        name: "doctor".into(),
        trust: vec![p.root.der.clone()],
        chain: Vec::new(),
        host: Some(HOST.into()),
        at: t(2030, 1, 1),
    }
}

fn certs(p: &Pki) -> (Vec<Certificate>, Vec<TrustAnchor>) {
    let c = |d: &[u8]| Certificate::from_der(d).expect("cert");
    (
        vec![c(&p.leaf.der), c(&p.int.der)],
        vec![TrustAnchor::from_cert(
            c(&p.root.der),
            Origin::builtin("root", 0),
        )],
    )
}

#[test]
fn the_heap_model_is_within_its_margin_of_the_real_peak() {
    let dir = std::env::temp_dir().join(format!("ak-doctor-real-heap-{}", std::process::id()));
    let mut rows = Vec::new();
    for (alg, tag) in [
        (Alg::P256, "EC"),
        (Alg::Rsa2048, "RSA"),
        (Alg::P384, "P384"),
    ] {
        let p = pki(alg, tag);
        let (_srv, port) = www(&dir.join(tag), &p);
        let (chain, trust) = certs(&p);
        for (real, profile) in [
            (Real::EspCertPem, "esp-idf-5.4"),
            (Real::EspCertPemIn4096, "esp-idf-5.4"),
        ] {
            let mut prof = Profile::by_name(profile).expect("profile");
            if real == Real::EspCertPemIn4096 {
                let s = anchorkit_difftest::in_4096_sdkconfig();
                prof = prof.with_sdkconfig("in4096", &s).expect("sdkconfig");
            }
            let need = anchorkit::diagnose::heap_need(&prof, &chain, &trust).expect("need");
            let out = run_mbedtls36_extras(real, &[scenario(&p)], &[port], &[Extras::default()]);
            let (o, peak) = &out[0];
            assert!(matches!(o.stage, Stage::Done | Stage::Post), "{tag}: {o:?}");
            let off = need.bytes.abs_diff(*peak) * 100 / (*peak).max(1);
            rows.push(format!(
                "{tag:<5} {:<28} model {:>6} real {:>6} ({off}% off)",
                real.name(),
                need.bytes,
                peak
            ));
            assert!(
                off <= anchorkit::diagnose::HEAP_MARGIN_PERCENT,
                "{}",
                rows.join("\n")
            );
            // The heap doctor proposes is enough for the real library; well under the
            // estimate, the real library fails.
            let set = anchorkit::diagnose::heap_to_set(&need);
            let capped = run_mbedtls36_extras(
                real,
                &[scenario(&p), scenario(&p)],
                &[port, port],
                &[
                    Extras {
                        heap_cap: Some(set),
                        read: None,
                    },
                    Extras {
                        heap_cap: Some(need.bytes / 2),
                        read: None,
                    },
                ],
            );
            assert!(
                matches!(capped[0].0.stage, Stage::Done | Stage::Post),
                "{tag} with the proposed {set} bytes: {:?}",
                capped[0]
            );
            assert!(
                !matches!(capped[1].0.stage, Stage::Done | Stage::Post),
                "{tag} with half the need: {:?}",
                capped[1]
            );
        }
    }
    eprintln!("{}", rows.join("\n"));
}

#[test]
fn application_records_against_the_input_buffer_as_the_model_says() {
    let dir = std::env::temp_dir().join(format!("ak-doctor-real-read-{}", std::process::id()));
    let p = pki(Alg::P256, "Read");
    // An OTA image: the server writes it in full 16 KiB records.
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("big"), vec![0x5Au8; 100_000]).expect("write");
    let (_srv, port) = www(&dir, &p);
    for (real, in_len) in [
        (Real::EspCertPem, 16_384u32),
        (Real::EspCertPemIn4096, 4_096),
    ] {
        let out = run_mbedtls36_extras(
            real,
            &[scenario(&p)],
            &[port],
            &[Extras {
                heap_cap: None,
                read: Some(60_000),
            }],
        );
        let (o, _) = &out[0];
        assert_eq!(o.stage, Stage::Read, "{}: {o:?}", real.name());
        let want = anchorkit::diagnose::app_record_error(in_len)
            .map_or("0".to_string(), |c| c.to_string());
        assert_eq!(
            o.code,
            want,
            "{}: the model says {want}, the library {o:?}",
            real.name()
        );
    }
}

/// A heap just short of what the handshake needs: the real Mbed TLS fails a signature check
/// it cannot allocate for and reports a chain it cannot verify (-0x2700 NOT_TRUSTED), which
/// is why a -0x2700 in a log is a memory candidate; well short, its allocation errors.
#[test]
fn a_heap_just_short_of_the_need_gives_not_trusted() {
    let dir = std::env::temp_dir().join(format!("ak-doctor-real-short-{}", std::process::id()));
    let p = pki(Alg::P256, "Short");
    let (_srv, port) = www(&dir, &p);
    let full = run_mbedtls36_extras(
        Real::EspCertPem,
        &[scenario(&p)],
        &[port],
        &[Extras::default()],
    );
    let peak = full[0].1;
    let caps = [peak - 1_500, peak / 2];
    let out = run_mbedtls36_extras(
        Real::EspCertPem,
        &[scenario(&p), scenario(&p)],
        &[port, port],
        &caps.map(|c| Extras {
            heap_cap: Some(c),
            read: None,
        }),
    );
    assert_eq!(
        (out[0].0.code.as_str(), out[0].0.flags),
        ("-9984", Some(8)),
        "{:?}",
        out[0]
    );
    let code: i64 = out[1].0.code.parse().unwrap_or(0);
    assert!(
        anchorkit::diagnose::MBEDTLS_HEAP_CODES.contains(&code),
        "{:?} is not among the codes doctor's memory class names",
        out[1]
    );
}
