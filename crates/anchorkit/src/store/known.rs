//! Facts about well-known public intermediates, so that a lone leaf can be placed in its
//! hierarchy without fetching anything: which intermediate issued it (by key identifier) and
//! which root issued that intermediate.
//!
//! The table is generated from the public Let's Encrypt hierarchy by the test
//! `known_intermediates` (`ANCHORKIT_REGEN=1` rewrites it); without that variable the test
//! fails when the table and the certificates disagree.

/// One public intermediate (or cross-signed root) certificate, by its facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownIntermediate {
    /// Subject, one-line form.
    pub subject: &'static str,
    /// Issuer, one-line form.
    pub issuer: &'static str,
    /// subjectKeyIdentifier, lower-case hex.
    pub ski: &'static str,
    /// authorityKeyIdentifier, lower-case hex.
    pub aki: &'static str,
    /// notBefore, seconds since the epoch.
    pub not_before: i64,
    /// notAfter, seconds since the epoch.
    pub not_after: i64,
}

/// Known intermediates whose SKI is `key_id`, newest first.
pub fn by_key_id(key_id: &[u8]) -> Vec<&'static KnownIntermediate> {
    let h = hex::encode(key_id);
    let mut v: Vec<_> = KNOWN_INTERMEDIATES.iter().filter(|k| k.ski == h).collect();
    v.sort_by_key(|k| std::cmp::Reverse(k.not_after));
    v
}

include!("known_table.rs");
