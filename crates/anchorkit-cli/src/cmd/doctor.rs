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

Exit codes: 0 the device accepts the chain, 1 it rejects it (fixes are printed), 2 bad input.")]
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
    #[command(flatten)]
    pub device: DeviceArgs,
}

/// Parses `10y`, `18m`, `90d` into seconds.
pub fn parse_lifetime(s: &str) -> Result<i64, CmdError> {
    anchorkit::units::parse_duration(s).map_err(|e| format!("--lifetime {e}").into())
}

/// Runs the subcommand.
pub fn run(args: &Args, ctx: &Ctx) -> Result<ExitCode, CmdError> {
    let trust = load_trust(&args.trust)?;
    let trust_format = args
        .trust
        .iter()
        .find(|p| p.as_os_str() != "mozilla")
        .and_then(|p| read_path(p).ok())
        .and_then(|f| f.first().map(|x| x.origin.format));
    let at = at_time(args.device.at.as_deref())?;
    let events = anchorkit::events::Events::builtin();
    let mut assumed: Vec<String> = Vec::new();
    let mut completion = None;
    let mut synthetic: Option<Assumed> = None;
    let mut given: Option<Vec<anchorkit::cert::Certificate>> = None;
    let mut raw_entries: Option<Vec<anchorkit::cert::ChainEntry>> = None;
    let (chain, host) = if args.chain.is_empty() && args.connect.is_none() {
        let host = args.device.host_or(None);
        let guess = match &args.ca {
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
    let profile = args.device.profile(&trust)?;
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
    if ctx.json {
        print_json(&d)?;
    } else {
        out!("{}", render(&d, ctx));
    }
    Ok(if d.accepted {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
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
