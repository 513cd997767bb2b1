//! `anchorkit explain`: decode error codes, verify flags and device log lines.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anchorkit::explain::{Explanation, Lib, Options, explain};

use super::{CmdError, Ctx, print_json};

/// Arguments of `anchorkit explain`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  anchorkit explain -0x2700
  anchorkit explain \"E (3515) esp-tls-mbedtls: mbedtls_ssl_handshake returned -0x2700\"
  anchorkit explain --flags 0x8
  anchorkit explain --log monitor.txt
  anchorkit explain --lib bearssl 62
  anchorkit explain ASN_NO_SIGNER_E")]
pub struct Args {
    /// A code (-0x2700, 0x2700, -9984, (FFFFD900)), a name, verify flags or pasted log lines.
    #[arg(allow_hyphen_values = true, num_args = 0..)]
    pub input: Vec<String>,
    /// Read log lines from a file (`-` for stdin).
    #[arg(long)]
    pub log: Option<PathBuf>,
    /// Decode the input as mbedTLS verify flags (a number or names like NOT_TRUSTED).
    #[arg(long)]
    pub flags: bool,
    /// Library of a bare number.
    #[arg(long, value_enum)]
    pub lib: Option<LibArg>,
    /// mbedTLS version whose tables to use (e.g. 2.28, 3.6, 3.6.0).
    #[arg(long = "mbedtls-version")]
    pub version: Option<String>,
}

/// `--lib` values.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum LibArg {
    /// mbedTLS.
    Mbedtls,
    /// BearSSL.
    Bearssl,
    /// wolfSSL.
    Wolfssl,
}

/// Runs the subcommand.
pub fn run(args: &Args, ctx: &Ctx) -> Result<ExitCode, CmdError> {
    let mut input = args.input.join(" ");
    if let Some(p) = &args.log {
        let text = if p.as_os_str() == "-" {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
            s
        } else {
            std::fs::read_to_string(p).map_err(|e| format!("{}: cannot read: {e}", p.display()))?
        };
        if !input.is_empty() {
            input.push('\n');
        }
        input.push_str(&text);
    }
    let opts = Options {
        lib: args.lib.map(|l| match l {
            LibArg::Mbedtls => Lib::Mbedtls,
            LibArg::Bearssl => Lib::Bearssl,
            LibArg::Wolfssl => Lib::Wolfssl,
        }),
        version: args.version.clone(),
        flags: args.flags,
    };
    let e = explain(&input, &opts)?;
    if ctx.json {
        print_json(&e)?;
    } else {
        out!("{}", render(&e, ctx));
    }
    Ok(ExitCode::SUCCESS)
}

fn render(e: &Explanation, ctx: &Ctx) -> String {
    let mut out = String::new();
    for f in &e.findings {
        let head = match (&f.code, &f.name) {
            (Some(c), Some(n)) => format!("{c}  {n}"),
            (Some(c), None) => c.clone(),
            (None, _) => f.input.clone(),
        };
        if f.kind == "log-line" {
            let _ = writeln!(out, "{}", ctx.style.bold(&f.input));
            if let Some(c) = &f.component {
                let _ = writeln!(out, "  component: {c}");
            }
            if f.code.is_some() {
                let _ = writeln!(out, "  {head}");
            }
        } else {
            let _ = writeln!(out, "{}", ctx.style.bold(&head));
        }
        for p in &f.parts {
            let _ = writeln!(
                out,
                "  {:<5} {}  {}  ({}; mbedTLS {})",
                p.layer, p.value, p.name, p.library_text, p.versions
            );
        }
        let _ = writeln!(out, "  meaning: {}", f.meaning);
        if let Some(vi) = &f.verify_info {
            if !vi.is_empty() {
                let _ = writeln!(out, "  the device prints (verify_info):");
                for l in vi.lines() {
                    let _ = writeln!(out, "    {l}");
                }
            }
        }
        if !f.causes.is_empty() {
            let _ = writeln!(out, "  typical causes:");
            for c in &f.causes {
                let _ = writeln!(out, "    - {c}");
            }
        }
        if !f.next_steps.is_empty() {
            let _ = writeln!(out, "  next:");
            for n in &f.next_steps {
                let _ = writeln!(out, "    - {n}");
            }
        }
        for n in &f.notes {
            let _ = writeln!(out, "  note: {n}");
        }
        out.push('\n');
    }
    if let Some(s) = &e.summary {
        let _ = writeln!(out, "{}", ctx.style.bold(s));
    }
    out
}
