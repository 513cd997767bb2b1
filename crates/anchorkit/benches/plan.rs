//! Plan speed: 50 endpoints (25 Let's Encrypt RSA, 25 ECDSA servers), three firmware trust
//! sets and ten years of events under ESP-IDF 4.4, the way `anchorkit plan` runs it (every
//! break re-verified with its fix, and the time-check setting flipped). Reads the Let's
//! Encrypt certificates from ../shared/data. Run with `cargo bench -p anchorkit --bench plan`.

use std::time::Instant;

use anchorkit::anchor::TrustAnchor;
use anchorkit::cert::{Certificate, parse_time};
use anchorkit::events::{Events, KeyClass};
use anchorkit::intake::{Origin, read_path};
use anchorkit::plan::{Endpoint, Firmware, Input, Served, plan};
use anchorkit::profile::Profile;
use anchorkit::testsupport::data;

fn certs(rel: &str) -> Vec<Certificate> {
    let dir = data(rel);
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pem"))
        .collect();
    files.sort();
    for f in files {
        if let Ok(found) = read_path(&f) {
            out.extend(found.iter().filter_map(|x| x.cert().cloned()));
        }
    }
    out
}

fn anchor(rel: &str) -> Vec<TrustAnchor> {
    read_path(&data(rel))
        .unwrap_or_else(|e| panic!("{e}"))
        .iter()
        .filter_map(|f| f.cert().cloned())
        .map(|c| TrustAnchor::from_cert(c, Origin::builtin("bench", 0)))
        .collect()
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let pool = certs("certs/letsencrypt");
    let events = Events::builtin();
    let firmware = vec![
        Firmware {
            label: "x1".into(),
            trust: anchor("certs/letsencrypt/isrgrootx1.pem"),
        },
        Firmware {
            label: "dst".into(),
            trust: anchor("certs/dst-root-ca-x3.pem"),
        },
        Firmware {
            label: "x1+yr".into(),
            trust: [
                anchor("certs/letsencrypt/isrgrootx1.pem"),
                anchor("certs/letsencrypt/gen-y_root-yr.pem"),
            ]
            .concat(),
        },
    ];
    let endpoints: Vec<Endpoint> = (0..50)
        .map(|i| Endpoint {
            name: format!("server-{i}"),
            served: Served::Ca(
                "letsencrypt".into(),
                if i % 2 == 0 {
                    KeyClass::Rsa
                } else {
                    KeyClass::Ecdsa
                },
            ),
            ota: i == 0,
        })
        .collect();
    let profiles = vec![Profile::by_name("esp-idf-4.4").unwrap_or_else(|e| panic!("{e}"))];
    let from = parse_time("2026-01-01").unwrap_or(0);
    let until = parse_time("2036-01-01").unwrap_or(0);
    let input = Input {
        firmware: &firmware,
        endpoints: &endpoints,
        profiles: &profiles,
        from,
        until,
        events: &events,
        pool: &pool,
    };
    let mut times = Vec::new();
    let mut rows = 0;
    for _ in 0..5 {
        let s = Instant::now();
        let p = plan(&input).unwrap_or_else(|e| panic!("{e}"));
        times.push(s.elapsed());
        rows = p.rows.len();
    }
    times.sort();
    println!(
        "plan: {} endpoints x {} firmware x 10 years of events = {rows} rows in {:.1} ms (median of 5; fastest {:.1} ms)",
        endpoints.len(),
        firmware.len(),
        times[2].as_secs_f64() * 1000.0,
        times[0].as_secs_f64() * 1000.0,
    );
}
