//! Probe speed, in one run against servers on 127.0.0.1:
//! 1. full capability enumeration of one `openssl s_server` (TLS 1.2 and 1.3, its default
//!    suites): anchorkit's `probe --enumerate` (wall time, hellos sent) against `testssl.sh`
//!    (Debian package `testssl.sh`) with the closest set of checks (`-p -P -E -f`: protocols,
//!    server order, every suite per protocol, groups) on the same server, and the ratio;
//! 2. chain capture over many loopback endpoints with `probe --targets` (endpoints per second,
//!    peak memory of the anchorkit process by GNU time), at 100 and 1,000 endpoints to show
//!    memory does not grow with them.
//!
//! Run with `cargo bench -p anchorkit-difftest --bench probe`. Needs openssl, testssl.sh and
//! /usr/bin/time (Debian `time`); a missing tool is reported and its figure left out.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anchorkit::probe::enumerate::capabilities;
use anchorkit::probe::{Limits, Target};
use anchorkit_difftest::corpus::Scenario;
use anchorkit_difftest::fixtures;
use anchorkit_difftest::pki::{Alg, Node, Spec, t};
use anchorkit_difftest::server::Servers;

fn anchorkit_bin() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let ok = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "-p", "anchorkit-cli"])
        .current_dir(&root)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "cargo build --release -p anchorkit-cli failed");
    root.join("target/release/anchorkit")
}

fn enumeration() {
    let dir = std::env::temp_dir().join(format!("ak-bench-probe-{}", std::process::id()));
    let (cert, key) = fixtures::self_signed(&dir, "bench.example.test");
    let (_server, port) = fixtures::s_server(&["-www"], &cert, &key, None);
    let target = Target::parse(&format!("127.0.0.1:{port}")).expect("target");
    // Wait for the server, then time three runs and keep the median.
    let mut caps = None;
    for _ in 0..50 {
        if let Ok(c) = capabilities(&target, Limits::default()) {
            caps = Some(c);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let first = caps.expect("s_server answers");
    let mut times = Vec::new();
    for _ in 0..3 {
        let s = Instant::now();
        let c = capabilities(&target, Limits::default()).expect("enumeration");
        times.push(s.elapsed());
        assert_eq!(c.versions, first.versions);
    }
    times.sort();
    let ours = times[1];
    println!(
        "enumeration, anchorkit: {:.1} ms, {} hellos (versions {:?}, {} TLS 1.2 suites, {} TLS 1.3 suites, {} + {} groups, {} + {} signature algorithms)",
        ours.as_secs_f64() * 1000.0,
        first.handshakes,
        first.versions,
        first.tls12_suites.len(),
        first.tls13_suites.len(),
        first.tls12_groups.len(),
        first.tls13_groups.len(),
        first.tls12_sig_algs.len(),
        first.tls13_sig_algs.len(),
    );
    let testssl = ["testssl", "testssl.sh"].into_iter().find(|b| {
        Command::new(b)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    });
    let Some(testssl) = testssl else {
        println!("enumeration, testssl.sh: not installed (apt install testssl.sh); no ratio");
        return;
    };
    let s = Instant::now();
    let out = Command::new(testssl)
        .args([
            "--quiet",
            "--color",
            "0",
            "--warnings",
            "off",
            "-p",
            "-P",
            "-E",
            "-f",
        ])
        .arg(format!("127.0.0.1:{port}"))
        .stdin(Stdio::null())
        .output()
        .expect("testssl runs");
    let theirs = s.elapsed();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("TLS 1.3") || text.contains("TLSv1.3"),
        "testssl.sh did not report protocols:\n{text}"
    );
    println!(
        "enumeration, testssl.sh -p -P -E -f: {:.2} s; anchorkit is {:.0}x faster",
        theirs.as_secs_f64(),
        theirs.as_secs_f64() / ours.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn endpoints(bin: &Path, servers: &Servers, n: usize) {
    let dir = std::env::temp_dir().join(format!("ak-bench-targets-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let list: String = (0..n)
        .map(|i| format!("127.0.0.1:{}\n", servers.port(i)))
        .collect();
    let targets = dir.join("targets.txt");
    std::fs::write(&targets, list).expect("write");
    let out = dir.join("out.jsonl");
    let time = Path::new("/usr/bin/time");
    let mut cmd = if time.exists() {
        let mut c = Command::new(time);
        c.args(["-f", "%M"]).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.args(["probe", "--targets"])
        .arg(&targets)
        .arg("--output")
        .arg(&out)
        .args(["--jobs", "64", "--timeout", "5"]);
    let s = Instant::now();
    let o = cmd.output().expect("anchorkit runs");
    let took = s.elapsed();
    let lines = std::fs::read_to_string(&out).unwrap_or_default();
    let ok = lines.lines().filter(|l| l.contains("\"capture\"")).count();
    assert_eq!(ok, n, "{}", String::from_utf8_lossy(&o.stderr));
    let peak = String::from_utf8_lossy(&o.stderr)
        .lines()
        .last()
        .and_then(|l| l.trim().parse::<u64>().ok());
    println!(
        "capture, {n} endpoints: {:.2} s, {:.0} endpoints/s, peak memory {}",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64(),
        peak.map_or("unknown (no /usr/bin/time)".into(), |k| format!(
            "{:.1} MB",
            k as f64 / 1024.0
        ))
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs it too: only run when benching.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    enumeration();
    let bin = anchorkit_bin();
    let root = Node::root(&Spec::ca("Bench Root"), Alg::P256);
    let int = root.issue(&Spec::ca("Bench Intermediate"), Alg::P256);
    let mut ls = Spec::leaf("bench.example.test");
    ls.not_after = t(2040, 1, 1);
    let leaf = int.issue(&ls, Alg::P256);
    let s = Scenario {
        name: "bench".into(),
        trust: vec![root.der.clone()],
        chain: vec![leaf.der.clone(), int.der.clone()],
        host: Some("bench.example.test".into()),
        at: t(2030, 1, 1),
    };
    let servers = Servers::start(&vec![s; 1000]);
    endpoints(&bin, &servers, 100);
    endpoints(&bin, &servers, 1000);
}
