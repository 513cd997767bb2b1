//! The bundle writers against ESP-IDF's own generator output, and every format read back.

use anchorkit::bundle::formats::{OutputFormat, Rendered, render};
use anchorkit::bundle::generate::{Filter, generate};
use anchorkit::intake::{Found, read_bytes, read_path};
use anchorkit::testsupport::data;

fn anchors(rel: &str) -> Vec<anchorkit::anchor::TrustAnchor> {
    read_path(&data(rel))
        .expect("input")
        .iter()
        .map(Found::to_anchor)
        .collect()
}

fn file(r: Rendered) -> Vec<u8> {
    match r {
        Rendered::File(b) => b,
        Rendered::Dir(_) => panic!("expected one file"),
    }
}

#[test]
fn esp_bundles_are_byte_identical_to_the_test_vectors() {
    let cases = [
        (
            "legacy_format_v4.2-v5.3",
            "baltimore.der",
            "baltimore_crt_bundle",
            OutputFormat::EspBundleLegacy,
        ),
        (
            "legacy_format_v4.2-v5.3",
            "entrust.pem",
            "entrust_crt_bundle",
            OutputFormat::EspBundleLegacy,
        ),
        (
            "new_format_v5.4plus",
            "baltimore.der",
            "baltimore_crt_bundle",
            OutputFormat::EspBundle,
        ),
        (
            "new_format_v5.4plus",
            "entrust.pem",
            "entrust_crt_bundle",
            OutputFormat::EspBundle,
        ),
        (
            "new_format_v5.4plus",
            "server_root.pem",
            "server_cert_bundle",
            OutputFormat::EspBundle,
        ),
    ];
    for (dir, input, expected, format) in cases {
        let a = anchors(&format!("esp-idf/test_vectors/{dir}/{input}"));
        let got = file(render(format, &a, &[]).expect("render"));
        let want =
            std::fs::read(data(&format!("esp-idf/test_vectors/{dir}/{expected}"))).expect("vector");
        assert_eq!(got, want, "{dir}/{expected}");
    }
}

#[test]
fn whole_store_mode_reproduces_the_reference_bundles() {
    let all = std::fs::read(data("esp-idf/cacrt_all.pem")).expect("cacrt_all");
    let inputs = vec![("cacrt_all.pem".to_string(), all)];
    let csv = std::fs::read_to_string(data("esp-idf/cmn_crt_authorities.csv")).expect("csv");
    let csv_filter = Filter::from_csv("cmn_crt_authorities.csv", &csv).expect("csv parses");
    for (filter, format, reference) in [
        (Filter::None, OutputFormat::EspBundle, "full_new_format.bin"),
        (
            Filter::None,
            OutputFormat::EspBundleLegacy,
            "full_legacy_format.bin",
        ),
        (
            csv_filter.clone(),
            OutputFormat::EspBundle,
            "cmn_new_format.bin",
        ),
        (
            csv_filter.clone(),
            OutputFormat::EspBundleLegacy,
            "cmn_legacy_format.bin",
        ),
        (
            Filter::common(),
            OutputFormat::EspBundle,
            "cmn_new_format.bin",
        ),
    ] {
        let g = generate(&inputs, &filter).expect("generate");
        let got = file(render(format, &g.anchors, &g.owners).expect("render"));
        let want = std::fs::read(data(&format!("esp-idf/reference-bundles/{reference}")))
            .expect("reference");
        assert_eq!(got.len(), want.len(), "{reference}");
        assert!(got == want, "{reference} differs");
    }
    // The embedded common list equals the CSV's names.
    let names: Vec<String> = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.rsplit(',').next().map(|s| s.trim().to_string()))
        .collect();
    let Filter::Names(embedded) = Filter::common() else {
        panic!("names")
    };
    for n in &names {
        assert!(
            embedded.contains(n),
            "{n} missing from the embedded common list"
        );
    }
    assert_eq!(embedded.len(), names.len());
}

#[test]
fn every_format_renders_and_reads_back() {
    let a = anchors("certs/letsencrypt/isrgrootx1.pem");
    let mut b = anchors("certs/letsencrypt/isrg-root-x2.pem");
    let mut set = a.clone();
    set.append(&mut b);
    let owners = vec![Some("Internet Security Research Group".to_string()); 2];
    let dir = std::env::temp_dir().join(format!("ak-formats-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    for f in OutputFormat::ALL {
        let r = render(f, &set, &owners).unwrap_or_else(|e| panic!("{}: {e}", f.name()));
        match (f, r) {
            (OutputFormat::Der, Rendered::Dir(files)) => {
                assert_eq!(files.len(), 2);
                for (_, bytes) in files {
                    assert!(read_bytes("der", &bytes).is_ok());
                }
            }
            (OutputFormat::Bearssl, Rendered::File(src)) => {
                let p = dir.join("ta.c");
                std::fs::write(&p, &src).expect("write");
                let st = std::process::Command::new("cc")
                    .args(["-fsyntax-only", "-I/usr/include/bearssl"])
                    .arg(&p)
                    .status()
                    .expect("cc");
                assert!(st.success(), "bearssl source does not compile");
            }
            (OutputFormat::Esp8266Certstore, Rendered::File(ar)) => {
                let p = dir.join("certs.ar");
                std::fs::write(&p, &ar).expect("write");
                let out = std::process::Command::new("ar")
                    .arg("t")
                    .arg(&p)
                    .output()
                    .expect("ar");
                assert_eq!(
                    String::from_utf8_lossy(&out.stdout),
                    "ca_000.der\nca_001.der\n"
                );
                let x = std::process::Command::new("ar")
                    .arg("p")
                    .arg(&p)
                    .arg("ca_001.der")
                    .output()
                    .expect("ar p");
                assert_eq!(
                    read_bytes("m", &x.stdout).expect("member")[0]
                        .cert()
                        .map(|c| c.der().to_vec()),
                    set[1].cert.as_ref().map(|c| c.der().to_vec())
                );
            }
            (OutputFormat::Rust, Rendered::File(src)) => {
                let s = String::from_utf8_lossy(&src);
                assert_eq!(s.matches("TrustAnchor {").count(), 2);
            }
            (_, Rendered::File(bytes)) => {
                let back =
                    read_bytes(f.name(), &bytes).unwrap_or_else(|e| panic!("{}: {e}", f.name()));
                assert_eq!(back.len(), 2, "{}", f.name());
                for (x, y) in back.iter().zip(&set) {
                    assert_eq!(x.to_anchor().subject_raw(), y.subject_raw(), "{}", f.name());
                }
                if matches!(
                    f,
                    OutputFormat::C | OutputFormat::CArray | OutputFormat::Arduino
                ) {
                    let p = dir.join("out.c");
                    std::fs::write(&p, &bytes).expect("write");
                    let src = if f == OutputFormat::Arduino {
                        format!("#define PROGMEM\n{}", String::from_utf8_lossy(&bytes))
                    } else {
                        String::from_utf8_lossy(&bytes).into_owned()
                    };
                    let p2 = dir.join(if f == OutputFormat::Arduino {
                        "out.cpp"
                    } else {
                        "out.c"
                    });
                    std::fs::write(&p2, src).expect("write");
                    let st = std::process::Command::new("cc")
                        .args(["-fsyntax-only"])
                        .arg(&p2)
                        .status()
                        .expect("cc");
                    assert!(st.success(), "{} does not compile", f.name());
                }
            }
            (f, Rendered::Dir(_)) => panic!("{} rendered a directory", f.name()),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn malformed_filter_csv_is_an_error_with_a_line() {
    let e = Filter::from_csv("f.csv", "Owner,Name\nonly-one-column\n").expect_err("bad");
    assert_eq!(e.location, anchorkit::intake::Location::Line(2));
    let e = Filter::from_csv("f.csv", "Owner,Name\n\"unterminated,x\n").expect_err("bad");
    assert_eq!(e.location, anchorkit::intake::Location::Line(2));
    assert!(Filter::from_csv("f.csv", "Owner,Name\n").is_err());
}
