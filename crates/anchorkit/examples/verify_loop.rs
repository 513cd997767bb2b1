//! Profiling aid: verifies a chain in a loop.
//! `cargo run --release --example verify_loop -- TRUST.pem CHAIN.pem HOST AT N`.

use anchorkit::anchor::TrustAnchor;
use anchorkit::cert::{Certificate, ChainEntry, parse_time};
use anchorkit::intake::{Origin, read_path};
use anchorkit::profile::Profile;
use anchorkit::verify::{HostCheck, Request, verify};

fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 6 {
        eprintln!("usage: verify_loop TRUST CHAIN HOST AT N");
        return;
    }
    let ders = |p: &str| -> Vec<Vec<u8>> {
        read_path(std::path::Path::new(p))
            .map(|f| {
                f.iter()
                    .filter_map(|x| x.cert().map(|c| c.der().to_vec()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (trust, chain) = (ders(&a[1]), ders(&a[2]));
    let at = parse_time(&a[4]).unwrap_or(0);
    let n: usize = a[5].parse().unwrap_or(1000);
    let Ok(p) = Profile::by_name("mbedtls-3.6") else {
        return;
    };
    let p = p.with_time_check(false);
    let start = std::time::Instant::now();
    let mut ok = 0;
    for _ in 0..n {
        let t: Vec<TrustAnchor> = trust
            .iter()
            .filter_map(|d| Certificate::from_der(d).ok())
            .map(|c| TrustAnchor::from_cert(c, Origin::builtin("t", 0)))
            .collect();
        let c: Vec<ChainEntry> = chain.iter().map(|d| ChainEntry::from_bytes(d)).collect();
        if verify(
            &p,
            &Request {
                trust: &t,
                chain: &c,
                host: HostCheck::Name(&a[3]),
                at,
            },
        )
        .ok
        {
            ok += 1;
        }
    }
    println!(
        "{ok}/{n} ok, {:.1} µs each",
        start.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    // The same without parsing: the engine and the verdict alone.
    let t: Vec<TrustAnchor> = trust
        .iter()
        .filter_map(|d| Certificate::from_der(d).ok())
        .map(|c| TrustAnchor::from_cert(c, Origin::builtin("t", 0)))
        .collect();
    let c: Vec<ChainEntry> = chain.iter().map(|d| ChainEntry::from_bytes(d)).collect();
    let start = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(verify(
            &p,
            &Request {
                trust: &t,
                chain: &c,
                host: HostCheck::Name(&a[3]),
                at,
            },
        ));
    }
    println!(
        "verify only: {:.1} µs each",
        start.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}
