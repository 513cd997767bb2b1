//! `anchorkit doctor`: the whole story — reproduce, explain, fix, warn.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anchorkit::diagnose::{Diagnosis, Input, Side, diagnose};
use anchorkit::intake::read_path;

use super::device::{DeviceArgs, ServedArgs, chain_certs, load_chain, load_trust};
use super::{CmdError, Ctx, at_time, load_store, print_json};
use anchorkit::assume::Assumed;

/// Arguments of `anchorkit doctor`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  anchorkit doctor --trust examples/user-story/cert_pem.c --chain chain.pem \\
      --host optimized.realyze.com --profile esp-idf-4.4 --at 2022-04-06 \\
      --log \"mbedtls_ssl_handshake returned -0x2700\"
  anchorkit doctor --trust build/x509_crt_bundle --chain chain.pem --profile esp-idf-5.4 --log monitor.txt
  anchorkit doctor --trust examples/user-story/cert_pem.c --connect my.server --profile esp-idf-4.4
  anchorkit doctor --trust sketch.ino --host myhub.azure-devices.net --log monitor.txt --profile arduino-esp32-2

Without --chain or --connect, doctor answers from what it has: a leaf in the trust list is
taken as the server's (completed from the known intermediates), --ca NAME or the host's CA
gives an assumed chain; what was assumed is printed, with the command that gets the real chain.

Beyond the chain, doctor models what else a device logs: the input buffer against a server's
16 KB records after the handshake (an OTA download), the heap a handshake needs (a Zephyr
prj.conf or .config via --sdkconfig gives CONFIG_MBEDTLS_HEAP_SIZE), what a live server answers
the device's own hello (--connect), a clock behind the real time, an IP address Mbed TLS 2.x
cannot match. A logged code nothing reproduces is said so, with the classes of failure that give
it and the evidence that tells them apart; a cause is never guessed.

Text output is short: the cause, the top fix with its paste when short, the other fixes one line
each; --paste N|all prints pastes, -o DIR writes them, --verbose shows the whole reproduction.

Exit codes: 0 the device accepts the chain (and the log, if given, shows no failure left
unexplained), 1 it fails (fixes are printed), 2 bad input.")]
pub struct Args {
    /// What the device trusts: PEM, DER, C source, ESP-IDF bundle, a directory, or `mozilla`.
    #[arg(long, required = true, num_args = 1..)]
    pub trust: Vec<PathBuf>,
    /// What the server sends, leaf first, in the order sent. Optional: without it (and without
    /// --connect) doctor assumes what it can (the leaf in the trust list, the chain of --ca or
    /// of the CA the host belongs to), says so, and names the command that gets the chain.
    #[arg(long, num_args = 1.., conflicts_with = "connect")]
    pub chain: Vec<PathBuf>,
    /// Capture the chain from a live server instead: HOST or HOST:PORT.
    #[arg(long, value_name = "HOST[:PORT]")]
    pub connect: Option<String>,
    /// Judge the --chain exactly as given (no completion from the known intermediates).
    #[arg(long)]
    pub as_sent: bool,
    /// Without a chain: the CA whose servers the device talks to (any name `plan --ca` takes:
    /// letsencrypt, "Let's Encrypt", azure-iot-hub, "ISRG Root X1", ...).
    #[arg(long, value_name = "NAME", conflicts_with_all = ["chain", "connect"])]
    pub ca: Option<String>,
    /// The device log: a file, or a pasted line such as "mbedtls_ssl_handshake returned -0x2700".
    #[arg(long, allow_hyphen_values = true)]
    pub log: Option<String>,
    /// How long the device must keep working (e.g. 10y, 18m, 90d).
    #[arg(long, default_value = "10y")]
    pub lifetime: String,
    /// Root store to draw fixes from: `mozilla` or a file.
    #[arg(long, default_value = "mozilla")]
    pub store: String,
    /// Other certificates you have (the server's fullchain.pem, the CA's intermediates):
    /// used to propose and verify server-side fixes such as a missing intermediate.
    #[arg(long, num_args = 1.., value_name = "FILE")]
    pub extra: Vec<PathBuf>,
    /// Also propose device-side stopgaps for server-side causes (e.g. trusting a missing
    /// intermediate until the server is fixed).
    #[arg(long)]
    pub stopgap: bool,
    /// Print the pastes of these fixes: a fix's number (repeatable), or `all`. By default only
    /// the top fix's paste is printed, and only when it is short.
    #[arg(long, value_name = "N|all")]
    pub paste: Vec<String>,
    /// Write every fix's paste to this directory (fix-1.c, fix-2.sdkconfig, ...).
    #[arg(short = 'o', long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Show the whole reproduction (the path, every flag and reason) and each fix's check.
    #[arg(long)]
    pub verbose: bool,
    #[command(flatten)]
    pub device: DeviceArgs,
}

/// Parses `10y`, `18m`, `90d` into seconds.
pub fn parse_lifetime(s: &str) -> Result<i64, CmdError> {
    anchorkit::units::parse_duration(s).map_err(|e| format!("--lifetime {e}").into())
}

/// Runs the subcommand.
pub fn run(args: &Args, ctx: &Ctx) -> Result<ExitCode, CmdError> {
    // Fingerprint pins in the trust input; a device with pins and no certificate trusts by
    // the pins alone.
    let pins: Vec<anchorkit::intake::pins::Pin> = args
        .trust
        .iter()
        .filter(|p| p.as_os_str() != "mozilla")
        .flat_map(|p| anchorkit::intake::pins::scan_path(p))
        .collect();
    let trust = match load_trust(&args.trust) {
        Ok(t) => t,
        Err(_) if !pins.is_empty() => Vec::new(),
        Err(e) => return Err(e),
    };
    let trust_format = args
        .trust
        .iter()
        .find(|p| p.as_os_str() != "mozilla")
        .and_then(|p| read_path(p).ok())
        .and_then(|f| f.first().map(|x| x.origin.format));
    let mut assumed: Vec<String> = Vec::new();
    // A sketch that pins, without --profile: its own includes say the stack.
    let pin_profile = (trust.is_empty() && args.device.profile.is_none())
        .then(|| pin_stack(&args.trust))
        .flatten();
    let at = at_time(args.device.at.as_deref())?;
    let events = anchorkit::events::Events::builtin();
    let mut completion = None;
    let mut synthetic: Option<Assumed> = None;
    let mut given: Option<Vec<anchorkit::cert::Certificate>> = None;
    let mut raw_entries: Option<Vec<anchorkit::cert::ChainEntry>> = None;
    let (chain, host) = if args.chain.is_empty() && args.connect.is_none() {
        let host = args.device.host_or(None);
        // A device that trusts by pins is judged on the real leaf only: nothing is assumed.
        let guess = match &args.ca {
            _ if trust.is_empty() => None,
            Some(name) => {
                let ca =
                    anchorkit::caname::resolve(name, &events, anchorkit::store::Store::mozilla())?;
                Some(
                    anchorkit::assume::for_ca(&ca, &events, at, host.as_deref()).ok_or_else(
                        || {
                            format!(
                                "--ca {name}: no chain is known for {} at that date",
                                ca.name
                            )
                        },
                    )?,
                )
            }
            None => {
                anchorkit::assume::from_trust(&trust, host.as_deref(), at, &events).or_else(|| {
                    let h = host.as_deref()?;
                    let ca = anchorkit::caname::ca_for_host(&events, h)?;
                    let ca = anchorkit::caname::resolve(
                        &ca.id,
                        &events,
                        anchorkit::store::Store::mozilla(),
                    )
                    .ok()?;
                    anchorkit::assume::for_ca(&ca, &events, at, Some(h))
                })
            }
        };
        match guess {
            Some(g) => {
                assumed.extend(g.notes.iter().cloned());
                completion = g.completion.clone();
                let chain = g.chain.clone();
                synthetic = Some(g);
                (chain, host)
            }
            None => (Vec::new(), host),
        }
    } else {
        let served = ServedArgs {
            chain: args.chain.clone(),
            connect: args.connect.clone(),
            as_sent: args.as_sent,
        }
        .load_completed(at)?;
        if let Some(c) = &served.completion {
            assumed.push(c.note());
            given = Some(chain_certs(&served.given));
        }
        completion = served.completion.clone();
        if served.entries.iter().any(|e| e.cert().is_none()) {
            raw_entries = Some(served.entries.clone());
        }
        (
            chain_certs(&served.entries),
            args.device.host_or(served.host),
        )
    };
    let profile = match &pin_profile {
        Some((name, why)) => {
            assumed.push(format!(
                "the stack is {name}: {why} (give --profile to say otherwise)"
            ));
            let mut d = args.device.clone();
            d.profile = Some(name.to_string());
            d.profile(&trust)?
        }
        None => args.device.profile(&trust)?,
    };
    let lifetime = parse_lifetime(&args.lifetime)?;
    super::within_dates(at.saturating_add(lifetime), "--at plus --lifetime")?;
    let log = match &args.log {
        Some(l) if l == "-" || std::path::Path::new(l).is_file() => {
            Some(super::explain::read_log(std::path::Path::new(l))?)
        }
        // One word that is no error code and no file: a mistyped file name, not a log line.
        Some(l)
            if !l.contains(char::is_whitespace)
                && anchorkit::explain::explain(l, &anchorkit::explain::Options::default())
                    .is_err() =>
        {
            return Err(format!(
                "--log {l}: no such file, and not a log line or error code (give a file, - for stdin, or the pasted line)"
            )
            .into());
        }
        Some(l) => Some(l.clone()),
        None => None,
    };
    let store = load_store(&args.store)?;
    let (extra_entries, _) = if args.extra.is_empty() {
        (Vec::new(), ())
    } else {
        (load_chain(&args.extra)?.0, ())
    };
    let extra = chain_certs(&extra_entries);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let sigs = synthetic
        .as_ref()
        .map(Assumed::signatures)
        .unwrap_or_default();
    // With a live server: what it answers the device's own hello, and the hellos of the
    // device-side changes a protocol fix would make.
    let mut hellos = Vec::new();
    if let Some(spec) = &args.connect {
        if let Ok(mut t) = anchorkit::probe::Target::parse(spec) {
            if t.sni.is_none() {
                t.sni = host
                    .clone()
                    .filter(|h| h.parse::<std::net::IpAddr>().is_err());
            }
            let limits = anchorkit::probe::Limits::default();
            if let Ok(a) = anchorkit::probe::device::handshake(&t, &profile, limits) {
                let failed = !a.agrees;
                hellos.push((profile.name().to_string(), a));
                if failed {
                    for (change, p) in anchorkit::diagnose::protocol_variants(&profile) {
                        if let Ok(a) = anchorkit::probe::device::handshake(&t, &p, limits) {
                            hellos.push((change, a));
                        }
                    }
                }
            }
        }
    }
    let input = Input {
        profile,
        trust: &trust,
        chain: &chain,
        host: host.as_deref(),
        at,
        now,
        log: log.as_deref(),
        lifetime,
        store: &store,
        extra: &extra,
        stopgap: args.stopgap,
        assumed: &assumed,
        completed: completion.as_ref(),
        entries: raw_entries.as_deref(),
        hellos: &hellos,
        pins: &pins,
    };
    let mut d = anchorkit::crypto::assume_signed(&sigs, || diagnose(&input, trust_format));
    // The completed chain is accepted: the device side is fine if the server sends the
    // intermediates. The chain as given may be what the server really sends: when that fails,
    // its diagnosis (a missing intermediate, on the server's side) is the answer.
    if let (true, Some(g), Some(c)) = (d.accepted, &given, &completion) {
        let names: Vec<String> = c.added.iter().map(|a| a.name.clone()).collect();
        let note = format!(
            "judged as given ({} certificate(s)), as if this is all the server sends: completed with the known {} the device accepts, so the server must send {}",
            g.len(),
            names.join(" and "),
            names.join(" and ")
        );
        let as_given = vec![note];
        let g_input = Input {
            chain: g,
            assumed: &as_given,
            completed: None,
            entries: None,
            ..input.clone()
        };
        let dg = diagnose(&g_input, trust_format);
        if !dg.accepted {
            d = dg;
        }
    }
    let pastes = PasteSel::parse(&args.paste)?;
    if let Some(dir) = &args.output {
        write_pastes(dir, &d)?;
    }
    if ctx.json {
        print_json(&d)?;
    } else if args.verbose {
        out!("{}", render(&d, ctx));
    } else {
        out!("{}", render_short(&d, ctx, &pastes, args.output.as_deref()));
    }
    // A logged failure the chain does not explain is still a failure.
    let unexplained = d.reproduction.matches_log == Some(false)
        && d.reproduction
            .logged_code
            .as_deref()
            .is_some_and(|c| c != "0");
    Ok(if d.accepted && !unexplained {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Which pastes the text prints.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PasteSel {
    /// The top fix's, when it is short.
    Top,
    /// Every fix's.
    All,
    /// These fixes' (ranks).
    Ranks(Vec<usize>),
}

/// A paste longer than this is not printed unless asked for.
const SHORT_PASTE: usize = 30;

impl PasteSel {
    fn parse(v: &[String]) -> Result<PasteSel, CmdError> {
        if v.is_empty() {
            return Ok(PasteSel::Top);
        }
        if v.iter().any(|x| x == "all") {
            return Ok(PasteSel::All);
        }
        let mut ranks = Vec::new();
        for x in v {
            ranks.push(
                x.parse::<usize>()
                    .map_err(|_| format!("--paste {x}: give a fix's number (1, 2, ...) or all"))?,
            );
        }
        Ok(PasteSel::Ranks(ranks))
    }

    fn wants(&self, rank: usize, lines: usize) -> bool {
        match self {
            PasteSel::Top => rank == 1 && lines <= SHORT_PASTE,
            PasteSel::All => true,
            PasteSel::Ranks(r) => r.contains(&rank),
        }
    }
}

fn paste_ext(format: Option<&str>) -> &'static str {
    match format {
        Some("c") | Some("c-code") => "c",
        Some("pem") => "pem",
        Some("sdkconfig") => "sdkconfig",
        Some("prj.conf") => "conf",
        Some("mbedtls-config") => "h",
        Some("shell") => "sh",
        _ => "txt",
    }
}

/// Writes each fix's paste as `DIR/fix-N.EXT` (a new directory, or one an earlier -o wrote).
fn write_pastes(dir: &std::path::Path, d: &Diagnosis) -> Result<(), CmdError> {
    let files: Vec<(String, Vec<u8>)> = d
        .fixes
        .iter()
        .filter_map(|f| {
            f.paste.as_ref().map(|p| {
                (
                    format!("fix-{}.{}", f.rank, paste_ext(f.paste_format)),
                    p.clone().into_bytes(),
                )
            })
        })
        .collect();
    anchorkit::output::write_dir(dir, &files)?;
    Ok(())
}

/// The short answer: what the device does, the causes, the top fix with its paste, the other
/// fixes one line each.
fn render_short(
    d: &Diagnosis,
    ctx: &Ctx,
    pastes: &PasteSel,
    written: Option<&std::path::Path>,
) -> String {
    let mut out = String::new();
    let r = &d.reproduction;
    let side = |s: Side| match s {
        Side::Device => "device",
        Side::Server => "server",
        Side::Config => "config",
    };
    // One line: the verdict and whether the log agrees.
    let head = match &r.verdict {
        Some(v) => format!(
            "{} {}: {}{}",
            if v.ok {
                ctx.style.good("chain ACCEPTED")
            } else {
                ctx.style.bad("REJECTED")
            },
            v.profile,
            if v.ok {
                "0".to_string()
            } else {
                format!(
                    "{}{}",
                    v.code,
                    v.code_name
                        .as_deref()
                        .map(|n| format!(" {n}"))
                        .unwrap_or_default()
                )
            },
            if v.flag_names.is_empty() || v.ok {
                String::new()
            } else if v.flags == Some(u32::MAX) {
                " (every flag set: a fatal error, not a list of reasons)".to_string()
            } else {
                format!(" ({})", v.flag_names.join(" | "))
            }
        ),
        None => "no served chain to judge: the trust list and the log only".to_string(),
    };
    let _ = writeln!(out, "{head}");
    match (&r.logged_code, r.matches_log, &r.likely) {
        (Some(c), Some(true), _) => {
            let _ = writeln!(out, "  the log's {c}: {}", ctx.style.good("reproduced"));
        }
        (Some(c), _, Some(l)) if l.contains("reproduced as given") => {
            let _ = writeln!(
                out,
                "  the log's {c}: {} by a model of the connection (below)",
                ctx.style.good("reproduced")
            );
        }
        (Some(c), Some(false), likely) => {
            let _ = writeln!(
                out,
                "  the log's {c}: {} by the chain as given",
                ctx.style.warn("NOT reproduced")
            );
            if let Some(l) = likely {
                let _ = writeln!(out, "  likely: {l}");
            }
            let open: Vec<&anchorkit::diagnose::Candidate> = r
                .candidates
                .iter()
                .filter(|c| c.reproduced != Some(false))
                .collect();
            if likely.is_none() && !open.is_empty() {
                let _ = writeln!(out, "  what gives {c}, and what tells it apart:");
                for k in open {
                    let _ = writeln!(
                        out,
                        "    - {} ({}): {}; tell by {}{}",
                        k.class.name(),
                        match k.reproduced {
                            Some(true) => "reproduced by a knob below",
                            _ => "not modelled from what was given",
                        },
                        k.how,
                        k.evidence,
                        k.collect
                            .as_deref()
                            .map(|x| format!(" ({x})"))
                            .unwrap_or_default()
                    );
                }
            }
            for a in &r.alternatives {
                let _ = writeln!(out, "    knob {}: {} gives {}", a.rank, a.change, a.code);
            }
        }
        _ => {}
    }
    for a in &d.assumptions {
        let _ = writeln!(out, "  assumed: {}", ctx.style.warn(a));
    }
    let causes: Vec<&anchorkit::diagnose::Cause> = d
        .causes
        .iter()
        .filter(|c| d.causes.len() == 1 || c.kind != anchorkit::diagnose::CauseKind::Accepted)
        .collect();
    if !causes.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            ctx.style.bold(if d.accepted { "Verdict" } else { "Cause" })
        );
    }
    for c in causes {
        let _ = writeln!(out, "  - [{}] {}", kind_text(&c.kind), c.text);
    }
    if let Some((top, rest)) = d.fixes.split_first() {
        let mark = |f: &anchorkit::diagnose::Fix| {
            if f.verified {
                ctx.style.good("verified")
            } else {
                ctx.style.warn("not verified")
            }
        };
        let _ = writeln!(out, "\n{}", ctx.style.bold("Fix"));
        let _ = writeln!(
            out,
            "  1. [{}] {} [{}]",
            side(top.side),
            top.text,
            mark(top)
        );
        if top.der_bytes > 0 {
            let _ = writeln!(
                out,
                "     {} B DER, {} B as cert_pem PEM (with NUL), {} B as ESP bundle records",
                top.der_bytes, top.pem_bytes, top.esp_bundle_bytes
            );
        }
        if let Some(b) = &top.breaks {
            let _ = writeln!(out, "     breaks: {b}");
        }
        if let Some(w) = &top.why_unverified {
            let _ = writeln!(out, "     why not verified: {w}");
        }
        let show = |f: &anchorkit::diagnose::Fix, out: &mut String| {
            if let Some(p) = &f.paste {
                let lines = p.lines().count();
                if pastes.wants(f.rank, lines) {
                    let _ = writeln!(out, "     paste ({}):", f.paste_format.unwrap_or("text"));
                    for l in p.lines() {
                        let _ = writeln!(out, "       {l}");
                    }
                } else if f.rank == 1 || pastes == &PasteSel::Top {
                    let _ = writeln!(
                        out,
                        "     paste: {lines} lines of {} ({})",
                        f.paste_format.unwrap_or("text"),
                        match written {
                            Some(dir) => format!(
                                "written to {}/fix-{}.{}",
                                dir.display(),
                                f.rank,
                                paste_ext(f.paste_format)
                            ),
                            None =>
                                format!("--paste {} prints it, -o DIR writes every paste", f.rank),
                        }
                    );
                }
            }
        };
        show(top, &mut out);
        for f in rest {
            let why = match (&f.breaks, &f.why_unverified) {
                (Some(b), _) => format!(" (breaks {b})"),
                (None, Some(w)) if !f.verified => format!(" ({w})"),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "  {}. [{}] {} [{}]{why}",
                f.rank,
                side(f.side),
                f.text,
                mark(f)
            );
            if pastes != &PasteSel::Top {
                show(f, &mut out);
            }
        }
    }
    if !d.warnings.is_empty() {
        let _ = writeln!(out, "\n{}", ctx.style.bold("Warnings"));
        for w in &d.warnings {
            let _ = writeln!(out, "  - {w}");
        }
    }
    if let Some(n) = &d.needs {
        let _ = writeln!(out, "\nTo confirm, give {}: {}", n.input, n.command);
    }
    out
}

fn render(d: &Diagnosis, ctx: &Ctx) -> String {
    let mut out = String::new();
    let r = &d.reproduction;
    if !d.assumptions.is_empty() {
        let _ = writeln!(out, "{}", ctx.style.bold("Assumed"));
        for a in &d.assumptions {
            let _ = writeln!(out, "  - {}", ctx.style.warn(a));
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{}", ctx.style.bold("Reproduction"));
    match &r.verdict {
        Some(v) => out.push_str(
            &super::verify::render(v, ctx)
                .lines()
                .map(|l| format!("  {l}\n"))
                .collect::<String>(),
        ),
        None => {
            let _ = writeln!(
                out,
                "  no served chain to judge: the trust list and the log only"
            );
            if let Some(c) = &r.logged_code {
                let _ = writeln!(out, "  the log says {c}");
            }
        }
    }
    match (&r.logged_code, r.matches_log) {
        (Some(c), Some(true)) => {
            let _ = writeln!(out, "  the log says {c}: {}", ctx.style.good("reproduced"));
        }
        (Some(c), Some(false)) => {
            let _ = writeln!(
                out,
                "  the log says {c}: {} with this configuration",
                ctx.style.warn("NOT reproduced")
            );
            for a in &r.alternatives {
                let _ = writeln!(out, "    {}. {} gives {}", a.rank, a.change, a.code);
            }
            match &r.likely {
                Some(l) => {
                    let _ = writeln!(out, "    likely: {l}");
                }
                None => {
                    let _ = writeln!(
                        out,
                        "    no single knob (hostname, clock, time checks, trust mode, release) \
                         produces it; check the trust and chain given"
                    );
                }
            }
        }
        _ => {}
    }
    let _ = writeln!(
        out,
        "\n{}",
        ctx.style.bold(if d.accepted { "Verdict" } else { "Cause" })
    );
    for c in &d.causes {
        let _ = writeln!(out, "  - [{}] {}", kind_text(&c.kind), c.text);
    }
    if !d.fixes.is_empty() {
        let _ = writeln!(out, "\n{}", ctx.style.bold("Fix"));
        for f in &d.fixes {
            let mark = if f.verified {
                ctx.style.good("verified")
            } else {
                ctx.style.warn("not verified")
            };
            let code = f
                .after
                .as_ref()
                .map(|a| format!(": {}", a.code))
                .unwrap_or_default();
            let side = match f.side {
                Side::Device => "device",
                Side::Server => "server",
                Side::Config => "config",
            };
            let _ = writeln!(out, "  {}. [{side}] {} [{mark}{code}]", f.rank, f.text);
            if f.der_bytes > 0 {
                let _ = writeln!(
                    out,
                    "     {} B DER, {} B as cert_pem PEM (with NUL), {} B as ESP bundle records",
                    f.der_bytes, f.pem_bytes, f.esp_bundle_bytes
                );
            }
            match &f.why_unverified {
                Some(w) => {
                    let _ = writeln!(out, "     why not verified: {w}");
                }
                None => {
                    let _ = writeln!(out, "     {}", f.check);
                }
            }
            if let Some(p) = &f.paste {
                let _ = writeln!(out, "     paste ({}):", f.paste_format.unwrap_or("text"));
                for l in p.lines() {
                    let _ = writeln!(out, "       {l}");
                }
            }
        }
        if let Some(a) = &d.after_all {
            let _ = writeln!(
                out,
                "  with the first verified fix of every cause: {}",
                if a.ok {
                    ctx.style.good("the device accepts the chain")
                } else {
                    ctx.style.warn(&format!("still {}", a.code))
                }
            );
        }
    }
    if !d.warnings.is_empty() {
        let _ = writeln!(out, "\n{}", ctx.style.bold("Warnings"));
        for w in &d.warnings {
            let _ = writeln!(out, "  - {w}");
        }
    }
    if let Some(n) = &d.needs {
        let _ = writeln!(out, "\n{}", ctx.style.bold("To confirm"));
        let _ = writeln!(out, "  give {}: {}", n.input, n.why);
        let _ = writeln!(out, "  get it with: {}", n.command);
    }
    out
}

fn kind_text(k: &anchorkit::diagnose::CauseKind) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The stack a pinning sketch runs on, read from the first trust file that names one; with
/// the reason, in words.
fn pin_stack(trust: &[std::path::PathBuf]) -> Option<(&'static str, String)> {
    trust.iter().find_map(|p| {
        let text =
            anchorkit::input::read_text(p, anchorkit::intake::MAX_INPUT_BYTES, "--trust").ok()?;
        let (profile, why) = anchorkit::intake::pins::stack_of(&text)?;
        Some((profile, format!("{} {why}", p.display())))
    })
}
