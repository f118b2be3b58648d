//! Fuzz the whole artifact path: sniffing and every opener, recursively.
#![no_main]

use brine_scanner::Limits;
use brine_scanner::formats::scan_artifact;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_member_bytes: 1 << 20,
        max_decompressed_bytes: 1 << 22,
        ratio_check_after: 1 << 16,
        max_pickle_opcodes: 100_000,
        ..Limits::default()
    };
    let _ = scan_artifact(&data, &limits);
});
