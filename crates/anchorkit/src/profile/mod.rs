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

use std::fmt;

use serde::Serialize;

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
    /// The ESP-IDF release modelled (its newest patch).
    pub version: &'static str,
    /// Bundle format this release reads.
    pub bundle_format: BundleFormat,
    /// Whether the cross-signed bundle mode exists.
    pub cross_signed_mode: bool,
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
}

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
    }
}

const fn esp(version: &'static str, bundle_format: BundleFormat, cross: bool) -> Option<EspIdf> {
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
        esp("4.4.8", Legacy, false),
        false,
    ),
    mbed(
        "esp-idf-5.0",
        "ESP-IDF v5.0.9 (Mbed TLS 3.6.3), esp-tls defaults",
        Version(3, 6, 3),
        esp("5.0.9", Legacy, false),
        false,
    ),
    mbed(
        "esp-idf-5.1",
        "ESP-IDF v5.1.7 (Mbed TLS 3.6.5), esp-tls defaults",
        Version(3, 6, 5),
        esp("5.1.7", Legacy, false),
        false,
    ),
    mbed(
        "esp-idf-5.2",
        "ESP-IDF v5.2.7 (Mbed TLS 3.6.6), esp-tls defaults",
        Version(3, 6, 6),
        esp("5.2.7", Legacy, false),
        false,
    ),
    mbed(
        "esp-idf-5.3",
        "ESP-IDF v5.3.5 (Mbed TLS 3.6.5), esp-tls defaults",
        Version(3, 6, 5),
        esp("5.3.5", Legacy, false),
        false,
    ),
    mbed(
        "esp-idf-5.4",
        "ESP-IDF v5.4.4 (Mbed TLS 3.6.5), esp-tls defaults",
        Version(3, 6, 5),
        esp("5.4.4", OffsetTable, false),
        false,
    ),
    mbed(
        "esp-idf-5.5",
        "ESP-IDF v5.5.5 (Mbed TLS 3.6.6), esp-tls defaults",
        Version(3, 6, 6),
        esp("5.5.5", OffsetTable, false),
        false,
    ),
    mbed(
        "esp-idf-6.0",
        "ESP-IDF v6.0.2 (Mbed TLS 4.1.1), esp-tls defaults",
        Version(4, 1, 1),
        esp("6.0.2", OffsetTable, true),
        false,
    ),
    mbed(
        "arduino-esp32-2",
        "Arduino-ESP32 core 2.0.17 (ESP-IDF v4.4, Mbed TLS 2.28): setCACert = cert-pem, setCACertBundle = bundle",
        Version(2, 28, 8),
        esp("4.4.8", Legacy, false),
        false,
    ),
    mbed(
        "arduino-esp32-3",
        "Arduino-ESP32 core 3.3 (ESP-IDF v5.5, Mbed TLS 3.6): setCACert = cert-pem, setCACertBundle = bundle",
        Version(3, 6, 6),
        esp("5.5.5", OffsetTable, false),
        false,
    ),
    other(
        "bearssl",
        "BearSSL 0.6 br_x509_minimal, as the ESP8266 Arduino core uses it (X509List / CertStore)",
        Family::Bearssl,
    ),
    other(
        "wolfssl-5",
        "wolfSSL 5.5 TLS client peer-chain processing, alternate cert chains on",
        Family::Wolfssl,
    ),
    other(
        "openssl-3",
        "OpenSSL 3.0 `openssl verify` defaults (trusted first, no partial chains, security level 1)",
        Family::Openssl,
    ),
    other(
        "webpki",
        "rustls-webpki 0.103 (embedded Rust with rustls), server authentication",
        Family::Webpki,
    ),
];

impl Profile {
    /// Looks a profile up by its CLI name.
    pub fn by_name(name: &str) -> Result<Profile, ProfileError> {
        PROFILES
            .iter()
            .find(|p| p.name == name)
            .cloned()
            .ok_or_else(|| ProfileError::Unknown(name.to_string()))
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
                    self.name, e.version
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
            parts.push(
                match self.trust_mode {
                    TrustMode::CertPem => "cert-pem",
                    TrustMode::Bundle => "certificate bundle",
                    TrustMode::BundleCrossSigned => "certificate bundle, cross-signed mode",
                }
                .into(),
            );
        } else {
            parts.push(self.description.to_string());
        }
        format!("{} ({})", self.name, parts.join(", "))
    }
}
