//! Fuzz the whole artifact path: sniffing and every opener, recursively.
#![no_main]

use brine_scanner::Limits;
use brine_scanner::formats::scan_artifact;
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
        max_pickle_opcodes: 100_000,
        ..Limits::default()
    };
    let _ = scan_artifact(&data, &limits);
});
