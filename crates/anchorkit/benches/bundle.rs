//! Bundle generation: the full Mozilla store as an ESP-IDF bundle, ESP-IDF's generator on its
//! own `cacrt_all.pem` (full and common-filtered; the Python reference takes 0.21 s wall for
//! the full bundle on this class of machine), and the exact minimal bundle for 50 endpoints
//! (5 synthetic CAs x 10 servers, redundancy 2, coverage decided by the verification engine).

use anchorkit::anchor::TrustAnchor;
use anchorkit::bundle::generate::{Filter, generate};
use anchorkit::bundle::{
    Endpoint, Offer, OutputFormat, Policy, Prefer, formats, plan, store_offers,
};
use anchorkit::cert::Certificate;
use anchorkit::intake::Origin;
use anchorkit::profile::Profile;
use anchorkit::store::Store;
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

fn endpoints() -> (Vec<Endpoint>, Vec<Offer>) {
    let mut eps = Vec::new();
    let mut offers = store_offers(Store::mozilla());
    let until = time::OffsetDateTime::from_unix_timestamp(2_200_000_000).expect("t");
    for ca in 0..5 {
        let key = KeyPair::generate().expect("key");
        let mut p = CertificateParams::new(Vec::<String>::new()).expect("params");
        p.distinguished_name
            .push(DnType::CommonName, format!("Bench CA {ca}"));
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.not_after = until;
        let root = p.self_signed(&key).expect("root");
        offers.push(Offer {
            anchor: TrustAnchor::from_cert(
                Certificate::from_der(root.der()).expect("parse"),
                Origin::builtin("bench", ca),
            ),
            owner: format!("Bench Owner {ca}"),
            common: false,
        });
        let root_issuer = Issuer::from_params(&p, &key);
        let ik = KeyPair::generate().expect("key");
        let mut ip = CertificateParams::new(Vec::<String>::new()).expect("params");
        ip.distinguished_name
            .push(DnType::CommonName, format!("Bench Intermediate {ca}"));
        ip.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let int = ip.signed_by(&ik, &root_issuer).expect("intermediate");
        let issuer = Issuer::from_params(&ip, &ik);
        for s in 0..10 {
            let lk = KeyPair::generate().expect("key");
            let lp = CertificateParams::new(vec![format!("s{s}.ca{ca}.example")]).expect("params");
            let leaf = lp.signed_by(&lk, &issuer).expect("leaf");
            eps.push(Endpoint {
                name: format!("s{s}.ca{ca}"),
                chain: vec![
                    Certificate::from_der(leaf.der()).expect("parse"),
                    Certificate::from_der(int.der()).expect("parse"),
                ],
                accept: None,
            });
        }
    }
    (eps, offers)
}

fn bench(c: &mut Criterion) {
    let roots: Vec<TrustAnchor> = Store::mozilla()
        .roots()
        .iter()
        .map(|r| r.anchor.clone())
        .collect();
    c.bench_function("esp-bundle/mozilla-store", |b| {
        b.iter(|| formats::render(OutputFormat::EspBundle, black_box(&roots), &[]))
    });
    let all = std::fs::read(anchorkit::testsupport::data("esp-idf/cacrt_all.pem"))
        .expect("cacrt_all.pem");
    let inputs = vec![("cacrt_all.pem".to_string(), all)];
    c.bench_function("esp-bundle/generator-cacrt_all-full", |b| {
        b.iter(|| {
            let g = generate(black_box(&inputs), &Filter::None).expect("generate");
            formats::render(OutputFormat::EspBundle, &g.anchors, &g.owners)
        })
    });
    c.bench_function("esp-bundle/generator-cacrt_all-common", |b| {
        b.iter(|| {
            let g = generate(black_box(&inputs), &Filter::common()).expect("generate");
            formats::render(OutputFormat::EspBundle, &g.anchors, &g.owners)
        })
    });
    let (eps, offers) = endpoints();
    let policy = Policy {
        profile: Profile::by_name("esp-idf-5.4").expect("profile"),
        format: OutputFormat::EspBundle,
        at: 1_800_000_000,
        until: 2_100_000_000,
        redundancy: 2,
        budget: None,
        prefer: Prefer::Smallest,
        timeline: None,
    };
    let p = plan(&eps, &offers, &policy);
    assert!(p.meets_policy() && p.exact && p.anchors.len() == 6);
    let mut g = c.benchmark_group("plan");
    g.sample_size(10);
    g.bench_function("50-endpoints", |b| {
        b.iter(|| plan(black_box(&eps), &offers, &policy))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
