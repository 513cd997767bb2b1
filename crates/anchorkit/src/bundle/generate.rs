//! Whole-store mode: what ESP-IDF's `gen_crt_bundle.py` does, byte for byte, with a warning
//! wherever the generator silently drops, keeps or fails on something.
//!
//! The generator's rules (`shared/reference/esp-bundle-formats.md` §1.1), reproduced here:
//! - inputs are read in order; a name must end in `.pem` or `.der` (case-sensitive), anything
//!   else is ignored;
//! - a `.pem` file is read as UTF-8 text with universal newlines and scanned line by line: a
//!   certificate starts at a line that is exactly `-----BEGIN CERTIFICATE-----` and ends at a
//!   line that is exactly `-----END CERTIFICATE-----` *with its newline*, so a final END line
//!   without a newline loses that certificate; text between blocks is ignored;
//! - a `.der` file holds exactly one certificate;
//! - the filter CSV applies only to an input whose file name is `cacrt_all.pem`: its first row
//!   is skipped, the second column of every other row is a name, and a certificate is kept
//!   when the line above a `====` underline equals a name (only the first certificate after
//!   each underline can be kept); names that match nothing are skipped silently;
//! - the writer sorts by subject bytes (stably) and keeps duplicates.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use serde::Serialize;

use crate::anchor::TrustAnchor;
use crate::cert::Certificate;
use crate::intake::{Format, IntakeError, Location, Origin};
use crate::store::Store;

/// The common-CA list of ESP-IDF's `cmn_crt_authorities.csv` (owner, certificate name),
/// carried as facts; `--filter common` uses it and never reads the CSV at run time.
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

/// ESP-IDF's default `CONFIG_MBEDTLS_CERTIFICATE_BUNDLE_MAX_CERTS` (and the v5.4+ generator's
/// default `--max-certs`).
pub const DEFAULT_MAX_CERTS: usize = 200;

/// Which certificates of a `cacrt_all.pem` input the filter keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// No filter.
    None,
    /// Certificate names to keep (the CSV's second column), exactly as written.
    Names(BTreeSet<String>),
}

impl Filter {
    /// The embedded common-CA list ([`COMMON_CAS`]).
    pub fn common() -> Filter {
        Filter::Names(COMMON_CAS.iter().map(|(_, n)| (*n).to_string()).collect())
    }

    /// Reads a filter CSV in `cmn_crt_authorities.csv` format: a header row, then
    /// `Owner,Name` rows. Rows the generator would crash on (empty rows, rows with one column,
    /// an unterminated quote, no header) are errors naming the line.
    pub fn from_csv(source: &str, text: &str) -> Result<Filter, IntakeError> {
        let text = universal_newlines(text);
        // A final newline ends the last row; it does not make an empty one.
        let body = text.strip_suffix('\n').unwrap_or(&text);
        if body.is_empty() {
            return Err(IntakeError::new(
                source,
                Location::Whole,
                "empty filter CSV; expected a header row, then Owner,Name rows",
            ));
        }
        let mut names = BTreeSet::new();
        // The first row is the header, skipped whatever it says.
        for (k, line) in body.split('\n').enumerate().skip(1) {
            let at = Location::Line(k + 1);
            if line.is_empty() {
                return Err(IntakeError::new(
                    source,
                    at,
                    "empty row; expected Owner,Name (ESP-IDF's generator fails on it too)",
                ));
            }
            let fields = split_csv(line).ok_or_else(|| {
                IntakeError::new(
                    source,
                    at.clone(),
                    "unterminated quoted field; expected Owner,Name",
                )
            })?;
            let Some(n) = fields.get(1) else {
                return Err(IntakeError::new(
                    source,
                    at,
                    format!(
                        "expected two columns 'Owner,Common Name or Certificate Name', found {line:?} (ESP-IDF's generator fails on it too)"
                    ),
                ));
            };
            names.insert(n.clone());
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

/// Python's universal newlines: `\r\n` and `\r` read as `\n`.
fn universal_newlines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// One CSV row as Python's `csv.reader` reads it (comma, double quotes, `""` escapes, no space
/// skipping); `None` for an unterminated quote.
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

/// Something ESP-IDF's generator does silently (or fails on) that the user should know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum GenWarning {
    /// The input's name does not end in `.pem` or `.der`; the generator ignores it.
    IgnoredInput {
        /// The input.
        file: String,
    },
    /// The last END line has no newline; the generator drops that certificate.
    FinalEndWithoutNewline {
        /// The input.
        file: String,
        /// Line of the END line.
        line: usize,
    },
    /// A line that looks like a BEGIN line but is not exactly one (spaces, a BOM, another
    /// label); the generator skips that certificate.
    InexactBeginLine {
        /// The input.
        file: String,
        /// The line.
        line: usize,
    },
    /// A PEM input without any certificate the generator reads (an error up to v5.4).
    NoCertificate {
        /// The input.
        file: String,
    },
    /// A certificate of `cacrt_all.pem` that is not the first after a `====` heading; the
    /// filter never keeps it.
    NoHeading {
        /// The input.
        file: String,
        /// Line of its BEGIN line.
        line: usize,
    },
    /// A filter name that matches no heading; the generator skips it silently.
    UnmatchedFilterName {
        /// The name.
        name: String,
    },
    /// A filter was given but no input is named `cacrt_all.pem`, so it filters nothing.
    FilterUnused,
    /// The same subject twice: both are written, the device's lookup finds only one.
    DuplicateSubject {
        /// The subject.
        subject: String,
        /// Whether the keys are equal too (harmless) or differ (one key is never tried).
        same_key: bool,
    },
    /// Further warnings of kinds already listed, counted rather than repeated.
    More {
        /// How many.
        count: usize,
    },
    /// More certificates than ESP-IDF accepts by default.
    TooMany {
        /// How many.
        count: usize,
        /// The limit.
        max: usize,
        /// Whether the target is the legacy format.
        legacy: bool,
    },
}

impl fmt::Display for GenWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GenWarning::IgnoredInput { file } => write!(
                f,
                "{file}: not a .pem or .der name; ESP-IDF's generator ignores it silently (ignored here too)"
            ),
            GenWarning::FinalEndWithoutNewline { file, line } => write!(
                f,
                "{file}:{line}: the last END CERTIFICATE line has no newline; ESP-IDF's generator drops that certificate silently (dropped here too; add a newline to keep it)"
            ),
            GenWarning::InexactBeginLine { file, line } => write!(
                f,
                "{file}:{line}: not exactly '-----BEGIN CERTIFICATE-----' (spaces, a byte-order mark or another label); ESP-IDF's generator skips this certificate (skipped here too)"
            ),
            GenWarning::NoCertificate { file } => write!(
                f,
                "{file}: no certificate; ESP-IDF up to v5.4 stops with 'No certificate found', v5.5+ accepts it"
            ),
            GenWarning::NoHeading { file, line } => write!(
                f,
                "{file}:{line}: this certificate is not the first under a '====' heading, so the filter never keeps it (as in ESP-IDF)"
            ),
            GenWarning::UnmatchedFilterName { name } => write!(
                f,
                "filter name '{name}' matches no heading in cacrt_all.pem; ESP-IDF skips it silently"
            ),
            GenWarning::FilterUnused => write!(
                f,
                "the filter applies only to an input named cacrt_all.pem (as in ESP-IDF); no input has that name, so nothing was filtered"
            ),
            GenWarning::DuplicateSubject { subject, same_key } => {
                if *same_key {
                    write!(
                        f,
                        "'{subject}' appears twice with the same key; both records are written (ESP-IDF does not de-duplicate)"
                    )
                } else {
                    write!(
                        f,
                        "'{subject}' appears twice with different keys; both are written, but the device's binary search only ever tries one of them"
                    )
                }
            }
            GenWarning::More { count } => write!(
                f,
                "... and {count} more warnings of the kinds above (the first {MAX_PER_KIND} of each kind are listed)"
            ),
            GenWarning::TooMany { count, max, legacy } => {
                if *legacy {
                    write!(
                        f,
                        "{count} certificates: ESP-IDF v4.3.4+ rejects a bundle of more than CONFIG_MBEDTLS_CERTIFICATE_BUNDLE_MAX_CERTS ({max}) at run time"
                    )
                } else {
                    write!(
                        f,
                        "{count} certificates: ESP-IDF v5.4+'s generator refuses more than --max-certs ({max}), and the device rejects the bundle unless CONFIG_MBEDTLS_CERTIFICATE_BUNDLE_MAX_CERTS is raised"
                    )
                }
            }
        }
    }
}

/// The result of whole-store mode.
#[derive(Debug, Clone, Default)]
pub struct Generated {
    /// Anchors in generator input order (the ESP writers sort them).
    pub anchors: Vec<TrustAnchor>,
    /// Owners, parallel to `anchors`.
    pub owners: Vec<Option<String>>,
    /// What ESP-IDF's generator would do silently.
    pub warnings: Vec<GenWarning>,
}

/// Warnings listed per kind at most; the rest are counted (one input can otherwise yield a
/// warning per line).
pub const MAX_PER_KIND: usize = 10;

impl Generated {
    /// Keeps the first `MAX_PER_KIND` warnings of each kind and counts the rest in one
    /// `More` warning.
    pub fn compact_warnings(&mut self) {
        let mut seen: Vec<(std::mem::Discriminant<GenWarning>, usize)> = Vec::new();
        let mut dropped = 0;
        let mut kept = Vec::new();
        for w in self.warnings.drain(..) {
            let d = std::mem::discriminant(&w);
            let n = match seen.iter_mut().find(|(k, _)| *k == d) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    seen.push((d, 1));
                    1
                }
            };
            if n <= MAX_PER_KIND {
                kept.push(w);
            } else {
                dropped += 1;
            }
        }
        if dropped > 0 {
            kept.push(GenWarning::More { count: dropped });
        }
        self.warnings = kept;
    }

    /// Adds the count warning for the target format.
    pub fn check_count(&mut self, legacy: bool) {
        if self.anchors.len() > DEFAULT_MAX_CERTS {
            self.warnings.push(GenWarning::TooMany {
                count: self.anchors.len(),
                max: DEFAULT_MAX_CERTS,
                legacy,
            });
        }
    }
}

/// Python's `str.splitlines(True)`: lines with their terminators, on every line boundary
/// Python knows.
fn split_lines_keep(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if matches!(
            c,
            '\n' | '\x0b' | '\x0c' | '\x1c' | '\x1d' | '\x1e' | '\u{85}' | '\u{2028}' | '\u{2029}'
        ) {
            let end = i + c.len_utf8();
            out.push(&text[start..end]);
            start = end;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

const BEGIN: &str = "-----BEGIN CERTIFICATE-----\n";
const END: &str = "-----END CERTIFICATE-----\n";

/// A certificate as the line scanner found it.
struct Scanned {
    cert: Certificate,
    /// 1-based line of its BEGIN line in the original file.
    line: usize,
}

/// `add_from_pem`: the exact-line scanner. `line_of` maps a 1-based line of `text` to the line
/// in the original file.
fn scan_pem(
    file: &str,
    text: &str,
    line_of: &dyn Fn(usize) -> usize,
    warnings: &mut Vec<GenWarning>,
) -> Result<Vec<Scanned>, IntakeError> {
    let mut out = Vec::new();
    let mut block = String::new();
    let mut start: Option<usize> = None;
    let lines = split_lines_keep(text);
    for (i, l) in lines.iter().enumerate() {
        let n = i + 1;
        if *l == BEGIN && start.is_none() {
            block.clear();
            start = Some(n);
        } else if *l == END && start.is_some() {
            block.push_str(l);
            let begin = start.take().unwrap_or(n);
            let der = pem::parse(block.as_bytes())
                .map_err(|e| e.to_string())
                .and_then(|p| {
                    if p.tag() == "CERTIFICATE" {
                        Ok(p.into_contents())
                    } else {
                        Err(format!("PEM label {}", p.tag()))
                    }
                })
                .map_err(|e| {
                    IntakeError::new(
                        file,
                        Location::Line(line_of(begin)),
                        format!(
                            "invalid certificate ({e}); ESP-IDF's generator stops with 'Invalid certificate'"
                        ),
                    )
                })?;
            let cert = Certificate::from_der(&der).map_err(|e| {
                IntakeError::new(
                    file,
                    Location::Line(line_of(begin)),
                    format!(
                        "invalid certificate ({e}); ESP-IDF's generator stops with 'Invalid certificate'"
                    ),
                )
            })?;
            out.push(Scanned {
                cert,
                line: line_of(begin),
            });
            continue;
        } else if start.is_some() && *l == BEGIN {
            return Err(IntakeError::new(
                file,
                Location::Line(line_of(n)),
                "a BEGIN CERTIFICATE line inside a certificate; ESP-IDF's generator stops with 'Invalid certificate'",
            ));
        } else if start.is_none() && l.contains("BEGIN CERTIFICATE") {
            warnings.push(GenWarning::InexactBeginLine {
                file: file.to_string(),
                line: line_of(n),
            });
        } else if start.is_some() && i + 1 == lines.len() && l.trim_end() == END.trim_end() {
            warnings.push(GenWarning::FinalEndWithoutNewline {
                file: file.to_string(),
                line: line_of(n),
            });
        }
        if start.is_some() {
            block.push_str(l);
        }
    }
    Ok(out)
}

/// `(line, byte offset, ends the file without its END newline)` of every exact BEGIN line
/// the scanner would start a certificate at (no decoding).
fn begin_lines(text: &str) -> Vec<(usize, usize, bool)> {
    let lines = split_lines_keep(text);
    let mut out: Vec<(usize, usize, bool)> = Vec::new();
    let mut open = false;
    let mut offset = 0;
    for (i, l) in lines.iter().enumerate() {
        if *l == BEGIN && !open {
            open = true;
            out.push((i + 1, offset, false));
        } else if *l == END && open {
            open = false;
        } else if open && i + 1 == lines.len() && l.trim_end() == END.trim_end() {
            if let Some(last) = out.last_mut() {
                last.2 = true;
            }
        }
        offset += l.len();
    }
    out
}

/// The generator's section pattern for `cacrt_all.pem`: a name line above a `====` underline,
/// through the first `END CERTIFICATE-----` line after it.
static SECTION: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?m)(^.+?)\n(=+\n[\s\S]+?END CERTIFICATE-----\n)").ok());

/// The `(name, byte range of the certificate text)` sections of `cacrt_all.pem`, found as the
/// generator's `re.findall` finds them (MULTILINE, leftmost-first, non-overlapping).
fn headed_sections(text: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let Some(re) = SECTION.as_ref() else {
        return Vec::new();
    };
    re.captures_iter(text)
        .filter_map(|c| Some((c.get(1)?.as_str().to_string(), c.get(2)?.range())))
        .collect()
}

fn line_at(text: &str, offset: usize) -> usize {
    1 + text
        .as_bytes()
        .get(..offset)
        .map_or(0, |b| b.iter().filter(|x| **x == b'\n').count())
}

/// The Mozilla owner of an anchor, else its subject's organization.
fn owner_of(a: &TrustAnchor) -> Option<String> {
    Store::mozilla()
        .by_subject(a.subject_raw())
        .find(|(_, r)| r.anchor.spki_raw() == a.spki_raw())
        .map(|(_, r)| r.owner.clone())
        .or_else(|| a.subject.organization())
}

/// Reads the inputs as the generator does and applies the filter. `inputs` are `(path as
/// given, bytes)`; only the file name decides the `cacrt_all.pem` rule and the extension rule.
pub fn generate(inputs: &[(String, Vec<u8>)], filter: &Filter) -> Result<Generated, IntakeError> {
    let mut g = Generated::default();
    let mut heads_seen: BTreeSet<String> = BTreeSet::new();
    let mut filtered_any = false;
    for (name, bytes) in inputs {
        let base = Path::new(name)
            .file_name()
            .and_then(|f| f.to_str())
            .unwrap_or(name);
        let filtered = base == "cacrt_all.pem" && matches!(filter, Filter::Names(_));
        let mut found: Vec<(Certificate, Origin)> = Vec::new();
        if filtered || base.ends_with(".pem") {
            let raw = std::str::from_utf8(bytes).map_err(|e| {
                IntakeError::new(
                    name,
                    Location::Offset(e.valid_up_to()),
                    "not UTF-8 text; ESP-IDF's generator reads .pem files as UTF-8 and stops",
                )
            })?;
            let text = universal_newlines(raw);
            let origin = |line: usize, index: usize| Origin {
                source: name.clone(),
                format: Format::Pem,
                line: Some(line),
                offset: None,
                index,
            };
            let scanned = if let (true, Filter::Names(names)) = (filtered, filter) {
                filtered_any = true;
                let sections = headed_sections(&text);
                let mut keep = String::new();
                // Map lines of the concatenated kept text back to the file.
                let mut line_map: Vec<usize> = Vec::new();
                for (head, range) in &sections {
                    heads_seen.insert(head.clone());
                    if names.contains(head) {
                        let first = line_at(&text, range.start);
                        let piece = text.get(range.clone()).unwrap_or_default();
                        for (j, _) in piece.split_inclusive('\n').enumerate() {
                            line_map.push(first + j);
                        }
                        keep.push_str(piece);
                    }
                }
                // A certificate outside every section can never be kept: say so when its
                // heading was asked for (only the first certificate under a heading counts).
                for (line, offset, last_without_newline) in begin_lines(&text) {
                    if last_without_newline {
                        g.warnings.push(GenWarning::FinalEndWithoutNewline {
                            file: name.clone(),
                            line,
                        });
                    }
                    if sections.iter().any(|(_, r)| r.contains(&offset)) {
                        continue;
                    }
                    let wanted = sections
                        .iter()
                        .rev()
                        .find(|(_, r)| r.start < offset)
                        .is_some_and(|(h, _)| names.contains(h));
                    if wanted {
                        g.warnings.push(GenWarning::NoHeading {
                            file: name.clone(),
                            line,
                        });
                    }
                }
                let map = |l: usize| line_map.get(l.wrapping_sub(1)).copied().unwrap_or(l);
                scan_pem(name, &keep, &map, &mut g.warnings)?
            } else {
                scan_pem(name, &text, &|l| l, &mut g.warnings)?
            };
            if scanned.is_empty() {
                g.warnings
                    .push(GenWarning::NoCertificate { file: name.clone() });
            }
            for (i, s) in scanned.into_iter().enumerate() {
                found.push((s.cert, origin(s.line, i)));
            }
        } else if base.ends_with(".der") {
            let cert = Certificate::from_der(bytes).map_err(|e| {
                IntakeError::new(
                    name,
                    Location::Whole,
                    format!(
                        "not one DER certificate ({e}); ESP-IDF's generator stops with 'Invalid certificate'"
                    ),
                )
            })?;
            found.push((
                cert,
                Origin {
                    source: name.clone(),
                    format: Format::Der,
                    line: None,
                    offset: Some(0),
                    index: 0,
                },
            ));
        } else {
            g.warnings
                .push(GenWarning::IgnoredInput { file: name.clone() });
        }
        for (cert, origin) in found {
            let a = TrustAnchor::from_cert(cert, origin);
            g.owners.push(owner_of(&a));
            g.anchors.push(a);
        }
    }
    if let Filter::Names(names) = filter {
        if filtered_any {
            for n in names.difference(&heads_seen) {
                g.warnings
                    .push(GenWarning::UnmatchedFilterName { name: n.clone() });
            }
        } else {
            g.warnings.push(GenWarning::FilterUnused);
        }
    }
    duplicate_warnings(&mut g);
    Ok(g)
}

/// The Mozilla store as the generator's input: every root, or (with a filter) those whose
/// ESP-IDF heading or name is listed.
pub fn from_mozilla(filter: &Filter) -> Generated {
    let mut g = Generated::default();
    for r in Store::mozilla().roots() {
        let keep = match filter {
            Filter::None => true,
            Filter::Names(n) => {
                r.esp.as_ref().is_some_and(|e| n.contains(e.name)) || n.contains(&r.name())
            }
        };
        if keep {
            g.anchors.push(r.anchor.clone());
            g.owners.push(Some(r.owner.clone()));
        }
    }
    g
}

/// Warns about repeated subjects.
pub fn duplicate_warnings(g: &mut Generated) {
    g.warnings
        .retain(|w| !matches!(w, GenWarning::DuplicateSubject { .. }));
    let mut by_subject: BTreeMap<&[u8], Vec<&TrustAnchor>> = BTreeMap::new();
    for a in &g.anchors {
        by_subject.entry(a.subject_raw()).or_default().push(a);
    }
    let mut w = Vec::new();
    for list in by_subject.values() {
        if let [first, rest @ ..] = list.as_slice() {
            for other in rest {
                w.push(GenWarning::DuplicateSubject {
                    subject: first.label(),
                    same_key: other.spki_raw() == first.spki_raw(),
                });
            }
        }
    }
    g.warnings.extend(w);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitlines_knows_pythons_boundaries() {
        assert_eq!(split_lines_keep("a\nb\x0cc"), vec!["a\n", "b\x0c", "c"]);
        assert_eq!(split_lines_keep(""), Vec::<&str>::new());
    }

    #[test]
    fn sections_follow_the_generators_regex() {
        let t = "head\nA\n===\nx\nEND CERTIFICATE-----\nB\n==\nEND CERTIFICATE-----\nEND CERTIFICATE-----\nC\n=\n";
        let s = headed_sections(t);
        let names: Vec<&str> = s.iter().map(|(n, _)| n.as_str()).collect();
        // B's body must hold one character before END: the first END is the body, the second
        // ends it.
        assert_eq!(names, vec!["A", "B"]);
        assert_eq!(&t[s[0].1.clone()], "===\nx\nEND CERTIFICATE-----\n");
        assert_eq!(
            &t[s[1].1.clone()],
            "==\nEND CERTIFICATE-----\nEND CERTIFICATE-----\n"
        );
    }

    #[test]
    fn csv_rows_as_python_reads_them() {
        assert_eq!(
            split_csv("\"Sectigo, Inc\",\"A \"\"B\"\"\""),
            Some(vec!["Sectigo, Inc".into(), "A \"B\"".into()])
        );
        assert_eq!(split_csv("a,\"b"), None);
        let Ok(Filter::Names(n)) = Filter::from_csv("f", "Owner,Name\r\nX,One\r\nY, Two\r\n")
        else {
            panic!("parses")
        };
        assert!(n.contains("One") && n.contains(" Two"));
    }
}
