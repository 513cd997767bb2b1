//! One module per subcommand. Each has an `Args` struct and a `run` function that returns the
//! process exit code or an error (reported with exit code 2).

pub mod explain;
pub mod inspect;

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
