//! Prints what a real client decides for every scenario, in a real handshake:
//! `cargo run -p anchorkit-difftest --example real_outcomes -- openssl-3`.

use anchorkit_difftest::corpus::corpus;
use anchorkit_difftest::real::{Real, run_all};
use anchorkit_difftest::server::Servers;

fn main() {
    let want = std::env::args().nth(1).unwrap_or_default();
    let scenarios = corpus();
    let servers = Servers::start(&scenarios);
    for r in Real::ALL
        .into_iter()
        .filter(|r| want.is_empty() || r.name() == want)
    {
        println!("== {}", r.name());
        for (s, o) in scenarios.iter().zip(run_all(r, &scenarios, &servers)) {
            println!("{:<44} {:>7} {:?} {:?}", s.name, o.code, o.flags, o.stage);
        }
    }
}
