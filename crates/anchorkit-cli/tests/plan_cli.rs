//! `anchorkit plan` and `anchorkit check` on the cases the events exist for: a device that
//! trusts only ISRG Root X1 (the user story), a 2020 device that trusts only DST Root CA X3,
//! and an Azure IoT Hub device that trusts only Baltimore CyberTrust Root. The device's trust
//! comes from ../shared/data (read in place); the certificates the events name are compiled in.

mod common;

use anchorkit::testsupport::data;
use serde_json::Value;

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let (c, o, e, _) = common::run_anchorkit(args);
    (c, o, e)
}

fn path(rel: &str) -> String {
    data(rel).display().to_string()
}

/// `plan ARGS --json`: the certificates the events name are compiled in (no --certs).
fn plan(args: &[&str]) -> (Option<i32>, Value) {
    let mut a = vec!["plan", "--json"];
    a.extend_from_slice(args);
    let (code, out, err) = run(&a);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    (code, v)
}

fn row(v: &Value, i: usize) -> &Value {
    &v["plan"]["rows"][i]
}

#[test]
fn an_isrg_root_x1_device_breaks_when_the_cross_signs_end() {
    let x1 = path("certs/letsencrypt/isrgrootx1.pem");
    for (ca, new_root) in [("letsencrypt", "Root YR"), ("letsencrypt:ecdsa", "Root YE")] {
        let (code, v) = plan(&[
            "--trust",
            &x1,
            "--ca",
            ca,
            "--profile",
            "esp-idf-4.4",
            "--at",
            "2023-01-01",
            "--until",
            "2036-01-01",
        ]);
        assert_eq!(code, Some(1), "{v}");
        let r = row(&v, 0);
        assert_eq!(r["ok_now"], true);
        // Through the 2024 and 2026 chain changes it keeps connecting; it breaks when the
        // Generation Y cross-signs end.
        assert_eq!(r["breaks"]["date_text"], "2032-09-02", "{ca}: {r}");
        assert_eq!(r["breaks"]["status"], "inferred");
        let segs = r["segments"].as_array().expect("segments");
        assert!(
            segs[0]["ok"] == true && segs[0]["to"].as_i64() >= Some(1_956_000_000),
            "{r}"
        );
        assert_eq!(r["fix"]["add"][0], new_root, "{r}");
        assert_eq!(r["fix"]["then_breaks"], Value::Null, "{r}");
        // Time checks on change nothing here: the chain changes when the cross-sign expires.
        assert_eq!(r["time_check_flipped"]["time_check"], true);
        assert_eq!(r["time_check_flipped"]["breaks"]["date_text"], "2032-09-02");
    }
}

#[test]
fn a_dst_root_ca_x3_device_breaks_when_the_long_chain_goes() {
    let dst = path("certs/dst-root-ca-x3.pem");
    let (code, v) = plan(&[
        "--trust",
        &dst,
        "--ca",
        "letsencrypt",
        "--profile",
        "esp-idf-4.4",
        "--at",
        "2020-11-01",
        "--lifetime",
        "6y",
    ]);
    assert_eq!(code, Some(1));
    let r = row(&v, 0);
    // ESP-IDF checks no dates: DST Root CA X3's expiry on 2021-09-30 changes nothing; the
    // default chain dropping the cross-sign does, within one 90-day leaf lifetime.
    assert_eq!(r["breaks"]["date_text"], "2024-02-08", "{r}");
    assert_eq!(r["breaks"]["latest_text"], "2024-05-08", "{r}");
    assert_eq!(r["fix"]["add"][0], "ISRG Root X1", "{r}");
    assert_eq!(
        r["time_check_flipped"]["breaks"]["date_text"], "2021-09-30",
        "{r}"
    );
    let (_, v) = plan(&[
        "--trust",
        &dst,
        "--ca",
        "letsencrypt",
        "--profile",
        "mbedtls-3.6",
        "--at",
        "2020-11-01",
        "--lifetime",
        "6y",
    ]);
    assert_eq!(row(&v, 0)["breaks"]["date_text"], "2021-09-30");
}

#[test]
fn an_azure_iot_hub_device_breaks_in_the_2023_migration() {
    let balt = path("esp-idf/test_vectors/new_format_v5.4plus/baltimore.der");
    let (code, v) = plan(&[
        "--trust",
        &balt,
        "--certs",
        &balt,
        "--ca",
        "azure-iot-hub",
        "--profile",
        "esp-idf-4.4",
        "--at",
        "2022-06-01",
        "--lifetime",
        "3y",
    ]);
    assert_eq!(code, Some(1));
    let r = row(&v, 0);
    assert_eq!(r["breaks"]["date_text"], "2023-02-15", "{r}");
    assert_eq!(r["breaks"]["latest_text"], "2023-10-15", "{r}");
    assert_eq!(r["fix"]["add"][0], "DigiCert Global Root G2", "{r}");
}

#[test]
fn check_exit_codes() {
    let x1 = path("certs/letsencrypt/isrgrootx1.pem");
    let dst = path("certs/dst-root-ca-x3.pem");
    let le = path("certs/letsencrypt");
    let check = |trust: &str, at: &str| {
        run(&[
            "check",
            "--trust",
            trust,
            "--ca",
            "letsencrypt",
            "--certs",
            &le,
            "--profile",
            "esp-idf-5.4",
            "--at",
            at,
            "--horizon",
            "2y",
        ])
    };
    let (code, out, err) = check(&x1, "2026-12-01");
    assert_eq!(code, Some(0), "{out}{err}");
    let (code, out, err) = check(&x1, "2031-06-01");
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("2032-09-02"), "{out}");
    let (code, out, err) = check(&dst, "2026-12-01");
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(out.contains("BROKEN NOW"), "{out}");
    let (code, _, err) = check("no-such-file.pem", "2026-12-01");
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains("no-such-file.pem"), "{err}");
    // The certificates the events name are compiled in: no --certs needed.
    let (code, out, err) = run(&[
        "check",
        "--trust",
        &x1,
        "--ca",
        "letsencrypt",
        "--profile",
        "esp-idf-5.4",
        "--at",
        "2026-12-01",
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("ok"), "{out}");
    let (code, out, err) = run(&[
        "check",
        "--trust",
        &x1,
        "--ca",
        "Let's Encrypt",
        "--profile",
        "esp-idf-5.4",
        "--at",
        "2026-12-01",
        "--horizon",
        "8y",
    ]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("2032-09-02"), "{out}");
}

#[test]
fn a_bad_events_file_is_named_with_its_line() {
    let dir = std::env::temp_dir().join(format!("ak-plan-events-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let f = dir.join("ours.json");
    std::fs::write(
        &f,
        "{\"schema\": \"anchorkit.events/1\",\n \"events\": [ {\"date\": 5} ]}",
    )
    .expect("write");
    let x1 = path("certs/letsencrypt/isrgrootx1.pem");
    let (code, _, err) = run(&[
        "plan",
        "--trust",
        &x1,
        "--ca",
        "letsencrypt",
        "--events",
        f.to_str().expect("path"),
    ]);
    assert_eq!(code, Some(2));
    assert!(err.contains("ours.json") && err.contains("line 2"), "{err}");
    // The built-in file parses.
    let builtin = anchorkit::events::Events::parse("events.json", anchorkit::events::BUILTIN)
        .expect("built-in events parse");
    assert!(builtin.events.len() >= 20);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_html_report_renders_in_chromium() {
    let dir = std::env::temp_dir().join(format!("ak-plan-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let html = dir.join("plan.html");
    let x1 = path("certs/letsencrypt/isrgrootx1.pem");
    let dst = path("certs/dst-root-ca-x3.pem");
    let le = path("certs/letsencrypt");
    let (code, _, err) = run(&[
        "plan",
        "--trust",
        &format!("v1={x1}"),
        "--trust",
        &format!("v2={dst}"),
        "--ca",
        "letsencrypt",
        "--ca",
        "letsencrypt:ecdsa",
        "--ota",
        "letsencrypt",
        "--certs",
        &le,
        "--profile",
        "esp-idf-4.4",
        "--at",
        "2022-01-01",
        "--until",
        "2036-01-01",
        "--html",
        html.to_str().expect("path"),
    ]);
    assert_eq!(code, Some(1), "{err}");
    let text = std::fs::read_to_string(&html).expect("html written");
    // Self-contained: nothing loaded from anywhere.
    for outside in ["src=\"http", "href=\"http", "@import", "url(http"] {
        assert!(!text.contains(outside), "the report loads {outside}");
    }
    let chromium = ["chromium", "chromium-browser"]
        .into_iter()
        .find(|c| {
            std::process::Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("chromium is not installed (Debian package chromium; scripts/test.sh installs it)");
    let url = format!("file://{}", html.display());
    let base = |extra: &[&str]| {
        let mut c = std::process::Command::new(chromium);
        c.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1200,900",
        ])
        .args(extra)
        .arg(&url);
        c.output().expect("chromium runs")
    };
    let dom = base(&["--dump-dom"]);
    let dom_text = String::from_utf8_lossy(&dom.stdout);
    let log = String::from_utf8_lossy(&dom.stderr);
    // The page's script ran: it counted the rows and the break markers.
    assert!(
        dom_text.contains("data-rows=\"4\""),
        "{}",
        &dom_text[..dom_text.len().min(600)]
    );
    // v1 (ISRG Root X1) breaks in 2032 for both key types, v2 (DST Root CA X3) in 2024.
    assert!(
        dom_text.contains("data-breaks=\"4\""),
        "{}",
        &dom_text[..dom_text.len().min(600)]
    );
    assert_eq!(
        dom_text
            .matches("class=\"break-marker\" data-date=\"2032-09-02\"")
            .count(),
        2
    );
    assert_eq!(dom_text.matches("data-fails=\"true\"").count(), 4);
    assert!(
        !log.contains("Uncaught") && !log.contains(":CONSOLE"),
        "console errors: {log}"
    );
    let png = dir.join("plan.png");
    let shot = base(&[&format!("--screenshot={}", png.display())]);
    assert!(shot.status.success());
    let bytes = std::fs::read(&png).expect("screenshot");
    assert!(
        bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
        "{} bytes",
        bytes.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_scan_finds_embedded_trust_and_lints_it() {
    // The repository's own examples: the user story's leaf pasted as cert_pem.
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
    let (code, out, err) = run(&["check", "--scan", root]);
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(
        out.lines()
            .any(|l| l.contains("leaf-as-anchor") && l.contains("user-story/cert_pem.c:")),
        "{out}"
    );
    // A firmware tree: files named by CMake, PlatformIO and the sdkconfig, whatever their
    // names; a clean one passes, then each problem is found.
    let dir = std::env::temp_dir().join(format!("ak-scan-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for d in ["main/certs", "data"] {
        std::fs::create_dir_all(dir.join(d)).expect("dir");
    }
    let x1 = std::fs::read_to_string(data("certs/letsencrypt/isrgrootx1.pem")).expect("x1");
    let yr = std::fs::read_to_string(data("certs/letsencrypt/gen-y_root-yr.pem")).expect("yr");
    std::fs::write(
        dir.join("main/CMakeLists.txt"),
        "idf_component_register(SRCS \"main.c\"\n  EMBED_TXTFILES certs/server_root.txt)\n",
    )
    .expect("write");
    std::fs::write(dir.join("main/certs/server_root.txt"), &x1).expect("write");
    std::fs::write(
        dir.join("platformio.ini"),
        "[env:esp32]\nboard_build.embed_txtfiles =\n  data/le.txt\n",
    )
    .expect("write");
    std::fs::write(dir.join("data/le.txt"), &yr).expect("write");
    let scan = |at: &str| {
        run(&[
            "check",
            "--scan",
            dir.to_str().expect("path"),
            "--at",
            at,
            "--horizon",
            "2y",
            "--json",
        ])
    };
    let (code, out, err) = scan("2026-12-01");
    assert_eq!(code, Some(0), "{out}{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    let files = v["scan"]["files"].to_string();
    assert!(
        files.contains("server_root.txt") && files.contains("embedded by"),
        "{files}"
    );
    assert!(files.contains("le.txt"), "{files}");
    // ISRG Root X1 expires 2035-06-04: within a 2-year horizon from 2034.
    let (code, out, _) = scan("2034-01-01");
    assert_eq!(code, Some(1));
    assert!(out.contains("\"expires\""), "{out}");
    // An expired root, a duplicate, and a file CMake names that is missing.
    let dst = std::fs::read_to_string(data("certs/dst-root-ca-x3.pem")).expect("dst");
    std::fs::write(
        dir.join("main/certs/server_root.txt"),
        format!("{x1}{x1}{dst}"),
    )
    .expect("write");
    std::fs::write(
        dir.join("main/CMakeLists.txt"),
        "idf_component_register(SRCS \"main.c\"\n  EMBED_TXTFILES certs/server_root.txt certs/gone.pem)\n",
    )
    .expect("write");
    let (code, out, _) = scan("2026-12-01");
    assert_eq!(code, Some(2), "{out}");
    for kind in ["\"expired\"", "\"duplicate\"", "\"unreadable\""] {
        assert!(out.contains(kind), "{kind}: {out}");
    }
    let (code, _, err) = run(&["check", "--scan", "/no/such/dir"]);
    assert_eq!(code, Some(3));
    assert!(err.contains("/no/such/dir"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
