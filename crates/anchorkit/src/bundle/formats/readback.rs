//! Reading a written bundle back, for the round trip before anything is called "written".
//!
//! Formats intake reads (ESP bundles, PEM, C string literals and byte arrays, Arduino raw
//! strings, DER files) go through intake. The archive is unpacked here and its members go
//! through intake. BearSSL and Rust sources hold no certificates: their byte arrays are parsed
//! back and must equal, entry by entry, what the format holds for one of the intended anchors;
//! that anchor is what the round trip then verifies with.

use super::{BearsslKey, OutputFormat, Rendered, bearssl_key, rust_anchor};
use crate::anchor::TrustAnchor;
use crate::intake::{Found, read_bytes};

/// Reads `rendered` back. `intended` are the anchors it was written from (used only to name
/// the entries of BearSSL and Rust sources, which hold no certificates).
pub fn read_back(
    format: OutputFormat,
    rendered: &Rendered,
    intended: &[TrustAnchor],
) -> Result<Vec<TrustAnchor>, String> {
    let via_intake = |name: &str, bytes: &[u8]| -> Result<Vec<TrustAnchor>, String> {
        read_bytes(name, bytes)
            .map(|f| f.iter().map(Found::to_anchor).collect())
            .map_err(|e| e.to_string())
    };
    match (format, rendered) {
        (OutputFormat::Der, Rendered::Dir(files)) => {
            let mut out = Vec::new();
            for (n, b) in files {
                out.extend(via_intake(n, b)?);
            }
            Ok(out)
        }
        (OutputFormat::Esp8266Certstore, Rendered::File(b)) => {
            let mut out = Vec::new();
            for (n, member) in ar_members(b)? {
                out.extend(via_intake(&n, member)?);
            }
            Ok(out)
        }
        (OutputFormat::Bearssl, Rendered::File(b)) => {
            let text = std::str::from_utf8(b).map_err(|e| e.to_string())?;
            bearssl_entries(text, intended)
        }
        (OutputFormat::Rust, Rendered::File(b)) => {
            let text = std::str::from_utf8(b).map_err(|e| e.to_string())?;
            rust_entries(text, intended)
        }
        (_, Rendered::File(b)) => via_intake("written bundle", b),
        (f, Rendered::Dir(_)) => Err(format!("{} is written as one file", f.name())),
    }
}

/// The members of a Unix `ar` archive: `(name without the GNU '/', bytes)`.
pub fn ar_members(b: &[u8]) -> Result<Vec<(String, &[u8])>, String> {
    let mut rest = b
        .strip_prefix(super::AR_MAGIC)
        .ok_or("not an ar archive (no !<arch> magic)")?;
    let mut out = Vec::new();
    let mut at = super::AR_MAGIC.len();
    while !rest.is_empty() {
        let header = rest
            .get(..super::AR_HEADER_BYTES)
            .ok_or(format!("truncated member header at byte {at}"))?;
        if header.get(58..60) != Some(b"`\n") {
            return Err(format!("bad member header at byte {at}"));
        }
        let field = |r: std::ops::Range<usize>| {
            header
                .get(r)
                .and_then(|x| std::str::from_utf8(x).ok())
                .map(str::trim_end)
                .unwrap_or_default()
        };
        let name = field(0..16).trim_end_matches('/').to_string();
        let size: usize = field(48..58)
            .parse()
            .map_err(|_| format!("bad member size at byte {}", at + 48))?;
        let body = rest
            .get(super::AR_HEADER_BYTES..super::AR_HEADER_BYTES + size)
            .ok_or(format!("member '{name}' runs past the end"))?;
        out.push((name, body));
        let step = super::AR_HEADER_BYTES + size + size % 2;
        rest = rest.get(step..).unwrap_or_default();
        at += step;
    }
    Ok(out)
}

/// The `0x..` bytes of `static const unsigned char NAME[] = { ... };`.
fn c_array(text: &str, name: &str) -> Option<Vec<u8>> {
    let start = text.find(&format!("static const unsigned char {name}[] = {{"))?;
    let body = text.get(start..)?;
    let open = body.find('{')?;
    let close = body.find('}')?;
    body.get(open + 1..close)?
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| u8::from_str_radix(t.trim_start_matches("0x"), 16).ok())
        .collect()
}

fn bearssl_entries(text: &str, intended: &[TrustAnchor]) -> Result<Vec<TrustAnchor>, String> {
    let mut out = Vec::new();
    for i in 0.. {
        let Some(dn) = c_array(text, &format!("TA{i}_DN")) else {
            break;
        };
        let key = if let Some(q) = c_array(text, &format!("TA{i}_EC_Q")) {
            (None, Some(q))
        } else {
            let n = c_array(text, &format!("TA{i}_RSA_N")).ok_or(format!("TA{i}: no key"))?;
            let e = c_array(text, &format!("TA{i}_RSA_E")).ok_or(format!("TA{i}: no exponent"))?;
            (Some((n, e)), None)
        };
        let a = intended
            .iter()
            .find(|a| {
                a.subject_raw() == dn.as_slice()
                    && match (bearssl_key(a), &key) {
                        (Ok(BearsslKey::Rsa { n, e }), (Some((n2, e2)), None)) => {
                            &n == n2 && &e == e2
                        }
                        (Ok(BearsslKey::Ec { q, .. }), (None, Some(q2))) => &q == q2,
                        _ => false,
                    }
            })
            .ok_or(format!("TA{i} matches none of the intended anchors"))?;
        out.push(a.clone());
    }
    if !text.contains(&format!("#define TAs_NUM   {}", out.len())) {
        return Err(format!("TAs_NUM does not say {}", out.len()));
    }
    Ok(out)
}

/// Decodes the `Der::from_slice(b"...")` literals of the Rust source, in order.
fn byte_literals(text: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    let open = "Der::from_slice(b\"";
    while let Some(p) = rest.find(open) {
        let p = p + open.len() - 2;
        let mut bytes = Vec::new();
        let mut it = rest.get(p + 2..).unwrap_or_default().char_indices();
        let mut end = None;
        while let Some((k, c)) = it.next() {
            match c {
                '"' => {
                    end = Some(p + 2 + k + 1);
                    break;
                }
                '\\' => match it.next().map(|x| x.1) {
                    Some('x') => {
                        let h: String = it.by_ref().take(2).map(|x| x.1).collect();
                        bytes.push(
                            u8::from_str_radix(&h, 16).map_err(|_| format!("bad escape \\x{h}"))?,
                        );
                    }
                    Some('"') => bytes.push(b'"'),
                    Some('\\') => bytes.push(b'\\'),
                    other => return Err(format!("unexpected escape {other:?}")),
                },
                c if c.is_ascii() => bytes.push(c as u8),
                c => return Err(format!("non-ASCII {c:?} in a byte literal")),
            }
        }
        let end = end.ok_or("unterminated byte literal")?;
        out.push(bytes);
        rest = rest.get(end..).unwrap_or_default();
    }
    Ok(out)
}

fn rust_entries(text: &str, intended: &[TrustAnchor]) -> Result<Vec<TrustAnchor>, String> {
    let mut out = Vec::new();
    for entry in text.split("TrustAnchor {").skip(1) {
        let lits = byte_literals(entry)?;
        let (subject, spki, nc) = match lits.as_slice() {
            [s, k] => (s, k, None),
            [s, k, n] => (s, k, Some(n)),
            _ => return Err("an entry without subject and key".into()),
        };
        let a = intended
            .iter()
            .find(|a| {
                let r = rust_anchor(a);
                &r.subject == subject && &r.spki == spki && r.name_constraints.as_ref() == nc
            })
            .ok_or("an entry matches none of the intended anchors")?;
        out.push(a.clone());
    }
    Ok(out)
}
