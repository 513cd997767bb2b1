use anchorkit::cert::{Certificate, KeyKind};
use anchorkit::crypto::signed_by;

fn load(name: &str) -> Certificate {
    let path = anchorkit::testsupport::data(&format!("certs/letsencrypt/{name}"));
    let text = std::fs::read_to_string(&path).expect("test data");
    let p = pem::parse(text).expect("pem");
    Certificate::from_der(p.contents()).expect("cert")
}

#[test]
fn r3_is_signed_by_isrg_root_x1() {
    let r3 = load("lets-encrypt-r3.pem");
    let x1 = load("isrgrootx1.pem");
    assert_eq!(r3.issuer_raw(), x1.subject_raw());
    assert!(signed_by(&r3, x1.spki_raw()).is_valid());
    assert!(!signed_by(&x1, r3.spki_raw()).is_valid());
    assert!(x1.is_self_issued());
    assert!(signed_by(&x1, x1.spki_raw()).is_valid());
    assert_eq!(
        x1.key,
        KeyKind::Rsa {
            bits: 4096,
            exponent: 65537
        }
    );
    assert_eq!(x1.der().len(), 1391);
    assert_eq!(r3.subject.to_string(), "C = US, O = Let's Encrypt, CN = R3");
    let e5 = load("2024_e5.pem");
    let x2 = load("isrg-root-x2.pem");
    assert!(signed_by(&e5, x2.spki_raw()).is_valid());
}
