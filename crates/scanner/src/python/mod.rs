//! Python front end: decoding, parsing and name resolution.
//!
//! The only module that names `ruff_*` types. Decodes per BOM and PEP 263 cookie, parses
//! with error recovery (a broken file still yields its tree and its sinks), and resolves
//! calls to qualified names through imports and aliases.
//!
//! Must never execute or import the code it reads, and never recurse without a bound.
//!
//! PLACEHOLDER API: the code-scanning workstream replaces the body below.

use crate::finding::Finding;

/// Settings for scanning one source file.
#[derive(Clone, Debug, Default)]
pub struct CodeSettings {}

/// Scan one Python source file.
#[must_use]
pub fn scan_source(_path: &str, _bytes: &[u8], _settings: &CodeSettings) -> Vec<Finding> {
    Vec::new()
}
