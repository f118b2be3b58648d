//! `brine sbom`: a CycloneDX 1.6 bill of materials for a project: its Python dependencies
//! from manifests and lockfiles, every model file with its SHA-256, format and brine's
//! verdict, and the deserialization advisories that match. Offline and reproducible.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use brine_scanner::deps::sbom::{ModelArtifact, SbomOptions, collect, cyclonedx};
use brine_scanner::deps::{
    AdvisoryDb, bundled, is_manifest, load_advisory_db_with_bundled, parse_manifest,
};
use brine_scanner::scan::{ScanOptions, is_python_path, scan_file};
use clap::ValueEnum;
use globset::GlobSet;
use rayon::prelude::*;

use crate::hashing::sha256_file;
use crate::walk::walk;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SbomFormat {
    /// CycloneDX 1.6 JSON.
    Cyclonedx,
}

#[derive(Debug, clap::Args)]
pub struct SbomArgs {
    /// Files or directories to inventory.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// SBOM format.
    #[arg(long, value_enum, default_value_t = SbomFormat::Cyclonedx)]
    pub format: SbomFormat,
    /// Write the SBOM to this file instead of stdout.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Also use this OSV-format advisory export.
    #[arg(long)]
    pub advisory_db: Option<PathBuf>,
}

/// The advisory database for `--advisory-db`: the given export united with the bundled data.
pub fn advisory_db(path: Option<&Path>) -> Result<Option<Arc<AdvisoryDb>>> {
    path.map(|p| {
        load_advisory_db_with_bundled(p)
            .map(Arc::new)
            .with_context(|| format!("loading advisory database {}", p.display()))
    })
    .transpose()
}

enum Item {
    Dependencies(Vec<brine_scanner::deps::Dependency>),
    Model(Box<ModelArtifact>),
    Nothing,
}

pub fn run(args: &SbomArgs) -> Result<ExitCode> {
    let db = advisory_db(args.advisory_db.as_deref())?;
    let db: &AdvisoryDb = db.as_deref().unwrap_or_else(|| bundled());
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let walked = walk(&args.paths, &GlobSet::empty(), threads);
    let options = ScanOptions {
        skip_code: true,
        skip_deps: true,
        ..ScanOptions::default()
    };
    let items: Vec<Item> = walked
        .targets
        .par_iter()
        .map(|t| {
            let name = t.path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if is_manifest(name) {
                let Ok(bytes) = std::fs::read(&t.path) else {
                    return Item::Nothing;
                };
                let dir = t.path.parent().map(Path::to_path_buf).unwrap_or_default();
                return Item::Dependencies(parse_manifest(&t.display, &bytes, &|rel| {
                    std::fs::read(dir.join(rel)).ok()
                }));
            }
            if is_python_path(&t.path) {
                return Item::Nothing;
            }
            match (
                scan_file(&t.display, &t.path, &options),
                sha256_file(&t.path),
            ) {
                (Some(report), Ok((sha, _))) => {
                    Item::Model(Box::new(ModelArtifact::from_report(&report, sha)))
                }
                _ => Item::Nothing,
            }
        })
        .collect();
    let mut manifests = Vec::new();
    let mut models = Vec::new();
    for item in items {
        match item {
            Item::Dependencies(d) => manifests.push(d),
            Item::Model(m) => models.push(*m),
            Item::Nothing => {}
        }
    }
    let project_name = args
        .paths
        .first()
        .and_then(|p| std::path::absolute(p).ok())
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
    let sbom_options = SbomOptions {
        timestamp: None,
        project_name,
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    let doc = match args.format {
        SbomFormat::Cyclonedx => cyclonedx(&collect(&manifests), &models, db, &sbom_options),
    };
    let text = serde_json::to_string_pretty(&doc)? + "\n";
    match &args.output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}
