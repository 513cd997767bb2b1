//! Options shared by `verify` and `doctor`: the device profile, its trust and the served chain.

use std::path::PathBuf;

use anchorkit::anchor::TrustAnchor;
use anchorkit::cert::{Certificate, ChainEntry};
use anchorkit::intake::chain::read_chain_path;
use anchorkit::intake::{Found, Origin, read_path};
use anchorkit::profile::{Authmode, Profile, TrustMode, X509Profile};
use anchorkit::store::Store;

use super::CmdError;

/// `--time-check` values.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnOff {
    /// On.
    On,
    /// Off.
    Off,
}

/// `--authmode` values.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthmodeArg {
    /// MBEDTLS_SSL_VERIFY_REQUIRED.
    Required,
    /// MBEDTLS_SSL_VERIFY_OPTIONAL.
    Optional,
}

/// `--x509-profile` values.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum X509ProfileArg {
    /// mbedtls_x509_crt_profile_default.
    Default,
    /// mbedtls_x509_crt_profile_next.
    Next,
    /// mbedtls_x509_crt_profile_suiteb.
    Suiteb,
}

/// `--trust-mode` values.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrustModeArg {
    /// The trust list is a CA list of certificates (cert_pem, setCACert).
    CertPem,
    /// The ESP-IDF certificate bundle (crt_bundle_attach, setCACertBundle).
    Bundle,
    /// The bundle with CROSS_SIGNED_VERIFY (ESP-IDF v6.0+).
    BundleCrossSigned,
}

/// The device: profile and knobs.
#[derive(clap::Args, Debug, Clone)]
pub struct DeviceArgs {
    /// Device profile: mbedtls-2.28, mbedtls-3.6, mbedtls-4, esp-idf-4.4 ... esp-idf-6.0 (the
    /// newest patch release; esp-idf-5.3.1 names one), arduino-esp32-2, arduino-esp32-3,
    /// bearssl, wolfssl-5 (wolfSSL as firmware builds it), wolfssl-5-distro (Debian's build), openssl-3,
    /// webpki. `verify` also takes a list (`a,b,c`) or `all`
    /// for one row per stack. Default: the release an --sdkconfig names, else esp-idf-5.3.
    #[arg(long)]
    pub profile: Option<String>,
    /// The firmware's ESP-IDF sdkconfig (or sdkconfig.defaults): time checks, curves, digests,
    /// bundle, TLS versions, buffer sizes are read from it (ESP-IDF and Arduino-ESP32 profiles).
    #[arg(long, value_name = "FILE")]
    pub sdkconfig: Option<PathBuf>,
    /// An mbedtls_config.h (a whole configuration) or a user config header (#define/#undef
    /// changes) for an Mbed TLS based profile.
    #[arg(long, value_name = "FILE")]
    pub mbedtls_config: Option<PathBuf>,
    /// MBEDTLS_HAVE_TIME_DATE (default: the profile's; ESP-IDF's default is off).
    #[arg(long, value_enum)]
    pub time_check: Option<OnOff>,
    /// mbedTLS authmode.
    #[arg(long, value_enum)]
    pub authmode: Option<AuthmodeArg>,
    /// mbedTLS X.509 profile.
    #[arg(long, value_enum)]
    pub x509_profile: Option<X509ProfileArg>,
    /// How the trust is given to the device (default: cert-pem, or bundle when --trust is an
    /// ESP-IDF bundle binary).
    #[arg(long, value_enum)]
    pub trust_mode: Option<TrustModeArg>,
    /// A wolfSSL user_settings.h or options.h (wolfssl-5, wolfssl-5-distro): the macros that
    /// change verification (trusted peers, alternate chains, curves, MD5, DSA, EdDSA,
    /// WOLFSSL_CERT_EXT, OPENSSL_COMPATIBLE_DEFAULTS, WOLFSSL_NO_ASN_STRICT) set the build.
    #[arg(long, value_name = "FILE")]
    pub wolfssl_config: Option<PathBuf>,
    /// OpenSSL's security level, 0 to 5 (openssl-3; default 1 as libssl's; Debian and Fedora
    /// configure 2): the key and signature strength each certificate needs.
    #[arg(long, value_name = "N")]
    pub security_level: Option<u8>,
    /// The hostname the device checks (`none` = no hostname set).
    #[arg(long, alias = "hostname")]
    pub host: Option<String>,
    /// The device clock (RFC 3339 or YYYY-MM-DD; default: now).
    #[arg(long)]
    pub at: Option<String>,
}

impl DeviceArgs {
    /// Whether `--profile` names several profiles (`a,b` or `all`).
    pub fn is_matrix(&self) -> bool {
        self.profile
            .as_deref()
            .is_some_and(|p| p.contains(',') || p.trim() == "all")
    }

    /// Every profile of a `--profile a,b,c` / `all` matrix with the knobs applied where they
    /// fit: build files and Mbed TLS knobs to the profiles they concern, the bundle to ESP-IDF
    /// profiles; other rows keep their defaults.
    pub fn profiles(&self, trust: &[TrustAnchor]) -> Result<Vec<Profile>, CmdError> {
        let spec = self.profile.as_deref().unwrap_or("all");
        let mut out = Vec::new();
        for name in Profile::list_names(spec)? {
            let base = Profile::by_name(&name)?;
            let row = DeviceArgs {
                profile: Some(name.clone()),
                sdkconfig: self.sdkconfig.clone().filter(|_| base.esp_idf.is_some()),
                mbedtls_config: self
                    .mbedtls_config
                    .clone()
                    .filter(|_| base.mbedtls.is_some()),
                time_check: self.time_check.filter(|_| base.mbedtls.is_some()),
                authmode: self.authmode.filter(|_| base.mbedtls.is_some()),
                x509_profile: self.x509_profile.filter(|_| base.mbedtls.is_some()),
                trust_mode: self.trust_mode.filter(|_| base.esp_idf.is_some()),
                security_level: self
                    .security_level
                    .filter(|_| base.security_level.is_some()),
                wolfssl_config: self
                    .wolfssl_config
                    .clone()
                    .filter(|_| base.wolfssl.is_some()),
                host: self.host.clone(),
                at: self.at.clone(),
            };
            let bundle_only = !trust.is_empty() && trust.iter().all(|a| a.cert.is_none());
            match row.profile(trust) {
                Ok(p) => out.push(p),
                // A bundle of bare records cannot be a CA list: that stack gets cert-pem.
                Err(_) if bundle_only || self.trust_mode.is_some() => {
                    out.push(base.with_trust_mode(TrustMode::CertPem));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// The profile with the knobs applied.
    pub fn profile(&self, trust: &[TrustAnchor]) -> Result<Profile, CmdError> {
        if self.is_matrix() {
            return Err("--profile lists several profiles; this command takes one".into());
        }
        let mut p = Profile::load(
            self.profile.as_deref(),
            "esp-idf-5.3",
            self.sdkconfig.as_deref(),
            self.mbedtls_config.as_deref(),
        )?;
        if let Some(t) = self.time_check {
            p = p.with_time_check(matches!(t, OnOff::On));
        }
        if let Some(a) = self.authmode {
            p = p.with_authmode(match a {
                AuthmodeArg::Required => Authmode::Required,
                AuthmodeArg::Optional => Authmode::Optional,
            });
        }
        if let Some(x) = self.x509_profile {
            p = p.with_x509_profile(match x {
                X509ProfileArg::Default => X509Profile::Default,
                X509ProfileArg::Next => X509Profile::Next,
                X509ProfileArg::Suiteb => X509Profile::SuiteB,
            });
        }
        if let Some(l) = self.security_level {
            p = p.with_security_level(l)?;
        }
        if let Some(f) = &self.wolfssl_config {
            let text = anchorkit::input::read_text(
                f,
                anchorkit::input::MAX_CONFIG_INPUT,
                "wolfSSL configuration",
            )
            .map_err(|e| e.to_string())?;
            let (q, assumed) = p.with_wolfssl_config(&f.display().to_string(), &text)?;
            for (line, what) in assumed {
                match line {
                    0 => eprintln!("note: {}: assumed {what}", f.display()),
                    _ => eprintln!(
                        "note: {}:{line}: `#if {what}` cannot be evaluated; taken as false",
                        f.display()
                    ),
                }
            }
            p = q;
        }
        let mode = match self.trust_mode {
            Some(TrustModeArg::CertPem) => TrustMode::CertPem,
            Some(TrustModeArg::Bundle) => TrustMode::Bundle,
            Some(TrustModeArg::BundleCrossSigned) => TrustMode::BundleCrossSigned,
            None if !trust.is_empty() && trust.iter().all(|a| a.cert.is_none()) => {
                TrustMode::Bundle
            }
            None => TrustMode::CertPem,
        };
        // An sdkconfig with CROSS_SIGNED_VERIFY makes the bundle the cross-signed one.
        let cross = p
            .build
            .as_ref()
            .and_then(|b| b.bundle)
            .is_some_and(|b| b.cross_signed);
        let mode = match mode {
            TrustMode::Bundle if cross && self.trust_mode.is_none() => TrustMode::BundleCrossSigned,
            m => m,
        };
        p = p.with_trust_mode(mode);
        p.validate()?;
        Ok(p)
    }

    /// The hostname check (`none` means no hostname).
    pub fn host(&self) -> Option<&str> {
        match self.host.as_deref() {
            None | Some("none") => None,
            Some(h) => Some(h),
        }
    }
}

/// What the server sends: files, or a live capture.
#[derive(clap::Args, Debug, Clone)]
pub struct ServedArgs {
    /// What the server sends, leaf first, in the order sent.
    #[arg(long, num_args = 1.., required_unless_present = "connect", conflicts_with = "connect")]
    pub chain: Vec<PathBuf>,
    /// Capture the chain from a live server instead: HOST or HOST:PORT (the hostname checked
    /// defaults to HOST).
    #[arg(long, value_name = "HOST[:PORT]")]
    pub connect: Option<String>,
    /// Judge the --chain exactly as given. By default a chain that stops below a known public
    /// intermediate (a lone leaf) is completed from anchorkit's compiled-in CA certificates,
    /// and the output says so; a live capture (--connect), a chain.pem `probe --save` wrote
    /// and a Certificate message with entries that are not certificates are judged as sent.
    #[arg(long)]
    pub as_sent: bool,
}

/// Whether a chain file is a capture `probe --save` wrote (its first line says so): it is what
/// the server sent, so it is judged as sent.
fn is_capture(p: &std::path::Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 64];
    std::fs::File::open(p)
        .and_then(|mut f| f.read(&mut head))
        .is_ok_and(|n| head[..n].starts_with(super::probe::CAPTURE_MARK.as_bytes()))
}

/// A served chain, completed or as given.
pub struct Served {
    /// The entries judged.
    pub entries: Vec<ChainEntry>,
    /// A live capture's host name.
    pub host: Option<String>,
    /// What completion added, when it did.
    pub completion: Option<anchorkit::complete::Completion>,
    /// The entries as given (before completion).
    pub given: Vec<ChainEntry>,
}

impl ServedArgs {
    /// [`ServedArgs::load`], then the chain completed at `at` from the known intermediates
    /// (unless --as-sent, or a live capture).
    pub fn load_completed(&self, at: i64) -> Result<Served, CmdError> {
        let (entries, host) = self.load()?;
        // A live capture, or a Certificate message with entries that are not certificates
        // (a capture as sent), is judged as sent.
        let completion = if self.as_sent
            || self.connect.is_some()
            || entries.iter().any(|e| e.cert().is_none())
            || self.chain.iter().any(|p| is_capture(p))
        {
            None
        } else {
            anchorkit::complete::complete(&entries, at, Some(&anchorkit::events::Events::builtin()))
        };
        Ok(Served {
            entries: completion
                .as_ref()
                .map_or_else(|| entries.clone(), |c| c.chain.clone()),
            host,
            completion,
            given: entries,
        })
    }

    /// The served entries and, for a live capture, the host name to check by default.
    pub fn load(&self) -> Result<(Vec<ChainEntry>, Option<String>), CmdError> {
        match &self.connect {
            Some(c) => {
                let (certs, name) =
                    anchorkit::probe::served_chain(c).map_err(|e| format!("--connect: {e}"))?;
                let entries = certs.iter().map(|d| ChainEntry::from_bytes(d)).collect();
                Ok((entries, Some(name)))
            }
            None => Ok((load_chain(&self.chain)?.0, None)),
        }
    }
}

impl DeviceArgs {
    /// The hostname to check: `--host` (`none` for none), else `default` (a live capture's
    /// host).
    pub fn host_or(&self, default: Option<String>) -> Option<String> {
        match self.host.as_deref() {
            Some("none") => None,
            Some(h) => Some(h.to_string()),
            None => default,
        }
    }
}

/// Reads `--trust` inputs: files, directories, `-`, or `mozilla`.
pub fn load_trust(specs: &[PathBuf]) -> Result<Vec<TrustAnchor>, CmdError> {
    let mut out = Vec::new();
    for s in specs {
        if s.as_os_str() == "mozilla" {
            out.extend(Store::mozilla().roots().iter().map(|r| r.anchor.clone()));
        } else {
            out.extend(read_path(s)?.iter().map(Found::to_anchor));
        }
    }
    if out.is_empty() {
        return Err(
            "--trust: nothing to trust (give a PEM/DER/C source/bundle file, or mozilla)".into(),
        );
    }
    Ok(out)
}

/// Reads `--chain` inputs: the entries of the server's Certificate message, in the order sent
/// (an entry that is not a certificate is kept: each stack reads it its own way).
pub fn load_chain(specs: &[PathBuf]) -> Result<(Vec<ChainEntry>, Vec<Origin>), CmdError> {
    let mut entries = Vec::new();
    let mut origins = Vec::new();
    for s in specs {
        for e in read_chain_path(s)? {
            entries.push(e.entry);
            origins.push(e.origin);
        }
    }
    if entries.is_empty() {
        return Err("--chain: no certificate given".into());
    }
    Ok((entries, origins))
}

/// The certificates among the served entries (for analyses that need whole certificates).
pub fn chain_certs(entries: &[ChainEntry]) -> Vec<Certificate> {
    entries.iter().filter_map(|e| e.cert().cloned()).collect()
}
