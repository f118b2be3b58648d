//! One file in, one [`FileReport`] out.
//!
//! Decides what a file is and sends it to the right analyser: Python source by its
//! extension or shebang, dependency manifests by their well-known names, and everything
//! else sniffed by content as a model artifact. A file that is none of these is skipped
//! (`None`). An unreadable file is an `error` report, never a silent skip.
//!
//! Must never walk directories (the CLI does), and never let an error in one file stop
//! the scan of others.

use std::path::Path;

use crate::finding::{FileKind, FileReport};
use crate::limits::Limits;
use crate::python::CodeSettings;

/// What to scan and how.
#[derive(Clone, Debug, Default)]
pub struct ScanOptions {
    /// Budgets.
    pub limits: Limits,
    /// Python scanning settings.
    pub code: CodeSettings,
    /// Skip Python source files.
    pub skip_code: bool,
    /// Skip dependency manifests.
    pub skip_deps: bool,
    /// Skip model and data files.
    pub skip_artifacts: bool,
    /// Advisory database for manifests (`--advisory-db`); the bundled one when `None`.
    pub advisories: Option<std::sync::Arc<crate::deps::AdvisoryDb>>,
}

impl ScanOptions {
    fn advisory_db(&self) -> &crate::deps::AdvisoryDb {
        self.advisories
            .as_deref()
            .unwrap_or_else(|| crate::deps::bundled())
    }
}

/// Whether a path names Python source that runs, by its extension. Type stubs (`.pyi`)
/// are not: they hold signatures only, so no load in them ever executes.
#[must_use]
pub fn is_python_path(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("py" | "pyw")
    )
}

fn has_python_shebang(head: &[u8]) -> bool {
    head.starts_with(b"#!")
        && head
            .split(|b| *b == b'\n')
            .next()
            .is_some_and(|l| l.windows(6).any(|w| w == b"python"))
}

/// Scan one file. `display` is the path as reported; `path` is where to read it.
#[must_use]
pub fn scan_file(display: &str, path: &Path, options: &ScanOptions) -> Option<FileReport> {
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return Some(unreadable(display, &e)),
    };
    if !options.skip_code && is_python_path(path) {
        return Some(scan_python_file(display, path, options));
    }
    if !options.skip_deps && crate::deps::is_manifest(file_name) {
        return Some(match std::fs::read(path) {
            Ok(bytes) => {
                let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
                let read_relative = |rel: &str| std::fs::read(dir.join(rel)).ok();
                FileReport::new(
                    display,
                    FileKind::Manifest,
                    crate::deps::scan_manifest(display, &bytes, &read_relative),
                )
            }
            Err(e) => unreadable(display, &e),
        });
    }
    if options.skip_artifacts {
        return None;
    }
    scan_artifact_file(display, path, &file, options)
}

fn scan_python_file(display: &str, path: &Path, options: &ScanOptions) -> FileReport {
    match std::fs::read(path) {
        Ok(bytes) => FileReport::new(
            display,
            FileKind::Python,
            crate::python::scan_source(display, &bytes, &options.code),
        ),
        Err(e) => unreadable(display, &e),
    }
}

#[cfg(any(unix, windows))]
fn scan_artifact_file(
    display: &str,
    path: &Path,
    file: &std::fs::File,
    options: &ScanOptions,
) -> Option<FileReport> {
    let mut head = [0u8; 128];
    let n = crate::source::ReadAt::read_at(file, 0, &mut head).unwrap_or(0);
    if !options.skip_code && has_python_shebang(&head[..n]) {
        return Some(scan_python_file(display, path, options));
    }
    let report = crate::formats::scan_artifact(file, &options.limits)?;
    Some(artifact_file_report(display, report))
}

#[cfg(not(any(unix, windows)))]
fn scan_artifact_file(
    display: &str,
    path: &Path,
    _file: &std::fs::File,
    options: &ScanOptions,
) -> Option<FileReport> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return Some(unreadable(display, &e)),
    };
    let report = crate::formats::scan_artifact(&bytes, &options.limits)?;
    Some(artifact_file_report(display, report))
}

/// Scan bytes already in memory (for the wasm build and tests); `name` is reported as the path.
#[must_use]
pub fn scan_bytes(name: &str, bytes: &[u8], options: &ScanOptions) -> Option<FileReport> {
    let file_name = Path::new(name)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("");
    if !options.skip_deps && crate::deps::is_manifest(file_name) {
        let findings = crate::deps::scan_manifest_with(
            name,
            bytes,
            &|_| None,
            options.advisory_db(),
            &options.limits,
        );
        return Some(FileReport::new(name, FileKind::Manifest, findings));
    }
    if !options.skip_code && (is_python_path(Path::new(name)) || has_python_shebang(bytes)) {
        return Some(FileReport::new(
            name,
            FileKind::Python,
            crate::python::scan_source(name, bytes, &options.code),
        ));
    }
    let report = crate::formats::scan_artifact(&bytes, &options.limits)?;
    Some(artifact_file_report(name, report))
}

fn artifact_file_report(display: &str, report: crate::formats::ArtifactReport) -> FileReport {
    let mut file_report = FileReport::new(display, report.kind, report.findings);
    file_report.weights_only = report.weights_only;
    file_report
}

/// The report for a file that could not be read.
#[must_use]
pub fn unreadable(display: &str, error: &std::io::Error) -> FileReport {
    FileReport::new(
        display,
        FileKind::Pickle,
        vec![crate::rules::scan::unreadable_file::finding(error)],
    )
}
