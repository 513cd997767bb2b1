//! Planning with the real verification engine: synthetic hierarchies (rcgen) for each rule of
//! the policy, and the user story's April 2022 chain in both trust modes.

use anchorkit::anchor::TrustAnchor;
use anchorkit::bundle::formats::{OutputFormat, read_back, render};
use anchorkit::bundle::{
    Endpoint, Note, Offer, Policy, Prefer, Role, chain_at_end, plan, round_trip_plan, store_offers,
};
use anchorkit::cert::Certificate;
use anchorkit::intake::{Origin, read_path};
use anchorkit::profile::Profile;
use anchorkit::store::Store;
use anchorkit::testsupport::data;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

fn t(y: i32, m: u8, d: u8) -> i64 {
    time::Date::from_calendar_date(y, time::Month::try_from(m).expect("month"), d)
        .expect("date")
        .midnight()
        .assume_utc()
        .unix_timestamp()
}

fn odt(s: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(s).expect("time")
}

/// A CA or leaf: its parameters and key, so it can issue and be cross-signed.
struct Node {
    params: CertificateParams,
    key: KeyPair,
    der: Vec<u8>,
}

fn params(cn: &str, ca: bool, from: i64, to: i64) -> CertificateParams {
    let mut p =
        CertificateParams::new(if ca { Vec::new() } else { vec![cn.to_string()] }).expect("params");
    p.distinguished_name.push(DnType::CommonName, cn);
    p.distinguished_name.push(DnType::OrganizationName, cn);
    if ca {
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
    }
    p.not_before = odt(from);
    p.not_after = odt(to);
    p
}

fn root(cn: &str, from: i64, to: i64) -> Node {
    let key = KeyPair::generate().expect("key");
    let params = params(cn, true, from, to);
    let der = params.self_signed(&key).expect("root").der().to_vec();
    Node { params, key, der }
}

fn issue(parent: &Node, cn: &str, ca: bool, from: i64, to: i64) -> Node {
    let key = KeyPair::generate().expect("key");
    let params = params(cn, ca, from, to);
    let issuer = Issuer::from_params(&parent.params, &parent.key);
    let der = params
        .signed_by(&key, &issuer)
        .expect("cert")
        .der()
        .to_vec();
    Node { params, key, der }
}

/// `node`'s subject and key, signed by `by` (a cross-sign), valid until `to`.
fn cross(node: &Node, by: &Node, to: i64) -> Vec<u8> {
    let mut p = node.params.clone();
    p.not_after = odt(to);
    let issuer = Issuer::from_params(&by.params, &by.key);
    p.signed_by(&node.key, &issuer)
        .expect("cross")
        .der()
        .to_vec()
}

/// The same subject and key, self-signed again with a later expiry (a re-issued root).
fn reissue(node: &Node, to: i64) -> Vec<u8> {
    let mut p = node.params.clone();
    p.not_after = odt(to);
    p.self_signed(&node.key).expect("reissue").der().to_vec()
}

fn cert(der: &[u8]) -> Certificate {
    Certificate::from_der(der).expect("parse")
}

fn offer(der: &[u8], owner: &str, common: bool) -> Offer {
    Offer {
        anchor: TrustAnchor::from_cert(cert(der), Origin::builtin("test", 0)),
        owner: owner.into(),
        common,
    }
}

fn endpoint(name: &str, chain: &[&[u8]]) -> Endpoint {
    Endpoint {
        name: name.into(),
        chain: chain.iter().map(|d| cert(d)).collect(),
        accept: None,
    }
}

fn policy(format: OutputFormat, redundancy: usize) -> Policy {
    Policy {
        profile: Profile::by_name("esp-idf-5.3").expect("profile"),
        format,
        at: t(2026, 1, 1),
        until: t(2036, 1, 1),
        redundancy,
        budget: None,
        prefer: Prefer::Smallest,
        timeline: None,
    }
}

fn names(p: &anchorkit::bundle::Plan) -> Vec<String> {
    p.anchors.iter().map(|a| a.name.clone()).collect()
}

/// Writes the plan in the format, reads it back, re-verifies: nothing fails.
fn round_trips(p: &anchorkit::bundle::Plan, endpoints: &[Endpoint], policy: &Policy) {
    let chosen: Vec<TrustAnchor> = p.anchors.iter().map(|a| a.anchor.clone()).collect();
    let r = render(policy.format, &chosen, &[]).expect("render");
    let back = read_back(policy.format, &r, &chosen).expect("reads back");
    assert_eq!(back.len(), chosen.len());
    let failed = round_trip_plan(&back, endpoints, p, policy);
    assert!(failed.is_empty(), "{failed:?}");
}

#[test]
fn one_cover_and_the_cheapest_independent_backup() {
    let a = root("Root A", t(2020, 1, 1), t(2045, 1, 1));
    let int = issue(&a, "Int A", true, t(2020, 1, 1), t(2030, 1, 1));
    let leaf = issue(&int, "a.example", false, t(2025, 6, 1), t(2026, 6, 1));
    let b = root("Root B", t(2020, 1, 1), t(2045, 1, 1));
    let c = root(
        "Root C Long Name For More Bytes",
        t(2020, 1, 1),
        t(2045, 1, 1),
    );
    let old = root("Root Old", t(2010, 1, 1), t(2030, 1, 1));
    let offers = vec![
        offer(&a.der, "Owner A", false),
        offer(&b.der, "Owner B", true),
        offer(&c.der, "Owner C", true),
        offer(&old.der, "Owner D", true), // expires before the end: never a backup
    ];
    let eps = vec![endpoint("a.example", &[&leaf.der, &int.der])];
    for format in OutputFormat::ALL {
        let pol = policy(format, 1);
        let p = plan(&eps, &offers, &pol);
        assert_eq!(names(&p), vec!["Root A"], "{}", format.name());
        assert!(p.meets_policy() && p.exact);
        let pol = policy(format, 2);
        let p = plan(&eps, &offers, &pol);
        assert_eq!(names(&p), vec!["Root A", "Root B"], "{}", format.name());
        assert_eq!(p.anchors[1].role, Role::Backup);
        assert_eq!(p.endpoints[0].owners, vec!["Owner A", "Owner B"]);
        assert_eq!(
            p.total_bytes,
            format.total_cost(&[offers[0].anchor.clone(), offers[1].anchor.clone()])
        );
        // The runner-up swaps the backup for the next one.
        let r = p.runner_up.as_ref().expect("runner-up");
        assert_eq!(r.anchors, vec!["Root A", "Root C Long Name For More Bytes"]);
        assert!(r.total_bytes > p.total_bytes);
        round_trips(&p, &eps, &pol);
        // Three owners: both backups; four is more than exist (Owner D is not durable).
        let p = plan(&eps, &offers, &policy(format, 4));
        assert_eq!(p.anchors.len(), 3);
        assert!(p.notes.iter().any(|n| matches!(
            n,
            Note::RedundancyShort {
                wanted: 4,
                possible: 3,
                ..
            }
        )));
    }
}

#[test]
fn intermediates_renew_roots_do_not() {
    // The intermediate expires in 2027, long before the end (2036): leaves and intermediates
    // are the server's to renew, so the root still covers it for the lifetime.
    let a = root("Root A", t(2020, 1, 1), t(2045, 1, 1));
    let int = issue(&a, "Int A", true, t(2020, 1, 1), t(2027, 1, 1));
    let leaf = issue(&int, "a.example", false, t(2025, 6, 1), t(2026, 6, 1));
    let eps = vec![endpoint("a.example", &[&leaf.der, &int.der])];
    let offers = vec![offer(&a.der, "Owner A", false)];
    let p = plan(&eps, &offers, &policy(OutputFormat::Pem, 1));
    assert!(p.endpoints[0].durable);
    assert!(p.notes.is_empty(), "{:?}", p.notes);
    // A root that expires in 2030 covers today but not the lifetime: used, with a note.
    let short = root("Root S", t(2020, 1, 1), t(2030, 1, 1));
    let int = issue(&short, "Int S", true, t(2020, 1, 1), t(2029, 1, 1));
    let leaf = issue(&int, "s.example", false, t(2025, 6, 1), t(2026, 6, 1));
    let eps = vec![endpoint("s.example", &[&leaf.der, &int.der])];
    let mut offers = vec![offer(&short.der, "Owner S", false)];
    let p = plan(&eps, &offers, &policy(OutputFormat::Pem, 1));
    assert_eq!(names(&p), vec!["Root S"]);
    assert!(!p.endpoints[0].durable);
    assert!(
        p.notes.iter().any(
            |n| matches!(n, Note::NotDurable { anchors, .. } if anchors[0].contains("Root S"))
        ),
        "{:?}",
        p.notes
    );
    // The same root re-issued with a later expiry (same subject and key) is durable: chosen.
    offers.push(offer(&reissue(&short, t(2045, 1, 1)), "Owner S", false));
    let p = plan(&eps, &offers, &policy(OutputFormat::Pem, 1));
    assert_eq!(p.anchors.len(), 1);
    assert_eq!(
        p.anchors[0].expires.as_deref().map(|e| &e[..4]),
        Some("2045")
    );
    assert!(p.endpoints[0].durable);
}

/// The cross-sign trap, synthetic: `New` cross-signed by `Old` tops the served chain.
#[test]
fn bundle_mode_looks_up_the_cross_signs_issuer_then_the_root_itself() {
    let old = root("Old Root", t(2000, 1, 1), t(2030, 1, 1));
    let new = root("New Root", t(2020, 1, 1), t(2045, 1, 1));
    let xs = cross(&new, &old, t(2029, 1, 1));
    let int = issue(&new, "Int N", true, t(2020, 1, 1), t(2028, 1, 1));
    let leaf = issue(&int, "n.example", false, t(2025, 6, 1), t(2026, 6, 1));
    let eps = vec![endpoint("n.example", &[&leaf.der, &int.der, &xs])];
    let other = root("Other Root", t(2020, 1, 1), t(2045, 1, 1));
    let offers = vec![
        offer(&old.der, "Old Owner", false),
        offer(&new.der, "New Owner", true),
        offer(&other.der, "Other Owner", true),
    ];
    // The cross-sign expires in 2029: by the end the server sends [leaf, int].
    let later = chain_at_end(&eps[0].chain, &offers, t(2036, 1, 1));
    assert_eq!(later.len(), 2);
    // CA list (cert_pem): New Root covers both today and later.
    let pol = policy(OutputFormat::C, 1);
    let p = plan(&eps, &offers, &pol);
    assert_eq!(names(&p), vec!["New Root"]);
    round_trips(&p, &eps, &pol);
    // Bundle mode: today only Old Root's record (the cross-sign's issuer) works; later only
    // New Root's. Both are needed; notes say why.
    for format in [OutputFormat::EspBundleLegacy, OutputFormat::EspBundle] {
        let pol = policy(format, 1);
        let p = plan(&eps, &offers, &pol);
        let mut n = names(&p);
        n.sort();
        assert_eq!(n, vec!["New Root", "Old Root"], "{}", format.name());
        assert_eq!(p.endpoints[0].covered_by, vec!["Old Root"]);
        assert_eq!(p.endpoints[0].covered_at_end_by, vec!["New Root"]);
        assert!(
            p.notes
                .iter()
                .any(|n| matches!(n, Note::CrossSignedTop { .. }))
        );
        assert!(
            p.notes
                .iter()
                .any(|n| matches!(n, Note::ChainWillChange { .. }))
        );
        round_trips(&p, &eps, &pol);
        // Without Old Root the chain is not covered today, and the reason names the lookup.
        let p = plan(&eps, &offers[1..], &pol);
        assert!(!p.meets_policy());
        assert!(
            p.uncovered[0]
                .reason
                .contains("record of 'Old Root' is needed"),
            "{}",
            p.uncovered[0].reason
        );
    }
    // Redundancy 2 in bundle mode: New Root is a common CA of another owner than Old Root,
    // but the end column needs a second owner besides New Owner.
    let p = plan(&eps, &offers, &policy(OutputFormat::EspBundle, 2));
    let mut n = names(&p);
    n.sort();
    assert_eq!(n, vec!["New Root", "Old Root", "Other Root"]);
}

#[test]
fn budget_unknown_chains_and_ca_endpoints() {
    let a = root("Root A", t(2020, 1, 1), t(2045, 1, 1));
    let leaf = issue(&a, "a.example", false, t(2025, 6, 1), t(2026, 6, 1));
    let stranger = root("Stranger", t(2020, 1, 1), t(2045, 1, 1));
    let lost = issue(
        &stranger,
        "lost.example",
        false,
        t(2025, 6, 1),
        t(2026, 6, 1),
    );
    let offers = vec![offer(&a.der, "Owner A", false)];
    let eps = vec![
        endpoint("a.example", &[&leaf.der]),
        endpoint("lost.example", &[&lost.der]),
        Endpoint {
            name: "CA A".into(),
            chain: Vec::new(),
            accept: Some(vec![offers[0].anchor.spki_raw().to_vec()]),
        },
    ];
    let mut pol = policy(OutputFormat::Pem, 1);
    pol.budget = Some(100);
    let p = plan(&eps, &offers, &pol);
    assert_eq!(names(&p), vec!["Root A"]);
    assert_eq!(p.anchors[0].covers, vec!["a.example", "CA A"]);
    assert_eq!(p.uncovered.len(), 1);
    assert_eq!(p.uncovered[0].endpoint, "lost.example");
    assert!(p.uncovered[0].reason.contains("Stranger"));
    assert!(p.uncovered[0].code.is_some());
    assert!(!p.within_budget && !p.meets_policy());
    assert!(p.total_bytes > 100);
}

#[test]
fn prefer_breaks_ties_between_equal_sizes() {
    // Two roots with equal-length names and keys (both P-256): equal cost in every format
    // that stores only name and key. `longest` picks the later expiry.
    let a = root("Root 1", t(2020, 1, 1), t(2040, 1, 1));
    let b = root("Root 2", t(2020, 1, 1), t(2050, 1, 1));
    let xa = cross(&b, &a, t(2045, 1, 1)); // b's key signed by a: both can anchor `int`
    let int = issue(&b, "Int", true, t(2020, 1, 1), t(2030, 1, 1));
    let leaf = issue(&int, "x.example", false, t(2025, 6, 1), t(2026, 6, 1));
    let eps = vec![endpoint("x.example", &[&leaf.der, &int.der, &xa])];
    let offers = vec![
        offer(&a.der, "Owner 1", false),
        offer(&b.der, "Owner 2", false),
    ];
    let mut pol = policy(OutputFormat::Rust, 1);
    // Equal sizes and equal counts: the first offered wins without a preference.
    assert_eq!(names(&plan(&eps, &offers, &pol)), vec!["Root 1"]);
    pol.prefer = Prefer::Longest;
    let p = plan(&eps, &offers, &pol);
    assert_eq!(names(&p), vec!["Root 2"]);
    assert_eq!(
        OutputFormat::Rust.anchor_cost(&offers[0].anchor),
        OutputFormat::Rust.anchor_cost(&offers[1].anchor)
    );
}

fn user_story_chain() -> Vec<Certificate> {
    // The second cert_pem literal of the forum post: the Let's Encrypt leaf.
    let found = read_path(&anchorkit::testsupport::shared_dir().join("user-story.txt"))
        .expect("user story");
    let leaf = found
        .iter()
        .filter_map(|f| f.cert())
        .find(|c| c.subject.to_string().contains("optimized.realyze.com"))
        .expect("leaf")
        .clone();
    let mut chain = vec![leaf];
    for f in [
        "certs/letsencrypt/lets-encrypt-r3.pem",
        "certs/letsencrypt/isrg-root-x1-cross-signed.pem",
    ] {
        chain.push(
            read_path(&data(f)).expect("cert")[0]
                .cert()
                .expect("cert")
                .clone(),
        );
    }
    chain
}

#[test]
fn user_story_in_both_trust_modes() {
    let eps = vec![Endpoint {
        name: "optimized.realyze.com".into(),
        chain: user_story_chain(),
        accept: None,
    }];
    let mut offers = store_offers(Store::mozilla());
    let mut pol = policy(OutputFormat::C, 2);
    pol.at = t(2022, 4, 6);
    pol.until = t(2032, 4, 6);
    let p = plan(&eps, &offers, &pol);
    assert!(p.meets_policy());
    assert_eq!(p.anchors[0].name, "ISRG Root X1");
    assert_eq!(p.anchors[0].role, Role::Cover);
    assert_eq!(p.anchors.len(), 2);
    assert_ne!(p.anchors[1].owner, p.anchors[0].owner);
    assert!(p.anchors[1].common);
    round_trips(&p, &eps, &pol);
    // Bundle mode with the Mozilla store only: DST Root CA X3 is gone, nothing covers today.
    pol.format = OutputFormat::EspBundleLegacy;
    let p = plan(&eps, &offers, &pol);
    assert!(!p.meets_policy());
    assert!(p.uncovered[0].reason.contains("DST Root CA X3"));
    // With DST Root CA X3 offered (ESP-IDF v4.4.2 to v5.4 shipped it in cacrt_local.pem):
    // DST for today's chain, ISRG Root X1 once the cross-sign is gone (2024-09-30), and a
    // backup of a third owner.
    offers.push(Offer {
        anchor: read_path(&data("certs/dst-root-ca-x3.pem")).expect("dst")[0].to_anchor(),
        owner: "Digital Signature Trust Co.".into(),
        common: false,
    });
    let p = plan(&eps, &offers, &pol);
    assert!(p.meets_policy(), "{:?}", p.uncovered);
    assert_eq!(p.endpoints[0].covered_by, vec!["DST Root CA X3"]);
    assert_eq!(p.endpoints[0].covered_at_end_by, vec!["ISRG Root X1"]);
    assert_eq!(p.endpoints[0].owners.len(), 2);
    assert_eq!(p.anchors.len(), 3);
    round_trips(&p, &eps, &pol);
}
