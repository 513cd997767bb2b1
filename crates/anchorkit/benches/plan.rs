//! Plan speed: 50 endpoints (25 Let's Encrypt RSA, 25 ECDSA servers), three firmware trust
//! sets and ten years of events under ESP-IDF 4.4, the way `anchorkit plan` runs it (every
//! break re-verified with its fix, and the time-check setting flipped). Reads the Let's
//! Encrypt certificates from ../shared/data. Then one endpoint of a CA with 10^6 chain-change
//! events (alternating R10 and R11 every few minutes over the life): the planner indexes the
//! changes once and judges each chain once per interval between certificate boundaries. Run
//! with `cargo bench -p anchorkit --bench plan`.

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
    million(&firmware[..1], &profiles, from, until);
}

/// One CA, 10^6 chain changes between R10 and R11 (a hostile or generated events file).
fn million(firmware: &[Firmware], profiles: &[Profile], from: i64, until: i64) {
    let r10 = "9D7C3F1AA6AD2B2EC0D5CF1E246F8D9AE6CBC9FD0755AD37BB974B1F2FB603F3";
    let r11 = hex::encode_upper(
        anchorkit::store::known::by_name("R11")
            .first()
            .map(|k| k.cert.sha256())
            .unwrap_or_default(),
    );
    let n = 1_000_000i64;
    let step = (until - from) / n;
    let mut text = String::from(
        r#"{"schema": "anchorkit.events/1", "cas": [{"id": "many", "name": "Many changes", "issuer_organizations": []}], "events": ["#,
    );
    for i in 0..n {
        let day = time::OffsetDateTime::from_unix_timestamp(from + i * step)
            .map(|t| t.date().to_string())
            .unwrap_or_default();
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!(
            r#"{{"date": "{day}", "kind": "chain-change", "ca": "many", "key": "rsa", "status": "inferred", "chain": ["{}"], "text": "change {i}", "source": "bench"}}"#,
            if i % 2 == 0 { r10 } else { &r11 }
        ));
    }
    text.push_str("]}");
    let s = Instant::now();
    let events = Events::parse("million.json", &text).unwrap_or_else(|e| panic!("{e}"));
    let parsed = s.elapsed();
    let endpoints = [Endpoint {
        name: "many".into(),
        served: Served::Ca("many".into(), KeyClass::Rsa),
        ota: false,
    }];
    let s = Instant::now();
    let p = plan(&Input {
        firmware,
        endpoints: &endpoints,
        profiles,
        from,
        until,
        events: &events,
        pool: &[],
    })
    .unwrap_or_else(|e| panic!("{e}"));
    println!(
        "plan: 1 endpoint x 10^6 events of one CA: parsed in {:.2} s, planned in {:.2} s ({} segments)",
        parsed.as_secs_f64(),
        s.elapsed().as_secs_f64(),
        p.rows[0].segments.len()
    );
}
