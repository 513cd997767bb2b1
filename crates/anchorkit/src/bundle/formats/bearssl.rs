//! BearSSL trust anchors (`br_x509_trust_anchor`), laid out exactly as `brssl ta` prints them:
//! `TAn_DN` (the encoded subject DN), then `TAn_RSA_N` and `TAn_RSA_E` (unsigned big-endian,
//! leading zeros dropped) or `TAn_EC_Q` (the uncompressed point), twelve `0x%02X` bytes a line,
//! then the `TAs` table (`BR_X509_TA_CA` only when basicConstraints says cA) and `TAs_NUM`.
//! A comment naming the anchors and a guarded `#include <bearssl.h>` come first, so the file
//! compiles on its own; everything after them is byte-for-byte `brssl ta` output.

use std::fmt::Write as _;

use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

use super::{FormatError, describe, owner_at};
use crate::anchor::TrustAnchor;
use crate::cert::{Curve, KeyKind};

/// `sizeof(br_x509_trust_anchor)` on the 32-bit targets BearSSL runs on (ESP8266): DN pointer
/// and length, flags, key type, and the RSA member of the key union (two pointers, two lengths).
pub const BEARSSL_TA_STRUCT_BYTES: usize = 32;

/// The key as BearSSL stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BearsslKey {
    /// RSA modulus and exponent, unsigned big-endian without leading zeros.
    Rsa {
        /// Modulus.
        n: Vec<u8>,
        /// Public exponent.
        e: Vec<u8>,
    },
    /// EC curve symbol and public point.
    Ec {
        /// `BR_EC_secp256r1`, ...
        curve: &'static str,
        /// The point as in the SPKI BIT STRING.
        q: Vec<u8>,
    },
}

impl BearsslKey {
    /// Bytes of the key arrays.
    pub fn key_bytes(&self) -> usize {
        match self {
            BearsslKey::Rsa { n, e } => n.len() + e.len(),
            BearsslKey::Ec { q, .. } => q.len(),
        }
    }
}

fn unsigned(b: &[u8]) -> Vec<u8> {
    let zeros = b.iter().take_while(|x| **x == 0).count();
    b.get(zeros..).unwrap_or_default().to_vec()
}

/// The anchor's key in BearSSL form, or why BearSSL cannot hold it.
pub fn bearssl_key(a: &TrustAnchor) -> Result<BearsslKey, FormatError> {
    let unsupported = |what: String| FormatError::Unsupported {
        anchor: a.label(),
        what,
    };
    let (_, spki) = SubjectPublicKeyInfo::from_der(a.spki_raw())
        .map_err(|e| unsupported(format!("public key does not parse: {e}")))?;
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => Ok(BearsslKey::Rsa {
            n: unsigned(rsa.modulus),
            e: unsigned(rsa.exponent),
        }),
        Ok(PublicKey::EC(point)) => {
            let curve = match &a.key {
                KeyKind::Ec { curve: Curve::P256 } => "BR_EC_secp256r1",
                KeyKind::Ec { curve: Curve::P384 } => "BR_EC_secp384r1",
                KeyKind::Ec { curve: Curve::P521 } => "BR_EC_secp521r1",
                other => {
                    return Err(unsupported(format!(
                        "BearSSL's X.509 decoder has no {} keys",
                        other.describe()
                    )));
                }
            };
            Ok(BearsslKey::Ec {
                curve,
                q: point.data().to_vec(),
            })
        }
        _ => Err(unsupported(format!(
            "BearSSL has no {} keys (RSA and EC only)",
            a.key.describe()
        ))),
    }
}

/// `print_blob` of `brssl ta`: a blank line, the declaration, `0x%02X` bytes twelve a line.
fn blob(s: &mut String, name: &str, bytes: &[u8]) {
    let _ = write!(s, "\nstatic const unsigned char {name}[] = {{");
    for (i, b) in bytes.iter().enumerate() {
        if i != 0 {
            s.push(',');
        }
        s.push_str(if i % 12 == 0 { "\n\t" } else { " " });
        let _ = write!(s, "0x{b:02X}");
    }
    s.push_str("\n};\n");
}

/// What `brssl ta` prints for these anchors (no comment, no include).
pub fn brssl_ta_body(anchors: &[TrustAnchor]) -> Result<String, FormatError> {
    let keys: Vec<BearsslKey> = anchors.iter().map(bearssl_key).collect::<Result<_, _>>()?;
    let mut s = String::new();
    for (i, (a, k)) in anchors.iter().zip(&keys).enumerate() {
        blob(&mut s, &format!("TA{i}_DN"), a.subject_raw());
        match k {
            BearsslKey::Rsa { n, e } => {
                blob(&mut s, &format!("TA{i}_RSA_N"), n);
                blob(&mut s, &format!("TA{i}_RSA_E"), e);
            }
            BearsslKey::Ec { q, .. } => blob(&mut s, &format!("TA{i}_EC_Q"), q),
        }
    }
    let _ = write!(
        s,
        "\nstatic const br_x509_trust_anchor TAs[{}] = {{",
        anchors.len()
    );
    for (i, (a, k)) in anchors.iter().zip(&keys).enumerate() {
        if i != 0 {
            s.push(',');
        }
        s.push('\n');
        // A bundle record has no certificate; it can only have come from a CA.
        let ca = a.cert.as_ref().is_none_or(|c| c.is_ca());
        let _ = write!(
            s,
            "\t{{\n\t\t(unsigned char *)TA{i}_DN, sizeof TA{i}_DN,\n\t\t{},\n\t\t{{\n",
            if ca { "BR_X509_TA_CA" } else { "0" }
        );
        match k {
            BearsslKey::Rsa { .. } => {
                let _ = write!(
                    s,
                    "\t\t\tBR_KEYTYPE_RSA,\n\t\t\t{{ .rsa = {{\n\t\t\t\t(unsigned char *)TA{i}_RSA_N, sizeof TA{i}_RSA_N,\n\t\t\t\t(unsigned char *)TA{i}_RSA_E, sizeof TA{i}_RSA_E,\n\t\t\t}} }}\n"
                );
            }
            BearsslKey::Ec { curve, .. } => {
                let _ = write!(
                    s,
                    "\t\t\tBR_KEYTYPE_EC,\n\t\t\t{{ .ec = {{\n\t\t\t\t{curve},\n\t\t\t\t(unsigned char *)TA{i}_EC_Q, sizeof TA{i}_EC_Q,\n\t\t\t}} }}\n"
                );
            }
        }
        s.push_str("\t\t}\n\t}");
    }
    s.push_str("\n};\n");
    let _ = writeln!(s, "\n#define TAs_NUM   {}", anchors.len());
    Ok(s)
}

/// The C source: a comment naming the anchors, a guarded include, then [`brssl_ta_body`].
pub fn bearssl(anchors: &[TrustAnchor], owners: &[Option<String>]) -> Result<String, FormatError> {
    let body = brssl_ta_body(anchors)?;
    let mut s = format!(
        "/* {} BearSSL trust anchor(s) (br_x509_trust_anchor, as `brssl ta` prints them), generated by anchorkit:\n",
        anchors.len()
    );
    for (i, a) in anchors.iter().enumerate() {
        let _ = writeln!(s, " *   TA{i}: {}", describe(a, owner_at(owners, i)));
    }
    s.push_str(" */\n#ifndef BR_BEARSSL_H__\n#include <bearssl.h>\n#endif\n");
    s.push_str(&body);
    Ok(s)
}
