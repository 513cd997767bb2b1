//! Every scenario on every real library: anchorkit's code and flags must equal the library's,
//! unless the pair is listed with its reason in KNOWN_DIFFERENCES.md.

use std::fmt::Write as _;

use anchorkit_difftest::corpus::corpus;
use anchorkit_difftest::real::{Real, run_all};
use anchorkit_difftest::{anchorkit_verdict, profile_for};

fn known() -> Vec<(String, String)> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/KNOWN_DIFFERENCES.md"))
            .expect("table");
    text.lines()
        .filter_map(|l| {
            let c: Vec<&str> = l.split('|').map(str::trim).collect();
            (c.len() >= 4 && c[1].starts_with('`')).then(|| {
                (
                    c[1].trim_matches('`').to_string(),
                    c[2].trim_matches('`').to_string(),
                )
            })
        })
        .collect()
}

#[test]
fn anchorkit_matches_the_real_libraries() {
    let scenarios = corpus();
    assert!(scenarios.len() >= 60, "{} scenarios", scenarios.len());
    let known = known();
    let mut table = String::new();
    let mut diffs = Vec::new();
    let mut used = vec![false; known.len()];
    let mut compared = 0;
    for r in Real::ALL {
        let profile = profile_for(r);
        let real = run_all(r, &scenarios);
        let accepted = real.iter().filter(|o| o.code == 0).count();
        let _ = writeln!(
            table,
            "== {} ({} of {} accepted) vs anchorkit {}",
            r.name(),
            accepted,
            scenarios.len(),
            profile.summary()
        );
        for (s, o) in scenarios.iter().zip(&real) {
            let v = anchorkit_verdict(&profile, s);
            let same = v.code_value() == o.code && (o.flags.is_none() || v.flags == o.flags);
            let _ = writeln!(
                table,
                "{:<36} real {:>7} {:<12} anchorkit {:>7} {:<12} {}",
                s.name,
                o.code,
                o.flags.map(|f| format!("{f:#x}")).unwrap_or_default(),
                v.code_value(),
                v.flags.map(|f| format!("{f:#x}")).unwrap_or_default(),
                if same { "" } else { "DIFF" }
            );
            compared += 1;
            if !same {
                match known
                    .iter()
                    .position(|(n, l)| *n == s.name && l == r.name())
                {
                    Some(k) => used[k] = true,
                    None => diffs.push(format!(
                        "{} on {}: real {} flags {:?}, anchorkit {} flags {:?}: {:?}",
                        s.name,
                        r.name(),
                        o.code,
                        o.flags,
                        v.code,
                        v.flags,
                        v.reasons.iter().map(|x| x.message()).collect::<Vec<_>>()
                    )),
                }
            }
        }
    }
    let out = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../target/difftest/outcomes.txt"
    );
    let _ = std::fs::write(out, &table);
    println!("{table}");
    let stale: Vec<_> = known
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(k, _)| k)
        .collect();
    assert!(
        diffs.is_empty(),
        "{} unexplained differences (of {compared} comparisons):\n{}",
        diffs.len(),
        diffs.join("\n")
    );
    assert!(
        stale.is_empty(),
        "KNOWN_DIFFERENCES.md lists pairs that no longer differ: {stale:?}"
    );
}
