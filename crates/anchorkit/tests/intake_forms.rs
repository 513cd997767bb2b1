//! Every form users paste trust material in (tests/data/forms, listed in its MANIFEST.tsv):
//! each certificate is found at its line, each fingerprint pin is read as a pin of the
//! certificate it names, and a damaged paste is an error naming its line.

use std::path::{Path, PathBuf};

use anchorkit::intake::{Location, pins, read_path};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/forms")
}

struct Row {
    file: String,
    line: usize,
    kind: String,
    sha256: String,
    fingerprint: String,
}

fn manifest() -> Vec<Row> {
    let text = std::fs::read_to_string(dir().join("MANIFEST.tsv")).expect("manifest");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            Row {
                file: c[0].to_string(),
                line: c[1].parse().expect("line"),
                kind: c[2].to_string(),
                sha256: c[3].to_string(),
                fingerprint: c.get(5).copied().unwrap_or("").to_string(),
            }
        })
        .collect()
}

#[test]
fn every_certificate_of_every_form_is_found_at_its_line() {
    let rows = manifest();
    assert!(rows.len() >= 20, "{} rows", rows.len());
    let mut checked = 0;
    for r in rows
        .iter()
        .filter(|r| !r.kind.starts_with("fingerprint") && r.kind != "truncated")
    {
        let found = read_path(&dir().join(&r.file)).unwrap_or_else(|e| panic!("{}: {e}", r.file));
        let hit = found.iter().find(|f| {
            f.cert()
                .is_some_and(|c| hex::encode_upper(c.sha256()) == r.sha256)
        });
        let Some(hit) = hit else {
            panic!(
                "{}:{} ({}): certificate {} not found",
                r.file, r.line, r.kind, r.sha256
            );
        };
        let line = hit.origin.line.unwrap_or(0);
        // A byte array's origin is its opening brace, the line before its first byte.
        let ok = line == r.line || (r.kind == "der-array" && line + 1 == r.line);
        assert!(ok, "{}: found at line {line}, expected {}", r.file, r.line);
        checked += 1;
    }
    assert!(checked >= 18);
}

#[test]
fn every_fingerprint_is_a_pin_of_the_certificate_it_names() {
    for r in manifest()
        .iter()
        .filter(|r| r.kind.starts_with("fingerprint"))
    {
        let text = std::fs::read_to_string(dir().join(&r.file)).expect("read");
        let pins = pins::scan(&r.file, &text);
        let p = pins
            .iter()
            .find(|p| p.origin.line == Some(r.line))
            .unwrap_or_else(|| panic!("{}:{}: no pin found ({pins:?})", r.file, r.line));
        assert_eq!(
            hex::encode_upper(&p.bytes),
            r.fingerprint,
            "{}:{}",
            r.file,
            r.line
        );
        let want = if r.kind == "fingerprint-sha1" {
            pins::PinAlg::Sha1
        } else {
            pins::PinAlg::Sha256
        };
        assert_eq!(p.alg, want);
        // Given the served leaf, the pin names it.
        let leaf = read_path(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../examples/user-story/served-leaf.pem"),
        )
        .expect("leaf");
        let c = leaf[0].cert().expect("cert");
        assert_eq!(hex::encode_upper(c.sha256()), r.sha256);
        assert!(p.matches(c), "{}:{}", r.file, r.line);
    }
}

#[test]
fn a_damaged_paste_is_an_error_at_its_line() {
    for r in manifest().iter().filter(|r| r.kind == "truncated") {
        let e = read_path(&dir().join(&r.file)).expect_err("damaged");
        assert!(
            matches!(e.location, Location::Line(l) if l >= r.line),
            "{}: {e}",
            r.file
        );
        assert!(e.to_string().contains(&r.file), "{e}");
    }
}

/// A C file that embeds its certificate with EMBED_TXTFILES reads the embedded file too.
#[test]
fn an_embedded_file_is_followed() {
    let found = read_path(&dir().join("esp_idf_main.c")).expect("c");
    let embedded = found
        .iter()
        .find(|f| f.origin.source.ends_with("server_root_cert.pem"))
        .expect("the file embedded as _binary_server_root_cert_pem_start");
    assert_eq!(
        embedded.cert().map(|c| c.subject.short()),
        Some("ISRG Root X1".to_string())
    );
    assert_eq!(
        anchorkit::intake::embed_symbol("server_root_cert.pem"),
        "_binary_server_root_cert_pem_start"
    );
}
