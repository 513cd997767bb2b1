//! The store: Mozilla roots, owners, issuer lookup, and the committed ESP-IDF facts table.

use anchorkit::cert::Certificate;
use anchorkit::intake::read_path;
use anchorkit::store::{EspList, Store};
use anchorkit::testsupport::data;

fn cert(rel: &str) -> Certificate {
    read_path(&data(rel)).expect("readable")[0]
        .cert()
        .expect("cert")
        .clone()
}

#[test]
fn mozilla_store_has_isrg_roots_with_facts() {
    let s = Store::mozilla();
    assert!(s.len() > 100, "{}", s.len());
    let x1 = s.find_by_name("ISRG Root X1");
    assert_eq!(x1.len(), 1);
    let root = x1[0].1;
    assert_eq!(root.owner, "Internet Security Research Group");
    assert_eq!(root.cert().map(|c| c.der().len()), Some(1391));
    let esp = root.esp.as_ref().expect("ESP-IDF lists ISRG Root X1");
    assert_eq!(esp.list, EspList::All);
    assert!(esp.common);
    let le = s.by_owner("Let's Encrypt");
    let names: Vec<String> = le.iter().map(|(_, r)| r.name()).collect();
    assert!(names.contains(&"ISRG Root X1".to_string()), "{names:?}");
    assert!(names.contains(&"ISRG Root X2".to_string()), "{names:?}");
}

#[test]
fn issuer_lookup_checks_name_key_id_and_signature() {
    let s = Store::mozilla();
    let r3 = cert("certs/letsencrypt/lets-encrypt-r3.pem");
    let m = s.issuers_of(&r3);
    assert_eq!(m.len(), 1);
    assert!(m[0].name_exact);
    assert_eq!(m[0].key_id, Some(true));
    assert!(m[0].signature.is_valid());
    assert_eq!(
        s.get(m[0].root).map(|r| r.name()).as_deref(),
        Some("ISRG Root X1")
    );
    // The cross-signed ISRG Root X1 is issued by DST Root CA X3, which Mozilla no longer has.
    let cross = cert("certs/letsencrypt/isrg-root-x1-cross-signed.pem");
    assert!(s.issuers_of(&cross).is_empty());
    assert_eq!(s.same_subject_and_key(&cross).len(), 1);
    assert!(s.contains_cert(&cross).is_none());
}

#[test]
fn loads_other_stores_including_esp_bundles() {
    let s = Store::load(&data("esp-idf/cacrt_all.pem")).expect("loads");
    assert_eq!(s.len(), 121);
    let b = Store::load(&data("esp-idf/reference-bundles/cmn_new_format.bin")).expect("loads");
    assert_eq!(b.len(), 33);
    assert!(b.roots().iter().all(|r| r.cert().is_none()));
    let r3 = cert("certs/letsencrypt/lets-encrypt-r3.pem");
    let m = b.issuers_of(&r3);
    assert_eq!(m.len(), 1);
    assert!(m[0].name_exact);
}

/// The committed facts table must equal what the ESP-IDF files say today.
#[test]
fn committed_esp_facts_match_the_esp_idf_files() {
    let mut expected = Vec::new();
    for (file, list) in [
        ("esp-idf/cacrt_all.pem", EspList::All),
        ("esp-idf/cacrt_local.pem", EspList::Local),
        ("esp-idf/cacrt_deprecated.pem", EspList::Deprecated),
    ] {
        let text = std::fs::read_to_string(data(file)).expect("text");
        let lines: Vec<&str> = text.lines().collect();
        let found = read_path(&data(file)).expect("parses");
        for f in &found {
            let line = f.origin.line.expect("line");
            // Heading = the line above the ==== underline above BEGIN.
            let heading = lines[line - 3].trim().to_string();
            assert!(lines[line - 2].starts_with("===="), "{file}:{line}");
            expected.push((hex_sha(f.cert().expect("cert")), heading, list));
        }
    }
    let s = Store::from_found(
        "esp",
        &[
            read_path(&data("esp-idf/cacrt_all.pem")).expect("ok"),
            read_path(&data("esp-idf/cacrt_local.pem")).expect("ok"),
            read_path(&data("esp-idf/cacrt_deprecated.pem")).expect("ok"),
        ]
        .concat(),
    );
    assert_eq!(s.len(), expected.len());
    let csv = std::fs::read_to_string(data("esp-idf/cmn_crt_authorities.csv")).expect("csv");
    for (root, (sha, heading, list)) in s.roots().iter().zip(&expected) {
        let esp = root
            .esp
            .as_ref()
            .unwrap_or_else(|| panic!("no facts for {heading} ({sha})"));
        assert_eq!(esp.name, heading);
        assert_eq!(esp.list, *list);
        let in_csv = csv
            .lines()
            .skip(1)
            .any(|l| l.ends_with(&format!(",{heading}")));
        assert_eq!(esp.common, in_csv, "{heading}");
    }
}

fn hex_sha(c: &Certificate) -> String {
    c.sha256().iter().map(|b| format!("{b:02x}")).collect()
}
