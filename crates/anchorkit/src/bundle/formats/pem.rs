//! Concatenated PEM, as `cert_pem` and `setCACert` take it.

use super::{FormatError, OutputFormat, cert_of};
use crate::anchor::TrustAnchor;

/// The PEM text of every anchor's certificate, in order.
pub fn pem(anchors: &[TrustAnchor]) -> Result<String, FormatError> {
    let mut s = String::new();
    for a in anchors {
        s.push_str(&cert_of(a, OutputFormat::Pem)?.to_pem());
    }
    Ok(s)
}

/// One PEM block for DER bytes (what [`crate::cert::Certificate::to_pem`] produces).
#[cfg(test)]
pub(crate) fn pem_block(der: &[u8]) -> String {
    crate::pemutil::encode("CERTIFICATE", der)
}
