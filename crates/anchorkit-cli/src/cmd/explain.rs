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
  anchorkit explain --profile wolfssl-5 -150
  anchorkit explain \"[E][ssl_client.cpp:36] _handle_error(): [start_ssl_client():216]: (-9984) X509 - Certificate verification failed\"
  anchorkit explain \"BSSL:Couldn't connect. Error = 'Chain could not be linked to a trust anchor.'\"
  anchorkit explain ASN_NO_SIGNER_E

Log lines of ESP-IDF (esp-tls, esp_http_client, esp_https_ota, esp-mqtt), Arduino-ESP32
(ssl_client.cpp), the ESP8266 core (BSSL:, getLastSSLError texts), SSLClient, wolfSSL, Zephyr
(net_sock_tls, errno), MicroPython, the AWS IoT and Azure IoT SDKs, Azure RTOS NetX, ESP-AT
and the Pico SDK are recognised; a bare number with several readings lists each.")]
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
    /// The device's profile (esp-idf-5.3, wolfssl-5, bearssl, ...): the library of bare
    /// numbers and the Mbed TLS release, as with --lib and --mbedtls-version.
    #[arg(long)]
    pub profile: Option<String>,
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

/// Reads a device log: a file or `-` for stdin, as bytes. Serial logs carry noise (a wrong
/// baud rate, boot ROM output): invalid UTF-8 becomes U+FFFD instead of refusing the file.
pub fn read_log(p: &std::path::Path) -> Result<String, CmdError> {
    let bytes = anchorkit::input::read(p, anchorkit::input::MAX_CERT_INPUT, "device log")?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Runs the subcommand.
pub fn run(args: &Args, ctx: &Ctx) -> Result<ExitCode, CmdError> {
    // The input takes hyphen values (`-0x2700`), so options written after it arrive here.
    let mut json = ctx.json;
    let mut flags = args.flags;
    let mut lib = args.lib;
    let mut version = args.version.clone();
    let mut log = args.log.clone();
    let mut profile = args.profile.clone();
    let mut words = Vec::new();
    let mut it = args.input.iter();
    while let Some(w) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match w.as_str() {
            "--json" => json = true,
            "--flags" => flags = true,
            "--lib" => {
                let v = value("--lib")?;
                lib = Some(
                    <LibArg as clap::ValueEnum>::from_str(&v, true).map_err(|_| {
                        format!("--lib '{v}': expected mbedtls, bearssl or wolfssl")
                    })?,
                );
            }
            "--mbedtls-version" => version = Some(value("--mbedtls-version")?),
            "--profile" => profile = Some(value("--profile")?),
            "--log" => log = Some(PathBuf::from(value("--log")?)),
            o if o.starts_with("--") => {
                return Err(format!(
                    "explain: unknown option '{o}' (see anchorkit explain --help)"
                )
                .into());
            }
            _ => words.push(w.clone()),
        }
    }
    let ctx = &Ctx { json, ..*ctx };
    let mut input = words.join(" ");
    if let Some(p) = &log {
        let text = read_log(p)?;
        if !input.is_empty() {
            input.push('\n');
        }
        input.push_str(&text);
    }
    let mut lib = lib.map(|l| match l {
        LibArg::Mbedtls => Lib::Mbedtls,
        LibArg::Bearssl => Lib::Bearssl,
        LibArg::Wolfssl => Lib::Wolfssl,
    });
    // A device profile names the library of bare numbers (and the Mbed TLS release).
    if let Some(name) = &profile {
        let p = anchorkit::profile::Profile::by_name(name)?;
        let from_profile = match p.family {
            anchorkit::profile::Family::Mbedtls => Some(Lib::Mbedtls),
            anchorkit::profile::Family::Bearssl => Some(Lib::Bearssl),
            anchorkit::profile::Family::Wolfssl => Some(Lib::Wolfssl),
            _ => None,
        };
        lib = lib.or(from_profile);
        if version.is_none() {
            version = p.mbedtls.map(|v| format!("{}.{}.{}", v.0, v.1, v.2));
        }
    }
    let opts = Options {
        lib,
        version,
        flags,
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
            match (&f.family, &f.component) {
                (Some(fam), Some(c)) => {
                    let _ = writeln!(out, "  from: {fam} ({c})");
                }
                (None, Some(c)) => {
                    let _ = writeln!(out, "  component: {c}");
                }
                _ => {}
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
        if !f.readings.is_empty() {
            let _ = writeln!(out, "  other readings:");
            for r in &f.readings {
                let _ = writeln!(out, "    - {r}");
            }
        }
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
