//! Byte-exact writers for every trust format firmware consumes, one module per format.
//!
//! Every writer takes the anchors in the order they should appear (the ESP-IDF writers sort,
//! as the generator does) and the owners parallel to them (for comments only; may be empty).
//! [`OutputFormat::anchor_cost`] is the flash cost the optimizer minimizes; it is exact for the
//! binary formats and for the data a C or Rust source puts in flash (see each variant).

mod arduino;
mod bearssl;
mod c;
mod c_array;
mod certstore;
mod der;
mod esp;
mod pem;
mod readback;
mod rust;

use std::fmt::Write as _;

use serde::Serialize;

use crate::anchor::TrustAnchor;
use crate::cert::{Certificate, format_date};
use crate::profile::TrustMode;

pub use arduino::arduino;
pub use bearssl::{BEARSSL_TA_STRUCT_BYTES, BearsslKey, bearssl, bearssl_key, brssl_ta_body};
pub use c::c_string;
pub use c_array::c_array;
pub use certstore::{AR_HEADER_BYTES, AR_MAGIC, certstore};
pub use der::der_files;
pub use esp::esp_bundle;
pub use pem::pem;
pub use readback::{ar_members, read_back};
pub use rust::{RustAnchor, rust, rust_anchor};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutputFormat {
    /// ESP-IDF `x509_crt_bundle`, legacy format (v4.2 to v5.3, Arduino-ESP32 2.x and 3.0/3.1):
    /// `u16` big-endian count, then big-endian `name_len, key_len, subject, SPKI` records.
    EspBundleLegacy,
    /// ESP-IDF `x509_crt_bundle`, offset-table format (v5.4+, Arduino-ESP32 3.2+): `N` little-endian
    /// `u32` offsets, then little-endian records.
    EspBundle,
    /// Concatenated PEM (`cert_pem`, `setCACert`, Zephyr/wolfSSL PEM buffers). Flash cost counts
    /// the terminating NUL mbedTLS needs to recognize PEM.
    Pem,
    /// A C header with a `cert_pem`-style string literal and size comments. Flash cost is
    /// `sizeof` the literal (PEM plus NUL).
    C,
    /// C byte arrays of DER. Flash cost is the DER bytes.
    CArray,
    /// Arduino `PROGMEM` raw string of PEM for `setCACert`. Flash cost is `sizeof` the string.
    Arduino,
    /// BearSSL `br_x509_trust_anchor` C source, as `brssl ta` prints it. Flash cost is the DN and
    /// key arrays plus one 32-byte `br_x509_trust_anchor` per anchor (32-bit targets).
    Bearssl,
    /// The ESP8266 Arduino `CertStore` archive (`certs.ar`, members `ca_NNN.der`). Flash cost is
    /// the archive size.
    Esp8266Certstore,
    /// Rust source of `rustls_pki_types::TrustAnchor` entries as `webpki-roots` publishes them.
    /// Flash cost is the subject, SPKI and name-constraint bytes.
    Rust,
    /// A directory of DER files. Cost is the DER bytes.
    Der,
}

impl OutputFormat {
    /// Every format, for help texts.
    pub const ALL: [OutputFormat; 10] = [
        OutputFormat::EspBundleLegacy,
        OutputFormat::EspBundle,
        OutputFormat::Pem,
        OutputFormat::C,
        OutputFormat::CArray,
        OutputFormat::Arduino,
        OutputFormat::Bearssl,
        OutputFormat::Esp8266Certstore,
        OutputFormat::Rust,
        OutputFormat::Der,
    ];

    /// The CLI name.
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::EspBundleLegacy => "esp-bundle-legacy",
            OutputFormat::EspBundle => "esp-bundle",
            OutputFormat::Pem => "pem",
            OutputFormat::C => "c",
            OutputFormat::CArray => "c-array",
            OutputFormat::Arduino => "arduino",
            OutputFormat::Bearssl => "bearssl",
            OutputFormat::Esp8266Certstore => "esp8266-certstore",
            OutputFormat::Rust => "rust",
            OutputFormat::Der => "der",
        }
    }

    /// Parses a CLI name.
    pub fn from_name(s: &str) -> Option<OutputFormat> {
        OutputFormat::ALL.into_iter().find(|f| f.name() == s)
    }

    /// Whether the format stores only subject and key, so bare anchors (ESP bundle records)
    /// can be written (ESP bundles, BearSSL, Rust anchors).
    pub fn anchors_only(self) -> bool {
        matches!(
            self,
            OutputFormat::EspBundleLegacy
                | OutputFormat::EspBundle
                | OutputFormat::Bearssl
                | OutputFormat::Rust
        )
    }

    /// Whether devices read this format through the ESP-IDF bundle callback.
    pub fn is_esp_bundle(self) -> bool {
        matches!(
            self,
            OutputFormat::EspBundleLegacy | OutputFormat::EspBundle
        )
    }

    /// How an ESP-IDF device consumes the format: the bundle callback for the ESP bundles, a CA
    /// list (`cert_pem`, `setCACert`) for everything else.
    pub fn trust_mode(self) -> TrustMode {
        if self.is_esp_bundle() {
            TrustMode::Bundle
        } else {
            TrustMode::CertPem
        }
    }

    /// Bytes one anchor adds in this format (the flash cost the optimizer minimizes). For
    /// formats that need a whole certificate, a bare anchor is costed as if it had one of the
    /// size of its record (it cannot be written; the planner never offers it).
    pub fn anchor_cost(self, a: &TrustAnchor) -> usize {
        let rec = a.esp_record_len();
        match self {
            OutputFormat::EspBundleLegacy => rec,
            OutputFormat::EspBundle => rec + 4,
            OutputFormat::Pem | OutputFormat::C | OutputFormat::Arduino => a
                .cert
                .as_ref()
                .map_or(rec * 4 / 3, |c| pem_len(c.der().len())),
            OutputFormat::CArray | OutputFormat::Der => {
                a.cert.as_ref().map_or(rec, |c| c.der().len())
            }
            OutputFormat::Esp8266Certstore => {
                let der = a.cert.as_ref().map_or(rec, |c| c.der().len());
                AR_HEADER_BYTES + der + der % 2
            }
            OutputFormat::Bearssl => bearssl_key(a).map_or(
                a.subject_raw().len() + a.spki_raw().len() + BEARSSL_TA_STRUCT_BYTES,
                |k| a.subject_raw().len() + k.key_bytes() + BEARSSL_TA_STRUCT_BYTES,
            ),
            OutputFormat::Rust => {
                let r = rust_anchor(a);
                r.subject.len() + r.spki.len() + r.name_constraints.as_ref().map_or(0, Vec::len)
            }
        }
    }

    /// Fixed bytes of the format: the legacy count, the NUL of a PEM string (and the newline
    /// that opens the Arduino raw string), the `!<arch>` magic.
    pub fn overhead(self) -> usize {
        match self {
            OutputFormat::EspBundleLegacy => 2,
            OutputFormat::Pem | OutputFormat::C => 1,
            OutputFormat::Arduino => 2,
            OutputFormat::Esp8266Certstore => AR_MAGIC.len(),
            _ => 0,
        }
    }

    /// The flash cost of a whole set: overhead plus every anchor's cost.
    pub fn total_cost(self, anchors: &[TrustAnchor]) -> usize {
        self.overhead() + anchors.iter().map(|a| self.anchor_cost(a)).sum::<usize>()
    }
}

/// Length of the PEM text (64-column base64, `\n` line ends) of a DER certificate.
pub fn pem_len(der_len: usize) -> usize {
    let b64 = der_len.div_ceil(3) * 4;
    let lines = b64.div_ceil(64);
    "-----BEGIN CERTIFICATE-----\n".len() + b64 + lines + "-----END CERTIFICATE-----\n".len()
}

/// Why a bundle could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// The format needs whole certificates but an entry is a bare anchor.
    #[error(
        "{format} needs whole certificates, but '{anchor}' is a bundle record (name and key only)"
    )]
    NeedsCertificate {
        /// The format.
        format: &'static str,
        /// The anchor.
        anchor: String,
    },
    /// A field exceeds what the format can encode.
    #[error("'{anchor}': {what} is {len} bytes, more than the format can encode")]
    TooLarge {
        /// The anchor.
        anchor: String,
        /// Which field.
        what: &'static str,
        /// Its length.
        len: usize,
    },
    /// A key type the format cannot express.
    #[error("'{anchor}': {what}")]
    Unsupported {
        /// The anchor.
        anchor: String,
        /// Why.
        what: String,
    },
}

/// A rendered output: one file, or a directory of files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rendered {
    /// One file's bytes.
    File(Vec<u8>),
    /// Files of a directory: `(name, bytes)`.
    Dir(Vec<(String, Vec<u8>)>),
}

impl Rendered {
    /// Total bytes.
    pub fn len(&self) -> usize {
        match self {
            Rendered::File(b) => b.len(),
            Rendered::Dir(f) => f.iter().map(|(_, b)| b.len()).sum(),
        }
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Renders the anchors in `format`. `owners` parallels `anchors` (for comments; may be short).
pub fn render(
    format: OutputFormat,
    anchors: &[TrustAnchor],
    owners: &[Option<String>],
) -> Result<Rendered, FormatError> {
    Ok(match format {
        OutputFormat::EspBundleLegacy => Rendered::File(esp_bundle(anchors, true)?),
        OutputFormat::EspBundle => Rendered::File(esp_bundle(anchors, false)?),
        OutputFormat::Pem => Rendered::File(pem(anchors)?.into_bytes()),
        OutputFormat::C => {
            Rendered::File(c_string("server_root_cert_pem", anchors, owners)?.into_bytes())
        }
        OutputFormat::CArray => Rendered::File(c_array(anchors, owners)?.into_bytes()),
        OutputFormat::Arduino => Rendered::File(arduino(anchors, owners)?.into_bytes()),
        OutputFormat::Bearssl => Rendered::File(bearssl(anchors, owners)?.into_bytes()),
        OutputFormat::Esp8266Certstore => Rendered::File(certstore(anchors)?),
        OutputFormat::Rust => Rendered::File(rust(anchors, owners).into_bytes()),
        OutputFormat::Der => Rendered::Dir(der_files(anchors)?),
    })
}

// ---- helpers shared by the writers ----

pub(crate) fn cert_of(a: &TrustAnchor, f: OutputFormat) -> Result<&Certificate, FormatError> {
    a.cert
        .as_ref()
        .ok_or_else(|| FormatError::NeedsCertificate {
            format: f.name(),
            anchor: a.label(),
        })
}

/// A C identifier from a name: lower case, `_` for anything else, no leading digit.
pub(crate) fn c_ident(s: &str) -> String {
    let mut id = String::new();
    for c in s.chars() {
        let c = if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            '_'
        };
        if !(c == '_' && id.ends_with('_')) {
            id.push(c);
        }
    }
    let id = id.trim_matches('_');
    if id.is_empty() || id.starts_with(|c: char| c.is_ascii_digit()) {
        format!("ca_{id}")
    } else {
        id.to_string()
    }
}

/// One descriptive line for a comment: name, owner, key, expiry, DER size. Safe inside `/* */`
/// and `//` comments.
pub(crate) fn describe(a: &TrustAnchor, owner: Option<&str>) -> String {
    let mut s = a.label();
    if let Some(o) = owner {
        let _ = write!(s, "; {o}");
    }
    let _ = write!(s, "; {}", a.key.describe());
    if let Some(c) = &a.cert {
        let _ = write!(
            s,
            "; expires {}; {} B DER",
            format_date(c.not_after),
            c.der().len()
        );
    }
    s.replace("*/", "* /").replace(['\n', '\r'], " ")
}

pub(crate) fn owner_at(owners: &[Option<String>], i: usize) -> Option<&str> {
    owners.get(i).and_then(|o| o.as_deref())
}

/// `0xAB, ` lists, `per_line` bytes a line, each line starting with `indent`.
pub(crate) fn hex_lines(out: &mut String, bytes: &[u8], indent: &str, per_line: usize) {
    for chunk in bytes.chunks(per_line.max(1)) {
        let line: Vec<String> = chunk.iter().map(|b| format!("0x{b:02X}")).collect();
        let _ = writeln!(out, "{indent}{},", line.join(", "));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_pem_length_is_exact() {
        for f in OutputFormat::ALL {
            assert_eq!(OutputFormat::from_name(f.name()), Some(f));
        }
        assert_eq!(OutputFormat::from_name("esp"), None);
        for n in [0usize, 1, 2, 3, 47, 48, 49, 856, 1391] {
            let der = vec![0u8; n];
            let text = pem::pem_block(&der);
            assert_eq!(text.len(), pem_len(n), "{n}");
        }
    }

    #[test]
    fn c_identifiers_are_valid() {
        assert_eq!(c_ident("ISRG Root X1"), "isrg_root_x1");
        assert_eq!(c_ident("  --9 lives"), "ca_9_lives");
        assert_eq!(c_ident("ÆØ"), "ca_");
    }
}
