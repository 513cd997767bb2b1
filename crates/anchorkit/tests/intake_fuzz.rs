//! Random bytes and random mutations of valid inputs never panic any intake path.

use anchorkit::intake::read_bytes;
use anchorkit::testsupport::data;
use proptest::prelude::*;

fn seeds() -> Vec<Vec<u8>> {
    let mut v = Vec::new();
    for f in [
        "certs/letsencrypt/isrgrootx1.pem",
        "esp-idf/test_vectors/new_format_v5.4plus/entrust_crt_bundle",
        "esp-idf/test_vectors/legacy_format_v4.2-v5.3/entrust_crt_bundle",
        "esp-idf/test_vectors/new_format_v5.4plus/baltimore.der",
    ] {
        v.push(std::fs::read(data(f)).expect("seed"));
    }
    let c = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/user-story/cert_pem.c");
    v.push(std::fs::read(c).expect("seed"));
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = read_bytes("fuzz", &bytes);
    }

    #[test]
    fn mutated_inputs_never_panic(
        which in 0usize..5,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in any::<usize>(),
    ) {
        let seeds = seeds();
        let mut b = seeds[which].clone();
        for (pos, val) in edits {
            if !b.is_empty() {
                let i = pos % b.len();
                b[i] = val;
            }
        }
        if !b.is_empty() && cut % 3 == 0 {
            b.truncate(cut % b.len());
        }
        let _ = read_bytes("fuzz", &b);
    }
}
