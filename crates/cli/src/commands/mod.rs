//! One file per subcommand.

pub mod allowlist;
pub mod completions;
pub mod convert;
pub mod fix;
pub mod link;
pub mod lock;
pub mod lockaware;
pub mod rule;
pub mod sbom;
pub mod scan;
