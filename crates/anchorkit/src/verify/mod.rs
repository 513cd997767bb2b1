//! What a device's TLS stack decides about a served chain.
//!
//! [`verify`] takes what the device trusts, what the server sends and when, and returns a
//! [`Verdict`] with the stack's own return code and flags as the device would print them, the
//! path it built, and the reasons as data. The engine for each stack family implements
//! [`Stack`]; versions and configurations within a family are [`Profile`] data.

mod bearssl;
mod mbedtls;
pub mod names;
mod openssl;
mod webpki;
mod wolfssl;

use serde::Serialize;

use crate::anchor::TrustAnchor;
use crate::cert::{Certificate, ChainEntry, format_time};
use crate::intake::Origin;
use crate::profile::{Family, Profile};

/// The hostname the device checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostCheck<'a> {
    /// `mbedtls_ssl_set_hostname(name)`.
    Name(&'a str),
    /// No hostname set (mbedTLS: `mbedtls_ssl_set_hostname` never called; ESP-IDF:
    /// `skip_common_name`, which sets it to NULL explicitly).
    None,
}

/// One verification question.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// What the device trusts, in the order it was given.
    pub trust: &'a [TrustAnchor],
    /// What the server sends: the entries of its Certificate message, leaf first, in the order
    /// sent (each stack reads them its own way; see [`ChainEntry`]).
    pub chain: &'a [ChainEntry],
    /// The hostname check.
    pub host: HostCheck<'a>,
    /// The device's clock, seconds since the epoch.
    pub at: i64,
}

/// Where a certificate on the path came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "from", content = "index", rename_all = "kebab-case")]
pub enum CertRef {
    /// The served chain, by position.
    Chain(usize),
    /// The trust list, by position.
    Trust(usize),
}

/// A certificate named in a verdict.
#[derive(Debug, Clone, Serialize)]
pub struct CertLabel {
    /// Where it came from.
    #[serde(flatten)]
    pub at: CertRef,
    /// Its subject, short form.
    pub name: String,
}

/// Why a device rejected (or would warn about) a chain. Each variant carries the facts.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Reason {
    /// No trusted issuer was found for the top of the chain the device could build.
    NoTrustedIssuer {
        /// The certificate whose issuer is missing.
        cert: CertLabel,
        /// Its issuer name.
        issuer: String,
    },
    /// A CA-issued leaf was given as trust; the stack never trusts it.
    LeafAsTrust {
        /// The trust entry.
        trust: CertLabel,
        /// Who issued it.
        issuer: String,
    },
    /// A parent was found but its key does not verify the child's signature.
    BadSignature {
        /// The child.
        cert: CertLabel,
        /// The parent.
        by: CertLabel,
    },
    /// A certificate on the path is past its notAfter.
    Expired {
        /// The certificate.
        cert: CertLabel,
        /// notAfter, RFC 3339.
        not_after: String,
    },
    /// A certificate on the path is not yet valid.
    NotYetValid {
        /// The certificate.
        cert: CertLabel,
        /// notBefore, RFC 3339.
        not_before: String,
    },
    /// The hostname does not match the leaf.
    HostnameMismatch {
        /// The hostname checked.
        host: String,
        /// The names the leaf offers (SAN entries, or CNs without SAN).
        names: Vec<String>,
    },
    /// No hostname was set and the library refuses to verify without one.
    NoHostname,
    /// A signature hash the profile rejects (SHA-1, MD5).
    BadHash {
        /// The certificate.
        cert: CertLabel,
        /// The algorithm.
        algorithm: String,
    },
    /// A key type the profile rejects.
    BadKeyType {
        /// The certificate.
        cert: CertLabel,
        /// The key or algorithm.
        key: String,
    },
    /// A key too small or on a curve the profile rejects.
    BadKey {
        /// The certificate whose key fails (the flag is set on its child).
        cert: CertLabel,
        /// The key.
        key: String,
    },
    /// The leaf's keyUsage does not allow the TLS key exchange.
    KeyUsage {
        /// The leaf's key usages.
        usages: Vec<String>,
    },
    /// The leaf's extendedKeyUsage lacks serverAuth.
    ExtKeyUsage {
        /// The leaf's purposes.
        purposes: Vec<String>,
    },
    /// More untrusted intermediates than the library accepts.
    ChainTooLong {
        /// The limit.
        max_intermediates: usize,
    },
    /// The server's Certificate message is larger than the library takes.
    MessageTooLarge {
        /// Its size in bytes.
        size: usize,
        /// The library's limit (the input buffer, e.g. `MBEDTLS_SSL_IN_CONTENT_LEN`).
        limit: usize,
        /// What sets the limit.
        setting: String,
    },
    /// The server's Certificate message holds no certificate: the library aborts the
    /// handshake before any verification.
    NoCertificate {
        /// The library's error.
        code: String,
    },
    /// The library cannot parse a served certificate and aborts the handshake.
    ChainCertUnparseable {
        /// The certificate.
        cert: CertLabel,
        /// The library's parse error.
        code: String,
        /// Why.
        detail: String,
    },
    /// The library cannot parse a served certificate and silently drops it.
    ChainCertDropped {
        /// The certificate.
        cert: CertLabel,
        /// Why.
        detail: String,
    },
    /// The library cannot parse a trust-list certificate; it is left out of the CA list.
    TrustCertUnparseable {
        /// The certificate.
        cert: CertLabel,
        /// The library's parse error.
        code: String,
        /// Why.
        detail: String,
    },
    /// A trust entry has no certificate (an ESP bundle record) but the mode needs one.
    TrustEntryNotACertificate {
        /// The entry.
        trust: CertLabel,
    },
    /// ESP bundle: no record has the issuer the top certificate names.
    NotInBundle {
        /// The certificate looked up.
        cert: CertLabel,
        /// Its issuer.
        issuer: String,
    },
    /// ESP bundle: a record matched by name but its key does not verify the signature.
    BundleSignatureFailed {
        /// The certificate looked up.
        cert: CertLabel,
    },
    /// ESP bundle: the top certificate carries other flags, so the bundle was not consulted.
    BundleNotConsulted {
        /// The top certificate.
        cert: CertLabel,
        /// Its flags.
        flags: Vec<String>,
    },
    /// The authmode swallowed an error; the connection proceeds.
    IgnoredByAuthmode {
        /// The error that was ignored.
        code: String,
    },
    /// The verifier's own error, for stacks that report a single error.
    Other {
        /// The message.
        message: String,
    },
}

impl Reason {
    /// A one-line English rendering.
    pub fn message(&self) -> String {
        fn at(c: &CertLabel) -> String {
            match c.at {
                CertRef::Chain(i) => format!("served certificate [{i}] {}", c.name),
                CertRef::Trust(i) => format!("trust entry [{i}] {}", c.name),
            }
        }
        match self {
            Reason::NoTrustedIssuer { cert, issuer } => format!(
                "{} is issued by '{issuer}', which is neither in the trust list nor sent after it by the server (NOT_TRUSTED)",
                at(cert)
            ),
            Reason::LeafAsTrust { trust, issuer } => format!(
                "{} is a CA-issued leaf (issued by '{issuer}'); a leaf in the CA list is trusted only when it is self-signed, so it anchors nothing",
                at(trust)
            ),
            Reason::BadSignature { cert, by } => {
                format!(
                    "{}: signature does not verify with the key of {} (NOT_TRUSTED)",
                    at(cert),
                    at(by)
                )
            }
            Reason::Expired { cert, not_after } => {
                format!("{} expired at {not_after} (EXPIRED)", at(cert))
            }
            Reason::NotYetValid { cert, not_before } => {
                format!("{} is not valid before {not_before} (FUTURE)", at(cert))
            }
            Reason::HostnameMismatch { host, names } => format!(
                "hostname '{host}' is not among the leaf's names [{}] (CN_MISMATCH)",
                names.join(", ")
            ),
            Reason::NoHostname => {
                "no hostname set: this Mbed TLS version refuses to verify without one (-0x5D80)"
                    .into()
            }
            Reason::BadHash { cert, algorithm } => {
                format!(
                    "{} is signed with {algorithm}, which the X.509 profile rejects (BAD_MD)",
                    at(cert)
                )
            }
            Reason::BadKeyType { cert, key } => format!(
                "{}: key/algorithm {key} not allowed by the profile (BAD_PK)",
                at(cert)
            ),
            Reason::BadKey { cert, key } => format!(
                "{}: key {key} not allowed by the profile (BAD_KEY)",
                at(cert)
            ),
            Reason::KeyUsage { usages } => format!(
                "the leaf's keyUsage [{}] does not allow the TLS key exchange (KEY_USAGE)",
                usages.join(", ")
            ),
            Reason::ExtKeyUsage { purposes } => format!(
                "the leaf's extendedKeyUsage [{}] lacks serverAuth (EXT_KEY_USAGE)",
                purposes.join(", ")
            ),
            Reason::ChainTooLong { max_intermediates } => {
                format!("more than {max_intermediates} untrusted intermediates: fatal error")
            }
            Reason::MessageTooLarge {
                size,
                limit,
                setting,
            } => format!(
                "the server's Certificate message is {size} bytes; the device takes at most {limit} ({setting})"
            ),
            Reason::NoCertificate { code } => format!(
                "the server sent an empty Certificate message: no certificate to verify, the library aborts the handshake ({code})"
            ),
            Reason::ChainCertUnparseable { cert, code, detail } => {
                format!(
                    "{} cannot be parsed by the library ({code}: {detail})",
                    at(cert)
                )
            }
            Reason::ChainCertDropped { cert, detail } => {
                format!("{} is dropped silently by the library ({detail})", at(cert))
            }
            Reason::TrustCertUnparseable { cert, code, detail } => {
                format!(
                    "{} cannot be parsed by the library ({code}: {detail}) and is left out of the CA list",
                    at(cert)
                )
            }
            Reason::TrustEntryNotACertificate { trust } => format!(
                "{} is a bundle record (name and key only); a cert_pem CA list needs whole certificates",
                at(trust)
            ),
            Reason::NotInBundle { cert, issuer } => format!(
                "certificate bundle: no record for '{issuer}', the issuer of {} ('No matching trusted root certificate found', -0x3000)",
                at(cert)
            ),
            Reason::BundleSignatureFailed { cert } => format!(
                "certificate bundle: the record matched by name does not verify {} ('Certificate matched but signature verification failed')",
                at(cert)
            ),
            Reason::BundleNotConsulted { cert, flags } => format!(
                "certificate bundle not consulted: {} carries {} besides NOT_TRUSTED",
                at(cert),
                flags.join("|")
            ),
            Reason::IgnoredByAuthmode { code } => {
                format!("authmode optional: {code} is ignored and the connection proceeds")
            }
            Reason::Other { message } => message.clone(),
        }
    }
}

/// One certificate of the path the stack built, leaf first.
#[derive(Debug, Clone, Serialize)]
pub struct PathEntry {
    /// Where it came from.
    #[serde(flatten)]
    pub at: CertRef,
    /// Subject, one line.
    pub subject: String,
    /// Its own verify flags (mbedTLS).
    pub flags: u32,
    /// Their names.
    pub flag_names: Vec<String>,
}

/// The anchor the path ended at.
#[derive(Debug, Clone, Serialize)]
pub struct AnchorInfo {
    /// Subject, one line.
    pub subject: String,
    /// `ca-list` (a CA-list certificate), `bundle` (an ESP bundle record),
    /// `leaf-pinned` (the leaf itself, byte-identical in the CA list), or `trust`.
    pub kind: &'static str,
    /// Position in the trust list.
    pub trust_index: usize,
    /// Where the trust entry was read from.
    pub origin: Origin,
}

impl AnchorInfo {
    /// The anchor for trust entry `i` of `req`, if it exists.
    pub(crate) fn from_trust(
        req: &Request<'_>,
        i: usize,
        kind: &'static str,
    ) -> Option<AnchorInfo> {
        req.trust.get(i).map(|a| AnchorInfo {
            subject: a.subject.to_string(),
            kind,
            trust_index: i,
            origin: a.origin.clone(),
        })
    }
}

/// What the device decides.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// Profile summary.
    pub profile: String,
    /// The handshake proceeds.
    pub ok: bool,
    /// The library's return value as it prints it: `-0x2700` (mbedTLS), `0` on success.
    pub code: String,
    /// The name of that code.
    pub code_name: Option<String>,
    /// mbedTLS verify flags (`mbedtls_ssl_get_verify_result`), when the stack has them.
    pub flags: Option<u32>,
    /// Their names.
    pub flag_names: Vec<String>,
    /// The anchor, when one was reached.
    pub anchor: Option<AnchorInfo>,
    /// The path built, leaf first.
    pub path: Vec<PathEntry>,
    /// Why, as data.
    pub reasons: Vec<Reason>,
}

impl Verdict {
    /// The return code as a number (`-9984` for `-0x2700`).
    pub fn code_value(&self) -> i64 {
        let c = self.code.trim();
        let (neg, rest) = match c.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, c),
        };
        let v = match rest.strip_prefix("0x") {
            Some(h) => i64::from_str_radix(h, 16).unwrap_or(0),
            None => rest.parse().unwrap_or(0),
        };
        if neg { -v } else { v }
    }
}

/// A stack family's verification semantics.
pub trait Stack {
    /// Decides the request as this stack would under `profile`.
    fn verify(&self, profile: &Profile, req: &Request<'_>) -> Verdict;
}

/// The stack implementation for a family.
pub fn stack_for(family: Family) -> &'static dyn Stack {
    match family {
        Family::Mbedtls => &mbedtls::Mbedtls,
        Family::Webpki => &webpki::Webpki,
        Family::Bearssl => &bearssl::Bearssl,
        Family::Openssl => &openssl::Openssl,
        Family::Wolfssl => &wolfssl::Wolfssl,
    }
}

/// Decides what the device described by `profile` does with `req`.
pub fn verify(profile: &Profile, req: &Request<'_>) -> Verdict {
    stack_for(profile.family).verify(profile, req)
}

pub(crate) fn label(at: CertRef, c: &Certificate) -> CertLabel {
    CertLabel {
        at,
        name: c.label(),
    }
}

pub(crate) fn entry_label(i: usize, e: &ChainEntry) -> CertLabel {
    CertLabel {
        at: CertRef::Chain(i),
        name: e.label(),
    }
}

pub(crate) fn time_text(t: i64) -> String {
    format_time(t)
}
