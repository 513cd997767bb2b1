//! Malformed and unusual certificates, field by field: for each step of Mbed TLS's
//! `mbedtls_x509_crt_parse_der` that has an error path, the forms that take it, and the forms
//! Mbed TLS accepts that strict DER readers refuse (times without `Z`, constructed unique
//! identifiers, a `[2]` serial). Each is the served leaf, signed again after the change, under
//! a good intermediate and root; every real client judges it in a handshake.

use crate::corpus::Scenario;
use crate::pki::{Alg, Node, Spec, der_split, der_wrap, t};

const HOST: &str = "device.example.test";

/// TBSCertificate field positions of an rcgen v3 certificate.
const VERSION: usize = 0;
const SERIAL: usize = 1;
const SIG_ALG: usize = 2;
const ISSUER: usize = 3;
const VALIDITY: usize = 4;
const SUBJECT: usize = 5;
const SPKI: usize = 6;
const EXTENSIONS: usize = 7;

type Mutation = Box<dyn Fn(&mut Vec<Vec<u8>>)>;

fn content(el: &[u8]) -> Vec<u8> {
    der_split(el).map(|(e, _)| e.1.to_vec()).unwrap_or_default()
}

/// A validity of two times, each `(tag, text)`.
fn validity(a: (u8, &str), b: (u8, &str)) -> Vec<u8> {
    der_wrap(
        0x30,
        &[der_wrap(a.0, a.1.as_bytes()), der_wrap(b.0, b.1.as_bytes())].concat(),
    )
}

/// A Name of one RDN with one attribute: CN with value `(tag, bytes)`, plus `extra` bytes in
/// the attribute SEQUENCE.
fn name_with(tag: u8, value: &[u8], extra: &[u8]) -> Vec<u8> {
    let cn_oid = der_wrap(0x06, &[0x55, 0x04, 0x03]);
    let attr = der_wrap(
        0x30,
        &[cn_oid, der_wrap(tag, value), extra.to_vec()].concat(),
    );
    der_wrap(0x30, &der_wrap(0x31, &attr))
}

const UTC: u8 = 0x17;
const GEN: u8 = 0x18;

/// `(name, mutation of the TBSCertificate fields)`.
fn tbs_rows() -> Vec<(&'static str, Mutation)> {
    let set = |i: usize, v: Vec<u8>| -> Mutation { Box::new(move |f| f[i] = v.clone()) };
    let ext_v = |bytes: &'static [u8]| -> Mutation {
        Box::new(move |f| f[VERSION] = der_wrap(0xA0, bytes))
    };
    vec![
        // x509_get_version.
        ("version-4", ext_v(&[0x02, 0x01, 0x03])),
        ("version-not-integer", ext_v(&[0x04, 0x01, 0x02])),
        (
            "version-trailing-byte",
            ext_v(&[0x02, 0x01, 0x02, 0x05, 0x00]),
        ),
        ("version-negative", ext_v(&[0x02, 0x01, 0xFF])),
        (
            "version-1-explicit-with-extensions",
            ext_v(&[0x02, 0x01, 0x00]),
        ),
        ("version-2-with-extensions", ext_v(&[0x02, 0x01, 0x01])),
        (
            "version-absent-with-extensions",
            Box::new(|f| {
                f.remove(VERSION);
            }),
        ),
        // mbedtls_x509_get_serial.
        (
            "serial-octet-string",
            Box::new(|f| {
                let c = content(&f[SERIAL]);
                f[SERIAL] = der_wrap(0x04, &c);
            }),
        ),
        (
            "serial-context-2",
            Box::new(|f| {
                let c = content(&f[SERIAL]);
                f[SERIAL] = der_wrap(0x82, &c);
            }),
        ),
        ("serial-negative", set(SERIAL, vec![0x02, 0x01, 0x80])),
        // mbedtls_x509_get_alg and mbedtls_x509_get_sig_alg (inner).
        (
            "sigalg-not-sequence",
            Box::new(|f| {
                let c = content(&f[SIG_ALG]);
                f[SIG_ALG] = der_wrap(0x31, &c);
            }),
        ),
        (
            "sigalg-oid-not-oid",
            set(SIG_ALG, der_wrap(0x30, &der_wrap(0x04, &[0x2A, 0x03]))),
        ),
        (
            "sigalg-trailing-after-params",
            Box::new(|f| {
                let c = content(&f[SIG_ALG]);
                f[SIG_ALG] = der_wrap(0x30, &[c, vec![0x05, 0x00, 0x05, 0x00]].concat());
            }),
        ),
        (
            "sigalg-inner-sha384",
            set(
                SIG_ALG,
                der_wrap(
                    0x30,
                    &der_wrap(0x06, &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x03]),
                ),
            ),
        ),
        // The issuer name.
        ("issuer-empty", set(ISSUER, vec![0x30, 0x00])),
        (
            "issuer-set-not-sequence",
            Box::new(|f| {
                let c = content(&f[ISSUER]);
                f[ISSUER] = der_wrap(0x31, &c);
            }),
        ),
        (
            "issuer-empty-rdn",
            set(ISSUER, der_wrap(0x30, &[0x31, 0x00])),
        ),
        (
            "issuer-rdn-is-sequence",
            Box::new(|f| {
                let c = content(&f[ISSUER]);
                let mut c2 = c.clone();
                if let Some(b) = c2.first_mut() {
                    *b = 0x30;
                }
                f[ISSUER] = der_wrap(0x30, &c2);
            }),
        ),
        (
            "issuer-numeric-string",
            set(ISSUER, name_with(0x12, b"12345", &[])),
        ),
        (
            "issuer-octet-string-value",
            set(ISSUER, name_with(0x04, b"anchorkit", &[])),
        ),
        (
            "issuer-bit-string-value",
            set(ISSUER, name_with(0x03, b"\x00ab", &[])),
        ),
        (
            "issuer-extra-in-attribute",
            set(ISSUER, name_with(0x0C, b"x", &[0x05, 0x00])),
        ),
        // Validity.
        (
            "time-utc-without-z",
            set(
                VALIDITY,
                validity((UTC, "240101000000"), (UTC, "260101000000")),
            ),
        ),
        (
            "time-generalized-without-z",
            set(
                VALIDITY,
                validity((GEN, "20240101000000"), (GEN, "20260101000000")),
            ),
        ),
        (
            "time-mixed-z",
            set(
                VALIDITY,
                validity((UTC, "240101000000Z"), (GEN, "20260101000000")),
            ),
        ),
        (
            "time-utc-without-seconds",
            set(
                VALIDITY,
                validity((UTC, "2401010000Z"), (UTC, "260101000000Z")),
            ),
        ),
        (
            "time-utc-offset",
            set(
                VALIDITY,
                validity((UTC, "240101000000+0000"), (UTC, "260101000000Z")),
            ),
        ),
        (
            "time-generalized-fraction",
            set(
                VALIDITY,
                validity((GEN, "20240101000000.5Z"), (UTC, "260101000000Z")),
            ),
        ),
        (
            "time-month-13",
            set(
                VALIDITY,
                validity((UTC, "241301000000Z"), (UTC, "260101000000Z")),
            ),
        ),
        (
            "time-february-30",
            set(
                VALIDITY,
                validity((UTC, "240230000000Z"), (UTC, "260101000000Z")),
            ),
        ),
        (
            "time-february-29-leap",
            set(
                VALIDITY,
                validity((UTC, "240229000000Z"), (UTC, "260101000000Z")),
            ),
        ),
        (
            "time-hour-24",
            set(
                VALIDITY,
                validity((UTC, "240101240000Z"), (UTC, "260101000000Z")),
            ),
        ),
        (
            "time-letter",
            set(
                VALIDITY,
                validity((UTC, "24010100000AZ"), (UTC, "260101000000Z")),
            ),
        ),
        (
            "time-printable-string",
            set(
                VALIDITY,
                validity((0x13, "240101000000Z"), (UTC, "260101000000Z")),
            ),
        ),
        (
            "validity-extra-time",
            Box::new(|f| {
                let c = content(&f[VALIDITY]);
                f[VALIDITY] = der_wrap(0x30, &[c, der_wrap(UTC, b"270101000000Z")].concat());
            }),
        ),
        (
            "validity-one-time",
            set(VALIDITY, der_wrap(0x30, &der_wrap(UTC, b"240101000000Z"))),
        ),
        (
            "validity-set",
            Box::new(|f| {
                let c = content(&f[VALIDITY]);
                f[VALIDITY] = der_wrap(0x31, &c);
            }),
        ),
        // The subject.
        ("subject-empty", set(SUBJECT, vec![0x30, 0x00])),
        (
            "subject-visible-string",
            set(SUBJECT, name_with(0x1A, HOST.as_bytes(), &[])),
        ),
        (
            "subject-universal-string",
            set(SUBJECT, name_with(0x1C, &[0, 0, 0, b'x'], &[])),
        ),
        // SubjectPublicKeyInfo framing.
        (
            "spki-set",
            Box::new(|f| {
                let c = content(&f[SPKI]);
                f[SPKI] = der_wrap(0x31, &c);
            }),
        ),
        (
            "spki-unknown-algorithm",
            Box::new(|f| {
                let c = content(&f[SPKI]);
                let (_, rest) = der_split(&c).expect("alg");
                let alg = der_wrap(0x30, &der_wrap(0x06, &[0x2A, 0x03, 0x04]));
                f[SPKI] = der_wrap(0x30, &[alg, rest.to_vec()].concat());
            }),
        ),
        (
            "spki-unused-bits",
            Box::new(|f| {
                let c = content(&f[SPKI]);
                let ((_, _, alg), rest) = der_split(&c).expect("alg");
                // One unused bit, and the last byte's low bit set (some readers check it).
                let mut bits = content(rest);
                bits[0] = 1;
                if let Some(l) = bits.last_mut() {
                    *l |= 1;
                }
                f[SPKI] = der_wrap(0x30, &[alg.to_vec(), der_wrap(0x03, &bits)].concat());
            }),
        ),
        (
            "spki-trailing-element",
            Box::new(|f| {
                let c = content(&f[SPKI]);
                f[SPKI] = der_wrap(0x30, &[c, vec![0x05, 0x00]].concat());
            }),
        ),
        // Unique identifiers, then the extensions.
        (
            "uid-issuer-constructed-empty",
            Box::new(|f| f.insert(EXTENSIONS, vec![0xA1, 0x00])),
        ),
        (
            "uid-both-constructed",
            Box::new(|f| {
                f.insert(EXTENSIONS, vec![0xA2, 0x03, 0x03, 0x01, 0x00]);
                f.insert(EXTENSIONS, vec![0xA1, 0x03, 0x03, 0x01, 0x00]);
            }),
        ),
        (
            "uid-issuer-primitive",
            Box::new(|f| f.insert(EXTENSIONS, vec![0x81, 0x02, 0x00, 0xAA])),
        ),
        (
            "uid-issuer-primitive-empty",
            Box::new(|f| f.insert(EXTENSIONS, vec![0x81, 0x00])),
        ),
        (
            "extensions-context-4",
            Box::new(|f| {
                let c = content(&f[EXTENSIONS]);
                f[EXTENSIONS] = der_wrap(0xA4, &c);
            }),
        ),
        (
            "extensions-primitive-3",
            Box::new(|f| {
                let c = content(&f[EXTENSIONS]);
                f[EXTENSIONS] = der_wrap(0x83, &c);
            }),
        ),
        ("tbs-trailing-null", Box::new(|f| f.push(vec![0x05, 0x00]))),
    ]
}

/// `(name, rewrite of the whole Certificate from its three parts)`.
#[allow(clippy::type_complexity)]
fn outer_rows() -> Vec<(&'static str, Box<dyn Fn(&[u8], &[u8], &[u8]) -> Vec<u8>>)> {
    vec![
        (
            "tbs-set",
            Box::new(|tbs, alg, sig| {
                der_wrap(
                    0x30,
                    &[der_wrap(0x31, &content(tbs)), alg.to_vec(), sig.to_vec()].concat(),
                )
            }),
        ),
        (
            "outer-sigalg-sha384",
            Box::new(|tbs, _, sig| {
                let alg = der_wrap(
                    0x30,
                    &der_wrap(0x06, &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x03]),
                );
                der_wrap(0x30, &[tbs.to_vec(), alg, sig.to_vec()].concat())
            }),
        ),
        (
            "outer-sigalg-null-params",
            Box::new(|tbs, alg, sig| {
                let alg = der_wrap(0x30, &[content(alg), vec![0x05, 0x00]].concat());
                der_wrap(0x30, &[tbs.to_vec(), alg, sig.to_vec()].concat())
            }),
        ),
        (
            "signature-octet-string",
            Box::new(|tbs, alg, sig| {
                der_wrap(
                    0x30,
                    &[tbs.to_vec(), alg.to_vec(), der_wrap(0x04, &content(sig))].concat(),
                )
            }),
        ),
        (
            "signature-unused-bits",
            Box::new(|tbs, alg, sig| {
                let mut b = content(sig);
                b[0] = 1;
                if let Some(l) = b.last_mut() {
                    *l |= 1;
                }
                der_wrap(
                    0x30,
                    &[tbs.to_vec(), alg.to_vec(), der_wrap(0x03, &b)].concat(),
                )
            }),
        ),
        (
            "signature-empty-bit-string",
            Box::new(|tbs, alg, _| {
                der_wrap(
                    0x30,
                    &[tbs.to_vec(), alg.to_vec(), vec![0x03, 0x00]].concat(),
                )
            }),
        ),
        (
            "certificate-trailing-null",
            Box::new(|tbs, alg, sig| {
                der_wrap(
                    0x30,
                    &[tbs.to_vec(), alg.to_vec(), sig.to_vec(), vec![0x05, 0x00]].concat(),
                )
            }),
        ),
    ]
}

/// Both signature algorithm fields with NULL parameters (Mbed TLS takes NULL).
fn both_null_params(int: &Node, spec: &Spec) -> Vec<u8> {
    let with_null = |alg: &[u8]| der_wrap(0x30, &[content(alg), vec![0x05, 0x00]].concat());
    let der = int.issue_mutated(spec, &|f| f[SIG_ALG] = with_null(&f[SIG_ALG]));
    let (outer, _) = der_split(&der).expect("certificate");
    let (tbs, after) = der_split(outer.1).expect("tbs");
    let (alg, sig) = der_split(after).expect("alg");
    der_wrap(
        0x30,
        &[tbs.2.to_vec(), with_null(alg.2), sig.to_vec()].concat(),
    )
}

/// Adds the parse scenarios.
pub fn cases(v: &mut Vec<Scenario>) {
    let now = t(2025, 1, 1);
    let root = Node::root(&Spec::ca("Parse Root"), Alg::P256);
    let int = root.issue(&Spec::ca("Parse Intermediate"), Alg::P256);
    let mut spec = Spec::leaf(HOST);
    spec.explicit_no_ca = false;
    let push = |v: &mut Vec<Scenario>, name: &str, leaf: Vec<u8>| {
        v.push(Scenario {
            name: format!("parse-{name}"),
            trust: vec![root.der.clone()],
            chain: vec![leaf, int.der.clone()],
            host: Some(HOST.into()),
            at: now,
        });
    };
    push(v, "baseline", int.issue_mutated(&spec, &|_| {}));
    for (name, m) in tbs_rows() {
        push(v, name, int.issue_mutated(&spec, &*m));
    }
    let good = int.issue_mutated(&spec, &|_| {});
    let (outer, _) = der_split(&good).expect("certificate");
    let (tbs, after) = der_split(outer.1).expect("tbs");
    let (alg, sig) = der_split(after).expect("alg");
    for (name, f) in outer_rows() {
        push(v, name, f(tbs.2, alg.2, sig));
    }
    push(v, "sigalg-null-params-both", both_null_params(&int, &spec));
}
