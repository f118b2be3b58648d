//! Reporters: pure functions from reports to text.
//!
//! Must never decide what is a finding, read files other than to quote source lines, or
//! write to the terminal themselves (the CLI prints what they return).

pub mod json;
pub mod text;
