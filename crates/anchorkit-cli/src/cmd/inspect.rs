//! `anchorkit inspect`: decode certificates from any input.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anchorkit::inspect::{AnchorReport, CertReport, Item, Level, Report};
use anchorkit::intake::read_path;

use super::{CmdError, Ctx, at_time, load_store, print_json};

/// Arguments of `anchorkit inspect`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  anchorkit inspect examples/user-story/cert_pem.c --at 2022-04-06T00:00:00Z
  anchorkit inspect server-chain.pem
  anchorkit inspect build/x509_crt_bundle --json
  openssl s_client -showcerts -connect host:443 </dev/null | anchorkit inspect -")]
pub struct Args {
    /// Files or directories (PEM, DER, PKCS#7, C/C++ source, ESP-IDF bundle), or - for stdin.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Evaluate validity at this time (RFC 3339 or YYYY-MM-DD; default: now).
    #[arg(long)]
    pub at: Option<String>,
    /// Root store for issuer lookups: `mozilla` (compiled in) or a file.
    #[arg(long, default_value = "mozilla")]
    pub store: String,
    /// A blocklist of compromised keys in the badkeys project's format (sorted 16-byte
    /// records: 15 bytes of the SHA-256 of the RSA modulus, then a list id), e.g. the Debian
    /// 2008 OpenSSL keys. ROCA, close primes, small and shared factors are checked without it.
    #[arg(long, value_name = "FILE")]
    pub weak_key_list: Option<PathBuf>,
}

/// Reads a `--weak-key-list` file.
pub fn load_blocklist(
    p: Option<&std::path::Path>,
) -> Result<Option<anchorkit::weakkeys::Blocklist>, CmdError> {
    let Some(p) = p else { return Ok(None) };
    let data = anchorkit::input::read(p, 1 << 30, "blocklist")?;
    Ok(Some(anchorkit::weakkeys::Blocklist::parse(
        &p.display().to_string(),
        data,
    )?))
}

/// Runs the subcommand.
pub fn run(args: &Args, ctx: &Ctx) -> Result<ExitCode, CmdError> {
    let at = at_time(args.at.as_deref())?;
    let store = load_store(&args.store)?;
    let mut found = Vec::new();
    let mut pins = Vec::new();
    for p in &args.inputs {
        let here = if p.as_os_str() == "-" {
            Vec::new()
        } else {
            anchorkit::intake::pins::scan_path(p)
        };
        match read_path(p) {
            Ok(f) => found.extend(f),
            // A sketch that pins a fingerprint and holds no certificate.
            Err(e) if !here.is_empty() && e.location == anchorkit::intake::Location::Whole => {}
            Err(e) => return Err(e.into()),
        }
        pins.extend(here);
    }
    let list = load_blocklist(args.weak_key_list.as_deref())?;
    let mut report = anchorkit::inspect::inspect_with(&found, at, &store, list.as_ref());
    let certs: Vec<_> = found.iter().filter_map(|f| f.cert().cloned()).collect();
    report.pins = anchorkit::inspect::pin_reports(&pins, &certs, at, &store);
    if ctx.json {
        print_json(&report)?;
    } else {
        out!("{}", render(&report, ctx));
    }
    Ok(ExitCode::SUCCESS)
}

fn level(ctx: &Ctx, l: Level) -> String {
    match l {
        Level::Pass => ctx.style.good("PASS"),
        Level::Warn => ctx.style.warn("WARN"),
        Level::Fail => ctx.style.bad("FAIL"),
    }
}

fn render_cert(out: &mut String, c: &CertReport, ctx: &Ctx) {
    let _ = writeln!(
        out,
        "{}",
        ctx.style.bold(&format!(
            "[{}] {} — {}",
            c.index,
            c.common_name.as_deref().unwrap_or(&c.subject),
            c.role.describe()
        ))
    );
    let _ = writeln!(
        out,
        "  found at      {} ({})",
        c.origin,
        c.origin.format.name()
    );
    let _ = writeln!(out, "  subject       {}", c.subject);
    let _ = writeln!(out, "  issuer        {}", c.issuer);
    let _ = writeln!(out, "  serial        {}", c.serial);
    let _ = writeln!(
        out,
        "  validity      {} to {} ({}, {} days left)",
        c.not_before, c.not_after, c.validity, c.days_left
    );
    let _ = writeln!(out, "  key           {}", c.key_description);
    let _ = writeln!(out, "  signature     {}", c.signature_algorithm_name);
    if !c.san.is_empty() {
        let _ = writeln!(out, "  names (SAN)   {}", c.san.join(", "));
    }
    if let Some(bc) = c.basic_constraints {
        let pl = bc
            .path_len
            .map(|p| format!(", pathlen {p}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  basic constr. CA:{}{pl}{}",
            if bc.ca { "TRUE" } else { "FALSE" },
            if bc.critical { " (critical)" } else { "" }
        );
    }
    if let Some(ku) = &c.key_usage {
        let _ = writeln!(out, "  key usage     {}", ku.join(", "));
    }
    if let Some(eku) = &c.ext_key_usage {
        let _ = writeln!(out, "  ext key usage {}", eku.join(", "));
    }
    if !c.ca_issuers.is_empty() || !c.ocsp.is_empty() {
        let _ = writeln!(
            out,
            "  AIA           CA issuers {} ; OCSP {}",
            c.ca_issuers.join(" "),
            c.ocsp.join(" ")
        );
    }
    if let Some(s) = &c.subject_key_id {
        let _ = writeln!(out, "  SKI           {s}");
    }
    if let Some(a) = &c.authority_key_id {
        let _ = writeln!(out, "  AKI           {a}");
    }
    let _ = writeln!(out, "  SHA-256       {}", c.sha256);
    let _ = writeln!(out, "  SHA-1         {}", c.sha1);
    let _ = writeln!(
        out,
        "  size          {} B DER, {} B PEM ({} with NUL for cert_pem), {} B as an ESP bundle record",
        c.sizes.der,
        c.sizes.pem,
        c.sizes.pem + 1,
        c.sizes.esp_record
    );
    if let Some(t) = &c.trust_settings {
        let _ = writeln!(
            out,
            "  trust         {} (TRUSTED CERTIFICATE settings; only OpenSSL applies them)",
            t.describe()
        );
    }
    if c.in_store {
        let _ = writeln!(
            out,
            "  store         this certificate is a root of the store"
        );
    }
    for s in &c.store_issuers {
        let _ = writeln!(
            out,
            "  issued by     {} ({}) in the store: name {}, key id {}, signature {}",
            s.name,
            s.owner,
            if s.name_match { "match" } else { "differs" },
            match s.key_id_match {
                Some(true) => "match",
                Some(false) => "differs",
                None => "n/a",
            },
            if s.signature_valid {
                "valid"
            } else {
                "INVALID"
            }
        );
    }
    for ch in &c.checks {
        let _ = writeln!(
            out,
            "  {} {:<18} {}",
            level(ctx, ch.level),
            ch.id,
            ch.message
        );
    }
}

fn render_anchor(out: &mut String, a: &AnchorReport, ctx: &Ctx) {
    let _ = writeln!(
        out,
        "{}",
        ctx.style
            .bold(&format!("[{}] trust anchor {}", a.index, a.subject))
    );
    let _ = writeln!(
        out,
        "  found at      {} ({})",
        a.origin,
        a.origin.format.name()
    );
    let _ = writeln!(out, "  key           {}", a.key_description);
    let _ = writeln!(out, "  record        {} B", a.esp_record);
    let _ = writeln!(out, "  note          {}", a.note);
}

/// Renders the report as text.
pub fn render(r: &Report, ctx: &Ctx) -> String {
    let mut out = String::new();
    let pins = if r.pins.is_empty() {
        String::new()
    } else {
        format!(" and {} fingerprint pin(s)", r.pins.len())
    };
    let _ = writeln!(
        out,
        "{} item(s){pins}, evaluated at {}, store: {}\n",
        r.items.len(),
        r.at,
        r.store
    );
    for item in &r.items {
        match item {
            Item::Certificate(c) => render_cert(&mut out, c, ctx),
            Item::Anchor(a) => render_anchor(&mut out, a, ctx),
        }
        out.push('\n');
    }
    for p in &r.pins {
        let _ = writeln!(
            out,
            "{}",
            ctx.style.bold(&format!(
                "[pin] {} fingerprint {}",
                p.pin.alg.name(),
                p.pin.hex
            ))
        );
        let _ = writeln!(out, "  found at      {} ({})", p.pin.origin, p.pin.form);
        if let Some(s) = &p.pinned {
            let _ = writeln!(
                out,
                "  pins          {s}{}",
                p.not_after
                    .as_deref()
                    .map(|d| format!(" (notAfter {d})"))
                    .unwrap_or_default()
            );
        }
        let _ = writeln!(
            out,
            "  {} {:<18} {}",
            level(ctx, Level::Warn),
            "fingerprint-pin",
            p.advice
        );
        if let Some(t) = &p.trust_instead {
            let _ = writeln!(out, "  trust instead {t}");
        }
        out.push('\n');
    }
    if r.items.is_empty() {
        return out;
    }
    let ch = &r.chain;
    let _ = writeln!(out, "{}", ctx.style.bold("Chain"));
    for l in &ch.links {
        let _ = writeln!(
            out,
            "  [{}] is signed by [{}] (signature verified)",
            l.child, l.parent
        );
    }
    if !ch.order_ok {
        let _ = writeln!(out, "  suggested order: {:?}", ch.suggested_order);
    }
    for a in &ch.anchored {
        if a.missing_intermediates.is_empty() {
            let _ = writeln!(
                out,
                "  [{}] chains to {} ({}) in the store ({})",
                a.from, a.root, a.owner, a.by
            );
        } else {
            let _ = writeln!(
                out,
                "  [{}] chains to {} ({}) in the store through {} (missing from the input; matched by key identifier)",
                a.from,
                a.root,
                a.owner,
                a.missing_intermediates.join(", ")
            );
        }
    }
    for n in &ch.notes {
        let _ = writeln!(out, "  - {n}");
    }
    out
}
