//! Rules of the `deps` family. One file per rule; list each rule's `META` in [`RULES`].

use super::RuleMeta;

pub mod dependency_range_admits_vulnerable;
pub mod unparsable_manifest;
pub mod unresolved_manifest_include;
pub mod vulnerable_dependency;

/// The rules of this family.
pub static RULES: &[&RuleMeta] = &[
    &vulnerable_dependency::META,
    &dependency_range_admits_vulnerable::META,
    &unparsable_manifest::META,
    &unresolved_manifest_include::META,
];
