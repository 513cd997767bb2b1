//! Running real TLS handshakes: each real library as a TLS client, configured as the device
//! configures it, against a loopback server ([`crate::server`]) that sends the scenario's
//! Certificate message.
//!
//! Clients: Mbed TLS 3.6.5 (vendored by `mbedtls-rs-sys`, built four ways: ESP-IDF's default
//! without `MBEDTLS_HAVE_TIME_DATE`, with it, with `MBEDTLS_X509_TRUSTED_CERTIFICATE_CALLBACK`
//! for ESP-IDF v6's cross-signed bundle mode, and with time checks on and secp521r1 compiled out
//! as an sdkconfig can ask); Debian's Mbed TLS 2.28, BearSSL 0.6, wolfSSL 5.5 and OpenSSL 3.0
//! (small C clients compiled here); rustls with rustls-webpki (in process). Every client prints
//! `<code> <flags> <stage>` per scenario; see `harness/TLS_HARNESS.md`. A library that cannot be
//! built or run panics: the differential suite must fail, not skip.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::corpus::Scenario;
use crate::server::Servers;

/// A real client configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Real {
    /// Upstream Mbed TLS 3.6.5 with `MBEDTLS_HAVE_TIME_DATE`, a CA list, no hostname call when
    /// none is given.
    Mbedtls36Time,
    /// ESP-IDF v5.4 esp-tls with `cacert_buf` (Mbed TLS 3.6.5, ESP-IDF's defaults).
    EspCertPem,
    /// ESP-IDF v5.3 certificate bundle (legacy `esp_crt_bundle.c`).
    EspBundleLegacy,
    /// ESP-IDF v5.4 certificate bundle.
    EspBundle,
    /// ESP-IDF v6.0 certificate bundle (PSA signature check), on Mbed TLS 3.6.5.
    EspBundleV6,
    /// ESP-IDF v6.0 bundle with `CROSS_SIGNED_VERIFY` (CA callback), on Mbed TLS 3.6.5.
    EspBundleCross,
    /// ESP-IDF v5.4 esp-tls with `cacert_buf`, built from an sdkconfig that turns time checks on
    /// and secp521r1 off.
    EspSdkconfig,
    /// ESP-IDF v5.4 esp-tls with `cacert_buf` and CONFIG_MBEDTLS_SSL_IN_CONTENT_LEN=4096 (a
    /// shrunk input buffer; for the probe's buffer checks, not in `ALL`).
    EspCertPemIn4096,
    /// Debian's Mbed TLS 2.28 (time checks on).
    Mbedtls228,
    /// Debian's BearSSL 0.6 client with `br_x509_minimal`, anchors as the ESP8266 core makes them.
    Bearssl,
    /// Debian's wolfSSL 5.5 client (`--enable-distro`: trusted peers, `WOLFSSL_ALT_CERT_CHAINS`,
    /// no date check of loaded CAs).
    Wolfssl,
    /// wolfSSL 5.9.4 built from source with its own defaults (its CMake build, as `./configure`
    /// with no options), the way firmware that does not pick options builds it.
    WolfsslDefault,

    /// Debian's OpenSSL 3.0 client, security level 1.
    Openssl,
    /// The same client at security level 2 (what Debian's and Fedora's configuration set).
    OpensslLevel2,
    /// rustls 0.23 with rustls-webpki (the `WebPkiServerVerifier`).
    Rustls,
}

impl Real {
    /// All of them.
    pub const ALL: [Real; 14] = [
        Real::Mbedtls36Time,
        Real::EspCertPem,
        Real::EspBundleLegacy,
        Real::EspBundle,
        Real::EspBundleV6,
        Real::EspBundleCross,
        Real::EspSdkconfig,
        Real::Mbedtls228,
        Real::Bearssl,
        Real::Wolfssl,
        Real::WolfsslDefault,
        Real::Openssl,
        Real::OpensslLevel2,
        Real::Rustls,
    ];

    /// Short name.
    pub fn name(self) -> &'static str {
        match self {
            Real::Mbedtls36Time => "mbedtls-3.6/time",
            Real::EspCertPem => "esp-idf-5.4/cert-pem",
            Real::EspBundleLegacy => "esp-idf-5.3/bundle",
            Real::EspBundle => "esp-idf-5.4/bundle",
            Real::EspBundleV6 => "esp-idf-6.0/bundle",
            Real::EspBundleCross => "esp-idf-6.0/bundle-cross-signed",
            Real::EspSdkconfig => "esp-idf-5.4/sdkconfig-time-no-p521",
            Real::EspCertPemIn4096 => "esp-idf-5.4/cert-pem-in-4096",
            Real::Mbedtls228 => "mbedtls-2.28",
            Real::Bearssl => "bearssl",
            Real::Wolfssl => "wolfssl-5-distro",
            Real::WolfsslDefault => "wolfssl-5.9/default",
            Real::Openssl => "openssl-3",
            Real::OpensslLevel2 => "openssl-3/level2",
            Real::Rustls => "rustls-webpki",
        }
    }

    /// The Mbed TLS 3.6 harness mode, for the configurations that use it.
    fn mode(self) -> &'static str {
        match self {
            Real::Mbedtls36Time => "ca",
            Real::EspCertPem | Real::EspSdkconfig | Real::EspCertPemIn4096 => "esp-ca",
            Real::EspBundleLegacy => "bundle-legacy",
            Real::EspBundle => "bundle",
            Real::EspBundleV6 => "bundle-v6",
            Real::EspBundleCross => "bundle-cross",
            Real::OpensslLevel2 => "level2",
            _ => "ca",
        }
    }
}

/// What a library did in the certificate stage of the handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The library's error for the certificate stage (`0` when it passed): a decimal number,
    /// or for rustls the error's name.
    pub code: String,
    /// Mbed TLS verify flags (`mbedtls_ssl_get_verify_result`).
    pub flags: Option<u32>,
    /// Where the handshake ended.
    pub stage: Stage,
}

/// Where a handshake ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// It completed.
    Done,
    /// It failed in the certificate stage (parsing or verifying the server's certificates).
    Cert,
    /// The certificate stage passed; it failed later (the server's key is not the leaf's).
    Post,
    /// It failed before any certificate was looked at: a harness problem.
    Pre,
    /// The handshake completed and application data was read (the code is the first read
    /// error, or 0): the Mbed TLS 3.6 harness with [`Extras::read`].
    Read,
}

/// Settings beyond the scenario for the Mbed TLS 3.6 harness: a heap as small as a device's,
/// application data to read after the handshake.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Extras {
    /// Mbed TLS's allocations fail beyond this many bytes in use.
    pub heap_cap: Option<usize>,
    /// Bytes of application data to read after the handshake (an HTTP GET is sent).
    pub read: Option<usize>,
}

/// Runs the Mbed TLS 3.6 client configuration `r` for each scenario with its extras against a
/// server already listening at the matching port; each outcome with the peak bytes Mbed TLS
/// had allocated (its heap high-water mark).
pub fn run_mbedtls36_extras(
    r: Real,
    scenarios: &[Scenario],
    ports: &[u16],
    extras: &[Extras],
) -> Vec<(Outcome, usize)> {
    assert!(
        !matches!(
            r,
            Real::Mbedtls228
                | Real::Bearssl
                | Real::Wolfssl
                | Real::WolfsslDefault
                | Real::Openssl
                | Real::OpensslLevel2
                | Real::Rustls
        ),
        "{} is not an Mbed TLS 3.6 build",
        r.name()
    );
    let bin = harness(r);
    let (base, dirs) = scenario_dirs(r, "extras", scenarios, ports);
    for (i, d) in dirs.iter().enumerate() {
        let x = extras.get(i).copied().unwrap_or_default();
        if let Some(c) = x.heap_cap {
            let _ = std::fs::write(d.join("heap_cap"), c.to_string());
        }
        if let Some(n) = x.read {
            let _ = std::fs::write(d.join("read"), n.to_string());
        }
    }
    let mut cmd = Command::new(&bin);
    cmd.args(&dirs);
    let text = String::from_utf8_lossy(&must(&mut cmd, r.name())).into_owned();
    let _ = std::fs::remove_dir_all(&base);
    text.lines()
        .take(scenarios.len())
        .map(|l| {
            let peak = l
                .split_whitespace()
                .find_map(|w| w.strip_prefix("heap="))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            (parse_line(l), peak)
        })
        .collect()
}

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where harness binaries and scenario directories go.
/// A name no other run in this process uses (tests run in parallel threads of one process).
fn unique() -> String {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

pub fn work_dir() -> PathBuf {
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
    if std::env::var_os("TLS_HARNESS_DEBUG").is_some() {
        eprintln!("{what}:\n{}", String::from_utf8_lossy(&out.stderr));
    }
    out.stdout
}

/// An Mbed TLS 3.6 harness build.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Build {
    NoTime,
    Time,
    Cross,
    TimeNoP521,
    In4096,
}

fn build_mbedtls36(b: Build) -> PathBuf {
    let (dir, features, no_default) = match b {
        Build::NoTime => ("mbedtls36-notime", "", false),
        Build::Time => ("mbedtls36-time", "time", false),
        Build::Cross => ("mbedtls36-cross", "cross", false),
        Build::TimeNoP521 => ("mbedtls36-time-nop521", "time", true),
        Build::In4096 => ("mbedtls36-in4096", "in4096", false),
    };
    let target = work_dir().join(dir);
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["build", "--release", "--quiet", "--manifest-path"])
        .arg(crate_dir().join("harness/mbedtls36/Cargo.toml"))
        .arg("--target-dir")
        .arg(&target);
    if !features.is_empty() {
        cmd.args(["--features", features]);
    }
    if no_default {
        cmd.arg("--no-default-features");
    }
    if b == Build::Cross {
        // ESP-IDF's CROSS_SIGNED_VERIFY selects this option; the crate has no feature for it, so
        // it goes to both the C build and the bindings.
        let def = "-DMBEDTLS_X509_TRUSTED_CERTIFICATE_CALLBACK";
        cmd.env("CFLAGS", def).env("BINDGEN_EXTRA_CLANG_ARGS", def);
    }
    must(
        &mut cmd,
        "building the Mbed TLS 3.6 harness (needs clang, cmake, libclang-dev)",
    );
    target.join("release/anchorkit-mbedtls36-harness")
}

/// Macros the harness adds to every from-source build: they let it observe the handshake (the
/// peer chain as read, the verify callback on success too) and change no decision.
const WOLF_OBSERVE: &str = "-DSESSION_CERTS -DWOLFSSL_ALWAYS_VERIFY_CB";

/// wolfSSL's source tree as crates.io's `wolfssl-sys` 5.3.0 vendors it (wolfSSL 5.9.4),
/// downloaded by `cargo metadata` on `harness/wolfssl-src/Cargo.toml`.
pub fn wolfssl_source() -> PathBuf {
    static SRC: OnceLock<PathBuf> = OnceLock::new();
    SRC.get_or_init(|| {
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--manifest-path",
        ])
        .arg(crate_dir().join("harness/wolfssl-src/Cargo.toml"));
        let out = must(&mut cmd, "downloading wolfssl-sys 5.3.0 (crates.io)");
        let v: serde_json::Value = serde_json::from_slice(&out)
            .unwrap_or_else(|e| panic!("cargo metadata for wolfssl-sys: {e}"));
        let manifest = v["packages"]
            .as_array()
            .and_then(|a| a.iter().find(|p| p["name"] == "wolfssl-sys"))
            .and_then(|p| p["manifest_path"].as_str())
            .unwrap_or_else(|| panic!("cargo metadata lists no wolfssl-sys"));
        let src = Path::new(manifest)
            .parent()
            .map(|d| d.join("wolfssl-src"))
            .unwrap_or_default();
        assert!(
            src.join("wolfssl/ssl.h").is_file(),
            "no wolfSSL source at {}",
            src.display()
        );
        src
    })
    .clone()
}

/// Builds wolfSSL from source with its defaults (its CMake build with no options; the
/// observation macros only) and the C client against it.
/// The `options.h` the CMake build of wolfSSL 5.9.4 with its defaults wrote (the
/// `wolfssl-5.9/default` client's configuration), building it when needed.
pub fn wolfssl_default_options_h() -> PathBuf {
    let _ = harness(Real::WolfsslDefault);
    work_dir().join("wolfssl59-default/wolfssl/options.h")
}

fn build_wolfssl_src() -> PathBuf {
    let src = wolfssl_source();
    let what = "wolfSSL 5.9.4 (defaults, CMake)";
    let dir = work_dir().join("wolfssl59-default");
    let lib = dir.join("libwolfssl.a");
    if !lib.is_file() {
        let mut cmake = Command::new("cmake");
        cmake
            .arg("-S")
            .arg(&src)
            .arg("-B")
            .arg(&dir)
            .args([
                "-DWOLFSSL_EXAMPLES=no",
                "-DWOLFSSL_CRYPT_TESTS=no",
                "-DBUILD_SHARED_LIBS=OFF",
                "-DCMAKE_BUILD_TYPE=Release",
            ])
            .arg(format!("-DCMAKE_C_FLAGS={WOLF_OBSERVE}"));
        must(&mut cmake, &format!("configuring {what} (needs cmake)"));
        let mut make = Command::new("cmake");
        make.arg("--build")
            .arg(&dir)
            .args(["--target", "wolfssl", "--parallel", "2"]);
        must(&mut make, &format!("building {what}"));
    }
    let out = dir.join("tls-wolfssl");
    let mut cc = Command::new("cc");
    cc.args(["-O1", "-Wall", "-o"]).arg(&out);
    cc.args(WOLF_OBSERVE.split(' '))
        .arg(format!("-I{}", dir.display()))
        .arg(format!("-I{}", src.display()))
        .arg(crate_dir().join("harness/tls_wolfssl.c"))
        .arg(&lib)
        .args(["-lm", "-lpthread"]);
    must(&mut cc, &format!("compiling the TLS client against {what}"));
    out
}

fn build_c(name: &str, libs: &[&str], include: Option<&str>) -> PathBuf {
    let out = work_dir().join(format!("tls-{name}"));
    let mut cmd = Command::new("cc");
    cmd.arg("-O1").arg("-Wall").arg("-o").arg(&out);
    if let Some(i) = include {
        cmd.arg(format!("-I{i}"));
    }
    cmd.arg(crate_dir().join(format!("harness/tls_{name}.c")));
    cmd.args(libs);
    must(
        &mut cmd,
        &format!("compiling the {name} TLS client (needs the Debian -dev package)"),
    );
    out
}

fn harness(r: Real) -> PathBuf {
    static NT: OnceLock<PathBuf> = OnceLock::new();
    static T: OnceLock<PathBuf> = OnceLock::new();
    static X: OnceLock<PathBuf> = OnceLock::new();
    static TN: OnceLock<PathBuf> = OnceLock::new();
    static S: OnceLock<PathBuf> = OnceLock::new();
    static M: OnceLock<PathBuf> = OnceLock::new();
    static B: OnceLock<PathBuf> = OnceLock::new();
    static W: OnceLock<PathBuf> = OnceLock::new();
    static WD: OnceLock<PathBuf> = OnceLock::new();
    static O: OnceLock<PathBuf> = OnceLock::new();
    match r {
        Real::Mbedtls36Time => T.get_or_init(|| build_mbedtls36(Build::Time)).clone(),
        Real::EspCertPem | Real::EspBundleLegacy | Real::EspBundle => {
            NT.get_or_init(|| build_mbedtls36(Build::NoTime)).clone()
        }
        Real::EspBundleV6 | Real::EspBundleCross => {
            X.get_or_init(|| build_mbedtls36(Build::Cross)).clone()
        }
        Real::EspCertPemIn4096 => S.get_or_init(|| build_mbedtls36(Build::In4096)).clone(),
        Real::EspSdkconfig => TN
            .get_or_init(|| build_mbedtls36(Build::TimeNoP521))
            .clone(),
        Real::Mbedtls228 => M
            .get_or_init(|| {
                build_c(
                    "mbedtls228",
                    &["-lmbedtls", "-lmbedx509", "-lmbedcrypto"],
                    None,
                )
            })
            .clone(),
        Real::Bearssl => B
            .get_or_init(|| build_c("bearssl", &["-lbearssl"], Some("/usr/include/bearssl")))
            .clone(),
        Real::Wolfssl => W
            .get_or_init(|| build_c("wolfssl", &["-lwolfssl"], None))
            .clone(),
        Real::WolfsslDefault => WD.get_or_init(build_wolfssl_src).clone(),
        Real::Openssl | Real::OpensslLevel2 => O
            .get_or_init(|| build_c("openssl", &["-lssl", "-lcrypto"], None))
            .clone(),
        Real::Rustls => PathBuf::new(),
    }
}

/// Builds every harness (in parallel where they are independent).
pub fn build_all() {
    std::thread::scope(|s| {
        for r in Real::ALL {
            s.spawn(move || harness(r));
        }
    });
}

/// A fresh directory per scenario for a harness run of `r` (under one base, unique to this
/// run), each written with its scenario and port.
fn scenario_dirs(
    r: Real,
    tag: &str,
    scenarios: &[Scenario],
    ports: &[u16],
) -> (PathBuf, Vec<PathBuf>) {
    let base = work_dir().join(format!("{tag}-{}-{}", r.name().replace('/', "_"), unique()));
    let _ = std::fs::remove_dir_all(&base);
    let dirs = scenarios
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let d = base.join(format!("{i:03}"));
            write_dir(&d, s, r.mode(), ports.get(i).copied().unwrap_or(0));
            d
        })
        .collect();
    (base, dirs)
}

fn write_dir(dir: &Path, s: &Scenario, mode: &str, port: u16) {
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for (i, d) in s.trust.iter().enumerate() {
        // A TRUSTED CERTIFICATE entry: the certificate, then OpenSSL's trust settings (read
        // by the OpenSSL harness only, as d2i_X509_AUX reads them).
        let n = crate::der_len(d).unwrap_or(d.len()).min(d.len());
        let _ = std::fs::write(dir.join(format!("trust-{i:02}.der")), &d[..n]);
        if n < d.len() {
            let _ = std::fs::write(dir.join(format!("aux-{i:02}.der")), &d[n..]);
        }
    }
    for (i, d) in s.chain.iter().enumerate() {
        let _ = std::fs::write(dir.join(format!("chain-{i:02}.der")), d);
    }
    let _ = std::fs::write(dir.join("at"), s.at.to_string());
    if let Some(h) = &s.host {
        let _ = std::fs::write(dir.join("host"), h);
    }
    let _ = std::fs::write(dir.join("mode"), mode);
    let _ = std::fs::write(dir.join("port"), port.to_string());
}

fn parse_line(line: &str) -> Outcome {
    let mut it = line.split_whitespace();
    let code = it.next().unwrap_or("?").to_string();
    let flags = it.next().and_then(|f| f.parse().ok());
    let stage = match it.next() {
        Some("done") => Stage::Done,
        Some("cert") => Stage::Cert,
        Some("post") => Stage::Post,
        Some("read") => Stage::Read,
        _ => Stage::Pre,
    };
    Outcome { code, flags, stage }
}

/// A frozen faketime clock at `at` (no `@`: the clock does not advance, so a scenario at an
/// exact validity boundary does not depend on how long the clients before it took).
fn faketime_arg(at: i64) -> String {
    let dt =
        time::OffsetDateTime::from_unix_timestamp(at).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
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
    let bin = harness(Real::EspCertPem);
    let dir = work_dir().join(format!("bench-{}-{}", s.name, unique()));
    write_dir(&dir, s, "ca", 0);
    let mut cmd = Command::new(&bin);
    cmd.arg("--bench").arg(iterations.to_string()).arg(&dir);
    let text = String::from_utf8_lossy(&must(&mut cmd, "Mbed TLS 3.6 bench")).into_owned();
    let _ = std::fs::remove_dir_all(&dir);
    text.trim().parse().unwrap_or(0)
}

/// Runs every scenario through a real handshake with client `r`; `servers` serves them.
pub fn run_all(r: Real, scenarios: &[Scenario], servers: &Servers) -> Vec<Outcome> {
    if r == Real::Rustls {
        return scenarios
            .iter()
            .enumerate()
            .map(|(i, s)| crate::rustls_client::handshake(s, servers.addr(i)))
            .collect();
    }
    let ports: Vec<u16> = (0..scenarios.len()).map(|i| servers.port(i)).collect();
    run_at_ports(r, scenarios, &ports)
}

/// Runs the C or Mbed TLS 3.6 client `r` for each scenario against a server already listening
/// on 127.0.0.1 at the matching port (any server: s_server, a probe fixture).
pub fn run_at_ports(r: Real, scenarios: &[Scenario], ports: &[u16]) -> Vec<Outcome> {
    let bin = harness(r);
    let (base, dirs) = scenario_dirs(r, "scenarios", scenarios, ports);
    let mut out = vec![
        Outcome {
            code: "?".into(),
            flags: None,
            stage: Stage::Pre,
        };
        scenarios.len()
    ];
    if matches!(r, Real::Mbedtls228 | Real::Wolfssl | Real::WolfsslDefault) {
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
            let text = String::from_utf8_lossy(&must(&mut cmd, "running a client under faketime"))
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
