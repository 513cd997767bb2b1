//! The fuzz targets' fallback when cargo-fuzz (nightly) is not there: each target of
//! `anchorkit::fuzz` on random bytes and on random mutations of its seed corpus (the files
//! under `fuzz/corpus/<target>/` plus test data). A panic is a finding: minimize it into a
//! regression test.

use anchorkit::fuzz::TARGETS;
use proptest::prelude::*;

/// Example directories that seed the intake target.
const EXAMPLE_SEEDS: &[&str] = &["examples/user-story", "examples/doctor"];

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    // The intake target is seeded from the repository's examples as well (scripts/fuzz.sh
    // passes the same directories to libFuzzer).
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut dirs = vec![dir.clone()];
    if target == "intake" {
        dirs.extend(EXAMPLE_SEEDS.iter().map(|d| root.join(d)));
    }
    let mut v: Vec<Vec<u8>> = dirs
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flat_map(|d| {
            d.filter_map(Result::ok)
                .filter_map(|e| std::fs::read(e.path()).ok())
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(!v.is_empty(), "no seed corpus in {}", dir.display());
    v.sort();
    v
}

fn mutate(mut b: Vec<u8>, edits: &[(usize, u8)], cut: usize) -> Vec<u8> {
    for (pos, val) in edits {
        if !b.is_empty() {
            let i = pos % b.len();
            b[i] ^= val;
        }
    }
    if !b.is_empty() && cut % 3 == 0 {
        b.truncate(cut % b.len());
    }
    b
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(200),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_bytes(which in 0..TARGETS.len(), bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        (TARGETS[which].1)(&bytes);
    }

    #[test]
    fn mutated_seeds(
        which in 0..TARGETS.len(),
        pick in any::<usize>(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
        cut in any::<usize>(),
    ) {
        let (name, f) = TARGETS[which];
        let s = seeds(name);
        let b = mutate(s[pick % s.len()].clone(), &edits, cut);
        f(&b);
    }
}

#[test]
fn every_seed_runs() {
    for (name, f) in TARGETS {
        for s in seeds(name) {
            f(&s);
        }
    }
}
