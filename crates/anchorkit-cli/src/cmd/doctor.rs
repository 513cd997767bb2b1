//! `anchorkit doctor`: the whole story — reproduce, explain, fix, warn.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anchorkit::diagnose::{Diagnosis, Input, Side, diagnose};
use anchorkit::intake::read_path;

use super::device::{DeviceArgs, ServedArgs, chain_certs, load_chain, load_trust};
use super::{CmdError, Ctx, at_time, load_store, print_json};

/// Arguments of `anchorkit doctor`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  anchorkit doctor --trust examples/user-story/cert_pem.c --chain chain.pem \\
      --host optimized.realyze.com --profile esp-idf-4.4 --at 2022-04-06 \\
      --log \"mbedtls_ssl_handshake returned -0x2700\"
  anchorkit doctor --trust build/x509_crt_bundle --chain chain.pem --profile esp-idf-5.4 --log monitor.txt
  anchorkit doctor --trust examples/user-story/cert_pem.c --connect my.server --profile esp-idf-4.4

Exit codes: 0 the device accepts the chain, 1 it rejects it (fixes are printed), 2 bad input.")]
pub struct Args {
    /// What the device trusts: PEM, DER, C source, ESP-IDF bundle, a directory, or `mozilla`.
    #[arg(long, required = true, num_args = 1..)]
    pub trust: Vec<PathBuf>,
    #[command(flatten)]
    pub served: ServedArgs,
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
    let (entries, default_host) = args.served.load()?;
    let chain = chain_certs(&entries);
    let host = args.device.host_or(default_host);
    let profile = args.device.profile(&trust)?;
    let at = at_time(args.device.at.as_deref())?;
    let lifetime = parse_lifetime(&args.lifetime)?;
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
    let d = diagnose(
        &Input {
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
        },
        trust_format,
    );
    if ctx.json {
        print_json(&d)?;
    } else {
        out!("{}", render(&d, ctx));
    }
    Ok(if d.reproduction.verdict.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn render(d: &Diagnosis, ctx: &Ctx) -> String {
    let mut out = String::new();
    let r = &d.reproduction;
    let _ = writeln!(out, "{}", ctx.style.bold("Reproduction"));
    out.push_str(
        &super::verify::render(&r.verdict, ctx)
            .lines()
            .map(|l| format!("  {l}\n"))
            .collect::<String>(),
    );
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
    out
}

fn kind_text(k: &anchorkit::diagnose::CauseKind) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
