//! Servers and certificates for tests that talk to a live TLS server on 127.0.0.1: a free
//! port, an `openssl s_server` that is stopped when dropped, a self-signed key and
//! certificate made by the openssl command, and a leaf big enough to overflow a device buffer.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::pki::{Spec, t};

/// A child process killed (and reaped) when dropped.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A fresh P-256 key and a self-signed certificate for `cn` in `dir`: (certificate, key).
pub fn self_signed(dir: &Path, cn: &str) -> (PathBuf, PathBuf) {
    std::fs::create_dir_all(dir).expect("dir");
    let key = dir.join("key.pem");
    let cert = dir.join("cert.pem");
    let ok = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ])
        .args(["-subj", &format!("/CN={cn}"), "-days", "30", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl (install openssl)")
        .success();
    assert!(ok, "openssl req failed");
    (cert, key)
}

/// `openssl s_server` on a free port with `args`, the certificate and key, and an optional
/// chain file; the returned guard stops it.
pub fn s_server(args: &[&str], cert: &Path, key: &Path, chain: Option<&Path>) -> (Killed, u16) {
    let port = free_port();
    (s_server_at(&port.to_string(), args, cert, key, chain), port)
}

/// `openssl s_server` accepting on `accept` (a port, or `[::1]:PORT`); the guard stops it.
pub fn s_server_at(
    accept: &str,
    args: &[&str],
    cert: &Path,
    key: &Path,
    chain: Option<&Path>,
) -> Killed {
    let mut cmd = Command::new("openssl");
    cmd.arg("s_server")
        .arg("-quiet")
        .args(args)
        .arg("-accept")
        .arg(accept)
        .arg("-cert")
        .arg(cert)
        .arg("-key")
        .arg(key);
    if let Some(c) = chain {
        cmd.arg("-cert_chain").arg(c);
    }
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl s_server");
    Killed(child)
}

/// A leaf for `host` carrying a 20,000-byte private extension: its Certificate message is
/// larger than a 16 KiB device input buffer.
pub fn big_leaf_spec(host: &str) -> Spec {
    sized_leaf_spec(host, 20_000)
}

/// A leaf for `host` carrying a private extension of `pad` bytes (at most 65,535), to make a
/// Certificate message of a chosen size.
pub fn sized_leaf_spec(host: &str, pad: u16) -> Spec {
    let mut s = Spec::leaf(host);
    s.not_after = t(2040, 1, 1);
    let mut v = vec![0x04, 0x82];
    v.extend(pad.to_be_bytes());
    v.extend(std::iter::repeat_n(0x41u8, usize::from(pad)));
    s.custom = vec![rcgen::CustomExtension::from_oid_content(
        &[1, 3, 6, 1, 4, 1, 55555, 9],
        v,
    )];
    s
}

/// A cross-signed mesh: `n` CAs that all cross-sign each other and a leaf under the first.
/// Returns (chain PEM: the leaf, then every cross-sign; trust PEM: the last CA's root).
pub fn mesh(n: usize) -> (String, String) {
    use crate::pki::{Alg, Node};
    let pem = |d: &[u8]| anchorkit::pemutil::encode("CERTIFICATE", d);
    let cas: Vec<Node> = (0..n)
        .map(|i| Node::root(&Spec::ca(&format!("Mesh CA {i}")), Alg::P256))
        .collect();
    let mut s = Spec::leaf("device.example.test");
    s.not_after = t(2040, 1, 1);
    let leaf = cas[0].issue(&s, Alg::P256);
    let mut chain = pem(&leaf.der);
    for a in &cas {
        for b in &cas {
            if a.der != b.der {
                chain.push_str(&pem(&a.cross_sign(b, t(2040, 1, 1))));
            }
        }
    }
    (chain, pem(&cas[n - 1].der))
}

/// Known-weak RSA public keys for the weak-key tests, made here: `(ROCA-structured, Fermat
/// (close primes))`, each as a SubjectPublicKeyInfo DER with exponent 65537.
///
/// The ROCA modulus follows the structure of Infineon's generator: each prime is
/// `k * M + (65537^a mod M)` with `M` the product of the primes up to 167. The Fermat modulus
/// has `q` the next prime after `p`.
pub fn weak_rsa_keys(bits: u32) -> (Vec<u8>, Vec<u8>) {
    use num_bigint::BigUint;
    use num_traits::One;
    let rng = ring::rand::SystemRandom::new();
    let random = |nbits: u32| -> BigUint {
        let mut b = vec![0u8; (nbits as usize).div_ceil(8)];
        ring::rand::SecureRandom::fill(&rng, &mut b).expect("random");
        let mut x = BigUint::from_bytes_be(&b);
        x.set_bit(u64::from(nbits) - 1, true);
        x
    };
    let small: Vec<u32> = (2u32..=167)
        .filter(|n| (2..*n).all(|d| n % d != 0))
        .collect();
    let is_prime = |n: &BigUint| -> bool {
        for p in &small {
            if (n % p) == BigUint::from(0u32) {
                return n == &BigUint::from(*p);
            }
        }
        let one = BigUint::one();
        let m1 = n - &one;
        let mut d = m1.clone();
        let mut s = 0;
        while (&d % 2u32) == BigUint::from(0u32) {
            d >>= 1;
            s += 1;
        }
        'witness: for a in [2u32, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37] {
            let mut x = BigUint::from(a).modpow(&d, n);
            if x == one || x == m1 {
                continue;
            }
            for _ in 1..s {
                x = x.modpow(&BigUint::from(2u32), n);
                if x == m1 {
                    continue 'witness;
                }
            }
            return false;
        }
        true
    };
    let spki = |n: &BigUint| -> Vec<u8> {
        use crate::pki::der_wrap;
        let int = |v: &[u8]| {
            let mut b = v.to_vec();
            if b.first().is_some_and(|x| x & 0x80 != 0) {
                b.insert(0, 0);
            }
            der_wrap(0x02, &b)
        };
        let key = der_wrap(0x30, &[int(&n.to_bytes_be()), int(&[1, 0, 1])].concat());
        let mut bits = vec![0u8];
        bits.extend(key);
        let alg = der_wrap(
            0x30,
            &[
                der_wrap(
                    0x06,
                    &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01],
                ),
                vec![0x05, 0x00],
            ]
            .concat(),
        );
        der_wrap(0x30, &[alg, der_wrap(0x03, &bits)].concat())
    };
    let m: BigUint = small.iter().fold(BigUint::one(), |a, p| a * p);
    let half = bits / 2;
    let kbits = half - u32::try_from(m.bits()).unwrap_or(half);
    let roca_prime = || loop {
        let k = random(kbits);
        let a = random(64);
        let p = &k * &m + BigUint::from(65537u32).modpow(&a, &m);
        if p.bits() == u64::from(half) && is_prime(&p) {
            return p;
        }
    };
    let roca = roca_prime() * roca_prime();
    let p = loop {
        let mut c = random(half);
        c.set_bit(0, true);
        if is_prime(&c) {
            break c;
        }
    };
    let mut q = &p + 2u32;
    while !is_prime(&q) {
        q += 2u32;
    }
    (spki(&roca), spki(&(&p * &q)))
}
