//! The x509-limbo path-validation suite (shared/data/x509-limbo, SERVER cases) under the
//! `webpki` and `openssl-3` profiles. Limbo's expectations follow RFC 5280 and the CA/Browser
//! Forum rules, so pass rates below 100 % are facts about those verifiers, not failures; the
//! rates are recorded in docs/limbo.md and this test fails when they change without the doc.

use anchorkit::anchor::TrustAnchor;
use anchorkit::cert::{Certificate, parse_time};
use anchorkit::intake::{Origin, read_bytes};
use anchorkit::profile::Profile;
use anchorkit::testsupport::data;
use anchorkit::verify::{HostCheck, Request, verify};

fn certs(pems: &[serde_json::Value]) -> Option<Vec<Certificate>> {
    let mut out = Vec::new();
    for p in pems {
        let f = read_bytes("limbo", p.as_str()?.as_bytes()).ok()?;
        out.push(f.first()?.cert()?.clone());
    }
    Some(out)
}

#[test]
fn limbo_pass_rates_match_the_documented_ones() {
    let text = std::fs::read_to_string(data("x509-limbo/limbo.json")).expect("limbo.json");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    let cases = v["testcases"].as_array().expect("testcases");
    let mut lines = Vec::new();
    for name in ["webpki", "openssl-3"] {
        let p = Profile::by_name(name).expect("profile");
        let (mut run, mut pass, mut skipped) = (0, 0, 0);
        for c in cases {
            if c["validation_kind"] != "SERVER"
                || c["crls"].as_array().is_some_and(|a| !a.is_empty())
            {
                skipped += 1;
                continue;
            }
            let empty = Vec::new();
            let (Some(trust), Some(inter), Some(leaf)) = (
                certs(c["trusted_certs"].as_array().unwrap_or(&empty)),
                certs(c["untrusted_intermediates"].as_array().unwrap_or(&empty)),
                certs(&[c["peer_certificate"].clone()]),
            ) else {
                // Certificates x509-parser refuses count as rejected.
                run += 1;
                if c["expected_result"] == "FAILURE" {
                    pass += 1;
                }
                continue;
            };
            let anchors: Vec<TrustAnchor> = trust
                .into_iter()
                .enumerate()
                .map(|(i, t)| TrustAnchor::from_cert(t, Origin::builtin("limbo", i)))
                .collect();
            let mut chain = leaf;
            chain.extend(inter);
            let chain = anchorkit::cert::entries(&chain);
            let at = c["validation_time"]
                .as_str()
                .and_then(|t| parse_time(t).ok())
                .unwrap_or_else(|| parse_time("2025-01-01").unwrap_or(0));
            let host = c["expected_peer_name"]["value"].as_str();
            let verdict = verify(
                &p,
                &Request {
                    trust: &anchors,
                    chain: &chain,
                    host: host.map_or(HostCheck::None, HostCheck::Name),
                    at,
                },
            );
            run += 1;
            if std::env::var_os("LIMBO_DEBUG").is_some()
                && verdict.ok != (c["expected_result"] == "SUCCESS")
            {
                eprintln!(
                    "{name} {} expected {} got {} {:?}",
                    c["id"],
                    c["expected_result"],
                    verdict.code,
                    verdict.reasons.first().map(|r| r.message())
                );
            }
            if verdict.ok == (c["expected_result"] == "SUCCESS") {
                pass += 1;
            }
        }
        lines.push(format!(
            "| `{name}` | {run} | {pass} | {:.1} % | {skipped} |",
            100.0 * pass as f64 / run as f64
        ));
    }
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/limbo.md"))
        .expect("docs/limbo.md");
    for l in &lines {
        assert!(
            doc.contains(l.as_str()),
            "docs/limbo.md lacks the current result row:\n{l}"
        );
    }
}
