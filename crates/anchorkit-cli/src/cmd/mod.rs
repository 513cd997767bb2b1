//! One module per subcommand. Each has an `Args` struct and a `run` function that returns the
//! process exit code or an error (reported with exit code 2).

/// `print!` that reports write errors: a closed pipe ends the program quietly (exit 141),
/// any other failure (a full disk) is an error, instead of a panic.
macro_rules! out {
    ($($t:tt)*) => {
        $crate::cmd::write_out(&format!($($t)*))?
    };
}

/// `println!` with the same handling as `out!`.
macro_rules! outln {
    () => {
        $crate::cmd::write_out("\n")?
    };
    ($($t:tt)*) => {
        $crate::cmd::write_out(&format!("{}\n", format_args!($($t)*)))?
    };
}

pub mod bundle;
pub mod device;
pub mod diff;
pub mod doctor;
pub mod explain;
pub mod inspect;
pub mod plan;
pub mod probe;
pub mod verify;

use crate::style::Style;

/// What every subcommand gets from the top level.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    /// `--json` was given.
    pub json: bool,
    /// Colour settings.
    pub style: Style,
}

/// An error that ends the command with exit code 2.
pub type CmdError = Box<dyn std::error::Error>;

/// Standard output was closed by the reader (`| head`).
#[derive(Debug)]
pub struct ClosedOutput;

impl std::fmt::Display for ClosedOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("standard output closed")
    }
}

impl std::error::Error for ClosedOutput {}

/// Writes the text `s` to standard output and flushes: `ClosedOutput` when the reader has
/// gone, an error naming the cause for anything else (`> /dev/full`). Control characters
/// other than this program's colours are escaped ([`crate::style::terminal_safe`]).
pub fn write_out(s: &str) -> Result<(), CmdError> {
    write_raw(&crate::style::terminal_safe(s))
}

/// A line on standard error, escaped as [`write_out`] escapes.
pub fn err_line(s: &str) {
    eprintln!("{}", crate::style::terminal_safe(s));
}

/// Writes `s` unchanged (JSON, whose strings serde escapes; a generated file; completions):
/// otherwise as [`write_out`].
pub fn write_raw(s: &str) -> Result<(), CmdError> {
    use std::io::Write;
    let mut o = std::io::stdout().lock();
    match o.write_all(s.as_bytes()).and_then(|()| o.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(Box::new(ClosedOutput)),
        Err(e) => Err(format!("cannot write the output: {e}").into()),
    }
}

/// Prints a serializable value as pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(v: &T) -> Result<(), CmdError> {
    write_raw(&format!("{}\n", serde_json::to_string_pretty(v)?))
}

/// Parses `--at` (RFC 3339 or a date), defaulting to now.
pub fn at_time(at: Option<&str>) -> Result<i64, CmdError> {
    match at {
        Some(s) => Ok(anchorkit::cert::parse_time(s)?),
        None => Ok(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)),
    }
}

/// Refuses an end past 9999-12-31, the last date a certificate can carry (an end of life
/// computed from `--at` plus a lifetime).
pub fn within_dates(t: i64, what: &str) -> Result<(), CmdError> {
    if t > anchorkit::cert::MAX_TIME {
        return Err(format!(
            "{what} falls after 9999-12-31, the last date certificates and devices use: give an earlier --at or a shorter lifetime"
        )
        .into());
    }
    Ok(())
}

/// `mozilla` or a store file.
pub fn load_store(
    spec: &str,
) -> Result<std::borrow::Cow<'static, anchorkit::store::Store>, CmdError> {
    if spec == "mozilla" {
        Ok(std::borrow::Cow::Borrowed(
            anchorkit::store::Store::mozilla(),
        ))
    } else {
        Ok(std::borrow::Cow::Owned(anchorkit::store::Store::load(
            std::path::Path::new(spec),
        )?))
    }
}
