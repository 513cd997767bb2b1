//! Byte-exact writers for every trust format firmware consumes.

use std::fmt::Write as _;

use serde::Serialize;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

use crate::anchor::TrustAnchor;
use crate::cert::Certificate;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutputFormat {
    /// ESP-IDF `x509_crt_bundle`, legacy format (v4.2 to v5.3, Arduino-ESP32 2.x and 3.0/3.1).
    EspBundleLegacy,
    /// ESP-IDF `x509_crt_bundle`, offset-table format (v5.4+, Arduino-ESP32 3.2+).
    EspBundle,
    /// Concatenated PEM (`cert_pem`, `setCACert`, Zephyr/wolfSSL PEM buffers).
    Pem,
    /// A C header with a string literal, like hand-written `cert_pem` code.
    C,
    /// C byte arrays of DER.
    CArray,
    /// Arduino `PROGMEM` raw string of PEM for `setCACert`.
    Arduino,
    /// BearSSL `br_x509_trust_anchor` C source, as `brssl ta` prints it.
    Bearssl,
    /// The ESP8266 Arduino `CertStore` archive (`certs.ar`).
    Esp8266Certstore,
    /// Rust source of `rustls_pki_types::TrustAnchor` entries (as `webpki-roots` publishes).
    Rust,
    /// A directory of DER files.
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

    /// Whether the format stores only subject and key (ESP bundles, BearSSL, Rust anchors).
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

    /// Bytes one anchor adds in this format (the flash cost the optimizer minimizes).
    pub fn anchor_cost(self, a: &TrustAnchor) -> usize {
        let rec = 4 + a.subject_raw().len() + a.spki_raw().len();
        let der = a.cert.as_ref().map_or(rec, |c| c.der().len());
        let pem = a.cert.as_ref().map_or(rec * 4 / 3, |c| c.to_pem().len());
        match self {
            OutputFormat::EspBundleLegacy => rec,
            OutputFormat::EspBundle => rec + 4,
            OutputFormat::Pem | OutputFormat::C | OutputFormat::Arduino => pem,
            OutputFormat::CArray | OutputFormat::Der => der,
            OutputFormat::Esp8266Certstore => 60 + der + der % 2,
            OutputFormat::Bearssl | OutputFormat::Rust => {
                a.subject_raw().len() + a.spki_raw().len()
            }
        }
    }

    /// Fixed bytes of the format (headers, the terminating NUL of a PEM string).
    pub fn overhead(self) -> usize {
        match self {
            OutputFormat::EspBundleLegacy => 2,
            OutputFormat::Pem | OutputFormat::C | OutputFormat::Arduino => 1,
            OutputFormat::Esp8266Certstore => 8,
            _ => 0,
        }
    }
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
    #[error("'{anchor}': {what} is {len} bytes, more than the format's 65535")]
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

fn cert_of(a: &TrustAnchor, f: OutputFormat) -> Result<&Certificate, FormatError> {
    a.cert
        .as_ref()
        .ok_or_else(|| FormatError::NeedsCertificate {
            format: f.name(),
            anchor: a.label(),
        })
}

fn u16_len(a: &TrustAnchor, what: &'static str, len: usize) -> Result<u16, FormatError> {
    u16::try_from(len).map_err(|_| FormatError::TooLarge {
        anchor: a.label(),
        what,
        len,
    })
}

/// ESP-IDF bundle: records sorted by subject DER (stable), raw subject and SPKI.
pub fn esp_bundle(anchors: &[TrustAnchor], legacy: bool) -> Result<Vec<u8>, FormatError> {
    let mut sorted: Vec<&TrustAnchor> = anchors.iter().collect();
    sorted.sort_by(|a, b| a.subject_raw().cmp(b.subject_raw()));
    let n = sorted.len();
    let mut out = Vec::new();
    if legacy {
        let count = u16::try_from(n).map_err(|_| FormatError::TooLarge {
            anchor: "bundle".into(),
            what: "record count",
            len: n,
        })?;
        out.extend_from_slice(&count.to_be_bytes());
    } else {
        let mut off = 4 * n;
        for a in &sorted {
            let o = u32::try_from(off).map_err(|_| FormatError::TooLarge {
                anchor: a.label(),
                what: "offset",
                len: off,
            })?;
            out.extend_from_slice(&o.to_le_bytes());
            off += 4 + a.subject_raw().len() + a.spki_raw().len();
        }
    }
    for a in sorted {
        let nl = u16_len(a, "subject", a.subject_raw().len())?;
        let kl = u16_len(a, "public key", a.spki_raw().len())?;
        if legacy {
            out.extend_from_slice(&nl.to_be_bytes());
            out.extend_from_slice(&kl.to_be_bytes());
        } else {
            out.extend_from_slice(&nl.to_le_bytes());
            out.extend_from_slice(&kl.to_le_bytes());
        }
        out.extend_from_slice(a.subject_raw());
        out.extend_from_slice(a.spki_raw());
    }
    Ok(out)
}

fn c_ident(s: &str) -> String {
    let mut id: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    while id.contains("__") {
        id = id.replace("__", "_");
    }
    let id = id.trim_matches('_').to_string();
    if id.is_empty() || id.starts_with(|c: char| c.is_ascii_digit()) {
        format!("ca_{id}")
    } else {
        id
    }
}

fn comment(a: &TrustAnchor, owner: Option<&str>) -> String {
    let mut s = a.label();
    if let Some(o) = owner {
        s.push_str(&format!(" ({o})"));
    }
    if let Some(c) = &a.cert {
        s.push_str(&format!(
            ", expires {}, {} bytes DER",
            crate::cert::format_date(c.not_after),
            c.der().len()
        ));
    }
    s.replace("*/", "* /")
}

/// A `cert_pem`-style C string literal, with size comments.
pub fn c_string(
    name: &str,
    anchors: &[TrustAnchor],
    owners: &[Option<String>],
) -> Result<String, FormatError> {
    let mut pem_total = 1;
    for a in anchors {
        pem_total += cert_of(a, OutputFormat::C)?.to_pem().len();
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "/* {} trust anchor(s); {pem_total} bytes of PEM including the terminating NUL that",
        anchors.len()
    );
    let _ = writeln!(
        s,
        " * mbedtls_x509_crt_parse needs to detect PEM (pass sizeof, or strlen + 1). */"
    );
    let _ = writeln!(s, "static const char {name}[] =");
    for (i, a) in anchors.iter().enumerate() {
        let c = cert_of(a, OutputFormat::C)?;
        let _ = writeln!(
            s,
            "    /* {} */",
            comment(a, owners.get(i).and_then(|o| o.as_deref()))
        );
        for line in c.to_pem().lines() {
            let _ = writeln!(s, "    \"{line}\\n\"");
        }
    }
    s.push_str("    ;\n");
    Ok(s)
}

fn hex_lines(out: &mut String, bytes: &[u8], indent: &str) {
    for chunk in bytes.chunks(12) {
        let line: Vec<String> = chunk.iter().map(|b| format!("0x{b:02X}")).collect();
        let _ = writeln!(out, "{indent}{},", line.join(", "));
    }
}

/// BearSSL trust anchors as `brssl ta` prints them.
pub fn bearssl(anchors: &[TrustAnchor]) -> Result<String, FormatError> {
    let mut s = String::from("#include <bearssl.h>\n\n");
    let mut entries = Vec::new();
    for (i, a) in anchors.iter().enumerate() {
        let _ = writeln!(s, "/* {} */", comment(a, None));
        let _ = writeln!(s, "static const unsigned char TA{i}_DN[] = {{");
        hex_lines(&mut s, a.subject_raw(), "\t");
        s.push_str("};\n\n");
        let unsupported = |what: String| FormatError::Unsupported {
            anchor: a.label(),
            what,
        };
        let (_, spki) = SubjectPublicKeyInfo::from_der(a.spki_raw())
            .map_err(|e| unsupported(format!("public key: {e}")))?;
        let is_ca = a.cert.as_ref().is_none_or(Certificate::is_ca);
        let flags = if is_ca { "BR_X509_TA_CA" } else { "0" };
        match spki.parsed() {
            Ok(PublicKey::RSA(rsa)) => {
                let strip = |b: &[u8]| {
                    let n = b.iter().take_while(|x| **x == 0).count();
                    b[n..].to_vec()
                };
                let _ = writeln!(s, "static const unsigned char TA{i}_RSA_N[] = {{");
                hex_lines(&mut s, &strip(rsa.modulus), "\t");
                s.push_str("};\n\n");
                let _ = writeln!(s, "static const unsigned char TA{i}_RSA_E[] = {{");
                hex_lines(&mut s, &strip(rsa.exponent), "\t");
                s.push_str("};\n\n");
                entries.push(format!(
                    "\t{{\n\t\t(unsigned char *)TA{i}_DN, sizeof TA{i}_DN,\n\t\t{flags},\n\t\t{{\n\t\t\tBR_KEYTYPE_RSA,\n\t\t\t{{ .rsa = {{\n\t\t\t\t(unsigned char *)TA{i}_RSA_N, sizeof TA{i}_RSA_N,\n\t\t\t\t(unsigned char *)TA{i}_RSA_E, sizeof TA{i}_RSA_E,\n\t\t\t}} }}\n\t\t}}\n\t}}"
                ));
            }
            Ok(PublicKey::EC(point)) => {
                let curve = match &a.key {
                    crate::cert::KeyKind::Ec {
                        curve: crate::cert::Curve::P256,
                    } => "BR_EC_secp256r1",
                    crate::cert::KeyKind::Ec {
                        curve: crate::cert::Curve::P384,
                    } => "BR_EC_secp384r1",
                    crate::cert::KeyKind::Ec {
                        curve: crate::cert::Curve::P521,
                    } => "BR_EC_secp521r1",
                    other => {
                        return Err(unsupported(format!("BearSSL has no {}", other.describe())));
                    }
                };
                let _ = writeln!(s, "static const unsigned char TA{i}_EC_Q[] = {{");
                hex_lines(&mut s, point.data(), "\t");
                s.push_str("};\n\n");
                entries.push(format!(
                    "\t{{\n\t\t(unsigned char *)TA{i}_DN, sizeof TA{i}_DN,\n\t\t{flags},\n\t\t{{\n\t\t\tBR_KEYTYPE_EC,\n\t\t\t{{ .ec = {{\n\t\t\t\t{curve},\n\t\t\t\t(unsigned char *)TA{i}_EC_Q, sizeof TA{i}_EC_Q,\n\t\t\t}} }}\n\t\t}}\n\t}}"
                ));
            }
            _ => {
                return Err(unsupported(format!(
                    "BearSSL has no {} keys",
                    a.key.describe()
                )));
            }
        }
    }
    let _ = writeln!(
        s,
        "static const br_x509_trust_anchor TAs[{}] = {{\n{}\n}};\n",
        anchors.len(),
        entries.join(",\n")
    );
    let _ = writeln!(s, "#define TAs_NUM   {}", anchors.len());
    Ok(s)
}

/// A GNU `ar` archive of `ca_NNN.der` members (deterministic: zero times and ids).
pub fn certstore(anchors: &[TrustAnchor]) -> Result<Vec<u8>, FormatError> {
    let mut out = b"!<arch>\n".to_vec();
    for (i, a) in anchors.iter().enumerate() {
        let der = cert_of(a, OutputFormat::Esp8266Certstore)?.der();
        let header = format!(
            "{:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n",
            format!("ca_{i:03}.der/"),
            0,
            0,
            0,
            644,
            der.len()
        );
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(der);
        if der.len() % 2 == 1 {
            out.push(b'\n');
        }
    }
    Ok(out)
}

fn rust_bytes(b: &[u8]) -> String {
    let mut s = String::from("b\"");
    for x in b {
        let _ = write!(s, "\\x{x:02x}");
    }
    s.push('"');
    s
}

/// Renders the anchors in `format`. `owners` parallels `anchors` for comments.
pub fn render(
    format: OutputFormat,
    anchors: &[TrustAnchor],
    owners: &[Option<String>],
) -> Result<Rendered, FormatError> {
    Ok(match format {
        OutputFormat::EspBundleLegacy => Rendered::File(esp_bundle(anchors, true)?),
        OutputFormat::EspBundle => Rendered::File(esp_bundle(anchors, false)?),
        OutputFormat::Pem => {
            let mut s = String::new();
            for a in anchors {
                s.push_str(&cert_of(a, format)?.to_pem());
            }
            Rendered::File(s.into_bytes())
        }
        OutputFormat::C => {
            Rendered::File(c_string("server_root_cert_pem", anchors, owners)?.into_bytes())
        }
        OutputFormat::CArray => {
            let mut s = String::new();
            for (i, a) in anchors.iter().enumerate() {
                let der = cert_of(a, format)?.der();
                let id = c_ident(&a.label());
                let _ = writeln!(
                    s,
                    "/* {} */",
                    comment(a, owners.get(i).and_then(|o| o.as_deref()))
                );
                let _ = writeln!(s, "static const unsigned char {id}_der[{}] = {{", der.len());
                hex_lines(&mut s, der, "    ");
                s.push_str("};\n\n");
            }
            Rendered::File(s.into_bytes())
        }
        OutputFormat::Arduino => {
            let mut s =
                String::from("// For WiFiClientSecure::setCACert(). PEM, stored in flash.\n");
            for (i, a) in anchors.iter().enumerate() {
                let _ = writeln!(
                    s,
                    "// {}",
                    comment(a, owners.get(i).and_then(|o| o.as_deref()))
                );
            }
            s.push_str("static const char root_ca[] PROGMEM = R\"EOF(\n");
            for a in anchors {
                s.push_str(&cert_of(a, format)?.to_pem());
            }
            s.push_str(")EOF\";\n");
            Rendered::File(s.into_bytes())
        }
        OutputFormat::Bearssl => Rendered::File(bearssl(anchors)?.into_bytes()),
        OutputFormat::Esp8266Certstore => Rendered::File(certstore(anchors)?),
        OutputFormat::Rust => {
            let mut s = String::from(
                "//! Trust anchors generated by anchorkit.\n\nuse rustls_pki_types::{Der, TrustAnchor};\n\n/// The trust anchors.\npub const TRUST_ANCHORS: &[TrustAnchor<'static>] = &[\n",
            );
            for (i, a) in anchors.iter().enumerate() {
                let _ = writeln!(
                    s,
                    "    // {}",
                    comment(a, owners.get(i).and_then(|o| o.as_deref()))
                );
                let _ = writeln!(
                    s,
                    "    TrustAnchor {{\n        subject: Der::from_slice({}),\n        subject_public_key_info: Der::from_slice({}),\n        name_constraints: None,\n    }},",
                    rust_bytes(crate::cert::der_contents(a.subject_raw())),
                    rust_bytes(crate::cert::der_contents(a.spki_raw()))
                );
            }
            s.push_str("];\n");
            Rendered::File(s.into_bytes())
        }
        OutputFormat::Der => {
            let mut files = Vec::new();
            for (i, a) in anchors.iter().enumerate() {
                files.push((
                    format!("{i:03}-{}.der", c_ident(&a.label())),
                    cert_of(a, format)?.der().to_vec(),
                ));
            }
            Rendered::Dir(files)
        }
    })
}
