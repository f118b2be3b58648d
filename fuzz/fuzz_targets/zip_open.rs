//! Fuzz the zip opener: central directory, local-header walk and member analysis.
#![no_main]

use brine_scanner::Limits;
use brine_scanner::formats::{Ctx, zip};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // brine contains panics of third-party decoders (catch_unwind); libFuzzer's hook
    // would abort on them anyway, so restore the default hook. A panic that escapes
    // brine still aborts through libfuzzer-sys's own catch_unwind.
    static RESET_HOOK: std::sync::Once = std::sync::Once::new();
    RESET_HOOK.call_once(|| drop(std::panic::take_hook()));
    let limits = Limits {
        max_member_bytes: 1 << 20,
        max_decompressed_bytes: 1 << 22,
        ratio_check_after: 1 << 16,
        ..Limits::default()
    };
    let ctx = Ctx::new(&limits);
    let _ = zip::scan(&data, &ctx, 0);
});
