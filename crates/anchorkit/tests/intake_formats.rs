//! Intake of every supported input form, against real data.

use anchorkit::intake::{Entry, Format, Location, read_bytes, read_path};
use anchorkit::testsupport::data;

fn example(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

#[test]
fn user_story_c_source_finds_both_certificates_at_their_lines() {
    let found = read_path(&example("examples/user-story/cert_pem.c")).expect("readable");
    assert_eq!(found.len(), 2);
    let amazon = found[0].cert().expect("cert");
    let leaf = found[1].cert().expect("cert");
    assert_eq!(
        amazon.subject.common_name().as_deref(),
        Some("Amazon Root CA 1")
    );
    assert_eq!(
        leaf.subject.common_name().as_deref(),
        Some("www.optimized.realyze.com")
    );
    assert_eq!(leaf.issuer.common_name().as_deref(), Some("R3"));
    assert_eq!(found[0].origin.format, Format::CString);
    // The BEGIN literals sit on these lines of the example file.
    let text = std::fs::read_to_string(example("examples/user-story/cert_pem.c")).expect("text");
    let begin_lines: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("BEGIN CERTIFICATE"))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(found[0].origin.line, Some(begin_lines[0]));
    assert_eq!(found[1].origin.line, Some(begin_lines[1]));
}

#[test]
fn raw_strings_progmem_and_byte_arrays() {
    let pem = std::fs::read_to_string(data("certs/letsencrypt/isrgrootx1.pem")).expect("pem");
    let der = anchorkit::intake::read_bytes("x", pem.as_bytes()).expect("pem")[0]
        .cert()
        .expect("cert")
        .der()
        .to_vec();
    let raw = format!(
        "// Arduino\nstatic const char ca[] PROGMEM = R\"EOF(\n{pem})EOF\";\n\nconst unsigned char der[] = {{\n{}\n}};\n",
        der.iter()
            .map(|b| format!("0x{b:02x}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let found = read_bytes("ca.h", raw.as_bytes()).expect("parsed");
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].origin.line, Some(3));
    assert_eq!(found[0].origin.format, Format::CString);
    assert_eq!(found[1].origin.format, Format::CByteArray);
    let array_line = raw
        .lines()
        .position(|l| l.contains("unsigned char"))
        .expect("line")
        + 1;
    assert_eq!(found[1].origin.line, Some(array_line));
    assert_eq!(
        found[0].cert().map(|c| c.der()),
        found[1].cert().map(|c| c.der())
    );
}

fn check_bundle_against(bundle: &str, source: &str, format: Format) {
    let b = read_path(&data(bundle)).expect("bundle parses");
    let src = read_path(&data(source)).expect("source parses");
    assert_eq!(b.len(), src.len(), "{bundle}");
    for (rec, cert) in b.iter().zip(&src) {
        assert_eq!(rec.origin.format, format, "{bundle}");
        let Entry::Anchor(a) = &rec.entry else {
            panic!("bundle records must be anchors");
        };
        let c = cert.cert().expect("cert");
        assert_eq!(a.subject_raw(), c.subject_raw());
        assert_eq!(a.spki_raw(), c.spki_raw());
        assert!(a.cert.is_none());
    }
}

#[test]
fn esp_idf_test_vectors_parse_in_both_formats() {
    let legacy = "esp-idf/test_vectors/legacy_format_v4.2-v5.3";
    let new = "esp-idf/test_vectors/new_format_v5.4plus";
    for (dir, format) in [(legacy, Format::EspBundleLegacy), (new, Format::EspBundle)] {
        check_bundle_against(
            &format!("{dir}/baltimore_crt_bundle"),
            &format!("{dir}/baltimore.der"),
            format,
        );
        check_bundle_against(
            &format!("{dir}/entrust_crt_bundle"),
            &format!("{dir}/entrust.pem"),
            format,
        );
    }
    check_bundle_against(
        &format!("{new}/server_cert_bundle"),
        &format!("{new}/server_root.pem"),
        Format::EspBundle,
    );
    for f in ["bad_md_test_bundle", "ecdsa_cert_bundle"] {
        let b = read_path(&data(&format!("{new}/{f}"))).expect("parses");
        assert!(b.iter().all(|x| x.origin.format == Format::EspBundle));
    }
}

#[test]
fn reference_bundles_parse_with_documented_counts() {
    for (f, n, format) in [
        ("full_new_format.bin", 121, Format::EspBundle),
        ("cmn_new_format.bin", 33, Format::EspBundle),
        ("full_legacy_format.bin", 121, Format::EspBundleLegacy),
        ("cmn_legacy_format.bin", 33, Format::EspBundleLegacy),
    ] {
        let b = read_path(&data(&format!("esp-idf/reference-bundles/{f}"))).expect("parses");
        assert_eq!(b.len(), n, "{f}");
        assert!(b.iter().all(|x| x.origin.format == format), "{f}");
    }
    let all = read_path(&data("esp-idf/cacrt_all.pem")).expect("parses");
    assert_eq!(all.len(), 121);
}

#[test]
fn pkcs7_bags_in_der_and_pem() {
    let dir = std::env::temp_dir().join(format!("anchorkit-p7-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    for (form, name) in [("DER", "b.p7b"), ("PEM", "b.p7c")] {
        let out = dir.join(name);
        let st = std::process::Command::new("openssl")
            .args(["crl2pkcs7", "-nocrl", "-certfile"])
            .arg(data("certs/letsencrypt/lets-encrypt-r3.pem"))
            .arg("-certfile")
            .arg(data("certs/letsencrypt/isrgrootx1.pem"))
            .args(["-outform", form, "-out"])
            .arg(&out)
            .status()
            .expect("openssl runs");
        assert!(st.success());
        let found = read_path(&out).expect("p7 parses");
        assert_eq!(found.len(), 2, "{form}");
        assert!(found.iter().all(|f| f.origin.format == Format::Pkcs7));
        assert_eq!(
            found[0]
                .cert()
                .and_then(|c| c.subject.common_name())
                .as_deref(),
            Some("R3")
        );
        if form == "DER" {
            // A truncated or damaged bag is an error, never a partial list.
            let bytes = std::fs::read(&out).expect("p7b");
            let cut = &bytes[..bytes.len() - 40];
            assert!(read_bytes("bag.p7b", cut).is_err());
            let mut damaged = bytes.clone();
            damaged[20] ^= 0xff;
            assert!(read_bytes("bag.p7b", &damaged).is_err());
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn malformed_inputs_get_specific_errors() {
    let pem = std::fs::read_to_string(data("certs/letsencrypt/isrgrootx1.pem")).expect("pem");
    let der = read_bytes("x", pem.as_bytes()).expect("ok")[0]
        .cert()
        .expect("c")
        .der()
        .to_vec();
    let cases: Vec<(&str, Vec<u8>, Location, &str)> = vec![
        ("empty", vec![], Location::Whole, "empty input"),
        ("blank", b"  \n".to_vec(), Location::Whole, "empty input"),
        (
            "garbage",
            vec![0u8, 0xff, 0x13, 0x00, 0x99, 0x42, 0x00, 0x01],
            Location::Offset(0),
            "unrecognized binary",
        ),
        (
            "no cert text",
            b"hello world\n".to_vec(),
            Location::Whole,
            "no certificate found",
        ),
        (
            "truncated der",
            der[..der.len() - 10].to_vec(),
            Location::Offset(0),
            "truncated DER",
        ),
        (
            "wrong tag",
            {
                let mut d = der.clone();
                d[4] = 0x31;
                d
            },
            Location::Offset(0),
            "expected a DER X.509 certificate",
        ),
        (
            "oversized length",
            {
                let mut d = der.clone();
                d[2] = 0x7f;
                d
            },
            Location::Whole,
            "",
        ),
        (
            "truncated pem",
            pem.lines()
                .take(10)
                .collect::<Vec<_>>()
                .join("\n")
                .into_bytes(),
            Location::Line(1),
            "no '-----END",
        ),
        (
            "bad base64",
            pem.replacen("MIIF", "MI*F", 1).into_bytes(),
            Location::Line(2),
            "invalid character",
        ),
        (
            "private key only",
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".to_vec(),
            Location::Whole,
            "found PRIVATE KEY at line 1",
        ),
        (
            "bundle past end",
            vec![8, 0, 0, 0, 200, 0, 0, 0, 2, 0, 2, 0, 0x30, 0, 0x30, 0],
            Location::Offset(4),
            "points past the end",
        ),
        (
            "legacy record past end",
            vec![0, 2, 0, 2, 0, 2, 0x30, 0, 0x30, 0, 0, 9, 0, 9, 0x30, 0],
            Location::Offset(10),
            "runs past the end",
        ),
    ];
    for (name, bytes, loc, needle) in cases {
        let e = read_bytes("in", &bytes).expect_err(name);
        if !needle.is_empty() {
            assert_eq!(e.location, loc, "{name}: {e}");
            assert!(e.message.contains(needle), "{name}: {e}");
        }
    }
}

#[test]
fn a_bad_certificate_among_good_ones_fails_the_whole_input() {
    let good = std::fs::read_to_string(data("certs/letsencrypt/isrgrootx1.pem")).expect("pem");
    let bad = good.replacen("MIIFazCCA1Og", "MIIFazCCA1Og00", 1);
    let e =
        read_bytes("two.pem", format!("{good}\n{bad}").as_bytes()).expect_err("second is broken");
    assert!(matches!(e.location, Location::Line(_)), "{e}");
}
