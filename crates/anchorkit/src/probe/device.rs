//! The ClientHello a device sends by default, from its profile's Mbed TLS build (versions,
//! suites, groups, signature algorithms, SNI), and what the server answers to it.
//!
//! The suite list is every suite the build enables (key exchange x cipher x version), in the
//! Mbed TLS preference order of families (ECDHE-ECDSA, ECDHE-RSA, DHE-RSA, RSA, ECDH; AEAD
//! before CBC, 256-bit before 128-bit); whether a common suite exists does not depend on that
//! order, only which one a server that follows the client's order picks.

use serde::Serialize;

use super::wire::{self, Hello, WireError};
use super::{Conn, Limits, ProbeError, Target, random};
use crate::cert::Curve;
use crate::profile::Profile;
use crate::profile::build::{Cipher, KeyExchange, MbedBuild, TlsVersion};

/// (IANA number, key exchange, cipher) for the TLS 1.2 suites Mbed TLS has.
const TLS12: &[(u16, KeyExchange, Cipher)] = &[
    (0xC02C, KeyExchange::EcdheEcdsa, Cipher::AesGcm),
    (0xC0AD, KeyExchange::EcdheEcdsa, Cipher::AesCcm),
    (0xCCA9, KeyExchange::EcdheEcdsa, Cipher::ChaChaPoly),
    (0xC024, KeyExchange::EcdheEcdsa, Cipher::AesCbc),
    (0xC00A, KeyExchange::EcdheEcdsa, Cipher::AesCbc),
    (0xC02B, KeyExchange::EcdheEcdsa, Cipher::AesGcm),
    (0xC0AC, KeyExchange::EcdheEcdsa, Cipher::AesCcm),
    (0xC023, KeyExchange::EcdheEcdsa, Cipher::AesCbc),
    (0xC009, KeyExchange::EcdheEcdsa, Cipher::AesCbc),
    (0xC0AF, KeyExchange::EcdheEcdsa, Cipher::AesCcm),
    (0xC0AE, KeyExchange::EcdheEcdsa, Cipher::AesCcm),
    (0xC030, KeyExchange::EcdheRsa, Cipher::AesGcm),
    (0xCCA8, KeyExchange::EcdheRsa, Cipher::ChaChaPoly),
    (0xC028, KeyExchange::EcdheRsa, Cipher::AesCbc),
    (0xC014, KeyExchange::EcdheRsa, Cipher::AesCbc),
    (0xC02F, KeyExchange::EcdheRsa, Cipher::AesGcm),
    (0xC027, KeyExchange::EcdheRsa, Cipher::AesCbc),
    (0xC013, KeyExchange::EcdheRsa, Cipher::AesCbc),
    (0x009F, KeyExchange::DheRsa, Cipher::AesGcm),
    (0xC09F, KeyExchange::DheRsa, Cipher::AesCcm),
    (0xCCAA, KeyExchange::DheRsa, Cipher::ChaChaPoly),
    (0x006B, KeyExchange::DheRsa, Cipher::AesCbc),
    (0x0039, KeyExchange::DheRsa, Cipher::AesCbc),
    (0x009E, KeyExchange::DheRsa, Cipher::AesGcm),
    (0xC09E, KeyExchange::DheRsa, Cipher::AesCcm),
    (0x0067, KeyExchange::DheRsa, Cipher::AesCbc),
    (0x0033, KeyExchange::DheRsa, Cipher::AesCbc),
    (0xC0A3, KeyExchange::DheRsa, Cipher::AesCcm),
    (0xC0A2, KeyExchange::DheRsa, Cipher::AesCcm),
    (0x009D, KeyExchange::Rsa, Cipher::AesGcm),
    (0xC09D, KeyExchange::Rsa, Cipher::AesCcm),
    (0x003D, KeyExchange::Rsa, Cipher::AesCbc),
    (0x0035, KeyExchange::Rsa, Cipher::AesCbc),
    (0x009C, KeyExchange::Rsa, Cipher::AesGcm),
    (0xC09C, KeyExchange::Rsa, Cipher::AesCcm),
    (0x003C, KeyExchange::Rsa, Cipher::AesCbc),
    (0x002F, KeyExchange::Rsa, Cipher::AesCbc),
    (0xC0A1, KeyExchange::Rsa, Cipher::AesCcm),
    (0xC0A0, KeyExchange::Rsa, Cipher::AesCcm),
    (0xC032, KeyExchange::EcdhRsa, Cipher::AesGcm),
    (0xC02A, KeyExchange::EcdhRsa, Cipher::AesCbc),
    (0xC00F, KeyExchange::EcdhRsa, Cipher::AesCbc),
    (0xC031, KeyExchange::EcdhRsa, Cipher::AesGcm),
    (0xC029, KeyExchange::EcdhRsa, Cipher::AesCbc),
    (0xC00E, KeyExchange::EcdhRsa, Cipher::AesCbc),
    (0xC02E, KeyExchange::EcdhEcdsa, Cipher::AesGcm),
    (0xC026, KeyExchange::EcdhEcdsa, Cipher::AesCbc),
    (0xC005, KeyExchange::EcdhEcdsa, Cipher::AesCbc),
    (0xC02D, KeyExchange::EcdhEcdsa, Cipher::AesGcm),
    (0xC025, KeyExchange::EcdhEcdsa, Cipher::AesCbc),
    (0xC004, KeyExchange::EcdhEcdsa, Cipher::AesCbc),
];

const TLS13: &[(u16, Cipher)] = &[
    (0x1302, Cipher::AesGcm),
    (0x1303, Cipher::ChaChaPoly),
    (0x1301, Cipher::AesGcm),
    (0x1304, Cipher::AesCcm),
    (0x1305, Cipher::AesCcm),
];

fn group_id(c: &Curve) -> Option<u16> {
    Some(match c {
        Curve::P256 => 0x0017,
        Curve::P384 => 0x0018,
        Curve::P521 => 0x0019,
        Curve::Secp256k1 => 0x0016,
        Curve::BrainpoolP256r1 => 0x001A,
        Curve::BrainpoolP384r1 => 0x001B,
        Curve::BrainpoolP512r1 => 0x001C,
        _ => return None,
    })
}

/// BearSSL 0.6 `br_ssl_client_init_full`: its suite list in its order (no DHE, no TLS 1.3).
const BEARSSL_SUITES: &[u16] = &[
    0xCCA9, 0xCCA8, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xC0AC, 0xC0AD, 0xC0AE, 0xC0AF, 0xC023, 0xC027,
    0xC024, 0xC028, 0xC009, 0xC013, 0xC00A, 0xC014, 0xC02D, 0xC031, 0xC02E, 0xC032, 0xC025, 0xC029,
    0xC026, 0xC02A, 0xC004, 0xC00E, 0xC005, 0xC00F, 0x009C, 0x009D, 0xC09C, 0xC09D, 0xC0A0, 0xC0A1,
    0x003C, 0x003D, 0x002F, 0x0035, 0xC008, 0xC012, 0xC003, 0xC00D, 0x000A,
];

/// BearSSL's hello (`ssl_hs_client.t0`): TLS 1.0 to 1.2, Curve25519 first and then the other
/// curves of `ec_all_m15` by id, and hashes SHA-256, SHA-224, SHA-384, SHA-512, SHA-1 for ECDSA
/// and then RSA PKCS#1 (no RSA-PSS).
fn bearssl_hello(sni: Option<&str>) -> Hello {
    let hashes = [4u16, 3, 5, 6, 2];
    let sig_algs = [3u16, 1]
        .iter()
        .flat_map(|sig| hashes.iter().map(move |h| (h << 8) | sig))
        .collect();
    Hello {
        version: 0x0303,
        suites: BEARSSL_SUITES.to_vec(),
        groups: vec![0x001D, 0x0017, 0x0018, 0x0019],
        sig_algs,
        sni: sni.map(str::to_string),
        versions: Vec::new(),
        extra: Vec::new(),
    }
}

/// The versions a device's hello lets the server choose: supported_versions when the hello
/// has it; otherwise every version the device accepts up to the legacy version (TLS 1.0 to
/// 1.2 for BearSSL's full client and for Mbed TLS builds with TLS 1.0/1.1 on, as ESP-IDF
/// 4.4 builds 2.28).
pub fn offered_versions(p: &Profile, h: &Hello) -> Vec<u16> {
    if !h.versions.is_empty() {
        return h.versions.clone();
    }
    if p.family == crate::profile::Family::Bearssl {
        return vec![0x0303, 0x0302, 0x0301];
    }
    let Some(b) = p.build.as_ref() else {
        return vec![h.version];
    };
    let mut v: Vec<u16> = b
        .versions
        .iter()
        .filter_map(|x| match x {
            TlsVersion::Tls10 => Some(0x0301),
            TlsVersion::Tls11 => Some(0x0302),
            TlsVersion::Tls12 => Some(0x0303),
            _ => None,
        })
        .filter(|c| *c <= h.version)
        .collect();
    v.sort_unstable_by(|a, b| b.cmp(a));
    if v.is_empty() {
        v.push(h.version);
    }
    v
}

/// The hello a device sends: from the profile's Mbed TLS build, or BearSSL's (None for other
/// stacks).
pub fn hello(p: &Profile, sni: Option<&str>) -> Option<Hello> {
    if p.family == crate::profile::Family::Bearssl {
        return Some(bearssl_hello(sni));
    }
    let b: &MbedBuild = p.build.as_ref()?;
    let tls12 = b.versions.contains(&TlsVersion::Tls12);
    let tls13 = b.versions.contains(&TlsVersion::Tls13);
    let mut suites = Vec::new();
    if tls13 {
        suites.extend(
            TLS13
                .iter()
                .filter(|(_, c)| b.ciphers.contains(c))
                .map(|(s, _)| *s),
        );
    }
    if tls12 {
        suites.extend(
            TLS12
                .iter()
                .filter(|(_, k, c)| b.key_exchanges.contains(k) && b.ciphers.contains(c))
                .map(|(s, _, _)| *s),
        );
    }
    let mut groups: Vec<u16> = Vec::new();
    if b.x25519 {
        groups.push(0x001D);
    }
    groups.extend(b.curves.iter().filter_map(group_id));
    // signature_algorithms as the library writes them. 2.x: each hash of the default preset
    // (SHA-512, SHA-384, SHA-256, SHA-224, and SHA-1 where the build allows it in key
    // exchange), ECDSA then RSA. 3.x: the default preset (ECDSA with SHA-256/384/512 for the
    // curves built in, RSA-PSS only when the hello also offers TLS 1.3, then PKCS#1 with
    // SHA-512/384/256); TLS 1.2 never offers PSS, SHA-224 or SHA-1.
    let sig_algs: Vec<u16> = if p.mbedtls.is_some_and(|v| v.0 == 2) {
        let mut hashes = vec![6u16, 5, 4, 3];
        if b.has_hash(crate::cert::HashAlg::Sha1) {
            hashes.push(2);
        }
        hashes
            .into_iter()
            .flat_map(|h| [(h << 8) | 3, (h << 8) | 1])
            .collect()
    } else {
        let mut v = Vec::new();
        for (curve, alg) in [
            (Curve::P256, 0x0403),
            (Curve::P384, 0x0503),
            (Curve::P521, 0x0603),
        ] {
            if b.has_curve(&curve) {
                v.push(alg);
            }
        }
        if tls13 {
            v.extend([0x0806, 0x0805, 0x0804]);
        }
        v.extend([0x0601, 0x0501, 0x0401]);
        v
    };
    Some(Hello {
        version: 0x0303,
        suites,
        groups,
        sig_algs,
        sni: sni.map(str::to_string),
        versions: if tls13 {
            let mut v = vec![wire::TLS13];
            if tls12 {
                v.push(wire::TLS12);
            }
            v
        } else {
            Vec::new()
        },
        extra: Vec::new(),
    })
}

/// What the server answers to the device's hello.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    /// The profile.
    pub profile: String,
    /// The server picked a version and suite the device offered.
    pub agrees: bool,
    /// `TLS 1.2` / `TLS 1.3`, when it answered.
    pub version: Option<String>,
    /// The suite's name, when it answered.
    pub suite: Option<String>,
    /// The key exchange group: TLS 1.3 key_share (or the HelloRetryRequest's group), TLS 1.2
    /// ServerKeyExchange; null for RSA key exchange.
    pub group: Option<String>,
    /// The signature algorithm of a TLS 1.2 ServerKeyExchange (the TLS 1.3 CertificateVerify
    /// is encrypted; null there).
    pub sig_alg: Option<String>,
    /// The alert it sent instead, when it did.
    pub alert: Option<String>,
    /// Whether the device's input buffer takes the server's records and Certificate message
    /// (see `findings::device_buffer`; filled in by the caller that has the capture).
    pub buffer: Option<super::findings::BufferFailure>,
    /// In plain words, with the side that fixes it.
    pub text: String,
}

/// Sends the device's hello and reads the server's answer.
pub fn handshake(t: &Target, p: &Profile, limits: Limits) -> Result<Answer, ProbeError> {
    let Some(h) = hello(p, t.sni.as_deref()) else {
        return Ok(Answer {
            profile: p.name().to_string(),
            agrees: true,
            version: None,
            suite: None,
            group: None,
            sig_alg: None,
            alert: None,
            buffer: None,
            text: "no ClientHello model for this stack; the chain verdict stands alone".into(),
        });
    };
    match flight(t, &h, limits, true)? {
        Err(code) => {
            let name = wire::alert_name(code);
            let tls13_only = !h.versions.contains(&wire::TLS13) && code == 70;
            Ok(Answer {
                profile: p.name().to_string(),
                agrees: false,
                version: None,
                suite: None,
                group: None,
                sig_alg: None,
                alert: Some(name.to_string()),
                buffer: None,
                text: if tls13_only {
                    format!(
                        "the server refuses the device's TLS 1.2 ({name}): it speaks TLS 1.3 \
                             only; enable TLS 1.2 on the server, or TLS 1.3 on the device \
                             (CONFIG_MBEDTLS_SSL_PROTO_TLS1_3=y, ESP-IDF 5.1 and later)"
                    )
                } else {
                    format!(
                        "the server refuses the device's hello ({name}): no version, suite \
                             or group in common; the device offers {} suites ({})",
                        h.suites.len(),
                        h.suites
                            .iter()
                            .take(6)
                            .map(|s| super::suite_name(*s))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                },
            })
        }
        Ok(f) => {
            let sh = &f.hello;
            let version_code = if sh.retry { wire::TLS13 } else { sh.version };
            let version = super::version_name(version_code);
            // A version the device did not offer (TLS 1.0 or 1.1 from an old server): the
            // device aborts the handshake (Mbed TLS 3.x: -0x6E80 BAD_PROTOCOL_VERSION).
            let offered = offered_versions(p, &h);
            if !offered.contains(&version_code) {
                return Ok(Answer {
                    profile: p.name().to_string(),
                    agrees: false,
                    version: Some(version.into()),
                    suite: Some(super::suite_name(sh.suite)),
                    group: None,
                    sig_alg: None,
                    alert: None,
                    buffer: None,
                    text: format!(
                        "the server answers with {version}, which the device does not offer (it offers {}): the device aborts the handshake; the server must enable TLS 1.2",
                        offered
                            .iter()
                            .map(|v| super::version_name(*v))
                            .collect::<Vec<_>>()
                            .join(" and ")
                    ),
                });
            }
            let group = sh.group.or(f.kx.as_ref().and_then(|k| k.group));
            let sig_alg = f.kx.as_ref().map(|k| k.sig_alg);
            let suite_ok = h.suites.contains(&sh.suite);
            let group_ok =
                group.is_none_or(|g| h.groups.contains(&g) || g == 0x001D && h.groups.is_empty());
            let sig_ok = sig_alg.is_none_or(|a| h.sig_algs.contains(&a));
            let agrees = suite_ok && group_ok && sig_ok;
            let mut said = format!("{version}, {}", super::suite_name(sh.suite));
            if let Some(g) = group {
                said.push_str(&format!(", group {}", wire::group_name(g)));
            }
            if let Some(a) = sig_alg {
                said.push_str(&format!(", signed with {}", wire::sig_alg_name(a)));
            }
            Ok(Answer {
                profile: p.name().to_string(),
                agrees,
                version: Some(version.into()),
                suite: Some(super::suite_name(sh.suite)),
                group: group.map(wire::group_name),
                sig_alg: sig_alg.map(wire::sig_alg_name),
                alert: None,
                buffer: None,
                text: if agrees {
                    format!("the server answers the device's hello with {said}")
                } else if !suite_ok {
                    format!(
                        "the server picked {}, which the device did not offer",
                        super::suite_name(sh.suite)
                    )
                } else {
                    format!(
                        "the server answered with {said}, which the device did not offer; \
                         the device aborts the handshake"
                    )
                },
            })
        }
    }
}

/// Sends `h` (with an X25519 key share when it offers TLS 1.3) and reads the answer: the
/// ServerHello, or the alert's code.
pub fn answer(
    t: &Target,
    h: &Hello,
    limits: Limits,
) -> Result<Result<wire::ServerHello, u8>, ProbeError> {
    Ok(flight(t, h, limits, false)?.map(|f| f.hello))
}

/// The server's first flight as far as a probe reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flight {
    /// The ServerHello.
    pub hello: wire::ServerHello,
    /// TLS 1.2 (EC)DHE: the ServerKeyExchange's group (None for DHE) and signature algorithm.
    pub kx: Option<wire::KeyExchange>,
}

/// Sends `h` and reads the ServerHello; with `until_kx`, a TLS 1.2 answer is read on to the
/// ServerKeyExchange (or ServerHelloDone) for the group and signature algorithm it uses.
pub fn flight(
    t: &Target,
    h: &Hello,
    limits: Limits,
    until_kx: bool,
) -> Result<Result<Flight, u8>, ProbeError> {
    let mut c = Conn::open(t, limits)?;
    let rec = if h.versions.is_empty() {
        h.encode(random())
    } else {
        with_key_share(h)
    };
    c.send(&rec)?;
    let mut buf = Vec::new();
    let mut hs = Vec::new();
    let mut used = 0;
    let protocol = |addr: &str, e: WireError| ProbeError::Protocol {
        addr: addr.to_string(),
        detail: e.to_string(),
    };
    loop {
        let n = c.more(&mut buf, "the ServerHello")?;
        let (recs, u) = wire::records(&buf[used..]).map_err(|e| protocol(&c.addr, e))?;
        used += u;
        for r in recs {
            if r.kind == 21 {
                // Warnings other than close_notify are read past, as Mbed TLS does.
                match super::alert(&c.addr, &r.payload)? {
                    Some(code) => return Ok(Err(code)),
                    None => continue,
                }
            }
            if r.kind == 22 {
                hs.extend_from_slice(&r.payload);
            }
        }
        let msgs = wire::messages(&hs);
        if let Some((_, body)) = msgs.iter().find(|(t, _)| *t == 2) {
            let hello = wire::server_hello(body).map_err(|e| protocol(&c.addr, e))?;
            let tls13 = hello.version == wire::TLS13 || hello.retry;
            if !until_kx || tls13 {
                return Ok(Ok(Flight { hello, kx: None }));
            }
            if let Some((_, body)) = msgs.iter().find(|(t, _)| *t == 12) {
                // TLS 1.0 and 1.1 ServerKeyExchange messages name no signature algorithm.
                let kx = (hello.version >= 0x0303)
                    .then(|| wire::server_key_exchange(body, hello.suite))
                    .flatten();
                return Ok(Ok(Flight { hello, kx }));
            }
            if msgs.iter().any(|(t, _)| *t == 14) {
                return Ok(Ok(Flight { hello, kx: None }));
            }
        }
        if n == 0 {
            return Err(ProbeError::Closed {
                addr: c.addr.clone(),
                bytes: c.read,
            });
        }
    }
}

/// Adds a key_share to a TLS 1.3 hello record: a real X25519 ephemeral key when the hello
/// offers X25519, else an empty list (the server answers with a HelloRetryRequest naming the
/// group it wants, which counts as accepting that group).
fn with_key_share(h: &Hello) -> Vec<u8> {
    let mut share = Vec::new();
    if h.groups.is_empty() || h.groups.contains(&0x001D) {
        let rng = ring::rand::SystemRandom::new();
        let public = ring::agreement::EphemeralPrivateKey::generate(&ring::agreement::X25519, &rng)
            .and_then(|k| k.compute_public_key())
            .map(|p| p.as_ref().to_vec())
            .unwrap_or_else(|_| vec![9u8; 32]);
        share.extend_from_slice(&0x001Du16.to_be_bytes());
        share.extend_from_slice(&(public.len() as u16).to_be_bytes());
        share.extend_from_slice(&public);
    }
    let mut ks = (share.len() as u16).to_be_bytes().to_vec();
    ks.extend(share);
    h.encode_with(random(), &[(0x0033, ks)])
}
