//! The ESP8266 Arduino `CertStore` archive (`certs.ar`): a Unix `ar` archive of DER certificates
//! named `ca_000.der`, `ca_001.der`, ... as `certs-from-mozilla.py` builds it with `ar q`.
//! Written as GNU `ar` does in deterministic mode (the Debian default): `name/` padded to 16,
//! mtime, uid and gid 0, mode 644, the decimal size, and a newline pad after odd-sized members,
//! so the bytes equal `ar q certs.ar ca_*.der`.

use super::{FormatError, OutputFormat, cert_of};
use crate::anchor::TrustAnchor;

/// The archive magic.
pub const AR_MAGIC: &[u8] = b"!<arch>\n";

/// Bytes of one member header.
pub const AR_HEADER_BYTES: usize = 60;

/// The archive bytes.
pub fn certstore(anchors: &[TrustAnchor]) -> Result<Vec<u8>, FormatError> {
    let mut out = AR_MAGIC.to_vec();
    for (i, a) in anchors.iter().enumerate() {
        let der = cert_of(a, OutputFormat::Esp8266Certstore)?.der();
        let name = format!("ca_{i:03}.der/");
        if name.len() > 16 || der.len() > 9_999_999_999 {
            return Err(FormatError::TooLarge {
                anchor: a.label(),
                what: "archive member",
                len: der.len(),
            });
        }
        let header = format!(
            "{name:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n",
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
