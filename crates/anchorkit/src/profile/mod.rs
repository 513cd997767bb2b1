//! Client profiles: which TLS stack a device runs, in which version and configuration.
//!
//! A profile is data: the stack family, the library version facts that change verdicts, the
//! ESP-IDF integration facts, and the knobs a firmware developer sets (time checks, authmode,
//! X.509 profile, trust mode). The few places where stacks really differ are behind the
//! [`crate::verify::Stack`] trait; everything else is a table row here. Adding "mbedTLS 3.7"
//! is a new row in [`PROFILES`] and a test.
//!
//! Facts come from `shared/reference/mbedtls-semantics.md` (read from mbedTLS 2.28.0-2.28.10,
//! 3.0.0-3.6.6 and 4.1.0 sources, and ESP-IDF v4.4-v6.0.2).

pub mod build;
pub mod wolfconf;

use std::fmt;

use serde::Serialize;

pub use build::MbedBuild;

/// The TLS stack family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// Mbed TLS (also inside ESP-IDF and Arduino-ESP32).
    Mbedtls,
    /// The `rustls-webpki` crate (embedded Rust with rustls).
    Webpki,
    /// BearSSL's `br_x509_minimal` (ESP8266 Arduino core).
    Bearssl,
    /// OpenSSL 3 `openssl verify` (the desktop reference).
    Openssl,
    /// wolfSSL 5 as a TLS client.
    Wolfssl,
}

/// An mbedTLS version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Version(pub u8, pub u8, pub u8);

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

impl Version {
    /// mbedTLS ≥ 3.5.0 matches iPAddress/URI SANs and knows SKI/AKI as extensions.
    pub fn ip_san(self) -> bool {
        self >= Version(3, 5, 0)
    }

    /// Verification without `mbedtls_ssl_set_hostname` fails with -0x5D80 (2.28.10, ≥3.6.3).
    pub fn requires_hostname(self) -> bool {
        self == Version(2, 28, 10) || self >= Version(3, 6, 3)
    }

    /// TLS handshake messages split over several records are reassembled (3.6.3 and later);
    /// before, such a message fails with -0x7080 (FEATURE_UNAVAILABLE).
    pub fn reassembles_handshake(self) -> bool {
        self >= Version(3, 6, 3)
    }

    /// The 2.x default X.509 profile (SHA-224 allowed, any curve).
    pub fn is_2x(self) -> bool {
        self.0 == 2
    }

    /// mbedTLS 4.x removed curves under 250 bits.
    pub fn is_4x(self) -> bool {
        self.0 >= 4
    }
}

/// `mbedtls_ssl_conf_authmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Authmode {
    /// `MBEDTLS_SSL_VERIFY_REQUIRED` (the default for clients, and what esp-tls sets).
    Required,
    /// `MBEDTLS_SSL_VERIFY_OPTIONAL`: -0x2700 and -0x7A00 are swallowed.
    Optional,
}

/// `mbedtls_x509_crt_profile_*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum X509Profile {
    /// `mbedtls_x509_crt_profile_default` (esp-tls always uses it).
    Default,
    /// `mbedtls_x509_crt_profile_next`.
    Next,
    /// `mbedtls_x509_crt_profile_suiteb`.
    SuiteB,
}

/// How the device is told what to trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrustMode {
    /// A CA list of full certificates (`cert_pem`, `setCACert`, `mbedtls_ssl_conf_ca_chain`).
    CertPem,
    /// The ESP-IDF certificate bundle with its verify callback (`crt_bundle_attach`,
    /// `setCACertBundle`).
    Bundle,
    /// The bundle with `CONFIG_MBEDTLS_CERTIFICATE_BUNDLE_CROSS_SIGNED_VERIFY` (ESP-IDF v6.0+).
    BundleCrossSigned,
}

/// The ESP-IDF bundle on-flash format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BundleFormat {
    /// v4.2 to v5.3.
    Legacy,
    /// v5.4+ offset table.
    OffsetTable,
}

/// ESP-IDF facts for a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EspIdf {
    /// The ESP-IDF release modelled (`esp-idf-5.3` is its newest patch, v5.3.5).
    #[serde(serialize_with = "release_text")]
    pub version: (u8, u8, u8),
    /// Bundle format this release reads.
    pub bundle_format: BundleFormat,
    /// Whether the cross-signed bundle mode exists.
    pub cross_signed_mode: bool,
}

fn release_text<S: serde::Serializer>(r: &(u8, u8, u8), s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{}.{}.{}", r.0, r.1, r.2))
}

impl EspIdf {
    /// `5.3.5`.
    pub fn version_text(&self) -> String {
        format!("{}.{}.{}", self.version.0, self.version.1, self.version.2)
    }

    /// Which `esp_crt_bundle.c` verify callback this release has.
    pub fn bundle_callback(&self) -> BundleCallback {
        match self.version {
            (6.., _, _) => BundleCallback::Psa,
            (5, 4.., _) => BundleCallback::Bounded,
            _ => BundleCallback::Legacy,
        }
    }

    /// esp-tls calls `mbedtls_ssl_set_hostname(NULL)` for `skip_common_name` (the releases that
    /// moved to Mbed TLS 3.6.3 or later: v5.0.9, v5.1.7, v5.2.6, v5.3.4, v5.4.2, v5.5, v6.0).
    pub fn sets_null_hostname(&self) -> bool {
        match self.version {
            (4, _, _) => false,
            (5, 0, p) => p >= 9,
            (5, 1, p) => p >= 7,
            (5, 2, p) => p >= 6,
            (5, 3, p) => p >= 4,
            (5, 4, p) => p >= 2,
            _ => true,
        }
    }
}

/// The ESP-IDF certificate-bundle verify callback generations (`esp_crt_bundle.c`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BundleCallback {
    /// v4.4 to v5.3: memcmp over the record's name length, `mbedtls_pk_verify_ext`, a miss is
    /// -0x3000.
    Legacy,
    /// v5.4, v5.5: memcmp over the shorter length, an MD check, a miss returns -0x2700 (which
    /// Mbed TLS turns into -0x3000).
    Bounded,
    /// v6.0+: PSA check (RSA always PKCS#1 v1.5; SHA-1/256/384/512 only).
    Psa,
}

/// A device TLS stack with its configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Profile {
    name: &'static str,
    /// What it models, in a few words.
    pub description: &'static str,
    /// The stack family.
    pub family: Family,
    /// mbedTLS version, for mbedTLS-based profiles.
    pub mbedtls: Option<Version>,
    /// ESP-IDF facts, for ESP-IDF and Arduino-ESP32 profiles.
    pub esp_idf: Option<EspIdf>,
    /// `MBEDTLS_HAVE_TIME_DATE`: validity dates are checked.
    pub time_check: bool,
    /// The authmode.
    pub authmode: Authmode,
    /// The X.509 profile.
    pub x509_profile: X509Profile,
    /// How trust is configured.
    pub trust_mode: TrustMode,
    /// How the Mbed TLS library is built (Mbed TLS profiles; filled by [`Profile::by_name`]).
    pub build: Option<MbedBuild>,
    /// How wolfSSL is built (wolfSSL profiles).
    pub wolfssl: Option<WolfsslBuild>,
    /// OpenSSL's security level (`SSL_CTX_set_security_level`, OpenSSL profiles): 1 is
    /// libssl's default; Debian and Fedora configure 2.
    pub security_level: Option<u8>,
    /// The wolfSSL configuration file the build knobs were read from (`--wolfssl-config`).
    pub wolfssl_config: Option<String>,
}

/// The wolfSSL build options that change chain verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct WolfsslBuild {
    /// `WOLFSSL_TRUST_PEER_CERT` (with `OPENSSL_COMPATIBLE_DEFAULTS`): every loaded certificate
    /// is also a trusted peer, so a leaf in the CA list is accepted as it is.
    pub trusted_peers: bool,
    /// `WOLFSSL_ALT_CERT_CHAINS`: a served CA without a signer is passed over.
    pub alt_cert_chains: bool,
    /// A new context verifies what it loads (no `OPENSSL_COMPATIBLE_DEFAULTS`): a CA outside
    /// its dates does not load (`ASN_AFTER_DATE_E` / `ASN_BEFORE_DATE_E`).
    pub ca_dates_at_load: bool,
    /// A basicConstraints with the cA BOOLEAN present and FALSE (not DER: FALSE is the
    /// default) is `ASN_PARSE_E` (wolfSSL 5.9's `DecodeBasicCaConstraint`).
    pub explicit_ca_false_rejected: bool,
    /// `wolfSSL_check_domain_name` takes only a host name with two or more labels, the last
    /// with a letter (or `localhost`): an IP address or a single label is refused before the
    /// handshake (wolfSSL 5.9).
    pub fqdn_hosts_only: bool,
    /// Ed25519 and Ed448 are compiled in (`--enable-ed25519`, `--enable-ed448`).
    pub eddsa: bool,
    /// The leaf's keyUsage, when present, must include digitalSignature (`KEYUSE_SIGNATURE_E`,
    /// wolfSSL 5.9).
    pub leaf_digital_signature: bool,
    /// The Koblitz, Brainpool and SECP R2/R3 curves are compiled in (`--enable-eccbrainpool`,
    /// `--enable-ecccustcurves`, as Debian's build has them); otherwise P-224 to P-521 only.
    pub more_curves: bool,
    /// A curve that is not compiled in is found when the key is used (5.9): as a signer
    /// `ASN_OBJECT_ID_E`, as the server's key `PEER_KEY_ERROR`; before, `GetCertKey` refused it
    /// (`ECC_CURVE_OID_E`).
    pub curve_on_use: bool,
    /// MD5 is compiled in for signatures (`HASH_TYPE_E` otherwise).
    pub md5: bool,
    /// DSA keys decode (`ASN_UNKNOWN_OID_E` otherwise, `NO_DSA`).
    pub dsa: bool,
    /// `WOLFSSL_CERT_EXT`: certificatePolicies is decoded; without it a critical one is refused.
    pub cert_ext: bool,
    /// 5.9's strict extension rules (no `WOLFSSL_NO_ASN_STRICT`): a critical
    /// authorityInfoAccess, inhibitAnyPolicy or policyConstraints is `ASN_CRIT_EXT_E`.
    pub strict_critical: bool,
    /// A CA's key size is checked when it is loaded (RSA under 1024 bits does not load).
    pub ca_key_size_at_load: bool,
    /// 5.9's checks of served CAs (`CHAIN_CERT_TYPE`): the path length of RFC 5280
    /// 6.1.4(l) against their signer's, self-issued ones too, and an extendedKeyUsage that
    /// must allow serverAuth (`CheckChainCAExtKeyUsage`).
    pub chain_ca_checks: bool,
    /// 5.9 without `ALLOW_INVALID_CERTSIGN`: keyCertSign on a certificate without
    /// basicConstraints cA is `KEYUSAGE_E` when it is parsed.
    pub certsign_needs_ca: bool,
    /// `OPENSSL_EXTRA`: a Certificate message longer than `MAX_CHAIN_DEPTH` is read up to it
    /// and verified; without it the handshake ends with `MAX_CHAIN_ERROR`.
    pub openssl_extra: bool,
}

/// wolfSSL's own defaults (`./configure` with no options, or its CMake build), as firmware
/// builds it when it picks no options.
pub const WOLFSSL_DEFAULT_BUILD: WolfsslBuild = WolfsslBuild {
    trusted_peers: false,
    alt_cert_chains: false,
    ca_dates_at_load: true,
    explicit_ca_false_rejected: true,
    fqdn_hosts_only: true,
    eddsa: false,
    leaf_digital_signature: true,
    more_curves: false,
    curve_on_use: true,
    md5: false,
    dsa: false,
    cert_ext: false,
    strict_critical: true,
    ca_key_size_at_load: true,
    chain_ca_checks: true,
    certsign_needs_ca: true,
    openssl_extra: false,
};

/// Debian's `--enable-distro` build.
pub const WOLFSSL_DISTRO_BUILD: WolfsslBuild = WolfsslBuild {
    trusted_peers: true,
    alt_cert_chains: true,
    ca_dates_at_load: false,
    explicit_ca_false_rejected: false,
    fqdn_hosts_only: false,
    eddsa: true,
    leaf_digital_signature: false,
    more_curves: true,
    curve_on_use: false,
    md5: true,
    dsa: true,
    cert_ext: true,
    strict_critical: false,
    ca_key_size_at_load: false,
    chain_ca_checks: false,
    certsign_needs_ca: false,
    openssl_extra: true,
};

/// Why a profile name or knob was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    /// No such profile.
    #[error("unknown profile '{0}'; known profiles: {known}", known = Profile::names().join(", "))]
    Unknown(String),
    /// The knob does not apply to this profile.
    #[error("{0}")]
    Invalid(String),
}

const fn mbed(
    name: &'static str,
    description: &'static str,
    v: Version,
    esp: Option<EspIdf>,
    time_check: bool,
) -> Profile {
    Profile {
        name,
        description,
        family: Family::Mbedtls,
        mbedtls: Some(v),
        esp_idf: esp,
        time_check,
        authmode: Authmode::Required,
        x509_profile: X509Profile::Default,
        trust_mode: TrustMode::CertPem,
        build: None,
        wolfssl: None,
        security_level: None,
        wolfssl_config: None,
    }
}

const fn other(name: &'static str, description: &'static str, family: Family) -> Profile {
    Profile {
        name,
        description,
        family,
        mbedtls: None,
        esp_idf: None,
        time_check: true,
        authmode: Authmode::Required,
        x509_profile: X509Profile::Default,
        trust_mode: TrustMode::CertPem,
        build: None,
        wolfssl: None,
        security_level: None,
        wolfssl_config: None,
    }
}

const fn wolf(name: &'static str, description: &'static str, b: WolfsslBuild) -> Profile {
    let mut p = other(name, description, Family::Wolfssl);
    p.wolfssl = Some(b);
    p
}

const fn ossl(name: &'static str, description: &'static str) -> Profile {
    let mut p = other(name, description, Family::Openssl);
    p.security_level = Some(1);
    p
}

const fn esp(version: (u8, u8, u8), bundle_format: BundleFormat, cross: bool) -> Option<EspIdf> {
    Some(EspIdf {
        version,
        bundle_format,
        cross_signed_mode: cross,
    })
}

use BundleFormat::{Legacy, OffsetTable};

/// Every built-in profile. ESP-IDF profiles model the newest patch release of each minor
/// version, with ESP-IDF's Kconfig defaults (no time checks).
pub const PROFILES: &[Profile] = &[
    mbed(
        "mbedtls-2.28",
        "upstream Mbed TLS 2.28.8, default config (time checks on)",
        Version(2, 28, 8),
        None,
        true,
    ),
    mbed(
        "mbedtls-3.6",
        "upstream Mbed TLS 3.6.5, default config (time checks on)",
        Version(3, 6, 5),
        None,
        true,
    ),
    mbed(
        "mbedtls-4",
        "upstream Mbed TLS 4.1.0, default config (time checks on)",
        Version(4, 1, 0),
        None,
        true,
    ),
    mbed(
        "esp-idf-4.4",
        "ESP-IDF v4.4.8 (Mbed TLS 2.28.8), esp-tls defaults",
        Version(2, 28, 8),
        esp((4, 4, 8), Legacy, false),
        false,
    ),
    mbed(
        "esp-idf-5.0",
        "ESP-IDF v5.0.9 (Mbed TLS 3.6.3), esp-tls defaults",
        Version(3, 6, 3),
        esp((5, 0, 9), Legacy, false),
        false,
    ),
    mbed(
        "esp-idf-5.1",
        "ESP-IDF v5.1.7 (Mbed TLS 3.6.5), esp-tls defaults",
        Version(3, 6, 5),
        esp((5, 1, 7), Legacy, false),
        false,
    ),
    mbed(
        "esp-idf-5.2",
        "ESP-IDF v5.2.7 (Mbed TLS 3.6.6), esp-tls defaults",
        Version(3, 6, 6),
        esp((5, 2, 7), Legacy, false),
        false,
    ),
    mbed(
        "esp-idf-5.3",
        "ESP-IDF v5.3.5 (Mbed TLS 3.6.5), esp-tls defaults",
        Version(3, 6, 5),
        esp((5, 3, 5), Legacy, false),
        false,
    ),
    mbed(
        "esp-idf-5.4",
        "ESP-IDF v5.4.4 (Mbed TLS 3.6.5), esp-tls defaults",
        Version(3, 6, 5),
        esp((5, 4, 4), OffsetTable, false),
        false,
    ),
    mbed(
        "esp-idf-5.5",
        "ESP-IDF v5.5.5 (Mbed TLS 3.6.6), esp-tls defaults",
        Version(3, 6, 6),
        esp((5, 5, 5), OffsetTable, false),
        false,
    ),
    mbed(
        "esp-idf-6.0",
        "ESP-IDF v6.0.2 (Mbed TLS 4.1.1), esp-tls defaults",
        Version(4, 1, 1),
        esp((6, 0, 2), OffsetTable, true),
        false,
    ),
    mbed(
        "arduino-esp32-2",
        "Arduino-ESP32 core 2.0.17 (ESP-IDF v4.4, Mbed TLS 2.28): setCACert = cert-pem, setCACertBundle = bundle",
        Version(2, 28, 8),
        esp((4, 4, 8), Legacy, false),
        false,
    ),
    mbed(
        "arduino-esp32-3",
        "Arduino-ESP32 core 3.3 (ESP-IDF v5.5, Mbed TLS 3.6): setCACert = cert-pem, setCACertBundle = bundle",
        Version(3, 6, 6),
        esp((5, 5, 5), OffsetTable, false),
        false,
    ),
    other(
        "bearssl",
        "BearSSL 0.6 br_x509_minimal, as the ESP8266 Arduino core uses it (X509List / CertStore)",
        Family::Bearssl,
    ),
    wolf(
        "wolfssl-5",
        "wolfSSL 5.9 as firmware builds it (its defaults: no trusted peers, CA dates and key sizes checked at load, no alternate chains, curves P-224 to P-521, no MD5, DSA or EdDSA, strict critical extensions)",
        WOLFSSL_DEFAULT_BUILD,
    ),
    wolf(
        "wolfssl-5-distro",
        "wolfSSL 5.5 as Debian builds it (--enable-distro: loaded CAs are trusted peers, alternate cert chains, CA dates not checked at load)",
        WOLFSSL_DISTRO_BUILD,
    ),
    ossl(
        "openssl-3",
        "OpenSSL 3.0 TLS client (SSL_get_verify_result: trusted first, no partial chains, security level 1 unless --security-level, sslserver purpose, TRUSTED CERTIFICATE trust settings)",
    ),
    other(
        "webpki",
        "rustls-webpki 0.103 (embedded Rust with rustls), server authentication",
        Family::Webpki,
    ),
];

impl Profile {
    /// Looks a profile up by its CLI name. `esp-idf-X.Y` is the newest patch release of X.Y;
    /// `esp-idf-X.Y.Z` names a patch release, with the Mbed TLS version it pins.
    pub fn by_name(name: &str) -> Result<Profile, ProfileError> {
        let mut p = match PROFILES.iter().find(|p| p.name == name) {
            Some(p) => p.clone(),
            None => point_release(name)?,
        };
        p.build = p.mbedtls.map(|v| match p.esp_idf {
            Some(e) => MbedBuild::esp_idf(e.version, v),
            None => MbedBuild::upstream(v),
        });
        Ok(p)
    }

    /// Applies an ESP-IDF `sdkconfig` (or `sdkconfig.defaults`) to this ESP-IDF profile.
    pub fn with_sdkconfig(mut self, file: &str, text: &str) -> Result<Profile, ProfileError> {
        let (settings, _) =
            build::read_sdkconfig(file, text).map_err(|e| ProfileError::Invalid(e.to_string()))?;
        let Some(e) = self.esp_idf else {
            // A Zephyr Kconfig file for an Mbed TLS profile: its buffer, heap and date settings.
            if build::is_zephyr_kconfig(&settings) {
                if let Some(b) = &mut self.build {
                    let applied = b.apply_zephyr_kconfig(&settings);
                    b.source = format!("{file} (Zephyr Kconfig) over {}", b.source);
                    if let Some(t) = applied.time_check {
                        self.time_check = t;
                    }
                    return Ok(self);
                }
            }
            return Err(ProfileError::Invalid(format!(
                "--sdkconfig needs an ESP-IDF or Arduino-ESP32 profile (or a Zephyr prj.conf with an Mbed TLS profile), not {}",
                self.name
            )));
        };
        let Some(b) = &mut self.build else {
            return Err(ProfileError::Invalid(format!(
                "{} has no Mbed TLS build",
                self.name
            )));
        };
        let applied = b.apply_sdkconfig(&settings, e.version);
        b.source = format!("{file} over ESP-IDF v{} defaults", e.version_text());
        if let Some(t) = applied.time_check {
            self.time_check = t;
        }
        Ok(self)
    }

    /// Applies an `mbedtls_config.h` (a whole configuration) or a user config header (changes).
    pub fn with_mbedtls_config(mut self, file: &str, text: &str) -> Result<Profile, ProfileError> {
        let (settings, full) = build::read_mbedtls_config(file, text)
            .map_err(|e| ProfileError::Invalid(e.to_string()))?;
        let Some(b) = &mut self.build else {
            return Err(ProfileError::Invalid(format!(
                "--mbedtls-config needs an Mbed TLS based profile, not {}",
                self.name
            )));
        };
        let applied = b.apply_mbedtls_config(&settings, full);
        b.source = if full {
            format!("{file} (whole configuration)")
        } else {
            format!("{file} over {}", b.source)
        };
        if let Some(t) = applied.time_check {
            self.time_check = t;
        }
        Ok(self)
    }

    /// A wolfSSL profile with a `user_settings.h` or `options.h` applied: the macros that
    /// change verification set the build knobs; the release's own rules stay. Returns the
    /// conditions taken as false (line, text) with the profile.
    pub fn with_wolfssl_config(
        mut self,
        file: &str,
        text: &str,
    ) -> Result<(Profile, Vec<(usize, String)>), ProfileError> {
        let Some(base) = self.wolfssl else {
            return Err(ProfileError::Invalid(format!(
                "--wolfssl-config needs a wolfSSL profile (wolfssl-5, wolfssl-5-distro), not {}",
                self.name
            )));
        };
        let c = wolfconf::read(file, text).map_err(|e| ProfileError::Invalid(e.to_string()))?;
        self.wolfssl = Some(c.build_over(base));
        self.wolfssl_config = Some(file.to_string());
        Ok((self, c.assumed))
    }

    /// A profile by name with an optional `sdkconfig` and `mbedtls_config.h` applied, reading
    /// the files. Without `name`, an `sdkconfig` whose generated header names its ESP-IDF
    /// release selects that release's profile; otherwise `default` is used.
    pub fn load(
        name: Option<&str>,
        default: &str,
        sdkconfig: Option<&std::path::Path>,
        mbedtls_config: Option<&std::path::Path>,
    ) -> Result<Profile, ProfileError> {
        let read = |p: &std::path::Path| {
            crate::input::read_text(p, crate::input::MAX_CONFIG_INPUT, "build configuration")
                .map_err(|e| ProfileError::Invalid(e.to_string()))
        };
        let sdk = match sdkconfig {
            Some(p) => Some((p.display().to_string(), read(p)?)),
            None => None,
        };
        let name = match (name, &sdk) {
            (Some(n), _) => n.to_string(),
            (None, Some((file, text))) => match Profile::sdkconfig_release(file, text)? {
                Some(r) => match esp_idf_mbedtls(r) {
                    Some(_) => format!("esp-idf-{}.{}.{}", r.0, r.1, r.2),
                    None => default.to_string(),
                },
                None => default.to_string(),
            },
            (None, None) => default.to_string(),
        };
        let mut p = Profile::by_name(&name)?;
        if let Some((file, text)) = &sdk {
            p = p.with_sdkconfig(file, text)?;
        }
        if let Some(path) = mbedtls_config {
            let text = read(path)?;
            p = p.with_mbedtls_config(&path.display().to_string(), &text)?;
        }
        Ok(p)
    }

    /// The ESP-IDF release an `sdkconfig`'s generated header names, if any.
    pub fn sdkconfig_release(file: &str, text: &str) -> Result<Option<(u8, u8, u8)>, ProfileError> {
        build::read_sdkconfig(file, text)
            .map(|(_, r)| r)
            .map_err(|e| ProfileError::Invalid(e.to_string()))
    }

    /// A list of profile names: `a,b,c`, or `all` for every built-in profile.
    pub fn list_names(spec: &str) -> Result<Vec<String>, ProfileError> {
        let names: Vec<String> = if spec.trim() == "all" {
            Profile::names().into_iter().map(str::to_string).collect()
        } else {
            spec.split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_string)
                .collect()
        };
        if names.is_empty() {
            return Err(ProfileError::Invalid(format!(
                "'{spec}': expected profile names separated by commas, or all"
            )));
        }
        for n in &names {
            Profile::by_name(n)?;
        }
        Ok(names)
    }

    /// All profile names.
    pub fn names() -> Vec<&'static str> {
        PROFILES.iter().map(|p| p.name).collect()
    }

    /// The CLI name.
    pub fn name(&self) -> &str {
        self.name
    }

    /// Sets `MBEDTLS_HAVE_TIME_DATE`.
    pub fn with_time_check(mut self, on: bool) -> Self {
        self.time_check = on;
        self
    }

    /// Sets the authmode.
    pub fn with_authmode(mut self, m: Authmode) -> Self {
        self.authmode = m;
        self
    }

    /// Sets the X.509 profile.
    pub fn with_x509_profile(mut self, p: X509Profile) -> Self {
        self.x509_profile = p;
        self
    }

    /// Sets the Mbed TLS version (for an ESP-IDF release's logic on another Mbed TLS).
    pub fn with_mbedtls_version(mut self, v: Version) -> Self {
        if self.mbedtls.is_some() {
            self.mbedtls = Some(v);
        }
        self
    }

    /// Sets OpenSSL's security level (0 to 5); other profiles refuse it.
    pub fn with_security_level(mut self, level: u8) -> Result<Self, ProfileError> {
        if self.security_level.is_none() {
            return Err(ProfileError::Invalid(format!(
                "--security-level is an OpenSSL setting; {} is not an OpenSSL profile",
                self.name
            )));
        }
        if level > 5 {
            return Err(ProfileError::Invalid(format!(
                "--security-level {level}: OpenSSL has levels 0 to 5"
            )));
        }
        self.security_level = Some(level);
        Ok(self)
    }

    /// Sets the trust mode.
    pub fn with_trust_mode(mut self, m: TrustMode) -> Self {
        self.trust_mode = m;
        self
    }

    /// Checks that the knobs make sense for this profile.
    pub fn validate(&self) -> Result<(), ProfileError> {
        match (self.trust_mode, self.esp_idf) {
            (TrustMode::Bundle | TrustMode::BundleCrossSigned, None) => {
                Err(ProfileError::Invalid(format!(
                    "--trust-mode bundle needs an ESP-IDF or Arduino-ESP32 profile, not {}",
                    self.name
                )))
            }
            (TrustMode::BundleCrossSigned, Some(e)) if !e.cross_signed_mode => {
                Err(ProfileError::Invalid(format!(
                    "the cross-signed bundle mode exists from ESP-IDF v6.0; {} is ESP-IDF {}",
                    self.name,
                    e.version_text()
                )))
            }
            _ => Ok(()),
        }
    }

    /// A one-line description of the configuration, e.g.
    /// `esp-idf-4.4 (Mbed TLS 2.28.8, time checks off, cert-pem)`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(v) = self.mbedtls {
            parts.push(format!("Mbed TLS {v}"));
            parts.push(format!(
                "time checks {}",
                if self.time_check { "on" } else { "off" }
            ));
            if self.authmode == Authmode::Optional {
                parts.push("authmode optional".into());
            }
            if self.x509_profile != X509Profile::Default {
                parts.push(format!("{:?} X.509 profile", self.x509_profile).to_lowercase());
            }
            if let Some(b) = &self.build {
                if !b.source.contains("defaults") && !b.source.contains("default configuration") {
                    parts.push(format!("built from {}", b.source));
                }
            }
            parts.push(
                match self.trust_mode {
                    TrustMode::CertPem => "cert-pem",
                    TrustMode::Bundle => "certificate bundle",
                    TrustMode::BundleCrossSigned => "certificate bundle, cross-signed mode",
                }
                .into(),
            );
        } else if let Some(f) = &self.wolfssl_config {
            let release = if self.name == "wolfssl-5" {
                "5.9"
            } else {
                "5.5"
            };
            parts.push(format!("wolfSSL {release} built from {f}"));
        } else if let Some(l) = self.security_level.filter(|l| *l != 1) {
            parts.push(format!("OpenSSL 3.0 TLS client, security level {l}"));
        } else {
            parts.push(self.description.to_string());
        }
        format!("{} ({})", self.name, parts.join(", "))
    }
}

/// The Mbed TLS each ESP-IDF patch release pins (`mbedtls-semantics.md` §5.1).
const ESP_IDF_MBEDTLS: &[((u8, u8, u8), Version)] = &[
    ((4, 4, 0), Version(2, 16, 12)),
    ((4, 4, 1), Version(2, 28, 0)),
    ((4, 4, 2), Version(2, 28, 1)),
    ((4, 4, 3), Version(2, 28, 1)),
    ((4, 4, 4), Version(2, 28, 1)),
    ((4, 4, 5), Version(2, 28, 3)),
    ((4, 4, 6), Version(2, 28, 4)),
    ((4, 4, 7), Version(2, 28, 7)),
    ((4, 4, 8), Version(2, 28, 8)),
    ((5, 0, 0), Version(3, 2, 1)),
    ((5, 0, 1), Version(3, 2, 1)),
    ((5, 0, 2), Version(3, 3, 0)),
    ((5, 0, 3), Version(3, 4, 0)),
    ((5, 0, 4), Version(3, 4, 1)),
    ((5, 0, 5), Version(3, 5, 0)),
    ((5, 0, 6), Version(3, 5, 0)),
    ((5, 0, 7), Version(3, 6, 0)),
    ((5, 0, 8), Version(3, 6, 2)),
    ((5, 0, 9), Version(3, 6, 3)),
    ((5, 1, 0), Version(3, 4, 0)),
    ((5, 1, 1), Version(3, 4, 1)),
    ((5, 1, 2), Version(3, 5, 0)),
    ((5, 1, 3), Version(3, 5, 0)),
    ((5, 1, 4), Version(3, 5, 2)),
    ((5, 1, 5), Version(3, 6, 1)),
    ((5, 1, 6), Version(3, 6, 2)),
    ((5, 1, 7), Version(3, 6, 5)),
    ((5, 2, 0), Version(3, 5, 0)),
    ((5, 2, 1), Version(3, 5, 2)),
    ((5, 2, 2), Version(3, 6, 0)),
    ((5, 2, 3), Version(3, 6, 0)),
    ((5, 2, 4), Version(3, 6, 2)),
    ((5, 2, 5), Version(3, 6, 2)),
    ((5, 2, 6), Version(3, 6, 4)),
    ((5, 2, 7), Version(3, 6, 6)),
    ((5, 3, 0), Version(3, 6, 0)),
    ((5, 3, 1), Version(3, 6, 0)),
    ((5, 3, 2), Version(3, 6, 2)),
    ((5, 3, 3), Version(3, 6, 2)),
    ((5, 3, 4), Version(3, 6, 4)),
    ((5, 3, 5), Version(3, 6, 5)),
    ((5, 4, 0), Version(3, 6, 2)),
    ((5, 4, 1), Version(3, 6, 2)),
    ((5, 4, 2), Version(3, 6, 3)),
    ((5, 4, 3), Version(3, 6, 4)),
    ((5, 4, 4), Version(3, 6, 5)),
    ((5, 5, 0), Version(3, 6, 3)),
    ((5, 5, 1), Version(3, 6, 4)),
    ((5, 5, 2), Version(3, 6, 5)),
    ((5, 5, 3), Version(3, 6, 5)),
    ((5, 5, 4), Version(3, 6, 5)),
    ((5, 5, 5), Version(3, 6, 6)),
    ((6, 0, 0), Version(4, 0, 0)),
    ((6, 0, 1), Version(4, 0, 0)),
    ((6, 0, 2), Version(4, 1, 1)),
];

/// The Mbed TLS version an ESP-IDF patch release pins.
pub fn esp_idf_mbedtls(release: (u8, u8, u8)) -> Option<Version> {
    ESP_IDF_MBEDTLS
        .iter()
        .find(|(r, _)| *r == release)
        .map(|(_, v)| *v)
}

/// `esp-idf-X.Y.Z`: the row for X.Y with the patch release's facts.
fn point_release(name: &str) -> Result<Profile, ProfileError> {
    let unknown = || ProfileError::Unknown(name.to_string());
    let rest = name.strip_prefix("esp-idf-").ok_or_else(unknown)?;
    let r = build::parse_release(rest).ok_or_else(unknown)?;
    if rest.split('.').count() != 3 {
        return Err(unknown());
    }
    let v = esp_idf_mbedtls(r).ok_or_else(|| {
        ProfileError::Invalid(format!(
            "ESP-IDF v{}.{}.{} is not a release anchorkit knows (known: v4.4.0 to v4.4.8, v5.0 to v5.0.9, v5.1 to v5.1.7, v5.2 to v5.2.7, v5.3 to v5.3.5, v5.4 to v5.4.4, v5.5 to v5.5.5, v6.0 to v6.0.2)",
            r.0, r.1, r.2
        ))
    })?;
    if v < Version(2, 28, 0) {
        return Err(ProfileError::Invalid(format!(
            "ESP-IDF v{}.{}.{} pins Mbed TLS {v}, which anchorkit does not model (2.28 and later)",
            r.0, r.1, r.2
        )));
    }
    let base_name = format!("esp-idf-{}.{}", r.0, r.1);
    let base = PROFILES
        .iter()
        .find(|p| p.name == base_name)
        .ok_or_else(unknown)?;
    let mut p = base.clone();
    p.name = Box::leak(name.to_string().into_boxed_str());
    p.mbedtls = Some(v);
    p.esp_idf = Some(EspIdf {
        version: r,
        bundle_format: if r >= (5, 4, 0) {
            BundleFormat::OffsetTable
        } else {
            BundleFormat::Legacy
        },
        cross_signed_mode: r.0 >= 6,
    });
    p.description = Box::leak(
        format!(
            "ESP-IDF v{}.{}.{} (Mbed TLS {v}), esp-tls defaults",
            r.0, r.1, r.2
        )
        .into_boxed_str(),
    );
    Ok(p)
}
