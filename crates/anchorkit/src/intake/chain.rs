//! A served chain as the entries of a Certificate message, kept even when an entry is not a
//! certificate: each TLS stack reads such entries its own way, so they are data, not errors.
//!
//! Accepted forms:
//! - a TLS Certificate handshake message (TLS 1.2: type 11, 3-byte length, 3-byte list length,
//!   entries; TLS 1.3: with the request context and per-entry extensions), or a bare
//!   `certificate_list` (3-byte length, entries): each entry exactly as framed;
//! - PEM: each `CERTIFICATE` block is one entry, whatever its bytes decode to;
//! - DER: certificates one after another; bytes that do not start a certificate become one last
//!   entry;
//! - anything else [`read_bytes`](super::read_bytes) reads (C source, PKCS#7): its certificates.

use super::{Format, IntakeError, Location, Origin, pem};
use crate::cert::{Certificate, ChainEntry};

/// One served entry with where it was read from.
#[derive(Debug, Clone)]
pub struct ServedEntry {
    /// The entry.
    pub entry: ChainEntry,
    /// Where.
    pub origin: Origin,
}

fn u24(b: &[u8]) -> Option<usize> {
    Some(usize::from(*b.first()?) << 16 | usize::from(*b.get(1)?) << 8 | usize::from(*b.get(2)?))
}

/// The entries of a `certificate_list` body (TLS 1.2 framing, or 1.3 with extensions).
fn list_entries(list: &[u8], base: usize, tls13: bool) -> Option<Vec<(usize, &[u8])>> {
    let mut out = Vec::new();
    let mut off = 0;
    while off < list.len() {
        let n = u24(list.get(off..)?)?;
        let start = off + 3;
        let entry = list.get(start..start + n)?;
        out.push((base + start, entry));
        off = start + n;
        if tls13 {
            let ext = usize::from(*list.get(off)?) << 8 | usize::from(*list.get(off + 1)?);
            off += 2 + ext;
        }
    }
    (off == list.len()).then_some(out)
}

/// A Certificate message or certificate list at the start of `b`, if `b` is exactly one.
fn tls_message(b: &[u8]) -> Option<Vec<(usize, &[u8])>> {
    if b.first() == Some(&0x0b) {
        let len = u24(b.get(1..)?)?;
        let body = b.get(4..)?;
        if body.len() != len {
            return None;
        }
        // TLS 1.2: list length first.
        if u24(body).is_some_and(|l| l + 3 == body.len()) {
            if let Some(e) = list_entries(&body[3..], 7, false) {
                return Some(e);
            }
        }
        // TLS 1.3: request context, then the list with extensions.
        let ctx = usize::from(*body.first()?);
        let rest = body.get(1 + ctx..)?;
        if u24(rest).is_some_and(|l| l + 3 == rest.len()) {
            return list_entries(&rest[3..], 4 + 1 + ctx + 3, true);
        }
        return None;
    }
    if b.first() == Some(&0x00) && u24(b).is_some_and(|l| l + 3 == b.len()) {
        return list_entries(&b[3..], 3, false);
    }
    None
}

/// Reads a served chain from `bytes` (see the module documentation).
pub fn read_chain_bytes(source: &str, bytes: &[u8]) -> Result<Vec<ServedEntry>, IntakeError> {
    let origin = |format, line, offset, index| Origin {
        source: source.to_string(),
        format,
        line,
        offset,
        index,
    };
    if let Some(entries) = tls_message(bytes) {
        if entries.is_empty() {
            return Err(IntakeError::new(
                source,
                Location::Whole,
                "a TLS Certificate message with no certificate",
            ));
        }
        return Ok(entries
            .into_iter()
            .enumerate()
            .map(|(i, (off, e))| ServedEntry {
                entry: ChainEntry::from_bytes(e),
                origin: origin(Format::Der, None, Some(off), i),
            })
            .collect());
    }
    if bytes.first() == Some(&0x30) && !super::pkcs7::looks_like(bytes) {
        let mut out = Vec::new();
        let mut off = 0;
        while off < bytes.len() {
            let rest = &bytes[off..];
            match Certificate::from_der_prefix(rest) {
                Ok((c, used)) => {
                    out.push(ServedEntry {
                        entry: ChainEntry::from(c),
                        origin: origin(Format::Der, None, Some(off), out.len()),
                    });
                    off += used;
                }
                Err(_) => {
                    out.push(ServedEntry {
                        entry: ChainEntry::from_bytes(rest),
                        origin: origin(Format::Der, None, Some(off), out.len()),
                    });
                    break;
                }
            }
        }
        return Ok(out);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        if text.contains("-----BEGIN ") && !super::csource::looks_like_c(text) {
            let blocks = pem::scan(text)
                .map_err(|e| IntakeError::new(source, Location::Line(e.line), e.message))?;
            let mut out = Vec::new();
            for b in &blocks {
                if matches!(
                    b.label.as_str(),
                    "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE"
                ) {
                    out.push(ServedEntry {
                        entry: ChainEntry::from_bytes(&b.der),
                        origin: origin(Format::Pem, Some(b.line), None, out.len()),
                    });
                }
            }
            if !out.is_empty() {
                return Ok(out);
            }
        }
    }
    let found = super::read_bytes(source, bytes)?;
    let mut out = Vec::new();
    for f in found {
        match f.cert() {
            Some(c) => out.push(ServedEntry {
                entry: ChainEntry::from(c),
                origin: f.origin.clone(),
            }),
            None => {
                return Err(IntakeError::new(
                    source,
                    f.origin.offset.map_or(Location::Whole, Location::Offset),
                    "a served chain needs certificates; this is a bundle record (name and key only)",
                ));
            }
        }
    }
    Ok(out)
}

/// Reads a served chain from a file or `-`.
pub fn read_chain_path(path: &std::path::Path) -> Result<Vec<ServedEntry>, IntakeError> {
    let name = path.display().to_string();
    let bytes = if path.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| IntakeError::new(&name, Location::Whole, format!("cannot read: {e}")))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        let mut out = Vec::new();
        for f in files {
            out.extend(read_chain_path(&f)?);
        }
        return Ok(out);
    } else {
        crate::input::read(path, super::MAX_INPUT_BYTES, "served chain")
            .map_err(|e| IntakeError::new(&e.path, Location::Whole, e.message))?
    };
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(IntakeError::new(
            &name,
            Location::Whole,
            "empty input: expected PEM, DER, a TLS Certificate message or C source",
        ));
    }
    read_chain_bytes(&name, &bytes)
}
