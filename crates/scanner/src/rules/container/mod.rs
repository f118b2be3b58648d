//! Rules of the `container` family. One file per rule; list each rule's `META` in [`RULES`].

use super::RuleMeta;

/// The rules of this family.
pub static RULES: &[&RuleMeta] = &[];
