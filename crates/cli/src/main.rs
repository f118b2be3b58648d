//! The `brine` command line: argument parsing, walking, printing, exit codes.
//!
//! A thin shell around `brine_scanner`: it decides which files to read and how to show
//! what the library found, never what is a finding. Per-file problems are reports, never
//! aborts; a broken pipe ends quietly.

mod args;
mod baseline;
mod commands;
mod config;
mod hashing;
mod lines;
mod walk;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

// Scanning allocates many small values per pickle opcode and per syntax node; mimalloc
// is markedly faster than the system allocator for that pattern (scripts/bench-*.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => commands::scan::run(&args),
        Command::Rule(args) => commands::rule::run(&args),
        Command::Completions { shell } => commands::completions::run(shell),
        Command::Sbom(args) => commands::sbom::run(&args),
        Command::Allowlist(args) => commands::allowlist::run(&args),
        Command::Convert(args) => commands::convert::run(&args),
        Command::Lock(args) => commands::lock::run_lock(&args),
        Command::Verify(args) => commands::lock::run_verify(&args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            if is_broken_pipe(&error) {
                return ExitCode::SUCCESS;
            }
            eprintln!("brine: error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
