//! x509-limbo through real TLS handshakes: each SERVER case (190) on every real client, compared
//! with the matching anchorkit profile. Differences fail the test unless listed with their
//! reason in KNOWN_DIFFERENCES.md (scenario names `limbo:<id>`).

use anchorkit_difftest::real::{Real, Stage, run_all};
use anchorkit_difftest::server::Servers;
use anchorkit_difftest::{anchorkit_verdict, known_differences, profile_for, same_code};

#[test]
fn limbo_cases_match_real_handshakes() {
    let scenarios = anchorkit_difftest::limbo::scenarios();
    assert!(scenarios.len() >= 180, "{} limbo cases", scenarios.len());
    let servers = Servers::start(&scenarios);
    let known = known_differences();
    let only: Option<String> = std::env::var("ANCHORKIT_DIFF_ONLY").ok();
    let mut diffs = Vec::new();
    let mut table = String::new();
    // Listed limbo pairs that really differed (a listed pair that agrees is stale).
    let mut used = vec![false; known.len()];
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
        table.push_str(&format!(
            "== {} ({accepted} of {} accepted)\n",
            r.name(),
            scenarios.len()
        ));
        for (s, o) in scenarios.iter().zip(&real) {
            let v = anchorkit_verdict(&profile, s);
            // A handshake that never reached the certificate stage counts as a difference.
            let same = o.stage != Stage::Pre
                && same_code(&v, o)
                && (o.flags.is_none() || v.flags == o.flags);
            table.push_str(&format!(
                "{:<60} real {:>8}{} {:<12} anchorkit {:>8} {:<12} {}\n",
                s.name,
                o.code,
                if o.stage == Stage::Pre { "(pre)" } else { "" },
                o.flags.map(|f| format!("{f:#x}")).unwrap_or_default(),
                v.code,
                v.flags.map(|f| format!("{f:#x}")).unwrap_or_default(),
                if same { "" } else { "DIFF" }
            ));
            let listed = known
                .iter()
                .position(|(n, l)| *n == s.name && l == r.name());
            if let (false, Some(k)) = (same, listed) {
                used[k] = true;
            }
            if !same && listed.is_none() {
                diffs.push(format!(
                    "{} on {}: real {} {:?}, anchorkit {} {:?}: {:?}",
                    s.name,
                    r.name(),
                    o.code,
                    o.flags,
                    v.code,
                    v.flags,
                    v.reasons.iter().map(|x| x.message()).collect::<Vec<_>>()
                ));
            }
        }
    }
    drop(servers);
    let out = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../target/difftest/limbo-outcomes.txt"
    );
    let _ = std::fs::write(out, &table);
    assert!(
        diffs.is_empty(),
        "{} unexplained differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
    if only.is_none() {
        let stale: Vec<_> = known
            .iter()
            .zip(&used)
            .filter(|((n, _), u)| n.starts_with("limbo:") && !**u)
            .map(|(k, _)| k)
            .collect();
        assert!(
            stale.is_empty(),
            "KNOWN_DIFFERENCES.md lists limbo pairs that no longer differ: {stale:?}"
        );
    }
}
