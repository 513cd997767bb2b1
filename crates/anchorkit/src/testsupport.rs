//! Locating the project's shared reference data (`../shared` beside the checkout) for tests,
//! benchmarks and examples. Not part of the stable API.

use std::path::{Path, PathBuf};

/// Finds the `shared/` directory: `$ANCHORKIT_SHARED` if set, else the first ancestor of
/// `start` that has a `shared/data` directory beside it.
pub fn shared_dir_from(start: &Path) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ANCHORKIT_SHARED") {
        return Some(PathBuf::from(p));
    }
    start
        .ancestors()
        .map(|a| a.join("shared"))
        .find(|p| p.join("data").is_dir())
}

/// `shared/` located from this crate's source directory, panicking with a clear message when
/// absent (tests must fail, not skip, without their data).
pub fn shared_dir() -> PathBuf {
    shared_dir_from(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap_or_else(|| {
        panic!("shared/ reference data not found beside the checkout; set ANCHORKIT_SHARED")
    })
}

/// A path under `shared/data/`.
pub fn data(rel: &str) -> PathBuf {
    shared_dir().join("data").join(rel)
}

/// Runs the openssl command in `dir` (tests and benchmarks make certificates with it),
/// panicking with its stderr on failure.
pub fn openssl(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("openssl: {e} (install openssl)"));
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The DER of the first certificate in a file.
pub fn first_cert_der(path: &Path) -> Vec<u8> {
    let f = crate::intake::read_path(path).unwrap_or_else(|e| panic!("{e}"));
    f.first()
        .and_then(|x| x.cert())
        .map(|c| c.der().to_vec())
        .unwrap_or_default()
}
