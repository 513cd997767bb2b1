//! Certificate fingerprints used as pins: `client.setFingerprint("AA:BB:...")` (the ESP8266
//! core's BearSSL client checks only the leaf's SHA-1 or SHA-256 fingerprint), a
//! `fingerprint[] = "..."` string, a 20- or 32-byte `uint8_t fp[] = {0x..}` array, or the
//! `SHA1 Fingerprint=...` line `openssl x509 -fingerprint` prints. A pin is an input kind of its
//! own: it names one certificate and breaks when that certificate is replaced (a leaf at every
//! renewal).

use std::sync::OnceLock;

use regex::Regex;
use serde::Serialize;

use crate::cert::Certificate;
use crate::origin::{Format, Origin};

/// The digest of a pin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PinAlg {
    /// SHA-1 (20 bytes).
    Sha1,
    /// SHA-256 (32 bytes).
    Sha256,
}

impl PinAlg {
    /// `SHA-1` or `SHA-256`.
    pub fn name(self) -> &'static str {
        match self {
            PinAlg::Sha1 => "SHA-1",
            PinAlg::Sha256 => "SHA-256",
        }
    }
}

/// One fingerprint pin found in an input.
#[derive(Debug, Clone, Serialize)]
pub struct Pin {
    /// Its digest.
    pub alg: PinAlg,
    /// The fingerprint, colon hex (upper case).
    pub hex: String,
    /// The bytes.
    #[serde(skip)]
    pub bytes: Vec<u8>,
    /// Where it was found.
    pub origin: Origin,
    /// How it is written (`setFingerprint`, `fingerprint string`, `byte array`,
    /// `openssl -fingerprint`).
    pub form: String,
}

impl Pin {
    /// Whether `c` is the certificate pinned.
    pub fn matches(&self, c: &Certificate) -> bool {
        match self.alg {
            PinAlg::Sha1 => c.sha1()[..] == self.bytes[..],
            PinAlg::Sha256 => c.sha256()[..] == self.bytes[..],
        }
    }
}

fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    let digits: String = s
        .chars()
        .filter(|c| !matches!(c, ':' | ' ' | '-'))
        .collect();
    if !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let b = hex::decode(&digits).ok()?;
    matches!(b.len(), 20 | 32).then_some(b)
}

fn res() -> Option<&'static [Regex; 4]> {
    static R: OnceLock<Option<[Regex; 4]>> = OnceLock::new();
    R.get_or_init(|| {
        let hex = r"[0-9A-Fa-f]{2}(?:[: -]?[0-9A-Fa-f]{2}){19}(?:(?:[: -]?[0-9A-Fa-f]{2}){12})?";
        let mk = |p: &str| Regex::new(p).ok();
        Some([
            // setFingerprint("..") / setFingerprint(fp) handled by the string rule with context.
            mk(&format!(r#"["']({hex})["']"#))?,
            // openssl x509 -noout -fingerprint: "SHA1 Fingerprint=AA:BB:..."
            mk(&format!(r"(?i)\b(sha-?1|sha-?256)\s+fingerprint\s*=\s*({hex})"))?,
            // A byte array whose name says fingerprint.
            mk(r"(?is)\b(\w*(?:finger|fp|thumb|sha1|sha256|pin)\w*)\s*\[\s*\d*\s*\]\s*(?:PROGMEM\s*)?=\s*\{([^}]{0,400})\}")?,
            // Words that make a hex string a fingerprint.
            mk(r"(?i)finger|\bfp\b|\bfp_|_fp\b|thumb|sha-?1|sha-?256|\bpin")?,
        ])
    })
    .as_ref()
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The fingerprint pins in `text` (`source` names it in origins).
pub fn scan(source: &str, text: &str) -> Vec<Pin> {
    let Some([string, openssl, array, context]) = res() else {
        return Vec::new();
    };
    let mut out: Vec<Pin> = Vec::new();
    let push = |bytes: Vec<u8>, line: usize, form: &str, out: &mut Vec<Pin>| {
        if out
            .iter()
            .any(|p| p.bytes == bytes && p.origin.line == Some(line))
        {
            return;
        }
        let alg = if bytes.len() == 20 {
            PinAlg::Sha1
        } else {
            PinAlg::Sha256
        };
        out.push(Pin {
            alg,
            hex: crate::cert::colon_hex(&bytes),
            bytes,
            origin: Origin {
                source: source.to_string(),
                format: Format::Fingerprint,
                line: Some(line),
                offset: None,
                index: out.len(),
            },
            form: form.into(),
        });
    };
    for m in openssl.captures_iter(text) {
        if let (Some(all), Some(h)) = (m.get(0), m.get(2)) {
            if let Some(b) = hex_bytes(h.as_str()) {
                push(
                    b,
                    line_of(text, all.start()),
                    "openssl -fingerprint",
                    &mut out,
                );
            }
        }
    }
    let lines: Vec<&str> = text.split('\n').collect();
    for m in string.captures_iter(text) {
        let (Some(all), Some(h)) = (m.get(0), m.get(1)) else {
            continue;
        };
        let line = line_of(text, all.start());
        let here = lines.get(line - 1).copied().unwrap_or("");
        let before = if line >= 2 {
            lines.get(line - 2).copied().unwrap_or("")
        } else {
            ""
        };
        if !(context.is_match(here) || context.is_match(before)) {
            continue;
        }
        if let Some(b) = hex_bytes(h.as_str()) {
            let form = if here.contains("setFingerprint") {
                "setFingerprint"
            } else {
                "fingerprint string"
            };
            push(b, line, form, &mut out);
        }
    }
    for m in array.captures_iter(text) {
        let (Some(all), Some(body)) = (m.get(0), m.get(2)) else {
            continue;
        };
        let mut bytes = Vec::new();
        let mut ok = true;
        for tok in body.as_str().split(',') {
            let t = tok.trim();
            if t.is_empty() {
                continue;
            }
            let v = t
                .strip_prefix("0x")
                .or_else(|| t.strip_prefix("0X"))
                .map_or_else(
                    || t.parse::<u16>().ok(),
                    |h| u16::from_str_radix(h, 16).ok(),
                );
            match v.and_then(|v| u8::try_from(v).ok()) {
                Some(b) => bytes.push(b),
                None => {
                    ok = false;
                    break;
                }
            }
        }
        if ok && matches!(bytes.len(), 20 | 32) {
            push(bytes, line_of(text, all.start()), "byte array", &mut out);
        }
    }
    out.sort_by_key(|p| p.origin.line);
    for (i, p) in out.iter_mut().enumerate() {
        p.origin.index = i;
    }
    out
}

/// The pins of a file (text files only; a directory's files; nothing for binary input).
pub fn scan_path(path: &std::path::Path) -> Vec<Pin> {
    let name = path.display().to_string();
    if path.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(path)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        return files.iter().flat_map(|f| scan_path(f)).collect();
    }
    let Ok(m) = std::fs::metadata(path) else {
        return Vec::new();
    };
    if !m.is_file() || m.len() > super::MAX_INPUT_BYTES {
        return Vec::new();
    }
    match std::fs::read(path) {
        Ok(b) => match std::str::from_utf8(&b) {
            Ok(t) => scan(&name, t),
            Err(_) => Vec::new(),
        },
        Err(_) => Vec::new(),
    }
}

/// The stack a pinning sketch is written for, from its includes and classes: the profile name
/// and the reason in words (`uses the ESP8266 core's BearSSL client`).
pub fn stack_of(text: &str) -> Option<(&'static str, &'static str)> {
    if text.contains("BearSSL") || text.contains("ESP8266") {
        Some(("bearssl", "uses the ESP8266 core's BearSSL client"))
    } else if text.contains("WiFiClientSecure") {
        Some(("arduino-esp32-3", "uses Arduino-ESP32's WiFiClientSecure"))
    } else {
        None
    }
}

/// The certificate a pin names, among `certs` (the input's own, given ones, the compiled-in
/// public CA certificates and the Mozilla roots).
pub fn identify<'a>(
    pin: &Pin,
    certs: impl IntoIterator<Item = &'a Certificate>,
) -> Option<Certificate> {
    certs
        .into_iter()
        .find(|c| pin.matches(c))
        .cloned()
        .or_else(|| {
            crate::store::known::all()
                .iter()
                .map(|k| &k.cert)
                .find(|c| pin.matches(c))
                .cloned()
        })
        .or_else(|| {
            crate::store::Store::mozilla()
                .roots()
                .iter()
                .filter_map(|r| r.anchor.cert.as_ref())
                .find(|c| pin.matches(c))
                .cloned()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_way_a_sketch_writes_a_fingerprint() {
        let sha1 = "A1:B2:C3:D4:E5:F6:07:18:29:3A:4B:5C:6D:7E:8F:90:01:12:23:34";
        let table: &[(&str, Option<(PinAlg, &str)>)] = &[
            (
                "client.setFingerprint(\"A1:B2:C3:D4:E5:F6:07:18:29:3A:4B:5C:6D:7E:8F:90:01:12:23:34\");",
                Some((PinAlg::Sha1, "setFingerprint")),
            ),
            (
                "const char fingerprint[] PROGMEM = \"A1 B2 C3 D4 E5 F6 07 18 29 3A 4B 5C 6D 7E 8F 90 01 12 23 34\";",
                Some((PinAlg::Sha1, "fingerprint string")),
            ),
            (
                "const char* fp = \"a1b2c3d4e5f60718293a4b5c6d7e8f9001122334\";",
                Some((PinAlg::Sha1, "fingerprint string")),
            ),
            (
                "static const uint8_t fp[20] = {0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6, 0x07, 0x18, 0x29, 0x3A,\n 0x4B, 0x5C, 0x6D, 0x7E, 0x8F, 0x90, 0x01, 0x12, 0x23, 0x34};",
                Some((PinAlg::Sha1, "byte array")),
            ),
            (
                "SHA1 Fingerprint=A1:B2:C3:D4:E5:F6:07:18:29:3A:4B:5C:6D:7E:8F:90:01:12:23:34",
                Some((PinAlg::Sha1, "openssl -fingerprint")),
            ),
            (
                "// sha256 pin\nconst char *pin = \"0102030405060708091011121314151617181920212223242526272829303132\";",
                Some((PinAlg::Sha256, "fingerprint string")),
            ),
            // A hex string without a word that makes it a fingerprint: a key, an id.
            (
                "const char* key = \"a1b2c3d4e5f60718293a4b5c6d7e8f9001122334\";",
                None,
            ),
            // 19 bytes is no digest.
            (
                "setFingerprint(\"A1:B2:C3:D4:E5:F6:07:18:29:3A:4B:5C:6D:7E:8F:90:01:12:23\");",
                None,
            ),
        ];
        for (src, want) in table {
            let pins = scan("x.ino", src);
            match want {
                Some((alg, form)) => {
                    assert_eq!(pins.len(), 1, "{src}: {pins:?}");
                    assert_eq!(pins[0].alg, *alg, "{src}");
                    assert_eq!(pins[0].form, *form, "{src}");
                    if *alg == PinAlg::Sha1 {
                        assert_eq!(pins[0].hex, sha1, "{src}");
                    }
                }
                None => assert!(pins.is_empty(), "{src}: {pins:?}"),
            }
        }
    }
}
