//! Prints what a real library returns for every scenario:
//! `cargo run -p anchorkit-difftest --example real_outcomes -- openssl-3`.

use anchorkit_difftest::corpus::corpus;
use anchorkit_difftest::real::{Real, run_all};

fn main() {
    let want = std::env::args().nth(1).unwrap_or_default();
    let scenarios = corpus();
    for r in Real::ALL
        .into_iter()
        .filter(|r| want.is_empty() || r.name() == want)
    {
        println!("== {}", r.name());
        for (s, o) in scenarios.iter().zip(run_all(r, &scenarios)) {
            println!("{:<36} {:>7} {:?}", s.name, o.code, o.flags);
        }
    }
}
