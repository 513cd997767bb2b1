//! The `anchorkit` command: a thin layer over the `anchorkit` library.

mod cmd;
mod style;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

const AFTER_HELP: &str = "\
Exit codes:
  0  success (verify: the device accepts the chain)
  1  a negative verdict (verify/doctor: the device rejects the chain; bundle: the policy cannot be met)
  2  bad input or usage (unreadable file, unknown profile, malformed option)
  3  probe: the server could not be reached; check: bad input or usage
  4  probe: the server answered, but not with a usable chain (an alert, a close, not TLS, too slow)
  (plan: 1 something breaks before the end of life; check: 1 breaks within the horizon, 2 broken now)

Set NO_COLOR to disable colour. Every subcommand takes --json for machine-readable output
(schema: docs/json-schema.md).";

/// TLS trust for small devices: decode certificates and device errors, reproduce what an
/// Mbed TLS / BearSSL / wolfSSL / rustls device decides, and build the smallest trust bundle
/// that lasts.
#[derive(Parser, Debug)]
#[command(name = "anchorkit", version, after_help = AFTER_HELP)]
struct Cli {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Decode certificates from any input (PEM, DER, PKCS#7, C source, ESP-IDF bundles).
    Inspect(cmd::inspect::Args),
    /// Decode an mbedTLS/BearSSL/wolfSSL error code, verify flags, or a pasted device log line.
    Explain(cmd::explain::Args),
    /// Decide what a device's TLS stack does with a served chain: return code, flags, path, why.
    Verify(cmd::verify::Args),
    /// Reproduce a device's TLS failure, explain the cause and propose a verified fix.
    Doctor(cmd::doctor::Args),
    /// Build the smallest trust bundle that keeps the device's servers reachable, in any format.
    Bundle(cmd::bundle::Args),
    /// Capture the chain a live server sends, say what is wrong with it and what a device decides.
    Probe(cmd::probe::Args),
    /// Walk the device's verdict over its life: the dates each endpoint breaks, why, and the fix.
    Plan(cmd::plan::PlanArgs),
    /// CI gate: exit 0 when every endpoint verifies now and through --horizon.
    Check(cmd::plan::CheckArgs),
    /// Compare two trust configurations: anchors added and removed, endpoints that change.
    Diff(cmd::diff::Args),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) on stdout: `anchorkit man > anchorkit.1`.
    Man,
}

/// `--version`: the version and the compiled-in Mozilla store (its size and the newest root's
/// date, the latest change it can contain).
fn long_version() -> String {
    let store = anchorkit::store::Store::mozilla();
    let newest = store
        .roots()
        .iter()
        .filter_map(|r| r.anchor.cert.as_ref().map(|c| c.not_before))
        .max()
        .map(anchorkit::cert::format_date)
        .unwrap_or_default();
    format!(
        "{} (Mozilla root store: {} roots via webpki-root-certs, newest root from {newest})",
        env!("CARGO_PKG_VERSION"),
        store.len()
    )
}

fn main() -> ExitCode {
    let matches = match Cli::command()
        .long_version(&*Box::leak(long_version().into_boxed_str()))
        .try_get_matches()
    {
        Ok(m) => m,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                e.exit();
            }
            // `check` is a CI gate whose 2 means "broken now": its usage errors are 3.
            let is_check = std::env::args()
                .skip(1)
                .find(|a| !a.starts_with('-'))
                .is_some_and(|a| a == "check");
            let _ = e.print();
            return ExitCode::from(if is_check { 3 } else { 2 });
        }
    };
    let cli = match <Cli as clap::FromArgMatches>::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    let out = cmd::Ctx {
        json: cli.json,
        style: style::Style::detect(),
    };
    let result = match &cli.command {
        Command::Inspect(a) => cmd::inspect::run(a, &out),
        Command::Explain(a) => cmd::explain::run(a, &out),
        Command::Verify(a) => cmd::verify::run(a, &out),
        Command::Doctor(a) => cmd::doctor::run(a, &out),
        Command::Bundle(a) => cmd::bundle::run(a, &out),
        Command::Probe(a) => cmd::probe::run(a, &out),
        Command::Plan(a) => cmd::plan::run_plan(a, &out),
        Command::Check(a) => cmd::plan::run_check(a, &out),
        Command::Diff(a) => cmd::diff::run(a, &out),
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "anchorkit", &mut buf);
            cmd::write_raw(&String::from_utf8_lossy(&buf)).map(|()| ExitCode::SUCCESS)
        }
        Command::Man => {
            let mut buf = Vec::new();
            match clap_mangen::Man::new(Cli::command()).render(&mut buf) {
                Ok(()) => {
                    cmd::write_raw(&String::from_utf8_lossy(&buf)).map(|()| ExitCode::SUCCESS)
                }
                Err(e) => Err(format!("cannot render the manual page: {e}").into()),
            }
        }
    };
    let usage_code = if matches!(cli.command, Command::Check(_)) {
        3
    } else {
        2
    };
    match result {
        Ok(code) => code,
        // The reader has gone (`| head`): stop quietly, as a shell's SIGPIPE death would.
        Err(e) if e.is::<cmd::ClosedOutput>() => ExitCode::from(141),
        Err(e) => {
            if out.json {
                let v = serde_json::json!({"error": e.to_string()});
                // Where stdout itself failed, the error still reaches a person.
                if cmd::write_raw(&format!("{v}\n")).is_err() {
                    cmd::err_line(&format!("anchorkit: error: {e}"));
                }
            } else {
                cmd::err_line(&format!("anchorkit: error: {e}"));
            }
            ExitCode::from(usage_code)
        }
    }
}
