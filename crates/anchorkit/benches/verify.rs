//! Cold verification against rustls-webpki in the same run: one root, one intermediate, one
//! leaf (RSA-2048 made by the openssl command, P-256 by rcgen), from DER bytes to a verdict
//! with the host name checked. anchorkit's parse and signature caches are emptied before every
//! verification, so each one parses every certificate and checks every signature, as
//! rustls-webpki does. Prints the median of each and the ratio. Run with
//! `cargo bench -p anchorkit --bench verify`.

use std::time::{Duration, Instant};

use anchorkit::anchor::TrustAnchor;
use anchorkit::cert::{Certificate, ChainEntry, clear_parse_cache};
use anchorkit::crypto::clear_signature_cache;
use anchorkit::intake::Origin;
use anchorkit::profile::Profile;
use anchorkit::testsupport::{first_cert_der as der_of, openssl};
use anchorkit::verify::{HostCheck, Request, verify};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

const HOST: &str = "bench.example.test";

struct Chain {
    name: &'static str,
    root: Vec<u8>,
    int: Vec<u8>,
    leaf: Vec<u8>,
    at: i64,
}

/// An RSA-2048 hierarchy, SHA-256, valid ten years from now.
fn rsa_chain() -> Chain {
    let dir = std::env::temp_dir().join(format!("anchorkit-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let w = |n: &str, t: &str| std::fs::write(dir.join(n), t).unwrap_or_else(|e| panic!("{e}"));
    w("req.cnf", "[req]\ndistinguished_name=dn\n[dn]\n");
    w(
        "ca.ext",
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
    );
    w(
        "leaf.ext",
        &format!(
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:{HOST}\nauthorityKeyIdentifier=keyid\n"
        ),
    );
    for n in ["root", "int", "leaf"] {
        openssl(
            &dir,
            &[
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-out",
                &format!("{n}.key"),
            ],
        );
        openssl(
            &dir,
            &[
                "req",
                "-new",
                "-key",
                &format!("{n}.key"),
                "-subj",
                &format!("/O=anchorkit bench/CN={n}"),
                "-config",
                "req.cnf",
                "-out",
                &format!("{n}.csr"),
            ],
        );
    }
    let sign = |n: &str, by: Option<&str>, ext: &str, serial: &str| {
        let mut a = vec![
            "x509".to_string(),
            "-req".into(),
            "-in".into(),
            format!("{n}.csr"),
            "-days".into(),
            "3650".into(),
            "-sha256".into(),
            "-set_serial".into(),
            serial.into(),
            "-extfile".into(),
            ext.into(),
            "-out".into(),
            format!("{n}.pem"),
        ];
        match by {
            Some(b) => a.extend([
                "-CA".into(),
                format!("{b}.pem"),
                "-CAkey".into(),
                format!("{b}.key"),
            ]),
            None => a.extend(["-signkey".into(), format!("{n}.key")]),
        }
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        openssl(&dir, &refs);
    };
    sign("root", None, "ca.ext", "1");
    sign("int", Some("root"), "ca.ext", "2");
    sign("leaf", Some("int"), "leaf.ext", "3");
    let c = Chain {
        name: "RSA-2048",
        root: der_of(&dir.join("root.pem")),
        int: der_of(&dir.join("int.pem")),
        leaf: der_of(&dir.join("leaf.pem")),
        at: now() + 86_400,
    };
    let _ = std::fs::remove_dir_all(&dir);
    c
}

/// A P-256 hierarchy made by rcgen.
fn p256_chain() -> Chain {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca = |cn: &str| {
        let mut p = CertificateParams::default();
        p.distinguished_name.push(DnType::CommonName, cn);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        p
    };
    let rk = KeyPair::generate().unwrap_or_else(|e| panic!("{e}"));
    let rp = ca("bench root");
    let root = rp.self_signed(&rk).unwrap_or_else(|e| panic!("{e}"));
    let ik = KeyPair::generate().unwrap_or_else(|e| panic!("{e}"));
    let ip = ca("bench intermediate");
    let int = ip
        .signed_by(&ik, &Issuer::from_params(&rp, &rk))
        .unwrap_or_else(|e| panic!("{e}"));
    let lk = KeyPair::generate().unwrap_or_else(|e| panic!("{e}"));
    let mut lp = CertificateParams::new(vec![HOST.to_string()]).unwrap_or_else(|e| panic!("{e}"));
    lp.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let leaf = lp
        .signed_by(&lk, &Issuer::from_params(&ip, &ik))
        .unwrap_or_else(|e| panic!("{e}"));
    Chain {
        name: "P-256",
        root: root.der().to_vec(),
        int: int.der().to_vec(),
        leaf: leaf.der().to_vec(),
        at: now(),
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// anchorkit from DER bytes: parse the trust and the served chain, verify.
fn anchorkit_once(p: &Profile, c: &Chain) -> bool {
    clear_parse_cache();
    clear_signature_cache();
    let Ok(root) = Certificate::from_der(&c.root) else {
        return false;
    };
    let trust = [TrustAnchor::from_cert(root, Origin::builtin("bench", 0))];
    let chain = [
        ChainEntry::from_bytes(&c.leaf),
        ChainEntry::from_bytes(&c.int),
    ];
    verify(
        p,
        &Request {
            trust: &trust,
            chain: &chain,
            host: HostCheck::Name(HOST),
            at: c.at,
        },
    )
    .ok
}

/// rustls-webpki from DER bytes: the anchor, the end entity, the path, the name.
fn webpki_once(c: &Chain) -> bool {
    let root = CertificateDer::from(c.root.as_slice());
    let Ok(anchor) = webpki::anchor_from_trusted_cert(&root) else {
        return false;
    };
    let leaf = CertificateDer::from(c.leaf.as_slice());
    let Ok(ee) = webpki::EndEntityCert::try_from(&leaf) else {
        return false;
    };
    let int = [CertificateDer::from(c.int.as_slice())];
    let time = UnixTime::since_unix_epoch(Duration::from_secs(c.at as u64));
    let Ok(name) = ServerName::try_from(HOST) else {
        return false;
    };
    ee.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        &[anchor],
        &int,
        time,
        webpki::KeyUsage::server_auth(),
        None,
        None,
    )
    .is_ok()
        && ee.verify_is_valid_for_subject_name(&name).is_ok()
}

/// Median time of one call over `rounds` rounds of `per` calls.
fn median(rounds: usize, per: usize, mut f: impl FnMut() -> bool) -> Duration {
    let mut t: Vec<Duration> = (0..rounds)
        .map(|_| {
            let s = Instant::now();
            for _ in 0..per {
                assert!(f(), "verification failed");
            }
            s.elapsed() / per as u32
        })
        .collect();
    t.sort();
    t[t.len() / 2]
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let chains = [rsa_chain(), p256_chain()];
    let profiles = ["mbedtls-3.6", "esp-idf-5.4", "webpki", "openssl-3"];
    println!(
        "{:<9} {:<12} {:>12} {:>14} {:>7}",
        "chain", "profile", "anchorkit", "rustls-webpki", "ratio"
    );
    for c in &chains {
        let base = median(15, 40, || webpki_once(c));
        // Where anchorkit's time goes: parsing the three certificates alone.
        let parse = median(15, 40, || {
            clear_parse_cache();
            [&c.root, &c.int, &c.leaf]
                .iter()
                .all(|d| Certificate::from_der(d).is_ok())
        });
        println!(
            "{:<9} {:<12} {:>9.1} µs {:>11.1} µs {:>6.2}x",
            c.name,
            "(parse only)",
            parse.as_secs_f64() * 1e6,
            base.as_secs_f64() * 1e6,
            parse.as_secs_f64() / base.as_secs_f64()
        );
        for name in profiles {
            let p = Profile::by_name(name).unwrap_or_else(|e| panic!("{e}"));
            let ours = median(15, 40, || anchorkit_once(&p, c));
            println!(
                "{:<9} {:<12} {:>9.1} µs {:>11.1} µs {:>6.2}x",
                c.name,
                name,
                ours.as_secs_f64() * 1e6,
                base.as_secs_f64() * 1e6,
                ours.as_secs_f64() / base.as_secs_f64()
            );
        }
    }
}
