//! `anchorkit explain` as a user runs it.

mod common;

use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_anchorkit"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn user_story_log() -> String {
    let story =
        std::fs::read_to_string(anchorkit::testsupport::shared_dir().join("user-story.txt"))
            .expect("story");
    story
        .lines()
        .filter(|l| l.starts_with("E ("))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn acceptance_code_and_log_line_name_the_x509_error_and_the_flags() {
    for input in [
        "-0x2700",
        "E (3515) esp-tls-mbedtls: mbedtls_ssl_handshake returned -0x2700",
    ] {
        let (code, out, err) = run(&["explain", input]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("MBEDTLS_ERR_X509_CERT_VERIFY_FAILED"), "{out}");
        assert!(out.contains("verify flags"), "{out}");
        assert!(out.contains("mbedtls_ssl_get_verify_result"), "{out}");
        assert!(out.contains("anchorkit doctor"), "{out}");
    }
}

#[test]
fn all_five_user_story_lines_decode_in_order() {
    let log = user_story_log();
    assert_eq!(log.lines().count(), 5);
    let (code, out, _) = run(&["explain", "--json", &log]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let f = v["findings"].as_array().expect("findings");
    assert_eq!(f.len(), 5);
    assert!(common::check_schema("explain", &v) >= 10);
    let comps: Vec<&str> = f
        .iter()
        .map(|x| x["component"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        comps,
        [
            "esp-tls-mbedtls",
            "esp-tls",
            "TRANSPORT_BASE",
            "HTTP_CLIENT",
            "esp_https_ota"
        ]
    );
    assert_eq!(f[0]["name"], "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED");
    assert_eq!(f[4]["name"], "ESP_ERR_HTTP_CONNECT");
    assert!(v["summary"].as_str().unwrap_or("").contains("-0x2700"));
}

#[test]
fn number_forms_names_flags_and_other_libraries() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["explain", "0x2700"],
            "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED",
        ),
        (&["explain", "-9984"], "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED"),
        (
            &["explain", "(FFFFD900)"],
            "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED",
        ),
        (&["explain", "X509_CERT_VERIFY_FAILED"], "-0x2700"),
        (&["explain", "-0x262E"], "MBEDTLS_ERR_OID_NOT_FOUND"),
        (&["explain", "-0x3000"], "No matching trusted root"),
        (
            &["explain", "--flags", "0x8"],
            "! The certificate is not correctly signed by the trusted CA",
        ),
        (&["explain", "flags=0x0009"], "EXPIRED"),
        (
            &["explain", "--flags", "NOT_TRUSTED,CN_MISMATCH"],
            "0x0000000C",
        ),
        (
            &["explain", "--lib", "bearssl", "62"],
            "BR_ERR_X509_NOT_TRUSTED",
        ),
        (&["explain", "--lib", "wolfssl", "-188"], "ASN_NO_SIGNER_E"),
        (&["explain", "DOMAIN_NAME_MISMATCH"], "-322"),
        (&["explain", "-0x7E80"], "pass --version"),
        (&["explain", "-0x8D"], "PSA_ERROR_INSUFFICIENT_MEMORY"),
        (&["explain", "-141"], "MBEDTLS_ERR_SSL_ALLOC_FAILED"),
        (
            &["explain", "--mbedtls-version", "2.28", "-0x7E80"],
            "MBEDTLS_ERR_SSL_BAD_HS_FINISHED",
        ),
        (
            &["explain", "Last esp error code: 0x801a"],
            "ESP_ERR_MBEDTLS_SSL_HANDSHAKE_FAILED",
        ),
        (
            &[
                "explain",
                "W (1234) esp-x509-crt-bundle: No matching trusted root certificate found",
            ],
            "cross-signed",
        ),
    ];
    for (args, needle) in cases {
        let (code, out, err) = run(args);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(
            out.contains(needle),
            "{args:?}: missing {needle:?} in\n{out}"
        );
    }
}

#[test]
fn bad_input_exits_2() {
    for args in [
        &["explain", "foo"][..],
        &["explain"],
        &["explain", "--lib", "bearssl", "9999"],
        &["explain", "--mbedtls-version", "9.9", "-0x2700"],
    ] {
        let (code, _, err) = run(args);
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains("error"), "{err}");
    }
}
