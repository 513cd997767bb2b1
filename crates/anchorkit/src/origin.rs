//! Where an item came from: the input, its encoding and the place in it. Shared by `intake`
//! (which finds items) and `anchor` (which keeps the origin of each trust anchor), so neither
//! imports the other for it.

use std::fmt;

use serde::Serialize;

/// The encoding an item was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// A PEM block.
    Pem,
    /// A whole file of DER.
    Der,
    /// A PKCS#7 / CMS certificate bag (DER or PEM).
    Pkcs7,
    /// PEM inside C/C++ string literals.
    CString,
    /// PEM inside Python (MicroPython) string or bytes literals (`cadata=b'...'`).
    PythonString,
    /// PEM with `\n` escapes inside a JSON or YAML string (AWS IoT and Azure IoT configs).
    JsonString,
    /// DER inside a C byte array.
    CByteArray,
    /// A certificate fingerprint used as a pin (`setFingerprint`), not a certificate.
    Fingerprint,
    /// ESP-IDF certificate bundle, legacy format (v4.2 to v5.3).
    EspBundleLegacy,
    /// ESP-IDF certificate bundle, offset-table format (v5.4+).
    EspBundle,
}

impl Format {
    /// Stable name used in text and JSON output.
    pub fn name(self) -> &'static str {
        match self {
            Format::Pem => "pem",
            Format::Der => "der",
            Format::Pkcs7 => "pkcs7",
            Format::CString => "c-string",
            Format::PythonString => "python-string",
            Format::JsonString => "json-string",
            Format::CByteArray => "c-array",
            Format::Fingerprint => "fingerprint",
            Format::EspBundleLegacy => "esp-bundle-legacy",
            Format::EspBundle => "esp-bundle",
        }
    }
}

/// Where an item came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// File path as given, or `-` for standard input, or a label such as `mozilla`.
    pub source: String,
    /// The encoding it was found in.
    pub format: Format,
    /// 1-based line where the item starts, for text inputs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// Byte offset where the item starts, for binary inputs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<usize>,
    /// 0-based position of the item within its source.
    pub index: usize,
}

impl Origin {
    /// An origin for built-in data (e.g. the compiled-in Mozilla store).
    pub fn builtin(source: &str, index: usize) -> Origin {
        Origin {
            source: source.to_string(),
            format: Format::Der,
            line: None,
            offset: None,
            index,
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        } else if let Some(o) = self.offset {
            write!(f, " @ byte {o}")?;
        }
        Ok(())
    }
}
