//! `anchorkit probe`: capture what a live server sends, say what is wrong with it, and, with
//! `--trust` and `--profile`, what a device decides about it.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anchorkit::cert::{ChainEntry, format_date};
use anchorkit::probe::{Capture, Limits, ProbeError, Target, capture, suite_name};
use anchorkit::verify::{HostCheck, Request, Verdict, verify};
use serde::Serialize;

use super::device::{DeviceArgs, load_trust};
use super::{CmdError, Ctx, at_time, print_json};

/// Arguments of `anchorkit probe`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  anchorkit probe example.com
  anchorkit probe 127.0.0.1:4433 --sni device.example.test --save chain/
  anchorkit probe my.server --trust cert_pem.c --profile esp-idf-4.4,esp-idf-5.4

Exit codes: 0 the capture worked (with --trust: every profile accepts the chain), 1 a profile
would not, 2 bad input, 3 the server could not be reached.")]
pub struct Args {
    /// `HOST`, `HOST:PORT` or `[IPv6]:PORT` (port 443 by default).
    #[arg(required_unless_present = "targets")]
    pub target: Option<String>,
    /// Probe many endpoints: a file with one `HOST[:PORT]` per line (# comments). Results go
    /// out as JSON lines (to --output, or stdout), in completion order.
    #[arg(long, value_name = "FILE", conflicts_with = "target")]
    pub targets: Option<PathBuf>,
    /// With --targets: append the JSON lines to FILE and skip endpoints already in it (a
    /// resumable run).
    #[arg(long, value_name = "FILE", requires = "targets")]
    pub output: Option<PathBuf>,
    /// With --targets: endpoints probed at once.
    #[arg(long, default_value_t = 16)]
    pub jobs: usize,
    /// The SNI name to send (default: HOST when it is a name).
    #[arg(long)]
    pub sni: Option<String>,
    /// Connect to this address instead of resolving HOST.
    #[arg(long)]
    pub ip: Option<std::net::IpAddr>,
    /// Write the captured chain as PEM files (chain.pem and one file per certificate).
    #[arg(long, value_name = "DIR")]
    pub save: Option<PathBuf>,
    /// What the device trusts: with it, each --profile gives a verdict on the captured chain.
    #[arg(long, num_args = 1..)]
    pub trust: Vec<PathBuf>,
    /// Also enumerate what the server accepts: versions, TLS 1.2 suites in its order of
    /// choice, TLS 1.3 suites.
    #[arg(long)]
    pub enumerate: bool,
    /// Seconds for each connect and read (the whole probe gets three times that).
    #[arg(long, default_value_t = 5)]
    pub timeout: u64,
    #[command(flatten)]
    pub device: DeviceArgs,
}

/// The JSON form.
#[derive(Serialize)]
struct Report<'a> {
    schema: &'static str,
    target: String,
    capture: &'a Capture,
    certificates: Vec<CertOut>,
    findings: Vec<String>,
    capabilities: Option<anchorkit::probe::enumerate::Capabilities>,
    device: Vec<anchorkit::probe::device::Answer>,
    verdicts: Vec<Verdict>,
}

#[derive(Serialize)]
struct CertOut {
    index: usize,
    subject: String,
    issuer: String,
    bytes: usize,
    not_after: String,
    sha256: String,
    der_base64: String,
}

/// What is wrong with a captured chain, in plain words with the side that fixes it.
pub fn findings(c: &Capture, at: i64) -> Vec<String> {
    let certs: Vec<anchorkit::cert::Certificate> = c
        .certificates
        .iter()
        .filter_map(|d| anchorkit::cert::Certificate::from_der(d).ok())
        .collect();
    let mut out = Vec::new();
    if certs.len() < c.certificates.len() {
        out.push(format!(
            "{} of the {} entries the server sends are not certificates anchorkit can read",
            c.certificates.len() - certs.len(),
            c.certificates.len()
        ));
    }
    if let Some(top) = certs.last() {
        if !top.is_ca() && !top.is_self_issued() {
            out.push(format!(
                "missing intermediate (server): the server sends only its leaf; its issuer '{}' \
                 must follow it (serve fullchain.pem)",
                top.issuer.short()
            ));
        }
    }
    for w in certs.windows(2) {
        if w[0].issuer_raw() != w[1].subject_raw() {
            out.push(format!(
                "wrong order (server): '{}' is followed by '{}', which did not issue it; serve \
                 the leaf, then each certificate's issuer",
                w[0].subject.short(),
                w[1].subject.short()
            ));
            break;
        }
    }
    for (i, x) in certs.iter().enumerate() {
        if i > 0 && x.is_self_issued() {
            out.push(format!(
                "root sent (server): [{i}] {} is a self-signed root; devices never use it from \
                 the wire ({} bytes a handshake for nothing)",
                x.subject.short(),
                x.der().len()
            ));
        }
        if x.not_after < at {
            out.push(format!(
                "expired certificate sent (server): [{i}] {} expired {}{}",
                x.subject.short(),
                format_date(x.not_after),
                if i > 0 && !x.is_self_issued() {
                    " (an expired cross-sign or intermediate: stop sending it)"
                } else {
                    ""
                }
            ));
        }
    }
    out
}

/// Buffer findings for each profile with an Mbed TLS build: the Certificate message (TLS 1.2
/// framing) against MBEDTLS_SSL_IN_CONTENT_LEN.
fn buffer_findings(c: &Capture, profiles: &[anchorkit::profile::Profile]) -> Vec<String> {
    let mut out = Vec::new();
    let msg = 4 + 3 + c.certificates.iter().map(|d| 3 + d.len()).sum::<usize>();
    for p in profiles {
        let Some(b) = &p.build else { continue };
        let limit = b.in_content_len as usize;
        if msg > limit {
            out.push(format!(
                "chain too big for {} (device config): the Certificate message is {msg} bytes, \
                 {} more than its input buffer (CONFIG_MBEDTLS_SSL_IN_CONTENT_LEN {limit}); \
                 raise it or serve a smaller chain (server)",
                p.name(),
                msg - limit
            ));
        }
    }
    out
}

/// One endpoint of a `--targets` run, as a JSON line.
fn one_line(target: &str, args: &Args, limits: Limits) -> serde_json::Value {
    let t = match Target::parse(target) {
        Ok(t) => t,
        Err(e) => return serde_json::json!({"target": target, "error": e.to_string()}),
    };
    match capture(&t, limits) {
        Ok(c) => {
            let at = at_time(args.device.at.as_deref()).unwrap_or(0);
            serde_json::json!({
                "target": target,
                "capture": c,
                "certificates": c.certificates.iter().map(|d| serde_json::json!({
                    "bytes": d.len(),
                    "sha256": hex(&sha256(d)),
                })).collect::<Vec<_>>(),
                "findings": findings(&c, at),
            })
        }
        Err(e) => serde_json::json!({
            "target": target,
            "error": e.to_string(),
            "unreachable": e.unreachable(),
        }),
    }
}

/// `--targets FILE`: bounded concurrency, one JSON line per endpoint, resumable.
fn run_many(args: &Args, file: &std::path::Path, limits: Limits) -> Result<ExitCode, CmdError> {
    use std::io::{BufRead, Write};
    let text =
        std::fs::File::open(file).map_err(|e| format!("{}: cannot read: {e}", file.display()))?;
    let mut done = std::collections::HashSet::new();
    if let Some(out) = &args.output {
        if let Ok(f) = std::fs::File::open(out) {
            for line in std::io::BufReader::new(f).lines().map_while(Result::ok) {
                if let Some(t) = serde_json::from_str::<serde_json::Value>(&line)
                    .ok()
                    .and_then(|v| v["target"].as_str().map(str::to_string))
                {
                    done.insert(t);
                }
            }
        }
    }
    let todo: Vec<String> = std::io::BufReader::new(text)
        .lines()
        .map_while(Result::ok)
        .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty() && !done.contains(l))
        .collect();
    let sink: Box<dyn Write + Send> = match &args.output {
        Some(p) => Box::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .map_err(|e| format!("{}: cannot write: {e}", p.display()))?,
        ),
        None => Box::new(std::io::stdout()),
    };
    let sink = std::sync::Mutex::new(sink);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let bar = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        indicatif::ProgressBar::new(todo.len() as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    let failures = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..args.jobs.clamp(1, 256) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(t) = todo.get(i) else { break };
                    let v = one_line(t, args, limits);
                    if v.get("error").is_some() {
                        failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    if let Ok(mut w) = sink.lock() {
                        let _ = writeln!(w, "{v}");
                        let _ = w.flush();
                    }
                    bar.inc(1);
                }
            });
        }
    });
    bar.finish_and_clear();
    Ok(
        if failures.load(std::sync::atomic::Ordering::Relaxed) == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        },
    )
}

/// Runs the subcommand.
pub fn run(args: &Args, ctx: &Ctx) -> Result<ExitCode, CmdError> {
    if args.timeout == 0 || args.timeout > 600 {
        return Err("--timeout: give 1 to 600 seconds".into());
    }
    if let Some(file) = &args.targets {
        let limits = Limits {
            io_timeout: Duration::from_secs(args.timeout),
            deadline: Duration::from_secs(args.timeout * 3),
            ..Limits::default()
        };
        return run_many(args, file, limits);
    }
    let mut t = Target::parse(args.target.as_deref().unwrap_or(""))?;
    if let Some(s) = &args.sni {
        t.sni = Some(s.clone());
    }
    t.ip = args.ip;
    let limits = Limits {
        io_timeout: Duration::from_secs(args.timeout),
        deadline: Duration::from_secs(args.timeout * 3),
        ..Limits::default()
    };
    let c = match capture(&t, limits) {
        Ok(c) => c,
        Err(e) => return Ok(failed(&e, ctx)),
    };
    let at = at_time(args.device.at.as_deref())?;
    if let Some(dir) = &args.save {
        save(dir, &c)?;
    }
    // The device's own hello, per profile named.
    let mut answers = Vec::new();
    let mut buffer_notes = Vec::new();
    if args.device.profile.is_some() {
        let profiles = if args.device.is_matrix() {
            args.device.profiles(&[])?
        } else {
            vec![args.device.profile(&[])?]
        };
        buffer_notes = buffer_findings(&c, &profiles);
        for p in &profiles {
            match anchorkit::probe::device::handshake(&t, p, limits) {
                Ok(a) => answers.push(a),
                Err(e) => return Ok(failed(&e, ctx)),
            }
        }
    }
    let mut verdicts = Vec::new();
    if !args.trust.is_empty() {
        let trust = load_trust(&args.trust)?;
        let entries: Vec<ChainEntry> = c
            .certificates
            .iter()
            .map(|d| ChainEntry::from_bytes(d))
            .collect();
        let host = args
            .device
            .host()
            .map(str::to_string)
            .or_else(|| t.sni.clone());
        let profiles = if args.device.is_matrix() {
            args.device.profiles(&trust)?
        } else {
            vec![args.device.profile(&trust)?]
        };
        for p in profiles {
            verdicts.push(verify(
                &p,
                &Request {
                    trust: &trust,
                    chain: &entries,
                    host: host.as_deref().map_or(HostCheck::None, HostCheck::Name),
                    at,
                },
            ));
        }
    }
    let caps = if args.enumerate {
        match anchorkit::probe::enumerate::capabilities(&t, limits) {
            Ok(x) => Some(x),
            Err(e) => return Ok(failed(&e, ctx)),
        }
    } else {
        None
    };
    let mut found = findings(&c, at);
    found.extend(buffer_notes);
    let certs: Vec<CertOut> = c
        .certificates
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let parsed = anchorkit::cert::Certificate::from_der(d).ok();
            CertOut {
                index: i,
                subject: parsed
                    .as_ref()
                    .map(|x| x.subject.to_string())
                    .unwrap_or_default(),
                issuer: parsed
                    .as_ref()
                    .map(|x| x.issuer.to_string())
                    .unwrap_or_default(),
                bytes: d.len(),
                not_after: parsed
                    .as_ref()
                    .map(|x| anchorkit::cert::format_time(x.not_after))
                    .unwrap_or_default(),
                sha256: hex(&sha256(d)),
                der_base64: base64_encode(d),
            }
        })
        .collect();
    let ok = verdicts.iter().all(|v| v.ok) && answers.iter().all(|a| a.agrees);
    if ctx.json {
        print_json(&Report {
            schema: "anchorkit.probe/1",
            target: t.display(),
            capture: &c,
            certificates: certs,
            findings: found,
            capabilities: caps.clone(),
            device: answers,
            verdicts,
        })?;
    } else {
        print!("{}", render(&t, &c, &certs, &found, &verdicts, ctx));
        if let Some(k) = &caps {
            println!(
                "\n{}: versions {}; TLS 1.2 suites (server order) {}; TLS 1.3 suites {}{} ({} hellos, {} ms)",
                ctx.style.bold("server accepts"),
                k.versions.join(", "),
                k.tls12_suites.join(", "),
                k.tls13_suites.join(", "),
                match k.sni_required {
                    Some(true) => "; SNI required (a device must send the name)",
                    Some(false) => "; SNI not required",
                    None => "",
                },
                k.handshakes,
                k.millis
            );
        }
        for a in &answers {
            println!(
                "\n{} {}: {}",
                ctx.style.bold("device"),
                a.profile,
                if a.agrees {
                    ctx.style.good(&a.text)
                } else {
                    ctx.style.warn(&a.text)
                }
            );
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn failed(e: &ProbeError, ctx: &Ctx) -> ExitCode {
    if ctx.json {
        println!(
            "{}",
            serde_json::json!({"schema": "anchorkit.probe/1", "error": e.to_string(), "unreachable": e.unreachable()})
        );
    } else {
        eprintln!("anchorkit: probe: {e}");
    }
    if e.unreachable() {
        ExitCode::from(3)
    } else {
        ExitCode::from(1)
    }
}

fn render(
    t: &Target,
    c: &Capture,
    certs: &[CertOut],
    found: &[String],
    verdicts: &[Verdict],
    ctx: &Ctx,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} ({}{}): {}, {}",
        ctx.style.bold("probe"),
        t.display(),
        c.address,
        c.sni
            .as_ref()
            .map(|s| format!(", SNI {s}"))
            .unwrap_or_else(|| ", no SNI".into()),
        c.version,
        suite_name(c.suite)
    );
    let _ = writeln!(
        out,
        "  Certificate message {} bytes, {} certificate(s); server records up to it: {:?} (largest {})",
        c.message_bytes,
        c.certificates.len(),
        c.records,
        c.largest_record
    );
    for x in certs {
        let _ = writeln!(
            out,
            "  [{}] {}  ({} B, issued by {}, until {})",
            x.index, x.subject, x.bytes, x.issuer, x.not_after
        );
    }
    if !found.is_empty() {
        let _ = writeln!(out, "\n{}", ctx.style.bold("Findings"));
        for f in found {
            let _ = writeln!(out, "  - {f}");
        }
    }
    for v in verdicts {
        let _ = writeln!(out);
        out.push_str(&super::verify::render(v, ctx));
    }
    out
}

fn save(dir: &std::path::Path, c: &Capture) -> Result<(), CmdError> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: cannot create: {e}", dir.display()))?;
    let mut all = String::new();
    for (i, d) in c.certificates.iter().enumerate() {
        let pem = anchorkit::pemutil::encode("CERTIFICATE", d);
        let p = dir.join(format!("cert{i}.pem"));
        std::fs::write(&p, &pem).map_err(|e| format!("{}: cannot write: {e}", p.display()))?;
        all.push_str(&pem);
    }
    let p = dir.join("chain.pem");
    std::fs::write(&p, all).map_err(|e| format!("{}: cannot write: {e}", p.display()))?;
    Ok(())
}

fn sha256(d: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, d)
        .as_ref()
        .to_vec()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn base64_encode(d: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(d)
}
