//! `anchorkit doctor` on the user story, as the acceptance list states it.

mod common;

use std::path::PathBuf;
use std::process::Command;

use anchorkit::testsupport::data;

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The April 2022 served chain: the user's leaf, R3, ISRG Root X1 cross-signed by DST Root CA X3.
fn chain_files(dir: &std::path::Path) -> (PathBuf, PathBuf) {
    std::fs::create_dir_all(dir).expect("tmp");
    let found = anchorkit::intake::read_path(&root().join("examples/user-story/cert_pem.c"))
        .expect("example");
    let leaf = found[1].cert().expect("leaf").to_pem();
    let mut chain = leaf.clone();
    for f in [
        "certs/letsencrypt/lets-encrypt-r3.pem",
        "certs/letsencrypt/isrg-root-x1-cross-signed.pem",
    ] {
        chain.push_str(&std::fs::read_to_string(data(f)).expect("cert"));
    }
    let (c, l) = (dir.join("chain.pem"), dir.join("leaf.pem"));
    std::fs::write(&c, chain).expect("write");
    std::fs::write(&l, leaf).expect("write");
    (c, l)
}

fn doctor(chain: &std::path::Path, json: bool) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_anchorkit"));
    cmd.current_dir(root())
        .env("NO_COLOR", "1")
        .args([
            "doctor",
            "--trust",
            "examples/user-story/cert_pem.c",
            "--chain",
        ])
        .arg(chain)
        .args([
            "--profile",
            "esp-idf-4.4",
            "--at",
            "2022-04-06T00:00:00Z",
            "--host",
            "optimized.realyze.com",
            "--log",
            "mbedtls_ssl_handshake returned -0x2700",
        ]);
    if json {
        cmd.arg("--json");
    }
    let out = cmd.output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn full_chain_reproduces_names_the_leaf_and_proposes_isrg_root_x1() {
    let dir = std::env::temp_dir().join(format!("ak-doctor-{}", std::process::id()));
    let (chain, _) = chain_files(&dir);
    let (code, out) = doctor(&chain, true);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert!(common::check_schema("doctor", &v) >= 25);
    assert_eq!(v["schema"], "anchorkit.doctor/4");
    assert_eq!(v["accepted"], false);
    assert!(common::check_schema("verify", &v["reproduction"]["verdict"]) >= 8);
    let r = &v["reproduction"];
    assert_eq!(r["verdict"]["code"], "-0x2700");
    assert_eq!(r["verdict"]["flag_names"][0], "NOT_TRUSTED");
    assert_eq!(r["matches_log"], true);
    assert_eq!(v["causes"][0]["kind"], "anchor-is-leaf");
    let cause = v["causes"][0]["text"].as_str().unwrap_or("");
    assert!(
        cause.contains("leaf certificate 'www.optimized.realyze.com'"),
        "{cause}"
    );
    let fixes = v["fixes"].as_array().expect("fixes");
    let x1 = fixes
        .iter()
        .find(|f| {
            f["anchors"].as_array().is_some_and(|a| {
                a.len() == 1 && a[0].as_str().unwrap_or("").contains("ISRG Root X1")
            })
        })
        .expect("an ISRG Root X1 fix");
    assert_eq!(x1["verified"], true);
    assert_eq!(x1["side"], "device");
    assert_eq!(x1["after"]["code"], "0");
    assert_eq!(x1["der_bytes"], 1391);
    assert_eq!(x1["paste_format"], "c");
    let paste = x1["paste"].as_str().unwrap_or("");
    assert!(
        paste.contains("\"-----BEGIN CERTIFICATE-----\\n\""),
        "{paste}"
    );
    // The pasted C literal is itself readable: the list's other anchor (kept for the
    // firmware's other servers), then ISRG Root X1.
    let back = anchorkit::intake::read_bytes("paste.c", paste.as_bytes()).expect("paste parses");
    let names: Vec<String> = back
        .iter()
        .filter_map(|f| f.cert().and_then(|c| c.subject.common_name()))
        .collect();
    assert_eq!(names, vec!["Amazon Root CA 1", "ISRG Root X1"]);
    // No fix proposes the leaf or an intermediate.
    for f in fixes {
        for a in f["anchors"].as_array().into_iter().flatten() {
            let a = a.as_str().unwrap_or("");
            assert!(!a.contains("optimized") && !a.contains("CN = R3"), "{a}");
        }
    }
    let warnings = v["warnings"].to_string();
    assert!(warnings.contains("cross-signed"), "{warnings}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn leaf_alone_still_reproduces_and_names_the_cause() {
    let dir = std::env::temp_dir().join(format!("ak-doctor-leaf-{}", std::process::id()));
    let (_, leaf) = chain_files(&dir);
    let (code, out) = doctor(&leaf, false);
    assert_eq!(code, 1);
    assert!(out.contains("-0x2700"), "{out}");
    assert!(out.contains("the log's -0x2700: reproduced"), "{out}");
    assert!(
        out.contains("The trust list holds the server's own leaf certificate"),
        "{out}"
    );
    assert!(out.contains("ISRG Root X1"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_log_that_does_not_match_lists_what_would() {
    let dir = std::env::temp_dir().join(format!("ak-doctor-alt-{}", std::process::id()));
    let (chain, _) = chain_files(&dir);
    let out = Command::new(env!("CARGO_BIN_EXE_anchorkit"))
        .current_dir(root())
        .args([
            "doctor",
            "--trust",
            "examples/user-story/cert_pem.c",
            "--chain",
        ])
        .arg(&chain)
        .args([
            "--profile",
            "esp-idf-4.4",
            "--at",
            "2022-04-06",
            "--host",
            "optimized.realyze.com",
            "--log",
            "E (1) esp-tls-mbedtls: mbedtls_ssl_handshake returned -0x3000",
            "--json",
        ])
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["reproduction"]["matches_log"], false);
    let alts = v["reproduction"]["alternatives"].to_string();
    assert!(alts.contains("certificate bundle"), "{alts}");
    let likely = v["reproduction"]["likely"].as_str().unwrap_or("");
    assert!(likely.contains("-0x3000"), "{likely}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_exits_2() {
    for args in [
        vec![
            "doctor",
            "--trust",
            "examples/user-story/cert_pem.c",
            "--chain",
            "/nonexistent.pem",
        ],
        vec![
            "doctor",
            "--trust",
            "examples/user-story/cert_pem.c",
            "--chain",
            "examples/user-story/cert_pem.c",
            "--profile",
            "nope",
        ],
        vec![
            "verify",
            "--trust",
            "README.md",
            "--chain",
            "examples/user-story/cert_pem.c",
        ],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_anchorkit"))
            .current_dir(root())
            .args(&args)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let e = String::from_utf8_lossy(&out.stderr);
        assert!(e.contains("error"), "{e}");
    }
}

/// doctor --json on the 2022 chain with ISRG Root X1 trusted, with the given arguments.
fn doctor_2022(dir: &std::path::Path, chain: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let x1 = dir.join("x1.pem");
    std::fs::write(
        &x1,
        std::fs::read_to_string(data("certs/letsencrypt/isrgrootx1.pem")).expect("x1"),
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_anchorkit"))
        .current_dir(root())
        .arg("doctor")
        .arg("--trust")
        .arg(&x1)
        .arg("--chain")
        .arg(chain)
        .args(["--profile", "esp-idf-4.4", "--json"])
        .args(args)
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(common::check_schema("doctor", &v) >= 10);
    v
}

fn top_fix<'a>(v: &'a serde_json::Value, kind: &str) -> &'a serde_json::Value {
    v["fixes"]
        .as_array()
        .and_then(|f| f.iter().find(|x| x["cause"] == kind))
        .unwrap_or_else(|| panic!("no fix for {kind}: {v}"))
}

#[test]
fn the_issue_examples_on_the_2022_chain() {
    let dir = std::env::temp_dir().join(format!("ak-doctor-2022-{}", std::process::id()));
    let (chain, leaf) = chain_files(&dir);
    // A wrong --host: the cause and a device-side fix with the certificate's names; nothing
    // about trust, and no "only the leaf was given".
    let v = doctor_2022(
        &dir,
        &chain,
        &["--host", "wrong.realyze.com", "--at", "2022-04-06"],
    );
    assert_eq!(v["causes"][0]["kind"], "hostname-mismatch");
    let f = top_fix(&v, "hostname-mismatch");
    assert_eq!(
        (f["side"].as_str(), f["verified"].as_bool()),
        (Some("device"), Some(true))
    );
    let text = v.to_string();
    assert!(!text.contains("trust-root"), "{text}");
    assert!(!text.contains("only the leaf was given"), "{text}");
    // The server sends its leaf without R3.
    let v = doctor_2022(
        &dir,
        &leaf,
        &["--host", "optimized.realyze.com", "--at", "2022-04-06"],
    );
    assert_eq!(v["causes"][0]["kind"], "missing-intermediate");
    let f = top_fix(&v, "missing-intermediate");
    assert_eq!(f["side"], "server");
    assert!(f["text"].as_str().unwrap_or("").contains("R3"), "{f}");
    let r3 = data("certs/letsencrypt/lets-encrypt-r3.pem");
    let v = doctor_2022(
        &dir,
        &leaf,
        &[
            "--host",
            "optimized.realyze.com",
            "--at",
            "2022-04-06",
            "--extra",
            r3.to_str().unwrap_or(""),
        ],
    );
    let f = top_fix(&v, "missing-intermediate");
    assert_eq!(
        (f["side"].as_str(), f["verified"].as_bool()),
        (Some("server"), Some(true))
    );
    // Time checks on and the clock at 1970: one cause, "the clock is not set".
    let v = doctor_2022(
        &dir,
        &chain,
        &[
            "--host",
            "optimized.realyze.com",
            "--time-check",
            "on",
            "--at",
            "1970-01-01",
        ],
    );
    assert_eq!(
        v["causes"].as_array().map(Vec::len),
        Some(1),
        "{}",
        v["causes"]
    );
    assert_eq!(v["causes"][0]["kind"], "clock-not-set");
    let f = top_fix(&v, "clock-not-set");
    assert_eq!(
        (f["side"].as_str(), f["verified"].as_bool()),
        (Some("device"), Some(true))
    );
    // ESP bundle mode: the chain ends in ISRG Root X1 cross-signed by DST Root CA X3.
    let out = Command::new(env!("CARGO_BIN_EXE_anchorkit"))
        .current_dir(root())
        .args([
            "doctor",
            "--trust",
            "mozilla",
            "--trust-mode",
            "bundle",
            "--chain",
        ])
        .arg(&chain)
        .args([
            "--profile",
            "esp-idf-5.4",
            "--at",
            "2022-04-06",
            "--host",
            "optimized.realyze.com",
            "--json",
        ])
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["reproduction"]["verdict"]["code"], "-0x3000");
    assert_eq!(v["causes"][0]["kind"], "cross-sign-top-not-in-bundle");
    // The device adds the cross-sign's issuer, DST Root CA X3 (compiled in), to its bundle:
    // verified. Dropping the cross-sign would break the clients that need it: not first.
    let f = top_fix(&v, "cross-sign-top-not-in-bundle");
    assert_eq!(
        (
            f["side"].as_str(),
            f["kind"].as_str(),
            f["verified"].as_bool()
        ),
        (Some("device"), Some("add-to-bundle"), Some(true)),
        "{f}"
    );
    assert!(
        v["fixes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|x| x["kind"] == "drop-cross-signed-top")
            .all(|x| x["breaks"].is_string() && x["rank"] != 1),
        "{}",
        v["fixes"]
    );
    // ISRG Root X1 is already in the bundle: never proposed.
    for f in v["fixes"].as_array().into_iter().flatten() {
        assert!(!f["anchors"].to_string().contains("ISRG Root X1"), "{f}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
