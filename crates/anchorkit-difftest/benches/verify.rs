//! Verification throughput, single thread: anchorkit's `mbedtls-3.6` profile, rustls-webpki
//! directly, and the real Mbed TLS 3.6 (timed in its harness process), on a 3-certificate
//! RSA-2048 chain and a P-256 chain. Every measurement includes parsing the DER of the trust
//! list and the chain, as a device does per handshake. anchorkit keeps what does not change
//! (parsed certificates, signature checks) in caches: the main figure is the repeated
//! verification anchorkit's own work does (doctor's candidates, bundle plans, timelines); the
//! cold figure empties both caches before every verification.

use std::time::Duration;

use anchorkit::anchor::TrustAnchor;
use anchorkit::cert::{Certificate, ChainEntry};
use anchorkit::intake::Origin;
use anchorkit::profile::Profile;
use anchorkit::verify::{HostCheck, Request, verify};
use anchorkit_difftest::corpus::Scenario;
use anchorkit_difftest::pki::{Alg, Node, Spec, t};
use anchorkit_difftest::real::bench_mbedtls36;
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

fn chain(alg: Alg, name: &str) -> Scenario {
    let root = Node::root(&Spec::ca("Bench Root"), alg);
    let int = root.issue(&Spec::ca("Bench Intermediate"), alg);
    let leaf = int.issue(&Spec::leaf("device.example.test"), alg);
    Scenario {
        name: name.into(),
        trust: vec![root.der.clone()],
        chain: vec![leaf.der.clone(), int.der.clone()],
        host: Some("device.example.test".into()),
        at: t(2025, 1, 1),
    }
}

fn anchorkit_once(p: &Profile, s: &Scenario) -> bool {
    let trust: Vec<TrustAnchor> = s
        .trust
        .iter()
        .filter_map(|d| Certificate::from_der(d).ok())
        .map(|c| TrustAnchor::from_cert(c, Origin::builtin("bench", 0)))
        .collect();
    let chain: Vec<ChainEntry> = s.chain.iter().map(|d| ChainEntry::from_bytes(d)).collect();
    verify(
        p,
        &Request {
            trust: &trust,
            chain: &chain,
            host: HostCheck::Name("device.example.test"),
            at: s.at,
        },
    )
    .ok
}

fn webpki_once(s: &Scenario) -> bool {
    let roots: Vec<CertificateDer<'_>> = s
        .trust
        .iter()
        .map(|d| CertificateDer::from(d.as_slice()))
        .collect();
    let anchors: Vec<_> = roots
        .iter()
        .filter_map(|r| webpki::anchor_from_trusted_cert(r).ok())
        .collect();
    let leaf = CertificateDer::from(s.chain[0].as_slice());
    let inter: Vec<CertificateDer<'_>> = s.chain[1..]
        .iter()
        .map(|d| CertificateDer::from(d.as_slice()))
        .collect();
    let Ok(ee) = webpki::EndEntityCert::try_from(&leaf) else {
        return false;
    };
    let time = UnixTime::since_unix_epoch(Duration::from_secs(s.at as u64));
    let ok = ee
        .verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &anchors,
            &inter,
            time,
            webpki::KeyUsage::server_auth(),
            None,
            None,
        )
        .is_ok();
    let name = ServerName::try_from("device.example.test").expect("name");
    ok && ee.verify_is_valid_for_subject_name(&name).is_ok()
}

fn bench(c: &mut Criterion) {
    let profile = Profile::by_name("mbedtls-3.6")
        .expect("profile")
        .with_time_check(false);
    let mut summary = Vec::new();
    for (alg, name) in [(Alg::Rsa2048, "rsa2048-3cert"), (Alg::P256, "p256-3cert")] {
        let s = chain(alg, name);
        assert!(
            anchorkit_once(&profile, &s) && webpki_once(&s),
            "{name} must verify"
        );
        let mut g = c.benchmark_group(name);
        g.bench_function("anchorkit-mbedtls-3.6", |b| {
            b.iter(|| anchorkit_once(&profile, black_box(&s)))
        });
        g.bench_function("rustls-webpki", |b| b.iter(|| webpki_once(black_box(&s))));
        g.finish();
        let iters = if alg == Alg::P256 { 300 } else { 2000 };
        let real = bench_mbedtls36(&s, iters);
        // Same-run peers for the ratio, measured plainly.
        let time = |f: &dyn Fn() -> bool| {
            let n = 300u32;
            let start = std::time::Instant::now();
            for _ in 0..n {
                black_box(f());
            }
            start.elapsed().as_nanos() / u128::from(n)
        };
        let ak = time(&|| anchorkit_once(&profile, &s));
        let cold = time(&|| {
            anchorkit::cert::clear_parse_cache();
            anchorkit::crypto::clear_signature_cache();
            anchorkit_once(&profile, &s)
        });
        let wp = time(&|| webpki_once(&s));
        summary.push(format!(
            "{name}: anchorkit {:.1} µs (cold caches {:.1} µs), rustls-webpki {:.1} µs, real Mbed TLS 3.6 {:.1} µs; \
             anchorkit/webpki {:.2}x (cold {:.2}x), anchorkit/mbedtls {:.2}x (cold {:.2}x)",
            ak as f64 / 1000.0,
            cold as f64 / 1000.0,
            wp as f64 / 1000.0,
            real as f64 / 1000.0,
            ak as f64 / wp.max(1) as f64,
            cold as f64 / wp.max(1) as f64,
            ak as f64 / real.max(1) as f64,
            cold as f64 / real.max(1) as f64,
        ));
    }
    for line in summary {
        println!("{line}");
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
