//! PEM whose base64 ends in non-zero padding bits: the libraries' decoders ignore those bits
//! (Mbed TLS `mbedtls_base64_decode`, OpenSSL `EVP_DecodeUpdate`), so a CA pasted that way
//! works on the device. anchorkit's intake must read it to the same DER as the real OpenSSL.

use anchorkit_difftest::pki::{Alg, Node, Spec};
use base64::Engine;

#[test]
fn nonzero_trailing_bits_read_like_openssl() {
    // A certificate whose length is not a multiple of 3, so its base64 ends in padding with
    // spare bits.
    let der = (0..20)
        .map(|i| Node::root(&Spec::ca(&format!("Trailing Bits Root {i}")), Alg::P256).der)
        .find(|d| d.len() % 3 != 0)
        .expect("a certificate with padding");
    let mut b64 = base64::engine::general_purpose::STANDARD.encode(&der);
    let pad = b64.bytes().rev().take_while(|c| *c == b'=').count();
    let last = b64.len() - pad - 1;
    // Set the lowest spare bit of the last data character.
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let idx = alphabet
        .iter()
        .position(|c| *c == b64.as_bytes()[last])
        .expect("base64 char");
    let tweaked = alphabet[idx | 1] as char;
    assert_ne!(
        tweaked,
        b64.as_bytes()[last] as char,
        "spare bit was already set"
    );
    b64.replace_range(last..=last, &tweaked.to_string());
    let body: Vec<String> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let pem = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        body.join("\n")
    );

    // The real OpenSSL.
    let dir = std::env::temp_dir().join(format!("anchorkit-pem-bits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let pem_path = dir.join("ca.pem");
    std::fs::write(&pem_path, &pem).expect("write pem");
    let out = std::process::Command::new("openssl")
        .args(["x509", "-outform", "DER", "-in"])
        .arg(&pem_path)
        .output()
        .expect("openssl x509 (install openssl)");
    assert!(out.status.success(), "openssl refused the PEM");
    assert_eq!(out.stdout, der, "openssl decoded other bytes");

    // anchorkit.
    let files = anchorkit::intake::read_bytes("ca.pem", pem.as_bytes()).expect("anchorkit read");
    let got = files
        .first()
        .and_then(|f| f.cert())
        .map(|c| c.der().to_vec())
        .expect("a certificate");
    assert_eq!(got, der);
    let _ = std::fs::remove_dir_all(&dir);
}
