//! Command-line arguments (clap derive). Parsing only; decisions live in `commands/`.

use std::path::PathBuf;

use brine_scanner::Severity;
use clap::{Parser, Subcommand, ValueEnum};

/// brine: find pickle-based code execution in Python code and ML model files.
#[derive(Debug, Parser)]
#[command(name = "brine", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directories: Python source, model and data files, dependency manifests.
    Scan(ScanArgs),
    /// Show a rule's documentation, or list every rule.
    Rule(RuleArgs),
    /// Would `torch.load(weights_only=True)` load FILE? Prints the safe `add_safe_globals` line.
    Allowlist(crate::commands::allowlist::AllowlistArgs),
    /// Convert a PyTorch checkpoint or numpy file to safetensors without running its pickle.
    Convert(crate::commands::convert::ConvertArgs),
    /// Pin model files by SHA-256 in brine.lock (with their format and verdict).
    Lock(crate::commands::lock::LockArgs),
    /// Check model files against brine.lock: modified, missing and new files exit 1.
    Verify(crate::commands::lock::VerifyArgs),
    /// Write a CycloneDX 1.6 SBOM: Python dependencies, model files with hash and verdict, advisories.
    Sbom(crate::commands::sbom::SbomArgs),
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// For people.
    Text,
    /// One JSON document (schema: docs/json-output.md).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitHub Actions annotations (chosen when GITHUB_ACTIONS=true and no format is given).
    Github,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum FailOn {
    Low,
    Medium,
    High,
    Critical,
}

impl FailOn {
    pub fn severity(self) -> Severity {
        match self {
            FailOn::Low => Severity::Low,
            FailOn::Medium => Severity::Medium,
            FailOn::High => Severity::High,
            FailOn::Critical => Severity::Critical,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Files or directories to scan.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format [default: text, or github under GitHub Actions].
    #[arg(long, value_enum)]
    pub format: Option<OutputFormat>,
    /// Write the output to this file instead of stdout.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Report only findings that are not in this baseline file.
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// Write every current finding to this baseline file.
    #[arg(long)]
    pub write_baseline: Option<PathBuf>,
    /// Exit 1 when a finding is at or above this severity (a dangerous file always exits 1).
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Exit 0 even when findings are present, unless a file is dangerous.
    #[arg(long)]
    pub exit_zero: bool,
    /// Only these rules (codes or prefixes, e.g. BRN1, BRN108).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Skip these rules (codes or prefixes).
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Also scan Python sources and manifests inside virtualenvs and installed packages
    /// (`.venv`, `venv`, `site-packages`, `__pypackages__`, `.eggs`), skipped by default.
    #[arg(long)]
    pub no_default_excludes: bool,
    /// Skip paths matching these globs (in addition to the config's).
    #[arg(long, value_delimiter = ',')]
    pub exclude: Vec<String>,
    /// Do not scan model and data files.
    #[arg(long)]
    pub no_artifacts: bool,
    /// Do not scan Python source.
    #[arg(long)]
    pub no_code: bool,
    /// Do not scan dependency manifests.
    #[arg(long)]
    pub no_deps: bool,
    /// Also use this OSV-format advisory export (JSON array, one record, or OSV's PyPI all.zip).
    #[arg(long)]
    pub advisory_db: Option<PathBuf>,
    /// Use this config file instead of discovering `pyproject.toml` / `brine.toml`.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Ignore all configuration files.
    #[arg(long)]
    pub isolated: bool,
    /// Never run the cross-file data-flow analysis, which otherwise always runs
    /// (`tainted` is then false everywhere).
    #[arg(long)]
    pub no_taint: bool,
    /// Apply safe fixes to Python files in place (e.g. add `weights_only=True`).
    #[arg(long)]
    pub fix: bool,
    /// For every file holding pickles, say whether `torch.load(weights_only=True)` would
    /// load it and which globals it would need (`weights_only` in JSON, one line in text).
    #[arg(long)]
    pub weights_only: bool,
    /// Lower code findings that load a file pinned and verified in this brine.lock
    /// [default: brine.lock in each scanned folder, when present].
    #[arg(long)]
    pub lock: Option<PathBuf>,
    /// Also list clean files.
    #[arg(short, long)]
    pub verbose: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

#[derive(Debug, clap::Args)]
pub struct RuleArgs {
    /// A rule code (BRN001) or name.
    pub rule: Option<String>,
    /// List every rule.
    #[arg(long, conflicts_with = "rule")]
    pub all: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}
