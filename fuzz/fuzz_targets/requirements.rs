//! Fuzz the dependency readers: every manifest format, with includes that resolve to the
//! fuzzer's own bytes (so `-r` cycles, depth and budgets are exercised), then the audit and
//! the SBOM over whatever was parsed. Must never panic, hang or allocate without bound.
//!
//! Run: `cargo +nightly fuzz run requirements CORPUS -- -max_total_time=60`; good seeds are
//! the files of `crates/scanner/tests/fixtures/deps/vulnerable/`, each prefixed with one
//! byte choosing its format (0 = requirements.txt ... 7 = environment.yml, as in `NAMES`).

#![no_main]

use brine_scanner::deps;
use libfuzzer_sys::fuzz_target;

const NAMES: &[&str] = &[
    "requirements.txt",
    "pyproject.toml",
    "poetry.lock",
    "uv.lock",
    "pdm.lock",
    "pylock.toml",
    "Pipfile.lock",
    "environment.yml",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(selector) % NAMES.len()];
    // Every include reads the same bytes: a self-include storm bounded only by brine's limits.
    let read_relative = |_: &str| Some(body.to_vec());
    let findings = deps::scan_manifest(name, body, &read_relative);
    for finding in &findings {
        assert!(finding.span.is_some_and(|s| s.line >= 1));
    }
    let dependencies = deps::parse_manifest(name, body, &read_relative);
    let _ = deps::sbom::cyclonedx(
        &dependencies,
        &[],
        deps::bundled(),
        &deps::sbom::SbomOptions::default(),
    );
    let _ = deps::parse_advisory_db(body);
});
