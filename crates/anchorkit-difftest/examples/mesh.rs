//! Writes a cross-signed mesh for the doctor hardening test: `cargo run -p anchorkit-difftest
//! --example mesh -- DIR N` makes N CAs that all cross-sign each other, a leaf under the first,
//! chain.pem (leaf and every cross-sign) and trust.pem (the last CA's self-signed root).

use anchorkit_difftest::fixtures::mesh;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::PathBuf::from(args.get(1).map_or("mesh", String::as_str));
    let n: usize = args.get(2).and_then(|x| x.parse().ok()).unwrap_or(6);
    let (chain, trust) = mesh(n);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("chain.pem"), chain).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("trust.pem"), trust).unwrap_or_else(|e| panic!("{e}"));
}
