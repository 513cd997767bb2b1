//! The bundles anchorkit writes, checked by the real Mbed TLS: the user story's chain verifies
//! with the anchors chosen for a `cert_pem` header (CA list) and for a legacy ESP-IDF bundle
//! (the bundle callback), each read back from the written bytes first.

use anchorkit::bundle::{
    Endpoint, OutputFormat, Policy, Prefer, Rendered, formats, plan, store_offers,
};
use anchorkit::intake::{Found, read_bytes, read_path};
use anchorkit::profile::Profile;
use anchorkit::store::Store;
use anchorkit::testsupport::data;
use anchorkit_difftest::corpus::Scenario;
use anchorkit_difftest::pki::t;
use anchorkit_difftest::real::{Real, run_all};
use anchorkit_difftest::server::Servers;

fn chain() -> Vec<anchorkit::cert::Certificate> {
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/user-story/cert_pem.c");
    let mut c = vec![
        read_path(&example).expect("example")[1]
            .cert()
            .expect("leaf")
            .clone(),
    ];
    for f in [
        "certs/letsencrypt/lets-encrypt-r3.pem",
        "certs/letsencrypt/isrg-root-x1-cross-signed.pem",
    ] {
        c.push(
            read_path(&data(f)).expect("cert")[0]
                .cert()
                .expect("cert")
                .clone(),
        );
    }
    c
}

#[test]
fn written_bundles_verify_on_the_real_mbedtls() {
    let chain = chain();
    let at = t(2022, 4, 6);
    let endpoints = vec![Endpoint {
        name: "optimized.realyze.com".into(),
        chain: chain.clone(),
        accept: None,
    }];
    let mut offers = store_offers(Store::mozilla());
    for f in read_path(&data("certs/dst-root-ca-x3.pem")).expect("dst") {
        offers.push(anchorkit::bundle::Offer {
            anchor: f.to_anchor(),
            owner: "Digital Signature Trust Co.".into(),
            common: false,
        });
    }
    for (format, real) in [
        (OutputFormat::C, Real::EspCertPem),
        (OutputFormat::EspBundleLegacy, Real::EspBundleLegacy),
    ] {
        let policy = Policy {
            profile: Profile::by_name("esp-idf-5.3").expect("profile"),
            format,
            at,
            until: t(2032, 4, 6),
            redundancy: 2,
            budget: None,
            prefer: Prefer::Smallest,
            timeline: None,
        };
        let p = plan(&endpoints, &offers, &policy);
        assert!(p.uncovered.is_empty(), "{:?}", p.uncovered);
        let chosen: Vec<_> = p.anchors.iter().map(|a| a.anchor.clone()).collect();
        let Rendered::File(bytes) = formats::render(format, &chosen, &[]).expect("render") else {
            panic!("file")
        };
        let back: Vec<Found> = read_bytes("written", &bytes).expect("reads back");
        assert_eq!(back.len(), chosen.len());
        // The real library gets the certificates behind what was written (bundle records are
        // matched back to the chosen certificates by subject and key).
        let trust: Vec<Vec<u8>> = back
            .iter()
            .map(|f| {
                let a = f.to_anchor();
                chosen
                    .iter()
                    .find(|c| c.subject_raw() == a.subject_raw() && c.spki_raw() == a.spki_raw())
                    .and_then(|c| c.cert.as_ref())
                    .map(|c| c.der().to_vec())
                    .expect("a chosen certificate")
            })
            .collect();
        let s = Scenario {
            name: format!("written-{}", format.name()),
            trust,
            chain: chain.iter().map(|c| c.der().to_vec()).collect(),
            host: Some("optimized.realyze.com".into()),
            at,
        };
        let scenarios = [s];
        let servers = Servers::start(&scenarios);
        let out = run_all(real, &scenarios, &servers);
        assert_eq!(
            out[0].code,
            "0",
            "{}: real {} returned {}",
            format.name(),
            real.name(),
            out[0].code
        );
    }
}
