//! `anchorkit plan` and `anchorkit check`: the device's verdict over its life, from the events
//! (the library's `plan` module), as a timeline or as a CI gate.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anchorkit::cert::{Certificate, format_date};
use anchorkit::events::Events;
use anchorkit::intake::{Found, read_certificates, read_path};
use anchorkit::plan::{Endpoint, Firmware, Input, Plan, Served, plan};

use super::device::DeviceArgs;
use super::doctor::parse_lifetime;
use super::{CmdError, Ctx, at_time, print_json};

/// What `plan` and `check` share.
#[derive(clap::Args, Debug)]
pub struct Common {
    /// The device's trust, as FILE or LABEL=FILE (several firmware versions: --trust v1=a.pem
    /// --trust v2=b.pem). Any form `inspect` reads.
    #[arg(long, num_args = 1..)]
    pub trust: Vec<String>,
    /// A served chain, leaf first (repeatable).
    #[arg(long, num_args = 1..)]
    pub chain: Vec<PathBuf>,
    /// A live server whose chain is captured (HOST or HOST:PORT; repeatable).
    #[arg(long, value_name = "HOST[:PORT]")]
    pub connect: Vec<String>,
    /// Any server of a CA: an events id or service (letsencrypt, azure-iot-hub, aws-iot), an
    /// owner ("Let's Encrypt", ISRG, Amazon) or a root name ("ISRG Root X1"), case-insensitive;
    /// :rsa or :ecdsa names the leaf key (default rsa). Repeatable.
    #[arg(long, value_name = "NAME")]
    pub ca: Vec<String>,
    /// The update (OTA) endpoint, named as given to --chain, --connect or --ca.
    #[arg(long)]
    pub ota: Option<String>,
    /// More certificates: fix candidates and certificates your own events name, beyond the
    /// Mozilla store and the public CA certificates compiled in (files or directories;
    /// repeatable).
    #[arg(long, num_args = 1..)]
    pub certs: Vec<PathBuf>,
    /// More events (anchorkit.events/1 JSON; repeatable), added to the built-in ones.
    #[arg(long)]
    pub events: Vec<PathBuf>,
    #[command(flatten)]
    pub device: DeviceArgs,
}

/// `anchorkit plan`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  anchorkit plan --trust isrgrootx1.pem --ca \"Let's Encrypt\" --profile esp-idf-4.4 --at 2026-01-01 --lifetime 10y
  anchorkit plan --trust v1=old.pem --trust v2=new.pem --chain ota-chain.pem --ota ota-chain.pem --profile esp-idf-5.4

The device's verdict is walked over every event (data/events.json and --events) and
certificate date from --at to the end of life: per endpoint, firmware and profile the dates it
breaks and why, the fix re-verified, and what the time-check setting changes.
Exit codes: 0 nothing breaks before the end, 1 something breaks, 2 bad input.")]
pub struct PlanArgs {
    #[command(flatten)]
    pub common: Common,
    /// Device lifetime from --at (e.g. 10y, 18m, 400d).
    #[arg(long, default_value = "10y")]
    pub lifetime: String,
    /// End of life as a date instead of --lifetime.
    #[arg(long)]
    pub until: Option<String>,
    /// Also write the plan as one self-contained HTML file with an SVG timeline.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

/// `anchorkit check`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  anchorkit check --trust main/certs/ca.pem --chain server.pem --profile esp-idf-5.4 --horizon 2y
  anchorkit check --scan firmware/ --horizon 2y

--scan finds the trust material a firmware repository embeds (C/C++/Arduino sources, .pem/.crt/
.der files, ESP-IDF bundles, CMake EMBED_TXTFILES/EMBED_FILES, PlatformIO embed_txtfiles, the
sdkconfig's custom bundle path) and lints it: a leaf or intermediate used as an anchor, expired
anchors or anchors expiring within the horizon, weak keys, duplicates, a bundle that no longer
matches the PEM beside it.

Exit codes: 0 every endpoint verifies now and through the horizon, 1 something breaks within
it (the first date and cause are printed), 2 broken now, 3 bad input.")]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: Common,
    /// How far ahead to look (e.g. 2y, 18m).
    #[arg(long, default_value = "2y")]
    pub horizon: String,
    /// Scan a firmware repository for embedded trust material and lint it (alone: not with
    /// --trust, --chain, --connect or --ca).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["trust", "chain", "connect", "ca"])]
    pub scan: Option<PathBuf>,
}

fn read_certs(p: &Path) -> Result<Vec<Certificate>, CmdError> {
    Ok(read_path(p)?
        .iter()
        .filter_map(Found::cert)
        .cloned()
        .collect())
}

fn make(c: &Common, until: impl Fn(i64) -> Result<i64, CmdError>) -> Result<Plan, CmdError> {
    if c.trust.is_empty() {
        return Err("give the device's trust: --trust FILE (or LABEL=FILE per firmware)".into());
    }
    let from = at_time(c.device.at.as_deref())?;
    let until = until(from)?;
    if until <= from {
        return Err("the end of life is not after --at".into());
    }
    super::within_dates(until, "the end of life")?;
    let mut firmware = Vec::new();
    for t in &c.trust {
        let (label, file) = match t.split_once('=') {
            Some((l, f)) if !l.is_empty() && !l.contains('/') => (l.to_string(), f.to_string()),
            _ => (t.clone(), t.clone()),
        };
        let trust = super::device::load_trust(&[PathBuf::from(&file)])?;
        firmware.push(Firmware { label, trust });
    }
    let files: Vec<&Path> = c.events.iter().map(PathBuf::as_path).collect();
    let events = Events::builtin_and(&files)?;
    let mut pool = Vec::new();
    for p in &c.certs {
        pool.extend(read_certificates(p)?);
    }
    let mut endpoints = Vec::new();
    for f in &c.chain {
        let chain = read_certs(f)?;
        endpoints.push((f.display().to_string(), Served::Chain(chain)));
    }
    for h in &c.connect {
        let (certs, _) =
            anchorkit::probe::served_chain(h).map_err(|e| format!("--connect {h}: {e}"))?;
        let chain = certs
            .iter()
            .filter_map(|d| Certificate::from_der(d).ok())
            .collect();
        endpoints.push((h.clone(), Served::Chain(chain)));
    }
    for spec in &c.ca {
        let ca = anchorkit::caname::resolve(spec, &events, anchorkit::store::Store::mozilla())?;
        match &ca.events_id {
            Some(id) => endpoints.push((spec.clone(), Served::Ca(id.clone(), ca.key))),
            // No dated events: any server of the CA ends at one of its roots; each must stay
            // trusted.
            None => {
                for r in &ca.roots {
                    endpoints.push((
                        format!("{spec}: {}", r.subject.short()),
                        Served::Root(r.clone()),
                    ));
                }
            }
        }
    }
    if endpoints.is_empty() {
        return Err("give the endpoints: --chain FILE, --connect HOST[:PORT] or --ca ID".into());
    }
    if let Some(o) = &c.ota {
        if !endpoints.iter().any(|(n, _)| n == o) {
            return Err(format!("--ota {o}: not one of the endpoints given").into());
        }
    }
    let endpoints: Vec<Endpoint> = endpoints
        .into_iter()
        .map(|(name, served)| Endpoint {
            ota: c.ota.as_deref() == Some(name.as_str()),
            name,
            served,
        })
        .collect();
    let first_trust = firmware
        .first()
        .map(|f| f.trust.clone())
        .unwrap_or_default();
    let profiles = if c.device.is_matrix() {
        c.device.profiles(&first_trust)?
    } else {
        vec![c.device.profile(&first_trust)?]
    };
    Ok(plan(&Input {
        firmware: &firmware,
        endpoints: &endpoints,
        profiles: &profiles,
        from,
        until,
        events: &events,
        pool: &pool,
    })?)
}

fn render(p: &Plan, ctx: &Ctx) -> String {
    let mut out = format!("plan {} .. {}\n", format_date(p.from), format_date(p.until));
    for c in &p.completed {
        out.push_str(&format!("{}\n", ctx.style.warn(&format!("assumed: {c}"))));
    }
    for r in &p.rows {
        out.push_str(&format!(
            "\n{}{} · {} · {}\n",
            ctx.style.bold(&r.endpoint),
            if r.ota { " (OTA)" } else { "" },
            r.firmware,
            r.profile
        ));
        for s in &r.segments {
            let line = format!(
                "  {} .. {}  {}",
                format_date(s.from),
                format_date(s.to),
                s.why
            );
            out.push_str(&if s.ok {
                ctx.style.good(&line)
            } else {
                ctx.style.warn(&line)
            });
            out.push('\n');
        }
        match &r.breaks {
            None => out.push_str("  works to the end of life\n"),
            Some(b) => {
                out.push_str(&format!(
                    "  {} {}{}: {}\n",
                    ctx.style.warn("BREAKS"),
                    b.date_text,
                    if b.latest > b.date {
                        format!(" (every server by {})", b.latest_text)
                    } else {
                        String::new()
                    },
                    b.cause
                ));
                if let (Some(src), Some(st)) = (&b.source, &b.status) {
                    out.push_str(&format!("    source ({st}): {src}\n"));
                }
                match &r.fix {
                    Some(f) => out.push_str(&format!(
                        "  fix: trust {} (re-verified): {}\n",
                        f.add.join(", "),
                        match &f.then_breaks {
                            None => "works to the end of life".to_string(),
                            Some(b) => format!("then breaks {}: {}", b.date_text, b.cause),
                        }
                    )),
                    None => out.push_str(
                        "  fix: none found among the certificates given and the Mozilla store\n",
                    ),
                }
            }
        }
        if let Some(f) = &r.time_check_flipped {
            out.push_str(&format!(
                "  with time checks {}: {}\n",
                if f.time_check { "on" } else { "off" },
                match &f.breaks {
                    None => "works to the end of life".to_string(),
                    Some(b) => format!("breaks {}", b.date_text),
                }
            ));
        }
    }
    for (fw, d) in &p.update_by {
        out.push_str(&format!(
            "\nupdate firmware {fw} before {d}: its OTA endpoint breaks then\n"
        ));
    }
    out
}

/// Runs `plan`.
pub fn run_plan(args: &PlanArgs, ctx: &Ctx) -> Result<ExitCode, CmdError> {
    let p = make(&args.common, |from| match &args.until {
        Some(u) => Ok(anchorkit::cert::parse_time(u)?),
        None => Ok(from.saturating_add(parse_lifetime(&args.lifetime)?)),
    })?;
    if let Some(f) = &args.html {
        anchorkit::report::write_atomic(f, anchorkit::report::plan_html(&p).as_bytes())?;
    }
    if ctx.json {
        print_json(&serde_json::json!({"schema": "anchorkit.plan/1", "plan": p}))?;
    } else {
        out!("{}", render(&p, ctx));
    }
    Ok(if p.rows.iter().any(|r| r.breaks.is_some()) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn run_scan(dir: &Path, args: &CheckArgs, ctx: &Ctx) -> Result<u8, CmdError> {
    let at = at_time(args.common.device.at.as_deref())?;
    let end = at.saturating_add(parse_horizon(&args.horizon)?);
    let r = anchorkit::scan::scan(dir, at, end)?;
    let worst = r.lints.iter().map(|l| l.severity).max();
    let code = match worst {
        Some(anchorkit::scan::Severity::Broken) => 2,
        Some(anchorkit::scan::Severity::Breaks) => 1,
        _ => 0,
    };
    if ctx.json {
        print_json(&serde_json::json!({"schema": "anchorkit.scan/1", "exit": code, "scan": r}))?;
    } else {
        outln!(
            "scanned {}: {} file(s) with trust material, {} certificate(s) or anchor(s)",
            dir.display(),
            r.files.len(),
            r.anchors
        );
        for (f, how, n) in &r.files {
            outln!("  {f} ({how}): {n}");
        }
        for l in &r.lints {
            let tag = match l.severity {
                anchorkit::scan::Severity::Broken => ctx.style.warn("BROKEN"),
                anchorkit::scan::Severity::Breaks => ctx.style.warn("BREAKS"),
                anchorkit::scan::Severity::Note => "note".to_string(),
            };
            outln!(
                "{tag} {} {}: {}{}",
                l.kind,
                l.at,
                l.subject
                    .as_deref()
                    .map(|s| format!("{s}: "))
                    .unwrap_or_default(),
                l.text
            );
        }
    }
    Ok(code)
}

/// `--horizon 2y`.
fn parse_horizon(s: &str) -> Result<i64, CmdError> {
    anchorkit::units::parse_duration(s).map_err(|e| format!("--horizon {e}").into())
}

/// Runs `check`; bad input exits 3.
pub fn run_check(args: &CheckArgs, ctx: &Ctx) -> Result<ExitCode, CmdError> {
    if let Some(dir) = &args.scan {
        if args.common.trust.is_empty() {
            return Ok(ExitCode::from(match run_scan(dir, args, ctx) {
                Ok(c) => c,
                Err(e) if e.is::<super::ClosedOutput>() => 141,
                Err(e) => {
                    if ctx.json {
                        outln!(
                            "{}",
                            serde_json::json!({"schema": "anchorkit.scan/1", "error": e.to_string()})
                        );
                    } else {
                        super::err_line(&format!("anchorkit: error: {e}"));
                    }
                    3
                }
            }));
        }
    }
    let p = match make(&args.common, |from| {
        Ok(from.saturating_add(parse_horizon(&args.horizon)?))
    }) {
        Ok(p) => p,
        Err(e) => {
            if ctx.json {
                outln!("{}", serde_json::json!({"error": e.to_string()}));
            } else {
                super::err_line(&format!("anchorkit: error: {e}"));
            }
            return Ok(ExitCode::from(3));
        }
    };
    let broken_now = p.rows.iter().filter(|r| !r.ok_now).collect::<Vec<_>>();
    let first = p
        .rows
        .iter()
        .filter_map(|r| r.breaks.as_ref().map(|b| (r, b)))
        .min_by_key(|(_, b)| b.date);
    let code = if !broken_now.is_empty() {
        2
    } else if first.is_some() {
        1
    } else {
        0
    };
    if ctx.json {
        print_json(&serde_json::json!({"schema": "anchorkit.check/1", "exit": code, "plan": p}))?;
    } else {
        match (code, first) {
            (0, _) => outln!(
                "ok: every endpoint verifies now and through {}",
                format_date(p.until)
            ),
            (_, Some((r, b))) => outln!(
                "{}: {} · {} · {} breaks {}: {}",
                if code == 2 { "BROKEN NOW" } else { "BREAKS" },
                r.endpoint,
                r.firmware,
                r.profile,
                b.date_text,
                b.cause
            ),
            _ => {}
        }
    }
    Ok(ExitCode::from(code))
}
