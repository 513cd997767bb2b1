//! `anchorkit verify`: what a device's TLS stack decides about a served chain.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anchorkit::verify::{CertRef, HostCheck, Request, Verdict, verify};

use super::device::{DeviceArgs, ServedArgs, load_trust};
use super::{CmdError, Ctx, at_time, print_json};

/// Arguments of `anchorkit verify`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  anchorkit verify --trust examples/user-story/cert_pem.c --chain chain.pem \\
      --host optimized.realyze.com --profile esp-idf-4.4 --at 2022-04-06
  anchorkit verify --trust mozilla --chain chain.pem --host example.com --profile mbedtls-3.6
  anchorkit verify --trust build/x509_crt_bundle --chain chain.pem --profile esp-idf-5.4
  anchorkit verify --trust root.pem --chain chain.pem --host example.com --profile all
  anchorkit verify --trust root.pem --chain chain.pem --host example.com --sdkconfig sdkconfig
  anchorkit verify --trust cert_pem.c --connect my.server --profile esp-idf-4.4

Exit codes: 0 the device accepts the chain (with several profiles: every one does), 1 it
rejects it (any of them does), 2 bad input.")]
pub struct Args {
    /// What the device trusts: PEM, DER, C source, ESP-IDF bundle, a directory, or `mozilla`.
    #[arg(long, required = true, num_args = 1..)]
    pub trust: Vec<PathBuf>,
    #[command(flatten)]
    pub served: ServedArgs,
    #[command(flatten)]
    pub device: DeviceArgs,
}

/// Runs the subcommand.
pub fn run(args: &Args, ctx: &Ctx) -> Result<ExitCode, CmdError> {
    let trust = load_trust(&args.trust)?;
    let at = at_time(args.device.at.as_deref())?;
    let served = args.served.load_completed(at)?;
    let chain = served.entries.clone();
    let default_host = served.host.clone();
    let host_name = args.device.host_or(default_host);
    let host = match host_name.as_deref() {
        Some(h) => HostCheck::Name(h),
        None => HostCheck::None,
    };
    if args.device.is_matrix() {
        let profiles = args.device.profiles(&trust)?;
        let req = Request {
            trust: &trust,
            chain: &chain,
            host,
            at,
        };
        let rows: Vec<Verdict> = profiles.iter().map(|p| verify(p, &req)).collect();
        if ctx.json {
            let rows: Vec<Output> = rows
                .iter()
                .zip(&profiles)
                .map(|(v, p)| Output::new(v, p, &served, &trust, host, at))
                .collect();
            print_json(&rows)?;
        } else {
            out!("{}", render_matrix(&profiles, &rows, ctx));
            if let Some(c) = &served.completion {
                outln!("{}", ctx.style.warn(&format!("assumed: {}", c.note())));
            }
        }
        // 0 when every stack accepts, 1 when any rejects.
        return Ok(if rows.iter().all(|v| v.ok) {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    let profile = args.device.profile(&trust)?;
    let v = verify(
        &profile,
        &Request {
            trust: &trust,
            chain: &chain,
            host,
            at,
        },
    );
    if ctx.json {
        print_json(&Output::new(&v, &profile, &served, &trust, host, at))?;
    } else {
        out!("{}", render(&v, ctx));
        if let Some(o) = Output::new(&v, &profile, &served, &trust, host, at).as_given {
            out!("{}", completed_text(served.completion.as_ref(), &o, ctx));
        }
    }
    Ok(if v.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The verdict on the chain exactly as given, beside a verdict on a completed chain.
#[derive(serde::Serialize)]
pub struct AsGiven {
    /// The device proceeds with only what was given.
    pub ok: bool,
    /// Its code.
    pub code: String,
    /// Its code's name.
    pub code_name: Option<String>,
    /// Its verify flags.
    pub flags: Option<u32>,
}

/// `verify --json`: the verdict, and what completion added.
#[derive(serde::Serialize)]
pub struct Output<'a> {
    /// The verdict (its fields at the top level).
    #[serde(flatten)]
    pub verdict: &'a Verdict,
    /// The certificates added to the chain given, from anchorkit's compiled-in CA data.
    pub completed_with: Vec<anchorkit::complete::Added>,
    /// The verdict on the chain as given, when it was completed.
    pub as_given: Option<AsGiven>,
}

impl<'a> Output<'a> {
    fn new(
        v: &'a Verdict,
        p: &anchorkit::profile::Profile,
        served: &super::device::Served,
        trust: &[anchorkit::anchor::TrustAnchor],
        host: HostCheck<'_>,
        at: i64,
    ) -> Output<'a> {
        let as_given = served.completion.as_ref().map(|_| {
            let g = verify(
                p,
                &Request {
                    trust,
                    chain: &served.given,
                    host,
                    at,
                },
            );
            AsGiven {
                ok: g.ok,
                code: g.code,
                code_name: g.code_name,
                flags: g.flags,
            }
        });
        Output {
            verdict: v,
            completed_with: served
                .completion
                .as_ref()
                .map(|c| c.added.clone())
                .unwrap_or_default(),
            as_given,
        }
    }
}

fn completed_text(c: Option<&anchorkit::complete::Completion>, g: &AsGiven, ctx: &Ctx) -> String {
    let Some(c) = c else {
        return String::new();
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  {}",
        ctx.style.warn(&format!("assumed: {}", c.note()))
    );
    let _ = writeln!(
        out,
        "  with only the chain given, the device {} ({}{}); `anchorkit probe HOST` shows what the server really sends, --as-sent judges the chain as given",
        if g.ok { "accepts it" } else { "rejects it" },
        g.code,
        g.code_name
            .as_deref()
            .map(|n| format!(" {n}"))
            .unwrap_or_default()
    );
    out
}

/// Renders one row per stack: profile, verdict, code and its name, the first reason.
pub fn render_matrix(
    profiles: &[anchorkit::profile::Profile],
    rows: &[Verdict],
    ctx: &Ctx,
) -> String {
    let mut out = String::new();
    let w = profiles
        .iter()
        .map(|p| p.name().len())
        .max()
        .unwrap_or(8)
        .max(7);
    let code_of = |v: &Verdict| match &v.code_name {
        Some(n) if !v.ok && *n != v.code => format!("{} {n}", v.code),
        _ => v.code.clone(),
    };
    let cw = rows
        .iter()
        .map(|v| code_of(v).len())
        .max()
        .unwrap_or(4)
        .max(4);
    let _ = writeln!(
        out,
        "{:<w$}  {:<7}  {:<cw$}  why",
        "profile", "verdict", "code"
    );
    for (p, v) in profiles.iter().zip(rows) {
        let verdict = if v.ok {
            ctx.style.good("accepts")
        } else {
            ctx.style.bad("rejects")
        };
        let why = v
            .reasons
            .first()
            .map(|r| r.message())
            .unwrap_or_else(|| match &v.anchor {
                Some(a) => format!("anchored at {}", a.subject),
                None => String::new(),
            });
        let _ = writeln!(
            out,
            "{:<w$}  {verdict}  {:<cw$}  {why}",
            p.name(),
            code_of(v)
        );
    }
    out
}

/// Renders a verdict as text.
pub fn render(v: &Verdict, ctx: &Ctx) -> String {
    let mut out = String::new();
    let status = if v.ok {
        ctx.style.good("ACCEPTED")
    } else {
        ctx.style.bad("REJECTED")
    };
    let _ = writeln!(out, "{status}  {}", v.profile);
    let _ = write!(out, "  return   {}", v.code);
    if let Some(n) = &v.code_name {
        let _ = write!(out, " ({n})");
    }
    out.push('\n');
    if let Some(f) = v.flags {
        let names = if f == u32::MAX {
            "(all bits set: a fatal error, not a list of reasons)".to_string()
        } else if v.flag_names.is_empty() {
            "none".to_string()
        } else {
            v.flag_names.join(" | ")
        };
        let _ = writeln!(out, "  flags    0x{f:08X} {names}");
    }
    if !v.path.is_empty() {
        let _ = writeln!(out, "  path (leaf first):");
        for p in &v.path {
            let src = match p.at {
                CertRef::Chain(i) => format!("served [{i}]"),
                CertRef::Trust(i) => format!("trust  [{i}]"),
            };
            let fl = if p.flag_names.is_empty() {
                String::new()
            } else {
                format!("  <- {}", p.flag_names.join("|"))
            };
            let _ = writeln!(out, "    {src}  {}{fl}", p.subject);
        }
    }
    match &v.anchor {
        Some(a) => {
            let _ = writeln!(
                out,
                "  anchor   {} ({}, from {})",
                a.subject, a.kind, a.origin
            );
        }
        None => {
            let _ = writeln!(out, "  anchor   none reached");
        }
    }
    if !v.reasons.is_empty() {
        let _ = writeln!(out, "  why:");
        for r in &v.reasons {
            let _ = writeln!(out, "    - {}", r.message());
        }
    }
    out
}
