//! `brine allowlist FILE`: would `torch.load(FILE, weights_only=True)` succeed, and if not,
//! the `torch.serialization.add_safe_globals([...])` line for the globals brine's policy
//! judges safe. Dangerous or unknown globals are never put in the line: they are listed
//! and the command exits 1. Nothing in the file is executed.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use brine_scanner::formats::artifact_globals;
use brine_scanner::pickle::policy::{Judgement, judge_global};
use brine_scanner::remediation::weights_only::predict;
use brine_scanner::{Limits, Verdict, finding::combine};

#[derive(Debug, clap::Args)]
pub struct AllowlistArgs {
    /// A model file (PyTorch zip or legacy checkpoint, pickle, ...).
    pub file: PathBuf,
}

pub fn run(args: &AllowlistArgs) -> Result<ExitCode> {
    let shown = args.file.display();
    let file = std::fs::File::open(&args.file).with_context(|| format!("opening {shown}"))?;
    let (report, globals) = artifact_globals(&file, &Limits::default());
    let Some(report) = report else {
        bail!("{shown} is no model format brine reads")
    };
    let prediction = predict(
        globals.iter().map(|(m, n)| (m.as_str(), n.as_str())),
        &|m, n| judge_global(m, n) == Judgement::Safe,
    );
    // The format itself may stop torch.load (TorchScript, a plain pickle): the globals
    // below are then what a weights-only unpickler would need.
    let format_note = report.weights_only.as_ref().and_then(|w| w.note.as_deref());
    if let Some(note) = format_note {
        println!("# note: {shown} is {note}");
    }
    if prediction.loads_as_is() && format_note.is_some() {
        println!(
            "# {shown} needs no global outside PyTorch's weights-only allowlist: nothing to allowlist"
        );
    } else if prediction.loads_as_is() {
        println!(
            "# torch.load(..., weights_only=True) loads {shown} as it is: nothing to allowlist"
        );
    } else if let Some(code) = prediction.add_safe_globals() {
        println!(
            "# torch.load(..., weights_only=True) on {shown} needs these globals registered first:"
        );
        print!("{code}");
    }
    let refused: Vec<String> = prediction
        .needed
        .iter()
        .filter(|g| !g.safe)
        .map(|g| format!("{}.{}", g.module, g.name))
        .collect();
    if combine(report.findings.iter().map(|f| f.verdict)) == Verdict::Dangerous {
        eprintln!("brine: {shown} is dangerous: run `brine scan {shown}` before loading it at all");
    }
    if !refused.is_empty() {
        eprintln!(
            "brine: refused to allowlist (dangerous or not known to be safe): {}",
            refused.join(", ")
        );
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
