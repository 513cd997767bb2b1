//! `anchorkit probe`: capture what a live server sends, say what is wrong with it, and, with
//! `--trust` and `--profile`, what a device decides about it.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anchorkit::cert::ChainEntry;
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
would not (a verdict, or the device's hello refused), 2 bad input, 3 the server could not be
reached, 4 the server answered but not with a usable chain (an alert, a close, something that
is not TLS, or too slow). With --targets: 0 every endpoint captured (earlier results of a
resumed run included), 1 some endpoint failed, 3 none could be reached.

--aia fetches the http:// URL the server's certificate names, as a browser does: run against
an untrusted server, that URL may point at any host this machine reaches.")]
pub struct Args {
    /// The server: HOST, HOST:PORT, or an IPv6 address in brackets with :PORT (port 443 by
    /// default).
    #[arg(required_unless_present = "targets")]
    pub target: Option<String>,
    /// Probe many endpoints: a file with one HOST or HOST:PORT per line (# comments). Results go
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
    /// Fetch the issuers the server leaves out from the caIssuers URL of its top certificate
    /// (http only, 64 KiB and the timeout per fetch): shown, saved with --save as
    /// chain-completed.pem, and judged as "if the server sent them" beside the device's own
    /// verdict (devices do not fetch).
    #[arg(long)]
    pub aia: bool,
    /// Seconds for each connect and read. The capture and every --profile hello share one
    /// deadline of three times that; --enumerate has three times that of its own (its hellos
    /// run in parallel); each --aia fetch (at most 4) has one timeout. So at most 6x, plus
    /// 4x with --aia.
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
    aia: Vec<anchorkit::probe::aia::Fetched>,
    verdicts_completed: Vec<Verdict>,
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

/// `--targets FILE`: the library's batch runner, its lines to --output (resuming) or stdout.
fn run_many(args: &Args, file: &std::path::Path, limits: Limits) -> Result<ExitCode, CmdError> {
    use std::io::Write;
    // Options that concern one endpoint's verdict are not applied per endpoint: refused.
    for (given, name) in [
        (!args.trust.is_empty(), "--trust"),
        (args.device.profile.is_some(), "--profile"),
        (args.device.host.is_some(), "--host"),
        (args.enumerate, "--enumerate"),
        (args.aia, "--aia"),
        (args.save.is_some(), "--save"),
        (args.sni.is_some(), "--sni"),
        (args.ip.is_some(), "--ip"),
        (args.device.sdkconfig.is_some(), "--sdkconfig"),
    ] {
        if given {
            return Err(format!(
                "{name} applies to one endpoint; with --targets each line is captured only (probe the endpoint alone for {name})"
            )
            .into());
        }
    }
    let list =
        anchorkit::input::read_text(file, anchorkit::input::MAX_CONFIG_INPUT, "target list")?;
    let mut done = String::new();
    if let Some(p) = &args.output {
        let same = std::fs::canonicalize(p)
            .ok()
            .zip(std::fs::canonicalize(file).ok())
            .is_some_and(|(a, b)| a == b);
        if same {
            return Err(format!("--output {}: that is the target list itself", p.display()).into());
        }
        match std::fs::symlink_metadata(p) {
            Ok(m) if !m.file_type().is_file() => {
                return Err(format!(
                    "--output {}: {}; give a regular file",
                    p.display(),
                    if m.file_type().is_symlink() {
                        "a symbolic link"
                    } else {
                        anchorkit::input::special_kind(&m).unwrap_or("not a regular file")
                    }
                )
                .into());
            }
            Ok(_) => {
                done = anchorkit::input::read_text(
                    p,
                    anchorkit::input::MAX_RESUME_INPUT,
                    "resume file",
                )?;
            }
            Err(_) => {}
        }
    }
    let resumed = anchorkit::probe::batch::resume(&done);
    let todo = anchorkit::probe::batch::pending(&list, &done);
    let sink: Box<dyn Write + Send> = match &args.output {
        Some(p) => {
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .map_err(|e| format!("{}: cannot write: {e}", p.display()))?;
            // A run that stopped mid-line: the next record starts on its own line.
            if resumed.cut {
                f.write_all(b"\n")
                    .map_err(|e| format!("{}: cannot write: {e}", p.display()))?;
            }
            Box::new(f)
        }
        None => Box::new(std::io::stdout()),
    };
    let sink = std::sync::Mutex::new(sink);
    let bar = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        indicatif::ProgressBar::new(todo.len() as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    let at = at_time(args.device.at.as_deref())?;
    // The first failed write (a full disk, a closed pipe) ends the run's output; it is
    // reported, not swallowed.
    let write_error: std::sync::Mutex<Option<std::io::Error>> = std::sync::Mutex::new(None);
    let unreached = std::sync::atomic::AtomicUsize::new(0);
    let failures = anchorkit::probe::batch::run(&todo, args.jobs, limits, at, &|line| {
        if line.unreachable == Some(true) {
            unreached.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        let mut ok = true;
        if let (Ok(mut w), Ok(text)) = (sink.lock(), serde_json::to_string(&line)) {
            if let Err(e) = writeln!(w, "{text}").and_then(|()| w.flush()) {
                ok = false;
                if let Ok(mut slot) = write_error.lock() {
                    slot.get_or_insert(e);
                }
            }
        }
        bar.inc(1);
        ok
    });
    bar.finish_and_clear();
    if let Some(e) = write_error.lock().ok().and_then(|mut s| s.take()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Err(Box::new(super::ClosedOutput));
        }
        return Err(format!("cannot write the results: {e}").into());
    }
    let unreached = unreached.load(std::sync::atomic::Ordering::Relaxed);
    Ok(
        if !todo.is_empty() && unreached == todo.len() && resumed.done.is_empty() {
            ExitCode::from(3)
        } else if failures + resumed.failed == 0 {
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
        Target::check_sni(s)?;
        t.sni = Some(s.clone());
    }
    t.ip = args.ip;
    let limits = Limits {
        io_timeout: Duration::from_secs(args.timeout),
        deadline: Duration::from_secs(args.timeout * 3),
        ..Limits::default()
    };
    // Everything that can be wrong with the input is found before anything is sent.
    let at = at_time(args.device.at.as_deref())?;
    let trust = if args.trust.is_empty() {
        Vec::new()
    } else {
        load_trust(&args.trust)?
    };
    let hello_profiles = if args.device.profile.is_none() {
        Vec::new()
    } else if args.device.is_matrix() {
        args.device.profiles(&[])?
    } else {
        vec![args.device.profile(&[])?]
    };
    let verdict_profiles = if trust.is_empty() {
        Vec::new()
    } else if args.device.is_matrix() {
        args.device.profiles(&trust)?
    } else {
        vec![args.device.profile(&trust)?]
    };
    if let Some(dir) = &args.save {
        check_save_dir(dir)?;
    }
    let start = std::time::Instant::now();
    let c = match capture(&t, limits) {
        Ok(c) => c,
        Err(e) => return failed(&e, ctx),
    };
    // The device's own hello, per profile named, within the probe's one deadline.
    let mut answers = Vec::new();
    let mut buffer_notes = Vec::new();
    {
        let profiles = &hello_profiles;
        for p in profiles {
            let Some(left) = limits
                .deadline
                .checked_sub(start.elapsed())
                .filter(|d| !d.is_zero())
            else {
                return failed(
                    &ProbeError::Timeout {
                        addr: t.display(),
                        what: format!(
                            "the device hellos (the probe's {} s deadline)",
                            limits.deadline.as_secs()
                        ),
                        secs: limits.deadline.as_secs_f64(),
                    },
                    ctx,
                );
            };
            let limits = Limits {
                deadline: left,
                io_timeout: limits.io_timeout.min(left),
                ..limits
            };
            match anchorkit::probe::device::handshake(&t, p, limits) {
                Ok(mut a) => {
                    a.buffer = anchorkit::probe::findings::device_buffer(&c, p);
                    if let Some(b) = &a.buffer {
                        buffer_notes.push(b.text.clone());
                    }
                    answers.push(a)
                }
                Err(e) => return failed(&e, ctx),
            }
        }
    }
    let fetched = if args.aia {
        anchorkit::probe::aia::fetch_missing(&c.certificates, Duration::from_secs(args.timeout))
    } else {
        Vec::new()
    };
    let completed: Vec<Vec<u8>> = c
        .certificates
        .iter()
        .cloned()
        .chain(fetched.iter().filter_map(|f| f.der.clone()))
        .collect();
    if let Some(dir) = &args.save {
        save(dir, &t, &c, &completed)?;
    }
    let mut verdicts = Vec::new();
    let mut verdicts_completed = Vec::new();
    if !trust.is_empty() {
        let entries: Vec<ChainEntry> = c
            .certificates
            .iter()
            .map(|d| ChainEntry::from_bytes(d))
            .collect();
        let completed_entries: Vec<ChainEntry> = completed
            .iter()
            .map(|d| ChainEntry::from_bytes(d))
            .collect();
        let host = args
            .device
            .host()
            .map(str::to_string)
            .or_else(|| t.sni.clone());
        for p in &verdict_profiles {
            let req = |chain| Request {
                trust: &trust,
                chain,
                host: host.as_deref().map_or(HostCheck::None, HostCheck::Name),
                at,
            };
            verdicts.push(verify(p, &req(&entries)));
            if completed.len() > c.certificates.len() {
                verdicts_completed.push(verify(p, &req(&completed_entries)));
            }
        }
    }
    let caps = if args.enumerate {
        // Enumeration gets the whole deadline of its own (it is many hellos, in parallel).
        match anchorkit::probe::enumerate::capabilities(&t, limits) {
            Ok(x) => Some(x),
            Err(e) => return failed(&e, ctx),
        }
    } else {
        None
    };
    let mut found = anchorkit::probe::findings::chain(&c, at, &trust);
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
                sha256: anchorkit::probe::batch::sha256_hex(d),
                der_base64: base64_encode(d),
            }
        })
        .collect();
    let ok =
        verdicts.iter().all(|v| v.ok) && answers.iter().all(|a| a.agrees && a.buffer.is_none());
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
            aia: fetched,
            verdicts_completed,
        })?;
    } else {
        out!("{}", render(&t, &c, &certs, &found, &verdicts, ctx));
        for f in &fetched {
            match (&f.subject, &f.error) {
                (Some(sub), _) => outln!("  AIA: fetched {sub} from {}", f.url),
                (_, Some(e)) => outln!("  AIA: {e}"),
                _ => {}
            }
        }
        for v in &verdicts_completed {
            outln!(
                "  if the server sent the fetched issuers: {} {}",
                if v.ok { "ACCEPTED" } else { "REJECTED" },
                v.profile
            );
        }
        if let Some(k) = &caps {
            out!("{}", render_caps(k, ctx));
        }
        for a in &answers {
            outln!(
                "\n{} {}: {}",
                ctx.style.bold("device"),
                a.profile,
                if a.agrees && a.buffer.is_none() {
                    ctx.style.good(&a.text)
                } else {
                    ctx.style.warn(&a.text)
                }
            );
            if let Some(b) = &a.buffer {
                outln!("  {}", ctx.style.warn(&b.text));
            }
        }
    }
    Ok(if c.certificates.is_empty() {
        // An empty Certificate message: an answer, but no chain to use.
        ExitCode::from(4)
    } else if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The capability block: one line per kind, empty kinds said as "none".
fn render_caps(k: &anchorkit::probe::enumerate::Capabilities, ctx: &Ctx) -> String {
    // A list some hello of which went unanswered is a lower bound: "unknown" when empty.
    let list = |key: &str, v: &[String]| {
        let partial = k.incomplete.iter().any(|l| l == key);
        match (v.is_empty(), partial) {
            (true, false) => "none".to_string(),
            (true, true) => "unknown (hellos got no answer)".to_string(),
            (false, false) => v.join(", "),
            (false, true) => format!("at least {} (hellos got no answer)", v.join(", ")),
        }
    };
    let tls12 = k.versions.iter().any(|v| v == "TLS 1.2");
    let yes_no = |b: Option<bool>| match b {
        Some(true) => "yes",
        Some(false) => "no",
        None if tls12 => "unknown (the hello got no answer)",
        None => "not seen (no TLS 1.2)",
    };
    let mut out = format!(
        "\n{} ({} hellos, {} ms)\n",
        ctx.style.bold("server accepts"),
        k.handshakes,
        k.millis
    );
    if k.unanswered > 0 {
        out.push_str(&format!(
            "  {} of {} hellos got no answer (a connection limit, rate limiting, the deadline): the lists marked are incomplete\n",
            k.unanswered, k.handshakes
        ));
    }
    let mut line = |name: &str, v: String| out.push_str(&format!("  {name:<24} {v}\n"));
    line("versions", list("versions", &k.versions));
    if k.versions.iter().any(|v| v == "TLS 1.2") {
        line(
            "TLS 1.2 suites (order)",
            list("tls12_suites", &k.tls12_suites),
        );
        line("TLS 1.2 groups", list("tls12_groups", &k.tls12_groups));
        line(
            "TLS 1.2 signatures",
            list("tls12_sig_algs", &k.tls12_sig_algs),
        );
    }
    if k.versions.iter().any(|v| v == "TLS 1.3") {
        line("TLS 1.3 suites", list("tls13_suites", &k.tls13_suites));
        line("TLS 1.3 groups", list("tls13_groups", &k.tls13_groups));
        line(
            "TLS 1.3 signatures",
            list("tls13_sig_algs", &k.tls13_sig_algs),
        );
    }
    line("max_fragment_length", yes_no(k.max_fragment_length).into());
    line("record_size_limit", yes_no(k.record_size_limit).into());
    line(
        "SNI",
        match k.sni_required {
            Some(true) => "required (a device must send the name)".into(),
            Some(false) => "not required".into(),
            None if k.incomplete.iter().any(|l| l == "sni_required") => {
                "unknown (the hello without SNI got no answer)".into()
            }
            None => "not tested (no name to send)".into(),
        },
    );
    out
}

fn failed(e: &ProbeError, ctx: &Ctx) -> Result<ExitCode, CmdError> {
    if ctx.json {
        outln!(
            "{}",
            serde_json::json!({"schema": "anchorkit.probe/1", "error": e.to_string(), "unreachable": e.unreachable()})
        );
    } else {
        super::err_line(&format!("anchorkit: probe: {e}"));
    }
    Ok(if e.unreachable() {
        ExitCode::from(3)
    } else {
        ExitCode::from(4)
    })
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
    // Runs of entries that are not certificates are one line each (a message of thousands of
    // empty entries is not thousands of lines).
    let mut i = 0;
    while let Some(x) = certs.get(i) {
        if x.subject.is_empty() && x.not_after.is_empty() {
            let run = certs[i..]
                .iter()
                .take_while(|y| y.subject.is_empty() && y.not_after.is_empty())
                .count();
            let bytes: usize = certs[i..i + run].iter().map(|y| y.bytes).sum();
            let _ = if run == 1 {
                writeln!(out, "  [{}] not a certificate ({} B)", x.index, x.bytes)
            } else {
                writeln!(
                    out,
                    "  [{}..{}] {run} entries that are not certificates ({bytes} B in all)",
                    x.index,
                    x.index + run - 1
                )
            };
            i += run;
            continue;
        }
        let _ = writeln!(
            out,
            "  [{}] {}  ({} B, issued by {}, until {})",
            x.index, x.subject, x.bytes, x.issuer, x.not_after
        );
        i += 1;
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

/// Certificate files `--save` writes at most (a Certificate message of thousands of tiny
/// entries gives one chain.pem, not thousands of files).
const MAX_SAVED_FILES: usize = 32;

/// The first line of a chain.pem `--save` writes: marks it as a capture, judged as sent.
pub const CAPTURE_MARK: &str = "# anchorkit probe capture";

/// `--save DIR` is a new directory, or one an earlier `--save` wrote (only its files): it is
/// replaced whole, so nothing else may be in it.
fn check_save_dir(dir: &std::path::Path) -> Result<(), CmdError> {
    let Ok(m) = std::fs::symlink_metadata(dir) else {
        return Ok(());
    };
    if !m.is_dir() {
        return Err(format!(
            "--save {}: not a directory (a new directory name, or one an earlier --save wrote)",
            dir.display()
        )
        .into());
    }
    let ours = |n: &str| {
        n == "chain.pem"
            || n == "chain-completed.pem"
            || (n.starts_with("cert") && n.ends_with(".pem"))
    };
    for e in std::fs::read_dir(dir)?.filter_map(Result::ok) {
        let n = e.file_name().to_string_lossy().into_owned();
        if !ours(&n) {
            return Err(format!(
                "--save {}: holds {n}, which --save did not write: give a new directory",
                dir.display()
            )
            .into());
        }
    }
    Ok(())
}

/// Writes the capture as one directory, replaced whole (no stale files, no links followed):
/// chain.pem (marked as a capture), one file per certificate (at most 32), and with --aia
/// chain-completed.pem. Entries that are not certificates are left out of the per-certificate
/// files.
fn save(
    dir: &std::path::Path,
    t: &Target,
    c: &Capture,
    completed: &[Vec<u8>],
) -> Result<(), CmdError> {
    check_save_dir(dir)?;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut all = format!(
        "{CAPTURE_MARK} of {} ({} entr{} as sent)\n",
        anchorkit::cert::printable(&t.display()),
        c.certificates.len(),
        if c.certificates.len() == 1 {
            "y"
        } else {
            "ies"
        }
    );
    for (i, d) in c.certificates.iter().enumerate() {
        let pem = anchorkit::pemutil::encode("CERTIFICATE", d);
        if i < MAX_SAVED_FILES && anchorkit::cert::Certificate::from_der(d).is_ok() {
            files.push((format!("cert{i}.pem"), pem.clone().into_bytes()));
        }
        all.push_str(&pem);
    }
    files.push(("chain.pem".into(), all.into_bytes()));
    if completed.len() > c.certificates.len() {
        let pem: String = completed
            .iter()
            .map(|d| anchorkit::pemutil::encode("CERTIFICATE", d))
            .collect();
        files.push(("chain-completed.pem".into(), pem.into_bytes()));
    }
    anchorkit::output::write_dir(dir, &files)?;
    Ok(())
}

fn base64_encode(d: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(d)
}
