//! `anchorkit diff A B`: anchors added and removed between two trust configurations, and the
//! endpoints whose verdict changes.

mod common;

use anchorkit::testsupport::data;
use anchorkit_difftest::pki::{Alg, Node, Spec, t};

fn pem(der: &[u8]) -> String {
    anchorkit::cert::Certificate::from_der(der)
        .map(|c| c.to_pem())
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn two_esp_idf_bundles() {
    let r = data("esp-idf/reference-bundles");
    let (code, out, err, _) = common::run_anchorkit(&[
        "diff",
        r.join("cmn_new_format.bin").to_str().expect("path"),
        r.join("full_new_format.bin").to_str().expect("path"),
        "--json",
    ]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let d = &v["diff"];
    let (a, b) = (d["count_a"].as_u64(), d["count_b"].as_u64());
    let added = d["added"].as_array().map(Vec::len).unwrap_or(0) as u64;
    let removed = d["removed"].as_array().map(Vec::len).unwrap_or(0) as u64;
    assert!(added > 0, "{d}");
    assert_eq!(
        b.zip(a).map(|(b, a)| b as i64 - a as i64),
        Some(added as i64 - removed as i64)
    );
    // Owners come from the Mozilla store.
    assert!(
        d["added"]
            .as_array()
            .is_some_and(|x| x.iter().any(|c| c["owner"].is_string()))
    );
}

#[test]
fn an_endpoint_that_loses_its_root() {
    let dir = std::env::temp_dir().join(format!("ak-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let ra = Node::root(&Spec::ca("Diff Root A"), Alg::P256);
    let rb = Node::root(&Spec::ca("Diff Root B"), Alg::P256);
    let mut ls = Spec::leaf("device.example.test");
    ls.not_after = t(2040, 1, 1);
    let leaf = rb.issue(&ls, Alg::P256);
    let a = dir.join("a.pem");
    let b = dir.join("b.pem");
    let chain = dir.join("chain.pem");
    std::fs::write(&a, pem(&ra.der) + &pem(&rb.der)).expect("write");
    std::fs::write(&b, pem(&ra.der)).expect("write");
    std::fs::write(&chain, pem(&leaf.der)).expect("write");
    let (code, out, err, _) = common::run_anchorkit(&[
        "diff",
        a.to_str().expect("path"),
        b.to_str().expect("path"),
        "--chain",
        chain.to_str().expect("path"),
        "--host",
        "device.example.test",
        "--profile",
        "esp-idf-5.4",
        "--at",
        "2030-01-01",
    ]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("- Diff Root B"), "{out}");
    assert!(out.contains("ACCEPTED -> REJECTED (changes)"), "{out}");
    let (code, _, err, _) = common::run_anchorkit(&["diff", "nothing.pem", b.to_str().expect("p")]);
    assert_eq!(code, Some(2));
    assert!(err.contains("nothing.pem"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
