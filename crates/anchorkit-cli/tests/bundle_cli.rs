//! `anchorkit bundle` as issue 4's acceptance list states it, end to end through the binary.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use anchorkit::testsupport::{data, shared_dir};

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn tmp(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ak-bundle-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("tmp");
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

/// The April 2022 chain of the user story: the leaf of the second `cert_pem` literal of the
/// forum post, Let's Encrypt R3, and ISRG Root X1 cross-signed by DST Root CA X3.
fn chain(dir: &Path) -> PathBuf {
    let found =
        anchorkit::intake::read_path(&shared_dir().join("user-story.txt")).expect("user story");
    let literals: Vec<_> = found.iter().filter_map(|f| f.cert()).collect();
    let mut pem = literals.get(1).expect("second literal").to_pem();
    assert!(pem.len() > 1000);
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

fn story(c: &Path, format: &str, out: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "bundle",
        "--chain",
        s(c),
        "--profile",
        "esp-idf-5.3",
        "--lifetime",
        "10y",
        "--redundancy",
        "2",
        "--format",
        format,
        "--at",
        "2022-04-06T00:00:00Z",
        "-o",
        s(out),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn user_story_c_header_has_an_isrg_root_and_a_backup_and_round_trips() {
    let d = tmp("c");
    let c = chain(&d);
    let out = d.join("ca.h");
    let (code, stdout, err) = story(&c, "c", &out, &["--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert!(common::check_schema("bundle", &v) >= 30);
    let p = &v["plan"];
    let anchors = p["anchors"].as_array().expect("anchors");
    assert_eq!(anchors.len(), 2, "{stdout}");
    assert_eq!(anchors[0]["name"], "ISRG Root X1");
    assert_eq!(anchors[0]["role"], "cover");
    assert_eq!(anchors[1]["role"], "backup");
    assert_ne!(anchors[1]["owner"], anchors[0]["owner"]);
    let total = p["total_bytes"].as_u64().expect("total");
    let sum: u64 = anchors.iter().filter_map(|a| a["bytes"].as_u64()).sum();
    assert_eq!(total, sum + 1, "PEM bytes plus the NUL");
    assert_eq!(v["round_trip_ok"], true);
    assert_eq!(v["written"], s(&out));
    // The header is what the plan says: same certificates, and sizeof in the comment.
    let header = std::fs::read_to_string(&out).expect("written");
    assert!(header.contains(&format!("sizeof server_root_cert_pem = {total} bytes")));
    let back = anchorkit::intake::read_path(&out).expect("written file parses");
    assert_eq!(back.len(), 2);
    // Text mode says the same, with the runner-up.
    let (code, text, _) = story(&c, "c", &d.join("ca2.h"), &[]);
    assert_eq!(code, 0);
    assert!(text.contains("cover  ISRG Root X1"), "{text}");
    assert!(text.contains(&format!("total {total} B in c")), "{text}");
    assert!(text.contains("runner-up: ISRG Root X1 + "), "{text}");
    assert!(
        text.contains("read back and every server re-verified"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn user_story_legacy_bundle_accounts_for_the_cross_signed_top() {
    let d = tmp("legacy");
    let c = chain(&d);
    let out = d.join("x509_crt_bundle");
    // The Mozilla store no longer has DST Root CA X3: bundle mode cannot cover the chain
    // today, and says which record the lookup needs.
    let (code, stdout, _) = story(&c, "esp-bundle-legacy", &out, &[]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("ESP-IDF's bundle looks up that issuer"),
        "{stdout}"
    );
    assert!(
        stdout.contains("record of 'DST Root CA X3' is needed"),
        "{stdout}"
    );
    assert!(
        !out.exists(),
        "nothing may be written when the policy fails"
    );
    // With DST Root CA X3 offered: DST for today's chain, ISRG Root X1 for the chain after
    // the cross-sign expires, and a backup of another owner.
    let dst = data("certs/dst-root-ca-x3.pem");
    let (code, stdout, err) = story(
        &c,
        "esp-bundle-legacy",
        &out,
        &["--extra", s(&dst), "--json"],
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    common::check_schema("bundle", &v);
    let e = &v["plan"]["endpoints"][0];
    assert_eq!(e["covered_by"][0], "DST Root CA X3");
    assert_eq!(e["covered_at_end_by"][0], "ISRG Root X1");
    assert_eq!(e["owners"].as_array().map(Vec::len), Some(2));
    let kinds: Vec<&str> = v["plan"]["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter_map(|n| n["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"cross-signed-top") && kinds.contains(&"chain-will-change"));
    let back = anchorkit::intake::read_path(&out).expect("bundle parses");
    assert_eq!(back.len(), 3);
    assert!(
        back.iter()
            .all(|f| f.origin.format == anchorkit::intake::Format::EspBundleLegacy)
    );
    assert_eq!(
        std::fs::metadata(&out).expect("written").len(),
        v["plan"]["total_bytes"].as_u64().expect("total")
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn budget_failure_reports_the_smallest_size_and_writes_nothing() {
    let d = tmp("budget");
    let c = chain(&d);
    let out = d.join("ca.pem");
    let (code, stdout, _) = story(&c, "pem", &out, &["--budget", "1KiB"]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("budget 1024 B: NOT met; the smallest possible is 2596 B"),
        "{stdout}"
    );
    assert!(!out.exists());
    let (code, _, _) = story(&c, "pem", &out, &["--budget", "2596"]);
    assert_eq!(code, 0);
    assert!(out.exists());
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn every_format_is_written_and_reads_back() {
    let d = tmp("all");
    let c = chain(&d);
    let dst = data("certs/dst-root-ca-x3.pem");
    for f in anchorkit::bundle::OutputFormat::ALL {
        let out = d.join(format!("out-{}", f.name()));
        // Bundle mode needs the cross-sign's issuer for today's chain.
        let extra: Vec<&str> = if f.is_esp_bundle() {
            vec!["--extra", s(&dst)]
        } else {
            Vec::new()
        };
        let (code, stdout, err) = story(&c, f.name(), &out, &extra);
        assert_eq!(code, 0, "{}: {stdout}{err}", f.name());
        assert!(stdout.contains("written"), "{}", f.name());
        if f == anchorkit::bundle::OutputFormat::Der {
            assert_eq!(std::fs::read_dir(&out).expect("dir").count(), 2);
        } else {
            assert!(std::fs::metadata(&out).expect("file").len() > 100);
        }
    }
    // No temporary files are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(&d)
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("anchorkit-tmp"))
        .collect();
    assert!(leftovers.is_empty());
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn ca_endpoints_by_owner() {
    let (code, stdout, err) = run(&[
        "bundle",
        "--ca",
        "Let's Encrypt",
        "--redundancy",
        "2",
        "--format",
        "esp-bundle",
        "--at",
        "2026-01-01",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let names: Vec<&str> = v["plan"]["anchors"]
        .as_array()
        .expect("anchors")
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    // Every root the CA's servers may end at, the Generation Y roots (compiled in, not yet in
    // the Mozilla store) included, and a backup of another owner.
    for root in ["ISRG Root X1", "ISRG Root X2", "Root YR", "Root YE"] {
        assert!(names.contains(&root), "{root}: {names:?}");
    }
    assert_eq!(names.len(), 5, "{names:?}");
}

#[test]
fn bad_inputs_exit_2_with_a_clear_error_and_write_nothing() {
    let d = tmp("bad");
    let csv = d.join("bad.csv");
    std::fs::write(&csv, "Owner,Name\nonly-one-column\n").expect("write");
    let out = d.join("out.bin");
    let o = s(&out);
    let all = data("esp-idf/cacrt_all.pem");
    let c = chain(&d);
    for (args, says) in [
        (
            vec![
                "bundle",
                "--from-store",
                s(&all),
                "--filter",
                s(&csv),
                "-o",
                o,
            ],
            "bad.csv:2",
        ),
        (
            vec![
                "bundle",
                "--from-store",
                s(&all),
                "--filter",
                "/nonexistent.csv",
                "-o",
                o,
            ],
            "/nonexistent.csv: cannot read",
        ),
        (
            vec!["bundle", "--ca", "No Such CA Anywhere", "-o", o],
            "--ca 'No Such CA Anywhere'",
        ),
        (
            vec!["bundle", "--chain", "/nonexistent/chain.pem", "-o", o],
            "/nonexistent/chain.pem",
        ),
        (
            vec!["bundle", "--chain", s(&csv), "-o", o],
            "no certificate",
        ),
        (
            vec!["bundle", "--chain", s(&c), "--format", "nope", "-o", o],
            "unknown --format 'nope'",
        ),
        (
            vec!["bundle", "--chain", s(&c), "--profile", "nope", "-o", o],
            "nope",
        ),
        (
            vec!["bundle", "--chain", s(&c), "--budget", "4 lots", "-o", o],
            "--budget",
        ),
        (
            vec!["bundle", "--chain", s(&c), "--lifetime", "ten", "-o", o],
            "--lifetime",
        ),
        (
            vec!["bundle", "--chain", s(&c), "--prefer", "cheapest", "-o", o],
            "--prefer",
        ),
        (
            vec![
                "bundle",
                "--from-store",
                "/nonexistent/cacrt_all.pem",
                "-o",
                o,
            ],
            "cannot read",
        ),
        (vec!["bundle", "-o", o], "give the servers"),
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains("error") && err.contains(says),
            "{args:?}: {err}"
        );
        assert!(!out.exists(), "{args:?} wrote output");
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn whole_store_mode_is_byte_identical_to_esp_idf() {
    let d = tmp("store");
    let all = data("esp-idf/cacrt_all.pem");
    let csv = data("esp-idf/cmn_crt_authorities.csv");
    for (filter, format, reference) in [
        (None, "esp-bundle", "full_new_format.bin"),
        (None, "esp-bundle-legacy", "full_legacy_format.bin"),
        (Some(s(&csv)), "esp-bundle", "cmn_new_format.bin"),
        (Some(s(&csv)), "esp-bundle-legacy", "cmn_legacy_format.bin"),
        (Some("common"), "esp-bundle", "cmn_new_format.bin"),
        (Some("common"), "esp-bundle-legacy", "cmn_legacy_format.bin"),
    ] {
        let out = d.join(reference);
        let mut args = vec![
            "bundle",
            "--from-store",
            s(&all),
            "--format",
            format,
            "-o",
            s(&out),
        ];
        if let Some(f) = filter {
            args.extend(["--filter", f]);
        }
        args.push("--json");
        let (code, stdout, err) = run(&args);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&stdout).expect("json");
        assert_eq!(common::check_schema("bundle-store", &v), 6);
        let got = std::fs::read(&out).expect("written");
        let want = std::fs::read(data(&format!("esp-idf/reference-bundles/{reference}")))
            .expect("reference");
        assert!(got == want, "{reference} {filter:?}");
        let warned = v["warnings"].as_array().map(Vec::len).unwrap_or(0);
        assert_eq!(warned, if filter.is_some() { 2 } else { 0 }, "{stdout}");
    }
    // The two CSV names ESP-IDF skips silently are named on stderr in text mode.
    let (code, _, err) = run(&[
        "bundle",
        "--from-store",
        s(&all),
        "--filter",
        "common",
        "-o",
        s(&d.join("x")),
    ]);
    assert_eq!(code, 0);
    assert!(
        err.contains("'Starfield Class 2 CA' matches no heading"),
        "{err}"
    );
    // The built-in store, common filter, with ESP-IDF's deprecated list appended.
    let (code, stdout, err) = run(&[
        "bundle",
        "--from-store",
        "mozilla",
        "--filter",
        "common",
        "--deprecated",
        s(&data("esp-idf/cacrt_deprecated.pem")),
        "--format",
        "esp-bundle",
        "-o",
        s(&d.join("moz")),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("written"), "{stdout}");
    let _ = std::fs::remove_dir_all(&d);
}

/// A CA whose servers send a cross-sign by an old root today and stop on 2030-01-01 (an event
/// in a user events file) although the cross-sign itself lasts to 2040: without the event the
/// small old root looks durable; with it only the new root is.
#[test]
fn bundle_plans_with_the_events() {
    use anchorkit_difftest::pki::{Alg, Node, Spec, t};
    let dir = tmp("events");
    let pem = |d: &[u8]| {
        anchorkit::cert::Certificate::from_der(d)
            .map(|c| c.to_pem())
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let old = Node::root(&Spec::ca("Events Old Root"), Alg::P256);
    let mut ns = Spec::ca("Events New Root");
    ns.not_before = t(2021, 1, 1);
    let new = Node::root(&ns, Alg::Rsa2048);
    let cross = old.cross_sign(&new, t(2040, 1, 1));
    let int = new.issue(&Spec::ca("Events Issuing CA"), Alg::P256);
    let mut ls = Spec::leaf("device.example.test");
    ls.not_after = t(2040, 1, 1);
    let leaf = int.issue(&ls, Alg::P256);
    let chain = dir.join("chain.pem");
    std::fs::write(&chain, pem(&leaf.der) + &pem(&int.der) + &pem(&cross)).expect("write");
    let roots = dir.join("roots.pem");
    std::fs::write(&roots, pem(&old.der) + &pem(&new.der)).expect("write");
    let certs = dir.join("int.pem");
    std::fs::write(&certs, pem(&int.der)).expect("write");
    let sha: String = anchorkit::cert::Certificate::from_der(&int.der)
        .expect("int")
        .sha256()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    let events = dir.join("events.json");
    std::fs::write(
        &events,
        format!(
            r#"{{"schema": "anchorkit.events/1",
 "cas": [{{"id": "eventsca", "name": "Events CA", "issuer_organizations": ["anchorkit test"]}}],
 "events": [{{"date": "2030-01-01", "kind": "chain-change", "ca": "eventsca", "key": "any",
   "status": "announced", "chain": ["{sha}"], "text": "Events CA stops sending the cross-sign",
   "source": "test"}}]}}"#
        ),
    )
    .expect("write");
    let base = [
        "bundle",
        "--chain",
        s(&chain),
        "--extra",
        s(&roots),
        "--profile",
        "esp-idf-5.4",
        "--at",
        "2026-12-01",
        "--lifetime",
        "10y",
        "--json",
    ];
    let (code, out, err) = run(&base);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        v["plan"]["anchors"][0]["name"], "Events Old Root",
        "{}",
        v["plan"]["anchors"]
    );
    let mut with = base.to_vec();
    with.extend(["--events", s(&events), "--certs", s(&certs)]);
    let (code, out, err) = run(&with);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let names: Vec<String> = v["plan"]["anchors"]
        .as_array()
        .expect("anchors")
        .iter()
        .filter_map(|a| a["name"].as_str().map(str::to_string))
        .collect();
    assert!(
        names.contains(&"Events New Root".to_string()),
        "{names:?} {}",
        v["plan"]["lifetime"]
    );
    let life = &v["plan"]["lifetime"][0];
    assert_eq!(life["chosen"], "works to the end", "{life}");
    let _ = std::fs::remove_dir_all(&dir);
}
