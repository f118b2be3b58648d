//! Fuzz the data-flow analysis: the input is split at the first NUL into two Python
//! files of one package, which are scanned, summarized and linked. It must never
//! panic, hang or overflow the stack, whatever the text.

#![no_main]

use brine_scanner::limits::Limits;
use brine_scanner::python::CodeSettings;
use brine_scanner::taint::analyze_files;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|b| *b == 0).unwrap_or(data.len());
    let (first, rest) = data.split_at(split);
    let second = rest.get(1..).unwrap_or_default();
    let files = [
        ("pkg/__init__.py", &b""[..]),
        ("pkg/app.py", first),
        ("pkg/loader.py", second),
    ];
    let _ = analyze_files(&files, &CodeSettings::default(), &Limits::default());
});
