//! Dependency audit: manifests and lockfiles against bundled deserialization advisories.
//!
//! Fully offline. Must never fetch anything, and never resolve an include outside the
//! reader it is given.
//!
//! PLACEHOLDER API: the dependencies workstream replaces the bodies below.

use crate::finding::Finding;

/// Whether a file name is a manifest or lockfile brine reads.
#[must_use]
pub fn is_manifest(_file_name: &str) -> bool {
    false
}

/// Scan one manifest. `read_relative` reads a file named relative to this one (`-r other.txt`).
#[must_use]
pub fn scan_manifest(
    _path: &str,
    _bytes: &[u8],
    _read_relative: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> Vec<Finding> {
    Vec::new()
}
