//! `anchorkit explain` (placeholder).

use std::process::ExitCode;

use super::{CmdError, Ctx};

/// Arguments of `anchorkit explain`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Inputs.
    pub inputs: Vec<String>,
}

/// Runs the subcommand.
pub fn run(_args: &Args, _ctx: &Ctx) -> Result<ExitCode, CmdError> {
    Err("not implemented yet".into())
}
