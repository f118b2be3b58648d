//! `brine convert IN [-o OUT] [--force]`: a PyTorch checkpoint or numpy file to
//! safetensors, without running its pickle.
//!
//! The library does the conversion (and refuses dangerous files and anything outside
//! the tensor-rebuild subset); this command only places the output: it is written to a
//! temporary file in the destination folder, synced, then linked into place (refusing
//! an existing file) or renamed over it with `--force`. A refusal leaves no file and
//! exits 1.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use brine_scanner::Limits;
use brine_scanner::remediation::convert::{convert_artifact, write_safetensors};

#[derive(Debug, clap::Args)]
pub struct ConvertArgs {
    /// A PyTorch checkpoint (zip or legacy), `.npy` or `.npz`.
    pub input: PathBuf,
    /// Where to write; default: the input with the `.safetensors` extension.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: &ConvertArgs) -> Result<ExitCode> {
    let shown = args.input.display();
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| args.input.with_extension("safetensors"));
    if output == args.input {
        bail!("the output {} would replace the input", output.display());
    }
    if !args.force && output.exists() {
        eprintln!(
            "brine: {} exists: not overwritten (use --force to replace it)",
            output.display()
        );
        return Ok(ExitCode::from(1));
    }
    let file = File::open(&args.input).with_context(|| format!("opening {shown}"))?;
    let converted = match convert_artifact(&file, &Limits::default()) {
        Ok(converted) => converted,
        Err(refusal) => {
            eprintln!("brine: refused to convert {shown}: {refusal}");
            return Ok(ExitCode::from(1));
        }
    };
    let temporary = temporary_path(&output);
    let written = write_temporary(&temporary, &converted).inspect_err(|_| {
        let _ = fs::remove_file(&temporary);
    })?;
    let placed = if args.force {
        fs::rename(&temporary, &output)
    } else {
        place_without_overwrite(&temporary, &output)
    };
    let _ = fs::remove_file(&temporary);
    if let Err(error) = placed {
        if error.kind() == std::io::ErrorKind::AlreadyExists {
            eprintln!(
                "brine: {} exists: not overwritten (use --force to replace it)",
                output.display()
            );
            return Ok(ExitCode::from(1));
        }
        return Err(error).with_context(|| format!("writing {}", output.display()));
    }
    println!(
        "converted {shown} -> {}: {} tensors, {} metadata entries, {written} bytes",
        output.display(),
        converted.tensors.len(),
        converted.metadata.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// Move `temporary` to `output` unless `output` exists. A hard link never replaces a
/// file, so one created meanwhile is kept; where links are unsupported (some network or
/// FAT file systems) the existence check and a rename stand in.
fn place_without_overwrite(temporary: &Path, output: &Path) -> std::io::Result<()> {
    match fs::hard_link(temporary, output) {
        Err(error) if error.kind() != std::io::ErrorKind::AlreadyExists => {
            if output.exists() {
                return Err(std::io::ErrorKind::AlreadyExists.into());
            }
            fs::rename(temporary, output)
        }
        linked => linked,
    }
}

/// `.<name>.brine-convert-<pid>.tmp` beside `output` (same folder, so the rename is atomic).
fn temporary_path(output: &Path) -> PathBuf {
    let mut name = OsString::from(".");
    name.push(output.file_name().unwrap_or_default());
    name.push(format!(".brine-convert-{}.tmp", std::process::id()));
    output.with_file_name(name)
}

fn write_temporary(
    path: &Path,
    converted: &brine_scanner::remediation::convert::Converted,
) -> Result<u64> {
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    let mut out = BufWriter::new(file);
    let written = write_safetensors(converted, &mut out)
        .with_context(|| format!("writing {}", path.display()))?;
    out.flush()?;
    out.get_ref()
        .sync_all()
        .with_context(|| format!("syncing {}", path.display()))?;
    Ok(written)
}
