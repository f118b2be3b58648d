//! Reporters: pure functions from reports to text.
//!
//! Must never decide what is a finding, read files other than to quote source lines, or
//! write to the terminal themselves (the CLI prints what they return).

pub mod fingerprint;
pub mod github;
pub mod json;
pub mod sarif;
pub mod text;

/// Reads a line of a scanned source file (1-based), for snippets and fingerprints.
pub trait LineSource {
    /// The text of `line` in `path`, if available.
    fn line(&self, path: &str, line: u32) -> Option<String>;
}

/// No source text available (fingerprints then use the rule and path only).
pub struct NoSource;

impl LineSource for NoSource {
    fn line(&self, _path: &str, _line: u32) -> Option<String> {
        None
    }
}
