//! Every scenario in a real TLS handshake with every real client configuration: anchorkit's
//! code and flags must equal what the client decided in its certificate stage, unless the
//! pair is listed with its reason in KNOWN_DIFFERENCES.md.

use std::fmt::Write as _;

use anchorkit_difftest::corpus::corpus;
use anchorkit_difftest::real::{Real, Stage, build_all, run_all};
use anchorkit_difftest::server::Servers;
use anchorkit_difftest::{anchorkit_verdict, profile_for, same_code};

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
fn anchorkit_matches_real_handshakes() {
    let scenarios = corpus();
    // ANCHORKIT_DIFF_ONLY=a,b runs only the configurations whose names contain a or b (debugging).
    let only: Option<String> = std::env::var("ANCHORKIT_DIFF_ONLY").ok();
    if only.is_none() {
        assert!(scenarios.len() >= 150, "{} scenarios", scenarios.len());
        build_all();
    }
    let servers = Servers::start(&scenarios);
    let known = known();
    let mut table = String::new();
    let mut diffs = Vec::new();
    let mut harness_problems = Vec::new();
    let mut used = vec![false; known.len()];
    let mut compared = 0;
    for r in Real::ALL {
        if only
            .as_deref()
            .is_some_and(|o| !o.split(',').any(|x| r.name().contains(x)))
        {
            continue;
        }
        let profile = profile_for(r);
        let real = run_all(r, &scenarios, &servers);
        let accepted = real.iter().filter(|o| o.code == "0").count();
        let _ = writeln!(
            table,
            "== {} ({} of {} accepted) vs anchorkit {}",
            r.name(),
            accepted,
            scenarios.len(),
            profile.summary()
        );
        for (s, o) in scenarios.iter().zip(&real) {
            if o.stage == Stage::Pre {
                harness_problems.push(format!("{} on {}: {:?}", s.name, r.name(), o));
                continue;
            }
            let v = anchorkit_verdict(&profile, s);
            let same = same_code(&v, o) && (o.flags.is_none() || v.flags == o.flags);
            let _ = writeln!(
                table,
                "{:<44} real {:>7} {:<12} anchorkit {:>7} {:<12} {}",
                s.name,
                o.code,
                o.flags.map(|f| format!("{f:#x}")).unwrap_or_default(),
                v.code,
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
    drop(servers);
    let out = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../target/difftest/outcomes.txt"
    );
    let _ = std::fs::write(out, &table);
    println!("{table}");
    assert!(
        harness_problems.is_empty(),
        "handshakes that never reached the certificate stage:\n{}",
        harness_problems.join("\n")
    );
    let stale: Vec<_> = known
        .iter()
        .zip(&used)
        // The x509-limbo rows are limbo_differential.rs's.
        .filter(|(k, u)| !**u && !k.0.starts_with("limbo:"))
        .map(|(k, _)| k)
        .collect();
    assert!(
        diffs.is_empty(),
        "{} unexplained differences (of {compared} comparisons):\n{}",
        diffs.len(),
        diffs.join("\n")
    );
    assert!(
        only.is_some() || stale.is_empty(),
        "KNOWN_DIFFERENCES.md lists pairs that no longer differ: {stale:?}"
    );
}
