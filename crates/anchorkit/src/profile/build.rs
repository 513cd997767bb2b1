//! How a device's Mbed TLS is built: the compile-time options that change what it can check
//! and how it talks, from the ESP-IDF release's Kconfig defaults, an ESP-IDF `sdkconfig`, or an
//! `mbedtls_config.h` / user config header.
//!
//! Facts: `shared/reference/esp-idf-releases.md` §2 (every TLS Kconfig option, its default and
//! the Mbed TLS macro `esp_config.h` maps it to, per release) and `mbedtls-semantics.md` §5.3.
//! The tables here are checked against each release's `components/mbedtls/Kconfig` by
//! `tests/profile_build.rs`.

use std::fmt;

use serde::Serialize;

use crate::cert::{Curve, HashAlg};

/// A TLS protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum TlsVersion {
    /// TLS 1.0.
    #[serde(rename = "1.0")]
    Tls10,
    /// TLS 1.1.
    #[serde(rename = "1.1")]
    Tls11,
    /// TLS 1.2.
    #[serde(rename = "1.2")]
    Tls12,
    /// TLS 1.3.
    #[serde(rename = "1.3")]
    Tls13,
}

/// A TLS 1.2 key exchange (`MBEDTLS_KEY_EXCHANGE_*_ENABLED`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyExchange {
    /// RSA key transport.
    Rsa,
    /// DHE with RSA signatures.
    DheRsa,
    /// ECDHE with RSA signatures.
    EcdheRsa,
    /// ECDHE with ECDSA signatures.
    EcdheEcdsa,
    /// Static ECDH, RSA-signed certificate.
    EcdhRsa,
    /// Static ECDH, ECDSA-signed certificate.
    EcdhEcdsa,
    /// Pre-shared key.
    Psk,
    /// DHE with a pre-shared key.
    DhePsk,
    /// ECDHE with a pre-shared key.
    EcdhePsk,
    /// RSA with a pre-shared key.
    RsaPsk,
    /// EC J-PAKE.
    Ecjpake,
}

/// A symmetric cipher family the build has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cipher {
    /// AES-GCM.
    AesGcm,
    /// AES-CCM (and CCM_8).
    AesCcm,
    /// AES-CBC.
    AesCbc,
    /// ChaCha20-Poly1305.
    ChaChaPoly,
    /// Camellia.
    Camellia,
    /// ARIA.
    Aria,
    /// 3DES.
    Des,
}

/// The default certificate bundle list (`CONFIG_MBEDTLS_DEFAULT_CERTIFICATE_BUNDLE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BundleList {
    /// Every root of the Mozilla list ESP-IDF ships.
    Full,
    /// The common-CA subset.
    Common,
    /// No default roots (custom bundle only).
    None,
}

/// The ESP-IDF certificate bundle as built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BundleBuild {
    /// `CONFIG_MBEDTLS_CERTIFICATE_BUNDLE`.
    pub enabled: bool,
    /// The default list.
    pub list: BundleList,
    /// `CONFIG_MBEDTLS_CERTIFICATE_BUNDLE_DEPRECATED_LIST`.
    pub deprecated: bool,
    /// `CONFIG_MBEDTLS_CUSTOM_CERTIFICATE_BUNDLE`.
    pub custom: bool,
    /// `CONFIG_MBEDTLS_CERTIFICATE_BUNDLE_CROSS_SIGNED_VERIFY` (v6.0+).
    pub cross_signed: bool,
    /// `CONFIG_MBEDTLS_CERTIFICATE_BUNDLE_MAX_CERTS`.
    pub max_certs: u32,
}

/// What an Mbed TLS build has, as far as certificate verification and the handshake care.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MbedBuild {
    /// Curves compiled in (`MBEDTLS_ECP_DP_*_ENABLED` / `PSA_WANT_ECC_*`): a certificate key on
    /// any other curve does not parse (-0x3A00).
    pub curves: Vec<Curve>,
    /// X25519 for the key exchange.
    pub x25519: bool,
    /// Digests usable in certificate signatures (`MBEDTLS_MD_CAN_*`): a signature algorithm
    /// with any other digest is an unknown OID (-0x262E, skipped in a served chain).
    pub hashes: Vec<HashAlg>,
    /// `MBEDTLS_X509_RSASSA_PSS_SUPPORT`.
    pub rsa_pss: bool,
    /// Protocol versions compiled in.
    pub versions: Vec<TlsVersion>,
    /// TLS 1.2 key exchanges compiled in.
    pub key_exchanges: Vec<KeyExchange>,
    /// Cipher families compiled in.
    pub ciphers: Vec<Cipher>,
    /// `MBEDTLS_SSL_IN_CONTENT_LEN`: the largest record plaintext the device accepts.
    pub in_content_len: u32,
    /// `MBEDTLS_SSL_OUT_CONTENT_LEN`.
    pub out_content_len: u32,
    /// `CONFIG_MBEDTLS_DYNAMIC_BUFFER` (ESP-IDF port: buffers allocated per record).
    pub dynamic_buffer: bool,
    /// The heap Mbed TLS allocates from, when the platform bounds it (Zephyr's
    /// `CONFIG_MBEDTLS_HEAP_SIZE` with `CONFIG_MBEDTLS_ENABLE_HEAP`); None: the system heap.
    pub heap_size: Option<u32>,
    /// The max_fragment_length the client asks for (bytes), when it asks (Zephyr's sockets
    /// with `CONFIG_NET_SOCKETS_TLS_SET_MAX_FRAGMENT_LENGTH`; esp-tls never asks).
    pub max_frag_len: Option<u32>,
    /// `MBEDTLS_X509_MAX_INTERMEDIATE_CA`.
    pub max_intermediates: usize,
    /// `MBEDTLS_SSL_CLI_ALLOW_WEAK_CERTIFICATE_VERIFICATION_WITHOUT_HOSTNAME` (3.6.3+).
    pub allow_no_hostname: bool,
    /// `MBEDTLS_SSL_KEEP_PEER_CERTIFICATE`.
    pub keep_peer_cert: bool,
    /// `MBEDTLS_X509_ALLOW_UNSUPPORTED_CRITICAL_EXTENSION` (2.x only).
    pub allow_unsupported_critical_ext: bool,
    /// `MBEDTLS_PK_PARSE_EC_EXTENDED`: EC keys with explicit (specified) domain parameters
    /// are read rather than refused (ESP-IDF defines it in every release).
    pub ec_extended: bool,
    /// The ESP-IDF certificate bundle, for ESP-IDF builds.
    pub bundle: Option<BundleBuild>,
    /// Where the configuration came from (`defaults of ESP-IDF v5.4.4`, a file name).
    pub source: String,
}

/// Every curve Mbed TLS knows, in its order.
pub const ALL_CURVES: [Curve; 9] = [
    Curve::P192,
    Curve::P224,
    Curve::P256,
    Curve::P384,
    Curve::P521,
    Curve::Secp256k1,
    Curve::BrainpoolP256r1,
    Curve::BrainpoolP384r1,
    Curve::BrainpoolP512r1,
];

/// The Koblitz curves under 250 bits Mbed TLS also knows (secp192k1, secp224k1), by OID.
pub const SMALL_KOBLITZ: [&str; 2] = ["1.3.132.0.31", "1.3.132.0.32"];

const ALL_HASHES: [HashAlg; 6] = [
    HashAlg::Md5,
    HashAlg::Sha1,
    HashAlg::Sha224,
    HashAlg::Sha256,
    HashAlg::Sha384,
    HashAlg::Sha512,
];

impl MbedBuild {
    /// Upstream Mbed TLS's default configuration (`mbedtls_config.h` / `config.h` as shipped).
    pub fn upstream(v: super::Version) -> MbedBuild {
        let curves: Vec<Curve> = if v.is_4x() {
            ALL_CURVES
                .iter()
                .filter(|c| !matches!(c, Curve::P192 | Curve::P224))
                .cloned()
                .collect()
        } else {
            ALL_CURVES.to_vec()
        };
        let mut versions = vec![TlsVersion::Tls12];
        if v.is_2x() {
            versions = vec![TlsVersion::Tls10, TlsVersion::Tls11, TlsVersion::Tls12];
        } else if v >= super::Version(3, 6, 0) {
            versions.push(TlsVersion::Tls13);
        }
        let kx = if v.is_4x() {
            vec![
                KeyExchange::EcdheRsa,
                KeyExchange::EcdheEcdsa,
                KeyExchange::EcdhePsk,
                KeyExchange::Psk,
            ]
        } else {
            vec![
                KeyExchange::Rsa,
                KeyExchange::DheRsa,
                KeyExchange::EcdheRsa,
                KeyExchange::EcdheEcdsa,
                KeyExchange::EcdhRsa,
                KeyExchange::EcdhEcdsa,
                KeyExchange::Psk,
                KeyExchange::DhePsk,
                KeyExchange::EcdhePsk,
                KeyExchange::RsaPsk,
            ]
        };
        MbedBuild {
            curves,
            x25519: true,
            hashes: ALL_HASHES.to_vec(),
            rsa_pss: true,
            versions,
            key_exchanges: kx,
            ciphers: vec![
                Cipher::AesGcm,
                Cipher::AesCcm,
                Cipher::AesCbc,
                Cipher::ChaChaPoly,
                Cipher::Camellia,
                Cipher::Aria,
            ],
            in_content_len: 16384,
            out_content_len: 16384,
            dynamic_buffer: false,
            heap_size: None,
            max_frag_len: None,
            max_intermediates: 8,
            allow_no_hostname: false,
            keep_peer_cert: true,
            allow_unsupported_critical_ext: false,
            ec_extended: true,
            bundle: None,
            source: format!("Mbed TLS {v} default configuration"),
        }
    }

    /// ESP-IDF's defaults (Kconfig `default` lines through `esp_config.h`) for a release.
    pub fn esp_idf(release: (u8, u8, u8), v: super::Version) -> MbedBuild {
        let v6 = release.0 >= 6;
        let v44 = release.0 == 4;
        let curves: Vec<Curve> = if v6 {
            ALL_CURVES
                .iter()
                .filter(|c| !matches!(c, Curve::P192 | Curve::P224))
                .cloned()
                .collect()
        } else {
            ALL_CURVES.to_vec()
        };
        let versions = if v44 {
            vec![TlsVersion::Tls10, TlsVersion::Tls11, TlsVersion::Tls12]
        } else {
            vec![TlsVersion::Tls12]
        };
        let key_exchanges = if v6 {
            vec![KeyExchange::EcdheRsa, KeyExchange::EcdheEcdsa]
        } else if v44 {
            vec![
                KeyExchange::Rsa,
                KeyExchange::DheRsa,
                KeyExchange::EcdheRsa,
                KeyExchange::EcdheEcdsa,
                KeyExchange::EcdhRsa,
                KeyExchange::EcdhEcdsa,
            ]
        } else {
            vec![
                KeyExchange::Rsa,
                KeyExchange::EcdheRsa,
                KeyExchange::EcdheEcdsa,
                KeyExchange::EcdhRsa,
                KeyExchange::EcdhEcdsa,
            ]
        };
        MbedBuild {
            curves,
            x25519: true,
            hashes: ALL_HASHES.to_vec(),
            rsa_pss: true,
            versions,
            key_exchanges,
            ciphers: vec![Cipher::AesGcm, Cipher::AesCcm, Cipher::AesCbc],
            in_content_len: 16384,
            out_content_len: 4096,
            dynamic_buffer: false,
            heap_size: None,
            max_frag_len: None,
            max_intermediates: 8,
            allow_no_hostname: false,
            keep_peer_cert: !v6,
            allow_unsupported_critical_ext: false,
            ec_extended: true,
            bundle: Some(BundleBuild {
                enabled: true,
                list: BundleList::Full,
                deprecated: false,
                custom: false,
                cross_signed: false,
                max_certs: 200,
            }),
            source: format!(
                "ESP-IDF v{}.{}.{} defaults (Mbed TLS {v})",
                release.0, release.1, release.2
            ),
        }
    }

    /// Whether a key on `curve` parses.
    pub fn has_curve(&self, curve: &Curve) -> bool {
        self.curves.contains(curve)
    }

    /// Whether certificates signed with digest `h` are understood.
    pub fn has_hash(&self, h: HashAlg) -> bool {
        self.hashes.contains(&h)
    }
}

/// A problem in a configuration file, with its location.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct ConfigError {
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// What was expected.
    pub message: String,
}

/// One setting read from a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    /// `y`, or a `#define` without value.
    On,
    /// `# CONFIG_X is not set`, `n`, or `#undef`.
    Off,
    /// A number.
    Number(u64),
    /// A string.
    Text(String),
}

/// Settings in file order, names without their prefix.
pub type Settings = Vec<(String, Setting)>;

/// An ESP-IDF release, e.g. `(5, 4, 4)`.
pub type Release = (u8, u8, u8);

/// Whether Kconfig settings are Zephyr's: names only Zephyr's Mbed TLS module or sockets
/// layer has (ESP-IDF has neither `MBEDTLS_SSL_MAX_CONTENT_LEN` without `IDF_TARGET` nor
/// `NET_SOCKETS_*`).
pub fn is_zephyr_kconfig(settings: &[(String, Setting)]) -> bool {
    let has = |n: &str| settings.iter().any(|(k, _)| k == n || k.starts_with(n));
    !has("IDF_TARGET")
        && (has("NET_SOCKETS_SOCKOPT_TLS")
            || has("MBEDTLS_ENABLE_HEAP")
            || has("MBEDTLS_HEAP_SIZE")
            || has("NET_SOCKETS_TLS_")
            || has("ZEPHYR")
            || has("BOARD"))
}

/// The settings of an ESP-IDF `sdkconfig` (or `sdkconfig.defaults`): `CONFIG_NAME=value` and
/// `# CONFIG_NAME is not set`, in order, names without the `CONFIG_` prefix; plus the ESP-IDF
/// version named in the generated header, if any.
pub fn read_sdkconfig(file: &str, text: &str) -> Result<(Settings, Option<Release>), ConfigError> {
    let mut out = Vec::new();
    let mut version = None;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(c) = line.strip_prefix('#') {
            let c = c.trim();
            if let Some(name) = c
                .strip_prefix("CONFIG_")
                .and_then(|r| r.strip_suffix(" is not set"))
            {
                out.push((name.to_string(), Setting::Off));
            } else if let Some(rest) =
                c.strip_prefix("Espressif IoT Development Framework (ESP-IDF)")
            {
                version = rest.split_whitespace().next().and_then(parse_release);
            }
            continue;
        }
        let err = |message: String| ConfigError {
            file: file.to_string(),
            line: n + 1,
            message,
        };
        let Some((name, value)) = line.split_once('=') else {
            return Err(err(format!(
                "expected CONFIG_NAME=value or '# CONFIG_NAME is not set', found '{}'",
                crate::pemutil::shorten(line, 60)
            )));
        };
        let Some(name) = name.trim().strip_prefix("CONFIG_") else {
            return Err(err(format!(
                "expected a name starting with CONFIG_, found '{}'",
                crate::pemutil::shorten(name, 60)
            )));
        };
        let value = value.trim();
        let setting = match value {
            "y" => Setting::On,
            "n" => Setting::Off,
            v if v.starts_with('"') => {
                if v.len() < 2 || !v.ends_with('"') {
                    return Err(err(format!("unterminated string for CONFIG_{name}")));
                }
                Setting::Text(v[1..v.len() - 1].to_string())
            }
            v => match parse_number(v) {
                Some(x) => Setting::Number(x),
                None if is_negative_number(v) => Setting::Text(v.to_string()),
                None => {
                    return Err(err(format!(
                        "CONFIG_{name}: expected y, n, a number or a quoted string, found '{}'",
                        crate::pemutil::shorten(v, 40)
                    )));
                }
            },
        };
        out.push((name.to_string(), setting));
    }
    Ok((out, version))
}

fn parse_number(v: &str) -> Option<u64> {
    match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => v.parse().ok(),
    }
}

/// A negative number (Kconfig `int` options can be negative): kept as text.
fn is_negative_number(v: &str) -> bool {
    v.strip_prefix('-')
        .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
}

/// `5.1.3` (or `v5.1.3`, `5.1`) as a release triple.
pub fn parse_release(s: &str) -> Option<(u8, u8, u8)> {
    let s = s.trim_start_matches('v');
    let core = s.split(['-', ' ']).next()?;
    let mut it = core.split('.');
    let a = it.next()?.parse().ok()?;
    let b = it.next()?.parse().ok()?;
    let c = match it.next() {
        Some(x) => x.parse().ok()?,
        None => 0,
    };
    Some((a, b, c))
}

/// The `#define` / `#undef` lines of an `mbedtls_config.h` or user config header, in order,
/// and whether the file is a whole configuration (commented-out options then count as off).
pub fn read_mbedtls_config(
    file: &str,
    text: &str,
) -> Result<(Vec<(String, Setting)>, bool), ConfigError> {
    let mut out = Vec::new();
    let mut full = false;
    let mut in_block_comment = false;
    for (n, raw) in text.lines().enumerate() {
        let mut line = raw.trim().to_string();
        if in_block_comment {
            match line.find("*/") {
                Some(i) => {
                    line = line[i + 2..].trim().to_string();
                    in_block_comment = false;
                }
                None => continue,
            }
        }
        if let Some(i) = line.find("/*") {
            if !line[i..].contains("*/") {
                in_block_comment = true;
            }
            line = line[..i].trim().to_string();
        }
        let commented = line.starts_with("//");
        let body = line.trim_start_matches('/').trim();
        let err = |message: String| ConfigError {
            file: file.to_string(),
            line: n + 1,
            message,
        };
        if let Some(rest) = body.strip_prefix("#define") {
            let mut parts = rest.split_whitespace();
            let Some(name) = parts.next() else {
                return Err(err("#define without a name".into()));
            };
            if name == "MBEDTLS_CONFIG_VERSION" || name == "MBEDTLS_CONFIG_H" {
                full = true;
            }
            let value: Vec<&str> = parts.take_while(|p| !p.starts_with("//")).collect();
            let setting = if commented {
                Setting::Off
            } else {
                define_setting(&value)
            };
            out.push((name.to_string(), setting));
        } else if let Some(rest) = body.strip_prefix("#undef") {
            if commented {
                continue;
            }
            let Some(name) = rest.split_whitespace().next() else {
                return Err(err("#undef without a name".into()));
            };
            out.push((name.to_string(), Setting::Off));
        }
    }
    // A whole configuration defines the version macro or well over a hundred options; a user
    // config lists a few changes, and its commented-out lines are plain comments.
    if !full {
        full = out.iter().filter(|(_, s)| *s != Setting::Off).count() > 100;
    }
    if !full {
        out = drop_commented(text);
    }
    Ok((out, full))
}

/// The value of a `#define NAME value...` line: on when empty, else a number (suffixes and
/// parentheses dropped) or text.
fn define_setting(value: &[&str]) -> Setting {
    if value.is_empty() {
        return Setting::On;
    }
    let v = value.join(" ");
    let v = v.trim_start_matches('(').trim_end_matches(')');
    parse_number(v.trim_end_matches(['u', 'U', 'l', 'L']))
        .map_or_else(|| Setting::Text(v.to_string()), Setting::Number)
}

/// The settings of a user config: active `#define` and `#undef` lines only.
fn drop_commented(text: &str) -> Vec<(String, Setting)> {
    let mut out = Vec::new();
    for raw in text.lines() {
        let t = raw.trim();
        if t.starts_with("//") {
            continue;
        }
        if let Some(rest) = t.strip_prefix("#define") {
            let mut parts = rest.split_whitespace();
            if let Some(name) = parts.next() {
                let value: Vec<&str> = parts
                    .take_while(|p| !p.starts_with("//") && !p.starts_with("/*"))
                    .collect();
                let setting = define_setting(&value);
                out.push((name.to_string(), setting));
            }
        } else if let Some(rest) = t.strip_prefix("#undef") {
            if let Some(name) = rest.split_whitespace().next() {
                out.push((name.to_string(), Setting::Off));
            }
        }
    }
    out
}

fn on(s: &Setting) -> bool {
    match s {
        Setting::On | Setting::Text(_) => true,
        Setting::Number(n) => *n != 0,
        Setting::Off => false,
    }
}

fn set_flag<T: PartialEq + Clone>(list: &mut Vec<T>, item: T, present: bool) {
    let has = list.contains(&item);
    if present && !has {
        list.push(item);
    } else if !present && has {
        list.retain(|x| *x != item);
    }
}

/// What a configuration file changed that anchorkit models, for the report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// `MBEDTLS_HAVE_TIME_DATE`, when the file sets it.
    pub time_check: Option<bool>,
    /// Options read and used.
    pub used: Vec<String>,
}

pub(crate) const CURVE_OPTIONS: [(&str, Curve); 9] = [
    ("SECP192R1", Curve::P192),
    ("SECP224R1", Curve::P224),
    ("SECP256R1", Curve::P256),
    ("SECP384R1", Curve::P384),
    ("SECP521R1", Curve::P521),
    ("SECP256K1", Curve::Secp256k1),
    ("BP256R1", Curve::BrainpoolP256r1),
    ("BP384R1", Curve::BrainpoolP384r1),
    ("BP512R1", Curve::BrainpoolP512r1),
];

const KX_OPTIONS: [(&str, KeyExchange); 11] = [
    ("RSA", KeyExchange::Rsa),
    ("DHE_RSA", KeyExchange::DheRsa),
    ("ECDHE_RSA", KeyExchange::EcdheRsa),
    ("ECDHE_ECDSA", KeyExchange::EcdheEcdsa),
    ("ECDH_RSA", KeyExchange::EcdhRsa),
    ("ECDH_ECDSA", KeyExchange::EcdhEcdsa),
    ("PSK", KeyExchange::Psk),
    ("DHE_PSK", KeyExchange::DhePsk),
    ("ECDHE_PSK", KeyExchange::EcdhePsk),
    ("RSA_PSK", KeyExchange::RsaPsk),
    ("ECJPAKE", KeyExchange::Ecjpake),
];

impl MbedBuild {
    /// Applies `sdkconfig` settings (names without `CONFIG_`) over this build, as `esp_config.h`
    /// maps them for `release`.
    pub fn apply_sdkconfig(
        &mut self,
        settings: &[(String, Setting)],
        release: (u8, u8, u8),
    ) -> Applied {
        let mut a = Applied::default();
        let mut asymmetric = true;
        let mut max_len: Option<u32> = None;
        let mut chacha = (false, false, false);
        for (name, s) in settings {
            let Some(opt) = name.strip_prefix("MBEDTLS_") else {
                continue;
            };
            let v = on(s);
            let mut used = true;
            match opt {
                "HAVE_TIME_DATE" => a.time_check = Some(v),
                "MD5_C" => set_flag(&mut self.hashes, HashAlg::Md5, v),
                "SHA1_C" => set_flag(&mut self.hashes, HashAlg::Sha1, v),
                "SHA224_C" if release.0 < 6 => set_flag(&mut self.hashes, HashAlg::Sha224, v),
                // v6: SHA224 follows SHA256_C through PSA_WANT_ALG_SHA_224.
                "SHA224_C" => {}
                "SHA256_C" => {
                    set_flag(&mut self.hashes, HashAlg::Sha256, v);
                    if release.0 >= 6 {
                        set_flag(&mut self.hashes, HashAlg::Sha224, v);
                    }
                }
                "SHA512_C" => {
                    set_flag(&mut self.hashes, HashAlg::Sha512, v);
                    if release.0 < 6 {
                        set_flag(&mut self.hashes, HashAlg::Sha384, v);
                    }
                }
                "SHA384_C" if release.0 >= 6 => set_flag(&mut self.hashes, HashAlg::Sha384, v),
                "X509_RSASSA_PSS_SUPPORT" => self.rsa_pss = v,
                "SSL_PROTO_TLS1" => set_flag(&mut self.versions, TlsVersion::Tls10, v),
                "SSL_PROTO_TLS1_1" => set_flag(&mut self.versions, TlsVersion::Tls11, v),
                "SSL_PROTO_TLS1_2" => set_flag(&mut self.versions, TlsVersion::Tls12, v),
                "SSL_PROTO_TLS1_3" => set_flag(&mut self.versions, TlsVersion::Tls13, v),
                "ECP_DP_CURVE25519_ENABLED" => self.x25519 = v,
                "ASYMMETRIC_CONTENT_LEN" => asymmetric = v,
                "SSL_IN_CONTENT_LEN" => {
                    if let Setting::Number(n) = s {
                        self.in_content_len = u32::try_from(*n).unwrap_or(u32::MAX);
                    }
                }
                "SSL_OUT_CONTENT_LEN" => {
                    if let Setting::Number(n) = s {
                        self.out_content_len = u32::try_from(*n).unwrap_or(u32::MAX);
                    }
                }
                "SSL_MAX_CONTENT_LEN" => {
                    if let Setting::Number(n) = s {
                        max_len = Some(u32::try_from(*n).unwrap_or(u32::MAX));
                    }
                }
                "DYNAMIC_BUFFER" => self.dynamic_buffer = v,
                "ALLOW_WEAK_CERTIFICATE_VERIFICATION" => self.allow_no_hostname = v,
                "SSL_KEEP_PEER_CERTIFICATE" => self.keep_peer_cert = v,
                "ALLOW_UNSUPPORTED_CRITICAL_EXT" => self.allow_unsupported_critical_ext = v,
                "PK_PARSE_EC_EXTENDED" => self.ec_extended = v,
                "GCM_C" => set_flag(&mut self.ciphers, Cipher::AesGcm, v),
                "CCM_C" => set_flag(&mut self.ciphers, Cipher::AesCcm, v),
                "CAMELLIA_C" => set_flag(&mut self.ciphers, Cipher::Camellia, v),
                "ARIA_C" => set_flag(&mut self.ciphers, Cipher::Aria, v),
                "DES_C" => set_flag(&mut self.ciphers, Cipher::Des, v),
                "CHACHA20_C" => chacha.0 = v,
                "POLY1305_C" => chacha.1 = v,
                "CHACHAPOLY_C" => chacha.2 = v,
                "CERTIFICATE_BUNDLE" => {
                    if let Some(b) = &mut self.bundle {
                        b.enabled = v;
                    }
                }
                "DEFAULT_CERTIFICATE_BUNDLE" | "CERTIFICATE_BUNDLE_DEFAULT_FULL" if v => {
                    if let Some(b) = &mut self.bundle {
                        b.list = BundleList::Full;
                    }
                }
                "CERTIFICATE_BUNDLE_DEFAULT_CMN" if v => {
                    if let Some(b) = &mut self.bundle {
                        b.list = BundleList::Common;
                    }
                }
                "CERTIFICATE_BUNDLE_DEFAULT_NONE" if v => {
                    if let Some(b) = &mut self.bundle {
                        b.list = BundleList::None;
                    }
                }
                "CERTIFICATE_BUNDLE_DEPRECATED_LIST" => {
                    if let Some(b) = &mut self.bundle {
                        b.deprecated = v;
                    }
                }
                "CUSTOM_CERTIFICATE_BUNDLE" => {
                    if let Some(b) = &mut self.bundle {
                        b.custom = v;
                    }
                }
                "CERTIFICATE_BUNDLE_CROSS_SIGNED_VERIFY" => {
                    if let Some(b) = &mut self.bundle {
                        b.cross_signed = v;
                    }
                }
                "CERTIFICATE_BUNDLE_MAX_CERTS" => {
                    if let (Some(b), Setting::Number(n)) = (&mut self.bundle, s) {
                        b.max_certs = u32::try_from(*n).unwrap_or(u32::MAX);
                    }
                }
                other => {
                    used = false;
                    if let Some(c) = other
                        .strip_prefix("ECP_DP_")
                        .and_then(|r| r.strip_suffix("_ENABLED"))
                    {
                        if let Some((_, curve)) = CURVE_OPTIONS.iter().find(|(n, _)| *n == c) {
                            set_flag(&mut self.curves, curve.clone(), v);
                            used = true;
                        }
                    } else if let Some(k) = other.strip_prefix("KEY_EXCHANGE_") {
                        // Mbed TLS 4 (ESP-IDF v6) has only the ECDHE and PSK exchanges;
                        // esp_config.h maps nothing else.
                        let kept = release.0 < 6
                            || matches!(k, "ECDHE_RSA" | "ECDHE_ECDSA" | "PSK" | "ECDHE_PSK");
                        if let Some((_, kx)) = KX_OPTIONS.iter().find(|(n, _)| *n == k) {
                            if kept {
                                set_flag(&mut self.key_exchanges, *kx, v);
                            }
                            used = true;
                        }
                    }
                }
            }
            if used {
                a.used.push(format!("CONFIG_{name}"));
            }
        }
        if !asymmetric {
            if let Some(m) = max_len {
                self.in_content_len = m;
                self.out_content_len = m;
            }
        }
        set_flag(
            &mut self.ciphers,
            Cipher::ChaChaPoly,
            chacha.2 && chacha.0 && (chacha.1 || release.0 >= 6),
        );
        // DHE needs DHM_C, off by default from v5.0.
        a
    }

    /// Applies a Zephyr Kconfig file (`prj.conf`, `build/zephyr/.config`; names without
    /// `CONFIG_`): `MBEDTLS_SSL_MAX_CONTENT_LEN` sets both buffers (Zephyr's config header maps
    /// it so), `MBEDTLS_HEAP_SIZE` bounds the heap when `MBEDTLS_ENABLE_HEAP` is on,
    /// `MBEDTLS_HAVE_TIME_DATE` the date checks, and the sockets layer asks for a
    /// max_fragment_length from the content length when `NET_SOCKETS_TLS_SET_MAX_FRAGMENT_LENGTH`
    /// is on.
    pub fn apply_zephyr_kconfig(&mut self, settings: &[(String, Setting)]) -> Applied {
        let mut a = Applied::default();
        let mut heap = None;
        let mut enable_heap = false;
        let mut mfl = false;
        for (name, s) in settings {
            let v = on(s);
            let num = |s: &Setting| match s {
                Setting::Number(n) => u32::try_from(*n).ok(),
                _ => None,
            };
            let used = match name.as_str() {
                "MBEDTLS_SSL_MAX_CONTENT_LEN" => {
                    if let Some(n) = num(s) {
                        self.in_content_len = n;
                        self.out_content_len = n;
                    }
                    true
                }
                "MBEDTLS_HEAP_SIZE" => {
                    heap = num(s);
                    true
                }
                "MBEDTLS_ENABLE_HEAP" => {
                    enable_heap = v;
                    true
                }
                "MBEDTLS_HAVE_TIME_DATE" => {
                    a.time_check = Some(v);
                    true
                }
                "NET_SOCKETS_TLS_SET_MAX_FRAGMENT_LENGTH" => {
                    mfl = v;
                    true
                }
                _ => false,
            };
            if used {
                a.used.push(format!("CONFIG_{name}"));
            }
        }
        self.heap_size = if enable_heap {
            heap.or(Some(512))
        } else {
            None
        };
        // RFC 6066 sizes, from the smaller buffer.
        self.max_frag_len = mfl.then(|| {
            let m = self.in_content_len.min(self.out_content_len);
            [4096, 2048, 1024, 512]
                .into_iter()
                .find(|x| *x <= m)
                .unwrap_or(512)
        });
        a
    }

    /// Applies `#define` / `#undef` settings of an Mbed TLS configuration header.
    pub fn apply_mbedtls_config(&mut self, settings: &[(String, Setting)], full: bool) -> Applied {
        let mut a = Applied::default();
        if full {
            // A whole configuration: anything it does not define is off.
            self.curves.clear();
            self.hashes.clear();
            self.versions.clear();
            self.key_exchanges.clear();
            self.rsa_pss = false;
            self.x25519 = false;
            self.keep_peer_cert = false;
            self.ec_extended = false;
            a.time_check = Some(false);
        }
        for (name, s) in settings {
            let v = on(s);
            let mut used = true;
            let m = name
                .strip_prefix("MBEDTLS_")
                .or_else(|| name.strip_prefix("PSA_WANT_"))
                .unwrap_or(name);
            match m {
                "HAVE_TIME_DATE" => a.time_check = Some(v),
                "MD5_C" | "ALG_MD5" => set_flag(&mut self.hashes, HashAlg::Md5, v),
                "SHA1_C" | "ALG_SHA_1" => set_flag(&mut self.hashes, HashAlg::Sha1, v),
                "SHA224_C" | "ALG_SHA_224" => set_flag(&mut self.hashes, HashAlg::Sha224, v),
                "SHA256_C" | "ALG_SHA_256" => set_flag(&mut self.hashes, HashAlg::Sha256, v),
                "SHA384_C" | "ALG_SHA_384" => set_flag(&mut self.hashes, HashAlg::Sha384, v),
                "SHA512_C" | "ALG_SHA_512" => set_flag(&mut self.hashes, HashAlg::Sha512, v),
                "X509_RSASSA_PSS_SUPPORT" => self.rsa_pss = v,
                "SSL_PROTO_TLS1" => set_flag(&mut self.versions, TlsVersion::Tls10, v),
                "SSL_PROTO_TLS1_1" => set_flag(&mut self.versions, TlsVersion::Tls11, v),
                "SSL_PROTO_TLS1_2" => set_flag(&mut self.versions, TlsVersion::Tls12, v),
                "SSL_PROTO_TLS1_3" => set_flag(&mut self.versions, TlsVersion::Tls13, v),
                "ECP_DP_CURVE25519_ENABLED" | "ECC_MONTGOMERY_255" => self.x25519 = v,
                "SSL_IN_CONTENT_LEN" | "SSL_OUT_CONTENT_LEN" | "SSL_MAX_CONTENT_LEN" => {
                    if let Setting::Number(n) = s {
                        let n = u32::try_from(*n).unwrap_or(u32::MAX);
                        if m != "SSL_OUT_CONTENT_LEN" {
                            self.in_content_len = n;
                        }
                        if m != "SSL_IN_CONTENT_LEN" {
                            self.out_content_len = n;
                        }
                    }
                }
                "X509_MAX_INTERMEDIATE_CA" => {
                    if let Setting::Number(n) = s {
                        self.max_intermediates = usize::try_from(*n).unwrap_or(usize::MAX);
                    }
                }
                "SSL_CLI_ALLOW_WEAK_CERTIFICATE_VERIFICATION_WITHOUT_HOSTNAME" => {
                    self.allow_no_hostname = v
                }
                "SSL_KEEP_PEER_CERTIFICATE" => self.keep_peer_cert = v,
                "X509_ALLOW_UNSUPPORTED_CRITICAL_EXTENSION" => {
                    self.allow_unsupported_critical_ext = v
                }
                "PK_PARSE_EC_EXTENDED" => self.ec_extended = v,
                "GCM_C" | "ALG_GCM" => set_flag(&mut self.ciphers, Cipher::AesGcm, v),
                "CCM_C" | "ALG_CCM" => set_flag(&mut self.ciphers, Cipher::AesCcm, v),
                "CHACHAPOLY_C" | "ALG_CHACHA20_POLY1305" => {
                    set_flag(&mut self.ciphers, Cipher::ChaChaPoly, v)
                }
                "CAMELLIA_C" => set_flag(&mut self.ciphers, Cipher::Camellia, v),
                "ARIA_C" => set_flag(&mut self.ciphers, Cipher::Aria, v),
                "DES_C" => set_flag(&mut self.ciphers, Cipher::Des, v),
                "ECC_SECP_R1_256" => set_flag(&mut self.curves, Curve::P256, v),
                "ECC_SECP_R1_384" => set_flag(&mut self.curves, Curve::P384, v),
                "ECC_SECP_R1_521" => set_flag(&mut self.curves, Curve::P521, v),
                "ECC_SECP_K1_256" => set_flag(&mut self.curves, Curve::Secp256k1, v),
                "ECC_BRAINPOOL_P_R1_256" => set_flag(&mut self.curves, Curve::BrainpoolP256r1, v),
                "ECC_BRAINPOOL_P_R1_384" => set_flag(&mut self.curves, Curve::BrainpoolP384r1, v),
                "ECC_BRAINPOOL_P_R1_512" => set_flag(&mut self.curves, Curve::BrainpoolP512r1, v),
                other => {
                    used = false;
                    if let Some(c) = other
                        .strip_prefix("ECP_DP_")
                        .and_then(|r| r.strip_suffix("_ENABLED"))
                    {
                        if let Some((_, curve)) = CURVE_OPTIONS.iter().find(|(n, _)| *n == c) {
                            set_flag(&mut self.curves, curve.clone(), v);
                            used = true;
                        }
                    } else if let Some(k) = other
                        .strip_prefix("KEY_EXCHANGE_")
                        .and_then(|r| r.strip_suffix("_ENABLED"))
                    {
                        if let Some((_, kx)) = KX_OPTIONS.iter().find(|(n, _)| *n == k) {
                            set_flag(&mut self.key_exchanges, *kx, v);
                            used = true;
                        }
                    }
                }
            }
            if used {
                a.used.push(name.clone());
            }
        }
        a
    }
}

impl fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TlsVersion::Tls10 => "TLS 1.0",
            TlsVersion::Tls11 => "TLS 1.1",
            TlsVersion::Tls12 => "TLS 1.2",
            TlsVersion::Tls13 => "TLS 1.3",
        })
    }
}

/// One `config` (or `choice`) entry of a Kconfig file, as far as defaults go.
#[derive(Debug, Clone)]
struct KEntry {
    name: String,
    kind: String,
    depends: Vec<String>,
    defaults: Vec<(String, Option<String>)>,
    choice: Option<String>,
    selects: Vec<(String, Option<String>)>,
}

/// The defaults a Kconfig file gives, as the settings of a generated `sdkconfig` for a plain
/// ESP32 target (the `default` lines, their `if` conditions, `depends on`, choices and
/// `select`s, evaluated to a fixed point; symbols defined elsewhere count as `n` except
/// `IDF_TARGET_ESP32` and the `SOC_` capabilities of the ESP32 that the TLS options test).
pub fn kconfig_defaults(text: &str) -> Vec<(String, Setting)> {
    let mut entries: Vec<KEntry> = Vec::new();
    let mut choice_stack: Vec<String> = Vec::new();
    let mut if_stack: Vec<String> = Vec::new();
    let mut cur: Option<usize> = None;
    let mut in_help = false;
    let mut help_indent = 0usize;
    for raw in text.lines() {
        let indent = raw.len() - raw.trim_start().len();
        let line = raw.trim();
        if in_help {
            if line.is_empty() || indent > help_indent {
                continue;
            }
            in_help = false;
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (kw, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let rest = rest.trim();
        match kw {
            "config" | "menuconfig" => {
                entries.push(KEntry {
                    name: rest.to_string(),
                    kind: String::new(),
                    depends: if_stack.clone(),
                    defaults: Vec::new(),
                    choice: choice_stack.last().cloned(),
                    selects: Vec::new(),
                });
                cur = Some(entries.len() - 1);
            }
            "choice" => {
                entries.push(KEntry {
                    name: rest.to_string(),
                    kind: "choice".into(),
                    depends: if_stack.clone(),
                    defaults: Vec::new(),
                    choice: None,
                    selects: Vec::new(),
                });
                choice_stack.push(rest.to_string());
                cur = Some(entries.len() - 1);
            }
            "endchoice" => {
                choice_stack.pop();
                cur = None;
            }
            "if" => if_stack.push(rest.to_string()),
            "endif" => {
                if_stack.pop();
            }
            "menu" | "endmenu" | "comment" | "source" | "rsource" | "orsource" | "mainmenu" => {
                cur = None;
            }
            "help" | "---help---" => {
                in_help = true;
                help_indent = indent;
            }
            "bool" | "int" | "hex" | "string" | "tristate" => {
                if let Some(i) = cur {
                    if entries[i].kind != "choice" {
                        entries[i].kind = kw.to_string();
                    }
                }
            }
            "def_bool" | "def_int" | "def_hex" | "def_string" => {
                if let Some(i) = cur {
                    entries[i].kind = kw.trim_start_matches("def_").to_string();
                    let (v, c) = split_if(rest);
                    entries[i].defaults.push((v, c));
                }
            }
            "default" => {
                if let Some(i) = cur {
                    let (v, c) = split_if(rest);
                    entries[i].defaults.push((v, c));
                }
            }
            "depends" => {
                if let Some(i) = cur {
                    entries[i]
                        .depends
                        .push(rest.trim_start_matches("on").trim().to_string());
                }
            }
            "select" | "imply" => {
                if let Some(i) = cur {
                    let (v, c) = split_if(rest);
                    entries[i].selects.push((v, c));
                }
            }
            _ => {}
        }
    }
    // Evaluate to a fixed point.
    let mut values: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    values.insert("IDF_TARGET_ESP32".into(), "y".into());
    values.insert("SOC_MPI_SUPPORTED".into(), "y".into());
    values.insert("SOC_AES_SUPPORTED".into(), "y".into());
    values.insert("SOC_SHA_SUPPORTED".into(), "y".into());
    values.insert("SOC_RSA_MAX_BIT_LEN".into(), "4096".into());
    values.insert("ESP_TLS_USING_MBEDTLS".into(), "y".into());
    for _ in 0..8 {
        let mut next = values.clone();
        for e in &entries {
            if e.kind == "choice" {
                continue;
            }
            let deps_ok = e.depends.iter().all(|d| eval(d, &values));
            let v = if !deps_ok {
                None
            } else if let Some(ch) = &e.choice {
                // A choice member is y when it is the choice's selected default.
                let chosen = entries
                    .iter()
                    .find(|c| c.kind == "choice" && &c.name == ch)
                    .and_then(|c| {
                        c.defaults
                            .iter()
                            .find(|(_, cond)| cond.as_deref().is_none_or(|x| eval(x, &values)))
                            .map(|(v, _)| v.clone())
                    });
                Some(
                    if chosen.as_deref() == Some(e.name.as_str()) {
                        "y"
                    } else {
                        "n"
                    }
                    .to_string(),
                )
            } else {
                let d = e
                    .defaults
                    .iter()
                    .find(|(_, cond)| cond.as_deref().is_none_or(|x| eval(x, &values)))
                    .map(|(v, _)| v.clone());
                match (e.kind.as_str(), d) {
                    ("bool" | "tristate", Some(v)) => {
                        Some(if eval(&v, &values) { "y" } else { "n" }.to_string())
                    }
                    ("bool" | "tristate", None) => Some("n".into()),
                    (_, Some(v)) => Some(values.get(&v).cloned().unwrap_or(v)),
                    (_, None) => None,
                }
            };
            match v {
                Some(v) => {
                    next.insert(e.name.clone(), v);
                }
                None => {
                    next.remove(&e.name);
                }
            }
        }
        // select: forces the target on when the selecting option is on.
        for e in &entries {
            if next.get(&e.name).map(String::as_str) == Some("y") {
                for (t, cond) in &e.selects {
                    if cond.as_deref().is_none_or(|c| eval(c, &next)) {
                        next.insert(t.clone(), "y".into());
                    }
                }
            }
        }
        if next == values {
            break;
        }
        values = next;
    }
    let mut out = Vec::new();
    for e in &entries {
        if e.kind == "choice" {
            continue;
        }
        if let Some(v) = values.get(&e.name) {
            let s = match (e.kind.as_str(), v.as_str()) {
                ("bool" | "tristate", "y") => Setting::On,
                ("bool" | "tristate", _) => Setting::Off,
                ("string", v) => Setting::Text(v.trim_matches('"').to_string()),
                (_, v) => {
                    parse_number(v).map_or_else(|| Setting::Text(v.to_string()), Setting::Number)
                }
            };
            out.push((e.name.clone(), s));
        }
    }
    out
}

/// `VALUE if COND` -> (VALUE, Some(COND)).
fn split_if(s: &str) -> (String, Option<String>) {
    match s.find(" if ") {
        Some(i) => (
            s[..i].trim().to_string(),
            Some(s[i + 4..].trim().to_string()),
        ),
        None => (s.trim().to_string(), None),
    }
}

/// Evaluates a Kconfig expression (`!`, `&&`, `||`, parentheses, `=`/`!=`, symbols, y/n).
fn eval(expr: &str, values: &std::collections::HashMap<String, String>) -> bool {
    fn tokens(s: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = String::new();
        let cs: Vec<char> = s.chars().collect();
        let mut i = 0;
        while i < cs.len() {
            let c = cs[i];
            let two: String = cs[i..(i + 2).min(cs.len())].iter().collect();
            if two == "&&" || two == "||" || two == "!=" || two == ">=" || two == "<=" {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                out.push(two);
                i += 2;
                continue;
            }
            if "!()=<>".contains(c) {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                out.push(c.to_string());
            } else if c.is_whitespace() {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            } else {
                cur.push(c);
            }
            i += 1;
        }
        if !cur.is_empty() {
            out.push(cur);
        }
        out
    }
    struct P<'a> {
        t: Vec<String>,
        i: usize,
        v: &'a std::collections::HashMap<String, String>,
    }
    impl P<'_> {
        fn peek(&self) -> Option<&str> {
            self.t.get(self.i).map(String::as_str)
        }
        fn value(&self, sym: &str) -> String {
            let s = sym.trim_matches('"');
            match s {
                "y" | "n" => s.to_string(),
                _ => self.v.get(s).cloned().unwrap_or_else(|| {
                    if s.chars().all(|c| c.is_ascii_digit()) {
                        s.to_string()
                    } else {
                        "n".into()
                    }
                }),
            }
        }
        fn or(&mut self) -> bool {
            let mut a = self.and();
            while self.peek() == Some("||") {
                self.i += 1;
                let b = self.and();
                a = a || b;
            }
            a
        }
        fn and(&mut self) -> bool {
            let mut a = self.not();
            while self.peek() == Some("&&") {
                self.i += 1;
                let b = self.not();
                a = a && b;
            }
            a
        }
        fn not(&mut self) -> bool {
            if self.peek() == Some("!") {
                self.i += 1;
                return !self.not();
            }
            self.atom()
        }
        fn atom(&mut self) -> bool {
            match self.peek() {
                Some("(") => {
                    self.i += 1;
                    let v = self.or();
                    if self.peek() == Some(")") {
                        self.i += 1;
                    }
                    v
                }
                Some(sym) => {
                    let sym = sym.to_string();
                    self.i += 1;
                    match self.peek() {
                        Some(op @ ("=" | "!=" | "<" | ">" | "<=" | ">=")) => {
                            let op = op.to_string();
                            self.i += 1;
                            let rhs = self.peek().unwrap_or("").to_string();
                            self.i += 1;
                            let (a, b) = (self.value(&sym), self.value(&rhs));
                            let num = |x: &str| parse_number(x);
                            match op.as_str() {
                                "=" => a == b,
                                "!=" => a != b,
                                _ => match (num(&a), num(&b)) {
                                    (Some(x), Some(y)) => match op.as_str() {
                                        "<" => x < y,
                                        ">" => x > y,
                                        "<=" => x <= y,
                                        _ => x >= y,
                                    },
                                    _ => false,
                                },
                            }
                        }
                        _ => {
                            let v = self.value(&sym);
                            v != "n" && !v.is_empty()
                        }
                    }
                }
                None => false,
            }
        }
    }
    let mut p = P {
        t: tokens(expr),
        i: 0,
        v: values,
    };
    p.or()
}

/// Renders settings as the lines of an `sdkconfig`.
pub fn render_sdkconfig(settings: &[(String, Setting)]) -> String {
    let mut out = String::new();
    for (name, s) in settings {
        match s {
            Setting::On => out.push_str(&format!("CONFIG_{name}=y\n")),
            Setting::Off => out.push_str(&format!("# CONFIG_{name} is not set\n")),
            Setting::Number(n) => out.push_str(&format!("CONFIG_{name}={n}\n")),
            Setting::Text(t) => out.push_str(&format!("CONFIG_{name}=\"{t}\"\n")),
        }
    }
    out
}
