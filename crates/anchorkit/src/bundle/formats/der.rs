//! A directory of DER files, one per certificate, named `NNN-name.der` in order.

use super::{FormatError, OutputFormat, c_ident, cert_of};
use crate::anchor::TrustAnchor;

/// `(file name, DER bytes)` per anchor.
pub fn der_files(anchors: &[TrustAnchor]) -> Result<Vec<(String, Vec<u8>)>, FormatError> {
    anchors
        .iter()
        .enumerate()
        .map(|(i, a)| {
            Ok((
                format!("{i:03}-{}.der", c_ident(&a.label())),
                cert_of(a, OutputFormat::Der)?.der().to_vec(),
            ))
        })
        .collect()
}
