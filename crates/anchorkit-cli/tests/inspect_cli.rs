//! `anchorkit inspect` as a user runs it.

mod common;

use std::process::Command;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_anchorkit"));
    c.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    c.env("NO_COLOR", "1");
    c
}

#[test]
fn user_story_acceptance() {
    let out = bin()
        .args([
            "inspect",
            "examples/user-story/cert_pem.c",
            "--at",
            "2022-04-06T00:00:00Z",
        ])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let t = String::from_utf8_lossy(&out.stdout);
    let leaf_line = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/user-story/cert_pem.c"
    ))
    .expect("example")
    .lines()
    .enumerate()
    .filter(|(_, l)| l.contains("BEGIN CERTIFICATE"))
    .map(|(i, _)| i + 1)
    .nth(1)
    .expect("second BEGIN");
    for needle in [
        format!("examples/user-story/cert_pem.c:{leaf_line}"),
        "www.optimized.realyze.com — leaf (end-entity, not a CA)".to_string(),
        "DNS:optimized.realyze.com, DNS:www.optimized.realyze.com".to_string(),
        "issuer        C = US, O = Let's Encrypt, CN = R3".to_string(),
        "to 2022-07-04T18:24:46Z (valid, 89 days left)".to_string(),
        "key           RSA 2048".to_string(),
        "signature     sha256WithRSAEncryption".to_string(),
        "chains to ISRG Root X1 (Internet Security Research Group) in the store through C = US, O = Let's Encrypt, CN = R3".to_string(),
    ] {
        assert!(t.contains(&needle), "missing {needle:?} in:\n{t}");
    }
}

#[test]
fn json_has_the_documented_fields() {
    let out = bin()
        .args([
            "inspect",
            "examples/user-story/cert_pem.c",
            "--at",
            "2022-04-06T00:00:00Z",
            "--json",
        ])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let checked = common::check_schema("inspect", &v);
    assert!(checked >= 20, "only {checked} documented fields");
}

#[test]
fn bad_input_exits_2_with_location() {
    let dir = std::env::temp_dir().join(format!("ak-inspect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let f = dir.join("broken.pem");
    std::fs::write(
        &f,
        "-----BEGIN CERTIFICATE-----\nMIIB*\n-----END CERTIFICATE-----\n",
    )
    .expect("write");
    let out = bin().arg("inspect").arg(&f).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("broken.pem:2"), "{e}");
    let out = bin()
        .args(["inspect", "/nonexistent/x.pem"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}
