//! `anchorkit diff A B`: two trust configurations, and what changes for given endpoints.

use std::path::PathBuf;
use std::process::ExitCode;

use anchorkit::diff::diff;

use super::device::{DeviceArgs, load_chain, load_trust};
use super::{CmdError, Ctx, at_time, print_json};

/// `anchorkit diff`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  anchorkit diff old/x509_crt_bundle new/x509_crt_bundle
  anchorkit diff v5.3-cacrt_all.pem v6.0-cacrt_all.pem --chain server.pem --profile esp-idf-6.0
  anchorkit diff old.pem new.pem --ca \"Let's Encrypt\" --ca azure-iot-hub --profile esp-idf-5.4

A and B are any trust input (PEM, DER, C source, ESP-IDF bundle, a directory, or mozilla).
Anchors are matched by subject and key. With --chain, --connect or --ca, each endpoint's verdict
under A and under B (same --profile).
Exit codes: 0 no endpoint changes verdict (or none given), 1 one does, 2 bad input.")]
pub struct Args {
    /// The first trust configuration.
    pub a: PathBuf,
    /// The second.
    pub b: PathBuf,
    /// A served chain, leaf first (repeatable).
    #[arg(long, num_args = 1..)]
    pub chain: Vec<PathBuf>,
    /// A live server whose chain is captured (HOST or HOST:PORT; repeatable).
    #[arg(long, value_name = "HOST[:PORT]")]
    pub connect: Vec<String>,
    /// Any server of a CA, by any name `plan --ca` takes (letsencrypt, "Let's Encrypt",
    /// azure-iot-hub, "ISRG Root X1"): a leaf under the chain the CA serves at --at
    /// (repeatable).
    #[arg(long, value_name = "NAME")]
    pub ca: Vec<String>,
    #[command(flatten)]
    pub device: DeviceArgs,
}

/// Runs the subcommand.
pub fn run(args: &Args, ctx: &Ctx) -> Result<ExitCode, CmdError> {
    let a = load_trust(std::slice::from_ref(&args.a))?;
    let b = load_trust(std::slice::from_ref(&args.b))?;
    let at = at_time(args.device.at.as_deref())?;
    let mut endpoints = Vec::new();
    for c in &args.chain {
        let (entries, _) = load_chain(std::slice::from_ref(c))?;
        endpoints.push((c.display().to_string(), entries, args.device.host_or(None)));
    }
    for h in &args.connect {
        let (certs, name) =
            anchorkit::probe::served_chain(h).map_err(|e| format!("--connect {h}: {e}"))?;
        let entries = certs
            .iter()
            .map(|d| anchorkit::cert::ChainEntry::from_bytes(d))
            .collect();
        endpoints.push((h.clone(), entries, args.device.host_or(Some(name))));
    }
    let events = anchorkit::events::Events::builtin();
    let mut assumed = Vec::new();
    for name in &args.ca {
        let ca = anchorkit::caname::resolve(name, &events, anchorkit::store::Store::mozilla())?;
        let host = args.device.host_or(None);
        let g = anchorkit::assume::for_ca(&ca, &events, at, host.as_deref()).ok_or_else(|| {
            format!(
                "--ca {name}: no chain is known for {} at that date",
                ca.name
            )
        })?;
        let entries = anchorkit::cert::entries(&g.chain);
        let checked = g
            .chain
            .first()
            .and_then(|l| l.dns_names().into_iter().next());
        endpoints.push((name.clone(), entries, checked));
        assumed.push(g);
    }
    let profile = args.device.profile(&a)?;
    let sigs: Vec<_> = assumed.iter().flat_map(|g| g.signatures()).collect();
    let d = anchorkit::crypto::assume_signed(&sigs, || diff(&a, &b, &endpoints, &profile, at));
    let changed = d.endpoints.iter().any(|e| e.a != e.b);
    if ctx.json {
        print_json(&serde_json::json!({"schema": "anchorkit.diff/1", "diff": d}))?;
    } else {
        outln!(
            "{}: {} anchors; {}: {} anchors",
            args.a.display(),
            d.count_a,
            args.b.display(),
            d.count_b
        );
        // Anchors of the same name (a re-keyed root, a look-alike) are told apart by key.
        let same_name = |c: &anchorkit::diff::Changed| {
            d.added
                .iter()
                .chain(&d.removed)
                .filter(|x| x.subject == c.subject)
                .count()
                > 1
        };
        let line = |c: &anchorkit::diff::Changed| {
            format!(
                "{}{}{}{}",
                c.subject,
                if same_name(c) {
                    format!(" [key sha256 {}]", &c.key_sha256[..16])
                } else {
                    String::new()
                },
                c.owner
                    .as_deref()
                    .map(|o| format!(" ({o})"))
                    .unwrap_or_default(),
                c.not_after
                    .as_deref()
                    .map(|n| format!(", until {n}"))
                    .unwrap_or_default()
            )
        };
        outln!("added ({}):", d.added.len());
        for c in &d.added {
            outln!("  + {}", line(c));
        }
        outln!("removed ({}):", d.removed.len());
        for c in &d.removed {
            outln!("  - {}", ctx.style.warn(&line(c)));
        }
        if !d.endpoints.is_empty() {
            outln!(
                "endpoints under {} ({}):",
                profile.name(),
                profile.summary()
            );
            for e in &d.endpoints {
                let v = |ok: bool| if ok { "ACCEPTED" } else { "REJECTED" };
                let text = format!("{}: {} -> {}", e.endpoint, v(e.a), v(e.b));
                outln!(
                    "  {}",
                    if e.a == e.b {
                        text
                    } else {
                        ctx.style.warn(&format!("{text} (changes)"))
                    }
                );
            }
        }
    }
    Ok(if changed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
