//! Fuzz target: arbitrary module and name text through the pickle policy.
//! It must find panics and inconsistencies: a judgement never depends on anything but the
//! text, and the standard-library check never panics. Nothing is imported or executed.
#![no_main]

use brine_scanner::pickle::policy::{Judgement, is_stdlib, judge_global};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (module, name) = text.split_once('\n').unwrap_or((&text, "x"));
    let first = judge_global(module, name);
    assert_eq!(first, judge_global(module, name));
    let _ = is_stdlib(module);
    // anything reached through an attribute named `os` is dangerous
    if let Judgement::Safe = judge_global(module, &format!("{name}.os.system")) {
        panic!("os reached through {module}.{name} judged safe");
    }
});
