//! Intake: certificate material in any form a firmware developer holds.
//!
//! Everything is auto-detected from the bytes: PEM (with any text around it), DER, PKCS#7
//! certificate bags, C/C++/Arduino source (string literals and byte arrays) and ESP-IDF
//! `x509_crt_bundle` binaries in both formats. Each item found carries an [`Origin`] naming the
//! file and the line or byte offset it came from, so every later message can point at it.
//!
//! ESP-IDF bundle records hold only a subject name and a public key: they come out as
//! [`Entry::Anchor`], never as certificates.

use std::fmt;
use std::path::Path;

use serde::Serialize;

use crate::anchor::TrustAnchor;
use crate::cert::Certificate;

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
    /// DER inside a C byte array.
    CByteArray,
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
            Format::CByteArray => "c-array",
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

/// One thing found in an input.
#[derive(Debug, Clone)]
pub enum Entry {
    /// A full certificate.
    Cert(Certificate),
    /// A bare trust anchor (subject + key), e.g. an ESP bundle record.
    Anchor(TrustAnchor),
}

/// An entry with its origin.
#[derive(Debug, Clone)]
pub struct Found {
    /// What was found.
    pub entry: Entry,
    /// Where.
    pub origin: Origin,
}

impl Found {
    /// The certificate, if the entry is one.
    pub fn cert(&self) -> Option<&Certificate> {
        match &self.entry {
            Entry::Cert(c) => Some(c),
            Entry::Anchor(_) => None,
        }
    }

    /// The entry as a trust anchor (certificates keep their certificate).
    pub fn to_anchor(&self) -> TrustAnchor {
        match &self.entry {
            Entry::Cert(c) => TrustAnchor::from_cert(c.clone(), self.origin.clone()),
            Entry::Anchor(a) => a.clone(),
        }
    }
}

/// Where in an input a problem is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "at", rename_all = "kebab-case")]
pub enum Location {
    /// The input as a whole.
    Whole,
    /// A 1-based line of a text input.
    Line(usize),
    /// A byte offset in a binary input.
    Offset(usize),
}

/// Why an input could not be read. Names the source, the place and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IntakeError {
    /// The file, `-`, or label.
    pub source: String,
    /// Where in it.
    pub location: Location,
    /// What was wrong and what was expected.
    pub message: String,
}

impl IntakeError {
    /// A new error.
    pub fn new(source: &str, location: Location, message: impl Into<String>) -> IntakeError {
        IntakeError {
            source: source.to_string(),
            location,
            message: message.into(),
        }
    }
}

impl fmt::Display for IntakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location {
            Location::Whole => write!(f, "{}: {}", self.source, self.message),
            Location::Line(l) => write!(f, "{}:{l}: {}", self.source, self.message),
            Location::Offset(o) => write!(f, "{} @ byte {o}: {}", self.source, self.message),
        }
    }
}

impl std::error::Error for IntakeError {}

/// Reads every certificate or anchor in `bytes`, auto-detecting the format.
///
/// `source` names the input in origins and errors. An input in which nothing is found is an
/// error, not an empty list.
pub fn read_bytes(source: &str, bytes: &[u8]) -> Result<Vec<Found>, IntakeError> {
    if bytes.is_empty() {
        return Err(IntakeError::new(
            source,
            Location::Whole,
            "empty input: expected PEM, DER, PKCS#7, C source or an ESP-IDF bundle",
        ));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| IntakeError::new(source, Location::Whole, "unrecognized binary input"))?;
    let mut out = Vec::new();
    for (index, p) in pem::parse_many(text)
        .map_err(|e| IntakeError::new(source, Location::Whole, e.to_string()))?
        .iter()
        .enumerate()
    {
        let cert = Certificate::from_der(p.contents())
            .map_err(|e| IntakeError::new(source, Location::Whole, e.to_string()))?;
        out.push(Found {
            entry: Entry::Cert(cert),
            origin: Origin {
                source: source.to_string(),
                format: Format::Pem,
                line: None,
                offset: None,
                index,
            },
        });
    }
    if out.is_empty() {
        return Err(IntakeError::new(
            source,
            Location::Whole,
            "no certificate found",
        ));
    }
    Ok(out)
}

/// Reads a file, a directory (its files, sorted by name, not recursive) or `-` (stdin).
pub fn read_path(path: &Path) -> Result<Vec<Found>, IntakeError> {
    let name = path.display().to_string();
    if name == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)
            .map_err(|e| IntakeError::new("-", Location::Whole, format!("cannot read: {e}")))?;
        return read_bytes("-", &buf);
    }
    if path.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| IntakeError::new(&name, Location::Whole, format!("cannot read: {e}")))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        let mut out = Vec::new();
        for f in files {
            out.extend(read_path(&f)?);
        }
        if out.is_empty() {
            return Err(IntakeError::new(
                &name,
                Location::Whole,
                "no certificate found in directory",
            ));
        }
        return Ok(out);
    }
    let bytes = std::fs::read(path)
        .map_err(|e| IntakeError::new(&name, Location::Whole, format!("cannot read: {e}")))?;
    read_bytes(&name, &bytes)
}
