//! Fuzz the Python front end: arbitrary bytes (any encoding, broken syntax) through
//! decoding, parsing, the semantic model, every code rule and the fixer. Must never panic,
//! overflow the stack, or produce a fix that is not on character boundaries.
#![no_main]

use brine_scanner::python::{CodeSettings, apply_fixes, scan_source};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let findings = scan_source("fuzz.py", data, &CodeSettings::default());
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = apply_fixes(text, &findings);
    }
});
