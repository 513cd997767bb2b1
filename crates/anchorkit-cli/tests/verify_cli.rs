//! `anchorkit verify` as a user runs it: one profile, several profiles (the matrix), build
//! configuration files, served chains with entries that are not certificates.

mod common;

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
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

const STORY: [&str; 8] = [
    "--trust",
    "examples/user-story/cert_pem.c",
    "--chain",
    "examples/user-story/served-leaf.pem",
    "--host",
    "optimized.realyze.com",
    "--at",
    "2022-04-06",
];

#[test]
fn matrix_gives_one_row_per_profile_and_fails_when_any_rejects() {
    let mut args = vec!["verify"];
    args.extend(STORY);
    args.extend(["--profile", "esp-idf-4.4,bearssl,webpki"]);
    let (code, out, err) = run(&args);
    assert_eq!(code, 1, "{err}");
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(rows.len(), 4, "{out}");
    assert!(rows[3].starts_with("assumed: completed with"), "{out}");
    assert!(
        rows[0].starts_with("esp-idf-4.4") && rows[0].contains("rejects"),
        "{out}"
    );
    assert!(
        rows[1].starts_with("bearssl") && rows[1].contains("accepts"),
        "{out}"
    );
    // Only stacks that accept: exit 0.
    let mut ok = vec!["verify"];
    ok.extend(STORY);
    ok.extend(["--profile", "bearssl,wolfssl-5-distro"]);
    assert_eq!(run(&ok).0, 0);
}

#[test]
fn matrix_json_is_an_array_of_verdicts() {
    let mut args = vec!["--json", "verify"];
    args.extend(STORY);
    args.extend(["--profile", "all"]);
    let (code, out, err) = run(&args);
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let arr = v.as_array().expect("array");
    assert_eq!(arr.len(), anchorkit::profile::Profile::names().len());
    for row in arr {
        assert!(common::check_schema("verify", row) >= 8);
        // The story's served chain is the lone leaf: completed, and the as-given verdict kept.
        assert_eq!(common::check_schema("verify-completion", row), 2);
        assert_eq!(row["completed_with"][0]["name"], "R3");
        assert!(row["as_given"]["code"].as_str().is_some());
    }
}

#[test]
fn unknown_profile_in_a_list_is_bad_input() {
    let mut args = vec!["verify"];
    args.extend(STORY);
    args.extend(["--profile", "bearssl,nosuch"]);
    let (code, _, err) = run(&args);
    assert_eq!(code, 2);
    assert!(err.contains("nosuch"), "{err}");
}

#[test]
fn sdkconfig_turns_time_checks_on_and_bad_lines_are_located() {
    let dir = std::env::temp_dir().join(format!("anchorkit-verify-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let sdk = dir.join("sdkconfig");
    std::fs::write(&sdk, "CONFIG_MBEDTLS_HAVE_TIME_DATE=y\n").expect("write");
    let sdk_s = sdk.display().to_string();
    // The 2022 leaf checked in 2025 with time checks on: EXPIRED joins NOT_TRUSTED.
    let args = [
        "verify",
        "--trust",
        "examples/user-story/cert_pem.c",
        "--chain",
        "examples/user-story/served-leaf.pem",
        "--host",
        "optimized.realyze.com",
        "--at",
        "2025-01-01",
        "--profile",
        "esp-idf-5.4",
        "--sdkconfig",
        &sdk_s,
    ];
    let (code, out, _) = run(&args);
    assert_eq!(code, 1);
    assert!(out.contains("EXPIRED"), "{out}");
    assert!(out.contains("time checks on"), "{out}");
    std::fs::write(&sdk, "CONFIG_MBEDTLS_HAVE_TIME_DATE=y\nnot a setting\n").expect("write");
    let (code, _, err) = run(&args);
    assert_eq!(code, 2);
    assert!(err.contains("sdkconfig:2"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_chain_entry_that_is_not_a_certificate_is_the_stack_s_business() {
    let dir = std::env::temp_dir().join(format!("anchorkit-verify-junk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let leaf =
        std::fs::read_to_string(root().join("examples/user-story/served-leaf.pem")).expect("leaf");
    let junk = anchorkit::pemutil::encode("CERTIFICATE", b"this is not a certificate at all");
    let chain = dir.join("chain.pem");
    std::fs::write(&chain, format!("{leaf}{junk}")).expect("write");
    let chain_s = chain.display().to_string();
    let base = [
        "verify",
        "--trust",
        "examples/user-story/served-leaf.pem",
        "--chain",
        &chain_s,
        "--host",
        "optimized.realyze.com",
        "--at",
        "2022-04-06",
        "--profile",
    ];
    // BearSSL trusts the leaf directly and never reads the bytes after it.
    let mut a = base.to_vec();
    a.push("bearssl");
    let (code, out, err) = run(&a);
    assert_eq!(code, 0, "{out}{err}");
    // Mbed TLS rejects an entry under 128 bytes in the Certificate message.
    let mut a = base.to_vec();
    a.push("mbedtls-3.6");
    let (code, out, _) = run(&a);
    assert_eq!(code, 1);
    assert!(out.contains("-0x7300"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// wolfSSL as firmware builds it (its defaults) against Debian's build, on the user story's
/// real certificates: the pasted leaf is no trust anchor for the device build (-188, as the
/// real wolfSSL 5.9.4 built from source decides in the differential, `user-story-trust-leaf`),
/// and a root outside its dates is refused when it is loaded.
#[test]
fn wolfssl_device_build_and_distro_build() {
    let leaf = |profile: &str| {
        let mut a = vec!["--json", "verify"];
        a.extend(STORY);
        a.extend(["--profile", profile]);
        let (code, out, _) = run(&a);
        let v: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
        (code, v)
    };
    let (code, v) = leaf("wolfssl-5");
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["code"], "-188", "{v}");
    let (code, v) = leaf("wolfssl-5-distro");
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["code"], "0", "{v}");
    // DST Root CA X3 (expired 2021-09-30) as the trust, in 2024: the device build refuses it
    // at load (ASN_AFTER_DATE_E), so nothing anchors the chain; Debian's build loads it.
    let dst = anchorkit::testsupport::data("certs/dst-root-ca-x3.pem");
    let dst = dst.display().to_string();
    let judge = |profile: &str| {
        let (code, out, _) = run(&[
            "--json",
            "verify",
            "--trust",
            &dst,
            "--chain",
            "examples/user-story/served-leaf.pem",
            "--host",
            "optimized.realyze.com",
            "--at",
            "2024-01-01",
            "--profile",
            profile,
        ]);
        let v: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
        (code, v)
    };
    let (code, v) = judge("wolfssl-5");
    assert_eq!((code, v["code"].as_str()), (1, Some("-188")), "{v}");
    let why = v["reasons"].to_string();
    assert!(
        why.contains("DST Root CA X3") && why.contains("2021-09-30"),
        "{why}"
    );
    let (_, v) = judge("wolfssl-5-distro");
    assert_ne!(v["code"], "-188", "{v}");
}

/// `openssl x509 -addtrust / -addreject` on the example root, as a `TRUSTED CERTIFICATE`.
fn trusted_root(dir: &std::path::Path, name: &str, opts: &[&str]) -> String {
    let out = dir.join(name);
    let mut args = vec!["x509", "-in"];
    let src = root()
        .join("examples/doctor/root.pem")
        .display()
        .to_string();
    args.push(&src);
    args.extend(opts);
    let o = out.display().to_string();
    args.extend(["-trustout", "-out", &o]);
    let st = Command::new("openssl")
        .args(&args)
        .status()
        .expect("openssl command (Debian openssl)");
    assert!(st.success(), "openssl {args:?}");
    o
}

#[test]
fn openssl_applies_trusted_certificate_settings_and_other_stacks_do_not() {
    let dir = std::env::temp_dir().join(format!("anchorkit-trusted-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let judge = |trust: &str, profile: &str| {
        let (code, out, _) = run(&[
            "--json",
            "verify",
            "--trust",
            trust,
            "--chain",
            "examples/doctor/fullchain.pem",
            "--host",
            "iot.example.com",
            "--at",
            "2030-01-01",
            "--profile",
            profile,
        ]);
        let v: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
        (code, v["code"].as_str().unwrap_or_default().to_string(), v)
    };
    let server = trusted_root(&dir, "server.pem", &["-addtrust", "serverAuth"]);
    let client = trusted_root(&dir, "client.pem", &["-addtrust", "clientAuth"]);
    let reject = trusted_root(&dir, "reject.pem", &["-addreject", "anyExtendedKeyUsage"]);
    let alias = trusted_root(&dir, "alias.pem", &["-setalias", "device root"]);
    for (trust, want) in [
        (&server, "0"),
        (&client, "28"),
        (&reject, "28"),
        (&alias, "0"),
    ] {
        let (code, got, v) = judge(trust, "openssl-3");
        assert_eq!(got, want, "{trust}: {v}");
        assert_eq!(code, if want == "0" { 0 } else { 1 }, "{v}");
        if want == "28" {
            assert!(
                v["reasons"].to_string().contains("TRUSTED CERTIFICATE"),
                "{v}"
            );
        }
        // Mbed TLS has no trust settings: the certificate is what counts.
        let (_, got, v) = judge(trust, "mbedtls-3.6");
        assert_eq!(got, "0", "{v}");
    }
    // inspect shows the settings.
    let (code, out, _) = run(&["inspect", &client]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("trusted for clientAuth"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn security_level_is_an_openssl_knob() {
    let base = [
        "verify",
        "--trust",
        "examples/doctor/root.pem",
        "--chain",
        "examples/doctor/fullchain.pem",
        "--host",
        "iot.example.com",
        "--at",
        "2030-01-01",
    ];
    let with = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend(extra);
        run(&a)
    };
    let (code, out, err) = with(&["--profile", "openssl-3", "--security-level", "2"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, err) = with(&["--profile", "mbedtls-3.6", "--security-level", "2"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not an OpenSSL profile"), "{err}");
    let (code, _, err) = with(&["--profile", "openssl-3", "--security-level", "6"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("0 to 5"), "{err}");
}

#[test]
fn wolfssl_config_sets_the_build_and_says_what_it_assumed() {
    let dir = std::env::temp_dir().join(format!("anchorkit-wolfconf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    // An ESP-IDF style user_settings.h: trusted peers only on a target the sdkconfig names.
    let user = dir.join("user_settings.h");
    std::fs::write(
        &user,
        "#define OPENSSL_COMPATIBLE_DEFAULTS\n#if defined(CONFIG_IDF_TARGET_ESP32)\n\
         #define WOLFSSL_TRUST_PEER_CERT\n#endif\n",
    )
    .expect("write");
    let story = |cfg: &str| {
        let mut a = vec!["--json", "verify"];
        a.extend(STORY);
        a.extend(["--profile", "wolfssl-5", "--wolfssl-config", cfg]);
        run(&a)
    };
    // Debian's options.h: trusted peers, so the pasted leaf is accepted as it is.
    let (code, out, _) = story("/usr/include/wolfssl/options.h");
    assert_eq!(code, 0, "{out}");
    // The user_settings.h: CONFIG_IDF_TARGET_ESP32 is not defined without sdkconfig.h, so no
    // trusted peers (-188), and the note says so.
    let (code, out, err) = story(&user.display().to_string());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("-188"), "{out}");
    assert!(err.contains("CONFIG_IDF_TARGET_ESP32"), "{err}");
    // Not a wolfSSL profile: one clear line, exit 2.
    let mut a = vec!["verify"];
    a.extend(STORY);
    a.extend([
        "--profile",
        "mbedtls-3.6",
        "--wolfssl-config",
        "/usr/include/wolfssl/options.h",
    ]);
    let (code, _, err) = run(&a);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("needs a wolfSSL profile"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
