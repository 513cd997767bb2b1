//! Compiles in the public CA certificates of `data/certs/` (one PEM file each, with its source
//! URL and fingerprint in `#` header lines): writes `$OUT_DIR/known_certs.rs`, a table of
//! `(path, text)` pairs that `store::known` parses on first use.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "pem") {
            out.push(p);
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("data/certs");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    walk(&root, &mut files)?;
    files.sort();
    let mut src = String::from("pub(crate) const FILES: &[(&str, &str)] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let rel = f.strip_prefix(&root)?.to_string_lossy().replace('\\', "/");
        writeln!(
            src,
            "    ({rel:?}, include_str!({:?})),",
            f.display().to_string()
        )?;
    }
    src.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR")?).join("known_certs.rs");
    std::fs::write(out, src)?;
    Ok(())
}
