//! `brine lock PATH...` pins model files in `brine.lock`; `brine verify` checks them.
//!
//! Hashing streams each file and runs in parallel across files. Paths in the lock are
//! relative to the lock's folder; files outside it are refused rather than pinned.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use brine_scanner::lock::{Change, LockEntry, LockFile, compare};
use brine_scanner::scan::{ScanOptions, scan_file};
use brine_scanner::{FileReport, Verdict};
use globset::GlobSet;
use rayon::prelude::*;

use crate::hashing::sha256_file;
use crate::walk::{Target, walk};

#[derive(Debug, clap::Args)]
pub struct LockArgs {
    /// Files or directories holding model files.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Where to write the lock.
    #[arg(short, long, default_value = "brine.lock")]
    pub output: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Files or directories to check for new model files [default: the lock's folder].
    pub paths: Vec<PathBuf>,
    /// The lock to check against.
    #[arg(long, default_value = "brine.lock")]
    pub lock: PathBuf,
}

fn artifact_options() -> ScanOptions {
    ScanOptions {
        skip_code: true,
        skip_deps: true,
        ..ScanOptions::default()
    }
}

/// Model files under `paths` with their scan reports.
fn artifacts(paths: &[PathBuf]) -> Vec<(Target, FileReport)> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let walked = walk(paths, &GlobSet::empty(), threads);
    let options = artifact_options();
    walked
        .targets
        .into_par_iter()
        .filter_map(|t| scan_file(&t.display, &t.path, &options).map(|r| (t, r)))
        .collect()
}

/// `/`-separated path of `file` relative to `base`, when it is inside.
fn relative_to(base: &Path, file: &Path) -> Option<String> {
    let base = std::path::absolute(base).ok()?;
    let file = std::path::absolute(file).ok()?;
    let rel = file.strip_prefix(&base).ok()?;
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

fn lock_dir(lock: &Path) -> PathBuf {
    lock.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

pub fn run_lock(args: &LockArgs) -> Result<ExitCode> {
    let base = lock_dir(&args.output);
    let found = artifacts(&args.paths);
    let entries: Vec<Result<LockEntry>> = found
        .par_iter()
        .map(|(target, report)| {
            let path = relative_to(&base, &target.path).with_context(|| {
                format!(
                    "{} is outside the lock's folder {}",
                    target.display,
                    base.display()
                )
            })?;
            let (sha256, size) =
                sha256_file(&target.path).with_context(|| format!("hashing {}", target.display))?;
            Ok(LockEntry {
                path,
                sha256,
                size,
                format: report.kind,
                verdict: report.verdict,
            })
        })
        .collect();
    let files = entries.into_iter().collect::<Result<Vec<_>>>()?;
    let dangerous = files
        .iter()
        .filter(|e| e.verdict == Verdict::Dangerous)
        .count();
    let lock = LockFile {
        version: brine_scanner::lock::LOCK_VERSION,
        files,
    };
    std::fs::write(&args.output, lock.render())
        .with_context(|| format!("writing {}", args.output.display()))?;
    eprintln!(
        "brine: pinned {} model files in {}",
        lock.files.len(),
        args.output.display()
    );
    if dangerous > 0 {
        eprintln!(
            "brine: warning: {dangerous} pinned files are dangerous; run `brine scan` on them"
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run_verify(args: &VerifyArgs) -> Result<ExitCode> {
    let text = std::fs::read_to_string(&args.lock)
        .with_context(|| format!("reading {}", args.lock.display()))?;
    let lock = LockFile::parse(&text)?;
    let base = lock_dir(&args.lock);
    let started = Instant::now();
    let hashed: Vec<(String, std::io::Result<(String, u64)>)> = lock
        .files
        .par_iter()
        .map(|e| (e.path.clone(), sha256_file(&base.join(&e.path))))
        .collect();
    let mut actual = BTreeMap::new();
    let mut bytes = 0u64;
    for (path, result) in hashed {
        match result {
            Ok((sha, size)) => {
                bytes += size;
                actual.insert(path, (sha, size));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => bail!("reading {path}: {e}"),
        }
    }
    let elapsed = started.elapsed();
    let scan_roots = if args.paths.is_empty() {
        vec![base.clone()]
    } else {
        args.paths.clone()
    };
    for (target, _) in artifacts(&scan_roots) {
        if let Some(rel) = relative_to(&base, &target.path)
            && !actual.contains_key(&rel)
            && !lock.files.iter().any(|e| e.path == rel)
        {
            actual.insert(rel, (String::new(), 0));
        }
    }
    let mut changed = 0;
    for (path, change) in compare(&lock, &actual) {
        let line = match change {
            Change::Unchanged => continue,
            Change::Modified { expected, actual } => {
                format!("modified: {path} (pinned {expected}, now {actual})")
            }
            Change::Missing => format!("missing:  {path}"),
            Change::New => format!("new:      {path} (not in {})", args.lock.display()),
        };
        changed += 1;
        println!("{line}");
    }
    let secs = elapsed.as_secs_f64().max(1e-9);
    #[allow(clippy::cast_precision_loss)]
    let mib = bytes as f64 / f64::from(1u32 << 20);
    eprintln!(
        "brine: verified {} pinned files, {mib:.1} MiB in {secs:.2} s ({:.0} MiB/s); {changed} changed",
        lock.files.len(),
        mib / secs
    );
    Ok(if changed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
