//! The compiled-in public CA certificates (`crates/anchorkit/data/certs/`): every file holds
//! what its header says, the copies of Let's Encrypt's and DST's certificates equal the public
//! files in `../shared/data/certs`, and every certificate the built-in events name is there (or
//! in the compiled-in Mozilla store), so that no command needs `--certs`.

use anchorkit::events::Events;
use anchorkit::intake::read_path;
use anchorkit::store::Store;
use anchorkit::store::known::{self, Role};
use anchorkit::testsupport::data;

#[test]
fn every_data_file_holds_what_its_header_says() {
    let problems = known::check();
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(known::all().len() >= 45, "{} files", known::all().len());
    for k in known::all() {
        assert!(
            k.source.starts_with("https://") || k.source.starts_with("http://"),
            "{}: source {}",
            k.file,
            k.source
        );
        assert!(!k.owner.is_empty() && !k.name.is_empty(), "{}", k.file);
    }
}

/// Every compiled-in CA certificate that is not a root is signed by an issuer anchorkit knows
/// independently of it: another compiled-in certificate, a Mozilla root, or a root of ESP-IDF's
/// store (`../shared/data/esp-idf/cacrt_all.pem`, for the roots Mozilla has removed). The
/// bytes came from public copies; the signatures prove they are the CA's.
#[test]
fn every_compiled_in_certificate_is_signed_by_its_issuer() {
    let esp = read_path(&data("esp-idf/cacrt_all.pem")).expect("cacrt_all");
    let mut issuers: Vec<anchorkit::cert::Certificate> =
        known::all().iter().map(|k| k.cert.clone()).collect();
    issuers.extend(
        Store::mozilla()
            .roots()
            .iter()
            .filter_map(|r| r.anchor.cert.clone()),
    );
    issuers.extend(esp.iter().filter_map(|f| f.cert().cloned()));
    for k in known::all() {
        let c = &k.cert;
        let ok = issuers.iter().any(|i| {
            i.subject_raw() == c.issuer_raw()
                && anchorkit::crypto::signed_by(c, i.spki_raw()).is_valid()
        });
        assert!(ok, "{}: no known issuer verifies its signature", k.file);
    }
}

#[test]
fn lets_encrypt_and_dst_copies_equal_the_public_files() {
    let mut dirs = vec![data("certs/letsencrypt")];
    dirs.push(data("certs"));
    let mut public = Vec::new();
    for dir in dirs {
        for e in std::fs::read_dir(&dir).expect("dir").filter_map(Result::ok) {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "pem") {
                for f in read_path(&p).expect("pem") {
                    if let Some(c) = f.cert() {
                        public.push(c.clone());
                    }
                }
            }
        }
    }
    assert!(public.len() >= 46);
    for c in &public {
        assert!(
            known::by_der(c.der()).is_some(),
            "{} ({}) is not compiled in",
            c.subject,
            c.issuer
        );
    }
    for k in known::all()
        .iter()
        .filter(|k| k.file.starts_with("letsencrypt/") || k.file.starts_with("identrust/"))
    {
        assert!(
            public.iter().any(|c| c.der() == k.cert.der()),
            "{} differs from the public file",
            k.file
        );
    }
}

#[test]
fn every_certificate_the_events_name_is_compiled_in() {
    let events = Events::builtin();
    let store = Store::mozilla();
    let in_store = |sha: &str| {
        store.roots().iter().any(|r| {
            r.anchor
                .cert
                .as_ref()
                .is_some_and(|c| hex::encode_upper(c.sha256()) == sha.to_ascii_uppercase())
        })
    };
    for e in &events.events {
        for sha in e.chain.iter().chain(e.sha256.iter()) {
            assert!(
                known::by_sha256(sha).is_some() || in_store(sha),
                "event {} '{}' names {sha}, which is neither compiled in nor in the Mozilla store",
                e.date,
                e.text
            );
        }
    }
}

/// The intermediates chain completion needs, by common name, each with a form issued by a
/// root (and for the 2024 ECDSA ones, the form cross-signed by ISRG Root X1).
#[test]
fn the_lets_encrypt_intermediates_of_every_generation() {
    let table: &[(&str, &[&str])] = &[
        ("R3", &["ISRG Root X1", "DST Root CA X3"]),
        ("R4", &["ISRG Root X1", "DST Root CA X3"]),
        ("R10", &["ISRG Root X1"]),
        ("R11", &["ISRG Root X1"]),
        ("R12", &["ISRG Root X1"]),
        ("R13", &["ISRG Root X1"]),
        ("R14", &["ISRG Root X1"]),
        ("E1", &["ISRG Root X2"]),
        ("E2", &["ISRG Root X2"]),
        ("E5", &["ISRG Root X2", "ISRG Root X1"]),
        ("E6", &["ISRG Root X2", "ISRG Root X1"]),
        ("E7", &["ISRG Root X2", "ISRG Root X1"]),
        ("E8", &["ISRG Root X2", "ISRG Root X1"]),
        ("E9", &["ISRG Root X2", "ISRG Root X1"]),
        ("YR1", &["Root YR"]),
        ("YR2", &["Root YR"]),
        ("YR3", &["Root YR"]),
        ("YE1", &["Root YE"]),
        ("YE2", &["Root YE"]),
        ("YE3", &["Root YE"]),
        ("Root YR", &["Root YR", "ISRG Root X1"]),
        ("Root YE", &["Root YE", "ISRG Root X2"]),
        ("ISRG Root X2", &["ISRG Root X2", "ISRG Root X1"]),
        ("ISRG Root X1", &["ISRG Root X1", "DST Root CA X3"]),
    ];
    for (name, issuers) in table {
        let found = known::by_name(name);
        for issuer in *issuers {
            let k = found
                .iter()
                .find(|k| k.cert.issuer.common_name().as_deref() == Some(*issuer));
            let Some(k) = k else {
                panic!("{name} issued by {issuer} is not compiled in");
            };
            let want = if name == issuer {
                Role::Root
            } else if name.starts_with("ISRG") || name.starts_with("Root") {
                Role::CrossSign
            } else {
                Role::Intermediate
            };
            assert_eq!(k.role, want, "{}", k.file);
        }
    }
}

#[test]
fn a_leaf_finds_its_issuer_by_key_identifier() {
    let leaf = read_path(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/user-story/served-leaf.pem"
    )))
    .expect("leaf");
    let leaf = leaf[0].cert().expect("cert");
    let aki = leaf.authority_key_id.as_ref().expect("aki");
    let found = known::by_key_id(aki);
    let names: Vec<String> = found
        .iter()
        .map(|k| format!("{} / {}", k.short(), k.cert.issuer.short()))
        .collect();
    assert_eq!(names, ["R3 / ISRG Root X1", "R3 / DST Root CA X3"]);
}
