//! Whole-store mode: what ESP-IDF's `gen_crt_bundle.py` does, byte for byte, with warnings
//! where the generator silently drops or keeps something surprising.
//!
//! Rules (`shared/reference/esp-bundle-formats.md` §1.1): inputs in order; a filter CSV applies
//! only to an input whose file name is `cacrt_all.pem`, matching the line above a `====`
//! underline against the CSV's second column (header row skipped); certificates are sorted by
//! subject DER, stably; duplicates are kept.

use std::collections::BTreeSet;
use std::path::Path;

use crate::anchor::TrustAnchor;
use crate::intake::{Found, IntakeError, Location, read_bytes};
use crate::store::Store;

/// The common-CA names (owner, certificate name) of ESP-IDF's `cmn_crt_authorities.csv`,
/// carried as facts.
pub const COMMON_CAS: &[(&str, &str)] = &[
    ("Amazon Trust Services", "Amazon Root CA 1"),
    ("Amazon Trust Services", "Amazon Root CA 2"),
    ("Amazon Trust Services", "Amazon Root CA 3"),
    ("Amazon Trust Services", "Amazon Root CA 4"),
    (
        "Amazon Trust Services",
        "Starfield Services Root Certificate Authority - G2",
    ),
    ("DigiCert", "DigiCert Assured ID Root G2"),
    ("DigiCert", "DigiCert Assured ID Root G3"),
    ("DigiCert", "DigiCert Global Root G2"),
    ("DigiCert", "DigiCert Global Root G3"),
    ("DigiCert", "DigiCert TLS ECC P384 Root G5"),
    ("DigiCert", "DigiCert TLS RSA4096 Root G5"),
    ("DigiCert", "DigiCert Trusted Root G4"),
    ("GlobalSign nv-sa", "GlobalSign Root CA - R6"),
    ("GlobalSign nv-sa", "GlobalSign ECC Root CA - R5"),
    ("GlobalSign nv-sa", "GlobalSign Root CA - R3"),
    ("GlobalSign nv-sa", "GlobalSign Root E46"),
    ("GlobalSign nv-sa", "GlobalSign Root R46"),
    ("GoDaddy", "Go Daddy Root Certificate Authority - G2"),
    ("GoDaddy", "Starfield Class 2 CA"),
    ("GoDaddy", "Starfield Root Certificate Authority - G2"),
    ("Google Trust Services LLC", "GlobalSign ECC Root CA - R4"),
    ("Google Trust Services LLC", "GTS Root R1"),
    ("Google Trust Services LLC", "GTS Root R3"),
    ("Google Trust Services LLC", "GTS Root R4"),
    ("IdenTrust Services, LLC", "IdenTrust Commercial Root CA 1"),
    (
        "IdenTrust Services, LLC",
        "IdenTrust Public Sector Root CA 1",
    ),
    ("Internet Security Research Group", "ISRG Root X1"),
    ("Internet Security Research Group", "ISRG Root X2"),
    ("Sectigo", "Comodo AAA Services root"),
    ("Sectigo", "COMODO ECC Certification Authority"),
    ("Sectigo", "COMODO RSA Certification Authority"),
    ("Sectigo", "Sectigo Public Server Authentication Root E46"),
    ("Sectigo", "Sectigo Public Server Authentication Root R46"),
    ("Sectigo", "USERTrust ECC Certification Authority"),
    ("Sectigo", "USERTrust RSA Certification Authority"),
];

/// Which certificates of ESP-IDF's file the filter keeps.
#[derive(Debug, Clone)]
pub enum Filter {
    /// No filter.
    None,
    /// Certificate names to keep (the CSV's second column).
    Names(BTreeSet<String>),
}

impl Filter {
    /// The embedded common-CA list.
    pub fn common() -> Filter {
        Filter::Names(COMMON_CAS.iter().map(|(_, n)| n.to_string()).collect())
    }

    /// Reads a filter CSV in `cmn_crt_authorities.csv` format.
    pub fn from_csv(source: &str, text: &str) -> Result<Filter, IntakeError> {
        let mut names = BTreeSet::new();
        for (i, line) in text.lines().enumerate().skip(1) {
            if line.trim().is_empty() {
                continue;
            }
            let fields = split_csv(line).ok_or_else(|| {
                IntakeError::new(
                    source,
                    Location::Line(i + 1),
                    "unterminated quoted field; expected Owner,Common Name",
                )
            })?;
            match fields.get(1) {
                Some(n) if !n.is_empty() => {
                    names.insert(n.clone());
                }
                _ => {
                    return Err(IntakeError::new(
                        source,
                        Location::Line(i + 1),
                        format!(
                            "expected two columns 'Owner,Common Name or Certificate Name', found {line:?}"
                        ),
                    ));
                }
            }
        }
        if names.is_empty() {
            return Err(IntakeError::new(
                source,
                Location::Whole,
                "no names in the filter CSV (a header row, then Owner,Name rows)",
            ));
        }
        Ok(Filter::Names(names))
    }
}

/// RFC 4180-style split of one line (double quotes, `""` escapes).
fn split_csv(line: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    if quoted {
        return None;
    }
    out.push(cur);
    Some(out)
}

/// The result of whole-store mode.
#[derive(Debug, Clone)]
pub struct Generated {
    /// Anchors in generator input order (the writer sorts them).
    pub anchors: Vec<TrustAnchor>,
    /// Owners, parallel to `anchors`.
    pub owners: Vec<Option<String>>,
    /// What ESP-IDF's generator would do silently.
    pub warnings: Vec<String>,
}

/// Headings: the line above each `====` underline, with the line of the underline.
fn headings(text: &str) -> Vec<(usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate().skip(1) {
        if !l.is_empty() && l.chars().all(|c| c == '=') {
            out.push((i + 1, lines[i - 1].to_string()));
        }
    }
    out
}

/// Reads the inputs as the generator does and applies the filter.
pub fn generate(inputs: &[(String, Vec<u8>)], filter: &Filter) -> Result<Generated, IntakeError> {
    let mut g = Generated {
        anchors: Vec::new(),
        owners: Vec::new(),
        warnings: Vec::new(),
    };
    let mut matched = BTreeSet::new();
    for (name, bytes) in inputs {
        let found: Vec<Found> = read_bytes(name, bytes)?;
        let text = std::str::from_utf8(bytes).unwrap_or_default();
        if text.ends_with("-----END CERTIFICATE-----") {
            g.warnings.push(format!(
                "{name}: the last certificate's END line has no newline; ESP-IDF's generator drops that certificate silently (included here)"
            ));
        }
        let is_all = Path::new(name).file_name().and_then(|f| f.to_str()) == Some("cacrt_all.pem");
        let heads = headings(text);
        for f in found {
            let heading = f.origin.line.and_then(|l| {
                heads
                    .iter()
                    .rev()
                    .find(|(u, _)| *u < l)
                    .map(|(_, h)| h.clone())
            });
            if let (true, Filter::Names(names)) = (is_all, filter) {
                let keep = heading.as_ref().is_some_and(|h| names.contains(h));
                if !keep {
                    continue;
                }
                if let Some(h) = &heading {
                    matched.insert(h.clone());
                }
            }
            let anchor = f.to_anchor();
            let owner = Store::mozilla()
                .roots()
                .iter()
                .find(|r| {
                    r.anchor.subject_raw() == anchor.subject_raw()
                        && r.anchor.spki_raw() == anchor.spki_raw()
                })
                .map(|r| r.owner.clone())
                .or_else(|| anchor.subject.organization());
            g.anchors.push(anchor);
            g.owners.push(owner);
        }
    }
    if let Filter::Names(names) = filter {
        if inputs.iter().any(|(n, _)| n.ends_with("cacrt_all.pem")) {
            for n in names.difference(&matched) {
                g.warnings.push(format!(
                    "filter name '{n}' matches no certificate heading (ESP-IDF skips it silently)"
                ));
            }
        } else if !inputs.is_empty() {
            g.warnings.push("the filter applies only to an input named cacrt_all.pem (as in ESP-IDF); no input has that name".into());
        }
    }
    let mut seen = BTreeSet::new();
    for a in &g.anchors {
        if !seen.insert(a.subject_raw().to_vec()) {
            g.warnings.push(format!("duplicate subject '{}' kept (ESP-IDF does not de-duplicate; the bundle lookup only ever finds one)", a.label()));
        }
    }
    if g.anchors.len() > 200 {
        g.warnings.push(format!("{} certificates: more than CONFIG_MBEDTLS_CERTIFICATE_BUNDLE_MAX_CERTS (200) rejects at runtime", g.anchors.len()));
    }
    Ok(g)
}
