//! `brine completions SHELL`: print a completion script generated from the argument definitions.

use std::process::ExitCode;

use clap::CommandFactory;

use crate::args::Cli;

pub fn run(shell: clap_complete::Shell) -> anyhow::Result<ExitCode> {
    clap_complete::generate(shell, &mut Cli::command(), "brine", &mut std::io::stdout());
    Ok(ExitCode::SUCCESS)
}
