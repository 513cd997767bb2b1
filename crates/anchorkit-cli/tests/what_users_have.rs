//! Answers from what a firmware developer really holds (issue 15's acceptance): no `--certs`
//! folder (the public CA certificates are compiled in), a CA named any way people name it, a
//! trust list that pins an intermediate, only the server's leaf, or no served chain at all.

mod common;

use anchorkit::testsupport::data;
use serde_json::Value;

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let (c, o, e, _) = common::run_anchorkit(args);
    (c, o, e)
}

fn json(args: &[&str]) -> (Option<i32>, Value) {
    let mut a = vec!["--json"];
    a.extend_from_slice(args);
    let (code, out, err) = run(&a);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    (code, v)
}

fn path(rel: &str) -> String {
    data(rel).display().to_string()
}

fn story(rel: &str) -> String {
    format!(
        "{}/../../examples/user-story/{rel}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// The break date, the latest switch date and a fix's first anchor of one plan row.
fn brk(v: &Value) -> (String, String, String) {
    let r = &v["plan"]["rows"][0];
    (
        r["breaks"]["date_text"]
            .as_str()
            .unwrap_or("none")
            .to_string(),
        r["breaks"]["latest_text"]
            .as_str()
            .unwrap_or("none")
            .to_string(),
        r["fix"]["add"][0].as_str().unwrap_or("none").to_string(),
    )
}

/// `plan` with the trust and the CA as users name them, no --certs, each row of the table one
/// case: (trust file, --ca, --at, time checks, break, every server by, fix).
#[test]
fn plan_needs_no_certs_folder() {
    let x1 = path("certs/letsencrypt/isrgrootx1.pem");
    let dst = path("certs/dst-root-ca-x3.pem");
    let r3 = path("certs/letsencrypt/lets-encrypt-r3.pem");
    let table: &[(&str, &str, &str, &str, &str, &str, &str)] = &[
        (
            &x1,
            "Let's Encrypt",
            "2026-11-29",
            "off",
            "2032-09-02",
            "2032-10-17",
            "Root YR",
        ),
        (
            &x1,
            "ISRG Root X1",
            "2026-11-29",
            "off",
            "2032-09-02",
            "2032-10-17",
            "Root YR",
        ),
        (
            &x1,
            "letsencrypt:ecdsa",
            "2026-11-29",
            "off",
            "2032-09-02",
            "2032-10-17",
            "Root YE",
        ),
        (
            &dst,
            "letsencrypt",
            "2020-06-01",
            "off",
            "2024-02-08",
            "2024-05-08",
            "ISRG Root X1",
        ),
        (
            &dst,
            "ISRG",
            "2020-06-01",
            "on",
            "2021-09-30",
            "2021-09-30",
            "ISRG Root X1",
        ),
        // A pinned intermediate works while the CA issues under it: R3 until Let's Encrypt
        // renews under R10/R11 (from 2024-06-06, every server by one 90-day lifetime later).
        (
            &r3,
            "letsencrypt",
            "2023-01-01",
            "off",
            "2024-06-06",
            "2024-09-04",
            "ISRG Root X1",
        ),
        (
            &r3,
            "letsencrypt",
            "2023-01-01",
            "on",
            "2024-06-06",
            "2024-09-04",
            "ISRG Root X1",
        ),
    ];
    for (trust, ca, at, tc, date, latest, fix) in table {
        let (code, v) = json(&[
            "plan",
            "--trust",
            trust,
            "--ca",
            ca,
            "--profile",
            "esp-idf-5.3",
            "--at",
            at,
            "--lifetime",
            "10y",
            "--time-check",
            tc,
        ]);
        assert_eq!(code, Some(1), "{ca} {at}: {v}");
        assert_eq!(v["plan"]["rows"][0]["ok_now"], true, "{ca} {at}");
        assert_eq!(
            brk(&v),
            (date.to_string(), latest.to_string(), fix.to_string()),
            "{trust} {ca} {at} time checks {tc}"
        );
        common::check_schema("plan", &v);
    }
    // The fix for the R3 pin is verified: with ISRG Root X1 it works until the Generation Y
    // cross-signs end.
    let (_, v) = json(&[
        "plan",
        "--trust",
        &r3,
        "--ca",
        "letsencrypt",
        "--profile",
        "esp-idf-5.3",
        "--at",
        "2023-01-01",
        "--lifetime",
        "10y",
    ]);
    let r = &v["plan"]["rows"][0];
    assert_eq!(r["fix"]["then_breaks"]["date_text"], "2032-09-02", "{r}");
    let why = r["segments"][1]["why"].as_str().unwrap_or("");
    assert!(
        why.contains("trusts the intermediate R3") && why.contains("R10"),
        "{why}"
    );
}

#[test]
fn check_and_bundle_need_no_certs_folder() {
    let x1 = path("certs/letsencrypt/isrgrootx1.pem");
    let (code, out, err) = run(&[
        "check",
        "--trust",
        &x1,
        "--ca",
        "Let's Encrypt",
        "--profile",
        "esp-idf-5.3",
        "--at",
        "2026-11-29",
        "--horizon",
        "8y",
    ]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("2032-09-02"), "{out}");
    let (code, v) = json(&[
        "bundle",
        "--ca",
        "Let's Encrypt",
        "--format",
        "pem",
        "--at",
        "2026-11-29",
        "--lifetime",
        "10y",
    ]);
    assert_eq!(code, Some(0), "{v}");
    let names: Vec<&str> = v["plan"]["anchors"]
        .as_array()
        .expect("anchors")
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert!(
        names.contains(&"Root YR") && names.contains(&"ISRG Root X1"),
        "{names:?}"
    );
}

/// One way to name a CA: every command takes the same names and says "did you mean" on a miss.
#[test]
fn a_ca_by_any_name_and_did_you_mean() {
    let x1 = path("certs/letsencrypt/isrgrootx1.pem");
    for ca in ["letsencrypt", "Let's Encrypt", "ISRG", "isrg root x1", "LE"] {
        let (code, _, err) = run(&[
            "check",
            "--trust",
            &x1,
            "--ca",
            ca,
            "--profile",
            "esp-idf-5.3",
            "--at",
            "2026-11-29",
        ]);
        assert_eq!(code, Some(0), "{ca}: {err}");
    }
    let cases: &[&[&str]] = &[
        &[
            "check",
            "--trust",
            &x1,
            "--ca",
            "letsencrpyt",
            "--profile",
            "esp-idf-5.3",
        ],
        &[
            "plan",
            "--trust",
            &x1,
            "--ca",
            "letsencrpyt",
            "--profile",
            "esp-idf-5.3",
        ],
        &["bundle", "--ca", "letsencrpyt", "--format", "pem"],
        &[
            "doctor",
            "--trust",
            &x1,
            "--ca",
            "letsencrpyt",
            "--profile",
            "esp-idf-5.3",
        ],
    ];
    for args in cases {
        let (code, _, err) = run(args);
        assert!(matches!(code, Some(2 | 3)), "{args:?}: {code:?} {err}");
        assert!(
            err.contains("did you mean 'Let's Encrypt'"),
            "{args:?}: {err}"
        );
    }
    // A service by its id, and by a host name of it.
    let (code, out, err) = run(&[
        "plan",
        "--trust",
        &x1,
        "--ca",
        "azure-iot-hub",
        "--profile",
        "esp-idf-5.3",
        "--at",
        "2024-01-01",
    ]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("DigiCert Global Root G2"), "{out}");
}

/// The user story with only the served leaf: completed from the known intermediate R3 (said
/// so), so the top fix is verified.
#[test]
fn doctor_on_the_user_story_verifies_its_top_fix_from_the_leaf_alone() {
    let (trust, leaf) = (story("cert_pem.c"), story("served-leaf.pem"));
    let args = [
        "doctor",
        "--trust",
        &trust,
        "--chain",
        &leaf,
        "--host",
        "optimized.realyze.com",
        "--profile",
        "esp-idf-4.4",
        "--at",
        "2022-04-06",
    ];
    let mut with_log = args.to_vec();
    with_log.extend(["--log", "mbedtls_ssl_handshake returned -0x2700"]);
    let (code, v) = json(&with_log);
    assert_eq!(code, Some(1));
    assert_eq!(v["schema"], "anchorkit.doctor/4");
    common::check_schema("doctor", &v);
    assert_eq!(v["causes"][0]["kind"], "anchor-is-leaf");
    let f = &v["fixes"][0];
    assert_eq!(
        (f["side"].as_str(), f["verified"].as_bool()),
        (Some("device"), Some(true)),
        "{f}"
    );
    assert!(f["anchors"].to_string().contains("ISRG Root X1"), "{f}");
    assert_eq!(v["completed_with"][0]["name"], "R3");
    assert_eq!(
        v["completed_with"][0]["source"],
        "https://letsencrypt.org/certs/lets-encrypt-r3.pem"
    );
    let said = v["assumptions"].to_string();
    assert!(
        said.contains("known certificates R3") && said.contains("server must send"),
        "{said}"
    );
    // The text says so too.
    let (_, out, _) = run(&args);
    assert!(
        out.contains("  assumed: completed with the known certificates R3"),
        "{out}"
    );
    assert!(out.contains("[verified]"), "{out}");
    // Short: the cause and the top fix first, the whole answer in 40 lines.
    assert!(
        out.lines().count() <= 40,
        "{} lines:\n{out}",
        out.lines().count()
    );
}

/// Without any served chain: never a usage error; what was assumed is named, and the one
/// missing input with the command that gets it.
#[test]
fn doctor_without_a_chain_answers_and_names_what_it_assumed() {
    let x1 = path("certs/letsencrypt/isrgrootx1.pem");
    let log = "E (3515) esp-tls-mbedtls: mbedtls_ssl_handshake returned -0x2700";
    // (trust, host, extra args, exit, cause, what the assumptions say)
    type Case<'a> = (&'a str, &'a str, &'a [&'a str], i32, &'a str, &'a str);
    let table: &[Case] = &[
        // The leaf pasted as cert_pem is the server's own: completed and diagnosed.
        (
            &story("cert_pem.c"),
            "optimized.realyze.com",
            &[],
            1,
            "anchor-is-leaf",
            "taken as the server's leaf",
        ),
        // A host of a service the events know: a leaf under the service's chain.
        (
            &x1,
            "myhub.azure-devices.net",
            &[],
            1,
            "anchor-wrong-ca",
            "DigiCert Global Root G2",
        ),
        // A named CA: the assumed chain is accepted, but the log's failure is left
        // unexplained, so the exit says failure.
        (
            &x1,
            "iot.example.com",
            &["--ca", "letsencrypt"],
            1,
            "accepted",
            "the chain Let's Encrypt serves",
        ),
        // Nothing to assume: the trust list and the log only.
        (
            &x1,
            "iot.example.com",
            &[],
            1,
            "other",
            "only the trust list and the log",
        ),
    ];
    for (trust, host, extra, exit, cause, said) in table {
        let mut args = vec![
            "doctor",
            "--trust",
            trust,
            "--host",
            host,
            "--profile",
            "esp-idf-5.3",
            "--at",
            "2024-06-01",
            "--log",
            log,
        ];
        args.extend_from_slice(extra);
        let (code, v) = json(&args);
        assert_eq!(code, Some(*exit), "{host} {extra:?}: {v}");
        common::check_schema("doctor", &v);
        assert_eq!(v["causes"][0]["kind"], *cause, "{host} {extra:?}: {v}");
        let a = v["assumptions"].to_string();
        assert!(a.contains(said), "{host}: {a}");
        let needs = &v["needs"];
        assert_eq!(needs["input"], "--chain", "{host}: {v}");
        assert!(
            needs["command"]
                .as_str()
                .unwrap_or("")
                .contains(&format!("anchorkit probe {host}")),
            "{needs}"
        );
    }
}

/// verify completes a lone leaf and keeps the verdict as given beside it; --as-sent does not.
#[test]
fn verify_completes_a_lone_leaf_and_says_so() {
    let x1 = path("certs/letsencrypt/isrgrootx1.pem");
    let base = [
        "verify",
        "--trust",
        &x1,
        "--chain",
        &story("served-leaf.pem"),
        "--host",
        "optimized.realyze.com",
        "--profile",
        "esp-idf-4.4",
        "--at",
        "2022-04-06",
    ];
    let (code, out, _) = run(&base);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("assumed: completed with the known certificates R3"),
        "{out}"
    );
    assert!(
        out.contains("with only the chain given, the device rejects it (-0x2700"),
        "{out}"
    );
    let mut sent = base.to_vec();
    sent.push("--as-sent");
    let (code, out, _) = run(&sent);
    assert_eq!(code, Some(1), "{out}");
    assert!(!out.contains("assumed"), "{out}");
}

/// Sketches as users write them: inspect reads the WiFiClientSecure form and the pins, and
/// check --scan lints both and exits non-zero on a damaged certificate, naming it.
#[test]
fn sketches_are_read_and_linted() {
    let forms = format!(
        "{}/../anchorkit/tests/data/forms",
        env!("CARGO_MANIFEST_DIR")
    );
    let (code, out, err) = run(&[
        "inspect",
        &format!("{forms}/arduino_wificlientsecure.ino"),
        &format!("{forms}/esp8266_fingerprint.ino"),
        &story("served-leaf.pem"),
        "--at",
        "2022-04-06",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("arduino_wificlientsecure.ino:15 (c-string)"),
        "{out}"
    );
    assert!(out.contains("[pin] SHA-1 fingerprint AE:9B:81:0E"), "{out}");
    assert!(
        out.contains("pins the server's leaf www.optimized.realyze.com"),
        "{out}"
    );
    assert!(out.contains("trust instead ISRG Root X1"), "{out}");
    let tree = std::env::temp_dir().join(format!("ak-scan-forms-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tree);
    std::fs::create_dir_all(tree.join("src")).expect("dir");
    for f in [
        "arduino_wificlientsecure.ino",
        "esp8266_fingerprint.ino",
        "bad_trust.ino",
    ] {
        std::fs::copy(format!("{forms}/{f}"), tree.join("src").join(f)).expect("copy");
    }
    let t = tree.display().to_string();
    let (code, v) = json(&["check", "--scan", &t, "--at", "2026-01-01"]);
    assert_eq!(code, Some(2), "{v}");
    common::check_schema("check", &v);
    let lints = v["scan"]["lints"].as_array().expect("lints");
    let has = |kind: &str, file: &str| {
        lints
            .iter()
            .any(|l| l["kind"] == kind && l["at"].as_str().unwrap_or("").contains(file))
    };
    assert!(has("unreadable", "bad_trust.ino:"), "{v}");
    assert!(has("fingerprint-pin", "esp8266_fingerprint.ino:79"), "{v}");
    let files = v["scan"]["files"].to_string();
    assert!(files.contains("arduino_wificlientsecure.ino"), "{files}");
    let _ = std::fs::remove_dir_all(&tree);
}

/// Logs of every stack, as the acceptance names them.
#[test]
fn explain_reads_every_stack() {
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["--profile", "wolfssl-5", "-150"],
            "-150",
            "ASN_BEFORE_DATE_E",
        ),
        (&["--lib", "wolfssl", "-150"], "-150", "ASN_BEFORE_DATE_E"),
        (
            &[
                "[E][ssl_client.cpp:36] _handle_error(): [start_ssl_client]: (-9984) X509 - Certificate verification failed, e.g. CRL, CA or signature check failed",
            ],
            "-0x2700",
            "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED",
        ),
        (&["--lib", "bearssl", "62"], "62", "BR_ERR_X509_NOT_TRUSTED"),
        (
            &["Chain could not be linked to a trust anchor."],
            "62",
            "BR_ERR_X509_NOT_TRUSTED",
        ),
    ];
    for (args, code, name) in cases {
        let mut a = vec!["explain"];
        a.extend_from_slice(args);
        let (status, v) = json(&a);
        assert_eq!(status, Some(0), "{args:?}: {v}");
        common::check_schema("explain", &v);
        let f = &v["findings"][0];
        assert_eq!(
            (f["code"].as_str(), f["name"].as_str()),
            (Some(*code), Some(*name)),
            "{args:?}"
        );
    }
    let (_, v) = json(&["explain", "Chain could not be linked to a trust anchor."]);
    assert!(
        v["findings"][0]["meaning"]
            .as_str()
            .unwrap_or("")
            .contains("chain does not lead to any trust anchor"),
        "{v}"
    );
}
