//! `anchorkit bundle` as the acceptance list states it.

mod common;

use std::path::PathBuf;
use std::process::Command;

use anchorkit::testsupport::data;

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn tmp(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ak-bundle-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("tmp");
    d
}

/// The April 2022 chain of the user story.
fn chain(dir: &std::path::Path) -> PathBuf {
    let found = anchorkit::intake::read_path(&root().join("examples/user-story/cert_pem.c"))
        .expect("example");
    let mut pem = found[1].cert().expect("leaf").to_pem();
    for f in [
        "certs/letsencrypt/lets-encrypt-r3.pem",
        "certs/letsencrypt/isrg-root-x1-cross-signed.pem",
    ] {
        pem.push_str(&std::fs::read_to_string(data(f)).expect("cert"));
    }
    let p = dir.join("chain.pem");
    std::fs::write(&p, pem).expect("write");
    p
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_anchorkit"))
        .current_dir(root())
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn user_story_c_bundle_has_an_isrg_root_and_a_backup_and_round_trips() {
    let d = tmp("c");
    let c = chain(&d);
    let out = d.join("ca.h");
    let (code, stdout, err) = run(&[
        "bundle",
        "--chain",
        c.to_str().unwrap_or_default(),
        "--profile",
        "esp-idf-5.3",
        "--lifetime",
        "10y",
        "--redundancy",
        "2",
        "--format",
        "c",
        "--at",
        "2022-04-06",
        "-o",
        out.to_str().unwrap_or_default(),
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert!(common::check_schema("bundle", &v) >= 8);
    let anchors = v["plan"]["anchors"].as_array().expect("anchors");
    let owners: Vec<&str> = anchors.iter().filter_map(|a| a["owner"].as_str()).collect();
    assert!(
        anchors
            .iter()
            .any(|a| a["subject"].as_str().unwrap_or("").contains("ISRG Root")),
        "{stdout}"
    );
    assert!(
        owners
            .iter()
            .any(|o| *o != "Internet Security Research Group"),
        "{owners:?}"
    );
    assert!(v["plan"]["total_bytes"].as_u64().unwrap_or(0) > 1000);
    assert_eq!(v["round_trip_ok"], true);
    // The written header is what was promised: it reads back and the chain verifies with it.
    let back = anchorkit::intake::read_path(&out).expect("written file parses");
    assert_eq!(back.len(), anchors.len());
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn legacy_esp_bundle_accounts_for_the_cross_signed_top() {
    let d = tmp("legacy");
    let c = chain(&d);
    let out = d.join("x509_crt_bundle");
    let (code, stdout, _) = run(&[
        "bundle",
        "--chain",
        c.to_str().unwrap_or_default(),
        "--profile",
        "esp-idf-5.3",
        "--redundancy",
        "2",
        "--format",
        "esp-bundle-legacy",
        "--at",
        "2022-04-06",
        "-o",
        out.to_str().unwrap_or_default(),
    ]);
    // Without DST Root CA X3 (no longer in the Mozilla store) bundle mode cannot cover it.
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("ESP-IDF's bundle looks up that issuer"),
        "{stdout}"
    );
    assert!(stdout.contains("DST Root CA X3"), "{stdout}");
    assert!(
        !out.exists(),
        "nothing may be written when the policy fails"
    );
    // With DST offered, the bundle covers it through DST's record, flagged as expiring.
    let (code, stdout, err) = run(&[
        "bundle",
        "--chain",
        c.to_str().unwrap_or_default(),
        "--extra",
        data("certs/dst-root-ca-x3.pem")
            .to_str()
            .unwrap_or_default(),
        "--profile",
        "esp-idf-5.3",
        "--redundancy",
        "2",
        "--format",
        "esp-bundle-legacy",
        "--at",
        "2022-04-06",
        "-o",
        out.to_str().unwrap_or_default(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        stdout.contains("DST Root CA X3") && stdout.contains("the server's chain must change"),
        "{stdout}"
    );
    let back = anchorkit::intake::read_path(&out).expect("bundle parses");
    assert!(
        back.iter()
            .all(|f| f.origin.format == anchorkit::intake::Format::EspBundleLegacy)
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn budget_failure_reports_the_smallest_size() {
    let d = tmp("budget");
    let c = chain(&d);
    let out = d.join("ca.pem");
    let (code, stdout, _) = run(&[
        "bundle",
        "--chain",
        c.to_str().unwrap_or_default(),
        "--format",
        "pem",
        "--budget",
        "1KiB",
        "--at",
        "2022-04-06",
        "-o",
        out.to_str().unwrap_or_default(),
    ]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("NOT met; the smallest possible is 1940 B"),
        "{stdout}"
    );
    assert!(!out.exists());
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn bad_inputs_exit_2_and_write_nothing() {
    let d = tmp("bad");
    let csv = d.join("bad.csv");
    std::fs::write(&csv, "Owner,Name\nonly-one-column\n").expect("write");
    let out = d.join("out.bin");
    let o = out.to_str().unwrap_or_default();
    let all = data("esp-idf/cacrt_all.pem");
    for args in [
        vec![
            "bundle",
            "--from-store",
            all.to_str().unwrap_or_default(),
            "--filter",
            csv.to_str().unwrap_or_default(),
            "--format",
            "esp-bundle",
            "-o",
            o,
        ],
        vec![
            "bundle",
            "--ca",
            "No Such CA Anywhere",
            "--format",
            "pem",
            "-o",
            o,
        ],
        vec![
            "bundle",
            "--chain",
            "/nonexistent/chain.pem",
            "--format",
            "pem",
            "-o",
            o,
        ],
        vec![
            "bundle",
            "--chain",
            "/nonexistent/chain.pem",
            "--format",
            "nope",
            "-o",
            o,
        ],
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains("error"), "{err}");
        assert!(!out.exists(), "{args:?} wrote output");
    }
    let (_, _, err) = run(&[
        "bundle",
        "--from-store",
        all.to_str().unwrap_or_default(),
        "--filter",
        csv.to_str().unwrap_or_default(),
        "--format",
        "esp-bundle",
    ]);
    assert!(err.contains("bad.csv:2"), "{err}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn whole_store_mode_is_byte_identical_to_esp_idf() {
    let d = tmp("store");
    let out = d.join("x509_crt_bundle");
    let (code, _, err) = run(&[
        "bundle",
        "--from-store",
        data("esp-idf/cacrt_all.pem").to_str().unwrap_or_default(),
        "--filter",
        "common",
        "--format",
        "esp-bundle",
        "-o",
        out.to_str().unwrap_or_default(),
    ]);
    assert_eq!(code, 0, "{err}");
    let got = std::fs::read(&out).expect("written");
    let want =
        std::fs::read(data("esp-idf/reference-bundles/cmn_new_format.bin")).expect("reference");
    assert!(got == want);
    let _ = std::fs::remove_dir_all(&d);
}
