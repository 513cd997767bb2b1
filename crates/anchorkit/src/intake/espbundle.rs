//! ESP-IDF `x509_crt_bundle` binaries, both on-flash formats.
//!
//! - Legacy (ESP-IDF v4.2 to v5.3, Arduino-ESP32 2.x): `u16` big-endian record count, then
//!   records `u16 BE name_len, u16 BE key_len, name, key`.
//! - Offset table (v5.4+): `N` little-endian `u32` offsets (the first is `4 * N`), then records
//!   `u16 LE name_len, u16 LE key_len, name, key`.
//!
//! `name` is the DER subject Name and `key` the DER SubjectPublicKeyInfo. Nothing else is
//! stored, so records are trust anchors, never certificates. The two formats carry no magic
//! number; a file is accepted as one format only when walking it by that format's rules ends
//! exactly at the end of the file, as the generator always writes it.

use super::Format;

/// One record: where it starts and its two fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<'a> {
    /// Byte offset of the record header in the bundle.
    pub offset: usize,
    /// DER subject Name.
    pub name: &'a [u8],
    /// DER SubjectPublicKeyInfo.
    pub key: &'a [u8],
}

/// Why bytes are not a well-formed bundle of a given format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleError {
    /// Offset of the problem.
    pub offset: usize,
    /// What was wrong and what was expected.
    pub message: String,
}

fn be16(b: &[u8], at: usize) -> Option<usize> {
    Some(usize::from(u16::from_be_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
    ])))
}

fn le16(b: &[u8], at: usize) -> Option<usize> {
    Some(usize::from(u16::from_le_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
    ])))
}

fn le32(b: &[u8], at: usize) -> Option<usize> {
    let v = u32::from_le_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
        *b.get(at + 2)?,
        *b.get(at + 3)?,
    ]);
    usize::try_from(v).ok()
}

fn record<'a>(
    b: &'a [u8],
    at: usize,
    index: usize,
    len16: fn(&[u8], usize) -> Option<usize>,
) -> Result<(Record<'a>, usize), BundleError> {
    let (Some(name_len), Some(key_len)) = (len16(b, at), len16(b, at + 2)) else {
        return Err(BundleError {
            offset: at,
            message: format!(
                "record {index} header (4 bytes) runs past the end of the bundle ({} bytes)",
                b.len()
            ),
        });
    };
    let name_start = at + 4;
    let key_start = name_start + name_len;
    let end = key_start + key_len;
    if end > b.len() {
        return Err(BundleError {
            offset: at,
            message: format!(
                "record {index} (name {name_len} bytes, key {key_len} bytes) runs past the \
                 end of the bundle: needs {end} bytes, the bundle has {}",
                b.len()
            ),
        });
    }
    Ok((
        Record {
            offset: at,
            name: &b[name_start..key_start],
            key: &b[key_start..end],
        },
        end,
    ))
}

/// Parses the legacy format strictly (the last record must end at the end of the input).
pub fn parse_legacy(b: &[u8]) -> Result<Vec<Record<'_>>, BundleError> {
    let Some(count) = be16(b, 0) else {
        return Err(BundleError {
            offset: 0,
            message: "too short for a legacy bundle: expected a 2-byte record count".into(),
        });
    };
    let mut at = 2;
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let (r, end) = record(b, at, i, be16)?;
        out.push(r);
        at = end;
    }
    if at != b.len() {
        return Err(BundleError {
            offset: at,
            message: format!(
                "{} bytes after the last of {count} records; expected the bundle to end there",
                b.len() - at
            ),
        });
    }
    Ok(out)
}

/// Parses the offset-table format strictly.
pub fn parse_new(b: &[u8]) -> Result<Vec<Record<'_>>, BundleError> {
    let Some(first) = le32(b, 0) else {
        return Err(BundleError {
            offset: 0,
            message: "too short for a bundle: expected a 4-byte offset table".into(),
        });
    };
    if first == 0 || first % 4 != 0 || first >= b.len() {
        return Err(BundleError {
            offset: 0,
            message: format!(
                "first offset {first} is not a multiple of 4 inside the bundle ({} bytes); \
                 expected 4 x record count",
                b.len()
            ),
        });
    }
    let count = first / 4;
    let mut out = Vec::with_capacity(count);
    let mut expected = first;
    for i in 0..count {
        let off = le32(b, i * 4).unwrap_or(usize::MAX);
        if off != expected {
            let message = if off >= b.len() {
                format!(
                    "offset table entry {i} points past the end (offset {off}, size {})",
                    b.len()
                )
            } else {
                format!(
                    "offset table entry {i} is {off}; expected {expected} (the end of the \
                     previous record)"
                )
            };
            return Err(BundleError {
                offset: i * 4,
                message,
            });
        }
        let (r, end) = record(b, off, i, le16)?;
        out.push(r);
        expected = end;
    }
    if expected != b.len() {
        return Err(BundleError {
            offset: expected,
            message: format!(
                "{} bytes after the last of {count} records; expected the bundle to end there",
                b.len() - expected
            ),
        });
    }
    Ok(out)
}

/// Detects and parses a bundle. `Ok(None)` when the bytes look like neither format;
/// `Err` when they look like a bundle but are damaged.
pub fn parse(b: &[u8]) -> Result<Option<(Format, Vec<Record<'_>>)>, BundleError> {
    if b.len() < 6 {
        return Ok(None);
    }
    let new = parse_new(b);
    if let Ok(r) = new {
        return Ok(Some((Format::EspBundle, r)));
    }
    let legacy = parse_legacy(b);
    if let Ok(r) = legacy {
        return Ok(Some((Format::EspBundleLegacy, r)));
    }
    // Which one does it resemble? A new-format file starts `4N, 0, 0` little-endian; a
    // legacy one with a small big-endian count and a record starting with a Name SEQUENCE.
    let first = le32(b, 0).unwrap_or(0);
    let looks_new = first % 4 == 0 && first >= 4 && b.get(2..4) == Some(&[0, 0]);
    let looks_legacy = b.get(6) == Some(&0x30) && be16(b, 0).is_some_and(|n| n > 0 && n < 4096);
    if looks_new {
        new.map(|r| Some((Format::EspBundle, r)))
    } else if looks_legacy {
        legacy.map(|r| Some((Format::EspBundleLegacy, r)))
    } else {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_exclusive_on_small_examples() {
        // One record: name 30 00, key 30 00.
        let legacy = [0u8, 1, 0, 2, 0, 2, 0x30, 0, 0x30, 0];
        let new = [4u8, 0, 0, 0, 2, 0, 2, 0, 0x30, 0, 0x30, 0];
        assert!(matches!(
            parse(&legacy),
            Ok(Some((Format::EspBundleLegacy, _)))
        ));
        assert!(matches!(parse(&new), Ok(Some((Format::EspBundle, _)))));
        assert!(parse_new(&legacy).is_err());
        assert!(parse_legacy(&new).is_err());
    }

    #[test]
    fn damaged_tables_are_reported() {
        let bad = [4u8, 0, 0, 0, 200, 0, 2, 0, 0x30, 0, 0x30, 0];
        let e = parse(&bad);
        assert!(
            matches!(e, Err(BundleError { offset: 4, ref message }) if message.contains("record 0")),
            "{e:?}"
        );
        let bad = [8u8, 0, 0, 0, 16, 0, 0, 0, 2, 0, 2, 0, 0x30, 0, 0x30, 0];
        let e = parse(&bad);
        assert!(
            matches!(e, Err(BundleError { offset: 16, ref message }) if message.contains("record 1 header")),
            "{e:?}"
        );
    }
}
