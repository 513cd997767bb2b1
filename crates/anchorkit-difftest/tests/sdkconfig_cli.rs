//! `anchorkit verify --sdkconfig` against the real Mbed TLS built as that sdkconfig builds it:
//! ESP-IDF v5.4.4's default sdkconfig (its Kconfig defaults) on the default build, and one that
//! turns certificate time checks on and removes secp521r1 on a build compiled that way. The
//! verdicts come from the `anchorkit` command line, as a user runs it.

use std::path::Path;
use std::process::Command;

use anchorkit_difftest::anchorkit_bin;

use anchorkit_difftest::corpus::{Scenario, corpus};
use anchorkit_difftest::real::{Real, Stage, run_all, work_dir};
use anchorkit_difftest::server::Servers;
use anchorkit_difftest::{default_sdkconfig, time_no_p521_sdkconfig};

fn pem_file(path: &Path, ders: &[Vec<u8>]) {
    let text: String = ders
        .iter()
        .map(|d| anchorkit::pemutil::encode("CERTIFICATE", d))
        .collect();
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// The CLI's (code, flags) for a scenario under an sdkconfig.
fn cli(bin: &Path, dir: &Path, s: &Scenario, sdkconfig: &Path) -> (i64, Option<u32>) {
    let trust = dir.join(format!("{}-trust.pem", s.name));
    let chain = dir.join(format!("{}-chain.pem", s.name));
    pem_file(&trust, &s.trust);
    pem_file(&chain, &s.chain);
    let mut cmd = Command::new(bin);
    cmd.arg("verify")
        .arg("--trust")
        .arg(&trust)
        .arg("--chain")
        .arg(&chain)
        // The chain is what the test server sends: judged as sent, not completed.
        .arg("--as-sent")
        .args(["--profile", "esp-idf-5.4", "--sdkconfig"])
        .arg(sdkconfig)
        .args(["--at", &anchorkit::cert::format_time(s.at), "--json"])
        .args(["--host", s.host.as_deref().unwrap_or("none")]);
    let out = cmd.output().unwrap_or_else(|e| panic!("anchorkit: {e}"));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: not JSON ({e}): {}",
            s.name,
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let code = v["code"].as_str().unwrap_or("?");
    let n = match code.strip_prefix("-0x") {
        Some(h) => -i64::from_str_radix(h, 16).unwrap_or(0),
        None => code.parse().unwrap_or(i64::MIN),
    };
    (n, v["flags"].as_u64().map(|f| f as u32))
}

#[test]
fn verify_with_sdkconfig_gives_the_library_answers() {
    let bin = anchorkit_bin();
    let dir = work_dir().join(format!("sdkconfig-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let default = dir.join("sdkconfig.default");
    let custom = dir.join("sdkconfig.time-no-p521");
    std::fs::write(&default, default_sdkconfig()).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&custom, time_no_p521_sdkconfig()).unwrap_or_else(|e| panic!("{e}"));
    // Scenarios the two builds decide differently, and some they agree on.
    let wanted = |n: &str| {
        n.contains("p521")
            || n.starts_with("leaf-expired")
            || n.starts_with("leaf-not-yet")
            || n.starts_with("root-expired")
            || n.starts_with("intermediate-expired")
            || n.starts_with("cross-trust")
            || n.starts_with("user-story")
            || n == "p256-good"
            || n == "rsa2048-good"
            || n == "host-mismatch"
    };
    let scenarios: Vec<Scenario> = corpus().into_iter().filter(|s| wanted(&s.name)).collect();
    assert!(scenarios.len() >= 15, "{} scenarios", scenarios.len());
    let servers = Servers::start(&scenarios);
    let mut diffs = Vec::new();
    let mut differing_builds = 0;
    let real_default = run_all(Real::EspCertPem, &scenarios, &servers);
    let real_custom = run_all(Real::EspSdkconfig, &scenarios, &servers);
    for ((s, d), c) in scenarios.iter().zip(&real_default).zip(&real_custom) {
        assert!(
            d.stage != Stage::Pre && c.stage != Stage::Pre,
            "{}: harness",
            s.name
        );
        if d.code != c.code {
            differing_builds += 1;
        }
        for (real, file, label) in [(d, &default, "default"), (c, &custom, "time-no-p521")] {
            let (code, flags) = cli(&bin, &dir, s, file);
            let same_code = real.code.parse::<i64>().ok() == Some(code);
            let same_flags = real.flags.is_none() || real.flags == flags;
            if !(same_code && same_flags) {
                diffs.push(format!(
                    "{} ({label}): real {} {:?}, anchorkit verify --sdkconfig {code} {flags:?}",
                    s.name, real.code, real.flags
                ));
            }
        }
    }
    drop(servers);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
    // The test means something only if the two builds disagree somewhere.
    assert!(
        differing_builds >= 3,
        "only {differing_builds} scenarios tell the builds apart"
    );
}
