//! A line-aware PEM scanner.
//!
//! The `pem` crate decodes well-formed files; firmware developers paste PEM into forums, C
//! strings and config files, with text around it, CRLF line ends, a missing final newline and
//! the occasional broken line. This scanner finds every `-----BEGIN X-----` ... `-----END X-----`
//! block, remembers the line it started on, and reports the exact line of a problem.

use base64::Engine;

/// Standard base64 that, like the TLS libraries' decoders (Mbed TLS `mbedtls_base64_decode`,
/// OpenSSL `EVP_DecodeUpdate`), ignores non-zero bits after the last full byte.
const LENIENT: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

/// One decoded PEM block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The label, e.g. `CERTIFICATE`.
    pub label: String,
    /// The decoded bytes.
    pub der: Vec<u8>,
    /// 1-based line of the BEGIN marker, relative to the scanned text.
    pub line: usize,
}

/// A problem in a PEM block, with the 1-based line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockError {
    /// Line of the problem.
    pub line: usize,
    /// What was wrong and what was expected.
    pub message: String,
}

fn marker<'a>(line: &'a str, kind: &str) -> Option<&'a str> {
    let start = line.find(kind)?;
    let rest = &line[start + kind.len()..];
    let end = rest.find("-----")?;
    Some(&rest[..end])
}

/// Scans `text` for PEM blocks. Lines are split on `\n` (a trailing `\r` is ignored).
pub fn scan(text: &str) -> Result<Vec<Block>, BlockError> {
    let mut blocks = Vec::new();
    let mut lines = text.split('\n').enumerate().map(|(i, l)| (i + 1, l));
    while let Some((begin_line, line)) = lines.next() {
        let Some(label) = marker(line, "-----BEGIN ") else {
            continue;
        };
        let label = label.to_string();
        let mut b64 = String::new();
        let mut ended = false;
        for (n, l) in lines.by_ref() {
            if let Some(end_label) = marker(l, "-----END ") {
                if end_label != label {
                    return Err(BlockError {
                        line: n,
                        message: format!(
                            "PEM block '{label}' starting at line {begin_line} ends with \
                             '-----END {end_label}-----'; expected '-----END {label}-----'"
                        ),
                    });
                }
                // Base64 on the END line before the marker (a missing newline).
                if let Some(pos) = l.find("-----END ") {
                    b64.push_str(l[..pos].trim());
                }
                ended = true;
                break;
            }
            if marker(l, "-----BEGIN ").is_some() {
                return Err(BlockError {
                    line: n,
                    message: format!(
                        "PEM block '{label}' starting at line {begin_line} has no END line \
                         before the next BEGIN"
                    ),
                });
            }
            let t = l.trim();
            if t.contains(':') {
                // RFC 1421 headers such as Proc-Type: are not base64.
                continue;
            }
            if let Some(bad) = t
                .chars()
                .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')))
            {
                return Err(BlockError {
                    line: n,
                    message: format!(
                        "invalid character {bad:?} in the base64 of the PEM block starting at \
                         line {begin_line}; expected only A-Z a-z 0-9 + / ="
                    ),
                });
            }
            b64.push_str(t);
        }
        if !ended {
            return Err(BlockError {
                line: begin_line,
                message: format!(
                    "PEM block '{label}' starting at line {begin_line} has no \
                     '-----END {label}-----' line (truncated?)"
                ),
            });
        }
        let der = LENIENT.decode(b64.as_bytes()).map_err(|e| BlockError {
            line: begin_line,
            message: if b64.len() % 4 != 0 {
                format!(
                    "truncated base64 in the PEM block starting at line {begin_line} \
                         ({} characters, not a multiple of 4)",
                    b64.len()
                )
            } else {
                format!("bad base64 in the PEM block starting at line {begin_line}: {e}")
            },
        })?;
        blocks.push(Block {
            label,
            der,
            line: begin_line,
        });
    }
    Ok(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_blocks_with_text_around_and_crlf() {
        let t = "hello\r\n-----BEGIN CERTIFICATE-----\r\nAAEC\r\n-----END CERTIFICATE-----";
        let b = scan(t).unwrap_or_default();
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].der, vec![0, 1, 2]);
        assert_eq!(b[0].line, 2);
    }

    #[test]
    fn ignores_nonzero_trailing_bits_like_the_libraries() {
        // "AAF=" carries 0x00 0x01 and two trailing bits set to 01.
        let b = scan("-----BEGIN CERTIFICATE-----\nAAF=\n-----END CERTIFICATE-----\n")
            .unwrap_or_default();
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].der, vec![0, 1]);
    }

    #[test]
    fn reports_truncation_and_bad_chars() {
        let e = scan("-----BEGIN CERTIFICATE-----\nAAE\n-----END CERTIFICATE-----\n");
        assert!(
            matches!(e, Err(BlockError { line: 1, ref message }) if message.contains("truncated"))
        );
        let e = scan("x\n-----BEGIN CERTIFICATE-----\nAA*C\n-----END CERTIFICATE-----\n");
        assert!(matches!(e, Err(BlockError { line: 3, .. })));
        let e = scan("-----BEGIN CERTIFICATE-----\nAAEC\n");
        assert!(
            matches!(e, Err(BlockError { line: 1, ref message }) if message.contains("no '-----END"))
        );
    }
}
