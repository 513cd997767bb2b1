//! One module per subcommand. Each has an `Args` struct and a `run` function that returns the
//! process exit code or an error (reported with exit code 2).

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

/// Prints a serializable value as pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(v: &T) -> Result<(), CmdError> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
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
