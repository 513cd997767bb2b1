//! Hostile-user findings, each with its regression test: closed and full standard output,
//! terminal escapes in certificate names, invalid UTF-8 in device logs, option parsing of
//! `explain`, output size bounds, and `bundle -o` onto special files.

use std::process::{Command, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_anchorkit"));
    c.env("NO_COLOR", "1");
    c
}

/// Commands with enough output to fill a pipe.
fn loud() -> Vec<Vec<String>> {
    let all = anchorkit::testsupport::data("esp-idf/cacrt_all.pem")
        .display()
        .to_string();
    [
        vec!["inspect", all.as_str()],
        vec!["inspect", all.as_str(), "--json"],
        vec!["bundle", "--from-store", "mozilla", "--format", "pem"],
        vec![
            "bundle",
            "--from-store",
            "mozilla",
            "--format",
            "pem",
            "--json",
        ],
    ]
    .iter()
    .map(|v| v.iter().map(|s| s.to_string()).collect())
    .collect()
}

#[test]
fn a_closed_stdout_never_panics() {
    for args in loud() {
        let mut child = bin()
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("runs");
        // The reader goes away at once, as `| head -0` does.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("waits");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_ne!(out.status.code(), Some(101), "{args:?}: {err}");
    }
}

#[test]
fn a_full_stdout_is_an_error_not_a_success() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        panic!("/dev/full is missing");
    };
    for args in loud() {
        let out = bin()
            .args(&args)
            .stdout(Stdio::from(full.try_clone().expect("clone")))
            .output()
            .expect("runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("cannot write the output"), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn certificate_names_cannot_drive_the_terminal() {
    use anchorkit_difftest::pki::{Alg, Node, Spec};
    let dir = std::env::temp_dir().join(format!("ak-hard-names-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    // Clear the screen, set the title, ring the bell, and forge a verdict line.
    let evil = "x\u{1b}[2J\u{1b}]0;owned\u{07}\r\nACCEPTED  esp-idf-5.4 \u{0}\u{202e}";
    let root = Node::root(&Spec::ca(evil), Alg::P256);
    let mut ls = Spec::leaf("device.example.test");
    // IA5String: ASCII controls only.
    ls.sans
        .push("a\u{1b}[2J\u{07}\r\nACCEPTED  esp-idf-5.4 \u{0}.example.test".to_string());
    let leaf = root.issue(&ls, Alg::P256);
    let pem = |d: &[u8]| anchorkit::pemutil::encode("CERTIFICATE", d);
    let file = dir.join("evil.pem");
    std::fs::write(&file, pem(&leaf.der) + &pem(&root.der)).expect("write");
    let f = file.to_str().expect("path");
    for args in [
        vec!["inspect", f],
        vec![
            "verify",
            "--trust",
            f,
            "--chain",
            f,
            "--host",
            "device.example.test",
        ],
        vec![
            "doctor",
            "--trust",
            f,
            "--chain",
            f,
            "--host",
            "device.example.test",
        ],
    ] {
        let out = bin().args(&args).output().expect("runs");
        let text = String::from_utf8_lossy(&out.stdout);
        for bad in ['\u{1b}', '\u{07}', '\r', '\u{0}', '\u{202e}'] {
            assert!(!text.contains(bad), "{args:?} printed {bad:?}:\n{text}");
        }
        assert!(
            !text
                .lines()
                .any(|l| l.starts_with("ACCEPTED  esp-idf-5.4 \\")),
            "{args:?}: a forged line:\n{text}"
        );
        assert!(
            text.contains("\\x1b[2J"),
            "{args:?}: the escape is shown:\n{text}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = bin().args(args).output().expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn explain_reads_options_after_codes_several_codes_and_bare_numbers() {
    let (code, out, err) = run(&["explain", "0x2700", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        v["findings"][0]["name"],
        "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED"
    );
    let (code, out, err) = run(&["explain", "-0x2700", "-0x7780"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("MBEDTLS_ERR_X509_CERT_VERIFY_FAILED"), "{out}");
    assert!(out.contains("MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE"), "{out}");
    // A bare 2700 is the hex code typed without 0x, and the output says so.
    let (_, out, _) = run(&["explain", "2700"]);
    assert!(
        out.starts_with("-0x2700  MBEDTLS_ERR_X509_CERT_VERIFY_FAILED"),
        "{out}"
    );
    assert!(out.contains("read as hex"), "{out}");
    // A decimal that names an error keeps the decimal reading, with the note.
    let (_, out, _) = run(&["explain", "9984"]);
    assert!(out.contains("read as the decimal number 9984"), "{out}");
    let (code, _, err) = run(&["explain", "0x2700", "--bogus"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--bogus"), "{err}");
}

#[test]
fn device_logs_with_noise_are_read_and_missing_log_files_are_named() {
    let dir = std::env::temp_dir().join(format!("ak-hard-log-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let log = dir.join("monitor.txt");
    // Boot ROM noise at the wrong baud rate, then the real line.
    let mut bytes = b"\xff\xfe\x80ets Jun  8 2016 00:22:57\x00\n".to_vec();
    bytes.extend_from_slice(b"E (3515) esp-tls-mbedtls: mbedtls_ssl_handshake returned -0x2700\n");
    std::fs::write(&log, bytes).expect("write");
    let (code, out, err) = run(&["explain", "--log", log.to_str().expect("path")]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("MBEDTLS_ERR_X509_CERT_VERIFY_FAILED"), "{out}");
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/doctor");
    let (code, out, err) = run(&[
        "doctor",
        "--trust",
        &format!("{root}/root.pem"),
        "--chain",
        &format!("{root}/fullchain.pem"),
        "--host",
        "iot.example.com",
        "--log",
        log.to_str().expect("path"),
    ]);
    assert!(code == Some(0) || code == Some(1), "{out}{err}");
    assert!(out.contains("the log's -0x2700"), "{out}");
    let (code, _, err) = run(&[
        "doctor",
        "--trust",
        &format!("{root}/root.pem"),
        "--chain",
        &format!("{root}/fullchain.pem"),
        "--log",
        "monitr.txt",
    ]);
    assert_eq!(code, Some(2));
    assert!(err.contains("monitr.txt: no such file"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bundle_output_never_replaces_special_files_or_leaves_stale_ones() {
    let dir = std::env::temp_dir().join(format!("ak-hard-out-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let fifo = dir.join("fifo");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    assert!(made, "mkfifo");
    let target = dir.join("target.pem");
    std::fs::write(&target, "keep me").expect("write");
    let link = dir.join("link.pem");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    for (out, what) in [
        ("/dev/null", "device"),
        (fifo.to_str().expect("path"), "FIFO"),
        (link.to_str().expect("path"), "symbolic link"),
    ] {
        let (code, _, err) = run(&["bundle", "--ca", "Amazon", "-o", out]);
        assert_eq!(code, Some(2), "{out}: {err}");
        assert!(err.contains(what), "{out}: {err}");
    }
    assert_eq!(
        std::fs::read_to_string(&target).ok().as_deref(),
        Some("keep me")
    );
    let meta = std::fs::symlink_metadata("/dev/null").expect("/dev/null");
    assert!(!meta.file_type().is_file(), "/dev/null was replaced");
    // A DER directory written twice: the second run's files only.
    let der = dir.join("der");
    let count = |p: &std::path::Path| std::fs::read_dir(p).map(|d| d.count()).unwrap_or(0);
    let (code, _, err) = run(&[
        "bundle",
        "--ca",
        "Amazon",
        "--ca",
        "Let's Encrypt",
        "--format",
        "der",
        "-o",
        der.to_str().expect("path"),
    ]);
    assert_eq!(code, Some(0), "{err}");
    let first = count(&der);
    let (code, _, err) = run(&[
        "bundle",
        "--ca",
        "Let's Encrypt",
        "--format",
        "der",
        "-o",
        der.to_str().expect("path"),
    ]);
    assert_eq!(code, Some(0), "{err}");
    let second = count(&der);
    assert!(second < first, "stale files stayed: {first} then {second}");
    // Nothing temporary is left beside the outputs.
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".anchorkit-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bounds_inputs_errors_and_warnings() {
    let dir = std::env::temp_dir().join(format!("ak-hard-bounds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let root = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/doctor/root.pem"
    );
    let pem = std::fs::read_to_string(root).expect("root");
    // 4,000 copies of one certificate: linear output, each duplicate reported once.
    let copies = dir.join("copies.pem");
    std::fs::write(&copies, pem.repeat(4000)).expect("write");
    let out = bin()
        .args(["inspect", copies.to_str().expect("path")])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.len() < 10_000_000, "{} bytes", out.stdout.len());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("more duplicates"),
        "{}",
        &text[text.len().saturating_sub(2000)..]
    );
    // An input over the size limit is refused by name.
    let huge = dir.join("huge.bin");
    let f = std::fs::File::create(&huge).expect("create");
    f.set_len(anchorkit::intake::MAX_INPUT_BYTES + 1)
        .expect("sparse file");
    let (code, _, err) = run(&["inspect", huge.to_str().expect("path")]);
    assert_eq!(code, Some(2));
    assert!(err.contains("input limit"), "{err}");
    // An error never repeats a huge input.
    let junk = "x".repeat(100_000);
    let (code, _, err) = run(&["explain", &junk]);
    assert_eq!(code, Some(2));
    assert!(err.len() < 2_000, "{} bytes of error", err.len());
    // 300,000 warnings of one kind become ten and a count.
    let warn = dir.join("warn.pem");
    std::fs::write(
        &warn,
        " -----BEGIN CERTIFICATE-----\n".repeat(300_000) + &pem,
    )
    .expect("w");
    let (code, _, err) = run(&[
        "bundle",
        "--from-store",
        warn.to_str().expect("p"),
        "--format",
        "pem",
    ]);
    assert_eq!(code, Some(0), "{}", &err[..err.len().min(500)]);
    assert!(err.lines().count() <= 12, "{} lines", err.lines().count());
    assert!(err.contains("299990 more warnings"), "{err}");
    // Whole-store mode refuses endpoint options instead of ignoring them.
    let (code, _, err) = run(&["bundle", "--from-store", "mozilla", "--budget", "4KiB"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--budget"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_thousand_same_subject_roots_are_analysed_in_linear_time() {
    use anchorkit_difftest::pki::{Alg, Node, Spec};
    let dir = std::env::temp_dir().join(format!("ak-hard-same-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let mut text = String::new();
    for _ in 0..1000 {
        let r = Node::root(&Spec::ca("Same Subject Root"), Alg::P256);
        text.push_str(&anchorkit::pemutil::encode("CERTIFICATE", &r.der));
    }
    let file = dir.join("same.pem");
    std::fs::write(&file, text).expect("write");
    // Before the fix this took 72 s (every pair's signature checked); the bound is generous
    // for a debug build on a loaded machine, the point is the order of growth.
    let start = std::time::Instant::now();
    let (code, out, err) = run(&["inspect", file.to_str().expect("path")]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("1000 item(s)"),
        "{}",
        &out[..200.min(out.len())]
    );
    assert!(
        start.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn doctor_on_a_cross_signed_mesh_costs_about_what_verify_does() {
    let dir = std::env::temp_dir().join(format!("ak-hard-mesh-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let (chain, _) = anchorkit_difftest::fixtures::mesh(6);
    let chain_f = dir.join("chain.pem");
    std::fs::write(&chain_f, chain).expect("write");
    let other = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/doctor/root.pem"
    );
    let args = |cmd: &'static str| {
        vec![
            cmd.to_string(),
            "--trust".into(),
            other.into(),
            "--chain".into(),
            chain_f.display().to_string(),
            "--host".into(),
            "device.example.test".into(),
            "--profile".into(),
            "webpki".into(),
            "--at".into(),
            "2030-01-01".into(),
        ]
    };
    let time = |cmd: &'static str| {
        let start = std::time::Instant::now();
        let out = bin().args(args(cmd)).output().expect("runs");
        assert_eq!(out.status.code(), Some(1), "{cmd}");
        start.elapsed()
    };
    let v = time("verify");
    let d = time("doctor");
    // Before: one full path search per store root (about 120 of them).
    assert!(
        d < v * 20 + std::time::Duration::from_secs(2),
        "doctor {d:?} against verify {v:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The `badkeys` command (PyPI package; scripts/test.sh installs it).
fn badkeys(file: &std::path::Path) -> String {
    // The checks that need no downloaded blocklist.
    let out = Command::new("badkeys")
        .args(["-c", "roca,fermat,smallfactors,rsainvalid"])
        .arg(file)
        .output()
        .expect("badkeys is not installed (pip install badkeys; scripts/test.sh installs it)");
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn known_weak_keys_are_flagged_as_badkeys_flags_them() {
    use anchorkit_difftest::pki::{Alg, Node, Spec};
    let dir = std::env::temp_dir().join(format!("ak-hard-weak-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let (roca, fermat) = anchorkit_difftest::fixtures::weak_rsa_keys(2048);
    let ca = Node::root(&Spec::ca("Weak Key Test CA"), Alg::P256);
    let pem = |d: &[u8]| anchorkit::pemutil::encode("CERTIFICATE", d);
    let good = anchorkit_difftest::pki::rsa_spki(2048);
    for (name, spki, want, badkeys_word) in [
        ("roca", &roca, "ROCA", "roca"),
        ("fermat", &fermat, "close primes", "fermat"),
        ("good", &good, "", ""),
    ] {
        let cert = ca.issue_for_raw_spki(&Spec::leaf("weak.example.test"), spki);
        let f = dir.join(format!("{name}.pem"));
        std::fs::write(&f, pem(&cert)).expect("write");
        let (code, out, err) = run(&["inspect", f.to_str().expect("path")]);
        assert_eq!(code, Some(0), "{err}");
        let theirs = badkeys(&f).to_lowercase();
        if want.is_empty() {
            assert!(!out.contains("weak-key"), "{name}: {out}");
            assert!(
                !theirs.contains("roca") && !theirs.contains("fermat"),
                "{name}: {theirs}"
            );
        } else {
            assert!(
                out.contains("FAIL weak-key") && out.contains(want),
                "{name}: {out}"
            );
            assert!(theirs.contains(badkeys_word), "badkeys on {name}: {theirs}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
