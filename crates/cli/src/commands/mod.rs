//! One file per subcommand.

pub mod completions;
pub mod rule;
pub mod scan;
