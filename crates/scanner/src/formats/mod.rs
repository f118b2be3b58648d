//! Format openers: bytes in, pickle streams and structural findings out.
//!
//! Recognises every container a model travels in by its content (never its extension),
//! recursively, and hands each pickle stream to [`crate::pickle`]. Reads only what
//! matters: a zip's directory and its pickle members, a safetensors header, an npy
//! header; tensor data is never read.
//!
//! Must never trust a declared size, follow a path out of an archive, extract to disk,
//! or exceed [`crate::Limits`]; malformed input is a finding, never a panic.
//!
//! PLACEHOLDER API: the containers workstream replaces the body below.

pub mod h5;
pub mod keras;
pub mod safetensors;

use crate::finding::{FileKind, Finding};
use crate::limits::Limits;
use crate::source::ReadAt;

/// What an artifact turned out to be and what was found in it.
#[derive(Clone, Debug)]
pub struct ArtifactReport {
    /// The outermost format.
    pub kind: FileKind,
    /// Findings from every level, with member paths.
    pub findings: Vec<Finding>,
}

/// Scan a file whose format is unknown. `None` when it is no format brine knows (skipped).
pub fn scan_artifact(data: &dyn ReadAt, limits: &Limits) -> Option<ArtifactReport> {
    let mut head = [0u8; 16];
    let n = data.read_at(0, &mut head).ok()?;
    if !crate::pickle::sniff(&head[..n]) {
        return None;
    }
    let mut cursor = crate::source::Cursor::new(data, 0);
    let report =
        crate::pickle::analyze_stream(&mut cursor, crate::pickle::StreamOptions::default(), limits);
    Some(ArtifactReport {
        kind: FileKind::Pickle,
        findings: report.findings,
    })
}
