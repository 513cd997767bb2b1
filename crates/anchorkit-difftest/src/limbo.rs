//! x509-limbo (`../shared/data/x509-limbo/limbo.json`) as a differential corpus: every
//! SERVER-kind case without CRLs becomes a [`Scenario`] (trust, the peer certificate then the
//! untrusted intermediates as the served chain, the expected peer name, the validation time
//! or 2025-01-01 when the case has none). Limbo's own expected result is not used here: the
//! real libraries are the reference.

use anchorkit::cert::parse_time;

use crate::corpus::Scenario;

fn ders(list: Option<&Vec<serde_json::Value>>) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    for p in list.map(Vec::as_slice).unwrap_or(&[]) {
        let text = p.as_str()?;
        let blocks = anchorkit::intake::pem::scan(text).ok()?;
        out.push(blocks.into_iter().next()?.der);
    }
    Some(out)
}

/// The limbo SERVER cases as scenarios, named `limbo:<id>`.
pub fn scenarios() -> Vec<Scenario> {
    let path = anchorkit::testsupport::data("x509-limbo/limbo.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let v: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let default_at = parse_time("2025-01-01").unwrap_or(0);
    let mut out = Vec::new();
    for c in v["testcases"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
        if c["validation_kind"] != "SERVER" || c["crls"].as_array().is_some_and(|a| !a.is_empty()) {
            continue;
        }
        let (Some(trust), Some(inter), Some(leaf)) = (
            ders(c["trusted_certs"].as_array()),
            ders(c["untrusted_intermediates"].as_array()),
            ders(Some(&vec![c["peer_certificate"].clone()])),
        ) else {
            continue;
        };
        let host = match c["expected_peer_name"]["kind"].as_str() {
            Some("DNS" | "IP") => c["expected_peer_name"]["value"]
                .as_str()
                .map(str::to_string),
            _ => None,
        };
        let at = c["validation_time"]
            .as_str()
            .and_then(|t| parse_time(t).ok())
            .unwrap_or(default_at);
        let mut chain = leaf;
        chain.extend(inter);
        out.push(Scenario {
            name: format!("limbo:{}", c["id"].as_str().unwrap_or("?")),
            trust,
            chain,
            host,
            at,
        });
    }
    out
}
