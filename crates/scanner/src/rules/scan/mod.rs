//! Rules about the scan itself: files that could not be read or recognised.
//! One file per rule; list each rule's `META` in [`RULES`].

use super::RuleMeta;

pub mod unreadable_file;

/// The rules of this family.
pub static RULES: &[&RuleMeta] = &[&unreadable_file::META];
