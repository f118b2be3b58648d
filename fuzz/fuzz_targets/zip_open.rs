//! Fuzz the zip opener: central directory, local-header walk and member analysis.
#![no_main]

use brine_scanner::Limits;
use brine_scanner::formats::{Ctx, zip};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_member_bytes: 1 << 20,
        max_decompressed_bytes: 1 << 22,
        ratio_check_after: 1 << 16,
        ..Limits::default()
    };
    let ctx = Ctx::new(&limits);
    let _ = zip::scan(&data, &ctx, 0);
});
