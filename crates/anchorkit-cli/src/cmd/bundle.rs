//! `anchorkit bundle`: the smallest durable trust bundle, written byte-exact; or ESP-IDF's
//! whole-store generator, reproduced with its traps reported.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anchorkit::anchor::TrustAnchor;
use anchorkit::bundle::formats::{self, read_back};
use anchorkit::bundle::generate::{Filter, Generated, from_mozilla, generate};
use anchorkit::bundle::{
    Offer, OutputFormat, Plan, Policy, Prefer, Rendered, plan, round_trip_plan, store_offers,
};
use anchorkit::intake::read_path;
use anchorkit::profile::Profile;
use anchorkit::store::Store;

use super::doctor::parse_lifetime;
use super::{CmdError, Ctx, at_time, print_json};

/// Arguments of `anchorkit bundle`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  anchorkit bundle --chain server-chain.pem --profile esp-idf-5.3 --lifetime 10y --redundancy 2 --format c -o ca.h
  anchorkit bundle --ca \"Let's Encrypt\" --ca Amazon --format esp-bundle -o x509_crt_bundle
  anchorkit bundle --from-store cacrt_all.pem --filter common --format esp-bundle-legacy -o x509_crt_bundle

Formats: esp-bundle-legacy (ESP-IDF v4.2-v5.3, Arduino-ESP32 2.x/3.0/3.1), esp-bundle (v5.4+),
pem, c, c-array, arduino, bearssl, esp8266-certstore, rust, der (a directory).
An anchor covers a server when the device (--profile) accepts its served chain with that anchor
alone, now (--at) and at the end of the lifetime (time checks on, the served chain renewed, the
anchor held to its own dates). --redundancy N: every server keeps N independent CA owners
(backups are ESP-IDF's common CAs). Nothing is written unless the output reads back and every
server verifies with it.
Exit codes: 0 written (or planned), 1 the policy cannot be met (budget, uncovered server),
2 bad input.")]
pub struct Args {
    /// A served chain, leaf first (one server per file; repeatable).
    #[arg(long, num_args = 1..)]
    pub chain: Vec<PathBuf>,
    /// A live server the device talks to: its chain is captured (HOST or HOST:PORT;
    /// repeatable).
    #[arg(long, value_name = "HOST[:PORT]")]
    pub connect: Vec<String>,
    /// A CA whose servers the device talks to, by owner or root name (repeatable).
    #[arg(long)]
    pub ca: Vec<String>,
    /// Whole-store mode (ESP-IDF's generator): `mozilla`, or PEM/DER files or directories such
    /// as cacrt_all.pem.
    #[arg(long, num_args = 1..)]
    pub from_store: Vec<String>,
    /// Whole-store filter: `common` (ESP-IDF's common CA list, built in) or a CSV in the format
    /// of cmn_crt_authorities.csv.
    #[arg(long)]
    pub filter: Option<String>,
    /// Whole-store mode: a deprecated-roots PEM appended unfiltered (cacrt_deprecated.pem).
    #[arg(long)]
    pub deprecated: Option<PathBuf>,
    /// Events beyond the built-in ones (anchorkit.events/1 JSON; repeatable): a durable cover
    /// must keep the device connecting through every served-chain change they describe.
    #[arg(long)]
    pub events: Vec<PathBuf>,
    /// Certificates the events name (files or directories of .pem/.crt/.der; repeatable).
    /// Without them an endpoint is judged on today's chain alone.
    #[arg(long, num_args = 1..)]
    pub certs: Vec<PathBuf>,
    /// Extra candidate anchors beyond the Mozilla store (any intake input; repeatable).
    #[arg(long)]
    pub extra: Vec<PathBuf>,
    /// Device profile (decides coverage). Default: the release an --sdkconfig names, else
    /// esp-idf-5.3.
    #[arg(long)]
    pub profile: Option<String>,
    /// The firmware's ESP-IDF sdkconfig (the device's Mbed TLS build decides coverage).
    #[arg(long, value_name = "FILE")]
    pub sdkconfig: Option<PathBuf>,
    /// An mbedtls_config.h or user config header for an Mbed TLS based profile.
    #[arg(long, value_name = "FILE")]
    pub mbedtls_config: Option<PathBuf>,
    /// Output format (default: pem; esp-bundle in whole-store mode).
    #[arg(long)]
    pub format: Option<String>,
    /// Output file (a directory for --format der); without it, text formats print to stdout.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Device lifetime: every anchor must stay usable that long (e.g. 10y, 18m, 400d;
    /// default 10y).
    #[arg(long)]
    pub lifetime: Option<String>,
    /// End of life as a date instead of --lifetime.
    #[arg(long)]
    pub until: Option<String>,
    /// Distinct CA owners every server must be able to fall back to (default 1).
    #[arg(long)]
    pub redundancy: Option<usize>,
    /// Flash budget, e.g. 4KiB, 6000.
    #[arg(long)]
    pub budget: Option<String>,
    /// Tie-break among sets of equal size: smallest (fewest anchors, the default), longest
    /// (lived), ecdsa.
    #[arg(long)]
    pub prefer: Option<String>,
    /// Now (RFC 3339 or YYYY-MM-DD; default: now).
    #[arg(long)]
    pub at: Option<String>,
}

fn parse_size(s: &str) -> Result<usize, CmdError> {
    anchorkit::units::parse_size(s).map_err(|e| format!("--budget {e}").into())
}

fn parse_format(args: &Args, default: OutputFormat) -> Result<OutputFormat, CmdError> {
    match &args.format {
        None => Ok(default),
        Some(f) => OutputFormat::from_name(f).ok_or_else(|| {
            format!(
                "unknown --format '{f}'; expected one of: {}",
                OutputFormat::ALL
                    .iter()
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
            .into()
        }),
    }
}

/// Writes through a temporary name and a rename (the library's `output` module), so a
/// failure leaves nothing half-written and a directory output holds no stale files.
fn write_atomically(out: &Path, r: &Rendered) -> Result<(), CmdError> {
    match r {
        Rendered::File(bytes) => anchorkit::output::write_file(out, bytes)?,
        Rendered::Dir(files) => anchorkit::output::write_dir(out, files)?,
    }
    Ok(())
}

/// Prints to stdout, reporting a failed write (a full disk, a closed pipe).
fn out(text: &str) -> Result<(), CmdError> {
    super::write_out(text)
}

fn print_rendered(format: OutputFormat, r: &Rendered) -> Result<(), CmdError> {
    match r {
        Rendered::File(b)
            if !format.is_esp_bundle() && format != OutputFormat::Esp8266Certstore =>
        {
            out(&format!("\n{}\n", String::from_utf8_lossy(b)))
        }
        _ => out("(binary or directory output: give -o to write it)\n"),
    }
}

/// Runs the subcommand.
pub fn run(args: &Args, ctx: &Ctx) -> Result<ExitCode, CmdError> {
    if !args.from_store.is_empty() {
        if !args.chain.is_empty() || !args.ca.is_empty() || !args.connect.is_empty() {
            return Err(
                "--from-store builds a whole store; it does not take --chain, --connect or --ca"
                    .into(),
            );
        }
        // Whole-store mode takes no endpoint options: refuse them rather than ignore them.
        let given: Vec<&str> = [
            ("--budget", args.budget.is_some()),
            ("--lifetime", args.lifetime.is_some()),
            ("--until", args.until.is_some()),
            ("--redundancy", args.redundancy.is_some()),
            ("--prefer", args.prefer.is_some()),
            ("--extra", !args.extra.is_empty()),
            ("--events", !args.events.is_empty()),
            ("--certs", !args.certs.is_empty()),
            ("--at", args.at.is_some()),
            ("--profile", args.profile.is_some()),
            ("--sdkconfig", args.sdkconfig.is_some()),
            ("--mbedtls-config", args.mbedtls_config.is_some()),
        ]
        .into_iter()
        .filter(|(_, on)| *on)
        .map(|(n, _)| n)
        .collect();
        if !given.is_empty() {
            return Err(format!(
                "--from-store builds ESP-IDF's whole-store bundle; {} belong(s) to the --chain/--ca mode",
                given.join(", ")
            )
            .into());
        }
        return whole_store(args, ctx);
    }
    if args.filter.is_some() || args.deprecated.is_some() {
        return Err("--filter and --deprecated belong to --from-store".into());
    }
    endpoints_mode(args, ctx)
}

fn read_endpoints(
    args: &Args,
    store: &Store,
    events: &anchorkit::events::Events,
    at: i64,
) -> Result<anchorkit::bundle::endpoints::Servers, CmdError> {
    let chains: Vec<&Path> = args.chain.iter().map(PathBuf::as_path).collect();
    let connect: Vec<&str> = args.connect.iter().map(String::as_str).collect();
    let cas: Vec<&str> = args.ca.iter().map(String::as_str).collect();
    Ok(anchorkit::bundle::endpoints::read(
        &chains, &connect, &cas, store, events, at,
    )?)
}

/// The built-in events plus --events, and the certificates of --certs and --extra.
fn timeline(args: &Args) -> Result<anchorkit::bundle::plan::Timeline, CmdError> {
    let files: Vec<&Path> = args.events.iter().map(PathBuf::as_path).collect();
    let events = anchorkit::events::Events::builtin_and(&files)?;
    let mut pool = Vec::new();
    for p in args.certs.iter().chain(&args.extra) {
        pool.extend(anchorkit::intake::read_certificates(p)?);
    }
    Ok(anchorkit::bundle::plan::Timeline { events, pool })
}

fn endpoints_mode(args: &Args, ctx: &Ctx) -> Result<ExitCode, CmdError> {
    let format = parse_format(args, OutputFormat::Pem)?;
    if args.chain.is_empty() && args.ca.is_empty() && args.connect.is_empty() {
        return Err("give the servers: --chain FILE (served chains), --connect HOST[:PORT] or --ca NAME, or --from-store for a whole store".into());
    }
    let profile = Profile::load(
        args.profile.as_deref(),
        "esp-idf-5.3",
        args.sdkconfig.as_deref(),
        args.mbedtls_config.as_deref(),
    )?;
    let at = at_time(args.at.as_deref())?;
    let until = match &args.until {
        Some(u) => anchorkit::cert::parse_time(u)?,
        None => at + parse_lifetime(args.lifetime.as_deref().unwrap_or("10y"))?,
    };
    if until < at {
        return Err("--until is before --at".into());
    }
    super::within_dates(until, "--at plus --lifetime")?;
    let prefer_name = args.prefer.as_deref().unwrap_or("smallest");
    let prefer = Prefer::from_name(prefer_name).ok_or_else(|| {
        format!(
            "--prefer '{}': expected smallest, longest or ecdsa",
            prefer_name
        )
    })?;
    let budget = args.budget.as_deref().map(parse_size).transpose()?;
    let store = Store::mozilla();
    let timeline = timeline(args)?;
    let servers = read_endpoints(args, store, &timeline.events, at)?;
    let endpoints = servers.endpoints.clone();
    if !ctx.json {
        for n in &servers.completed {
            super::err_line(&format!("anchorkit: {n}"));
        }
    }
    let policy = Policy {
        profile,
        format,
        at,
        until,
        redundancy: args.redundancy.unwrap_or(1).max(1),
        budget,
        prefer,
        timeline: Some(std::sync::Arc::new(timeline)),
    };
    let mut offers = store_offers(store);
    offers.extend(servers.offers.iter().cloned());
    for x in &args.extra {
        for f in read_path(x)? {
            let a = f.to_anchor();
            let owner = a.subject.organization().unwrap_or_else(|| a.label());
            offers.push(Offer {
                anchor: a,
                owner,
                common: false,
            });
        }
    }
    let p = plan(&endpoints, &offers, &policy);
    let chosen: Vec<TrustAnchor> = p.anchors.iter().map(|a| a.anchor.clone()).collect();
    let owners: Vec<Option<String>> = p.anchors.iter().map(|a| Some(a.owner.clone())).collect();
    let mut written = None;
    let mut round_trip_ok = None;
    let mut rendered = None;
    if p.meets_policy() {
        let r = formats::render(format, &chosen, &owners)?;
        let back = read_back(format, &r, &chosen)
            .map_err(|e| format!("the {} output does not read back: {e}", format.name()))?;
        let failed = round_trip_plan(&back, &endpoints, &p, &policy);
        if !failed.is_empty() || back.len() != chosen.len() {
            report(ctx, &p, None, Some(false), &servers.completed)?;
            super::err_line(&format!(
                "anchorkit: round trip failed (nothing written): {}",
                if failed.is_empty() {
                    format!("{} anchors written, {} read back", chosen.len(), back.len())
                } else {
                    failed.join(", ")
                }
            ));
            return Ok(ExitCode::from(1));
        }
        round_trip_ok = Some(true);
        if let Some(out) = &args.output {
            write_atomically(out, &r)?;
            written = Some(out.display().to_string());
        }
        rendered = Some(r);
    }
    report(
        ctx,
        &p,
        written.as_deref(),
        round_trip_ok,
        &servers.completed,
    )?;
    if let (Some(r), None, false) = (&rendered, &written, ctx.json) {
        print_rendered(format, r)?;
    }
    Ok(if p.meets_policy() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn report(
    ctx: &Ctx,
    p: &Plan,
    written: Option<&str>,
    round_trip_ok: Option<bool>,
    completed: &[String],
) -> Result<(), CmdError> {
    if ctx.json {
        print_json(&serde_json::json!({
            "plan": p,
            "written": written,
            "round_trip_ok": round_trip_ok,
            "completed": completed,
        }))
    } else {
        out(&render_plan(p, written, round_trip_ok, ctx))
    }
}

fn day(s: &str) -> &str {
    s.get(..10).unwrap_or(s)
}

fn render_plan(p: &Plan, written: Option<&str>, round_trip_ok: Option<bool>, ctx: &Ctx) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} for {} as {}, from {} until {}, {} independent owner(s) per server",
        ctx.style.bold("Bundle"),
        p.profile,
        p.format.name(),
        day(&p.at),
        day(&p.until),
        p.redundancy
    );
    for a in &p.anchors {
        let mut what = Vec::new();
        if !a.covers.is_empty() {
            what.push(format!("today: {}", a.covers.join(", ")));
        }
        if !a.covers_at_end.is_empty() {
            what.push(format!("at the end: {}", a.covers_at_end.join(", ")));
        }
        if a.common {
            what.push("backup for every server".into());
        }
        let _ = writeln!(
            out,
            "  {:<6} {}  [{}; {}; expires {}]  {} B  ({})",
            a.role.name(),
            a.name,
            a.owner,
            a.key,
            a.expires.as_deref().map_or("-", day),
            a.bytes,
            what.join("; ")
        );
    }
    let _ = writeln!(
        out,
        "  total {} B in {}{}",
        p.total_bytes,
        p.format.name(),
        if p.exact { "" } else { " (not proven minimal)" }
    );
    if let Some(b) = p.budget {
        let _ = writeln!(
            out,
            "  budget {b} B: {}",
            if p.within_budget {
                ctx.style.good("met")
            } else {
                ctx.style.bad(&format!(
                    "NOT met; the smallest possible is {} B",
                    p.total_bytes
                ))
            }
        );
    }
    if let Some(r) = &p.runner_up {
        let _ = writeln!(
            out,
            "  runner-up: {} ({} B)",
            r.anchors.join(" + "),
            r.total_bytes
        );
    }
    for e in &p.endpoints {
        if e.covered_by.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "  server {}: today {}; at the end {}; owners {}",
            e.name,
            e.covered_by.join(", "),
            if e.durable {
                e.covered_at_end_by.join(", ")
            } else {
                "nothing (see the notes)".to_string()
            },
            e.owners.join(", "),
        );
    }
    for l in &p.lifetime {
        let _ = writeln!(
            out,
            "  over the lifetime (events) {}: this set {}{}",
            l.endpoint,
            l.chosen,
            l.runner_up
                .as_deref()
                .map(|r| format!("; runner-up {r}"))
                .unwrap_or_default()
        );
    }
    for u in &p.uncovered {
        let _ = writeln!(
            out,
            "  {} {}: {}",
            ctx.style.bad("uncovered"),
            u.endpoint,
            u.reason
        );
    }
    for n in &p.notes {
        let _ = writeln!(out, "  note: {}", n.message());
    }
    match (written, round_trip_ok) {
        (Some(w), _) => {
            let _ = writeln!(out, "  written {w}; read back and every server re-verified");
        }
        (None, Some(true)) => {
            let _ = writeln!(out, "  read back and every server re-verified");
        }
        (None, Some(false)) => {
            let _ = writeln!(
                out,
                "  {}",
                ctx.style.bad("round trip failed; nothing written")
            );
        }
        (None, None) => {
            let _ = writeln!(out, "  nothing written: the policy is not met");
        }
    }
    out
}

/// Expands a whole-store input: a directory becomes its `.pem`/`.der` files (sorted by name;
/// ESP-IDF takes them in directory order).
fn store_inputs(spec: &str) -> Result<Vec<(String, Vec<u8>)>, CmdError> {
    let p = Path::new(spec);
    if p.is_dir() {
        let mut names: Vec<PathBuf> = std::fs::read_dir(p)
            .map_err(|e| format!("{spec}: cannot read: {e}"))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|f| {
                f.is_file()
                    && f.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.ends_with(".pem") || n.ends_with(".der"))
            })
            .collect();
        names.sort();
        if names.is_empty() {
            return Err(format!("{spec}: no .pem or .der file in this directory (ESP-IDF stops with 'No valid x509 certificates found')").into());
        }
        return names
            .into_iter()
            .map(|f| {
                anchorkit::input::read(&f, anchorkit::input::MAX_CERT_INPUT, "store file")
                    .map(|b| (f.display().to_string(), b))
                    .map_err(|e| e.into())
            })
            .collect();
    }
    let bytes = anchorkit::input::read(p, anchorkit::input::MAX_CERT_INPUT, "store file")?;
    Ok(vec![(spec.to_string(), bytes)])
}

fn whole_store(args: &Args, ctx: &Ctx) -> Result<ExitCode, CmdError> {
    let format = parse_format(args, OutputFormat::EspBundle)?;
    let filter = match args.filter.as_deref() {
        None => Filter::None,
        Some("common") => Filter::common(),
        Some(f) => {
            let text = anchorkit::input::read_text(
                std::path::Path::new(f),
                anchorkit::input::MAX_CONFIG_INPUT,
                "filter CSV",
            )?;
            Filter::from_csv(f, &text)?
        }
    };
    let mut g = Generated::default();
    let mut files = Vec::new();
    for s in &args.from_store {
        if s == "mozilla" {
            let m = from_mozilla(&filter);
            g.anchors.extend(m.anchors);
            g.owners.extend(m.owners);
        } else {
            files.extend(store_inputs(s)?);
        }
    }
    let used_mozilla = !g.anchors.is_empty() || args.from_store.iter().any(|s| s == "mozilla");
    if let Some(d) = &args.deprecated {
        let bytes = anchorkit::input::read(d, anchorkit::input::MAX_CERT_INPUT, "deprecated list")?;
        // The deprecated list is never filtered, whatever its name.
        files.push((format!("{}", d.display()), bytes));
    }
    if !files.is_empty() {
        let file_filter =
            if used_mozilla && !files.iter().any(|(n, _)| n.ends_with("cacrt_all.pem")) {
                Filter::None
            } else {
                filter.clone()
            };
        let f = generate(&files, &file_filter)?;
        g.anchors.extend(f.anchors);
        g.owners.extend(f.owners);
        g.warnings.extend(f.warnings);
    }
    anchorkit::bundle::generate::duplicate_warnings(&mut g);
    if format.is_esp_bundle() {
        g.check_count(format == OutputFormat::EspBundleLegacy);
    }
    g.compact_warnings();
    let rendered = formats::render(format, &g.anchors, &g.owners)?;
    let back = read_back(format, &rendered, &g.anchors)
        .map_err(|e| format!("the {} output does not read back: {e}", format.name()))?;
    let same = back.len() == g.anchors.len() && {
        let key = |a: &TrustAnchor| (a.subject_raw().to_vec(), a.spki_raw().to_vec());
        let mut x: Vec<_> = back.iter().map(key).collect();
        let mut y: Vec<_> = g.anchors.iter().map(key).collect();
        x.sort();
        y.sort();
        x == y
    };
    if !same {
        return Err(format!(
            "round trip: wrote {} anchors, read back {} that differ; nothing written",
            g.anchors.len(),
            back.len()
        )
        .into());
    }
    if let Some(out) = &args.output {
        write_atomically(out, &rendered)?;
    }
    if ctx.json {
        let warnings: Vec<serde_json::Value> = g
            .warnings
            .iter()
            .map(|w| {
                let mut v = serde_json::to_value(w).unwrap_or_default();
                if let Some(o) = v.as_object_mut() {
                    o.insert("message".into(), w.to_string().into());
                }
                v
            })
            .collect();
        print_json(&serde_json::json!({
            "schema": "anchorkit.bundle-store/1",
            "format": format,
            "anchors": g.anchors.len(),
            "bytes": rendered.len(),
            "warnings": warnings,
            "written": args.output.as_ref().map(|o| o.display().to_string()),
        }))?;
    } else {
        for w in &g.warnings {
            super::err_line(&format!("anchorkit: {}: {w}", ctx.style.warn("warning")));
        }
        out(&format!(
            "{} anchors, {} bytes as {}\n",
            g.anchors.len(),
            rendered.len(),
            format.name()
        ))?;
        match &args.output {
            Some(o) => out(&format!(
                "written {}; read back: {} records, the same as generated\n",
                o.display(),
                back.len()
            ))?,
            None => print_rendered(format, &rendered)?,
        }
    }
    Ok(ExitCode::SUCCESS)
}
