//! `check --scan`: find the trust material a firmware repository embeds and lint it.
//!
//! Found: certificates in C/C++/Arduino sources and headers, `.pem`/`.crt`/`.cer`/`.der`
//! files, ESP-IDF bundles, the files CMake embeds (`EMBED_TXTFILES` / `EMBED_FILES`),
//! PlatformIO's `board_build.embed_txtfiles` / `embed_files`, and an sdkconfig's
//! `CONFIG_MBEDTLS_CUSTOM_CERTIFICATE_BUNDLE_PATH`. Linted: a leaf or an intermediate used as
//! an anchor, anchors that have expired or expire within the horizon, weak keys, the same
//! certificate twice in one file, and an ESP bundle that no longer holds the same anchors as
//! the PEM beside it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::cert::{KeyKind, format_date};
use crate::intake::{Entry, Format, read_path};

/// Files looked at, at most.
pub const MAX_FILES: usize = 20_000;
/// Bytes per file, at most (larger files are skipped and reported).
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;
/// Directory depth, at most.
pub const MAX_DEPTH: usize = 16;

const SKIP_DIRS: &[&str] = &[
    ".git",
    "target",
    "build",
    "node_modules",
    ".pio",
    "managed_components",
];
const CERT_EXT: &[&str] = &[
    "pem", "crt", "cer", "der", "c", "h", "cpp", "hpp", "cc", "ino", "py", "json", "yaml", "yml",
];

/// Whether a file that did not read looks like trust material all the same (so it is
/// reported, not skipped): a certificate's extension, a file the build embeds, or text that
/// holds a PEM marker or the start of a DER certificate in base64 (`MII`).
fn looks_like_trust(f: &Path, how: &str) -> bool {
    let ext = f
        .extension()
        .and_then(|x| x.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if matches!(ext.as_str(), "pem" | "crt" | "cer" | "der") || how.starts_with("embedded") {
        return true;
    }
    let Ok(b) = std::fs::read(f) else {
        return false;
    };
    let t = String::from_utf8_lossy(&b);
    t.contains("-----BEGIN CERTIFICATE") || t.contains("\"MII") || t.contains("'MII")
}

/// How bad a lint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Note,
    /// Breaks within the horizon.
    Breaks,
    /// Broken now.
    Broken,
}

/// One lint.
#[derive(Debug, Clone, Serialize)]
pub struct Lint {
    /// Severity.
    pub severity: Severity,
    /// `leaf-as-anchor`, `intermediate-as-anchor`, `expired`, `expires`, `weak-key`,
    /// `duplicate`, `bundle-mismatch`, `unreadable`, `fingerprint-pin`.
    pub kind: String,
    /// Where: `file:line` or `file@offset`.
    pub at: String,
    /// The certificate's subject, when one.
    pub subject: Option<String>,
    /// In plain words, with the fix.
    pub text: String,
}

/// What the scan found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Files with trust material (path, how it was found, certificates).
    pub files: Vec<(String, String, usize)>,
    /// Certificates and anchors found.
    pub anchors: usize,
    /// The lints, worst first.
    pub lints: Vec<Lint>,
}

/// A file's format, its anchors' keys and its name, for comparing files in one directory.
type DirEntry = (Format, BTreeSet<Vec<u8>>, String);

fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>, skipped: &mut Vec<Lint>) {
    if depth > MAX_DEPTH || out.len() >= MAX_FILES {
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if p.is_dir() {
            if !SKIP_DIRS.contains(&name) && !name.starts_with('.') {
                walk(&p, depth + 1, out, skipped);
            }
        } else if out.len() < MAX_FILES {
            out.push(p);
        } else {
            skipped.push(Lint {
                severity: Severity::Note,
                kind: "unreadable".into(),
                at: dir.display().to_string(),
                subject: None,
                text: format!("more than {MAX_FILES} files: the rest were not scanned"),
            });
            return;
        }
    }
}

/// Files a build embeds: CMake `EMBED_TXTFILES`/`EMBED_FILES`, PlatformIO
/// `board_build.embed_txtfiles`/`embed_files`, sdkconfig's custom bundle path.
fn embedded(file: &Path, text: &str) -> Vec<PathBuf> {
    let base = file.parent().unwrap_or(Path::new("."));
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let mut out = Vec::new();
    if name == "CMakeLists.txt" || name.ends_with(".cmake") {
        for key in ["EMBED_TXTFILES", "EMBED_FILES"] {
            let mut rest = text;
            while let Some(i) = rest.find(key) {
                rest = &rest[i + key.len()..];
                for w in rest.split_whitespace() {
                    let w = w.trim_matches(|c| c == '"' || c == ')');
                    if w.is_empty() || w.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                        break;
                    }
                    out.push(base.join(w.replace("${CMAKE_CURRENT_LIST_DIR}/", "")));
                    if rest.trim_start().starts_with(')') {
                        break;
                    }
                }
            }
        }
    }
    if name == "platformio.ini" {
        let mut in_list = false;
        for line in text.lines() {
            let l = line.trim();
            if let Some((k, v)) = l.split_once('=') {
                let k = k.trim();
                in_list = k == "board_build.embed_txtfiles" || k == "board_build.embed_files";
                if in_list && !v.trim().is_empty() {
                    out.push(base.join(v.trim()));
                }
            } else if in_list && !l.is_empty() && !l.starts_with('[') && !l.starts_with(';') {
                out.push(base.join(l));
            } else {
                in_list = false;
            }
        }
    }
    if name.starts_with("sdkconfig") {
        for line in text.lines() {
            if let Some(v) = line.strip_prefix("CONFIG_MBEDTLS_CUSTOM_CERTIFICATE_BUNDLE_PATH=") {
                let v = v.trim().trim_matches('"');
                if !v.is_empty() {
                    out.push(base.join(v));
                }
            }
        }
    }
    out
}

/// Scans `dir`; `at` is now and `horizon_end` the end of the horizon.
pub fn scan(dir: &Path, at: i64, horizon_end: i64) -> Result<Report, String> {
    if !dir.is_dir() {
        return Err(format!("{}: not a directory", dir.display()));
    }
    let mut files = Vec::new();
    let mut lints = Vec::new();
    walk(dir, 0, &mut files, &mut lints);
    // Embedded files, whatever their names.
    let mut wanted: BTreeMap<PathBuf, String> = BTreeMap::new();
    for f in &files {
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name == "CMakeLists.txt" || name == "platformio.ini" || name.starts_with("sdkconfig") {
            if let Ok(text) = std::fs::read_to_string(f) {
                for e in embedded(f, &text) {
                    wanted.insert(e, format!("embedded by {}", f.display()));
                }
            }
        }
    }
    for f in &files {
        let ext = f
            .extension()
            .and_then(|x| x.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if CERT_EXT.contains(&ext.as_str()) || name.ends_with("crt_bundle") {
            wanted.entry(f.clone()).or_insert_with(|| "by name".into());
        }
    }
    let mut report_files = Vec::new();
    let mut anchors = 0;
    let mut per_dir: BTreeMap<PathBuf, Vec<DirEntry>> = BTreeMap::new();
    for (f, how) in &wanted {
        let Ok(meta) = std::fs::metadata(f) else {
            if how.starts_with("embedded") {
                lints.push(Lint {
                    severity: Severity::Breaks,
                    kind: "unreadable".into(),
                    at: f.display().to_string(),
                    subject: None,
                    text: format!("{how}, but the file does not exist"),
                });
            }
            continue;
        };
        if meta.len() > MAX_FILE_BYTES {
            lints.push(Lint {
                severity: Severity::Note,
                kind: "unreadable".into(),
                at: f.display().to_string(),
                subject: None,
                text: format!("larger than {MAX_FILE_BYTES} bytes; not scanned"),
            });
            continue;
        }
        // Fingerprint pins: they break at every renewal of what they pin.
        if let Ok(text) = std::fs::read_to_string(f) {
            let pins = crate::intake::pins::scan(&f.display().to_string(), &text);
            let certs: Vec<crate::cert::Certificate> = read_path(f)
                .map(|v| v.iter().filter_map(|x| x.cert().cloned()).collect())
                .unwrap_or_default();
            let store = crate::store::Store::mozilla();
            for r in crate::inspect::pin_reports(&pins, &certs, at, store) {
                let expired = r
                    .not_after
                    .as_deref()
                    .and_then(|d| crate::cert::parse_time(d).ok())
                    .is_some_and(|d| d <= at);
                lints.push(Lint {
                    severity: if expired {
                        Severity::Broken
                    } else {
                        Severity::Breaks
                    },
                    kind: "fingerprint-pin".into(),
                    at: r.pin.origin.to_string(),
                    subject: r.pinned.clone(),
                    text: format!(
                        "{} fingerprint pin ({}): {}{}",
                        r.pin.alg.name(),
                        r.pin.form,
                        r.advice,
                        r.trust_instead
                            .as_deref()
                            .map(|t| format!("; trust {t} instead"))
                            .unwrap_or_default()
                    ),
                });
            }
        }
        // Files without certificates are not trust material, unless they look like it: a
        // damaged certificate is reported, never skipped.
        let found = match read_path(f) {
            Ok(found) => found,
            Err(e) => {
                if looks_like_trust(f, how) {
                    lints.push(Lint {
                        severity: Severity::Broken,
                        kind: "unreadable".into(),
                        at: match e.location {
                            crate::intake::Location::Line(l) => format!("{}:{l}", f.display()),
                            crate::intake::Location::Offset(o) => format!("{}@{o}", f.display()),
                            crate::intake::Location::Whole => f.display().to_string(),
                        },
                        subject: None,
                        text: format!(
                            "looks like trust material but does not read: {}; the device's parser rejects it too",
                            e.message
                        ),
                    });
                }
                continue;
            }
        };
        if found.is_empty() {
            continue;
        }
        anchors += found.len();
        report_files.push((f.display().to_string(), how.clone(), found.len()));
        let mut seen: BTreeMap<Vec<u8>, String> = BTreeMap::new();
        let mut spkis = BTreeSet::new();
        // Known-weak RSA keys (ROCA, close primes, small or shared factors).
        let mut moduli: Vec<(String, String, Vec<u8>)> = Vec::new();
        let mut format = Format::Pem;
        for item in &found {
            format = item.origin.format;
            let loc = match (item.origin.line, item.origin.offset) {
                (Some(l), _) => format!("{}:{l}", f.display()),
                (None, Some(o)) => format!("{}@{o}", f.display()),
                _ => f.display().to_string(),
            };
            let anchor = item.to_anchor();
            spkis.insert(anchor.spki_raw().to_vec());
            if let Some(n) = crate::cert::rsa_modulus(anchor.spki_raw()) {
                moduli.push((loc.clone(), anchor.subject.short(), n));
            }
            let key = [
                anchor.spki_raw(),
                b"|",
                anchor.subject.to_string().as_bytes(),
            ]
            .concat();
            if let Some(first) = seen.get(&key) {
                lints.push(Lint {
                    severity: Severity::Note,
                    kind: "duplicate".into(),
                    at: loc.clone(),
                    subject: Some(anchor.subject.short()),
                    text: format!("the same anchor as at {first}: flash spent twice"),
                });
            } else {
                seen.insert(key, loc.clone());
            }
            match &anchor.key {
                KeyKind::Rsa { bits, .. } if *bits < 2048 => lints.push(Lint {
                    severity: Severity::Breaks,
                    kind: "weak-key".into(),
                    at: loc.clone(),
                    subject: Some(anchor.subject.short()),
                    text: format!("RSA-{bits}: no public CA issues under keys below 2048 bits; replace this anchor"),
                }),
                _ => {}
            }
            let Entry::Cert(c) = &item.entry else {
                continue;
            };
            if !c.is_ca() && !c.is_self_issued() {
                lints.push(Lint {
                    severity: Severity::Broken,
                    kind: "leaf-as-anchor".into(),
                    at: loc.clone(),
                    subject: Some(c.subject.short()),
                    text: format!(
                        "a server's leaf (issued by {}) used as an anchor: Mbed TLS trusts only CA certificates (and self-signed leaves) from its CA list, so the handshake fails with -0x2700 NOT_TRUSTED; trust the root it chains to instead",
                        c.issuer.short()
                    ),
                });
            } else if c.is_ca() && !c.is_self_issued() {
                lints.push(Lint {
                    severity: Severity::Breaks,
                    kind: "intermediate-as-anchor".into(),
                    at: loc.clone(),
                    subject: Some(c.subject.short()),
                    text: format!(
                        "an intermediate (issued by {}) used as an anchor: it breaks when the CA rotates its intermediates; trust the root",
                        c.issuer.short()
                    ),
                });
            }
            if c.not_after <= at {
                lints.push(Lint {
                    severity: Severity::Broken,
                    kind: "expired".into(),
                    at: loc.clone(),
                    subject: Some(c.subject.short()),
                    text: format!(
                        "expired {}: devices that check dates reject every chain through it",
                        format_date(c.not_after)
                    ),
                });
            } else if c.not_after <= horizon_end {
                lints.push(Lint {
                    severity: Severity::Breaks,
                    kind: "expires".into(),
                    at: loc,
                    subject: Some(c.subject.short()),
                    text: format!("expires {} (within the horizon)", format_date(c.not_after)),
                });
            }
        }
        let ns: Vec<Vec<u8>> = moduli.iter().map(|m| m.2.clone()).collect();
        for ((at_, subject, _), ws) in moduli.iter().zip(crate::weakkeys::check(&ns, None)) {
            for w in ws {
                lints.push(Lint {
                    severity: Severity::Broken,
                    kind: "weak-key".into(),
                    at: at_.clone(),
                    subject: Some(subject.clone()),
                    text: format!("{}; replace this anchor", w.text()),
                });
            }
        }
        if let Some(parent) = f.parent() {
            per_dir.entry(parent.to_path_buf()).or_default().push((
                format,
                spkis,
                f.display().to_string(),
            ));
        }
    }
    // A bundle beside a PEM: the same anchors?
    for group in per_dir.values() {
        let bundles = group
            .iter()
            .filter(|g| matches!(g.0, Format::EspBundle | Format::EspBundleLegacy));
        for b in bundles {
            for p in group.iter().filter(|g| g.0 == Format::Pem) {
                let missing = p.1.difference(&b.1).count();
                let extra = b.1.difference(&p.1).count();
                if missing + extra > 0 && p.1.len() > 1 {
                    lints.push(Lint {
                        severity: Severity::Breaks,
                        kind: "bundle-mismatch".into(),
                        at: b.2.clone(),
                        subject: None,
                        text: format!(
                            "does not match {}: {missing} of its anchors missing, {extra} others; regenerate the bundle",
                            p.2
                        ),
                    });
                }
            }
        }
    }
    lints.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.at.cmp(&b.at)));
    Ok(Report {
        files: report_files,
        anchors,
        lints,
    })
}
