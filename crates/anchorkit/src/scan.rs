//! `check --scan`: find the trust material a firmware repository embeds and lint it.
//!
//! Found: certificates in C/C++/Arduino sources and headers, `.pem`/`.crt`/`.cer`/`.der`
//! files, ESP-IDF bundles, the files CMake embeds (`EMBED_TXTFILES` / `EMBED_FILES`),
//! PlatformIO's `board_build.embed_txtfiles` / `embed_files`, and an sdkconfig's
//! `CONFIG_MBEDTLS_CUSTOM_CERTIFICATE_BUNDLE_PATH`. Linted: a leaf or an intermediate used as
//! an anchor, anchors that have expired or expire within the horizon, weak keys, the same
//! certificate twice in one file, and an ESP bundle that no longer holds the same anchors as
//! the PEM beside it.
//!
//! The walk stays inside the directory it was given: symbolic links to directories are not
//! followed, a link to a file counts only when the file is inside the tree, every directory is
//! visited once (by device and inode), FIFOs, devices and sockets are never opened, embedded
//! paths that lead outside the tree are reported and not read, and every file that was
//! skipped (a limit, a special file, a link out) is reported with the reason. A scan that did
//! not read all the trust material it found never passes.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::cert::{KeyKind, format_date};
use crate::intake::{Entry, Format, Found, IntakeError, Location};

/// A scanned file's certificates: read with the bounded reader and the intake parsers, without
/// following what a source file embeds (the scan resolves embeds itself, inside the tree).
fn read_found(f: &Path) -> Result<Vec<Found>, IntakeError> {
    let bytes = crate::input::read(f, MAX_FILE_BYTES, "scanned file")
        .map_err(|e| IntakeError::new(&e.path, Location::Whole, e.message))?;
    crate::intake::read_bytes(&shown(f), &bytes)
}

/// Candidate files (trust material by name, files a build embeds, build files) read at most.
pub const MAX_FILES: usize = 200_000;
/// Directory entries looked at, at most (candidates or not).
pub const MAX_ENTRIES: usize = 1_000_000;
/// Skipped files listed one by one, at most (the rest are counted).
pub const MAX_SKIPPED_LISTED: usize = 100;
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
    let Ok(t) = crate::input::read_text(f, MAX_FILE_BYTES, "scanned file") else {
        return false;
    };
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
    /// `duplicate`, `bundle-mismatch`, `unreadable`, `fingerprint-pin`, `skipped` (a file the
    /// scan did not read: a limit, a special file, a link or an embed path out of the tree).
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

/// What the walk found.
#[derive(Default)]
struct Walk {
    /// Candidate files (by name) and build files, real paths inside the tree.
    files: Vec<PathBuf>,
    /// Directories visited, by (device, inode).
    seen: HashSet<(u64, u64)>,
    /// Entries looked at.
    entries: usize,
    /// Lints for what was skipped.
    skipped: Vec<Lint>,
    /// The walk stopped at a limit.
    stopped: bool,
}

fn skip(w: &mut Walk, at: &Path, severity: Severity, text: String) {
    w.skipped.push(Lint {
        severity,
        kind: "skipped".into(),
        at: shown(at),
        subject: None,
        text,
    });
}

/// A path for a terminal: escaped and clipped.
fn shown(p: &Path) -> String {
    crate::cert::printable(&crate::cert::clip(&p.display().to_string(), 300))
}

fn is_candidate(name: &str) -> bool {
    let ext = Path::new(name)
        .extension()
        .and_then(|x| x.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    CERT_EXT.contains(&ext.as_str()) || name.ends_with("crt_bundle") || is_build_file(name)
}

fn is_build_file(name: &str) -> bool {
    name == "CMakeLists.txt"
        || name.ends_with(".cmake")
        || name == "platformio.ini"
        || name.starts_with("sdkconfig")
}

fn walk(root: &Path, dir: &Path, depth: usize, w: &mut Walk) {
    use std::os::unix::fs::MetadataExt;
    if w.stopped {
        return;
    }
    let Ok(m) = std::fs::metadata(dir) else {
        return;
    };
    if !w.seen.insert((m.dev(), m.ino())) {
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        skip(
            w,
            dir,
            Severity::Breaks,
            "cannot read this directory".into(),
        );
        return;
    };
    let mut entries: Vec<_> = rd.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        w.entries += 1;
        if w.entries > MAX_ENTRIES {
            w.stopped = true;
            skip(
                w,
                dir,
                Severity::Breaks,
                format!("more than {MAX_ENTRIES} directory entries: the scan stopped here"),
            );
            return;
        }
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            if SKIP_DIRS.contains(&name.as_str()) || name.starts_with('.') {
                continue;
            }
            if depth + 1 > MAX_DEPTH {
                skip(
                    w,
                    &p,
                    Severity::Breaks,
                    format!("deeper than {MAX_DEPTH} directories: not scanned"),
                );
                continue;
            }
            walk(root, &p, depth + 1, w);
            continue;
        }
        let real = if ft.is_symlink() {
            let Ok(target) = std::fs::canonicalize(&p) else {
                if is_candidate(&name) {
                    skip(w, &p, Severity::Note, "a broken symbolic link".into());
                }
                continue;
            };
            if !target.starts_with(root) {
                if is_candidate(&name) {
                    skip(
                        w,
                        &p,
                        Severity::Breaks,
                        "a symbolic link out of the scanned tree: not read".into(),
                    );
                }
                continue;
            }
            match std::fs::metadata(&target) {
                // Directories behind links are not followed (the tree's own walk reaches
                // what is inside it).
                Ok(m) if m.is_dir() => continue,
                Ok(m) if m.is_file() => target,
                Ok(m) => {
                    let kind = crate::input::special_kind(&m).unwrap_or("not a regular file");
                    skip(
                        w,
                        &p,
                        Severity::Breaks,
                        format!("a link to {kind}: not opened"),
                    );
                    continue;
                }
                Err(_) => continue,
            }
        } else if ft.is_file() {
            p.clone()
        } else {
            // A FIFO, a device or a socket in a repository: never opened.
            let kind = e
                .metadata()
                .ok()
                .and_then(|m| crate::input::special_kind(&m))
                .unwrap_or("not a regular file");
            skip(w, &p, Severity::Breaks, format!("{kind}: not opened"));
            continue;
        };
        if !is_candidate(&name) {
            continue;
        }
        if w.files.len() >= MAX_FILES {
            w.stopped = true;
            skip(
                w,
                dir,
                Severity::Breaks,
                format!("more than {MAX_FILES} candidate files: the scan stopped here"),
            );
            return;
        }
        w.files.push(real);
    }
}

/// Files a build embeds: CMake `EMBED_TXTFILES`/`EMBED_FILES` (in `idf_component_register`)
/// and `target_add_binary_data`, PlatformIO `board_build.embed_txtfiles`/`embed_files`,
/// sdkconfig's custom bundle path. `project` is the ESP-IDF project directory (`${project_dir}`).
/// A path with a variable that cannot be resolved comes back as `Err(text)`.
fn embedded(file: &Path, text: &str, project: &Path) -> Vec<Result<PathBuf, String>> {
    let base = file.parent().unwrap_or(Path::new("."));
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let mut out = Vec::new();
    if name == "CMakeLists.txt" || name.ends_with(".cmake") {
        // Comments out; the argument lists of the calls that embed files.
        let code: String = text
            .lines()
            .map(|l| l.split('#').next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        let resolve = |w: &str| -> Result<PathBuf, String> {
            let mut p = w.trim_matches('"').to_string();
            for (var, dir) in [
                ("${CMAKE_CURRENT_LIST_DIR}", base),
                ("${CMAKE_CURRENT_SOURCE_DIR}", base),
                ("${COMPONENT_DIR}", base),
                ("${COMPONENT_PATH}", base),
                ("${project_dir}", project),
                ("${PROJECT_DIR}", project),
                ("${CMAKE_SOURCE_DIR}", project),
            ] {
                p = p.replace(var, &dir.display().to_string());
            }
            if p.contains("${") {
                return Err(format!("{w}: a CMake variable anchorkit cannot resolve"));
            }
            let path = PathBuf::from(&p);
            Ok(if path.is_absolute() {
                path
            } else {
                base.join(path)
            })
        };
        let mut rest = code.as_str();
        while let Some(i) = rest.find('(') {
            let call = rest[..i]
                .rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            let args_start = i + 1;
            let Some(len) = rest[args_start..].find(')') else {
                break;
            };
            let args = &rest[args_start..args_start + len];
            rest = &rest[args_start + len..];
            let words: Vec<&str> = args.split_whitespace().collect();
            match call.as_str() {
                "idf_component_register" | "register_component" | "idf_build_component" => {
                    let mut in_list = false;
                    for w in words {
                        if matches!(w, "EMBED_TXTFILES" | "EMBED_FILES") {
                            in_list = true;
                        } else if w.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                            in_list = false;
                        } else if in_list {
                            out.push(resolve(w));
                        }
                    }
                }
                "target_add_binary_data" => {
                    if let Some(w) = words.get(1) {
                        out.push(resolve(w));
                    }
                }
                _ => {}
            }
        }
    }
    if name == "platformio.ini" {
        let mut in_list = false;
        for line in text.lines() {
            let l = line.split(';').next().unwrap_or("").trim();
            if let Some((k, v)) = l.split_once('=') {
                let k = k.trim();
                in_list = k == "board_build.embed_txtfiles" || k == "board_build.embed_files";
                if in_list && !v.trim().is_empty() {
                    out.push(Ok(base.join(v.trim())));
                }
            } else if in_list && !l.is_empty() && !l.starts_with('[') {
                out.push(Ok(base.join(l)));
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
                    let p = PathBuf::from(v);
                    out.push(Ok(if p.is_absolute() { p } else { base.join(p) }));
                }
            }
        }
    }
    out
}

/// The ESP-IDF project directory of `file`: the nearest directory at or above it, inside
/// `root`, whose CMakeLists.txt calls `project(`; else `root`.
fn project_dir(file: &Path, root: &Path) -> PathBuf {
    let mut d = file.parent();
    while let Some(dir) = d {
        if !dir.starts_with(root) {
            break;
        }
        let cm = dir.join("CMakeLists.txt");
        if crate::input::read_text(&cm, crate::input::MAX_CONFIG_INPUT, "CMakeLists.txt")
            .is_ok_and(|t| t.contains("project("))
        {
            return dir.to_path_buf();
        }
        d = dir.parent();
    }
    root.to_path_buf()
}

/// `p` with `.` and `..` folded (no file system access).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The scan's readers on bytes that came from no file (the fuzz targets): the embed parsers
/// of each build-file kind, the trust readers and the pin finder.
pub(crate) fn readers_on(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let project = Path::new("/project");
    for name in ["CMakeLists.txt", "x.cmake", "platformio.ini", "sdkconfig"] {
        let _ = embedded(&project.join("main").join(name), &text, project);
    }
    let _ = crate::intake::read_bytes("scanned", data);
    let _ = crate::intake::pins::scan("scanned", &text);
    let _ = looks_like_trust(Path::new("/project/ca.pem"), "by name");
}

/// Scans `dir`; `at` is now and `horizon_end` the end of the horizon.
pub fn scan(dir: &Path, at: i64, horizon_end: i64) -> Result<Report, String> {
    if !dir.is_dir() {
        return Err(format!("{}: not a directory", shown(dir)));
    }
    let root = std::fs::canonicalize(dir).map_err(|e| format!("{}: {e}", shown(dir)))?;
    let mut w = Walk::default();
    walk(&root, &root, 0, &mut w);
    let mut lints = Vec::new();
    let files = std::mem::take(&mut w.files);
    // Embedded files, whatever their names; only inside the tree.
    let mut wanted: BTreeMap<PathBuf, String> = BTreeMap::new();
    for f in files.iter().filter(|f| {
        f.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(is_build_file)
    }) {
        let text = match crate::input::read_text(f, crate::input::MAX_CONFIG_INPUT, "build file") {
            Ok(t) => t,
            Err(e) => {
                skip(
                    &mut w,
                    f,
                    Severity::Breaks,
                    format!("not read: {}", e.message),
                );
                continue;
            }
        };
        let project = project_dir(f, &root);
        for e in embedded(f, &text, &project) {
            match e {
                Ok(p) => {
                    let p = normalize(&p);
                    let inside = std::fs::canonicalize(&p)
                        .map_or_else(|_| p.starts_with(&root), |c| c.starts_with(&root));
                    if inside {
                        let real = std::fs::canonicalize(&p).unwrap_or(p);
                        wanted.insert(real, format!("embedded by {}", shown(f)));
                    } else {
                        skip(
                            &mut w,
                            &p,
                            Severity::Breaks,
                            format!(
                                "embedded by {}, but outside the scanned tree: not read",
                                shown(f)
                            ),
                        );
                    }
                }
                Err(text) => skip(
                    &mut w,
                    f,
                    Severity::Note,
                    format!(
                        "an embedded file not checked: {}",
                        crate::cert::printable(&text)
                    ),
                ),
            }
        }
    }
    for f in &files {
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if !is_build_file(name) {
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
                    at: shown(f),
                    subject: None,
                    text: format!("{how}, but the file does not exist"),
                });
            }
            continue;
        };
        if let Some(kind) = crate::input::special_kind(&meta) {
            skip(&mut w, f, Severity::Breaks, format!("{kind}: not opened"));
            continue;
        }
        if meta.len() > MAX_FILE_BYTES {
            skip(
                &mut w,
                f,
                Severity::Breaks,
                format!("larger than {MAX_FILE_BYTES} bytes: not scanned"),
            );
            continue;
        }
        // Fingerprint pins: they break at every renewal of what they pin.
        if let Ok(text) = crate::input::read_text(f, MAX_FILE_BYTES, "scanned file") {
            let pins = crate::intake::pins::scan(&f.display().to_string(), &text);
            let certs: Vec<crate::cert::Certificate> = read_found(f)
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
                    at: crate::cert::printable(&r.pin.origin.to_string()),
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
        let found = match read_found(f) {
            Ok(found) => found,
            Err(e) => {
                if looks_like_trust(f, how) {
                    lints.push(Lint {
                        severity: Severity::Broken,
                        kind: "unreadable".into(),
                        at: match e.location {
                            Location::Line(l) => format!("{}:{l}", shown(f)),
                            Location::Offset(o) => format!("{}@{o}", shown(f)),
                            Location::Whole => shown(f),
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
        report_files.push((shown(f), how.clone(), found.len()));
        let mut seen: BTreeMap<Vec<u8>, String> = BTreeMap::new();
        let mut spkis = BTreeSet::new();
        // Known-weak RSA keys (ROCA, close primes, small or shared factors).
        let mut moduli: Vec<(String, String, Vec<u8>)> = Vec::new();
        let mut format = Format::Pem;
        for item in &found {
            format = item.origin.format;
            let loc = match (item.origin.line, item.origin.offset) {
                (Some(l), _) => format!("{}:{l}", shown(f)),
                (None, Some(o)) => format!("{}@{o}", shown(f)),
                _ => shown(f),
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
        // One lint per key, whatever it has (a small factor and a shared one).
        for ((at_, subject, _), ws) in moduli.iter().zip(crate::weakkeys::check(&ns, None)) {
            if ws.is_empty() {
                continue;
            }
            let texts: Vec<String> = ws.iter().map(|w| w.text()).collect();
            lints.push(Lint {
                severity: Severity::Broken,
                kind: "weak-key".into(),
                at: at_.clone(),
                subject: Some(subject.clone()),
                text: format!("{}; replace this anchor", texts.join("; ")),
            });
        }
        if let Some(parent) = f.parent() {
            per_dir
                .entry(parent.to_path_buf())
                .or_default()
                .push((format, spkis, shown(f)));
        }
    }
    // A bundle beside PEM files: does it hold the anchors of one of them? One lint per
    // bundle, naming the closest PEM file.
    for group in per_dir.values() {
        let pems: Vec<&DirEntry> = group
            .iter()
            .filter(|g| g.0 == Format::Pem && g.1.len() > 1)
            .collect();
        if pems.is_empty() {
            continue;
        }
        for b in group
            .iter()
            .filter(|g| matches!(g.0, Format::EspBundle | Format::EspBundleLegacy))
        {
            let closest = pems
                .iter()
                .map(|p| {
                    (
                        p.1.difference(&b.1).count(),
                        b.1.difference(&p.1).count(),
                        &p.2,
                    )
                })
                .min_by_key(|(m, e, _)| m + e);
            if let Some((missing, extra, name)) = closest.filter(|(m, e, _)| m + e > 0) {
                lints.push(Lint {
                    severity: Severity::Breaks,
                    kind: "bundle-mismatch".into(),
                    at: b.2.clone(),
                    subject: None,
                    text: format!(
                        "matches none of the {} PEM file(s) beside it; the closest, {name}: {missing} of its anchors missing, {extra} others; regenerate the bundle",
                        pems.len()
                    ),
                });
            }
        }
    }
    // What was skipped, each with its reason (the first ones listed, the rest counted).
    let skipped = std::mem::take(&mut w.skipped);
    let n = skipped.len();
    lints.extend(skipped.into_iter().take(MAX_SKIPPED_LISTED));
    if n > MAX_SKIPPED_LISTED {
        lints.push(Lint {
            severity: Severity::Breaks,
            kind: "skipped".into(),
            at: shown(dir),
            subject: None,
            text: format!(
                "{} more skipped file(s) not listed (the first {MAX_SKIPPED_LISTED} are)",
                n - MAX_SKIPPED_LISTED
            ),
        });
    }
    // The walk works on real paths; they are shown under the directory as given.
    let real = format!("{}/", shown(&root));
    let given = match dir.to_string_lossy().trim_end_matches('/') {
        "." | "" => String::new(),
        d => format!("{}/", crate::cert::printable(d)),
    };
    let as_given = |s: &mut String| {
        if s.contains(&real) {
            *s = s.replace(&real, &given);
        }
    };
    for l in &mut lints {
        as_given(&mut l.at);
        as_given(&mut l.text);
    }
    for f in &mut report_files {
        as_given(&mut f.0);
    }
    lints.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.at.cmp(&b.at)));
    Ok(Report {
        files: report_files,
        anchors,
        lints,
    })
}
