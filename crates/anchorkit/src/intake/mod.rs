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

use crate::anchor::{TrustAnchor, TrustSettings};
use crate::cert::Certificate;

pub mod chain;
pub mod csource;
pub mod espbundle;
pub mod pem;
pub mod pins;
pub mod pkcs7;

pub use crate::origin::{Format, Origin};

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
    /// OpenSSL trust settings read after the certificate of a `TRUSTED CERTIFICATE` block.
    pub settings: Option<TrustSettings>,
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
            Entry::Cert(c) => TrustAnchor::from_cert(c.clone(), self.origin.clone())
                .with_settings(self.settings.clone()),
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

/// Bytes read from one input at most (a file, standard input); larger inputs are refused by
/// name rather than read into memory.
pub const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;
/// Certificates and anchors taken from one input at most.
pub const MAX_ITEMS: usize = 100_000;

/// Reads every certificate or anchor in `bytes`, auto-detecting the format.
///
/// `source` names the input in origins and errors. An input in which nothing is found is an
/// error, not an empty list; so is an input with one damaged item among good ones.
pub fn read_bytes(source: &str, bytes: &[u8]) -> Result<Vec<Found>, IntakeError> {
    let mut r = Reader {
        source,
        out: Vec::new(),
    };
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(r.err(
            Location::Whole,
            "empty input: expected PEM, DER, PKCS#7, C source or an ESP-IDF bundle",
        ));
    }
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(r.err(
            Location::Whole,
            format!(
                "{} bytes: larger than the {MAX_INPUT_BYTES}-byte input limit",
                bytes.len()
            ),
        ));
    }
    r.binary_or_text(bytes, 0)?;
    if r.out.len() > MAX_ITEMS {
        return Err(r.err(
            Location::Whole,
            format!(
                "{} certificates: more than the {MAX_ITEMS} one input may hold",
                r.out.len()
            ),
        ));
    }
    if r.out.is_empty() {
        return Err(r.err(
            Location::Whole,
            "no certificate found: expected PEM, DER, PKCS#7, C source or an ESP-IDF bundle",
        ));
    }
    Ok(r.out)
}

struct Reader<'s> {
    source: &'s str,
    out: Vec<Found>,
}

impl Reader<'_> {
    fn err(&self, location: Location, message: impl Into<String>) -> IntakeError {
        IntakeError::new(self.source, location, message)
    }

    fn origin(&self, format: Format, line: Option<usize>, offset: Option<usize>) -> Origin {
        Origin {
            source: self.source.to_string(),
            format,
            line,
            offset,
            index: self.out.len(),
        }
    }

    fn push_cert(&mut self, cert: Certificate, origin: Origin) {
        self.out.push(Found {
            entry: Entry::Cert(cert),
            origin,
            settings: None,
        });
    }

    /// Binary forms first (DER, PKCS#7, ESP bundles), else text. `line` is set when the
    /// bytes came from a C byte array at that line.
    fn binary_or_text(&mut self, bytes: &[u8], line: usize) -> Result<(), IntakeError> {
        let at = |off: usize| {
            if line > 0 {
                Location::Line(line)
            } else {
                Location::Offset(off)
            }
        };
        let line_opt = (line > 0).then_some(line);
        if bytes.first() == Some(&0x30)
            && crate::cert::der_tlv_len(bytes).is_some_and(|n| n <= bytes.len())
        {
            if pkcs7::looks_like(bytes) {
                let certs = pkcs7::certificates(bytes)
                    .map_err(|(off, m)| self.err(at(off), format!("PKCS#7: {m}")))?;
                for (off, der) in certs {
                    let cert = Certificate::from_der(der).map_err(|e| {
                        self.err(at(off), format!("certificate in PKCS#7 bag: {e}"))
                    })?;
                    let o = self.origin(Format::Pkcs7, line_opt, Some(off));
                    self.push_cert(cert, o);
                }
                return Ok(());
            }
            let format = if line > 0 {
                Format::CByteArray
            } else {
                Format::Der
            };
            let mut off = 0;
            while off < bytes.len() {
                let rest = &bytes[off..];
                let (cert, used) = Certificate::from_der_prefix(rest).map_err(|e| {
                    self.err(
                        at(off),
                        format!("expected a DER X.509 certificate at byte {off}: {e}"),
                    )
                })?;
                let o = self.origin(format, line_opt, Some(off));
                self.push_cert(cert, o);
                off += used;
            }
            return Ok(());
        }
        let bundle = espbundle::parse(bytes);
        if let (Some(0x30), Some(total), Ok(None)) =
            (bytes.first(), crate::cert::der_tlv_len(bytes), &bundle)
        {
            if total > bytes.len() && bytes.contains(&0) {
                return Err(self.err(
                    at(0),
                    format!(
                        "truncated DER: the certificate at byte 0 declares {total} bytes, \
                         the input has {}",
                        bytes.len()
                    ),
                ));
            }
        }
        match bundle {
            Ok(Some((format, records))) => {
                for (i, rec) in records.iter().enumerate() {
                    let o = self.origin(format, line_opt, Some(rec.offset));
                    let anchor = TrustAnchor::from_parts(rec.name, rec.key, o).map_err(|e| {
                        self.err(at(rec.offset), format!("{} record {i}: {e}", format.name()))
                    })?;
                    self.out.push(Found {
                        origin: anchor.origin.clone(),
                        entry: Entry::Anchor(anchor),
                        settings: None,
                    });
                }
                return Ok(());
            }
            Ok(None) => {}
            Err(e) => {
                return Err(self.err(at(e.offset), format!("ESP-IDF bundle: {}", e.message)));
            }
        }
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => std::borrow::Cow::Borrowed(t),
            Err(_) if bytes.contains(&0) => {
                return Err(self.err(
                    at(0),
                    "unrecognized binary input: expected DER, PKCS#7 or an ESP-IDF bundle",
                ));
            }
            Err(_) => String::from_utf8_lossy(bytes),
        };
        self.text(&text, line)
    }

    fn text(&mut self, text: &str, base_line: usize) -> Result<(), IntakeError> {
        let source_kind = if base_line > 0 {
            None
        } else if csource::looks_like_json(text) {
            Some((false, Format::JsonString))
        } else if csource::looks_like_python(text) {
            Some((true, Format::PythonString))
        } else if csource::looks_like_c(text) {
            Some((false, Format::CString))
        } else {
            None
        };
        if let Some((python, format)) = source_kind {
            let before = self.out.len();
            self.c_source(text, python, format)?;
            if format == Format::JsonString {
                // A YAML file may hold a block scalar (`ca_cert: |` and the PEM indented)
                // beside its escaped strings: the PEM blocks outside quotes too.
                let blanked: String = text
                    .split('\n')
                    .map(|l| {
                        if l.contains("\"-----BEGIN") || l.contains("'-----BEGIN") {
                            ""
                        } else {
                            l
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                let seen: Vec<Vec<u8>> = self.out[before..]
                    .iter()
                    .filter_map(|f| f.cert().map(|c| c.der().to_vec()))
                    .collect();
                let blocks =
                    pem::scan(&blanked).map_err(|e| self.err(Location::Line(e.line), e.message))?;
                let mark = self.out.len();
                self.pem_blocks(&blocks, Format::Pem, |l| l)?;
                let mut i = mark;
                while i < self.out.len() {
                    let dup = self.out[i]
                        .cert()
                        .is_some_and(|c| seen.iter().any(|d| d.as_slice() == c.der()));
                    if dup {
                        self.out.remove(i);
                    } else {
                        i += 1;
                    }
                }
            }
            if self.out.len() > before {
                return Ok(());
            }
        }
        let blocks = pem::scan(text).map_err(|e| {
            self.err(
                Location::Line(e.line + base_line.saturating_sub(1)),
                e.message,
            )
        })?;
        let format = if base_line > 0 {
            Format::CByteArray
        } else {
            Format::Pem
        };
        self.pem_blocks(&blocks, format, |l| l + base_line.saturating_sub(1))
    }

    fn pem_blocks(
        &mut self,
        blocks: &[pem::Block],
        format: Format,
        line_of: impl Fn(usize) -> usize,
    ) -> Result<(), IntakeError> {
        let mut other = Vec::new();
        let before = self.out.len();
        for b in blocks {
            let line = line_of(b.line);
            match b.label.as_str() {
                "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => {
                    let parsed = if b.label == "TRUSTED CERTIFICATE" {
                        Certificate::from_der_prefix(&b.der)
                    } else {
                        Certificate::from_der(&b.der).map(|c| (c, b.der.len()))
                    };
                    let (cert, used) = parsed.map_err(|e| {
                        self.err(
                            Location::Line(line),
                            format!("PEM block at line {line} is not a valid certificate: {e}"),
                        )
                    })?;
                    // d2i_X509_AUX: what follows the certificate is its trust settings.
                    let settings = match &b.der[used..] {
                        [] => None,
                        rest => Some(TrustSettings::from_der(rest).map_err(|e| {
                            self.err(
                                Location::Line(line),
                                format!(
                                    "TRUSTED CERTIFICATE block at line {line}: {e} (after the {used}-byte certificate; expected OpenSSL's X509_CERT_AUX)"
                                ),
                            )
                        })?),
                    };
                    let o = self.origin(format, Some(line), None);
                    self.push_cert(cert, o);
                    if let Some(f) = self.out.last_mut() {
                        f.settings = settings;
                    }
                }
                "PKCS7" | "CMS" => {
                    let certs = pkcs7::certificates(&b.der).map_err(|(_, m)| {
                        self.err(Location::Line(line), format!("PKCS#7 block: {m}"))
                    })?;
                    for (off, der) in certs {
                        let cert = Certificate::from_der(der).map_err(|e| {
                            self.err(Location::Line(line), format!("certificate in PKCS#7: {e}"))
                        })?;
                        let o = self.origin(Format::Pkcs7, Some(line), Some(off));
                        self.push_cert(cert, o);
                    }
                }
                label => other.push(format!("{label} at line {line}")),
            }
        }
        if self.out.len() == before && !other.is_empty() {
            return Err(self.err(
                Location::Whole,
                format!(
                    "no certificate found (found {}); expected -----BEGIN CERTIFICATE-----",
                    other.join(", ")
                ),
            ));
        }
        Ok(())
    }

    fn c_source(&mut self, text: &str, python: bool, format: Format) -> Result<(), IntakeError> {
        let lexed = if python {
            csource::lex_python(text)
        } else {
            csource::lex(text)
        }
        .map_err(|e| self.err(Location::Line(e.line), e.message))?;
        // Strings and arrays in source order.
        let mut items: Vec<(usize, bool, usize)> = lexed
            .strings
            .iter()
            .enumerate()
            .map(|(i, s)| (s.line_of(0), true, i))
            .chain(
                lexed
                    .arrays
                    .iter()
                    .enumerate()
                    .map(|(i, a)| (a.line, false, i)),
            )
            .collect();
        items.sort();
        for (_, is_string, i) in items {
            if is_string {
                let Some(s) = lexed.strings.get(i) else {
                    continue;
                };
                if !s.value.contains("-----BEGIN ") {
                    // Base64 of a DER certificate without PEM armour (`a2b_base64(b"MII...")`).
                    let b64: String = s.value.split_whitespace().collect();
                    if b64.starts_with("MII") && b64.len() >= 400 {
                        if let Ok(der) = base64::Engine::decode(
                            &base64::engine::general_purpose::STANDARD,
                            b64.as_bytes(),
                        ) {
                            if let Ok(cert) = Certificate::from_der(&der) {
                                let o = self.origin(format, Some(s.line_of(0)), None);
                                self.push_cert(cert, o);
                            }
                        }
                    }
                    continue;
                }
                let starts = line_starts(&s.value);
                let to_src = |l: usize| {
                    let off = starts.get(l.saturating_sub(1)).copied().unwrap_or(0);
                    s.line_of(off)
                };
                let blocks = pem::scan(&s.value)
                    .map_err(|e| self.err(Location::Line(to_src(e.line)), e.message))?;
                self.pem_blocks(&blocks, format, to_src)?;
            } else {
                let Some(a) = lexed.arrays.get(i) else {
                    continue;
                };
                let looks_binary_cert = a.bytes.first() == Some(&0x30);
                let looks_pem = a.bytes.starts_with(b"-----BEGIN");
                if looks_binary_cert
                    || looks_pem
                    || espbundle::parse(&a.bytes).is_ok_and(|r| r.is_some())
                {
                    self.binary_or_text(&a.bytes, a.line)?;
                }
            }
        }
        Ok(())
    }
}

fn line_starts(s: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(s.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// The certificates of a file, or of a directory's certificate files (`.pem`, `.crt`, `.cer`,
/// `.der`; other files skipped, where `read_path` refuses them).
pub fn read_certificates(path: &Path) -> Result<Vec<Certificate>, IntakeError> {
    let certs = |p: &Path| -> Result<Vec<Certificate>, IntakeError> {
        Ok(read_path(p)?
            .iter()
            .filter_map(|f| f.cert().cloned())
            .collect())
    };
    if !path.is_dir() {
        return certs(path);
    }
    let name = path.display().to_string();
    let mut files: Vec<_> = std::fs::read_dir(path)
        .map_err(|e| IntakeError::new(&name, Location::Whole, format!("cannot read: {e}")))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|f| {
            f.extension().and_then(|x| x.to_str()).is_some_and(|x| {
                matches!(
                    x.to_ascii_lowercase().as_str(),
                    "pem" | "crt" | "cer" | "der"
                )
            })
        })
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        out.extend(certs(&f)?);
    }
    Ok(out)
}

/// Reads a file, a directory (its files, sorted by name, not recursive) or `-` (stdin), at
/// most [`MAX_INPUT_BYTES`] from each (FIFOs, devices and sockets are refused by name).
pub fn read_path(path: &Path) -> Result<Vec<Found>, IntakeError> {
    let name = path.display().to_string();
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
    let bytes = crate::input::read(path, MAX_INPUT_BYTES, "certificate input")
        .map_err(|e| IntakeError::new(&e.path, Location::Whole, e.message))?;
    if name == "-" {
        return read_bytes("-", &bytes);
    }
    let embedded = embedded_files(path, &bytes);
    if embedded.is_empty() {
        return read_bytes(&name, &bytes);
    }
    // C source that embeds its certificate with EMBED_TXTFILES / EMBED_FILES
    // (`extern const char x[] asm("_binary_server_root_cert_pem_start")`): the embedded files
    // are read too.
    let mut out = match read_bytes(&name, &bytes) {
        Ok(v) => v,
        Err(e) if e.location == Location::Whole => Vec::new(),
        Err(e) => return Err(e),
    };
    for f in embedded {
        out.extend(read_path(&f)?);
    }
    Ok(out)
}

/// Files found at most this many directory entries deep into a component when resolving an
/// embedded-file symbol.
const EMBED_SEARCH_ENTRIES: usize = 5_000;

/// The ESP-IDF linker symbol of an embedded file: `_binary_` + the file name with every
/// character that is not a letter or a digit replaced by `_` + `_start`.
pub fn embed_symbol(file_name: &str) -> String {
    let mangled: String = file_name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("_binary_{mangled}_start")
}

/// The files a C source file embeds through `_binary_<name>_start` symbols, looked up in its
/// directory and its component (the parent directory), three levels deep at most, without
/// following symbolic links.
pub fn embedded_files(path: &Path, bytes: &[u8]) -> Vec<std::path::PathBuf> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Vec::new();
    };
    let mut symbols: Vec<&str> = Vec::new();
    for (i, _) in text.match_indices("_binary_") {
        let rest = &text[i..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let sym = &rest[..end];
        if sym.ends_with("_start") && !symbols.contains(&sym) {
            symbols.push(sym);
        }
    }
    if symbols.is_empty() {
        return Vec::new();
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let roots: Vec<&Path> = [Some(dir), dir.parent()].into_iter().flatten().collect();
    let mut out = Vec::new();
    let mut seen = 0usize;
    let mut stack: Vec<(std::path::PathBuf, usize)> =
        roots.iter().rev().map(|r| (r.to_path_buf(), 0)).collect();
    let mut visited: Vec<std::path::PathBuf> = Vec::new();
    while let Some((d, depth)) = stack.pop() {
        if visited.contains(&d) {
            continue;
        }
        visited.push(d.clone());
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut entries: Vec<_> = rd.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            seen += 1;
            if seen > EMBED_SEARCH_ENTRIES {
                return out;
            }
            let Ok(ft) = e.file_type() else { continue };
            let p = e.path();
            if ft.is_dir() && depth < 3 && !ft.is_symlink() {
                stack.push((p, depth + 1));
            } else if ft.is_file() {
                let sym = embed_symbol(&e.file_name().to_string_lossy());
                if symbols.contains(&sym.as_str()) && p != path && !out.contains(&p) {
                    out.push(p);
                }
            }
        }
    }
    out
}
