//! `anchorkit bundle`: the smallest durable trust bundle, written byte-exact.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anchorkit::anchor::TrustAnchor;
use anchorkit::bundle::generate::{Filter, generate};
use anchorkit::bundle::{
    Endpoint, OutputFormat, Plan, Policy, Prefer, Rendered, formats, plan, round_trip, store_offers,
};
use anchorkit::intake::{Found, read_bytes, read_path};
use anchorkit::profile::Profile;
use anchorkit::store::Store;

use super::doctor::parse_lifetime;
use super::{CmdError, Ctx, at_time, print_json};

/// Arguments of `anchorkit bundle`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  anchorkit bundle --chain server-chain.pem --profile esp-idf-5.3 --lifetime 10y --redundancy 2 --format c -o ca.h
  anchorkit bundle --ca \"Let's Encrypt\" --ca \"Amazon\" --format esp-bundle -o x509_crt_bundle
  anchorkit bundle --from-store cacrt_all.pem --filter common --format esp-bundle-legacy -o x509_crt_bundle

Formats: esp-bundle-legacy (ESP-IDF v4.2-v5.3, Arduino-ESP32 2.x/3.0/3.1), esp-bundle (v5.4+),
pem, c, c-array, arduino, bearssl, esp8266-certstore, rust, der (a directory).
Exit codes: 0 written (or planned), 1 the policy cannot be met (budget, uncovered endpoint), 2 bad input.")]
pub struct Args {
    /// A served chain, leaf first (one endpoint per file; repeatable).
    #[arg(long)]
    pub chain: Vec<PathBuf>,
    /// A CA whose servers the device talks to, by owner or root name (repeatable).
    #[arg(long)]
    pub ca: Vec<String>,
    /// Whole-store mode (ESP-IDF's generator): `mozilla` or PEM files such as cacrt_all.pem.
    #[arg(long, num_args = 1..)]
    pub from_store: Vec<String>,
    /// Whole-store filter: `common` (ESP-IDF's common CA list) or a CSV in its format.
    #[arg(long)]
    pub filter: Option<String>,
    /// Whole-store mode: a deprecated-roots PEM appended unfiltered (cacrt_deprecated.pem).
    #[arg(long)]
    pub deprecated: Option<PathBuf>,
    /// Extra candidate anchors beyond the Mozilla store (any intake input; repeatable).
    #[arg(long)]
    pub extra: Vec<PathBuf>,
    /// Device profile (decides coverage).
    #[arg(long, default_value = "esp-idf-5.3")]
    pub profile: String,
    /// Output format.
    #[arg(long, default_value = "pem")]
    pub format: String,
    /// Output file (a directory for --format der); without it, text formats print to stdout.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Device lifetime: every anchor must stay valid that long (e.g. 10y).
    #[arg(long, default_value = "10y")]
    pub lifetime: String,
    /// End of life as a date instead of --lifetime.
    #[arg(long)]
    pub until: Option<String>,
    /// Distinct CA owners the bundle must span (backup roots).
    #[arg(long, default_value_t = 1)]
    pub redundancy: usize,
    /// Flash budget, e.g. 4KiB, 6000.
    #[arg(long)]
    pub budget: Option<String>,
    /// Tie-break: smallest, longest (lived), ecdsa.
    #[arg(long, default_value = "smallest")]
    pub prefer: String,
    /// Now (RFC 3339 or YYYY-MM-DD; default: now).
    #[arg(long)]
    pub at: Option<String>,
}

fn parse_size(s: &str) -> Result<usize, CmdError> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let n: usize = n
        .parse()
        .map_err(|_| format!("--budget '{s}': expected a size such as 4KiB or 4096"))?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" | "kb" => 1024,
        "m" | "mib" | "mb" => 1024 * 1024,
        _ => return Err(format!("--budget '{s}': unknown unit (use B, KiB or MiB)").into()),
    };
    Ok(n * mult)
}

fn write_atomically(out: &Path, r: &Rendered) -> Result<(), CmdError> {
    match r {
        Rendered::File(bytes) => {
            let tmp = out.with_extension("anchorkit-tmp");
            std::fs::write(&tmp, bytes)
                .map_err(|e| format!("{}: cannot write: {e}", tmp.display()))?;
            std::fs::rename(&tmp, out)
                .map_err(|e| format!("{}: cannot write: {e}", out.display()))?;
        }
        Rendered::Dir(files) => {
            std::fs::create_dir_all(out)
                .map_err(|e| format!("{}: cannot create: {e}", out.display()))?;
            for (name, bytes) in files {
                std::fs::write(out.join(name), bytes)
                    .map_err(|e| format!("{}: cannot write: {e}", out.display()))?;
            }
        }
    }
    Ok(())
}

/// Reads the rendered output back through intake, where intake reads the format.
fn read_back(format: OutputFormat, r: &Rendered) -> Option<Result<Vec<TrustAnchor>, String>> {
    let found: Result<Vec<Found>, String> = match r {
        Rendered::File(b) => match format {
            OutputFormat::Bearssl | OutputFormat::Rust | OutputFormat::Esp8266Certstore => {
                return None;
            }
            _ => read_bytes("bundle", b).map_err(|e| e.to_string()),
        },
        Rendered::Dir(files) => files
            .iter()
            .map(|(n, b)| read_bytes(n, b).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()
            .map(|v| v.concat()),
    };
    Some(found.map(|f| f.iter().map(Found::to_anchor).collect()))
}

/// Runs the subcommand.
pub fn run(args: &Args, ctx: &Ctx) -> Result<ExitCode, CmdError> {
    let format = OutputFormat::from_name(&args.format).ok_or_else(|| {
        format!(
            "unknown --format '{}'; expected one of: {}",
            args.format,
            OutputFormat::ALL
                .iter()
                .map(|f| f.name())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    if !args.from_store.is_empty() {
        return whole_store(args, format, ctx);
    }
    if args.chain.is_empty() && args.ca.is_empty() {
        return Err("give the endpoints: --chain FILE (served chains) or --ca NAME, or --from-store for a whole store".into());
    }
    let profile = Profile::by_name(&args.profile)?;
    let at = at_time(args.at.as_deref())?;
    let until = match &args.until {
        Some(u) => anchorkit::cert::parse_time(u)?,
        None => at + parse_lifetime(&args.lifetime)?,
    };
    let prefer = match args.prefer.as_str() {
        "smallest" => Prefer::Smallest,
        "longest" => Prefer::Longest,
        "ecdsa" => Prefer::Ecdsa,
        other => {
            return Err(format!("--prefer '{other}': expected smallest, longest or ecdsa").into());
        }
    };
    let budget = args.budget.as_deref().map(parse_size).transpose()?;
    let store = Store::mozilla();
    let mut endpoints = Vec::new();
    for c in &args.chain {
        let found = read_path(c)?;
        let chain: Vec<_> = found.iter().filter_map(|f| f.cert().cloned()).collect();
        if chain.is_empty() {
            return Err(format!("{}: no certificate in the chain", c.display()).into());
        }
        endpoints.push(Endpoint {
            name: c.display().to_string(),
            chain,
            accept: None,
        });
    }
    for name in &args.ca {
        let mut roots = store.by_owner(name);
        if roots.is_empty() {
            roots = store.find_by_name(name);
        }
        if roots.is_empty() {
            return Err(format!(
                "--ca '{name}': no CA owner or root of that name in the Mozilla store"
            )
            .into());
        }
        // Servers of that CA may chain to any of its roots: each must stay trusted.
        for (_, r) in roots {
            endpoints.push(Endpoint {
                name: format!("{name}: {}", r.name()),
                chain: Vec::new(),
                accept: Some(vec![r.anchor.spki_raw().to_vec()]),
            });
        }
    }
    let policy = Policy {
        profile,
        format,
        at,
        until,
        redundancy: args.redundancy,
        budget,
        prefer,
    };
    let mut offers = store_offers(store);
    for x in &args.extra {
        for f in read_path(x)? {
            let a = f.to_anchor();
            let owner = a.subject.organization().unwrap_or_else(|| a.label());
            offers.push(anchorkit::bundle::Offer {
                anchor: a,
                owner,
                common: false,
            });
        }
    }
    let p = plan(&endpoints, &offers, &policy);
    let mut failed = !p.uncovered.is_empty() || !p.within_budget || p.anchors.is_empty();
    let mut written = None;
    let chosen: Vec<TrustAnchor> = p.anchors.iter().map(|a| a.anchor.clone()).collect();
    let owners: Vec<Option<String>> = p.anchors.iter().map(|a| Some(a.owner.clone())).collect();
    let rendered = formats::render(format, &chosen, &owners)?;
    if !failed {
        let check = match read_back(format, &rendered) {
            Some(Ok(back)) => round_trip(&back, &endpoints, &policy),
            Some(Err(e)) => {
                return Err(format!("the written bundle does not read back: {e}").into());
            }
            None => round_trip(&chosen, &endpoints, &policy),
        };
        if !check.is_empty() {
            return Err(format!("round trip failed for: {}", check.join(", ")).into());
        }
        if let Some(out) = &args.output {
            write_atomically(out, &rendered)?;
            written = Some(out.display().to_string());
        }
    } else {
        failed = true;
    }
    if ctx.json {
        print_json(&serde_json::json!({"plan": p, "written": written, "round_trip_ok": !failed}))?;
    } else {
        print!("{}", render(&p, written.as_deref(), ctx));
        if written.is_none()
            && !failed
            && matches!(rendered, Rendered::File(_))
            && !format.is_esp_bundle()
            && format != OutputFormat::Esp8266Certstore
        {
            if let Rendered::File(b) = &rendered {
                println!("\n{}", String::from_utf8_lossy(b));
            }
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn render(p: &Plan, written: Option<&str>, ctx: &Ctx) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} for {} as {}, lasting until {}",
        ctx.style.bold("Bundle"),
        p.profile,
        p.format.name(),
        p.until.get(..10).unwrap_or(&p.until)
    );
    for a in &p.anchors {
        let _ = writeln!(
            out,
            "  {:<6} {}  [{}; {}; expires {}]  {} B{}",
            a.role,
            a.subject,
            a.owner,
            a.key,
            a.expires
                .as_deref()
                .map_or("-", |e| e.get(..10).unwrap_or(e)),
            a.bytes,
            if a.covers.is_empty() {
                String::new()
            } else {
                format!("  covers {}", a.covers.join(", "))
            }
        );
    }
    let _ = writeln!(out, "  total {} B in {}", p.total_bytes, p.format.name());
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
    if let Some((names, size)) = &p.runner_up {
        let _ = writeln!(out, "  runner-up: {} ({size} B)", names.join(" + "));
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
        let _ = writeln!(out, "  note: {n}");
    }
    if let Some(w) = written {
        let _ = writeln!(
            out,
            "  written {w}; read back and every endpoint re-verified"
        );
    }
    out
}

fn whole_store(args: &Args, format: OutputFormat, ctx: &Ctx) -> Result<ExitCode, CmdError> {
    if !format.is_esp_bundle() && format != OutputFormat::Pem {
        return Err("--from-store writes esp-bundle, esp-bundle-legacy or pem".into());
    }
    let filter = match args.filter.as_deref() {
        None => Filter::None,
        Some("common") => Filter::common(),
        Some(f) => {
            let text = std::fs::read_to_string(f).map_err(|e| format!("{f}: cannot read: {e}"))?;
            Filter::from_csv(f, &text)?
        }
    };
    let mut inputs = Vec::new();
    let mut mozilla = Vec::new();
    for s in &args.from_store {
        if s == "mozilla" {
            for r in Store::mozilla().roots() {
                let keep = match &filter {
                    Filter::None => true,
                    Filter::Names(n) => {
                        r.esp.as_ref().is_some_and(|e| n.contains(e.name)) || n.contains(&r.name())
                    }
                };
                if keep {
                    mozilla.push((r.anchor.clone(), Some(r.owner.clone())));
                }
            }
        } else {
            let bytes = std::fs::read(s).map_err(|e| format!("{s}: cannot read: {e}"))?;
            inputs.push((s.clone(), bytes));
        }
    }
    if let Some(d) = &args.deprecated {
        let bytes = std::fs::read(d).map_err(|e| format!("{}: cannot read: {e}", d.display()))?;
        inputs.push((d.display().to_string(), bytes));
    }
    let g = generate(&inputs, &filter)?;
    let mut anchors: Vec<TrustAnchor> = mozilla.iter().map(|(a, _)| a.clone()).collect();
    let mut owners: Vec<Option<String>> = mozilla.into_iter().map(|(_, o)| o).collect();
    anchors.extend(g.anchors);
    owners.extend(g.owners);
    let rendered = formats::render(format, &anchors, &owners)?;
    let back = read_back(format, &rendered).unwrap_or(Ok(Vec::new()))?;
    if back.len() != anchors.len() {
        return Err(format!(
            "round trip: wrote {} anchors, read back {}",
            anchors.len(),
            back.len()
        )
        .into());
    }
    if let Some(out) = &args.output {
        write_atomically(out, &rendered)?;
    }
    if ctx.json {
        print_json(&serde_json::json!({
            "schema": "anchorkit.bundle-store/1",
            "format": format,
            "anchors": anchors.len(),
            "bytes": rendered.len(),
            "warnings": g.warnings,
            "written": args.output.as_ref().map(|o| o.display().to_string()),
        }))?;
    } else {
        for w in &g.warnings {
            eprintln!("anchorkit: warning: {w}");
        }
        println!(
            "{} anchors, {} bytes as {}",
            anchors.len(),
            rendered.len(),
            format.name()
        );
        match &args.output {
            Some(o) => println!("written {}; read back: {} records", o.display(), back.len()),
            None if format == OutputFormat::Pem => {
                if let Rendered::File(b) = &rendered {
                    print!("{}", String::from_utf8_lossy(b));
                }
            }
            None => println!("(binary output: give -o FILE to write it)"),
        }
    }
    Ok(ExitCode::SUCCESS)
}
