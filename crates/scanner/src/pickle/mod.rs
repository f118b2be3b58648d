//! The symbolic pickle machine.
//!
//! Follows a pickle stream opcode by opcode the way CPython's unpickler would, with a
//! real stack, memo and marks, and records what the stream would import (globals) and
//! call (REDUCE, INST, OBJ, NEWOBJ, NEWOBJ_EX, BUILD with `__setstate__`), with symbolic
//! arguments and byte offsets. A policy then judges each import and call.
//!
//! It must never import, execute or evaluate anything, never recurse on input-controlled
//! depth, and never allocate beyond [`crate::Limits`].
//!
//! PLACEHOLDER API: the pickle workstream replaces the bodies below.

pub mod policy;

use std::io::Read;

use crate::finding::{Finding, Severity, Verdict};
use crate::limits::Limits;

/// How the stream is laid out around its pickles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Flavor {
    /// Pickles back to back until the end of the stream.
    #[default]
    Plain,
    /// joblib: raw array bytes follow the BUILD of each `NumpyArrayWrapper`.
    Joblib,
}

/// Options for one stream.
#[derive(Clone, Copy, Debug, Default)]
pub struct StreamOptions {
    /// Layout flavor.
    pub flavor: Flavor,
    /// Stop after this many pickles (legacy PyTorch: the rest of the file is raw storage).
    pub max_pickles: Option<usize>,
}

/// A global the stream references.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GlobalRef {
    /// Module as written in the stream.
    pub module: String,
    /// Name (possibly dotted) as written in the stream.
    pub name: String,
    /// Offset of the opcode that pushed it.
    pub offset: u64,
    /// Whether the stream calls it (directly or through what it returns).
    pub invoked: bool,
}

/// What one stream would do.
#[derive(Clone, Debug, Default)]
pub struct StreamReport {
    /// Findings, with offsets relative to the start of the stream.
    pub findings: Vec<Finding>,
    /// Every global referenced, in stream order.
    pub globals: Vec<GlobalRef>,
    /// Complete pickles read.
    pub pickles: usize,
    /// Bytes consumed from the reader.
    pub consumed: u64,
}

impl StreamReport {
    /// The combined verdict of the stream.
    #[must_use]
    pub fn verdict(&self) -> Verdict {
        crate::finding::combine(self.findings.iter().map(|f| f.verdict))
    }
}

/// Whether `head` (the first bytes of a file or member) starts like a pickle stream.
#[must_use]
pub fn sniff(head: &[u8]) -> bool {
    head.first() == Some(&0x80) && head.get(1).is_some_and(|p| *p <= 5)
}

/// Analyse a stream of pickles.
pub fn analyze_stream(
    _reader: &mut dyn Read,
    _options: StreamOptions,
    _limits: &Limits,
) -> StreamReport {
    StreamReport {
        findings: vec![Finding::new(
            "BRN000",
            Severity::Medium,
            Verdict::Error,
            "pickle analysis placeholder",
        )],
        ..StreamReport::default()
    }
}
