//! The `brine` command line (being built).
fn main() {}
