//! Running the real libraries on scenarios: Mbed TLS 3.6 (vendored by `mbedtls-rs-sys`, built
//! twice: with and without `MBEDTLS_HAVE_TIME_DATE`), Mbed TLS 2.28 and BearSSL from Debian's
//! packages (small C harnesses compiled here), and OpenSSL's `openssl verify`.
//!
//! Every harness reads scenario directories and prints `<code> <flags>` per directory. A
//! library that cannot be built or run panics: the differential suite must fail, not skip.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::corpus::Scenario;

/// A real library configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Real {
    /// Mbed TLS 3.6.5 with time checks, CA list.
    Mbedtls36Time,
    /// Mbed TLS 3.6.5 without time checks (ESP-IDF default), CA list.
    Mbedtls36NoTime,
    /// Mbed TLS 3.6.5 without time checks, ESP-IDF legacy certificate bundle callback.
    Mbedtls36Bundle,
    /// Debian's Mbed TLS 2.28 (time checks on).
    Mbedtls228,
    /// Debian's BearSSL 0.6.
    Bearssl,
    /// Debian's OpenSSL 3 (`openssl verify`).
    Openssl,
    /// Debian's wolfSSL 5.5 (CertManager, as a TLS client's peer-chain processing).
    Wolfssl,
}

impl Real {
    /// All of them.
    pub const ALL: [Real; 7] = [
        Real::Mbedtls36Time,
        Real::Mbedtls36NoTime,
        Real::Mbedtls36Bundle,
        Real::Mbedtls228,
        Real::Bearssl,
        Real::Openssl,
        Real::Wolfssl,
    ];

    /// Short name.
    pub fn name(self) -> &'static str {
        match self {
            Real::Mbedtls36Time => "mbedtls-3.6/time",
            Real::Mbedtls36NoTime => "mbedtls-3.6/no-time",
            Real::Mbedtls36Bundle => "mbedtls-3.6/esp-bundle",
            Real::Mbedtls228 => "mbedtls-2.28",
            Real::Bearssl => "bearssl",
            Real::Openssl => "openssl-3",
            Real::Wolfssl => "wolfssl-5",
        }
    }
}

/// What a library returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// The return value.
    pub code: i64,
    /// Mbed TLS verify flags.
    pub flags: Option<u32>,
}

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn work_dir() -> PathBuf {
    let d = crate_dir().join("../../target/difftest");
    std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
    d
}

fn must(cmd: &mut Command, what: &str) -> Vec<u8> {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({:?}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn build_mbedtls36(time: bool) -> PathBuf {
    let target = work_dir().join(if time {
        "mbedtls36-time"
    } else {
        "mbedtls36-notime"
    });
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["build", "--release", "--quiet", "--manifest-path"])
        .arg(crate_dir().join("harness/mbedtls36/Cargo.toml"))
        .arg("--target-dir")
        .arg(&target);
    if time {
        cmd.args(["--features", "time"]);
    }
    must(
        &mut cmd,
        "building the Mbed TLS 3.6 harness (needs clang, cmake, libclang-dev)",
    );
    target.join("release/anchorkit-mbedtls36-harness")
}

fn build_c(name: &str, libs: &[&str], include: Option<&str>) -> PathBuf {
    let out = work_dir().join(format!("harness-{name}"));
    let mut cmd = Command::new("cc");
    cmd.arg("-O1").arg("-o").arg(&out);
    if let Some(i) = include {
        cmd.arg(format!("-I{i}"));
    }
    cmd.arg(crate_dir().join(format!("harness/{name}.c")));
    cmd.args(libs);
    must(
        &mut cmd,
        &format!("compiling the {name} harness (needs the Debian -dev package)"),
    );
    out
}

fn pem(der: &[u8]) -> String {
    anchorkit::pemutil::encode("CERTIFICATE", der)
}

/// `openssl verify` with only the scenario's trust (no system store), its time and hostname.
fn run_openssl(s: &Scenario, dir: &Path) -> Outcome {
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let trust: String = s.trust.iter().map(|d| pem(d)).collect();
    let rest: String = s.chain.iter().skip(1).map(|d| pem(d)).collect();
    let (t, u, l) = (
        dir.join("trust.pem"),
        dir.join("untrusted.pem"),
        dir.join("leaf.pem"),
    );
    let _ = std::fs::write(&t, trust);
    let _ = std::fs::write(&u, rest);
    let _ = std::fs::write(&l, s.chain.first().map(|d| pem(d)).unwrap_or_default());
    let mut cmd = Command::new("openssl");
    cmd.args(["verify", "-no-CApath", "-no-CAstore", "-CAfile"])
        .arg(&t);
    if s.chain.len() > 1 {
        cmd.arg("-untrusted").arg(&u);
    }
    cmd.arg("-attime").arg(s.at.to_string());
    if let Some(h) = &s.host {
        if h.parse::<std::net::IpAddr>().is_ok() {
            cmd.args(["-verify_ip", h]);
        } else {
            cmd.args(["-verify_hostname", h]);
        }
    }
    cmd.arg(&l);
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("openssl: {e} (install openssl)"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        return Outcome {
            code: 0,
            flags: None,
        };
    }
    // "error 20 at 0 depth lookup: unable to get local issuer certificate"
    let code = text
        .split("error ")
        .skip(1)
        .find_map(|rest| rest.split_whitespace().next().and_then(|n| n.parse().ok()))
        .unwrap_or(-1);
    Outcome { code, flags: None }
}

fn harness(r: Real) -> PathBuf {
    static T: OnceLock<PathBuf> = OnceLock::new();
    static N: OnceLock<PathBuf> = OnceLock::new();
    static M: OnceLock<PathBuf> = OnceLock::new();
    static B: OnceLock<PathBuf> = OnceLock::new();
    static W: OnceLock<PathBuf> = OnceLock::new();
    match r {
        Real::Mbedtls36Time => T.get_or_init(|| build_mbedtls36(true)).clone(),
        Real::Mbedtls36NoTime | Real::Mbedtls36Bundle => {
            N.get_or_init(|| build_mbedtls36(false)).clone()
        }
        Real::Mbedtls228 => M
            .get_or_init(|| {
                build_c(
                    "mbedtls228",
                    &["-lmbedx509", "-lmbedcrypto", "-lmbedtls"],
                    None,
                )
            })
            .clone(),
        Real::Bearssl => B
            .get_or_init(|| build_c("bearssl", &["-lbearssl"], Some("/usr/include/bearssl")))
            .clone(),
        Real::Openssl => PathBuf::from("openssl"),
        Real::Wolfssl => W
            .get_or_init(|| build_c("wolfssl", &["-lwolfssl"], None))
            .clone(),
    }
}

fn write_dir(dir: &Path, s: &Scenario, mode: &str) {
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for (i, d) in s.trust.iter().enumerate() {
        let _ = std::fs::write(dir.join(format!("trust-{i:02}.der")), d);
    }
    for (i, d) in s.chain.iter().enumerate() {
        let _ = std::fs::write(dir.join(format!("chain-{i:02}.der")), d);
    }
    let _ = std::fs::write(dir.join("at"), s.at.to_string());
    if let Some(h) = &s.host {
        let _ = std::fs::write(dir.join("host"), h);
    }
    let _ = std::fs::write(dir.join("mode"), mode);
}

fn parse_line(line: &str) -> Outcome {
    let mut it = line.split_whitespace();
    let code = it.next().and_then(|c| c.parse().ok()).unwrap_or(i64::MIN);
    let flags = it.next().and_then(|f| f.parse().ok());
    Outcome { code, flags }
}

fn faketime_arg(at: i64) -> String {
    let dt =
        time::OffsetDateTime::from_unix_timestamp(at).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "@{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

/// Mean nanoseconds per verification of `s` by the real Mbed TLS 3.6 (no time checks),
/// in-process in the harness: parse the CA list and the chain, verify with the hostname.
pub fn bench_mbedtls36(s: &Scenario, iterations: u32) -> u128 {
    let bin = harness(Real::Mbedtls36NoTime);
    let dir = work_dir().join(format!("bench-{}-{}", s.name, std::process::id()));
    write_dir(&dir, s, "ca");
    let mut cmd = Command::new(&bin);
    cmd.arg("--bench").arg(iterations.to_string()).arg(&dir);
    let text = String::from_utf8_lossy(&must(&mut cmd, "Mbed TLS 3.6 bench")).into_owned();
    let _ = std::fs::remove_dir_all(&dir);
    text.trim().parse().unwrap_or(0)
}

/// Runs every scenario on the real library `r`.
pub fn run_all(r: Real, scenarios: &[Scenario]) -> Vec<Outcome> {
    let bin = harness(r);
    let base = work_dir().join(format!(
        "scenarios-{}-{}",
        r.name().replace('/', "_"),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&base);
    if r == Real::Openssl {
        let out = scenarios
            .iter()
            .enumerate()
            .map(|(i, s)| run_openssl(s, &base.join(format!("{i:03}"))))
            .collect();
        let _ = std::fs::remove_dir_all(&base);
        return out;
    }
    let mode = if r == Real::Mbedtls36Bundle {
        "bundle-legacy"
    } else {
        "ca"
    };
    let dirs: Vec<PathBuf> = scenarios
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let d = base.join(format!("{i:03}"));
            write_dir(&d, s, mode);
            d
        })
        .collect();
    let mut out = vec![
        Outcome {
            code: i64::MIN,
            flags: None
        };
        scenarios.len()
    ];
    if matches!(r, Real::Mbedtls228 | Real::Wolfssl) {
        // The process clock is the device clock: one faketime run per distinct time.
        let mut by_time: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
        for (i, s) in scenarios.iter().enumerate() {
            by_time.entry(s.at).or_default().push(i);
        }
        for (at, idx) in by_time {
            let mut cmd = Command::new("faketime");
            cmd.env("TZ", "UTC")
                .arg("-f")
                .arg(faketime_arg(at))
                .arg(&bin);
            cmd.args(idx.iter().map(|i| &dirs[*i]));
            let text = String::from_utf8_lossy(&must(&mut cmd, "running a harness under faketime"))
                .into_owned();
            for (i, line) in idx.iter().zip(text.lines()) {
                out[*i] = parse_line(line);
            }
        }
    } else {
        let mut cmd = Command::new(&bin);
        cmd.args(&dirs);
        let text = String::from_utf8_lossy(&must(&mut cmd, r.name())).into_owned();
        for (i, line) in text.lines().enumerate().take(out.len()) {
            out[i] = parse_line(line);
        }
    }
    let _ = std::fs::remove_dir_all(&base);
    out
}
