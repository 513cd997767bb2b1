//! The user story's real public chain, as each device profile decides it.

use anchorkit::anchor::TrustAnchor;
use anchorkit::cert::{Certificate, parse_time};
use anchorkit::intake::{Found, read_path};
use anchorkit::profile::{Profile, TrustMode};
use anchorkit::testsupport::data;
use anchorkit::verify::{HostCheck, Request, Verdict, verify};

fn certs(rel: &str) -> Vec<Found> {
    read_path(&data(rel)).expect("readable")
}

fn example_leaf() -> Found {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/user-story/cert_pem.c");
    read_path(&p).expect("example")[1].clone()
}

struct Story {
    chain: Vec<Certificate>,
    leaf: TrustAnchor,
    x1: TrustAnchor,
    dst: TrustAnchor,
    at: i64,
}

fn story() -> Story {
    let leaf = example_leaf();
    let r3 = certs("certs/letsencrypt/lets-encrypt-r3.pem");
    let cross = certs("certs/letsencrypt/isrg-root-x1-cross-signed.pem");
    Story {
        chain: vec![
            leaf.cert().expect("leaf").clone(),
            r3[0].cert().expect("r3").clone(),
            cross[0].cert().expect("cross").clone(),
        ],
        leaf: leaf.to_anchor(),
        x1: certs("certs/letsencrypt/isrgrootx1.pem")[0].to_anchor(),
        dst: certs("certs/dst-root-ca-x3.pem")[0].to_anchor(),
        at: parse_time("2022-04-06T00:00:00Z").expect("time"),
    }
}

fn run(p: &Profile, trust: &[TrustAnchor], s: &Story) -> Verdict {
    verify(
        p,
        &Request {
            trust,
            chain: &anchorkit::cert::entries(&s.chain),
            host: HostCheck::Name("optimized.realyze.com"),
            at: s.at,
        },
    )
}

#[test]
fn leaf_as_trust_gives_2700_not_trusted() {
    let s = story();
    for name in [
        "mbedtls-3.6",
        "mbedtls-2.28",
        "esp-idf-4.4",
        "esp-idf-5.3",
        "mbedtls-4",
    ] {
        let v = run(
            &Profile::by_name(name).expect("profile"),
            std::slice::from_ref(&s.leaf),
            &s,
        );
        assert!(!v.ok, "{name}");
        assert_eq!(v.code, "-0x2700", "{name}");
        assert_eq!(v.flags, Some(0x08), "{name}");
        assert_eq!(
            v.code_name.as_deref(),
            Some("MBEDTLS_ERR_X509_CERT_VERIFY_FAILED")
        );
        assert!(
            v.reasons
                .iter()
                .any(|r| r.message().contains("CA-issued leaf")),
            "{name}: {:?}",
            v.reasons
        );
        assert_eq!(v.path.len(), 3, "{name}");
    }
}

#[test]
fn isrg_root_x1_as_trust_passes() {
    let s = story();
    for name in [
        "mbedtls-3.6",
        "mbedtls-2.28",
        "esp-idf-4.4",
        "esp-idf-5.5",
        "webpki",
    ] {
        let v = run(
            &Profile::by_name(name).expect("profile"),
            std::slice::from_ref(&s.x1),
            &s,
        );
        assert!(v.ok, "{name}: {:?}", v.reasons);
        assert_eq!(v.code, "0");
        let a = v.anchor.expect("anchor");
        assert!(a.subject.contains("ISRG Root X1"), "{name}: {}", a.subject);
    }
    // mbedTLS stops at the trusted X1 after R3: the cross-sign is never used.
    let v = run(
        &Profile::by_name("mbedtls-3.6").expect("p"),
        std::slice::from_ref(&s.x1),
        &s,
    );
    assert_eq!(v.path.len(), 3);
    assert_eq!(v.flags, Some(0));
}

#[test]
fn dst_root_ca_x3_fails_with_time_checks_and_passes_without() {
    let s = story();
    let on = Profile::by_name("mbedtls-3.6")
        .expect("p")
        .with_time_check(true);
    let v = run(&on, std::slice::from_ref(&s.dst), &s);
    assert_eq!(v.code, "-0x2700");
    assert_eq!(v.flags.map(|f| f & 0x01), Some(0x01), "{:?}", v.flags);
    let off = on.clone().with_time_check(false);
    let v = run(&off, std::slice::from_ref(&s.dst), &s);
    assert!(v.ok, "{:?}", v.reasons);
    // ESP-IDF's default is time checks off: DST still "works" on an ESP32 in 2022.
    let v = run(
        &Profile::by_name("esp-idf-4.4").expect("p"),
        std::slice::from_ref(&s.dst),
        &s,
    );
    assert!(v.ok);
}

#[test]
fn bundle_mode_looks_up_the_cross_signs_issuer() {
    let s = story();
    let p = Profile::by_name("esp-idf-5.3")
        .expect("p")
        .with_trust_mode(TrustMode::Bundle);
    let v = run(&p, std::slice::from_ref(&s.x1), &s);
    assert_eq!(v.code, "-0x3000", "{:?}", v.reasons);
    assert_eq!(v.flags, Some(u32::MAX));
    assert!(
        v.reasons
            .iter()
            .any(|r| r.message().contains("DST Root CA X3")),
        "{:?}",
        v.reasons
    );
    let v = run(&p, &[s.x1.clone(), s.dst.clone()], &s);
    assert!(v.ok, "{:?}", v.reasons);
    assert_eq!(v.anchor.map(|a| a.kind), Some("bundle"));
}

#[test]
fn hostname_and_no_hostname() {
    let s = story();
    let p = Profile::by_name("mbedtls-3.6").expect("p");
    let v = verify(
        &p,
        &Request {
            trust: std::slice::from_ref(&s.x1),
            chain: &anchorkit::cert::entries(&s.chain),
            host: HostCheck::Name("example.com"),
            at: s.at,
        },
    );
    assert_eq!(v.code, "-0x2700");
    assert_eq!(v.flags, Some(0x04));
    let v = verify(
        &p,
        &Request {
            trust: std::slice::from_ref(&s.x1),
            chain: &anchorkit::cert::entries(&s.chain),
            host: HostCheck::None,
            at: s.at,
        },
    );
    assert_eq!(v.code, "-0x5D80");
    let v = verify(
        &Profile::by_name("mbedtls-2.28").expect("p"),
        &Request {
            trust: std::slice::from_ref(&s.x1),
            chain: &anchorkit::cert::entries(&s.chain),
            host: HostCheck::None,
            at: s.at,
        },
    );
    assert_eq!(v.code, "0");
}

#[test]
fn bearssl_pins_the_leaf_and_needs_order() {
    let s = story();
    let p = Profile::by_name("bearssl").expect("p");
    let v = run(&p, std::slice::from_ref(&s.leaf), &s);
    assert!(
        v.ok,
        "BearSSL trusts a non-CA anchor with the leaf's name and key: {:?}",
        v.reasons
    );
    assert_eq!(v.anchor.map(|a| a.kind), Some("leaf-pinned"));
    assert!(run(&p, std::slice::from_ref(&s.x1), &s).ok);
    let mut swapped = s.chain.clone();
    swapped.swap(1, 2);
    let v = verify(
        &p,
        &Request {
            trust: std::slice::from_ref(&s.x1),
            chain: &anchorkit::cert::entries(&swapped),
            host: HostCheck::Name("optimized.realyze.com"),
            at: s.at,
        },
    );
    assert_eq!(v.code, "55");
    // In 2025 the leaf has expired: BearSSL checks every certificate's dates.
    let later = parse_time("2025-01-01").expect("t");
    let v = verify(
        &p,
        &Request {
            trust: std::slice::from_ref(&s.x1),
            chain: &anchorkit::cert::entries(&s.chain),
            host: HostCheck::Name("optimized.realyze.com"),
            at: later,
        },
    );
    assert_eq!(v.code, "54");
}
